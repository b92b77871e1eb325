/* Expiry (SPEC §9): the sweeps that delete expired items as the service (a
 * REMOVE record with ENG_CHANGE_SERVICE) and re-index every item when a
 * table's TTL attribute changes. When an item expires is layout/ttl.c's
 * rule; expired items are gone for readers at once (item.c and list.c ask
 * lay_ttl_expired); the sweep only frees their space. */
#include "expiry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "change.h"
#include "evq.h"
#include "req.h"
#include "row.h"

#define SWEEP_BATCH 256

struct sweep_ctx {
	eng_db *db;
	const char *table;
	size_t limit;        /* items per transaction */
	size_t n;            /* deleted in this run of the transaction */
	int more;
	store_evq gone;      /* the deleted keys, told after the commit */
};

/* One expired item: delete it as the service would. 1 if it went, 0 if the
 * index entry was stale (it is dropped). */
static int sweep_one(MDB_txn *txn, eng_db *db, const store_table *t, const void *ikey,
		     size_t ilen, int64_t exp, int64_t now, struct sweep_ctx *c, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	store_stats st;
	lay_key key;
	target tg;
	MDB_val v;
	item_row r;
	int rc;

	rc = store_get(txn, db->items, ikey, ilen, &v, err);
	if (rc == -ENOENT)
		return store_ttl_index(txn, db, ikey, ilen, exp, 0, err);
	if (rc < 0 || (rc = row_item_parse(&r, v.mv_data, v.mv_size, db->format, err)) < 0)
		return rc;
	if (r.meta.expires != exp)
		return store_ttl_index(txn, db, ikey, ilen, exp, 0, err);
	if ((rc = lay_codec_decode(&it, r.data, r.data_len, err)) < 0)
		return rc;
	if ((rc = lay_item_key(&key, &it, &t->schema, err)) < 0 ||
	    (rc = target_init(&tg, t, &key, err)) < 0)
		goto out_item;
	if ((rc = target_find(txn, db, &tg, err)) < 0)
		goto out_target;
	if (!tg.exists) {
		rc = store_ttl_index(txn, db, ikey, ilen, exp, 0, err);
		goto out_target;
	}
	if ((rc = store_stats_get(txn, db, t->tid, &st, err)) < 0 ||
	    (rc = store_log_change(txn, db, t, now, ENG_REMOVE, store_change_flags(ENG_SRC_TTL),
				   &tg.key, tg.r.data, tg.r.data_len, &tg.r.meta, NULL, 0, err)) < 0 ||
	    (rc = target_remove(txn, db, &tg, now, &st, err)) < 0)
		goto out_target;
	st.count--;
	st.size -= tg.r.meta.size;
	if ((rc = store_stats_put(txn, db, t->tid, &st, err)) < 0)
		goto out_target;
	if (store_evq_add(&c->gone, &key, ENG_REMOVE, ENG_SRC_TTL) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory sweeping");
	else
		rc = 1;
out_target:
	target_free(&tg);
out_item:
	lay_item_free(&it);
	return rc;
}

static int sweep_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct sweep_ctx *c = vctx;
	eng_db *db = c->db;
	int64_t now = eng_clock_now_ns(db->clock);
	unsigned char pre[12], (*found)[STORE_KEY_MAX + 8];
	size_t lens[SWEEP_BATCH], nfound = 0, i;
	int64_t exps[SWEEP_BATCH];
	MDB_cursor *cur;
	MDB_val k = { sizeof(pre), pre }, v;
	store_table t;
	int rc, mrc;

	/* a run after the map grew starts over */
	store_evq_reset(&c->gone);
	c->n = 0;
	c->more = 0;
	if ((rc = store_table_get(txn, db, c->table, &t, err)) < 0)
		return rc;
	if (!(found = malloc(SWEEP_BATCH * sizeof(*found))))
		return lay_err_set(err, -ENOMEM, "out of memory sweeping");
	/* collect first: the deletes below change the index under a cursor */
	store_be32(pre, t.tid);
	memset(pre + 4, 0, 8);
	if ((rc = mdb_cursor_open(txn, db->ttl, &cur)) != 0) {
		free(found);
		return store_mdb(rc, "sweeping", err);
	}
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && nfound < c->limit;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int64_t exp;

		if (k.mv_size < 12 || k.mv_size > 12 + STORE_KEY_MAX ||
		    memcmp(k.mv_data, pre, 4) != 0)
			break;
		exp = (int64_t)store_rd64((unsigned char *)k.mv_data + 4);
		if (exp > now / 1000000000)
			break; /* the index is in expiry order */
		/* the items key: [tid] then what follows the expiry */
		memcpy(found[nfound], k.mv_data, 4);
		memcpy(found[nfound] + 4, (unsigned char *)k.mv_data + 12, k.mv_size - 12);
		lens[nfound] = k.mv_size - 8;
		exps[nfound] = exp;
		nfound++;
	}
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		/* not the end of the index: a sweep that saw only part of it */
		free(found);
		return store_mdb(mrc, "reading the TTL index", err);
	}
	c->more = nfound == c->limit;
	rc = 0;
	for (i = 0; i < nfound && rc >= 0; i++) {
		rc = lay_ttl_expired(exps[i], now)
			     ? sweep_one(txn, db, &t, found[i], lens[i], exps[i], now, c, err)
			     : store_ttl_index(txn, db, found[i], lens[i], exps[i], 0, err);
		if (rc == 1)
			c->n++;
	}
	free(found);
	return rc < 0 ? rc : 0;
}

