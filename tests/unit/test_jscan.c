/* Unit tests of layout/jscan.c: the incremental JSON syntax scanner
 * (SPEC §5) — every token kind, the same verdict however the text is cut,
 * errors at the right offset, the nesting limit, CRLF, UTF-8, numbers,
 * trailing text, and agreement with lay_json_parse. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../../layout/item.h"
#include "../../layout/jscan.h"
#include "../../layout/json.h"
#include "check.h"

#define OBJ LAY_JSCAN_OBJECT

/* The verdict of pushing len bytes of text in one piece. */
static int scan_whole(const char *text, size_t len, unsigned depth, unsigned flags, lay_jscan *s,
		      lay_err *err)
{
	lay_jscan_init(s, depth, flags);
	return lay_jscan_push(s, text, len, err);
}

static int scan(const char *text, unsigned flags)
{
	lay_jscan s;

	return scan_whole(text, strlen(text), 0, flags, &s, NULL);
}

/* text fails at offset off with a message containing want. */
static int fails_at(const char *text, size_t len, unsigned depth, unsigned flags, size_t off,
		    const char *want)
{
	lay_err err = { 0, "" };
	lay_jscan s;
	int rc = scan_whole(text, len, depth, flags, &s, &err);
	int ok = rc == -EINVAL && err.code == -EINVAL && lay_jscan_bad_offset(&s) == off &&
		 strstr(err.msg, want) != NULL;

	if (!ok)
		fprintf(stderr, "  \"%.*s\": rc %d, offset %zu (wanted %zu), \"%s\"\n", (int)len,
			text, rc, lay_jscan_bad_offset(&s), off, err.msg);
	return ok;
}

static int fails(const char *text, unsigned flags, size_t off, const char *want)
{
	return fails_at(text, strlen(text), 0, flags, off, want);
}

/* text is one complete document ending at offset end. */
static int complete_at(const char *text, unsigned flags, size_t end)
{
	lay_err err = { 0, "" };
	lay_jscan s;
	int rc = scan_whole(text, strlen(text), 0, flags, &s, &err);

	if (rc != 1 || lay_jscan_end(&s) != end)
		fprintf(stderr, "  \"%s\": rc %d end %zu (wanted %zu) %s\n", text, rc,
			lay_jscan_end(&s), end, err.msg);
	return rc == 1 && lay_jscan_end(&s) == end;
}

static void test_jscan__every_token_kind_scans_to_complete(void)
{
	const char *doc = "{\"s\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\","
			  "\"n\":-0.5e+3,\"i\":0,\"f\":1.25,\"E\":2E-7,\"e\":10e5,"
			  "\"t\":true,\"F\":false,\"z\":null,\"a\":[],\"o\":{},"
			  "\"l\":[1,[2,{\"k\":\"v\"}],\"\",-0]}";

	CHECK(complete_at(doc, OBJ, strlen(doc)));
	CHECK(complete_at(doc, 0, strlen(doc)));
	CHECK(complete_at("{}", OBJ, 2));
	CHECK(complete_at("[]", 0, 2));
	CHECK(complete_at("\"x\"", 0, 3));
	CHECK(complete_at("true", 0, 4));
	CHECK(complete_at("false", 0, 5));
	CHECK(complete_at("null", 0, 4));
}

static void test_jscan__empty_and_whitespace_are_incomplete_not_errors(void)
{
	CHECK(scan("", OBJ) == 0);
	CHECK(scan(" \t\r\n", OBJ) == 0);
	CHECK(scan("\xEF\xBB\xBF", OBJ) == 0);
	CHECK(scan("{", OBJ) == 0);
	CHECK(scan("{\"a\"", OBJ) == 0);
	CHECK(scan("{\"a\":", OBJ) == 0);
	CHECK(scan("{\"a\":1", OBJ) == 0);
	CHECK(scan("{\"a\":[1,", OBJ) == 0);
	CHECK(scan("{\"a\":\"\\u00", OBJ) == 0);
	CHECK(scan("{\"a\":tr", OBJ) == 0);
	CHECK(scan("{\"a\":-", OBJ) == 0);
	CHECK(scan("{\"a\":1.5e", OBJ) == 0);
	CHECK(scan("{\"a\":\"\xE2\x82", OBJ) == 0);
}

