/* Private to engine/: the item cache (cache.c, SPEC §11), the DAX
 * analogue: items as eng_item_text renders them, with their metadata, by
 * table name, key and format, and whole listings as eng_list reads them,
 * LRU-bounded in bytes, each entry living a while on the db's clock. Every change invalidates before its writer
 * returns; see cache.c for why a reader never inserts what a writer
 * invalidated meanwhile. */
#ifndef ENG_CACHE_H
#define ENG_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "engine.h"

typedef struct store_icache store_icache;

/* An entry's name: table name, item key, format, and what a lookup that
 * missed saw, for the put after the read. Made by store_icache_key_make,
 * freed by store_icache_key_free. */
typedef struct store_icache_key {
	unsigned char *p;     /* table name, '\0', the key's values (small or malloc'ed) */
	size_t len;
	size_t name_len;      /* the table name's length */
	uint64_t hash;        /* of p: which bucket and which stripe */
	lay_format fmt;
	int64_t now;          /* the db clock when it was looked up */
	uint64_t sgen, ggen;  /* the stripe's and the global generation then */
	unsigned char small[256];
} store_icache_key;

/* A new cache of at most limit bytes (> 0) whose entries live ttl_ns
 * (> 0) of the db's clock. 0 or -ENOMEM. Free with store_icache_free. */
int store_icache_new(store_icache **out, size_t limit, int64_t ttl_ns);

/* Accepts NULL. */
void store_icache_free(store_icache *c);

/* Name (table, key, fmt) in k (borrowed for the call only: the bytes are
 * copied). 0, -EINVAL (a key value of a type no key has: not cached),
 * -ENOMEM. */
int store_icache_key_make(store_icache_key *k, const char *table, const lay_key *key,
			  lay_format fmt);
void store_icache_key_free(store_icache_key *k);

/* Name the listing of table's partition pk (NULL: the table's top level)
 * in k, for store_icache_get and store_icache_put: the text is what the
 * caller serialises; meta.expires the soonest expiry of what it lists (0:
 * none), after which it is not served. 0, -EINVAL, -ENOMEM as above. */
int store_icache_list_key_make(store_icache_key *k, const char *table, const lay_value *pk);

/* The largest text store_icache_put may keep (a listing larger is not
 * worth serialising). */
size_t store_icache_largest(const store_icache *c);

/*
 * Look k up at now (the db clock). A hit (1) appends the text to out and
 * fills *meta (may be NULL). A miss (0) notes in k the generations a put
 * of what the caller reads next must find unchanged: look up before the
 * read transaction begins. -ENOMEM: out could not grow (a miss, no put).
 */
int store_icache_get(store_icache *c, store_icache_key *k, int64_t now, lay_buf *out,
		     eng_meta *meta);

/* Keep text (len bytes) and meta as k's entry, read after k missed, unless
 * an invalidation of its item or table came between (then the text may be
 * older than a write that has returned), or it is too large to be worth
 * it. Copies everything. */
void store_icache_put(store_icache *c, const store_icache_key *k, const char *text, size_t len,
		      const eng_meta *meta);

/* Invalidate the item key of table in every format, with the listings
 * that show it (its partition's and the table's top level), after the
 * commit that changed it and before its writer returns. c may be NULL (no
 * cache). */
void store_icache_drop(store_icache *c, const char *table, const lay_key *key);

/* Invalidate the listings partition pk of table shows in: its own and the
 * table's top level (its metadata changed). c may be NULL. */
void store_icache_drop_part(store_icache *c, const char *table, const lay_value *pk);

/* Invalidate every item and listing of table (its name): a table created, deleted,
 * renamed (both names), re-keyed, restored, or its TTL attribute changed.
 * c may be NULL. */
void store_icache_drop_table(store_icache *c, const char *table);

/* The counters (c may be NULL: all zero). */
void store_icache_stats(store_icache *c, eng_cache_stats_t *out);

/* Tests only: called at the start of every store_icache_put with arg,
 * between a miss's read and its put; NULL (the default) in the daemon. */
extern void (*store_icache_before_put)(void *arg);
extern void *store_icache_before_put_arg;

#endif
