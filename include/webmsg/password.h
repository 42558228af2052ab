/* password.h - Argon2id password hashes in the PHC string format. */
#ifndef WEBMSG_PASSWORD_H
#define WEBMSG_PASSWORD_H

#include <stddef.h>

struct err;

#define PASSWORD_HASH_MAX 128
#define PASSWORD_MAX 1024
/* The shortest password a user, or the TLS private key, may have. */
#define PASSWORD_MIN 8

int password_hash(const char *password, char *out, size_t outlen, struct err *e);
/* 1 when the password matches, 0 when not, -1 when the hash is unreadable. */
int password_verify(const char *hash, const char *password);
/* Costs as much as a verification, for users that do not exist. */
void password_verify_dummy(const char *password);
/* Rejects short, over-long and control-character passwords, with a reason. */
int password_acceptable(const char *password, struct err *e);

#endif
