/* Private to engine/: the rows an item is stored in (row.c) -- its item
 * row, its partition's row, the names row of a long name, its entry in the
 * expiry index -- their byte formats, where they live (target), and
 * writing and removing them. The keys are described at the top of store.c. */
#ifndef ENG_ROW_H
#define ENG_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "../layout/item.h"
#include "catalog.h"
#include "store.h"
#include "engine.h"

#define ROW_NAMED 0x2u /* a names row exists for this key (long name) */

/* meta.len when the row does not hold it for the db's format (row_len) */
#define ROW_LEN_UNKNOWN UINT32_MAX

/* An item row, parsed: its pointers borrow the bytes it was parsed from. */
typedef struct item_row {
	unsigned flags;               /* ROW_NAMED */
	eng_meta meta;                /* len: ROW_LEN_UNKNOWN until row_len */
	int len_fmt;                  /* the format the row's cached length is for */
	uint32_t len_raw;             /* ... and that length; len_fmt < 0: none */
	const unsigned char *fullkey; /* the full key encoding when the LMDB key is
	                               * cut, else NULL */
	size_t fullkey_len;
	const unsigned char *data;    /* lay_codec encoding */
	size_t data_len;
} item_row;

/* A partition row, parsed: enc borrows the bytes it was parsed from. */
typedef struct part_row {
	unsigned flags;               /* ROW_NAMED */
	eng_dirmeta dm;
	const unsigned char *enc;     /* full encoding of the partition key */
	size_t enc_len;
} part_row;

/* Parse p (len bytes) into out, meta.len for format fmt (the db's): 0, or
 * -EIO when it is corrupt. */
int row_item_parse(item_row *out, const void *p, size_t len, lay_format fmt, lay_err *err);

/* Make r->meta.len known: the rendering's length in fmt, from the row's
 * cache or by decoding the item. 0, -EIO, -ENOMEM. */
int row_len(item_row *r, lay_format fmt, lay_err *err);
int row_part_parse(part_row *out, const void *p, size_t len, lay_err *err);

/* Replace out with the row r describes (its length cache: meta.len for
 * len_fmt when known, else len_raw): 0 or -ENOMEM. */
int row_item_build(lay_buf *out, const item_row *r);
int row_part_build(lay_buf *out, const part_row *p);

/* The stored form of an item and what eng_meta says of it. */
typedef struct encoded {
	lay_buf enc;
	uint32_t len, size;   /* len: of its rendering in the db's format */
} encoded;

/* Encode it into out (whose buffer is reused; the caller frees out->enc);
 * len is the length of its rendering in fmt, counted, not rendered. */
int encode_item(encoded *out, const lay_item *it, lay_format fmt, lay_err *err);

/*
 * Where an item lives. target_init encodes the key (no transaction);
 * target_find looks its partition and row up in a transaction and copies
 * them, because LMDB memory may change under later writes of the same
 * transaction. target_free frees (it may be called again, and on a
 * zeroed target).
 */
typedef struct target {
	const store_table *t;
	lay_key key;              /* borrowed from the caller */
	const lay_value *ival;    /* the key value in its directory: sk, or pk */
	int composite;
	lay_buf pkenc, skenc;     /* full encodings */
	const lay_buf *ienc;      /* &skenc, or &pkenc without sort key */
	lay_buf pkey;             /* parts key [tid][pk part] */
	lay_buf ikey;             /* items key [tid][pid][key part] */
	lay_buf partbuf, rowbuf;  /* copies of the rows found */
	int has_part;
	uint64_t pid;
	part_row prow;
	int exists;
	int collides;             /* an LMDB key shared with another, cut key */
	item_row r;
	/* a partition target_write creates takes this id and metadata instead
	 * of new ones (a re-key keeps a partition that keeps its name) */
	const eng_dirmeta *reuse_dm;
	/* a read transaction's target: its rows are parsed where LMDB keeps
	 * them (stable until the transaction ends) instead of copied */
	int borrow;
	/* only the partition is wanted: target_find looks up no item */
	int part_only;
} target;

/* Check key against t's schema (-EINVAL) and encode it; t and key are
 * borrowed for the target's life. */
int target_init(target *tg, const store_table *t, const lay_key *key, lay_err *err);
int target_find(MDB_txn *txn, eng_db *db, target *tg, lay_err *err);
void target_free(target *tg);

/*
 * Write the item row of tg (found by target_find) with metadata m and
 * encoding data: creates its partition (owned by m's uid/gid) if needed,
 * its names row if new and long, keeps its expiry index entry, and moves
 * directory times to now where an entry appears. st gets the table
 * directory's new times.
 */
int target_write(MDB_txn *txn, eng_db *db, target *tg, const eng_meta *m, const void *data,
		 size_t dlen, int64_t now, store_stats *st, lay_err *err);

/* Delete the item row of tg (which exists), its names row and index entry,
 * and its partition when it was the last item there; directory times move. */
int target_remove(MDB_txn *txn, eng_db *db, target *tg, int64_t now, store_stats *st,
		  lay_err *err);

/* Rewrite tg's partition row with tg->prow. */
int target_part_write(MDB_txn *txn, eng_db *db, target *tg, lay_err *err);

/* The expiry index: [tid][exp][items key without tid] -> "". add != 0
 * puts the entry of the item at items key ikey, else deletes it. */
int store_ttl_index(MDB_txn *txn, eng_db *db, const void *ikey, size_t ilen, int64_t exp,
		    int add, lay_err *err);

/* A short description of a key value for messages. */
void store_value_desc(char *dst, size_t dsz, const lay_value *v);

/* -ENOENT naming the key that table t lacks. */
int store_no_item(const store_table *t, const lay_key *key, lay_err *err);

/* -EIO: two different long keys share an LMDB key in table t. */
int store_collision(const store_table *t, lay_err *err);

#endif
