/* The request handler's limits and guarantees (engine/api*.c), called as
 * the fronts call it: 100 transaction actions, 4 MB transactions, 25 batch
 * writes, tokens kept 10 minutes, and no update lost between threads. */
#include <errno.h>
#include <pthread.h>

#include "../../layout/buf.h"
#include "dbtest.h"

static eng_api_ctx ctx = { .source = ENG_SRC_API };

/* Call action with body; the response in out (reset first); the status. */
static int call(eng_db *db, const char *action, const char *body, lay_buf *out)
{
	lay_buf_reset(out);
	return eng_api_call(db, &ctx, action, body, strlen(body), out);
}

/* A db on a test clock holding table T (PK:S, SK:S). */
static eng_db *open_db(char **dir, eng_clock **clk)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	eng_db *db;

	*dir = dbt_tmpdir();
	eng_clock_new(clk, 1);
	o.clock = *clk;
	o.maint_ms = -1;
	db = dbt_open(*dir, &o);
	if (eng_table_create(db, NULL, "Tab", NULL, NULL, &err) < 0) {
		fprintf(stderr, "creating Tab: %s\n", err.msg);
		exit(2);
	}
	return db;
}

/* n ConditionChecks (or Puts) of distinct items, comma-separated, into b. */
static void actions(lay_buf *b, int n, int put, size_t pad)
{
	lay_buf_reset(b);
	for (int i = 0; i < n; i++) {
		lay_buf_addf(b, "%s{\"%s\":{\"TableName\":\"Tab\",\"%s\":{\"PK\":{\"S\":\"k%d\"},"
			     "\"SK\":{\"S\":\"-\"}",
			     i ? "," : "", put ? "Put" : "ConditionCheck", put ? "Item" : "Key", i);
		if (pad) {
			lay_buf_adds(b, ",\"pad\":{\"S\":\"");
			for (size_t j = 0; j < pad; j++)
				lay_buf_addc(b, 'x');
			lay_buf_adds(b, "\"}");
		}
		lay_buf_adds(b, put ? "}}}" : "},\"ConditionExpression\":\"attribute_not_exists(PK)\"}}");
	}
}