static void test_jscan__crlf_and_whitespace_after_the_object_stay_complete(void)
{
	CHECK(complete_at("{\r\n  \"a\": 1,\r\n  \"b\": [true]\r\n}\r\n", OBJ, 30));
	CHECK(complete_at("\n\n  {\"a\":1}\n\n\t \n", OBJ, 11));
	CHECK(complete_at("\xEF\xBB\xBF{\"a\":1}\n", OBJ, 10));
	CHECK(complete_at("42 ", 0, 2));
	CHECK(complete_at("-0.5e+3\n", 0, 7));
}

static void test_jscan__a_top_level_number_is_incomplete_until_it_ends(void)
{
	lay_jscan s;

	CHECK(scan_whole("42", 2, 0, 0, &s, NULL) == 0);
	CHECK(lay_jscan_end(&s) == 0);
	CHECK(lay_jscan_offset(&s) == 2);
	CHECK(lay_jscan_push(&s, "0", 1, NULL) == 0);
	CHECK(lay_jscan_push(&s, "\n", 1, NULL) == 1);
	CHECK(lay_jscan_end(&s) == 3);
}

static void test_jscan__numbers_follow_the_strict_grammar(void)
{
	const char *good[] = { "0",   "-0",    "-0.5e+3",
			       "1E5", "12.50", "1e-0",
			       "0.0", "9e99",  "123456789012345678901234567890123456789012" };
	const char *bad[] = { "01",  "-",   "1.",   ".5", "+1", "1e",	 "1e+",
			      "--1", "0x1", "1.e3", "-a", "00", "1e+-2", "1.2.3" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		snprintf(text, sizeof(text), "{\"n\":%s}", good[i]);
		CHECK(complete_at(text, OBJ, strlen(text)));
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), "{\"n\":%s}", bad[i]);
		CHECK(scan(text, OBJ) == -EINVAL);
	}
	CHECK(fails("{\"n\":01}", OBJ, 6, "does not start with 0"));
	CHECK(fails("{\"n\":1.}", OBJ, 7, "needs a digit here, found '}'"));
	CHECK(fails("{\"n\":-x}", OBJ, 6, "needs a digit here, found 'x'"));
	CHECK(fails("{\"n\":1e+}", OBJ, 8, "needs a digit"));
	CHECK(fails("{\"n\":+1}", OBJ, 5, "expected a value, found '+'"));
	CHECK(fails("{\"n\":.5}", OBJ, 5, "expected a value, found '.'"));
}

static void test_jscan__errors_name_the_offset_line_and_column(void)
{
	lay_err err = { 0, "" };
	lay_jscan s;

	CHECK(fails("{bad", OBJ, 1, "expected a member name (a string) or '}', found 'b'"));
	CHECK(fails("{\"a\" 1}", OBJ, 5, "expected ':' after a member name, found '1'"));
	CHECK(fails("{\"a\":1 \"b\":2}", OBJ, 7, "expected ',' or '}' after a value"));
	CHECK(fails("{\"a\":[1 2]}", OBJ, 8, "expected ',' or ']' after a value"));
	CHECK(fails("{\"a\":[1,]}", OBJ, 8, "expected a value, found ']'"));
	CHECK(fails("{\"a\":1,}", OBJ, 7, "expected a member name (a string), found '}'"));
	CHECK(fails("{\"a\":1]", OBJ, 6, "expected ',' or '}'"));
	CHECK(fails("{\"a\":tru}", OBJ, 8, "expected the literal true, found '}'"));
	CHECK(fails("{\"a\":nul1}", OBJ, 8, "literal null"));
	CHECK(fails("{\"a\":\"\\x\"}", OBJ, 7, "unknown escape"));
	CHECK(fails("{\"a\":\"\\u12G4\"}", OBJ, 10, "four hex digits, found 'G'"));
	CHECK(fails("{\"a\":'x'}", OBJ, 5, "expected a value, found '''"));
	CHECK(fails("not json", OBJ, 0, "must be a JSON object: expected '{', found 'n'"));
	CHECK(fails("[1]", OBJ, 0, "must be a JSON object"));
	CHECK(fails("\"s\"", OBJ, 0, "must be a JSON object"));
	CHECK(fails("\xEF\xBB{}", OBJ, 2, "byte order mark"));
	CHECK(fails("{\x01}", OBJ, 1, "found byte 0x01"));

	CHECK(scan_whole("{\r\n  \"a\": 1\r\n  \"b\": 2}", 23, 0, OBJ, &s, &err) == -EINVAL);
	CHECK(lay_jscan_bad_offset(&s) == 15);
	CHECK(strstr(err.msg, "line 3, column 3 (offset 15)") != NULL);
}

