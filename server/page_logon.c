/* page_logon.c - logging on: the logon page, checking a user ID and
 * password with throttling, the second page asking for a TOTP code when the
 * user has one, sessions, "Expire page views", "Remember me". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "mail_send.h"
#include "mailbox.h"
#include "pages.h"
#include "privsep.h"
#include "redirect.h"
#include "server.h"
#include "webmsg/address.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/password.h"
#include "webmsg/html.h"
#include "webmsg/remember.h"
#include "webmsg/totp.h"

#define PRE_COOKIE "webmsg_pre"
#define HOME "/mail"

static enum MHD_Result enrol_page(struct request *r, unsigned status, const char *message,
				  const char *token, const char *back, int expire, int remember,
				  const char *secret, const char *account);

/* The logon form's own CSRF token, tied to a cookie (there is no session yet). */
static void pre_token(struct request *r, char *out, size_t len)
{
	const char *cookie = http_cookie(r, PRE_COOKIE);
	if (cookie && token_well_formed(cookie, TOKEN_CHARS(32), TOKEN_CHARS(32))) {
		snprintf(out, len, "%s", cookie);
		return;
	}
	if (token_random(out, len, 32, NULL) < 0)
		out[0] = '\0';
	http_add_cookie(r, PRE_COOKIE, out, -1);
}

/* "Remember me": not with mail.store imap, where a session needs the IMAP
 * password that only a logon brings (a remembered logon has none to give). */
static int remember_offered(const struct config_snapshot *cfg)
{
	return config_bool(cfg, SET_LOGIN_REMEMBER_ME) && !mailbox_is_imap(cfg);
}

static enum MHD_Result logon_page(struct request *r, unsigned status, const char *message,
				  const char *user, const char *back)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	struct client_identity id = { 0 };
	char csrf[64];
	pre_token(r, csrf, sizeof(csrf));
	if (r->https && r->gen->tls.client_auth != CLIENT_AUTH_NONE)
		tls_client_identity(r->conn, &id);
	const struct tvar vars[] = {
		{ "message", message },
		{ "csrf_pre", csrf },
		{ "back", back },
		{ "user_value", user },
		{ "remember_allowed", remember_offered(cfg) ? "1" : "" },
		{ "expire_default", config_bool(cfg, SET_LOGIN_EXPIRE_PAGES_DEFAULT) ? "1" : "" },
		{ "client_subject", id.verified ? id.subject : "" },
		{ "client_email", id.verified ? id.email : "" },
	};
	return http_send_framed(r, status, TPL_LOGON, vars, sizeof(vars) / sizeof(vars[0]),
				"Log on");
}

/* The second page: the code, after a right password. The pending logon's
 * token and the choices made on the first page ride in the form; the token
 * is bound to this client by the parent and lasts a few minutes. */
static enum MHD_Result code_page(struct request *r, unsigned status, const char *message,
				 const char *token, const char *back, int expire, int remember)
{
	return enrol_page(r, status, message, token, back, expire, remember, NULL, "");
}

/* The second page when login.totp is required and the user has none yet:
 * the key (and its QR code) to set up, then a code to confirm it. */
static enum MHD_Result enrol_page(struct request *r, unsigned status, const char *message,
				  const char *token, const char *back, int expire, int remember,
				  const char *secret, const char *account)
{
	char csrf[64], host[256], uri[PRIVSEP_TOTP_URI_MAX];
	struct buf qr;
	struct err e;
	pre_token(r, csrf, sizeof(csrf));
	buf_init(&qr, 64 * 1024);
	if (secret) {
		config_hostname(r->gen->cfg, host, sizeof(host));
		if (totp_uri(host, account, secret, uri, sizeof(uri), &e) < 0 ||
		    totp_qr_svg(uri, "QR code of your two-step verification key", &qr, &e) < 0)
			log_warnx("logon: %s", log_q(e.msg));
	}
	const struct tvar vars[] = {
		{ "message", message },
		{ "csrf_pre", csrf },
		{ "token", token },
		{ "back", back },
		{ "expire", expire ? "1" : "" },
		{ "remember", remember ? "1" : "" },
		{ "enrol", secret ? "1" : "" },
		{ "secret", secret ? secret : "" },
		{ "account", account },
		{ "codes", "" },
		{ "next", "" },
		{ "qr", qr.data ? qr.data : "" },
	};
	enum MHD_Result res = http_send_framed(r, status, TPL_LOGON_TOTP, vars,
					       sizeof(vars) / sizeof(vars[0]),
					       secret ? "Log on: set up two-step verification"
						      : "Log on: verification code");
	buf_free(&qr);
	return res;
}

