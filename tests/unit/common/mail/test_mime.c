/* test_mime.c - messages as a user sees them: awkward and hostile mail from
 * tests/data/mail (encoded words, charsets, broken and nested multiparts, HTML,
 * attachment names) read into valid UTF-8, attachment bytes, and messages
 * built for sending that survive the trip back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <fcntl.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mime.h"

#define REPLACEMENT "\xef\xbf\xbd"

/* tests/data/mail, absolute: tests change into a throw-away folder. */
static char data_dir[PATH_MAX];
static struct tmpdir work;

static int find_data(const char *dir)
{
	char probe[PATH_MAX + 32];
	snprintf(probe, sizeof(probe), "%s/rfc2047.eml", dir);
	return file_exists(probe) && realpath(dir, data_dir) != NULL;
}

/* The test messages are in $WEBMSG_TEST_DATA/mail (CTest sets it), else
 * beside this source file (an absolute path in CMake builds), else in the
 * current folder when the test is run by hand from tests/data/mail. */
static int group_setup(void **state)
{
	const char *env = getenv("WEBMSG_TEST_DATA");
	const char *slash = strrchr(__FILE__, '/');
	char dir[PATH_MAX + 32];
	int found;
	(void)state;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s/mail", env);
		found = find_data(dir);
	} else {
		int len = slash ? (int)(slash - __FILE__) + 1 : 0;
		snprintf(dir, sizeof(dir), "%.*s../../../data/mail", len, __FILE__);
		found = find_data(dir) || find_data(".");
	}
	if (!found) {
		print_error("no test messages in %s: set WEBMSG_TEST_DATA to tests/data\n", dir);
		return -1;
	}
	tmpdir_enter(&work);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tmpdir_leave(&work);
	return 0;
}

static void data_path(const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", data_dir, name);
	assert_true(n > 0 && (size_t)n < outlen);
}

static struct mime_message *parse_path(const char *path)
{
	struct mime_message *m = NULL;
	struct err e = { "" };
	if (mime_parse_file(path, &m, &e) != 0)
		fail_msg("%s", e.msg);
	assert_non_null(m);
	return m;
}

static struct mime_message *parse_data(const char *name)
{
	char path[PATH_MAX];
	data_path(name, path, sizeof(path));
	return parse_path(path);
}

static void assert_utf8(const char *s)
{
	if (s && !g_utf8_validate(s, -1, NULL))
		fail_msg("not valid UTF-8: \"%s\"", s);
}

/* Every string of a message is valid UTF-8, and those never NULL are there. */
static void assert_message_utf8(const struct mime_message *m)
{
	const char *always[] = { m->from, m->to, m->cc, m->reply_to, m->from_addr, m->subject,
				 m->text };
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		assert_non_null(always[i]);
		assert_utf8(always[i]);
	}
	assert_utf8(m->message_id);
	assert_utf8(m->references);
	assert_utf8(m->html);
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		assert_non_null(a->filename);
		assert_true(a->filename[0] != '\0');
		assert_utf8(a->filename);
		assert_null(strchr(a->filename, '/'));
		assert_null(strchr(a->filename, '\\'));
		assert_utf8(a->content_type);
		assert_utf8(a->content_id);
	}
}

static const struct mime_attachment *attachment_named(const struct mime_message *m,
						      const char *filename)
{
	for (size_t i = 0; i < m->nattachments; i++)
		if (strcmp(m->attachments[i].filename, filename) == 0)
			return &m->attachments[i];
	fail_msg("no attachment named \"%s\" among %zu", filename, m->nattachments);
	return NULL;
}

/* The attachment's bytes, its type and name, from the file at path. */
static void attachment_data(const char *path, int index, struct buf *out, char *type,
			    char *name)
{
	struct err e = { "" };
	if (mime_attachment_data(path, index, out, type, 128, name, 256, &e) != 0)
		fail_msg("%s", e.msg);
}

/* ---- Headers ---- */

static void test_encoded_words(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("rfc2047.eml");
	assert_message_utf8(m);
	assert_string_equal(m->from, "André Pirard <andre@example.be>");
	assert_string_equal(m->from_addr, "andre@example.be");
	assert_string_equal(m->to, "Zöë Müller <zoe@example.net>, plain@example.org");
	assert_string_equal(m->cc, "Björk <bjork@example.is>");
	assert_contains(m->reply_to, "Jürgen <jurgen@example.de>");
	assert_string_equal(m->subject, "Grüße aus Köln ☕");
	assert_string_equal(m->message_id, "rfc2047-1@example.be");
	assert_string_equal(m->references, "<first@example.be> <second@example.be>");
	assert_int_equal(m->date, 1772443800); /* Mon, 2 Mar 2026 10:30:00 +0100 */
	mime_message_free(&m);
	assert_null(m);
}

/* Mailers split long subjects into several base64 words, each padded, and
 * may cut a character in two: GMime 3.2.13 alone shows "Schö" here. */
static void test_split_encoded_words(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("rfc2047-split.eml");
	assert_string_equal(m->subject, "Schöne Grüße");
	mime_message_free(&m);
}

