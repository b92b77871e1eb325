/*
 * ddbfs's engine: a local DynamoDB kept in LMDB. This is its public face:
 * everything fs/ (and any other front: an API file, an HTTP endpoint)
 * calls, and all it may include from engine/. No LMDB type, cursor or
 * transaction shows here, so a second backend can implement the same face.
 *
 * Conventions (as lmdb.h documents its own)
 * - Return values: 0 (or a count, where said) on success, a negative errno
 *   on failure: SPEC's errno names, passed unchanged to FUSE. Each
 *   function lists its errors; any may also fail with -ENOMEM, -EIO (a
 *   corrupt row, named in the message) or -ENOSPC (the disk is full;
 *   deletes still work).
 * - lay_err *err (may be NULL) receives a message naming the offending
 *   value for every failure.
 * - Ownership: arguments are borrowed for the call only, unless a function
 *   says otherwise. Results the caller owns say how they are freed
 *   (lay_item_free for items, eng_names_free for name lists, eng_db_close,
 *   eng_clock_free). What a callback receives is borrowed for that call.
 * - Requests: every item, listing, partition and table operation takes a
 *   request context eng_req *req after db (see eng_req below; NULL: the
 *   live view, uid 0, source file, cost not reported). A read in an as-of
 *   view fails with -EOPNOTSUPP (not available yet), a change with -EROFS.
 * - Threads: an eng_db may be used by any number of threads at once; every
 *   operation is one LMDB transaction, so each sees one consistent state.
 *   Callbacks of listings and log reads run inside that read transaction:
 *   keep them quick. Change subscribers run after the commit, with no
 *   engine lock held (see Change events).
 * - Every change is durable when sync_always is set, else within sync_ms.
 */
#ifndef ENG_ENGINE_H
#define ENG_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "../layout/export.h"
#include "../layout/item.h"
#include "../layout/jscan.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "../layout/settings.h"

/* ---- Shared types ---- */

/* Item and directory metadata, the ENG_META_* bits that choose its fields,
 * the kinds of change, where a change came from, and a request's context. */

/* File metadata of an item: not attributes (SPEC §3, §6). */
typedef struct eng_meta {
	uint64_t id;           /* unique in the db, kept while the item exists and across
	                        * renames and modifications: inode numbers */
	uint32_t mode;         /* permission bits (07777) */
	uint32_t uid, gid;
	int64_t mtime_ns;      /* last write, or what utimens set */
	int64_t ctime_ns;      /* last change of data or metadata */
	uint32_t len;          /* exact length of the item's rendering in the db's
	                        * format (eng_db_opts.format): its file size */
	uint32_t size;         /* DynamoDB size (lay_item_size) */
	int64_t expires;       /* TTL: epoch seconds it expires at; 0 never */
} eng_meta;

/* Ownership and times of a directory (a table or a partition). */
typedef struct eng_dirmeta {
	uint64_t id;        /* unique in the db, stable: for inode numbers */
	uint32_t mode;      /* permission bits (07777) */
	uint32_t uid, gid;
	int64_t mtime_ns, ctime_ns;
} eng_dirmeta;

/* Which metadata fields a call sets. */
#define ENG_META_MODE 0x1u
#define ENG_META_UID 0x2u
#define ENG_META_GID 0x4u
#define ENG_META_MTIME 0x8u
#define ENG_META_CTIME 0x10u
#define ENG_META_ALL \
	(ENG_META_MODE | ENG_META_UID | ENG_META_GID | ENG_META_MTIME | ENG_META_CTIME)

typedef enum eng_event {
	ENG_INSERT = 1, ENG_MODIFY = 2, ENG_REMOVE = 3, ENG_UNCHANGED = 4
} eng_event;

/* Where a change came from: kept in its change record and told to
 * subscribers (Change events below). */
typedef enum eng_source {
	ENG_SRC_FILE = 0,     /* the file system */
	ENG_SRC_API,          /* a request in DynamoDB's API */
	ENG_SRC_TTL,          /* the service: TTL expiry */
	ENG_SRC_IMPORT,       /* an import */
	ENG_SRC_REPLICATION,  /* a replica's change */
} eng_source;

/* Which state of the data a request reads. */
typedef enum eng_view {
	ENG_VIEW_LIVE = 0,    /* now */
	ENG_VIEW_AS_OF,       /* as it was at as_of_ns (PITR): reads only, see below */
	ENG_VIEW_BACKUP,      /* backup number backup of the table: reads only */
} eng_view;

/*
 * A request's context: the parameter after db of every public operation.
 * NULL means the live view, uid/gid 0, source ENG_SRC_FILE, cost not
 * reported. An as-of view is read by eng_item_get, eng_item_text, eng_list,
 * eng_resolve_hash and eng_table_get (its count and size then): the data
 * as it was at as_of_ns, from the change log of a table with PITR on;
 * -ENOENT with a message when the table has PITR off or as_of_ns is
 * outside eng_table_pitr_window. No record keeps partitions' metadata of
 * the past: eng_part_get as of a time gives a partition's of now, as the
 * as-of listing does; changes are -EROFS. Reads in an as-of view
 * consume no units. A backup view (eng_backup_info.id, backup.c) reads
 * the backup of the table as every live read does, for free; changes are
 * -EROFS; -ENOENT when the table has no backup of that number.
 * The operation sets rcu and wcu (out) to what it consumed, in
 * DynamoDB's capacity units (strongly consistent reads), at least one:
 * a read of an item ceil(size / 4 KB) (1 for a key with no item); a
 * listing with ENG_LIST_ITEMS sums the listed items' sizes and rounds once
 * (without it, only keys and metadata are read: no units); a write
 * ceil(max(old size, new size) / 1 KB), also when a put changes nothing
 * and for eng_item_set_meta; a delete the old item's size in 1 KB units; a
 * rename a delete plus a put. Table, partition and long-name operations
 * cost nothing. A failed operation reports what it consumed before it
 * failed (0 when it was refused before reading).
 */
typedef struct eng_req {
	uint32_t uid, gid;    /* who asks (access control later) */
	eng_view view;
	int64_t as_of_ns;     /* ENG_VIEW_AS_OF: the time to read as of */
	uint32_t backup;      /* ENG_VIEW_BACKUP: the backup's number */
	eng_source source;    /* where the change comes from */
	int eventual;         /* reads are eventually consistent: half the
	                       * read units (DynamoDB's ConsistentRead false) */
	double rcu, wcu;      /* out: units consumed */
	int throttled;        /* out: it failed with -EAGAIN for want of capacity
	                       * (not for any other reason) */
} eng_req;

/* Flags of a change record (eng_change, The change log below) */
#define ENG_CHANGE_SERVICE 0x1u  /* made by the service (TTL), not a user */
/* The source (eng_source) of a change is kept in the flags' high bits. */
#define ENG_CHANGE_SOURCE_SHIFT 4
#define ENG_CHANGE_SOURCE(flags) ((eng_source)((flags) >> ENG_CHANGE_SOURCE_SHIFT & 0xfu))

/* ---- The clock (clock.c) ---- */