/* "logon:TOKEN:CLIENT": how the set-up requests name a pending logon. */
static void pending_who(struct request *r, const char *token, char *out, size_t len)
{
	snprintf(out, len, "logon:%s:%s", token, r->client);
}

/* Only base32 goes back into the page. */
static const char *b32_or_null(const char *s)
{
	return s[0] && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == strlen(s) &&
			       strlen(s) < TOTP_B32_LEN
		       ? s
		       : NULL;
}

/* The page of a pending logon (after the password, or a remembered logon
 * that needs its second factor now): the code, or the set-up of a key when
 * the user's policy requires one and there is none. */
static enum MHD_Result second_step_page(struct request *r, const char *message,
					const char *token, int enrol, const char *user,
					const char *back, int expire, int remember)
{
	char who[256], secret[TOTP_B32_LEN], uri[PRIVSEP_TOTP_URI_MAX];
	struct err e;
	long ignored = 0;
	if (!enrol)
		return code_page(r, MHD_HTTP_OK, message, token, back, expire, remember);
	pending_who(r, token, who, sizeof(who));
	if (privsep_totp_begin(r->gen->srv->ps, who, r->https, "", r->client, &ignored, secret,
			       sizeof(secret), uri, sizeof(uri), &e) != PRIVSEP_TOTP_OK) {
		log_error("logon user %s from %s: %s", log_q(user), r->client, log_q(e.msg));
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "Logons are not possible just now. Please try again in a "
				       "moment.");
	}
	enum MHD_Result res = enrol_page(r, MHD_HTTP_OK, message, token, back, expire, remember,
					 secret, user);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(uri, sizeof(uri));
	return res;
}

/* A remembered logon that websession_find turned into a pending one: its
 * page, remembering again after the code where the policy allows. */
static enum MHD_Result resume_page(struct request *r, const char *back)
{
	return second_step_page(r,
				r->resume.enrol
					? "This server now asks for two-step verification: set it "
					  "up to go on."
					: "Please confirm it is you with a code from your "
					  "authenticator app.",
				r->resume.token, r->resume.enrol, r->resume.user, back, 0, 1);
}

enum MHD_Result page_logon(struct request *r, const char *rest)
{
	(void)rest;
	if (r->has_session)
		return http_see_other(r, HOME);
	if (r->resume.token[0])
		return resume_page(r, "");
	if (mail_send_has_kept(r))
		return logon_page(r, MHD_HTTP_OK,
				  "Your session had ended; your message was kept in Drafts. Log on "
				  "again to go on with it.",
				  "", "");
	return logon_page(r, MHD_HTTP_OK, "", "", "");
}

enum MHD_Result page_logon_required(struct request *r)
{
	if (r->resume.token[0])
		return resume_page(r, strcmp(r->method, "POST") == 0
					      ? ""
					      : redirect_back(r->state ? r->state->uri : "", ""));
	if (strcmp(r->method, "POST") == 0)
		return http_see_other(r, "/");
	/* The address asked for, to come back to once logged on; one that
	 * could lead elsewhere is not even put in the form. */
	return logon_page(r, MHD_HTTP_OK, "", "", redirect_back(r->state ? r->state->uri : "", ""));
}

/* "name" alone: the domain is the Host header's name, or the one above it
 * (mail.example.org -> example.org), whichever is a domain here. */
