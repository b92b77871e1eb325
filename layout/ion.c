/* Items as Amazon Ion text (DynamoDB's ION export and import format):
 * render an item as an Ion struct, and read one export record back from
 * whatever an Ion text writer emits. Numbers never pass through a double:
 * their text is cleaned of Ion's forms (0x, 0b, '_', d exponents) and
 * canonicalized by lay_num_canon. */
#include "ion.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "num.h"
#include "utf8.h"

/* Bytes of an attribute path or a literal shown in a message. */
#define SHOWN 160

/* Significant digits of a 0x or 0b int worth converting: more is far
 * beyond DynamoDB's largest number anyway. */
#define MAX_RADIX_DIGITS 512

#define STR_(x) #x
#define STR(x) STR_(x)
#define NESTING_TEXT "Nesting Levels have exceeded supported limits (at most " \
	STR(LAY_MAX_DEPTH) " levels)"

static const char *const set_annotation[] = {
	[LAY_SS] = "$dynamodb_SS", [LAY_NS] = "$dynamodb_NS", [LAY_BS] = "$dynamodb_BS",
};

static const char *const keywords[] = { "null", "true", "false", "nan" };

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static int is_ident_char(int c)
{
	return is_ident_start(c) || is_digit(c);
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

static int is_keyword(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (word_is(s, len, keywords[i]))
			return 1;
	return 0;
}

/* "$" and digits: a symbol ID, which means nothing without a symbol table. */
static int is_symbol_id(const char *s, size_t len)
{
	size_t i;

	if (len < 2 || s[0] != '$')
		return 0;
	for (i = 1; i < len; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- rendering ---- */

/* Whether a field name can be written as an identifier symbol. Names
 * starting "$ion" are quoted too, so no reader takes them for a system
 * symbol. */
static int plain_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_ident_start((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_ident_char((unsigned char)s[i]))
			return 0;
	if (is_keyword(s, len) || is_symbol_id(s, len) || word_is(s, len, "$") ||
	    (len >= 4 && memcmp(s, "$ion", 4) == 0))
		return 0;
	return 1;
}

/* Append s as an Ion string literal: '"', '\\' and control characters
 * escaped, valid UTF-8 kept as it is. */
static int ion_quote(lay_buf *b, const char *s, size_t len)
{
	size_t i, run = 0;
	char esc[8];

	if (lay_buf_addc(b, '"') < 0)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F)
			continue;
		if (lay_buf_add(b, s + run, i - run) < 0)
			return -ENOMEM;
		run = i + 1;
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			strcpy(esc, "\\n");
		else if (c == '\t')
			strcpy(esc, "\\t");
		else if (c == '\r')
			strcpy(esc, "\\r");
		else
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		if (lay_buf_adds(b, esc) < 0)
			return -ENOMEM;
	}
	if (lay_buf_add(b, s + run, len - run) < 0)
		return -ENOMEM;
	return lay_buf_addc(b, '"');
}

static int put_name(lay_buf *b, const char *s, size_t len)
{
	if (plain_name(s, len))
		return lay_buf_add(b, s, len);
	return ion_quote(b, s, len);
}

/*
 * A canonical number as an Ion decimal: "103." or "-1.5" as it stands, or,
 * when that is longer than 42 bytes (very large or very small numbers), its
 * significant digits and a d exponent ("1d125", "15d-110"). Either keeps
 * every digit.
 */
static int put_num(lay_buf *b, const char *s, size_t len)
{
	char d[256], exp_text[32];
	size_t i, nd = 0, frac = 0, first = 0;
	int neg = len > 0 && s[0] == '-', point = memchr(s, '.', len) != NULL;
	long long exp;

	if (len + !point <= 42 || len >= sizeof(d))
		goto plain;
	for (i = neg; i < len; i++) {
		if (s[i] == '.')
			continue;
		d[nd++] = s[i];
		frac += s + i > (const char *)memchr(s, '.', len) && point;
	}
	while (first < nd && d[first] == '0')
		first++;
	if (first == nd)
		goto plain;
	exp = -(long long)frac;
	while (nd > first + 1 && d[nd - 1] == '0') {
		nd--;
		exp++;
	}
	snprintf(exp_text, sizeof(exp_text), "d%lld", exp);
	if ((neg && lay_buf_addc(b, '-') < 0) || lay_buf_add(b, d + first, nd - first) < 0)
		return -ENOMEM;
	return lay_buf_adds(b, exp_text);
plain:
	if (lay_buf_add(b, s, len) < 0)
		return -ENOMEM;
	return point ? 0 : lay_buf_addc(b, '.');
}

static int put_blob(lay_buf *b, const char *p, size_t len)
{
	if (lay_buf_add(b, "{{", 2) < 0 || lay_b64_encode(b, p, len) < 0)
		return -ENOMEM;
	return lay_buf_add(b, "}}", 2);
}

static int put_struct(lay_buf *b, const lay_attr *a, size_t n)
{
	size_t i;

	if (lay_buf_addc(b, '{') < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if ((i && lay_buf_addc(b, ',') < 0) || put_name(b, a[i].name, a[i].name_len) < 0 ||
		    lay_buf_addc(b, ':') < 0 || lay_ion_render_value(b, &a[i].v) < 0)
			return -ENOMEM;
	}
	return lay_buf_addc(b, '}');
}

int lay_ion_render_value(lay_buf *out, const lay_value *v)
{
	size_t i;

	switch (v->type) {
	case LAY_S:
		return ion_quote(out, v->u.p, v->len);
	case LAY_N:
		return put_num(out, v->u.p, v->len);
	case LAY_B:
		return put_blob(out, v->u.p, v->len);
	case LAY_BOOL:
		return lay_buf_adds(out, v->len ? "true" : "false");
	case LAY_NULL:
		return lay_buf_adds(out, "null");
	case LAY_M:
		return put_struct(out, v->u.a, v->len);
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		if (lay_buf_adds(out, set_annotation[v->type]) < 0 ||
		    lay_buf_add(out, "::", 2) < 0)
			return -ENOMEM;
		/* fall through */
	case LAY_L:
		if (lay_buf_addc(out, '[') < 0)
			return -ENOMEM;
		for (i = 0; i < v->len; i++)
			if ((i && lay_buf_addc(out, ',') < 0) ||
			    lay_ion_render_value(out, &v->u.v[i]) < 0)
				return -ENOMEM;
		return lay_buf_addc(out, ']');
	}
	return lay_buf_adds(out, "null");
}

int lay_ion_render_item(lay_buf *out, const lay_item *it)
{
	return put_struct(out, it->a, it->n);
}

/* ---- parsing ---- */

struct parse {
	const char *s;
	size_t len, pos;
	lay_item *it;
	lay_err *err;
	lay_buf path;   /* the attribute path being read: a.b[2] */
	lay_buf str;    /* a decoded string, symbol or blob; a canonical number */
	lay_buf tmp;    /* a number's text cleaned for lay_num_canon; base64 */
};

/* 1-based line and byte column of offset off. */
static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
	size_t i, l = 1, c = 1;

	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Fail with a message naming the attribute path being read and where. */
static int fail(struct parse *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, int code, const char *fmt, ...)
{
	char why[LAY_ERR_MSG];
	size_t n = p->path.len, line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	line_col(p->s, p->pos < p->len ? p->pos : p->len, &line, &col);
	if (n == 0)
		return lay_err_set(p->err, code, "%s (line %zu, column %zu)", why, line, col);
	if (n > SHOWN) {
		/* cut on a character boundary so the message stays UTF-8 */
		n = SHOWN;
		while (n > 0 && ((unsigned char)p->path.p[n] & 0xC0) == 0x80)
			n--;
	}
	return lay_err_set(p->err, code, "attribute \"%.*s%s\": %s (line %zu, column %zu)",
			   (int)n, p->path.p, n < p->path.len ? "..." : "", why, line, col);
}

static int nomem(struct parse *p)
{
	return fail(p, -ENOMEM, "out of memory reading an item");
}

/* The text ends inside a value: the caller appends more and retries. */
static int more(struct parse *p)
{
	return fail(p, -EAGAIN, "the text ends inside a value");
}

static int at_end(const struct parse *p)
{
	return p->pos >= p->len;
}

/* The byte at pos + k, or -1 past the end. */
static int peek(const struct parse *p, size_t k)
{
	return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : -1;
}

/* Step over whitespace and comments. -EAGAIN inside a block comment. */
static int skip_ws(struct parse *p)
{
	const char *end;

	for (;;) {
		while (!at_end(p) && is_ws((unsigned char)p->s[p->pos]))
			p->pos++;
		if (peek(p, 0) != '/')
			return 0;
		if (peek(p, 1) == -1)
			return more(p);
		if (peek(p, 1) == '/') {
			end = memchr(p->s + p->pos, '\n', p->len - p->pos);
			p->pos = end ? (size_t)(end - p->s) : p->len;
		} else if (peek(p, 1) == '*') {
			for (p->pos += 2; p->pos + 1 < p->len; p->pos++)
				if (p->s[p->pos] == '*' && p->s[p->pos + 1] == '/')
					break;
			if (p->pos + 1 >= p->len) {
				p->pos = p->len;
				return more(p);
			}
			p->pos += 2;
		} else {
			return 0;
		}
	}
}

/* skip_ws, then -EAGAIN if the text ends there: inside a container. */
static int skip_ws_more(struct parse *p)
{
	int rc = skip_ws(p);

	if (rc == 0 && at_end(p))
		rc = more(p);
	return rc;
}

static size_t ident_len(const struct parse *p)
{
	size_t i = p->pos;

	if (i >= p->len || !is_ident_start((unsigned char)p->s[i]))
		return 0;
	for (i++; i < p->len && is_ident_char((unsigned char)p->s[i]); i++)
		;
	return i - p->pos;
}

static int path_name(struct parse *p, const char *name, size_t len)
{
	if ((p->path.len && lay_buf_addc(&p->path, '.') < 0) ||
	    lay_buf_add(&p->path, name, len) < 0)
		return nomem(p);
	return 0;
}

static int path_index(struct parse *p, size_t i)
{
	if (lay_buf_addf(&p->path, "[%zu]", i) < 0)
		return nomem(p);
	return 0;
}

static void path_pop(struct parse *p, size_t len)
{
	p->path.len = len;
	if (p->path.p)
		p->path.p[len] = '\0';
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
	if (is_digit(c))
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* The n hex digits at pos + k as *cp. 1, 0 (not hex digits) or -EAGAIN. */
static int hex_digits(struct parse *p, size_t k, size_t n, unsigned long *cp)
{
	size_t i;
	int h;

	*cp = 0;
	for (i = 0; i < n; i++) {
		if (peek(p, k + i) == -1)
			return more(p);
		if ((h = hex_value(peek(p, k + i))) < 0)
			return 0;
		*cp = *cp << 4 | (unsigned long)h;
	}
	return 1;
}

/* Decode the escape at pos (a backslash) into b. */
static int escape(struct parse *p, lay_buf *b)
{
	static const char from[] = "abtnfrv?0'\"/\\", to[] = "\a\b\t\n\f\r\v?\0'\"/\\";
	const char *m;
	unsigned long cp, lo;
	size_t n;
	int c = peek(p, 1), rc;

	if (c == -1)
		return more(p);
	if (c == '\n' || c == '\r') {
		/* an escaped newline joins the lines */
		p->pos += 2;
		if (c == '\r' && peek(p, 0) == '\n')
			p->pos++;
		return 0;
	}
	if (c != 'x' && c != 'u' && c != 'U') {
		if (!(m = strchr(from, c)) || c == 0)
			return fail(p, -EINVAL, "invalid escape \"\\%c\" in a string", c);
		if (to[m - from] == '\0')
			return fail(p, -EINVAL, "a string contains U+0000 (\\0), which is not "
				    "supported");
		p->pos += 2;
		return lay_buf_addc(b, to[m - from]) < 0 ? nomem(p) : 0;
	}
	n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
	if ((rc = hex_digits(p, 2, n, &cp)) <= 0)
		return rc < 0 ? rc : fail(p, -EINVAL, "invalid escape: \\%c needs %zu hex digits",
					  c, n);
	if (cp >= 0xD800 && cp <= 0xDBFF && c == 'u') {
		/* a UTF-16 pair written as two \u escapes */
		if (peek(p, 6) == -1 || (peek(p, 6) == '\\' && peek(p, 7) == -1))
			return more(p);
		if (peek(p, 6) == '\\' && peek(p, 7) == 'u') {
			if ((rc = hex_digits(p, 8, 4, &lo)) < 0)
				return rc;
			if (rc > 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				n += 6;
			}
		}
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return fail(p, -EINVAL, "a string has half of a UTF-16 surrogate pair "
			    "(\\u%04lX alone)", cp);
	if (cp > 0x10FFFF)
		return fail(p, -EINVAL, "escape \\U%08lX is beyond U+10FFFF", cp);
	if (cp == 0)
		return fail(p, -EINVAL, "a string contains U+0000, which is not supported");
	p->pos += 2 + n;
	return add_utf8(b, cp) < 0 ? nomem(p) : 0;
}

/*
 * Decode the string or quoted symbol whose opening quote (q, or ''' when
 * is_long) was just passed, up to and past its closing quote, appending to
 * b. Short forms hold no raw newline; neither holds raw control characters
 * other than whitespace.
 */
static int quoted(struct parse *p, lay_buf *b, int q, int is_long)
{
	size_t run;
	int c, rc;

	for (;;) {
		for (run = p->pos; !at_end(p); p->pos++) {
			c = (unsigned char)p->s[p->pos];
			if (c == q || c == '\\' || c < 0x20 || c == 0x7F)
				break;
		}
		if (lay_buf_add(b, p->s + run, p->pos - run) < 0)
			return nomem(p);
		if (at_end(p))
			return more(p);
		c = (unsigned char)p->s[p->pos];
		if (c == '\\') {
			if ((rc = escape(p, b)) < 0)
				return rc;
		} else if (c == q && !is_long) {
			p->pos++;
			return 0;
		} else if (c == q) {
			if (peek(p, 1) == '\'' && peek(p, 2) == '\'') {
				p->pos += 3;
				return 0;
			}
			if (peek(p, 1) == -1 || (peek(p, 1) == '\'' && peek(p, 2) == -1))
				return more(p);
			if (lay_buf_addc(b, (char)c) < 0)
				return nomem(p);
			p->pos++;
		} else if (c == '\n' || c == '\r') {
			if (!is_long)
				return fail(p, -EINVAL, "a newline inside a quoted %s; write \\n, "
					    "or use a long string '''...'''",
					    q == '"' ? "string" : "symbol");
			if (lay_buf_addc(b, (char)c) < 0)
				return nomem(p);
			p->pos++;
		} else if (c == '\t' || c == '\v' || c == '\f' || c == 0x7F) {
			if (lay_buf_addc(b, (char)c) < 0)
				return nomem(p);
			p->pos++;
		} else {
			return fail(p, -EINVAL, "a raw control character (0x%02X) inside a "
				    "string; write it escaped (\\x%02x)", c, c);
		}
	}
}

/* Long strings at pos ('''), with the adjacent ones they join, into b. */
static int long_strings(struct parse *p, lay_buf *b)
{
	int rc;

	do {
		p->pos += 3;
		if ((rc = quoted(p, b, '\'', 1)) < 0 || (rc = skip_ws_more(p)) < 0)
			return rc;
		if (peek(p, 0) == '\'' && (peek(p, 1) == -1 ||
					   (peek(p, 1) == '\'' && peek(p, 2) == -1)))
			return more(p);
	} while (peek(p, 0) == '\'' && peek(p, 1) == '\'' && peek(p, 2) == '\'');
	return 0;
}

/* Whether a string just decoded into p->str is one DynamoDB takes. */
static int check_text(struct parse *p, const char *what)
{
	if (!lay_utf8_valid(p->str.p ? p->str.p : "", p->str.len))
		return fail(p, -EINVAL, "%s is not valid UTF-8", what);
	return 0;
}

/*
 * A symbol or string at pos, decoded into p->str: an identifier, a quoted
 * symbol, a string or long strings. *kind gets 'i', '\'' or '"'; 0 if no
 * such token starts at pos (nothing consumed).
 */
static int text_token(struct parse *p, int *kind)
{
	size_t n;
	int rc;

	lay_buf_reset(&p->str);
	*kind = 0;
	if ((n = ident_len(p)) > 0) {
		if (lay_buf_add(&p->str, p->s + p->pos, n) < 0)
			return nomem(p);
		p->pos += n;
		*kind = 'i';
		return 0;
	}
	if (peek(p, 0) == '\'' && peek(p, 1) == '\'' && peek(p, 2) == '\'') {
		*kind = '"';
		rc = long_strings(p, &p->str);
	} else if (peek(p, 0) == '\'') {
		if (peek(p, 1) == -1 || (peek(p, 1) == '\'' && peek(p, 2) == -1))
			return more(p);
		p->pos++;
		*kind = '\'';
		rc = quoted(p, &p->str, '\'', 0);
	} else if (peek(p, 0) == '"') {
		p->pos++;
		*kind = '"';
		rc = quoted(p, &p->str, '"', 0);
	} else {
		return 0;
	}
	if (rc == 0 && lay_buf_addc(&p->str, '\0') == 0)
		p->str.len--;
	return rc;
}

static int set_bytes(struct parse *p, lay_value *out, lay_type t, const char *s, size_t len)
{
	char *c = lay_item_strdup(p->it, len ? s : "", len);

	if (!c)
		return nomem(p);
	out->type = t;
	out->len = len;
	out->u.p = c;
	return 0;
}

/* Append the decimal text of n digits of base 2 or 16 ('_' skipped). */
static int radix_to_dec(struct parse *p, const char *d, size_t n, unsigned base)
{
	unsigned char *dec;
	size_t i, k, nd = 0, sig = 0;
	unsigned carry;
	int rc = 0;

	for (i = 0; i < n; i++)
		sig += d[i] != '_' && (sig || d[i] != '0');
	if (sig > MAX_RADIX_DIGITS)
		return fail(p, -EINVAL, "Number overflow. Attempting to store a number with "
			    "magnitude larger than supported range");
	if (!(dec = malloc(sig * 2 + 2)))
		return nomem(p);
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
	return rc < 0 ? nomem(p) : 0;
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
		if (v < 0 || (unsigned)v >= base || (base == 10 && !is_digit(c)))
			break;
	}
	if (i == start || s[i - 1] == '_')
		return 0;
	return i;
}

/* Copy s[from..to) to p->tmp without its '_'. */
static int add_digits(struct parse *p, const char *s, size_t from, size_t to)
{
	for (; from < to; from++)
		if (s[from] != '_' && lay_buf_addc(&p->tmp, s[from]) < 0)
			return nomem(p);
	return 0;
}

static int is_stop(int c)
{
	return c == -1 || is_ws(c) || strchr("{}[](),\"'/", c) != NULL;
}

/*
 * A number (or a timestamp, which DynamoDB cannot hold) at pos: Ion's int,
 * decimal and float forms, checked as DynamoDB checks N.
 */
static int number(struct parse *p, lay_value *out)
{
	const char *s = p->s + p->pos;
	size_t n, i = 0, j;
	lay_err e = { 0, "" };
	int rc;

	for (n = 0; !is_stop(peek(p, n)); n++)
		;
	if (p->pos + n >= p->len)
		return more(p);
	if (n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
	    (s[4] == '-' || s[4] == 'T'))
		return fail(p, -EINVAL, "a timestamp (%.*s): DynamoDB has no such type",
			    (int)(n > SHOWN ? SHOWN : n), s);
	if (word_is(s, n, "+inf") || word_is(s, n, "-inf"))
		return fail(p, -EINVAL, "%.*s is not a number DynamoDB can store (only finite "
			    "numbers)", (int)n, s);
	lay_buf_reset(&p->tmp);
	if (s[0] == '-') {
		if (lay_buf_addc(&p->tmp, '-') < 0)
			return nomem(p);
		i = 1;
	}
	if (i + 1 < n && s[i] == '0' && strchr("xXbB", s[i + 1])) {
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
				return nomem(p);
			i++;
			if (i < n && is_digit(s[i])) {
				if (!(j = digit_run(s, i, n, 10)))
					goto bad;
				if ((rc = add_digits(p, s, i, j)) < 0)
					return rc;
				i = j;
			}
		}
		if (i < n && strchr("dDeE", s[i])) {
			if (lay_buf_addc(&p->tmp, 'e') < 0)
				return nomem(p);
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-') &&
			    lay_buf_addc(&p->tmp, s[i++]) < 0)
				return nomem(p);
			for (j = i; j < n && is_digit(s[j]); j++)
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
		return rc == -ENOMEM ? nomem(p) : fail(p, rc, "%s", e.msg);
	p->pos += n;
	return set_bytes(p, out, LAY_N, p->str.p, p->str.len);
bad:
	return fail(p, -EINVAL, "invalid number \"%.*s%s\"", (int)(n > SHOWN ? SHOWN : n), s,
		    n > SHOWN ? "..." : "");
}

/* A blob at pos ({{ base64 }}); a clob is refused. */
static int blob(struct parse *p, lay_value *out)
{
	int c, rc;

	p->pos += 2;
	lay_buf_reset(&p->tmp);
	for (;; p->pos++) {
		if ((c = peek(p, 0)) == -1)
			return more(p);
		if (is_ws(c))
			continue;
		if ((c == '"' || c == '\'') && p->tmp.len == 0)
			return fail(p, -EINVAL, "a clob ({{\"...\"}}): DynamoDB has no such type; "
				    "binary values are blobs {{base64}}");
		if (c == '}')
			break;
		if (lay_buf_addc(&p->tmp, (char)c) < 0)
			return nomem(p);
	}
	if (peek(p, 1) == -1)
		return more(p);
	if (peek(p, 1) != '}')
		return fail(p, -EINVAL, "a blob ends with \"}}\"");
	lay_buf_reset(&p->str);
	rc = lay_b64_decode(&p->str, p->tmp.p ? p->tmp.p : "", p->tmp.len, 0);
	if (rc == -ENOMEM)
		return nomem(p);
	if (rc < 0)
		return fail(p, -EINVAL, "blob \"%.*s%s\" is not base64 (RFC 4648, '=' padded)",
			    (int)(p->tmp.len > SHOWN ? SHOWN : p->tmp.len),
			    p->tmp.p ? p->tmp.p : "", p->tmp.len > SHOWN ? "..." : "");
	p->pos += 2;
	return set_bytes(p, out, LAY_B, p->str.p ? p->str.p : "", p->str.len);
}

/* Make room for one more element in an arena array of *cap (doubling). */
static void *grow(struct parse *p, void *arr, size_t n, size_t *cap, size_t size)
{
	void *bigger;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4;
	if (!(bigger = lay_item_alloc(p->it, *cap * size)))
		return NULL;
	if (n)
		memcpy(bigger, arr, n * size);
	return bigger;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int cmp_attr_ptr(const void *x, const void *y)
{
	const lay_attr *a = *(const lay_attr *const *)x, *b = *(const lay_attr *const *)y;

	return cmp_bytes(a->name, a->name_len, b->name, b->name_len);
}

static int cmp_value_ptr(const void *x, const void *y)
{
	const lay_value *a = *(const lay_value *const *)x, *b = *(const lay_value *const *)y;

	return cmp_bytes(a->u.p, a->len, b->u.p, b->len);
}

/* A repeated name among the n fails naming it. */
static int check_unique_names(struct parse *p, lay_attr *a, size_t n, const char *where)
{
	const lay_attr **s;
	size_t i;
	int rc = 0;

	if (n < 2)
		return 0;
	if (!(s = malloc(n * sizeof(*s))))
		return nomem(p);
	for (i = 0; i < n; i++)
		s[i] = &a[i];
	qsort(s, n, sizeof(*s), cmp_attr_ptr);
	for (i = 1; i < n; i++) {
		if (cmp_attr_ptr(&s[i - 1], &s[i]) == 0) {
			if ((rc = path_name(p, s[i]->name, s[i]->name_len)) == 0)
				rc = fail(p, -EINVAL, "duplicate attribute name: it appears more "
					  "than once in the same %s", where);
			break;
		}
	}
	free(s);
	return rc;
}

/* Set members are unique: canonical number text makes 1 and 1.0 equal bytes. */
static int check_unique_members(struct parse *p, const lay_value *set)
{
	const lay_value **s;
	size_t i;
	int rc = 0;

	if (set->len < 2)
		return 0;
	if (!(s = malloc(set->len * sizeof(*s))))
		return nomem(p);
	for (i = 0; i < set->len; i++)
		s[i] = &set->u.v[i];
	qsort(s, set->len, sizeof(*s), cmp_value_ptr);
	for (i = 1; i < set->len; i++) {
		const lay_value *d = s[i];
		lay_buf shown = LAY_BUF_INIT;

		if (cmp_value_ptr(&s[i - 1], &s[i]) != 0)
			continue;
		if (set->type == LAY_BS)
			rc = lay_b64_encode(&shown, d->u.p, d->len);
		else
			rc = lay_buf_add(&shown, d->u.p, d->len);
		if (rc == 0)
			rc = fail(p, -EINVAL, "One or more parameter values were invalid: Input "
				  "collection contains duplicates: %.*s%s appears more than once",
				  (int)(shown.len > SHOWN ? SHOWN : shown.len),
				  shown.p ? shown.p : "", shown.len > SHOWN ? "..." : "");
		else
			rc = nomem(p);
		lay_buf_free(&shown);
		break;
	}
	free(s);
	return rc;
}

static int value(struct parse *p, lay_value *out, int level);

/* A field name at pos, decoded into p->str. */
static int field_name(struct parse *p)
{
	int kind, rc;

	if ((rc = text_token(p, &kind)) < 0)
		return rc;
	if (!kind)
		return fail(p, -EINVAL, "expected a field name (an identifier, a 'symbol' or "
			    "a \"string\")");
	if (kind == 'i' && is_symbol_id(p->str.p, p->str.len))
		return fail(p, -EINVAL, "field name %s is a symbol ID, which has no text "
			    "without a symbol table", p->str.p);
	if ((rc = check_text(p, "an attribute name")) < 0)
		return rc;
	if (p->str.len == 0)
		return fail(p, -EINVAL, "an attribute name is empty; names are 1 to %d bytes",
			    LAY_MAX_NAME);
	if (p->str.len > LAY_MAX_NAME)
		return fail(p, -EINVAL, "attribute name \"%.40s...\" has %zu bytes; the limit "
			    "is %d", p->str.p, p->str.len, LAY_MAX_NAME);
	return 0;
}

/* The ':' after a field name, and whitespace either side. */
static int colon(struct parse *p)
{
	int rc;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) != ':')
		return fail(p, -EINVAL, "expected ':' after a field name");
	if (peek(p, 1) == ':')
		return fail(p, -EINVAL, "a field name cannot be annotated");
	p->pos++;
	return skip_ws_more(p);
}

/* ',' or the closing byte after an element. 1 when it was the closing one. */
static int separator(struct parse *p, int close, const char *what)
{
	int rc;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == close) {
		p->pos++;
		return 1;
	}
	if (peek(p, 0) != ',')
		return fail(p, -EINVAL, "expected ',' or '%c' after %s", close, what);
	p->pos++;
	return skip_ws_more(p);
}

