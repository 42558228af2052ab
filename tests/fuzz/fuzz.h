/* fuzz.h - what the libFuzzer harnesses share: reading structured values out
 * of the fuzzer's bytes, and stopping loudly when an invariant breaks (a
 * crash is what libFuzzer records and the fuzz tier fails on). */
#ifndef WEBMSG_FUZZ_H
#define WEBMSG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The fuzzer's bytes, read front to back; past the end every read gives 0 or "". */
struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static inline unsigned fuzz_byte(struct fuzz_input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline unsigned fuzz_u16(struct fuzz_input *in)
{
	unsigned hi = fuzz_byte(in);
	return hi << 8 | fuzz_byte(in);
}

/* The bytes up to the next NUL (or the end), as a new string; free it. */
static inline char *fuzz_string(struct fuzz_input *in)
{
	const uint8_t *nul = memchr(in->p, 0, in->left);
	size_t len = nul ? (size_t)(nul - in->p) : in->left;
	char *s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, in->p, len);
	s[len] = '\0';
	in->p += len + (nul ? 1 : 0);
	in->left -= len + (nul ? 1 : 0);
	return s;
}

/* At most n bytes; *got says how many there were. Borrowed from the input. */
static inline const char *fuzz_bytes(struct fuzz_input *in, size_t n, size_t *got)
{
	const char *s = (const char *)in->p;
	*got = n < in->left ? n : in->left;
	in->p += *got;
	in->left -= *got;
	return s;
}

/* An invariant that does not hold: say which, and crash so that libFuzzer
 * keeps the input. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

#endif
