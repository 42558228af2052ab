/* fuzz_imap_thread.c - the reader of an IMAP server's THREAD answer
 * (common/mail/mailstore_imap_thread.c), fed what a hostile server may send
 * after "* THREAD": what it takes is conversations of non-zero UIDs, each
 * with at least one, read up to the line's end and not past it; what it
 * refuses says why and leaves nothing allocated. */
#include "fuzz.h"
#include "webmsg/err.h"
#include "../../common/mail/mailstore_imap_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_thread_answer a;
	struct err e;
	size_t used = 0;

	err_clear(&e);
	if (imap_thread_parse((const char *)data, size, &used, &a, &e) == 0) {
		FUZZ_CHECK(used <= size);
		FUZZ_CHECK(used == size || data[used] == '\r' || data[used] == '\n');
		FUZZ_CHECK(!memchr(data, '\r', used) && !memchr(data, '\n', used));
		FUZZ_CHECK(a.n <= IMAP_THREAD_MSGS_MAX);
		for (size_t i = 0; i < a.n; i++)
			FUZZ_CHECK(a.uids[i] != 0);
		for (size_t t = 0; t < a.nthreads; t++) {
			size_t end = t + 1 < a.nthreads ? a.starts[t + 1] : a.n;
			FUZZ_CHECK(a.starts[t] < end && end <= a.n);
		}
		FUZZ_CHECK(a.nthreads > 0 || a.n == 0);
		imap_thread_answer_free(&a);
	} else {
		FUZZ_CHECK(e.msg[0]);
		FUZZ_CHECK(!a.uids && !a.starts && used == 0);
	}
	return 0;
}
