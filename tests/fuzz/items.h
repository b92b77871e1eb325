/* The round trips an item must survive, for the targets that make items
 * (JSON, DynamoDB JSON, Ion, import records): each rendering parses back to
 * an equal item, the counted length is the rendered length, and the stored
 * encoding decodes to the same item. */
#ifndef FUZZ_ITEMS_H
#define FUZZ_ITEMS_H

#include "../../layout/codec.h"
#include "../../layout/json.h"
#include "fuzz.h"

/* Render it in fmt, parse the text back: the same item in DynamoDB JSON.
 * Plain JSON reads a map of one member B, SS, NS or BS of that shape as
 * that type (SPEC §5, documented): there the text read back renders as
 * the same text. */
static inline void fuzz_json_round_trip(const lay_item *it, lay_format fmt)
{
	lay_buf text = LAY_BUF_INIT, again = LAY_BUF_INIT;
	lay_item back = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	int rc;

	FUZZ_CHECK(lay_json_render(&text, it, fmt) == 0);
	FUZZ_CHECK(lay_json_len(it, fmt) == text.len);
	rc = lay_json_parse(&back, text.p, text.len, fmt, &err);
	if (rc < 0)
		fprintf(stderr, "rendered %.*s does not parse back: %s\n", (int)text.len, text.p,
			err.msg);
	FUZZ_CHECK(rc == 0);
	if (fmt == LAY_FMT_DDB) {
		FUZZ_CHECK(lay_item_equal(it, &back));
	} else {
		FUZZ_CHECK(lay_json_render(&again, &back, fmt) == 0);
		FUZZ_CHECK(again.len == text.len && memcmp(again.p, text.p, text.len) == 0);
	}
	lay_item_free(&back);
	lay_buf_free(&again);
	lay_buf_free(&text);
}

/* Encode it as stored, decode and view it back: the same item. */
static inline void fuzz_codec_round_trip(const lay_item *it)
{
	lay_buf bin = LAY_BUF_INIT;
	lay_item back = LAY_ITEM_INIT, view = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	char *exact;

	FUZZ_CHECK(lay_codec_encode(&bin, it) == 0);
	exact = fuzz_dup((const uint8_t *)bin.p, bin.len, 0);
	FUZZ_CHECK(lay_codec_decode(&back, exact, bin.len, &err) == 0);
	FUZZ_CHECK(lay_item_equal(it, &back));
	FUZZ_CHECK(lay_codec_view(&view, exact, bin.len, &err) == 0);
	FUZZ_CHECK(lay_item_equal(it, &view));
	lay_item_free(&view);
	lay_item_free(&back);
	free(exact);
	lay_buf_free(&bin);
}

/* Every round trip of an item made from fuzzed input. */
static inline void fuzz_item_round_trips(const lay_item *it)
{
	fuzz_json_round_trip(it, LAY_FMT_PLAIN);
	fuzz_json_round_trip(it, LAY_FMT_DDB);
	fuzz_codec_round_trip(it);
	FUZZ_CHECK(lay_item_size(it) <= (size_t)-1 / 2);
}

#endif
