/* Unit tests of layout/codec.c: the stored form of items round-trips all
 * ten types exactly (SPEC §5, §13), is deterministic, and decoding survives
 * any corrupt, truncated or hostile input with -EINVAL (SPEC §17). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../layout/codec.h"
#include "check.h"
#include "items.h"

static lay_value other(lay_type t, size_t len)
{
	lay_value v = {t, len, {NULL}};

	return v;
}

/* An item holding every type, nested and empty containers, empty strings,
 * binary with NUL bytes and 38-digit numbers. */
static void build_rich(lay_item *it)
{
	static const unsigned char bin[] = {0, 'a', 0, 0xff, 0x80, 0};
	const char *mnames[] = {"inner", "e", "\xc3\xa9t\xc3\xa9"};
	lay_value e[8], deep, mv[3];
	int i;

	add(it, "PK", S(it, "alice"));
	add(it, "SK", N(it, "-12345678901234567890123456789012345678"));
	add(it, "s", S(it, "h\xc3\xa9llo \"world\"\n"));
	add(it, "empty", S(it, ""));
	add(it, "n", N(it, "0.000000000000000000000000000000000000000000000000000001"));
	add(it, "big", N(it, "99999999999999999999999999999999999999"));
	add(it, "b", B(it, bin, sizeof(bin)));
	add(it, "bempty", B(it, "", 0));
	add(it, "t", other(LAY_BOOL, 1));
	add(it, "f", other(LAY_BOOL, 0));
	add(it, "nul", other(LAY_NULL, 0));
	e[0] = S(it, "x");
	e[1] = S(it, "");
	e[2] = scalar(it, LAY_S, "y\0z", 3);
	add(it, "ss", list(it, LAY_SS, 3, e));
	e[0] = N(it, "1");
	e[1] = N(it, "-2.5");
	e[2] = N(it, "12345678901234567890123456789012345678");
	add(it, "ns", list(it, LAY_NS, 3, e));
	e[0] = B(it, bin, 1);
	e[1] = B(it, bin, sizeof(bin));
	add(it, "bs", list(it, LAY_BS, 2, e));
	add(it, "em", map(it, 0, NULL, NULL));
	add(it, "el", list(it, LAY_L, 0, NULL));

	/* 30 levels of L inside the top-level M (32 with the item's own) */
	deep = N(it, "7");
	for (i = 0; i < 30; i++)
		deep = list(it, LAY_L, 1, &deep);
	e[0] = S(it, "str");
	e[1] = N(it, "3.14");
	e[2] = B(it, bin, 3);
	e[3] = other(LAY_BOOL, 1);
	e[4] = other(LAY_NULL, 0);
	e[5] = map(it, 0, NULL, NULL);
	e[6] = list(it, LAY_L, 0, NULL);
	e[7] = deep;
	mv[0] = list(it, LAY_L, 8, e);
	mv[1] = S(it, "");
	e[0] = N(it, "5");
	mv[2] = list(it, LAY_NS, 1, e);
	add(it, "m", map(it, 3, mnames, mv));
}

/* Encode a, decode it, and check the result. */
static void check_round_trip(const lay_item *a)
{
	lay_buf b = LAY_BUF_INIT, b2 = LAY_BUF_INIT;
	lay_item d = LAY_ITEM_INIT;
	lay_err err = {0, ""};
	size_t i;
	char *copy;

	CHECK_RC(lay_codec_encode(&b, a), 0);
	CHECK(b.len > 0);
	/* decode from a private copy that dies first: nothing may borrow from it */
	copy = malloc(b.len ? b.len : 1);
	memcpy(copy, b.p, b.len);
	CHECK_RC(lay_codec_decode(&d, copy, b.len, &err), 0);
	memset(copy, 0xEE, b.len);
	free(copy);
	CHECK(lay_item_equal(a, &d));
	CHECK(d.n == a->n);
	for (i = 0; i < d.n && i < a->n; i++)
		CHECK(d.a[i].name_len == a->a[i].name_len &&
		      memcmp(d.a[i].name, a->a[i].name, a->a[i].name_len) == 0);
	/* the decoded item encodes to the same bytes */
	CHECK_RC(lay_codec_encode(&b2, &d), 0);
	CHECK(b2.len == b.len && memcmp(b.p, b2.p, b.len) == 0);
	lay_item_free(&d);
	lay_buf_free(&b);
	lay_buf_free(&b2);
}

