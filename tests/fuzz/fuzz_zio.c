/* Fuzz target: the compressed readers of import (engine/zio.c): the input
 * is a file, plain, gzip or zstd by its first bytes, read line by line
 * with a small line limit. Every line returned lies in the bytes made;
 * the reader ends with the end of the file, or an error with a message
 * that it repeats; a long line is skipped with a message. */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../engine/zio.h"
#include "fuzz.h"

/* lines of at most this many bytes: long ones are skipped */
#define MAX_LINE 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	eng_zin *r = NULL;
	lay_err err = { 0, "" };
	const char *line;
	size_t len;
	int rc;

	if (fd < 0) {
		if ((fd = memfd_create("fuzz_zio", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	FUZZ_CHECK(eng_zin_open(&r, path, MAX_LINE, &err) == 0);
	while ((rc = eng_zin_line(r, &line, &len, &err)) != 0) {
		if (rc == 1) {
			FUZZ_CHECK(len <= MAX_LINE && line[len] == '\0');
			continue;
		}
		FUZZ_CHECK_ERR(rc, &err);
		if (rc == -EFBIG && !eng_zin_failed(r))
			continue; /* a long line, skipped */
		{
			lay_err again = { 0, "" };

			FUZZ_CHECK(eng_zin_line(r, &line, &len, &again) == rc);
			FUZZ_CHECK(strcmp(again.msg, err.msg) == 0);
		}
		break;
	}
	FUZZ_CHECK(eng_zin_bytes_in(r) <= size);
	eng_zin_close(r);
	return 0;
}