/* One clock for every time-driven behaviour (SPEC §16): real time, plus an
 * offset that only a test clock may move forward. */

typedef struct eng_clock eng_clock;

/* A new clock; test != 0 makes it movable. Free with eng_clock_free.
 * Returns 0 or -ENOMEM. */
int eng_clock_new(eng_clock **out, int test);

/* Accepts NULL. */
void eng_clock_free(eng_clock *c);

/* A fresh id of a thing made at now_ns (an export, an import): DynamoDB's
 * shape, 14 digits of milliseconds, '-', 8 random hex digits. */
void eng_clock_id(char out[40], int64_t now_ns);

/* Now, in nanoseconds since the epoch (real time + the offset). Thread-safe. */
int64_t eng_clock_now_ns(const eng_clock *c);

/* Stop a test clock (frozen != 0): it then moves only by
 * eng_clock_advance; or let it run on from where it stands. -EPERM on a
 * real clock. */
int eng_clock_freeze(eng_clock *c, int frozen, lay_err *err);

/* 1 for a test clock. */
int eng_clock_is_test(const eng_clock *c);

/* Move a test clock forward by seconds (>= 0). -EPERM on a real clock,
 * -EINVAL for a negative step. Thread-safe. */
int eng_clock_advance(eng_clock *c, int64_t seconds, lay_err *err);

/* ---- Databases (db.c) ---- */

/* A database: one DATA_DIR, one LMDB environment, owned by one process
 * (SPEC §1, §17). Commits reach the disk within sync_ms (group commit), or
 * before each commit returns with sync_always. */

typedef struct eng_db eng_db;

/* What a request finds when its PROVISIONED table's bucket is empty. */
typedef enum eng_throttle {
	ENG_THROTTLE_DELAY = 0, /* it waits for capacity, as an SDK's retries would */
	ENG_THROTTLE_ERROR,     /* it fails with -EAGAIN */
} eng_throttle;

typedef struct eng_db_opts {
	int sync_always;   /* each commit durable before it returns */
	int sync_ms;       /* group-commit interval; 0 means 1000 */
	size_t map_size;   /* initial LMDB map size; 0 means a sensible default.
	                    * The map grows by itself: MDB_MAP_FULL never escapes. */
	size_t map_max;    /* the map never grows past this: a disk that holds no
	                    * more (tests); 0: only the disk limits it */
	eng_clock *clock;  /* borrowed, must outlive the db; NULL: a real clock */
	int maint_ms;      /* time-driven work every maint_ms (0: 1000; < 0: never;
	                    * see eng_db_maintain) */
	lay_format format; /* the text format eng_meta.len is the length in (an
	                    * item's file size); rows cache it, other formats'
	                    * lengths are computed when asked */
	eng_throttle throttle; /* what an empty bucket does (Capacity below) */
	/* asked while a request waits for capacity: nonzero lets it through
	 * (a daemon shutting down); NULL: never */
	int (*stop_waiting)(void *ctx);
	void *stop_ctx;
	const char *guard_dir; /* a directory exports never write inside (the
	                        * mount showing this db, whose files are items);
	                        * NULL: none. Copied. */
	unsigned max_waiting; /* requests that may wait for capacity at once (each
	                       * holds a thread of the front's); a throttled
	                       * request past them fails as with
	                       * ENG_THROTTLE_ERROR. 0: 8 */
	size_t cache_bytes;   /* the item cache's bound (SPEC §11; see The item
	                       * cache below); 0: no cache */
	int64_t cache_ttl_ns; /* how long, on the db's clock, an entry lives;
	                       * 0 means 300 s */
	int read_only;        /* open to read only (ddbfs check): nothing in dir is
	                       * written -- no lock file, no recovery, no map growth,
	                       * no threads -- dir must exist and hold a database,
	                       * and every write fails with -EROFS */
	int force;            /* with read_only: open even while another process
	                       * (a mount, a serve) holds dir; the read then takes
	                       * a reader slot in LMDB's lock.mdb for a consistent
	                       * view of a database being written */
} eng_db_opts;

/*
 * Open (creating if missing) the database in dir. Takes an exclusive lock
 * on dir/ddbfs.lock holding our pid: a second open of the same dir, by any
 * process, fails with -EBUSY and "DATA_DIR is in use by pid N". Recovers
 * from a crash by itself (stale LMDB readers are cleared).
 * With opts->read_only it writes nothing: it takes a shared lock on
 * dir/ddbfs.lock (a crashed process's lock is gone with it), fails with
 * -EBUSY naming the holder's pid unless opts->force (and always when the
 * holder is this process: LMDB's locks are per process, so check the db it
 * opened instead), and with -ENOENT when dir or its database is missing.
 * opts may be NULL. Free with eng_db_close. Errors: -EBUSY, -ENOENT,
 * -ENOMEM, -EIO, other errnos from the filesystem, each with a message.
 */
int eng_db_open(eng_db **out, const char *dir, const eng_db_opts *opts, lay_err *err);

/*
 * Who holds dir's lock: *out is the pid its lock file names while a mount
 * or a serve holds it (taken exclusively), 0 while nobody does. For a
 * front that finds dir in use and must judge the holder. Returns 0, or a
 * negative errno when the lock file cannot be read.
 */
int eng_db_lock_holder(long *out, const char *dir);

/* Sync everything committed, release the lock, free. Accepts NULL. */
void eng_db_close(eng_db *db);

/* Make every commit so far durable (fsync). 0 or a negative errno. */
int eng_db_sync(eng_db *db);

/* The db's clock (borrowed). */
eng_clock *eng_db_clock(eng_db *db);

/* The data directory's path (borrowed). */
const char *eng_db_dir(const eng_db *db);

/* ---- Checking a database (check.c) ---- */

/* What eng_db_check read, and how many problems it found. */
typedef struct eng_check_stats {
	uint64_t tables, parts, items, names, log_rows, stream_rows, ttl_rows, backups;
	uint64_t problems;
} eng_check_stats;

/* Told each problem as one line naming the table and key where it can
 * (problem is borrowed for the call). */
typedef void (*eng_check_fn)(void *ctx, const char *problem);

/* At most this many problems are told to fn; the rest are counted, and
 * one last line says how many were not told. */
#define ENG_CHECK_MAX_TOLD 200

/*
 * Check, in one read transaction, everything the database keeps twice
 * (SPEC §17): every table and backup record decodes; every item row
 * decodes, and its key is its table's key schema's and its row's key;
 * partitions, long-name rows and the expiry index agree with the items;
 * each table's count and size are a full scan's; the change log, its
 * index and the streams decode, in order, within the sequence counter;
 * the counters are ahead of every id in use. Tells fn (may be NULL) each
 * problem; *out (may be NULL) gets what was read (partitions, items and
 * names of backups too) and the number of problems. Open the db with
 * read_only for a check that writes nothing. Returns 0 when the check ran
 * (whatever it found), or a negative errno with a message when it could
 * not read the database.
 */
int eng_db_check(eng_db *db, eng_check_fn fn, void *ctx, eng_check_stats *out, lay_err *err);

