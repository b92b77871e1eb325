/* Unit tests of engine/row.c: item rows of version 3 (one cached text
 * length tagged with its format) and of version 2 (both formats' lengths),
 * which are still read. */
#include <errno.h>
#include <string.h>

#include "../../engine/row.h"
#include "../../layout/codec.h"
#include "check.h"
#include "items.h"

/* A version 2 row as the previous release wrote it: the 40-byte head, the
 * plain and ddb lengths, size, expiry, then the codec bytes. */
static size_t v2_row(unsigned char *b, const lay_buf *data)
{
	memset(b, 0, 60);
	b[0] = 2;                      /* version */
	store_be64(b + 4, 77);         /* id */
	store_be32(b + 12, 0640);      /* mode */
	store_be32(b + 40, 11);        /* plain length */
	store_be32(b + 44, 22);        /* ddb length */
	store_be32(b + 48, 5);         /* size */
	store_be64(b + 52, 1234);      /* expires */
	memcpy(b + 60, data->p, data->len);
	return 60 + data->len;
}

static void test_row__version_2_rows_read_with_the_length_of_either_format(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_buf data = LAY_BUF_INIT, again = LAY_BUF_INIT;
	unsigned char b[256];
	item_row r;
	size_t n;

	add(&it, "PK", S(&it, "a"));
	CHECK_RC(lay_codec_encode(&data, &it), 0);
	n = v2_row(b, &data);
	CHECK_RC(row_item_parse(&r, b, n, LAY_FMT_PLAIN, NULL), 0);
	CHECK(r.meta.len == 11 && r.meta.id == 77 && r.meta.mode == 0640);
	CHECK(r.meta.size == 5 && r.meta.expires == 1234);
	CHECK(r.data_len == data.len && memcmp(r.data, data.p, data.len) == 0);
	CHECK_RC(row_item_parse(&r, b, n, LAY_FMT_DDB, NULL), 0);
	CHECK(r.meta.len == 22);
	/* written again, it is a version 3 row keeping the ddb length */
	CHECK_RC(row_item_build(&again, &r), 0);
	CHECK((unsigned char)again.p[0] == 3);
	CHECK_RC(row_item_parse(&r, again.p, again.len, LAY_FMT_DDB, NULL), 0);
	CHECK(r.meta.len == 22 && r.meta.id == 77 && r.meta.expires == 1234);
	CHECK_RC(row_item_parse(&r, again.p, again.len, LAY_FMT_PLAIN, NULL), 0);
	CHECK(r.meta.len == ROW_LEN_UNKNOWN);
	CHECK_RC(row_len(&r, LAY_FMT_PLAIN, NULL), 0);
	CHECK(r.meta.len == strlen("{\"PK\":\"a\"}\n"));
	lay_buf_free(&again);
	lay_buf_free(&data);
	lay_item_free(&it);
}

static void test_row__short_or_unknown_rows_are_eio(void)
{
	unsigned char b[64] = { 9 };
	item_row r;

	CHECK_RC(row_item_parse(&r, b, sizeof(b), LAY_FMT_PLAIN, NULL), -EIO);
	b[0] = 3;
	CHECK_RC(row_item_parse(&r, b, 20, LAY_FMT_PLAIN, NULL), -EIO);
	b[0] = 2;
	CHECK_RC(row_item_parse(&r, b, 59, LAY_FMT_PLAIN, NULL), -EIO);
}

int main(void)
{
	RUN(test_row__version_2_rows_read_with_the_length_of_either_format);
	RUN(test_row__short_or_unknown_rows_are_eio);
	return check_done();
}
