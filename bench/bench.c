/* The mount-level driver of the benchmark (SPEC §18): runs the workload of
 * 1 KB JSON items on several trees side by side (a tmpfs, the FUSE ceiling,
 * a ddbfs mount), the targets taking turns, times each phase with
 * clock_gettime and appends result lines for bench/report.c. run.sh owns
 * the mounts; bench/README.md lists the phases and figures. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "dynclient.h"

/* The listing and whole-command figures use fixed sizes, whatever N is. */
#define BIG_ITEMS 10000   /* the partition that ls -f and ls -l list */
#define CAT_ITEMS 1000    /* the partition cat reads, as dynalite's Query */
/* Commands are timed several times (--reps R: cp -r, rsync, grep -r and
 * rm -r R times, the short ls and cat 2R - 1 times) and their median taken:
 * one run of a short command on a shared machine is mostly noise. */
#define MAX_REPS 9

#define MAX_TARGETS 4
#define CHUNK 500         /* items per turn of a target in a per-item phase */
#define DURABLE_CHUNK 50  /* ... when they are durable commits (slow, noisy) */
#define DYN_WARMUP 2000   /* dynalite requests before its clock starts */

typedef struct target {
	const char *name;      /* tmpfs, ceiling, ddbfs */
	const char *dir;       /* run: the mount; put, sample: the table dir */
	const char *pid_file;  /* a daemon's pid, for its memory */
	char table[4096];      /* where the items go */
	double spent;          /* seconds in the current phase */
	MDB_env *env;          /* the raw LMDB pseudo-target of put --lmdb-durable */
	MDB_dbi dbi;
	dyn_conn *dc;          /* the dynalite pseudo-target of run --dynalite */
	const char *figure;    /* a pseudo-target's figure, instead of the phase's */
} target;

typedef struct opts {
	target t[MAX_TARGETS];
	int nt;
	const char *out;       /* result lines */
	const char *src;       /* a prepared tree for cp and rsync (bench gen) */
	const char *scratch;   /* where rsync out writes (removed afterwards) */
	const char *figure;    /* put: the figure's name */
	const char *lmdb_dir;  /* put: raw durable LMDB commits beside the mount's */
	unsigned long n;       /* items; sample: items loaded */
	unsigned long k;       /* sample: operations per figure */
	unsigned long label;   /* the n of the result lines (default n) */
	int commands;          /* run: the whole-command figures too */
	int walk;              /* sample: list everything, then the daemon's memory */
	int drop;              /* drop_caches mode before "cold" phases (2 or 3) */
	unsigned long chunk;   /* items per turn in a phase */
	int reps;              /* rounds of the whole commands */
	int dyn_port;          /* run: dynalite's port (0: none) */
	int dyn_active;        /* the current phase includes dynalite */
} opts;

static char item_buf[BENCH_ITEM_LEN + 1];

static void result(const opts *o, const target *t, const char *figure, double value,
		   const char *unit)
{
	int rc = bench_result(o->out, o->label, t->name, figure, value, unit);

	if (rc < 0)
		bench_die("cannot write %s: %s", o->out, strerror(-rc));
}

/* Drop the kernel's caches (o->drop: 3 everything, 2 dentries and inodes
 * only), then wait for the FORGETs this sends the daemons to drain (until
 * each daemon we know of stops using CPU: with a million inodes that takes
 * seconds), so that they do not land on the next phase. */
static void drop(const opts *o)
{
	int k, quiet;

	bench_drop_caches(o->drop);
	usleep(100000);
	for (k = 0; k < o->nt; k++) {
		pid_t pid = o->t[k].pid_file ? bench_pid_from(o->t[k].pid_file) : -1;
		long last = pid > 0 ? bench_proc_ticks(pid) : -1, now;
		int waited;

		for (quiet = 0, waited = 0; last >= 0 && quiet < 2 && waited < 1000; waited++) {
			usleep(30000);
			now = bench_proc_ticks(pid);
			quiet = now == last ? quiet + 1 : 0;
			last = now;
		}
	}
}

