/* The catalog (SPEC §2, §7): table records by name (id, key schema,
 * directory metadata, settings), their cache, and the per-table statistics.
 * Tables are read by every item operation: records are cached by name,
 * valid while meta's tables_gen is unchanged; every change of a record
 * writes a fresh, never repeated generation in the same transaction. */
#include "catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"

#define TABLE_VERSION 1

struct store_cache_ent {
	struct store_cache_ent *next;
	store_table t;
};

/* Past this many cached tables the cache starts over (tables are few). */
#define CACHE_MAX 4096

static size_t name_bucket(const char *name)
{
	size_t h = 5381;

	while (*name)
		h = h * 33 + (unsigned char)*name++;
	return h % (sizeof(((eng_db *)0)->cache) / sizeof(((eng_db *)0)->cache[0]));
}

/* Caller holds cache_mu. */
static void cache_clear_locked(eng_db *db)
{
	size_t i, nb = sizeof(db->cache) / sizeof(db->cache[0]);
	struct store_cache_ent *e, *next;

	for (i = 0; i < nb; i++) {
		for (e = db->cache[i]; e; e = next) {
			next = e->next;
			free(e);
		}
		db->cache[i] = NULL;
	}
	db->cache_n = 0;
}

void store_cache_clear(eng_db *db)
{
	pthread_mutex_lock(&db->cache_mu);
	cache_clear_locked(db);
	pthread_mutex_unlock(&db->cache_mu);
}

/* Caller holds cache_mu. */
static struct store_cache_ent *cache_find(eng_db *db, const char *name)
{
	struct store_cache_ent *e;

	for (e = db->cache[name_bucket(name)]; e; e = e->next)
		if (strcmp(e->t.name, name) == 0)
			return e;
	return NULL;
}

static void cache_add(eng_db *db, uint64_t gen, const store_table *t)
{
	struct store_cache_ent *e;
	size_t b = name_bucket(t->name);

	pthread_mutex_lock(&db->cache_mu);
	if (db->cache_gen != gen || cache_find(db, t->name))
		goto out_unlock;
	if (db->cache_n >= CACHE_MAX)
		cache_clear_locked(db);
	if ((e = malloc(sizeof(*e))) != NULL) {
		e->t = *t;
		e->next = db->cache[b];
		db->cache[b] = e;
		db->cache_n++;
	}
out_unlock:
	pthread_mutex_unlock(&db->cache_mu);
}

static int table_encode(lay_buf *b, const store_table *t)
{
	const lay_settings *s = &t->settings;
	int bad = 0;

	bad |= store_add8(b, TABLE_VERSION);
	bad |= store_add32(b, t->tid);
	bad |= store_add8(b, t->schema.pk_type);
	bad |= store_addstr(b, t->schema.pk, strlen(t->schema.pk));
	bad |= store_add8(b, t->schema.sk_type);
	bad |= store_addstr(b, t->schema.sk, strlen(t->schema.sk));
	bad |= store_add64(b, (uint64_t)t->created_ns);
	bad |= store_add64(b, t->dir_id);
	bad |= store_add32(b, t->mode);
	bad |= store_add32(b, t->uid);
	bad |= store_add32(b, t->gid);
	bad |= store_add8(b, s->billing);
	bad |= store_add32(b, s->rcu);
	bad |= store_add32(b, s->wcu);
	bad |= store_add8(b, s->autoscaling != 0);
	bad |= store_add32(b, s->as_min);
	bad |= store_add32(b, s->as_max);
	bad |= store_add32(b, s->as_target);
	bad |= store_add8(b, s->table_class);
	bad |= store_addstr(b, s->ttl_attr, strlen(s->ttl_attr));
	bad |= store_add8(b, s->stream_view);
	bad |= store_add64(b, (uint64_t)s->stream_created_ns);
	bad |= store_add8(b, s->pitr != 0);
	bad |= store_add64(b, (uint64_t)s->pitr_since_ns);
	bad |= store_add64(b, (uint64_t)s->class_changed_ns[0]);
	bad |= store_add64(b, (uint64_t)s->class_changed_ns[1]);
	return bad ? -ENOMEM : 0;
}

