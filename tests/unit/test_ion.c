/* Unit tests of layout/ion.c: items as Amazon Ion text (DynamoDB's ION
 * export format) — every type round trips exactly, the reader takes what
 * Ion text writers emit, and every rejection has its errno and message. */
#include <errno.h>
#include <string.h>

#include "../../layout/ion.h"
#include "../../layout/json.h"
#include "check.h"

/* Parse DynamoDB JSON (the ddb format), which must be valid. */
static int ddb(lay_item *it, const char *json)
{
	lay_err err = { 0, "" };
	int rc = lay_json_parse(it, json, strlen(json), LAY_FMT_DDB, &err);

	if (rc < 0)
		fprintf(stderr, "  json \"%.200s\": %s\n", json, err.msg);
	return rc;
}

/* Parse an Ion record of n bytes; print the message on failure. */
static int ion_n(lay_item *it, const char *text, size_t n)
{
	lay_err err = { 0, "" };
	int rc = lay_ion_parse_record(it, text, n, &err);

	if (rc < 0)
		fprintf(stderr, "  ion \"%.200s\": %d %s\n", text, rc, err.msg);
	return rc;
}

static int ion(lay_item *it, const char *text)
{
	return ion_n(it, text, strlen(text));
}

/* The Ion record text holds the item that DynamoDB JSON json describes. */
static int reads_as(const char *text, const char *json)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT;
	int ok = ion(&a, text) == 0 && ddb(&b, json) == 0 && lay_item_equal(&a, &b);

	if (!ok && a.n) {
		lay_json_render(&r, &a, LAY_FMT_DDB);
		fprintf(stderr, "  read   %s  wanted %s\n", r.p ? r.p : "", json);
	}
	lay_buf_free(&r);
	lay_item_free(&a);
	lay_item_free(&b);
	return ok;
}

/* The item of json renders as Ion text want, and want reads back as the
 * same item. */
static int renders_as(const char *json, const char *want)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT, rec = LAY_BUF_INIT;
	int ok = ddb(&a, json) == 0 && lay_ion_render_item(&r, &a) == 0 && r.p &&
		 strcmp(r.p, want) == 0;

	if (!ok)
		fprintf(stderr, "  rendered \"%.300s\"\n  wanted   \"%.300s\"\n", r.p ? r.p : "",
			want);
	if (ok) {
		lay_buf_addf(&rec, "$ion_1_0 {Item:%s}", r.p);
		ok = ion(&b, rec.p) == 0 && lay_item_equal(&a, &b);
	}
	lay_buf_free(&r);
	lay_buf_free(&rec);
	lay_item_free(&a);
	lay_item_free(&b);
	return ok;
}

/* The item of json renders, reads back equal, and renders the same again. */
static int round_trips(const char *json)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT, r2 = LAY_BUF_INIT;
	int ok = ddb(&a, json) == 0 && lay_buf_adds(&r, "$ion_1_0 {Item:") == 0 &&
		 lay_ion_render_item(&r, &a) == 0 && lay_buf_addc(&r, '}') == 0 &&
		 ion(&b, r.p) == 0 && lay_item_equal(&a, &b) &&
		 lay_buf_adds(&r2, "$ion_1_0 {Item:") == 0 && lay_ion_render_item(&r2, &b) == 0 &&
		 lay_buf_addc(&r2, '}') == 0 && strcmp(r.p, r2.p) == 0;

	if (!ok)
		fprintf(stderr, "  round trip of %.200s via %.200s failed\n", json,
			r.p ? r.p : "");
	lay_buf_free(&r);
	lay_buf_free(&r2);
	lay_item_free(&a);
	lay_item_free(&b);
	return ok;
}

/* Parsing text fails with code and a message containing want; the item is
 * left empty. */
static int fails_n(const char *text, size_t n, int code, const char *want)
{
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	int rc = lay_ion_parse_record(&it, text, n, &err);
	int ok = rc == code && err.code == code && strstr(err.msg, want) != NULL &&
		 it.a == NULL && it.n == 0 && it.arena == NULL;

	if (!ok)
		fprintf(stderr, "  input \"%.200s\": rc %d, message \"%s\" (wanted %d, \"%s\")\n",
			text, rc, err.msg, code, want);
	lay_item_free(&it);
	return ok;
}

