/* Private to engine/: the eng_db structure, the transaction helpers that
 * make the LMDB map grow by itself, the key and row byte formats shared by
 * table.c, item.c and log.c, and the table record cache. See store.c. */
#ifndef ENG_STORE_H
#define ENG_STORE_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "../layout/item.h"
#include "../layout/schema.h"
#include "clock.h"
#include "db.h"
#include "item.h"
#include "maint.h"
#include "table.h"

/* The longest key encoding kept whole in an LMDB key; a longer one is cut
 * to STORE_KEY_CUT bytes plus an 8-byte hash of the whole encoding. */
#define STORE_KEY_CUT 400
#define STORE_KEY_HASHED (STORE_KEY_CUT + 8)
/* [tid u32][pid u64][hash u64] + a key part: the longest LMDB key we make */
#define STORE_KEY_MAX (4 + 8 + 8 + STORE_KEY_HASHED)

/* Internal return codes, never seen outside engine/. */
#define STORE_MAP_FULL (-100001) /* grow the map and run the transaction again */
#define STORE_STALE (-100002)    /* the table changed under a caller's validation */

struct store_cache_ent;

/* threads that may keep a read transaction each (more read uncached) */
#define STORE_MAX_RTXNS 64

struct eng_db {
	char *dir;
	int lock_fd;
	MDB_env *env;
	MDB_dbi meta, tables, tstats, parts, items, names, log, stream, ttl;
	/* held for reading by every transaction, for writing to resize the map */
	pthread_rwlock_t maplock;
	_Atomic size_t map_size;
	size_t map_max; /* 0: no limit but the disk's */
	eng_clock *clock;
	eng_clock *own_clock;
	int sync_always;
	int sync_ms;
	/* group commit: commits counts write commits, the thread syncs when it
	 * differs from what it last synced */
	_Atomic uint64_t commits;
	uint64_t synced;
	pthread_t sync_thread;
	int sync_started;
	int sync_stop;
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	/* table records by name, valid for cache_gen (meta "tables_gen") */
	pthread_mutex_t cache_mu;
	uint64_t cache_gen;
	struct store_cache_ent *cache[64];
	size_t cache_n;
	_Atomic uint64_t gen_next; /* source of fresh, never repeated generations */
	/* time-driven work (maint.c): TTL sweeps, stream and log trims */
	int maint_ms;
	pthread_t maint_thread;
	int maint_started;
	int maint_stop;
	pthread_mutex_t maint_mu;
	pthread_cond_t maint_cv;
	eng_change_hook hook;      /* told of the engine's own changes */
	void *hook_ctx;
	/* read transactions cached by threads (store.c) */
	uint64_t serial;
	pthread_mutex_t rtxn_mu;
	MDB_txn *rtxns[STORE_MAX_RTXNS];
	size_t nrtxns;
};

/* Map space that only deletes may use: a write that adds data and would
 * leave less free grows the map first, and fails with ENOSPC when the disk
 * cannot hold the growth (store.c). */
#define STORE_HEADROOM ((size_t)2 << 20)
/* Disk the map's growth leaves free for DATA_DIR's other files (the log). */
#define STORE_DISK_SPARE ((size_t)256 << 10)
/* The map grows by a quarter of its size, within these bounds. */
#define STORE_STEP_MIN ((size_t)1 << 20)
#define STORE_STEP_MAX ((size_t)256 << 20)

/* Allocate the database file's blocks up to size (the map, written through
 * with MDB_WRITEMAP): 0, or -ENOSPC (naming DATA_DIR) and friends with a
 * message. */
int store_reserve(eng_db *db, size_t size, lay_err *err);

/* How much a map of size bytes grows at a time. */
size_t store_grow_step(size_t size);

/* Cached read transactions: set up at open, aborted at close. */
void store_rtxn_init(eng_db *db);
void store_rtxn_close_all(eng_db *db);

/* A transaction's body. Runs again from the start after the map grew, so it
 * must not keep effects outside the transaction from an earlier run.
 * Returns 0 (commit) or a negative errno (abort). */
typedef int (*store_fn)(MDB_txn *txn, void *ctx, lay_err *err);

