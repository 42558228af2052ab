/* worker.h - the process that serves HTTP and HTTPS: started by the parent
 * (fork and exec of the same binary), handed its configuration, its TLS
 * material, its sockets and its log over a socket pair, confined, then
 * serving until told to retire. */
#ifndef WEBMSGD_WORKER_H
#define WEBMSGD_WORKER_H

/* The hidden argument that makes webmsgd a worker; the control socket is
 * descriptor WORKER_CONTROL_FD. */
#define WORKER_ARG "--worker"
#define WORKER_CONTROL_FD 3

struct err;
struct server;

/* Runs a worker to its end; the process's exit status. */
int worker_main(struct server *srv);

/* Everything a worker gives up before it serves (sandbox.h): the service
 * user's credentials, no new privileges, not dumpable (no ptrace, no core, no
 * /proc/PID/mem by the same user) and the seccomp filter. */
int worker_confine(struct server *srv, struct err *e);

#endif
