/* page_mode.c - "Enter Secure Mode" and "Return to regular mode": the same
 * page on the other listener, the user still logged on. The session crosses
 * over by a one-time token in the address (never its id); its id changes on
 * the way, and a session that went secure is never taken over plain HTTP, so
 * going back makes a new one. Cookies differ by scheme (http.c), so the two
 * modes never overwrite each other's. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/log.h"

/* The page to come back to: a path on this server. */
static const char *safe_back(const char *back)
{
	if (back[0] != '/' || back[1] == '/' || back[1] == '\\' || strpbrk(back, "\r\n") ||
	    strncmp(back, "/mode/", 6) == 0)
		return "/";
	return back;
}

/* Sends the browser to `step` on the other listener, with a token for the session. */
static enum MHD_Result cross(struct request *r, int to_https, const char *step)
{
	char base[400], token[SESSION_ID_LEN], location[8800];
	const char *back = safe_back(http_arg(r, "back"));
	if (http_base(r, to_https, base, sizeof(base)) < 0)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "The address is too long.");
	if (!r->has_session) {
		snprintf(location, sizeof(location), "%s%s", base, back);
		return http_redirect(r, location);
	}
	if (session_transfer_new(r->gen->srv->sessions, r->sess.id, token, sizeof(token)) < 0)
		return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again.");
	struct buf loc;
	buf_init(&loc, sizeof(location));
	buf_printf(&loc, "%s/mode/%s?t=%s&back=", base, step, token);
	http_url_encode(&loc, back, "/");
	enum MHD_Result rc = loc.failed ? http_send_error(r, MHD_HTTP_BAD_REQUEST,
							  "The address is too long.")
					: http_redirect(r, loc.data);
	buf_free(&loc);
	return rc;
}

/* Arriving on the other listener: the token, once, for the session. */
static enum MHD_Result arrive(struct request *r, int secure)
{
	struct server *srv = r->gen->srv;
	struct session s;
	const char *back = safe_back(http_arg(r, "back"));
	if (session_transfer_take(srv->sessions, http_arg(r, "t"), &s) < 0)
		return http_see_other(r, back);
	if (secure) {
		if (session_rotate(srv->sessions, s.id, 1, &r->sess) < 0)
			return http_see_other(r, "/");
	} else {
		/* The secure session stays secure: regular mode gets a session of its own. */
		session_destroy(srv->sessions, s.id);
		if (session_create(srv->sessions, s.user, s.expire_pages, 0, &r->sess) < 0)
			return http_see_other(r, "/");
	}
	r->has_session = 1;
	http_add_cookie(r, "webmsg_session", r->sess.id, -1);
	log_info("user %s from %s entered %s mode", log_q(r->sess.user), r->client,
		 secure ? "secure" : "regular");
	/* Not a redirect: the chain began on the other scheme, which browsers
	 * count as another site, so a SameSite=Strict cookie would not go along.
	 * A page of this origin that moves on is a navigation from this site. */
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
	return http_see_other(r, safe_back(http_arg(r, "back")));
}
