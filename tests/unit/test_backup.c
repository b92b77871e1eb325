/* Unit tests of engine/backup.c: backups hold their instant whatever
 * happens to the table after, outlive it, are read through a backup view,
 * refuse bad names and changes; restores make a new table, exactly and
 * with fresh ids, from a backup or a point in time; deleting a table with
 * PITR on leaves a SYSTEM backup of it before its last deletes; a backup
 * being made when the process died is gone at the next open. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"
#include "check.h"
#include "dbtest.h"

#define TBL "Hist"
#define SEC 1000000000LL

static char *dir;
static eng_db *db;
static eng_clock *clk;

static void setup(void)
{
	db = dbt_ttl_open(&dir, &clk, TBL);
}

static void teardown(void)
{
	dbt_ttl_close(db, clk, dir);
}

static int put(const char *table, const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	eng_event ev;
	int rc = eng_item_put(db, NULL, table, &it, NULL, 0, &ev, NULL, &err);

	lay_item_free(&it);
	return rc;
}

static int del(const char *table, const char *id)
{
	lay_key k = dbt_key1(dbt_s(id));

	return eng_item_delete(db, NULL, table, &k, NULL, NULL);
}

/* Item id of table in view rq (NULL: live) as plain text without its
 * newline, into out; the return code. */
static int text(eng_req *rq, const char *table, const char *id, char *out, size_t size,
		eng_meta *meta)
{
	lay_key k = dbt_key1(dbt_s(id));
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc = eng_item_text(db, rq, table, &k, LAY_FMT_PLAIN, &b, meta, &err);

	snprintf(out, size, "%.*s", b.len ? (int)b.len - 1 : 0, b.p ? b.p : "");
	lay_buf_free(&b);
	return rc;
}

static eng_req backup_view(uint32_t id)
{
	eng_req rq = { 0 };

	rq.view = ENG_VIEW_BACKUP;
	rq.backup = id;
	return rq;
}

struct keys {
	char all[4096];
};

static int on_key(void *ctx, const eng_entry *e)
{
	struct keys *k = ctx;
	size_t n = strlen(k->all);

	snprintf(k->all + n, sizeof(k->all) - n, "%.*s ", (int)e->key->len, e->key->u.p);
	return 0;
}

static void test_backup__holds_its_instant_and_refuses_changes(void)
{
	lay_err err = { 0, "" };
	eng_backup_info bi;
	eng_table_info ti;
	eng_req rq;
	struct keys ks;
	char got[256];
	lay_item it;
	eng_event ev;

	setup();
	CHECK_RC(put(TBL, "{\"id\":\"a\",\"v\":1}"), 0);
	CHECK_RC(put(TBL, "{\"id\":\"b\",\"v\":\"x\",\"n\":[1,2]}"), 0);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "first", &bi, &err), 0);
	CHECK(bi.item_count == 2);
	CHECK(bi.type == ENG_BACKUP_USER);
	CHECK_RC(put(TBL, "{\"id\":\"a\",\"v\":2}"), 0);
	CHECK_RC(del(TBL, "b"), 0);
	CHECK_RC(put(TBL, "{\"id\":\"c\",\"v\":3}"), 0);

	rq = backup_view(bi.id);
	CHECK_RC(text(&rq, TBL, "a", got, sizeof(got), NULL), 0);
	CHECK_STR(got, "{\"id\":\"a\",\"v\":1}");
	CHECK_RC(text(&rq, TBL, "b", got, sizeof(got), NULL), 0);
	CHECK_STR(got, "{\"id\":\"b\",\"v\":\"x\",\"n\":[1,2]}");
	CHECK_RC(text(&rq, TBL, "c", got, sizeof(got), NULL), -ENOENT);
	memset(&ks, 0, sizeof(ks));
	CHECK_RC(eng_list(db, &rq, TBL, NULL, NULL, 0, 0, on_key, &ks, &err), 0);
	CHECK_STR(ks.all, "a b ");
	CHECK_RC(eng_table_get(db, &rq, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 2);
	CHECK(rq.rcu == 0);

	/* read-only, and another table's name does not reach it */
	it = dbt_item("{\"id\":\"z\"}");
	CHECK_RC(eng_item_put(db, &rq, TBL, &it, NULL, 0, &ev, NULL, &err), -EROFS);
	lay_item_free(&it);
	CHECK_RC(eng_table_create(db, NULL, "Other", NULL, NULL, &err), 0);
	CHECK_RC(text(&rq, "Other", "a", got, sizeof(got), NULL), -ENOENT);
	teardown();
}

