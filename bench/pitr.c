/* Points in time on the engine (SPEC §12): a table with PITR on holds N
 * items of 1 KB (10,000 of them in one partition, the rest over 100
 * others); at time T it is left as it is, then 1,000 of its items change.
 * Timed, each the best of a few rounds: a get+render of a random item of
 * the big partition, live and as of T; a listing of the big partition,
 * live and as of T; and opening a point (an as-of listing of a one-item
 * partition, which reads the 1,000 changes made since T) — whose cost must
 * not grow with N. Prints "N engine FIGURE VALUE UNIT" lines for
 * bench/report.c. Usage: pitr DIR OUT N... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "common.h"

#define TABLE "Pitr"
#define BIG 10000      /* items in the big partition */
#define CHANGES 1000   /* changes after T */
#define GETS 5000
#define ROUNDS 3

static void check(int rc, const lay_err *err, const char *what)
{
	if (rc < 0)
		bench_die("%s: %s (%s)", what, err->msg, lay_errno_name(rc));
}

/* Put item i (version v) of partition part. */
static void put(eng_db *db, const char *part, unsigned long i, int v)
{
	char json[BENCH_ITEM_LEN + 128], body[BENCH_ITEM_LEN + 1];
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0 };
	size_t len = bench_item_json(body, i);

	body[len - 2] = '\0'; /* drop "}\n" */
	snprintf(json, sizeof(json), "{\"p\":\"%s\",\"s\":\"i%07lu\",\"ver\":%d,%s}", part, i, v,
		 body + 1);
	check(lay_json_parse(&it, json, strlen(json), LAY_FMT_PLAIN, &err), &err, "parse");
	check(eng_item_put(db, NULL, TABLE, &it, NULL, 0, NULL, NULL, &err), &err, "put");
	lay_item_free(&it);
}

static int count(void *ctx, const eng_entry *e)
{
	(void)e;
	(*(unsigned long *)ctx)++;
	return 0;
}

/* us per get+render of random items of the big partition, in view req. */
static double gets(eng_db *db, eng_req *req)
{
	lay_buf buf = LAY_BUF_INIT;
	lay_err err = { 0 };
	char sk[16];
	double best = 1e9, t0;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		t0 = bench_now();
		for (i = 0; i < GETS; i++) {
			lay_value pv = { LAY_S, 3, { "big" } }, sv;
			lay_key key;

			snprintf(sk, sizeof(sk), "i%07lu", (unsigned long)(bench_rng() % BIG));
			sv = (lay_value){ LAY_S, strlen(sk), { sk } };
			key = (lay_key){ pv, sv };
			lay_buf_reset(&buf);
			check(eng_item_text(db, req, TABLE, &key, LAY_FMT_PLAIN, &buf, NULL, &err), &err,
			      "get");
		}
		t0 = (bench_now() - t0) / GETS * 1e6;
		if (t0 < best)
			best = t0;
	}
	lay_buf_free(&buf);
	return best;
}

/* ms to list partition part in view req; *n gets the entries. */
static double list(eng_db *db, eng_req *req, const char *part, unsigned long *n)
{
	lay_value pv = { LAY_S, strlen(part), { (char *)part } };
	lay_err err = { 0 };
	double best = 1e9, t0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		*n = 0;
		t0 = bench_now();
		check(eng_list(db, req, TABLE, &pv, NULL, 0, 0, count, n, &err), &err, "list");
		t0 = (bench_now() - t0) * 1000;
		if (t0 < best)
			best = t0;
	}
	return best;
}

static void run(const char *base, const char *out, unsigned long n)
{
	char dir[4096], part[8];
	eng_db_opts o = { 0 };
	lay_settings s = { 0 };
	lay_schema sch = { 0 };
	eng_req at = { 0 };
	lay_err err = { 0 };
	eng_clock *clk;
	eng_db *db;
	unsigned long i, seen;
	double live, past;

	bench_path(dir, sizeof(dir), "%s/pitr-%lu", base, n);
	eng_clock_new(&clk, 1);
	o.clock = clk;
	o.maint_ms = -1;
	check(eng_db_open(&db, dir, &o, &err), &err, "open");
	strcpy(sch.pk, "p");
	sch.pk_type = LAY_S;
	strcpy(sch.sk, "s");
	sch.sk_type = LAY_S;
	s.pitr = 1;
	check(eng_table_create(db, NULL, TABLE, &sch, NULL, &err), &err, "create");
	check(eng_table_set_settings(db, NULL, TABLE, &s, &err), &err, "settings");
	for (i = 0; i < n; i++) {
		snprintf(part, sizeof(part), "p%02lu", i % 100);
		put(db, i < BIG ? "big" : part, i, 1);
	}
	put(db, "one", 0, 1);
	check(eng_clock_advance(clk, 2, &err), &err, "clock");
	at.view = ENG_VIEW_AS_OF;
	at.as_of_ns = eng_clock_now_ns(clk);
	check(eng_clock_advance(clk, 2, &err), &err, "clock");
	for (i = 0; i < CHANGES; i++) {
		unsigned long k = (unsigned long)(bench_rng() % n);

		snprintf(part, sizeof(part), "p%02lu", k % 100);
		put(db, k < BIG ? "big" : part, k, 2);
	}

	live = gets(db, NULL);
	past = gets(db, &at);
	bench_result(out, n, "engine", "live_get", live, "us/op");
	bench_result(out, n, "engine", "point_get", past, "us/op");
	live = list(db, NULL, "big", &seen);
	if (seen != BIG)
		bench_die("the big partition lists %lu items", seen);
	past = list(db, &at, "big", &seen);
	if (seen != BIG)
		bench_die("the big partition as of T lists %lu items", seen);
	bench_result(out, n, "engine", "live_list", live, "ms");
	bench_result(out, n, "engine", "point_list", past, "ms");
	past = list(db, &at, "one", &seen);
	if (seen != 1)
		bench_die("the one-item partition as of T lists %lu items", seen);
	bench_result(out, n, "engine", "point_open", past, "ms");
	eng_db_close(db);
	eng_clock_free(clk);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 4)
		bench_die("usage: pitr DIR OUT N...");
	for (i = 3; i < argc; i++) {
		unsigned long n = strtoul(argv[i], NULL, 10);

		if (n < BIG)
			bench_die("N must be at least %d", BIG);
		run(argv[1], argv[2], n);
	}
	return 0;
}
