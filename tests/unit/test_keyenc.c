/* Unit tests of layout/keyenc.c and the number encoding of layout/num.c
 * (SPEC §3, §5): memcmp order of encoded keys, as LMDB compares them, is
 * DynamoDB's order; composite keys sort as pairs; decoding round-trips. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../../layout/keyenc.h"
#include "../../layout/num.h"
#include "check.h"

/* xorshift64*: a fixed seed makes every run test the same values */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int rnd(int n)
{
	return (int)(rng() % (uint64_t)n);
}

static int sgn(long c)
{
	return c < 0 ? -1 : c > 0;
}

/* LMDB's default key order: memcmp of the common length, then the length. */
static int lmdb_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return sgn(c);
	return alen < blen ? -1 : alen > blen;
}

/*
 * The reference model of a number, independent of num.c:
 * sign * 0.d[0]d[1]...d[n-1] * 10^exp with d[0] and d[n-1] nonzero.
 */
struct rnum {
	int sign; /* -1, 0, 1 */
	int exp;  /* -129..126 */
	int n;    /* 1..38 digits */
	char d[40];
};

static int ref_cmp(const struct rnum *a, const struct rnum *b)
{
	int m, c;

	if (a->sign != b->sign)
		return a->sign < b->sign ? -1 : 1;
	if (a->sign == 0)
		return 0;
	if (a->exp != b->exp)
		m = a->exp < b->exp ? -1 : 1;
	else if ((c = memcmp(a->d, b->d, (size_t)(a->n < b->n ? a->n : b->n))) != 0)
		m = sgn(c);
	else
		m = a->n < b->n ? -1 : a->n > b->n;
	return a->sign * m;
}

/* The canonical text of x (SPEC §5), built from the model. */
static void ref_text(char *out, const struct rnum *x)
{
	char *p = out;
	int i;

	if (x->sign == 0) {
		strcpy(out, "0");
		return;
	}
	if (x->sign < 0)
		*p++ = '-';
	if (x->exp <= 0) {
		*p++ = '0';
		*p++ = '.';
		for (i = 0; i < -x->exp; i++)
			*p++ = '0';
		for (i = 0; i < x->n; i++)
			*p++ = x->d[i];
	} else {
		for (i = 0; i < x->exp || i < x->n; i++) {
			if (i == x->exp)
				*p++ = '.';
			*p++ = i < x->n ? x->d[i] : '0';
		}
	}
	*p = '\0';
}

/* The same number in scientific form, d.dddE±x, for lay_num_canon to expand. */
static void sci_text(char *out, const struct rnum *x)
{
	int len = 0;

	if (x->sign == 0) {
		sprintf(out, "%s0.000e%d", rnd(2) ? "-" : "", rnd(300) - 150);
		return;
	}
	if (x->sign < 0)
		out[len++] = '-';
	out[len++] = x->d[0];
	if (x->n > 1)
		len += sprintf(out + len, ".%.*s", x->n - 1, x->d + 1);
	sprintf(out + len, "E%+d", x->exp - 1);
}

static char rnd_nonzero_digit(void)
{
	return (char)('1' + rnd(9));
}

static void rnum_random(struct rnum *x)
{
	int i, r = rnd(12);

	memset(x, 0, sizeof(*x));
	if (r == 0)
		return; /* zero */
	x->sign = rnd(2) ? 1 : -1;
	x->n = 1 + rnd(38);
	for (i = 0; i < x->n; i++)
		x->d[i] = (char)('0' + rnd(10));
	x->d[0] = rnd_nonzero_digit();
	x->d[x->n - 1] = rnd_nonzero_digit();
	r = rnd(4);
	if (r == 0)
		x->exp = -129 + rnd(256); /* the full range */
	else if (r == 1)
		x->exp = rnd(7) - 3; /* near 1: many shared exponents */
	else if (r == 2)
		x->exp = rnd(2) ? -129 + rnd(3) : 126 - rnd(3); /* the extremes */
	else
		x->exp = rnd(41) - 20;
}

/* Keep x canonical after its digits were edited: drop trailing zeros. */
static void rnum_trim(struct rnum *x)
{
	while (x->n > 1 && x->d[x->n - 1] == '0')
		x->n--;
}

