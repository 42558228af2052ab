/* page_logoff.c - logging off: the session ends, a remembered logon is
 * forgotten, and the browser is asked to drop its cookies and cached pages. */
#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "websession.h"
#include "webmsg/log.h"

enum MHD_Result page_logoff(struct request *r, const char *rest)
{
	(void)rest;
	log_info("logoff user %s from %s", log_q(r->sess.user), r->client);
	mailbox_logoff(r);
	websession_end(r);
	r->clear_cache = 1;
	return http_see_other(r, "/");
}
