/* Tables (SPEC §2, §7): the table record (name, id, key schema, directory
 * metadata, settings), its cache, the per-table statistics, and the public
 * create, delete, describe, list and set operations. */
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

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
	return bad ? -ENOMEM : 0;
}

static int table_decode(store_table *t, const char *name, const MDB_val *v, lay_err *err)
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
	if ((rc = table_decode(out, name, &v, err)) < 0)
		return rc;
	cache_add(db, gen, out);
	return 0;
}

struct get_ctx {
	const char *name;
	store_table *t;
	store_stats *st;
	eng_db *db;
};

static int get_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct get_ctx *c = vctx;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->name, c->t, err)) < 0)
		return rc;
	if (c->st)
		return store_stats_get(txn, c->db, c->t->tid, c->st, err);
	return 0;
}

int store_table_peek(eng_db *db, const char *name, int fresh, store_table *out, int *cached,
		     lay_err *err)
{
	struct get_ctx c = { name, out, NULL, db };
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
	return store_read(db, get_txn, &c, err);
}

int store_table_same(const store_table *a, const store_table *b)
{
	return a->tid == b->tid && a->schema.pk_type == b->schema.pk_type &&
	       a->schema.sk_type == b->schema.sk_type && strcmp(a->schema.pk, b->schema.pk) == 0 &&
	       strcmp(a->schema.sk, b->schema.sk) == 0;
}

/* Write t's record and a fresh generation, so every cached copy made
 * before this transaction stops being used. */
static int table_put(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	int rc;

	if (table_encode(&b, t) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory encoding table %s", t->name);
		goto out_free;
	}
	rc = store_put(txn, db->tables, t->name, strlen(t->name), b.p, b.len, err);
	if (rc == 0)
		rc = store_counter_set(txn, db, STORE_GEN, atomic_fetch_add(&db->gen_next, 1), err);
out_free:
	lay_buf_free(&b);
	return rc;
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

static int schema_check(const lay_schema *s, lay_err *err)
{
	int key_type_ok = s->pk_type == LAY_S || s->pk_type == LAY_N || s->pk_type == LAY_B;

	if (!key_type_ok || !s->pk[0] || strnlen(s->pk, sizeof(s->pk)) > LAY_MAX_KEY_NAME)
		return lay_err_set(err, -EINVAL,
				   "key schema: the partition key needs a name of 1 to 255 bytes "
				   "and type S, N or B");
	if (!s->sk_type && !s->sk[0])
		return 0;
	if ((s->sk_type != LAY_S && s->sk_type != LAY_N && s->sk_type != LAY_B) || !s->sk[0] ||
	    strnlen(s->sk, sizeof(s->sk)) > LAY_MAX_KEY_NAME)
		return lay_err_set(err, -EINVAL,
				   "key schema: the sort key needs a name of 1 to 255 bytes and "
				   "type S, N or B");
	if (strcmp(s->pk, s->sk) == 0)
		return lay_err_set(err, -EINVAL,
				   "key schema: the partition and sort keys are both named \"%s\"",
				   s->pk);
	return 0;
}

/* A copy of s with the unused bytes zeroed, so records compare and encode
 * the same whatever the caller left in its buffers. */
static void schema_copy(lay_schema *dst, const lay_schema *s)
{
	memset(dst, 0, sizeof(*dst));
	snprintf(dst->pk, sizeof(dst->pk), "%s", s->pk);
	dst->pk_type = s->pk_type;
	if (s->sk_type) {
		snprintf(dst->sk, sizeof(dst->sk), "%s", s->sk);
		dst->sk_type = s->sk_type;
	}
}

struct create_ctx {
	eng_db *db;
	const char *name;
	lay_schema schema;
	eng_dirmeta dir;
};

static int create_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct create_ctx *c = vctx;
	eng_db *db = c->db;
	int64_t now = eng_clock_now_ns(db->clock);
	store_table t;
	store_stats st;
	uint64_t tid, oid;
	int rc;

	rc = store_table_get(txn, db, c->name, &t, err);
	if (rc == 0)
		return lay_err_set(err, -EEXIST, "table %s exists", c->name);
	if (rc != -ENOENT)
		return rc;
	lay_err_clear(err);
	if ((rc = store_counter_next(txn, db, STORE_TID, &tid, err)) < 0 ||
	    (rc = store_counter_next(txn, db, STORE_OID, &oid, err)) < 0)
		return rc;
	if (tid > UINT32_MAX)
		return lay_err_set(err, -ENOSPC, "table ids are exhausted");
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", c->name);
	t.tid = (uint32_t)tid;
	t.schema = c->schema;
	t.created_ns = now;
	t.dir_id = oid;
	t.mode = c->dir.mode;
	t.uid = c->dir.uid;
	t.gid = c->dir.gid;
	memset(&st, 0, sizeof(st));
	st.mtime_ns = c->dir.mtime_ns ? c->dir.mtime_ns : now;
	st.ctime_ns = c->dir.ctime_ns ? c->dir.ctime_ns : now;
	if ((rc = table_put(txn, db, &t, err)) < 0)
		return rc;
	return store_stats_put(txn, db, t.tid, &st, err);
}

