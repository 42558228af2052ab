/* outbox.c - the queue of mail for other hosts (see outbox.h). Each message
 * is a pair of files in the spool folder: ID.eml, the message as it goes to
 * the relay, and ID.env, its envelope (sender, recipients, tries so far, when
 * to try next, the last error). ID.env is written after ID.eml and is what
 * makes a message queued; it is replaced whole (written in tmp/, fsynced,
 * renamed) after every try, so a crash leaves the old or the new one.
 * A failed delivery goes back to its sender: into the sender's Maildir, or
 * with mail.store imap, where no local Maildir is anyone's, as a report from
 * the null sender <> through the relay, as an MTA returns mail. */
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
#include "webmsg/address.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "webmsg/token.h"
#include "webmsg/users.h"

#define OUTBOX_THREADS 2 /* one relay that hangs still leaves one thread going */
#define ID_MAX 64
#define RCPT_MAX 100     /* as many as a user may send to at once */
#define ENV_MAX (64 * 1024)
#define BACKOFF_CAP 3600 /* the longest wait between tries, unless retry_delay is longer */
#define SETTING_MAX 4096

struct item {
	char id[ID_MAX];
	time_t next;
	int busy; /* a thread is trying it */
	struct item *link;
};

/* What a try needs from the configuration: copied, because a configuration
 * snapshot goes away with its generation. */
struct relay_settings {
	char relay[SETTING_MAX];
	char user[SETTING_MAX];
	char password[SETTING_MAX];
	int tls_required;
	long timeout, retry_delay, max_attempts;
	char mail_root[PATH_MAX];
	int imap; /* mail.store imap: the mailboxes are the IMAP site's, behind the relay */
};

struct envelope {
	char sender[USER_ADDRESS_MAX]; /* "": the null sender <>, a report never returned */
	char rcpt[RCPT_MAX][USER_ADDRESS_MAX];
	size_t nrcpt;
	long queued, attempts, next;
	char error[256];
};

struct outbox {
	char dir[PATH_MAX];
	pthread_mutex_t lock; /* guards items, count, set and configured */
	pthread_cond_t wake;
	struct item *items;
	size_t count;
	struct relay_settings set;
	int configured;
	atomic_int stopping;
	pthread_t threads[OUTBOX_THREADS];
	int nthreads;
	/* A spool only (a worker's): who delivers what it wrote, instead of the threads. */
	int (*kick)(void *arg, const char *id, struct err *e);
	void *kick_arg;
};

enum outcome { SENT, TRY_AGAIN, RETURNED, ABORTED, BROKEN };

/* ---- Files ---- */

static int path_of(const struct outbox *ob, const char *sub, const char *id, const char *ext,
		   char *out, size_t outlen, struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s%s%s", ob->dir, sub, id, ext);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the outbox path %s is too long", ob->dir);
	return 0;
}

static int sync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		err_sys(e, "cannot sync %s", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Writes ID.ext durably: in tmp/, fsynced, renamed, the folder fsynced. */
static int write_durably(const struct outbox *ob, const char *id, const char *ext,
			 const void *data, size_t len, struct err *e)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	if (path_of(ob, "tmp/", id, ext, tmp, sizeof(tmp), e) < 0 ||
	    path_of(ob, "", id, ext, dst, sizeof(dst), e) < 0)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "cannot write %s", tmp);
	if (fileio_write_all(fd, data, len) < 0) {
		err_sys(e, "cannot write %s", tmp);
		goto fail;
	}
	if (fsync(fd) < 0) {
		err_sys(e, "cannot write %s", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, "cannot write %s", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) < 0) {
		err_sys(e, "cannot rename %s", tmp);
		goto fail;
	}
	return sync_dir(ob->dir, e);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* One line of an envelope: no line ends or other control characters. */
static void put_field(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s ", key);
	for (const char *p = value; *p; p++)
		buf_append(b, (unsigned char)*p < 0x20 || *p == 0x7f ? " " : p, 1);
	buf_puts(b, "\n");
}

static int env_write(const struct outbox *ob, const char *id, const struct envelope *env,
		     struct err *e)
{
	struct buf b;
	buf_init(&b, ENV_MAX);
	buf_puts(&b, "webmsg-outbox 1\n");
	put_field(&b, "from", env->sender[0] ? env->sender : "<>");
	for (size_t i = 0; i < env->nrcpt; i++)
		put_field(&b, "to", env->rcpt[i]);
	buf_printf(&b, "queued %ld\nattempts %ld\nnext %ld\n", env->queued, env->attempts,
		   env->next);
	if (env->error[0])
		put_field(&b, "error", env->error);
	int rc = b.failed ? err_set(e, "the envelope of %s is too large", id)
			  : write_durably(ob, id, ".env", b.data, b.len, e);
	buf_free(&b);
	return rc;
}

