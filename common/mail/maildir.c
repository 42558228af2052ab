/* mailstore_maildir.c - the Maildir back-end of the mail store: Maildir++
 * folders as Postfix delivers and Dovecot reads them, and an SQLite index
 * beside them so that a page of a large folder is one indexed query.
 *
 * Layout: ROOT/DOMAIN/USER/{cur,new,tmp} is INBOX; USER/.NAME/ (with a
 * "maildirfolder" file) is the folder NAME, its name kept as UTF-8 bytes.
 * A message's id is the unique part of its file name, before ":2,FLAGS".
 *
 * The index (USER/.webmsg-index.sqlite) is only a cache of what the
 * directories hold: each folder's new/ and cur/ modification times are
 * remembered, and a folder whose directories changed is compared with the
 * index again, reading headers only of files it has not seen. When the index
 * is corrupt or of another schema it is thrown away and rebuilt. When it
 * cannot be used at all (a full disk, a read-only file system), folders and
 * messages are read from the directories: slower, but mail can be read.
 *
 * Quota: Maildir++ "maildirsize" in USER/, as Courier, Postfix and Dovecot
 * keep it: a first line with the limit ("1073741824S"), then one line
 * "BYTES COUNT" per change, negative for removals; recalculated from the
 * directories when missing, longer than 5120 bytes, of another limit, or
 * over the limit and older than 15 minutes. A message's size is carried in
 * its file name (",S=1234"), so recalculating reads directories only.
 *
 * GMime must have been initialised (g_mime_init) before a handle is opened. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/mailstore.h"

#define INDEX_NAME ".webmsg-index.sqlite"
#define INDEX_APPLICATION_ID 0x776d6978 /* "wmix" */
#define INDEX_VERSION 1
#define INDEX_BUSY_MS 10000
/* A folder being deleted is renamed to this first, so that no reader sees it
 * half gone; the leading ".." keeps it out of every folder list. */
#define DELETING_PREFIX "..webmsg-deleting."
/* Headers beyond this are not read for the index. */
#define HEADER_MAX (64 * 1024)
/* A directory modified this recently may change again within the same
 * timestamp tick (FAT has 2 s ticks; others a kernel tick) without its mtime
 * changing: its mtime is not trusted, and the folder is compared again. */
#define RACY_SECONDS 2
/* Messages read into the index per transaction when a folder is compared. */
#define SYNC_BATCH 1000
#define QUOTA_FILE "maildirsize"
/* The Maildir++ rules for when maildirsize is recalculated. */
#define QUOTA_FILE_MAX 5120
#define QUOTA_STALE_SECONDS (15 * 60)
#define MIB (1024.0 * 1024.0)

enum { DIR_NEW = 0, DIR_CUR = 1 };
#define ALL_DIRS (1u << DIR_NEW | 1u << DIR_CUR)
static const char *const subdirs[] = { "new", "cur" };

struct maildir {
	char base[PATH_MAX]; /* ROOT/DOMAIN/USER: INBOX */
	char index_path[PATH_MAX];
	char host[128];      /* this host's name as unique names carry it */
	char address[600];   /* USER@DOMAIN, for messages to people */
	sqlite3 *sql;        /* NULL after a failed rebuild: opened again on next use */
	int broken;          /* the index answered "corrupt": rebuild before next use */
	int index_failed;    /* the index failed during the current call */
	int degraded;        /* the last list or read went around the index */
	long long quota;     /* bytes; 0: no limit */
	GMimeParserOptions *options;
};

/* What the index holds of a message, from its headers. */
struct meta {
	time_t date;
	char from_name[320], from_addr[320], subject[512];
	int attachment;
};

/* A message file in new/ or cur/. */
struct entry {
	char *name;   /* file name */
	size_t idlen; /* name[0, idlen) is the id */
	int dir;      /* DIR_NEW or DIR_CUR */
	int seen;     /* found in the index */
	int dup;      /* another file has the same id */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static int quota_path(const struct maildir *md, char *out, size_t outlen);
static void quota_add(struct maildir *md, long long bytes, long long count);

/* ---- names and flags ---- */

/* The length of a file name's unique part, before the ":2," info. */
static size_t id_len(const char *name)
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
	{ MAIL_ANSWERED, 'R' },
	{ MAIL_SEEN, 'S' },
};

#define NFLAG_LETTERS (sizeof(flag_letters) / sizeof(flag_letters[0]))
#define MAILDIR_FLAGS (MAIL_SEEN | MAIL_ANSWERED | MAIL_FLAGGED | MAIL_DRAFT)