static void test_codec__all_ten_types_round_trip(void)
{
	lay_item it = LAY_ITEM_INIT;

	build_rich(&it);
	check_round_trip(&it);
	lay_item_free(&it);
}

/* A view reads as a decoded copy does, and its strings point into the
 * stored bytes. */
static void test_codec__a_view_equals_the_decoded_item_and_points_into_the_input(void)
{
	lay_item it = LAY_ITEM_INIT, view = LAY_ITEM_INIT;
	lay_buf enc = LAY_BUF_INIT;
	lay_err err = { 0, "" };

	build_rich(&it);
	CHECK_RC(lay_codec_encode(&enc, &it), 0);
	CHECK_RC(lay_codec_view(&view, enc.p, enc.len, &err), 0);
	CHECK(lay_item_equal(&it, &view));
	CHECK(view.n > 0 && view.a[0].name >= enc.p && view.a[0].name < enc.p + enc.len);
	lay_item_free(&view);
	/* a corrupt one fails as a decode does */
	CHECK_RC(lay_codec_view(&view, enc.p, enc.len - 1, &err), -EINVAL);
	CHECK(view.a == NULL && view.arena == NULL);
	lay_buf_free(&enc);
	lay_item_free(&it);
}

static void test_codec__empty_item_round_trips(void)
{
	lay_item it = LAY_ITEM_INIT;

	check_round_trip(&it);
}

static void test_codec__binary_with_nul_bytes_keeps_every_byte(void)
{
	lay_item it = LAY_ITEM_INIT, d = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	unsigned char bytes[256];
	int i;

	for (i = 0; i < 256; i++)
		bytes[i] = (unsigned char)(255 - i);
	add(&it, "b", B(&it, bytes, sizeof(bytes)));
	add(&it, "z", B(&it, "\0\0\0", 3));
	CHECK_RC(lay_codec_encode(&b, &it), 0);
	CHECK_RC(lay_codec_decode(&d, b.p, b.len, NULL), 0);
	CHECK(d.n == 2 && d.a[0].v.type == LAY_B && d.a[0].v.len == 256);
	CHECK(memcmp(d.a[0].v.u.p, bytes, 256) == 0);
	CHECK(d.a[0].v.u.p[256] == '\0');
	CHECK(d.a[1].v.len == 3 && memcmp(d.a[1].v.u.p, "\0\0\0", 4) == 0);
	lay_item_free(&it);
	lay_item_free(&d);
	lay_buf_free(&b);
}

static void test_codec__attribute_order_is_kept(void)
{
	lay_item it = LAY_ITEM_INIT, d = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	const char *names[] = {"zeta", "alpha", "Mid", "a"};
	size_t i;

	for (i = 0; i < 4; i++)
		add(&it, names[i], S(&it, names[i]));
	CHECK_RC(lay_codec_encode(&b, &it), 0);
	CHECK_RC(lay_codec_decode(&d, b.p, b.len, NULL), 0);
	for (i = 0; i < 4 && i < d.n; i++)
		CHECK_STR(d.a[i].name, names[i]);
	lay_item_free(&it);
	lay_item_free(&d);
	lay_buf_free(&b);
}

static void test_codec__encoding_is_deterministic_and_appends(void)
{
	lay_item a = LAY_ITEM_INIT, c = LAY_ITEM_INIT;
	lay_buf b1 = LAY_BUF_INIT, b2 = LAY_BUF_INIT;

	build_rich(&a);
	build_rich(&c);
	lay_buf_adds(&b2, "prefix");
	CHECK_RC(lay_codec_encode(&b1, &a), 0);
	CHECK_RC(lay_codec_encode(&b2, &c), 0);
	CHECK(b2.len == b1.len + 6);
	CHECK(memcmp(b2.p, "prefix", 6) == 0 && memcmp(b2.p + 6, b1.p, b1.len) == 0);
	lay_item_free(&a);
	lay_item_free(&c);
	lay_buf_free(&b1);
	lay_buf_free(&b2);
}

