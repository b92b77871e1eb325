/* Unit tests of engine/db.c (SPEC §1, §17): DATA_DIR is created, one owner
 * at a time (the lock names the holder's pid), reopening works, and the
 * LMDB map grows by itself. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "dbtest.h"

static int exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void test_db__open_creates_the_data_dir(void)
{
	char *tmp = dbt_tmpdir(), dir[4096], path[8192], text[64] = "";
	eng_db *db;
	int fd;
	ssize_t n;

	snprintf(dir, sizeof(dir), "%s/data", tmp);
	CHECK(!exists(tmp, "data"));
	db = dbt_open(dir, NULL);
	CHECK(exists(tmp, "data"));
	CHECK(exists(dir, "data.mdb"));
	CHECK_STR(eng_db_dir(db), dir);
	/* the lock file holds our pid */
	snprintf(path, sizeof(path), "%s/ddbfs.lock", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	CHECK(n > 0 && atol(text) == (long)getpid());
	CHECK_RC(eng_db_sync(db), 0);
	eng_db_close(db);
	dbt_rmdir(tmp);
}

static void test_db__second_open_is_ebusy_naming_the_pid(void)
{
	char *dir = dbt_tmpdir(), want[64];
	lay_err err = { 0, "" };
	eng_db *db = dbt_open(dir, NULL), *db2 = NULL;

	CHECK_RC(eng_db_open(&db2, dir, NULL, &err), -EBUSY);
	CHECK(db2 == NULL);
	snprintf(want, sizeof(want), "in use by pid %ld", (long)getpid());
	CHECK(strstr(err.msg, want) != NULL);
	CHECK(strstr(err.msg, dir) != NULL);
	eng_db_close(db);
	dbt_rmdir(dir);
}

static void test_db__open_from_another_process_is_ebusy(void)
{
	char *dir = dbt_tmpdir();
	eng_db *db = dbt_open(dir, NULL);
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		lay_err err = { 0, "" };
		eng_db *db2 = NULL;
		char want[64];
		int rc = eng_db_open(&db2, dir, NULL, &err);

		snprintf(want, sizeof(want), "in use by pid %ld", (long)getppid());
		_exit(rc == -EBUSY && strstr(err.msg, want) ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	eng_db_close(db);
	dbt_rmdir(dir);
}

static void test_db__reopen_after_close_keeps_the_data(void)
{
	char *dir = dbt_tmpdir();
	lay_err err = { 0, "" };
	eng_table_info ti;
	eng_db *db = dbt_open(dir, NULL);

	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	eng_db_close(db);
	db = dbt_open(dir, NULL);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK_STR(ti.name, "Orders");
	eng_db_close(db);
	/* and the lock went with the close */
	db = dbt_open(dir, NULL);
	eng_db_close(db);
	dbt_rmdir(dir);
}

static void test_db__sync_always_commits_survive_reopen(void)
{
	char *dir = dbt_tmpdir();
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_item it = dbt_item("{\"PK\":\"a\",\"SK\":\"b\",\"v\":1}");
	lay_key key = dbt_key(dbt_s("a"), dbt_s("b"));
	eng_db *db;

	o.sync_always = 1;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(eng_item_put(db, NULL, "Orders", &it, NULL, 0, NULL, NULL, &err), 0);
	CHECK_RC(eng_db_sync(db), 0);
	eng_db_close(db);
	o.sync_always = 0;
	o.sync_ms = 10;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_item_get(db, NULL, "Orders", &key, NULL, NULL, &err), 0);
	eng_db_close(db);
	lay_item_free(&it);
	dbt_rmdir(dir);
}

static void test_db__open_of_an_unusable_dir_fails_with_a_message(void)
{
	char *tmp = dbt_tmpdir(), path[4096];
	lay_err err = { 0, "" };
	eng_db *db = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/no/such", tmp);
	CHECK_RC(eng_db_open(&db, path, NULL, &err), -ENOENT);
	CHECK(db == NULL && strstr(err.msg, path) != NULL);
	snprintf(path, sizeof(path), "%s/file", tmp);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	err.msg[0] = '\0';
	CHECK(eng_db_open(&db, path, NULL, &err) < 0);
	CHECK(db == NULL && err.msg[0] != '\0');
	dbt_rmdir(tmp);
}

