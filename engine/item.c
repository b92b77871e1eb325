/* Items (SPEC §3, §5, §6): get, put, delete, rename, metadata, listings in
 * key order, partitions and long-name resolution. Every change is one write
 * transaction holding the item row, its partition row, the names row of a
 * long name, the table's statistics and the change-log record. The byte
 * formats of rows and keys are described at the top of store.c. */
#include "item.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/json.h"
#include "../layout/keyenc.h"
#include "../layout/name.h"
#include "log.h"
#include "store.h"

/* Item row: header, [full key encoding when the LMDB key is cut], codec. */
#define ROW_VERSION 2
#define ROW_FULLKEY 0x1u /* the full key encoding follows the header */
#define ROW_NAMED 0x2u   /* a names row exists for this key (long name) */
#define ROW_HDR 60

/* Partition row: header, full encoding of the partition key. */
#define PART_VERSION 1
#define PART_HDR 40

/* A table changed between validation and the write: validate again, at
 * most this many times. */
#define STALE_TRIES 8

#define DEFAULT_FILE_MODE 0644
#define DEFAULT_DIR_MODE 0755

typedef struct row {
	unsigned flags;
	eng_meta meta;
	const unsigned char *fullkey; /* NULL unless ROW_FULLKEY */
	size_t fullkey_len;
	const unsigned char *data;    /* lay_codec encoding */
	size_t data_len;
} row;

typedef struct part {
	unsigned flags;
	eng_dirmeta dm;
	const unsigned char *enc;     /* full encoding of the partition key */
	size_t enc_len;
} part;

static int row_parse(row *out, const void *p, size_t len, lay_err *err)
{
	const unsigned char *b = p;
	size_t klen;

	if (len < ROW_HDR || b[0] != ROW_VERSION)
		return lay_err_set(err, -EIO, "stored item row is corrupt");
	out->flags = b[1];
	klen = (size_t)b[2] << 8 | b[3];
	out->meta.id = store_rd64(b + 4);
	out->meta.mode = store_rd32(b + 12);
	out->meta.uid = store_rd32(b + 16);
	out->meta.gid = store_rd32(b + 20);
	out->meta.mtime_ns = (int64_t)store_rd64(b + 24);
	out->meta.ctime_ns = (int64_t)store_rd64(b + 32);
	out->meta.len_plain = store_rd32(b + 40);
	out->meta.len_ddb = store_rd32(b + 44);
	out->meta.size = store_rd32(b + 48);
	out->meta.expires = (int64_t)store_rd64(b + 52);
	if (len - ROW_HDR < klen || ((out->flags & ROW_FULLKEY) != 0) != (klen != 0))
		return lay_err_set(err, -EIO, "stored item row is corrupt");
	out->fullkey = klen ? b + ROW_HDR : NULL;
	out->fullkey_len = klen;
	out->data = b + ROW_HDR + klen;
	out->data_len = len - ROW_HDR - klen;
	return 0;
}

static int row_build(lay_buf *out, unsigned flags, const eng_meta *m, const void *fullkey,
		     size_t fklen, const void *data, size_t dlen)
{
	unsigned char h[ROW_HDR];

	h[0] = ROW_VERSION;
	h[1] = (unsigned char)(flags | (fklen ? ROW_FULLKEY : 0));
	h[2] = (unsigned char)(fklen >> 8);
	h[3] = (unsigned char)fklen;
	store_be64(h + 4, m->id);
	store_be32(h + 12, m->mode);
	store_be32(h + 16, m->uid);
	store_be32(h + 20, m->gid);
	store_be64(h + 24, (uint64_t)m->mtime_ns);
	store_be64(h + 32, (uint64_t)m->ctime_ns);
	store_be32(h + 40, m->len_plain);
	store_be32(h + 44, m->len_ddb);
	store_be32(h + 48, m->size);
	store_be64(h + 52, (uint64_t)m->expires);
	lay_buf_reset(out);
	if (lay_buf_add(out, h, ROW_HDR) < 0 || (fklen && lay_buf_add(out, fullkey, fklen) < 0) ||
	    (dlen && lay_buf_add(out, data, dlen) < 0))
		return -ENOMEM;
	return 0;
}

static int part_parse(part *out, const void *p, size_t len, lay_err *err)
{
	const unsigned char *b = p;
	size_t klen;

	if (len < PART_HDR || b[0] != PART_VERSION)
		return lay_err_set(err, -EIO, "stored partition row is corrupt");
	out->flags = b[1];
	klen = (size_t)b[2] << 8 | b[3];
	out->dm.id = store_rd64(b + 4);
	out->dm.mode = store_rd32(b + 12);
	out->dm.uid = store_rd32(b + 16);
	out->dm.gid = store_rd32(b + 20);
	out->dm.mtime_ns = (int64_t)store_rd64(b + 24);
	out->dm.ctime_ns = (int64_t)store_rd64(b + 32);
	if (len - PART_HDR != klen || klen == 0)
		return lay_err_set(err, -EIO, "stored partition row is corrupt");
	out->enc = b + PART_HDR;
	out->enc_len = klen;
	return 0;
}

static int part_build(lay_buf *out, unsigned flags, const eng_dirmeta *dm, const void *enc,
		      size_t len)
{
	unsigned char h[PART_HDR];

	h[0] = PART_VERSION;
	h[1] = (unsigned char)flags;
	h[2] = (unsigned char)(len >> 8);
	h[3] = (unsigned char)len;
	store_be64(h + 4, dm->id);
	store_be32(h + 12, dm->mode);
	store_be32(h + 16, dm->uid);
	store_be32(h + 20, dm->gid);
	store_be64(h + 24, (uint64_t)dm->mtime_ns);
	store_be64(h + 32, (uint64_t)dm->ctime_ns);
	lay_buf_reset(out);
	if (lay_buf_add(out, h, PART_HDR) < 0 || lay_buf_add(out, enc, len) < 0)
		return -ENOMEM;
	return 0;
}

/* A short description of a key value for messages. */
static void value_desc(char *dst, size_t dsz, const lay_value *v)
{
	if (v->type == LAY_B)
		snprintf(dst, dsz, "(%zu bytes of binary)", v->len);
	else
		snprintf(dst, dsz, "\"%.*s%s\"", (int)(v->len > 80 ? 80 : v->len), v->u.p,
			 v->len > 80 ? "..." : "");
}

static int no_item(const store_table *t, const lay_key *key, lay_err *err)
{
	char pk[128], sk[128];

	value_desc(pk, sizeof(pk), &key->pk);
	if (!t->schema.sk_type)
		return lay_err_set(err, -ENOENT, "table %s has no item with %s %s", t->name,
				   t->schema.pk, pk);
	value_desc(sk, sizeof(sk), &key->sk);
	return lay_err_set(err, -ENOENT, "table %s has no item with %s %s and %s %s", t->name,
			   t->schema.pk, pk, t->schema.sk, sk);
}

static int collision(const store_table *t, lay_err *err)
{
	return lay_err_set(err, -EIO,
			   "table %s: two different long keys have the same 64-bit hash of their "
			   "encoding; this key cannot be stored", t->name);
}

/*
 * Where an item lives. target_init encodes the key (no transaction);
 * target_find looks its partition and row up in a transaction and copies
 * them, because LMDB memory may change under later writes of the same
 * transaction.
 */
typedef struct target {
	const store_table *t;
	lay_key key;              /* borrowed from the caller */
	const lay_value *ival;    /* the key value in its directory: sk, or pk */
	int composite;
	lay_buf pkenc, skenc;     /* full encodings */
	const lay_buf *ienc;      /* &skenc, or &pkenc without sort key */
	lay_buf pkey;             /* parts key [tid][pk part] */
	lay_buf ikey;             /* items key [tid][pid][key part] */
	lay_buf partbuf, rowbuf;  /* copies of the rows found */
	int has_part;
	uint64_t pid;
	part prow;
	int exists;
	int collides;             /* an LMDB key shared with another, cut key */
	row r;
	/* a partition target_write creates takes this id and metadata instead
	 * of new ones (a re-key keeps a partition that keeps its name) */
	const eng_dirmeta *reuse_dm;
} target;

