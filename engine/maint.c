/* Time-driven work (SPEC §8, §9, §16): a thread that every maint_ms
 * sweeps expired items (expiry.c) and trims streams
 * (24 hours) and change logs (35 days with PITR on, else at once), all by
 * the db's one clock; and, every TRIM_S seconds of real time, gives the
 * memory the process freed back to the system. */
#include "engine.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "capacity.h"
#include "expiry.h"
#include "journal.h"
#include "table.h"
#include "store.h"

#define NS 1000000000ll
#define STREAM_KEEP_NS (24ll * 3600 * NS)
#define LOG_KEEP_NS (35ll * 24 * 3600 * NS)
/* items deleted per table per round, so one table cannot starve the rest */
#define SWEEP_PER_ROUND 10000
/* Each of a daemon's many threads allocates from an arena of its own, and
 * an arena keeps the pages of what was freed in it: under a steady load
 * the resident memory would creep up for hours with nothing in use. */
#define TRIM_S 10

/* Auto-scaling: make the changes capacity's target tracking decided on. */
static int autoscale(eng_db *db, int64_t now, lay_err *err)
{
	store_scale todo[64];
	size_t n = store_cap_decide(db, now, todo, sizeof(todo) / sizeof(todo[0])), i;
	eng_table_info before, after;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = eng_table_get(db, NULL, todo[i].table, &before, err)) == 0 &&
		    (rc = store_table_scale(db, todo[i].table, todo[i].units, err)) == 0 &&
		    (rc = eng_table_get(db, NULL, todo[i].table, &after, err)) == 0)
			store_cap_scaled(db, &todo[i], &before.settings, &after.settings, now);
		if (rc == -ENOENT)
			rc = 0; /* deleted meanwhile */
	}
	return rc;
}

int eng_db_maintain(eng_db *db, size_t limit, size_t *swept, lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	eng_table_info ti;
	size_t total = 0, n;
	char **names;
	int count, i, rc = 0;

	if ((count = eng_table_list(db, &names)) < 0)
		return lay_err_set(err, count, "cannot list the tables: %s", strerror(-count));
	for (i = 0; i < count && rc == 0; i++) {
		if ((rc = eng_table_get(db, NULL, names[i], &ti, err)) == -ENOENT) {
			rc = 0;
			continue; /* deleted meanwhile */
		}
		if (rc < 0)
			break; /* not a table gone: a sweep that skipped it would say
				* it was done */
		if (ti.settings.ttl_attr[0]) {
			rc =
			    store_ttl_sweep(db, names[i], limit ? limit : SWEEP_PER_ROUND, &n, err);
			total += n;
			if (n)
				store_journal_add(db, now, "TtlSweep", names[i],
						  ",\"ItemsDeleted\":%zu", n);
		}
		if (rc == 0)
			rc = eng_stream_trim(db, names[i], now - STREAM_KEEP_NS, err);
		/* a table without PITR keeps no log (log.c): records written
		 * before it was turned off, or by an older version, all go */
		if (rc == 0)
			rc = eng_log_trim(db, names[i],
					  ti.settings.pitr ? now - LOG_KEEP_NS : INT64_MAX, NULL,
					  err);
		if (rc == -ENOENT)
			rc = 0; /* deleted meanwhile */
	}
	eng_names_free(names);
	if (rc == 0)
		rc = store_backup_expire(db, err);
	if (rc == 0)
		rc = autoscale(db, now, err);
	if (swept)
		*swept = total;
	return rc;
}

static void *maint_main(void *arg)
{
	eng_db *db = arg;
	struct timespec until;
	lay_err err = { 0 };
	time_t trimmed = 0;

	pthread_mutex_lock(&db->maint_mu);
	while (!db->maint_stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += db->maint_ms / 1000;
		until.tv_nsec += (long)(db->maint_ms % 1000) * 1000000;
		if (until.tv_nsec >= NS) {
			until.tv_sec++;
			until.tv_nsec -= NS;
		}
		pthread_cond_timedwait(&db->maint_cv, &db->maint_mu, &until);
		if (db->maint_stop)
			break;
		pthread_mutex_unlock(&db->maint_mu);
		/* a failure now is retried next round */
		eng_db_maintain(db, 0, NULL, &err);
		if (until.tv_sec - trimmed >= TRIM_S) {
			malloc_trim(0);
			trimmed = until.tv_sec;
		}
		pthread_mutex_lock(&db->maint_mu);
	}
	pthread_mutex_unlock(&db->maint_mu);
	return NULL;
}

int store_maint_start(eng_db *db, lay_err *err)
{
	int rc;

	if (db->maint_ms < 0)
		return 0;
	if ((rc = pthread_create(&db->maint_thread, NULL, maint_main, db)) != 0)
		return lay_err_set(err, -rc, "cannot start the maintenance thread");
	db->maint_started = 1;
	return 0;
}

void store_maint_stop(eng_db *db)
{
	if (!db->maint_started)
		return;
	pthread_mutex_lock(&db->maint_mu);
	db->maint_stop = 1;
	pthread_cond_signal(&db->maint_cv);
	pthread_mutex_unlock(&db->maint_mu);
	pthread_join(db->maint_thread, NULL);
	db->maint_started = 0;
}