/* A pair chosen to be hard for an encoding: same exponent, one digit apart,
 * one a prefix of the other, same digits at another scale, zero. */
static void rnum_pair(struct rnum *x, struct rnum *y)
{
	int k;

	rnum_random(x);
	*y = *x;
	switch (rnd(8)) {
	case 0: /* independent */
		rnum_random(y);
		break;
	case 1: /* same exponent, independent digits */
		rnum_random(y);
		if (x->sign && y->sign)
			y->exp = x->exp;
		break;
	case 2: /* 38 digits differing only in the 38th */
		if (!x->sign)
			x->sign = 1;
		for (k = x->n; k < 38; k++)
			x->d[k] = (char)('0' + rnd(10));
		x->n = 38;
		x->d[37] = rnd_nonzero_digit();
		*y = *x;
		while (y->d[37] == x->d[37])
			y->d[37] = rnd_nonzero_digit();
		break;
	case 3: /* y's digits a proper prefix of x's: 0.123 vs 0.12 */
		if (x->sign && x->n > 1) {
			y->n = 1 + rnd(x->n - 1);
			rnum_trim(y);
		}
		break;
	case 4: /* the same digits at another scale: 1 vs 10 */
		if (x->sign)
			y->exp = x->exp + (x->exp < 126 ? 1 : -1) * (1 + rnd(2));
		if (y->exp < -129 || y->exp > 126)
			y->exp = x->exp;
		break;
	case 5: /* zero against anything, tiny and huge included */
		memset(x, 0, sizeof(*x));
		if (rnd(2)) {
			y->n = 1;
			y->d[0] = '1';
			y->exp = rnd(2) ? -129 : 126;
			y->sign = rnd(2) ? 1 : -1;
		}
		break;
	case 6: /* equal */
		break;
	default: /* one digit apart anywhere */
		if (x->sign) {
			k = rnd(x->n);
			y->d[k] = k == x->n - 1 || k == 0 ? rnd_nonzero_digit()
							  : (char)('0' + rnd(10));
		}
		break;
	}
}

/* Encode the canonical number text as an N key value into b (reset first). */
static int enc_num(lay_buf *b, const char *text)
{
	lay_value v = { .type = LAY_N, .len = strlen(text), .u.p = (char *)text };

	lay_buf_reset(b);
	return lay_keyenc(b, &v);
}

/* Check one pair of model numbers: encodings and lay_num_cmp agree with the
 * reference; returns 1 when all agree. */
static int check_pair(lay_buf *ea, lay_buf *eb, const struct rnum *x, const struct rnum *y)
{
	char tx[200], ty[200];
	int want = ref_cmp(x, y), by_key, by_cmp;

	ref_text(tx, x);
	ref_text(ty, y);
	if (enc_num(ea, tx) < 0 || enc_num(eb, ty) < 0) {
		fprintf(stderr, "  cannot encode %s or %s\n", tx, ty);
		return 0;
	}
	by_key = lmdb_cmp(ea->p, ea->len, eb->p, eb->len);
	by_cmp = sgn(lay_num_cmp(tx, strlen(tx), ty, strlen(ty)));
	if (by_key != want || by_cmp != want) {
		fprintf(stderr, "  %s vs %s: reference %d, keys %d, lay_num_cmp %d\n", tx, ty,
			want, by_key, by_cmp);
		return 0;
	}
	return 1;
}

static void test_keyenc__encoded_order_equals_numeric_order_over_100000_random_pairs(void)
{
	lay_buf ea = LAY_BUF_INIT, eb = LAY_BUF_INIT;
	struct rnum x, y;
	int i, bad = 0, seen[3] = { 0, 0, 0 }, last38 = 0;

	for (i = 0; i < 100000 && bad < 10; i++) {
		rnum_pair(&x, &y);
		if (!check_pair(&ea, &eb, &x, &y) || !check_pair(&ea, &eb, &y, &x))
			bad++;
		seen[ref_cmp(&x, &y) + 1]++;
		last38 += x.n == 38 && y.n == 38 && x.exp == y.exp &&
			  memcmp(x.d, y.d, 37) == 0 && x.d[37] != y.d[37];
	}
	CHECK(bad == 0);
	/* the generator really produced every outcome and the 38th-digit pairs */
	CHECK(seen[0] > 10000 && seen[1] > 5000 && seen[2] > 10000);
	CHECK(last38 > 5000);
	lay_buf_free(&ea);
	lay_buf_free(&eb);
}

