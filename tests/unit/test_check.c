/* Unit tests of engine/check.c and the read-only open (engine/db.c): a
 * database that went through every kind of change -- long keys and names,
 * TTL and its sweep, streams and their trim, the change log, renames,
 * deletes, backups, a dropped table's SYSTEM backup, restores -- checks
 * healthy with the right counts, read-only, writing nothing; then one row
 * of each kind is damaged directly in LMDB and the check names it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "../../engine/store.h"
#include "check.h"
#include "dbtest.h"

#define SEC 1000000000LL

/* the healthy database every test starts from (a copy of its data.mdb) */
static char *healthy;
static uint32_t orders_tid, people_tid;

/* ---- Building the healthy database ---- */

static void must(int rc, const char *what, const lay_err *err)
{
	if (rc < 0) {
		fprintf(stderr, "building the test database: %s: %s\n", what, err->msg);
		exit(2);
	}
}

static void put(eng_db *db, const char *table, const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };

	must(eng_item_put(db, NULL, table, &it, NULL, 0, NULL, NULL, &err), json, &err);
	lay_item_free(&it);
}

static void table(eng_db *db, const char *name, const char *pk, const char *sk,
		  const char *ttl, lay_view view, int pitr)
{
	lay_schema s = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;

	snprintf(s.pk, sizeof(s.pk), "%s", pk);
	s.pk_type = LAY_S;
	if (sk) {
		snprintf(s.sk, sizeof(s.sk), "%s", sk);
		s.sk_type = LAY_S;
	}
	must(eng_table_create(db, NULL, name, &s, NULL, &err), name, &err);
	must(eng_table_get(db, NULL, name, &ti, &err), name, &err);
	snprintf(ti.settings.ttl_attr, sizeof(ti.settings.ttl_attr), "%s", ttl);
	ti.settings.stream_view = view;
	ti.settings.pitr = pitr;
	must(eng_table_set_settings(db, NULL, name, &ti.settings, &err), name, &err);
}

