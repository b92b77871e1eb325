/* Unit tests of re-keying a table (SPEC §2): setting the key schema of a
 * table with items moves every item to the key its attributes give, in one
 * transaction, dropping old key attributes that only repeat the path; or
 * changes nothing (ENOTEMPTY). */
#include <errno.h>
#include <string.h>

#include "../../engine/engine.h"
#include "dbtest.h"

#define TBL "Tab"

static char *dir;
static eng_db *db;
static eng_clock *clk;

static void setup(const char *schema)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_schema s;

	dir = dbt_tmpdir();
	if (eng_clock_new(&clk, 1) < 0)
		exit(2);
	o.clock = clk;
	o.maint_ms = -1;
	db = dbt_open(dir, &o);
	if (schema && lay_schema_parse(&s, schema, strlen(schema), &err) < 0)
		exit(2);
	if (eng_table_create(db, NULL, TBL, schema ? &s : NULL, NULL, &err) < 0)
		exit(2);
	dbt_pitr_on(db, TBL); /* the change log is kept with PITR on */
}

static void teardown(void)
{
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static int put(const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	int rc = eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err);

	if (rc < 0)
		fprintf(stderr, "  put %s: %s\n", json, err.msg);
	lay_item_free(&it);
	return rc;
}

static int rekey(const char *schema, lay_err *err)
{
	lay_schema s;

	if (lay_schema_parse(&s, schema, strlen(schema), err) < 0)
		return -999;
	return eng_table_set_schema(db, NULL, TBL, &s, err);
}

static int dump_cb(void *ctx, const eng_entry *e)
{
	lay_buf *b = ctx;

	lay_json_render(b, e->item, LAY_FMT_PLAIN);
	return 0;
}

static int part_cb(void *ctx, const eng_entry *e)
{
	lay_buf *b = ctx;
	lay_err err = { 0, "" };

	return eng_list(db, NULL, TBL, e->key, NULL, 0, ENG_LIST_ITEMS, dump_cb, b, &err);
}

/* Every item in key order as JSON lines; the caller frees. */
static char *dump(void)
{
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	eng_table_info ti;
	char *s;

	eng_table_get(db, NULL, TBL, &ti, &err);
	if (ti.schema.sk_type)
		eng_list(db, NULL, TBL, NULL, NULL, 0, 0, part_cb, &b, &err);
	else
		eng_list(db, NULL, TBL, NULL, NULL, 0, ENG_LIST_ITEMS, dump_cb, &b, &err);
	s = lay_buf_detach(&b, NULL);
	return s ? s : strdup("");
}

static int dump_is(const char *want)
{
	char *got = dump();
	int ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "  got:\n%s  wanted:\n%s", got, want);
	free(got);
	return ok;
}

static const char *schema_of(void)
{
	static char s[600];
	lay_err err = { 0, "" };
	lay_buf b = LAY_BUF_INIT;
	eng_table_info ti;

	eng_table_get(db, NULL, TBL, &ti, &err);
	lay_schema_format(&b, &ti.schema);
	snprintf(s, sizeof(s), "%s", b.p);
	lay_buf_free(&b);
	return s;
}

struct events {
	int remove, insert, other;
};

static int ev_cb(void *ctx, const eng_change *c)
{
	struct events *e = ctx;

	if (c->event == ENG_REMOVE)
		e->remove++;
	else if (c->event == ENG_INSERT)
		e->insert++;
	else
		e->other++;
	return 0;
}

/* What cp -a leaves in a default table before it copies the key schema. */
static void put_copied_orders(void)
{
	CHECK_RC(put("{\"PK\":\"alice\",\"SK\":\"20260105\",\"customer\":\"alice\","
		     "\"date\":20260105,\"amount\":5}"),
		 0);
	CHECK_RC(put("{\"PK\":\"alice\",\"SK\":\"1.5\",\"customer\":\"alice\",\"date\":1.5}"), 0);
	CHECK_RC(put("{\"PK\":\"bob\",\"SK\":\"7\",\"customer\":\"bob\",\"date\":7,"
		     "\"tags\":{\"SS\":[\"x\"]}}"),
		 0);
}

