/* Streams (SPEC §8): record shape, one record per change in commit order,
 * offsets that never move, trims that keep later offsets. */
#include "../../engine/engine.h"
#include "../../layout/stream.h"
#include "dbtest.h"

static char *dir;
static eng_db *db;
static eng_clock *clk;

static void setup(void)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_settings s = { 0 };

	dir = dbt_tmpdir();
	eng_clock_new(&clk, 1);
	o.clock = clk;
	o.maint_ms = -1; /* the tests run maintenance themselves */
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	s.stream_view = LAY_VIEW_NEW_AND_OLD;
	CHECK_RC(eng_table_set_settings(db, NULL, "Orders", &s, &err), 0);
}

static void teardown(void)
{
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static void put(const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };

	CHECK_RC(eng_item_put(db, NULL, "Orders", &it, NULL, 0, NULL, NULL, &err), 0);
	lay_item_free(&it);
}

/* The whole stream as text. */
static char *all(void)
{
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	uint64_t size = 0;

	CHECK_RC(eng_stream_size(db, "Orders", &size, &err), 0);
	CHECK_RC(eng_stream_read(db, "Orders", 0, (size_t)size, &b, &err), 0);
	CHECK(b.len == size);
	return b.p ? lay_buf_detach(&b, NULL) : strdup("");
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (; (text = strstr(text, needle)); text++)
		n++;
	return n;
}

static void test_stream_render__has_getrecords_shape(void)
{
	lay_item keys = dbt_item("{\"PK\":\"a\",\"SK\":\"b\"}");
	lay_item img = dbt_item("{\"PK\":\"a\",\"SK\":\"b\",\"n\":1}");
	lay_stream_rec r = { 0 };
	lay_buf out = LAY_BUF_INIT;

	r.seq = 42;
	r.time_ns = 1700000000123456789ll;
	r.event = 1;
	r.view = LAY_VIEW_NEW_AND_OLD;
	r.region = "local";
	r.keys = &keys;
	r.new_image = &img;
	CHECK_RC(lay_stream_render(&out, &r), 0);
	CHECK(strstr(out.p, "\"eventName\":\"INSERT\"") != NULL);
	CHECK(strstr(out.p, "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\"") != NULL);
	CHECK(strstr(out.p, "\"ApproximateCreationDateTime\":1700000000") != NULL);
	CHECK(strstr(out.p, "\"Keys\":{\"PK\":{\"S\":\"a\"},\"SK\":{\"S\":\"b\"}}") != NULL);
	CHECK(strstr(out.p, "\"NewImage\":{\"PK\":{\"S\":\"a\"},\"SK\":{\"S\":\"b\"},\"n\":{\"N\":\"1\"}}"));
	CHECK(strstr(out.p, "\"OldImage\"") == NULL);
	CHECK(strstr(out.p, "\"SequenceNumber\":\"000000000000000000042\"") != NULL);
	CHECK(strstr(out.p, "\"userIdentity\"") == NULL);
	CHECK(out.p[out.len - 1] == '\n' && count(out.p, "\n") == 1);
	lay_buf_free(&out);
	r.service = 1;
	r.event = 3;
	r.old_image = &img;
	r.new_image = NULL;
	r.view = LAY_VIEW_KEYS_ONLY;
	CHECK_RC(lay_stream_render(&out, &r), 0);
	CHECK(strstr(out.p, "\"userIdentity\":{\"Type\":\"Service\","
			    "\"PrincipalId\":\"dynamodb.amazonaws.com\"}") != NULL);
	CHECK(strstr(out.p, "Image") == NULL);
	lay_buf_free(&out);
	lay_item_free(&keys);
	lay_item_free(&img);
}

static void test_stream__one_record_per_change_in_commit_order(void)
{
	lay_err err = { 0, "" };
	lay_key key;
	char *text;

	setup();
	put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}");
	put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":1}"); /* no change: no record */
	put("{\"PK\":\"p\",\"SK\":\"a\",\"v\":2}");
	memset(&key, 0, sizeof(key));
	key.pk = dbt_val(LAY_S, "p", 1);
	key.sk = dbt_val(LAY_S, "a", 1);
	CHECK_RC(eng_item_delete(db, NULL, "Orders", &key, NULL, &err), 0);
	text = all();
	CHECK(count(text, "\n") == 3);
	CHECK(strstr(text, "INSERT") < strstr(text, "MODIFY"));
	CHECK(strstr(text, "MODIFY") < strstr(text, "REMOVE"));
	CHECK(strstr(text, "000000000000000000001") < strstr(text, "000000000000000000002"));
	free(text);
	teardown();
}

