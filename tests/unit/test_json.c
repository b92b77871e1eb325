/* Unit tests of layout/json.c: items as JSON text (SPEC §5) — both formats
 * round trip all ten types, numbers stay exact and aligned with their
 * nodes, DynamoDB's limits and strictness, and every rejection's errno and
 * message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../../layout/item.h"
#include "../../layout/json.h"
#include "check.h"

#define PLAIN LAY_FMT_PLAIN
#define DDB LAY_FMT_DDB

/* Parse text; print the message on failure. */
static int parse(lay_item *it, const char *text, size_t len, lay_format fmt)
{
	lay_err err = { 0, "" };
	int rc = lay_json_parse(it, text, len, fmt, &err);

	if (rc < 0)
		fprintf(stderr, "  parse \"%.200s\": %s\n", text, err.msg);
	return rc;
}

/* render(parse(text)) in out_fmt is want plus "\n". */
static int renders_as(const char *text, lay_format fmt, lay_format out_fmt, const char *want)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	int ok;

	if (parse(&it, text, strlen(text), fmt) < 0)
		return 0;
	ok = lay_json_render(&b, &it, out_fmt) == 0 && b.len == strlen(want) + 1 &&
	     memcmp(b.p, want, b.len - 1) == 0 && b.p[b.len - 1] == '\n';
	if (!ok)
		fprintf(stderr, "  rendered \"%.300s\"\n  wanted   \"%.300s\"\n",
			b.p ? b.p : "", want);
	lay_buf_free(&b);
	lay_item_free(&it);
	return ok;
}

/* A canonical text reads and renders back byte for byte. */
static int canonical(const char *text, lay_format fmt)
{
	return renders_as(text, fmt, fmt, text);
}

/* Parsing text (len bytes) fails with -EINVAL and a message containing
 * want, and leaves the item empty. */
static int rejects_n(const char *text, size_t len, lay_format fmt, const char *want)
{
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	int rc = lay_json_parse(&it, text, len, fmt, &err);
	int ok = rc == -EINVAL && err.code == -EINVAL && err.msg[0] != '\0' &&
		 strstr(err.msg, want) != NULL && it.a == NULL && it.n == 0 && it.arena == NULL;

	if (!ok)
		fprintf(stderr, "  input \"%.200s\": rc %d, message \"%s\" (wanted \"%s\")\n",
			text, rc, err.msg, want);
	lay_item_free(&it);
	return ok;
}

static int rejects(const char *text, lay_format fmt, const char *want)
{
	return rejects_n(text, strlen(text), fmt, want);
}

/* Parse text in both formats and compare the items. */
static int same_item(const char *plain, const char *ddb)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	int ok = parse(&a, plain, strlen(plain), PLAIN) == 0 &&
		 parse(&b, ddb, strlen(ddb), DDB) == 0 && lay_item_equal(&a, &b);

	lay_item_free(&a);
	lay_item_free(&b);
	return ok;
}

static const char all_plain[] =
	"{\"s\":\"hello\",\"n\":42,\"b\":{\"B\":\"AAEC\"},\"t\":true,\"f\":false,"
	"\"z\":null,\"m\":{\"x\":1,\"y\":\"two\"},\"l\":[1,\"a\",null,[true]],"
	"\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[1,2.5,-3]},"
	"\"bs\":{\"BS\":[\"AA==\",\"AQ==\"]}}";

static const char all_ddb[] =
	"{\"s\":{\"S\":\"hello\"},\"n\":{\"N\":\"42\"},\"b\":{\"B\":\"AAEC\"},"
	"\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
	"\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"y\":{\"S\":\"two\"}}},"
	"\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"},{\"NULL\":true},{\"L\":[{\"BOOL\":true}]}]},"
	"\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\",\"-3\"]},"
	"\"bs\":{\"BS\":[\"AA==\",\"AQ==\"]}}";

static void test_json_parse__all_ten_types_round_trip_in_plain(void)
{
	CHECK(canonical(all_plain, PLAIN));
}

static void test_json_parse__all_ten_types_round_trip_in_ddb(void)
{
	CHECK(canonical(all_ddb, DDB));
}

static void test_json_render__plain_and_ddb_describe_the_same_item(void)
{
	CHECK(renders_as(all_plain, PLAIN, DDB, all_ddb));
	CHECK(renders_as(all_ddb, DDB, PLAIN, all_plain));
	CHECK(same_item(all_plain, all_ddb));
}

/* lay_json_len of text's item, in both formats, is its rendering's length. */
static int len_is_rendered_len(const char *text, lay_format in)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf r = LAY_BUF_INIT;
	int ok = parse(&it, text, strlen(text), in) == 0, f;

	for (f = 0; ok && f < 2; f++) {
		lay_buf_reset(&r);
		ok = lay_json_render(&r, &it, (lay_format)f) == 0 &&
		     lay_json_len(&it, (lay_format)f) == r.len;
	}
	lay_buf_free(&r);
	lay_item_free(&it);
	return ok;
}

static void test_json_len__equals_the_rendered_length_without_rendering(void)
{
	CHECK(len_is_rendered_len(all_plain, PLAIN));
	CHECK(len_is_rendered_len(all_ddb, DDB));
	CHECK(len_is_rendered_len("{}", PLAIN));
	CHECK(len_is_rendered_len("{\"e\":\"tab\\t nl\\n q\\\" bs\\\\ \\u0001 \\u007f é\"}",
				  PLAIN));
	CHECK(len_is_rendered_len("{\"b\":{\"B\":\"\"},\"c\":{\"B\":\"AAE=\"},\"d\":"
				  "{\"BS\":[\"AAEC\"]},\"n\":-1.5e-130}",
				  PLAIN));
}

