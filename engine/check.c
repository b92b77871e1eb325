/* The verifier (SPEC §17, `ddbfs check`): in one read transaction every
 * row of every named database is read, and what the engine keeps twice is
 * compared -- items with their partitions, long names, expiry index and
 * table statistics; the change log with its index; streams with their
 * ends; every id in use with the counters. The row formats are store.c's,
 * row.c's, catalog.c's, log.c's, asof.c's and stream.c's; only what they
 * promise is checked, so a healthy database has no problem. */
#include "engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/json.h"
#include "../layout/keyenc.h"
#include "../layout/name.h"
#include "../layout/stream.h"
#include "../layout/ttl.h"
#include "asof.h"
#include "catalog.h"
#include "row.h"
#include "store.h"

#define NS 1000000000LL
/* TTL values this far in the past are ignored (layout/ttl.c): the sweep
 * drops their index rows and leaves the items as they are */
#define FIVE_YEARS_S (5LL * 365 * 24 * 3600)
#define LOG_KEY_LEN 12   /* [tid][seq] */
#define IDX_KEY_LEN 28   /* logkeys: [tid][hash][time][seq] */
#define STREAM_KEY_LEN 12 /* [tid][offset] */

enum { OWNER_TABLE = 1, OWNER_BACKUP };

/* What a table number belongs to: a table, or a backup's (or a restore's)
 * record, with what the scan found under it. */
struct owner {
	uint32_t tid;
	int kind;
	store_table t;        /* a backup's as store_bk_table reads it */
	store_bk bk;          /* OWNER_BACKUP */
	int has_stats;
	store_stats stats;
	uint64_t items, size; /* the item rows found, and their sizes */
	int has_end;          /* meta "stream_end:<tid>" */
	uint64_t stream_end;
	int has_stream;       /* the last stream row seen: */
	uint64_t stream_next, stream_seq;
};

/* Rows of one database under a table number that nothing owns, counted
 * while they run (keys sort by table number) and told once. */
struct orphans {
	const char *dbi;
	uint32_t tid;
	uint64_t n;
};

struct chk {
	eng_db *db;
	MDB_txn *txn;
	MDB_cursor *probe;    /* on items, for seeks */
	eng_check_fn fn;
	void *ctx;
	eng_check_stats st;
	int64_t now;
	uint64_t oid, tid, seq;             /* the counters */
	uint64_t max_oid, max_tid, max_seq; /* the largest ids in use */
	char oid_user[160];                 /* where max_oid is used */
	struct owner *own;    /* sorted by tid once the records are read */
	size_t nown, cap;
	int logkeys_empty;    /* an open indexes the log (asof_backfill) */
	struct orphans orph;
	lay_buf a, b, c;      /* scratch encodings */
};

