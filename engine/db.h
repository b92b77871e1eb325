/* A database: one DATA_DIR, one LMDB environment, owned by one process
 * (SPEC §1, §17). Commits reach the disk within sync_ms (group commit), or
 * before each commit returns with sync_always. */
#ifndef ENG_DB_H
#define ENG_DB_H

#include <stddef.h>

#include "../layout/err.h"
#include "clock.h"

typedef struct eng_db eng_db;

typedef struct eng_db_opts {
	int sync_always;   /* each commit durable before it returns */
	int sync_ms;       /* group-commit interval; 0 means 1000 */
	size_t map_size;   /* initial LMDB map size; 0 means a sensible default.
	                    * The map grows by itself: MDB_MAP_FULL never escapes. */
	size_t map_max;    /* the map never grows past this: a disk that holds no
	                    * more (tests); 0: only the disk limits it */
	eng_clock *clock;  /* borrowed, must outlive the db; NULL: a real clock */
	int maint_ms;      /* time-driven work every maint_ms (0: 1000; < 0: never;
	                    * see maint.h) */
} eng_db_opts;

/*
 * Open (creating if missing) the database in dir. Takes an exclusive lock
 * on dir/ddbfs.lock holding our pid: a second open of the same dir, by any
 * process, fails with -EBUSY and "DATA_DIR is in use by pid N". Recovers
 * from a crash by itself (stale LMDB readers are cleared).
 * opts may be NULL. Free with eng_db_close. Errors: -EBUSY, -ENOMEM, -EIO,
 * other errnos from the filesystem, each with a message.
 */
int eng_db_open(eng_db **out, const char *dir, const eng_db_opts *opts, lay_err *err);

/* Sync everything committed, release the lock, free. Accepts NULL. */
void eng_db_close(eng_db *db);

/* Make every commit so far durable (fsync). 0 or a negative errno. */
int eng_db_sync(eng_db *db);

/* The db's clock (borrowed). */
eng_clock *eng_db_clock(eng_db *db);

/* The data directory's path (borrowed). */
const char *eng_db_dir(const eng_db *db);

#endif
