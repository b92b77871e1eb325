/* The verifier (SPEC §17, `ddbfs check`): in one read transaction every
 * row of every named database is read, and what the engine keeps twice is
 * compared -- items with their partitions, long names, expiry index and
 * table statistics (check_item.c); the change log with its index, streams
 * with their ends (check_log.c); every id in use with the counters (here).
 * The row formats are store.c's, row.c's, catalog.c's, log.c's, asof.c's
 * and stream.c's; only what they promise is checked, so a healthy
 * database has no problem. */
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/schema.h"
#include "../layout/settings.h"
#include "row.h"

void check_problem(struct chk *c, const char *fmt, ...)
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

int check_nomem(lay_err *err)
{
	return lay_err_set(err, -ENOMEM, "out of memory checking the database");
}

/* Up to 24 bytes of a raw key in hex, for rows that say nothing else. */
const char *check_hex(char *out, size_t size, const void *p, size_t len)
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
const char *check_owner_name(const struct owner *o, char *out, size_t size)
{
	if (o->kind == OWNER_TABLE)
		snprintf(out, size, "table %s", o->t.name);
	else if (o->kind == OWNER_BROKEN)
		snprintf(out, size, "%s (its record is corrupt)", o->t.name);
	else if (o->bk.type == STORE_BK_RESTORE)
		snprintf(out, size, "the restore into table %s (number %u)", o->bk.table, o->tid);
	else
		snprintf(out, size, "backup %s of table %s", o->bk.name, o->bk.table);
	return out;
}

/* An item's key as "pk \"a\"" or "pk \"a\", sk 1". */
const char *check_key_name(const struct owner *o, const lay_key *k, char *out, size_t size)
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
		check_problem(
		    c, "%s: %llu row%s under table number %u, which is no table's nor backup's",
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
struct owner *check_row_owner(struct chk *c, const char *dbi, const MDB_val *k)
{
	uint32_t tid = store_rd32(k->mv_data);
	struct owner *o = owner_of(c, tid);

	if (!o)
		orphan(c, dbi, tid);
	return o;
}

void check_use_oid(struct chk *c, uint64_t id, const char *user)
{
	uint64_t *grown;

	if (id > c->max_oid) {
		c->max_oid = id;
		snprintf(c->oid_user, sizeof(c->oid_user), "%.150s", user);
	}
	if (c->ids_lost)
		return;
	if (c->nids == c->idcap) {
		c->idcap = c->idcap ? c->idcap * 2 : 1024;
		if (!(grown = realloc(c->ids, c->idcap * sizeof(*grown)))) {
			c->ids_lost = 1;
			return;
		}
		c->ids = grown;
	}
	c->ids[c->nids++] = id;
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
int check_unfinished(const struct owner *o)
{
	return o->kind == OWNER_BROKEN ||
	       (o->kind == OWNER_BACKUP && o->bk.status != STORE_BK_AVAILABLE);
}

int check_lookup(struct chk *c, MDB_dbi dbi, const void *key, size_t len, MDB_val *v, lay_err *err)
{
	int rc = store_get(c->txn, dbi, key, len, v, err);

	if (rc == -ENOENT) {
		lay_err_clear(err);
		return 0;
	}
	return rc < 0 ? rc : 1;
}

/* out = prefix (plen bytes) + the key part of the encoding enc. */
int check_make_key(lay_buf *out, const void *prefix, size_t plen, const lay_buf *enc)
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
			check_nomem(err);
			return NULL;
		}
		c->own = grown;
	}
	grown = &c->own[c->nown++];
	memset(grown, 0, sizeof(*grown));
	return grown;
}

/* A record that does not decode, of table number tid: its rows are
 * counted under it, not told one by one. */
static int broken(struct chk *c, uint32_t tid, const char *kind, const char *name, lay_err *err)
{
	struct owner *o = owner_add(c, err);

	if (!o)
		return -ENOMEM;
	o->tid = tid;
	o->kind = OWNER_BROKEN;
	snprintf(o->t.name, sizeof(o->t.name), "%s %.200s", kind, name);
	return 0;
}

