/* The benchmark's report (SPEC §18): reads the result lines the bench
 * programs appended ("n target figure value unit"), prints the figures
 * side by side with the ratios and the targets, and writes them
 * all as JSON (fields documented in bench/README.md).
 * Usage: report RESULTS [--json FILE] [--command TEXT] [--load LOADAVG] */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

typedef struct fig {
	unsigned long n;
	char target[32], figure[40], unit[16];
	double value;
} fig;

static fig *figs;
static size_t nfigs;

static double get(unsigned long n, const char *target, const char *figure)
{
	size_t i;

	/* the last line wins: a rerun of a target replaces its figures */
	for (i = nfigs; i-- > 0;)
		if (figs[i].n == n && strcmp(figs[i].target, target) == 0 &&
		    strcmp(figs[i].figure, figure) == 0)
			return figs[i].value;
	return NAN;
}

static int load(const char *path)
{
	char line[512];
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		fig g;

		if (sscanf(line, "%lu %31s %39s %lf %15s", &g.n, g.target, g.figure, &g.value,
			   g.unit) != 5)
			continue;
		if (nfigs == cap) {
			fig *v = realloc(figs, (cap = cap ? cap * 2 : 256) * sizeof(*v));

			if (!v) {
				fclose(f);
				return -ENOMEM;
			}
			figs = v;
		}
		figs[nfigs++] = g;
	}
	fclose(f);
	return 0;
}

/* The N of the mount-level runs, in the order they ran. */
static unsigned long ns[8];
static int nns;

static void find_ns(void)
{
	size_t i;
	int k;

	for (i = 0; i < nfigs; i++) {
		if (strcmp(figs[i].figure, "put") != 0 || strcmp(figs[i].target, "ddbfs") != 0)
			continue;
		for (k = 0; k < nns && ns[k] != figs[i].n; k++)
			;
		if (k == nns && nns < 8)
			ns[nns++] = figs[i].n;
	}
}

/* One row of the side-by-side table. */
typedef struct row {
	const char *figure;
	const char *label;
	int is_time;            /* seconds, shown in ms; lower is better */
} row;

static const row rows[] = {
	{ "put", "put (create+write+close)", 0 },
	{ "put_big", "put into a 10,000-item dir", 0 },
	{ "stat", "stat (cold dentries)", 0 },
	{ "cold_read", "cold read (caches dropped)", 0 },
	{ "hot_read", "hot read", 0 },
	{ "warm_stat", "stat after reads", 0 },
	{ "delete", "delete", 0 },
	{ "ls_f", "ls -f 10,000 items (cold)", 1 },
	{ "ls_l", "ls -l 10,000 items (cold)", 1 },
	{ "cat_1k", "cat 1,000 items (cold)", 1 },
	{ "cp_r", "cp -r 10,000 items in", 1 },
	{ "rsync_in", "rsync -a 10,000 items in", 1 },
	{ "rsync_out", "rsync -a 10,000 items out", 1 },
	{ "grep_r", "grep -r 10,000 items", 1 },
	{ "rm_r", "rm -r 10,000 items", 1 },
	{ "rss_loaded", "daemon VmRSS after loading (MB)", 2 },
	{ "rss_loaded_anon", "  of which RssAnon (MB)", 2 },
	{ "rss_end", "daemon VmRSS at the end (MB)", 2 },
};

static void cell(double v, int is_time)
{
	if (isnan(v))
		printf(" %10s", "-");
	else if (is_time == 1)
		printf(" %9.1fms", v * 1000);
	else if (v >= 1000)
		printf(" %10.0f", v);
	else
		printf(" %10.2f", v);
}

static void ratio_cell(double a, double b)
{
	if (isnan(a) || isnan(b) || b == 0)
		printf(" %10s", "-");
	else
		printf(" %10.2f", a / b);
}

