/* page_settings.c - the user's settings page: display name, signature, time
 * zone, messages per page, HTML or plain text first (kept in the mail store),
 * changing the password (account.c), each problem shown beside its field, and
 * two-step verification (TOTP: set up with a QR code, confirmed with a code,
 * recovery codes shown once; set up again or turned off with the password or
 * a current code, never with the session alone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "privsep.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/config.h"
#include "webmsg/html.h"
#include "webmsg/password.h"
#include "webmsg/totp.h"

#include "mail_view.h"

/* What a redirect after saving may say: codes in the address, never text. */
static const struct {
	const char *code, *text;
} notices[] = {
	{ "saved", "Your settings were saved." },
	{ "password", "Your password was changed. Your other sessions have ended." },
	{ "totp_off", "Two-step verification is off." },
};

/* The two-step verification section, as one request leaves it. */
struct totp_view {
	const char *error;
	const char *secret; /* set up under way: the key shown (base32) */
	const char *uri;    /* and its otpauth URI, drawn as a QR code */
	const char *codes;  /* just turned on: the recovery codes, space-separated */
};

/* The password form's problems, beside its fields. */
struct pw_problems {
	const char *form, *old, *new1, *new2;
};

static const char *notice_text(const char *code)
{
	for (size_t i = 0; i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(code, notices[i].code) == 0)
			return notices[i].text;
	return "";
}

/* The section's HTML pieces: the QR code and the recovery codes' list. */
struct totp_html {
	struct buf qr, codes;
	char left[64];
	int offered, on, kept;
};

static void totp_html_build(struct request *r, const struct totp_view *tv, struct totp_html *h)
{
	struct err e;
	long left = 0;
	buf_init(&h->qr, 64 * 1024);
	buf_init(&h->codes, 4096);
	h->left[0] = '\0';
	h->on = 0;
	h->offered = 0;
	h->kept = 0;
	/* Offered or not is the user's policy (the domain's or login.totp): the
	 * parent's answer. */
	if (privsep_totp_state(r->gen->srv->ps, r->sess.id, r->https, &h->on, &left, &h->offered,
			       &h->kept, &e) < 0) {
		log_warnx("settings of user %s: %s", log_q(r->sess.user), log_q(e.msg));
		h->offered = h->kept = 0;
		return;
	}
	if (!h->offered)
		return;
	snprintf(h->left, sizeof(h->left), "%ld recovery code%s left.", left,
		 left == 1 ? "" : "s");
	if (tv && tv->uri && tv->uri[0] &&
	    totp_qr_svg(tv->uri, "QR code of your two-step verification key", &h->qr, &e) < 0)
		log_warnx("settings of user %s: %s", log_q(r->sess.user), log_q(e.msg));
	if (tv && tv->codes) {
		char one[TOTP_RECOVERY_LEN];
		for (const char *p = tv->codes; *p;) {
			size_t n = strcspn(p, " ");
			snprintf(one, sizeof(one), "%.*s", (int)n, p);
			buf_puts(&h->codes, "<li><code>");
			html_escape(&h->codes, one);
			buf_puts(&h->codes, "</code></li>");
			p += n + (p[n] == ' ');
		}
	}
}

static enum MHD_Result show_totp(struct request *r, unsigned status, const struct mail_prefs *p,
				 const struct mail_prefs_problems *pr, const struct pw_problems *pw,
				 const char *error, const struct totp_view *tv);

static enum MHD_Result show(struct request *r, unsigned status, const struct mail_prefs *p,
			    const struct mail_prefs_problems *pr, const struct pw_problems *pw,
			    const char *error)
{
	return show_totp(r, status, p, pr, pw, error, NULL);
}

