/* Backups and restores (SPEC §12; engine.h says what each call does).
 *
 * Design
 * - A backup is a copy of its table's rows (parts, items, names) under a
 *   table number of its own that no table record names. A read in a
 *   backup view asks store_view_table for the table and finds the backup,
 *   so every read of a live table reads backups too. The backup's record,
 *   in "backups" keyed by that number, holds the table's name, its own,
 *   the key schema, the directory's metadata and its state; "tstats" its
 *   count, size and times, as for a table.
 * - A backup reads in one read transaction (one instant, and writers go
 *   on) and writes in batches of transactions of its own, resting between
 *   them (it is background work: writers keep the cores). The map cannot
 *   grow while the read is open, so it is grown first by what the copy
 *   will take; should that fall short the copy starts over with more.
 *   The record says CREATING until the copy is whole; an open
 *   (store_backup_recover) removes what a crash left CREATING.
 * - Copies take fresh ids (inode numbers), given in the order of the old
 *   ones, so the copied keys stay in order and rows are appended.
 * - A restore copies the same way into a new number (its record says
 *   CREATING, of type RESTORE), then names it in one transaction with the
 *   table record. From a point in time it writes the items the as-of view
 *   lists, each as a put would, without change records.
 */
#include "backup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../layout/codec.h"
#include "../layout/describe.h"
#include "../layout/ttl.h"
#include "asof.h"
#include "cache.h"
#include "capacity.h"
#include "journal.h"
#include "req.h"
#include "row.h"

#define NS 1000000000LL
/* SYSTEM backups are kept as long as PITR's window */
#define SYSTEM_KEEP_NS ASOF_WINDOW_NS
/* bytes of rows written per transaction: the single writer's lock is
 * held briefly, and others' writes take turns with the copy */
#define BATCH_BYTES ((size_t)256 << 10)
/* a backup is work in the background: when others wrote while it copied a
 * batch, it rests this many times as long as the batch took, leaving the
 * writer's lock and the cores to them; alone it does not rest. While it
 * reads, the writers' commits cannot reuse the pages they free and take
 * fresh ones from the map, which cannot grow until the read ends: when the
 * map's room nears what the copy still needs, it rests no more */
#define BACKUP_REST 3

/* Delete the rows kept under number id, and (with record) its record. */
static int rows_drop(MDB_txn *txn, eng_db *db, uint32_t id, int record, lay_err *err)
{
	unsigned char k[4];
	int rc;

	store_be32(k, id);
	if ((rc = store_del_prefix(txn, db->items, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->parts, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->names, k, 4, err)) < 0)
		return rc;
	if ((rc = store_del(txn, db->tstats, k, 4, err)) < 0 && rc != -ENOENT)
		return rc;
	if (record && (rc = store_del(txn, db->backups, k, 4, err)) < 0 && rc != -ENOENT)
		return rc;
	lay_err_clear(err);
	return 0;
}

struct drop_ctx {
	eng_db *db;
	uint32_t id;
	int record;
};

static int drop_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct drop_ctx *c = vctx;

	return rows_drop(txn, c->db, c->id, c->record, err);
}

int store_backup_drop(eng_db *db, uint32_t id, lay_err *err)
{
	struct drop_ctx c = { db, id, 1 };

	return store_write_frees(db, drop_txn, &c, err);
}

/* Drop the rows of a copy that starts over; its record stays. */
static int rows_clear(eng_db *db, uint32_t id, lay_err *err)
{
	struct drop_ctx c = { db, id, 0 };

	return store_write_frees(db, drop_txn, &c, err);
}

/* ---- Copying rows ---- */

/* Rows of one table number, copied under another from one read
 * transaction. */
struct copy {
	eng_db *db;
	MDB_txn *txn;        /* the read */
	const char *table;   /* what is copied: table in backup view backup */
	uint32_t backup;
	uint32_t dst;
	store_table src;     /* as the read saw it */
	int64_t at;          /* the instant read */
	uint64_t next_id;    /* the next fresh id */
	uint64_t *pids;      /* the partitions' old ids, sorted; the new id of
	                      * pids[i] is pid_base + i */
	size_t npids;
	uint64_t pid_base;
	unsigned char *used; /* pids[i] holds a copied item */
	store_stats st;      /* of the copy */
	/* a batch: [dbi u8][klen u16][vlen u32][key][value]... */
	lay_buf batch;
	lay_buf row, key;
	size_t bytes;        /* the rows' bytes, to make room for */
	size_t copied;       /* the bytes written so far */
	int yield;           /* rest between batches (BACKUP_REST) */
	int64_t mark;        /* when the batch began */
	uint64_t commits;    /* the database's commits after the last batch */
};

static MDB_dbi dbi_of(eng_db *db, unsigned which)
{
	return which == 0 ? db->parts : which == 1 ? db->items : db->names;
}

static int batch_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct copy *c = vctx;
	const unsigned char *p = (const unsigned char *)c->batch.p, *end = p + c->batch.len;
	int rc;

	while (p < end) {
		unsigned which = p[0];
		size_t klen = (size_t)p[1] << 8 | p[2], vlen = store_rd32(p + 3);

		p += 7;
		if ((rc = store_append(txn, dbi_of(c->db, which), p, klen, p + klen, vlen, err)) < 0)
			return rc;
		p += klen + vlen;
	}
	return 0;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int flush(struct copy *c, lay_err *err)
{
	int64_t spent, rest;
	uint64_t others;
	int rc;

	if (!c->batch.len)
		return 0;
	others = atomic_load(&c->db->commits) - c->commits;
	rc = store_write(c->db, batch_txn, c, err);
	c->commits = atomic_load(&c->db->commits);
	c->copied += c->batch.len;
	lay_buf_reset(&c->batch);
	if (rc == 0 && c->yield) {
		size_t left = c->bytes > c->copied ? c->bytes - c->copied : 0;
		int roomy = store_fresh_room(c->db) > 2 * left + ((size_t)32 << 20);

		spent = mono_ns() - c->mark;
		rest = others && roomy ? spent * BACKUP_REST : 0;
		if (rest > 0) {
			struct timespec ts = { rest / NS, rest % NS };

			nanosleep(&ts, NULL);
		}
		c->mark = mono_ns();
	}
	return rc;
}

