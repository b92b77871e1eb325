/* Unit tests of engine/cache.c (SPEC §11): eng_item_text and whole
 * listings from the cache, hits that cost nothing, its bound and its
 * times, and that no change from any path leaves a reader an older item or
 * listing: item changes, metadata, table changes, and a read whose put
 * races a write (by a test hook). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "../../engine/cache.h"
#include "../../engine/engine.h"
#include "dbtest.h"

#define TBL "Tab"

static char *dir;
static eng_db *db;
static eng_clock *clk;

static void setup_sized(size_t bytes, int64_t ttl_ns)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };

	dir = dbt_tmpdir();
	if (eng_clock_new(&clk, 1) < 0)
		exit(2);
	o.clock = clk;
	o.maint_ms = -1;
	o.cache_bytes = bytes;
	o.cache_ttl_ns = ttl_ns;
	db = dbt_open(dir, &o);
	if (eng_table_create(db, NULL, TBL, NULL, NULL, &err) < 0) {
		fprintf(stderr, "create %s: %s\n", TBL, err.msg);
		exit(2);
	}
}

static void setup(void)
{
	setup_sized((size_t)1 << 20, 0);
}

static void teardown(void)
{
	store_icache_before_put = NULL;
	store_icache_before_put_arg = NULL;
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

/* Put JSON text into table t: the put's result. */
static int put_in(const char *t, const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	int rc = eng_item_put(db, NULL, t, &it, NULL, 0, NULL, NULL, &err);

	lay_item_free(&it);
	return rc;
}

static int put(const char *json)
{
	return put_in(TBL, json);
}

/* The text of item (PK p, SK s) of table t in format fmt into *out (a
 * static buffer, "" on failure), its metadata into *meta (may be NULL):
 * the read's result. */
static int text_of(const char *t, const char *p, const char *s, lay_format fmt, eng_req *req,
		   const char **out, eng_meta *meta)
{
	static lay_buf b;
	lay_key key = dbt_key(dbt_s(p), dbt_s(s));
	lay_err err = { 0, "" };
	int rc;

	lay_buf_reset(&b);
	rc = eng_item_text(db, req, t, &key, fmt, &b, meta, &err);
	*out = b.p && rc == 0 ? b.p : "";
	return rc;
}

static int text(const char *p, const char *s, const char **out)
{
	return text_of(TBL, p, s, LAY_FMT_PLAIN, NULL, out, NULL);
}

static eng_cache_stats_t stats(void)
{
	eng_cache_stats_t st;

	eng_cache_stats(db, &st);
	return st;
}

static void test_cache__second_read_is_a_hit_that_costs_nothing(void)
{
	eng_req rq = { 0 };
	eng_meta m1, m2;
	const char *t;
	char first[256];

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, &rq, &t, &m1), 0);
	snprintf(first, sizeof(first), "%s", t);
	CHECK(rq.rcu == 1);
	CHECK(stats().misses == 1 && stats().hits == 0 && stats().entries == 1);
	rq.rcu = 7;
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, &rq, &t, &m2), 0);
	CHECK_STR(t, first);
	CHECK(rq.rcu == 0 && rq.wcu == 0);
	CHECK(memcmp(&m1, &m2, sizeof(m1)) == 0);
	CHECK(m2.len == strlen(first));
	CHECK(stats().hits == 1 && stats().misses == 1);
	CHECK(stats().bytes > strlen(first) && stats().limit == (size_t)1 << 20);
	teardown();
}

static void test_cache__appends_to_what_the_buffer_holds(void)
{
	lay_key key = dbt_key(dbt_s("p"), dbt_s("a"));
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	lay_buf_adds(&b, "x");
	CHECK_RC(eng_item_text(db, NULL, TBL, &key, LAY_FMT_PLAIN, &b, NULL, &err), 0);
	lay_buf_reset(&b);
	lay_buf_adds(&b, "y");
	CHECK_RC(eng_item_text(db, NULL, TBL, &key, LAY_FMT_PLAIN, &b, NULL, &err), 0);
	CHECK(stats().hits == 1);
	CHECK(b.p && b.p[0] == 'y' && strstr(b.p, "{\"PK\"") == b.p + 1);
	lay_buf_free(&b);
	teardown();
}