static int rejects(const char *text, const char *want)
{
	return fails_n(text, strlen(text), -EINVAL, want);
}

static int wants_more(const char *text)
{
	return fails_n(text, strlen(text), -EAGAIN, "ends inside");
}

static void test_ion_render__every_type_as_an_export_writes_it(void)
{
	CHECK(renders_as("{\"s\":{\"S\":\"hello\"},\"n\":{\"N\":\"103\"},\"f\":{\"N\":\"-1.5\"},"
			 "\"b\":{\"B\":\"AAEC\"},\"t\":{\"BOOL\":true},\"u\":{\"BOOL\":false},"
			 "\"z\":{\"NULL\":true},\"m\":{\"M\":{\"x\":{\"N\":\"1\"}}},"
			 "\"l\":{\"L\":[{\"S\":\"a\"},{\"L\":[]}]},\"ss\":{\"SS\":[\"a\",\"b\"]},"
			 "\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bs\":{\"BS\":[\"AA==\",\"AQ==\"]}}",
			 "{s:\"hello\",n:103.,f:-1.5,b:{{AAEC}},t:true,u:false,z:null,m:{x:1.},"
			 "l:[\"a\",[]],ss:$dynamodb_SS::[\"a\",\"b\"],ns:$dynamodb_NS::[1.,2.5],"
			 "bs:$dynamodb_BS::[{{AA==}},{{AQ==}}]}"));
	CHECK(renders_as("{}", "{}"));
	CHECK(renders_as("{\"m\":{\"M\":{}},\"e\":{\"S\":\"\"},\"b\":{\"B\":\"\"}}",
			 "{m:{},e:\"\",b:{{}}}"));
}

static void test_ion_render__numbers_keep_every_digit(void)
{
	CHECK(renders_as("{\"n\":{\"N\":\"12345678901234567890123456789012345678\"}}",
			 "{n:12345678901234567890123456789012345678.}"));
	CHECK(renders_as("{\"n\":{\"N\":\"-0.12345678901234567890123456789012345678\"}}",
			 "{n:-0.12345678901234567890123456789012345678}"));
	CHECK(renders_as("{\"n\":{\"N\":\"-1.5e-10\"}}", "{n:-0.00000000015}"));
	CHECK(renders_as("{\"n\":{\"N\":\"1e125\"}}", "{n:1d125}"));
	CHECK(renders_as("{\"n\":{\"N\":\"-1.5e-120\"}}", "{n:-15d-121}"));
	CHECK(renders_as("{\"n\":{\"N\":\"1E-130\"}}", "{n:1d-130}"));
	CHECK(renders_as("{\"n\":{\"N\":\"9.9999999999999999999999999999999999999E+125\"}}",
			 "{n:99999999999999999999999999999999999999d88}"));
	CHECK(renders_as("{\"n\":{\"N\":\"0\"},\"m\":{\"N\":\"-0.0\"}}", "{n:0.,m:0.}"));
}

static void test_ion_render__names_are_identifiers_or_quoted(void)
{
	CHECK(renders_as("{\"a_1\":{\"N\":\"1\"},\"$x\":{\"N\":\"1\"},\"null\":{\"N\":\"1\"},"
			 "\"true\":{\"N\":\"1\"},\"nan\":{\"N\":\"1\"},\"$12\":{\"N\":\"1\"},"
			 "\"1a\":{\"N\":\"1\"},\"a b\":{\"N\":\"1\"},\"a-b\":{\"N\":\"1\"},"
			 "\"é\":{\"N\":\"1\"},\"q\\\"\":{\"N\":\"1\"},\"$ion_1_0\":{\"N\":\"1\"},"
			 "\"$\":{\"N\":\"1\"}}",
			 "{a_1:1.,$x:1.,\"null\":1.,\"true\":1.,\"nan\":1.,\"$12\":1.,\"1a\":1.,"
			 "\"a b\":1.,\"a-b\":1.,\"é\":1.,\"q\\\"\":1.,\"$ion_1_0\":1.,\"$\":1.}"));
}