int store_table_decode(store_table *t, const char *name, const MDB_val *v, lay_err *err)
{
	store_rd r = { v->mv_data, v->mv_size, 0 };
	lay_settings *s = &t->settings;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (store_get8(&r) != TABLE_VERSION)
		return lay_err_set(err, -EIO, "table %s: record of an unknown version", name);
	t->tid = store_get32(&r);
	t->schema.pk_type = (lay_type)store_get8(&r);
	store_getstr(&r, t->schema.pk, sizeof(t->schema.pk));
	t->schema.sk_type = (lay_type)store_get8(&r);
	store_getstr(&r, t->schema.sk, sizeof(t->schema.sk));
	t->created_ns = (int64_t)store_get64(&r);
	t->dir_id = store_get64(&r);
	t->mode = store_get32(&r);
	t->uid = store_get32(&r);
	t->gid = store_get32(&r);
	s->billing = (lay_billing)store_get8(&r);
	s->rcu = store_get32(&r);
	s->wcu = store_get32(&r);
	s->autoscaling = (int)store_get8(&r);
	s->as_min = store_get32(&r);
	s->as_max = store_get32(&r);
	s->as_target = store_get32(&r);
	s->table_class = (lay_class)store_get8(&r);
	store_getstr(&r, s->ttl_attr, sizeof(s->ttl_attr));
	s->stream_view = (lay_view)store_get8(&r);
	s->stream_created_ns = (int64_t)store_get64(&r);
	s->pitr = (int)store_get8(&r);
	s->pitr_since_ns = (int64_t)store_get64(&r);
	if (r.len) { /* records written before class changes were kept end here */
		s->class_changed_ns[0] = (int64_t)store_get64(&r);
		s->class_changed_ns[1] = (int64_t)store_get64(&r);
	}
	if (r.bad)
		return lay_err_set(err, -EIO, "table %s: the record is corrupt", name);
	return 0;
}

int store_table_get(MDB_txn *txn, eng_db *db, const char *name, store_table *out, lay_err *err)
{
	struct store_cache_ent *e;
	uint64_t gen;
	MDB_val v;
	int rc;

	if ((rc = store_counter_get(txn, db, STORE_GEN, &gen, err)) < 0)
		return rc;
	pthread_mutex_lock(&db->cache_mu);
	if (db->cache_gen != gen) {
		cache_clear_locked(db);
		db->cache_gen = gen;
	}
	e = cache_find(db, name);
	if (e)
		*out = e->t;
	pthread_mutex_unlock(&db->cache_mu);
	if (e)
		return 0;

	if (!name[0] || strlen(name) > 255)
		return lay_err_set(err, -ENOENT, "no table named \"%.64s\"", name);
	rc = store_get(txn, db->tables, name, strlen(name), &v, err);
	if (rc == -ENOENT)
		return lay_err_set(err, -ENOENT, "no table named %s", name);
	if (rc < 0)
		return rc;
	if ((rc = store_table_decode(out, name, &v, err)) < 0)
		return rc;
	cache_add(db, gen, out);
	return 0;
}

struct load_ctx {
	eng_db *db;
	const char *name;
	store_table *t;
	store_stats *st;
};

static int load_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct load_ctx *c = vctx;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->name, c->t, err)) < 0)
		return rc;
	if (c->st)
		return store_stats_get(txn, c->db, c->t->tid, c->st, err);
	return 0;
}

int store_table_load(eng_db *db, eng_req *req, const char *name, store_table *t,
		     store_stats *st, lay_err *err)
{
	struct load_ctx c = { db, name, t, st };

	return store_view_read(db, req, load_txn, &c, err);
}

int store_table_peek(eng_db *db, const char *name, int fresh, store_table *out, int *cached,
		     lay_err *err)
{
	struct store_cache_ent *e = NULL;

	if (!fresh) {
		pthread_mutex_lock(&db->cache_mu);
		e = cache_find(db, name);
		if (e)
			*out = e->t;
		pthread_mutex_unlock(&db->cache_mu);
	}
	if (cached)
		*cached = e != NULL;
	if (e)
		return 0;
	return store_table_load(db, NULL, name, out, NULL, err);
}

