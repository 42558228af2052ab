/* maildir.c - the Maildir back-end of the mail store: unique names and
 * flags in file names, paths of folders and messages, opening a mailbox and
 * the back-end's operations table. The other parts are in maildir_*.c behind
 * maildir_private.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

const char *const maildir_subdirs[] = { "new", "cur" };

/* ---- names and flags ---- */

/* The length of a file name's unique part, before the ":2," info. */
size_t maildir_id_len(const char *name)
{
	const char *info = strstr(name, ":2,");
	return info ? (size_t)(info - name) : strlen(name);
}

static const struct {
	unsigned flag;
	char letter;
} flag_letters[] = {
	/* In ASCII order, as Maildir wants them written. */
	{ MAIL_DRAFT, 'D' },
	{ MAIL_FLAGGED, 'F' },
	{ MAIL_FORWARDED, 'P' },
	{ MAIL_ANSWERED, 'R' },
	{ MAIL_SEEN, 'S' },
};

#define NFLAG_LETTERS (sizeof(flag_letters) / sizeof(flag_letters[0]))

unsigned maildir_flags_of_name(const char *name)
{
	const char *info = strstr(name, ":2,");
	unsigned flags = 0;
	if (!info)
		return 0;
	for (const char *p = info + 3; *p; p++)
		for (size_t i = 0; i < NFLAG_LETTERS; i++)
			if (*p == flag_letters[i].letter)
				flags |= flag_letters[i].flag;
	return flags;
}

/* The file name of id after changing flags: letters this module does not
 * know (Dovecot's keywords 'a'-'z', 'T') are kept; all in ASCII order. */
