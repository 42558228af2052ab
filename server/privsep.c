/* privsep.c - framing of the messages between worker and parent, the worker's
 * pool of request channels, and the requests the pages make of the parent. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "account.h"
#include "privsep.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/password.h"
#include "webmsg/users.h"

/* ---- Messages ---- */

void privsep_msg_init(struct privsep_msg *m, void *buf, size_t cap, uint32_t type)
{
	memset(m, 0, sizeof(*m));
	m->data = buf;
	m->cap = cap;
	privsep_put_long(m, type);
}

uint32_t privsep_msg_type(const struct privsep_msg *m)
{
	struct privsep_msg copy = *m;
	long long t;
	copy.pos = 0;
	copy.bad = 0;
	if (privsep_get_long(&copy, &t) < 0 || t < 0 || t > UINT32_MAX)
		return 0;
	return (uint32_t)t;
}

void privsep_put_bytes(struct privsep_msg *m, const void *p, size_t len)
{
	uint32_t n = (uint32_t)len;
	if (m->bad || len > UINT32_MAX || m->cap - m->len < sizeof(n) + len) {
		m->bad = 1;
		return;
	}
	memcpy(m->data + m->len, &n, sizeof(n));
	if (len)
		memcpy(m->data + m->len + sizeof(n), p, len);
	m->len += sizeof(n) + len;
}

void privsep_put_str(struct privsep_msg *m, const char *s)
{
	privsep_put_bytes(m, s ? s : "", s ? strlen(s) : 0);
}

void privsep_put_long(struct privsep_msg *m, long long v)
{
	privsep_put_bytes(m, &v, sizeof(v));
}

int privsep_get_bytes(struct privsep_msg *m, const void **p, size_t *len, size_t max)
{
	uint32_t n;
	if (m->bad || m->len - m->pos < sizeof(n))
		goto bad;
	memcpy(&n, m->data + m->pos, sizeof(n));
	if (m->len - m->pos - sizeof(n) < n)
		goto bad;
	if (n > max) {
		m->too_long = 1;
		goto bad;
	}
	*p = m->data + m->pos + sizeof(n);
	*len = n;
	m->pos += sizeof(n) + n;
	return 0;
bad:
	m->bad = 1;
	return -1;
}

int privsep_get_str(struct privsep_msg *m, char *out, size_t len)
{
	const void *p;
	size_t n;
	if (len == 0 || privsep_get_bytes(m, &p, &n, len - 1) < 0)
		return -1;
	if (memchr(p, '\0', n)) {
		m->bad = 1;
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int privsep_get_strdup(struct privsep_msg *m, char **out, size_t max)
{
	const void *p;
	size_t n;
	*out = NULL;
	if (privsep_get_bytes(m, &p, &n, max) < 0)
		return -1;
	if (memchr(p, '\0', n) || !(*out = malloc(n + 1))) {
		m->bad = 1;
		return -1;
	}
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	return 0;
}

int privsep_get_long(struct privsep_msg *m, long long *v)
{
	const void *p;
	size_t n;
	if (privsep_get_bytes(m, &p, &n, sizeof(*v)) < 0 || n != sizeof(*v)) {
		m->bad = 1;
		return -1;
	}
	memcpy(v, p, sizeof(*v));
	return 0;
}

int privsep_send(int fd, const struct privsep_msg *m, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PRIVSEP_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { m->data, m->len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (m->bad)
		return err_set(e, "a message to send was too long");
	if (m->nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)m->nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)m->nfds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * (size_t)m->nfds);
	}
	for (;;) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n == (ssize_t)m->len)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? err_sys(e, "privsep send") : err_set(e, "privsep send: cut short");
	}
}

int privsep_recv(int fd, struct privsep_msg *m, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PRIVSEP_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { m->data, m->cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;
	m->len = m->pos = 0;
	m->bad = 0;
	m->nfds = 0;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[PRIVSEP_MAX_FDS];
		memcpy(got, CMSG_DATA(c), k * sizeof(int));
		for (size_t i = 0; i < k; i++)
			m->fds[m->nfds++] = got[i];
	}
	if (n < 0)
		return err_sys(e, "privsep receive");
	if (n == 0)
		return err_set(e, "the other process is gone");
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (int i = 0; i < m->nfds; i++)
			close(m->fds[i]);
		m->nfds = 0;
		return err_set(e, "a message was too long");
	}
	m->len = (size_t)n;
	return 0;
}

