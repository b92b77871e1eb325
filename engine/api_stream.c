/* The DynamoDB Streams API (SPEC §8, §14): ListStreams, DescribeStream,
 * GetShardIterator and GetRecords on the stream each table keeps
 * (stream.c), one shard per stream, its records the very lines
 * MNT/T/.stream shows. Only a table's latest stream is served: enabling
 * a new one replaces the one before (DynamoDB keeps that readable for 24
 * hours). A disabled stream stays, DISABLED with a closed shard, while
 * its records are kept. A shard iterator is the stream's ARN, a byte
 * offset in the stream, the time it was handed out and a check, as text;
 * the check catches a damaged or edited iterator, not a forger. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/hash.h"
#include "../layout/json.h"
#include "../layout/stream.h"
#include "apicall.h"

#define REGION "local"                              /* as the records and DescribeTable say */
#define ITERATOR_LIFE_NS (15 * 60 * 1000000000LL)  /* DynamoDB's 15 minutes */
#define PAGE_BYTES (1024 * 1024)                    /* GetRecords' 1 MB */
#define ARN_MAX 600

/* A table's stream as the API shows it. */
struct stream {
	eng_table_info ti;
	char arn[ARN_MAX];
	char label[LAY_STREAM_LABEL_MAX];
	char shard[64];
	int enabled;             /* ENABLED; else DISABLED, its records still kept */
	lay_view view;
	uint64_t end;            /* the stream's size */
	uint64_t first;          /* offset of its first kept record of this stream
	                          * (end when none) */
	uint64_t kept;           /* offset of the first kept record of any stream */
	uint64_t first_seq, last_seq; /* its first and last kept records' (0: none) */
};

/* Fail with DynamoDB's error type and a fixed message. */
static int fail(struct call *c, const char *type, const char *msg)
{
	c->type = type;
	return lay_err_set(c->err, -EINVAL, "%s", msg);
}

static int not_found(struct call *c, const char *arn)
{
	c->type = "ResourceNotFoundException";
	return lay_err_set(c->err, -ENOENT, "Requested resource not found: Stream: %s not found",
			   arn);
}

/* A record of an older stream of the table (one enabled before the
 * current one) is no record of this one. */
static int of_stream(const struct stream *s, const eng_stream_rec *r)
{
	return r->time_ns >= s->ti.settings.stream_created_ns;
}

static int first_cb(void *ctx, const eng_stream_rec *r)
{
	struct stream *s = ctx;

	if (!of_stream(s, r))
		return 0;
	s->first = r->off;
	if (lay_stream_seq(r->text, r->len, &s->first_seq) < 0)
		return -EIO;
	return 1;
}

static int last_cb(void *ctx, const eng_stream_rec *r)
{
	struct stream *s = ctx;

	if (of_stream(s, r)) {
		if (lay_stream_seq(r->text, r->len, &s->last_seq) < 0)
			return -EIO;
		if (!s->enabled)
			s->view = lay_stream_view(r->text, r->len);
	}
	return 1;
}

/*
 * Table's stream into *s: 1 when it has one, 0 when it has none (never
 * enabled; or disabled, and its records are gone: DynamoDB keeps a
 * disabled stream readable for the 24 hours its records live), or a
 * failure (-ENOENT: no such table, c->err set but no type).
 */
static int stream_get(struct call *c, const char *table, struct stream *s)
{
	lay_buf arn = LAY_BUF_INIT;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = eng_table_get(c->db, NULL, table, &s->ti, c->err)) < 0)
		return rc;
	if (!s->ti.settings.stream_created_ns)
		return 0;
	s->enabled = s->ti.settings.stream_view != LAY_VIEW_OFF;
	s->view = s->ti.settings.stream_view;
	if ((rc = eng_stream_scan(c->db, table, 0, first_cb, s, &s->end, &s->kept, c->err)) < 0)
		return rc;
	if (!s->first_seq)
		s->first = s->end;
	else if ((rc = eng_stream_scan(c->db, table, s->end - 1, last_cb, s, NULL, NULL, c->err)) < 0)
		return rc;
	if (!s->enabled && (!s->last_seq || s->view == LAY_VIEW_OFF))
		return 0;
	if (lay_stream_arn(&arn, REGION, table, s->ti.settings.stream_created_ns) < 0) {
		lay_buf_free(&arn); /* what it wrote before memory ran out */
		return api_nomem(c);
	}
	snprintf(s->arn, sizeof(s->arn), "%s", arn.p); /* table names are at most 255 bytes */
	lay_buf_free(&arn);
	lay_stream_label(s->label, s->ti.settings.stream_created_ns);
	snprintf(s->shard, sizeof(s->shard), "shardId-%020" PRId64 "-%08x",
		 s->ti.settings.stream_created_ns / 1000000,
		 (unsigned)(lay_hash64(s->arn, strlen(s->arn)) & 0xffffffffu));
	return 1;
}

