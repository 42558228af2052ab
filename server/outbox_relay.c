/* outbox_relay.c - one try of a queued message through smtp.relay with curl,
 * and what follows from it: the next try's time, or the message returned to
 * its sender: into the sender's Maildir, or with mail.store imap, where no
 * local Maildir is anyone's, as a report from the null sender <> through the
 * relay, as an MTA returns mail. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "outbox.h"
#include "outbox_private.h"
#include "webmsg/address.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "webmsg/users.h"

/* ---- Bounces ---- */

static int read_message(const struct outbox *ob, const char *id, struct buf *out, struct err *e)
{
	char path[PATH_MAX];
	if (outbox_envelope_path(ob, "", id, ".eml", path, sizeof(path), e) < 0)
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
	if (outbox_envelope_path(ob, "", id, ".eml", path, sizeof(path), &e) < 0)
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
enum outcome outbox_relay_attempt(struct outbox *ob, const struct relay_settings *set,
				  const char *id, time_t *next)
{
	struct envelope *env = malloc(sizeof(*env));
	char why[512] = "";
	struct err e;
	if (!env) {
		/* Not the message's fault: no try is counted, but none for a while either. */
		*next = time(NULL) + set->retry_delay;
		return TRY_AGAIN;
	}
	if (outbox_envelope_read(ob, id, env, &e) < 0) {
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
			if (outbox_envelope_write(ob, id, env, &e) < 0)
				log_error("outbox: %s: %s", id, e.msg);
			log_info("outbox: %s: try %ld of %ld failed, next in %ld s", id,
				 env->attempts, set->max_attempts, env->next - (long)time(NULL));
		}
	}
	if (out == SENT) {
		log_info("outbox: %s from %s delivered to %zu recipient%s through the relay", id,
			 env->sender[0] ? env->sender : "<>", env->nrcpt,
			 env->nrcpt == 1 ? "" : "s");
		outbox_envelope_remove(ob, id);
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
			outbox_envelope_remove(ob, id);
		}
	}
	free(env);
	return out;
}
