/*
 * Items as they were at a time (SPEC §12, point-in-time recovery).
 *
 * A table with PITR on logs every change with the item's old and new images
 * (log.c), keyed [tid][seq]. Beside it, "logkeys" indexes the log by key and
 * time: [tid][key hash][time][seq], no value. The item as of T is the old
 * image of its first change after T, or the live item when it has changed
 * since; one cursor seek finds that change, so a read as of T costs the
 * key's changes after T at most, never the table's history or size. The
 * hash is 64 bits of the key's stored encoding; the log record holds the
 * key itself, which is compared, so a collision costs a step, not a wrong
 * answer.
 */
#include "asof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/describe.h"
#include "../layout/hash.h"
#include "../layout/keyenc.h"
#include "../layout/ttl.h"
#include "change.h"

#define IDX_LEN 28 /* tid 4, hash 8, time 8, seq 8 */

uint64_t asof_key_hash(const void *enc, size_t len)
{
	return lay_hash64(enc, len);
}

static void idx_key(unsigned char k[IDX_LEN], uint32_t tid, uint64_t hash, int64_t time_ns,
		    uint64_t seq)
{
	store_be32(k, tid);
	store_be64(k + 4, hash);
	store_be64(k + 12, (uint64_t)time_ns);
	store_be64(k + 20, seq);
}

int asof_index(MDB_txn *txn, eng_db *db, uint32_t tid, const void *enc, size_t len,
	       int64_t time_ns, uint64_t seq, lay_err *err)
{
	unsigned char k[IDX_LEN];

	idx_key(k, tid, asof_key_hash(enc, len), time_ns, seq);
	return store_put(txn, db->logkeys, k, sizeof(k), "", 0, err);
}

int asof_unindex(MDB_txn *txn, eng_db *db, uint32_t tid, const void *enc, size_t len,
		 int64_t time_ns, uint64_t seq, lay_err *err)
{
	unsigned char k[IDX_LEN];
	int rc;

	idx_key(k, tid, asof_key_hash(enc, len), time_ns, seq);
	rc = store_del(txn, db->logkeys, k, sizeof(k), err);
	if (rc == -ENOENT) {
		lay_err_clear(err);
		rc = 0;
	}
	return rc;
}

int eng_table_pitr_window(eng_db *db, const char *table, int64_t *earliest, int64_t *latest,
			  lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	store_table t;
	int rc;

	if ((rc = store_table_load(db, NULL, table, &t, NULL, err)) < 0)
		return rc;
	if ((*earliest = asof_earliest(&t, now)) < 0)
		return lay_err_set(err, -ENOENT, "table %s keeps no points in time: point-in-time "
				   "recovery is off (user.ddb.pitr)", table);
	*latest = now;
	return 0;
}

int64_t asof_earliest(const store_table *t, int64_t now_ns)
{
	int64_t since = t->settings.pitr_since_ns;

	if (!t->settings.pitr)
		return -1;
	return since > now_ns - ASOF_WINDOW_NS ? since : now_ns - ASOF_WINDOW_NS;
}

int asof_record_parse(const void *p, size_t len, asof_record *out, lay_err *err)
{
	store_rd r = { p, len, 0 };
	unsigned version = store_get8(&r);

	memset(out, 0, sizeof(*out));
	if (version < 1 || version > STORE_LOG_VERSION)
		return lay_err_set(err, -EIO, "a change record has an unknown version");
	out->event = store_get8(&r);
	out->flags = store_get8(&r);
	out->has_sk = (int)store_get8(&r);
	out->time_ns = (int64_t)store_get64(&r);
	out->key_len = store_get32(&r);
	out->key = store_getbytes(&r, out->key_len);
	out->old_len = store_get32(&r);
	out->old = store_getbytes(&r, out->old_len);
	if (out->old_len && version >= 2) {
		out->has_old_meta = 1;
		out->old_meta.mode = store_get32(&r);
		out->old_meta.uid = store_get32(&r);
		out->old_meta.gid = store_get32(&r);
		out->old_meta.mtime_ns = (int64_t)store_get64(&r);
		out->old_meta.ctime_ns = (int64_t)store_get64(&r);
	}
	out->new_img = r.p;
	out->new_len = r.len;
	if (r.bad)
		return lay_err_set(err, -EIO, "a change record is corrupt");
	return 0;
}