static enum MHD_Result show_totp(struct request *r, unsigned status, const struct mail_prefs *p,
				 const struct mail_prefs_problems *pr, const struct pw_problems *pw,
				 const char *error, const struct totp_view *tv)
{
	struct totp_html th;
	int setup = tv && tv->secret && tv->secret[0];
	totp_html_build(r, tv, &th);
	static const struct mail_prefs_problems none;
	static const struct pw_problems pw_none;
	char per_page[24], min[16], max[16], pwmin[16], per_page_typed[24];
	struct buf example;
	if (!pr)
		pr = &none;
	if (!pw)
		pw = &pw_none;
	snprintf(per_page, sizeof(per_page), "%ld", p->per_page);
	snprintf(min, sizeof(min), "%d", MAIL_PREFS_PER_PAGE_MIN);
	snprintf(max, sizeof(max), "%d", MAIL_PREFS_PER_PAGE_MAX);
	snprintf(pwmin, sizeof(pwmin), "%d", PASSWORD_MIN);
	/* A number that did not parse comes back as it was typed. */
	snprintf(per_page_typed, sizeof(per_page_typed), "%s",
		 pr->msg[MAIL_PREFS_PER_PAGE][0] && r->form ? form_get(r->form, "per_page") : per_page);
	buf_init(&example, 1024);
	if (p->display_name[0])
		buf_printf(&example, "%s <%s>", p->display_name, r->sess.user);
	else
		buf_puts(&example, r->sess.user);
	const struct tvar vars[] = {
		{ "notice", notice_text(http_arg(r, "n")) },
		{ "error", error ? error : "" },
		{ "csrf", r->sess.csrf },
		{ "display_name", p->display_name },
		{ "display_name_example", example.data ? example.data : r->sess.user },
		{ "err_name", pr->msg[MAIL_PREFS_DISPLAY_NAME] },
		{ "signature", p->signature },
		{ "err_signature", pr->msg[MAIL_PREFS_SIGNATURE] },
		{ "zone", p->zone },
		{ "err_zone", pr->msg[MAIL_PREFS_ZONE] },
		{ "per_page", per_page_typed },
		{ "per_page_min", min },
		{ "per_page_max", max },
		{ "err_per_page", pr->msg[MAIL_PREFS_PER_PAGE] },
		{ "plain_first", p->plain_first ? "1" : "" },
		{ "conversations", p->conversations ? "1" : "" },
		{ "pw_error", pw->form ? pw->form : "" },
		{ "err_old", pw->old ? pw->old : "" },
		{ "err_new", pw->new1 ? pw->new1 : "" },
		{ "err_new2", pw->new2 ? pw->new2 : "" },
		{ "password_min", pwmin },
		{ "totp_shown", th.offered || th.kept ? "1" : "" },
		{ "totp_kept", th.kept ? "1" : "" },
		{ "totp_error", tv && tv->error ? tv->error : "" },
		{ "totp_codes", th.codes.data ? th.codes.data : "" },
		{ "totp_setup", th.offered && setup ? "1" : "" },
		{ "totp_qr", th.qr.data ? th.qr.data : "" },
		{ "totp_secret", setup ? tv->secret : "" },
		{ "totp_on", th.offered && th.on && !setup ? "1" : "" },
		{ "totp_off", th.offered && !th.on && !setup ? "1" : "" },
		{ "totp_left", th.left },
	};
	enum MHD_Result rc = http_send_framed(r, status, TPL_SETTINGS, vars,
					      sizeof(vars) / sizeof(vars[0]), "Settings");
	buf_free(&example);
	buf_free(&th.qr);
	buf_free(&th.codes);
	return rc;
}

/* The saved settings, the defaults when they cannot be read. */
static int load(struct request *r, struct mail_prefs *p, struct err *e)
{
	struct mailstore *ms;
	mailstore_prefs_default(p);
	if (mailbox_open(r, &ms, e) < 0)
		return -1;
	int rc = mailstore_prefs_get(ms, p, e);
	mailstore_close(&ms);
	return rc;
}

enum MHD_Result page_settings(struct request *r, const char *rest)
{
	struct mail_prefs p;
	struct err e;
	(void)rest;
	if (load(r, &p, &e) < 0)
		return mail_view_error(r, &e);
	return show(r, MHD_HTTP_OK, &p, NULL, NULL, NULL);
}

