/* imap_store_check.c - runs one mail store call against an IMAP server and
 * prints what it gave, for test_imap_store.sh (which checks the server's
 * side with doveadm).
 *   imap-store-check SERVER TLS CA_FILE USER PASSWORD TIMEOUT COMMAND [ARGS]
 * COMMAND: open | folders | list FOLDER SORT ASC OFFSET LIMIT |
 * relist FOLDER SORT ASC OFFSET LIMIT (the list, a line "again?", and when a
 * line comes on stdin the same list again on the same connection) |
 * threads FOLDER SORT ASC OFFSET LIMIT (conversations; rethreads: twice, as
 * relist) | thread FOLDER NUMBER (one conversation's messages) |
 * search FOLDER|- SORT QUERY | summary FOLDER ID | flags FOLDER ID SET CLEAR |
 * move FOLDER ID TO | delete FOLDER ID | deliver FOLDER FILE FLAGS |
 * create NAME | rename FROM TO | rmdir NAME | empty NAME |
 * structure FOLDER ID | part FOLDER ID PART MAX FILE | raw FOLDER ID MAX FILE |
 * view FOLDER ID | attachment FOLDER ID INDEX MAX FILE (FILE gets the bytes).
 * SORT is date|from|subject|to; flags are letters S R F D P. IMAP_NO_SORT=1
 * in the environment sorts here instead of with SORT. Exit 0 on success, 1
 * when the call failed (its message on stdout as "error: ..."), 2 when it
 * was refused ("refused: ..."), 3 on a usage error. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"

static unsigned parse_flags(const char *s)
{
	unsigned f = 0;
	for (; *s; s++)
		f |= *s == 'S' ? MAIL_SEEN : *s == 'R' ? MAIL_ANSWERED : *s == 'F' ? MAIL_FLAGGED
		   : *s == 'D' ? MAIL_DRAFT : *s == 'P' ? MAIL_FORWARDED : 0;
	return f;
}

static void print_flags(unsigned f)
{
	if (f & MAIL_SEEN)
		putchar('S');
	if (f & MAIL_ANSWERED)
		putchar('R');
	if (f & MAIL_FLAGGED)
		putchar('F');
	if (f & MAIL_DRAFT)
		putchar('D');
	if (f & MAIL_FORWARDED)
		putchar('P');
	if (!(f & (MAIL_SEEN | MAIL_ANSWERED | MAIL_FLAGGED | MAIL_DRAFT | MAIL_FORWARDED)))
		putchar('-');
}

static int parse_sort(const char *s, enum mail_sort *out)
{
	static const char *const names[] = { "date", "from", "subject", "to" };
	for (int i = 0; i < MAIL_SORT_COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return *out = (enum mail_sort)i, 0;
	return -1;
}

/* id, date (UTC), from <addr>, to, subject, flags, size; folder for search. */
static void print_summaries(const struct mail_summary *m, size_t n, long total)
{
	printf("total %ld\n", total);
	for (size_t i = 0; i < n; i++) {
		char date[32];
		struct tm tm;
		gmtime_r(&m[i].date, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%s\t%s\t%s <%s>\t%s\t%s\t", m[i].id, date, m[i].from, m[i].from_addr,
		       m[i].to, m[i].subject);
		print_flags(m[i].flags);
		printf("\t%ld", m[i].size);
		if (m[i].folder[0])
			printf("\t%s", m[i].folder);
		if (m[i].thread > 0)
			printf("\tconversation %lld of %ld", m[i].thread, m[i].thread_count);
		putchar('\n');
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)size + 1)) && fread(data, 1, (size_t)size, f) == (size_t)size)
		*len = (size_t)size;
	else
		free(data), data = NULL;
	fclose(f);
	return data;
}

#define NEED(k) if (argc != (k) + 1) return -3

static int write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -3;
	int ok = (b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len);
	ok &= fclose(f) == 0;
	printf("bytes %zu\n", b->len);
	return ok ? 0 : -3;
}

