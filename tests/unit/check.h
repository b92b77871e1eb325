/* A tiny unit-test harness (LMDB's mtest.c style): CHECK prints file:line
 * and, for errno results, the errno's name; RUN runs one test function;
 * check_done prints "N passed, N failed" and gives main's exit status. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../layout/err.h"

static int check_failed_now;
static int check_passed, check_failed;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,   \
				#cond);                                                    \
			check_failed_now = 1;                                              \
		}                                                                          \
	} while (0)

/* expr returns 0 or a negative errno; expect is the errno wanted (0, -EINVAL). */
#define CHECK_RC(expr, expect)                                                             \
	do {                                                                               \
		int check_rc_ = (expr);                                                    \
		if (check_rc_ != (expect)) {                                               \
			fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %d (%s)\n",     \
				__FILE__, __LINE__, #expr, check_rc_,                      \
				check_rc_ ? lay_errno_name(check_rc_) : "OK", (int)(expect), \
				(expect) ? lay_errno_name(expect) : "OK");                 \
			check_failed_now = 1;                                              \
		}                                                                          \
	} while (0)

#define CHECK_STR(got, want)                                                               \
	do {                                                                               \
		const char *check_g_ = (got), *check_w_ = (want);                          \
		if (!check_g_ || strcmp(check_g_, check_w_) != 0) {                        \
			fprintf(stderr, "%s:%d: got \"%s\", wanted \"%s\"\n", __FILE__,     \
				__LINE__, check_g_ ? check_g_ : "(null)", check_w_);      \
			check_failed_now = 1;                                              \
		}                                                                          \
	} while (0)

#define RUN(fn)                                                                            \
	do {                                                                               \
		check_failed_now = 0;                                                      \
		fn();                                                                      \
		if (check_failed_now) {                                                    \
			check_failed++;                                                    \
			fprintf(stderr, "FAIL %s\n", #fn);                                 \
		} else {                                                                   \
			check_passed++;                                                    \
			if (getenv("CHECK_VERBOSE"))                                       \
				fprintf(stderr, "ok   %s\n", #fn);                         \
		}                                                                          \
	} while (0)

static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