/* Read the log record seq of table tid. */
static int record_get(MDB_txn *txn, eng_db *db, uint32_t tid, uint64_t seq, asof_record *out,
		      lay_err *err)
{
	unsigned char k[12];
	MDB_val v;
	int rc;

	store_be32(k, tid);
	store_be64(k + 4, seq);
	if ((rc = store_get(txn, db->log, k, sizeof(k), &v, err)) < 0)
		return rc == -ENOENT ? lay_err_set(err, -EIO, "the change log lost record %llu",
						   (unsigned long long)seq)
				     : rc;
	return asof_record_parse(v.mv_data, v.mv_size, out, err);
}

int asof_backfill(MDB_txn *txn, eng_db *db, lay_err *err)
{
	MDB_cursor *cur;
	MDB_stat st;
	MDB_val k, v;
	asof_record rec;
	int rc, irc = 0;

	if ((rc = mdb_stat(txn, db->logkeys, &st)) != 0 || st.ms_entries > 0)
		return store_mdb(rc, "reading the change log's index", err);
	if ((rc = mdb_cursor_open(txn, db->log, &cur)) != 0)
		return store_mdb(rc, "indexing the change log", err);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const unsigned char *p = k.mv_data;

		if (k.mv_size != 12 || asof_record_parse(v.mv_data, v.mv_size, &rec, NULL) < 0)
			continue; /* what cannot be read cannot be indexed */
		if ((irc = asof_index(txn, db, store_rd32(p), rec.key, rec.key_len, rec.time_ns,
				      store_rd64(p + 4), err)) < 0)
			break;
	}
	mdb_cursor_close(cur);
	if (irc < 0)
		return irc;
	return rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "indexing the change log", err);
}

/* The window's message. */
static int outside(const store_table *t, int64_t as_of_ns, int64_t earliest, int64_t now_ns,
		   lay_err *err)
{
	char at[40], from[40], to[40];

	if (earliest < 0)
		return lay_err_set(err, -ENOENT, "table %s keeps no history: point-in-time "
				   "recovery is off (user.ddb.pitr)", t->name);
	lay_time_iso(at, sizeof(at), as_of_ns);
	lay_time_iso(from, sizeof(from), earliest);
	lay_time_iso(to, sizeof(to), now_ns);
	return lay_err_set(err, -ENOENT, "table %s can be read as of %s to %s, not %s", t->name,
			   from, to, at);
}

/* When the key of hash in table t got the version it had at as_of_ns: the
 * time of its last change up to then (the index entry before its first
 * one after), or when PITR began. idx: a cursor on the index. */
