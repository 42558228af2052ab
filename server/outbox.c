/* outbox.c - the queue of mail for other hosts (see outbox.h): what waits,
 * the delivery threads that take from it, and the spool folder read again at
 * start. A message's files are outbox_envelope.c's; a try through the relay
 * and returning a message to its sender are outbox_relay.c's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "mailbox.h"
#include "outbox.h"
#include "outbox_private.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/token.h"

/* ---- The delivery threads ---- */

static void *worker(void *arg)
{
	struct outbox *ob = arg;
	struct relay_settings *set = malloc(sizeof(*set));
	if (!set) {
		log_error("outbox: out of memory; a delivery thread ends");
		return NULL;
	}
	pthread_mutex_lock(&ob->lock);
	while (!atomic_load(&ob->stopping)) {
		time_t now = time(NULL), soonest = 0;
		struct item *it = NULL;
		for (struct item *i = ob->items; i && ob->configured; i = i->link) {
			if (i->busy)
				continue;
			if (i->next <= now && (!it || i->next < it->next))
				it = i;
			else if (i->next > now && (!soonest || i->next < soonest))
				soonest = i->next;
		}
		if (!it) {
			struct timespec until = { soonest, 0 };
			if (soonest)
				pthread_cond_timedwait(&ob->wake, &ob->lock, &until);
			else
				pthread_cond_wait(&ob->wake, &ob->lock);
			continue;
		}
		char id[ID_MAX];
		time_t next = 0;
		it->busy = 1;
		memcpy(id, it->id, sizeof(id));
		*set = ob->set;
		pthread_mutex_unlock(&ob->lock);
		enum outcome out = outbox_relay_attempt(ob, set, id, &next);
		pthread_mutex_lock(&ob->lock);
		/* The item is still there: only the thread that marked it busy removes it. */
		for (struct item **pp = &ob->items; *pp; pp = &(*pp)->link) {
			if (*pp != it)
				continue;
			if (out == SENT || out == RETURNED || out == BROKEN) {
				*pp = it->link;
				free(it);
				ob->count--;
			} else {
				it->busy = 0;
				if (out == TRY_AGAIN)
					it->next = next;
			}
			break;
		}
	}
	pthread_mutex_unlock(&ob->lock);
	OPENSSL_cleanse(set, sizeof(*set));
	free(set);
	return NULL;
}

/* ---- The queue ---- */

static int add_item(struct outbox *ob, const char *id, time_t next, struct err *e)
{
	struct item *it = calloc(1, sizeof(*it));
	if (!it)
		return err_set(e, "out of memory");
	snprintf(it->id, sizeof(it->id), "%s", id);
	it->next = next;
	pthread_mutex_lock(&ob->lock);
	it->link = ob->items;
	ob->items = it;
	ob->count++;
	pthread_cond_signal(&ob->wake);
	pthread_mutex_unlock(&ob->lock);
	return 0;
}

static int id_ok(const char *s, size_t len)
{
	if (len == 0 || len >= ID_MAX || s[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    s[i]))
			return 0;
	return 1;
}

/* What waits from before: envelopes become items; a message without its
 * envelope was never acknowledged (the daemon stopped while spooling it). */
static int load(struct outbox *ob, struct err *e)
{
	char path[PATH_MAX];
	struct dirent *d;
	int rc = 0;
	if (outbox_envelope_path(ob, "tmp", "", "", path, sizeof(path), e) < 0)
		return -1;
	/* Half-written files of a write that did not finish (hidden names). */
	DIR *dir = opendir(path);
	while (dir && (d = readdir(dir)))
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			unlinkat(dirfd(dir), d->d_name, 0);
	if (dir)
		closedir(dir);
	if (!(dir = opendir(ob->dir)))
		return err_sys(e, "cannot read %s", ob->dir);
	while (rc == 0 && (d = readdir(dir))) {
		size_t len = strlen(d->d_name);
		struct envelope *env;
		char id[ID_MAX];
		if (len < 5 || !id_ok(d->d_name, len - 4))
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(len - 4), d->d_name);
		if (strcmp(d->d_name + len - 4, ".eml") == 0) {
			if (outbox_envelope_path(ob, "", id, ".env", path, sizeof(path), e) == 0 &&
			    access(path, F_OK) < 0 && errno == ENOENT)
				unlinkat(dirfd(dir), d->d_name, 0);
			continue;
		}
		if (strcmp(d->d_name + len - 4, ".env") != 0)
			continue;
		if (!(env = malloc(sizeof(*env)))) {
			rc = err_set(e, "out of memory");
			break;
		}
		if (outbox_envelope_read(ob, id, env, e) < 0)
			log_error("outbox: %s; it stays in the folder for the administrator", e->msg);
		else
			rc = add_item(ob, id, (time_t)env->next, e);
		free(env);
	}
	closedir(dir);
	return rc;
}

