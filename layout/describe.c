/* DescribeTable's Table object (SPEC §2). */
#include "describe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

void lay_time_iso(char *out, size_t size, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), size - strlen(out), ".%03dZ", (int)(ns / 1000000 % 1000));
}

/* "name":seconds.millis, for a time that is set. */
static int add_time(lay_buf *o, const char *name, int64_t ns)
{
	if (!ns)
		return 0;
	return lay_buf_addf(o, "\"%s\":%" PRId64 ".%03d,", name, ns / 1000000000,
			    (int)(ns / 1000000 % 1000));
}

static int add_key_def(lay_buf *o, const char *name, lay_type t)
{
	return lay_buf_adds(o, "{\"AttributeName\":") || lay_json_quote(o, name, strlen(name)) ||
	       lay_buf_addf(o, ",\"AttributeType\":\"%s\"}", lay_type_name(t));
}

static int add_key_schema(lay_buf *o, const char *name, const char *kind)
{
	return lay_buf_adds(o, "{\"AttributeName\":") || lay_json_quote(o, name, strlen(name)) ||
	       lay_buf_addf(o, ",\"KeyType\":\"%s\"}", kind);
}

int lay_describe_table(lay_buf *o, const lay_table_desc *d)
{
	const lay_settings *s = d->settings;
	const lay_schema *k = d->schema;
	const char *region = d->region ? d->region : "local";
	char created[40], stream_label[40];
	int rc;

	lay_time_iso(stream_label, sizeof(stream_label), s->stream_created_ns);
	stream_label[23] = '\0'; /* DynamoDB's labels have milliseconds, no zone */
	lay_time_iso(created, sizeof(created), d->created_ns);
	rc = lay_buf_adds(o, "{\"AttributeDefinitions\":[") || add_key_def(o, k->pk, k->pk_type);
	if (!rc && k->sk[0])
		rc = lay_buf_addc(o, ',') || add_key_def(o, k->sk, k->sk_type);
	rc = rc || lay_buf_adds(o, "],\"TableName\":") ||
	     lay_json_quote(o, d->name, strlen(d->name)) || lay_buf_adds(o, ",\"KeySchema\":[") ||
	     add_key_schema(o, k->pk, "HASH");
	if (!rc && k->sk[0])
		rc = lay_buf_addc(o, ',') || add_key_schema(o, k->sk, "RANGE");
	rc = rc ||
	     lay_buf_addf(o,
			  "],\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":%" PRId64 ".%03d"
			  ",\"ProvisionedThroughput\":{",
			  d->created_ns / 1000000000, (int)(d->created_ns / 1000000 % 1000)) ||
	     add_time(o, "LastIncreaseDateTime", d->last_increase_ns) ||
	     add_time(o, "LastDecreaseDateTime", d->last_decrease_ns) ||
	     lay_buf_addf(o,
			  "\"NumberOfDecreasesToday\":0,"
			  "\"ReadCapacityUnits\":%u,\"WriteCapacityUnits\":%u}"
			  ",\"TableSizeBytes\":%" PRIu64 ",\"ItemCount\":%" PRIu64
			  ",\"TableArn\":\"arn:aws:dynamodb:%s:000000000000:table/",
			  s->billing == LAY_PROVISIONED ? s->rcu : 0,
			  s->billing == LAY_PROVISIONED ? s->wcu : 0, d->size_bytes, d->item_count,
			  region) ||
	     lay_buf_adds(o, d->name) ||
	     lay_buf_addf(o,
			  "\",\"TableId\":\"00000000-0000-4000-8000-%012x\""
			  ",\"BillingModeSummary\":{\"BillingMode\":\"%s\"}"
			  ",\"TableClassSummary\":{\"TableClass\":\"%s\"}",
			  d->id, lay_billing_name(s->billing), lay_class_name(s->table_class));
	if (!rc && s->stream_view != LAY_VIEW_OFF)
		rc = lay_buf_addf(o,
				  ",\"StreamSpecification\":{\"StreamEnabled\":true,"
				  "\"StreamViewType\":\"%s\"},\"LatestStreamLabel\":\"%s\","
				  "\"LatestStreamArn\":\"arn:aws:dynamodb:%s:000000000000:table/",
				  lay_view_name(s->stream_view), stream_label, region) ||
		     lay_buf_adds(o, d->name) || lay_buf_addf(o, "/stream/%s\"", stream_label);
	rc = rc || lay_buf_adds(o, ",\"TimeToLiveDescription\":{\"TimeToLiveStatus\":");
	if (!rc && s->ttl_attr[0])
		rc = lay_buf_adds(o, "\"ENABLED\",\"AttributeName\":") ||
		     lay_json_quote(o, s->ttl_attr, strlen(s->ttl_attr)) || lay_buf_addc(o, '}');
	else
		rc = rc || lay_buf_adds(o, "\"DISABLED\"}");
	rc = rc || lay_buf_adds(o, ",\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":"
				   "\"ENABLED\",\"PointInTimeRecoveryDescription\":"
				   "{\"PointInTimeRecoveryStatus\":");
	if (!rc && s->pitr)
		rc = lay_buf_addf(o,
				  "\"ENABLED\",\"RecoveryPeriodInDays\":35,"
				  "\"EarliestRestorableDateTime\":%" PRId64 ".%03d,"
				  "\"LatestRestorableDateTime\":%" PRId64 ".%03d}}",
				  d->pitr_from_ns / 1000000000, (int)(d->pitr_from_ns / 1000000 % 1000),
				  d->pitr_to_ns / 1000000000, (int)(d->pitr_to_ns / 1000000 % 1000));
	else
		rc = rc || lay_buf_adds(o, "\"DISABLED\"}}");
	rc = rc || lay_buf_adds(o, ",\"DeletionProtectionEnabled\":false");
	/* the live table's use (a backup or a point has none) */
	if (!rc && d->cost)
		rc = lay_buf_adds(o, ",\"ConsumedCapacity\":{\"TableName\":") ||
		     lay_json_quote(o, d->name, strlen(d->name)) ||
		     lay_buf_addf(o,
				  ",\"CapacityUnits\":%.15g,\"ReadCapacityUnits\":%.15g,"
				  "\"WriteCapacityUnits\":%.15g,\"ThrottledReadRequests\":%" PRIu64
				  ",\"ThrottledWriteRequests\":%" PRIu64 "}",
				  d->read_units + d->write_units, d->read_units, d->write_units,
				  d->reads_throttled, d->writes_throttled);
	rc = rc || lay_buf_addf(o, ",\"Ddbfs\":{\"Created\":\"%s\",\"Autoscaling\":", created);
	if (!rc && s->autoscaling)
		rc = lay_buf_addf(o, "{\"Min\":%u,\"Max\":%u,\"TargetUtilization\":%u}", s->as_min,
				  s->as_max, s->as_target);
	else
		rc = rc || lay_buf_adds(o, "null");
	if (!rc && d->cost)
		rc = lay_buf_adds(o, ",\"EstimatedMonthlyCost\":") || lay_cost_render(o, d->cost);
	rc = rc || lay_buf_adds(o, "}}\n");
	return rc ? -ENOMEM : 0;
}

