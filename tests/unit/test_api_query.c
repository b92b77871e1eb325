/* Unit tests of engine/api_query.c through the request handler
 * (eng_api_call): Scan's 1 MB page and its capacity, parallel scan
 * segments, BatchGetItem's 16 MB response, 100 keys and duplicates, and
 * Query's key conditions both ways, on items put straight into the
 * engine. */
#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"
#include "check.h"
#include "dbtest.h"

static char *dir;
static eng_db *db;

/* Table name keyed PK (S) and, if sk, SK (S). */
static void setup(const char *name, int sk)
{
	lay_err err = { 0, "" };
	lay_schema sch = { 0 };

	dir = dbt_tmpdir();
	db = dbt_open(dir, NULL);
	strcpy(sch.pk, "PK");
	sch.pk_type = LAY_S;
	if (sk) {
		strcpy(sch.sk, "SK");
		sch.sk_type = LAY_S;
	}
	CHECK_RC(eng_table_create(db, NULL, name, &sch, NULL, &err), 0);
}

static void teardown(void)
{
	eng_db_close(db);
	dbt_rmdir(dir);
}

/* Put {"PK":pk[,"SK":sk],"d":"xxx…"} with a d of dlen bytes. */
static void put(const char *table, const char *pk, const char *sk, size_t dlen)
{
	lay_err err = { 0, "" };
	lay_buf b = LAY_BUF_INIT;
	lay_item it;
	eng_event ev;
	char *d = malloc(dlen + 1);

	memset(d, 'x', dlen);
	d[dlen] = '\0';
	lay_buf_addf(&b, "{\"PK\":\"%s\"", pk);
	if (sk)
		lay_buf_addf(&b, ",\"SK\":\"%s\"", sk);
	lay_buf_addf(&b, ",\"d\":\"%s\"}", d);
	it = dbt_item(b.p);
	CHECK_RC(eng_item_put(db, NULL, table, &it, NULL, 0, &ev, NULL, &err), 0);
	lay_item_free(&it);
	lay_buf_free(&b);
	free(d);
}

/* One request: its response parsed (the caller frees it), *status its HTTP
 * status. */
static cJSON *call(const char *action, const char *body, int *status)
{
	eng_api_ctx ctx = { .source = ENG_SRC_API };
	lay_buf out = LAY_BUF_INIT;
	cJSON *r;

	*status = eng_api_call(db, &ctx, action, body, strlen(body), &out);
	r = cJSON_Parse(out.p ? out.p : "");
	if (!r)
		fprintf(stderr, "not JSON: %s\n", out.p ? out.p : "");
	lay_buf_free(&out);
	return r;
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *msg(const cJSON *r)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "message"));

	return m ? m : "";
}

/* 15 items of 102411 bytes: 11 pass 1 MB, so a page holds 11; the next 4. */
static void test_api_query__scan_stops_past_one_megabyte(void)
{
	cJSON *r, *lek, *cc;
	char name[8];
	int i, st;

	setup("Big", 1);
	for (i = 1; i <= 15; i++) {
		snprintf(name, sizeof(name), "k%02d", i);
		put("Big", "big", name, 102400);
	}
	r = call("Scan", "{\"TableName\":\"Big\",\"Select\":\"COUNT\",\"ConsistentRead\":true,"
		 "\"ReturnConsumedCapacity\":\"TOTAL\"}", &st);
	CHECK(st == 200 && r);
	CHECK(num(r, "Count") == 11 && num(r, "ScannedCount") == 11);
	lek = cJSON_GetObjectItemCaseSensitive(r, "LastEvaluatedKey");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			  cJSON_GetObjectItemCaseSensitive(lek, "SK"), "S")), "k11");
	cc = cJSON_GetObjectItemCaseSensitive(r, "ConsumedCapacity");
	CHECK(num(cc, "CapacityUnits") == 276); /* 11 x 102411 / 4096 = 275.03 */
	cJSON_Delete(r);
	r = call("Scan", "{\"TableName\":\"Big\",\"Select\":\"COUNT\",\"ExclusiveStartKey\":"
		 "{\"PK\":{\"S\":\"big\"},\"SK\":{\"S\":\"k11\"}},\"ReturnConsumedCapacity\":\"TOTAL\"}",
		 &st);
	CHECK(st == 200 && num(r, "Count") == 4);
	CHECK(!cJSON_GetObjectItemCaseSensitive(r, "LastEvaluatedKey"));
	cc = cJSON_GetObjectItemCaseSensitive(r, "ConsumedCapacity");
	CHECK(num(cc, "CapacityUnits") == 50.5); /* 101 units, eventually consistent */
	cJSON_Delete(r);
	teardown();
}

/* Each partition in exactly one segment, whatever TotalSegments. */
static void test_api_query__segments_split_the_partitions(void)
{
	char pk[8], body[200];
	int i, seg, st, total, sum;
	cJSON *r;

	setup("Seg", 1);
	for (i = 0; i < 40; i++) {
		snprintf(pk, sizeof(pk), "p%d", i);
		put("Seg", pk, "a", 1);
		put("Seg", pk, "b", 1);
	}
	for (total = 1; total <= 7; total += 3) {
		sum = 0;
		for (seg = 0; seg < total; seg++) {
			snprintf(body, sizeof(body), "{\"TableName\":\"Seg\",\"Select\":\"COUNT\","
				 "\"Segment\":%d,\"TotalSegments\":%d}", seg, total);
			r = call("Scan", body, &st);
			CHECK(st == 200);
			CHECK((int)num(r, "Count") % 2 == 0); /* a partition's two items together */
			sum += (int)num(r, "Count");
			cJSON_Delete(r);
		}
		CHECK(sum == 80);
	}
	teardown();
}

