/* Standard base64 (RFC 4648 §4: alphabet A-Z a-z 0-9 + /, '=' padding) for
 * B values in names (SPEC §4) and in JSON (SPEC §5). The strict decoder
 * accepts one text per byte string, so a name or a value has one spelling. */
#include "b64.h"

#include <errno.h>

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int lay_b64_encode(lay_buf *out, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i, n = len / 3 * 4 + (len % 3 ? 4 : 0);
	char *d;

	if (len > ((size_t)-1) / 2)
		return -ENOMEM;
	if (out->count) {
		out->len += n;
		return 0;
	}
	if (lay_buf_grow(out, n) < 0)
		return -ENOMEM;
	d = out->p + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned long v =
			(unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 | s[i + 2];

		*d++ = b64_alphabet[v >> 18 & 63];
		*d++ = b64_alphabet[v >> 12 & 63];
		*d++ = b64_alphabet[v >> 6 & 63];
		*d++ = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		*d++ = b64_alphabet[s[i] >> 2];
		*d++ = b64_alphabet[(s[i] & 3) << 4];
		*d++ = '=';
		*d++ = '=';
	} else if (len - i == 2) {
		*d++ = b64_alphabet[s[i] >> 2];
		*d++ = b64_alphabet[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*d++ = b64_alphabet[(s[i + 1] & 15) << 2];
		*d++ = '=';
	}
	out->len += n;
	out->p[out->len] = '\0';
	return 0;
}

/* The 6-bit value of an alphabet character, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Bytes are written past out->len and only counted once the whole text is
 * known good, so a failure leaves out as it was.
 */
int lay_b64_decode(lay_buf *out, const char *text, size_t len, int strict)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i, n = 0;
	char *d;

	if (len % 4 != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (lay_buf_grow(out, len / 4 * 3) < 0)
		return -ENOMEM;
	d = out->p + out->len;
	for (i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int pad = 0, k, c[4];
		unsigned long v;

		/* "x===" fails below: its second '=' is not a digit */
		if (last && s[i + 3] == '=')
			pad = s[i + 2] == '=' ? 2 : 1;
		for (k = 0; k < 4 - pad; k++)
			if ((c[k] = b64_value(s[i + k])) < 0)
				goto out_einval;
		for (; k < 4; k++)
			c[k] = 0;
		v = (unsigned long)c[0] << 18 | (unsigned long)c[1] << 12 |
		    (unsigned long)c[2] << 6 | (unsigned long)c[3];
		if (strict && ((pad == 2 && (c[1] & 15) != 0) || (pad == 1 && (c[2] & 3) != 0)))
			goto out_einval;
		d[n++] = (char)(v >> 16);
		if (pad < 2)
			d[n++] = (char)(v >> 8 & 255);
		if (pad < 1)
			d[n++] = (char)(v & 255);
	}
	out->len += n;
	out->p[out->len] = '\0';
	return 0;
out_einval:
	/* the bytes already written overwrote the NUL */
	out->p[out->len] = '\0';
	return -EINVAL;
}
