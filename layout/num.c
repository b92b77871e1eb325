/* Exact DynamoDB numbers (SPEC §5): parse number text into sign, decimal
 * exponent and at most 38 significant digits, render it canonically, compare
 * canonical texts, and give them an order-preserving key encoding (SPEC §3).
 * Nothing here ever touches a double: every step works on the digits. */
#include "num.h"

#include <errno.h>
#include <string.h>

/* Exponent bounds of x = 0.d1d2...dn * 10^e with d1 != 0:
 * 1E-130 is 0.1E-129, 9.99...9E+125 (38 nines) is 0.99...9E+126. */
#define NUM_EXP_MIN (-129)
#define NUM_EXP_MAX 126

/* Exponent text is saturated here, far beyond either bound, so that
 * "1e99999999999999999999" cannot overflow the arithmetic. */
#define NUM_EXP_SAT 1000000000000000LL

/* How much of an offending text a message quotes. */
#define NUM_QUOTE_MAX 64

/* A parsed number: value = (neg ? -1 : 1) * 0.d[0]d[1]...d[n-1] * 10^exp.
 * Zero is n == 0. d holds ASCII digits, d[0] != '0', d[n-1] != '0'. */
struct num {
	int neg;
	long long exp;
	size_t n;
	char d[LAY_NUM_MAX_DIGITS];
};

enum num_status { NUM_OK, NUM_SYNTAX, NUM_DIGITS, NUM_OVERFLOW, NUM_UNDERFLOW };

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Parse [+-]digits[.digits][(e|E)[+-]digits] (digits may be empty on one side
 * of the point, not both). On NUM_DIGITS, *sig gets the significant digit
 * count. x is filled only on NUM_OK.
 */
static enum num_status num_parse(struct num *x, size_t *sig, const char *s, size_t len)
{
	size_t i = 0, mant, mant_end, int_digits = 0, total = 0, first = 0, last = 0;
	int neg = 0, seen_nonzero = 0, seen_point = 0, exp_neg = 0;
	long long exp = 0, e;
	size_t k, j;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	mant = i;
	for (; i < len; i++) {
		if (s[i] == '.' && !seen_point) {
			seen_point = 1;
			continue;
		}
		if (!is_digit(s[i]))
			break;
		if (s[i] != '0') {
			if (!seen_nonzero)
				first = total;
			seen_nonzero = 1;
			last = total;
		}
		total++;
		if (!seen_point)
			int_digits++;
	}
	mant_end = i;
	if (total == 0)
		return NUM_SYNTAX;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			exp_neg = s[i++] == '-';
		if (i == len || !is_digit(s[i]))
			return NUM_SYNTAX;
		for (; i < len && is_digit(s[i]); i++)
			if (exp < NUM_EXP_SAT)
				exp = exp * 10 + (s[i] - '0');
		if (exp_neg)
			exp = -exp;
	}
	if (i != len)
		return NUM_SYNTAX;

	memset(x, 0, sizeof(*x));
	if (!seen_nonzero)
		return NUM_OK; /* zero, whatever its sign and exponent */
	if (last - first + 1 > LAY_NUM_MAX_DIGITS) {
		*sig = last - first + 1;
		return NUM_DIGITS;
	}
	/* 0.d... * 10^e: the point moves from after int_digits to before first */
	e = (long long)int_digits - (long long)first + exp;
	if (e > NUM_EXP_MAX)
		return NUM_OVERFLOW;
	if (e < NUM_EXP_MIN)
		return NUM_UNDERFLOW;
	x->neg = neg;
	x->exp = e;
	x->n = last - first + 1;
	for (k = mant, j = 0; k < mant_end; k++) {
		if (s[k] == '.')
			continue;
		if (j >= first && j <= last)
			x->d[j - first] = s[k];
		j++;
	}
	return NUM_OK;
}

