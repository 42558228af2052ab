/* page_logon.c - the logon page: user ID, password and the two logon options. */
#include "http.h"
#include "server.h"
#include "webmsg/config.h"

enum MHD_Result page_logon(struct request *r, const char *rest)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	char host[256];
	struct client_identity id = { 0 };
	(void)rest;
	config_hostname(cfg, host, sizeof(host));
	if (r->https && r->gen->tls.client_auth != CLIENT_AUTH_NONE)
		tls_client_identity(r->conn, &id);
	const struct tvar vars[] = {
		{ "hostname", host },
		{ "remember_allowed", config_bool(cfg, SET_LOGIN_REMEMBER_ME) ? "1" : "" },
		{ "expire_default", config_bool(cfg, SET_LOGIN_EXPIRE_PAGES_DEFAULT) ? "1" : "" },
		{ "secure", r->https ? "1" : "" },
		{ "client_subject", id.verified ? id.subject : "" },
		{ "client_email", id.verified ? id.email : "" },
	};
	return http_send_page(r, MHD_HTTP_OK, TPL_LOGON, vars, sizeof(vars) / sizeof(vars[0]));
}