/* Add the row (key [dst] + tail, value v) to the batch. */
static int add_row(struct copy *c, unsigned which, const void *tail, size_t tlen, const void *v,
		   size_t vlen, lay_err *err)
{
	unsigned char h[7 + 4];

	h[0] = (unsigned char)which;
	h[1] = (unsigned char)((tlen + 4) >> 8);
	h[2] = (unsigned char)(tlen + 4);
	store_be32(h + 3, (uint32_t)vlen);
	store_be32(h + 7, c->dst);
	if (lay_buf_add(&c->batch, h, sizeof(h)) < 0 || lay_buf_add(&c->batch, tail, tlen) < 0 ||
	    lay_buf_add(&c->batch, v, vlen) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory copying rows");
	return c->batch.len >= BATCH_BYTES ? flush(c, err) : 0;
}

/* Call fn(c, key, value) for every row of dbi under table number tid. */
typedef int (*row_fn)(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err);

static int rows_each(MDB_txn *txn, MDB_dbi dbi, uint32_t tid, struct copy *c, row_fn fn,
		     lay_err *err)
{
	unsigned char pre[4];
	MDB_cursor *cur;
	MDB_val k = { 4, pre }, v;
	int rc, frc = 0;

	store_be32(pre, tid);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return store_mdb(rc, "copying rows", err);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size >= 4 && memcmp(k.mv_data, pre, 4) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((frc = fn(c, &k, &v, err)) < 0)
			break;
	}
	mdb_cursor_close(cur);
	if (frc < 0)
		return frc;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "copying rows", err);
}

static int count_bytes(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	(void)err;
	c->bytes += k->mv_size + v->mv_size + 16;
	return 0;
}

