/* Items as JSON text (SPEC §5): parse the `plain` and `ddb` formats (jrender.c
 * renders them). cJSON checks the syntax, but its doubles are never used: a
 * pre-pass copies the text with every number literal blanked to "0" and
 * keeps the literals, which the tree walk takes back in document order and
 * canonicalizes exactly (so a number of any length parses, digit for digit). */
#include "json.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "jscan.h"
#include "num.h"
#include "text.h"
#include "utf8.h"
#include "word8.h"

/* The most brackets a valid item can need: ddb spends two per level
 * ({"M":{...}}) and a set one more. Deeper text is refused before cJSON
 * sees it, so its own nesting limit (1000) is never what answers. */
#define MAX_BRACKETS (2 * LAY_MAX_DEPTH + 2)

/* Bytes of an attribute path or a literal shown in a message. */
#define SHOWN 160

#define STR_(x) #x
#define STR(x) STR_(x)
#define NESTING_TEXT "Nesting Levels have exceeded supported limits (at most " \
	STR(LAY_MAX_DEPTH) " levels)"

enum bad_string { BAD_NONE, BAD_NUL, BAD_CTRL, BAD_ESC, BAD_SURROGATE };

struct span {
	size_t off, len;
};

/* What the pre-pass learnt about the text. */
struct scan {
	lay_buf san;            /* the text with number literals blanked */
	struct span *nums;      /* number literals, in document order */
	size_t n_nums, cap_nums;
	size_t bad_str;         /* 1 + ordinal of the first bad string; 0: none */
	enum bad_string bad_why;
};