int eng_table_create(eng_db *db, const char *name, const lay_schema *schema,
		     const eng_dirmeta *dir, lay_err *err)
{
	struct create_ctx c;
	lay_schema def;
	int rc;

	if ((rc = lay_table_name_check(name, strlen(name), err)) < 0)
		return rc;
	if (!schema) {
		lay_schema_default(&def);
		schema = &def;
	}
	if ((rc = schema_check(schema, err)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.name = name;
	schema_copy(&c.schema, schema);
	if (dir) {
		c.dir = *dir;
		c.dir.mode &= 07777;
	} else {
		c.dir.mode = 0755;
	}
	return store_write(db, create_txn, &c, err);
}

struct del_ctx {
	eng_db *db;
	const char *name;
};

static int delete_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct del_ctx *c = vctx;
	eng_db *db = c->db;
	unsigned char k[4];
	store_table t;
	store_stats st;
	int rc;

	if ((rc = store_table_get(txn, db, c->name, &t, err)) < 0 ||
	    (rc = store_stats_get(txn, db, t.tid, &st, err)) < 0)
		return rc;
	if (st.count)
		return lay_err_set(err, -ENOTEMPTY, "table %s holds %llu items", c->name,
				   (unsigned long long)st.count);
	store_be32(k, t.tid);
	if ((rc = store_del(txn, db->tables, c->name, strlen(c->name), err)) < 0 ||
	    (rc = store_counter_set(txn, db, STORE_GEN, atomic_fetch_add(&db->gen_next, 1),
				    err)) < 0)
		return rc;
	rc = store_del(txn, db->tstats, k, 4, err);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if ((rc = store_del_prefix(txn, db->items, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->parts, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->names, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->stream, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->ttl, k, 4, err)) < 0)
		return rc;
	return store_del_prefix(txn, db->log, k, 4, err);
}

int eng_table_delete(eng_db *db, const char *name, lay_err *err)
{
	struct del_ctx c = { db, name };

	return store_write_frees(db, delete_txn, &c, err);
}

int eng_table_get(eng_db *db, const char *name, eng_table_info *out, lay_err *err)
{
	store_table t;
	store_stats st;
	struct get_ctx c = { name, &t, &st, db };
	int rc;

	if ((rc = store_read(db, get_txn, &c, err)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", t.name);
	out->id = t.tid;
	out->schema = t.schema;
	out->created_ns = t.created_ns;
	out->item_count = st.count;
	out->size_bytes = st.size;
	out->dir.id = t.dir_id;
	out->dir.mode = t.mode;
	out->dir.uid = t.uid;
	out->dir.gid = t.gid;
	out->dir.mtime_ns = st.mtime_ns;
	out->dir.ctime_ns = st.ctime_ns;
	out->settings = t.settings;
	return 0;
}

struct list_ctx {
	eng_db *db;
	char **names;
	size_t n;
};

static void names_drop(struct list_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->n = 0;
}

static int list_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct list_ctx *c = vctx;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t cap = 0;
	char **grown;
	int rc;

	names_drop(c);
	if ((rc = mdb_cursor_open(txn, c->db->tables, &cur)) != 0)
		return store_mdb(rc, "listing tables", err);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (c->n + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(c->names, cap * sizeof(*grown))))
				goto out_nomem;
			c->names = grown;
		}
		if (!(c->names[c->n] = strndup(k.mv_data, k.mv_size)))
			goto out_nomem;
		c->n++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_mdb(rc, "listing tables", err);
out_nomem:
	mdb_cursor_close(cur);
	return lay_err_set(err, -ENOMEM, "out of memory listing tables");
}

int eng_table_list(eng_db *db, char ***out)
{
	struct list_ctx c = { db, NULL, 0 };
	int rc;

	if ((rc = store_read(db, list_txn, &c, NULL)) < 0) {
		names_drop(&c);
		return rc;
	}
	if (!c.names && !(c.names = calloc(1, sizeof(*c.names))))
		return -ENOMEM;
	c.names[c.n] = NULL;
	*out = c.names;
	return (int)c.n;
}

void eng_names_free(char **names)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

/* One change of a table record: set_schema, set_settings, set_dirmeta. */
struct set_ctx {
	eng_db *db;
	const char *name;
	const lay_schema *schema;
	const lay_settings *settings;
	const eng_dirmeta *dir;
	unsigned which;
};

