/* Unit tests of engine/doc.c and engine/options.c: a document's key
 * settled from its path (SPEC §4, §5), drafts checked as they are written,
 * keys as text, and options by name (SPEC §7). */
#include <errno.h>
#include <string.h>

#include "../../engine/engine.h"
#include "dbtest.h"
#include "items.h"

static char *dir;
static eng_db *db;

static void setup(const char *schema)
{
	lay_err err = { 0 };
	lay_schema s;

	dir = dbt_tmpdir();
	CHECK_RC(eng_db_open(&db, dir, NULL, &err), 0);
	CHECK_RC(lay_schema_parse(&s, schema, strlen(schema), &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "Orders", &s, NULL, &err), 0);
}

static void teardown(void)
{
	eng_db_close(db);
	dbt_rmdir(dir);
}

static int put_text(const char *text, const eng_place *p, lay_err *err)
{
	lay_item it = LAY_ITEM_INIT;
	lay_key key;
	int rc = eng_doc_parse(db, NULL, "Orders", text, strlen(text), LAY_FMT_PLAIN, p, &it, &key, err);

	if (rc == 0)
		rc = eng_item_put(db, NULL, "Orders", &it, NULL, 0, NULL, NULL, err);
	lay_item_free(&it);
	return rc;
}

static void test_doc__path_gives_the_key_the_content_may_omit(void)
{
	lay_item st = LAY_ITEM_INIT, got = LAY_ITEM_INIT;
	lay_value pk, sk;
	eng_place p = { 0 };
	lay_key key;
	lay_err err = { 0 };

	setup("customer:S,order:N");
	pk = S(&st, "alice");
	sk = N(&st, "7");
	p.pk = &pk;
	p.pk_name = "alice";
	p.key = &sk;
	p.name = "7.json";
	CHECK_RC(put_text("{\"total\":3}", &p, &err), 0);
	key.pk = pk;
	key.sk = sk;
	CHECK_RC(eng_item_get(db, NULL, "Orders", &key, &got, NULL, &err), 0);
	CHECK(got.n == 3 && strcmp(got.a[0].name, "customer") == 0);
	/* content that disagrees with the path is refused */
	CHECK_RC(put_text("{\"customer\":\"bob\",\"total\":3}", &p, &err), -EINVAL);
	CHECK(strstr(err.msg, "bob") || strstr(err.msg, "alice"));
	lay_item_free(&got);
	lay_item_free(&st);
	teardown();
}

static void test_doc__long_name_needs_the_key_in_the_content_and_must_match_it(void)
{
	eng_place p = { 0 };
	lay_err err = { 0 };

	setup("id:S");
	p.name = "x.json"; /* as if hashed: the content must tell */
	CHECK_RC(put_text("{\"total\":3}", &p, &err), -EINVAL);
	CHECK(strstr(err.msg, "long name") != NULL);
	CHECK_RC(put_text("{\"id\":\"y\",\"total\":3}", &p, &err), -EINVAL);
	CHECK(strstr(err.msg, "y.json") != NULL);
	CHECK_RC(put_text("{\"id\":\"x\",\"total\":3}", &p, &err), 0);
	teardown();
}

static void test_doc__partition_name_is_checked_when_its_value_is_unknown(void)
{
	lay_item st = LAY_ITEM_INIT;
	lay_value sk;
	eng_place p = { 0 };
	lay_err err = { 0 };

	setup("customer:S,order:N");
	sk = N(&st, "1");
	p.pk_name = "alice";
	p.key = &sk;
	p.name = "1.json";
	CHECK_RC(put_text("{\"customer\":\"bob\",\"order\":1}", &p, &err), -EINVAL);
	CHECK(strstr(err.msg, "alice") != NULL);
	CHECK_RC(put_text("{\"customer\":\"alice\",\"order\":1}", &p, &err), 0);
	/* the sort key may come from the name alone; the partition key not */
	CHECK_RC(put_text("{\"customer\":\"alice\",\"x\":2}", &p, &err), 0);
	CHECK_RC(put_text("{\"x\":2}", &p, &err), -EINVAL);
	CHECK(strstr(err.msg, "partition key customer") != NULL);
	lay_item_free(&st);
	teardown();
}

