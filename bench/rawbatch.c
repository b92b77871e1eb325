/* The raw LMDB baseline of the import benchmark (SPEC §13, §18): the lines
 * of a file put into LMDB as they are, 1,000 to a transaction, with the
 * environment's flags of the engine (MDB_NOSYNC | MDB_WRITEMAP): what
 * storing the same items costs with no parsing, checking or indexing.
 * Bench code: it may use LMDB, which fs/ never does.
 * Usage: rawbatch WORKDIR FILE --label N --out RESULTS */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

#define PER_TXN 1000

static void mdb_check(int rc, const char *what)
{
	if (rc != 0)
		bench_die("%s: %s", what, mdb_strerror(rc));
}

int main(int argc, char **argv)
{
	unsigned long label = 0, n = 0;
	const char *out = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	double t0;
	FILE *f;
	int i, rc;

	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--label") == 0)
			label = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--out") == 0)
			out = argv[i + 1];
	}
	if (argc < 3 || !out || !label)
		bench_die("usage: rawbatch WORKDIR FILE --label N --out RESULTS");
	if (mkdir(argv[1], 0755) < 0 && errno != EEXIST)
		bench_die("cannot create %s: %s", argv[1], strerror(errno));
	if (!(f = fopen(argv[2], "r")))
		bench_die("cannot read %s: %s", argv[2], strerror(errno));
	mdb_check(mdb_env_create(&env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(env, (size_t)16 << 30), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(env, argv[1], MDB_NOSYNC | MDB_WRITEMAP | MDB_NOTLS, 0644),
		  "mdb_env_open");
	t0 = bench_now();
	mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	while ((len = getline(&line, &cap, f)) > 0) {
		uint64_t k = __builtin_bswap64(n++);
		MDB_val key = { sizeof(k), &k }, val = { (size_t)len, line };

		mdb_check(mdb_put(txn, dbi, &key, &val, 0), "mdb_put");
		if (n % PER_TXN == 0) {
			mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
			mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		}
	}
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
	t0 = bench_now() - t0;
	fclose(f);
	free(line);
	mdb_env_close(env);
	if ((rc = bench_result(out, label, "lmdb", "raw_put_batched", t0, "s")) < 0)
		bench_die("cannot write %s: %s", out, strerror(-rc));
	return 0;
}