/* The reading calls: structure, part, raw, view, attachment. */
static int run_read(struct mailstore *ms, int argc, char **argv, struct err *e)
{
	const char *cmd = argv[0];
	struct buf b;
	int rc;
	if (strcmp(cmd, "structure") == 0) {
		struct mail_structure *st;
		NEED(2);
		if ((rc = mailstore_structure(ms, argv[1], argv[2], &st, e)) < 0)
			return rc == MAILSTORE_TOO_COMPLEX ? -1 : rc;
		printf("subject\t%s\nfrom\t%s\nsize\t%ld\n", st->subject, st->from, st->size);
		for (size_t i = 0; i < st->nparts; i++) {
			const struct mail_part *p = &st->parts[i];
			printf("part\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%ld\n", p->id, p->type, p->charset,
			       p->disposition, p->encoding, p->filename ? p->filename : "",
			       p->content_id ? p->content_id : "", p->size);
		}
		mailstore_structure_free(&st);
		return 0;
	}
	if (strcmp(cmd, "view") == 0) {
		struct mime_message *m;
		NEED(2);
		if ((rc = mailstore_view(ms, argv[1], argv[2], &m, e)) < 0)
			return rc == MAILSTORE_TOO_COMPLEX ? -1 : rc;
		printf("subject\t%s\ntext\t%.*s\nhtml\t%d\n", m->subject,
		       (int)strcspn(m->text, "\n"), m->text, m->html != NULL);
		for (size_t i = 0; i < m->nattachments; i++)
			printf("attachment\t%d\t%s\t%s\t%zu\n", m->attachments[i].index,
			       m->attachments[i].filename, m->attachments[i].content_type,
			       m->attachments[i].size);
		mime_message_free(&m);
		return 0;
	}
	buf_init(&b, MIME_MESSAGE_MAX);
	if (strcmp(cmd, "part") == 0 && argc == 6)
		rc = mailstore_part(ms, argv[1], argv[2], argv[3], strtoul(argv[4], NULL, 10), &b, e);
	else if (strcmp(cmd, "raw") == 0 && argc == 5)
		rc = mailstore_raw(ms, argv[1], argv[2], strtoul(argv[3], NULL, 10), &b, e);
	else if (strcmp(cmd, "attachment") == 0 && argc == 6) {
		char type[128], name[256];
		rc = mailstore_attachment(ms, argv[1], argv[2], atoi(argv[3]),
					  strtoul(argv[4], NULL, 10), &b, type, sizeof(type), name,
					  sizeof(name), e);
		if (rc == 0)
			printf("type %s\nname %s\n", type, name);
	} else {
		buf_free(&b);
		return -3;
	}
	if (rc == 0)
		rc = write_file(argv[argc - 1], &b);
	buf_free(&b);
	return rc;
}