static void test_db__close_accepts_null(void)
{
	eng_db_close(NULL);
	CHECK(1);
}

static void test_db__clock_is_the_one_given(void)
{
	char *dir = dbt_tmpdir();
	eng_clock *c = NULL;
	eng_db_opts o = { 0 };
	eng_db *db;

	CHECK_RC(eng_clock_new(&c, 1), 0);
	o.clock = c;
	db = dbt_open(dir, &o);
	CHECK(eng_db_clock(db) == c);
	eng_db_close(db);
	db = dbt_open(dir, NULL);
	CHECK(eng_db_clock(db) != NULL && !eng_clock_is_test(eng_db_clock(db)));
	eng_db_close(db);
	eng_clock_free(c);
	dbt_rmdir(dir);
}

/* ~20 MB of items into a map that starts at 64 KiB */
#define GROW_ITEMS 2000
#define GROW_PAD 10000

static void put_padded(eng_db *db, int i, const char *pad, int *bad)
{
	char *json = malloc(GROW_PAD + 100);
	lay_err err = { 0, "" };
	lay_item it;
	int rc;

	snprintf(json, GROW_PAD + 100, "{\"PK\":\"p%d\",\"SK\":\"s%05d\",\"pad\":\"%s\"}", i % 7, i,
		 pad);
	it = dbt_item(json);
	rc = eng_item_put(db, NULL, "Big", &it, NULL, 0, NULL, NULL, &err);
	if (rc < 0) {
		fprintf(stderr, "put %d: %s %s\n", i, lay_errno_name(rc), err.msg);
		(*bad)++;
	}
	lay_item_free(&it);
	free(json);
}

static int check_padded(eng_db *db, int i, const char *pad)
{
	char pk[16], sk[16];
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	const lay_attr *a;
	lay_key key;
	int ok;

	snprintf(pk, sizeof(pk), "p%d", i % 7);
	snprintf(sk, sizeof(sk), "s%05d", i);
	key = dbt_key(dbt_s(pk), dbt_s(sk));
	if (eng_item_get(db, NULL, "Big", &key, &it, NULL, &err) < 0)
		return 0;
	a = lay_item_find(&it, "pad", 3);
	ok = a && a->v.len == strlen(pad) && memcmp(a->v.u.p, pad, a->v.len) == 0;
	lay_item_free(&it);
	return ok;
}

static void test_db__map_grows_from_64k_to_hold_20mb(void)
{
	char *dir = dbt_tmpdir(), *pad = malloc(GROW_PAD + 1), path[8192];
	struct stat st;
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;
	eng_db *db;
	int i, bad = 0, missing = 0;

	for (i = 0; i < GROW_PAD; i++)
		pad[i] = (char)('a' + i % 26);
	pad[GROW_PAD] = '\0';
	o.map_size = 64 << 10;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Big", NULL, NULL, &err), 0);
	for (i = 0; i < GROW_ITEMS; i++)
		put_padded(db, i, pad, &bad);
	CHECK(bad == 0);
	for (i = 0; i < GROW_ITEMS; i++)
		missing += !check_padded(db, i, pad);
	CHECK(missing == 0);
	CHECK_RC(eng_table_get(db, NULL, "Big", &ti, &err), 0);
	CHECK(ti.item_count == GROW_ITEMS);
	CHECK(ti.size_bytes > 20000000);
	/* the file holds it all: the map went far past its first 64 KiB */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK(stat(path, &st) == 0 && st.st_size > 20000000);
	eng_db_close(db);
	/* the grown map opens again, also with the small size asked */
	db = dbt_open(dir, &o);
	missing = 0;
	for (i = 0; i < GROW_ITEMS; i += 97)
		missing += !check_padded(db, i, pad);
	CHECK(missing == 0);
	bad = 0;
	put_padded(db, GROW_ITEMS, pad, &bad);
	CHECK(bad == 0);
	eng_db_close(db);
	free(pad);
	dbt_rmdir(dir);
}

