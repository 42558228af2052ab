/* acme_account.c - the ACME account: its key in the key store (EC P-256,
 * made once, encrypted with the key store's password, 0600) and the
 * account at the CA (new account, its address kept as the JWS kid). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "webmsg/fileio.h"

#include "acme_private.h"

/* The account key: read from the key store, or made and stored (0600,
 * encrypted with the key store's password) the first time. */
int acme_account_key(struct acme *a, struct err *e)
{
	char path[PATH_MAX];
	const char *password = a->o->password;
	char *data = NULL;
	size_t len;
	BIO *bio;
	int n = snprintf(path, sizeof(path), "%s/%s", a->o->keystore, ACME_ACCOUNT_KEY);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, "the path of the account key is too long");
	if (access(path, F_OK) == 0) {
		if (fileio_read_path(path, O_NOFOLLOW, KEY_FILE_MAX, &data, &len, e) < 0)
			return -1;
		bio = BIO_new_mem_buf(data, (int)len);
		a->account = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)password) : NULL;
		BIO_free(bio);
		OPENSSL_cleanse(data, len);
		free(data);
		if (!a->account) {
			ERR_clear_error();
			return err_set(e, "cannot decrypt %s with the stored key password", path);
		}
		return 0;
	}
	acme_progress(a, "making the account key %s", path);
	a->account = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	bio = BIO_new(BIO_s_mem());
	if (!a->account || !bio ||
	    !PEM_write_bio_PKCS8PrivateKey(bio, a->account, EVP_aes_256_cbc(), password,
					   (int)strlen(password), NULL, NULL)) {
		BIO_free(bio);
		return err_ssl(e, "cannot make the ACME account key");
	}
	char *pem;
	long pemlen = BIO_get_mem_data(bio, &pem);
	int rc = fileio_write_atomic(path, pem, (size_t)pemlen, 0600, e);
	BIO_free(bio);
	return rc;
}

int acme_account_register(struct acme *a, struct err *e)
{
	struct answer ans;
	json_t *req, *doc = NULL;
	char *payload;
	int rc;

	req = json_pack("{s:b}", "termsOfServiceAgreed", a->o->agree_tos ? 1 : 0);
	if (req && a->o->email && a->o->email[0]) {
		char mailto[320];
		if (snprintf(mailto, sizeof(mailto), "mailto:%s", a->o->email) >=
		    (int)sizeof(mailto)) {
			json_decref(req);
			return err_set(e, "the e-mail address is too long");
		}
		json_object_set_new(req, "contact", json_pack("[s]", mailto));
	}
	payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!payload)
		return err_set(e, "out of memory");
	acme_progress(a, "account");
	rc = acme_post_json(a, a->new_account, payload, "new account", &doc, &ans, e);
	free(payload);
	if (rc < 0)
		return -1;
	if (!ans.location[0])
		rc = err_set(e, "the CA did not say where the account is");
	else
		snprintf(a->kid, sizeof(a->kid), "%s", ans.location);
	json_decref(doc);
	acme_answer_free(&ans);
	return rc;
}
