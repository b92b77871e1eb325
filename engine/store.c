/* The engine's storage layer (SPEC §1, §3, §17): transactions that grow the
 * LMDB map by themselves, counters, and the byte formats of keys and rows.
 *
 * Design
 * - One LMDB environment in DATA_DIR, opened MDB_NOTLS | MDB_NOSYNC: every
 *   commit is in the OS page cache when it returns, so it survives a crash
 *   of the process (kill -9); a group-commit thread (db.c) fsyncs within
 *   sync_ms, and sync=always drops MDB_NOSYNC. (As LMDB documents, an OS
 *   crash with NOSYNC may lose the last second.)
 * - Named databases, integers big-endian so that memcmp order is numeric:
 *     meta    counter name -> u64: next_oid (ids of items, partitions and
 *             tables), next_tid, last_seq, tables_gen
 *     tables  name -> table record (catalog.c)
 *     tstats  [tid] -> item count, size bytes, table dir mtime/ctime
 *     parts   [tid][pk part] -> partition row: id (= pid), dir metadata,
 *             the full encoding of the partition key
 *     items   [tid][pid][key part] -> item row: header (id, mode, owner,
 *             times, rendered lengths, size), full key encoding when cut,
 *             then the lay_codec encoding. pid 0 holds the items of a table
 *             without sort key (key part = pk), else key part = sk.
 *     names   [tid][pid or 0][lay_name_hash][key part] -> full encoding,
 *             for keys whose file name is long and hashed (SPEC §4)
 *     log     [tid][seq] -> change record (log.c)
 * - Key parts: lay_keyenc (memcmp order = DynamoDB order). LMDB keys are at
 *   most 511 bytes but keys reach 2048 (pk) and 1024 (sk) bytes: an
 *   encoding longer than STORE_KEY_CUT is cut to that many bytes plus a
 *   64-bit hash of the whole encoding. Encodings are self-delimiting, so a
 *   cut key still sorts correctly against every key with another
 *   STORE_KEY_CUT-byte prefix; keys sharing that prefix form one contiguous
 *   run, which a listing collects and sorts by the full encoding kept in
 *   the row. Two different keys of one run with equal hashes (2^-64) would
 *   share an LMDB key: the put fails with -EIO and says so.
 * - Map growth: every transaction holds maplock for reading; a write that
 *   meets MDB_MAP_FULL aborts, takes maplock for writing (no transaction of
 *   this process is open then), grows the map by a step (a quarter, 1 MB to
 *   256 MB) and runs again from the start: transaction bodies are functions
 *   of the txn (store_fn). MDB_MAP_RESIZED (another process grew it) adopts
 *   the new size. The map is written through (MDB_WRITEMAP), so each step's
 *   blocks are reserved before the map covers them: a full disk is ENOSPC,
 *   never a SIGBUS, and the file takes about what it holds.
 * - A full disk: a write that adds data must leave STORE_HEADROOM of the
 *   map in no tree (measured in the transaction, before it commits), else
 *   it grows the map first; when the disk cannot hold that, it fails with
 *   ENOSPC naming DATA_DIR. Deletes, trims and expiry (store_write_frees)
 *   may use the headroom: a delete needs fresh pages for its copy-on-write,
 *   and what it frees is reusable only by a later transaction, once no
 *   reader sees the one that freed it.
 * - Tables are read by every item operation; catalog.c caches their records
 *   by name, valid while meta's tables_gen is unchanged. Every change of a
 *   table record writes a fresh, never repeated generation in the same
 *   transaction, so an aborted change can never leave a stale entry valid.
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../layout/hash.h"

/* maplock depth of this thread: a callback of a listing may call the db
 * again without taking the lock twice, and a resize is never attempted by
 * a thread that holds it. */
static _Thread_local int lock_depth;

static void lock_enter(eng_db *db)
{
	if (lock_depth++ == 0)
		pthread_rwlock_rdlock(&db->maplock);
}

static void lock_leave(eng_db *db)
{
	assert(lock_depth > 0);
	if (--lock_depth == 0)
		pthread_rwlock_unlock(&db->maplock);
}

int store_mdb(int rc, const char *what, lay_err *err)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		lay_err_set(err, -ENOSPC, "%s: the database map is full", what);
		return STORE_MAP_FULL;
	case MDB_TXN_FULL:
		return lay_err_set(err, -ENOSPC, "%s: the transaction is too large for LMDB", what);
	case MDB_READERS_FULL:
		return lay_err_set(err, -EAGAIN, "%s: too many concurrent readers", what);
	case MDB_BAD_VALSIZE:
		return lay_err_set(err, -EINVAL, "%s: key too long for LMDB", what);
	}
	if (rc > 0)
		return lay_err_set(err, -rc, "%s: %s", what, mdb_strerror(rc));
	return lay_err_set(err, -EIO, "%s: %s", what, mdb_strerror(rc));
}