int store_ttl_sweep(eng_db *db, const char *table, size_t limit, size_t *swept, lay_err *err)
{
	struct sweep_ctx c;
	size_t total = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	do {
		c.limit = limit && limit - total < SWEEP_BATCH ? limit - total : SWEEP_BATCH;
		rc = store_write_frees(db, sweep_txn, &c, err);
		if (rc < 0)
			break;
		store_evq_emit(db, table, &c.gone);
		total += c.n;
	} while (c.more && (!limit || total < limit));
	store_evq_free(&c.gone);
	if (swept)
		*swept = total;
	return rc;
}

/* Every item of table t gets its expiry for the TTL attribute t now has. */
int store_ttl_reindex(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	unsigned char pre[4];
	MDB_cursor *cur;
	MDB_val k = { sizeof(pre), pre }, v;
	lay_buf key = LAY_BUF_INIT, b = LAY_BUF_INIT;
	int rc = 0, mrc;

	store_be32(pre, t->tid);
	if ((mrc = mdb_cursor_open(txn, db->items, &cur)) != 0)
		return store_mdb(mrc, "indexing expiry", err);
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		lay_item it = LAY_ITEM_INIT;
		item_row r;
		int64_t exp;

		if (k.mv_size < 4 || memcmp(k.mv_data, pre, 4) != 0)
			break;
		if ((rc = row_item_parse(&r, v.mv_data, v.mv_size, db->format, err)) < 0 ||
		    (rc = lay_codec_decode(&it, r.data, r.data_len, err)) < 0)
			break;
		exp = lay_ttl_expiry(&it, t->settings.ttl_attr, now);
		lay_item_free(&it);
		if (exp == r.meta.expires)
			continue;
		lay_buf_reset(&key);
		if (lay_buf_add(&key, k.mv_data, k.mv_size) < 0) {
			rc = lay_err_set(err, -ENOMEM, "out of memory indexing expiry");
			break;
		}
		if ((r.meta.expires &&
		     (rc = store_ttl_index(txn, db, key.p, key.len, r.meta.expires, 0, err)) < 0) ||
		    (exp && (rc = store_ttl_index(txn, db, key.p, key.len, exp, 1, err)) < 0))
			break;
		r.meta.expires = exp;
		if (row_item_build(&b, &r) < 0) {
			rc = lay_err_set(err, -ENOMEM, "out of memory indexing expiry");
			break;
		}
		/* rewriting the current row keeps the cursor where it is */
		if ((mrc = mdb_cursor_put(cur, &k, &(MDB_val){ b.len, b.p }, MDB_CURRENT)) != 0) {
			rc = store_mdb(mrc, "indexing expiry", err);
			break;
		}
	}
	mdb_cursor_close(cur);
	lay_buf_free(&key);
	lay_buf_free(&b);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_mdb(mrc, "indexing expiry", err);
	return rc;
}
