/* Unit tests of engine/item.c (SPEC §3, §4, §5, §6): put/get of all ten
 * types, events, metadata, delete, rename, listings in DynamoDB key order
 * with resumable cursors, long keys, partitions and bad input. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../../engine/engine.h"
#include "../../layout/b64.h"
#include "../../layout/name.h"
#include "dbtest.h"

#define TBL "Tab"

static char *dir;
static eng_db *db;
static eng_clock *clk;

static void setup_with(const char *table, const char *schema)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_schema s;

	dir = dbt_tmpdir();
	if (eng_clock_new(&clk, 1) < 0)
		exit(2);
	o.clock = clk;
	db = dbt_open(dir, &o);
	if (!table)
		return;
	if (schema && lay_schema_parse(&s, schema, strlen(schema), &err) < 0) {
		fprintf(stderr, "bad schema %s: %s\n", schema, err.msg);
		exit(2);
	}
	if (eng_table_create(db, NULL, table, schema ? &s : NULL, NULL, &err) < 0) {
		fprintf(stderr, "create %s: %s\n", table, err.msg);
		exit(2);
	}
	dbt_pitr_on(db, table); /* the change log shows every change */
}

static void setup(void)
{
	setup_with(TBL, NULL);
}

static void teardown(void)
{
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

/* A listing's callback: counts entries whose len is their ddb rendering's. */
static int count_ddb_lens(void *ctx, const eng_entry *e)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	lay_key key = { 0 };

	key.pk = dbt_s("u1");
	key.sk = *e->key;
	if (eng_item_get(db, NULL, TBL, &key, &it, NULL, &err) == 0 &&
	    lay_json_render(&r, &it, LAY_FMT_DDB) == 0 && e->meta->len == r.len)
		++*(int *)ctx;
	lay_item_free(&it);
	lay_buf_free(&r);
	return 0;
}

/* Put JSON text into table T; returns the put's result, *ev its event. */
static int put(const char *json, eng_event *ev)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	int rc = eng_item_put(db, NULL, TBL, &it, NULL, 0, ev, NULL, &err);

	if (rc < 0 && !err.msg[0])
		fprintf(stderr, "put without a message: %s\n", lay_errno_name(rc));
	lay_item_free(&it);
	return rc;
}

/* The plain rendering of the item at key in T ("" when missing). */
static char *render_at(const lay_key *key, lay_format fmt)
{
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_buf b = LAY_BUF_INIT;
	char *s;

	if (eng_item_get(db, NULL, TBL, key, &it, NULL, &err) < 0)
		return strdup("");
	lay_json_render(&b, &it, fmt);
	lay_item_free(&it);
	s = lay_buf_detach(&b, NULL);
	return s ? s : strdup("");
}

static uint64_t changes(void)
{
	return eng_log_last_seq(db);
}

static void test_item__put_get_round_trip_of_all_ten_types(void)
{
	const char *json = "{\"PK\":\"u1\",\"SK\":\"a\",\"s\":\"h\\u00e9llo\",\"n\":-12.50,"
			   "\"b\":{\"B\":\"AAEC/w==\"},\"t\":true,\"z\":null,"
			   "\"m\":{\"x\":[1,\"two\",{\"y\":false}]},\"l\":[],"
			   "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[1,2.5]},"
			   "\"bs\":{\"BS\":[\"AA==\",\"AQ==\"]}}";
	lay_item in = dbt_item(json), out = LAY_ITEM_INIT;
	lay_buf plain = LAY_BUF_INIT, ddb = LAY_BUF_INIT, got = LAY_BUF_INIT;
	lay_key key = dbt_key(dbt_s("u1"), dbt_s("a"));
	lay_err err = { 0, "" };
	eng_meta m, m2;
	eng_event ev = 0;

	setup();
	CHECK_RC(eng_item_put(db, NULL, TBL, &in, NULL, 0, &ev, &m, &err), 0);
	CHECK(ev == ENG_INSERT);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, &out, &m2, &err), 0);
	CHECK(lay_item_equal(&in, &out));
	lay_json_render(&plain, &in, LAY_FMT_PLAIN);
	lay_json_render(&ddb, &in, LAY_FMT_DDB);
	lay_json_render(&got, &out, LAY_FMT_PLAIN);
	/* same attributes in the same order */
	CHECK(got.len == plain.len && memcmp(got.p, plain.p, plain.len) == 0);
	CHECK(m2.len == plain.len);
	CHECK(m2.size == lay_item_size(&in));
	CHECK(m2.id > 0 && m2.id == m.id);
	CHECK(m2.mode == 0644 && m2.uid == 0 && m2.gid == 0);
	CHECK(m2.mtime_ns == m.mtime_ns && m2.mtime_ns > 0 && m2.ctime_ns == m2.mtime_ns);
	/* as text: the same text, appended; a missing item leaves it as is */
	lay_buf_reset(&got);
	lay_buf_add(&got, "x", 1);
	CHECK_RC(eng_item_text(db, NULL, TBL, &key, LAY_FMT_DDB, &got, &m2, &err), 0);
	CHECK(got.len == ddb.len + 1 && memcmp(got.p + 1, ddb.p, ddb.len) == 0);
	CHECK(m2.id == m.id);
	key = dbt_key(dbt_s("u1"), dbt_s("nope"));
	CHECK_RC(eng_item_text(db, NULL, TBL, &key, LAY_FMT_PLAIN, &got, NULL, &err), -ENOENT);
	CHECK(got.len == ddb.len + 1);
	key = dbt_key(dbt_s("u1"), dbt_s("a"));
	/* out may be NULL: metadata only */
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m2, &err), 0);
	CHECK(m2.id == m.id);
	lay_buf_free(&plain);
	lay_buf_free(&ddb);
	lay_buf_free(&got);
	lay_item_free(&in);
	lay_item_free(&out);
	teardown();
}

/* A db reopened in another format reports file sizes in that one: its
 * rows' cached lengths are for the old format, so they are computed; what
 * it writes caches the new one, and a metadata change keeps the cache. */
