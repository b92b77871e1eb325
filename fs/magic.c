/* Generated files (SPEC §2, §3, §5, §16): .table.json (DescribeTable's
 * Table), .ddbfs/errors, .ddbfs/stats.json and .ddbfs/clock. Rendered at
 * open and served with direct I/O, so every read is current. */
#include "magic.h"

#include "errlog.h"
#include "expire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *billing_name(eng_billing b)
{
	return b == ENG_PROVISIONED ? "PROVISIONED" : "PAY_PER_REQUEST";
}

static const char *class_name(eng_class c)
{
	return c == ENG_STANDARD_IA ? "STANDARD_INFREQUENT_ACCESS" : "STANDARD";
}

const char *fs_stream_view_name(eng_stream_view v)
{
	static const char *names[] = { "OFF", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
				       "NEW_AND_OLD_IMAGES" };

	return (unsigned)v < 5 ? names[v] : "OFF";
}

static void iso_time(char *out, size_t size, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), size - strlen(out), ".%03dZ", (int)(ns / 1000000 % 1000));
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

/* DescribeTable's Table object, plus ddbfs' extras under "Ddbfs". */
static int render_table(const char *table, lay_buf *o)
{
	eng_table_info ti;
	const eng_table_settings *s = &ti.settings;
	const char *region = "local";
	char created[40], stream_label[40];
	int rc;

	if ((rc = eng_table_get(fs.db, table, &ti, NULL)) < 0)
		return rc;
	iso_time(stream_label, sizeof(stream_label), s->stream_created_ns);
	stream_label[23] = '\0'; /* DynamoDB's labels have milliseconds, no zone */
	iso_time(created, sizeof(created), ti.created_ns);
	rc = lay_buf_adds(o, "{\"AttributeDefinitions\":[") ||
	     add_key_def(o, ti.schema.pk, ti.schema.pk_type);
	if (!rc && ti.schema.sk[0])
		rc = lay_buf_addc(o, ',') || add_key_def(o, ti.schema.sk, ti.schema.sk_type);
	rc = rc || lay_buf_adds(o, "],\"TableName\":") ||
	     lay_json_quote(o, ti.name, strlen(ti.name)) || lay_buf_adds(o, ",\"KeySchema\":[") ||
	     add_key_schema(o, ti.schema.pk, "HASH");
	if (!rc && ti.schema.sk[0])
		rc = lay_buf_addc(o, ',') || add_key_schema(o, ti.schema.sk, "RANGE");
	rc = rc ||
	     lay_buf_addf(o,
			  "],\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":%" PRId64 ".%03d"
			  ",\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,"
			  "\"ReadCapacityUnits\":%u,\"WriteCapacityUnits\":%u}"
			  ",\"TableSizeBytes\":%" PRIu64 ",\"ItemCount\":%" PRIu64
			  ",\"TableArn\":\"arn:aws:dynamodb:%s:000000000000:table/",
			  ti.created_ns / 1000000000, (int)(ti.created_ns / 1000000 % 1000),
			  s->billing == ENG_PROVISIONED ? s->rcu : 0,
			  s->billing == ENG_PROVISIONED ? s->wcu : 0, ti.size_bytes, ti.item_count,
			  region) ||
	     lay_buf_adds(o, ti.name) ||
	     lay_buf_addf(o,
			  "\",\"TableId\":\"00000000-0000-4000-8000-%012x\""
			  ",\"BillingModeSummary\":{\"BillingMode\":\"%s\"}"
			  ",\"TableClassSummary\":{\"TableClass\":\"%s\"}",
			  ti.id, billing_name(s->billing), class_name(s->table_class));
	if (!rc && s->stream_view != ENG_STREAM_OFF)
		rc = lay_buf_addf(o,
				  ",\"StreamSpecification\":{\"StreamEnabled\":true,"
				  "\"StreamViewType\":\"%s\"},\"LatestStreamLabel\":\"%s\","
				  "\"LatestStreamArn\":\"arn:aws:dynamodb:%s:000000000000:table/",
				  fs_stream_view_name(s->stream_view), stream_label, region) ||
		     lay_buf_adds(o, ti.name) || lay_buf_addf(o, "/stream/%s\"", stream_label);
	rc = rc || lay_buf_adds(o, ",\"TimeToLiveDescription\":{\"TimeToLiveStatus\":");
	if (!rc && s->ttl_attr[0])
		rc = lay_buf_adds(o, "\"ENABLED\",\"AttributeName\":") ||
		     lay_json_quote(o, s->ttl_attr, strlen(s->ttl_attr)) || lay_buf_addc(o, '}');
	else
		rc = rc || lay_buf_adds(o, "\"DISABLED\"}");
	rc = rc || lay_buf_addf(o,
				",\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":"
				"\"ENABLED\",\"PointInTimeRecoveryDescription\":"
				"{\"PointInTimeRecoveryStatus\":\"%s\"}}"
				",\"DeletionProtectionEnabled\":false"
				",\"Ddbfs\":{\"Created\":\"%s\",\"Autoscaling\":",
				s->pitr ? "ENABLED" : "DISABLED", created);
	if (!rc && s->autoscaling)
		rc = lay_buf_addf(o, "{\"Min\":%u,\"Max\":%u,\"TargetUtilization\":%u}", s->as_min,
				  s->as_max, s->as_target);
	else
		rc = rc || lay_buf_adds(o, "null");
	rc = rc || lay_buf_adds(o, "}}\n");
	return rc ? -ENOMEM : 0;
}

