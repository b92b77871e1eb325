/* Fault injection for the fault build (tests/fault/): the linker's --wrap
 * routes calls of our code to the wrappers of inject.c, which make the Nth
 * call of one class fail while the harness has armed them. */
#ifndef FAULT_INJECT_H
#define FAULT_INJECT_H

#include <stdint.h>

/* The classes of calls that can fail; FAULT_NONE fails nothing. */
typedef enum fault_class {
	FAULT_NONE = 0,
	FAULT_ALLOC,   /* malloc, calloc, realloc, strdup, strndup, cJSON's: NULL, ENOMEM */
	FAULT_LMDB,    /* every LMDB call that returns a code: EIO */
	FAULT_MAPFULL, /* LMDB writes and commits: MDB_MAP_FULL */
	FAULT_CORRUPT, /* LMDB reads: MDB_CORRUPTED */
	FAULT_IO,      /* write, pwrite, fsync, ..., posix_fallocate: ENOSPC */
	FAULT_EIO,     /* the same calls, and read: EIO */
	FAULT_ZIP,     /* zlib, zstd and OpenSSL's digests, as zio.c calls them */
	FAULT_HTTP,    /* the HTTP endpoint's answers (libmicrohttpd, fs/http.c) */
	FAULT_NCLASSES
} fault_class;

/* The class's name as DDBFS_FAULT spells it ("alloc"), or NULL. */
const char *fault_class_name(fault_class c);

/* The class named name, or FAULT_NONE when there is none. */
fault_class fault_class_parse(const char *name);

/* From now on the nth call (counting from 1) of class c fails, once; the
 * count restarts. Calls count only while armed, on every thread. */
void fault_set(fault_class c, uint64_t n);

/* Count (and fail) calls (on != 0) or not. */
void fault_arm(int on);

/* Calls of the class counted since fault_set, and whether the nth failed. */
uint64_t fault_calls(void);
int fault_fired(void);

/* The real-time clock of our code reads ns since the epoch from now on
 * (0: the real time), so that every run writes the same times. */
void fault_fix_time(int64_t ns);

/* Route cJSON's allocations through the counted ones (call once). */
void fault_hook_cjson(void);

#endif
