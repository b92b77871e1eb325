/* Unit tests of layout/item.c: the arena, lookup, deep copy, DynamoDB's
 * item-size rule for every type (SPEC §5), order-insensitive equality and
 * the key order of SPEC §3. Items are built by hand, not parsed. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../../layout/item.h"
#include "check.h"
#include "items.h"

static lay_value BOOL(int b)
{
	lay_value v = {LAY_BOOL, (size_t)b, {NULL}};

	return v;
}

static lay_value NUL(void)
{
	lay_value v = {LAY_NULL, 0, {NULL}};

	return v;
}

static void test_item_alloc__memory_is_zeroed_and_8_byte_aligned(void)
{
	lay_item it = LAY_ITEM_INIT;
	size_t sizes[] = {1, 3, 8, 13, 100, 700, 1024, 5000, 100000, 7, 2};
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = lay_item_alloc(&it, sizes[i]);

		CHECK(p != NULL);
		CHECK(((uintptr_t)p & 7) == 0);
		for (j = 0; j < sizes[i]; j++)
			if (p[j] != 0)
				break;
		CHECK(j == sizes[i]);
		memset(p, 0xAB, sizes[i]);
	}
	CHECK(it.arena != NULL);
	lay_item_free(&it);
}

/* Blocks of every size keep their contents while later ones are handed out
 * (no overlap, across chunk growth and dedicated big chunks). */
static void test_item_alloc__blocks_never_overlap(void)
{
	lay_item it = LAY_ITEM_INIT;
	unsigned char *p[400];
	size_t len[400], i, j;

	for (i = 0; i < 400; i++) {
		len[i] = (i * 37) % 300 + (i % 50 == 0 ? 20000 : 0);
		p[i] = lay_item_alloc(&it, len[i]);
		CHECK(p[i] != NULL);
		memset(p[i], (int)(i & 0xff), len[i]);
	}
	for (i = 0; i < 400; i++)
		for (j = 0; j < len[i]; j++)
			if (p[i][j] != (unsigned char)(i & 0xff)) {
				CHECK(!"block overwritten");
				break;
			}
	lay_item_free(&it);
}

static void test_item_alloc__zero_bytes_gives_distinct_pointers(void)
{
	lay_item it = LAY_ITEM_INIT;
	void *a = lay_item_alloc(&it, 0), *b = lay_item_alloc(&it, 0);

	CHECK(a != NULL && b != NULL && a != b);
	lay_item_free(&it);
}

static void test_item_alloc__impossible_size_is_null(void)
{
	lay_item it = LAY_ITEM_INIT;

	CHECK(lay_item_alloc(&it, SIZE_MAX) == NULL);
	CHECK(lay_item_alloc(&it, SIZE_MAX - 4) == NULL);
	CHECK(lay_item_strdup(&it, "x", SIZE_MAX) == NULL);
	lay_item_free(&it);
}

static void test_item_strdup__copies_bytes_and_nul_terminates(void)
{
	lay_item it = LAY_ITEM_INIT;
	char src[] = {'a', 0, 'b'};
	char *s = lay_item_strdup(&it, src, 3), *e = lay_item_strdup(&it, NULL, 0);

	CHECK(s != NULL && memcmp(s, src, 3) == 0 && s[3] == '\0');
	CHECK(e != NULL && e[0] == '\0');
	src[0] = 'z';
	CHECK(s[0] == 'a');
	lay_item_free(&it);
}

static void test_item_free__resets_to_init_and_accepts_null(void)
{
	lay_item it = LAY_ITEM_INIT;

	add(&it, "a", S(&it, "x"));
	CHECK(it.n == 1 && it.arena);
	lay_item_free(&it);
	CHECK(it.a == NULL && it.n == 0 && it.arena == NULL);
	lay_item_free(&it);
	lay_item_free(NULL);
	/* reusable after free */
	add(&it, "b", NUL());
	CHECK(it.n == 1);
	lay_item_free(&it);
}

