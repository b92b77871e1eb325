/* Private to engine/: expiry (expiry.c): sweeping expired items, and
 * re-indexing a table whose TTL attribute changed. The index entries
 * themselves are rows (row.h, store_ttl_index); when an item expires is
 * layout/ttl.h's rule. */
#ifndef ENG_EXPIRY_H
#define ENG_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/item.h"
#include "../layout/ttl.h"
#include "catalog.h"
#include "store.h"

/* Delete table's expired items (at most limit; 0: all), each a REMOVE by
 * the service, its event told after its transaction committed. *swept
 * (may be NULL) gets how many went. */
int store_ttl_sweep(eng_db *db, const char *table, size_t limit, size_t *swept, lay_err *err);

/* In the caller's transaction: every item of table t gets its expiry for
 * the TTL attribute t now has. */
int store_ttl_reindex(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err);

#endif
