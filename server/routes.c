/* routes.c - which page answers which path, and with which methods. */
#include <string.h>

#include "http.h"

enum { M_GET = 1, M_HEAD = 2, M_POST = 4 };

static const struct route {
	const char *path;
	int prefix; /* the path is a folder: the rest goes to the handler */
	unsigned methods;
	route_fn fn;
} routes[] = {
	{ "/", 0, M_GET | M_HEAD, page_logon },
	{ "/logon", 0, M_GET | M_HEAD, page_logon },
	{ "/static/", 1, M_GET | M_HEAD, page_static },
};

static const struct {
	const char *name;
	unsigned bit;
} methods[] = { { "GET", M_GET }, { "HEAD", M_HEAD }, { "POST", M_POST } };

static unsigned method_bit(const char *method)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(method, methods[i].name) == 0)
			return methods[i].bit;
	return 0;
}

enum MHD_Result routes_dispatch(struct request *r)
{
	unsigned bit = method_bit(r->method);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		size_t len = strlen(rt->path);
		if (rt->prefix ? strncmp(r->url, rt->path, len) != 0 : strcmp(r->url, rt->path) != 0)
			continue;
		if (!(rt->methods & bit))
			return http_send_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
					       "This address does not take that kind of request.");
		return rt->fn(r, r->url + len);
	}
	return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no page at this address.");
}
