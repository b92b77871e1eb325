/* Helpers of the layout unit tests: values and items built by hand, not
 * parsed; every byte goes into the item's arena. */
#ifndef ITEMS_H
#define ITEMS_H

#include <string.h>

#include "../../layout/item.h"

static inline lay_value scalar(lay_item *it, lay_type t, const void *p, size_t len)
{
	lay_value v = {t, len, {NULL}};

	v.u.p = lay_item_strdup(it, p, len);
	return v;
}

static inline lay_value S(lay_item *it, const char *s)
{
	return scalar(it, LAY_S, s, strlen(s));
}

static inline lay_value N(lay_item *it, const char *s)
{
	return scalar(it, LAY_N, s, strlen(s));
}

static inline lay_value B(lay_item *it, const void *p, size_t len)
{
	return scalar(it, LAY_B, p, len);
}

/* L or a set of n elements copied from e. */
static inline lay_value list(lay_item *it, lay_type t, size_t n, const lay_value *e)
{
	lay_value v = {t, n, {NULL}};

	v.u.v = lay_item_alloc(it, n * sizeof(lay_value));
	if (n)
		memcpy(v.u.v, e, n * sizeof(lay_value));
	return v;
}

static inline lay_value map(lay_item *it, size_t n, const char *const *names,
			    const lay_value *vals)
{
	lay_value v = {LAY_M, n, {NULL}};
	size_t i;

	v.u.a = lay_item_alloc(it, n * sizeof(lay_attr));
	for (i = 0; i < n; i++) {
		v.u.a[i].name_len = strlen(names[i]);
		v.u.a[i].name = lay_item_strdup(it, names[i], v.u.a[i].name_len);
		v.u.a[i].v = vals[i];
	}
	return v;
}

/* Append a top-level attribute (the array is rebuilt in the arena). */
static inline void add(lay_item *it, const char *name, lay_value v)
{
	lay_attr *a = lay_item_alloc(it, (it->n + 1) * sizeof(lay_attr));

	if (it->n)
		memcpy(a, it->a, it->n * sizeof(lay_attr));
	a[it->n].name_len = strlen(name);
	a[it->n].name = lay_item_strdup(it, name, a[it->n].name_len);
	a[it->n].v = v;
	it->a = a;
	it->n++;
}

#endif