/* The fields of the struct whose '{' was just passed, as attributes at
 * level (1 for the item's). */
static int fields(struct parse *p, lay_attr **out, size_t *n_out, int level)
{
	size_t n = 0, cap = 0, at = p->path.len;
	lay_attr *a = NULL;
	int rc;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == '}') {
		p->pos++;
		rc = 1;
	}
	while (rc == 0) {
		if ((rc = field_name(p)) < 0)
			return rc;
		if (!(a = grow(p, a, n, &cap, sizeof(*a))) ||
		    !(a[n].name = lay_item_strdup(p->it, p->str.p, p->str.len)))
			return nomem(p);
		a[n].name_len = p->str.len;
		if ((rc = colon(p)) < 0 || (rc = path_name(p, a[n].name, a[n].name_len)) < 0 ||
		    (rc = value(p, &a[n].v, level)) < 0)
			return rc;
		path_pop(p, at);
		n++;
		if ((rc = separator(p, '}', "a field")) < 0)
			return rc;
	}
	if ((rc = check_unique_names(p, a, n, level == 1 ? "item" : "map")) < 0)
		return rc;
	*out = a;
	*n_out = n;
	return 0;
}

static const char *type_phrase(lay_type t)
{
	return t == LAY_SS ? "strings" : t == LAY_NS ? "numbers" : "blobs";
}

