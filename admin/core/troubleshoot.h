/* troubleshoot.h - the troubleshooting checks: SSL, the service and the
 * configuration, each OK / WARN / FAIL with what to do about it. `check`
 * prints them; the console's Troubleshoot screen shows them. */
#ifndef WEBMSG_ADMIN_CORE_TROUBLESHOOT_H
#define WEBMSG_ADMIN_CORE_TROUBLESHOOT_H

#include <stddef.h>

struct config_snapshot;
struct db;
struct err;
struct tls_probe_result;

enum check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL, CHECK_SKIP };

struct check_result {
	enum check_level level;
	char text[1024];
	char hint[512]; /* what to do; "" when there is nothing to do */
};

/* "OK", "WARN", "FAIL", "-". */
const char *troubleshoot_level_label(enum check_level level);

/* Runs every check in order and hands each result to fn. Fails only when
 * what the checks read cannot be read. */
int troubleshoot_run(struct db *db, void (*fn)(const struct check_result *r, void *arg), void *arg,
	       struct err *e);

/* Connects to the HTTPS port as a browser would: host gets the address
 * tried (the bind address, or loopback when it binds to all), *port the port. */
int troubleshoot_probe_https(const struct config_snapshot *cfg, struct tls_probe_result *r,
		       char *host, size_t hostlen, int *port, struct err *e);

#endif
