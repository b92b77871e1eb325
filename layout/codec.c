/* The stored form of an item (SPEC §5, §17): a compact binary encoding
 * kept in LMDB. Decoding trusts nothing: every length is checked against
 * the bytes left, nesting is bounded, and the whole item lands in one arena.
 *
 *   item  = varint(count) { varint(name_len) name value }
 *   value = type byte, then  S/N/B: varint(len) bytes   BOOL: 0|1   NULL: -
 *           M: varint(n) { varint(name_len) name value }   L: varint(n) { value }
 *           SS/NS/BS: varint(n) { varint(len) bytes }
 * Varints are unsigned LEB128. Type bytes are lay_type's values.
 */
#include "codec.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Stored items never nest deeper than the parsers allow; the slack only
 * keeps hostile bytes from exhausting the stack. */
#define CODEC_MAX_DEPTH (LAY_MAX_DEPTH + 8)

static int put_varint(lay_buf *out, uint64_t x)
{
	unsigned char b[10];
	size_t n = 0;

	do {
		b[n] = x & 0x7f;
		x >>= 7;
		if (x)
			b[n] |= 0x80;
		n++;
	} while (x);
	return lay_buf_add(out, b, n);
}

static int put_bytes(lay_buf *out, const void *p, size_t len)
{
	if (put_varint(out, len) < 0)
		return -ENOMEM;
	return lay_buf_add(out, p, len);
}

static int encode_attrs(lay_buf *out, const lay_attr *a, size_t n);

int lay_codec_encode_value(lay_buf *out, const lay_value *v)
{
	size_t i;

	if (lay_buf_addc(out, (char)v->type) < 0)
		return -ENOMEM;
	switch (v->type) {
	case LAY_S:
	case LAY_N:
	case LAY_B:
		return put_bytes(out, v->u.p, v->len);
	case LAY_BOOL:
		return lay_buf_addc(out, v->len ? 1 : 0);
	case LAY_M:
		return encode_attrs(out, v->u.a, v->len);
	case LAY_L:
		if (put_varint(out, v->len) < 0)
			return -ENOMEM;
		for (i = 0; i < v->len; i++)
			if (lay_codec_encode_value(out, &v->u.v[i]) < 0)
				return -ENOMEM;
		return 0;
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		if (put_varint(out, v->len) < 0)
			return -ENOMEM;
		for (i = 0; i < v->len; i++)
			if (put_bytes(out, v->u.v[i].u.p, v->u.v[i].len) < 0)
				return -ENOMEM;
		return 0;
	default:
		/* NULL has no payload */
		return 0;
	}
}