static unsigned flags_of_name(const char *name)
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
 * know (Dovecot's keywords 'a'-'z', 'P', 'T') are kept; all in ASCII order. */
static int name_with_flags(const char *old, size_t idlen, unsigned set, unsigned clear,
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
static void unique_name(const struct maildir *md, char *out, size_t outlen)
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

static int folder_dir(const struct maildir *md, const char *folder, char *out, size_t outlen,
		      struct err *e)
{
	int n = strcmp(folder, MAIL_INBOX) == 0 ? snprintf(out, outlen, "%s", md->base)
						: snprintf(out, outlen, "%s/.%s", md->base, folder);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of folder '%s' is too long", folder);
	return 0;
}

static int file_path(const char *dir, int sub, const char *name, char *out, size_t outlen,
		     struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s/%s", dir, subdirs[sub], name);
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
static int folder_existing(const struct maildir *md, const char *folder, char *dir,
			   size_t dirlen, struct err *e)
{
	char cur[PATH_MAX];
	if (folder_dir(md, folder, dir, dirlen, e) < 0)
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
static int make_maildir(const char *dir, int folder, struct err *e)
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

static int remove_tree(const char *path)
{
	return nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int sync_dir(const char *path, struct err *e)
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

/* ---- headers ---- */

/* Reads the start of a message: at most max bytes, stopping once the blank
 * line that ends the header has been read. */
static ssize_t read_header_block(int fd, char *buf, size_t max)
{
	size_t n = 0;
	while (n < max) {
		size_t want = max - n < 8192 ? max - n : 8192;
		ssize_t got = read(fd, buf + n, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		size_t from = n >= 2 ? n - 2 : 0;
		n += (size_t)got;
		if (memmem(buf + from, n - from, "\n\n", 2) ||
		    memmem(buf + from, n - from, "\n\r\n", 3))
			break;
	}
	return (ssize_t)n;
}

struct raw_headers {
	char *subject, *from, *date, *content_type; /* unfolded values, or NULL */
};

/* The first Subject, From, Date and Content-Type of a header block, unfolded
 * and trimmed. Stops at the blank line; a header cut by HEADER_MAX counts as
 * far as it goes. */
static void scan_headers(const char *p, size_t len, struct raw_headers *h)
{
	static const struct {
		const char *name;
		size_t offset;
	} wanted[] = {
		{ "Subject", offsetof(struct raw_headers, subject) },
		{ "From", offsetof(struct raw_headers, from) },
		{ "Date", offsetof(struct raw_headers, date) },
		{ "Content-Type", offsetof(struct raw_headers, content_type) },
	};
	size_t i = 0;

	memset(h, 0, sizeof(*h));
	while (i < len) {
		size_t start = i, end = i;
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
			break;
		/* A field runs on over lines that start with white space. */
		for (;;) {
			const char *nl = memchr(p + end, '\n', len - end);
			end = nl ? (size_t)(nl - p) + 1 : len;
			if (end < len && (p[end] == ' ' || p[end] == '\t'))
				continue;
			break;
		}
		i = end;
		const char *colon = memchr(p + start, ':', end - start);
		if (!colon)
			continue;
		const char *name = p + start;
		size_t namelen = (size_t)(colon - name);
		while (namelen > 0 && (name[namelen - 1] == ' ' || name[namelen - 1] == '\t'))
			namelen--;
		for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
			char **slot = (char **)((char *)h + wanted[w].offset);
			if (*slot || strlen(wanted[w].name) != namelen ||
			    strncasecmp(name, wanted[w].name, namelen) != 0)
				continue;
			const char *v = colon + 1, *vend = p + end;
			char *out = malloc((size_t)(vend - v) + 1), *o = out;
			if (!out)
				return;
			for (; v < vend; v++)
				if (*v != '\r' && *v != '\n')
					*o++ = *v ? *v : ' ';
			while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
				o--;
			*o = '\0';
			size_t skip = strspn(out, " \t");
			memmove(out, out + skip, strlen(out + skip) + 1);
			*slot = out;
		}
	}
}

static void raw_headers_free(struct raw_headers *h)
{
	free(h->subject);
	free(h->from);
	free(h->date);
	free(h->content_type);
}

/* Copies text as valid UTF-8 on one line: invalid bytes become U+FFFD, line
 * breaks and tabs a space, runs of spaces one, other control characters go,
 * and a cut falls between characters. */
static void clean_text(const char *in, char *out, size_t outlen)
{
	char *valid = NULL;
	size_t o = 0;

	if (!g_utf8_validate(in, -1, NULL))
		in = valid = g_utf8_make_valid(in, -1);
	for (const char *p = in; *p; p = g_utf8_next_char(p)) {
		gunichar ch = g_utf8_get_char(p);
		const char *bytes = p;
		size_t n = (size_t)(g_utf8_next_char(p) - p);
		if (ch == '\t' || ch == '\r' || ch == '\n')
			ch = ' ';
		else if (g_unichar_iscntrl(ch))
			continue;
		if (ch == ' ') {
			if (o == 0 || out[o - 1] == ' ')
				continue;
			bytes = " ", n = 1;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, bytes, n);
		o += n;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	g_free(valid);
}

static void decode_text(struct maildir *md, const char *raw, char *out, size_t outlen)
{
	char *text = g_mime_utils_header_decode_text(md->options, raw);
	clean_text(text ? text : "", out, outlen);
	g_free(text);
}

static void decode_from(struct maildir *md, const char *raw, struct meta *m)
{
	InternetAddressList *list = internet_address_list_parse(md->options, raw);
	InternetAddress *ia = NULL;

	if (list && internet_address_list_length(list) > 0)
		ia = internet_address_list_get_address(list, 0);
	/* "Team: ann@x.org, bob@x.org;" is shown as its first member. */
	if (ia && INTERNET_ADDRESS_IS_GROUP(ia)) {
		InternetAddressList *members =
			internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
		ia = members && internet_address_list_length(members) > 0
			     ? internet_address_list_get_address(members, 0)
			     : NULL;
	}
	if (ia && INTERNET_ADDRESS_IS_MAILBOX(ia)) {
		const char *name = internet_address_get_name(ia);
		const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		clean_text(name ? name : "", m->from_name, sizeof(m->from_name));
		clean_text(addr ? addr : "", m->from_addr, sizeof(m->from_addr));
	}
	/* Not an address at all, or an empty one: show what it says. */
	if (!m->from_name[0] && !m->from_addr[0])
		decode_text(md, raw, m->from_name, sizeof(m->from_name));
	if (list)
		g_object_unref(list);
}

/* What the index keeps of a message whose header block is p; fallback_date
 * (the delivery time) stands in for a missing or unreadable Date. */
static void parse_meta(struct maildir *md, const char *p, size_t len, time_t fallback_date,
		       struct meta *m)
{
	struct raw_headers h;

	memset(m, 0, sizeof(*m));
	m->date = fallback_date;
	scan_headers(p, len, &h);
	if (h.subject)
		decode_text(md, h.subject, m->subject, sizeof(m->subject));
	if (h.from)
		decode_from(md, h.from, m);
	if (h.date) {
		GDateTime *dt = g_mime_utils_header_decode_date(h.date);
		if (dt) {
			m->date = (time_t)g_date_time_to_unix(dt);
			g_date_time_unref(dt);
		}
	}
	/* "Has an attachment" is guessed from the top-level type alone, as
	 * many clients do: multipart/mixed nearly always carries files, while
	 * text with an HTML alternative is multipart/alternative. Reading
	 * bodies to be exact would make listing a new folder read every byte. */
	if (h.content_type) {
		GMimeContentType *ct = g_mime_content_type_parse(md->options, h.content_type);
		if (ct) {
			m->attachment = g_mime_content_type_is_type(ct, "multipart", "mixed");
			g_object_unref(ct);
		}
	}
	raw_headers_free(&h);
}

/* Reads the headers of the message at path. Returns 1 when the file is gone
 * (moved or deleted by another program meanwhile) or is not a regular file. */
static int read_meta(struct maildir *md, const char *path, char *buf, struct meta *m, long *size)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 1;
	}
	ssize_t n = read_header_block(fd, buf, HEADER_MAX);
	close(fd);
	if (n < 0)
		return 1;
	parse_meta(md, buf, (size_t)n, sb.st_mtim.tv_sec, m);
	*size = (long)sb.st_size;
	return 0;
}

/* The key a text sorts by: case-folded and normalised, and for subjects
 * without the "Re:" and "Fwd:" that replies put in front. Free with g_free. */
static char *sort_key(const char *text, int subject)
{
	static const char *const prefixes[] = { "re:", "fwd:", "fw:" };
	int again = subject;
	while (again) {
		again = 0;
		text += strspn(text, " ");
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t n = strlen(prefixes[i]);
			if (strncasecmp(text, prefixes[i], n) == 0) {
				text += n;
				again = 1;
			}
		}
	}
	char *folded = g_utf8_casefold(text, -1);
	char *key = g_utf8_normalize(folded, -1, G_NORMALIZE_ALL);
	g_free(folded);
	return key ? key : g_strdup("");
}

/* ---- the index ---- */

static const char index_schema[] =
	"CREATE TABLE folders ("
	"  name TEXT PRIMARY KEY,"
	/* mtimes of new/ and cur/ when last compared; a second of -1: compare again */
	"  new_sec INTEGER NOT NULL, new_nsec INTEGER NOT NULL,"
	"  cur_sec INTEGER NOT NULL, cur_nsec INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	"  folder TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  dir INTEGER NOT NULL," /* 0 new/, 1 cur/ */
	"  filename TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  from_name TEXT NOT NULL,"
	"  from_addr TEXT NOT NULL,"
	"  from_sort TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  subject_sort TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  attachment INTEGER NOT NULL,"
	"  PRIMARY KEY (folder, id));"
	/* Each order a page is asked in is a walk along one of these. */
	"CREATE INDEX messages_date ON messages (folder, date, id);"
	"CREATE INDEX messages_from ON messages (folder, from_sort, date, id);"
	"CREATE INDEX messages_subject ON messages (folder, subject_sort, date, id);"
	/* What comparing with a directory reads: the few files of new/ without
	 * the many of cur/, and without reading whole rows. */
	"CREATE INDEX messages_files ON messages (folder, dir, filename);"
	/* Counted as rows come and go, so that neither a page nor the folder
	 * list counts 100,000 rows each time. (No INSERT OR IGNORE in the
	 * triggers: the outer INSERT OR REPLACE would override it.) */
	"CREATE TABLE counts ("
	"  folder TEXT PRIMARY KEY,"
	"  total INTEGER NOT NULL,"
	"  unread INTEGER NOT NULL);"
	"CREATE TRIGGER messages_insert AFTER INSERT ON messages BEGIN"
	"  INSERT INTO counts SELECT NEW.folder, 0, 0"
	"   WHERE NOT EXISTS (SELECT 1 FROM counts WHERE folder = NEW.folder);"
	"  UPDATE counts SET total = total + 1, unread = unread + (NEW.flags & 1 = 0)"
	"   WHERE folder = NEW.folder;"
	"END;"
	"CREATE TRIGGER messages_delete AFTER DELETE ON messages BEGIN"
	"  UPDATE counts SET total = total - 1, unread = unread - (OLD.flags & 1 = 0)"
	"   WHERE folder = OLD.folder;"
	"END;"
	"CREATE TRIGGER messages_update AFTER UPDATE OF folder, flags ON messages BEGIN"
	"  UPDATE counts SET total = total - 1, unread = unread - (OLD.flags & 1 = 0)"
	"   WHERE folder = OLD.folder;"
	"  INSERT INTO counts SELECT NEW.folder, 0, 0"
	"   WHERE NOT EXISTS (SELECT 1 FROM counts WHERE folder = NEW.folder);"
	"  UPDATE counts SET total = total + 1, unread = unread + (NEW.flags & 1 = 0)"
	"   WHERE folder = NEW.folder;"
	"END;";

static int index_error(struct maildir *md, struct err *e, const char *what)
{
	md->index_failed = 1;
	int code = md->sql ? sqlite3_extended_errcode(md->sql) & 0xff : SQLITE_CANTOPEN;
	switch (code) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		md->broken = 1;
		return err_set(e, "%s: the mail index %s is corrupt", what, md->index_path);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, "%s: the mail index is busy; try again", what);
	case SQLITE_FULL:
		return err_set(e, "%s: the disk holding %s is full", what, md->index_path);
	default:
		return err_set(e, "%s: mail index %s: %s", what, md->index_path,
			       md->sql ? sqlite3_errmsg(md->sql) : "not open");
	}
}

static int index_exec(struct maildir *md, const char *sql, struct err *e)
{
	if (sqlite3_exec(md->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return index_error(md, e, "mail index");
	return 0;
}

static int index_prepare(struct maildir *md, const char *sql, sqlite3_stmt **st, struct err *e)
{
	if (sqlite3_prepare_v2(md->sql, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return index_error(md, e, "mail index");
	}
	return 0;
}

static void index_rollback(struct maildir *md)
{
	if (md->sql && !sqlite3_get_autocommit(md->sql))
		sqlite3_exec(md->sql, "ROLLBACK", NULL, NULL, NULL);
}

static int index_commit(struct maildir *md, struct err *e)
{
	if (index_exec(md, "COMMIT", e) < 0) {
		index_rollback(md);
		return -1;
	}
	return 0;
}

static int pragma_int(struct maildir *md, const char *sql, int *out, struct err *e)
{
	sqlite3_stmt *st;
	if (index_prepare(md, sql, &st, e) < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return index_error(md, e, "mail index");
	return 0;
}

static void index_close(struct maildir *md)
{
	if (md->sql)
		sqlite3_close_v2(md->sql);
	md->sql = NULL;
}

/* Removes the index and its journal files. */
static void index_discard(struct maildir *md)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX + 16];
	index_close(md);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", md->index_path, suffixes[i]);
		unlink(path);
	}
}

/* Opens the index, creating its tables in an empty file. Returns 1 when the
 * file is not a usable index (corrupt, someone else's, another version). */
static int index_try_open(struct maildir *md, struct err *e)
{
	int app_id, version, tables;

	/* Created here so that it is 0600 from the start: it holds senders
	 * and subjects. SQLite gives its -wal and -shm files the same mode. */
	int fd = open(md->index_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "cannot open the mail index %s", md->index_path);
	close(fd);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(md->index_path, &md->sql, flags, NULL) != SQLITE_OK) {
		err_set(e, "cannot open the mail index %s: %s", md->index_path,
			md->sql ? sqlite3_errmsg(md->sql) : "out of memory");
		index_close(md);
		return -1;
	}
	sqlite3_busy_timeout(md->sql, INDEX_BUSY_MS);
	sqlite3_extended_result_codes(md->sql, 1);
	md->broken = 0;
	if (pragma_int(md, "PRAGMA application_id", &app_id, e) < 0 ||
	    pragma_int(md, "PRAGMA user_version", &version, e) < 0 ||
	    pragma_int(md, "SELECT count(*) FROM sqlite_master", &tables, e) < 0)
		goto fail;
	if (app_id == INDEX_APPLICATION_ID && version == INDEX_VERSION)
		goto ready;
	if (app_id != 0 || version != 0 || tables != 0)
		return 1;
	if (index_exec(md, "PRAGMA journal_mode = WAL", e) < 0 ||
	    index_exec(md, "BEGIN IMMEDIATE", e) < 0)
		goto fail;
	/* Again inside the transaction: another process may have just made it. */
	if (pragma_int(md, "SELECT count(*) FROM sqlite_master", &tables, e) < 0)
		goto fail;
	if (tables == 0) {
		char sql[128];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
			 INDEX_APPLICATION_ID, INDEX_VERSION);
		if (index_exec(md, index_schema, e) < 0 || index_exec(md, sql, e) < 0)
			goto fail;
	}
	if (index_commit(md, e) < 0)
		goto fail;
	if (pragma_int(md, "PRAGMA application_id", &app_id, e) < 0 ||
	    pragma_int(md, "PRAGMA user_version", &version, e) < 0)
		goto fail;
	if (app_id != INDEX_APPLICATION_ID || version != INDEX_VERSION)
		return 1;
ready:
	/* A cache: losing the last transactions in a power cut costs a rescan.
	 * Recursive triggers: rows that INSERT OR REPLACE deletes are counted. */
	if (index_exec(md, "PRAGMA journal_mode = WAL", e) < 0 ||
	    index_exec(md, "PRAGMA synchronous = NORMAL", e) < 0 ||
	    index_exec(md, "PRAGMA recursive_triggers = ON", e) < 0)
		goto fail;
	return 0;
fail:
	index_rollback(md);
	if (md->broken)
		return 1;
	index_close(md);
	return -1;
}