static void test_item__lengths_follow_the_db_format_across_reopens(void)
{
	lay_item in = dbt_item("{\"PK\":\"u1\",\"SK\":\"a\",\"n\":1,\"b\":{\"B\":\"AA==\"}}");
	lay_item in2 = dbt_item("{\"PK\":\"u1\",\"SK\":\"b\",\"s\":\"x\"}");
	lay_buf plain = LAY_BUF_INIT, ddb = LAY_BUF_INIT, ddb2 = LAY_BUF_INIT;
	lay_key key = dbt_key(dbt_s("u1"), dbt_s("a")), key2 = dbt_key(dbt_s("u1"), dbt_s("b"));
	lay_err err = { 0, "" };
	eng_db_opts o = { 0 };
	eng_meta m = { 0 }, m2;
	int n = 0;

	setup();
	lay_json_render(&plain, &in, LAY_FMT_PLAIN);
	lay_json_render(&ddb, &in, LAY_FMT_DDB);
	lay_json_render(&ddb2, &in2, LAY_FMT_DDB);
	CHECK(plain.len != ddb.len);
	CHECK_RC(eng_item_put(db, NULL, TBL, &in, NULL, 0, NULL, &m2, &err), 0);
	CHECK(m2.len == plain.len);
	eng_db_close(db);
	o.clock = clk;
	o.format = LAY_FMT_DDB;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m2, &err), 0);
	CHECK(m2.len == ddb.len);
	/* a put that changes nothing reports the length in the db's format */
	CHECK_RC(eng_item_put(db, NULL, TBL, &in, NULL, 0, NULL, &m2, &err), 0);
	CHECK(m2.len == ddb.len);
	m.mode = 0600;
	CHECK_RC(eng_item_set_meta(db, NULL, TBL, &key, &m, ENG_META_MODE, &m2, &err), 0);
	CHECK(m2.len == ddb.len && m2.mode == 0600);
	CHECK_RC(eng_item_put(db, NULL, TBL, &in2, NULL, 0, NULL, &m2, &err), 0);
	CHECK(m2.len == ddb2.len);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key2, NULL, &m2, &err), 0);
	CHECK(m2.len == ddb2.len);
	CHECK_RC(eng_list(db, NULL, TBL, &key.pk, NULL, 0, 0, count_ddb_lens, &n, &err), 0);
	CHECK(n == 2);
	lay_item_free(&in);
	lay_item_free(&in2);
	lay_buf_free(&plain);
	lay_buf_free(&ddb);
	lay_buf_free(&ddb2);
	teardown();
}

static void test_item__events_are_insert_modify_unchanged(void)
{
	eng_event ev = 0;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}", &ev), 0);
	CHECK(ev == ENG_INSERT);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}", &ev), 0);
	CHECK(ev == ENG_MODIFY);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}", &ev), 0);
	CHECK(ev == ENG_UNCHANGED);
	/* 2.0 is the same number as 2 */
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2.0}", &ev), 0);
	CHECK(ev == ENG_UNCHANGED);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}", &ev), 0);
	CHECK(ev == ENG_MODIFY);
	teardown();
}

static void test_item__unchanged_put_keeps_mtime_and_writes_no_log_record(void)
{
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	eng_meta m1, m2;
	uint64_t seq;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}", NULL), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m1, &err), 0);
	seq = changes();
	CHECK(seq > 0);
	CHECK_RC(eng_clock_advance(clk, 10, &err), 0);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}", NULL), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m2, &err), 0);
	CHECK(m2.mtime_ns == m1.mtime_ns && m2.ctime_ns == m1.ctime_ns);
	CHECK(changes() == seq);
	/* a real change moves both */
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":3}", NULL), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m2, &err), 0);
	CHECK(m2.mtime_ns >= m1.mtime_ns + 10000000000LL);
	CHECK(m2.ctime_ns == m2.mtime_ns);
	CHECK(m2.id == m1.id);
	CHECK(changes() == seq + 1);
	teardown();
}

static void test_item__put_with_reordered_attributes_is_unchanged(void)
{
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	eng_event ev = 0;
	uint64_t seq;
	char *before, *after;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"x\":1,\"m\":{\"p\":1,\"q\":2},"
		     "\"s\":{\"SS\":[\"u\",\"v\"]}}", NULL), 0);
	seq = changes();
	before = render_at(&key, LAY_FMT_PLAIN);
	CHECK_RC(put("{\"s\":{\"SS\":[\"v\",\"u\"]},\"m\":{\"q\":2,\"p\":1},\"SK\":\"1\","
		     "\"x\":1,\"PK\":\"a\"}", &ev), 0);
	CHECK(ev == ENG_UNCHANGED);
	CHECK(changes() == seq);
	after = render_at(&key, LAY_FMT_PLAIN);
	CHECK_STR(after, before);
	free(before);
	free(after);
	teardown();
}

static void test_item__excl_and_must_exist_refuse_and_change_nothing(void)
{
	lay_item a = dbt_item("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}");
	lay_item b = dbt_item("{\"PK\":\"b\",\"SK\":\"1\"}");
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1")), kb = dbt_key(dbt_s("b"), dbt_s("1"));
	lay_err err = { 0, "" };
	uint64_t seq;
	char *s;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}", NULL), 0);
	seq = changes();
	CHECK_RC(eng_item_put(db, NULL, TBL, &a, NULL, ENG_PUT_EXCL, NULL, NULL, &err), -EEXIST);
	CHECK(err.msg[0] != '\0');
	s = render_at(&key, LAY_FMT_PLAIN);
	CHECK_STR(s, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}\n");
	free(s);
	CHECK_RC(eng_item_put(db, NULL, TBL, &b, NULL, ENG_PUT_MUST_EXIST, NULL, NULL, &err),
		 -ENOENT);
	CHECK_RC(eng_item_get(db, NULL, TBL, &kb, NULL, NULL, &err), -ENOENT);
	CHECK(changes() == seq);
	CHECK_RC(eng_item_put(db, NULL, TBL, &a, NULL, ENG_PUT_MUST_EXIST, NULL, NULL, &err), 0);
	CHECK_RC(eng_item_put(db, NULL, TBL, &b, NULL, ENG_PUT_EXCL, NULL, NULL, &err), 0);
	lay_item_free(&a);
	lay_item_free(&b);
	teardown();
}

