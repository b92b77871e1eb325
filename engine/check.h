/* Private to engine/: the verifier's state and the helpers its three
 * files share -- check.c (records, counters, the walk), check_item.c
 * (partitions, items, long names, the expiry index) and check_log.c (the
 * change log, its index, streams). */
#ifndef ENG_CHECK_H
#define ENG_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "../layout/item.h"
#include "catalog.h"
#include "engine.h"
#include "store.h"

#define CHECK_NS 1000000000LL
/* TTL values this far in the past are ignored (layout/ttl.c): the sweep
 * drops their index rows and leaves the items as they are */
#define FIVE_YEARS_S (5LL * 365 * 24 * 3600)
#define LOG_KEY_LEN 12	  /* [tid][seq] */
#define IDX_KEY_LEN 28	  /* logkeys: [tid][hash][time][seq] */
#define STREAM_KEY_LEN 12 /* [tid][offset] */

/* OWNER_BROKEN: a record that does not decode, whose number was read */
enum { OWNER_TABLE = 1, OWNER_BACKUP, OWNER_BROKEN };

/* What a table number belongs to: a table, or a backup's (or a restore's)
 * record, with what the scan found under it. */
struct owner {
	uint32_t tid;
	int kind;
	store_table t; /* a backup's as store_bk_table reads it; a
			* broken record's name only */
	store_bk bk;   /* OWNER_BACKUP */
	int has_stats;
	store_stats stats;
	uint64_t items, size; /* the item rows found, and their sizes */
	int has_end;	      /* meta "stream_end:<tid>" */
	uint64_t stream_end;
	int has_stream; /* the last stream row seen: */
	uint64_t stream_next, stream_seq;
};

/* Rows of one database under a table number that nothing owns, counted
 * while they run (keys sort by table number) and told once. */
struct orphans {
	const char *dbi;
	uint32_t tid;
	uint64_t n;
};

/* One check: its transaction, what it read so far, what it told. */
struct chk {
	eng_db *db;
	MDB_txn *txn;
	MDB_cursor *probe; /* on items, for seeks */
	eng_check_fn fn;
	void *ctx;
	eng_check_stats st;
	int64_t now;
	uint64_t oid, tid, seq;		    /* the counters */
	uint64_t max_oid, max_tid, max_seq; /* the largest ids in use */
	char oid_user[160];		    /* where max_oid is used */
	struct owner *own;		    /* sorted by tid once the records are read */
	size_t nown, cap;
	int logkeys_empty; /* an open indexes the log (asof_backfill) */
	struct orphans orph;
	lay_buf a, b, c; /* scratch encodings */
	uint64_t *ids;	 /* every id in use, to find one used twice */
	size_t nids, idcap;
	int ids_lost; /* out of memory for them: not compared */
};

/* Tell one problem (the first ENG_CHECK_MAX_TOLD), count every one. */
void check_problem(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* -ENOMEM with the verifier's message. */
int check_nomem(lay_err *err);

/* Up to 24 bytes of a raw key in hex into out, for rows that say nothing
 * else; returns out. */
const char *check_hex(char *out, size_t size, const void *p, size_t len);

/* "table T", "backup B of table T", or "the restore into table T", into
 * out; returns out. */
const char *check_owner_name(const struct owner *o, char *out, size_t size);

/* An item's key as "pk \"a\"" or "pk \"a\", sk 1", into out; returns out. */
const char *check_key_name(const struct owner *o, const lay_key *k, char *out, size_t size);

/* The owner of a row whose key starts with a table number, or NULL (then
 * counted as a row of no table's, named dbi). */
struct owner *check_row_owner(struct chk *c, const char *dbi, const MDB_val *k);

/* id (an item's, a partition's or a table's: inode numbers, unique) is in
 * use by user, for the message should next_oid be behind it. */
void check_use_oid(struct chk *c, uint64_t id, const char *user);

/* 1 if o's rows are counted, not compared: a copy being made (a backup or
 * a restore), whose rows are whole only once it is done, or a record that
 * does not decode (its problem is told once). */
int check_unfinished(const struct owner *o);

/* Look key up in dbi: 1 found (*v set), 0 not, or < 0. */
int check_lookup(struct chk *c, MDB_dbi dbi, const void *key, size_t len, MDB_val *v, lay_err *err);

/* out = prefix (plen bytes) + the key part of the encoding enc: 0 or
 * -ENOMEM. */
int check_make_key(lay_buf *out, const void *prefix, size_t plen, const lay_buf *enc);

/* The rows of each database, one at a time: 0 (problems told), or < 0 when
 * the check cannot go on. check_item.c: */
int check_part_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);
int check_item_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);
int check_name_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);
int check_ttl_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);
/* check_log.c: */
int check_log_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);
int check_logkey_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);
int check_stream_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err);

#endif
