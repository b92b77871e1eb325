/* Items as files (SPEC §5): parse and render the `plain` and `ddb` JSON
 * formats. Numbers keep their exact literal text (cJSON's double is
 * never used for a value). */
#ifndef LAY_JSON_H
#define LAY_JSON_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "item.h"

typedef enum lay_format {
	LAY_FMT_PLAIN = 0, /* native JSON; B/SS/NS/BS as one-member wrappers */
	LAY_FMT_DDB = 1,   /* DynamoDB JSON as GetItem's Item */
} lay_format;

/*
 * Parse one JSON object (surrounding whitespace allowed; an empty or
 * all-whitespace text is an item with no attributes) into *out, which must
 * be LAY_ITEM_INIT. Checks everything that does not depend on the table:
 * JSON syntax, exact numbers (lay_num_canon), base64 of B, sets (not empty,
 * no duplicate members, members of the set's type), nesting at most
 * LAY_MAX_DEPTH levels (the item's attributes are level 1; each M or L
 * value opens one more), attribute names 1..65535 bytes and not repeated,
 * strings valid UTF-8 without U+0000.
 * plain: a one-member object whose member is B, SS, NS or BS with a value
 * of that shape is that type; anything else is M/L/S/N/BOOL/NULL.
 * ddb: every value is a one-member {"T": ...} object as DynamoDB writes it
 * (N and NS members are strings; BOOL true/false; NULL true).
 * On error returns -EINVAL (or -ENOMEM) with a message naming the problem
 * and its attribute path, and *out is freed.
 */
int lay_json_parse(lay_item *out, const char *text, size_t len, lay_format fmt, lay_err *err);

/*
 * The most brackets that can be open at once in a text lay_json_parse
 * accepts in format fmt: plain spends one per level and a set wrapper two
 * more; ddb two per level ({"M":{...}}) and a set two. A text with more
 * open brackets is refused whatever follows.
 */
unsigned lay_json_max_brackets(lay_format fmt);

/*
 * Render it as one line of compact JSON plus "\n", appended to out,
 * attributes in the item's order. Deterministic. Returns 0 or -ENOMEM.
 */
int lay_json_render(lay_buf *out, const lay_item *it, lay_format fmt);

/* Render one value in DynamoDB JSON ({"S":"x"}), no newline. 0 or -ENOMEM. */
int lay_json_render_ddb_value(lay_buf *out, const lay_value *v);

/* The length of lay_json_render's text of it in fmt, without rendering it
 * (a counting pass: no allocation). */
size_t lay_json_len(const lay_item *it, lay_format fmt);

/* Append s as a JSON string literal with quotes. 0 or -ENOMEM. */
int lay_json_quote(lay_buf *out, const char *s, size_t len);

#endif
