/* tls_material.c - keys, self-signed certificates, requests for a CA and the
 * import of its answer, with OpenSSL 3.0; every file lands whole or not at all. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "webmsg/err.h"
#include "webmsg/password.h"
#include "webmsg/tls_material.h"

#define FILE_MAX (1024 * 1024) /* no certificate, chain or key file is bigger */
#define DAYS_MAX 3650
#define GENERATED_PASSWORD_LEN 32
#define SERIAL_BITS 128
/* notBefore is set a little in the past so that a client whose clock is a few
 * minutes slow does not see a brand new certificate as not yet valid. */
#define CLOCK_SKEW_SECONDS 300
#define NAME_TEXT_MAX 160 /* a subject quoted in a message */
#define TEMP_ATTEMPTS 10
#define BACKUP_ATTEMPTS 100

static const struct key_type {
	const char *name;
	const char *curve; /* NULL: RSA */
	unsigned int bits;
} key_types[TLS_KEY_TYPES] = {
	[TLS_KEY_EC_P256] = { "ec-p256", "P-256", 256 },
	[TLS_KEY_EC_P384] = { "ec-p384", "P-384", 384 },
	[TLS_KEY_RSA_2048] = { "rsa-2048", NULL, 2048 },
	[TLS_KEY_RSA_3072] = { "rsa-3072", NULL, 3072 },
	[TLS_KEY_RSA_4096] = { "rsa-4096", NULL, 4096 },
};

const char *tls_key_type_name(enum tls_key_type t)
{
	if ((unsigned)t >= TLS_KEY_TYPES)
		return NULL;
	return key_types[t].name;
}

int tls_key_type_parse(const char *name, enum tls_key_type *out)
{
	for (int i = 0; i < TLS_KEY_TYPES; i++) {
		if (name && strcasecmp(name, key_types[i].name) == 0) {
			*out = (enum tls_key_type)i;
			return 0;
		}
	}
	return -1;
}

/* ---- checking what a person typed ---- */

/* A copy fit to quote in a message: anything but printable ASCII becomes '?',
 * so that a name cannot smuggle escape sequences onto the console, nor hide
 * behind a NUL what follows it ("good.example\0.evil.example"). */
static const char *printable(const char *in, size_t inlen, char *out, size_t outlen)
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
static int ip_parse(const char *name, unsigned char ip[16])
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
	return ip_parse(name, ip) ? NULL : dns_name_problem(name);
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
			       printable(s->cn, strlen(s->cn), shown, sizeof(shown)), problem);
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
			       printable(s->email, strlen(s->email), shown, sizeof(shown)), problem);
	if (s->nsans > TLS_MAX_SANS)
		return err_set(e, "more than %d alternative names", TLS_MAX_SANS);
	for (size_t i = 0; i < s->nsans; i++) {
		if (strnlen(s->sans[i], sizeof(s->sans[i])) == sizeof(s->sans[i]))
			return err_set(e, "alternative name %zu is not terminated", i + 1);
		if (!s->sans[i][0])
			return err_set(e, "alternative name %zu is empty", i + 1);
		if ((problem = host_problem(s->sans[i])))
			return err_set(e, "the alternative name \"%s\" %s",
				       printable(s->sans[i], strlen(s->sans[i]), shown,
						 sizeof(shown)),
				       problem);
	}
	return 0;
}

static int password_check(const char *password, struct err *e)
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

/* ---- files ---- */

static int path_join(char *out, size_t outlen, const char *dir, const char *name, struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path %s/%s is too long", dir, name);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

struct file_data {
	char *data; /* NUL-terminated; owned */
	size_t len;
};

static void file_data_free(struct file_data *f)
{
	if (f->data) {
		/* It may be a private key. */
		OPENSSL_cleanse(f->data, f->len);
		free(f->data);
	}
	f->data = NULL;
	f->len = 0;
}

/* what names the file in "certificate file X not found". */
static int read_file(const char *path, const char *what, struct file_data *f, struct err *e)
{
	struct stat sb;
	int fd;
	f->data = NULL;
	f->len = 0;
	if (!path || !*path)
		return err_set(e, "no %s file given", what);
	/* O_NONBLOCK: a FIFO in its place must not hang us before the check below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, "%s file %s not found", what, path);
		return err_sys(e, "cannot read %s", path);
	}
	if (fstat(fd, &sb) != 0) {
		err_sys(e, "cannot read %s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, "%s is not a file", path);
	}
	if (sb.st_size > FILE_MAX) {
		close(fd);
		return err_set(e, "%s is larger than %d KiB: not a %s file", path, FILE_MAX / 1024,
			       what);
	}
	f->data = malloc((size_t)sb.st_size + 1);
	if (!f->data) {
		close(fd);
		return err_sys(e, "cannot read %s", path);
	}
	while (f->len < (size_t)sb.st_size) {
		ssize_t got = read(fd, f->data + f->len, (size_t)sb.st_size - f->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err_sys(e, "cannot read %s", path);
			close(fd);
			file_data_free(f);
			return -1;
		}
		if (got == 0)
			break;
		f->len += (size_t)got;
	}
	f->data[f->len] = '\0';
	close(fd);
	return 0;
}

/* A file written whole under a temporary name beside its final one; rename()
 * then puts it in place in one step, so a crash leaves the old file or the
 * new one, never half of one. */
struct staged {
	const char *name; /* in the key store */
	char tmp[PATH_MAX];
	char path[PATH_MAX];
	int pending; /* tmp exists and is ours to remove */
};

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int stage_write(struct staged *s, const char *dir, const char *name, const char *data,
		       size_t len, struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	char suffix[2 * sizeof(rnd) + 1];
	int fd = -1;

	s->name = name;
	s->pending = 0;
	if (path_join(s->path, sizeof(s->path), dir, name, e) < 0)
		return -1;
	for (int attempt = 0;; attempt++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return err_ssl(e, "cannot name a temporary file");
		for (size_t i = 0; i < sizeof(rnd); i++) {
			suffix[2 * i] = hex[rnd[i] >> 4];
			suffix[2 * i + 1] = hex[rnd[i] & 15];
		}
		suffix[2 * sizeof(rnd)] = '\0';
		int n = snprintf(s->tmp, sizeof(s->tmp), "%s/.%s.%s.tmp", dir, name, suffix);
		if (n < 0 || (size_t)n >= sizeof(s->tmp))
			return err_set(e, "the path %s/%s is too long", dir, name);
		fd = open(s->tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || attempt + 1 == TEMP_ATTEMPTS)
			return err_sys(e, "cannot create a file in %s", dir);
	}
	s->pending = 1;
	/* The umask can only take bits away; make it exactly owner-only anyway. */
	if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		err_sys(e, "cannot write %s", s->path);
		close(fd);
		unlink(s->tmp);
		s->pending = 0;
		return -1;
	}
	if (close(fd) != 0) {
		err_sys(e, "cannot write %s", s->path);
		unlink(s->tmp);
		s->pending = 0;
		return -1;
	}
	return 0;
}

static void stage_discard(struct staged *s)
{
	if (s->pending)
		unlink(s->tmp);
	s->pending = 0;
}

/* The current local time as it goes in backup names: YYYYMMDDTHHMMSS. */
static int make_stamp(char *out, size_t outlen, struct err *e)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || strftime(out, outlen, "%Y%m%dT%H%M%S", &tm) == 0)
		return err_set(e, "cannot read the clock");
	return 0;
}

