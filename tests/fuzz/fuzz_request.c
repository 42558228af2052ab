/* fuzz_request.c - whole HTTP requests through libmicrohttpd into the
 * daemon's access handler, routes and pages, over a socket pair handed to an
 * in-process MHD daemon set up as a generation's HTTP listener. This is the
 * smallest public way to what parses the Host header (request_host and
 * full_address are static), the cookies (session ids, remembered logons, the
 * logon form's token), the query arguments and the POST fields: all of them
 * read through an MHD connection. The tokens @SID@ and @CSRF@ in an input
 * become a live session's id and CSRF token, so the fuzzer reaches the pages
 * behind the logon. No answer may be a 500 (a page that failed to render).
 * WEBMSG_FUZZ_SHOW=1 prints each request and its answer. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "fuzz.h"
#include "guard.h"
#include "http.h"
#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "websession.h"
#include "site.h"
#include "throttle.h"
#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/status.h"
#include "webmsg/users.h"

#define DEADLINE_MS 60000 /* an answer slower than this is a finding (after libFuzzer's -timeout) */
#define ANSWER_MAX (8 << 20)

/* Mail the fuzzer sends and folders it makes are thrown away this often, so
 * that a long run neither fills the disk nor slows down with a full INBOX. */
#define MAIL_WIPE_EVERY 256

static char dir[PATH_MAX], mailroot[PATH_MAX + 16];
static unsigned long inputs;
static struct server srv;
static struct generation gen;
static struct session sess;
static struct session_store *store; /* owned by srv.store */

/* What the daemon's main.c provides to the parent's side; the same here. */
struct db *server_db_lock(struct server *s)
{
	pthread_mutex_lock(&s->req_db_lock);
	return s->req_db;
}