static void test_jscan__trailing_text_after_the_object_is_an_error(void)
{
	CHECK(fails("{\"a\":1} x", OBJ, 8, "text after the end of the object's closing brace"));
	CHECK(fails("{}{}", OBJ, 2, "text after the end"));
	CHECK(fails("{}\r\n{}", OBJ, 4, "text after the end"));
	CHECK(fails("{}\f", OBJ, 2, "byte 0x0C"));
	CHECK(fails_at("{}\0", 3, 0, OBJ, 2, "byte 0x00"));
	CHECK(fails("true false", 0, 5, "text after the end of the document"));
}

static void test_jscan__a_failed_scanner_stays_failed(void)
{
	lay_err err = { 0, "" };
	lay_jscan s;

	CHECK(scan_whole("{x", 2, 0, OBJ, &s, NULL) == -EINVAL);
	CHECK(lay_jscan_push(&s, "}", 1, &err) == -EINVAL);
	CHECK(lay_jscan_bad_offset(&s) == 1);
	CHECK(strstr(err.msg, "offset 1") != NULL);
	CHECK(lay_jscan_push(&s, "", 0, NULL) == -EINVAL);
}

static void test_jscan__the_nesting_limit_counts_open_brackets(void)
{
	char deep[LAY_JSCAN_MAX_DEPTH + 2];

	CHECK(fails_at("[[[[", 4, 3, 0, 3, "more than 3 nested brackets"));
	CHECK(fails_at("{\"a\":{\"b\":{\"c\":[]}}}", 20, 3, OBJ, 15, "Nesting Levels"));
	{
		lay_jscan s;

		CHECK(scan_whole("[[[]]]", 6, 3, 0, &s, NULL) == 1);
		CHECK(scan_whole("{\"a\":[{}]}", 10, 3, OBJ, &s, NULL) == 1);
		/* depth goes down again: siblings do not add up */
		CHECK(scan_whole("[[[]],[[]],[[]]]", 16, 3, 0, &s, NULL) == 1);
	}
	/* 0 means the most the scanner can follow */
	memset(deep, '[', sizeof(deep));
	CHECK(fails_at(deep, LAY_JSCAN_MAX_DEPTH + 1, 0, 0, LAY_JSCAN_MAX_DEPTH, "Nesting"));
	CHECK(scan("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 0) == 0);
}

static void test_jscan__strings_are_utf8_without_raw_control_bytes(void)
{
	CHECK(
	    complete_at("{\"\xC3\xA9t\xC3\xA9\":\"\xE2\x82\xAC \xF0\x9F\x98\x80 \x7F\"}", OBJ, 22));
	CHECK(fails("{\"a\":\"x\ty\"}", OBJ, 7, "raw control character (byte 0x09)"));
	CHECK(fails("{\"a\":\"x\ny\"}", OBJ, 7, "raw control character"));
	CHECK(fails("{\"a\":\"\xC0\x80\"}", OBJ, 6, "not valid UTF-8 (byte 0xC0)"));
	CHECK(fails("{\"a\":\"\x80\"}", OBJ, 6, "not valid UTF-8"));
	CHECK(fails("{\"a\":\"\xE0\x80\x80\"}", OBJ, 7, "not valid UTF-8 (byte 0x80)"));
	CHECK(fails("{\"a\":\"\xED\xA0\x80\"}", OBJ, 7, "not valid UTF-8 (byte 0xA0)"));
	CHECK(fails("{\"a\":\"\xF4\x90\x80\x80\"}", OBJ, 7, "not valid UTF-8"));
	CHECK(fails("{\"a\":\"\xF5\"}", OBJ, 6, "not valid UTF-8"));
	CHECK(fails("{\"a\":\"\xE2\x82\"}", OBJ, 8, "not valid UTF-8 ('\"')"));
	CHECK(fails("{\xC3\xA9:1}", OBJ, 1, "found byte 0xC3"));
}

/* Texts for the split and agreement tests: valid, invalid and unfinished. */
static const char *const corpus[] = {
	"{\"s\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\",\"n\":-0.5e+3,\"i\":0,\"t\":true,"
	"\"F\":false,\"z\":null,\"a\":[],\"o\":{},\"l\":[1,[2,{\"k\":\"v\"}]]}\r\n",
	"\xEF\xBB\xBF {\"\xC3\xA9\":\"\xF0\x9F\x98\x80\"}\n",
	"{\"a\":1}   \n",
	"{\"a\":1} x",
	"{\"a\":[1,2,]}",
	"{\"a\":01}",
	"{\"a\":\"\xE2\x82\"}",
	"{\"a\":\"\\u12",
	"{\"a\":[[[[{\"b\":[[[",
	"{\"n\":1.5e-3,\"m\":-12.0E+2}",
	"{\r\n\"a\"\r\n:\r\n[\r\nnull\r\n]\r\n}\r\n\r\n",
	"{bad",
	"",
	"   ",
	"[1]",
	"{\"a\":tru",
	"{\"a\":true}}",
};

/* Cutting the text anywhere, and feeding it byte by byte, gives the verdict,
 * offsets and message of scanning it whole. */
static void test_jscan__split_at_every_byte_boundary_gives_the_same_verdict(void)
{
	size_t t, cut, i;

	for (t = 0; t < sizeof(corpus) / sizeof(*corpus); t++) {
		const char *text = corpus[t];
		size_t len = strlen(text);
		lay_err whole_err = { 0, "" };
		lay_jscan whole;
		int want = scan_whole(text, len, 0, OBJ, &whole, &whole_err);

		for (cut = 0; cut <= len; cut++) {
			lay_err err = { 0, "" };
			lay_jscan s;
			int rc;

			lay_jscan_init(&s, 0, OBJ);
			rc = lay_jscan_push(&s, text, cut, &err);
			if (rc >= 0)
				rc = lay_jscan_push(&s, text + cut, len - cut, &err);
			CHECK(rc == want);
			CHECK(lay_jscan_end(&s) == lay_jscan_end(&whole));
			CHECK(lay_jscan_bad_offset(&s) == lay_jscan_bad_offset(&whole));
			CHECK(strcmp(err.msg, whole_err.msg) == 0);
			if (rc != want)
				fprintf(stderr, "  corpus %zu cut at %zu: %d, wanted %d\n", t, cut,
					rc, want);
		}
		{
			lay_err err = { 0, "" };
			lay_jscan s;
			int rc = 0;

			lay_jscan_init(&s, 0, OBJ);
			for (i = 0; i < len && rc >= 0; i++)
				rc = lay_jscan_push(&s, text + i, 1, &err);
			CHECK(rc == want);
			CHECK(lay_jscan_bad_offset(&s) == lay_jscan_bad_offset(&whole));
			CHECK(strcmp(err.msg, whole_err.msg) == 0);
		}
	}
}

/* Any byte at any place of a long string gets the verdict and offset that
 * feeding the text one byte at a time gives (the scanner skips runs of
 * ordinary string bytes a word at a time). */
static void test_jscan__every_byte_in_a_string_is_judged_alike_in_runs_and_alone(void)
{
	char text[64];
	unsigned c, pos;
	size_t i;

	for (c = 0; c < 256; c++) {
		for (pos = 0; pos < 20; pos++) {
			lay_jscan whole, alone;
			int want, rc = 0;

			memcpy(text, "{\"s\":\"", 6);
			memset(text + 6, 'a', 24);
			text[6 + pos] = (char)c;
			memcpy(text + 30, "\"}", 2);
			want = scan_whole(text, 32, 0, OBJ, &whole, NULL);
			lay_jscan_init(&alone, 0, OBJ);
			for (i = 0; i < 32 && rc >= 0; i++)
				rc = lay_jscan_push(&alone, text + i, 1, NULL);
			CHECK(rc == want);
			CHECK(lay_jscan_bad_offset(&whole) == lay_jscan_bad_offset(&alone));
			if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
				CHECK(want == 1);
			else
				CHECK(want < 0 && lay_jscan_bad_offset(&whole) >= 6 + pos);
			if (rc != want)
				fprintf(stderr, "  byte 0x%02X at %u: %d, alone %d\n", c, pos, want,
					rc);
		}
	}
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* What the scanner refuses, lay_json_parse refuses too, and every text the
 * parser accepts the scanner finds complete (or empty): checked over the
 * corpus and random mutations of it. */
static void test_jscan__never_refuses_what_lay_json_parse_accepts(void)
{
	static const char bytes[] = "{}[]:,\"\\ \r\n\t0123456789-+.eEtrufalsn\x80\xC3\xA9\xEF";
	char text[512];
	size_t t, n, len, k;
	int disagree = 0;

	for (n = 0; n < 30000; n++) {
		const char *base = corpus[n % (sizeof(corpus) / sizeof(*corpus))];
		lay_item it = LAY_ITEM_INIT;
		lay_jscan s;
		int parsed, scanned;

		len = strlen(base);
		memcpy(text, base, len);
		for (k = rnd() % 3 + 1; k > 0 && len > 0; k--) {
			t = rnd() % len;
			switch (rnd() % 3) {
			case 0: /* replace */
				text[t] = bytes[rnd() % (sizeof(bytes) - 1)];
				break;
			case 1: /* delete */
				memmove(text + t, text + t + 1, len - t - 1);
				len--;
				break;
			default: /* insert */
				if (len + 1 < sizeof(text)) {
					memmove(text + t + 1, text + t, len - t);
					text[t] = bytes[rnd() % (sizeof(bytes) - 1)];
					len++;
				}
			}
		}
		parsed = lay_json_parse(&it, text, len, LAY_FMT_PLAIN, NULL) == 0;
		lay_item_free(&it);
		scanned = scan_whole(text, len, 0, OBJ, &s, NULL);
		if (parsed && scanned < 0) {
			if (disagree++ < 5)
				fprintf(stderr, "  parses but the scanner refuses: \"%.*s\"\n",
					(int)len, text);
		}
		if (parsed && scanned == 0) {
			/* only an empty text parses without being complete */
			k = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
			while (k < len && text[k] && strchr(" \t\r\n", text[k]))
				k++;
			if (k < len) {
				if (disagree++ < 5)
					fprintf(stderr, "  parses but is incomplete: \"%.*s\"\n",
						(int)len, text);
			}
		}
	}
	CHECK(disagree == 0);
}

int main(void)
{
	RUN(test_jscan__every_token_kind_scans_to_complete);
	RUN(test_jscan__empty_and_whitespace_are_incomplete_not_errors);
	RUN(test_jscan__crlf_and_whitespace_after_the_object_stay_complete);
	RUN(test_jscan__a_top_level_number_is_incomplete_until_it_ends);
	RUN(test_jscan__numbers_follow_the_strict_grammar);
	RUN(test_jscan__errors_name_the_offset_line_and_column);
	RUN(test_jscan__trailing_text_after_the_object_is_an_error);
	RUN(test_jscan__a_failed_scanner_stays_failed);
	RUN(test_jscan__the_nesting_limit_counts_open_brackets);
	RUN(test_jscan__strings_are_utf8_without_raw_control_bytes);
	RUN(test_jscan__split_at_every_byte_boundary_gives_the_same_verdict);
	RUN(test_jscan__every_byte_in_a_string_is_judged_alike_in_runs_and_alone);
	RUN(test_jscan__never_refuses_what_lay_json_parse_accepts);
	return check_done();
}
