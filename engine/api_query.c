/* The reading actions of many items (SPEC §14): Query and Scan, a page at
 * a time in DynamoDB's key order with filters, projections, Limit, the
 * 1 MB page and parallel scan segments; and BatchGetItem. Each page is
 * one metered read of the items it looked at, as DynamoDB rounds it. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/hash.h"
#include "../layout/json.h"
#include "apicall.h"
#include "capacity.h"
#include "req.h"

#define PAGE_MAX (1024 * 1024)        /* a page of Query or Scan reads at most this */
#define BATCH_GET_MAX_KEYS 100
#define BATCH_GET_MAX_BYTES (16 * 1024 * 1024)
#define SEGMENTS_MAX 1000000
#define PARTS_BATCH 64                /* partitions a scan lists at a time */

static const char throughput_msg[] =
	"The level of configured provisioned throughput for the table was exceeded. Consider "
	"increasing your provisioning level with the UpdateTable API.";

/* ---- the request's common parameters ---- */

/* A page being read: what Query and Scan share. */
struct page {
	struct call *c;
	const char *table;
	lay_schema s;
	lay_expr_env env;
	lay_item names, values;
	lay_expr *keycond, *filter, *proj;
	int count_only;          /* Select COUNT: no Items */
	size_t limit;            /* items evaluated at most (0: no limit) */
	int consistent;
	int forward;
	/* Query */
	lay_key_cond kc;
	/* Scan */
	int segmented;
	uint32_t segment, total;
	/* ExclusiveStartKey */
	lay_item start_store;
	lay_key start;
	int has_start;
	/* what was read */
	size_t count, scanned;
	uint64_t bytes;
	int stopped;             /* the page ended by Limit or its size */
	lay_item last_store;     /* the key of the last item evaluated, when stopped */
	lay_key last;
};

static void page_free(struct page *p)
{
	lay_expr_free(p->keycond);
	lay_expr_free(p->filter);
	lay_expr_free(p->proj);
	lay_expr_env_free(&p->env);
	lay_item_free(&p->names);
	lay_item_free(&p->values);
	lay_item_free(&p->start_store);
	lay_item_free(&p->last_store);
}

static int validation(struct call *c, const char *fmt, const char *arg)
{
	return api_invalid(c, "ValidationException", fmt, arg);
}

/* A boolean member (absent: def). */
static int get_bool(struct call *c, const cJSON *o, const char *name, int def, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = def;
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return api_invalid(c, "SerializationException", "%s must be a boolean", name);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* An integer member in [lo, hi]; *present says whether it was there. The
 * member's name in DynamoDB's messages starts with a lower-case letter. */
static int get_int(struct call *c, const char *name, long lo, long hi, long *out, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, name);
	char field[32], msg[200];

	*present = v != NULL;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 1e15)
		return api_invalid(c, "SerializationException", "%s must be an integer", name);
	*out = (long)v->valuedouble;
	snprintf(field, sizeof(field), "%c%s", name[0] - 'A' + 'a', name + 1);
	if (*out < lo)
		snprintf(msg, sizeof(msg), "1 validation error detected: Value '%ld' at '%s' failed "
			 "to satisfy constraint: Member must have value greater than or equal to %ld",
			 *out, field, lo);
	else if (*out > hi)
		snprintf(msg, sizeof(msg), "1 validation error detected: Value '%ld' at '%s' failed "
			 "to satisfy constraint: Member must have value less than or equal to %ld",
			 *out, field, hi);
	else
		return 0;
	return validation(c, "%s", msg);
}

/* The expression parameters exprs of request o (ProjectionExpression
 * last: it takes no values) and the legacy ones: a legacy one is refused,
 * with DynamoDB's message when it is mixed with expressions; the
 * substitutions must come with expressions that can use them, and not be
 * empty. */
