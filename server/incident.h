/* incident.h - an id that ties the short reason a user is shown to the log
 * line with the details (paths, SQLite messages, relay addresses). */
#ifndef WEBMSGD_INCIDENT_H
#define WEBMSGD_INCIDENT_H

#include <stddef.h>

struct request;

#define INCIDENT_ID_LEN 13 /* 12 hex digits and the NUL */

/* Logs "incident ID: what (METHOD URL for USER): detail" and returns id,
 * filled with the new incident's id, for the page to show. */
const char *incident_log(struct request *r, const char *what, const char *detail,
			 char id[INCIDENT_ID_LEN]);

#endif
