/* Exact DynamoDB numbers (SPEC §5): parsed as text, never as a double. */
#ifndef LAY_NUM_H
#define LAY_NUM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define LAY_NUM_MAX_DIGITS 38

/*
 * Canonicalize a number's text and append it to out. Accepts an optional
 * sign (+ or -), digits with an optional '.', an optional exponent
 * (e|E, sign, digits); leading and trailing zeros anywhere. Output: no
 * exponent, no leading zeros, no trailing fractional zeros, no '+', "-0"
 * is "0" ("1.50" -> "1.5", "1e3" -> "1000", "00123" -> "123", "0.0e126" -> "0").
 * Errors (-EINVAL, out unchanged) worded as DynamoDB words them: syntax
 * ("NaN", "Infinity", "1..2"), more than 38 significant digits, magnitude
 * above 9.9999999999999999999999999999999999999E+125 ("Number overflow")
 * or below 1E-130 ("Number underflow").
 */
int lay_num_canon(lay_buf *out, const char *text, size_t len, lay_err *err);

/* Compare two canonical numbers numerically: <0, 0, >0. */
int lay_num_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Significant digits of a canonical number (0 has 1). */
size_t lay_num_digits(const char *canon, size_t len);

/*
 * Append an order-preserving, self-delimiting encoding of a canonical
 * number: memcmp order of encodings equals numeric order, and no encoding
 * is a prefix of another. Returns 0 or -ENOMEM.
 */
int lay_num_keyenc(lay_buf *out, const char *canon, size_t len);

/* Decode one encoding at p (at most len bytes) into canonical text appended
 * to out; *used gets the bytes consumed. 0, -EINVAL (corrupt) or -ENOMEM. */
int lay_num_keydec(lay_buf *out, size_t *used, const void *p, size_t len);

/*
 * Exact arithmetic for update expressions: append the canonical text of
 * a + b (sub != 0: a - b), a and b canonical numbers, never rounded.
 * -EINVAL with DynamoDB's message when the result leaves the range or needs
 * more than 38 significant digits (both "Number overflow. Attempting to
 * store a number with magnitude larger than supported range", as DynamoDB
 * says) or is too small ("Number underflow. ..."); out is unchanged then.
 * -ENOMEM.
 */
int lay_num_add(lay_buf *out, const char *a, size_t alen, const char *b, size_t blen, int sub,
		lay_err *err);

#endif