static void mkdir_p1(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		bench_die("mkdir %s: %s", path, strerror(errno));
}

/* Where item i lives: spread over the partitions of dir (flat == NULL), or
 * in the one partition dir/flat, named by flat's first letter. */
static void item_path(char *out, size_t sz, const char *dir, const char *flat, unsigned long i)
{
	char part[8], sk[16];

	if (flat) {
		bench_path(out, sz, "%s/%s/%c%07lu.json", dir, flat, flat[0], i);
		return;
	}
	bench_item_key(part, sk, i);
	bench_path(out, sz, "%s/%s/%s.json", dir, part, sk);
}

static void put_one(const char *path, unsigned long i)
{
	size_t len = bench_item_json(item_buf, i);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0)
		bench_die("create %s: %s", path, strerror(errno));
	if (write(fd, item_buf, len) != (ssize_t)len)
		bench_die("write %s: %s", path, strerror(errno));
	if (close(fd) < 0)
		bench_die("close %s: %s", path, strerror(errno));
}

/* Read a whole file; returns its length. */
static size_t read_one(const char *path)
{
	char buf[8192], first = 0;
	size_t total = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		bench_die("open %s: %s", path, strerror(errno));
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (!total)
			first = buf[0];
		total += (size_t)got;
	}
	if (got < 0)
		bench_die("read %s: %s", path, strerror(errno));
	close(fd);
	if (total < BENCH_ITEM_LEN || first != '{')
		bench_die("%s: %zu bytes, not the item written", path, total);
	return total;
}

static void mkparts(const char *dir)
{
	char path[4096];
	int p;

	mkdir_p1(dir);
	for (p = 0; p < BENCH_PARTS; p++) {
		bench_path(path, sizeof(path), "%s/p%02d", dir, p);
		mkdir_p1(path);
	}
}

typedef enum { OP_PUT, OP_STAT, OP_READ, OP_UNLINK } op_kind;

static void do_op(op_kind op, const char *path, unsigned long i)
{
	struct stat st;

	switch (op) {
	case OP_PUT:
		put_one(path, i);
		break;
	case OP_STAT:
		if (stat(path, &st) < 0)
			bench_die("stat %s: %s", path, strerror(errno));
		if (st.st_size < BENCH_ITEM_LEN)
			bench_die("stat %s: size %lld", path, (long long)st.st_size);
		break;
	case OP_READ:
		read_one(path);
		break;
	case OP_UNLINK:
		if (unlink(path) < 0)
			bench_die("unlink %s: %s", path, strerror(errno));
		break;
	}
}

static void mdb_check(int rc, const char *what)
{
	if (rc != 0)
		bench_die("%s: %s", what, mdb_strerror(rc));
}

/* One put of item i's 1 KB in its own durable transaction (rawlmdb.c's
 * raw_put): the baseline of sync=always, on the same disk at the same
 * moments as the mount's puts. */