/* The stream an ARN names, which must be a table's current one: 0, or a
 * ResourceNotFoundException. */
static int stream_find(struct call *c, const char *arn, struct stream *s)
{
	char table[300];
	const char *t = api_table_of(arn), *e;
	int rc;

	if (t == arn || !(e = strstr(t, "/stream/")) || (size_t)(e - t) >= sizeof(table))
		return not_found(c, arn);
	memcpy(table, t, (size_t)(e - t));
	table[e - t] = '\0';
	if ((rc = stream_get(c, table, s)) < 0 && rc != -ENOENT)
		return rc;
	if (rc <= 0 || strcmp(s->arn, arn) != 0)
		return not_found(c, arn);
	return 0;
}

/* An optional integer member in [1, max] (*out keeps its default when
 * absent), with DynamoDB's messages. */
static int get_limit(struct call *c, const char *name, const char *field, int max, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, name);
	char msg[200];

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return api_invalid(c, "SerializationException", "%s must be an integer", name);
	if (v->valuedouble < 1 || v->valuedouble > max) {
		snprintf(msg, sizeof(msg), "1 validation error detected: Value '%.0f' at '%s' failed "
			 "to satisfy constraint: Member must have value %s %d", v->valuedouble, field,
			 v->valuedouble < 1 ? "greater than or equal to" : "less than or equal to",
			 v->valuedouble < 1 ? 1 : max);
		return api_invalid(c, "ValidationException", "%s", msg);
	}
	*out = (int)v->valuedouble;
	return 0;
}

static int add_str(struct call *c, const char *s)
{
	return lay_json_quote(c->out, s, strlen(s)) < 0 ? api_nomem(c) : 0;
}

/* ListStreams: every table's stream in table name order, or one table's. */
static int list_streams(struct call *c)
{
	const char *table = api_str(c->rq, "TableName");
	const char *start = api_str(c->rq, "ExclusiveStartStreamArn");
	char **names = NULL, from[300] = "", last[ARN_MAX] = "";
	int limit = 100, n, i, shown = 0, rc;
	struct stream s;

	if ((rc = get_limit(c, "Limit", "limit", 100, &limit)) < 0)
		return rc;
	if (start) {
		const char *t = api_table_of(start), *e = strstr(t, "/stream/");
		size_t len = e ? (size_t)(e - t) : strlen(t);

		if (len >= sizeof(from))
			len = sizeof(from) - 1;
		memcpy(from, t, len);
		from[len] = '\0';
	}
	if ((n = eng_table_list(c->db, &names)) < 0)
		return api_nomem(c);
	if (lay_buf_adds(c->out, "{\"Streams\":[") < 0) {
		rc = api_nomem(c);
		goto out_names;
	}
	if (table) {
		for (i = 0; i < n && strcmp(names[i], table) != 0; i++)
			;
		if (i == n) {
			c->type = "ResourceNotFoundException";
			rc = lay_err_set(c->err, -ENOENT, "Requested resource not found: Table: %s not found",
					 table);
			goto out_names;
		}
	}
	rc = 0;
	for (i = 0; i < n; i++) {
		if ((table && strcmp(names[i], table) != 0) || (start && strcmp(names[i], from) <= 0))
			continue;
		if ((rc = stream_get(c, names[i], &s)) == -ENOENT)
			continue; /* deleted meanwhile */
		if (rc < 0)
			goto out_names;
		if (rc == 0)
			continue;
		if (shown == limit) {
			/* there is more: the page ends at the last one shown */
			rc = 1;
			break;
		}
		if ((shown && lay_buf_addc(c->out, ',') < 0) ||
		    lay_buf_adds(c->out, "{\"StreamArn\":") < 0 || add_str(c, s.arn) < 0 ||
		    lay_buf_adds(c->out, ",\"TableName\":") < 0 || add_str(c, names[i]) < 0 ||
		    lay_buf_addf(c->out, ",\"StreamLabel\":\"%s\"}", s.label) < 0) {
			rc = api_nomem(c);
			goto out_names;
		}
		shown++;
		snprintf(last, sizeof(last), "%s", s.arn);
		rc = 0;
	}
	if (lay_buf_addc(c->out, ']') < 0 ||
	    (rc == 1 && (lay_buf_adds(c->out, ",\"LastEvaluatedStreamArn\":") < 0 ||
			 add_str(c, last) < 0)) ||
	    lay_buf_addc(c->out, '}') < 0)
		rc = api_nomem(c);
	else
		rc = 0;
out_names:
	eng_names_free(names);
	return rc;
}