static int collect_pid(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	part_row p;
	uint64_t *grown;
	int rc;

	(void)k;
	if ((rc = row_part_parse(&p, v->mv_data, v->mv_size, err)) < 0)
		return rc;
	if ((c->npids & (c->npids - 1)) == 0) {
		if (!(grown = realloc(c->pids, (c->npids ? c->npids * 2 : 1) * sizeof(*grown))))
			return lay_err_set(err, -ENOMEM, "out of memory copying partitions");
		c->pids = grown;
	}
	c->pids[c->npids++] = p.dm.id;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The index of old partition id pid, or -1. */
static long pid_index(const struct copy *c, uint64_t pid)
{
	const uint64_t *p = c->npids ? bsearch(&pid, c->pids, c->npids, sizeof(pid), cmp_u64) : NULL;

	return p ? (long)(p - c->pids) : -1;
}

static int copy_item(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	unsigned char tail[8];
	uint64_t pid, npid = 0;
	item_row r;
	long i = -1;
	int rc;

	if (k->mv_size < 12)
		return lay_err_set(err, -EIO, "an item row's key is corrupt");
	if ((rc = row_item_parse(&r, v->mv_data, v->mv_size, c->db->format, err)) < 0)
		return rc;
	if (lay_ttl_expired(r.meta.expires, c->at))
		return 0; /* gone for readers at that instant */
	pid = store_rd64(kp + 4);
	if (pid) {
		if ((i = pid_index(c, pid)) < 0)
			return lay_err_set(err, -EIO, "an item of table %s has no partition",
					   c->src.name);
		npid = c->pid_base + (uint64_t)i;
		c->used[i] = 1;
	}
	r.meta.id = c->next_id++;
	r.meta.expires = 0; /* no TTL: settings are not copied */
	if (row_item_build(&c->row, &r) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory copying items");
	c->st.count++;
	c->st.size += r.meta.size;
	/* [dst][new pid][key part] */
	store_be64(tail, npid);
	lay_buf_reset(&c->key);
	if (lay_buf_add(&c->key, tail, 8) < 0 ||
	    lay_buf_add(&c->key, kp + 12, k->mv_size - 12) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory copying items");
	return add_row(c, 1, c->key.p, c->key.len, c->row.p, c->row.len, err);
}

static int copy_part(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	part_row p;
	long i;
	int rc;

	if ((rc = row_part_parse(&p, v->mv_data, v->mv_size, err)) < 0)
		return rc;
	if ((i = pid_index(c, p.dm.id)) < 0 || !c->used[i])
		return 0; /* only items past their TTL: gone then */
	p.dm.id = c->pid_base + (uint64_t)i;
	if (row_part_build(&c->row, &p) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory copying partitions");
	return add_row(c, 0, (const unsigned char *)k->mv_data + 4, k->mv_size - 4, c->row.p,
		       c->row.len, err);
}

/* 1 if the names row k, v names what the copy takes: a partition (pid 0
 * in a table with a sort key) that holds a copied item, or an item not
 * past its TTL at the instant read; 0 if not (its names row would name
 * nothing in the copy), or < 0. */
static int name_copied(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	int part = c->src.schema.sk_type && !store_rd64((const unsigned char *)k->mv_data + 4);
	lay_buf key = LAY_BUF_INIT;
	MDB_val row;
	part_row p;
	item_row r;
	long i;
	int rc;

	if (lay_buf_add(&key, k->mv_data, part ? 4 : 12) < 0 ||
	    store_keypart(&key, v->mv_data, v->mv_size) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory copying names");
	else
		rc = store_get(c->txn, part ? c->db->parts : c->db->items, key.p, key.len, &row, err);
	lay_buf_free(&key);
	if (rc == -ENOENT) {
		lay_err_clear(err);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (part) {
		if ((rc = row_part_parse(&p, row.mv_data, row.mv_size, err)) < 0)
			return rc;
		return (i = pid_index(c, p.dm.id)) >= 0 && c->used[i];
	}
	if ((rc = row_item_parse(&r, row.mv_data, row.mv_size, c->db->format, err)) < 0)
		return rc;
	return !lay_ttl_expired(r.meta.expires, c->at);
}

static int copy_name(struct copy *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	unsigned char *tail;
	uint64_t pid;
	long i = -1;
	int rc;

	if (k->mv_size < 12)
		return lay_err_set(err, -EIO, "a names row's key is corrupt");
	pid = store_rd64((const unsigned char *)k->mv_data + 4);
	if (pid && ((i = pid_index(c, pid)) < 0 || !c->used[i]))
		return 0;
	if ((rc = name_copied(c, k, v, err)) <= 0)
		return rc; /* the copy left its partition or item out: expired */
	if (!(tail = malloc(k->mv_size - 4)))
		return lay_err_set(err, -ENOMEM, "out of memory copying names");
	memcpy(tail, (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	store_be64(tail, pid ? c->pid_base + (uint64_t)i : 0);
	rc = add_row(c, 2, tail, k->mv_size - 4, v->mv_data, v->mv_size, err);
	free(tail);
	return rc;
}

struct ids_ctx {
	eng_db *db;
	uint64_t n, first;
};

static int ids_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct ids_ctx *c = vctx;
	uint64_t last;
	int rc;

	if ((rc = store_counter_get(txn, c->db, STORE_OID, &last, err)) < 0)
		return rc;
	c->first = last + 1;
	return store_counter_set(txn, c->db, STORE_OID, last + c->n, err);
}

/* The copy itself, in the read transaction txn. */
static int copy_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct copy *c = vctx;
	struct ids_ctx ids = { c->db, 0, 0 };
	store_stats src;
	int rc;

	c->txn = txn;
	c->at = eng_clock_now_ns(c->db->clock);
	c->mark = mono_ns();
	if ((rc = store_view_table(txn, c->db, c->backup, c->table, &c->src, err)) < 0 ||
	    (rc = store_stats_get(txn, c->db, c->src.tid, &src, err)) < 0 ||
	    (rc = rows_each(txn, c->db->parts, c->src.tid, c, collect_pid, err)) < 0)
		return rc;
	if (c->npids) {
		qsort(c->pids, c->npids, sizeof(*c->pids), cmp_u64);
		if (!(c->used = calloc(c->npids, 1)))
			return lay_err_set(err, -ENOMEM, "out of memory copying partitions");
	}
	ids.n = c->npids + src.count + 1;
	if ((rc = store_write(c->db, ids_txn, &ids, err)) < 0)
		return rc;
	c->commits = atomic_load(&c->db->commits);
	c->pid_base = ids.first;
	c->next_id = ids.first + c->npids;
	memset(&c->st, 0, sizeof(c->st));
	c->st.mtime_ns = src.mtime_ns;
	c->st.ctime_ns = src.ctime_ns;
	if ((rc = rows_each(txn, c->db->items, c->src.tid, c, copy_item, err)) < 0 ||
	    (rc = rows_each(txn, c->db->parts, c->src.tid, c, copy_part, err)) < 0 ||
	    (rc = rows_each(txn, c->db->names, c->src.tid, c, copy_name, err)) < 0)
		return rc;
	return flush(c, err);
}

static int measure_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct copy *c = vctx;
	store_table t;
	int rc;

	c->bytes = 0;
	if ((rc = store_view_table(txn, c->db, c->backup, c->table, &t, err)) < 0 ||
	    (rc = rows_each(txn, c->db->items, t.tid, c, count_bytes, err)) < 0 ||
	    (rc = rows_each(txn, c->db->parts, t.tid, c, count_bytes, err)) < 0)
		return rc;
	return rows_each(txn, c->db->names, t.tid, c, count_bytes, err);
}

static void copy_reset(struct copy *c)
{
	c->copied = 0;
	free(c->pids);
	free(c->used);
	c->pids = NULL;
	c->used = NULL;
	c->npids = 0;
	lay_buf_reset(&c->batch);
}

/* Copy table in backup view backup (0: live) under number dst, from one
 * read transaction. On failure what was written stays for the caller to
 * drop. */
static int copy_rows(struct copy *c, lay_err *err)
{
	size_t room;
	int rc, tries;

	if ((rc = store_read(c->db, measure_txn, c, err)) < 0)
		return rc;
	/* the copy's rows, pages half full at worst, and the writers' meanwhile,
	 * whose freed pages wait for the read to end */
	room = 2 * c->bytes + c->bytes / 2 + ((size_t)8 << 20);
	for (tries = 0;; tries++) {
		if ((rc = store_make_room(c->db, room, err)) < 0)
			return rc;
		rc = store_read(c->db, copy_txn, c, err);
		copy_reset(c);
		if (rc != -ENOSPC || tries == 2)
			return rc;
		/* the map ran short during the read: start over with more */
		lay_err_clear(err);
		if ((rc = rows_clear(c->db, c->dst, err)) < 0)
			return rc;
		room *= 2;
	}
}

/* ---- Copying items (from a point in time) ---- */

/* Items listed in an as-of view, written under number dst. */
struct icopy {
	eng_db *db;
	eng_req view;
	const char *table;
	store_table dst;     /* the new table's rows, as a table */
	store_stats st;
	/* a batch: [mode u32][uid u32][gid u32][mtime u64][ctime u64][len u32]
	 * [size u32][enc len u32][encoding]... */
	lay_buf batch;
	size_t n;
	encoded e;
	lay_item pkstore;    /* the partitions' values */
	lay_value *pks;
	size_t npks, cap;
};

static int ibatch_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct icopy *c = vctx;
	const unsigned char *p = (const unsigned char *)c->batch.p, *end = p + c->batch.len;
	int64_t now = eng_clock_now_ns(c->db->clock);
	struct ids_ctx ids = { c->db, c->n, 0 };
	store_stats st = c->st;
	int rc = 0;

	if ((rc = ids_txn(txn, &ids, err)) < 0)
		return rc;
	while (p < end && rc == 0) {
		lay_item it = LAY_ITEM_INIT;
		eng_meta m;
		lay_key key;
		target tg;
		size_t len;

		memset(&m, 0, sizeof(m));
		m.id = ids.first++;
		m.mode = store_rd32(p);
		m.uid = store_rd32(p + 4);
		m.gid = store_rd32(p + 8);
		m.mtime_ns = (int64_t)store_rd64(p + 12);
		m.ctime_ns = (int64_t)store_rd64(p + 20);
		m.len = store_rd32(p + 28);
		m.size = store_rd32(p + 32);
		len = store_rd32(p + 36);
		p += 40;
		memset(&tg, 0, sizeof(tg));
		if ((rc = lay_codec_view(&it, p, len, err)) == 0 &&
		    (rc = lay_item_key(&key, &it, &c->dst.schema, err)) == 0 &&
		    (rc = target_init(&tg, &c->dst, &key, err)) == 0 &&
		    (rc = target_find(txn, c->db, &tg, err)) == 0)
			rc = target_write(txn, c->db, &tg, &m, p, len, now, &st, err);
		target_free(&tg);
		lay_item_free(&it);
		p += len;
	}
	return rc;
}

static int iflush(struct icopy *c, lay_err *err)
{
	int rc;

	if (!c->n)
		return 0;
	rc = store_write(c->db, ibatch_txn, c, err);
	lay_buf_reset(&c->batch);
	c->n = 0;
	return rc;
}

static int icopy_item(struct icopy *c, const lay_item *it, const eng_meta *m, lay_err *err)
{
	unsigned char h[40];
	int rc;

	if ((rc = encode_item(&c->e, it, c->db->format, err)) < 0)
		return rc;
	/* the past is read-only; the restored table is not: its owner may write */
	store_be32(h, (m->mode | 0200) & 07777);
	store_be32(h + 4, m->uid);
	store_be32(h + 8, m->gid);
	store_be64(h + 12, (uint64_t)m->mtime_ns);
	store_be64(h + 20, (uint64_t)m->ctime_ns);
	store_be32(h + 28, c->e.len);
	store_be32(h + 32, c->e.size);
	store_be32(h + 36, (uint32_t)c->e.enc.len);
	if (lay_buf_add(&c->batch, h, sizeof(h)) < 0 ||
	    lay_buf_add(&c->batch, c->e.enc.p, c->e.enc.len) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory copying items");
	c->n++;
	c->st.count++;
	c->st.size += c->e.size;
	return c->batch.len >= BATCH_BYTES ? iflush(c, err) : 0;
}

struct ilist {
	struct icopy *c;
	lay_err *err;
};

static int ilist_cb(void *vctx, const eng_entry *e)
{
	struct ilist *l = vctx;
	struct icopy *c = l->c;
	lay_value *grown;

	if (!e->is_partition)
		return icopy_item(c, e->item, e->meta, l->err);
	if (c->npks == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		if (!(grown = realloc(c->pks, c->cap * sizeof(*grown))))
			return lay_err_set(l->err, -ENOMEM, "out of memory listing partitions");
		c->pks = grown;
	}
	if (lay_value_copy(&c->pkstore, &c->pks[c->npks], e->key) < 0)
		return lay_err_set(l->err, -ENOMEM, "out of memory listing partitions");
	c->npks++;
	return 0;
}

struct then_ctx {
	eng_db *db;
	const char *table;
	int64_t as_of;
	store_stats st;  /* out: the table's count and size then */
};

/* The table's count and size as of a time in its window, else -ENOENT. */
static int then_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct then_ctx *c = vctx;
	int64_t now = eng_clock_now_ns(c->db->clock), earliest;
	store_table t;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	earliest = asof_earliest(&t, now);
	if (earliest < 0 || c->as_of < earliest || c->as_of > now)
		return lay_err_set(err, -ENOENT, "table %s cannot be read as of that time%s",
				   c->table, earliest < 0 ? ": its PITR is off" : "");
	if ((rc = store_stats_get(txn, c->db, t.tid, &c->st, err)) < 0)
		return rc;
	return asof_stats(txn, c->db, &t, c->as_of, now, &c->st, err);
}

/* Copy the items c->view shows of c->table into c->dst: the top level,
 * then each partition. */
static int copy_items(struct icopy *c, lay_err *err)
{
	struct then_ctx then = { c->db, c->table, c->view.as_of_ns, { 0 } };
	struct ilist l = { c, err };
	size_t i;
	int rc;

	/* the writes happen inside the listings' reads, which cannot grow the
	 * map: room for them first */
	if ((rc = store_read(c->db, then_txn, &then, err)) < 0 ||
	    (rc = store_make_room(c->db, 3 * then.st.size + 64 * then.st.count + ((size_t)8 << 20),
				  err)) < 0 ||
	    (rc = eng_list(c->db, &c->view, c->table, NULL, NULL, 0, ENG_LIST_ITEMS, ilist_cb, &l,
			   err)) < 0)
		return rc;
	for (i = 0; i < c->npks && rc == 0; i++)
		rc = eng_list(c->db, &c->view, c->table, &c->pks[i], NULL, 0, ENG_LIST_ITEMS,
			      ilist_cb, &l, err);
	return rc < 0 ? rc : iflush(c, err);
}

static void icopy_free(struct icopy *c)
{
	lay_buf_free(&c->batch);
	lay_buf_free(&c->e.enc);
	lay_item_free(&c->pkstore);
	free(c->pks);
}

/* ---- The two copies, whole ---- */

/* Copy table as backup view backup (0: live) shows it under number dst,
 * from one read transaction, resting between batches when yield; *st gets
 * the copy's statistics, *src (may be NULL) the table as the read saw it
 * and *at (may be NULL) the instant it read. On failure what was written stays for the
 * caller to drop. */
static int copy_table(eng_db *db, const char *table, uint32_t backup, uint32_t dst, int yield,
		      store_stats *st, store_table *src, int64_t *at, lay_err *err)
{
	struct copy c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.backup = backup;
	c.dst = dst;
	c.yield = yield;
	rc = copy_rows(&c, err);
	*st = c.st;
	if (src)
		*src = c.src;
	if (at)
		*at = c.at;
	lay_buf_free(&c.batch);
	lay_buf_free(&c.row);
	lay_buf_free(&c.key);
	return rc;
}

/* Copy the items of table as of as_of_ns under record r's number; *st
 * gets the copy's statistics. As copy_table on failure. */
static int copy_point(eng_db *db, const char *table, int64_t as_of_ns, const store_bk *r,
		      store_stats *st, lay_err *err)
{
	struct icopy ic;
	int rc;

	memset(&ic, 0, sizeof(ic));
	ic.db = db;
	ic.view = (eng_req){ .view = ENG_VIEW_AS_OF, .as_of_ns = as_of_ns };
	ic.table = table;
	store_bk_table(r, &ic.dst);
	rc = copy_items(&ic, err);
	*st = ic.st;
	icopy_free(&ic);
	return rc;
}

/* ---- Backups ---- */

/* A record takes the key schema and directory of the table it holds. */
static void bk_take(store_bk *r, const store_table *t)
{
	r->schema = t->schema;
	r->mode = t->mode;
	r->uid = t->uid;
	r->gid = t->gid;
	r->table_created_ns = t->created_ns;
}

struct begin_ctx {
	eng_db *db;
	const char *table, *name;
	uint32_t backup;     /* the view the copy reads (restores) */
	int type;
	store_bk rec;          /* out: the record made */
};

/* Number a new backup (or restore) and record it as being made. */
static int begin_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct begin_ctx *c = vctx;
	store_table t;
	uint64_t tid;
	int rc;

	if ((rc = store_view_table(txn, c->db, c->backup, c->table, &t, err)) < 0)
		return rc;
	if (c->type == STORE_BK_RESTORE) {
		rc = store_table_get(txn, c->db, c->name, &t, err);
		if (rc == 0)
			return lay_err_set(err, -EEXIST, "table %s exists", c->name);
		if (rc != -ENOENT)
			return rc;
		lay_err_clear(err);
		/* the restore's own table's record is made at the end */
		if ((rc = store_view_table(txn, c->db, c->backup, c->table, &t, err)) < 0)
			return rc;
	} else if ((rc = store_bk_find(txn, c->db, c->table, c->name, &c->rec, err)) != 0) {
		return rc < 0 ? rc
			      : lay_err_set(err, -EEXIST, "table %s has a backup named %s",
					    c->table, c->name);
	}
	if ((rc = store_counter_next(txn, c->db, STORE_TID, &tid, err)) < 0)
		return rc;
	if (tid > UINT32_MAX)
		return lay_err_set(err, -ENOSPC, "table numbers are exhausted");
	memset(&c->rec, 0, sizeof(c->rec));
	c->rec.id = (uint32_t)tid;
	c->rec.status = STORE_BK_CREATING;
	c->rec.type = c->type;
	snprintf(c->rec.table, sizeof(c->rec.table), "%s",
		 c->type == STORE_BK_RESTORE ? c->name : c->table);
	snprintf(c->rec.name, sizeof(c->rec.name), "%s", c->type == STORE_BK_RESTORE ? "" : c->name);
	c->rec.created_ns = eng_clock_now_ns(c->db->clock);
	bk_take(&c->rec, &t);
	return store_bk_put(txn, c->db, &c->rec, err);
}

/* A copy that is whole: its record and statistics. */
struct done_ctx {
	eng_db *db;
	store_bk rec;
	store_stats st;
};

/* Write the record and statistics of a copy that is whole. */
static int done_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct done_ctx *c = vctx;
	int rc;

	if ((rc = store_bk_put(txn, c->db, &c->rec, err)) < 0)
		return rc;
	return store_stats_put(txn, c->db, c->rec.id, &c->st, err);
}

static void info_of(const store_bk *r, const store_stats *st, eng_backup_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->table, sizeof(out->table), "%s", r->table);
	snprintf(out->name, sizeof(out->name), "%s", r->name);
	out->id = r->id;
	out->type = (eng_backup_type)r->type;
	out->created_ns = r->created_ns;
	out->expires_ns = r->expires_ns;
	out->item_count = st->count;
	out->size_bytes = st->size;
	out->schema = r->schema;
	out->dir.mode = r->mode;
	out->dir.uid = r->uid;
	out->dir.gid = r->gid;
	out->dir.mtime_ns = st->mtime_ns;
	out->dir.ctime_ns = st->ctime_ns;
}

int eng_backup_create(eng_db *db, eng_req *req, const char *table, const char *name,
		      eng_backup_info *out, lay_err *err)
{
	struct begin_ctx b = { db, table, name, 0, ENG_BACKUP_USER, { 0 } };
	lay_buf q = LAY_BUF_INIT;
	struct done_ctx d;
	store_table src;
	int rc;

	if ((rc = store_req_writable(req, err)) < 0 ||
	    (rc = lay_backup_name_check(name, strlen(name), err)) < 0 ||
	    (rc = store_write(db, begin_txn, &b, err)) < 0)
		return rc;
	d.db = db;
	d.rec = b.rec;
	rc = copy_table(db, table, 0, b.rec.id, 1, &d.st, &src, &d.rec.created_ns, err);
	if (rc == 0) {
		/* the table the copy read: it may have been made anew since */
		bk_take(&d.rec, &src);
		d.rec.status = STORE_BK_AVAILABLE;
		rc = store_write(db, done_txn, &d, err);
	}
	if (rc < 0) {
		store_backup_drop(db, b.rec.id, NULL);
		return rc;
	}
	store_journal_add(db, eng_clock_now_ns(db->clock), "Backup", table,
			  ",\"BackupName\":%s,\"BackupType\":\"USER\",\"ItemCount\":%" PRIu64
			  ",\"BackupSizeBytes\":%" PRIu64,
			  store_journal_quote(&q, name), d.st.count, d.st.size);
	lay_buf_free(&q);
	if (out)
		info_of(&d.rec, &d.st, out);
	return 0;
}

struct named_ctx {
	eng_db *db;
	const char *table, *name;
	eng_backup_info *out;
};

static int delete_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct named_ctx *c = vctx;
	store_bk r;
	int rc;

	if ((rc = store_bk_find(txn, c->db, c->table, c->name, &r, err)) < 0)
		return rc;
	if (!rc || r.status != STORE_BK_AVAILABLE)
		return lay_err_set(err, -ENOENT, "table %s has no backup named %s", c->table,
				   c->name);
	return rows_drop(txn, c->db, r.id, 1, err);
}

