/* Order-preserving key encoding (SPEC §3, §4): memcmp order of encoded key
 * values is DynamoDB's order, and encodings are self-delimiting so that a
 * partition key followed by a sort key sorts as the pair does. Numbers are
 * encoded by layout/num.c; this file adds S and B. */
#include "keyenc.h"

#include <errno.h>
#include <string.h>

#include "num.h"

/*
 * S and B: each 0x00 becomes 0x00 0xFF, and 0x00 0x01 ends the value. Every
 * other byte is itself, so unequal bytes compare as they did; where one value
 * ends, its 0x00 0x01 sorts below whatever the longer value continues with
 * (a byte >= 0x01, or 0x00 0xFF for a NUL), so a prefix sorts first.
 */
#define ESC 0x00
#define ESC_NUL 0xFF
#define ESC_END 0x01

static int bytes_enc(lay_buf *out, const unsigned char *s, size_t len)
{
	size_t i, n = len + 2;
	unsigned char *p;

	for (i = 0; i < len; i++)
		n += s[i] == 0x00;
	if (lay_buf_grow(out, n) < 0)
		return -ENOMEM;
	p = (unsigned char *)out->p + out->len;
	for (i = 0; i < len; i++) {
		*p++ = s[i];
		if (s[i] == 0x00)
			*p++ = ESC_NUL;
	}
	*p++ = ESC;
	*p = ESC_END;
	out->len += n;
	out->p[out->len] = '\0';
	return 0;
}

int lay_keyenc(lay_buf *out, const lay_value *v)
{
	switch (v->type) {
	case LAY_S:
	case LAY_B:
		return bytes_enc(out, (const unsigned char *)v->u.p, v->len);
	case LAY_N:
		return lay_num_keyenc(out, v->u.p, v->len);
	default:
		return -EINVAL;
	}
}

/* Decode S or B at s into it's arena: one pass to measure and validate, one
 * to copy, so the arena grows only for a well-formed value. */
static int bytes_dec(lay_item *it, lay_value *out, size_t *used, lay_type t, const unsigned char *s,
		     size_t len)
{
	size_t i, n = 0, end;
	unsigned char *p;

	for (i = 0;; i++) {
		if (i == len)
			return -EINVAL; /* no terminator */
		if (s[i] != ESC) {
			n++;
			continue;
		}
		if (i + 1 == len)
			return -EINVAL;
		if (s[i + 1] == ESC_END)
			break;
		if (s[i + 1] != ESC_NUL)
			return -EINVAL;
		n++;
		i++;
	}
	end = i + 2;
	/* zeroed, so the NUL after the value is already there */
	if (!(p = lay_item_alloc(it, n + 1)))
		return -ENOMEM;
	out->type = t;
	out->len = n;
	out->u.p = (char *)p;
	for (i = 0; i + 2 < end; i++) {
		*p++ = s[i];
		if (s[i] == ESC)
			i++;
	}
	*used = end;
	return 0;
}

int lay_keydec(lay_item *it, lay_value *out, size_t *used, lay_type t, const void *p, size_t len)
{
	lay_buf num = LAY_BUF_INIT;
	size_t n = 0;
	char *s;
	int rc;

	switch (t) {
	case LAY_S:
	case LAY_B:
		return bytes_dec(it, out, used, t, p, len);
	case LAY_N:
		break;
	default:
		return -EINVAL;
	}
	if ((rc = lay_num_keydec(&num, &n, p, len)) < 0)
		goto out_free_num;
	if (!(s = lay_item_strdup(it, num.p, num.len))) {
		rc = -ENOMEM;
		goto out_free_num;
	}
	out->type = LAY_N;
	out->len = num.len;
	out->u.p = s;
	*used = n;
out_free_num:
	lay_buf_free(&num);
	return rc;
}