/* Parse "±digits@exp" shorthand into the model: "+12@0" is 0.12. */
static void rnum_set(struct rnum *x, int sign, const char *digits, int exp)
{
	memset(x, 0, sizeof(*x));
	x->sign = sign;
	if (!sign)
		return;
	x->n = (int)strlen(digits);
	memcpy(x->d, digits, (size_t)x->n);
	x->exp = exp;
}

static void test_keyenc__numeric_edge_pairs_sort_numerically(void)
{
	static const struct {
		int sa;
		const char *da;
		int ea;
		int sb;
		const char *db;
		int eb;
	} pairs[] = {
		{ 1, "12", 0, 1, "123", 0 },     /* 0.12 vs 0.123 */
		{ -1, "12", 0, -1, "123", 0 },   /* -0.12 vs -0.123 */
		{ 1, "1", 1, 1, "1", 2 },        /* 1 vs 10 */
		{ -1, "1", 1, -1, "1", 2 },      /* -1 vs -10 */
		{ 0, "", 0, 1, "1", -129 },      /* 0 vs 1E-130 */
		{ 0, "", 0, -1, "1", -129 },     /* 0 vs -1E-130 */
		{ 1, "1", -129, 1, "1", -128 },  /* 1E-130 vs 1E-129 */
		{ -1, "1", -129, 1, "1", -129 }, /* -1E-130 vs 1E-130 */
		{ 1, "1", 1, 1, "11", 1 },       /* 1 vs 1.1 */
		{ 1, "19", 1, 1, "2", 1 },       /* 1.9 vs 2 */
		{ -1, "19", 1, -1, "2", 1 },     /* -1.9 vs -2 */
		{ 1, "9", 1, 1, "1", 2 },        /* 9 vs 10 */
		{ 1, "101", 1, 1, "11", 1 },     /* 1.01 vs 1.1 */
		{ 1, "99999999999999999999999999999999999999", 126, 1, "1", 126 },
		{ -1, "99999999999999999999999999999999999999", 126, -1,
		  "99999999999999999999999999999999999998", 126 },
		{ 1, "10000000000000000000000000000000000001", 5, 1,
		  "10000000000000000000000000000000000002", 5 },
	};
	lay_buf ea = LAY_BUF_INIT, eb = LAY_BUF_INIT;
	struct rnum x, y;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		rnum_set(&x, pairs[i].sa, pairs[i].da, pairs[i].ea);
		rnum_set(&y, pairs[i].sb, pairs[i].db, pairs[i].eb);
		CHECK(ref_cmp(&x, &y) != 0);
		CHECK(check_pair(&ea, &eb, &x, &y));
		CHECK(check_pair(&ea, &eb, &y, &x));
		CHECK(check_pair(&ea, &eb, &x, &x));
	}
	lay_buf_free(&ea);
	lay_buf_free(&eb);
}

static void test_keyenc__random_numbers_are_canonical_in_scientific_form_too(void)
{
	char sci[200], text[200];
	lay_buf b = LAY_BUF_INIT;
	struct rnum x;
	int i, bad = 0;

	for (i = 0; i < 20000 && bad < 10; i++) {
		rnum_random(&x);
		ref_text(text, &x);
		sci_text(sci, &x);
		lay_buf_reset(&b);
		if (lay_num_canon(&b, sci, strlen(sci), NULL) < 0 || strcmp(b.p, text) != 0) {
			fprintf(stderr, "  %s gave %s, wanted %s\n", sci, b.p ? b.p : "-", text);
			bad++;
		}
		lay_buf_reset(&b);
		if (lay_num_canon(&b, text, strlen(text), NULL) < 0 || strcmp(b.p, text) != 0)
			bad++;
	}
	CHECK(bad == 0);
	lay_buf_free(&b);
}

/* ---- S, B and composite keys ---- */