static void test_doc__bad_json_and_no_table_are_refused_table_first(void)
{
	eng_place p = { 0 };
	lay_item it = LAY_ITEM_INIT;
	lay_key key;
	lay_err err = { 0 };

	setup("id:S");
	p.name = "a.json";
	CHECK_RC(eng_doc_parse(db, NULL, "Orders", "{bad", 4, LAY_FMT_PLAIN, &p, &it, &key, &err),
		 -EINVAL);
	lay_item_free(&it);
	CHECK_RC(eng_doc_parse(db, NULL, "Nope", "{bad", 4, LAY_FMT_PLAIN, &p, &it, &key, &err), -ENOENT);
	lay_item_free(&it);
	teardown();
}

/* Write text to a draft in pieces of n bytes; the first refusal's errno. */
static int draft_in_pieces(eng_draft *d, const eng_place *p, const char *text, size_t n)
{
	size_t len = strlen(text), at;
	lay_err err = { 0 };
	int rc;

	for (at = 0; at < len; at += n) {
		size_t k = len - at < n ? len - at : n;

		rc = eng_draft_write(d, LAY_FMT_PLAIN, text, at, at, k, 0, &err);
		if (rc == 1)
			rc = eng_draft_check(db, NULL, d, "Orders", LAY_FMT_PLAIN, p, 1, text, at + k,
					     &err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void test_draft__syntax_error_is_refused_at_its_write_and_sticks(void)
{
	eng_draft d = ENG_DRAFT_INIT;
	eng_place p = { 0 };
	lay_item st = LAY_ITEM_INIT, it = LAY_ITEM_INIT;
	lay_value k;
	lay_err err = { 0 };

	setup("id:S");
	k = S(&st, "a");
	p.key = &k;
	p.name = "a.json";
	CHECK_RC(draft_in_pieces(&d, &p, "{\"x\":1}}", 4), -EINVAL);
	CHECK_RC(eng_draft_write(&d, LAY_FMT_PLAIN, "{", 0, 0, 1, 0, &err), -EINVAL);
	CHECK(strstr(err.msg, "refused") != NULL);
	CHECK(eng_draft_truncate(&d, 8, 0) == -EINVAL);
	CHECK_RC(draft_in_pieces(&d, &p, "{\"x\":1}\n", 3), 0);
	CHECK(eng_draft_take(&d, 2, 8, &it) == 0); /* another place */
	CHECK(eng_draft_truncate(&d, 8, 0) == 0);
	CHECK_RC(draft_in_pieces(&d, &p, "{\"x\":1}", 3), 0);
	CHECK(eng_draft_take(&d, 1, 7, &it) == 1);
	CHECK(it.n == 2);
	lay_item_free(&it);
	eng_draft_free(&d);
	lay_item_free(&st);
	teardown();
}

static void test_draft__a_complete_document_the_commit_would_refuse_is_refused(void)
{
	eng_draft d = ENG_DRAFT_INIT;
	eng_place p = { 0 };
	lay_item st = LAY_ITEM_INIT;
	lay_value k;

	setup("id:S");
	k = S(&st, "a");
	p.key = &k;
	p.name = "a.json";
	CHECK_RC(draft_in_pieces(&d, &p, "{\"id\":\"b\"}", 5), -EINVAL);
	eng_draft_free(&d);
	lay_item_free(&st);
	teardown();
}

static void test_key_text__round_trips(void)
{
	lay_item st = LAY_ITEM_INIT, back = LAY_ITEM_INIT;
	lay_buf t = LAY_BUF_INIT;
	lay_key key, got;
	lay_err err = { 0 };

	setup("customer:S,order:N");
	key.pk = S(&st, "al\"ice");
	key.sk = N(&st, "12.5");
	CHECK_RC(eng_key_render(db, NULL, "Orders", &key, &t, &err), 0);
	CHECK_STR(t.p, "{\"customer\":{\"S\":\"al\\\"ice\"},\"order\":{\"N\":\"12.5\"}}");
	CHECK_RC(eng_key_parse(db, NULL, "Orders", t.p, t.len, &back, &got, &err), 0);
	CHECK(lay_value_equal(&got.pk, &key.pk) && lay_value_equal(&got.sk, &key.sk));
	lay_item_free(&back);
	back = (lay_item)LAY_ITEM_INIT;
	CHECK_RC(eng_key_parse(db, NULL, "Orders", "{\"x\":{\"S\":\"a\"}}", 15, &back, &got, &err),
		 -EINVAL);
	lay_item_free(&back);
	lay_buf_free(&t);
	lay_item_free(&st);
	teardown();
}

static void test_options__table_options_by_name(void)
{
	lay_buf v = LAY_BUF_INIT;
	lay_err err = { 0 };

	setup("id:S");
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "billing_mode", "PROVISIONED", 11, &err), 0);
	CHECK_RC(eng_table_option_get(db, NULL, "Orders", "wcu", &v, &err), 0);
	CHECK_STR(v.p, "5");
	lay_buf_free(&v);
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "rcu", "0", 1, &err), -EINVAL);
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "rcu", "5\0", 2, &err), -EINVAL);
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "item_count", "0", 1, &err), 0);
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "item_count", "9", 1, &err), -ENOTSUP);
	CHECK(strstr(err.msg, "read-only") != NULL);
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "colour", "red", 3, &err), -ENOTSUP);
	CHECK_RC(eng_table_option_get(db, NULL, "Orders", "colour", &v, &err), -ENODATA);
	CHECK(eng_table_option_set(db, NULL, "Orders", "key_schema", "id:S", 4, &err) == 0);
	CHECK(eng_table_option_set(db, NULL, "Orders", "key_schema", "id:N", 4, &err) == 1);
	CHECK_RC(eng_table_option_get(db, NULL, "Orders", "key_schema", &v, &err), 0);
	CHECK_STR(v.p, "id:N");
	lay_buf_free(&v);
	teardown();
}

