/* Capacity (SPEC §10): per-table consumed and throttled units, token
 * buckets with 300 s of burst, throttling that fails or waits by the
 * clock, auto-scaling's target tracking, the table class rule, the cost
 * estimate and the journal. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "../../engine/engine.h"
#include "../../layout/price.h"
#include "dbtest.h"

static char *dir;
static eng_db *db;
static eng_clock *clk;

/* A db on a test clock with table Tab (id:S); throttle says what an empty
 * bucket does. */
static void setup(eng_throttle throttle)
{
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_schema sch = { 0 };

	dir = dbt_tmpdir();
	eng_clock_new(&clk, 1);
	eng_clock_freeze(clk, 1, NULL); /* refills come only from dbt_advance */
	o.clock = clk;
	o.maint_ms = -1;
	o.throttle = throttle;
	db = dbt_open(dir, &o);
	strcpy(sch.pk, "id");
	sch.pk_type = LAY_S;
	CHECK_RC(eng_table_create(db, NULL, "Tab", &sch, NULL, &err), 0);
}

static void teardown(void)
{
	eng_db_close(db);
	eng_clock_free(clk);
	dbt_rmdir(dir);
}

static void set(const char *name, const char *value)
{
	lay_err err = { 0, "" };

	CHECK_RC(eng_table_option_set(db, NULL, "Tab", name, value, strlen(value), &err), 0);
}

/* A user's put of a small item (one unit). */
static int put(int i, lay_err *err)
{
	eng_req rq = { .view = ENG_VIEW_LIVE, .source = ENG_SRC_FILE };
	char json[64];
	lay_item it;
	int rc;

	snprintf(json, sizeof(json), "{\"id\":\"k%d\",\"v\":%d}", i, i);
	it = dbt_item(json);
	rc = eng_item_put(db, &rq, "Tab", &it, NULL, 0, NULL, NULL, err);
	lay_item_free(&it);
	return rc;
}

static void test_capacity__a_bucket_holds_300_seconds_and_refills_by_the_clock(void)
{
	lay_err err = { 0, "" };
	eng_capacity cap;
	int i, ok = 0;

	setup(ENG_THROTTLE_ERROR);
	set("billing_mode", "PROVISIONED");
	set("wcu", "5");
	for (i = 0; i < 1500; i++)
		ok += put(i, &err) == 0;
	CHECK(ok == 1500);
	CHECK_RC(put(1500, &err), -EAGAIN);
	CHECK(strstr(err.msg, "ProvisionedThroughputExceededException") != NULL);
	dbt_advance(clk, 1);
	for (i = 0, ok = 0; i < 5; i++)
		ok += put(2000 + i, &err) == 0;
	CHECK(ok == 5);
	CHECK_RC(put(3000, &err), -EAGAIN);
	eng_table_capacity(db, "Tab", &cap);
	CHECK(cap.write_units == 1505 && cap.writes_throttled == 2 && cap.read_units == 0);
	/* reads have their own bucket, full */
	CHECK(cap.read_tokens == 5 * 300);
	teardown();
}

static void test_capacity__on_demand_never_throttles_and_internal_work_is_free(void)
{
	eng_req ttl = { .view = ENG_VIEW_LIVE, .source = ENG_SRC_TTL };
	lay_err err = { 0, "" };
	lay_key k = dbt_key1(dbt_s("k1"));
	eng_capacity cap;
	int i, ok = 0;

	setup(ENG_THROTTLE_ERROR);
	for (i = 0; i < 3000; i++)
		ok += put(i, &err) == 0;
	CHECK(ok == 3000);
	/* the service's deletes and the daemon's own reads (NULL) are free */
	CHECK_RC(eng_item_delete(db, &ttl, "Tab", &k, NULL, &err), 0);
	CHECK_RC(eng_item_get(db, NULL, "Tab", &k, NULL, NULL, &err), -ENOENT);
	eng_table_capacity(db, "Tab", &cap);
	CHECK(cap.write_units == 3000 && cap.writes_throttled == 0 && cap.read_units == 0);
	teardown();
}

static void *late_put(void *arg)
{
	lay_err err = { 0, "" };

	*(int *)arg = put(99999, &err);
	return NULL;
}

static void test_capacity__a_throttled_request_waits_for_the_clock(void)
{
	lay_err err = { 0, "" };
	struct timespec ms100 = { 0, 100000000 };
	eng_capacity cap;
	pthread_t th;
	int i, rc = 1;

	setup(ENG_THROTTLE_DELAY);
	set("billing_mode", "PROVISIONED");
	set("wcu", "1");
	for (i = 0; i < 300; i++)
		CHECK_RC(put(i, &err), 0);
	pthread_create(&th, NULL, late_put, &rc);
	nanosleep(&ms100, NULL);
	nanosleep(&ms100, NULL);
	CHECK(rc == 1); /* still waiting: the frozen clock refills nothing */
	eng_table_capacity(db, "Tab", &cap);
	CHECK(cap.writes_throttled == 1);
	dbt_advance(clk, 1);
	pthread_join(th, NULL);
	CHECK(rc == 0);
	teardown();
}

