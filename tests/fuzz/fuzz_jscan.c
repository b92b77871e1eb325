/* Fuzz target: the incremental JSON scanner (layout/jscan.c) that checks
 * item files as writes arrive. The first byte picks where the text is cut
 * into pushes; the rest is the text. Pushed whole or in pieces, the verdict
 * and the bad byte's offset are the same; every text lay_json_parse takes
 * as an item (but the empty one) the scanner takes as one complete
 * document. */
#include "../../layout/jscan.h"
#include "../../layout/json.h"
#include "fuzz.h"

/* Push text in pieces of step bytes (0: whole); the last verdict. */
static int scan(lay_jscan *s, const char *text, size_t len, size_t step, lay_err *err)
{
	size_t at = 0;
	int rc = 0;

	lay_jscan_init(s, lay_json_max_brackets(LAY_FMT_PLAIN), LAY_JSCAN_OBJECT);
	if (!step)
		return lay_jscan_push(s, text, len, err);
	while (at < len) {
		size_t n = len - at < step ? len - at : step;

		rc = lay_jscan_push(s, text + at, n, err);
		at += n;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lay_jscan whole, pieces;
	lay_err err = { 0, "" }, err2 = { 0, "" };
	lay_item it = LAY_ITEM_INIT;
	int a, b;
	char *text;

	if (size < 1)
		return 0;
	text = fuzz_dup(data + 1, size - 1, 0);
	a = scan(&whole, text, size - 1, 0, &err);
	b = scan(&pieces, text, size - 1, 1 + data[0] % 7, &err2);
	FUZZ_CHECK(a == b);
	if (a < 0) {
		FUZZ_CHECK_ERR(a, &err);
		FUZZ_CHECK(strcmp(err.msg, err2.msg) == 0);
		FUZZ_CHECK(lay_jscan_bad_offset(&whole) == lay_jscan_bad_offset(&pieces));
		FUZZ_CHECK(lay_jscan_bad_offset(&whole) < size - 1);
	} else if (a == 1) {
		FUZZ_CHECK(lay_jscan_end(&whole) == lay_jscan_end(&pieces));
		FUZZ_CHECK(lay_jscan_end(&whole) <= size - 1);
	}
	/* an empty file is an empty item; the scanner waits for more */
	if (lay_json_parse(&it, text, size - 1, LAY_FMT_PLAIN, &err) == 0)
		FUZZ_CHECK(a == 1 || (a == 0 && it.n == 0));
	lay_item_free(&it);
	free(text);
	return 0;
}
