/* page_static.c - style sheets and images from share/static, held in memory. */
#include "http.h"
#include "pages.h"
#include "server.h"

enum MHD_Result page_static(struct request *r, const char *rest)
{
	const struct static_file *f = site_static(r->gen->site, rest);
	if (!f)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no file at this address.");
	return http_send_static(r, f);
}
