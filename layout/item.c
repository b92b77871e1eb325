/* The item model (SPEC §5): the per-item arena, lookup, deep copy,
 * DynamoDB's item-size rule, order-insensitive equality and the key order
 * of SPEC §3. */
#include "item.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "num.h"

/*
 * One arena chunk. Chunks form a list headed by the chunk being filled;
 * big requests get a chunk of their own, linked behind the head so the
 * head's free space is not abandoned.
 */
struct lay_chunk {
	struct lay_chunk *next;
	size_t cap; /* usable bytes after the header */
	size_t used;
};

#define CHUNK_HDR ((sizeof(struct lay_chunk) + 7) & ~(size_t)7)
#define CHUNK_FIRST 256 /* many items are small: a node's key, a key-only item */
#define CHUNK_MAX (256 * 1024)

static char *chunk_data(struct lay_chunk *c)
{
	return (char *)c + CHUNK_HDR;
}

static struct lay_chunk *chunk_new(size_t cap)
{
	struct lay_chunk *c;

	if (cap > SIZE_MAX - CHUNK_HDR)
		return NULL;
	c = malloc(CHUNK_HDR + cap);
	if (!c)
		return NULL;
	c->next = NULL;
	c->cap = cap;
	c->used = 0;
	return c;
}

/* n bytes from it's arena, 8-byte aligned, left as they are (see
 * lay_item_alloc). */
static void *arena_take(lay_item *it, size_t n)
{
	struct lay_chunk *head = it->arena, *c;
	size_t want, cap;
	char *p;

	/* zero-byte requests still get a distinct, valid pointer */
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - 7 - CHUNK_HDR)
		return NULL;
	want = (n + 7) & ~(size_t)7;
	if (head && head->cap - head->used >= want) {
		p = chunk_data(head) + head->used;
		head->used += want;
		return p;
	}
	cap = head ? head->cap * 2 : CHUNK_FIRST;
	if (cap > CHUNK_MAX)
		cap = CHUNK_MAX;
	if (want > cap / 2) {
		/* a big request: its own chunk, exactly sized */
		c = chunk_new(want);
		if (!c)
			return NULL;
		c->used = want;
		if (head) {
			c->next = head->next;
			head->next = c;
		} else {
			it->arena = c;
		}
		return chunk_data(c);
	}
	c = chunk_new(cap);
	if (!c)
		return NULL;
	c->next = head;
	it->arena = c;
	c->used = want;
	return chunk_data(c);
}

void *lay_item_alloc(lay_item *it, size_t n)
{
	void *p = arena_take(it, n);

	if (p)
		memset(p, 0, n ? n : 1);
	return p;
}

