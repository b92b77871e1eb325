/* DynamoDB's TTL rules (SPEC §9): an item's TTL attribute, a Number of
 * epoch seconds, says when it expires; values more than five years in the
 * past are ignored, as DynamoDB does. Pure. */
#ifndef LAY_TTL_H
#define LAY_TTL_H

#include <stdint.h>

#include "item.h"

/* The expiry of item it for a table whose TTL attribute is attr ("":
 * none): epoch seconds, or 0 when it never expires. */
int64_t lay_ttl_expiry(const lay_item *it, const char *attr, int64_t now_ns);

/* 1 if an item expiring at exp (epoch seconds, 0: never) has expired at
 * now_ns. */
int lay_ttl_expired(int64_t exp, int64_t now_ns);

#endif
