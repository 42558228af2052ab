/* template.h - HTML templates from share/templates.
 *   {{name}}            the value, HTML-escaped
 *   {{{name}}}          the value as it is: only for HTML the program built and escaped
 *   {{#name}}..{{/name}} the part between, when the value is not empty
 *   {{^name}}..{{/name}} the part between, when the value is empty */
#ifndef WEBMSGD_TEMPLATE_H
#define WEBMSGD_TEMPLATE_H

#include <stddef.h>

struct buf;
struct err;
struct template;

struct tvar {
	const char *name;
	const char *value;
};

int template_load(const char *path, struct template **out, struct err *e);
int template_parse(const char *text, const char *name, struct template **out, struct err *e);
void template_free(struct template **t);
/* A name the template uses that vars does not give is an error: a typo must not vanish. */
int template_render(const struct template *t, const struct tvar *vars, size_t nvars,
		    struct buf *out, struct err *e);

#endif
