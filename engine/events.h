/* Change events: every committed item-level change -- a put (insert or
 * modify), a delete, a rename (a REMOVE then an INSERT or MODIFY), an
 * update of one attribute, a re-key, a TTL deletion -- is told to every
 * subscriber after its transaction committed.
 *
 * Threads: a subscriber is called on the thread that made the change (the
 * caller's, or the engine's maintenance thread for TTL sweeps), after the
 * commit, with no engine lock held; changes made by one thread are told in
 * the order they committed, changes of different threads in any order.
 * A subscriber should be quick (queue real work) and may call the engine.
 * Subscribing and unsubscribing are safe at any time; a call that started
 * before eng_unsubscribe returned may still be running. */
#ifndef ENG_EVENTS_H
#define ENG_EVENTS_H

#include "../layout/schema.h"
#include "db.h"
#include "types.h"

/* One change as a subscriber sees it; everything is borrowed for the call. */
typedef struct eng_item_event {
	const char *table;
	const lay_key *key;  /* sk.type 0 in a table without sort key */
	eng_event event;     /* ENG_INSERT, ENG_MODIFY or ENG_REMOVE */
	eng_source source;   /* who made it (ENG_SRC_TTL: the service) */
} eng_item_event;

typedef void (*eng_change_fn)(void *ctx, const eng_item_event *ev);

/* Subscribers a db keeps at once. */
#define ENG_MAX_SUBSCRIBERS 8

/* Call fn(ctx, ev) for every change from now on. Errors: -ENOSPC (already
 * ENG_MAX_SUBSCRIBERS), -EEXIST (fn with ctx subscribed). */
int eng_subscribe(eng_db *db, eng_change_fn fn, void *ctx);

/* Stop calling fn with ctx (nothing if it was not subscribed). */
void eng_unsubscribe(eng_db *db, eng_change_fn fn, void *ctx);

#endif