static int expr_params(struct call *c, const cJSON *o, const char *const *legacy,
		       const char *const *exprs)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(o, "ExpressionAttributeNames");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(o, "ExpressionAttributeValues");
	const char *const *l, *const *x;
	lay_buf b = LAY_BUF_INIT;
	int rc = 0, nl = 0, nx = 0, nv = 0;

	for (l = legacy; *l; l++) {
		if (!cJSON_GetObjectItemCaseSensitive(o, *l))
			continue;
		if (lay_buf_adds(&b, nl++ ? ", " : "Can not use both expression and non-expression "
				 "parameters in the same request: Non-expression parameters: {") < 0 ||
		    lay_buf_adds(&b, *l) < 0)
			goto out_nomem;
	}
	for (x = exprs; *x; x++) {
		if (!cJSON_GetObjectItemCaseSensitive(o, *x))
			continue;
		nv += strcmp(*x, "ProjectionExpression") != 0;
		if (nl && (lay_buf_adds(&b, nx ? ", " : "} Expression parameters: {") < 0 ||
			   lay_buf_adds(&b, *x) < 0))
			goto out_nomem;
		nx++;
	}
	if (nl && nx) {
		if (lay_buf_addc(&b, '}') < 0)
			goto out_nomem;
		rc = validation(c, "%s", b.p);
		goto out_free;
	}
	if (nl) {
		for (l = legacy; !cJSON_GetObjectItemCaseSensitive(o, *l); l++)
			;
		rc = validation(c, "%s is a legacy parameter this endpoint does not take: use "
				"the expression parameters (KeyConditionExpression, FilterExpression, "
				"ProjectionExpression)", *l);
		goto out_free;
	}
	if (names && !nx) {
		rc = validation(c, "%s", "ExpressionAttributeNames can only be specified when using "
				"expressions");
		goto out_free;
	}
	if (values && !nv && strcmp(exprs[0], "ProjectionExpression") != 0) {
		lay_buf_reset(&b);
		for (x = exprs; strcmp(*x, "ProjectionExpression") != 0; x++)
			if (lay_buf_adds(&b, x == exprs ? "" : " and ") < 0 || lay_buf_adds(&b, *x) < 0 ||
			    lay_buf_adds(&b, " is null") < 0)
				goto out_nomem;
		rc = validation(c, "ExpressionAttributeValues can only be specified when using "
				"expressions: %s", b.p);
		goto out_free;
	}
	if (cJSON_IsObject(names) && !names->child)
		rc = validation(c, "%s", "ExpressionAttributeNames must not be empty");
	else if (cJSON_IsObject(values) && !values->child)
		rc = validation(c, "%s", "ExpressionAttributeValues must not be empty");
	goto out_free;
out_nomem:
	rc = api_nomem(c);
out_free:
	lay_buf_free(&b);
	return rc;
}

/* ReturnConsumedCapacity's value, checked before anything is read. */
static int check_consumed(struct call *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, "ReturnConsumedCapacity");

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return api_invalid(c, "SerializationException", "%s must be a string",
				   "ReturnConsumedCapacity");
	if (strcmp(v->valuestring, "TOTAL") && strcmp(v->valuestring, "INDEXES") &&
	    strcmp(v->valuestring, "NONE"))
		return validation(c, "1 validation error detected: Value '%s' at "
				  "'returnConsumedCapacity' failed to satisfy constraint: Member must "
				  "satisfy enum value set: [INDEXES, TOTAL, NONE]", v->valuestring);
	return 0;
}

/* Select, with ProjectionExpression: count_only, or items. */
static int read_select(struct page *p)
{
	struct call *c = p->c;
	const cJSON *sel = cJSON_GetObjectItemCaseSensitive(c->rq, "Select");
	int proj = cJSON_GetObjectItemCaseSensitive(c->rq, "ProjectionExpression") != NULL;
	const char *s;

	if (!sel)
		return 0;
	if (!cJSON_IsString(sel))
		return api_invalid(c, "SerializationException", "%s must be a string", "Select");
	s = sel->valuestring;
	if (strcmp(s, "ALL_ATTRIBUTES") == 0) {
		if (proj)
			return validation(c, "%s", "Cannot specify the ProjectionExpression when "
					  "choosing to get ALL_ATTRIBUTES");
	} else if (strcmp(s, "COUNT") == 0) {
		if (proj)
			return validation(c, "%s", "Cannot specify the ProjectionExpression when "
					  "choosing to get only the Count");
		p->count_only = 1;
	} else if (strcmp(s, "SPECIFIC_ATTRIBUTES") == 0) {
		if (!proj)
			return validation(c, "%s", "Must specify the AttributesToGet or "
					  "ProjectionExpression when choosing to get "
					  "SPECIFIC_ATTRIBUTES");
	} else if (strcmp(s, "ALL_PROJECTED_ATTRIBUTES") == 0) {
		return validation(c, "%s", "ALL_PROJECTED_ATTRIBUTES can be used only when "
				  "Querying using an IndexName");
	} else {
		return validation(c, "1 validation error detected: Value '%s' at 'select' failed "
				  "to satisfy constraint: Member must satisfy enum value set: "
				  "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
				  "ALL_PROJECTED_ATTRIBUTES]", s);
	}
	return 0;
}

/* What Query and Scan read alike from the request, before the table is
 * looked at: TableName, Limit, Select, ConsistentRead,
 * ReturnConsumedCapacity, IndexName and the substitutions. */
static int read_common(struct page *p)
{
	struct call *c = p->c;
	long limit;
	int rc, present;

	if ((rc = api_need_str(c, c->rq, "TableName", &p->table)) < 0 ||
	    (rc = get_int(c, "Limit", 1, 0x7fffffffL, &limit, &present)) < 0 ||
	    (rc = read_select(p)) < 0 ||
	    (rc = get_bool(c, c->rq, "ConsistentRead", 0, &p->consistent)) < 0 ||
	    (rc = check_consumed(c)) < 0)
		return rc;
	p->limit = present ? (size_t)limit : 0;
	/* no table here has a secondary index */
	if (api_str(c->rq, "IndexName"))
		return validation(c, "The table does not have the specified index: %s",
				  api_str(c->rq, "IndexName"));
	if ((rc = api_env(c, &p->names, &p->values, &p->env)) < 0)
		return rc;
	return 0;
}