static void test_cache__a_missing_item_is_not_kept(void)
{
	const char *t;

	setup();
	CHECK_RC(text("p", "nope", &t), -ENOENT);
	CHECK_RC(text("p", "nope", &t), -ENOENT);
	CHECK(stats().entries == 0 && stats().hits == 0);
	CHECK_RC(text_of("NoTable", "p", "a", LAY_FMT_PLAIN, NULL, &t, NULL), -ENOENT);
	teardown();
}

static void test_cache__formats_are_kept_apart_and_dropped_together(void)
{
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_DDB, NULL, &t, NULL), 0);
	CHECK(strstr(t, "{\"N\":\"1\"}") != NULL);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strstr(t, "\"v\":1") != NULL);
	CHECK(stats().entries == 2);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_DDB, NULL, &t, NULL), 0);
	CHECK(strstr(t, "{\"N\":\"1\"}") != NULL);
	CHECK(stats().hits == 1);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":2}"), 0);
	CHECK(stats().entries == 0);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_DDB, NULL, &t, NULL), 0);
	CHECK(strstr(t, "{\"N\":\"2\"}") != NULL);
	teardown();
}

static void test_cache__every_item_change_is_seen_at_once(void)
{
	lay_key a = dbt_key(dbt_s("p"), dbt_s("a")), b = dbt_key(dbt_s("p"), dbt_s("b"));
	lay_value two = dbt_n("2");
	lay_err err = { 0, "" };
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":5}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strstr(t, "\"v\":5") != NULL);
	/* one attribute */
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &a, "w", &two, NULL, NULL, &err), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strstr(t, "\"w\":2") != NULL);
	/* a rename: gone from a, at b */
	CHECK_RC(text("p", "b", &t), -ENOENT);
	CHECK_RC(eng_item_rename(db, NULL, TBL, &a, &b, 0, &err), 0);
	CHECK_RC(text("p", "a", &t), -ENOENT);
	CHECK_RC(text("p", "b", &t), 0);
	CHECK(strstr(t, "\"w\":2") != NULL && strstr(t, "\"SK\":\"b\"") != NULL);
	/* a delete */
	CHECK_RC(eng_item_delete(db, NULL, TBL, &b, NULL, &err), 0);
	CHECK_RC(text("p", "b", &t), -ENOENT);
	teardown();
}

static void test_cache__metadata_changes_are_seen_at_once(void)
{
	lay_key a = dbt_key(dbt_s("p"), dbt_s("a"));
	lay_item it = dbt_item("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}");
	lay_err err = { 0, "" };
	eng_meta m = { 0 }, got;
	eng_event ev;
	const char *t;

	setup();
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err), 0);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, NULL, &t, &got), 0);
	CHECK(got.mode == 0644);
	/* chmod: no event, still never stale */
	m.mode = 0600;
	CHECK_RC(eng_item_set_meta(db, NULL, TBL, &a, &m, ENG_META_MODE, NULL, &err), 0);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, NULL, &t, &got), 0);
	CHECK(got.mode == 0600);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, NULL, &t, &got), 0);
	CHECK(got.mode == 0600);
	/* a put of the same attributes with metadata (which a close can do) */
	m.mode = 0640;
	m.uid = 42;
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, &m, ENG_META_MODE | ENG_META_UID, &ev, NULL,
			      &err),
		 0);
	CHECK(ev == ENG_UNCHANGED);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, NULL, &t, &got), 0);
	CHECK(got.mode == 0640 && got.uid == 42);
	lay_item_free(&it);
	teardown();
}

/* Subscribers hear of real changes only, as before the cache. */
static void count_events(void *ctx, const eng_item_event *ev)
{
	(void)ev;
	++*(int *)ctx;
}

static void test_cache__a_metadata_put_tells_no_subscriber(void)
{
	lay_item it = dbt_item("{\"PK\":\"p\",\"SK\":\"a\"}");
	lay_err err = { 0, "" };
	eng_meta m = { 0 };
	int n = 0;

	setup();
	CHECK_RC(eng_subscribe(db, count_events, &n), 0);
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err), 0);
	CHECK(n == 1);
	m.mode = 0600;
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, &m, ENG_META_MODE, NULL, NULL, &err), 0);
	CHECK(n == 1);
	eng_unsubscribe(db, count_events, &n);
	lay_item_free(&it);
	teardown();
}

