/* The rows an item is stored in (SPEC §3, §4): the item row, its
 * partition's row, the names row of a long name and its entry in the
 * expiry index; where they live and how they are written and removed, in
 * the caller's transaction. Keys are described at the top of store.c. */
#include "row.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/json.h"
#include "../layout/keyenc.h"
#include "../layout/name.h"

#define DEFAULT_DIR_MODE 0755

/*
 * Both rows start with the same head; the item row goes on with what only
 * items have. Integers are big-endian. The offsets are named once here and
 * used by one build and one parse.
 */
enum {
	HEAD_VERSION = 0,
	HEAD_FLAGS = 1,
	HEAD_KLEN = 2,       /* u16: length of the full key encoding that follows */
	HEAD_ID = 4,
	HEAD_MODE = 12,
	HEAD_UID = 16,
	HEAD_GID = 20,
	HEAD_MTIME = 24,
	HEAD_CTIME = 32,
	HEAD_LEN = 40,       /* the partition row's header ends here */
	/* item rows of version 3 */
	ITEM_TEXT_LEN = 40,  /* u32: the length of the item's rendering in ... */
	ITEM_TEXT_FMT = 44,  /* u8: ... this format (0xff: none kept) */
	ITEM_SIZE = 45,
	ITEM_EXPIRES = 49,
	ITEM_LEN = 57,
	/* item rows of version 2 kept both formats' lengths */
	V2_LEN_PLAIN = 40,
	V2_LEN_DDB = 44,
	V2_SIZE = 48,
	V2_EXPIRES = 52,
	V2_LEN = 60,
};

/* Version 3 keeps one cached text length, tagged with its format, instead
 * of one per format: a put counts the length in the db's format only, and
 * the row's layout does not depend on how many formats there are. Version
 * 2 rows are read as they are and become version 3 when next written. */
#define ITEM_VERSION 3
#define ITEM_VERSION_2 2
#define NO_FMT 0xff
#define PART_VERSION 1
#define ROW_FULLKEY 0x1u /* item row: the full key encoding follows the header */

static void head_build(unsigned char *h, unsigned version, unsigned flags, size_t klen,
		       const eng_dirmeta *dm)
{
	h[HEAD_VERSION] = (unsigned char)version;
	h[HEAD_FLAGS] = (unsigned char)flags;
	h[HEAD_KLEN] = (unsigned char)(klen >> 8);
	h[HEAD_KLEN + 1] = (unsigned char)klen;
	store_be64(h + HEAD_ID, dm->id);
	store_be32(h + HEAD_MODE, dm->mode);
	store_be32(h + HEAD_UID, dm->uid);
	store_be32(h + HEAD_GID, dm->gid);
	store_be64(h + HEAD_MTIME, (uint64_t)dm->mtime_ns);
	store_be64(h + HEAD_CTIME, (uint64_t)dm->ctime_ns);
}

/* The head of b (at least HEAD_LEN bytes): its flags, key length, metadata. */
static size_t head_parse(const unsigned char *b, unsigned *flags, eng_dirmeta *dm)
{
	*flags = b[HEAD_FLAGS];
	dm->id = store_rd64(b + HEAD_ID);
	dm->mode = store_rd32(b + HEAD_MODE);
	dm->uid = store_rd32(b + HEAD_UID);
	dm->gid = store_rd32(b + HEAD_GID);
	dm->mtime_ns = (int64_t)store_rd64(b + HEAD_MTIME);
	dm->ctime_ns = (int64_t)store_rd64(b + HEAD_CTIME);
	return (size_t)b[HEAD_KLEN] << 8 | b[HEAD_KLEN + 1];
}

