/* incident.c - what went wrong on the server, logged under an id that the
 * user's error page shows instead of the details. */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include <openssl/rand.h>

#include "http.h"
#include "incident.h"
#include "server.h"
#include "webmsg/log.h"

const char *incident_log(struct request *r, const char *what, const char *detail,
			 char id[INCIDENT_ID_LEN])
{
	unsigned char bytes[(INCIDENT_ID_LEN - 1) / 2];
	/* Not a secret, only a name for one failure: when the generator
	 * fails, the time and a counter still tell incidents apart. */
	if (RAND_bytes(bytes, (int)sizeof(bytes)) != 1) {
		static atomic_ulong counter;
		unsigned long long t = (unsigned long long)time(NULL) << 16 |
				       (atomic_fetch_add(&counter, 1) & 0xffff);
		for (size_t i = 0; i < sizeof(bytes); i++)
			bytes[i] = (unsigned char)(t >> (8 * i));
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(id + 2 * i, 3, "%02x", bytes[i]);
	log_error("incident %s: %s (%s %s for %s): %s", id, what, log_q(r->method), log_q(r->url),
		  r->has_session ? log_q(r->sess.user) : "nobody", log_q(detail));
	return id;
}