static void test_item_find__matches_exact_name_bytes_only(void)
{
	lay_item it = LAY_ITEM_INIT;
	const lay_attr *a;

	add(&it, "name", S(&it, "1"));
	add(&it, "names", S(&it, "2"));
	add(&it, "Name", S(&it, "3"));
	a = lay_item_find(&it, "names", 5);
	CHECK(a && a->v.u.p[0] == '2');
	a = lay_item_find(&it, "names", 4);
	CHECK(a && a->v.u.p[0] == '1');
	a = lay_item_find(&it, "Name", 4);
	CHECK(a && a->v.u.p[0] == '3');
	CHECK(lay_item_find(&it, "nam", 3) == NULL);
	CHECK(lay_item_find(&it, "NAME", 4) == NULL);
	lay_item_free(&it);
	CHECK(lay_item_find(&it, "name", 4) == NULL);
}

/* One value of every type, nested: {"m":{"l":[...all types...]}} */
static lay_value every_type(lay_item *it)
{
	static const unsigned char bin[] = {0, 1, 0xff, 0};
	lay_value ss[2], ns[2], bs[2], l[10], m;
	const char *names[] = {"l", "empty"};
	lay_value mv[2];

	ss[0] = S(it, "x");
	ss[1] = S(it, "y");
	ns[0] = N(it, "1");
	ns[1] = N(it, "-2.5");
	bs[0] = B(it, bin, 4);
	bs[1] = B(it, bin, 1);
	l[0] = S(it, "str");
	l[1] = N(it, "12345678901234567890123456789012345678");
	l[2] = B(it, bin, sizeof(bin));
	l[3] = BOOL(1);
	l[4] = NUL();
	l[5] = map(it, 0, NULL, NULL);
	l[6] = list(it, LAY_L, 0, NULL);
	l[7] = list(it, LAY_SS, 2, ss);
	l[8] = list(it, LAY_NS, 2, ns);
	l[9] = list(it, LAY_BS, 2, bs);
	mv[0] = list(it, LAY_L, 10, l);
	mv[1] = S(it, "");
	m = map(it, 2, names, mv);
	return m;
}

static void test_value_copy__deep_copy_outlives_the_source(void)
{
	lay_item src = LAY_ITEM_INIT, dst = LAY_ITEM_INIT, ref = LAY_ITEM_INIT;
	lay_value v = every_type(&src), copy, want = every_type(&ref);

	memset(&copy, 0, sizeof(copy));
	CHECK_RC(lay_value_copy(&dst, &copy, &v), 0);
	CHECK(lay_value_equal(&copy, &v));
	/* scribble over and free the source: the copy shares nothing with it */
	lay_item_free(&src);
	CHECK(lay_value_equal(&copy, &want));
	CHECK(copy.type == LAY_M && copy.u.a[0].v.u.v[2].len == 4);
	CHECK(memcmp(copy.u.a[0].v.u.v[2].u.p, "\0\1\377\0", 4) == 0);
	CHECK(copy.u.a[1].v.len == 0 && copy.u.a[1].v.u.p[0] == '\0');
	lay_item_free(&dst);
	lay_item_free(&ref);
}

static void test_item_size__shirt_example_is_23_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;

	add(&it, "shirt-color", S(&it, "R"));
	add(&it, "shirt-size", S(&it, "M"));
	CHECK(lay_item_size(&it) == 23);
	lay_item_free(&it);
}

static void test_item_size__empty_item_is_0_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;

	CHECK(lay_item_size(&it) == 0);
}

static void test_value_size__string_is_its_utf8_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value a = S(&it, ""), b = S(&it, "abc"), c = S(&it, "\xc3\xa9\xe2\x82\xac");

	CHECK(lay_value_size(&a) == 0);
	CHECK(lay_value_size(&b) == 3);
	CHECK(lay_value_size(&c) == 5);
	lay_item_free(&it);
}

