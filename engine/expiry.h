/* Private to engine/: expiry (expiry.c): when an item expires, sweeping
 * expired items, and re-indexing a table whose TTL attribute changed. The
 * index entries themselves are rows (row.h, store_ttl_index). */
#ifndef ENG_EXPIRY_H
#define ENG_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/item.h"
#include "catalog.h"
#include "store.h"

/* The expiry of an item for a table whose TTL attribute is attr ("":
 * none): epoch seconds, or 0 when it never expires. */
int64_t store_ttl_expiry(const lay_item *it, const char *attr, int64_t now_ns);

/* 1 if an item expiring at exp (epoch seconds, 0: never) has expired. */
int store_ttl_expired(int64_t exp, int64_t now_ns);

/* Delete table's expired items (at most limit; 0: all), each a REMOVE by
 * the service, its event told after its transaction committed. *swept
 * (may be NULL) gets how many went. */
int store_ttl_sweep(eng_db *db, const char *table, size_t limit, size_t *swept, lay_err *err);

/* In the caller's transaction: every item of table t gets its expiry for
 * the TTL attribute t now has. */
int store_ttl_reindex(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err);

#endif
