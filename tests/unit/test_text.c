/* Unit tests of layout/text.c: the line and column that messages of the
 * JSON and Ion readers name. */
#include "../../layout/text.h"
#include "check.h"

static void test_text_line_col__offset_0_is_line_1_column_1(void)
{
	size_t line = 0, col = 0;

	lay_text_line_col(&line, &col, "", 0);
	CHECK(line == 1 && col == 1);
}

static void test_text_line_col__newline_starts_a_line_and_bytes_are_columns(void)
{
	const char *t = "ab\n\xC3\xA9x\r\ny";
	size_t line, col;

	lay_text_line_col(&line, &col, t, 2);
	CHECK(line == 1 && col == 3);
	lay_text_line_col(&line, &col, t, 3);
	CHECK(line == 2 && col == 1);
	lay_text_line_col(&line, &col, t, 5);
	CHECK(line == 2 && col == 3);
	lay_text_line_col(&line, &col, t, 8);
	CHECK(line == 3 && col == 1);
}

int main(void)
{
	RUN(test_text_line_col__offset_0_is_line_1_column_1);
	RUN(test_text_line_col__newline_starts_a_line_and_bytes_are_columns);
	return check_done();
}