static void test_cache__an_entry_lives_cache_ttl_of_the_db_clock(void)
{
	const char *t;

	setup_sized((size_t)1 << 20, 10 * 1000000000LL);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	dbt_advance(clk, 9);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(stats().hits == 1 && stats().misses == 1);
	dbt_advance(clk, 1);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(stats().hits == 1 && stats().misses == 2);
	CHECK(stats().ttl_ns == 10 * 1000000000LL);
	teardown();
}

static void test_cache__the_default_ttl_is_300_seconds(void)
{
	const char *t;

	setup();
	CHECK(stats().ttl_ns == 300 * 1000000000LL);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	dbt_advance(clk, 299);
	CHECK_RC(text("p", "a", &t), 0);
	dbt_advance(clk, 1);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(stats().hits == 1 && stats().misses == 2);
	teardown();
}

static void test_cache__an_expired_item_is_never_served(void)
{
	lay_settings s = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;
	char json[128];
	const char *t;
	long long now;

	setup();
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	s = ti.settings;
	strcpy(s.ttl_attr, "exp");
	CHECK_RC(eng_table_set_settings(db, NULL, TBL, &s, &err), 0);
	now = eng_clock_now_ns(clk) / 1000000000;
	snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"a\",\"exp\":%lld}", now + 10);
	CHECK_RC(put(json), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(stats().hits == 1);
	/* no sweep runs (maint_ms < 0): the row is there, expired */
	dbt_advance(clk, 11);
	CHECK_RC(text("p", "a", &t), -ENOENT);
	CHECK(stats().entries == 0);
	teardown();
}

static void test_cache__a_new_ttl_attribute_drops_the_table(void)
{
	lay_settings s = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;
	char json[128];
	const char *t;
	long long now;

	setup();
	now = eng_clock_now_ns(clk) / 1000000000;
	snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"a\",\"exp\":%lld}", now - 10);
	CHECK_RC(put(json), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(stats().entries == 1);
	/* exp becomes the TTL attribute: the item has expired */
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	s = ti.settings;
	strcpy(s.ttl_attr, "exp");
	CHECK_RC(eng_table_set_settings(db, NULL, TBL, &s, &err), 0);
	CHECK_RC(text("p", "a", &t), -ENOENT);
	teardown();
}

static void test_cache__table_changes_drop_its_items(void)
{
	lay_schema s;
	lay_err err = { 0, "" };
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	/* renamed: the old name has no items */
	CHECK_RC(eng_table_rename(db, NULL, TBL, "Other", 0, &err), 0);
	CHECK_RC(text("p", "a", &t), -ENOENT);
	CHECK_RC(text_of("Other", "p", "a", LAY_FMT_PLAIN, NULL, &t, NULL), 0);
	CHECK(strstr(t, "\"v\":1") != NULL);
	/* a table made anew under the old name has its own */
	CHECK_RC(eng_table_create(db, NULL, TBL, NULL, NULL, &err), 0);
	CHECK_RC(text("p", "a", &t), -ENOENT);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":2}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strstr(t, "\"v\":2") != NULL);
	/* re-keyed: the items move to their new keys */
	CHECK_RC(lay_schema_parse(&s, "PK:S,v:N", strlen("PK:S,v:N"), &err), 0);
	CHECK_RC(eng_table_set_schema(db, NULL, "Other", &s, &err), 0);
	CHECK(text_of("Other", "p", "a", LAY_FMT_PLAIN, NULL, &t, NULL) < 0);
	teardown();
}

static void test_cache__the_past_and_backups_bypass_it(void)
{
	eng_req rq = { 0 };
	const char *t;

	setup();
	dbt_pitr_on(db, TBL);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	dbt_advance(clk, 2);
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = eng_clock_now_ns(clk) - 1000000000LL;
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, &rq, &t, NULL), 0);
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, &rq, &t, NULL), 0);
	CHECK(stats().hits == 0 && stats().misses == 0 && stats().entries == 0);
	teardown();
}

