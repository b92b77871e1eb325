/* Items as Amazon Ion text (DynamoDB's ION export and import format):
 * render an item as an Ion struct, and read one export record back from
 * whatever an Ion text writer emits (ionlex.c reads the tokens). */
#include "ion.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "ionlex.h"

#define SHOWN LAY_ION_SHOWN

#define STR_(x) #x
#define STR(x) STR_(x)
#define NESTING_TEXT                                                                               \
	"Nesting Levels have exceeded supported limits (at most " STR(LAY_MAX_DEPTH) " levels)"

static const char *const set_annotation[] = {
	[LAY_SS] = "$dynamodb_SS",
	[LAY_NS] = "$dynamodb_NS",
	[LAY_BS] = "$dynamodb_BS",
};

static int is_digit(int c)
{
	return lay_ion_is_digit(c);
}

static int is_ws(int c)
{
	return lay_ion_is_ws(c);
}

static int word_is(const char *s, size_t len, const char *w)
{
	return lay_ion_word_is(s, len, w);
}

/* ---- rendering ---- */

/* Whether a field name can be written as an identifier symbol. Names
 * starting "$ion" are quoted too, so no reader takes them for a system
 * symbol. */
static int plain_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !lay_ion_is_ident_start((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!lay_ion_is_ident_char((unsigned char)s[i]))
			return 0;
	if (lay_ion_is_keyword(s, len) || lay_ion_is_symbol_id(s, len) || word_is(s, len, "$") ||
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
		if (lay_buf_adds(out, set_annotation[v->type]) < 0 || lay_buf_add(out, "::", 2) < 0)
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
	lay_ion_lex x;
	lay_item *it;
};

/* The lexer's calls on the parse's cursor, by short names. */
static int fail(struct parse *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = lay_ion_vfail(&p->x, code, fmt, ap);
	va_end(ap);
	return rc;
}

static int nomem(struct parse *p)
{
	return lay_ion_nomem(&p->x);
}

static int more(struct parse *p)
{
	return lay_ion_more(&p->x);
}

static int at_end(const struct parse *p)
{
	return lay_ion_at_end(&p->x);
}

static int peek(const struct parse *p, size_t k)
{
	return lay_ion_peek(&p->x, k);
}

static int skip_ws(struct parse *p)
{
	return lay_ion_skip_ws(&p->x);
}

static int skip_ws_more(struct parse *p)
{
	return lay_ion_skip_ws_more(&p->x);
}

static size_t ident_len(const struct parse *p)
{
	return lay_ion_ident_len(&p->x);
}

static int quoted(struct parse *p, lay_buf *b, int q, int is_long)
{
	return lay_ion_quoted(&p->x, b, q, is_long);
}

static int long_strings(struct parse *p, lay_buf *b)
{
	return lay_ion_long_strings(&p->x, b);
}

static int check_text(struct parse *p, const char *what)
{
	return lay_ion_check_text(&p->x, what);
}

static int text_token(struct parse *p, int *kind)
{
	return lay_ion_text(&p->x, kind);
}

static int path_name(struct parse *p, const char *name, size_t len)
{
	if ((p->x.path.len && lay_buf_addc(&p->x.path, '.') < 0) ||
	    lay_buf_add(&p->x.path, name, len) < 0)
		return nomem(p);
	return 0;
}

static int path_index(struct parse *p, size_t i)
{
	if (lay_buf_addf(&p->x.path, "[%zu]", i) < 0)
		return nomem(p);
	return 0;
}

static void path_pop(struct parse *p, size_t len)
{
	p->x.path.len = len;
	if (p->x.path.p)
		p->x.path.p[len] = '\0';
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

static int number(struct parse *p, lay_value *out)
{
	int rc = lay_ion_number(&p->x);

	return rc < 0 ? rc : set_bytes(p, out, LAY_N, p->x.str.p, p->x.str.len);
}

static int blob(struct parse *p, lay_value *out)
{
	int rc = lay_ion_blob(&p->x);

	return rc < 0 ? rc : set_bytes(p, out, LAY_B, p->x.str.p ? p->x.str.p : "", p->x.str.len);
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

/* A repeated name among the n fails naming it. */
static int check_unique_names(struct parse *p, lay_attr *a, size_t n, const char *where)
{
	size_t d;
	int rc;

	if (lay_attrs_find_dup(&d, a, n) < 0)
		return nomem(p);
	if (d == n)
		return 0;
	if ((rc = path_name(p, a[d].name, a[d].name_len)) < 0)
		return rc;
	return fail(p, -EINVAL, "duplicate attribute name: it appears more than once in the "
		    "same %s", where);
}

static int value(struct parse *p, lay_value *out, int level);

/* A field name at pos, decoded into p->x.str. */
static int field_name(struct parse *p)
{
	int kind, rc;

	if ((rc = text_token(p, &kind)) < 0)
		return rc;
	if (!kind)
		return fail(p, -EINVAL,
			    "expected a field name (an identifier, a 'symbol' or "
			    "a \"string\")");
	if (kind == 'i' && lay_ion_is_symbol_id(p->x.str.p, p->x.str.len))
		return fail(p, -EINVAL,
			    "field name %s is a symbol ID, which has no text "
			    "without a symbol table",
			    p->x.str.p);
	if ((rc = check_text(p, "an attribute name")) < 0)
		return rc;
	if (p->x.str.len == 0)
		return fail(p, -EINVAL, "an attribute name is empty; names are 1 to %d bytes",
			    LAY_MAX_NAME);
	if (p->x.str.len > LAY_MAX_NAME)
		return fail(p, -EINVAL,
			    "attribute name \"%.40s...\" has %zu bytes; the limit "
			    "is %d",
			    p->x.str.p, p->x.str.len, LAY_MAX_NAME);
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
	p->x.pos++;
	return skip_ws_more(p);
}

/* ',' or the closing byte after an element. 1 when it was the closing one. */
static int separator(struct parse *p, int close, const char *what)
{
	int rc;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == close) {
		p->x.pos++;
		return 1;
	}
	if (peek(p, 0) != ',')
		return fail(p, -EINVAL, "expected ',' or '%c' after %s", close, what);
	p->x.pos++;
	return skip_ws_more(p);
}

/* The fields of the struct whose '{' was just passed, as attributes at
 * level (1 for the item's). */
static int fields(struct parse *p, lay_attr **out, size_t *n_out, int level)
{
	size_t n = 0, cap = 0, at = p->x.path.len;
	lay_attr *a = NULL;
	int rc;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == '}') {
		p->x.pos++;
		rc = 1;
	}
	while (rc == 0) {
		if ((rc = field_name(p)) < 0)
			return rc;
		if (!(a = grow(p, a, n, &cap, sizeof(*a))) ||
		    !(a[n].name = lay_item_strdup(p->it, p->x.str.p, p->x.str.len)))
			return nomem(p);
		a[n].name_len = p->x.str.len;
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

/* Set members are unique (item.c checks, in DynamoDB's words); the
 * failure names the set's path. */
static int check_unique_members(struct parse *p, const lay_value *set)
{
	lay_err e;
	int rc = lay_set_check_unique(&e, set, SHOWN);

	return rc == -EINVAL ? fail(p, rc, "%s", e.msg) : rc < 0 ? nomem(p) : 0;
}

/* A list at pos, or a set when set is SS, NS or BS. */
static int list(struct parse *p, lay_value *out, int level, lay_type set)
{
	size_t n = 0, cap = 0, at = p->x.path.len;
	lay_value *v = NULL;
	int rc;

	if (!set && level >= LAY_MAX_DEPTH)
		return fail(p, -EINVAL, NESTING_TEXT);
	p->x.pos++;
	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == ']') {
		p->x.pos++;
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
			    set == LAY_SS   ? "An string set  may not be empty"
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
	static const char *const nulls[] = { "null",	  "bool",   "int",    "float", "decimal",
					     "timestamp", "string", "symbol", "blob",  "clob",
					     "struct",	  "list",   "sexp" };
	const char *s = p->x.s + p->x.pos;
	size_t i, m;

	p->x.pos += n;
	if (word_is(s, n, "true") || word_is(s, n, "false")) {
		out->type = LAY_BOOL;
		out->len = s[0] == 't';
		return 0;
	}
	if (word_is(s, n, "nan"))
		return fail(p, -EINVAL,
			    "nan is not a number DynamoDB can store (only finite "
			    "numbers)");
	if (peek(p, 0) == '.') {
		p->x.pos++;
		m = ident_len(p);
		if (p->x.pos + m >= p->x.len)
			return more(p);
		for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
			if (word_is(p->x.s + p->x.pos, m, nulls[i]))
				break;
		if (m == 0 || i == sizeof(nulls) / sizeof(nulls[0]))
			return fail(p, -EINVAL, "\"null.%.*s\" is not an Ion type", (int)m,
				    p->x.s + p->x.pos);
		p->x.pos += m;
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
		if (n && lay_ion_is_keyword(p->x.s + p->x.pos, n)) {
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
			if ((t = set_type(p->x.str.p, p->x.str.len))) {
				if (set)
					return fail(p, -EINVAL,
						    "a value has two set "
						    "annotations");
				set = t;
			}
			p->x.pos += 2;
			if ((rc = skip_ws_more(p)) < 0)
				return rc;
			continue;
		}
		if (set)
			break;
		if (kind == 'i' && lay_ion_is_symbol_id(p->x.str.p, p->x.str.len))
			return fail(p, -EINVAL, "symbol ID %s has no text without a symbol table",
				    p->x.str.p);
		if ((rc = check_text(p, "a symbol")) < 0)
			return rc;
		return set_bytes(p, out, LAY_S, p->x.str.p, p->x.str.len);
	}
	if (set && peek(p, 0) != '[')
		return fail(p, -EINVAL, "%s annotates a list; this value is not one",
			    set_annotation[set]);
	if (kind == '"') {
		if ((rc = check_text(p, "a string")) < 0)
			return rc;
		return set_bytes(p, out, LAY_S, p->x.str.p, p->x.str.len);
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
		p->x.pos++;
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

	for (p->x.pos += 2;; p->x.pos++) {
		if (at_end(p))
			return more(p);
		if (peek(p, 0) == '}' && peek(p, 1) == '}') {
			p->x.pos += 2;
			return 0;
		}
		lay_buf_reset(&p->x.str);
		if (peek(p, 0) == '\'' && peek(p, 1) == '\'' && peek(p, 2) == '\'') {
			if ((rc = long_strings(p, &p->x.str)) < 0)
				return rc;
			p->x.pos--;
		} else if (peek(p, 0) == '"') {
			p->x.pos++;
			if ((rc = quoted(p, &p->x.str, '"', 0)) < 0)
				return rc;
			p->x.pos--;
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
			p->x.pos++;
			continue;
		} else if (c == '}' || c == ']' || c == ')' || c == ',') {
			if (depth == 0)
				return fail(p, -EINVAL, "expected a value");
			depth -= c != ',';
			p->x.pos++;
		} else if (c == '"' || c == '\'') {
			rc = text_token(p, &kind);
		} else {
			/* a number, a timestamp, a symbol, an operator, ':' */
			for (start = p->x.pos; !at_end(p); p->x.pos++) {
				c = peek(p, 0);
				if (c == 0 || is_ws(c) || strchr("{}[](),\"'", c) ||
				    (c == '/' && (peek(p, 1) == '/' || peek(p, 1) == '*')))
					break;
			}
			if (at_end(p))
				return more(p);
			if (p->x.pos == start) /* a NUL byte: no token starts there */
				return fail(p, -EINVAL, "unexpected byte 0x%02x", c);
			annotation = p->x.pos - start >= 2 && p->x.s[p->x.pos - 1] == ':' &&
				     p->x.s[p->x.pos - 2] == ':';
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
		p->x.pos += 2;
	}
}

/* The record's struct, its '{' just passed: Item into p->it. */
static int record(struct parse *p)
{
	int rc, found = 0;

	if ((rc = skip_ws_more(p)) < 0)
		return rc;
	if (peek(p, 0) == '}') {
		p->x.pos++;
		rc = 1;
	}
	while (rc == 0) {
		int is_item;

		if ((rc = field_name(p)) < 0)
			return rc;
		is_item = word_is(p->x.str.p, p->x.str.len, "Item");
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
			p->x.pos++;
			rc = fields(p, &p->it->a, &p->it->n, 1);
		}
		if (rc < 0 || (rc = separator(p, '}', "a field")) < 0)
			return rc;
	}
	if (!found)
		return fail(p, -EINVAL,
			    "the record has no Item field (a record is "
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
			return fail(p, -EINVAL,
				    "more after the record; a record is one struct "
				    "{Item:{...}}");
		n = ident_len(p);
		if (word_is(p->x.s + p->x.pos, n, "$ion_1_0")) {
			p->x.pos += n;
			continue;
		}
		if (other_version(p->x.s + p->x.pos, n))
			return fail(p, -EINVAL,
				    "Ion version marker %.*s: only $ion_1_0 is "
				    "supported",
				    (int)n, p->x.s + p->x.pos);
		if (n && !lay_ion_is_keyword(p->x.s + p->x.pos, n)) {
			/* annotations of the record, or a local symbol table */
			symtab = word_is(p->x.s + p->x.pos, n, "$ion_symbol_table");
			start = p->x.pos;
			p->x.pos += n;
			if ((rc = skip_ws(p)) < 0)
				return rc;
			if (peek(p, 0) == ':' && peek(p, 1) == -1)
				return more(p);
			if (peek(p, 0) != ':' || peek(p, 1) != ':') {
				p->x.pos = start;
				goto not_struct;
			}
			p->x.pos += 2;
			/* an annotation is followed by its value */
			if ((rc = skip_ws_more(p)) < 0)
				return rc;
			if (symtab && (rc = skip_value(p)) < 0)
				return rc;
			continue;
		}
		if (peek(p, 0) != '{' || peek(p, 1) == '{')
			goto not_struct;
		p->x.pos++;
		if ((rc = record(p)) < 0)
			return rc;
		seen = 1;
	}
not_struct:
	n = p->x.len - p->x.pos > 20 ? 20 : p->x.len - p->x.pos;
	return fail(p, -EINVAL, "a record is a struct {Item:{...}}; found \"%.*s%s\"", (int)n,
		    p->x.s + p->x.pos, p->x.len - p->x.pos > n ? "..." : "");
}

int lay_ion_parse_record(lay_item *out, const char *text, size_t len, lay_err *err)
{
	struct parse p = { .x = { .s = text,
				  .len = len,
				  .err = err,
				  .path = LAY_BUF_INIT,
				  .str = LAY_BUF_INIT,
				  .tmp = LAY_BUF_INIT },
			   .it = out };
	size_t size;
	int rc;

	if (!text)
		p.x.s = "";
	rc = top(&p);
	if (rc == 0 && (size = lay_item_size(out)) > LAY_MAX_ITEM_SIZE)
		rc = lay_err_set(err, -EFBIG,
				 "Item size has exceeded the maximum allowed size "
				 "(%zu bytes; the limit is %d)",
				 size, LAY_MAX_ITEM_SIZE);
	if (rc < 0)
		lay_item_free(out);
	lay_buf_free(&p.x.path);
	lay_buf_free(&p.x.str);
	lay_buf_free(&p.x.tmp);
	return rc;
}
