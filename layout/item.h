/* The in-memory model of a DynamoDB item: all ten types (SPEC §5), with
 * every string, number text and nested array held in one arena per item. */
#ifndef LAY_ITEM_H
#define LAY_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum lay_type {
	LAY_S = 1, LAY_N, LAY_B, LAY_BOOL, LAY_NULL, LAY_M, LAY_L, LAY_SS, LAY_NS, LAY_BS
} lay_type;

typedef struct lay_value lay_value;
typedef struct lay_attr lay_attr;

struct lay_value {
	lay_type type;
	/* S, N, B: bytes in p. BOOL: 0 or 1. NULL: 0.
	 * M: attributes in a. L, SS, NS, BS: elements in v. */
	size_t len;
	union {
		char *p;      /* S: UTF-8; N: canonical text (SPEC §5); B: raw bytes.
		               * Always followed by a NUL not counted in len. */
		lay_value *v; /* L: any type; SS: S; NS: N; BS: B */
		lay_attr *a;  /* M */
	} u;
};

struct lay_attr {
	char *name;       /* NUL-terminated, 1..65535 bytes */
	size_t name_len;
	lay_value v;
};

struct lay_chunk;

/* An item: top-level attributes in the order they were written. Everything
 * reachable from it lives in its arena and dies with lay_item_free. */
typedef struct lay_item {
	lay_attr *a;
	size_t n;
	struct lay_chunk *arena;
} lay_item;

#define LAY_ITEM_INIT { NULL, 0, NULL }

/* DynamoDB's limits */
#define LAY_MAX_ITEM_SIZE 409600
#define LAY_MAX_DEPTH 32
#define LAY_MAX_NAME 65535
#define LAY_MAX_PK 2048
#define LAY_MAX_SK 1024
#define LAY_MAX_KEY_NAME 255

/* Allocate n zeroed bytes from it's arena (8-byte aligned). NULL on ENOMEM.
 * The memory lives until lay_item_free(it). */
void *lay_item_alloc(lay_item *it, size_t n);

/* Copy len bytes of p into it's arena and NUL-terminate them. NULL on ENOMEM. */
char *lay_item_strdup(lay_item *it, const void *p, size_t len);

/* Free the arena and everything in it; *it becomes LAY_ITEM_INIT. Accepts NULL. */
void lay_item_free(lay_item *it);

/* The top-level attribute named name, or NULL. Borrowed from it. */
const lay_attr *lay_item_find(const lay_item *it, const char *name, size_t name_len);

/* Deep-copy v into dst's arena. Returns 0 or -ENOMEM. */
int lay_value_copy(lay_item *dst, lay_value *out, const lay_value *v);

/*
 * DynamoDB's size of the item: per attribute, name bytes + value size, where
 * S is its UTF-8 bytes, B its decoded bytes, N ceil(significant digits / 2) + 1
 * (+1 if negative), BOOL and NULL 1, sets the sum of their members, and M and
 * L 3 + 1 per element plus their contents (map keys count their bytes).
 */
size_t lay_item_size(const lay_item *it);
size_t lay_value_size(const lay_value *v);

/* 1 if a and b hold the same attributes with equal values, whatever the order
 * of top-level attributes, of map members and of set members; else 0. */
int lay_item_equal(const lay_item *a, const lay_item *b);
int lay_value_equal(const lay_value *a, const lay_value *b);

/* Deterministic total order of two key values of the same type (S, N or B),
 * as DynamoDB orders them: <0, 0, >0. */
int lay_value_cmp(const lay_value *a, const lay_value *b);

/*
 * Find a repeated name among the n attributes at a (an item's or a map's).
 * Sets *out to the index in a of an attribute whose name another one also
 * has, or to n when all the names differ. a is only read. Returns 0, or
 * -ENOMEM when the sort's scratch cannot be allocated (*out is then n).
 */
int lay_attrs_find_dup(size_t *out, const lay_attr *a, size_t n);

/*
 * Find a repeated member among the n members at v of one SS, NS or BS,
 * comparing their bytes: an NS's members are canonical number text (SPEC
 * §5), so equal numbers (1 and 1.0) are equal bytes. Sets *out to the index
 * in v of a member another one equals, or to n when all differ. v is only
 * read. Returns 0, or -ENOMEM (*out is then n).
 */
int lay_values_find_dup(size_t *out, const lay_value *v, size_t n);

/*
 * Check that the members of set (an SS, NS or BS) are unique, by
 * lay_values_find_dup. Returns 0; -EINVAL with DynamoDB's message in err
 * naming a repeated member (a BS one in base64), its first shown bytes
 * then "..."; or -ENOMEM, err untouched. err may be NULL.
 */
int lay_set_check_unique(lay_err *err, const lay_value *set, size_t shown);

/* "S", "N", ... for a type; "?" otherwise. */
const char *lay_type_name(lay_type t);

/* The type named by s ("S", "NS", ...), or 0. */
lay_type lay_type_parse(const char *s, size_t len);

#endif
