/* The actions on tables (SPEC §2, §7, §9, §10, §12, §14): create, delete,
 * describe, list and update tables, their TTL and point-in-time recovery,
 * backups and restores, in DynamoDB's request and response shapes. The
 * descriptions are the engine's (eng_table_describe, eng_backups_describe),
 * cut to DynamoDB's members; the settings are the table's, as the files
 * show them in user.ddb.* attributes. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/describe.h"
#include "../layout/json.h"
#include "../layout/settings.h"
#include "apicall.h"

#define INVALID "One or more parameter values were invalid: "

/* DescribeLimits' answer: DynamoDB's default quotas of an account. */
#define ACCOUNT_MAX_UNITS 80000
#define TABLE_MAX_UNITS 40000

/* ---- Reading requests ---- */

/* Fail c with error type and a formatted message. */
static int fail(struct call *c, const char *type, const char *fmt, ...)
{
	char msg[LAY_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->type = type;
	return lay_err_set(c->err, -EINVAL, "%s", msg);
}

/* The constraint failures of a request's members, told together as
 * DynamoDB does: "2 validation errors detected: Value ... ; Value ...". */
struct checks {
	struct call *c;
	lay_buf msg;
	int n;
};

/* value: the member's text as DynamoDB quotes it (NULL: null). */
static void check_fail(struct checks *k, const char *value, const char *path,
		       const char *constraint)
{
	if (k->n++)
		lay_buf_adds(&k->msg, "; ");
	if (value)
		lay_buf_addf(&k->msg, "Value '%s' at '%s' failed to satisfy constraint: %s", value,
			     path, constraint);
	else
		lay_buf_addf(&k->msg, "Value null at '%s' failed to satisfy constraint: %s", path,
			     constraint);
}

static int checks_done(struct checks *k)
{
	int rc = 0;

	if (k->n)
		rc = fail(k->c, "ValidationException", "%d validation error%s detected: %s", k->n,
			  k->n > 1 ? "s" : "", k->msg.p ? k->msg.p : "");
	lay_buf_free(&k->msg);
	return rc;
}

/* Member name of o as a string: *out (NULL when absent; a null when
 * required). A member of another type is a SerializationException. */
static int get_str(struct checks *k, const cJSON *o, const char *name, const char *path,
		   int required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			check_fail(k, NULL, path, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(k->c, "SerializationException", "%s must be a string", name);
	*out = v->valuestring;
	return 0;
}

/* A boolean member: *out 0 or 1, or -1 when absent. */
static int get_bool(struct checks *k, const cJSON *o, const char *name, const char *path,
		    int required, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = -1;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			check_fail(k, NULL, path, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsBool(v))
		return fail(k->c, "SerializationException", "%s must be a boolean", name);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A whole number member within [min, max]: *out, or -1 when absent. */
static int get_long(struct checks *k, const cJSON *o, const char *name, const char *path,
		    int required, double min, double max, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char text[64], rule[96];

	*out = -1;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			check_fail(k, NULL, path, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 9e18)
		return fail(k->c, "SerializationException", "%s must be a whole number", name);
	snprintf(text, sizeof(text), "%.0f", v->valuedouble);
	if (v->valuedouble < min) {
		snprintf(rule, sizeof(rule), "Member must have value greater than or equal to %.0f",
			 min);
		check_fail(k, text, path, rule);
	} else if (v->valuedouble > max) {
		snprintf(rule, sizeof(rule), "Member must have value less than or equal to %.0f", max);
		check_fail(k, text, path, rule);
	}
	*out = (int64_t)v->valuedouble;
	return 0;
}

/* s, when set, is one of the NULL-terminated values (their list in the
 * message as "[A, B]"). */
static void check_enum(struct checks *k, const char *s, const char *path,
		       const char *const *values)
{
	char rule[256] = "Member must satisfy enum value set: [";
	size_t i;

	if (!s)
		return;
	for (i = 0; values[i]; i++)
		if (strcmp(s, values[i]) == 0)
			return;
	for (i = 0; values[i]; i++)
		snprintf(rule + strlen(rule), sizeof(rule) - strlen(rule), "%s%s", i ? ", " : "",
			 values[i]);
	snprintf(rule + strlen(rule), sizeof(rule) - strlen(rule), "]");
	check_fail(k, s, path, rule);
}

/* A table's or a backup's name: 3 to 255 of [a-zA-Z0-9_.-]. */
static void check_name(struct checks *k, const char *s, const char *path)
{
	size_t n, i;

	if (!s)
		return;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("_.-", s[i]))
			break;
	if (i < n)
		check_fail(k, s, path,
			   "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
	if (n < 3)
		check_fail(k, s, path, "Member must have length greater than or equal to 3");
	else if (n > 255)
		check_fail(k, s, path, "Member must have length less than or equal to 255");
}

/* Member name of the request, a table's name or ARN (required): the name,
 * checked. path is the member as DynamoDB's messages name it. */
static int get_table(struct checks *k, const char *name, const char *path, const char **out)
{
	int rc;

	if ((rc = get_str(k, k->c->rq, name, path, 1, out)) < 0)
		return rc;
	if (*out) {
		*out = api_table_of(*out);
		check_name(k, *out, path);
	}
	return 0;
}

/* The request's context for a change (writes) or a read. */
static int start(struct call *c, const char *action, int writes)
{
	if (c->ctx) {
		c->req.uid = c->ctx->uid;
		c->req.gid = c->ctx->gid;
	}
	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	return writes ? api_writable(c, action) : 0;
}

static int not_found(struct call *c, const char *table)
{
	return fail(c, "ResourceNotFoundException", "Requested resource not found: Table: %s not found",
		    table);
}

/* An engine failure: -ENOENT as the action's not-found error (type NULL:
 * the table's ResourceNotFoundException), other errors as they are. */
static int engine_fail(struct call *c, int rc, const char *type, const char *table)
{
	if (rc != -ENOENT)
		return rc;
	if (!type)
		return not_found(c, table);
	if (strcmp(type, "TableNotFoundException") == 0)
		return fail(c, type, "Table not found: %s", table);
	return fail(c, type, "%s", c->err->msg);
}

/* ---- Descriptions ---- */

/* The members of eng_table_describe's Table object that are ddbfs' own,
 * or other actions' (DescribeTimeToLive, DescribeContinuousBackups). */
static const char *const extras[] = {
	"TimeToLiveDescription", "ContinuousBackupsDescription", "ConsumedCapacity", "Ddbfs", NULL,
};

/* The engine's description of table as req sees it (NULL: live), parsed
 * into *out (the caller frees it with cJSON_Delete). */
static int describe(struct call *c, eng_req *req, const char *table, cJSON **out)
{
	lay_buf b = LAY_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = eng_table_describe(c->db, req, table, &b, c->err)) == 0 &&
	    !(*out = cJSON_ParseWithLength(b.p, b.len)))
		rc = api_nomem(c);
	lay_buf_free(&b);
	return rc;
}

/* Append "member":json of o (not freed). */
static int add_json(struct call *c, const char *member, const cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	int rc = 0;

	if (!text || lay_buf_addf(c->out, "\"%s\":", member) < 0 || lay_buf_adds(c->out, text) < 0)
		rc = api_nomem(c);
	free(text);
	return rc;
}

/* Append "member":TableDescription of the description d (freed), with
 * status as its TableStatus. */
static int add_table(struct call *c, const char *member, cJSON *d, const char *status)
{
	size_t i;
	int rc;

	for (i = 0; extras[i]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(d, extras[i]);
	if (!cJSON_ReplaceItemInObjectCaseSensitive(d, "TableStatus", cJSON_CreateString(status))) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	rc = add_json(c, member, d);
	cJSON_Delete(d);
	return rc;
}

/* Answer {"member":TableDescription} of the live table. */
static int answer_table(struct call *c, const char *member, const char *table, const char *status)
{
	cJSON *d;
	int rc;

	if ((rc = describe(c, NULL, table, &d)) < 0)
		return engine_fail(c, rc, NULL, table);
	if (lay_buf_addc(c->out, '{') < 0) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if ((rc = add_table(c, member, d, status)) < 0)
		return rc;
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

/* ---- Key schemas and settings of requests ---- */

static const char *const key_types[] = { "HASH", "RANGE", NULL };
static const char *const attr_types[] = { "B", "N", "S", NULL };
static const char *const billing_modes[] = { "PROVISIONED", "PAY_PER_REQUEST", NULL };
static const char *const classes[] = { "STANDARD", "STANDARD_INFREQUENT_ACCESS", NULL };
static const char *const views[] = { "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY",
				     NULL };

/* A list member: *n its elements' count, or -1 when absent. */
static int get_list(struct checks *k, const cJSON *o, const char *name, const cJSON **out, int *n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	*n = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return fail(k->c, "SerializationException", "%s must be a list", name);
	*out = v;
	*n = cJSON_GetArraySize(v);
	return 0;
}

/* The requested capacity: ProvisionedThroughput's units, -1 when absent. */
struct throughput {
	int given;
	int64_t rcu, wcu;
};

static int get_throughput(struct checks *k, const cJSON *o, const char *name, const char *path,
			  struct throughput *out)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(o, name);
	char p1[96], p2[96];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!pt || cJSON_IsNull(pt))
		return 0;
	if (!cJSON_IsObject(pt))
		return fail(k->c, "SerializationException", "%s must be a structure", name);
	out->given = 1;
	snprintf(p1, sizeof(p1), "%s.readCapacityUnits", path);
	snprintf(p2, sizeof(p2), "%s.writeCapacityUnits", path);
	if ((rc = get_long(k, pt, "ReadCapacityUnits", p1, 1, 1, 9e18, &out->rcu)) < 0 ||
	    (rc = get_long(k, pt, "WriteCapacityUnits", p2, 1, 1, 9e18, &out->wcu)) < 0)
		return rc;
	return 0;
}

/* Units beyond a table's quota. */
static int check_units(struct call *c, const struct throughput *t)
{
	if (t->rcu > 1000000000000ll || t->wcu > 1000000000000ll)
		return fail(c, "ValidationException", "Given value %" PRId64 " for %s is out of bounds",
			    t->rcu > 1000000000000ll ? t->rcu : t->wcu,
			    t->rcu > 1000000000000ll ? "ReadCapacityUnits" : "WriteCapacityUnits");
	if (t->rcu > TABLE_MAX_UNITS || t->wcu > TABLE_MAX_UNITS)
		return fail(c, "LimitExceededException",
			    "Subscriber limit exceeded: Provisioned throughput for a table cannot "
			    "exceed %d read or write capacity units (DescribeLimits)",
			    TABLE_MAX_UNITS);
	return 0;
}

/* StreamSpecification: *view is the view to set (LAY_VIEW_OFF: disable),
 * or -1 when absent. */
static int get_stream(struct checks *k, const cJSON *o, int *view)
{
	const cJSON *ss = cJSON_GetObjectItemCaseSensitive(o, "StreamSpecification");
	const char *type;
	lay_settings s = { 0 };
	int on, rc;

	*view = -1;
	if (!ss || cJSON_IsNull(ss))
		return 0;
	if (!cJSON_IsObject(ss))
		return fail(k->c, "SerializationException", "%s must be a structure",
			    "StreamSpecification");
	if ((rc = get_bool(k, ss, "StreamEnabled", "streamSpecification.streamEnabled", 1, &on)) < 0 ||
	    (rc = get_str(k, ss, "StreamViewType", "streamSpecification.streamViewType", 0, &type)) < 0)
		return rc;
	check_enum(k, type, "streamSpecification.streamViewType", views);
	if (k->n || on < 0)
		return 0;
	if (on && !type)
		return fail(k->c, "ValidationException",
			    INVALID "You must specify a StreamViewType when enabling a stream");
	if (!on && type)
		return fail(k->c, "ValidationException",
			    INVALID "You cannot specify a StreamViewType when disabling a stream");
	*view = LAY_VIEW_OFF;
	if (on && lay_settings_set(&s, "stream", type, NULL) == 0)
		*view = (int)s.stream_view;
	return 0;
}

/* Requests for what ddbfs has not: secondary indexes, replicas,
 * deletion protection. */
static int unsupported(struct call *c, const char *const *members)
{
	size_t i;

	for (i = 0; members[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, members[i]);

		if (!v || cJSON_IsNull(v) || (cJSON_IsArray(v) && !cJSON_GetArraySize(v)) ||
		    cJSON_IsFalse(v))
			continue;
		return fail(c, "ValidationException",
			    INVALID "ddbfs does not support %s: tables have their primary key only, "
			    "one region and no deletion protection", members[i]);
	}
	return 0;
}

/* KeySchema and AttributeDefinitions of CreateTable into *out. */
static int key_schema(struct checks *k, lay_schema *out)
{
	struct call *c = k->c;
	const cJSON *ks, *defs, *e;
	const char *names[2] = { NULL, NULL }, *kinds[2] = { NULL, NULL };
	const char *dnames[64], *dtypes[64];
	char path[96], list[600] = "", dlist[600] = "";
	int nk, nd, i, j, rc;

	if ((rc = get_list(k, c->rq, "KeySchema", &ks, &nk)) < 0 ||
	    (rc = get_list(k, c->rq, "AttributeDefinitions", &defs, &nd)) < 0)
		return rc;
	if (nd < 0)
		check_fail(k, NULL, "attributeDefinitions", "Member must not be null");
	if (nk < 0)
		check_fail(k, NULL, "keySchema", "Member must not be null");
	else if (nk < 1 || nk > 2) {
		char *text = cJSON_PrintUnformatted(ks);

		check_fail(k, text ? text : "", "keySchema",
			   nk < 1 ? "Member must have length greater than or equal to 1"
				  : "Member must have length less than or equal to 2");
		free(text);
		nk = 0;
	}
	if (nk <= 0)
		ks = NULL;
	i = 0;
	cJSON_ArrayForEach(e, ks) {
		if (!cJSON_IsObject(e))
			return fail(c, "SerializationException", "%s must be a list of structures",
				    "KeySchema");
		snprintf(path, sizeof(path), "keySchema.%d.member.attributeName", i + 1);
		if ((rc = get_str(k, e, "AttributeName", path, 1, &names[i])) < 0)
			return rc;
		if (names[i] && (!names[i][0] || strlen(names[i]) > 255))
			check_fail(k, names[i], path, names[i][0]
				   ? "Member must have length less than or equal to 255"
				   : "Member must have length greater than or equal to 1");
		snprintf(path, sizeof(path), "keySchema.%d.member.keyType", i + 1);
		if ((rc = get_str(k, e, "KeyType", path, 1, &kinds[i])) < 0)
			return rc;
		check_enum(k, kinds[i], path, key_types);
		i++;
	}
	if (nd > 64)
		nd = 64;
	if (nd <= 0)
		defs = NULL;
	i = 0;
	cJSON_ArrayForEach(e, defs) {
		if (i == nd)
			break;
		if (!cJSON_IsObject(e))
			return fail(c, "SerializationException", "%s must be a list of structures",
				    "AttributeDefinitions");
		snprintf(path, sizeof(path), "attributeDefinitions.%d.member.attributeName", i + 1);
		if ((rc = get_str(k, e, "AttributeName", path, 1, &dnames[i])) < 0)
			return rc;
		snprintf(path, sizeof(path), "attributeDefinitions.%d.member.attributeType", i + 1);
		if ((rc = get_str(k, e, "AttributeType", path, 1, &dtypes[i])) < 0)
			return rc;
		check_enum(k, dtypes[i], path, attr_types);
		i++;
	}
	if (k->n || nk <= 0 || nd < 0)
		return 0;
	/* DynamoDB's checks of the schema as a whole, in its order */
	for (i = 0; i < nk; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	for (j = 0; j < nd; j++)
		snprintf(dlist + strlen(dlist), sizeof(dlist) - strlen(dlist), "%s%s", j ? ", " : "",
			 dnames[j]);
	for (i = 0; i < nk; i++) {
		for (j = 0; j < nd && strcmp(names[i], dnames[j]) != 0; j++)
			;
		if (j == nd)
			return fail(c, "ValidationException",
				    INVALID "Some index key attributes are not defined in "
				    "AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
				    list, dlist);
	}
	if (nk == 2 && strcmp(names[0], names[1]) == 0)
		return fail(c, "ValidationException", "%s", "Both the Hash Key and the Range Key "
			    "element in the KeySchema have the same name");
	if (strcmp(kinds[0], "HASH") != 0)
		return fail(c, "ValidationException", "%s",
			    "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	if (nk == 2 && strcmp(kinds[1], "RANGE") != 0)
		return fail(c, "ValidationException", "%s",
			    "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
	if ((rc = unsupported(c, (const char *const[]){ "GlobalSecondaryIndexes",
							  "LocalSecondaryIndexes", NULL })) < 0)
		return rc;
	if (nk != nd)
		return fail(c, "ValidationException",
			    INVALID "Number of attributes in KeySchema does not exactly match number "
			    "of attributes defined in AttributeDefinitions");
	memset(out, 0, sizeof(*out));
	for (i = 0; i < nk; i++) {
		lay_type t = 0;

		for (j = 0; j < nd; j++)
			if (strcmp(names[i], dnames[j]) == 0)
				t = dtypes[j][0] == 'S' ? LAY_S : dtypes[j][0] == 'N' ? LAY_N : LAY_B;
		snprintf(i ? out->sk : out->pk, sizeof(out->pk), "%s", names[i]);
		*(i ? &out->sk_type : &out->pk_type) = t;
	}
	return 0;
}

/* BillingMode and ProvisionedThroughput together, onto s: DynamoDB's
 * rules for a table with settings s, or one being created (its billing
 * mode PROVISIONED unless said). */
static int billing(struct call *c, const char *mode, const struct throughput *pt, int creating,
		   lay_settings *s)
{
	int prov = mode ? strcmp(mode, "PROVISIONED") == 0 : creating || s->billing == LAY_PROVISIONED;
	int rc;

	if (prov && !pt->given && (creating || s->billing != LAY_PROVISIONED))
		return fail(c, "ValidationException", creating
			    ? INVALID "ReadCapacityUnits and WriteCapacityUnits must both be "
			      "specified when BillingMode is PROVISIONED"
			    : INVALID "ProvisionedThroughput must be specified when BillingMode is "
			      "PROVISIONED");
	if (!prov && pt->given)
		return fail(c, "ValidationException",
			    INVALID "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
			    "specified when BillingMode is PAY_PER_REQUEST");
	if ((rc = check_units(c, pt)) < 0)
		return rc;
	s->billing = prov ? LAY_PROVISIONED : LAY_PAY_PER_REQUEST;
	if (pt->given) {
		s->rcu = (uint32_t)pt->rcu;
		s->wcu = (uint32_t)pt->wcu;
	}
	return 0;
}

/* ---- Tables ---- */

static int create_table(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name, *mode, *cls;
	struct throughput pt;
	lay_settings s = { 0 };
	lay_schema ks;
	eng_dirmeta dir = { 0 };
	lay_err e = { 0 };
	int view, protect, rc;

	if ((rc = start(c, "CreateTable", 1)) < 0)
		return rc;
	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0 ||
	    (rc = key_schema(&k, &ks)) < 0 ||
	    (rc = get_str(&k, c->rq, "BillingMode", "billingMode", 0, &mode)) < 0 ||
	    (rc = get_throughput(&k, c->rq, "ProvisionedThroughput", "provisionedThroughput", &pt)) < 0 ||
	    (rc = get_str(&k, c->rq, "TableClass", "tableClass", 0, &cls)) < 0 ||
	    (rc = get_stream(&k, c->rq, &view)) < 0 ||
	    (rc = get_bool(&k, c->rq, "DeletionProtectionEnabled", "deletionProtectionEnabled", 0,
			   &protect)) < 0)
		goto out;
	check_enum(&k, mode, "billingMode", billing_modes);
	check_enum(&k, cls, "tableClass", classes);
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if ((rc = billing(c, mode, &pt, 1, &s)) < 0 ||
	    (rc = unsupported(c, (const char *const[]){ "DeletionProtectionEnabled", NULL })) < 0)
		return rc;
	if (cls)
		lay_settings_set(&s, "table_class", cls, NULL);
	if (view > 0)
		s.stream_view = (lay_view)view;
	if ((rc = lay_table_name_check(name, strlen(name), c->err)) < 0 ||
	    (rc = lay_settings_check(&s, c->err)) < 0) {
		c->type = "ValidationException";
		return rc;
	}
	dir.mode = 0755;
	dir.uid = c->req.uid;
	dir.gid = c->req.gid;
	if ((rc = eng_table_create(c->db, &c->req, name, &ks, &dir, c->err)) < 0) {
		if (rc == -EEXIST)
			return fail(c, "ResourceInUseException", "Table already exists: %s", name);
		return rc;
	}
	if ((rc = eng_table_set_settings(c->db, &c->req, name, &s, c->err)) < 0) {
		eng_table_drop(c->db, &c->req, name, &e); /* made for nothing */
		return rc;
	}
	return answer_table(c, "TableDescription", name, "ACTIVE");
out:
	lay_buf_free(&k.msg);
	return rc;
}

static int delete_table(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name;
	cJSON *d;
	int rc;

	if ((rc = start(c, "DeleteTable", 1)) < 0 ||
	    (rc = get_table(&k, "TableName", "tableName", &name)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0)
		return rc;
	/* the table as it is deleted: DELETING, as DynamoDB answers */
	if ((rc = describe(c, NULL, name, &d)) < 0)
		return engine_fail(c, rc, NULL, name);
	if ((rc = eng_table_drop(c->db, &c->req, name, c->err)) < 0) {
		cJSON_Delete(d);
		return engine_fail(c, rc, NULL, name);
	}
	if (lay_buf_addc(c->out, '{') < 0) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if ((rc = add_table(c, "TableDescription", d, "DELETING")) < 0)
		return rc;
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

static int describe_table(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name;
	int rc;

	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0)
		return rc;
	return answer_table(c, "Table", name, "ACTIVE");
}

static int list_tables(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *after;
	char **names = NULL;
	int64_t limit;
	int n, i, shown = 0, rc;

	if ((rc = get_str(&k, c->rq, "ExclusiveStartTableName", "exclusiveStartTableName", 0,
			  &after)) < 0 ||
	    (rc = get_long(&k, c->rq, "Limit", "limit", 0, 1, 100, &limit)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if (after)
		check_name(&k, after = api_table_of(after), "exclusiveStartTableName");
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if (limit < 0)
		limit = 100;
	if ((n = eng_table_list(c->db, &names)) < 0)
		return lay_err_set(c->err, n, "listing tables failed");
	rc = lay_buf_adds(c->out, "{\"TableNames\":[");
	for (i = 0; i < n && !rc; i++) {
		if (after && strcmp(names[i], after) <= 0)
			continue;
		if (shown == limit) {
			/* more follow: where the next page starts */
			rc = lay_buf_adds(c->out, "],\"LastEvaluatedTableName\":") ||
			     lay_json_quote(c->out, names[i - 1], strlen(names[i - 1])) ||
			     lay_buf_addc(c->out, '}');
			break;
		}
		rc = (shown++ && lay_buf_addc(c->out, ',')) ||
		     lay_json_quote(c->out, names[i], strlen(names[i]));
	}
	if (!rc && i >= n)
		rc = lay_buf_adds(c->out, "]}");
	eng_names_free(names);
	return rc ? api_nomem(c) : 0;
}

static int update_table(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name, *mode, *cls;
	struct throughput pt;
	eng_table_info ti;
	lay_settings s;
	int view, protect, rc;

	if ((rc = start(c, "UpdateTable", 1)) < 0)
		return rc;
	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0 ||
	    (rc = get_str(&k, c->rq, "BillingMode", "billingMode", 0, &mode)) < 0 ||
	    (rc = get_throughput(&k, c->rq, "ProvisionedThroughput", "provisionedThroughput", &pt)) < 0 ||
	    (rc = get_str(&k, c->rq, "TableClass", "tableClass", 0, &cls)) < 0 ||
	    (rc = get_stream(&k, c->rq, &view)) < 0 ||
	    (rc = get_bool(&k, c->rq, "DeletionProtectionEnabled", "deletionProtectionEnabled", 0,
			   &protect)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	check_enum(&k, mode, "billingMode", billing_modes);
	check_enum(&k, cls, "tableClass", classes);
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if ((rc = unsupported(c, (const char *const[]){ "GlobalSecondaryIndexUpdates",
							  "ReplicaUpdates",
							  "DeletionProtectionEnabled", NULL })) < 0)
		return rc;
	if (!mode && !pt.given && !cls && view < 0 && protect < 0)
		return fail(c, "ValidationException", "%s",
			    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
			    "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is "
			    "required");
	if ((rc = eng_table_get(c->db, NULL, name, &ti, c->err)) < 0)
		return engine_fail(c, rc, NULL, name);
	s = ti.settings;
	if (!mode && pt.given && s.billing == LAY_PROVISIONED && pt.rcu == s.rcu && pt.wcu == s.wcu &&
	    !cls && view < 0)
		return fail(c, "ValidationException",
			    "The provisioned throughput for the table will not change. The requested "
			    "value equals the current value. Current ReadCapacityUnits provisioned for "
			    "the table: %u. Requested ReadCapacityUnits: %" PRId64 ". Current "
			    "WriteCapacityUnits provisioned for the table: %u. Requested "
			    "WriteCapacityUnits: %" PRId64 ". Refer to the Amazon DynamoDB Developer "
			    "Guide for current limits and how to request higher limits.",
			    s.rcu, pt.rcu, s.wcu, pt.wcu);
	if ((mode || pt.given) && (rc = billing(c, mode, &pt, 0, &s)) < 0)
		return rc;
	if (view > 0 && s.stream_view != LAY_VIEW_OFF)
		return fail(c, "ValidationException", "Table already has an enabled stream: "
			    "TableName: %s", name);
	if (view == LAY_VIEW_OFF && s.stream_view == LAY_VIEW_OFF)
		return fail(c, "ValidationException", "Table has no enabled stream to disable: "
			    "TableName: %s", name);
	if (view >= 0)
		s.stream_view = (lay_view)view;
	if (cls)
		lay_settings_set(&s, "table_class", cls, NULL);
	if ((rc = eng_table_set_settings(c->db, &c->req, name, &s, c->err)) < 0) {
		if (rc == -EINVAL && ti.settings.table_class != s.table_class)
			c->type = "LimitExceededException"; /* a third class change in 30 days */
		return engine_fail(c, rc, NULL, name);
	}
	return answer_table(c, "TableDescription", name, "ACTIVE");
}

/* ---- TTL ---- */

static int describe_ttl(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name;
	cJSON *d;
	int rc;

	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if ((rc = describe(c, NULL, name, &d)) < 0)
		return engine_fail(c, rc, NULL, name);
	rc = lay_buf_addc(c->out, '{') < 0 ? api_nomem(c) : 0;
	if (!rc && (rc = add_json(c, "TimeToLiveDescription",
				  cJSON_GetObjectItemCaseSensitive(d, "TimeToLiveDescription"))) == 0 &&
	    lay_buf_addc(c->out, '}') < 0)
		rc = api_nomem(c);
	cJSON_Delete(d);
	return rc;
}

static int update_ttl(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(c->rq, "TimeToLiveSpecification");
	const char *name, *attr = NULL, *cur;
	eng_table_info ti;
	int on = -1, rc;

	if ((rc = start(c, "UpdateTimeToLive", 1)) < 0)
		return rc;
	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0)
		goto out;
	if (!spec || cJSON_IsNull(spec)) {
		check_fail(&k, NULL, "timeToLiveSpecification", "Member must not be null");
	} else if (!cJSON_IsObject(spec)) {
		rc = fail(c, "SerializationException", "%s must be a structure",
			  "TimeToLiveSpecification");
		goto out;
	} else if ((rc = get_str(&k, spec, "AttributeName", "timeToLiveSpecification.attributeName",
				 1, &attr)) < 0 ||
		   (rc = get_bool(&k, spec, "Enabled", "timeToLiveSpecification.enabled", 1, &on)) < 0) {
		goto out;
	}
	if (attr && (!attr[0] || strlen(attr) > 255))
		check_fail(&k, attr, "timeToLiveSpecification.attributeName",
			   attr[0] ? "Member must have length less than or equal to 255"
				   : "Member must have length greater than or equal to 1");
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if ((rc = eng_table_get(c->db, NULL, name, &ti, c->err)) < 0)
		return engine_fail(c, rc, NULL, name);
	cur = ti.settings.ttl_attr;
	if (on && cur[0])
		return fail(c, "ValidationException", "%s", "TimeToLive is already enabled");
	if (!on && !cur[0])
		return fail(c, "ValidationException", "%s", "TimeToLive is already disabled");
	if (!on && strcmp(cur, attr) != 0)
		return fail(c, "ValidationException", "TimeToLive is active on a different "
			    "AttributeName: current AttributeName is %s", cur);
	if ((rc = eng_table_option_set(c->db, &c->req, name, "ttl_attribute", on ? attr : "",
				       on ? strlen(attr) : 0, c->err)) < 0) {
		if (rc == -EINVAL)
			c->type = "ValidationException";
		return engine_fail(c, rc, NULL, name);
	}
	if (lay_buf_adds(c->out, "{\"TimeToLiveSpecification\":{\"AttributeName\":") < 0 ||
	    lay_json_quote(c->out, attr, strlen(attr)) < 0 ||
	    lay_buf_addf(c->out, ",\"Enabled\":%s}}", on ? "true" : "false") < 0)
		return api_nomem(c);
	return 0;
out:
	lay_buf_free(&k.msg);
	return rc;
}

/* ---- Point-in-time recovery ---- */

/* Answer {"ContinuousBackupsDescription":...} of table. */
static int answer_pitr(struct call *c, const char *name)
{
	cJSON *d;
	int rc;

	if ((rc = describe(c, NULL, name, &d)) < 0)
		return engine_fail(c, rc, "TableNotFoundException", name);
	rc = lay_buf_addc(c->out, '{') < 0 ? api_nomem(c) : 0;
	if (!rc && (rc = add_json(c, "ContinuousBackupsDescription",
				  cJSON_GetObjectItemCaseSensitive(d, "ContinuousBackupsDescription"))) ==
		   0 &&
	    lay_buf_addc(c->out, '}') < 0)
		rc = api_nomem(c);
	cJSON_Delete(d);
	return rc;
}

static int describe_pitr(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name;
	int rc;

	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0)
		return rc;
	return answer_pitr(c, name);
}

static int update_pitr(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(c->rq,
							     "PointInTimeRecoverySpecification");
	const char *name;
	int64_t days = -1;
	int on = -1, rc;

	if ((rc = start(c, "UpdateContinuousBackups", 1)) < 0)
		return rc;
	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0)
		goto out;
	if (!spec || cJSON_IsNull(spec)) {
		check_fail(&k, NULL, "pointInTimeRecoverySpecification", "Member must not be null");
	} else if (!cJSON_IsObject(spec)) {
		rc = fail(c, "SerializationException", "%s must be a structure",
			  "PointInTimeRecoverySpecification");
		goto out;
	} else if ((rc = get_bool(&k, spec, "PointInTimeRecoveryEnabled",
				  "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled", 1,
				  &on)) < 0 ||
		   (rc = get_long(&k, spec, "RecoveryPeriodInDays",
				  "pointInTimeRecoverySpecification.recoveryPeriodInDays", 0, 1, 35,
				  &days)) < 0) {
		goto out;
	}
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if (days > 0 && days != 35)
		return fail(c, "ValidationException",
			    INVALID "ddbfs keeps 35 days of point-in-time recovery: "
			    "RecoveryPeriodInDays %" PRId64 " is not supported", days);
	if ((rc = eng_table_option_set(c->db, &c->req, name, "pitr", on ? "on" : "off",
				       on ? 2 : 3, c->err)) < 0)
		return engine_fail(c, rc, "TableNotFoundException", name);
	return answer_pitr(c, name);
out:
	lay_buf_free(&k.msg);
	return rc;
}

/* ---- Backups ---- */

/* Every backup of table (NULL: of all tables) as ListBackups' summaries
 * render them: *out, the BackupSummaries array (cJSON_Delete it). */
static int summaries(struct call *c, const char *table, cJSON **out)
{
	lay_buf b = LAY_BUF_INIT;
	cJSON *all = NULL;
	int rc;

	*out = NULL;
	if ((rc = eng_backups_describe(c->db, table, &b, c->err)) == 0 &&
	    (!(all = cJSON_ParseWithLength(b.p, b.len)) ||
	     !(*out = cJSON_DetachItemFromObjectCaseSensitive(all, "BackupSummaries"))))
		rc = api_nomem(c);
	cJSON_Delete(all);
	lay_buf_free(&b);
	return rc;
}

/* The backup arn names (arn:...:table/T/backup/ID, or its last part the
 * backup's name): its summary, detached from *list (both to cJSON_Delete),
 * and its engine description. BackupNotFoundException if none. */
static int find_backup(struct call *c, const char *arn, cJSON **list, cJSON **out,
		       eng_backup_info *info)
{
	const char *path = api_table_of(arn), *id = strstr(path, "/backup/");
	char table[256];
	cJSON *s;
	int rc;

	*list = *out = NULL;
	if (!id || (size_t)(id - path) >= sizeof(table))
		return fail(c, "BackupNotFoundException", "Backup not found: %s", arn);
	snprintf(table, sizeof(table), "%.*s", (int)(id - path), path);
	id += strlen("/backup/");
	if ((rc = summaries(c, table, list)) < 0)
		return rc;
	cJSON_ArrayForEach(s, *list) {
		const char *a = api_str(s, "BackupArn"), *n = api_str(s, "BackupName");

		if ((a && strcmp(api_table_of(a), path) == 0) || (n && strcmp(n, id) == 0))
			break;
	}
	if (!s || eng_backup_get(c->db, table, api_str(s, "BackupName"), info, c->err) < 0)
		return fail(c, "BackupNotFoundException", "Backup not found: %s", arn);
	*out = cJSON_DetachItemViaPointer(*list, s);
	return 0;
}

/* BackupDetails of a summary s, its status status (NULL: as it is). */
static cJSON *backup_details(const cJSON *s, const char *status)
{
	static const char *const members[] = {
		"BackupArn", "BackupName", "BackupSizeBytes", "BackupStatus", "BackupType",
		"BackupCreationDateTime", "BackupExpiryDateTime", NULL,
	};
	cJSON *d = cJSON_CreateObject();
	size_t i;

	for (i = 0; d && members[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, members[i]);

		if (status && strcmp(members[i], "BackupStatus") == 0)
			cJSON_AddStringToObject(d, members[i], status);
		else if (v)
			cJSON_AddItemToObject(d, members[i], cJSON_Duplicate(v, 1));
	}
	return d;
}

/* Move member from of src to dst as to. */
static void take(cJSON *dst, const char *to, cJSON *src, const char *from)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(src, from);

	if (v)
		cJSON_AddItemToObject(dst, to, v);
}

/* Append {"BackupDescription":{BackupDetails, SourceTableDetails,
 * SourceTableFeatureDetails}} of the backup summary s (info: the engine's). */
static int add_backup_description(struct call *c, const cJSON *s, const eng_backup_info *info,
				  const char *status)
{
	eng_req rq = { .view = ENG_VIEW_BACKUP, .backup = info->id };
	cJSON *d = NULL, *all = cJSON_CreateObject(), *src = cJSON_CreateObject(), *pt, *b;
	int rc;

	if (!all || !src) {
		cJSON_Delete(all);
		cJSON_Delete(src);
		return api_nomem(c);
	}
	cJSON_AddItemToObject(all, "BackupDetails", backup_details(s, status));
	cJSON_AddItemToObject(all, "SourceTableDetails", src);
	cJSON_AddItemToObject(all, "SourceTableFeatureDetails", cJSON_CreateObject());
	/* the table as the backup holds it */
	if ((rc = describe(c, &rq, info->table, &d)) == 0) {
		/* (its TableId is the backup's own copy's: left out) */
		take(src, "TableName", d, "TableName");
		take(src, "TableArn", d, "TableArn");
		take(src, "TableSizeBytes", d, "TableSizeBytes");
		take(src, "KeySchema", d, "KeySchema");
		take(src, "TableCreationDateTime", d, "CreationDateTime");
		pt = cJSON_GetObjectItemCaseSensitive(d, "ProvisionedThroughput");
		cJSON_AddItemToObject(src, "ProvisionedThroughput", cJSON_CreateObject());
		take(cJSON_GetObjectItemCaseSensitive(src, "ProvisionedThroughput"),
		     "ReadCapacityUnits", pt, "ReadCapacityUnits");
		take(cJSON_GetObjectItemCaseSensitive(src, "ProvisionedThroughput"),
		     "WriteCapacityUnits", pt, "WriteCapacityUnits");
		take(src, "ItemCount", d, "ItemCount");
		b = cJSON_GetObjectItemCaseSensitive(d, "BillingModeSummary");
		take(src, "BillingMode", b, "BillingMode");
		cJSON_Delete(d);
	}
	rc = rc < 0 ? rc
		    : lay_buf_addc(c->out, '{') < 0 ? api_nomem(c)
		    : add_json(c, "BackupDescription", all);
	cJSON_Delete(all);
	return rc == 0 && lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : rc;
}

static int create_backup(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *name, *bname;
	eng_backup_info info;
	cJSON *list, *s;
	int rc;

	if ((rc = start(c, "CreateBackup", 1)) < 0)
		return rc;
	if ((rc = get_table(&k, "TableName", "tableName", &name)) < 0 ||
	    (rc = get_str(&k, c->rq, "BackupName", "backupName", 1, &bname)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	check_name(&k, bname, "backupName");
	if ((rc = checks_done(&k)) < 0)
		return rc;
	if ((rc = eng_backup_create(c->db, &c->req, name, bname, &info, c->err)) < 0) {
		if (rc == -EEXIST || rc == -EINVAL)
			c->type = "ValidationException";
		return engine_fail(c, rc, "TableNotFoundException", name);
	}
	if ((rc = summaries(c, name, &list)) < 0)
		return rc;
	cJSON_ArrayForEach(s, list) {
		const char *n = api_str(s, "BackupName");

		if (n && strcmp(n, info.name) == 0)
			break;
	}
	rc = !s ? lay_err_set(c->err, -EIO, "backup %s of %s is not listed", bname, name)
	     : lay_buf_addc(c->out, '{') < 0 ? api_nomem(c)
	     : 0;
	if (rc == 0) {
		cJSON *d = backup_details(s, NULL);

		rc = d ? add_json(c, "BackupDetails", d) : api_nomem(c);
		cJSON_Delete(d);
		if (rc == 0 && lay_buf_addc(c->out, '}') < 0)
			rc = api_nomem(c);
	}
	cJSON_Delete(list);
	return rc;
}

static int describe_backup(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *arn;
	eng_backup_info info;
	cJSON *list, *s;
	int rc;

	if ((rc = get_str(&k, c->rq, "BackupArn", "backupArn", 1, &arn)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0 || (rc = find_backup(c, arn, &list, &s, &info)) < 0)
		return rc;
	rc = add_backup_description(c, s, &info, NULL);
	cJSON_Delete(s);
	cJSON_Delete(list);
	return rc;
}

static int delete_backup(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *arn;
	eng_backup_info info;
	cJSON *list, *s;
	lay_buf saved = LAY_BUF_INIT;
	int rc;

	if ((rc = start(c, "DeleteBackup", 1)) < 0)
		return rc;
	if ((rc = get_str(&k, c->rq, "BackupArn", "backupArn", 1, &arn)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0 || (rc = find_backup(c, arn, &list, &s, &info)) < 0)
		return rc;
	/* described before it goes, answered after */
	{
		lay_buf *out = c->out;

		c->out = &saved;
		rc = add_backup_description(c, s, &info, "DELETED");
		c->out = out;
	}
	if (rc == 0 && (rc = eng_backup_delete(c->db, &c->req, info.table, info.name, c->err)) < 0)
		rc = rc == -ENOENT ? fail(c, "BackupNotFoundException", "Backup not found: %s", arn)
				   : rc;
	if (rc == 0 && lay_buf_add(c->out, saved.p, saved.len) < 0)
		rc = api_nomem(c);
	lay_buf_free(&saved);
	cJSON_Delete(s);
	cJSON_Delete(list);
	return rc;
}

static int list_backups(struct call *c)
{
	static const char *const types[] = { "USER", "SYSTEM", "AWS_BACKUP", "ALL", NULL };
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *table, *type, *after;
	int64_t limit, lower = -1, upper = -1;
	cJSON *list, *page = NULL, *s, *next;
	char *text;
	int shown = 0, skipping, rc;

	if ((rc = get_str(&k, c->rq, "TableName", "tableName", 0, &table)) < 0 ||
	    (rc = get_long(&k, c->rq, "Limit", "limit", 0, 1, 100, &limit)) < 0 ||
	    (rc = get_str(&k, c->rq, "BackupType", "backupType", 0, &type)) < 0 ||
	    (rc = get_str(&k, c->rq, "ExclusiveStartBackupArn", "exclusiveStartBackupArn", 0,
			  &after)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if (table)
		check_name(&k, table = api_table_of(table), "tableName");
	check_enum(&k, type, "backupType", types);
	if ((rc = checks_done(&k)) < 0 ||
	    (rc = api_get_time(c, c->rq, "TimeRangeLowerBound", &lower)) < 0 ||
	    (rc = api_get_time(c, c->rq, "TimeRangeUpperBound", &upper)) < 0)
		return rc;
	if (limit < 0)
		limit = 100;
	if (!type)
		type = "USER";
	if ((rc = summaries(c, table, &list)) < 0)
		return rc;
	if (!(page = cJSON_CreateArray()))
		goto out_nomem;
	skipping = after != NULL;
	for (s = list->child; s; s = next) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "BackupCreationDateTime");
		const char *arn = api_str(s, "BackupArn");
		int64_t at = cJSON_IsNumber(t) ? (int64_t)llround(t->valuedouble * 1e3) * 1000000 : 0;

		next = s->next;
		if (skipping) {
			skipping = !arn || strcmp(api_table_of(arn), api_table_of(after)) != 0;
			continue;
		}
		/* the bounds: from lower (inclusive) to upper (exclusive) */
		if ((strcmp(type, "ALL") != 0 && strcmp(type, api_str(s, "BackupType")) != 0) ||
		    (lower >= 0 && at < lower) || (upper >= 0 && at >= upper))
			continue;
		if (shown == limit) {
			shown = -1; /* more follow */
			break;
		}
		cJSON_AddItemToArray(page, cJSON_DetachItemViaPointer(list, s));
		shown++;
	}
	if (!(text = cJSON_PrintUnformatted(page)))
		goto out_nomem;
	rc = lay_buf_adds(c->out, "{\"BackupSummaries\":") || lay_buf_adds(c->out, text);
	free(text);
	if (!rc && shown < 0) {
		const char *last = api_str(cJSON_GetArrayItem(page, cJSON_GetArraySize(page) - 1),
					   "BackupArn");

		rc = lay_buf_adds(c->out, ",\"LastEvaluatedBackupArn\":") ||
		     lay_json_quote(c->out, last ? last : "", last ? strlen(last) : 0);
	}
	if (rc || lay_buf_addc(c->out, '}') < 0)
		goto out_nomem;
	cJSON_Delete(page);
	cJSON_Delete(list);
	return 0;
out_nomem:
	cJSON_Delete(page);
	cJSON_Delete(list);
	return api_nomem(c);
}

/* ---- Restores ---- */

/* The restored table's overrides of billing (the settings of a restored
 * table are new, as in DynamoDB), then its description with a
 * RestoreSummary: {"TableDescription":...}. */
static int answer_restore(struct call *c, const char *target, const char *mode,
			  const struct throughput *pt, const char *backup_arn,
			  const char *source)
{
	eng_table_info ti;
	lay_settings s;
	cJSON *d, *sum;
	const char *tarn;
	char arn[400];
	int rc;

	if (mode || pt->given) {
		if ((rc = eng_table_get(c->db, NULL, target, &ti, c->err)) < 0)
			return rc;
		s = ti.settings;
		if (!mode && pt->given)
			mode = "PROVISIONED";
		if ((rc = billing(c, mode, pt, 0, &s)) < 0 ||
		    (rc = eng_table_set_settings(c->db, &c->req, target, &s, c->err)) < 0)
			return rc;
	}
	if ((rc = describe(c, NULL, target, &d)) < 0)
		return rc;
	if (!(sum = cJSON_AddObjectToObject(d, "RestoreSummary"))) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if (backup_arn)
		cJSON_AddStringToObject(sum, "SourceBackupArn", backup_arn);
	/* the source table's ARN, written as the target's is */
	tarn = api_str(d, "TableArn") ? api_str(d, "TableArn") : "";
	snprintf(arn, sizeof(arn), "%.*s%s", (int)(api_table_of(tarn) - tarn), tarn, source);
	cJSON_AddStringToObject(sum, "SourceTableArn", arn);
	cJSON_AddNumberToObject(sum, "RestoreDateTime",
				(double)(eng_clock_now_ns(eng_db_clock(c->db)) / 1000000) / 1e3);
	cJSON_AddBoolToObject(sum, "RestoreInProgress", 0);
	if (lay_buf_addc(c->out, '{') < 0) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if ((rc = add_table(c, "TableDescription", d, "ACTIVE")) < 0)
		return rc;
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

/* What restores share: TargetTableName, the overrides, and no indexes. */
static int restore_args(struct checks *k, const char **target, const char **mode,
			struct throughput *pt)
{
	int rc;

	if ((rc = get_table(k, "TargetTableName", "targetTableName", target)) < 0 ||
	    (rc = get_str(k, k->c->rq, "BillingModeOverride", "billingModeOverride", 0, mode)) < 0 ||
	    (rc = get_throughput(k, k->c->rq, "ProvisionedThroughputOverride",
				 "provisionedThroughputOverride", pt)) < 0)
		return rc;
	check_enum(k, *mode, "billingModeOverride", billing_modes);
	return 0;
}

/* The overrides, checked before anything is restored. */
static int check_overrides(struct call *c, const char *mode, const struct throughput *pt)
{
	lay_settings s = { 0 };

	if (!mode && pt->given)
		mode = "PROVISIONED";
	return billing(c, mode, pt, 0, &s);
}

static int restored(struct call *c, int rc, const char *target)
{
	if (rc == -EEXIST)
		return fail(c, "TableAlreadyExistsException", "Table already exists: %s", target);
	if (rc == -EINVAL)
		c->type = "ValidationException";
	return rc;
}

static int restore_backup(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *target, *mode, *arn;
	struct throughput pt;
	eng_backup_info info;
	eng_req rq;
	cJSON *list, *s;
	int rc;

	if ((rc = start(c, "RestoreTableFromBackup", 1)) < 0)
		return rc;
	if ((rc = restore_args(&k, &target, &mode, &pt)) < 0 ||
	    (rc = get_str(&k, c->rq, "BackupArn", "backupArn", 1, &arn)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = checks_done(&k)) < 0 || (rc = check_overrides(c, mode, &pt)) < 0 ||
	    (rc = unsupported(c, (const char *const[]){ "GlobalSecondaryIndexOverride",
							  "LocalSecondaryIndexOverride", NULL })) < 0 ||
	    (rc = find_backup(c, arn, &list, &s, &info)) < 0)
		return rc;
	cJSON_Delete(s);
	cJSON_Delete(list);
	if (eng_table_get(c->db, NULL, target, &(eng_table_info){ 0 }, c->err) == 0)
		return restored(c, -EEXIST, target);
	rq = c->req;
	rq.view = ENG_VIEW_BACKUP;
	rq.backup = info.id;
	if ((rc = eng_table_restore(c->db, &rq, info.table, target, c->err)) < 0)
		return restored(c, rc, target);
	return answer_restore(c, target, mode, &pt, arn, info.table);
}

static int restore_point(struct call *c)
{
	struct checks k = { c, LAY_BUF_INIT, 0 };
	const char *target, *mode, *source, *source_arn;
	struct throughput pt;
	int64_t at = -1, earliest, latest;
	eng_table_info ti;
	eng_req rq;
	int latest_time, rc;

	if ((rc = start(c, "RestoreTableToPointInTime", 1)) < 0)
		return rc;
	if ((rc = restore_args(&k, &target, &mode, &pt)) < 0 ||
	    (rc = get_str(&k, c->rq, "SourceTableName", "sourceTableName", 0, &source)) < 0 ||
	    (rc = get_str(&k, c->rq, "SourceTableArn", "sourceTableArn", 0, &source_arn)) < 0 ||
	    (rc = get_bool(&k, c->rq, "UseLatestRestorableTime", "useLatestRestorableTime", 0,
			   &latest_time)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if (source)
		check_name(&k, source, "sourceTableName");
	if ((rc = checks_done(&k)) < 0 ||
	    (rc = api_get_time(c, c->rq, "RestoreDateTime", &at)) < 0 ||
	    (rc = check_overrides(c, mode, &pt)) < 0)
		return rc;
	if (!source == !source_arn)
		return fail(c, "ValidationException", "%s", "One and only one of SourceTableArn or "
			    "SourceTableName must be specified");
	if (!source)
		source = api_table_of(source_arn);
	if (latest_time > 0 && at >= 0)
		return fail(c, "ValidationException", "%s", "Only one of RestoreDateTime or "
			    "UseLatestRestorableTime can be specified");
	if (latest_time <= 0 && at < 0)
		return fail(c, "ValidationException", "%s", "RestoreDateTime must be specified "
			    "when UseLatestRestorableTime is not true");
	if ((rc = unsupported(c, (const char *const[]){ "GlobalSecondaryIndexOverride",
							  "LocalSecondaryIndexOverride", NULL })) < 0)
		return rc;
	if ((rc = eng_table_get(c->db, NULL, source, &ti, c->err)) < 0) {
		if (rc == -ENOENT)
			return fail(c, "SourceTableNotFoundException", "Source table not found: %s",
				    source);
		return rc;
	}
	if (!ti.settings.pitr)
		return fail(c, "PointInTimeRecoveryUnavailableException",
			    "Point in time recovery is not enabled for table '%s'", source);
	if ((rc = eng_table_pitr_window(c->db, source, &earliest, &latest, c->err)) < 0)
		return rc;
	if (at < 0)
		at = latest;
	if (at < earliest || at > latest) {
		char t[40], e[40], l[40];

		lay_time_iso(t, sizeof(t), at);
		lay_time_iso(e, sizeof(e), earliest);
		lay_time_iso(l, sizeof(l), latest);
		return fail(c, "InvalidRestoreTimeException",
			    "Invalid RestoreDateTime: %s is not between the earliest restorable "
			    "time %s and the latest %s", t, e, l);
	}
	if (eng_table_get(c->db, NULL, target, &ti, c->err) == 0)
		return restored(c, -EEXIST, target);
	rq = c->req;
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = at;
	if ((rc = eng_table_restore(c->db, &rq, source, target, c->err)) < 0)
		return restored(c, rc, target);
	return answer_restore(c, target, mode, &pt, NULL, source);
}

/* ---- Limits ---- */

static int describe_limits(struct call *c)
{
	if (lay_buf_addf(c->out,
			 "{\"AccountMaxReadCapacityUnits\":%d,\"AccountMaxWriteCapacityUnits\":%d,"
			 "\"TableMaxReadCapacityUnits\":%d,\"TableMaxWriteCapacityUnits\":%d}",
			 ACCOUNT_MAX_UNITS, ACCOUNT_MAX_UNITS, TABLE_MAX_UNITS,
			 TABLE_MAX_UNITS) < 0)
		return api_nomem(c);
	return 0;
}

const struct api_action api_table_actions[] = {
	{ "CreateTable", create_table },
	{ "DeleteTable", delete_table },
	{ "DescribeTable", describe_table },
	{ "ListTables", list_tables },
	{ "UpdateTable", update_table },
	{ "DescribeTimeToLive", describe_ttl },
	{ "UpdateTimeToLive", update_ttl },
	{ "DescribeContinuousBackups", describe_pitr },
	{ "UpdateContinuousBackups", update_pitr },
	{ "CreateBackup", create_backup },
	{ "DescribeBackup", describe_backup },
	{ "ListBackups", list_backups },
	{ "DeleteBackup", delete_backup },
	{ "RestoreTableFromBackup", restore_backup },
	{ "RestoreTableToPointInTime", restore_point },
	{ "DescribeLimits", describe_limits },
	{ NULL, NULL },
};
