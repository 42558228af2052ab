/* tls_subject.c - checking what a person typed for a key or certificate:
 * subject fields, alternative names, key passwords, the key store folder. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "webmsg/password.h"

#include "tls_private.h"

#define GENERATED_PASSWORD_LEN 32

/* A copy fit to quote in a message: anything but printable ASCII becomes '?',
 * so that a name cannot smuggle escape sequences onto the console, nor hide
 * behind a NUL what follows it ("good.example\0.evil.example"). */
const char *tls_subject_printable(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t n = 0;
	for (size_t i = 0; i < inlen && n + 1 < outlen; i++)
		out[n++] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[n] = '\0';
	return out;
}

/* The number of characters of a UTF-8 string; -1 when it is not UTF-8, -2 when
 * it holds a control character (C0, DEL or C1), which no certificate field should. */
static long utf8_chars(const char *s)
{
	static const uint32_t least[] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	while (*p) {
		uint32_t c;
		int more;
		if (*p < 0x80) {
			c = *p;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07;
			more = 3;
		} else {
			return -1;
		}
		p++;
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (*p & 0x3f);
		}
		if (c < least[more] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			return -2;
		n++;
	}
	return n;
}

/* max is the upper bound X.509 (and OpenSSL) sets for the attribute. */
static int check_field(const char *value, size_t size, const char *what, long max, struct err *e)
{
	if (strnlen(value, size) == size)
		return err_set(e, "the %s is not terminated", what);
	long n = utf8_chars(value);
	if (n == -1)
		return err_set(e, "the %s is not valid UTF-8", what);
	if (n == -2)
		return err_set(e, "the %s contains a control character", what);
	if (n > max)
		return err_set(e, "the %s is longer than %ld characters", what, max);
	return 0;
}

static int is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* What is wrong with a host name as certificates carry it (NULL: nothing):
 * letters, digits and hyphens in labels of 1 to 63 characters, 253 in all,
 * optionally "*." in front for every host one level below. International
 * names are written in their ASCII form (xn--...). */
static const char *dns_name_problem(const char *name)
{
	const char *p = name;
	int wildcard = 0, labels = 0, last_numeric = 0;
	size_t total = strlen(name);
	if (total == 0)
		return "is empty";
	if (total > 253)
		return "is longer than 253 characters";
	if (strncmp(p, "*.", 2) == 0) {
		wildcard = 1;
		p += 2;
	}
	for (;;) {
		const char *start = p;
		int numeric = 1;
		for (; *p && *p != '.'; p++) {
			if (!is_ldh(*p))
				return "may hold only letters, digits, hyphens and dots (and a "
				       "wildcard only as \"*.\" in front)";
			if (*p < '0' || *p > '9')
				numeric = 0;
		}
		size_t len = (size_t)(p - start);
		if (len == 0)
			return "has an empty label (two dots in a row, or a dot at an end)";
		if (len > 63)
			return "has a label longer than 63 characters";
		if (*start == '-' || p[-1] == '-')
			return "has a label that starts or ends with a hyphen";
		labels++;
		last_numeric = numeric;
		if (!*p)
			break;
		p++;
	}
	if (last_numeric)
		return "ends in a number, and is not an IP address either";
	if (wildcard && labels < 2)
		return "puts a wildcard over a whole top-level domain";
	return NULL;
}

/* 4 or 16 when name is an IPv4 or IPv6 address (its bytes then in ip), else 0. */
int tls_subject_ip_parse(const char *name, unsigned char ip[16])
{
	if (inet_pton(AF_INET, name, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, name, ip) == 1)
		return 16;
	return 0;
}

static const char *host_problem(const char *name)
{
	unsigned char ip[16];
	return tls_subject_ip_parse(name, ip) ? NULL : dns_name_problem(name);
}

static const char *email_problem(const char *email)
{
	const char *at = strchr(email, '@');
	if (!at || at == email)
		return "needs a name before an @";
	if (strchr(at + 1, '@'))
		return "has more than one @";
	if (at - email > 64)
		return "has a name longer than 64 characters before the @";
	for (const char *p = email; p < at; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("()<>[]:;,\\\"", *p))
			return "has a character that cannot appear in an address";
	if (at[1] == '*' || dns_name_problem(at + 1))
		return "does not end in a valid domain name";
	return NULL;
}

