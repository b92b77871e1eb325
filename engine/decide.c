/* Writes decided in their transaction (engine.h: eng_items_write): the
 * engine finds each item, the caller's decision says what to do with it,
 * and every write of a call commits together or none does; and reads of
 * several items in one read transaction (eng_items_read). What API
 * conditions, UpdateItem and transactions stand on. */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/ttl.h"
#include "capacity.h"
#include "change.h"
#include "put.h"
#include "req.h"
#include "row.h"

struct items_ctx {
	eng_db *db;
	eng_source source;
	eng_write *w;
	size_t n;
	struct put_ctx *puts;   /* per write: the put it makes, its events */
};

/* 1 if the key of it is key. */
static int key_is(const lay_item *it, const lay_schema *s, const lay_key *key)
{
	lay_key k;

	return lay_item_key(&k, it, s, NULL) == 0 && lay_value_equal(&k.pk, &key->pk) &&
	       (!s->sk[0] || lay_value_equal(&k.sk, &key->sk));
}

/* Delete the found item of tg in txn, with its change record. */
static int remove_found(MDB_txn *txn, eng_db *db, const store_table *t, target *tg,
			eng_source source, int64_t now, lay_err *err)
{
	store_stats st;
	int rc;

	if ((rc = row_len(&tg->r, db->format, err)) < 0 ||
	    (rc = store_stats_get(txn, db, t->tid, &st, err)) < 0 ||
	    (rc = store_log_change(txn, db, t, now, ENG_REMOVE, store_change_flags(source),
				   &tg->key, tg->r.data, tg->r.data_len, &tg->r.meta, NULL, 0,
				   err)) < 0 ||
	    (rc = target_remove(txn, db, tg, now, &st, err)) < 0)
		return rc;
	st.count--;
	st.size -= tg->r.meta.size;
	return store_stats_put(txn, db, t->tid, &st, err);
}

/* One write of items_txn: find, decide, do. */
static int one_write(MDB_txn *txn, struct items_ctx *c, size_t i, lay_err *err)
{
	eng_db *db = c->db;
	eng_write *w = &c->w[i];
	struct put_ctx *p = &c->puts[i];
	int64_t now = eng_clock_now_ns(db->clock);
	target *tg = &p->tg;
	int rc, live, d;

	if ((rc = store_table_get(txn, db, w->table, &p->t, err)) < 0)
		return rc;
	p->fresh = p->t;
	p->table_checked = 1;
	if ((rc = target_init(tg, &p->t, &w->key, err)) < 0 ||
	    (rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (tg->collides)
		return store_collision(&p->t, err);
	live = tg->exists && !lay_ttl_expired(tg->r.meta.expires, now);
	if (live && (rc = lay_codec_decode(&w->old, tg->r.data, tg->r.data_len, err)) < 0)
		return rc;
	w->wcu = store_units_write(live ? tg->r.meta.size : 0);
	if ((d = w->decide(w->ctx, live ? &w->old : NULL, &w->put, &w->err)) < 0) {
		w->rc = d;
		*err = w->err;
		return d;
	}
	if (d == ENG_DO_NOTHING || (d == ENG_DO_DELETE && !live)) {
		w->ev = ENG_UNCHANGED;
		lay_item_free(&w->put);
		return 0;
	}
	if (d == ENG_DO_DELETE) {
		lay_item_free(&w->put);
		w->ev = ENG_REMOVE;
		if ((rc = remove_found(txn, db, &p->t, tg, c->source, now, err)) < 0)
			return rc;
		return store_note(&p->evq, &w->key, ENG_REMOVE, c->source, err);
	}
	if (!key_is(&w->put, &p->t.schema, &w->key))
		return lay_err_set(err, -EINVAL, "the item to put does not hold the key it was "
				   "asked for");
	if ((rc = lay_item_validate(&w->put, &p->t.schema, err)) < 0 ||
	    (rc = encode_item(&p->e, &w->put, db->format, err)) < 0)
		return rc;
	p->item = &w->put;
	if ((rc = store_put_txn(txn, p, err)) < 0)
		return rc;
	w->ev = p->ev;
	w->wcu = p->wcu;
	return 0;
}

/* Everything the transaction made, undone for a run over again. */
static void items_reset(struct items_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		eng_write *w = &c->w[i];
		struct put_ctx *p = &c->puts[i];

		lay_item_free(&w->old);
		lay_item_free(&w->put);
		w->rc = 0;
		lay_err_clear(&w->err);
		w->ev = ENG_UNCHANGED;
		w->wcu = 0;
		target_free(&p->tg);
		memset(&p->tg, 0, sizeof(p->tg));
		p->ev = ENG_UNCHANGED;
		store_evq_reset(&p->evq);
	}
}

static int items_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct items_ctx *c = vctx;
	size_t i, failed = c->n;
	int rc;

	items_reset(c);
	for (i = 0; i < c->n; i++) {
		if ((rc = one_write(txn, c, i, err)) == 0)
			continue;
		if (!c->w[i].rc) {
			/* the whole fails, not this write's decision */
			c->w[i].rc = rc;
			c->w[i].err = *err;
			return rc;
		}
		/* a decision failed: the others are still decided, so that every
		 * failed condition is told (CancellationReasons) */
		if (failed == c->n)
			failed = i;
	}
	if (failed == c->n)
		return 0;
	*err = c->w[failed].err;
	return c->w[failed].rc;
}

