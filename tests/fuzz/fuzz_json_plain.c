/* Fuzz target: items as plain JSON (item files, SPEC §5),
 * layout/json.c. A parsed item renders back to the same item in both
 * formats and survives the stored encoding; a refusal says why. */
#include "items.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size, 0);
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	int rc = lay_json_parse(&it, text, size, LAY_FMT_PLAIN, &err);

	if (rc == 0)
		fuzz_item_round_trips(&it);
	else
		FUZZ_CHECK_ERR(rc, &err);
	lay_item_free(&it);
	free(text);
	return 0;
}
