/* Unit tests of layout/num.c: exact numbers (SPEC §5) — canonical text,
 * limits and their messages, numeric comparison, significant digits, and
 * the key encoding's round trip and corrupt-input handling. */
#include <errno.h>
#include <string.h>

#include "../../layout/num.h"
#include "check.h"

/* Canonicalize s; returns the result in a static buffer or NULL on error. */
static const char *canon(const char *s)
{
	static char res[512];
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc = lay_num_canon(&b, s, strlen(s), &err);

	if (rc < 0 || !b.p || b.len >= sizeof(res)) {
		lay_buf_free(&b);
		return NULL;
	}
	memcpy(res, b.p, b.len + 1);
	lay_buf_free(&b);
	return res;
}

/* Canonicalizing s fails with -EINVAL, a message containing want, and leaves
 * the buffer as it was. */
static int rejects(const char *s, size_t len, const char *want)
{
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int ok;

	lay_buf_adds(&b, "keep");
	ok = lay_num_canon(&b, s, len, &err) == -EINVAL && err.code == -EINVAL &&
	     strstr(err.msg, want) != NULL && b.len == 4 && strcmp(b.p, "keep") == 0;
	if (!ok)
		fprintf(stderr, "  input \"%.*s\": message \"%s\"\n", (int)len, s, err.msg);
	lay_buf_free(&b);
	return ok;
}

static int rejects_s(const char *s, const char *want)
{
	return rejects(s, strlen(s), want);
}

/* A string of c repeated n times (static, n < 300). */
static const char *rep(char c, size_t n)
{
	static char s[4][300];
	static int k;
	char *p = s[k++ & 3];

	memset(p, c, n);
	p[n] = '\0';
	return p;
}

static void test_num_canon__trailing_fractional_zeros_are_dropped(void)
{
	CHECK_STR(canon("1.50"), "1.5");
	CHECK_STR(canon("-1.500000"), "-1.5");
	CHECK_STR(canon("2.000"), "2");
	CHECK_STR(canon("100"), "100");
}

static void test_num_canon__exponent_is_expanded(void)
{
	CHECK_STR(canon("1e3"), "1000");
	CHECK_STR(canon("1E+2"), "100");
	CHECK_STR(canon("12.5e-1"), "1.25");
	CHECK_STR(canon("0.001e3"), "1");
	CHECK_STR(canon("1e-0"), "1");
	CHECK_STR(canon("-.5e1"), "-5");
	CHECK_STR(canon("123e-5"), "0.00123");
}

static void test_num_canon__leading_zeros_and_plus_are_dropped(void)
{
	CHECK_STR(canon("00123"), "123");
	CHECK_STR(canon("+5"), "5");
	CHECK_STR(canon("-007.0"), "-7");
	CHECK_STR(canon("000.0100"), "0.01");
}

static void test_num_canon__point_may_lack_digits_on_one_side(void)
{
	CHECK_STR(canon(".5"), "0.5");
	CHECK_STR(canon("+.5"), "0.5");
	CHECK_STR(canon("5."), "5");
	CHECK_STR(canon("-5.e1"), "-50");
}

static void test_num_canon__negative_zero_and_zero_with_any_exponent_are_zero(void)
{
	CHECK_STR(canon("-0"), "0");
	CHECK_STR(canon("-0.000"), "0");
	CHECK_STR(canon("0.0e126"), "0");
	CHECK_STR(canon("0e-500"), "0");
	CHECK_STR(canon("000e99999999999999999999"), "0");
	CHECK_STR(canon("0"), "0");
}

static void test_num_canon__canonical_text_is_a_fixed_point(void)
{
	static const char *const cases[] = { "0", "1", "-1", "0.5", "-0.00123", "1234.5678",
					     "100000", "-99" };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(canon(cases[i]), cases[i]);
}

static void test_num_canon__1e_minus_130_is_the_smallest_magnitude(void)
{
	char want[256];

	snprintf(want, sizeof(want), "0.%s1", rep('0', 129));
	CHECK_STR(canon("1E-130"), want);
	snprintf(want, sizeof(want), "-0.%s1", rep('0', 129));
	CHECK_STR(canon("-1E-130"), want);
	snprintf(want, sizeof(want), "0.%s15", rep('0', 129));
	CHECK_STR(canon("1.5E-130"), want);
	CHECK(rejects_s("1E-131", "Number underflow. Attempting to store a number with "
				  "magnitude smaller than supported range"));
	CHECK(rejects_s("-1E-131", "Number underflow"));
	CHECK(rejects_s("0.99E-130", "Number underflow"));
}