static void raw_put(target *t, unsigned long i)
{
	char key[32], part[8], sk[16];
	MDB_val k = { 0, key }, v = { bench_item_json(item_buf, i), item_buf };
	MDB_txn *txn;

	bench_item_key(part, sk, i);
	k.mv_size = (size_t)sprintf(key, "%s%c%s", part, 0, sk);
	mdb_check(mdb_txn_begin(t->env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_put(txn, t->dbi, &k, &v, 0), "mdb_put");
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
}

static void raw_open(target *t, const char *dir)
{
	MDB_txn *txn;

	mkdir_p1(dir);
	mdb_check(mdb_env_create(&t->env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(t->env, (size_t)1 << 30), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(t->env, dir, MDB_NOTLS, 0644), "mdb_env_open");
	mdb_check(mdb_txn_begin(t->env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, 0, &t->dbi), "mdb_dbi_open");
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
}

/*
 * op on items first..first+count-1 of every target, CHUNK items at a time,
 * the targets taking turns (in a rotating order), so that a noisy moment
 * of a shared machine falls on all of them alike. Reports ops/s per target
 * as figure (NULL: no report).
 */
static void phase(opts *o, const char *figure, const char *flat, unsigned long first,
		  unsigned long count, op_kind op)
{
	char path[4096];
	unsigned long base, i, turn = 0;
	int k;

	for (k = 0; k < o->nt; k++)
		o->t[k].spent = 0;
	for (base = first; base < first + count; base += o->chunk, turn++) {
		unsigned long end = base + o->chunk < first + count ? base + o->chunk : first + count;

		for (k = 0; k < o->nt; k++) {
			target *t = &o->t[(k + turn) % (unsigned long)o->nt];
			double t0 = bench_now();

			if (t->dc && !o->dyn_active)
				continue;
			for (i = base; i < end; i++) {
				if (t->env) {
					raw_put(t, i);
					continue;
				}
				if (t->dc) {
					if (op == OP_PUT)
						dyn_put_item(t->dc, NULL, i);
					else
						dyn_get_item(t->dc, i);
					continue;
				}
				item_path(path, sizeof(path), t->table, flat, i);
				do_op(op, path, i);
			}
			t->spent += bench_now() - t0;
		}
	}
	if (!figure)
		return;
	for (k = 0; k < o->nt; k++)
		if (!o->t[k].dc || o->dyn_active)
			result(o, &o->t[k], o->t[k].figure ? o->t[k].figure : figure,
			       (double)count / o->t[k].spent, "ops/s");
}

/*
 * Run argv with stdout on /dev/null (stderr stays, so a failure shows) and
 * return its wall time in seconds; exit codes above max_ok are fatal
 * (grep's 1 means "no match", which is what we ask it).
 */
static double run_cmd(char *const argv[], int max_ok)
{
	double t0 = bench_now();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		bench_die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) > max_ok)
		bench_die("%s %s ... failed (status %d)", argv[0], argv[1], status);
	return bench_now() - t0;
}

static void rm_tree(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };

	run_cmd(argv, 0);
}

static void report_rss(const opts *o, const target *t, const char *figure)
{
	char anon[64];
	pid_t pid;
	long kb;

	if (!t->pid_file)
		return;
	if ((pid = bench_pid_from(t->pid_file)) < 0 || (kb = bench_proc_kb(pid, "VmRSS:")) < 0) {
		fprintf(stderr, "bench: no daemon pid in %s; no memory figure\n", t->pid_file);
		return;
	}
	result(o, t, figure, (double)kb / 1024.0, "MB");
	/* the part that is not LMDB's file pages mapped in */
	if ((kb = bench_proc_kb(pid, "RssAnon:")) >= 0) {
		bench_path(anon, sizeof(anon), "%s_anon", figure);
		result(o, t, anon, (double)kb / 1024.0, "MB");
	}
}

/* The median of v[0..n-1], the lower one of an even count: the best of
 * two (reorders v). */
static double median(double *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[(n - 1) / 2];
}

/*
 * Time a command on every target, 2 * reps - 1 rounds with the targets
 * taking turns, each run after a cache drop; reports the median per target.
 * argv's slot path_at gets fmt formatted with the target's table dir.
 */
static void each_cmd(opts *o, const char *figure, char **argv, int path_at, const char *fmt,
		     int max_ok)
{
	double v[MAX_TARGETS][2 * MAX_REPS];
	char path[4096];
	int k, r, reps = 2 * o->reps - 1;

	for (r = 0; r < reps; r++)
		for (k = 0; k < o->nt; k++) {
			int x = (k + r) % o->nt;

			bench_path(path, sizeof(path), fmt, o->t[x].table);
			argv[path_at] = path;
			drop(o);
			v[x][r] = run_cmd(argv, max_ok);
		}
	for (k = 0; k < o->nt; k++)
		result(o, &o->t[k], figure, median(v[k], reps), "s");
}

enum { CP_R, RSYNC_IN, RSYNC_OUT, GREP_R, RM_R, NCMDS };
static const char *cmd_figures[NCMDS] = { "cp_r", "rsync_in", "rsync_out", "grep_r", "rm_r" };

