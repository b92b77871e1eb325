/* Standard base64 (RFC 4648, with '=' padding) for B values in names and
 * JSON. */
#ifndef LAY_B64_H
#define LAY_B64_H

#include <stddef.h>

#include "buf.h"

/* Append the base64 text of len bytes at p. Returns 0 or -ENOMEM. */
int lay_b64_encode(lay_buf *out, const void *p, size_t len);

/*
 * Decode base64 text (length a multiple of 4, '=' padding only at the end,
 * alphabet A-Z a-z 0-9 + /). If strict != 0, the unused bits before the
 * padding must be zero, so each byte string has exactly one text.
 * Appends the bytes to out. Returns 0, -EINVAL or -ENOMEM (out unchanged on
 * error).
 */
int lay_b64_decode(lay_buf *out, const char *text, size_t len, int strict);

#endif
