/* Fuzz target: CSV import records (layout/csv.c, SPEC §13): the first byte
 * picks the delimiter and the key schema, the rest is the file: a header
 * line, then rows. A header or row refused says why; an item made from a
 * row has the schema's key and survives every round trip. */
#include "../../layout/csv.h"
#include "items.h"
#include "records.h"

static const char *const schemas[] = { "PK:S,SK:S", "id:N", "k:B,n:N", "PK:S" };
static const char delims[] = { ',', '\t', ';', '|' };

struct csv_ctx {
	lay_schema ks;
	char delim;
	int have_header, header_ok;
	lay_csv_row header, row;
};

static int one_record(void *p, const char *text, size_t len)
{
	struct csv_ctx *c = p;
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_key key;
	int rc;

	if (len == 0 && c->have_header)
		return 1;
	rc = lay_csv_split(c->have_header ? &c->row : &c->header, text, len, c->delim, &err);
	if (rc == -EAGAIN)
		return rc;
	if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
		return rc;
	}
	if (!c->have_header) {
		c->have_header = 1;
		if ((rc = lay_csv_header_check(&c->header, &c->ks, &err)) < 0)
			FUZZ_CHECK_ERR(rc, &err);
		c->header_ok = rc == 0;
		return 0;
	}
	rc = lay_csv_item(&it, &c->header, &c->row, &c->ks, &err);
	if (rc == 0) {
		FUZZ_CHECK(c->header_ok);
		FUZZ_CHECK(lay_item_key(&key, &it, &c->ks, &err) == 0);
		fuzz_item_round_trips(&it);
	} else {
		FUZZ_CHECK_ERR(rc, &err);
	}
	lay_item_free(&it);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_ctx c = { .header = LAY_CSV_ROW_INIT, .row = LAY_CSV_ROW_INIT };
	lay_err err = { 0, "" };
	const char *ks;

	if (size < 1)
		return 0;
	ks = schemas[data[0] % 4];
	c.delim = delims[(data[0] >> 2) % 4];
	FUZZ_CHECK(lay_schema_parse(&c.ks, ks, strlen(ks), &err) == 0);
	fuzz_records(data + 1, size - 1, one_record, &c);
	lay_csv_row_free(&c.header);
	lay_csv_row_free(&c.row);
	return 0;
}
