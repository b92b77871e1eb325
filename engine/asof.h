/* Private to engine/: items as they were at a time (SPEC §12, point-in-time
 * recovery), from the change log of a table with PITR on (log.c) and its
 * index by key and time (asof.c). */
#ifndef ENG_ASOF_H
#define ENG_ASOF_H

#include <stdint.h>

#include "../layout/err.h"
#include "catalog.h"
#include "row.h"
#include "store.h"

/* How long a PITR table's changes are kept, and so how far back it can be
 * read: 35 days, as DynamoDB's recovery window. */
#define ASOF_WINDOW_NS (35LL * 24 * 3600 * 1000000000LL)

/* The index key's hash of an item key as the change log stores it (the
 * key's values in the stored encoding, pk then sk). */
uint64_t asof_key_hash(const void *enc, size_t len);

/* Index the change seq of table tid at time_ns to the key whose stored
 * encoding is enc (len bytes), or remove that entry (asof_unindex). */
int asof_index(MDB_txn *txn, eng_db *db, uint32_t tid, const void *enc, size_t len,
	       int64_t time_ns, uint64_t seq, lay_err *err);
int asof_unindex(MDB_txn *txn, eng_db *db, uint32_t tid, const void *enc, size_t len,
		 int64_t time_ns, uint64_t seq, lay_err *err);

/* A change record's fields the index needs (pointers into its bytes). */
typedef struct asof_record {
	unsigned event, flags;
	int has_sk;          /* the key holds a sort key after the partition key */
	int64_t time_ns;
	const unsigned char *key, *old, *new_img;
	size_t key_len, old_len, new_len;
	int has_old_meta;    /* old_meta was kept (not in records from before) */
	eng_meta old_meta;   /* the old item's owner, mode and times */
} asof_record;

/* Parse the change record of len bytes at p (log.c's layout: the one
 * reader of it). -EIO if it is corrupt or of an unknown version. */
int asof_record_parse(const void *p, size_t len, asof_record *out, lay_err *err);

/* Index every record of the change log when the index is empty and the log
 * is not: a database from before the index. */
int asof_backfill(MDB_txn *txn, eng_db *db, lay_err *err);

/* The earliest time table t can be read as of, given now: -1 if PITR is
 * off. */
int64_t asof_earliest(const store_table *t, int64_t now_ns);

/*
 * Find tg's item (target_init'ed on t, borrowing) as it was at as_of_ns:
 * when a change after that time holds its old image, tg->exists says
 * whether it existed then and tg->r its image (data borrowed from the log
 * record, its metadata there made read-only, length unknown; records from
 * before the log kept metadata: mode 0400, the table's owner, mtime the
 * time of the change before); without such a change, the live row is the
 * one (target_find), without its write bits. -ENOENT with a message when
 * t has PITR off or as_of_ns is outside the window [asof_earliest, now].
 */
int asof_find(MDB_txn *txn, eng_db *db, const store_table *t, target *tg, int64_t as_of_ns,
	      int64_t now_ns, lay_err *err);

/* One key changed after the time of a set, and what it was at that time. */
typedef struct asof_entry {
	lay_buf pkenc, ienc; /* the key's encodings (lay_keyenc): partition key,
			      * and the listed value (sort key, or partition key
			      * in a table without one) */
	lay_key key;         /* values in the set's arena */
	uint64_t seq, hash;  /* its first change after the time; the index's hash */
	int existed;         /* it held an item then: */
	eng_meta meta;       /* its metadata (as asof_find makes it) */
	const unsigned char *image; /* its stored encoding, in the log record */
	size_t image_len;    /* (LMDB's: valid in the set's transaction) */
	int has_kept;        /* its metadata was kept there: */
	eng_meta kept;
} asof_entry;

/* The keys changed after a time, ordered by (pkenc, ienc). */
typedef struct asof_set {
	asof_entry *e;
	size_t n, cap;
	lay_item arena;
} asof_set;

/*
 * The keys of table t (those in partition pk only, when pk is not NULL)
 * with a change after as_of_ns, each with what it was then, into *out
 * (zeroed; free with asof_set_free, also after a failure, and before txn
 * ends: the images are LMDB's): what a listing
 * as of that time changes in the live one. Reads the log from the first
 * change after as_of_ns on, so it costs the changes since, not the
 * table's history. -ENOENT as asof_find outside the window.
 */
int asof_changes(MDB_txn *txn, eng_db *db, const store_table *t, const lay_value *pk,
		 int64_t as_of_ns, int64_t now_ns, asof_set *out, lay_err *err);
void asof_set_free(asof_set *s);

/* Adjust st, table t's statistics now, to what they were at as_of_ns
 * (count and size; times are left). -ENOENT as asof_find. */
int asof_stats(MDB_txn *txn, eng_db *db, const store_table *t, int64_t as_of_ns, int64_t now_ns,
	       store_stats *st, lay_err *err);

#endif