int eng_backup_delete(eng_db *db, eng_req *req, const char *table, const char *name,
		      lay_err *err)
{
	struct named_ctx c = { db, table, name, NULL };
	lay_buf q = LAY_BUF_INIT;
	int rc;

	if ((rc = store_req_writable(req, err)) < 0 ||
	    (rc = store_write_frees(db, delete_txn, &c, err)) < 0)
		return rc;
	store_journal_add(db, eng_clock_now_ns(db->clock), "BackupDeleted", table,
			  ",\"BackupName\":%s", store_journal_quote(&q, name));
	lay_buf_free(&q);
	return 0;
}

static int get_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct named_ctx *c = vctx;
	store_stats st;
	store_bk r;
	int rc;

	if ((rc = store_bk_find(txn, c->db, c->table, c->name, &r, err)) < 0)
		return rc;
	if (!rc || r.status != STORE_BK_AVAILABLE)
		return lay_err_set(err, -ENOENT, "table %s has no backup named %s", c->table,
				   c->name);
	if ((rc = store_stats_get(txn, c->db, r.id, &st, err)) < 0)
		return rc;
	info_of(&r, &st, c->out);
	return 0;
}

int eng_backup_get(eng_db *db, const char *table, const char *name, eng_backup_info *out,
		   lay_err *err)
{
	struct named_ctx c = { db, table, name, out };

	return store_read(db, get_txn, &c, err);
}

