/* Unit tests of layout/settings.c and layout/describe.c: a table's
 * settings as text (SPEC §7) and DescribeTable's rendering (SPEC §2). */
#include <errno.h>
#include <string.h>

#include "../../layout/describe.h"
#include "../../layout/settings.h"
#include "check.h"

static const char *get(const lay_settings *s, const char *name)
{
	static lay_buf b = LAY_BUF_INIT;

	lay_buf_free(&b);
	b = (lay_buf)LAY_BUF_INIT;
	if (lay_settings_get(s, name, &b) < 0)
		return "(error)";
	return b.p ? b.p : "";
}

static void test_settings__every_setting_round_trips_as_text(void)
{
	static const char *vals[][2] = {
		{ "billing_mode", "PROVISIONED" }, { "rcu", "40000" }, { "wcu", "1" },
		{ "autoscaling", "min=5,max=100,target=70" },
		{ "table_class", "STANDARD_INFREQUENT_ACCESS" }, { "ttl_attribute", "expires" },
		{ "stream", "NEW_AND_OLD_IMAGES" }, { "pitr", "on" },
	};
	lay_settings s = { 0 };
	lay_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		CHECK_RC(lay_settings_set(&s, vals[i][0], vals[i][1], &err), 0);
		CHECK_STR(get(&s, vals[i][0]), vals[i][1]);
	}
	CHECK_RC(lay_settings_check(&s, &err), 0);
	CHECK(s.stream_view == LAY_VIEW_NEW_AND_OLD);
	for (i = 0; lay_settings_names[i]; i++)
		CHECK(strcmp(get(&s, lay_settings_names[i]), "(error)") != 0);
	CHECK(i == 8);
}

static void test_settings__zero_settings_read_as_the_defaults(void)
{
	lay_settings s = { 0 };

	CHECK_STR(get(&s, "billing_mode"), "PAY_PER_REQUEST");
	CHECK_STR(get(&s, "autoscaling"), "off");
	CHECK_STR(get(&s, "table_class"), "STANDARD");
	CHECK_STR(get(&s, "stream"), "OFF");
	CHECK_STR(get(&s, "pitr"), "off");
	CHECK_STR(get(&s, "ttl_attribute"), "");
	CHECK_RC(lay_settings_get(&s, "colour", &(lay_buf)LAY_BUF_INIT), -ENOTSUP);
}

static void test_settings__provisioned_gets_five_units_unless_set(void)
{
	lay_settings s = { 0 };
	lay_err err = { 0 };

	CHECK_RC(lay_settings_set(&s, "billing_mode", "PROVISIONED", &err), 0);
	CHECK(s.rcu == 5 && s.wcu == 5);
	s.rcu = 7;
	CHECK_RC(lay_settings_set(&s, "billing_mode", "PAY_PER_REQUEST", &err), 0);
	CHECK_RC(lay_settings_set(&s, "billing_mode", "PROVISIONED", &err), 0);
	CHECK(s.rcu == 7 && s.wcu == 5);
}

static void test_settings__bad_values_are_einval_naming_the_value_and_change_nothing(void)
{
	static const char *bad[][2] = {
		{ "billing_mode", "provisioned" }, { "rcu", "0" }, { "rcu", "40001" },
		{ "wcu", "-1" }, { "wcu", "+5" }, { "wcu", " 5" }, { "rcu", "" }, { "rcu", "5x" },
		{ "autoscaling", "min=5,max=4,target=70" }, { "autoscaling", "min=5,max=9,target=91" },
		{ "autoscaling", "on" }, { "autoscaling", "min=6,max=100,target=70.5" },
		{ "autoscaling", "min=6,max=100,target=70junk" },
		{ "autoscaling", "min=6,max=100,target=70,min=50" },
		{ "autoscaling", "min=6,max=100,target=70 " },
		{ "table_class", "GLACIER" }, { "stream", "ON" },
		{ "pitr", "yes" },
	};
	lay_settings s = { 0 }, before;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lay_err err = { 0 };

		before = s;
		CHECK_RC(lay_settings_set(&s, bad[i][0], bad[i][1], &err), -EINVAL);
		CHECK(memcmp(&s, &before, sizeof(s)) == 0);
		if (bad[i][1][0])
			CHECK(strstr(err.msg, bad[i][1]) != NULL);
	}
	CHECK_RC(lay_settings_set(&s, "colour", "red", NULL), -ENOTSUP);
}

