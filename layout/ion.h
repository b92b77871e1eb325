/* Items as Amazon Ion text, the ION format of DynamoDB's exports to S3 and
 * of its imports from S3: one record `$ion_1_0 {Item:{...}}` per line.
 * S is an Ion string, N a decimal, B a blob, BOOL a bool, NULL null, M a
 * struct, L a list; SS, NS and BS are lists annotated $dynamodb_SS,
 * $dynamodb_NS and $dynamodb_BS. */
#ifndef LAY_ION_H
#define LAY_ION_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "item.h"

/*
 * Render v as Ion text appended to out, no newline. Numbers are decimals
 * that keep every digit ("103.", "-1.5", "15d-11"); field names are
 * identifier symbols when they can be, else quoted strings. Deterministic.
 * Returns 0 or -ENOMEM.
 */
int lay_ion_render_value(lay_buf *out, const lay_value *v);

/* Render the item as one Ion struct of its attributes, in its order:
 * "{a:...,b:...}", no newline. Returns 0 or -ENOMEM. */
int lay_ion_render_item(lay_buf *out, const lay_item *it);

/*
 * Parse one top-level export record from text[0..len): any number of Ion
 * version markers ($ion_1_0), whitespace and comments (// and block), then
 * exactly one struct with a field Item holding a struct (other top-level
 * fields are stepped over unchecked), then only whitespace and comments.
 * out (LAY_ITEM_INIT) gets Item's fields as the item's attributes; it
 * owns everything and the caller frees it with lay_item_free.
 * Values map to DynamoDB's types as any Ion text writer writes them: ints
 * (decimal, 0x, 0b, '_' separators), decimals and finite floats are N,
 * checked and canonicalized as lay_num_canon does; strings (short and long,
 * adjacent long strings joined) and symbols are S; blobs B; bools BOOL;
 * null and typed nulls NULL; structs M; lists L, or a set when annotated
 * $dynamodb_SS, $dynamodb_NS or $dynamodb_BS. Other annotations are ignored.
 * Returns 0 (an item), 1 (no value: blank, markers and comments only;
 * out untouched), -EAGAIN (the text ends inside a value, a string, a blob
 * or a comment: append the next line and parse again), -EINVAL (with a
 * message naming the problem, the attribute path and the line and column:
 * not a struct, no Item, a type DynamoDB has no match for (timestamp,
 * clob, sexp, nan, infinities, symbol IDs), a bad number, a repeated
 * attribute name, a set empty or with duplicates or with members of
 * another type, nesting deeper than LAY_MAX_DEPTH, ...), -EFBIG (the item
 * is over LAY_MAX_ITEM_SIZE) or -ENOMEM. On any error out is freed.
 */
int lay_ion_parse_record(lay_item *out, const char *text, size_t len, lay_err *err);

#endif
