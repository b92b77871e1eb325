/* The one clock of the db (SPEC §16): CLOCK_REALTIME plus an offset that
 * only a test clock may move, forward only, so tests never sleep for the
 * minutes TTL, stream retention and PITR are measured in. */
#include "engine.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct eng_clock {
	int test;
	/* a seqlock: writers (advance, freeze) hold mu and make seq odd while
	 * they change offset_ns and frozen_ns; readers retry across a change */
	pthread_mutex_t mu;
	_Atomic unsigned seq;
	_Atomic int64_t offset_ns;
	_Atomic int64_t frozen_ns;  /* real time it stands at; 0: it runs */
};

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int eng_clock_new(eng_clock **out, int test)
{
	eng_clock *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->test = test != 0;
	pthread_mutex_init(&c->mu, NULL);
	atomic_init(&c->seq, 0);
	atomic_init(&c->offset_ns, 0);
	atomic_init(&c->frozen_ns, 0);
	*out = c;
	return 0;
}

void eng_clock_free(eng_clock *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int64_t eng_clock_now_ns(const eng_clock *c)
{
	eng_clock *m = (eng_clock *)c;
	int64_t frozen, offset;
	unsigned s;

	do {
		while ((s = atomic_load(&m->seq)) & 1)
			; /* a writer is changing it: a few instructions */
		frozen = atomic_load(&m->frozen_ns);
		offset = atomic_load(&m->offset_ns);
	} while (atomic_load(&m->seq) != s);
	return (frozen ? frozen : real_ns()) + offset;
}

/* Change the clock's state under the seqlock. */
static void write_begin(eng_clock *c)
{
	pthread_mutex_lock(&c->mu);
	atomic_fetch_add(&c->seq, 1);
}

static void write_end(eng_clock *c)
{
	atomic_fetch_add(&c->seq, 1);
	pthread_mutex_unlock(&c->mu);
}

int eng_clock_freeze(eng_clock *c, int frozen, lay_err *err)
{
	int64_t at;

	if (!c->test)
		return lay_err_set(err, -EPERM,
				   "the clock is real; mount with -o test_clock to stop it");
	write_begin(c);
	at = atomic_load(&c->frozen_ns);
	if (frozen && !at) {
		atomic_store(&c->frozen_ns, real_ns());
	} else if (!frozen && at) {
		/* it goes on from where it stood: never backwards */
		atomic_fetch_add(&c->offset_ns, at - real_ns());
		atomic_store(&c->frozen_ns, 0);
	}
	write_end(c);
	return 0;
}

int eng_clock_is_test(const eng_clock *c)
{
	return c->test;
}

int eng_clock_advance(eng_clock *c, int64_t seconds, lay_err *err)
{
	if (!c->test)
		return lay_err_set(err, -EPERM,
				   "the clock is real; mount with -o test_clock to move it");
	if (seconds < 0)
		return lay_err_set(err, -EINVAL,
				   "the clock moves only forward; %lld seconds is negative",
				   (long long)seconds);
	/* a century at a time is plenty and keeps now_ns far from overflow */
	if (seconds > 100LL * 366 * 86400)
		return lay_err_set(err, -EINVAL,
				   "%lld seconds is more than a century; move the clock in "
				   "smaller steps", (long long)seconds);
	write_begin(c);
	atomic_fetch_add(&c->offset_ns, seconds * 1000000000);
	write_end(c);
	return 0;
}

void eng_clock_id(char out[40], int64_t now_ns)
{
	snprintf(out, 40, "%014" PRId64 "-%08x", now_ns / 1000000, arc4random());
}
