/* The actions on tables (SPEC §2, §7, §9, §10, §12, §14): create, delete,
 * describe, list and update tables, their TTL and point-in-time recovery,
 * and DescribeLimits, in DynamoDB's request and response shapes. The
 * descriptions are the engine's (eng_table_describe) cut to DynamoDB's
 * members; the settings are the table's, as the files show them in
 * user.ddb.* attributes. */
#include "api_table.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/json.h"
#include "../layout/settings.h"
#include "api_check.h"

/* DescribeLimits' answer: DynamoDB's default quotas of an account. */
#define ACCOUNT_MAX_UNITS 80000
#define TABLE_MAX_UNITS 40000

/* The request's context for a change (writes) or a read. */
int api_start(struct call *c, const char *action, int writes)
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
	return api_fail(c, "ResourceNotFoundException",
			"Requested resource not found: Table: %s not found", table);
}

/* An engine failure: -ENOENT as the action's not-found error (type NULL:
 * the table's ResourceNotFoundException), other errors as they are. */
int api_table_fail(struct call *c, int rc, const char *type, const char *table)
{
	if (rc != -ENOENT)
		return rc;
	if (!type)
		return not_found(c, table);
	if (strcmp(type, "TableNotFoundException") == 0)
		return api_fail(c, type, "Table not found: %s", table);
	return api_fail(c, type, "%s", c->err->msg);
}

/* ---- Descriptions ---- */

/* The members of eng_table_describe's Table object that are ddbfs' own,
 * or other actions' (DescribeTimeToLive, DescribeContinuousBackups). */
static const char *const extras[] = {
	"TimeToLiveDescription", "ContinuousBackupsDescription", "ConsumedCapacity", "Ddbfs", NULL,
};

/* The engine's description of table as req sees it (NULL: live), parsed
 * into *out (the caller frees it with cJSON_Delete). */
int api_describe(struct call *c, eng_req *req, const char *table, cJSON **out)
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
int api_add_json(struct call *c, const char *member, const cJSON *o)
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
int api_add_table(struct call *c, const char *member, cJSON *d, const char *status)
{
	size_t i;
	int rc;

	for (i = 0; extras[i]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(d, extras[i]);
	if (!cJSON_ReplaceItemInObjectCaseSensitive(d, "TableStatus", cJSON_CreateString(status))) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	rc = api_add_json(c, member, d);
	cJSON_Delete(d);
	return rc;
}

/* Answer {"member":TableDescription} of the live table. */
static int answer_table(struct call *c, const char *member, const char *table, const char *status)
{
	cJSON *d;
	int rc;

	if ((rc = api_describe(c, NULL, table, &d)) < 0)
		return api_table_fail(c, rc, NULL, table);
	if (lay_buf_addc(c->out, '{') < 0) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if ((rc = api_add_table(c, member, d, status)) < 0)
		return rc;
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

/* ---- Key schemas and settings of requests ---- */

static const char *const key_types[] = { "HASH", "RANGE", NULL };
static const char *const attr_types[] = { "B", "N", "S", NULL };
const char *const api_billing_modes[] = { "PROVISIONED", "PAY_PER_REQUEST", NULL };
static const char *const views[] = { "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY",
				     NULL };

int api_get_throughput(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		       struct api_throughput *out)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(o, name);
	char p1[96], p2[96];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!pt || cJSON_IsNull(pt))
		return 0;
	if (!cJSON_IsObject(pt))
		return api_fail(k->c, "SerializationException", "%s must be a structure", name);
	out->given = 1;
	snprintf(p1, sizeof(p1), "%s.readCapacityUnits", path);
	snprintf(p2, sizeof(p2), "%s.writeCapacityUnits", path);
	if ((rc = api_get_long(k, pt, "ReadCapacityUnits", p1, 1, 1, 9e18, &out->rcu)) < 0 ||
	    (rc = api_get_long(k, pt, "WriteCapacityUnits", p2, 1, 1, 9e18, &out->wcu)) < 0)
		return rc;
	return 0;
}

