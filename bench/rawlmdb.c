/* The raw LMDB baseline of the benchmark (SPEC §18, §17, §11): 1 KB puts, one
 * per transaction (MDB_NOSYNC, and durable), and gets, one per read
 * transaction, taking turns with the engine's eng_item_put and eng_item_get +
 * lay_json_render on the same items in this process; then the gets twice
 * more with the engine's item cache on: filling it, and from it. Bench code:
 * it may use LMDB, which fs/ never does.
 * Usage: rawlmdb DIR --n N [--durable K] --out F */
#include <errno.h>
#include <getopt.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../layout/buf.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "common.h"

#define TABLE "Bench"
#define BATCH 1000  /* items parsed ahead of a timed batch of puts */

static const char *out_path;
static unsigned long label;

static void result(const char *figure, double value, const char *unit)
{
	int rc = bench_result(out_path, label, "lmdb", figure, value, unit);

	if (rc < 0)
		bench_die("cannot write %s: %s", out_path, strerror(-rc));
}

static void mdb_check(int rc, const char *what)
{
	if (rc != 0)
		bench_die("%s: %s", what, mdb_strerror(rc));
}

static MDB_env *raw_open(const char *dir, unsigned flags, MDB_dbi *dbi)
{
	MDB_env *env;
	MDB_txn *txn;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		bench_die("mkdir %s: %s", dir, strerror(errno));
	mdb_check(mdb_env_create(&env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(env, (size_t)8 << 30), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(env, dir, MDB_NOTLS | flags, 0644), "mdb_env_open");
	mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, 0, dbi), "mdb_dbi_open");
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
	return env;
}

/* Puts of items first..first+count-1, one per transaction: seconds. */
static double raw_put(MDB_env *env, MDB_dbi dbi, unsigned long first, unsigned long count)
{
	char key[32], val[BENCH_ITEM_LEN + 1];
	unsigned long i;
	double t0 = bench_now();

	for (i = first; i < first + count; i++) {
		MDB_val k = { bench_raw_key(key, i), key };
		MDB_val v = { bench_item_json(val, i), val };
		MDB_txn *txn;

		mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		mdb_check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
		mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
	}
	return bench_now() - t0;
}

/* Gets of items first..first+count-1, each in its own read transaction,
 * the value copied out as a reader must before the transaction ends:
 * seconds. */
static double raw_get(MDB_env *env, MDB_dbi dbi, unsigned long first, unsigned long count)
{
	char key[32], copy[BENCH_ITEM_LEN + 64];
	unsigned long i;
	double t0 = bench_now();

	for (i = first; i < first + count; i++) {
		MDB_val k = { bench_raw_key(key, i), key }, v;
		MDB_txn *txn;

		mdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
		mdb_check(mdb_get(txn, dbi, &k, &v), "mdb_get");
		if (v.mv_size > sizeof(copy))
			bench_die("raw get: %zu bytes", v.mv_size);
		memcpy(copy, v.mv_data, v.mv_size);
		mdb_txn_abort(txn);
	}
	return bench_now() - t0;
}

static void eng_check(int rc, const lay_err *err, const char *what)
{
	if (rc < 0)
		bench_die("%s: %s (%s)", what, err->msg, lay_errno_name(rc));
}

/* The key of item i, borrowing part and sk. */
static lay_key key_of(char part[8], char sk[16], unsigned long i)
{
	lay_key key;

	bench_item_key(part, sk, i);
	memset(&key, 0, sizeof(key));
	key.pk.type = LAY_S;
	key.pk.len = strlen(part);
	key.pk.u.p = part;
	key.sk.type = LAY_S;
	key.sk.len = strlen(sk);
	key.sk.u.p = sk;
	return key;
}

/* The item cache (SPEC §11) as the daemon has it by default, or larger:
 * enough for every item, so that the second pass reads a warm cache. */
#define CACHE_BYTES ((size_t)64 << 20)
#define CACHE_PER_ITEM 2048

/* The engine in dir, with table TABLE if create, and an item cache of
 * cache_bytes (0: none). */
