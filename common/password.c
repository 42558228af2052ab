/* password.c - Argon2id hashes with the parameters OWASP recommends
 * (19 MiB, 2 passes, 1 lane), salts from OpenSSL's generator. */
#include <pthread.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "webmsg/err.h"
#include "webmsg/password.h"

#define T_COST 2
#define M_COST (19 * 1024)
#define PARALLELISM 1
#define SALT_LEN 16
#define HASH_LEN 32

int password_acceptable(const char *password, struct err *e)
{
	size_t len = strlen(password);
	if (len == 0)
		return err_set(e, "the password is empty");
	if (len > PASSWORD_MAX)
		return err_set(e, "the password is longer than %d characters", PASSWORD_MAX);
	for (const char *p = password; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(e, "the password contains a control character");
	if (len < PASSWORD_MIN)
		return err_set(e, "the password must have at least %d characters", PASSWORD_MIN);
	return 0;
}

int password_hash(const char *password, char *out, size_t outlen, struct err *e)
{
	unsigned char salt[SALT_LEN];
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return err_ssl(e, "cannot make a salt");
	int rc = argon2id_hash_encoded(T_COST, M_COST, PARALLELISM, password, strlen(password), salt,
				       sizeof(salt), HASH_LEN, out, outlen);
	if (rc != ARGON2_OK)
		return err_set(e, "cannot hash the password: %s", argon2_error_message(rc));
	return 0;
}

int password_verify(const char *hash, const char *password)
{
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return -1;
	/* argon2 compares the digests in constant time. */
	int rc = argon2id_verify(hash, password, strlen(password));
	if (rc == ARGON2_OK)
		return 1;
	return rc == ARGON2_VERIFY_MISMATCH ? 0 : -1;
}

static char dummy_hash[PASSWORD_HASH_MAX];

static void make_dummy(void)
{
	if (password_hash("no user has this password", dummy_hash, sizeof(dummy_hash), NULL) < 0)
		dummy_hash[0] = '\0';
}

void password_verify_dummy(const char *password)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_dummy);
	if (dummy_hash[0])
		password_verify(dummy_hash, password);
}