/* Tell one problem (the first ENG_CHECK_MAX_TOLD), count every one. */
static void problem(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct chk *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (++c->st.problems > ENG_CHECK_MAX_TOLD || !c->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->fn(c->ctx, line);
}

static int nomem(lay_err *err)
{
	return lay_err_set(err, -ENOMEM, "out of memory checking the database");
}

/* Up to 24 bytes of a raw key in hex, for rows that say nothing else. */
static const char *hex(char *out, size_t size, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i, n = len > 24 ? 24 : len, at = 0;

	out[0] = '\0';
	for (i = 0; i < n && at + 3 < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%02x", b[i]);
	if (len > n && at + 4 < size)
		snprintf(out + at, size - at, "...");
	return out;
}

static struct owner *owner_of(struct chk *c, uint32_t tid)
{
	size_t lo = 0, hi = c->nown;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->own[mid].tid == tid)
			return &c->own[mid];
		if (c->own[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* "table T", "backup B of table T", or "the restore into table T". */
static const char *owner_name(const struct owner *o, char *out, size_t size)
{
	if (o->kind == OWNER_TABLE)
		snprintf(out, size, "table %s", o->t.name);
	else if (o->bk.type == STORE_BK_RESTORE)
		snprintf(out, size, "the restore into table %s (number %u)", o->bk.table, o->tid);
	else
		snprintf(out, size, "backup %s of table %s", o->bk.name, o->bk.table);
	return out;
}

/* An item's key as "pk \"a\"" or "pk \"a\", sk 1". */
static const char *key_name(const struct owner *o, const lay_key *k, char *out, size_t size)
{
	char pk[128], sk[128];

	store_value_desc(pk, sizeof(pk), &k->pk);
	if (!o->t.schema.sk_type) {
		snprintf(out, size, "%.64s %s", o->t.schema.pk, pk);
	} else {
		store_value_desc(sk, sizeof(sk), &k->sk);
		snprintf(out, size, "%.64s %s, %.64s %s", o->t.schema.pk, pk, o->t.schema.sk, sk);
	}
	return out;
}

/* Count a row under a table number that nothing owns; a new number tells
 * the run before it. */
static void orphans_flush(struct chk *c)
{
	if (c->orph.n)
		problem(c, "%s: %llu row%s under table number %u, which is no table's nor backup's",
			c->orph.dbi, (unsigned long long)c->orph.n, c->orph.n == 1 ? "" : "s",
			c->orph.tid);
	c->orph.n = 0;
}

static void orphan(struct chk *c, const char *dbi, uint32_t tid)
{
	if (c->orph.n && (c->orph.tid != tid || c->orph.dbi != dbi))
		orphans_flush(c);
	c->orph.dbi = dbi;
	c->orph.tid = tid;
	c->orph.n++;
}

/* The owner of a row whose key starts with a table number, or NULL (told
 * as an orphan). */
static struct owner *row_owner(struct chk *c, const char *dbi, const MDB_val *k)
{
	uint32_t tid = store_rd32(k->mv_data);
	struct owner *o = owner_of(c, tid);

	if (!o)
		orphan(c, dbi, tid);
	return o;
}

static void use_oid(struct chk *c, uint64_t id, const char *user)
{
	if (id > c->max_oid) {
		c->max_oid = id;
		snprintf(c->oid_user, sizeof(c->oid_user), "%.150s", user);
	}
}

/* 1 if s is a key schema a table can have (table.c's schema_check). */
static int schema_ok(const lay_schema *s)
{
	int pk = s->pk_type == LAY_S || s->pk_type == LAY_N || s->pk_type == LAY_B;
	int sk = s->sk_type == LAY_S || s->sk_type == LAY_N || s->sk_type == LAY_B;

	if (!pk || !s->pk[0])
		return 0;
	if (!s->sk_type)
		return !s->sk[0];
	return sk && s->sk[0] && strcmp(s->pk, s->sk) != 0;
}

/* ---- Walking a database ---- */

typedef int (*row_fn)(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);

static int each_row(struct chk *c, MDB_dbi dbi, row_fn fn, lay_err *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, frc = 0;

	if ((rc = mdb_cursor_open(c->txn, dbi, &cur)) != 0)
		return store_mdb(rc, "checking the database", err);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((frc = fn(c, &k, &v, err)) < 0)
			break;
	mdb_cursor_close(cur);
	orphans_flush(c);
	if (frc < 0)
		return frc;
	return rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "checking the database", err);
}

/* Look key up in dbi: 1 found (*v set), 0 not, or < 0. */
static int lookup(struct chk *c, MDB_dbi dbi, const void *key, size_t len, MDB_val *v,
		  lay_err *err)
{
	int rc = store_get(c->txn, dbi, key, len, v, err);

	if (rc == -ENOENT) {
		lay_err_clear(err);
		return 0;
	}
	return rc < 0 ? rc : 1;
}

/* out = prefix (plen bytes) + the key part of the encoding enc. */
static int make_key(lay_buf *out, const void *prefix, size_t plen, const lay_buf *enc)
{
	lay_buf_reset(out);
	if (lay_buf_add(out, prefix, plen) < 0 || store_keypart(out, enc->p, enc->len) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- Records: tables, backups, counters, statistics ---- */

static struct owner *owner_add(struct chk *c, lay_err *err)
{
	struct owner *grown;

	if (c->nown == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		if (!(grown = realloc(c->own, c->cap * sizeof(*grown)))) {
			nomem(err);
			return NULL;
		}
		c->own = grown;
	}
	grown = &c->own[c->nown++];
	memset(grown, 0, sizeof(*grown));
	return grown;
}

static int table_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	char name[256], h[64];
	lay_err why = { 0, "" };
	struct owner *o;
	store_table t;

	if (k->mv_size == 0 || k->mv_size > 255) {
		problem(c, "tables: a record's name is %zu bytes (%s)", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	memcpy(name, k->mv_data, k->mv_size);
	name[k->mv_size] = '\0';
	if (lay_table_name_check(name, k->mv_size, &why) < 0)
		problem(c, "table %s: its name is not a table's: %s", name, why.msg);
	if (store_table_decode(&t, name, v, &why) < 0) {
		problem(c, "%s", why.msg);
		return 0;
	}
	if (!schema_ok(&t.schema))
		problem(c, "table %s: its key schema is not valid", name);
	if (!(o = owner_add(c, err)))
		return -ENOMEM;
	o->tid = t.tid;
	o->kind = OWNER_TABLE;
	o->t = t;
	c->st.tables++;
	if (t.tid > c->max_tid)
		c->max_tid = t.tid;
	snprintf(h, sizeof(h), "table %.50s", name);
	use_oid(c, t.dir_id, h);
	return 0;
}

static int backup_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	char h[64], who[600];
	lay_err why = { 0, "" };
	struct owner *o;
	store_bk r;

	c->st.backups++;
	if (store_bk_decode(k, v, &r, &why) < 0) {
		problem(c, "backups: row %s: %s", hex(h, sizeof(h), k->mv_data, k->mv_size),
			why.msg);
		return 0;
	}
	if (!(o = owner_add(c, err)))
		return -ENOMEM;
	o->tid = r.id;
	o->kind = OWNER_BACKUP;
	o->bk = r;
	store_bk_table(&r, &o->t);
	owner_name(o, who, sizeof(who));
	if (r.status != STORE_BK_CREATING && r.status != STORE_BK_AVAILABLE)
		problem(c, "%s: unknown state %d", who, r.status);
	if (r.type != STORE_BK_RESTORE && r.type != ENG_BACKUP_USER && r.type != ENG_BACKUP_SYSTEM)
		problem(c, "%s: unknown type %d", who, r.type);
	if (r.type == STORE_BK_RESTORE && r.status != STORE_BK_CREATING)
		problem(c, "%s: a restore's record outlived the restore", who);
	if (r.type != STORE_BK_RESTORE && !r.name[0])
		problem(c, "backup number %u of table %s has no name", r.id, r.table);
	if (!schema_ok(&r.schema))
		problem(c, "%s: its key schema is not valid", who);
	if (r.id > c->max_tid)
		c->max_tid = r.id;
	return 0;
}

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Sort the owners; one number owned twice, or two backups of a table with
 * one name, are problems. */
static void owners_settle(struct chk *c)
{
	char a[600], b[600];
	size_t i, j;

	if (c->nown)
		qsort(c->own, c->nown, sizeof(*c->own), owner_cmp);
	for (i = 1; i < c->nown; i++)
		if (c->own[i].tid == c->own[i - 1].tid)
			problem(c, "table number %u belongs to both %s and %s", c->own[i].tid,
				owner_name(&c->own[i - 1], a, sizeof(a)),
				owner_name(&c->own[i], b, sizeof(b)));
	for (i = 0; i < c->nown; i++) {
		const store_bk *x = &c->own[i].bk;

		if (c->own[i].kind != OWNER_BACKUP || x->type == STORE_BK_RESTORE)
			continue;
		for (j = i + 1; j < c->nown; j++) {
			const store_bk *y = &c->own[j].bk;

			if (c->own[j].kind == OWNER_BACKUP && y->type != STORE_BK_RESTORE &&
			    strcmp(x->table, y->table) == 0 && strcmp(x->name, y->name) == 0)
				problem(c, "table %s has two backups named %s (numbers %u and %u)",
					x->table, x->name, x->id, y->id);
		}
	}
}

static int meta_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	static const char end[] = "stream_end:";
	char name[64];
	struct owner *o;
	uint64_t n;

	(void)err;
	snprintf(name, sizeof(name), "%.*s", (int)(k->mv_size < 60 ? k->mv_size : 60),
		 (const char *)k->mv_data);
	if (v->mv_size != 8) {
		problem(c, "meta: counter %s is corrupt (%zu bytes, not 8)", name, v->mv_size);
		return 0;
	}
	n = store_rd64(v->mv_data);
	if (strcmp(name, STORE_OID) == 0)
		c->oid = n;
	else if (strcmp(name, STORE_TID) == 0)
		c->tid = n;
	else if (strcmp(name, STORE_SEQ) == 0)
		c->seq = n;
	else if (strncmp(name, end, sizeof(end) - 1) == 0 &&
		 (o = owner_of(c, (uint32_t)strtoul(name + sizeof(end) - 1, NULL, 10)))) {
		/* (a deleted table's end stays behind: harmless) */
		o->has_end = 1;
		o->stream_end = n;
	}
	return 0;
}

static int stats_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *p = v->mv_data;
	char h[64], who[600];
	struct owner *o;

	(void)err;
	if (k->mv_size != 4) {
		problem(c, "tstats: a row's key is %zu bytes (%s), not 4", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "tstats", k)))
		return 0;
	if (v->mv_size != 32) {
		problem(c, "%s: its statistics are corrupt (%zu bytes, not 32)",
			owner_name(o, who, sizeof(who)), v->mv_size);
		return 0;
	}
	o->has_stats = 1;
	o->stats.count = store_rd64(p);
	o->stats.size = store_rd64(p + 8);
	return 0;
}

/* ---- Partitions, items, long names, the expiry index ---- */

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
	return rc < 0 ? nomem(err) : rc;
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
	if (make_key(&c->c, pre, sizeof(pre), enc) < 0)
		return nomem(err);
	if ((rc = lookup(c, c->db->names, c->c.p, c->c.len, &got, err)) < 0)
		return rc;
	if (!rc)
		problem(c, "%s has a long name but no names row", what);
	else if (store_bytes_cmp(got.mv_data, got.mv_size, enc->p, enc->len))
		problem(c, "%s: its names row holds another key", what);
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

static int part_row_check(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	lay_item arena = LAY_ITEM_INIT;
	char h[64], who[600], what[900], pk[128];
	struct owner *o;
	lay_value val;
	part_row p;
	int rc = 0, named;

	if (k->mv_size < 5) {
		problem(c, "parts: a row's key is %zu bytes (%s)", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "parts", k)))
		return 0;
	c->st.parts++;
	owner_name(o, who, sizeof(who));
	hex(h, sizeof(h), (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	if (!o->t.schema.sk_type) {
		problem(c, "%s: partition row %s in a table without sort key", who, h);
		return 0;
	}
	if (row_part_parse(&p, v->mv_data, v->mv_size, NULL) < 0) {
		problem(c, "%s: partition row %s is corrupt", who, h);
		return 0;
	}
	if (decode_key(&arena, &val, o->t.schema.pk_type, p.enc, p.enc_len) < 0) {
		problem(c, "%s: partition row %s holds no %s key value", who, h,
			o->t.schema.pk);
		goto out_free;
	}
	store_value_desc(pk, sizeof(pk), &val);
	snprintf(what, sizeof(what), "%.500s: partition %.64s %s", who, o->t.schema.pk, pk);
	lay_buf_reset(&c->a);
	if (lay_buf_add(&c->a, p.enc, p.enc_len) < 0 ||
	    make_key(&c->b, k->mv_data, 4, &c->a) < 0) {
		rc = nomem(err);
		goto out_free;
	}
	if (store_bytes_cmp(c->b.p, c->b.len, k->mv_data, k->mv_size))
		problem(c, "%s is stored under another key", what);
	if (!p.dm.id)
		problem(c, "%s has id 0", what);
	use_oid(c, p.dm.id, what);
	if ((rc = part_has_items(c, o->tid, p.dm.id, err)) < 0)
		goto out_free;
	if (!rc)
		problem(c, "%s holds no item", what);
	if ((named = rc = long_name(&val, 0, err)) < 0)
		goto out_free;
	rc = 0;
	if (named != !!(p.flags & ROW_NAMED))
		problem(c, "%s: its row says its name is %s", what, named ? "short" : "long");
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
			problem(c, "%s is filed under partition id %llu in a table without sort key",
				what, (unsigned long long)pid);
	} else if (make_key(&c->b, k->mv_data, 4, pkenc) < 0) {
		return nomem(err);
	} else if ((rc = lookup(c, c->db->parts, c->b.p, c->b.len, &v, err)) < 0) {
		return rc;
	} else if (!rc) {
		problem(c, "%s: its partition has no row", what);
	} else if (row_part_parse(&p, v.mv_data, v.mv_size, NULL) < 0) {
		/* the partition's own problem */
	} else if (p.dm.id != pid || store_bytes_cmp(p.enc, p.enc_len, pkenc->p, pkenc->len)) {
		problem(c, "%s is filed under partition id %llu, its partition's id is %llu", what,
			(unsigned long long)pid, (unsigned long long)p.dm.id);
	}
	if (make_key(&c->b, k->mv_data, 12, ienc) < 0)
		return nomem(err);
	if (store_bytes_cmp(c->b.p, c->b.len, k->mv_data, k->mv_size))
		problem(c, "%s is stored under another key", what);
	if ((ienc->len > STORE_KEY_CUT) != (r->fullkey != NULL) ||
	    (r->fullkey && store_bytes_cmp(r->fullkey, r->fullkey_len, ienc->p, ienc->len)))
		problem(c, "%s: the full key its row keeps is not its key", what);
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
		problem(c, "%s expires, but a backup keeps no TTL", what);
		return 0;
	}
	if (!o->t.settings.ttl_attr[0]) {
		problem(c, "%s expires at %lld, but its table has no TTL attribute", what,
			(long long)exp);
		return 0;
	}
	if (lay_ttl_expiry(it, o->t.settings.ttl_attr, exp * NS) != exp)
		problem(c, "%s expires at %lld, which is not its attribute %s", what,
			(long long)exp, o->t.settings.ttl_attr);
	if (exp < c->now / NS - FIVE_YEARS_S || k->mv_size - 4 > STORE_KEY_MAX)
		return 0;
	memcpy(ik, k->mv_data, 4);
	store_be64(ik + 4, (uint64_t)exp);
	memcpy(ik + 12, (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	if ((rc = lookup(c, c->db->ttl, ik, k->mv_size + 8, &v, err)) < 0)
		return rc;
	if (!rc)
		problem(c, "%s expires at %lld but has no expiry index row", what, (long long)exp);
	return 0;
}

/* What an item row's header says of the item: its size, its rendering's
 * cached length, its id. */
static void item_meta(struct chk *c, const item_row *r, const lay_item *it, const char *what)
{
	size_t size = lay_item_size(it);

	if (r->meta.size != size)
		problem(c, "%s: its row says %u bytes, the item is %zu", what, r->meta.size, size);
	if (r->len_fmt >= 0 && r->len_fmt != LAY_FMT_PLAIN && r->len_fmt != LAY_FMT_DDB)
		problem(c, "%s: its row caches a length for unknown format %d", what, r->len_fmt);
	else if (r->len_fmt >= 0 && lay_json_len(it, (lay_format)r->len_fmt) != r->len_raw)
		problem(c, "%s: its row says its text is %u bytes, it is %zu", what, r->len_raw,
			lay_json_len(it, (lay_format)r->len_fmt));
	if (!r->meta.id)
		problem(c, "%s has id 0", what);
	use_oid(c, r->meta.id, what);
}

static int item_row_check(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
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
		problem(c, "items: a row's key is %zu bytes (%s)", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "items", k)))
		return 0;
	c->st.items++;
	owner_name(o, who, sizeof(who));
	hex(h, sizeof(h), (const unsigned char *)k->mv_data + 4, k->mv_size - 4);
	if (row_item_parse(&r, v->mv_data, v->mv_size, c->db->format, NULL) < 0) {
		problem(c, "%s: item row %s is corrupt", who, h);
		return 0;
	}
	o->items++;
	o->size += r.meta.size;
	if (lay_codec_decode(&it, r.data, r.data_len, &why) < 0) {
		problem(c, "%s: item row %s: %s", who, h, why.msg);
		return 0;
	}
	if (lay_item_key(&key, &it, &o->t.schema, &why) < 0) {
		problem(c, "%s: item row %s: %s", who, h, why.msg);
		goto out_free;
	}
	snprintf(what, sizeof(what), "%.500s: item %s", who, key_name(o, &key, kd, sizeof(kd)));
	if (lay_keyenc(&pkenc, &key.pk) < 0 || (o->t.schema.sk_type && lay_keyenc(&skenc, &key.sk) < 0)) {
		rc = nomem(err);
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
		problem(c, "%s: its row says its name is %s", what, named ? "short" : "long");
	else if (named && (rc = name_expected(c, o->tid, store_rd64((unsigned char *)k->mv_data + 4),
					      o->t.schema.sk_type ? &key.sk : &key.pk, ienc, what,
					      err)) < 0)
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
static int name_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
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
		problem(c, "names: a row's key is %zu bytes (%s)", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "names", k)))
		return 0;
	c->st.names++;
	owner_name(o, who, sizeof(who));
	hex(h, sizeof(h), kp + 4, k->mv_size - 4);
	pid = store_rd64(kp + 4);
	is_part = o->t.schema.sk_type && !pid;
	type = is_part || !o->t.schema.sk_type ? o->t.schema.pk_type : o->t.schema.sk_type;
	if (decode_key(&arena, &val, type, v->mv_data, v->mv_size) < 0) {
		problem(c, "%s: names row %s holds no key value", who, h);
		goto out_free;
	}
	store_value_desc(vd, sizeof(vd), &val);
	lay_buf_reset(&c->a);
	if (lay_buf_add(&c->a, v->mv_data, v->mv_size) < 0 ||
	    make_key(&c->b, kp, 4, &c->a) < 0) {
		rc = nomem(err);
		goto out_free;
	}
	if (store_rd64(kp + 12) != lay_name_hash(&val) ||
	    store_bytes_cmp((const unsigned char *)c->b.p + 4, c->b.len - 4, kp + 20,
			    k->mv_size - 20))
		problem(c, "%s: the names row of %s is stored under another key", who, vd);
	/* its owner: the partition row, or the item row, flagged as named */
	lay_buf_reset(&c->b);
	if (lay_buf_add(&c->b, kp, is_part ? 4 : 12) < 0 ||
	    store_keypart(&c->b, v->mv_data, v->mv_size) < 0) {
		rc = nomem(err);
		goto out_free;
	}
	rc = lookup(c, is_part ? c->db->parts : c->db->items, c->b.p, c->b.len, &row, err);
	if (rc < 0)
		goto out_free;
	if (!rc) {
		problem(c, "%s: the names row of %s names no %s", who, vd,
			is_part ? "partition" : "item");
	} else if (is_part) {
		part_row p;

		if (row_part_parse(&p, row.mv_data, row.mv_size, NULL) == 0 &&
		    !(p.flags & ROW_NAMED))
			problem(c, "%s: partition %s has a names row but a short name", who, vd);
	} else {
		item_row r;

		if (row_item_parse(&r, row.mv_data, row.mv_size, c->db->format, NULL) == 0 &&
		    !(r.flags & ROW_NAMED))
			problem(c, "%s: item %s has a names row but a short name", who, vd);
	}
	rc = 0;
out_free:
	lay_item_free(&arena);
	return rc;
}