static void test_malformed_encoded_words(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("rfc2047-broken.eml");
	assert_message_utf8(m);
	assert_string_equal(m->from_addr, "broken@example.org");
	assert_contains(m->from, "Broken");
	assert_contains(m->to, "café <cafe@example.org>");
	assert_contains(m->subject, "unterminated word");
	assert_contains(m->subject, "raw café"); /* unencoded Latin-1 in a header */
	assert_int_equal(m->date, 0);            /* "not a date at all" */
	assert_string_equal(m->text, "Malformed encoded words.\n");
	mime_message_free(&m);
}

/* ---- Text in any charset ---- */

static void test_charsets(void **state)
{
	static const struct {
		const char *file, *text;
	} cases[] = {
		{ "latin1.eml", "Grüße aus München, © 2026, 20°C.\n" },
		{ "cp1252.eml", "“Quoted” – it costs €50 … naïve\n" },
		{ "koi8r.eml", "Привет, мир!\n" },
		{ "unknown-charset.eml", "Un café crème, s'il vous plaît.\n" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mime_message *m = parse_data(cases[i].file);
		assert_message_utf8(m);
		if (strcmp(m->text, cases[i].text) != 0)
			fail_msg("%s: \"%s\", not \"%s\"", cases[i].file, m->text, cases[i].text);
		assert_null(m->html);
		assert_int_equal(m->nattachments, 0);
		mime_message_free(&m);
	}
}

static void test_invalid_utf8_repaired(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("bad-utf8.eml");
	assert_message_utf8(m);
	assert_contains(m->text, "Good: é. Bad: ");
	assert_contains(m->text, REPLACEMENT);
	assert_contains(m->text, " end. NUL: " REPLACEMENT " after.\n"); /* not cut at the NUL */
	mime_message_free(&m);
}

/* ---- Broken and nested structure ---- */

static void test_multipart_without_final_boundary(void **state)
{
	(void)state;
	char path[PATH_MAX], type[128], name[256];
	struct buf b;
	data_path("multipart-unterminated.eml", path, sizeof(path));
	struct mime_message *m = parse_path(path);
	assert_message_utf8(m);
	assert_string_equal(m->text, "The body before the attachment.\n");
	assert_int_equal(m->nattachments, 1);
	const struct mime_attachment *a = attachment_named(m, "cut.bin");
	assert_int_equal(a->size, 8);
	buf_init(&b, 1024);
	attachment_data(path, a->index, &b, type, name);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "\0\1\2\3\4\5\6\7", 8);
	assert_string_equal(name, "cut.bin");
	assert_string_equal(type, "application/octet-stream");
	buf_free(&b);
	mime_message_free(&m);
}

static void test_multipart_boundary_never_comes(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("multipart-no-boundary.eml");
	assert_message_utf8(m);
	assert_string_equal(m->text, "This text sits where parts should be,\n"
				     "but no boundary line ever comes.\n");
	assert_int_equal(m->nattachments, 0);
	mime_message_free(&m);

	m = parse_data("multipart-no-boundary-param.eml");
	assert_message_utf8(m);
	assert_contains(m->text, "Inside.");
	mime_message_free(&m);
}

/* Writes the data of an attached message to a file and reads it as a message. */
static struct mime_message *open_attached(const char *path, const struct mime_message *m,
					  const char *saved)
{
	char type[128], name[256];
	struct buf b;
	assert_int_equal(m->nattachments, 1);
	assert_int_equal(m->nested, 1);
	const struct mime_attachment *a = &m->attachments[0];
	assert_string_equal(a->content_type, "message/rfc822");
	assert_string_equal(a->filename, "forwarded-message.eml");
	buf_init(&b, 1 << 20);
	attachment_data(path, a->index, &b, type, name);
	assert_int_equal(b.len, a->size);
	assert_string_equal(type, "message/rfc822");
	assert_string_equal(name, "forwarded-message.eml");
	file_write(saved, b.data, b.len);
	buf_free(&b);
	return parse_path(saved);
}

static void test_nested_messages(void **state)
{
	(void)state;
	char path[PATH_MAX];
	data_path("nested.eml", path, sizeof(path));
	struct mime_message *one = parse_path(path);
	assert_message_utf8(one);
	assert_string_equal(one->subject, "Level one");
	assert_string_equal(one->text, "Forwarding the second one.\n");

	struct mime_message *two = open_attached(path, one, "level2.eml");
	assert_message_utf8(two);
	assert_string_equal(two->subject, "Level two");
	assert_string_equal(two->from, "Second <second@example.org>");
	assert_string_equal(two->message_id, "level2@example.org");
	assert_string_equal(two->text, "Forwarding the third one.\n");

	struct mime_message *three = open_attached("level2.eml", two, "level3.eml");
	assert_string_equal(three->subject, "Level three");
	assert_string_equal(three->text, "The innermost message.\n");
	assert_int_equal(three->nested, 0);
	assert_int_equal(three->nattachments, 0);

	mime_message_free(&three);
	mime_message_free(&two);
	mime_message_free(&one);
}

/* GMime 3.2.13 loops for ever when asked to encode this Content-Type again
 * (GMime issue 165): reading it, and handing out the attached message, must end. */