/* Keeps the current NAME, if any, as NAME.STAMP.bak. With keep the file also
 * stays where it is (a hard link), so that the rename that follows replaces
 * it in one step and it is never missing in between; without keep it is
 * moved away. A backup is never overwritten. */
static int backup(const char *dir, const char *name, const char *stamp, int keep, struct err *e)
{
	char path[PATH_MAX], bak[PATH_MAX];
	struct stat sb;

	if (path_join(path, sizeof(path), dir, name, e) < 0)
		return -1;
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "cannot reach %s", path);
	}
	for (int i = 0; i < BACKUP_ATTEMPTS; i++) {
		int n = i == 0 ? snprintf(bak, sizeof(bak), "%s.%s.bak", path, stamp)
			       : snprintf(bak, sizeof(bak), "%s.%s-%d.bak", path, stamp, i);
		if (n < 0 || (size_t)n >= sizeof(bak))
			return err_set(e, "the path of a backup of %s is too long", path);
		if (keep) {
			if (link(path, bak) == 0)
				return 0;
			if (errno == EEXIST)
				continue;
			/* No hard links on this file system: move it instead. */
			if (errno != EPERM && errno != EOPNOTSUPP && errno != EXDEV &&
			    errno != EMLINK)
				return err_sys(e, "cannot keep a backup of %s", path);
		}
		if (lstat(bak, &sb) == 0)
			continue;
		if (rename(path, bak) == 0)
			return 0;
		return err_sys(e, "cannot keep a backup of %s", path);
	}
	return err_set(e, "too many backups of %s in the same second", path);
}

/* The old file becomes a backup and the staged one takes its place. */
static int install(const char *dir, struct staged *s, const char *stamp, struct err *e)
{
	if (backup(dir, s->name, stamp, 1, e) < 0)
		return -1;
	if (rename(s->tmp, s->path) != 0)
		return err_sys(e, "cannot put %s in place", s->path);
	s->pending = 0;
	return 0;
}

/* Makes the renames durable too. Best effort: the files themselves are
 * already complete, and some file systems cannot sync a folder. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static int refuse_existing(const char *dir, const char *const *names, size_t n, struct err *e)
{
	char path[PATH_MAX];
	struct stat sb;
	for (size_t i = 0; i < n; i++) {
		if (path_join(path, sizeof(path), dir, names[i], e) < 0)
			return -1;
		if (lstat(path, &sb) == 0)
			return err_set(e, "%s already exists in %s; replacing it must be forced (the "
					  "old files are then kept as NAME.DATE.bak)",
				       names[i], dir);
		if (errno != ENOENT)
			return err_sys(e, "cannot reach %s", path);
	}
	return 0;
}

/* ---- reading keys and certificates ---- */

/* Hands OpenSSL the stored password. Without a callback OpenSSL would ask
 * for one on the terminal, which library code must never do. */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
	const char *password = u;
	(void)rwflag;
	if (!password)
		return -1;
	size_t len = strlen(password);
	if (len > (size_t)size)
		return -1;
	memcpy(buf, password, len);
	return (int)len;
}

