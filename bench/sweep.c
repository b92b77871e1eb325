/* The TTL sweep's cost (SPEC §9, issue point: "its cost grows with the
 * expired items, not with the table"): the time eng_db_maintain takes to
 * delete 10 expired items among N, for N = 10,000 and 200,000 (or what the
 * command line says), on the engine directly. Prints result lines
 * "N sweep ms_per_sweep VALUE ms" for bench/report.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../layout/json.h"
#include "common.h"

#define EXPIRED 10
#define ROUNDS 5

/* Items from..to; every step-th expires a second from now, the rest far later. */
static void put_batch(eng_db *db, unsigned long from, unsigned long to, unsigned long step,
		      long long now)
{
	char json[256];
	lay_err err = { 0 };
	unsigned long i;

	for (i = from; i < to; i++) {
		lay_item it = LAY_ITEM_INIT;
		long long exp = (i - from) % step == 0 ? now + 1 : now + 10000000;

		snprintf(json, sizeof(json), "{\"id\":\"k%08lu\",\"exp\":%lld,\"pad\":\"%0100d\"}", i,
			 exp, 0);
		if (lay_json_parse(&it, json, strlen(json), LAY_FMT_PLAIN, &err) < 0 ||
		    eng_item_put(db, NULL, "Sweep", &it, NULL, 0, NULL, NULL, &err) < 0)
			bench_die("put: %s", err.msg);
		lay_item_free(&it);
	}
}

/* ms for one sweep of EXPIRED expired items among n, best of ROUNDS. */
static double sweep_ms(const char *dir, unsigned long n)
{
	eng_db_opts o = { 0 };
	lay_settings s = { 0 };
	lay_schema sch = { 0 };
	eng_clock *clk;
	lay_err err = { 0 };
	eng_db *db;
	double best = 1e9;
	long long now;
	size_t swept;
	int r;

	eng_clock_new(&clk, 1);
	o.clock = clk;
	o.maint_ms = -1;
	if (eng_db_open(&db, dir, &o, &err) < 0)
		bench_die("open %s: %s", dir, err.msg);
	strcpy(sch.pk, "id");
	sch.pk_type = LAY_S;
	strcpy(s.ttl_attr, "exp");
	if (eng_table_create(db, NULL, "Sweep", &sch, NULL, &err) < 0 ||
	    eng_table_set_settings(db, NULL, "Sweep", &s, &err) < 0)
		bench_die("table: %s", err.msg);
	for (r = 0; r < ROUNDS; r++) {
		double t0;

		now = eng_clock_now_ns(clk) / 1000000000;
		/* the first round loads the table with 10 expiring among n; each
		 * later one adds 10 that expire */
		if (r == 0)
			put_batch(db, 0, n, n / EXPIRED, now);
		else
			put_batch(db, n + (unsigned long)r * EXPIRED,
				  n + (unsigned long)(r + 1) * EXPIRED, 1, now);
		if (eng_clock_advance(clk, 2, &err) < 0)
			bench_die("clock: %s", err.msg);
		t0 = bench_now();
		if (eng_db_maintain(db, 0, &swept, &err) < 0)
			bench_die("sweep: %s", err.msg);
		t0 = (bench_now() - t0) * 1000;
		if (swept != EXPIRED)
			bench_die("swept %zu items, expected %d", swept, EXPIRED);
		if (t0 < best)
			best = t0;
	}
	eng_db_close(db);
	eng_clock_free(clk);
	return best;
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/var/tmp";
	const char *out = argc > 2 ? argv[2] : "/dev/null";
	unsigned long small = argc > 3 ? strtoul(argv[3], NULL, 10) : 10000;
	unsigned long large = argc > 4 ? strtoul(argv[4], NULL, 10) : 200000;
	char d1[4096], d2[4096];
	double a, b;

	bench_path(d1, sizeof(d1), "%s/sweep-small", base);
	bench_path(d2, sizeof(d2), "%s/sweep-large", base);
	a = sweep_ms(d1, small);
	b = sweep_ms(d2, large);
	bench_result(out, small, "engine", "ttl_sweep_10_expired", a, "ms");
	bench_result(out, large, "engine", "ttl_sweep_10_expired", b, "ms");
	printf("ttl sweep of %d expired items: %.3f ms among %lu, %.3f ms among %lu "
	       "(ratio %.2f; target <= 2)\n",
	       EXPIRED, a, small, b, large, b / a);
	return 0;
}
