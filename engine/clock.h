/* One clock for every time-driven behaviour (SPEC §16): real time, plus an
 * offset that only a test clock may move forward. */
#ifndef ENG_CLOCK_H
#define ENG_CLOCK_H

#include <stdint.h>

#include "../layout/err.h"

typedef struct eng_clock eng_clock;

/* A new clock; test != 0 makes it movable. Free with eng_clock_free.
 * Returns 0 or -ENOMEM. */
int eng_clock_new(eng_clock **out, int test);

/* Accepts NULL. */
void eng_clock_free(eng_clock *c);

/* Now, in nanoseconds since the epoch (real time + the offset). Thread-safe. */
int64_t eng_clock_now_ns(const eng_clock *c);

/* 1 for a test clock. */
int eng_clock_is_test(const eng_clock *c);

/* Move a test clock forward by seconds (>= 0). -EPERM on a real clock,
 * -EINVAL for a negative step. Thread-safe. */
int eng_clock_advance(eng_clock *c, int64_t seconds, lay_err *err);

#endif