void server_db_unlock(struct server *s)
{
	pthread_mutex_unlock(&s->req_db_lock);
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static void clean_up(void)
{
	if (gen.daemons[LISTENER_HTTP])
		MHD_stop_daemon(gen.daemons[LISTENER_HTTP]);
	gen.daemons[LISTENER_HTTP] = NULL;
	site_free(&gen.site);
	config_snapshot_free(&gen.cfg);
	websession_free(&srv.sessions);
	privsep_client_free(&srv.ps);
	parent_services_stop(&srv.services);
	websession_free(&srv.store);
	guard_stop(&srv.guard);
	throttle_free(&srv.throttle);
	db_close(&srv.req_db);
	db_close(&srv.db);
	if (dir[0])
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	OPENSSL_cleanup();
}

static void must(int rc, const struct err *e)
{
	if (rc < 0) {
		fprintf(stderr, "fuzz_request: %s\n", e->msg);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dbpath[PATH_MAX + 16];
	struct err e;
	(void)argc, (void)argv;
	g_mime_init();
	signal(SIGPIPE, SIG_IGN);
	log_init("webmsgd", 1);
	log_set_level(LOG_LEVEL_ERROR); /* render failures and the like */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/webmsg-fuzz-request-XXXXXX", tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir));
	/* OpenSSL's exit handler would run before clean_up (it registers at
	 * first use, after this) and leave the parent's channel threads, which
	 * clean_up ends, no way to free their error state: clean_up calls it. */
	FUZZ_CHECK(OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) == 1);
	atexit(clean_up);
	snprintf(dbpath, sizeof(dbpath), "%s/webmsg.db", dir);
	snprintf(mailroot, sizeof(mailroot), "%s/mail", dir);

	srv.dbpath = dbpath;
	snprintf(srv.share_dir, sizeof(srv.share_dir), "%s", WEBMSG_SOURCE_SHARE);
	must(db_open(dbpath, DB_CREATE, &srv.db, &e), &e);
	must(domain_add(srv.db, "example.org", &e), &e);
	must(user_add(srv.db, "ann@example.org", "fuzz-password", &e), &e);
	must(db_open(dbpath, DB_OPEN_EXISTING, &srv.req_db, &e), &e);
	pthread_mutex_init(&srv.req_db_lock, NULL);
	pthread_mutex_init(&srv.rules_lock, NULL);
	/* The daemon's store on disk, kept in memory here: an input is not a write. */
	must(session_store_sqlite_open(":memory:", &store, &e), &e);
	FUZZ_CHECK(websession_new_with(&srv.store, store, NULL) == 0 &&
		   throttle_new(&srv.throttle, store) == 0);
	/* The pages ask the parent's side over its channels, as in a worker. */
	struct session_store *remote;
	must(parent_services_pair(&srv, &srv.services, &srv.ps, &e), &e);
	must(session_store_remote_open(srv.ps, &remote, &e), &e);
	FUZZ_CHECK(websession_new_with(&srv.sessions, remote, NULL) == 0);
	must(guard_start(&srv.guard, &e), &e);

	must(config_load(srv.db, &gen.cfg, &e), &e);
	must(config_snapshot_override(gen.cfg, SET_MAIL_ROOT, mailroot, &e), &e);
	must(config_snapshot_override(gen.cfg, SET_LOGIN_REMEMBER_ME, "on", &e), &e);
	must(site_load(srv.share_dir, &gen.site, &e), &e);
	parent_rules_set(&srv, gen.cfg, NULL);
	gen.srv = &srv;
	srv.current = &gen;
	/* The row a started daemon writes, which logons and logoffs then update. */
	srv.status.pid = (long)getpid();
	snprintf(srv.status.result, sizeof(srv.status.result), "ok");
	must(status_write(srv.db, &srv.status, &e), &e);
	for (int k = 0; k < LISTENER_KINDS; k++)
		gen.sockets[k] = -1;
	struct listener_ctx *ctx = &gen.ctx[LISTENER_HTTP];
	ctx->gen = &gen;
	ctx->kind = LISTENER_HTTP;
	/* As generation.c starts the HTTP listener, but without a listening
	 * socket (the harness hands each connection over itself) and run from
	 * this thread: one input, one thread, nothing left over between inputs. */
	gen.daemons[LISTENER_HTTP] = MHD_start_daemon(
		MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, http_handle, ctx,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
		MHD_OPTION_URI_LOG_CALLBACK, http_request_begin, ctx,
		MHD_OPTION_NOTIFY_COMPLETED, http_request_end, ctx,
		MHD_OPTION_NOTIFY_CONNECTION, http_connection_notify, ctx, MHD_OPTION_END);
	FUZZ_CHECK(gen.daemons[LISTENER_HTTP]);
	return 0;
}

/* A session for the @SID@ of the inputs; made again after a logoff ended it. */
static void live_session(void)
{
	struct session_limits lim = { 3600, 3600, 4096, 20 };
	struct session found;
	struct err e;
	int exists;
	if (sess.id[0] && session_store_find(store, sess.id, 0, &lim, &found, &e) == 0)
		return;
	char stamp[USER_STAMP_LEN];
	must(user_session_stamp(srv.req_db, "ann@example.org", stamp, sizeof(stamp), &exists, &e),
	     &e);
	FUZZ_CHECK(session_store_create(store, "ann@example.org", stamp, 0, 0, &lim, &sess, &e) ==
		   0);
}

/* The input with @SID@ and @CSRF@ replaced; free it. */
static char *substitute(const uint8_t *data, size_t size, size_t *len)
{
	char *out = malloc(size * (sizeof(sess.csrf) / 5 + 1) + 1), *o = out;
	FUZZ_CHECK(out);
	for (size_t i = 0; i < size;) {
		const char *with = NULL;
		size_t skip = 0;
		if (size - i >= 5 && memcmp(data + i, "@SID@", 5) == 0)
			with = sess.id, skip = 5;
		else if (size - i >= 6 && memcmp(data + i, "@CSRF@", 6) == 0)
			with = sess.csrf, skip = 6;
		if (with) {
			o = stpcpy(o, with);
			i += skip;
		} else {
			*o++ = (char)data[i++];
		}
	}
	*len = (size_t)(o - out);
	return out;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Sends the request and reads every answer until the daemon closes, running
 * the daemon in between. */
static char *exchange(struct MHD_Daemon *d, int fd, const char *req, size_t len, size_t *got)
{
	size_t sent = 0, cap = 65536;
	char *answer = malloc(cap);
	long end = now_ms() + DEADLINE_MS;
	FUZZ_CHECK(answer);
	*got = 0;
	if (len == 0)
		shutdown(fd, SHUT_WR);
	for (;;) {
		int progress = 0;
		if (now_ms() > end) {
			fprintf(stderr, "no end to the answer after %d ms\n", DEADLINE_MS);
			abort();
		}
		if (sent < len) {
			ssize_t n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0 && (sent += (size_t)n) == len)
				shutdown(fd, SHUT_WR);
			if (n < 0 && errno != EAGAIN)
				sent = len; /* the daemon stopped reading: it answered or gave up */
			progress |= n > 0;
		}
		FUZZ_CHECK(MHD_run(d) == MHD_YES);
		if (*got + 4096 > cap) {
			FUZZ_CHECK(cap < ANSWER_MAX);
			answer = realloc(answer, cap *= 2);
			FUZZ_CHECK(answer);
		}
		ssize_t n = recv(fd, answer + *got, cap - *got - 1, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		if (n > 0)
			*got += (size_t)n, progress = 1;
		if (!progress) {
			struct pollfd p = { fd, POLLIN, 0 };
			poll(&p, 1, 1);
		}
	}
	answer[*got] = '\0';
	return answer;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
	int sv[2];
	size_t len, got;

	if (++inputs % MAIL_WIPE_EVERY == 0)
		nftw(mailroot, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	live_session();
	char *req = substitute(data, size, &len);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	/* MHD owns sv[1] from here, also when it refuses it. */
	if (MHD_add_connection(gen.daemons[LISTENER_HTTP], sv[1], (struct sockaddr *)&peer,
			       sizeof(peer)) != MHD_YES) {
		close(sv[0]);
		free(req);
		return 0;
	}
	char *answer = exchange(gen.daemons[LISTENER_HTTP], sv[0], req, len, &got);
	close(sv[0]);
	if (getenv("WEBMSG_FUZZ_SHOW")) /* to see what a seed reaches */
		fprintf(stderr, "%.*s\n---\n%s\n===\n", (int)len, req, answer);
	/* Every answer of ours or MHD's, one after the other on keep-alive. */
	for (const char *a = answer; (a = strstr(a, "HTTP/1.")); a++)
		FUZZ_CHECK(strncmp(a + 8, " 500", 4) != 0);
	free(answer);
	free(req);
	return 0;
}
