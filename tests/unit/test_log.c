/* Unit tests of engine/log.c (SPEC §8): one record per item-level change
 * with the right images, sequence numbers that only grow and are never
 * reused, trimming by age that keeps later numbers. */
#include <errno.h>
#include <string.h>

#include "../../engine/engine.h"
#include "dbtest.h"

#define TBL "Tab"

static char *dir;
static eng_db *db;
static eng_clock *clk;

static void setup(void)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };

	dir = dbt_tmpdir();
	if (eng_clock_new(&clk, 1) < 0)
		exit(2);
	o.clock = clk;
	db = dbt_open(dir, &o);
	if (eng_table_create(db, NULL, TBL, NULL, NULL, &err) < 0)
		exit(2);
	dbt_pitr_on(db, TBL);
}

static void teardown(void)
{
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static int put_in(const char *table, const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	int rc = eng_item_put(db, NULL, table, &it, NULL, 0, NULL, NULL, &err);

	lay_item_free(&it);
	return rc;
}

static int put(const char *json)
{
	return put_in(TBL, json);
}

#define MAX_REC 64

/* What the callback saw: per record, its fields and the images as plain
 * JSON text ("" for none). */
struct rec {
	int n;
	uint64_t seq[MAX_REC];
	int64_t time_ns[MAX_REC];
	eng_event ev[MAX_REC];
	char key[MAX_REC][64];
	char old_img[MAX_REC][128], new_img[MAX_REC][128];
	int stop_at;
};

static void image_text(char *dst, size_t dsz, const lay_item *it)
{
	lay_buf b = LAY_BUF_INIT;

	dst[0] = '\0';
	if (!it)
		return;
	lay_json_render(&b, it, LAY_FMT_PLAIN);
	snprintf(dst, dsz, "%.*s", b.len ? (int)b.len - 1 : 0, b.p ? b.p : "");
	lay_buf_free(&b);
}

static int rec_cb(void *ctx, const eng_change *c)
{
	struct rec *r = ctx;
	int i = r->n;

	if (i == MAX_REC)
		return -ENOSPC;
	r->seq[i] = c->seq;
	r->time_ns[i] = c->time_ns;
	r->ev[i] = c->event;
	if (c->key->sk.type)
		snprintf(r->key[i], 64, "%s%.*s/%.*s", c->key->pk.type == LAY_N ? "N:" : "",
			 (int)c->key->pk.len, c->key->pk.u.p, (int)c->key->sk.len, c->key->sk.u.p);
	else
		snprintf(r->key[i], 64, "%.*s", (int)c->key->pk.len, c->key->pk.u.p);
	image_text(r->old_img[i], 128, c->old_image);
	image_text(r->new_img[i], 128, c->new_image);
	r->n++;
	return r->stop_at && r->n == r->stop_at ? 1 : 0;
}

static struct rec *read_log(const char *table, uint64_t after, size_t max)
{
	static struct rec r;
	lay_err err = { 0, "" };

	memset(&r, 0, sizeof(r));
	CHECK_RC(eng_log_read(db, table, after, max, rec_cb, &r, &err), 0);
	return &r;
}

static void test_log__every_change_has_one_record_with_its_images(void)
{
	lay_key a1 = dbt_key(dbt_s("a"), dbt_s("1")), a2 = dbt_key(dbt_s("a"), dbt_s("2"));
	lay_err err = { 0, "" };
	eng_meta m = { 0 };
	struct rec *r;
	int i;

	setup();
	CHECK(eng_log_last_seq(db) == 0);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}"), 0);          /* INSERT */
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}"), 0);          /* MODIFY */
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}"), 0);          /* nothing */
	m.mode = 0600;
	CHECK_RC(eng_item_set_meta(db, NULL, TBL, &a1, &m, ENG_META_MODE, NULL, &err), 0); /* nothing */
	CHECK_RC(eng_item_rename(db, NULL, TBL, &a1, &a2, 0, &err), 0);          /* REMOVE, INSERT */
	CHECK_RC(eng_item_delete(db, NULL, TBL, &a2, NULL, &err), 0);            /* REMOVE */
	CHECK_RC(put("{\"PK\":\"a\",\"v\":3}"), -EINVAL);                 /* nothing */
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 5);
	CHECK(eng_log_last_seq(db) == r->seq[4]);
	for (i = 1; i < r->n; i++)
		CHECK(r->seq[i] > r->seq[i - 1]);
	CHECK(r->ev[0] == ENG_INSERT);
	CHECK_STR(r->key[0], "a/1");
	CHECK_STR(r->old_img[0], "");
	CHECK_STR(r->new_img[0], "{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}");
	CHECK(r->ev[1] == ENG_MODIFY);
	CHECK_STR(r->old_img[1], "{\"PK\":\"a\",\"SK\":\"1\",\"v\":1}");
	CHECK_STR(r->new_img[1], "{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}");
	CHECK(r->ev[2] == ENG_REMOVE);
	CHECK_STR(r->key[2], "a/1");
	CHECK_STR(r->old_img[2], "{\"PK\":\"a\",\"SK\":\"1\",\"v\":2}");
	CHECK_STR(r->new_img[2], "");
	CHECK(r->ev[3] == ENG_INSERT);
	CHECK_STR(r->key[3], "a/2");
	CHECK_STR(r->new_img[3], "{\"PK\":\"a\",\"SK\":\"2\",\"v\":2}");
	CHECK(r->ev[4] == ENG_REMOVE);
	CHECK_STR(r->key[4], "a/2");
	CHECK_STR(r->old_img[4], "{\"PK\":\"a\",\"SK\":\"2\",\"v\":2}");
	teardown();
}

