/* config_file.c - the exported configuration file: written from a snapshot
 * with a SHA-256 trailer, read back strictly, and compared with a snapshot
 * (see config_file.h for the format). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/config_file.h"
#include "webmsg/err.h"

#define SHA256_HEX 64
#define TRAILER_KEY "@sha256"
/* The longest value a setting takes (config.c normalises into this much). */
#define VALUE_MAX 4096

static const char hex_digits[] = "0123456789abcdef";

static int sha256_hex(const char *data, size_t len, char out[SHA256_HEX + 1], struct err *e)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md))
		return err_ssl(e, "cannot compute the checksum");
	for (size_t i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex_digits[md[i] >> 4];
		out[2 * i + 1] = hex_digits[md[i] & 15];
	}
	out[SHA256_HEX] = '\0';
	return 0;
}

/* Appends "value" with its escapes to b. */
static void quote_into(struct buf *b, const char *value)
{
	buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		switch (*p) {
		case '\\': buf_puts(b, "\\\\"); break;
		case '"': buf_puts(b, "\\\""); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			/* Other control bytes escaped: the file stays one setting a line and
			 * shows nothing a terminal would act on. UTF-8 passes as it is. */
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\x%c%c", hex_digits[*p >> 4], hex_digits[*p & 15]);
			else
				buf_append(b, p, 1);
		}
	}
	buf_puts(b, "\"");
}

int config_file_quote(const char *value, char *out, size_t outlen)
{
	struct buf b;
	buf_init(&b, outlen > 0 ? outlen - 1 : 0);
	quote_into(&b, value);
	if (b.failed || outlen == 0) {
		buf_free(&b);
		if (outlen)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, b.data ? b.data : "", b.len + 1);
	buf_free(&b);
	return 0;
}

static void field(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "@%s = ", name);
	quote_into(b, value);
	buf_puts(b, "\n");
}

int config_file_format(const struct config_snapshot *s, const struct config_file_meta *meta,
		       char **out, size_t *len, struct err *e)
{
	struct buf b;
	char schema[32], sum[SHA256_HEX + 1];

	*out = NULL;
	*len = 0;
	buf_init(&b, CONFIG_FILE_MAX);
	buf_puts(&b, "# webmsg configuration, written by webmsg-admin config export.\n"
		     "# Only settings that differ from their defaults are listed; importing this\n"
		     "# file puts every other setting back to its default. Secrets stay as they\n"
		     "# are on the importing machine unless @secrets below says \"included\".\n"
		     "# Users, domains and the TLS key, certificate and chain files are not\n"
		     "# settings and are not in this file: copy the key store files separately.\n"
		     "# Do not edit: the last line is a SHA-256 checksum of everything above it.\n");
	snprintf(schema, sizeof(schema), "%d", meta->schema);
	field(&b, "format", CONFIG_FILE_FORMAT);
	field(&b, "product", CONFIG_FILE_PRODUCT);
	field(&b, "version", meta->version);
	field(&b, "schema", schema);
	field(&b, "date", meta->date);
	field(&b, "host", meta->host);
	field(&b, "secrets", meta->secrets ? "included" : "excluded");
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *set = settings_get((enum setting_id)i);
		const char *v = config_str(s, (enum setting_id)i);
		if (strcmp(v, set->def) == 0 || ((set->flags & SETTING_SECRET) && !meta->secrets))
			continue;
		buf_printf(&b, "%s = ", set->name);
		quote_into(&b, v);
		buf_puts(&b, "\n");
	}
	if (b.failed) {
		buf_free(&b);
		return err_set(e, "the exported configuration is larger than %d bytes",
			       CONFIG_FILE_MAX);
	}
	if (sha256_hex(b.data, b.len, sum, e) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_printf(&b, "%s = \"%s\"\n", TRAILER_KEY, sum);
	if (b.failed) {
		buf_free(&b);
		return err_set(e, "out of memory");
	}
	*out = buf_steal(&b, len);
	return 0;
}

