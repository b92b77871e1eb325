/* Positions in a parsed text (SPEC §5's messages name where input went
 * wrong): shared by the JSON and Ion readers. */
#ifndef LAY_TEXT_H
#define LAY_TEXT_H

#include <stddef.h>

/* The 1-based line and byte column of offset off in text: a '\n' starts a
 * new line, any other byte (a '\r', each byte of a UTF-8 sequence) is one
 * column. text holds at least off bytes and is only read. */
void lay_text_line_col(size_t *line, size_t *col, const char *text, size_t off);

#endif
