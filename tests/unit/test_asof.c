/* Unit tests of engine/asof.c: items as they were at a time (SPEC §12,
 * point-in-time recovery) — each version at its own time, unchanged items
 * from the live data, the window's edges, tables without PITR, and the
 * index's upkeep through trims and a table's deletion. */
#include <errno.h>
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

static void advance(int64_t seconds)
{
	lay_err err = { 0, "" };

	if (eng_clock_advance(clk, seconds, &err) < 0) {
		fprintf(stderr, "advance: %s\n", err.msg);
		exit(2);
	}
}

static int put(const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	eng_event ev;
	int rc = eng_item_put(db, NULL, TBL, &it, NULL, 0, &ev, NULL, &err);

	lay_item_free(&it);
	return rc;
}

/* The item id as of t as plain text (without its newline) in out, or the
 * error. */
static int text_at(const char *id, int64_t t, char *out, size_t size, lay_err *err)
{
	eng_req rq = { 0 };
	lay_key k = dbt_key1(dbt_s(id));
	lay_buf b = LAY_BUF_INIT;
	int rc;

	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = t;
	rc = eng_item_text(db, &rq, TBL, &k, LAY_FMT_PLAIN, &b, NULL, err);
	snprintf(out, size, "%.*s", b.len ? (int)b.len - 1 : 0, b.p ? b.p : "");
	lay_buf_free(&b);
	return rc;
}

static void test_asof__each_time_reads_the_version_it_had(void)
{
	lay_err err = { 0, "" };
	lay_key k = dbt_key1(dbt_s("a"));
	int64_t t0, t1, t2;
	eng_req rq = { 0 };
	eng_meta m;
	char got[256];

	setup();
	advance(1);
	CHECK_RC(put("{\"id\":\"a\",\"v\":1}"), 0);
	t0 = eng_clock_now_ns(clk);
	advance(60);
	CHECK_RC(put("{\"id\":\"a\",\"v\":2,\"w\":\"x\"}"), 0);
	t1 = eng_clock_now_ns(clk);
	advance(60);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), 0);
	t2 = eng_clock_now_ns(clk);
	advance(60);

	CHECK_RC(text_at("a", t0, got, sizeof(got), &err), 0);
	CHECK_STR(got, "{\"id\":\"a\",\"v\":1}");
	CHECK_RC(text_at("a", t0 + 59 * SEC, got, sizeof(got), &err), 0);
	CHECK_STR(got, "{\"id\":\"a\",\"v\":1}");
	CHECK_RC(text_at("a", t1, got, sizeof(got), &err), 0);
	CHECK_STR(got, "{\"id\":\"a\",\"v\":2,\"w\":\"x\"}");
	CHECK_RC(text_at("a", t2, got, sizeof(got), &err), -ENOENT);
	CHECK_RC(text_at("a", eng_clock_now_ns(clk), got, sizeof(got), &err), -ENOENT);
	/* the version's metadata: read-only, written when it was */
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = t1;
	CHECK_RC(eng_item_get(db, &rq, TBL, &k, NULL, &m, &err), 0);
	CHECK(m.mode == 0444 && m.mtime_ns > t0 && m.mtime_ns <= t1);
	CHECK(m.len == strlen("{\"id\":\"a\",\"v\":2,\"w\":\"x\"}\n"));
	CHECK(rq.rcu == 0); /* the past costs no capacity */
	teardown();
}

static void test_asof__an_item_unchanged_since_is_the_live_one(void)
{
	lay_err err = { 0, "" };
	char got[256];
	int64_t t;

	setup();
	advance(1);
	CHECK_RC(put("{\"id\":\"b\",\"v\":7}"), 0);
	advance(10);
	t = eng_clock_now_ns(clk);
	advance(10);
	CHECK_RC(put("{\"id\":\"c\",\"v\":8}"), 0); /* another key changes */
	CHECK_RC(text_at("b", t, got, sizeof(got), &err), 0);
	CHECK_STR(got, "{\"id\":\"b\",\"v\":7}");
	/* made after t: not there then */
	CHECK_RC(text_at("c", t, got, sizeof(got), &err), -ENOENT);
	teardown();
}

