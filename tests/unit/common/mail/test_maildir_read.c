/* test_maildir_read.c - reading a message of a Maildir through the store:
 * its structure (parts numbered as IMAP numbers sections), one part decoded
 * and bounded, the whole message bounded, and what a page shows of it both
 * from one parse of the file and as other back-ends make it (structure and
 * parts), which must agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "../../../../common/mail/mailstore_backend.h"

#include "mailbox_fixture.h"

/* A multipart/mixed of an alternative (plain text in ISO-8859-1,
 * quoted-printable, and HTML) and a base64 attachment with a Content-ID. */
static const char MIXED[] =
	"From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\n"
	"To: alice@example.com\r\n"
	"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	"Message-ID: <mixed@example.org>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
	"\r\n"
	"--outer\r\n"
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
	"\r\n"
	"--inner\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Gr=FC=DFe aus K=F6ln\r\n"
	"--inner\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<p>Gr\xc3\xbc\xc3\x9f" "e</p>\r\n"
	"--inner--\r\n"
	"--outer\r\n"
	"Content-Type: application/pdf; name=\"report.pdf\"\r\n"
	"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"Content-ID: <pdf1@example.org>\r\n"
	"\r\n"
	"JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg==\r\n"
	"--outer--\r\n";
/* What the attachment decodes to. */
static const char PDF[] = "%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n1 0 obj\n"
			  "<</Type/Catalog>>\nendobj\n";

static void deliver(struct fixture *f, const char *text, char *id)
{
	struct err e;
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, id, MAIL_ID_MAX, &e), &e);
}

static void test_structure(void **state)
{
	struct fixture *f = *state;
	struct mail_structure *s;
	struct err e;
	char id[MAIL_ID_MAX];
	deliver(f, MIXED, id);
	ok(mailstore_structure(f->ms, MAIL_INBOX, id, &s, &e), &e);
	assert_string_equal(s->subject, "Grüße");
	assert_string_equal(s->from_addr, "j@example.org");
	assert_string_equal(s->message_id, "mixed@example.org");
	assert_int_equal(s->date, 1700000000);
	assert_int_equal(s->size, (long)strlen(MIXED));
	assert_int_equal(s->nparts, 3);
	assert_string_equal(s->parts[0].id, "1.1");
	assert_string_equal(s->parts[0].type, "text/plain");
	assert_string_equal(s->parts[0].charset, "iso-8859-1");
	assert_string_equal(s->parts[0].encoding, "quoted-printable");
	assert_string_equal(s->parts[0].disposition, "");
	assert_null(s->parts[0].filename);
	assert_string_equal(s->parts[1].id, "1.2");
	assert_string_equal(s->parts[1].type, "text/html");
	assert_string_equal(s->parts[2].id, "2");
	assert_string_equal(s->parts[2].type, "application/pdf");
	assert_string_equal(s->parts[2].disposition, "attachment");
	assert_string_equal(s->parts[2].encoding, "base64");
	assert_string_equal(s->parts[2].filename, "report.pdf");
	assert_string_equal(s->parts[2].content_id, "pdf1@example.org");
	assert_int_equal(s->parts[2].size, (long)strlen(PDF));
	mailstore_structure_free(&s);
	assert_null(s);
	mailstore_structure_free(&s); /* harmless once freed */

	/* A message of one part has part 1, as IMAP has it. */
	deliver(f, "Subject: one\r\n\r\nHello.\r\n", id);
	ok(mailstore_structure(f->ms, MAIL_INBOX, id, &s, &e), &e);
	assert_int_equal(s->nparts, 1);
	assert_string_equal(s->parts[0].id, "1");
	assert_string_equal(s->parts[0].type, "text/plain");
	mailstore_structure_free(&s);

	assert_int_equal(mailstore_structure(f->ms, MAIL_INBOX, "1999999999.nothing", &s, &e), -1);
	assert_true(mailstore_refused(f->ms));
	assert_null(s);
}