struct list_ctx {
	eng_db *db;
	MDB_txn *txn;
	const char *table;
	eng_backup_info *out;
	size_t n, cap;
	lay_err *err;
};

static int list_one(void *vctx, const store_bk *r)
{
	struct list_ctx *c = vctx;
	eng_backup_info *grown;
	store_stats st;
	int rc;

	if (r->status != STORE_BK_AVAILABLE || r->type == STORE_BK_RESTORE ||
	    (c->table && strcmp(c->table, r->table)))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		if (!(grown = realloc(c->out, c->cap * sizeof(*grown))))
			return lay_err_set(c->err, -ENOMEM, "out of memory listing backups");
		c->out = grown;
	}
	if ((rc = store_stats_get(c->txn, c->db, r->id, &st, c->err)) < 0)
		return rc;
	info_of(r, &st, &c->out[c->n++]);
	return 0;
}

static int list_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct list_ctx *c = vctx;

	c->n = 0;
	c->txn = txn;
	c->err = err;
	return store_bk_each(txn, c->db, list_one, c, err);
}

static int info_cmp(const void *a, const void *b)
{
	const eng_backup_info *x = a, *y = b;
	int r = strcmp(x->table, y->table);

	if (r)
		return r;
	if (x->created_ns != y->created_ns)
		return x->created_ns < y->created_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

int eng_backup_list(eng_db *db, const char *table, eng_backup_info **out, lay_err *err)
{
	struct list_ctx c = { db, NULL, table, NULL, 0, 0, err };
	int rc;

	if ((rc = store_read(db, list_txn, &c, err)) < 0) {
		free(c.out);
		return rc;
	}
	if (c.n)
		qsort(c.out, c.n, sizeof(*c.out), info_cmp);
	*out = c.out;
	return (int)c.n;
}

int eng_backups_describe(eng_db *db, const char *table, lay_buf *out, lay_err *err)
{
	eng_backup_info *all = NULL;
	lay_backup_desc *d = NULL;
	int n, i, rc;

	if ((n = eng_backup_list(db, table, &all, err)) < 0)
		return n;
	if (n && !(d = calloc((size_t)n, sizeof(*d)))) {
		free(all);
		return lay_err_set(err, -ENOMEM, "out of memory listing backups");
	}
	for (i = 0; i < n; i++) {
		d[i].table = all[i].table;
		d[i].name = all[i].name;
		d[i].id = all[i].id;
		d[i].system = all[i].type == ENG_BACKUP_SYSTEM;
		d[i].created_ns = all[i].created_ns;
		d[i].expires_ns = all[i].expires_ns;
		d[i].item_count = all[i].item_count;
		d[i].size_bytes = all[i].size_bytes;
	}
	rc = lay_describe_backups(out, d, (size_t)n);
	free(d);
	free(all);
	return rc < 0 ? lay_err_set(err, rc, "out of memory listing backups") : 0;
}

/* ---- Restores ---- */

/* The restored rows become table rec.table, if that name is still free. */
static int name_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct done_ctx *c = vctx;
	int64_t now = eng_clock_now_ns(c->db->clock);
	store_table t;
	unsigned char k[4];
	uint64_t oid;
	int rc;

	rc = store_table_get(txn, c->db, c->rec.table, &t, err);
	if (rc == 0)
		return lay_err_set(err, -EEXIST, "table %s exists", c->rec.table);
	if (rc != -ENOENT)
		return rc;
	lay_err_clear(err);
	if ((rc = store_counter_next(txn, c->db, STORE_OID, &oid, err)) < 0)
		return rc;
	store_bk_table(&c->rec, &t);
	t.created_ns = now;
	t.dir_id = oid;
	c->st.mtime_ns = c->st.ctime_ns = now;
	store_be32(k, c->rec.id);
	if ((rc = store_table_put(txn, c->db, &t, err)) < 0 ||
	    (rc = store_stats_put(txn, c->db, t.tid, &c->st, err)) < 0)
		return rc;
	return store_del(txn, c->db->backups, k, 4, err);
}