int tls_subject_validate(const struct tls_subject *s, struct err *e)
{
	const struct {
		const char *value;
		size_t size;
		const char *what;
		long max;
	} fields[] = {
		{ s->cn, sizeof(s->cn), "common name", 64 },
		{ s->o, sizeof(s->o), "organization", 64 },
		{ s->ou, sizeof(s->ou), "organizational unit", 64 },
		{ s->l, sizeof(s->l), "locality", 128 },
		{ s->st, sizeof(s->st), "state or province", 128 },
		{ s->email, sizeof(s->email), "e-mail address", 128 },
	};
	char shown[NAME_TEXT_MAX];
	const char *problem;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (check_field(fields[i].value, fields[i].size, fields[i].what, fields[i].max, e) < 0)
			return -1;
	if (!s->cn[0])
		return err_set(e, "the common name is required: the server's host name, as "
				  "browsers reach it");
	/* The common name is also an alternative name, which browsers check. */
	if ((problem = host_problem(s->cn)))
		return err_set(e, "the common name \"%s\" %s; it must be the server's host name or "
				  "IP address",
			       tls_subject_printable(s->cn, strlen(s->cn), shown, sizeof(shown)), problem);
	if (strnlen(s->c, sizeof(s->c)) == sizeof(s->c))
		return err_set(e, "the country is not terminated");
	if (s->c[0]) {
		int letters = 1;
		for (int i = 0; i < 2; i++)
			if (!((s->c[i] >= 'A' && s->c[i] <= 'Z') || (s->c[i] >= 'a' && s->c[i] <= 'z')))
				letters = 0;
		if (!letters || s->c[2])
			return err_set(e, "the country must be two letters (ISO 3166, such as FR "
					  "or US)");
	}
	if (s->email[0] && (problem = email_problem(s->email)))
		return err_set(e, "the e-mail address \"%s\" %s",
			       tls_subject_printable(s->email, strlen(s->email), shown, sizeof(shown)), problem);
	if (s->nsans > TLS_MAX_SANS)
		return err_set(e, "more than %d alternative names", TLS_MAX_SANS);
	for (size_t i = 0; i < s->nsans; i++) {
		if (strnlen(s->sans[i], sizeof(s->sans[i])) == sizeof(s->sans[i]))
			return err_set(e, "alternative name %zu is not terminated", i + 1);
		if (!s->sans[i][0])
			return err_set(e, "alternative name %zu is empty", i + 1);
		if ((problem = host_problem(s->sans[i])))
			return err_set(e, "the alternative name \"%s\" %s",
				       tls_subject_printable(s->sans[i], strlen(s->sans[i]), shown,
						 sizeof(shown)),
				       problem);
	}
	return 0;
}

int tls_subject_password_check(const char *password, struct err *e)
{
	if (!password)
		return err_set(e, "no password for the private key");
	size_t len = strlen(password);
	if (len < PASSWORD_MIN)
		return err_set(e, "the private key password must have at least %d characters",
			       PASSWORD_MIN);
	if (len > TLS_PASSWORD_MAX)
		return err_set(e, "the private key password is longer than %d characters",
			       TLS_PASSWORD_MAX);
	return 0;
}

int tls_password_generate(char *out, size_t outlen, struct err *e)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	/* 248 = 4 * 62: bytes from 248 up are dropped so every character is equally likely. */
	const unsigned int limit = 4 * (sizeof(alphabet) - 1);
	unsigned char rnd[64];
	size_t n = 0;

	if (!out || outlen < GENERATED_PASSWORD_LEN + 1)
		return err_set(e, "no room for a %d-character password", GENERATED_PASSWORD_LEN);
	while (n < GENERATED_PASSWORD_LEN) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			OPENSSL_cleanse(out, outlen);
			return err_ssl(e, "cannot make a random password");
		}
		for (size_t i = 0; i < sizeof(rnd) && n < GENERATED_PASSWORD_LEN; i++)
			if (rnd[i] < limit)
				out[n++] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	}
	out[n] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

int tls_keystore_check(const char *dir, struct err *e)
{
	struct stat sb;
	if (!dir || !*dir)
		return err_set(e, "no key store folder is set");
	if (stat(dir, &sb) != 0) {
		if (errno == ENOENT)
			return err_set(e, "the key store folder %s does not exist", dir);
		return err_sys(e, "cannot reach the key store folder %s", dir);
	}
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, "the key store %s is not a folder", dir);
	if (access(dir, R_OK | W_OK | X_OK) != 0)
		return err_sys(e, "cannot write in the key store folder %s", dir);
	return 0;
}