static void test_rekey__copied_items_take_their_keys_and_drop_the_path_attributes(void)
{
	lay_key k = dbt_key(dbt_s("alice"), dbt_n("20260105"));
	lay_key old = dbt_key(dbt_s("alice"), dbt_s("20260105"));
	lay_err err = { 0, "" };
	eng_table_info ti;
	eng_meta m0, m1;
	struct events ev = { 0, 0, 0 };
	uint64_t seq;

	setup(NULL);
	put_copied_orders();
	CHECK_RC(eng_item_get(db, NULL, TBL, &old, NULL, &m0, &err), 0);
	seq = eng_log_last_seq(db);
	CHECK_RC(rekey("customer:S,date:N", &err), 0);
	CHECK_STR(schema_of(), "customer:S,date:N");
	CHECK(dump_is("{\"customer\":\"alice\",\"date\":1.5}\n"
		      "{\"customer\":\"alice\",\"date\":20260105,\"amount\":5}\n"
		      "{\"customer\":\"bob\",\"date\":7,\"tags\":{\"SS\":[\"x\"]}}\n"));
	/* the same file: id (inode number), owner and mtime kept */
	CHECK_RC(eng_item_get(db, NULL, TBL, &k, NULL, &m1, &err), 0);
	CHECK(m1.id == m0.id && m1.mtime_ns == m0.mtime_ns && m1.mode == m0.mode);
	CHECK(m1.size < m0.size);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 3);
	/* a REMOVE of each old key, then an INSERT of each new one */
	CHECK_RC(eng_log_read(db, TBL, seq, 0, ev_cb, &ev, &err), 0);
	CHECK(ev.remove == 3 && ev.insert == 3 && ev.other == 0);
	/* the table takes its new key on writes */
	CHECK_RC(put("{\"customer\":\"carol\",\"date\":1}"), 0);
	CHECK_RC(put("{\"PK\":\"carol\",\"SK\":\"1\"}"), -EINVAL);
	teardown();
}

static void test_rekey__old_key_attributes_that_are_not_the_path_are_kept(void)
{
	lay_err err = { 0, "" };

	setup(NULL);
	CHECK_RC(put("{\"PK\":\"alice\",\"SK\":\"o1\",\"customer\":\"alice\",\"date\":5}"), 0);
	CHECK_RC(put("{\"PK\":\"x\",\"SK\":\"9\",\"customer\":\"bob\",\"date\":9}"), 0);
	CHECK_RC(rekey("customer:S,date:N", &err), 0);
	CHECK(dump_is("{\"customer\":\"alice\",\"date\":5,\"SK\":\"o1\"}\n"
		      "{\"customer\":\"bob\",\"date\":9,\"PK\":\"x\"}\n"));
	teardown();
}

/* The table is as put_copied_orders left it. */
static int unchanged(uint64_t seq)
{
	return strcmp(schema_of(), "PK:S,SK:S") == 0 && eng_log_last_seq(db) == seq &&
	       dump_is("{\"PK\":\"alice\",\"SK\":\"1.5\",\"customer\":\"alice\",\"date\":1.5}\n"
		       "{\"PK\":\"alice\",\"SK\":\"20260105\",\"customer\":\"alice\","
		       "\"date\":20260105,\"amount\":5}\n"
		       "{\"PK\":\"bob\",\"SK\":\"7\",\"customer\":\"bob\",\"date\":7,"
		       "\"tags\":{\"SS\":[\"x\"]}}\n");
}

static void test_rekey__a_missing_key_attribute_is_enotempty_and_changes_nothing(void)
{
	lay_err err = { 0, "" };
	uint64_t seq;

	setup(NULL);
	put_copied_orders();
	seq = eng_log_last_seq(db);
	CHECK_RC(rekey("customer:S,amount:N", &err), -ENOTEMPTY);
	CHECK(strstr(err.msg, "alice/1.5.json") && strstr(err.msg, "Missing the key amount"));
	CHECK(unchanged(seq));
	teardown();
}

static void test_rekey__a_key_attribute_of_the_wrong_type_is_enotempty(void)
{
	lay_err err = { 0, "" };
	uint64_t seq;

	setup(NULL);
	put_copied_orders();
	seq = eng_log_last_seq(db);
	CHECK_RC(rekey("customer:S,date:S", &err), -ENOTEMPTY);
	CHECK(strstr(err.msg, "Type mismatch") != NULL);
	CHECK_RC(rekey("customer:B", &err), -ENOTEMPTY);
	CHECK(unchanged(seq));
	teardown();
}

static void test_rekey__two_items_with_one_new_key_is_enotempty(void)
{
	lay_err err = { 0, "" };
	uint64_t seq;

	setup(NULL);
	put_copied_orders();
	seq = eng_log_last_seq(db);
	CHECK_RC(rekey("customer:S", &err), -ENOTEMPTY);
	CHECK(strstr(err.msg, "same key") != NULL);
	CHECK(unchanged(seq));
	teardown();
}

