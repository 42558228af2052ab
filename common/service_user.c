/* service_user.c - service.user and service.group resolved to ids once, in
 * the privileged process (no NSS lookup ever happens in a confined worker),
 * and the folders the workers write given to that user. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/service_user.h"

#define NSS_BUF 16384 /* getpwnam_r's buffer; entries with more are refused */

int service_user_find_user(const char *name, uid_t *uid, struct err *e)
{
	struct passwd pw, *found = NULL;
	char *buf = malloc(NSS_BUF);
	if (!buf)
		return err_set(e, "out of memory");
	int rc = getpwnam_r(name, &pw, buf, NSS_BUF, &found);
	if (found)
		*uid = pw.pw_uid;
	free(buf);
	if (found)
		return 0;
	if (rc != 0 && rc != ENOENT && rc != ESRCH)
		return err_set(e, "service.user %s cannot be looked up: %s", name, strerror(rc));
	return err_set(e, "service.user %s does not exist: create it with `useradd --system %s` "
			  "or set service.user", name, name);
}

int service_user_find_group(const char *name, gid_t *gid, struct err *e)
{
	struct group gr, *found = NULL;
	char *buf = malloc(NSS_BUF);
	if (!buf)
		return err_set(e, "out of memory");
	int rc = getgrnam_r(name, &gr, buf, NSS_BUF, &found);
	if (found)
		*gid = gr.gr_gid;
	free(buf);
	if (found)
		return 0;
	if (rc != 0 && rc != ENOENT && rc != ESRCH)
		return err_set(e, "service.group %s cannot be looked up: %s", name, strerror(rc));
	return err_set(e, "service.group %s does not exist: create it with `groupadd --system "
			  "%s` or set service.group", name, name);
}

int service_user_resolve(const struct config_snapshot *cfg, struct service_user *u,
			 struct err *e)
{
	const char *user = config_str(cfg, SET_SERVICE_USER);
	const char *group = config_str(cfg, SET_SERVICE_GROUP);

	memset(u, 0, sizeof(*u));
	snprintf(u->user, sizeof(u->user), "%s", user);
	snprintf(u->group, sizeof(u->group), "%s", group);
	u->uid = geteuid();
	u->gid = getegid();
	/* Started by someone else: they are who the workers run as. */
	if (u->uid != 0)
		return 0;
	if (service_user_find_user(user, &u->uid, e) < 0 ||
	    service_user_find_group(group, &u->gid, e) < 0)
		return -1;
	/* The user's own groups (a mail group shared with the MTA, say), the
	 * service group first; getgrouplist adds the one it is given. */
	int n = SERVICE_USER_MAX_GROUPS;
	if (getgrouplist(user, u->gid, u->groups, &n) < 0)
		return err_set(e, "service.user %s is in more than %d groups", user,
			       SERVICE_USER_MAX_GROUPS);
	u->ngroups = (size_t)n;
	/* service.user root: nothing changes, as when started by that user. */
	u->change = u->uid != 0;
	return 0;
}

int service_user_chown(const struct service_user *u, const char *path, struct err *e)
{
	if (!u->change)
		return 0;
	if (lchown(path, u->uid, u->gid) < 0)
		return err_sys(e, "cannot give %s to service.user %s", path, u->user);
	return 0;
}

int service_user_own_folder(const struct service_user *u, const char *path, struct err *e)
{
	struct stat sb;
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return err_set(e, "%s: path too long", path);
	/* Folders above it that are missing are made passable (0711, whatever
	 * the umask) and stay root's; the folder itself is the user's alone. */
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0711) == 0)
			chmod(dir, 0711);
		else if (errno != EEXIST)
			return err_sys(e, "cannot make %s", dir);
		*slash = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "cannot make %s", path);
	if (lstat(path, &sb) < 0)
		return err_sys(e, "cannot use %s", path);
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, "%s is not a folder", path);
	if (!u->change || (sb.st_uid == u->uid && sb.st_gid == u->gid))
		return 0;
	return service_user_chown(u, path, e);
}

static int in_groups(const struct service_user *u, gid_t gid)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return 1;
	return gid == u->gid;
}

int service_user_can_reach(const struct service_user *u, const char *path, struct err *e)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (!u->change)
		return 0;
	if (path[0] != '/' || snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return err_set(e, "%s is not an absolute path", path);
	/* Each folder from / down to path's parent: the kernel checks the
	 * owner's bits for the owner, else the group's, else the others'. */
	size_t parent_end = (size_t)(strrchr(dir, '/') - dir);
	for (size_t i = 0; i <= parent_end; i++) {
		if (dir[i] != '/')
			continue;
		char keep = dir[i + (i == 0)];
		dir[i + (i == 0)] = '\0'; /* "/" itself, then "/var", "/var/lib"... */
		int rc = stat(dir, &sb);
		if (rc < 0 && errno == ENOENT)
			return 0; /* made at start by root, 0700, and given to the user */
		if (rc < 0)
			return err_sys(e, "cannot use %s", dir);
		mode_t bit = sb.st_uid == u->uid	 ? S_IXUSR
			     : in_groups(u, sb.st_gid) ? S_IXGRP
						       : S_IXOTH;
		if (!(sb.st_mode & bit))
			return err_set(e, "service.user %s cannot reach %s: %s is mode %04o, "
					  "owned by uid %ld (chmod o+x %s lets it pass without "
					  "listing it)", u->user, path, dir,
				       (unsigned)(sb.st_mode & 07777), (long)sb.st_uid, dir);
		dir[i + (i == 0)] = keep;
	}
	return 0;
}
