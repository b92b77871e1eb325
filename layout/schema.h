/* Key schemas and keys: which attributes form a table's primary key, and
 * the checks SPEC §2 and §5 put on them. */
#ifndef LAY_SCHEMA_H
#define LAY_SCHEMA_H

#include "buf.h"
#include "err.h"
#include "item.h"

typedef struct lay_schema {
	char pk[LAY_MAX_KEY_NAME + 1]; /* partition key attribute name */
	lay_type pk_type;              /* LAY_S, LAY_N or LAY_B */
	char sk[LAY_MAX_KEY_NAME + 1]; /* sort key name; "" when there is none */
	lay_type sk_type;              /* 0 when there is no sort key */
} lay_schema;

/* A primary key. Values are borrowed (from an item or a caller's buffer). */
typedef struct lay_key {
	lay_value pk;
	lay_value sk; /* type 0 when the table has no sort key */
} lay_key;

/* The default of SPEC §2: PK (S), SK (S). */
void lay_schema_default(lay_schema *out);

/* Parse "NAME:T[,NAME:T]" (T is S, N or B; one or two keys; names 1..255
 * bytes). -EINVAL with a message on anything else; out untouched then. */
int lay_schema_parse(lay_schema *out, const char *s, size_t len, lay_err *err);

/* Render as "NAME:T[,NAME:T]". Returns 0 or -ENOMEM. */
int lay_schema_format(lay_buf *out, const lay_schema *s);

/* Table names: 3..255 of [A-Za-z0-9_.-], not starting with '.'. 0 or -EINVAL. */
int lay_table_name_check(const char *name, size_t len, lay_err *err);
/* A backup's name: the same rule (a leading '.' is refused too, so that
 * no backup hides in a listing, and '@' names points in time). */
int lay_backup_name_check(const char *name, size_t len, lay_err *err);

/*
 * Check a key value against its slot: type as the schema says, not empty,
 * at most LAY_MAX_PK (is_sk == 0) or LAY_MAX_SK bytes (S: UTF-8 bytes,
 * B: decoded bytes, N: always fits). 0 or -EINVAL with a message.
 */
int lay_key_value_check(const lay_value *v, lay_type want, int is_sk, const char *attr,
			lay_err *err);

/*
 * Take the item's primary key: out borrows from it. The key attributes must
 * be present, of the schema's types and valid (lay_key_value_check).
 * Returns 0 or -EINVAL with a message.
 */
int lay_item_key(lay_key *out, const lay_item *it, const lay_schema *s, lay_err *err);

/*
 * Make it's key equal to key: key attributes missing from it are added, in
 * front (partition, then sort); present ones must equal key, else -EINVAL
 * ("key attribute X is "a" but the path says "b""); with overwrite != 0
 * they are replaced instead (rename). Afterwards the key attributes are the
 * first attributes, partition first. Returns 0, -EINVAL or -ENOMEM.
 */
int lay_item_set_key(lay_item *it, const lay_schema *s, const lay_key *key, int overwrite,
		     lay_err *err);

/*
 * Whole-item validation before a put: key as above, item size at most
 * LAY_MAX_ITEM_SIZE (-EFBIG otherwise, naming the size). Nesting, sets and
 * names are already checked by every parser. Returns 0, -EINVAL or -EFBIG.
 */
int lay_item_validate(const lay_item *it, const lay_schema *s, lay_err *err);

#endif
