/* site.c - loading templates and static files from the share folder. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "site.h"
#include "template.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"

#define STATIC_MAX_FILES 64
#define STATIC_MAX_SIZE (1 << 20)

static const char *const template_files[TPL_COUNT] = {
	[TPL_FRAME] = "frame.html",
	[TPL_LOGON] = "logon.html",
	[TPL_ERROR] = "error.html",
	[TPL_MAILBOX] = "mailbox.html",
	[TPL_FOLDER_ITEM] = "folder_item.html",
	[TPL_MESSAGE_ROW] = "message_row.html",
	[TPL_OPTION] = "option.html",
	[TPL_MESSAGE] = "message.html",
	[TPL_ATTACHMENT_ITEM] = "attachment_item.html",
	[TPL_MESSAGE_IMAGE] = "message_image.html",
	[TPL_COMPOSE] = "compose.html",
	[TPL_SWITCH] = "switch.html",
	[TPL_FOLDERS] = "folders.html",
	[TPL_FOLDER_ROW] = "folder_row.html",
	[TPL_FOLDER_CONFIRM] = "folder_confirm.html",
	[TPL_SETTINGS] = "settings.html",
	[TPL_LOGON_TOTP] = "logon_totp.html",
};

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

const char *site_content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return NULL;
	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
		if (strcmp(dot, content_types[i].ext) == 0)
			return content_types[i].type;
	return NULL;
}

static int servable_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= sizeof(((struct static_file *)0)->name) || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return 0;
	return site_content_type(name) != NULL;
}

/* A strong ETag: the start of the content's SHA-256. */
static void make_etag(struct static_file *f)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_Digest(f->data, f->len, md, &mdlen, EVP_sha256(), NULL);
	snprintf(f->etag, sizeof(f->etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1],
		 md[2], md[3], md[4], md[5], md[6], md[7]);
}

static int load_static(struct site *s, const char *dir, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	if (!d)
		return err_sys(e, "cannot open %s", dir);
	if (!(s->files = calloc(STATIC_MAX_FILES, sizeof(*s->files)))) {
		closedir(d);
		return err_set(e, "out of memory");
	}
	while ((de = readdir(d))) {
		if (!servable_name(de->d_name))
			continue;
		if (s->nfiles == STATIC_MAX_FILES) {
			closedir(d);
			return err_set(e, "%s has more than %d files", dir, STATIC_MAX_FILES);
		}
		struct static_file *f = &s->files[s->nfiles];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (fileio_read_path(path, 0, STATIC_MAX_SIZE, &f->data, &f->len, e) < 0) {
			closedir(d);
			return -1;
		}
		snprintf(f->name, sizeof(f->name), "%s", de->d_name);
		f->type = site_content_type(f->name);
		make_etag(f);
		s->nfiles++;
	}
	closedir(d);
	return 0;
}

int site_load(const char *share_dir, struct site **out, struct err *e)
{
	struct site *s = calloc(1, sizeof(*s));
	char path[4096];
	*out = NULL;
	if (!s)
		return err_set(e, "out of memory");
	for (int i = 0; i < TPL_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/templates/%s", share_dir, template_files[i]);
		if (template_load(path, &s->templates[i], e) < 0)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/static", share_dir);
	if (load_static(s, path, e) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	site_free(&s);
	return -1;
}

void site_free(struct site **s)
{
	if (!s || !*s)
		return;
	for (int i = 0; i < TPL_COUNT; i++)
		template_free(&(*s)->templates[i]);
	for (size_t i = 0; i < (*s)->nfiles; i++)
		free((*s)->files[i].data);
	free((*s)->files);
	free(*s);
	*s = NULL;
}

const struct static_file *site_static(const struct site *s, const char *name)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].name, name) == 0)
			return &s->files[i];
	return NULL;
}
