/* Unit tests of layout/schema.c: key schemas (SPEC §2, §7), table names,
 * key value checks and their DynamoDB messages, putting the path's key
 * into an item (SPEC §5, §6) and the 400 KB item limit. */
#include <errno.h>
#include <string.h>

#include "../../layout/schema.h"
#include "check.h"
#include "items.h"

/* Name of attribute i, "" past the end. */
static const char *attr_name(const lay_item *it, size_t i)
{
	return i < it->n ? it->a[i].name : "";
}

static const char *rep(char c, size_t n)
{
	static char buf[4096];

	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_schema_default__is_pk_string_and_sk_string(void)
{
	lay_schema s;

	memset(&s, 0x55, sizeof(s));
	lay_schema_default(&s);
	CHECK_STR(s.pk, "PK");
	CHECK(s.pk_type == LAY_S);
	CHECK_STR(s.sk, "SK");
	CHECK(s.sk_type == LAY_S);
}

static void test_schema_parse__two_keys_give_partition_then_sort(void)
{
	lay_schema s;
	lay_err err = {0, ""};
	const char *in = "customer:S,date:N";

	CHECK_RC(lay_schema_parse(&s, in, strlen(in), &err), 0);
	CHECK_STR(s.pk, "customer");
	CHECK(s.pk_type == LAY_S);
	CHECK_STR(s.sk, "date");
	CHECK(s.sk_type == LAY_N);
	CHECK(err.code == 0);
}

static void test_schema_parse__one_key_has_no_sort_key(void)
{
	lay_schema s;
	lay_err err = {0, ""};

	lay_schema_default(&s);
	CHECK_RC(lay_schema_parse(&s, "blob:B", 6, &err), 0);
	CHECK_STR(s.pk, "blob");
	CHECK(s.pk_type == LAY_B);
	CHECK_STR(s.sk, "");
	CHECK(s.sk_type == 0);
}

static void test_schema_parse__reads_only_len_bytes(void)
{
	lay_schema s;
	lay_err err = {0, ""};

	CHECK_RC(lay_schema_parse(&s, "id:N,junk", 4, &err), 0);
	CHECK_STR(s.pk, "id");
	CHECK(s.pk_type == LAY_N && s.sk_type == 0);
}

static void test_schema_parse__names_of_255_bytes_and_colons_are_accepted(void)
{
	lay_schema s;
	lay_err err = {0, ""};
	char in[4200];

	snprintf(in, sizeof(in), "%s:S,a:b:N", rep('k', 255));
	CHECK_RC(lay_schema_parse(&s, in, strlen(in), &err), 0);
	CHECK(strlen(s.pk) == 255);
	CHECK_STR(s.sk, "a:b");
	CHECK(s.sk_type == LAY_N);
}

/* in is rejected with -EINVAL, a message containing want, s unchanged. */
static int rejects(const char *in, size_t len, const char *want)
{
	lay_schema s, before;
	lay_err err = {0, ""};
	int rc, ok;

	lay_schema_default(&s);
	before = s;
	rc = lay_schema_parse(&s, in, len, &err);
	ok = rc == -EINVAL && err.code == -EINVAL && strstr(err.msg, want) &&
	     memcmp(&s, &before, sizeof(s)) == 0;
	if (!ok)
		fprintf(stderr, "  \"%.*s\": rc %d, message \"%s\"\n", (int)len, in, rc, err.msg);
	return ok;
}

static int rejects_s(const char *in, const char *want)
{
	return rejects(in, strlen(in), want);
}

static void test_schema_parse__three_keys_are_rejected(void)
{
	CHECK(rejects_s("a:S,b:S,c:S", "has 3 keys; a table has one or two"));
	CHECK(rejects_s("a:S,,", "has 3 keys"));
}

static void test_schema_parse__empty_parts_are_rejected(void)
{
	CHECK(rejects_s("", "partition key is empty"));
	CHECK(rejects_s(",", "partition key is empty"));
	CHECK(rejects_s(",SK:S", "partition key is empty"));
	CHECK(rejects_s("PK:S,", "sort key is empty"));
	CHECK(rejects_s(":S", "partition key has an empty name"));
	CHECK(rejects_s("PK:S,:N", "sort key has an empty name"));
}

static void test_schema_parse__types_other_than_s_n_b_are_rejected(void)
{
	CHECK(rejects_s("PK", "has no type"));
	CHECK(rejects_s("PK:", "type is \"\"; key types are S, N or B"));
	CHECK(rejects_s("PK:BOOL", "type is \"BOOL\""));
	CHECK(rejects_s("PK:SS", "type is \"SS\""));
	CHECK(rejects_s("PK:s", "type is \"s\""));
	CHECK(rejects_s("PK:S,SK:M", "sort key's type is \"M\""));
	CHECK(rejects_s("PK:S,SK", "sort key \"SK\" has no type"));
}

static void test_schema_parse__control_bytes_and_edge_spaces_are_rejected(void)
{
	CHECK(rejects_s("PK:S, SK:S", "starts or ends with whitespace"));
	CHECK(rejects_s(" PK:S", "starts or ends with whitespace"));
	CHECK(rejects_s("PK :S", "starts or ends with whitespace"));
	CHECK(rejects_s("PK: S", "type is \" S\""));
	CHECK(rejects_s("PK:S\n", "byte 0x0A at offset 4"));
	CHECK(rejects_s("P\tK:S", "control character (byte 0x09"));
	CHECK(rejects("PK:S\0", 5, "byte 0x00"));
	CHECK(rejects_s("\"P\tK\":S", "control character"));
}

static void test_schema_parse__names_with_spaces_are_taken_as_written(void)
{
	lay_schema s;
	const char *in = "customer id:S,order date:N";

	CHECK_RC(lay_schema_parse(&s, in, strlen(in), NULL), 0);
	CHECK_STR(s.pk, "customer id");
	CHECK_STR(s.sk, "order date");
	CHECK(s.sk_type == LAY_N);
}

static void test_schema_parse__quoted_names_hold_commas_spaces_and_escapes(void)
{
	lay_schema s;
	const char *in = "\"a,b\":S,\" x \":B";

	CHECK_RC(lay_schema_parse(&s, in, strlen(in), NULL), 0);
	CHECK_STR(s.pk, "a,b");
	CHECK_STR(s.sk, " x ");
	CHECK(s.sk_type == LAY_B);
	in = "\"t\\tab\\\"q\\u00e9\\ud83d\\ude00\":N";
	CHECK_RC(lay_schema_parse(&s, in, strlen(in), NULL), 0);
	CHECK_STR(s.pk, "t\tab\"q\xc3\xa9\xf0\x9f\x98\x80");
	CHECK(s.pk_type == LAY_N && s.sk_type == 0);
	in = "\"a:S,b\":S";
	CHECK_RC(lay_schema_parse(&s, in, strlen(in), NULL), 0);
	CHECK_STR(s.pk, "a:S,b");
	CHECK(s.sk_type == 0);
	in = "x:S,\"\\\"\":S";
	CHECK_RC(lay_schema_parse(&s, in, strlen(in), NULL), 0);
	CHECK_STR(s.sk, "\"");
}

static void test_schema_parse__bad_quoted_names_are_rejected(void)
{
	char in[4200];

	CHECK(rejects_s("\"ab:S", "not a valid JSON string"));
	CHECK(rejects_s("\"a\\x\":S", "not a valid JSON string"));
	CHECK(rejects_s("\"a\\ud800\":S", "not a valid JSON string"));
	CHECK(rejects_s("\"a\\u0000\":S", "U+0000"));
	CHECK(rejects_s("\"\":S", "partition key has an empty name"));
	CHECK(rejects_s("\"a\"S", "has no type"));
	CHECK(rejects_s("\"a\":SS", "type is \"SS\""));
	CHECK(rejects_s("\"a\" :S", "has no type"));
	CHECK(rejects_s("a\xff:S", "not UTF-8"));
	CHECK(rejects_s("\"a\xff\":S", "not a valid JSON string"));
	snprintf(in, sizeof(in), "\"%s\":S", rep('k', 256));
	CHECK(rejects_s(in, "over 255 bytes"));
	snprintf(in, sizeof(in), "\"%s\":S", rep('k', 255));
	CHECK_RC(lay_schema_parse(&(lay_schema){ 0 }, in, strlen(in), NULL), 0);
}

static void test_schema_parse__a_bare_comma_always_separates_keys(void)
{
	CHECK(rejects_s("a,b:S", "partition key \"a\" has no type"));
	CHECK(rejects_s("a,b:S,c:N", "has 3 keys"));
}

static void test_schema_parse__overlong_names_are_rejected(void)
{
	char in[4200];

	snprintf(in, sizeof(in), "%s:S", rep('k', 256));
	CHECK(rejects_s(in, "partition key's name is 256 bytes; the limit is 255"));
	snprintf(in, sizeof(in), "PK:S,%s:N", rep('k', 300));
	CHECK(rejects_s(in, "sort key's name is 300 bytes"));
}

static void test_schema_parse__same_name_twice_is_rejected(void)
{
	CHECK(rejects_s("id:S,id:N", "both named \"id\""));
}

static void test_schema_format__inverts_parse(void)
{
	static const char *const ins[] = {
		"PK:S,SK:S",   "customer:S,date:N",	   "blob:B",
		"a:b:N,c:B",   "customer id:S,x y:N",	   "\"a,b\":S,\" x\":N",
		"\"\\\"q\":S", "\"t\\tab\":B,\"a:S,b\":S", "caf\xc3\xa9:S"
	};
	lay_schema s, s2;
	lay_buf b = LAY_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		lay_buf_reset(&b);
		CHECK_RC(lay_schema_parse(&s, ins[i], strlen(ins[i]), NULL), 0);
		CHECK_RC(lay_schema_format(&b, &s), 0);
		CHECK_STR(b.p, ins[i]);
		CHECK_RC(lay_schema_parse(&s2, b.p, b.len, NULL), 0);
		CHECK(memcmp(&s, &s2, sizeof(s)) == 0);
	}
	lay_schema_default(&s);
	lay_buf_reset(&b);
	CHECK_RC(lay_schema_format(&b, &s), 0);
	CHECK_STR(b.p, "PK:S,SK:S");
	lay_buf_free(&b);
}

