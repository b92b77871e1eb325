/* The lexical layer of Ion text, shared by layout/ion.c: a cursor over the
 * text, the tokens of Ion's text format, and failures that carry the
 * attribute path being read, the line and the column. Internal to layout/. */
#ifndef LAY_IONLEX_H
#define LAY_IONLEX_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "err.h"

/* Bytes of an attribute path or a literal shown in a message. */
#define LAY_ION_SHOWN 160

/* A cursor over Ion text. The caller zeroes it, sets s, len and err, and
 * frees path, str and tmp when done. */
typedef struct lay_ion_lex {
	const char *s;
	size_t len, pos;
	lay_err *err;
	lay_buf path; /* the attribute path being read (a.b[2]), for messages */
	lay_buf str;  /* the last string, symbol or blob decoded; a canonical number */
	lay_buf tmp;  /* scratch: a number's cleaned text, a blob's base64 */
} lay_ion_lex;

static inline int lay_ion_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int lay_ion_is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static inline int lay_ion_is_ident_char(int c)
{
	return lay_ion_is_ident_start(c) || lay_ion_is_digit(c);
}

static inline int lay_ion_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline int lay_ion_word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

static inline int lay_ion_is_keyword(const char *s, size_t len)
{
	static const char *const keywords[] = { "null", "true", "false", "nan" };
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (lay_ion_word_is(s, len, keywords[i]))
			return 1;
	return 0;
}

/* "$" and digits: a symbol ID, which means nothing without a symbol table. */
static inline int lay_ion_is_symbol_id(const char *s, size_t len)
{
	size_t i;

	if (len < 2 || s[0] != '$')
		return 0;
	for (i = 1; i < len; i++)
		if (!lay_ion_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The byte at pos + k, or -1 past the end. */
static inline int lay_ion_peek(const lay_ion_lex *p, size_t k)
{
	return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : -1;
}

static inline int lay_ion_at_end(const lay_ion_lex *p)
{
	return p->pos >= p->len;
}

/* Fill p->err with code and a message prefixed by the attribute path and
 * followed by the line and column of pos. Returns code. */
int lay_ion_fail(lay_ion_lex *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* lay_ion_fail with a va_list (ap is used up). */
int lay_ion_vfail(lay_ion_lex *p, int code, const char *fmt, va_list ap);

/* -ENOMEM, with its message. */
int lay_ion_nomem(lay_ion_lex *p);

/* -EAGAIN: the text ends inside a value; the caller appends and retries. */
int lay_ion_more(lay_ion_lex *p);

/* Step over whitespace and comments. 0, or -EAGAIN inside a block comment. */
int lay_ion_skip_ws(lay_ion_lex *p);

/* lay_ion_skip_ws, and -EAGAIN if the text ends there (inside a container). */
int lay_ion_skip_ws_more(lay_ion_lex *p);

/* The length of the identifier at pos; 0 if none starts there. */
size_t lay_ion_ident_len(const lay_ion_lex *p);

/* Decode the string or quoted symbol whose opening quote (q, or three
 * single quotes when is_long) was just passed, up to and past its closing
 * quote, appending to b. */
int lay_ion_quoted(lay_ion_lex *p, lay_buf *b, int q, int is_long);

/* Long strings at pos and the adjacent ones they join, decoded into b. */
int lay_ion_long_strings(lay_ion_lex *p, lay_buf *b);

/* 0, or -EINVAL naming what unless p->str is valid UTF-8. */
int lay_ion_check_text(lay_ion_lex *p, const char *what);

/*
 * A symbol or string at pos decoded into p->str (NUL-terminated): an
 * identifier, a quoted symbol, a string or long strings. *kind gets 'i',
 * a single quote or a double quote; 0 if no such token starts at pos
 * (nothing consumed).
 */
int lay_ion_text(lay_ion_lex *p, int *kind);

/* The number at pos (int, decimal or float) as canonical DynamoDB number
 * text in p->str. -EINVAL for timestamps, infinities and bad numbers. */
int lay_ion_number(lay_ion_lex *p);

/* The blob at pos ({{ base64 }}) as bytes in p->str; a clob is refused. */
int lay_ion_blob(lay_ion_lex *p);

#endif
