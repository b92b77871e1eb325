/* Request contexts and change events: what an operation consumed in
 * DynamoDB's capacity units, the source a change records, the events every
 * kind of change tells its subscribers, and the as-of view (not yet). */
#include <errno.h>

#include "../../engine/engine.h"
#include "dbtest.h"

static char *dir;
static eng_db *db;
static eng_clock *clk;
static int64_t now_s;

static void setup(void)
{
	db = dbt_ttl_open(&dir, &clk, "Tab");
	now_s = eng_clock_now_ns(clk) / 1000000000;
}

static void teardown(void)
{
	dbt_ttl_close(db, clk, dir);
}

/* {"id": id, "d": "xxx..."} of DynamoDB size size (at least 4 + 1). */
static lay_item sized(const char *id, size_t size)
{
	size_t fixed = 2 + strlen(id) + 1; /* "id", its value, "d" */
	char *json = malloc(size + 64);
	lay_item it;
	size_t n;

	n = (size_t)sprintf(json, "{\"id\":\"%s\",\"d\":\"", id);
	memset(json + n, 'x', size - fixed);
	strcpy(json + n + size - fixed, "\"}");
	it = dbt_item(json);
	free(json);
	CHECK(lay_item_size(&it) == size);
	return it;
}

static double put_sized(eng_req *rq, const char *id, size_t size)
{
	lay_err err = { 0, "" };
	lay_item it = sized(id, size);

	rq->wcu = -1;
	CHECK_RC(eng_item_put(db, rq, "Tab", &it, NULL, 0, NULL, NULL, &err), 0);
	lay_item_free(&it);
	return rq->wcu;
}

static lay_key key_of(const char *id)
{
	lay_key k;

	memset(&k, 0, sizeof(k));
	k.pk = dbt_val(LAY_S, id, strlen(id));
	return k;
}

static void test_req__writes_cost_a_unit_per_started_kilobyte_of_the_larger_image(void)
{
	eng_req rq = { 0 };
	lay_err err = { 0, "" };
	lay_key k = key_of("a");

	setup();
	CHECK(put_sized(&rq, "a", 1024) == 1);
	CHECK(rq.rcu == 0);
	CHECK(put_sized(&rq, "b", 1025) == 2);
	/* a modify counts the larger of the old and the new item */
	CHECK(put_sized(&rq, "b", 100) == 2);
	CHECK(put_sized(&rq, "b", 3000) == 3);
	/* a put that changes nothing still costs its write */
	CHECK(put_sized(&rq, "b", 3000) == 3);
	/* a delete costs the old item's size */
	CHECK(put_sized(&rq, "a", 2100) == 3);
	rq.wcu = -1;
	CHECK_RC(eng_item_delete(db, &rq, "Tab", &k, NULL, &err), 0);
	CHECK(rq.wcu == 3 && rq.rcu == 0);
	teardown();
}

static int count_cb(void *ctx, const eng_entry *e)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

static void test_req__reads_cost_a_unit_per_started_4kb_and_a_listing_rounds_once(void)
{
	eng_req rq = { 0 };
	lay_err err = { 0, "" };
	lay_item out = LAY_ITEM_INIT;
	lay_key k = key_of("a");
	int n = 0;

	setup();
	put_sized(&rq, "a", 4096);
	put_sized(&rq, "b", 2000);
	put_sized(&rq, "c", 2000);
	rq.rcu = rq.wcu = -1;
	CHECK_RC(eng_item_get(db, &rq, "Tab", &k, &out, NULL, &err), 0);
	CHECK(rq.rcu == 1 && rq.wcu == 0);
	lay_item_free(&out);
	put_sized(&rq, "a", 4097);
	CHECK_RC(eng_item_get(db, &rq, "Tab", &k, &out, NULL, &err), 0);
	CHECK(rq.rcu == 2);
	lay_item_free(&out);
	/* metadata alone (stat) reads no item */
	CHECK_RC(eng_item_get(db, &rq, "Tab", &k, NULL, NULL, &err), 0);
	CHECK(rq.rcu == 0 && rq.wcu == 0);
	/* 4097 + 2000 + 2000 bytes: 2 units as one read, not 2 + 1 + 1 */
	CHECK_RC(eng_list(db, &rq, "Tab", NULL, NULL, 0, ENG_LIST_ITEMS, count_cb, &n, &err), 0);
	CHECK(n == 3 && rq.rcu == 2 && rq.wcu == 0);
	teardown();
}

