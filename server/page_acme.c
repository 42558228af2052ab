/* page_acme.c - the answer to an ACME CA's http-01 challenge:
 * GET /.well-known/acme-challenge/TOKEN gives the key authorization that
 * webmsg-admin ssl acme put in the challenge folder, as text/plain. Served
 * on plain HTTP even with Force SSL (routes_never_redirected). */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "pages.h"
#include "server.h"
#include "webmsg/acme.h"
#include "webmsg/err.h"

enum MHD_Result page_acme_challenge(struct request *r, const char *token)
{
	char dir[PATH_MAX], keyauth[ACME_KEYAUTH_MAX + 2];
	struct err e;
	char *body;
	/* The token names a file: nothing but base64url gets that far. */
	if (!acme_token_ok(token) || acme_challenge_dir(r->gen->cfg, dir, sizeof(dir), &e) < 0 ||
	    acme_challenge_read(dir, token, keyauth, sizeof(keyauth)) < 0)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no challenge at this address.");
	body = strdup(keyauth);
	if (!body)
		return MHD_NO;
	return http_send_bytes(r, MHD_HTTP_OK, "text/plain", body, strlen(body), NULL);
}