/* A JSON string of n copies of c. */
static char *longs(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static uint32_t tid_of(eng_db *db, const char *name)
{
	lay_err err = { 0, "" };
	eng_table_info ti;

	must(eng_table_get(db, NULL, name, &ti, &err), name, &err);
	return ti.id;
}

/* Every kind of change the engine makes, on a test clock. */
static void build(const char *dir)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_clock *clk;
	eng_backup_info bi;
	eng_req rq = { 0 };
	char json[2048], *lp = longs('P', 600), *ls = longs('S', 500), *lid = longs('I', 700);
	int64_t now;
	eng_db *db;

	eng_clock_new(&clk, 1);
	o.clock = clk;
	o.maint_ms = -1;
	db = dbt_open(dir, &o);
	now = eng_clock_now_ns(clk) / SEC;
	table(db, "Orders", "PK", "SK", "exp", LAY_VIEW_NEW_AND_OLD, 1);
	table(db, "Users", "id", NULL, "", LAY_VIEW_KEYS_ONLY, 0);
	table(db, "Temp", "id", NULL, "", LAY_VIEW_OFF, 1);

	put(db, "Orders", "{\"PK\":\"p1\",\"SK\":\"a\",\"v\":1}");
	snprintf(json, sizeof(json), "{\"PK\":\"p1\",\"SK\":\"b\",\"exp\":%lld}", (long long)now + 3600);
	put(db, "Orders", json);
	snprintf(json, sizeof(json), "{\"PK\":\"p1\",\"SK\":\"soon\",\"exp\":%lld}", (long long)now + 60);
	put(db, "Orders", json);
	put(db, "Orders", "{\"PK\":\"p2\",\"SK\":\"c\"}");
	put(db, "Orders", "{\"PK\":\"p4\",\"SK\":\"old\",\"exp\":1000}"); /* ignored: too old */
	snprintf(json, sizeof(json), "{\"PK\":\"%s\",\"SK\":\"d\"}", lp);
	put(db, "Orders", json);
	snprintf(json, sizeof(json), "{\"PK\":\"%s\",\"SK\":\"e\",\"n\":[1,2]}", lp);
	put(db, "Orders", json);
	snprintf(json, sizeof(json), "{\"PK\":\"p3\",\"SK\":\"%s\"}", ls);
	put(db, "Orders", json);
	put(db, "Orders", "{\"PK\":\"p1\",\"SK\":\"a\",\"v\":2}");

	put(db, "Users", "{\"id\":\"u1\",\"ttl\":1}");
	put(db, "Users", "{\"id\":\"u2\"}");
	snprintf(json, sizeof(json), "{\"id\":\"%s\",\"ttl\":%lld}", lid, (long long)now + 99999);
	put(db, "Users", json);
	put(db, "Temp", "{\"id\":\"t1\"}");

	{
		lay_key a = dbt_key(dbt_s("p2"), dbt_s("c")), b = dbt_key(dbt_s("p5"), dbt_s("c2"));
		lay_key u2 = dbt_key1(dbt_s("u2"));

		must(eng_item_rename(db, NULL, "Orders", &a, &b, 0, &err), "rename", &err);
		must(eng_item_delete(db, NULL, "Users", &u2, NULL, &err), "delete", &err);
	}
	/* the item expiring in a minute is swept; streams older than a day
	 * are trimmed below */
	dbt_advance(clk, 120);
	must(eng_db_maintain(db, 0, NULL, &err), "maintain", &err);
	/* expired but not swept when the backup copies the table, which leaves
	 * them out: a long sort key, and a long partition key alone in its
	 * partition */
	now = eng_clock_now_ns(clk) / SEC;
	snprintf(json, sizeof(json), "{\"PK\":\"p1\",\"SK\":\"%s-x\",\"exp\":%lld}", ls,
		 (long long)now - 5);
	put(db, "Orders", json);
	snprintf(json, sizeof(json), "{\"PK\":\"%s-x\",\"SK\":\"y\",\"exp\":%lld}", lp,
		 (long long)now - 5);
	put(db, "Orders", json);
	must(eng_backup_create(db, NULL, "Orders", "bk1", &bi, &err), "backup", &err);
	rq.view = ENG_VIEW_BACKUP;
	rq.backup = bi.id;
	must(eng_table_restore(db, &rq, "Orders", "Restored", &err), "restore", &err);
	memset(&rq, 0, sizeof(rq));
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = eng_clock_now_ns(clk) - 60 * SEC;
	must(eng_table_restore(db, &rq, "Orders", "Then", &err), "restore as of", &err);
	must(eng_table_drop(db, NULL, "Temp", &err), "drop", &err);
	must(eng_table_rename(db, NULL, "Users", "People", 0, &err), "rename table", &err);
	{
		eng_table_info ti;

		must(eng_table_get(db, NULL, "People", &ti, &err), "People", &err);
		snprintf(ti.settings.ttl_attr, sizeof(ti.settings.ttl_attr), "ttl");
		must(eng_table_set_settings(db, NULL, "People", &ti.settings, &err), "ttl", &err);
	}
	dbt_advance(clk, 25 * 3600);
	put(db, "Orders", "{\"PK\":\"p1\",\"SK\":\"late\"}");
	snprintf(json, sizeof(json), "{\"PK\":\"p1\",\"SK\":\"gone\",\"exp\":%lld}",
		 (long long)(eng_clock_now_ns(clk) / SEC) - 10);
	put(db, "Orders", json); /* expired at once, not swept yet */
	must(eng_db_maintain(db, 0, NULL, &err), "maintain", &err); /* the trim */
	put(db, "Orders", json);
	orders_tid = tid_of(db, "Orders");
	people_tid = tid_of(db, "People");
	eng_db_close(db);
	eng_clock_free(clk);
	free(lp);
	free(ls);
	free(lid);
}

/* ---- Checking ---- */