static int load_key(const char *path, const char *password, EVP_PKEY **out, struct err *e)
{
	struct file_data f;
	BIO *bio;
	int encrypted, has_key;

	*out = NULL;
	if (read_file(path, "key", &f, e) < 0)
		return -1;
	encrypted = strstr(f.data, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
		    strstr(f.data, "Proc-Type: 4,ENCRYPTED") != NULL;
	has_key = strstr(f.data, "PRIVATE KEY-----") != NULL;
	bio = BIO_new_mem_buf(f.data, (int)f.len);
	if (bio) {
		*out = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)password);
		BIO_free(bio);
	}
	file_data_free(&f);
	if (*out) {
		ERR_clear_error();
		return 0;
	}
	if (encrypted) {
		ERR_clear_error();
		return err_set(e, "cannot decrypt the private key with the stored password");
	}
	if (has_key)
		return err_ssl(e, "cannot read the private key in %s", path);
	ERR_clear_error();
	return err_set(e, "no PEM private key in %s", path);
}

/* The certificates of a PEM file in order (blocks of other kinds, such as a
 * key, are skipped); with allow_der also a single DER certificate, as some CAs
 * send them. */
static int read_certs(const char *path, const char *what, int allow_der, STACK_OF(X509) **out,
		      struct err *e)
{
	struct file_data f;
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	int blocks = 0, rc = -1;

	*out = NULL;
	if (read_file(path, what, &f, e) < 0)
		return -1;
	certs = sk_X509_new_null();
	bio = BIO_new_mem_buf(f.data, (int)f.len);
	if (!certs || !bio) {
		err_ssl(e, "cannot read %s", path);
		goto done;
	}
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long len = 0;
		X509 *x = NULL;
		int is_cert, trusted;

		if (!PEM_read_bio(bio, &name, &header, &data, &len)) {
			unsigned long code = ERR_peek_last_error();
			if (ERR_GET_LIB(code) == ERR_LIB_PEM &&
			    ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			err_ssl(e, "%s: PEM block %d is damaged", path, blocks + 1);
			goto done;
		}
		blocks++;
		trusted = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
		is_cert = trusted || strcmp(name, PEM_STRING_X509) == 0 ||
			  strcmp(name, PEM_STRING_X509_OLD) == 0;
		if (is_cert) {
			const unsigned char *p = data;
			x = trusted ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		if (is_cert && !x) {
			err_ssl(e, "%s: certificate %d cannot be read", path,
				sk_X509_num(certs) + 1);
			goto done;
		}
		if (x && !sk_X509_push(certs, x)) {
			X509_free(x);
			err_ssl(e, "cannot read %s", path);
			goto done;
		}
	}
	if (blocks == 0 && allow_der) {
		const unsigned char *p = (const unsigned char *)f.data;
		X509 *x = d2i_X509(NULL, &p, (long)f.len);
		if (x && !sk_X509_push(certs, x))
			X509_free(x);
		ERR_clear_error();
	}
	if (sk_X509_num(certs) == 0) {
		err_set(e, "no %scertificate in %s", allow_der ? "" : "PEM ", path);
		goto done;
	}
	*out = certs;
	certs = NULL;
	rc = 0;
done:
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	file_data_free(&f);
	return rc;
}

/* "CN=www.example.org, O=Example, C=FR", UTF-8 kept, control characters
 * escaped, cut with "..." when it does not fit. */
static const char *name_text(const X509_NAME *name, char *out, size_t outlen)
{
	unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) |
			      XN_FLAG_SEP_CPLUS_SPC;
	BIO *bio = BIO_new(BIO_s_mem());
	out[0] = '\0';
	if (bio && X509_NAME_print_ex(bio, name, 0, flags) >= 0) {
		char *data;
		long len = BIO_get_mem_data(bio, &data);
		size_t n = len > 0 ? (size_t)len : 0;
		int cut = n >= outlen;
		if (cut)
			n = outlen - 1;
		memcpy(out, data, n);
		out[n] = '\0';
		if (cut && n >= 3)
			memcpy(out + n - 3, "...", 3);
	}
	BIO_free(bio);
	return out;
}

/* "2026-11-27 10:00:00 UTC" */
static const char *time_text(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm) || strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, outlen, "an unreadable date");
	return out;
}

static int check_dates(X509 *x, const char *what, struct err *e)
{
	char when[32];
	int cmp = X509_cmp_current_time(X509_get0_notAfter(x));
	if (cmp == 0)
		return err_set(e, "%s has an unreadable expiry date", what);
	if (cmp < 0)
		return err_set(e, "%s expired on %s", what,
			       time_text(X509_get0_notAfter(x), when, sizeof(when)));
	cmp = X509_cmp_current_time(X509_get0_notBefore(x));
	if (cmp == 0)
		return err_set(e, "%s has an unreadable start date", what);
	if (cmp > 0)
		return err_set(e, "%s is not valid before %s", what,
			       time_text(X509_get0_notBefore(x), when, sizeof(when)));
	return 0;
}

/* Why a certificate cannot serve TLS (NULL: it can). TLS 1.3 and ECDHE sign
 * the handshake, hence digitalSignature when a keyUsage is present. */
static const char *usage_problem(X509 *x)
{
	uint32_t flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID)
		return "its extensions cannot be read";
	if (flags & EXFLAG_CA)
		return "it is a CA certificate (basicConstraints CA:TRUE)";
	if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(x) & XKU_SSL_SERVER))
		return "its extended key usage does not include TLS server authentication "
		       "(serverAuth)";
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE))
		return "its key usage does not allow digital signatures (digitalSignature), which "
		       "TLS needs";
	return NULL;
}

/* ---- making keys, certificates and requests ---- */

static EVP_PKEY *make_key(enum tls_key_type t, struct err *e)
{
	const struct key_type *k = &key_types[t];
	EVP_PKEY *pk = k->curve ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", k->curve)
				: EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)k->bits);
	if (!pk)
		err_ssl(e, "cannot make a %s key", k->name);
	return pk;
}

