/* Private to engine/: telling subscribers of changes (events.c). An
 * operation keeps what it changed in a queue while its transaction runs
 * (a run after the map grew resets it) and tells it after the commit. */
#ifndef ENG_EVQ_H
#define ENG_EVQ_H

#include <stddef.h>

#include "../layout/item.h"
#include "engine.h"
#include "store.h"

typedef struct store_ev {
	lay_key key;         /* values in the queue's arena */
	eng_event event;
	eng_source source;
} store_ev;

typedef struct store_evq {
	lay_item arena;
	store_ev *v;
	size_t n, cap;
} store_evq;

#define STORE_EVQ_INIT { LAY_ITEM_INIT, NULL, 0, 0 }

/* Append a change of key (copied): 0 or -ENOMEM. ENG_UNCHANGED: only the
 * item's metadata changed; the cache forgets it, no subscriber is told. */
int store_evq_add(store_evq *q, const lay_key *key, eng_event event, eng_source source);

/* Forget what the queue holds (a transaction runs again). */
void store_evq_reset(store_evq *q);
void store_evq_free(store_evq *q);

/* Drop each item of q from the item cache, then tell every subscriber of
 * each change of q, in order, for table. */
void store_evq_emit(eng_db *db, const char *table, const store_evq *q);

/* Tell subscribers that table was made (ENG_INSERT) or deleted
 * (ENG_REMOVE): an event without key. */
void store_table_emit(eng_db *db, const char *table, eng_event event, eng_source source);

/* Tell every subscriber of one change (key borrowed for the call). */
void store_emit(eng_db *db, const char *table, const lay_key *key, eng_event event,
		eng_source source);

#endif
