/* service_user.h - the user and group webmsgd's workers serve as
 * (service.user, service.group), looked up once by the privileged parent,
 * before any confinement, and the folders that user must own. */
#ifndef WEBMSG_SERVICE_USER_H
#define WEBMSG_SERVICE_USER_H

#include <stddef.h>
#include <sys/types.h>

struct config_snapshot;
struct err;

#define SERVICE_USER_MAX_GROUPS 64

struct service_user {
	/* 1 when the process runs as root and the workers must change to uid,
	 * gid and groups; 0 when they keep the starting credentials (started by
	 * another user, or service.user is root). */
	int change;
	uid_t uid;
	gid_t gid;
	gid_t groups[SERVICE_USER_MAX_GROUPS]; /* supplementary, gid included */
	size_t ngroups;
	char user[64];
	char group[64];
};

/* Resolves service.user and service.group of cfg for this process. Not root:
 * no lookup, the starting uid and gid, change 0. Root: both must exist
 * ("service.user webmsg does not exist: create it with `useradd --system
 * webmsg` or set service.user"); the user's supplementary groups come with it. */
int service_user_resolve(const struct config_snapshot *cfg, struct service_user *u,
			 struct err *e);

/* One name each, as the decision reports them apart: "service.user NAME
 * does not exist: create it with `useradd --system NAME` or set service.user". */
int service_user_find_user(const char *name, uid_t *uid, struct err *e);
int service_user_find_group(const char *name, gid_t *gid, struct err *e);

/* Makes the folder when missing (0700) and, when u->change, gives it to the
 * service user: the mail root and the outbox are the workers' to write, as
 * Dovecot's vmail owns its mail. Only that folder: what is under it is left
 * as it is. */
int service_user_own_folder(const struct service_user *u, const char *path, struct err *e);

/* Whether the service user can pass through every folder above path (path
 * itself is made and given to it at start): -1 with the folder that stops it
 * and its mode. Mode bits only (no ACLs); always 0 when u->change is 0. */
int service_user_can_reach(const struct service_user *u, const char *path, struct err *e);

/* Gives a file or folder made by root (webmsg-admin delivering or seeding
 * mail) to the service user; nothing when u->change is 0. */
int service_user_chown(const struct service_user *u, const char *path, struct err *e);

#endif
