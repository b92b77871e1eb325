/* The engine-level half of make bench-scale (SPEC §18): loads a table to a
 * given size with eng_item_put, lists it whole, then times a put, a
 * get+render and a delete there, so 1,000,000 items can be set against
 * 10,000; run.sh then mounts the data directory for the mount-level half.
 * With --raw DIR, the same items are also loaded into a raw LMDB database
 * there and K random gets of it timed: the baseline of how a bigger tree and
 * a working set beyond the CPU's caches slow any get on this machine.
 * Usage: scale DATA --to N [--k K] [--raw DIR] --out FILE */
#include <errno.h>
#include <getopt.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../engine/engine.h"
#include "../layout/buf.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "common.h"

#define TABLE "Bench"

static void eng_check(int rc, const lay_err *err, const char *what)
{
	if (rc < 0)
		bench_die("%s: %s (%s)", what, err->msg, lay_errno_name(rc));
}

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

/* Put item i (parsed and keyed here: a bulk load counts it all). */
static void put(eng_db *db, unsigned long i)
{
	char json[BENCH_ITEM_LEN + 1], part[8], sk[16];
	size_t len = bench_item_json(json, i);
	lay_key key = key_of(part, sk, i);
	lay_item it = LAY_ITEM_INIT;
	lay_schema schema;
	lay_err err = { 0 };
	eng_event ev;

	lay_schema_default(&schema);
	eng_check(lay_json_parse(&it, json, len, LAY_FMT_PLAIN, &err), &err, "lay_json_parse");
	eng_check(lay_item_set_key(&it, &schema, &key, 0, &err), &err, "lay_item_set_key");
	eng_check(eng_item_put(db, NULL, TABLE, &it, NULL, 0, &ev, NULL, &err), &err, "eng_item_put");
	lay_item_free(&it);
}

static int count_entry(void *ctx, const eng_entry *e)
{
	(void)e;
	(*(unsigned long *)ctx)++;
	return 0;
}

/* List every partition: each leaf page of the table mapped into this
 * process, so that the samples measure the structure at both sizes rather
 * than first touches of a fresh mapping. Returns the items seen. */
static unsigned long warm(eng_db *db)
{
	lay_err err = { 0 };
	unsigned long seen = 0;
	char part[8], sk[16];
	int p;

	for (p = 0; p < BENCH_PARTS; p++) {
		lay_key key = key_of(part, sk, (unsigned long)p);

		eng_check(eng_list(db, NULL, TABLE, &key.pk, NULL, 0, 0, count_entry, &seen, &err), &err,
			  "eng_list");
	}
	return seen;
}

static void mdb_check(int rc, const char *what)
{
	if (rc != 0)
		bench_die("%s: %s", what, mdb_strerror(rc));
}

/* Items 0..to-1 in a raw LMDB database in dir (those missing added, in
 * batches), then k random gets of it, each in its own read transaction
 * with the value copied out: us per get. */