static eng_db *eng_open(const char *dir, int sync_always, size_t cache_bytes, int create)
{
	eng_db_opts dbo = { .sync_always = sync_always, .cache_bytes = cache_bytes };
	lay_err err = { 0 };
	eng_db *db;

	eng_check(eng_db_open(&db, dir, &dbo, &err), &err, "eng_db_open");
	if (create)
		eng_check(eng_table_create(db, NULL, TABLE, NULL, NULL, &err), &err,
			  "eng_table_create");
	return db;
}

/* The request context of the engine's operations: NULL (not metered), or a
 * user's request of the files, which capacity accounting meters. */
static eng_req *req_now;

/* eng_item_put of items first..first+count-1 (count <= BATCH), parsed and
 * keyed before the clock starts: seconds of the puts alone. */
static double eng_put(eng_db *db, unsigned long first, unsigned long count)
{
	static lay_item items[BATCH];
	char json[BENCH_ITEM_LEN + 1], part[8], sk[16];
	lay_schema schema;
	lay_err err = { 0 };
	unsigned long i;
	eng_event ev;
	double t0;

	lay_schema_default(&schema);
	for (i = 0; i < count; i++) {
		size_t len = bench_item_json(json, first + i);
		lay_key key = key_of(part, sk, first + i);

		items[i] = (lay_item)LAY_ITEM_INIT;
		eng_check(lay_json_parse(&items[i], json, len, LAY_FMT_PLAIN, &err), &err,
			  "lay_json_parse");
		eng_check(lay_item_set_key(&items[i], &schema, &key, 0, &err), &err,
			  "lay_item_set_key");
	}
	t0 = bench_now();
	for (i = 0; i < count; i++)
		eng_check(eng_item_put(db, req_now, TABLE, &items[i], NULL, 0, &ev, NULL, &err),
			  &err, "eng_item_put");
	t0 = bench_now() - t0;
	for (i = 0; i < count; i++)
		lay_item_free(&items[i]);
	return t0;
}

/* eng_item_text, the engine's get rendered as JSON (what a cold read of a
 * file costs the engine and the layout; with the item cache, a first read
 * fills it and a second is served from it), of items first..first+count-1:
 * seconds. */
static double eng_get(eng_db *db, unsigned long first, unsigned long count)
{
	char part[8], sk[16];
	lay_buf buf = LAY_BUF_INIT;
	lay_err err = { 0 };
	unsigned long i;
	double t0 = bench_now();

	for (i = first; i < first + count; i++) {
		lay_key key = key_of(part, sk, i);
		lay_buf_reset(&buf);
		eng_check(eng_item_text(db, req_now, TABLE, &key, LAY_FMT_PLAIN, &buf, NULL, &err),
			  &err, "eng_item_text");
	}
	t0 = bench_now() - t0;
	if (buf.len < BENCH_ITEM_LEN)
		bench_die("engine get rendered %zu bytes", buf.len);
	lay_buf_free(&buf);
	return t0;
}

typedef enum { PUT, GET } kind;

/*
 * Capacity accounting's cost (SPEC §10): the same engine operations on a
 * PAY_PER_REQUEST table without a request context (not metered) and as a
 * user's (metered), in chunks that take turns; the two turns' puts write
 * new items side by side, gets read the items ten times over. Reports
 * NAME_unmetered and NAME_metered in ops/s.
 */
static void meter_duel(eng_db *db, kind k, unsigned long count, unsigned long chunk,
		       const char *name)
{
	eng_req user = { .view = ENG_VIEW_LIVE, .source = ENG_SRC_FILE };
	double off = 0, on = 0;
	unsigned long base, m, turn;
	char figure[64];

	/* gets are short: ten passes over the items, so that the figure is
	 * not one scheduler tick's noise */
	unsigned long total = k == GET ? 10 * count : count;

	for (base = 0, turn = 0; base < total; base += chunk, turn++) {
		int metered_first = turn & 1; /* who goes first takes turns too */
		int j;

		m = total - base < chunk ? total - base : chunk;
		for (j = 0; j < 2; j++) {
			int metered = j ^ !metered_first;
			/* puts: new items side by side, each turn's two halves
			 * next to each other in key order */
			unsigned long first = k == PUT ? 2 * base + (metered ? m : 0) : base % count;
			double t;

			req_now = metered ? &user : NULL;
			t = k == PUT ? eng_put(db, first, m) : eng_get(db, first, m);
			*(metered ? &on : &off) += t;
		}
	}
	req_now = NULL;
	snprintf(figure, sizeof(figure), "%s_unmetered", name);
	result(figure, (double)total / off, "ops/s");
	snprintf(figure, sizeof(figure), "%s_metered", name);
	result(figure, (double)total / on, "ops/s");
}

