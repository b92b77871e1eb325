/* Unit tests of engine/list.c's listings in descending order
 * (ENG_LIST_REVERSE, what Query's ScanIndexForward false reads) and of
 * listings whose caller meters them (ENG_LIST_UNMETERED): keys past the
 * stored cut (long keys, kept by prefix and hash) included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"
#include "check.h"
#include "dbtest.h"

#define TBL "Rev"
#define NKEYS 12
#define LONG 700 /* bytes of a long sort key: past the stored cut */

static char *dir;
static eng_db *db;
static char keys[NKEYS][LONG + 8];

/* Sort keys: short ones and long ones sharing their first 500 bytes (one
 * run of cut keys), in no particular order. */
static void make_keys(void)
{
	static const char *shorts[] = { "a", "b", "m", "mm", "z", "zz" };
	int i;

	for (i = 0; i < 6; i++)
		strcpy(keys[i], shorts[i]);
	for (i = 6; i < NKEYS; i++) {
		memset(keys[i], 'm', LONG);
		keys[i][LONG] = '\0';
		keys[i][LONG - 1] = (char)('a' + (NKEYS - i) * 3);
		if (i % 2) {
			keys[i][LONG - 3] = keys[i][LONG - 1];
			keys[i][LONG - 2] = '\0'; /* another length */
		}
	}
}

static void put_one(const char *pk, const char *sk)
{
	lay_item it = LAY_ITEM_INIT;
	lay_attr *a = lay_item_alloc(&it, 2 * sizeof(*a));
	lay_err err = { 0, "" };
	eng_event ev;

	a[0].name = "p";
	a[0].name_len = 1;
	a[0].v = dbt_s(pk);
	a[1].name = "s";
	a[1].name_len = 1;
	a[1].v = dbt_s(sk);
	it.a = a;
	it.n = 2;
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, NULL, 0, &ev, NULL, &err), 0);
	lay_item_free(&it);
}

static void setup(void)
{
	lay_err err = { 0, "" };
	lay_schema sch = { 0 };
	int i;

	dir = dbt_tmpdir();
	db = dbt_open(dir, NULL);
	strcpy(sch.pk, "p");
	sch.pk_type = LAY_S;
	strcpy(sch.sk, "s");
	sch.sk_type = LAY_S;
	CHECK_RC(eng_table_create(db, NULL, TBL, &sch, NULL, &err), 0);
	make_keys();
	/* neighbours on both sides, in the stored order too (made first, last) */
	put_one("aaa", "m");
	for (i = 0; i < NKEYS; i++)
		put_one("part", keys[i]);
	put_one("zzz", "a");
	put_one("zzz", "m");
}

static void teardown(void)
{
	eng_db_close(db);
	dbt_rmdir(dir);
}

/* The keys a listing gave, copied. */
struct got {
	lay_item store;
	lay_value v[64];
	size_t n;
};

static int on_key(void *ctx, const eng_entry *e)
{
	struct got *g = ctx;

	if (g->n == 64 || lay_value_copy(&g->store, &g->v[g->n], e->key) < 0)
		return -ENOMEM;
	g->n++;
	return 0;
}

static int list(struct got *g, const lay_value *after, size_t max, unsigned flags)
{
	lay_value pk = dbt_s("part");
	lay_err err = { 0, "" };

	lay_item_free(&g->store);
	g->n = 0;
	return eng_list(db, NULL, TBL, &pk, after, max, flags, on_key, g, &err);
}

static void test_list__reverse_is_forward_backwards(void)
{
	struct got f, r;

	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	size_t i;

	setup();
	CHECK_RC(list(&f, NULL, 0, 0), 0);
	CHECK_RC(list(&r, NULL, 0, ENG_LIST_REVERSE), 0);
	CHECK(f.n == NKEYS && r.n == NKEYS);
	for (i = 1; i < f.n; i++)
		CHECK(lay_value_cmp(&f.v[i - 1], &f.v[i]) < 0);
	for (i = 0; i < r.n && i < f.n; i++)
		CHECK(lay_value_equal(&r.v[i], &f.v[f.n - 1 - i]));
	lay_item_free(&f.store);
	lay_item_free(&r.store);
	teardown();
}

