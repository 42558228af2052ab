/* session_store_remote.c - the session store as a worker sees it: every
 * operation is a request to the parent, which runs the real back-end. The
 * limits a caller passes are not sent: the parent applies its own. */
#include <stdlib.h>
#include <string.h>

#include "privsep.h"
#include "webmsg/err.h"

struct remote_store {
	struct session_store base;
	struct privsep_client *client; /* borrowed */
};

struct call {
	unsigned char qbuf[PRIVSEP_MSG_MAX], abuf[PRIVSEP_MSG_MAX];
	struct privsep_msg q, a;
};

static struct privsep_client *client_of(struct session_store *st)
{
	return ((struct remote_store *)st)->client;
}

static struct call *call_new(enum privsep_type type, struct err *e)
{
	struct call *c = malloc(sizeof(*c));
	if (!c) {
		err_set(e, "out of memory");
		return NULL;
	}
	privsep_msg_init(&c->q, c->qbuf, sizeof(c->qbuf), type);
	privsep_msg_init(&c->a, c->abuf, sizeof(c->abuf), 0);
	return c;
}

/* Sends the request and reads the store's return code: what the operation
 * returned in the parent, its message when -1. */
static int call_run(struct session_store *st, struct call *c, struct err *e)
{
	long long rc;
	char msg[sizeof(e->msg)];
	if (privsep_call(client_of(st), &c->q, &c->a, e) < 0)
		return -1;
	if (privsep_get_long(&c->a, &rc) < 0 || privsep_get_str(&c->a, msg, sizeof(msg)) < 0 ||
	    (rc != 0 && rc != SESSION_STORE_NONE && rc != SESSION_FULL && rc != -1))
		return err_set(e, "the parent process's answer was malformed");
	if (rc == -1)
		return err_set(e, "%s", msg);
	return (int)rc;
}

static void call_free(struct call *c)
{
	if (!c)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static int malformed(struct err *e)
{
	return err_set(e, "the parent process's answer was malformed");
}

/* An operation that answers a session: rc, then the session when 0. */
static int session_answer(struct session_store *st, struct call *c, struct session *out,
			  struct err *e)
{
	int rc = call_run(st, c, e);
	if (rc == 0 && privsep_get_session(&c->a, out) < 0)
		rc = malformed(e);
	call_free(c);
	return rc;
}

static int r_create(struct session_store *st, const char *user, const char *stamp,
		    int expire_pages, int secure, const struct session_limits *lim,
		    struct session *out, struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_CREATE, e);
	(void)lim;
	if (!c)
		return -1;
	privsep_put_str(&c->q, user);
	privsep_put_str(&c->q, stamp);
	privsep_put_long(&c->q, expire_pages);
	privsep_put_long(&c->q, secure);
	return session_answer(st, c, out, e);
}

static int r_find(struct session_store *st, const char *id, int https,
		  const struct session_limits *lim, struct session *out, struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_FIND, e);
	(void)lim;
	if (!c)
		return -1;
	privsep_put_str(&c->q, id);
	privsep_put_long(&c->q, https);
	return session_answer(st, c, out, e);
}

static int r_rotate(struct session_store *st, const char *key, int secure, struct session *out,
		    struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_ROTATE, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	privsep_put_long(&c->q, secure);
	return session_answer(st, c, out, e);
}

/* An operation that answers nothing but its code. */
static int plain(struct session_store *st, struct call *c, struct err *e)
{
	int rc = call_run(st, c, e);
	call_free(c);
	return rc;
}

static int r_destroy(struct session_store *st, const char *key, struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_DESTROY, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	return plain(st, c, e);
}

static int r_ended(struct session_store *st, const char *id, struct session *out,
		   struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_ENDED, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, id);
	return session_answer(st, c, out, e);
}

/* An operation that answers a number after its code. */
static int numeric(struct session_store *st, struct call *c, long long *v, struct err *e)
{
	long long x = 0;
	int rc = call_run(st, c, e);
	if (rc == 0 && privsep_get_long(&c->a, &x) < 0)
		rc = malformed(e);
	if (rc == 0 && v)
		*v = x;
	call_free(c);
	return rc;
}