static void test_json_parse__values_have_their_types_and_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	const lay_attr *a;

	if (parse(&it, all_plain, strlen(all_plain), PLAIN) < 0) {
		CHECK(0);
		return;
	}
	CHECK(it.n == 11);
	CHECK((a = lay_item_find(&it, "s", 1)) && a->v.type == LAY_S && a->v.len == 5);
	CHECK((a = lay_item_find(&it, "n", 1)) && a->v.type == LAY_N);
	CHECK(a && strcmp(a->v.u.p, "42") == 0);
	CHECK((a = lay_item_find(&it, "b", 1)) && a->v.type == LAY_B && a->v.len == 3);
	CHECK(a && memcmp(a->v.u.p, "\0\1\2", 3) == 0);
	CHECK((a = lay_item_find(&it, "t", 1)) && a->v.type == LAY_BOOL && a->v.len == 1);
	CHECK((a = lay_item_find(&it, "f", 1)) && a->v.type == LAY_BOOL && a->v.len == 0);
	CHECK((a = lay_item_find(&it, "z", 1)) && a->v.type == LAY_NULL);
	CHECK((a = lay_item_find(&it, "m", 1)) && a->v.type == LAY_M && a->v.len == 2);
	CHECK(a && strcmp(a->v.u.a[1].name, "y") == 0 && a->v.u.a[1].v.type == LAY_S);
	CHECK((a = lay_item_find(&it, "l", 1)) && a->v.type == LAY_L && a->v.len == 4);
	CHECK(a && a->v.u.v[3].type == LAY_L && a->v.u.v[3].u.v[0].type == LAY_BOOL);
	CHECK((a = lay_item_find(&it, "ss", 2)) && a->v.type == LAY_SS && a->v.len == 2);
	CHECK((a = lay_item_find(&it, "ns", 2)) && a->v.type == LAY_NS && a->v.len == 3);
	CHECK(a && strcmp(a->v.u.v[1].u.p, "2.5") == 0 && a->v.u.v[1].type == LAY_N);
	CHECK((a = lay_item_find(&it, "bs", 2)) && a->v.type == LAY_BS && a->v.len == 2);
	CHECK(a && a->v.u.v[1].len == 1 && a->v.u.v[1].u.p[0] == 1);
	lay_item_free(&it);
}

static void test_json_parse__38_digit_number_reads_back_digit_for_digit(void)
{
	CHECK(canonical("{\"n\":12345678901234567890123456789012345678}", PLAIN));
	CHECK(canonical("{\"n\":-12345678901234567890123456789012345678}", PLAIN));
	CHECK(canonical("{\"n\":0.12345678901234567890123456789012345678}", PLAIN));
	CHECK(canonical("{\"n\":{\"NS\":[99999999999999999999999999999999999999]}}", PLAIN));
	CHECK(canonical("{\"n\":{\"N\":\"12345678901234567890123456789012345678\"}}", DDB));
	CHECK(renders_as("{\"n\":12345678901234567890123456789012345678}", PLAIN, DDB,
			 "{\"n\":{\"N\":\"12345678901234567890123456789012345678\"}}"));
}

static void test_json_parse__numbers_are_canonicalized(void)
{
	CHECK(renders_as("{\"n\":1.50}", PLAIN, PLAIN, "{\"n\":1.5}"));
	CHECK(renders_as("{\"n\":1e3,\"m\":1.0E+2,\"z\":-0,\"y\":0.0}", PLAIN, PLAIN,
			 "{\"n\":1000,\"m\":100,\"z\":0,\"y\":0}"));
	CHECK(renders_as("{\"n\":{\"NS\":[1.50,2e-2]}}", PLAIN, PLAIN,
			 "{\"n\":{\"NS\":[1.5,0.02]}}"));
	CHECK(renders_as("{\"n\":{\"N\":\"1.50\"},\"s\":{\"NS\":[\"1e2\",\"-0.10\"]}}", DDB, DDB,
			 "{\"n\":{\"N\":\"1.5\"},\"s\":{\"NS\":[\"100\",\"-0.1\"]}}"));
}

/* Canonical numbers need up to 132 characters without an exponent: more
 * than cJSON's own number reader takes (63). */
static void test_json_parse__numbers_longer_than_63_characters_are_exact(void)
{
	char tiny[200], huge[200], text[500];

	strcpy(tiny, "0.");
	memset(tiny + 2, '0', 129);
	strcpy(tiny + 131, "1");                       /* 1E-130 */
	memset(huge, '9', 38);
	memset(huge + 38, '0', 88);
	huge[126] = '\0';                              /* 9.99..9E+125 */
	snprintf(text, sizeof(text), "{\"t\":%s,\"h\":-%s}", tiny, huge);
	CHECK(canonical(text, PLAIN));
	CHECK(renders_as("{\"t\":1E-130,\"h\":-9.9999999999999999999999999999999999999E+125}",
			 PLAIN, PLAIN, text));
	snprintf(text, sizeof(text), "{\"t\":{\"NS\":[%s,%s]}}", tiny, huge);
	CHECK(canonical(text, PLAIN));
}

/* Strings holding digits, exponents, quotes and backslashes must not shift
 * which literal goes to which number node. */
static void test_json_parse__number_literals_stay_aligned_with_their_nodes(void)
{
	static const char text[] =
		"{\"k12\":\"12\",\"a\":1,\"1e5\":\"1e5\",\"q\":\"\\\"12\\\"\","
		"\"m\":{\"x3\":[2,\"3\",{\"NS\":[4,5.5]},\"-7\"],\"y\":-6},"
		"\"bs\\\\\":10,\"e\":\"\\\\\",\"b\":7e1,\"u\":\"\\u0031\",\"z\":9.0}";
	static const char want[] =
		"{\"k12\":\"12\",\"a\":1,\"1e5\":\"1e5\",\"q\":\"\\\"12\\\"\","
		"\"m\":{\"x3\":[2,\"3\",{\"NS\":[4,5.5]},\"-7\"],\"y\":-6},"
		"\"bs\\\\\":10,\"e\":\"\\\\\",\"b\":70,\"u\":\"1\",\"z\":9}";

	CHECK(renders_as(text, PLAIN, PLAIN, want));
	CHECK(renders_as("{\"a\":[1 , 2\n,\t3],\"b\":4}", PLAIN, PLAIN, "{\"a\":[1,2,3],\"b\":4}"));
}

