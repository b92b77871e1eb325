/* Unit tests of engine/clock.c (SPEC §16): the real clock follows
 * CLOCK_REALTIME; only a test clock moves, and only forward. */
#include <errno.h>
#include <time.h>

#include "../../engine/engine.h"
#include "check.h"

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_clock__real_clock_follows_clock_realtime(void)
{
	eng_clock *c = NULL;
	int64_t before, now, after;

	CHECK_RC(eng_clock_new(&c, 0), 0);
	before = realtime_ns();
	now = eng_clock_now_ns(c);
	after = realtime_ns();
	CHECK(before <= now && now <= after);
	CHECK(!eng_clock_is_test(c));
	eng_clock_free(c);
}

static void test_clock__test_clock_advance_moves_now_forward(void)
{
	eng_clock *c = NULL;
	lay_err err = { 0, "" };
	int64_t before, now;

	CHECK_RC(eng_clock_new(&c, 1), 0);
	CHECK(eng_clock_is_test(c));
	before = realtime_ns();
	CHECK(eng_clock_now_ns(c) - before < 1000000000LL);
	CHECK_RC(eng_clock_advance(c, 3600, &err), 0);
	now = eng_clock_now_ns(c);
	CHECK(now - before >= 3600LL * 1000000000);
	CHECK(now - before < 3601LL * 1000000000);
	CHECK_RC(eng_clock_advance(c, 0, &err), 0);
	CHECK(eng_clock_now_ns(c) >= now);
	eng_clock_free(c);
}

static void test_clock__real_clock_refuses_to_advance(void)
{
	eng_clock *c = NULL;
	lay_err err = { 0, "" };
	int64_t before;

	CHECK_RC(eng_clock_new(&c, 0), 0);
	CHECK_RC(eng_clock_advance(c, 60, &err), -EPERM);
	CHECK(err.code == -EPERM && err.msg[0]);
	before = realtime_ns();
	CHECK(eng_clock_now_ns(c) - before < 1000000000LL);
	eng_clock_free(c);
}

static void test_clock__negative_step_is_einval_and_changes_nothing(void)
{
	eng_clock *c = NULL;
	lay_err err = { 0, "" };
	int64_t before;

	CHECK_RC(eng_clock_new(&c, 1), 0);
	CHECK_RC(eng_clock_advance(c, 100, &err), 0);
	CHECK_RC(eng_clock_advance(c, -1, &err), -EINVAL);
	CHECK(err.code == -EINVAL && err.msg[0]);
	before = realtime_ns();
	CHECK(eng_clock_now_ns(c) - before >= 99LL * 1000000000);
	CHECK(eng_clock_now_ns(c) - before < 101LL * 1000000000);
	eng_clock_free(c);
}

static void test_clock__a_frozen_clock_moves_only_when_advanced(void)
{
	struct timespec ms20 = { 0, 20000000 };
	lay_err err = { 0, "" };
	eng_clock *c, *real;
	int64_t a, b;

	CHECK_RC(eng_clock_new(&c, 1), 0);
	CHECK_RC(eng_clock_freeze(c, 1, &err), 0);
	a = eng_clock_now_ns(c);
	nanosleep(&ms20, NULL);
	CHECK(eng_clock_now_ns(c) == a);
	CHECK_RC(eng_clock_advance(c, 5, &err), 0);
	CHECK(eng_clock_now_ns(c) == a + 5000000000ll);
	/* running again, it goes on from where it stood, never back */
	CHECK_RC(eng_clock_freeze(c, 0, &err), 0);
	b = eng_clock_now_ns(c);
	CHECK(b >= a + 5000000000ll && b < a + 6000000000ll);
	nanosleep(&ms20, NULL);
	CHECK(eng_clock_now_ns(c) > b);
	eng_clock_free(c);
	CHECK_RC(eng_clock_new(&real, 0), 0);
	CHECK_RC(eng_clock_freeze(real, 1, &err), -EPERM);
	eng_clock_free(real);
}

static void test_clock__free_accepts_null(void)
{
	eng_clock_free(NULL);
	CHECK(1);
}

int main(void)
{
	RUN(test_clock__real_clock_follows_clock_realtime);
	RUN(test_clock__test_clock_advance_moves_now_forward);
	RUN(test_clock__real_clock_refuses_to_advance);
	RUN(test_clock__negative_step_is_einval_and_changes_nothing);
	RUN(test_clock__a_frozen_clock_moves_only_when_advanced);
	RUN(test_clock__free_accepts_null);
	return check_done();
}
