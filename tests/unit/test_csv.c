/* Unit tests of layout/csv.c: RFC 4180 splitting (quotes, escapes,
 * delimiters, records over several lines) and items built from CSV rows
 * as DynamoDB's import builds them. */
#include <errno.h>
#include <string.h>

#include "../../layout/csv.h"
#include "../../layout/json.h"
#include "check.h"

/* Split text with delim; the fields must be want[0..n). */
static int splits_as(const char *text, char delim, const char *const *want, size_t n)
{
	lay_csv_row r = LAY_CSV_ROW_INIT;
	lay_err err = { 0, "" };
	size_t i;
	int ok;

	ok = lay_csv_split(&r, text, strlen(text), delim, &err) == 0 && r.n == n;
	for (i = 0; ok && i < n; i++)
		ok = r.len[i] == strlen(want[i]) && strcmp(lay_csv_field(&r, i), want[i]) == 0;
	if (!ok) {
		fprintf(stderr, "  split \"%s\": %s %zu fields:", text, err.msg, r.n);
		for (i = 0; i < r.n; i++)
			fprintf(stderr, " [%s]", lay_csv_field(&r, i));
		fprintf(stderr, "\n");
	}
	lay_csv_row_free(&r);
	return ok;
}

#define SPLITS(text, delim, ...)                                                           \
	splits_as(text, delim, (const char *const[]){ __VA_ARGS__ },                       \
		  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Splitting text fails with want and a message containing msg. */
static int split_fails(const char *text, int want, const char *msg)
{
	lay_csv_row r = LAY_CSV_ROW_INIT;
	lay_err err = { 0, "" };
	int rc = lay_csv_split(&r, text, strlen(text), ',', &err);
	int ok = rc == want && strstr(err.msg, msg) && r.n == 0;

	if (!ok)
		fprintf(stderr, "  split \"%s\": rc %d \"%s\", wanted %d \"%s\"\n", text, rc,
			err.msg, want, msg);
	lay_csv_row_free(&r);
	return ok;
}

static void test_csv_split__plain_fields_and_empty_ones(void)
{
	CHECK(SPLITS("a,b,c", ',', "a", "b", "c"));
	CHECK(SPLITS("", ',', ""));
	CHECK(SPLITS(",", ',', "", ""));
	CHECK(SPLITS("a,,c,", ',', "a", "", "c", ""));
	/* spaces are data */
	CHECK(SPLITS(" a , b ", ',', " a ", " b "));
}

static void test_csv_split__quoted_fields_hold_delimiters_and_doubled_quotes(void)
{
	CHECK(SPLITS("\"a,b\",c", ',', "a,b", "c"));
	CHECK(SPLITS("\"say \"\"hi\"\"\",x", ',', "say \"hi\"", "x"));
	CHECK(SPLITS("\"\",\"\"\"\"", ',', "", "\""));
	CHECK(SPLITS("\"line1\nline2\",z", ',', "line1\nline2", "z"));
	CHECK(SPLITS("x,\"\"", ',', "x", ""));
}

static void test_csv_split__each_dynamodb_delimiter(void)
{
	CHECK(SPLITS("a;b;\"c;d\"", ';', "a", "b", "c;d"));
	CHECK(SPLITS("a\tb\t\"c\td\"", '\t', "a", "b", "c\td"));
	CHECK(SPLITS("a|b|\"c|d\"", '|', "a", "b", "c|d"));
	CHECK(SPLITS("a:b:\"c:d\"", ':', "a", "b", "c:d"));
	CHECK(SPLITS("a b \"c d\"", ' ', "a", "b", "c d"));
	/* another delimiter's character is data */
	CHECK(SPLITS("a,b;c", ';', "a,b", "c"));
}

static void test_csv_split__a_quoted_field_over_lines_asks_for_more(void)
{
	static const char *const lines[] = { "1,\"first", "", "third\"\"\",end" };
	lay_csv_row r = LAY_CSV_ROW_INIT;
	lay_buf rec = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	size_t i = 0;
	int rc;

	lay_buf_adds(&rec, lines[i++]);
	while ((rc = lay_csv_split(&r, rec.p, rec.len, ',', &err)) == -EAGAIN && i < 3) {
		lay_buf_addc(&rec, '\n');
		lay_buf_adds(&rec, lines[i++]);
	}
	CHECK_RC(rc, 0);
	CHECK(r.n == 3);
	CHECK_STR(lay_csv_field(&r, 1), "first\n\nthird\"");
	CHECK_STR(lay_csv_field(&r, 2), "end");
	CHECK(split_fails("a,\"open", -EAGAIN, "field 2"));
	CHECK(split_fails("\"x\"\"", -EAGAIN, "past the end of the line"));
	lay_buf_free(&rec);
	lay_csv_row_free(&r);
}

static void test_csv_split__bad_quotes_are_rejected_with_a_message(void)
{
	lay_csv_row r = LAY_CSV_ROW_INIT;
	lay_err err = { 0, "" };

	CHECK(split_fails("ab\"c\",d", -EINVAL, "field 1: a quote inside an unquoted field"));
	CHECK(split_fails("a,b\"", -EINVAL, "field 2: a quote inside"));
	CHECK(split_fails("\"a\"b,c", -EINVAL, "field 1: text after the closing quote"));
	CHECK(split_fails("x,\"a\" ", -EINVAL, "field 2: text after the closing quote"));
	CHECK_RC(lay_csv_split(&r, "a", 1, '"', &err), -EINVAL);
	CHECK(strstr(err.msg, "delimiter") != NULL);
	/* the row is reusable after an error */
	CHECK_RC(lay_csv_split(&r, "p,q", 3, ',', &err), 0);
	CHECK(r.n == 2);
	lay_csv_row_free(&r);
	lay_csv_row_free(NULL);
}

static void test_csv_split__a_row_is_reused_across_records(void)
{
	lay_csv_row r = LAY_CSV_ROW_INIT;
	char text[4000];
	int i;

	for (i = 0; i < 999; i++)
		memcpy(text + 4 * i, "abc,", 4);
	memcpy(text + 4 * 999, "end", 3);
	CHECK_RC(lay_csv_split(&r, text, 3999, ',', NULL), 0);
	CHECK(r.n == 1000);
	CHECK_STR(lay_csv_field(&r, 999), "end");
	CHECK_RC(lay_csv_split(&r, "x", 1, ',', NULL), 0);
	CHECK(r.n == 1 && r.len[0] == 1);
	lay_csv_row_free(&r);
}

/* Build an item from CSV lines header and row under schema ks ("PK:S...");
 * it must equal want (DynamoDB JSON) with its attributes in want's order. */
static int builds(const char *ks_text, const char *header, const char *row, const char *want)
{
	lay_csv_row h = LAY_CSV_ROW_INIT, r = LAY_CSV_ROW_INIT;
	lay_item got = LAY_ITEM_INIT, exp = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_schema ks;
	size_t i;
	int ok;

	ok = lay_schema_parse(&ks, ks_text, strlen(ks_text), &err) == 0 &&
	     lay_csv_split(&h, header, strlen(header), ',', &err) == 0 &&
	     lay_csv_split(&r, row, strlen(row), ',', &err) == 0 &&
	     lay_csv_item(&got, &h, &r, &ks, &err) == 0 &&
	     lay_json_parse(&exp, want, strlen(want), LAY_FMT_DDB, &err) == 0 &&
	     lay_item_equal(&got, &exp) && got.n == exp.n;
	for (i = 0; ok && i < got.n; i++)
		ok = strcmp(got.a[i].name, exp.a[i].name) == 0;
	if (!ok) {
		lay_buf b = LAY_BUF_INIT;

		lay_json_render(&b, &got, LAY_FMT_DDB);
		fprintf(stderr, "  %s / %s: %s\n  got %s  wanted %s\n", header, row, err.msg,
			b.p ? b.p : "(nothing)\n", want);
		lay_buf_free(&b);
	}
	lay_item_free(&got);
	lay_item_free(&exp);
	lay_csv_row_free(&h);
	lay_csv_row_free(&r);
	return ok;
}

/* Building fails with want and a message containing msg; out stays empty. */
static int refuses_n(const char *ks_text, const char *header, size_t hlen, const char *row,
		     size_t rlen, int want, const char *msg)
{
	lay_csv_row h = LAY_CSV_ROW_INIT, r = LAY_CSV_ROW_INIT;
	lay_item got = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_schema ks;
	int rc, ok;

	lay_schema_parse(&ks, ks_text, strlen(ks_text), NULL);
	lay_csv_split(&h, header, hlen, ',', NULL);
	lay_csv_split(&r, row, rlen, ',', NULL);
	rc = lay_csv_item(&got, &h, &r, &ks, &err);
	ok = rc == want && strstr(err.msg, msg) && got.n == 0 && got.arena == NULL;
	if (!ok)
		fprintf(stderr, "  %s / %s: rc %d \"%s\", wanted %d \"%s\"\n", header, row, rc,
			err.msg, want, msg);
	lay_item_free(&got);
	lay_csv_row_free(&h);
	lay_csv_row_free(&r);
	return ok;
}

static int refuses(const char *ks_text, const char *header, const char *row, int want,
		   const char *msg)
{
	return refuses_n(ks_text, header, strlen(header), row, strlen(row), want, msg);
}

static void test_csv_item__string_keys_first_and_other_columns_as_strings(void)
{
	CHECK(builds("PK:S,SK:S", "name,PK,age,SK", "Ann,user#1,42,profile",
		     "{\"PK\":{\"S\":\"user#1\"},\"SK\":{\"S\":\"profile\"},"
		     "\"name\":{\"S\":\"Ann\"},\"age\":{\"S\":\"42\"}}"));
	CHECK(builds("id:S", "id,note", "k,\"a, b\"",
		     "{\"id\":{\"S\":\"k\"},\"note\":{\"S\":\"a, b\"}}"));
}

static void test_csv_item__number_and_binary_keys_are_typed_by_the_schema(void)
{
	CHECK(builds("id:N", "id,v", "007.50,1.0",
		     "{\"id\":{\"N\":\"7.5\"},\"v\":{\"S\":\"1.0\"}}"));
	CHECK(builds("h:B,r:N", "r,h", "-1e2,aGVsbG8=",
		     "{\"h\":{\"B\":\"aGVsbG8=\"},\"r\":{\"N\":\"-100\"}}"));
	CHECK(refuses("id:N", "id", "abc", -EINVAL, "CSV column id, the partition key: \"abc\" "
		      "is not a valid number"));
	CHECK(refuses("id:S,n:N", "id,n", "a,1e200", -EINVAL, "the sort key"));
	CHECK(refuses("h:B", "h", "not base64!", -EINVAL, "is not base64"));
}

static void test_csv_item__empty_fields_are_left_out_and_short_rows_are_padded(void)
{
	CHECK(builds("PK:S", "PK,a,b,c", "x,,2,", "{\"PK\":{\"S\":\"x\"},\"b\":{\"S\":\"2\"}}"));
	CHECK(builds("PK:S", "a,PK,b", "1,x", "{\"PK\":{\"S\":\"x\"},\"a\":{\"S\":\"1\"}}"));
	/* "" quoted is empty too */
	CHECK(builds("PK:S", "PK,a", "x,\"\"", "{\"PK\":{\"S\":\"x\"}}"));
}

static void test_csv_item__key_problems_are_refused_with_a_message(void)
{
	CHECK(refuses("PK:S", "id,name", "1,a", -EINVAL,
		      "CSV header has no column PK, the partition key"));
	CHECK(refuses("PK:S,SK:N", "PK,name", "1,a", -EINVAL,
		      "CSV header has no column SK, the sort key"));
	CHECK(refuses("PK:S", "PK,name", ",a", -EINVAL,
		      "CSV row has an empty value in column PK, the partition key"));
	CHECK(refuses("PK:S,SK:S", "PK,SK,x", "a", -EINVAL, "empty value in column SK"));
	CHECK(refuses("PK:S", "PK,a", "1,2,3", -EINVAL,
		      "CSV row has 3 fields but the header has 2 columns"));
	CHECK(refuses("PK:S", "PK,a,a", "1,2,3", -EINVAL,
		      "CSV header names column a twice (columns 2 and 3)"));
	CHECK(refuses("PK:S", "PK,,b", "1,2,3", -EINVAL, "CSV header column 2 has no name"));
	CHECK(refuses("PK:S", "PK", "\xff", -EINVAL, "not valid UTF-8"));
	CHECK(refuses("PK:S", "PK,a", "1,\xc3", -EINVAL, "CSV column a is not valid UTF-8"));
}

/* No string or name in ddbfs holds U+0000: a CSV file's NUL bytes are
 * refused, in keys, other columns and the header (found by fuzzing). */
static void test_csv_item__nul_bytes_are_refused_with_a_message(void)
{
	CHECK(refuses_n("PK:S", "PK,a", 4, "x\0y,1", 5, -EINVAL,
			"CSV column PK, the partition key, holds U+0000"));
	CHECK(refuses_n("PK:S", "PK,a", 4, "x,1\0", 5, -EINVAL, "CSV column a holds U+0000"));
	CHECK(refuses_n("PK:S", "PK,a\0", 5, "x,1", 3, -EINVAL,
			"CSV header column 2's name holds U+0000"));
}

static void test_csv_item__long_keys_and_big_items_are_refused(void)
{
	lay_csv_row h = LAY_CSV_ROW_INIT, r = LAY_CSV_ROW_INIT;
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_schema ks;
	lay_buf row = LAY_BUF_INIT;
	size_t i;

	lay_schema_default(&ks);
	CHECK_RC(lay_csv_split(&h, "PK,SK,big", 9, ',', NULL), 0);
	for (i = 0; i < 2049; i++)
		lay_buf_addc(&row, 'k');
	lay_buf_adds(&row, ",s,v");
	CHECK_RC(lay_csv_split(&r, row.p, row.len, ',', NULL), 0);
	CHECK_RC(lay_csv_item(&it, &h, &r, &ks, &err), -EINVAL);
	CHECK(strstr(err.msg, "2049") != NULL);
	lay_buf_reset(&row);
	lay_buf_adds(&row, "k,s,");
	for (i = 0; i < LAY_MAX_ITEM_SIZE; i++)
		lay_buf_addc(&row, 'v');
	CHECK_RC(lay_csv_split(&r, row.p, row.len, ',', NULL), 0);
	CHECK_RC(lay_csv_item(&it, &h, &r, &ks, &err), -EFBIG);
	CHECK(strstr(err.msg, "maximum allowed size") != NULL && it.n == 0);
	/* just under the limit: 2 + 1 + 2 + 1 + 3 + value */
	r.len[2] = LAY_MAX_ITEM_SIZE - 9;
	CHECK_RC(lay_csv_item(&it, &h, &r, &ks, &err), 0);
	CHECK(lay_item_size(&it) == LAY_MAX_ITEM_SIZE);
	lay_item_free(&it);
	lay_buf_free(&row);
	lay_csv_row_free(&h);
	lay_csv_row_free(&r);
}

/* The message shows the text after a closing quote from the record only:
 * the record is len bytes, not a C string (found by fuzzing). */
static void test_csv_split__text_after_a_closing_quote_is_shown_from_the_record(void)
{
	lay_csv_row r = LAY_CSV_ROW_INIT;
	lay_err err = { 0, "" };
	char *text = malloc(5);

	memcpy(text, "\"q\"xy", 5);
	CHECK_RC(lay_csv_split(&r, text, 5, ',', &err), -EINVAL);
	CHECK(strstr(err.msg, "(\"xy\")") != NULL);
	free(text);
	lay_csv_row_free(&r);
}

int main(void)
{
	RUN(test_csv_split__plain_fields_and_empty_ones);
	RUN(test_csv_split__quoted_fields_hold_delimiters_and_doubled_quotes);
	RUN(test_csv_split__each_dynamodb_delimiter);
	RUN(test_csv_split__a_quoted_field_over_lines_asks_for_more);
	RUN(test_csv_split__bad_quotes_are_rejected_with_a_message);
	RUN(test_csv_split__a_row_is_reused_across_records);
	RUN(test_csv_split__text_after_a_closing_quote_is_shown_from_the_record);
	RUN(test_csv_item__string_keys_first_and_other_columns_as_strings);
	RUN(test_csv_item__number_and_binary_keys_are_typed_by_the_schema);
	RUN(test_csv_item__empty_fields_are_left_out_and_short_rows_are_padded);
	RUN(test_csv_item__key_problems_are_refused_with_a_message);
	RUN(test_csv_item__nul_bytes_are_refused_with_a_message);
	RUN(test_csv_item__long_keys_and_big_items_are_refused);
	return check_done();
}