static void test_json_parse__number_out_of_range_is_rejected(void)
{
	CHECK(rejects("{\"n\":1e126}", PLAIN, "overflow"));
	CHECK(rejects("{\"n\":-1e126}", PLAIN, "overflow"));
	CHECK(rejects("{\"n\":1e-131}", PLAIN, "underflow"));
	CHECK(rejects("{\"n\":123456789012345678901234567890123456789}", PLAIN, "38"));
	CHECK(rejects("{\"n\":{\"NS\":[1,1e999]}}", PLAIN, "overflow"));
	CHECK(rejects("{\"n\":{\"N\":\"1e126\"}}", DDB, "overflow"));
	CHECK(rejects("{\"n\":{\"N\":\"1e-131\"}}", DDB, "underflow"));
	CHECK(rejects("{\"n\":{\"NS\":[\"123456789012345678901234567890123456789\"]}}", DDB,
		      "38"));
}

static void test_json_parse__number_outside_json_grammar_is_rejected(void)
{
	CHECK(rejects("{\"n\":01}", PLAIN, "01"));
	CHECK(rejects("{\"n\":1.}", PLAIN, "1."));
	CHECK(rejects("{\"n\":-}", PLAIN, "\"n\""));
	CHECK(rejects("{\"n\":1e}", PLAIN, "\"n\""));
	CHECK(rejects("{\"n\":1-2}", PLAIN, "1-2"));
	CHECK(rejects("{\"n\":+1}", PLAIN, "JSON"));
	CHECK(rejects("{\"n\":.5}", PLAIN, "JSON"));
	CHECK(rejects("{\"n\":NaN}", PLAIN, "JSON"));
	CHECK(rejects("{\"n\":-Infinity}", PLAIN, "JSON"));
	CHECK(rejects("{\"n\":0x10}", PLAIN, "JSON"));
	CHECK(rejects("{\"n\":{\"N\":\"abc\"}}", DDB, "abc"));
	CHECK(rejects("{\"n\":{\"N\":\"\"}}", DDB, "\"n\""));
}

/* levels: the innermost value's level (the item's attributes are level 1). */
static char *nested(const char *open, const char *leaf, const char *close, int levels)
{
	lay_buf b = LAY_BUF_INIT;
	int i;

	lay_buf_adds(&b, "{\"a\":");
	for (i = 1; i < levels; i++)
		lay_buf_adds(&b, open);
	lay_buf_adds(&b, leaf);
	for (i = 1; i < levels; i++)
		lay_buf_adds(&b, close);
	lay_buf_adds(&b, "}");
	return b.p;
}

static int nests(const char *open, const char *leaf, const char *close, int levels,
		 lay_format fmt)
{
	char *text = nested(open, leaf, close, levels);
	int ok = text && (levels <= LAY_MAX_DEPTH ? canonical(text, fmt)
					       : rejects(text, fmt, "Nesting Levels"));

	free(text);
	return ok;
}

static int nest_rejected(const char *open, const char *leaf, const char *close, int levels,
			 lay_format fmt)
{
	char *text = nested(open, leaf, close, levels);
	int ok = text && rejects(text, fmt, "Nesting Levels");

	free(text);
	return ok;
}

static void test_json_parse__32_levels_are_accepted_in_both_formats(void)
{
	CHECK(nests("{\"a\":", "1", "}", 32, PLAIN));
	CHECK(nests("[", "1", "]", 32, PLAIN));
	CHECK(nests("{\"a\":", "{\"SS\":[\"x\"]}", "}", 32, PLAIN));
	CHECK(nests("{\"M\":{\"a\":", "{\"N\":\"1\"}", "}}", 32, DDB));
	CHECK(nests("{\"L\":[", "{\"N\":\"1\"}", "]}", 32, DDB));
	CHECK(nests("{\"L\":[", "{\"BS\":[\"AA==\"]}", "]}", 32, DDB));
}

static void test_json_parse__33_levels_are_rejected_in_both_formats(void)
{
	CHECK(nests("{\"a\":", "1", "}", 33, PLAIN));
	CHECK(nests("[", "1", "]", 33, PLAIN));
	CHECK(nests("{\"M\":{\"a\":", "{\"N\":\"1\"}", "}}", 33, DDB));
	CHECK(nests("{\"L\":[", "{\"N\":\"1\"}", "]}", 33, DDB));
	/* an M or L at level 32 opens level 33, even when empty */
	CHECK(nest_rejected("{\"a\":", "{}", "}", 32, PLAIN));
	CHECK(nest_rejected("[", "[]", "]", 32, PLAIN));
	CHECK(nest_rejected("{\"M\":{\"a\":", "{\"M\":{}}", "}}", 32, DDB));
	CHECK(nest_rejected("{\"M\":{\"a\":", "{\"L\":[]}", "}}", 32, DDB));
	CHECK(nests("{\"a\":", "{}", "}", 31, PLAIN));
}

/* The most brackets open at once in text (outside strings: none here). */
static unsigned bracket_depth(const char *text)
{
	unsigned d = 0, most = 0;

	for (; *text; text++) {
		if (*text == '{' || *text == '[')
			most = ++d > most ? d : most;
		else if (*text == '}' || *text == ']')
			d--;
	}
	return most;
}

static void test_json_max_brackets__is_the_depth_of_the_deepest_valid_item(void)
{
	char *plain = nested("{\"a\":", "{\"SS\":[\"x\"]}", "}", 32);
	char *ddb = nested("{\"M\":{\"a\":", "{\"SS\":[\"x\"]}", "}}", 32);

	CHECK(plain && canonical(plain, PLAIN));
	CHECK(plain && bracket_depth(plain) == lay_json_max_brackets(PLAIN));
	CHECK(ddb && canonical(ddb, DDB));
	CHECK(ddb && bracket_depth(ddb) == lay_json_max_brackets(DDB));
	free(plain);
	free(ddb);
}

