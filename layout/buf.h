/* A growable byte buffer as a value type (git's strbuf): always
 * NUL-terminated after len bytes once anything was added. */
#ifndef LAY_BUF_H
#define LAY_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct lay_buf {
	char *p;     /* owned; NULL until the first add */
	size_t len;  /* bytes used, not counting the trailing NUL */
	size_t cap;  /* bytes allocated */
	int count;   /* a counter: adds only add to len, p stays NULL */
} lay_buf;

#define LAY_BUF_INIT { NULL, 0, 0, 0 }

/* A buffer that only counts: what a rendering's length is, without the
 * rendering (every add succeeds; p stays NULL). */
#define LAY_BUF_COUNT { NULL, 0, 0, 1 }

/* Make room for extra more bytes (plus the NUL). Returns 0 or -ENOMEM. */
int lay_buf_grow(lay_buf *b, size_t extra);

/* Append len bytes of p. Returns 0 or -ENOMEM (b unchanged then). */
int lay_buf_add(lay_buf *b, const void *p, size_t len);

/* Append one byte. Returns 0 or -ENOMEM. */
int lay_buf_addc(lay_buf *b, char c);

/* Append a NUL-terminated string. Returns 0 or -ENOMEM. */
int lay_buf_adds(lay_buf *b, const char *s);

/* Append printf-formatted text. Returns 0 or -ENOMEM. */
int lay_buf_addf(lay_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* lay_buf_addf with a va_list (ap is used up). */
int lay_buf_vaddf(lay_buf *b, const char *fmt, va_list ap);

/* Forget the contents, keep the allocation. */
void lay_buf_reset(lay_buf *b);

/* Free the allocation; b is empty and reusable afterwards. Accepts NULL. */
void lay_buf_free(lay_buf *b);

/* Take ownership of the bytes (caller frees with free()); b becomes empty.
 * Returns NULL if nothing was ever added. */
char *lay_buf_detach(lay_buf *b, size_t *len_out);

#endif