static void print_run(unsigned long n)
{
	size_t i;

	printf("\nN = %lu items of 1 KB in 100 partitions (ops/s, or time)\n", n);
	printf("%-34s %10s %10s %10s %10s %10s\n", "figure", "tmpfs", "ceiling", "ddbfs",
	       "ddbfs/ceil", "ddbfs/tmpfs");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const row *r = &rows[i];
		double t = get(n, "tmpfs", r->figure), c = get(n, "ceiling", r->figure);
		double d = get(n, "ddbfs", r->figure);

		if (isnan(t) && isnan(c) && isnan(d))
			continue;
		printf("%-34s", r->label);
		cell(t, r->is_time);
		cell(c, r->is_time);
		cell(d, r->is_time);
		ratio_cell(d, c);
		ratio_cell(d, t);
		printf("\n");
	}
}

/* A target of the issue: num/den compared with want. */
typedef struct check {
	const char *label;
	const char *num_target, *num_fig;
	const char *den_target, *den_fig;
	double want;
	int at_most;           /* the ratio must be <= want (times, costs), else >= */
	unsigned long num_n, den_n; /* 0: the run's N */
	int once;              /* only for the first N */
} check;

static const check checks[] = {
	{ "put >= 0.8x ceiling", "ddbfs", "put", "ceiling", "put", 0.8, 0, 0, 0, 0 },
	{ "stat >= 0.8x ceiling", "ddbfs", "stat", "ceiling", "stat", 0.8, 0, 0, 0, 0 },
	{ "delete >= 0.8x ceiling", "ddbfs", "delete", "ceiling", "delete", 0.8, 0, 0, 0, 0 },
	{ "cold read >= 0.7x ceiling", "ddbfs", "cold_read", "ceiling", "cold_read", 0.7, 0, 0, 0,
	  0 },
	{ "hot read >= 1.0x ceiling", "ddbfs", "hot_read", "ceiling", "hot_read", 1.0, 0, 0, 0,
	  0 },
	{ "hot read >= 0.5x tmpfs (stretch)", "ddbfs", "hot_read", "tmpfs", "hot_read", 0.5, 0, 0,
	  0, 0 },
	{ "ls -f time <= 1.3x ceiling", "ddbfs", "ls_f", "ceiling", "ls_f", 1.3, 1, 0, 0, 0 },
	{ "ls -l time <= 1.3x ceiling", "ddbfs", "ls_l", "ceiling", "ls_l", 1.3, 1, 0, 0, 0 },
	{ "rsync in time <= 1.3x ceiling", "ddbfs", "rsync_in", "ceiling", "rsync_in", 1.3, 1, 0,
	  0, 0 },
	{ "rsync out time <= 1.3x ceiling", "ddbfs", "rsync_out", "ceiling", "rsync_out", 1.3, 1,
	  0, 0, 0 },
	{ "grep -r time <= 1.3x ceiling", "ddbfs", "grep_r", "ceiling", "grep_r", 1.3, 1, 0, 0,
	  0 },
	{ "cp -r time <= 1.3x ceiling", "ddbfs", "cp_r", "ceiling", "cp_r", 1.3, 1, 0, 0, 0 },
	{ "engine put >= 0.3x raw LMDB", "lmdb", "eng_put", "lmdb", "raw_put", 0.3, 0, 0, 0, 0 },
	{ "engine get+render >= 0.3x raw LMDB", "lmdb", "eng_get_render", "lmdb", "raw_get", 0.3,
	  0, 0, 0, 0 },
	{ "engine get+render, warm cache >= 1.0x raw", "lmdb", "eng_get_cached", "lmdb",
	  "raw_get_warm", 1.0, 0, 0, 0, 0 },
	/* capacity accounting costs at most 3% (SPEC §10) */
	{ "metered put >= 0.97x unmetered", "lmdb", "eng_put_metered", "lmdb",
	  "eng_put_unmetered", 0.97, 0, 0, 0, 0 },
	{ "metered get+render >= 0.97x unmetered", "lmdb", "eng_get_metered", "lmdb",
	  "eng_get_unmetered", 0.97, 0, 0, 0, 0 },
	{ "cold read, daemon cache warm >= 1.2x cache=off", "ddbfs_cache", "cold_read_warm",
	  "ddbfs_nocache", "cold_read_warm", 1.2, 0, 0, 0, 0 },
	{ "put >= 2x dynalite PutItem", "ddbfs", "put", "dynalite", "put_item_paired", 2.0, 0, 0,
	  0, 1 },
	{ "cold read >= 3x dynalite GetItem", "ddbfs", "cold_read", "dynalite", "get_item_paired",
	  3.0, 0, 0, 0, 1 },
	{ "sync=always put >= 0.8x raw durable", "ddbfs", "put_sync_always", "lmdb",
	  "raw_put_durable_paired", 0.8, 0, 0, 0, 1 },
	{ "engine durable put >= 0.8x raw durable", "lmdb", "eng_put_durable", "lmdb",
	  "raw_put_durable", 0.8, 0, 0, 0, 0 },
	/* points in time (bench/pitr.c): costs, so at most */
	{ "point get+render <= 2x live (engine)", "engine", "point_get", "engine", "live_get",
	  2.0, 1, 10000, 10000, 1 },
	{ "point ls of 10k partition <= 2x live", "engine", "point_list", "engine", "live_list",
	  2.0, 1, 10000, 10000, 1 },
	{ "open a point, 200k items <= 1.5x 10k", "engine", "point_open", "engine", "point_open",
	  1.5, 1, 200000, 10000, 1 },
	{ "point cold read >= 0.5x live (mount)", "point", "cold_read", "live", "cold_read", 0.5,
	  0, 10000, 10000, 1 },
	{ "point walk of 10k <= 2x live (mount)", "point", "walk_all", "live", "walk_all", 2.0, 1,
	  10000, 10000, 1 },
	/* backups (run.sh run_backups): cp -r over the backup is how much faster */
	{ "backup 100k >= 10x faster than cp -r", "ddbfs", "cp_r_table", "ddbfs", "backup", 10.0,
	  0, 100000, 100000, 1 },
	{ "writer put during backups >= 0.7x alone", "during", "put_writer", "alone",
	  "put_writer", 0.7, 0, 100000, 100000, 1 },
	{ "restore 100k <= cp -r of 10k (time)", "ddbfs", "restore", "ddbfs", "cp_r_10k", 1.0, 1,
	  100000, 10000, 1 },
	/* export and import (run.sh run_transfer): times, so rsync's over ours */
	{ "export 100k >= 5x faster than rsync -a out", "ddbfs", "rsync_out_table", "ddbfs",
	  "export", 5.0, 0, 100000, 100000, 1 },
	{ "import 100k >= 5x faster than rsync -a in", "ddbfs", "rsync_in_table", "ddbfs", "import",
	  5.0, 0, 100000, 100000, 1 },
	{ "import 100k >= 0.3x raw LMDB batched puts", "lmdb", "raw_put_batched", "ddbfs", "import",
	  0.3, 0, 100000, 100000, 1 },
	{ "import RSS growth <= 64 MB", "ddbfs", "import_rss_growth", "ddbfs", "import_rss_limit",
	  1.0, 1, 100000, 100000, 1 },
	{ "import 1M: RSS growth <= 64 MB", "ddbfs", "import_rss_growth", "ddbfs",
	  "import_rss_limit", 1.0, 1, 1000000, 1000000, 1 },
	/* the endpoint (run.sh run_endpoint): the same client on both */
	{ "endpoint PutItem >= 5x dynalite", "ddbfs_api", "put_item", "dynalite", "put_item", 5.0,
	  0, 0, 0, 1 },
	{ "endpoint GetItem >= 5x dynalite", "ddbfs_api", "get_item", "dynalite", "get_item", 5.0,
	  0, 0, 0, 1 },
	{ "endpoint UpdateItem >= 5x dynalite", "ddbfs_api", "update_item", "dynalite",
	  "update_item", 5.0, 0, 0, 0, 1 },
	{ "endpoint PutItem, 8 in flight >= 5x", "ddbfs_api", "put_item_8", "dynalite",
	  "put_item_8", 5.0, 0, 0, 0, 1 },
	{ "endpoint GetItem, 8 in flight >= 5x", "ddbfs_api", "get_item_8", "dynalite",
	  "get_item_8", 5.0, 0, 0, 0, 1 },
	{ "endpoint UpdateItem, 8 in flight >= 5x", "ddbfs_api", "update_item_8", "dynalite",
	  "update_item_8", 5.0, 0, 0, 0, 1 },
	{ "endpoint Query 1k time <= 0.2x dynalite", "ddbfs_api", "query_1k", "dynalite",
	  "query_1k", 0.2, 1, 0, 0, 1 },
	{ "endpoint Query 1k, 8 in flight <= 0.2x", "ddbfs_api", "query_1k_8", "dynalite",
	  "query_1k_8", 0.2, 1, 0, 0, 1 },
	{ "endpoint GetItem p50 <= 0.1 ms", "ddbfs_api", "get_item_p50", "ddbfs_api",
	  "p50_limit", 1.0, 1, 0, 0, 1 },
	{ "endpoint PutItem p50 <= 0.1 ms", "ddbfs_api", "put_item_p50", "ddbfs_api",
	  "p50_limit", 1.0, 1, 0, 0, 1 },
	{ "ddbfs serve first answer <= 50 ms", "ddbfs_api", "first_answer", "ddbfs_api",
	  "first_answer_limit", 1.0, 1, 0, 0, 1 },
	{ "endpoint GetItem p50, 1M <= 1.5x 10k", "ddbfs_api", "get_item_p50", "ddbfs_api",
	  "get_item_p50", 1.5, 1, 1000000, 10000, 1 },
};