/* The exact bytes of a small item, so the stored format cannot drift. */
static void test_codec__format_is_the_documented_one(void)
{
	static const unsigned char want[] = {
	    3, /* three attributes */
	    2,	 'i', 'd', LAY_S, 2,   'u',   '1', 1,	     'n', LAY_N,    3,
	    '-', '4', '2', 1,	  'l', LAY_L, 2,   LAY_BOOL, 1,	  LAY_NULL,
	};
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	lay_value e[2] = {other(LAY_BOOL, 1), other(LAY_NULL, 0)};

	add(&it, "id", S(&it, "u1"));
	add(&it, "n", N(&it, "-42"));
	add(&it, "l", list(&it, LAY_L, 2, e));
	CHECK_RC(lay_codec_encode(&b, &it), 0);
	CHECK(b.len == sizeof(want) && memcmp(b.p, want, sizeof(want)) == 0);
	lay_item_free(&it);
	lay_buf_free(&b);
}

static void test_codec__long_strings_use_multi_byte_lengths(void)
{
	lay_item it = LAY_ITEM_INIT;
	char *big = malloc(300000);

	memset(big, 'x', 300000);
	add(&it, "big", scalar(&it, LAY_S, big, 300000));
	add(&it, "mid", scalar(&it, LAY_S, big, 200));
	free(big);
	check_round_trip(&it);
	lay_item_free(&it);
}

/* Decoding p fails with -EINVAL, the corrupt-item message, and *out freed. */
static int rejected(const void *p, size_t len)
{
	lay_item d = LAY_ITEM_INIT;
	lay_err err = {0, ""};
	int rc = lay_codec_decode(&d, p, len, &err);
	int ok = rc == -EINVAL && err.code == -EINVAL &&
		 strstr(err.msg, "stored item is corrupt") != NULL && d.a == NULL && d.n == 0 &&
		 d.arena == NULL;

	if (!ok)
		fprintf(stderr, "  %zu bytes: rc %d, message \"%s\"\n", len, rc, err.msg);
	lay_item_free(&d);
	return ok;
}

static void test_codec__truncated_input_is_einval(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	size_t n;
	int all = 1;

	build_rich(&it);
	CHECK_RC(lay_codec_encode(&b, &it), 0);
	for (n = 0; n < b.len; n++) {
		/* a heap copy of exactly n bytes, so asan sees any overread */
		char *p = malloc(n ? n : 1);

		memcpy(p, b.p, n);
		if (!rejected(p, n))
			all = 0;
		free(p);
	}
	CHECK(all);
	lay_item_free(&it);
	lay_buf_free(&b);
}

static void test_codec__trailing_bytes_are_einval(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;

	add(&it, "a", S(&it, "x"));
	CHECK_RC(lay_codec_encode(&b, &it), 0);
	lay_buf_addc(&b, 0);
	CHECK(rejected(b.p, b.len));
	lay_item_free(&it);
	lay_buf_free(&b);
}

static void test_codec__unknown_type_byte_is_einval(void)
{
	static const unsigned char zero[] = {1, 1, 'a', 0};
	static const unsigned char eleven[] = {1, 1, 'a', 11};
	static const unsigned char high[] = {1, 1, 'a', 0xff};

	CHECK(rejected(zero, sizeof(zero)));
	CHECK(rejected(eleven, sizeof(eleven)));
	CHECK(rejected(high, sizeof(high)));
}

static void test_codec__invalid_scalars_are_einval(void)
{
	static const unsigned char bool2[] = {1, 1, 'a', LAY_BOOL, 2};
	static const unsigned char noname[] = {1, 0, LAY_NULL};
	static const unsigned char badnum[][8] = {
	    {1, 1, 'a', LAY_N, 0},	     {1, 1, 'a', LAY_N, 2, '-', '0'},
	    {1, 1, 'a', LAY_N, 2, '0', '1'}, {1, 1, 'a', LAY_N, 3, '1', '.', '0'},
	    {1, 1, 'a', LAY_N, 2, '1', '.'}, {1, 1, 'a', LAY_N, 2, '1', 'e'},
	    {1, 1, 'a', LAY_N, 1, '-'},
	};
	static const unsigned char badns[] = {1, 1, 'a', LAY_NS, 1, 3, '1', '.', '0'};
	size_t i;

	CHECK(rejected(bool2, sizeof(bool2)));
	CHECK(rejected(noname, sizeof(noname)));
	for (i = 0; i < sizeof(badnum) / sizeof(badnum[0]); i++)
		CHECK(rejected(badnum[i], (size_t)badnum[i][4] + 5));
	CHECK(rejected(badns, sizeof(badns)));
}

