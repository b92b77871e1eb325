/* Private to engine/: appending the record of an item-level change, in the
 * transaction of the change: the change log's (log.c, tables with PITR on)
 * and the stream's (stream.c, tables with a stream on). */
#ifndef ENG_CHANGE_H
#define ENG_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/item.h"
#include "catalog.h"
#include "store.h"
#include "engine.h"

/*
 * Take the next sequence number and append the records of one change of
 * table t (as the transaction sees it): event with flags (ENG_CHANGE_*) of
 * key at time_ns; old/new are lay_codec encodings of the images (len 0:
 * none), old_meta the old item's metadata (its owner, mode and times, kept
 * with the old image: what a point in time shows of it). Changes told in
 * one transaction get increasing numbers in the order they are told.
 */
/* The change records' layout (log.c writes it, asof_record_parse reads
 * it): version 2 keeps the old item's metadata after its old image. */
#define STORE_LOG_VERSION 2

int store_log_change(MDB_txn *txn, eng_db *db, const store_table *t, int64_t time_ns,
		     eng_event event, unsigned flags, const lay_key *key, const void *old,
		     size_t old_len, const eng_meta *old_meta, const void *new_img,
		     size_t new_len, lay_err *err);

/* stream.c: render and append the stream record of change seq (the rest
 * as store_log_change's). */
int store_stream_append(MDB_txn *txn, eng_db *db, const store_table *t, uint64_t seq,
			int64_t time_ns, eng_event event, unsigned flags, const lay_key *key,
			const void *old, size_t old_len, const void *new_img, size_t new_len,
			lay_err *err);

#endif
