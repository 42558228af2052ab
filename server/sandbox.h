/* sandbox.h - the worker's confinement: the service user's credentials, no
 * new privileges, no core dumps or ptrace, and a seccomp allow list of the
 * system calls serving needs. Entered once, before the worker serves. */
#ifndef WEBMSG_SERVER_SANDBOX_H
#define WEBMSG_SERVER_SANDBOX_H

#include "webmsg/service_user.h"

struct err;

struct sandbox_spec {
	/* Resolved by the parent before (service_user_resolve): no user or
	 * group lookup happens here, nor could one under the filter. */
	struct service_user user;
	/* The mail root, which the worker must be able to write after the
	 * change; NULL: not checked. */
	const char *mail_root;
	/* mail.store imap: TCP connections out (IPv4 and IPv6 stream sockets
	 * and connect) for the IMAP server; nothing else of the network. */
	int imap;
};

/* Confines the calling process, every thread of it included: when
 * spec->user.change, setgroups, setresgid and setresuid to the service user
 * and a check that root cannot be had back; then PR_SET_NO_NEW_PRIVS,
 * PR_SET_DUMPABLE 0 and the seccomp filter, whose default is to kill the
 * process. Returns -1 with e filled when any step fails: the caller must
 * not serve then (the process may be half confined). */
int sandbox_enter(const struct sandbox_spec *spec, struct err *e);

#endif
