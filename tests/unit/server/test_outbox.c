/* test_outbox.c - the outbox's spool: a message is on disk, private, before
 * outbox_enqueue returns; what waits is picked up by the next start, once;
 * half-written leftovers of a stop in the middle of spooling are cleared;
 * a report from the null sender <> is queued and kept as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <sys/stat.h>

#include "unit.h"
#include "outbox.h"
#include "webmsg/err.h"

static const char message[] = "From: ann@example.org\r\nTo: far@elsewhere.example\r\n"
			      "Subject: out\r\n\r\nHello.\r\n";

/* Files in dir whose names end with ext. */
static int count(const char *dir, const char *ext)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), elen = strlen(ext);
		if (len > elen && strcmp(e->d_name + len - elen, ext) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void test_spooled_before_the_answer(void **state)
{
	struct tmpdir t;
	struct outbox *ob;
	struct err e = { "" };
	const char *rcpts[] = { "far@elsewhere.example", "bcc@far.example" };
	struct stat st;
	(void)state;
	tmpdir_enter(&t);
	/* Not configured: its threads wait, so what is queued stays queued. */
	if (outbox_start("outbox", &ob, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(stat("outbox", &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(outbox_enqueue(ob, "ann@example.org", rcpts, 2, message,
					sizeof(message) - 1, &e), 0);
	assert_int_equal(outbox_count(ob), 1);
	assert_int_equal(count("outbox", ".eml"), 1);
	assert_int_equal(count("outbox", ".env"), 1);

	/* An address with a line end would forge the envelope: refused. */
	const char *forged[] = { "x@far.example\nto evil@example.net" };
	assert_int_equal(outbox_enqueue(ob, "ann@example.org", forged, 1, message,
					sizeof(message) - 1, &e), -1);
	assert_contains(e.msg, "control character");
	assert_int_equal(outbox_count(ob), 1);
	outbox_stop(&ob);
	assert_null(ob);

	DIR *d = opendir("outbox");
	struct dirent *de;
	char path[PATH_MAX + 300];
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "tmp") == 0)
			continue;
		snprintf(path, sizeof(path), "outbox/%s", de->d_name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		if (strstr(de->d_name, ".eml")) {
			size_t len;
			char *got = file_read(path, &len);
			assert_int_equal(len, sizeof(message) - 1);
			assert_memory_equal(got, message, len);
			free(got);
		} else {
			char *env = file_read(path, NULL);
			assert_contains(env, "from ann@example.org\n");
			assert_contains(env, "to far@elsewhere.example\nto bcc@far.example\n");
			assert_contains(env, "attempts 0\n");
			free(env);
		}
	}
	closedir(d);
	tmpdir_leave(&t);
}

static void test_picked_up_at_start(void **state)
{
	struct tmpdir t;
	struct outbox *ob;
	struct err e = { "" };
	const char *rcpts[] = { "far@elsewhere.example" };
	(void)state;
	tmpdir_enter(&t);
	assert_int_equal(outbox_start("outbox", &ob, &e), 0);
	assert_int_equal(outbox_enqueue(ob, "ann@example.org", rcpts, 1, message,
					sizeof(message) - 1, &e), 0);
	assert_int_equal(outbox_enqueue(ob, "bob@example.org", rcpts, 1, message,
					sizeof(message) - 1, &e), 0);
	outbox_stop(&ob);

	/* What a stop in the middle of spooling leaves: a message without its
	 * envelope (never acknowledged) and files in tmp/, hidden as the
	 * atomic write names them or not. Not mail to send. */
	file_write("outbox/1.orphan.eml", message, sizeof(message) - 1);
	file_write("outbox/tmp/2.half.env", "webmsg-outbox 1\n", 16);
	file_write("outbox/tmp/.4.half.env.Xy12Zw", "webmsg-outbox 1\n", 16);
	/* An envelope that does not parse stays for the administrator. */
	file_write("outbox/3.broken.env", "not an envelope\n", 16);

	assert_int_equal(outbox_start("outbox", &ob, &e), 0);
	assert_int_equal(outbox_count(ob), 2);
	assert_false(file_exists("outbox/1.orphan.eml"));
	assert_false(file_exists("outbox/tmp/2.half.env"));
	assert_false(file_exists("outbox/tmp/.4.half.env.Xy12Zw"));
	assert_true(file_exists("outbox/3.broken.env"));
	assert_int_equal(count("outbox", ".eml"), 2);
	outbox_stop(&ob);
	/* Started again: the same two, not four. */
	assert_int_equal(outbox_start("outbox", &ob, &e), 0);
	assert_int_equal(outbox_count(ob), 2);
	outbox_stop(&ob);
	tmpdir_leave(&t);
}

static void test_null_sender(void **state)
{
	struct tmpdir t;
	struct outbox *ob;
	struct err e = { "" };
	const char *rcpts[] = { "ann@example.org" };
	(void)state;
	tmpdir_enter(&t);
	assert_int_equal(outbox_start("outbox", &ob, &e), 0);
	assert_int_equal(outbox_enqueue(ob, "", rcpts, 1, message, sizeof(message) - 1, &e), 0);
	outbox_stop(&ob);
	DIR *d = opendir("outbox");
	struct dirent *de;
	char path[PATH_MAX + 300];
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".env")) {
			snprintf(path, sizeof(path), "outbox/%s", de->d_name);
			char *env = file_read(path, NULL);
			assert_contains(env, "from <>\nto ann@example.org\n");
			free(env);
		}
	closedir(d);
	/* Without a "from" line it is not a report: it stays for the administrator. */
	file_write("outbox/4.nofrom.env", "webmsg-outbox 1\nto ann@example.org\n", 35);
	file_write("outbox/4.nofrom.eml", message, sizeof(message) - 1);
	/* Nor is a sender that is no address. */
	file_write("outbox/5.bare.env", "webmsg-outbox 1\nfrom ann\nto b@example.org\n", 42);
	file_write("outbox/5.bare.eml", message, sizeof(message) - 1);
	assert_int_equal(outbox_start("outbox", &ob, &e), 0);
	assert_int_equal(outbox_count(ob), 1);
	outbox_stop(&ob);
	tmpdir_leave(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spooled_before_the_answer),
		cmocka_unit_test(test_picked_up_at_start),
		cmocka_unit_test(test_null_sender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