static void test_cache__stays_within_its_bytes(void)
{
	char json[1200], pad[1001], sk[16];
	const char *t;
	int i;

	setup_sized(64 << 10, 0);
	memset(pad, 'x', 1000);
	pad[1000] = '\0';
	for (i = 0; i < 200; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"%03d\",\"pad\":\"%s\"}", i, pad);
		CHECK_RC(put(json), 0);
	}
	for (i = 0; i < 200; i++) {
		snprintf(sk, sizeof(sk), "%03d", i);
		CHECK_RC(text("p", sk, &t), 0);
		CHECK(stats().bytes <= 64 << 10);
	}
	CHECK(stats().evictions > 0);
	CHECK(stats().entries < 64 && stats().entries > 30);
	/* the newest are there, the oldest went */
	CHECK_RC(text("p", "199", &t), 0);
	CHECK(stats().hits == 1);
	CHECK_RC(text("p", "000", &t), 0);
	CHECK(stats().hits == 1);
	teardown();
}

static void test_cache__an_item_too_large_for_it_is_not_kept(void)
{
	char json[20000];
	const char *t;
	int n;

	setup_sized(64 << 10, 0);
	n = snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"a\",\"pad\":\"");
	memset(json + n, 'y', 10000);
	strcpy(json + n + 10000, "\"}");
	CHECK_RC(put(json), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strlen(t) > 10000);
	CHECK(stats().entries == 0 && stats().bytes == 0);
	teardown();
}

static void test_cache__off_is_all_zero(void)
{
	const char *t;

	setup_sized(0, 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(stats().hits == 0 && stats().misses == 0 && stats().limit == 0);
	teardown();
}

static void test_cache__numbers_name_one_item_however_written(void)
{
	lay_schema s;
	lay_err err = { 0, "" };
	lay_key k = dbt_key1(dbt_n("10"));
	lay_buf b = LAY_BUF_INIT;

	setup();
	CHECK_RC(lay_schema_parse(&s, "id:N", 4, &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "Nums", &s, NULL, &err), 0);
	CHECK_RC(put_in("Nums", "{\"id\":10,\"v\":1}"), 0);
	CHECK_RC(eng_item_text(db, NULL, "Nums", &k, LAY_FMT_PLAIN, &b, NULL, &err), 0);
	CHECK_RC(put_in("Nums", "{\"id\":1E1,\"v\":2}"), 0);
	lay_buf_reset(&b);
	CHECK_RC(eng_item_text(db, NULL, "Nums", &k, LAY_FMT_PLAIN, &b, NULL, &err), 0);
	CHECK(b.p && strstr(b.p, "\"v\":2") != NULL);
	lay_buf_free(&b);
	teardown();
}

/* ---- a read racing a write: the hook runs between its read and its put ---- */

struct race {
	int (*write)(void);
	int ran, rc;
};

static void race_hook(void *arg)
{
	struct race *r = arg;

	if (r->ran++)
		return;
	r->rc = r->write();
}

/* Read item p/a with the hook making write run between the read and the
 * put: the read still gives the old text. */
static void race_read(struct race *r, const char *old)
{
	const char *t;

	r->ran = 0;
	store_icache_before_put_arg = r;
	store_icache_before_put = race_hook;
	CHECK_RC(text("p", "a", &t), 0);
	store_icache_before_put = NULL;
	CHECK(r->ran == 1);
	CHECK_RC(r->rc, 0);
	CHECK(strstr(t, old) != NULL);
	/* ... and kept nothing */
	CHECK(stats().entries == 0);
}

static int write_v2(void)
{
	return put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":2}");
}

static int write_delete(void)
{
	lay_key a = dbt_key(dbt_s("p"), dbt_s("a"));

	return eng_item_delete(db, NULL, TBL, &a, NULL, NULL);
}

static int write_chmod(void)
{
	lay_key a = dbt_key(dbt_s("p"), dbt_s("a"));
	eng_meta m = { 0 };

	m.mode = 0600;
	return eng_item_set_meta(db, NULL, TBL, &a, &m, ENG_META_MODE, NULL, NULL);
}

static int write_rename_table(void)
{
	return eng_table_rename(db, NULL, TBL, "Moved", 0, NULL);
}

static void test_cache__a_put_after_a_racing_write_keeps_nothing(void)
{
	struct race r = { write_v2, 0, 0 };
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	race_read(&r, "\"v\":1");
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strstr(t, "\"v\":2") != NULL);
	CHECK_RC(text("p", "a", &t), 0);
	CHECK(strstr(t, "\"v\":2") != NULL);
	CHECK(stats().hits == 1);
	teardown();
}

