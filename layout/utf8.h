/* UTF-8 validity, as DynamoDB and JSON take it: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
#ifndef LAYOUT_UTF8_H
#define LAYOUT_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most len bytes, len >= 1),
 * or 0 if none starts there. */
size_t lay_utf8_seq(const unsigned char *s, size_t len);

/* 1 if the len bytes at s are valid UTF-8, else 0. */
int lay_utf8_valid(const char *s, size_t len);

#endif
