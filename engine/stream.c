/* Streams (SPEC §8): each change of a table whose stream is on appends its
 * record, rendered once (layout/stream.c), in the transaction of the
 * change. Rows of "stream": [tid][offset u64] -> [time_ns u64][text]; the
 * stream's end is the meta counter "stream_end:<tid>". Offsets never move:
 * a trim deletes rows from the start and leaves the end alone. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/stream.h"
#include "change.h"

/* A cursor move that failed (not one that found nothing): the read fails
 * with it rather than take the stream for shorter than it is. */
static int seek_failed(int mrc)
{
	return mrc != 0 && mrc != MDB_NOTFOUND;
}

static void end_name(char *out, size_t size, uint32_t tid)
{
	snprintf(out, size, "stream_end:%u", tid);
}

/* The key attributes as an item of their own (for Keys). */
static int keys_item(lay_item *out, const store_table *t, const lay_key *key)
{
	size_t n = key->sk.type ? 2 : 1;

	if (!(out->a = lay_item_alloc(out, n * sizeof(lay_attr))))
		return -ENOMEM;
	out->a[0].name = lay_item_strdup(out, t->schema.pk, strlen(t->schema.pk));
	out->a[0].name_len = strlen(t->schema.pk);
	if (!out->a[0].name || lay_value_copy(out, &out->a[0].v, &key->pk) < 0)
		return -ENOMEM;
	if (n == 2) {
		out->a[1].name = lay_item_strdup(out, t->schema.sk, strlen(t->schema.sk));
		out->a[1].name_len = strlen(t->schema.sk);
		if (!out->a[1].name || lay_value_copy(out, &out->a[1].v, &key->sk) < 0)
			return -ENOMEM;
	}
	out->n = n;
	return 0;
}

int store_stream_append(MDB_txn *txn, eng_db *db, const store_table *t, uint64_t seq,
			int64_t time_ns, eng_event event, unsigned flags, const lay_key *key,
			const void *old, size_t old_len, const void *new_img, size_t new_len,
			lay_err *err)
{
	lay_item keys = LAY_ITEM_INIT, o = LAY_ITEM_INIT, n = LAY_ITEM_INIT;
	lay_stream_rec r = { 0 };
	lay_buf row = LAY_BUF_INIT;
	unsigned char k[12];
	char name[32];
	uint64_t end;
	int rc;

	if ((rc = keys_item(&keys, t, key)) < 0) {
		rc = lay_err_set(err, rc, "out of memory writing a stream record");
		goto out_free;
	}
	if ((old_len && (rc = lay_codec_decode(&o, old, old_len, err)) < 0) ||
	    (new_len && (rc = lay_codec_decode(&n, new_img, new_len, err)) < 0))
		goto out_free;
	r.seq = seq;
	r.time_ns = time_ns;
	r.event = event;
	r.service = (flags & ENG_CHANGE_SERVICE) != 0;
	r.view = t->settings.stream_view;
	r.region = "local";
	r.keys = &keys;
	r.old_image = old_len ? &o : NULL;
	r.new_image = new_len ? &n : NULL;
	if (store_add64(&row, (uint64_t)time_ns) < 0 || lay_stream_render(&row, &r) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory writing a stream record");
		goto out_free;
	}
	end_name(name, sizeof(name), t->tid);
	if ((rc = store_counter_get(txn, db, name, &end, err)) < 0)
		goto out_free;
	store_be32(k, t->tid);
	store_be64(k + 4, end);
	if ((rc = store_append(txn, db->stream, k, sizeof(k), row.p, row.len, err)) < 0)
		goto out_free;
	rc = store_counter_set(txn, db, name, end + row.len - 8, err);
out_free:
	lay_item_free(&keys);
	lay_item_free(&o);
	lay_item_free(&n);
	lay_buf_free(&row);
	return rc;
}

struct sread {
	eng_db *db;
	const char *table;
	uint64_t off;
	size_t len;
	lay_buf *out;
	uint64_t size;
};

static int size_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct sread *c = vctx;
	store_table t;
	char name[32];
	int rc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	end_name(name, sizeof(name), t.tid);
	return store_counter_get(txn, c->db, name, &c->size, err);
}

int eng_stream_size(eng_db *db, const char *table, uint64_t *out, lay_err *err)
{
	struct sread c = { db, table, 0, 0, NULL, 0 };
	int rc = store_read(db, size_txn, &c, err);

	if (rc == 0)
		*out = c.size;
	return rc;
}

