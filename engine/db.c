/* A database (SPEC §1, §17): DATA_DIR with its lock file naming the owning
 * pid, the LMDB environment and its named databases, and the group-commit
 * thread that makes commits durable within sync_ms; or, read-only (ddbfs
 * check), the same database opened without writing a byte. The storage
 * design is described at the top of store.c. */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "asof.h"
#include "backup.h"
#include "cache.h"
#include "capacity.h"
#include "catalog.h"
#include "job.h"
#include "journal.h"
#include "store.h"
#include "token.h"

/* the map starts small and grows by steps (store.c): a fresh DATA_DIR
 * takes a few MB, so it mounts on a small disk */
#define MIN_MAP_SIZE ((size_t)64 << 10)
#define MAX_READERS 1024
/* how long an item cache entry lives unless told (SPEC §11: as DAX) */
#define DEFAULT_CACHE_TTL_NS (300 * 1000000000LL)
/* leaves room in a 4096-byte path for "/ddbfs.lock" */
#define PATH_MAX_DIR 4000

/* The pid the lock file open at fd names, for messages. */
static void lock_holder(int fd, char *out, size_t size)
{
	ssize_t n = pread(fd, out, size - 1, 0);

	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!out[0])
		snprintf(out, size, "(unknown)");
}

int eng_db_lock_holder(long *out, const char *dir)
{
	char path[4096], pidtext[32];
	int fd;

	*out = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/ddbfs.lock", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* a shared lock is refused only while a daemon holds it exclusively */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		lock_holder(fd, pidtext, sizeof(pidtext));
		*out = strtol(pidtext, NULL, 10);
	}
	close(fd);
	return 0;
}

/* Take dir/ddbfs.lock for the life of the db and write our pid into it. */
static int lock_dir(eng_db *db, lay_err *err)
{
	char path[4096], pidtext[32];
	int fd, len;

	snprintf(path, sizeof(path), "%s/ddbfs.lock", db->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return lay_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e != EWOULDBLOCK) {
			close(fd);
			return lay_err_set(err, -e, "cannot lock %s: %s", path, strerror(e));
		}
		lock_holder(fd, pidtext, sizeof(pidtext));
		close(fd);
		return lay_err_set(err, -EBUSY, "DATA_DIR %s is in use by pid %s", db->dir,
				   pidtext);
	}
	len = snprintf(pidtext, sizeof(pidtext), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pidtext, (size_t)len, 0) != len) {
		int e = errno;

		close(fd);
		return lay_err_set(err, -e, "cannot write %s: %s", path, strerror(e));
	}
	db->lock_fd = fd;
	return 0;
}

static void *sync_main(void *arg)
{
	eng_db *db = arg;
	struct timespec until;
	uint64_t c;

	pthread_mutex_lock(&db->sync_mu);
	while (!db->sync_stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += db->sync_ms / 1000;
		until.tv_nsec += (long)(db->sync_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!db->sync_stop &&
		       pthread_cond_timedwait(&db->sync_cv, &db->sync_mu, &until) != ETIMEDOUT)
			;
		if (db->sync_stop)
			break;
		c = atomic_load(&db->commits);
		if (c == db->synced)
			continue;
		pthread_mutex_unlock(&db->sync_mu);
		eng_db_sync(db);
		pthread_mutex_lock(&db->sync_mu);
	}
	pthread_mutex_unlock(&db->sync_mu);
	return NULL;
}

/* Open the named databases in txn, created if missing (create), or -ENOENT
 * naming the first one missing. */