static void test_json_parse__nesting_beyond_cjson_limit_is_rejected_with_a_message(void)
{
	size_t n = 5000;
	char *text = malloc(2 * n + 8);

	if (!text) {
		CHECK(0);
		return;
	}
	strcpy(text, "{\"a\":");
	memset(text + 5, '[', n);
	memset(text + 5 + n, ']', n);
	strcpy(text + 5 + 2 * n, "}");
	CHECK(rejects(text, PLAIN, "Nesting Levels"));
	CHECK(rejects(text, DDB, "Nesting Levels"));
	memset(text, '{', 2 * n);
	text[2 * n] = '\0';
	CHECK(rejects(text, PLAIN, "Nesting Levels"));
	free(text);
}

static void test_json_parse__empty_set_is_rejected(void)
{
	CHECK(rejects("{\"s\":{\"SS\":[]}}", PLAIN, "An string set  may not be empty"));
	CHECK(rejects("{\"s\":{\"NS\":[]}}", PLAIN, "An number set  may not be empty"));
	CHECK(rejects("{\"s\":{\"BS\":[]}}", PLAIN, "Binary sets should not be empty"));
	CHECK(rejects("{\"s\":{\"SS\":[]}}", DDB, "An string set  may not be empty"));
	CHECK(rejects("{\"s\":{\"NS\":[]}}", DDB, "An number set  may not be empty"));
	CHECK(rejects("{\"s\":{\"BS\":[]}}", DDB, "\"s\""));
}

static void test_json_parse__duplicate_set_member_is_rejected(void)
{
	CHECK(rejects("{\"s\":{\"SS\":[\"a\",\"b\",\"a\"]}}", PLAIN, "duplicates"));
	CHECK(rejects("{\"s\":{\"NS\":[1,1.0]}}", PLAIN, "duplicates"));
	CHECK(rejects("{\"s\":{\"NS\":[100,1e2]}}", PLAIN, "100"));
	CHECK(rejects("{\"s\":{\"BS\":[\"AA==\",\"AQ==\",\"AA==\"]}}", PLAIN, "AA=="));
	CHECK(rejects("{\"s\":{\"SS\":[\"x\",\"x\"]}}", DDB, "duplicates"));
	CHECK(rejects("{\"s\":{\"NS\":[\"1\",\"1.0\"]}}", DDB, "duplicates"));
	CHECK(rejects("{\"s\":{\"BS\":[\"AQ==\",\"AQ==\"]}}", DDB, "\"s\""));
	/* members that differ only in length are distinct */
	CHECK(canonical("{\"s\":{\"SS\":[\"a\",\"ab\",\"\"]}}", PLAIN));
}

static void test_json_parse__duplicate_attribute_name_is_rejected(void)
{
	CHECK(rejects("{\"a\":1,\"b\":2,\"a\":3}", PLAIN, "duplicate attribute name"));
	CHECK(rejects("{\"a\":1,\"\\u0061\":1}", PLAIN, "attribute \"a\""));
	CHECK(rejects("{\"m\":{\"x\":1,\"x\":1}}", PLAIN, "attribute \"m.x\""));
	CHECK(rejects("{\"a\":{\"S\":\"x\"},\"a\":{\"S\":\"y\"}}", DDB, "duplicate"));
	CHECK(rejects("{\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"x\":{\"N\":\"2\"}}}}", DDB,
		      "attribute \"m.x\""));
	/* names that share a prefix are distinct */
	CHECK(canonical("{\"a\":1,\"ab\":2,\"m\":{\"x\":1,\"xy\":2}}", PLAIN));
}

static void test_json_parse__empty_attribute_name_is_rejected(void)
{
	CHECK(rejects("{\"\":1}", PLAIN, "empty"));
	CHECK(rejects("{\"m\":{\"\":1}}", PLAIN, "attribute \"m\""));
	CHECK(rejects("{\"\":{\"S\":\"x\"}}", DDB, "empty"));
}

static void test_json_parse__attribute_names_up_to_65535_bytes_are_accepted(void)
{
	size_t n = LAY_MAX_NAME;
	char *text = malloc(n + 16);
	lay_item it = LAY_ITEM_INIT;

	if (!text) {
		CHECK(0);
		return;
	}
	text[0] = '{';
	text[1] = '"';
	memset(text + 2, 'k', n);
	strcpy(text + 2 + n, "\":1}");
	CHECK(parse(&it, text, strlen(text), PLAIN) == 0 && it.n == 1 &&
	      it.a[0].name_len == n);
	lay_item_free(&it);
	memset(text + 2, 'k', n + 1);
	strcpy(text + 3 + n, "\":1}");
	CHECK(rejects(text, PLAIN, "65535"));
	free(text);
}

static void test_json_parse__invalid_json_is_rejected(void)
{
	CHECK(rejects("{", PLAIN, "invalid JSON"));
	CHECK(rejects("{\"a\":}", PLAIN, "invalid JSON"));
	CHECK(rejects("{\"a\":1,}", PLAIN, "invalid JSON"));
	CHECK(rejects("{'a':1}", PLAIN, "invalid JSON"));
	CHECK(rejects("{\"a\":tru}", PLAIN, "invalid JSON"));
	CHECK(rejects("{\"a\":\"x}", PLAIN, "invalid JSON"));
	CHECK(rejects("{\"a\":\"\\x\"}", PLAIN, "invalid JSON"));
	CHECK(rejects("{\"a\":\"\\ud800\"}", PLAIN, "surrogate pair"));
	CHECK(rejects("{\n\"a\":1\n\"b\":2}", PLAIN, "line 3"));
	CHECK(rejects("{\"a\":\x01 1}", PLAIN, "control byte"));
	CHECK(rejects("{\"a\":{\"S\":\"x\"}", DDB, "invalid JSON"));
}