int eng_items_write(eng_db *db, eng_req *req, eng_write *w, size_t n, unsigned flags,
		    lay_err *err)
{
	struct items_ctx c;
	double k = flags & ENG_WRITE_TXN ? 2 : 1;
	size_t i, j;
	int rc;

	if ((rc = store_req_writable(req, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.source = store_req_source(req);
	c.w = w;
	c.n = n;
	for (i = 0; i < n; i++) {
		w[i].rc = 0;
		lay_err_clear(&w[i].err);
		w[i].ev = ENG_UNCHANGED;
		w[i].old = (lay_item)LAY_ITEM_INIT;
		w[i].put = (lay_item)LAY_ITEM_INIT;
		w[i].wcu = 0;
		for (j = 0; j < i && strcmp(w[j].table, w[i].table) != 0; j++)
			;
		if (j == i && (rc = store_cap_admit(db, req, w[i].table, CAP_WRITE, err)) < 0)
			return rc;
	}
	if (!(c.puts = calloc(n ? n : 1, sizeof(*c.puts))))
		return lay_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		c.puts[i].db = db;
		c.puts[i].source = c.source;
	}
	/* deletes and checks alone may use the room kept for deletes */
	rc = flags & ENG_WRITE_DELETES ? store_write_frees(db, items_txn, &c, err)
				       : store_write(db, items_txn, &c, err);
	for (i = 0; i < n; i++) {
		struct put_ctx *p = &c.puts[i];

		w[i].wcu *= k;
		/* done, or cancelled by a condition: it costs as a write would
		 * (DynamoDB); a failure of the whole costs nothing */
		if (rc == 0 || rc == -ECANCELED)
			store_cap_charge(db, req, w[i].table, 0, w[i].wcu);
		/* after the commit, in the order of the writes */
		if (rc == 0)
			store_evq_emit(db, w[i].table, &p->evq);
		target_free(&p->tg);
		lay_buf_free(&p->e.enc);
		store_evq_free(&p->evq);
	}
	free(c.puts);
	return rc;
}

/* ---- reads of several items in one transaction ---- */

struct reads_ctx {
	eng_db *db;
	eng_read *r;
	size_t n;
};

static int reads_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct reads_ctx *c = vctx;
	int64_t now = eng_clock_now_ns(c->db->clock);
	size_t i;
	int rc = 0;

	for (i = 0; i < c->n && rc == 0; i++) {
		eng_read *r = &c->r[i];
		store_table t;
		target tg;

		lay_item_free(&r->item);
		r->found = 0;
		if ((rc = store_table_get(txn, c->db, r->table, &t, err)) < 0 ||
		    (rc = target_init(&tg, &t, &r->key, err)) < 0)
			break;
		tg.borrow = 1;
		if ((rc = target_find(txn, c->db, &tg, err)) == 0) {
			r->found = tg.exists && !lay_ttl_expired(tg.r.meta.expires, now);
			r->rcu = store_units_read(r->found ? tg.r.meta.size : 0);
			if (r->found)
				rc = lay_codec_decode(&r->item, tg.r.data, tg.r.data_len, err);
		}
		target_free(&tg);
	}
	return rc;
}

int eng_items_read(eng_db *db, eng_req *req, eng_read *r, size_t n, unsigned flags, lay_err *err)
{
	struct reads_ctx c = { db, r, n };
	double k = flags & ENG_WRITE_TXN ? 2 : 1;
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++) {
		r[i].found = 0;
		r[i].rcu = 0;
		for (j = 0; j < i && strcmp(r[j].table, r[i].table) != 0; j++)
			;
		if (j == i && (rc = store_cap_admit(db, req, r[i].table, CAP_READ, err)) < 0)
			return rc;
	}
	store_req_start(req);
	if ((rc = store_read(db, reads_txn, &c, err)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		store_cap_charge(db, req, r[i].table, r[i].rcu * k, 0);
	return 0;
}