static int written_at(MDB_cursor *idx, const store_table *t, uint64_t hash, int64_t as_of_ns,
		      int64_t *out, lay_err *err)
{
	unsigned char seek[IDX_LEN];
	MDB_val k, v;
	int rc;

	*out = t->settings.pitr_since_ns;
	idx_key(seek, t->tid, hash, as_of_ns + 1, 0);
	k = (MDB_val){ sizeof(seek), seek };
	rc = mdb_cursor_get(idx, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(idx, &k, &v, MDB_PREV) : mdb_cursor_get(idx, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == IDX_LEN && memcmp(k.mv_data, seek, 12) == 0)
		*out = (int64_t)store_rd64((unsigned char *)k.mv_data + 12);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb(rc, "reading the change log's index", err);
	return 0;
}

/* The metadata of a version of an item in table t (its stored encoding,
 * len bytes at img, and the metadata kept with it, kept), read as of
 * as_of_ns: its owner, mode (read-only) and times, its text length
 * unknown, its expiry by t's TTL attribute. A record from before metadata
 * was kept (kept NULL) gives the table owner's, 0400 (an item another user
 * could not read then must not be readable in the past), written at
 * mtime_ns. */
static int version_meta(const store_table *t, const unsigned char *img, size_t len,
			const eng_meta *kept, int64_t mtime_ns, int64_t as_of_ns, eng_meta *m,
			lay_err *err)
{
	lay_item view = LAY_ITEM_INIT;
	int rc;

	if ((rc = lay_codec_view(&view, img, len, err)) < 0)
		return rc;
	memset(m, 0, sizeof(*m));
	m->size = lay_item_size(&view);
	m->expires = lay_ttl_expiry(&view, t->settings.ttl_attr, as_of_ns);
	lay_item_free(&view);
	m->len = ROW_LEN_UNKNOWN;
	if (kept) {
		m->mode = kept->mode & 07555u;
		m->uid = kept->uid;
		m->gid = kept->gid;
		m->mtime_ns = kept->mtime_ns;
		m->ctime_ns = kept->ctime_ns;
		return 0;
	}
	m->mode = 0400;
	m->uid = t->uid;
	m->gid = t->gid;
	m->mtime_ns = m->ctime_ns = mtime_ns;
	return 0;
}

int asof_find(MDB_txn *txn, eng_db *db, const store_table *t, target *tg, int64_t as_of_ns,
	      int64_t now_ns, lay_err *err)
{
	int64_t earliest = asof_earliest(t, now_ns), mtime_ns;
	unsigned char seek[IDX_LEN];
	lay_buf enc = LAY_BUF_INIT;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	asof_record rec;
	int rc;

	if (earliest < 0 || as_of_ns < earliest || as_of_ns > now_ns)
		return outside(t, as_of_ns, earliest, now_ns, err);
	if (lay_codec_encode_value(&enc, &tg->key.pk) < 0 ||
	    (tg->composite && lay_codec_encode_value(&enc, &tg->key.sk) < 0)) {
		rc = lay_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	idx_key(seek, t->tid, asof_key_hash(enc.p, enc.len), as_of_ns + 1, 0);
	if ((rc = mdb_cursor_open(txn, db->logkeys, &cur)) != 0) {
		rc = store_mdb(rc, "reading the change log's index", err);
		goto out;
	}
	k = (MDB_val){ sizeof(seek), seek };
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const unsigned char *p = k.mv_data;

		if (k.mv_size != IDX_LEN || memcmp(p, seek, 12) != 0)
			break;
		if ((rc = record_get(txn, db, t->tid, store_rd64(p + 20), &rec, err)) < 0)
			goto out;
		if (rec.key_len == enc.len && memcmp(rec.key, enc.p, enc.len) == 0)
			break; /* else another key with the same hash */
	}
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != IDX_LEN ||
					       memcmp(k.mv_data, seek, 12) != 0))) {
		/* unchanged since: the live row, read-only */
		mdb_cursor_close(cur);
		cur = NULL;
		rc = target_find(txn, db, tg, err);
		tg->r.meta.mode &= ~0222u;
		goto out;
	}
	if (rc) {
		rc = store_mdb(rc, "reading the change log's index", err);
		goto out;
	}
	/* the version it had then, from the change's old image */
	memset(&tg->r, 0, sizeof(tg->r));
	tg->exists = rec.old_len > 0;
	mtime_ns = 0;
	if (tg->exists &&
	    (rec.has_old_meta ||
	     (rc = written_at(cur, t, asof_key_hash(enc.p, enc.len), as_of_ns, &mtime_ns, err)) == 0) &&
	    (rc = version_meta(t, rec.old, rec.old_len, rec.has_old_meta ? &rec.old_meta : NULL,
			       mtime_ns, as_of_ns, &tg->r.meta, err)) == 0) {
		tg->r.data = rec.old;
		tg->r.data_len = rec.old_len;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	lay_buf_free(&enc);
	return rc;
}

/* The first sequence number of table tid's log after time t_ns (the log's
 * times grow with its numbers), by bisection over the numbers: the first
 * record from n on is after t_ns for every n from some point on; *out =
 * UINT64_MAX if none is. */
static int first_after(MDB_cursor *cur, uint32_t tid, int64_t t_ns, uint64_t *out, lay_err *err)
{
	unsigned char k[12];
	uint64_t lo, hi, mid;
	MDB_val kv, v;
	asof_record rec;
	int rc;

	*out = UINT64_MAX;
	store_be32(k, tid + 1);
	store_be64(k + 4, 0);
	kv = (MDB_val){ sizeof(k), k };
	rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &kv, &v, MDB_PREV)
		     : mdb_cursor_get(cur, &kv, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND || (rc == 0 && (kv.mv_size != 12 ||
					       store_rd32(kv.mv_data) != tid)))
		return 0; /* no record */
	if (rc)
		return store_mdb(rc, "reading the change log", err);
	if ((rc = asof_record_parse(v.mv_data, v.mv_size, &rec, err)) < 0)
		return rc;
	if (rec.time_ns <= t_ns)
		return 0; /* nothing after */
	hi = store_rd64((unsigned char *)kv.mv_data + 4);
	lo = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		store_be32(k, tid);
		store_be64(k + 4, mid);
		kv = (MDB_val){ sizeof(k), k };
		if ((rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE)) != 0)
			return store_mdb(rc, "reading the change log", err);
		if ((rc = asof_record_parse(v.mv_data, v.mv_size, &rec, err)) < 0)
			return rc;
		/* the first record from mid on is after t_ns, or not: so is
		 * every start from mid to it */
		if (rec.time_ns > t_ns)
			hi = mid;
		else
			lo = store_rd64((unsigned char *)kv.mv_data + 4) + 1;
	}
	/* the first record from lo on */
	store_be32(k, tid);
	store_be64(k + 4, lo);
	kv = (MDB_val){ sizeof(k), k };
	if ((rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE)) != 0)
		return store_mdb(rc, "reading the change log", err);
	*out = store_rd64((unsigned char *)kv.mv_data + 4);
	return 0;
}