/* ---- The item cache (cache.c) ---- */

/* The item cache (SPEC §11, the DAX analogue), on when eng_db_opts'
 * cache_bytes is not 0: eng_item_text in the live view keeps what it
 * rendered, with the item's metadata, by table, key and format, at most
 * cache_bytes of it (the least recently used goes first), each entry for
 * cache_ttl_ns of the db's clock, none past its item's TTL. A hit reads
 * nothing and consumes no units (req's rcu stays 0). Never stale: every
 * change of an item, of its metadata or of its table, from any source,
 * drops what it changed before the call that made it returns. */

typedef struct eng_cache_stats_t {
	uint64_t hits, misses;
	uint64_t evictions;  /* entries dropped to stay within the bound */
	uint64_t entries;
	size_t bytes;        /* held: texts, keys and each entry's overhead */
	size_t limit;        /* cache_bytes; 0: no cache */
	int64_t ttl_ns;      /* how long an entry lives */
} eng_cache_stats_t;

/* The item cache's counters now (all 0 without a cache). Thread-safe. */
void eng_cache_stats(eng_db *db, eng_cache_stats_t *out);

/* ---- Change events (events.c) ---- */

/* Change events: every committed item-level change -- a put (insert or
 * modify), a delete, a rename (a REMOVE then an INSERT or MODIFY), an
 * update of one attribute, a re-key, a TTL deletion -- is told to every
 * subscriber after its transaction committed.
 *
 * Threads: a subscriber is called on the thread that made the change (the
 * caller's, or the engine's maintenance thread for TTL sweeps), after the
 * commit, with no engine lock held; changes made by one thread are told in
 * the order they committed, changes of different threads in any order.
 * A subscriber should be quick (queue real work) and may call the engine.
 * Subscribing and unsubscribing are safe at any time; a call that started
 * before eng_unsubscribe returned may still be running. */

/* One change as a subscriber sees it; everything is borrowed for the call. */
typedef struct eng_item_event {
	const char *table;
	const lay_key *key;  /* sk.type 0 in a table without sort key; NULL: the
	                      * table itself was made (ENG_INSERT) or deleted
	                      * (ENG_REMOVE) */
	eng_event event;     /* ENG_INSERT, ENG_MODIFY or ENG_REMOVE */
	eng_source source;   /* who made it (ENG_SRC_TTL: the service) */
} eng_item_event;

typedef void (*eng_change_fn)(void *ctx, const eng_item_event *ev);

/* Subscribers a db keeps at once. */
#define ENG_MAX_SUBSCRIBERS 8

/* Call fn(ctx, ev) for every change from now on. Errors: -ENOSPC (already
 * ENG_MAX_SUBSCRIBERS), -EEXIST (fn with ctx subscribed). */
int eng_subscribe(eng_db *db, eng_change_fn fn, void *ctx);

/* Stop calling fn with ctx (nothing if it was not subscribed). */
void eng_unsubscribe(eng_db *db, eng_change_fn fn, void *ctx);

/* ---- Tables (table.c) ---- */

/* Tables (SPEC §2, §7): create, list, describe, delete; a key schema
 * change re-keys the items, all or nothing; settings are stored for the
 * features that read them. Every operation takes a request's context req
 * after db (eng_req; may be NULL); they cost no capacity units. */

typedef struct eng_table_info {
	char name[256];
	uint32_t id;
	lay_schema schema;
	int64_t created_ns;
	uint64_t item_count;
	uint64_t size_bytes;   /* sum of lay_item_size over the items */
	eng_dirmeta dir;
	lay_settings settings;
} eng_table_info;

/*
 * Create table name with schema (NULL: PK:S,SK:S) and directory metadata
 * dir (NULL: 0755, uid/gid 0; id is assigned; times 0 mean now).
 * Errors: -EINVAL (bad name or schema), -EEXIST.
 */
int eng_table_create(eng_db *db, eng_req *req, const char *name, const lay_schema *schema,
		     const eng_dirmeta *dir, lay_err *err);

/* Delete an empty table. -ENOENT, -ENOTEMPTY (it holds items). */
int eng_table_delete(eng_db *db, eng_req *req, const char *name, lay_err *err);

/*
 * DeleteTable: delete table name with all its items in one transaction,
 * as DynamoDB does; its partitions, stream, change log, TTL index and
 * capacity counters go with it, no change record is written (the stream
 * ends with the table), and its backups are kept. With PITR on, a SYSTEM
 * backup of the table as it was at the delete is kept for 35 days first
 * (eng_backup_info). Subscribers are told the table's ENG_REMOVE, not
 * each item's. -ENOENT, -EROFS (req is not the live view).
 */
int eng_table_drop(eng_db *db, eng_req *req, const char *name, lay_err *err);

/*
 * Rename a table (a filesystem nicety DynamoDB lacks): its items, settings,
 * stream and change log go with it. An empty table at to is replaced, as
 * rename(2) replaces an empty directory, unless noreplace. -ENOENT, -EINVAL
 * (bad name), -EEXIST, -ENOTEMPTY (to holds items).
 */
int eng_table_rename(eng_db *db, eng_req *req, const char *from, const char *to, int noreplace,
		     lay_err *err);

/* Describe a table into *out. -ENOENT. */
int eng_table_get(eng_db *db, eng_req *req, const char *name, eng_table_info *out, lay_err *err);

/*
 * The window of times table can be read as of (SPEC §12; an as-of view,
 * see eng_req): [*earliest, *latest] in ns, from when PITR was turned on,
 * at most 35 days back, to now. -ENOENT with a message if there is no such
 * table or its PITR is off.
 */
int eng_table_pitr_window(eng_db *db, const char *table, int64_t *earliest, int64_t *latest,
			  lay_err *err);

/*
 * All table names in byte order, as a NULL-terminated array that the
 * caller frees with eng_names_free. Returns the count (>= 0) or -ENOMEM.
 */
int eng_table_list(eng_db *db, char ***out);
void eng_names_free(char **names);

/*
 * Change the key schema. A table with items is re-keyed in the same
 * transaction (rekey.c: each item moves to the key its
 * attributes give; old key attributes that only repeat the path go; a
 * REMOVE then an INSERT record per item). The same schema is a no-op.
 * -ENOENT, -EINVAL, -ENOTEMPTY (an item lacks a new key attribute, has one
 * of the wrong type, or two items would share a key: nothing changed).
 */
int eng_table_set_schema(eng_db *db, eng_req *req, const char *name, const lay_schema *schema,
			 lay_err *err);

/* Replace the settings. -ENOENT, -EINVAL (e.g. PROVISIONED with rcu 0). */
int eng_table_set_settings(eng_db *db, eng_req *req, const char *name, const lay_settings *s,
			   lay_err *err);

/* Set the table directory's mode, uid, gid and times (fields chosen by the
 * ENG_META_* bits in which). -ENOENT. */
int eng_table_set_dirmeta(eng_db *db, eng_req *req, const char *name, const eng_dirmeta *m,
			  unsigned which, lay_err *err);

