/* Items as JSON text (SPEC §5): rendering in the `plain` and `ddb` formats
 * (json.c parses them). Deterministic: attributes in stored order, numbers
 * as their canonical text, binary as base64. */
#include "json.h"

#include <errno.h>
#include <string.h>

#include "b64.h"
#include "word8.h"

/* Rendering. Every function appends to b and returns 0 or -ENOMEM; the
 * public ones cut b back to where it was on failure. */

/* The letter of c's two-character escape (\n ...), 'u' for \u00XX, or 0
 * for a byte copied as it is. */
static char escape_of(unsigned char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\n':
		return 'n';
	case '\t':
		return 't';
	case '\r':
		return 'r';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	}
	return c < 0x20 || c == 0x7F ? 'u' : 0;
}

/* Bytes of s[0..len) from the start that need no escape. Strings are most
 * of an item and few need escapes: eight bytes are tested at a time. */
static size_t plain_run(const char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w = lay_w8_load(s + i);

		if (lay_w8_below(w, 0x20) | lay_w8_has(w, '"') | lay_w8_has(w, '\\') |
		    lay_w8_has(w, 0x7F))
			break;
	}
	while (i < len && !escape_of((unsigned char)s[i]))
		i++;
	return i;
}

int lay_json_quote(lay_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	if (lay_buf_addc(out, '"') < 0)
		return -ENOMEM;
	while (i < len) {
		size_t run = plain_run(s + i, len - i);
		char esc[7] = "\\u00", letter;
		size_t elen = 2;

		if (lay_buf_add(out, s + i, run) < 0)
			return -ENOMEM;
		i += run;
		if (i == len)
			break;
		letter = escape_of((unsigned char)s[i]);
		if (letter == 'u') {
			esc[4] = hex[(unsigned char)s[i] >> 4];
			esc[5] = hex[s[i] & 15];
			elen = 6;
		} else {
			esc[1] = letter;
		}
		if (lay_buf_add(out, esc, elen) < 0)
			return -ENOMEM;
		i++;
	}
	return lay_buf_addc(out, '"');
}

static int put_b64(lay_buf *b, const char *p, size_t len)
{
	if (lay_buf_addc(b, '"') < 0 || lay_b64_encode(b, p, len) < 0 || lay_buf_addc(b, '"') < 0)
		return -ENOMEM;
	return 0;
}

static int put_value(lay_buf *b, const lay_value *v, int ddb);

static int put_members(lay_buf *b, const lay_attr *a, size_t n, int ddb)
{
	size_t i;

	if (lay_buf_addc(b, '{') < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if ((i && lay_buf_addc(b, ',') < 0) ||
		    lay_json_quote(b, a[i].name, a[i].name_len) < 0 || lay_buf_addc(b, ':') < 0 ||
		    put_value(b, &a[i].v, ddb) < 0)
			return -ENOMEM;
	}
	return lay_buf_addc(b, '}');
}

/* Members of L, SS, NS or BS as a JSON array. */
static int put_elements(lay_buf *b, const lay_value *v, int ddb)
{
	size_t i;
	int rc = 0;

	if (lay_buf_addc(b, '[') < 0)
		return -ENOMEM;
	for (i = 0; i < v->len && rc == 0; i++) {
		const lay_value *e = &v->u.v[i];

		if (i && lay_buf_addc(b, ',') < 0)
			return -ENOMEM;
		if (v->type == LAY_L)
			rc = put_value(b, e, ddb);
		else if (v->type == LAY_SS || (v->type == LAY_NS && ddb))
			rc = lay_json_quote(b, e->u.p, e->len);
		else if (v->type == LAY_NS)
			rc = lay_buf_add(b, e->u.p, e->len);
		else
			rc = put_b64(b, e->u.p, e->len);
	}
	if (rc < 0)
		return rc;
	return lay_buf_addc(b, ']');
}

/* The opening {"T": of a value's type wrapper. */
static int open_type(lay_buf *b, lay_type t)
{
	if (lay_buf_add(b, "{\"", 2) < 0 || lay_buf_adds(b, lay_type_name(t)) < 0 ||
	    lay_buf_add(b, "\":", 2) < 0)
		return -ENOMEM;
	return 0;
}

/* A value without its ddb wrapper (plain's own wrappers included). */
static int put_bare(lay_buf *b, const lay_value *v, int ddb)
{
	switch (v->type) {
	case LAY_S:
		return lay_json_quote(b, v->u.p, v->len);
	case LAY_N:
		if (ddb)
			return lay_json_quote(b, v->u.p, v->len);
		return lay_buf_add(b, v->u.p, v->len);
	case LAY_B:
		if (ddb)
			return put_b64(b, v->u.p, v->len);
		if (lay_buf_adds(b, "{\"B\":") < 0 || put_b64(b, v->u.p, v->len) < 0)
			return -ENOMEM;
		return lay_buf_addc(b, '}');
	case LAY_BOOL:
		return lay_buf_adds(b, v->len ? "true" : "false");
	case LAY_NULL:
		return lay_buf_adds(b, ddb ? "true" : "null");
	case LAY_M:
		return put_members(b, v->u.a, v->len, ddb);
	case LAY_L:
		return put_elements(b, v, ddb);
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		if (ddb)
			return put_elements(b, v, ddb);
		if (open_type(b, v->type) < 0 || put_elements(b, v, ddb) < 0)
			return -ENOMEM;
		return lay_buf_addc(b, '}');
	}
	return lay_buf_adds(b, "null");
}

static int put_value(lay_buf *b, const lay_value *v, int ddb)
{
	if (!ddb)
		return put_bare(b, v, 0);
	if (open_type(b, v->type) < 0 || put_bare(b, v, 1) < 0)
		return -ENOMEM;
	return lay_buf_addc(b, '}');
}

static int cut_back(lay_buf *b, size_t len, int rc)
{
	if (rc < 0 && b->p) {
		b->len = len;
		b->p[len] = '\0';
	}
	return rc;
}

int lay_json_render(lay_buf *out, const lay_item *it, lay_format fmt)
{
	size_t at = out->len;
	int rc;

	rc = put_members(out, it->a, it->n, fmt == LAY_FMT_DDB);
	if (rc == 0)
		rc = lay_buf_addc(out, '\n');
	return cut_back(out, at, rc);
}

size_t lay_json_len(const lay_item *it, lay_format fmt)
{
	lay_buf n = LAY_BUF_COUNT;

	lay_json_render(&n, it, fmt);
	return n.len;
}

int lay_json_render_ddb_value(lay_buf *out, const lay_value *v)
{
	size_t at = out->len;

	return cut_back(out, at, put_value(out, v, 1));
}