/* Length of x's canonical text. */
static size_t num_text_len(const struct num *x)
{
	size_t len = (size_t)x->neg;

	if (x->n == 0)
		return 1;
	if (x->exp <= 0)
		return len + 2 + (size_t)(-x->exp) + x->n; /* 0.000ddd */
	if ((size_t)x->exp < x->n)
		return len + x->n + 1; /* dd.ddd */
	return len + (size_t)x->exp;   /* ddd000 */
}

/* Append x's canonical text to out; out is unchanged on -ENOMEM. */
static int num_format(lay_buf *out, const struct num *x)
{
	size_t len = num_text_len(x), e;
	char *p;

	if (lay_buf_grow(out, len) < 0)
		return -ENOMEM;
	p = out->p + out->len;
	if (x->n == 0) {
		*p++ = '0';
	} else {
		if (x->neg)
			*p++ = '-';
		if (x->exp <= 0) {
			*p++ = '0';
			*p++ = '.';
			memset(p, '0', (size_t)(-x->exp));
			p += -x->exp;
			memcpy(p, x->d, x->n);
			p += x->n;
		} else if ((e = (size_t)x->exp) < x->n) {
			memcpy(p, x->d, e);
			p += e;
			*p++ = '.';
			memcpy(p, x->d + e, x->n - e);
			p += x->n - e;
		} else {
			memcpy(p, x->d, x->n);
			p += x->n;
			memset(p, '0', e - x->n);
			p += e - x->n;
		}
	}
	out->len += len;
	out->p[out->len] = '\0';
	return 0;
}

/*
 * Copy at most NUM_QUOTE_MAX bytes of text into q (size qsz >= NUM_QUOTE_MAX
 * + 4) for a message: control bytes become '?', a cut stays on a UTF-8
 * character boundary and is marked with "...".
 */
static const char *quote(char *q, size_t qsz, const char *text, size_t len)
{
	size_t n = len, i;

	if (n > NUM_QUOTE_MAX) {
		n = NUM_QUOTE_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n && i + 4 < qsz; i++) {
		unsigned char c = (unsigned char)text[i];
		q[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
	}
	if (n < len)
		memcpy(q + i, "...", 4);
	else
		q[i] = '\0';
	return q;
}

int lay_num_canon(lay_buf *out, const char *text, size_t len, lay_err *err)
{
	char q[NUM_QUOTE_MAX + 4];
	struct num x;
	size_t sig = 0;

	switch (num_parse(&x, &sig, text, len)) {
	case NUM_OK:
		break;
	case NUM_SYNTAX:
		return lay_err_set(err, -EINVAL,
				   "The parameter cannot be converted to a numeric value: %s",
				   quote(q, sizeof(q), text, len));
	case NUM_DIGITS:
		return lay_err_set(err, -EINVAL,
				   "Attempting to store more than %d significant digits in a "
				   "Number: %s has %zu",
				   LAY_NUM_MAX_DIGITS, quote(q, sizeof(q), text, len), sig);
	case NUM_OVERFLOW:
		return lay_err_set(err, -EINVAL,
				   "Number overflow. Attempting to store a number with magnitude "
				   "larger than supported range: %s",
				   quote(q, sizeof(q), text, len));
	case NUM_UNDERFLOW:
		return lay_err_set(err, -EINVAL,
				   "Number underflow. Attempting to store a number with magnitude "
				   "smaller than supported range: %s",
				   quote(q, sizeof(q), text, len));
	}
	if (num_format(out, &x) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory formatting a number");
	return 0;
}

/* Bytes before the '.' (or the end) of a canonical magnitude. */
static size_t int_len(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);

	return dot ? (size_t)(dot - s) : len;
}

/*
 * Canonical magnitudes have no leading zeros (bar "0" and "0.x", whose integer
 * part is one digit) and no trailing fractional zeros, so a longer integer part
 * is larger and, at equal lengths, the texts compare as strings, a proper
 * prefix being the smaller.
 */
static int mag_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t ai = int_len(a, alen), bi = int_len(b, blen);
	int c;

	if (ai != bi)
		return ai < bi ? -1 : 1;
	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

int lay_num_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int an = alen > 0 && a[0] == '-', bn = blen > 0 && b[0] == '-';

	if (an != bn)
		return an ? -1 : 1;
	if (an)
		return mag_cmp(b + 1, blen - 1, a + 1, alen - 1);
	return mag_cmp(a, alen, b, blen);
}