static int add_key_schema(struct call *c, const lay_schema *k)
{
	if (lay_buf_adds(c->out, "[{\"AttributeName\":") < 0 || add_str(c, k->pk) < 0 ||
	    lay_buf_adds(c->out, ",\"KeyType\":\"HASH\"}") < 0)
		return api_nomem(c);
	if (k->sk[0] && (lay_buf_adds(c->out, ",{\"AttributeName\":") < 0 || add_str(c, k->sk) < 0 ||
			 lay_buf_adds(c->out, ",\"KeyType\":\"RANGE\"}") < 0))
		return api_nomem(c);
	return lay_buf_addc(c->out, ']') < 0 ? api_nomem(c) : 0;
}

/* DescribeStream: the stream and its one shard. */
static int describe_stream(struct call *c)
{
	const char *arn, *start = api_str(c->rq, "ExclusiveStartShardId");
	int64_t created;
	int limit = 100, rc;
	struct stream s;

	if ((rc = api_need_str(c, c->rq, "StreamArn", &arn)) < 0 ||
	    (rc = get_limit(c, "Limit", "limit", 100, &limit)) < 0 ||
	    (rc = stream_find(c, arn, &s)) < 0)
		return rc;
	created = s.ti.settings.stream_created_ns;
	if (lay_buf_adds(c->out, "{\"StreamDescription\":{\"StreamArn\":") < 0 ||
	    add_str(c, s.arn) < 0 ||
	    lay_buf_addf(c->out,
			 ",\"StreamLabel\":\"%s\",\"StreamStatus\":\"%s\",\"StreamViewType\":\"%s\""
			 ",\"CreationRequestDateTime\":%" PRId64 ".%03d,\"TableName\":",
			 s.label, s.enabled ? "ENABLED" : "DISABLED", lay_view_name(s.view),
			 created / 1000000000, (int)(created / 1000000 % 1000)) < 0 ||
	    add_str(c, s.ti.name) < 0 || lay_buf_adds(c->out, ",\"KeySchema\":") < 0 ||
	    add_key_schema(c, &s.ti.schema) < 0 || lay_buf_adds(c->out, ",\"Shards\":[") < 0)
		return api_nomem(c);
	/* one shard; paging past it leaves none */
	if (!start || strcmp(start, s.shard) != 0) {
		/* an empty stream's first record will have a later number than any yet */
		uint64_t from = s.first_seq ? s.first_seq : eng_log_last_seq(c->db) + 1;

		if (lay_buf_addf(c->out,
				 "{\"ShardId\":\"%s\",\"SequenceNumberRange\":{"
				 "\"StartingSequenceNumber\":\"%021" PRIu64 "\"",
				 s.shard, from) < 0 ||
		    (!s.enabled && lay_buf_addf(c->out, ",\"EndingSequenceNumber\":\"%021" PRIu64 "\"",
						s.last_seq) < 0) ||
		    lay_buf_adds(c->out, "}}") < 0)
			return api_nomem(c);
	}
	return lay_buf_adds(c->out, "]}}") < 0 ? api_nomem(c) : 0;
}