static void test_stream__reads_at_any_offset_see_the_same_bytes(void)
{
	lay_buf part = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	char *text;
	size_t len, off;

	setup();
	put("{\"PK\":\"p\",\"SK\":\"a\"}");
	put("{\"PK\":\"p\",\"SK\":\"b\"}");
	put("{\"PK\":\"p\",\"SK\":\"c\"}");
	text = all();
	len = strlen(text);
	for (off = 0; off < len; off += 7) {
		lay_buf_reset(&part);
		CHECK_RC(eng_stream_read(db, "Orders", off, 13, &part, &err), 0);
		CHECK(part.len == (len - off < 13 ? len - off : 13));
		CHECK(memcmp(part.p, text + off, part.len) == 0);
	}
	lay_buf_reset(&part);
	CHECK_RC(eng_stream_read(db, "Orders", len, 100, &part, &err), 0);
	CHECK(part.len == 0);
	lay_buf_free(&part);
	free(text);
	teardown();
}

static void test_stream_trim__keeps_later_offsets_and_blanks_the_rest(void)
{
	lay_buf tail = LAY_BUF_INIT, head = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	uint64_t size1, size2;
	char *before;
	size_t i;

	setup();
	put("{\"PK\":\"p\",\"SK\":\"old1\"}");
	put("{\"PK\":\"p\",\"SK\":\"old2\"}");
	before = all();
	CHECK_RC(eng_stream_size(db, "Orders", &size1, &err), 0);
	CHECK_RC(eng_clock_advance(clk, 90000, &err), 0);
	put("{\"PK\":\"p\",\"SK\":\"new\"}");
	CHECK_RC(eng_db_maintain(db, 0, NULL, &err), 0);
	CHECK_RC(eng_stream_size(db, "Orders", &size2, &err), 0);
	CHECK(size2 > size1);
	/* the new record is where it was written */
	CHECK_RC(eng_stream_read(db, "Orders", size1, (size_t)(size2 - size1), &tail, &err), 0);
	CHECK(strstr(tail.p, "\"new\"") != NULL && tail.len == size2 - size1);
	/* the trimmed stretch reads as whitespace ending in a newline */
	CHECK_RC(eng_stream_read(db, "Orders", 0, (size_t)size1, &head, &err), 0);
	CHECK(head.len == size1);
	for (i = 0; i + 1 < head.len; i++)
		CHECK(head.p[i] == ' ');
	CHECK(head.p[head.len - 1] == '\n');
	CHECK(strlen(before) == size1);
	lay_buf_free(&tail);
	lay_buf_free(&head);
	free(before);
	teardown();
}

static void test_stream__off_writes_no_record_and_reenabling_is_a_new_stream(void)
{
	lay_settings s = { 0 };
	eng_table_info ti;
	lay_err err = { 0, "" };
	uint64_t size;
	int64_t first;

	setup();
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	first = ti.settings.stream_created_ns;
	CHECK_RC(eng_table_set_settings(db, NULL, "Orders", &s, &err), 0);
	put("{\"PK\":\"p\",\"SK\":\"quiet\"}");
	CHECK_RC(eng_stream_size(db, "Orders", &size, &err), 0);
	CHECK(size == 0);
	CHECK_RC(eng_clock_advance(clk, 10, &err), 0);
	s.stream_view = LAY_VIEW_KEYS_ONLY;
	CHECK_RC(eng_table_set_settings(db, NULL, "Orders", &s, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.settings.stream_created_ns >= first + 10ll * 1000000000);
	teardown();
}

int main(void)
{
	RUN(test_stream_render__has_getrecords_shape);
	RUN(test_stream__one_record_per_change_in_commit_order);
	RUN(test_stream__reads_at_any_offset_see_the_same_bytes);
	RUN(test_stream_trim__keeps_later_offsets_and_blanks_the_rest);
	RUN(test_stream__off_writes_no_record_and_reenabling_is_a_new_stream);
	return check_done();
}
