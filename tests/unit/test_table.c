/* Unit tests of engine/table.c (SPEC §2, §7): create, describe, list and
 * delete tables; the key schema changes only while a table is empty;
 * settings persist; statistics follow the items. */
#include <errno.h>
#include <string.h>

#include "../../engine/engine.h"
#include "dbtest.h"

static char *dir;
static eng_db *db;

static void setup(void)
{
	dir = dbt_tmpdir();
	db = dbt_open(dir, NULL);
}

static void teardown(void)
{
	eng_db_close(db);
	dbt_rmdir(dir);
}

static int count_tables(void)
{
	char **names = NULL;
	int n = eng_table_list(db, &names);

	eng_names_free(names);
	return n;
}

static int put_json(const char *table, const char *json)
{
	lay_item it = dbt_item(json);
	lay_err err = { 0, "" };
	int rc = eng_item_put(db, NULL, table, &it, NULL, 0, NULL, NULL, &err);

	lay_item_free(&it);
	return rc;
}

static void test_table__create_get_list_delete(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti, ti2;
	char **names = NULL;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "Alpha", NULL, NULL, &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "orders", NULL, NULL, &err), 0); /* case-sensitive */
	CHECK_RC(eng_table_list(db, &names), 3);
	if (names) {
		/* byte order: upper case first */
		CHECK_STR(names[0], "Alpha");
		CHECK_STR(names[1], "Orders");
		CHECK_STR(names[2], "orders");
		CHECK(names[3] == NULL);
	}
	eng_names_free(names);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK_STR(ti.name, "Orders");
	CHECK(ti.id > 0);
	CHECK(ti.created_ns > 0);
	CHECK(ti.item_count == 0 && ti.size_bytes == 0);
	CHECK_RC(eng_table_get(db, NULL, "Alpha", &ti2, &err), 0);
	CHECK(ti2.id != ti.id && ti2.dir.id != ti.dir.id);
	CHECK_RC(eng_table_delete(db, NULL, "Orders", &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), -ENOENT);
	CHECK(err.msg[0] != '\0');
	CHECK_RC(eng_table_get(db, NULL, "", &ti, &err), -ENOENT);
	CHECK_RC(eng_table_delete(db, NULL, "Orders", &err), -ENOENT);
	CHECK(count_tables() == 2);
	/* a new table of the same name is a new table */
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti2, &err), 0);
	CHECK(ti2.id != ti.id);
	teardown();
}

static void test_table__defaults_are_pk_s_sk_s_on_demand_standard(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK_STR(ti.schema.pk, "PK");
	CHECK(ti.schema.pk_type == LAY_S);
	CHECK_STR(ti.schema.sk, "SK");
	CHECK(ti.schema.sk_type == LAY_S);
	CHECK(ti.settings.billing == LAY_PAY_PER_REQUEST);
	CHECK(ti.settings.table_class == LAY_STANDARD);
	CHECK(ti.settings.stream_view == LAY_VIEW_OFF);
	CHECK(ti.settings.ttl_attr[0] == '\0');
	CHECK(ti.dir.mode == 0755 && ti.dir.uid == 0 && ti.dir.gid == 0);
	CHECK(ti.dir.mtime_ns == ti.created_ns && ti.dir.ctime_ns == ti.created_ns);
	teardown();
}