int store_table_same(const store_table *a, const store_table *b)
{
	return a->tid == b->tid && a->schema.pk_type == b->schema.pk_type &&
	       a->schema.sk_type == b->schema.sk_type && strcmp(a->schema.pk, b->schema.pk) == 0 &&
	       strcmp(a->schema.sk, b->schema.sk) == 0;
}

/* A fresh generation, so every cached copy made before this transaction
 * stops being used. */
static int gen_bump(MDB_txn *txn, eng_db *db, lay_err *err)
{
	return store_counter_set(txn, db, STORE_GEN, atomic_fetch_add(&db->gen_next, 1), err);
}

int store_table_put(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	int rc;

	if (table_encode(&b, t) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory encoding table %s", t->name);
		goto out_free;
	}
	rc = store_put(txn, db->tables, t->name, strlen(t->name), b.p, b.len, err);
	if (rc == 0)
		rc = gen_bump(txn, db, err);
out_free:
	lay_buf_free(&b);
	return rc;
}

int store_table_del(MDB_txn *txn, eng_db *db, const char *name, lay_err *err)
{
	int rc;

	if ((rc = store_del(txn, db->tables, name, strlen(name), err)) < 0)
		return rc;
	return gen_bump(txn, db, err);
}

int store_stats_get(MDB_txn *txn, eng_db *db, uint32_t tid, store_stats *out, lay_err *err)
{
	unsigned char k[4];
	MDB_val v;
	int rc;

	store_be32(k, tid);
	rc = store_get(txn, db->tstats, k, 4, &v, err);
	if (rc == -ENOENT) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (rc < 0)
		return rc;
	if (v.mv_size != 32)
		return lay_err_set(err, -EIO, "statistics of table %u are corrupt", tid);
	out->count = store_rd64(v.mv_data);
	out->size = store_rd64((unsigned char *)v.mv_data + 8);
	out->mtime_ns = (int64_t)store_rd64((unsigned char *)v.mv_data + 16);
	out->ctime_ns = (int64_t)store_rd64((unsigned char *)v.mv_data + 24);
	return 0;
}

int store_stats_put(MDB_txn *txn, eng_db *db, uint32_t tid, const store_stats *s, lay_err *err)
{
	unsigned char k[4], v[32];

	store_be32(k, tid);
	store_be64(v, s->count);
	store_be64(v + 8, s->size);
	store_be64(v + 16, (uint64_t)s->mtime_ns);
	store_be64(v + 24, (uint64_t)s->ctime_ns);
	return store_put(txn, db->tstats, k, 4, v, 32, err);
}