static int r_destroy_user(struct session_store *st, const char *user, long *count,
			  struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_DESTROY_USER, e);
	long long n = 0;
	if (!c)
		return -1;
	privsep_put_str(&c->q, user);
	int rc = numeric(st, c, &n, e);
	if (rc == 0 && count)
		*count = (long)n;
	return rc;
}

static int r_count(struct session_store *st, const struct session_limits *lim, long *n,
		   struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_COUNT, e);
	long long v = 0;
	(void)lim;
	if (!c)
		return -1;
	int rc = numeric(st, c, &v, e);
	if (rc == 0)
		*n = (long)v;
	return rc;
}

static int r_transfer_new(struct session_store *st, const char *key, char *token, size_t len,
			  struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_TRANSFER_NEW, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	int rc = call_run(st, c, e);
	if (rc == 0 && privsep_get_str(&c->a, token, len) < 0)
		rc = malformed(e);
	call_free(c);
	return rc;
}

static int r_transfer_take(struct session_store *st, const char *token,
			   const struct session_limits *lim, struct session *out, struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_TRANSFER_TAKE, e);
	(void)lim;
	if (!c)
		return -1;
	privsep_put_str(&c->q, token);
	return session_answer(st, c, out, e);
}

static int r_sweep(struct session_store *st, const struct session_limits *lim, struct err *e)
{
	struct call *c = call_new(PRIVSEP_SS_SWEEP, e);
	(void)lim;
	if (!c)
		return -1;
	return plain(st, c, e);
}

static int r_kv_set(struct session_store *st, const char *key, const char *value, long ttl,
		    struct err *e)
{
	struct call *c = call_new(PRIVSEP_KV_SET, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	privsep_put_str(&c->q, value);
	privsep_put_long(&c->q, ttl);
	return plain(st, c, e);
}

static int r_kv_get(struct session_store *st, const char *key, char *value, size_t len,
		    struct err *e)
{
	struct call *c = call_new(PRIVSEP_KV_GET, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	privsep_put_long(&c->q, (long long)len);
	int rc = call_run(st, c, e);
	if (rc == 0 && privsep_get_str(&c->a, value, len) < 0)
		rc = err_set(e, "a stored value does not fit");
	call_free(c);
	return rc;
}

static int r_kv_del(struct session_store *st, const char *key, long *deleted, struct err *e)
{
	struct call *c = call_new(PRIVSEP_KV_DEL, e);
	long long n = 0;
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	int rc = numeric(st, c, &n, e);
	if (rc == 0 && deleted)
		*deleted = (long)n;
	return rc;
}

static int r_kv_incr(struct session_store *st, const char *key, long ttl, long long *value,
		     struct err *e)
{
	struct call *c = call_new(PRIVSEP_KV_INCR, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	privsep_put_long(&c->q, ttl);
	return numeric(st, c, value, e);
}

static int r_kv_expire(struct session_store *st, const char *key, long ttl, struct err *e)
{
	struct call *c = call_new(PRIVSEP_KV_EXPIRE, e);
	if (!c)
		return -1;
	privsep_put_str(&c->q, key);
	privsep_put_long(&c->q, ttl);
	return plain(st, c, e);
}

static void r_close(struct session_store *st)
{
	free(st);
}

static const struct session_store_ops remote_ops = {
	.name = "remote",
	.create = r_create,
	.find = r_find,
	.rotate = r_rotate,
	.destroy = r_destroy,
	.ended = r_ended,
	.destroy_user = r_destroy_user,
	.count = r_count,
	.transfer_new = r_transfer_new,
	.transfer_take = r_transfer_take,
	.sweep = r_sweep,
	.kv_set = r_kv_set,
	.kv_get = r_kv_get,
	.kv_del = r_kv_del,
	.kv_incr = r_kv_incr,
	.kv_expire = r_kv_expire,
	.close = r_close,
};

int session_store_remote_open(struct privsep_client *client, struct session_store **out,
			      struct err *e)
{
	struct remote_store *rs = calloc(1, sizeof(*rs));
	*out = NULL;
	if (!rs)
		return err_set(e, "out of memory");
	rs->base.ops = &remote_ops;
	rs->client = client;
	*out = &rs->base;
	return 0;
}