/* One round of the whole commands on target t, into v[CP_R...]. The
 * commands that read the mount run after a cache drop; those that write
 * into a new directory need none. */
static void commands_once(opts *o, const target *t, double *v)
{
	char src_slash[4096], out_slash[4096], cpt[4096], rst[4096], rst_slash[4096];
	char *cp[] = { "cp", "-r", (char *)o->src, cpt, NULL };
	char *rs_in[] = { "rsync", "-a", src_slash, rst_slash, NULL };
	char *rs_out[] = { "rsync", "-a", rst_slash, out_slash, NULL };
	char *grep[] = { "grep", "-r", "-l", "no-such-needle", rst, NULL };
	char *rm[] = { "rm", "-r", cpt, NULL };

	bench_path(src_slash, sizeof(src_slash), "%s/", o->src);
	bench_path(out_slash, sizeof(out_slash), "%s/rsync-out/", o->scratch);
	bench_path(cpt, sizeof(cpt), "%s/CpTable", t->dir);
	bench_path(rst, sizeof(rst), "%s/RsyncTable", t->dir);
	bench_path(rst_slash, sizeof(rst_slash), "%s/", rst);

	v[CP_R] = run_cmd(cp, 0);
	v[RSYNC_IN] = run_cmd(rs_in, 0);
	drop(o);
	v[RSYNC_OUT] = run_cmd(rs_out, 0);
	rm_tree(out_slash);
	drop(o);
	v[GREP_R] = run_cmd(grep, 1);
	drop(o);
	v[RM_R] = run_cmd(rm, 0);
	rm_tree(rst);
}

/* The whole-command figures on the 10,000 items of o->src: o->reps
 * rounds, the targets taking turns; the median per target. */
static void commands(opts *o)
{
	double v[MAX_TARGETS][MAX_REPS][NCMDS], col[MAX_REPS];
	int k, r, c;

	for (r = 0; r < o->reps; r++)
		for (k = 0; k < o->nt; k++) {
			int x = (k + r) % o->nt;

			commands_once(o, &o->t[x], v[x][r]);
		}
	for (k = 0; k < o->nt; k++)
		for (c = 0; c < NCMDS; c++) {
			for (r = 0; r < o->reps; r++)
				col[r] = v[k][r][c];
			result(o, &o->t[k], cmd_figures[c], median(col, o->reps), "s");
		}
}