/* An iterator's text: ARN|offset|issued ms|check. */
static int add_iterator(struct call *c, const char *arn, uint64_t off)
{
	char tail[80];
	int64_t ms = eng_clock_now_ns(eng_db_clock(c->db)) / 1000000;
	uint64_t h;

	snprintf(tail, sizeof(tail), "|%" PRIu64 "|%" PRId64, off, ms);
	h = lay_hash_mix(lay_fnv1a(lay_fnv1a(LAY_FNV_INIT, arn, strlen(arn)), tail, strlen(tail)));
	if (add_str(c, arn) < 0)
		return -ENOMEM;
	/* the quote add_str closed with goes after the tail */
	c->out->len--;
	if (lay_buf_addf(c->out, "%s|%016" PRIx64 "\"", tail, h) < 0)
		return api_nomem(c);
	return 0;
}

/* Read an iterator back: its ARN into arn, offset and issue time. -EINVAL
 * when it is no iterator this handed out. */
static int parse_iterator(const char *it, char *arn, size_t size, uint64_t *off, int64_t *ms)
{
	const char *bar[3], *p;
	char *end, want[17];
	size_t n = 0, alen;
	uint64_t h;

	for (p = it + strlen(it); p > it && n < 3;)
		if (*--p == '|')
			bar[n++] = p;
	if (n < 3 || (alen = (size_t)(bar[2] - it)) >= size || strlen(bar[0] + 1) != 16)
		return -EINVAL;
	h = lay_hash_mix(lay_fnv1a(lay_fnv1a(LAY_FNV_INIT, it, alen), bar[2],
				   (size_t)(bar[0] - bar[2])));
	snprintf(want, sizeof(want), "%016" PRIx64, h);
	if (strcmp(want, bar[0] + 1) != 0)
		return -EINVAL;
	memcpy(arn, it, alen);
	arn[alen] = '\0';
	*off = strtoull(bar[2] + 1, &end, 10);
	if (end != bar[1])
		return -EINVAL;
	*ms = strtoll(bar[1] + 1, &end, 10);
	return end == bar[0] ? 0 : -EINVAL;
}

/* Looking for a sequence number in a stream. */
struct seek {
	const struct stream *s;
	uint64_t seq;
	int after;        /* AFTER_SEQUENCE_NUMBER */
	int found;
	uint64_t off;
};

static int seek_cb(void *ctx, const eng_stream_rec *r)
{
	struct seek *k = ctx;
	uint64_t seq;

	if (!of_stream(k->s, r))
		return 0;
	if (lay_stream_seq(r->text, r->len, &seq) < 0)
		return -EIO;
	if (seq < k->seq)
		return 0;
	if (seq == k->seq) {
		k->found = 1;
		k->off = k->after ? r->off + r->len : r->off;
	}
	return 1;
}

static int get_shard_iterator(struct call *c)
{
	static const char *const types[] = { "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
					     "AFTER_SEQUENCE_NUMBER" };
	const char *arn, *shard, *type, *seqtext = api_str(c->rq, "SequenceNumber");
	struct seek k = { 0 };
	struct stream s;
	size_t t;
	int rc;

	if ((rc = api_need_str(c, c->rq, "StreamArn", &arn)) < 0 ||
	    (rc = api_need_str(c, c->rq, "ShardId", &shard)) < 0 ||
	    (rc = api_need_str(c, c->rq, "ShardIteratorType", &type)) < 0)
		return rc;
	for (t = 0; t < 4 && strcmp(type, types[t]) != 0; t++)
		;
	if (t == 4)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value '%s' at 'shardIteratorType' "
				   "failed to satisfy constraint: Member must satisfy enum value set: "
				   "[AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
				   type);
	if (t >= 2) {
		char *end;

		if (!seqtext)
			return api_invalid(c, "ValidationException",
					   "A SequenceNumber is required for a %s shard iterator", type);
		if (strlen(seqtext) < 21 || strlen(seqtext) > 40 ||
		    strspn(seqtext, "0123456789") != strlen(seqtext) ||
		    (k.seq = strtoull(seqtext, &end, 10)) == UINT64_MAX)
			return api_invalid(c, "ValidationException", "Invalid SequenceNumber: %s",
					   seqtext);
	}
	if ((rc = stream_find(c, arn, &s)) < 0)
		return rc;
	if (strcmp(shard, s.shard) != 0) {
		c->type = "ResourceNotFoundException";
		return lay_err_set(c->err, -ENOENT,
				   "Requested resource not found: Shard: %s in Stream: %s not found",
				   shard, arn);
	}
	k.s = &s;
	k.off = t == 0 ? s.first : s.end;
	if (t >= 2) {
		k.after = t == 3;
		if ((rc = eng_stream_scan(c->db, s.ti.name, s.first, seek_cb, &k, NULL, NULL,
					  c->err)) < 0)
			return rc;
		if (!k.found && (s.first_seq ? k.seq < s.first_seq : 1) && s.kept > 0)
			return api_invalid(c, "TrimmedDataAccessException",
					   "The data you are trying to access has been trimmed: "
					   "SequenceNumber %s is older than the oldest record kept",
					   seqtext);
		if (!k.found)
			return api_invalid(c, "ValidationException",
					   "Invalid SequenceNumber: %s is no record of this shard",
					   seqtext);
	}
	if (lay_buf_adds(c->out, "{\"ShardIterator\":") < 0 || add_iterator(c, s.arn, k.off) < 0 ||
	    lay_buf_addc(c->out, '}') < 0)
		return api_nomem(c);
	return 0;
}