static int disk_full(eng_db *db, size_t size, lay_err *err)
{
	return lay_err_set(err, -ENOSPC,
			   "no space left on the disk holding DATA_DIR %s: the database needs "
			   "%zu bytes of disk for its map; delete items or free disk space",
			   db->dir, size);
}

int store_reserve(eng_db *db, size_t size, lay_err *err)
{
	int fd, rc;

	if (mdb_env_get_fd(db->env, &fd) != 0)
		return lay_err_set(err, -EIO, "the database file is not open");
	rc = db->map_max && size > db->map_max ? ENOSPC : posix_fallocate(fd, 0, (off_t)size);
	if (rc == EOPNOTSUPP || rc == EINVAL)
		return 0; /* a filesystem without fallocate: holes it is */
	if (rc == ENOSPC)
		return disk_full(db, size, err);
	if (rc)
		return lay_err_set(err, -rc, "reserving %zu bytes for the database in %s: %s",
				   size, db->dir, strerror(rc));
	return 0;
}

size_t store_grow_step(size_t size)
{
	size_t step = size / 4;

	if (step < STORE_STEP_MIN)
		step = STORE_STEP_MIN;
	if (step > STORE_STEP_MAX)
		step = STORE_STEP_MAX;
	return step;
}

/* size rounded up to a whole STORE_STEP_MIN */
static size_t round_step(size_t size)
{
	return (size + STORE_STEP_MIN - 1) / STORE_STEP_MIN * STORE_STEP_MIN;
}

/* Set the map to size, its blocks reserved first: with a full disk the map
 * stays as it was. Holds maplock for writing (no transaction is open). */
static int resize_locked(eng_db *db, size_t size, lay_err *err)
{
	size_t cur = atomic_load(&db->map_size);
	struct statvfs vfs;
	int fd, rc;

	/* leave the disk a little for the log, which reports the ENOSPC */
	if (size > cur && statvfs(db->dir, &vfs) == 0 &&
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize < size - cur + STORE_DISK_SPARE)
		return disk_full(db, size, err);
	if ((rc = store_reserve(db, size, err)) < 0) {
		/* give back what a partial reservation took past the map (the
		 * error already says what failed) */
		if (mdb_env_get_fd(db->env, &fd) == 0) {
			int cut = ftruncate(fd, (off_t)cur);

			(void)cut;
		}
		return rc;
	}
	if ((rc = mdb_env_set_mapsize(db->env, size)) != 0)
		return lay_err_set(err, rc > 0 ? -rc : -EIO,
				   "growing the database map of %s to %zu bytes: %s", db->dir, size,
				   mdb_strerror(rc));
	atomic_store(&db->map_size, size);
	return 0;
}

/*
 * Grow the map past seen, unless another thread already did: to seen plus
 * a step (a quarter of it, 1 MB to 256 MB: each step's blocks are reserved,
 * so the file takes about what it holds), or at least to need bytes; with
 * too little disk for a step, to the least that helps.
 */
static int grow(eng_db *db, size_t seen, size_t need, lay_err *err)
{
	size_t want, least;
	int rc = 0;

	if (lock_depth > 0)
		return lay_err_set(err, -ENOSPC,
				   "the database map of %s is full and cannot grow while this "
				   "thread is inside a listing",
				   db->dir);
	least = round_step(need > seen ? need : seen + 1);
	want = round_step(seen + store_grow_step(seen));
	if (want < least)
		want = least;
	pthread_rwlock_wrlock(&db->maplock);
	if (atomic_load(&db->map_size) == seen) {
		rc = resize_locked(db, want, err);
		if (rc == -ENOSPC && least < want)
			rc = resize_locked(db, least, err);
	}
	pthread_rwlock_unlock(&db->maplock);
	return rc;
}

/* Bytes of the map in no tree (above the last page used, or on LMDB's free
 * list), as txn sees it; *used gets the bytes in trees. */
