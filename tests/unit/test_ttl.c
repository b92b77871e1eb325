/* TTL (SPEC §9): expired items vanish from reads and listings at once; the
 * sweep deletes them as the service; strings, missing attributes and
 * values over five years old never expire. */
#include <errno.h>

#include "../../engine/engine.h"
#include "../../layout/json.h"
#include "../../layout/ttl.h"
#include "dbtest.h"

static char *dir;
static eng_db *db;
static eng_clock *clk;
static int64_t now_s;

static void setup(void)
{
	db = dbt_ttl_open(&dir, &clk, "Sess");
	now_s = eng_clock_now_ns(clk) / 1000000000;
}

static void teardown(void)
{
	dbt_ttl_close(db, clk, dir);
}

static void put_exp(const char *id, const char *exp_json)
{
	char json[256];
	lay_item it;
	lay_err err = { 0, "" };

	snprintf(json, sizeof(json), "{\"id\":\"%s\"%s%s}", id, exp_json ? ",\"exp\":" : "",
		 exp_json ? exp_json : "");
	it = dbt_item(json);
	CHECK_RC(eng_item_put(db, NULL, "Sess", &it, NULL, 0, NULL, NULL, &err), 0);
	lay_item_free(&it);
}

static int get(const char *id)
{
	lay_key key;
	lay_err err = { 0, "" };

	memset(&key, 0, sizeof(key));
	key.pk = dbt_val(LAY_S, id, strlen(id));
	return eng_item_get(db, NULL, "Sess", &key, NULL, NULL, &err);
}

static int count_cb(void *ctx, const eng_entry *e)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

static int listed(void)
{
	lay_err err = { 0, "" };
	int n = 0;

	CHECK_RC(eng_list(db, NULL, "Sess", NULL, NULL, 0, 0, count_cb, &n, &err), 0);
	return n;
}

static char exp_text[32];

static const char *at(int64_t secs)
{
	snprintf(exp_text, sizeof(exp_text), "%lld", (long long)secs);
	return exp_text;
}

static int hooked;

static void hook(void *ctx, const eng_item_event *ev)
{
	(void)ctx;
	if (strcmp(ev->table, "Sess") == 0 && ev->event == ENG_REMOVE &&
	    ev->source == ENG_SRC_TTL && ev->key->pk.type == LAY_S)
		hooked++;
}

struct removes {
	int service, user;
};

static int log_cb(void *ctx, const eng_change *c)
{
	struct removes *r = ctx;

	if (c->event == ENG_REMOVE) {
		if (c->flags & ENG_CHANGE_SERVICE)
			r->service++;
		else
			r->user++;
	}
	return 0;
}

static void test_ttl__expired_item_vanishes_at_once_and_sweeps_as_the_service(void)
{
	lay_err err = { 0, "" };
	struct removes r = { 0, 0 };
	size_t swept = 0;

	setup();
	CHECK_RC(eng_subscribe(db, hook, NULL), 0);
	hooked = 0;
	put_exp("a", at(now_s + 60));
	put_exp("b", NULL);
	CHECK_RC(get("a"), 0);
	CHECK(listed() == 2);
	CHECK_RC(eng_clock_advance(clk, 61, &err), 0);
	CHECK_RC(get("a"), -ENOENT);
	CHECK(listed() == 1);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 1 && hooked == 1);
	CHECK_RC(eng_log_read(db, "Sess", 0, 0, log_cb, &r, &err), 0);
	CHECK(r.service == 1 && r.user == 0);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 0);
	teardown();
}

static void test_ttl__strings_missing_and_ancient_values_never_expire(void)
{
	lay_err err = { 0, "" };
	size_t swept = 9;

	setup();
	put_exp("str", "\"1\"");
	put_exp("none", NULL);
	put_exp("ancient", at(now_s - 6ll * 365 * 86400));
	put_exp("negative", "-5");
	put_exp("soon", at(now_s + 10));
	CHECK_RC(eng_clock_advance(clk, 3600, &err), 0);
	CHECK_RC(get("str"), 0);
	CHECK_RC(get("none"), 0);
	CHECK_RC(get("ancient"), 0);
	CHECK_RC(get("negative"), 0);
	CHECK_RC(get("soon"), -ENOENT);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 1);
	CHECK(listed() == 4);
	teardown();
}

static void test_ttl__changing_the_attribute_reindexes_existing_items(void)
{
	lay_settings s = { 0 };
	lay_err err = { 0, "" };
	lay_item it;
	char json[128];
	size_t swept;

	setup();
	snprintf(json, sizeof(json), "{\"id\":\"x\",\"until\":%lld}", (long long)(now_s + 5));
	it = dbt_item(json);
	CHECK_RC(eng_item_put(db, NULL, "Sess", &it, NULL, 0, NULL, NULL, &err), 0);
	lay_item_free(&it);
	CHECK_RC(eng_clock_advance(clk, 10, &err), 0);
	CHECK_RC(get("x"), 0); /* "until" is not the TTL attribute yet */
	strcpy(s.ttl_attr, "until");
	CHECK_RC(eng_table_set_settings(db, NULL, "Sess", &s, &err), 0);
	CHECK_RC(get("x"), -ENOENT);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 1);
	teardown();
}

static void test_ttl__sweep_deletes_only_the_expired_among_many(void)
{
	lay_err err = { 0, "" };
	size_t swept, i;
	char id[16];

	setup();
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "k%04zu", i);
		put_exp(id, i % 100 == 0 ? at(now_s + 1) : at(now_s + 100000));
	}
	CHECK_RC(eng_clock_advance(clk, 2, &err), 0);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 20);
	CHECK(listed() == 1980);
	teardown();
}

/* A TTL in the far future (up to the year 30 million) is a time that has
 * not come: no overflow of its nanoseconds (found by fuzzing). */
static void test_ttl__far_future_values_have_not_expired(void)
{
	static const char text[] = "{\"PK\":\"a\",\"SK\":\"b\",\"ttl\":999999999999999}";
	int64_t now = 1700000000LL * 1000000000LL, exp;
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };

	CHECK_RC(lay_json_parse(&it, text, sizeof(text) - 1, LAY_FMT_PLAIN, &err), 0);
	exp = lay_ttl_expiry(&it, "ttl", now);
	CHECK(exp == 999999999999999LL);
	CHECK(!lay_ttl_expired(exp, now));
	CHECK(!lay_ttl_expired(10000000000LL, now));
	CHECK(lay_ttl_expired(1700000000LL, now));
	CHECK(!lay_ttl_expired(1700000001LL, now));
	lay_item_free(&it);
}

int main(void)
{
	RUN(test_ttl__expired_item_vanishes_at_once_and_sweeps_as_the_service);
	RUN(test_ttl__strings_missing_and_ancient_values_never_expire);
	RUN(test_ttl__changing_the_attribute_reindexes_existing_items);
	RUN(test_ttl__sweep_deletes_only_the_expired_among_many);
	RUN(test_ttl__far_future_values_have_not_expired);
	return check_done();
}