static void test_rekey__hash_only_to_composite_and_back(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti;

	setup("id:S");
	CHECK_RC(put("{\"id\":\"u1\",\"org\":\"a\",\"n\":1}"), 0);
	CHECK_RC(put("{\"id\":\"u2\",\"org\":\"b\"}"), 0);
	CHECK_RC(put("{\"id\":\"u3\",\"org\":\"a\"}"), 0);
	CHECK_RC(rekey("org:S,id:S", &err), 0);
	CHECK(dump_is("{\"org\":\"a\",\"id\":\"u1\",\"n\":1}\n"
		      "{\"org\":\"a\",\"id\":\"u3\"}\n"
		      "{\"org\":\"b\",\"id\":\"u2\"}\n"));
	CHECK_RC(rekey("id:S", &err), 0);
	CHECK(dump_is("{\"id\":\"u1\",\"org\":\"a\",\"n\":1}\n"
		      "{\"id\":\"u2\",\"org\":\"b\"}\n"
		      "{\"id\":\"u3\",\"org\":\"a\"}\n"));
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 3 && ti.schema.sk_type == 0);
	/* a hash-only copy made under a hash-only PK:S: the file names match */
	teardown();
	setup("PK:S");
	CHECK_RC(put("{\"PK\":\"u1\",\"id\":\"u1\",\"x\":true}"), 0);
	CHECK_RC(rekey("id:S", &err), 0);
	CHECK(dump_is("{\"id\":\"u1\",\"x\":true}\n"));
	teardown();
}

static void test_rekey__partitions_keep_their_id_and_metadata(void)
{
	lay_value alice = dbt_s("alice");
	lay_err err = { 0, "" };
	eng_dirmeta dm = { 0 }, before, after;

	setup(NULL);
	put_copied_orders();
	dm.mode = 0700;
	dm.mtime_ns = 123000000000LL;
	CHECK_RC(eng_part_set_meta(db, NULL, TBL, &alice, &dm, ENG_META_MODE | ENG_META_MTIME, &err), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &alice, &before, &err), 0);
	CHECK_RC(rekey("customer:S,date:N", &err), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &alice, &after, &err), 0);
	CHECK(after.id == before.id && after.mode == 0700 && after.mtime_ns == 123000000000LL);
	teardown();
}

static void test_rekey__ttl_index_and_stream_follow_the_new_keys(void)
{
	lay_key k = dbt_key1(dbt_s("u1"));
	lay_err err = { 0, "" };
	lay_settings s = { 0 };
	char json[128];
	int64_t now_s;
	size_t swept = 0;
	uint64_t size = 0;
	lay_buf b = LAY_BUF_INIT;

	setup("PK:S");
	strcpy(s.ttl_attr, "exp");
	s.stream_view = LAY_VIEW_NEW_AND_OLD;
	CHECK_RC(eng_table_set_settings(db, NULL, TBL, &s, &err), 0);
	now_s = eng_clock_now_ns(clk) / 1000000000;
	snprintf(json, sizeof(json), "{\"PK\":\"u1\",\"id\":\"u1\",\"exp\":%lld}",
		 (long long)now_s + 60);
	CHECK_RC(put(json), 0);
	CHECK_RC(put("{\"PK\":\"u2\",\"id\":\"u2\"}"), 0);
	CHECK_RC(eng_stream_size(db, TBL, &size, &err), 0);
	CHECK_RC(rekey("id:S", &err), 0);
	CHECK_RC(eng_stream_read(db, TBL, size, 1 << 20, &b, &err), 0);
	CHECK(b.p && strstr(b.p, "\"eventName\":\"REMOVE\",") &&
	      strstr(b.p, "\"Keys\":{\"PK\":{\"S\":\"u1\"}}") &&
	      strstr(b.p, "\"Keys\":{\"id\":{\"S\":\"u1\"}}"));
	lay_buf_free(&b);
	CHECK_RC(eng_item_get(db, NULL, TBL, &k, NULL, NULL, &err), 0);
	CHECK_RC(eng_clock_advance(clk, 61, &err), 0);
	CHECK_RC(eng_db_maintain(db, 0, &swept, &err), 0);
	CHECK(swept == 1);
	CHECK(dump_is("{\"id\":\"u2\"}\n"));
	teardown();
}

int main(void)
{
	RUN(test_rekey__copied_items_take_their_keys_and_drop_the_path_attributes);
	RUN(test_rekey__old_key_attributes_that_are_not_the_path_are_kept);
	RUN(test_rekey__a_missing_key_attribute_is_enotempty_and_changes_nothing);
	RUN(test_rekey__a_key_attribute_of_the_wrong_type_is_enotempty);
	RUN(test_rekey__two_items_with_one_new_key_is_enotempty);
	RUN(test_rekey__hash_only_to_composite_and_back);
	RUN(test_rekey__partitions_keep_their_id_and_metadata);
	RUN(test_rekey__ttl_index_and_stream_follow_the_new_keys);
	return check_done();
}
