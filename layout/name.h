/* Key values as file names (SPEC §4): escaping, canonical-only decoding and
 * the long-name rule. */
#ifndef LAY_NAME_H
#define LAY_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "item.h"

#define LAY_NAME_MAX 255
#define LAY_NAME_HASH_HEX 16 /* hex digits of the hash in a long name */

/* 64-bit hash of a key value (type and bytes) used by long names. Stable
 * across versions: it is part of the on-disk and export format. */
uint64_t lay_name_hash(const lay_value *key);

/*
 * Append the file name of key value v (S, N or B): its text (S as is, N
 * canonical, B standard base64 with padding), escaped ('%' -> %25,
 * '/' -> %2F, bytes 0x00-0x1F and 0x7F -> %XX uppercase, a leading '.' ->
 * %2E), plus ".json" if item != 0. A name that would pass 255 bytes is cut
 * to a prefix (never inside an escape or a UTF-8 sequence) + '~' + 16
 * lowercase hex digits of lay_name_hash + (".json"), at most 255 bytes.
 * Returns 0, 1 (a long, hashed name was made) or -ENOMEM.
 */
int lay_name_from_key(lay_buf *out, const lay_value *v, int item);

/* What a file name says of a key. */
typedef struct lay_name_key {
	int hashed;     /* 0: value is the key. 1: a long name: only hash is known */
	lay_value value;/* hashed == 0: the key; bytes in the caller's lay_item */
	uint64_t hash;  /* hashed == 1 */
} lay_name_key;

/*
 * Parse a name (with ".json" if item != 0, which must be there) into the
 * key of type t. Only canonical names are accepted: each key has exactly
 * one name, so "1.50.json" in an N table, "%2f", "%41", a bare leading
 * '.', an empty name, bad base64 and non-canonical base64 are -EINVAL.
 * A name of the long form (prefix '~' 16 hex, of length such that
 * lay_name_from_key only makes it for long keys) gives hashed = 1: the
 * caller finds the key by hash. Bytes of the value go to it's arena.
 * Returns 0 or -EINVAL with a message, -ENOMEM.
 */
int lay_name_to_key(lay_name_key *out, lay_item *it, const char *name, size_t len, lay_type t,
		    int item, lay_err *err);

/* 1 if name ends in ".json" and does not start with '.' (an item name);
 * 0 for a scratch name (SPEC §6). */
int lay_name_is_item(const char *name, size_t len);

#endif