static void test_backup__bad_names_and_duplicates_change_nothing(void)
{
	lay_err err = { 0, "" };
	eng_backup_info *all = NULL;

	setup();
	CHECK_RC(eng_backup_create(db, NULL, TBL, "ab", NULL, &err), -EINVAL);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "@2026-01-01T00:00:00Z", NULL, &err), -EINVAL);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "a b c", NULL, &err), -EINVAL);
	CHECK_RC(eng_backup_create(db, NULL, TBL, ".hidden", NULL, &err), -EINVAL);
	CHECK_RC(eng_backup_create(db, NULL, "NoSuch", "fine", NULL, &err), -ENOENT);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "fine", NULL, &err), 0);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "fine", NULL, &err), -EEXIST);
	CHECK_RC(eng_backup_list(db, NULL, &all, &err), 1);
	CHECK_STR(all[0].name, "fine");
	free(all);
	CHECK_RC(eng_backup_delete(db, NULL, TBL, "nope", &err), -ENOENT);
	CHECK_RC(eng_backup_delete(db, NULL, TBL, "fine", &err), 0);
	CHECK_RC(eng_backup_list(db, TBL, &all, &err), 0);
	free(all);
	teardown();
}

static void test_backup__outlives_its_table_and_restores_with_fresh_ids(void)
{
	lay_err err = { 0, "" };
	eng_backup_info bi;
	eng_table_info ti;
	eng_meta m1, m2;
	eng_req rq;
	char got[256];
	uint64_t seq;

	setup();
	CHECK_RC(put(TBL, "{\"id\":\"a\",\"v\":1.5,\"b\":{\"B\":\"AAEC\"}}"), 0);
	CHECK_RC(put(TBL, "{\"id\":\"b\",\"s\":{\"SS\":[\"x\",\"y\"]}}"), 0);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "keep", &bi, &err), 0);
	CHECK_RC(text(NULL, TBL, "a", got, sizeof(got), &m1), 0);
	CHECK_RC(del(TBL, "a"), 0);
	CHECK_RC(del(TBL, "b"), 0);
	CHECK_RC(eng_table_delete(db, NULL, TBL, &err), 0);

	rq = backup_view(bi.id);
	CHECK_RC(text(&rq, TBL, "a", got, sizeof(got), NULL), 0);
	CHECK_STR(got, "{\"id\":\"a\",\"v\":1.5,\"b\":{\"B\":\"AAEC\"}}");
	seq = eng_log_last_seq(db);
	CHECK_RC(eng_table_restore(db, &rq, TBL, "Back", &err), 0);
	CHECK_RC(text(NULL, "Back", "a", got, sizeof(got), &m2), 0);
	CHECK_STR(got, "{\"id\":\"a\",\"v\":1.5,\"b\":{\"B\":\"AAEC\"}}");
	CHECK(m1.id != m2.id);
	CHECK(m1.mtime_ns == m2.mtime_ns);
	CHECK_RC(text(NULL, "Back", "b", got, sizeof(got), NULL), 0);
	CHECK_STR(got, "{\"id\":\"b\",\"s\":{\"SS\":[\"x\",\"y\"]}}");
	CHECK_RC(eng_table_get(db, NULL, "Back", &ti, &err), 0);
	CHECK(ti.item_count == 2);
	CHECK(ti.settings.pitr == 0);
	CHECK(ti.settings.ttl_attr[0] == 0);
	/* restored, not written: no change record */
	CHECK(eng_log_last_seq(db) == seq);
	CHECK_RC(eng_table_restore(db, &rq, TBL, "Back", &err), -EEXIST);
	CHECK_RC(eng_table_restore(db, &rq, TBL, "x", &err), -EINVAL);
	CHECK_RC(eng_table_restore(db, NULL, "Back", "Copy", &err), -EINVAL);
	teardown();
}