void config_file_free(struct config_file **f)
{
	if (!f || !*f)
		return;
	for (int i = 0; i < SET_COUNT; i++) {
		if ((*f)->values[i]) {
			OPENSSL_cleanse((*f)->values[i], strlen((*f)->values[i]));
			free((*f)->values[i]);
		}
	}
	free(*f);
	*f = NULL;
}

static int hexval(char c)
{
	const char *p = c ? strchr(hex_digits, c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c) : NULL;
	return p ? (int)(p - hex_digits) : -1;
}

/* Parses `name = "value"` (the whole line, no newline) into name and value. */
static int parse_line(const char *line, size_t len, int lineno, char *name, size_t namelen,
		      char *value, size_t valuelen, struct err *e)
{
	size_t i = 0, n = 0, v = 0;

	while (i < len && line[i] != ' ' && line[i] != '=' && line[i] != '"') {
		if (n + 1 >= namelen)
			return err_set(e, "line %d: the name is too long", lineno);
		name[n++] = line[i++];
	}
	name[n] = '\0';
	if (n == 0)
		return err_set(e, "line %d: expected NAME = \"VALUE\"", lineno);
	if (len - i < 4 || strncmp(line + i, " = \"", 4) != 0)
		return err_set(e, "line %d: expected NAME = \"VALUE\" after '%s'", lineno, name);
	for (i += 4; i < len && line[i] != '"'; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f)
			return err_set(e, "line %d: %s: a control character that is not escaped",
				       lineno, name);
		if (c == '\\') {
			int hi, lo;
			if (++i >= len)
				break;
			switch (line[i]) {
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'x':
				if (i + 2 >= len || (hi = hexval(line[i + 1])) < 0 ||
				    (lo = hexval(line[i + 2])) < 0 || (hi == 0 && lo == 0))
					return err_set(e, "line %d: %s: \\x needs two hex digits "
						       "(not 00)", lineno, name);
				c = (unsigned char)(hi * 16 + lo);
				i += 2;
				break;
			default:
				return err_set(e, "line %d: %s: unknown escape '\\%c'", lineno, name,
					       line[i]);
			}
		}
		if (v + 1 >= valuelen)
			return err_set(e, "line %d: %s: the value is too long", lineno, name);
		value[v++] = (char)c;
	}
	value[v] = '\0';
	if (i >= len)
		return err_set(e, "line %d: %s: the value has no closing quote", lineno, name);
	if (i + 1 != len)
		return err_set(e, "line %d: %s: text after the closing quote", lineno, name);
	return 0;
}

/* Finds the trailer and checks it against the bytes before it. */
static int verify_checksum(const char *text, size_t len, size_t *body_len, struct err *e)
{
	char sum[SHA256_HEX + 1], want[SHA256_HEX + 1];
	const char *start;
	size_t tlen = strlen(TRAILER_KEY " = \"\"") + SHA256_HEX;

	if (len == 0)
		return err_set(e, "the file is empty");
	if (text[len - 1] != '\n')
		return err_set(e, "the file does not end with its checksum line (%s): it was cut "
			       "short or is not an exported configuration", TRAILER_KEY);
	for (start = text + len - 1; start > text && start[-1] != '\n'; start--)
		;
	if ((size_t)(text + len - 1 - start) != tlen || strncmp(start, TRAILER_KEY " = \"", 11) != 0 ||
	    start[tlen - 1] != '"')
		return err_set(e, "the file does not end with its checksum line (%s): it was cut "
			       "short or is not an exported configuration", TRAILER_KEY);
	memcpy(want, start + 11, SHA256_HEX);
	want[SHA256_HEX] = '\0';
	*body_len = (size_t)(start - text);
	if (sha256_hex(text, *body_len, sum, e) < 0)
		return -1;
	if (CRYPTO_memcmp(sum, want, SHA256_HEX) != 0)
		return err_set(e, "the checksum does not match: the file was changed after it was "
			       "exported (or damaged)");
	return 0;
}

