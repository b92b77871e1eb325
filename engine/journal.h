/* Private to engine/: the journal (SPEC §10): what the service did by
 * itself or to a request — scaling, throttling bursts, backups, TTL sweeps
 * — one JSON line each, read as MNT/.ddbfs/events (eng_events_read). */
#ifndef ENG_JOURNAL_H
#define ENG_JOURNAL_H

#include <stdint.h>

#include "engine.h"

int store_journal_open(eng_db *db);
void store_journal_close(eng_db *db);

/* Append {"Time":ISO,"Event":event,"Table":table<fields>} and a newline.
 * fields (printf format, may be "") continues the object: ",\"K\":V...".
 * Out of memory loses the line, nothing else. */
void store_journal_add(eng_db *db, int64_t now_ns, const char *event, const char *table,
		       const char *fields, ...) __attribute__((format(printf, 5, 6)));

/* s as a JSON string, quotes included, in b (reset first), for a %s of
 * store_journal_add's fields; "\"\"" when out of memory. The caller frees b. */
const char *store_journal_quote(lay_buf *b, const char *s);

#endif