size_t lay_num_digits(const char *canon, size_t len)
{
	size_t i, first = len, last = 0;

	for (i = 0; i < len; i++) {
		if (is_digit(canon[i]) && canon[i] != '0') {
			if (first == len)
				first = i;
			last = i;
		}
	}
	if (first == len)
		return 1;
	/* one '.' may lie between the first and last significant digits */
	return last - first + 1 - (memchr(canon + first, '.', last - first) != NULL);
}

/*
 * Key encoding. With x = ±0.d1d2...dn * 10^e (d1 != 0, dn != 0):
 *   zero      0x80
 *   positive  0xC0, e + 129, digit pairs, 0x00
 *   negative  0x40, 255 - (e + 129), 255 - each digit pair, 0xFF
 * e + 129 spans 0..255, one byte. Digits go two per byte as 1 + 10a + b
 * (1..100), an odd count padded with a 0 digit; 0 never occurs in a pair, so
 * the 0x00 terminator sorts a digit string before its extensions (0.12 <
 * 0.123). Negatives complement exponent and pairs (155..254) so a larger
 * magnitude sorts first, and end with 0xFF so -0.12 sorts after -0.123.
 * Each marker fixes where the encoding ends, so none is a prefix of another.
 */
#define KEY_NEG 0x40
#define KEY_ZERO 0x80
#define KEY_POS 0xC0

/* Encoded size of x. */
static size_t key_len(const struct num *x)
{
	return x->n == 0 ? 1 : 2 + (x->n + 1) / 2 + 1;
}

int lay_num_keyenc(lay_buf *out, const char *canon, size_t len)
{
	struct num x;
	size_t sig, i, n;
	unsigned char *p;

	/* canon is canonical by contract; a bad one is a caller bug */
	if (num_parse(&x, &sig, canon, len) != NUM_OK)
		return -EINVAL;
	n = key_len(&x);
	if (lay_buf_grow(out, n) < 0)
		return -ENOMEM;
	p = (unsigned char *)out->p + out->len;
	if (x.n == 0) {
		*p = KEY_ZERO;
	} else {
		*p++ = x.neg ? KEY_NEG : KEY_POS;
		*p++ = (unsigned char)(x.neg ? 255 - (x.exp + 129) : x.exp + 129);
		for (i = 0; i < x.n; i += 2) {
			int pair = 1 + 10 * (x.d[i] - '0') + (i + 1 < x.n ? x.d[i + 1] - '0' : 0);
			*p++ = (unsigned char)(x.neg ? 255 - pair : pair);
		}
		*p = x.neg ? 0xFF : 0x00;
	}
	out->len += n;
	out->p[out->len] = '\0';
	return 0;
}

/* Decode the nonzero encoding at s into x; *end gets its length. */
static int key_nonzero(struct num *x, size_t *end, const unsigned char *s, size_t len)
{
	int neg = s[0] == KEY_NEG, pair;
	size_t i;

	if ((s[0] != KEY_POS && s[0] != KEY_NEG) || len < 3)
		return -EINVAL;
	x->neg = neg;
	x->exp = (long long)(neg ? 255 - s[1] : s[1]) - 129;
	for (i = 2;; i++) {
		if (i == len)
			return -EINVAL; /* no terminator */
		if (s[i] == (neg ? 0xFF : 0x00))
			break;
		pair = neg ? 255 - s[i] : s[i];
		if (pair < 1 || pair > 100 || x->n + 2 > LAY_NUM_MAX_DIGITS)
			return -EINVAL;
		x->d[x->n++] = (char)('0' + (pair - 1) / 10);
		x->d[x->n++] = (char)('0' + (pair - 1) % 10);
	}
	/* only the last pair may carry a padding 0; the digits must be canonical */
	if (x->n == 0 || x->d[0] == '0')
		return -EINVAL;
	if (x->d[x->n - 1] == '0')
		x->n--;
	if (x->d[x->n - 1] == '0')
		return -EINVAL;
	*end = i + 1;
	return 0;
}

