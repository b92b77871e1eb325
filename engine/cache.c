/* The item cache (SPEC §11): rendered items and their metadata by (table
 * name, item key, format), and whole listings of one directory level by
 * (table name, partition or none), in a hash table with an LRU list,
 * bounded in bytes, each entry living ttl_ns of the db's clock.
 *
 * Never stale. Writers invalidate after their commit and before they
 * return (events.c, item.c's set_meta, table.c, backup.c). A reader that
 * missed reads the row in a transaction of its own and puts what it read
 * afterwards; a writer may commit and invalidate in between, and the put
 * must not bring the old text back. So every invalidation bumps a
 * generation: the stripe's of the item (NSTRIPES, chosen by its hash: two
 * items that share one only cost each other a put now and then) or, for a
 * whole table, the global one. A lookup that misses notes both
 * generations; the put keeps the entry only if neither moved. All of it
 * happens under the one mutex, so the mutex's order decides:
 * - the writer's invalidation came before the miss's lookup: its commit
 *   came before too, and the read, which begins after the lookup, sees it;
 * - it came between the lookup and the put: the put sees a generation
 *   moved and keeps nothing;
 * - it came after the put: it removes the entry.
 * A lookup therefore happens before the read transaction begins.
 * A listing is an entry like an item's, under a name no item has (the
 * table name, then a 0 byte where an item's key has its type): every
 * invalidation of an item also drops, and bumps the stripes of, the
 * listing of its partition and the table's top level; a listing's meta
 * holds the soonest expiry of the items it lists, so that it goes stale
 * with the first of them.
 *
 * Lock order: mu is a leaf. Nothing is called out while it is held (no
 * engine call, no callback); only malloc and memcpy.
 */
#include "cache.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/hash.h"
#include "../layout/ttl.h"
#include "store.h"

/* stripes of generations (a power of two), picked by the hash's top bits */
#define NSTRIPES 4096
#define STRIPE(h) ((size_t)((h) >> 52) & (NSTRIPES - 1))
/* buckets at first: one per BYTES_PER_BUCKET of the limit (an item of
 * about 1 KB takes 1.2 KB), between these, so that a filling cache seldom
 * rehashes (each rehash reads every entry); the table doubles when entries
 * outnumber buckets */
#define BYTES_PER_BUCKET 2048
#define MIN_BUCKETS ((size_t)1024)
#define MAX_FIRST_BUCKETS ((size_t)1 << 20)
/* an entry larger than this part of the limit is not kept: one item must
 * not empty the cache */
#define LARGEST_PART 8

struct ent {
	struct ent *chain;          /* next in its bucket */
	struct ent *newer, *older;  /* the LRU list */
	uint64_t hash;
	int64_t born_ns;            /* the db clock at the lookup that missed */
	eng_meta meta;
	size_t charge;              /* bytes counted for it */
	uint32_t klen, tlen;
	lay_format fmt;
	unsigned char bytes[];      /* the key (klen), then the text (tlen) */
};

struct store_icache {
	pthread_mutex_t mu;
	size_t limit;
	int64_t ttl_ns;
	struct ent **tab;
	size_t nb;                  /* buckets: a power of two */
	struct ent lru;             /* sentinel: lru.older is the newest */
	size_t n, bytes;
	uint64_t hits, misses, evictions;
	uint64_t ggen;
	uint64_t sgen[NSTRIPES];
};

void (*store_icache_before_put)(void *arg);
void *store_icache_before_put_arg;

int store_icache_new(store_icache **out, size_t limit, int64_t ttl_ns)
{
	store_icache *c = calloc(1, sizeof(*c));
	size_t nb = MIN_BUCKETS;

	while (nb < MAX_FIRST_BUCKETS && nb < limit / BYTES_PER_BUCKET)
		nb *= 2;
	if (!c || !(c->tab = calloc(nb, sizeof(*c->tab)))) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->nb = nb;
	c->limit = limit;
	c->ttl_ns = ttl_ns;
	c->lru.newer = c->lru.older = &c->lru;
	*out = c;
	return 0;
}