/* ---- Capacity, cost and the journal (capacity.c, cost.c, journal.c) ---- */

/* Capacity (SPEC §10). Every item read and write of the live view asked by
 * a user (ENG_SRC_FILE or ENG_SRC_API) is metered: its units (eng_req)
 * count towards its table's totals, and on a PROVISIONED table they come
 * out of token buckets holding up to 300 seconds of the provisioned rate.
 * A request finding its bucket empty is throttled (eng_db_opts.throttle).
 * TTL deletes, imports, backups and reads of the past are free. Auto-
 * scaling's target tracking runs in the maintenance round; its changes,
 * throttling bursts, backups and TTL sweeps are told in the journal. All
 * of it is counted from when the db opened. */

typedef struct eng_capacity {
	double read_units, write_units;         /* consumed */
	uint64_t reads_throttled, writes_throttled;
	double read_tokens, write_tokens;       /* PROVISIONED: left in the buckets */
	int64_t last_increase_ns, last_decrease_ns; /* auto-scaling's; 0: none */
} eng_capacity;

/* table's counters into *out (zeros before its first request). 0. */
int eng_table_capacity(eng_db *db, const char *table, eng_capacity *out);

/* Let every request waiting for capacity through, now and from now on:
 * for a daemon that is shutting down. */
void eng_capacity_release(eng_db *db);

/* Every table's estimate, one JSON document: {"Currency":"USD","Tables":
 * {"T":{...},...},"TotalUSD":N} and a newline. -ENOMEM. */
int eng_cost_describe(eng_db *db, lay_buf *out, lay_err *err);

/* The journal: its size in bytes (it never shrinks), and len bytes of it
 * from off appended to out (lines gone read as whitespace). -ENOMEM. */
uint64_t eng_events_size(eng_db *db);
int eng_events_read(eng_db *db, uint64_t off, size_t len, lay_buf *out);

/* ---- Backups and restores (backup.c) ---- */

/* Backups (SPEC §12): a table's items, key schema and metadata as they were
 * at one instant, kept under their own number until deleted (USER) or for
 * 35 days (SYSTEM: the one deleting a table with PITR on leaves). Each is
 * read through a backup view (eng_req) with every read of a live table,
 * and outlives its table. Restores make a new table from a backup or a
 * point in time, inside the engine. */

typedef enum eng_backup_type { ENG_BACKUP_USER = 1, ENG_BACKUP_SYSTEM = 2 } eng_backup_type;

typedef struct eng_backup_info {
	char table[256];       /* the table it was taken of */
	char name[256];
	uint32_t id;           /* its number: eng_req.backup */
	eng_backup_type type;
	int64_t created_ns;    /* the instant it holds */
	int64_t expires_ns;    /* when it is deleted by itself; 0: never */
	uint64_t item_count, size_bytes;
	lay_schema schema;
	eng_dirmeta dir;       /* the table directory's then (id: none) */
} eng_backup_info;

/*
 * CreateBackup: back table up as name, from one read transaction (writers
 * go on meanwhile), into *out (may be NULL). Items past their TTL then are
 * left out. A crash during the copy leaves no trace: the next open removes
 * what it wrote. Errors: -EINVAL (a backup name is 3 to 255 of
 * [A-Za-z0-9_.-]), -ENOENT (no table), -EEXIST (table has a backup of that
 * name), -EROFS (req is not the live view).
 */
int eng_backup_create(eng_db *db, eng_req *req, const char *table, const char *name,
		      eng_backup_info *out, lay_err *err);

/* DeleteBackup. -ENOENT. */
int eng_backup_delete(eng_db *db, eng_req *req, const char *table, const char *name,
		      lay_err *err);

/* DescribeBackup: table's backup named name. -ENOENT. */
int eng_backup_get(eng_db *db, const char *table, const char *name, eng_backup_info *out,
		   lay_err *err);

/* ListBackups: the backups of table (NULL: of every table, also deleted
 * ones), by table name, then time, into *out (the caller frees it).
 * Returns the count, or -ENOMEM. */
int eng_backup_list(eng_db *db, const char *table, eng_backup_info **out, lay_err *err);

/* ListBackups' response for table (NULL: every backup) appended to out as
 * one line of JSON: {"BackupSummaries":[...]}. -ENOMEM. */
int eng_backups_describe(eng_db *db, const char *table, lay_buf *out, lay_err *err);

/*
 * RestoreTableFromBackup and RestoreTableToPointInTime: create table to
 * with table's key schema and items as req's view shows them (a backup
 * view or an as-of view), inside the engine; settings are not carried
 * over and no change record is written, as in DynamoDB. The new table's
 * directory takes req's uid and gid. All or nothing: a crash leaves no
 * trace. Errors: -EINVAL (a bad name; req is the live view), -EEXIST (to
 * exists), -ENOENT (no such backup or point).
 */
int eng_table_restore(eng_db *db, eng_req *req, const char *table, const char *to,
		      lay_err *err);

/* ---- Items, listings, partitions and long names (item.c, list.c) ---- */

/* Items (SPEC §5, §6): get, put, delete, rename and list, each one LMDB
 * write transaction that also appends its change-log record.
 * Every operation takes a request's context req after db (eng_req; NULL:
 * live, uid 0, source file, cost not reported): a read in an as-of view
 * fails with -EOPNOTSUPP, a change in one with -EROFS. */

/* Flags of eng_item_put */
#define ENG_PUT_EXCL 0x100u      /* -EEXIST if the item exists (O_EXCL) */
#define ENG_PUT_MUST_EXIST 0x200u /* -ENOENT if it does not */

/*
 * Read the item with key key (its values borrowed; type-checked against
 * the schema). out (LAY_ITEM_INIT, may be NULL) gets a copy of the item,
 * which the caller frees with lay_item_free (also after a failure); meta
 * (may be NULL) its metadata. Errors: -ENOENT (no table or no item),
 * -EINVAL (key of the wrong type).
 */
int eng_item_get(eng_db *db, eng_req *req, const char *table, const lay_key *key, lay_item *out,
		 eng_meta *meta, lay_err *err);

/*
 * eng_item_get as JSON text: the item with key key appended to out in
 * format fmt (lay_json_render's text), rendered where the database keeps
 * it, without a copy of the item. meta as for eng_item_get. In the live
 * view, with the item cache on, from the cache when it holds the item (no
 * units consumed), else read and kept there. On failure out is as it was.
 * Errors: those of eng_item_get, -ENOMEM.
 */
int eng_item_text(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		  lay_format fmt, lay_buf *out, eng_meta *meta, lay_err *err);

/*
 * PutItem. item must hold its key attributes (lay_item_set_key); it is
 * validated against the table (lay_item_validate) before anything is
 * written. meta gives the metadata to set; flags' low bits (ENG_META_*)
 * say which of its fields to apply. A new item gets id assigned, mode 0644,
 * uid/gid 0 and times of now for the fields not given. An existing item
 * keeps its id and the fields not given; if its attributes changed, mtime
 * and ctime become now unless given.
 * A put that changes no attribute writes no log record and keeps mtime
 * (only the given metadata is applied): *ev is then ENG_UNCHANGED.
 * ev and meta_out (may be NULL) receive the outcome and the stored metadata.
 * Errors: -ENOENT (no table), -EINVAL, -EFBIG (with lay_item_validate's
 * message), -EEXIST (ENG_PUT_EXCL), -ENOENT (ENG_PUT_MUST_EXIST).
 */