/* A list at pos, or a set when set is SS, NS or BS. */
static int list(struct parse *p, lay_value *out, int level, lay_type set)
{
	size_t n = 0, cap = 0, at = p->path.len;
	lay_value *v = NULL;
	int rc;

	if (!set && level >= LAY_MAX_DEPTH)
		return fail(p, -EINVAL, NESTING_TEXT);
	p->pos++;
	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == ']') {
		p->pos++;
		rc = 1;
	}
	while (rc == 0) {
		if (!(v = grow(p, v, n, &cap, sizeof(*v))))
			return nomem(p);
		if ((rc = path_index(p, n)) < 0 || (rc = value(p, &v[n], level + 1)) < 0)
			return rc;
		if (set && v[n].type != (set == LAY_NS ? LAY_N : set == LAY_SS ? LAY_S : LAY_B))
			return fail(p, -EINVAL, "a %s list holds %s; this member is %s",
				    set_annotation[set], type_phrase(set),
				    lay_type_name(v[n].type));
		path_pop(p, at);
		n++;
		if ((rc = separator(p, ']', "a list element")) < 0)
			return rc;
	}
	out->type = set ? set : LAY_L;
	out->len = n;
	out->u.v = v;
	if (set && n == 0)
		return fail(p, -EINVAL, "One or more parameter values were invalid: %s",
			    set == LAY_SS ? "An string set  may not be empty"
			    : set == LAY_NS ? "An number set  may not be empty"
			    : "Binary sets should not be empty");
	return set ? check_unique_members(p, out) : 0;
}