/* A commit's message says as much as a refused write's: where and what. */
static void test_json_parse__invalid_json_says_where_and_why(void)
{
	CHECK(rejects("{\"a\":}", PLAIN, "(offset 5)"));
	CHECK(rejects("{\"a\":tru}", PLAIN, "offset"));
	CHECK(rejects("{\"a\":1", PLAIN, "the text ends before the item does"));
	CHECK(rejects("{\"bad", PLAIN, "the text ends before the item does"));
}

static void test_json_parse__trailing_garbage_is_rejected(void)
{
	CHECK(rejects("{} x", PLAIN, "after the item"));
	CHECK(rejects("{}{}", PLAIN, "after the item"));
	CHECK(rejects("{\"a\":1}]", DDB, "after the item"));
	CHECK(rejects_n("{}\0", 3, PLAIN, "JSON"));
	CHECK(canonical("{}", PLAIN));
	CHECK(renders_as(" \t\r\n{ \"a\" : 1 }\n\n ", PLAIN, PLAIN, "{\"a\":1}"));
	CHECK(renders_as("\xEF\xBB\xBF{\"a\":1}", PLAIN, PLAIN, "{\"a\":1}"));
}

static void test_json_parse__top_level_must_be_an_object(void)
{
	CHECK(rejects("[]", PLAIN, "must be a JSON object"));
	CHECK(rejects("[{\"a\":1}]", PLAIN, "must be a JSON object"));
	CHECK(rejects("\"a\"", PLAIN, "must be a JSON object"));
	CHECK(rejects("12", PLAIN, "must be a JSON object"));
	CHECK(rejects("null", DDB, "must be a JSON object"));
}

static void test_json_parse__invalid_utf8_is_rejected(void)
{
	CHECK(rejects("{\"a\":\"\xff\"}", PLAIN, "UTF-8"));
	CHECK(rejects("{\"a\":\"\xc0\xaf\"}", PLAIN, "UTF-8"));          /* overlong */
	CHECK(rejects("{\"a\":\"\xe0\x80\xaf\"}", PLAIN, "UTF-8"));      /* overlong */
	CHECK(rejects("{\"a\":\"\xed\xa0\x80\"}", PLAIN, "UTF-8"));      /* surrogate */
	CHECK(rejects("{\"a\":\"\xe2\x82\"}", PLAIN, "UTF-8"));          /* truncated */
	CHECK(rejects("{\"a\":\"\xf4\x90\x80\x80\"}", PLAIN, "UTF-8"));  /* > U+10FFFF */
	CHECK(rejects("{\"a\":\"x\x80y\"}", PLAIN, "attribute \"a\""));
	CHECK(rejects("{\"\xfe\":1}", PLAIN, "attribute name is not valid UTF-8"));
	CHECK(rejects("{\"a\":{\"SS\":[\"\xff\"]}}", PLAIN, "UTF-8"));
	CHECK(rejects("{\"a\":{\"S\":\"\xc3\"}}", DDB, "UTF-8"));
	CHECK(canonical("{\"\xc3\xa9\":\"\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"}",
			PLAIN));
	CHECK(renders_as("{\"a\":\"\\u00e9\\ud83d\\ude00\"}", PLAIN, PLAIN,
			 "{\"a\":\"\xc3\xa9\xf0\x9f\x98\x80\"}"));
}

static void test_json_parse__u0000_is_rejected(void)
{
	CHECK(rejects("{\"a\":\"x\\u0000y\"}", PLAIN, "U+0000"));
	CHECK(rejects("{\"a\\u0000\":1}", PLAIN, "U+0000"));
	CHECK(rejects("{\"m\":{\"k\":[\"ok\",\"\\u0000\"]}}", PLAIN, "attribute \"m.k[1]\""));
	CHECK(rejects("{\"a\":{\"SS\":[\"\\u0000\"]}}", PLAIN, "U+0000"));
	CHECK(rejects("{\"a\":{\"S\":\"\\u0000\"}}", DDB, "U+0000"));
	/* an escaped backslash followed by u0000 is just text */
	CHECK(renders_as("{\"a\":\"\\\\u0000\"}", PLAIN, PLAIN, "{\"a\":\"\\\\u0000\"}"));
	CHECK(renders_as("{\"a\":\"\\u0001\"}", PLAIN, PLAIN, "{\"a\":\"\\u0001\"}"));
}

static void test_json_parse__u_escape_without_four_hex_digits_is_rejected(void)
{
	/* not read as U+0000, which cut the string short */
	CHECK(rejects("{\"a\":\"ab\\u00ne9cd\"}", PLAIN, "invalid escape: \\u needs four"));
	CHECK(rejects("{\"a\":\"ab\\uzzzz\"}", PLAIN, "attribute \"a\""));
	CHECK(rejects("{\"a\\u12\":1}", PLAIN, "invalid"));
	CHECK(rejects("{\"a\":{\"S\":\"\\u00G0\"}}", DDB, "invalid escape"));
	CHECK(renders_as("{\"a\":\"\\u00E9\\u00e9\"}", PLAIN, PLAIN,
			 "{\"a\":\"\xC3\xA9\xC3\xA9\"}"));
}

static void test_json_parse__raw_control_character_in_a_string_is_rejected(void)
{
	CHECK(rejects("{\"a\":\"x\ny\"}", PLAIN, "control character"));
	CHECK(rejects("{\"a\":\"x\ty\"}", PLAIN, "attribute \"a\""));
	CHECK(rejects_n("{\"a\":\"x\0y\"}", 11, PLAIN, "control character"));
	CHECK(rejects("{\"a\nb\":1}", DDB, "control character"));
}

static void test_json_parse__empty_input_is_an_empty_item(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(parse(&it, "", 0, PLAIN), 0);
	CHECK(it.n == 0);
	CHECK_RC(parse(&it, NULL, 0, DDB), 0);
	CHECK(it.n == 0);
	CHECK_RC(parse(&it, " \n\t\r ", 5, DDB), 0);
	CHECK(it.n == 0);
	CHECK_RC(lay_json_render(&b, &it, PLAIN), 0);
	CHECK_STR(b.p, "{}\n");
	lay_buf_free(&b);
	lay_item_free(&it);
	CHECK(canonical("{}", DDB));
}