/* From every key, short or long, the rest in reverse: exactly the keys
 * before it, descending; and with max, a page of them. */
static void test_list__reverse_resumes_before_any_key(void)
{
	struct got f, r;

	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	size_t i, j;

	setup();
	CHECK_RC(list(&f, NULL, 0, 0), 0);
	for (i = 0; i < f.n; i++) {
		lay_value at = f.v[i];

		CHECK_RC(list(&r, &at, 0, ENG_LIST_REVERSE), 0);
		CHECK(r.n == i);
		for (j = 0; j < r.n && j < i; j++)
			CHECK(lay_value_equal(&r.v[j], &f.v[i - 1 - j]));
		CHECK_RC(list(&r, &at, 2, ENG_LIST_REVERSE), 0);
		CHECK(r.n == (i < 2 ? i : 2));
		for (j = 0; j < r.n && j < i; j++)
			CHECK(lay_value_equal(&r.v[j], &f.v[i - 1 - j]));
	}
	lay_item_free(&f.store);
	lay_item_free(&r.store);
	teardown();
}

/* A cursor that is no key: before "m" lies everything below it. */
static void test_list__reverse_from_a_missing_key(void)
{
	struct got r;
	lay_value at = dbt_s("c");

	memset(&r, 0, sizeof(r));
	setup();
	CHECK_RC(list(&r, &at, 0, ENG_LIST_REVERSE), 0);
	CHECK(r.n == 2);
	CHECK(r.n == 2 && r.v[0].len == 1 && r.v[0].u.p[0] == 'b' && r.v[1].u.p[0] == 'a');
	at = dbt_s("zzz");
	CHECK_RC(list(&r, &at, 0, ENG_LIST_REVERSE), 0);
	CHECK(r.n == NKEYS);
	lay_item_free(&r.store);
	teardown();
}

/* A partition that holds nothing lists nothing; the partitions list
 * backwards too. */
static void test_list__reverse_of_no_partition_is_empty(void)
{
	struct got r;
	lay_value pk = dbt_s("none");
	lay_err err = { 0, "" };

	memset(&r, 0, sizeof(r));
	setup();
	CHECK_RC(eng_list(db, NULL, TBL, &pk, NULL, 0, ENG_LIST_REVERSE, on_key, &r, &err), 0);
	CHECK(r.n == 0);
	CHECK_RC(eng_list(db, NULL, TBL, NULL, NULL, 0, ENG_LIST_REVERSE, on_key, &r, &err), 0);
	CHECK(r.n == 3 && r.v[0].u.p[0] == 'z' && r.v[1].u.p[0] == 'p' && r.v[2].u.p[0] == 'a');
	lay_item_free(&r.store);
	teardown();
}

static int count_items(void *ctx, const eng_entry *e)
{
	(*(int *)ctx) += e->item != NULL;
	return 0;
}

/* ENG_LIST_UNMETERED: the items are there, the units are the caller's. */
static void test_list__unmetered_items_cost_the_listing_nothing(void)
{
	eng_req rq = { .source = ENG_SRC_API };
	lay_value pk = dbt_s("part");
	lay_err err = { 0, "" };
	eng_capacity cap;
	int n = 0;

	setup();
	CHECK_RC(eng_list(db, &rq, TBL, &pk, NULL, 0, ENG_LIST_ITEMS, count_items, &n, &err), 0);
	CHECK(n == NKEYS && rq.rcu == 2);
	n = 0;
	CHECK_RC(eng_list(db, &rq, TBL, &pk, NULL, 0, ENG_LIST_ITEMS | ENG_LIST_UNMETERED,
			  count_items, &n, &err), 0);
	CHECK(n == NKEYS && rq.rcu == 0);
	CHECK_RC(eng_table_capacity(db, TBL, &cap), 0);
	CHECK(cap.read_units == 2);
	teardown();
}

int main(void)
{
	RUN(test_list__reverse_is_forward_backwards);
	RUN(test_list__reverse_resumes_before_any_key);
	RUN(test_list__reverse_from_a_missing_key);
	RUN(test_list__reverse_of_no_partition_is_empty);
	RUN(test_list__unmetered_items_cost_the_listing_nothing);
	return check_done();
}