static void test_cache__a_put_after_a_racing_delete_keeps_nothing(void)
{
	struct race r = { write_delete, 0, 0 };
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	race_read(&r, "\"v\":1");
	CHECK_RC(text("p", "a", &t), -ENOENT);
	teardown();
}

static void test_cache__a_put_after_a_racing_chmod_keeps_nothing(void)
{
	struct race r = { write_chmod, 0, 0 };
	eng_meta m;
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	race_read(&r, "\"v\":1");
	CHECK_RC(text_of(TBL, "p", "a", LAY_FMT_PLAIN, NULL, &t, &m), 0);
	CHECK(m.mode == 0600);
	teardown();
}

static void test_cache__a_put_after_a_racing_table_rename_keeps_nothing(void)
{
	struct race r = { write_rename_table, 0, 0 };
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	race_read(&r, "\"v\":1");
	CHECK_RC(text("p", "a", &t), -ENOENT);
	teardown();
}

/* A write to another item shares the stripe now and then only: a put
 * after an unrelated write is kept. */
static int write_other(void)
{
	return put("{\"PK\":\"q\",\"SK\":\"zz\",\"v\":9}");
}

static void test_cache__a_put_after_an_unrelated_write_is_kept(void)
{
	struct race r = { write_other, 0, 0 };
	const char *t;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	store_icache_before_put_arg = &r;
	store_icache_before_put = race_hook;
	CHECK_RC(text("p", "a", &t), 0);
	store_icache_before_put = NULL;
	CHECK_RC(r.rc, 0);
	CHECK(stats().entries == 1);
	teardown();
}

/* ---- threads: a reader never sees less than the last acknowledged write ---- */

#define ROUNDS 3000

static _Atomic long acked;
static _Atomic int stale_seen, failures;

static void *writer(void *arg)
{
	char json[96];
	long i;

	(void)arg;
	for (i = 1; i <= ROUNDS; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"a\",\"v\":%ld}", i);
		if (put(json) < 0)
			atomic_fetch_add(&failures, 1);
		atomic_store(&acked, i);
	}
	return NULL;
}

static void *reader(void *arg)
{
	lay_key key = dbt_key(dbt_s("p"), dbt_s("a"));
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	const char *v;
	long want;

	(void)arg;
	while ((want = atomic_load(&acked)) < ROUNDS) {
		lay_buf_reset(&b);
		if (eng_item_text(db, NULL, TBL, &key, LAY_FMT_PLAIN, &b, NULL, &err) < 0 ||
		    !(v = strstr(b.p, "\"v\":"))) {
			atomic_fetch_add(&failures, 1);
			continue;
		}
		if (strtol(v + 4, NULL, 10) < want)
			atomic_fetch_add(&stale_seen, 1);
	}
	lay_buf_free(&b);
	return NULL;
}

static void test_cache__readers_racing_a_writer_never_read_the_past(void)
{
	pthread_t w, r[3];
	int i;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":0}"), 0);
	atomic_store(&acked, 0);
	for (i = 0; i < 3; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	pthread_create(&w, NULL, writer, NULL);
	pthread_join(w, NULL);
	for (i = 0; i < 3; i++)
		pthread_join(r[i], NULL);
	CHECK(atomic_load(&stale_seen) == 0);
	CHECK(atomic_load(&failures) == 0);
	CHECK(stats().hits > 0);
	teardown();
}

/* ---- listings ---- */

struct lsout {
	char s[1024];
	int stop_after;     /* return 1 after this many (0: never) */
	int fail;           /* return -EIO at once */
	int n;
};

static int ls_one(void *ctx, const eng_entry *e)
{
	struct lsout *o = ctx;
	size_t at = strlen(o->s);

	if (o->fail)
		return -EIO;
	if (e->is_partition)
		snprintf(o->s + at, sizeof(o->s) - at, "%s/:%o:%llu:%lld,", e->key->u.p,
			 e->dir->mode, (unsigned long long)e->dir->id, (long long)e->dir->mtime_ns);
	else
		snprintf(o->s + at, sizeof(o->s) - at, "%s:%o:%u:%u:%llu:%lld:%lld,", e->key->u.p,
			 e->meta->mode, e->meta->len, e->meta->size,
			 (unsigned long long)e->meta->id, (long long)e->meta->mtime_ns,
			 (long long)e->meta->expires);
	return ++o->n == o->stop_after;
}

