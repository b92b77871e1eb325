/* The change log (SPEC §8, §12, §15): one record per item-level change,
 * written in the transaction of the change (store_log_change), keyed [tid][seq] with
 * seq from the db-wide counter "last_seq" (never reused, not even after a
 * trim or a table's deletion). Record: version, event, flags, time, the key
 * (lay_codec values: the schema may change once the table is empty again),
 * then the old and new images as lay_codec encodings.
 * Only tables with PITR on keep records (what PITR, and the exports and
 * replicas built on it, read): for the rest a record would only hold a
 * second copy of every item, and a delete would move the item's bytes into
 * the log instead of freeing them. Streams keep their own records. */
#include "engine.h"

#include <errno.h>
#include <string.h>

#include "../layout/codec.h"
#include "asof.h"
#include "change.h"

/* records deleted per transaction by a trim, so a huge trim never makes a
 * transaction too large for LMDB */
#define TRIM_BATCH 10000

int store_log_change(MDB_txn *txn, eng_db *db, const store_table *t, int64_t time_ns,
		     eng_event event, unsigned flags, const lay_key *key, const void *old,
		     size_t old_len, const eng_meta *old_meta, const void *new_img,
		     size_t new_len, lay_err *err)
{
	static const eng_meta none;
	uint32_t tid = t->tid;
	lay_buf b = LAY_BUF_INIT;
	unsigned char k[12];
	size_t klen_at;
	uint64_t seq;
	int rc, bad = 0;

	if ((rc = store_counter_next(txn, db, STORE_SEQ, &seq, err)) < 0)
		return rc;
	if (!t->settings.pitr)
		goto out_stream;

	bad |= store_add8(&b, STORE_LOG_VERSION);
	bad |= store_add8(&b, event);
	bad |= store_add8(&b, flags);
	bad |= store_add8(&b, key->sk.type != 0);
	bad |= store_add64(&b, (uint64_t)time_ns);
	klen_at = b.len;
	bad |= store_add32(&b, 0);
	bad |= lay_codec_encode_value(&b, &key->pk);
	if (key->sk.type)
		bad |= lay_codec_encode_value(&b, &key->sk);
	if (!bad)
		store_be32((unsigned char *)b.p + klen_at, (uint32_t)(b.len - klen_at - 4));
	bad |= store_add32(&b, (uint32_t)old_len);
	if (old_len) {
		if (!old_meta)
			old_meta = &none;
		bad |= lay_buf_add(&b, old, old_len);
		bad |= store_add32(&b, old_meta->mode);
		bad |= store_add32(&b, old_meta->uid);
		bad |= store_add32(&b, old_meta->gid);
		bad |= store_add64(&b, (uint64_t)old_meta->mtime_ns);
		bad |= store_add64(&b, (uint64_t)old_meta->ctime_ns);
	}
	if (new_len)
		bad |= lay_buf_add(&b, new_img, new_len);
	if (bad) {
		rc = lay_err_set(err, -ENOMEM, "out of memory writing a change record");
		goto out_free;
	}
	store_be32(k, tid);
	store_be64(k + 4, seq);
	rc = store_append(txn, db->log, k, sizeof(k), b.p, b.len, err);
	if (rc == 0)
		rc = asof_index(txn, db, tid, b.p + klen_at + 4,
				store_rd32((unsigned char *)b.p + klen_at), time_ns, seq, err);
	lay_buf_free(&b);
	if (rc < 0)
		return rc;
out_stream:
	if (t->settings.stream_view == LAY_VIEW_OFF)
		return 0;
	return store_stream_append(txn, db, t, seq, time_ns, event, flags, key, old, old_len,
				   new_img, new_len, err);
out_free:
	lay_buf_free(&b);
	return rc;
}

struct read_ctx {
	eng_db *db;
	const char *table;
	uint64_t after;
	size_t max;
	eng_log_cb cb;
	void *ctx;
};

/* Decode one record and hand it to the callback. */
static int deliver(struct read_ctx *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	lay_item keys = LAY_ITEM_INIT, old = LAY_ITEM_INIT, new_img = LAY_ITEM_INIT;
	size_t used, used_sk;
	asof_record rec;
	lay_key key;
	eng_change ch;
	int rc;

	memset(&ch, 0, sizeof(ch));
	memset(&key, 0, sizeof(key));
	ch.seq = store_rd64((unsigned char *)k->mv_data + 4);
	if (asof_record_parse(v->mv_data, v->mv_size, &rec, NULL) < 0)
		return lay_err_set(err, -EIO, "change record %llu is corrupt or of an unknown "
				   "version", (unsigned long long)ch.seq);
	ch.event = (eng_event)rec.event;
	ch.flags = rec.flags;
	ch.time_ns = rec.time_ns;
	if ((rc = lay_codec_decode_value(&keys, &key.pk, &used, rec.key, rec.key_len, err)) < 0)
		goto out_free;
	if (rec.has_sk && (rc = lay_codec_decode_value(&keys, &key.sk, &used_sk, rec.key + used,
						      rec.key_len - used, err)) < 0)
		goto out_free;
	ch.key = &key;
	if (rec.old_len) {
		if ((rc = lay_codec_decode(&old, rec.old, rec.old_len, err)) < 0)
			goto out_free;
		ch.old_image = &old;
	}
	if (rec.new_len) {
		if ((rc = lay_codec_decode(&new_img, rec.new_img, rec.new_len, err)) < 0)
			goto out_free;
		ch.new_image = &new_img;
	}
	rc = c->cb(c->ctx, &ch);
out_free:
	lay_item_free(&keys);
	lay_item_free(&old);
	lay_item_free(&new_img);
	return rc;
}