struct bytes {
	const char *p;
	size_t len;
};

#define BY(s) { s, sizeof(s) - 1 }

/* Values where escaping could go wrong: NULs, 0x01, 0xFF, prefixes. */
static const struct bytes tricky[] = {
	BY(""),        BY("\0"),         BY("\0\0"),   BY("\0\x01"),  BY("\0\xff"),
	BY("\x01"),    BY("a"),          BY("a\0"),    BY("a\0\0"),   BY("a\0b"),
	BY("a\x01"),   BY("ab"),         BY("a\xff"),  BY("b"),       BY("\xff"),
	BY("\xff\0"),  BY("\xff\xff"),
};
#define NTRICKY (sizeof(tricky) / sizeof(tricky[0]))

static int bytes_cmp(const struct bytes *a, const struct bytes *b)
{
	return lmdb_cmp(a->p, a->len, b->p, b->len);
}

/* Append enc(pk) + enc(sk) of type t to out. */
static int enc_pair(lay_buf *out, lay_type t, const struct bytes *pk, const struct bytes *sk)
{
	lay_value a = { .type = t, .len = pk->len, .u.p = (char *)pk->p };
	lay_value b = { .type = t, .len = sk->len, .u.p = (char *)sk->p };

	lay_buf_reset(out);
	if (lay_keyenc(out, &a) < 0 || lay_keyenc(out, &b) < 0)
		return -1;
	return 0;
}

/* Every pair of (pk, sk) pairs from vals sorts by encoding as by cmp. */
static int composite_order_holds(lay_type t, const struct bytes *vals, size_t n,
				 int (*cmp)(const struct bytes *, const struct bytes *))
{
	lay_buf ea = LAY_BUF_INIT, eb = LAY_BUF_INIT;
	size_t c, i, j, k, l;
	int bad = 0, want, got;

	/* c walks all n^4 choices of (pk1, sk1) and (pk2, sk2) */
	for (c = 0; c < n * n * n * n && bad < 5; c++) {
		i = c % n;
		j = c / n % n;
		k = c / n / n % n;
		l = c / n / n / n;
		if (enc_pair(&ea, t, &vals[i], &vals[j]) < 0 ||
		    enc_pair(&eb, t, &vals[k], &vals[l]) < 0) {
			bad++;
			continue;
		}
		want = cmp(&vals[i], &vals[k]);
		if (!want)
			want = cmp(&vals[j], &vals[l]);
		got = lmdb_cmp(ea.p, ea.len, eb.p, eb.len);
		if (got != want) {
			fprintf(stderr, "  pairs %zu,%zu vs %zu,%zu: %d, wanted %d\n", i, j, k,
				l, got, want);
			bad++;
		}
	}
	lay_buf_free(&ea);
	lay_buf_free(&eb);
	return bad == 0;
}

static void test_keyenc__s_composite_keys_sort_as_pairs_with_nul_bytes_and_prefixes(void)
{
	CHECK(composite_order_holds(LAY_S, tricky, NTRICKY, bytes_cmp));
}

static void test_keyenc__b_composite_keys_sort_as_pairs_with_0x00_and_0xff_bytes(void)
{
	CHECK(composite_order_holds(LAY_B, tricky, NTRICKY, bytes_cmp));
}

static int num_cmp_bytes(const struct bytes *a, const struct bytes *b)
{
	return sgn(lay_num_cmp(a->p, a->len, b->p, b->len));
}

static void test_keyenc__n_composite_keys_sort_as_pairs(void)
{
	static const struct bytes nums[] = {
		BY("-100"), BY("-10"), BY("-1"), BY("-0.123"), BY("-0.12"), BY("0"),
		BY("0.12"), BY("0.123"), BY("1"), BY("10"), BY("100"),
	};

	CHECK(composite_order_holds(LAY_N, nums, sizeof(nums) / sizeof(nums[0]),
				    num_cmp_bytes));
}

