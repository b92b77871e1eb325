/* Unit tests for layout/b64.c: RFC 4648 vectors, and strict decoding that
 * rejects every text but the one canonical spelling of each byte string. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "../../layout/b64.h"

static const struct {
	const char *bytes;
	const char *text;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

#define NVEC (sizeof(rfc4648) / sizeof(rfc4648[0]))

static void test_b64_encode__rfc4648_vectors(void)
{
	size_t i;

	for (i = 0; i < NVEC; i++) {
		lay_buf b = LAY_BUF_INIT;

		CHECK_RC(lay_b64_encode(&b, rfc4648[i].bytes, strlen(rfc4648[i].bytes)), 0);
		CHECK_STR(b.p ? b.p : "", rfc4648[i].text);
		CHECK(b.len == strlen(rfc4648[i].text));
		lay_buf_free(&b);
	}
}

static void test_b64_decode__rfc4648_vectors(void)
{
	size_t i;

	for (i = 0; i < NVEC; i++) {
		lay_buf b = LAY_BUF_INIT;

		CHECK_RC(lay_b64_decode(&b, rfc4648[i].text, strlen(rfc4648[i].text), 1), 0);
		CHECK(b.len == strlen(rfc4648[i].bytes));
		CHECK(b.len == 0 || memcmp(b.p, rfc4648[i].bytes, b.len) == 0);
		lay_buf_free(&b);
	}
}

static void test_b64_encode__uses_plus_and_slash(void)
{
	static const unsigned char bytes[] = { 0xfb, 0xff, 0x00 };
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_b64_encode(&b, bytes, 2), 0);
	CHECK_STR(b.p, "+/8=");
	lay_buf_reset(&b);
	CHECK_RC(lay_b64_encode(&b, bytes + 2, 1), 0);
	CHECK_STR(b.p, "AA==");
	lay_buf_free(&b);
}

static void test_b64__every_byte_value_round_trips(void)
{
	unsigned char bytes[256];
	size_t len, i;

	for (i = 0; i < 256; i++)
		bytes[i] = (unsigned char)(255 - i);
	for (len = 0; len <= 256; len += 1 + len / 8) {
		lay_buf t = LAY_BUF_INIT, d = LAY_BUF_INIT;

		CHECK_RC(lay_b64_encode(&t, bytes, len), 0);
		CHECK(t.len == (len + 2) / 3 * 4);
		CHECK_RC(lay_b64_decode(&d, t.p, t.len, 1), 0);
		CHECK(d.len == len);
		CHECK(len == 0 || memcmp(d.p, bytes, len) == 0);
		lay_buf_free(&t);
		lay_buf_free(&d);
	}
}

static void test_b64__appends_after_existing_contents(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_buf_adds(&b, "x:"), 0);
	CHECK_RC(lay_b64_encode(&b, "foo", 3), 0);
	CHECK_STR(b.p, "x:Zm9v");
	CHECK_RC(lay_b64_decode(&b, "Zm8=", 4, 1), 0);
	CHECK_STR(b.p, "x:Zm9vfo");
	lay_buf_free(&b);
}

/* Each bad text must fail with EINVAL, strict or not, and leave out alone. */
static void check_bad(const char *text, size_t len)
{
	int strict;

	for (strict = 0; strict <= 1; strict++) {
		lay_buf b = LAY_BUF_INIT;

		CHECK_RC(lay_buf_adds(&b, "keep"), 0);
		CHECK_RC(lay_b64_decode(&b, text, len, strict), -EINVAL);
		CHECK(b.len == 4);
		CHECK_STR(b.p, "keep");
		lay_buf_free(&b);
	}
}

static void test_b64_decode__bad_characters_are_einval(void)
{
	check_bad("Zm9v!A==", 8);
	check_bad("Zm9-", 4);
	check_bad("Zm9_", 4);
	check_bad("Zm 9", 4);
	check_bad("Zm9\n", 4);
	check_bad("Zm\0v", 4);
	check_bad("Zm9\xc3", 4);
}

static void test_b64_decode__bad_padding_is_einval(void)
{
	check_bad("====", 4);
	check_bad("Z===", 4);
	check_bad("Zg=a", 4);
	check_bad("Z=9v", 4);
	check_bad("=m9v", 4);
	check_bad("Zg==Zm9v", 8);
	check_bad("Zm8=Zm8=", 8);
}

static void test_b64_decode__length_not_multiple_of_4_is_einval(void)
{
	check_bad("Z", 1);
	check_bad("Zg", 2);
	check_bad("Zg=", 3);
	check_bad("Zm9", 3);
	check_bad("Zm9vY", 5);
	check_bad("Zm9vYg=", 7);
}

static void test_b64_decode__strict_rejects_nonzero_unused_bits(void)
{
	lay_buf b = LAY_BUF_INIT;

	/* "Zh==" and "Zm9=" carry set bits after the last whole byte */
	CHECK_RC(lay_b64_decode(&b, "Zh==", 4, 1), -EINVAL);
	CHECK(b.len == 0);
	CHECK_RC(lay_b64_decode(&b, "Zm9=", 4, 1), -EINVAL);
	CHECK(b.len == 0);
	CHECK_RC(lay_b64_decode(&b, "Zm9vZm9=", 8, 1), -EINVAL);
	CHECK(b.len == 0);

	/* lenient decoding drops them: "f" and "fo" */
	CHECK_RC(lay_b64_decode(&b, "Zh==", 4, 0), 0);
	CHECK_STR(b.p, "f");
	lay_buf_reset(&b);
	CHECK_RC(lay_b64_decode(&b, "Zm9=", 4, 0), 0);
	CHECK_STR(b.p, "fo");
	lay_buf_free(&b);
}

int main(void)
{
	RUN(test_b64_encode__rfc4648_vectors);
	RUN(test_b64_decode__rfc4648_vectors);
	RUN(test_b64_encode__uses_plus_and_slash);
	RUN(test_b64__every_byte_value_round_trips);
	RUN(test_b64__appends_after_existing_contents);
	RUN(test_b64_decode__bad_characters_are_einval);
	RUN(test_b64_decode__bad_padding_is_einval);
	RUN(test_b64_decode__length_not_multiple_of_4_is_einval);
	RUN(test_b64_decode__strict_rejects_nonzero_unused_bits);
	return check_done();
}