int eng_table_restore(eng_db *db, eng_req *req, const char *table, const char *to,
		      lay_err *err)
{
	struct begin_ctx b = { db, table, to, 0, STORE_BK_RESTORE, { 0 } };
	struct done_ctx n;
	struct then_ctx then = { db, table, req ? req->as_of_ns : 0, { 0 } };
	lay_buf q = LAY_BUF_INIT;
	int rc;

	store_req_start(req);
	if ((rc = lay_table_name_check(to, strlen(to), err)) < 0)
		return rc;
	if (!req || req->view == ENG_VIEW_LIVE || (req->view == ENG_VIEW_BACKUP && !req->backup))
		return lay_err_set(err, -EINVAL, "a restore reads a backup or a point in time");
	if (req->view == ENG_VIEW_AS_OF && (rc = store_read(db, then_txn, &then, err)) < 0)
		return rc;
	b.backup = req->view == ENG_VIEW_BACKUP ? req->backup : 0;
	if ((rc = store_write(db, begin_txn, &b, err)) < 0)
		return rc;
	memset(&n, 0, sizeof(n));
	n.db = db;
	n.rec = b.rec;
	/* the new table is the requester's */
	n.rec.uid = req->uid;
	n.rec.gid = req->gid;
	rc = req->view == ENG_VIEW_BACKUP
		     ? copy_table(db, table, req->backup, b.rec.id, 0, &n.st, NULL, NULL, err)
		     : copy_point(db, table, req->as_of_ns, &b.rec, &n.st, err);
	if (rc == 0)
		rc = store_write(db, name_txn, &n, err);
	if (rc < 0) {
		store_backup_drop(db, b.rec.id, NULL);
		return rc;
	}
	/* a new table, as every create: nothing cached stands for it */
	store_icache_drop_table(db->icache, to);
	store_cap_drop(db, to);
	store_journal_add(db, eng_clock_now_ns(db->clock), "Restore", to,
			  ",\"SourceTable\":%s,\"ItemCount\":%" PRIu64, store_journal_quote(&q, table),
			  n.st.count);
	lay_buf_free(&q);
	return 0;
}