static void test_value_size__number_is_half_its_significant_digits_plus_one(void)
{
	static const struct {
		const char *n;
		size_t size;
	} cases[] = {
	    {"0", 2},
	    {"1", 2},
	    {"12", 2},
	    {"123", 3},
	    {"1234", 3},
	    {"-1", 3},
	    {"-123", 4},
	    {"1.5", 2},
	    {"0.001", 2},
	    {"100", 2},
	    {"1000001", 5},
	    {"-0.5", 3},
	    {"12345678901234567890123456789012345678", 20},
	    {"-1234567890123456789012345678901234567.8", 21},
	};
	lay_item it = LAY_ITEM_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lay_value v = N(&it, cases[i].n);

		if (lay_value_size(&v) != cases[i].size) {
			fprintf(stderr, "  N %s: size %zu, wanted %zu\n", cases[i].n,
				lay_value_size(&v), cases[i].size);
			CHECK(0);
		}
	}
	lay_item_free(&it);
}

static void test_value_size__binary_is_its_raw_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value a = B(&it, "\0\0\0", 3), b = B(&it, "", 0);

	CHECK(lay_value_size(&a) == 3);
	CHECK(lay_value_size(&b) == 0);
	lay_item_free(&it);
}

static void test_value_size__bool_and_null_are_one_byte(void)
{
	lay_value t = BOOL(1), f = BOOL(0), n = NUL();
	lay_item it = LAY_ITEM_INIT;

	CHECK(lay_value_size(&t) == 1);
	CHECK(lay_value_size(&f) == 1);
	CHECK(lay_value_size(&n) == 1);
	add(&it, "flag", t);
	add(&it, "gone", n);
	CHECK(lay_item_size(&it) == 5 + 5);
	lay_item_free(&it);
}

static void test_value_size__map_is_3_plus_one_per_member_plus_names_and_values(void)
{
	lay_item it = LAY_ITEM_INIT;
	const char *names[] = {"ab", "c"};
	lay_value vals[2], m, empty;

	vals[0] = S(&it, "xyz");
	vals[1] = N(&it, "12");
	m = map(&it, 2, names, vals);
	empty = map(&it, 0, NULL, NULL);
	/* 3 + (1 + 2 + 3) + (1 + 1 + 2) */
	CHECK(lay_value_size(&m) == 13);
	CHECK(lay_value_size(&empty) == 3);
	lay_item_free(&it);
}

static void test_value_size__list_is_3_plus_one_per_element_plus_values(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value e[3], l, empty, nested;

	e[0] = S(&it, "abcd");
	e[1] = BOOL(0);
	e[2] = NUL();
	l = list(&it, LAY_L, 3, e);
	empty = list(&it, LAY_L, 0, NULL);
	nested = list(&it, LAY_L, 1, &l);
	/* 3 + (1 + 4) + (1 + 1) + (1 + 1) */
	CHECK(lay_value_size(&l) == 12);
	CHECK(lay_value_size(&empty) == 3);
	CHECK(lay_value_size(&nested) == 3 + 1 + 12);
	lay_item_free(&it);
}

static void test_value_size__sets_are_the_sum_of_their_members(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value e[3], ss, ns, bs;

	e[0] = S(&it, "a");
	e[1] = S(&it, "bc");
	e[2] = S(&it, "def");
	ss = list(&it, LAY_SS, 3, e);
	e[0] = N(&it, "1");
	e[1] = N(&it, "-123");
	e[2] = N(&it, "12345");
	ns = list(&it, LAY_NS, 3, e);
	e[0] = B(&it, "\0", 1);
	e[1] = B(&it, "\1\2\3\4", 4);
	bs = list(&it, LAY_BS, 2, e);
	CHECK(lay_value_size(&ss) == 6);
	CHECK(lay_value_size(&ns) == 2 + 4 + 4);
	CHECK(lay_value_size(&bs) == 5);
	lay_item_free(&it);
}