static void test_hostile_parameter_name(void **state)
{
	(void)state;
	char path[PATH_MAX], type[128], name[256];
	struct buf b;
	data_path("hostile-param.eml", path, sizeof(path));
	struct mime_message *m = parse_path(path);
	assert_message_utf8(m);
	assert_string_equal(m->text, "outer text");
	assert_int_equal(m->nattachments, 1);
	buf_init(&b, 1 << 20);
	attachment_data(path, m->attachments[0].index, &b, type, name);
	assert_contains(b.data, "Subject: inner");
	buf_free(&b);
	mime_message_free(&m);
}

static void test_huge_header(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4 << 20);
	assert_int_equal(buf_puts(&b, "From: big@example.org\nSubject: "), 0);
	for (int i = 0; i < 200 * 1024 / 5; i++)
		assert_int_equal(buf_puts(&b, "word "), 0);
	assert_int_equal(buf_puts(&b, "\n"), 0);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(buf_printf(&b, "Received: from relay%d.example.org by"
					    " mx.example.org; Tue, 3 Mar 2026 10:00:00 +0100\n",
					    i), 0);
	assert_int_equal(buf_puts(&b, "MIME-Version: 1.0\n\nbody\n"), 0);
	file_write("huge-header.eml", b.data, b.len);
	buf_free(&b);

	struct mime_message *m = parse_path("huge-header.eml");
	assert_message_utf8(m);
	assert_int_equal(strlen(m->subject), 200 * 1024 - 1); /* trimmed */
	assert_string_equal(m->from_addr, "big@example.org");
	assert_string_equal(m->text, "body\n");
	mime_message_free(&m);
}

/* ---- Limits: hostile structure is refused before GMime parses it ---- */

typedef void (*hostile_fn)(struct buf *b);

/* 200,000 multiparts, one in the other: 14 MB that took GMime 4 s. */
static void deep_multiparts(struct buf *b)
{
	const int depth = 200000;
	buf_puts(b, "From: deep@example.org\nMIME-Version: 1.0\n"
		    "Content-Type: multipart/mixed; boundary=\"b0\"\n\n");
	for (int i = 0; i < depth; i++)
		buf_printf(b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i,
			   i + 1);
	buf_printf(b, "--b%d\nContent-Type: text/plain\n\ntoo deep\n", depth);
	for (int i = depth; i >= 0; i--)
		buf_printf(b, "--b%d--\n", i);
}

/* The same boundary at every level, each part's headers cut short by it. */
static void deep_same_boundary(struct buf *b)
{
	buf_puts(b, "From: deep@example.org\nContent-Type: multipart/mixed; boundary=x\n\n");
	for (int i = 0; i < 5000; i++)
		buf_puts(b, "--x\nContent-Type: multipart/mixed; boundary=x\n");
	buf_puts(b, "--x--\n");
}

/* Boundaries in RFC 2231 pieces and folded headers: GMime joins them. */
static void deep_split_boundaries(struct buf *b)
{
	buf_puts(b, "From: deep@example.org\nContent-Type: multipart/mixed;\n"
		    " boundary*0=\"q\"; boundary*1=\"0\"\n\n");
	for (int i = 0; i < 500; i++)
		buf_printf(b, "--q%d\ncontent-type : Multipart/Alternative;\n\tboundary*0=q;"
			      " boundary*1=\"%d\"\n\n", i, i + 1);
	buf_puts(b, "--q500\n\nend\n");
}

/* Attached messages inside attached messages, without a single multipart. */
static void deep_messages(struct buf *b)
{
	for (int i = 0; i < 5000; i++)
		buf_printf(b, "Subject: level %d\nContent-Type: message/rfc822\n\n", i);
	buf_puts(b, "Subject: bottom\n\nbody\n");
}

/* A digest's parts are messages even without a Content-Type. */
static void deep_digests(struct buf *b)
{
	buf_puts(b, "Subject: digest\nContent-Type: multipart/digest; boundary=d0\n\n");
	for (int i = 0; i < 1000; i++)
		buf_printf(b, "--d%d\n\nSubject: inner %d\n"
			      "Content-Type: multipart/digest; boundary=d%d\n\n", i, i, i + 1);
}

static void many_parts(struct buf *b)
{
	buf_puts(b, "From: many@example.org\nContent-Type: multipart/mixed; boundary=p\n\n");
	for (int i = 0; i < 100000; i++)
		buf_puts(b, "--p\nContent-Type: text/plain\n\nx\n");
	buf_puts(b, "--p--\n");
}

static void many_header_lines(struct buf *b)
{
	for (int i = 0; i < 100000; i++)
		buf_printf(b, "X-Line-%d: v\n", i);
	buf_puts(b, "Subject: long\n\nbody\n");
}

/* Few lines, but megabytes of header (one folded header). */
static void huge_headers(struct buf *b)
{
	buf_puts(b, "Subject: big\nX-Big: ");
	for (int i = 0; i < 3 * 1024; i++) {
		for (int j = 0; j < 1023; j++)
			buf_puts(b, "a");
		buf_puts(b, "\n");
	}
	buf_puts(b, "\nbody\n");
}

static void long_content_type(struct buf *b)
{
	buf_puts(b, "Subject: ct\nContent-Type: multipart/mixed; x=\"");
	for (int i = 0; i < 20000; i++)
		buf_puts(b, "y");
	buf_puts(b, "\"; boundary=z\n\n--z\n\nbody\n--z--\n");
}