static int run(struct mailstore *ms, int argc, char **argv, struct err *e)
{
	const char *cmd = argv[0];
	enum mail_sort sort;
	struct mail_summary *m = NULL, one;
	size_t n = 0;
	long total = 0;

	if (strcmp(cmd, "open") == 0) {
		puts("opened");
		return 0;
	}
	if (strcmp(cmd, "folders") == 0) {
		struct mail_folder *f;
		NEED(0);
		if (mailstore_folders(ms, &f, &n, e) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			printf("%s\t%ld\t%ld\t%d\n", f[i].name, f[i].total, f[i].unread, f[i].special);
		free(f);
		return 0;
	}
	if (strcmp(cmd, "list") == 0 || strcmp(cmd, "relist") == 0 ||
	    strcmp(cmd, "threads") == 0 || strcmp(cmd, "rethreads") == 0) {
		int threads = strstr(cmd, "threads") != NULL, again = cmd[0] == 'r';
		NEED(5);
		if (parse_sort(argv[2], &sort) < 0)
			return -3;
		for (int round = 0; round < 2; round++) {
			char line[16];
			if ((threads ? mailstore_list_threads : mailstore_list)(
				    ms, argv[1], sort, atoi(argv[3]), strtoul(argv[4], NULL, 10),
				    strtoul(argv[5], NULL, 10), &m, &n, &total, e) < 0)
				return -1;
			print_summaries(m, n, total);
			free(m);
			if (round || !again)
				break;
			printf("again?\n");
			fflush(stdout);
			if (!fgets(line, sizeof(line), stdin))
				break;
		}
		return 0;
	}
	if (strcmp(cmd, "search") == 0) {
		int partial;
		NEED(3);
		if (parse_sort(argv[2], &sort) < 0)
			return -3;
		if (mailstore_search(ms, strcmp(argv[1], "-") ? argv[1] : NULL, argv[3], sort, 0, 0,
				     100, &m, &n, &total, &partial, e) < 0)
			return -1;
		print_summaries(m, n, total);
		free(m);
		return 0;
	}
	if (strcmp(cmd, "thread") == 0) {
		NEED(2);
		if (mailstore_thread(ms, argv[1], strtoll(argv[2], NULL, 10), &m, &n, e) < 0)
			return -1;
		print_summaries(m, n, (long)n);
		free(m);
		return 0;
	}
	if (strcmp(cmd, "summary") == 0) {
		NEED(2);
		if (mailstore_summary(ms, argv[1], argv[2], &one, e) < 0)
			return -1;
		print_summaries(&one, 1, 1);
		return 0;
	}
	if (strcmp(cmd, "flags") == 0) {
		NEED(4);
		return mailstore_set_flags(ms, argv[1], argv[2], parse_flags(argv[3]),
					   parse_flags(argv[4]), e);
	}
	if (strcmp(cmd, "move") == 0) {
		NEED(3);
		return mailstore_move(ms, argv[1], argv[2], argv[3], e);
	}
	if (strcmp(cmd, "delete") == 0) {
		NEED(2);
		return mailstore_delete(ms, argv[1], argv[2], e);
	}
	if (strcmp(cmd, "deliver") == 0) {
		char id[MAIL_ID_MAX];
		size_t len = 0;
		char *data;
		int rc;
		NEED(3);
		if (!(data = read_file(argv[2], &len)))
			return -3;
		rc = mailstore_deliver(ms, argv[1], data, len, parse_flags(argv[3]), id, sizeof(id),
				       e);
		free(data);
		if (rc == 0)
			printf("id %s\n", id);
		return rc;
	}
	if (strcmp(cmd, "create") == 0) {
		NEED(1);
		return mailstore_folder_create(ms, argv[1], e);
	}
	if (strcmp(cmd, "rename") == 0) {
		NEED(2);
		return mailstore_folder_rename(ms, argv[1], argv[2], e);
	}
	if (strcmp(cmd, "rmdir") == 0) {
		NEED(1);
		return mailstore_folder_delete(ms, argv[1], e);
	}
	if (strcmp(cmd, "empty") == 0) {
		NEED(1);
		return mailstore_folder_empty(ms, argv[1], e);
	}
	return run_read(ms, argc, argv, e);
}

int main(int argc, char **argv)
{
	struct mailstore_imap server = { 0 };
	struct mailstore *ms = NULL;
	struct err e = { { 0 } };
	struct timespec t0, t1;
	int rc;

	if (argc < 8) {
		fprintf(stderr, "usage: %s SERVER TLS CA_FILE USER PASSWORD TIMEOUT COMMAND [ARGS]\n",
			argv[0]);
		return 3;
	}
	g_mime_init();
	/* A server that closes while we write must be an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	server.server = argv[1];
	server.tls = argv[2];
	server.ca_file = argv[3];
	server.timeout = atoi(argv[6]);
	server.no_sort = getenv("IMAP_NO_SORT") && strcmp(getenv("IMAP_NO_SORT"), "1") == 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mailstore_open_imap(&server, argv[4], argv[5], &ms, &e);
	if (rc == 0) {
		rc = run(ms, argc - 7, argv + 7, &e);
		if (rc == -1 && mailstore_refused(ms))
			rc = -2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mailstore_close(&ms);
	if (rc == -3) {
		fprintf(stderr, "usage: unknown command or arguments\n");
		return 3;
	}
	if (rc < 0)
		printf("%s: %s\nseconds %ld\n", rc == -2 ? "refused" : "error", e.msg,
		       (long)(t1.tv_sec - t0.tv_sec));
	return rc == 0 ? 0 : rc == -2 ? 2 : 1;
}