static void target_free(target *tg)
{
	lay_buf_free(&tg->pkenc);
	lay_buf_free(&tg->skenc);
	lay_buf_free(&tg->pkey);
	lay_buf_free(&tg->ikey);
	lay_buf_free(&tg->partbuf);
	lay_buf_free(&tg->rowbuf);
}

/* Check key against the schema (-EINVAL) and encode it. */
static int target_init(target *tg, const store_table *t, const lay_key *key, lay_err *err)
{
	const lay_schema *s = &t->schema;
	unsigned char tid[4];
	int rc;

	memset(tg, 0, sizeof(*tg));
	tg->t = t;
	tg->key = *key;
	tg->composite = s->sk_type != 0;
	if (!tg->composite)
		memset(&tg->key.sk, 0, sizeof(tg->key.sk));
	if ((rc = lay_key_value_check(&key->pk, s->pk_type, 0, s->pk, err)) < 0 ||
	    (tg->composite && (rc = lay_key_value_check(&key->sk, s->sk_type, 1, s->sk, err)) < 0))
		return rc;
	store_be32(tid, t->tid);
	if (lay_keyenc(&tg->pkenc, &key->pk) < 0 ||
	    (tg->composite && lay_keyenc(&tg->skenc, &key->sk) < 0))
		goto out_nomem;
	tg->ienc = tg->composite ? &tg->skenc : &tg->pkenc;
	tg->ival = tg->composite ? &tg->key.sk : &tg->key.pk;
	if (tg->composite && (lay_buf_add(&tg->pkey, tid, 4) < 0 ||
			      store_keypart(&tg->pkey, tg->pkenc.p, tg->pkenc.len) < 0))
		goto out_nomem;
	return 0;
out_nomem:
	target_free(tg);
	return lay_err_set(err, -ENOMEM, "out of memory encoding a key");
}

static int target_ikey(target *tg)
{
	unsigned char pre[12];

	store_be32(pre, tg->t->tid);
	store_be64(pre + 4, tg->pid);
	lay_buf_reset(&tg->ikey);
	if (lay_buf_add(&tg->ikey, pre, 12) < 0 ||
	    store_keypart(&tg->ikey, tg->ienc->p, tg->ienc->len) < 0)
		return -ENOMEM;
	return 0;
}