int maildir_name_with_flags(const char *old, size_t idlen, unsigned set, unsigned clear,
			    char *out, size_t outlen)
{
	char have[128] = { 0 };
	const char *info = strstr(old, ":2,");
	size_t n;

	if (info)
		for (const unsigned char *p = (const unsigned char *)info + 3; *p; p++)
			if (*p > ' ' && *p < 127 && *p != ',')
				have[*p] = 1;
	for (size_t i = 0; i < NFLAG_LETTERS; i++) {
		if (set & flag_letters[i].flag)
			have[(unsigned char)flag_letters[i].letter] = 1;
		if (clear & flag_letters[i].flag)
			have[(unsigned char)flag_letters[i].letter] = 0;
	}
	if (idlen + 4 > outlen)
		return -1;
	memcpy(out, old, idlen);
	memcpy(out + idlen, ":2,", 3);
	n = idlen + 3;
	for (int c = 0; c < 128; c++) {
		if (!have[c])
			continue;
		if (n + 2 > outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* "<time>.M<usec>P<pid>Q<counter>.<host>": unique across processes (pid),
 * threads and handles (the counter), and hosts sharing the store. */
void maildir_unique_name(const struct maildir *md, char *out, size_t outlen)
{
	static unsigned long counter;
	unsigned long q = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	snprintf(out, outlen, "%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
		 (long)getpid(), q, md->host);
}

/* The host name with '/' and ':' written as \057 and \072, as the Maildir
 * specification asks, so that it can stand in a file name before ":2,". */
static void host_name(char *out, size_t outlen)
{
	char host[256];
	size_t n = 0;
	if (gethostname(host, sizeof(host)) != 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (const char *p = host; *p && n + 5 < outlen; p++) {
		if (*p == '/' || *p == ':') {
			snprintf(out + n, outlen - n, "\\%03o", (unsigned char)*p);
			n += 4;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* ---- paths ---- */

int maildir_folder_dir(const struct maildir *md, const char *folder, char *out, size_t outlen,
		       struct err *e)
{
	int n = strcmp(folder, MAIL_INBOX) == 0 ? snprintf(out, outlen, "%s", md->base)
						: snprintf(out, outlen, "%s/.%s", md->base, folder);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of folder '%s' is too long", folder);
	return 0;
}

int maildir_file_path(const char *dir, int sub, const char *name, char *out, size_t outlen,
		      struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s/%s", dir, maildir_subdirs[sub], name);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of a message is too long");
	return 0;
}

static int is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The folder's directory, when the folder exists. */
int maildir_folder_existing(const struct maildir *md, const char *folder, char *dir,
			    size_t dirlen, struct err *e)
{
	char cur[PATH_MAX];
	if (maildir_folder_dir(md, folder, dir, dirlen, e) < 0)
		return -1;
	if (snprintf(cur, sizeof(cur), "%s/cur", dir) >= (int)sizeof(cur) || !is_dir(cur))
		return err_set(e, "no folder named '%s'", folder);
	return 0;
}

static int make_dir(const char *path, struct err *e)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "cannot create %s", path);
	return 0;
}

static int make_dirs(const char *path, struct err *e)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return err_set(e, "path too long: %s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (make_dir(tmp, e) < 0)
			return -1;
		*p = '/';
	}
	return make_dir(tmp, e);
}

/* Makes dir a maildir (cur/ last: it is what readers look for); a Maildir++
 * folder also gets the "maildirfolder" file Dovecot and Courier write. */
int maildir_make(const char *dir, int folder, struct err *e)
{
	static const char *const parts[] = { "tmp", "new", "cur" };
	char path[PATH_MAX];
	if (make_dir(dir, e) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, parts[i]) >= (int)sizeof(path))
			return err_set(e, "path too long: %s", dir);
		if (make_dir(path, e) < 0)
			return -1;
	}
	if (folder) {
		struct stat sb;
		snprintf(path, sizeof(path), "%s/maildirfolder", dir);
		/* Not opened when it is there: that fails on a read-only file system. */
		if (lstat(path, &sb) == 0)
			return 0;
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return err_sys(e, "cannot create %s", path);
		close(fd);
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int maildir_remove_tree(const char *path)
{
	return nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int maildir_sync_dir(const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "cannot open %s", path);
	int rc = fsync(fd);
	close(fd);
	if (rc < 0)
		return err_sys(e, "cannot sync %s", path);
	return 0;
}

/* ---- opening ---- */

/* One component of the path: never "..", never hidden, never a separator. */
static int path_part_ok(const char *s, const char *what, struct err *e)
{
	if (!s || !*s || s[0] == '.' || strchr(s, '/') || strlen(s) > 255)
		return err_set(e, "'%s' cannot be a mailbox %s", s ? s : "", what);
	return 0;
}

void maildir_handle_free(struct maildir *md)
{
	if (!md)
		return;
	maildir_index_close(md);
	if (md->options)
		g_mime_parser_options_free(md->options);
	free(md);
}

static void md_close(void *be)
{
	maildir_handle_free(be);
}

/* A handle with no paths yet, and the parser options every message is read with. */
static struct maildir *handle_new(void)
{
	/* Headers in 8-bit without a charset are most often UTF-8, else Windows'
	 * Latin-1, which any byte is. */
	static const char *charsets[] = { "UTF-8", "windows-1252", NULL };
	struct maildir *md = calloc(1, sizeof(*md));
	if (!md)
		return NULL;
	if (!(md->options = g_mime_parser_options_new())) {
		free(md);
		return NULL;
	}
	g_mime_parser_options_set_fallback_charsets(md->options, charsets);
	return md;
}

struct maildir *maildir_handle_copy(const struct maildir *md)
{
	struct maildir *copy = handle_new();
	if (!copy)
		return NULL;
	memcpy(copy->base, md->base, sizeof(copy->base));
	memcpy(copy->index_path, md->index_path, sizeof(copy->index_path));
	memcpy(copy->host, md->host, sizeof(copy->host));
	memcpy(copy->address, md->address, sizeof(copy->address));
	copy->quota = md->quota;
	return copy;
}

static int md_open(const char *root, const char *domain, const char *user, void **be,
		   struct err *e)
{
	static const char *const specials[] = { MAIL_SENT, MAIL_TRASH, MAIL_DRAFTS };
	struct maildir *md;
	char dir[PATH_MAX];

	*be = NULL;
	if (!root || !*root)
		return err_set(e, "no mail root folder is configured");
	if (path_part_ok(domain, "domain", e) < 0 || path_part_ok(user, "user", e) < 0)
		return -1;
	if (!(md = handle_new()))
		return err_set(e, "out of memory");
	if (snprintf(md->base, sizeof(md->base), "%s/%s/%s", root, domain, user) >=
		    (int)sizeof(md->base) ||
	    snprintf(md->index_path, sizeof(md->index_path), "%s/%s", md->base, INDEX_NAME) >=
		    (int)sizeof(md->index_path)) {
		maildir_handle_free(md);
		return err_set(e, "the mailbox path under %s is too long", root);
	}
	host_name(md->host, sizeof(md->host));
	snprintf(md->address, sizeof(md->address), "%s@%s", user, domain);
	if (make_dirs(md->base, e) < 0 || maildir_make(md->base, 0, e) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (maildir_folder_dir(md, specials[i], dir, sizeof(dir), e) < 0 ||
		    maildir_make(dir, 1, e) < 0)
			goto fail;
	/* Without an index (a full disk, a read-only file system) mail is
	 * still read, from the directories: each call tries the index again. */
	maildir_index_ready(md, NULL);
	*be = md;
	return 0;
fail:
	md_close(md);
	return -1;
}

static int md_degraded(void *be)
{
	return ((struct maildir *)be)->degraded;
}

const struct mailstore_ops mailstore_maildir_ops = {
	.name = "maildir",
	.open = md_open,
	.close = md_close,
	.folders = maildir_folders,
	.folder_create = maildir_folder_create,
	.folder_rename = maildir_folder_rename,
	.folder_delete = maildir_folder_delete,
	.folder_empty = maildir_folder_empty,
	.list = maildir_message_list,
	.search = maildir_search,
	.list_threads = maildir_thread_list,
	.thread = maildir_thread_messages,
	.path = maildir_message_path,
	.structure = maildir_read_structure,
	.part = maildir_read_part,
	.raw = maildir_read_raw,
	.view = maildir_read_view,
	.attachment = maildir_read_attachment,
	.summary = maildir_message_summary,
	.set_flags = maildir_message_set_flags,
	.move = maildir_message_move,
	.remove = maildir_message_remove,
	.deliver = maildir_message_deliver,
	.set_quota = maildir_quota_set,
	.usage = maildir_quota_usage,
	.degraded = md_degraded,
	.data_read = maildir_data_read,
	.data_write = maildir_data_write,
};
