/* apply.h - saving configuration changes and having a running webmsgd apply
 * them. `config set`, the ssl commands and the console's forms all go
 * through here, so they save, check and report alike. */
#ifndef WEBMSG_ADMIN_APPLY_H
#define WEBMSG_ADMIN_APPLY_H

#include <stddef.h>

#include "webmsg/config.h"
#include "webmsg/err.h"

/* What a change came to, in words for a person. */
struct apply_outcome {
	long version;            /* the version saved (the current one when nothing changed);
				  * 0 when nothing could be saved */
	char text[128];          /* "applied (version 5)", "saved (version 5); webmsgd is not
				  * running", "unchanged (version 5)"; "" when it failed */
	char restart[320];       /* the settings of this version that wait for a restart, or "" */
	char warning[ERR_MSG_MAX]; /* why restart could not be worked out, or "" */
};

/* Saves the changes as one version, with what they imply (turning SSL off
 * turns Force SSL off), then has the daemon that was running apply it. The
 * decision (config_check) runs on the configuration the changes make, inside
 * the transaction: a change that adds a reason webmsgd could not serve it is
 * refused ("ssl.key_password: ...; nothing was saved") and no version is
 * made. Returns -1 with e set when nothing was saved, or when the daemon
 * could not apply what was saved ("saved as version 5, but webmsgd could not
 * apply it: ..."); o->restart and o->warning are filled either way. */
int apply_changes(struct db *db, const struct config_change *changes, size_t n,
		  struct apply_outcome *o, struct err *e);

/* Makes a new version with the settings of `version`, after the same
 * decision as apply_changes, and applies it; each
 * secret that stays as it is goes to skipped (may be NULL). */
int apply_revert(struct db *db, long version, void (*skipped)(enum setting_id id, void *arg),
		 void *arg, struct apply_outcome *o, struct err *e);

/* Has a running daemon load the configuration again (new files in the key
 * store): o->text is "applied (version N)", or "" when webmsgd is not running.
 * Fails with "webmsgd could not apply it: ...". */
int apply_reload_if_running(struct db *db, struct apply_outcome *o, struct err *e);

#endif
