/* What every fuzz target shares: the check that stops the run on a broken
 * promise (a round trip that differs, an error without a message), and the
 * split of one input into NUL-separated fields. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../layout/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise: say which and abort, so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__,         \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* A failure carries its errno and a message naming what was wrong. */
#define FUZZ_CHECK_ERR(rc, err)                                                            \
	do {                                                                               \
		FUZZ_CHECK((rc) < 0);                                                      \
		FUZZ_CHECK((err)->msg[0] != '\0');                                         \
	} while (0)

/* A copy of len bytes at p in a block of exactly len bytes (plus a NUL the
 * parsers may not count on, when nul is set): a read past the input is a
 * read past the block, which ASan reports. Caller frees. */
static inline char *fuzz_dup(const uint8_t *p, size_t len, int nul)
{
	char *c = malloc(len + (nul ? 1 : 0) + (len == 0 && !nul));

	if (!c)
		abort();
	memcpy(c, p, len);
	if (nul)
		c[len] = '\0';
	return c;
}

/* The next NUL-separated field of *p (*left bytes): its start and length;
 * the last field runs to the end. */
static inline const uint8_t *fuzz_field(const uint8_t **p, size_t *left, size_t *len)
{
	const uint8_t *start = *p;
	const uint8_t *nul = *left ? memchr(start, '\0', *left) : NULL;

	*len = nul ? (size_t)(nul - start) : *left;
	*p += *len + (nul != NULL);
	*left -= *len + (nul != NULL);
	return start;
}

#endif
