/* Positions in a parsed text, for the messages of json.c and ionlex.c. */
#include "text.h"

void lay_text_line_col(size_t *line, size_t *col, const char *text, size_t off)
{
	size_t i, l = 1, c = 1;

	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}