static int header_field(struct config_file *f, const char *name, const char *value, int lineno,
			int *seen_format, struct err *e)
{
	struct {
		const char *name;
		char *dest;
		size_t len;
	} strs[] = {
		{ "@version", f->version, sizeof(f->version) },
		{ "@date", f->date, sizeof(f->date) },
		{ "@host", f->host, sizeof(f->host) },
	};
	if (strcmp(name, "@format") == 0) {
		if (strcmp(value, CONFIG_FILE_FORMAT) != 0)
			return err_set(e, "line %d: format '%s' is not one this version reads (%s)",
				       lineno, value, CONFIG_FILE_FORMAT);
		*seen_format = 1;
		return 0;
	}
	if (!*seen_format)
		return err_set(e, "line %d: the first field must be @format", lineno);
	if (strcmp(name, "@product") == 0) {
		if (strcmp(value, CONFIG_FILE_PRODUCT) != 0)
			return err_set(e, "line %d: the file is from '%s', not %s", lineno, value,
				       CONFIG_FILE_PRODUCT);
		return 0;
	}
	if (strcmp(name, "@schema") == 0) {
		char *end;
		long n = strtol(value, &end, 10);
		if (!value[0] || *end || n < 0 || n > 1000000)
			return err_set(e, "line %d: @schema: '%s' is not a number", lineno, value);
		f->schema = (int)n;
		return 0;
	}
	if (strcmp(name, "@secrets") == 0) {
		if (strcmp(value, "included") != 0 && strcmp(value, "excluded") != 0)
			return err_set(e, "line %d: @secrets is 'included' or 'excluded'", lineno);
		f->secrets = strcmp(value, "included") == 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strcmp(name, strs[i].name) != 0)
			continue;
		if (strlen(value) >= strs[i].len)
			return err_set(e, "line %d: %s is too long", lineno, name);
		memcpy(strs[i].dest, value, strlen(value) + 1);
		return 0;
	}
	return err_set(e, "line %d: unknown header field '%s'", lineno, name);
}

/* Adds "line N: 'key'" to the list of unknown keys. */
static void note_unknown(char *list, size_t listlen, int lineno, const char *key)
{
	size_t len = strlen(list);
	if (len + 1 < listlen)
		snprintf(list + len, listlen - len, "%sline %d: '%.60s'", len ? ", " : "", lineno,
			 key);
}

static int parse_body(struct config_file *f, const char *text, size_t len, struct err *e)
{
	char name[128], *value = malloc(VALUE_MAX + 1);
	char unknown[ERR_MSG_MAX - 96] = "";
	int lineno = 0, seen_format = 0, nunknown = 0, rc = -1;
	int seen_product = 0, seen_secrets = 0;

	if (!value)
		return err_set(e, "out of memory");
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = (size_t)(nl - line); /* the body ends with '\n' (checked) */
		enum setting_id id;
		pos += llen + 1;
		lineno++;
		if (memchr(line, '\0', llen)) {
			err_set(e, "line %d: a NUL byte", lineno);
			goto out;
		}
		if (llen == 0 || line[0] == '#')
			continue;
		if (parse_line(line, llen, lineno, name, sizeof(name), value, VALUE_MAX + 1, e) < 0)
			goto out;
		if (name[0] == '@') {
			if (strcmp(name, "@product") == 0)
				seen_product = 1;
			if (strcmp(name, "@secrets") == 0)
				seen_secrets = 1;
			if (header_field(f, name, value, lineno, &seen_format, e) < 0)
				goto out;
			continue;
		}
		if (!seen_format || !seen_product || !seen_secrets) {
			err_set(e, "line %d: a setting before the header (@format, @product, "
				   "@secrets)", lineno);
			goto out;
		}
		const struct setting *s = settings_find(name, &id);
		if (!s) {
			note_unknown(unknown, sizeof(unknown), lineno, name);
			nunknown++;
			continue;
		}
		if (f->values[id]) {
			err_set(e, "line %d: %s is already set on line %d", lineno, name,
				f->lines[id]);
			goto out;
		}
		if ((s->flags & SETTING_SECRET) && !f->secrets) {
			err_set(e, "line %d: %s is a secret, but the header says the file has none",
				lineno, name);
			goto out;
		}
		if (!(f->values[id] = strdup(value))) {
			err_set(e, "out of memory");
			goto out;
		}
		f->lines[id] = lineno;
	}
	if (nunknown > 0)
		err_set(e, "%d unknown setting%s (%s)", nunknown, nunknown == 1 ? "" : "s", unknown);
	else if (!seen_format || !seen_product || !seen_secrets)
		err_set(e, "the header is incomplete (@format, @product and @secrets are needed)");
	else
		rc = 0;