static int target_find(MDB_txn *txn, eng_db *db, target *tg, lay_err *err)
{
	MDB_val v;
	int rc;

	tg->has_part = tg->exists = tg->collides = 0;
	tg->pid = 0;
	if (tg->composite) {
		rc = store_get(txn, db->parts, tg->pkey.p, tg->pkey.len, &v, err);
		if (rc == -ENOENT)
			return target_ikey(tg) < 0 ? lay_err_set(err, -ENOMEM, "out of memory") : 0;
		if (rc < 0)
			return rc;
		lay_buf_reset(&tg->partbuf);
		if (lay_buf_add(&tg->partbuf, v.mv_data, v.mv_size) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory reading a partition");
		if ((rc = part_parse(&tg->prow, tg->partbuf.p, tg->partbuf.len, err)) < 0)
			return rc;
		if (store_bytes_cmp(tg->prow.enc, tg->prow.enc_len, tg->pkenc.p, tg->pkenc.len)) {
			/* a different partition key with the same cut LMDB key */
			tg->collides = 1;
			return target_ikey(tg) < 0 ? lay_err_set(err, -ENOMEM, "out of memory") : 0;
		}
		tg->has_part = 1;
		tg->pid = tg->prow.dm.id;
	}
	if (target_ikey(tg) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory");
	rc = store_get(txn, db->items, tg->ikey.p, tg->ikey.len, &v, err);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	lay_buf_reset(&tg->rowbuf);
	if (lay_buf_add(&tg->rowbuf, v.mv_data, v.mv_size) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory reading an item");
	if ((rc = row_parse(&tg->r, tg->rowbuf.p, tg->rowbuf.len, err)) < 0)
		return rc;
	if (tg->r.fullkey &&
	    store_bytes_cmp(tg->r.fullkey, tg->r.fullkey_len, tg->ienc->p, tg->ienc->len)) {
		tg->collides = 1;
		return 0;
	}
	tg->exists = 1;
	return 0;
}

/* The names row key of value v with full encoding enc in directory pid. */
static int names_key(lay_buf *out, uint32_t tid, uint64_t pid, const lay_value *v,
		     const lay_buf *enc)
{
	unsigned char pre[20];

	store_be32(pre, tid);
	store_be64(pre + 4, pid);
	store_be64(pre + 12, lay_name_hash(v));
	lay_buf_reset(out);
	if (lay_buf_add(out, pre, 20) < 0 || store_keypart(out, enc->p, enc->len) < 0)
		return -ENOMEM;
	return 0;
}

/* 1 if v's file name is long and hashed (SPEC §4), 0 if not, -ENOMEM. */
static int name_is_long(const lay_value *v, int item)
{
	lay_buf b = LAY_BUF_INIT;
	int rc = lay_name_from_key(&b, v, item);

	lay_buf_free(&b);
	return rc;
}

static int names_put(MDB_txn *txn, eng_db *db, uint32_t tid, uint64_t pid, const lay_value *v,
		     const lay_buf *enc, lay_err *err)
{
	lay_buf k = LAY_BUF_INIT;
	int rc;

	if (names_key(&k, tid, pid, v, enc) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	else
		rc = store_put(txn, db->names, k.p, k.len, enc->p, enc->len, err);
	lay_buf_free(&k);
	return rc;
}

static int names_del(MDB_txn *txn, eng_db *db, uint32_t tid, uint64_t pid, const lay_value *v,
		     const lay_buf *enc, lay_err *err)
{
	lay_buf k = LAY_BUF_INIT;
	int rc;

	if (names_key(&k, tid, pid, v, enc) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	else
		rc = store_del(txn, db->names, k.p, k.len, err);
	lay_buf_free(&k);
	return rc == -ENOENT ? 0 : rc;
}

static int part_write(MDB_txn *txn, eng_db *db, target *tg, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	int rc;

	if (part_build(&b, tg->prow.flags, &tg->prow.dm, tg->pkenc.p, tg->pkenc.len) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory writing a partition");
	else
		rc = store_put(txn, db->parts, tg->pkey.p, tg->pkey.len, b.p, b.len, err);
	lay_buf_free(&b);
	return rc;
}

/*
 * Write the item row of tg (found by target_find) with metadata m and
 * encoding data: creates its partition (owned by m's uid/gid) if needed,
 * its names row if new and long, and moves directory times to now where an
 * entry appears. st gets the table directory's new times.
 */
static int target_write(MDB_txn *txn, eng_db *db, target *tg, const eng_meta *m,
			const void *data, size_t dlen, int64_t now, store_stats *st, lay_err *err)
{
	uint32_t tid = tg->t->tid;
	unsigned flags = 0;
	lay_buf b = LAY_BUF_INIT;
	int rc, named;

	if (tg->composite && !tg->has_part) {
		memset(&tg->prow, 0, sizeof(tg->prow));
		if (tg->reuse_dm)
			tg->pid = tg->reuse_dm->id;
		else if ((rc = store_counter_next(txn, db, STORE_OID, &tg->pid, err)) < 0)
			return rc;
		if ((named = name_is_long(&tg->key.pk, 0)) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory");
		tg->prow.flags = named ? ROW_NAMED : 0;
		tg->prow.dm.id = tg->pid;
		tg->prow.dm.mode = DEFAULT_DIR_MODE;
		tg->prow.dm.uid = m->uid;
		tg->prow.dm.gid = m->gid;
		tg->prow.dm.mtime_ns = tg->prow.dm.ctime_ns = now;
		if (tg->reuse_dm)
			tg->prow.dm = *tg->reuse_dm;
		if ((rc = part_write(txn, db, tg, err)) < 0)
			return rc;
		if (named && (rc = names_put(txn, db, tid, 0, &tg->key.pk, &tg->pkenc, err)) < 0)
			return rc;
		st->mtime_ns = st->ctime_ns = now;
		tg->has_part = 1;
		if (target_ikey(tg) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory");
	} else if (tg->composite && !tg->exists) {
		tg->prow.dm.mtime_ns = tg->prow.dm.ctime_ns = now;
		if ((rc = part_write(txn, db, tg, err)) < 0)
			return rc;
	}
	if (tg->exists) {
		flags = tg->r.flags & ROW_NAMED;
	} else {
		if ((named = name_is_long(tg->ival, 1)) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory");
		if (named) {
			flags = ROW_NAMED;
			if ((rc = names_put(txn, db, tid, tg->pid, tg->ival, tg->ienc, err)) < 0)
				return rc;
		}
		if (!tg->composite)
			st->mtime_ns = st->ctime_ns = now;
	}
	if (tg->exists && tg->r.meta.expires && tg->r.meta.expires != m->expires &&
	    (rc = store_ttl_index(txn, db, tg->ikey.p, tg->ikey.len, tg->r.meta.expires, 0, err)) < 0)
		return rc;
	if (m->expires && !(tg->exists && tg->r.meta.expires == m->expires) &&
	    (rc = store_ttl_index(txn, db, tg->ikey.p, tg->ikey.len, m->expires, 1, err)) < 0)
		return rc;
	if (row_build(&b, flags, m, tg->ienc->len > STORE_KEY_CUT ? tg->ienc->p : NULL,
		      tg->ienc->len > STORE_KEY_CUT ? tg->ienc->len : 0, data, dlen) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory writing an item");
	else
		rc = store_put(txn, db->items, tg->ikey.p, tg->ikey.len, b.p, b.len, err);
	lay_buf_free(&b);
	return rc;
}

/* 1 if partition pid of table tid still holds an item, 0 if not. */
static int part_has_items(MDB_txn *txn, eng_db *db, uint32_t tid, uint64_t pid, lay_err *err)
{
	unsigned char pre[12];
	MDB_cursor *cur;
	MDB_val k = { 12, pre }, v;
	int rc;

	store_be32(pre, tid);
	store_be64(pre + 4, pid);
	if ((rc = mdb_cursor_open(txn, db->items, &cur)) != 0)
		return store_mdb(rc, "reading a partition", err);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_mdb(rc, "reading a partition", err);
	return k.mv_size >= 12 && memcmp(k.mv_data, pre, 12) == 0;
}

/* Delete the item row of tg (which exists), its names row, and its
 * partition when it was the last item there; directory times move. */
static int target_remove(MDB_txn *txn, eng_db *db, target *tg, int64_t now, store_stats *st,
			 lay_err *err)
{
	uint32_t tid = tg->t->tid;
	int rc;

	if ((rc = store_del(txn, db->items, tg->ikey.p, tg->ikey.len, err)) < 0)
		return rc;
	if (tg->r.meta.expires &&
	    (rc = store_ttl_index(txn, db, tg->ikey.p, tg->ikey.len, tg->r.meta.expires, 0, err)) < 0)
		return rc;
	if ((tg->r.flags & ROW_NAMED) &&
	    (rc = names_del(txn, db, tid, tg->pid, tg->ival, tg->ienc, err)) < 0)
		return rc;
	tg->exists = 0;
	if (!tg->composite) {
		st->mtime_ns = st->ctime_ns = now;
		return 0;
	}
	if ((rc = part_has_items(txn, db, tid, tg->pid, err)) < 0)
		return rc;
	if (rc) {
		tg->prow.dm.mtime_ns = tg->prow.dm.ctime_ns = now;
		return part_write(txn, db, tg, err);
	}
	if ((rc = store_del(txn, db->parts, tg->pkey.p, tg->pkey.len, err)) < 0)
		return rc;
	if ((tg->prow.flags & ROW_NAMED) &&
	    (rc = names_del(txn, db, tid, 0, &tg->key.pk, &tg->pkenc, err)) < 0)
		return rc;
	tg->has_part = 0;
	st->mtime_ns = st->ctime_ns = now;
	return 0;
}

static void meta_apply(eng_meta *m, const eng_meta *given, unsigned which)
{
	if (!given)
		return;
	if (which & ENG_META_MODE)
		m->mode = given->mode & 07777;
	if (which & ENG_META_UID)
		m->uid = given->uid;
	if (which & ENG_META_GID)
		m->gid = given->gid;
	if (which & ENG_META_MTIME)
		m->mtime_ns = given->mtime_ns;
	if (which & ENG_META_CTIME)
		m->ctime_ns = given->ctime_ns;
}

#define META_BITS (ENG_META_MODE | ENG_META_UID | ENG_META_GID | ENG_META_MTIME | ENG_META_CTIME)

/* The stored form of an item and what eng_meta says of it. */
typedef struct encoded {
	lay_buf enc;
	uint32_t len_plain, len_ddb, size;
} encoded;

static int encode_item(encoded *out, const lay_item *it, lay_err *err)
{
	lay_buf r = LAY_BUF_INIT;
	int rc = 0;

	lay_buf_reset(&out->enc);
	if (lay_codec_encode(&out->enc, it) < 0 || lay_json_render(&r, it, LAY_FMT_PLAIN) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory encoding an item");
		goto out_free;
	}
	out->len_plain = (uint32_t)r.len;
	lay_buf_reset(&r);
	if (lay_json_render(&r, it, LAY_FMT_DDB) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory encoding an item");
		goto out_free;
	}
	out->len_ddb = (uint32_t)r.len;
	out->size = (uint32_t)lay_item_size(it);
out_free:
	lay_buf_free(&r);
	return rc;
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

static int next_seq(MDB_txn *txn, eng_db *db, uint64_t *seq, lay_err *err)
{
	return store_counter_next(txn, db, STORE_SEQ, seq, err);
}

/* ---- get ---- */

struct get_ctx {
	eng_db *db;
	const char *table;
	const lay_key *key;
	lay_item *out;
	eng_meta *meta;
};

static int get_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct get_ctx *c = vctx;
	store_table t;
	target tg;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0 ||
	    (rc = target_init(&tg, &t, c->key, err)) < 0)
		return rc;
	if ((rc = target_find(txn, c->db, &tg, err)) < 0)
		goto out_free;
	if (!tg.exists || store_ttl_expired(tg.r.meta.expires, eng_clock_now_ns(c->db->clock))) {
		rc = no_item(&t, c->key, err);
		goto out_free;
	}
	if (c->out && (rc = lay_codec_decode(c->out, tg.r.data, tg.r.data_len, err)) < 0)
		goto out_free;
	if (c->meta)
		*c->meta = tg.r.meta;
out_free:
	target_free(&tg);
	return rc;
}

int eng_item_get(eng_db *db, const char *table, const lay_key *key, lay_item *out, eng_meta *meta,
		 lay_err *err)
{
	struct get_ctx c = { db, table, key, out, meta };

	return store_read(db, get_txn, &c, err);
}

/* ---- put ---- */

struct put_ctx {
	eng_db *db;
	store_table t, fresh;
	const lay_item *item;
	target tg;
	encoded e;
	const eng_meta *meta;
	unsigned flags;
	eng_event ev;
	eng_meta out;
};

/* 1 if the stored encoding old holds the same attributes as the new item. */
static int same_item(const row *old, const struct put_ctx *c, lay_err *err)
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

static int put_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct put_ctx *c = vctx;
	eng_db *db = c->db;
	target *tg = &c->tg;
	unsigned which = c->flags & META_BITS;
	int64_t now = eng_clock_now_ns(db->clock);
	store_stats st;
	uint64_t seq;
	eng_meta m;
	int rc, same;

	if ((rc = table_check(txn, db, &c->t, &c->fresh, err)) != 0 ||
	    (rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (tg->collides)
		return collision(&c->t, err);
	if (tg->exists && (c->flags & ENG_PUT_EXCL))
		return lay_err_set(err, -EEXIST, "the item exists");
	if (!tg->exists && (c->flags & ENG_PUT_MUST_EXIST))
		return no_item(&c->t, &tg->key, err);
	if ((rc = store_stats_get(txn, db, c->t.tid, &st, err)) < 0)
		return rc;
	if (tg->exists && store_ttl_expired(tg->r.meta.expires, now)) {
		/* it is gone for readers: the service deletes it, then this inserts */
		if ((rc = next_seq(txn, db, &seq, err)) < 0 ||
		    (rc = store_log_append(txn, db, &c->fresh, seq, now, ENG_REMOVE,
					   ENG_CHANGE_SERVICE, &tg->key, tg->r.data,
					   tg->r.data_len, NULL, 0, err)) < 0 ||
		    (rc = target_remove(txn, db, tg, now, &st, err)) < 0)
			return rc;
		st.count--;
		st.size -= tg->r.meta.size;
	}

	if (tg->exists) {
		m = tg->r.meta;
		if ((same = same_item(&tg->r, c, err)) < 0)
			return same;
		if (same) {
			/* no change of attributes: only the metadata given */
			c->ev = ENG_UNCHANGED;
			meta_apply(&m, c->meta, which);
			c->out = m;
			if (!which)
				return 0;
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
	m.len_plain = c->e.len_plain;
	m.len_ddb = c->e.len_ddb;
	m.size = c->e.size;
	m.expires = store_ttl_expiry(c->item, c->fresh.settings.ttl_attr, now);
	c->out = m;
	if ((rc = next_seq(txn, db, &seq, err)) < 0 ||
	    (rc = store_log_append(txn, db, &c->fresh, seq, now, c->ev, 0, &tg->key,
				   tg->exists ? tg->r.data : NULL, tg->exists ? tg->r.data_len : 0,
				   c->e.enc.p, c->e.enc.len, err)) < 0)
		return rc;
	if ((rc = target_write(txn, db, tg, &m, c->e.enc.p, c->e.enc.len, now, &st, err)) < 0)
		return rc;
	return store_stats_put(txn, db, c->t.tid, &st, err);
}

/* Everything a put checks and computes before its transaction. */
static int put_prepare(struct put_ctx *c, lay_err *err)
{
	lay_key key;
	int rc;

	if ((rc = lay_item_validate(c->item, &c->t.schema, err)) < 0 ||
	    (rc = lay_item_key(&key, c->item, &c->t.schema, err)) < 0 ||
	    (rc = target_init(&c->tg, &c->t, &key, err)) < 0)
		return rc;
	return encode_item(&c->e, c->item, err);
}

int eng_item_put(eng_db *db, const char *table, const lay_item *item, const eng_meta *meta,
		 unsigned flags, eng_event *ev, eng_meta *meta_out, lay_err *err)
{
	struct put_ctx c;
	int rc, tries, cached;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.item = item;
	c.meta = meta;
	c.flags = meta ? flags : flags & ~META_BITS;
	if ((rc = store_table_peek(db, table, 0, &c.t, &cached, err)) < 0)
		return rc;
	for (tries = 0;; tries++) {
		rc = put_prepare(&c, err);
		if (rc < 0 && cached) {
			/* a cached copy of the table refused it: ask the current one */
			cached = 0;
			target_free(&c.tg);
			if ((rc = store_table_peek(db, table, 1, &c.t, NULL, err)) < 0)
				break;
			continue;
		}
		if (rc == 0)
			rc = store_write(db, put_txn, &c, err);
		target_free(&c.tg);
		if (rc != STORE_STALE)
			break;
		if (tries == STALE_TRIES) {
			rc = lay_err_set(err, -EAGAIN, "table %s keeps changing", table);
			break;
		}
		c.t = c.fresh;
		cached = 0;
	}
	if (rc == 0) {
		if (ev)
			*ev = c.ev;
		if (meta_out)
			*meta_out = c.out;
	}
	lay_buf_free(&c.e.enc);
	return rc;
}

/* ---- re-keying a table (SPEC §2) ---- */

/* One item of a table being re-keyed. */
struct rk_item {
	lay_item old; /* as stored */
	lay_item it;  /* under the new schema: attributes borrowed from old */
	lay_key okey, nkey;
	eng_meta meta;
	int expired; /* gone for readers: the service removes it */
	encoded e;
};

/* A partition of the old layout: its name and metadata, kept by the new
 * partition of the same name. */
struct rk_part {
	lay_buf name;
	eng_dirmeta dm;
};

struct rekey {
	struct rk_item *items;
	size_t n, cap;
	struct rk_part *parts;
	size_t nparts, pcap;
};

static void rekey_free(struct rekey *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		lay_item_free(&r->items[i].old);
		lay_item_free(&r->items[i].it);
		lay_buf_free(&r->items[i].e.enc);
	}
	for (i = 0; i < r->nparts; i++)
		lay_buf_free(&r->parts[i].name);
	free(r->items);
	free(r->parts);
	memset(r, 0, sizeof(*r));
}

/* The file name of v (item != 0: with ".json") into out. */
static int name_of(lay_buf *out, const lay_value *v, int item)
{
	lay_buf_reset(out);
	return lay_name_from_key(out, v, item) < 0 ? -ENOMEM : 0;
}

static int buf_eq(const lay_buf *a, const lay_buf *b)
{
	return store_bytes_cmp(a->p, a->len, b->p, b->len) == 0;
}

/*
 * The item x as it is under schema ns: its new key taken from its
 * attributes, and the old key attributes dropped where they hold exactly
 * what its path gave them, that is where the old key value's name is the
 * name the new key gives the same place (the directory, or the file).
 * That is what cp -a leaves in a table made with the default schema before
 * it copies the key schema: T/alice/x.json as {"PK":"alice","SK":"x",...}.
 * -ENOTEMPTY with the reason when the item cannot take the new key.
 */
static int rekey_one(struct rk_item *x, const store_table *t, const lay_schema *ns, lay_err *err)
{
	const lay_schema *os = &t->schema;
	lay_buf odir = LAY_BUF_INIT, ofile = LAY_BUF_INIT, ndir = LAY_BUF_INIT,
		nfile = LAY_BUF_INIT;
	int drop_pk = 0, drop_sk = 0, rc;
	size_t i, n = 0;
	lay_err why = { 0, "" };

	if ((rc = lay_item_key(&x->okey, &x->old, os, err)) < 0)
		return rc;
	rc = -ENOMEM;
	if (os->sk_type ? name_of(&odir, &x->okey.pk, 0) < 0 || name_of(&ofile, &x->okey.sk, 1) < 0
			: name_of(&ofile, &x->okey.pk, 1) < 0)
		goto out_nomem;
	if ((rc = lay_item_key(&x->nkey, &x->old, ns, &why)) < 0)
		goto out_refuse;
	if (ns->sk_type ? name_of(&ndir, &x->nkey.pk, 0) < 0 || name_of(&nfile, &x->nkey.sk, 1) < 0
			: name_of(&nfile, &x->nkey.pk, 1) < 0)
		goto out_nomem;
	if (strcmp(os->pk, ns->pk) != 0 && strcmp(os->pk, ns->sk) != 0)
		drop_pk =
		    os->sk_type ? ns->sk_type && buf_eq(&odir, &ndir) : buf_eq(&ofile, &nfile);
	if (os->sk_type && strcmp(os->sk, ns->pk) != 0 && strcmp(os->sk, ns->sk) != 0)
		drop_sk = buf_eq(&ofile, &nfile);
	if (!(x->it.a = lay_item_alloc(&x->it, (x->old.n ? x->old.n : 1) * sizeof(lay_attr))))
		goto out_nomem;
	for (i = 0; i < x->old.n; i++) {
		const char *name = x->old.a[i].name;

		if ((drop_pk && strcmp(name, os->pk) == 0) ||
		    (drop_sk && strcmp(name, os->sk) == 0))
			continue;
		x->it.a[n++] = x->old.a[i];
	}
	x->it.n = n;
	/* key attributes first, as every item is stored */
	if ((rc = lay_item_set_key(&x->it, ns, &x->nkey, 0, &why)) < 0 ||
	    (rc = lay_item_validate(&x->it, ns, &why)) < 0)
		goto out_refuse;
	/* the new key borrows from the new item from here on */
	if ((rc = lay_item_key(&x->nkey, &x->it, ns, err)) < 0)
		goto out_free;
	rc = encode_item(&x->e, &x->it, err);
	goto out_free;
out_refuse:
	if (rc == -ENOMEM)
		goto out_nomem;
	rc = lay_err_set(err, -ENOTEMPTY,
			 "table %s holds items, and the item %.100s%s%.100s cannot take the new "
			 "key: %s",
			 t->name, odir.p ? odir.p : "", odir.p ? "/" : "", ofile.p ? ofile.p : "",
			 why.msg);
	goto out_free;
out_nomem:
	rc = lay_err_set(err, -ENOMEM, "out of memory re-keying table %s", t->name);
out_free:
	lay_buf_free(&odir);
	lay_buf_free(&ofile);
	lay_buf_free(&ndir);
	lay_buf_free(&nfile);
	return rc;
}

/* Read every item of t (rows copied: the writes below move them). */
static int rekey_collect(MDB_txn *txn, eng_db *db, const store_table *t, struct rekey *r,
			 int64_t now, lay_err *err)
{
	unsigned char pre[4];
	MDB_cursor *cur;
	MDB_val k = { sizeof(pre), pre }, v;
	struct rk_item *grown;
	int rc = 0, mrc;
	row rw;

	store_be32(pre, t->tid);
	if ((mrc = mdb_cursor_open(txn, db->items, &cur)) != 0)
		return store_mdb(mrc, "re-keying", err);
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct rk_item *x;

		if (k.mv_size < 4 || memcmp(k.mv_data, pre, 4) != 0)
			break;
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			if (!(grown = realloc(r->items, r->cap * sizeof(*grown)))) {
				rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
				break;
			}
			r->items = grown;
		}
		x = &r->items[r->n];
		memset(x, 0, sizeof(*x));
		r->n++;
		if ((rc = row_parse(&rw, v.mv_data, v.mv_size, err)) < 0 ||
		    (rc = lay_codec_decode(&x->old, rw.data, rw.data_len, err)) < 0)
			break;
		x->meta = rw.meta;
		x->expired = store_ttl_expired(rw.meta.expires, now);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_mdb(mrc, "re-keying", err);
	return rc;
}

/* Remember the partition tg found, once per partition. */
static int rekey_note_part(struct rekey *r, const target *tg)
{
	struct rk_part *grown, *p;

	if (!tg->has_part || (r->nparts && r->parts[r->nparts - 1].dm.id == tg->prow.dm.id))
		return 0;
	if (r->nparts == r->pcap) {
		r->pcap = r->pcap ? r->pcap * 2 : 16;
		if (!(grown = realloc(r->parts, r->pcap * sizeof(*grown))))
			return -ENOMEM;
		r->parts = grown;
	}
	p = &r->parts[r->nparts];
	memset(p, 0, sizeof(*p));
	p->dm = tg->prow.dm;
	r->nparts++;
	return name_of(&p->name, &tg->key.pk, 0);
}

static const eng_dirmeta *rekey_find_part(const struct rekey *r, const lay_buf *name)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (buf_eq(&r->parts[i].name, name))
			return &r->parts[i].dm;
	return NULL;
}

/* Remove x under its old key (table t), with its REMOVE record. */
static int rekey_remove(MDB_txn *txn, eng_db *db, const store_table *t, struct rekey *r,
			struct rk_item *x, int64_t now, lay_err *err)
{
	store_stats st;
	uint64_t seq;
	target tg;
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = target_init(&tg, t, &x->okey, err)) < 0)
		return rc;
	if ((rc = target_find(txn, db, &tg, err)) < 0)
		goto out_free;
	if (!tg.exists) {
		rc = lay_err_set(err, -EIO, "table %s: a stored item is not where its key says",
				 t->name);
		goto out_free;
	}
	if (rekey_note_part(r, &tg) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
		goto out_free;
	}
	if ((rc = next_seq(txn, db, &seq, err)) < 0 ||
	    (rc = store_log_append(txn, db, t, seq, now, ENG_REMOVE,
				   x->expired ? ENG_CHANGE_SERVICE : 0, &tg.key, tg.r.data,
				   tg.r.data_len, NULL, 0, err)) < 0)
		goto out_free;
	rc = target_remove(txn, db, &tg, now, &st, err);
out_free:
	target_free(&tg);
	return rc;
}

/* Put x under its new key (table nt), with its INSERT record. */
static int rekey_insert(MDB_txn *txn, eng_db *db, const store_table *nt, struct rekey *r,
			struct rk_item *x, int64_t now, lay_err *err)
{
	lay_buf pname = LAY_BUF_INIT;
	const eng_dirmeta *reuse = NULL;
	store_stats st;
	uint64_t seq;
	eng_meta m;
	target tg;
	char desc[128];
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = target_init(&tg, nt, &x->nkey, err)) < 0)
		return rc;
	if ((rc = target_find(txn, db, &tg, err)) < 0)
		goto out_free;
	if (tg.collides) {
		rc = collision(nt, err);
		goto out_free;
	}
	if (tg.exists) {
		value_desc(desc, sizeof(desc), tg.ival);
		rc =
		    lay_err_set(err, -ENOTEMPTY,
				"table %s holds items, and two of them would have the same key "
				"(%s %s) under the new key schema",
				nt->name, nt->schema.sk_type ? nt->schema.sk : nt->schema.pk, desc);
		goto out_free;
	}
	if (tg.composite) {
		if (name_of(&pname, &x->nkey.pk, 0) < 0) {
			rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
			goto out_free;
		}
		reuse = rekey_find_part(r, &pname);
		if (!tg.has_part)
			tg.reuse_dm = reuse;
	}
	m = x->meta;
	m.ctime_ns = now;
	m.len_plain = x->e.len_plain;
	m.len_ddb = x->e.len_ddb;
	m.size = x->e.size;
	m.expires = store_ttl_expiry(&x->it, nt->settings.ttl_attr, now);
	if ((rc = next_seq(txn, db, &seq, err)) < 0 ||
	    (rc = store_log_append(txn, db, nt, seq, now, ENG_INSERT, 0, &tg.key, NULL, 0,
				   x->e.enc.p, x->e.enc.len, err)) < 0)
		goto out_free;
	if ((rc = target_write(txn, db, &tg, &m, x->e.enc.p, x->e.enc.len, now, &st, err)) < 0)
		goto out_free;
	/* a kept partition keeps its times too (an item landing moved them) */
	if (reuse &&
	    (tg.prow.dm.mtime_ns != reuse->mtime_ns || tg.prow.dm.ctime_ns != reuse->ctime_ns)) {
		tg.prow.dm.mtime_ns = reuse->mtime_ns;
		tg.prow.dm.ctime_ns = reuse->ctime_ns;
		rc = part_write(txn, db, &tg, err);
	}
out_free:
	lay_buf_free(&pname);
	target_free(&tg);
	return rc;
}

int store_rekey(MDB_txn *txn, eng_db *db, const store_table *t, const lay_schema *ns, lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	struct rekey r;
	store_table nt = *t;
	store_stats st;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	nt.schema = *ns;
	if ((rc = store_stats_get(txn, db, t->tid, &st, err)) < 0 ||
	    (rc = rekey_collect(txn, db, t, &r, now, err)) < 0)
		goto out_free;
	/* everything is checked before anything is written */
	for (i = 0; i < r.n; i++) {
		struct rk_item *x = &r.items[i];

		rc = x->expired ? lay_item_key(&x->okey, &x->old, &t->schema, err)
				: rekey_one(x, t, ns, err);
		if (rc < 0)
			goto out_free;
	}
	/* every item leaves its old place before any takes its new one: two
	 * items may swap keys, and a partition keeps its id and metadata */
	for (i = 0; i < r.n; i++)
		if ((rc = rekey_remove(txn, db, t, &r, &r.items[i], now, err)) < 0)
			goto out_free;
	st.count = 0;
	st.size = 0;
	for (i = 0; i < r.n; i++) {
		if (r.items[i].expired)
			continue;
		if ((rc = rekey_insert(txn, db, &nt, &r, &r.items[i], now, err)) < 0)
			goto out_free;
		st.count++;
		st.size += r.items[i].e.size;
	}
	/* the table directory changed (its entries may have), mtime aside:
	 * cp -a sets it before it copies the key schema */
	st.ctime_ns = now;
	rc = store_stats_put(txn, db, t->tid, &st, err);
out_free:
	rekey_free(&r);
	return rc;
}

/* ---- update of one attribute ---- */

struct setattr_ctx {
	struct put_ctx put;
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
	    store_ttl_expired(p->tg.r.meta.expires, eng_clock_now_ns(p->db->clock)))
		return no_item(&p->t, &p->tg.key, err);
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
	    (rc = encode_item(&p->e, &c->it, err)) < 0)
		return rc;
	p->item = &c->it;
	return put_txn(txn, p, err);
}

int eng_item_set_attr(eng_db *db, const char *table, const lay_key *key, const char *name,
		      const lay_value *v, eng_event *ev, eng_meta *meta_out, lay_err *err)
{
	struct setattr_ctx c;
	int rc, tries;

	memset(&c, 0, sizeof(c));
	c.put.db = db;
	c.put.flags = ENG_PUT_MUST_EXIST;
	c.name = name;
	c.v = v;
	if (!name[0])
		return lay_err_set(err, -EINVAL, "an attribute name cannot be empty");
	if ((rc = store_table_peek(db, table, 1, &c.put.t, NULL, err)) < 0)
		return rc;
	for (tries = 0;; tries++) {
		if (strcmp(name, c.put.t.schema.pk) == 0 || strcmp(name, c.put.t.schema.sk) == 0) {
			rc = lay_err_set(err, -EINVAL,
					 "%s is a key attribute of table %s; rename the item to "
					 "change its key",
					 name, table);
			break;
		}
		if ((rc = target_init(&c.put.tg, &c.put.t, key, err)) < 0)
			break;
		rc = store_write(db, setattr_txn, &c, err);
		target_free(&c.put.tg);
		if (rc != STORE_STALE)
			break;
		if (tries == STALE_TRIES) {
			rc = lay_err_set(err, -EAGAIN, "table %s keeps changing", table);
			break;
		}
		c.put.t = c.put.fresh;
	}
	if (rc == 0) {
		if (ev)
			*ev = c.put.ev;
		if (meta_out)
			*meta_out = c.put.out;
	}
	lay_item_free(&c.it);
	lay_buf_free(&c.put.e.enc);
	return rc;
}

/* ---- delete ---- */

struct del_ctx {
	eng_db *db;
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
	uint64_t seq;
	int rc;

	if ((rc = table_check(txn, db, &c->t, &c->fresh, err)) != 0 ||
	    (rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (!tg->exists || store_ttl_expired(tg->r.meta.expires, now))
		return no_item(&c->t, &tg->key, err);
	c->old = tg->r.meta;
	if ((rc = store_stats_get(txn, db, c->t.tid, &st, err)) < 0 ||
	    (rc = next_seq(txn, db, &seq, err)) < 0 ||
	    (rc = store_log_append(txn, db, &c->fresh, seq, now, ENG_REMOVE, 0, &tg->key,
				   tg->r.data, tg->r.data_len, NULL, 0, err)) < 0 ||
	    (rc = target_remove(txn, db, tg, now, &st, err)) < 0)
		return rc;
	st.count--;
	st.size -= c->old.size;
	return store_stats_put(txn, db, c->t.tid, &st, err);
}

int eng_item_delete(eng_db *db, const char *table, const lay_key *key, eng_meta *old_meta,
		    lay_err *err)
{
	struct del_ctx c;
	int rc, tries, cached;

	memset(&c, 0, sizeof(c));
	c.db = db;
	if ((rc = store_table_peek(db, table, 0, &c.t, &cached, err)) < 0)
		return rc;
	for (tries = 0;; tries++) {
		rc = target_init(&c.tg, &c.t, key, err);
		if (rc < 0 && cached) {
			cached = 0;
			if ((rc = store_table_peek(db, table, 1, &c.t, NULL, err)) < 0)
				break;
			continue;
		}
		if (rc == 0)
			rc = store_write_frees(db, del_txn, &c, err);
		target_free(&c.tg);
		if (rc != STORE_STALE)
			break;
		if (tries == STALE_TRIES) {
			rc = lay_err_set(err, -EAGAIN, "table %s keeps changing", table);
			break;
		}
		c.t = c.fresh;
		cached = 0;
	}
	if (rc == 0 && old_meta)
		*old_meta = c.old;
	return rc;
}

/* ---- rename ---- */

struct ren_ctx {
	eng_db *db;
	store_table t, fresh;
	target from, to;
	int noreplace;
	encoded e;
};

static int ren_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct ren_ctx *c = vctx;
	eng_db *db = c->db;
	const lay_schema *s = &c->t.schema;
	int64_t now = eng_clock_now_ns(db->clock);
	lay_item it = LAY_ITEM_INIT;
	eng_event ev;
	store_stats st;
	uint64_t seq_rm, seq_put;
	eng_meta m;
	int rc;

	if ((rc = table_check(txn, db, &c->t, &c->fresh, err)) != 0 ||
	    (rc = target_find(txn, db, &c->from, err)) < 0 ||
	    (rc = target_find(txn, db, &c->to, err)) < 0)
		return rc;
	if (!c->from.exists || store_ttl_expired(c->from.r.meta.expires, now))
		return no_item(&c->t, &c->from.key, err);
	if (c->to.collides)
		return collision(&c->t, err);
	if (c->to.exists && c->noreplace)
		return lay_err_set(err, -EEXIST, "the destination item exists");
	/* the item with its key attributes rewritten: validated like a put */
	if ((rc = lay_codec_decode(&it, c->from.r.data, c->from.r.data_len, err)) < 0)
		return rc;
	if ((rc = lay_item_set_key(&it, s, &c->to.key, 1, err)) < 0 ||
	    (rc = lay_item_validate(&it, s, err)) < 0 || (rc = encode_item(&c->e, &it, err)) < 0)
		goto out_free;
	if ((rc = store_stats_get(txn, db, c->t.tid, &st, err)) < 0)
		goto out_free;
	m = c->from.r.meta;
	m.ctime_ns = now;
	m.len_plain = c->e.len_plain;
	m.len_ddb = c->e.len_ddb;
	m.size = c->e.size;
	st.size = st.size - c->from.r.meta.size + c->e.size;
	if (c->to.exists) {
		st.count--;
		st.size -= c->to.r.meta.size;
	}
	ev = c->to.exists ? ENG_MODIFY : ENG_INSERT;
	/* seqs in the order the changes are told: REMOVE of from, then to */
	if ((rc = next_seq(txn, db, &seq_rm, err)) < 0 ||
	    (rc = next_seq(txn, db, &seq_put, err)) < 0)
		goto out_free;
	if ((rc = store_log_append(txn, db, &c->fresh, seq_rm, now, ENG_REMOVE, 0, &c->from.key,
				   c->from.r.data, c->from.r.data_len, NULL, 0, err)) < 0 ||
	    (rc = store_log_append(txn, db, &c->fresh, seq_put, now, ev, 0, &c->to.key,
				   c->to.exists ? c->to.r.data : NULL,
				   c->to.exists ? c->to.r.data_len : 0, c->e.enc.p, c->e.enc.len,
				   err)) < 0)
		goto out_free;
	/* to first: when both share a partition, removing from must not take
	 * the partition away */
	if ((rc = target_write(txn, db, &c->to, &m, c->e.enc.p, c->e.enc.len, now, &st, err)) < 0)
		goto out_free;
	if ((rc = target_remove(txn, db, &c->from, now, &st, err)) < 0)
		goto out_free;
	rc = store_stats_put(txn, db, c->t.tid, &st, err);
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
	return c->from.exists ? 0 : no_item(&c->t, &c->from.key, err);
}

/* 1 if the two targets name the same key. */
static int same_key(const target *a, const target *b)
{
	return store_bytes_cmp(a->pkenc.p, a->pkenc.len, b->pkenc.p, b->pkenc.len) == 0 &&
	       store_bytes_cmp(a->skenc.p, a->skenc.len, b->skenc.p, b->skenc.len) == 0;
}

int eng_item_rename(eng_db *db, const char *table, const lay_key *from, const lay_key *to,
		    int noreplace, lay_err *err)
{
	struct ren_ctx c;
	int rc, tries, cached;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.noreplace = noreplace;
	if ((rc = store_table_peek(db, table, 0, &c.t, &cached, err)) < 0)
		return rc;
	for (tries = 0;; tries++) {
		rc = target_init(&c.from, &c.t, from, err);
		if (rc == 0 && (rc = target_init(&c.to, &c.t, to, err)) < 0)
			target_free(&c.from);
		if (rc < 0 && cached) {
			cached = 0;
			if ((rc = store_table_peek(db, table, 1, &c.t, NULL, err)) < 0)
				break;
			continue;
		}
		if (rc == 0 && same_key(&c.from, &c.to))
			rc = store_read(db, exists_txn, &c, err);
		else if (rc == 0)
			rc = store_write(db, ren_txn, &c, err);
		target_free(&c.from);
		target_free(&c.to);
		if (rc != STORE_STALE)
			break;
		if (tries == STALE_TRIES) {
			rc = lay_err_set(err, -EAGAIN, "table %s keeps changing", table);
			break;
		}
		c.t = c.fresh;
		cached = 0;
	}
	lay_buf_free(&c.e.enc);
	return rc;
}

/* ---- metadata ---- */

struct meta_ctx {
	eng_db *db;
	const char *table;
	const lay_key *key;
	const lay_value *pk;
	const eng_meta *meta;
	const eng_dirmeta *dm;
	unsigned which;
	eng_meta out;
	eng_dirmeta dout;
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
		rc = no_item(&t, c->key, err);
		goto out_free;
	}
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

int eng_item_set_meta(eng_db *db, const char *table, const lay_key *key, const eng_meta *meta,
		      unsigned which, eng_meta *meta_out, lay_err *err)
{
	struct meta_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.key = key;
	c.meta = meta;
	c.which = which & META_BITS;
	if ((rc = store_write(db, set_meta_txn, &c, err)) == 0 && meta_out)
		*meta_out = c.out;
	return rc;
}

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
	if ((rc = target_find(txn, db, tg, err)) < 0)
		return rc;
	if (!tg->has_part) {
		char d[128];

		value_desc(d, sizeof(d), pk);
		return lay_err_set(err, -ENOENT, "table %s has no partition %s", t->name, d);
	}
	return 0;
}

static int part_get_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct meta_ctx *c = vctx;
	store_table t;
	target tg;
	int rc;

	memset(&tg, 0, sizeof(tg));
	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	rc = part_find(txn, c->db, &t, c->pk, &tg, err);
	if (rc == 0)
		c->dout = tg.prow.dm;
	target_free(&tg);
	return rc;
}

int eng_part_get(eng_db *db, const char *table, const lay_value *pk, eng_dirmeta *out,
		 lay_err *err)
{
	struct meta_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.pk = pk;
	if ((rc = store_read(db, part_get_txn, &c, err)) == 0 && out)
		*out = c.dout;
	return rc;
}

static int part_set_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct meta_ctx *c = vctx;
	eng_dirmeta *dm;
	store_table t;
	target tg;
	int rc;

	memset(&tg, 0, sizeof(tg));
	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
		return rc;
	if ((rc = part_find(txn, c->db, &t, c->pk, &tg, err)) < 0)
		goto out_free;
	dm = &tg.prow.dm;
	if (c->which & ENG_META_MODE)
		dm->mode = c->dm->mode & 07777;
	if (c->which & ENG_META_UID)
		dm->uid = c->dm->uid;
	if (c->which & ENG_META_GID)
		dm->gid = c->dm->gid;
	if (c->which & ENG_META_MTIME)
		dm->mtime_ns = c->dm->mtime_ns;
	if (c->which & ENG_META_CTIME)
		dm->ctime_ns = c->dm->ctime_ns;
	rc = part_write(txn, c->db, &tg, err);
out_free:
	target_free(&tg);
	return rc;
}

int eng_part_set_meta(eng_db *db, const char *table, const lay_value *pk, const eng_dirmeta *m,
		      unsigned which, lay_err *err)
{
	struct meta_ctx c;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	c.pk = pk;
	c.dm = m;
	c.which = which & META_BITS;
	return store_write(db, part_set_txn, &c, err);
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
};

/* One LMDB row of a listing with the full encoding of its key. */
typedef struct lrow {
	MDB_val k, v;
	const unsigned char *full;
	size_t flen;
} lrow;

/* The full key encoding of a row at key part kp (plen bytes). */
static int lrow_full(lrow *r, const struct list_ctx *c, size_t plen, lay_err *err)
{
	const unsigned char *kp = (const unsigned char *)r->k.mv_data + plen;
	size_t klen = r->k.mv_size - plen;
	part p;
	row ir;
	int rc;

	if (klen <= STORE_KEY_CUT) {
		r->full = kp;
		r->flen = klen;
		return 0;
	}
	if (c->parts) {
		if ((rc = part_parse(&p, r->v.mv_data, r->v.mv_size, err)) < 0)
			return rc;
		r->full = p.enc;
		r->flen = p.enc_len;
		return 0;
	}
	if ((rc = row_parse(&ir, r->v.mv_data, r->v.mv_size, err)) < 0)
		return rc;
	if (!ir.fullkey)
		return lay_err_set(err, -EIO, "stored item row lacks its full key");
	r->full = ir.fullkey;
	r->flen = ir.fullkey_len;
	return 0;
}

/* Hand one row to the callback: 0 go on, 1 stop, < 0 fail. */
static int emit(struct list_ctx *c, const lrow *r, lay_err *err)
{
	lay_item keys = LAY_ITEM_INIT, it = LAY_ITEM_INIT;
	lay_value kv;
	eng_entry e;
	size_t used;
	part p;
	row ir;
	int rc;

	if (c->after_enc.p &&
	    store_bytes_cmp(r->full, r->flen, c->after_enc.p, c->after_enc.len) <= 0)
		return 0;
	memset(&e, 0, sizeof(e));
	if ((rc = lay_keydec(&keys, &kv, &used, c->ktype, r->full, r->flen)) < 0) {
		rc = rc == -ENOMEM ? lay_err_set(err, rc, "out of memory listing")
				   : lay_err_set(err, -EIO, "a stored key is corrupt");
		goto out_free;
	}
	e.key = &kv;
	if (c->parts) {
		if ((rc = part_parse(&p, r->v.mv_data, r->v.mv_size, err)) < 0)
			goto out_free;
		e.is_partition = 1;
		e.dir = &p.dm;
	} else {
		if ((rc = row_parse(&ir, r->v.mv_data, r->v.mv_size, err)) < 0)
			goto out_free;
		if (store_ttl_expired(ir.meta.expires, c->now))
			goto out_free;
		e.meta = &ir.meta;
		if (c->flags & ENG_LIST_ITEMS) {
			if ((rc = lay_codec_decode(&it, ir.data, ir.data_len, err)) < 0)
				goto out_free;
			e.item = &it;
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

/*
 * Walk the rows under prefix from the cursor's position. A cut key starts a
 * run of rows sharing its STORE_KEY_CUT-byte prefix, ordered by hash: the
 * run is collected and sorted by full encoding before it is emitted.
 */
static int walk(struct list_ctx *c, MDB_cursor *cur, const unsigned char *prefix, size_t plen,
		int mrc, MDB_val *k, MDB_val *v, lay_err *err)
{
	lrow *run = NULL, *grown, one;
	size_t n, cap = 0, i;
	int rc = 0;

	while (mrc == 0 && k->mv_size >= plen && memcmp(k->mv_data, prefix, plen) == 0) {
		one.k = *k;
		one.v = *v;
		if (k->mv_size - plen <= STORE_KEY_CUT) {
			if ((rc = lrow_full(&one, c, plen, err)) < 0 || (rc = emit(c, &one, err)))
				break;
			mrc = mdb_cursor_get(cur, k, v, MDB_NEXT);
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
			if ((rc = lrow_full(&run[n], c, plen, err)) < 0)
				goto out_free;
			n++;
			mrc = mdb_cursor_get(cur, k, v, MDB_NEXT);
		} while (mrc == 0 && k->mv_size == one.k.mv_size &&
			 memcmp(k->mv_data, one.k.mv_data, plen + STORE_KEY_CUT) == 0);
		qsort(run, n, sizeof(*run), lrow_cmp);
		for (i = 0; i < n && rc == 0; i++)
			rc = emit(c, &run[i], err);
		if (rc)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_mdb(mrc, "listing", err);
out_free:
	free(run);
	return rc;
}

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
	c->n = 0;
	lay_buf_free(&c->after_enc);
	if ((rc = store_table_get(txn, db, c->table, &t, err)) < 0)
		return rc;
	store_be32(prefix, t.tid);
	if (c->pk) {
		rc = part_find(txn, db, &t, c->pk, &tg, err);
		if (rc == -ENOENT && t.schema.sk_type) {
			/* a partition without items lists nothing */
			lay_err_clear(err);
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
		if (c->after->type != c->ktype) {
			rc = lay_err_set(err, -EINVAL,
					 "the listing's cursor is of type %s; keys here are %s",
					 lay_type_name(c->after->type), lay_type_name(c->ktype));
			goto out_free;
		}
		if (lay_keyenc(&c->after_enc, c->after) < 0)
			goto out_nomem;
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
	k.mv_size = seek.len;
	k.mv_data = seek.p;
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = walk(c, cur, prefix, plen, mrc, &k, &v, err);
	mdb_cursor_close(cur);
	if (rc == 1)
		rc = 0;
	goto out_free;
out_nomem:
	rc = lay_err_set(err, -ENOMEM, "out of memory listing");
out_free:
	lay_buf_free(&seek);
	target_free(&tg);
	return rc;
}

int eng_list(eng_db *db, const char *table, const lay_value *pk, const lay_value *after,
	     size_t max, unsigned flags, eng_list_cb cb, void *ctx, lay_err *err)
{
	struct list_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.now = eng_clock_now_ns(db->clock);
	c.table = table;
	c.pk = pk;
	c.after = after;
	c.max = max;
	c.flags = flags;
	c.cb = cb;
	c.cbctx = ctx;
	rc = store_read(db, list_txn, &c, err);
	lay_buf_free(&c.after_enc);
	return rc;
}

/* ---- long names ---- */

struct resolve_ctx {
	eng_db *db;
	const char *table;
	const lay_value *pk;
	uint64_t hash;
	lay_item *store;
	lay_value *out;
};

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
	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) < 0)
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

int eng_resolve_hash(eng_db *db, const char *table, const lay_value *pk, uint64_t hash,
		     lay_item *store, lay_value *out, lay_err *err)
{
	struct resolve_ctx c = { db, table, pk, hash, store, out };

	return store_read(db, resolve_txn, &c, err);
}

/* ---- TTL (SPEC §9): sweeping expired items, reindexing ---- */

#define SWEEP_BATCH 256

struct sweep_ctx {
	eng_db *db;
	const char *table;
	size_t limit;        /* items per transaction */
	size_t n;            /* deleted in this run of the transaction */
	int more;
	lay_item keys;       /* the deleted keys, for the hook */
	lay_key *deleted;
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
	uint64_t seq;
	MDB_val v;
	row r;
	int rc;

	rc = store_get(txn, db->items, ikey, ilen, &v, err);
	if (rc == -ENOENT)
		return store_ttl_index(txn, db, ikey, ilen, exp, 0, err);
	if (rc < 0 || (rc = row_parse(&r, v.mv_data, v.mv_size, err)) < 0)
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
	    (rc = next_seq(txn, db, &seq, err)) < 0 ||
	    (rc = store_log_append(txn, db, t, seq, now, ENG_REMOVE, ENG_CHANGE_SERVICE, &tg.key,
				   tg.r.data, tg.r.data_len, NULL, 0, err)) < 0 ||
	    (rc = target_remove(txn, db, &tg, now, &st, err)) < 0)
		goto out_target;
	st.count--;
	st.size -= tg.r.meta.size;
	if ((rc = store_stats_put(txn, db, t->tid, &st, err)) < 0)
		goto out_target;
	if (lay_value_copy(&c->keys, &c->deleted[c->n].pk, &key.pk) < 0 ||
	    (key.sk.type && lay_value_copy(&c->keys, &c->deleted[c->n].sk, &key.sk) < 0))
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
	lay_item_free(&c->keys);
	c->n = 0;
	c->more = 0;
	if ((rc = store_table_get(txn, db, c->table, &t, err)) < 0)
		return rc;
	if (!(c->deleted = lay_item_alloc(&c->keys, SWEEP_BATCH * sizeof(lay_key))))
		return lay_err_set(err, -ENOMEM, "out of memory sweeping");
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
	c->more = nfound == c->limit;
	rc = 0;
	for (i = 0; i < nfound && rc >= 0; i++) {
		rc = store_ttl_expired(exps[i], now)
			     ? sweep_one(txn, db, &t, found[i], lens[i], exps[i], now, c, err)
			     : store_ttl_index(txn, db, found[i], lens[i], exps[i], 0, err);
		if (rc == 1)
			c->n++;
	}
	free(found);
	return rc < 0 ? rc : 0;
}

/*
 * Delete table's expired items, at most limit per call (0: all), telling
 * hook (may be NULL) of each after its transaction committed.
 */
int store_ttl_sweep(eng_db *db, const char *table, size_t limit, size_t *swept, lay_err *err)
{
	struct sweep_ctx c;
	size_t total = 0, i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.table = table;
	do {
		c.limit = limit && limit - total < SWEEP_BATCH ? limit - total : SWEEP_BATCH;
		rc = store_write_frees(db, sweep_txn, &c, err);
		if (rc < 0)
			break;
		if (db->hook)
			for (i = 0; i < c.n; i++)
				db->hook(db->hook_ctx, table, &c.deleted[i], ENG_REMOVE);
		total += c.n;
	} while (c.more && (!limit || total < limit));
	lay_item_free(&c.keys);
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
		row r;
		int64_t exp;

		if (k.mv_size < 4 || memcmp(k.mv_data, pre, 4) != 0)
			break;
		if ((rc = row_parse(&r, v.mv_data, v.mv_size, err)) < 0 ||
		    (rc = lay_codec_decode(&it, r.data, r.data_len, err)) < 0)
			break;
		exp = store_ttl_expiry(&it, t->settings.ttl_attr, now);
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
		if (row_build(&b, r.flags, &r.meta, r.fullkey, r.fullkey_len, r.data, r.data_len) <
		    0) {
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