static void two_content_types(struct buf *b)
{
	buf_puts(b, "Subject: two\nContent-Type: text/plain\n"
		    "Content-Type: multipart/mixed; boundary=z\n\n--z\n\nbody\n--z--\n");
}

static void long_boundary(struct buf *b)
{
	buf_puts(b, "Subject: b\nContent-Type: multipart/mixed; boundary=\"");
	for (int i = 0; i < 2000; i++)
		buf_puts(b, "k");
	buf_puts(b, "\"\n\nbody\n");
}

static void test_hostile_structure(void **state)
{
	static const struct {
		const char *name;
		hostile_fn make;
		const char *reason;
	} cases[] = {
		{ "deep-multiparts.eml", deep_multiparts, "nested more than 64 levels deep" },
		{ "deep-same-boundary.eml", deep_same_boundary, "nested more than 64 levels deep" },
		{ "deep-split.eml", deep_split_boundaries, "nested more than 64 levels deep" },
		{ "deep-messages.eml", deep_messages, "nested more than 64 levels deep" },
		{ "deep-digests.eml", deep_digests, "nested more than 64 levels deep" },
		{ "many-parts.eml", many_parts, "more than 1000 parts" },
		{ "many-header-lines.eml", many_header_lines, "more than 10000 header lines" },
		{ "huge-headers.eml", huge_headers, "headers take more than 2 MiB" },
		{ "long-content-type.eml", long_content_type, "Content-Type header is longer" },
		{ "two-content-types.eml", two_content_types, "2 Content-Type headers" },
		{ "long-boundary.eml", long_boundary, "boundary is longer than 1000" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mime_message *m = NULL;
		struct err e = { "" };
		struct buf b, data;
		char type[128], name[256];
		buf_init(&b, 32 << 20);
		cases[i].make(&b);
		assert_int_equal(b.failed, 0);
		file_write(cases[i].name, b.data, b.len);

		/* Refused without parsing, whatever the caller asks for. */
		int rc = mime_parse_file(cases[i].name, &m, &e);
		if (rc != MIME_TOO_COMPLEX)
			fail_msg("%s: %d (%s)", cases[i].name, rc, e.msg);
		assert_null(m);
		assert_contains(e.msg, cases[i].reason);
		/* the reason is for the message's owner: no path in it */
		assert_null(strstr(e.msg, cases[i].name));
		buf_init(&data, 1 << 20);
		assert_int_equal(mime_attachment_data(cases[i].name, 1, &data, type, sizeof(type), name,
						      sizeof(name), &e),
				 MIME_TOO_COMPLEX);
		buf_free(&data);

		/* Forwarded, it goes as a file rather than as a message to parse. */
		struct mime_upload up = { "fwd.eml", "message/rfc822", b.data, b.len };
		struct mime_compose c = { .from = "ann@example.org", .to = "bob@example.org",
					  .subject = "fwd", .body = "see", .attachments = &up,
					  .nattachments = 1 };
		struct buf out;
		char id[256];
		buf_init(&out, 64 << 20);
		assert_int_equal(mime_build(&c, "example.org", &out, id, sizeof(id), &e), 0);
		assert_non_null(strstr(out.data, "application/octet-stream"));
		buf_free(&out);
		buf_free(&b);
	}
}

/* Below the limits, mail as mailers write it is read as before. */
static void test_within_limits(void **state)
{
	(void)state;
	struct buf b;
	const int depth = 60;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "From: deep@example.org\nSubject: deep\nMIME-Version: 1.0\n"
		     "Content-Type: multipart/mixed; boundary=\"b0\"\n\n");
	for (int i = 0; i < depth; i++)
		buf_printf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i,
			   i + 1);
	buf_printf(&b, "--b%d\nContent-Type: text/plain\n\ndeep down\n", depth);
	for (int i = 0; i < 900; i++)
		buf_printf(&b, "--b%d\nContent-Type: text/plain; name=\"f%d.txt\"\n\nx\n", depth, i);
	for (int i = depth; i >= 0; i--)
		buf_printf(&b, "--b%d--\n", i);
	assert_int_equal(b.failed, 0);
	file_write("within.eml", b.data, b.len);
	buf_free(&b);

	struct mime_message *m = parse_path("within.eml");
	assert_message_utf8(m);
	assert_string_equal(m->subject, "deep");
	assert_string_equal(m->text, "deep down");
	assert_int_equal(m->nattachments, 900);
	mime_message_free(&m);
}

static void test_not_a_message(void **state)
{
	(void)state;
	struct mime_message *m = NULL;
	struct err e = { "" };
	unsigned char junk[3000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 1);
	file_write("junk.bin", junk, sizeof(junk));
	assert_int_equal(mime_parse_file("junk.bin", &m, &e), -1);
	assert_null(m);
	assert_contains(e.msg, "junk.bin is not a mail message");

	assert_int_equal(mime_parse_file("missing.eml", &m, &e), -1);
	assert_contains(e.msg, "cannot open missing.eml");

	assert_int_equal(mime_parse_file(".", &m, &e), -1);
	assert_contains(e.msg, "is not a file");

	/* sparse: takes no room on disk */
	int fd = open("huge.eml", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MIME_MESSAGE_MAX + 1), 0);
	close(fd);
	assert_int_equal(mime_parse_file("huge.eml", &m, &e), -1);
	assert_contains(e.msg, "larger than 64 MiB");
	assert_null(m);
}