void store_icache_free(store_icache *c)
{
	struct ent *e, *next;

	if (!c)
		return;
	for (e = c->lru.older; e != &c->lru; e = next) {
		next = e->older;
		free(e);
	}
	free(c->tab);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* ---- names ---- */

static int key_value_ok(const lay_value *v)
{
	return v->type == LAY_S || v->type == LAY_N || v->type == LAY_B;
}

/* [type][len, 4 bytes][bytes]: N is canonical text (layout/item.h), so
 * equal keys give equal bytes, as their LMDB keys are equal */
static unsigned char *put_value(unsigned char *p, const lay_value *v)
{
	uint32_t len = (uint32_t)v->len;

	*p++ = (unsigned char)v->type;
	memcpy(p, &len, 4);
	memcpy(p + 4, v->u.p, v->len);
	return p + 4 + v->len;
}

int store_icache_key_make(store_icache_key *k, const char *table, const lay_key *key,
			  lay_format fmt)
{
	size_t nlen = strlen(table), len;
	unsigned char *p;

	k->p = NULL;
	if (!key_value_ok(&key->pk) || (key->sk.type && !key_value_ok(&key->sk)))
		return -EINVAL;
	len = nlen + 1 + 5 + key->pk.len + 1 + (key->sk.type ? 4 + key->sk.len : 0);
	k->p = len <= sizeof(k->small) ? k->small : malloc(len);
	if (!k->p)
		return -ENOMEM;
	memcpy(k->p, table, nlen + 1);
	p = put_value(k->p + nlen + 1, &key->pk);
	if (key->sk.type)
		p = put_value(p, &key->sk);
	else
		*p++ = 0;
	k->len = (size_t)(p - k->p);
	k->name_len = nlen;
	k->hash = lay_hash64(k->p, k->len);
	k->fmt = fmt;
	k->now = 0;
	k->sgen = k->ggen = 0;
	return 0;
}

int store_icache_list_key_make(store_icache_key *k, const char *table, const lay_value *pk)
{
	size_t nlen = strlen(table), len;
	unsigned char *p;

	k->p = NULL;
	if (pk && !key_value_ok(pk))
		return -EINVAL;
	len = nlen + 1 + 1 + (pk ? 5 + pk->len : 1);
	k->p = len <= sizeof(k->small) ? k->small : malloc(len);
	if (!k->p)
		return -ENOMEM;
	memcpy(k->p, table, nlen + 1);
	p = k->p + nlen + 1;
	*p++ = 0; /* no item key starts so: a listing */
	if (pk)
		p = put_value(p, pk);
	else
		*p++ = 0;
	k->len = (size_t)(p - k->p);
	k->name_len = nlen;
	k->hash = lay_hash64(k->p, k->len);
	k->fmt = LAY_FMT_PLAIN;
	k->now = 0;
	k->sgen = k->ggen = 0;
	return 0;
}

size_t store_icache_largest(const store_icache *c)
{
	return c->limit / LARGEST_PART;
}

void store_icache_key_free(store_icache_key *k)
{
	if (k->p && k->p != k->small)
		free(k->p);
	k->p = NULL;
}

/* ---- the table and the list, under mu ---- */

static struct ent **bucket(store_icache *c, uint64_t hash)
{
	return &c->tab[hash & (c->nb - 1)];
}

static int same_key(const struct ent *e, const store_icache_key *k)
{
	return e->hash == k->hash && e->klen == k->len && memcmp(e->bytes, k->p, k->len) == 0;
}

static void lru_unlink(struct ent *e)
{
	e->newer->older = e->older;
	e->older->newer = e->newer;
}

/* Make e the newest. */
static void lru_push(store_icache *c, struct ent *e)
{
	e->newer = &c->lru;
	e->older = c->lru.older;
	c->lru.older->newer = e;
	c->lru.older = e;
}

/* Take e out of the table and the list, and free it. */
static void remove_ent(store_icache *c, struct ent *e)
{
	struct ent **pp = bucket(c, e->hash);

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	lru_unlink(e);
	c->n--;
	c->bytes -= e->charge;
	free(e);
}

/* Double the buckets (nothing happens when memory is short: chains only
 * grow longer). */
static void grow(store_icache *c)
{
	size_t nb = c->nb * 2, i;
	struct ent **tab = calloc(nb, sizeof(*tab)), *e, *next;

	if (!tab)
		return;
	for (i = 0; i < c->nb; i++) {
		for (e = c->tab[i]; e; e = next) {
			next = e->chain;
			e->chain = tab[e->hash & (nb - 1)];
			tab[e->hash & (nb - 1)] = e;
		}
	}
	free(c->tab);
	c->tab = tab;
	c->nb = nb;
}

/* 1 if e is past its time at now: its own (ttl_ns, or a clock that went
 * back) or its item's (TTL) */
static int stale(const store_icache *c, const struct ent *e, int64_t now)
{
	return now < e->born_ns || now - e->born_ns >= c->ttl_ns ||
	       lay_ttl_expired(e->meta.expires, now);
}

/* ---- lookups and puts ---- */

int store_icache_get(store_icache *c, store_icache_key *k, int64_t now, lay_buf *out,
		     eng_meta *meta)
{
	struct ent *e;
	int rc = 0;

	k->now = now;
	pthread_mutex_lock(&c->mu);
	for (e = *bucket(c, k->hash); e; e = e->chain)
		if (e->fmt == k->fmt && same_key(e, k))
			break;
	if (e && stale(c, e, now)) {
		remove_ent(c, e);
		e = NULL;
	}
	if (e) {
		if (lay_buf_add(out, e->bytes + e->klen, e->tlen) < 0) {
			rc = -ENOMEM;
		} else {
			if (meta)
				*meta = e->meta;
			lru_unlink(e);
			lru_push(c, e);
			c->hits++;
			rc = 1;
		}
	} else {
		c->misses++;
		k->sgen = c->sgen[STRIPE(k->hash)];
		k->ggen = c->ggen;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void store_icache_put(store_icache *c, const store_icache_key *k, const char *text, size_t len,
		      const eng_meta *meta)
{
	struct ent *e, **pp;
	size_t charge;

	if (store_icache_before_put)
		store_icache_before_put(store_icache_before_put_arg);
	if (len > UINT32_MAX || !(e = malloc(sizeof(*e) + k->len + len)))
		return;
	/* what it takes: the allocation as the allocator sizes it, its
	 * bookkeeping word and its bucket's share */
	charge = malloc_usable_size(e) + sizeof(size_t) + sizeof(*c->tab);
	if (charge > c->limit / LARGEST_PART) {
		free(e);
		return;
	}
	e->hash = k->hash;
	e->born_ns = k->now;
	e->meta = *meta;
	e->charge = charge;
	e->klen = (uint32_t)k->len;
	e->tlen = (uint32_t)len;
	e->fmt = k->fmt;
	memcpy(e->bytes, k->p, k->len);
	memcpy(e->bytes + k->len, text, len);

	pthread_mutex_lock(&c->mu);
	if (c->sgen[STRIPE(k->hash)] != k->sgen || c->ggen != k->ggen) {
		/* invalidated since the lookup: what was read may be old */
		pthread_mutex_unlock(&c->mu);
		free(e);
		return;
	}
	/* another reader's put of the same entry: the newer read wins */
	for (pp = bucket(c, k->hash); *pp; pp = &(*pp)->chain) {
		if ((*pp)->fmt == k->fmt && same_key(*pp, k)) {
			remove_ent(c, *pp);
			break;
		}
	}
	pp = bucket(c, k->hash);
	e->chain = *pp;
	*pp = e;
	lru_push(c, e);
	c->n++;
	c->bytes += charge;
	while (c->bytes > c->limit) {
		remove_ent(c, c->lru.newer);
		c->evictions++;
	}
	if (c->n > c->nb)
		grow(c);
	pthread_mutex_unlock(&c->mu);
}

/* ---- invalidation ---- */

/* Drop everything, as a table drop does (memory too short to name an
 * item: it must go all the same). Needs mu. */
static void drop_all(store_icache *c)
{
	while (c->lru.older != &c->lru)
		remove_ent(c, c->lru.older);
	c->ggen++;
}

/* Drop every entry named k (every format of an item) and bump its
 * stripe. Needs mu. */
static void drop_key(store_icache *c, const store_icache_key *k)
{
	struct ent **pp, *e;

	c->sgen[STRIPE(k->hash)]++;
	for (pp = bucket(c, k->hash); (e = *pp);) {
		if (same_key(e, k)) {
			remove_ent(c, e);
			continue; /* *pp is the next one now */
		}
		pp = &e->chain;
	}
}

/* Drop the listing of table's partition pk (NULL: its top level); memory
 * too short to name it drops everything. Needs mu. */
static void drop_list(store_icache *c, const char *table, const lay_value *pk)
{
	store_icache_key k;
	int rc = store_icache_list_key_make(&k, table, pk);

	if (rc == -EINVAL)
		return; /* no such listing is ever kept */
	if (rc < 0) {
		drop_all(c);
		return;
	}
	drop_key(c, &k);
	store_icache_key_free(&k);
}

void store_icache_drop(store_icache *c, const char *table, const lay_key *key)
{
	store_icache_key k;
	int rc;

	if (!c)
		return;
	rc = store_icache_key_make(&k, table, key, LAY_FMT_PLAIN);
	pthread_mutex_lock(&c->mu);
	if (rc == -ENOMEM) {
		drop_all(c);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if (rc == 0)
		drop_key(c, &k); /* -EINVAL: no such item is ever kept */
	/* the listings that show it: its partition's, and the top level,
	 * where its partition (or, without sort key, itself) is listed */
	if (key->sk.type)
		drop_list(c, table, &key->pk);
	drop_list(c, table, NULL);
	pthread_mutex_unlock(&c->mu);
	store_icache_key_free(&k);
}

void store_icache_drop_part(store_icache *c, const char *table, const lay_value *pk)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	drop_list(c, table, pk);
	drop_list(c, table, NULL);
	pthread_mutex_unlock(&c->mu);
}

void store_icache_drop_table(store_icache *c, const char *table)
{
	size_t nlen = strlen(table);
	struct ent *e, *next;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->ggen++;
	for (e = c->lru.older; e != &c->lru; e = next) {
		next = e->older;
		if (e->klen > nlen && e->bytes[nlen] == '\0' && memcmp(e->bytes, table, nlen) == 0)
			remove_ent(c, e);
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- counters ---- */

void store_icache_stats(store_icache *c, eng_cache_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	out->hits = c->hits;
	out->misses = c->misses;
	out->evictions = c->evictions;
	out->entries = c->n;
	out->bytes = c->bytes;
	out->limit = c->limit;
	out->ttl_ns = c->ttl_ns;
	pthread_mutex_unlock(&c->mu);
}

void eng_cache_stats(eng_db *db, eng_cache_stats_t *out)
{
	store_icache_stats(db->icache, out);
}
