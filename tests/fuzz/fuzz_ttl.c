/* Fuzz target: TTL (layout/ttl.c, SPEC §9) and the key rules items pass
 * before a put (layout/schema.c): the input is a TTL attribute name, a
 * NUL, and a plain JSON item. Its expiry is 0 or a time; an item with a
 * valid key under the default schema keeps it when its key is set again. */
#include "../../layout/json.h"
#include "../../layout/schema.h"
#include "../../layout/ttl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size, alen, jlen;
	const uint8_t *a = fuzz_field(&p, &left, &alen), *j = fuzz_field(&p, &left, &jlen);
	char *attr = fuzz_dup(a, alen, 1), *json = fuzz_dup(j, jlen, 0);
	lay_item it = LAY_ITEM_INIT, keys = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_schema s;
	lay_key key;
	int64_t exp, now = 1700000000LL * 1000000000LL;
	int rc;

	lay_schema_default(&s);
	if (lay_json_parse(&it, json, jlen, LAY_FMT_PLAIN, &err) == 0) {
		exp = lay_ttl_expiry(&it, attr, now);
		FUZZ_CHECK(exp >= 0);
		FUZZ_CHECK(!lay_ttl_expired(0, now));
		(void)lay_ttl_expired(exp, now);
		if ((rc = lay_item_validate(&it, &s, &err)) < 0)
			FUZZ_CHECK_ERR(rc, &err);
		if (lay_item_key(&key, &it, &s, &err) == 0) {
			lay_key copy = { { 0 }, { 0 } };

			/* the key as a path gives it: its own bytes */
			FUZZ_CHECK(lay_value_copy(&keys, &copy.pk, &key.pk) == 0);
			FUZZ_CHECK(lay_value_copy(&keys, &copy.sk, &key.sk) == 0);
			FUZZ_CHECK(lay_item_set_key(&it, &s, &copy, 0, &err) == 0);
			FUZZ_CHECK(lay_item_key(&key, &it, &s, &err) == 0);
			FUZZ_CHECK(lay_value_equal(&key.pk, &copy.pk));
		} else {
			FUZZ_CHECK(err.msg[0]);
		}
	}
	lay_item_free(&keys);
	lay_item_free(&it);
	free(attr);
	free(json);
	return 0;
}