/* ---- HTML ---- */

static void test_html_only(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("html-only.eml");
	assert_message_utf8(m);
	assert_non_null(m->html);
	assert_contains(m->html, "<script type=\"text/javascript\">"); /* as it came */
	assert_int_equal(m->html_remote, 1);
	assert_string_equal(m->text, "Hello reader,\n\n"
				     "5 < 6 && 7 > 3, \"café\" ☺ it's\n\n"
				     "- one\n"
				     "- two\n\n"
				     "Grüße  Ä &unknown; &amp €\n\n"
				     "Bye");
	assert_int_equal(m->nattachments, 0);
	mime_message_free(&m);
}

static void test_html_with_inline_image(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("html-local.eml");
	assert_message_utf8(m);
	assert_non_null(m->html);
	assert_int_equal(m->html_remote, 0); /* cid: and a link load nothing */
	assert_string_equal(m->text, "Our logo: and a link to the site.");
	assert_int_equal(m->nattachments, 1);
	const struct mime_attachment *a = &m->attachments[0];
	assert_string_equal(a->content_type, "image/png");
	assert_int_equal(a->inline_image, 1);
	assert_string_equal(a->content_id, "logo@example.com");
	assert_string_equal(a->filename, "attachment-2");
	mime_message_free(&m);
}

static void test_alternative_with_empty_text(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("alternative-empty-text.eml");
	assert_string_equal(m->text, "Only the HTML says anything.");
	assert_non_null(m->html);
	mime_message_free(&m);
}

static void test_alternative(void **state)
{
	(void)state;
	struct mime_message *m = parse_data("alternative.eml");
	assert_message_utf8(m);
	assert_string_equal(m->text, "The plain version: café.\n");
	assert_non_null(m->html);
	assert_contains(m->html, "The <i>HTML</i> version");
	assert_int_equal(m->nattachments, 0);
	mime_message_free(&m);
}

/* ---- Attachments ---- */

static void test_attachment_names(void **state)
{
	(void)state;
	/* RFC 2231 with a charset, continued, "../" and "..\\" paths, none at all,
	 * and RFC 2047 words split as Outlook splits them */
	static const char *const names[] = { "€ rates 2026.pdf", "Grüße from the team.txt",
					      "passwd", "win.ini", "bytes.bin", "attachment-7",
					      "Reisekosten.pdf" };
	struct mime_message *m = parse_data("attachments.eml");
	assert_message_utf8(m);
	assert_string_equal(m->text, "See the attachments.\n");
	assert_int_equal(m->nattachments, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(m->attachments[i].filename, names[i]);
		assert_int_equal(m->attachments[i].inline_image, 0);
		assert_null(m->attachments[i].content_id);
	}
	assert_string_equal(m->attachments[0].content_type, "application/pdf");
	assert_int_equal(m->attachments[0].size, 9);
	mime_message_free(&m);
}

static void test_attachment_exact_bytes(void **state)
{
	(void)state;
	char path[PATH_MAX], type[128], name[256];
	unsigned char want[256 * 3 + 6];
	struct buf b;
	for (size_t i = 0; i < 256 * 3; i++)
		want[i] = (unsigned char)i;
	memcpy(want + 256 * 3, "\r\n\0end", 6);
	data_path("attachments.eml", path, sizeof(path));
	struct mime_message *m = parse_path(path);
	const struct mime_attachment *a = attachment_named(m, "bytes.bin");
	assert_int_equal(a->size, sizeof(want));
	buf_init(&b, 1 << 20);
	attachment_data(path, a->index, &b, type, name);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_string_equal(type, "application/x-binary");
	assert_string_equal(name, "bytes.bin");
	buf_free(&b);

	/* the same numbering reaches every attachment */
	for (size_t i = 0; i < m->nattachments; i++) {
		buf_init(&b, 1 << 20);
		attachment_data(path, m->attachments[i].index, &b, type, name);
		assert_int_equal(b.len, m->attachments[i].size);
		assert_string_equal(name, m->attachments[i].filename);
		buf_free(&b);
	}
	mime_message_free(&m);
}

static void test_attachment_refusals(void **state)
{
	(void)state;
	char path[PATH_MAX], type[128] = "", name[256] = "";
	struct err e = { "" };
	struct buf b;
	data_path("attachments.eml", path, sizeof(path));
	buf_init(&b, 100);
	assert_int_equal(mime_attachment_data(path, 6, &b, type, sizeof(type), name, sizeof(name),
					      &e), -1);
	assert_contains(e.msg, "too large");
	assert_int_equal(b.len, 0);
	assert_int_equal(mime_attachment_data(path, 99, &b, type, sizeof(type), name, sizeof(name),
					      &e), -1);
	assert_contains(e.msg, "no attachment number 99");
	/* short buffers for the name get a whole character less, never half of one */
	assert_int_equal(mime_attachment_data(path, 2, &b, type, sizeof(type), name, 3, &e), 0);
	assert_string_equal(name, "");
	assert_int_equal(mime_attachment_data(path, 2, &b, type, sizeof(type), name, 4, &e), 0);
	assert_string_equal(name, "€");
	buf_free(&b);
}

/* ---- Building messages ---- */