static void test_log__records_carry_the_clock_at_commit(void)
{
	lay_err err = { 0, "" };
	int64_t t0, t1;
	struct rec *r;

	setup();
	CHECK_RC(eng_clock_advance(clk, 1000, &err), 0);
	t0 = eng_clock_now_ns(clk);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	t1 = eng_clock_now_ns(clk);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 1);
	CHECK(r->time_ns[0] >= t0 && r->time_ns[0] <= t1);
	teardown();
}

static void test_log__read_after_max_and_stop(void)
{
	lay_err err = { 0, "" };
	struct rec *r;
	char json[64];
	uint64_t third;
	int i;

	setup();
	for (i = 0; i < 10; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"a\",\"SK\":\"%d\"}", i);
		CHECK_RC(put(json), 0);
	}
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 10);
	third = r->seq[2];
	r = read_log(TBL, third, 3);
	CHECK(r->n == 3);
	CHECK(r->seq[0] == third + 1);
	CHECK_STR(r->key[0], "a/3");
	r = read_log(TBL, eng_log_last_seq(db), 0);
	CHECK(r->n == 0);
	r = read_log(TBL, UINT64_MAX, 0);
	CHECK(r->n == 0);
	memset(r, 0, sizeof(*r));
	r->stop_at = 4;
	CHECK_RC(eng_log_read(db, TBL, 0, 0, rec_cb, r, &err), 0);
	CHECK(r->n == 4);
	CHECK_RC(eng_log_read(db, "Nope", 0, 0, rec_cb, r, &err), -ENOENT);
	teardown();
}

static void test_log__tables_have_separate_logs_on_one_sequence(void)
{
	lay_err err = { 0, "" };
	struct rec *r;
	uint64_t s1;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Other", NULL, NULL, &err), 0);
	dbt_pitr_on(db, "Other");
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	CHECK_RC(put_in("Other", "{\"PK\":\"b\",\"SK\":\"1\"}"), 0);
	CHECK_RC(put("{\"PK\":\"c\",\"SK\":\"1\"}"), 0);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 2);
	s1 = r->seq[0];
	CHECK(r->seq[1] == s1 + 2);
	r = read_log("Other", 0, 0);
	CHECK(r->n == 1 && r->seq[0] == s1 + 1);
	CHECK_STR(r->key[0], "b/1");
	teardown();
}

static void test_log__trim_by_age_keeps_later_sequence_numbers(void)
{
	lay_err err = { 0, "" };
	struct rec *r;
	uint64_t last, kept0;
	int64_t cut;
	size_t trimmed = 99;
	char json[64];
	int i;

	setup();
	for (i = 0; i < 3; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"old\",\"SK\":\"%d\"}", i);
		CHECK_RC(put(json), 0);
	}
	CHECK_RC(eng_clock_advance(clk, 100, &err), 0);
	cut = eng_clock_now_ns(clk) - 50000000000LL;
	for (i = 0; i < 2; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"new\",\"SK\":\"%d\"}", i);
		CHECK_RC(put(json), 0);
	}
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 5);
	kept0 = r->seq[3];
	last = eng_log_last_seq(db);
	CHECK_RC(eng_log_trim(db, TBL, cut, &trimmed, &err), 0);
	CHECK(trimmed == 3);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 2);
	CHECK(r->seq[0] == kept0 && r->seq[1] == last);
	CHECK_STR(r->key[0], "new/0");
	CHECK(eng_log_last_seq(db) == last);
	/* trimming again finds nothing; the items themselves stay */
	CHECK_RC(eng_log_trim(db, TBL, cut, &trimmed, &err), 0);
	CHECK(trimmed == 0);
	CHECK_RC(put("{\"PK\":\"x\",\"SK\":\"1\"}"), 0);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 3 && r->seq[2] == last + 1);
	CHECK_RC(eng_log_trim(db, "Nope", cut, &trimmed, &err), -ENOENT);
	teardown();
}