static int map_room(MDB_txn *txn, eng_db *db, size_t map, size_t *room, size_t *used, lay_err *err)
{
	/* 0: LMDB's free list, 1: its main database (the names of the rest) */
	MDB_dbi dbis[] = { 0,	      1,	 db->meta, db->tables, db->tstats, db->parts,
			   db->items, db->names, db->log,  db->stream, db->ttl, db->logkeys,
			   db->backups };
	size_t pages = 2, i; /* the two meta pages */
	MDB_stat st;
	int rc;

	for (i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
		if ((rc = mdb_stat(txn, dbis[i], &st)) != 0)
			return store_mdb(rc, "measuring the database", err);
		pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
	}
	*used = pages * st.ms_psize;
	*room = map > *used ? map - *used : 0;
	return 0;
}

/* Another process grew the map (MDB_MAP_RESIZED): adopt its size. */
static int adopt_size(eng_db *db, lay_err *err)
{
	MDB_envinfo info;
	int rc;

	if (lock_depth > 0)
		return lay_err_set(err, -EAGAIN, "the database map was resized by another process");
	pthread_rwlock_wrlock(&db->maplock);
	rc = mdb_env_set_mapsize(db->env, 0);
	if (rc == 0 && mdb_env_info(db->env, &info) == 0)
		atomic_store(&db->map_size, info.me_mapsize);
	pthread_rwlock_unlock(&db->maplock);
	return rc ? store_mdb(rc, "adopting the database map size", err) : 0;
}

/*
 * A read transaction kept per thread and db, reset between uses and renewed
 * (mdb_txn_renew) for the next: beginning one costs a reader-slot search.
 * eng_db_close aborts them all (db->rtxns); db->serial tells a thread that
 * its cached one belongs to a closed db.
 */
static __thread MDB_txn *tls_rtxn;
static __thread uint64_t tls_serial;
static __thread int tls_rtxn_busy;

static _Atomic uint64_t serials;

void store_rtxn_init(eng_db *db)
{
	db->serial = atomic_fetch_add(&serials, 1) + 1;
}

/* A read transaction for this thread: the cached one renewed, or a new one
 * (nested reads, or the first on this thread). *cached says which. */
static int rtxn_get(eng_db *db, MDB_txn **out, int *cached)
{
	int rc;

	*cached = 0;
	if (!tls_rtxn_busy && tls_rtxn && tls_serial == db->serial) {
		if ((rc = mdb_txn_renew(tls_rtxn)) == 0) {
			tls_rtxn_busy = 1;
			*cached = 1;
			*out = tls_rtxn;
			return 0;
		}
		if (rc == MDB_MAP_RESIZED)
			return rc;
	}
	if ((rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, out)) != 0)
		return rc;
	if (!tls_rtxn_busy && (!tls_rtxn || tls_serial != db->serial)) {
		/* keep it for next time */
		pthread_mutex_lock(&db->rtxn_mu);
		if (db->nrtxns < STORE_MAX_RTXNS) {
			db->rtxns[db->nrtxns++] = *out;
			tls_rtxn = *out;
			tls_serial = db->serial;
			tls_rtxn_busy = 1;
			*cached = 1;
		}
		pthread_mutex_unlock(&db->rtxn_mu);
	}
	return 0;
}

static void rtxn_put(MDB_txn *txn, int cached)
{
	if (cached) {
		mdb_txn_reset(txn);
		tls_rtxn_busy = 0;
	} else {
		mdb_txn_abort(txn);
	}
}

size_t store_fresh_room(eng_db *db)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t used;

	if (mdb_env_info(db->env, &info) != 0 || mdb_env_stat(db->env, &st) != 0)
		return 0;
	used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	return info.me_mapsize > used ? info.me_mapsize - used : 0;
}

void store_rtxn_close_all(eng_db *db)
{
	size_t i;

	pthread_mutex_lock(&db->rtxn_mu);
	for (i = 0; i < db->nrtxns; i++)
		mdb_txn_abort(db->rtxns[i]);
	db->nrtxns = 0;
	pthread_mutex_unlock(&db->rtxn_mu);
}

enum { RUN_READ, RUN_WRITE, RUN_FREES };

/* The message of a put refused to keep the headroom for deletes. */
static int no_room(eng_db *db, size_t room, lay_err *err)
{
	return lay_err_set(err, -ENOSPC,
			   "no space left on the disk holding DATA_DIR %s: the database has "
			   "%zu bytes free, kept for deletes; delete items or free disk space",
			   db->dir, room);
}

/* The message of a delete that found the headroom used up. */
static int no_room_to_free(eng_db *db, lay_err *err)
{
	return lay_err_set(err, -ENOSPC,
			   "no space left on the disk holding DATA_DIR %s, even for a delete: the "
			   "headroom kept for deletes is used up (a stream keeps the images of "
			   "deleted items for 24 hours); free disk space",
			   db->dir);
}