static lay_type type_of(const char *text, const char *name)
{
	lay_item it = LAY_ITEM_INIT;
	const lay_attr *a;
	lay_type t = 0;

	if (parse(&it, text, strlen(text), PLAIN) == 0 &&
	    (a = lay_item_find(&it, name, strlen(name))))
		t = a->v.type;
	lay_item_free(&it);
	return t;
}

static void test_json_parse__plain_one_member_wrappers_are_their_types(void)
{
	CHECK(type_of("{\"a\":{\"SS\":[\"a\"]}}", "a") == LAY_SS);
	CHECK(type_of("{\"a\":{\"NS\":[1]}}", "a") == LAY_NS);
	CHECK(type_of("{\"a\":{\"BS\":[\"AA==\"]}}", "a") == LAY_BS);
	CHECK(type_of("{\"a\":{\"B\":\"AAEC\"}}", "a") == LAY_B);
	CHECK(type_of("{\"a\":{\"B\":\"\"}}", "a") == LAY_B);
	/* anything else is an ordinary map */
	CHECK(type_of("{\"a\":{\"SS\":[\"a\"],\"x\":1}}", "a") == LAY_M);
	CHECK(renders_as("{\"a\":{\"B\":\"!!\"}}", PLAIN, DDB,
			 "{\"a\":{\"M\":{\"B\":{\"S\":\"!!\"}}}}"));
	CHECK(renders_as("{\"a\":{\"B\":\"AAE=\"}}", PLAIN, DDB,
			 "{\"a\":{\"B\":\"AAE=\"}}"));
	/* not strict base64: the bits after the last byte are not zero */
	CHECK(renders_as("{\"a\":{\"B\":\"AAF=\"}}", PLAIN, DDB,
			 "{\"a\":{\"M\":{\"B\":{\"S\":\"AAF=\"}}}}"));
	CHECK(renders_as("{\"a\":{\"SS\":5}}", PLAIN, DDB,
			 "{\"a\":{\"M\":{\"SS\":{\"N\":\"5\"}}}}"));
	CHECK(renders_as("{\"a\":{\"NS\":[\"1\"]}}", PLAIN, DDB,
			 "{\"a\":{\"M\":{\"NS\":{\"L\":[{\"S\":\"1\"}]}}}}"));
	CHECK(renders_as("{\"a\":{\"SS\":[\"a\",1]}}", PLAIN, DDB,
			 "{\"a\":{\"M\":{\"SS\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}}}}"));
	CHECK(type_of("{\"a\":{\"BS\":[\"AA==\",\"!!\"]}}", "a") == LAY_M);
	CHECK(type_of("{\"a\":{\"S\":\"x\"}}", "a") == LAY_M);
	CHECK(type_of("{\"a\":{\"ss\":[\"x\"]}}", "a") == LAY_M);
}

static void test_json_parse__ddb_values_must_be_typed_wrappers(void)
{
	CHECK(rejects("{\"a\":\"x\"}", DDB, "attribute \"a\": expected a DynamoDB JSON value"));
	CHECK(rejects("{\"a\":1}", DDB, "expected a DynamoDB JSON value"));
	CHECK(rejects("{\"a\":[]}", DDB, "expected a DynamoDB JSON value"));
	CHECK(rejects("{\"a\":{}}", DDB, "empty"));
	CHECK(rejects("{\"a\":{\"S\":\"x\",\"N\":\"1\"}}", DDB, "more than one"));
	CHECK(rejects("{\"a\":{\"X\":\"x\"}}", DDB, "unknown type \"X\""));
	CHECK(rejects("{\"a\":{\"s\":\"x\"}}", DDB, "unknown type"));
	CHECK(rejects("{\"a\":{\"N\":\"abc\"}}", DDB, "abc"));
	CHECK(rejects("{\"a\":{\"N\":5}}", DDB, "N must be a JSON string"));
	CHECK(rejects("{\"a\":{\"S\":5}}", DDB, "S must be a JSON string"));
	CHECK(rejects("{\"a\":{\"B\":\"!!\"}}", DDB, "base64"));
	CHECK(rejects("{\"a\":{\"B\":\"AAF=\"}}", DDB, "base64"));
	CHECK(rejects("{\"a\":{\"BOOL\":\"true\"}}", DDB, "BOOL"));
	CHECK(rejects("{\"a\":{\"NULL\":false}}", DDB, "Null attribute"));
	CHECK(rejects("{\"a\":{\"M\":[]}}", DDB, "M must be a JSON object"));
	CHECK(rejects("{\"a\":{\"L\":{}}}", DDB, "L must be a JSON array"));
	CHECK(rejects("{\"a\":{\"L\":[1]}}", DDB, "attribute \"a[0]\""));
	CHECK(rejects("{\"a\":{\"SS\":\"x\"}}", DDB, "SS must be"));
	CHECK(rejects("{\"a\":{\"SS\":[1]}}", DDB, "SS members must be JSON strings"));
	CHECK(rejects("{\"a\":{\"NS\":[1]}}", DDB, "NS members must be JSON strings"));
	CHECK(rejects("{\"a\":{\"BS\":[\"!!\"]}}", DDB, "attribute \"a[0]\""));
	CHECK(rejects("{\"a\":{\"M\":{\"b\":\"x\"}}}", DDB, "attribute \"a.b\""));
	CHECK(canonical("{\"a\":{\"B\":\"AAEC\"}}", DDB));
}

static void test_json_parse__errors_name_the_attribute_path(void)
{
	CHECK(rejects("{\"a\":{\"b\":[1,2,1e999]}}", PLAIN, "attribute \"a.b[2]\""));
	CHECK(rejects("{\"a\":{\"M\":{\"b\":{\"L\":[{\"N\":\"1\"},{\"N\":\"x\"}]}}}}", DDB,
		      "attribute \"a.b[1]\""));
	CHECK(rejects("{\"ok\":1,\"s\":{\"NS\":[1,2,1e-200]}}", PLAIN, "attribute \"s[2]\""));
}