int eng_item_put(eng_db *db, eng_req *req, const char *table, const lay_item *item,
		 const eng_meta *meta, unsigned flags, eng_event *ev, eng_meta *meta_out,
		 lay_err *err);

/*
 * n unconditional puts (no metadata, no flags) of items in table in one
 * write transaction, for imports: the source of req must be one that is
 * not metered (ENG_SRC_IMPORT). rcs[i] and errs[i] get each item's outcome
 * (0, or what eng_item_put would have failed it with); such an item is
 * left out and the others are written. Returns 0, or a failure of the
 * whole (-ENOENT no table, -ENOSPC, -EAGAIN the table changed meanwhile,
 * -EIO, -ENOMEM): then nothing was written.
 */
int eng_item_put_many(eng_db *db, eng_req *req, const char *table, const lay_item *items,
		      size_t n, int *rcs, lay_err *errs, lay_err *err);

/*
 * UpdateItem of one attribute in one write transaction: set attribute name
 * of the existing item with key key to value v (borrowed; added last if
 * the item lacks it), validate and write it with its change record, as
 * eng_item_put would. A write between a read and a put cannot be lost.
 * ev and meta_out (may be NULL) receive the outcome and metadata.
 * Errors: -ENOENT (no table or no item), -EINVAL (name is a key attribute,
 * or the result is invalid), -EFBIG.
 */
int eng_item_set_attr(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		      const char *name, const lay_value *v, eng_event *ev, eng_meta *meta_out,
		      lay_err *err);

/* DeleteItem. old_meta (may be NULL) gets the deleted item's metadata.
 * -ENOENT if there was no such item. */
int eng_item_delete(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		    eng_meta *old_meta, lay_err *err);

/*
 * One transaction: delete the item at from, put it at to with its key
 * attributes rewritten to to's key (other attributes and metadata, id
 * included, kept; ctime becomes now). An item at to is replaced, unless
 * noreplace (-EEXIST). from == to is a no-op. Log: REMOVE of from, then
 * INSERT or MODIFY of to. Errors: -ENOENT (no from), -EEXIST, -EINVAL,
 * -EFBIG (the rewritten key can make the item too large).
 */
int eng_item_rename(eng_db *db, eng_req *req, const char *table, const lay_key *from,
		    const lay_key *to, int noreplace, lay_err *err);

/* Set metadata fields (which: ENG_META_*) of an item; no log record.
 * meta_out (may be NULL) gets the result. -ENOENT. */
int eng_item_set_meta(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		      const eng_meta *meta, unsigned which, eng_meta *meta_out, lay_err *err);

/*
 * Writes decided in their transaction (DynamoDB's conditional writes,
 * UpdateItem and transactions): the engine finds each item, the caller's
 * decide function says what to do with it, and every write of the call
 * commits together or none does.
 */

/* What a decided write does. */
typedef enum eng_decision {
	ENG_DO_PUT = 0,  /* put the item decide built */
	ENG_DO_DELETE,   /* delete the item (none: nothing) */
	ENG_DO_NOTHING,  /* write nothing (a condition check) */
} eng_decision;

/*
 * Decide a write from the item found, inside the write transaction (held
 * open: decide must not call the engine): old is the stored item (NULL:
 * none, or one expired by TTL). Build the item
 * to put in *put (LAY_ITEM_INIT; its key must be the write's key) and
 * return ENG_DO_PUT, or return ENG_DO_DELETE or ENG_DO_NOTHING; return
 * < 0 with err set to fail the write, and with it the whole call
 * (-ECANCELED: a condition failed). It runs again if the transaction
 * does: it must not keep state between runs.
 */
typedef int (*eng_decide_fn)(void *ctx, const lay_item *old, lay_item *put, lay_err *err);

typedef struct eng_write {
	const char *table;
	lay_key key;            /* borrowed */
	eng_decide_fn decide;
	void *ctx;
	/* out */
	int rc;                 /* 0, or what failed this write (its err) */
	lay_err err;
	eng_event ev;           /* INSERT, MODIFY, REMOVE; ENG_UNCHANGED: nothing written */
	lay_item old;           /* the item found (LAY_ITEM_INIT: none) */
	lay_item put;           /* the item put (LAY_ITEM_INIT: none) */
	double wcu;             /* its units (twice DynamoDB's for a transaction) */
} eng_write;

/* Flags of eng_items_write and eng_items_read */
#define ENG_WRITE_TXN 0x1u      /* a transaction: twice the units (DynamoDB's
                                 * TransactWriteItems, TransactGetItems) */
#define ENG_WRITE_DELETES 0x2u  /* every write deletes or checks: it may use the
                                 * room kept for deletes when the disk is full */

/*
 * Run the n writes w (their out fields reset first) in one write
 * transaction: all commit, or, when one fails, none. Admits and charges
 * each table's units (a write cancelled by its decision costs as one
 * done; a failure of the whole costs nothing); tells subscribers after
 * the commit, in the order of the writes. Every write is decided, so each
 * failed decision has its rc (-ECANCELED: a condition). Returns 0; a
 * failure of the whole (-ENOSPC, -EIO, -EAGAIN throttled, -ENOENT no
 * table, -EINVAL a key or an item refused, -EFBIG), the write that met it
 * holding it in rc, the writes after it undecided; or else the rc of the
 * first failed decision. Free each w[i].old and .put with lay_item_free.
 */
int eng_items_write(eng_db *db, eng_req *req, eng_write *w, size_t n, unsigned flags,
		    lay_err *err);

/* A read of several items in one read transaction (TransactGetItems):
 * table and key in, item (LAY_ITEM_INIT; stays empty if none) out. */
typedef struct eng_read {
	const char *table;
	lay_key key;            /* borrowed */
	lay_item item;          /* out; free with lay_item_free */
	int found;
	double rcu;
} eng_read;

/*
 * Read the n items of r in one read transaction of the live view, as one
 * consistent state; units charged per table (twice strongly consistent
 * reads' with ENG_WRITE_TXN). Returns 0 or the first failure (-ENOENT no
 * table, -EINVAL key of the wrong type, -EAGAIN throttled).
 */
int eng_items_read(eng_db *db, eng_req *req, eng_read *r, size_t n, unsigned flags, lay_err *err);

/* One entry of a listing; everything is borrowed for the callback only. */
typedef struct eng_entry {
	const lay_value *key;      /* the partition's value, or the item's key value in
	                            * its directory (sort key; partition key in a table
	                            * without sort key) */
	int is_partition;
	const eng_meta *meta;      /* items */
	const eng_dirmeta *dir;    /* partitions */
	const lay_item *item;      /* items, with ENG_LIST_ITEMS only */
} eng_entry;