/* 45 keys of 400006 bytes: 41 fit in 16 MB, 4 are left for later. */
static void test_api_query__batch_get_leaves_past_16_megabytes(void)
{
	lay_buf b = LAY_BUF_INIT;
	cJSON *r, *resp, *un;
	char name[8];
	int i, st;

	setup("Huge", 0);
	lay_buf_adds(&b, "{\"RequestItems\":{\"Huge\":{\"Keys\":[");
	for (i = 1; i <= 45; i++) {
		snprintf(name, sizeof(name), "h%02d", i);
		put("Huge", name, NULL, 400000);
		lay_buf_addf(&b, "%s{\"PK\":{\"S\":\"%s\"}}", i > 1 ? "," : "", name);
	}
	lay_buf_adds(&b, "]}}}");
	r = call("BatchGetItem", b.p, &st);
	CHECK(st == 200);
	resp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "Responses"),
						"Huge");
	un = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "UnprocessedKeys"),
						 "Huge"),
		"Keys");
	CHECK(cJSON_GetArraySize(resp) == 41);
	CHECK(cJSON_GetArraySize(un) == 4);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			  cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(un, 0), "PK"), "S")),
		  "h42");
	cJSON_Delete(r);
	lay_buf_free(&b);
	teardown();
}

/* A BatchGetItem of n keys k0.. of table Many, into b. */
static void many_keys(lay_buf *b, int n)
{
	int j;

	lay_buf_reset(b);
	lay_buf_adds(b, "{\"RequestItems\":{\"Many\":{\"Keys\":[");
	for (j = 0; j < n; j++)
		lay_buf_addf(b, "%s{\"PK\":{\"S\":\"k%d\"}}", j ? "," : "", j);
	lay_buf_adds(b, "]}}}");
}

static void test_api_query__batch_get_takes_100_keys_and_no_duplicates(void)
{
	lay_buf b = LAY_BUF_INIT;
	cJSON *r;
	int st;

	setup("Many", 0);
	put("Many", "k7", NULL, 1);
	many_keys(&b, 100);
	r = call("BatchGetItem", b.p, &st);
	CHECK(st == 200);
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		      cJSON_GetObjectItemCaseSensitive(r, "Responses"), "Many")) == 1);
	cJSON_Delete(r);
	many_keys(&b, 101);
	r = call("BatchGetItem", b.p, &st);
	CHECK(st == 400);
	CHECK_STR(msg(r), "Too many items requested for the BatchGetItem call");
	cJSON_Delete(r);
	r = call("BatchGetItem", "{\"RequestItems\":{\"Many\":{\"Keys\":[{\"PK\":{\"S\":\"a\"}},"
		 "{\"PK\":{\"S\":\"a\"}}]}}}", &st);
	CHECK(st == 400);
	CHECK_STR(msg(r), "Provided list of item keys contains duplicates");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "__type")),
		  "com.amazonaws.dynamodb.v20120810#ValidationException");
	cJSON_Delete(r);
	lay_buf_free(&b);
	teardown();
}

/* The sort keys of a response's Items, space-separated, into out. */
static void sks(const cJSON *r, char *out, size_t size)
{
	const cJSON *it;
	size_t n = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "Items")) {
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(it, "SK"), "S"));

		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", s ? s : "?");
		if (n >= size)
			break;
	}
}

/* A key condition's range, forward and backward, paged by Limit. */
static void test_api_query__query_ranges_both_ways(void)
{
	static const char *const names[] = { "a1", "a2", "a3", "b1", "b2", "c1" };
	char got[200], body[400];
	cJSON *r;
	size_t i;
	int st;

	setup("Qry", 1);
	for (i = 0; i < 6; i++)
		put("Qry", "p", names[i], 1);
	put("Qry", "q", "a1", 1);
	r = call("Query", "{\"TableName\":\"Qry\",\"KeyConditionExpression\":\"PK = :p AND SK "
		 "BETWEEN :a AND :b\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p\"},\":a\":"
		 "{\"S\":\"a2\"},\":b\":{\"S\":\"b1\"}}}", &st);
	CHECK(st == 200);
	sks(r, got, sizeof(got));
	CHECK_STR(got, "a2 a3 b1");
	cJSON_Delete(r);
	r = call("Query", "{\"TableName\":\"Qry\",\"KeyConditionExpression\":\"PK = :p AND "
		 "begins_with(SK, :a)\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p\"},\":a\":"
		 "{\"S\":\"a\"}},\"ScanIndexForward\":false,\"Limit\":2}", &st);
	CHECK(st == 200);
	sks(r, got, sizeof(got));
	CHECK_STR(got, "a3 a2");
	cJSON_Delete(r);
	snprintf(body, sizeof(body), "%s", "{\"TableName\":\"Qry\",\"KeyConditionExpression\":"
		 "\"PK = :p AND begins_with(SK, :a)\",\"ExpressionAttributeValues\":{\":p\":{\"S\":"
		 "\"p\"},\":a\":{\"S\":\"a\"}},\"ScanIndexForward\":false,\"ExclusiveStartKey\":"
		 "{\"PK\":{\"S\":\"p\"},\"SK\":{\"S\":\"a2\"}}}");
	r = call("Query", body, &st);
	CHECK(st == 200);
	sks(r, got, sizeof(got));
	CHECK_STR(got, "a1");
	cJSON_Delete(r);
	teardown();
}

int main(void)
{
	RUN(test_api_query__scan_stops_past_one_megabyte);
	RUN(test_api_query__segments_split_the_partitions);
	RUN(test_api_query__batch_get_leaves_past_16_megabytes);
	RUN(test_api_query__batch_get_takes_100_keys_and_no_duplicates);
	RUN(test_api_query__query_ranges_both_ways);
	return check_done();
}
