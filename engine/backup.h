/* Private to engine/: what the rest of the engine asks of backups
 * (backup.c): the cleaning after a crash, the expiry of SYSTEM backups and
 * the SYSTEM backup of a table being deleted. Their records are the
 * catalog's (catalog.h), where reads find the table a view reads. */
#ifndef ENG_BACKUP_H
#define ENG_BACKUP_H

#include <stdint.h>

#include "../layout/err.h"
#include "catalog.h"
#include "store.h"

/* At open: remove what a crash left of backups and restores being made. */
int store_backup_recover(MDB_txn *txn, eng_db *db, lay_err *err);

/* Delete the SYSTEM backups whose 35 days are over (maint.c). */
int store_backup_expire(eng_db *db, lay_err *err);

/* The SYSTEM backup a delete leaves, and the table as it held it. */
typedef struct store_system {
	uint32_t id;       /* the backup's number; 0: none */
	uint32_t tid;      /* the table copied */
	uint64_t seq;      /* its last change then (0: none) */
} store_system;

/* Before table (with PITR on) is deleted: keep it as a SYSTEM backup of
 * how it was before its last run of deletes (an empty table: rm -r), or
 * as it is (a table deleted with its items, eng_table_drop). *sys gets the new
 * backup, to be made available by store_backup_keep in the delete's
 * transaction, or dropped by store_backup_drop if it fails.
 * store_backup_keep fails with -EAGAIN if table t has changed since the
 * copy (another table of that name, or a change): the delete then starts
 * over. */
int store_backup_system(eng_db *db, const char *table, store_system *sys, lay_err *err);
int store_backup_keep(MDB_txn *txn, eng_db *db, const store_system *sys, const store_table *t,
		      lay_err *err);
int store_backup_drop(eng_db *db, uint32_t id, lay_err *err);

#endif