/* ---- The worker's channels ---- */

struct privsep_client {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	int fds[PRIVSEP_CHANNELS];
	int busy[PRIVSEP_CHANNELS];
	int n;
};

int privsep_client_new(const int *fds, int n, struct privsep_client **out, struct err *e)
{
	struct privsep_client *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return err_set(e, "out of memory");
	if (n < 1 || n > PRIVSEP_CHANNELS) {
		free(c);
		return err_set(e, "%d request channels", n);
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->freed, NULL);
	memcpy(c->fds, fds, sizeof(int) * (size_t)n);
	c->n = n;
	*out = c;
	return 0;
}

void privsep_client_free(struct privsep_client **cp)
{
	struct privsep_client *c = cp ? *cp : NULL;
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		close(c->fds[i]);
	pthread_cond_destroy(&c->freed);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}

int privsep_call(struct privsep_client *c, const struct privsep_msg *req,
		 struct privsep_msg *reply, struct err *e)
{
	int slot = -1;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		for (int i = 0; i < c->n && slot < 0; i++)
			if (!c->busy[i])
				slot = i;
		if (slot >= 0)
			break;
		pthread_cond_wait(&c->freed, &c->lock);
	}
	c->busy[slot] = 1;
	pthread_mutex_unlock(&c->lock);
	int rc = privsep_send(c->fds[slot], req, e);
	if (rc == 0)
		rc = privsep_recv(c->fds[slot], reply, e);
	pthread_mutex_lock(&c->lock);
	c->busy[slot] = 0;
	pthread_cond_signal(&c->freed);
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < reply->nfds; i++)
		close(reply->fds[i]);
	reply->nfds = 0;
	if (rc < 0)
		return err_prefix(e, "the parent process cannot be asked");
	if (privsep_msg_type(reply) != privsep_msg_type(req))
		return err_set(e, "the parent process answered another question");
	long long skip;
	privsep_get_long(reply, &skip);
	return 0;
}

/* ---- The requests ---- */

/* A call whose answer starts with a return code; -1 when the call failed. */
static int call_rc(struct privsep_client *c, struct privsep_msg *req, struct privsep_msg *reply,
		   long long *rc, struct err *e)
{
	if (privsep_call(c, req, reply, e) < 0)
		return -1;
	if (privsep_get_long(reply, rc) < 0)
		return err_set(e, "the parent process's answer was malformed");
	return 0;
}

int privsep_auth(struct privsep_client *c, const char *user, const char *password,
		 const char *client, enum privsep_auth *result, long *wait, char *user_out,
		 size_t len, char token[PRIVSEP_TOTP_TOKEN_LEN], struct err *e)
{
	unsigned char qbuf[PRIVSEP_MSG_MAX], abuf[PRIVSEP_MSG_MAX];
	struct privsep_msg q, a;
	long long res, w;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_AUTH);
	privsep_put_str(&q, user);
	privsep_put_str(&q, password);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int rc = call_rc(c, &q, &a, &res, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (rc < 0)
		return -1;
	if (res == -1) {
		char why[sizeof(e->msg)];
		if (privsep_get_str(&a, why, sizeof(why)) < 0)
			return err_set(e, "the parent process's answer was malformed");
		return err_set(e, "%s", why);
	}
	if (privsep_get_long(&a, &w) < 0 || privsep_get_str(&a, user_out, len) < 0 ||
	    privsep_get_str(&a, token, PRIVSEP_TOTP_TOKEN_LEN) < 0 || res < PRIVSEP_AUTH_OK ||
	    res == PRIVSEP_AUTH_EXPIRED || res > PRIVSEP_AUTH_UNREACHABLE)
		return err_set(e, "the parent process's answer was malformed");
	*result = (enum privsep_auth)res;
	*wait = (long)w;
	return 0;
}