static void test_json_render__keeps_attribute_member_and_set_order(void)
{
	CHECK(canonical("{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2},\"s\":{\"SS\":[\"b\",\"a\"]},"
			"\"n\":{\"NS\":[10,2,-1]},\"bs\":{\"BS\":[\"Ag==\",\"AQ==\"]}}", PLAIN));
	CHECK(canonical("{\"z\":{\"N\":\"1\"},\"a\":{\"SS\":[\"b\",\"a\"]}}", DDB));
}

static void test_json_render__appends_one_line_to_the_buffer(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;

	lay_buf_adds(&b, "x");
	static const char text[] = "{ \"a\" : [ 1 , { \"b\" : null } ] }";

	CHECK_RC(parse(&it, text, sizeof(text) - 1, PLAIN), 0);
	CHECK_RC(lay_json_render(&b, &it, PLAIN), 0);
	CHECK_RC(lay_json_render(&b, &it, DDB), 0);
	CHECK_STR(b.p, "x{\"a\":[1,{\"b\":null}]}\n"
		       "{\"a\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"b\":{\"NULL\":true}}}]}}\n");
	lay_buf_free(&b);
	lay_item_free(&it);
}

static void test_json_render_ddb_value__renders_one_value_without_newline(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;

	static const char text[] = "{\"a\":{\"x\":[2.50,{\"NS\":[1]}]},\"b\":{\"B\":\"AQ==\"}}";

	CHECK_RC(parse(&it, text, sizeof(text) - 1, PLAIN), 0);
	if (it.n == 2) {
		CHECK_RC(lay_json_render_ddb_value(&b, &it.a[0].v), 0);
		CHECK_STR(b.p, "{\"M\":{\"x\":{\"L\":[{\"N\":\"2.5\"},{\"NS\":[\"1\"]}]}}}");
		lay_buf_reset(&b);
		CHECK_RC(lay_json_render_ddb_value(&b, &it.a[1].v), 0);
		CHECK_STR(b.p, "{\"B\":\"AQ==\"}");
	} else {
		CHECK(0);
	}
	lay_buf_free(&b);
	lay_item_free(&it);
}

static void test_json_quote__escapes_quotes_backslashes_and_control_characters(void)
{
	lay_buf b = LAY_BUF_INIT;
	static const char s[] = "a\"b\\c\nd\te\rf\bg\fh\x01i\x1fj\x7fk/l\xc3\xa9m";

	CHECK_RC(lay_json_quote(&b, s, sizeof(s) - 1), 0);
	CHECK_STR(b.p, "\"a\\\"b\\\\c\\nd\\te\\rf\\bg\\fh\\u0001i\\u001fj\\u007fk/l\xc3\xa9m\"");
	lay_buf_reset(&b);
	CHECK_RC(lay_json_quote(&b, "x\0y", 3), 0);
	CHECK(b.len == 10 && memcmp(b.p, "\"x\\u0000y\"", 10) == 0);
	lay_buf_reset(&b);
	CHECK_RC(lay_json_quote(&b, "", 0), 0);
	CHECK_STR(b.p, "\"\"");
	lay_buf_free(&b);
}

/* The escape of byte c as JSON text, one byte at a time (the reference). */
static size_t escape_ref(char *out, unsigned char c)
{
	static const char shorts[] = "\"\"\\\\\nn\tt\rr\bb\ff";
	size_t k;

	for (k = 0; shorts[k]; k += 2)
		if ((unsigned char)shorts[k] == c)
			return (size_t)sprintf(out, "\\%c", shorts[k + 1]);
	if (c < 0x20 || c == 0x7f)
		return (size_t)sprintf(out, "\\u%04x", c);
	out[0] = (char)c;
	return 1;
}

/* Quoting skips ordinary bytes eight at a time: every byte, at every place
 * of a string longer than two words, is escaped as one at a time would. */
static void test_json_quote__every_byte_at_every_offset_matches_a_bytewise_quote(void)
{
	lay_buf b = LAY_BUF_INIT;
	char s[21], want[64];
	unsigned c;
	size_t at, k, n;
	int bad = 0;

	for (c = 0; c < 256; c++) {
		for (at = 0; at < sizeof(s); at++) {
			memset(s, 'a', sizeof(s));
			s[at] = (char)c;
			n = 0;
			want[n++] = '"';
			for (k = 0; k < sizeof(s); k++)
				n += escape_ref(want + n, (unsigned char)s[k]);
			want[n++] = '"';
			lay_buf_reset(&b);
			if (lay_json_quote(&b, s, sizeof(s)) < 0 || b.len != n ||
			    memcmp(b.p, want, n) != 0)
				bad++;
		}
	}
	CHECK(bad == 0);
	lay_buf_free(&b);
}

/* Parsing skips a string's ordinary bytes and checks UTF-8 eight at a
 * time: a quote, a control byte, a bad or a good multi-byte character at
 * any place of a long string is found there. */
static void test_json_parse__string_faults_are_found_at_every_offset(void)
{
	static const char *const cases[] = { "\x01", "\xff", "\xc3", "\"" };
	char text[64], val[32];
	size_t at, k;
	int bad = 0, good = 0;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (at = 0; at < 20; at++) {
			lay_item it = LAY_ITEM_INIT;
			lay_err err = { 0, "" };

			memset(val, 'v', 20);
			val[20] = '\0';
			val[at] = cases[k][0];
			snprintf(text, sizeof(text), "{\"a\":\"%s\"}", val);
			if (lay_json_parse(&it, text, strlen(text), PLAIN, &err) != -EINVAL)
				bad++;
			lay_item_free(&it);
		}
	}
	for (at = 0; at + 2 <= 20; at++) {
		lay_item it = LAY_ITEM_INIT;
		lay_err err = { 0, "" };

		memset(val, 'v', 20);
		val[20] = '\0';
		memcpy(val + at, "\xc3\xa9", 2);
		snprintf(text, sizeof(text), "{\"a\":\"%s\"}", val);
		if (lay_json_parse(&it, text, strlen(text), PLAIN, &err) == 0 && it.n == 1 &&
		    it.a[0].v.len == 20 && memcmp(it.a[0].v.u.p, val, 20) == 0)
			good++;
		lay_item_free(&it);
	}
	CHECK(bad == 0);
	CHECK(good == 19);
}