static void test_item_size__counts_names_and_nested_values(void)
{
	lay_item it = LAY_ITEM_INIT;
	const char *names[] = {"k"};
	lay_value inner[1], m;

	inner[0] = list(&it, LAY_L, 0, NULL);
	m = map(&it, 1, names, inner);
	add(&it, "id", S(&it, "u1"));
	add(&it, "doc", m);
	/* id: 2 + 2; doc: 3 + (3 + (1 + 1 + 3)) */
	CHECK(lay_item_size(&it) == 4 + 11);
	lay_item_free(&it);
}

/* Two items with the same attributes in different orders everywhere. */
static void build_pair(lay_item *a, lay_item *b)
{
	const char *n1[] = {"x", "y", "z"}, *n2[] = {"z", "x", "y"};
	lay_value v[3], w[3];

	add(a, "id", S(a, "u1"));
	add(a, "n", N(a, "42"));
	v[0] = S(a, "1");
	v[1] = N(a, "2");
	v[2] = BOOL(1);
	add(a, "m", map(a, 3, n1, v));
	v[0] = S(a, "p");
	v[1] = S(a, "q");
	v[2] = S(a, "r");
	add(a, "ss", list(a, LAY_SS, 3, v));
	v[0] = N(a, "1");
	v[1] = N(a, "10");
	v[2] = N(a, "-3");
	add(a, "ns", list(a, LAY_NS, 3, v));
	v[0] = B(a, "\0", 1);
	v[1] = B(a, "\0\0", 2);
	add(a, "bs", list(a, LAY_BS, 2, v));
	v[0] = S(a, "first");
	v[1] = NUL();
	add(a, "l", list(a, LAY_L, 2, v));

	w[0] = B(b, "\0\0", 2);
	w[1] = B(b, "\0", 1);
	add(b, "bs", list(b, LAY_BS, 2, w));
	w[0] = N(b, "-3");
	w[1] = N(b, "1");
	w[2] = N(b, "10");
	add(b, "ns", list(b, LAY_NS, 3, w));
	w[0] = S(b, "first");
	w[1] = NUL();
	add(b, "l", list(b, LAY_L, 2, w));
	w[0] = BOOL(1);
	w[1] = S(b, "1");
	w[2] = N(b, "2");
	add(b, "m", map(b, 3, n2, w));
	add(b, "n", N(b, "42"));
	w[0] = S(b, "r");
	w[1] = S(b, "p");
	w[2] = S(b, "q");
	add(b, "ss", list(b, LAY_SS, 3, w));
	add(b, "id", S(b, "u1"));
}

static void test_item_equal__reordered_attributes_maps_and_sets_are_equal(void)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;

	build_pair(&a, &b);
	CHECK(lay_item_equal(&a, &b));
	CHECK(lay_item_equal(&b, &a));
	CHECK(lay_item_equal(&a, &a));
	lay_item_free(&a);
	lay_item_free(&b);
}

