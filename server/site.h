/* site.h - what the daemon serves from share/: templates and static files,
 * read once per generation so a reload picks up a new version. */
#ifndef WEBMSGD_SITE_H
#define WEBMSGD_SITE_H

#include <stddef.h>

struct err;
struct template;

enum site_template {
	TPL_FRAME,
	TPL_LOGON,
	TPL_ERROR,
	TPL_MAILBOX,
	TPL_FOLDER_ITEM,
	TPL_MESSAGE_ROW,
	TPL_OPTION,
	TPL_MESSAGE,
	TPL_ATTACHMENT_ITEM,
	TPL_MESSAGE_IMAGE,
	TPL_COMPOSE,
	TPL_SWITCH,
	TPL_FOLDERS,
	TPL_FOLDER_ROW,
	TPL_FOLDER_CONFIRM,
	TPL_SETTINGS,
	TPL_LOGON_TOTP,
	TPL_COUNT
};

struct static_file {
	char name[64];
	const char *type;
	char *data;
	size_t len;
	char etag[24];
};

struct site {
	struct template *templates[TPL_COUNT];
	struct static_file *files;
	size_t nfiles;
};

int site_load(const char *share_dir, struct site **out, struct err *e);
void site_free(struct site **s);
const struct static_file *site_static(const struct site *s, const char *name);
/* The content type for a file name, or NULL for one that is not served. */
const char *site_content_type(const char *name);

#endif