/* The whole listing of partition p of table t (NULL: its top level) into
 * o: the listing's result. max (not 0) reads it without the cache. */
static int ls_of(const char *t, const char *p, size_t max, struct lsout *o)
{
	lay_value pk = dbt_s(p ? p : "");
	lay_err err = { 0, "" };

	o->s[0] = '\0';
	o->n = 0;
	return eng_list(db, NULL, t, p ? &pk : NULL, NULL, max, 0, ls_one, o, &err);
}

/* The listing of p (NULL: the top level) of TBL, in a static buffer; the
 * same as one read without the cache. */
static const char *ls(const char *p)
{
	static struct lsout o, u;

	memset(&o, 0, sizeof(o));
	memset(&u, 0, sizeof(u));
	CHECK_RC(ls_of(TBL, p, 0, &o), 0);
	CHECK_RC(ls_of(TBL, p, 1000, &u), 0);
	CHECK_STR(o.s, u.s);
	return o.s;
}

static void test_cache__a_listing_read_again_is_a_hit_with_the_same_entries(void)
{
	eng_cache_stats_t st;
	char first[1024];

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"b\",\"v\":22}"), 0);
	CHECK_RC(put("{\"PK\":\"q\",\"SK\":\"c\"}"), 0);
	snprintf(first, sizeof(first), "%s", ls(NULL));
	CHECK(strncmp(first, "p/:", 3) == 0 && strstr(first, ",q/:") != NULL);
	st = stats();
	CHECK(st.misses == 1 && st.hits == 0 && st.entries == 1 && st.bytes > 0);
	CHECK_STR(ls(NULL), first);
	CHECK(stats().hits == 1);
	snprintf(first, sizeof(first), "%s", ls("p"));
	CHECK(strncmp(first, "a:", 2) == 0 && strstr(first, ",b:") != NULL);
	CHECK_STR(ls("p"), first);
	st = stats();
	CHECK(st.hits == 2 && st.misses == 2 && st.entries == 2);
	/* a partition without items lists nothing, and is kept so */
	CHECK_STR(ls("none"), "");
	CHECK_STR(ls("none"), "");
	CHECK(stats().hits == 3);
	teardown();
}

static void test_cache__a_listing_stops_and_fails_as_its_callback_says(void)
{
	struct lsout o = { 0 };
	int pass;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"b\"}"), 0);
	/* the miss, then the hit */
	for (pass = 0; pass < 2; pass++) {
		memset(&o, 0, sizeof(o));
		o.stop_after = 1;
		CHECK_RC(ls_of(TBL, "p", 0, &o), 0);
		CHECK(o.n == 1 && strncmp(o.s, "a:", 2) == 0);
		memset(&o, 0, sizeof(o));
		o.fail = 1;
		CHECK_RC(ls_of(TBL, "p", 0, &o), -EIO);
	}
	CHECK(stats().hits == 3);
	/* no table: an error, nothing kept */
	CHECK_RC(ls_of("Nope", NULL, 0, &o), -ENOENT);
	CHECK(stats().entries == 1);
	teardown();
}

