/* Capacity (SPEC §10): consumed and throttled units per table, DynamoDB's
 * token buckets for PROVISIONED tables, and auto-scaling's target
 * tracking. All in memory: a table's state starts at its first request
 * after the db opened, with full buckets.
 *
 * A bucket holds up to 300 seconds of its provisioned rate (DynamoDB's
 * burst capacity) and refills at that rate by the db's clock. A request is
 * let through while its bucket holds more than nothing and then takes what
 * it consumed, so a large item may leave the bucket in debt, which later
 * requests wait out: the rate is kept over time, as DynamoDB keeps it. */
#include "capacity.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal.h"
#include "req.h"
#include "store.h"
#include "catalog.h"

#define NS 1000000000ll
#define BURST_S 300              /* seconds of unused capacity a bucket keeps */
#define MINUTE_NS (60 * NS)
#define SCALE_OUT_MIN 2          /* minutes above the target before scaling out */
#define SCALE_IN_MIN 15          /* minutes below it before scaling in */
#define BURST_GAP_NS (60 * NS)   /* throttles this close together are one burst */
#define WAIT_SLICE_MS 50         /* how often a waiting request looks at the clock */
#define WAIT_MAX_S 60            /* real seconds a request waits at most, as an
                                  * SDK's retries give up */
#define NBUCKETS 64

typedef struct cap_dir {
	double tokens;           /* PROVISIONED: units in the bucket (may be < 0) */
	double consumed;         /* units consumed since the db opened */
	uint64_t throttled;      /* requests throttled */
	double window;           /* units consumed in the scaling window */
	int high, low;           /* minutes in a row above / below the target */
	int64_t last_throttle_ns;
} cap_dir;

typedef struct cap_table {
	struct cap_table *next;
	char name[256];
	lay_settings s;          /* the table's settings, as last told */
	int64_t refill_ns;       /* the buckets are up to date until here */
	int64_t window_ns;       /* the scaling window's start */
	int64_t last_increase_ns, last_decrease_ns;
	int stale;               /* the settings changed: read them again */
	cap_dir d[2];            /* CAP_READ, CAP_WRITE */
	uint32_t pending[2];     /* capacity auto-scaling decided on, not yet set (0: none) */
	double utilization[2];   /* what it decided on, in % of the capacity */
} cap_table;

struct store_cap {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* waiting requests; signalled on release */
	eng_throttle mode;
	int (*stop_waiting)(void *ctx);
	void *stop_ctx;
	int released;            /* the db closes: nobody waits any more */
	unsigned waiting, max_waiting; /* requests waiting for capacity */
	_Atomic unsigned provisioned;  /* states of PROVISIONED tables: while
	                                * there are none, admitting takes no lock
	                                * (a table's first request after it became
	                                * PROVISIONED finds a full bucket anyway) */
	uint64_t version;        /* moves at every change of a table's settings,
	                          * name or existence: a state read from a
	                          * record meanwhile is read again */
	cap_table *b[NBUCKETS];
};

static void close_window(cap_table *t, int64_t now); /* auto-scaling, below */

static unsigned bucket_of(const char *name)
{
	unsigned h = 5381;

	while (*name)
		h = h * 33 + (unsigned char)*name++;
	return h % NBUCKETS;
}

static cap_table **find(struct store_cap *c, const char *name)
{
	cap_table **p = &c->b[bucket_of(name)];

	while (*p && strcmp((*p)->name, name) != 0)
		p = &(*p)->next;
	return p;
}

static uint32_t units_of(const lay_settings *s, cap_kind k)
{
	return k == CAP_READ ? s->rcu : s->wcu;
}

static void fill(cap_table *t)
{
	cap_kind k;

	for (k = CAP_READ; k <= CAP_WRITE; k++)
		t->d[k].tokens = (double)units_of(&t->s, k) * BURST_S;
}