static void test_ion_render__strings_escape_quotes_backslashes_and_controls(void)
{
	CHECK(renders_as("{\"s\":{\"S\":\"q\\\" b\\\\ n\\n t\\t r\\r \\u0001 \\u001f \\u007f "
			 "é 😀 \\u2028\"}}",
			 "{s:\"q\\\" b\\\\ n\\n t\\t r\\r \\x01 \\x1f \\x7f é 😀 \xE2\x80\xA8\"}"));
}

static void test_ion_render__the_counting_buffer_counts_the_rendering(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT, n = LAY_BUF_COUNT;

	CHECK(ddb(&it, "{\"s\":{\"S\":\"a\\u0001\"},\"n\":{\"N\":\"1e100\"},"
		       "\"b\":{\"BS\":[\"AAEC\"]},\"1\":{\"L\":[{\"NULL\":true}]}}") == 0);
	CHECK(lay_ion_render_item(&r, &it) == 0 && lay_ion_render_item(&n, &it) == 0);
	CHECK(r.len == n.len && n.p == NULL);
	CHECK(lay_ion_render_value(&r, &it.a[0].v) == 0);
	lay_buf_free(&r);
	lay_item_free(&it);
}

static void test_ion_round_trip__all_types_and_edge_values(void)
{
	CHECK(round_trips("{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"-1.5e-10\"},\"b\":{\"B\":\"/w==\"},"
			  "\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},"
			  "\"m\":{\"M\":{\"a b\":{\"L\":[{\"N\":\"1\"},{\"M\":{}}]}}},"
			  "\"ss\":{\"SS\":[\"\",\"é\"]},\"ns\":{\"NS\":[\"1e125\",\"-1e-130\",\"0\"]},"
			  "\"bs\":{\"BS\":[\"\",\"AA==\"]}}"));
	CHECK(round_trips("{\"e\":{\"S\":\"\"},\"eb\":{\"B\":\"\"},"
			  "\"u\":{\"S\":\"\\u0001\\u0002\\t\\n\\r\\u001b\\u007f\\\"\\\\ ü 中 😀\"}}"));
	CHECK(round_trips("{\"n1\":{\"N\":\"99999999999999999999999999999999999999\"},"
			  "\"n2\":{\"N\":\"-0.00000000000000000000000000000000000001\"},"
			  "\"n3\":{\"N\":\"1.2345678901234567890123456789012345678E-100\"},"
			  "\"n4\":{\"N\":\"-9.9999999999999999999999999999999999999E+125\"},"
			  "\"n5\":{\"N\":\"123456789012345678901234567890.12345678\"}}"));
	CHECK(round_trips("{\"null\":{\"N\":\"1\"},\"$1\":{\"N\":\"1\"},\"'q'\":{\"N\":\"1\"},"
			  "\"\\u0001\":{\"N\":\"1\"},\"Item\":{\"M\":{\"Item\":{\"N\":\"1\"}}}}"));
}

static void test_ion_round_trip__binary_with_every_byte_value(void)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT;
	lay_attr *at;
	char bytes[256];
	int i;

	for (i = 0; i < 256; i++)
		bytes[i] = (char)i;
	at = lay_item_alloc(&a, sizeof(*at));
	CHECK(at != NULL);
	if (!at)
		return;
	at->name = lay_item_strdup(&a, "b", 1);
	at->name_len = 1;
	at->v.type = LAY_B;
	at->v.len = 256;
	at->v.u.p = lay_item_strdup(&a, bytes, 256);
	a.a = at;
	a.n = 1;
	CHECK(lay_buf_adds(&r, "{Item:") == 0 && lay_ion_render_item(&r, &a) == 0 &&
	      lay_buf_addc(&r, '}') == 0);
	CHECK(ion(&b, r.p) == 0 && lay_item_equal(&a, &b));
	lay_buf_free(&r);
	lay_item_free(&a);
	lay_item_free(&b);
}