int privsep_imap_creds(struct privsep_client *c, const char *session_id, int https,
		       char *user, size_t user_len, char *password, size_t password_len,
		       struct err *e)
{
	unsigned char qbuf[1024], abuf[PASSWORD_MAX + 2048];
	struct privsep_msg q, a;
	long long rc;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_IMAP_CREDS);
	privsep_put_str(&q, session_id);
	privsep_put_long(&q, https);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int called = call_rc(c, &q, &a, &rc, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (called == 0 && (rc < -1 || rc > 1 || privsep_get_str(&a, user, user_len) < 0 ||
			    privsep_get_str(&a, password, password_len) < 0))
		called = err_set(e, "the parent process's answer was malformed");
	explicit_bzero(abuf, sizeof(abuf));
	if (called < 0)
		return -1;
	if (rc == -1)
		return err_set(e, "the session's mail server password cannot be read just now");
	return (int)rc;
}

int privsep_kept_put(struct privsep_client *c, const char *ended_id, const char *csrf,
		     const char *have, const char *draft, int fd,
		     char token[PRIVSEP_KEPT_TOKEN_LEN], struct err *e)
{
	unsigned char qbuf[1024], abuf[1024];
	struct privsep_msg q, a;
	long long rc;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_KEPT_PUT);
	privsep_put_str(&q, ended_id);
	privsep_put_str(&q, csrf);
	privsep_put_str(&q, have);
	privsep_put_str(&q, draft);
	q.fds[0] = fd;
	q.nfds = 1;
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int called = call_rc(c, &q, &a, &rc, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (called < 0)
		return -1;
	if (rc == -1) {
		char why[sizeof(e->msg)];
		if (privsep_get_str(&a, why, sizeof(why)) < 0)
			return err_set(e, "the parent process's answer was malformed");
		return err_set(e, "%s", why);
	}
	if ((rc != 0 && rc != 1) || privsep_get_str(&a, token, PRIVSEP_KEPT_TOKEN_LEN) < 0)
		return err_set(e, "the parent process's answer was malformed");
	return (int)rc;
}

int privsep_kept_restore(struct privsep_client *c, const char *session_id, int https,
			 const char *token, char *draft_id, size_t len, long *left,
			 struct err *e)
{
	unsigned char qbuf[1024], abuf[1024];
	struct privsep_msg q, a;
	long long rc, n;
	*left = 0;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_KEPT_RESTORE);
	privsep_put_str(&q, session_id);
	privsep_put_long(&q, https);
	privsep_put_str(&q, token);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int called = call_rc(c, &q, &a, &rc, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (called < 0)
		return -1;
	if (rc < -1 || rc > 1 || privsep_get_str(&a, draft_id, len) < 0 ||
	    privsep_get_long(&a, &n) < 0 || n < 0)
		return err_set(e, "the parent process's answer was malformed");
	*left = (long)n;
	if (rc == -1)
		return err_set(e, "a message kept after the session ended cannot be put in Drafts "
				  "just now");
	return (int)rc;
}

int privsep_totp_logon(struct privsep_client *c, const char *token, const char *code,
		       const char *client, enum privsep_auth *result, long *wait, char *user_out,
		       size_t len, struct err *e)
{
	unsigned char qbuf[1024], abuf[1024];
	struct privsep_msg q, a;
	long long res, w;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_TOTP_LOGON);
	privsep_put_str(&q, token);
	privsep_put_str(&q, code);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int rc = call_rc(c, &q, &a, &res, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (rc < 0)
		return -1;
	if (privsep_get_long(&a, &w) < 0 || privsep_get_str(&a, user_out, len) < 0 ||
	    res < -1 || res > PRIVSEP_AUTH_EXPIRED || res == PRIVSEP_AUTH_TOTP)
		return err_set(e, "the parent process's answer was malformed");
	if (res == -1)
		return err_set(e, "the second factor cannot be checked just now");
	*result = (enum privsep_auth)res;
	*wait = (long)w;
	return 0;
}

