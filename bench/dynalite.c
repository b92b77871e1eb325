/* The dynalite baseline of the benchmark (SPEC §18) on its own: PutItem,
 * GetItem and a 1,000-item Query over loopback HTTP, sequential and 8 in
 * flight (one keep-alive connection each), on 1 KB items like the mount's.
 * (bench run --dynalite also pairs sequential puts and gets with the mounts.)
 * Usage: dynaclient --port P --n N --out FILE [--label L] */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dynclient.h"

#define INFLIGHT 8
#define QUERY_ITEMS 1000
#define QUERIES 5        /* sequential Query runs timed (each pages to the end) */

static int port;
static const char *out_path;
static unsigned long label;

static void result(const char *figure, double value, const char *unit)
{
	int rc = bench_result(out_path, label, "dynalite", figure, value, unit);

	if (rc < 0)
		bench_die("cannot write %s: %s", out_path, strerror(-rc));
}

typedef enum { W_PUT, W_GET, W_QUERY } work_kind;

typedef struct worker {
	pthread_t th;
	work_kind kind;
	unsigned long first, count, stride, offset; /* items first + offset + k*stride */
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	unsigned long i;
	dyn_conn c;

	dyn_open(&c, port);
	for (i = w->first + w->offset; i < w->first + w->count; i += w->stride) {
		if (w->kind == W_PUT)
			dyn_put_item(&c, NULL, i);
		else if (w->kind == W_GET)
			dyn_get_item(&c, i);
		else if (dyn_query_all(&c, "q1000") != QUERY_ITEMS)
			bench_die("Query did not see %d items", QUERY_ITEMS);
	}
	dyn_close(&c);
	return NULL;
}

/* count operations of kind over items first.., by nthreads connections
 * each with one request in flight: ops/s. */
static double run_workers(work_kind kind, unsigned long first, unsigned long count, int nthreads)
{
	worker w[INFLIGHT];
	double t0 = bench_now();
	int k;

	for (k = 0; k < nthreads; k++) {
		w[k] = (worker){ .kind = kind, .first = first, .count = count,
				 .stride = (unsigned long)nthreads, .offset = (unsigned long)k };
		if (nthreads == 1)
			work(&w[k]);
		else if (pthread_create(&w[k].th, NULL, work, &w[k]) != 0)
			bench_die("pthread_create failed");
	}
	for (k = 0; nthreads > 1 && k < nthreads; k++)
		pthread_join(w[k].th, NULL);
	return (double)count / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", 1, NULL, 'p' }, { "n", 1, NULL, 'n' }, { "out", 1, NULL, 'o' },
		{ "label", 1, NULL, 'l' }, { "no-create", 0, NULL, 'c' }, { NULL, 0, NULL, 0 }
	};
	unsigned long n = 2000, i;
	int ch, create = 1;
	double t0;
	dyn_conn c;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (ch == 'o')
			out_path = optarg;
		else if (ch == 'l')
			label = strtoul(optarg, NULL, 10);
		else if (ch == 'c')
			create = 0;
		else
			return 2;
	}
	if (port <= 0 || n == 0)
		bench_die("usage: dynaclient --port P --n N --out FILE [--label L] [--no-create]");
	if (!label)
		label = n;

	dyn_open(&c, port);
	if (create)
		dyn_create_table(&c);
	/* node compiles its hot paths as it goes: warm them before the clock;
	 * items from 9,000,000 on are nobody else's */
	run_workers(W_PUT, 9100000, 2000, 1);
	run_workers(W_GET, 9100000, 2000, 1);
	result("put_item", run_workers(W_PUT, 8000000, n, 1), "ops/s");
	result("get_item", run_workers(W_GET, 8000000, n, 1), "ops/s");
	result("put_item_8", run_workers(W_PUT, 8000000 + n, n, INFLIGHT), "ops/s");
	result("get_item_8", run_workers(W_GET, 8000000 + n, n, INFLIGHT), "ops/s");

	for (i = 0; i < QUERY_ITEMS; i++)
		dyn_put_item(&c, "q1000", 7000000 + i);
	t0 = bench_now();
	for (i = 0; i < QUERIES; i++)
		if (dyn_query_all(&c, "q1000") != QUERY_ITEMS)
			bench_die("Query did not see %d items", QUERY_ITEMS);
	result("query_1k", (bench_now() - t0) / QUERIES, "s");
	result("query_1k_8", 1.0 / run_workers(W_QUERY, 0, 2 * INFLIGHT, INFLIGHT), "s");
	dyn_close(&c);
	return 0;
}