/* Makes sure the index is open and sound, rebuilding it from nothing when it
 * is not: it is a cache of the Maildir, and the user never sees it fail. */
static int index_ready(struct maildir *md, struct err *e)
{
	if (md->sql && !md->broken)
		return 0;
	if (md->broken)
		index_discard(md);
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = index_try_open(md, e);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			md->index_failed = 1;
			return -1;
		}
		index_discard(md);
	}
	md->index_failed = 1;
	return err_set(e, "cannot make a mail index at %s", md->index_path);
}

/* After a call that failed: 1 when it failed because the index is corrupt and
 * a fresh index is ready, so that the call is worth running once more. */
static int index_retry(struct maildir *md, int rc, int *tries, struct err *e)
{
	if (rc == 0 || !md->broken || (*tries)++ > 0)
		return 0;
	return index_ready(md, e) == 0;
}

/* ---- comparing a folder with its index ---- */

static int same_id(const struct entry *x, const struct entry *y)
{
	return x->idlen == y->idlen && memcmp(x->name, y->name, x->idlen) == 0;
}

/* The files of a directory by id, so that comparing 100,000 of them with
 * the index is a walk and a lookup each, not two sorts. Open addressing;
 * a slot holds an index into the entries plus one, 0 when empty. */
struct id_table {
	size_t *slots;
	size_t mask;
};

static size_t id_hash(const struct entry *x)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (size_t i = 0; i < x->idlen; i++)
		h = (h ^ (unsigned char)x->name[i]) * 1099511628211u;
	/* FNV's low bits mix poorly, and the table uses only those. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return (size_t)h;
}

static int id_table_build(struct id_table *t, struct entries *l)
{
	size_t size = 16;
	while (size < l->n * 2)
		size *= 2;
	if (!(t->slots = calloc(size, sizeof(*t->slots))))
		return -1;
	t->mask = size - 1;
	for (size_t i = 0; i < l->n; i++) {
		size_t at = id_hash(&l->v[i]) & t->mask;
		while (t->slots[at] && !same_id(&l->v[t->slots[at] - 1], &l->v[i]))
			at = (at + 1) & t->mask;
		if (!t->slots[at]) {
			t->slots[at] = i + 1;
			continue;
		}
		/* The same id in cur/ and new/ (a copy gone wrong): cur/ counts. */
		struct entry *old = &l->v[t->slots[at] - 1];
		if (l->v[i].dir == DIR_CUR) {
			old->dup = 1;
			t->slots[at] = i + 1;
		} else {
			l->v[i].dup = 1;
		}
	}
	return 0;
}

/* The entry of l with x's id, or NULL. */
static struct entry *id_table_find(const struct id_table *t, const struct entries *l,
				   const struct entry *x)
{
	for (size_t at = id_hash(x) & t->mask; t->slots[at]; at = (at + 1) & t->mask)
		if (same_id(&l->v[t->slots[at] - 1], x))
			return &l->v[t->slots[at] - 1];
	return NULL;
}

static int entries_add(struct entries *l, const char *name, int dir)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n].name = strdup(name)))
		return -1;
	l->v[l->n].idlen = id_len(name);
	l->v[l->n].dir = dir;
	l->v[l->n].seen = l->v[l->n].dup = 0;
	l->n++;
	return 0;
}

static void entries_free(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The message files in dir/new and dir/cur (those in subs). */
static int read_folder_dirs(const char *dir, unsigned subs, struct entries *out, struct err *e)
{
	char path[PATH_MAX];
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		if (!(subs & (1u << sub)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[sub]);
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d) {
			if (errno == ENOENT)
				continue;
			return err_sys(e, "cannot read %s", path);
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || de->d_type == DT_DIR)
				continue;
			if (id_len(de->d_name) >= MAIL_ID_MAX)
				continue;
			if (entries_add(out, de->d_name, sub) < 0) {
				closedir(d);
				return err_set(e, "out of memory");
			}
		}
		closedir(d);
	}
	return 0;
}

/* What the index holds of the folder's new/ and cur/ (those in subs). */
static int index_rows(struct maildir *md, const char *folder, unsigned subs,
		      struct entries *out, struct err *e)
{
	static const char *const sql[] = {
		[1u << DIR_NEW] = "SELECT dir, filename FROM messages WHERE folder = ? AND dir = 0",
		[1u << DIR_CUR] = "SELECT dir, filename FROM messages WHERE folder = ? AND dir = 1",
		[ALL_DIRS] = "SELECT dir, filename FROM messages WHERE folder = ?",
	};
	sqlite3_stmt *st;
	int rc;
	if (index_prepare(md, sql[subs], &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (entries_add(out, name ? name : "", sqlite3_column_int(st, 0)) < 0) {
			sqlite3_finalize(st);
			return err_set(e, "out of memory");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return index_error(md, e, "cannot read the mail index");
	return 0;
}

static const char insert_sql[] =
	"INSERT OR REPLACE INTO messages (folder, id, dir, filename, date, from_name, from_addr,"
	" from_sort, subject, subject_sort, size, flags, attachment)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int insert_row(struct maildir *md, sqlite3_stmt *st, const char *folder, const char *name,
		      int dir, const struct meta *m, long size, struct err *e)
{
	char *from_key = sort_key(m->from_name[0] ? m->from_name : m->from_addr, 0);
	char *subject_key = sort_key(m->subject, 1);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, (int)id_len(name), SQLITE_STATIC);
	sqlite3_bind_int(st, 3, dir);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)m->date);
	sqlite3_bind_text(st, 6, m->from_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, m->from_addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, from_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, m->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, subject_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, size);
	sqlite3_bind_int(st, 12, (int)flags_of_name(name));
	sqlite3_bind_int(st, 13, m->attachment);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	g_free(from_key);
	g_free(subject_key);
	if (rc != SQLITE_DONE)
		return index_error(md, e, "cannot update the mail index");
	return 0;
}

