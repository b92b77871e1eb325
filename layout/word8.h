/* Eight bytes at a time: tests on a 64-bit word of text that say whether
 * any of its bytes is of a kind, for the loops that skip the ordinary runs
 * of strings (scanning, validating, quoting). Each is the classic "some
 * byte is less than n" or "some byte equals c", exact as a yes or no. */
#ifndef LAY_WORD8_H
#define LAY_WORD8_H

#include <stdint.h>
#include <string.h>

#define LAY_W8_ONES 0x0101010101010101ull
#define LAY_W8_HIGHS 0x8080808080808080ull

/* The eight bytes at p, in memory order whatever the machine's. */
static inline uint64_t lay_w8_load(const void *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return x;
}

/* Nonzero when some byte of x is below n (n <= 0x80). */
static inline uint64_t lay_w8_below(uint64_t x, unsigned char n)
{
	return (x - LAY_W8_ONES * n) & ~x & LAY_W8_HIGHS;
}

/* Nonzero when some byte of x is c. */
static inline uint64_t lay_w8_has(uint64_t x, unsigned char c)
{
	uint64_t y = x ^ (LAY_W8_ONES * c);

	return (y - LAY_W8_ONES) & ~y & LAY_W8_HIGHS;
}

/* Nonzero when some byte of x is not ASCII. */
static inline uint64_t lay_w8_high(uint64_t x)
{
	return x & LAY_W8_HIGHS;
}

#endif