static int full_address(struct request *r, const char *typed, char *out, size_t len)
{
	char host[256], norm[USER_ADDRESS_MAX];
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (strchr(typed, '@'))
		return user_address_normalize(typed, out, len, NULL);
	if (!h)
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)strcspn(h, ":"), h);
	struct server *srv = r->gen->srv;
	for (const char *d = host; d; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL) {
		int exists = 0;
		if (!strchr(d, '.'))
			break; /* never a bare top-level name */
		char candidate[USER_ADDRESS_MAX + 256];
		snprintf(candidate, sizeof(candidate), "%s@%s", typed, d);
		if (user_address_normalize(candidate, norm, sizeof(norm), NULL) < 0)
			continue;
		struct err e;
		if (privsep_domain_exists(srv->ps, address_domain(norm), &exists, &e) < 0)
			log_warnx("logon: %s", log_q(e.msg));
		if (exists)
			return snprintf(out, len, "%s", norm) < (int)len ? 0 : -1;
	}
	return -1;
}

static enum MHD_Result logon_code(struct request *r);
static enum MHD_Result logon_unreachable(struct request *r, const char *user);
static enum MHD_Result logon_enrol(struct request *r, const char *token, const char *back,
				   int expire, int remember);
static enum MHD_Result logon_finish(struct request *r, const char *canon, int expire,
				    int remember, const char *back, const char *how);

enum MHD_Result page_logon_post(struct request *r, const char *rest)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	const char *typed = form_get(r->form, "user"), *back = form_get(r->form, "back");
	const char *pre = http_cookie(r, PRE_COOKIE);
	char user[USER_ADDRESS_MAX] = "", canon[USER_ADDRESS_MAX], msg[160];
	char token[PRIVSEP_TOTP_TOKEN_LEN];
	enum privsep_auth result;
	struct err e;
	long wait = 0;
	(void)rest;

	if (!pre || !token_equal(form_get(r->form, "csrf"), pre))
		return logon_page(r, MHD_HTTP_FORBIDDEN,
				  "The logon form had expired. Please log on again.", typed, back);
	if (form_get(r->form, "totp_token")[0])
		return logon_code(r);
	/* With mail.store imap the user ID is the IMAP server's, as typed. */
	if (mailbox_is_imap(cfg) || full_address(r, typed, user, sizeof(user)) < 0)
		snprintf(user, sizeof(user), "%s", typed); /* cut at USER_ADDRESS_MAX */
	/* The parent checks the password and keeps the throttle: this process
	 * never sees a password hash. */
	const char *password = form_get(r->form, "password");
	/* Longer than any password can be: wrong, without asking the parent. */
	if (strlen(password) > PASSWORD_MAX)
		result = PRIVSEP_AUTH_WRONG;
	else if (privsep_auth(srv->ps, user, password, r->client, &result, &wait, canon,
			      sizeof(canon), token, &e) < 0) {
		log_error("logon user %s from %s: %s", log_q(user), r->client, log_q(e.msg));
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "Logons are not possible just now. Please try again in a "
				       "moment.");
	}
	if (result == PRIVSEP_AUTH_UNREACHABLE)
		return logon_unreachable(r, user);
	if (result == PRIVSEP_AUTH_WAIT) {
		log_warnx("logon refused for user %s from %s: too many failures, %ld s to wait",
			  log_q(user), r->client, wait);
		snprintf(msg, sizeof(msg), "Too many failed logons. Try again in %ld second%s.", wait,
			 wait == 1 ? "" : "s");
		return logon_page(r, MHD_HTTP_TOO_MANY_REQUESTS, msg, typed, back);
	}
	if (result != PRIVSEP_AUTH_OK && result != PRIVSEP_AUTH_TOTP &&
	    result != PRIVSEP_AUTH_ENROL) {
		/* The line share/fail2ban/webmsgd.conf matches: the address is its last
		 * field, and the quoted user ID cannot hold a '"' or end the line. */
		log_warnx("logon failed for user %s from %s", log_q(user), r->client);
		return logon_page(r, MHD_HTTP_UNAUTHORIZED, "The user ID or password is wrong.", typed,
				  back);
	}

	int expire = form_get(r->form, "expire")[0] != '\0';
	int remember = form_get(r->form, "remember")[0] && remember_offered(cfg);
	if (result == PRIVSEP_AUTH_ENROL || result == PRIVSEP_AUTH_TOTP) {
		log_info("logon user %s from %s: password right, %s", log_q(canon), r->client,
			 result == PRIVSEP_AUTH_ENROL ? "setting up the second factor"
						      : "asking for the second factor");
		return second_step_page(r, "", token, result == PRIVSEP_AUTH_ENROL, canon, back,
					expire, remember);
	}
	return logon_finish(r, canon, expire, remember ? WEBSESSION_REMEMBER : WEBSESSION_FORGET,
			    back, "");
}

