/* An incremental JSON syntax scanner (SPEC §5): a byte-at-a-time state
 * machine over RFC 8259's grammar, so a file being written can be judged
 * at each write without keeping or rescanning what came before. Strict
 * where lay_json_parse is strict (numbers, escapes, UTF-8, control bytes),
 * so it never refuses a text that would parse. */
#include "jscan.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "word8.h"

enum state {
	ST_BOM,	      /* inside a leading byte order mark; sub bytes matched */
	ST_TOP,	      /* before the document */
	ST_VALUE,     /* after ':' or an array's ',': a value */
	ST_ARR_FIRST, /* after '[': a value or ']' */
	ST_OBJ_FIRST, /* after '{': a member name or '}' */
	ST_KEY,	      /* after an object's ',': a member name */
	ST_COLON,     /* after a member name */
	ST_NEXT,      /* after a value in a container: ',' or its closing bracket */
	ST_DONE,      /* after the document: whitespace only */
	ST_STR,	      /* inside a string */
	ST_ESC,	      /* after a backslash */
	ST_HEX,	      /* in \uXXXX; sub digits left */
	ST_UTF8,      /* in a multi-byte character; sub bytes left, in lo..hi next */
	ST_LIT,	      /* in true, false or null; sub letters matched */
	ST_MINUS,     /* number: after '-' */
	ST_ZERO,      /* number: a leading 0 */
	ST_INT,	      /* number: integer digits */
	ST_DOT,	      /* number: after '.' */
	ST_FRAC,      /* number: fraction digits */
	ST_EXP,	      /* number: after 'e' */
	ST_EXP_SIGN,  /* number: after the exponent's sign */
	ST_EXP_DIG,   /* number: exponent digits */
	ST_FAIL,
};

/* What a failed scanner found wrong, for its message. */
enum why {
	WHY_NONE,
	WHY_BOM,
	WHY_OBJECT,
	WHY_VALUE,
	WHY_OBJ_FIRST,
	WHY_KEY,
	WHY_COLON,
	WHY_NEXT,
	WHY_TRAILING,
	WHY_CTRL,
	WHY_UTF8,
	WHY_ESCAPE,
	WHY_HEX,
	WHY_LITERAL,
	WHY_DIGIT,
	WHY_ZERO,
	WHY_DEPTH,
};

static const char *const literals[] = { "true", "false", "null" };

static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };

void lay_jscan_init(lay_jscan *s, unsigned max_depth, unsigned flags)
{
	memset(s, 0, sizeof(*s));
	s->line = s->col = 1;
	s->max_depth =
	    max_depth && max_depth <= LAY_JSCAN_MAX_DEPTH ? max_depth : LAY_JSCAN_MAX_DEPTH;
	s->flags = flags;
	s->state = ST_TOP;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void fail(lay_jscan *s, enum why why, unsigned char c)
{
	s->state = ST_FAIL;
	s->why = why;
	s->bad_byte = c;
	s->bad_off = s->off;
	s->bad_line = s->line;
	s->bad_col = s->col;
}

static int top_is_object(const lay_jscan *s)
{
	unsigned i = s->depth - 1;

	return (s->objects[i / 8] >> (i % 8)) & 1;
}

static void open_bracket(lay_jscan *s, unsigned char c)
{
	unsigned i = s->depth;

	if (s->depth == s->max_depth) {
		fail(s, WHY_DEPTH, c);
		return;
	}
	if (c == '{')
		s->objects[i / 8] |= (unsigned char)(1u << (i % 8));
	else
		s->objects[i / 8] &= (unsigned char)~(1u << (i % 8));
	s->depth++;
	s->state = c == '{' ? ST_OBJ_FIRST : ST_ARR_FIRST;
}

/* A value ended just before offset end. */
static void value_done(lay_jscan *s, size_t end)
{
	if (s->depth > 0) {
		s->state = ST_NEXT;
		return;
	}
	s->state = ST_DONE;
	s->end = end;
}

/* The first byte of a value. */
static void value_begin(lay_jscan *s, unsigned char c)
{
	switch (c) {
	case '{':
	case '[':
		open_bracket(s, c);
		break;
	case '"':
		s->key = 0;
		s->state = ST_STR;
		break;
	case '-':
		s->state = ST_MINUS;
		break;
	case '0':
		s->state = ST_ZERO;
		break;
	case 't':
	case 'f':
	case 'n':
		s->lit = c == 't' ? 0 : c == 'f' ? 1 : 2;
		s->sub = 1;
		s->state = ST_LIT;
		break;
	default:
		if (c >= '1' && c <= '9')
			s->state = ST_INT;
		else
			fail(s, WHY_VALUE, c);
	}
}

/* A byte of a string's content (not its opening quote). */
static void string_byte(lay_jscan *s, unsigned char c)
{
	if (c == '"') {
		if (s->key)
			s->state = ST_COLON;
		else
			value_done(s, s->off + 1);
	} else if (c == '\\') {
		s->state = ST_ESC;
	} else if (c < 0x20) {
		fail(s, WHY_CTRL, c);
	} else if (c >= 0x80) {
		/* the ranges of lay_utf8_seq (utf8.c), a byte at a time: no overlong forms, no
		 * surrogates, nothing above U+10FFFF */
		s->lo = 0x80;
		s->hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			s->sub = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			s->sub = 2;
			s->lo = c == 0xE0 ? 0xA0 : 0x80;
			s->hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			s->sub = 3;
			s->lo = c == 0xF0 ? 0x90 : 0x80;
			s->hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			fail(s, WHY_UTF8, c);
			return;
		}
		s->state = ST_UTF8;
	}
}