int row_item_parse(item_row *out, const void *p, size_t len, lay_format fmt, lay_err *err)
{
	const unsigned char *b = p;
	size_t hlen = ITEM_LEN, klen;
	eng_dirmeta dm;

	if (len >= V2_LEN && b[HEAD_VERSION] == ITEM_VERSION_2) {
		hlen = V2_LEN;
		out->len_fmt = fmt;
		out->len_raw = store_rd32(b + (fmt == LAY_FMT_DDB ? V2_LEN_DDB : V2_LEN_PLAIN));
		out->meta.size = store_rd32(b + V2_SIZE);
		out->meta.expires = (int64_t)store_rd64(b + V2_EXPIRES);
	} else if (len >= ITEM_LEN && b[HEAD_VERSION] == ITEM_VERSION) {
		out->len_fmt = b[ITEM_TEXT_FMT] == NO_FMT ? -1 : b[ITEM_TEXT_FMT];
		out->len_raw = store_rd32(b + ITEM_TEXT_LEN);
		out->meta.size = store_rd32(b + ITEM_SIZE);
		out->meta.expires = (int64_t)store_rd64(b + ITEM_EXPIRES);
	} else {
		return lay_err_set(err, -EIO, "stored item row is corrupt");
	}
	out->meta.len = out->len_fmt == (int)fmt ? out->len_raw : ROW_LEN_UNKNOWN;
	klen = head_parse(b, &out->flags, &dm);
	out->meta.id = dm.id;
	out->meta.mode = dm.mode;
	out->meta.uid = dm.uid;
	out->meta.gid = dm.gid;
	out->meta.mtime_ns = dm.mtime_ns;
	out->meta.ctime_ns = dm.ctime_ns;
	if (len - hlen < klen || ((out->flags & ROW_FULLKEY) != 0) != (klen != 0))
		return lay_err_set(err, -EIO, "stored item row is corrupt");
	out->flags &= ~ROW_FULLKEY;
	out->fullkey = klen ? b + hlen : NULL;
	out->fullkey_len = klen;
	out->data = b + hlen + klen;
	out->data_len = len - hlen - klen;
	return 0;
}

int row_len(item_row *r, lay_format fmt, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	int rc;

	if (r->meta.len != ROW_LEN_UNKNOWN)
		return 0;
	if ((rc = lay_codec_decode(&it, r->data, r->data_len, err)) == 0)
		r->meta.len = (uint32_t)lay_json_len(&it, fmt);
	lay_item_free(&it);
	return rc;
}

int row_item_build(lay_buf *out, const item_row *r)
{
	const eng_meta *m = &r->meta;
	eng_dirmeta dm = { m->id, m->mode, m->uid, m->gid, m->mtime_ns, m->ctime_ns };
	size_t fklen = r->fullkey ? r->fullkey_len : 0;
	unsigned char h[ITEM_LEN];

	head_build(h, ITEM_VERSION, r->flags | (fklen ? ROW_FULLKEY : 0), fklen, &dm);
	store_be32(h + ITEM_TEXT_LEN, r->len_fmt < 0 ? 0 : r->len_raw);
	h[ITEM_TEXT_FMT] = r->len_fmt < 0 ? NO_FMT : (unsigned char)r->len_fmt;
	store_be32(h + ITEM_SIZE, m->size);
	store_be64(h + ITEM_EXPIRES, (uint64_t)m->expires);
	lay_buf_reset(out);
	if (lay_buf_add(out, h, ITEM_LEN) < 0 || (fklen && lay_buf_add(out, r->fullkey, fklen) < 0) ||
	    (r->data_len && lay_buf_add(out, r->data, r->data_len) < 0))
		return -ENOMEM;
	return 0;
}

int row_part_parse(part_row *out, const void *p, size_t len, lay_err *err)
{
	const unsigned char *b = p;
	size_t klen;

	if (len < HEAD_LEN || b[HEAD_VERSION] != PART_VERSION)
		return lay_err_set(err, -EIO, "stored partition row is corrupt");
	klen = head_parse(b, &out->flags, &out->dm);
	if (len - HEAD_LEN != klen || klen == 0)
		return lay_err_set(err, -EIO, "stored partition row is corrupt");
	out->enc = b + HEAD_LEN;
	out->enc_len = klen;
	return 0;
}

int row_part_build(lay_buf *out, const part_row *p)
{
	unsigned char h[HEAD_LEN];

	head_build(h, PART_VERSION, p->flags, p->enc_len, &p->dm);
	lay_buf_reset(out);
	if (lay_buf_add(out, h, HEAD_LEN) < 0 || lay_buf_add(out, p->enc, p->enc_len) < 0)
		return -ENOMEM;
	return 0;
}