/* What SMTP wants: 7-bit, no NUL, CRLF line ends only, lines of at most 998 bytes. */
static void assert_wire_format(const char *data, size_t len)
{
	size_t line = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == 0 || c >= 0x80)
			fail_msg("byte 0x%02x at %zu", c, i);
		if (c == '\r') {
			if (i + 1 >= len || data[i + 1] != '\n')
				fail_msg("CR without LF at %zu", i);
			continue;
		}
		if (c == '\n') {
			if (i == 0 || data[i - 1] != '\r')
				fail_msg("LF without CR at %zu", i);
			line = 0;
			continue;
		}
		if (++line > 998)
			fail_msg("line longer than 998 bytes at %zu", i);
	}
	assert_true(len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n');
}

/* The header block of a built message after a CRLF, so that every header
 * reads "\r\nName: ..." (free it). */
static char *headers_of(const struct buf *b)
{
	const char *end = strstr(b->data, "\r\n\r\n");
	assert_non_null(end);
	size_t len = (size_t)(end - b->data) + 2;
	char *h = malloc(len + 3);
	assert_non_null(h);
	memcpy(h, "\r\n", 2);
	memcpy(h + 2, b->data, len);
	h[len + 2] = '\0';
	return h;
}

static void test_build_round_trip(void **state)
{
	(void)state;
	unsigned char binary[1500];
	char body[4096], id[256], type[128], name[256], want_id[300];
	struct err e = { "" };
	struct buf b, data;
	for (size_t i = 0; i < sizeof(binary); i++)
		binary[i] = (unsigned char)((i * 7) ^ (i >> 3));
	int n = snprintf(body, sizeof(body), "Hallo Zoë,\n\ndas kostet 20 €.\n\n");
	for (int i = 0; i < 600; i++) /* one line much longer than 998 bytes */
		n += snprintf(body + n, sizeof(body) - (size_t)n, "ä");
	snprintf(body + n, sizeof(body) - (size_t)n,
		 "\n.\nFrom here on\n> not a quote\nTschüss\n");
	const struct mime_upload uploads[] = {
		{ "données.bin", "application/octet-stream", binary, sizeof(binary) },
		{ "../notes.txt", "text/plain", "first line\nsecond line\n", 23 },
	};
	const struct mime_compose c = {
		.from = "Zoë Müller <zoe@example.net>",
		.to = "Ann <ann@example.org>, bob@example.com",
		.cc = "carol@example.com",
		.bcc = "secret@example.com",
		.subject = "Grüße – ein Test ☕ with a subject long enough to be folded",
		.body = body,
		.in_reply_to = "orig@example.net",
		.references = "<first@example.net> <orig@example.net>",
		.attachments = uploads,
		.nattachments = 2,
	};
	buf_init(&b, 1 << 20);
	if (mime_build(&c, "example.net", &b, id, sizeof(id), &e) != 0)
		fail_msg("%s", e.msg);
	assert_wire_format(b.data, b.len);
	assert_contains(id, "@example.net");
	assert_null(strchr(id, '<'));

	char *headers = headers_of(&b);
	snprintf(want_id, sizeof(want_id), "\r\nMessage-Id: <%s>\r\n", id);
	if (!strcasestr(headers, want_id))
		fail_msg("no Message-ID <%s> in\n%s", id, headers);
	assert_null(strcasestr(headers, "\nBcc:"));
	assert_null(strstr(b.data, "secret@example.com"));
	assert_non_null(strcasestr(headers, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strcasestr(headers, "\r\nDate: "));
	assert_non_null(strcasestr(headers, "\r\nIn-Reply-To: <orig@example.net>\r\n"));
	free(headers);

	file_write("built.eml", b.data, b.len);
	struct mime_message *m = parse_path("built.eml");
	assert_message_utf8(m);
	assert_string_equal(m->subject, c.subject);
	assert_string_equal(m->text, body);
	assert_string_equal(m->from, "Zoë Müller <zoe@example.net>");
	assert_string_equal(m->from_addr, "zoe@example.net");
	assert_string_equal(m->to, "Ann <ann@example.org>, bob@example.com");
	assert_string_equal(m->cc, "carol@example.com");
	assert_string_equal(m->message_id, id);
	assert_string_equal(m->references, "<first@example.net> <orig@example.net>");
	assert_true(m->date > time(NULL) - 120 && m->date <= time(NULL));
	assert_int_equal(m->nattachments, 2);

	const struct mime_attachment *a = attachment_named(m, "données.bin");
	assert_int_equal(a->size, sizeof(binary));
	buf_init(&data, 1 << 20);
	attachment_data("built.eml", a->index, &data, type, name);
	assert_int_equal(data.len, sizeof(binary));
	assert_memory_equal(data.data, binary, sizeof(binary));
	assert_string_equal(type, "application/octet-stream");
	buf_free(&data);

	a = attachment_named(m, "notes.txt"); /* the path is not sent */
	buf_init(&data, 1 << 20);
	attachment_data("built.eml", a->index, &data, type, name);
	assert_int_equal(data.len, 23);
	assert_memory_equal(data.data, "first line\nsecond line\n", 23);
	assert_string_equal(type, "text/plain");
	buf_free(&data);

	mime_message_free(&m);
	buf_free(&b);
}

/* A forwarded message goes as message/rfc822 (re-encoded for 7-bit), or as
 * a file when its headers are raw 8-bit and cannot be made 7-bit. */
static void test_build_forward(void **state)
{
	static const char clean[] = "From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.net>\n"
				    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n"
				    "MIME-Version: 1.0\n"
				    "Content-Type: text/plain; charset=utf-8\n"
				    "Content-Transfer-Encoding: 8bit\n\n"
				    "Grüße aus Köln.\n";
	static const char raw[] = "From: zoe@example.net\n"
				  "Subject: Grüße\n\n"
				  "Grüße aus Köln.\n";
	(void)state;
	for (int i = 0; i < 2; i++) {
		char id[128], type[128], name[256];
		struct err e = { "" };
		struct buf b, data;
		const char *fwd = i == 0 ? clean : raw;
		size_t fwdlen = strlen(fwd);
		const struct mime_upload up = { "forwarded-message.eml", "message/rfc822", fwd,
						fwdlen };
		const struct mime_compose c = { .from = "me@example.org", .to = "you@example.org",
						.subject = "Fwd: Grüße", .body = "See below.",
						.attachments = &up, .nattachments = 1 };
		buf_init(&b, 1 << 20);
		if (mime_build(&c, "example.org", &b, id, sizeof(id), &e) != 0)
			fail_msg("%s", e.msg);
		assert_wire_format(b.data, b.len);
		file_write("forward.eml", b.data, b.len);
		buf_free(&b);

		struct mime_message *m = parse_path("forward.eml");
		assert_string_equal(m->text, "See below.\n");
		assert_int_equal(m->nattachments, 1);
		assert_string_equal(m->attachments[0].filename, "forwarded-message.eml");
		buf_init(&data, 1 << 20);
		attachment_data("forward.eml", m->attachments[0].index, &data, type, name);
		if (i == 0) {
			assert_int_equal(m->nested, 1);
			assert_string_equal(type, "message/rfc822");
			file_write("inner.eml", data.data, data.len);
			struct mime_message *inner = parse_path("inner.eml");
			assert_string_equal(inner->subject, "Grüße");
			assert_string_equal(inner->text, "Grüße aus Köln.\n");
			assert_string_equal(inner->from, "Zoë <zoe@example.net>");
			mime_message_free(&inner);
		} else {
			assert_int_equal(m->nested, 0);
			assert_string_equal(type, "application/octet-stream");
			assert_int_equal(data.len, fwdlen);
			assert_memory_equal(data.data, fwd, fwdlen);
		}
		buf_free(&data);
		mime_message_free(&m);
	}
}

static void test_build_plain_ascii(void **state)
{
	(void)state;
	char id[128];
	struct err e = { "" };
	struct buf b;
	char word[1501], refs[2048] = "";
	memset(word, 'a', 1500);
	word[1500] = '\0';
	for (int i = 0; i < 40; i++) /* a long thread */
		snprintf(refs + strlen(refs), sizeof(refs) - strlen(refs),
			 "%s<message-%02d@example.org>", i ? " " : "", i);
	const struct mime_compose c = {
		.from = "me@example.org",
		.to = "you@example.org",
		.subject = word, /* one word longer than a line may be */
		.body = "Short.",
		.in_reply_to = "<message-39@example.org>",
		.references = refs,
	};
	buf_init(&b, 1 << 20);
	if (mime_build(&c, "example.org", &b, id, sizeof(id), &e) != 0)
		fail_msg("%s", e.msg);
	assert_wire_format(b.data, b.len);
	file_write("ascii.eml", b.data, b.len);
	struct mime_message *m = parse_path("ascii.eml");
	assert_string_equal(m->subject, word);
	assert_string_equal(m->text, "Short.\n");
	assert_string_equal(m->references, refs);
	assert_int_equal(m->nattachments, 0);
	mime_message_free(&m);
	buf_free(&b);
}

/* A subject or address typed with line breaks must not add a header. */
static void test_build_no_header_injection(void **state)
{
	(void)state;
	char id[128];
	struct err e = { "" };
	struct buf b;
	const struct mime_compose c = {
		.from = "me@example.org",
		.to = "you@example.org",
		.cc = "Ann\r\nX-Also-Injected: yes <ann@example.org>",
		.subject = "Hello\r\nBcc: victim@example.com\r\nX-Injected: yes",
		.body = "Body.\r\n",
	};
	buf_init(&b, 1 << 20);
	if (mime_build(&c, "example.org", &b, id, sizeof(id), &e) != 0)
		fail_msg("%s", e.msg);
	assert_wire_format(b.data, b.len);
	char *headers = headers_of(&b);
	assert_null(strcasestr(headers, "\r\nBcc:"));
	assert_null(strcasestr(headers, "\r\nX-Injected:"));
	assert_null(strcasestr(headers, "\r\nX-Also-Injected:"));
	free(headers);
	buf_free(&b);
}

static void test_build_refusals(void **state)
{
	(void)state;
	char id[128], small[8];
	struct err e = { "" };
	struct buf b;
	struct mime_compose c = {
		.from = "me@example.org",
		.to = "Ann <ann@example.org>, not an address",
		.subject = "s",
		.body = "b",
	};
	buf_init(&b, 1 << 20);
	assert_int_equal(mime_build(&c, "example.org", &b, id, sizeof(id), &e), -1);
	assert_string_equal(e.msg, "To: 'not an address' is not an e-mail address");
	assert_int_equal(b.len, 0);

	c.to = "you@example.org";
	c.bcc = "hidden@example.org, nobody";
	assert_int_equal(mime_build(&c, "example.org", &b, id, sizeof(id), &e), -1);
	assert_string_equal(e.msg, "Bcc: 'nobody' is not an e-mail address");

	c.bcc = NULL;
	c.from = "";
	assert_int_equal(mime_build(&c, "example.org", &b, id, sizeof(id), &e), -1);
	assert_contains(e.msg, "no sender");

	c.from = "me@example.org";
	assert_int_equal(mime_build(&c, "example.org", &b, small, sizeof(small), &e), -1);
	assert_contains(e.msg, "Message-ID");
	buf_free(&b);

	buf_init(&b, 64); /* no message fits */
	assert_int_equal(mime_build(&c, "example.org", &b, id, sizeof(id), &e), -1);
	assert_contains(e.msg, "too large");
	buf_free(&b);
}

/* ---- Addresses and replies ---- */

static void join_address(const char *addr, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	snprintf(out + len, 512 - len, "%s%s", len ? " " : "", addr);
}

static void test_addresses(void **state)
{
	static const struct {
		const char *typed;
		int count;
		const char *result; /* the addresses, or the error */
	} cases[] = {
		{ "Ann <a@x.org>, b@y.org", 2, "a@x.org b@y.org" },
		{ "  \"Doe, John\" <j@x.org> ; k@y.org,", 2, "j@x.org k@y.org" },
		{ "Team: a@x.org, b@y.org;, c@z.org", 3, "a@x.org b@y.org c@z.org" },
		{ "Zoë Müller <zoe@example.net>", 1, "zoe@example.net" },
		{ "", 0, "" },
		{ " , ", 0, "" },
		{ "not an address", -1, "'not an address' is not an e-mail address" },
		{ "a@x.org, foo, c@z.org", -1, "'foo' is not an e-mail address" },
		{ "a@x.org, some words, c@z.org", -1, "'some words' is not an e-mail address" },
		{ "b@", -1, "'b@' is not an e-mail address" },
		{ "<@example.org>", -1, "'<@example.org>' is not an e-mail address" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[512] = "";
		struct err e = { "" };
		int n = mime_addresses(cases[i].typed, join_address, got, &e);
		if (n != cases[i].count)
			fail_msg("\"%s\": %d addresses (%s%s), not %d", cases[i].typed, n, got,
				 e.msg, cases[i].count);
		assert_string_equal(n < 0 ? e.msg : got, cases[i].result);
	}
	struct err e = { "" };
	assert_int_equal(mime_addresses("a@x.org, b@y.org", NULL, NULL, &e), 2);
}

static void test_quote_reply(void **state)
{
	(void)state;
	struct mime_message m = { 0 };
	m.from = "Ann <ann@example.org>";
	m.from_addr = "ann@example.org";
	m.date = 1772443800; /* Mon, 2 Mar 2026 09:30 UTC; the test runs with TZ=UTC */
	m.text = "First line,\r\n\n> what you wrote\nlast line.\n\n";
	char *q = mime_quote_reply(&m);
	assert_non_null(q);
	assert_string_equal(q, "On Mon, 2 Mar 2026 09:30 +0000, Ann <ann@example.org> wrote:\n"
			       "> First line,\n"
			       ">\n"
			       ">> what you wrote\n"
			       "> last line.\n");
	free(q);

	m.date = 0;
	m.text = "";
	q = mime_quote_reply(&m);
	assert_string_equal(q, "Ann <ann@example.org> wrote:\n");
	free(q);

	struct mime_message *parsed = parse_data("latin1.eml");
	q = mime_quote_reply(parsed);
	assert_true(strncmp(q, "On ", 3) == 0);
	assert_contains(q, "sender@example.de wrote:\n> Grüße aus München");
	assert_utf8(q);
	free(q);
	mime_message_free(&parsed);
	mime_message_free(&parsed); /* harmless once freed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_split_encoded_words),
		cmocka_unit_test(test_malformed_encoded_words),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_invalid_utf8_repaired),
		cmocka_unit_test(test_multipart_without_final_boundary),
		cmocka_unit_test(test_multipart_boundary_never_comes),
		cmocka_unit_test(test_nested_messages),
		cmocka_unit_test(test_hostile_parameter_name),
		cmocka_unit_test(test_huge_header),
		cmocka_unit_test(test_hostile_structure),
		cmocka_unit_test(test_within_limits),
		cmocka_unit_test(test_not_a_message),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_html_with_inline_image),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_alternative_with_empty_text),
		cmocka_unit_test(test_attachment_names),
		cmocka_unit_test(test_attachment_exact_bytes),
		cmocka_unit_test(test_attachment_refusals),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_build_forward),
		cmocka_unit_test(test_build_plain_ascii),
		cmocka_unit_test(test_build_no_header_injection),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_quote_reply),
	};
	setenv("TZ", "UTC", 1);
	tzset();
	g_mime_init();
	int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
	g_mime_shutdown();
	return failed;
}