static void test_api__transactions_take_100_actions_and_4_mb(void)
{
	char *dir;
	eng_clock *clk;
	eng_db *db = open_db(&dir, &clk);
	lay_buf a = LAY_BUF_INIT, body = LAY_BUF_INIT, out = LAY_BUF_INIT;
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_key key = { { LAY_S, 2, { .p = "k0" } }, { LAY_S, 1, { .p = "-" } } };

	actions(&a, 100, 0, 0);
	lay_buf_addf(&body, "{\"TransactItems\":[%s]}", a.p);
	CHECK(call(db, "TransactWriteItems", body.p, &out) == 200);
	CHECK_STR(out.p, "{}");

	actions(&a, 101, 0, 0);
	lay_buf_reset(&body);
	lay_buf_addf(&body, "{\"TransactItems\":[%s]}", a.p);
	CHECK(call(db, "TransactWriteItems", body.p, &out) == 400);
	CHECK(strstr(out.p, "#ValidationException") != NULL);
	CHECK(strstr(out.p, "less than or equal to 100") != NULL);

	/* 11 puts of 390 KB: over 4 MB, refused whole */
	actions(&a, 11, 1, 390000);
	lay_buf_reset(&body);
	lay_buf_addf(&body, "{\"TransactItems\":[%s]}", a.p);
	CHECK(call(db, "TransactWriteItems", body.p, &out) == 400);
	CHECK(strstr(out.p, "4 MB") != NULL);
	CHECK_RC(eng_item_get(db, NULL, "Tab", &key, &it, NULL, &err), -ENOENT);
	/* 10 of them fit */
	actions(&a, 10, 1, 390000);
	lay_buf_reset(&body);
	lay_buf_addf(&body, "{\"TransactItems\":[%s]}", a.p);
	CHECK(call(db, "TransactWriteItems", body.p, &out) == 200);
	CHECK_RC(eng_item_get(db, NULL, "Tab", &key, &it, NULL, &err), 0);

	lay_item_free(&it);
	lay_buf_free(&a);
	lay_buf_free(&body);
	lay_buf_free(&out);
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static void test_api__batches_take_25_writes(void)
{
	char *dir;
	eng_clock *clk;
	eng_db *db = open_db(&dir, &clk);
	lay_buf body = LAY_BUF_INIT, out = LAY_BUF_INIT;
	eng_table_info ti;
	lay_err err = { 0, "" };

	for (int n = 25; n <= 26; n++) {
		lay_buf_reset(&body);
		lay_buf_adds(&body, "{\"RequestItems\":{\"Tab\":[");
		for (int i = 0; i < n; i++)
			lay_buf_addf(&body, "%s{\"PutRequest\":{\"Item\":{\"PK\":{\"S\":\"b%d\"},"
				     "\"SK\":{\"S\":\"%d\"}}}}", i ? "," : "", n, i);
		lay_buf_adds(&body, "]}}");
		CHECK(call(db, "BatchWriteItem", body.p, &out) == (n == 25 ? 200 : 400));
	}
	CHECK(strstr(out.p, "Too many items requested for the BatchWriteItem call") != NULL);
	CHECK_RC(eng_table_get(db, NULL, "Tab", &ti, &err), 0);
	CHECK(ti.item_count == 25);

	lay_buf_free(&body);
	lay_buf_free(&out);
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static void test_api__a_token_answers_for_10_minutes(void)
{
	char *dir;
	eng_clock *clk;
	eng_db *db = open_db(&dir, &clk);
	lay_buf out = LAY_BUF_INIT;
	const char *add = "{\"ClientRequestToken\":\"tok\",\"TransactItems\":[{\"Update\":{"
			  "\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"c\"},\"SK\":{\"S\":\"-\"}},"
			  "\"UpdateExpression\":\"ADD n :one\",\"ExpressionAttributeValues\":"
			  "{\":one\":{\"N\":\"1\"}}}}]}";
	const char *get = "{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"c\"},\"SK\":{\"S\":\"-\"}}}";

	CHECK(call(db, "TransactWriteItems", add, &out) == 200);
	dbt_advance(clk, 599);
	CHECK(call(db, "TransactWriteItems", add, &out) == 200);
	CHECK(call(db, "GetItem", get, &out) == 200);
	CHECK_STR(out.p, "{\"Item\":{\"PK\":{\"S\":\"c\"},\"SK\":{\"S\":\"-\"},\"n\":{\"N\":\"1\"}}}");
	/* its 10 minutes run from the answer: 2 more and it is forgotten */
	dbt_advance(clk, 2);
	CHECK(call(db, "TransactWriteItems", add, &out) == 200);
	CHECK(call(db, "GetItem", get, &out) == 200);
	CHECK_STR(out.p, "{\"Item\":{\"PK\":{\"S\":\"c\"},\"SK\":{\"S\":\"-\"},\"n\":{\"N\":\"2\"}}}");

	lay_buf_free(&out);
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

#define ADDERS 4
#define ADDS 150

static void *adder(void *vdb)
{
	eng_db *db = vdb;
	lay_buf out = LAY_BUF_INIT;
	const char *add = "{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"n\"},\"SK\":{\"S\":\"-\"}},"
			  "\"UpdateExpression\":\"SET n = if_not_exists(n, :zero) + :one\","
			  "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":zero\":"
			  "{\"N\":\"0\"}}}";
	long bad = 0;

	for (int i = 0; i < ADDS; i++)
		if (call(db, "UpdateItem", add, &out) != 200)
			bad++;
	lay_buf_free(&out);
	return (void *)bad;
}

static void test_api__updates_from_threads_are_never_lost(void)
{
	char *dir;
	eng_clock *clk;
	eng_db *db = open_db(&dir, &clk);
	pthread_t t[ADDERS];
	lay_buf out = LAY_BUF_INIT;
	char want[200];
	void *bad;

	for (int i = 0; i < ADDERS; i++)
		pthread_create(&t[i], NULL, adder, db);
	for (int i = 0; i < ADDERS; i++) {
		pthread_join(t[i], &bad);
		CHECK(bad == NULL);
	}
	CHECK(call(db, "GetItem", "{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"n\"},\"SK\":{\"S\":\"-\"}}}",
		   &out) == 200);
	snprintf(want, sizeof(want), "{\"Item\":{\"PK\":{\"S\":\"n\"},\"SK\":{\"S\":\"-\"},\"n\":{\"N\":\"%d\"}}}",
		 ADDERS * ADDS);
	CHECK_STR(out.p, want);

	lay_buf_free(&out);
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static void test_api__bad_bodies_get_dynamodbs_errors(void)
{
	char *dir;
	eng_clock *clk;
	eng_db *db = open_db(&dir, &clk);
	lay_buf out = LAY_BUF_INIT;

	CHECK(call(db, "PutItem", "{not json", &out) == 400);
	CHECK(strstr(out.p, "#SerializationException") != NULL);
	CHECK(call(db, "Frobnicate", "{}", &out) == 400);
	CHECK_STR(out.p, "{\"__type\":\"com.amazon.coral.service#UnknownOperationException\","
			 "\"message\":\"unknown operation Frobnicate\"}");
	CHECK(call(db, "PutItem", "{\"TableName\":\"Tab\"}", &out) == 400);
	CHECK(strstr(out.p, "Value null at 'item'") != NULL);
	CHECK(call(db, "PutItem", "{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"a\"},\"SK\":{\"S\":\"\"}}}",
		   &out) == 400);
	CHECK(strstr(out.p, "cannot contain an empty S value. Key: SK") != NULL);
	CHECK(call(db, "GetItem", "{\"TableName\":5}", &out) == 400);
	CHECK(strstr(out.p, "#SerializationException") != NULL);
	/* a time past the year 2262 has no nanoseconds in an int64_t (found by
	 * fuzzing: it overflowed) */
	CHECK(call(db, "ListBackups", "{\"TimeRangeUpperBound\":16666666660}", &out) == 400);
	CHECK(strstr(out.p, "TimeRangeUpperBound must be a time in epoch seconds") != NULL);
	CHECK(call(db, "ListBackups", "{\"TimeRangeUpperBound\":8000000000}", &out) == 200);

	lay_buf_free(&out);
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

/* A full map: API puts stop where file puts stop, short of the room kept
 * for deletes, and a transaction of deletes then still goes through. */
static void test_api__puts_leave_the_room_kept_for_deletes(void)
{
	char *dir = dbt_tmpdir();
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_buf body = LAY_BUF_INIT, out = LAY_BUF_INIT, pad = LAY_BUF_INIT;
	eng_db *db;
	int i, st = 200;

	o.maint_ms = -1;
	o.map_max = 8u << 20;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Tab", NULL, NULL, &err), 0);
	for (i = 0; i < 20000; i++)
		lay_buf_addc(&pad, 'x');
	for (i = 0; i < 1000 && st == 200; i++) {
		lay_buf_reset(&body);
		lay_buf_addf(&body, "{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"k%d\"},"
			     "\"SK\":{\"S\":\"-\"},\"pad\":{\"S\":\"%s\"}}}", i, pad.p);
		st = call(db, "PutItem", body.p, &out);
	}
	CHECK(st == 500);
	CHECK(strstr(out.p, "even for a delete") == NULL);
	lay_buf_reset(&body);
	lay_buf_adds(&body, "{\"TransactItems\":[");
	for (int k = 0; k < 100; k++)
		lay_buf_addf(&body, "%s{\"Delete\":{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":"
			     "\"k%d\"},\"SK\":{\"S\":\"-\"}}}}", k ? "," : "", k);
	lay_buf_adds(&body, "]}");
	CHECK(call(db, "TransactWriteItems", body.p, &out) == 200);

	lay_buf_free(&body);
	lay_buf_free(&out);
	lay_buf_free(&pad);
	eng_db_close(db);
	dbt_rmdir(dir);
}

/* The disk fills in the middle of a BatchWriteItem: the writes done stay
 * done and the rest come back in UnprocessedItems (not an error that
 * would say none was done); a batch that can write nothing fails whole. */
static void test_api__a_batch_cut_short_by_a_full_disk_returns_the_rest_unprocessed(void)
{
	char *dir = dbt_tmpdir();
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_buf body = LAY_BUF_INIT, out = LAY_BUF_INIT, pad = LAY_BUF_INIT;
	eng_db *db;
	int b, i, st = 200, partial = 0, unprocessed, found;

	o.maint_ms = -1;
	o.map_max = 8u << 20;
	db = dbt_open(dir, &o);
	CHECK_RC(eng_table_create(db, NULL, "Tab", NULL, NULL, &err), 0);
	for (i = 0; i < 100000; i++)
		lay_buf_addc(&pad, 'x');
	for (b = 0; b < 20 && st == 200; b++) {
		lay_buf_reset(&body);
		lay_buf_adds(&body, "{\"RequestItems\":{\"Tab\":[");
		for (i = 0; i < 25; i++)
			lay_buf_addf(&body, "%s{\"PutRequest\":{\"Item\":{\"PK\":{\"S\":\"k%d\"},"
				     "\"SK\":{\"S\":\"-\"},\"pad\":{\"S\":\"%s\"}}}}", i ? "," : "",
				     b * 25 + i, pad.p);
		lay_buf_adds(&body, "]}}");
		st = call(db, "BatchWriteItem", body.p, &out);
		unprocessed = 0;
		for (const char *p = out.p; (p = strstr(p, "PutRequest")); p++)
			unprocessed++;
		found = 0;
		for (i = 0; i < 25; i++) {
			char k[16];
			lay_key key;

			snprintf(k, sizeof(k), "k%d", b * 25 + i);
			key = dbt_key(dbt_s(k), dbt_s("-"));
			found += eng_item_get(db, NULL, "Tab", &key, NULL, NULL, &err) == 0;
		}
		if (st == 200) {
			/* what came back is exactly what was not written */
			CHECK(found + unprocessed == 25);
			partial += unprocessed > 0 && found > 0;
		} else {
			CHECK(st == 500);
			CHECK(found == 0);
			CHECK(strstr(out.p, "no space left") != NULL);
		}
	}
	CHECK(st == 500);
	CHECK(partial == 1);

	lay_buf_free(&body);
	lay_buf_free(&out);
	lay_buf_free(&pad);
	eng_db_close(db);
	dbt_rmdir(dir);
}

int main(void)
{
	RUN(test_api__transactions_take_100_actions_and_4_mb);
	RUN(test_api__batches_take_25_writes);
	RUN(test_api__a_token_answers_for_10_minutes);
	RUN(test_api__updates_from_threads_are_never_lost);
	RUN(test_api__bad_bodies_get_dynamodbs_errors);
	RUN(test_api__puts_leave_the_room_kept_for_deletes);
	RUN(test_api__a_batch_cut_short_by_a_full_disk_returns_the_rest_unprocessed);
	return check_done();
}