/* Bring the buckets up to now. */
static void refill(cap_table *t, int64_t now)
{
	double secs;
	cap_kind k;

	if (now <= t->refill_ns)
		return;
	secs = (double)(now - t->refill_ns) / NS;
	t->refill_ns = now;
	if (t->s.billing != LAY_PROVISIONED)
		return;
	for (k = CAP_READ; k <= CAP_WRITE; k++) {
		double units = units_of(&t->s, k), full = units * BURST_S;

		t->d[k].tokens = fmin(full, t->d[k].tokens + units * secs);
	}
}

int store_cap_open(eng_db *db, const eng_db_opts *opts)
{
	struct store_cap *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	c->max_waiting = opts && opts->max_waiting ? opts->max_waiting : 8;
	if (opts) {
		c->mode = opts->throttle;
		c->stop_waiting = opts->stop_waiting;
		c->stop_ctx = opts->stop_ctx;
	}
	db->cap = c;
	return 0;
}

void store_cap_close(eng_db *db)
{
	struct store_cap *c = db->cap;
	cap_table *t, *next;
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < NBUCKETS; i++)
		for (t = c->b[i]; t; t = next) {
			next = t->next;
			free(t);
		}
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
	db->cap = NULL;
}

void eng_capacity_release(eng_db *db)
{
	struct store_cap *c = db->cap;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->released = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

int store_cap_metered(const eng_req *req)
{
	return req && req->view == ENG_VIEW_LIVE &&
	       (req->source == ENG_SRC_FILE || req->source == ENG_SRC_API);
}

/* Settings s read for t, as a table's settings take effect. */
static void take_settings(struct store_cap *c, cap_table *t, const lay_settings *s, int64_t now)
{
	int was_provisioned = t->s.billing == LAY_PROVISIONED;
	cap_kind k;

	refill(t, now);
	if (was_provisioned != (s->billing == LAY_PROVISIONED)) {
		if (was_provisioned)
			atomic_fetch_sub(&c->provisioned, 1);
		else
			atomic_fetch_add(&c->provisioned, 1);
	}
	t->s = *s;
	if (s->billing == LAY_PROVISIONED && !was_provisioned)
		fill(t); /* a table switched to PROVISIONED starts with its burst */
	for (k = CAP_READ; k <= CAP_WRITE; k++)
		t->d[k].tokens = fmin(t->d[k].tokens, (double)units_of(s, k) * BURST_S);
	if (!s->autoscaling || s->billing != LAY_PROVISIONED)
		t->pending[0] = t->pending[1] = 0;
	t->stale = 0;
}

/* The settings of table's record, read in a transaction of their own. */
struct rec_ctx {
	eng_db *db;
	const char *table;
	lay_settings *out;
};

static int rec_txn(MDB_txn *txn, void *vctx, lay_err *err)
{
	struct rec_ctx *c = vctx;
	store_table t;
	int rc;

	if ((rc = store_table_get(txn, c->db, c->table, &t, err)) == 0)
		*c->out = t.settings;
	return rc;
}

static int settings_of(eng_db *db, const char *table, lay_settings *out)
{
	struct rec_ctx c = { db, table, out };

	return store_read(db, rec_txn, &c, NULL);
}

/*
 * The state of table, made from its record if it has none yet, or brought
 * up to date when its settings changed; NULL when there is no such table.
 * Called and returns with c->mu held, which it lets go of while it reads
 * the record: a change meanwhile (version moved) makes it read again.
 */
static cap_table *state(eng_db *db, const char *table)
{
	struct store_cap *c = db->cap;
	cap_table **p, *t;
	lay_settings ti;
	uint64_t version;

	for (;;) {
		p = find(c, table);
		if (*p && !(*p)->stale)
			return *p;
		version = c->version;
		pthread_mutex_unlock(&c->mu);
		if (settings_of(db, table, &ti) < 0) {
			pthread_mutex_lock(&c->mu);
			return NULL;
		}
		pthread_mutex_lock(&c->mu);
		if (c->version != version)
			continue;
		if ((t = *find(c, table))) {
			take_settings(c, t, &ti, eng_clock_now_ns(db->clock));
			return t;
		}
		if (!(t = calloc(1, sizeof(*t))))
			return NULL;
		snprintf(t->name, sizeof(t->name), "%s", table);
		t->s = ti;
		if (ti.billing == LAY_PROVISIONED)
			atomic_fetch_add(&c->provisioned, 1);
		t->refill_ns = t->window_ns = eng_clock_now_ns(db->clock);
		fill(t);
		t->next = c->b[bucket_of(table)];
		c->b[bucket_of(table)] = t;
		return t;
	}
}

static void wait_slice(struct store_cap *c)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WAIT_SLICE_MS * 1000000l;
	if (until.tv_nsec >= NS) {
		until.tv_sec++;
		until.tv_nsec -= NS;
	}
	pthread_cond_timedwait(&c->cv, &c->mu, &until);
}