static int cmd_run(opts *o)
{
	unsigned long i;
	char path[4200];
	char *ls_f[] = { "ls", "-f", NULL, NULL };
	char *ls_l[] = { "ls", "-l", NULL, NULL };
	char *cat[] = { "sh", "-c", "exec cat \"$0\"/*", NULL, NULL };
	int k, p;

	for (k = 0; k < o->nt; k++) {
		bench_path(o->t[k].table, sizeof(o->t[k].table), "%s/Bench", o->t[k].dir);
		mkparts(o->t[k].table);
		bench_path(path, sizeof(path), "%s/big", o->t[k].table);
		mkdir_p1(path);
		bench_path(path, sizeof(path), "%s/q1000", o->t[k].table);
		mkdir_p1(path);
	}
	if (o->dyn_port) {
		/* dynalite takes its turns in put and cold read (PutItem, GetItem)
		 * only, as the mounts' peer: same items, same moments */
		static dyn_conn dc;

		dyn_open(&dc, o->dyn_port);
		dyn_create_table(&dc);
		/* node compiles its hot paths as it goes: warm them first (items
		 * from 9,000,000 on are nobody else's) */
		for (i = 9000000; i < 9000000 + DYN_WARMUP; i++)
			dyn_put_item(&dc, NULL, i);
		for (i = 9000000; i < 9000000 + DYN_WARMUP; i++)
			dyn_get_item(&dc, i);
		o->t[o->nt].name = "dynalite";
		o->t[o->nt].dc = &dc;
		o->t[o->nt++].figure = "put_item_paired";
		o->dyn_active = 1;
	}
	phase(o, "put", NULL, 0, o->n, OP_PUT);
	o->dyn_active = 0;
	phase(o, "put_big", "big", 0, BIG_ITEMS, OP_PUT);
	phase(o, NULL, "q1000", 0, CAT_ITEMS, OP_PUT);
	for (k = 0; k < o->nt; k++)
		report_rss(o, &o->t[k], "rss_loaded");

	drop(o);
	phase(o, "stat", NULL, 0, o->n, OP_STAT);
	drop(o);
	if (o->dyn_port) {
		o->t[o->nt - 1].figure = "get_item_paired";
		o->dyn_active = 1;
	}
	phase(o, "cold_read", NULL, 0, o->n, OP_READ);
	if (o->dyn_port) {
		o->dyn_active = 0;
		dyn_close(o->t[--o->nt].dc);
	}
	phase(o, "hot_read", NULL, 0, o->n, OP_READ);
	phase(o, "warm_stat", NULL, 0, o->n, OP_STAT);

	each_cmd(o, "ls_f", ls_f, 2, "%s/big", 0);
	each_cmd(o, "ls_l", ls_l, 2, "%s/big", 0);
	each_cmd(o, "cat_1k", cat, 3, "%s/q1000", 0);

	if (o->commands && o->src && o->scratch)
		commands(o);

	drop(o);
	phase(o, "delete", NULL, 0, o->n, OP_UNLINK);
	for (k = 0; k < o->nt; k++) {
		report_rss(o, &o->t[k], "rss_end");
		bench_path(path, sizeof(path), "%s/big", o->t[k].table);
		rm_tree(path);
		bench_path(path, sizeof(path), "%s/q1000", o->t[k].table);
		rm_tree(path);
		for (p = 0; p < BENCH_PARTS; p++) {
			bench_path(path, sizeof(path), "%s/p%02d", o->t[k].table, p);
			if (rmdir(path) < 0)
				bench_die("rmdir %s: %s", path, strerror(errno));
		}
		if (rmdir(o->t[k].table) < 0)
			bench_die("rmdir %s: %s", o->t[k].table, strerror(errno));
	}
	return 0;
}

/* reads: put n items, then cold and hot reads (the hot-read lever: an
 * open-less ceiling beside the ordinary one). */
/* Each target's table Bench with its partitions, and n items put in it. */
static void bench_table_loaded(opts *o)
{
	int k;

	for (k = 0; k < o->nt; k++) {
		bench_path(o->t[k].table, sizeof(o->t[k].table), "%s/Bench", o->t[k].dir);
		mkparts(o->t[k].table);
	}
	phase(o, "put", NULL, 0, o->n, OP_PUT);
}

static int cmd_reads(opts *o)
{
	bench_table_loaded(o);
	drop(o);
	phase(o, "cold_read", NULL, 0, o->n, OP_READ);
	phase(o, "hot_read", NULL, 0, o->n, OP_READ);
	return 0;
}

/* cachereads: put n items, read each once (the daemon's cache fills),
 * drop the kernel's caches, and read them again: a cold read with a warm
 * daemon cache (SPEC §11), beside a mount with cache=off. */
static int cmd_cachereads(opts *o)
{
	int k;

	bench_table_loaded(o);
	drop(o);
	phase(o, NULL, NULL, 0, o->n, OP_READ);
	drop(o);
	phase(o, "cold_read_warm", NULL, 0, o->n, OP_READ);
	for (k = 0; k < o->nt; k++)
		report_rss(o, &o->t[k], "rss_cached");
	return 0;
}

/* put: n items into each target's table directory (made if missing);
 * with --lmdb-durable, raw durable LMDB commits take turns with them. */