static int count_cb(void *ctx, const eng_change *c)
{
	(void)c;
	++*(size_t *)ctx;
	return 0;
}

static void test_log__trim_of_more_records_than_one_batch(void)
{
	lay_err err = { 0, "" };
	size_t trimmed = 0, left = 0;
	char json[64];
	int i;

	setup();
	for (i = 0; i < 10050; i++) {
		snprintf(json, sizeof(json), "{\"PK\":\"p\",\"SK\":\"%d\"}", i);
		CHECK_RC(put(json), 0);
	}
	CHECK_RC(eng_clock_advance(clk, 10, &err), 0);
	CHECK_RC(put("{\"PK\":\"p\",\"SK\":\"late\"}"), 0);
	CHECK_RC(eng_log_trim(db, TBL, eng_clock_now_ns(clk) - 5000000000LL, &trimmed, &err), 0);
	CHECK(trimmed == 10050);
	CHECK_RC(eng_log_read(db, TBL, 0, 0, count_cb, &left, &err), 0);
	CHECK(left == 1);
	teardown();
}

static void test_log__sequence_numbers_are_never_reused(void)
{
	lay_key k = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	struct rec *r;
	uint64_t last;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), 0);
	CHECK_RC(eng_table_delete(db, NULL, TBL, &err), 0);
	last = eng_log_last_seq(db);
	CHECK(last == 2);
	/* the table's log went with it; a new table of that name starts empty */
	CHECK_RC(eng_table_create(db, NULL, TBL, NULL, NULL, &err), 0);
	dbt_pitr_on(db, TBL);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 0);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 1 && r->seq[0] == last + 1);
	/* and across a reopen */
	eng_db_close(db);
	db = dbt_open(dir, NULL);
	CHECK(eng_log_last_seq(db) == last + 1);
	CHECK_RC(put("{\"PK\":\"b\",\"SK\":\"1\"}"), 0);
	CHECK(eng_log_last_seq(db) == last + 2);
	teardown();
}

static void test_log__keys_survive_a_schema_change_of_the_emptied_table(void)
{
	lay_key k = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	struct rec *r;
	lay_schema s;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	CHECK_RC(eng_item_delete(db, NULL, TBL, &k, NULL, &err), 0);
	CHECK_RC(lay_schema_parse(&s, "id:N", 4, &err), 0);
	CHECK_RC(eng_table_set_schema(db, NULL, TBL, &s, &err), 0);
	CHECK_RC(put("{\"id\":7}"), 0);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 3);
	CHECK_STR(r->key[0], "a/1");
	CHECK_STR(r->key[1], "a/1");
	CHECK_STR(r->key[2], "7");
	teardown();
}

/* Without PITR a table keeps no change log (nothing else reads it): no
 * record is written, those from before PITR was turned off are trimmed,
 * sequence numbers still advance, and the stream keeps its own records. */
static void test_log__a_table_without_pitr_keeps_no_records(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti;
	uint64_t seq, size = 0;
	struct rec *r;

	setup();
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	CHECK(read_log(TBL, 0, 0)->n == 1);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	ti.settings.pitr = 0;
	ti.settings.stream_view = LAY_VIEW_NEW_AND_OLD;
	CHECK_RC(eng_table_set_settings(db, NULL, TBL, &ti.settings, &err), 0);
	seq = eng_log_last_seq(db);
	CHECK_RC(put("{\"PK\":\"a\",\"SK\":\"2\"}"), 0);
	CHECK(eng_log_last_seq(db) == seq + 1);
	r = read_log(TBL, 0, 0);
	CHECK(r->n == 1 && r->seq[0] == seq);
	CHECK_RC(eng_db_maintain(db, 0, NULL, &err), 0);
	CHECK(read_log(TBL, 0, 0)->n == 0);
	CHECK_RC(eng_stream_size(db, TBL, &size, &err), 0);
	CHECK(size > 0);
	teardown();
}

int main(void)
{
	RUN(test_log__every_change_has_one_record_with_its_images);
	RUN(test_log__records_carry_the_clock_at_commit);
	RUN(test_log__read_after_max_and_stop);
	RUN(test_log__tables_have_separate_logs_on_one_sequence);
	RUN(test_log__trim_by_age_keeps_later_sequence_numbers);
	RUN(test_log__trim_of_more_records_than_one_batch);
	RUN(test_log__sequence_numbers_are_never_reused);
	RUN(test_log__keys_survive_a_schema_change_of_the_emptied_table);
	RUN(test_log__a_table_without_pitr_keeps_no_records);
	return check_done();
}