static int run(eng_db *db, store_fn fn, void *ctx, int mode, lay_err *err)
{
	int write = mode != RUN_READ;
	size_t seen, room = 0, used = 0, need;
	MDB_txn *txn;
	int rc, cached = 0;

	if (write && db->read_only)
		return lay_err_set(err, -EROFS, "DATA_DIR %s is open read-only", db->dir);
	for (;;) {
		lock_enter(db);
		seen = atomic_load(&db->map_size);
		need = 0;
		rc = write ? mdb_txn_begin(db->env, NULL, 0, &txn) : rtxn_get(db, &txn, &cached);
		if (rc == MDB_MAP_RESIZED) {
			lock_leave(db);
			if ((rc = adopt_size(db, err)) < 0)
				return rc;
			continue;
		}
		if (rc) {
			lock_leave(db);
			return store_mdb(rc, "beginning a transaction", err);
		}
		lay_err_clear(err);
		rc = fn(txn, ctx, err);
		/* what adds data leaves STORE_HEADROOM of the map free, so that a
		 * delete, which needs fresh pages too (copy-on-write; what it frees
		 * is reusable only a transaction later), always finds some; a
		 * thread inside a listing cannot grow the map and keeps it as is */
		if (rc == 0 && mode == RUN_WRITE &&
		    (rc = map_room(txn, db, seen, &room, &used, err)) == 0 &&
		    room < STORE_HEADROOM) {
			need = used + 2 * STORE_HEADROOM;
			rc = lock_depth == 1 ? STORE_MAP_FULL
					     : lay_err_set(err, -ENOSPC, "the map is full during a "
							   "long read, which it cannot grow");
		}
		if (rc == 0 && write) {
			rc = mdb_txn_commit(txn);
			if (rc == 0)
				atomic_fetch_add(&db->commits, 1);
			rc = store_mdb(rc, "committing", err);
		} else if (write) {
			mdb_txn_abort(txn);
		} else {
			rtxn_put(txn, cached);
		}
		lock_leave(db);
		if (rc == STORE_MAP_FULL && write) {
			if ((rc = grow(db, seen, need, err)) == -ENOSPC && need)
				return no_room(db, room, err);
			if (rc == -ENOSPC && mode == RUN_FREES)
				return no_room_to_free(db, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc == STORE_MAP_FULL)
			return -ENOSPC;
		return rc;
	}
}

int store_read(eng_db *db, store_fn fn, void *ctx, lay_err *err)
{
	return run(db, fn, ctx, RUN_READ, err);
}

int store_write(eng_db *db, store_fn fn, void *ctx, lay_err *err)
{
	return run(db, fn, ctx, RUN_WRITE, err);
}

int store_write_frees(eng_db *db, store_fn fn, void *ctx, lay_err *err)
{
	return run(db, fn, ctx, RUN_FREES, err);
}

struct room_ctx {
	eng_db *db;
	size_t seen, room, used;
};

static int room_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct room_ctx *c = vctx;

	c->seen = atomic_load(&c->db->map_size);
	return map_room(txn, c->db, c->seen, &c->room, &c->used, err);
}

int store_make_room(eng_db *db, size_t bytes, lay_err *err)
{
	struct room_ctx c = { db, 0, 0, 0 };
	int rc, tries;

	for (tries = 0; tries < 4; tries++) {
		if ((rc = store_read(db, room_txn, &c, err)) < 0)
			return rc;
		if (c.room >= bytes + 2 * STORE_HEADROOM)
			return 0;
		if ((rc = grow(db, c.seen, c.used + bytes + 2 * STORE_HEADROOM, err)) < 0)
			return rc == -ENOSPC ? no_room(db, c.room, err) : rc;
	}
	/* others' writes took what each growth made: what there is will do
	 * if it holds the bytes, else there is no room */
	if ((rc = store_read(db, room_txn, &c, err)) < 0)
		return rc;
	return c.room >= bytes ? 0 : no_room(db, c.room, err);
}

int store_sync(eng_db *db)
{
	int rc;

	/* with MDB_WRITEMAP a sync msyncs the map: not while grow() moves it */
	lock_enter(db);
	rc = mdb_env_sync(db->env, 1);
	lock_leave(db);
	return rc;
}

int store_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *out, lay_err *err)
{
	MDB_val key = { klen, (void *)k };

	return store_mdb(mdb_get(txn, dbi, &key, out), "reading", err);
}