void store_value_desc(char *dst, size_t dsz, const lay_value *v)
{
	if (v->type == LAY_B)
		snprintf(dst, dsz, "(%zu bytes of binary)", v->len);
	else
		snprintf(dst, dsz, "\"%.*s%s\"", (int)(v->len > 80 ? 80 : v->len), v->u.p,
			 v->len > 80 ? "..." : "");
}

int store_no_item(const store_table *t, const lay_key *key, lay_err *err)
{
	char pk[128], sk[128];

	store_value_desc(pk, sizeof(pk), &key->pk);
	if (!t->schema.sk_type)
		return lay_err_set(err, -ENOENT, "table %s has no item with %s %s", t->name,
				   t->schema.pk, pk);
	store_value_desc(sk, sizeof(sk), &key->sk);
	return lay_err_set(err, -ENOENT, "table %s has no item with %s %s and %s %s", t->name,
			   t->schema.pk, pk, t->schema.sk, sk);
}

int store_collision(const store_table *t, lay_err *err)
{
	return lay_err_set(err, -EIO,
			   "table %s: two different long keys have the same 64-bit hash of their "
			   "encoding; this key cannot be stored", t->name);
}

void target_free(target *tg)
{
	lay_buf_free(&tg->pkenc);
	lay_buf_free(&tg->skenc);
	lay_buf_free(&tg->pkey);
	lay_buf_free(&tg->ikey);
	lay_buf_free(&tg->partbuf);
	lay_buf_free(&tg->rowbuf);
}

int target_init(target *tg, const store_table *t, const lay_key *key, lay_err *err)
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

/* Make v, a row the transaction found, one the target may keep: a copy in
 * buf, since a later write of the same transaction may move LMDB's pages;
 * a read transaction's target uses LMDB's bytes as they are. */