struct told {
	char all[65536];
	size_t n;
};

static void on_problem(void *ctx, const char *problem)
{
	struct told *t = ctx;
	size_t at = strlen(t->all);

	snprintf(t->all + at, sizeof(t->all) - at, "%s\n", problem);
	t->n++;
}

static eng_db *open_ro(const char *dir, int force, int *rc, lay_err *err)
{
	eng_db_opts o = { 0 };
	eng_db *db = NULL;

	o.read_only = 1;
	o.force = force;
	*rc = eng_db_open(&db, dir, &o, err);
	return db;
}

/* Check dir read-only into *st and t. */
static int check_dir(const char *dir, eng_check_stats *st, struct told *t)
{
	lay_err err = { 0, "" };
	int rc;
	eng_db *db = open_ro(dir, 0, &rc, &err);

	memset(t, 0, sizeof(*t));
	if (rc < 0) {
		fprintf(stderr, "read-only open of %s: %s\n", dir, err.msg);
		return rc;
	}
	rc = eng_db_check(db, on_problem, t, st, &err);
	eng_db_close(db);
	return rc;
}

/* A copy of the healthy database in a new directory. */
static char *copy_healthy(void)
{
	char *dir = dbt_tmpdir(), src[512], dst[512], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/data.mdb", healthy);
	snprintf(dst, sizeof(dst), "%s/data.mdb", dir);
	in = open(src, O_RDONLY);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			exit(2);
	close(in);
	close(out);
	return dir;
}

static void test_check__a_healthy_database_has_no_problem(void)
{
	eng_check_stats st;
	struct told t;
	eng_backup_info *bks = NULL;
	char **names = NULL;
	uint64_t items = 0;
	lay_err err = { 0, "" };
	eng_db *db;
	int n, i, rc;

	CHECK_RC(check_dir(healthy, &st, &t), 0);
	if (st.problems)
		fprintf(stderr, "%s", t.all);
	if (getenv("CHECK_VERBOSE"))
		fprintf(stderr, "tables %llu, backups %llu, items %llu, parts %llu, names %llu, "
			"ttl %llu, log %llu, stream %llu\n", (unsigned long long)st.tables,
			(unsigned long long)st.backups, (unsigned long long)st.items,
			(unsigned long long)st.parts, (unsigned long long)st.names,
			(unsigned long long)st.ttl_rows, (unsigned long long)st.log_rows,
			(unsigned long long)st.stream_rows);
	CHECK(st.problems == 0 && t.n == 0);
	/* the counts are those the engine reports */
	db = open_ro(healthy, 0, &rc, &err);
	CHECK_RC(rc, 0);
	n = eng_table_list(db, &names);
	CHECK(n == 4 && st.tables == 4); /* Orders People Restored Then, and no Temp */
	for (i = 0; i < n; i++) {
		eng_table_info ti;

		CHECK_RC(eng_table_get(db, NULL, names[i], &ti, &err), 0);
		items += ti.item_count;
	}
	eng_names_free(names);
	n = eng_backup_list(db, NULL, &bks, &err);
	CHECK(n == 2 && st.backups == 2); /* bk1, and Temp's SYSTEM backup */
	for (i = 0; i < n; i++)
		items += bks[i].item_count;
	free(bks);
	eng_db_close(db);
	CHECK(st.items == items);
	CHECK(st.parts >= 5);
	CHECK(st.names >= 4);  /* the long partition, sort key and id, and copies */
	CHECK(st.ttl_rows == 2); /* p1/gone, People's long id (p1/b was swept) */
	CHECK(st.log_rows > 10);
	CHECK(st.stream_rows >= 2);
}

static void file_state(const char *dir, const char *name, struct stat *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(out, 0, sizeof(*out));
	stat(path, out);
}