static void test_codec__huge_counts_and_lengths_are_einval(void)
{
	/* 2^60 attributes; a 2^63 string; a list of 2^40 elements */
	static const unsigned char count[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					      0x80, 0x80, 0x10, 1,    'a',  LAY_NULL};
	static const unsigned char slen[] = {1,	   1,	 'a',  LAY_S, 0x80, 0x80, 0x80, 0x80,
					     0x80, 0x80, 0x80, 0x80,  0x80, 0x01, 'x'};
	static const unsigned char lcount[] = {1,    1,	   'a',	 LAY_L, 0x80,	 0x80,
					       0x80, 0x80, 0x80, 0x20,	LAY_NULL};

	CHECK(rejected(count, sizeof(count)));
	CHECK(rejected(slen, sizeof(slen)));
	CHECK(rejected(lcount, sizeof(lcount)));
}

static void test_codec__overlong_varints_are_einval(void)
{
	/* eleven continuation bytes; a tenth byte with bits beyond 64 */
	static const unsigned char eleven[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff, 0x01};
	static const unsigned char over[] = {0x80, 0x80, 0x80, 0x80, 0x80,
					     0x80, 0x80, 0x80, 0x80, 0x02};

	CHECK(rejected(eleven, sizeof(eleven)));
	CHECK(rejected(over, sizeof(over)));
}

/* 100000 nested lists: refused at the depth bound, without deep recursion. */
static void test_codec__deep_nesting_is_einval(void)
{
	size_t levels = 100000, i, n = 0;
	unsigned char *p = malloc(3 + 2 * levels + 1);

	p[n++] = 1;
	p[n++] = 1;
	p[n++] = 'a';
	for (i = 0; i < levels; i++) {
		p[n++] = LAY_L;
		p[n++] = 1;
	}
	p[n - 1] = 0; /* the innermost list is empty */
	CHECK(rejected(p, n));
	free(p);
	/* maps: each level is M, one member named "k" */
	p = malloc(3 + 4 * levels + 1);
	n = 3;
	memcpy(p, "\1\1a", 3);
	for (i = 0; i < levels; i++) {
		p[n++] = LAY_M;
		p[n++] = 1;
		p[n++] = 1;
		p[n++] = 'k';
	}
	p[n++] = LAY_NULL;
	CHECK(rejected(p, n));
	free(p);
}

/* As deep as the parsers allow (32 levels counting the item) decodes. */
static void test_codec__nesting_at_the_limit_decodes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value v = other(LAY_NULL, 0);
	const char *k[] = {"k"};
	int i;

	for (i = 0; i < LAY_MAX_DEPTH - 1; i++)
		v = i % 2 ? list(&it, LAY_L, 1, &v) : map(&it, 1, k, &v);
	add(&it, "deep", v);
	check_round_trip(&it);
	lay_item_free(&it);
}

/* xorshift64: deterministic, so a failure reproduces */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Decode must return 0 or -EINVAL; what it accepts must re-encode and
 * decode again to an equal item. */
static int decodes_sanely(const unsigned char *p, size_t len)
{
	lay_item d = LAY_ITEM_INIT, d2 = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	lay_err err = {0, ""};
	int rc = lay_codec_decode(&d, p, len, &err), ok;

	if (rc == -EINVAL)
		return d.arena == NULL && strstr(err.msg, "stored item is corrupt") != NULL;
	if (rc != 0)
		return 0;
	ok = lay_codec_encode(&b, &d) == 0 && lay_codec_decode(&d2, b.p, b.len, NULL) == 0 &&
	     lay_item_equal(&d, &d2);
	lay_item_free(&d);
	lay_item_free(&d2);
	lay_buf_free(&b);
	return ok;
}

