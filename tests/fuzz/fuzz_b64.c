/* Fuzz target: base64 (layout/b64.c), as B values and binary key names
 * carry it; the first byte picks strict or lenient decoding. Decoded bytes
 * encode to text that decodes strictly to the same bytes; in strict mode
 * that text is the input itself (one text per value). */
#include "../../layout/b64.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lay_buf dec = LAY_BUF_INIT, enc = LAY_BUF_INIT, again = LAY_BUF_INIT;
	int strict;
	char *text;

	if (size < 1)
		return 0;
	strict = data[0] & 1;
	text = fuzz_dup(data + 1, size - 1, 0);
	if (lay_b64_decode(&dec, text, size - 1, strict) == 0) {
		FUZZ_CHECK(lay_b64_encode(&enc, dec.p, dec.len) == 0);
		FUZZ_CHECK(lay_b64_decode(&again, enc.p ? enc.p : "", enc.len, 1) == 0);
		FUZZ_CHECK(again.len == dec.len && (!dec.len || memcmp(again.p, dec.p, dec.len) == 0));
		if (strict)
			FUZZ_CHECK(enc.len == size - 1 && (!enc.len || memcmp(enc.p, text, enc.len) == 0));
	}
	lay_buf_free(&again);
	lay_buf_free(&enc);
	lay_buf_free(&dec);
	free(text);
	return 0;
}