static int make_dir(const char *path, struct err *e)
{
	struct stat st;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "cannot make the outbox folder %s", path);
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, "the outbox %s is not a folder", path);
	/* It holds other people's mail and Bcc lists. */
	if ((st.st_mode & 077) && chmod(path, 0700) < 0)
		return err_sys(e, "cannot make %s private", path);
	return 0;
}

int outbox_start(const char *dir, struct outbox **out, struct err *e)
{
	char tmp[PATH_MAX];
	*out = NULL;
	/* Before any thread uses curl: its global set-up is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, "cannot start the SMTP client library");
	struct outbox *ob = calloc(1, sizeof(*ob));
	if (!ob)
		return err_set(e, "out of memory");
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->wake, NULL);
	if (snprintf(ob->dir, sizeof(ob->dir), "%s", dir) >= (int)sizeof(ob->dir) ||
	    outbox_envelope_path(ob, "tmp", "", "", tmp, sizeof(tmp), e) < 0) {
		err_set(e, "the outbox path %s is too long", dir);
		goto fail;
	}
	if (make_dir(ob->dir, e) < 0 || make_dir(tmp, e) < 0 || load(ob, e) < 0)
		goto fail;
	for (; ob->nthreads < OUTBOX_THREADS; ob->nthreads++) {
		int rc = pthread_create(&ob->threads[ob->nthreads], NULL, worker, ob);
		if (rc != 0) {
			errno = rc;
			err_sys(e, "cannot start the outbox");
			goto fail;
		}
	}
	if (ob->count)
		log_info("outbox: %zu message%s waiting for the relay", ob->count,
			 ob->count == 1 ? "" : "s");
	*out = ob;
	return 0;
fail:
	outbox_stop(&ob);
	return -1;
}

int outbox_configure(struct outbox *ob, const struct config_snapshot *cfg, struct err *e)
{
	struct relay_settings *set = calloc(1, sizeof(*set));
	if (!set)
		return err_set(e, "out of memory");
	int rc = 0;
	if (snprintf(set->relay, sizeof(set->relay), "%s", config_str(cfg, SET_SMTP_RELAY)) >=
		    (int)sizeof(set->relay) ||
	    snprintf(set->user, sizeof(set->user), "%s", config_str(cfg, SET_SMTP_USER)) >=
		    (int)sizeof(set->user) ||
	    snprintf(set->password, sizeof(set->password), "%s",
		     config_str(cfg, SET_SMTP_PASSWORD)) >= (int)sizeof(set->password))
		rc = err_set(e, "an smtp setting is too long");
	else
		rc = config_path(cfg, SET_MAIL_ROOT, set->mail_root, sizeof(set->mail_root), e);
	set->tls_required = strcmp(config_str(cfg, SET_SMTP_TLS), "required") == 0;
	set->timeout = config_int(cfg, SET_SMTP_TIMEOUT);
	set->retry_delay = config_int(cfg, SET_SMTP_RETRY_DELAY);
	set->max_attempts = config_int(cfg, SET_SMTP_MAX_ATTEMPTS);
	set->imap = mailbox_is_imap(cfg);
	if (rc == 0) {
		pthread_mutex_lock(&ob->lock);
		ob->set = *set;
		ob->configured = 1;
		pthread_cond_broadcast(&ob->wake);
		pthread_mutex_unlock(&ob->lock);
	}
	OPENSSL_cleanse(set, sizeof(*set));
	free(set);
	return rc;
}

int outbox_enqueue(struct outbox *ob, const char *sender, const char *const *rcpts, size_t n,
		   const void *msg, size_t len, struct err *e)
{
	char rnd[TOKEN_LEN(12)], id[ID_MAX];
	if (n == 0 || n > RCPT_MAX)
		return err_set(e, "between 1 and %d recipients", RCPT_MAX);
	struct envelope *env = calloc(1, sizeof(*env));
	if (!env)
		return err_set(e, "out of memory");
	int rc = -1;
	if (token_random(rnd, sizeof(rnd), 12, e) < 0)
		goto out;
	snprintf(id, sizeof(id), "%ld.%s", (long)time(NULL), rnd);
	if (snprintf(env->sender, sizeof(env->sender), "%s", sender) >= (int)sizeof(env->sender)) {
		err_set(e, "the sender's address is too long");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		for (const char *p = rcpts[i]; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				err_set(e, "an address holds a control character");
				goto out;
			}
		if (snprintf(env->rcpt[i], sizeof(env->rcpt[0]), "%s", rcpts[i]) >=
		    (int)sizeof(env->rcpt[0])) {
			err_set(e, "an address is too long");
			goto out;
		}
	}
	env->nrcpt = n;
	env->queued = env->next = (long)time(NULL);
	/* The message, then its envelope: an envelope always has its message. */
	if (outbox_envelope_write_file(ob, id, ".eml", msg, len, e) < 0)
		goto out;
	if (outbox_envelope_write(ob, id, env, e) < 0) {
		outbox_envelope_remove(ob, id);
		goto out;
	}
	rc = ob->kick ? ob->kick(ob->kick_arg, id, e) : add_item(ob, id, (time_t)env->next, e);
	if (rc < 0)
		outbox_envelope_remove(ob, id);
	if (rc == 0)
		log_info("outbox: %s queued from %s for %zu recipient%s", id,
			 sender[0] ? sender : "<>", n, n == 1 ? "" : "s");
out:
	free(env);
	return rc;
}