/* JSON of an item whose attribute is maps (or lists) levels deep. */
static void nested(lay_buf *j, int levels, int list)
{
	int i;

	lay_buf_adds(j, "{\"a\":");
	for (i = 1; i < levels; i++)
		lay_buf_adds(j, list ? "{\"L\":[" : "{\"M\":{\"a\":");
	lay_buf_adds(j, "{\"N\":\"1\"}");
	for (i = 1; i < levels; i++)
		lay_buf_adds(j, list ? "]}" : "}}");
	lay_buf_addc(j, '}');
}

static void test_ion_round_trip__maps_and_lists_32_levels_deep(void)
{
	lay_buf j = LAY_BUF_INIT;

	nested(&j, 32, 0);
	CHECK(round_trips(j.p));
	lay_buf_reset(&j);
	nested(&j, 32, 1);
	CHECK(round_trips(j.p));
	lay_buf_free(&j);
}

static void test_ion_parse__nesting_beyond_32_levels_is_refused(void)
{
	lay_buf t = LAY_BUF_INIT;
	int i;

	lay_buf_adds(&t, "{Item:{a:");
	for (i = 1; i < 32; i++)
		lay_buf_adds(&t, i % 2 ? "[" : "{a:");
	lay_buf_adds(&t, "[1]");
	for (i = 31; i >= 1; i--)
		lay_buf_adds(&t, i % 2 ? "]" : "}");
	lay_buf_adds(&t, "}}");
	CHECK(rejects(t.p, "Nesting Levels have exceeded supported limits"));
	lay_buf_free(&t);
}

static void test_ion_parse__ints_in_every_radix(void)
{
	CHECK(reads_as("{Item:{a:0,b:-7,c:1_000_000,d:0x1F,e:-0Xff_ff,f:0b101,g:0B1_0,h:-0}}",
		       "{\"a\":{\"N\":\"0\"},\"b\":{\"N\":\"-7\"},\"c\":{\"N\":\"1000000\"},"
		       "\"d\":{\"N\":\"31\"},\"e\":{\"N\":\"-65535\"},\"f\":{\"N\":\"5\"},"
		       "\"g\":{\"N\":\"2\"},\"h\":{\"N\":\"0\"}}"));
	CHECK(reads_as("{Item:{a:0x4B3B4CA85A86C47A098A223FFFFFFFFF}}",
		       "{\"a\":{\"N\":\"99999999999999999999999999999999999999\"}}"));
}

static void test_ion_parse__decimals_and_finite_floats(void)
{
	CHECK(reads_as("{Item:{a:1.5,b:1.,c:15d-1,d:1.5D3,e:-0.0,f:1_0.2_5,g:1.5e0,h:-2E-3,"
		       "i:0e0,j:1.0d+2,k:12345678901234567890123456789012345678d-160}}",
		       "{\"a\":{\"N\":\"1.5\"},\"b\":{\"N\":\"1\"},\"c\":{\"N\":\"1.5\"},"
		       "\"d\":{\"N\":\"1500\"},\"e\":{\"N\":\"0\"},\"f\":{\"N\":\"10.25\"},"
		       "\"g\":{\"N\":\"1.5\"},\"h\":{\"N\":\"-0.002\"},\"i\":{\"N\":\"0\"},"
		       "\"j\":{\"N\":\"100\"},\"k\":{\"N\":\"1.2345678901234567890123456789012345678e-123\"}}"));
}

static void test_ion_parse__nulls_bools_strings_symbols_and_blobs(void)
{
	CHECK(reads_as("{Item:{a:null,b:null.string,c:null.null,d:null.struct,e:true,f:false,"
		       "g:\"x\\ty\\u00e9\\U0001F600\\x41\\/\\?\\'\",h:'''ab''' '''cd''',"
		       "i:'''multi\nline''',j:sym,k:'quoted sym',l:$ion_1_0,"
		       "m:{{ AAEC\n  AwQ= }},n:{{}},o:\"\",p:''''''}}",
		       "{\"a\":{\"NULL\":true},\"b\":{\"NULL\":true},\"c\":{\"NULL\":true},"
		       "\"d\":{\"NULL\":true},\"e\":{\"BOOL\":true},\"f\":{\"BOOL\":false},"
		       "\"g\":{\"S\":\"x\\ty\\u00e9😀A/?'\"},\"h\":{\"S\":\"abcd\"},"
		       "\"i\":{\"S\":\"multi\\nline\"},\"j\":{\"S\":\"sym\"},"
		       "\"k\":{\"S\":\"quoted sym\"},\"l\":{\"S\":\"$ion_1_0\"},"
		       "\"m\":{\"B\":\"AAECAwQ=\"},\"n\":{\"B\":\"\"},\"o\":{\"S\":\"\"},"
		       "\"p\":{\"S\":\"\"}}"));
	CHECK(reads_as("{Item:{s:\"a\\\nb\",t:\"\\uD83D\\uDE00\",u:'''it's'''}}",
		       "{\"s\":{\"S\":\"ab\"},\"t\":{\"S\":\"😀\"},\"u\":{\"S\":\"it's\"}}"));
}