static void test_item__metadata_given_is_stored_and_the_rest_kept(void)
{
	lay_item a = dbt_item("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}");
	lay_item a2 = dbt_item("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}");
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	eng_meta m = { 0 }, got;
	eng_event ev;
	uint64_t seq;

	setup();
	m.mode = 0600;
	m.uid = 1000;
	m.gid = 50;
	m.mtime_ns = 1000000000;
	m.id = 999999; /* never taken from the caller */
	CHECK_RC(eng_item_put(db, NULL, TBL, &a, &m,
			      ENG_META_MODE | ENG_META_UID | ENG_META_GID | ENG_META_MTIME, &ev,
			      NULL, &err), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &got, &err), 0);
	CHECK(got.mode == 0600 && got.uid == 1000 && got.gid == 50);
	CHECK(got.mtime_ns == 1000000000 && got.ctime_ns > got.mtime_ns);
	CHECK(got.id != 999999);
	/* a modification without metadata keeps mode and owner, times move */
	CHECK_RC(eng_item_put(db, NULL, TBL, &a2, NULL, 0, &ev, NULL, &err), 0);
	CHECK(ev == ENG_MODIFY);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &got, &err), 0);
	CHECK(got.mode == 0600 && got.uid == 1000 && got.gid == 50);
	CHECK(got.mtime_ns > 1000000000);
	/* an unchanged put applies only the metadata given, logs nothing */
	seq = changes();
	m.mode = 0640;
	CHECK_RC(eng_item_put(db, NULL, TBL, &a2, &m, ENG_META_MODE, &ev, &got, &err), 0);
	CHECK(ev == ENG_UNCHANGED);
	CHECK(got.mode == 0640 && got.uid == 1000);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &got, &err), 0);
	CHECK(got.mode == 0640);
	CHECK(changes() == seq);
	lay_item_free(&a);
	lay_item_free(&a2);
	teardown();
}

static void test_item__set_meta_changes_only_chosen_fields_and_logs_nothing(void)
{
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1")), kx = dbt_key(dbt_s("x"), dbt_s("1"));
	lay_err err = { 0, "" };
	eng_meta m = { 0 }, before, got;
	uint64_t seq;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}", NULL), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &before, &err), 0);
	seq = changes();
	m.uid = 42;
	m.mtime_ns = 77;
	CHECK_RC(
	    eng_item_set_meta(db, NULL, TBL, &key, &m, ENG_META_UID | ENG_META_MTIME, &got, &err),
	    0);
	CHECK(got.uid == 42 && got.mtime_ns == 77);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &got, &err), 0);
	CHECK(got.uid == 42 && got.mtime_ns == 77 && got.mode == before.mode);
	CHECK(got.gid == before.gid && got.id == before.id && got.size == before.size);
	CHECK(changes() == seq);
	CHECK_RC(eng_item_set_meta(db, NULL, TBL, &kx, &m, ENG_META_UID, NULL, &err), -ENOENT);
	teardown();
}

static void test_item__delete_removes_and_missing_is_enoent(void)
{
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	eng_meta old, m;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}", NULL), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, &m, &err), 0);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &key, &old, &err), 0);
	CHECK(old.id == m.id);
	CHECK_RC(eng_item_get(db, NULL, TBL, &key, NULL, NULL, &err), -ENOENT);
	CHECK(err.msg[0] != '\0');
	CHECK_RC(eng_item_delete(db, NULL, TBL, &key, NULL, &err), -ENOENT);
	CHECK_RC(eng_item_delete(db, NULL, "Nope", &key, NULL, &err), -ENOENT);
	teardown();
}

static void test_item__missing_table_is_enoent(void)
{
	lay_item it = dbt_item("{\"PK\":\"a\",\"SK\":\"1\"}");
	lay_key key = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };

	setup();
	CHECK_RC(eng_item_put(db, NULL, "Nope", &it, NULL, 0, NULL, NULL, &err), -ENOENT);
	CHECK(strstr(err.msg, "Nope") != NULL);
	CHECK_RC(eng_item_get(db, NULL, "Nope", &key, NULL, NULL, &err), -ENOENT);
	lay_item_free(&it);
	teardown();
}

static void test_item__rename_rewrites_key_attributes_and_keeps_id(void)
{
	lay_key from = dbt_key(dbt_s("a"), dbt_s("1")), to = dbt_key(dbt_s("b"), dbt_s("2"));
	lay_err err = { 0, "" };
	eng_dirmeta dm;
	eng_meta m0 = { 0 }, m1, m2;
	eng_table_info ti;
	char *s;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"x\"}", NULL), 0);
	m0.mode = 0600;
	m0.mtime_ns = 5;
	CHECK_RC(
	    eng_item_set_meta(db, NULL, TBL, &from, &m0, ENG_META_MODE | ENG_META_MTIME, &m1, &err),
	    0);
	CHECK_RC(eng_clock_advance(clk, 5, &err), 0);
	CHECK_RC(eng_item_rename(db, NULL, TBL, &from, &to, 0, &err), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &from, NULL, NULL, &err), -ENOENT);
	CHECK_RC(eng_item_get(db, NULL, TBL, &to, NULL, &m2, &err), 0);
	CHECK(m2.id == m1.id && m2.mode == 0600 && m2.mtime_ns == 5);
	CHECK(m2.ctime_ns > m1.ctime_ns);
	s = render_at(&to, LAY_FMT_PLAIN);
	CHECK_STR(s, "{\"PK\":\"b\",\"SK\":\"2\",\"v\":\"x\"}\n");
	CHECK(m2.len == strlen(s));
	free(s);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 1);
	/* the old partition went with its last item */
	CHECK_RC(eng_part_get(db, NULL, TBL, &from.pk, &dm, &err), -ENOENT);
	/* from == to is a no-op; a missing from is ENOENT */
	CHECK_RC(eng_item_rename(db, NULL, TBL, &to, &to, 0, &err), 0);
	CHECK_RC(eng_item_rename(db, NULL, TBL, &from, &to, 0, &err), -ENOENT);
	CHECK_RC(eng_item_get(db, NULL, TBL, &to, NULL, NULL, &err), 0);
	teardown();
}

/* Log callback: records event and key of each record. */
struct seen {
	int n;
	eng_event ev[16];
	char pk[16][32], sk[16][32];
	uint64_t seq[16];
	int has_old[16], has_new[16];
	char newv[16][32];
};

static int seen_cb(void *ctx, const eng_change *c)
{
	struct seen *s = ctx;
	const lay_attr *a;

	if (s->n == 16)
		return 1;
	s->ev[s->n] = c->event;
	s->seq[s->n] = c->seq;
	snprintf(s->pk[s->n], 32, "%.*s", (int)c->key->pk.len, c->key->pk.u.p);
	snprintf(s->sk[s->n], 32, "%.*s", (int)c->key->sk.len, c->key->sk.u.p);
	s->has_old[s->n] = c->old_image != NULL;
	s->has_new[s->n] = c->new_image != NULL;
	s->newv[s->n][0] = '\0';
	if (c->new_image && (a = lay_item_find(c->new_image, "v", 1)) != NULL)
		snprintf(s->newv[s->n], 32, "%.*s", (int)a->v.len, a->v.u.p);
	s->n++;
	return 0;
}