/* mail.store imap and the IMAP server down or silent (the parent waited
 * mail.imap_timeout at most): nothing was decided about the password. */
static enum MHD_Result logon_unreachable(struct request *r, const char *user)
{
	log_warnx("logon user %s from %s: the mail server is not reachable", log_q(user),
		  r->client);
	return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
			       "The mail server is not reachable. Please try again in a minute.");
}

/* The second page's answer: the code checked by the parent against the
 * pending logon. */
static enum MHD_Result logon_code(struct request *r)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	const char *token = form_get(r->form, "totp_token"), *back = form_get(r->form, "back");
	int expire = form_get(r->form, "expire")[0] != '\0';
	/* A remembered logon skips the code later only where the policy says so. */
	int remember = form_get(r->form, "remember")[0] && config_bool(cfg, SET_LOGIN_REMEMBER_ME);
	char user[USER_ADDRESS_MAX], msg[160];
	enum privsep_auth result;
	struct err e;
	long wait = 0;
	if (form_get(r->form, "enrol")[0])
		return logon_enrol(r, token, back, expire, remember);
	const char *code = form_get(r->form, "code");
	user[0] = '\0';
	/* Longer than any token or code: expired, or wrong, without asking. */
	if (strlen(token) >= PRIVSEP_TOTP_TOKEN_LEN)
		result = PRIVSEP_AUTH_EXPIRED;
	else if (strlen(code) >= PRIVSEP_TOTP_CODE_MAX)
		result = PRIVSEP_AUTH_WRONG;
	else if (privsep_totp_logon(srv->ps, token, code, r->client, &result, &wait, user,
				    sizeof(user), &e) < 0) {
		log_error("logon code from %s: %s", r->client, log_q(e.msg));
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "Logons are not possible just now. Please try again in a "
				       "moment.");
	}
	switch (result) {
	case PRIVSEP_AUTH_OK:
		break;
	case PRIVSEP_AUTH_WAIT:
		log_warnx("logon code refused from %s: too many failures, %ld s to wait", r->client,
			  wait);
		snprintf(msg, sizeof(msg), "Too many wrong codes. Try again in %ld second%s.", wait,
			 wait == 1 ? "" : "s");
		return code_page(r, MHD_HTTP_TOO_MANY_REQUESTS, msg, token, back, expire, remember);
	case PRIVSEP_AUTH_WRONG:
		/* fail2ban's line: a wrong code is a failed logon. */
		log_warnx("logon failed for user %s from %s", log_q(user), r->client);
		return code_page(r, MHD_HTTP_UNAUTHORIZED,
				 "That code is not right, or was used already. Type the current "
				 "code from your authenticator app, or a recovery code.",
				 token, back, expire, remember);
	default:
		return logon_page(r, MHD_HTTP_UNAUTHORIZED,
				  "The logon took too long. Please log on again.", "", back);
	}
	return logon_finish(r, user, expire,
			    remember && config_bool(cfg, SET_LOGIN_REMEMBER_TOTP)
				    ? WEBSESSION_REMEMBER_TOTP
				    : WEBSESSION_FORGET,
			    back, ", second factor");
}

/* The set-up page's answer (login.totp required): a right code turns TOTP
 * on, ends the pending logon and begins the session; the recovery codes are
 * shown once, with the way on. */