static void test_check__a_read_only_open_writes_nothing(void)
{
	char *dir = copy_healthy(), lock[512];
	struct stat before, after, lk;
	lay_err err = { 0, "" };
	eng_db *db;
	lay_item it = dbt_item("{\"id\":\"x\"}");
	int rc;

	file_state(dir, "data.mdb", &before);
	db = open_ro(dir, 0, &rc, &err);
	CHECK_RC(rc, 0);
	CHECK_RC(eng_item_put(db, NULL, "People", &it, NULL, 0, NULL, NULL, &err), -EROFS);
	CHECK(strstr(err.msg, "read-only") != NULL);
	CHECK_RC(eng_table_create(db, NULL, "Newt", NULL, NULL, &err), -EROFS);
	CHECK_RC(eng_db_sync(db), 0);
	eng_db_close(db);
	file_state(dir, "data.mdb", &after);
	CHECK(before.st_size == after.st_size && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	      before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	/* neither LMDB's lock file nor ours is made */
	file_state(dir, "lock.mdb", &lk);
	CHECK(lk.st_ino == 0);
	snprintf(lock, sizeof(lock), "%s/ddbfs.lock", dir);
	CHECK(access(lock, F_OK) < 0);
	lay_item_free(&it);
	dbt_rmdir(dir);
}

static void test_check__a_missing_or_foreign_dir_is_refused_and_not_made(void)
{
	char *dir = dbt_tmpdir(), sub[512];
	lay_err err = { 0, "" };
	int rc;

	snprintf(sub, sizeof(sub), "%s/none", dir);
	CHECK(open_ro(sub, 0, &rc, &err) == NULL);
	CHECK_RC(rc, -ENOENT);
	CHECK(access(sub, F_OK) < 0);
	CHECK(open_ro(dir, 0, &rc, &err) == NULL);
	CHECK_RC(rc, -ENOENT);
	CHECK(strstr(err.msg, "not a ddbfs DATA_DIR") != NULL);
	dbt_rmdir(dir);
}

static void test_check__a_database_without_every_table_of_ours_is_refused(void)
{
	char *dir = dbt_tmpdir();
	lay_err err = { 0, "" };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	/* an LMDB database of another program, or of a much older ddbfs */
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 4);
	mdb_env_open(env, dir, 0, 0644);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "meta", MDB_CREATE, &dbi);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	CHECK(open_ro(dir, 0, &rc, &err) == NULL);
	CHECK_RC(rc, -ENOENT);
	CHECK(strstr(err.msg, "has no \"tables\"") != NULL);
	dbt_rmdir(dir);
}

static void test_check__a_dir_in_use_is_refused_naming_the_pid_unless_forced(void)
{
	char *dir = copy_healthy(), pid[32];
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_check_stats st;
	struct told t;
	eng_db *rw, *ro;
	int rc;

	o.maint_ms = -1;
	rw = dbt_open(dir, &o);
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	CHECK(open_ro(dir, 0, &rc, &err) == NULL);
	CHECK_RC(rc, -EBUSY);
	CHECK(strstr(err.msg, pid) != NULL);
	ro = open_ro(dir, 1, &rc, &err);
	CHECK_RC(rc, 0);
	memset(&t, 0, sizeof(t));
	CHECK_RC(eng_db_check(ro, on_problem, &t, &st, &err), 0);
	CHECK(st.problems == 0 && st.tables == 4);
	eng_db_close(ro);
	eng_db_close(rw);
	/* a closed (or dead) holder's lock is gone with it */
	ro = open_ro(dir, 0, &rc, &err);
	CHECK_RC(rc, 0);
	eng_db_close(ro);
	dbt_rmdir(dir);
}

/* ---- Damage, one row at a time ---- */

/* What a damage sees: the db open read-write, in one write transaction. */
typedef void (*damage_fn)(eng_db *db, MDB_txn *txn);

/* Damage a copy of the healthy database with fn, check it, and want a
 * problem told that holds want; returns how many were found. */
