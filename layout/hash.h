/* One 64-bit hash for the whole tree: FNV-1a, with an optional final mix
 * (splitmix64's) that spreads every input bit over every output bit. Not
 * for adversaries: for names of long keys, cut LMDB keys and the journal's
 * content checks, where any change of the input must change the value. */
#ifndef LAY_HASH_H
#define LAY_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LAY_FNV_INIT 0xcbf29ce484222325ULL

/* Go on hashing len bytes of p from state h (LAY_FNV_INIT to start). */
static inline uint64_t lay_fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

/* The final mix. */
static inline uint64_t lay_hash_mix(uint64_t h)
{
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* FNV-1a of len bytes of p, mixed. */
static inline uint64_t lay_hash64(const void *p, size_t len)
{
	return lay_hash_mix(lay_fnv1a(LAY_FNV_INIT, p, len));
}

#endif