int privsep_totp_resume(struct privsep_client *c, const char *user, int second_factor,
			const char *client, enum privsep_auth *result,
			char token[PRIVSEP_TOTP_TOKEN_LEN], struct err *e)
{
	unsigned char qbuf[1024], abuf[512];
	struct privsep_msg q, a;
	long long res;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_TOTP_RESUME);
	privsep_put_str(&q, user);
	privsep_put_long(&q, second_factor != 0);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &res, e) < 0)
		return -1;
	if (privsep_get_str(&a, token, PRIVSEP_TOTP_TOKEN_LEN) < 0 ||
	    (res != -1 && res != PRIVSEP_AUTH_OK && res != PRIVSEP_AUTH_TOTP &&
	     res != PRIVSEP_AUTH_ENROL) ||
	    (res != PRIVSEP_AUTH_OK && res != -1 && !token[0])) {
		explicit_bzero(abuf, sizeof(abuf));
		return err_set(e, "the parent process's answer was malformed");
	}
	explicit_bzero(abuf, sizeof(abuf));
	if (res == -1)
		return err_set(e, "the second factor cannot be checked just now");
	*result = (enum privsep_auth)res;
	return 0;
}

int privsep_totp_state(struct privsep_client *c, const char *session_id, int https, int *on,
		       long *recovery_left, int *offered, int *kept, struct err *e)
{
	unsigned char qbuf[512], abuf[256];
	struct privsep_msg q, a;
	long long rc, x, y, z, k;
	/* The session id field is also a pending logon's "logon:TOKEN:CLIENT". */
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_TOTP_STATE);
	privsep_put_str(&q, session_id);
	privsep_put_long(&q, https);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &rc, e) < 0)
		return -1;
	if (privsep_get_long(&a, &x) < 0 || privsep_get_long(&a, &y) < 0 ||
	    privsep_get_long(&a, &z) < 0 || privsep_get_long(&a, &k) < 0)
		return err_set(e, "the parent process's answer was malformed");
	if (rc != 0)
		return err_set(e, "the second factor's state cannot be read just now");
	*on = x != 0;
	*recovery_left = (long)y;
	*offered = z != 0;
	*kept = k != 0;
	return 0;
}

int privsep_totp_begin(struct privsep_client *c, const char *session_id, int https,
		       const char *proof, const char *client, long *wait, char *secret,
		       size_t secret_len, char *uri, size_t uri_len, struct err *e)
{
	unsigned char qbuf[PASSWORD_MAX + 1024], abuf[2048];
	struct privsep_msg q, a;
	long long rc, w = 0;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_TOTP_BEGIN);
	privsep_put_str(&q, session_id);
	privsep_put_long(&q, https);
	privsep_put_str(&q, proof);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int called = call_rc(c, &q, &a, &rc, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (called == 0 && (privsep_get_long(&a, &w) < 0 ||
			    privsep_get_str(&a, secret, secret_len) < 0 ||
			    privsep_get_str(&a, uri, uri_len) < 0 || rc < -1 ||
			    rc > PRIVSEP_TOTP_NONE))
		called = err_set(e, "the parent process's answer was malformed");
	explicit_bzero(abuf, sizeof(abuf));
	if (called < 0)
		return -1;
	*wait = (long)w;
	if (rc == -1)
		return err_set(e, "two-step verification cannot be set up just now");
	return (int)rc;
}

int privsep_totp_confirm(struct privsep_client *c, const char *session_id, int https,
			 const char *code, const char *client, long *wait, char *codes,
			 size_t codes_len, char *user, size_t user_len, struct err *e)
{
	unsigned char qbuf[1024], abuf[1024];
	struct privsep_msg q, a;
	long long rc, w;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_TOTP_CONFIRM);
	privsep_put_str(&q, session_id);
	privsep_put_long(&q, https);
	privsep_put_str(&q, code);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &rc, e) < 0)
		return -1;
	if (privsep_get_long(&a, &w) < 0 || privsep_get_str(&a, codes, codes_len) < 0 ||
	    privsep_get_str(&a, user, user_len) < 0 || rc < -1 || rc > PRIVSEP_TOTP_NONE) {
		explicit_bzero(abuf, sizeof(abuf));
		return err_set(e, "the parent process's answer was malformed");
	}
	explicit_bzero(abuf, sizeof(abuf));
	*wait = (long)w;
	if (rc == -1)
		return err_set(e, "two-step verification cannot be turned on just now");
	return (int)rc;
}