int lay_describe_backups(lay_buf *o, const lay_backup_desc *b, size_t n)
{
	size_t i;
	int rc = lay_buf_adds(o, "{\"BackupSummaries\":[");

	for (i = 0; i < n && !rc; i++) {
		const lay_backup_desc *d = &b[i];
		const char *region = d->region ? d->region : "local";

		rc = (i && lay_buf_addc(o, ',')) || lay_buf_adds(o, "{\"TableName\":") ||
		     lay_json_quote(o, d->table, strlen(d->table)) ||
		     lay_buf_addf(o, ",\"TableArn\":\"arn:aws:dynamodb:%s:000000000000:table/",
				  region) ||
		     lay_buf_adds(o, d->table) ||
		     lay_buf_addf(o, "\",\"BackupArn\":\"arn:aws:dynamodb:%s:000000000000:table/",
				  region) ||
		     lay_buf_adds(o, d->table) ||
		     lay_buf_addf(o, "/backup/%014" PRId64 "-%08x\",\"BackupName\":",
				  d->created_ns / 1000000, d->id) ||
		     lay_json_quote(o, d->name, strlen(d->name)) ||
		     lay_buf_addf(o, ",\"BackupCreationDateTime\":%" PRId64 ".%03d",
				  d->created_ns / 1000000000, (int)(d->created_ns / 1000000 % 1000));
		if (!rc && d->expires_ns)
			rc = lay_buf_addf(o, ",\"BackupExpiryDateTime\":%" PRId64 ".%03d",
					  d->expires_ns / 1000000000,
					  (int)(d->expires_ns / 1000000 % 1000));
		rc = rc || lay_buf_addf(o,
					",\"BackupStatus\":\"AVAILABLE\",\"BackupType\":\"%s\","
					"\"BackupSizeBytes\":%" PRIu64 ",\"ItemCount\":%" PRIu64 "}",
					d->system ? "SYSTEM" : "USER", d->size_bytes, d->item_count);
	}
	rc = rc || lay_buf_adds(o, "]}\n");
	return rc ? -ENOMEM : 0;
}