static int parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int env_read(const struct outbox *ob, const char *id, struct envelope *env, struct err *e)
{
	char path[PATH_MAX];
	struct buf b;
	memset(env, 0, sizeof(*env));
	if (path_of(ob, "", id, ".env", path, sizeof(path), e) < 0)
		return -1;
	buf_init(&b, ENV_MAX);
	/* Written by the worker: never followed through a link, never a FIFO. */
	if (fileio_append_path(path, O_NOFOLLOW | O_NONBLOCK, &b, e) < 0 && !b.failed) {
		buf_free(&b);
		return -1;
	}
	int bad = b.failed || !b.data || strncmp(b.data, "webmsg-outbox 1\n", 16) != 0, from = 0;
	for (char *line = b.data, *nl; !bad && line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		char *value = strchr(line, ' ');
		if (!value)
			continue;
		*value++ = '\0';
		if (strcmp(line, "from") == 0) /* once; "<>" is the null sender */
			bad = from++ || !*value ||
			      snprintf(env->sender, sizeof(env->sender), "%s",
				       strcmp(value, "<>") == 0 ? "" : value) >= (int)sizeof(env->sender);
		else if (strcmp(line, "to") == 0)
			bad = env->nrcpt == RCPT_MAX ||
			      snprintf(env->rcpt[env->nrcpt++], sizeof(env->rcpt[0]), "%s", value) >=
				      (int)sizeof(env->rcpt[0]);
		else if (strcmp(line, "queued") == 0)
			bad = parse_long(value, &env->queued);
		else if (strcmp(line, "attempts") == 0)
			bad = parse_long(value, &env->attempts);
		else if (strcmp(line, "next") == 0)
			bad = parse_long(value, &env->next);
		else if (strcmp(line, "error") == 0)
			snprintf(env->error, sizeof(env->error), "%s", value);
	}
	buf_free(&b);
	/* Null only when it says <>, never by a missing line. */
	if (bad || !from || (env->sender[0] && !strchr(env->sender, '@')) || env->nrcpt == 0)
		return err_set(e, "%s is not an outbox envelope", path);
	return 0;
}