/* A page of records being read. */
struct page {
	struct call *c;
	const struct stream *s;
	uint64_t off;     /* where the iterator points */
	int limit, n;
	size_t bytes;
	uint64_t next;    /* where the next iterator will point */
	int trimmed;
};

static int page_cb(void *ctx, const eng_stream_rec *r)
{
	struct page *p = ctx;
	size_t len = r->len && r->text[r->len - 1] == '\n' ? r->len - 1 : r->len;

	if (r->off + r->len <= p->off)
		return 0;
	if (!p->n && r->off > p->off) {
		p->trimmed = 1;
		return 1;
	}
	if (!of_stream(p->s, r)) {
		p->next = r->off + r->len;
		return 0;
	}
	if (p->n == p->limit || (p->n && p->bytes + len > PAGE_BYTES))
		return 1;
	if ((p->n && lay_buf_addc(p->c->out, ',') < 0) || lay_buf_add(p->c->out, r->text, len) < 0)
		return -ENOMEM;
	p->n++;
	p->bytes += len;
	p->next = r->off + r->len;
	return 0;
}

static int get_records(struct call *c)
{
	const char *it;
	char arn[ARN_MAX];
	struct page p = { .c = c, .limit = 1000 };
	struct stream s;
	uint64_t end, kept;
	int64_t issued_ms, now;
	int rc;

	if ((rc = api_need_str(c, c->rq, "ShardIterator", &it)) < 0 ||
	    (rc = get_limit(c, "Limit", "limit", 1000, &p.limit)) < 0)
		return rc;
	if (parse_iterator(it, arn, sizeof(arn), &p.off, &issued_ms) < 0)
		return fail(c, "ValidationException", "Invalid ShardIterator");
	now = eng_clock_now_ns(eng_db_clock(c->db));
	if (now - issued_ms * 1000000 > ITERATOR_LIFE_NS)
		return fail(c, "ExpiredIteratorException", "Shard iterator has expired");
	if ((rc = stream_find(c, arn, &s)) < 0)
		return rc;
	p.s = &s;
	p.next = p.off;
	if (lay_buf_adds(c->out, "{\"Records\":[") < 0)
		return api_nomem(c);
	if ((rc = eng_stream_scan(c->db, s.ti.name, p.off, page_cb, &p, &end, &kept, c->err)) < 0)
		return rc == -ENOMEM ? api_nomem(c) : rc;
	if (p.trimmed || (p.off < kept && p.off < end))
		return fail(c, "TrimmedDataAccessException",
			    "The data you are trying to access has been trimmed: the iterator's "
			    "records are older than the oldest record kept");
	if (lay_buf_addc(c->out, ']') < 0)
		return api_nomem(c);
	/* a disabled stream's shard is closed: read to its end, it has no next */
	if (s.enabled || p.next < end) {
		if (lay_buf_adds(c->out, ",\"NextShardIterator\":") < 0 ||
		    add_iterator(c, s.arn, p.next) < 0)
			return api_nomem(c);
	}
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

const struct api_action api_stream_actions[] = {
	{ "ListStreams", list_streams },
	{ "DescribeStream", describe_stream },
	{ "GetShardIterator", get_shard_iterator },
	{ "GetRecords", get_records },
	{ NULL, NULL },
};
