/* Growable byte buffer. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lay_buf_grow(lay_buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (extra > ((size_t)-1) / 2 - b->len)
		return -ENOMEM;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int lay_buf_add(lay_buf *b, const void *p, size_t len)
{
	if (b->count) {
		b->len += len;
		return 0;
	}
	if (lay_buf_grow(b, len) < 0)
		return -ENOMEM;
	if (len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int lay_buf_addc(lay_buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		if (b->count) {
			b->len++;
			return 0;
		}
		if (lay_buf_grow(b, 1) < 0)
			return -ENOMEM;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return 0;
}

int lay_buf_adds(lay_buf *b, const char *s)
{
	return lay_buf_add(b, s, strlen(s));
}

int lay_buf_vaddf(lay_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && b->count) {
		b->len += (size_t)n;
	} else if (n < 0 || lay_buf_grow(b, (size_t)n) < 0) {
		n = -1;
	} else {
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return n < 0 ? -ENOMEM : 0;
}

int lay_buf_addf(lay_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = lay_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void lay_buf_reset(lay_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void lay_buf_free(lay_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *lay_buf_detach(lay_buf *b, size_t *len_out)
{
	char *p = b->p;

	if (len_out)
		*len_out = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
