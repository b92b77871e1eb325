/* Private to engine/: what the engine does with a request's context
 * (req.c): the view every read of items goes through, the source a change
 * records, the units it consumed. */
#ifndef ENG_REQ_H
#define ENG_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "store.h"
#include "engine.h"

/* Start an operation: zero req's units (req may be NULL). */
void store_req_start(eng_req *req);

/* Start a read (zero req's units; req may be NULL) and run fn in a read
 * transaction of the view req asks for: the one place reads of items
 * choose what they see: the live view or a backup's (which the
 * table store_view_table finds says). -EOPNOTSUPP for an as-of view. */
int store_view_read(eng_db *db, eng_req *req, store_fn fn, void *ctx, lay_err *err);

/* As store_view_read, for the reads that know an as-of view (an item's
 * get): runs fn in a read transaction whatever the view; fn reads the view
 * with store_view_as_of. */
int store_view_read_items(eng_db *db, eng_req *req, store_fn fn, void *ctx, lay_err *err);

/* The time req reads as of, or -1 for the live view (req may be NULL). */
int64_t store_view_as_of(const eng_req *req);

/* The backup req reads (its number), or 0 for the live view or an as-of
 * one: store_view_table's argument. */
uint32_t store_view_backup(const eng_req *req);

/* Start a change: zero req's units (req may be NULL); -EROFS for an as-of
 * or backup view, since changes are made on the live data. */
int store_req_writable(eng_req *req, lay_err *err);

/* Where req's changes come from (ENG_SRC_FILE without a req). */
eng_source store_req_source(const eng_req *req);

/* The flags of a change record made by source. */
unsigned store_change_flags(eng_source source);

/* Capacity units of reading size bytes (4 KB each) and of writing them
 * (1 KB each); at least one. */
double store_units_read(uint64_t size);
double store_units_write(uint64_t size);

/* Add units to req (may be NULL). */
void store_req_charge(eng_req *req, double rcu, double wcu);

#endif
