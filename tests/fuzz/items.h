/* The round trips an item must survive, for the targets that make items
 * (JSON, DynamoDB JSON, Ion, import records): each rendering parses back to
 * an equal item, the counted length is the rendered length, and the stored
 * encoding decodes to the same item. */
#ifndef FUZZ_ITEMS_H
#define FUZZ_ITEMS_H

#include "../../layout/codec.h"
#include "../../layout/json.h"
#include "fuzz.h"

/* Whether v is or holds a map of one member named B, SS, NS or BS: plain
 * JSON reads such a map as that type, or refuses it as a bad one (an empty
 * or repeating set), SPEC §5's documented ambiguity. */
static inline int fuzz_has_wrapper_map(const lay_value *v)
{
	static const char *const wrappers[] = { "B", "SS", "NS", "BS" };
	size_t i;

	for (i = 0; v->type == LAY_M && v->len == 1 && i < 4; i++)
		if (v->u.a[0].name_len == strlen(wrappers[i]) &&
		    memcmp(v->u.a[0].name, wrappers[i], v->u.a[0].name_len) == 0)
			return 1;
	for (i = 0; i < v->len && (v->type == LAY_M || v->type == LAY_L); i++)
		if (fuzz_has_wrapper_map(v->type == LAY_M ? &v->u.a[i].v : &v->u.v[i]))
			return 1;
	return 0;
}

static inline int fuzz_item_has_wrapper_map(const lay_item *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		if (fuzz_has_wrapper_map(&it->a[i].v))
			return 1;
	return 0;
}

/* Render it in fmt, parse the text back: the same item. In plain JSON an
 * item holding a map that looks like a wrapper (see above) may read back
 * otherwise: then only a text that reads back must render as itself. */
static inline void fuzz_json_round_trip(const lay_item *it, lay_format fmt)
{
	lay_buf text = LAY_BUF_INIT, again = LAY_BUF_INIT;
	lay_item back = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	int rc;

	FUZZ_CHECK(lay_json_render(&text, it, fmt) == 0);
	FUZZ_CHECK(lay_json_len(it, fmt) == text.len);
	rc = lay_json_parse(&back, text.p, text.len, fmt, &err);
	if (rc < 0 && fmt == LAY_FMT_PLAIN && fuzz_item_has_wrapper_map(it))
		goto out;
	if (rc < 0)
		fprintf(stderr, "rendered %.*s does not parse back: %s\n", (int)text.len, text.p,
			err.msg);
	FUZZ_CHECK(rc == 0);
	if (fmt == LAY_FMT_DDB || !fuzz_item_has_wrapper_map(it)) {
		FUZZ_CHECK(lay_item_equal(it, &back));
	} else {
		FUZZ_CHECK(lay_json_render(&again, &back, fmt) == 0);
		FUZZ_CHECK(again.len == text.len && memcmp(again.p, text.p, text.len) == 0);
	}
out:
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