/* Put item i of the "Big" table: 0 or the errno, with the message in err. */
static int try_put(eng_db *db, int i, const char *pad, lay_err *err)
{
	char *json = malloc(GROW_PAD + 100);
	lay_item it;
	int rc;

	snprintf(json, GROW_PAD + 100, "{\"PK\":\"p%d\",\"SK\":\"s%05d\",\"pad\":\"%s\"}", i % 7, i,
		 pad);
	it = dbt_item(json);
	rc = eng_item_put(db, NULL, "Big", &it, NULL, 0, NULL, NULL, err);
	lay_item_free(&it);
	free(json);
	return rc;
}

static int del_padded(eng_db *db, int i, lay_err *err)
{
	char pk[16], sk[16];
	lay_key key;

	snprintf(pk, sizeof(pk), "p%d", i % 7);
	snprintf(sk, sizeof(sk), "s%05d", i);
	key = dbt_key(dbt_s(pk), dbt_s(sk));
	return eng_item_delete(db, NULL, "Big", &key, NULL, err);
}

#define FULL_MAX ((size_t)8 << 20)

/* A disk that holds 8 MB (map_max): puts fill it to ENOSPC naming DATA_DIR,
 * the failed put changes nothing, every delete works, and after deleting,
 * puts work again; a full DATA_DIR reopens. */
static void test_db__full_disk_refuses_puts_but_never_deletes(void)
{
	char *dir = dbt_tmpdir(), *pad = malloc(GROW_PAD + 1), path[8192];
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;
	struct stat st;
	int i, n, rc = 0, bad = 0, missing = 0;
	eng_db *db;

	for (i = 0; i < GROW_PAD; i++)
		pad[i] = (char)('a' + i % 26);
	pad[GROW_PAD] = '\0';
	o.map_max = FULL_MAX;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Big", NULL, NULL, &err), 0);
	for (n = 0; n < 10000 && (rc = try_put(db, n, pad, &err)) == 0; n++)
		;
	CHECK_RC(rc, -ENOSPC);
	CHECK(strstr(err.msg, dir) != NULL);
	CHECK(strstr(err.msg, "no space left") != NULL);
	CHECK(n > 300); /* most of the 8 MB holds items */
	for (i = 0; i < n; i++)
		missing += !check_padded(db, i, pad);
	CHECK(missing == 0);
	CHECK(!check_padded(db, n, pad));
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK(stat(path, &st) == 0 && (size_t)st.st_size <= FULL_MAX);
	/* full, it reopens */
	eng_db_close(db);
	db = dbt_open(dir, &o);
	CHECK_RC(try_put(db, n, pad, &err), -ENOSPC);
	/* every delete works, one at a time */
	for (i = 0; i < n; i++) {
		if ((rc = del_padded(db, i, &err)) < 0) {
			fprintf(stderr, "delete %d: %s %s\n", i, lay_errno_name(rc), err.msg);
			bad++;
		}
	}
	CHECK(bad == 0);
	CHECK_RC(eng_table_get(db, NULL, "Big", &ti, &err), 0);
	CHECK(ti.item_count == 0);
	/* and the space is there again */
	for (i = 0; i < n / 2; i++)
		put_padded(db, i, pad, &bad);
	CHECK(bad == 0);
	eng_db_close(db);
	free(pad);
	dbt_rmdir(dir);
}

/* A full table goes with rm -r's last step: the table's delete. */
static void test_db__full_disk_deletes_a_whole_table(void)
{
	char *dir = dbt_tmpdir(), *pad = malloc(GROW_PAD + 1);
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	int i, n, rc = 0, bad = 0;
	eng_db *db;

	for (i = 0; i < GROW_PAD; i++)
		pad[i] = (char)('a' + i % 26);
	pad[GROW_PAD] = '\0';
	o.map_max = FULL_MAX;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Big", NULL, NULL, &err), 0);
	for (n = 0; n < 10000 && (rc = try_put(db, n, pad, &err)) == 0; n++)
		;
	CHECK_RC(rc, -ENOSPC);
	/* the items of half the partitions, then the rest at once */
	for (i = 0; i < n; i++)
		if (i % 7 < 3 && del_padded(db, i, &err) < 0)
			bad++;
	CHECK(bad == 0);
	CHECK_RC(eng_table_delete(db, NULL, "Big", &err), -ENOTEMPTY);
	for (i = 0; i < n; i++)
		if (i % 7 >= 3 && del_padded(db, i, &err) < 0)
			bad++;
	CHECK(bad == 0);
	CHECK_RC(eng_table_delete(db, NULL, "Big", &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "Big", NULL, NULL, &err), 0);
	for (i = 0; i < n / 2; i++)
		put_padded(db, i, pad, &bad);
	CHECK(bad == 0);
	eng_db_close(db);
	free(pad);
	dbt_rmdir(dir);
}

