/* The verifier's rows of items (SPEC §3, §4, §9, §17): partitions, items,
 * long names and the expiry index agree with each other both ways (row.c
 * writes them; check.c walks them). */
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/json.h"
#include "../layout/keyenc.h"
#include "../layout/name.h"
#include "../layout/ttl.h"
#include "row.h"

/* The value of type t encoded at p, wholly: 0, or -EINVAL. */
static int decode_key(lay_item *arena, lay_value *out, lay_type t, const void *p, size_t len)
{
	size_t used = 0;
	int rc = lay_keydec(arena, out, &used, t, p, len);

	if (rc < 0)
		return rc;
	return used == len ? 0 : -EINVAL;
}

/* 1 if v's file name is long and hashed (SPEC §4): what ROW_NAMED says. */
static int long_name(const lay_value *v, int item, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	int rc = lay_name_from_key(&b, v, item);

	lay_buf_free(&b);
	return rc < 0 ? check_nomem(err) : rc;
}

/* The names row of value v (full encoding enc) in directory pid of table
 * tid must hold enc; what says whose it is. */
static int name_expected(struct chk *c, uint32_t tid, uint64_t pid, const lay_value *v,
			 const lay_buf *enc, const char *what, lay_err *err)
{
	unsigned char pre[20];
	MDB_val got;
	int rc;

	store_be32(pre, tid);
	store_be64(pre + 4, pid);
	store_be64(pre + 12, lay_name_hash(v));
	if (check_make_key(&c->c, pre, sizeof(pre), enc) < 0)
		return check_nomem(err);
	if ((rc = check_lookup(c, c->db->names, c->c.p, c->c.len, &got, err)) < 0)
		return rc;
	if (!rc)
		check_problem(c, "%s has a long name but no names row", what);
	else if (store_bytes_cmp(got.mv_data, got.mv_size, enc->p, enc->len))
		check_problem(c, "%s: its names row holds another key", what);
	return 0;
}

