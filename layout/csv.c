/* CSV records for DynamoDB's import from S3 (csv.h): RFC 4180 splitting
 * of one record, and an item from a header row and a data row. */
#include "csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "num.h"
#include "utf8.h"

/* Start field n at the end of out->text. */
static int field_begin(lay_csv_row *out)
{
	size_t cap, *off, *len;

	if (out->n == out->cap) {
		cap = out->cap ? out->cap * 2 : 16;
		off = realloc(out->off, cap * sizeof(*off));
		if (!off)
			return -ENOMEM;
		out->off = off;
		len = realloc(out->len, cap * sizeof(*len));
		if (!len)
			return -ENOMEM;
		out->len = len;
		out->cap = cap;
	}
	out->off[out->n] = out->text.len;
	return 0;
}

/* End the field begun last: NUL-terminate it and count it. */
static int field_end(lay_csv_row *out)
{
	out->len[out->n] = out->text.len - out->off[out->n];
	out->n++;
	return lay_buf_addc(&out->text, '\0');
}

static int split(lay_csv_row *out, const char *text, size_t len, char delim, lay_err *err)
{
	size_t i = 0, j, field;
	const char *q;
	int rc;

	for (;;) {
		field = out->n + 1;
		if ((rc = field_begin(out)) < 0)
			return rc;
		if (i < len && text[i] == '"') {
			for (i++;;) {
				q = memchr(text + i, '"', len - i);
				if (!q)
					return lay_err_set(err, -EAGAIN,
							   "CSV field %zu: the quoted text goes on "
							   "past the end of the line",
							   field);
				j = q - text;
				if ((rc = lay_buf_add(&out->text, text + i, j - i)) < 0)
					return rc;
				i = j + 1;
				if (i < len && text[i] == '"') {
					/* "" is one quote */
					if ((rc = lay_buf_addc(&out->text, '"')) < 0)
						return rc;
					i++;
					continue;
				}
				break;
			}
			if (i < len && text[i] != delim)
				return lay_err_set(err, -EINVAL,
						   "CSV field %zu: text after the closing quote "
						   "(\"%.*s\")",
						   field, (int)(len - i < 20 ? len - i : 20), text + i);
		} else {
			for (j = i; j < len && text[j] != delim; j++)
				if (text[j] == '"')
					return lay_err_set(err, -EINVAL,
							   "CSV field %zu: a quote inside an "
							   "unquoted field (quote the field and "
							   "double its quotes)",
							   field);
			if ((rc = lay_buf_add(&out->text, text + i, j - i)) < 0)
				return rc;
			i = j;
		}
		if ((rc = field_end(out)) < 0)
			return rc;
		if (i == len)
			return 0;
		i++; /* the delimiter: another field follows, maybe empty */
	}
}

int lay_csv_split(lay_csv_row *out, const char *text, size_t len, char delim, lay_err *err)
{
	int rc;

	lay_buf_reset(&out->text);
	out->n = 0;
	if (delim == '"' || delim == '\n' || delim == '\r' || delim == '\0')
		return lay_err_set(err, -EINVAL, "a CSV delimiter cannot be a quote, a line end "
				   "or NUL (got 0x%02x)", (unsigned char)delim);
	rc = split(out, text, len, delim, err);
	if (rc < 0) {
		out->n = 0;
		if (rc == -ENOMEM)
			lay_err_set(err, rc, "out of memory splitting a CSV record");
	}
	return rc;
}

void lay_csv_row_free(lay_csv_row *r)
{
	if (!r)
		return;
	lay_buf_free(&r->text);
	free(r->off);
	free(r->len);
	*r = (lay_csv_row)LAY_CSV_ROW_INIT;
}

/* The column named name, or -1. */
static long column(const lay_csv_row *h, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < h->n; i++)
		if (h->len[i] == n && memcmp(lay_csv_field(h, i), name, n) == 0)
			return (long)i;
	return -1;
}

int lay_csv_header_check(const lay_csv_row *header, const lay_schema *ks, lay_err *err)
{
	const char *a, *b;
	size_t i, j;

	for (i = 0; i < header->n; i++) {
		a = lay_csv_field(header, i);
		if (header->len[i] == 0)
			return lay_err_set(err, -EINVAL, "CSV header column %zu has no name",
					   i + 1);
		if (header->len[i] > LAY_MAX_NAME)
			return lay_err_set(err, -EINVAL, "CSV header column %zu's name is %zu "
					   "bytes; the limit is %d", i + 1, header->len[i],
					   LAY_MAX_NAME);
		if (!lay_utf8_valid(a, header->len[i]))
			return lay_err_set(err, -EINVAL,
					   "CSV header column %zu's name is not valid UTF-8", i + 1);
		if (memchr(a, '\0', header->len[i]))
			return lay_err_set(err, -EINVAL, "CSV header column %zu's name holds "
					   "U+0000, which no name in ddbfs may hold", i + 1);
		for (j = 0; j < i; j++) {
			b = lay_csv_field(header, j);
			if (header->len[j] == header->len[i] && a[0] == b[0] &&
			    memcmp(a, b, header->len[i]) == 0)
				return lay_err_set(err, -EINVAL, "CSV header names column %.255s "
						   "twice (columns %zu and %zu)", a, j + 1, i + 1);
		}
	}
	if (column(header, ks->pk) < 0)
		return lay_err_set(err, -EINVAL, "CSV header has no column %s, the partition key",
				   ks->pk);
	if (ks->sk_type && column(header, ks->sk) < 0)
		return lay_err_set(err, -EINVAL, "CSV header has no column %s, the sort key",
				   ks->sk);
	return 0;
}