static void test_ion_parse__annotated_lists_are_sets_and_others_are_ignored(void)
{
	CHECK(reads_as("{Item:{a:$dynamodb_SS::[\"x\",y,'z'],b:$dynamodb_NS::[1,0x2,3.5e0,4d0],"
		       "c:$dynamodb_BS::[{{AA==}},{{AQ==}}],d:'$dynamodb_SS'::[\"q\"],"
		       "e:other::[1],f:x::y::$dynamodb_NS :: [7],g:ann::\"s\",h:ann::{k:1}}}",
		       "{\"a\":{\"SS\":[\"x\",\"y\",\"z\"]},\"b\":{\"NS\":[\"1\",\"2\",\"3.5\",\"4\"]},"
		       "\"c\":{\"BS\":[\"AA==\",\"AQ==\"]},\"d\":{\"SS\":[\"q\"]},"
		       "\"e\":{\"L\":[{\"N\":\"1\"}]},\"f\":{\"NS\":[\"7\"]},\"g\":{\"S\":\"s\"},"
		       "\"h\":{\"M\":{\"k\":{\"N\":\"1\"}}}}"));
}

static void test_ion_parse__field_names_in_every_form(void)
{
	CHECK(reads_as("{'Item':{a:1,'b c':2,\"d\\\"e\":3,'''f''':4,null:5,true:6}}",
		       "{\"a\":{\"N\":\"1\"},\"b c\":{\"N\":\"2\"},\"d\\\"e\":{\"N\":\"3\"},"
		       "\"f\":{\"N\":\"4\"},\"null\":{\"N\":\"5\"},\"true\":{\"N\":\"6\"}}"));
	CHECK(reads_as("{\"Item\":{}}", "{}"));
}

static void test_ion_parse__markers_comments_and_other_fields(void)
{
	CHECK(reads_as("$ion_1_0 $ion_1_0 // a comment\n/* block\n */ {Item:{a:1}} // end",
		       "{\"a\":{\"N\":\"1\"}}"));
	CHECK(reads_as("{ // pretty\n  Item : /* c */ {\n    a : [ 1 , 2 ]\n  }\n}",
		       "{\"a\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}}"));
	CHECK(reads_as("{\n  Item: {\n    a: [1, 2]\n  }\n}\n",
		       "{\"a\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}}"));
	CHECK(reads_as("{Meta:{ts:2020-01-01T00:00:00Z,s:(a + b),c:{{\"x}}\"}},n:nan,"
		       "q:'''x''' '''y''',an:a::b::[1]},Item:{a:1},z:1.5}",
		       "{\"a\":{\"N\":\"1\"}}"));
	CHECK(reads_as("$ion_symbol_table::{symbols:[\"a\"]} rec::{Item:{a:1}}",
		       "{\"a\":{\"N\":\"1\"}}"));
}

static void test_ion_parse__blank_markers_and_comments_are_no_value(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };

	CHECK(lay_ion_parse_record(&it, "", 0, &err) == 1);
	CHECK(lay_ion_parse_record(&it, " \t\r\n", 4, &err) == 1);
	CHECK(lay_ion_parse_record(&it, "$ion_1_0", 8, &err) == 1);
	CHECK(lay_ion_parse_record(&it, "$ion_1_0 // x\n/* y */", 21, &err) == 1);
	CHECK(it.a == NULL && it.n == 0 && it.arena == NULL);
}