struct parse {
	lay_item *it;
	lay_format fmt;
	lay_err *err;
	const char *text;       /* the caller's text, for number literals */
	const struct scan *sc;
	size_t next_num;        /* number nodes taken so far */
	size_t next_str;        /* strings (keys and values) taken so far */
	lay_buf path;           /* the attribute path being walked: a.b[2] */
	lay_buf tmp;            /* scratch for numbers and base64 */
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int has_bom(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0;
}

static int at_error(lay_err *err, const char *text, size_t off, const char *what)
{
	size_t line, col;

	lay_text_line_col(&line, &col, text, off);
	return lay_err_set(err, -EINVAL, "%s at line %zu, column %zu", what, line, col);
}

static int add_num(struct scan *sc, size_t off, size_t len)
{
	struct span *n;

	if (sc->n_nums == sc->cap_nums) {
		size_t cap = sc->cap_nums ? sc->cap_nums * 2 : 16;

		n = realloc(sc->nums, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		sc->nums = n;
		sc->cap_nums = cap;
	}
	sc->nums[sc->n_nums].off = off;
	sc->nums[sc->n_nums].len = len;
	sc->n_nums++;
	return 0;
}

/* The value of four hex digits (checked by hex4). */
static unsigned hex4_value(const char *s)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (unsigned)(s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
	return v;
}

static int hex4(const char *s, size_t n)
{
	size_t i;

	if (n < 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return 0;
	return 1;
}

/* Whether none of the eight bytes in x is a control byte, '"' or '\\'. */
static int ordinary8(uint64_t x)
{
	return !(lay_w8_below(x, 0x20) | lay_w8_has(x, '"') | lay_w8_has(x, '\\'));
}

/* Skip the string opening at text[i], the document's ord-th, noting the
 * first that holds \u0000, a \u without four hex digits (cJSON would read
 * it as U+0000 and cut the string there) or a raw control byte (blanked in
 * sc->san). Returns the offset after its closing quote. */
static size_t skip_string(struct scan *sc, const char *text, size_t len, size_t i, size_t ord)
{
	for (i++; i < len; i++) {
		/* ordinary bytes, eight at a time */
		while (i + 8 <= len && ordinary8(lay_w8_load(text + i)))
			i += 8;
		if (i >= len || text[i] == '"')
			break;
		if (sc->bad_str) {
			if (text[i] == '\\')
				i++;
			continue;
		}
		if (text[i] == '\\' && i + 1 < len) {
			unsigned u = 0;

			if (text[i + 1] == 'u' && !hex4(text + i + 2, len - i - 2)) {
				sc->bad_str = ord;
				sc->bad_why = BAD_ESC;
			} else if (i + 6 <= len && memcmp(text + i + 1, "u0000", 5) == 0) {
				sc->bad_str = ord;
				sc->bad_why = BAD_NUL;
			} else if (text[i + 1] == 'u' && (u = hex4_value(text + i + 2)) >= 0xD800 &&
				   u <= 0xDFFF) {
				if (u <= 0xDBFF && i + 12 <= len && text[i + 6] == '\\' &&
				    text[i + 7] == 'u' && hex4(text + i + 8, len - i - 8) &&
				    hex4_value(text + i + 8) >= 0xDC00 &&
				    hex4_value(text + i + 8) <= 0xDFFF) {
					i += 6; /* a pair: on to its second half */
				} else {
					/* cJSON would refuse the document; the walk
					 * names the string instead */
					sc->bad_str = ord;
					sc->bad_why = BAD_SURROGATE;
					memcpy(sc->san.p + i + 2, "0020", 4);
				}
			}
			i++;
		} else if ((unsigned char)text[i] < 0x20) {
			sc->bad_str = ord;
			sc->bad_why = BAD_CTRL;
			/* cJSON stops at a NUL; the walk reports the string instead */
			sc->san.p[i] = ' ';
		}
	}
	return i + 1;
}

/*
 * The pre-pass: copy text into sc->san with each number literal (a run of
 * [0-9+-.eE] starting at '-' or a digit outside strings) replaced by "0" and
 * spaces, so offsets stay the same; note the literals and the first bad
 * string (cJSON would truncate at \u0000 and let raw control bytes through);
 * refuse control bytes between tokens and excess nesting. The caller frees
 * sc in every case.
 */
static int scan_text(struct scan *sc, const char *text, size_t len, lay_err *err)
{
	size_t i = 0, j, depth = 0, strings = 0;
	char *d;

	if (lay_buf_grow(&sc->san, len) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory reading an item");
	d = sc->san.p;
	memcpy(d, text, len);
	d[len] = '\0';
	sc->san.len = len;
	if (has_bom(text, len)) {
		memset(d, ' ', 3);
		i = 3;
	}
	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if (c == '"') {
			i = skip_string(sc, text, len, i, ++strings);
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			for (j = i; j < len && text[j] && strchr("0123456789+-.eE", text[j]); j++)
				;
			if (add_num(sc, i, j - i) < 0)
				return lay_err_set(err, -ENOMEM, "out of memory reading an item");
			d[i] = '0';
			memset(d + i + 1, ' ', j - i - 1);
			i = j;
		} else if ((c == '{' || c == '[') && ++depth > MAX_BRACKETS) {
			return at_error(err, text, i, NESTING_TEXT);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
			i++;
		} else if (c < 0x20 && !is_ws((char)c)) {
			return at_error(err, text, i,
					"invalid JSON: a control byte outside a string");
		} else {
			i++;
		}
	}
	return 0;
}

/* Strict JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number_ok(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* Fail with a message prefixed by the attribute path being walked. */
static int fail(struct parse *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, int code, const char *fmt, ...)
{
	char why[LAY_ERR_MSG];
	size_t n = p->path.len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (n == 0)
		return lay_err_set(p->err, code, "%s", why);
	if (n > SHOWN) {
		/* cut on a character boundary so the message stays UTF-8 */
		n = SHOWN;
		while (n > 0 && ((unsigned char)p->path.p[n] & 0xC0) == 0x80)
			n--;
	}
	return lay_err_set(p->err, code, "attribute \"%.*s%s\": %s", (int)n, p->path.p,
			   n < p->path.len ? "..." : "", why);
}

static int nomem(struct parse *p)
{
	return fail(p, -ENOMEM, "out of memory reading an item");
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

/* Take the next string of the document (a key or a value): what is "an
 * attribute name" or "a string", for messages. */
static int take_str(struct parse *p, const char *s, size_t *len, const char *what)
{
	size_t ord = ++p->next_str;

	if (!s)
		return fail(p, -EINVAL, "internal error: a JSON string is missing");
	if (p->sc->bad_str == ord) {
		if (p->sc->bad_why == BAD_NUL)
			return fail(p, -EINVAL, "%s contains U+0000 (\\u0000), which is not "
				    "supported", what);
		if (p->sc->bad_why == BAD_ESC)
			return fail(p, -EINVAL, "%s has an invalid escape: \\u needs four hex "
				    "digits", what);
		if (p->sc->bad_why == BAD_SURROGATE)
			return fail(p, -EINVAL, "%s has half of a UTF-16 surrogate pair "
				    "(\\uD800-\\uDFFF alone); write the character, or both "
				    "halves (\\ud83d\\ude00)", what);
		return fail(p, -EINVAL, "%s contains a raw control character; write it "
			    "escaped (\\n, \\t, \\u001f)", what);
	}
	*len = strlen(s);
	if (!lay_utf8_valid(s, *len))
		return fail(p, -EINVAL, "%s is not valid UTF-8", what);
	return 0;
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

static int set_num(struct parse *p, lay_value *out, const char *s, size_t len)
{
	lay_err e = { 0, "" };
	int rc;

	lay_buf_reset(&p->tmp);
	if ((rc = lay_num_canon(&p->tmp, s, len, &e)) < 0)
		return fail(p, rc, "%s", e.msg);
	return set_bytes(p, out, LAY_N, p->tmp.p, p->tmp.len);
}

/* The next number node: its literal from the pre-pass. */
static int take_num(struct parse *p, lay_value *out)
{
	const struct span *sp;
	const char *s;

	if (p->next_num >= p->sc->n_nums)
		return fail(p, -EINVAL, "internal error: number literals out of step");
	sp = &p->sc->nums[p->next_num++];
	s = p->text + sp->off;
	if (!json_number_ok(s, sp->len))
		return fail(p, -EINVAL, "invalid JSON number \"%.*s%s\"",
			    (int)(sp->len > SHOWN ? SHOWN : sp->len), s,
			    sp->len > SHOWN ? "..." : "");
	return set_num(p, out, s, sp->len);
}

/* Decode strict base64 s into p->tmp; 0 or a negative errno (no message). */
static int b64_into_tmp(struct parse *p, const char *s)
{
	lay_buf_reset(&p->tmp);
	return lay_b64_decode(&p->tmp, s, strlen(s), 1);
}

static int take_b64(struct parse *p, lay_value *out, const cJSON *j)
{
	size_t len;
	int rc;

	if ((rc = take_str(p, j->valuestring, &len, "a binary value")) < 0)
		return rc;
	rc = b64_into_tmp(p, j->valuestring);
	if (rc == -ENOMEM)
		return nomem(p);
	if (rc < 0)
		return fail(p, -EINVAL, "binary value \"%.*s%s\" is not base64 (RFC 4648, "
			    "'=' padded, unused bits zero)", (int)(len > SHOWN ? SHOWN : len),
			    j->valuestring, len > SHOWN ? "..." : "");
	return set_bytes(p, out, LAY_B, p->tmp.p ? p->tmp.p : "", p->tmp.len);
}

static size_t count_children(const cJSON *j)
{
	size_t n = 0;

	for (j = j->child; j; j = j->next)
		n++;
	return n;
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

static int value(struct parse *p, lay_value *out, const cJSON *j, int level);

/* The members of JSON object obj as attributes at level (1 for the item's). */
static int members(struct parse *p, lay_attr **out, size_t *n_out, const cJSON *obj, int level)
{
	size_t n = count_children(obj), i = 0, len, at = p->path.len;
	const cJSON *c;
	lay_attr *a;
	int rc;

	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	if (!(a = lay_item_alloc(p->it, n * sizeof(*a))))
		return nomem(p);
	for (c = obj->child; c; c = c->next, i++) {
		if ((rc = take_str(p, c->string, &len, "an attribute name")) < 0)
			return rc;
		if (len == 0)
			return fail(p, -EINVAL, "an attribute name is empty; names are 1 to %d "
				    "bytes", LAY_MAX_NAME);
		if (len > LAY_MAX_NAME)
			return fail(p, -EINVAL, "attribute name \"%.40s...\" has %zu bytes; the "
				    "limit is %d", c->string, len, LAY_MAX_NAME);
		if (!(a[i].name = lay_item_strdup(p->it, c->string, len)))
			return nomem(p);
		a[i].name_len = len;
		if ((rc = path_name(p, c->string, len)) < 0 ||
		    (rc = value(p, &a[i].v, c, level)) < 0)
			return rc;
		path_pop(p, at);
	}
	if ((rc = check_unique_names(p, a, n, level == 1 ? "item" : "map")) < 0)
		return rc;
	*out = a;
	*n_out = n;
	return 0;
}

static int map_value(struct parse *p, lay_value *out, const cJSON *obj, int level)
{
	int rc;

	if (level >= LAY_MAX_DEPTH)
		return fail(p, -EINVAL, NESTING_TEXT);
	out->type = LAY_M;
	if ((rc = members(p, &out->u.a, &out->len, obj, level + 1)) < 0)
		return rc;
	return 0;
}

static int list_value(struct parse *p, lay_value *out, const cJSON *arr, int level)
{
	size_t n = count_children(arr), i = 0, at = p->path.len;
	const cJSON *c;
	lay_value *v = NULL;
	int rc;

	if (level >= LAY_MAX_DEPTH)
		return fail(p, -EINVAL, NESTING_TEXT);
	if (n && !(v = lay_item_alloc(p->it, n * sizeof(*v))))
		return nomem(p);
	for (c = arr->child; c; c = c->next, i++) {
		if ((rc = path_index(p, i)) < 0 || (rc = value(p, &v[i], c, level + 1)) < 0)
			return rc;
		path_pop(p, at);
	}
	out->type = LAY_L;
	out->len = n;
	out->u.v = v;
	return 0;
}

static int set_member(struct parse *p, lay_value *out, lay_type t, const cJSON *c)
{
	size_t len;
	int rc;

	if (t == LAY_NS && p->fmt == LAY_FMT_PLAIN) {
		if (!cJSON_IsNumber(c))
			return fail(p, -EINVAL, "a number set holds JSON numbers");
		return take_num(p, out);
	}
	if (!cJSON_IsString(c))
		return fail(p, -EINVAL, "%s members must be JSON strings", lay_type_name(t));
	if (t == LAY_BS)
		return take_b64(p, out, c);
	if ((rc = take_str(p, c->valuestring, &len, "a string")) < 0)
		return rc;
	if (t == LAY_NS)
		return set_num(p, out, c->valuestring, len);
	return set_bytes(p, out, LAY_S, c->valuestring, len);
}

/* Set members are unique (item.c checks, in DynamoDB's words); the
 * failure names the set's path. */
static int check_unique_members(struct parse *p, const lay_value *set)
{
	lay_err e;
	int rc = lay_set_check_unique(&e, set, SHOWN);

	return rc == -EINVAL ? fail(p, rc, "%s", e.msg) : rc < 0 ? nomem(p) : 0;
}

static int set_value(struct parse *p, lay_value *out, lay_type t, const cJSON *arr)
{
	size_t n = count_children(arr), i = 0, at = p->path.len;
	const cJSON *c;
	lay_value *v;
	int rc;

	if (n == 0)
		return fail(p, -EINVAL, "One or more parameter values were invalid: %s",
			    t == LAY_SS ? "An string set  may not be empty"
			    : t == LAY_NS ? "An number set  may not be empty"
			    : "Binary sets should not be empty");
	if (!(v = lay_item_alloc(p->it, n * sizeof(*v))))
		return nomem(p);
	for (c = arr->child; c; c = c->next, i++) {
		if ((rc = path_index(p, i)) < 0 || (rc = set_member(p, &v[i], t, c)) < 0)
			return rc;
		path_pop(p, at);
	}
	out->type = t;
	out->len = n;
	out->u.v = v;
	return check_unique_members(p, out);
}

static int all_children(const cJSON *arr, int (*is)(const cJSON *))
{
	const cJSON *c;

	for (c = arr->child; c; c = c->next)
		if (!is(c))
			return 0;
	return 1;
}

static int is_string(const cJSON *c)
{
	return cJSON_IsString(c);
}

static int is_number(const cJSON *c)
{
	return cJSON_IsNumber(c);
}

/* plain: the type a one-member {"B"|"SS"|"NS"|"BS": ...} object stands for,
 * or 0 if obj is an ordinary map. Looks only; takes nothing. */
static lay_type plain_wrapper(struct parse *p, const cJSON *obj)
{
	const cJSON *m = obj->child, *c;
	lay_type t;

	if (!m || m->next || !m->string)
		return 0;
	t = lay_type_parse(m->string, strlen(m->string));
	if (t == LAY_B)
		return cJSON_IsString(m) && b64_into_tmp(p, m->valuestring) == 0 ? LAY_B : 0;
	if (t != LAY_SS && t != LAY_NS && t != LAY_BS)
		return 0;
	if (!cJSON_IsArray(m) || !all_children(m, t == LAY_NS ? is_number : is_string))
		return 0;
	if (t == LAY_BS)
		for (c = m->child; c; c = c->next)
			if (b64_into_tmp(p, c->valuestring) != 0)
				return 0;
	return t;
}

static int plain_value(struct parse *p, lay_value *out, const cJSON *j, int level)
{
	lay_type t;
	size_t len;
	int rc;

	if (cJSON_IsString(j)) {
		if ((rc = take_str(p, j->valuestring, &len, "a string")) < 0)
			return rc;
		return set_bytes(p, out, LAY_S, j->valuestring, len);
	}
	if (cJSON_IsNumber(j))
		return take_num(p, out);
	if (cJSON_IsBool(j)) {
		out->type = LAY_BOOL;
		out->len = cJSON_IsTrue(j);
		return 0;
	}
	if (cJSON_IsNull(j)) {
		out->type = LAY_NULL;
		out->len = 0;
		return 0;
	}
	if (cJSON_IsArray(j))
		return list_value(p, out, j, level);
	if (!cJSON_IsObject(j))
		return fail(p, -EINVAL, "internal error: unexpected JSON node");
	if (!(t = plain_wrapper(p, j)))
		return map_value(p, out, j, level);
	/* the wrapper's key is a string of the document too */
	if ((rc = take_str(p, j->child->string, &len, "an attribute name")) < 0)
		return rc;
	if (t == LAY_B)
		return take_b64(p, out, j->child);
	return set_value(p, out, t, j->child);
}

static int ddb_value(struct parse *p, lay_value *out, const cJSON *j, int level)
{
	const cJSON *m;
	lay_type t;
	size_t len;
	int rc;

	if (!cJSON_IsObject(j))
		return fail(p, -EINVAL, "expected a DynamoDB JSON value like {\"S\":\"...\"}");
	if (!(m = j->child))
		return fail(p, -EINVAL, "Supplied AttributeValue is empty, must contain exactly "
			    "one of the supported datatypes");
	if (m->next)
		return fail(p, -EINVAL, "Supplied AttributeValue has more than one datatypes "
			    "set, must contain exactly one of the supported datatypes");
	if ((rc = take_str(p, m->string, &len, "a type name")) < 0)
		return rc;
	if (!(t = lay_type_parse(m->string, len)))
		return fail(p, -EINVAL, "unknown type \"%.20s\"; expected a DynamoDB JSON value "
			    "like {\"S\":\"...\"} (S, N, B, BOOL, NULL, M, L, SS, NS or BS)",
			    m->string);
	switch (t) {
	case LAY_S:
	case LAY_N:
		if (!cJSON_IsString(m))
			break;
		if ((rc = take_str(p, m->valuestring, &len, "a string")) < 0)
			return rc;
		if (t == LAY_N)
			return set_num(p, out, m->valuestring, len);
		return set_bytes(p, out, LAY_S, m->valuestring, len);
	case LAY_B:
		if (!cJSON_IsString(m))
			break;
		return take_b64(p, out, m);
	case LAY_BOOL:
		if (!cJSON_IsBool(m))
			return fail(p, -EINVAL, "BOOL must be true or false");
		out->type = LAY_BOOL;
		out->len = cJSON_IsTrue(m);
		return 0;
	case LAY_NULL:
		if (!cJSON_IsTrue(m))
			return fail(p, -EINVAL, "One or more parameter values were invalid: Null "
				    "attribute value types must have the value of true");
		out->type = LAY_NULL;
		out->len = 0;
		return 0;
	case LAY_M:
		if (!cJSON_IsObject(m))
			return fail(p, -EINVAL, "M must be a JSON object");
		return map_value(p, out, m, level);
	case LAY_L:
		if (!cJSON_IsArray(m))
			break;
		return list_value(p, out, m, level);
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		if (!cJSON_IsArray(m))
			break;
		return set_value(p, out, t, m);
	}
	return fail(p, -EINVAL, "%s must be a JSON %s", lay_type_name(t),
		    t == LAY_L ? "array" : t >= LAY_SS ? "array of strings" : "string");
}

static int value(struct parse *p, lay_value *out, const cJSON *j, int level)
{
	if (p->fmt == LAY_FMT_DDB)
		return ddb_value(p, out, j, level);
	return plain_value(p, out, j, level);
}

static const char *json_kind(const cJSON *j)
{
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	return "null";
}

/*
 * Parse text into *out (LAY_ITEM_INIT), everything in out's arena. The
 * text is borrowed for the call only. On error *out is freed.
 */
unsigned lay_json_max_brackets(lay_format fmt)
{
	/* the item's braces, a bracket per M or L below level LAY_MAX_DEPTH,
	 * and a set's two at the deepest level */
	if (fmt == LAY_FMT_DDB)
		return 1 + 2 * (LAY_MAX_DEPTH - 1) + 2;
	return 1 + (LAY_MAX_DEPTH - 1) + 2;
}

/* Why text is no JSON object, in the words of the incremental scanner that
 * early errors use (where and what it expected), so that a commit says as
 * much as a refused write: -EINVAL with that message, or 0 if the scanner
 * finds nothing wrong but an end that comes too soon (or nothing at all). */
static int why_invalid(const char *text, size_t len, lay_format fmt, lay_err *err)
{
	lay_jscan js;
	int rc;

	lay_jscan_init(&js, lay_json_max_brackets(fmt), LAY_JSCAN_OBJECT);
	rc = lay_jscan_push(&js, text, len, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return lay_err_set(err, -EINVAL,
				   "invalid JSON: the text ends before the item does (%zu bytes)",
				   len);
	return 0;
}

int lay_json_parse(lay_item *out, const char *text, size_t len, lay_format fmt, lay_err *err)
{
	struct scan sc = { LAY_BUF_INIT, NULL, 0, 0, 0, BAD_NONE };
	struct parse p = { out, fmt, err, text, &sc, 0, 0, LAY_BUF_INIT, LAY_BUF_INIT };
	const char *end = NULL;
	cJSON *root;
	size_t i;
	int rc;

	i = has_bom(text, len) ? 3 : 0;
	while (i < len && is_ws(text[i]))
		i++;
	if (i == len)
		return 0;
	if ((rc = scan_text(&sc, text, len, err)) < 0)
		goto out_free_scan;
	root = cJSON_ParseWithLengthOpts(sc.san.p, sc.san.len, &end, 0);
	if (!root) {
		/* text the scanner finds valid (nested far less deeply than
		 * cJSON's limit) that cJSON could not parse: it ran out of memory */
		rc = why_invalid(text, len, fmt, err);
		if (rc == 0)
			rc = lay_err_set(err, -ENOMEM, "out of memory parsing an item of %zu bytes",
					 len);
		goto out_free_scan;
	}
	/* only whitespace may follow the object (require_null_terminated, by hand
	 * so the message can say where) */
	for (i = (size_t)(end - sc.san.p); i < len && is_ws(sc.san.p[i]); i++)
		;
	if (i < len) {
		rc = at_error(err, text, i, "invalid JSON: text after the item's closing brace");
		goto out_free_tree;
	}
	if (!cJSON_IsObject(root)) {
		rc = lay_err_set(err, -EINVAL, "an item must be a JSON object, not %s",
				 json_kind(root));
		goto out_free_tree;
	}
	if ((rc = members(&p, &out->a, &out->n, root, 1)) < 0)
		goto out_free_tree;
	if (p.next_num != sc.n_nums)
		rc = lay_err_set(err, -EINVAL, "internal error: number literals out of step");
	else if (p.next_str < sc.bad_str)
		rc = lay_err_set(err, -EINVAL, "a string contains U+0000, a raw control "
				 "character or an invalid \\u escape, which is not supported");
out_free_tree:
	cJSON_Delete(root);
out_free_scan:
	lay_buf_free(&p.path);
	lay_buf_free(&p.tmp);
	lay_buf_free(&sc.san);
	free(sc.nums);
	if (rc < 0)
		lay_item_free(out);
	return rc;
}