/* Return 0 to go on, 1 to stop (eng_list then returns 0), < 0 to fail with it. */
typedef int (*eng_list_cb)(void *ctx, const eng_entry *e);

#define ENG_LIST_ITEMS 0x1u  /* decode each item for the callback */
#define ENG_LIST_REVERSE 0x2u /* descending key order: after then resumes
                               * strictly before that key value. Not in an
                               * as-of view (-EOPNOTSUPP) */
#define ENG_LIST_UNMETERED 0x4u /* with ENG_LIST_ITEMS: the caller meters the
                                 * read itself (one request's page of several
                                 * listings is one read, as Query and Scan
                                 * round it): the listing admits and charges
                                 * nothing, and req's units stay 0 */

/*
 * List, in DynamoDB key order (descending with ENG_LIST_REVERSE), in one
 * read transaction: with pk == NULL the top level of the table (partitions
 * of a table with a sort key, items of a table without), else the items of
 * partition pk. after (may be NULL) resumes strictly after that key value
 * (before it, in reverse; the cursor of a paged listing: it need not exist
 * any more). Stops after max entries (0: no limit).
 * A whole level (after NULL, max 0) of the live view without
 * ENG_LIST_ITEMS or ENG_LIST_REVERSE goes through the cache (§11,
 * cache.c): the callback is then called after the read transaction, with
 * the same entries.
 * Errors: -ENOENT (no table; or pk given for a table without sort key),
 * -EINVAL (a key of the wrong type), -EOPNOTSUPP (ENG_LIST_REVERSE as of a
 * time), or the callback's.
 */
int eng_list(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
	     const lay_value *after, size_t max, unsigned flags, eng_list_cb cb, void *ctx,
	     lay_err *err);

/* A partition's directory metadata. -ENOENT if it holds no item. As of a
 * time: -ENOENT if it held none then, else its metadata now without write
 * bits (one gone since: root's, 0555), as eng_list lists it. */
int eng_part_get(eng_db *db, eng_req *req, const char *table, const lay_value *pk, eng_dirmeta *out,
		 lay_err *err);

/* Set a partition directory's metadata (which: ENG_META_*). -ENOENT. */
int eng_part_set_meta(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		      const eng_dirmeta *m, unsigned which, lay_err *err);

/*
 * Resolve a long, hashed name (layout/name.h): find the key value whose
 * lay_name_hash is hash, among the partitions of the table (pk == NULL and
 * the table has a sort key), the items of a table without sort key
 * (pk == NULL), or the items of partition pk. The value's bytes go to
 * store's arena. -ENOENT if none.
 */
int eng_resolve_hash(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		     uint64_t hash, lay_item *store, lay_value *out, lay_err *err);

/* ---- The change log (log.c) ---- */

/* The change log (SPEC §8, §12, §15): one record per item-level change of
 * a table with PITR on (log.c says why),
 * written in the same LMDB transaction as the change. Ordered per table by
 * a sequence number that increases across the whole db and is never
 * reused; trimmed by age without renumbering. */

/* A record as a reader sees it; borrowed for the callback only. */
typedef struct eng_change {
	uint64_t seq;              /* > 0, increasing in commit order */
	int64_t time_ns;           /* the db clock at commit */
	eng_event event;           /* ENG_INSERT, ENG_MODIFY or ENG_REMOVE */
	unsigned flags;            /* ENG_CHANGE_* */
	const lay_key *key;
	const lay_item *old_image; /* NULL for INSERT */
	const lay_item *new_image; /* NULL for REMOVE */
} eng_change;

typedef int (*eng_log_cb)(void *ctx, const eng_change *c);

/*
 * Read table's records with seq > after, in order, at most max (0: all).
 * The callback returns 0 to go on, 1 to stop, < 0 to fail with it.
 * -ENOENT if there is no such table.
 */
int eng_log_read(eng_db *db, const char *table, uint64_t after, size_t max, eng_log_cb cb,
		 void *ctx, lay_err *err);

/* Delete table's records older than before_ns; later ones keep their
 * numbers. *trimmed (may be NULL) gets how many went. */
int eng_log_trim(eng_db *db, const char *table, int64_t before_ns, size_t *trimmed,
		 lay_err *err);

/* The newest sequence number written anywhere in the db (0 if none). */
uint64_t eng_log_last_seq(eng_db *db);

/* ---- Streams (stream.c) ---- */

/* A table's stream as a file (SPEC §8): the records of its change log in
 * GetRecords' shape, one JSON line each, at byte offsets that never move. */

/* The stream's size in bytes: the end of its last record (0 if none).
 * It never shrinks. -ENOENT if there is no such table. */
int eng_stream_size(eng_db *db, const char *table, uint64_t *out, lay_err *err);

/*
 * Append to out up to len bytes of the stream from offset off (nothing at
 * or past the end). Bytes of records already trimmed read as spaces, the
 * last one before the first kept record a '\n': whitespace a JSON Lines
 * reader skips. -ENOENT if there is no such table.
 */
int eng_stream_read(eng_db *db, const char *table, uint64_t off, size_t len, lay_buf *out,
		    lay_err *err);

/* One record of a stream as eng_stream_scan gives it; borrowed for the
 * callback only. */
typedef struct eng_stream_rec {
	uint64_t off;        /* its byte offset in the stream: never moves; the
	                      * next record starts at off + len */
	int64_t time_ns;     /* the db clock when its change committed */
	const char *text;    /* the record, one line of JSON with its '\n'
	                      * (lay_stream_render's text) */
	size_t len;
} eng_stream_rec;

/* Return 0 to go on, 1 to stop (eng_stream_scan then returns 0), < 0 to
 * fail with it. */
typedef int (*eng_stream_cb)(void *ctx, const eng_stream_rec *r);

/*
 * The kept records of table's stream, in order, from the one holding byte
 * off (or, when off lies in a trimmed stretch, the first kept one after
 * it), in one read transaction: what the DynamoDB Streams API reads
 * (GetShardIterator, GetRecords). end (may be NULL) gets the stream's size
 * in that transaction; first (may be NULL) the offset of its first kept
 * record (its size when none is kept). Scanning from off = size - 1 gives
 * the last record at once. -ENOENT if there is no such table, -EIO (a
 * corrupt record), or the callback's.
 */
int eng_stream_scan(eng_db *db, const char *table, uint64_t off, eng_stream_cb cb, void *ctx,
		    uint64_t *end, uint64_t *first, lay_err *err);

/* Delete records older than before_ns; offsets of later ones stay. */
int eng_stream_trim(eng_db *db, const char *table, int64_t before_ns, lay_err *err);

/* ---- Time-driven work (maint.c) ---- */

/* Time-driven work (SPEC §8, §9, §16): a thread of the engine sweeps
 * expired items (TTL) and trims streams (24 hours) and the change log
 * (35 days), reading the db's one clock. */

/*
 * Do the time-driven work now: delete expired items (each a REMOVE by the
 * service, at most limit per call; 0: no limit), trim stream records older
 * than 24 hours and change records older than 35 days. *swept (may be NULL)
 * gets how many items went. The maintenance thread calls it every second.
 */