static lay_type set_type(const char *s, size_t len)
{
	lay_type t;

	for (t = LAY_SS; t <= LAY_BS; t++)
		if (word_is(s, len, set_annotation[t]))
			return t;
	return 0;
}

/* A keyword at pos (n bytes): null, a typed null, true, false, nan. */
static int keyword(struct parse *p, lay_value *out, size_t n)
{
	static const char *const nulls[] = { "null", "bool", "int", "float", "decimal",
		"timestamp", "string", "symbol", "blob", "clob", "struct", "list", "sexp" };
	const char *s = p->s + p->pos;
	size_t i, m;

	p->pos += n;
	if (word_is(s, n, "true") || word_is(s, n, "false")) {
		out->type = LAY_BOOL;
		out->len = s[0] == 't';
		return 0;
	}
	if (word_is(s, n, "nan"))
		return fail(p, -EINVAL, "nan is not a number DynamoDB can store (only finite "
			    "numbers)");
	if (peek(p, 0) == '.') {
		p->pos++;
		m = ident_len(p);
		if (p->pos + m >= p->len)
			return more(p);
		for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
			if (word_is(p->s + p->pos, m, nulls[i]))
				break;
		if (m == 0 || i == sizeof(nulls) / sizeof(nulls[0]))
			return fail(p, -EINVAL, "\"null.%.*s\" is not an Ion type", (int)m,
				    p->s + p->pos);
		p->pos += m;
	}
	out->type = LAY_NULL;
	out->len = 0;
	return 0;
}