static void test_num_canon__largest_magnitude_is_38_nines_e125(void)
{
	char in[256], want[256];

	snprintf(in, sizeof(in), "9.%sE+125", rep('9', 37));
	snprintf(want, sizeof(want), "%s%s", rep('9', 38), rep('0', 88));
	CHECK_STR(canon(in), want);
	CHECK(strlen(want) == 126);
	snprintf(in, sizeof(in), "-9.%sE+125", rep('9', 37));
	snprintf(want, sizeof(want), "-%s%s", rep('9', 38), rep('0', 88));
	CHECK_STR(canon(in), want);
	CHECK(rejects_s("1E126", "Number overflow. Attempting to store a number with "
				 "magnitude larger than supported range"));
	CHECK(rejects_s("-1E126", "Number overflow"));
	snprintf(in, sizeof(in), "1%s", rep('0', 126));
	CHECK(rejects_s(in, "Number overflow"));
}

static void test_num_canon__huge_exponent_text_is_overflow_or_underflow(void)
{
	CHECK(rejects_s("1e99999999999999999999", "Number overflow"));
	CHECK(rejects_s("1e-99999999999999999999", "Number underflow"));
	CHECK(rejects_s("-5e+9223372036854775808", "Number overflow"));
	CHECK(rejects_s("1e-9223372036854775809", "Number underflow"));
}

static void test_num_canon__39_significant_digits_are_rejected(void)
{
	char in[128];

	CHECK(rejects_s(rep('1', 39), "Attempting to store more than 38 significant digits "
				      "in a Number"));
	snprintf(in, sizeof(in), "1%s1", rep('0', 37));
	CHECK(rejects_s(in, "significant digits"));
	snprintf(in, sizeof(in), "0.%s", rep('7', 39));
	CHECK(rejects_s(in, "has 39"));
	snprintf(in, sizeof(in), "9.%sE+125", rep('9', 38));
	CHECK(rejects_s(in, "significant digits"));
}

static void test_num_canon__38_digits_with_leading_and_trailing_zeros_are_fine(void)
{
	char in[256], want[256];

	snprintf(in, sizeof(in), "0.%s%s", rep('0', 80), rep('3', 38));
	CHECK_STR(canon(in), in);
	snprintf(in, sizeof(in), "000%s.000", rep('4', 38));
	CHECK_STR(canon(in), rep('4', 38));
	snprintf(in, sizeof(in), "%s%s", rep('5', 38), rep('0', 88));
	CHECK_STR(canon(in), in);
	snprintf(in, sizeof(in), "1%s", rep('0', 38));
	CHECK_STR(canon(in), in);
	snprintf(in, sizeof(in), "%s%s", rep('0', 200), rep('6', 38));
	CHECK_STR(canon(in), rep('6', 38));
	snprintf(in, sizeof(in), "2.%s", rep('0', 200));
	CHECK_STR(canon(in), "2");
	snprintf(in, sizeof(in), "12%s.5e-1", rep('0', 35));
	snprintf(want, sizeof(want), "12%s.05", rep('0', 34));
	CHECK_STR(canon(in), want);
}

static void test_num_canon__bad_syntax_is_rejected_with_the_text(void)
{
	static const char *const bad[] = { "NaN",  "Infinity", "-Infinity", "",    "-",
					   "+",    "1e",       "1..2",      "1e+", " 1",
					   "1 ",   "0x10",     "1_0",       ".",   "e5",
					   "--1",  "+-1",      "1.2.3",     "1e5.5", "1e--5",
					   "١",    "inf",      "1,5",       "1e 5", "-.e1" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		snprintf(want, sizeof(want), "The parameter cannot be converted to a numeric "
					     "value: %s", bad[i]);
		CHECK(rejects_s(bad[i], want));
	}
}

static void test_num_canon__embedded_nul_is_rejected(void)
{
	CHECK(rejects("1\0", 2, "numeric value"));
	CHECK(rejects("\0" "1", 2, "numeric value"));
}

static void test_num_canon__long_bad_text_is_cut_in_the_message(void)
{
	char in[1000];
	lay_buf b = LAY_BUF_INIT;
	lay_err err = { 0, "" };

	memset(in, 'x', sizeof(in));
	CHECK_RC(lay_num_canon(&b, in, sizeof(in), &err), -EINVAL);
	CHECK(strstr(err.msg, "xxxx...") != NULL);
	CHECK(strlen(err.msg) < 200);
	CHECK(b.len == 0);
	lay_buf_free(&b);
}

