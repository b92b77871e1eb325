/* Private to engine/: the eng_db structure, the transaction helpers that
 * make the LMDB map grow by itself, counters, and the byte helpers of keys
 * and records. See store.c. */
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
#include "engine.h"

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
struct store_cap;
struct store_journal;
struct store_icache;

/* threads that may keep a read transaction each (more read uncached) */
#define STORE_MAX_RTXNS 64

struct eng_db {
	lay_format format; /* eng_meta.len's format */
	char *dir;
	int lock_fd;
	int read_only; /* eng_db_opts.read_only: every write fails with -EROFS */
	MDB_env *env;
	MDB_dbi meta, tables, tstats, parts, items, names, log, stream, ttl, logkeys, backups;
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
	char *guard_dir; /* eng_db_opts.guard_dir, resolved, or NULL */
	/* the ClientRequestTokens of transactions (token.c) */
	pthread_mutex_t tokens_mu;
	struct store_tokens *tokens;
	/* told of every committed change (events.c) */
	pthread_mutex_t subs_mu;
	_Atomic size_t nsubs;
	struct {
		eng_change_fn fn;
		void *ctx;
	} subs[ENG_MAX_SUBSCRIBERS];
	struct store_cap *cap;         /* capacity (capacity.c) */
	struct store_journal *journal; /* the journal (journal.c) */
	struct store_icache *icache;   /* rendered items (cache.c); NULL: none */
	struct store_jobs *jobs;       /* exports and imports running (job.c) */
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
/* The bytes of the map never used yet: what writers have while a long
 * read keeps the pages they free from being reused. */
size_t store_fresh_room(eng_db *db);


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

/* Grow the map, when needed, so that bytes more fit above the headroom:
 * for work that writes while it holds a read transaction open (a backup's
 * copy), which cannot grow the map then. 0, or -ENOSPC with a message. */
int store_make_room(eng_db *db, size_t bytes, lay_err *err);

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

/* The maintenance thread (maint.c), when db->maint_ms > 0: started by
 * eng_db_open, stopped by eng_db_close. */
int store_maint_start(eng_db *db, lay_err *err);
void store_maint_stop(eng_db *db);

#endif