/* An expiry index row [tid][exp][pid][key part] -> "": its item expires
 * then. */
static int ttl_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
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
		problem(c, "ttl: a row's key is %zu bytes (%s)", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "ttl", k)))
		return 0;
	c->st.ttl_rows++;
	owner_name(o, who, sizeof(who));
	exp = (int64_t)store_rd64(kp + 4);
	memcpy(ik, kp, 4);
	memcpy(ik + 4, kp + 12, k->mv_size - 12);
	hex(h, sizeof(h), ik + 4, k->mv_size - 12);
	if ((rc = lookup(c, c->db->items, ik, k->mv_size - 8, &row, err)) < 0)
		return rc;
	if (!rc)
		problem(c, "%s: expiry index row (at %lld) of item row %s, which does not exist",
			who, (long long)exp, h);
	else if (row_item_parse(&r, row.mv_data, row.mv_size, c->db->format, NULL) == 0 &&
		 r.meta.expires != exp)
		problem(c, "%s: expiry index row says item row %s expires at %lld, the item says %lld",
			who, h, (long long)exp, (long long)r.meta.expires);
	return 0;
}

/* ---- The change log, its index, streams ---- */

/* The log record's key values, wholly: 0, or -EINVAL. */
static int log_key(const asof_record *rec)
{
	lay_item arena = LAY_ITEM_INIT;
	lay_value pk, sk;
	size_t used = 0, used_sk = 0;
	int rc;

	rc = lay_codec_decode_value(&arena, &pk, &used, rec->key, rec->key_len, NULL);
	if (rc == 0 && rec->has_sk)
		rc = lay_codec_decode_value(&arena, &sk, &used_sk, rec->key + used,
					    rec->key_len - used, NULL);
	lay_item_free(&arena);
	return rc == 0 && used + used_sk == rec->key_len ? 0 : -EINVAL;
}