static int entry_cmp(const void *x, const void *y)
{
	const asof_entry *a = x, *b = y;
	int c = store_bytes_cmp(a->pkenc.p, a->pkenc.len, b->pkenc.p, b->pkenc.len);

	return c ? c : store_bytes_cmp(a->ienc.p, a->ienc.len, b->ienc.p, b->ienc.len);
}

/* Key order, then the order of the changes. */
static int entry_seq_cmp(const void *x, const void *y)
{
	const asof_entry *a = x, *b = y;
	int c = entry_cmp(a, b);

	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static void entry_free(asof_entry *e)
{
	lay_buf_free(&e->pkenc);
	lay_buf_free(&e->ienc);
}

void asof_set_free(asof_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		entry_free(&s->e[i]);
	free(s->e);
	lay_item_free(&s->arena);
	memset(s, 0, sizeof(*s));
}

/* Add the key of record v (its values decoded into s's arena) unless it is
 * outside pk (pkcodec: pk's stored encoding, which a record's key starts
 * with, so most records are passed over without decoding) or of another
 * schema than t's. */
static int add_key(asof_set *s, const store_table *t, const lay_buf *pkenc,
		   const lay_buf *pkcodec, uint64_t seq, const MDB_val *v, lay_err *err)
{
	asof_record rec;
	asof_entry *e;
	target tg;
	lay_key key;
	size_t used, used_sk;
	int rc;

	if (asof_record_parse(v->mv_data, v->mv_size, &rec, NULL) < 0)
		return 0;
	if (pkcodec && (rec.key_len < pkcodec->len ||
			memcmp(rec.key, pkcodec->p, pkcodec->len) != 0))
		return 0;
	memset(&key, 0, sizeof(key));
	if (lay_codec_decode_value(&s->arena, &key.pk, &used, rec.key, rec.key_len, NULL) < 0 ||
	    (rec.has_sk && lay_codec_decode_value(&s->arena, &key.sk, &used_sk, rec.key + used,
					    rec.key_len - used, NULL) < 0))
		return 0;
	if (target_init(&tg, t, &key, NULL) < 0)
		return 0; /* a key of an earlier schema */
	if (pkenc && store_bytes_cmp(tg.pkenc.p, tg.pkenc.len, pkenc->p, pkenc->len) != 0) {
		target_free(&tg);
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		asof_entry *grown = realloc(s->e, cap * sizeof(*grown));

		if (!grown) {
			target_free(&tg);
			return lay_err_set(err, -ENOMEM, "out of memory reading the change log");
		}
		s->e = grown;
		s->cap = cap;
	}
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->seq = seq;
	e->hash = asof_key_hash(rec.key, rec.key_len);
	e->existed = rec.old_len > 0;
	e->image = rec.old;
	e->image_len = rec.old_len;
	e->has_kept = rec.has_old_meta;
	e->kept = rec.old_meta;
	rc = lay_buf_add(&e->pkenc, tg.pkenc.p, tg.pkenc.len) < 0 ||
	     lay_buf_add(&e->ienc, tg.ienc->p, tg.ienc->len) < 0;
	target_free(&tg);
	return rc ? lay_err_set(err, -ENOMEM, "out of memory reading the change log") : 0;
}

/* Entry e's metadata then (version_meta, written_at). */
static int settle(MDB_cursor *idx, const store_table *t, asof_entry *e, int64_t as_of_ns,
		  lay_err *err)
{
	int64_t mtime_ns = 0;
	int rc;

	if (!e->existed)
		return 0;
	if (!e->has_kept && (rc = written_at(idx, t, e->hash, as_of_ns, &mtime_ns, err)) < 0)
		return rc;
	return version_meta(t, e->image, e->image_len, e->has_kept ? &e->kept : NULL, mtime_ns,
			    as_of_ns, &e->meta, err);
}

int asof_changes(MDB_txn *txn, eng_db *db, const store_table *t, const lay_value *pk,
		 int64_t as_of_ns, int64_t now_ns, asof_set *out, lay_err *err)
{
	int64_t earliest = asof_earliest(t, now_ns);
	lay_buf pkenc = LAY_BUF_INIT, pkcodec = LAY_BUF_INIT;
	unsigned char k[12];
	MDB_cursor *cur, *idx;
	MDB_val kv, v;
	uint64_t seq;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (earliest < 0 || as_of_ns < earliest || as_of_ns > now_ns)
		return outside(t, as_of_ns, earliest, now_ns, err);
	if (pk && (lay_keyenc(&pkenc, pk) < 0 || lay_codec_encode_value(&pkcodec, pk) < 0)) {
		lay_buf_free(&pkenc);
		lay_buf_free(&pkcodec);
		return lay_err_set(err, -ENOMEM, "out of memory");
	}
	if ((rc = mdb_cursor_open(txn, db->log, &cur)) != 0) {
		lay_buf_free(&pkenc);
		lay_buf_free(&pkcodec);
		return store_mdb(rc, "reading the change log", err);
	}
	if ((rc = first_after(cur, t->tid, as_of_ns, &seq, err)) < 0 || seq == UINT64_MAX)
		goto out;
	store_be32(k, t->tid);
	store_be64(k + 4, seq);
	kv = (MDB_val){ sizeof(k), k };
	for (rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &kv, &v, MDB_NEXT)) {
		if (kv.mv_size != 12 || store_rd32(kv.mv_data) != t->tid)
			break;
		if ((rc = add_key(out, t, pk ? &pkenc : NULL, pk ? &pkcodec : NULL,
				  store_rd64((unsigned char *)kv.mv_data + 4), &v, err)) < 0)
			goto out;
	}
	if (rc && rc != MDB_NOTFOUND) {
		rc = store_mdb(rc, "reading the change log", err);
		goto out;
	}
	rc = 0;
	/* one entry per key, its first change after the time (whose old image
	 * is what it was then), then its metadata */
	if (out->n > 1)
		qsort(out->e, out->n, sizeof(*out->e), entry_seq_cmp);
	for (i = n = 0; i < out->n; i++) {
		if (n && entry_cmp(&out->e[n - 1], &out->e[i]) == 0) {
			entry_free(&out->e[i]);
			continue;
		}
		out->e[n++] = out->e[i];
	}
	out->n = n;
	if ((rc = mdb_cursor_open(txn, db->logkeys, &idx)) != 0) {
		rc = store_mdb(rc, "reading the change log's index", err);
		goto out;
	}
	for (i = 0; i < out->n && rc == 0; i++)
		rc = settle(idx, t, &out->e[i], as_of_ns, err);
	mdb_cursor_close(idx);
out:
	mdb_cursor_close(cur);
	lay_buf_free(&pkenc);
	lay_buf_free(&pkcodec);
	return rc;
}

int asof_stats(MDB_txn *txn, eng_db *db, const store_table *t, int64_t as_of_ns, int64_t now_ns,
	       store_stats *st, lay_err *err)
{
	asof_set set;
	size_t i;
	int rc;

	if ((rc = asof_changes(txn, db, t, NULL, as_of_ns, now_ns, &set, err)) < 0)
		goto out;
	for (i = 0; i < set.n && rc == 0; i++) {
		const asof_entry *e = &set.e[i];
		target tg;

		if ((rc = target_init(&tg, t, &e->key, err)) < 0)
			break;
		tg.borrow = 1;
		if ((rc = target_find(txn, db, &tg, err)) == 0) {
			/* what it was then, instead of what it is now */
			st->count += (uint64_t)e->existed - (uint64_t)tg.exists;
			st->size += (uint64_t)(e->existed ? e->meta.size : 0) -
				    (uint64_t)(tg.exists ? tg.r.meta.size : 0);
		}
		target_free(&tg);
	}
out:
	asof_set_free(&set);
	return rc;
}