/* Units beyond a table's quota. */
static int check_units(struct call *c, const struct api_throughput *t)
{
	if (t->rcu > 1000000000000ll || t->wcu > 1000000000000ll)
		return api_fail(
		    c, "ValidationException", "Given value %" PRId64 " for %s is out of bounds",
		    t->rcu > 1000000000000ll ? t->rcu : t->wcu,
		    t->rcu > 1000000000000ll ? "ReadCapacityUnits" : "WriteCapacityUnits");
	if (t->rcu > TABLE_MAX_UNITS || t->wcu > TABLE_MAX_UNITS)
		return api_fail(
		    c, "LimitExceededException",
		    "Subscriber limit exceeded: Provisioned throughput for a table cannot "
		    "exceed %d read or write capacity units (DescribeLimits)",
		    TABLE_MAX_UNITS);
	return 0;
}

/* StreamSpecification: *view is the view to set (LAY_VIEW_OFF: disable),
 * or -1 when absent. */
static int get_stream(struct api_checks *k, const cJSON *o, int creating, int *view)
{
	const cJSON *ss = cJSON_GetObjectItemCaseSensitive(o, "StreamSpecification");
	const char *type;
	lay_settings s = { 0 };
	int on, rc;

	*view = -1;
	if (!ss || cJSON_IsNull(ss))
		return 0;
	if (!cJSON_IsObject(ss))
		return api_fail(k->c, "SerializationException", "%s must be a structure",
				"StreamSpecification");
	if ((rc = api_get_bool(k, ss, "StreamEnabled", "streamSpecification.streamEnabled", 1,
			       &on)) < 0 ||
	    (rc = api_get_str(k, ss, "StreamViewType", "streamSpecification.streamViewType", 0,
			      &type)) < 0)
		return rc;
	api_check_enum(k, type, "streamSpecification.streamViewType", views);
	if (k->n || on < 0)
		return 0;
	if (on && !type)
		return api_fail(k->c, "ValidationException", "%s",
				creating ? API_INVALID "Table is being created with a stream "
						       "enabled, UpdateViewType is required"
					 : API_INVALID "If stream is being enabled then "
						       "UpdateViewType is required");
	if (!on && type)
		return api_fail(k->c, "ValidationException", "%s",
				creating ? API_INVALID "Table is being created with a stream "
						       "disabled, UpdateViewType should not be "
						       "specified"
					 : API_INVALID "If stream is being disabled, then "
						       "UpdateViewType must not be specified");
	*view = LAY_VIEW_OFF;
	if (on && lay_settings_set(&s, "stream", type, NULL) == 0)
		*view = (int)s.stream_view;
	return 0;
}

/* TableClass: DynamoDB tells a bad one in its own words, once the
 * members' constraints are told (k). */
static int check_class(struct call *c, struct api_checks *k, const char *cls)
{
	int rc;

	if (!cls || strcmp(cls, "STANDARD") == 0 || strcmp(cls, "STANDARD_INFREQUENT_ACCESS") == 0)
		return 0;
	if ((rc = api_checks_done(k)) < 0)
		return rc;
	return api_fail(c, "ValidationException", "%s",
			"Invalid table-class parameter provided. Please try again with a valid "
			"table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].");
}

/* Requests for what ddbfs has not: secondary indexes, replicas,
 * deletion protection. */
int api_unsupported(struct call *c, const char *const *members)
{
	size_t i;

	for (i = 0; members[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, members[i]);

		if (!v || cJSON_IsNull(v) || (cJSON_IsArray(v) && !cJSON_GetArraySize(v)) ||
		    cJSON_IsFalse(v))
			continue;
		return api_fail(c, "ValidationException",
				API_INVALID
				"ddbfs does not support %s: tables have their primary key only, "
				"one region and no deletion protection",
				members[i]);
	}
	return 0;
}