static void test_table_name_check__accepts_dynamodb_names(void)
{
	lay_err err = {0, ""};

	CHECK_RC(lay_table_name_check("abc", 3, &err), 0);
	CHECK_RC(lay_table_name_check("My_Table-1.x", 12, &err), 0);
	CHECK_RC(lay_table_name_check("a..", 3, &err), 0);
	CHECK_RC(lay_table_name_check("---", 3, &err), 0);
	CHECK_RC(lay_table_name_check(rep('T', 255), 255, &err), 0);
	CHECK(err.code == 0);
}

static int name_rejected(const char *name, size_t len, const char *want)
{
	lay_err err = {0, ""};
	int rc = lay_table_name_check(name, len, &err);
	int ok = rc == -EINVAL && err.code == -EINVAL && strstr(err.msg, want);

	if (!ok)
		fprintf(stderr, "  \"%.*s\": rc %d, message \"%s\"\n", (int)len, name, rc, err.msg);
	return ok;
}

static void test_table_name_check__rejects_bad_lengths_bytes_and_leading_dot(void)
{
	CHECK(name_rejected("ab", 2, "is 2 characters; names are 3 to 255"));
	CHECK(name_rejected("", 0, "is 0 characters"));
	CHECK(name_rejected(rep('T', 256), 256, "is 256 characters"));
	CHECK(name_rejected(".abc", 4, "starts with '.'"));
	CHECK(name_rejected("a b", 3, "contains byte 0x20 at offset 1"));
	CHECK(name_rejected("a/b", 3, "contains byte 0x2F"));
	CHECK(name_rejected("ab\0c", 4, "contains byte 0x00 at offset 2"));
	CHECK(name_rejected("tab\xc3\xa9", 5, "contains byte 0xC3"));
	CHECK(name_rejected("a:b", 3, "[A-Za-z0-9_.-]"));
}