int privsep_totp_disable(struct privsep_client *c, const char *session_id, int https,
			 const char *password, const char *client, long *wait, struct err *e)
{
	unsigned char qbuf[PASSWORD_MAX + 1024], abuf[256];
	struct privsep_msg q, a;
	long long rc, w;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_TOTP_DISABLE);
	privsep_put_str(&q, session_id);
	privsep_put_long(&q, https);
	privsep_put_str(&q, password);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int called = call_rc(c, &q, &a, &rc, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (called < 0)
		return -1;
	if (privsep_get_long(&a, &w) < 0 || rc < -1 || rc > PRIVSEP_TOTP_WAIT)
		return err_set(e, "the parent process's answer was malformed");
	*wait = (long)w;
	if (rc == -1)
		return err_set(e, "two-step verification cannot be turned off just now");
	return (int)rc;
}

int privsep_user_stamp(struct privsep_client *c, const char *user, char *stamp, size_t len,
		       struct err *e)
{
	unsigned char qbuf[1024], abuf[1024];
	struct privsep_msg q, a;
	long long rc;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_USER_STAMP);
	privsep_put_str(&q, user);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &rc, e) < 0)
		return -1;
	if (rc < 0)
		return err_set(e, "the session stamp cannot be read just now");
	if (privsep_get_str(&a, stamp, len) < 0)
		return err_set(e, "the parent process's answer was malformed");
	return rc ? 1 : 0;
}

static int exists_call(struct privsep_client *c, enum privsep_type type, const char *name,
		       int *exists, struct err *e)
{
	unsigned char qbuf[1024], abuf[256];
	struct privsep_msg q, a;
	long long rc, x;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), type);
	privsep_put_str(&q, name);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &rc, e) < 0)
		return -1;
	if (rc < 0)
		return err_set(e, "the user database cannot be read just now");
	if (privsep_get_long(&a, &x) < 0)
		return err_set(e, "the parent process's answer was malformed");
	*exists = x != 0;
	return 0;
}

int privsep_user_exists(struct privsep_client *c, const char *address, int *exists,
			struct err *e)
{
	return exists_call(c, PRIVSEP_USER_EXISTS, address, exists, e);
}

int privsep_domain_exists(struct privsep_client *c, const char *domain, int *exists,
			  struct err *e)
{
	return exists_call(c, PRIVSEP_DOMAIN_EXISTS, domain, exists, e);
}

void privsep_note_sessions(struct privsep_client *c)
{
	unsigned char qbuf[64], abuf[64];
	struct privsep_msg q, a;
	struct err e;
	long long rc;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_NOTE_SESSIONS);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	/* The count is for the console only: the logon or logoff goes on. */
	if (call_rc(c, &q, &a, &rc, &e) < 0)
		log_warnx("%s", e.msg);
}

long privsep_resume(struct privsep_client *c, const char *client)
{
	unsigned char qbuf[256], abuf[64];
	struct privsep_msg q, a;
	struct err e;
	long long wait;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_RESUME);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &wait, &e) < 0) {
		log_warnx("%s", e.msg);
		return -1;
	}
	return (long)wait;
}

int privsep_passwd(struct privsep_client *c, const char *client, const char *user,
		   const char *old, const char *new_password, long *wait, struct err *e)
{
	unsigned char qbuf[2 * PASSWORD_MAX + USER_ADDRESS_MAX + 256], abuf[512];
	struct privsep_msg q, a;
	long long rc, w;
	char why[sizeof(e->msg)];
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_PASSWD);
	privsep_put_str(&q, user);
	privsep_put_str(&q, old);
	privsep_put_str(&q, new_password);
	privsep_put_str(&q, client);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	int called = call_rc(c, &q, &a, &rc, e);
	explicit_bzero(qbuf, sizeof(qbuf));
	if (called < 0)
		return -1;
	if (privsep_get_long(&a, &w) < 0 || privsep_get_str(&a, why, sizeof(why)) < 0)
		return err_set(e, "the parent process's answer was malformed");
	*wait = (long)w;
	if (rc == ACCOUNT_REFUSED)
		err_set(e, "%s", why);
	else if (rc < 0 && rc != ACCOUNT_WRONG_PASSWORD && rc != ACCOUNT_WAIT)
		err_set(e, "the user database cannot be changed just now");
	return rc == 0 || rc == ACCOUNT_REFUSED || rc == ACCOUNT_WRONG_PASSWORD ||
			       rc == ACCOUNT_WAIT
		       ? (int)rc
		       : -1;
}