static void test_cache__every_change_drops_the_listings_that_show_it(void)
{
	lay_item it = dbt_item("{\"PK\":\"p\",\"SK\":\"a\"}");
	lay_key a = dbt_key(dbt_s("p"), dbt_s("a")), b = dbt_key(dbt_s("s"), dbt_s("b"));
	lay_value p = dbt_s("p");
	lay_err err = { 0, "" };
	eng_dirmeta dm = { 0 };
	eng_meta m = { 0 };
	struct lsout o = { 0 };

	setup();
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err), 0);
	CHECK(strncmp(ls(NULL), "p/:", 3) == 0);
	CHECK(strncmp(ls("p"), "a:644:", 6) == 0);
	/* a new item, a new partition */
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"z\"}"), 0);
	CHECK_RC(put("{\"PK\":\"q\",\"SK\":\"c\"}"), 0);
	CHECK(strstr(ls("p"), ",z:") != NULL);
	CHECK(strstr(ls(NULL), ",q/:") != NULL);
	/* a modification: its length */
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"z\",\"longer\":\"value\"}"), 0);
	ls("p");
	/* a put that changes only metadata */
	m.mode = 0600;
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, &m, ENG_META_MODE, NULL, NULL, &err), 0);
	CHECK(strncmp(ls("p"), "a:600:", 6) == 0);
	/* set_meta */
	m.mode = 0640;
	CHECK_RC(eng_item_set_meta(db, NULL, TBL, &a, &m, ENG_META_MODE, NULL, &err), 0);
	CHECK(strncmp(ls("p"), "a:640:", 6) == 0);
	/* a delete: the partition's last item takes it along */
	CHECK_RC(eng_item_delete(db, NULL, TBL, &(lay_key){ dbt_s("q"), dbt_s("c") }, NULL, &err),
		 0);
	CHECK(strstr(ls(NULL), "q/") == NULL);
	/* a rename into a new partition */
	CHECK_RC(eng_item_rename(db, NULL, TBL, &a, &b, 0, &err), 0);
	CHECK(strncmp(ls("p"), "z:", 2) == 0);
	CHECK(strncmp(ls("s"), "b:640:", 6) == 0);
	CHECK(strstr(ls(NULL), ",s/:") != NULL);
	/* a partition's metadata */
	dm.mode = 0700;
	CHECK_RC(eng_part_set_meta(db, NULL, TBL, &p, &dm, ENG_META_MODE, &err), 0);
	CHECK(strncmp(ls(NULL), "p/:700:", 7) == 0);
	/* the table renamed: its listings go with the name */
	CHECK(stats().entries > 0);
	CHECK_RC(eng_table_rename(db, NULL, TBL, "Other", 0, &err), 0);
	CHECK_RC(ls_of(TBL, NULL, 0, &o), -ENOENT);
	CHECK_RC(ls_of(TBL, "p", 0, &o), -ENOENT);
	CHECK(stats().entries == 0);
	CHECK_RC(ls_of("Other", "p", 0, &o), 0);
	CHECK(strncmp(o.s, "z:", 2) == 0);
	lay_item_free(&it);
	teardown();
}

static void test_cache__a_table_without_sort_key_lists_its_items_afresh(void)
{
	lay_schema s;
	lay_err err = { 0, "" };
	struct lsout o = { 0 };

	setup();
	CHECK_RC(lay_schema_parse(&s, "PK:S", strlen("PK:S"), &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "Flat", &s, NULL, &err), 0);
	CHECK_RC(put_in("Flat", "{\"PK\":\"a\"}"), 0);
	CHECK_RC(ls_of("Flat", NULL, 0, &o), 0);
	CHECK(strncmp(o.s, "a:", 2) == 0);
	CHECK_RC(put_in("Flat", "{\"PK\":\"b\"}"), 0);
	CHECK_RC(ls_of("Flat", NULL, 0, &o), 0);
	CHECK(strstr(o.s, ",b:") != NULL);
	CHECK(stats().hits == 0);
	CHECK_RC(ls_of("Flat", NULL, 0, &o), 0);
	CHECK(stats().hits == 1);
	teardown();
}

static void test_cache__an_expired_item_is_never_listed(void)
{
	lay_settings s = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;
	char json[128];
	long long now;

	setup();
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	s = ti.settings;
	strcpy(s.ttl_attr, "exp");
	CHECK_RC(eng_table_set_settings(db, NULL, TBL, &s, &err), 0);
	now = eng_clock_now_ns(clk) / 1000000000;
	snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"a\",\"exp\":%lld}", now + 10);
	CHECK_RC(put(json), 0);
	snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"b\",\"exp\":%lld}", now + 20);
	CHECK_RC(put(json), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"c\"}"), 0);
	CHECK(strncmp(ls("p"), "a:", 2) == 0);
	ls("p");
	CHECK(stats().hits == 1);
	/* no sweep runs (maint_ms < 0): the rows are there, a expired */
	dbt_advance(clk, 11);
	CHECK(strncmp(ls("p"), "b:", 2) == 0);
	CHECK(stats().hits == 1);
	dbt_advance(clk, 10);
	CHECK(strncmp(ls("p"), "c:", 2) == 0);
	/* nothing expires any more: kept */
	ls("p");
	CHECK(stats().hits == 2);
	teardown();
}

/* The listing of partition p, with write running between its read and its
 * put: what the read saw, and nothing kept. */
