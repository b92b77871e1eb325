/* Fuzz target: a table's settings as its xattrs take them (layout/
 * settings.c, SPEC §7): billing mode, capacity, autoscaling, table class,
 * TTL attribute, stream, PITR. The first byte picks the setting, the rest
 * (to a NUL) is the value written on settings a second byte's worth of
 * earlier writes made. A value accepted reads back as a text that, written
 * again, changes nothing; a refusal says why and leaves the settings as
 * they were. */
#include "../../layout/settings.h"
#include "fuzz.h"

static size_t nnames(void)
{
	size_t n = 0;

	while (lay_settings_names[n])
		n++;
	return n;
}

/* Every setting's text, one after another. */
static void all_texts(const lay_settings *s, lay_buf *out)
{
	size_t i;

	for (i = 0; lay_settings_names[i]; i++) {
		FUZZ_CHECK(lay_settings_get(s, lay_settings_names[i], out) == 0);
		FUZZ_CHECK(lay_buf_addc(out, '\n') == 0);
	}
}

static void write_one(lay_settings *s, const char *name, const char *value)
{
	lay_settings before = *s;
	lay_buf was = LAY_BUF_INIT, now = LAY_BUF_INIT, text = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	lay_settings again;
	int rc = lay_settings_set(s, name, value, &err);

	if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
		FUZZ_CHECK(memcmp(&before, s, sizeof(*s)) == 0);
		return;
	}
	FUZZ_CHECK(lay_settings_get(s, name, &text) == 0);
	again = *s;
	rc = lay_settings_set(&again, name, text.p ? text.p : "", &err);
	if (rc < 0)
		fprintf(stderr, "%s=%s reads back as %s, which is refused: %s\n", name, value,
			text.p, err.msg);
	FUZZ_CHECK(rc == 0);
	all_texts(s, &was);
	all_texts(&again, &now);
	FUZZ_CHECK(was.len == now.len && memcmp(was.p, now.p, was.len) == 0);
	lay_buf_free(&text);
	lay_buf_free(&was);
	lay_buf_free(&now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lay_settings s;
	lay_err err = { 0, "" };
	const uint8_t *p = data;
	size_t left = size, len, n = nnames(), writes = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	/* each field: a byte naming the setting, then its value; a few of them
	 * reach every combination, thousands only slow the run */
	while (left > 0 && writes++ < 16) {
		const uint8_t *f = fuzz_field(&p, &left, &len);
		char *value;

		if (len < 1)
			continue;
		value = fuzz_dup(f + 1, len - 1, 1);
		write_one(&s, lay_settings_names[f[0] % n], value);
		free(value);
	}
	if ((rc = lay_settings_check(&s, &err)) < 0)
		FUZZ_CHECK_ERR(rc, &err);
	return 0;
}
