/* ssl_wizard.h - the SSL configuration wizard's state, shared by its screen
 * (screen_ssl_wizard.c: the forms, drawing, keys, moving between steps), its
 * steps (ssl_wizard_cert.c: 1 and 2; ssl_wizard_acme.c: the ACME choice of 2;
 * ssl_wizard_settings.c: 3 to 5, what each asks and checks) and its last
 * part (ssl_wizard_finish.c: the summary, then doing it). */
#ifndef WEBMSG_ADMIN_SSL_WIZARD_H
#define WEBMSG_ADMIN_SSL_WIZARD_H

#include <limits.h>

#include "webmsg/tls_material.h"

#include "core/ssl_setup.h"
#include "widgets/form.h"
#include "widgets/textview.h"

struct config_snapshot;
struct console;

enum wizard_step {
	STEP_KEYSTORE, /* 1 */
	STEP_CERT,     /* 2: what to do about the certificate */
	STEP_DETAILS,  /* 2: its subject, or the files to import */
	STEP_CIPHERS,  /* 3 */
	STEP_CLIENTS,  /* 4 */
	STEP_ENABLE,   /* 5 */
	STEP_SUMMARY,
	STEP_RESULT,
	STEP_COUNT
};
#define FORM_STEPS STEP_SUMMARY /* the steps before it each have a form */

/* The choices of STEP_CERT; the page of the details form each shows. */
enum cert_action { CERT_MAKE, CERT_IMPORT, CERT_KEEP, CERT_ACME };
#define CERT_ACTIONS 4

/* The details form's fields, in the order they are added. */
enum detail_field {
	D_KEY_TYPE,
	D_CN,
	D_ORG,
	D_UNIT,
	D_LOCALITY,
	D_STATE,
	D_COUNTRY,
	D_EMAIL,
	D_SANS,
	D_DAYS,
	D_PASSWORD,
	D_CERT_FILE,
	D_CHAIN_FILE,
	D_ACME_EMAIL,
	D_ACME_NAMES,
	D_ACME_DIRECTORY,
	D_ACME_URL,
	D_ACME_CA_FILE,
	D_ACME_KEY_TYPE,
	D_ACME_AGREE,
};

/* D_ACME_DIRECTORY's choices. */
#define ACME_DIR_PRODUCTION "Let's Encrypt"
#define ACME_DIR_STAGING "Let's Encrypt staging (trials)"
#define ACME_DIR_OTHER "Another CA: its directory URL below"

struct wizard {
	enum wizard_step step;
	struct form forms[FORM_STEPS];
	struct textview view; /* under a form, or the summary, or the result */
	char view_for[PATH_MAX + 256]; /* what the view describes now */

	/* What the steps checked, for the finish. */
	char keystore[PATH_MAX];
	enum cert_action action;
	int replace_cert;    /* server.crt or server.key exist: kept as .bak */
	int replace_request; /* request.csr or request.key exist */
	struct tls_request req; /* password not kept here */
	int explicit_files;     /* ssl.cert_file, key_file or chain_file point elsewhere */
	char acme_terms[2048];  /* the ACME CA's terms of service, as its directory says */

	/* The certificate HTTPS would present with the key store of step 1, as
	 * looked at when step 1 was last passed with that folder. */
	char looked_at[PATH_MAX];
	int has_current;
	struct ssl_setup_current current;
	/* STEP_CERT's choices: "Keep the current certificate" first when
	 * current.usable; choice_action maps each to what it does. */
	const char *choices[CERT_ACTIONS + 1];
	enum cert_action choice_action[CERT_ACTIONS];
	/* The configuration when the wizard was started (or last warned): Apply
	 * saves a setting only if it is still as it was then. */
	struct config_snapshot *opened;
};

/* A step's check failed at field i of f: e goes under it, and the cursor to it. */
void wizard_field_error(struct form *f, int i, const struct err *e);

/* Steps 1 and 2 (ssl_wizard_cert.c). The details form's fields, in the
 * order of enum detail_field. */
void wizard_build_details(struct form *f);
/* D_ACME_KEY_TYPE's choices, the default first. */
extern const char *const wizard_acme_key_types[];
/* STEP_CERT's choices: keeping the current certificate first when it can be
 * kept, and chosen to start with. */
void wizard_set_choices(struct wizard *w, int can_keep);
/* The certificate in the key store chosen at step 1, into w->view. */
void wizard_describe_cert(struct console *c, struct wizard *w);
/* Each 0 when the wizard may go on, else -1 with the reason under its field. */
int wizard_check_keystore(struct console *c, struct wizard *w);
int wizard_check_cert_choice(struct wizard *w);
int wizard_check_request(struct wizard *w);
int wizard_check_import(struct wizard *w);

/* The ACME choice (ssl_wizard_acme.c). The order from the details form into
 * s (whose init is the caller's): -1 with *field the field at fault. */
struct acme_setup;
int wizard_acme_order(struct wizard *w, struct acme_setup *s, struct err *e, int *field);
int wizard_check_acme(struct wizard *w);

/* Steps 3 to 5 (ssl_wizard_settings.c). What the cipher profile allows, into w->view. */
void wizard_describe_ciphers(struct wizard *w);
int wizard_check_ciphers(struct console *c, struct wizard *w);
int wizard_check_clients(struct console *c, struct wizard *w);
int wizard_check_enable(struct console *c, struct wizard *w);

/* Describes what applying will do, into w->view. */
void wizard_summary(struct console *c, struct wizard *w);
/* Does it: files, settings in one version, the daemon's answer, a handshake.
 * When nothing could be saved (another operator saved one of the settings
 * meanwhile, or the decision refused them) it goes back to the step that
 * asks for it, with what was typed kept and the reason under the field. */
void wizard_finish(struct console *c, struct wizard *w);

#endif