static void test_key_value_check__type_must_match_the_schema(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value n = N(&it, "1");
	lay_err err = {0, ""};

	CHECK_RC(lay_key_value_check(&n, LAY_S, 0, "PK", &err), -EINVAL);
	CHECK_STR(err.msg, "One or more parameter values were invalid: Type mismatch for key PK "
			   "expected: S actual: N");
	CHECK_RC(lay_key_value_check(&n, LAY_N, 0, "PK", &err), 0);
	lay_item_free(&it);
}

static void test_key_value_check__empty_value_is_rejected_with_dynamodb_message(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value s = S(&it, ""), b = scalar(&it, LAY_B, "", 0);
	lay_err err = {0, ""};

	CHECK_RC(lay_key_value_check(&s, LAY_S, 0, "PK", &err), -EINVAL);
	CHECK_STR(err.msg, "One or more parameter values are not valid. The AttributeValue for a "
			   "key attribute cannot contain an empty string value. Key: PK");
	CHECK_RC(lay_key_value_check(&b, LAY_B, 1, "SK", &err), -EINVAL);
	CHECK(strstr(err.msg, "empty binary value. Key: SK") != NULL);
	lay_item_free(&it);
}

static void test_key_value_check__partition_key_limit_is_2048_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value ok = S(&it, rep('x', 2048)), big = S(&it, rep('x', 2049));
	lay_value bbig = scalar(&it, LAY_B, rep('\0', 2049), 2049);
	lay_err err = {0, ""};

	CHECK_RC(lay_key_value_check(&ok, LAY_S, 0, "PK", &err), 0);
	CHECK_RC(lay_key_value_check(&big, LAY_S, 0, "PK", &err), -EINVAL);
	CHECK(strstr(err.msg, "partition key PK is 2049 bytes; the limit is 2048") != NULL);
	CHECK_RC(lay_key_value_check(&bbig, LAY_B, 0, "id", &err), -EINVAL);
	CHECK(strstr(err.msg, "2049 bytes; the limit is 2048") != NULL);
	lay_item_free(&it);
}