/* One value at pos (whitespace already passed), its annotations first. */
static int value(struct parse *p, lay_value *out, int level)
{
	lay_type set = 0, t;
	size_t n;
	int kind = 0, c, rc;

	for (;;) {
		n = ident_len(p);
		if (n && is_keyword(p->s + p->pos, n)) {
			if (set)
				break;
			return keyword(p, out, n);
		}
		if ((rc = text_token(p, &kind)) < 0)
			return rc;
		if (!kind || kind == '"')
			break;
		/* a symbol: an annotation when "::" follows */
		if ((rc = skip_ws_more(p)) < 0)
			return rc;
		if (peek(p, 0) == ':' && peek(p, 1) == -1)
			return more(p);
		if (peek(p, 0) == ':' && peek(p, 1) == ':') {
			if ((t = set_type(p->str.p, p->str.len))) {
				if (set)
					return fail(p, -EINVAL, "a value has two set "
						    "annotations");
				set = t;
			}
			p->pos += 2;
			if ((rc = skip_ws_more(p)) < 0)
				return rc;
			continue;
		}
		if (set)
			break;
		if (kind == 'i' && is_symbol_id(p->str.p, p->str.len))
			return fail(p, -EINVAL, "symbol ID %s has no text without a symbol table",
				    p->str.p);
		if ((rc = check_text(p, "a symbol")) < 0)
			return rc;
		return set_bytes(p, out, LAY_S, p->str.p, p->str.len);
	}
	if (set && peek(p, 0) != '[')
		return fail(p, -EINVAL, "%s annotates a list; this value is not one",
			    set_annotation[set]);
	if (kind == '"') {
		if ((rc = check_text(p, "a string")) < 0)
			return rc;
		return set_bytes(p, out, LAY_S, p->str.p, p->str.len);
	}
	c = peek(p, 0);
	if (c == '[')
		return list(p, out, level, set);
	if (c == '{' && peek(p, 1) == '{')
		return blob(p, out);
	if (c == '{' && peek(p, 1) == -1)
		return more(p);
	if (c == '{') {
		if (level >= LAY_MAX_DEPTH)
			return fail(p, -EINVAL, NESTING_TEXT);
		p->pos++;
		out->type = LAY_M;
		return fields(p, &out->u.a, &out->len, level + 1);
	}
	if (c == '(')
		return fail(p, -EINVAL, "an s-expression: DynamoDB has no such type");
	if (c == '-' || c == '+' || is_digit(c))
		return number(p, out);
	return fail(p, -EINVAL, "expected a value, found '%c'", c);
}