static void test_item__rename_replaces_destination_and_logs_remove_then_modify(void)
{
	lay_key from = dbt_key(dbt_s("a"), dbt_s("1")), to = dbt_key(dbt_s("a"), dbt_s("2"));
	lay_err err = { 0, "" };
	eng_dirmeta dm;
	struct seen s;
	eng_meta mf, mt, got;
	eng_table_info ti;
	uint64_t seq;
	char *txt;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"from\"}", NULL), 0);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"2\",\"v\":\"to\"}", NULL), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &from, NULL, &mf, &err), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &to, NULL, &mt, &err), 0);
	seq = changes();
	/* noreplace: EEXIST, both unchanged */
	CHECK_RC(eng_item_rename(db, NULL, TBL, &from, &to, 1, &err), -EEXIST);
	CHECK(changes() == seq);
	txt = render_at(&to, LAY_FMT_PLAIN);
	CHECK_STR(txt, "{\"PK\":\"a\",\"SK\":\"2\",\"v\":\"to\"}\n");
	free(txt);
	CHECK_RC(eng_item_rename(db, NULL, TBL, &from, &to, 0, &err), 0);
	txt = render_at(&to, LAY_FMT_PLAIN);
	CHECK_STR(txt, "{\"PK\":\"a\",\"SK\":\"2\",\"v\":\"from\"}\n");
	free(txt);
	CHECK_RC(eng_item_get(db, NULL, TBL, &to, NULL, &got, &err), 0);
	CHECK(got.id == mf.id && got.id != mt.id);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 1);
	/* the partition stays: the item moved within it */
	CHECK_RC(eng_part_get(db, NULL, TBL, &from.pk, &dm, &err), 0);
	memset(&s, 0, sizeof(s));
	CHECK_RC(eng_log_read(db, TBL, seq, 0, seen_cb, &s, &err), 0);
	CHECK(s.n == 2);
	CHECK(s.ev[0] == ENG_REMOVE && strcmp(s.sk[0], "1") == 0 && s.has_old[0] && !s.has_new[0]);
	CHECK(s.ev[1] == ENG_MODIFY && strcmp(s.sk[1], "2") == 0 && s.has_old[1] && s.has_new[1]);
	CHECK_STR(s.newv[1], "from");
	CHECK(s.seq[0] == seq + 1 && s.seq[1] == seq + 2);
	teardown();
}

static void test_item__rename_to_a_new_key_logs_remove_then_insert(void)
{
	lay_key from = dbt_key(dbt_s("a"), dbt_s("1")), to = dbt_key(dbt_s("c"), dbt_s("9"));
	lay_err err = { 0, "" };
	struct seen s;
	uint64_t seq;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"x\"}", NULL), 0);
	seq = changes();
	CHECK_RC(eng_item_rename(db, NULL, TBL, &from, &to, 1, &err), 0);
	memset(&s, 0, sizeof(s));
	CHECK_RC(eng_log_read(db, TBL, seq, 0, seen_cb, &s, &err), 0);
	CHECK(s.n == 2);
	CHECK(s.ev[0] == ENG_REMOVE && strcmp(s.pk[0], "a") == 0);
	CHECK(s.ev[1] == ENG_INSERT && strcmp(s.pk[1], "c") == 0 && strcmp(s.sk[1], "9") == 0);
	CHECK(!s.has_old[1] && s.has_new[1]);
	teardown();
}

static void test_item__rename_that_makes_the_item_too_large_is_efbig(void)
{
	size_t pad = LAY_MAX_ITEM_SIZE - 1000, i; /* fits, but not with a 2048-byte key */
	char *json = malloc(pad + 200), *big = malloc(2049);
	lay_key from = dbt_key(dbt_s("a"), dbt_s("1")), to;
	lay_err err = { 0, "" };
	uint64_t seq;

	setup();
	i = (size_t)snprintf(json, 200, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"");
	memset(json + i, 'x', pad);
	strcpy(json + i + pad, "\"}");
	CHECK_RC(put(json, NULL), 0);
	memset(big, 'k', 2048);
	big[2048] = '\0';
	to = dbt_key(dbt_s(big), dbt_s("1"));
	seq = changes();
	CHECK_RC(eng_item_rename(db, NULL, TBL, &from, &to, 0, &err), -EFBIG);
	CHECK(err.msg[0] != '\0');
	CHECK(changes() == seq);
	CHECK_RC(eng_item_get(db, NULL, TBL, &from, NULL, NULL, &err), 0);
	CHECK_RC(eng_item_get(db, NULL, TBL, &to, NULL, NULL, &err), -ENOENT);
	free(json);
	free(big);
	teardown();
}

/* Listing callback: the key values as text (N canonical, S as is, B as
 * base64), joined by spaces. */
struct names {
	lay_buf text;
	int n;
	int partitions;
};

static int names_cb(void *ctx, const eng_entry *e)
{
	struct names *nm = ctx;

	if (nm->n++)
		lay_buf_addc(&nm->text, ' ');
	if (e->key->type == LAY_B)
		lay_b64_encode(&nm->text, e->key->u.p, e->key->len);
	else
		lay_buf_add(&nm->text, e->key->u.p, e->key->len);
	nm->partitions += e->is_partition;
	return 0;
}

static char *list_text(const lay_value *pk, const lay_value *after, size_t max, int *rc_out)
{
	struct names nm = { LAY_BUF_INIT, 0, 0 };
	lay_err err = { 0, "" };
	char *s;

	*rc_out = eng_list(db, NULL, TBL, pk, after, max, 0, names_cb, &nm, &err);
	s = lay_buf_detach(&nm.text, NULL);
	return s ? s : strdup("");
}

static void test_item__partitions_list_in_string_order(void)
{
	const char *pks[] = { "b", "a", "B", "ab", "a\x7f", "\xc3\xa9" };
	char json[128], *s;
	size_t i;
	int rc;

	setup();
	for (i = 0; i < 6; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"%s\",\"SK\":\"1\"}", pks[i]);
		if (pks[i][1] == 0x7f)
			strcpy(json, "{\"PK\":\"a\\u007f\",\"SK\":\"1\"}");
		CHECK_RC(put(json, NULL), 0);
	}
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK_STR(s, "B a ab a\x7f b \xc3\xa9");
	free(s);
	teardown();
}

