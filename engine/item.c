/* Items (SPEC §3, §5, §6): get, put, delete, rename, update of one
 * attribute and metadata. Every change is one write transaction holding
 * the item's rows (row.c), the table's statistics and the change record
 * (log.c); its event is told after the commit (events.c). */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/json.h"
#include "asof.h"
#include "cache.h"
#include "capacity.h"
#include "change.h"
#include "evq.h"
#include "put.h"
#include "expiry.h"
#include "req.h"
#include "row.h"

/* A table changed between validation and the write: validate again, at
 * most this many times. */
#define STALE_TRIES 8

#define DEFAULT_FILE_MODE 0644

/* Apply the metadata fields which chooses of given (may be NULL) to m. */
static void meta_apply(eng_meta *m, const eng_meta *given, unsigned which)
{
	eng_dirmeta d = { m->id, m->mode, m->uid, m->gid, m->mtime_ns, m->ctime_ns };
	eng_dirmeta g;

	if (!given || !which)
		return;
	g = (eng_dirmeta){ given->id, given->mode, given->uid, given->gid, given->mtime_ns,
			   given->ctime_ns };
	store_meta_apply(&d, &g, which);
	m->mode = d.mode;
	m->uid = d.uid;
	m->gid = d.gid;
	m->mtime_ns = d.mtime_ns;
	m->ctime_ns = d.ctime_ns;
}

/* Check, in the write transaction, that the table is still the one the
 * input was validated against; STORE_STALE (fresh copy in *fresh) if not. */
static int table_check(MDB_txn *txn, eng_db *db, const store_table *t, store_table *fresh,
		       lay_err *err)
{
	int rc;

	if ((rc = store_table_get(txn, db, t->name, fresh, err)) < 0)
		return rc;
	return store_table_same(t, fresh) ? 0 : STORE_STALE;
}

/*
 * A write validated outside its transaction against a table as last seen
 * (cached when it can be): prepare checks and encodes the input against
 * *t, commit runs the transaction, which returns STORE_STALE (with the
 * current table in *fresh) when the table changed meanwhile; release frees
 * what prepare made (also after a failed prepare, and again).
 */
struct op {
	eng_db *db;
	const char *table;
	store_table *t, *fresh;
	void *ctx;
	int (*prepare)(void *ctx, lay_err *err);
	int (*commit)(void *ctx, lay_err *err);
	void (*release)(void *ctx);
};

/* Run op: input a cached table refused is checked again with the current
 * one, and a stale table means validating again, at most STALE_TRIES times.
 * fresh: do not start from the cache. */
static int op_run(const struct op *op, int fresh, lay_err *err)
{
	int rc, tries, cached;

	if ((rc = store_table_peek(op->db, op->table, fresh, op->t, &cached, err)) < 0)
		return rc;
	for (tries = 0;; tries++) {
		rc = op->prepare(op->ctx, err);
		if (rc < 0 && cached) {
			/* a cached copy of the table refused it: ask the current one */
			cached = 0;
			op->release(op->ctx);
			if ((rc = store_table_peek(op->db, op->table, 1, op->t, NULL, err)) < 0)
				return rc;
			continue;
		}
		if (rc == 0)
			rc = op->commit(op->ctx, err);
		op->release(op->ctx);
		if (rc != STORE_STALE)
			return rc;
		if (tries == STALE_TRIES)
			return lay_err_set(err, -EAGAIN, "table %s keeps changing", op->table);
		*op->t = *op->fresh;
		cached = 0;
	}
}

