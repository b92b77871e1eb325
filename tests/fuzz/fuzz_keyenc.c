/* Fuzz target: the stored key encodings (layout/keyenc.c, num.c's
 * lay_num_keydec): bytes as LMDB hands them back, decoded as an S, N or B
 * key (the first byte picks). A decoded key encodes to the bytes it was
 * read from, and decoding never reads past them. */
#include "../../layout/keyenc.h"
#include "fuzz.h"

static const lay_type types[] = { LAY_S, LAY_N, LAY_B };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lay_item store = LAY_ITEM_INIT;
	lay_buf again = LAY_BUF_INIT;
	lay_value v;
	size_t used = 0;
	char *p;

	if (size < 1)
		return 0;
	p = fuzz_dup(data + 1, size - 1, 0);
	if (lay_keydec(&store, &v, &used, types[data[0] % 3], p, size - 1) == 0) {
		FUZZ_CHECK(used <= size - 1);
		FUZZ_CHECK(v.type == types[data[0] % 3]);
		FUZZ_CHECK(lay_keyenc(&again, &v) == 0);
		FUZZ_CHECK(again.len == used && memcmp(again.p, p, used) == 0);
	}
	lay_buf_free(&again);
	lay_item_free(&store);
	free(p);
	return 0;
}