int eng_db_maintain(eng_db *db, size_t limit, size_t *swept, lay_err *err);

/* ---- Documents (doc.c) ---- */

/* Documents (SPEC §4, §5): an item's file content — JSON text in the
 * mount's format — becomes an item whose key is settled from the path it
 * is written under, checked as its PutItem will check it. Also drafts: the
 * text of a file being written, checked as it is written in order, so that
 * the write that makes it impossible fails at once (the shell ignores
 * close()). Every front that takes documents (files, and later the
 * request API's text forms) goes through here. */

/* What the path says of a document's key; everything borrowed. */
typedef struct eng_place {
	const lay_value *pk;  /* the partition directory's value (tables with a sort
	                       * key); NULL when that directory has a long, hashed
	                       * name not yet resolved */
	const char *pk_name;  /* the partition directory's name (tables with a sort
	                       * key): a document that gives the partition key
	                       * must give back this name */
	const lay_value *key; /* the value the file's name gives (the sort key; the
	                       * partition key without one); NULL for a long name */
	const char *name;     /* the file's name, "….json" */
} eng_place;

/*
 * Settle the key of item, written at place p of table. What the path gives
 * is set into the item (lay_item_set_key: missing key attributes are added,
 * present ones must agree); under a long name the item must carry its key
 * attributes, and they must give back the names on the path. *key borrows
 * from item. The item's size is not checked here: eng_item_put checks it
 * (eng_draft_check too). -ENOENT (no table), -EINVAL with the reason,
 * -ENOMEM.
 */
int eng_doc_settle(eng_db *db, eng_req *req, const char *table, lay_item *item, const eng_place *p,
		   lay_key *key, lay_err *err);

/* Parse text (len bytes, format fmt) into *out (LAY_ITEM_INIT; the caller
 * frees it, on error too) and settle it: eng_doc_settle. */
int eng_doc_parse(eng_db *db, eng_req *req, const char *table, const char *text, size_t len, lay_format fmt,
		  const eng_place *p, lay_item *out, lay_key *key, lay_err *err);

/* A key as text: the key attributes of table as one DynamoDB JSON object
 * ({"pk":{"S":"a"}}, no newline), appended to out. -ENOENT (no table),
 * -EINVAL (the key does not fit the schema), -ENOMEM. */
int eng_key_render(eng_db *db, eng_req *req, const char *table, const lay_key *key, lay_buf *out, lay_err *err);

/* The key eng_key_render wrote: *out borrows from store (LAY_ITEM_INIT; the
 * caller frees it). -ENOENT, -EINVAL with the reason, -ENOMEM. */
int eng_key_parse(eng_db *db, eng_req *req, const char *table, const char *text, size_t len, lay_item *store,
		  lay_key *out, lay_err *err);

/* A draft: the text of a file written in order from offset 0. */
enum {
	ENG_DRAFT_NONE = 0, /* nothing written yet: the first write decides */
	ENG_DRAFT_SCAN,     /* written in order: the scanner has seen all of it */
	ENG_DRAFT_OFF,      /* written elsewhere too: only the commit checks */
};

typedef struct eng_draft {
	int state;          /* ENG_DRAFT_*, or the negative errno of a refused write */
	lay_jscan scan;     /* while ENG_DRAFT_SCAN */
	int checked;        /* item is the text's content, settled and checked */
	lay_item item;
	uint64_t tag;       /* the caller's tag for the place it was checked at */
} eng_draft;

#define ENG_DRAFT_INIT { ENG_DRAFT_NONE, { 0 }, 0, LAY_ITEM_INIT, 0 }

/*
 * len bytes were written at offset at of a draft's text, which held old_len
 * bytes before and now is text[0..old_len + len) (append: the writer
 * appends, so text it did not write is the item as rendered, in order
 * too). Returns 0 (go on), 1 (the text has
 * just become one whole document: check it now with eng_draft_check), or,
 * when the bytes make the text impossible (a JSON syntax error), or an
 * earlier write was refused, -EINVAL with a message: the caller cuts the
 * text back to old_len, as if the write had not happened.
 */
int eng_draft_write(eng_draft *d, lay_format fmt, const char *text, size_t old_len, size_t at,
		    size_t len, int append, lay_err *err);

/* Check the whole document text (tlen bytes) at place p (the caller's tag
 * for it: a later eng_draft_take with another tag does not take it). 0, or
 * -EINVAL / -EFBIG when its commit would fail so: the write is refused as
 * eng_draft_write's is. Other errors are not the text's: 0. */
int eng_draft_check(eng_db *db, eng_req *req, eng_draft *d, const char *table, lay_format fmt,
		    const eng_place *p, uint64_t tag, const char *text, size_t tlen, lay_err *err);

/* Refuse the write: the draft's later writes fail with rc too until it is
 * truncated to nothing. */
void eng_draft_refuse(eng_draft *d, int rc);

/* The text went from old_len bytes to size (ftruncate). When a refused
 * draft starts again (size 0), the errno it was refused with (< 0), else 0. */
int eng_draft_truncate(eng_draft *d, size_t old_len, size_t size);

/* If the text (tlen bytes) was checked as written at the place tag names,
 * with only whitespace since, move that item into *out (LAY_ITEM_INIT; the
 * caller frees it) and return 1; else 0. */
int eng_draft_take(eng_draft *d, uint64_t tag, size_t tlen, lay_item *out);

void eng_draft_free(eng_draft *d);

/* ---- Options by name (options.c) ---- */

/* A table's and an item's options by name, as text (SPEC §7): what the
 * user.ddb.* attributes show and set, parsed, checked and applied here so
 * that every front (files, the request API) does the same. */

/* DescribeTable's Table object for table, one line of JSON, appended to
 * out. -ENOENT (no table), -ENOMEM. */
int eng_table_describe(eng_db *db, eng_req *req, const char *table, lay_buf *out, lay_err *err);

/* The options a table has that can be set, NULL-terminated: "key_schema"
 * and the settings of layout/settings.h. Its read-only ones ("item_count",
 * "size_bytes") are read by name only. */
const char *const *eng_table_options(void);

/* Append the text value of table's option name. -ENOENT (no table),
 * -ENODATA (no such option), -ENOMEM. */
int eng_table_option_get(eng_db *db, eng_req *req, const char *table, const char *name, lay_buf *out,
			 lay_err *err);

/*
 * Set table's option name to value (len bytes, not NUL-terminated). Its
 * current value is a no-op, so a copy of every option back (cp -a, rsync
 * -X) changes nothing; a read-only option takes only its own value.
 * Returns 0, or 1 when the key schema changed (the items were re-keyed:
 * eng_table_set_schema), or -ENOENT (no table), -EINVAL (a bad value, with
 * a message naming it, or a NUL byte in it), -ENOTSUP (a read-only option
 * set to another value, or no such option), -ENOTEMPTY (a re-key that
 * cannot be done).
 */