static void test_item__partitions_list_in_numeric_order(void)
{
	const char *pks[] = { "10", "-5", "1e3", "2", "0", "-0.5", "1E-3" };
	char json[128], *s;
	size_t i;
	int rc;

	setup_with(TBL, "id:N,sk:S");
	for (i = 0; i < 7; i++) {
		snprintf(json, sizeof(json), "{\"id\":%s,\"sk\":\"x\"}", pks[i]);
		CHECK_RC(put(json, NULL), 0);
	}
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK_STR(s, "-5 -0.5 0 0.001 2 10 1000");
	free(s);
	teardown();
}

static void test_item__partitions_list_in_unsigned_byte_order(void)
{
	/* 0x00, 0xFF, 0x01, 0x00 0x00, 0x7F, 0x80 */
	const char *pks[] = { "AA==", "/w==", "AQ==", "AAA=", "fw==", "gA==" };
	char json[128], *s;
	size_t i;
	int rc;

	setup_with(TBL, "id:B,sk:S");
	for (i = 0; i < 6; i++) {
		snprintf(json, sizeof(json), "{\"id\":{\"B\":\"%s\"},\"sk\":\"x\"}", pks[i]);
		CHECK_RC(put(json, NULL), 0);
	}
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK_STR(s, "AA== AAA= AQ== fw== gA== /w==");
	free(s);
	teardown();
}

static void test_item__items_list_in_sort_key_order_within_their_partition(void)
{
	const char *sks[] = { "10", "9", "-1", "0.5", "100" };
	lay_value pa = dbt_s("a"), pb = dbt_s("b"), pz = dbt_s("zzz");
	char json[128], *s;
	size_t i;
	int rc;

	setup_with(TBL, "p:S,n:N");
	for (i = 0; i < 5; i++) {
		snprintf(json, sizeof(json), "{\"p\":\"a\",\"n\":%s}", sks[i]);
		CHECK_RC(put(json, NULL), 0);
	}
	CHECK_RC(put("{\"p\":\"b\",\"n\":3}", NULL), 0);
	s = list_text(&pa, NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK_STR(s, "-1 0.5 9 10 100");
	free(s);
	s = list_text(&pb, NULL, 0, &rc);
	CHECK_STR(s, "3");
	free(s);
	/* a partition that holds nothing lists nothing */
	s = list_text(&pz, NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK_STR(s, "");
	free(s);
	/* max, and after */
	s = list_text(&pa, NULL, 2, &rc);
	CHECK_STR(s, "-1 0.5");
	free(s);
	pb = dbt_n("0.5");
	s = list_text(&pa, &pb, 2, &rc);
	CHECK_STR(s, "9 10");
	free(s);
	teardown();
}

struct page {
	int next_expected;
	int bad;
	int n;
	char last[32];
};

static int page_cb(void *ctx, const eng_entry *e)
{
	struct page *p = ctx;
	char want[32];

	snprintf(want, sizeof(want), "k%04d", p->next_expected);
	if (e->key->len != strlen(want) || memcmp(e->key->u.p, want, e->key->len) != 0 ||
	    !e->meta || e->is_partition)
		p->bad++;
	snprintf(p->last, sizeof(p->last), "%.*s", (int)e->key->len, e->key->u.p);
	p->next_expected++;
	p->n++;
	return 0;
}

static void test_item__paged_listing_sees_every_item_once_in_order(void)
{
	struct page p;
	lay_err err = { 0, "" };
	lay_value pk = dbt_s("p"), after;
	char json[128];
	int i, pages = 0, rc;

	setup();
	for (i = 0; i < 1000; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"k%04d\"}", (i * 7919) % 1000);
		CHECK_RC(put(json, NULL), 0);
	}
	memset(&p, 0, sizeof(p));
	for (;;) {
		after = dbt_s(p.last);
		p.n = 0;
		rc = eng_list(db, NULL, TBL, &pk, p.last[0] ? &after : NULL, 7, 0, page_cb, &p,
			      &err);
		CHECK_RC(rc, 0);
		pages++;
		if (p.n < 7 || rc < 0)
			break;
	}
	CHECK(p.bad == 0);
	CHECK(p.next_expected == 1000);
	CHECK(pages == 143);
	teardown();
}

static void test_item__paging_resumes_after_a_deleted_cursor_key(void)
{
	struct page p;
	lay_err err = { 0, "" };
	lay_value pk = dbt_s("p"), after;
	lay_key key;
	char json[128];
	int i, rc;

	setup();
	for (i = 0; i < 1000; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"k%04d\"}", i);
		CHECK_RC(put(json, NULL), 0);
	}
	memset(&p, 0, sizeof(p));
	for (;;) {
		after = dbt_s(p.last);
		p.n = 0;
		rc = eng_list(db, NULL, TBL, &pk, p.last[0] ? &after : NULL, 7, 0, page_cb, &p,
			      &err);
		CHECK_RC(rc, 0);
		if (p.n < 7 || rc < 0)
			break;
		/* rm -r: the entries just listed go before the next page */
		key = dbt_key(pk, dbt_s(p.last));
		CHECK_RC(eng_item_delete(db, NULL, TBL, &key, NULL, &err), 0);
	}
	CHECK(p.bad == 0);
	CHECK(p.next_expected == 1000);
	teardown();
}

static void test_item__hash_only_table_lists_items_at_the_top(void)
{
	lay_key k = dbt_key1(dbt_s("m"));
	lay_value pk = dbt_s("m");
	lay_err err = { 0, "" };
	eng_dirmeta dm;
	struct names nm = { LAY_BUF_INIT, 0, 0 };
	eng_table_info ti;
	int64_t t0;
	char *s;
	int rc;

	setup_with(TBL, "id:S");
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	t0 = ti.dir.mtime_ns;
	CHECK_RC(eng_clock_advance(clk, 1, &err), 0);
	CHECK_RC(put("{\"id\":\"z\"}", NULL), 0);
	CHECK_RC(put("{\"id\":\"m\",\"v\":1}", NULL), 0);
	CHECK_RC(put("{\"id\":\"a\"}", NULL), 0);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.dir.mtime_ns > t0);
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK_STR(s, "a m z");
	free(s);
	CHECK_RC(eng_list(db, NULL, TBL, NULL, NULL, 0, 0, names_cb, &nm, &err), 0);
	CHECK(nm.partitions == 0);
	lay_buf_free(&nm.text);
	CHECK_RC(eng_item_get(db, NULL, TBL, &k, NULL, NULL, &err), 0);
	CHECK_RC(eng_list(db, NULL, TBL, &pk, NULL, 0, 0, names_cb, &nm, &err), -ENOENT);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), -ENOENT);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), 0);
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_STR(s, "a z");
	free(s);
	teardown();
}