/* Run fn in a read-only transaction. */
int store_read(eng_db *db, store_fn fn, void *ctx, lay_err *err);

/* Run fn in a write transaction and commit it; MDB_MAP_FULL grows the map
 * and runs fn again. The transaction may not eat into STORE_HEADROOM: it
 * grows the map first, and fails with -ENOSPC when the disk is full.
 * Returns 0 or fn's or the commit's negative errno. */
int store_write(eng_db *db, store_fn fn, void *ctx, lay_err *err);

/* store_write for what frees space (deletes, trims, expiry): it may use
 * the headroom, so that space can always be freed on a full disk. */
int store_write_frees(eng_db *db, store_fn fn, void *ctx, lay_err *err);

/* mdb_env_sync under maplock: with MDB_WRITEMAP it msyncs the map, which a
 * resize unmaps. Returns LMDB's code. */
int store_sync(eng_db *db);

/* An LMDB return code as a negative errno with a message naming what
 * failed; MDB_MAP_FULL becomes STORE_MAP_FULL, MDB_NOTFOUND -ENOENT. */
int store_mdb(int rc, const char *what, lay_err *err);

/* Thin wrappers of mdb_get/mdb_put/mdb_del that return store_mdb's codes
 * (-ENOENT for a missing key). */
int store_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *out, lay_err *err);
int store_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen,
	      lay_err *err);
int store_del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, lay_err *err);

/* store_put of a key that sorts after every key of its table in dbi (a
 * log's or stream's next row): appended where it is the last key of dbi,
 * so LMDB leaves full pages behind instead of splitting them in half. */
int store_append(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen,
		 lay_err *err);

/* Delete every key of dbi that starts with prefix. */
int store_del_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, lay_err *err);

/* Counters in "meta" (u64, 0 when absent). */
int store_counter_get(MDB_txn *txn, eng_db *db, const char *name, uint64_t *out, lay_err *err);
int store_counter_set(MDB_txn *txn, eng_db *db, const char *name, uint64_t v, lay_err *err);
/* Increment and return the new value: object ids, table ids, sequence numbers. */
int store_counter_next(MDB_txn *txn, eng_db *db, const char *name, uint64_t *out, lay_err *err);

#define STORE_OID "next_oid"
#define STORE_TID "next_tid"
#define STORE_SEQ "last_seq"
#define STORE_GEN "tables_gen"