/* The filter and projection, after any key condition; then the
 * substitutions must all have been used. */
static int read_exprs(struct page *p)
{
	struct call *c = p->c;
	int rc;

	if ((rc = api_expr(c, &p->env, "FilterExpression", LAY_EXPR_FILTER, &p->filter)) < 0 ||
	    (rc = api_expr(c, &p->env, "ProjectionExpression", LAY_EXPR_PROJECTION, &p->proj)) < 0)
		return rc;
	if ((rc = lay_expr_env_unused(&p->env, c->err)) < 0)
		c->type = "ValidationException";
	return rc;
}

/* ExclusiveStartKey: the full primary key of the table. */
static int read_start(struct page *p)
{
	struct call *c = p->c;
	int rc, present;
	size_t want = p->s.sk[0] ? 2 : 1;
	lay_err e = { 0 };

	if ((rc = api_item(c, c->rq, "ExclusiveStartKey", &p->start_store, &present)) < 0) {
		if (rc == -EINVAL) {
			char msg[LAY_ERR_MSG];

			snprintf(msg, sizeof(msg), "%s", c->err->msg);
			return validation(c, "The provided starting key is invalid: %s", msg);
		}
		return rc;
	}
	if (!present)
		return 0;
	if (p->start_store.n != want || !lay_item_find(&p->start_store, p->s.pk, strlen(p->s.pk)) ||
	    (p->s.sk[0] && !lay_item_find(&p->start_store, p->s.sk, strlen(p->s.sk))))
		return validation(c, "%s", "The provided starting key is invalid");
	if (lay_item_key(&p->start, &p->start_store, &p->s, &e) < 0)
		return validation(c, "%s", "The provided starting key is invalid: The provided key "
				  "element does not match the schema");
	p->has_start = 1;
	return 0;
}

/* ---- reading a page ---- */

/* The partition key hash that puts a partition in a scan's segment. */
static uint32_t segment_of(const lay_value *pk, uint32_t total)
{
	unsigned char t = (unsigned char)pk->type;
	uint64_t h = lay_fnv1a(LAY_FNV_INIT, &t, 1);

	h = lay_hash_mix(lay_fnv1a(h, pk->u.p, pk->len));
	return (uint32_t)(h % total);
}

/* Keep the key of item it as the page's last evaluated key. */
static int keep_last(struct page *p, const lay_item *it)
{
	lay_key k;
	lay_err e = { 0 };

	lay_item_free(&p->last_store);
	if (lay_item_key(&k, it, &p->s, &e) < 0)
		return lay_err_set(p->c->err, -EIO, "a stored item lacks its key: %s", e.msg);
	memset(&p->last, 0, sizeof(p->last));
	if (lay_value_copy(&p->last_store, &p->last.pk, &k.pk) < 0 ||
	    (p->s.sk[0] && lay_value_copy(&p->last_store, &p->last.sk, &k.sk) < 0))
		return api_nomem(p->c);
	return 0;
}

/* One item read: evaluated against the filter, rendered if it passes.
 * 0 go on, 1 the page is full, < 0 fail. */
static int take(struct page *p, const lay_item *it, uint32_t size)
{
	struct call *c = p->c;
	lay_item shown = LAY_ITEM_INIT;
	int rc, keep = 1;

	p->scanned++;
	p->bytes += size;
	if (p->filter && (keep = lay_expr_test(p->filter, it, c->err)) < 0) {
		c->type = "ValidationException";
		return keep;
	}
	if (keep) {
		if (!p->count_only) {
			if (p->count && lay_buf_addc(c->out, ',') < 0)
				return api_nomem(c);
			if (p->proj && (rc = lay_expr_project(p->proj, it, &shown, c->err)) < 0) {
				lay_item_free(&shown);
				return rc;
			}
			rc = api_add_item(c, p->proj ? &shown : it);
			lay_item_free(&shown);
			if (rc < 0)
				return rc;
		}
		p->count++;
	}
	if ((p->limit && p->scanned == p->limit) || p->bytes > PAGE_MAX) {
		p->stopped = 1;
		if ((rc = keep_last(p, it)) < 0)
			return rc;
		return 1;
	}
	return 0;
}

/* eng_list's callback of a Query: items of one partition, in the order
 * asked; those outside the key condition are not read. */
static int query_item(void *ctx, const eng_entry *e)
{
	struct page *p = ctx;
	int where = lay_key_cond_where(&p->kc, e->key);

	if (!p->forward)
		where = -where;
	if (where < 0)
		return 0;
	if (where > 0)
		return 1; /* past the range: nothing more matches */
	return take(p, e->item, e->meta->size);
}