static void test_key_value_check__sort_key_limit_is_1024_bytes(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_value ok = S(&it, rep('x', 1024)), big = S(&it, rep('x', 1025));
	lay_value n = N(&it, "-1234567890123456789012345678901234567.8");
	lay_err err = {0, ""};

	CHECK_RC(lay_key_value_check(&ok, LAY_S, 1, "SK", &err), 0);
	CHECK_RC(lay_key_value_check(&big, LAY_S, 1, "SK", &err), -EINVAL);
	CHECK(strstr(err.msg, "sort key SK is 1025 bytes; the limit is 1024") != NULL);
	CHECK_RC(lay_key_value_check(&n, LAY_N, 1, "SK", &err), 0);
	lay_item_free(&it);
}

static void test_item_key__takes_both_keys_borrowed_from_the_item(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k;
	lay_err err = {0, ""};

	lay_schema_default(&s);
	add(&it, "x", S(&it, "other"));
	add(&it, "SK", S(&it, "2026-01-05"));
	add(&it, "PK", S(&it, "alice"));
	CHECK_RC(lay_item_key(&k, &it, &s, &err), 0);
	CHECK(k.pk.type == LAY_S && k.pk.u.p == it.a[2].v.u.p);
	CHECK(k.sk.type == LAY_S && k.sk.u.p == it.a[1].v.u.p);
	lay_item_free(&it);
}

static void test_item_key__table_without_sort_key_has_empty_sk(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k;

	CHECK_RC(lay_schema_parse(&s, "id:N", 4, NULL), 0);
	add(&it, "id", N(&it, "7"));
	add(&it, "SK", S(&it, "ignored"));
	memset(&k, 0x55, sizeof(k));
	CHECK_RC(lay_item_key(&k, &it, &s, NULL), 0);
	CHECK(k.pk.type == LAY_N && k.pk.len == 1);
	CHECK(k.sk.type == 0);
	lay_item_free(&it);
}

