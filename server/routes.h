/* routes.h - what http.c asks the route table: at the headers, which page
 * answers and what body it takes; once the body is in, the page itself. */
#ifndef WEBMSGD_ROUTES_H
#define WEBMSGD_ROUTES_H

#include <microhttpd.h>

#include "form.h"

struct request;

/* At the headers, before any of the body is read: finds the route and the
 * session. Returns 1 with *answer when the request ends here (not found, wrong
 * method, the logon page for a request that needs a session); 0 to go on. */
int routes_begin(struct request *r, enum MHD_Result *answer);
/* What a POST to the route found may send; file_max and text_max 0: no body
 * taken. spool and csrf are left to the caller. */
void routes_body_limits(const struct request *r, struct form_limits *lim);
/* 1 when the route found takes a body. */
int routes_body_takes(const struct request *r);
/* 1 when the route checks the session's CSRF token. */
int routes_needs_csrf(const struct request *r);
/* 1 for a path that Force SSL leaves on plain HTTP: the ACME challenges. */
int routes_never_redirected(const char *url);
/* Once the body is in: the CSRF check, then the page. */
enum MHD_Result routes_dispatch(struct request *r);

#endif
