/* layout/export.c: the lines of an export's data files, its manifests,
 * and the DynamoDB JSON record read back on import. */
#include <errno.h>
#include <string.h>

#include "../../layout/export.h"
#include "../../layout/json.h"
#include "check.h"

static void item_of(lay_item *it, const char *json)
{
	lay_err err = { 0 };

	*it = (lay_item)LAY_ITEM_INIT;
	CHECK_RC(lay_json_parse(it, json, strlen(json), LAY_FMT_PLAIN, &err), 0);
}

static void test_item_line__ddb_and_ion(void)
{
	lay_buf b = LAY_BUF_INIT;
	lay_item it;

	item_of(&it, "{\"id\":\"a\",\"n\":103,\"b\":{\"B\":\"AAE=\"},\"ss\":{\"SS\":[\"x\"]}}");
	CHECK_RC(lay_export_item_line(&b, &it, LAY_EXPORT_DDB), 0);
	CHECK_STR(b.p, "{\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"103\"},\"b\":{\"B\":\"AAE=\"},"
		       "\"ss\":{\"SS\":[\"x\"]}}}\n");
	b.len = 0;
	CHECK_RC(lay_export_item_line(&b, &it, LAY_EXPORT_ION), 0);
	CHECK_STR(b.p, "$ion_1_0 {Item:{id:\"a\",n:103.,b:{{AAE=}},ss:$dynamodb_SS::[\"x\"]}}\n");
	lay_buf_free(&b);
	lay_item_free(&it);
}

static void test_change_line__images_present_or_not(void)
{
	lay_buf b = LAY_BUF_INIT;
	lay_item k, o, n;

	item_of(&k, "{\"id\":\"a\"}");
	item_of(&o, "{\"id\":\"a\",\"v\":1}");
	item_of(&n, "{\"id\":\"a\",\"v\":2}");
	CHECK_RC(lay_export_change_line(&b, 1700000000000001, &k, &o, &n, LAY_EXPORT_DDB), 0);
	CHECK_STR(b.p, "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1700000000000001\"}},"
		       "\"Keys\":{\"id\":{\"S\":\"a\"}},\"OldImage\":{\"id\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}},"
		       "\"NewImage\":{\"id\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}}\n");
	b.len = 0;
	CHECK_RC(lay_export_change_line(&b, 5, &k, &o, NULL, LAY_EXPORT_ION), 0);
	CHECK_STR(b.p, "$ion_1_0 {Metadata:{WriteTimestampMicros:5},Keys:{id:\"a\"},"
		       "OldImage:{id:\"a\",v:1.}}\n");
	lay_buf_free(&b);
	lay_item_free(&k);
	lay_item_free(&o);
	lay_item_free(&n);
}

static void test_parse_ddb__records_and_errors(void)
{
	static const char *const bad[] = {
		"[1]", "{\"Items\":{}}", "{\"Item\" {}}", "{\"Item\":{\"a\":{\"S\":1}}}",
		"{\"Item\":{}}", "{\"Item\":{\"a\":{\"S\":\"x\"}},\"More\":1}", "{\"Item\":{\"a\":{\"S\":\"x\"}}",
	};
	lay_err err = { 0 };
	lay_item it = LAY_ITEM_INIT;
	size_t i;
	const char *t = "  {\"Item\" : {\"a\":{\"N\":\"1.50\"},\"l\":{\"L\":[{\"NULL\":true}]}} }\r";

	CHECK_RC(lay_export_parse_ddb(&it, t, strlen(t), &err), 0);
	CHECK(it.n == 2 && strcmp(it.a[0].v.u.p, "1.5") == 0 && it.a[1].v.type == LAY_L);
	lay_item_free(&it);
	CHECK_RC(lay_export_parse_ddb(&it, " \t", 2, &err), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = (lay_err){ 0 };
		CHECK_RC(lay_export_parse_ddb(&it, bad[i], strlen(bad[i]), &err), -EINVAL);
		CHECK(err.msg[0] != '\0');
		CHECK(it.n == 0);
	}
}

