/* Fuzz target: the stored encoding of items (layout/codec.c), as read back
 * from a possibly damaged database: bytes decoded whole, as a view, and as
 * one value. Decoding never reads past the bytes; what decodes encodes to
 * bytes that decode to the same item, and a refusal says the item is
 * corrupt. */
#include "items.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = fuzz_dup(data, size, 0);
	lay_item it = LAY_ITEM_INIT, view = LAY_ITEM_INIT, one = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_value v;
	size_t used = 0;
	int rc;

	if ((rc = lay_codec_decode(&it, p, size, &err)) == 0) {
		fuzz_codec_round_trip(&it);
		FUZZ_CHECK(lay_codec_view(&view, p, size, &err) == 0);
		FUZZ_CHECK(lay_item_equal(&it, &view));
	} else {
		FUZZ_CHECK_ERR(rc, &err);
		FUZZ_CHECK(lay_codec_view(&view, p, size, &err) < 0);
	}
	if (lay_codec_decode_value(&one, &v, &used, p, size, &err) == 0) {
		lay_buf enc = LAY_BUF_INIT;

		FUZZ_CHECK(used <= size);
		FUZZ_CHECK(lay_codec_encode_value(&enc, &v) == 0);
		lay_buf_free(&enc);
	}
	lay_item_free(&one);
	lay_item_free(&view);
	lay_item_free(&it);
	free(p);
	return 0;
}
