/* Private to engine/: the catalog of tables (catalog.c): table records,
 * their cache and the per-table statistics. */
#ifndef ENG_CATALOG_H
#define ENG_CATALOG_H

#include <stdint.h>

#include "../layout/err.h"
#include "../layout/schema.h"
#include "store.h"
#include "engine.h"

/* A table as its record says (the cache copies them). */
typedef struct store_table {
	char name[256];
	uint32_t tid;
	lay_schema schema;
	int64_t created_ns;
	uint64_t dir_id;
	uint32_t mode, uid, gid;
	lay_settings settings;
} store_table;

/* Per-table statistics and the table directory's times ("tstats"). */
typedef struct store_stats {
	uint64_t count, size;
	int64_t mtime_ns, ctime_ns;
} store_stats;

/* The table named name as this transaction sees it, from the cache when it
 * is current. -ENOENT with a message if there is none. */
int store_table_get(MDB_txn *txn, eng_db *db, const char *name, store_table *out, lay_err *err);

/* The table named name and (st may be NULL) its statistics, in a read
 * transaction of its own in req's view (may be NULL). -ENOENT. */
int store_table_load(eng_db *db, eng_req *req, const char *name, store_table *t,
		     store_stats *st, lay_err *err);

/* The table as last seen, without a transaction when it is cached (fresh
 * == 0; *cached (may be NULL) then says so), else from a read transaction:
 * for validating input before a write transaction, which then checks with
 * store_table_same that it did not change. Input that a cached copy
 * rejects must be checked again with a fresh one. */
int store_table_peek(eng_db *db, const char *name, int fresh, store_table *out, int *cached,
		     lay_err *err);

/* 1 if a and b are the same table with the same key schema. */
int store_table_same(const store_table *a, const store_table *b);

/* Decode the record v of the table named name (NUL-terminated) into t:
 * 0, or -EIO naming the table. */
int store_table_decode(store_table *t, const char *name, const MDB_val *v, lay_err *err);

/* Write t's record, or delete the record named name; either writes a fresh
 * generation, so every cached copy made before stops being used. */
int store_table_put(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err);
int store_table_del(MDB_txn *txn, eng_db *db, const char *name, lay_err *err);

/* Empty the table cache (close). */
void store_cache_clear(eng_db *db);

int store_stats_get(MDB_txn *txn, eng_db *db, uint32_t tid, store_stats *out, lay_err *err);
int store_stats_put(MDB_txn *txn, eng_db *db, uint32_t tid, const store_stats *s, lay_err *err);

/* Set the fields of m that which (ENG_META_*) chooses to given's: the one
 * place the bits are read (items, partitions and tables convert to it). */
void store_meta_apply(eng_dirmeta *m, const eng_dirmeta *given, unsigned which);

/* ---- Backups' records ---- */

/* A backup's record (backup.c makes them), in "backups" keyed by the
 * number its rows are kept under; also a restore's while it copies. */
enum { STORE_BK_CREATING = 0, STORE_BK_AVAILABLE = 1 };
/* a record's type: eng_backup_type, or a restore's rows */
enum { STORE_BK_RESTORE = 0 };

/* A backup's record. */

typedef struct store_bk {
	uint32_t id;
	int status, type;
	char table[256], name[256];
	int64_t created_ns, expires_ns;
	lay_schema schema;
	uint32_t mode, uid, gid;
	int64_t table_created_ns; /* when the table backed up was made */
} store_bk;

/* Decode the record k, v of "backups" into r: 0, or -EIO. */
int store_bk_decode(const MDB_val *k, const MDB_val *v, store_bk *r, lay_err *err);

/* Write r; read record id (-ENOENT). */
int store_bk_put(MDB_txn *txn, eng_db *db, const store_bk *r, lay_err *err);
int store_bk_get(MDB_txn *txn, eng_db *db, uint32_t id, store_bk *r, lay_err *err);

/* Call fn(ctx, r) for every record, in number order; fn returns 0 to go
 * on, 1 to stop, < 0 to fail with it. */
typedef int (*store_bk_fn)(void *ctx, const store_bk *r);
int store_bk_each(MDB_txn *txn, eng_db *db, store_bk_fn fn, void *ctx, lay_err *err);

/* table's backup named name, available or being made, into out: 1 found,
 * 0 not, or < 0. */
int store_bk_find(MDB_txn *txn, eng_db *db, const char *table, const char *name, store_bk *out,
		  lay_err *err);

/* The table record a backup's rows are read as: its table's name, its
 * number, key schema and directory, no settings. */
void store_bk_table(const store_bk *r, store_table *t);

/* The table named name as a read in backup view backup sees it (0: the
 * live view, store_table_get): the backup's rows as store_bk_table says.
 * -ENOENT with a message. */
int store_view_table(MDB_txn *txn, eng_db *db, uint32_t backup, const char *name,
		     store_table *out, lay_err *err);

#endif