/* Each single change to b's copy makes the items unequal. */
static void test_item_equal__any_single_change_is_unequal(void)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	lay_attr *m, *l, *ss, *id;
	lay_value saved;
	size_t n;

	build_pair(&a, &b);
	id = (lay_attr *)lay_item_find(&b, "id", 2);
	m = (lay_attr *)lay_item_find(&b, "m", 1);
	l = (lay_attr *)lay_item_find(&b, "l", 1);
	ss = (lay_attr *)lay_item_find(&b, "ss", 2);

	/* value */
	saved = id->v;
	id->v = S(&b, "u2");
	CHECK(!lay_item_equal(&a, &b));
	/* type: S "42" vs N "42" */
	id->v = saved;
	saved = ((lay_attr *)lay_item_find(&b, "n", 1))->v;
	((lay_attr *)lay_item_find(&b, "n", 1))->v = S(&b, "42");
	CHECK(!lay_item_equal(&a, &b));
	((lay_attr *)lay_item_find(&b, "n", 1))->v = saved;
	CHECK(lay_item_equal(&a, &b));
	/* nested map member */
	m->v.u.a[0].v.len = 0; /* BOOL true -> false */
	CHECK(!lay_item_equal(&a, &b));
	m->v.u.a[0].v.len = 1;
	/* map member renamed */
	m->v.u.a[1].name = "w";
	CHECK(!lay_item_equal(&a, &b));
	m->v.u.a[1].name = "x";
	/* list order */
	saved = l->v.u.v[0];
	l->v.u.v[0] = l->v.u.v[1];
	l->v.u.v[1] = saved;
	CHECK(!lay_item_equal(&a, &b));
	l->v.u.v[1] = l->v.u.v[0];
	l->v.u.v[0] = saved;
	/* set member */
	saved = ss->v.u.v[0];
	ss->v.u.v[0] = S(&b, "s");
	CHECK(!lay_item_equal(&a, &b));
	ss->v.u.v[0] = saved;
	/* SS vs a list of the same strings */
	ss->v.type = LAY_L;
	CHECK(!lay_item_equal(&a, &b));
	ss->v.type = LAY_SS;
	CHECK(lay_item_equal(&a, &b));
	/* extra attribute, then a missing one */
	n = b.n;
	add(&b, "extra", NUL());
	CHECK(!lay_item_equal(&a, &b));
	CHECK(!lay_item_equal(&b, &a));
	b.n = n - 1;
	CHECK(!lay_item_equal(&a, &b));
	b.n = n;
	CHECK(lay_item_equal(&a, &b));
	lay_item_free(&a);
	lay_item_free(&b);
}

static void test_value_equal__binary_and_string_with_same_bytes_differ(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value s = S(&it, "ab"), b = B(&it, "ab", 2), n = N(&it, "1"), s1 = S(&it, "1");

	CHECK(!lay_value_equal(&s, &b));
	CHECK(!lay_value_equal(&n, &s1));
	CHECK(lay_value_equal(&b, &b));
	lay_item_free(&it);
}

/* Large reorderings go through the sorting path. */
static void test_item_equal__large_reversed_item_is_equal(void)
{
	lay_item a = LAY_ITEM_INIT, b = LAY_ITEM_INIT;
	lay_value *sa, *sb, *set;
	char name[16];
	int i;

	sa = lay_item_alloc(&a, 500 * sizeof(lay_value));
	sb = lay_item_alloc(&b, 500 * sizeof(lay_value));
	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		sa[i] = S(&a, name);
		sb[499 - i] = S(&b, name);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		add(&a, name, N(&a, name + 1));
	}
	for (i = 999; i >= 0; i--) {
		snprintf(name, sizeof(name), "a%d", i);
		add(&b, name, N(&b, name + 1));
	}
	add(&a, "set", list(&a, LAY_SS, 500, sa));
	add(&b, "set", list(&b, LAY_SS, 500, sb));
	CHECK(lay_item_equal(&a, &b));
	set = lay_item_find(&b, "set", 3)->v.u.v;
	set[250] = S(&b, "other");
	CHECK(!lay_item_equal(&a, &b));
	set[250] = S(&b, "m249");
	CHECK(lay_item_equal(&a, &b));
	lay_item_find(&b, "a500", 4)->v.u.p[0] = '6';
	CHECK(!lay_item_equal(&a, &b));
	lay_item_free(&a);
	lay_item_free(&b);
}

static int cmp_sign(const lay_value *a, const lay_value *b)
{
	int c = lay_value_cmp(a, b);

	return (c > 0) - (c < 0);
}