/* Scale (make bench-scale): cost per op at 1,000,000 items over 10,000. */
static const char *scale_figs[] = { "sample_stat", "sample_read", "sample_put", "sample_delete",
				    "eng_put", "eng_get_render", "eng_delete" };

static cJSON *check_json(const char *label, unsigned long n, double num, double den,
			 double want, int at_most, int *met)
{
	cJSON *o = cJSON_CreateObject();
	double r = num / den;

	*met = at_most ? r <= want : r >= want;
	cJSON_AddStringToObject(o, "check", label);
	cJSON_AddNumberToObject(o, "n", (double)n);
	cJSON_AddNumberToObject(o, "ratio", round(r * 1000) / 1000);
	cJSON_AddStringToObject(o, "want", at_most ? "<=" : ">=");
	cJSON_AddNumberToObject(o, "limit", want);
	cJSON_AddBoolToObject(o, "met", *met);
	printf("%-42s N=%-8lu %8.3f   %s %-5g %s\n", label, n, r, at_most ? "<=" : ">=", want,
	       *met ? "met" : "MISSED");
	return o;
}

static void add_check(cJSON *arr, const check *c, unsigned long n)
{
	unsigned long nn = c->num_n ? c->num_n : n, dn = c->den_n ? c->den_n : n;
	double num = get(nn, c->num_target, c->num_fig), den = get(dn, c->den_target, c->den_fig);
	int met;

	if (isnan(num) || isnan(den) || den == 0)
		return;
	cJSON_AddItemToArray(arr, check_json(c->label, n, num, den, c->want, c->at_most, &met));
}