static void test_table__dirmeta_given_is_kept_and_zero_times_mean_now(void)
{
	lay_err err = { 0, "" };
	eng_dirmeta dm = { 0 };
	eng_table_info ti;

	setup();
	dm.mode = 0700;
	dm.uid = 1000;
	dm.gid = 100;
	dm.mtime_ns = 1234567890;
	CHECK_RC(eng_table_create(db, NULL, "Mine", NULL, &dm, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Mine", &ti, &err), 0);
	CHECK(ti.dir.mode == 0700 && ti.dir.uid == 1000 && ti.dir.gid == 100);
	CHECK(ti.dir.mtime_ns == 1234567890);
	CHECK(ti.dir.ctime_ns == ti.created_ns);
	CHECK(ti.dir.id > 0);
	/* set_dirmeta: only the fields chosen */
	dm.mode = 0750;
	dm.uid = 7;
	dm.mtime_ns = 42;
	CHECK_RC(eng_table_set_dirmeta(db, NULL, "Mine", &dm, ENG_META_MODE | ENG_META_MTIME, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Mine", &ti, &err), 0);
	CHECK(ti.dir.mode == 0750 && ti.dir.uid == 1000 && ti.dir.mtime_ns == 42);
	CHECK_RC(eng_table_set_dirmeta(db, NULL, "None", &dm, ENG_META_MODE, &err), -ENOENT);
	teardown();
}

static void test_table__invalid_names_are_einval_and_create_nothing(void)
{
	static const char *bad[] = { "ab", "", ".hidden", "has space", "slash/no", "caf\xc3\xa9",
				     "semi;colon" };
	lay_err err = { 0, "" };
	char longname[300];
	size_t i;

	setup();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		CHECK_RC(eng_table_create(db, NULL, bad[i], NULL, NULL, &err), -EINVAL);
		CHECK(err.msg[0] != '\0');
	}
	memset(longname, 'a', 256);
	longname[256] = '\0';
	CHECK_RC(eng_table_create(db, NULL, longname, NULL, NULL, &err), -EINVAL);
	longname[255] = '\0';
	CHECK_RC(eng_table_create(db, NULL, longname, NULL, NULL, &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "a-b.c_9", NULL, NULL, &err), 0);
	CHECK(count_tables() == 2);
	teardown();
}

static void test_table__create_existing_is_eexist(void)
{
	lay_err err = { 0, "" };
	lay_schema s;
	eng_table_info ti;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(lay_schema_parse(&s, "id:N", 4, &err), 0);
	CHECK_RC(eng_table_create(db, NULL, "Orders", &s, NULL, &err), -EEXIST);
	CHECK(strstr(err.msg, "Orders") != NULL);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK_STR(ti.schema.pk, "PK"); /* unchanged */
	teardown();
}

static void test_table__bad_schema_is_einval(void)
{
	lay_err err = { 0, "" };
	lay_schema s;

	setup();
	memset(&s, 0, sizeof(s));
	strcpy(s.pk, "id");
	s.pk_type = LAY_BOOL;
	CHECK_RC(eng_table_create(db, NULL, "Orders", &s, NULL, &err), -EINVAL);
	s.pk_type = LAY_S;
	strcpy(s.sk, "id");
	s.sk_type = LAY_S;
	CHECK_RC(eng_table_create(db, NULL, "Orders", &s, NULL, &err), -EINVAL);
	CHECK(count_tables() == 0);
	teardown();
}

static void test_table__schema_changes_while_empty_then_is_fixed(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti;
	lay_schema s, s2;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(lay_schema_parse(&s, "customer:S,date:N", 17, &err), 0);
	CHECK_RC(eng_table_set_schema(db, NULL, "Orders", &s, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK_STR(ti.schema.pk, "customer");
	CHECK_STR(ti.schema.sk, "date");
	CHECK(ti.schema.sk_type == LAY_N);
	/* the new schema is what items are checked against */
	CHECK_RC(put_json("Orders", "{\"PK\":\"a\",\"SK\":\"b\"}"), -EINVAL);
	CHECK_RC(put_json("Orders", "{\"customer\":\"a\",\"date\":20260105}"), 0);
	CHECK_RC(lay_schema_parse(&s2, "id:S", 4, &err), 0);
	CHECK_RC(eng_table_set_schema(db, NULL, "Orders", &s2, &err), -ENOTEMPTY);
	CHECK(err.msg[0] != '\0');
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK_STR(ti.schema.pk, "customer");
	CHECK_RC(eng_table_set_schema(db, NULL, "Nope", &s2, &err), -ENOENT);
	teardown();
}

static void test_table__delete_of_a_table_with_items_is_enotempty(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti;
	lay_key k = dbt_key(dbt_s("a"), dbt_s("b"));

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(put_json("Orders", "{\"PK\":\"a\",\"SK\":\"b\",\"x\":1}"), 0);
	CHECK_RC(eng_table_delete(db, NULL, "Orders", &err), -ENOTEMPTY);
	CHECK(err.msg[0] != '\0');
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.item_count == 1);
	CHECK_RC(eng_item_delete(db, NULL, "Orders", &k, NULL, &err), 0);
	CHECK_RC(eng_table_delete(db, NULL, "Orders", &err), 0);
	CHECK(count_tables() == 0);
	teardown();
}

static void test_table__settings_round_trip_and_survive_reopen(void)
{
	lay_err err = { 0, "" };
	lay_settings s;
	eng_table_info ti;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	memset(&s, 0, sizeof(s));
	s.billing = LAY_PROVISIONED;
	s.rcu = 5;
	s.wcu = 7;
	s.autoscaling = 1;
	s.as_min = 1;
	s.as_max = 100;
	s.as_target = 70;
	s.table_class = LAY_STANDARD_IA;
	strcpy(s.ttl_attr, "expiresAt");
	s.stream_view = LAY_VIEW_NEW_AND_OLD;
	s.stream_created_ns = 1111; /* the engine's to set: ignored */
	s.pitr = 1;
	s.pitr_since_ns = 2222;
	CHECK_RC(eng_table_set_settings(db, NULL, "Orders", &s, &err), 0);
	eng_db_close(db);
	db = dbt_open(dir, NULL);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	/* enabling the stream and PITR stamped them with the clock */
	CHECK(ti.settings.stream_created_ns > 1000000000ll * 1000000000ll);
	CHECK(ti.settings.pitr_since_ns > 1000000000ll * 1000000000ll);
	s.stream_created_ns = ti.settings.stream_created_ns;
	s.pitr_since_ns = ti.settings.pitr_since_ns;
	/* and the class change, which DynamoDB allows twice in 30 days */
	CHECK(ti.settings.class_changed_ns[0] > 1000000000ll * 1000000000ll &&
	      !ti.settings.class_changed_ns[1]);
	memcpy(s.class_changed_ns, ti.settings.class_changed_ns, sizeof(s.class_changed_ns));
	CHECK(memcmp(&ti.settings, &s, sizeof(s)) == 0);
	CHECK_STR(ti.settings.ttl_attr, "expiresAt");
	CHECK(ti.settings.rcu == 5 && ti.settings.wcu == 7 && ti.settings.pitr == 1);
	teardown();
}

static void test_table__bad_settings_are_einval_and_change_nothing(void)
{
	lay_err err = { 0, "" };
	lay_settings s;
	eng_table_info ti;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	memset(&s, 0, sizeof(s));
	s.billing = LAY_PROVISIONED; /* rcu 0 */
	s.wcu = 1;
	CHECK_RC(eng_table_set_settings(db, NULL, "Orders", &s, &err), -EINVAL);
	CHECK(err.msg[0] != '\0');
	s.rcu = 1;
	s.autoscaling = 1;
	s.as_min = 1;
	s.as_max = 10;
	s.as_target = 95;
	CHECK_RC(eng_table_set_settings(db, NULL, "Orders", &s, &err), -EINVAL);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.settings.billing == LAY_PAY_PER_REQUEST);
	CHECK_RC(eng_table_set_settings(db, NULL, "Nope", &ti.settings, &err), -ENOENT);
	teardown();
}

static void test_table__stats_track_puts_and_deletes(void)
{
	lay_item a = dbt_item("{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"hello\"}");
	lay_item b = dbt_item("{\"PK\":\"b\",\"SK\":\"1\",\"v\":[1,2,3]}");
	lay_item a2 = dbt_item("{\"PK\":\"a\",\"SK\":\"1\",\"v\":\"hello, world\"}");
	lay_key ka = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	eng_table_info ti;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	CHECK_RC(eng_item_put(db, NULL, "Orders", &a, NULL, 0, NULL, NULL, &err), 0);
	CHECK_RC(eng_item_put(db, NULL, "Orders", &b, NULL, 0, NULL, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.item_count == 2);
	CHECK(ti.size_bytes == lay_item_size(&a) + lay_item_size(&b));
	CHECK_RC(eng_item_put(db, NULL, "Orders", &a2, NULL, 0, NULL, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.item_count == 2);
	CHECK(ti.size_bytes == lay_item_size(&a2) + lay_item_size(&b));
	CHECK_RC(eng_item_delete(db, NULL, "Orders", &ka, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.item_count == 1);
	CHECK(ti.size_bytes == lay_item_size(&b));
	lay_item_free(&a);
	lay_item_free(&b);
	lay_item_free(&a2);
	teardown();
}

static void test_table__dir_mtime_moves_when_a_partition_appears_or_goes(void)
{
	lay_key k = dbt_key(dbt_s("a"), dbt_s("1"));
	lay_err err = { 0, "" };
	eng_dirmeta dm = { 0 };
	eng_table_info ti;

	setup();
	CHECK_RC(eng_table_create(db, NULL, "Orders", NULL, NULL, &err), 0);
	dm.mtime_ns = 5;
	CHECK_RC(eng_table_set_dirmeta(db, NULL, "Orders", &dm, ENG_META_MTIME, &err), 0);
	CHECK_RC(put_json("Orders", "{\"PK\":\"a\",\"SK\":\"1\"}"), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.dir.mtime_ns > 5);
	CHECK_RC(eng_table_set_dirmeta(db, NULL, "Orders", &dm, ENG_META_MTIME, &err), 0);
	/* a second item in the same partition adds no top-level entry */
	CHECK_RC(put_json("Orders", "{\"PK\":\"a\",\"SK\":\"2\"}"), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.dir.mtime_ns == 5);
	CHECK_RC(eng_item_delete(db, NULL, "Orders", &k, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.dir.mtime_ns == 5);
	k.sk = dbt_s("2");
	CHECK_RC(eng_item_delete(db, NULL, "Orders", &k, NULL, &err), 0);
	CHECK_RC(eng_table_get(db, NULL, "Orders", &ti, &err), 0);
	CHECK(ti.dir.mtime_ns > 5);
	teardown();
}

int main(void)
{
	RUN(test_table__create_get_list_delete);
	RUN(test_table__defaults_are_pk_s_sk_s_on_demand_standard);
	RUN(test_table__dirmeta_given_is_kept_and_zero_times_mean_now);
	RUN(test_table__invalid_names_are_einval_and_create_nothing);
	RUN(test_table__create_existing_is_eexist);
	RUN(test_table__bad_schema_is_einval);
	RUN(test_table__schema_changes_while_empty_then_is_fixed);
	RUN(test_table__delete_of_a_table_with_items_is_enotempty);
	RUN(test_table__settings_round_trip_and_survive_reopen);
	RUN(test_table__bad_settings_are_einval_and_change_nothing);
	RUN(test_table__stats_track_puts_and_deletes);
	RUN(test_table__dir_mtime_moves_when_a_partition_appears_or_goes);
	return check_done();
}