static uint64_t damaged(damage_fn fn, const char *want)
{
	char *dir = copy_healthy();
	eng_db_opts o = { 0 };
	eng_check_stats st;
	struct told t;
	MDB_txn *txn;
	eng_db *db;

	o.maint_ms = -1;
	db = dbt_open(dir, &o);
	if (mdb_txn_begin(db->env, NULL, 0, &txn) != 0)
		exit(2);
	fn(db, txn);
	if (mdb_txn_commit(txn) != 0)
		exit(2);
	eng_db_close(db);
	CHECK_RC(check_dir(dir, &st, &t), 0);
	if (getenv("CHECK_VERBOSE"))
		fprintf(stderr, "%s", t.all);
	CHECK(st.problems >= 1 && st.problems == t.n);
	if (!strstr(t.all, want)) {
		fprintf(stderr, "wanted a problem with \"%s\", got:\n%s", want, t.all);
		check_failed_now = 1;
	}
	dbt_rmdir(dir);
	return st.problems;
}

/* The first row of dbi whose key starts with prefix and passes ok (may be
 * NULL), copied: its key into k (size ksz) and value into v. */
typedef int (*row_ok)(const MDB_val *k, const MDB_val *v);

static void first_row(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, row_ok ok,
		      MDB_val *k, MDB_val *v)
{
	static unsigned char kb[1024], vb[65536];
	MDB_cursor *cur;
	MDB_val key = { plen, (void *)prefix }, val;
	int rc;

	mdb_cursor_open(txn, dbi, &cur);
	for (rc = mdb_cursor_get(cur, &key, &val, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size < plen || memcmp(key.mv_data, prefix, plen) != 0)
			break;
		if (!ok || ok(&key, &val))
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 || key.mv_size < plen || memcmp(key.mv_data, prefix, plen) != 0) {
		fprintf(stderr, "the test database lacks the row to damage\n");
		exit(2);
	}
	memcpy(kb, key.mv_data, key.mv_size);
	memcpy(vb, val.mv_data, val.mv_size);
	k->mv_size = key.mv_size;
	k->mv_data = kb;
	v->mv_size = val.mv_size;
	v->mv_data = vb;
}

static void tid_key(unsigned char k[4], uint32_t tid)
{
	store_be32(k, tid);
}

static void put_raw(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	if (mdb_put(txn, dbi, k, v, 0) != 0)
		exit(2);
}

static void del_raw(MDB_txn *txn, MDB_dbi dbi, MDB_val *k)
{
	if (mdb_del(txn, dbi, k, NULL) != 0)
		exit(2);
}

static void break_table_record(eng_db *db, MDB_txn *txn)
{
	MDB_val k = { 6, "Orders" }, v;

	first_row(txn, db->tables, "Orders", 6, NULL, &k, &v);
	v.mv_size = 20;
	put_raw(txn, db->tables, &k, &v);
}

static void test_check__a_corrupt_table_record_is_told_once(void)
{
	/* its rows are not told one by one */
	CHECK(damaged(break_table_record, "table Orders: the record is corrupt\n") == 1);
}

static void break_item_row(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	v.mv_size = 30;
	put_raw(txn, db->items, &k, &v);
}

static void test_check__a_corrupt_item_row_is_told(void)
{
	damaged(break_item_row, "table People: item row");
}

static void break_item_data(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	v.mv_size -= 2; /* the encoding ends early */
	put_raw(txn, db->items, &k, &v);
}

static void test_check__an_item_that_does_not_decode_is_told(void)
{
	damaged(break_item_data, "table People: item row");
}

static void break_count(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, orders_tid);
	first_row(txn, db->tstats, pre, 4, NULL, &k, &v);
	store_be64(v.mv_data, store_rd64(v.mv_data) + 1);
	put_raw(txn, db->tstats, &k, &v);
}

static void test_check__a_wrong_item_count_is_told(void)
{
	damaged(break_count, "table Orders: its statistics say");
}

static void drop_partition(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, orders_tid);
	first_row(txn, db->parts, pre, 4, NULL, &k, &v);
	del_raw(txn, db->parts, &k);
}