int lay_num_keydec(lay_buf *out, size_t *used, const void *p, size_t len)
{
	const unsigned char *s = p;
	struct num x;
	size_t end = 1;
	int rc;

	memset(&x, 0, sizeof(x));
	if (len < 1)
		return -EINVAL;
	if (s[0] != KEY_ZERO && (rc = key_nonzero(&x, &end, s, len)) < 0)
		return rc;
	if (num_format(out, &x) < 0)
		return -ENOMEM;
	*used = end;
	return 0;
}

/*
 * Arithmetic on canonical texts: each magnitude is laid out as fixed-point
 * digits, NUM_INT before the point and NUM_FRAC after it, which holds every
 * number in range and a carry; the result goes through lay_num_canon,
 * which checks its digits and range.
 */
#define NUM_INT 128
#define NUM_FRAC 132
#define NUM_W (NUM_INT + NUM_FRAC)

/* Lay out canonical text s as digits (0..9 values) in d; 1 if negative. */
static int fixed_parse(unsigned char d[NUM_W], const char *s, size_t len)
{
	size_t i = 0, n, k;
	int neg = 0;
	const char *dot;

	memset(d, 0, NUM_W);
	if (len && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	dot = memchr(s + i, '.', len - i);
	n = dot ? (size_t)(dot - (s + i)) : len - i;
	for (k = 0; k < n && k < NUM_INT; k++)
		d[NUM_INT - n + k] = (unsigned char)(s[i + k] - '0');
	if (dot)
		for (k = 0; dot + 1 + k < s + len && k < NUM_FRAC; k++)
			d[NUM_INT + k] = (unsigned char)(dot[1 + k] - '0');
	return neg;
}

static int fixed_cmp(const unsigned char *a, const unsigned char *b)
{
	return memcmp(a, b, NUM_W);
}

int lay_num_add(lay_buf *out, const char *a, size_t alen, const char *b, size_t blen, int sub,
		lay_err *err)
{
	unsigned char x[NUM_W], y[NUM_W], r[NUM_W];
	char text[NUM_W + 4], *p = text;
	int xn, yn, rn, carry = 0, i, first;
	lay_err e = { 0, "" };
	char *cut;

	xn = fixed_parse(x, a, alen);
	yn = fixed_parse(y, b, blen) ^ (sub != 0);
	if (xn == yn) {
		for (i = NUM_W - 1; i >= 0; i--) {
			int s = x[i] + y[i] + carry;
			r[i] = (unsigned char)(s % 10);
			carry = s / 10;
		}
		rn = xn;
	} else {
		const unsigned char *big = x, *small = y;

		rn = xn;
		if (fixed_cmp(x, y) < 0) {
			big = y;
			small = x;
			rn = yn;
		}
		for (i = NUM_W - 1; i >= 0; i--) {
			int s = big[i] - small[i] - carry;
			carry = s < 0;
			r[i] = (unsigned char)(s < 0 ? s + 10 : s);
		}
	}
	if (rn)
		*p++ = '-';
	for (first = 0; first < NUM_INT - 1 && r[first] == 0; first++)
		;
	for (i = first; i < NUM_INT; i++)
		*p++ = (char)('0' + r[i]);
	*p++ = '.';
	for (i = NUM_INT; i < NUM_W; i++)
		*p++ = (char)('0' + r[i]);
	if (lay_num_canon(out, text, (size_t)(p - text), &e) == 0)
		return 0;
	/* DynamoDB names no number when arithmetic goes out of range, and
	 * calls a result too precise to store an overflow too */
	if (strncmp(e.msg, "Attempting to store more than", 29) == 0)
		return lay_err_set(err, -EINVAL, "Number overflow. Attempting to store a number "
				   "with magnitude larger than supported range");
	if ((cut = strstr(e.msg, ": ")) != NULL)
		*cut = '\0';
	return lay_err_set(err, e.code, "%s", e.msg);
}