static void test_capacity__auto_scaling_tracks_the_target_within_min_and_max(void)
{
	lay_err err = { 0, "" };
	eng_table_info ti;
	lay_buf j = LAY_BUF_INIT;
	int i, minute;

	setup(ENG_THROTTLE_ERROR);
	set("billing_mode", "PROVISIONED");
	set("wcu", "5");
	set("autoscaling", "min=5,max=100,target=70");
	/* 600 units a minute: 10 a second, 200% of 5 */
	for (minute = 0; minute < 2; minute++) {
		for (i = 0; i < 600; i++)
			CHECK_RC(put(minute * 1000 + i, &err), 0);
		dbt_advance(clk, 60);
		CHECK_RC(eng_db_maintain(db, 0, NULL, &err), 0);
		CHECK_RC(eng_table_get(db, NULL, "Tab", &ti, &err), 0);
		/* one minute above is not enough; two are: 10 / 0.7 -> 15 */
		CHECK(ti.settings.wcu == (minute == 0 ? 5u : 15u));
	}
	CHECK(ti.settings.rcu == 5); /* reads stayed at min */
	/* 14 quiet minutes keep it, the 15th scales in to min */
	for (minute = 0; minute < 15; minute++) {
		dbt_advance(clk, 60);
		CHECK_RC(eng_db_maintain(db, 0, NULL, &err), 0);
		CHECK_RC(eng_table_get(db, NULL, "Tab", &ti, &err), 0);
		CHECK(ti.settings.wcu == (minute < 14 ? 15u : 5u));
	}
	/* a load far above max stops at max */
	for (minute = 0; minute < 2; minute++) {
		dbt_advance(clk, 1000); /* a full bucket again */
		for (i = 0; i < 1500; i++)
			CHECK_RC(put(50000 + minute * 2000 + i, &err), 0);
		CHECK_RC(eng_db_maintain(db, 0, NULL, &err), 0);
	}
	CHECK_RC(eng_table_get(db, NULL, "Tab", &ti, &err), 0);
	CHECK(ti.settings.wcu == 5); /* 1.5 a second over 1000 s: below the target */
	CHECK_RC(eng_events_read(db, 0, eng_events_size(db), &j), 0);
	CHECK(j.p && strstr(j.p, "\"Event\":\"Scaling\",\"Table\":\"Tab\",\"Dimension\":"
				 "\"WriteCapacityUnits\",\"From\":5,\"To\":15") != NULL);
	CHECK(strstr(j.p, "\"From\":15,\"To\":5") != NULL);
	lay_buf_free(&j);
	teardown();
}

static void test_capacity__the_class_changes_twice_in_30_days(void)
{
	lay_err err = { 0, "" };
	const char *ia = "STANDARD_INFREQUENT_ACCESS";

	setup(ENG_THROTTLE_DELAY);
	set("table_class", ia);
	set("table_class", "STANDARD");
	CHECK_RC(eng_table_option_set(db, NULL, "Tab", "table_class", ia, strlen(ia), &err),
		 -EINVAL);
	CHECK(strstr(err.msg, "at most twice in 30 days") != NULL);
	/* its own value is no change */
	set("table_class", "STANDARD");
	dbt_advance(clk, 30 * 86400);
	set("table_class", ia);
	teardown();
}

static void test_capacity__the_estimate_uses_the_list_prices(void)
{
	lay_usage u = { 0 };
	lay_cost c;

	/* a GiB of items (the 100-byte overhead included), a million of each
	 * request unit: 0.25 + 0.625 + 0.125 */
	u.size_bytes = (1u << 30) - 100 * 1000;
	u.item_count = 1000;
	u.read_units = 1e6;
	u.write_units = 1e6;
	lay_cost_estimate(&u, &c);
	CHECK(c.storage_gb == 1.0 && c.storage == 0.25);
	CHECK(c.throughput > 0.749999999 && c.throughput < 0.750000001);
	CHECK(c.total > 0.999999999 && c.total < 1.000000001);
	/* PROVISIONED, infrequent access, PITR and a GiB of backups */
	u.billing = LAY_PROVISIONED;
	u.table_class = LAY_STANDARD_IA;
	u.rcu = 10;
	u.wcu = 5;
	u.pitr = 1;
	u.backup_bytes = 1u << 30;
	lay_cost_estimate(&u, &c);
	CHECK(c.storage == 0.10 && c.pitr == 0.20 && c.backups == 0.10);
	/* (5 * 0.00065 + 10 * 0.00013) * 1.25 * 730 */
	CHECK(c.throughput > 4.151874999 && c.throughput < 4.151875001);
}

static void test_capacity__the_journal_keeps_its_offsets(void)
{
	lay_buf a = LAY_BUF_INIT, b = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	eng_backup_info bi;
	uint64_t n;

	setup(ENG_THROTTLE_DELAY);
	CHECK(eng_events_size(db) == 0);
	CHECK_RC(eng_backup_create(db, NULL, "Tab", "first", &bi, &err), 0);
	n = eng_events_size(db);
	CHECK_RC(eng_events_read(db, 0, n, &a), 0);
	CHECK(a.len == n && a.p[n - 1] == '\n' && strstr(a.p, "\"Event\":\"Backup\"") != NULL);
	CHECK_RC(eng_backup_create(db, NULL, "Tab", "second", &bi, &err), 0);
	CHECK(eng_events_size(db) > n);
	/* reading on from the old end gives the new line only */
	CHECK_RC(eng_events_read(db, n, 4096, &b), 0);
	CHECK(b.len == eng_events_size(db) - n && strstr(b.p, "second") && !strstr(b.p, "first"));
	lay_buf_free(&a);
	lay_buf_free(&b);
	teardown();
}

int main(void)
{
	RUN(test_capacity__a_bucket_holds_300_seconds_and_refills_by_the_clock);
	RUN(test_capacity__on_demand_never_throttles_and_internal_work_is_free);
	RUN(test_capacity__a_throttled_request_waits_for_the_clock);
	RUN(test_capacity__auto_scaling_tracks_the_target_within_min_and_max);
	RUN(test_capacity__the_class_changes_twice_in_30_days);
	RUN(test_capacity__the_estimate_uses_the_list_prices);
	RUN(test_capacity__the_journal_keeps_its_offsets);
	return check_done();
}
