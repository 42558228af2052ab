/* fuzz_form.c - the POST field collector (server/form.c) fed as MHD's post
 * processor feeds it: fields one after another, each value in pieces at
 * growing offsets, under limits on text and on files. The form must hold
 * exactly the values given (uploads in their spool files), or say it went
 * over a limit. */
#include <unistd.h>

#include "form.h"
#include "fuzz.h"

/* The spool folder for uploads, made once for the run. */
static const char *spool(void)
{
	static char dir[] = "/tmp/webmsg-fuzz-form-XXXXXX";
	static int made;
	if (!made) {
		FUZZ_CHECK(mkdtemp(dir));
		made = 1;
	}
	return dir;
}

/* 1 when the field holds exactly len bytes of value. */
static int holds(const struct form_field *field, const char *value, size_t len)
{
	if (!field->filename)
		return field->value.len == len && (!len || memcmp(field->value.data, value, len) == 0);
	if (field->size != len)
		return 0;
	if (len == 0)
		return 1;
	char *back = malloc(len);
	FUZZ_CHECK(back);
	int same = pread(field->fd, back, len, 0) == (ssize_t)len && memcmp(back, value, len) == 0;
	free(back);
	return same;
}

/* What the harness gave, to compare the form with. */
struct given {
	char *name;
	char *value;
	size_t len;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	static struct form f; /* 128 fields: too large for the stack under ASan */
	struct given given[FORM_MAX_FIELDS + 1];
	size_t ngiven = 0, total = 0;
	int stopped = 0;

	size_t cap = 1 + fuzz_u16(&in) * 4;
	const struct form_limits lim = { .text_max = cap, .file_max = cap, .spool = spool() };
	form_init(&f, &lim);
	while (in.left && ngiven <= FORM_MAX_FIELDS) {
		unsigned kind = fuzz_byte(&in);
		/* MHD gives a multipart part without a name as key NULL. */
		int nameless = kind & 4;
		char *name = fuzz_string(&in);
		char *filename = kind & 1 ? fuzz_string(&in) : NULL;
		char *type = kind & 2 ? fuzz_string(&in) : NULL;
		size_t want = fuzz_u16(&in), len, off = 0;
		const char *value = fuzz_bytes(&in, want, &len);
		/* A piece size of 0 means "all the rest at once". */
		size_t piece = kind >> 3;
		struct given *g = &given[ngiven++];

		if (nameless)
			name[0] = '\0'; /* what the form must call it */
		g->name = name;
		g->value = malloc(len + 1);
		FUZZ_CHECK(g->value);
		memcpy(g->value, value, len);
		g->value[len] = '\0';
		g->len = len;
		do {
			size_t n = piece && piece < len - off ? piece : len - off;
			if (form_collect(&f, MHD_POSTDATA_KIND, nameless ? NULL : name, filename,
					 type, "binary",
					 value + off, off, n) != MHD_YES) {
				stopped = 1;
				break;
			}
			off += n;
			total += n;
		} while (off < len);
		free(filename);
		free(type);
		if (stopped)
			break;
	}
	/* MHD stops calling after MHD_NO: the form said why. */
	FUZZ_CHECK(!stopped || f.too_large || f.n == 0 || !f.fields[f.n - 1].name);
	if (!f.too_large && !stopped) {
		/* Every byte is a text field's, a kept file's, or a refused file's;
		 * files over file_max are all dropped, the text stays. */
		FUZZ_CHECK(f.n == ngiven && f.used + f.files + f.dropped == total &&
			   f.used <= lim.text_max && (f.files_refused || f.files <= lim.file_max));
		for (size_t i = 0; i < ngiven; i++) {
			size_t nth = 0;
			for (size_t k = 0; k < i; k++)
				nth += strcmp(given[k].name, given[i].name) == 0;
			const struct form_field *field = form_nth(&f, given[i].name, nth);
			FUZZ_CHECK(field == &f.fields[i]);
			FUZZ_CHECK((f.files_refused && field->filename) ||
				   holds(field, given[i].value, given[i].len));
			if (nth == 0 && !field->filename)
				FUZZ_CHECK(strcmp(form_get(&f, given[i].name), given[i].value) == 0 ||
					   memchr(given[i].value, 0, given[i].len));
		}
	}
	/* A name no field has (the fuzzer may have used any other). */
	const char *absent = "absent\x01";
	int used = 0;
	for (size_t i = 0; i < ngiven; i++)
		used |= strcmp(given[i].name, absent) == 0;
	FUZZ_CHECK(used || form_get(&f, absent)[0] == '\0');
	form_free(&f);
	for (size_t i = 0; i < ngiven; i++) {
		free(given[i].name);
		free(given[i].value);
	}
	return 0;
}