static int set_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct set_ctx *c = vctx;
	eng_db *db = c->db;
	store_table t;
	store_stats st;
	int rc;

	if ((rc = store_table_get(txn, db, c->name, &t, err)) < 0 ||
	    (rc = store_stats_get(txn, db, t.tid, &st, err)) < 0)
		return rc;
	if (c->schema) {
		lay_schema ns;

		schema_copy(&ns, c->schema);
		if (memcmp(&ns, &t.schema, sizeof(ns)) == 0)
			return 0;
		/* a table with items is re-keyed, all or nothing (SPEC §2) */
		if (st.count && (rc = store_rekey(txn, db, &t, &ns, err)) < 0)
			return rc;
		t.schema = ns;
	}
	if (c->settings) {
		const lay_settings *ns = c->settings;
		int ttl_changed = strcmp(ns->ttl_attr, t.settings.ttl_attr) != 0;

		/* enabling a stream, or changing its view, starts a new stream
		 * (a new LatestStreamArn), as DynamoDB does */
		if (ns->stream_view != LAY_VIEW_OFF && ns->stream_view != t.settings.stream_view)
			t.settings.stream_created_ns = eng_clock_now_ns(db->clock);
		if (ns->pitr && !t.settings.pitr)
			t.settings.pitr_since_ns = eng_clock_now_ns(db->clock);
		{
			int64_t stream_created = t.settings.stream_created_ns;
			int64_t pitr_since = t.settings.pitr_since_ns;

			t.settings = *ns;
			t.settings.stream_created_ns = stream_created;
			t.settings.pitr_since_ns = pitr_since;
		}
		if (ttl_changed && (rc = store_ttl_reindex(txn, db, &t, err)) < 0)
			return rc;
	}
	if (c->dir) {
		if (c->which & ENG_META_MODE)
			t.mode = c->dir->mode & 07777;
		if (c->which & ENG_META_UID)
			t.uid = c->dir->uid;
		if (c->which & ENG_META_GID)
			t.gid = c->dir->gid;
		if (c->which & ENG_META_MTIME)
			st.mtime_ns = c->dir->mtime_ns;
		if (c->which & ENG_META_CTIME)
			st.ctime_ns = c->dir->ctime_ns;
		if ((c->which & (ENG_META_MTIME | ENG_META_CTIME)) &&
		    (rc = store_stats_put(txn, db, t.tid, &st, err)) < 0)
			return rc;
		if (!(c->which & (ENG_META_MODE | ENG_META_UID | ENG_META_GID)))
			return 0;
	}
	return table_put(txn, db, &t, err);
}

int eng_table_set_schema(eng_db *db, const char *name, const lay_schema *schema, lay_err *err)
{
	struct set_ctx c = { db, name, schema, NULL, NULL, 0 };
	int rc;

	if ((rc = schema_check(schema, err)) < 0)
		return rc;
	return store_write(db, set_txn, &c, err);
}

int eng_table_set_settings(eng_db *db, const char *name, const lay_settings *s,
			   lay_err *err)
{
	struct set_ctx c = { db, name, NULL, s, NULL, 0 };
	int rc;

	if ((rc = lay_settings_check(s, err)) < 0)
		return rc;
	return store_write(db, set_txn, &c, err);
}

int eng_table_set_dirmeta(eng_db *db, const char *name, const eng_dirmeta *m, unsigned which,
			  lay_err *err)
{
	struct set_ctx c = { db, name, NULL, NULL, m, which };

	return store_write(db, set_txn, &c, err);
}

struct ren_ctx {
	eng_db *db;
	const char *from, *to;
	int noreplace;
};

static int rename_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct ren_ctx *c = vctx;
	eng_db *db = c->db;
	store_table t, dst;
	store_stats st;
	int rc;

	if ((rc = store_table_get(txn, db, c->from, &t, err)) < 0)
		return rc;
	rc = store_table_get(txn, db, c->to, &dst, err);
	if (rc == 0) {
		if (c->noreplace)
			return lay_err_set(err, -EEXIST, "table %s exists", c->to);
		/* like rename(2) onto an empty directory: it is replaced */
		if ((rc = store_stats_get(txn, db, dst.tid, &st, err)) < 0)
			return rc;
		if (st.count)
			return lay_err_set(err, -ENOTEMPTY, "table %s holds %llu items", c->to,
					   (unsigned long long)st.count);
		{
			struct del_ctx d = { db, c->to };

			if ((rc = delete_txn(txn, &d, err)) < 0)
				return rc;
		}
	} else if (rc != -ENOENT) {
		return rc;
	}
	lay_err_clear(err);
	/* items, partitions, stream and log are keyed by the table's id: only
	 * the name moves */
	if ((rc = store_del(txn, db->tables, c->from, strlen(c->from), err)) < 0)
		return rc;
	snprintf(t.name, sizeof(t.name), "%s", c->to);
	return table_put(txn, db, &t, err);
}

int eng_table_rename(eng_db *db, const char *from, const char *to, int noreplace, lay_err *err)
{
	struct ren_ctx c = { db, from, to, noreplace };
	int rc;

	if ((rc = lay_table_name_check(to, strlen(to), err)) < 0)
		return rc;
	if (strcmp(from, to) == 0)
		return 0;
	return store_write(db, rename_txn, &c, err);
}