static void test_backup__a_point_in_time_restores(void)
{
	lay_err err = { 0, "" };
	eng_req rq = { 0 };
	char got[256];
	int64_t t1;
	int i;

	setup();
	for (i = 0; i < 50; i++) {
		char j[64];

		snprintf(j, sizeof(j), "{\"id\":\"k%02d\",\"v\":%d}", i, i);
		CHECK_RC(put(TBL, j), 0);
	}
	dbt_advance(clk, 10);
	t1 = eng_clock_now_ns(clk);
	dbt_advance(clk, 10);
	CHECK_RC(put(TBL, "{\"id\":\"k07\",\"v\":\"changed\"}"), 0);
	CHECK_RC(del(TBL, "k08"), 0);
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = t1;
	CHECK_RC(eng_table_restore(db, &rq, TBL, "Then", &err), 0);
	CHECK_RC(text(NULL, "Then", "k07", got, sizeof(got), NULL), 0);
	CHECK_STR(got, "{\"id\":\"k07\",\"v\":7}");
	CHECK_RC(text(NULL, "Then", "k08", got, sizeof(got), NULL), 0);
	rq.as_of_ns = t1 - 3600 * SEC;
	CHECK_RC(eng_table_restore(db, &rq, TBL, "Before", &err), -ENOENT);
	teardown();
}

static void test_backup__deleting_a_pitr_table_leaves_a_system_backup(void)
{
	lay_err err = { 0, "" };
	eng_backup_info *all = NULL;
	eng_req rq;
	char got[256];
	int n;

	setup();
	CHECK_RC(put(TBL, "{\"id\":\"a\",\"v\":1}"), 0);
	CHECK_RC(put(TBL, "{\"id\":\"b\",\"v\":2}"), 0);
	dbt_advance(clk, 5);
	CHECK_RC(del(TBL, "a"), 0);
	CHECK_RC(del(TBL, "b"), 0);
	CHECK_RC(eng_table_delete(db, NULL, TBL, &err), 0);
	n = eng_backup_list(db, TBL, &all, &err);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(all[0].type == ENG_BACKUP_SYSTEM);
		CHECK(all[0].item_count == 2);
		CHECK(all[0].expires_ns > eng_clock_now_ns(clk));
		rq = backup_view(all[0].id);
		CHECK_RC(text(&rq, TBL, "b", got, sizeof(got), NULL), 0);
		CHECK_STR(got, "{\"id\":\"b\",\"v\":2}");
	}
	free(all);
	/* kept 35 days */
	dbt_advance(clk, 36 * 24 * 3600);
	CHECK_RC(eng_db_maintain(db, 0, NULL, &err), 0);
	CHECK_RC(eng_backup_list(db, TBL, &all, &err), 0);
	free(all);
	teardown();
}

static void no_problem(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "check: %s\n", problem);
}

static void test_backup__leaves_out_the_long_names_of_expired_items(void)
{
	char json[1024], id[400];
	lay_err err = { 0, "" };
	eng_backup_info bi;
	eng_check_stats st;
	eng_req rq = { 0 };

	setup();
	/* expired, not swept yet: the copy leaves it out, and its long name's
	 * row with it */
	memset(id, 'x', 300);
	id[300] = '\0';
	snprintf(json, sizeof(json), "{\"id\":\"%s\",\"exp\":%lld}", id,
		 (long long)(eng_clock_now_ns(clk) / SEC) - 5);
	CHECK_RC(put(TBL, json), 0);
	CHECK_RC(put(TBL, "{\"id\":\"kept\"}"), 0);
	CHECK_RC(eng_backup_create(db, NULL, TBL, "first", &bi, &err), 0);
	CHECK(bi.item_count == 1);
	rq.view = ENG_VIEW_BACKUP;
	rq.backup = bi.id;
	CHECK_RC(eng_table_restore(db, &rq, TBL, "Back", &err), 0);
	CHECK_RC(eng_db_check(db, no_problem, NULL, &st, &err), 0);
	CHECK(st.problems == 0);
	CHECK(st.names == 1); /* the table's own, kept until the sweep */
	teardown();
}

int main(void)
{
	RUN(test_backup__holds_its_instant_and_refuses_changes);
	RUN(test_backup__bad_names_and_duplicates_change_nothing);
	RUN(test_backup__outlives_its_table_and_restores_with_fresh_ids);
	RUN(test_backup__a_point_in_time_restores);
	RUN(test_backup__deleting_a_pitr_table_leaves_a_system_backup);
	RUN(test_backup__leaves_out_the_long_names_of_expired_items);
	return check_done();
}