/* Ask the front, without our lock, whether waiters should go on. */
static void ask_stop(struct store_cap *c)
{
	int stop;

	if (!c->stop_waiting)
		return;
	pthread_mutex_unlock(&c->mu);
	stop = c->stop_waiting(c->stop_ctx);
	pthread_mutex_lock(&c->mu);
	if (stop) {
		c->released = 1;
		pthread_cond_broadcast(&c->cv);
	}
}

int store_cap_admit(eng_db *db, eng_req *req, const char *table, cap_kind k, lay_err *err)
{
	static const char *what[] = { "read", "write" };
	struct store_cap *c = db->cap;
	int counted = 0, waits = 0, rc = 0;
	struct timespec since, now_mono;
	cap_table *t;

	store_req_start(req);
	if (!c || !store_cap_metered(req) || !atomic_load(&c->provisioned))
		return 0;
	pthread_mutex_lock(&c->mu);
	while ((t = state(db, table)) && t->s.billing == LAY_PROVISIONED && !c->released) {
		int64_t now = eng_clock_now_ns(db->clock);
		cap_dir *d = &t->d[k];

		refill(t, now);
		if (d->tokens > 0)
			break;
		if (!counted) {
			counted = 1;
			d->throttled++;
			if (!d->last_throttle_ns || now - d->last_throttle_ns > BURST_GAP_NS)
				store_journal_add(db, now, "Throttling", table,
						  ",\"Kind\":\"%s\",\"Provisioned\":%u,"
						  "\"Mode\":\"%s\"",
						  what[k], units_of(&t->s, k),
						  c->mode == ENG_THROTTLE_ERROR ? "error" : "delay");
			d->last_throttle_ns = now;
		}
		/* a waiter holds one of the front's threads: past max_waiting,
		 * waiting would stop the front answering anything else; and it
		 * waits no longer than an SDK retries */
		clock_gettime(CLOCK_MONOTONIC, &now_mono);
		if (c->mode == ENG_THROTTLE_ERROR || (!waits && c->waiting >= c->max_waiting) ||
		    (waits && now_mono.tv_sec - since.tv_sec >= WAIT_MAX_S)) {
			rc = lay_err_set(err, -EAGAIN,
					 "ProvisionedThroughputExceededException: table %s used its "
					 "%u provisioned %s capacity units per second and its burst%s",
					 table, units_of(&t->s, k), what[k],
					 c->mode == ENG_THROTTLE_ERROR ? ""
					 : waits ? " (waited 60 seconds)"
						 : " (and as many requests as may wait already wait)");
			req->throttled = 1;
			break;
		}
		if (!waits) {
			waits = 1;
			since = now_mono;
			c->waiting++;
		}
		wait_slice(c);
		ask_stop(c);
	}
	if (waits)
		c->waiting--;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void store_cap_charge(eng_db *db, eng_req *req, const char *table, double rcu, double wcu)
{
	struct store_cap *c = db->cap;
	cap_table *t;

	if (req && req->eventual)
		rcu /= 2;
	store_req_charge(req, rcu, wcu);
	if (!c || !store_cap_metered(req) || (rcu == 0 && wcu == 0))
		return;
	pthread_mutex_lock(&c->mu);
	if ((t = state(db, table))) {
		/* buckets and windows only where they matter: on-demand tables
		 * just count (its cost is the figure make bench checks) */
		if (t->s.billing == LAY_PROVISIONED) {
			int64_t now = eng_clock_now_ns(db->clock);

			refill(t, now);
			close_window(t, now);
		}
		t->d[CAP_READ].consumed += rcu;
		t->d[CAP_WRITE].consumed += wcu;
		t->d[CAP_READ].window += rcu;
		t->d[CAP_WRITE].window += wcu;
		if (t->s.billing == LAY_PROVISIONED) {
			t->d[CAP_READ].tokens -= rcu;
			t->d[CAP_WRITE].tokens -= wcu;
		}
	}
	pthread_mutex_unlock(&c->mu);
}

void store_cap_settings(eng_db *db, const char *table)
{
	struct store_cap *c = db->cap;
	cap_table *t;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->version++;
	if ((t = *find(c, table)))
		t->stale = 1; /* read at its next use, whatever order changes commit in */
	pthread_cond_broadcast(&c->cv); /* more capacity may let waiters through */
	pthread_mutex_unlock(&c->mu);
}

/* Forget table's state; c->mu held. */
static void forget(struct store_cap *c, const char *table)
{
	cap_table **p, *t;

	c->version++;
	if ((t = *(p = find(c, table)))) {
		*p = t->next;
		if (t->s.billing == LAY_PROVISIONED)
			atomic_fetch_sub(&c->provisioned, 1);
		free(t);
	}
}

void store_cap_drop(eng_db *db, const char *table)
{
	struct store_cap *c = db->cap;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	forget(c, table);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void store_cap_rename(eng_db *db, const char *from, const char *to)
{
	struct store_cap *c = db->cap;
	cap_table **p, *t;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	forget(c, to);
	if ((t = *(p = find(c, from)))) {
		*p = t->next;
		snprintf(t->name, sizeof(t->name), "%s", to);
		t->next = c->b[bucket_of(to)];
		c->b[bucket_of(to)] = t;
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

int eng_table_capacity(eng_db *db, const char *table, eng_capacity *out)
{
	struct store_cap *c = db->cap;
	cap_table *t;

	memset(out, 0, sizeof(*out));
	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	if ((t = *find(c, table))) {
		refill(t, eng_clock_now_ns(db->clock));
		out->read_units = t->d[CAP_READ].consumed;
		out->write_units = t->d[CAP_WRITE].consumed;
		out->reads_throttled = t->d[CAP_READ].throttled;
		out->writes_throttled = t->d[CAP_WRITE].throttled;
		out->read_tokens = t->d[CAP_READ].tokens;
		out->write_tokens = t->d[CAP_WRITE].tokens;
		out->last_increase_ns = t->last_increase_ns;
		out->last_decrease_ns = t->last_decrease_ns;
	}
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* ---- auto-scaling ---- */


/* Target tracking of one direction over a window of minutes whole
 * minutes: the capacity it asks for, or 0 to keep what there is. */
static uint32_t track(const lay_settings *s, cap_dir *d, uint32_t units, double secs,
		      int minutes, double *utilization)
{
	double rate = d->window / secs;
	double want = ceil(rate * 100.0 / s->as_target - 1e-9);
	uint32_t n;

	*utilization = units ? rate * 100.0 / units : 0;
	if (*utilization > s->as_target) {
		d->high += minutes;
		d->low = 0;
	} else {
		d->low += minutes;
		d->high = 0;
	}
	n = want < s->as_min ? s->as_min : want > s->as_max ? s->as_max : (uint32_t)want;
	if (units < s->as_min || units > s->as_max)
		return n == units ? 0 : n; /* bring it inside min and max at once */
	if (d->high >= SCALE_OUT_MIN && n > units) {
		d->high = 0;
		return n;
	}
	if (d->low >= SCALE_IN_MIN && n < units) {
		d->low = 0;
		return n;
	}
	return 0;
}

/* Close t's scaling window if a minute or more of it passed by now: what
 * it consumed is judged, and a change it calls for is left pending for the
 * maintenance round. Called before a charge adds to the window, so that
 * units count in the minute they were consumed in. */
static void close_window(cap_table *t, int64_t now)
{
	int64_t span = now - t->window_ns;
	int minutes = (int)(span / MINUTE_NS);
	cap_kind k;

	if (!t->s.autoscaling || t->s.billing != LAY_PROVISIONED) {
		t->window_ns = now;
		t->d[0].window = t->d[1].window = 0;
		return;
	}
	if (minutes < 1)
		return;
	for (k = CAP_READ; k <= CAP_WRITE; k++) {
		uint32_t want = track(&t->s, &t->d[k], units_of(&t->s, k), (double)span / NS,
				      minutes, &t->utilization[k]);

		if (want)
			t->pending[k] = want;
		t->d[k].window = 0;
	}
	t->window_ns = now;
}

/* The changes pending now, into out (at most max). */
static size_t decide(struct store_cap *c, int64_t now, store_scale *out, size_t max)
{
	size_t n = 0;
	unsigned i;
	cap_table *t;

	for (i = 0; i < NBUCKETS; i++)
		for (t = c->b[i]; t; t = t->next) {
			close_window(t, now);
			if (!(t->pending[0] || t->pending[1]) || n == max)
				continue;
			snprintf(out[n].table, sizeof(out[n].table), "%s", t->name);
			memcpy(out[n].units, t->pending, sizeof(t->pending));
			memcpy(out[n].utilization, t->utilization, sizeof(t->utilization));
			t->pending[0] = t->pending[1] = 0;
			n++;
		}
	return n;
}

void store_cap_scaled(eng_db *db, const store_scale *sc, const lay_settings *before,
		      const lay_settings *after, int64_t now)
{
	static const char *what[] = { "ReadCapacityUnits", "WriteCapacityUnits" };
	cap_table *t;
	cap_kind k;

	for (k = CAP_READ; k <= CAP_WRITE; k++) {
		uint32_t from = units_of(before, k), to = units_of(after, k);

		if (to == from || to != sc->units[k])
			continue; /* not auto-scaling's change */
		pthread_mutex_lock(&db->cap->mu);
		if ((t = *find(db->cap, sc->table))) {
			if (to > from)
				t->last_increase_ns = now;
			else
				t->last_decrease_ns = now;
		}
		pthread_mutex_unlock(&db->cap->mu);
		store_journal_add(db, now, "Scaling", sc->table,
				  ",\"Dimension\":\"%s\",\"From\":%u,\"To\":%u,"
				  "\"Utilization\":%.1f,\"Target\":%u",
				  what[k], from, to, sc->utilization[k], after->as_target);
	}
}

/* Read again the settings of tables whose settings changed, so that a
 * window is judged against the capacity the table has; c->mu held. */
static void refresh(eng_db *db)
{
	struct store_cap *c = db->cap;
	char (*names)[256] = NULL;
	size_t n = 0, cap = 0, i;
	unsigned b;
	cap_table *t;

	for (b = 0; b < NBUCKETS; b++)
		for (t = c->b[b]; t; t = t->next) {
			if (!t->stale)
				continue;
			if (n == cap) {
				void *more = realloc(names, (cap = cap ? cap * 2 : 8) * sizeof(*names));

				if (!more)
					goto out; /* the next round tries again */
				names = more;
			}
			snprintf(names[n++], sizeof(names[0]), "%s", t->name);
		}
out:
	for (i = 0; i < n; i++)
		state(db, names[i]);
	free(names);
}

size_t store_cap_decide(eng_db *db, int64_t now, store_scale *out, size_t max)
{
	struct store_cap *c = db->cap;
	size_t n;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	refresh(db);
	n = decide(c, now, out, max);
	pthread_mutex_unlock(&c->mu);
	return n;
}
