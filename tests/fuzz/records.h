/* The import's reading of a file (engine/import.c): line by line, a record
 * that is not finished (-EAGAIN: a quoted CSV field or an Ion value going
 * on) taking the next line after a '\n'. Each record is handed to the
 * parser in a block of exactly its size. */
#ifndef FUZZ_RECORDS_H
#define FUZZ_RECORDS_H

#include <errno.h>

#include "../../layout/buf.h"
#include "fuzz.h"

/* Called with each record: its text (exact block) and length. */
typedef int (*fuzz_record_fn)(void *ctx, const char *text, size_t len);

/* At most this many lines per input: the fuzzer's inputs are small, and a
 * pathological one should not make a run slow. */
#define FUZZ_MAX_LINES 512

static inline void fuzz_records(const uint8_t *data, size_t size, fuzz_record_fn fn, void *ctx)
{
	lay_buf rec = LAY_BUF_INIT;
	size_t at = 0, lines = 0;
	int pending = 0;

	while (at < size && lines++ < FUZZ_MAX_LINES) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
		char *exact;
		int rc;

		if (!pending)
			lay_buf_reset(&rec);
		else if (lay_buf_addc(&rec, '\n') < 0)
			abort();
		if (lay_buf_add(&rec, data + at, len) < 0)
			abort();
		at += len + (nl != NULL);
		exact = fuzz_dup((const uint8_t *)(rec.p ? rec.p : ""), rec.len, 0);
		rc = fn(ctx, exact, rec.len);
		free(exact);
		pending = rc == -EAGAIN;
	}
	lay_buf_free(&rec);
}

#endif
