/* Fuzz target: the checkpoint file of ddbfs trigger (fs/trigger.c, SPEC
 * §8), as read back after a crash or a hand edit. An offset read is not
 * negative, and the text the trigger would write for it reads the same. */
#include "../../fs/trigger.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size, 0), again[32];
	long long off, back;
	int n;

	if (fs_trigger_ckpt_parse(&off, text, size) == 0) {
		FUZZ_CHECK(off >= 0);
		n = snprintf(again, sizeof(again), "%lld\n", off);
		FUZZ_CHECK(fs_trigger_ckpt_parse(&back, again, (size_t)n) == 0 && back == off);
	}
	free(text);
	return 0;
}