/* The key attribute named name, typed t, from text[0..len) into *a. */
static int key_value(lay_item *it, lay_attr *a, const char *name, lay_type t, int is_sk,
		     const char *text, size_t len, lay_err *err)
{
	const char *what = is_sk ? "the sort key" : "the partition key";
	lay_buf b = LAY_BUF_INIT;
	lay_err nerr = { 0, "" };
	int rc = 0;

	if (len == 0)
		return lay_err_set(err, -EINVAL, "CSV row has an empty value in column %s, %s",
				   name, what);
	a->name_len = strlen(name);
	a->name = lay_item_strdup(it, name, a->name_len);
	a->v.type = t;
	switch (t) {
	case LAY_N:
		if ((rc = lay_num_canon(&b, text, len, &nerr)) < 0) {
			lay_err_set(err, rc, "CSV column %s, %s: \"%.40s\" is not a valid "
				    "number (%s)", name, what, text, nerr.msg);
			goto out_free;
		}
		text = b.p;
		len = b.len;
		break;
	case LAY_B:
		if (lay_b64_decode(&b, text, len, 0) < 0) {
			rc = lay_err_set(err, -EINVAL, "CSV column %s, %s: \"%.40s\" is not "
					 "base64", name, what, text);
			goto out_free;
		}
		text = b.p ? b.p : "";
		len = b.len;
		break;
	default:
		if (!lay_utf8_valid(text, len)) {
			rc = lay_err_set(err, -EINVAL, "CSV column %s, %s, is not valid UTF-8",
					 name, what);
			goto out_free;
		}
		if (memchr(text, '\0', len)) {
			rc = lay_err_set(err, -EINVAL, "CSV column %s, %s, holds U+0000, which "
					 "no string in ddbfs may hold", name, what);
			goto out_free;
		}
		break;
	}
	a->v.len = len;
	a->v.u.p = lay_item_strdup(it, text, len);
	if (!a->name || !a->v.u.p) {
		rc = lay_err_set(err, -ENOMEM, "out of memory building an item from CSV");
		goto out_free;
	}
	rc = lay_key_value_check(&a->v, t, is_sk, name, err);
out_free:
	lay_buf_free(&b);
	return rc;
}

int lay_csv_item(lay_item *out, const lay_csv_row *header, const lay_csv_row *row,
		 const lay_schema *ks, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	size_t i, n, nkeys = ks->sk_type ? 2 : 1, size;
	long pk, sk = -1;
	lay_attr *a;
	int rc;

	*out = (lay_item)LAY_ITEM_INIT;
	if ((rc = lay_csv_header_check(header, ks, err)) < 0)
		return rc;
	if (row->n > header->n)
		return lay_err_set(err, -EINVAL, "CSV row has %zu fields but the header has %zu "
				   "columns", row->n, header->n);
	pk = column(header, ks->pk);
	if (nkeys == 2)
		sk = column(header, ks->sk);
	n = nkeys;
	for (i = 0; i < row->n; i++)
		if ((long)i != pk && (long)i != sk && row->len[i])
			n++;
	a = lay_item_alloc(&it, n * sizeof(*a));
	if (!a)
		return lay_err_set(err, -ENOMEM, "out of memory building an item from CSV");
	it.a = a;
	it.n = n;
	/* a short row's missing fields are empty */
	if ((rc = key_value(&it, &a[0], ks->pk, ks->pk_type, 0,
			    (size_t)pk < row->n ? lay_csv_field(row, pk) : "",
			    (size_t)pk < row->n ? row->len[pk] : 0, err)) < 0)
		goto out_free;
	if (nkeys == 2 &&
	    (rc = key_value(&it, &a[1], ks->sk, ks->sk_type, 1,
			    (size_t)sk < row->n ? lay_csv_field(row, sk) : "",
			    (size_t)sk < row->n ? row->len[sk] : 0, err)) < 0)
		goto out_free;
	for (i = 0, n = nkeys; i < row->n; i++) {
		if ((long)i == pk || (long)i == sk || !row->len[i])
			continue;
		if (!lay_utf8_valid(lay_csv_field(row, i), row->len[i])) {
			rc = lay_err_set(err, -EINVAL, "CSV column %.255s is not valid UTF-8",
					 lay_csv_field(header, i));
			goto out_free;
		}
		if (memchr(lay_csv_field(row, i), '\0', row->len[i])) {
			rc = lay_err_set(err, -EINVAL, "CSV column %.255s holds U+0000, which no "
					 "string in ddbfs may hold", lay_csv_field(header, i));
			goto out_free;
		}
		a[n].name_len = header->len[i];
		a[n].name = lay_item_strdup(&it, lay_csv_field(header, i), header->len[i]);
		a[n].v.type = LAY_S;
		a[n].v.len = row->len[i];
		a[n].v.u.p = lay_item_strdup(&it, lay_csv_field(row, i), row->len[i]);
		if (!a[n].name || !a[n].v.u.p) {
			rc = lay_err_set(err, -ENOMEM, "out of memory building an item from CSV");
			goto out_free;
		}
		n++;
	}
	size = lay_item_size(&it);
	if (size > LAY_MAX_ITEM_SIZE) {
		rc = lay_err_set(err, -EFBIG, "Item size has exceeded the maximum allowed size "
				 "(%zu bytes; the limit is %d)", size, LAY_MAX_ITEM_SIZE);
		goto out_free;
	}
	*out = it;
	return 0;
out_free:
	lay_item_free(&it);
	return rc;
}
