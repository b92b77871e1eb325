/* The lexical layer of Ion text (layout/ion.c reads records with it):
 * whitespace and comments, strings, symbols and their escapes, numbers
 * cleaned of Ion's forms (0x, 0b, '_', d exponents) and canonicalized by
 * lay_num_canon, blobs; and failures that name the path, line and column. */
#include "ionlex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "num.h"
#include "text.h"
#include "utf8.h"

#define SHOWN LAY_ION_SHOWN

/* Significant digits of a 0x or 0b int worth converting: more is far
 * beyond DynamoDB's largest number anyway. */
#define MAX_RADIX_DIGITS 512

int lay_ion_vfail(lay_ion_lex *p, int code, const char *fmt, va_list ap)
{
	char why[LAY_ERR_MSG];
	size_t n = p->path.len, line, col;

	vsnprintf(why, sizeof(why), fmt, ap);
	lay_text_line_col(&line, &col, p->s, p->pos < p->len ? p->pos : p->len);
	if (n == 0)
		return lay_err_set(p->err, code, "%s (line %zu, column %zu)", why, line, col);
	if (n > SHOWN) {
		/* cut on a character boundary so the message stays UTF-8 */
		n = SHOWN;
		while (n > 0 && ((unsigned char)p->path.p[n] & 0xC0) == 0x80)
			n--;
	}
	return lay_err_set(p->err, code, "attribute \"%.*s%s\": %s (line %zu, column %zu)", (int)n,
			   p->path.p, n < p->path.len ? "..." : "", why, line, col);
}

int lay_ion_fail(lay_ion_lex *p, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = lay_ion_vfail(p, code, fmt, ap);
	va_end(ap);
	return rc;
}

int lay_ion_nomem(lay_ion_lex *p)
{
	return lay_ion_fail(p, -ENOMEM, "out of memory reading an item");
}

/* The text ends inside a value: the caller appends more and retries. */
int lay_ion_more(lay_ion_lex *p)
{
	return lay_ion_fail(p, -EAGAIN, "the text ends inside a value");
}

/* Step over whitespace and comments. -EAGAIN inside a block comment. */
int lay_ion_skip_ws(lay_ion_lex *p)
{
	const char *end;

	for (;;) {
		while (!lay_ion_at_end(p) && lay_ion_is_ws((unsigned char)p->s[p->pos]))
			p->pos++;
		if (lay_ion_peek(p, 0) != '/')
			return 0;
		if (lay_ion_peek(p, 1) == -1)
			return lay_ion_more(p);
		if (lay_ion_peek(p, 1) == '/') {
			end = memchr(p->s + p->pos, '\n', p->len - p->pos);
			p->pos = end ? (size_t)(end - p->s) : p->len;
		} else if (lay_ion_peek(p, 1) == '*') {
			for (p->pos += 2; p->pos + 1 < p->len; p->pos++)
				if (p->s[p->pos] == '*' && p->s[p->pos + 1] == '/')
					break;
			if (p->pos + 1 >= p->len) {
				p->pos = p->len;
				return lay_ion_more(p);
			}
			p->pos += 2;
		} else {
			return 0;
		}
	}
}

/* skip_ws, then -EAGAIN if the text ends there: inside a container. */
int lay_ion_skip_ws_more(lay_ion_lex *p)
{
	int rc = lay_ion_skip_ws(p);

	if (rc == 0 && lay_ion_at_end(p))
		rc = lay_ion_more(p);
	return rc;
}

size_t lay_ion_ident_len(const lay_ion_lex *p)
{
	size_t i = p->pos;

	if (i >= p->len || !lay_ion_is_ident_start((unsigned char)p->s[i]))
		return 0;
	for (i++; i < p->len && lay_ion_is_ident_char((unsigned char)p->s[i]); i++)
		;
	return i - p->pos;
}

static int add_utf8(lay_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return lay_buf_add(b, u, n);
}

