/* session_store.c - which session store a program uses: the one place that
 * reads session.store, so the daemon and every admin door meet the same
 * sessions, remembered logons and throttle counts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"

int session_store_is_redis(const struct config_snapshot *cfg)
{
	return cfg && strcmp(config_str(cfg, SET_SESSION_STORE), "redis") == 0;
}

int session_store_open(const struct config_snapshot *cfg, const char *dbpath,
		       struct session_store **out, struct err *e)
{
	*out = NULL;
	if (session_store_is_redis(cfg)) {
		const char *url = config_str(cfg, SET_SESSION_REDIS);
		if (!url[0])
			return err_set(e, "session.store is redis but session.redis is empty "
					  "(redis://host:port/db or unix:/path)");
		return session_store_redis_open(url, config_str(cfg, SET_SESSION_REDIS_PASSWORD),
						out, e);
	}
	char path[4096];
	if (session_store_default_path(dbpath, path, sizeof(path), e) < 0)
		return -1;
	return session_store_sqlite_open(path, out, e);
}

int session_store_ping(struct session_store *st, struct err *e)
{
	char value[8];
	/* Any read goes through the whole path: connection, AUTH, the file. */
	return session_store_kv_get(st, "ping", value, sizeof(value), e) < 0 ? -1 : 0;
}

int session_store_probe(const struct config_snapshot *cfg, const char *dbpath, char *where,
			size_t len, struct err *e)
{
	struct session_store *st;
	char path[4096];
	if (session_store_is_redis(cfg)) {
		struct session_store_redis_address a;
		const char *url = config_str(cfg, SET_SESSION_REDIS);
		snprintf(where, len, "Redis at %s", url[0] ? url : "(session.redis is empty)");
		if (!url[0] || session_store_redis_parse(url, &a, e) < 0)
			return url[0] ? -1 : err_set(e, "session.store is redis but session.redis "
							"is empty");
	} else {
		if (session_store_default_path(dbpath, path, sizeof(path), e) < 0)
			return -1;
		snprintf(where, len, "%s", path);
		/* Looked at, never made: the daemon makes it at its first start. */
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return 0;
	}
	if (session_store_open(cfg, dbpath, &st, e) < 0)
		return -1;
	int rc = session_store_ping(st, e);
	session_store_close(&st);
	return rc;
}
