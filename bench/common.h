/* Helpers shared by the benchmark programs (SPEC §18): the clock, the
 * 1 KB items of the workload, the result lines every program appends to
 * one file, cache dropping, and a process's memory. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The workload's shape: items spread over BENCH_PARTS partitions. */
#define BENCH_PARTS 100
#define BENCH_ITEM_LEN 1024

/* Seconds on the monotonic clock. */
double bench_now(void);

/*
 * The body of item i: a JSON object of exactly BENCH_ITEM_LEN bytes ending
 * in "\n", {"data":"xx...","n":i}, written to buf (size >= BENCH_ITEM_LEN + 1).
 * Returns the length.
 */
size_t bench_item_json(char *buf, unsigned long i);

/* Partition and sort key of item i of a spread table: "p07", "i0000107". */
void bench_item_key(char part[8], char sk[16], unsigned long i);

/* The raw LMDB key of item i (partition, NUL, sort key: the engine's
 * order) into out (>= 32 bytes); its length. */
size_t bench_raw_key(char *out, unsigned long i);

/* The next of a fixed sequence of pseudo-random numbers (xorshift64): the
 * same picks in every run. */
uint64_t bench_rng(void);

/*
 * Append one result line "n target figure value unit" to path (the file
 * the run script gathers; bench/report.c reads it). Also echoes it on
 * stdout for whoever watches. Returns 0 or -errno.
 */
int bench_result(const char *path, unsigned long n, const char *target, const char *figure,
		 double value, const char *unit);

/*
 * Write back (sync) and drop the kernel's caches: mode 3 the page cache and
 * dentries and inodes (echo 3 > /proc/sys/vm/drop_caches; needs root), 2
 * dentries and inodes only (the page cache of files in use, such as an
 * LMDB map, stays). Returns 0, or -errno once with a warning on stderr;
 * later calls then do nothing.
 */
int bench_drop_caches(int mode);

/* A "Vm...:" line of /proc/PID/status in kB (field "VmRSS:", "VmHWM:");
 * -1 if unknown. */
long bench_proc_kb(pid_t pid, const char *field);

/* CPU time (user + system) pid has used, in clock ticks; -1 if unknown. */
long bench_proc_ticks(pid_t pid);

/* The pid written in a file (DATA_DIR/ddbfs.lock), or -1. */
pid_t bench_pid_from(const char *path);

/* Format a path into out (size sz); dies if it does not fit. */
void bench_path(char *out, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Die with a message naming what failed (the bench aborts a target). */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