static void test_check__an_item_without_its_partition_is_told(void)
{
	damaged(drop_partition, "its partition has no row");
}

/* A names row of a partition (pid 0). */
static int part_name(const MDB_val *k, const MDB_val *v)
{
	(void)v;
	return store_rd64((const unsigned char *)k->mv_data + 4) == 0;
}

static void drop_name(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, orders_tid);
	first_row(txn, db->names, pre, 4, part_name, &k, &v);
	del_raw(txn, db->names, &k);
}

static void test_check__a_long_name_without_its_names_row_is_told(void)
{
	damaged(drop_name, "has a long name but no names row");
}

static void stray_name(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->names, pre, 4, NULL, &k, &v);
	/* the same name in a directory that does not hold it */
	store_be64((unsigned char *)k.mv_data + 4, 777);
	put_raw(txn, db->names, &k, &v);
}

static void test_check__a_names_row_of_no_item_is_told(void)
{
	damaged(stray_name, "names no item");
}

static void drop_ttl(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->ttl, pre, 4, NULL, &k, &v);
	del_raw(txn, db->ttl, &k);
}

static void test_check__an_expiring_item_without_its_index_row_is_told(void)
{
	damaged(drop_ttl, "has no expiry index row");
}

static void stale_ttl(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->ttl, pre, 4, NULL, &k, &v);
	store_be64((unsigned char *)k.mv_data + 4, 12345);
	put_raw(txn, db->ttl, &k, &v);
}

static void test_check__an_index_row_with_another_expiry_is_told(void)
{
	damaged(stale_ttl, "expiry index row says");
}

static void break_log(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, orders_tid);
	first_row(txn, db->log, pre, 4, NULL, &k, &v);
	((unsigned char *)v.mv_data)[0] = 99; /* an unknown version */
	put_raw(txn, db->log, &k, &v);
}

static void test_check__a_corrupt_change_record_is_told(void)
{
	damaged(break_log, "is corrupt");
}

static void drop_logkey(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, orders_tid);
	first_row(txn, db->logkeys, pre, 4, NULL, &k, &v);
	del_raw(txn, db->logkeys, &k);
}

static void test_check__a_change_missing_from_the_index_is_told(void)
{
	damaged(drop_logkey, "missing from the log's index");
}

/* The second row of a stream: dropping it leaves a gap. */
static int second(const MDB_val *k, const MDB_val *v)
{
	static int n;

	(void)k;
	(void)v;
	return ++n % 2 == 0;
}

static void gap_stream(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, orders_tid);
	first_row(txn, db->stream, pre, 4, second, &k, &v);
	del_raw(txn, db->stream, &k);
}

static void test_check__a_gap_in_a_stream_is_told(void)
{
	damaged(gap_stream, "should be at");
}

static void move_stream_end(eng_db *db, MDB_txn *txn)
{
	char name[32];
	MDB_val k, v;
	unsigned char b[8];

	snprintf(name, sizeof(name), "stream_end:%u", orders_tid);
	first_row(txn, db->meta, name, strlen(name), NULL, &k, &v);
	store_be64(b, store_rd64(v.mv_data) + 10);
	v.mv_data = b;
	put_raw(txn, db->meta, &k, &v);
}

static void test_check__a_stream_end_past_its_last_record_is_told(void)
{
	damaged(move_stream_end, "its stream ends at");
}

static void counter_back(eng_db *db, MDB_txn *txn, const char *name)
{
	unsigned char b[8];
	MDB_val k = { strlen(name), (void *)name }, v = { 8, b };

	(void)db;
	store_be64(b, 1);
	put_raw(txn, db->meta, &k, &v);
}

static void oid_back(eng_db *db, MDB_txn *txn)
{
	counter_back(db, txn, "next_oid");
}

static void seq_back(eng_db *db, MDB_txn *txn)
{
	counter_back(db, txn, "last_seq");
}

static void tid_back(eng_db *db, MDB_txn *txn)
{
	counter_back(db, txn, "next_tid");
}

