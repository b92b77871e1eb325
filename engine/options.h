/* A table's and an item's options by name, as text (SPEC §7): what the
 * user.ddb.* attributes show and set, parsed, checked and applied here so
 * that every front (files, the request API) does the same. */
#ifndef ENG_OPTIONS_H
#define ENG_OPTIONS_H

#include <stddef.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "../layout/schema.h"
#include "db.h"

/* DescribeTable's Table object for table, one line of JSON, appended to
 * out. -ENOENT (no table), -ENOMEM. */
int eng_table_describe(eng_db *db, const char *table, lay_buf *out, lay_err *err);

/* The options a table has that can be set, NULL-terminated: "key_schema"
 * and the settings of layout/settings.h. Its read-only ones ("item_count",
 * "size_bytes") are read by name only. */
const char *const *eng_table_options(void);

/* Append the text value of table's option name. -ENOENT (no table),
 * -ENODATA (no such option), -ENOMEM. */
int eng_table_option_get(eng_db *db, const char *table, const char *name, lay_buf *out,
			 lay_err *err);

/*
 * Set table's option name to value (len bytes, not NUL-terminated). Its
 * current value is a no-op, so a copy of every option back (cp -a, rsync
 * -X) changes nothing; a read-only option takes only its own value.
 * Returns 0, or 1 when the key schema changed (the items were re-keyed:
 * eng_table_set_schema), or -ENOENT (no table), -EINVAL (a bad value, with
 * a message naming it, or a NUL byte in it), -ENOTSUP (a read-only option
 * set to another value, or no such option), -ENOTEMPTY (a re-key that
 * cannot be done).
 */
int eng_table_option_set(eng_db *db, const char *table, const char *name, const char *value,
			 size_t len, lay_err *err);

/*
 * An item's options: "size" (its DynamoDB size, read-only) and "ttl" (its
 * expiry: the value of the table's TTL attribute, epoch seconds). get:
 * -ENOENT (no table or item), -ENODATA (no such option, or the item has no
 * expiry). set: "ttl" takes "+SECONDS" from now or epoch seconds and writes
 * the TTL attribute as one update of the item (eng_item_set_attr): -EINVAL
 * (a bad value, or the table has no TTL attribute); "size" only its own
 * value (-ENOTSUP otherwise); -ENOTSUP for any other name.
 */
int eng_item_option_get(eng_db *db, const char *table, const lay_key *key, const char *name,
			lay_buf *out, lay_err *err);
int eng_item_option_set(eng_db *db, const char *table, const lay_key *key, const char *name,
			const char *value, size_t len, lay_err *err);

#endif
