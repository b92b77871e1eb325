/* The fault loop's workload (workload.c): steps through the engine's face,
 * each one engine call (or one request), and the database's whole state as
 * text to compare runs by. */
#ifndef FAULT_WORKLOAD_H
#define FAULT_WORKLOAD_H

#include <stddef.h>

#include "../../engine/engine.h"
#include "../../fs/http.h"

/* What a workload run needs: its DATA_DIR, the db, the clock, and where
 * the files for imports and exports are. */
struct wl_run {
	char *root;      /* temp dir: data/, src/, out/ */
	char data[600], src[600], out[600];
	eng_db *db;
	eng_clock *clk;
	fs_http *http;   /* the HTTP endpoint on db, on a port of 127.0.0.1 */
	lay_buf text;    /* what a reading step read, compared with the clean run's */
	lay_err err;
	int status;      /* an API step's HTTP status */
	lay_buf resp;    /* an API step's response */
};

typedef int (*wl_step_fn)(struct wl_run *r);

struct wl_step {
	const char *name;
	wl_step_fn fn;
	int api;         /* it is an eng_api_call: status and response say how it went */
};

/* The steps, in order. */
extern const struct wl_step wl_steps[];
extern const size_t wl_nsteps;

/* A fresh run: a temporary directory with the import sources, a frozen
 * test clock, the db in its data/ and the HTTP endpoint on it; or exit. */
void wl_start(struct wl_run *r);

/* Close everything of r and remove its directory. */
void wl_end(struct wl_run *r);

/* Open r's db as every run does (no thread of the engine's runs by
 * itself, every commit synced); or exit. */
eng_db *wl_open_db(struct wl_run *r);

/* The HTTP endpoint on r->db, on a port the kernel picks; or exit. */
void wl_http_start(struct wl_run *r);

/* The db's whole state as text into b (reset first). 0 or an error. */
int wl_dump(eng_db *db, lay_buf *b, lay_err *err);

/* Write len bytes of p to path, or exit. */
void wl_write_file(const char *path, const void *p, size_t len);

/* A new empty directory under TMPDIR (/dev/shm when writable); the caller
 * frees the string. */
char *wl_temp_dir(void);

#endif