static void test_check__counters_behind_the_ids_in_use_are_told(void)
{
	damaged(oid_back, "counter next_oid is 1");
	damaged(seq_back, "counter last_seq is 1");
	damaged(tid_back, "counter next_tid is 1");
}

static void break_backup(eng_db *db, MDB_txn *txn)
{
	MDB_val k, v;

	first_row(txn, db->backups, "", 0, NULL, &k, &v);
	v.mv_size = 5;
	put_raw(txn, db->backups, &k, &v);
}

static void test_check__a_corrupt_backup_record_is_told_once(void)
{
	CHECK(damaged(break_backup, "backups: row 00000004: backup 4's record is corrupt\n") == 1);
}

/* Two items with one id (an inode number). */
static void same_id(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4], id[8];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	memcpy(id, (unsigned char *)v.mv_data + 4, 8); /* row.c's HEAD_ID */
	tid_key(pre, orders_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	memcpy((unsigned char *)v.mv_data + 4, id, 8);
	put_raw(txn, db->items, &k, &v);
}

static void test_check__an_id_given_twice_is_told(void)
{
	damaged(same_id, "is given to more than one item, partition or table");
}

static void orphan_item(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	store_be32(k.mv_data, 999);
	put_raw(txn, db->items, &k, &v);
}

static void test_check__rows_of_no_table_are_told(void)
{
	damaged(orphan_item, "items: 1 row under table number 999");
}

static void move_item(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	del_raw(txn, db->items, &k);
	((unsigned char *)k.mv_data)[k.mv_size - 2] ^= 0x01;
	put_raw(txn, db->items, &k, &v);
}

static void test_check__an_item_under_another_key_is_told(void)
{
	damaged(move_item, "is stored under another key");
}

static void resize_item(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;
	unsigned char *p;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	p = v.mv_data;
	store_be32(p + 45, store_rd32(p + 45) + 1); /* row.c's ITEM_SIZE */
	put_raw(txn, db->items, &k, &v);
}

static void test_check__a_wrong_item_size_is_told(void)
{
	damaged(resize_item, "its row says");
}

/* What a crash leaves of a backup being made: its record says CREATING,
 * some item rows are copied, their partitions and names not yet. */
static void half_made_backup(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4], id[4], nb[8];
	MDB_val k, v, ck = { 4, id }, nk = { 8, "next_tid" }, nv = { 8, nb };
	unsigned char *p;
	uint32_t n;

	first_row(txn, db->meta, "next_tid", 8, NULL, &k, &v);
	n = (uint32_t)store_rd64(v.mv_data) + 1;
	store_be64(nb, n);
	put_raw(txn, db->meta, &nk, &nv);
	first_row(txn, db->backups, "", 0, NULL, &k, &v);
	p = v.mv_data;
	p[1] = 0; /* catalog.c's layout: status CREATING, and a name of its own */
	p[3 + 2 + (p[3] << 8 | p[4]) + 2] = 'Z';
	store_be32(id, n);
	put_raw(txn, db->backups, &ck, &v);
	tid_key(pre, orders_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	store_be32(k.mv_data, n);
	put_raw(txn, db->items, &k, &v);
}

static void test_check__a_backup_a_crash_left_half_made_is_no_problem(void)
{
	char *dir = copy_healthy();
	eng_db_opts o = { 0 };
	eng_check_stats st, was;
	struct told t;
	MDB_txn *txn;
	eng_db *db;

	CHECK_RC(check_dir(healthy, &was, &t), 0);
	o.maint_ms = -1;
	db = dbt_open(dir, &o);
	mdb_txn_begin(db->env, NULL, 0, &txn);
	half_made_backup(db, txn);
	mdb_txn_commit(txn);
	eng_db_close(db);
	/* the next open removes it; until then it is counted, not compared */
	CHECK_RC(check_dir(dir, &st, &t), 0);
	if (st.problems)
		fprintf(stderr, "%s", t.all);
	CHECK(st.problems == 0 && st.backups == was.backups + 1 && st.items == was.items + 1);
	dbt_rmdir(dir);
}

