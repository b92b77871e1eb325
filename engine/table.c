/* Tables (SPEC §2, §7): the public create, delete, describe, list, rename
 * and set operations on the records the catalog keeps (catalog.c). */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/describe.h"
#include "asof.h"
#include "backup.h"
#include "cache.h"
#include "capacity.h"
#include "catalog.h"
#include "evq.h"
#include "expiry.h"
#include "journal.h"
#include "rekey.h"
#include "req.h"
#include "store.h"
#include "table.h"

/* DynamoDB allows two table class changes in this long */
#define CLASS_WINDOW_NS (30ll * 24 * 3600 * 1000000000)


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

/* Every change of a table is made on the live data and costs no units;
 * frees: it may use the map's headroom (store_write_frees). */
static int table_write(eng_db *db, eng_req *req, store_fn fn, void *ctx, int frees,
		       lay_err *err)
{
	int rc;

	if ((rc = store_req_writable(req, err)) < 0)
		return rc;
	return frees ? store_write_frees(db, fn, ctx, err) : store_write(db, fn, ctx, err);
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
	if ((rc = store_table_put(txn, db, &t, err)) < 0)
		return rc;
	return store_stats_put(txn, db, t.tid, &st, err);
}

int eng_table_create(eng_db *db, eng_req *req, const char *name, const lay_schema *schema,
		     const eng_dirmeta *dir, lay_err *err)
{
	struct create_ctx c;
	lay_schema def;
	int rc;

	store_req_start(req);
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
	if ((rc = table_write(db, req, create_txn, &c, 0, err)) == 0) {
		store_cap_drop(db, name); /* a table of that name before it is no more */
		store_icache_drop_table(db->icache, name);
		store_table_emit(db, name, ENG_INSERT, store_req_source(req));
	}
	return rc;
}

struct del_ctx {
	eng_db *db;
	const char *name;
	store_system system; /* the SYSTEM backup it leaves, made available with it */
	int with_items;      /* its items go with it (DeleteTable), else it must be empty */
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
	if (st.count && !c->with_items)
		return lay_err_set(err, -ENOTEMPTY, "table %s holds %llu items", c->name,
				   (unsigned long long)st.count);
	/* with PITR on (since), there must be a SYSTEM backup: start over */
	if (t.settings.pitr && !c->system.id)
		return lay_err_set(err, -EAGAIN, "table %s has PITR on: it is kept first",
				   c->name);
	store_be32(k, t.tid);
	if ((rc = store_table_del(txn, db, c->name, err)) < 0 ||
	    (c->system.id && (rc = store_backup_keep(txn, db, &c->system, &t, err)) < 0))
		return rc;
	rc = store_del(txn, db->tstats, k, 4, err);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if ((rc = store_del_prefix(txn, db->items, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->parts, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->names, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->stream, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->ttl, k, 4, err)) < 0 ||
	    (rc = store_del_prefix(txn, db->logkeys, k, 4, err)) < 0)
		return rc;
	return store_del_prefix(txn, db->log, k, 4, err);
}

/* Run fn, a write that deletes table name if it is empty (delete_txn), or
 * with its items (with_items): with PITR on, as DynamoDB, the table is
 * first kept as a SYSTEM backup for 35 days, in *sys, which fn makes
 * available or which is dropped if fn fails. A table changed between the
 * two is tried again. */
static int delete_keeping(eng_db *db, eng_req *req, const char *name, int with_items,
			  store_system *sys, store_fn fn, void *ctx, lay_err *err)
{
	eng_table_info ti;
	int rc, tries, found;

	if ((rc = store_req_writable(req, err)) < 0)
		return rc;
	for (tries = 0;; tries++) {
		memset(sys, 0, sizeof(*sys));
		rc = eng_table_get(db, NULL, name, &ti, err);
		found = rc == 0;
		/* (a table with items fails the delete, unless they go too) */
		if (found && ti.settings.pitr && (!ti.item_count || with_items))
			rc = store_backup_system(db, name, sys, err);
		/* (a table gone meanwhile, or made anew: the write tells) */
		if (rc == 0 || rc == -ENOENT) {
			lay_err_clear(err);
			rc = table_write(db, req, fn, ctx, found, err);
			/* should the drop fail too, the next open sweeps it */
			if (rc < 0 && sys->id)
				store_backup_drop(db, sys->id, NULL);
		}
		/* changed, or made anew with PITR on, meanwhile: again */
		if (rc != -EAGAIN || tries == 4)
			return rc;
		lay_err_clear(err);
	}
}

/* eng_table_delete and eng_table_drop. */
static int table_delete(eng_db *db, eng_req *req, const char *name, int with_items,
			lay_err *err)
{
	struct del_ctx c = { db, name, { 0 }, with_items };
	int rc = delete_keeping(db, req, name, with_items, &c.system, delete_txn, &c, err);

	if (rc == 0) {
		store_icache_drop_table(db->icache, name);
		store_cap_drop(db, name);
		store_table_emit(db, name, ENG_REMOVE, store_req_source(req));
		if (c.system.id)
			store_journal_add(db, eng_clock_now_ns(db->clock), "Backup", name,
					  ",\"BackupType\":\"SYSTEM\",\"Reason\":\"the table was "
					  "deleted with PITR on\"");
	}
	return rc;
}