static int cmd_put(opts *o)
{
	int k;

	for (k = 0; k < o->nt; k++) {
		bench_path(o->t[k].table, sizeof(o->t[k].table), "%s", o->t[k].dir);
		mkparts(o->t[k].table);
	}
	if (o->lmdb_dir) {
		if (o->nt == MAX_TARGETS)
			bench_die("at most %d targets", MAX_TARGETS);
		o->t[o->nt].name = "lmdb";
		o->t[o->nt].figure = "raw_put_durable_paired";
		raw_open(&o->t[o->nt++], o->lmdb_dir);
		o->chunk = DURABLE_CHUNK;
	}
	phase(o, o->figure ? o->figure : "put", NULL, 0, o->n, OP_PUT);
	if (o->lmdb_dir)
		mdb_env_close(o->t[--o->nt].env);
	return 0;
}

/* gen: the source tree of cp -r and rsync, on an ordinary file system. */
static int cmd_gen(opts *o)
{
	o->t[0].name = "gen";
	o->nt = 1;
	bench_path(o->t[0].table, sizeof(o->t[0].table), "%s", o->t[0].dir);
	mkparts(o->t[0].table);
	phase(o, NULL, NULL, 0, o->n, OP_PUT);
	return 0;
}

/* op on k items of dir picked at random among the first n: microseconds
 * per op. */
static double sample_each(const char *dir, unsigned long n, unsigned long k, op_kind op)
{
	char path[4096];
	unsigned long i;
	double t0 = bench_now();

	for (i = 0; i < k; i++) {
		unsigned long pick = (unsigned long)(bench_rng() % n);

		item_path(path, sizeof(path), dir, NULL, pick);
		do_op(op, path, pick);
	}
	return (bench_now() - t0) / (double)k * 1e6;
}

/* List every partition of dir with readdir: the seconds it took. */
static double walk(const char *dir, unsigned long *entries)
{
	char path[4096];
	double t0 = bench_now();
	int p;

	*entries = 0;
	for (p = 0; p < BENCH_PARTS; p++) {
		struct dirent *de;
		DIR *d;

		bench_path(path, sizeof(path), "%s/p%02d", dir, p);
		if (!(d = opendir(path)))
			bench_die("opendir %s: %s", path, strerror(errno));
		while ((de = readdir(d)))
			(*entries)++;
		closedir(d);
	}
	return bench_now() - t0;
}

/*
 * sample: per-operation cost in a table dir already holding items 0..n-1
 * (bench-scale): stat and read of k random items with cold dentries, put
 * of k new items, delete of them. With --walk, first list everything and
 * report the daemon's memory.
 */
static int cmd_sample(opts *o)
{
	target *t = &o->t[0];
	unsigned long entries;
	double s;

	bench_path(t->table, sizeof(t->table), "%s", t->dir);
	o->nt = 1;
	if (o->walk) {
		/* first, so the samples find the daemon's map touched at both sizes */
		drop(o);
		s = walk(t->table, &entries);
		if (entries < o->n)
			bench_die("walk of %s saw %lu entries; %lu expected", t->table, entries,
				  o->n);
		result(o, t, "walk_all", s, "s");
		report_rss(o, t, "rss_walked");
	}
	drop(o);
	result(o, t, "sample_stat", sample_each(t->table, o->n, o->k, OP_STAT), "us/op");
	drop(o);
	result(o, t, "sample_read", sample_each(t->table, o->n, o->k, OP_READ), "us/op");
	phase(o, NULL, NULL, o->n, o->k, OP_PUT);
	result(o, t, "sample_put", t->spent / (double)o->k * 1e6, "us/op");
	phase(o, NULL, NULL, o->n, o->k, OP_UNLINK);
	result(o, t, "sample_delete", t->spent / (double)o->k * 1e6, "us/op");
	report_rss(o, t, "rss_sampled");
	return 0;
}

/* readback: read-only trees already holding n items (a point in time, and
 * the live table beside it): cold reads, hot reads, and a walk of every
 * directory, taking turns. */