/* eng_list's callback of a Scan's items: those of other segments are
 * skipped (a table without sort key: each item is its own partition). */
static int scan_item(void *ctx, const eng_entry *e)
{
	struct page *p = ctx;

	if (p->segmented && !p->s.sk[0] && segment_of(e->key, p->total) != p->segment)
		return 0;
	return take(p, e->item, e->meta->size);
}

/* A batch of partition keys, copied out of the listing. */
struct parts {
	lay_item store;
	lay_value v[PARTS_BATCH];
	size_t n;
	struct call *c;
};

static int on_part(void *ctx, const eng_entry *e)
{
	struct parts *ps = ctx;

	if (lay_value_copy(&ps->store, &ps->v[ps->n], e->key) < 0)
		return api_nomem(ps->c);
	ps->n++;
	return 0;
}

/* A page of a table with a sort key: partitions in key order, from the
 * start key's, each read in its own listing. */
static int scan_parts(struct page *p)
{
	struct call *c = p->c;
	struct parts ps;
	lay_item cursor = LAY_ITEM_INIT;
	lay_value after;
	int rc = 0, have_after = 0;
	size_t i;

	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	if (p->has_start) {
		/* the rest of the start key's partition, then the ones after it */
		if (!p->segmented || segment_of(&p->start.pk, p->total) == p->segment)
			rc = eng_list(c->db, &c->req, p->table, &p->start.pk, &p->start.sk, 0,
				      ENG_LIST_ITEMS | ENG_LIST_UNMETERED, scan_item, p, c->err);
		if (rc < 0 || p->stopped)
			return rc;
		if (lay_value_copy(&cursor, &after, &p->start.pk) < 0)
			return api_nomem(c);
		have_after = 1;
	}
	for (;;) {
		lay_item_free(&ps.store);
		ps.n = 0;
		rc = eng_list(c->db, &c->req, p->table, NULL, have_after ? &after : NULL, PARTS_BATCH,
			      0, on_part, &ps, c->err);
		if (rc < 0 || ps.n == 0)
			break;
		for (i = 0; i < ps.n && rc == 0 && !p->stopped; i++)
			if (!p->segmented || segment_of(&ps.v[i], p->total) == p->segment)
				rc = eng_list(c->db, &c->req, p->table, &ps.v[i], NULL, 0,
					      ENG_LIST_ITEMS | ENG_LIST_UNMETERED, scan_item, p,
					      c->err);
		if (rc < 0 || p->stopped || ps.n < PARTS_BATCH)
			break;
		lay_item_free(&cursor);
		if (lay_value_copy(&cursor, &after, &ps.v[ps.n - 1]) < 0) {
			rc = api_nomem(c);
			break;
		}
		have_after = 1;
	}
	lay_item_free(&ps.store);
	lay_item_free(&cursor);
	return rc;
}

/* Meter the page as one read: admitted before, charged after. */
static int admit(struct page *p)
{
	struct call *c = p->c;
	int rc;

	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if ((rc = store_cap_admit(c->db, &c->req, p->table, CAP_READ, c->err)) < 0 &&
	    c->req.throttled) {
		c->type = "ProvisionedThroughputExceededException";
		lay_err_set(c->err, rc, "%s", throughput_msg);
	}
	return rc;
}

/* Read units of size bytes read: 4 KB each, rounded up once, at least one;
 * half of that eventually consistent. */
static double read_units(uint64_t size, int consistent)
{
	return store_units_read(size) * (consistent ? 1 : 0.5);
}

/* The response's ending: Count, ScannedCount, LastEvaluatedKey and
 * ConsumedCapacity; and the units charged to the table. */
static int finish(struct page *p, int charged)
{
	struct call *c = p->c;
	double units = read_units(p->bytes, p->consistent);
	int rc;

	if (!charged)
		store_cap_charge(c->db, &c->req, p->table, units, 0);
	if ((!p->count_only && lay_buf_addc(c->out, ']') < 0) ||
	    lay_buf_addf(c->out, "%s\"Count\":%zu,\"ScannedCount\":%zu", p->count_only ? "" : ",",
			 p->count, p->scanned) < 0)
		return api_nomem(c);
	if (p->stopped) {
		lay_item k = LAY_ITEM_INIT;
		lay_attr a[2];

		memset(a, 0, sizeof(a));
		a[0].name = p->s.pk;
		a[0].name_len = strlen(p->s.pk);
		a[0].v = p->last.pk;
		a[1].name = p->s.sk;
		a[1].name_len = strlen(p->s.sk);
		a[1].v = p->last.sk;
		k.a = a;
		k.n = p->s.sk[0] ? 2 : 1;
		if (lay_buf_adds(c->out, ",\"LastEvaluatedKey\":") < 0)
			return api_nomem(c);
		if ((rc = api_add_item(c, &k)) < 0)
			return rc;
	}
	if ((rc = api_add_consumed(c, p->table, units, 0)) < 0)
		return rc;
	if (lay_buf_addc(c->out, '}') < 0)
		return api_nomem(c);
	return 0;
}