/* Copies a typed field: NULL when it does not fit (the check then says so). */
static void field(struct request *r, const char *name, char *out, size_t len, int one_line)
{
	const char *v = form_get(r->form, name);
	size_t n = 0;
	if (one_line) /* spaces around a name or a zone are never meant */
		v += strspn(v, " \t");
	for (const char *p = v; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue; /* a browser's line ends */
		if (n + 1 >= len) {
			/* Too long: left without its end, so that the check refuses it. */
			memset(out, 'x', len);
			return;
		}
		out[n++] = *p;
	}
	while (one_line && n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
}

static enum MHD_Result save_prefs(struct request *r)
{
	struct mail_prefs p, old;
	struct mail_prefs_problems pr;
	struct mailstore *ms;
	struct err e;
	char *end;
	if (load(r, &old, &e) < 0)
		return mail_view_error(r, &e);
	mailstore_prefs_default(&p);
	field(r, "display_name", p.display_name, sizeof(p.display_name), 1);
	field(r, "signature", p.signature, sizeof(p.signature), 0);
	field(r, "zone", p.zone, sizeof(p.zone), 1);
	const char *n = form_get(r->form, "per_page");
	p.per_page = strtol(n, &end, 10);
	if (end == n || *end)
		p.per_page = -1;
	p.plain_first = strcmp(form_get(r->form, "first"), "text") == 0;
	p.conversations = strcmp(form_get(r->form, "conversations"), "1") == 0;
	if (mailstore_prefs_check(&p, NULL, &pr) < 0) {
		/* What was typed comes back, each problem beside its field; a field
		 * too long to hold is shown as it was saved. */
		if (memchr(p.display_name, '\0', sizeof(p.display_name)) == NULL)
			memcpy(p.display_name, old.display_name, sizeof(p.display_name));
		if (memchr(p.signature, '\0', sizeof(p.signature)) == NULL)
			memcpy(p.signature, old.signature, sizeof(p.signature));
		if (memchr(p.zone, '\0', sizeof(p.zone)) == NULL)
			memcpy(p.zone, old.zone, sizeof(p.zone));
		return show(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &p, &pr, NULL,
			    "Nothing was saved: please correct what is marked below.");
	}
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	int rc = mailstore_prefs_set(ms, &p, &e);
	int refused = rc < 0 && mailstore_refused(ms);
	mailstore_close(&ms);
	/* A mail server that keeps no settings: said on the page, which goes
	 * on with what was typed. */
	if (refused) {
		log_warnx("%s: settings not saved: %s", log_q(r->sess.user), log_q(e.msg));
		return show(r, MHD_HTTP_CONFLICT, &p, NULL, NULL, e.msg);
	}
	if (rc < 0)
		return mail_view_error(r, &e);
	return http_see_other(r, "/settings?n=saved");
}

static enum MHD_Result change_password(struct request *r)
{
	struct server *srv = r->gen->srv;
	const char *old = form_get(r->form, "old"), *new1 = form_get(r->form, "new"),
		   *new2 = form_get(r->form, "new2");
	struct pw_problems pw = { 0 };
	struct mail_prefs p;
	struct err e = { "" };
	char msg[160], user[USER_ADDRESS_MAX];
	long wait = 0;
	int expire = r->sess.expire_pages;

	if (load(r, &p, &e) < 0)
		mailstore_prefs_default(&p);
	if (strcmp(new1, new2) != 0) {
		pw.new2 = "The two new passwords differ.";
		return show(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &p, NULL, &pw, NULL);
	}
	if (password_acceptable(new1, &e) < 0) {
		pw.new1 = e.msg;
		return show(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &p, NULL, &pw, NULL);
	}
	snprintf(user, sizeof(user), "%s", r->sess.user);
	int rc = privsep_passwd(srv->ps, r->client, user, old, new1, &wait, &e);
	switch (rc) {
	case 0:
		break;
	case ACCOUNT_WAIT:
		log_warnx("password change refused for user %s from %s: too many failures, %ld s "
			  "to wait", log_q(user), r->client, wait);
		snprintf(msg, sizeof(msg), "Too many wrong passwords. Try again in %ld second%s.",
			 wait, wait == 1 ? "" : "s");
		pw.form = msg;
		return show(r, MHD_HTTP_TOO_MANY_REQUESTS, &p, NULL, &pw, NULL);
	case ACCOUNT_WRONG_PASSWORD:
		/* The line fail2ban matches, as for a logon. */
		log_warnx("logon failed for user %s from %s", log_q(user), r->client);
		pw.old = "That is not your current password.";
		return show(r, MHD_HTTP_UNAUTHORIZED, &p, NULL, &pw, NULL);
	case ACCOUNT_REFUSED:
		pw.new1 = e.msg;
		return show(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &p, NULL, &pw, NULL);
	default:
		return mail_view_error(r, &e);
	}
	log_info("user %s changed the password from %s", log_q(user), r->client);
	/* Every session of the user ended with the account's new stamp; this
	 * browser goes on in a new one. */
	r->has_session = 0;
	if (websession_begin(r, user, expire, 0) != 0)
		return http_see_other(r, "/");
	return http_see_other(r, "/settings?n=password");
}

/* Two-step verification: set up (a new key), confirm (a code), turn off
 * (the password). Every decision is the parent's. */
static enum MHD_Result totp_post(struct request *r, const char *op)
{
	struct server *srv = r->gen->srv;
	struct mail_prefs p;
	struct totp_view tv = { 0 };
	struct err e = { "" };
	char secret[TOTP_B32_LEN], uri[PRIVSEP_TOTP_URI_MAX], msg[160];
	char codes[TOTP_RECOVERY_COUNT * TOTP_RECOVERY_LEN + 1], who[USER_ADDRESS_MAX];
	long wait = 0;
	int rc;
	enum MHD_Result res;
	if (load(r, &p, &e) < 0)
		mailstore_prefs_default(&p);
	if (strcmp(op, "totp_begin") == 0) {
		/* Setting it up again (a new phone) replaces the key: the parent asks
		 * for the password or a current code first, as for turning it off. */
		rc = privsep_totp_begin(srv->ps, r->sess.id, r->https, form_get(r->form, "password"),
					r->client, &wait, secret, sizeof(secret), uri, sizeof(uri),
					&e);
		if (rc == PRIVSEP_TOTP_WAIT) {
			snprintf(msg, sizeof(msg), "Too many wrong tries. Try again in %ld second%s.",
				 wait, wait == 1 ? "" : "s");
			tv.error = msg;
			return show_totp(r, MHD_HTTP_TOO_MANY_REQUESTS, &p, NULL, NULL, NULL, &tv);
		}
		if (rc == PRIVSEP_TOTP_WRONG) {
			log_warnx("logon failed for user %s from %s", log_q(r->sess.user), r->client);
			tv.error = "That is neither your password nor a current code. Two-step "
				   "verification is unchanged.";
			return show_totp(r, MHD_HTTP_UNAUTHORIZED, &p, NULL, NULL, NULL, &tv);
		}
		if (rc != PRIVSEP_TOTP_OK) {
			tv.error = "Two-step verification cannot be set up just now. Please try "
				   "again later.";
			return show_totp(r, MHD_HTTP_SERVICE_UNAVAILABLE, &p, NULL, NULL, NULL, &tv);
		}
		tv.secret = secret;
		tv.uri = uri;
		res = show_totp(r, MHD_HTTP_OK, &p, NULL, NULL, NULL, &tv);
		explicit_bzero(secret, sizeof(secret));
		explicit_bzero(uri, sizeof(uri));
		return res;
	}
	if (strcmp(op, "totp_confirm") == 0) {
		rc = privsep_totp_confirm(srv->ps, r->sess.id, r->https, form_get(r->form, "code"),
					  r->client, &wait, codes, sizeof(codes), who, sizeof(who), &e);
		if (rc == PRIVSEP_TOTP_OK) {
			log_info("user %s turned on two-step verification", log_q(r->sess.user));
			tv.codes = codes;
			res = show_totp(r, MHD_HTTP_OK, &p, NULL, NULL, NULL, &tv);
			explicit_bzero(codes, sizeof(codes));
			return res;
		}
		/* The key stays on the page to try again: it came with the form
		 * and is only shown; the parent checks against its own. */
		snprintf(secret, sizeof(secret), "%s", form_get(r->form, "secret"));
		for (char *c = secret; *c; c++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", *c))
				secret[0] = '\0';
		if (secret[0]) {
			char host[256];
			config_hostname(r->gen->cfg, host, sizeof(host));
			if (totp_uri(host, r->sess.user, secret, uri, sizeof(uri), &e) == 0) {
				tv.secret = secret;
				tv.uri = uri;
			}
		}
		if (rc == PRIVSEP_TOTP_WAIT) {
			snprintf(msg, sizeof(msg), "Too many wrong codes. Try again in %ld second%s.",
				 wait, wait == 1 ? "" : "s");
			tv.error = msg;
			return show_totp(r, MHD_HTTP_TOO_MANY_REQUESTS, &p, NULL, NULL, NULL, &tv);
		}
		if (rc == PRIVSEP_TOTP_WRONG) {
			log_warnx("logon failed for user %s from %s", log_q(r->sess.user), r->client);
			tv.error = "That code is not right. Type the code your app shows now.";
			return show_totp(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &p, NULL, NULL, NULL, &tv);
		}
		tv.secret = NULL;
		tv.error = rc == PRIVSEP_TOTP_NONE ? "The set up had ended. Please start again."
						   : "Two-step verification cannot be turned on "
						     "just now. Please try again later.";
		return show_totp(r, rc == PRIVSEP_TOTP_NONE ? MHD_HTTP_CONFLICT
							     : MHD_HTTP_SERVICE_UNAVAILABLE,
				 &p, NULL, NULL, NULL, &tv);
	}
	if (strcmp(op, "totp_off") != 0)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "That is not a settings form.");
	rc = privsep_totp_disable(srv->ps, r->sess.id, r->https, form_get(r->form, "password"),
				  r->client, &wait, &e);
	switch (rc) {
	case PRIVSEP_TOTP_OK:
		log_info("user %s turned off two-step verification", log_q(r->sess.user));
		return http_see_other(r, "/settings?n=totp_off#totp");
	case PRIVSEP_TOTP_WAIT:
		snprintf(msg, sizeof(msg), "Too many wrong passwords. Try again in %ld second%s.",
			 wait, wait == 1 ? "" : "s");
		tv.error = msg;
		return show_totp(r, MHD_HTTP_TOO_MANY_REQUESTS, &p, NULL, NULL, NULL, &tv);
	case PRIVSEP_TOTP_WRONG:
		log_warnx("logon failed for user %s from %s", log_q(r->sess.user), r->client);
		tv.error = "That is neither your password nor a current code. Two-step "
			   "verification is still on.";
		return show_totp(r, MHD_HTTP_UNAUTHORIZED, &p, NULL, NULL, NULL, &tv);
	default:
		tv.error = "Two-step verification cannot be turned off just now.";
		return show_totp(r, MHD_HTTP_SERVICE_UNAVAILABLE, &p, NULL, NULL, NULL, &tv);
	}
}

enum MHD_Result page_settings_post(struct request *r, const char *rest)
{
	const char *op = form_get(r->form, "op");
	(void)rest;
	/* The parent decides by the user's policy (domain or login.totp). */
	if (strncmp(op, "totp_", 5) == 0)
		return totp_post(r, op);
	if (strcmp(form_get(r->form, "op"), "password") == 0)
		return change_password(r);
	return save_prefs(r);
}