/* ---- SYSTEM backups, crashes, expiry ---- */

/* Put cur on the last change record of table tid; MDB_NOTFOUND if it has
 * none. */
static int log_tail(MDB_cursor *cur, uint32_t tid, MDB_val *key, MDB_val *v)
{
	unsigned char k[4];
	int rc;

	store_be32(k, tid + 1);
	key->mv_size = 4;
	key->mv_data = k;
	rc = tid == UINT32_MAX ? MDB_NOTFOUND : mdb_cursor_get(cur, key, v, MDB_SET_RANGE);
	rc = mdb_cursor_get(cur, key, v, rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == 0 && (key->mv_size < 12 || store_rd32(key->mv_data) != tid))
		rc = MDB_NOTFOUND;
	return rc;
}

/* The sequence number of table tid's last change (0: none) into *seq. */
static int log_last(MDB_txn *txn, eng_db *db, uint32_t tid, uint64_t *seq, lay_err *err)
{
	MDB_cursor *cur;
	MDB_val key, v;
	int rc;

	*seq = 0;
	if ((rc = mdb_cursor_open(txn, db->log, &cur)) != 0)
		return store_mdb(rc, "reading the change log", err);
	if ((rc = log_tail(cur, tid, &key, &v)) == 0)
		*seq = store_rd64((const unsigned char *)key.mv_data + 4);
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "reading the change log", err);
}

struct last_ctx {
	eng_db *db;
	uint32_t tid;
	int64_t before; /* out: the time of the first of the last deletes */
	uint64_t seq;   /* out: the last change's sequence number (0: none) */
	uint64_t count; /* out: the items it holds */
};

/* The time of the first change of the run of REMOVEs that ends table
 * tid's change log (the table is empty: its last changes were deletes). */