/* Keep a change to tell after the commit. */
int store_note(store_evq *q, const lay_key *key, eng_event ev, eng_source src, lay_err *err)
{
	if (store_evq_add(q, key, ev, src) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* ---- get ---- */

struct get_ctx {
	eng_db *db;
	const char *table;
	const lay_key *key;
	lay_item *out;
	lay_buf *text;       /* or the item rendered in format fmt */
	lay_format fmt;
	eng_meta *meta;
	int64_t as_of;       /* the time read as of, or -1: now */
	uint32_t backup;     /* the backup read, or 0 */
	double rcu;          /* what the read cost */
};

/* Append the stored item r to text in format fmt, from a view of it. */
static int render_row(const item_row *r, lay_format fmt, lay_buf *text, lay_err *err)
{
	lay_item view = LAY_ITEM_INIT;
	int rc;

	if ((rc = lay_codec_view(&view, r->data, r->data_len, err)) < 0)
		return rc;
	if (lay_json_render(text, &view, fmt) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	lay_item_free(&view);
	return rc;
}

static int get_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct get_ctx *c = vctx;
	int64_t now = eng_clock_now_ns(c->db->clock);
	store_table t;
	target tg;
	int rc;

	if ((rc = store_view_table(txn, c->db, c->backup, c->table, &t, err)) < 0 ||
	    (rc = target_init(&tg, &t, c->key, err)) < 0)
		return rc;
	tg.borrow = 1;
	rc = c->as_of < 0 ? target_find(txn, c->db, &tg, err)
			  : asof_find(txn, c->db, &t, &tg, c->as_of, now, err);
	if (rc < 0)
		goto out_free;
	if (!tg.exists || lay_ttl_expired(tg.r.meta.expires, c->as_of < 0 ? now : c->as_of)) {
		/* looking costs, as in DynamoDB; the past and backups are free
		 * (SPEC §10) */
		c->rcu = c->as_of < 0 && !c->backup ? store_units_read(0) : 0;
		rc = store_no_item(&t, c->key, err);
		goto out_free;
	}
	c->rcu = c->as_of < 0 && !c->backup ? store_units_read(tg.r.meta.size) : 0;
	if (c->out && (rc = lay_codec_decode(c->out, tg.r.data, tg.r.data_len, err)) < 0)
		goto out_free;
	if (c->text && (rc = render_row(&tg.r, c->fmt, c->text, err)) < 0)
		goto out_free;
	if (c->meta && (rc = row_len(&tg.r, c->db->format, err)) == 0)
		*c->meta = tg.r.meta;
out_free:
	target_free(&tg);
	return rc;
}

int eng_item_get(eng_db *db, eng_req *req, const char *table, const lay_key *key, lay_item *out,
		 eng_meta *meta, lay_err *err)
{
	struct get_ctx c = { db,   table, key, out, NULL, LAY_FMT_PLAIN, meta, store_view_as_of(req),
			     store_view_backup(req), 0 };
	int rc;

	/* metadata alone (stat, lookup) reads no item: free */
	if (out && (rc = store_cap_admit(db, req, table, CAP_READ, err)) < 0)
		return rc;
	rc = store_view_read_items(db, req, get_txn, &c, err);
	store_cap_charge(db, req, table, out ? c.rcu : 0, 0);
	return rc;
}

int eng_item_text(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		  lay_format fmt, lay_buf *out, eng_meta *meta, lay_err *err)
{
	struct get_ctx c = { db,   table, key, NULL, out, fmt, meta, store_view_as_of(req),
			     store_view_backup(req), 0 };
	size_t at = out->len;
	store_icache_key ck;
	eng_meta m;
	int rc, keep = 0;

	/* the live view only: the past and backups never change, and are
	 * free already */
	if (db->icache && (!req || req->view == ENG_VIEW_LIVE) && !out->count &&
	    store_icache_key_make(&ck, table, key, fmt) == 0) {
		/* looked up before the read begins (cache.c says why) */
		rc = store_icache_get(db->icache, &ck, eng_clock_now_ns(db->clock), out, meta);
		if (rc == 1) {
			store_icache_key_free(&ck);
			/* a hit reads no table: no units, never throttled (as DAX) */
			store_req_start(req);
			return 0;
		}
		keep = rc == 0;
		if (!meta)
			c.meta = &m; /* an entry keeps the metadata too */
		if (!keep)
			store_icache_key_free(&ck);
	}
	if ((rc = store_cap_admit(db, req, table, CAP_READ, err)) < 0) {
		if (keep)
			store_icache_key_free(&ck);
		return rc;
	}
	rc = store_view_read_items(db, req, get_txn, &c, err);
	store_cap_charge(db, req, table, c.rcu, 0);
	if (rc < 0 && out->len > at) {
		/* a run over again, or a failure after rendering: as it was */
		out->len = at;
		out->p[at] = '\0';
	}
	if (keep) {
		if (rc == 0)
			store_icache_put(db->icache, &ck, out->p + at, out->len - at, c.meta);
		store_icache_key_free(&ck);
	}
	return rc;
}

/* ---- put ---- */


/* 1 if the stored encoding old holds the same attributes as the new item. */
static int same_item(const item_row *old, const struct put_ctx *c, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	int rc;

	if (store_bytes_cmp(old->data, old->data_len, c->e.enc.p, c->e.enc.len) == 0)
		return 1;
	if ((rc = lay_codec_decode(&it, old->data, old->data_len, err)) < 0)
		return rc;
	rc = lay_item_equal(&it, c->item);
	lay_item_free(&it);
	return rc;
}

int store_put_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct put_ctx *c = vctx;
	eng_db *db = c->db;
	target *tg = &c->tg;
	unsigned which = c->flags & ENG_META_ALL;
	int64_t now = eng_clock_now_ns(db->clock);
	store_stats st;
	eng_meta m;
	int rc, same;

	/* a run after the map grew starts over: its events too */
	store_evq_reset(&c->evq);
	if ((!c->table_checked && (rc = table_check(txn, db, &c->t, &c->fresh, err)) != 0) ||
	    (rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (tg->collides)
		return store_collision(&c->t, err);
	if (tg->exists && (c->flags & ENG_PUT_EXCL))
		return lay_err_set(err, -EEXIST, "the item exists");
	if (!tg->exists && (c->flags & ENG_PUT_MUST_EXIST))
		return store_no_item(&c->t, &tg->key, err);
	if ((rc = store_stats_get(txn, db, c->t.tid, &st, err)) < 0)
		return rc;
	if (tg->exists && lay_ttl_expired(tg->r.meta.expires, now)) {
		/* it is gone for readers: the service deletes it, then this inserts */
		if ((rc = store_log_change(txn, db, &c->fresh, now, ENG_REMOVE,
					   store_change_flags(ENG_SRC_TTL), &tg->key, tg->r.data,
					   tg->r.data_len, &tg->r.meta, NULL, 0, err)) < 0 ||
		    (rc = target_remove(txn, db, tg, now, &st, err)) < 0 ||
		    (rc = store_note(&c->evq, &tg->key, ENG_REMOVE, ENG_SRC_TTL, err)) < 0)
			return rc;
		st.count--;
		st.size -= tg->r.meta.size;
	}

	/* the larger of the item before and after, as DynamoDB counts */
	c->wcu = store_units_write(tg->exists && tg->r.meta.size > c->e.size ? tg->r.meta.size
									    : c->e.size);
	if (tg->exists) {
		m = tg->r.meta;
		if ((same = same_item(&tg->r, c, err)) < 0)
			return same;
		if (same) {
			/* no change of attributes: only the metadata given */
			c->ev = ENG_UNCHANGED;
			m.len = c->e.len; /* the same item: the same text, in the db's
			                   * format even if the row cached another's */
			meta_apply(&m, c->meta, which);
			c->out = m;
			if (!which)
				return 0;
			/* told to no subscriber, but a cached copy goes (events.c) */
			if ((rc = store_note(&c->evq, &tg->key, ENG_UNCHANGED, c->source, err)) < 0)
				return rc;
			return target_write(txn, db, tg, &m, tg->r.data, tg->r.data_len, now, &st,
					    err);
		}
		c->ev = ENG_MODIFY;
		m.mtime_ns = m.ctime_ns = now;
		st.size = st.size - tg->r.meta.size + c->e.size;
	} else {
		c->ev = ENG_INSERT;
		memset(&m, 0, sizeof(m));
		if ((rc = store_counter_next(txn, db, STORE_OID, &m.id, err)) < 0)
			return rc;
		m.mode = DEFAULT_FILE_MODE;
		m.mtime_ns = m.ctime_ns = now;
		st.count++;
		st.size += c->e.size;
	}
	meta_apply(&m, c->meta, which);
	m.len = c->e.len;
	m.size = c->e.size;
	m.expires = lay_ttl_expiry(c->item, c->fresh.settings.ttl_attr, now);
	c->out = m;
	if ((rc = store_log_change(txn, db, &c->fresh, now, c->ev, store_change_flags(c->source),
				   &tg->key,
				   tg->exists ? tg->r.data : NULL, tg->exists ? tg->r.data_len : 0,
				   &tg->r.meta, c->e.enc.p, c->e.enc.len, err)) < 0 ||
	    (rc = store_note(&c->evq, &tg->key, c->ev, c->source, err)) < 0)
		return rc;
	if ((rc = target_write(txn, db, tg, &m, c->e.enc.p, c->e.enc.len, now, &st, err)) < 0)
		return rc;
	return store_stats_put(txn, db, c->t.tid, &st, err);
}

/* Everything a put checks and computes before its transaction. */
static int put_prepare(void *vctx, lay_err *err)
{
	struct put_ctx *c = vctx;
	lay_key key;
	int rc;

	if ((rc = lay_item_validate(c->item, &c->t.schema, err)) < 0 ||
	    (rc = lay_item_key(&key, c->item, &c->t.schema, err)) < 0 ||
	    (rc = target_init(&c->tg, &c->t, &key, err)) < 0)
		return rc;
	return encode_item(&c->e, c->item, c->db->format, err);
}

static int put_commit(void *vctx, lay_err *err)
{
	struct put_ctx *c = vctx;

	return store_write(c->db, store_put_txn, c, err);
}

static void put_release(void *vctx)
{
	struct put_ctx *c = vctx;

	target_free(&c->tg);
}

/* Tell what a put did, after its commit. */
static void put_done(struct put_ctx *c, eng_req *req, const char *table, eng_event *ev,
		     eng_meta *meta_out)
{
	store_cap_charge(c->db, req, table, 0, c->wcu);
	if (ev)
		*ev = c->ev;
	if (meta_out)
		*meta_out = c->out;
	store_evq_emit(c->db, table, &c->evq);
}

int eng_item_put(eng_db *db, eng_req *req, const char *table, const lay_item *item,
		 const eng_meta *meta, unsigned flags, eng_event *ev, eng_meta *meta_out,
		 lay_err *err)
{
	struct put_ctx c;
	struct op op = { db, table, &c.t, &c.fresh, &c, put_prepare, put_commit, put_release };
	int rc;

	if ((rc = store_req_writable(req, err)) < 0 ||
	    (rc = store_cap_admit(db, req, table, CAP_WRITE, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.source = store_req_source(req);
	c.item = item;
	c.meta = meta;
	c.flags = meta ? flags : flags & ~ENG_META_ALL;
	if ((rc = op_run(&op, 0, err)) == 0)
		put_done(&c, req, table, ev, meta_out);
	lay_buf_free(&c.e.enc);
	store_evq_free(&c.evq);
	return rc;
}

/* ---- many puts in one transaction (imports) ---- */

struct many_ctx {
	struct put_ctx *c;
	size_t n;
	int *rcs;          /* per item: 0, or its failure (then left out) */
	size_t failed;     /* the item whose put failed the transaction */
};

static int many_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct many_ctx *m = vctx;
	size_t i;
	int rc;

	const store_table *seen = NULL;

	for (i = 0; i < m->n; i++) {
		if (m->rcs[i])
			continue;
		/* the table cannot change inside this transaction: checked once */
		m->c[i].table_checked = seen != NULL;
		if (seen)
			m->c[i].fresh = *seen;
		if ((rc = store_put_txn(txn, &m->c[i], err)) != 0) {
			m->failed = i;
			return rc;
		}
		seen = &m->c[i].fresh;
	}
	return 0;
}

int eng_item_put_many(eng_db *db, eng_req *req, const char *table, const lay_item *items,
		      size_t n, int *rcs, lay_err *errs, lay_err *err)
{
	struct many_ctx m = { .n = n, .rcs = rcs };
	store_table t;
	size_t i, left = n;
	int rc;

	if ((rc = store_req_writable(req, err)) < 0)
		return rc;
	if (store_req_source(req) == ENG_SRC_FILE || store_req_source(req) == ENG_SRC_API)
		return lay_err_set(err, -EINVAL, "eng_item_put_many is for unmetered writes");
	if ((rc = store_table_peek(db, table, 1, &t, NULL, err)) < 0)
		return rc;
	if (!(m.c = calloc(n ? n : 1, sizeof(*m.c))))
		return lay_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct put_ctx *c = &m.c[i];

		lay_err_clear(&errs[i]);
		c->db = db;
		c->t = t;
		c->source = store_req_source(req);
		c->item = &items[i];
		if ((rcs[i] = put_prepare(c, &errs[i])) < 0)
			left--;
		if (rcs[i] == -ENOMEM && rc == 0) {
			/* no fault of the item's: the whole fails, nothing written */
			*err = errs[i];
			rc = -ENOMEM;
		}
	}
	/* an item the transaction refuses is left out and the rest tried again */
	while (left && rc == 0) {
		m.failed = n;
		rc = store_write(db, many_txn, &m, err);
		if (rc == 0 || m.failed == n)
			break;
		if (rc == STORE_STALE) {
			rc = lay_err_set(err, -EAGAIN, "table %s changed during the puts", table);
			break;
		}
		if (rc != -EINVAL && rc != -EFBIG)
			break; /* the database's failure, not the item's */
		rcs[m.failed] = rc;
		errs[m.failed] = *err;
		lay_err_clear(err);
		left--;
		rc = 0;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && rcs[i] == 0)
			put_done(&m.c[i], req, table, NULL, NULL);
		put_release(&m.c[i]);
		lay_buf_free(&m.c[i].e.enc);
		store_evq_free(&m.c[i].evq);
	}
	free(m.c);
	return rc;
}

/* ---- update of one attribute ---- */

struct setattr_ctx {
	struct put_ctx put;
	const lay_key *key;
	const char *name;
	const lay_value *v;
	lay_item it;
};

/* Build the new item from the stored one inside the transaction, then put
 * it as put_txn does: the read and the write are one transaction. */
static int setattr_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct setattr_ctx *c = vctx;
	struct put_ctx *p = &c->put;
	size_t nlen = strlen(c->name), i;
	lay_attr *a = NULL, *grown;
	int rc;

	if ((rc = table_check(txn, p->db, &p->t, &p->fresh, err)) != 0 ||
	    (rc = target_find(txn, p->db, &p->tg, err)) < 0)
		return rc;
	if (!p->tg.exists ||
	    lay_ttl_expired(p->tg.r.meta.expires, eng_clock_now_ns(p->db->clock)))
		return store_no_item(&p->t, &p->tg.key, err);
	/* a run after the map grew starts over */
	lay_item_free(&c->it);
	if ((rc = lay_codec_decode(&c->it, p->tg.r.data, p->tg.r.data_len, err)) < 0)
		return rc;
	for (i = 0; i < c->it.n; i++)
		if (c->it.a[i].name_len == nlen && memcmp(c->it.a[i].name, c->name, nlen) == 0)
			a = &c->it.a[i];
	if (!a) {
		if (!(grown = lay_item_alloc(&c->it, (c->it.n + 1) * sizeof(*grown))))
			return lay_err_set(err, -ENOMEM, "out of memory updating an item");
		if (c->it.n)
			memcpy(grown, c->it.a, c->it.n * sizeof(*grown));
		a = &grown[c->it.n];
		a->name_len = nlen;
		if (!(a->name = lay_item_strdup(&c->it, c->name, nlen)))
			return lay_err_set(err, -ENOMEM, "out of memory updating an item");
		c->it.a = grown;
		c->it.n++;
	}
	if (lay_value_copy(&c->it, &a->v, c->v) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory updating an item");
	if ((rc = lay_item_validate(&c->it, &p->t.schema, err)) < 0 ||
	    (rc = encode_item(&p->e, &c->it, p->db->format, err)) < 0)
		return rc;
	p->item = &c->it;
	return store_put_txn(txn, p, err);
}

static int setattr_prepare(void *vctx, lay_err *err)
{
	struct setattr_ctx *c = vctx;
	const store_table *t = &c->put.t;

	if (strcmp(c->name, t->schema.pk) == 0 || strcmp(c->name, t->schema.sk) == 0)
		return lay_err_set(err, -EINVAL,
				   "%s is a key attribute of table %s; rename the item to change "
				   "its key",
				   c->name, t->name);
	return target_init(&c->put.tg, t, c->key, err);
}

static int setattr_commit(void *vctx, lay_err *err)
{
	struct setattr_ctx *c = vctx;

	return store_write(c->put.db, setattr_txn, c, err);
}

static void setattr_release(void *vctx)
{
	struct setattr_ctx *c = vctx;

	target_free(&c->put.tg);
}

int eng_item_set_attr(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		      const char *name, const lay_value *v, eng_event *ev, eng_meta *meta_out,
		      lay_err *err)
{
	struct setattr_ctx c;
	struct op op = { db,	  table,	  &c.put.t,	   &c.put.fresh,
			 &c,	  setattr_prepare, setattr_commit, setattr_release };
	int rc;

	if ((rc = store_req_writable(req, err)) < 0 ||
	    (rc = store_cap_admit(db, req, table, CAP_WRITE, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.put.db = db;
	c.put.source = store_req_source(req);
	c.put.flags = ENG_PUT_MUST_EXIST;
	c.key = key;
	c.name = name;
	c.v = v;
	if (!name[0])
		return lay_err_set(err, -EINVAL, "an attribute name cannot be empty");
	if ((rc = op_run(&op, 1, err)) == 0)
		put_done(&c.put, req, table, ev, meta_out);
	lay_item_free(&c.it);
	lay_buf_free(&c.put.e.enc);
	store_evq_free(&c.put.evq);
	return rc;
}

/* ---- delete ---- */

struct del_ctx {
	eng_db *db;
	const lay_key *key;
	eng_source source;
	store_table t, fresh;
	target tg;
	eng_meta old;
};

static int del_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct del_ctx *c = vctx;
	eng_db *db = c->db;
	target *tg = &c->tg;
	int64_t now = eng_clock_now_ns(db->clock);
	store_stats st;
	int rc;

	if ((rc = table_check(txn, db, &c->t, &c->fresh, err)) != 0 ||
	    (rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (!tg->exists || lay_ttl_expired(tg->r.meta.expires, now))
		return store_no_item(&c->t, &tg->key, err);
	if ((rc = row_len(&tg->r, db->format, err)) < 0)
		return rc;
	c->old = tg->r.meta;
	if ((rc = store_stats_get(txn, db, c->t.tid, &st, err)) < 0 ||
	    (rc = store_log_change(txn, db, &c->fresh, now, ENG_REMOVE,
				   store_change_flags(c->source), &tg->key, tg->r.data,
				   tg->r.data_len, &tg->r.meta, NULL, 0, err)) < 0 ||
	    (rc = target_remove(txn, db, tg, now, &st, err)) < 0)
		return rc;
	st.count--;
	st.size -= c->old.size;
	return store_stats_put(txn, db, c->t.tid, &st, err);
}

static int del_prepare(void *vctx, lay_err *err)
{
	struct del_ctx *c = vctx;

	return target_init(&c->tg, &c->t, c->key, err);
}

static int del_commit(void *vctx, lay_err *err)
{
	struct del_ctx *c = vctx;

	return store_write_frees(c->db, del_txn, c, err);
}

static void del_release(void *vctx)
{
	struct del_ctx *c = vctx;

	target_free(&c->tg);
}

int eng_item_delete(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		    eng_meta *old_meta, lay_err *err)
{
	struct del_ctx c;
	struct op op = { db, table, &c.t, &c.fresh, &c, del_prepare, del_commit, del_release };
	int rc;

	if ((rc = store_req_writable(req, err)) < 0 ||
	    (rc = store_cap_admit(db, req, table, CAP_WRITE, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.key = key;
	c.source = store_req_source(req);
	if ((rc = op_run(&op, 0, err)) < 0)
		return rc;
	if (old_meta)
		*old_meta = c.old;
	store_cap_charge(db, req, table, 0, store_units_write(c.old.size));
	store_emit(db, table, key, ENG_REMOVE, c.source);
	return 0;
}

/* ---- rename ---- */

struct ren_ctx {
	eng_db *db;
	const lay_key *fkey, *tkey;
	store_table t, fresh;
	target from, to;
	int noreplace;
	encoded e;
	eng_source source;
	int moved;           /* the transaction moved the item */
	eng_event to_ev;     /* what it did at to */
	double wcu;          /* what it cost: a delete and a put */
};

static int ren_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct ren_ctx *c = vctx;
	eng_db *db = c->db;
	const lay_schema *s = &c->t.schema;
	int64_t now = eng_clock_now_ns(db->clock);
	lay_item it = LAY_ITEM_INIT;
	unsigned flags = store_change_flags(c->source);
	eng_event ev;
	store_stats st;
	eng_meta m;
	int rc;

	if ((rc = table_check(txn, db, &c->t, &c->fresh, err)) != 0 ||
	    (rc = target_find(txn, db, &c->from, err)) < 0 ||
	    (rc = target_find(txn, db, &c->to, err)) < 0)
		return rc;
	if (!c->from.exists || lay_ttl_expired(c->from.r.meta.expires, now))
		return store_no_item(&c->t, &c->from.key, err);
	if (c->to.collides)
		return store_collision(&c->t, err);
	if (c->to.exists && c->noreplace)
		return lay_err_set(err, -EEXIST, "the destination item exists");
	/* the item with its key attributes rewritten: validated like a put */
	if ((rc = lay_codec_decode(&it, c->from.r.data, c->from.r.data_len, err)) < 0)
		return rc;
	if ((rc = lay_item_set_key(&it, s, &c->to.key, 1, err)) < 0 ||
	    (rc = lay_item_validate(&it, s, err)) < 0 || (rc = encode_item(&c->e, &it, c->db->format, err)) < 0)
		goto out_free;
	if ((rc = store_stats_get(txn, db, c->t.tid, &st, err)) < 0)
		goto out_free;
	m = c->from.r.meta;
	m.ctime_ns = now;
	m.len = c->e.len;
	m.size = c->e.size;
	st.size = st.size - c->from.r.meta.size + c->e.size;
	if (c->to.exists) {
		st.count--;
		st.size -= c->to.r.meta.size;
	}
	ev = c->to.exists ? ENG_MODIFY : ENG_INSERT;
	/* told in order: REMOVE of from, then to */
	if ((rc = store_log_change(txn, db, &c->fresh, now, ENG_REMOVE, flags, &c->from.key,
				   c->from.r.data, c->from.r.data_len, &c->from.r.meta, NULL, 0,
				   err)) < 0 ||
	    (rc = store_log_change(txn, db, &c->fresh, now, ev, flags, &c->to.key,
				   c->to.exists ? c->to.r.data : NULL,
				   c->to.exists ? c->to.r.data_len : 0, &c->to.r.meta, c->e.enc.p,
				   c->e.enc.len, err)) < 0)
		goto out_free;
	/* to first: when both share a partition, removing from must not take
	 * the partition away */
	if ((rc = target_write(txn, db, &c->to, &m, c->e.enc.p, c->e.enc.len, now, &st, err)) < 0)
		goto out_free;
	if ((rc = target_remove(txn, db, &c->from, now, &st, err)) < 0)
		goto out_free;
	if ((rc = store_stats_put(txn, db, c->t.tid, &st, err)) == 0) {
		c->moved = 1;
		c->to_ev = ev;
		c->wcu = store_units_write(c->from.r.meta.size) +
			 store_units_write(c->to.exists && c->to.r.meta.size > m.size
						   ? c->to.r.meta.size
						   : m.size);
	}
out_free:
	lay_item_free(&it);
	return rc;
}

/* from == to: nothing moves, but from must exist. */
static int exists_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct ren_ctx *c = vctx;
	int rc;

	if ((rc = table_check(txn, c->db, &c->t, &c->fresh, err)) != 0 ||
	    (rc = target_find(txn, c->db, &c->from, err)) < 0)
		return rc;
	return c->from.exists ? 0 : store_no_item(&c->t, &c->from.key, err);
}

/* 1 if the two targets name the same key. */
static int same_key(const target *a, const target *b)
{
	return store_bytes_cmp(a->pkenc.p, a->pkenc.len, b->pkenc.p, b->pkenc.len) == 0 &&
	       store_bytes_cmp(a->skenc.p, a->skenc.len, b->skenc.p, b->skenc.len) == 0;
}

static int ren_prepare(void *vctx, lay_err *err)
{
	struct ren_ctx *c = vctx;
	int rc;

	if ((rc = target_init(&c->from, &c->t, c->fkey, err)) < 0)
		return rc;
	return target_init(&c->to, &c->t, c->tkey, err);
}

static int ren_commit(void *vctx, lay_err *err)
{
	struct ren_ctx *c = vctx;

	c->moved = 0;
	if (same_key(&c->from, &c->to))
		return store_read(c->db, exists_txn, c, err);
	return store_write(c->db, ren_txn, c, err);
}

static void ren_release(void *vctx)
{
	struct ren_ctx *c = vctx;

	target_free(&c->from);
	target_free(&c->to);
}

int eng_item_rename(eng_db *db, eng_req *req, const char *table, const lay_key *from,
		    const lay_key *to, int noreplace, lay_err *err)
{
	struct ren_ctx c;
	struct op op = { db, table, &c.t, &c.fresh, &c, ren_prepare, ren_commit, ren_release };
	int rc;

	if ((rc = store_req_writable(req, err)) < 0 ||
	    (rc = store_cap_admit(db, req, table, CAP_WRITE, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.source = store_req_source(req);
	c.fkey = from;
	c.tkey = to;
	c.noreplace = noreplace;
	rc = op_run(&op, 0, err);
	lay_buf_free(&c.e.enc);
	if (rc == 0 && c.moved) {
		store_cap_charge(db, req, table, 0, c.wcu);
		store_emit(db, table, from, ENG_REMOVE, c.source);
		store_emit(db, table, to, c.to_ev, c.source);
	}
	return rc;
}

/* ---- metadata ---- */

struct meta_ctx {
	eng_db *db;
	const char *table;
	const lay_key *key;
	const eng_meta *meta;
	unsigned which;
	eng_meta out;
};

static int set_meta_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct meta_ctx *c = vctx;
	int64_t now = eng_clock_now_ns(c->db->clock);
	store_table t;
	store_stats st;
	target tg;
	eng_meta m;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0 ||
	    (rc = target_init(&tg, &t, c->key, err)) < 0)
		return rc;
	if ((rc = target_find(txn, c->db, &tg, err)) < 0)
		goto out_free;
	if (!tg.exists) {
		rc = store_no_item(&t, c->key, err);
		goto out_free;
	}
	if ((rc = row_len(&tg.r, c->db->format, err)) < 0)
		goto out_free;
	m = tg.r.meta;
	meta_apply(&m, c->meta, c->which);
	c->out = m;
	/* st is untouched: an existing item's row changes no directory */
	memset(&st, 0, sizeof(st));
	if (c->which)
		rc = target_write(txn, c->db, &tg, &m, tg.r.data, tg.r.data_len, now, &st, err);
out_free:
	target_free(&tg);
	return rc;
}

int eng_item_set_meta(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		      const eng_meta *meta, unsigned which, eng_meta *meta_out, lay_err *err)
{
	struct meta_ctx c;
	int rc;

	if ((rc = store_req_writable(req, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.key = key;
	c.meta = meta;
	c.which = which & ENG_META_ALL;
	if ((rc = store_write(db, set_meta_txn, &c, err)) < 0)
		return rc;
	/* no event tells of it: the cached copy goes here */
	store_icache_drop(db->icache, table, key);
	/* metadata is no attribute: chmod, chown and touch are free */
	if (meta_out)
		*meta_out = c.out;
	return 0;
}
