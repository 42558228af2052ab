/* fuzz_address.c - the user address normaliser (common/users.c) as the logon
 * form, the remembered-logon check and `webmsg-admin user` use it: what it
 * accepts is one lower-case name@domain that normalises to itself, and a
 * buffer too small for it is an error, never a cut address. */
#include <ctype.h>
#include <strings.h>

#include "fuzz.h"
#include "webmsg/err.h"
#include "webmsg/users.h"

static void check_normalized(const char *out)
{
	const char *at = strchr(out, '@');
	FUZZ_CHECK(at && at > out && at[1] && !strchr(at + 1, '@'));
	for (const char *p = out; *p; p++)
		FUZZ_CHECK(!isupper((unsigned char)*p) && (unsigned char)*p > 0x20 &&
			   (unsigned char)*p < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	size_t outlen = 1 + fuzz_u16(&in) % USER_ADDRESS_MAX;
	char *typed = fuzz_string(&in);
	char *out = malloc(outlen), again[USER_ADDRESS_MAX], domain[256];
	struct err e;

	FUZZ_CHECK(out);
	err_clear(&e);
	if (user_address_normalize(typed, out, outlen, &e) == 0) {
		FUZZ_CHECK(strlen(out) < outlen);
		check_normalized(out);
		FUZZ_CHECK(user_address_normalize(out, again, sizeof(again), &e) == 0);
		FUZZ_CHECK(strcmp(out, again) == 0);
		FUZZ_CHECK(strcasecmp(out, typed) == 0);
	} else {
		FUZZ_CHECK(e.msg[0]);
	}
	err_clear(&e);
	if (domain_name_normalize(typed, domain, sizeof(domain), &e) == 0) {
		FUZZ_CHECK(strlen(domain) == strlen(typed));
		FUZZ_CHECK(domain_name_normalize(domain, again, sizeof(again), &e) == 0);
		FUZZ_CHECK(strcmp(domain, again) == 0);
	} else {
		FUZZ_CHECK(e.msg[0]);
	}
	free(out);
	free(typed);
	return 0;
}