out:
	OPENSSL_cleanse(value, VALUE_MAX + 1);
	free(value);
	return rc;
}

int config_file_parse(const char *text, size_t len, struct config_file **out, struct err *e)
{
	struct config_file *f;
	size_t body_len = 0;

	*out = NULL;
	if (len > CONFIG_FILE_MAX)
		return err_set(e, "the file is larger than %d bytes", CONFIG_FILE_MAX);
	if (verify_checksum(text, len, &body_len, e) < 0)
		return -1;
	if (!(f = calloc(1, sizeof(*f))))
		return err_set(e, "out of memory");
	if (parse_body(f, text, body_len, e) < 0) {
		config_file_free(&f);
		return -1;
	}
	*out = f;
	return 0;
}

/* Whether a and b are the same value of s: compared in their canonical
 * spelling when they have one; secrets in constant time. */
static int same_value(const struct setting *s, const char *a, const char *b)
{
	char *na = malloc(VALUE_MAX), *nb = malloc(VALUE_MAX);
	struct err e;
	int same;

	if (na && nb && settings_normalize(s, a, na, VALUE_MAX, &e) == 0 &&
	    settings_normalize(s, b, nb, VALUE_MAX, &e) == 0) {
		a = na;
		b = nb;
	}
	if (s->flags & SETTING_SECRET)
		same = strlen(a) == strlen(b) && CRYPTO_memcmp(a, b, strlen(a)) == 0;
	else
		same = strcmp(a, b) == 0;
	if (na)
		OPENSSL_cleanse(na, VALUE_MAX);
	if (nb)
		OPENSSL_cleanse(nb, VALUE_MAX);
	free(na);
	free(nb);
	return same;
}

int config_file_keeps(const struct config_snapshot *s, const struct config_file *f,
		      enum setting_id id, int sealed)
{
	const struct setting *set = settings_get(id);
	const char *here = config_str(s, id);
	const char *there = f->values[id] ? f->values[id] : set->def;
	/* Replacing it would make every TOTP key sealed with it unreadable. */
	if (!(set->flags & SETTING_KEEP) || !here[0] || !sealed)
		return 0;
	if ((set->flags & SETTING_SECRET) && !f->values[id] && !f->secrets)
		return 0;
	return !same_value(set, here, there);
}

size_t config_file_diff(const struct config_snapshot *s, const struct config_file *f,
			int sealed, struct config_file_diff *out)
{
	size_t n = 0;
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *set = settings_get((enum setting_id)i);
		const char *here = config_str(s, (enum setting_id)i);
		const char *there = f->values[i] ? f->values[i] : set->def;
		/* A file without secrets says nothing about them: they are kept. */
		if ((set->flags & SETTING_SECRET) && !f->values[i] && !f->secrets)
			continue;
		if (same_value(set, here, there) || config_file_keeps(s, f, (enum setting_id)i, sealed))
			continue;
		out[n].id = (enum setting_id)i;
		out[n].here = here;
		out[n].file = there;
		out[n].in_file = f->values[i] != NULL;
		n++;
	}
	return n;
}