static int render_clock(lay_buf *o)
{
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));
	char when[40];

	iso_time(when, sizeof(when), now);
	return lay_buf_addf(o, "%s %" PRId64 "\n", when, now / 1000000000);
}

static int render_stats(lay_buf *o)
{
	size_t nodes;

	pthread_mutex_lock(&fs.lock);
	nodes = fs.map_count;
	pthread_mutex_unlock(&fs.lock);
	return lay_buf_addf(o, "{\"nodes\":%zu,\"format\":\"%s\",\"test_clock\":%s}\n", nodes,
			    fs.format == LAY_FMT_DDB ? "ddb" : "plain",
			    fs.test_clock ? "true" : "false");
}

int fs_magic_render(fs_node *n, lay_buf *out)
{
	switch (n->magic) {
	case FS_M_TABLE_JSON:
		return render_table(n->table, out);
	case FS_M_ERRORS:
		return fs_errlog_render(out);
	case FS_M_STATS:
		return render_stats(out);
	case FS_M_CLOCK:
		return render_clock(out);
	case FS_M_STREAM:
		return 0; /* streams arrive with their own issue */
	default:
		return 0;
	}
}

/* `echo +SECONDS > MNT/.ddbfs/clock` moves a test clock forward. */
int fs_magic_write(fuse_req_t req, fs_node *n, const char *buf, size_t len)
{
	lay_err err = { 0 };
	char text[64], *end;
	long long secs;
	int rc;

	if (n->magic != FS_M_CLOCK || !fs.test_clock)
		return fs_errlog_add(req, "write", n->name, -EROFS, "read-only");
	if (len == 0 || len >= sizeof(text))
		return fs_errlog_add(req, "write", "/.ddbfs/clock", -EINVAL,
				     "write +SECONDS to move the test clock forward");
	memcpy(text, buf, len);
	text[len] = '\0';
	if (text[len - 1] == '\n')
		text[len - 1] = '\0';
	errno = 0;
	secs = strtoll(text + 1, &end, 10);
	if (text[0] != '+' || *end || end == text + 1 || errno)
		return fs_errlog_add(req, "write", "/.ddbfs/clock", -EINVAL,
				     "write +SECONDS to move the test clock forward");
	if ((rc = eng_clock_advance(eng_db_clock(fs.db), secs, &err)) < 0)
		return fs_errlog_add(req, "write", "/.ddbfs/clock", rc, err.msg);
	fs_expire_clock_jumped();
	return 0;
}