static int read_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct read_ctx *c = vctx;
	unsigned char start[12];
	MDB_cursor *cur;
	store_table t;
	MDB_val k, v;
	size_t n = 0;
	int rc = 0, mrc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	if (c->after == UINT64_MAX)
		return 0;
	store_be32(start, t.tid);
	store_be64(start + 4, c->after + 1);
	if ((rc = mdb_cursor_open(txn, c->db->log, &cur)) != 0)
		return store_mdb(rc, "reading the change log", err);
	k.mv_size = sizeof(start);
	k.mv_data = start;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 12 || memcmp(k.mv_data, start, 4) != 0)
			break;
		if ((rc = deliver(c, &k, &v, err)) != 0)
			break;
		if (c->max && ++n == c->max)
			break;
	}
	mdb_cursor_close(cur);
	if (rc)
		return rc < 0 ? rc : 0;
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_mdb(mrc, "reading the change log", err);
}

int eng_log_read(eng_db *db, const char *table, uint64_t after, size_t max, eng_log_cb cb,
		 void *ctx, lay_err *err)
{
	struct read_ctx c = { db, table, after, max, cb, ctx };

	return store_read(db, read_txn, &c, err);
}

struct trim_ctx {
	eng_db *db;
	const char *table;
	int64_t before_ns;
	size_t trimmed; /* by this run of the transaction */
	int done;
};

/* Take the log record k, v of table t out of the index by key. */
static int unindex(MDB_txn *txn, eng_db *db, const store_table *t, const MDB_val *k,
		   const MDB_val *v, lay_err *err)
{
	asof_record rec;

	if (asof_record_parse(v->mv_data, v->mv_size, &rec, NULL) < 0)
		return 0; /* a corrupt record has no entry to find */
	return asof_unindex(txn, db, t->tid, rec.key, rec.key_len, rec.time_ns,
			    store_rd64((const unsigned char *)k->mv_data + 4), err);
}

/* One batch of a trim: the oldest records of the table, while older than
 * before_ns. Records are in seq order, which is commit order, so the first
 * record new enough ends the trim. */
static int trim_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct trim_ctx *c = vctx;
	unsigned char prefix[4];
	MDB_cursor *cur;
	store_table t;
	MDB_val k, v;
	int rc;

	c->trimmed = 0;
	c->done = 1;
	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	store_be32(prefix, t.tid);
	if ((rc = mdb_cursor_open(txn, c->db->log, &cur)) != 0)
		return store_mdb(rc, "trimming the change log", err);
	k.mv_size = 4;
	k.mv_data = prefix;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == 12 && memcmp(k.mv_data, prefix, 4) == 0) {
		if (v.mv_size < 12 ||
		    (int64_t)store_rd64((unsigned char *)v.mv_data + 4) >= c->before_ns)
			break;
		if (c->trimmed == TRIM_BATCH) {
			c->done = 0;
			break;
		}
		if ((rc = unindex(txn, c->db, &t, &k, &v, err)) < 0) {
			mdb_cursor_close(cur);
			return rc;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		c->trimmed++;
		k.mv_size = 4;
		k.mv_data = prefix;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "trimming the change log", err);
}

int eng_log_trim(eng_db *db, const char *table, int64_t before_ns, size_t *trimmed,
		 lay_err *err)
{
	struct trim_ctx c = { db, table, before_ns, 0, 0 };
	size_t total = 0;
	int rc;

	do {
		if ((rc = store_write_frees(db, trim_txn, &c, err)) < 0)
			break;
		total += c.trimmed;
	} while (!c.done);
	if (trimmed)
		*trimmed = total;
	return rc;
}

struct seq_ctx {
	eng_db *db;
	uint64_t seq;
};

static int seq_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct seq_ctx *c = vctx;

	return store_counter_get(txn, c->db, STORE_SEQ, &c->seq, err);
}

uint64_t eng_log_last_seq(eng_db *db)
{
	struct seq_ctx c = { db, 0 };

	if (store_read(db, seq_txn, &c, NULL) < 0)
		return 0;
	return c.seq;
}