/* The response's beginning. */
static int start_page(struct page *p)
{
	if (lay_buf_adds(p->c->out, p->count_only ? "{" : "{\"Items\":[") < 0)
		return api_nomem(p->c);
	return 0;
}

/* A Query of a table without sort key: its one item, if any, read (and
 * metered, as one item's read) as GetItem reads it. */
static int query_one(struct page *p)
{
	struct call *c = p->c;
	lay_item it = LAY_ITEM_INIT;
	lay_key k;
	eng_meta m;
	int rc;

	if (p->has_start)
		return 0; /* the one item was the page before */
	memset(&k, 0, sizeof(k));
	k.pk = *p->kc.pk;
	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	c->req.eventual = !p->consistent; /* the table is charged what we report */
	rc = eng_item_get(c->db, &c->req, p->table, &k, &it, &m, c->err);
	c->req.eventual = 0;
	if (rc == -EAGAIN && c->req.throttled) {
		c->type = "ProvisionedThroughputExceededException";
		lay_err_set(c->err, rc, "%s", throughput_msg);
	} else if (rc == -ENOENT) {
		lay_err_clear(c->err);
		rc = 0;
	} else if (rc == 0) {
		rc = take(p, &it, m.size);
		p->stopped = 0; /* there is nothing after it */
		rc = rc == 1 ? 0 : rc;
	}
	lay_item_free(&it);
	return rc;
}

/* ---- Query ---- */

static int query(struct call *c)
{
	static const char *const legacy[] = { "KeyConditions", "QueryFilter", "AttributesToGet",
					      "ConditionalOperator", NULL };
	static const char *const exprs[] = { "KeyConditionExpression", "FilterExpression",
					     "ProjectionExpression", NULL };
	struct page p;
	const lay_value *after = NULL;
	unsigned flags = ENG_LIST_ITEMS | ENG_LIST_UNMETERED;
	int rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	if ((rc = expr_params(c, c->rq, legacy, exprs)) < 0 || (rc = read_common(&p)) < 0 ||
	    (rc = get_bool(c, c->rq, "ScanIndexForward", 1, &p.forward)) < 0)
		goto out_free;
	if (!cJSON_GetObjectItemCaseSensitive(c->rq, "KeyConditionExpression")) {
		rc = validation(c, "%s", "Either the KeyConditions or KeyConditionExpression "
				"parameter must be specified in the request.");
		goto out_free;
	}
	if ((rc = api_expr(c, &p.env, "KeyConditionExpression", LAY_EXPR_KEY, &p.keycond)) < 0 ||
	    (rc = read_exprs(&p)) < 0 || (rc = api_schema(c, p.table, &p.s)) < 0)
		goto out_free;
	p.table = api_table_of(p.table);
	if ((rc = lay_expr_key(p.keycond, &p.s, &p.kc, c->err)) < 0 ||
	    (rc = lay_expr_filter_check(p.filter, &p.s, c->err)) < 0) {
		c->type = "ValidationException";
		goto out_free;
	}
	if ((rc = read_start(&p)) < 0)
		goto out_free;
	if (p.has_start && !lay_value_equal(&p.start.pk, p.kc.pk)) {
		rc = validation(c, "%s", "The provided starting key is outside query boundaries "
				"based on provided conditions");
		goto out_free;
	}
	if ((rc = start_page(&p)) < 0)
		goto out_free;
	if (!p.s.sk[0]) {
		if ((rc = query_one(&p)) < 0)
			goto out_free;
		rc = finish(&p, 1);
		goto out_free;
	}
	if ((rc = admit(&p)) < 0)
		goto out_free;
	{
		if (p.has_start)
			after = &p.start.sk;
		else if ((p.forward && p.kc.op == LAY_KEY_GT) || (!p.forward && p.kc.op == LAY_KEY_LT))
			after = p.kc.lo; /* the listing starts where the range does */
		if (!p.forward)
			flags |= ENG_LIST_REVERSE;
		rc = eng_list(c->db, &c->req, p.table, p.kc.pk, after, 0, flags, query_item, &p,
			      c->err);
	}
	if (rc < 0) {
		store_cap_charge(c->db, &c->req, p.table, read_units(p.bytes, p.consistent), 0);
		goto out_free;
	}
	rc = finish(&p, 0);
out_free:
	page_free(&p);
	return rc;
}

/* ---- Scan ---- */