/* Step over a {{...}} at pos: a blob, or a clob's strings. */
static int skip_lob(struct parse *p)
{
	int rc;

	for (p->pos += 2;; p->pos++) {
		if (at_end(p))
			return more(p);
		if (peek(p, 0) == '}' && peek(p, 1) == '}') {
			p->pos += 2;
			return 0;
		}
		lay_buf_reset(&p->str);
		if (peek(p, 0) == '\'' && peek(p, 1) == '\'' && peek(p, 2) == '\'') {
			if ((rc = long_strings(p, &p->str)) < 0)
				return rc;
			p->pos--;
		} else if (peek(p, 0) == '"') {
			p->pos++;
			if ((rc = quoted(p, &p->str, '"', 0)) < 0)
				return rc;
			p->pos--;
		}
	}
}

/*
 * Step over one value of any Ion type, checked only for its extent: the
 * record's fields other than Item (metadata may hold timestamps, sexps...).
 */
static int skip_value(struct parse *p)
{
	size_t depth = 0, start;
	int c, kind, rc, annotation;

	for (;;) {
		if ((rc = skip_ws_more(p)) < 0)
			return rc;
		c = peek(p, 0);
		annotation = 0;
		if (c == '{' && peek(p, 1) == '{') {
			rc = skip_lob(p);
		} else if (c == '{' || c == '[' || c == '(') {
			depth++;
			p->pos++;
			continue;
		} else if (c == '}' || c == ']' || c == ')' || c == ',') {
			if (depth == 0)
				return fail(p, -EINVAL, "expected a value");
			depth -= c != ',';
			p->pos++;
		} else if (c == '"' || c == '\'') {
			rc = text_token(p, &kind);
		} else {
			/* a number, a timestamp, a symbol, an operator, ':' */
			for (start = p->pos; !at_end(p); p->pos++) {
				c = peek(p, 0);
				if (is_ws(c) || strchr("{}[](),\"'", c) ||
				    (c == '/' && (peek(p, 1) == '/' || peek(p, 1) == '*')))
					break;
			}
			if (at_end(p))
				return more(p);
			annotation = p->pos - start >= 2 && p->s[p->pos - 1] == ':' &&
				     p->s[p->pos - 2] == ':';
		}
		if (rc < 0)
			return rc;
		if (depth > 0 || annotation)
			continue;
		if ((rc = skip_ws_more(p)) < 0)
			return rc;
		if (peek(p, 0) == ':' && peek(p, 1) == -1)
			return more(p);
		if (peek(p, 0) != ':' || peek(p, 1) != ':')
			return 0;
		p->pos += 2;
	}
}

