/* fuzz_maildir.c - the Maildir index's header scanner (scan_headers and
 * maildir_meta_parse in common/mail/maildir_meta.c, both private) through the
 * smallest public way in: a message file appears in a folder behind the
 * index's back, as Postfix delivers it, and the folder is listed. What the
 * list shows of any header block is valid UTF-8 on one line. */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "fuzz.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

static char root[PATH_MAX], box[PATH_MAX];
static struct mailstore *ms;
static unsigned long serial;

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static void clean_up(void)
{
	mailstore_close(&ms);
	if (root[0])
		nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;
	(void)argc, (void)argv;
	g_mime_init();
	/* In memory where there is a tmpfs: the index is written for every input. */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/webmsg-fuzz-maildir-XXXXXX", tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(root));
	atexit(clean_up);
	if (mailstore_open(root, "example.org", "fuzz", &ms, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	snprintf(box, sizeof(box), "%s/example.org/fuzz", root);
	return 0;
}

static void check_line(const char *s, size_t size)
{
	size_t len = strnlen(s, size);
	FUZZ_CHECK(len < size);
	FUZZ_CHECK(g_utf8_validate(s, (gssize)len, NULL));
	FUZZ_CHECK(!strpbrk(s, "\r\n\t"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[64], file[PATH_MAX + 80];
	struct mail_summary *list = NULL, one;
	size_t n = 0;
	long total = 0;
	struct err e;

	/* Every other message as a mail program leaves it: read, in cur/. */
	int cur = ++serial % 2;
	snprintf(id, sizeof(id), "%lu.fuzz.localhost", serial);
	snprintf(file, sizeof(file), "%s/%s/%s%s", box, cur ? "cur" : "new", id,
		 cur ? ":2,S" : "");
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	if (mailstore_list(ms, MAIL_INBOX, MAIL_SORT_FROM, 0, 0, 10, &list, &n, &total, &e) < 0) {
		fprintf(stderr, "list: %s\n", e.msg);
		abort();
	}
	FUZZ_CHECK(n == 1 && total == 1);
	FUZZ_CHECK(strcmp(list[0].id, id) == 0);
	FUZZ_CHECK(list[0].size == (long)size);
	FUZZ_CHECK(!!(list[0].flags & MAIL_SEEN) == cur);
	check_line(list[0].from, sizeof(list[0].from));
	check_line(list[0].from_addr, sizeof(list[0].from_addr));
	check_line(list[0].subject, sizeof(list[0].subject));
	free(list);
	FUZZ_CHECK(mailstore_summary(ms, MAIL_INBOX, id, &one, &e) == 0);
	if (mailstore_delete(ms, MAIL_INBOX, id, &e) < 0) {
		fprintf(stderr, "delete: %s\n", e.msg);
		abort();
	}
	return 0;
}