void store_meta_apply(eng_dirmeta *m, const eng_dirmeta *given, unsigned which)
{
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

/* ---- Backups' records (backup.c makes them) ---- */

#define BACKUP_VERSION 1

int store_bk_put(MDB_txn *txn, eng_db *db, const store_bk *r, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	unsigned char k[4];
	int rc, bad = 0;

	bad |= store_add8(&b, BACKUP_VERSION);
	bad |= store_add8(&b, (unsigned)r->status);
	bad |= store_add8(&b, (unsigned)r->type);
	bad |= store_addstr(&b, r->table, strlen(r->table));
	bad |= store_addstr(&b, r->name, strlen(r->name));
	bad |= store_add64(&b, (uint64_t)r->created_ns);
	bad |= store_add64(&b, (uint64_t)r->expires_ns);
	bad |= store_add8(&b, r->schema.pk_type);
	bad |= store_addstr(&b, r->schema.pk, strlen(r->schema.pk));
	bad |= store_add8(&b, r->schema.sk_type);
	bad |= store_addstr(&b, r->schema.sk, strlen(r->schema.sk));
	bad |= store_add32(&b, r->mode);
	bad |= store_add32(&b, r->uid);
	bad |= store_add32(&b, r->gid);
	bad |= store_add64(&b, (uint64_t)r->table_created_ns);
	store_be32(k, r->id);
	rc = bad ? lay_err_set(err, -ENOMEM, "out of memory writing backup %s", r->name)
		 : store_put(txn, db->backups, k, 4, b.p, b.len, err);
	lay_buf_free(&b);
	return rc;
}

int store_bk_decode(const MDB_val *k, const MDB_val *v, store_bk *r, lay_err *err)
{
	store_rd rd = { v->mv_data, v->mv_size, 0 };

	memset(r, 0, sizeof(*r));
	if (k->mv_size != 4 || store_get8(&rd) != BACKUP_VERSION)
		return lay_err_set(err, -EIO, "a backup's record is corrupt");
	r->id = store_rd32(k->mv_data);
	r->status = (int)store_get8(&rd);
	r->type = (int)store_get8(&rd);
	store_getstr(&rd, r->table, sizeof(r->table));
	store_getstr(&rd, r->name, sizeof(r->name));
	r->created_ns = (int64_t)store_get64(&rd);
	r->expires_ns = (int64_t)store_get64(&rd);
	r->schema.pk_type = (lay_type)store_get8(&rd);
	store_getstr(&rd, r->schema.pk, sizeof(r->schema.pk));
	r->schema.sk_type = (lay_type)store_get8(&rd);
	store_getstr(&rd, r->schema.sk, sizeof(r->schema.sk));
	r->mode = store_get32(&rd);
	r->uid = store_get32(&rd);
	r->gid = store_get32(&rd);
	/* (the first records ended here: their table's creation is unknown) */
	r->table_created_ns = rd.len > 0 ? (int64_t)store_get64(&rd) : r->created_ns;
	if (rd.bad)
		return lay_err_set(err, -EIO, "backup %u's record is corrupt", r->id);
	return 0;
}

int store_bk_get(MDB_txn *txn, eng_db *db, uint32_t id, store_bk *r, lay_err *err)
{
	unsigned char k[4];
	MDB_val key = { 4, k }, v;
	int rc;

	store_be32(k, id);
	if ((rc = store_get(txn, db->backups, k, 4, &v, err)) < 0)
		return rc;
	return store_bk_decode(&key, &v, r, err);
}

/* Call fn(ctx, r) for every record, in number order; fn returns 0 to go
 * on, 1 to stop, < 0 to fail. */

int store_bk_each(MDB_txn *txn, eng_db *db, store_bk_fn fn, void *ctx, lay_err *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	store_bk r;
	int rc, frc = 0;

	if ((rc = mdb_cursor_open(txn, db->backups, &cur)) != 0)
		return store_mdb(rc, "reading backups", err);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((frc = store_bk_decode(&k, &v, &r, err)) < 0 || (frc = fn(ctx, &r)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (frc)
		return frc < 0 ? frc : 0;
	return rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "reading backups", err);
}

struct find_ctx {
	const char *table, *name;
	store_bk *out;
	int found;
};

static int find_one(void *vctx, const store_bk *r)
{
	struct find_ctx *c = vctx;

	if (r->type == STORE_BK_RESTORE || strcmp(r->table, c->table) || strcmp(r->name, c->name))
		return 0;
	*c->out = *r;
	c->found = 1;
	return 1;
}

/* table's backup named name, available or being made: 1 found, 0 not. */
int store_bk_find(MDB_txn *txn, eng_db *db, const char *table, const char *name, store_bk *out,
		    lay_err *err)
{
	struct find_ctx c = { table, name, out, 0 };
	int rc = store_bk_each(txn, db, find_one, &c, err);

	return rc < 0 ? rc : c.found;
}

void store_bk_table(const store_bk *r, store_table *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", r->table);
	t->tid = r->id;
	t->schema = r->schema;
	/* the table's own creation, as DescribeBackup's SourceTableDetails */
	t->created_ns = r->table_created_ns;
	t->mode = r->mode;
	t->uid = r->uid;
	t->gid = r->gid;
}

int store_view_table(MDB_txn *txn, eng_db *db, uint32_t backup, const char *name,
		     store_table *out, lay_err *err)
{
	store_bk r;
	int rc;

	if (!backup)
		return store_table_get(txn, db, name, out, err);
	rc = store_bk_get(txn, db, backup, &r, err);
	if (rc == -ENOENT ||
	    (rc == 0 && (r.status != STORE_BK_AVAILABLE || r.type == STORE_BK_RESTORE || strcmp(r.table, name))))
		return lay_err_set(err, -ENOENT, "table %s has no backup number %u", name, backup);
	if (rc < 0)
		return rc;
	store_bk_table(&r, out);
	return 0;
}