static int keep_row(const target *tg, lay_buf *buf, MDB_val *v, lay_err *err)
{
	if (tg->borrow)
		return 0;
	lay_buf_reset(buf);
	if (lay_buf_add(buf, v->mv_data, v->mv_size) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory reading a row");
	v->mv_data = buf->p;
	return 0;
}

int target_find(MDB_txn *txn, eng_db *db, target *tg, lay_err *err)
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
		if ((rc = keep_row(tg, &tg->partbuf, &v, err)) < 0 ||
		    (rc = row_part_parse(&tg->prow, v.mv_data, v.mv_size, err)) < 0)
			return rc;
		if (store_bytes_cmp(tg->prow.enc, tg->prow.enc_len, tg->pkenc.p, tg->pkenc.len)) {
			/* a different partition key with the same cut LMDB key */
			tg->collides = 1;
			return target_ikey(tg) < 0 ? lay_err_set(err, -ENOMEM, "out of memory") : 0;
		}
		tg->has_part = 1;
		tg->pid = tg->prow.dm.id;
		if (tg->part_only)
			return 0;
	}
	if (target_ikey(tg) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory");
	rc = store_get(txn, db->items, tg->ikey.p, tg->ikey.len, &v, err);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if ((rc = keep_row(tg, &tg->rowbuf, &v, err)) < 0 ||
	    (rc = row_item_parse(&tg->r, v.mv_data, v.mv_size, db->format, err)) < 0)
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

/* Put (add != 0) or delete the names row of v in directory pid. */
static int names_row(MDB_txn *txn, eng_db *db, uint32_t tid, uint64_t pid, const lay_value *v,
		     const lay_buf *enc, int add, lay_err *err)
{
	lay_buf k = LAY_BUF_INIT;
	int rc;

	if (names_key(&k, tid, pid, v, enc) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	else if (add)
		rc = store_put(txn, db->names, k.p, k.len, enc->p, enc->len, err);
	else if ((rc = store_del(txn, db->names, k.p, k.len, err)) == -ENOENT)
		rc = 0;
	lay_buf_free(&k);
	return rc;
}

int target_part_write(MDB_txn *txn, eng_db *db, target *tg, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	int rc;

	tg->prow.enc = (const unsigned char *)tg->pkenc.p;
	tg->prow.enc_len = tg->pkenc.len;
	if (row_part_build(&b, &tg->prow) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory writing a partition");
	else
		rc = store_put(txn, db->parts, tg->pkey.p, tg->pkey.len, b.p, b.len, err);
	lay_buf_free(&b);
	return rc;
}

int target_write(MDB_txn *txn, eng_db *db, target *tg, const eng_meta *m, const void *data,
		 size_t dlen, int64_t now, store_stats *st, lay_err *err)
{
	uint32_t tid = tg->t->tid;
	unsigned flags = 0;
	lay_buf b = LAY_BUF_INIT;
	item_row r;
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
		if ((rc = target_part_write(txn, db, tg, err)) < 0)
			return rc;
		if (named && (rc = names_row(txn, db, tid, 0, &tg->key.pk, &tg->pkenc, 1, err)) < 0)
			return rc;
		st->mtime_ns = st->ctime_ns = now;
		tg->has_part = 1;
		if (target_ikey(tg) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory");
	} else if (tg->composite && !tg->exists) {
		tg->prow.dm.mtime_ns = tg->prow.dm.ctime_ns = now;
		if ((rc = target_part_write(txn, db, tg, err)) < 0)
			return rc;
	}
	if (tg->exists) {
		flags = tg->r.flags & ROW_NAMED;
	} else {
		if ((named = name_is_long(tg->ival, 1)) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory");
		if (named) {
			flags = ROW_NAMED;
			if ((rc = names_row(txn, db, tid, tg->pid, tg->ival, tg->ienc, 1, err)) < 0)
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
	r.flags = flags;
	r.meta = *m;
	if (m->len != ROW_LEN_UNKNOWN) {
		r.len_fmt = db->format;
		r.len_raw = m->len;
	} else if (tg->exists && data == tg->r.data) {
		r.len_fmt = tg->r.len_fmt; /* the same item: its cache stays */
		r.len_raw = tg->r.len_raw;
	} else {
		r.len_fmt = -1;
	}
	r.fullkey = tg->ienc->len > STORE_KEY_CUT ? (const unsigned char *)tg->ienc->p : NULL;
	r.fullkey_len = tg->ienc->len;
	r.data = data;
	r.data_len = dlen;
	if (row_item_build(&b, &r) < 0)
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

int target_remove(MDB_txn *txn, eng_db *db, target *tg, int64_t now, store_stats *st,
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
	    (rc = names_row(txn, db, tid, tg->pid, tg->ival, tg->ienc, 0, err)) < 0)
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
		return target_part_write(txn, db, tg, err);
	}
	if ((rc = store_del(txn, db->parts, tg->pkey.p, tg->pkey.len, err)) < 0)
		return rc;
	if ((tg->prow.flags & ROW_NAMED) &&
	    (rc = names_row(txn, db, tid, 0, &tg->key.pk, &tg->pkenc, 0, err)) < 0)
		return rc;
	tg->has_part = 0;
	st->mtime_ns = st->ctime_ns = now;
	return 0;
}

int encode_item(encoded *out, const lay_item *it, lay_format fmt, lay_err *err)
{
	lay_buf_reset(&out->enc);
	if (lay_codec_encode(&out->enc, it) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory encoding an item");
	out->len = (uint32_t)lay_json_len(it, fmt);
	out->size = (uint32_t)lay_item_size(it);
	return 0;
}

int store_ttl_index(MDB_txn *txn, eng_db *db, const void *ikey, size_t ilen, int64_t exp, int add,
		    lay_err *err)
{
	unsigned char k[12 + STORE_KEY_MAX];
	int rc;

	if (ilen < 4 || ilen - 4 > STORE_KEY_MAX)
		return lay_err_set(err, -EIO, "an item key is too long to index");
	memcpy(k, ikey, 4);
	store_be64(k + 4, (uint64_t)exp);
	memcpy(k + 12, (const unsigned char *)ikey + 4, ilen - 4);
	if (add)
		return store_put(txn, db->ttl, k, ilen + 8, "", 0, err);
	rc = store_del(txn, db->ttl, k, ilen + 8, err);
	return rc == -ENOENT ? 0 : rc;
}

