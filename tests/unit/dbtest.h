/* Helpers of the engine's unit tests: fresh temporary DATA_DIRs, items from
 * JSON text, key values. */
#ifndef DBTEST_H
#define DBTEST_H

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "../../layout/json.h"
#include "check.h"

/* A new empty directory under /tmp; the caller frees it with dbt_rmdir. */
static inline char *dbt_tmpdir(void)
{
	char tmpl[] = "/tmp/ddbfs-test-XXXXXX";

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(2);
	}
	return strdup(tmpl);
}

static inline int dbt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* rm -rf dir, then free the string. */
static inline void dbt_rmdir(char *dir)
{
	if (dir)
		nftw(dir, dbt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* Turn PITR on for table, so that it keeps a change log (log.c), or exit. */
static inline void dbt_pitr_on(eng_db *db, const char *table)
{
	lay_err err = { 0, "" };
	eng_table_info ti;

	if (eng_table_get(db, NULL, table, &ti, &err) < 0)
		goto out_fail;
	ti.settings.pitr = 1;
	if (eng_table_set_settings(db, NULL, table, &ti.settings, &err) < 0)
		goto out_fail;
	return;
out_fail:
	fprintf(stderr, "turning PITR on for %s: %s\n", table, err.msg);
	exit(2);
}

/* Open dir with opts (may be NULL) or exit: the tests cannot go on. */
static inline eng_db *dbt_open(const char *dir, const eng_db_opts *opts)
{
	lay_err err = { 0, "" };
	eng_db *db = NULL;
	int rc = eng_db_open(&db, dir, opts, &err);

	if (rc < 0) {
		fprintf(stderr, "eng_db_open(%s): %s: %s\n", dir, lay_errno_name(rc), err.msg);
		exit(2);
	}
	return db;
}

/*
 * A db in a fresh DATA_DIR (*dir, for dbt_ttl_close) on a test clock (*clk)
 * without the maintenance thread, holding table with partition key "id"
 * (S), TTL attribute "exp" and PITR on (the change log shows the sweeps),
 * or exit.
 */
static inline eng_db *dbt_ttl_open(char **dir, eng_clock **clk, const char *table)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_settings s = { 0 };
	lay_schema sch = { 0 };
	eng_db *db;

	*dir = dbt_tmpdir();
	eng_clock_new(clk, 1);
	o.clock = *clk;
	o.maint_ms = -1;
	db = dbt_open(*dir, &o);
	strcpy(sch.pk, "id");
	sch.pk_type = LAY_S;
	strcpy(s.ttl_attr, "exp");
	s.pitr = 1;
	if (eng_table_create(db, NULL, table, &sch, NULL, &err) < 0 ||
	    eng_table_set_settings(db, NULL, table, &s, &err) < 0) {
		fprintf(stderr, "creating table %s: %s\n", table, err.msg);
		exit(2);
	}
	return db;
}

static inline void dbt_ttl_close(eng_db *db, eng_clock *clk, char *dir)
{
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

/* Move test clock clk forward by seconds, or exit. */
static inline void dbt_advance(eng_clock *clk, int64_t seconds)
{
	lay_err err = { 0, "" };

	if (eng_clock_advance(clk, seconds, &err) < 0) {
		fprintf(stderr, "advance: %s\n", err.msg);
		exit(2);
	}
}

/* An item from plain JSON text, or exit. */
static inline lay_item dbt_item(const char *json)
{
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };

	if (lay_json_parse(&it, json, strlen(json), LAY_FMT_PLAIN, &err) < 0) {
		fprintf(stderr, "bad test item %s: %s\n", json, err.msg);
		exit(2);
	}
	return it;
}

static inline lay_value dbt_val(lay_type t, const char *p, size_t len)
{
	lay_value v;

	memset(&v, 0, sizeof(v));
	v.type = t;
	v.len = len;
	v.u.p = (char *)p;
	return v;
}

static inline lay_value dbt_s(const char *s)
{
	return dbt_val(LAY_S, s, strlen(s));
}

static inline lay_value dbt_n(const char *s)
{
	return dbt_val(LAY_N, s, strlen(s));
}

static inline lay_key dbt_key(lay_value pk, lay_value sk)
{
	lay_key k;

	k.pk = pk;
	k.sk = sk;
	return k;
}

/* A key of a table without sort key. */
static inline lay_key dbt_key1(lay_value pk)
{
	lay_key k;

	memset(&k, 0, sizeof(k));
	k.pk = pk;
	return k;
}

#endif