static int items_cb(void *ctx, const eng_entry *e)
{
	int *n = ctx;

	if (!e->item || !e->meta || !lay_item_find(e->item, "v", 1))
		return -EIO;
	return ++*n == 2 ? 1 : 0;
}

static void test_item__list_items_flag_decodes_and_callback_stops_or_fails(void)
{
	lay_value pk = dbt_s("p");
	lay_err err = { 0, "" };
	int n = 0;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"1\",\"v\":1}", NULL), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"2\",\"v\":2}", NULL), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"3\",\"v\":3}", NULL), 0);
	CHECK_RC(eng_list(db, NULL, TBL, &pk, NULL, 0, ENG_LIST_ITEMS, items_cb, &n, &err), 0);
	CHECK(n == 2);
	n = 0;
	CHECK_RC(eng_list(db, NULL, TBL, &pk, NULL, 0, 0, items_cb, &n, &err), -EIO);
	teardown();
}

/* A listing's callback reads and writes through the db. */
static int nested_cb(void *ctx, const eng_entry *e)
{
	lay_err err = { 0, "" };
	lay_key k = dbt_key(dbt_s("p"), *e->key);
	lay_item copy = LAY_ITEM_INIT;
	char json[64];
	int *n = ctx, rc;

	if ((rc = eng_item_get(db, NULL, TBL, &k, NULL, NULL, &err)) < 0)
		return rc;
	snprintf(json, sizeof(json), "{\"PK\":\"q\",\"SK\":\"%.*s\"}", (int)e->key->len,
		 e->key->u.p);
	copy = dbt_item(json);
	rc = eng_item_put(db, NULL, TBL, &copy, NULL, 0, NULL, NULL, &err);
	lay_item_free(&copy);
	++*n;
	return rc;
}

static void test_item__a_listing_callback_may_call_the_db(void)
{
	lay_value pk = dbt_s("p"), pq = dbt_s("q");
	lay_err err = { 0, "" };
	char *s;
	int n = 0, rc;

	setup();
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"1\"}", NULL), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"2\"}", NULL), 0);
	CHECK_RC(eng_list(db, NULL, TBL, &pk, NULL, 0, 0, nested_cb, &n, &err), 0);
	CHECK(n == 2);
	s = list_text(&pq, NULL, 0, &rc);
	CHECK_STR(s, "1 2");
	free(s);
	teardown();
}

/* Long keys: strings that share long prefixes, so LMDB keys are cut. */
#define LONG_N 60

static int bytes_order(const void *x, const void *y)
{
	const char *a = *(char *const *)x, *b = *(char *const *)y;
	size_t al = strlen(a), bl = strlen(b);
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

static char *long_key(int i, size_t maxlen)
{
	/* groups of keys share 0, 399, 400, 401 or 1000 bytes of prefix;
	 * lengths vary from short to the limit */
	static const size_t shared[] = { 0, 399, 400, 401, 1000 };
	size_t pre = shared[i % 5], len, j;
	char *s;

	if (pre > maxlen - 20)
		pre = maxlen - 20;
	len = pre + 1 + (size_t)((i * 7919) % (int)(maxlen - pre));
	if (len > maxlen)
		len = maxlen;
	s = malloc(len + 1);
	memset(s, 'k', pre);
	for (j = pre; j < len; j++)
		s[j] = (char)('a' + (i * 31 + (int)j * 17) % 26);
	s[len] = '\0';
	return s;
}

static int collect_cb(void *ctx, const eng_entry *e)
{
	struct names *nm = ctx;

	lay_buf_add(&nm->text, e->key->u.p, e->key->len);
	lay_buf_addc(&nm->text, '\n');
	nm->n++;
	return 0;
}

/* The listing (each key + "\n") in pages of size page (0: one call). */
static char *list_all(const lay_value *pk, size_t page, int *rc_out)
{
	struct names nm = { LAY_BUF_INIT, 0, 0 };
	lay_err err = { 0, "" };
	char *last = NULL, *s;
	lay_value after;
	size_t start;
	int before;

	*rc_out = 0;
	do {
		before = nm.n;
		start = nm.text.len;
		if (last)
			after = dbt_s(last);
		*rc_out = eng_list(db, NULL, TBL, pk, last ? &after : NULL, page, 0, collect_cb,
				   &nm, &err);
		free(last);
		last = NULL;
		if (nm.n > before) {
			/* the last key listed: between the last two newlines */
			size_t e = nm.text.len - 1, b = e;

			while (b > start && nm.text.p[b - 1] != '\n')
				b--;
			last = strndup(nm.text.p + b, e - b);
		}
	} while (page && nm.n > before && *rc_out == 0 && (size_t)(nm.n - before) == page);
	free(last);
	s = lay_buf_detach(&nm.text, NULL);
	return s ? s : strdup("");
}

static char *join_sorted(char **keys, int n)
{
	lay_buf b = LAY_BUF_INIT;
	char *s;
	int i;

	qsort(keys, (size_t)n, sizeof(*keys), bytes_order);
	for (i = 0; i < n; i++) {
		lay_buf_adds(&b, keys[i]);
		lay_buf_addc(&b, '\n');
	}
	s = lay_buf_detach(&b, NULL);
	return s ? s : strdup("");
}

static void test_item__long_partition_keys_list_in_exact_order_and_resolve(void)
{
	char *keys[LONG_N], *want, *got, *json;
	lay_err err = { 0, "" };
	lay_item store = LAY_ITEM_INIT;
	lay_value v, pk;
	lay_buf name = LAY_BUF_INIT;
	int i, rc, resolved = 0, hashed = 0;

	setup();
	json = malloc(4096);
	for (i = 0; i < LONG_N; i++) {
		keys[i] = long_key(i, LAY_MAX_PK);
		snprintf(json, 4096, "{\"PK\":\"%s\",\"SK\":\"s\"}", keys[i]);
		CHECK_RC(put(json, NULL), 0);
	}
	/* every key is there, under its exact value */
	for (i = 0; i < LONG_N; i++) {
		lay_key k = dbt_key(dbt_s(keys[i]), dbt_s("s"));

		CHECK_RC(eng_item_get(db, NULL, TBL, &k, NULL, NULL, &err), 0);
	}
	want = join_sorted(keys, LONG_N);
	got = list_all(NULL, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK(strcmp(got, want) == 0);
	free(got);
	/* paging with cursors that fall inside runs of cut keys */
	got = list_all(NULL, 3, &rc);
	CHECK_RC(rc, 0);
	CHECK(strcmp(got, want) == 0);
	free(got);
	/* long names resolve by hash */
	for (i = 0; i < LONG_N; i++) {
		pk = dbt_s(keys[i]);
		lay_buf_reset(&name);
		if (lay_name_from_key(&name, &pk, 0) != 1)
			continue;
		hashed++;
		rc = eng_resolve_hash(db, NULL, TBL, NULL, lay_name_hash(&pk), &store, &v, &err);
		resolved += rc == 0 && v.type == LAY_S && v.len == pk.len &&
			    memcmp(v.u.p, pk.u.p, v.len) == 0;
	}
	CHECK(hashed > LONG_N / 2);
	CHECK(resolved == hashed);
	CHECK_RC(eng_resolve_hash(db, NULL, TBL, NULL, 12345, &store, &v, &err), -ENOENT);
	lay_buf_free(&name);
	lay_item_free(&store);
	free(want);
	free(json);
	for (i = 0; i < LONG_N; i++)
		free(keys[i]);
	teardown();
}

static void test_item__long_sort_keys_list_in_exact_order_and_resolve(void)
{
	char *keys[LONG_N], *want, *got, *json, *big_pk = long_key(3, LAY_MAX_PK);
	lay_err err = { 0, "" };
	eng_dirmeta dm;
	lay_item store = LAY_ITEM_INIT;
	lay_value v, sk, pk = dbt_s(big_pk);
	lay_buf name = LAY_BUF_INIT;
	eng_table_info ti;
	int i, rc, resolved = 0, hashed = 0;

	setup();
	json = malloc(8192);
	for (i = 0; i < LONG_N; i++) {
		keys[i] = long_key(i, LAY_MAX_SK);
		snprintf(json, 8192, "{\"PK\":\"%s\",\"SK\":\"%s\",\"i\":%d}", big_pk, keys[i], i);
		CHECK_RC(put(json, NULL), 0);
	}
	want = join_sorted(keys, LONG_N);
	got = list_all(&pk, 0, &rc);
	CHECK_RC(rc, 0);
	CHECK(strcmp(got, want) == 0);
	free(got);
	got = list_all(&pk, 4, &rc);
	CHECK(strcmp(got, want) == 0);
	free(got);
	for (i = 0; i < LONG_N; i++) {
		sk = dbt_s(keys[i]);
		lay_buf_reset(&name);
		if (lay_name_from_key(&name, &sk, 1) != 1)
			continue;
		hashed++;
		rc = eng_resolve_hash(db, NULL, TBL, &pk, lay_name_hash(&sk), &store, &v, &err);
		resolved += rc == 0 && v.len == sk.len && memcmp(v.u.p, sk.u.p, v.len) == 0;
	}
	CHECK(hashed > LONG_N / 2);
	CHECK(resolved == hashed);
	/* deleting them all leaves nothing behind: names, partition, stats */
	for (i = 0; i < LONG_N; i++) {
		lay_key k = dbt_key(pk, dbt_s(keys[i]));

		CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), 0);
	}
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), -ENOENT);
	sk = dbt_s(keys[0]);
	CHECK_RC(eng_resolve_hash(db, NULL, TBL, &pk, lay_name_hash(&sk), &store, &v, &err),
		 -ENOENT);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 0 && ti.size_bytes == 0);
	lay_buf_free(&name);
	lay_item_free(&store);
	free(want);
	free(json);
	free(big_pk);
	for (i = 0; i < LONG_N; i++)
		free(keys[i]);
	teardown();
}