static void remove_files(const struct outbox *ob, const char *id)
{
	char path[PATH_MAX];
	struct err e;
	/* The envelope first: without it the message is no longer queued. */
	if (path_of(ob, "", id, ".env", path, sizeof(path), &e) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		log_warn("outbox: cannot remove %s", path);
	if (path_of(ob, "", id, ".eml", path, sizeof(path), &e) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		log_warn("outbox: cannot remove %s", path);
}

/* ---- Bounces ---- */

static int read_message(const struct outbox *ob, const char *id, struct buf *out, struct err *e)
{
	char path[PATH_MAX];
	if (path_of(ob, "", id, ".eml", path, sizeof(path), e) < 0)
		return -1;
	return fileio_append_path(path, 0, out, e);
}

/* Returns the message to its sender: a report with the message attached,
 * put into the sender's Inbox under mail.root, or with mail.store imap queued
 * for the relay from the null sender <> (the sender's mailbox is on the IMAP
 * site, which only its mail server delivers into; a report that fails in turn
 * is never returned, so two servers cannot bounce a report back and forth). */
static int bounce(struct outbox *ob, const struct relay_settings *set, const char *id,
		  const struct envelope *env, const char *why, struct err *e)
{
	char user[USER_ADDRESS_MAX], domain[USER_ADDRESS_MAX], from[USER_ADDRESS_MAX + 64],
		msgid[256];
	struct buf body, original, out;
	struct mailstore *ms;
	const char *to = env->sender;
	int rc = -1;
	if (address_split(env->sender, user, sizeof(user), domain, sizeof(domain), NULL) < 0)
		return err_set(e, "no sender to return the message to");
	snprintf(from, sizeof(from), "Mail Delivery System <MAILER-DAEMON@%s>", domain);
	buf_init(&body, ENV_MAX);
	buf_init(&original, MIME_MESSAGE_MAX);
	buf_init(&out, (size_t)MIME_MESSAGE_MAX * 2);
	buf_puts(&body, "Your message could not be delivered to:\n\n");
	for (size_t i = 0; i < env->nrcpt; i++)
		buf_printf(&body, "  %s\n", env->rcpt[i]);
	buf_printf(&body, "\n%s.\n\nThe message is attached.\n", why);
	if (body.failed || read_message(ob, id, &original, e) < 0)
		goto out;
	struct mime_upload up = { "undelivered-message.eml", "message/rfc822", original.data,
				  original.len };
	struct mime_compose c = {
		.from = from,
		.to = env->sender,
		.subject = "Undelivered mail returned to sender",
		.body = body.data,
		.attachments = &up,
		.nattachments = 1,
	};
	if (mime_build(&c, domain, &out, msgid, sizeof(msgid), e) < 0)
		goto out;
	if (set->imap) {
		rc = outbox_enqueue(ob, "", &to, 1, out.data, out.len, e);
		goto out;
	}
	if (mailstore_open(set->mail_root, domain, user, &ms, e) < 0)
		goto out;
	rc = mailstore_deliver(ms, MAIL_INBOX, out.data, out.len, 0, NULL, 0, e);
	mailstore_close(&ms);
out:
	buf_free(&body);
	buf_free(&original);
	buf_free(&out);
	return rc;
}

/* ---- Delivery ---- */

static int stop_requested(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			  curl_off_t ulnow)
{
	struct outbox *ob = arg;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(&ob->stopping);
}

static size_t read_file(char *out, size_t size, size_t nmemb, void *arg)
{
	return fread(out, size, nmemb, arg);
}

/* One try through the relay. why gets, for the sender, what went wrong. */
static enum outcome relay_once(struct outbox *ob, const struct relay_settings *set,
			       const char *id, const struct envelope *env, char *why,
			       size_t whylen)
{
	char path[PATH_MAX], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = NULL;
	struct err e;
	long code = 0;
	if (!set->relay[0]) {
		snprintf(why, whylen, "no mail server for other hosts is configured");
		return TRY_AGAIN;
	}
	if (path_of(ob, "", id, ".eml", path, sizeof(path), &e) < 0)
		return BROKEN;
	/* Written by the worker: what is read is the plain file of its own that
	 * was checked, on the descriptor checked, never a link swapped in. */
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1)) {
		close(fd);
		fd = -1;
		errno = EINVAL;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		log_warn("outbox: cannot open %s as a plain file of its own", path);
		if (fd >= 0)
			close(fd);
		return BROKEN;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		fclose(f);
		snprintf(why, whylen, "the mail client could not start");
		return TRY_AGAIN;
	}
	for (size_t i = 0; i < env->nrcpt; i++)
		rcpt = curl_slist_append(rcpt, env->rcpt[i]);
	curl_easy_setopt(c, CURLOPT_URL, set->relay);
	/* Left unset, curl says MAIL FROM:<> (RFC 5321 4.5.5: reports go from the null sender). */
	if (env->sender[0])
		curl_easy_setopt(c, CURLOPT_MAIL_FROM, env->sender);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_file);
	curl_easy_setopt(c, CURLOPT_READDATA, f);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	/* A relay that accepts the connection and never answers, or stalls in
	 * the middle, costs at most smtp.timeout per try. */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, set->timeout);
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, set->timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, set->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stop_requested);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, ob);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (set->tls_required)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (set->user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, set->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, set->password);
	}
	CURLcode res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	fclose(f);
	if (res == CURLE_OK)
		return SENT;
	if (res == CURLE_ABORTED_BY_CALLBACK && atomic_load(&ob->stopping))
		return ABORTED;
	/* The administrator's log has the relay and curl's words; the sender's
	 * bounce only what concerns the message. */
	log_warnx("outbox: %s: the relay %s did not take it: %s", id, set->relay,
		  errbuf[0] ? errbuf : curl_easy_strerror(res));
	/* A 5xx refusal is final, unless it is about this server's own login or
	 * TLS, which the administrator can mend. */
	if (code >= 500 && code < 600 && res != CURLE_LOGIN_DENIED && res != CURLE_USE_SSL_FAILED) {
		snprintf(why, whylen, "The mail server for other hosts refused it (SMTP reply %ld)",
			 code);
		return RETURNED;
	}
	if (code >= 400 && code < 500)
		snprintf(why, whylen, "the mail server for other hosts asked to try later "
				      "(SMTP reply %ld)", code);
	else
		snprintf(why, whylen, "the mail server for other hosts could not be reached: %s",
			 curl_easy_strerror(res));
	return TRY_AGAIN;
}