/* 1 if the images of rec decode and fit its event. */
static int log_images(const asof_record *rec)
{
	lay_item img = LAY_ITEM_INIT;
	int ok = 1;

	if (rec->old_len) {
		ok = lay_codec_decode(&img, rec->old, rec->old_len, NULL) == 0;
		lay_item_free(&img);
	}
	if (ok && rec->new_len) {
		ok = lay_codec_decode(&img, rec->new_img, rec->new_len, NULL) == 0;
		lay_item_free(&img);
	}
	if (!ok)
		return 0;
	switch (rec->event) {
	case ENG_INSERT:
		return !rec->old_len && rec->new_len;
	case ENG_MODIFY:
		return rec->old_len && rec->new_len;
	case ENG_REMOVE:
		return rec->old_len && !rec->new_len;
	}
	return 0;
}

static int log_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	unsigned char ik[IDX_KEY_LEN];
	char h[64], who[600];
	asof_record rec;
	struct owner *o;
	uint64_t seq;
	MDB_val got;
	int rc;

	if (k->mv_size != LOG_KEY_LEN) {
		problem(c, "log: a row's key is %zu bytes (%s), not 12", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "log", k)))
		return 0;
	c->st.log_rows++;
	owner_name(o, who, sizeof(who));
	seq = store_rd64(kp + 4);
	if (seq > c->max_seq)
		c->max_seq = seq;
	if (o->kind != OWNER_TABLE)
		problem(c, "%s: change record %llu, but a backup keeps no change log", who,
			(unsigned long long)seq);
	if (!seq)
		problem(c, "%s: change record number 0", who);
	if (asof_record_parse(v->mv_data, v->mv_size, &rec, NULL) < 0) {
		problem(c, "%s: change record %llu is corrupt", who, (unsigned long long)seq);
		return 0;
	}
	if (log_key(&rec) < 0)
		problem(c, "%s: change record %llu: its key is corrupt", who,
			(unsigned long long)seq);
	if (!log_images(&rec))
		problem(c, "%s: change record %llu: its images are corrupt or do not fit its "
			"event %u", who, (unsigned long long)seq, rec.event);
	if (c->logkeys_empty)
		return 0;
	store_be32(ik, o->tid);
	store_be64(ik + 4, asof_key_hash(rec.key, rec.key_len));
	store_be64(ik + 12, (uint64_t)rec.time_ns);
	store_be64(ik + 20, seq);
	if ((rc = lookup(c, c->db->logkeys, ik, sizeof(ik), &got, err)) < 0)
		return rc;
	if (!rc)
		problem(c, "%s: change record %llu is missing from the log's index", who,
			(unsigned long long)seq);
	return 0;
}

