/* The change log (SPEC §8, §12, §15): one record per item-level change of
 * a table with PITR on (log.c says why),
 * written in the same LMDB transaction as the change. Ordered per table by
 * a sequence number that increases across the whole db and is never
 * reused; trimmed by age without renumbering. */
#ifndef ENG_LOG_H
#define ENG_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/item.h"
#include "../layout/schema.h"
#include "db.h"
#include "types.h"

/* A record as a reader sees it; borrowed for the callback only. */
typedef struct eng_change {
	uint64_t seq;              /* > 0, increasing in commit order */
	int64_t time_ns;           /* the db clock at commit */
	eng_event event;           /* ENG_INSERT, ENG_MODIFY or ENG_REMOVE */
	unsigned flags;            /* ENG_CHANGE_* */
	const lay_key *key;
	const lay_item *old_image; /* NULL for INSERT */
	const lay_item *new_image; /* NULL for REMOVE */
} eng_change;

typedef int (*eng_log_cb)(void *ctx, const eng_change *c);

/*
 * Read table's records with seq > after, in order, at most max (0: all).
 * The callback returns 0 to go on, 1 to stop, < 0 to fail with it.
 * -ENOENT if there is no such table.
 */
int eng_log_read(eng_db *db, const char *table, uint64_t after, size_t max, eng_log_cb cb,
		 void *ctx, lay_err *err);

/* Delete table's records older than before_ns; later ones keep their
 * numbers. *trimmed (may be NULL) gets how many went. */
int eng_log_trim(eng_db *db, const char *table, int64_t before_ns, size_t *trimmed,
		 lay_err *err);

/* The newest sequence number written anywhere in the db (0 if none). */
uint64_t eng_log_last_seq(eng_db *db);

#endif