/* An as-of view reads items, listings and tables (test_asof.c), only in
 * PITR's window; nothing can be changed in one. */
static void test_req__an_as_of_view_reads_items_and_listings_and_changes_nothing(void)
{
	eng_req rq = { 0 };
	lay_err err = { 0, "" };
	lay_key k = key_of("a");
	eng_table_info ti;
	int n = 0;

	setup();
	put_sized(&rq, "a", 10);
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = eng_clock_now_ns(clk) - 1000000000;
	/* before PITR was turned on: outside the window */
	CHECK_RC(eng_item_get(db, &rq, "Tab", &k, NULL, NULL, &err), -ENOENT);
	CHECK(strstr(err.msg, "can be read as of") != NULL);
	CHECK_RC(eng_list(db, &rq, "Tab", NULL, NULL, 0, 0, count_cb, &n, &err), -ENOENT);
	CHECK_RC(eng_table_get(db, &rq, "Tab", &ti, &err), -ENOENT);
	CHECK_RC(eng_item_delete(db, &rq, "Tab", &k, NULL, &err), -EROFS);
	rq.view = ENG_VIEW_LIVE;
	CHECK_RC(eng_item_get(db, &rq, "Tab", &k, NULL, NULL, &err), 0);
	CHECK(n == 0);
	teardown();
}

#define MAX_SEEN 16

struct seen {
	int n;
	char table[MAX_SEEN][16];
	char id[MAX_SEEN][16];
	eng_event ev[MAX_SEEN];
	eng_source src[MAX_SEEN];
};

static void note(void *ctx, const eng_item_event *e)
{
	struct seen *s = ctx;

	if (s->n == MAX_SEEN)
		return;
	snprintf(s->table[s->n], sizeof(s->table[0]), "%s", e->table);
	snprintf(s->id[s->n], sizeof(s->id[0]), "%.*s", (int)e->key->pk.len, e->key->pk.u.p);
	s->ev[s->n] = e->event;
	s->src[s->n] = e->source;
	s->n++;
}

static int seen_is(const struct seen *s, int i, const char *id, eng_event ev, eng_source src)
{
	return i < s->n && strcmp(s->table[i], "Tab") == 0 && strcmp(s->id[i], id) == 0 &&
	       s->ev[i] == ev && s->src[i] == src;
}

static void test_req__every_kind_of_change_is_told_after_its_commit(void)
{
	eng_req api = { 0 };
	lay_err err = { 0, "" };
	lay_key a = key_of("a"), b = key_of("b");
	lay_value v = dbt_val(LAY_S, "y", 1);
	lay_schema ns = { 0 };
	struct seen s = { 0 };
	char json[64];
	lay_item it;
	size_t swept;

	setup();
	api.source = ENG_SRC_API;
	CHECK_RC(eng_subscribe(db, note, &s), 0);
	CHECK_RC(eng_subscribe(db, note, &s), -EEXIST);
	put_sized(&api, "a", 10);                        /* 0: INSERT */
	put_sized(&api, "a", 10);                        /* nothing changed: no event */
	put_sized(&api, "a", 11);                        /* 1: MODIFY */
	CHECK_RC(eng_item_set_attr(db, NULL, "Tab", &a, "e", &v, NULL, NULL, &err), 0); /* 2 */
	CHECK_RC(eng_item_rename(db, NULL, "Tab", &a, &b, 0, &err), 0);      /* 3, 4 */
	CHECK_RC(eng_item_delete(db, &api, "Tab", &b, NULL, &err), 0);       /* 5 */
	CHECK(seen_is(&s, 0, "a", ENG_INSERT, ENG_SRC_API));
	CHECK(seen_is(&s, 1, "a", ENG_MODIFY, ENG_SRC_API));
	CHECK(seen_is(&s, 2, "a", ENG_MODIFY, ENG_SRC_FILE));
	CHECK(seen_is(&s, 3, "a", ENG_REMOVE, ENG_SRC_FILE));
	CHECK(seen_is(&s, 4, "b", ENG_INSERT, ENG_SRC_FILE));
	CHECK(seen_is(&s, 5, "b", ENG_REMOVE, ENG_SRC_API));
	CHECK(s.n == 6);

	/* TTL: the sweep removes as the service */
	s.n = 0;
	snprintf(json, sizeof(json), "{\"id\":\"t\",\"exp\":%lld}", (long long)now_s + 5);
	it = dbt_item(json);
	CHECK_RC(eng_item_put(db, NULL, "Tab", &it, NULL, 0, NULL, NULL, &err), 0);
	lay_item_free(&it);
	CHECK_RC(eng_clock_advance(clk, 6, &err), 0);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 1);
	CHECK(seen_is(&s, 0, "t", ENG_INSERT, ENG_SRC_FILE));
	CHECK(seen_is(&s, 1, "t", ENG_REMOVE, ENG_SRC_TTL));
	CHECK(s.n == 2);

	/* a re-key: each item leaves its old key, then takes its new one */
	s.n = 0;
	put_sized(&api, "r", 10);
	s.n = 0;
	strcpy(ns.pk, "d");
	ns.pk_type = LAY_S;
	CHECK_RC(eng_table_set_schema(db, NULL, "Tab", &ns, &err), 0);
	CHECK(seen_is(&s, 0, "r", ENG_REMOVE, ENG_SRC_FILE));
	CHECK(s.n == 2 && s.ev[1] == ENG_INSERT && s.id[1][0] == 'x');

	eng_unsubscribe(db, note, &s);
	s.n = 0;
	put_sized(&api, "z", 10);
	CHECK(s.n == 0);
	teardown();
}