int eng_table_option_set(eng_db *db, eng_req *req, const char *table, const char *name, const char *value,
			 size_t len, lay_err *err);

/*
 * An item's options: "size" (its DynamoDB size, read-only) and "ttl" (its
 * expiry: the value of the table's TTL attribute, epoch seconds). get:
 * -ENOENT (no table or item), -ENODATA (no such option, or the item has no
 * expiry). set: "ttl" takes "+SECONDS" from now or epoch seconds and writes
 * the TTL attribute as one update of the item (eng_item_set_attr): -EINVAL
 * (a bad value, or the table has no TTL attribute); "size" only its own
 * value (-ENOTSUP otherwise); -ENOTSUP for any other name.
 */
int eng_item_option_get(eng_db *db, eng_req *req, const char *table, const lay_key *key, const char *name,
			lay_buf *out, lay_err *err);
int eng_item_option_set(eng_db *db, eng_req *req, const char *table, const lay_key *key, const char *name,
			const char *value, size_t len, lay_err *err);

/* ---- Export and import (export.c, import.c; SPEC §13) ---- */

/* How far a long operation has come, read by another thread meanwhile. */
typedef struct eng_progress {
	_Atomic uint64_t items, bytes;             /* done so far */
	_Atomic uint64_t total_items, total_bytes; /* what there is (0: unknown) */
	_Atomic int cancel;                        /* set: stop with -ECANCELED */
} eng_progress;

typedef struct eng_export_opts {
	const char *table;
	const char *dir;          /* the "bucket": an existing directory */
	const char *prefix;       /* the prefix inside it (NULL: none) */
	lay_export_format format;
	int64_t time_ns;          /* a full export's time (0: now) */
	int incremental;          /* export the changes in (from_ns, to_ns] */
	int64_t from_ns, to_ns;
	int new_image_only;       /* incremental: NEW_IMAGE, not NEW_AND_OLD_IMAGES */
	int level;                /* gzip level 1..9 (0: 1, the fastest) */
} eng_export_opts;

typedef struct eng_export_result {
	char id[40];              /* ExportId (set by the caller: kept) */
	char arn[400];            /* ExportArn */
	char path[4096];          /* DIR/[PREFIX/]AWSDynamoDB/ExportId */
	uint64_t items, bytes;    /* itemCount, billedSizeBytes */
	uint64_t files;           /* data files */
	int64_t start_ns, end_ns, export_ns;
} eng_export_result;

/*
 * Export a table (ExportTableToPointInTime) into o->dir as DynamoDB writes
 * to S3: AWSDynamoDB/<ExportId>/ with _started, data/<name>.json.gz or
 * .ion.gz (items split over files by partition key hash), then
 * manifest-files.json, manifest-summary.json and their .checksum (hex
 * MD5). A full export holds the items as of o->time_ns, an incremental one
 * the last change of each item changed in (from, to]. The table's PITR
 * must be on; reads cost no capacity. prog (may be NULL) follows it.
 * On failure nothing of the export is left.
 * Errors: -ENOENT (no table or directory), -EINVAL (PITR off; a time
 * outside the PITR window; an incremental window shorter than 15 minutes
 * or longer than 24 hours), -EEXIST, -ENOSPC, -EIO.
 */
int eng_export(eng_db *db, eng_req *req, const eng_export_opts *o, eng_export_result *out,
	       eng_progress *prog, lay_err *err);

/* The checks eng_export makes before it writes anything; its errors. */
int eng_export_check(eng_db *db, const eng_export_opts *o, lay_err *err);



typedef enum eng_import_format {
	ENG_IMPORT_DDB = 0,       /* DYNAMODB_JSON: {"Item":{...}} per line */
	ENG_IMPORT_ION,           /* ION: {Item:{...}} per value */
	ENG_IMPORT_CSV,           /* CSV */
} eng_import_format;

typedef struct eng_import_opts {
	const char *src;          /* a file, a directory of files (walked in name
	                           * order), or an export's directory */
	const char *table;
	const lay_schema *schema; /* create table with this key schema; NULL:
	                           * put into the existing table */
	eng_import_format format;
	const char *csv_header;   /* CSV: the columns, comma-separated (NULL: each
	                           * file's first line) */
	char csv_delim;           /* CSV: the delimiter (0: ',') */
	const char *one_file;     /* NULL, or: import only this file of src */
} eng_import_opts;

typedef struct eng_import_result {
	char id[40];              /* the import's id (set by the caller: kept) */
	char arn[400];            /* ImportArn */
	char log[4400];           /* DATA_DIR/imports/<id>.log ("" if no error) */
	uint64_t processed_items, imported_items, errors, processed_bytes;
	int64_t start_ns, end_ns;
	int table_created;        /* the table exists now because of it */
	char first_errors[2048];  /* the log's first lines */
} eng_import_result;

/*
 * Import (ImportTable) the items of o->src: each file plain, gzip or zstd
 * (by its first bytes), each record a put in o->table, made first with
 * o->schema (-EEXIST if it exists). req's source says whose puts they are
 * (NULL: ENG_SRC_IMPORT, which costs no capacity). A bad record, a bad
 * line or the rest of a corrupt file is skipped, counted in errors and
 * logged with its file and line in DATA_DIR/imports/<id>.log; the journal
 * gets one Import line. A source that cannot be read (-EIO) or a lack of
 * memory ends the import: they are no fault of the data. An import that
 * made its table and fails, or imports no item, deletes the table again
 * with what it imported: all or nothing; one stopped by prog->cancel
 * (-ECANCELED) keeps what it imported. prog (may be NULL) follows it.
 * Errors: -ENOENT (no source or table), -EEXIST, -EINVAL (nothing
 * importable; a manifest whose checksum does not match), -ENOSPC, -EIO,
 * -ENOMEM.
 */
int eng_import(eng_db *db, eng_req *req, const eng_import_opts *o, eng_import_result *out,
	       eng_progress *prog, lay_err *err);

/* The checks eng_import makes before it creates or writes anything (the
 * source, an export's manifests, the table); its errors. */
int eng_import_check(eng_db *db, const eng_import_opts *o, lay_err *err);

/* ---- Requests in DynamoDB's API (api.c; SPEC §14) ---- */

/* Who sends a request, and through which front. */
typedef struct eng_api_ctx {
	uint32_t uid, gid;
	eng_source source;        /* ENG_SRC_API */
	int read_only;            /* the front is read-only: requests that write fail */
	char access_key[129];     /* the SigV4 access key id of an HTTP request ("" for
	                           * the other fronts): for access control later */
} eng_api_ctx;

/*
 * Serve one request of DynamoDB's API: body is its JSON; action names it
 * (NULL: the body's member "Action", as .ddbfs/api takes it). The response
 * is appended to out: the action's JSON, or DynamoDB's error
 * {"__type":"com.amazonaws.dynamodb.v20120810#Name","message":"..."}.
 * Returns the HTTP status: 200, 400 (the request's fault) or 500.
 */
int eng_api_call(eng_db *db, const eng_api_ctx *ctx, const char *action, const char *body,
		 size_t len, lay_buf *out);

#endif