static void test_keyenc__random_s_composite_keys_sort_as_pairs(void)
{
	static const char alphabet[] = { 0x00, 0x01, 'a', (char)0xFE, (char)0xFF };
	char buf[4][6];
	struct bytes v[4];
	lay_buf ea = LAY_BUF_INIT, eb = LAY_BUF_INIT;
	int i, j, bad = 0, want;

	for (i = 0; i < 50000 && bad < 5; i++) {
		for (j = 0; j < 4; j++) {
			int n = rnd(6), k;

			for (k = 0; k < n; k++)
				buf[j][k] = alphabet[rnd(sizeof(alphabet))];
			v[j].p = buf[j];
			v[j].len = (size_t)n;
		}
		if (rnd(3) == 0) /* share partitions often */
			v[2] = v[0];
		CHECK_RC(enc_pair(&ea, LAY_S, &v[0], &v[1]), 0);
		CHECK_RC(enc_pair(&eb, LAY_S, &v[2], &v[3]), 0);
		want = bytes_cmp(&v[0], &v[2]);
		if (!want)
			want = bytes_cmp(&v[1], &v[3]);
		if (lmdb_cmp(ea.p, ea.len, eb.p, eb.len) != want)
			bad++;
	}
	CHECK(bad == 0);
	lay_buf_free(&ea);
	lay_buf_free(&eb);
}

static void test_keyenc__s_encoding_escapes_nul_and_ends_with_0x00_0x01(void)
{
	lay_value v = { .type = LAY_S, .len = 3, .u.p = "a\0b" };
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(lay_keyenc(&b, &v), 0);
	CHECK(b.len == 6 && memcmp(b.p, "a\0\xff" "b\0\x01", 6) == 0);
	lay_buf_free(&b);
}

static void test_keyenc__other_types_are_einval(void)
{
	lay_value v = { .type = LAY_BOOL, .len = 1 };
	lay_item it = LAY_ITEM_INIT;
	lay_value out;
	lay_buf b = LAY_BUF_INIT;
	size_t used = 7;

	CHECK_RC(lay_keyenc(&b, &v), -EINVAL);
	v.type = LAY_SS;
	CHECK_RC(lay_keyenc(&b, &v), -EINVAL);
	CHECK(b.len == 0);
	CHECK_RC(lay_keydec(&it, &out, &used, LAY_BOOL, "\0\x01", 2), -EINVAL);
	CHECK(used == 7);
	lay_buf_free(&b);
	lay_item_free(&it);
}

/* Decode enc at its start as type t; the value must equal want and consume
 * exactly want_used bytes. */
static int decodes_to(lay_item *it, lay_type t, const char *enc, size_t len,
		      const char *want, size_t want_len, size_t want_used)
{
	lay_value v;
	size_t used = 0;

	if (lay_keydec(it, &v, &used, t, enc, len) != 0)
		return 0;
	return v.type == t && v.len == want_len && memcmp(v.u.p, want, want_len) == 0 &&
	       v.u.p[want_len] == '\0' && used == want_used;
}

static void test_keydec__random_values_round_trip(void)
{
	static const lay_type types[] = { LAY_S, LAY_B, LAY_N };
	lay_item it = LAY_ITEM_INIT;
	lay_buf enc = LAY_BUF_INIT;
	char raw[64], text[200];
	int i, bad = 0;

	for (i = 0; i < 20000 && bad < 5; i++) {
		lay_type t = types[rnd(3)];
		lay_value v = { .type = t };
		size_t len, k;

		if (t == LAY_N) {
			struct rnum x;

			rnum_random(&x);
			ref_text(text, &x);
			v.u.p = text;
			len = strlen(text);
		} else {
			len = (size_t)rnd(sizeof(raw));
			for (k = 0; k < len; k++) /* NULs and 0xFF often */
				raw[k] = rnd(4) == 0 ? (char)(rnd(2) ? 0x00 : 0xFF)
						     : (char)rnd(256);
			v.u.p = raw;
		}
		v.len = len;
		lay_buf_reset(&enc);
		CHECK_RC(lay_keyenc(&enc, &v), 0);
		k = enc.len;
		/* another key follows, as a sort key follows its partition key */
		CHECK_RC(lay_buf_add(&enc, "\0\x01\x80", 3), 0);
		if (!decodes_to(&it, t, enc.p, enc.len, v.u.p, len, k))
			bad++;
		if (i % 1000 == 999)
			lay_item_free(&it);
	}
	CHECK(bad == 0);
	lay_item_free(&it);
	lay_buf_free(&enc);
}