static void test_asof__outside_the_window_or_without_pitr_is_enoent(void)
{
	lay_err err = { 0, "" };
	lay_settings s = { 0 };
	eng_table_info ti;
	char got[256];
	int64_t start;
	size_t trimmed = 0;

	setup();
	start = eng_clock_now_ns(clk);
	advance(5);
	CHECK_RC(put("{\"id\":\"a\",\"v\":1}"), 0);
	CHECK_RC(text_at("a", start - SEC, got, sizeof(got), &err), -ENOENT);
	CHECK(strstr(err.msg, "can be read as of") != NULL);
	CHECK_RC(text_at("a", eng_clock_now_ns(clk) + SEC, got, sizeof(got), &err), -ENOENT);
	/* 35 days on, the start has left the window; what fell out is trimmed,
	 * index entries and all, and what is left still reads */
	CHECK_RC(put("{\"id\":\"a\",\"v\":2}"), 0);
	advance(36LL * 24 * 3600);
	CHECK_RC(eng_log_trim(db, TBL, eng_clock_now_ns(clk) - 35LL * 24 * 3600 * SEC, &trimmed,
			      &err), 0);
	CHECK(trimmed == 2);
	CHECK_RC(text_at("a", start + 10 * SEC, got, sizeof(got), &err), -ENOENT);
	CHECK_RC(text_at("a", eng_clock_now_ns(clk) - 35LL * 24 * 3600 * SEC + SEC, got,
			 sizeof(got), &err), 0);
	/* PITR off: no history at all */
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	s = ti.settings;
	s.pitr = 0;
	CHECK_RC(eng_table_set_settings(db, NULL, TBL, &s, &err), 0);
	CHECK_RC(text_at("a", eng_clock_now_ns(clk), got, sizeof(got), &err), -ENOENT);
	CHECK(strstr(err.msg, "point-in-time recovery is off") != NULL);
	teardown();
}

/* Many versions of many keys: every key at every time reads what it was. */
static void test_asof__many_keys_and_versions_each_read_right(void)
{
	enum { KEYS = 20, VERS = 6 };
	int64_t at[VERS];
	lay_err err = { 0, "" };
	char json[64], want[64], got[256], id[8];
	int i, v, bad = 0;

	setup();
	advance(1);
	for (v = 0; v < VERS; v++) {
		for (i = 0; i < KEYS; i++) {
			snprintf(json, sizeof(json), "{\"id\":\"k%d\",\"v\":%d}", i, v * 100 + i);
			if ((i + v) % 5 != 0 || v == 0)
				CHECK_RC(put(json), 0);
		}
		at[v] = eng_clock_now_ns(clk);
		advance(3);
	}
	for (v = 0; v < VERS; v++) {
		for (i = 0; i < KEYS; i++) {
			int w = v;

			while (w > 0 && (i + w) % 5 == 0)
				w--; /* skipped at w: still the one before */
			snprintf(id, sizeof(id), "k%d", i);
			snprintf(want, sizeof(want), "{\"id\":\"k%d\",\"v\":%d}", i, w * 100 + i);
			if (text_at(id, at[v], got, sizeof(got), &err) != 0 || strcmp(got, want) != 0)
				bad++;
		}
	}
	CHECK(bad == 0);
	teardown();
}

int main(void)
{
	RUN(test_asof__each_time_reads_the_version_it_had);
	RUN(test_asof__an_item_unchanged_since_is_the_live_one);
	RUN(test_asof__outside_the_window_or_without_pitr_is_enoent);
	RUN(test_asof__many_keys_and_versions_each_read_right);
	return check_done();
}