static void test_options__item_ttl_is_one_update_of_the_ttl_attribute(void)
{
	lay_item st = LAY_ITEM_INIT, it = LAY_ITEM_INIT;
	lay_buf v = LAY_BUF_INIT;
	lay_key key = { 0 };
	lay_err err = { 0 };

	setup("id:S");
	key.pk = S(&st, "a");
	add(&it, "id", S(&it, "a"));
	CHECK_RC(eng_item_put(db, NULL, "Orders", &it, NULL, 0, NULL, NULL, &err), 0);
	CHECK_RC(eng_item_option_set(db, NULL, "Orders", &key, "ttl", "123", 3, &err), -EINVAL);
	CHECK(strstr(err.msg, "TTL attribute") != NULL);
	CHECK_RC(eng_table_option_set(db, NULL, "Orders", "ttl_attribute", "exp", 3, &err), 0);
	CHECK_RC(eng_item_option_set(db, NULL, "Orders", &key, "ttl", "-5", 2, &err), -EINVAL);
	CHECK_RC(eng_item_option_set(db, NULL, "Orders", &key, "ttl", "4102444800", 10, &err), 0);
	CHECK_RC(eng_item_option_get(db, NULL, "Orders", &key, "ttl", &v, &err), 0);
	CHECK_STR(v.p, "4102444800");
	lay_buf_free(&v);
	CHECK_RC(eng_item_option_get(db, NULL, "Orders", &key, "size", &v, &err), 0);
	CHECK_RC(eng_item_option_set(db, NULL, "Orders", &key, "size", "1", 1, &err), -ENOTSUP);
	lay_buf_free(&v);
	lay_item_free(&it);
	lay_item_free(&st);
	teardown();
}

int main(void)
{
	RUN(test_doc__path_gives_the_key_the_content_may_omit);
	RUN(test_doc__long_name_needs_the_key_in_the_content_and_must_match_it);
	RUN(test_doc__partition_name_is_checked_when_its_value_is_unknown);
	RUN(test_doc__bad_json_and_no_table_are_refused_table_first);
	RUN(test_draft__syntax_error_is_refused_at_its_write_and_sticks);
	RUN(test_draft__a_complete_document_the_commit_would_refuse_is_refused);
	RUN(test_key_text__round_trips);
	RUN(test_options__table_options_by_name);
	RUN(test_options__item_ttl_is_one_update_of_the_ttl_attribute);
	return check_done();
}
