/* Opening DATA_DIR for a front (SPEC §1, §14): the engine options the
 * mount's daemon and `ddbfs serve` share, and `ddbfs serve` itself, the
 * HTTP endpoint without FUSE. */
#ifndef FS_SERVE_H
#define FS_SERVE_H

#include "../engine/engine.h"
#include "../layout/err.h"

/* The engine's options as -o says them (0 everywhere: the defaults). */
typedef struct fs_db_conf {
	lay_format format;
	int sync_always;
	/* 0: the engine's default */
	int sync_ms;
	int test_clock;
	/* read-only: no time-driven work either */
	int ro;
	eng_throttle throttle;
	int cache_off;
	/* 0: FS_CACHE_MB */
	long cache_mb;
	/* seconds; 0: FS_CACHE_TTL */
	long long cache_ttl;
	/* the mount showing the db (exports never write inside it), or NULL */
	const char *mountpoint;
} fs_db_conf;

/* the item cache (SPEC §11): its bound in MB and its entries' life in
 * seconds, by default (as DAX's) */
#define FS_CACHE_MB 64
#define FS_CACHE_TTL 300

/*
 * One -o option of the engine's (format=, sync=, throttle=, cache=,
 * cache_mb=, cache_ttl=, test_clock) into c. Returns 1 if it was one of
 * them, 0 if not (ro is not: it is FUSE's too), -EINVAL with a message on
 * stderr for a bad value.
 */
int fs_db_conf_opt(fs_db_conf *c, const char *opt);

/*
 * Open data_dir (an absolute path) with c's options into *out, on a new
 * clock (*clock_out, test or real as c says; free it with eng_clock_free
 * after eng_db_close). A daemon that was just unmounted may still be
 * closing it, holding its lock: that is waited for, a few seconds; a
 * holder that serves a mount is live, and the answer is -EBUSY at once,
 * naming the mount point. stop_waiting (may be NULL) lets requests that
 * wait for capacity through when the front stops. Errors as
 * eng_db_open's, with err saying why.
 */
int fs_db_open(eng_db **out, eng_clock **clock_out, const char *data_dir, const fs_db_conf *c,
	       int (*stop_waiting)(void *ctx), lay_err *err);

/* eng_db_open with o, waiting as fs_db_open does for a daemon that was
 * just unmounted to let go of data_dir (-EBUSY at once, naming the mount
 * point, for one that serves a mount; after a few seconds for any other
 * holder). */
int fs_db_open_waiting(eng_db **out, const char *data_dir, const eng_db_opts *o, lay_err *err);

/* ddbfs serve DATA_DIR --listen ADDR:PORT: the command; argv[0] is its
 * name. Returns the exit status. */
int fs_serve_main(int argc, char **argv);

#endif
