/* An incremental JSON syntax scanner (SPEC §5: errors reach the writer as
 * early as they can be known). Text is pushed in pieces of any size as it
 * arrives; a few bytes of state say whether what came so far can still
 * begin a valid document, ends one, or cannot, and at which byte it went
 * wrong. It checks syntax only: what the text means is lay_json_parse's. */
#ifndef LAY_JSCAN_H
#define LAY_JSCAN_H

#include <stddef.h>

#include "err.h"

/* The deepest nesting of brackets a scanner can follow. */
#define LAY_JSCAN_MAX_DEPTH 128

/* Flags of lay_jscan_init */
#define LAY_JSCAN_OBJECT 0x1u /* the document must be one JSON object */

/* A scanner's state: a value type, no allocation; only lay_jscan_* reads it. */
typedef struct lay_jscan {
	size_t off;	  /* bytes pushed so far */
	size_t line, col; /* of the next byte, 1-based */
	size_t end;	  /* once complete: the offset after the document */
	size_t bad_off;	  /* once failed: the offset of the bad byte */
	size_t bad_line, bad_col;
	unsigned depth, max_depth;
	unsigned flags;
	unsigned char objects[LAY_JSCAN_MAX_DEPTH / 8]; /* per open bracket: 1 '{', 0 '[' */
	unsigned char state;
	unsigned char sub;    /* a literal's letters matched, hex digits or UTF-8 bytes left */
	unsigned char lo, hi; /* the range of the next UTF-8 continuation byte */
	unsigned char lit;    /* the literal being matched: 0 true, 1 false, 2 null */
	unsigned char key;    /* the string being scanned is an object's key */
	unsigned char why;    /* once failed: what was wrong */
	unsigned char bad_byte;
} lay_jscan;

/*
 * Start scanning a new document: at most max_depth brackets may be open at
 * once (0 or more than LAY_JSCAN_MAX_DEPTH: LAY_JSCAN_MAX_DEPTH); flags are
 * LAY_JSCAN_*. Whitespace (space, tab, CR, LF) may surround the document and
 * a UTF-8 byte order mark may open the text, as lay_json_parse allows.
 */
void lay_jscan_init(lay_jscan *s, unsigned max_depth, unsigned flags);

/*
 * Push the next len bytes of the text. Returns:
 *   0   the text so far can still become a valid document (empty, only
 *       whitespace, or a document not yet finished);
 *   1   it holds one complete document (lay_jscan_end says where it
 *       ends), followed by whitespace only;
 *   -EINVAL  no continuation can make it valid: err (may be NULL) names the
 *       first bad byte's offset, line and column and what was expected.
 * A failed scanner stays failed: later pushes return the same error. Bytes
 * are checked by JSON's grammar (RFC 8259) with strings valid UTF-8 and
 * free of raw control bytes, and the nesting limit.
 */
int lay_jscan_push(lay_jscan *s, const char *p, size_t len, lay_err *err);

/* The bytes pushed so far (of a failed scanner: up to the bad byte). */
size_t lay_jscan_offset(const lay_jscan *s);

/* The offset just after the complete document's last byte (its closing
 * bracket, or the byte that ended a top-level number or literal); 0 while
 * the document is not complete. */
size_t lay_jscan_end(const lay_jscan *s);

/* The offset of the first bad byte of a failed scanner; (size_t)-1 if it
 * has not failed. */
size_t lay_jscan_bad_offset(const lay_jscan *s);

#endif