/* Big-endian integers: in keys, memcmp order is numeric order. */
static inline void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline void store_be64(unsigned char *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

static inline uint32_t store_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t store_rd64(const unsigned char *p)
{
	return (uint64_t)store_rd32(p) << 32 | store_rd32(p + 4);
}

/* Appending fields to a record; each returns 0 or -ENOMEM. */
int store_add8(lay_buf *b, unsigned v);
int store_add16(lay_buf *b, unsigned v);
int store_add32(lay_buf *b, uint32_t v);
int store_add64(lay_buf *b, uint64_t v);
int store_addstr(lay_buf *b, const char *s, size_t len); /* u16 length + bytes */

/* Reading a record back; a read past the end sets bad and yields zeros. */
typedef struct store_rd {
	const unsigned char *p;
	size_t len;
	int bad;
} store_rd;

unsigned store_get8(store_rd *r);
unsigned store_get16(store_rd *r);
uint32_t store_get32(store_rd *r);
uint64_t store_get64(store_rd *r);
/* A u16-length string into dst (size dsz, NUL-terminated); too long is bad. */
void store_getstr(store_rd *r, char *dst, size_t dsz);
const unsigned char *store_getbytes(store_rd *r, size_t n);

/* Append the key part of a full key encoding: the encoding itself when it
 * is at most STORE_KEY_CUT bytes, else its first STORE_KEY_CUT bytes and a
 * hash of all of it. Returns 1 when cut, 0 when whole, -ENOMEM. */
int store_keypart(lay_buf *out, const void *enc, size_t len);

/* memcmp order of two byte strings, a prefix first (LMDB's order). */
int store_bytes_cmp(const void *a, size_t alen, const void *b, size_t blen);

/* A table as its record says (table.c keeps them; the cache copies them). */
typedef struct store_table {
	char name[256];
	uint32_t tid;
	lay_schema schema;
	int64_t created_ns;
	uint64_t dir_id;
	uint32_t mode, uid, gid;
	lay_settings settings;
} store_table;

/* The table named name as this transaction sees it, from the cache when it
 * is current. -ENOENT with a message if there is none. */
int store_table_get(MDB_txn *txn, eng_db *db, const char *name, store_table *out, lay_err *err);

/* The table as last seen, without a transaction when it is cached (fresh
 * == 0; *cached (may be NULL) then says so), else from a read transaction:
 * for validating input before a write transaction, which then checks with
 * store_table_same that it did not change. Input that a cached copy
 * rejects must be checked again with a fresh one. */
int store_table_peek(eng_db *db, const char *name, int fresh, store_table *out, int *cached,
		     lay_err *err);

/* 1 if a and b are the same table with the same key schema. */
int store_table_same(const store_table *a, const store_table *b);

/* Empty the table cache (close). */
void store_cache_clear(eng_db *db);

/* Per-table statistics and the table directory's times ("tstats"). */
typedef struct store_stats {
	uint64_t count, size;
	int64_t mtime_ns, ctime_ns;
} store_stats;

int store_stats_get(MDB_txn *txn, eng_db *db, uint32_t tid, store_stats *out, lay_err *err);
int store_stats_put(MDB_txn *txn, eng_db *db, uint32_t tid, const store_stats *s, lay_err *err);

/*
 * Append one change record for table t (as the transaction sees it) with
 * sequence number seq (taken by the caller from store_counter_next
 * (STORE_SEQ)). old/new are lay_codec encodings of the images (len 0:
 * none). With the table's stream on, its stream record goes in too.
 */
int store_log_append(MDB_txn *txn, eng_db *db, const store_table *t, uint64_t seq,
		     int64_t time_ns, eng_event event, unsigned flags, const lay_key *key,
		     const void *old, size_t old_len, const void *new_img, size_t new_len,
		     lay_err *err);

/* stream.c: render and append the stream record of a change (same arguments). */
int store_stream_append(MDB_txn *txn, eng_db *db, const store_table *t, uint64_t seq,
			int64_t time_ns, eng_event event, unsigned flags, const lay_key *key,
			const void *old, size_t old_len, const void *new_img, size_t new_len,
			lay_err *err);

/*
 * item.c: re-key table t (as the transaction sees it) to schema ns, in the
 * caller's transaction: every item takes its new key from its attributes
 * (SPEC §2), leaving its old place (a REMOVE record) before any takes its
 * new one (an INSERT record); expired items are removed by the service.
 * The caller writes the table record. -ENOTEMPTY with the reason when an
 * item lacks a new key attribute, has one of the wrong type, or two items
 * would share a key: the caller aborts, nothing has changed.
 */
int store_rekey(MDB_txn *txn, eng_db *db, const store_table *t, const lay_schema *ns, lay_err *err);

/* The maintenance thread (maint.c), when db->maint_ms > 0. */
int store_maint_start(eng_db *db, lay_err *err);
void store_maint_stop(eng_db *db);

/* TTL (maint.c): the expiry of an item for a table whose TTL attribute is
 * attr ("": none): epoch seconds, or 0 when it never expires. */
int64_t store_ttl_expiry(const lay_item *it, const char *attr, int64_t now_ns);

/* 1 if an item expiring at exp (epoch seconds, 0: never) has expired. */
int store_ttl_expired(int64_t exp, int64_t now_ns);

/* The expiry index: [tid][exp][items key without tid] -> "" */
int store_ttl_index(MDB_txn *txn, eng_db *db, const void *ikey, size_t ilen, int64_t exp,
		    int add, lay_err *err);

/* item.c: delete table's expired items (at most limit; 0: all), telling
 * db->hook of each after its transaction committed. */
int store_ttl_sweep(eng_db *db, const char *table, size_t limit, size_t *swept, lay_err *err);

/* Recompute every item's expiry after the table's TTL attribute changed. */
int store_ttl_reindex(MDB_txn *txn, eng_db *db, const store_table *t, lay_err *err);

#endif
