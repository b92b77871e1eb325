/* Unit tests of eng_item_set_attr (engine/item.c, SPEC §7, §9): one
 * attribute of an item updated in one write transaction, with its change
 * record, as user.ddb.ttl uses it. */
#include <errno.h>
#include <string.h>

#include "../../engine/engine.h"
#include "dbtest.h"

#define TBL "Tab"

static char *dir;
static eng_db *db;

static void setup(void)
{
	lay_err err = { 0, "" };

	dir = dbt_tmpdir();
	db = dbt_open(dir, NULL);
	if (eng_table_create(db, NULL, TBL, NULL, NULL, &err) < 0) {
		fprintf(stderr, "create: %s\n", err.msg);
		exit(2);
	}
}

static void teardown(void)
{
	eng_db_close(db);
	dbt_rmdir(dir);
}

static int put(const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	int rc = eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err);

	lay_item_free(&it);
	return rc;
}

/* The plain rendering of the item at key ("" when missing); caller frees. */
static char *render_at(const lay_key *key)
{
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_buf b = LAY_BUF_INIT;
	char *s;

	if (eng_item_get(db, NULL, TBL, key, &it, NULL, &err) < 0)
		return strdup("");
	lay_json_render(&b, &it, LAY_FMT_PLAIN);
	lay_item_free(&it);
	s = lay_buf_detach(&b, NULL);
	return s ? s : strdup("");
}

static int check_render(const lay_key *key, const char *want)
{
	char *got = render_at(key);
	int ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "  got %s, wanted %s\n", got, want);
	free(got);
	return ok;
}

static void test_set_attr__adds_or_replaces_one_attribute_and_keeps_the_rest(void)
{
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_value n = dbt_val(LAY_N, "42", 2);
	lay_err err = { 0, "" };
	eng_event ev = 0;
	eng_meta m0, m1;
	uint64_t seq;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1,\"w\":\"x\"}"), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m0, &err), 0);
	seq = eng_log_last_seq(db);
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &key, "exp", &n, &ev, &m1, &err), 0);
	CHECK(ev == ENG_MODIFY);
	CHECK(m1.id == m0.id);
	CHECK(eng_log_last_seq(db) == seq + 1);
	CHECK(check_render(&key, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":1,\"w\":\"x\",\"exp\":42}\n"));
	n = dbt_val(LAY_N, "7", 1);
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &key, "v", &n, &ev, NULL, &err), 0);
	CHECK(check_render(&key, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":7,\"w\":\"x\",\"exp\":42}\n"));
	/* the value it has: no change, no record */
	seq = eng_log_last_seq(db);
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &key, "v", &n, &ev, NULL, &err), 0);
	CHECK(ev == ENG_UNCHANGED);
	CHECK(eng_log_last_seq(db) == seq);
	teardown();
}

static void test_set_attr__missing_item_key_attribute_or_bad_value_change_nothing(void)
{
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_key none = dbt_key(dbt_s("a"), dbt_s("2"));
	lay_value n = dbt_val(LAY_N, "1", 1);
	lay_err err = { 0, "" };
	uint64_t seq;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}"), 0);
	seq = eng_log_last_seq(db);
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &none, "v", &n, NULL, NULL, &err), -ENOENT);
	CHECK(err.msg[0] != '\0');
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &key, "SK", &n, NULL, NULL, &err), -EINVAL);
	CHECK(strstr(err.msg, "key attribute") != NULL);
	CHECK_RC(eng_item_set_attr(db, NULL, TBL, &key, "", &n, NULL, NULL, &err), -EINVAL);
	CHECK_RC(eng_item_set_attr(db, NULL, "Nope", &key, "v", &n, NULL, NULL, &err), -ENOENT);
	CHECK(eng_log_last_seq(db) == seq);
	CHECK(check_render(&key, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}\n"));
	teardown();
}

int main(void)
{
	RUN(test_set_attr__adds_or_replaces_one_attribute_and_keeps_the_rest);
	RUN(test_set_attr__missing_item_key_attribute_or_bad_value_change_nothing);
	return check_done();
}