static int encode_attrs(lay_buf *out, const lay_attr *a, size_t n)
{
	size_t i;

	if (put_varint(out, n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (put_bytes(out, a[i].name, a[i].name_len) < 0 ||
		    lay_codec_encode_value(out, &a[i].v) < 0)
			return -ENOMEM;
	return 0;
}

int lay_codec_encode(lay_buf *out, const lay_item *it)
{
	size_t len = out->len;

	if (encode_attrs(out, it->a, it->n) < 0) {
		/* leave out as it was */
		out->len = len;
		if (out->p)
			out->p[len] = '\0';
		return -ENOMEM;
	}
	return 0;
}

/* A cursor over the input; the first failure fills err and every later
 * step unwinds with it. */
struct dec {
	const unsigned char *p;
	size_t len, pos;
	lay_item *it;
	lay_err *err;
	int view;             /* bytes point into p instead of being copied */
};

static int corrupt(struct dec *d, const char *why)
{
	return lay_err_set(d->err, -EINVAL, "stored item is corrupt: %s at byte %zu of %zu", why,
			   d->pos, d->len);
}

static int nomem(struct dec *d)
{
	return lay_err_set(d->err, -ENOMEM, "out of memory decoding a stored item");
}

static int get_varint(struct dec *d, size_t *out)
{
	uint64_t x = 0;
	unsigned shift = 0;
	unsigned char c;

	do {
		if (d->pos >= d->len)
			return corrupt(d, "truncated");
		c = d->p[d->pos++];
		if (shift == 63 && (c & 0x7e))
			return corrupt(d, "length overflows");
		x |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
		if (shift > 63 && (c & 0x80))
			return corrupt(d, "length overflows");
	} while (c & 0x80);
	if (x > SIZE_MAX)
		return corrupt(d, "length overflows");
	*out = (size_t)x;
	return 0;
}

/* A count of elements each taking at least min bytes: never more than the
 * input could hold, so a hostile count cannot force a huge allocation. */
static int get_count(struct dec *d, size_t *out, size_t min)
{
	int rc = get_varint(d, out);

	if (rc < 0)
		return rc;
	if (*out > (d->len - d->pos) / min)
		return corrupt(d, "count exceeds the bytes left");
	return 0;
}

/* A length-prefixed byte string copied into the arena, NUL-terminated
 * (or, for a view, where it is in the input). */
static int get_bytes(struct dec *d, char **out, size_t *len)
{
	int rc = get_varint(d, len);

	if (rc < 0)
		return rc;
	if (*len > d->len - d->pos)
		return corrupt(d, "truncated");
	*out = d->view ? (char *)d->p + d->pos : lay_item_strdup(d->it, d->p + d->pos, *len);
	if (!*out)
		return nomem(d);
	d->pos += *len;
	return 0;
}

/* Canonical number text (SPEC §5): -?(0|[1-9][0-9]*)(.[0-9]*[1-9])?, not -0.
 * Everything that reads N relies on it. */
static int num_ok(const char *s, size_t len)
{
	size_t i = 0, start;

	if (i < len && s[i] == '-')
		i++;
	start = i;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0' && i + 1 < len && s[i + 1] != '.')
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < len) {
		if (s[i] != '.' || i + 1 >= len || s[len - 1] == '0')
			return 0;
		for (i++; i < len; i++)
			if (s[i] < '0' || s[i] > '9')
				return 0;
	} else if (start > 0 && len - start == 1 && s[start] == '0') {
		return 0;
	}
	return 1;
}

static int get_value(struct dec *d, lay_value *out, int depth);

static int get_attrs(struct dec *d, lay_attr **out, size_t *n, int depth)
{
	lay_attr *a;
	size_t i;
	int rc;

	/* each attribute: at least a name length, one name byte, a type byte */
	if ((rc = get_count(d, n, 3)) < 0)
		return rc;
	a = lay_item_alloc(d->it, *n * sizeof(*a));
	if (!a)
		return nomem(d);
	for (i = 0; i < *n; i++) {
		if ((rc = get_bytes(d, &a[i].name, &a[i].name_len)) < 0)
			return rc;
		if (a[i].name_len == 0 || a[i].name_len > LAY_MAX_NAME)
			return corrupt(d, "bad attribute name length");
		if ((rc = get_value(d, &a[i].v, depth)) < 0)
			return rc;
	}
	*out = a;
	return 0;
}

/* depth: M/L levels already open around this value. */
static int get_value(struct dec *d, lay_value *out, int depth)
{
	lay_type t, mt;
	size_t i;
	int rc;

	if (d->pos >= d->len)
		return corrupt(d, "truncated");
	t = (lay_type)d->p[d->pos++];
	out->type = t;
	switch (t) {
	case LAY_S:
	case LAY_B:
		return get_bytes(d, &out->u.p, &out->len);
	case LAY_N:
		if ((rc = get_bytes(d, &out->u.p, &out->len)) < 0)
			return rc;
		if (!num_ok(out->u.p, out->len))
			return corrupt(d, "bad number");
		return 0;
	case LAY_BOOL:
		if (d->pos >= d->len)
			return corrupt(d, "truncated");
		if (d->p[d->pos] > 1)
			return corrupt(d, "bad boolean");
		out->len = d->p[d->pos++];
		return 0;
	case LAY_NULL:
		out->len = 0;
		return 0;
	case LAY_M:
		if (depth >= CODEC_MAX_DEPTH)
			return corrupt(d, "nested too deeply");
		return get_attrs(d, &out->u.a, &out->len, depth + 1);
	case LAY_L:
		if (depth >= CODEC_MAX_DEPTH)
			return corrupt(d, "nested too deeply");
		if ((rc = get_count(d, &out->len, 1)) < 0)
			return rc;
		out->u.v = lay_item_alloc(d->it, out->len * sizeof(lay_value));
		if (!out->u.v)
			return nomem(d);
		for (i = 0; i < out->len; i++)
			if ((rc = get_value(d, &out->u.v[i], depth + 1)) < 0)
				return rc;
		return 0;
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		mt = t == LAY_SS ? LAY_S : t == LAY_NS ? LAY_N : LAY_B;
		if ((rc = get_count(d, &out->len, 1)) < 0)
			return rc;
		out->u.v = lay_item_alloc(d->it, out->len * sizeof(lay_value));
		if (!out->u.v)
			return nomem(d);
		for (i = 0; i < out->len; i++) {
			lay_value *m = &out->u.v[i];

			m->type = mt;
			if ((rc = get_bytes(d, &m->u.p, &m->len)) < 0)
				return rc;
			if (mt == LAY_N && !num_ok(m->u.p, m->len))
				return corrupt(d, "bad number in a set");
		}
		return 0;
	default:
		d->pos--;
		return corrupt(d, "unknown type byte");
	}
}

static int decode(lay_item *out, const void *p, size_t len, int view, lay_err *err)
{
	struct dec d = {p, len, 0, out, err, view};
	int rc;

	if ((rc = get_attrs(&d, &out->a, &out->n, 0)) < 0)
		goto out_free;
	if (d.pos != len) {
		rc = corrupt(&d, "trailing bytes");
		goto out_free;
	}
	return 0;
out_free:
	lay_item_free(out);
	return rc;
}

int lay_codec_decode(lay_item *out, const void *p, size_t len, lay_err *err)
{
	return decode(out, p, len, 0, err);
}

int lay_codec_view(lay_item *out, const void *p, size_t len, lay_err *err)
{
	return decode(out, p, len, 1, err);
}

/* On error, *out is untouched; whatever was decoded stays in it's arena. */
int lay_codec_decode_value(lay_item *it, lay_value *out, size_t *used, const void *p, size_t len,
			   lay_err *err)
{
	struct dec d = {p, len, 0, it, err, 0};
	lay_value v;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = get_value(&d, &v, 0)) < 0)
		return rc;
	*out = v;
	*used = d.pos;
	return 0;
}