/* Append n bytes of the trimmed region [from, from + n) that ends at end. */
static int add_blank(lay_buf *out, uint64_t from, size_t n, uint64_t end)
{
	size_t i;

	if (lay_buf_grow(out, n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		out->p[out->len + i] = from + i + 1 == end ? '\n' : ' ';
	out->len += n;
	out->p[out->len] = '\0';
	return 0;
}

static int read_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct sread *c = vctx;
	unsigned char k[12];
	MDB_cursor *cur;
	MDB_val key = { sizeof(k), k }, val;
	uint64_t pos = c->off, start, first;
	store_table t;
	char name[32];
	int rc, mrc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	end_name(name, sizeof(name), t.tid);
	if ((rc = store_counter_get(txn, c->db, name, &c->size, err)) < 0)
		return rc;
	if (pos >= c->size)
		return 0;
	if (c->len > c->size - pos)
		c->len = (size_t)(c->size - pos);
	if ((rc = mdb_cursor_open(txn, c->db->stream, &cur)) != 0)
		return store_mdb(rc, "reading a stream", err);
	/* the first record starting at or before pos, else the first one */
	store_be32(k, t.tid);
	store_be64(k + 4, pos);
	mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (seek_failed(mrc))
		goto out_close;
	if (mrc == 0 && key.mv_size == 12 && memcmp(key.mv_data, k, 4) == 0 &&
	    store_rd64((unsigned char *)key.mv_data + 4) > pos) {
		MDB_val pk, pv;
		int prc = mdb_cursor_get(cur, &pk, &pv, MDB_PREV);

		if (seek_failed(mrc = prc))
			goto out_close;
		if (prc == 0 && pk.mv_size == 12 && memcmp(pk.mv_data, k, 4) == 0) {
			mrc = 0;
			key = pk;
			val = pv;
		} else {
			/* pos lies before the first kept record: start at that one */
			key.mv_size = sizeof(k);
			key.mv_data = k;
			mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		}
	} else if (mrc == MDB_NOTFOUND || (mrc == 0 && memcmp(key.mv_data, k, 4) != 0)) {
		mrc = mdb_cursor_get(cur, &key, &val, mrc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
	}
	rc = 0;
	for (; mrc == 0 && c->len; mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const char *text;
		size_t tlen, skip, take;

		if (key.mv_size != 12 || memcmp(key.mv_data, k, 4) != 0)
			break;
		start = store_rd64((unsigned char *)key.mv_data + 4);
		if (val.mv_size < 8) {
			rc = lay_err_set(err, -EIO, "a stream record is corrupt");
			break;
		}
		text = (const char *)val.mv_data + 8;
		tlen = val.mv_size - 8;
		if (start + tlen <= pos)
			continue;
		if (start > pos) {
			/* a trimmed stretch before this record */
			first = start;
			take = (size_t)(first - pos) < c->len ? (size_t)(first - pos) : c->len;
			if (add_blank(c->out, pos, take, first) < 0) {
				rc = -ENOMEM;
				break;
			}
			pos += take;
			c->len -= take;
			if (!c->len)
				break;
		}
		skip = (size_t)(pos - start);
		take = tlen - skip < c->len ? tlen - skip : c->len;
		if (lay_buf_add(c->out, text + skip, take) < 0) {
			rc = -ENOMEM;
			break;
		}
		pos += take;
		c->len -= take;
	}
out_close:
	mdb_cursor_close(cur);
	if (seek_failed(mrc) && rc == 0)
		return store_mdb(mrc, "reading a stream", err);
	if (rc == -ENOMEM)
		return lay_err_set(err, rc, "out of memory reading a stream");
	if (rc == 0 && c->len && pos < c->size) {
		/* everything up to the end was trimmed */
		if (add_blank(c->out, pos, c->len, c->size) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory reading a stream");
	}
	return rc;
}

int eng_stream_read(eng_db *db, const char *table, uint64_t off, size_t len, lay_buf *out,
		    lay_err *err)
{
	struct sread c = { db, table, off, len, out, 0 };

	return store_read(db, read_txn, &c, err);
}

struct sscan {
	eng_db *db;
	const char *table;
	uint64_t off;
	eng_stream_cb cb;
	void *ctx;
	uint64_t end, first;
};

/* Whether the cursor's row is a record of the stream whose key prefix is k. */
static int ours(const MDB_val *key, const unsigned char *k)
{
	return key->mv_size == 12 && memcmp(key->mv_data, k, 4) == 0;
}

static int scan_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct sscan *c = vctx;
	unsigned char k[12];
	MDB_cursor *cur;
	MDB_val key = { sizeof(k), k }, val;
	store_table t;
	char name[32];
	int rc, mrc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	end_name(name, sizeof(name), t.tid);
	if ((rc = store_counter_get(txn, c->db, name, &c->end, err)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, c->db->stream, &cur)) != 0)
		return store_mdb(rc, "reading a stream", err);
	store_be32(k, t.tid);
	memset(k + 4, 0, 8);
	mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (seek_failed(mrc))
		goto out_close;
	c->first = mrc == 0 && ours(&key, k) ? store_rd64((unsigned char *)key.mv_data + 4) : c->end;
	/* the record holding off: the last one starting at or before it */
	store_be64(k + 4, c->off);
	key.mv_size = sizeof(k);
	key.mv_data = k;
	mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (seek_failed(mrc))
		goto out_close;
	if (mrc == 0 && ours(&key, k) && store_rd64((unsigned char *)key.mv_data + 4) == c->off) {
		/* a record starts at off */
	} else {
		MDB_val pk, pv;
		int prc = mdb_cursor_get(cur, &pk, &pv, mrc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);

		if (seek_failed(prc)) {
			mrc = prc;
			goto out_close;
		}
		if (prc == 0 && ours(&pk, k) && pv.mv_size >= 8 &&
		    store_rd64((unsigned char *)pk.mv_data + 4) + (pv.mv_size - 8) > c->off) {
			key = pk;
			val = pv;
			mrc = 0;
		} else if (mrc == 0 && ours(&key, k)) {
			/* back to the first record after off */
			key.mv_size = sizeof(k);
			key.mv_data = k;
			mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		} else {
			mrc = MDB_NOTFOUND;
		}
	}
	rc = 0;
	for (; mrc == 0 && ours(&key, k); mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		eng_stream_rec r;

		if (val.mv_size < 8) {
			rc = lay_err_set(err, -EIO, "a stream record is corrupt");
			break;
		}
		r.off = store_rd64((unsigned char *)key.mv_data + 4);
		r.time_ns = (int64_t)store_rd64(val.mv_data);
		r.text = (const char *)val.mv_data + 8;
		r.len = val.mv_size - 8;
		if ((rc = c->cb(c->ctx, &r)) != 0)
			break;
	}
out_close:
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return store_mdb(mrc, "reading a stream", err);
	return rc < 0 ? rc : 0;
}

int eng_stream_scan(eng_db *db, const char *table, uint64_t off, eng_stream_cb cb, void *ctx,
		    uint64_t *end, uint64_t *first, lay_err *err)
{
	struct sscan c = { db, table, off, cb, ctx, 0, 0 };
	int rc = store_read(db, scan_txn, &c, err);

	if (rc == 0 && end)
		*end = c.end;
	if (rc == 0 && first)
		*first = c.first;
	return rc;
}

struct strim {
	eng_db *db;
	const char *table;
	int64_t before;
	int more;
};

#define TRIM_BATCH 10000

static int trim_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct strim *c = vctx;
	unsigned char k[12];
	MDB_cursor *cur;
	MDB_val key = { sizeof(k), k }, val;
	store_table t;
	size_t n = 0;
	int rc, mrc;

	c->more = 0;
	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, c->db->stream, &cur)) != 0)
		return store_mdb(rc, "trimming a stream", err);
	store_be32(k, t.tid);
	memset(k + 4, 0, 8);
	for (mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != 12 || memcmp(key.mv_data, k, 4) != 0 || val.mv_size < 8 ||
		    (int64_t)store_rd64(val.mv_data) >= c->before)
			break;
		if (n == TRIM_BATCH) {
			c->more = 1;
			break;
		}
		if ((mrc = mdb_cursor_del(cur, 0)) != 0)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return store_mdb(mrc, "trimming a stream", err);
	return 0;
}

int eng_stream_trim(eng_db *db, const char *table, int64_t before_ns, lay_err *err)
{
	struct strim c = { db, table, before_ns, 0 };
	int rc;

	do
		rc = store_write_frees(db, trim_txn, &c, err);
	while (rc == 0 && c.more);
	return rc;
}