static void test_num_canon__control_bytes_in_the_message_are_masked(void)
{
	lay_err err = { 0, "" };
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_num_canon(&b, "1\n2\x1b", 4, &err), -EINVAL);
	CHECK(strstr(err.msg, ": 1?2?") != NULL);
	lay_buf_free(&b);
}

static void test_num_canon__appends_to_what_the_buffer_holds(void)
{
	lay_buf b = LAY_BUF_INIT;

	lay_buf_adds(&b, "[");
	CHECK_RC(lay_num_canon(&b, "1e2", 3, NULL), 0);
	CHECK_RC(lay_num_canon(&b, "-0.50", 5, NULL), 0);
	CHECK_STR(b.p, "[100-0.5");
	CHECK(b.len == 8);
	lay_buf_free(&b);
}

static int cmp(const char *a, const char *b)
{
	int c = lay_num_cmp(a, strlen(a), b, strlen(b));

	return c < 0 ? -1 : c > 0;
}

static void test_num_cmp__orders_numerically(void)
{
	static const char *const asc[] = {
		"-1000", "-999.5", "-10", "-9", "-1.5", "-1.25", "-1", "-0.5", "-0.123", "-0.12",
		"-0.1", "-0.05", "0", "0.001", "0.05", "0.1", "0.12", "0.123", "0.5", "1",
		"1.01", "1.1", "2", "9.99", "10", "10.5", "11", "99", "100", "1000.5",
	};
	size_t n = sizeof(asc) / sizeof(asc[0]), i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j;

			if (cmp(asc[i], asc[j]) != want) {
				fprintf(stderr, "  cmp(%s, %s) = %d\n", asc[i], asc[j],
					cmp(asc[i], asc[j]));
				CHECK(0);
			}
		}
}

static void test_num_digits__counts_significant_digits_only(void)
{
	CHECK(lay_num_digits("0", 1) == 1);
	CHECK(lay_num_digits("1", 1) == 1);
	CHECK(lay_num_digits("1000", 4) == 1);
	CHECK(lay_num_digits("-1200", 5) == 2);
	CHECK(lay_num_digits("0.0012", 6) == 2);
	CHECK(lay_num_digits("10.5", 4) == 3);
	CHECK(lay_num_digits("-100.001", 8) == 6);
	CHECK(lay_num_digits(rep('7', 38), 38) == 38);
}

/* Encode then decode canon; checks the round trip and the bytes consumed. */
static int key_round_trip(const char *canon_text)
{
	lay_buf enc = LAY_BUF_INIT, dec = LAY_BUF_INIT;
	size_t used = 0;
	int ok;

	ok = lay_num_keyenc(&enc, canon_text, strlen(canon_text)) == 0;
	/* trailing bytes after the encoding must not be consumed */
	ok = ok && lay_buf_add(&enc, "\x00\xff\x80", 3) == 0;
	ok = ok && lay_num_keydec(&dec, &used, enc.p, enc.len) == 0;
	ok = ok && used == enc.len - 3 && strcmp(dec.p, canon_text) == 0;
	if (!ok)
		fprintf(stderr, "  key round trip of %s failed\n", canon_text);
	lay_buf_free(&enc);
	lay_buf_free(&dec);
	return ok;
}

static void test_num_keyenc__round_trips_limits_and_edges(void)
{
	char s[300];

	CHECK(key_round_trip("0"));
	CHECK(key_round_trip("1"));
	CHECK(key_round_trip("-1"));
	CHECK(key_round_trip("10"));
	CHECK(key_round_trip("0.12"));
	CHECK(key_round_trip("-0.123"));
	CHECK(key_round_trip(rep('9', 38)));
	snprintf(s, sizeof(s), "0.%s1", rep('0', 129));
	CHECK(key_round_trip(s));
	snprintf(s, sizeof(s), "-0.%s1", rep('0', 129));
	CHECK(key_round_trip(s));
	snprintf(s, sizeof(s), "%s%s", rep('9', 38), rep('0', 88));
	CHECK(key_round_trip(s));
	snprintf(s, sizeof(s), "-%s%s", rep('9', 38), rep('0', 88));
	CHECK(key_round_trip(s));
	snprintf(s, sizeof(s), "-%s.%s", rep('1', 19), rep('2', 19));
	CHECK(key_round_trip(s));
}