static void test_item_key__missing_or_bad_key_is_einval_and_out_untouched(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k, before;
	lay_err err = {0, ""};

	lay_schema_default(&s);
	memset(&k, 0x55, sizeof(k));
	before = k;
	add(&it, "PK", S(&it, "alice"));
	CHECK_RC(lay_item_key(&k, &it, &s, &err), -EINVAL);
	CHECK_STR(err.msg, "One or more parameter values were invalid: Missing the key SK in the "
			   "item");
	CHECK(memcmp(&k, &before, sizeof(k)) == 0);
	add(&it, "SK", N(&it, "1"));
	CHECK_RC(lay_item_key(&k, &it, &s, &err), -EINVAL);
	CHECK(strstr(err.msg, "Type mismatch for key SK expected: S actual: N") != NULL);
	CHECK(memcmp(&k, &before, sizeof(k)) == 0);
	lay_item_free(&it);
}

/* A key with values in a caller's buffer. */
static lay_key key_of(const char *pk, const char *sk)
{
	lay_key k;

	memset(&k, 0, sizeof(k));
	k.pk.type = LAY_S;
	k.pk.len = strlen(pk);
	k.pk.u.p = (char *)pk;
	if (sk) {
		k.sk.type = LAY_S;
		k.sk.len = strlen(sk);
		k.sk.u.p = (char *)sk;
	}
	return k;
}

static void test_item_set_key__missing_keys_are_added_first(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	char pk[] = "alice", sk[] = "2026-01-05";
	lay_key k = key_of(pk, sk);
	lay_err err = {0, ""};

	lay_schema_default(&s);
	add(&it, "b", S(&it, "1"));
	add(&it, "a", S(&it, "2"));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, &err), 0);
	CHECK(it.n == 4);
	CHECK_STR(attr_name(&it, 0), "PK");
	CHECK_STR(attr_name(&it, 1), "SK");
	CHECK_STR(attr_name(&it, 2), "b");
	CHECK_STR(attr_name(&it, 3), "a");
	/* the values were copied: the caller's buffers may die */
	memset(pk, 'z', 5);
	memset(sk, 'z', 10);
	CHECK_STR(it.a[0].v.u.p, "alice");
	CHECK_STR(it.a[1].v.u.p, "2026-01-05");
	CHECK(it.a[0].name_len == 2);
	lay_item_free(&it);
}

static void test_item_set_key__empty_item_gets_just_its_key(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("p", NULL);

	CHECK_RC(lay_schema_parse(&s, "id:S", 4, NULL), 0);
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, NULL), 0);
	CHECK(it.n == 1);
	CHECK_STR(attr_name(&it, 0), "id");
	CHECK_STR(it.a[0].v.u.p, "p");
	lay_item_free(&it);
}

static void test_item_set_key__present_keys_move_first_and_others_keep_order(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("alice", "x");

	lay_schema_default(&s);
	add(&it, "c", S(&it, "3"));
	add(&it, "SK", S(&it, "x"));
	add(&it, "a", S(&it, "1"));
	add(&it, "PK", S(&it, "alice"));
	add(&it, "b", S(&it, "2"));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, NULL), 0);
	CHECK(it.n == 5);
	CHECK_STR(attr_name(&it, 0), "PK");
	CHECK_STR(attr_name(&it, 1), "SK");
	CHECK_STR(attr_name(&it, 2), "c");
	CHECK_STR(attr_name(&it, 3), "a");
	CHECK_STR(attr_name(&it, 4), "b");
	lay_item_free(&it);
}

static void test_item_set_key__key_already_first_keeps_the_array(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("alice", "x");
	lay_attr *before;

	lay_schema_default(&s);
	add(&it, "PK", S(&it, "alice"));
	add(&it, "SK", S(&it, "x"));
	add(&it, "a", S(&it, "1"));
	before = it.a;
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, NULL), 0);
	CHECK(it.a == before && it.n == 3);
	CHECK_RC(lay_item_set_key(&it, &s, &k, 1, NULL), 0);
	CHECK(it.a == before && it.n == 3);
	lay_item_free(&it);
}

