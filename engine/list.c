/* Listings (SPEC §5, §6, §11): the items and partitions of a table in key
 * order, whole listings of one level kept in the cache, a partition's
 * directory metadata, and resolving a long, hashed name to its key. Each
 * is one read transaction (or one write, to set a partition's metadata). */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/json.h"
#include "../layout/keyenc.h"
#include "../layout/name.h"
#include "../layout/ttl.h"
#include "asof.h"
#include "cache.h"
#include "capacity.h"
#include "expiry.h"
#include "req.h"
#include "row.h"

struct part_ctx {
	eng_db *db;
	const char *table;
	const lay_value *pk;
	const eng_dirmeta *dm;
	unsigned which;
	uint32_t backup;  /* the backup read, or 0 */
	eng_dirmeta dout;
};

/* Find partition pk of table t (which has a sort key) into tg. */
static int part_find(MDB_txn *txn, eng_db *db, const store_table *t, const lay_value *pk,
		     target *tg, lay_err *err)
{
	lay_key key;
	int rc;

	if (!t->schema.sk_type)
		return lay_err_set(err, -ENOENT, "table %s has no sort key, so no partitions",
				   t->name);
	memset(&key, 0, sizeof(key));
	key.pk = *pk;
	/* any valid sort key value will do: only the partition is looked up */
	key.sk.type = t->schema.sk_type;
	key.sk.len = 1;
	key.sk.u.p = t->schema.sk_type == LAY_N ? "0" : "x";
	if ((rc = target_init(tg, t, &key, err)) < 0)
		return rc;
	tg->part_only = 1;
	if ((rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (!tg->has_part) {
		char d[128];

		store_value_desc(d, sizeof(d), pk);
		return lay_err_set(err, -ENOENT, "table %s has no partition %s", t->name, d);
	}
	return 0;
}

/* Read a partition's metadata into c->dout; with c->dm, set it first. */
static int part_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct part_ctx *c = vctx;
	store_table t;
	target tg;
	int rc;

	memset(&tg, 0, sizeof(tg));
	if ((rc = store_view_table(txn, c->db, c->backup, c->table, &t, err)) < 0)
		return rc;
	if ((rc = part_find(txn, c->db, &t, c->pk, &tg, err)) < 0)
		goto out_free;
	if (c->dm) {
		store_meta_apply(&tg.prow.dm, c->dm, c->which);
		rc = target_part_write(txn, c->db, &tg, err);
	}
	c->dout = tg.prow.dm;
out_free:
	target_free(&tg);
	return rc;
}

/* A partition as the past shows it: its metadata now (live, may be NULL)
 * without write bits, or root's, 0555, for one gone since. */
static void part_then_meta(const eng_dirmeta *live, eng_dirmeta *out)
{
	memset(out, 0, sizeof(*out));
	if (live) {
		*out = *live;
		out->mode &= ~0222u;
	} else {
		out->mode = 0555;
	}
}

static int count_one(void *ctx, const eng_entry *e)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

int eng_part_get(eng_db *db, eng_req *req, const char *table, const lay_value *pk, eng_dirmeta *out,
		 lay_err *err)
{
	struct part_ctx c;
	int n = 0, rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.pk = pk;
	c.backup = store_view_backup(req);
	if (store_view_as_of(req) < 0) {
		if ((rc = store_view_read(db, req, part_txn, &c, err)) == 0 && out)
			*out = c.dout;
		return rc;
	}
	/* as of a time: it held an item then, and is as it is now */
	if ((rc = eng_list(db, req, table, pk, NULL, 1, 0, count_one, &n, err)) < 0)
		return rc;
	if (!n)
		return lay_err_set(err, -ENOENT, "table %s had no such partition then", table);
	rc = store_read(db, part_txn, &c, err);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	lay_err_clear(err);
	if (out)
		part_then_meta(rc == 0 ? &c.dout : NULL, out);
	return 0;
}

int eng_part_set_meta(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		      const eng_dirmeta *m, unsigned which, lay_err *err)
{
	struct part_ctx c;
	int rc;

	if ((rc = store_req_writable(req, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.pk = pk;
	c.dm = m;
	c.which = which & ENG_META_ALL;
	if ((rc = store_write(db, part_txn, &c, err)) < 0)
		return rc;
	/* no event tells of it: the listings that show it go here */
	store_icache_drop_part(db->icache, table, pk);
	return 0;
}

/* ---- listing ---- */

struct list_ctx {
	eng_db *db;
	const char *table;
	const lay_value *pk, *after;
	size_t max;
	unsigned flags;
	eng_list_cb cb;
	void *cbctx;
	/* per run */
	int parts;           /* listing partitions */
	lay_type ktype;      /* type of the listed key values */
	lay_buf after_enc;
	size_t n;
	int64_t now;         /* expired items are not listed */
	size_t n_items;      /* items listed with ENG_LIST_ITEMS ... */
	uint64_t bytes;      /* ... and their sizes */
	/* a listing as of a time (as_of >= 0): the live rows, but where a key
	 * changed since (chg, next ichg) what it was then */
	int64_t as_of;
	uint32_t backup;     /* the backup listed, or 0 */
	asof_set chg;
	size_t ichg;
	MDB_txn *txn;
	const store_table *t;
};

/* One LMDB row of a listing with the full encoding of its key. */
typedef struct lrow {
	MDB_val k, v;
	const unsigned char *full;
	size_t flen;
} lrow;

/* The full key encoding of a row (a partition's if parts, else an item's)
 * at key part kp (plen bytes). */
static int lrow_full(lrow *r, const struct list_ctx *c, int parts, size_t plen, lay_err *err)
{
	const unsigned char *kp = (const unsigned char *)r->k.mv_data + plen;
	size_t klen = r->k.mv_size - plen;
	part_row p;
	item_row ir;
	int rc;

	if (klen <= STORE_KEY_CUT) {
		r->full = kp;
		r->flen = klen;
		return 0;
	}
	if (parts) {
		if ((rc = row_part_parse(&p, r->v.mv_data, r->v.mv_size, err)) < 0)
			return rc;
		r->full = p.enc;
		r->flen = p.enc_len;
		return 0;
	}
	if ((rc = row_item_parse(&ir, r->v.mv_data, r->v.mv_size, c->db->format, err)) < 0)
		return rc;
	if (!ir.fullkey)
		return lay_err_set(err, -EIO, "stored item row lacks its full key");
	r->full = ir.fullkey;
	r->flen = ir.fullkey_len;
	return 0;
}

/* Past the entries of the change set from i on that share entry i's key
 * in this listing (an item's key; a partition's entries for partitions). */
static size_t change_end(const struct list_ctx *c, size_t i)
{
	const asof_entry *a = &c->chg.e[i];
	size_t j = i;

	if (i >= c->chg.n)
		return i;
	if (!c->parts)
		return i + 1;
	while (j < c->chg.n && store_bytes_cmp(c->chg.e[j].pkenc.p, c->chg.e[j].pkenc.len,
					       a->pkenc.p, a->pkenc.len) == 0)
		j++;
	return j;
}

/* The listed encoding of change entry i. */
static const lay_buf *change_enc(const struct list_ctx *c, size_t i)
{
	return c->parts ? &c->chg.e[i].pkenc : &c->chg.e[i].ienc;
}

static int same_key(const struct list_ctx *c, size_t i, const unsigned char *full, size_t flen)
{
	const lay_buf *b = change_enc(c, i);

	return store_bytes_cmp(b->p, b->len, full, flen) == 0;
}

/* Hand the callback an item as it was (change entry a): 0 go on, 1 stop. */
static int emit_change(struct list_ctx *c, const asof_entry *a, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	eng_meta m = a->meta;
	eng_entry e;
	int rc;

	if (!a->existed || lay_ttl_expired(a->meta.expires, c->as_of) ||
	    (c->after_enc.p &&
	     store_bytes_cmp(a->ienc.p, a->ienc.len, c->after_enc.p, c->after_enc.len) <= 0))
		return 0;
	memset(&e, 0, sizeof(e));
	e.key = c->t->schema.sk_type ? &a->key.sk : &a->key.pk;
	if ((rc = ((c->flags & ENG_LIST_ITEMS) ? lay_codec_decode : lay_codec_view)(
		     &it, a->image, a->image_len, err)) < 0)
		return rc;
	m.len = (uint32_t)lay_json_len(&it, c->db->format);
	e.meta = &m;
	if (c->flags & ENG_LIST_ITEMS)
		e.item = &it;
	rc = c->cb(c->cbctx, &e);
	if (rc == 0 && c->max && ++c->n == c->max)
		rc = 1;
	lay_item_free(&it);
	return rc;
}

/* Whether the changes first..end (one partition's) hold the item key full. */
static int changed(const struct list_ctx *c, size_t first, size_t end, const unsigned char *full,
		   size_t flen)
{
	size_t lo = first, hi = end, mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = store_bytes_cmp(c->chg.e[mid].ienc.p, c->chg.e[mid].ienc.len, full, flen);
		if (cmp == 0)
			return 1;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* 1 if the live partition (its row live) holds an item that has not changed
 * since, and so was there then (the changes first..end are the
 * partition's); 0 if not; < 0 on failure. Looks at most at one item more
 * than changed. */
static int live_unchanged(struct list_ctx *c, size_t first, size_t end, const part_row *live,
			  lay_err *err)
{
	unsigned char prefix[12];
	MDB_cursor *cur;
	MDB_val k, v;
	lrow r;
	int rc, mrc, any = 0;

	store_be32(prefix, c->t->tid);
	store_be64(prefix + 4, live->dm.id);
	if ((mrc = mdb_cursor_open(c->txn, c->db->items, &cur)) != 0)
		return store_mdb(mrc, "listing", err);
	k = (MDB_val){ sizeof(prefix), prefix };
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 12 || memcmp(k.mv_data, prefix, 12) != 0)
			break;
		r.k = k;
		r.v = v;
		if ((rc = lrow_full(&r, c, 0, 12, err)) < 0) {
			mdb_cursor_close(cur);
			return rc;
		}
		if (!changed(c, first, end, r.full, r.flen)) {
			item_row ir;

			/* unchanged since, so there then, unless already expired */
			if ((rc = row_item_parse(&ir, v.mv_data, v.mv_size, c->db->format, err)) < 0) {
				mdb_cursor_close(cur);
				return rc;
			}
			if (!lay_ttl_expired(ir.meta.expires, c->as_of)) {
				any = 1;
				break;
			}
		}
	}
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return store_mdb(mrc, "listing", err);
	return any;
}

/* Hand the callback a partition as it was: its changed keys are entries
 * first..end; live (may be NULL) its row now. */
static int emit_asof_part(struct list_ctx *c, size_t first, size_t end, const part_row *live,
			  lay_err *err)
{
	const asof_entry *a = &c->chg.e[first];
	eng_dirmeta dm;
	eng_entry e;
	size_t i;
	int rc = 0, was = 0;

	if (c->after_enc.p &&
	    store_bytes_cmp(a->pkenc.p, a->pkenc.len, c->after_enc.p, c->after_enc.len) <= 0)
		return 0;
	for (i = first; i < end && !was; i++)
		was = c->chg.e[i].existed && !lay_ttl_expired(c->chg.e[i].meta.expires, c->as_of);
	if (!was && live && (rc = live_unchanged(c, first, end, live, err)) < 0)
		return rc;
	if (!was && rc != 1)
		return 0;
	rc = 0;
	part_then_meta(live ? &live->dm : NULL, &dm);
	if (!live)
		dm.mtime_ns = dm.ctime_ns = a->meta.mtime_ns;
	memset(&e, 0, sizeof(e));
	e.key = &a->key.pk;
	e.is_partition = 1;
	e.dir = &dm;
	rc = c->cb(c->cbctx, &e);
	if (rc == 0 && c->max && ++c->n == c->max)
		rc = 1;
	return rc;
}

/* Hand the callback what changed since and lies before the key full (NULL:
 * all that is left) and is not live now. */
static int emit_changes_before(struct list_ctx *c, const unsigned char *full, size_t flen,
			       lay_err *err)
{
	int rc = 0;

	while (rc == 0 && c->ichg < c->chg.n) {
		const lay_buf *b = change_enc(c, c->ichg);
		size_t first = c->ichg, end;

		if (full && store_bytes_cmp(b->p, b->len, full, flen) >= 0)
			break;
		end = change_end(c, first);
		c->ichg = end;
		rc = c->parts ? emit_asof_part(c, first, end, NULL, err)
			      : emit_change(c, &c->chg.e[first], err);
	}
	return rc;
}

/* Hand one row to the callback: 0 go on, 1 stop, < 0 fail. */
static int emit_changes_before(struct list_ctx *c, const unsigned char *full, size_t flen,
			       lay_err *err);
static int emit_asof_part(struct list_ctx *c, size_t first, size_t end, const part_row *live,
			  lay_err *err);

static int emit(struct list_ctx *c, const lrow *r, lay_err *err)
{
	lay_item keys = LAY_ITEM_INIT, it = LAY_ITEM_INIT;
	lay_value kv;
	eng_entry e;
	size_t used;
	part_row p;
	item_row ir;
	int rc;

	if (c->after_enc.p) {
		int cmp = store_bytes_cmp(r->full, r->flen, c->after_enc.p, c->after_enc.len);

		if ((c->flags & ENG_LIST_REVERSE) ? cmp >= 0 : cmp <= 0)
			return 0;
	}
	if (c->as_of >= 0) {
		/* what changed since, up to this row; then this row's key */
		size_t end;

		if ((rc = emit_changes_before(c, r->full, r->flen, err)) != 0)
			return rc;
		end = change_end(c, c->ichg);
		if (end > c->ichg && same_key(c, c->ichg, r->full, r->flen)) {
			size_t first = c->ichg;

			c->ichg = end;
			if (!c->parts)
				return emit_change(c, &c->chg.e[first], err);
			if ((rc = row_part_parse(&p, r->v.mv_data, r->v.mv_size, err)) < 0)
				return rc;
			return emit_asof_part(c, first, end, &p, err);
		}
	}
	memset(&e, 0, sizeof(e));
	if ((rc = lay_keydec(&keys, &kv, &used, c->ktype, r->full, r->flen)) < 0) {
		rc = rc == -ENOMEM ? lay_err_set(err, rc, "out of memory listing")
				   : lay_err_set(err, -EIO, "a stored key is corrupt");
		goto out_free;
	}
	e.key = &kv;
	if (c->parts) {
		if ((rc = row_part_parse(&p, r->v.mv_data, r->v.mv_size, err)) < 0)
			goto out_free;
		e.is_partition = 1;
		if (c->as_of >= 0)
			p.dm.mode &= ~0222u; /* the past is read-only */
		e.dir = &p.dm;
	} else {
		if ((rc = row_item_parse(&ir, r->v.mv_data, r->v.mv_size, c->db->format, err)) < 0)
			goto out_free;
		if (lay_ttl_expired(ir.meta.expires, c->as_of >= 0 ? c->as_of : c->now))
			goto out_free;
		if ((rc = row_len(&ir, c->db->format, err)) < 0)
			goto out_free;
		if (c->as_of >= 0)
			ir.meta.mode &= ~0222u;
		e.meta = &ir.meta;
		if (c->flags & ENG_LIST_ITEMS) {
			if ((rc = lay_codec_decode(&it, ir.data, ir.data_len, err)) < 0)
				goto out_free;
			e.item = &it;
			c->n_items++;
			c->bytes += ir.meta.size;
		}
	}
	rc = c->cb(c->cbctx, &e);
	if (rc == 0 && c->max && ++c->n == c->max)
		rc = 1;
out_free:
	lay_item_free(&keys);
	lay_item_free(&it);
	return rc;
}

static int lrow_cmp(const void *x, const void *y)
{
	const lrow *a = x, *b = y;

	return store_bytes_cmp(a->full, a->flen, b->full, b->flen);
}

/* Whether row key k (of a cut key: plen + STORE_KEY_HASHED bytes) belongs
 * to the run of cut keys that row key run starts. */
static int same_run(const MDB_val *k, const MDB_val *run, size_t plen)
{
	return k->mv_size == run->mv_size &&
	       memcmp(k->mv_data, run->mv_data, plen + STORE_KEY_CUT) == 0;
}

/*
 * Walk the rows under prefix from the cursor's position (mrc, k, v: the
 * row it is on), forward or, with back, backward. A cut key starts a run
 * of rows sharing its STORE_KEY_CUT-byte prefix, ordered by hash: the run
 * is collected and sorted by full encoding before it is emitted, in the
 * walk's direction.
 */
static int walk(struct list_ctx *c, MDB_cursor *cur, const unsigned char *prefix, size_t plen,
		int mrc, MDB_val *k, MDB_val *v, int back, lay_err *err)
{
	MDB_cursor_op step = back ? MDB_PREV : MDB_NEXT;
	lrow *run = NULL, *grown, one;
	size_t n, cap = 0, i;
	int rc = 0;

	while (mrc == 0 && k->mv_size >= plen && memcmp(k->mv_data, prefix, plen) == 0) {
		one.k = *k;
		one.v = *v;
		if (k->mv_size - plen <= STORE_KEY_CUT) {
			if ((rc = lrow_full(&one, c, c->parts, plen, err)) < 0 || (rc = emit(c, &one, err)))
				break;
			mrc = mdb_cursor_get(cur, k, v, step);
			continue;
		}
		n = 0;
		do {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if (!(grown = realloc(run, cap * sizeof(*run)))) {
					rc = lay_err_set(err, -ENOMEM, "out of memory listing");
					goto out_free;
				}
				run = grown;
			}
			run[n].k = *k;
			run[n].v = *v;
			if ((rc = lrow_full(&run[n], c, c->parts, plen, err)) < 0)
				goto out_free;
			n++;
			mrc = mdb_cursor_get(cur, k, v, step);
		} while (mrc == 0 && same_run(k, &one.k, plen));
		/* the run in key order, emitted in the walk's */
		qsort(run, n, sizeof(*run), lrow_cmp);
		for (i = 0; i < n && rc == 0; i++)
			rc = emit(c, &run[back ? n - 1 - i : i], err);
		if (rc)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_mdb(mrc, "listing", err);
out_free:
	free(run);
	return rc;
}

/*
 * walk() backwards (ENG_LIST_REVERSE): from the last row under prefix, or
 * the last before the cursor seek (prefix and the cursor's first
 * STORE_KEY_CUT bytes), to the first. A run of cut keys is collected
 * whole, sorted, and emitted from its end; so the walk starts past the run
 * the cursor may fall in, and emit() skips what is not before the cursor.
 */
static int walk_back(struct list_ctx *c, MDB_cursor *cur, const unsigned char *prefix,
		     size_t plen, const lay_buf *seek, MDB_val *k, MDB_val *v, lay_err *err)
{
	unsigned char next[12];
	size_t i;
	int mrc, carry = 1;

	if (seek->len > plen) {
		*k = (MDB_val){ seek->len, seek->p };
		mrc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
		/* a key of exactly the cursor's cut bytes is before it; the
		 * run of cut keys after it holds keys on both sides */
		if (mrc == 0 && k->mv_size == seek->len && memcmp(k->mv_data, seek->p, seek->len) == 0)
			mrc = mdb_cursor_get(cur, k, v, MDB_NEXT);
		while (mrc == 0 && k->mv_size > seek->len && seek->len == plen + STORE_KEY_CUT &&
		       memcmp(k->mv_data, seek->p, seek->len) == 0)
			mrc = mdb_cursor_get(cur, k, v, MDB_NEXT);
	} else {
		/* the first row past the prefix: the prefix plus one */
		memcpy(next, prefix, plen);
		for (i = plen; i-- > 0 && carry;)
			carry = ++next[i] == 0;
		*k = (MDB_val){ plen, next };
		mrc = carry ? MDB_NOTFOUND : mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	}
	if (mrc == MDB_NOTFOUND)
		mrc = mdb_cursor_get(cur, k, v, MDB_LAST);
	else if (mrc == 0)
		mrc = mdb_cursor_get(cur, k, v, MDB_PREV);
	return walk(c, cur, prefix, plen, mrc, k, v, 1, err);
}

/* The listing's cursor, encoded as the keys it is compared with; -EINVAL
 * if it is not of the listed keys' type. */
static int set_after(struct list_ctx *c, lay_err *err)
{
	if (c->after->type != c->ktype)
		return lay_err_set(err, -EINVAL, "the listing's cursor is of type %s; keys here are %s",
				   lay_type_name(c->after->type), lay_type_name(c->ktype));
	if (lay_keyenc(&c->after_enc, c->after) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory listing");
	return 0;
}

static void rec_reset(void *ctx);
static int rec_entry(void *ctx, const eng_entry *e);

static int list_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct list_ctx *c = vctx;
	eng_db *db = c->db;
	unsigned char prefix[12];
	size_t plen, cut;
	lay_buf seek = LAY_BUF_INIT;
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val k, v;
	store_table t;
	target tg;
	int rc, mrc;

	memset(&tg, 0, sizeof(tg));
	if (c->cb == rec_entry)
		rec_reset(c->cbctx); /* a run over again records from the start */
	c->n = 0;
	c->n_items = 0;
	c->bytes = 0;
	lay_buf_free(&c->after_enc);
	if ((rc = store_view_table(txn, db, c->backup, c->table, &t, err)) < 0)
		return rc;
	c->txn = txn;
	c->t = &t;
	c->ichg = 0;
	asof_set_free(&c->chg);
	if (c->as_of >= 0 &&
	    (rc = asof_changes(txn, db, &t, t.schema.sk_type ? c->pk : NULL, c->as_of, c->now,
			       &c->chg, err)) < 0)
		goto out_free;
	store_be32(prefix, t.tid);
	if (c->pk) {
		rc = part_find(txn, db, &t, c->pk, &tg, err);
		if (rc == -ENOENT && t.schema.sk_type) {
			/* a partition without items lists nothing (now; as of a
			 * time, what it held then) */
			lay_err_clear(err);
			c->parts = 0;
			c->ktype = t.schema.sk_type;
			rc = c->as_of < 0 ? 0 : c->after ? set_after(c, err) : 0;
			if (rc == 0 && c->as_of >= 0)
				rc = emit_changes_before(c, NULL, 0, err);
			if (rc == 1)
				rc = 0;
			goto out_free;
		}
		if (rc < 0)
			goto out_free;
		store_be64(prefix + 4, tg.pid);
		plen = 12;
		dbi = db->items;
		c->parts = 0;
		c->ktype = t.schema.sk_type;
	} else if (t.schema.sk_type) {
		plen = 4;
		dbi = db->parts;
		c->parts = 1;
		c->ktype = t.schema.pk_type;
	} else {
		store_be64(prefix + 4, 0);
		plen = 12;
		dbi = db->items;
		c->parts = 0;
		c->ktype = t.schema.pk_type;
	}
	if (lay_buf_add(&seek, prefix, plen) < 0)
		goto out_nomem;
	if (c->after) {
		if ((rc = set_after(c, err)) < 0)
			goto out_free;
		/* seek to the cursor, or to the start of its run when it is cut:
		 * walk() skips what is not after it */
		cut = c->after_enc.len > STORE_KEY_CUT ? STORE_KEY_CUT : c->after_enc.len;
		if (lay_buf_add(&seek, c->after_enc.p, cut) < 0)
			goto out_nomem;
	}
	if ((mrc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		rc = store_mdb(mrc, "listing", err);
		goto out_free;
	}
	if (c->flags & ENG_LIST_REVERSE) {
		rc = walk_back(c, cur, prefix, plen, &seek, &k, &v, err);
	} else {
		k.mv_size = seek.len;
		k.mv_data = seek.p;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = walk(c, cur, prefix, plen, mrc, &k, &v, 0, err);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && c->as_of >= 0)
		rc = emit_changes_before(c, NULL, 0, err);
	if (rc == 1)
		rc = 0;
	goto out_free;
out_nomem:
	rc = lay_err_set(err, -ENOMEM, "out of memory listing");
out_free:
	lay_buf_free(&seek);
	target_free(&tg);
	asof_set_free(&c->chg);
	return rc;
}

/* eng_list without the cache. */
static int list_read(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		     const lay_value *after, size_t max, unsigned flags, eng_list_cb cb,
		     void *ctx, lay_err *err)
{
	struct list_ctx c;
	int rc, metered;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.now = eng_clock_now_ns(db->clock);
	c.as_of = store_view_as_of(req);
	c.backup = store_view_backup(req);
	c.table = table;
	c.pk = pk;
	c.after = after;
	c.max = max;
	c.flags = flags;
	c.cb = cb;
	c.cbctx = ctx;
	if ((flags & ENG_LIST_REVERSE) && c.as_of >= 0)
		return lay_err_set(err, -EOPNOTSUPP, "a listing as of a time goes in key order only");
	metered = (flags & ENG_LIST_ITEMS) && !(flags & ENG_LIST_UNMETERED);
	if (metered && (rc = store_cap_admit(db, req, table, CAP_READ, err)) < 0)
		return rc;
	rc = store_view_read_items(db, req, list_txn, &c, err);
	/* a listing of items is one read of all of them, rounded once; the
	 * past is free */
	if (rc == 0 && metered && c.n_items && c.as_of < 0 && !c.backup)
		store_cap_charge(db, req, table, store_units_read(c.bytes), 0);
	lay_buf_free(&c.after_enc);
	return rc;
}

/* ---- listings in the cache ---- */

/*
 * A whole listing of one level, as the cache keeps it: per entry, in key
 * order, is_partition (1 byte), the key value (type 1 byte, length 4
 * bytes, the bytes and their NUL), then the entry's eng_dirmeta or
 * eng_meta as it is in memory (the cache lives only as long as the
 * process).
 */
struct list_rec {
	lay_buf buf;
	size_t largest;     /* a recording larger is not kept: stop */
	int64_t expires;    /* the soonest expiry of the items, 0 none */
	int over;           /* stopped for being too large */
};

static void rec_reset(void *ctx)
{
	struct list_rec *r = ctx;

	lay_buf_reset(&r->buf);
	r->expires = 0;
	r->over = 0;
}

/* The eng_list_cb that records a listing. */
static int rec_entry(void *ctx, const eng_entry *e)
{
	struct list_rec *r = ctx;
	unsigned char head[6];
	uint32_t len = (uint32_t)e->key->len;
	int rc;

	head[0] = (unsigned char)e->is_partition;
	head[1] = (unsigned char)e->key->type;
	memcpy(head + 2, &len, 4);
	if (e->key->len > UINT32_MAX)
		goto out_over;
	/* memory short: not kept, read again without the cache */
	if (lay_buf_add(&r->buf, head, sizeof(head)) < 0 ||
	    lay_buf_add(&r->buf, e->key->u.p, e->key->len) < 0 || lay_buf_addc(&r->buf, '\0') < 0)
		goto out_over;
	if (e->is_partition)
		rc = lay_buf_add(&r->buf, e->dir, sizeof(*e->dir));
	else
		rc = lay_buf_add(&r->buf, e->meta, sizeof(*e->meta));
	if (rc < 0)
		goto out_over;
	if (!e->is_partition && e->meta->expires &&
	    (!r->expires || e->meta->expires < r->expires))
		r->expires = e->meta->expires;
	if (r->buf.len <= r->largest)
		return 0;
out_over:
	r->over = 1;
	return 1;
}

/* Hand the callback the entries of a recorded listing (len bytes at p),
 * as eng_list does: 0 (also when it stops), or its failure. */
static int rec_replay(const char *p, size_t len, eng_list_cb cb, void *ctx)
{
	const char *end;
	eng_dirmeta dm;
	lay_value kv;
	eng_meta m;
	eng_entry e;
	uint32_t klen;
	int rc;

	if (!len)
		return 0; /* nothing listed: p may be NULL */
	end = p + len;
	while (p < end) {
		memset(&e, 0, sizeof(e));
		memset(&kv, 0, sizeof(kv));
		e.is_partition = (unsigned char)p[0];
		kv.type = (lay_type)(unsigned char)p[1];
		memcpy(&klen, p + 2, 4);
		kv.len = klen;
		kv.u.p = (char *)p + 6;
		p += 6 + klen + 1;
		e.key = &kv;
		if (e.is_partition) {
			memcpy(&dm, p, sizeof(dm));
			p += sizeof(dm);
			e.dir = &dm;
		} else {
			memcpy(&m, p, sizeof(m));
			p += sizeof(m);
			e.meta = &m;
		}
		if ((rc = cb(ctx, &e)) != 0)
			return rc < 0 ? rc : 0;
	}
	return 0;
}

/*
 * A whole live listing of one level through the cache: a hit replays what
 * it keeps; a miss records the listing in its own read (looked up before
 * it begins: cache.c says why), keeps it and replays it. Costs nothing
 * either way, as a listing without items does. A listing too large to keep
 * is read as if there were no cache.
 */
static int list_cached(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		       eng_list_cb cb, void *ctx, lay_err *err)
{
	struct list_rec r;
	store_icache_key ck;
	eng_meta m;
	lay_buf hit = LAY_BUF_INIT;
	int rc;

	if ((rc = store_icache_list_key_make(&ck, table, pk)) < 0)
		return rc == -EINVAL ? 1 : lay_err_set(err, rc, "out of memory listing");
	rc = store_icache_get(db->icache, &ck, eng_clock_now_ns(db->clock), &hit, &m);
	if (rc == 1) {
		store_icache_key_free(&ck);
		store_req_start(req);
		rc = rec_replay(hit.p, hit.len, cb, ctx);
		lay_buf_free(&hit);
		return rc;
	}
	lay_buf_free(&hit);
	if (rc < 0) {
		store_icache_key_free(&ck);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.largest = store_icache_largest(db->icache);
	rc = list_read(db, req, table, pk, NULL, 0, 0, rec_entry, &r, err);
	if (rc == 0 && !r.over) {
		memset(&m, 0, sizeof(m));
		m.expires = r.expires;
		store_icache_put(db->icache, &ck, r.buf.p ? r.buf.p : "", r.buf.len, &m);
	}
	store_icache_key_free(&ck);
	if (rc == 0 && !r.over)
		rc = rec_replay(r.buf.p, r.buf.len, cb, ctx);
	else if (rc == 0)
		rc = 1; /* too large: read it again, straight to the callback */
	lay_buf_free(&r.buf);
	return rc;
}

int eng_list(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
	     const lay_value *after, size_t max, unsigned flags, eng_list_cb cb, void *ctx,
	     lay_err *err)
{
	int rc;

	/* a whole level, live, keys and metadata only: through the cache */
	if (db->icache && !(flags & (ENG_LIST_ITEMS | ENG_LIST_REVERSE)) && !after && !max &&
	    (!req || req->view == ENG_VIEW_LIVE) &&
	    (rc = list_cached(db, req, table, pk, cb, ctx, err)) != 1)
		return rc;
	return list_read(db, req, table, pk, after, max, flags, cb, ctx, err);
}

/* ---- long names ---- */

struct resolve_ctx {
	eng_db *db;
	const char *table;
	const lay_value *pk;
	uint64_t hash;
	lay_item *store;
	lay_value *out;
	int64_t as_of;        /* an as-of view's time, or -1 */
	uint32_t backup;      /* the backup read, or 0 */
};

static int resolve_txn(MDB_txn *txn, void *vctx, lay_err *err);

/* A long name as of a time: a key changed since is found among the changes
 * (it may be gone now), any other among the live names; whether it was
 * there then is the lookup's to say. */
static int resolve_asof_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct resolve_ctx *c = vctx;
	store_table t;
	asof_set set;
	size_t i;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	rc = asof_changes(txn, c->db, &t, t.schema.sk_type ? c->pk : NULL, c->as_of,
			  eng_clock_now_ns(c->db->clock), &set, err);
	for (i = 0; rc == 0 && i < set.n; i++) {
		const lay_key *k = &set.e[i].key;
		const lay_value *v = !t.schema.sk_type || !c->pk ? &k->pk : &k->sk;

		if (lay_name_hash(v) != c->hash)
			continue;
		rc = lay_value_copy(c->store, c->out, v) < 0
			     ? lay_err_set(err, -ENOMEM, "out of memory")
			     : 1;
	}
	asof_set_free(&set);
	if (rc == 1)
		return 0;
	return rc < 0 ? rc : resolve_txn(txn, c, err);
}

static int resolve_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct resolve_ctx *c = vctx;
	unsigned char pre[20];
	MDB_cursor *cur;
	MDB_val k = { sizeof(pre), pre }, v;
	store_table t;
	lay_type type;
	target tg;
	size_t used;
	int rc;

	memset(&tg, 0, sizeof(tg));
	if ((rc = store_view_table(txn, c->db, c->backup, c->table, &t, err)) < 0)
		return rc;
	type = t.schema.pk_type;
	if (c->pk) {
		rc = part_find(txn, c->db, &t, c->pk, &tg, err);
		if (rc < 0)
			goto out_free;
		type = t.schema.sk_type;
	}
	store_be32(pre, t.tid);
	store_be64(pre + 4, tg.pid);
	store_be64(pre + 12, c->hash);
	if ((rc = mdb_cursor_open(txn, c->db->names, &cur)) != 0) {
		rc = store_mdb(rc, "resolving a long name", err);
		goto out_free;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size < sizeof(pre) ||
					       memcmp(k.mv_data, pre, sizeof(pre)) != 0))) {
		rc = lay_err_set(err, -ENOENT, "no key of table %s has the long name hash %016llx",
				 t.name, (unsigned long long)c->hash);
		goto out_free;
	}
	if (rc) {
		rc = store_mdb(rc, "resolving a long name", err);
		goto out_free;
	}
	rc = lay_keydec(c->store, c->out, &used, type, v.mv_data, v.mv_size);
	if (rc < 0)
		rc = rc == -ENOMEM ? lay_err_set(err, rc, "out of memory")
				   : lay_err_set(err, -EIO, "a stored long name is corrupt");
out_free:
	target_free(&tg);
	return rc;
}

int eng_resolve_hash(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		     uint64_t hash, lay_item *store, lay_value *out, lay_err *err)
{
	struct resolve_ctx c = { db,  table, pk, hash, store, out, store_view_as_of(req),
				 store_view_backup(req) };

	if (c.as_of >= 0)
		return store_view_read_items(db, req, resolve_asof_txn, &c, err);
	return store_view_read(db, req, resolve_txn, &c, err);
}