static void test_num_keyenc__zero_is_one_byte_and_38_digits_take_22(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_num_keyenc(&b, "0", 1), 0);
	CHECK(b.len == 1);
	lay_buf_reset(&b);
	CHECK_RC(lay_num_keyenc(&b, rep('8', 38), 38), 0);
	CHECK(b.len == 22);
	lay_buf_free(&b);
}

static void test_num_keyenc__non_canonical_input_is_refused(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_num_keyenc(&b, "abc", 3), -EINVAL);
	CHECK_RC(lay_num_keyenc(&b, "1e999", 5), -EINVAL);
	CHECK(b.len == 0);
	lay_buf_free(&b);
}

/* keydec of len bytes at p fails with -EINVAL and appends nothing. */
static int key_corrupt(const char *p, size_t len)
{
	lay_buf b = LAY_BUF_INIT;
	size_t used = 12345;
	int ok = lay_num_keydec(&b, &used, p, len) == -EINVAL && b.len == 0 && used == 12345;

	lay_buf_free(&b);
	return ok;
}

static void test_num_keydec__corrupt_encodings_are_einval(void)
{
	lay_buf enc = LAY_BUF_INIT;
	size_t i;

	CHECK(key_corrupt("", 0));
	CHECK(key_corrupt("\x01", 1));             /* unknown marker */
	CHECK(key_corrupt("\xc0", 1));             /* no exponent */
	CHECK(key_corrupt("\xc0\x81", 2));         /* no digits, no end */
	CHECK(key_corrupt("\xc0\x81\x00", 3));     /* no digits */
	CHECK(key_corrupt("\xc0\x81\x02\x00", 4)); /* leading zero digit: 0.01 pair */
	CHECK(key_corrupt("\xc0\x81\x0c\x01\x00", 5)); /* trailing "00" pair */
	CHECK(key_corrupt("\xc0\x81\x66\x00", 4)); /* pair 101 */
	CHECK(key_corrupt("\x40\x7e\x9a\xff", 4)); /* negative pair 101 */
	CHECK(key_corrupt("\x40\x7e\xf0", 3));     /* no end */
	/* 20 pairs = 40 digits */
	CHECK_RC(lay_buf_add(&enc, "\xc0\x81", 2), 0);
	for (i = 0; i < 20; i++)
		CHECK_RC(lay_buf_addc(&enc, 0x17), 0);
	CHECK_RC(lay_buf_addc(&enc, 0x00), 0);
	CHECK(key_corrupt(enc.p, enc.len));
	/* every truncation of a valid encoding */
	lay_buf_reset(&enc);
	CHECK_RC(lay_num_keyenc(&enc, "-123.456", 8), 0);
	for (i = 0; i < enc.len; i++)
		CHECK(key_corrupt(enc.p, i));
	lay_buf_free(&enc);
}

int main(void)
{
	RUN(test_num_canon__trailing_fractional_zeros_are_dropped);
	RUN(test_num_canon__exponent_is_expanded);
	RUN(test_num_canon__leading_zeros_and_plus_are_dropped);
	RUN(test_num_canon__point_may_lack_digits_on_one_side);
	RUN(test_num_canon__negative_zero_and_zero_with_any_exponent_are_zero);
	RUN(test_num_canon__canonical_text_is_a_fixed_point);
	RUN(test_num_canon__1e_minus_130_is_the_smallest_magnitude);
	RUN(test_num_canon__largest_magnitude_is_38_nines_e125);
	RUN(test_num_canon__huge_exponent_text_is_overflow_or_underflow);
	RUN(test_num_canon__39_significant_digits_are_rejected);
	RUN(test_num_canon__38_digits_with_leading_and_trailing_zeros_are_fine);
	RUN(test_num_canon__bad_syntax_is_rejected_with_the_text);
	RUN(test_num_canon__embedded_nul_is_rejected);
	RUN(test_num_canon__long_bad_text_is_cut_in_the_message);
	RUN(test_num_canon__control_bytes_in_the_message_are_masked);
	RUN(test_num_canon__appends_to_what_the_buffer_holds);
	RUN(test_num_cmp__orders_numerically);
	RUN(test_num_digits__counts_significant_digits_only);
	RUN(test_num_keyenc__round_trips_limits_and_edges);
	RUN(test_num_keyenc__zero_is_one_byte_and_38_digits_take_22);
	RUN(test_num_keyenc__non_canonical_input_is_refused);
	RUN(test_num_keydec__corrupt_encodings_are_einval);
	return check_done();
}
