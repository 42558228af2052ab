/* mailbox_fixture.h - the fixture most of the mail store's unit tests share:
 * a folder of the test's own under /tmp, with the mailbox of
 * alice@example.com opened in it. A test that keeps more in its fixture
 * defines MAILBOX_FIXTURE_EXTRA (the fields) before including this file. */
#ifndef MAILBOX_FIXTURE_H
#define MAILBOX_FIXTURE_H

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

struct fixture {
	struct tmpdir dir;
	char root[PATH_MAX];
	char box[PATH_MAX]; /* root/example.com/alice */
	struct mailstore *ms;
#ifdef MAILBOX_FIXTURE_EXTRA
	MAILBOX_FIXTURE_EXTRA
#endif
};

__attribute__((unused)) static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { "" };
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "mail", f->root, sizeof(f->root));
	snprintf(f->box, sizeof(f->box), "%s/example.com/alice", f->root);
	ok(mailstore_open(f->root, "example.com", "alice", &f->ms, &e), &e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	mailstore_close(&f->ms);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* A file of the mailbox by its path below it (valid until the next call). */
__attribute__((unused)) static const char *box_path(struct fixture *f, const char *rel)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", f->box, rel);
	return path;
}

#endif
