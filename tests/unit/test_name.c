/* Unit tests for layout/name.c (SPEC §4): escaping, round trips, canonical-
 * only decoding, and the long-name rule in both directions. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "../../layout/name.h"

static lay_value val(lay_type t, const char *p, size_t len)
{
	lay_value v;

	memset(&v, 0, sizeof(v));
	v.type = t;
	v.len = len;
	v.u.p = (char *)p;
	return v;
}

static lay_value str(const char *s)
{
	return val(LAY_S, s, strlen(s));
}

/* The name of v as a NUL-terminated string in b (reset first); returns
 * lay_name_from_key's result. */
static int name_of(lay_buf *b, lay_value v, int item)
{
	lay_buf_reset(b);
	return lay_name_from_key(b, &v, item);
}

/* from_key then to_key must give back v, unhashed; the name must be at
 * most 255 bytes. */
static void check_rt(lay_value v, int item)
{
	lay_buf b = LAY_BUF_INIT;
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;
	lay_err err = { 0, "" };

	memset(&k, 0, sizeof(k));
	CHECK_RC(name_of(&b, v, item), 0);
	CHECK(b.len <= LAY_NAME_MAX);
	CHECK_RC(lay_name_to_key(&k, &it, b.p, b.len, v.type, item, &err), 0);
	if (err.code)
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(k.hashed == 0);
	CHECK(k.value.type == v.type);
	CHECK(k.value.len == v.len);
	CHECK(k.value.len == v.len && memcmp(k.value.u.p, v.u.p, v.len) == 0);
	CHECK(k.value.u.p && k.value.u.p[k.value.len] == '\0');
	lay_item_free(&it);
	lay_buf_free(&b);
}

/* check_rt as an item and as a partition. */
static void check_round_trip(lay_value v)
{
	check_rt(v, 0);
	check_rt(v, 1);
}

/* name must be refused with EINVAL and a message, writing nothing to out. */
static void check_bad(const char *name, size_t len, lay_type t, int item)
{
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;
	lay_err err = { 0, "" };

	memset(&k, 0x5a, sizeof(k));
	CHECK_RC(lay_name_to_key(&k, &it, name, len, t, item, &err), -EINVAL);
	CHECK(err.code == -EINVAL);
	CHECK(err.msg[0] != '\0');
	CHECK(k.hashed == 0x5a5a5a5a);
	CHECK(it.arena == NULL);
	lay_item_free(&it);
}

#define BAD(name, t, item) check_bad(name, sizeof(name) - 1, t, item)