static int dbis_open(MDB_txn *txn, eng_db *db, int create, lay_err *err)
{
	static const char *names[] = { "meta", "tables", "tstats", "parts", "items",
				       "names", "log", "stream", "ttl", "logkeys", "backups" };
	MDB_dbi *dbis[] = { &db->meta, &db->tables, &db->tstats, &db->parts, &db->items,
			    &db->names, &db->log, &db->stream, &db->ttl, &db->logkeys,
			    &db->backups };
	size_t i;
	int rc;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = mdb_dbi_open(txn, names[i], create ? MDB_CREATE : 0, dbis[i]);
		if (rc == MDB_NOTFOUND)
			return lay_err_set(err, -ENOENT,
					   "the database in %s has no \"%s\": an older ddbfs made "
					   "it (a mount brings it up to date), or it is damaged "
					   "(restore a backup)",
					   db->dir, names[i]);
		if (rc)
			return store_mdb(rc, "opening the database", err);
	}
	return 0;
}

static int open_dbis(eng_db *db, lay_err *err)
{
	MDB_txn *txn;
	uint64_t gen;
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, 0, &txn)) != 0)
		return store_mdb(rc, "opening the database", err);
	rc = dbis_open(txn, db, 1, err);
	if (rc == 0)
		rc = store_counter_get(txn, db, STORE_GEN, &gen, err);
	if (rc == 0)
		rc = asof_backfill(txn, db, err);
	if (rc == 0)
		rc = store_backup_recover(txn, db, err);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	/* generations of this run follow every one committed before */
	atomic_store(&db->gen_next, gen + 1);
	db->cache_gen = UINT64_MAX;
	return store_mdb(mdb_txn_commit(txn), "opening the database", err);
}

/*
 * The map's size at open: what the data needs plus twice the headroom,
 * rounded to a step, at least what was asked (map_size); a map left larger
 * by an earlier run (or version) shrinks to that, so its unused blocks go
 * back to the disk. Its blocks are then reserved; on a disk too full for
 * that, the least that holds the data is tried.
 */
static int size_map(eng_db *db, size_t map_size, size_t had, lay_err *err)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t used, want, least;
	int rc;

	if ((rc = mdb_env_info(db->env, &info)) != 0 || (rc = mdb_env_stat(db->env, &st)) != 0)
		return store_mdb(rc, "measuring the database", err);
	used = (info.me_last_pgno + 1) * st.ms_psize;
	/* the blocks the file had are ours already: a full DATA_DIR reopens */
	least = had > used ? had : used + STORE_HEADROOM;
	want = used + 2 * STORE_HEADROOM;
	if (want < map_size)
		want = map_size;
	want = (want + STORE_STEP_MIN - 1) / STORE_STEP_MIN * STORE_STEP_MIN;
	if (want != info.me_mapsize && (rc = mdb_env_set_mapsize(db->env, want)) != 0)
		return store_mdb(rc, "sizing the database map", err);
	atomic_store(&db->map_size, want);
	rc = store_reserve(db, want, err);
	if (rc == -ENOSPC && least < want) {
		/* too full for the headroom: enough to open, and to delete */
		if ((rc = mdb_env_set_mapsize(db->env, least)) != 0)
			return store_mdb(rc, "sizing the database map", err);
		atomic_store(&db->map_size, least);
		rc = store_reserve(db, least, err);
	}
	return rc;
}