/* A map larger than its data (an earlier run's, or an older version's
 * 256 MB) shrinks when the db opens, keeping the data. */
static void test_db__an_oversized_map_shrinks_at_open(void)
{
	char *dir = dbt_tmpdir(), *pad = malloc(GROW_PAD + 1), path[8192];
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	struct stat st;
	int i, bad = 0, missing = 0;
	eng_db *db;

	for (i = 0; i < GROW_PAD; i++)
		pad[i] = (char)('a' + i % 26);
	pad[GROW_PAD] = '\0';
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	o.map_size = (size_t)64 << 20;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Big", NULL, NULL, &err), 0);
	for (i = 0; i < 100; i++)
		put_padded(db, i, pad, &bad);
	CHECK(bad == 0);
	eng_db_close(db);
	CHECK(stat(path, &st) == 0 && st.st_size == (off_t)64 << 20);
	db = dbt_open(dir, NULL);
	CHECK(stat(path, &st) == 0 && st.st_size < (off_t)8 << 20);
	CHECK(st.st_blocks * 512 < (off_t)8 << 20);
	for (i = 0; i < 100; i++)
		missing += !check_padded(db, i, pad);
	CHECK(missing == 0);
	eng_db_close(db);
	free(pad);
	dbt_rmdir(dir);
}

struct syncer {
	eng_db *db;
	volatile int stop;
	int calls, failed;
};

static void *sync_loop(void *arg)
{
	struct syncer *s = arg;
	int rc;

	while (!s->stop) {
		if ((rc = eng_db_sync(s->db)) < 0) {
			if (!s->failed++)
				fprintf(stderr, "eng_db_sync: %s\n", lay_errno_name(rc));
		}
		s->calls++;
	}
	return NULL;
}

/* With MDB_WRITEMAP a sync msyncs the map that a growth moves: syncs while
 * the map grows from 64 KiB all succeed. */
static void test_db__sync_while_the_map_grows(void)
{
	char *dir = dbt_tmpdir(), *pad = malloc(GROW_PAD + 1);
	struct syncer s = { 0 };
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	pthread_t th;
	int i, bad = 0;

	for (i = 0; i < GROW_PAD; i++)
		pad[i] = (char)('a' + i % 26);
	pad[GROW_PAD] = '\0';
	o.map_size = 64 << 10;
	s.db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(s.db, NULL, "Big", NULL, NULL, &err), 0);
	pthread_create(&th, NULL, sync_loop, &s);
	for (i = 0; i < GROW_ITEMS; i++)
		put_padded(s.db, i, pad, &bad);
	s.stop = 1;
	pthread_join(th, NULL);
	CHECK(bad == 0);
	CHECK(s.calls > 0);
	CHECK(s.failed == 0);
	eng_db_close(s.db);
	free(pad);
	dbt_rmdir(dir);
}

int main(void)
{
	RUN(test_db__open_creates_the_data_dir);
	RUN(test_db__second_open_is_ebusy_naming_the_pid);
	RUN(test_db__open_from_another_process_is_ebusy);
	RUN(test_db__reopen_after_close_keeps_the_data);
	RUN(test_db__sync_always_commits_survive_reopen);
	RUN(test_db__open_of_an_unusable_dir_fails_with_a_message);
	RUN(test_db__close_accepts_null);
	RUN(test_db__clock_is_the_one_given);
	RUN(test_db__map_grows_from_64k_to_hold_20mb);
	RUN(test_db__full_disk_refuses_puts_but_never_deletes);
	RUN(test_db__full_disk_deletes_a_whole_table);
	RUN(test_db__sync_while_the_map_grows);
	RUN(test_db__an_oversized_map_shrinks_at_open);
	return check_done();
}
