/* The stored form of an item: a compact, typed binary encoding that the
 * engine keeps in LMDB, decoded back to exactly the same item. */
#ifndef LAY_CODEC_H
#define LAY_CODEC_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "item.h"

/* Append the encoding of it to out. Deterministic: equal items in equal
 * order encode to equal bytes. Returns 0 or -ENOMEM. */
int lay_codec_encode(lay_buf *out, const lay_item *it);

/* Append the encoding of one value. Returns 0 or -ENOMEM. */
int lay_codec_encode_value(lay_buf *out, const lay_value *v);

/*
 * Decode len bytes at p into *out (LAY_ITEM_INIT); copies everything, so p
 * may be LMDB memory that dies with its transaction. -EINVAL ("stored item
 * is corrupt") on malformed input, -ENOMEM; *out is freed then.
 */
int lay_codec_decode(lay_item *out, const void *p, size_t len, lay_err *err);

/*
 * As lay_codec_decode, but the names, strings, numbers and binaries of *out
 * point into p and are not NUL-terminated: a view for reading (rendering)
 * while p lives, without copying them. Only the arrays are allocated;
 * lay_item_free frees them.
 */
int lay_codec_view(lay_item *out, const void *p, size_t len, lay_err *err);

/* Decode one value (as written by lay_codec_encode_value) into it's arena;
 * *used gets the bytes consumed. 0, -EINVAL or -ENOMEM. */
int lay_codec_decode_value(lay_item *it, lay_value *out, size_t *used, const void *p,
			   size_t len, lay_err *err);

#endif
