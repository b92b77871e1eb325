/* Items (SPEC §5, §6): get, put, delete, rename and list, each one LMDB
 * write transaction that also appends its change-log record (log.h).
 * Every operation takes a request's context req after db (types.h
 * eng_req; NULL: live, uid 0, source file, cost not reported): a read in an
 * as-of view fails with -EOPNOTSUPP, a change in one with -EROFS. */
#ifndef ENG_ITEM_H
#define ENG_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/item.h"
#include "../layout/schema.h"
#include "db.h"
#include "table.h"
#include "types.h"

/* Flags of eng_item_put */
#define ENG_PUT_EXCL 0x100u      /* -EEXIST if the item exists (O_EXCL) */
#define ENG_PUT_MUST_EXIST 0x200u /* -ENOENT if it does not */

/*
 * Read the item with key key (its values borrowed; type-checked against
 * the schema). out (LAY_ITEM_INIT, may be NULL) gets a copy of the item,
 * meta (may be NULL) its metadata. Errors: -ENOENT (no table or no item),
 * -EINVAL (key of the wrong type).
 */
int eng_item_get(eng_db *db, eng_req *req, const char *table, const lay_key *key, lay_item *out,
		 eng_meta *meta, lay_err *err);

/*
 * PutItem. item must hold its key attributes (lay_item_set_key); it is
 * validated against the table (lay_item_validate) before anything is
 * written. meta gives the metadata to set; flags' low bits (ENG_META_*)
 * say which of its fields to apply. A new item gets id assigned, mode 0644,
 * uid/gid 0 and times of now for the fields not given. An existing item
 * keeps its id and the fields not given; if its attributes changed, mtime
 * and ctime become now unless given.
 * A put that changes no attribute writes no log record and keeps mtime
 * (only the given metadata is applied): *ev is then ENG_UNCHANGED.
 * ev and meta_out (may be NULL) receive the outcome and the stored metadata.
 * Errors: -ENOENT (no table), -EINVAL, -EFBIG (with lay_item_validate's
 * message), -EEXIST (ENG_PUT_EXCL), -ENOENT (ENG_PUT_MUST_EXIST).
 */
int eng_item_put(eng_db *db, eng_req *req, const char *table, const lay_item *item,
		 const eng_meta *meta, unsigned flags, eng_event *ev, eng_meta *meta_out,
		 lay_err *err);

/*
 * UpdateItem of one attribute in one write transaction: set attribute name
 * of the existing item with key key to value v (borrowed; added last if
 * the item lacks it), validate and write it with its change record, as
 * eng_item_put would. A write between a read and a put cannot be lost.
 * ev and meta_out (may be NULL) receive the outcome and metadata.
 * Errors: -ENOENT (no table or no item), -EINVAL (name is a key attribute,
 * or the result is invalid), -EFBIG.
 */
int eng_item_set_attr(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		      const char *name, const lay_value *v, eng_event *ev, eng_meta *meta_out,
		      lay_err *err);

/* DeleteItem. old_meta (may be NULL) gets the deleted item's metadata.
 * -ENOENT if there was no such item. */
int eng_item_delete(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		    eng_meta *old_meta, lay_err *err);

/*
 * One transaction: delete the item at from, put it at to with its key
 * attributes rewritten to to's key (other attributes and metadata, id
 * included, kept; ctime becomes now). An item at to is replaced, unless
 * noreplace (-EEXIST). from == to is a no-op. Log: REMOVE of from, then
 * INSERT or MODIFY of to. Errors: -ENOENT (no from), -EEXIST, -EINVAL,
 * -EFBIG (the rewritten key can make the item too large).
 */
int eng_item_rename(eng_db *db, eng_req *req, const char *table, const lay_key *from,
		    const lay_key *to, int noreplace, lay_err *err);

/* Set metadata fields (which: ENG_META_*) of an item; no log record.
 * meta_out (may be NULL) gets the result. -ENOENT. */
int eng_item_set_meta(eng_db *db, eng_req *req, const char *table, const lay_key *key,
		      const eng_meta *meta, unsigned which, eng_meta *meta_out, lay_err *err);

/* One entry of a listing; everything is borrowed for the callback only. */
typedef struct eng_entry {
	const lay_value *key;      /* the partition's value, or the item's key value in
	                            * its directory (sort key; partition key in a table
	                            * without sort key) */
	int is_partition;
	const eng_meta *meta;      /* items */
	const eng_dirmeta *dir;    /* partitions */
	const lay_item *item;      /* items, with ENG_LIST_ITEMS only */
} eng_entry;

/* Return 0 to go on, 1 to stop (eng_list then returns 0), < 0 to fail with it. */
typedef int (*eng_list_cb)(void *ctx, const eng_entry *e);

#define ENG_LIST_ITEMS 0x1u  /* decode each item for the callback */

/*
 * List, in DynamoDB key order, in one read transaction: with pk == NULL the
 * top level of the table (partitions of a table with a sort key, items of
 * a table without), else the items of partition pk. after (may be NULL)
 * resumes strictly after that key value (the cursor of a paged listing;
 * it need not exist any more). Stops after max entries (0: no limit).
 * Errors: -ENOENT (no table; or pk given for a table without sort key),
 * -EINVAL (a key of the wrong type), or the callback's.
 */
int eng_list(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
	     const lay_value *after, size_t max, unsigned flags, eng_list_cb cb, void *ctx,
	     lay_err *err);

/* A partition's directory metadata. -ENOENT if it holds no item. */
int eng_part_get(eng_db *db, eng_req *req, const char *table, const lay_value *pk, eng_dirmeta *out,
		 lay_err *err);

/* Set a partition directory's metadata (which: ENG_META_*). -ENOENT. */
int eng_part_set_meta(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		      const eng_dirmeta *m, unsigned which, lay_err *err);

/*
 * Resolve a long, hashed name (layout/name.h): find the key value whose
 * lay_name_hash is hash, among the partitions of the table (pk == NULL and
 * the table has a sort key), the items of a table without sort key
 * (pk == NULL), or the items of partition pk. The value's bytes go to
 * store's arena. -ENOENT if none.
 */
int eng_resolve_hash(eng_db *db, eng_req *req, const char *table, const lay_value *pk,
		     uint64_t hash, lay_item *store, lay_value *out, lay_err *err);

#endif
