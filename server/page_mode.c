/* page_mode.c - "Enter Secure Mode" and "Return to regular mode": the same
 * page on the other listener, the user still logged on.
 *
 * The switch, in two requests:
 * 1. /mode/secure (over HTTP) or /mode/regular (over HTTPS), with the
 *    session: a one-time transfer token for it (256 random bits, never the
 *    session id, good for a few seconds: websession.c) goes to this browser in
 *    the cookie "webmsg_switch", and nowhere else; the answer sends the
 *    browser to /mode/enter or /mode/leave on the other listener with only
 *    the page to come back to in the address.
 * 2. /mode/enter or /mode/leave takes the token from that cookie, once, and
 *    gives the browser the session there: over HTTPS the same session under
 *    a new id, marked secure; over HTTP a new session of its own, because a
 *    session that went secure is never taken over plain HTTP. The answer is a
 *    page of that origin that moves on to the page by meta refresh: the chain
 *    began on the other scheme, which browsers count as another site, so the
 *    SameSite=Strict session cookie would not go along on a redirect; from a
 *    page of this origin it does.
 *
 * Why the token is in a cookie: so that only the browser that asked can use
 * it. When it travelled in the address, an attacker could switch his own
 * session, keep the link and have a victim open it: the victim's browser then
 * held the attacker's session and what the victim wrote went into the
 * attacker's account (login CSRF). The link now carries nothing worth
 * keeping, and a page of another site cannot put a cookie into the victim's
 * browser for this host. A second value in the address checked against the
 * cookie would add nothing but a place to leak.
 *
 * Why the cookie reaches the other listener: cookies are scoped by host, not
 * by scheme or port (RFC 6265, 8.5), so one without Secure and without the
 * __Host- prefix, set by either listener, is sent to the other; SameSite=Lax,
 * since the step between schemes is a top-level navigation from another site
 * (schemeful same-site), which carries Lax cookies and not Strict ones. It is
 * HttpOnly, for /mode/ only, lives as long as a token, and is deleted on
 * arrival whatever the outcome. Checked in Chromium, both directions.
 *
 * Arrival is also refused when the browser holds a live session of another
 * user on the target listener: a switch never swaps who is logged on there.
 *
 * What this cannot stop: whoever can write this host's cookies can plant his
 * own token, as he could plant a session: an active attacker on plain HTTP,
 * or a host beside this one under the same domain setting a Domain cookie.
 * Plain HTTP gives such an attacker more than that anyway; Force SSL and HSTS
 * are the answer there. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "pages.h"
#include "redirect.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/log.h"

#define SWITCH_COOKIE "webmsg_switch"
/* Longer than a transfer token lives: the cookie never ends first. */
#define SWITCH_COOKIE_SECONDS (2 * SESSION_TRANSFER_SECONDS)

/* The page to come back to: a page of this server, never the switch itself. */
static const char *back_arg(struct request *r)
{
	return redirect_back(http_arg(r, "back"), "/");
}

/* Sets or deletes the token cookie. Not http_add_cookie: that one makes every
 * cookie of HTTPS Secure and "__Host-", which plain HTTP never sees, and this
 * one must reach the other listener (see the top of this file). */
static int switch_cookie(struct request *r, const char *token, long max_age)
{
	if (r->ncookies == HTTP_MAX_COOKIES)
		return -1;
	int n = snprintf(r->set_cookies[r->ncookies], sizeof(r->set_cookies[0]),
			 SWITCH_COOKIE "=%s; Path=/mode/; Max-Age=%ld; HttpOnly; SameSite=Lax", token,
			 max_age);
	if (n < 0 || (size_t)n >= sizeof(r->set_cookies[0]))
		return -1;
	r->ncookies++;
	return 0;
}

/* Sends the browser to `step` on the other listener, with a token for the
 * session in the cookie. */
static enum MHD_Result cross(struct request *r, int to_https, const char *step)
{
	char base[400], token[SESSION_ID_LEN];
	const char *back = back_arg(r);
	struct buf loc;
	if (http_base(r, to_https, base, sizeof(base)) < 0)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "The address is too long.");
	buf_init(&loc, sizeof(base) + 3 * REDIRECT_TARGET_MAX + 64);
	if (!r->has_session) {
		buf_printf(&loc, "%s%s", base, back);
	} else {
		if (websession_switch_out(r, token, sizeof(token)) < 0 ||
		    switch_cookie(r, token, SWITCH_COOKIE_SECONDS) < 0) {
			explicit_bzero(token, sizeof(token));
			buf_free(&loc);
			return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again.");
		}
		explicit_bzero(token, sizeof(token));
		buf_printf(&loc, "%s/mode/%s?back=", base, step);
		http_url_encode(&loc, back, "/");
	}
	enum MHD_Result rc = loc.failed ? http_send_error(r, MHD_HTTP_BAD_REQUEST,
							  "The address is too long.")
					: http_redirect(r, loc.data);
	buf_free(&loc);
	return rc;
}

/* Arriving on the other listener: this browser's token, once, for the session. */
static enum MHD_Result arrive(struct request *r, int secure)
{
	struct session s;
	const char *back = back_arg(r);
	/* The plain name on both listeners: the cookie is shared (see the top). */
	const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SWITCH_COOKIE);
	int taken = token && websession_switch_take(r, token, &s) == 0;
	switch_cookie(r, "", 0); /* used up, whatever comes next */
	if (!taken) {
		/* Not this browser's switch (a link from somewhere else), or too
		 * late: the page as this browser may see it, nobody logged on. */
		if (token || http_arg(r, "t")[0])
			log_warnx("mode switch from %s refused: no valid transfer token from this browser",
				  r->client);
		return http_see_other(r, back);
	}
	if (r->has_session && strcmp(r->sess.user, s.user) != 0) {
		log_warnx("mode switch for user %s from %s refused: logged on there as another user",
			  log_q(s.user), r->client);
		explicit_bzero(&s, sizeof(s));
		return http_send_error(r, MHD_HTTP_CONFLICT,
				       "This browser is logged on here as another user. Log off here "
				       "first, then switch again.");
	}
	int rc = websession_switch_in(r, &s, secure);
	explicit_bzero(&s, sizeof(s));
	if (rc < 0)
		return http_see_other(r, "/");
	log_info("user %s from %s entered %s mode", log_q(r->sess.user), r->client,
		 secure ? "secure" : "regular");
	/* Not a redirect: see the top of this file. */
	const struct tvar vars[] = { { "url", back },
				     { "mode", secure ? "Secure mode" : "Regular mode" } };
	return http_send_page(r, MHD_HTTP_OK, TPL_SWITCH, vars, 2);
}

enum MHD_Result page_mode(struct request *r, const char *rest)
{
	int ssl = r->gen->daemons[LISTENER_HTTPS] != NULL;
	if (!ssl)
		return http_send_error(r, MHD_HTTP_NOT_FOUND,
				       "Secure mode is not available: SSL is not enabled here.");
	if (strcmp(rest, "secure") == 0 && !r->https)
		return cross(r, 1, "enter");
	if (strcmp(rest, "enter") == 0 && r->https)
		return arrive(r, 1);
	if (strcmp(rest, "regular") == 0 && r->https) {
		if (config_bool(r->gen->cfg, SET_SSL_FORCE))
			return http_send_error(r, MHD_HTTP_FORBIDDEN,
					       "Regular mode is switched off here: every page is "
					       "served securely.");
		return cross(r, 0, "leave");
	}
	if (strcmp(rest, "leave") == 0 && !r->https)
		return arrive(r, 0);
	return http_see_other(r, back_arg(r));
}
