/* fuzz_settings.c - every setting's validator with the same fuzzed value, as
 * `config set KEY VALUE` and the console's forms hand it over: a value that
 * is accepted has a canonical spelling that is itself accepted unchanged. */
#include "fuzz.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	/* The first byte picks the size of the caller's buffer: values longer
	 * than it must be refused, never cut. */
	size_t outlen = 1 + fuzz_byte(&in) % 64 * 80;
	char *value = fuzz_string(&in);
	char *out = malloc(outlen), again[4096], type[160];
	struct err e;
	int b;

	FUZZ_CHECK(out);
	settings_find(value, NULL);
	settings_parse_bool(value, &b);
	for (int id = 0; id < SET_COUNT; id++) {
		const struct setting *s = settings_get((enum setting_id)id);
		settings_describe_type(s, type, sizeof(type));
		err_clear(&e);
		int valid = settings_validate(s, value, &e) == 0;
		FUZZ_CHECK(valid || e.msg[0]);
		if (settings_normalize(s, value, out, outlen, &e) < 0) {
			FUZZ_CHECK(e.msg[0]);
			continue;
		}
		FUZZ_CHECK(valid);
		FUZZ_CHECK(strlen(out) < outlen);
		FUZZ_CHECK(settings_normalize(s, out, again, sizeof(again), &e) == 0);
		FUZZ_CHECK(strcmp(out, again) == 0);
	}
	free(out);
	free(value);
	return 0;
}