/* Half of a surrogate pair is named as such (cJSON alone would only say
 * the document is invalid); a whole pair is its character. */
static void test_json_parse__a_lone_surrogate_escape_is_named(void)
{
	const char *want = "half of a UTF-16 surrogate pair";

	CHECK(rejects("{\"v\":\"ab\\ud83d\"}", PLAIN, want));
	CHECK(rejects("{\"v\":\"\\ude00\"}", PLAIN, want));
	CHECK(rejects("{\"v\":\"\\ud83d\\u0041\"}", PLAIN, want));
	CHECK(rejects("{\"\\udbff\":1}", PLAIN, want));
	CHECK(rejects("{\"v\":{\"S\":\"\\ud800\"}}", DDB, want));
	CHECK(renders_as("{\"v\":\"x\\ud83d\\ude00y\\uDBFF\\uDFFF\"}", PLAIN, PLAIN,
			 "{\"v\":\"x\xf0\x9f\x98\x80y\xf4\x8f\xbf\xbf\"}"));
}

static void test_json_parse__strings_with_escapes_round_trip(void)
{
	CHECK(renders_as("{\"a\":\"\\/\\\"\\\\\\b\\f\\n\\r\\t\\u001F\\u0041\"}", PLAIN, PLAIN,
			 "{\"a\":\"/\\\"\\\\\\b\\f\\n\\r\\t\\u001fA\"}"));
	CHECK(canonical("{\"k\\n\\\"\":{\"S\":\"\\\\\\u0002\"}}", DDB));
}

static void *no_memory(size_t n)
{
	(void)n;
	return NULL;
}

/* cJSON out of memory under valid text: ENOMEM, not "invalid JSON" (an
 * import would count the record as bad and go on without it). */
static void test_json_parse__valid_text_without_memory_is_enomem(void)
{
	cJSON_Hooks hooks = { no_memory, free };
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	const char *text = "{\"a\":1,\"b\":[\"x\"]}";

	cJSON_InitHooks(&hooks);
	CHECK_RC(lay_json_parse(&it, text, strlen(text), LAY_FMT_PLAIN, &err), -ENOMEM);
	cJSON_InitHooks(NULL);
	CHECK(strstr(err.msg, "out of memory") != NULL);
	lay_item_free(&it);
	CHECK_RC(lay_json_parse(&it, text, strlen(text), LAY_FMT_PLAIN, &err), 0);
	lay_item_free(&it);
}

int main(void)
{
	RUN(test_json_parse__valid_text_without_memory_is_enomem);
	RUN(test_json_parse__all_ten_types_round_trip_in_plain);
	RUN(test_json_len__equals_the_rendered_length_without_rendering);
	RUN(test_json_parse__all_ten_types_round_trip_in_ddb);
	RUN(test_json_render__plain_and_ddb_describe_the_same_item);
	RUN(test_json_parse__values_have_their_types_and_bytes);
	RUN(test_json_parse__38_digit_number_reads_back_digit_for_digit);
	RUN(test_json_parse__numbers_are_canonicalized);
	RUN(test_json_parse__numbers_longer_than_63_characters_are_exact);
	RUN(test_json_parse__number_literals_stay_aligned_with_their_nodes);
	RUN(test_json_parse__number_out_of_range_is_rejected);
	RUN(test_json_parse__number_outside_json_grammar_is_rejected);
	RUN(test_json_parse__32_levels_are_accepted_in_both_formats);
	RUN(test_json_parse__33_levels_are_rejected_in_both_formats);
	RUN(test_json_parse__nesting_beyond_cjson_limit_is_rejected_with_a_message);
	RUN(test_json_max_brackets__is_the_depth_of_the_deepest_valid_item);
	RUN(test_json_parse__empty_set_is_rejected);
	RUN(test_json_parse__duplicate_set_member_is_rejected);
	RUN(test_json_parse__duplicate_attribute_name_is_rejected);
	RUN(test_json_parse__empty_attribute_name_is_rejected);
	RUN(test_json_parse__attribute_names_up_to_65535_bytes_are_accepted);
	RUN(test_json_parse__invalid_json_is_rejected);
	RUN(test_json_parse__invalid_json_says_where_and_why);
	RUN(test_json_parse__trailing_garbage_is_rejected);
	RUN(test_json_parse__top_level_must_be_an_object);
	RUN(test_json_parse__invalid_utf8_is_rejected);
	RUN(test_json_parse__u0000_is_rejected);
	RUN(test_json_parse__u_escape_without_four_hex_digits_is_rejected);
	RUN(test_json_parse__raw_control_character_in_a_string_is_rejected);
	RUN(test_json_parse__empty_input_is_an_empty_item);
	RUN(test_json_parse__plain_one_member_wrappers_are_their_types);
	RUN(test_json_parse__ddb_values_must_be_typed_wrappers);
	RUN(test_json_parse__errors_name_the_attribute_path);
	RUN(test_json_render__keeps_attribute_member_and_set_order);
	RUN(test_json_render__appends_one_line_to_the_buffer);
	RUN(test_json_render_ddb_value__renders_one_value_without_newline);
	RUN(test_json_quote__escapes_quotes_backslashes_and_control_characters);
	RUN(test_json_parse__strings_with_escapes_round_trip);
	RUN(test_json_parse__a_lone_surrogate_escape_is_named);
	RUN(test_json_quote__every_byte_at_every_offset_matches_a_bytewise_quote);
	RUN(test_json_parse__string_faults_are_found_at_every_offset);
	return check_done();
}
