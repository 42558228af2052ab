/* acme_renewal.c - when a certificate from an ACME CA is renewed: its
 * window (the CA's ARI suggestion, else two thirds of its lifetime), and
 * the record of failed renewals (time, reason, attempts) that spaces the
 * next attempt out and that check and status show. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "webmsg/acme.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/term_safe.h"

#define STATE_MAX 8192
#define CERT_FILE_MAX (64 * 1024)

int acme_renewal_path(const struct config_snapshot *cfg, char *out, size_t outlen,
		      struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s", cfg->dbdir, ACME_RENEWAL_STATE);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of the renewal record is too long");
	return 0;
}

static int parse_time(const char *v, time_t *out)
{
	char *end;
	errno = 0;
	long long t = strtoll(v, &end, 10);
	if (errno || end == v || *end != '\0' || t < 0)
		return -1;
	*out = (time_t)t;
	return 0;
}

int acme_renewal_read(const char *path, struct acme_renewal *r, struct err *e)
{
	char *data = NULL, *line, *next;
	size_t len;
	memset(r, 0, sizeof(*r));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0; /* never failed */
	if (fileio_read_path(path, O_NOFOLLOW, STATE_MAX, &data, &len, e) < 0)
		return -1;
	for (line = data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *v = eq + 1;
		time_t t;
		if (strcmp(line, "failures") == 0 && parse_time(v, &t) == 0 && t < 1000000)
			r->failures = (int)t;
		else if (strcmp(line, "last_failure") == 0 && parse_time(v, &t) == 0)
			r->last_failure = t;
		else if (strcmp(line, "reason") == 0)
			term_safe(v, r->reason, sizeof(r->reason), 0);
	}
	free(data);
	return 0;
}

/* Replaced whole: 0600 (it holds no secret, but the CA's words about the
 * names need not be anyone's). */
static int write_state(const char *path, const char *text, struct err *e)
{
	return fileio_write_atomic(path, text, strlen(text), 0600, e);
}

int acme_renewal_failed(const char *path, time_t now, const char *reason, struct err *e)
{
	struct acme_renewal r;
	char text[STATE_MAX], safe[sizeof(r.reason)];
	if (acme_renewal_read(path, &r, e) < 0)
		memset(&r, 0, sizeof(r)); /* a broken record is replaced */
	int n = snprintf(text, sizeof(text), "failures=%d\nlast_failure=%lld\nreason=%s\n",
			 r.failures + 1, (long long)now, term_safe(reason, safe, sizeof(safe), 0));
	if (n < 0 || (size_t)n >= sizeof(text))
		return err_set(e, "the renewal record is too long");
	return write_state(path, text, e);
}

int acme_renewal_clear(const char *path, struct err *e)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(e, "cannot remove %s", path);
	return 0;
}

time_t acme_renewal_next_try(const struct acme_renewal *r)
{
	time_t delay = ACME_RETRY_FIRST;
	if (r->failures <= 0)
		return 0;
	for (int i = 1; i < r->failures && delay < ACME_RETRY_MAX; i++)
		delay *= 2;
	if (delay > ACME_RETRY_MAX)
		delay = ACME_RETRY_MAX;
	return r->last_failure + delay;
}

time_t acme_renewal_window_at(time_t not_before, time_t not_after, time_t ari_start,
			      time_t ari_end, double fraction)
{
	/* RFC 9773 section 4.2: a point chosen at random in the CA's window. */
	if (ari_start > 0 && ari_end >= ari_start) {
		if (fraction < 0 || fraction >= 1)
			fraction = 0;
		return ari_start + (time_t)((double)(ari_end - ari_start) * fraction);
	}
	return not_before + (not_after - not_before) / 3 * 2;
}

int acme_cert_dates(const char *cert_file, time_t *not_before, time_t *not_after,
		    struct err *e)
{
	char *data = NULL;
	size_t len;
	BIO *bio;
	X509 *x;
	struct tm nb, na;
	if (fileio_read_path(cert_file, O_NOFOLLOW, CERT_FILE_MAX, &data, &len, e) < 0)
		return -1;
	bio = BIO_new_mem_buf(data, (int)len);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(data);
	if (!x || !ASN1_TIME_to_tm(X509_get0_notBefore(x), &nb) ||
	    !ASN1_TIME_to_tm(X509_get0_notAfter(x), &na)) {
		X509_free(x);
		return err_ssl(e, "cannot read the certificate %s", cert_file);
	}
	X509_free(x);
	*not_before = timegm(&nb);
	*not_after = timegm(&na);
	return 0;
}