static void test_keydec__a_composite_key_decodes_in_turn(void)
{
	lay_value pk = { .type = LAY_S, .len = 5, .u.p = "al\0ce" };
	lay_value sk = { .type = LAY_N, .len = 6, .u.p = "-12.05" };
	lay_item it = LAY_ITEM_INIT;
	lay_buf enc = LAY_BUF_INIT;
	lay_value v;
	size_t used = 0, used2 = 0;

	CHECK_RC(lay_keyenc(&enc, &pk), 0);
	CHECK_RC(lay_keyenc(&enc, &sk), 0);
	CHECK_RC(lay_keydec(&it, &v, &used, LAY_S, enc.p, enc.len), 0);
	CHECK(v.type == LAY_S && v.len == 5 && memcmp(v.u.p, "al\0ce", 5) == 0);
	CHECK_RC(lay_keydec(&it, &v, &used2, LAY_N, enc.p + used, enc.len - used), 0);
	CHECK(v.type == LAY_N);
	CHECK_STR(v.u.p, "-12.05");
	CHECK(used + used2 == enc.len);
	lay_item_free(&it);
	lay_buf_free(&enc);
}

/* keydec fails with -EINVAL and leaves *out and *used alone. */
static int keydec_corrupt(lay_type t, const char *p, size_t len)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value v = { .type = LAY_NULL, .len = 99 };
	size_t used = 99;
	int ok = lay_keydec(&it, &v, &used, t, p, len) == -EINVAL && used == 99 &&
		 v.type == LAY_NULL && v.len == 99;

	lay_item_free(&it);
	return ok;
}

static void test_keydec__corrupt_encodings_are_einval(void)
{
	CHECK(keydec_corrupt(LAY_S, "", 0));
	CHECK(keydec_corrupt(LAY_S, "abc", 3));          /* no terminator */
	CHECK(keydec_corrupt(LAY_S, "abc\0", 4));        /* cut inside the terminator */
	CHECK(keydec_corrupt(LAY_B, "a\0\x02" "b\0\x01", 6)); /* bad escape */
	CHECK(keydec_corrupt(LAY_B, "a\0\xff", 3));      /* escaped NUL, then nothing */
	CHECK(keydec_corrupt(LAY_N, "", 0));
	CHECK(keydec_corrupt(LAY_N, "\xc0\x81\x0c", 3)); /* no terminator */
	CHECK(keydec_corrupt(LAY_N, "x", 1));
}

static void test_keydec__empty_value_decodes_to_empty(void)
{
	lay_item it = LAY_ITEM_INIT;

	CHECK(decodes_to(&it, LAY_B, "\0\x01" "zz", 4, "", 0, 2));
	CHECK(decodes_to(&it, LAY_S, "\0\xff\0\xff\0\x01", 6, "\0\0", 2, 6));
	CHECK(decodes_to(&it, LAY_N, "\x80\x80", 2, "0", 1, 1));
	lay_item_free(&it);
}

int main(void)
{
	RUN(test_keyenc__encoded_order_equals_numeric_order_over_100000_random_pairs);
	RUN(test_keyenc__numeric_edge_pairs_sort_numerically);
	RUN(test_keyenc__random_numbers_are_canonical_in_scientific_form_too);
	RUN(test_keyenc__s_composite_keys_sort_as_pairs_with_nul_bytes_and_prefixes);
	RUN(test_keyenc__b_composite_keys_sort_as_pairs_with_0x00_and_0xff_bytes);
	RUN(test_keyenc__n_composite_keys_sort_as_pairs);
	RUN(test_keyenc__random_s_composite_keys_sort_as_pairs);
	RUN(test_keyenc__s_encoding_escapes_nul_and_ends_with_0x00_0x01);
	RUN(test_keyenc__other_types_are_einval);
	RUN(test_keydec__random_values_round_trip);
	RUN(test_keydec__a_composite_key_decodes_in_turn);
	RUN(test_keydec__corrupt_encodings_are_einval);
	RUN(test_keydec__empty_value_decodes_to_empty);
	return check_done();
}