static long backoff(const struct relay_settings *set, long attempts)
{
	long delay = set->retry_delay, cap = set->retry_delay > BACKOFF_CAP ? set->retry_delay
									       : BACKOFF_CAP;
	for (long i = 1; i < attempts && delay < cap; i++)
		delay *= 2;
	return delay < cap ? delay : cap;
}

/* A try and what follows from it, outside the lock. *next gets when to try
 * again (TRY_AGAIN only). */
static enum outcome attempt(struct outbox *ob, const struct relay_settings *set, const char *id,
			    time_t *next)
{
	struct envelope *env = malloc(sizeof(*env));
	char why[512] = "";
	struct err e;
	if (!env) {
		/* Not the message's fault: no try is counted, but none for a while either. */
		*next = time(NULL) + set->retry_delay;
		return TRY_AGAIN;
	}
	if (env_read(ob, id, env, &e) < 0) {
		log_error("outbox: %s; it stays in the folder for the administrator", e.msg);
		free(env);
		return BROKEN;
	}
	enum outcome out = relay_once(ob, set, id, env, why, sizeof(why));
	if (out == TRY_AGAIN) {
		env->attempts++;
		snprintf(env->error, sizeof(env->error), "%s", why);
		if (env->attempts >= set->max_attempts) {
			char final[700];
			snprintf(final, sizeof(final), "It was tried %ld times; the last time %s",
				 env->attempts, why);
			snprintf(why, sizeof(why), "%s", final);
			out = RETURNED;
		} else {
			env->next = (long)time(NULL) + backoff(set, env->attempts);
			*next = (time_t)env->next;
			if (env_write(ob, id, env, &e) < 0)
				log_error("outbox: %s: %s", id, e.msg);
			log_info("outbox: %s: try %ld of %ld failed, next in %ld s", id,
				 env->attempts, set->max_attempts, env->next - (long)time(NULL));
		}
	}
	if (out == SENT) {
		log_info("outbox: %s from %s delivered to %zu recipient%s through the relay", id,
			 env->sender[0] ? env->sender : "<>", env->nrcpt,
			 env->nrcpt == 1 ? "" : "s");
		remove_files(ob, id);
	} else if (out == RETURNED && !env->sender[0]) {
		log_error("outbox: %s: a report from <> to %s failed (%s); reports are never "
			  "returned: it stays in the folder for the administrator", id,
			  env->rcpt[0], why);
		out = BROKEN;
	} else if (out == RETURNED) {
		if (bounce(ob, set, id, env, why, &e) < 0) {
			log_error("outbox: %s: cannot return it to %s (%s); it stays in the folder "
				  "for the administrator", id, env->sender, e.msg);
			out = BROKEN;
		} else {
			log_info("outbox: %s returned to %s%s", id, env->sender,
				 set->imap ? " through the relay" : "");
			remove_files(ob, id);
		}
	}
	free(env);
	return out;
}

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
		enum outcome out = attempt(ob, set, id, &next);
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
	if (path_of(ob, "tmp", "", "", path, sizeof(path), e) < 0)
		return -1;
	DIR *dir = opendir(path);
	while (dir && (d = readdir(dir)))
		if (d->d_name[0] != '.')
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
			if (path_of(ob, "", id, ".env", path, sizeof(path), e) == 0 &&
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
		if (env_read(ob, id, env, e) < 0)
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
	    path_of(ob, "tmp", "", "", tmp, sizeof(tmp), e) < 0) {
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
	if (write_durably(ob, id, ".eml", msg, len, e) < 0)
		goto out;
	if (env_write(ob, id, env, e) < 0) {
		remove_files(ob, id);
		goto out;
	}
	rc = ob->kick ? ob->kick(ob->kick_arg, id, e) : add_item(ob, id, (time_t)env->next, e);
	if (rc < 0)
		remove_files(ob, id);
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
		if (path_of(ob, "", id, exts[i], path, sizeof(path), e) < 0)
			return -1;
		if (lstat(path, &st) < 0)
			return err_sys(e, "%s", path);
		if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
			return err_set(e, "%s is not a plain file of its own", path);
	}
	struct envelope *env = malloc(sizeof(*env));
	if (!env)
		return err_set(e, "out of memory");
	int rc = env_read(ob, id, env, e);
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