int eng_table_delete(eng_db *db, eng_req *req, const char *name, lay_err *err)
{
	return table_delete(db, req, name, 0, err);
}

int eng_table_drop(eng_db *db, eng_req *req, const char *name, lay_err *err)
{
	return table_delete(db, req, name, 1, err);
}

struct get_ctx {
	eng_db *db;
	const char *name;
	int64_t as_of;      /* -1: now */
	uint32_t backup;    /* 0: not a backup */
	store_table *t;
	store_stats *st;
};

/* The table as the view shows it; as of a time, the table as it is with
 * its count and size as they were then. */
static int get_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct get_ctx *c = vctx;
	int rc;

	if ((rc = store_view_table(txn, c->db, c->backup, c->name, c->t, err)) < 0 ||
	    (rc = store_stats_get(txn, c->db, c->t->tid, c->st, err)) < 0 || c->as_of < 0)
		return rc;
	return asof_stats(txn, c->db, c->t, c->as_of, eng_clock_now_ns(c->db->clock), c->st, err);
}

int eng_table_get(eng_db *db, eng_req *req, const char *name, eng_table_info *out, lay_err *err)
{
	struct get_ctx c;
	store_table t;
	store_stats st;
	int rc;

	c = (struct get_ctx){ db, name, store_view_as_of(req), store_view_backup(req), &t, &st };
	if ((rc = store_view_read_items(db, req, get_txn, &c, err)) < 0)
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

/* A change of s's table class at now: DynamoDB allows two in 30 days.
 * Records it in s, or -EINVAL naming when the next one may be made. */
static int class_change(lay_settings *s, int64_t now, lay_err *err)
{
	int64_t *when = s->class_changed_ns; /* the last two, newest first */

	if (when[1] && now - when[1] < CLASS_WINDOW_NS) {
		char next[40];

		lay_time_iso(next, sizeof(next), when[1] + CLASS_WINDOW_NS);
		return lay_err_set(err, -EINVAL,
				   "the table class changes at most twice in 30 days; the next "
				   "change can be made at %s",
				   next);
	}
	when[1] = when[0];
	when[0] = now;
	return 0;
}

/* One change of a table record: set_schema, set_settings, set_dirmeta. */
struct set_ctx {
	eng_db *db;
	const char *name;
	const lay_schema *schema;
	const lay_settings *settings;
	const char *opt, *value;   /* or one setting by name, applied to the settings
	                            * the transaction reads */
	const uint32_t *scale;     /* or auto-scaling's rcu and wcu (0: kept), set
	                            * only while auto-scaling is on */
	const eng_dirmeta *dir;
	unsigned which;
	store_evq evq;   /* a re-key's changes, told after the commit */
	eng_source source;
	lay_settings named; /* the settings opt and value make */
	int reindexed;   /* out: the TTL attribute changed, and each item's expiry */
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
		store_evq_reset(&c->evq);
		if (st.count && (rc = store_rekey(txn, db, &t, &ns, c->source, &c->evq, err)) < 0)
			return rc;
		t.schema = ns;
		/* the past has another key schema, which no point can show:
		 * PITR's window starts again (DynamoDB cannot re-key at all) */
		if (t.settings.pitr)
			t.settings.pitr_since_ns = eng_clock_now_ns(db->clock);
	}
	if (c->scale) {
		lay_settings *s = &t.settings;

		if (!s->autoscaling || s->billing != LAY_PROVISIONED)
			return 0; /* turned off meanwhile: nothing to do */
		s->rcu = c->scale[0] ? c->scale[0] : s->rcu;
		s->wcu = c->scale[1] ? c->scale[1] : s->wcu;
		return store_table_put(txn, db, &t, err);
	}
	if (c->opt) {
		lay_settings *ns = &c->named;

		*ns = t.settings;
		if ((rc = lay_settings_set(ns, c->opt, c->value, err)) < 0 ||
		    (rc = lay_settings_check(ns, err)) < 0)
			return rc;
		c->settings = ns;
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
		if (ns->table_class != t.settings.table_class &&
		    (rc = class_change(&t.settings, eng_clock_now_ns(db->clock), err)) < 0)
			return rc;
		{
			lay_settings kept = t.settings;

			t.settings = *ns;
			t.settings.stream_created_ns = kept.stream_created_ns;
			t.settings.pitr_since_ns = kept.pitr_since_ns;
			memcpy(t.settings.class_changed_ns, kept.class_changed_ns,
			       sizeof(kept.class_changed_ns));
		}
		if (ttl_changed && (rc = store_ttl_reindex(txn, db, &t, err)) < 0)
			return rc;
		c->reindexed = ttl_changed;
	}
	if (c->dir) {
		eng_dirmeta dm = { t.dir_id, t.mode, t.uid, t.gid, st.mtime_ns, st.ctime_ns };

		store_meta_apply(&dm, c->dir, c->which);
		t.mode = dm.mode;
		t.uid = dm.uid;
		t.gid = dm.gid;
		st.mtime_ns = dm.mtime_ns;
		st.ctime_ns = dm.ctime_ns;
		if ((c->which & (ENG_META_MTIME | ENG_META_CTIME)) &&
		    (rc = store_stats_put(txn, db, t.tid, &st, err)) < 0)
			return rc;
		if (!(c->which & (ENG_META_MODE | ENG_META_UID | ENG_META_GID)))
			return 0;
	}
	return store_table_put(txn, db, &t, err);
}

