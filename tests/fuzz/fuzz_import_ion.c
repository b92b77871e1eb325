/* Fuzz target: Ion text import records (layout/ion.c, ionlex.c; SPEC §13),
 * the lines of an ION export's data files, a record going on over lines
 * as the importer joins them. An item read renders back as an Ion line
 * that reads as the same item, and survives every round trip; a refusal
 * says why. */
#include "../../layout/export.h"
#include "../../layout/ion.h"
#include "items.h"
#include "records.h"

static int one_record(void *ctx, const char *text, size_t len)
{
	lay_item it = LAY_ITEM_INIT, back = LAY_ITEM_INIT;
	lay_buf line = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc = lay_ion_parse_record(&it, text, len, &err);

	(void)ctx;
	if (rc == 0) {
		fuzz_item_round_trips(&it);
		FUZZ_CHECK(lay_export_item_line(&line, &it, LAY_EXPORT_ION) == 0);
		rc = lay_ion_parse_record(&back, line.p, line.len, &err);
		if (rc != 0)
			fprintf(stderr, "rendered %.*s: %s\n", (int)line.len, line.p, err.msg);
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(lay_item_equal(&it, &back));
	} else if (rc < 0 && rc != -EAGAIN) {
		FUZZ_CHECK_ERR(rc, &err);
	}
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
