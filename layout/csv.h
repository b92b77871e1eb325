/* CSV records as DynamoDB's import from S3 reads them: RFC 4180 fields
 * (quotes, "" escapes, a single-character delimiter), a header row naming
 * the attributes, key columns typed by the key schema and every other
 * column a string. */
#ifndef LAY_CSV_H
#define LAY_CSV_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "item.h"
#include "schema.h"

/* One record's fields, unescaped: field i is text.p + off[i], len[i]
 * bytes, NUL-terminated. Reusable across records; freed by
 * lay_csv_row_free. */
typedef struct lay_csv_row {
	lay_buf text;
	size_t *off, *len;
	size_t n, cap;
} lay_csv_row;

#define LAY_CSV_ROW_INIT { LAY_BUF_INIT, NULL, NULL, 0, 0 }

/* Field i of r: NUL-terminated, borrowed from r. */
static inline const char *lay_csv_field(const lay_csv_row *r, size_t i)
{
	return r->text.p + r->off[i];
}

/*
 * Split one record, text[0..len): a line, or lines joined with '\n' when a
 * quoted field spans them. Fields are separated by delim; a field that
 * starts with '"' is quoted, may hold delim, '\n' and "" (one quote), and
 * ends at a quote followed by delim or the end. An empty text is one empty
 * field. out's previous fields are replaced.
 * Returns 0, -EAGAIN when the text ends inside a quoted field (append '\n'
 * and the next line, and split again), -EINVAL with a message (a quote in
 * an unquoted field, text after a closing quote, delim '"' or '\n'), or
 * -ENOMEM. out holds no fields after an error.
 */
int lay_csv_split(lay_csv_row *out, const char *text, size_t len, char delim, lay_err *err);

/* Free r's memory; r is LAY_CSV_ROW_INIT afterwards. Accepts NULL. */
void lay_csv_row_free(lay_csv_row *r);

/*
 * Check a header row: every name 1..LAY_MAX_NAME bytes, no name twice, and
 * the key schema's columns present ("CSV header has no column PK, the
 * partition key"). Returns 0 or -EINVAL with a message.
 */
int lay_csv_header_check(const lay_csv_row *header, const lay_schema *ks, lay_err *err);

/*
 * Build an item from a header row and a data row as DynamoDB imports CSV:
 * the key attributes first, typed by ks (S as is; N validated and
 * canonicalised; B base64-decoded), then every other column as S, in the
 * header's order; an empty non-key field is left out, and a row with fewer
 * fields than the header has empty ones at its end. *out is overwritten
 * (the caller frees it with lay_item_free; it is LAY_ITEM_INIT after an
 * error). The header is checked as by lay_csv_header_check.
 * Returns 0, or -EINVAL with a message (the header's errors, an empty or
 * invalid key value, a string that is not UTF-8, more fields than header
 * columns), -EFBIG (lay_item_size over LAY_MAX_ITEM_SIZE) or -ENOMEM.
 */
int lay_csv_item(lay_item *out, const lay_csv_row *header, const lay_csv_row *row,
		 const lay_schema *ks, lay_err *err);

#endif
