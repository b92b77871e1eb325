/* `ddbfs check DATA_DIR` (SPEC §17): opens the database read-only, writing
 * nothing in DATA_DIR, runs the engine's verifier (eng_db_check) and says
 * what it found; the exit status tells scripts whether it is healthy. */
#include "check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "held.h"
#include "mountpoint.h"
#include "serve.h"

enum { CHECK_HEALTHY = 0, CHECK_PROBLEMS = 1, CHECK_FAILED = 2 };

static const char check_usage[] =
    "usage: ddbfs check DATA_DIR [--force] [--quiet]\n"
    "\n"
    "Checks the database in DATA_DIR without writing to it: every table, item,\n"
    "partition, long name, expiry index row, change record, stream record and\n"
    "backup decodes, and everything kept twice agrees (items with their\n"
    "partitions, names and TTL index; tables' item counts and sizes with their\n"
    "items; the change log with its index; streams with their ends; the\n"
    "counters with the ids in use). Prints each problem, then a summary.\n"
    "Exit status: 0 healthy, 1 problems found, 2 could not check.\n"
    "\n"
    "  --force   check a DATA_DIR a mount or a serve is using (unmount it first\n"
    "            for a check of a database at rest)\n"
    "  --quiet   print nothing when it is healthy\n";

/* The problems, held back under --quiet until the end says there are some. */
struct report {
	int quiet;
	char **lines;
	size_t n, cap;
};

static void tell(void *ctx, const char *problem)
{
	struct report *r = ctx;
	char **grown;

	if (!r->quiet) {
		printf("%s\n", problem);
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if (!(grown = realloc(r->lines, r->cap * sizeof(*grown)))) {
			/* the line is lost, not the count: say it now */
			printf("%s\n", problem);
			return;
		}
		r->lines = grown;
	}
	if (!(r->lines[r->n] = strdup(problem)))
		printf("%s\n", problem);
	else
		r->n++;
}

static void report_flush(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		printf("%s\n", r->lines[i]);
		free(r->lines[i]);
	}
	free(r->lines);
	r->lines = NULL;
	r->n = 0;
}

static void summary(const char *dir, const eng_check_stats *s)
{
	printf("%s: %" PRIu64 " tables, %" PRIu64 " backups, %" PRIu64 " items, %" PRIu64
	       " partitions, %" PRIu64 " long names, %" PRIu64 " expiry index rows, %" PRIu64
	       " change records, %" PRIu64 " stream records: ",
	       dir, s->tables, s->backups, s->items, s->parts, s->names, s->ttl_rows, s->log_rows,
	       s->stream_rows);
	if (s->problems)
		printf("%" PRIu64 " problem%s\n", s->problems, s->problems == 1 ? "" : "s");
	else
		printf("healthy\n");
}

/* Open dir read-only; a DATA_DIR in use is said (but to a quiet force),
 * and opened only with force. Returns 0 or CHECK_FAILED (said on
 * stderr). */
static int open_dir(eng_db **db, const char *dir, int force, int quiet)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	int rc;

	o.read_only = 1;
	o.maint_ms = -1;
	if (fs_held_free("ddbfs check", dir, &err) < 0) {
		fprintf(stderr, "ddbfs check: %s\n", err.msg);
		return CHECK_FAILED;
	}
	/* a daemon unmounted just now may still be closing it (with --force,
	 * no need to wait) */
	rc = force ? eng_db_open(db, dir, &o, &err) : fs_db_open_waiting(db, dir, &o, &err);
	if (rc == -EBUSY) {
		/* err names the holder's pid, and its mount point if it has one */
		if (!force || !quiet)
			fprintf(stderr, "ddbfs check: %s", err.msg);
		if (!force) {
			fprintf(stderr, ": unmount it first (fusermount3 -u MOUNTPOINT, or stop "
					"ddbfs serve), or check it in use with --force\n");
			return CHECK_FAILED;
		}
		if (!quiet)
			fprintf(stderr, "; checking it in use (--force)\n");
		o.force = 1;
		lay_err_clear(&err);
		rc = eng_db_open(db, dir, &o, &err);
	}
	if (rc < 0) {
		fprintf(stderr, "ddbfs check: %s\n", err.msg);
		return CHECK_FAILED;
	}
	return 0;
}

int fs_check_main(int argc, char **argv)
{
	struct report r = { 0, NULL, 0, 0 };
	const char *dir = NULL;
	lay_err err = { 0, "" };
	eng_check_stats st;
	eng_db *db = NULL;
	int i, force = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(check_usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = 1;
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			r.quiet = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "ddbfs check: unknown flag %s\n%s", argv[i], check_usage);
			return CHECK_FAILED;
		} else if (!dir) {
			dir = argv[i];
		} else {
			fprintf(stderr, "ddbfs check: unexpected argument %s\n%s", argv[i],
				check_usage);
			return CHECK_FAILED;
		}
	}
	if (!dir) {
		fputs(check_usage, stderr);
		return CHECK_FAILED;
	}
	if ((rc = open_dir(&db, dir, force, r.quiet)) != 0)
		return rc;
	rc = eng_db_check(db, tell, &r, &st, &err);
	eng_db_close(db);
	if (rc < 0) {
		report_flush(&r);
		fprintf(stderr, "ddbfs check: could not check %s: %s\n", dir, err.msg);
		return CHECK_FAILED;
	}
	if (st.problems || !r.quiet) {
		report_flush(&r);
		summary(dir, &st);
	}
	return st.problems ? CHECK_PROBLEMS : CHECK_HEALTHY;
}