int outbox_spool_open(const char *dir, int (*kick)(void *arg, const char *id, struct err *e),
		      void *arg, struct outbox **out, struct err *e)
{
	struct outbox *ob = calloc(1, sizeof(*ob));
	*out = NULL;
	if (!ob)
		return err_set(e, "out of memory");
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->wake, NULL);
	ob->kick = kick;
	ob->kick_arg = arg;
	if (snprintf(ob->dir, sizeof(ob->dir), "%s", dir) >= (int)sizeof(ob->dir)) {
		outbox_stop(&ob);
		return err_set(e, "the outbox path %s is too long", dir);
	}
	*out = ob;
	return 0;
}

int outbox_kick(struct outbox *ob, const char *id, struct err *e)
{
	if (!id_ok(id, strlen(id)))
		return err_set(e, "%s is not a queue id", log_q(id));
	pthread_mutex_lock(&ob->lock);
	int known = 0;
	for (struct item *it = ob->items; it && !known; it = it->link)
		known = strcmp(it->id, id) == 0;
	pthread_mutex_unlock(&ob->lock);
	/* Told twice: it is delivered once. */
	if (known)
		return 0;
	/* Written by a process that may be hostile: plain files of their own,
	 * never a link to something it could not read itself. */
	static const char *const exts[] = { ".env", ".eml" };
	for (size_t i = 0; i < 2; i++) {
		char path[PATH_MAX];
		struct stat st;
		if (outbox_envelope_path(ob, "", id, exts[i], path, sizeof(path), e) < 0)
			return -1;
		if (lstat(path, &st) < 0)
			return err_sys(e, "%s", path);
		if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
			return err_set(e, "%s is not a plain file of its own", path);
	}
	struct envelope *env = malloc(sizeof(*env));
	if (!env)
		return err_set(e, "out of memory");
	int rc = outbox_envelope_read(ob, id, env, e);
	if (rc == 0)
		rc = add_item(ob, id, (time_t)env->next, e);
	free(env);
	return rc;
}

size_t outbox_count(struct outbox *ob)
{
	pthread_mutex_lock(&ob->lock);
	size_t n = ob->count;
	pthread_mutex_unlock(&ob->lock);
	return n;
}

void outbox_stop(struct outbox **obp)
{
	struct outbox *ob = obp ? *obp : NULL;
	if (!ob)
		return;
	pthread_mutex_lock(&ob->lock);
	atomic_store(&ob->stopping, 1);
	pthread_cond_broadcast(&ob->wake);
	pthread_mutex_unlock(&ob->lock);
	for (int i = 0; i < ob->nthreads; i++)
		pthread_join(ob->threads[i], NULL);
	while (ob->items) {
		struct item *it = ob->items;
		ob->items = it->link;
		free(it);
	}
	OPENSSL_cleanse(&ob->set, sizeof(ob->set));
	pthread_cond_destroy(&ob->wake);
	pthread_mutex_destroy(&ob->lock);
	free(ob);
	*obp = NULL;
}