static int table_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	char name[256], h[64];
	lay_err why = { 0, "" };
	struct owner *o;
	store_table t;

	if (k->mv_size == 0 || k->mv_size > 255) {
		check_problem(c, "tables: a record's name is %zu bytes (%s)", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	memcpy(name, k->mv_data, k->mv_size);
	name[k->mv_size] = '\0';
	if (lay_table_name_check(name, k->mv_size, &why) < 0)
		check_problem(c, "table %s: its name is not a table's: %s", name, why.msg);
	if (store_table_decode(&t, name, v, &why) < 0) {
		check_problem(c, "%s", why.msg);
		/* (catalog.c: a version byte, then the table's number) */
		if (v->mv_size < 5 || ((const unsigned char *)v->mv_data)[0] != 1)
			return 0;
		return broken(c, store_rd32((const unsigned char *)v->mv_data + 1), "table", name,
			      err);
	}
	if (!schema_ok(&t.schema))
		check_problem(c, "table %s: its key schema is not valid", name);
	if (lay_settings_check(&t.settings, &why) < 0)
		check_problem(c, "table %s: its settings are not valid: %s", name, why.msg);
	if (t.mode & ~07777u)
		check_problem(c, "table %s: its mode %o is not a permission", name, t.mode);
	if (!(o = owner_add(c, err)))
		return -ENOMEM;
	o->tid = t.tid;
	o->kind = OWNER_TABLE;
	o->t = t;
	c->st.tables++;
	if (t.tid > c->max_tid)
		c->max_tid = t.tid;
	snprintf(h, sizeof(h), "table %.50s", name);
	check_use_oid(c, t.dir_id, h);
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
		check_problem(c, "backups: row %s: %s",
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size), why.msg);
		if (k->mv_size != 4)
			return 0;
		snprintf(h, sizeof(h), "%u", store_rd32(k->mv_data));
		return broken(c, store_rd32(k->mv_data), "backup number", h, err);
	}
	if (!(o = owner_add(c, err)))
		return -ENOMEM;
	o->tid = r.id;
	o->kind = OWNER_BACKUP;
	o->bk = r;
	store_bk_table(&r, &o->t);
	check_owner_name(o, who, sizeof(who));
	if (r.status != STORE_BK_CREATING && r.status != STORE_BK_AVAILABLE)
		check_problem(c, "%s: unknown state %d", who, r.status);
	if (r.type != STORE_BK_RESTORE && r.type != ENG_BACKUP_USER && r.type != ENG_BACKUP_SYSTEM)
		check_problem(c, "%s: unknown type %d", who, r.type);
	if (r.type == STORE_BK_RESTORE && r.status != STORE_BK_CREATING)
		check_problem(c, "%s: a restore's record outlived the restore", who);
	if (r.type != STORE_BK_RESTORE && !r.name[0])
		check_problem(c, "backup number %u of table %s has no name", r.id, r.table);
	if (!schema_ok(&r.schema))
		check_problem(c, "%s: its key schema is not valid", who);
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
			check_problem(c, "table number %u belongs to both %s and %s", c->own[i].tid,
				      check_owner_name(&c->own[i - 1], a, sizeof(a)),
				      check_owner_name(&c->own[i], b, sizeof(b)));
	for (i = 0; i < c->nown; i++) {
		const store_bk *x = &c->own[i].bk;

		if (c->own[i].kind != OWNER_BACKUP || x->type == STORE_BK_RESTORE)
			continue;
		for (j = i + 1; j < c->nown; j++) {
			const store_bk *y = &c->own[j].bk;

			if (c->own[j].kind == OWNER_BACKUP && y->type != STORE_BK_RESTORE &&
			    strcmp(x->table, y->table) == 0 && strcmp(x->name, y->name) == 0)
				check_problem(
				    c, "table %s has two backups named %s (numbers %u and %u)",
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
		check_problem(c, "meta: counter %s is corrupt (%zu bytes, not 8)", name,
			      v->mv_size);
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
		check_problem(c, "tstats: a row's key is %zu bytes (%s), not 4", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "tstats", k)))
		return 0;
	if (v->mv_size != 32) {
		check_problem(c, "%s: its statistics are corrupt (%zu bytes, not 32)",
			      check_owner_name(o, who, sizeof(who)), v->mv_size);
		return 0;
	}
	o->has_stats = 1;
	o->stats.count = store_rd64(p);
	o->stats.size = store_rd64(p + 8);
	return 0;
}