/* The record's struct, its '{' just passed: Item into p->it. */
static int record(struct parse *p)
{
	int rc, found = 0;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == '}') {
		p->pos++;
		rc = 1;
	}
	while (rc == 0) {
		int is_item;

		if ((rc = field_name(p)) < 0)
			return rc;
		is_item = word_is(p->str.p, p->str.len, "Item");
		if ((rc = colon(p)) < 0)
			return rc;
		if (!is_item) {
			rc = skip_value(p);
		} else if (found) {
			return fail(p, -EINVAL, "the record has two Item fields");
		} else if (peek(p, 0) != '{' || peek(p, 1) == '{') {
			if (peek(p, 1) == -1)
				return more(p);
			return fail(p, -EINVAL, "the record's Item is not a struct {...}");
		} else {
			found = 1;
			p->pos++;
			rc = fields(p, &p->it->a, &p->it->n, 1);
		}
		if (rc < 0 || (rc = separator(p, '}', "a field")) < 0)
			return rc;
	}
	if (!found)
		return fail(p, -EINVAL, "the record has no Item field (a record is "
			    "{Item:{...}})");
	return 0;
}

/* An Ion version marker other than 1.0: $ion_<digits>_<digits>. */
static int other_version(const char *s, size_t n)
{
	size_t i = 5;

	if (n < 8 || memcmp(s, "$ion_", 5) != 0 || !is_digit((unsigned char)s[i]))
		return 0;
	while (i < n && is_digit((unsigned char)s[i]))
		i++;
	if (i >= n - 1 || s[i] != '_')
		return 0;
	for (i++; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The top level: markers, a symbol table to step over, the record. */
static int top(struct parse *p)
{
	int seen = 0, rc, symtab;
	size_t n, start;

	for (;;) {
		if ((rc = skip_ws(p)) < 0)
			return rc;
		if (at_end(p))
			return seen ? 0 : 1;
		if (seen)
			return fail(p, -EINVAL, "more after the record; a record is one struct "
				    "{Item:{...}}");
		n = ident_len(p);
		if (word_is(p->s + p->pos, n, "$ion_1_0")) {
			p->pos += n;
			continue;
		}
		if (other_version(p->s + p->pos, n))
			return fail(p, -EINVAL, "Ion version marker %.*s: only $ion_1_0 is "
				    "supported", (int)n, p->s + p->pos);
		if (n && !is_keyword(p->s + p->pos, n)) {
			/* annotations of the record, or a local symbol table */
			symtab = word_is(p->s + p->pos, n, "$ion_symbol_table");
			start = p->pos;
			p->pos += n;
			if ((rc = skip_ws(p)) < 0)
				return rc;
			if (peek(p, 0) != ':' || peek(p, 1) != ':') {
				p->pos = start;
				goto not_struct;
			}
			p->pos += 2;
			if ((rc = skip_ws(p)) < 0)
				return rc;
			if (symtab && (rc = skip_value(p)) < 0)
				return rc;
			continue;
		}
		if (peek(p, 0) != '{' || peek(p, 1) == '{')
			goto not_struct;
		p->pos++;
		if ((rc = record(p)) < 0)
			return rc;
		seen = 1;
	}
not_struct:
	n = p->len - p->pos > 20 ? 20 : p->len - p->pos;
	return fail(p, -EINVAL, "a record is a struct {Item:{...}}; found \"%.*s%s\"",
		    (int)n, p->s + p->pos, p->len - p->pos > n ? "..." : "");
}

int lay_ion_parse_record(lay_item *out, const char *text, size_t len, lay_err *err)
{
	struct parse p = { .s = text, .len = len, .it = out, .err = err,
			   .path = LAY_BUF_INIT, .str = LAY_BUF_INIT, .tmp = LAY_BUF_INIT };
	size_t size;
	int rc;

	if (!text)
		p.s = "";
	rc = top(&p);
	if (rc == 0 && (size = lay_item_size(out)) > LAY_MAX_ITEM_SIZE)
		rc = lay_err_set(err, -EFBIG, "Item size has exceeded the maximum allowed size "
				 "(%zu bytes; the limit is %d)", size, LAY_MAX_ITEM_SIZE);
	if (rc < 0)
		lay_item_free(out);
	lay_buf_free(&p.path);
	lay_buf_free(&p.str);
	lay_buf_free(&p.tmp);
	return rc;
}