static void test_item__wrong_key_type_is_einval_everywhere(void)
{
	lay_key k = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_value after = dbt_s("x"), pk = dbt_n("1");
	struct names nm = { LAY_BUF_INIT, 0, 0 };
	lay_err err = { 0, "" };
	uint64_t seq;

	setup_with(TBL, "id:N,sk:S");
	CHECK_RC(put("{\"id\":1,\"sk\":\"a\"}", NULL), 0);
	seq = changes();
	CHECK_RC(put("{\"id\":\"1\",\"sk\":\"a\"}", NULL), -EINVAL);
	CHECK_RC(put("{\"id\":1}", NULL), -EINVAL);
	CHECK_RC(put("{\"id\":1,\"sk\":\"\"}", NULL), -EINVAL);
	CHECK_RC(eng_item_get(db, NULL, TBL, &k, NULL, NULL, &err), -EINVAL);
	CHECK(err.msg[0] != '\0');
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), -EINVAL);
	CHECK_RC(eng_list(db, NULL, TBL, NULL, &after, 0, 0, names_cb, &nm, &err), -EINVAL);
	CHECK_RC(eng_list(db, NULL, TBL, &after, NULL, 0, 0, names_cb, &nm, &err), -EINVAL);
	after = dbt_n("0");
	CHECK_RC(eng_list(db, NULL, TBL, &pk, &after, 0, 0, names_cb, &nm, &err), -EINVAL);
	CHECK(changes() == seq);
	lay_buf_free(&nm.text);
	teardown();
}

static void test_item__too_large_item_is_efbig_and_changes_nothing(void)
{
	size_t pad = LAY_MAX_ITEM_SIZE, i;
	char *json = malloc(pad + 200), *s;
	lay_key k = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	lay_item it;
	eng_table_info ti;
	uint64_t seq;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"small\"}", NULL), 0);
	seq = changes();
	i = (size_t)snprintf(json, 200, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"");
	memset(json + i, 'x', pad);
	strcpy(json + i + pad, "\"}");
	it = dbt_item(json);
	CHECK_RC(eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err), -EFBIG);
	CHECK(err.msg[0] != '\0');
	lay_item_free(&it);
	s = render_at(&k, LAY_FMT_PLAIN);
	CHECK_STR(s, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"small\"}\n");
	free(s);
	CHECK(changes() == seq);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == 1);
	/* just under the limit fits */
	i = (size_t)snprintf(json, 200, "{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"");
	pad = LAY_MAX_ITEM_SIZE - 4 - 1 - 2 - 2;
	memset(json + i, 'x', pad);
	strcpy(json + i + pad, "\"}");
	CHECK_RC(put(json, NULL), 0);
	free(json);
	teardown();
}