int store_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen,
	      lay_err *err)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };

	return store_mdb(mdb_put(txn, dbi, &key, &val, 0), "writing", err);
}

int store_append(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen,
		 lay_err *err)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	int rc = mdb_put(txn, dbi, &key, &val, MDB_APPEND);

	/* not past the last key (another table's rows follow): a plain put */
	if (rc == MDB_KEYEXIST)
		rc = mdb_put(txn, dbi, &key, &val, 0);
	return store_mdb(rc, "writing", err);
}

int store_del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, lay_err *err)
{
	MDB_val key = { klen, (void *)k };

	return store_mdb(mdb_del(txn, dbi, &key, NULL), "deleting", err);
}

int store_del_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, lay_err *err)
{
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return store_mdb(rc, "opening a cursor", err);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, prefix, plen) == 0) {
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		/* seek again: a delete that empties the tree leaves the cursor
		 * unpositioned */
		k.mv_size = plen;
		k.mv_data = (void *)prefix;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : store_mdb(rc, "deleting a range", err);
}

int store_counter_get(MDB_txn *txn, eng_db *db, const char *name, uint64_t *out, lay_err *err)
{
	MDB_val v;
	int rc = store_get(txn, db->meta, name, strlen(name), &v, err);

	if (rc == -ENOENT) {
		*out = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (v.mv_size != 8)
		return lay_err_set(err, -EIO, "counter %s is corrupt", name);
	*out = store_rd64(v.mv_data);
	return 0;
}

int store_counter_set(MDB_txn *txn, eng_db *db, const char *name, uint64_t v, lay_err *err)
{
	unsigned char b[8];

	store_be64(b, v);
	return store_put(txn, db->meta, name, strlen(name), b, 8, err);
}

int store_counter_next(MDB_txn *txn, eng_db *db, const char *name, uint64_t *out, lay_err *err)
{
	uint64_t v;
	int rc;

	if ((rc = store_counter_get(txn, db, name, &v, err)) < 0)
		return rc;
	if ((rc = store_counter_set(txn, db, name, v + 1, err)) < 0)
		return rc;
	*out = v + 1;
	return 0;
}

int store_add8(lay_buf *b, unsigned v)
{
	return lay_buf_addc(b, (char)(unsigned char)v);
}

int store_add16(lay_buf *b, unsigned v)
{
	unsigned char p[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	return lay_buf_add(b, p, 2);
}

int store_add32(lay_buf *b, uint32_t v)
{
	unsigned char p[4];

	store_be32(p, v);
	return lay_buf_add(b, p, 4);
}

int store_add64(lay_buf *b, uint64_t v)
{
	unsigned char p[8];

	store_be64(p, v);
	return lay_buf_add(b, p, 8);
}

int store_addstr(lay_buf *b, const char *s, size_t len)
{
	if (len > 0xffff)
		return -EINVAL;
	if (store_add16(b, (unsigned)len) < 0)
		return -ENOMEM;
	return len ? lay_buf_add(b, s, len) : 0;
}

const unsigned char *store_getbytes(store_rd *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->bad || r->len < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->len -= n;
	return p;
}

unsigned store_get8(store_rd *r)
{
	const unsigned char *p = store_getbytes(r, 1);

	return p ? p[0] : 0;
}

unsigned store_get16(store_rd *r)
{
	const unsigned char *p = store_getbytes(r, 2);

	return p ? (unsigned)p[0] << 8 | p[1] : 0;
}

uint32_t store_get32(store_rd *r)
{
	const unsigned char *p = store_getbytes(r, 4);

	return p ? store_rd32(p) : 0;
}

uint64_t store_get64(store_rd *r)
{
	const unsigned char *p = store_getbytes(r, 8);

	return p ? store_rd64(p) : 0;
}

void store_getstr(store_rd *r, char *dst, size_t dsz)
{
	size_t n = store_get16(r);
	const unsigned char *p = store_getbytes(r, n);

	if (!p || n >= dsz) {
		r->bad = 1;
		dst[0] = '\0';
		return;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

int store_keypart(lay_buf *out, const void *enc, size_t len)
{
	unsigned char h[8];

	if (len <= STORE_KEY_CUT)
		return lay_buf_add(out, enc, len);
	store_be64(h, lay_hash64(enc, len));
	if (lay_buf_add(out, enc, STORE_KEY_CUT) < 0 || lay_buf_add(out, h, 8) < 0)
		return -ENOMEM;
	return 1;
}

int store_bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}