static int cmd_readback(opts *o)
{
	unsigned long entries;
	int k;

	for (k = 0; k < o->nt; k++)
		bench_path(o->t[k].table, sizeof(o->t[k].table), "%s", o->t[k].dir);
	drop(o);
	phase(o, "cold_read", NULL, 0, o->n, OP_READ);
	phase(o, "hot_read", NULL, 0, o->n, OP_READ);
	for (k = 0; k < o->nt; k++) {
		double s;

		drop(o);
		s = walk(o->t[k].table, &entries);
		if (entries < o->n)
			bench_die("walk of %s saw %lu entries; %lu expected", o->t[k].table, entries,
				  o->n);
		result(o, &o->t[k], "walk_all", s, "s");
	}
	return 0;
}

/* Put item first + *puts of target t, and count it. */
static void put_run(target *t, unsigned long first, unsigned long *puts)
{
	char path[4096];

	item_path(path, sizeof(path), t->table, NULL, first + *puts);
	do_op(OP_PUT, path, first + *puts);
	(*puts)++;
}

/*
 * during: a writer's put rate alone (the first target) and while argv runs
 * (the second, argv started once a quarter of its n puts are done; its
 * rate counts the puts made while argv ran), then alone again: figures
 * put_writer (the mean of the alone runs) and during_cmd (argv's seconds).
 */
static int cmd_during(opts *o, char *const argv[])
{
	target *a = &o->t[0], *d = &o->t[1];
	unsigned long puts = 0, at = 0;
	double t0, c0 = 0, c1 = 0, alone = 0;
	pid_t pid = -1;
	int round, status;

	if (o->nt != 2 || !argv[0])
		bench_die("during: --target alone=DIR --target during=DIR ... -- COMMAND");
	for (round = 0; round < 2; round++) {
		bench_path(o->t[round].table, sizeof(o->t[round].table), "%s", o->t[round].dir);
		mkparts(o->t[round].table);
	}
	for (round = 0; round < 2; round++) {
		puts = 0;
		t0 = bench_now();
		while (puts < o->n / 2)
			put_run(a, round * o->n, &puts);
		alone += (double)puts / (bench_now() - t0);
	}
	puts = 0;
	while (puts < o->n || pid > 0) {
		if (puts == o->n / 4 && pid < 0) {
			c0 = bench_now();
			at = puts;
			if ((pid = fork()) < 0)
				bench_die("fork: %s", strerror(errno));
			if (pid == 0) {
				int null = open("/dev/null", O_WRONLY);

				dup2(null, 1);
				execvp(argv[0], argv);
				_exit(127);
			}
		}
		put_run(d, 0, &puts);
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
			c1 = bench_now();
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				bench_die("during: %s failed", argv[0]);
			pid = 0;
			at = puts - at;
		}
	}
	result(o, a, "put_writer", alone / 2, "ops/s");
	result(o, d, "put_writer", (double)at / (c1 - c0), "ops/s");
	result(o, d, "during_cmd", c1 - c0, "s");
	return 0;
}

static const char usage[] =
	"usage: bench run --target NAME=MNT... --n N --out FILE [--src DIR --scratch DIR]\n"
	"                 [--pid-file NAME=FILE]... [--no-commands] [--reps R]\n"
	"                 [--dynalite PORT]\n"
	"       bench put --target NAME=TABLEDIR... --n N --out FILE [--figure NAME]\n"
	"                 [--lmdb-durable DIR]\n"
	"       bench reads --target NAME=MNT... --n N --out FILE\n"
	"       bench cachereads --target NAME=MNT... --n N --out FILE\n"
	"       bench readback --target NAME=TABLEDIR... --n N --out FILE\n"
	"       bench during --target NAME=TABLEDIR --target NAME=TABLEDIR --n N --out FILE\n"
	"                 -- COMMAND...\n"
	"       bench gen DIR --n N\n"
	"       bench sample --target NAME=TABLEDIR --n LOADED --k K --out FILE [--label L]\n"
	"                 [--pid-file NAME=FILE] [--walk] [--drop 2|3]\n";