static void test_item_set_key__mismatch_is_einval_and_item_unchanged(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("b", "x");
	lay_err err = {0, ""};
	lay_attr *before;

	lay_schema_default(&s);
	add(&it, "z", S(&it, "1"));
	add(&it, "PK", S(&it, "a"));
	before = it.a;
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, &err), -EINVAL);
	CHECK_STR(err.msg, "key attribute \"PK\" is \"a\" but the path says \"b\"");
	CHECK(it.a == before && it.n == 2);
	CHECK_STR(it.a[1].v.u.p, "a");
	lay_item_free(&it);
}

static void test_item_set_key__type_mismatch_names_both_types(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("a", "1");
	lay_err err = {0, ""};

	lay_schema_default(&s);
	add(&it, "SK", N(&it, "1"));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, &err), -EINVAL);
	CHECK_STR(err.msg, "key attribute \"SK\" has type N but the path's key has type S");
	CHECK(it.n == 1 && it.a[0].v.type == LAY_N);
	lay_item_free(&it);
}

static void test_item_set_key__long_values_are_cut_in_the_message(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	char longv[1001];
	lay_key k;
	lay_err err = {0, ""};

	memset(longv, 'q', 1000);
	longv[1000] = '\0';
	k = key_of(longv, "x");
	lay_schema_default(&s);
	add(&it, "PK", S(&it, "short"));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, &err), -EINVAL);
	CHECK(strstr(err.msg, "is \"short\" but the path says \"qqqq") != NULL);
	CHECK(strstr(err.msg, "qqq...\"") != NULL);
	CHECK(strlen(err.msg) < 200);
	lay_item_free(&it);
}

static void test_item_set_key__binary_mismatch_shows_base64(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k;
	lay_err err = {0, ""};

	CHECK_RC(lay_schema_parse(&s, "id:B", 4, NULL), 0);
	memset(&k, 0, sizeof(k));
	k.pk.type = LAY_B;
	k.pk.len = 3;
	k.pk.u.p = (char *)"\0\1\2";
	add(&it, "id", scalar(&it, LAY_B, "\xff", 1));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, &err), -EINVAL);
	CHECK_STR(err.msg, "key attribute \"id\" is base64 \"/w==\" but the path says base64 "
			   "\"AAEC\"");
	lay_item_free(&it);
}

static void test_item_set_key__overwrite_replaces_the_key(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("new", "s2");

	lay_schema_default(&s);
	add(&it, "PK", S(&it, "old"));
	add(&it, "data", S(&it, "d"));
	add(&it, "SK", S(&it, "s1"));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 1, NULL), 0);
	CHECK(it.n == 3);
	CHECK_STR(attr_name(&it, 0), "PK");
	CHECK_STR(it.a[0].v.u.p, "new");
	CHECK_STR(attr_name(&it, 1), "SK");
	CHECK_STR(it.a[1].v.u.p, "s2");
	CHECK_STR(attr_name(&it, 2), "data");
	lay_item_free(&it);
}

static void test_item_set_key__invalid_key_is_einval_and_item_unchanged(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_key k = key_of("", "x"), n = key_of("a", "1");
	lay_err err = {0, ""};

	lay_schema_default(&s);
	add(&it, "a", S(&it, "1"));
	CHECK_RC(lay_item_set_key(&it, &s, &k, 0, &err), -EINVAL);
	CHECK(strstr(err.msg, "empty string value. Key: PK") != NULL);
	n.sk.type = LAY_N;
	CHECK_RC(lay_item_set_key(&it, &s, &n, 1, &err), -EINVAL);
	CHECK(strstr(err.msg, "Type mismatch for key SK") != NULL);
	CHECK(it.n == 1);
	CHECK_STR(attr_name(&it, 0), "a");
	lay_item_free(&it);
}