static double raw_random_get(const char *dir, unsigned long to, unsigned long k)
{
	char key[32], val[BENCH_ITEM_LEN + 1], copy[BENCH_ITEM_LEN + 64];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;
	unsigned long i;
	double t0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		bench_die("mkdir %s: %s", dir, strerror(errno));
	mdb_check(mdb_env_create(&env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(env, (size_t)16 << 30), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(env, dir, MDB_NOSYNC | MDB_WRITEMAP, 0644), "mdb_env_open");
	mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	mdb_check(mdb_stat(txn, dbi, &st), "mdb_stat");
	for (i = st.ms_entries; i < to; i++) {
		MDB_val kv = { bench_raw_key(key, i), key }, vv = { bench_item_json(val, i), val };

		mdb_check(mdb_put(txn, dbi, &kv, &vv, 0), "mdb_put");
		if ((i + 1) % 10000 == 0) {
			mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
			mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		}
	}
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
	t0 = bench_now();
	for (i = 0; i < k; i++) {
		MDB_val kv = { bench_raw_key(key, (unsigned long)(bench_rng() % to)), key }, vv;

		mdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
		mdb_check(mdb_get(txn, dbi, &kv, &vv), "mdb_get");
		memcpy(copy, vv.mv_data, vv.mv_size < sizeof(copy) ? vv.mv_size : sizeof(copy));
		mdb_txn_abort(txn);
	}
	t0 = bench_now() - t0;
	mdb_env_close(env);
	return t0 / (double)k * 1e6;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "to", 1, NULL, 't' }, { "k", 1, NULL, 'k' }, { "out", 1, NULL, 'o' },
		{ "raw", 1, NULL, 'r' }, { NULL, 0, NULL, 0 }
	};
	unsigned long to = 0, k = 5000, have = 0, i;
	const char *out = NULL, *dir, *raw = NULL;
	lay_buf buf = LAY_BUF_INIT;
	eng_table_info info;
	lay_err err = { 0 };
	double t0, load;
	eng_db *db;
	int c, rc;

	if (argc < 2 || argv[1][0] == '-')
		bench_die("usage: scale DATA --to N [--k K] [--raw DIR] --out FILE");
	dir = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 't')
			to = strtoul(optarg, NULL, 10);
		else if (c == 'k')
			k = strtoul(optarg, NULL, 10);
		else if (c == 'o')
			out = optarg;
		else if (c == 'r')
			raw = optarg;
		else
			return 2;
	}
	if (!to || !k)
		bench_die("--to and --k must be at least 1");

	eng_check(eng_db_open(&db, dir, NULL, &err), &err, "eng_db_open");
	rc = eng_table_get(db, NULL, TABLE, &info, &err);
	if (rc == -ENOENT)
		eng_check(eng_table_create(db, NULL, TABLE, NULL, NULL, &err), &err, "eng_table_create");
	else
		eng_check(rc, &err, "eng_table_get");
	if (rc == 0)
		have = (unsigned long)info.item_count;
	if (have > to)
		bench_die("%s already holds %lu items; more than %lu", dir, have, to);

	/* the load, in the bench's order: partition by partition in turn */
	t0 = bench_now();
	for (i = have; i < to; i++) {
		put(db, i);
		if ((i + 1) % 100000 == 0) {
			printf("  loaded %lu items\n", i + 1);
			fflush(stdout);
		}
	}
	load = bench_now() - t0;
	if (to > have)
		bench_result(out, to, "engine", "load", (double)(to - have) / load, "ops/s");
	eng_db_sync(db);
	t0 = bench_now();
	if ((i = warm(db)) != to)
		bench_die("listing %s saw %lu items; %lu expected", dir, i, to);
	bench_result(out, to, "engine", "list_all", bench_now() - t0, "s");

	t0 = bench_now();
	for (i = to; i < to + k; i++)
		put(db, i);
	bench_result(out, to, "engine", "eng_put", (bench_now() - t0) / (double)k * 1e6, "us/op");

	t0 = bench_now();
	for (i = 0; i < k; i++) {
		char part[8], sk[16];
		lay_key key = key_of(part, sk, (unsigned long)(bench_rng() % to));

		lay_buf_reset(&buf);
		eng_check(eng_item_text(db, NULL, TABLE, &key, LAY_FMT_PLAIN, &buf, NULL, &err), &err,
			  "eng_item_text");
	}
	bench_result(out, to, "engine", "eng_get_render", (bench_now() - t0) / (double)k * 1e6,
		     "us/op");

	t0 = bench_now();
	for (i = to; i < to + k; i++) {
		char part[8], sk[16];
		lay_key key = key_of(part, sk, i);

		eng_check(eng_item_delete(db, NULL, TABLE, &key, NULL, &err), &err, "eng_item_delete");
	}
	bench_result(out, to, "engine", "eng_delete", (bench_now() - t0) / (double)k * 1e6,
		     "us/op");
	lay_buf_free(&buf);
	eng_db_close(db);
	if (raw)
		bench_result(out, to, "lmdb", "raw_get_random", raw_random_get(raw, to, k), "us/op");
	return 0;
}