/* "NAME=VALUE": the target named NAME (added if new) and VALUE. */
static target *target_arg(opts *o, char *arg, char **value)
{
	char *eq = strchr(arg, '=');
	int k;

	if (!eq)
		bench_die("%s: NAME=VALUE expected\n%s", arg, usage);
	*eq = '\0';
	*value = eq + 1;
	for (k = 0; k < o->nt; k++)
		if (strcmp(o->t[k].name, arg) == 0)
			return &o->t[k];
	if (o->nt == MAX_TARGETS)
		bench_die("at most %d targets", MAX_TARGETS);
	o->t[o->nt].name = arg;
	return &o->t[o->nt++];
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "target", 1, NULL, 't' }, { "n", 1, NULL, 'n' }, { "k", 1, NULL, 'k' },
		{ "out", 1, NULL, 'o' }, { "src", 1, NULL, 's' }, { "scratch", 1, NULL, 'S' },
		{ "pid-file", 1, NULL, 'p' }, { "figure", 1, NULL, 'F' },
		{ "label", 1, NULL, 'l' }, { "no-commands", 0, NULL, 'C' },
		{ "walk", 0, NULL, 'w' }, { "drop", 1, NULL, 'd' },
		{ "lmdb-durable", 1, NULL, 'L' }, { "reps", 1, NULL, 'r' },
		{ "dynalite", 1, NULL, 'D' }, { NULL, 0, NULL, 0 }
	};
	opts o = { .n = 10000, .k = 2000, .commands = 1, .drop = 3, .chunk = CHUNK, .reps = 3 };
	char *const *during_argv = NULL;
	const char *cmd;
	char *value;
	target *t;
	int c;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	if (strcmp(cmd, "gen") == 0 && argc > 2) {
		o.t[0].dir = argv[2];
		optind = 3;
	}
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			t = target_arg(&o, optarg, &value);
			t->dir = value;
			break;
		case 'p':
			t = target_arg(&o, optarg, &value);
			t->pid_file = value;
			break;
		case 'n': o.n = strtoul(optarg, NULL, 10); break;
		case 'k': o.k = strtoul(optarg, NULL, 10); break;
		case 'o': o.out = optarg; break;
		case 's': o.src = optarg; break;
		case 'S': o.scratch = optarg; break;
		case 'F': o.figure = optarg; break;
		case 'l': o.label = strtoul(optarg, NULL, 10); break;
		case 'C': o.commands = 0; break;
		case 'w': o.walk = 1; break;
		case 'd': o.drop = atoi(optarg); break;
		case 'L': o.lmdb_dir = optarg; break;
		case 'r': o.reps = atoi(optarg); break;
		case 'D': o.dyn_port = atoi(optarg); break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!o.label)
		o.label = o.n;
	if (strcmp(cmd, "during") == 0 && optind < argc) {
		during_argv = argv + optind;
		optind = argc;
	}
	if (o.n == 0 || o.k == 0 || o.drop < 2 || o.drop > 3 || o.reps < 1 ||
	    o.reps > MAX_REPS || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(cmd, "gen") == 0 && o.t[0].dir)
		return cmd_gen(&o);
	for (c = 0; c < o.nt; c++)
		if (!o.t[c].dir)
			bench_die("target %s has no directory (--target %s=DIR)", o.t[c].name,
				  o.t[c].name);
	if (o.nt == 0)
		bench_die("no --target\n%s", usage);
	if (strcmp(cmd, "run") == 0) {
		if (o.dyn_port && o.nt == MAX_TARGETS)
			bench_die("at most %d targets with dynalite", MAX_TARGETS - 1);
		return cmd_run(&o);
	}
	if (strcmp(cmd, "put") == 0)
		return cmd_put(&o);
	if (strcmp(cmd, "reads") == 0)
		return cmd_reads(&o);
	if (strcmp(cmd, "cachereads") == 0)
		return cmd_cachereads(&o);
	if (strcmp(cmd, "sample") == 0)
		return cmd_sample(&o);
	if (strcmp(cmd, "readback") == 0)
		return cmd_readback(&o);
	if (strcmp(cmd, "during") == 0)
		return cmd_during(&o, during_argv);
	fputs(usage, stderr);
	return 2;
}
