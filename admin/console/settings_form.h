/* settings_form.h - a form's setting fields against the configuration:
 * filled from it, and saved as one version that webmsgd is asked to apply.
 * The form widget only edits; saving is the console's, through core/apply. */
#ifndef WEBMSG_ADMIN_CONSOLE_SETTINGS_FORM_H
#define WEBMSG_ADMIN_CONSOLE_SETTINGS_FORM_H

#include "widgets/form.h"

struct apply_outcome;
struct config_snapshot;
struct db;
struct err;

enum settings_form_result {
	SETTINGS_FORM_UNCHANGED, /* nothing to save */
	SETTINGS_FORM_INVALID,   /* errors are shown under the fields; nothing saved */
	SETTINGS_FORM_CONFLICT,  /* another operator saved some of them meanwhile; shown,
				  * nothing saved */
	SETTINGS_FORM_FAILED,    /* e says why */
	SETTINGS_FORM_SAVED,     /* o says what the daemon made of it */
};

/* Fills the setting fields from cfg; start and value alike. */
void settings_form_fill(struct form *f, const struct config_snapshot *cfg);
/* Validates, compares with the configuration saved now, then saves the
 * changed setting fields as one version through apply_changes. */
enum settings_form_result settings_form_apply(struct form *f, struct db *db,
					      struct apply_outcome *o, struct err *e);

#endif