static int fill_name(X509_NAME *n, const struct tls_subject *s, struct err *e)
{
	char c[3] = { 0 };
	for (int i = 0; i < 2 && s->c[i]; i++)
		c[i] = s->c[i] >= 'a' && s->c[i] <= 'z' ? (char)(s->c[i] - 'a' + 'A') : s->c[i];
	const struct {
		int nid;
		const char *value;
	} parts[] = {
		{ NID_countryName, c },
		{ NID_stateOrProvinceName, s->st },
		{ NID_localityName, s->l },
		{ NID_organizationName, s->o },
		{ NID_organizationalUnitName, s->ou },
		{ NID_commonName, s->cn },
		{ NID_pkcs9_emailAddress, s->email },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].value[0] &&
		    !X509_NAME_add_entry_by_NID(n, parts[i].nid, MBSTRING_UTF8,
						(const unsigned char *)parts[i].value, -1, -1, 0))
			return err_ssl(e, "cannot put the %s in the certificate",
				       OBJ_nid2ln(parts[i].nid));
	return 0;
}

static int same_host(const char *a, const char *b)
{
	unsigned char ipa[16], ipb[16];
	int la = ip_parse(a, ipa), lb = ip_parse(b, ipb);
	if (la || lb)
		return la == lb && memcmp(ipa, ipb, (size_t)la) == 0;
	return strcasecmp(a, b) == 0;
}

static int add_general_name(GENERAL_NAMES *names, const char *value)
{
	unsigned char ip[16];
	int iplen = ip_parse(value, ip);
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *str = iplen ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	int ok = g && str &&
		 (iplen ? ASN1_OCTET_STRING_set(str, ip, iplen) : ASN1_STRING_set(str, value, -1));
	if (!ok) {
		ASN1_STRING_free(str);
		GENERAL_NAME_free(g);
		return -1;
	}
	GENERAL_NAME_set0_value(g, iplen ? GEN_IPADD : GEN_DNS, str);
	if (!sk_GENERAL_NAME_push(names, g)) {
		GENERAL_NAME_free(g);
		return -1;
	}
	return 0;
}

/* subjectAltName: the common name first, then the other names, each once.
 * Built as a structure rather than a configuration string, so no name can
 * inject another entry. */
static X509_EXTENSION *make_san(const struct tls_subject *s, struct err *e)
{
	GENERAL_NAMES *names = GENERAL_NAMES_new();
	X509_EXTENSION *ext = NULL;
	int ok = names && add_general_name(names, s->cn) == 0;
	for (size_t i = 0; ok && i < s->nsans; i++) {
		int seen = same_host(s->sans[i], s->cn);
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_host(s->sans[i], s->sans[j]);
		if (!seen)
			ok = add_general_name(names, s->sans[i]) == 0;
	}
	if (ok)
		ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, names);
	GENERAL_NAMES_free(names);
	if (!ext)
		err_ssl(e, "cannot make the subjectAltName extension");
	return ext;
}

struct ext_spec {
	int nid;
	const char *value;
};

/* What makes a certificate a TLS server's and nothing else; the certificate
 * and the request carry the same. */
static size_t server_exts(enum tls_key_type t, struct ext_spec *out)
{
	out[0] = (struct ext_spec){ NID_basic_constraints, "critical,CA:FALSE" };
	/* RSA key exchange (TLS 1.2 without ECDHE) encrypts with the key. */
	out[1] = (struct ext_spec){ NID_key_usage, key_types[t].curve
							   ? "critical,digitalSignature"
							   : "critical,digitalSignature,keyEncipherment" };
	out[2] = (struct ext_spec){ NID_ext_key_usage, "serverAuth" };
	return 3;
}

static X509_EXTENSION *conf_ext(X509V3_CTX *ctx, const struct ext_spec *spec, struct err *e)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, spec->nid, spec->value);
	if (!ext)
		err_ssl(e, "cannot make the %s extension", OBJ_nid2sn(spec->nid));
	return ext;
}