static void test_item__partition_row_lives_while_it_holds_items(void)
{
	lay_item it = dbt_item("{\"PK\":\"p\",\"SK\":\"1\"}");
	lay_key k1 = dbt_key(dbt_s("p"), dbt_s("1")), k2 = dbt_key(dbt_s("p"), dbt_s("2"));
	lay_value pk = dbt_s("p");
	lay_err err = { 0, "" };
	eng_dirmeta dm, dm2, set = { 0 };
	eng_meta m = { 0 };
	char *s;
	int rc;

	setup();
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), -ENOENT);
	m.uid = 1000;
	m.gid = 100;
	CHECK_RC(
	    eng_item_put(db, NULL, TBL, &it, &m, ENG_META_UID | ENG_META_GID, NULL, NULL, &err), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), 0);
	CHECK(dm.mode == 0755 && dm.uid == 1000 && dm.gid == 100 && dm.id > 0);
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_STR(s, "p");
	free(s);
	/* an item added moves the directory's mtime */
	CHECK_RC(eng_clock_advance(clk, 2, &err), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"2\"}", NULL), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm2, &err), 0);
	CHECK(dm2.id == dm.id && dm2.mtime_ns >= dm.mtime_ns + 2000000000LL);
	/* a modification does not */
	CHECK_RC(eng_clock_advance(clk, 2, &err), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"2\",\"v\":1}", NULL), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), 0);
	CHECK(dm.mtime_ns == dm2.mtime_ns);
	/* set_meta */
	set.mode = 0700;
	CHECK_RC(eng_part_set_meta(db, NULL, TBL, &pk, &set, ENG_META_MODE, &err), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), 0);
	CHECK(dm.mode == 0700 && dm.uid == 1000);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k1, NULL, &err), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), 0);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k2, NULL, &err), 0);
	CHECK_RC(eng_part_get(db, NULL, TBL, &pk, &dm, &err), -ENOENT);
	CHECK_RC(eng_part_set_meta(db, NULL, TBL, &pk, &set, ENG_META_MODE, &err), -ENOENT);
	s = list_text(NULL, NULL, 0, &rc);
	CHECK_STR(s, "");
	free(s);
	lay_item_free(&it);
	teardown();
}

/* Many threads put, read, list and delete at once while the map grows. */
#define THREADS 4
#define PER_THREAD 300

struct worker {
	int id;
	int errors;
};

static int count_cb(void *ctx, const eng_entry *e)
{
	(void)e;
	++*(int *)ctx;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	lay_err err = { 0, "" };
	char json[2200], pk[16], sk[16], pad[2001];
	lay_value pv;
	lay_item it;
	lay_key k;
	int i, n;

	memset(pad, 'x', 2000);
	pad[2000] = '\0';
	snprintf(pk, sizeof(pk), "w%d", w->id);
	pv = dbt_s(pk);
	for (i = 0; i < PER_THREAD; i++) {
		snprintf(sk, sizeof(sk), "%05d", i);
		snprintf(json, sizeof(json), "{\"PK\":\"%s\",\"SK\":\"%s\",\"p\":\"%s\"}", pk, sk,
			 pad);
		it = dbt_item(json);
		if (eng_item_put(db, NULL, TBL, &it, NULL, 0, NULL, NULL, &err) < 0)
			w->errors++;
		lay_item_free(&it);
		k = dbt_key(dbt_s(pk), dbt_s(sk));
		if (eng_item_get(db, NULL, TBL, &k, NULL, NULL, &err) < 0)
			w->errors++;
		if (i % 3 == 0 && eng_item_delete(db, NULL, TBL, &k, NULL, &err) < 0)
			w->errors++;
		if (i % 50 == 0) {
			n = 0;
			if (eng_list(db, NULL, TBL, &pv, NULL, 0, 0, count_cb, &n, &err) < 0)
				w->errors++;
		}
	}
	return NULL;
}

static void test_item__concurrent_writers_and_readers_while_the_map_grows(void)
{
	pthread_t th[THREADS];
	struct worker w[THREADS];
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_table_info ti;
	int i, errors = 0;

	dir = dbt_tmpdir();
	o.map_size = 64 << 10;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, TBL, NULL, NULL, &err), 0);
	dbt_pitr_on(db, TBL);
	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].errors = 0;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		errors += w[i].errors;
	}
	CHECK(errors == 0);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == (uint64_t)THREADS * (PER_THREAD - (PER_THREAD + 2) / 3));
	CHECK(eng_log_last_seq(db) == (uint64_t)THREADS * (PER_THREAD + (PER_THREAD + 2) / 3));
	eng_db_close(db);
	dbt_rmdir(dir);
}

int main(void)
{
	RUN(test_item__put_get_round_trip_of_all_ten_types);
	RUN(test_item__lengths_follow_the_db_format_across_reopens);
	RUN(test_item__events_are_insert_modify_unchanged);
	RUN(test_item__unchanged_put_keeps_mtime_and_writes_no_log_record);
	RUN(test_item__put_with_reordered_attributes_is_unchanged);
	RUN(test_item__excl_and_must_exist_refuse_and_change_nothing);
	RUN(test_item__metadata_given_is_stored_and_the_rest_kept);
	RUN(test_item__set_meta_changes_only_chosen_fields_and_logs_nothing);
	RUN(test_item__delete_removes_and_missing_is_enoent);
	RUN(test_item__missing_table_is_enoent);
	RUN(test_item__rename_rewrites_key_attributes_and_keeps_id);
	RUN(test_item__rename_replaces_destination_and_logs_remove_then_modify);
	RUN(test_item__rename_to_a_new_key_logs_remove_then_insert);
	RUN(test_item__rename_that_makes_the_item_too_large_is_efbig);
	RUN(test_item__partitions_list_in_string_order);
	RUN(test_item__partitions_list_in_numeric_order);
	RUN(test_item__partitions_list_in_unsigned_byte_order);
	RUN(test_item__items_list_in_sort_key_order_within_their_partition);
	RUN(test_item__paged_listing_sees_every_item_once_in_order);
	RUN(test_item__paging_resumes_after_a_deleted_cursor_key);
	RUN(test_item__hash_only_table_lists_items_at_the_top);
	RUN(test_item__list_items_flag_decodes_and_callback_stops_or_fails);
	RUN(test_item__a_listing_callback_may_call_the_db);
	RUN(test_item__long_partition_keys_list_in_exact_order_and_resolve);
	RUN(test_item__long_sort_keys_list_in_exact_order_and_resolve);
	RUN(test_item__wrong_key_type_is_einval_everywhere);
	RUN(test_item__too_large_item_is_efbig_and_changes_nothing);
	RUN(test_item__partition_row_lives_while_it_holds_items);
	RUN(test_item__concurrent_writers_and_readers_while_the_map_grows);
	return check_done();
}