static void test_value_cmp__strings_order_by_unsigned_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value e = S(&it, ""), a = S(&it, "a"), ab = S(&it, "ab"), b = S(&it, "b");
	lay_value del = S(&it, "\x7f"), eacute = S(&it, "\xc3\xa9"), Z = S(&it, "Z");

	CHECK(cmp_sign(&e, &a) < 0);
	CHECK(cmp_sign(&a, &ab) < 0);
	CHECK(cmp_sign(&ab, &b) < 0);
	CHECK(cmp_sign(&b, &a) > 0);
	CHECK(cmp_sign(&Z, &a) < 0);
	CHECK(cmp_sign(&del, &eacute) < 0);
	CHECK(cmp_sign(&ab, &ab) == 0);
	lay_item_free(&it);
}

static void test_value_cmp__binary_orders_by_unsigned_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value z = B(&it, "\0", 1), zz = B(&it, "\0\0", 2), one = B(&it, "\1", 1);
	lay_value ff = B(&it, "\xff", 1), e = B(&it, "", 0);

	CHECK(cmp_sign(&e, &z) < 0);
	CHECK(cmp_sign(&z, &zz) < 0);
	CHECK(cmp_sign(&zz, &one) < 0);
	CHECK(cmp_sign(&one, &ff) < 0);
	CHECK(cmp_sign(&ff, &z) > 0);
	CHECK(cmp_sign(&zz, &zz) == 0);
	lay_item_free(&it);
}

static void test_value_cmp__numbers_order_numerically(void)
{
	static const char *const asc[] = {"-100", "-10", "-9.5", "-9",	"-0.001", "0",	"0.001",
					  "0.5",  "1",	 "9",	 "9.5", "10",	  "100"};
	lay_item it = LAY_ITEM_INIT;
	size_t i, j, n = sizeof(asc) / sizeof(asc[0]);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			lay_value a = N(&it, asc[i]), b = N(&it, asc[j]);
			int want = (i > j) - (i < j);

			if (cmp_sign(&a, &b) != want) {
				fprintf(stderr, "  cmp(%s, %s) != %d\n", asc[i], asc[j], want);
				CHECK(0);
			}
		}
	lay_item_free(&it);
}

static void test_type_name__names_every_type_and_parse_inverts_it(void)
{
	static const char *const names[] = {"S", "N", "B",  "BOOL", "NULL",
					    "M", "L", "SS", "NS",   "BS"};
	int t;

	for (t = LAY_S; t <= LAY_BS; t++) {
		CHECK_STR(lay_type_name((lay_type)t), names[t - 1]);
		CHECK(lay_type_parse(names[t - 1], strlen(names[t - 1])) == (lay_type)t);
	}
	CHECK_STR(lay_type_name((lay_type)0), "?");
	CHECK_STR(lay_type_name((lay_type)11), "?");
}

static void test_type_parse__unknown_names_are_0(void)
{
	CHECK(lay_type_parse("s", 1) == 0);
	CHECK(lay_type_parse("", 0) == 0);
	CHECK(lay_type_parse("SSS", 3) == 0);
	CHECK(lay_type_parse("BOOLEAN", 7) == 0);
	CHECK(lay_type_parse("NS", 1) == LAY_N);
	CHECK(lay_type_parse("S\0", 2) == 0);
}

static void test_attrs_find_dup__finds_a_repeated_name_or_gives_n(void)
{
	lay_attr a[4] = {{"b", 1, NUL()}, {"a", 1, NUL()}, {"ab", 2, NUL()}, {"a", 1, BOOL(1)}};
	size_t d = 99;

	CHECK_RC(lay_attrs_find_dup(&d, a, 3), 0);
	CHECK(d == 3);
	CHECK_RC(lay_attrs_find_dup(&d, a, 4), 0);
	CHECK(d == 1 || d == 3);
	CHECK_RC(lay_attrs_find_dup(&d, a, 1), 0);
	CHECK(d == 1);
	CHECK_RC(lay_attrs_find_dup(&d, NULL, 0), 0);
	CHECK(d == 0);
}

