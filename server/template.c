/* template.c - parsing templates once, rendering them per request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "webmsg/buf.h"
#include "webmsg/fileio.h"
#include "webmsg/err.h"
#include "webmsg/html.h"

#define TEMPLATE_MAX_SIZE (1 << 20)
#define TEMPLATE_MAX_DEPTH 8

enum part_kind { PART_TEXT, PART_ESCAPED, PART_RAW, PART_IF, PART_UNLESS, PART_END };

struct part {
	enum part_kind kind;
	char *text; /* literal text, or the variable's name */
	size_t len;
	size_t end; /* PART_IF / PART_UNLESS: index of the matching PART_END */
};

struct template {
	char name[128];
	struct part *parts;
	size_t nparts;
};

void template_free(struct template **t)
{
	if (!t || !*t)
		return;
	for (size_t i = 0; i < (*t)->nparts; i++)
		free((*t)->parts[i].text);
	free((*t)->parts);
	free(*t);
	*t = NULL;
}

static int add_part(struct template *t, enum part_kind kind, const char *text, size_t len)
{
	struct part *p = realloc(t->parts, (t->nparts + 1) * sizeof(*p));
	if (!p)
		return -1;
	t->parts = p;
	p = &t->parts[t->nparts];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->len = len;
	if (!(p->text = strndup(text, len)))
		return -1;
	t->nparts++;
	return 0;
}

static int valid_name(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

int template_parse(const char *text, const char *name, struct template **out, struct err *e)
{
	struct template *t = calloc(1, sizeof(*t));
	size_t open[TEMPLATE_MAX_DEPTH], depth = 0;
	const char *p = text;

	*out = NULL;
	if (!t)
		return err_set(e, "out of memory");
	snprintf(t->name, sizeof(t->name), "%s", name);
	while (*p) {
		const char *tag = strstr(p, "{{");
		if (!tag) {
			if (add_part(t, PART_TEXT, p, strlen(p)) < 0)
				goto oom;
			break;
		}
		if (tag > p && add_part(t, PART_TEXT, p, (size_t)(tag - p)) < 0)
			goto oom;
		int raw = tag[2] == '{';
		const char *start = tag + (raw ? 3 : 2);
		const char *close = strstr(start, raw ? "}}}" : "}}");
		if (!close) {
			err_set(e, "template %s: a {{ is never closed", name);
			goto fail;
		}
		enum part_kind kind = raw ? PART_RAW : PART_ESCAPED;
		if (!raw && strchr("#^/", *start))
			kind = *start == '#' ? PART_IF : *start == '^' ? PART_UNLESS : PART_END;
		if (kind == PART_IF || kind == PART_UNLESS || kind == PART_END)
			start++;
		size_t len = (size_t)(close - start);
		if (!valid_name(start, len)) {
			err_set(e, "template %s: '%.*s' is not a variable name", name, (int)len, start);
			goto fail;
		}
		if (kind == PART_END) {
			struct part *o = depth ? &t->parts[open[depth - 1]] : NULL;
			if (!o || o->len != len || memcmp(o->text, start, len) != 0) {
				err_set(e, "template %s: {{/%.*s}} closes nothing", name, (int)len,
					start);
				goto fail;
			}
			o->end = t->nparts;
			depth--;
		}
		if (add_part(t, kind, start, len) < 0)
			goto oom;
		if (kind == PART_IF || kind == PART_UNLESS) {
			if (depth == TEMPLATE_MAX_DEPTH) {
				err_set(e, "template %s: sections nested too deep", name);
				goto fail;
			}
			open[depth++] = t->nparts - 1;
		}
		p = close + (raw ? 3 : 2);
	}
	if (depth) {
		err_set(e, "template %s: {{#%s}} is never closed", name, t->parts[open[depth - 1]].text);
		goto fail;
	}
	*out = t;
	return 0;
oom:
	err_set(e, "out of memory");
fail:
	template_free(&t);
	return -1;
}

int template_load(const char *path, struct template **out, struct err *e)
{
	struct buf b;

	*out = NULL;
	buf_init(&b, TEMPLATE_MAX_SIZE);
	if (fileio_append_path(path, 0, &b, e) < 0) {
		buf_free(&b);
		return err_prefix(e, "template");
	}
	const char *base = strrchr(path, '/');
	int rc = template_parse(b.data ? b.data : "", base ? base + 1 : path, out, e);
	buf_free(&b);
	return rc;
}

static const char *lookup(const struct tvar *vars, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

int template_render(const struct template *t, const struct tvar *vars, size_t nvars,
		    struct buf *out, struct err *e)
{
	for (size_t i = 0; i < t->nparts; i++) {
		const struct part *p = &t->parts[i];
		const char *v = NULL;
		if (p->kind == PART_TEXT) {
			buf_append(out, p->text, p->len);
			continue;
		}
		if (p->kind == PART_END)
			continue;
		if (!(v = lookup(vars, nvars, p->text)))
			return err_set(e, "template %s: no value for '%s'", t->name, p->text);
		switch (p->kind) {
		case PART_ESCAPED:
			html_escape(out, v);
			break;
		case PART_RAW:
			buf_puts(out, v);
			break;
		case PART_IF:
		case PART_UNLESS:
			if ((p->kind == PART_IF) != (v[0] != '\0'))
				i = p->end;
			break;
		default:
			break;
		}
	}
	if (out->failed)
		return err_set(e, "template %s: the page is too large", t->name);
	return 0;
}