/* The LMDB environment: flags as store.c's design says. */
static int open_env(eng_db *db, size_t map_size, lay_err *err)
{
	char path[4096];
	struct stat st;
	size_t had = 0;
	int dead, rc;

	/* what the map was: LMDB cuts the file to the data it holds at open */
	snprintf(path, sizeof(path), "%s/data.mdb", db->dir);
	if (stat(path, &st) == 0)
		had = (size_t)st.st_size;

	if ((rc = mdb_env_create(&db->env)) != 0)
		return store_mdb(rc, "creating the LMDB environment", err);
	/* LMDB takes the larger of this and what the data needs; size_map
	 * then settles it */
	if ((rc = mdb_env_set_maxdbs(db->env, 16)) != 0 ||
	    (rc = mdb_env_set_maxreaders(db->env, MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(db->env, MIN_MAP_SIZE)) != 0)
		return store_mdb(rc, "configuring the LMDB environment", err);
	/* MDB_WRITEMAP: a commit writes through the map instead of a pwrite per
	 * page (a put touches about 11); the map's blocks are reserved
	 * (store_reserve) before it covers them, so a full disk is ENOSPC,
	 * never a SIGBUS */
	rc = mdb_env_open(db->env, db->dir,
			  MDB_NOTLS | MDB_WRITEMAP | (db->sync_always ? 0 : MDB_NOSYNC), 0644);
	if (rc) {
		int code = store_mdb(rc, "opening LMDB", err);

		return lay_err_set(err, code, "cannot open the database in %s: %s", db->dir,
				   mdb_strerror(rc));
	}
	if (mdb_env_get_maxkeysize(db->env) < STORE_KEY_MAX)
		return lay_err_set(err, -EIO,
				   "LMDB's key size limit %d is below the %d bytes needed",
				   mdb_env_get_maxkeysize(db->env), STORE_KEY_MAX);
	/* readers left by a process that died (kill -9) */
	mdb_reader_check(db->env, &dead);
	if ((rc = size_map(db, map_size, had, err)) < 0)
		return rc;
	return open_dbis(db, err);
}

/*
 * Read-only: a shared lock on dir/ddbfs.lock, held for the life of the db
 * so that no daemon starts writing meanwhile; the file is opened, never
 * created or written. The exclusive lock of a mount or a serve makes it
 * -EBUSY naming their pid, unless force: then *busy is set and no lock is
 * held. flock's locks go with their process: a crashed daemon's is gone.
 */
static int lock_dir_shared(eng_db *db, int force, int *busy, lay_err *err)
{
	char path[4096], pidtext[32];
	int fd;

	*busy = 0;
	snprintf(path, sizeof(path), "%s/ddbfs.lock", db->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0; /* never opened by a daemon: nothing to share */
	if (fd < 0)
		return lay_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		db->lock_fd = fd;
		return 0;
	}
	if (errno != EWOULDBLOCK) {
		int e = errno;

		close(fd);
		return lay_err_set(err, -e, "cannot lock %s: %s", path, strerror(e));
	}
	lock_holder(fd, pidtext, sizeof(pidtext));
	close(fd);
	/* LMDB's locks are the process's: a second environment of the same
	 * files in one process would drop the first one's when it closed */
	if (strtol(pidtext, NULL, 10) == (long)getpid())
		return lay_err_set(err, -EBUSY,
				   "DATA_DIR %s is open in this process: check the database "
				   "it opened (eng_db_check) instead",
				   db->dir);
	if (!force)
		return lay_err_set(err, -EBUSY, "DATA_DIR %s is in use by pid %s", db->dir,
				   pidtext);
	*busy = 1;
	return 0;
}

/* Read-only: the named databases, none created. */
static int open_dbis_ro(eng_db *db, lay_err *err)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_mdb(rc, "opening the database", err);
	if ((rc = dbis_open(txn, db, 0, err)) < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	db->cache_gen = UINT64_MAX;
	/* a read-only transaction's commit keeps the handles it opened */
	return store_mdb(mdb_txn_commit(txn), "opening the database", err);
}

/* A data.mdb of no bytes is no database: a first mount cut off before its
 * first commit, or a file emptied by accident. Starting afresh over it
 * could hide a loss, so it is refused. */
static int empty_data(eng_db *db, lay_err *err)
{
	return lay_err_set(err, -EINVAL,
			   "%s/data.mdb is empty (0 bytes): not a database; remove it to start "
			   "an empty one, or restore the file from a copy",
			   db->dir);
}

/*
 * Open dir's database without writing anything there: dir and data.mdb
 * must exist; LMDB's lock file is left alone (MDB_NOLOCK) unless another
 * process holds dir (force), whose writes a reader must then be known to.
 */
static int open_read_only(eng_db *db, int force, lay_err *err)
{
	char path[4096];
	struct stat st;
	MDB_envinfo info;
	int rc, busy;

	if (stat(db->dir, &st) < 0)
		return lay_err_set(err, -errno, "DATA_DIR %s: %s", db->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return lay_err_set(err, -ENOTDIR, "DATA_DIR %s is not a directory", db->dir);
	snprintf(path, sizeof(path), "%s/data.mdb", db->dir);
	if (stat(path, &st) < 0)
		return lay_err_set(err, -ENOENT, "%s is not a ddbfs DATA_DIR: it holds no data.mdb",
				   db->dir);
	if (st.st_size == 0)
		return empty_data(db, err);
	if ((rc = lock_dir_shared(db, force, &busy, err)) < 0)
		return rc;
	if ((rc = mdb_env_create(&db->env)) != 0)
		return store_mdb(rc, "creating the LMDB environment", err);
	if ((rc = mdb_env_set_maxdbs(db->env, 16)) != 0 ||
	    (rc = mdb_env_set_maxreaders(db->env, MAX_READERS)) != 0)
		return store_mdb(rc, "configuring the LMDB environment", err);
	rc = mdb_env_open(db->env, db->dir, MDB_RDONLY | MDB_NOTLS | (busy ? 0 : MDB_NOLOCK), 0644);
	if (rc) {
		int code = store_mdb(rc, "opening LMDB", err);

		return lay_err_set(err, code, "cannot open the database in %s: %s", db->dir,
				   mdb_strerror(rc));
	}
	if ((rc = mdb_env_info(db->env, &info)) != 0)
		return store_mdb(rc, "measuring the database", err);
	atomic_store(&db->map_size, info.me_mapsize);
	return open_dbis_ro(db, err);
}

/* Open dir for reading and writing: created if missing, locked, recovered,
 * its map sized; the group-commit and maintenance threads started. */
static int open_read_write(eng_db *db, const eng_db_opts *opts, size_t map_size, lay_err *err)
{
	char path[4096];
	struct stat st;
	int rc;

	if (mkdir(db->dir, 0755) < 0 && errno != EEXIST)
		return lay_err_set(err, -errno, "cannot create DATA_DIR %s: %s", db->dir,
				   strerror(errno));
	if ((rc = lock_dir(db, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/data.mdb", db->dir);
	if (stat(path, &st) == 0 && st.st_size == 0)
		return empty_data(db, err);
	if ((rc = open_env(db, map_size, err)) < 0)
		return rc;
	if (opts && opts->cache_bytes &&
	    store_icache_new(&db->icache, opts->cache_bytes,
			     opts->cache_ttl_ns > 0 ? opts->cache_ttl_ns : DEFAULT_CACHE_TTL_NS) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory opening %s", db->dir);
	if (!db->sync_always) {
		if ((rc = pthread_create(&db->sync_thread, NULL, sync_main, db)) != 0)
			return lay_err_set(err, -rc, "cannot start the sync thread: %s",
					   strerror(rc));
		db->sync_started = 1;
	}
	return store_maint_start(db, err);
}

int eng_db_open(eng_db **out, const char *dir, const eng_db_opts *opts, lay_err *err)
{
	size_t map_size = opts && opts->map_size ? opts->map_size : MIN_MAP_SIZE;
	pthread_condattr_t ca;
	eng_db *db;
	int rc;

	if (map_size < MIN_MAP_SIZE)
		map_size = MIN_MAP_SIZE;
	if (strlen(dir) > PATH_MAX_DIR)
		return lay_err_set(err, -ENAMETOOLONG,
				   "DATA_DIR path is %zu bytes; the limit is %d", strlen(dir),
				   PATH_MAX_DIR);
	if (!(db = calloc(1, sizeof(*db))) || !(db->dir = strdup(dir)) ||
	    (opts && opts->guard_dir && !(db->guard_dir = realpath(opts->guard_dir, NULL)) &&
	     errno == ENOMEM)) {
		if (db)
			free(db->dir);
		free(db);
		return lay_err_set(err, -ENOMEM, "out of memory opening %s", dir);
	}
	db->lock_fd = -1;
	db->read_only = opts ? opts->read_only : 0;
	db->map_max = opts ? opts->map_max : 0;
	db->sync_always = opts ? opts->sync_always : 0;
	db->format = opts ? opts->format : LAY_FMT_PLAIN;
	db->sync_ms = opts && opts->sync_ms > 0 ? opts->sync_ms : 1000;
	/* reader-preferring (the default): a thread that holds it for reading
	 * and waits on a lock of the caller's (a listing's callback) can never
	 * deadlock against a waiting resize; resizes are rare and wait for a
	 * moment without transactions */
	pthread_rwlock_init(&db->maplock, NULL);
	pthread_mutex_init(&db->sync_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&db->sync_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&db->cache_mu, NULL);
	pthread_mutex_init(&db->maint_mu, NULL);
	pthread_mutex_init(&db->subs_mu, NULL);
	pthread_mutex_init(&db->tokens_mu, NULL);
	pthread_mutex_init(&db->rtxn_mu, NULL);
	store_rtxn_init(db);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&db->maint_cv, &ca);
	pthread_condattr_destroy(&ca);
	db->maint_ms = opts && opts->maint_ms ? opts->maint_ms : 1000;

	if (opts && opts->clock) {
		db->clock = opts->clock;
	} else {
		if ((rc = eng_clock_new(&db->own_clock, 0)) < 0) {
			lay_err_set(err, rc, "out of memory opening %s", dir);
			goto out_close;
		}
		db->clock = db->own_clock;
	}
	if (store_cap_open(db, opts) < 0 ||
	    store_journal_open(db) < 0 || store_jobs_open(db) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory opening %s", dir);
		goto out_close;
	}
	rc = db->read_only ? open_read_only(db, opts->force, err)
			   : open_read_write(db, opts, map_size, err);
	if (rc < 0)
		goto out_close;
	*out = db;
	return 0;
out_close:
	eng_db_close(db);
	return rc;
}

void eng_db_close(eng_db *db)
{
	if (!db)
		return;
	store_jobs_close(db); /* they use everything below */
	eng_capacity_release(db);
	store_maint_stop(db);
	if (db->sync_started) {
		pthread_mutex_lock(&db->sync_mu);
		db->sync_stop = 1;
		pthread_cond_signal(&db->sync_cv);
		pthread_mutex_unlock(&db->sync_mu);
		pthread_join(db->sync_thread, NULL);
	}
	if (db->env) {
		store_rtxn_close_all(db);
		if (!db->read_only)
			mdb_env_sync(db->env, 1);
		mdb_env_close(db->env);
	}
	if (db->lock_fd >= 0)
		close(db->lock_fd); /* releases the flock */
	store_cache_clear(db);
	store_cap_close(db);
	store_journal_close(db);
	store_icache_free(db->icache);
	pthread_mutex_destroy(&db->cache_mu);
	pthread_cond_destroy(&db->maint_cv);
	pthread_mutex_destroy(&db->maint_mu);
	pthread_mutex_destroy(&db->subs_mu);
	store_tokens_free(db);
	free(db->guard_dir);
	pthread_mutex_destroy(&db->tokens_mu);
	pthread_mutex_destroy(&db->rtxn_mu);
	pthread_cond_destroy(&db->sync_cv);
	pthread_mutex_destroy(&db->sync_mu);
	pthread_rwlock_destroy(&db->maplock);
	eng_clock_free(db->own_clock);
	free(db->dir);
	free(db);
}

int eng_db_sync(eng_db *db)
{
	uint64_t c = atomic_load(&db->commits);
	int rc;

	if (db->read_only)
		return 0; /* nothing was written */
	rc = store_sync(db);
	if (rc)
		return rc > 0 ? -rc : -EIO;
	pthread_mutex_lock(&db->sync_mu);
	if (c > db->synced)
		db->synced = c;
	pthread_mutex_unlock(&db->sync_mu);
	return 0;
}

eng_clock *eng_db_clock(eng_db *db)
{
	return db->clock;
}

const char *eng_db_dir(const eng_db *db)
{
	return db->dir;
}
