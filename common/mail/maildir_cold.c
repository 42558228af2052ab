/* maildir_cold.c - a large folder the index has never seen: its first page
 * is read from the directories (newest by delivery time, which unique file
 * names begin with) while a thread of its own reads every message's headers
 * into the index. Reading 100,000 messages' headers takes seconds; listing
 * their names a few hundredths of one.
 *
 * One indexing per index file and folder at a time in this process: the
 * requests that come meanwhile are served from the directories too, and the
 * folder is indexed as usual once its times are in the index (the index's
 * own transactions keep two processes apart). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/log.h"
#include "maildir_private.h"

/* Folders with fewer messages are indexed at once, as before: reading the
 * headers of this many takes well under a second. */
#define COLD_MIN_MESSAGES 2000
/* Indexings running at once in this process; more wait for a later request. */
#define COLD_MAX_RUNNING 4

struct cold_job {
	struct maildir *md; /* the thread's own handle */
	char folder[MAIL_FOLDER_MAX];
	char dir[PATH_MAX];
};

static pthread_mutex_t cold_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char index_path[PATH_MAX];
	char folder[MAIL_FOLDER_MAX];
} cold_running[COLD_MAX_RUNNING];

/* The slot of (index, folder) when it is being indexed, else -1. Under cold_lock. */
static int running_slot(const char *index_path, const char *folder)
{
	for (int i = 0; i < COLD_MAX_RUNNING; i++)
		if (cold_running[i].index_path[0] &&
		    strcmp(cold_running[i].index_path, index_path) == 0 &&
		    strcmp(cold_running[i].folder, folder) == 0)
			return i;
	return -1;
}

int maildir_cold_running(const struct maildir *md, const char *folder)
{
	pthread_mutex_lock(&cold_lock);
	int slot = running_slot(md->index_path, folder);
	pthread_mutex_unlock(&cold_lock);
	return slot >= 0;
}

/* 1 when the index has compared the folder with its directories at least once. */
static int folder_known(struct maildir *md, const char *folder, struct err *e)
{
	sqlite3_stmt *st;
	if (maildir_index_prepare(md, "SELECT 1 FROM folders WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot read the mail index");
	return rc == SQLITE_ROW;
}

/* Whether new/ and cur/ together hold at least `at_least` files, counting
 * no further than that. */
static int holds_at_least(const char *dir, size_t at_least)
{
	char path[PATH_MAX];
	size_t n = 0;
	for (int sub = DIR_NEW; sub <= DIR_CUR && n < at_least; sub++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maildir_subdirs[sub]);
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d)
			continue;
		while (n < at_least && (de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
	}
	return n >= at_least;
}

static void *cold_index(void *arg)
{
	struct cold_job *job = arg;
	struct err e = { "" };
	int rc = -1, tries = 0;
	if (maildir_index_ready(job->md, &e) == 0) {
		do
			rc = maildir_sync_folder(job->md, job->folder, job->dir, 0, &e);
		while (maildir_index_retry(job->md, rc, &tries, &e));
	}
	/* The next request compares the folder itself (and indexes what is
	 * left, batch by batch): nothing is lost, it only waits longer. */
	if (rc < 0)
		log_warnx("indexing folder %s of %s: %s", log_q(job->folder),
			  log_q(job->md->address), log_q(e.msg));
	pthread_mutex_lock(&cold_lock);
	int slot = running_slot(job->md->index_path, job->folder);
	if (slot >= 0)
		cold_running[slot].index_path[0] = '\0';
	pthread_mutex_unlock(&cold_lock);
	maildir_handle_free(job->md);
	free(job);
	return NULL;
}

/* Starts indexing the folder in a thread. 1 when it runs (or already ran
 * for it), 0 when it could not be started: the caller indexes it itself. */
static int cold_start(struct maildir *md, const char *folder, const char *dir)
{
	struct cold_job *job = calloc(1, sizeof(*job));
	pthread_attr_t attr;
	pthread_t thread;
	int slot = -1, started = 0;

	if (!job)
		return 0;
	snprintf(job->folder, sizeof(job->folder), "%s", folder);
	snprintf(job->dir, sizeof(job->dir), "%s", dir);
	pthread_mutex_lock(&cold_lock);
	if (running_slot(md->index_path, folder) >= 0) {
		pthread_mutex_unlock(&cold_lock);
		free(job);
		return 1;
	}
	for (int i = 0; i < COLD_MAX_RUNNING && slot < 0; i++)
		if (!cold_running[i].index_path[0])
			slot = i;
	if (slot >= 0 && (job->md = maildir_handle_copy(md)) && pthread_attr_init(&attr) == 0) {
		snprintf(cold_running[slot].index_path, sizeof(cold_running[slot].index_path), "%s",
			 md->index_path);
		snprintf(cold_running[slot].folder, sizeof(cold_running[slot].folder), "%s",
			 folder);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		started = pthread_create(&thread, &attr, cold_index, job) == 0;
		pthread_attr_destroy(&attr);
		if (!started)
			cold_running[slot].index_path[0] = '\0';
	}
	pthread_mutex_unlock(&cold_lock);
	if (!started) {
		if (job->md)
			maildir_handle_free(job->md);
		free(job);
	}
	return started;
}

int maildir_sync_or_defer(struct maildir *md, const char *folder, const char *dir, struct err *e)
{
	if (maildir_cold_running(md, folder))
		return 1;
	int known = folder_known(md, folder, e);
	if (known < 0)
		return -1;
	if (!known && holds_at_least(dir, COLD_MIN_MESSAGES) && cold_start(md, folder, dir))
		return 1;
	return maildir_sync_folder(md, folder, dir, 0, e);
}