/* Runs a prepared statement with (folder, id) and up to two more values. */
static int run_row(struct maildir *md, sqlite3_stmt *st, const char *folder, const char *id,
		   int idlen, int dir, const char *name, struct err *e)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, idlen, SQLITE_STATIC);
	if (name) {
		sqlite3_bind_int(st, 3, dir);
		sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, (int)flags_of_name(name));
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return index_error(md, e, "cannot update the mail index");
	return 0;
}

struct dir_times {
	struct timespec m[2]; /* of new/ and cur/; zero when missing */
};

static void stat_folder(const char *dir, struct dir_times *t)
{
	char path[PATH_MAX];
	struct stat sb;
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[sub]);
		if (stat(path, &sb) == 0)
			t->m[sub] = sb.st_mtim;
		else
			memset(&t->m[sub], 0, sizeof(t->m[sub]));
	}
}

/* Which of new/ and cur/ (bits 1 << DIR_NEW, 1 << DIR_CUR) changed since
 * the index last compared them: their mtimes differ from the ones it saw,
 * or those were too recent to be trusted. */
static int folder_dirty(struct maildir *md, const char *folder, const struct dir_times *t,
			unsigned *dirty, struct err *e)
{
	sqlite3_stmt *st;
	*dirty = ALL_DIRS;
	if (index_prepare(md, "SELECT new_sec, new_nsec, cur_sec, cur_nsec FROM folders"
			      " WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*dirty = 0;
		for (int sub = DIR_NEW; sub <= DIR_CUR; sub++)
			if (sqlite3_column_int64(st, 2 * sub) != (sqlite3_int64)t->m[sub].tv_sec ||
			    sqlite3_column_int64(st, 2 * sub + 1) != (sqlite3_int64)t->m[sub].tv_nsec)
				*dirty |= 1u << sub;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return index_error(md, e, "cannot read the mail index");
	return 0;
}

static int store_times(struct maildir *md, const char *folder, const struct dir_times *t,
		       struct err *e)
{
	sqlite3_stmt *st;
	time_t now = time(NULL);
	if (index_prepare(md, "INSERT OR REPLACE INTO folders VALUES (?, ?, ?, ?, ?)", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		/* Racy times are not remembered: the next look compares again. */
		int racy = t->m[sub].tv_sec >= now - RACY_SECONDS;
		sqlite3_bind_int64(st, 2 + 2 * sub, racy ? -1 : (sqlite3_int64)t->m[sub].tv_sec);
		sqlite3_bind_int64(st, 3 + 2 * sub, (sqlite3_int64)t->m[sub].tv_nsec);
	}
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return index_error(md, e, "cannot update the mail index");
	return 0;
}

/* Brings the index of one folder up to date with its directories: files it
 * has not seen are read and added, vanished ones dropped, renamed ones (new
 * flags, new/ to cur/) updated. Only a directory that changed since the last
 * time is read (new mail changes new/ alone, and cur/ may hold 100,000
 * files); force reads both. A file that changes directory changes both. */
static int sync_folder(struct maildir *md, const char *folder, const char *dir, int force,
		       struct err *e)
{
	struct dir_times t;
	struct entries disk = { 0 }, rows = { 0 };
	sqlite3_stmt *ins = NULL, *del = NULL, *upd = NULL;
	char *buf = NULL;
	struct id_table table = { NULL, 0 };
	unsigned dirty = ALL_DIRS;
	int ret = -1;
	size_t parsed = 0;

	/* Before reading the directories: a change while they are read moves
	 * the times on, and the next look compares again. */
	stat_folder(dir, &t);
	if (!force) {
		if (folder_dirty(md, folder, &t, &dirty, e) < 0)
			return -1;
		if (!dirty)
			return 0;
	}
	if (index_exec(md, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	/* Another handle may have compared while this one waited for the lock. */
	if (!force) {
		if (folder_dirty(md, folder, &t, &dirty, e) < 0)
			goto out;
		if (!dirty) {
			ret = 0;
			goto out;
		}
	}
	if (read_folder_dirs(dir, dirty, &disk, e) < 0 ||
	    index_rows(md, folder, dirty, &rows, e) < 0)
		goto out;
	if (index_prepare(md, insert_sql, &ins, e) < 0 ||
	    index_prepare(md, "DELETE FROM messages WHERE folder = ? AND id = ?", &del, e) < 0 ||
	    index_prepare(md, "UPDATE messages SET dir = ?3, filename = ?4, flags = ?5"
			      " WHERE folder = ?1 AND id = ?2", &upd, e) < 0)
		goto out;
	if (!(buf = malloc(HEADER_MAX))) {
		err_set(e, "out of memory");
		goto out;
	}
	if (id_table_build(&table, &disk) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	/* What the index holds: still there, renamed (flags, new/ to cur/), or gone. */
	for (size_t j = 0; j < rows.n; j++) {
		const struct entry *r = &rows.v[j];
		struct entry *d = id_table_find(&table, &disk, r);
		if (!d) {
			if (run_row(md, del, folder, r->name, (int)r->idlen, 0, NULL, e) < 0)
				goto out;
			continue;
		}
		d->seen = 1;
		if (d->dir == r->dir && strcmp(d->name, r->name) == 0)
			continue;
		if (run_row(md, upd, folder, d->name, (int)d->idlen, d->dir, d->name, e) < 0)
			goto out;
	}
	/* What it does not hold yet: read, unless another file has the same id. */
	for (size_t i = 0; i < disk.n; i++) {
		const struct entry *d = &disk.v[i];
		char path[PATH_MAX];
		struct meta m;
		long size;
		if (d->seen || d->dup)
			continue;
		if (file_path(dir, d->dir, d->name, path, sizeof(path), e) < 0)
			goto out;
		if (read_meta(md, path, buf, &m, &size) != 0)
			continue; /* gone meanwhile: not an error */
		if (insert_row(md, ins, folder, d->name, d->dir, &m, size, e) < 0)
			goto out;
		/* Reading a large new folder takes seconds: let deliveries in
		 * between now and then. What is committed stays valid. */
		if (++parsed % SYNC_BATCH == 0 &&
		    (index_exec(md, "COMMIT", e) < 0 || index_exec(md, "BEGIN IMMEDIATE", e) < 0))
			goto out;
	}
	if (store_times(md, folder, &t, e) < 0)
		goto out;
	ret = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	sqlite3_finalize(upd);
	free(buf);
	free(table.slots);
	entries_free(&disk);
	entries_free(&rows);
	if (ret == 0)
		return index_commit(md, e);
	index_rollback(md);
	return -1;
}

/* ---- opening ---- */

/* One component of the path: never "..", never hidden, never a separator. */
static int path_part_ok(const char *s, const char *what, struct err *e)
{
	if (!s || !*s || s[0] == '.' || strchr(s, '/') || strlen(s) > 255)
		return err_set(e, "'%s' cannot be a mailbox %s", s ? s : "", what);
	return 0;
}

static void md_close(void *be)
{
	struct maildir *md = be;
	if (!md)
		return;
	index_close(md);
	if (md->options)
		g_mime_parser_options_free(md->options);
	free(md);
}

static int md_open(const char *root, const char *domain, const char *user, void **be,
		   struct err *e)
{
	/* Headers in 8-bit without a charset are most often UTF-8, else Windows'
	 * Latin-1, which any byte is. */
	static const char *charsets[] = { "UTF-8", "windows-1252", NULL };
	static const char *const specials[] = { MAIL_SENT, MAIL_TRASH, MAIL_DRAFTS };
	struct maildir *md;
	char dir[PATH_MAX];

	*be = NULL;
	if (!root || !*root)
		return err_set(e, "no mail root folder is configured");
	if (path_part_ok(domain, "domain", e) < 0 || path_part_ok(user, "user", e) < 0)
		return -1;
	if (!(md = calloc(1, sizeof(*md))))
		return err_set(e, "out of memory");
	if (snprintf(md->base, sizeof(md->base), "%s/%s/%s", root, domain, user) >=
		    (int)sizeof(md->base) ||
	    snprintf(md->index_path, sizeof(md->index_path), "%s/%s", md->base, INDEX_NAME) >=
		    (int)sizeof(md->index_path)) {
		free(md);
		return err_set(e, "the mailbox path under %s is too long", root);
	}
	host_name(md->host, sizeof(md->host));
	snprintf(md->address, sizeof(md->address), "%s@%s", user, domain);
	if (!(md->options = g_mime_parser_options_new())) {
		free(md);
		return err_set(e, "out of memory");
	}
	g_mime_parser_options_set_fallback_charsets(md->options, charsets);
	if (make_dirs(md->base, e) < 0 || make_maildir(md->base, 0, e) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (folder_dir(md, specials[i], dir, sizeof(dir), e) < 0 ||
		    make_maildir(dir, 1, e) < 0)
			goto fail;
	/* Without an index (a full disk, a read-only file system) mail is
	 * still read, from the directories: each call tries the index again. */
	index_ready(md, NULL);
	*be = md;
	return 0;
fail:
	md_close(md);
	return -1;
}

/* ---- folders ---- */

static int special_rank(const char *name)
{
	static const char *const order[] = { MAIL_INBOX, MAIL_DRAFTS, MAIL_SENT, MAIL_TRASH };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, order[i]) == 0)
			return i;
	return 4;
}

static int folder_cmp(const void *a, const void *b)
{
	const struct mail_folder *x = a, *y = b;
	int rx = special_rank(x->name), ry = special_rank(y->name);
	if (rx != ry)
		return rx - ry;
	int c = strcasecmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

static int count(struct maildir *md, const char *folder, long *total, long *unread,
		 struct err *e)
{
	sqlite3_stmt *st;
	*total = *unread = 0;
	if (index_prepare(md, "SELECT total, unread FROM counts WHERE folder = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*total = (long)sqlite3_column_int64(st, 0);
		*unread = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return index_error(md, e, "cannot read the mail index");
	return 0;
}

static int exec_folder(struct maildir *md, const char *sql, const char *folder, struct err *e)
{
	sqlite3_stmt *st;
	if (index_prepare(md, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return index_error(md, e, "cannot update the mail index");
	return 0;
}

/* Forgets the messages of a folder that is gone. */
static int forget_folder(struct maildir *md, const char *folder, struct err *e)
{
	if (exec_folder(md, "DELETE FROM messages WHERE folder = ?", folder, e) < 0 ||
	    exec_folder(md, "DELETE FROM counts WHERE folder = ?", folder, e) < 0 ||
	    exec_folder(md, "DELETE FROM folders WHERE name = ?", folder, e) < 0)
		return -1;
	return 0;
}

/* Forgets folders that no longer exist (deleted by another program). */
static int forget_folders(struct maildir *md, const struct mail_folder *v, size_t n,
			  struct err *e)
{
	struct entries gone = { 0 };
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (index_prepare(md, "SELECT name FROM folders UNION SELECT folder FROM counts", &st,
			  e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		size_t k = 0;
		while (name && k < n && strcmp(v[k].name, name) != 0)
			k++;
		if (name && k == n && entries_add(&gone, name, 0) < 0) {
			ret = err_set(e, "out of memory");
			break;
		}
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = index_error(md, e, "cannot read the mail index");
	for (size_t i = 0; ret == 0 && i < gone.n; i++)
		ret = forget_folder(md, gone.v[i].name, e);
	entries_free(&gone);
	return ret;
}

static int folder_add(struct mail_folder **v, size_t *n, size_t *cap, const char *name)
{
	if (*n == *cap) {
		size_t more = *cap ? *cap * 2 : 16;
		struct mail_folder *p = realloc(*v, more * sizeof(**v));
		if (!p)
			return -1;
		*v = p;
		*cap = more;
	}
	memset(&(*v)[*n], 0, sizeof((*v)[*n]));
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	(*v)[*n].special = special_rank(name) < 4;
	(*n)++;
	return 0;
}

/* The folders on disk: INBOX, and each ".NAME" directory with a cur/. */
static int folders_on_disk(struct maildir *md, struct mail_folder **v, size_t *n,
			   struct err *e)
{
	char dir[PATH_MAX];
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(md->base);

	if (!d)
		return err_sys(e, "cannot read %s", md->base);
	if (folder_add(v, n, &cap, MAIL_INBOX) < 0)
		goto oom;
	while ((de = readdir(d))) {
		const char *name = de->d_name + 1;
		if (strncmp(de->d_name, DELETING_PREFIX, strlen(DELETING_PREFIX)) == 0) {
			/* The rest of a folder whose deletion was cut short. */
			if (snprintf(dir, sizeof(dir), "%s/%s", md->base, de->d_name) <
			    (int)sizeof(dir))
				remove_tree(dir);
			continue;
		}
		if (de->d_name[0] != '.' || !name[0] || name[0] == '.' ||
		    strlen(name) >= MAIL_FOLDER_MAX || strcmp(name, MAIL_INBOX) == 0 ||
		    folder_existing(md, name, dir, sizeof(dir), NULL) < 0)
			continue;
		if (folder_add(v, n, &cap, name) < 0)
			goto oom;
	}
	closedir(d);
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), folder_cmp);
	return 0;
oom:
	closedir(d);
	return err_set(e, "out of memory");
}

static int folders_once(struct maildir *md, struct mail_folder **out, size_t *n, struct err *e)
{
	struct mail_folder *v = NULL;
	size_t nv = 0;
	char dir[PATH_MAX];

	if (folders_on_disk(md, &v, &nv, e) < 0)
		goto fail;
	for (size_t i = 0; i < nv; i++)
		if (folder_dir(md, v[i].name, dir, sizeof(dir), e) < 0 ||
		    sync_folder(md, v[i].name, dir, 0, e) < 0)
			goto fail;
	if (forget_folders(md, v, nv, e) < 0 || index_exec(md, "BEGIN", e) < 0)
		goto fail;
	for (size_t i = 0; i < nv; i++)
		if (count(md, v[i].name, &v[i].total, &v[i].unread, e) < 0)
			goto fail;
	if (index_commit(md, e) < 0)
		goto fail;
	*out = v;
	*n = nv;
	return 0;
fail:
	index_rollback(md);
	free(v);
	return -1;
}

static int dir_folders(struct maildir *md, struct mail_folder **out, size_t *n,
		       struct err *e);

static int md_folders(void *be, struct mail_folder **out, size_t *n, struct err *e)
{
	struct maildir *md = be;
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (index_ready(md, e) == 0) {
		do
			rc = folders_once(md, out, n, e);
		while (index_retry(md, rc, &tries, e));
		if (rc == 0 || !md->index_failed)
			return rc;
	}
	md->degraded = 1;
	return dir_folders(md, out, n, e);
}

static int md_folder_create(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX];
	if (folder_dir(md, name, dir, sizeof(dir), e) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST) {
			err_set(e, "a folder named '%s' already exists", name);
			return MAILSTORE_REFUSED;
		}
		return err_sys(e, "cannot create the folder '%s'", name);
	}
	if (make_maildir(dir, 1, e) < 0) {
		remove_tree(dir);
		return -1;
	}
	return 0;
}

static int md_folder_delete(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX], gone[PATH_MAX], unique[128];

	if (folder_existing(md, name, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	unique_name(md, unique, sizeof(unique));
	if (snprintf(gone, sizeof(gone), "%s/" DELETING_PREFIX "%s", md->base, unique) >=
	    (int)sizeof(gone))
		return err_set(e, "the path of folder '%s' is too long", name);
	/* Out of sight first, in one step; then the files. */
	if (rename(dir, gone) < 0)
		return err_sys(e, "cannot delete the folder '%s'", name);
	/* Counted again at the next delivery, without the folder. */
	char quota_file[PATH_MAX];
	if (quota_path(md, quota_file, sizeof(quota_file)) == 0)
		unlink(quota_file);
	int removed = remove_tree(gone) == 0, saved = errno;
	/* The index is a cache: a failure here is repaired by the next list. */
	if (index_ready(md, NULL) == 0)
		forget_folder(md, name, NULL);
	if (!removed) {
		errno = saved;
		return err_sys(e, "the folder '%s' was deleted, but some of its files are left "
				  "in %s (they go with the next folder list)", name, gone);
	}
	return 0;
}


/* ---- without the index ---- */

/* A message name as it may be used in a path: one component, not hidden. */
static int message_name_ok(const char *name, size_t len)
{
	return len > 0 && len <= NAME_MAX && name[0] != '.' && strlen(name) == len &&
	       !memchr(name, '/', len);
}

/* Total and unread of a folder, counted in its directories. */
static void dir_count(const char *dir, long *total, long *unread)
{
	struct entries l = { 0 };
	*total = *unread = 0;
	if (read_folder_dirs(dir, ALL_DIRS, &l, NULL) == 0)
		for (size_t i = 0; i < l.n; i++) {
			(*total)++;
			if (!(flags_of_name(l.v[i].name) & MAIL_SEEN))
				(*unread)++;
		}
	entries_free(&l);
}

static int dir_folders(struct maildir *md, struct mail_folder **out, size_t *n, struct err *e)
{
	struct mail_folder *v = NULL;
	size_t nv = 0;
	char dir[PATH_MAX];
	if (folders_on_disk(md, &v, &nv, e) < 0) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < nv; i++)
		if (folder_dir(md, v[i].name, dir, sizeof(dir), NULL) == 0)
			dir_count(dir, &v[i].total, &v[i].unread);
	*out = v;
	*n = nv;
	return 0;
}

/* Unique names begin with the delivery time in seconds: in version order
 * (numbers by value) they are in the order of arrival. */
static int entry_newest_first(const void *a, const void *b)
{
	return strverscmp(((const struct entry *)b)->name, ((const struct entry *)a)->name);
}

static void summary_from_file(struct maildir *md, const char *dir, const struct entry *x,
			      char *buf, struct mail_summary *s)
{
	char path[PATH_MAX];
	struct meta m;
	long size = 0;
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%.*s", (int)x->idlen, x->name);
	s->flags = flags_of_name(x->name);
	if (file_path(dir, x->dir, x->name, path, sizeof(path), NULL) < 0 ||
	    read_meta(md, path, buf, &m, &size) != 0)
		return;
	s->date = m.date;
	snprintf(s->from, sizeof(s->from), "%s", m.from_name[0] ? m.from_name : m.from_addr);
	snprintf(s->from_addr, sizeof(s->from_addr), "%s", m.from_addr);
	snprintf(s->subject, sizeof(s->subject), "%s", m.subject);
	s->size = size;
	if (m.attachment)
		s->flags |= MAIL_HAS_ATTACHMENT;
}

/* A page of a folder read from its directories, by arrival whatever the sort
 * asked: sorting by sender or subject would read every message's headers. */
static int dir_list(struct maildir *md, const char *folder, int ascending, size_t offset,
		    size_t limit, struct mail_summary **out, size_t *n, long *total, struct err *e)
{
	struct entries l = { 0 };
	char dir[PATH_MAX], *buf = NULL;
	struct mail_summary *v = NULL;
	size_t nv = 0;

	if (folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (read_folder_dirs(dir, ALL_DIRS, &l, e) < 0)
		goto fail;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), entry_newest_first);
	*total = (long)l.n;
	if (offset < l.n) {
		size_t want = limit && limit < l.n - offset ? limit : l.n - offset;
		if (!(v = calloc(want, sizeof(*v))) || !(buf = malloc(HEADER_MAX))) {
			err_set(e, "out of memory");
			goto fail;
		}
		for (; nv < want; nv++) {
			size_t at = ascending ? l.n - 1 - offset - nv : offset + nv;
			summary_from_file(md, dir, &l.v[at], buf, &v[nv]);
		}
	}
	free(buf);
	entries_free(&l);
	*out = v;
	*n = nv;
	return 0;
fail:
	free(buf);
	free(v);
	entries_free(&l);
	*total = 0;
	return -1;
}

/* ---- messages ---- */

static const char summary_columns[] =
	"id, date, CASE WHEN from_name <> '' THEN from_name ELSE from_addr END, from_addr,"
	" subject, size, flags, attachment";

static void column_copy(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	snprintf(out, outlen, "%s", s ? s : "");
}

static void summary_from_row(sqlite3_stmt *st, struct mail_summary *s)
{
	memset(s, 0, sizeof(*s));
	column_copy(st, 0, s->id, sizeof(s->id));
	s->date = (time_t)sqlite3_column_int64(st, 1);
	column_copy(st, 2, s->from, sizeof(s->from));
	column_copy(st, 3, s->from_addr, sizeof(s->from_addr));
	column_copy(st, 4, s->subject, sizeof(s->subject));
	s->size = (long)sqlite3_column_int64(st, 5);
	s->flags = (unsigned)sqlite3_column_int(st, 6) & MAILDIR_FLAGS;
	if (sqlite3_column_int(st, 7))
		s->flags |= MAIL_HAS_ATTACHMENT;
}

static int list_once(struct maildir *md, const char *folder, enum mail_sort sort, int ascending,
		     size_t offset, size_t limit, struct mail_summary **out, size_t *n,
		     long *total, struct err *e)
{
	/* Ascending is exactly the reverse of descending, so that either is a
	 * walk along one index, forwards or backwards. */
	static const char *const orders[3][2] = {
		[MAIL_SORT_DATE] = { "date DESC, id DESC", "date, id" },
		[MAIL_SORT_FROM] = { "from_sort DESC, date DESC, id DESC", "from_sort, date, id" },
		[MAIL_SORT_SUBJECT] = { "subject_sort DESC, date DESC, id DESC",
					"subject_sort, date, id" },
	};
	char dir[PATH_MAX], sql[512];
	struct mail_summary *v = NULL;
	size_t nv = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	long unread;
	int rc;

	if (folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (sync_folder(md, folder, dir, 0, e) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM messages WHERE folder = ? ORDER BY %s"
		 " LIMIT ? OFFSET ?", summary_columns, orders[sort][ascending ? 1 : 0]);
	/* One read transaction: the page and the total agree. */
	if (index_exec(md, "BEGIN", e) < 0)
		return -1;
	if (count(md, folder, total, &unread, e) < 0 || index_prepare(md, sql, &st, e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 3, offset > INT64_MAX ? INT64_MAX : (sqlite3_int64)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? cap * 2 : (limit && limit < 64 ? limit : 64);
			struct mail_summary *more = realloc(v, cap * sizeof(*v));
			if (!more) {
				err_set(e, "out of memory");
				goto fail;
			}
			v = more;
		}
		summary_from_row(st, &v[nv++]);
	}
	if (rc != SQLITE_DONE) {
		index_error(md, e, "cannot read the mail index");
		goto fail;
	}
	sqlite3_finalize(st);
	index_commit(md, NULL);
	*out = v;
	*n = nv;
	return 0;
fail:
	sqlite3_finalize(st);
	index_rollback(md);
	free(v);
	*total = 0;
	return -1;
}

static int md_list(void *be, const char *folder, enum mail_sort sort, int ascending,
		   size_t offset, size_t limit, struct mail_summary **out, size_t *n, long *total,
		   struct err *e)
{
	struct maildir *md = be;
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (index_ready(md, e) == 0) {
		do
			rc = list_once(md, folder, sort, ascending, offset, limit, out, n, total,
				       e);
		while (index_retry(md, rc, &tries, e));
		if (rc == 0 || !md->index_failed)
			return rc;
	}
	md->degraded = 1;
	return dir_list(md, folder, ascending, offset, limit, out, n, total, e);
}

/* Where a message is now. */
struct location {
	const char *folder;  /* borrowed */
	char dir[PATH_MAX];  /* the folder's directory */
	int sub;             /* DIR_NEW or DIR_CUR */
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	struct mail_summary summary;
};

static int lookup(struct maildir *md, const char *folder, const char *id, struct location *loc,
		  int *found, struct err *e)
{
	sqlite3_stmt *st;
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT %s, dir, filename FROM messages WHERE folder = ?"
		 " AND id = ?", summary_columns);
	*found = 0;
	if (index_prepare(md, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 9);
		size_t len = (size_t)sqlite3_column_bytes(st, 9);
		summary_from_row(st, &loc->summary);
		loc->sub = sqlite3_column_int(st, 8) == DIR_CUR ? DIR_CUR : DIR_NEW;
		/* The index is a file in the user's folder, which other programs
		 * (and the user, with shell access) can write: a name that is not
		 * one file of this folder, or not of this id, is not used. The
		 * next comparison of the folder drops the row. */
		if (name && message_name_ok(name, len) && id_len(name) == strlen(id) &&
		    strncmp(name, id, strlen(id)) == 0) {
			snprintf(loc->name, sizeof(loc->name), "%s", name);
			*found = 1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return index_error(md, e, "cannot read the mail index");
	if (*found && file_path(loc->dir, loc->sub, loc->name, loc->path, sizeof(loc->path),
				e) < 0)
		return -1;
	return 0;
}

/* Finds the message's file. The index may be behind another program (which
 * renamed it for its flags, or deleted it): when its file is not where the
 * index says, the folder is compared again. */
static int locate(struct maildir *md, const char *folder, const char *id, struct location *loc,
		  struct err *e)
{
	struct stat sb;
	int found;

	loc->folder = folder;
	if (folder_existing(md, folder, loc->dir, sizeof(loc->dir), e) < 0)
		return MAILSTORE_REFUSED;
	for (int force = 0; force < 2; force++) {
		if (sync_folder(md, folder, loc->dir, force, e) < 0 ||
		    lookup(md, folder, id, loc, &found, e) < 0)
			return -1;
		/* A regular file only: never hand out a symbolic link's target. */
		if (found && lstat(loc->path, &sb) == 0 && S_ISREG(sb.st_mode))
			return 0;
	}
	err_set(e, "no such message in %s (it may have been moved or deleted)", folder);
	return MAILSTORE_REFUSED;
}

/* Finds the message in its folder's directories, without the index. */
static int dir_locate(struct maildir *md, const char *folder, const char *id,
		      struct location *loc, struct err *e)
{
	struct entries l = { 0 };
	struct entry want = { (char *)id, strlen(id), 0, 0, 0 };
	struct stat sb;
	char *buf;

	loc->folder = folder;
	if (folder_existing(md, folder, loc->dir, sizeof(loc->dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (read_folder_dirs(loc->dir, ALL_DIRS, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct entry *x = &l.v[i];
		if (!same_id(x, &want) ||
		    file_path(loc->dir, x->dir, x->name, loc->path, sizeof(loc->path), NULL) < 0 ||
		    lstat(loc->path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		loc->sub = x->dir;
		snprintf(loc->name, sizeof(loc->name), "%s", x->name);
		if ((buf = malloc(HEADER_MAX)))
			summary_from_file(md, loc->dir, x, buf, &loc->summary);
		free(buf);
		entries_free(&l);
		return 0;
	}
	entries_free(&l);
	err_set(e, "no such message in %s (it may have been moved or deleted)", folder);
	return MAILSTORE_REFUSED;
}

/* locate(), retried once over a rebuilt index when the index was damaged,
 * and done without the index when the index cannot be used. */
static int locate_ready(struct maildir *md, const char *folder, const char *id,
			struct location *loc, struct err *e)
{
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (index_ready(md, e) == 0) {
		do
			rc = locate(md, folder, id, loc, e);
		while (index_retry(md, rc, &tries, e));
		if (rc == 0 || !md->index_failed)
			return rc;
	}
	md->degraded = 1;
	return dir_locate(md, folder, id, loc, e);
}

static int md_path(void *be, const char *folder, const char *id, char *path, size_t pathlen,
		   struct err *e)
{
	struct maildir *md = be;
	struct location loc;
	int rc = locate_ready(md, folder, id, &loc, e);
	if (rc < 0)
		return rc;
	if (snprintf(path, pathlen, "%s", loc.path) >= (int)pathlen)
		return err_set(e, "the path of a message is too long");
	return 0;
}

static int md_summary(void *be, const char *folder, const char *id, struct mail_summary *out,
		      struct err *e)
{
	struct maildir *md = be;
	struct location loc;
	int rc = locate_ready(md, folder, id, &loc, e);
	if (rc == 0)
		*out = loc.summary;
	return rc;
}

/* Runs a file operation on a located message; when the file moved meanwhile
 * (another program), locates it again and tries once more. */
static int with_message(struct maildir *md, const char *folder, const char *id,
			struct location *loc,
			int (*op)(struct maildir *md, struct location *loc, void *arg), void *arg,
			struct err *e)
{
	int rc;
	for (int attempt = 0;; attempt++) {
		if ((rc = locate_ready(md, folder, id, loc, e)) < 0)
			return rc;
		errno = 0;
		if ((rc = op(md, loc, arg)) == 0)
			return 0;
		if (errno != ENOENT || attempt > 0)
			break;
	}
	return err_sys(e, "cannot change the message %s", id);
}

/* Updates the row of (folder, id) after this module changed its file: ?3 a
 * text, ?4 and ?5 numbers, as far as the statement has them. A failure is
 * left to the next comparison of the folder, which finds the file anyway. */
static void note_row(struct maildir *md, const char *sql, const char *folder, const char *id,
		     const char *text, int a, int b)
{
	sqlite3_stmt *st;
	if (!md->sql || md->broken || index_prepare(md, sql, &st, NULL) < 0)
		return;
	int params = sqlite3_bind_parameter_count(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (params >= 3)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	if (params >= 5) {
		sqlite3_bind_int(st, 4, a);
		sqlite3_bind_int(st, 5, b);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		index_error(md, NULL, "");
	sqlite3_finalize(st);
}

struct flag_change {
	unsigned set, clear;
};

static int op_set_flags(struct maildir *md, struct location *loc, void *arg)
{
	const struct flag_change *fc = arg;
	char name[NAME_MAX + 1], path[PATH_MAX];
	size_t idlen = id_len(loc->name);
	unsigned old = flags_of_name(loc->name);
	unsigned now = (old | fc->set) & ~fc->clear;

	/* A message that stays unflagged stays in new/: it is still "recent". */
	if (loc->sub == DIR_NEW && now == 0 && old == 0)
		return 0;
	if (name_with_flags(loc->name, idlen, fc->set, fc->clear, name, sizeof(name)) < 0 ||
	    file_path(loc->dir, DIR_CUR, name, path, sizeof(path), NULL) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (loc->sub == DIR_CUR && strcmp(name, loc->name) == 0)
		return 0;
	if (rename(loc->path, path) < 0)
		return -1;
	note_row(md, "UPDATE messages SET filename = ?3, dir = ?4, flags = ?5"
		     " WHERE folder = ?1 AND id = ?2", loc->folder, loc->summary.id, name, DIR_CUR,
		 (int)flags_of_name(name));
	return 0;
}

static int md_set_flags(void *be, const char *folder, const char *id, unsigned set,
			unsigned clear, struct err *e)
{
	struct flag_change fc = { set & MAILDIR_FLAGS, clear & MAILDIR_FLAGS };
	struct location loc;
	return with_message(be, folder, id, &loc, op_set_flags, &fc, e);
}

static int op_move(struct maildir *md, struct location *loc, void *arg)
{
	const char *to = arg;
	char dir[PATH_MAX], path[PATH_MAX];
	if (folder_dir(md, to, dir, sizeof(dir), NULL) < 0 ||
	    file_path(dir, loc->sub, loc->name, path, sizeof(path), NULL) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rename(loc->path, path) < 0)
		return -1;
	note_row(md, "UPDATE OR REPLACE messages SET folder = ?3 WHERE folder = ?1 AND id = ?2",
		 loc->folder, loc->summary.id, to, 0, 0);
	return 0;
}

static int md_move(void *be, const char *folder, const char *id, const char *to, struct err *e)
{
	struct maildir *md = be;
	struct location loc;
	char dir[PATH_MAX];
	if (folder_existing(md, to, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	return with_message(md, folder, id, &loc, op_move, (void *)to, e);
}

static int op_remove(struct maildir *md, struct location *loc, void *arg)
{
	struct stat sb;
	(void)arg;
	long long size = lstat(loc->path, &sb) == 0 ? (long long)sb.st_size : 0;
	if (unlink(loc->path) < 0)
		return -1;
	quota_add(md, -size, -1);
	note_row(md, "DELETE FROM messages WHERE folder = ?1 AND id = ?2", loc->folder,
		 loc->summary.id, NULL, 0, 0);
	return 0;
}

static int md_remove(void *be, const char *folder, const char *id, struct err *e)
{
	struct location loc;
	return with_message(be, folder, id, &loc, op_remove, NULL, e);
}

/* Renames without replacing: two messages never share a name, but if one
 * ever did, the older must not vanish. */
static int rename_new(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return rename(from, to); /* a file system without RENAME_NOREPLACE */
}

/* ---- quota (Maildir++ maildirsize) ---- */

static int quota_path(const struct maildir *md, char *out, size_t outlen)
{
	return snprintf(out, outlen, "%s/" QUOTA_FILE, md->base) < (int)outlen ? 0 : -1;
}

/* The size a Maildir++ name carries (",S=1234" in its unique part), else -1. */
static long long name_size(const char *name)
{
	size_t idlen = id_len(name);
	for (const char *p = name; (p = strstr(p, ",S=")) && (size_t)(p - name) < idlen; p += 3) {
		char *end;
		errno = 0;
		long long v = strtoll(p + 3, &end, 10);
		if (end != p + 3 && errno == 0 && v >= 0 &&
		    (end == name + idlen || *end == ','))
			return v;
	}
	return -1;
}

/* What the mailbox holds, counted in the directories of every folder. */
static int quota_scan(struct maildir *md, long long *bytes, long long *count, struct err *e)
{
	struct mail_folder *v = NULL;
	size_t nv = 0;
	char dir[PATH_MAX], path[PATH_MAX];

	*bytes = *count = 0;
	if (folders_on_disk(md, &v, &nv, e) < 0) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < nv; i++) {
		if (folder_dir(md, v[i].name, dir, sizeof(dir), NULL) < 0)
			continue;
		for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
			struct dirent *de;
			DIR *d;
			snprintf(path, sizeof(path), "%s/%s", dir, subdirs[sub]);
			if (!(d = opendir(path)))
				continue;
			while ((de = readdir(d))) {
				struct stat sb;
				long long size = name_size(de->d_name);
				if (de->d_name[0] == '.')
					continue;
				if (size < 0) {
					if (file_path(dir, sub, de->d_name, path, sizeof(path),
						      NULL) < 0 ||
					    lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
						continue;
					size = (long long)sb.st_size;
				}
				*bytes += size;
				(*count)++;
			}
			closedir(d);
		}
	}
	free(v);
	return 0;
}

/* Counts again and writes a new maildirsize (through tmp/ and a rename, so
 * that a reader sees the old file or the new). Failing to write it is no
 * error: the numbers are right, and the next check counts again. */
static int quota_recalc(struct maildir *md, long long *bytes, long long *count, struct err *e)
{
	char unique[MAIL_ID_MAX], tmp[PATH_MAX], path[PATH_MAX], text[96];
	if (quota_scan(md, bytes, count, e) < 0)
		return -1;
	unique_name(md, unique, sizeof(unique));
	int n = snprintf(text, sizeof(text), "%lldS\n%lld %lld\n", md->quota, *bytes, *count);
	if (quota_path(md, path, sizeof(path)) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s/tmp/%s", md->base, unique) >= (int)sizeof(tmp))
		return 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return 0;
	int ok = fileio_write_all(fd, text, (size_t)n) == 0;
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0)
		unlink(tmp);
	return 0;
}

/* Reads maildirsize. Returns 1 when it must be recalculated: missing,
 * longer than Maildir++ allows, of another limit (or with a message count
 * limit, which this server does not keep), or not as it should read. */
static int quota_read(struct maildir *md, long long *bytes, long long *count, time_t *mtime)
{
	char path[PATH_MAX], buf[QUOTA_FILE_MAX + 2], *p, *end;
	struct stat sb;
	size_t n = 0;
	long long limit = -1;

	*bytes = *count = 0;
	if (quota_path(md, path, sizeof(path)) < 0)
		return 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > QUOTA_FILE_MAX) {
		close(fd);
		return 1;
	}
	while (n < QUOTA_FILE_MAX + 1) {
		ssize_t got = read(fd, buf + n, QUOTA_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > QUOTA_FILE_MAX || n == 0 || buf[n - 1] != '\n')
		return 1; /* too long, empty, or a line being written */
	buf[n] = '\0';
	*mtime = sb.st_mtime;
	/* "1073741824S" or "1073741824S,1000C": the limits, by letter. */
	for (p = buf; *p != '\n';) {
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0)
			return 1;
		if (*end == 'S')
			limit = v;
		else if (*end != 'C' || v != 0)
			return 1;
		p = end + 1;
		if (*p == ',')
			p++;
		else if (*p != '\n')
			return 1;
	}
	if (limit != md->quota)
		return 1;
	/* Then "BYTES COUNT" per line, padded or not, negative for removals. */
	for (p++; *p;) {
		long long b, c;
		errno = 0;
		b = strtoll(p, &end, 10);
		if (end == p || (*end != ' ' && *end != '\t'))
			return 1;
		p = end;
		c = strtoll(p, &end, 10);
		if (end == p || errno)
			return 1;
		p = end + strspn(end, " \t");
		if (*p != '\n')
			return 1;
		p++;
		*bytes += b;
		*count += c;
	}
	return 0;
}

/* Whether len more bytes fit: MAILSTORE_REFUSED with a message for the
 * sender when they do not. */
static int quota_check(struct maildir *md, size_t len, struct err *e)
{
	long long bytes, count;
	time_t mtime = 0;
	int fresh = 0;

	if (md->quota <= 0)
		return 0;
	if (quota_read(md, &bytes, &count, &mtime) != 0) {
		if (quota_recalc(md, &bytes, &count, e) < 0)
			return -1;
		fresh = 1;
	}
	/* Over the limit by an old count: another program may have removed
	 * mail without saying so; count again before refusing. */
	if (bytes + (long long)len > md->quota && !fresh &&
	    time(NULL) - mtime > QUOTA_STALE_SECONDS &&
	    quota_recalc(md, &bytes, &count, e) < 0)
		return -1;
	if (bytes < 0 || bytes + (long long)len <= md->quota)
		return 0;
	err_set(e, "the mailbox of %s is full: %.1f MB of %.0f MB used, and the message is %.1f MB",
		md->address, (double)bytes / MIB, (double)md->quota / MIB, (double)len / MIB);
	return MAILSTORE_REFUSED;
}

/* Records a change in maildirsize. Without a limit the file is removed, so
 * that a limit set later starts from a count, not from a stale sum. */
static void quota_add(struct maildir *md, long long bytes, long long count)
{
	char path[PATH_MAX], line[64];
	if (quota_path(md, path, sizeof(path)) < 0)
		return;
	if (md->quota <= 0) {
		unlink(path);
		return;
	}
	/* Missing: the next check counts. O_APPEND: lines of several writers
	 * do not overwrite each other. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	int n = snprintf(line, sizeof(line), "%lld %lld\n", bytes, count);
	if (fileio_write_all(fd, line, (size_t)n) < 0)
		unlink(path); /* half a line: count again next time */
	close(fd);
}

static void md_set_quota(void *be, long long bytes)
{
	((struct maildir *)be)->quota = bytes;
}

static int md_usage(void *be, long long *bytes, long long *limit, struct err *e)
{
	struct maildir *md = be;
	long long count;
	time_t mtime;
	*limit = md->quota;
	if (md->quota > 0 && quota_read(md, bytes, &count, &mtime) == 0)
		return 0;
	return md->quota > 0 ? quota_recalc(md, bytes, &count, e) : quota_scan(md, bytes, &count, e);
}

static int md_degraded(void *be)
{
	return ((struct maildir *)be)->degraded;
}

static int md_deliver(void *be, const char *folder, const void *data, size_t len,
		      unsigned flags, char *id_out, size_t idlen, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX], unique[MAIL_ID_MAX], name[NAME_MAX + 1], tmp[PATH_MAX],
		path[PATH_MAX];
	struct stat sb;
	int fd, sub;

	flags &= MAILDIR_FLAGS;
	sub = flags ? DIR_CUR : DIR_NEW;
	if (folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	/* Every copy comes through here (delivery, Sent, Drafts): one check. */
	int refused = quota_check(md, len, e);
	if (refused < 0)
		return refused;
	for (int attempt = 0;; attempt++) {
		char base[MAIL_ID_MAX - 32];
		unique_name(md, base, sizeof(base));
		/* Its size in its name, as Maildir++ writers do: quota is counted
		 * again from directory listings alone. */
		snprintf(unique, sizeof(unique), "%s,S=%zu", base, len);
		if (id_out && strlen(unique) >= idlen)
			return err_set(e, "no room for the message id");
		if (snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, unique) >= (int)sizeof(tmp))
			return err_set(e, "the path of a message is too long");
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || attempt >= 10)
			return err_sys(e, "cannot create a message in %s/tmp", dir);
	}
	if (flags)
		name_with_flags(unique, strlen(unique), flags, 0, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", unique);
	if (fileio_write_all(fd, data, len) < 0 || fsync(fd) < 0 || fstat(fd, &sb) < 0) {
		err_sys(e, "cannot write a message into %s", folder);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || file_path(dir, sub, name, path, sizeof(path), NULL) < 0 ||
	    rename_new(tmp, path) < 0) {
		err_sys(e, "cannot deliver a message into %s", folder);
		unlink(tmp);
		return -1;
	}
	quota_add(md, (long long)sb.st_size, 1);
	if (id_out)
		snprintf(id_out, idlen, "%s", unique);
	/* The rename itself is durable only once the directory is synced. */
	snprintf(path, sizeof(path), "%s/%s", dir, subdirs[sub]);
	if (sync_dir(path, e) < 0)
		return -1;

	/* The index learns of it now, from the bytes at hand. */
	if (md->sql && !md->broken) {
		struct meta m;
		sqlite3_stmt *st;
		parse_meta(md, data, len < HEADER_MAX ? len : HEADER_MAX, sb.st_mtim.tv_sec, &m);
		if (index_prepare(md, insert_sql, &st, NULL) == 0) {
			insert_row(md, st, folder, name, sub, &m, (long)sb.st_size, NULL);
			sqlite3_finalize(st);
		}
	}
	return 0;
}

const struct mailstore_ops mailstore_maildir_ops = {
	.name = "maildir",
	.open = md_open,
	.close = md_close,
	.folders = md_folders,
	.folder_create = md_folder_create,
	.folder_delete = md_folder_delete,
	.list = md_list,
	.path = md_path,
	.summary = md_summary,
	.set_flags = md_set_flags,
	.move = md_move,
	.remove = md_remove,
	.deliver = md_deliver,
	.set_quota = md_set_quota,
	.usage = md_usage,
	.degraded = md_degraded,
};
