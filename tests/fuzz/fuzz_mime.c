/* fuzz_mime.c - the MIME parser (common/mail/mime_parse.c) as the daemon uses it: a
 * message file read for the message page, each attachment fetched by its
 * number, and the reply built from it. Every string it hands out must be
 * valid UTF-8 and every attachment name safe for a file system. */
#include <sys/mman.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "fuzz.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/linkify.h"
#include "webmsg/mime.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	g_mime_init();
	/* The message lives in memory; the parser opens it by name as it opens
	 * a file of the Maildir. */
	fd = memfd_create("fuzz-mime", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void check_text(const char *s)
{
	FUZZ_CHECK(!s || g_utf8_validate(s, -1, NULL));
}

static void count_address(const char *addr, void *arg)
{
	FUZZ_CHECK(addr && strchr(addr, '@'));
	++*(int *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_message *m = NULL;
	struct err e;
	int n = 0;

	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	err_clear(&e);
	if (mime_parse_file(path, &m, &e) < 0) {
		FUZZ_CHECK(!m && e.msg[0]);
		return 0;
	}
	const char *texts[] = { m->from, m->to, m->cc, m->reply_to, m->from_addr, m->subject,
				m->message_id, m->references, m->text, m->html };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		check_text(texts[i]);
	FUZZ_CHECK(m->text);
	/* What the reading page makes of the bodies: the HTML for the frame and
	 * the text with its links, both still valid UTF-8. */
	if (m->html) {
		char *framed = mime_html_for_frame(m->html, NULL, 0);
		FUZZ_CHECK(framed);
		check_text(framed);
		free(framed);
	}
	struct buf linked;
	buf_init(&linked, 1 << 28);
	FUZZ_CHECK(linkify_html(&linked, m->text, "/mail/compose?to=") == 0);
	check_text(linked.data);
	buf_free(&linked);
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		char type[128], name[256];
		struct buf bytes;
		check_text(a->filename);
		check_text(a->content_type);
		check_text(a->content_id);
		FUZZ_CHECK(a->filename && a->filename[0] && !strchr(a->filename, '/'));
		buf_init(&bytes, MIME_MESSAGE_MAX);
		if (mime_attachment_data(path, a->index, &bytes, type, sizeof(type), name,
					 sizeof(name), &e) == 0) {
			check_text(type);
			check_text(name);
			FUZZ_CHECK(name[0] && !strchr(name, '/'));
		}
		buf_free(&bytes);
	}
	/* A number that is no attachment: an error, not someone else's bytes. */
	struct buf none;
	char type[128], name[256];
	buf_init(&none, 1024);
	FUZZ_CHECK(mime_attachment_data(path, 1 << 30, &none, type, sizeof(type), name,
					sizeof(name), &e) < 0);
	buf_free(&none);
	char *quoted = mime_quote_reply(m);
	check_text(quoted);
	free(quoted);
	/* "Reply to all" splits the lists it was given. */
	if (m->to)
		mime_addresses(m->to, count_address, &n, NULL);
	if (m->cc)
		mime_addresses(m->cc, count_address, &n, NULL);
	mime_message_free(&m);
	FUZZ_CHECK(!m);
	return 0;
}