static void test_codec__random_bytes_never_crash(void)
{
	unsigned char *p;
	size_t len, i;
	int iter, bad = 0;

	for (iter = 0; iter < 20000; iter++) {
		len = rnd() % 64;
		p = malloc(len ? len : 1);
		for (i = 0; i < len; i++) {
			/* bias towards small bytes so counts and types are often plausible */
			uint64_t r = rnd();

			p[i] = (unsigned char)(r & 1 ? (r >> 8) % 12 : r >> 8);
		}
		if (!decodes_sanely(p, len))
			bad++;
		free(p);
	}
	CHECK(bad == 0);
}

static void test_codec__mutated_encodings_never_crash(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	unsigned char *p;
	size_t i;
	int k, bad = 0;

	build_rich(&it);
	CHECK_RC(lay_codec_encode(&b, &it), 0);
	p = malloc(b.len);
	for (i = 0; i < b.len; i++) {
		for (k = 0; k < 6; k++) {
			memcpy(p, b.p, b.len);
			p[i] = k < 3 ? (unsigned char)k : (unsigned char)(rnd() & 0xff);
			if (!decodes_sanely(p, b.len))
				bad++;
			/* and a mutation followed by a truncation */
			if (!decodes_sanely(p, b.len - (rnd() % (b.len - i))))
				bad++;
		}
	}
	CHECK(bad == 0);
	free(p);
	lay_item_free(&it);
	lay_buf_free(&b);
}

static void test_codec__decode_value_reports_bytes_used(void)
{
	lay_item src = LAY_ITEM_INIT, dst = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	lay_value e[2], v, out;
	size_t used = 0, len;

	e[0] = S(&src, "a");
	e[1] = N(&src, "-1.5");
	v = list(&src, LAY_L, 2, e);
	CHECK_RC(lay_codec_encode_value(&b, &v), 0);
	len = b.len;
	lay_buf_add(&b, "\x07junk", 5);
	memset(&out, 0, sizeof(out));
	CHECK_RC(lay_codec_decode_value(&dst, &out, &used, b.p, b.len, NULL), 0);
	CHECK(used == len);
	CHECK(lay_value_equal(&out, &v));
	lay_item_free(&src);
	CHECK(out.type == LAY_L && out.len == 2 && strcmp(out.u.v[1].u.p, "-1.5") == 0);
	lay_item_free(&dst);
	lay_buf_free(&b);
}

static void test_codec__decode_value_of_bad_input_is_einval_and_out_untouched(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value out;
	lay_err err = {0, ""};
	size_t used = 99;
	static const unsigned char trunc[] = {LAY_L, 3, LAY_NULL};

	memset(&out, 0x5a, sizeof(out));
	CHECK_RC(lay_codec_decode_value(&it, &out, &used, trunc, sizeof(trunc), &err), -EINVAL);
	CHECK(strstr(err.msg, "stored item is corrupt") != NULL);
	CHECK(out.type == (lay_type)0x5a5a5a5a && used == 99);
	CHECK_RC(lay_codec_decode_value(&it, &out, &used, trunc, 0, &err), -EINVAL);
	lay_item_free(&it);
}

int main(void)
{
	RUN(test_codec__all_ten_types_round_trip);
	RUN(test_codec__a_view_equals_the_decoded_item_and_points_into_the_input);
	RUN(test_codec__empty_item_round_trips);
	RUN(test_codec__binary_with_nul_bytes_keeps_every_byte);
	RUN(test_codec__attribute_order_is_kept);
	RUN(test_codec__encoding_is_deterministic_and_appends);
	RUN(test_codec__format_is_the_documented_one);
	RUN(test_codec__long_strings_use_multi_byte_lengths);
	RUN(test_codec__truncated_input_is_einval);
	RUN(test_codec__trailing_bytes_are_einval);
	RUN(test_codec__unknown_type_byte_is_einval);
	RUN(test_codec__invalid_scalars_are_einval);
	RUN(test_codec__huge_counts_and_lengths_are_einval);
	RUN(test_codec__overlong_varints_are_einval);
	RUN(test_codec__deep_nesting_is_einval);
	RUN(test_codec__nesting_at_the_limit_decodes);
	RUN(test_codec__random_bytes_never_crash);
	RUN(test_codec__mutated_encodings_never_crash);
	RUN(test_codec__decode_value_reports_bytes_used);
	RUN(test_codec__decode_value_of_bad_input_is_einval_and_out_untouched);
	return check_done();
}
