/* fuzz_template.c - the template engine (server/template.c): a fuzzed
 * template source rendered with fuzzed values for the names the shipped
 * templates use. A value never reaches the page unescaped through {{name}}. */
#include "fuzz.h"
#include "template.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"

/* Every name share/templates uses, and a few short ones. */
static const char *const names[] = {
	"a", "b", "c", "x", "answered", "attachment", "attachments", "back", "bcc", "body",
	"button", "cancel", "cc", "children", "client_email", "client_subject", "create_error",
	"csrf", "csrf_pre", "current", "date", "delete_url", "error", "expire_default", "first",
	"folder", "folders", "forward_url", "forwarding", "from", "fwd_f", "fwd_id", "heading",
	"here", "hostname", "html_url", "id", "images", "images_url", "in_reply_to", "in_trash",
	"label", "last", "list_url", "max_mb", "message", "mode", "mode_link", "move_options",
	"name", "newer", "notice", "older", "one", "op", "parents", "question", "references",
	"refusal", "remember_allowed", "reply_all_url", "reply_url", "rows", "secure",
	"selected", "size", "sort_date", "sort_from", "sort_subject", "status", "subject",
	"text", "title", "to", "total", "trash", "type", "typed", "unread", "url", "user",
	"user_value", "value",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	char *source = fuzz_string(&in), *values[NNAMES];
	struct tvar vars[NNAMES];
	size_t nvars = fuzz_byte(&in) % (NNAMES + 1);
	struct template *t = NULL;
	struct err e;
	struct buf out;

	for (size_t i = 0; i < NNAMES; i++) {
		/* Values run to the next NUL; the rest of the names get the last
		 * ones again, so that short inputs still fill every name. */
		values[i] = in.left || i < 4 ? fuzz_string(&in) : strdup(values[i % 4]);
		FUZZ_CHECK(values[i]);
		vars[i].name = names[i];
		vars[i].value = values[i];
	}
	err_clear(&e);
	if (template_parse(source, "fuzz", &t, &e) < 0) {
		FUZZ_CHECK(!t && e.msg[0]);
		goto out;
	}
	/* A small page limit as well: "too large" is an error, not a cut page. */
	buf_init(&out, fuzz_byte(&in) ? 1 << 20 : 64);
	if (template_render(t, vars, nvars, &out, &e) == 0) {
		FUZZ_CHECK(!out.failed);
		/* Without markup or {{{raw}}} in the source, nothing in the page is
		 * markup: every value went through the escaper. */
		if (!strpbrk(source, "<>\"'&") && !strstr(source, "{{{"))
			FUZZ_CHECK(!out.data || !strpbrk(out.data, "<>\"'"));
	} else {
		FUZZ_CHECK(e.msg[0]);
	}
	buf_free(&out);
	template_free(&t);
	FUZZ_CHECK(!t);
out:
	for (size_t i = 0; i < NNAMES; i++)
		free(values[i]);
	free(source);
	return 0;
}