int privsep_domain_users(struct privsep_client *c, const char *domain, const char *prefix,
			 size_t max, void (*fn)(const char *address, void *arg), void *arg,
			 struct err *e)
{
	unsigned char qbuf[1024];
	struct privsep_msg q, a;
	long long rc, n;
	unsigned char *abuf = malloc(PRIVSEP_MSG_MAX);
	if (!abuf)
		return err_set(e, "out of memory");
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_DOMAIN_USERS);
	privsep_put_str(&q, domain);
	privsep_put_str(&q, prefix);
	privsep_put_long(&q, (long long)(max < PRIVSEP_DOMAIN_USERS_MAX ? max
									 : PRIVSEP_DOMAIN_USERS_MAX));
	privsep_msg_init(&a, abuf, PRIVSEP_MSG_MAX, 0);
	int ret = -1;
	if (call_rc(c, &q, &a, &rc, e) < 0)
		goto out;
	if (rc < 0) {
		err_set(e, "the user database cannot be read just now");
		goto out;
	}
	if (privsep_get_long(&a, &n) < 0 || n < 0 || n > PRIVSEP_DOMAIN_USERS_MAX) {
		err_set(e, "the parent process's answer was malformed");
		goto out;
	}
	for (long long i = 0; i < n; i++) {
		char address[USER_ADDRESS_MAX];
		if (privsep_get_str(&a, address, sizeof(address)) < 0) {
			err_set(e, "the parent process's answer was malformed");
			goto out;
		}
		fn(address, arg);
	}
	ret = 0;
out:
	free(abuf);
	return ret;
}

int privsep_kick(struct privsep_client *c, const char *id, struct err *e)
{
	unsigned char qbuf[256], abuf[512];
	struct privsep_msg q, a;
	long long rc;
	privsep_msg_init(&q, qbuf, sizeof(qbuf), PRIVSEP_KICK);
	privsep_put_str(&q, id);
	privsep_msg_init(&a, abuf, sizeof(abuf), 0);
	if (call_rc(c, &q, &a, &rc, e) < 0)
		return -1;
	if (rc < 0)
		return err_set(e, "the outbox did not take message %s", id);
	return 0;
}

/* ---- Sessions on the wire ---- */

void privsep_put_session(struct privsep_msg *m, const struct session *s)
{
	privsep_put_str(m, s->id);
	privsep_put_str(m, s->key);
	privsep_put_str(m, s->csrf);
	privsep_put_str(m, s->user);
	privsep_put_str(m, s->stamp);
	privsep_put_long(m, (long long)s->created);
	privsep_put_long(m, (long long)s->last_seen);
	privsep_put_long(m, s->expire_pages);
	privsep_put_long(m, s->secure);
}

int privsep_get_session(struct privsep_msg *m, struct session *s)
{
	long long created, seen, expire, secure;
	if (privsep_get_str(m, s->id, sizeof(s->id)) < 0 ||
	    privsep_get_str(m, s->key, sizeof(s->key)) < 0 ||
	    privsep_get_str(m, s->csrf, sizeof(s->csrf)) < 0 ||
	    privsep_get_str(m, s->user, sizeof(s->user)) < 0 ||
	    privsep_get_str(m, s->stamp, sizeof(s->stamp)) < 0 ||
	    privsep_get_long(m, &created) < 0 || privsep_get_long(m, &seen) < 0 ||
	    privsep_get_long(m, &expire) < 0 || privsep_get_long(m, &secure) < 0)
		return -1;
	s->created = (time_t)created;
	s->last_seen = (time_t)seen;
	s->expire_pages = expire != 0;
	s->secure = secure != 0;
	return 0;
}