static int hex_value(int c)
{
	if (lay_ion_is_digit(c))
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* The n hex digits at pos + k as *cp. 1, 0 (not hex digits) or -EAGAIN. */
static int hex_digits(lay_ion_lex *p, size_t k, size_t n, unsigned long *cp)
{
	size_t i;
	int h;

	*cp = 0;
	for (i = 0; i < n; i++) {
		if (lay_ion_peek(p, k + i) == -1)
			return lay_ion_more(p);
		if ((h = hex_value(lay_ion_peek(p, k + i))) < 0)
			return 0;
		*cp = *cp << 4 | (unsigned long)h;
	}
	return 1;
}

/* Decode the escape at pos (a backslash) into b. */
static int escape(lay_ion_lex *p, lay_buf *b)
{
	static const char from[] = "abtnfrv?0'\"/\\", to[] = "\a\b\t\n\f\r\v?\0'\"/\\";
	const char *m;
	unsigned long cp, lo;
	size_t n;
	int c = lay_ion_peek(p, 1), rc;

	if (c == -1)
		return lay_ion_more(p);
	if (c == '\n' || c == '\r') {
		/* an escaped newline joins the lines */
		p->pos += 2;
		if (c == '\r' && lay_ion_peek(p, 0) == '\n')
			p->pos++;
		return 0;
	}
	if (c != 'x' && c != 'u' && c != 'U') {
		if (!(m = strchr(from, c)) || c == 0)
			return lay_ion_fail(p, -EINVAL, "invalid escape \"\\%c\" in a string", c);
		if (to[m - from] == '\0')
			return lay_ion_fail(p, -EINVAL,
					    "a string contains U+0000 (\\0), which is not "
					    "supported");
		p->pos += 2;
		return lay_buf_addc(b, to[m - from]) < 0 ? lay_ion_nomem(p) : 0;
	}
	n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
	if ((rc = hex_digits(p, 2, n, &cp)) <= 0)
		return rc < 0 ? rc
			      : lay_ion_fail(p, -EINVAL,
					     "invalid escape: \\%c needs %zu hex digits", c, n);
	if (cp >= 0xD800 && cp <= 0xDBFF && c == 'u') {
		/* a UTF-16 pair written as two \u escapes */
		if (lay_ion_peek(p, 6) == -1 ||
		    (lay_ion_peek(p, 6) == '\\' && lay_ion_peek(p, 7) == -1))
			return lay_ion_more(p);
		if (lay_ion_peek(p, 6) == '\\' && lay_ion_peek(p, 7) == 'u') {
			if ((rc = hex_digits(p, 8, 4, &lo)) < 0)
				return rc;
			if (rc > 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				n += 6;
			}
		}
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return lay_ion_fail(p, -EINVAL,
				    "a string has half of a UTF-16 surrogate pair "
				    "(\\u%04lX alone)",
				    cp);
	if (cp > 0x10FFFF)
		return lay_ion_fail(p, -EINVAL, "escape \\U%08lX is beyond U+10FFFF", cp);
	if (cp == 0)
		return lay_ion_fail(p, -EINVAL, "a string contains U+0000, which is not supported");
	p->pos += 2 + n;
	return add_utf8(b, cp) < 0 ? lay_ion_nomem(p) : 0;
}

/*
 * Decode the string or quoted symbol whose opening quote (q, or ''' when
 * is_long) was just passed, up to and past its closing quote, appending to
 * b. Short forms hold no raw newline; neither holds raw control characters
 * other than whitespace.
 */
int lay_ion_quoted(lay_ion_lex *p, lay_buf *b, int q, int is_long)
{
	size_t run;
	int c, rc;

	for (;;) {
		for (run = p->pos; !lay_ion_at_end(p); p->pos++) {
			c = (unsigned char)p->s[p->pos];
			if (c == q || c == '\\' || c < 0x20 || c == 0x7F)
				break;
		}
		if (lay_buf_add(b, p->s + run, p->pos - run) < 0)
			return lay_ion_nomem(p);
		if (lay_ion_at_end(p))
			return lay_ion_more(p);
		c = (unsigned char)p->s[p->pos];
		if (c == '\\') {
			if ((rc = escape(p, b)) < 0)
				return rc;
		} else if (c == q && !is_long) {
			p->pos++;
			return 0;
		} else if (c == q) {
			if (lay_ion_peek(p, 1) == '\'' && lay_ion_peek(p, 2) == '\'') {
				p->pos += 3;
				return 0;
			}
			if (lay_ion_peek(p, 1) == -1 ||
			    (lay_ion_peek(p, 1) == '\'' && lay_ion_peek(p, 2) == -1))
				return lay_ion_more(p);
			if (lay_buf_addc(b, (char)c) < 0)
				return lay_ion_nomem(p);
			p->pos++;
		} else if (c == '\n' || c == '\r') {
			if (!is_long)
				return lay_ion_fail(p, -EINVAL,
						    "a newline inside a quoted %s; write \\n, "
						    "or use a long string '''...'''",
						    q == '"' ? "string" : "symbol");
			if (lay_buf_addc(b, (char)c) < 0)
				return lay_ion_nomem(p);
			p->pos++;
		} else if (c == '\t' || c == '\v' || c == '\f' || c == 0x7F) {
			if (lay_buf_addc(b, (char)c) < 0)
				return lay_ion_nomem(p);
			p->pos++;
		} else {
			return lay_ion_fail(p, -EINVAL,
					    "a raw control character (0x%02X) inside a "
					    "string; write it escaped (\\x%02x)",
					    c, c);
		}
	}
}

/* Long strings at pos ('''), with the adjacent ones they join, into b. */
int lay_ion_long_strings(lay_ion_lex *p, lay_buf *b)
{
	int rc;

	do {
		p->pos += 3;
		if ((rc = lay_ion_quoted(p, b, '\'', 1)) < 0 || (rc = lay_ion_skip_ws_more(p)) < 0)
			return rc;
		if (lay_ion_peek(p, 0) == '\'' &&
		    (lay_ion_peek(p, 1) == -1 ||
		     (lay_ion_peek(p, 1) == '\'' && lay_ion_peek(p, 2) == -1)))
			return lay_ion_more(p);
	} while (lay_ion_peek(p, 0) == '\'' && lay_ion_peek(p, 1) == '\'' &&
		 lay_ion_peek(p, 2) == '\'');
	return 0;
}

/* Whether a string just decoded into p->str is one DynamoDB takes. */
int lay_ion_check_text(lay_ion_lex *p, const char *what)
{
	if (!lay_utf8_valid(p->str.p ? p->str.p : "", p->str.len))
		return lay_ion_fail(p, -EINVAL, "%s is not valid UTF-8", what);
	return 0;
}

/*
 * A symbol or string at pos, decoded into p->str: an identifier, a quoted
 * symbol, a string or long strings. *kind gets 'i', '\'' or '"'; 0 if no
 * such token starts at pos (nothing consumed).
 */
int lay_ion_text(lay_ion_lex *p, int *kind)
{
	size_t n;
	int rc;

	lay_buf_reset(&p->str);
	*kind = 0;
	if ((n = lay_ion_ident_len(p)) > 0) {
		if (lay_buf_add(&p->str, p->s + p->pos, n) < 0)
			return lay_ion_nomem(p);
		p->pos += n;
		*kind = 'i';
		return 0;
	}
	if (lay_ion_peek(p, 0) == '\'' && lay_ion_peek(p, 1) == '\'' &&
	    lay_ion_peek(p, 2) == '\'') {
		*kind = '"';
		rc = lay_ion_long_strings(p, &p->str);
	} else if (lay_ion_peek(p, 0) == '\'') {
		if (lay_ion_peek(p, 1) == -1 ||
		    (lay_ion_peek(p, 1) == '\'' && lay_ion_peek(p, 2) == -1))
			return lay_ion_more(p);
		p->pos++;
		*kind = '\'';
		rc = lay_ion_quoted(p, &p->str, '\'', 0);
	} else if (lay_ion_peek(p, 0) == '"') {
		p->pos++;
		*kind = '"';
		rc = lay_ion_quoted(p, &p->str, '"', 0);
	} else {
		return 0;
	}
	if (rc == 0 && lay_buf_addc(&p->str, '\0') == 0)
		p->str.len--;
	return rc;
}

/* Append the decimal text of n digits of base 2 or 16 ('_' skipped). */
static int radix_to_dec(lay_ion_lex *p, const char *d, size_t n, unsigned base)
{
	unsigned char *dec;
	size_t i, k, nd = 0, sig = 0;
	unsigned carry;
	int rc = 0;

	for (i = 0; i < n; i++)
		sig += d[i] != '_' && (sig || d[i] != '0');
	if (sig > MAX_RADIX_DIGITS)
		return lay_ion_fail(p, -EINVAL,
				    "Number overflow. Attempting to store a number with "
				    "magnitude larger than supported range");
	if (!(dec = malloc(sig * 2 + 2)))
		return lay_ion_nomem(p);
	for (i = 0; i < n; i++) {
		if (d[i] == '_')
			continue;
		carry = (unsigned)hex_value((unsigned char)d[i]);
		for (k = 0; k < nd; k++) {
			unsigned x = dec[k] * base + carry;

			dec[k] = (unsigned char)(x % 10);
			carry = x / 10;
		}
		for (; carry; carry /= 10)
			dec[nd++] = (unsigned char)(carry % 10);
	}
	if (nd == 0)
		dec[nd++] = 0;
	for (k = nd; k-- > 0 && rc == 0;)
		rc = lay_buf_addc(&p->tmp, (char)('0' + dec[k]));
	free(dec);
	return rc < 0 ? lay_ion_nomem(p) : 0;
}

/* Digits of base (10, 16 or 2) with single '_' between them, from s[i]:
 * the index after them, or 0 if there are none or a '_' is misplaced. */
static size_t digit_run(const char *s, size_t i, size_t n, unsigned base)
{
	size_t start = i;

	for (; i < n; i++) {
		int c = (unsigned char)s[i];
		int v = hex_value(c);

		if (c == '_') {
			if (i == start || i + 1 >= n || s[i - 1] == '_')
				return 0;
			continue;
		}
		if (v < 0 || (unsigned)v >= base || (base == 10 && !lay_ion_is_digit(c)))
			break;
	}
	if (i == start || s[i - 1] == '_')
		return 0;
	return i;
}

/* Copy s[from..to) to p->tmp without its '_'. */
static int add_digits(lay_ion_lex *p, const char *s, size_t from, size_t to)
{
	for (; from < to; from++)
		if (s[from] != '_' && lay_buf_addc(&p->tmp, s[from]) < 0)
			return lay_ion_nomem(p);
	return 0;
}

static int is_stop(int c)
{
	return c == -1 || lay_ion_is_ws(c) || (c > 0 && strchr("{}[](),\"'/", c) != NULL);
}

/*
 * A number (or a timestamp, which DynamoDB cannot hold) at pos: Ion's int,
 * decimal and float forms, checked as DynamoDB checks N.
 */
int lay_ion_number(lay_ion_lex *p)
{
	const char *s = p->s + p->pos;
	size_t n, i = 0, j;
	lay_err e = { 0, "" };
	int rc;

	for (n = 0; !is_stop(lay_ion_peek(p, n)); n++)
		;
	if (p->pos + n >= p->len)
		return lay_ion_more(p);
	if (n >= 5 && lay_ion_is_digit(s[0]) && lay_ion_is_digit(s[1]) && lay_ion_is_digit(s[2]) &&
	    lay_ion_is_digit(s[3]) && (s[4] == '-' || s[4] == 'T'))
		return lay_ion_fail(p, -EINVAL, "a timestamp (%.*s): DynamoDB has no such type",
				    (int)(n > SHOWN ? SHOWN : n), s);
	if (lay_ion_word_is(s, n, "+inf") || lay_ion_word_is(s, n, "-inf"))
		return lay_ion_fail(p, -EINVAL,
				    "%.*s is not a number DynamoDB can store (only finite "
				    "numbers)",
				    (int)n, s);
	lay_buf_reset(&p->tmp);
	if (s[0] == '-') {
		if (lay_buf_addc(&p->tmp, '-') < 0)
			return lay_ion_nomem(p);
		i = 1;
	}
	if (i + 1 < n && s[i] == '0' && s[i + 1] && strchr("xXbB", s[i + 1])) {
		unsigned base = (s[i + 1] | 0x20) == 'x' ? 16 : 2;

		if ((j = digit_run(s, i + 2, n, base)) != n)
			goto bad;
		if ((rc = radix_to_dec(p, s + i + 2, n - i - 2, base)) < 0)
			return rc;
	} else {
		if (!(j = digit_run(s, i, n, 10)) || (s[i] == '0' && j > i + 1))
			goto bad;
		if ((rc = add_digits(p, s, i, j)) < 0)
			return rc;
		i = j;
		if (i < n && s[i] == '.') {
			if (lay_buf_addc(&p->tmp, '.') < 0)
				return lay_ion_nomem(p);
			i++;
			if (i < n && lay_ion_is_digit(s[i])) {
				if (!(j = digit_run(s, i, n, 10)))
					goto bad;
				if ((rc = add_digits(p, s, i, j)) < 0)
					return rc;
				i = j;
			}
		}
		if (i < n && s[i] && strchr("dDeE", s[i])) {
			if (lay_buf_addc(&p->tmp, 'e') < 0)
				return lay_ion_nomem(p);
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-') &&
			    lay_buf_addc(&p->tmp, s[i++]) < 0)
				return lay_ion_nomem(p);
			for (j = i; j < n && lay_ion_is_digit(s[j]); j++)
				;
			if (j == i)
				goto bad;
			if ((rc = add_digits(p, s, i, j)) < 0)
				return rc;
			i = j;
		}
		if (i != n)
			goto bad;
	}
	lay_buf_reset(&p->str);
	if ((rc = lay_num_canon(&p->str, p->tmp.p, p->tmp.len, &e)) < 0)
		return rc == -ENOMEM ? lay_ion_nomem(p) : lay_ion_fail(p, rc, "%s", e.msg);
	p->pos += n;
	return 0;
bad:
	return lay_ion_fail(p, -EINVAL, "invalid number \"%.*s%s\"", (int)(n > SHOWN ? SHOWN : n),
			    s, n > SHOWN ? "..." : "");
}

/* A blob at pos ({{ base64 }}); a clob is refused. */
int lay_ion_blob(lay_ion_lex *p)
{
	int c, rc;

	p->pos += 2;
	lay_buf_reset(&p->tmp);
	for (;; p->pos++) {
		if ((c = lay_ion_peek(p, 0)) == -1)
			return lay_ion_more(p);
		if (lay_ion_is_ws(c))
			continue;
		if ((c == '"' || c == '\'') && p->tmp.len == 0)
			return lay_ion_fail(p, -EINVAL,
					    "a clob ({{\"...\"}}): DynamoDB has no such type; "
					    "binary values are blobs {{base64}}");
		if (c == '}')
			break;
		if (lay_buf_addc(&p->tmp, (char)c) < 0)
			return lay_ion_nomem(p);
	}
	if (lay_ion_peek(p, 1) == -1)
		return lay_ion_more(p);
	if (lay_ion_peek(p, 1) != '}')
		return lay_ion_fail(p, -EINVAL, "a blob ends with \"}}\"");
	lay_buf_reset(&p->str);
	rc = lay_b64_decode(&p->str, p->tmp.p ? p->tmp.p : "", p->tmp.len, 0);
	if (rc == -ENOMEM)
		return lay_ion_nomem(p);
	if (rc < 0)
		return lay_ion_fail(p, -EINVAL,
				    "blob \"%.*s%s\" is not base64 (RFC 4648, '=' padded)",
				    (int)(p->tmp.len > SHOWN ? SHOWN : p->tmp.len),
				    p->tmp.p ? p->tmp.p : "", p->tmp.len > SHOWN ? "..." : "");
	p->pos += 2;
	return 0;
}