static int read_segments(struct page *p)
{
	struct call *c = p->c;
	long seg = 0, total = 0;
	int rc, has_seg, has_total;
	char msg[300];

	if ((rc = get_int(c, "Segment", 0, SEGMENTS_MAX - 1, &seg, &has_seg)) < 0 ||
	    (rc = get_int(c, "TotalSegments", 1, SEGMENTS_MAX, &total, &has_total)) < 0)
		return rc;
	if (has_seg && !has_total)
		return validation(c, "%s", "The TotalSegments parameter is required but was not "
				  "present in the request when Segment parameter is present");
	if (has_total && !has_seg)
		return validation(c, "%s", "The Segment parameter is required but was not present "
				  "in the request when parameter TotalSegments is present");
	if (!has_seg)
		return 0;
	if (seg >= total) {
		snprintf(msg, sizeof(msg), "The Segment parameter is zero-based and must be less "
			 "than parameter TotalSegments: Segment: %ld is not less than "
			 "TotalSegments: %ld", seg, total);
		return validation(c, "%s", msg);
	}
	p->segmented = 1;
	p->segment = (uint32_t)seg;
	p->total = (uint32_t)total;
	return 0;
}

static int scan(struct call *c)
{
	static const char *const legacy[] = { "ScanFilter", "AttributesToGet", "ConditionalOperator",
					      NULL };
	static const char *const exprs[] = { "FilterExpression", "ProjectionExpression", NULL };
	struct page p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.forward = 1;
	if ((rc = expr_params(c, c->rq, legacy, exprs)) < 0 || (rc = read_common(&p)) < 0 ||
	    (rc = read_segments(&p)) < 0 || (rc = read_exprs(&p)) < 0 ||
	    (rc = api_schema(c, p.table, &p.s)) < 0)
		goto out_free;
	p.table = api_table_of(p.table);
	if ((rc = read_start(&p)) < 0 || (rc = start_page(&p)) < 0 || (rc = admit(&p)) < 0)
		goto out_free;
	if (p.s.sk[0])
		rc = scan_parts(&p);
	else
		rc = eng_list(c->db, &c->req, p.table, NULL, p.has_start ? &p.start.pk : NULL, 0,
			      ENG_LIST_ITEMS | ENG_LIST_UNMETERED, scan_item, &p, c->err);
	if (rc < 0) {
		store_cap_charge(c->db, &c->req, p.table, read_units(p.bytes, p.consistent), 0);
		goto out_free;
	}
	rc = finish(&p, 0);
out_free:
	page_free(&p);
	return rc;
}

/* ---- BatchGetItem ---- */

/* One table of a BatchGetItem. */
struct bget {
	const cJSON *rq;         /* its KeysAndAttributes */
	const char *name;        /* as the request names it (a name or an ARN) */
	const char *table;       /* its name */
	lay_schema s;
	lay_item names, values;
	lay_expr_env env;
	lay_expr *proj;
	int consistent;
	size_t nkeys;
	lay_item *keys;          /* each key's attributes */
	double units;
	int read_any;            /* it read a key (its capacity is told) */
	int unprocessed;         /* keys left for later */
	size_t found;
};

static void bget_free(struct bget *t)
{
	size_t i;

	for (i = 0; t->keys && i < t->nkeys; i++)
		lay_item_free(&t->keys[i]);
	free(t->keys);
	lay_expr_free(t->proj);
	lay_expr_env_free(&t->env);
	lay_item_free(&t->names);
	lay_item_free(&t->values);
}

/* The table's keys, checked as DynamoDB checks them before anything is
 * read; *total counts the keys of all tables. */
static int bget_read(struct call *c, struct bget *t, size_t *total)
{
	static const char *const legacy[] = { "AttributesToGet", NULL };
	static const char *const exprs[] = { "ProjectionExpression", NULL };
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(t->rq, "Keys"), *k;
	char field[400];
	size_t i, j;
	int rc;

	snprintf(field, sizeof(field), "requestItems.%s.member.keys", t->name);
	if (!cJSON_IsObject(t->rq))
		return api_invalid(c, "SerializationException", "%s must be an object",
				   "RequestItems' member");
	if (!keys)
		return validation(c, "1 validation error detected: Value null at '%s' failed to "
				  "satisfy constraint: Member must not be null", field);
	if (!cJSON_IsArray(keys))
		return api_invalid(c, "SerializationException", "%s must be a list", "Keys");
	if (cJSON_GetArraySize(keys) == 0)
		return validation(c, "1 validation error detected: Value '[]' at '%s' failed to "
				  "satisfy constraint: Member must have length greater than or equal "
				  "to 1", field);
	if ((rc = expr_params(c, t->rq, legacy, exprs)) < 0)
		return rc;
	t->nkeys = (size_t)cJSON_GetArraySize(keys);
	if (!(t->keys = calloc(t->nkeys, sizeof(*t->keys))))
		return api_nomem(c);
	i = 0;
	cJSON_ArrayForEach(k, keys) {
		cJSON *holder = cJSON_CreateObject();

		if (!holder)
			return api_nomem(c);
		/* api_item reads a member: lend it the key */
		cJSON_AddItemReferenceToObject(holder, "Key", (cJSON *)k);
		rc = api_item(c, holder, "Key", &t->keys[i], NULL);
		cJSON_Delete(holder);
		if (rc < 0)
			return rc;
		for (j = 0; j < i; j++)
			if (lay_item_equal(&t->keys[j], &t->keys[i]))
				return validation(c, "%s", "Provided list of item keys contains "
						  "duplicates");
		i++;
		if (++*total > BATCH_GET_MAX_KEYS)
			return validation(c, "%s", "Too many items requested for the BatchGetItem "
					  "call");
	}
	if ((rc = get_bool(c, t->rq, "ConsistentRead", 0, &t->consistent)) < 0)
		return rc;
	/* the table's own substitutions and projection: read as a request's */
	{
		const cJSON *saved = c->rq;

		c->rq = t->rq;
		rc = api_env(c, &t->names, &t->values, &t->env);
		if (rc == 0)
			rc = api_expr(c, &t->env, "ProjectionExpression", LAY_EXPR_PROJECTION,
				      &t->proj);
		c->rq = saved;
		if (rc < 0)
			return rc;
	}
	if ((rc = lay_expr_env_unused(&t->env, c->err)) < 0)
		c->type = "ValidationException";
	return rc;
}

