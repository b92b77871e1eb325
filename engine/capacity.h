/* Private to engine/: capacity (SPEC §10). Every metered operation asks
 * store_cap_admit before it runs and tells store_cap_charge what it
 * consumed after; both know the table by name. A table's state — its
 * token buckets, consumed and throttled counters and auto-scaling window —
 * lives in memory, from its first request after the db opened. */
#ifndef ENG_CAPACITY_H
#define ENG_CAPACITY_H

#include "../layout/err.h"
#include "../layout/settings.h"
#include "engine.h"

typedef enum cap_kind { CAP_READ = 0, CAP_WRITE = 1 } cap_kind;

int store_cap_open(eng_db *db, const eng_db_opts *opts);
void store_cap_close(eng_db *db);

/* Whether req is metered: the live view, asked by a user (files or the
 * API). TTL deletes, imports, snapshots and backups are free. */
int store_cap_metered(const eng_req *req);

/*
 * Before a metered operation of kind k on table: 0 when its bucket holds
 * capacity (always for PAY_PER_REQUEST, and when the table is unknown: the
 * operation will say so). An empty bucket of a PROVISIONED table counts a
 * throttled request, then waits for capacity (ENG_THROTTLE_DELAY, by the
 * db's clock) or fails with -EAGAIN (ENG_THROTTLE_ERROR, the message
 * naming ProvisionedThroughputExceededException).
 */
int store_cap_admit(eng_db *db, eng_req *req, const char *table, cap_kind k, lay_err *err);

/* After an operation on table: add rcu and wcu to req (store_req_charge)
 * and, when it is metered, to the table's counters and buckets. */
void store_cap_charge(eng_db *db, eng_req *req, const char *table, double rcu, double wcu);

/* A table's settings changed (after the commit): its state reads them
 * again at its next use, and its buckets follow. */
void store_cap_settings(eng_db *db, const char *table);

/* A table was renamed (its state goes with it) or deleted. */
void store_cap_rename(eng_db *db, const char *from, const char *to);
void store_cap_drop(eng_db *db, const char *table);

/* A change auto-scaling decided on. */
typedef struct store_scale {
	char table[256];
	uint32_t units[2];       /* rcu, wcu; 0: kept */
	double utilization[2];   /* what it decided on, in % of the capacity */
} store_scale;

/* Auto-scaling's target tracking as of now: the windows that ended are
 * judged, and the changes they call for go to out (at most max; the rest
 * are asked again next round). Returns how many. The maintenance round
 * makes them (store_table_scale) and tells store_cap_scaled. */
size_t store_cap_decide(eng_db *db, int64_t now, store_scale *out, size_t max);

/* Auto-scaling's change sc was made: the table's settings went from before
 * to after. Notes the times and tells the journal. */
void store_cap_scaled(eng_db *db, const store_scale *sc, const lay_settings *before,
		      const lay_settings *after, int64_t now);

#endif