/* Whether c continues the number in state st (moving it on), or ends it. */
static int number_byte(lay_jscan *s, unsigned char c)
{
	switch (s->state) {
	case ST_MINUS:
		if (c == '0')
			s->state = ST_ZERO;
		else if (c >= '1' && c <= '9')
			s->state = ST_INT;
		else
			fail(s, WHY_DIGIT, c);
		return 1;
	case ST_DOT:
	case ST_EXP_SIGN:
		if (is_digit(c))
			s->state = s->state == ST_DOT ? ST_FRAC : ST_EXP_DIG;
		else
			fail(s, WHY_DIGIT, c);
		return 1;
	case ST_EXP:
		if (c == '+' || c == '-')
			s->state = ST_EXP_SIGN;
		else if (is_digit(c))
			s->state = ST_EXP_DIG;
		else
			fail(s, WHY_DIGIT, c);
		return 1;
	case ST_ZERO:
		if (is_digit(c)) {
			fail(s, WHY_ZERO, c);
			return 1;
		}
		/* fall through */
	case ST_INT:
	case ST_FRAC:
		if (is_digit(c))
			return 1;
		if (c == '.' && s->state != ST_FRAC) {
			s->state = ST_DOT;
			return 1;
		}
		if (c == 'e' || c == 'E') {
			s->state = ST_EXP;
			return 1;
		}
		return 0;
	case ST_EXP_DIG:
		return is_digit(c);
	default:
		return 0;
	}
}

/* One byte, between tokens or inside one. */
static void step(lay_jscan *s, unsigned char c)
{
	switch (s->state) {
	case ST_BOM:
		if (c != bom[s->sub])
			fail(s, WHY_BOM, c);
		else if (++s->sub == sizeof(bom))
			s->state = ST_TOP;
		return;
	case ST_STR:
		string_byte(s, c);
		return;
	case ST_ESC:
		if (c == 'u') {
			s->sub = 4;
			s->state = ST_HEX;
		} else if (c && strchr("\"\\/bfnrt", c)) {
			s->state = ST_STR;
		} else {
			fail(s, WHY_ESCAPE, c);
		}
		return;
	case ST_HEX:
		if (!is_hex(c))
			fail(s, WHY_HEX, c);
		else if (--s->sub == 0)
			s->state = ST_STR;
		return;
	case ST_UTF8:
		if (c < s->lo || c > s->hi) {
			fail(s, WHY_UTF8, c);
			return;
		}
		s->lo = 0x80;
		s->hi = 0xBF;
		if (--s->sub == 0)
			s->state = ST_STR;
		return;
	case ST_LIT:
		if (c != (unsigned char)literals[s->lit][s->sub])
			fail(s, WHY_LITERAL, c);
		else if (literals[s->lit][++s->sub] == '\0')
			value_done(s, s->off + 1);
		return;
	case ST_MINUS:
	case ST_ZERO:
	case ST_INT:
	case ST_DOT:
	case ST_FRAC:
	case ST_EXP:
	case ST_EXP_SIGN:
	case ST_EXP_DIG:
		if (number_byte(s, c))
			return;
		/* the number ended before c, which is read in what follows */
		value_done(s, s->off);
		break;
	default:
		break;
	}

	if (is_ws(c))
		return;
	switch (s->state) {
	case ST_TOP:
		if (c == bom[0] && s->off == 0) {
			s->sub = 1;
			s->state = ST_BOM;
		} else if ((s->flags & LAY_JSCAN_OBJECT) && c != '{') {
			fail(s, WHY_OBJECT, c);
		} else {
			value_begin(s, c);
		}
		break;
	case ST_VALUE:
		value_begin(s, c);
		break;
	case ST_ARR_FIRST:
		if (c == ']') {
			s->depth--;
			value_done(s, s->off + 1);
		} else {
			value_begin(s, c);
		}
		break;
	case ST_OBJ_FIRST:
	case ST_KEY:
		if (c == '"') {
			s->key = 1;
			s->state = ST_STR;
		} else if (c == '}' && s->state == ST_OBJ_FIRST) {
			s->depth--;
			value_done(s, s->off + 1);
		} else {
			fail(s, s->state == ST_KEY ? WHY_KEY : WHY_OBJ_FIRST, c);
		}
		break;
	case ST_COLON:
		if (c == ':')
			s->state = ST_VALUE;
		else
			fail(s, WHY_COLON, c);
		break;
	case ST_NEXT:
		if (c == ',') {
			s->state = top_is_object(s) ? ST_KEY : ST_VALUE;
		} else if (c == (top_is_object(s) ? '}' : ']')) {
			s->depth--;
			value_done(s, s->off + 1);
		} else {
			fail(s, WHY_NEXT, c);
		}
		break;
	case ST_DONE:
		fail(s, WHY_TRAILING, c);
		break;
	default:
		break;
	}
}