/* 1 if the len bytes at s are valid UTF-8 (enough for these tests). */
static int utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, j;

	while (i < len) {
		if (s[i] < 0x80)
			n = 1;
		else if ((s[i] & 0xe0) == 0xc0)
			n = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 4;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (j = 1; j < n; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/*
 * v must get a hashed name: 252..255 bytes, '~' and the 16 hex digits of
 * its hash (then ".json" for an item), a prefix that is the start of the
 * plain escaped text cut on a boundary; to_key says hashed with that hash.
 */
static void check_hashed(lay_value v, int item)
{
	lay_buf b = LAY_BUF_INIT, plain = LAY_BUF_INIT;
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;
	lay_err err = { 0, "" };
	char tail[32];
	size_t sfx = item ? 5 : 0, plen, i;

	CHECK_RC(name_of(&b, v, item), 1);
	CHECK(b.len <= LAY_NAME_MAX);
	CHECK(b.len >= LAY_NAME_MAX - 3);
	snprintf(tail, sizeof(tail), "~%016llx%s", (unsigned long long)lay_name_hash(&v),
		 item ? ".json" : "");
	CHECK(b.len > strlen(tail) && strcmp(b.p + b.len - strlen(tail), tail) == 0);

	/* the prefix starts the plain escaped text and ends on a boundary */
	plen = b.len - 17 - sfx;
	if (v.type == LAY_S) {
		/* the escaped text without the cut, escaped by hand */
		for (i = 0; i < v.len; i++) {
			unsigned char c = (unsigned char)v.u.p[i];

			if (c == '%' || c == '/' || c < 0x20 || c == 0x7f || (c == '.' && i == 0))
				lay_buf_addf(&plain, "%%%02X", c);
			else
				lay_buf_addc(&plain, (char)c);
		}
		CHECK(plain.len > plen && memcmp(plain.p, b.p, plen) == 0);
		CHECK(utf8_ok((const unsigned char *)b.p, plen));
		/* a cut inside an escape would leave a '%' within the last two */
		for (i = plen >= 2 ? plen - 2 : 0; i < plen; i++)
			CHECK(b.p[i] != '%');
		CHECK(plain.p[plen] == '%' || ((unsigned char)plain.p[plen] & 0xc0) != 0x80);
	}

	memset(&k, 0, sizeof(k));
	CHECK_RC(lay_name_to_key(&k, &it, b.p, b.len, v.type, item, &err), 0);
	if (err.code)
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(k.hashed == 1);
	CHECK(k.hash == lay_name_hash(&v));
	CHECK(k.value.type == v.type);
	lay_item_free(&it);
	lay_buf_free(&plain);
	lay_buf_free(&b);
}

static void test_name_from_key__string_is_its_text(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(name_of(&b, str("alice"), 1), 0);
	CHECK_STR(b.p, "alice.json");
	CHECK_RC(name_of(&b, str("alice"), 0), 0);
	CHECK_STR(b.p, "alice");
	CHECK_RC(name_of(&b, str("2026-01-05"), 1), 0);
	CHECK_STR(b.p, "2026-01-05.json");
	lay_buf_free(&b);
}

static void test_name_from_key__appends_after_existing_contents(void)
{
	lay_buf b = LAY_BUF_INIT;
	lay_value v = str("x/y");

	CHECK_RC(lay_buf_adds(&b, "T/"), 0);
	CHECK_RC(lay_name_from_key(&b, &v, 1), 0);
	CHECK_STR(b.p, "T/x%2Fy.json");
	lay_buf_free(&b);
}

static void test_name_from_key__escapes_percent_slash_control_bytes_and_del(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(name_of(&b, str("a%b/c\x01\x1f\x7f\td"), 1), 0);
	CHECK_STR(b.p, "a%25b%2Fc%01%1F%7F%09d.json");
	CHECK_RC(name_of(&b, val(LAY_S, "a\0b", 3), 0), 0);
	CHECK_STR(b.p, "a%00b");
	lay_buf_free(&b);
}

static void test_name_from_key__leading_dot_is_percent_encoded(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(name_of(&b, str(".hidden"), 1), 0);
	CHECK_STR(b.p, "%2Ehidden.json");
	CHECK_RC(name_of(&b, str(".."), 0), 0);
	CHECK_STR(b.p, "%2E.");
	CHECK_RC(name_of(&b, str("a.b."), 0), 0);
	CHECK_STR(b.p, "a.b.");
	lay_buf_free(&b);
}

static void test_name_from_key__space_tilde_and_utf8_are_not_escaped(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(name_of(&b, str("a b~é日本😀+=&"), 1), 0);
	CHECK_STR(b.p, "a b~é日本😀+=&.json");
	lay_buf_free(&b);
}

static void test_name_from_key__number_is_its_canonical_text(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(name_of(&b, val(LAY_N, "1.5", 3), 1), 0);
	CHECK_STR(b.p, "1.5.json");
	CHECK_RC(name_of(&b, val(LAY_N, "-5", 2), 0), 0);
	CHECK_STR(b.p, "-5");
	lay_buf_free(&b);
}

static void test_name_from_key__binary_is_base64_with_slash_escaped(void)
{
	lay_buf b = LAY_BUF_INIT;

	CHECK_RC(name_of(&b, val(LAY_B, "\xfb\xff", 2), 1), 0);
	CHECK_STR(b.p, "+%2F8=.json");
	CHECK_RC(name_of(&b, val(LAY_B, "\0", 1), 0), 0);
	CHECK_STR(b.p, "AA==");
	lay_buf_free(&b);
}

static void test_name__strings_with_special_bytes_round_trip(void)
{
	static const char *keys[] = {
		"a/b", "/", "//x//", "%", "100%", "%25", "%2F", ".", "..", ".hidden", "..x",
		"a.", "a b", " ", " lead", "trail ", "\x01", "a\x1f", "\x7f", "tab\there",
		"line\nbreak", "é", "日本", "😀", "naïve/café%", "x.json", "~", ".json",
		"abc~0123456789abcdef",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		check_round_trip(str(keys[i]));
}

static void test_name__numbers_round_trip(void)
{
	static const char *nums[] = { "1.5", "-5", "1000", "0", "-0.25", "123456789" };
	char tiny[200], huge[200];
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		check_round_trip(val(LAY_N, nums[i], strlen(nums[i])));

	/* 1E-130 and -9.99..9E+125 (38 nines): the extremes of the range */
	strcpy(tiny, "0.");
	memset(tiny + 2, '0', 129);
	strcpy(tiny + 131, "1");
	check_round_trip(val(LAY_N, tiny, strlen(tiny)));
	huge[0] = '-';
	memset(huge + 1, '9', 38);
	memset(huge + 39, '0', 88);
	huge[127] = '\0';
	check_round_trip(val(LAY_N, huge, strlen(huge)));
}

static void test_name__binary_keys_round_trip(void)
{
	unsigned char bytes[150];
	size_t i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 37 + 11);
	check_round_trip(val(LAY_B, "\0", 1));
	check_round_trip(val(LAY_B, "\xff", 1));
	check_round_trip(val(LAY_B, "\xfb\xff", 2));
	check_round_trip(val(LAY_B, "\xff\xff\xff", 3));
	check_round_trip(val(LAY_B, "\0\xff\0", 3));
	check_round_trip(val(LAY_B, (const char *)bytes, sizeof(bytes)));
}

static void test_name_from_key__longest_partition_key_is_hashed(void)
{
	static char key[LAY_MAX_PK];

	memset(key, 'a', sizeof(key));
	check_hashed(val(LAY_S, key, sizeof(key)), 0);
	check_hashed(val(LAY_S, key, sizeof(key)), 1);
	memset(key, '/', sizeof(key));
	check_hashed(val(LAY_S, key, sizeof(key)), 0);
}

static void test_name_from_key__longest_sort_key_is_hashed(void)
{
	static char key[LAY_MAX_SK];
	lay_buf b = LAY_BUF_INIT;
	lay_value v = val(LAY_S, key, sizeof(key));

	memset(key, 'z', sizeof(key));
	check_hashed(v, 1);
	/* no escape and no multibyte character to respect: the cut is exact */
	CHECK_RC(name_of(&b, v, 1), 1);
	CHECK(b.len == LAY_NAME_MAX);
	lay_buf_free(&b);
}

static void test_name_from_key__long_binary_key_is_hashed_between_escapes(void)
{
	static char key[LAY_MAX_SK];
	int shift;

	/* 0xff bytes are "////" in base64: every character is a %2F escape */
	memset(key, 0xff, sizeof(key));
	for (shift = 0; shift < 3; shift++)
		check_hashed(val(LAY_B, key + shift, sizeof(key) - (size_t)shift), 1);
}

static void test_name_from_key__long_multibyte_key_is_cut_between_characters(void)
{
	static const char *chars[] = { "é", "日", "😀" };
	static char key[1200];
	size_t c, lead, n;
	int item;

	/* 0..3 leading ASCII bytes move the cut across every byte position
	 * of a 2-, 3- and 4-byte character */
	for (c = 0; c < 3; c++) {
		size_t cl = strlen(chars[c]);

		for (lead = 0; lead < 4; lead++) {
			memset(key, 'x', lead);
			for (n = lead; n + cl <= 1000; n += cl)
				memcpy(key + n, chars[c], cl);
			for (item = 0; item <= 1; item++)
				check_hashed(val(LAY_S, key, n), item);
		}
	}
}

static void test_name_from_key__long_percent_key_is_cut_between_escapes(void)
{
	static char key[600];
	size_t lead, i;
	int item;

	/* every '%' is "%25": 0..2 leading bytes cut at each place in one */
	for (lead = 0; lead < 3; lead++) {
		memset(key, 'x', lead);
		memset(key + lead, '%', sizeof(key) - lead);
		for (item = 0; item <= 1; item++)
			check_hashed(val(LAY_S, key, sizeof(key)), item);
	}
	/* mixed: escapes between multibyte characters */
	for (i = 0; i + 5 <= sizeof(key); i += 5)
		memcpy(key + i, "%é/\x01", 5);
	check_hashed(val(LAY_S, key, sizeof(key)), 0);
	check_hashed(val(LAY_S, key, sizeof(key)), 1);
}

static void test_name__plain_255_byte_names_are_not_hashed(void)
{
	static char key[255];

	memset(key, 'q', sizeof(key));
	check_rt(val(LAY_S, key, 250), 1);
	check_rt(val(LAY_S, key, 255), 0);
	{
		lay_buf b = LAY_BUF_INIT;

		CHECK_RC(name_of(&b, val(LAY_S, key, 250), 1), 0);
		CHECK(b.len == 255);
		CHECK_RC(name_of(&b, val(LAY_S, key, 255), 0), 0);
		CHECK(b.len == 255);
		/* one byte more and it is hashed */
		CHECK_RC(name_of(&b, val(LAY_S, key, 251), 1), 1);
		CHECK(b.len == 255);
		lay_buf_free(&b);
	}
	/* 85 '%' make 255 bytes of escapes: not hashed; 86 are */
	memset(key, '%', 86);
	check_rt(val(LAY_S, key, 85), 0);
	check_hashed(val(LAY_S, key, 86), 0);
}

static void test_name_to_key__short_name_that_looks_hashed_is_a_plain_key(void)
{
	static const char name[] = "abc~0123456789abcdef.json";
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	lay_name_key k;

	CHECK_RC(lay_name_to_key(&k, &it, name, sizeof(name) - 1, LAY_S, 1, NULL), 0);
	CHECK(k.hashed == 0);
	CHECK_STR(k.value.u.p, "abc~0123456789abcdef");
	CHECK_RC(name_of(&b, k.value, 1), 0);
	CHECK_STR(b.p, name);
	lay_buf_free(&b);
	lay_item_free(&it);
}

/*
 * The long-name rule both ways: a key whose plain name would be 252..255
 * bytes and end in '~' + 16 hex is hashed, and a name of that shape and
 * size reads as hashed; one byte shorter, both are plain.
 */
static void test_name__long_plain_name_ending_in_a_tail_is_hashed(void)
{
	static const char tail[] = "~0123456789abcdef";
	static char key[300];
	lay_item it = LAY_ITEM_INIT;
	lay_buf b = LAY_BUF_INIT;
	lay_name_key k;
	lay_value v;
	int item;

	for (item = 0; item <= 1; item++) {
		size_t sfx = item ? 5 : 0;
		size_t n = 252 - sfx; /* the plain name would be 252 bytes */

		memset(key, 'k', n - 17);
		memcpy(key + n - 17, tail, 17);
		v = val(LAY_S, key, n);
		check_hashed(v, item);

		/* its plain spelling reads as a hashed name, not as this key */
		memcpy(key + n, ".json", 5);
		CHECK_RC(lay_name_to_key(&k, &it, key, n + sfx, LAY_S, item, NULL), 0);
		CHECK(k.hashed == 1);
		CHECK(k.hash == 0x0123456789abcdefULL);
		CHECK(k.hash != lay_name_hash(&v));

		/* 251 bytes: plain both ways */
		memset(key, 'k', n - 18);
		memcpy(key + n - 18, tail, 17);
		v = val(LAY_S, key, n - 1);
		CHECK_RC(name_of(&b, v, item), 0);
		CHECK(b.len == 251);
		check_rt(v, item);

		/* 252 bytes but uppercase hex: not the long shape, plain */
		memset(key, 'k', n - 17);
		memcpy(key + n - 17, "~0123456789ABCDEF", 17);
		v = val(LAY_S, key, n);
		CHECK_RC(name_of(&b, v, item), 0);
		check_rt(v, item);
	}
	lay_item_free(&it);
	lay_buf_free(&b);
}

static void test_name_to_key__noncanonical_escapes_are_einval(void)
{
	BAD("a%2fb.json", LAY_S, 1);  /* lowercase hex */
	BAD("%41.json", LAY_S, 1);    /* 'A' is never escaped */
	BAD("a%2Eb.json", LAY_S, 1);  /* '.' only at the start */
	BAD("a%2E.json", LAY_S, 1);
	BAD("%20.json", LAY_S, 1);    /* nor is space */
	BAD("%7E.json", LAY_S, 1);    /* nor '~' */
	BAD("%C3%A9.json", LAY_S, 1); /* nor UTF-8 */
	BAD("%.json", LAY_S, 1);
	BAD("a%2.json", LAY_S, 1);
	BAD("a%2", LAY_S, 0);
	BAD("%zz.json", LAY_S, 1);
	BAD("%2F%2f", LAY_S, 0);
	BAD("Zg%3D%3D.json", LAY_B, 1); /* '=' is never escaped */
}

static void test_name_to_key__leading_dot_and_empty_names_are_einval(void)
{
	BAD(".x.json", LAY_S, 1);
	BAD(".json", LAY_S, 1);
	BAD(".", LAY_S, 0);
	BAD("..", LAY_S, 0);
	BAD(".5.json", LAY_N, 1);
	BAD("", LAY_S, 0);
	BAD("", LAY_S, 1);
	BAD("", LAY_N, 0);
	BAD("", LAY_B, 0);
}

static void test_name_to_key__raw_slash_and_control_bytes_are_einval(void)
{
	BAD("a/b.json", LAY_S, 1);
	BAD("a\x01.json", LAY_S, 1);
	BAD("\x1f", LAY_S, 0);
	BAD("a\x7f", LAY_S, 0);
	BAD("a\tb", LAY_S, 0);
	BAD("a\0b.json", LAY_S, 1);
}

static void test_name_to_key__item_needs_json_suffix(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;

	BAD("alice", LAY_S, 1);
	BAD("alice.JSON", LAY_S, 1);
	BAD("alice.json~", LAY_S, 1);
	BAD("json", LAY_S, 1);
	/* a partition may be named anything, ".json" included */
	CHECK_RC(lay_name_to_key(&k, &it, "alice.json", 10, LAY_S, 0, NULL), 0);
	CHECK(k.hashed == 0);
	CHECK_STR(k.value.u.p, "alice.json");
	lay_item_free(&it);
}

static void test_name_to_key__decodes_escapes(void)
{
	static const char name[] = "%2Ea%25b%2Fc%01d%1F%7Fé.json";
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;

	CHECK_RC(lay_name_to_key(&k, &it, name, sizeof(name) - 1, LAY_S, 1, NULL), 0);
	CHECK(k.hashed == 0);
	CHECK(k.value.type == LAY_S);
	CHECK(k.value.len == 12);
	CHECK(memcmp(k.value.u.p, ".a%b/c\x01" "d\x1f\x7f\xc3\xa9", 12) == 0);
	lay_item_free(&it);
}

static void test_name_to_key__noncanonical_numbers_are_einval(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;

	BAD("1.50.json", LAY_N, 1);
	BAD("1e3.json", LAY_N, 1);
	BAD("-0.json", LAY_N, 1);
	BAD("+1.json", LAY_N, 1);
	BAD("01.json", LAY_N, 1);
	BAD("1..json", LAY_N, 1);
	BAD("1.0", LAY_N, 0);
	BAD("abc.json", LAY_N, 1);
	BAD("NaN", LAY_N, 0);
	BAD("1 .json", LAY_N, 1);
	CHECK_RC(lay_name_to_key(&k, &it, "1.5.json", 8, LAY_N, 1, NULL), 0);
	CHECK(k.hashed == 0 && k.value.type == LAY_N);
	CHECK_STR(k.value.u.p, "1.5");
	lay_item_free(&it);
}

static void test_name_to_key__bad_or_noncanonical_base64_is_einval(void)
{
	BAD("Zh==.json", LAY_B, 1);  /* unused bits set */
	BAD("Zm9=.json", LAY_B, 1);
	BAD("Zg=.json", LAY_B, 1);   /* length */
	BAD("Zg", LAY_B, 0);
	BAD("Z!==.json", LAY_B, 1);
	BAD("Zm9-.json", LAY_B, 1);
	BAD("====.json", LAY_B, 1);
	BAD("Zg==Zg==", LAY_B, 0);
}

static void test_name_to_key__invalid_utf8_string_is_einval(void)
{
	BAD("\xc3.json", LAY_S, 1);         /* truncated */
	BAD("a\xa9", LAY_S, 0);             /* stray continuation */
	BAD("\xc0\xaf.json", LAY_S, 1);     /* overlong '/' */
	BAD("\xe0\x80\xaf", LAY_S, 0);      /* overlong */
	BAD("\xed\xa0\x80.json", LAY_S, 1); /* surrogate */
	BAD("\xf4\x90\x80\x80", LAY_S, 0);  /* above U+10FFFF */
	BAD("\xff.json", LAY_S, 1);
}

/* A string in content cannot hold U+0000 (SPEC §5), so neither can a
 * string key spelled by its name; a binary key can. */
static void test_name_to_key__nul_in_a_string_key_is_einval(void)
{
	BAD("a%00b.json", LAY_S, 1);
	BAD("%00", LAY_S, 0);
	check_round_trip(val(LAY_B, "\0", 1)); /* a binary key: its name is AA== */
}

static void test_name_to_key__names_over_255_bytes_are_einval(void)
{
	static char name[300];

	memset(name, 'a', sizeof(name));
	check_bad(name, 256, LAY_S, 0);
	memcpy(name + 251, ".json", 5);
	check_bad(name, 256, LAY_S, 1);
}

static void test_name_to_key__long_name_with_bad_prefix_is_einval(void)
{
	static char name[255];

	/* the shape of a hashed name, but a prefix no key could give */
	memset(name, 'a', sizeof(name));
	memcpy(name + 233, "~0123456789abcdef.json", 22);
	name[10] = '/';
	check_bad(name, 255, LAY_S, 1);
	name[10] = '%';
	check_bad(name, 255, LAY_S, 1);
	name[10] = '\xc3';
	check_bad(name, 255, LAY_S, 1);
	name[10] = 'a';
	name[0] = '.';
	check_bad(name, 255, LAY_S, 1);
	name[0] = 'a';
	/* no number is long enough to need a hashed name */
	memset(name, '1', 233);
	check_bad(name, 255, LAY_N, 1);
	/* base64 has no '=' before its end and no escape but %2F */
	memset(name, 'A', 233);
	name[100] = '=';
	check_bad(name, 255, LAY_B, 1);
}

static void test_name_to_key__error_leaves_out_and_arena_alone(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k, before;
	lay_err err = { 0, "" };

	CHECK_RC(lay_name_to_key(&k, &it, "first.json", 10, LAY_S, 1, &err), 0);
	before = k;
	CHECK_RC(lay_name_to_key(&k, &it, "1.50.json", 9, LAY_N, 1, &err), -EINVAL);
	CHECK(strstr(err.msg, "1.5") != NULL);
	CHECK(memcmp(&k, &before, sizeof(k)) == 0);
	CHECK_STR(k.value.u.p, "first");
	lay_item_free(&it);
}

static void test_name_hash__fixed_vectors(void)
{
	lay_value s = str("alice"), b = val(LAY_B, "\0\xff", 2), n = val(LAY_N, "1", 1);
	lay_value s1 = str("1"), e = val(LAY_S, "", 0);
	static char big[LAY_MAX_PK];

	/* FNV-1a 64 of type letter + bytes, then splitmix64's finalizer */
	CHECK(lay_name_hash(&s) == 0x679df0261c09397dULL);
	CHECK(lay_name_hash(&b) == 0x08abebb0e4fd74f2ULL);
	CHECK(lay_name_hash(&n) == 0xd73d2cc980652e75ULL);
	CHECK(lay_name_hash(&e) == 0xb80707081610a151ULL);
	memset(big, 'a', sizeof(big));
	e = val(LAY_S, big, sizeof(big));
	CHECK(lay_name_hash(&e) == 0x70e01b7deab2c1dbULL);
	/* the type is part of what is hashed */
	CHECK(lay_name_hash(&s1) != lay_name_hash(&n));
}

static void test_name_is_item__json_names_not_starting_with_dot(void)
{
	CHECK(lay_name_is_item("x.json", 6) == 1);
	CHECK(lay_name_is_item("%2Ex.json", 9) == 1);
	CHECK(lay_name_is_item(".json", 5) == 0);
	CHECK(lay_name_is_item("json", 4) == 0);
	CHECK(lay_name_is_item("", 0) == 0);
	CHECK(lay_name_is_item(".x.json", 7) == 0);
	CHECK(lay_name_is_item(".x.json.swp", 11) == 0);
	CHECK(lay_name_is_item("x.json~", 7) == 0);
	CHECK(lay_name_is_item("4913", 4) == 0);
	CHECK(lay_name_is_item("sedAbC123", 9) == 0);
	CHECK(lay_name_is_item("x.json.AbC123", 13) == 0);
}

/* A refused name is shown from its len bytes only: the name is not a C
 * string (found by fuzzing). */
static void test_name_to_key__a_refused_name_is_shown_from_its_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_name_key k;
	lay_err err = { 0, "" };
	char *name = malloc(3);

	memcpy(name, "a\xff" "b", 3);
	CHECK_RC(lay_name_to_key(&k, &it, name, 3, LAY_S, 0, &err), -EINVAL);
	CHECK(strstr(err.msg, "not valid UTF-8") != NULL);
	CHECK(strstr(err.msg, "\"a\xff" "b\"") != NULL);
	free(name);
	lay_item_free(&it);
}

int main(void)
{
	RUN(test_name_from_key__string_is_its_text);
	RUN(test_name_to_key__a_refused_name_is_shown_from_its_bytes);
	RUN(test_name_from_key__appends_after_existing_contents);
	RUN(test_name_from_key__escapes_percent_slash_control_bytes_and_del);
	RUN(test_name_from_key__leading_dot_is_percent_encoded);
	RUN(test_name_from_key__space_tilde_and_utf8_are_not_escaped);
	RUN(test_name_from_key__number_is_its_canonical_text);
	RUN(test_name_from_key__binary_is_base64_with_slash_escaped);
	RUN(test_name__strings_with_special_bytes_round_trip);
	RUN(test_name__numbers_round_trip);
	RUN(test_name__binary_keys_round_trip);
	RUN(test_name_from_key__longest_partition_key_is_hashed);
	RUN(test_name_from_key__longest_sort_key_is_hashed);
	RUN(test_name_from_key__long_binary_key_is_hashed_between_escapes);
	RUN(test_name_from_key__long_multibyte_key_is_cut_between_characters);
	RUN(test_name_from_key__long_percent_key_is_cut_between_escapes);
	RUN(test_name__plain_255_byte_names_are_not_hashed);
	RUN(test_name_to_key__short_name_that_looks_hashed_is_a_plain_key);
	RUN(test_name__long_plain_name_ending_in_a_tail_is_hashed);
	RUN(test_name_to_key__noncanonical_escapes_are_einval);
	RUN(test_name_to_key__leading_dot_and_empty_names_are_einval);
	RUN(test_name_to_key__raw_slash_and_control_bytes_are_einval);
	RUN(test_name_to_key__item_needs_json_suffix);
	RUN(test_name_to_key__decodes_escapes);
	RUN(test_name_to_key__noncanonical_numbers_are_einval);
	RUN(test_name_to_key__bad_or_noncanonical_base64_is_einval);
	RUN(test_name_to_key__invalid_utf8_string_is_einval);
	RUN(test_name_to_key__nul_in_a_string_key_is_einval);
	RUN(test_name_to_key__names_over_255_bytes_are_einval);
	RUN(test_name_to_key__long_name_with_bad_prefix_is_einval);
	RUN(test_name_to_key__error_leaves_out_and_arena_alone);
	RUN(test_name_hash__fixed_vectors);
	RUN(test_name_is_item__json_names_not_starting_with_dot);
	return check_done();
}