/* KeySchema and AttributeDefinitions of CreateTable into *out. */
static int key_schema(struct api_checks *k, lay_schema *out)
{
	struct call *c = k->c;
	const cJSON *ks, *defs, *e;
	const char *names[2] = { NULL, NULL }, *kinds[2] = { NULL, NULL };
	const char *dnames[64], *dtypes[64];
	char path[96], list[600] = "", dlist[600] = "";
	int nk, nd, i, j, rc;

	if ((rc = api_get_list(k, c->rq, "KeySchema", &ks, &nk)) < 0 ||
	    (rc = api_get_list(k, c->rq, "AttributeDefinitions", &defs, &nd)) < 0)
		return rc;
	if (nd < 0)
		api_check_fail(k, NULL, "attributeDefinitions", "Member must not be null");
	if (nk < 0)
		api_check_fail(k, NULL, "keySchema", "Member must not be null");
	else if (nk < 1 || nk > 2) {
		char *text = cJSON_PrintUnformatted(ks);

		api_check_fail(k, text ? text : "", "keySchema",
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
			return api_fail(c, "SerializationException",
					"%s must be a list of structures", "KeySchema");
		snprintf(path, sizeof(path), "keySchema.%d.member.attributeName", i + 1);
		if ((rc = api_get_str(k, e, "AttributeName", path, 1, &names[i])) < 0)
			return rc;
		if (names[i] && (!names[i][0] || strlen(names[i]) > 255))
			api_check_fail(k, names[i], path,
				       names[i][0]
					   ? "Member must have length less than or equal to 255"
					   : "Member must have length greater than or equal to 1");
		snprintf(path, sizeof(path), "keySchema.%d.member.keyType", i + 1);
		if ((rc = api_get_str(k, e, "KeyType", path, 1, &kinds[i])) < 0)
			return rc;
		api_check_enum(k, kinds[i], path, key_types);
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
			return api_fail(c, "SerializationException",
					"%s must be a list of structures", "AttributeDefinitions");
		snprintf(path, sizeof(path), "attributeDefinitions.%d.member.attributeName", i + 1);
		if ((rc = api_get_str(k, e, "AttributeName", path, 1, &dnames[i])) < 0)
			return rc;
		snprintf(path, sizeof(path), "attributeDefinitions.%d.member.attributeType", i + 1);
		if ((rc = api_get_str(k, e, "AttributeType", path, 1, &dtypes[i])) < 0)
			return rc;
		api_check_enum(k, dtypes[i], path, attr_types);
		i++;
	}
	if (k->n || nk <= 0 || nd < 0)
		return 0;
	/* DynamoDB's checks of the schema as a whole, in its order */
	for (i = 0; i < nk; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	for (j = 0; j < nd; j++)
		snprintf(dlist + strlen(dlist), sizeof(dlist) - strlen(dlist), "%s%s",
			 j ? ", " : "", dnames[j]);
	for (i = 0; i < nd; i++)
		for (j = 0; j < i; j++)
			if (strcmp(dnames[i], dnames[j]) == 0)
				return api_fail(c, "ValidationException",
						"Attribute Name is duplicated: %s", dnames[i]);
	for (i = 0; i < nk; i++) {
		for (j = 0; j < nd && strcmp(names[i], dnames[j]) != 0; j++)
			;
		if (j == nd && nk == 2)
			return api_fail(c, "ValidationException", "%s",
					"Invalid KeySchema: Some index key attribute have no "
					"definition");
		if (j == nd)
			return api_fail(
			    c, "ValidationException",
			    API_INVALID
			    "Some index key attributes are not defined in "
			    "AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
			    list, dlist);
	}
	if (nk == 2 && strcmp(names[0], names[1]) == 0)
		return api_fail(c, "ValidationException", "%s",
				"Both the Hash Key and the Range Key "
				"element in the KeySchema have the same name");
	if (strcmp(kinds[0], "HASH") != 0)
		return api_fail(
		    c, "ValidationException", "%s",
		    "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	if (nk == 2 && strcmp(kinds[1], "RANGE") != 0)
		return api_fail(
		    c, "ValidationException", "%s",
		    "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
	if ((rc = api_unsupported(c, (const char *const[]){ "GlobalSecondaryIndexes",
							    "LocalSecondaryIndexes", NULL })) < 0)
		return rc;
	if (nk != nd)
		return api_fail(c, "ValidationException",
				API_INVALID
				"Number of attributes in KeySchema does not exactly match number "
				"of attributes defined in AttributeDefinitions");
	memset(out, 0, sizeof(*out));
	for (i = 0; i < nk; i++) {
		lay_type t = 0;

		for (j = 0; j < nd; j++)
			if (strcmp(names[i], dnames[j]) == 0)
				t = dtypes[j][0] == 'S'	  ? LAY_S
				    : dtypes[j][0] == 'N' ? LAY_N
							  : LAY_B;
		snprintf(i ? out->sk : out->pk, sizeof(out->pk), "%s", names[i]);
		*(i ? &out->sk_type : &out->pk_type) = t;
	}
	return 0;
}

/* BillingMode and ProvisionedThroughput together, onto s: DynamoDB's
 * rules for a table with settings s, or one being created (its billing
 * mode PROVISIONED unless said). */
int api_billing(struct call *c, const char *mode, const struct api_throughput *pt, int creating,
		lay_settings *s)
{
	int prov =
	    mode ? strcmp(mode, "PROVISIONED") == 0 : creating || s->billing == LAY_PROVISIONED;
	int rc;

	if (prov && !pt->given && (creating || s->billing != LAY_PROVISIONED))
		return api_fail(c, "ValidationException",
				creating ? API_INVALID
				    "ReadCapacityUnits and WriteCapacityUnits must both be "
				    "specified when BillingMode is PROVISIONED"
					 : API_INVALID
				    "ProvisionedThroughput must be specified when BillingMode is "
				    "PROVISIONED");
	if (!prov && pt->given)
		return api_fail(c, "ValidationException",
				API_INVALID
				"Neither ReadCapacityUnits nor WriteCapacityUnits can be "
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
	struct api_checks k = API_CHECKS_INIT(c);
	const char *name, *mode, *cls;
	struct api_throughput pt;
	lay_settings s = { 0 };
	lay_schema ks;
	eng_dirmeta dir = { 0 };
	lay_err e = { 0 };
	int view, protect, rc;

	if ((rc = api_start(c, "CreateTable", 1)) < 0)
		return rc;
	if ((rc = api_get_table(&k, "TableName", "tableName", &name)) < 0 ||
	    (rc = key_schema(&k, &ks)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "BillingMode", "billingMode", 0, &mode)) < 0 ||
	    (rc = api_get_throughput(&k, c->rq, "ProvisionedThroughput", "provisionedThroughput",
				     &pt)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "TableClass", "tableClass", 0, &cls)) < 0 ||
	    (rc = get_stream(&k, c->rq, 1, &view)) < 0 ||
	    (rc = api_get_bool(&k, c->rq, "DeletionProtectionEnabled", "deletionProtectionEnabled",
			       0, &protect)) < 0)
		goto out;
	api_check_enum(&k, mode, "billingMode", api_billing_modes);
	if ((rc = check_class(c, &k, cls)) < 0)
		return rc;
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	if ((rc = api_billing(c, mode, &pt, 1, &s)) < 0 ||
	    (rc = api_unsupported(c, (const char *const[]){ "DeletionProtectionEnabled", NULL })) <
		0)
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
			return api_fail(c, "ResourceInUseException", "Table already exists: %s",
					name);
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
	struct api_checks k = API_CHECKS_INIT(c);
	const char *name;
	cJSON *d;
	int rc;

	if ((rc = api_start(c, "DeleteTable", 1)) < 0 ||
	    (rc = api_get_table(&k, "TableName", "tableName", &name)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	/* the table as it is deleted: DELETING, as DynamoDB answers */
	if ((rc = api_describe(c, NULL, name, &d)) < 0)
		return api_table_fail(c, rc, NULL, name);
	if ((rc = eng_table_drop(c->db, &c->req, name, c->err)) < 0) {
		cJSON_Delete(d);
		return api_table_fail(c, rc, NULL, name);
	}
	if (lay_buf_addc(c->out, '{') < 0) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if ((rc = api_add_table(c, "TableDescription", d, "DELETING")) < 0)
		return rc;
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

static int describe_table(struct call *c)
{
	const char *name;
	int rc;

	if ((rc = api_table_only(c, &name)) < 0)
		return rc;
	return answer_table(c, "Table", name, "ACTIVE");
}

static int list_tables(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const char *after;
	char **names = NULL;
	int64_t limit;
	int n, i, shown = 0, rc;

	if ((rc = api_get_str(&k, c->rq, "ExclusiveStartTableName", "exclusiveStartTableName", 0,
			      &after)) < 0 ||
	    (rc = api_get_long(&k, c->rq, "Limit", "limit", 0, 1, 100, &limit)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if (after)
		api_check_name(&k, after = api_table_of(after), "exclusiveStartTableName");
	if ((rc = api_checks_done(&k)) < 0)
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
	struct api_checks k = API_CHECKS_INIT(c);
	const char *name, *mode, *cls;
	struct api_throughput pt;
	eng_table_info ti;
	lay_settings s;
	int view, protect, rc;

	if ((rc = api_start(c, "UpdateTable", 1)) < 0)
		return rc;
	if ((rc = api_get_table(&k, "TableName", "tableName", &name)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "BillingMode", "billingMode", 0, &mode)) < 0 ||
	    (rc = api_get_throughput(&k, c->rq, "ProvisionedThroughput", "provisionedThroughput",
				     &pt)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "TableClass", "tableClass", 0, &cls)) < 0 ||
	    (rc = get_stream(&k, c->rq, 0, &view)) < 0 ||
	    (rc = api_get_bool(&k, c->rq, "DeletionProtectionEnabled", "deletionProtectionEnabled",
			       0, &protect)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	api_check_enum(&k, mode, "billingMode", api_billing_modes);
	if ((rc = check_class(c, &k, cls)) < 0)
		return rc;
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	if ((rc = api_unsupported(
		 c, (const char *const[]){ "GlobalSecondaryIndexUpdates", "ReplicaUpdates",
					   "DeletionProtectionEnabled", NULL })) < 0)
		return rc;
	if (!mode && !pt.given && !cls && view < 0 && protect < 0)
		return api_fail(
		    c, "ValidationException", "%s",
		    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
		    "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
		    "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
		    "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is "
		    "required");
	if (cls && (mode || pt.given || view >= 0))
		return api_fail(c, "ValidationException", "%s",
				API_INVALID "TableClass modification must be the only operation in "
					    "the request");
	if ((rc = eng_table_get(c->db, NULL, name, &ti, c->err)) < 0)
		return api_table_fail(c, rc, NULL, name);
	s = ti.settings;
	if (!mode && pt.given && s.billing == LAY_PROVISIONED && pt.rcu == s.rcu &&
	    pt.wcu == s.wcu && !cls && view < 0)
		return api_fail(
		    c, "ValidationException",
		    "The provisioned throughput for the table will not change. The requested "
		    "value equals the current value. Current ReadCapacityUnits provisioned for "
		    "the table: %u. Requested ReadCapacityUnits: %" PRId64 ". Current "
		    "WriteCapacityUnits provisioned for the table: %u. Requested "
		    "WriteCapacityUnits: %" PRId64 ". Refer to the Amazon DynamoDB Developer "
		    "Guide for current limits and how to request higher limits.",
		    s.rcu, pt.rcu, s.wcu, pt.wcu);
	if ((mode || pt.given) && (rc = api_billing(c, mode, &pt, 0, &s)) < 0)
		return rc;
	if (view > 0 && s.stream_view != LAY_VIEW_OFF)
		return api_fail(c, "ValidationException",
				"Table already has an enabled stream: "
				"TableName: %s",
				name);
	if (view == LAY_VIEW_OFF && s.stream_view == LAY_VIEW_OFF)
		return api_fail(c, "ValidationException",
				"Table has no stream to disable: TableName: %s", name);
	if (view >= 0)
		s.stream_view = (lay_view)view;
	if (cls)
		lay_settings_set(&s, "table_class", cls, NULL);
	if ((rc = eng_table_set_settings(c->db, &c->req, name, &s, c->err)) < 0) {
		if (rc == -EINVAL && ti.settings.table_class != s.table_class)
			c->type = "LimitExceededException"; /* a third class change in 30 days */
		return api_table_fail(c, rc, NULL, name);
	}
	return answer_table(c, "TableDescription", name, "ACTIVE");
}

/* ---- TTL ---- */

static int describe_ttl(struct call *c)
{
	const char *name;
	cJSON *d;
	int rc;

	if ((rc = api_table_only(c, &name)) < 0)
		return rc;
	if ((rc = api_describe(c, NULL, name, &d)) < 0)
		return api_table_fail(c, rc, NULL, name);
	rc = lay_buf_addc(c->out, '{') < 0 ? api_nomem(c) : 0;
	if (!rc &&
	    (rc = api_add_json(c, "TimeToLiveDescription",
			       cJSON_GetObjectItemCaseSensitive(d, "TimeToLiveDescription"))) ==
		0 &&
	    lay_buf_addc(c->out, '}') < 0)
		rc = api_nomem(c);
	cJSON_Delete(d);
	return rc;
}

static int update_ttl(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(c->rq, "TimeToLiveSpecification");
	const char *name, *attr = NULL, *cur;
	eng_table_info ti;
	int on = -1, rc;

	if ((rc = api_start(c, "UpdateTimeToLive", 1)) < 0)
		return rc;
	if ((rc = api_get_table(&k, "TableName", "tableName", &name)) < 0)
		goto out;
	if (!spec || cJSON_IsNull(spec)) {
		api_check_fail(&k, NULL, "timeToLiveSpecification", "Member must not be null");
	} else if (!cJSON_IsObject(spec)) {
		rc = api_fail(c, "SerializationException", "%s must be a structure",
			      "TimeToLiveSpecification");
		goto out;
	} else if ((rc = api_get_str(&k, spec, "AttributeName",
				     "timeToLiveSpecification.attributeName", 1, &attr)) < 0 ||
		   (rc = api_get_bool(&k, spec, "Enabled", "timeToLiveSpecification.enabled", 1,
				      &on)) < 0) {
		goto out;
	}
	if (attr && (!attr[0] || strlen(attr) > 255))
		api_check_fail(&k, attr, "timeToLiveSpecification.attributeName",
			       attr[0] ? "Member must have length less than or equal to 255"
				       : "Member must have length greater than or equal to 1");
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	if ((rc = eng_table_get(c->db, NULL, name, &ti, c->err)) < 0)
		return api_table_fail(c, rc, NULL, name);
	cur = ti.settings.ttl_attr;
	if (on && cur[0])
		return api_fail(c, "ValidationException", "%s", "TimeToLive is already enabled");
	if (!on && !cur[0])
		return api_fail(c, "ValidationException", "%s", "TimeToLive is already disabled");
	if (!on && strcmp(cur, attr) != 0)
		return api_fail(c, "ValidationException",
				"TimeToLive is active on a different "
				"AttributeName: current AttributeName is %s",
				cur);
	if ((rc = eng_table_option_set(c->db, &c->req, name, "ttl_attribute", on ? attr : "",
				       on ? strlen(attr) : 0, c->err)) < 0) {
		if (rc == -EINVAL)
			c->type = "ValidationException";
		return api_table_fail(c, rc, NULL, name);
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

	if ((rc = api_describe(c, NULL, name, &d)) < 0)
		return api_table_fail(c, rc, "TableNotFoundException", name);
	rc = lay_buf_addc(c->out, '{') < 0 ? api_nomem(c) : 0;
	if (!rc &&
	    (rc = api_add_json(
		 c, "ContinuousBackupsDescription",
		 cJSON_GetObjectItemCaseSensitive(d, "ContinuousBackupsDescription"))) == 0 &&
	    lay_buf_addc(c->out, '}') < 0)
		rc = api_nomem(c);
	cJSON_Delete(d);
	return rc;
}

static int describe_pitr(struct call *c)
{
	const char *name;
	int rc;

	if ((rc = api_table_only(c, &name)) < 0)
		return rc;
	return answer_pitr(c, name);
}

static int update_pitr(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const cJSON *spec =
	    cJSON_GetObjectItemCaseSensitive(c->rq, "PointInTimeRecoverySpecification");
	const char *name;
	int64_t days = -1;
	int on = -1, rc;

	if ((rc = api_start(c, "UpdateContinuousBackups", 1)) < 0)
		return rc;
	if ((rc = api_get_table(&k, "TableName", "tableName", &name)) < 0)
		goto out;
	if (!spec || cJSON_IsNull(spec)) {
		api_check_fail(&k, NULL, "pointInTimeRecoverySpecification",
			       "Member must not be null");
	} else if (!cJSON_IsObject(spec)) {
		rc = api_fail(c, "SerializationException", "%s must be a structure",
			      "PointInTimeRecoverySpecification");
		goto out;
	} else if ((rc = api_get_bool(&k, spec, "PointInTimeRecoveryEnabled",
				      "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled",
				      1, &on)) < 0 ||
		   (rc = api_get_long(&k, spec, "RecoveryPeriodInDays",
				      "pointInTimeRecoverySpecification.recoveryPeriodInDays", 0, 1,
				      35, &days)) < 0) {
		goto out;
	}
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	if (!on && days >= 0)
		return api_fail(c, "ValidationException", "%s",
				"Invalid Request: Cannot specify RecoveryPeriodInDays when disabling "
				"point-in-time recovery.");
	if (days > 0 && days != 35)
		return api_fail(c, "ValidationException",
				API_INVALID "ddbfs keeps 35 days of point-in-time recovery: "
					    "RecoveryPeriodInDays %" PRId64 " is not supported",
				days);
	if ((rc = eng_table_option_set(c->db, &c->req, name, "pitr", on ? "on" : "off", on ? 2 : 3,
				       c->err)) < 0)
		return api_table_fail(c, rc, "TableNotFoundException", name);
	return answer_pitr(c, name);
out:
	lay_buf_free(&k.msg);
	return rc;
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
	{ "DescribeLimits", describe_limits },
	{ NULL, NULL },
};
