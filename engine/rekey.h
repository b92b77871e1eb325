/* Private to engine/: re-keying a table (rekey.c). */
#ifndef ENG_REKEY_H
#define ENG_REKEY_H

#include "../layout/err.h"
#include "../layout/schema.h"
#include "catalog.h"
#include "evq.h"
#include "store.h"

/*
 * Re-key table t (as the transaction sees it) to schema ns, in the
 * caller's transaction: every item takes its new key from its attributes
 * (SPEC §2), leaving its old place (a REMOVE record) before any takes its
 * new one (an INSERT record); expired items are removed by the service.
 * Changes are made by src and go to q, for the caller to tell after its
 * commit. The
 * caller writes the table record. -ENOTEMPTY with the reason when an item
 * lacks a new key attribute, has one of the wrong type, or two items would
 * share a key: the caller aborts, nothing has changed.
 */
int store_rekey(MDB_txn *txn, eng_db *db, const store_table *t, const lay_schema *ns,
		eng_source src, store_evq *q, lay_err *err);

#endif
