/* One endpoint of DynamoDB's API measured (SPEC §18): PutItem, GetItem,
 * UpdateItem with a condition and a 1,000-item Query over loopback HTTP,
 * sequential (with p50 and p99 latencies) and 8 in flight (one keep-alive
 * connection each), on 1 KB items like the mount's. The same client
 * measures dynalite and ddbfs's own endpoint (--system names which).
 * (bench run --dynalite also pairs sequential puts and gets with the mounts.)
 * --first-since NS: only the first answer of a server started at NS;
 * --gets-among M: only N sequential GetItems of items spread over 0..M-1.
 * Usage: dynaclient --port P --n N --out FILE [--label L] [--system S]
 *        [--first-since NS | --gets-among M] */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
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
static const char *system_name = "dynalite";

static void result(const char *figure, double value, const char *unit)
{
	int rc = bench_result(out_path, label, system_name, figure, value, unit);

	if (rc < 0)
		bench_die("cannot write %s: %s", out_path, strerror(-rc));
}

typedef enum { W_PUT, W_GET, W_UPDATE, W_QUERY } work_kind;

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
		else if (w->kind == W_UPDATE)
			dyn_update_item(&c, i);
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The first answer of a server started at since_ns (CLOCK_REALTIME):
 * connect every 0.2 ms until one is accepted, then ListTables; the
 * milliseconds from the start to that answer. */
static double first_answer(long long since_ns)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timespec now;
	dyn_conn c;
	int fd, tries;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0; tries < 50000; tries++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			bench_die("socket failed");
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		usleep(200);
	}
	if (tries == 50000)
		bench_die("nothing listens on port %d after 10 s", port);
	close(fd);
	dyn_open(&c, port);
	if (dyn_call(&c, "ListTables", "{}", 2) != 200)
		bench_die("ListTables: HTTP %d: %.300s", c.status, c.body.p);
	clock_gettime(CLOCK_REALTIME, &now);
	dyn_close(&c);
	return ((double)now.tv_sec * 1e9 + (double)now.tv_nsec - (double)since_ns) / 1e6;
}

/* count sequential GetItems of items spread over 0..among-1: p50 and p99
 * as figures get_item_p50 and get_item_p99. */
static void gets_among(unsigned long count, unsigned long among)
{
	double *lat = malloc(count * sizeof(*lat)), t;
	unsigned long i;
	dyn_conn c;

	if (!lat)
		bench_die("out of memory");
	dyn_open(&c, port);
	for (i = 0; i < count; i++) {
		t = bench_now();
		dyn_get_item(&c, (i * 7919 + 13) % among);
		lat[i] = bench_now() - t;
	}
	dyn_close(&c);
	qsort(lat, count, sizeof(*lat), cmp_double);
	result("get_item_p50", lat[count / 2] * 1e3, "ms");
	result("get_item_p99", lat[count * 99 / 100] * 1e3, "ms");
	free(lat);
}

/* count sequential operations of kind over items first..: ops/s, with
 * the p50 and p99 of their latencies as figures NAME_p50 and NAME_p99. */
static double run_timed(work_kind kind, unsigned long first, unsigned long count,
			const char *name)
{
	double *lat = malloc(count * sizeof(*lat)), t0 = bench_now(), t, total;
	char fig[64];
	unsigned long i;
	dyn_conn c;

	if (!lat)
		bench_die("out of memory");
	dyn_open(&c, port);
	for (i = 0; i < count; i++) {
		t = bench_now();
		if (kind == W_PUT)
			dyn_put_item(&c, NULL, first + i);
		else if (kind == W_GET)
			dyn_get_item(&c, first + i);
		else
			dyn_update_item(&c, first + i);
		lat[i] = bench_now() - t;
	}
	total = bench_now() - t0;
	dyn_close(&c);
	qsort(lat, count, sizeof(*lat), cmp_double);
	snprintf(fig, sizeof(fig), "%s_p50", name);
	result(fig, lat[count / 2] * 1e3, "ms");
	snprintf(fig, sizeof(fig), "%s_p99", name);
	result(fig, lat[count * 99 / 100] * 1e3, "ms");
	free(lat);
	return (double)count / total;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", 1, NULL, 'p' }, { "n", 1, NULL, 'n' }, { "out", 1, NULL, 'o' },
		{ "label", 1, NULL, 'l' }, { "no-create", 0, NULL, 'c' }, { "system", 1, NULL, 's' },
		{ "first-since", 1, NULL, 'f' }, { "gets-among", 1, NULL, 'g' }, { NULL, 0, NULL, 0 }
	};
	unsigned long n = 2000, i, among = 0;
	long long since = 0;
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
		else if (ch == 's')
			system_name = optarg;
		else if (ch == 'f')
			since = strtoll(optarg, NULL, 10);
		else if (ch == 'g')
			among = strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (port <= 0 || n == 0)
		bench_die("usage: dynaclient --port P --n N --out FILE [--label L] [--no-create] "
			  "[--system NAME]");
	if (!label)
		label = n;
	if (since) {
		result("first_answer", first_answer(since), "ms");
		return 0;
	}
	if (among) {
		gets_among(n, among);
		return 0;
	}

	dyn_open(&c, port);
	if (create)
		dyn_create_table(&c);
	/* node compiles its hot paths as it goes: warm them before the clock;
	 * items from 9,000,000 on are nobody else's */
	run_workers(W_PUT, 9100000, 2000, 1);
	run_workers(W_GET, 9100000, 2000, 1);
	result("put_item", run_timed(W_PUT, 8000000, n, "put_item"), "ops/s");
	result("get_item", run_timed(W_GET, 8000000, n, "get_item"), "ops/s");
	result("update_item", run_timed(W_UPDATE, 8000000, n, "update_item"), "ops/s");
	result("put_item_8", run_workers(W_PUT, 8000000 + n, n, INFLIGHT), "ops/s");
	result("get_item_8", run_workers(W_GET, 8000000 + n, n, INFLIGHT), "ops/s");
	result("update_item_8", run_workers(W_UPDATE, 8000000 + n, n, INFLIGHT), "ops/s");

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