/* c for a message: 'x' if printable, else its hex. */
static void show_byte(char *out, size_t size, unsigned char c)
{
	if (c >= 0x20 && c < 0x7F)
		snprintf(out, size, "'%c'", c);
	else
		snprintf(out, size, "byte 0x%02X", c);
}

static int failed(const lay_jscan *s, lay_err *err)
{
	char b[16], what[128];

	show_byte(b, sizeof(b), s->bad_byte);
	switch (s->why) {
	case WHY_BOM:
		snprintf(what, sizeof(what), "an incomplete byte order mark, then %s", b);
		break;
	case WHY_OBJECT:
		snprintf(what, sizeof(what),
			 "the document must be a JSON object: expected '{', "
			 "found %s",
			 b);
		break;
	case WHY_VALUE:
		snprintf(what, sizeof(what), "expected a value, found %s", b);
		break;
	case WHY_OBJ_FIRST:
		snprintf(what, sizeof(what), "expected a member name (a string) or '}', found %s",
			 b);
		break;
	case WHY_KEY:
		snprintf(what, sizeof(what), "expected a member name (a string), found %s", b);
		break;
	case WHY_COLON:
		snprintf(what, sizeof(what), "expected ':' after a member name, found %s", b);
		break;
	case WHY_NEXT:
		snprintf(what, sizeof(what), "expected ',' or '%c' after a value, found %s",
			 top_is_object(s) ? '}' : ']', b);
		break;
	case WHY_TRAILING:
		snprintf(what, sizeof(what), "text after the end of the %s (%s)",
			 s->flags & LAY_JSCAN_OBJECT ? "object's closing brace" : "document", b);
		break;
	case WHY_CTRL:
		snprintf(what, sizeof(what),
			 "a raw control character (%s) in a string; write it "
			 "escaped (\\n, \\t, \\u001f)",
			 b);
		break;
	case WHY_UTF8:
		snprintf(what, sizeof(what), "a string is not valid UTF-8 (%s)", b);
		break;
	case WHY_ESCAPE:
		snprintf(what, sizeof(what), "unknown escape in a string: backslash, then %s", b);
		break;
	case WHY_HEX:
		snprintf(what, sizeof(what), "\\u needs four hex digits, found %s", b);
		break;
	case WHY_LITERAL:
		snprintf(what, sizeof(what), "expected the literal %s, found %s", literals[s->lit],
			 b);
		break;
	case WHY_DIGIT:
		snprintf(what, sizeof(what), "a number needs a digit here, found %s", b);
		break;
	case WHY_ZERO:
		snprintf(what, sizeof(what), "a number does not start with 0 and another digit");
		break;
	case WHY_DEPTH:
		snprintf(what, sizeof(what),
			 "Nesting Levels have exceeded supported limits (more "
			 "than %u nested brackets)",
			 s->max_depth);
		break;
	default:
		snprintf(what, sizeof(what), "%s", b);
	}
	return lay_err_set(err, -EINVAL, "invalid JSON at line %zu, column %zu (offset %zu): %s",
			   s->bad_line, s->bad_col, s->bad_off, what);
}

/* Whether none of the eight bytes in x ends a string's ordinary run: no
 * control byte, no byte of a multi-byte character, no '"', no '\\'. */
static int plain8(uint64_t x)
{
	return !(lay_w8_below(x, 0x20) | lay_w8_has(x, '"') | lay_w8_has(x, '\\') | lay_w8_high(x));
}

int lay_jscan_push(lay_jscan *s, const char *p, size_t len, lay_err *err)
{
	const unsigned char *b = (const unsigned char *)p;
	size_t i;

	for (i = 0; i < len && s->state != ST_FAIL; i++) {
		if (s->state == ST_STR) {
			/* the common run: ordinary bytes of a string, eight at a time */
			size_t j = i;
			while (j + 8 <= len && plain8(lay_w8_load(b + j)))
				j += 8;
			while (j < len && b[j] >= 0x20 && b[j] < 0x80 && b[j] != '"' &&
			       b[j] != '\\')
				j++;
			s->off += j - i;
			s->col += j - i;
			if ((i = j) == len)
				break;
		}
		step(s, b[i]);
		if (s->state == ST_FAIL)
			break;
		s->off++;
		if (b[i] == '\n') {
			s->line++;
			s->col = 1;
		} else {
			s->col++;
		}
	}
	if (s->state == ST_FAIL)
		return failed(s, err);
	return s->state == ST_DONE;
}

size_t lay_jscan_offset(const lay_jscan *s)
{
	return s->off;
}

size_t lay_jscan_end(const lay_jscan *s)
{
	return s->state == ST_DONE ? s->end : 0;
}

size_t lay_jscan_bad_offset(const lay_jscan *s)
{
	return s->state == ST_FAIL ? s->bad_off : (size_t)-1;
}
