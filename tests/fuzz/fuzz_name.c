/* Fuzz target: file names as keys (layout/name.c, SPEC §4): partition
 * directory and item file names of S, N and B keys, and the long names cut
 * to a prefix and a hash. The first byte picks the type and whether it is
 * an item's name; the rest is the name. A name accepted is canonical: the
 * key it gives names itself the same way; a long name's hash is the hash of
 * its key when the key is known. */
#include "../../layout/name.h"
#include "fuzz.h"

static const lay_type types[] = { LAY_S, LAY_N, LAY_B };

/* name -> key -> name gives the name back. */
static void check_canonical(const lay_name_key *k, const char *name, size_t len, int item)
{
	lay_buf again = LAY_BUF_INIT;
	int rc = lay_name_from_key(&again, &k->value, item);

	FUZZ_CHECK(rc >= 0);
	FUZZ_CHECK(again.len == len && memcmp(again.p, name, len) == 0);
	FUZZ_CHECK(again.len <= LAY_NAME_MAX);
	lay_buf_free(&again);
}

/* The input as a B key's value, named and parsed back. */
static void check_key(const char *p, size_t len, int item)
{
	lay_value v = { .type = LAY_B, .len = len, .u.p = (char *)p };
	lay_buf name = LAY_BUF_INIT;
	lay_item store = LAY_ITEM_INIT;
	lay_name_key k;
	lay_err err = { 0, "" };
	int made;

	made = lay_name_from_key(&name, &v, item);
	FUZZ_CHECK(made >= 0);
	FUZZ_CHECK(name.len <= LAY_NAME_MAX);
	FUZZ_CHECK(lay_name_to_key(&k, &store, name.p ? name.p : "", name.len, LAY_B, item,
				   &err) == 0);
	FUZZ_CHECK(k.hashed == made);
	if (k.hashed)
		FUZZ_CHECK(k.hash == lay_name_hash(&v));
	else
		FUZZ_CHECK(lay_value_equal(&k.value, &v));
	lay_item_free(&store);
	lay_buf_free(&name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lay_item store = LAY_ITEM_INIT;
	lay_name_key k;
	lay_err err = { 0, "" };
	lay_type t;
	int item, rc;
	char *name;

	if (size < 1)
		return 0;
	t = types[data[0] % 3];
	item = (data[0] >> 2) & 1;
	name = fuzz_dup(data + 1, size - 1, 0);
	rc = lay_name_to_key(&k, &store, name, size - 1, t, item, &err);
	if (rc == 0 && !k.hashed)
		check_canonical(&k, name, size - 1, item);
	else if (rc < 0)
		FUZZ_CHECK_ERR(rc, &err);
	(void)lay_name_is_item(name, size - 1);
	if (size > 1) /* a key is never empty */
		check_key(name, size - 1, item);
	lay_item_free(&store);
	free(name);
	return 0;
}
