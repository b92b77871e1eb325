/* Unit tests of engine/asof.c: items as they were at a time (SPEC §12,
 * point-in-time recovery) — each version at its own time, unchanged items
 * from the live data, the window's edges, tables without PITR, and the
 * index's upkeep through trims and a table's deletion. */
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

static int put(const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	eng_event ev;
	int rc = eng_item_put(db, NULL, TBL, &it, NULL, 0, &ev, NULL, &err);

	lay_item_free(&it);
	return rc;
}

/* Table "Comp", keyed p (S) and s (of type sk), with PITR on. */
static void comp_table(lay_type sk)
{
	lay_err err = { 0, "" };
	lay_schema sch = { 0 };
	lay_settings st = { 0 };

	strcpy(sch.pk, "p");
	sch.pk_type = LAY_S;
	strcpy(sch.sk, "s");
	sch.sk_type = sk;
	st.pitr = 1;
	CHECK_RC(eng_table_create(db, NULL, "Comp", &sch, NULL, &err), 0);
	CHECK_RC(eng_table_set_settings(db, NULL, "Comp", &st, &err), 0);
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
	dbt_advance(clk, 1);
	CHECK_RC(put("{\"id\":\"a\",\"v\":1}"), 0);
	t0 = eng_clock_now_ns(clk);
	dbt_advance(clk, 60);
	CHECK_RC(put("{\"id\":\"a\",\"v\":2,\"w\":\"x\"}"), 0);
	t1 = eng_clock_now_ns(clk);
	dbt_advance(clk, 60);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), 0);
	t2 = eng_clock_now_ns(clk);
	dbt_advance(clk, 60);

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
	/* its own mode without write bits, owner and time, kept in the log */
	CHECK(m.mode == 0444 && m.uid == 0 && m.mtime_ns > t0 && m.mtime_ns <= t1);
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
	dbt_advance(clk, 1);
	CHECK_RC(put("{\"id\":\"b\",\"v\":7}"), 0);
	dbt_advance(clk, 10);
	t = eng_clock_now_ns(clk);
	dbt_advance(clk, 10);
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
	dbt_advance(clk, 5);
	CHECK_RC(put("{\"id\":\"a\",\"v\":1}"), 0);
	CHECK_RC(text_at("a", start - SEC, got, sizeof(got), &err), -ENOENT);
	CHECK(strstr(err.msg, "can be read as of") != NULL);
	CHECK_RC(text_at("a", eng_clock_now_ns(clk) + SEC, got, sizeof(got), &err), -ENOENT);
	/* 35 days on, the start has left the window; what fell out is trimmed,
	 * index entries and all, and what is left still reads */
	CHECK_RC(put("{\"id\":\"a\",\"v\":2}"), 0);
	dbt_advance(clk, 36LL * 24 * 3600);
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
	dbt_advance(clk, 1);
	for (v = 0; v < VERS; v++) {
		for (i = 0; i < KEYS; i++) {
			snprintf(json, sizeof(json), "{\"id\":\"k%d\",\"v\":%d}", i, v * 100 + i);
			if ((i + v) % 5 != 0 || v == 0)
				CHECK_RC(put(json), 0);
		}
		at[v] = eng_clock_now_ns(clk);
		dbt_advance(clk, 3);
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

/* ---- listings as of a time: a model of random changes ---- */

enum { NP = 3, NS = 6, STEPS = 60 };

/* The model: value of item (p, s) or -1; one copy per step. */
static int model[STEPS + 1][NP][NS];
static int64_t when[STEPS + 1];

struct seen {
	int got[NP][NS]; /* value listed, or -1 */
	int parts[NP];   /* partitions listed */
	int bad;         /* an entry that is not in order, or twice */
	char last[16];
};

static int item_value(const lay_item *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		if (strcmp(it->a[i].name, "v") == 0)
			return atoi(it->a[i].v.u.p);
	return -2;
}

/* A partition listing of partition p. */
static int on_item(void *ctx, const eng_entry *e)
{
	struct seen *sn = ctx;
	int p = sn->last[0] - '0', sk = atoi(e->key->u.p);

	if (e->is_partition || !e->item || sk < 0 || sk >= NS || sn->got[p][sk] != -1 ||
	    (e->meta->mode & 0222) || e->meta->len == 0)
		sn->bad++;
	else
		sn->got[p][sk] = item_value(e->item);
	return 0;
}

static int on_part(void *ctx, const eng_entry *e)
{
	struct seen *sn = ctx;
	int p = e->key->u.p[1] - '0';

	if (!e->is_partition || p < 0 || p >= NP || sn->parts[p] || (e->dir->mode & 0222))
		sn->bad++;
	else
		sn->parts[p] = 1;
	return 0;
}

static void test_asof__listings_at_every_time_match_a_model_of_random_changes(void)
{
	lay_err err = { 0, "" };
	eng_req rq = { 0 };
	char json[96], pk[8], sk[8];
	unsigned seed = 12345;
	int step, p, k, bad = 0;

	setup();
	comp_table(LAY_N);
	dbt_advance(clk, 1);
	memset(model, -1, sizeof(model));
	when[0] = eng_clock_now_ns(clk);
	for (step = 1; step <= STEPS; step++) {
		lay_key key;

		memcpy(model[step], model[step - 1], sizeof(model[step]));
		seed = seed * 1103515245 + 12345;
		p = (int)(seed >> 16) % NP;
		seed = seed * 1103515245 + 12345;
		k = (int)(seed >> 16) % NS;
		snprintf(pk, sizeof(pk), "p%d", p);
		snprintf(sk, sizeof(sk), "%d", k);
		key = dbt_key(dbt_s(pk), dbt_n(sk));
		if (step % 4 == 3 && model[step][p][k] >= 0) {
			CHECK_RC(eng_item_delete(db, NULL, "Comp", &key, NULL, &err), 0);
			model[step][p][k] = -1;
		} else {
			lay_item it;
			eng_event ev;

			snprintf(json, sizeof(json), "{\"p\":\"%s\",\"s\":%d,\"v\":%d}", pk, k, step);
			it = dbt_item(json);
			CHECK_RC(eng_item_put(db, NULL, "Comp", &it, NULL, 0, &ev, NULL, &err), 0);
			lay_item_free(&it);
			model[step][p][k] = step;
		}
		when[step] = eng_clock_now_ns(clk);
		dbt_advance(clk, 2);
	}
	rq.view = ENG_VIEW_AS_OF;
	for (step = 0; step <= STEPS; step++) {
		struct seen sn;

		memset(&sn, 0, sizeof(sn));
		memset(sn.got, -1, sizeof(sn.got));
		rq.as_of_ns = when[step];
		if (eng_list(db, &rq, "Comp", NULL, NULL, 0, 0, on_part, &sn, &err) != 0)
			bad++;
		{
			/* the table's count then: what the model held */
			eng_table_info ti;
			uint64_t want = 0;

			for (p = 0; p < NP; p++)
				for (k = 0; k < NS; k++)
					want += model[step][p][k] >= 0;
			if (eng_table_get(db, &rq, "Comp", &ti, &err) != 0 || ti.item_count != want)
				bad++;
		}
		for (p = 0; p < NP; p++) {
			lay_value pv;
			int any = 0;

			for (k = 0; k < NS; k++)
				any |= model[step][p][k] >= 0;
			if (any != sn.parts[p])
				bad++;
			snprintf(pk, sizeof(pk), "p%d", p);
			pv = dbt_s(pk);
			snprintf(sn.last, sizeof(sn.last), "%d", p);
			if (eng_list(db, &rq, "Comp", &pv, NULL, 0, ENG_LIST_ITEMS, on_item, &sn, &err) !=
			    0)
				bad++;
			for (k = 0; k < NS; k++)
				if (sn.got[p][k] != model[step][p][k])
					bad++;
		}
		bad += sn.bad;
	}
	CHECK(bad == 0);
	if (bad)
		fprintf(stderr, "  %d differences from the model (last error: %s)\n", bad, err.msg);
	teardown();
}

/* Keys listed, in order, as one string "k0 k1 ...", and the last one. */
struct keys {
	char all[256];
	char last[16];
	int n;
};

static int on_key(void *ctx, const eng_entry *e)
{
	struct keys *ks = ctx;

	snprintf(ks->last, sizeof(ks->last), "%.*s", (int)e->key->len, e->key->u.p);
	snprintf(ks->all + strlen(ks->all), sizeof(ks->all) - strlen(ks->all), "%s ", ks->last);
	ks->n++;
	return 0;
}

/* A paged listing as of a time: pages of two, each resumed after the last
 * key of the one before, list what one listing does. */
static void test_asof__a_paged_listing_resumes_after_its_cursor(void)
{
	lay_err err = { 0, "" };
	eng_req rq = { 0 };
	struct keys one, paged, page;
	char json[64];
	int i, pages = 0;
	int64_t t;

	setup();
	dbt_advance(clk, 1);
	for (i = 0; i < 7; i++) {
		snprintf(json, sizeof(json), "{\"id\":\"k%d\",\"v\":%d}", i, i);
		CHECK_RC(put(json), 0);
	}
	t = eng_clock_now_ns(clk);
	dbt_advance(clk, 5);
	for (i = 0; i < 7; i += 2) { /* half of them change; one more comes */
		snprintf(json, sizeof(json), "{\"id\":\"k%d\",\"v\":%d}", i, 100 + i);
		CHECK_RC(put(json), 0);
	}
	CHECK_RC(put("{\"id\":\"k9\",\"v\":9}"), 0);
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = t;
	memset(&one, 0, sizeof(one));
	CHECK_RC(eng_list(db, &rq, TBL, NULL, NULL, 0, 0, on_key, &one, &err), 0);
	CHECK_STR(one.all, "k0 k1 k2 k3 k4 k5 k6 ");
	memset(&paged, 0, sizeof(paged));
	memset(&page, 0, sizeof(page));
	do {
		lay_value after = dbt_s(page.last);

		page.n = 0;
		page.all[0] = '\0';
		CHECK_RC(eng_list(db, &rq, TBL, NULL, pages ? &after : NULL, 2, 0, on_key, &page,
				  &err), 0);
		strcat(paged.all, page.all);
		pages++;
	} while (page.n == 2 && pages < 10);
	CHECK_STR(paged.all, one.all);
	CHECK(pages == 4);
	teardown();
}

/* An item past its TTL at a time is gone at that time, as a live read
 * then would have said, though the sweep deleted it later. */
static void test_asof__an_item_past_its_ttl_then_is_gone_then(void)
{
	lay_err err = { 0, "" };
	char json[96], got[256];
	size_t swept = 0;
	int64_t t0, t1;
	struct keys ks;
	eng_req rq = { 0 };

	setup();
	dbt_advance(clk, 1);
	t0 = eng_clock_now_ns(clk);
	snprintf(json, sizeof(json), "{\"id\":\"s\",\"exp\":%lld}",
		 (long long)(t0 / SEC + 5));
	CHECK_RC(put(json), 0);
	CHECK_RC(put("{\"id\":\"t\",\"v\":1}"), 0);
	dbt_advance(clk, 10);
	t1 = eng_clock_now_ns(clk); /* s has expired, not yet swept */
	dbt_advance(clk, 1);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 1);
	dbt_advance(clk, 1);
	CHECK_RC(text_at("s", t0 + SEC, got, sizeof(got), &err), 0);
	CHECK_RC(text_at("s", t1, got, sizeof(got), &err), -ENOENT);
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = t1;
	memset(&ks, 0, sizeof(ks));
	CHECK_RC(eng_list(db, &rq, TBL, NULL, NULL, 0, 0, on_key, &ks, &err), 0);
	CHECK_STR(ks.all, "t ");
	rq.as_of_ns = t0 + SEC;
	memset(&ks, 0, sizeof(ks));
	CHECK_RC(eng_list(db, &rq, TBL, NULL, NULL, 0, 0, on_key, &ks, &err), 0);
	CHECK_STR(ks.all, "s t ");
	teardown();
}