static void machine(cJSON *root, const char *load_start)
{
	cJSON *m = cJSON_AddObjectToObject(root, "machine");
	char line[256], model[256] = "?";
	struct utsname u;
	long mem_kb = 0;
	FILE *f;

	cJSON_AddNumberToObject(m, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
	if ((f = fopen("/proc/cpuinfo", "r"))) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
				snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	if ((f = fopen("/proc/meminfo", "r"))) {
		if (fgets(line, sizeof(line), f))
			sscanf(line, "MemTotal: %ld", &mem_kb);
		fclose(f);
	}
	cJSON_AddStringToObject(m, "cpu_model", model);
	cJSON_AddNumberToObject(m, "mem_mb", (double)(mem_kb / 1024));
	if (uname(&u) == 0) {
		cJSON_AddStringToObject(m, "kernel", u.release);
		cJSON_AddStringToObject(m, "hostname", u.nodename);
	}
	printf("machine: %d cpus, %s, %ld MB, Linux %s\n", (int)sysconf(_SC_NPROCESSORS_ONLN),
	       model, mem_kb / 1024, uname(&u) == 0 ? u.release : "?");
	/* other work on a shared machine is the noise in every figure */
	line[0] = '\0';
	if ((f = fopen("/proc/loadavg", "r"))) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, " ")] = '\0';
	cJSON_AddStringToObject(m, "load_before", load_start ? load_start : "?");
	cJSON_AddStringToObject(m, "load_after", line);
	printf("load average (1 min): %s before the run, %s after it\n",
	       load_start ? load_start : "?", line);
}