static int logkey_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	unsigned char lk[LOG_KEY_LEN];
	char h[64], who[600];
	asof_record rec;
	struct owner *o;
	uint64_t seq;
	MDB_val got;
	int rc;

	(void)v;
	if (k->mv_size != IDX_KEY_LEN) {
		problem(c, "logkeys: a row's key is %zu bytes (%s), not 28", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "logkeys", k)))
		return 0;
	owner_name(o, who, sizeof(who));
	seq = store_rd64(kp + 20);
	memcpy(lk, kp, 4);
	store_be64(lk + 4, seq);
	if ((rc = lookup(c, c->db->log, lk, sizeof(lk), &got, err)) < 0)
		return rc;
	if (!rc)
		problem(c, "%s: the log's index names change record %llu, which the log lacks",
			who, (unsigned long long)seq);
	else if (asof_record_parse(got.mv_data, got.mv_size, &rec, NULL) == 0 &&
		 (store_rd64(kp + 4) != asof_key_hash(rec.key, rec.key_len) ||
		  (int64_t)store_rd64(kp + 12) != rec.time_ns))
		problem(c, "%s: the log's index entry of change record %llu is not its key's or "
			"time's", who, (unsigned long long)seq);
	return 0;
}

/* A stream row [tid][offset] -> [time][text]: the records of a table's
 * stream follow each other without a gap, in sequence order. */