static void test_file_line__round_trip_and_etag_forms(void)
{
	lay_export_file f = { .item_count = 7 }, g;
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0 };
	const char *etag_only = "{\"itemCount\":1,\"etag\":\"000102030405060708090a0b0c0d0e0f-1\","
				"\"dataFileS3Key\":\"AWSDynamoDB/x/data/y.json.gz\"}";
	int i;

	for (i = 0; i < 16; i++)
		f.md5[i] = (unsigned char)(i * 17);
	strcpy(f.key, "AWSDynamoDB/01693685827463-2d8752fd/data/abc.json.gz");
	CHECK_RC(lay_export_file_render(&b, &f), 0);
	CHECK(strstr(b.p, "\"etag\":\"00112233445566778899aabbccddeeff\"") != NULL);
	CHECK(strstr(b.p, "\"md5Checksum\":\"ABEiM0RVZneImaq7zN3u/w==\"") != NULL);
	CHECK(b.p[b.len - 1] == '\n');
	CHECK_RC(lay_export_file_parse(&g, b.p, b.len - 1, &err), 0);
	CHECK(g.item_count == 7 && memcmp(g.md5, f.md5, 16) == 0 && strcmp(g.key, f.key) == 0);
	CHECK_RC(lay_export_file_parse(&g, etag_only, strlen(etag_only), &err), 0);
	CHECK(g.md5[15] == 15 && g.item_count == 1);
	CHECK_RC(lay_export_file_parse(&g, "{\"itemCount\":1}", 15, &err), -EINVAL);
	CHECK_RC(lay_export_file_parse(&g, "{\"dataFileS3Key\":\"k\"}", 21, &err), -EINVAL);
	CHECK_RC(lay_export_file_parse(&g, "nope", 4, &err), -EINVAL);
	/* no count past 2^64 (found by fuzzing: the conversion was undefined) */
	CHECK_RC(lay_export_file_parse(&g, "{\"itemCount\":1e30,\"dataFileS3Key\":\"k\","
				       "\"etag\":\"00112233445566778899aabbccddeeff\"}", 80, &err),
		 -EINVAL);
	CHECK(strstr(err.msg, "itemCount past 2^64") != NULL);
	lay_buf_free(&b);
}

static void test_summary__fields_and_nulls(void)
{
	lay_export_summary s = { .export_arn = "arn:x", .table_arn = "arn:t", .table_id = "id",
				 .bucket = "/srv", .files_key = "AWSDynamoDB/i/manifest-files.json",
				 .start_ns = 1000000000, .end_ns = 2000000000,
				 .export_ns = 1500000000, .billed_bytes = 9, .item_count = 3,
				 .format = LAY_EXPORT_ION };
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_export_summary_render(&b, &s), 0);
	CHECK_STR(b.p, "{\"version\":\"2020-06-30\",\"exportArn\":\"arn:x\","
		       "\"startTime\":\"1970-01-01T00:00:01.000Z\",\"endTime\":\"1970-01-01T00:00:02.000Z\","
		       "\"tableArn\":\"arn:t\",\"tableId\":\"id\",\"exportTime\":\"1970-01-01T00:00:01.500Z\","
		       "\"s3Bucket\":\"/srv\",\"s3Prefix\":null,\"s3SseAlgorithm\":null,\"s3SseKmsKeyId\":null,"
		       "\"manifestFilesS3Key\":\"AWSDynamoDB/i/manifest-files.json\",\"billedSizeBytes\":9,"
		       "\"itemCount\":3,\"outputFormat\":\"ION\"}\n");
	b.len = 0;
	s.incremental = 1;
	s.from_ns = 0;
	s.to_ns = 900000000000;
	s.view_name = "NEW_IMAGE";
	CHECK_RC(lay_export_summary_render(&b, &s), 0);
	CHECK(strstr(b.p, ",\"exportType\":\"INCREMENTAL_EXPORT\",\"exportFromTime\":\"1970-01-01T00:00:00.000Z\","
			  "\"exportToTime\":\"1970-01-01T00:15:00.000Z\",\"outputView\":\"NEW_IMAGE\"}") != NULL);
	lay_buf_free(&b);
}

static void test_md5_hex__both_ways(void)
{
	unsigned char m[16], back[16];
	char hex[33];
	int i;

	for (i = 0; i < 16; i++)
		m[i] = (unsigned char)(255 - i);
	lay_md5_hex(hex, m);
	CHECK_STR(hex, "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0");
	CHECK_RC(lay_md5_unhex(back, "FFFEFDFCFBFAF9F8F7F6F5F4F3F2F1F0", 32), 0);
	CHECK(memcmp(back, m, 16) == 0);
	CHECK_RC(lay_md5_unhex(back, hex, 31), -EINVAL);
	CHECK_RC(lay_md5_unhex(back, "gffefdfcfbfaf9f8f7f6f5f4f3f2f1f0", 32), -EINVAL);
}

int main(void)
{
	RUN(test_item_line__ddb_and_ion);
	RUN(test_change_line__images_present_or_not);
	RUN(test_parse_ddb__records_and_errors);
	RUN(test_file_line__round_trip_and_etag_forms);
	RUN(test_summary__fields_and_nulls);
	RUN(test_md5_hex__both_ways);
	return check_done();
}
