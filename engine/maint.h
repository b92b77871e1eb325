/* Time-driven work (SPEC §8, §9, §16): a thread of the engine sweeps
 * expired items (TTL) and trims streams (24 hours) and the change log
 * (35 days), reading the db's one clock. */
#ifndef ENG_MAINT_H
#define ENG_MAINT_H

#include "../layout/err.h"
#include "../layout/schema.h"
#include "db.h"
#include "events.h"

/*
 * Do the time-driven work now: delete expired items (each a REMOVE by the
 * service, at most limit per call; 0: no limit), trim stream records older
 * than 24 hours and change records older than 35 days. *swept (may be NULL)
 * gets how many items went. The maintenance thread calls it every second.
 */
int eng_db_maintain(eng_db *db, size_t limit, size_t *swept, lay_err *err);

#endif