static void test_values_find_dup__compares_member_bytes(void)
{
	lay_value v[3] = {{LAY_B, 2, {.p = "a\0"}}, {LAY_B, 1, {.p = "a"}}, {LAY_B, 2, {.p = "a\1"}}};
	size_t d = 99;

	CHECK_RC(lay_values_find_dup(&d, v, 3), 0);
	CHECK(d == 3);
	v[2].u.p = "a\0";
	CHECK_RC(lay_values_find_dup(&d, v, 3), 0);
	CHECK(d == 0 || d == 2);
}

static void test_set_check_unique__names_the_repeat_in_dynamodbs_words(void)
{
	lay_value ns[3] = {{LAY_N, 1, {.p = "1"}}, {LAY_N, 1, {.p = "2"}}, {LAY_N, 1, {.p = "1"}}};
	lay_value bs[2] = {{LAY_B, 3, {.p = "abc"}}, {LAY_B, 3, {.p = "abc"}}};
	lay_value set = {LAY_NS, 2, {.v = ns}};
	lay_err e;

	CHECK_RC(lay_set_check_unique(&e, &set, 160), 0);
	set.len = 3;
	CHECK_RC(lay_set_check_unique(&e, &set, 160), -EINVAL);
	CHECK_STR(e.msg, "One or more parameter values were invalid: Input collection contains "
		  "duplicates: 1 appears more than once");
	set = (lay_value){LAY_BS, 2, {.v = bs}};
	CHECK_RC(lay_set_check_unique(&e, &set, 2), -EINVAL);
	CHECK_STR(e.msg, "One or more parameter values were invalid: Input collection contains "
		  "duplicates: YW... appears more than once");
}

int main(void)
{
	RUN(test_item_alloc__memory_is_zeroed_and_8_byte_aligned);
	RUN(test_item_alloc__blocks_never_overlap);
	RUN(test_item_alloc__zero_bytes_gives_distinct_pointers);
	RUN(test_item_alloc__impossible_size_is_null);
	RUN(test_item_strdup__copies_bytes_and_nul_terminates);
	RUN(test_item_free__resets_to_init_and_accepts_null);
	RUN(test_item_find__matches_exact_name_bytes_only);
	RUN(test_value_copy__deep_copy_outlives_the_source);
	RUN(test_item_size__shirt_example_is_23_bytes);
	RUN(test_item_size__empty_item_is_0_bytes);
	RUN(test_value_size__string_is_its_utf8_bytes);
	RUN(test_value_size__number_is_half_its_significant_digits_plus_one);
	RUN(test_value_size__binary_is_its_raw_bytes);
	RUN(test_value_size__bool_and_null_are_one_byte);
	RUN(test_value_size__map_is_3_plus_one_per_member_plus_names_and_values);
	RUN(test_value_size__list_is_3_plus_one_per_element_plus_values);
	RUN(test_value_size__sets_are_the_sum_of_their_members);
	RUN(test_item_size__counts_names_and_nested_values);
	RUN(test_item_equal__reordered_attributes_maps_and_sets_are_equal);
	RUN(test_item_equal__any_single_change_is_unequal);
	RUN(test_value_equal__binary_and_string_with_same_bytes_differ);
	RUN(test_item_equal__large_reversed_item_is_equal);
	RUN(test_value_cmp__strings_order_by_unsigned_bytes);
	RUN(test_value_cmp__binary_orders_by_unsigned_bytes);
	RUN(test_value_cmp__numbers_order_numerically);
	RUN(test_type_name__names_every_type_and_parse_inverts_it);
	RUN(test_type_parse__unknown_names_are_0);
	RUN(test_attrs_find_dup__finds_a_repeated_name_or_gives_n);
	RUN(test_values_find_dup__compares_member_bytes);
	RUN(test_set_check_unique__names_the_repeat_in_dynamodbs_words);
	return check_done();
}