/* ---- What only the whole tells ---- */

static void owners_final(struct chk *c)
{
	char who[600];
	size_t i;

	for (i = 0; i < c->nown; i++) {
		struct owner *o = &c->own[i];

		check_owner_name(o, who, sizeof(who));
		if (o->has_stream && (!o->has_end || o->stream_end != o->stream_next))
			check_problem(c, "%s: its stream ends at %llu, its last record at %llu",
				      who, (unsigned long long)o->stream_end,
				      (unsigned long long)o->stream_next);
		/* a backup or restore being made gets its statistics when it is
		 * whole; the next open removes what a crash left of one */
		if (check_unfinished(o))
			continue;
		if (!o->has_stats)
			check_problem(c, "%s has no statistics row", who);
		else if (o->stats.count != o->items || o->stats.size != o->size)
			check_problem(
			    c,
			    "%s: its statistics say %llu items of %llu bytes, it holds %llu "
			    "of %llu bytes",
			    who, (unsigned long long)o->stats.count,
			    (unsigned long long)o->stats.size, (unsigned long long)o->items,
			    (unsigned long long)o->size);
	}
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Ids are inode numbers: no two items, partitions or tables share one. */
static void ids_final(struct chk *c)
{
	size_t i;

	if (c->ids_lost || c->nids < 2)
		return;
	qsort(c->ids, c->nids, sizeof(*c->ids), id_cmp);
	for (i = 1; i < c->nids; i++)
		if (c->ids[i] == c->ids[i - 1] && (i < 2 || c->ids[i] != c->ids[i - 2]))
			check_problem(c,
				      "id %llu is given to more than one item, partition or table",
				      (unsigned long long)c->ids[i]);
}

static void counters_final(struct chk *c)
{
	if (c->max_oid > c->oid)
		check_problem(c, "meta: counter %s is %llu, but id %llu is in use (%s)", STORE_OID,
			      (unsigned long long)c->oid, (unsigned long long)c->max_oid,
			      c->oid_user);
	if (c->max_tid > c->tid)
		check_problem(c, "meta: counter %s is %llu, but table number %llu is in use",
			      STORE_TID, (unsigned long long)c->tid,
			      (unsigned long long)c->max_tid);
	if (c->max_seq > c->seq)
		check_problem(c, "meta: counter %s is %llu, but change %llu is recorded", STORE_SEQ,
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
		    (rc = each_row(c, c->db->parts, check_part_row, err)) == 0 &&
		    (rc = each_row(c, c->db->items, check_item_row, err)) == 0 &&
		    (rc = each_row(c, c->db->names, check_name_row, err)) == 0 &&
		    (rc = each_row(c, c->db->ttl, check_ttl_row, err)) == 0 &&
		    (rc = each_row(c, c->db->log, check_log_row, err)) == 0 &&
		    (rc = each_row(c, c->db->logkeys, check_logkey_row, err)) == 0 &&
		    (rc = each_row(c, c->db->stream, check_stream_row, err)) == 0) {
			owners_final(c);
			ids_final(c);
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
	free(c.ids);
	lay_buf_free(&c.a);
	lay_buf_free(&c.b);
	lay_buf_free(&c.c);
	return rc;
}