/* The key attributes of one key of t, as a Key is checked. */
static int bget_key(struct call *c, struct bget *t, size_t i, lay_key *out)
{
	lay_err e = { 0 };

	if (t->keys[i].n != (t->s.sk[0] ? 2u : 1u) || lay_item_key(out, &t->keys[i], &t->s, &e) < 0)
		return validation(c, "%s", "The provided key element does not match the schema");
	return 0;
}

/* Append t's key i as the request gave it to UnprocessedKeys' list. */
static int add_unprocessed_key(struct call *c, lay_buf *b, const struct bget *t, size_t i)
{
	const cJSON *k = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t->rq, "Keys"), (int)i);
	char *text = cJSON_PrintUnformatted(k);
	int rc = 0;

	if (!text || (t->unprocessed && lay_buf_addc(b, ',') < 0) || lay_buf_adds(b, text) < 0)
		rc = api_nomem(c);
	free(text);
	return rc;
}

/* Close t's UnprocessedKeys entry: its other members as the request gave
 * them. */
static int end_unprocessed(struct call *c, lay_buf *b, const struct bget *t)
{
	const cJSON *m;
	char *text;

	if (lay_buf_addc(b, ']') < 0)
		return api_nomem(c);
	cJSON_ArrayForEach(m, t->rq) {
		if (strcmp(m->string, "Keys") == 0)
			continue;
		if (!(text = cJSON_PrintUnformatted(m)))
			return api_nomem(c);
		if (lay_buf_addc(b, ',') < 0 || lay_json_quote(b, m->string, strlen(m->string)) < 0 ||
		    lay_buf_addc(b, ':') < 0 || lay_buf_adds(b, text) < 0) {
			free(text);
			return api_nomem(c);
		}
		free(text);
	}
	if (lay_buf_addc(b, '}') < 0)
		return api_nomem(c);
	return 0;
}

/* Read t's keys into Responses (c->out) and unprocessed (b): a key goes
 * there when the response is full or its table is out of capacity. */
static int bget_table(struct call *c, struct bget *t, uint64_t *bytes, size_t *throttled,
		      lay_buf *b, int *any_unprocessed)
{
	lay_item it = LAY_ITEM_INIT, shown = LAY_ITEM_INIT;
	eng_meta m;
	lay_key k;
	size_t i;
	int rc = 0, full = *bytes > BATCH_GET_MAX_BYTES;

	if (lay_json_quote(c->out, t->name, strlen(t->name)) < 0 || lay_buf_adds(c->out, ":[") < 0)
		return api_nomem(c);
	for (i = 0; i < t->nkeys; i++) {
		if ((rc = bget_key(c, t, i, &k)) < 0)
			return rc;
		if (!full) {
			c->req.throttled = 0;
			c->req.eventual = !t->consistent; /* charged as reported */
			rc = eng_item_get(c->db, &c->req, t->table, &k, &it, &m, c->err);
			c->req.eventual = 0;
			if (rc == -EAGAIN && c->req.throttled) {
				lay_err_clear(c->err);
				(*throttled)++;
			} else {
				t->read_any = 1;
				t->units += c->req.rcu; /* halved when eventually consistent */
			}
			if (rc == 0 && *bytes + m.size > BATCH_GET_MAX_BYTES) {
				/* this one and the rest: later */
				full = 1;
				*bytes = BATCH_GET_MAX_BYTES + 1;
			} else if (rc == 0 || rc == -ENOENT) {
				goto next;
			} else if (rc != -EAGAIN || !c->req.throttled) {
				goto out_free;
			}
		}
		/* unprocessed */
		if (!*any_unprocessed && lay_buf_addc(b, '{') < 0)
			goto out_nomem;
		if (!t->unprocessed &&
		    ((*any_unprocessed && lay_buf_addc(b, ',') < 0) ||
		     lay_json_quote(b, t->name, strlen(t->name)) < 0 ||
		     lay_buf_adds(b, ":{\"Keys\":[") < 0))
			goto out_nomem;
		*any_unprocessed = 1;
		if ((rc = add_unprocessed_key(c, b, t, i)) < 0)
			goto out_free;
		t->unprocessed = 1;
		lay_item_free(&it);
		continue;
next:
		if (rc == 0) {
			*bytes += m.size;
			if (t->found++ && lay_buf_addc(c->out, ',') < 0)
				goto out_nomem;
			if (t->proj && (rc = lay_expr_project(t->proj, &it, &shown, c->err)) < 0)
				goto out_free;
			if ((rc = api_add_item(c, t->proj ? &shown : &it)) < 0)
				goto out_free;
			lay_item_free(&shown);
		}
		lay_err_clear(c->err);
		lay_item_free(&it);
		rc = 0;
	}
	if (lay_buf_addc(c->out, ']') < 0)
		goto out_nomem;
	if (t->unprocessed && (rc = end_unprocessed(c, b, t)) < 0)
		goto out_free;
	rc = 0;
	goto out_free;
out_nomem:
	rc = api_nomem(c);
out_free:
	lay_item_free(&it);
	lay_item_free(&shown);
	return rc;
}

