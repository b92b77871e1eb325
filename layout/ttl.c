/* DynamoDB's TTL rules (SPEC §9): when an item expires, and whether it
 * has. Pure. */
#include "ttl.h"

#include <string.h>

#define NS 1000000000ll
#define FIVE_YEARS_S (5ll * 365 * 24 * 3600)

int64_t lay_ttl_expiry(const lay_item *it, const char *attr, int64_t now_ns)
{
	const lay_attr *a;
	const char *p;
	int64_t exp = 0;
	size_t i;

	if (!attr[0] || !(a = lay_item_find(it, attr, strlen(attr))) || a->v.type != LAY_N)
		return 0;
	p = a->v.u.p;
	if (p[0] == '-')
		return 0; /* before 1970: more than five years ago */
	for (i = 0; i < a->v.len && p[i] != '.'; i++) {
		if (i == 15)
			return 0; /* past year 30 million: never */
		exp = exp * 10 + (p[i] - '0');
	}
	/* values more than five years in the past are ignored, as DynamoDB does;
	 * the clock only moves forward, so they never expire */
	if (exp == 0 || exp < now_ns / NS - FIVE_YEARS_S)
		return 0;
	return exp;
}

int lay_ttl_expired(int64_t exp, int64_t now_ns)
{
	/* exp <= now in whole seconds: exp * NS would overflow past year 2262 */
	return exp != 0 && exp <= now_ns / NS && exp >= now_ns / NS - FIVE_YEARS_S;
}