/*
 * The same operations on raw LMDB and on the engine, in chunks that take
 * turns (so that the noise of a shared machine falls on both alike):
 * reports figure_raw and figure_eng in ops/s.
 */
static void duel(MDB_env *env, MDB_dbi dbi, eng_db *db, kind k, unsigned long count,
		 unsigned long chunk, const char *figure_raw, const char *figure_eng)
{
	double raw = 0, eng = 0;
	unsigned long base, m;

	for (base = 0; base < count; base += chunk) {
		m = count - base < chunk ? count - base : chunk;
		if (k == PUT) {
			raw += raw_put(env, dbi, base, m);
			eng += eng_put(db, base, m);
		} else {
			raw += raw_get(env, dbi, base, m);
			eng += eng_get(db, base, m);
		}
	}
	result(figure_raw, (double)count / raw, "ops/s");
	result(figure_eng, (double)count / eng, "ops/s");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "n", 1, NULL, 'n' }, { "durable", 1, NULL, 'd' }, { "out", 1, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long n = 10000, durable = 1000;
	char path[4096];
	const char *work;
	MDB_env *env;
	MDB_dbi dbi;
	eng_db *db;
	int c;

	if (argc < 2 || argv[1][0] == '-')
		bench_die("usage: rawlmdb WORKDIR --n N [--durable K] --out FILE");
	work = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (c == 'd')
			durable = strtoul(optarg, NULL, 10);
		else if (c == 'o')
			out_path = optarg;
		else
			return 2;
	}
	if (!n || !durable)
		bench_die("--n and --durable must be at least 1");
	label = n;
	if (mkdir(work, 0755) < 0 && errno != EEXIST)
		bench_die("mkdir %s: %s", work, strerror(errno));

	/* as the engine opens its environment: MDB_NOTLS | MDB_NOSYNC */
	bench_path(path, sizeof(path), "%s/raw", work);
	env = raw_open(path, MDB_NOSYNC, &dbi);
	bench_path(path, sizeof(path), "%s/eng", work);
	db = eng_open(path, 0, 0, 1);
	duel(env, dbi, db, PUT, n, BATCH, "raw_put", "eng_put");
	duel(env, dbi, db, GET, n, BATCH, "raw_get", "eng_get_render");
	eng_db_close(db);
	/* the same items with the item cache on: each read fills it, then
	 * each is read from it */
	db = eng_open(path, 0, n * CACHE_PER_ITEM > CACHE_BYTES ? n * CACHE_PER_ITEM : CACHE_BYTES,
		      0);
	duel(env, dbi, db, GET, n, BATCH, "raw_get_fill", "eng_get_fill");
	{
		eng_cache_stats_t cs;

		eng_cache_stats(db, &cs);
		if (cs.entries != n || cs.hits)
			bench_die("the item cache holds %llu of %lu items, with %llu hits",
				  (unsigned long long)cs.entries, n, (unsigned long long)cs.hits);
	}
	duel(env, dbi, db, GET, n, BATCH, "raw_get_warm", "eng_get_cached");
	eng_db_close(db);
	mdb_env_close(env);

	/* capacity accounting, without the item cache (whose hits cost nothing) */
	bench_path(path, sizeof(path), "%s/eng-meter", work);
	db = eng_open(path, 0, 0, 1);
	meter_duel(db, PUT, n, BATCH, "eng_put");
	meter_duel(db, GET, n, BATCH, "eng_get");
	eng_db_close(db);

	/* durable: each commit on disk before it returns; what the earlier
	 * phases left to write back must not land on these */
	sync();
	bench_path(path, sizeof(path), "%s/raw-durable", work);
	env = raw_open(path, 0, &dbi);
	bench_path(path, sizeof(path), "%s/eng-durable", work);
	db = eng_open(path, 1, 0, 1);
	duel(env, dbi, db, PUT, durable, 50, "raw_put_durable", "eng_put_durable");
	eng_db_close(db);
	mdb_env_close(env);
	return 0;
}