static int cert_add_ext(X509 *x, X509_EXTENSION *ext, struct err *e)
{
	int ok = ext && X509_add_ext(x, ext, -1);
	if (ext && !ok)
		err_ssl(e, "cannot add an extension to the certificate");
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int set_serial(X509 *x, struct err *e)
{
	BIGNUM *bn = BN_new();
	int ok = bn != NULL;
	do
		ok = ok && BN_rand(bn, SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
	while (ok && BN_is_zero(bn));
	ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	if (!ok)
		return err_ssl(e, "cannot make a serial number");
	return 0;
}

static X509 *make_cert(EVP_PKEY *pk, const struct tls_request *req, struct err *e)
{
	static const struct ext_spec key_ids[] = {
		{ NID_subject_key_identifier, "hash" },
		/* "always": OpenSSL leaves it out of self-signed certificates otherwise. */
		{ NID_authority_key_identifier, "keyid:always" },
	};
	struct ext_spec exts[3];
	size_t nexts = server_exts(req->key_type, exts);
	X509V3_CTX ctx;
	X509 *x = X509_new();

	if (!x) {
		err_ssl(e, "cannot make a certificate");
		return NULL;
	}
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -CLOCK_SKEW_SECONDS) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), req->days, 0, NULL) ||
	    !X509_set_pubkey(x, pk)) {
		err_ssl(e, "cannot make a certificate");
		goto fail;
	}
	if (set_serial(x, e) < 0 || fill_name(X509_get_subject_name(x), &req->subject, e) < 0)
		goto fail;
	if (!X509_set_issuer_name(x, X509_get_subject_name(x))) {
		err_ssl(e, "cannot make a certificate");
		goto fail;
	}
	/* Self-signed: the certificate is its own issuer. */
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509V3_set_ctx_nodb(&ctx);
	if (!X509V3_set_issuer_pkey(&ctx, pk)) {
		err_ssl(e, "cannot make a certificate");
		goto fail;
	}
	for (size_t i = 0; i < nexts; i++)
		if (cert_add_ext(x, conf_ext(&ctx, &exts[i], e), e) < 0)
			goto fail;
	if (cert_add_ext(x, make_san(&req->subject, e), e) < 0)
		goto fail;
	/* The subject key identifier must be there before the authority one copies it. */
	for (size_t i = 0; i < sizeof(key_ids) / sizeof(key_ids[0]); i++)
		if (cert_add_ext(x, conf_ext(&ctx, &key_ids[i], e), e) < 0)
			goto fail;
	if (!X509_sign(x, pk, EVP_sha256())) {
		err_ssl(e, "cannot sign the certificate");
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

static X509_REQ *make_req(EVP_PKEY *pk, const struct tls_request *req, struct err *e)
{
	struct ext_spec specs[3];
	size_t nspecs = server_exts(req->key_type, specs);
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_REQ *r = X509_REQ_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	if (!r || !exts || !X509_REQ_set_version(r, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_pubkey(r, pk)) {
		err_ssl(e, "cannot make a certificate request");
		goto fail;
	}
	if (fill_name(X509_REQ_get_subject_name(r), &req->subject, e) < 0)
		goto fail;
	X509V3_set_ctx(&ctx, NULL, NULL, r, NULL, 0);
	X509V3_set_ctx_nodb(&ctx);
	for (size_t i = 0; i <= nspecs; i++) {
		ext = i < nspecs ? conf_ext(&ctx, &specs[i], e) : make_san(&req->subject, e);
		if (!ext)
			goto fail;
		if (!sk_X509_EXTENSION_push(exts, ext)) {
			X509_EXTENSION_free(ext);
			err_ssl(e, "cannot make a certificate request");
			goto fail;
		}
	}
	if (!X509_REQ_add_extensions(r, exts)) {
		err_ssl(e, "cannot add the extensions to the request");
		goto fail;
	}
	if (!X509_REQ_sign(r, pk, EVP_sha256())) {
		err_ssl(e, "cannot sign the certificate request");
		goto fail;
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r;
fail:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(r);
	return NULL;
}

/* A memory BIO's contents, borrowed until the BIO is freed. */
static size_t bio_data(BIO *bio, const char **data)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	*data = p;
	return n > 0 ? (size_t)n : 0;
}

static BIO *key_pem(EVP_PKEY *pk, const char *password, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PKCS8PrivateKey(bio, pk, EVP_aes_256_cbc(), password,
						   (int)strlen(password), NULL, NULL)) {
		BIO_free(bio);
		err_ssl(e, "cannot encrypt the private key");
		return NULL;
	}
	return bio;
}

static int check_request(const char *keystore, const struct tls_request *req, int need_days,
			 struct err *e)
{
	if (!req)
		return err_set(e, "nothing to make");
	if ((unsigned)req->key_type >= TLS_KEY_TYPES)
		return err_set(e, "unknown key type %d", (int)req->key_type);
	if (need_days && (req->days < 1 || req->days > DAYS_MAX))
		return err_set(e, "the certificate must be valid for 1 to %d days", DAYS_MAX);
	if (password_check(req->password, e) < 0 || tls_subject_validate(&req->subject, e) < 0)
		return -1;
	return tls_keystore_check(keystore, e);
}

int tls_selfsign(const char *keystore, const struct tls_request *req, int force, struct err *e)
{
	static const char *const names[] = { TLS_SERVER_KEY, TLS_SERVER_CERT, TLS_SERVER_CHAIN };
	struct staged key = { 0 }, crt = { 0 };
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *kbio = NULL, *cbio = NULL;
	const char *data;
	size_t len;
	char stamp[32];
	int rc = -1;

	ERR_clear_error();
	if (check_request(keystore, req, 1, e) < 0)
		return -1;
	if (!force && refuse_existing(keystore, names, sizeof(names) / sizeof(names[0]), e) < 0)
		return -1;
	if (!(pk = make_key(req->key_type, e)) || !(x = make_cert(pk, req, e)) ||
	    !(kbio = key_pem(pk, req->password, e)))
		goto done;
	cbio = BIO_new(BIO_s_mem());
	if (!cbio || !PEM_write_bio_X509(cbio, x)) {
		err_ssl(e, "cannot write the certificate");
		goto done;
	}
	len = bio_data(kbio, &data);
	if (stage_write(&key, keystore, TLS_SERVER_KEY, data, len, e) < 0)
		goto done;
	len = bio_data(cbio, &data);
	if (stage_write(&crt, keystore, TLS_SERVER_CERT, data, len, e) < 0 ||
	    make_stamp(stamp, sizeof(stamp), e) < 0)
		goto done;
	/* A chain left from a CA's certificate does not lead from this one. */
	if (install(keystore, &key, stamp, e) < 0 || install(keystore, &crt, stamp, e) < 0 ||
	    backup(keystore, TLS_SERVER_CHAIN, stamp, 0, e) < 0)
		goto done;
	rc = 0;
done:
	stage_discard(&key);
	stage_discard(&crt);
	if (key.path[0])
		sync_dir(keystore);
	BIO_free(kbio);
	BIO_free(cbio);
	X509_free(x);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

int tls_csr(const char *keystore, const struct tls_request *req, int force, char **pem_out,
	    struct err *e)
{
	static const char *const names[] = { TLS_REQUEST_KEY, TLS_REQUEST_CSR };
	struct staged key = { 0 }, csr = { 0 };
	EVP_PKEY *pk = NULL;
	X509_REQ *r = NULL;
	BIO *kbio = NULL, *rbio = NULL;
	const char *data;
	size_t len;
	char stamp[32];
	char *copy = NULL;
	int rc = -1;

	if (pem_out)
		*pem_out = NULL;
	ERR_clear_error();
	if (check_request(keystore, req, 0, e) < 0)
		return -1;
	if (!force && refuse_existing(keystore, names, sizeof(names) / sizeof(names[0]), e) < 0)
		return -1;
	if (!(pk = make_key(req->key_type, e)) || !(r = make_req(pk, req, e)) ||
	    !(kbio = key_pem(pk, req->password, e)))
		goto done;
	rbio = BIO_new(BIO_s_mem());
	if (!rbio || !PEM_write_bio_X509_REQ(rbio, r)) {
		err_ssl(e, "cannot write the certificate request");
		goto done;
	}
	len = bio_data(rbio, &data);
	if (pem_out) {
		copy = malloc(len + 1);
		if (!copy) {
			err_sys(e, "cannot copy the certificate request");
			goto done;
		}
		memcpy(copy, data, len);
		copy[len] = '\0';
	}
	if (stage_write(&csr, keystore, TLS_REQUEST_CSR, data, len, e) < 0)
		goto done;
	len = bio_data(kbio, &data);
	if (stage_write(&key, keystore, TLS_REQUEST_KEY, data, len, e) < 0 ||
	    make_stamp(stamp, sizeof(stamp), e) < 0)
		goto done;
	if (install(keystore, &key, stamp, e) < 0 || install(keystore, &csr, stamp, e) < 0)
		goto done;
	if (pem_out) {
		*pem_out = copy;
		copy = NULL;
	}
	rc = 0;
done:
	stage_discard(&key);
	stage_discard(&csr);
	if (csr.path[0])
		sync_dir(keystore);
	free(copy);
	BIO_free(kbio);
	BIO_free(rbio);
	X509_REQ_free(r);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

/* ---- importing a CA's answer ---- */

/* A certificate of an import and where it came from, for messages. */
struct cert_ref {
	X509 *x;          /* borrowed from its file's stack */
	const char *file; /* base name of that file */
	int n;            /* its place in that file, from 1 */
};

/* The key the certificate was made for: the request's, else the server's
 * (a renewal). from_request tells which. */
static int find_key(const char *keystore, X509 *leaf, const char *password, EVP_PKEY **out,
		    int *from_request, struct err *e)
{
	static const char *const names[] = { TLS_REQUEST_KEY, TLS_SERVER_KEY };
	EVP_PKEY *pub = X509_get0_pubkey(leaf);
	struct err first = { "" };
	int found = 0;

	*out = NULL;
	if (!pub)
		return err_ssl(e, "cannot read the public key of the certificate");
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX];
		struct stat sb;
		struct err le;
		EVP_PKEY *k = NULL;
		if (path_join(path, sizeof(path), keystore, names[i], e) < 0)
			return -1;
		if (lstat(path, &sb) != 0 && errno == ENOENT)
			continue;
		found = 1;
		if (load_key(path, password, &k, &le) < 0) {
			if (!first.msg[0])
				err_set(&first, "%s: %s", names[i], le.msg);
			continue;
		}
		if (EVP_PKEY_eq(pub, k) == 1) {
			*out = k;
			*from_request = i == 0;
			ERR_clear_error();
			return 0;
		}
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	if (first.msg[0])
		return err_set(e, "%s", first.msg);
	if (!found)
		return err_set(e, "there is no private key in %s (%s or %s): make a certificate "
				  "request first",
			       keystore, TLS_REQUEST_KEY, TLS_SERVER_KEY);
	return err_set(e, "the certificate does not match the private key of the request (%s) "
			  "nor the server key",
		       TLS_REQUEST_KEY);
}

/* Each certificate must be issued by the next one: names, key identifiers and
 * the signature itself. Where the chain ends is the CA's business. */
static int check_chain(const struct cert_ref *refs, size_t n, struct err *e)
{
	for (size_t i = 1; i < n; i++) {
		const struct cert_ref *child = &refs[i - 1], *parent = &refs[i];
		char psub[NAME_TEXT_MAX], csub[NAME_TEXT_MAX], what[NAME_TEXT_MAX + 300];
		EVP_PKEY *pk = X509_get0_pubkey(parent->x);
		int same_file = strcmp(child->file, parent->file) == 0;
		int issued;

		name_text(X509_get_subject_name(parent->x), psub, sizeof(psub));
		name_text(X509_get_subject_name(child->x), csub, sizeof(csub));
		snprintf(what, sizeof(what), "%s: certificate %d (subject %s)", parent->file,
			 parent->n, psub);
		issued = X509_check_issued(parent->x, child->x);
		if (!pk || X509_verify(child->x, pk) != 1 ||
		    (issued != X509_V_OK && issued != X509_V_ERR_KEYUSAGE_NO_CERTSIGN)) {
			ERR_clear_error();
			return err_set(e, "%s did not issue certificate %d%s%s (subject %s)", what,
				       child->n, same_file ? "" : " of ",
				       same_file ? "" : child->file, csub);
		}
		if (issued == X509_V_ERR_KEYUSAGE_NO_CERTSIGN || !X509_check_ca(parent->x))
			return err_set(e, "%s is not a CA certificate and may not sign others",
				       what);
		if (check_dates(parent->x, what, e) < 0)
			return -1;
	}
	ERR_clear_error();
	return 0;
}

static int pem_certs(const struct cert_ref *refs, size_t n, BIO **out, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	*out = NULL;
	for (size_t i = 0; bio && i < n; i++) {
		if (!PEM_write_bio_X509(bio, refs[i].x)) {
			BIO_free(bio);
			bio = NULL;
		}
	}
	if (!bio)
		return err_ssl(e, "cannot write the certificates");
	*out = bio;
	return 0;
}

int tls_import(const char *keystore, const char *cert_file, const char *chain_file,
	       const char *password, struct err *e)
{
	STACK_OF(X509) *given = NULL, *extra = NULL;
	struct cert_ref *refs = NULL;
	size_t nrefs = 0;
	struct staged crt = { 0 }, chain = { 0 };
	EVP_PKEY *key = NULL;
	BIO *cbio = NULL, *chbio = NULL;
	int from_request = 0, rc = -1;
	const char *problem, *data;
	size_t len;
	char stamp[32], from[PATH_MAX], to[PATH_MAX];

	ERR_clear_error();
	if (tls_keystore_check(keystore, e) < 0)
		return -1;
	if (read_certs(cert_file, "certificate", 1, &given, e) < 0)
		goto done;
	if (chain_file && *chain_file && read_certs(chain_file, "chain", 1, &extra, e) < 0)
		goto done;
	refs = calloc((size_t)sk_X509_num(given) + (size_t)(extra ? sk_X509_num(extra) : 0),
		      sizeof(*refs));
	if (!refs) {
		err_sys(e, "cannot import the certificate");
		goto done;
	}
	/* The leaf may come followed by its chain, and the chain file may repeat it. */
	for (int i = 0; i < sk_X509_num(given); i++)
		refs[nrefs++] = (struct cert_ref){ sk_X509_value(given, i), base_name(cert_file),
						   i + 1 };
	for (int i = 0; extra && i < sk_X509_num(extra); i++) {
		X509 *x = sk_X509_value(extra, i);
		int seen = 0;
		for (size_t j = 0; j < nrefs && !seen; j++)
			seen = X509_cmp(refs[j].x, x) == 0;
		if (!seen)
			refs[nrefs++] = (struct cert_ref){ x, base_name(chain_file), i + 1 };
	}

	if (find_key(keystore, refs[0].x, password, &key, &from_request, e) < 0 ||
	    check_dates(refs[0].x, "the certificate", e) < 0)
		goto done;
	if ((problem = usage_problem(refs[0].x))) {
		err_set(e, "the certificate is not a server certificate: %s", problem);
		goto done;
	}
	if (check_chain(refs, nrefs, e) < 0)
		goto done;

	if (pem_certs(refs, 1, &cbio, e) < 0)
		goto done;
	len = bio_data(cbio, &data);
	if (stage_write(&crt, keystore, TLS_SERVER_CERT, data, len, e) < 0)
		goto done;
	if (nrefs > 1) {
		if (pem_certs(refs + 1, nrefs - 1, &chbio, e) < 0)
			goto done;
		len = bio_data(chbio, &data);
		if (stage_write(&chain, keystore, TLS_SERVER_CHAIN, data, len, e) < 0)
			goto done;
	}
	if (make_stamp(stamp, sizeof(stamp), e) < 0)
		goto done;
	if (from_request) {
		/* The request's key, already encrypted with the password, becomes the server's. */
		if (path_join(from, sizeof(from), keystore, TLS_REQUEST_KEY, e) < 0 ||
		    path_join(to, sizeof(to), keystore, TLS_SERVER_KEY, e) < 0 ||
		    backup(keystore, TLS_SERVER_KEY, stamp, 1, e) < 0)
			goto done;
		if (rename(from, to) != 0) {
			err_sys(e, "cannot put %s in place", to);
			goto done;
		}
	}
	if (install(keystore, &crt, stamp, e) < 0)
		goto done;
	if (nrefs > 1 ? install(keystore, &chain, stamp, e) < 0
		      : backup(keystore, TLS_SERVER_CHAIN, stamp, 0, e) < 0)
		goto done;
	rc = 0;
done:
	stage_discard(&crt);
	stage_discard(&chain);
	if (crt.path[0])
		sync_dir(keystore);
	BIO_free(cbio);
	BIO_free(chbio);
	EVP_PKEY_free(key);
	free(refs);
	sk_X509_pop_free(given, X509_free);
	sk_X509_pop_free(extra, X509_free);
	ERR_clear_error();
	return rc;
}

/* ---- looking at what is there ---- */

static void general_name_text(const GENERAL_NAME *g, char *out, size_t outlen)
{
	char text[256], addr[INET6_ADDRSTRLEN];
	int type;
	const ASN1_STRING *s = GENERAL_NAME_get0_value(g, &type);
	const char *label;

	switch (type) {
	case GEN_DNS:
		label = "DNS";
		break;
	case GEN_EMAIL:
		label = "email";
		break;
	case GEN_URI:
		label = "URI";
		break;
	case GEN_IPADD: {
		int len = ASN1_STRING_length(s);
		const unsigned char *ip = ASN1_STRING_get0_data(s);
		if ((len == 4 && inet_ntop(AF_INET, ip, addr, sizeof(addr))) ||
		    (len == 16 && inet_ntop(AF_INET6, ip, addr, sizeof(addr))))
			snprintf(out, outlen, "IP Address:%s", addr);
		else
			snprintf(out, outlen, "IP Address:<invalid>");
		return;
	}
	default:
		snprintf(out, outlen, "other name");
		return;
	}
	snprintf(out, outlen, "%s:%s", label,
		 printable((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
			   text, sizeof(text)));
}

/* "DNS:example.org, IP Address:192.0.2.1", ending in ", ..." when they do not all fit. */
static void sans_text(X509 *x, char *out, size_t outlen)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		char one[300];
		const char *sep = i ? ", " : "";
		general_name_text(sk_GENERAL_NAME_value(names, i), one, sizeof(one));
		/* Room is kept for ", ..." after it. */
		if (used + strlen(sep) + strlen(one) + sizeof(", ...") > outlen) {
			snprintf(out + used, outlen - used, "%s...", sep);
			break;
		}
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", sep, one);
	}
	GENERAL_NAMES_free(names);
}

/* Whole days, a day begun counting: a certificate made for 365 days has 365
 * left, one ending within the hour 1; negative once it has expired. */
static long days_left(const ASN1_TIME *not_after)
{
	int day = 0, sec = 0;
	if (!ASN1_TIME_diff(&day, &sec, NULL, not_after))
		return 0;
	long total = (long)day * 86400 + sec;
	if (total > 0)
		return (total + 86399) / 86400;
	return -((-total + 86399) / 86400);
}

static void key_text(EVP_PKEY *pk, char *out, size_t outlen)
{
	char group[48];
	const char *nist;
	int id;

	if (!pk) {
		snprintf(out, outlen, "unknown key");
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	switch (id) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) == 1) {
			nist = EC_curve_nid2nist(OBJ_sn2nid(group));
			snprintf(out, outlen, "EC %s", nist ? nist : group);
		} else {
			snprintf(out, outlen, "EC %d bits", EVP_PKEY_get_bits(pk));
		}
		break;
	case EVP_PKEY_RSA:
		snprintf(out, outlen, "RSA %d bits", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_RSA_PSS:
		snprintf(out, outlen, "RSA-PSS %d bits", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_ED25519:
		snprintf(out, outlen, "Ed25519");
		break;
	case EVP_PKEY_ED448:
		snprintf(out, outlen, "Ed448");
		break;
	default:
		snprintf(out, outlen, "%s %d bits", OBJ_nid2sn(id), EVP_PKEY_get_bits(pk));
		break;
	}
}

static void fingerprint_text(X509 *x, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t k = 0;
	if (X509_digest(x, EVP_sha256(), md, &mdlen))
		for (unsigned int i = 0; i < mdlen && k + 4 <= outlen; i++) {
			if (i)
				out[k++] = ':';
			out[k++] = hex[md[i] >> 4];
			out[k++] = hex[md[i] & 15];
		}
	out[k] = '\0';
}

int tls_cert_info(const char *cert_file, struct tls_cert_info *info, struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	X509 *x;
	EVP_PKEY *pub;
	BIGNUM *bn;
	char *hex = NULL;

	memset(info, 0, sizeof(*info));
	ERR_clear_error();
	if (read_certs(cert_file, "certificate", 1, &certs, e) < 0)
		return -1;
	x = sk_X509_value(certs, 0);
	pub = X509_get0_pubkey(x);
	name_text(X509_get_subject_name(x), info->subject, sizeof(info->subject));
	name_text(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	sans_text(x, info->sans, sizeof(info->sans));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (bn && (hex = BN_bn2hex(bn)))
		snprintf(info->serial, sizeof(info->serial), "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	time_text(X509_get0_notBefore(x), info->not_before, sizeof(info->not_before));
	time_text(X509_get0_notAfter(x), info->not_after, sizeof(info->not_after));
	info->days_left = days_left(X509_get0_notAfter(x));
	key_text(pub, info->key_desc, sizeof(info->key_desc));
	fingerprint_text(x, info->sha256, sizeof(info->sha256));
	info->self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
			    pub && X509_verify(x, pub) == 1;
	info->server_auth = usage_problem(x) == NULL;
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}

int tls_check_pair(const char *cert_file, const char *key_file, const char *password,
		   struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *key = NULL, *pub;
	X509 *x;
	int rc = -1;

	ERR_clear_error();
	/* PEM only: that is what the daemon's TLS library loads. */
	if (read_certs(cert_file, "certificate", 0, &certs, e) < 0 ||
	    load_key(key_file, password, &key, e) < 0)
		goto done;
	x = sk_X509_value(certs, 0);
	pub = X509_get0_pubkey(x);
	if (!pub || EVP_PKEY_eq(pub, key) != 1) {
		err_set(e, "the certificate does not match the private key");
		goto done;
	}
	if (check_dates(x, "the certificate", e) < 0)
		goto done;
	rc = 0;
done:
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}

int tls_check_ca_file(const char *ca_file, int *count, struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	if (count)
		*count = 0;
	ERR_clear_error();
	if (read_certs(ca_file, "CA", 0, &certs, e) < 0)
		return -1;
	if (count)
		*count = sk_X509_num(certs);
	sk_X509_pop_free(certs, X509_free);
	return 0;
}