static enum MHD_Result logon_enrol(struct request *r, const char *token, const char *back,
				   int expire, int remember)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	char who[256], user[USER_ADDRESS_MAX], msg[160];
	char codes[TOTP_RECOVERY_COUNT * TOTP_RECOVERY_LEN + 1];
	const char *secret = b32_or_null(form_get(r->form, "secret"));
	char account[USER_ADDRESS_MAX];
	struct err e;
	/* Only the QR code's label: the parent knows whose logon this is. */
	snprintf(account, sizeof(account), "%s", form_get(r->form, "account"));
	long wait = 0;
	pending_who(r, token, who, sizeof(who));
	int rc = privsep_totp_confirm(srv->ps, who, r->https, form_get(r->form, "code"), r->client,
				      &wait, codes, sizeof(codes), user, sizeof(user), &e);
	if (rc == PRIVSEP_TOTP_WRONG) {
		/* fail2ban's line, with the pending logon's user (the parent's word). */
		log_warnx("logon failed for user %s from %s", log_q(user), r->client);
		return enrol_page(r, MHD_HTTP_UNAUTHORIZED,
				  "That code is not right. Type the code your app shows now.", token,
				  back, expire, remember, secret, account);
	}
	if (rc == PRIVSEP_TOTP_WAIT) {
		snprintf(msg, sizeof(msg), "Too many wrong codes. Try again in %ld second%s.", wait,
			 wait == 1 ? "" : "s");
		return enrol_page(r, MHD_HTTP_TOO_MANY_REQUESTS, msg, token, back, expire, remember,
				  secret, account);
	}
	if (rc != PRIVSEP_TOTP_OK)
		return logon_page(r, MHD_HTTP_UNAUTHORIZED,
				  "The logon took too long. Please log on again.", "", back);
	log_info("user %s turned on two-step verification from %s", log_q(user), r->client);
	int begun = websession_begin(r, user, expire,
				     remember && config_bool(cfg, SET_LOGIN_REMEMBER_TOTP)
					     ? WEBSESSION_REMEMBER_TOTP
					     : WEBSESSION_FORGET);
	if (begun != 0) {
		explicit_bzero(codes, sizeof(codes));
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       websession_refusal(r->gen->srv->sessions));
	}
	log_info("logon user %s from %s, second factor set up", log_q(user), r->client);
	struct buf list;
	buf_init(&list, 4096);
	for (const char *p = codes; *p;) {
		size_t n = strcspn(p, " ");
		char one[TOTP_RECOVERY_LEN];
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		buf_puts(&list, "<li><code>");
		html_escape(&list, one);
		buf_puts(&list, "</code></li>");
		p += n + (p[n] == ' ');
	}
	const struct tvar vars[] = {
		{ "codes", list.data ? list.data : "" },
		{ "next", redirect_back(back, HOME) },
		{ "message", "" },  { "csrf_pre", "" }, { "token", "" },   { "back", "" },
		{ "expire", "" },   { "remember", "" }, { "enrol", "" },   { "secret", "" },
		{ "account", "" },  { "qr", "" },
	};
	enum MHD_Result res = http_send_framed(r, MHD_HTTP_OK, TPL_LOGON_TOTP, vars,
					       sizeof(vars) / sizeof(vars[0]),
					       "Two-step verification is on");
	explicit_bzero(codes, sizeof(codes));
	if (list.data)
		explicit_bzero(list.data, list.len);
	buf_free(&list);
	return res;
}

/* A session for user, who has passed every factor asked for. */
static enum MHD_Result logon_finish(struct request *r, const char *canon, int expire,
				    int remember, const char *back, const char *how)
{
	char user[USER_ADDRESS_MAX];
	snprintf(user, sizeof(user), "%s", canon);
	int rc = websession_begin(r, user, expire, remember);
	if (rc == SESSION_FULL) {
		log_warnx("logon refused for user %s from %s: session.max_sessions are open",
			  log_q(user), r->client);
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "Too many people are logged on just now. Please try again "
				       "later.");
	}
	if (rc < 0)
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       websession_refusal(r->gen->srv->sessions));
	log_info("logon user %s from %s%s%s%s", log_q(user), r->client, how,
		 r->sess.expire_pages ? ", expire page views" : "", remember ? ", remembered" : "");
	/* A message kept when the last session ended: back to it. */
	char kept[MAIL_ID_MAX];
	if (mail_send_take_kept(r, kept, sizeof(kept))) {
		struct buf url;
		buf_init(&url, 4 * MAIL_ID_MAX);
		buf_puts(&url, "/mail/compose?mode=draft&id=");
		http_url_encode(&url, kept, NULL);
		enum MHD_Result res = http_see_other(r, url.data);
		buf_free(&url);
		return res;
	}
	/* Where to go after logon: a page of this server, else the mailbox. */
	return http_see_other(r, redirect_back(back, HOME));
}