struct sources {
	int n;
	unsigned flags[8];
};

static int log_cb(void *ctx, const eng_change *c)
{
	struct sources *s = ctx;

	if (s->n < 8)
		s->flags[s->n++] = c->flags;
	return 0;
}

static void test_req__the_change_record_keeps_the_source(void)
{
	eng_req api = { 0 };
	lay_err err = { 0, "" };
	struct sources s = { 0 };
	lay_key k = key_of("a");

	setup();
	api.source = ENG_SRC_API;
	put_sized(&api, "a", 10);
	CHECK_RC(eng_item_delete(db, NULL, "Tab", &k, NULL, &err), 0);
	CHECK_RC(eng_log_read(db, "Tab", 0, 0, log_cb, &s, &err), 0);
	CHECK(s.n == 2);
	CHECK(ENG_CHANGE_SOURCE(s.flags[0]) == ENG_SRC_API && !(s.flags[0] & ENG_CHANGE_SERVICE));
	CHECK(ENG_CHANGE_SOURCE(s.flags[1]) == ENG_SRC_FILE && s.flags[1] == 0);
	teardown();
}

static int told;

static void count_told(void *ctx, const eng_item_event *ev)
{
	(void)ctx;
	(void)ev;
	told++;
}

/* A transaction runs again after the map grew: a put still tells its
 * change once (a 1 MB map grows every few hundred 3 KB puts). */
static void test_req__a_put_is_told_once_when_the_map_grows_during_it(void)
{
	char *dir = dbt_tmpdir(), big[3000], json[3100];
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_db *db;
	int i, twice = 0;

	o.maint_ms = -1;
	o.map_size = 1 << 20;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Tab", NULL, NULL, &err), 0);
	CHECK_RC(eng_subscribe(db, count_told, NULL), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 1500; i++) {
		lay_item it;

		snprintf(json, sizeof(json), "{\"PK\":\"u%d\",\"SK\":\"a\",\"b\":\"%s\"}", i, big);
		it = dbt_item(json);
		told = 0;
		CHECK_RC(eng_item_put(db, NULL, "Tab", &it, NULL, 0, NULL, NULL, &err), 0);
		twice += told != 1;
		lay_item_free(&it);
	}
	CHECK(twice == 0);
	eng_db_close(db);
	dbt_rmdir(dir);
}

int main(void)
{
	RUN(test_req__writes_cost_a_unit_per_started_kilobyte_of_the_larger_image);
	RUN(test_req__reads_cost_a_unit_per_started_4kb_and_a_listing_rounds_once);
	RUN(test_req__an_as_of_view_reads_items_and_listings_and_changes_nothing);
	RUN(test_req__every_kind_of_change_is_told_after_its_commit);
	RUN(test_req__the_change_record_keeps_the_source);
	RUN(test_req__a_put_is_told_once_when_the_map_grows_during_it);
	return check_done();
}