static void test_part(void **state)
{
	struct fixture *f = *state;
	struct err e;
	struct buf b;
	char id[MAIL_ID_MAX];
	deliver(f, MIXED, id);
	buf_init(&b, 1 << 20);
	ok(mailstore_part(f->ms, MAIL_INBOX, id, "1.1", 1000, &b, &e), &e);
	/* decoded from quoted-printable, still in its own charset */
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.data, "Gr\xfc\xdf" "e aus K\xf6ln", 14);
	b.len = 0;
	ok(mailstore_part(f->ms, MAIL_INBOX, id, "2", strlen(PDF), &b, &e), &e);
	assert_int_equal(b.len, strlen(PDF));
	assert_memory_equal(b.data, PDF, strlen(PDF));

	/* One byte over the maximum: refused, saying so, nothing appended. */
	b.len = 0;
	assert_int_equal(mailstore_part(f->ms, MAIL_INBOX, id, "2", strlen(PDF) - 1, &b, &e), -1);
	assert_true(mailstore_refused(f->ms));
	assert_non_null(strstr(e.msg, "larger than"));
	assert_int_equal(b.len, 0);

	/* Parts that are not there, and ids that are no part ids. */
	static const char *const bad[] = { "3", "1.3", "0", "01", "1.", ".1", "1..2", "", "a",
					   "1/2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mailstore_part(f->ms, MAIL_INBOX, id, bad[i], 1000, &b, &e), -1);
		assert_true(mailstore_refused(f->ms));
	}
	/* "1" of a multipart is no leaf */
	assert_int_equal(mailstore_part(f->ms, MAIL_INBOX, id, "1", 1000, &b, &e), -1);
	buf_free(&b);
}

static void test_raw(void **state)
{
	struct fixture *f = *state;
	struct err e;
	struct buf b;
	char id[MAIL_ID_MAX];
	deliver(f, MIXED, id);
	buf_init(&b, 1 << 20);
	ok(mailstore_raw(f->ms, MAIL_INBOX, id, strlen(MIXED), &b, &e), &e);
	assert_int_equal(b.len, strlen(MIXED));
	assert_memory_equal(b.data, MIXED, strlen(MIXED));
	b.len = 0;
	assert_int_equal(mailstore_raw(f->ms, MAIL_INBOX, id, strlen(MIXED) - 1, &b, &e), -1);
	assert_true(mailstore_refused(f->ms));
	assert_non_null(strstr(e.msg, "larger than"));
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* The page's view from one parse and as made from structure and parts agree. */
static void test_view_made_agrees(void **state)
{
	struct fixture *f = *state;
	struct mime_message *fast, *made;
	struct err e;
	char id[MAIL_ID_MAX];
	deliver(f, MIXED, id);
	ok(mailstore_view(f->ms, MAIL_INBOX, id, &fast, &e), &e);
	ok(mailstore_view_made(f->ms, MAIL_INBOX, id, &made, &e), &e);
	assert_string_equal(fast->text, "Grüße aus Köln");
	assert_string_equal(made->text, fast->text);
	assert_non_null(made->html);
	assert_string_equal(made->html, fast->html);
	assert_string_equal(made->subject, fast->subject);
	assert_string_equal(made->from, fast->from);
	assert_int_equal(made->date, fast->date);
	assert_int_equal(made->nattachments, 1);
	assert_int_equal(fast->nattachments, 1);
	assert_int_equal(made->attachments[0].index, fast->attachments[0].index);
	assert_string_equal(made->attachments[0].filename, "report.pdf");
	assert_string_equal(made->attachments[0].content_type, fast->attachments[0].content_type);
	assert_int_equal(made->attachments[0].size, fast->attachments[0].size);
	assert_string_equal(made->attachments[0].content_id, fast->attachments[0].content_id);
	mime_message_free(&fast);
	mime_message_free(&made);

	/* The attachment by its number, both ways, with its type and name. */
	char type[128], name[256];
	struct buf b;
	buf_init(&b, 1 << 20);
	ok(mailstore_attachment(f->ms, MAIL_INBOX, id, 3, 1000, &b, type, sizeof(type), name,
				sizeof(name), &e), &e);
	assert_int_equal(b.len, strlen(PDF));
	assert_string_equal(type, "application/pdf");
	assert_string_equal(name, "report.pdf");
	b.len = 0;
	ok(mailstore_attachment_made(f->ms, MAIL_INBOX, id, 3, 1000, &b, type, sizeof(type), name,
				     sizeof(name), &e), &e);
	assert_int_equal(b.len, strlen(PDF));
	assert_memory_equal(b.data, PDF, strlen(PDF));
	assert_string_equal(name, "report.pdf");
	b.len = 0;
	/* bounded by the caller's maximum */
	assert_int_equal(mailstore_attachment(f->ms, MAIL_INBOX, id, 3, 10, &b, type, sizeof(type),
					      name, sizeof(name), &e), -1);
	assert_int_equal(mailstore_attachment(f->ms, MAIL_INBOX, id, 4, 1000, &b, type,
					      sizeof(type), name, sizeof(name), &e), -1);
	assert_int_equal(mailstore_attachment(f->ms, MAIL_INBOX, id, 0, 1000, &b, type,
					      sizeof(type), name, sizeof(name), &e), -1);
	assert_true(mailstore_refused(f->ms));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_made_agrees, setup, teardown),
	};
	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
