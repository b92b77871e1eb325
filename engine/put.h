/* Private to engine/: a put as item.c writes it in its transaction, for
 * the writes that decide in theirs (decide.c) to make the same way. */
#ifndef ENG_PUT_H
#define ENG_PUT_H

#include "../layout/err.h"
#include "../layout/item.h"
#include "catalog.h"
#include "evq.h"
#include "row.h"
#include "store.h"
#include "engine.h"

struct put_ctx {
	eng_db *db;
	store_table t, fresh;
	const lay_item *item;
	target tg;
	encoded e;
	const eng_meta *meta;
	unsigned flags;
	eng_source source;
	eng_event ev;
	eng_meta out;
	store_evq evq;       /* what the transaction changed */
	double wcu;          /* what it cost */
	int table_checked;   /* fresh is the table as this transaction sees it
	                      * (a put after the first of eng_item_put_many's) */
};

/*
 * Write c's item (c->e encoded, c->tg initialised) in txn, as PutItem
 * does: the TTL-expired item it replaces removed and logged, statistics,
 * the change record, the events to tell in c->evq; c->ev, c->out and
 * c->wcu set. c->table_checked: c->fresh is the table as txn sees it.
 */
int store_put_txn(MDB_txn *txn, void *vctx, lay_err *err);

/* Keep a change to tell after the commit in q: 0 or -ENOMEM. */
int store_note(store_evq *q, const lay_key *key, eng_event ev, eng_source src, lay_err *err);

#endif