static void test_settings__check_rejects_what_no_parse_gives(void)
{
	lay_settings s = { 0 };
	lay_err err = { 0 };

	s.billing = LAY_PROVISIONED;
	CHECK_RC(lay_settings_check(&s, &err), -EINVAL); /* rcu 0 */
	CHECK(strstr(err.msg, "rcu") != NULL);
	s.rcu = s.wcu = 1;
	CHECK_RC(lay_settings_check(&s, &err), 0);
	s.stream_view = (lay_view)9;
	CHECK_RC(lay_settings_check(&s, &err), -EINVAL);
}

static void test_describe__table_with_stream_ttl_and_sort_key(void)
{
	lay_settings s = { 0 };
	lay_schema k;
	lay_table_desc d = { 0 };
	lay_buf o = LAY_BUF_INIT;
	lay_err err = { 0 };

	CHECK_RC(lay_schema_parse(&k, "customer:S,date:N", 17, &err), 0);
	CHECK_RC(lay_settings_set(&s, "stream", "KEYS_ONLY", &err), 0);
	CHECK_RC(lay_settings_set(&s, "ttl_attribute", "exp", &err), 0);
	s.stream_created_ns = 1764151200123000000LL; /* 2025-11-26T10:00:00.123Z */
	d.name = "Orders";
	d.id = 7;
	d.schema = &k;
	d.created_ns = s.stream_created_ns;
	d.item_count = 3;
	d.size_bytes = 99;
	d.settings = &s;
	CHECK_RC(lay_describe_table(&o, &d), 0);
	CHECK(o.len > 0 && o.p[o.len - 1] == '\n');
	CHECK(strstr(o.p, "\"KeySchema\":[{\"AttributeName\":\"customer\",\"KeyType\":\"HASH\"},"
			  "{\"AttributeName\":\"date\",\"KeyType\":\"RANGE\"}]") != NULL);
	CHECK(strstr(o.p, "\"AttributeType\":\"N\"") != NULL);
	CHECK(strstr(o.p, "\"ItemCount\":3") != NULL);
	CHECK(strstr(o.p, "\"TableSizeBytes\":99") != NULL);
	CHECK(strstr(o.p, "\"StreamViewType\":\"KEYS_ONLY\"") != NULL);
	CHECK(strstr(o.p, "\"LatestStreamLabel\":\"2025-11-26T10:00:00.123\"") != NULL);
	CHECK(strstr(o.p, "table/Orders/stream/2025-11-26T10:00:00.123\"") != NULL);
	CHECK(strstr(o.p, "\"TimeToLiveStatus\":\"ENABLED\",\"AttributeName\":\"exp\"") != NULL);
	CHECK(strstr(o.p, "\"BillingMode\":\"PAY_PER_REQUEST\"") != NULL);
	lay_buf_free(&o);
}

static void test_describe__no_stream_no_ttl(void)
{
	lay_settings s = { 0 };
	lay_schema k;
	lay_table_desc d = { 0 };
	lay_buf o = LAY_BUF_INIT;

	lay_schema_default(&k);
	d.name = "Music";
	d.schema = &k;
	d.settings = &s;
	CHECK_RC(lay_describe_table(&o, &d), 0);
	CHECK(strstr(o.p, "StreamSpecification") == NULL);
	CHECK(strstr(o.p, "\"TimeToLiveStatus\":\"DISABLED\"}") != NULL);
	CHECK(strstr(o.p, "\"Autoscaling\":null") != NULL);
	lay_buf_free(&o);
}

int main(void)
{
	RUN(test_settings__every_setting_round_trips_as_text);
	RUN(test_settings__zero_settings_read_as_the_defaults);
	RUN(test_settings__provisioned_gets_five_units_unless_set);
	RUN(test_settings__bad_values_are_einval_naming_the_value_and_change_nothing);
	RUN(test_settings__check_rejects_what_no_parse_gives);
	RUN(test_describe__table_with_stream_ttl_and_sort_key);
	RUN(test_describe__no_stream_no_ttl);
	return check_done();
}