/* 1 if partition pid of table tid holds an item row. */
static int part_has_items(struct chk *c, uint32_t tid, uint64_t pid, lay_err *err)
{
	unsigned char pre[12];
	MDB_val k = { sizeof(pre), pre }, v;
	int rc;

	store_be32(pre, tid);
	store_be64(pre + 4, pid);
	rc = mdb_cursor_get(c->probe, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_mdb(rc, "checking a partition", err);
	return k.mv_size >= 12 && memcmp(k.mv_data, pre, 12) == 0;
}

int check_part_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	lay_item arena = LAY_ITEM_INIT;
	char h[64], who[600], what[900], pk[128];
	struct owner *o;
	lay_value val;
	part_row p;
	int rc = 0, named;

	if (k->mv_size < 5) {
		check_problem(c, "parts: a row's key is %zu bytes (%s)", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "parts", k)))
		return 0;
	c->st.parts++;
	if (check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	check_hex(h, sizeof(h), (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	if (!o->t.schema.sk_type) {
		check_problem(c, "%s: partition row %s in a table without sort key", who, h);
		return 0;
	}
	if (row_part_parse(&p, v->mv_data, v->mv_size, NULL) < 0) {
		check_problem(c, "%s: partition row %s is corrupt", who, h);
		return 0;
	}
	if (decode_key(&arena, &val, o->t.schema.pk_type, p.enc, p.enc_len) < 0) {
		check_problem(c, "%s: partition row %s holds no %s key value", who, h,
			      o->t.schema.pk);
		goto out_free;
	}
	store_value_desc(pk, sizeof(pk), &val);
	snprintf(what, sizeof(what), "%.500s: partition %.64s %s", who, o->t.schema.pk, pk);
	lay_buf_reset(&c->a);
	if (lay_buf_add(&c->a, p.enc, p.enc_len) < 0 ||
	    check_make_key(&c->b, k->mv_data, 4, &c->a) < 0) {
		rc = check_nomem(err);
		goto out_free;
	}
	if (store_bytes_cmp(c->b.p, c->b.len, k->mv_data, k->mv_size))
		check_problem(c, "%s is stored under another key", what);
	if (!p.dm.id)
		check_problem(c, "%s has id 0", what);
	if (p.dm.mode & ~07777u)
		check_problem(c, "%s: its mode %o is not a permission", what, p.dm.mode);
	check_use_oid(c, p.dm.id, what);
	if ((rc = part_has_items(c, o->tid, p.dm.id, err)) < 0)
		goto out_free;
	if (!rc)
		check_problem(c, "%s holds no item", what);
	if ((named = rc = long_name(&val, 0, err)) < 0)
		goto out_free;
	rc = 0;
	if (named != !!(p.flags & ROW_NAMED))
		check_problem(c, "%s: its row says its name is %s", what, named ? "short" : "long");
	else if (named)
		rc = name_expected(c, o->tid, 0, &val, &c->a, what, err);
out_free:
	lay_item_free(&arena);
	return rc;
}

/* The item row r of key k: its partition (composite tables) and its place. */
static int item_place(struct chk *c, const struct owner *o, const MDB_val *k, const item_row *r,
		      const lay_buf *pkenc, const lay_buf *ienc, const char *what, lay_err *err)
{
	uint64_t pid = store_rd64((const unsigned char *)k->mv_data + 4);
	part_row p;
	MDB_val v;
	int rc;

	if (!o->t.schema.sk_type) {
		if (pid)
			check_problem(
			    c, "%s is filed under partition id %llu in a table without sort key",
			    what, (unsigned long long)pid);
	} else if (check_make_key(&c->b, k->mv_data, 4, pkenc) < 0) {
		return check_nomem(err);
	} else if ((rc = check_lookup(c, c->db->parts, c->b.p, c->b.len, &v, err)) < 0) {
		return rc;
	} else if (!rc) {
		check_problem(c, "%s: its partition has no row", what);
	} else if (row_part_parse(&p, v.mv_data, v.mv_size, NULL) < 0) {
		/* the partition's own problem */
	} else if (p.dm.id != pid || store_bytes_cmp(p.enc, p.enc_len, pkenc->p, pkenc->len)) {
		check_problem(c, "%s is filed under partition id %llu, its partition's id is %llu",
			      what, (unsigned long long)pid, (unsigned long long)p.dm.id);
	}
	if (check_make_key(&c->b, k->mv_data, 12, ienc) < 0)
		return check_nomem(err);
	if (store_bytes_cmp(c->b.p, c->b.len, k->mv_data, k->mv_size))
		check_problem(c, "%s is stored under another key", what);
	if ((ienc->len > STORE_KEY_CUT) != (r->fullkey != NULL) ||
	    (r->fullkey && store_bytes_cmp(r->fullkey, r->fullkey_len, ienc->p, ienc->len)))
		check_problem(c, "%s: the full key its row keeps is not its key", what);
	return 0;
}

/* An item's expiry: its TTL attribute's, and its index row. */
static int item_expiry(struct chk *c, const struct owner *o, const MDB_val *k, const item_row *r,
		       const lay_item *it, const char *what, lay_err *err)
{
	int64_t exp = r->meta.expires;
	unsigned char ik[12 + STORE_KEY_MAX];
	MDB_val v;
	int rc;

	if (!exp)
		return 0;
	if (o->kind != OWNER_TABLE) {
		check_problem(c, "%s expires, but a backup keeps no TTL", what);
		return 0;
	}
	if (!o->t.settings.ttl_attr[0]) {
		check_problem(c, "%s expires at %lld, but its table has no TTL attribute", what,
			      (long long)exp);
		return 0;
	}
	if (lay_ttl_expiry(it, o->t.settings.ttl_attr, exp * CHECK_NS) != exp)
		check_problem(c, "%s expires at %lld, which is not its attribute %s", what,
			      (long long)exp, o->t.settings.ttl_attr);
	if (exp < c->now / CHECK_NS - FIVE_YEARS_S || k->mv_size - 4 > STORE_KEY_MAX)
		return 0;
	memcpy(ik, k->mv_data, 4);
	store_be64(ik + 4, (uint64_t)exp);
	memcpy(ik + 12, (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	if ((rc = check_lookup(c, c->db->ttl, ik, k->mv_size + 8, &v, err)) < 0)
		return rc;
	if (!rc)
		check_problem(c, "%s expires at %lld but has no expiry index row", what,
			      (long long)exp);
	return 0;
}

/* What an item row's header says of the item: its size, its rendering's
 * cached length, its id. */
static void item_meta(struct chk *c, const item_row *r, const lay_item *it, const char *what)
{
	size_t size = lay_item_size(it);

	if (r->meta.size != size)
		check_problem(c, "%s: its row says %u bytes, the item is %zu", what, r->meta.size,
			      size);
	if (r->len_fmt >= 0 && r->len_fmt != LAY_FMT_PLAIN && r->len_fmt != LAY_FMT_DDB)
		check_problem(c, "%s: its row caches a length for unknown format %d", what,
			      r->len_fmt);
	else if (r->len_fmt >= 0 && lay_json_len(it, (lay_format)r->len_fmt) != r->len_raw)
		check_problem(c, "%s: its row says its text is %u bytes, it is %zu", what,
			      r->len_raw, lay_json_len(it, (lay_format)r->len_fmt));
	if (!r->meta.id)
		check_problem(c, "%s has id 0", what);
	if (r->meta.mode & ~07777u)
		check_problem(c, "%s: its mode %o is not a permission", what, r->meta.mode);
	check_use_oid(c, r->meta.id, what);
}

int check_item_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf pkenc = LAY_BUF_INIT, skenc = LAY_BUF_INIT;
	char h[64], who[600], what[1000], kd[400];
	lay_err why = { 0, "" };
	struct owner *o;
	const lay_buf *ienc;
	item_row r;
	lay_key key;
	int rc = 0, named;

	if (k->mv_size < 13) {
		check_problem(c, "items: a row's key is %zu bytes (%s)", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "items", k)))
		return 0;
	c->st.items++;
	if (check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	check_hex(h, sizeof(h), (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	if (row_item_parse(&r, v->mv_data, v->mv_size, c->db->format, NULL) < 0) {
		check_problem(c, "%s: item row %s is corrupt", who, h);
		return 0;
	}
	o->items++;
	o->size += r.meta.size;
	if (lay_codec_decode(&it, r.data, r.data_len, &why) < 0) {
		check_problem(c, "%s: item row %s: %s", who, h, why.msg);
		return 0;
	}
	if (lay_item_key(&key, &it, &o->t.schema, &why) < 0) {
		check_problem(c, "%s: item row %s: %s", who, h, why.msg);
		goto out_free;
	}
	snprintf(what, sizeof(what), "%.500s: item %s", who,
		 check_key_name(o, &key, kd, sizeof(kd)));
	if (lay_keyenc(&pkenc, &key.pk) < 0 ||
	    (o->t.schema.sk_type && lay_keyenc(&skenc, &key.sk) < 0)) {
		rc = check_nomem(err);
		goto out_free;
	}
	ienc = o->t.schema.sk_type ? &skenc : &pkenc;
	if ((rc = item_place(c, o, k, &r, &pkenc, ienc, what, err)) < 0)
		goto out_free;
	item_meta(c, &r, &it, what);
	if ((named = rc = long_name(o->t.schema.sk_type ? &key.sk : &key.pk, 1, err)) < 0)
		goto out_free;
	rc = 0;
	if (named != !!(r.flags & ROW_NAMED))
		check_problem(c, "%s: its row says its name is %s", what, named ? "short" : "long");
	else if (named &&
		 (rc = name_expected(c, o->tid, store_rd64((unsigned char *)k->mv_data + 4),
				     o->t.schema.sk_type ? &key.sk : &key.pk, ienc, what, err)) < 0)
		goto out_free;
	rc = item_expiry(c, o, k, &r, &it, what, err);
out_free:
	lay_buf_free(&pkenc);
	lay_buf_free(&skenc);
	lay_item_free(&it);
	return rc;
}

/* A names row [tid][pid][hash][key part] -> full encoding: the partition
 * (pid 0 in a table with sort key) or item it names has a long name. */
int check_name_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	lay_item arena = LAY_ITEM_INIT;
	char h[64], who[600], vd[128];
	struct owner *o;
	uint64_t pid;
	int is_part, rc = 0;
	lay_type type;
	lay_value val;
	MDB_val row;

	if (k->mv_size < 21) {
		check_problem(c, "names: a row's key is %zu bytes (%s)", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "names", k)))
		return 0;
	c->st.names++;
	if (check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	check_hex(h, sizeof(h), kp + 4, k->mv_size - 4);
	pid = store_rd64(kp + 4);
	is_part = o->t.schema.sk_type && !pid;
	type = is_part || !o->t.schema.sk_type ? o->t.schema.pk_type : o->t.schema.sk_type;
	if (decode_key(&arena, &val, type, v->mv_data, v->mv_size) < 0) {
		check_problem(c, "%s: names row %s holds no key value", who, h);
		goto out_free;
	}
	store_value_desc(vd, sizeof(vd), &val);
	lay_buf_reset(&c->a);
	if (lay_buf_add(&c->a, v->mv_data, v->mv_size) < 0 ||
	    check_make_key(&c->b, kp, 4, &c->a) < 0) {
		rc = check_nomem(err);
		goto out_free;
	}
	if (store_rd64(kp + 12) != lay_name_hash(&val) ||
	    store_bytes_cmp((const unsigned char *)c->b.p + 4, c->b.len - 4, kp + 20,
			    k->mv_size - 20))
		check_problem(c, "%s: the names row of %s is stored under another key", who, vd);
	/* its owner: the partition row, or the item row, flagged as named */
	lay_buf_reset(&c->b);
	if (lay_buf_add(&c->b, kp, is_part ? 4 : 12) < 0 ||
	    store_keypart(&c->b, v->mv_data, v->mv_size) < 0) {
		rc = check_nomem(err);
		goto out_free;
	}
	rc = check_lookup(c, is_part ? c->db->parts : c->db->items, c->b.p, c->b.len, &row, err);
	if (rc < 0)
		goto out_free;
	if (!rc) {
		check_problem(c, "%s: the names row of %s names no %s", who, vd,
			      is_part ? "partition" : "item");
	} else if (is_part) {
		part_row p;

		if (row_part_parse(&p, row.mv_data, row.mv_size, NULL) == 0 &&
		    !(p.flags & ROW_NAMED))
			check_problem(c, "%s: partition %s has a names row but a short name", who,
				      vd);
	} else {
		item_row r;

		if (row_item_parse(&r, row.mv_data, row.mv_size, c->db->format, NULL) == 0 &&
		    !(r.flags & ROW_NAMED))
			check_problem(c, "%s: item %s has a names row but a short name", who, vd);
	}
	rc = 0;
out_free:
	lay_item_free(&arena);
	return rc;
}

/* An expiry index row [tid][exp][pid][key part] -> "": its item expires
 * then. */
int check_ttl_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	unsigned char ik[STORE_KEY_MAX];
	char h[64], who[600];
	struct owner *o;
	MDB_val row;
	item_row r;
	int64_t exp;
	int rc;

	(void)v;
	if (k->mv_size < 4 + 8 + 8 + 1 || k->mv_size - 8 > sizeof(ik)) {
		check_problem(c, "ttl: a row's key is %zu bytes (%s)", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "ttl", k)))
		return 0;
	c->st.ttl_rows++;
	if (check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	exp = (int64_t)store_rd64(kp + 4);
	memcpy(ik, kp, 4);
	memcpy(ik + 4, kp + 12, k->mv_size - 12);
	check_hex(h, sizeof(h), ik + 4, k->mv_size - 12);
	if ((rc = check_lookup(c, c->db->items, ik, k->mv_size - 8, &row, err)) < 0)
		return rc;
	if (!rc)
		check_problem(c,
			      "%s: expiry index row (at %lld) of item row %s, which does not exist",
			      who, (long long)exp, h);
	else if (row_item_parse(&r, row.mv_data, row.mv_size, c->db->format, NULL) == 0 &&
		 r.meta.expires != exp)
		check_problem(
		    c, "%s: expiry index row says item row %s expires at %lld, the item says %lld",
		    who, h, (long long)exp, (long long)r.meta.expires);
	return 0;
}