static void race_list(struct race *r, const char *p, const char *want)
{
	struct lsout o = { 0 };
	eng_cache_stats_t before = stats();

	memset(&o, 0, sizeof(o));
	r->ran = 0;
	store_icache_before_put_arg = r;
	store_icache_before_put = race_hook;
	CHECK_RC(ls_of(TBL, p, 0, &o), 0);
	store_icache_before_put = NULL;
	CHECK(r->ran == 1);
	CHECK_RC(r->rc, 0);
	CHECK_STR(o.s[0] ? strtok(o.s, ":") : "", want);
	CHECK(stats().entries == before.entries);
}

static int write_pz(void)
{
	return put("{\"PK\":\"p\",\"SK\":\"z\"}");
}

static int write_part_chmod(void)
{
	lay_value p = dbt_s("p");
	eng_dirmeta dm = { 0 };

	dm.mode = 0700;
	return eng_part_set_meta(db, NULL, TBL, &p, &dm, ENG_META_MODE, NULL);
}

/* The listing of p (NULL: the top level) of TBL without the cache. */
static const char *ls_uncached(const char *p)
{
	static struct lsout o;

	memset(&o, 0, sizeof(o));
	CHECK_RC(ls_of(TBL, p, 1000, &o), 0);
	return o.s;
}

static void test_cache__a_listing_put_after_a_racing_change_keeps_nothing(void)
{
	struct race r = { write_pz, 0, 0 };

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	race_list(&r, "p", "a");
	CHECK(strstr(ls_uncached("p"), ",z:") != NULL);
	r.write = write_delete;
	race_list(&r, "p", "a");
	CHECK(strncmp(ls_uncached("p"), "z:", 2) == 0);
	r.write = write_part_chmod;
	race_list(&r, NULL, "p/");
	CHECK(strncmp(ls_uncached(NULL), "p/:700:", 7) == 0);
	r.write = write_chmod;
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"a\"}"), 0);
	race_list(&r, "p", "a");
	CHECK(strncmp(ls_uncached("p"), "a:600:", 6) == 0);
	r.write = write_rename_table;
	race_list(&r, "p", "a");
	CHECK(stats().entries == 0);
	teardown();
}

int main(void)
{
	RUN(test_cache__second_read_is_a_hit_that_costs_nothing);
	RUN(test_cache__appends_to_what_the_buffer_holds);
	RUN(test_cache__a_missing_item_is_not_kept);
	RUN(test_cache__formats_are_kept_apart_and_dropped_together);
	RUN(test_cache__every_item_change_is_seen_at_once);
	RUN(test_cache__metadata_changes_are_seen_at_once);
	RUN(test_cache__a_metadata_put_tells_no_subscriber);
	RUN(test_cache__an_entry_lives_cache_ttl_of_the_db_clock);
	RUN(test_cache__the_default_ttl_is_300_seconds);
	RUN(test_cache__an_expired_item_is_never_served);
	RUN(test_cache__a_new_ttl_attribute_drops_the_table);
	RUN(test_cache__table_changes_drop_its_items);
	RUN(test_cache__the_past_and_backups_bypass_it);
	RUN(test_cache__stays_within_its_bytes);
	RUN(test_cache__an_item_too_large_for_it_is_not_kept);
	RUN(test_cache__off_is_all_zero);
	RUN(test_cache__numbers_name_one_item_however_written);
	RUN(test_cache__a_put_after_a_racing_write_keeps_nothing);
	RUN(test_cache__a_put_after_a_racing_delete_keeps_nothing);
	RUN(test_cache__a_put_after_a_racing_chmod_keeps_nothing);
	RUN(test_cache__a_put_after_a_racing_table_rename_keeps_nothing);
	RUN(test_cache__a_put_after_an_unrelated_write_is_kept);
	RUN(test_cache__readers_racing_a_writer_never_read_the_past);
	RUN(test_cache__a_listing_read_again_is_a_hit_with_the_same_entries);
	RUN(test_cache__a_listing_stops_and_fails_as_its_callback_says);
	RUN(test_cache__every_change_drops_the_listings_that_show_it);
	RUN(test_cache__a_table_without_sort_key_lists_its_items_afresh);
	RUN(test_cache__an_expired_item_is_never_listed);
	RUN(test_cache__a_listing_put_after_a_racing_change_keeps_nothing);
	return check_done();
}