static void test_ion_parse__text_ending_inside_a_value_wants_more(void)
{
	CHECK(wants_more("$ion_1_0 {"));
	CHECK(wants_more("{Item:"));
	CHECK(wants_more("{Item:{a:1"));
	CHECK(wants_more("{Item:{a:1,"));
	CHECK(wants_more("{Item:{a:tru"));
	CHECK(wants_more("{Item:{a:\"abc"));
	CHECK(wants_more("{Item:{a:\"abc\\"));
	CHECK(wants_more("{Item:{a:\"\\u00"));
	CHECK(wants_more("{Item:{a:'''abc"));
	CHECK(wants_more("{Item:{a:'''abc''"));
	CHECK(wants_more("{Item:{a:'''abc'''"));
	CHECK(wants_more("{Item:{a:{{AAEC"));
	CHECK(wants_more("{Item:{a:{{AAEC}"));
	CHECK(wants_more("{Item:{a:[1,\n"));
	CHECK(wants_more("{Item:{a:x:"));
	CHECK(wants_more("{Item:{a:1}} /* open"));
	CHECK(wants_more("{Item:{a:1}, Meta:(a b"));
	CHECK(wants_more("{\n  Item: {\n    a: [1, 2]\n"));
	CHECK(wants_more("$ion_1_0 rec::"));
	CHECK(wants_more("rec :"));
	CHECK(wants_more("$ion_symbol_table::{symbols:["));
	/* each prefix of a complete record wants more, never EINVAL */
	{
		static const char rec[] = "{Item:{s:\"x\",n:-1.5d3,b:{{AA==}},l:[null.int,true],"
					  "m:{'q':'''z'''},ss:$dynamodb_SS::[\"a\"]}}";
		size_t n;

		for (n = 1; n < sizeof(rec) - 2; n++)
			CHECK(fails_n(rec, n, -EAGAIN, "ends inside"));
	}
}

static void test_ion_parse__records_that_are_not_items_are_refused(void)
{
	CHECK(rejects("[1]", "a record is a struct"));
	CHECK(rejects("\"s\"", "a record is a struct"));
	CHECK(rejects("sym", "a record is a struct"));
	CHECK(rejects("{a:1}", "no Item field"));
	CHECK(rejects("{}", "no Item field"));
	CHECK(rejects("{Item:[1]}", "Item is not a struct"));
	CHECK(rejects("{Item:{{AA==}}}", "Item is not a struct"));
	CHECK(rejects("{Item:{a:1},Item:{b:1}}", "two Item fields"));
	CHECK(rejects("{Item:{a:1}} {Item:{a:2}}", "more after the record"));
	CHECK(rejects("{Item:{a:1}} $ion_1_0", "more after the record"));
	CHECK(rejects("$ion_2_0 {Item:{}}", "only $ion_1_0"));
	CHECK(rejects("{Item:{a:1} b:2}", "expected ',' or '}'"));
	CHECK(rejects("{Item:{a 1}}", "expected ':'"));
	CHECK(rejects("{Item:{a::b:1}}", "cannot be annotated"));
	CHECK(rejects("{Item:{,}}", "expected a field name"));
	CHECK(rejects("{Item:{a:1,}}", "expected a field name"));
	CHECK(rejects("{Item:{a:[1,]}}", "expected a value"));
	CHECK(rejects("{Item:{a:[1 2]}}", "expected ',' or ']'"));
	CHECK(rejects("{Item:{a:@}}", "expected a value"));
}

static void test_ion_parse__types_dynamodb_has_not_are_refused(void)
{
	CHECK(rejects("{Item:{a:2020-01-01T00:00Z}}", "a timestamp"));
	CHECK(rejects("{Item:{a:2020T}}", "a timestamp"));
	CHECK(rejects("{Item:{a:(1 2)}}", "s-expression"));
	CHECK(rejects("{Item:{a:{{\"text\"}}}}", "a clob"));
	CHECK(rejects("{Item:{a:{{'''text'''}}}}", "a clob"));
	CHECK(rejects("{Item:{a:nan}}", "nan is not a number"));
	CHECK(rejects("{Item:{a:+inf}}", "+inf is not a number"));
	CHECK(rejects("{Item:{a:-inf}}", "-inf is not a number"));
	CHECK(rejects("{Item:{a:$10}}", "symbol ID $10"));
	CHECK(rejects("{Item:{$10:1}}", "symbol ID"));
	CHECK(rejects("{Item:{a:null.foo}}", "null.foo"));
}