static int stream_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const char *text = (const char *)v->mv_data + 8;
	char h[64], who[600];
	struct owner *o;
	uint64_t off, seq;
	size_t len;

	(void)err;
	if (k->mv_size != STREAM_KEY_LEN) {
		problem(c, "stream: a row's key is %zu bytes (%s), not 12", k->mv_size,
			hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = row_owner(c, "stream", k)))
		return 0;
	c->st.stream_rows++;
	owner_name(o, who, sizeof(who));
	off = store_rd64((const unsigned char *)k->mv_data + 4);
	if (o->kind != OWNER_TABLE)
		problem(c, "%s: stream record at %llu, but a backup has no stream", who,
			(unsigned long long)off);
	if (v->mv_size < 9 || text[v->mv_size - 9] != '\n' ||
	    lay_stream_seq(text, v->mv_size - 8, &seq) < 0) {
		problem(c, "%s: stream record at offset %llu is corrupt", who,
			(unsigned long long)off);
		o->has_stream = 0;
		return 0;
	}
	len = v->mv_size - 8;
	if (seq > c->max_seq)
		c->max_seq = seq;
	if (o->has_stream && off != o->stream_next)
		problem(c, "%s: stream record at offset %llu should be at %llu", who,
			(unsigned long long)off, (unsigned long long)o->stream_next);
	if (o->has_stream && seq <= o->stream_seq)
		problem(c, "%s: stream record at offset %llu has sequence number %llu, after %llu",
			who, (unsigned long long)off, (unsigned long long)seq,
			(unsigned long long)o->stream_seq);
	o->has_stream = 1;
	o->stream_next = off + len;
	o->stream_seq = seq;
	return 0;
}

