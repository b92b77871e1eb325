/* Fuzz target: DynamoDB JSON import records, the lines of an export's data
 * files (layout/export.c, SPEC §13), and the lines of its manifest-files.
 * An item read renders back to a line that reads as the same item, and
 * survives every round trip; a manifest line read renders back to a line
 * that reads the same. */
#include "../../layout/export.h"
#include "items.h"
#include "records.h"

static void check_manifest_line(const char *text, size_t len)
{
	lay_export_file f, back;
	lay_buf line = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc = lay_export_file_parse(&f, text, len, &err);

	if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
		return;
	}
	FUZZ_CHECK(lay_export_file_render(&line, &f) == 0);
	FUZZ_CHECK(lay_export_file_parse(&back, line.p, line.len, &err) == 0);
	FUZZ_CHECK(back.item_count == f.item_count && memcmp(back.md5, f.md5, 16) == 0 &&
		   strcmp(back.key, f.key) == 0);
	lay_buf_free(&line);
}

static int one_record(void *ctx, const char *text, size_t len)
{
	lay_item it = LAY_ITEM_INIT, back = LAY_ITEM_INIT;
	lay_buf line = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc = lay_export_parse_ddb(&it, text, len, &err);

	(void)ctx;
	if (rc == 0) {
		fuzz_item_round_trips(&it);
		FUZZ_CHECK(lay_export_item_line(&line, &it, LAY_EXPORT_DDB) == 0);
		FUZZ_CHECK(lay_export_parse_ddb(&back, line.p, line.len, &err) == 0);
		FUZZ_CHECK(lay_item_equal(&it, &back));
	} else if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
	}
	check_manifest_line(text, len);
	lay_buf_free(&line);
	lay_item_free(&back);
	lay_item_free(&it);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_records(data, size, one_record, NULL);
	return 0;
}