static void file_type_mode(eng_db *db, MDB_txn *txn)
{
	unsigned char pre[4];
	MDB_val k, v;

	tid_key(pre, people_tid);
	first_row(txn, db->items, pre, 4, NULL, &k, &v);
	store_be32((unsigned char *)v.mv_data + 12, 0100644); /* row.c's HEAD_MODE */
	put_raw(txn, db->items, &k, &v);
}

static void test_check__a_mode_that_is_not_a_permission_is_told(void)
{
	damaged(file_type_mode, "its mode 100644 is not a permission");
}

static void test_check__problems_past_the_bound_are_counted(void)
{
	char *dir = copy_healthy();
	eng_db_opts o = { 0 };
	eng_check_stats st;
	struct told t;
	MDB_txn *txn;
	eng_db *db;
	unsigned char k[12], v[9];
	MDB_val key = { sizeof(k), k }, val = { sizeof(v), v };
	uint32_t i;

	o.maint_ms = -1;
	db = dbt_open(dir, &o);
	mdb_txn_begin(db->env, NULL, 0, &txn);
	memset(v, 0, sizeof(v));
	for (i = 0; i < ENG_CHECK_MAX_TOLD + 50; i++) {
		store_be32(k, 1000 + i); /* each its own orphan */
		store_be64(k + 4, 1);
		put_raw(txn, db->stream, &key, &val);
	}
	mdb_txn_commit(txn);
	eng_db_close(db);
	CHECK_RC(check_dir(dir, &st, &t), 0);
	CHECK(st.problems == ENG_CHECK_MAX_TOLD + 50);
	CHECK(t.n == ENG_CHECK_MAX_TOLD + 1);
	CHECK(strstr(t.all, "... and 50 more problems") != NULL);
	dbt_rmdir(dir);
}

int main(void)
{
	healthy = dbt_tmpdir();
	build(healthy);
	RUN(test_check__a_healthy_database_has_no_problem);
	RUN(test_check__a_read_only_open_writes_nothing);
	RUN(test_check__a_missing_or_foreign_dir_is_refused_and_not_made);
	RUN(test_check__a_database_without_every_table_of_ours_is_refused);
	RUN(test_check__a_dir_in_use_is_refused_naming_the_pid_unless_forced);
	RUN(test_check__a_corrupt_table_record_is_told_once);
	RUN(test_check__a_corrupt_item_row_is_told);
	RUN(test_check__an_item_that_does_not_decode_is_told);
	RUN(test_check__a_wrong_item_count_is_told);
	RUN(test_check__an_item_without_its_partition_is_told);
	RUN(test_check__a_long_name_without_its_names_row_is_told);
	RUN(test_check__a_names_row_of_no_item_is_told);
	RUN(test_check__an_expiring_item_without_its_index_row_is_told);
	RUN(test_check__an_index_row_with_another_expiry_is_told);
	RUN(test_check__a_corrupt_change_record_is_told);
	RUN(test_check__a_change_missing_from_the_index_is_told);
	RUN(test_check__a_gap_in_a_stream_is_told);
	RUN(test_check__a_stream_end_past_its_last_record_is_told);
	RUN(test_check__counters_behind_the_ids_in_use_are_told);
	RUN(test_check__a_corrupt_backup_record_is_told_once);
	RUN(test_check__an_id_given_twice_is_told);
	RUN(test_check__rows_of_no_table_are_told);
	RUN(test_check__an_item_under_another_key_is_told);
	RUN(test_check__a_wrong_item_size_is_told);
	RUN(test_check__a_mode_that_is_not_a_permission_is_told);
	RUN(test_check__a_backup_a_crash_left_half_made_is_no_problem);
	RUN(test_check__problems_past_the_bound_are_counted);
	dbt_rmdir(healthy);
	return check_done();
}