/* ---- What only the whole tells ---- */

static void owners_final(struct chk *c)
{
	char who[600];
	size_t i;

	for (i = 0; i < c->nown; i++) {
		struct owner *o = &c->own[i];

		owner_name(o, who, sizeof(who));
		if (o->has_stream && (!o->has_end || o->stream_end != o->stream_next))
			problem(c, "%s: its stream ends at %llu, its last record at %llu", who,
				(unsigned long long)o->stream_end,
				(unsigned long long)o->stream_next);
		/* a backup or restore being made gets its statistics when it is
		 * whole; the next open removes what a crash left of one */
		if (o->kind == OWNER_BACKUP && o->bk.status != STORE_BK_AVAILABLE)
			continue;
		if (!o->has_stats)
			problem(c, "%s has no statistics row", who);
		else if (o->stats.count != o->items || o->stats.size != o->size)
			problem(c, "%s: its statistics say %llu items of %llu bytes, it holds %llu "
				"of %llu bytes", who, (unsigned long long)o->stats.count,
				(unsigned long long)o->stats.size, (unsigned long long)o->items,
				(unsigned long long)o->size);
	}
}

static void counters_final(struct chk *c)
{
	if (c->max_oid > c->oid)
		problem(c, "meta: counter %s is %llu, but id %llu is in use (%s)", STORE_OID,
			(unsigned long long)c->oid, (unsigned long long)c->max_oid, c->oid_user);
	if (c->max_tid > c->tid)
		problem(c, "meta: counter %s is %llu, but table number %llu is in use", STORE_TID,
			(unsigned long long)c->tid, (unsigned long long)c->max_tid);
	if (c->max_seq > c->seq)
		problem(c, "meta: counter %s is %llu, but change %llu is recorded", STORE_SEQ,
			(unsigned long long)c->seq, (unsigned long long)c->max_seq);
}