static void test_ion_parse__bad_numbers_are_refused_as_dynamodb_words_it(void)
{
	CHECK(rejects("{Item:{a:007}}", "invalid number \"007\""));
	CHECK(rejects("{Item:{a:+1}}", "invalid number"));
	CHECK(rejects("{Item:{a:1__0}}", "invalid number"));
	CHECK(rejects("{Item:{a:1_}}", "invalid number"));
	CHECK(rejects("{Item:{a:1_.5}}", "invalid number"));
	CHECK(rejects("{Item:{a:0x}}", "invalid number"));
	CHECK(rejects("{Item:{a:0xG}}", "invalid number"));
	CHECK(rejects("{Item:{a:0b102}}", "invalid number"));
	CHECK(rejects("{Item:{a:1e}}", "invalid number"));
	CHECK(rejects("{Item:{a:1.5x}}", "invalid number"));
	CHECK(rejects("{Item:{a:-}}", "invalid number"));
	CHECK(rejects("{Item:{a:123456789012345678901234567890123456789}}",
		      "significant digits"));
	CHECK(rejects("{Item:{a:1d126}}", "overflow"));
	CHECK(rejects("{Item:{a:1d-131}}", "underflow"));
	CHECK(rejects("{Item:{a:1e400}}", "overflow"));
	CHECK(rejects("{Item:{a:0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF}}",
		      "significant digits"));
}

static void test_ion_parse__bad_strings_and_blobs_are_refused(void)
{
	CHECK(rejects("{Item:{a:\"x\ny\"}}", "a newline inside a quoted string"));
	CHECK(rejects("{Item:{a:'x\ny'}}", "a newline inside a quoted symbol"));
	CHECK(rejects("{Item:{a:\"x\x01y\"}}", "raw control character (0x01)"));
	CHECK(rejects("{Item:{a:\"\\q\"}}", "invalid escape \"\\q\""));
	CHECK(rejects("{Item:{a:\"\\x4\"}}", "\\x needs 2 hex digits"));
	CHECK(rejects("{Item:{a:\"\\0\"}}", "U+0000"));
	CHECK(rejects("{Item:{a:\"\\u0000\"}}", "U+0000"));
	CHECK(rejects("{Item:{a:\"\\uD800x\"}}", "surrogate"));
	CHECK(rejects("{Item:{a:\"\\uDC00\"}}", "surrogate"));
	CHECK(rejects("{Item:{a:\"\\U00110000\"}}", "beyond U+10FFFF"));
	CHECK(rejects("{Item:{a:\"\xC3\x28\"}}", "not valid UTF-8"));
	CHECK(rejects("{Item:{\"\xFF\":1}}", "attribute name is not valid UTF-8"));
	CHECK(rejects("{Item:{a:{{AAE}}}}", "is not base64"));
	CHECK(rejects("{Item:{a:{{A*==}}}}", "is not base64"));
	CHECK(rejects("{Item:{a:{{AA==} }}}", "a blob ends with"));
}