/* The table's size then, with keys made and grown since (sizes are 32-bit
 * in an item's metadata, 64-bit in a table's). */
static void test_asof__the_table_size_then_is_exact(void)
{
	lay_err err = { 0, "" };
	eng_table_info then, later;
	eng_req rq = { 0 };

	setup();
	dbt_advance(clk, 1);
	CHECK_RC(put("{\"id\":\"a\",\"v\":1}"), 0);
	CHECK_RC(eng_table_get(db, NULL, TBL, &then, &err), 0);
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = eng_clock_now_ns(clk);
	dbt_advance(clk, 2);
	CHECK_RC(put("{\"id\":\"b\",\"v\":2}"), 0);
	CHECK_RC(put("{\"id\":\"a\",\"v\":1,\"more\":\"xxxxxxxxxxxxxxxx\"}"), 0);
	CHECK_RC(eng_table_get(db, &rq, TBL, &later, &err), 0);
	CHECK(later.item_count == 1 && then.item_count == 1);
	CHECK(later.size_bytes == then.size_bytes);
	teardown();
}

/* A paged listing of a partition that is gone now resumes after its
 * cursor too. */
static void test_asof__a_gone_partition_pages_after_its_cursor(void)
{
	lay_err err = { 0, "" };
	eng_req rq = { 0 };
	struct keys ks;
	lay_value pv = dbt_s("P"), after = dbt_s("b");
	const char *sks[] = { "a", "b", "c" };
	char json[64];
	int i;

	setup();
	comp_table(LAY_S);
	dbt_advance(clk, 1);
	for (i = 0; i < 3; i++) {
		lay_item it;
		eng_event ev;

		snprintf(json, sizeof(json), "{\"p\":\"P\",\"s\":\"%s\"}", sks[i]);
		it = dbt_item(json);
		CHECK_RC(eng_item_put(db, NULL, "Comp", &it, NULL, 0, &ev, NULL, &err), 0);
		lay_item_free(&it);
	}
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = eng_clock_now_ns(clk);
	dbt_advance(clk, 2);
	for (i = 0; i < 3; i++) {
		lay_key k = dbt_key(dbt_s("P"), dbt_s(sks[i]));

		CHECK_RC(eng_item_delete(db, NULL, "Comp", &k, NULL, &err), 0);
	}
	memset(&ks, 0, sizeof(ks));
	CHECK_RC(eng_list(db, &rq, "Comp", &pv, &after, 2, 0, on_key, &ks, &err), 0);
	CHECK_STR(ks.all, "c ");
	memset(&ks, 0, sizeof(ks));
	CHECK_RC(eng_list(db, &rq, "Comp", &pv, NULL, 2, 0, on_key, &ks, &err), 0);
	CHECK_STR(ks.all, "a b ");
	teardown();
}

int main(void)
{
	RUN(test_asof__each_time_reads_the_version_it_had);
	RUN(test_asof__an_item_unchanged_since_is_the_live_one);
	RUN(test_asof__outside_the_window_or_without_pitr_is_enoent);
	RUN(test_asof__many_keys_and_versions_each_read_right);
	RUN(test_asof__listings_at_every_time_match_a_model_of_random_changes);
	RUN(test_asof__a_paged_listing_resumes_after_its_cursor);
	RUN(test_asof__an_item_past_its_ttl_then_is_gone_then);
	RUN(test_asof__the_table_size_then_is_exact);
	RUN(test_asof__a_gone_partition_pages_after_its_cursor);
	return check_done();
}