static int check_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct chk *c = vctx;
	MDB_stat ms;
	int rc;

	c->txn = txn;
	if ((rc = mdb_stat(txn, c->db->logkeys, &ms)) != 0)
		return store_mdb(rc, "checking the database", err);
	c->logkeys_empty = ms.ms_entries == 0;
	if ((rc = mdb_cursor_open(txn, c->db->items, &c->probe)) != 0)
		return store_mdb(rc, "checking the database", err);
	if ((rc = each_row(c, c->db->tables, table_row, err)) == 0 &&
	    (rc = each_row(c, c->db->backups, backup_row, err)) == 0) {
		owners_settle(c);
		if ((rc = each_row(c, c->db->meta, meta_row, err)) == 0 &&
		    (rc = each_row(c, c->db->tstats, stats_row, err)) == 0 &&
		    (rc = each_row(c, c->db->parts, part_row_check, err)) == 0 &&
		    (rc = each_row(c, c->db->items, item_row_check, err)) == 0 &&
		    (rc = each_row(c, c->db->names, name_row, err)) == 0 &&
		    (rc = each_row(c, c->db->ttl, ttl_row, err)) == 0 &&
		    (rc = each_row(c, c->db->log, log_row, err)) == 0 &&
		    (rc = each_row(c, c->db->logkeys, logkey_row, err)) == 0 &&
		    (rc = each_row(c, c->db->stream, stream_row, err)) == 0) {
			owners_final(c);
			counters_final(c);
		}
	}
	mdb_cursor_close(c->probe);
	c->probe = NULL;
	return rc;
}

int eng_db_check(eng_db *db, eng_check_fn fn, void *ctx, eng_check_stats *out, lay_err *err)
{
	struct chk c;
	char line[128];
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.fn = fn;
	c.ctx = ctx;
	c.now = eng_clock_now_ns(db->clock);
	rc = store_read(db, check_txn, &c, err);
	if (rc == 0 && fn && c.st.problems > ENG_CHECK_MAX_TOLD) {
		snprintf(line, sizeof(line), "... and %llu more problems",
			 (unsigned long long)(c.st.problems - ENG_CHECK_MAX_TOLD));
		fn(ctx, line);
	}
	if (out)
		*out = c.st;
	free(c.own);
	lay_buf_free(&c.a);
	lay_buf_free(&c.b);
	lay_buf_free(&c.c);
	return rc;
}