static int batch_get(struct call *c)
{
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(c->rq, "RequestItems"), *m;
	struct bget *ts = NULL;
	lay_buf unproc = LAY_BUF_INIT;
	uint64_t bytes = 0;
	size_t n = 0, i, total = 0, throttled = 0;
	const char *rcc;
	int rc = 0, any_unprocessed = 0, sum = 0;

	if (!ri)
		return validation(c, "%s", "1 validation error detected: Value null at "
				  "'requestItems' failed to satisfy constraint: Member must not be "
				  "null");
	if (!cJSON_IsObject(ri))
		return api_invalid(c, "SerializationException", "%s must be a map", "RequestItems");
	if (cJSON_GetArraySize(ri) == 0)
		return validation(c, "%s", "1 validation error detected: Value '{}' at "
				  "'requestItems' failed to satisfy constraint: Member must have "
				  "length greater than or equal to 1");
	if ((rc = check_consumed(c)) < 0)
		return rc;
	if (!(ts = calloc((size_t)cJSON_GetArraySize(ri), sizeof(*ts))))
		return api_nomem(c);
	cJSON_ArrayForEach(m, ri) {
		ts[n].rq = m;
		ts[n].name = m->string;
		ts[n].table = api_table_of(m->string);
		if ((rc = bget_read(c, &ts[n++], &total)) < 0)
			goto out_free;
	}
	for (i = 0; i < n; i++)
		if ((rc = api_schema(c, ts[i].name, &ts[i].s)) < 0)
			goto out_free;
	for (i = 0; i < n; i++) {
		lay_key k;
		size_t j;

		for (j = 0; j < ts[i].nkeys; j++)
			if ((rc = bget_key(c, &ts[i], j, &k)) < 0)
				goto out_free;
	}
	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if (lay_buf_adds(c->out, "{\"Responses\":{") < 0)
		goto out_nomem;
	for (i = 0; i < n; i++) {
		if (i && lay_buf_addc(c->out, ',') < 0)
			goto out_nomem;
		if ((rc = bget_table(c, &ts[i], &bytes, &throttled, &unproc, &any_unprocessed)) < 0)
			goto out_free;
	}
	if (throttled == total) {
		c->type = "ProvisionedThroughputExceededException";
		rc = lay_err_set(c->err, -EAGAIN, "%s", throughput_msg);
		goto out_free;
	}
	if (lay_buf_adds(c->out, "},\"UnprocessedKeys\":") < 0 ||
	    lay_buf_adds(c->out, any_unprocessed ? unproc.p : "{") < 0 ||
	    lay_buf_addc(c->out, '}') < 0)
		goto out_nomem;
	rcc = api_str(c->rq, "ReturnConsumedCapacity");
	if (rcc && strcmp(rcc, "NONE") != 0) {
		if (lay_buf_adds(c->out, ",\"ConsumedCapacity\":[") < 0)
			goto out_nomem;
		for (i = 0; i < n; i++) {
			if (!ts[i].read_any)
				continue;
			if ((sum++ && lay_buf_addc(c->out, ',') < 0))
				goto out_nomem;
			if ((rc = api_add_capacity(c, ts[i].table, ts[i].units, 0)) < 0)
				goto out_free;
		}
		if (lay_buf_addc(c->out, ']') < 0)
			goto out_nomem;
	}
	if (lay_buf_addc(c->out, '}') < 0)
		goto out_nomem;
	rc = 0;
	goto out_free;
out_nomem:
	rc = api_nomem(c);
out_free:
	for (i = 0; i < n; i++)
		bget_free(&ts[i]);
	free(ts);
	lay_buf_free(&unproc);
	return rc;
}

const struct api_action api_query_actions[] = {
	{ "Query", query },
	{ "Scan", scan },
	{ "BatchGetItem", batch_get },
	{ NULL, NULL },
};