char *lay_item_strdup(lay_item *it, const void *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		return NULL;
	s = arena_take(it, len + 1);
	if (!s)
		return NULL;
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void lay_item_free(lay_item *it)
{
	struct lay_chunk *c, *next;

	if (!it)
		return;
	for (c = it->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	it->a = NULL;
	it->n = 0;
	it->arena = NULL;
}

static int name_eq(const lay_attr *a, const char *name, size_t name_len)
{
	return a->name_len == name_len && memcmp(a->name, name, name_len) == 0;
}

const lay_attr *lay_item_find(const lay_item *it, const char *name, size_t name_len)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		if (name_eq(&it->a[i], name, name_len))
			return &it->a[i];
	return NULL;
}

/*
 * Deep copy. On -ENOMEM *out may be partly written; whatever was allocated
 * stays in dst's arena and dies with it.
 */
int lay_value_copy(lay_item *dst, lay_value *out, const lay_value *v)
{
	lay_value r = *v;
	size_t i;

	switch (v->type) {
	case LAY_S:
	case LAY_N:
	case LAY_B:
		r.u.p = lay_item_strdup(dst, v->u.p, v->len);
		if (!r.u.p)
			return -ENOMEM;
		break;
	case LAY_M:
		if (v->len > SIZE_MAX / sizeof(lay_attr))
			return -ENOMEM;
		r.u.a = lay_item_alloc(dst, v->len * sizeof(lay_attr));
		if (!r.u.a)
			return -ENOMEM;
		for (i = 0; i < v->len; i++) {
			const lay_attr *src = &v->u.a[i];

			r.u.a[i].name = lay_item_strdup(dst, src->name, src->name_len);
			if (!r.u.a[i].name)
				return -ENOMEM;
			r.u.a[i].name_len = src->name_len;
			if (lay_value_copy(dst, &r.u.a[i].v, &src->v) < 0)
				return -ENOMEM;
		}
		break;
	case LAY_L:
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		if (v->len > SIZE_MAX / sizeof(lay_value))
			return -ENOMEM;
		r.u.v = lay_item_alloc(dst, v->len * sizeof(lay_value));
		if (!r.u.v)
			return -ENOMEM;
		for (i = 0; i < v->len; i++)
			if (lay_value_copy(dst, &r.u.v[i], &v->u.v[i]) < 0)
				return -ENOMEM;
		break;
	default:
		/* BOOL, NULL and the empty slot (type 0) carry no pointer */
		break;
	}
	*out = r;
	return 0;
}

size_t lay_value_size(const lay_value *v)
{
	size_t i, n;

	switch (v->type) {
	case LAY_S:
	case LAY_B:
		return v->len;
	case LAY_N:
		return (lay_num_digits(v->u.p, v->len) + 1) / 2 + 1 +
		       (v->len > 0 && v->u.p[0] == '-');
	case LAY_BOOL:
	case LAY_NULL:
		return 1;
	case LAY_M:
		n = 3;
		for (i = 0; i < v->len; i++)
			n += 1 + v->u.a[i].name_len + lay_value_size(&v->u.a[i].v);
		return n;
	case LAY_L:
		n = 3;
		for (i = 0; i < v->len; i++)
			n += 1 + lay_value_size(&v->u.v[i]);
		return n;
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		n = 0;
		for (i = 0; i < v->len; i++)
			n += lay_value_size(&v->u.v[i]);
		return n;
	}
	return 0;
}

size_t lay_item_size(const lay_item *it)
{
	size_t i, n = 0;

	for (i = 0; i < it->n; i++)
		n += it->a[i].name_len + lay_value_size(&it->a[i].v);
	return n;
}

/* Byte order, a proper prefix first: names, S, B and set members. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

static int attr_ptr_cmp(const void *x, const void *y)
{
	const lay_attr *a = *(const lay_attr *const *)x, *b = *(const lay_attr *const *)y;

	return bytes_cmp(a->name, a->name_len, b->name, b->name_len);
}

static int scalar_ptr_cmp(const void *x, const void *y)
{
	const lay_value *a = *(const lay_value *const *)x, *b = *(const lay_value *const *)y;

	return bytes_cmp(a->u.p, a->len, b->u.p, b->len);
}

/* Comparators of pointers to elements, held as const char * by find_dup. */
static int attr_at_cmp(const void *x, const void *y)
{
	const lay_attr *a = (const void *)*(const char *const *)x;
	const lay_attr *b = (const void *)*(const char *const *)y;

	return bytes_cmp(a->name, a->name_len, b->name, b->name_len);
}

static int scalar_at_cmp(const void *x, const void *y)
{
	const lay_value *a = (const void *)*(const char *const *)x;
	const lay_value *b = (const void *)*(const char *const *)y;

	return bytes_cmp(a->u.p, a->len, b->u.p, b->len);
}

/* Sort pointers to the n elements of size bytes at base with cmp, so equal
 * ones become neighbours (n log n, whatever n is); *out is the index of one
 * that has an equal, or n. */
static int find_dup(size_t *out, const void *base, size_t n, size_t size,
		    int (*cmp)(const void *, const void *))
{
	const char **s;
	size_t i;

	*out = n;
	if (n < 2)
		return 0;
	if (!(s = malloc(n * sizeof(*s))))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		s[i] = (const char *)base + i * size;
	qsort(s, n, sizeof(*s), cmp);
	for (i = 1; i < n; i++) {
		if (cmp(&s[i - 1], &s[i]) == 0) {
			*out = (size_t)(s[i] - (const char *)base) / size;
			break;
		}
	}
	free(s);
	return 0;
}

int lay_attrs_find_dup(size_t *out, const lay_attr *a, size_t n)
{
	return find_dup(out, a, n, sizeof(*a), attr_at_cmp);
}

int lay_values_find_dup(size_t *out, const lay_value *v, size_t n)
{
	return find_dup(out, v, n, sizeof(*v), scalar_at_cmp);
}

int lay_set_check_unique(lay_err *err, const lay_value *set, size_t shown)
{
	lay_buf text = LAY_BUF_INIT;
	const lay_value *d;
	size_t i;
	int rc;

	if ((rc = lay_values_find_dup(&i, set->u.v, set->len)) < 0 || i == set->len)
		return rc;
	d = &set->u.v[i];
	if (set->type == LAY_BS)
		rc = lay_b64_encode(&text, d->u.p, d->len);
	else
		rc = lay_buf_add(&text, d->u.p, d->len);
	if (rc == 0)
		rc = lay_err_set(err, -EINVAL, "One or more parameter values were invalid: Input "
				 "collection contains duplicates: %.*s%s appears more than once",
				 (int)(text.len > shown ? shown : text.len),
				 text.p ? text.p : "", text.len > shown ? "..." : "");
	else
		rc = -ENOMEM;
	lay_buf_free(&text);
	return rc;
}

static int scalar_eq(const lay_value *a, const lay_value *b)
{
	return a->len == b->len && memcmp(a->u.p, b->u.p, a->len) == 0;
}

/*
 * Attribute lists as sets of names (top level and M). Members usually come
 * in the same order, so that is tried first; otherwise both sides are
 * sorted by name (n log n, so a put of a huge item stays cheap), falling
 * back to pairwise search if the sort's scratch cannot be allocated.
 */
static int attrs_equal(const lay_attr *a, const lay_attr *b, size_t n)
{
	const lay_attr **sa, **sb;
	size_t i, j, k;
	int eq = 1;

	for (k = 0; k < n; k++)
		if (!name_eq(&a[k], b[k].name, b[k].name_len))
			break;
		else if (!lay_value_equal(&a[k].v, &b[k].v))
			return 0;
	if (k == n)
		return 1;
	sa = malloc(2 * (n - k) * sizeof(*sa));
	if (!sa) {
		for (i = k; i < n; i++) {
			for (j = k; j < n; j++)
				if (name_eq(&b[j], a[i].name, a[i].name_len))
					break;
			if (j == n || !lay_value_equal(&a[i].v, &b[j].v))
				return 0;
		}
		return 1;
	}
	sb = sa + (n - k);
	for (i = k; i < n; i++) {
		sa[i - k] = &a[i];
		sb[i - k] = &b[i];
	}
	qsort(sa, n - k, sizeof(*sa), attr_ptr_cmp);
	qsort(sb, n - k, sizeof(*sb), attr_ptr_cmp);
	for (i = 0; i < n - k && eq; i++)
		eq = name_eq(sa[i], sb[i]->name, sb[i]->name_len) &&
		     lay_value_equal(&sa[i]->v, &sb[i]->v);
	free(sa);
	return eq;
}

/* Set members (S, N or B; canonical N text makes byte equality numeric
 * equality), any order. Same strategy as attrs_equal. */
static int members_equal(const lay_value *a, const lay_value *b, size_t n)
{
	const lay_value **sa, **sb;
	size_t i, j, k;
	int eq = 1;

	for (k = 0; k < n; k++)
		if (!lay_value_equal(&a[k], &b[k]))
			break;
	if (k == n)
		return 1;
	sa = malloc(2 * (n - k) * sizeof(*sa));
	if (!sa) {
		for (i = k; i < n; i++) {
			for (j = k; j < n; j++)
				if (lay_value_equal(&a[i], &b[j]))
					break;
			if (j == n)
				return 0;
		}
		return 1;
	}
	sb = sa + (n - k);
	for (i = k; i < n; i++) {
		sa[i - k] = &a[i];
		sb[i - k] = &b[i];
	}
	qsort(sa, n - k, sizeof(*sa), scalar_ptr_cmp);
	qsort(sb, n - k, sizeof(*sb), scalar_ptr_cmp);
	for (i = 0; i < n - k && eq; i++)
		eq = lay_value_equal(sa[i], sb[i]);
	free(sa);
	return eq;
}

int lay_value_equal(const lay_value *a, const lay_value *b)
{
	size_t i;

	if (a->type != b->type || a->len != b->len)
		return 0;
	switch (a->type) {
	case LAY_S:
	case LAY_N:
	case LAY_B:
		return scalar_eq(a, b);
	case LAY_M:
		return attrs_equal(a->u.a, b->u.a, a->len);
	case LAY_L:
		for (i = 0; i < a->len; i++)
			if (!lay_value_equal(&a->u.v[i], &b->u.v[i]))
				return 0;
		return 1;
	case LAY_SS:
	case LAY_NS:
	case LAY_BS:
		return members_equal(a->u.v, b->u.v, a->len);
	default:
		/* BOOL and NULL: len holds the whole value */
		return 1;
	}
}

int lay_item_equal(const lay_item *a, const lay_item *b)
{
	return a->n == b->n && attrs_equal(a->a, b->a, a->n);
}

/* Values of different types order by type, so the order stays total. */
int lay_value_cmp(const lay_value *a, const lay_value *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	switch (a->type) {
	case LAY_S:
	case LAY_B:
		return bytes_cmp(a->u.p, a->len, b->u.p, b->len);
	case LAY_N:
		return lay_num_cmp(a->u.p, a->len, b->u.p, b->len);
	default:
		return 0;
	}
}

/* Indexed by lay_type, whose values run from LAY_S = 1 to LAY_BS. */
static const char *const type_names[] = {"?", "S", "N",	 "B",  "BOOL", "NULL",
					 "M", "L", "SS", "NS", "BS"};
_Static_assert(sizeof(type_names) / sizeof(type_names[0]) == LAY_BS + 1, "one name per type");

const char *lay_type_name(lay_type t)
{
	if ((int)t < LAY_S || (int)t > LAY_BS)
		return "?";
	return type_names[t];
}

lay_type lay_type_parse(const char *s, size_t len)
{
	int t;

	for (t = LAY_S; t <= LAY_BS; t++)
		if (strlen(type_names[t]) == len && memcmp(type_names[t], s, len) == 0)
			return (lay_type)t;
	return 0;
}