static void test_ion_parse__names_and_sets_are_checked_as_dynamodb_checks_them(void)
{
	CHECK(rejects("{Item:{a:1,a:2}}", "duplicate attribute name"));
	CHECK(rejects("{Item:{m:{x:1,'x':2}}}", "attribute \"m.x\": duplicate attribute name"));
	CHECK(rejects("{Item:{\"\":1}}", "an attribute name is empty"));
	CHECK(rejects("{Item:{a:$dynamodb_SS::[]}}", "may not be empty"));
	CHECK(rejects("{Item:{a:$dynamodb_NS::[]}}", "may not be empty"));
	CHECK(rejects("{Item:{a:$dynamodb_BS::[]}}", "Binary sets should not be empty"));
	CHECK(rejects("{Item:{a:$dynamodb_SS::[\"x\",x]}}", "contains duplicates: x"));
	CHECK(rejects("{Item:{a:$dynamodb_NS::[1,1.0]}}", "contains duplicates: 1"));
	CHECK(rejects("{Item:{a:$dynamodb_BS::[{{AA==}},{{ AA== }}]}}",
		      "contains duplicates: AA=="));
	CHECK(rejects("{Item:{a:$dynamodb_SS::[1]}}", "attribute \"a[0]\": a $dynamodb_SS "
		      "list holds strings; this member is N"));
	CHECK(rejects("{Item:{a:$dynamodb_NS::[\"1\"]}}", "holds numbers; this member is S"));
	CHECK(rejects("{Item:{a:$dynamodb_BS::[null]}}", "holds blobs; this member is NULL"));
	CHECK(rejects("{Item:{a:$dynamodb_SS::\"x\"}}", "annotates a list"));
	CHECK(rejects("{Item:{a:$dynamodb_SS::{x:1}}}", "annotates a list"));
	CHECK(rejects("{Item:{a:$dynamodb_SS::$dynamodb_NS::[1]}}", "two set annotations"));
}

static void test_ion_parse__messages_name_the_path_line_and_column(void)
{
	CHECK(rejects("{Item:{m:{l:[1,\n  2,x::007]}}}",
		      "attribute \"m.l[2]\": invalid number \"007\" (line 2, column 8)"));
}

static void test_ion_parse__items_over_400_kb_are_too_big(void)
{
	lay_buf t = LAY_BUF_INIT;
	size_t i;

	lay_buf_adds(&t, "{Item:{a:\"");
	for (i = 0; i < LAY_MAX_ITEM_SIZE; i++)
		lay_buf_addc(&t, 'x');
	lay_buf_adds(&t, "\"}}");
	CHECK(fails_n(t.p, t.len, -EFBIG, "Item size has exceeded"));
	lay_buf_free(&t);
}

/* A NUL byte where a skipped field's token would start is refused; it
 * once stopped the skipping loop from moving on (found by fuzzing). */
static void test_ion_parse__a_nul_byte_in_a_skipped_field_is_refused(void)
{
	static const char text[] = "{meta:{a:\0}, Item:{PK:\"a\"}}";

	CHECK(fails_n(text, sizeof(text) - 1, -EINVAL, "unexpected byte 0x00"));
}

int main(void)
{
	RUN(test_ion_render__every_type_as_an_export_writes_it);
	RUN(test_ion_render__numbers_keep_every_digit);
	RUN(test_ion_render__names_are_identifiers_or_quoted);
	RUN(test_ion_render__strings_escape_quotes_backslashes_and_controls);
	RUN(test_ion_render__the_counting_buffer_counts_the_rendering);
	RUN(test_ion_round_trip__all_types_and_edge_values);
	RUN(test_ion_round_trip__binary_with_every_byte_value);
	RUN(test_ion_round_trip__maps_and_lists_32_levels_deep);
	RUN(test_ion_parse__nesting_beyond_32_levels_is_refused);
	RUN(test_ion_parse__ints_in_every_radix);
	RUN(test_ion_parse__decimals_and_finite_floats);
	RUN(test_ion_parse__nulls_bools_strings_symbols_and_blobs);
	RUN(test_ion_parse__annotated_lists_are_sets_and_others_are_ignored);
	RUN(test_ion_parse__field_names_in_every_form);
	RUN(test_ion_parse__markers_comments_and_other_fields);
	RUN(test_ion_parse__blank_markers_and_comments_are_no_value);
	RUN(test_ion_parse__text_ending_inside_a_value_wants_more);
	RUN(test_ion_parse__records_that_are_not_items_are_refused);
	RUN(test_ion_parse__types_dynamodb_has_not_are_refused);
	RUN(test_ion_parse__bad_numbers_are_refused_as_dynamodb_words_it);
	RUN(test_ion_parse__bad_strings_and_blobs_are_refused);
	RUN(test_ion_parse__names_and_sets_are_checked_as_dynamodb_checks_them);
	RUN(test_ion_parse__messages_name_the_path_line_and_column);
	RUN(test_ion_parse__items_over_400_kb_are_too_big);
	RUN(test_ion_parse__a_nul_byte_in_a_skipped_field_is_refused);
	return check_done();
}
