/* Change events (events.h): the subscribers of a db and telling them of
 * committed changes, after the item cache forgot the items changed. The
 * list is copied under subs_mu and called without it, so a subscriber may
 * (un)subscribe or call the engine. */
#include "evq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

int eng_subscribe(eng_db *db, eng_change_fn fn, void *ctx)
{
	size_t i, n;
	int rc = 0;

	pthread_mutex_lock(&db->subs_mu);
	n = atomic_load(&db->nsubs);
	for (i = 0; i < n; i++)
		if (db->subs[i].fn == fn && db->subs[i].ctx == ctx)
			rc = -EEXIST;
	if (rc == 0 && n == ENG_MAX_SUBSCRIBERS)
		rc = -ENOSPC;
	if (rc == 0) {
		db->subs[n].fn = fn;
		db->subs[n].ctx = ctx;
		atomic_store(&db->nsubs, n + 1);
	}
	pthread_mutex_unlock(&db->subs_mu);
	return rc;
}

void eng_unsubscribe(eng_db *db, eng_change_fn fn, void *ctx)
{
	size_t i, n;

	pthread_mutex_lock(&db->subs_mu);
	n = atomic_load(&db->nsubs);
	for (i = 0; i < n; i++) {
		if (db->subs[i].fn != fn || db->subs[i].ctx != ctx)
			continue;
		memmove(&db->subs[i], &db->subs[i + 1], (n - i - 1) * sizeof(db->subs[0]));
		atomic_store(&db->nsubs, n - 1);
		break;
	}
	pthread_mutex_unlock(&db->subs_mu);
}

/* A copy of the subscribers, taken under the lock (so none is called with
 * it held); their count. */
static size_t subscribers(eng_db *db, eng_change_fn *fns, void **ctxs)
{
	size_t j, n;

	pthread_mutex_lock(&db->subs_mu);
	n = atomic_load(&db->nsubs);
	for (j = 0; j < n; j++) {
		fns[j] = db->subs[j].fn;
		ctxs[j] = db->subs[j].ctx;
	}
	pthread_mutex_unlock(&db->subs_mu);
	return n;
}

void store_evq_emit(eng_db *db, const char *table, const store_evq *q)
{
	eng_item_event ev;
	eng_change_fn fns[ENG_MAX_SUBSCRIBERS];
	void *ctxs[ENG_MAX_SUBSCRIBERS];
	size_t i, j, n;

	/* first what the item cache holds of them, so that no reader, told or
	 * not, finds an item older than this change once its writer returns */
	if (db->icache)
		for (i = 0; i < q->n; i++)
			store_icache_drop(db->icache, table, &q->v[i].key);
	/* no subscriber: no lock, the common case of every write */
	if (!q->n || !atomic_load(&db->nsubs))
		return;
	n = subscribers(db, fns, ctxs);
	ev.table = table;
	for (i = 0; i < q->n; i++) {
		if (q->v[i].event == ENG_UNCHANGED)
			continue; /* only metadata: for the cache above */
		ev.key = &q->v[i].key;
		ev.event = q->v[i].event;
		ev.source = q->v[i].source;
		for (j = 0; j < n; j++)
			fns[j](ctxs[j], &ev);
	}
}

void store_table_emit(eng_db *db, const char *table, eng_event event, eng_source source)
{
	eng_item_event ev = { table, NULL, event, source };
	eng_change_fn fns[ENG_MAX_SUBSCRIBERS];
	void *ctxs[ENG_MAX_SUBSCRIBERS];
	size_t j, n;

	if (!atomic_load(&db->nsubs))
		return;
	n = subscribers(db, fns, ctxs);
	for (j = 0; j < n; j++)
		fns[j](ctxs[j], &ev);
}

void store_emit(eng_db *db, const char *table, const lay_key *key, eng_event event,
		eng_source source)
{
	store_ev one = { *key, event, source };
	store_evq q = { LAY_ITEM_INIT, &one, 1, 1 };

	store_evq_emit(db, table, &q);
}

int store_evq_add(store_evq *q, const lay_key *key, eng_event event, eng_source source)
{
	store_ev *grown, *e;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;

		if (!(grown = realloc(q->v, cap * sizeof(*grown))))
			return -ENOMEM;
		q->v = grown;
		q->cap = cap;
	}
	e = &q->v[q->n];
	memset(e, 0, sizeof(*e));
	if (lay_value_copy(&q->arena, &e->key.pk, &key->pk) < 0 ||
	    (key->sk.type && lay_value_copy(&q->arena, &e->key.sk, &key->sk) < 0))
		return -ENOMEM;
	e->event = event;
	e->source = source;
	q->n++;
	return 0;
}

void store_evq_reset(store_evq *q)
{
	lay_item_free(&q->arena);
	q->n = 0;
}

void store_evq_free(store_evq *q)
{
	store_evq_reset(q);
	free(q->v);
	q->v = NULL;
	q->cap = 0;
}
