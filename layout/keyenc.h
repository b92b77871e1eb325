/* Order-preserving key encoding (SPEC §3): memcmp order of encoded keys is
 * DynamoDB's order — S by UTF-8 bytes, N numerically, B by unsigned bytes. */
#ifndef LAY_KEYENC_H
#define LAY_KEYENC_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "item.h"

/*
 * Append the self-delimiting encoding of a key value (S, N or B): no
 * encoding is a prefix of another of the same type, so concatenations
 * (partition, then sort) sort as the pairs do. S and B: each 0x00 byte
 * becomes 0x00 0xFF, then 0x00 0x01 ends it. N: lay_num_keyenc.
 * Returns 0, -EINVAL (not S/N/B) or -ENOMEM.
 */
int lay_keyenc(lay_buf *out, const lay_value *v);

/*
 * Decode one encoding of type t at p; the value's bytes go to it's arena
 * (so *out outlives p). *used gets the bytes consumed.
 * Returns 0, -EINVAL (corrupt) or -ENOMEM.
 */
int lay_keydec(lay_item *it, lay_value *out, size_t *used, lay_type t, const void *p,
	       size_t len);

#endif