static void print_pairs(const char *title, unsigned long n, const char *const *pairs)
{
	printf("\n%s\n", title);
	for (; pairs[0]; pairs += 4) {
		double a = get(n, pairs[0], pairs[1]), b = get(n, pairs[2], pairs[3]);

		if (isnan(a) && isnan(b))
			continue;
		printf("  %-10s %-18s", pairs[0], pairs[1]);
		cell(a, 0);
		printf("   %-10s %-18s", pairs[2], pairs[3]);
		cell(b, 0);
		ratio_cell(a, b);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	static const char *const lmdb_pairs[] = {
		"lmdb", "eng_put", "lmdb", "raw_put",
		"lmdb", "eng_get_render", "lmdb", "raw_get",
		"lmdb", "eng_get_fill", "lmdb", "raw_get_fill",
		"lmdb", "eng_get_cached", "lmdb", "raw_get_warm",
		"lmdb", "eng_put_metered", "lmdb", "eng_put_unmetered",
		"lmdb", "eng_get_metered", "lmdb", "eng_get_unmetered",
		"lmdb", "eng_put_durable", "lmdb", "raw_put_durable",
		"ddbfs", "put_sync_always", "lmdb", "raw_put_durable_paired",
		NULL
	};
	static const char *const dyn_pairs[] = {
		"ddbfs", "put", "dynalite", "put_item_paired",
		"ddbfs", "cold_read", "dynalite", "get_item_paired",
		"ddbfs", "hot_read", "dynalite", "get_item_paired",
		"ddbfs", "put", "dynalite", "put_item",
		"ddbfs", "cold_read", "dynalite", "get_item",
		"ddbfs", "put", "dynalite", "put_item_8",
		"ddbfs", "cold_read", "dynalite", "get_item_8",
		NULL
	};
	static const char *const api_pairs[] = {
		"ddbfs_api", "put_item", "dynalite", "put_item",
		"ddbfs_api", "get_item", "dynalite", "get_item",
		"ddbfs_api", "update_item", "dynalite", "update_item",
		"ddbfs_api", "put_item_8", "dynalite", "put_item_8",
		"ddbfs_api", "get_item_8", "dynalite", "get_item_8",
		"ddbfs_api", "update_item_8", "dynalite", "update_item_8",
		NULL
	};
	const char *json_path = NULL, *command = "?", *results = NULL, *load_avg = NULL;
	cJSON *root, *arr, *checks_arr;
	char stamp[64], *text;
	time_t now = time(NULL);
	size_t i;
	int k, a, misses = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0 && a + 1 < argc)
			json_path = argv[++a];
		else if (strcmp(argv[a], "--command") == 0 && a + 1 < argc)
			command = argv[++a];
		else if (strcmp(argv[a], "--load") == 0 && a + 1 < argc)
			load_avg = argv[++a];
		else
			results = argv[a];
	}
	if (!results) {
		fprintf(stderr, "usage: report RESULTS [--json FILE] [--command TEXT] [--load L]\n");
		return 2;
	}
	if ((k = load(results)) < 0) {
		fprintf(stderr, "report: %s: %s\n", results, strerror(-k));
		return 1;
	}
	find_ns();
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "schema", "ddbfs-bench/1");
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	cJSON_AddStringToObject(root, "date", stamp);
	cJSON_AddStringToObject(root, "command", command);
	printf("\n==== ddbfs benchmark (%s, %s)\n", command, stamp);
	machine(root, load_avg);

	for (k = 0; k < nns; k++)
		print_run(ns[k]);
	if (nns) {
		for (k = 0; k < nns; k++) {
			char title[160];

			snprintf(title, sizeof(title),
				 "engine and raw LMDB in one process, N = %lu (ops/s; last column: "
				 "first/second)", ns[k]);
			print_pairs(title, ns[k], lmdb_pairs);
		}
		print_pairs("ddbfs and dynalite over loopback HTTP (ops/s; _paired: taking turns "
			    "with the mounts; _8: 8 in flight)",
			    ns[0], dyn_pairs);
		if (!isnan(get(ns[0], "dynalite", "query_1k")) && !isnan(get(ns[0], "ddbfs", "cat_1k")))
			printf("  1,000-item partition: ddbfs cat %.1f ms, ceiling cat %.1f ms, "
			       "dynalite Query %.1f ms (8 in flight: %.1f ms each)\n",
			       get(ns[0], "ddbfs", "cat_1k") * 1000,
			       get(ns[0], "ceiling", "cat_1k") * 1000,
			       get(ns[0], "dynalite", "query_1k") * 1000,
			       get(ns[0], "dynalite", "query_1k_8") * 1000);
	}
	if (nns && !isnan(get(ns[0], "ddbfs_api", "get_item"))) {
		static const char *const lat[] = { "put_item", "get_item", "update_item" };
		char f50[64], f99[64];

		print_pairs("the endpoint (ddbfs serve) and dynalite, one client, same requests "
			    "(ops/s; _8: 8 in flight)", ns[0], api_pairs);
		printf("  latency (ms)        ddbfs p50   p99   dynalite p50   p99\n");
		for (i = 0; i < sizeof(lat) / sizeof(lat[0]); i++) {
			snprintf(f50, sizeof(f50), "%s_p50", lat[i]);
			snprintf(f99, sizeof(f99), "%s_p99", lat[i]);
			printf("  %-18s %9.3f %7.3f %12.3f %7.3f\n", lat[i],
			       get(ns[0], "ddbfs_api", f50), get(ns[0], "ddbfs_api", f99),
			       get(ns[0], "dynalite", f50), get(ns[0], "dynalite", f99));
		}
		printf("  Query of 1,000 items: ddbfs %.2f ms, dynalite %.2f ms; ddbfs serve's "
		       "first answer %.1f ms after start\n",
		       get(ns[0], "ddbfs_api", "query_1k") * 1000,
		       get(ns[0], "dynalite", "query_1k") * 1000,
		       get(ns[0], "ddbfs_api", "first_answer"));
	}
	if (nns && !isnan(get(ns[0], "ceiling_noopen", "hot_read"))) {
		unsigned long n = ns[0];

		printf("\nthe hot-read lever, N = %lu (ops/s): a ceiling whose open and flush "
		       "answer ENOSYS\n(no OPEN, RELEASE, FLUSH) beside the ordinary one, same run\n", n);
		printf("  %-26s %10s %10s %10s\n", "", "ceiling", "no-open", "tmpfs");
		printf("  %-26s", "cold read");
		cell(get(n, "ceiling_open", "cold_read"), 0);
		cell(get(n, "ceiling_noopen", "cold_read"), 0);
		cell(get(n, "tmpfs", "cold_read"), 0);
		printf("\n  %-26s", "hot read");
		cell(get(n, "ceiling_open", "hot_read"), 0);
		cell(get(n, "ceiling_noopen", "hot_read"), 0);
		cell(get(n, "tmpfs", "hot_read"), 0);
		printf("\n  open-less hot read / tmpfs hot read (earlier in the run): %.2f\n",
		       get(n, "ceiling_noopen", "hot_read") / get(n, "tmpfs", "hot_read"));
	}
	if (nns && !isnan(get(ns[0], "ddbfs_cache", "cold_read_warm"))) {
		unsigned long n = ns[0];

		printf("\nthe cache, N = %lu: a cold read (kernel caches dropped) with the daemon's "
		       "cache warm\n  cache on %.0f ops/s, cache=off %.0f ops/s (%.2fx); daemon "
		       "VmRSS then %.0f MB and %.0f MB\n",
		       n, get(n, "ddbfs_cache", "cold_read_warm"),
		       get(n, "ddbfs_nocache", "cold_read_warm"),
		       get(n, "ddbfs_cache", "cold_read_warm") /
			       get(n, "ddbfs_nocache", "cold_read_warm"),
		       get(n, "ddbfs_cache", "rss_cached"), get(n, "ddbfs_nocache", "rss_cached"));
	}
	if (!isnan(get(1000000, "ddbfs", "sample_put")) || !isnan(get(1000000, "engine", "eng_put"))) {
		printf("\nscale: cost per operation at 10,000 and 1,000,000 items (us/op)\n");
		for (i = 0; i < sizeof(scale_figs) / sizeof(scale_figs[0]); i++) {
			const char *t = strncmp(scale_figs[i], "eng_", 4) == 0 ? "engine" : "ddbfs";
			double a1 = get(10000, t, scale_figs[i]), b1 = get(1000000, t, scale_figs[i]);

			if (isnan(a1) && isnan(b1))
				continue;
			printf("  %-7s %-16s", t, scale_figs[i]);
			cell(a1, 0);
			cell(b1, 0);
			ratio_cell(b1, a1);
			printf("\n");
		}
		{
			double a1 = get(10000, "lmdb", "raw_get_random");
			double b1 = get(1000000, "lmdb", "raw_get_random");

			if (!isnan(a1) || !isnan(b1)) {
				printf("  %-7s %-16s", "lmdb", "raw_get_random");
				cell(a1, 0);
				cell(b1, 0);
				ratio_cell(b1, a1);
				printf("   (the baseline: a raw LMDB get of the same items)\n");
			}
		}
		printf("  (engine: after listing the whole table, %.1f s and %.1f s; "
		       "DATA_DIR %.0f MB and %.0f MB)\n",
		       get(10000, "engine", "list_all"), get(1000000, "engine", "list_all"),
		       get(10000, "engine", "data_mb"), get(1000000, "engine", "data_mb"));
		printf("  ddbfs daemon after listing all (%.1f s and %.1f s): VmRSS %.0f MB "
		       "(RssAnon %.0f MB) at 10,000; %.0f MB (%.0f MB) at 1,000,000\n",
		       get(10000, "ddbfs", "walk_all"), get(1000000, "ddbfs", "walk_all"),
		       get(10000, "ddbfs", "rss_walked"), get(10000, "ddbfs", "rss_walked_anon"),
		       get(1000000, "ddbfs", "rss_walked"),
		       get(1000000, "ddbfs", "rss_walked_anon"));
	}

	if (!isnan(get(10000, "space", "disk_1k")) || !isnan(get(873, "space", "disk_100k"))) {
		printf("\nspace: bytes DATA_DIR takes on disk per byte of item JSON\n");
		printf("  %-34s %8.2f   with a NEW_AND_OLD_IMAGES stream %8.2f\n",
		       "10,000 items of 1 KB", get(10000, "space", "disk_1k"),
		       get(10000, "space", "disk_1k_stream"));
		printf("  %-34s %8.2f   with a NEW_AND_OLD_IMAGES stream %8.2f\n",
		       "873 items of 100 KB", get(873, "space", "disk_100k"),
		       get(873, "space", "disk_100k_stream"));
	}

	if (!isnan(get(10000, "engine", "point_get"))) {
		printf("\npoints in time (engine; 1,000 changes made after the point)\n");
		printf("  get+render of a 1 KB item: live %.2f us, at a point %.2f us\n",
		       get(10000, "engine", "live_get"), get(10000, "engine", "point_get"));
		printf("  listing a 10,000-item partition: live %.2f ms, at a point %.2f ms\n",
		       get(10000, "engine", "live_list"), get(10000, "engine", "point_list"));
		printf("  opening a point: %.3f ms among 10,000 items, %.3f ms among 200,000\n",
		       get(10000, "engine", "point_open"), get(200000, "engine", "point_open"));
		printf("  through the mount, 10,000 items: cold read %.0f ops/s live, %.0f at a "
		       "point; hot read %.0f and %.0f; a walk of every partition %.1f ms and "
		       "%.1f ms\n",
		       get(10000, "live", "cold_read"), get(10000, "point", "cold_read"),
		       get(10000, "live", "hot_read"), get(10000, "point", "hot_read"),
		       get(10000, "live", "walk_all") * 1000, get(10000, "point", "walk_all") * 1000);
	}

	printf("\ntargets (issue 4)\n");
	checks_arr = cJSON_AddArrayToObject(root, "checks");
	for (k = 0; k < nns; k++)
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
			if (!checks[i].once || k == 0)
				add_check(checks_arr, &checks[i], ns[k]);
	for (i = 0; i < sizeof(scale_figs) / sizeof(scale_figs[0]); i++) {
		check c = { "scale: cost at 1M <= 1.3x at 10k", "ddbfs", scale_figs[i], "ddbfs",
			    scale_figs[i], 1.3, 1, 1000000, 10000, 1 };
		char label[96];

		if (strncmp(scale_figs[i], "eng_", 4) == 0)
			c.num_target = c.den_target = "engine";
		snprintf(label, sizeof(label), "scale %s %s: 1M <= 1.3x 10k", c.num_target,
			 scale_figs[i]);
		c.label = label;
		add_check(checks_arr, &c, 1000000);
	}
	for (k = 0; k < nns; k++) {
		double rss = get(ns[k], "ddbfs", "rss_loaded");
		int met;

		if (!isnan(rss) && ns[k] >= 100000)
			cJSON_AddItemToArray(checks_arr,
					     check_json("daemon VmRSS MB after loading <= 64", ns[k],
							rss, 1, 64, 1, &met));
	}
	for (k = 0; k < 2; k++) {
		unsigned long n = k ? 1000000 : 10000;
		int met;

		if (!isnan(get(n, "ddbfs", "rss_walked")))
			cJSON_AddItemToArray(checks_arr,
					     check_json("daemon VmRSS MB after listing all <= 64", n,
							get(n, "ddbfs", "rss_walked"), 1, 64, 1,
							&met));
	}
	cJSON_ArrayForEach(arr, checks_arr)
		misses += !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(arr, "met"));
	printf("%d of %d targets met\n", cJSON_GetArraySize(checks_arr) - misses,
	       cJSON_GetArraySize(checks_arr));

	arr = cJSON_AddArrayToObject(root, "figures");
	for (i = 0; i < nfigs; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "n", (double)figs[i].n);
		cJSON_AddStringToObject(o, "target", figs[i].target);
		cJSON_AddStringToObject(o, "figure", figs[i].figure);
		cJSON_AddNumberToObject(o, "value", figs[i].value);
		cJSON_AddStringToObject(o, "unit", figs[i].unit);
		cJSON_AddItemToArray(arr, o);
	}
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f || !(text = cJSON_Print(root)) || fputs(text, f) < 0 || fputc('\n', f) < 0) {
			fprintf(stderr, "report: cannot write %s\n", json_path);
			return 1;
		}
		free(text);
		fclose(f);
		printf("figures and checks written to %s\n", json_path);
	}
	cJSON_Delete(root);
	free(figs);
	return 0;
}