static void test_item_validate__item_of_400_kb_passes_one_byte_more_is_efbig(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_err err = {0, ""};
	static char big[LAY_MAX_ITEM_SIZE];
	lay_attr *d;

	lay_schema_default(&s);
	memset(big, 'x', sizeof(big));
	add(&it, "PK", S(&it, "a"));
	add(&it, "SK", S(&it, "b"));
	/* 3 + 3 + 1 + value */
	add(&it, "d", scalar(&it, LAY_S, big, LAY_MAX_ITEM_SIZE - 7));
	CHECK(lay_item_size(&it) == LAY_MAX_ITEM_SIZE);
	CHECK_RC(lay_item_validate(&it, &s, &err), 0);
	d = &it.a[2];
	d->v = scalar(&it, LAY_S, big, LAY_MAX_ITEM_SIZE - 6);
	CHECK_RC(lay_item_validate(&it, &s, &err), -EFBIG);
	CHECK_STR(err.msg, "Item size has exceeded the maximum allowed size (409601 bytes; the "
			   "limit is 409600)");
	lay_item_free(&it);
}

static void test_item_validate__missing_key_is_einval(void)
{
	lay_item it = LAY_ITEM_INIT;
	lay_schema s;
	lay_err err = {0, ""};

	lay_schema_default(&s);
	add(&it, "SK", S(&it, "b"));
	CHECK_RC(lay_item_validate(&it, &s, &err), -EINVAL);
	CHECK(strstr(err.msg, "Missing the key PK") != NULL);
	lay_item_free(&it);
}

int main(void)
{
	RUN(test_schema_default__is_pk_string_and_sk_string);
	RUN(test_schema_parse__two_keys_give_partition_then_sort);
	RUN(test_schema_parse__one_key_has_no_sort_key);
	RUN(test_schema_parse__reads_only_len_bytes);
	RUN(test_schema_parse__names_of_255_bytes_and_colons_are_accepted);
	RUN(test_schema_parse__three_keys_are_rejected);
	RUN(test_schema_parse__empty_parts_are_rejected);
	RUN(test_schema_parse__types_other_than_s_n_b_are_rejected);
	RUN(test_schema_parse__control_bytes_and_edge_spaces_are_rejected);
	RUN(test_schema_parse__names_with_spaces_are_taken_as_written);
	RUN(test_schema_parse__quoted_names_hold_commas_spaces_and_escapes);
	RUN(test_schema_parse__bad_quoted_names_are_rejected);
	RUN(test_schema_parse__a_bare_comma_always_separates_keys);
	RUN(test_schema_parse__overlong_names_are_rejected);
	RUN(test_schema_parse__same_name_twice_is_rejected);
	RUN(test_schema_format__inverts_parse);
	RUN(test_table_name_check__accepts_dynamodb_names);
	RUN(test_table_name_check__rejects_bad_lengths_bytes_and_leading_dot);
	RUN(test_key_value_check__type_must_match_the_schema);
	RUN(test_key_value_check__empty_value_is_rejected_with_dynamodb_message);
	RUN(test_key_value_check__partition_key_limit_is_2048_bytes);
	RUN(test_key_value_check__sort_key_limit_is_1024_bytes);
	RUN(test_item_key__takes_both_keys_borrowed_from_the_item);
	RUN(test_item_key__table_without_sort_key_has_empty_sk);
	RUN(test_item_key__missing_or_bad_key_is_einval_and_out_untouched);
	RUN(test_item_set_key__missing_keys_are_added_first);
	RUN(test_item_set_key__empty_item_gets_just_its_key);
	RUN(test_item_set_key__present_keys_move_first_and_others_keep_order);
	RUN(test_item_set_key__key_already_first_keeps_the_array);
	RUN(test_item_set_key__mismatch_is_einval_and_item_unchanged);
	RUN(test_item_set_key__type_mismatch_names_both_types);
	RUN(test_item_set_key__long_values_are_cut_in_the_message);
	RUN(test_item_set_key__binary_mismatch_shows_base64);
	RUN(test_item_set_key__overwrite_replaces_the_key);
	RUN(test_item_set_key__invalid_key_is_einval_and_item_unchanged);
	RUN(test_item_validate__item_of_400_kb_passes_one_byte_more_is_efbig);
	RUN(test_item_validate__missing_key_is_einval);
	return check_done();
}