int eng_table_set_schema(eng_db *db, eng_req *req, const char *name, const lay_schema *schema,
			 lay_err *err)
{
	struct set_ctx c = { .db = db, .name = name, .schema = schema, .evq = STORE_EVQ_INIT,
			     .source = store_req_source(req) };
	int rc;

	store_req_start(req);
	if ((rc = schema_check(schema, err)) < 0)
		return rc;
	if ((rc = table_write(db, req, set_txn, &c, 0, err)) == 0) {
		store_icache_drop_table(db->icache, name);
		store_evq_emit(db, name, &c.evq);
	}
	store_evq_free(&c.evq);
	return rc;
}

/* A change of settings: its capacity state, and the item cache after a new
 * TTL attribute, follow after the commit. */
static int settings_write(eng_db *db, eng_req *req, struct set_ctx *c, lay_err *err)
{
	int rc;

	c->reindexed = 0;
	if ((rc = table_write(db, req, set_txn, c, 0, err)) == 0) {
		/* items expire at other times: what the cache keeps of them goes */
		if (c->reindexed)
			store_icache_drop_table(db->icache, c->name);
		store_cap_settings(db, c->name);
	}
	return rc;
}

int eng_table_set_settings(eng_db *db, eng_req *req, const char *name, const lay_settings *s,
			   lay_err *err)
{
	struct set_ctx c = { .db = db, .name = name, .settings = s, .evq = STORE_EVQ_INIT };
	int rc;

	store_req_start(req);
	if ((rc = lay_settings_check(s, err)) < 0)
		return rc;
	return settings_write(db, req, &c, err);
}

int store_table_set_option(eng_db *db, eng_req *req, const char *name, const char *opt,
			   const char *value, lay_err *err)
{
	struct set_ctx c = { .db = db, .name = name, .opt = opt, .value = value,
			     .evq = STORE_EVQ_INIT };

	store_req_start(req);
	return settings_write(db, req, &c, err);
}

int store_table_scale(eng_db *db, const char *name, const uint32_t units[2], lay_err *err)
{
	struct set_ctx c = { .db = db, .name = name, .scale = units, .evq = STORE_EVQ_INIT };

	return settings_write(db, NULL, &c, err);
}

int eng_table_set_dirmeta(eng_db *db, eng_req *req, const char *name, const eng_dirmeta *m,
			  unsigned which, lay_err *err)
{
	struct set_ctx c = { .db = db, .name = name, .dir = m, .which = which,
			     .evq = STORE_EVQ_INIT };

	return table_write(db, req, set_txn, &c, 0, err);
}

struct ren_ctx {
	eng_db *db;
	const char *from, *to;
	int noreplace;
	store_system system; /* the SYSTEM backup of the table replaced */
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
			struct del_ctx d = { db, c->to, c->system, 0 };

			if ((rc = delete_txn(txn, &d, err)) < 0)
				return rc;
		}
	} else if (rc != -ENOENT) {
		return rc;
	}
	lay_err_clear(err);
	/* items, partitions, stream and log are keyed by the table's id: only
	 * the name moves */
	if ((rc = store_table_del(txn, db, c->from, err)) < 0)
		return rc;
	snprintf(t.name, sizeof(t.name), "%s", c->to);
	return store_table_put(txn, db, &t, err);
}

int eng_table_rename(eng_db *db, eng_req *req, const char *from, const char *to, int noreplace,
		     lay_err *err)
{
	struct ren_ctx c = { db, from, to, noreplace, { 0 } };
	int rc;

	store_req_start(req);
	if ((rc = lay_table_name_check(to, strlen(to), err)) < 0)
		return rc;
	if (strcmp(from, to) == 0)
		return 0;
	/* an empty table replaced is deleted, as by rmdir */
	rc = noreplace ? table_write(db, req, rename_txn, &c, 0, err)
		       : delete_keeping(db, req, to, 0, &c.system, rename_txn, &c, err);
	if (rc == 0) {
		store_icache_drop_table(db->icache, from);
		store_icache_drop_table(db->icache, to);
		store_cap_rename(db, from, to);
	}
	return rc;
}