static int last_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct last_ctx *c = vctx;
	MDB_cursor *cur;
	MDB_val key, v;
	asof_record rec;
	store_stats st;
	int rc, prc = 0;

	if ((rc = store_stats_get(txn, c->db, c->tid, &st, err)) < 0)
		return rc;
	c->count = st.count;
	if ((rc = mdb_cursor_open(txn, c->db->log, &cur)) != 0)
		return store_mdb(rc, "reading the change log", err);
	c->seq = 0;
	rc = log_tail(cur, c->tid, &key, &v);
	if (rc == 0)
		c->seq = store_rd64((const unsigned char *)key.mv_data + 4);
	for (; rc == 0; rc = mdb_cursor_get(cur, &key, &v, MDB_PREV)) {
		if (key.mv_size < 4 || store_rd32(key.mv_data) != c->tid ||
		    (prc = asof_record_parse(v.mv_data, v.mv_size, &rec, err)) < 0 ||
		    rec.event != ENG_REMOVE)
			break;
		c->before = rec.time_ns;
	}
	mdb_cursor_close(cur);
	if (prc < 0)
		return prc;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "reading the change log", err);
}

int store_backup_system(eng_db *db, const char *table, store_system *sys, lay_err *err)
{
	struct begin_ctx b = { db, table, NULL, 0, ENG_BACKUP_SYSTEM, { 0 } };
	int64_t now = eng_clock_now_ns(db->clock), earliest;
	struct last_ctx l = { db, 0, now, 0, 0 };
	struct done_ctx d = { db, { 0 }, { 0 } };
	store_table t;
	struct tm tm;
	time_t s = (time_t)(now / NS);
	char name[64], stamp[32];
	int rc, i;

	memset(sys, 0, sizeof(*sys));
	if ((rc = store_table_peek(db, table, 1, &t, NULL, err)) < 0)
		return rc;
	if (!t.settings.pitr)
		return 0;
	earliest = asof_earliest(&t, now);
	l.tid = t.tid;
	if ((rc = store_read(db, last_txn, &l, err)) < 0)
		return rc;
	gmtime_r(&s, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	b.name = name;
	/* a table of that name deleted before in the same second: -2, -3 ... */
	for (i = 1, rc = -EEXIST; rc == -EEXIST && i < 100; i++) {
		snprintf(name, sizeof(name), i == 1 ? "deleted-%s" : "deleted-%s-%d", stamp, i);
		lay_err_clear(err);
		rc = store_write(db, begin_txn, &b, err);
	}
	if (rc < 0)
		return rc;
	/* what it holds, and for how long: made available by the delete */
	d.rec = b.rec;
	/* deletes older than the window left the table empty throughout it:
	 * its earliest point holds the same (a minute on when the window is
	 * 35 days long: it moves on while it is read; should it pass a point
	 * at its edge meanwhile, the delete starts over) */
	if (l.count) /* deleted with its items (DeleteTable): as it is now, with
		      * every change the read saw (a later one starts it over) */
		d.rec.created_ns = eng_clock_now_ns(db->clock);
	else if (l.before - 1 >= earliest)
		d.rec.created_ns = l.before - 1;
	else if (earliest == now - ASOF_WINDOW_NS)
		d.rec.created_ns = earliest + 60 * NS < now ? earliest + 60 * NS : now;
	else
		d.rec.created_ns = earliest;
	d.rec.expires_ns = now + SYSTEM_KEEP_NS;
	rc = copy_point(db, table, d.rec.created_ns, &b.rec, &d.st, err);
	if (rc == 0) {
		d.st.mtime_ns = d.st.ctime_ns = d.rec.created_ns;
		rc = store_write(db, done_txn, &d, err);
	}
	if (rc < 0) {
		store_backup_drop(db, b.rec.id, NULL);
		return rc;
	}
	sys->id = b.rec.id;
	sys->tid = t.tid;
	sys->seq = l.seq;
	return 0;
}

int store_backup_keep(MDB_txn *txn, eng_db *db, const store_system *sys, const store_table *t,
		      lay_err *err)
{
	store_bk r;
	uint64_t seq;
	int rc;

	if ((rc = log_last(txn, db, t->tid, &seq, err)) < 0)
		return rc;
	if (t->tid != sys->tid || seq != sys->seq)
		return lay_err_set(err, -EAGAIN, "table %s changed while being deleted", t->name);
	if ((rc = store_bk_get(txn, db, sys->id, &r, err)) < 0)
		return rc;
	r.status = STORE_BK_AVAILABLE;
	return store_bk_put(txn, db, &r, err);
}

struct sweep_ctx {
	eng_db *db;
	MDB_txn *txn;
	int64_t now;         /* expire: SYSTEM backups past it; 0: recover */
	uint32_t ids[64];
	size_t n;
	lay_err *err;
};

static int sweep_one(void *vctx, const store_bk *r)
{
	struct sweep_ctx *c = vctx;
	int gone = c->now ? r->status == STORE_BK_AVAILABLE && r->expires_ns && r->expires_ns <= c->now
			  : r->status == STORE_BK_CREATING;

	if (gone)
		c->ids[c->n++] = r->id;
	return c->n == sizeof(c->ids) / sizeof(c->ids[0]);
}

int store_backup_recover(MDB_txn *txn, eng_db *db, lay_err *err)
{
	struct sweep_ctx c;
	size_t i;
	int rc;

	do {
		memset(&c, 0, sizeof(c));
		c.db = db;
		if ((rc = store_bk_each(txn, db, sweep_one, &c, err)) < 0)
			return rc;
		for (i = 0; i < c.n; i++)
			if ((rc = rows_drop(txn, db, c.ids[i], 1, err)) < 0)
				return rc;
	} while (c.n == sizeof(c.ids) / sizeof(c.ids[0]));
	return 0;
}

static int expired_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct sweep_ctx *c = vctx;

	c->n = 0;
	return store_bk_each(txn, c->db, sweep_one, c, err);
}

int store_backup_expire(eng_db *db, lay_err *err)
{
	struct sweep_ctx c;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.now = eng_clock_now_ns(db->clock);
	if ((rc = store_read(db, expired_txn, &c, err)) < 0)
		return rc;
	for (i = 0; i < c.n && rc == 0; i++)
		rc = store_backup_drop(db, c.ids[i], err);
	return rc;
}
