/* The item actions of DynamoDB's API (SPEC §14): PutItem, GetItem,
 * DeleteItem, UpdateItem with conditions and ReturnValues, and the
 * transactions TransactWriteItems and TransactGetItems. Every write is
 * decided in its write transaction (eng_items_write): the condition sees
 * the item the write replaces. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/json.h"
#include "apicall.h"
#include "token.h"

/* What a write does with the item it finds. */
enum op { OP_PUT, OP_DELETE, OP_UPDATE, OP_CHECK };

/* One write of a request, parsed. */
struct wr {
	enum op op;
	const cJSON *rq;        /* its request object */
	char table[256];
	lay_schema schema;
	lay_item item;          /* PutItem's item; or the key's values */
	lay_key key;
	lay_item names, values; /* its substitutions */
	lay_expr_env env;
	lay_expr *cond, *update;
	const char *ret;        /* ReturnValues */
	int ret_on_fail;        /* ReturnValuesOnConditionCheckFailure ALL_OLD */
};

static void wr_free(struct wr *w)
{
	lay_expr_free(w->cond);
	lay_expr_free(w->update);
	lay_expr_env_free(&w->env);
	lay_item_free(&w->names);
	lay_item_free(&w->values);
	lay_item_free(&w->item);
}

/* A deep copy of src into dst (LAY_ITEM_INIT). */
static int item_copy(lay_item *dst, const lay_item *src)
{
	size_t i;

	if (!src->n)
		return 0;
	if (!(dst->a = lay_item_alloc(dst, src->n * sizeof(*dst->a))))
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		lay_attr *a = &dst->a[i];

		a->name_len = src->a[i].name_len;
		if (!(a->name = lay_item_strdup(dst, src->a[i].name, a->name_len)) ||
		    lay_value_copy(dst, &a->v, &src->a[i].v) < 0)
			return -ENOMEM;
	}
	dst->n = src->n;
	return 0;
}

static int decide(void *vctx, const lay_item *old, lay_item *put, lay_err *err)
{
	const struct wr *w = vctx;
	int rc;

	if (w->cond) {
		if ((rc = lay_expr_test(w->cond, old, err)) < 0)
			return rc;
		if (!rc)
			return lay_err_set(err, -ECANCELED, "The conditional request failed");
	}
	switch (w->op) {
	case OP_PUT:
		if (item_copy(put, &w->item) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory");
		return ENG_DO_PUT;
	case OP_DELETE:
		return ENG_DO_DELETE;
	case OP_CHECK:
		return ENG_DO_NOTHING;
	case OP_UPDATE:
		break;
	}
	if (w->update)
		rc = lay_expr_update(w->update, old, put, err);
	else
		rc = old && item_copy(put, old) < 0 ? lay_err_set(err, -ENOMEM, "out of memory")
						    : 0;
	if (rc < 0)
		return rc;
	if ((rc = lay_item_set_key(put, &w->schema, &w->key, 0, err)) < 0)
		return rc;
	return ENG_DO_PUT;
}

/* "Missing the key PK in the item" and type checks of an item's key, in
 * DynamoDB's words. */
static int item_key(struct call *c, struct wr *w)
{
	const lay_schema *s = &w->schema;
	int i;

	for (i = 0; i < (s->sk[0] ? 2 : 1); i++) {
		const char *name = i ? s->sk : s->pk;
		lay_type want = i ? s->sk_type : s->pk_type;
		const lay_attr *a = lay_item_find(&w->item, name, strlen(name));
		char msg[LAY_ERR_MSG];

		if (!a)
			return api_invalid(c, "ValidationException", "One or more parameter values "
					   "were invalid: Missing the key %s in the item", name);
		if (a->v.type != want) {
			snprintf(msg, sizeof(msg), "One or more parameter values were invalid: Type "
				 "mismatch for key %s expected: %s actual: %s", name,
				 lay_type_name(want), lay_type_name(a->v.type));
			return api_invalid(c, "ValidationException", "%s", msg);
		}
		if (a->v.len == 0 && a->v.type != LAY_N) {
			snprintf(msg, sizeof(msg), "One or more parameter values are not valid. The "
				 "AttributeValue for a key attribute cannot contain an empty %s "
				 "value. Key: %s", lay_type_name(want), name);
			return api_invalid(c, "ValidationException", "%s", msg);
		}
	}
	if (lay_item_key(&w->key, &w->item, s, c->err) < 0) {
		c->type = "ValidationException";
		return -EINVAL;
	}
	return 0;
}

/* Check ReturnValues against what action allows. */
static int return_values(struct call *c, struct wr *w, const char *action)
{
	static const char *const all[] = { "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
					   "UPDATED_NEW" };
	const char *f = api_str(w->rq, "ReturnValuesOnConditionCheckFailure");
	size_t i, allowed = strcmp(action, "UpdateItem") == 0 ? 5 : 2;

	w->ret = api_str(w->rq, "ReturnValues");
	if (w->ret) {
		for (i = 0; i < 5 && strcmp(all[i], w->ret) != 0; i++)
			;
		if (i == 5)
			return api_invalid(c, "ValidationException",
					   "1 validation error detected: Value '%s' at 'returnValues' "
					   "failed to satisfy constraint: Member must satisfy enum "
					   "value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, "
					   "UPDATED_NEW]", w->ret);
		if (i >= allowed)
			return api_invalid(c, "ValidationException",
					   "ReturnValues can only be ALL_OLD or NONE");
	}
	if (f) {
		if (strcmp(f, "ALL_OLD") != 0 && strcmp(f, "NONE") != 0)
			return api_invalid(c, "ValidationException",
					   "1 validation error detected: Value '%s' at "
					   "'returnValuesOnConditionCheckFailure' failed to satisfy "
					   "constraint: Member must satisfy enum value set: [ALL_OLD, "
					   "NONE]", f);
		w->ret_on_fail = strcmp(f, "ALL_OLD") == 0;
	}
	return 0;
}

/* Parameters of DynamoDB's older API, which ddbfs does not take. */
static int legacy(struct call *c, const cJSON *o)
{
	static const char *const old[] = { "Expected", "AttributeUpdates", "ConditionalOperator",
					   "AttributesToGet" };
	size_t i;

	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(o, old[i]))
			return api_invalid(c, "ValidationException",
					   "%s is a legacy parameter ddbfs does not take; use "
					   "expressions (ConditionExpression, UpdateExpression, "
					   "ProjectionExpression)", old[i]);
	return 0;
}

/* The members a write of action may not have: a batch's requests take
 * no expressions and no ReturnValues, a transaction's actions no
 * ReturnValues. */
static int members_allowed(struct call *c, const cJSON *o, const char *action)
{
	static const char *const exprs[] = { "ConditionExpression", "ExpressionAttributeNames",
					     "ExpressionAttributeValues", "ReturnValues",
					     "ReturnValuesOnConditionCheckFailure" };
	size_t i, from, to;

	if (strcmp(action, "BatchWriteItem") == 0)
		from = 0, to = 5;
	else if (strcmp(action, "TransactWriteItems") == 0)
		from = 3, to = 4;
	else
		return 0;
	for (i = from; i < to; i++)
		if (cJSON_GetObjectItemCaseSensitive(o, exprs[i]))
			return api_invalid(c, "ValidationException", "%s takes no %s", action,
					   exprs[i]);
	return 0;
}

/* Parse one write of kind op from the object o (a request, or one
 * element of TransactItems), action naming it for messages. */
static int wr_parse(struct call *c, struct wr *w, enum op op, const cJSON *o, const char *action,
		    const char *table)
{
	const cJSON *saved = c->rq;
	int rc, present;

	memset(w, 0, sizeof(*w));
	w->op = op;
	w->rq = o;
	c->rq = o;
	if ((!table && (rc = api_need_str(c, o, "TableName", &table)) < 0) ||
	    (rc = legacy(c, o)) < 0 ||
	    (rc = api_schema(c, table, &w->schema)) < 0)
		goto out;
	snprintf(w->table, sizeof(w->table), "%s", api_table_of(table));
	if (op == OP_PUT) {
		if ((rc = api_item(c, o, "Item", &w->item, &present)) < 0)
			goto out;
		if (!present) {
			rc = api_invalid(c, "ValidationException",
					 "1 validation error detected: Value null at '%s' failed to "
					 "satisfy constraint: Member must not be null", "item");
			goto out;
		}
		if ((rc = item_key(c, w)) < 0)
			goto out;
		/* the item's size before anything is written (a batch's too) */
		if (lay_item_size(&w->item) > LAY_MAX_ITEM_SIZE) {
			rc = api_invalid(c, "ValidationException",
					 "Item size has exceeded the maximum allowed size");
			goto out;
		}
	} else if ((rc = api_key(c, o, "Key", &w->schema, &w->item, &w->key)) < 0) {
		goto out;
	}
	if ((rc = members_allowed(c, o, action)) < 0 || (rc = return_values(c, w, action)) < 0 ||
	    (rc = api_env(c, &w->names, &w->values, &w->env)) < 0 ||
	    (rc = api_expr(c, &w->env, "ConditionExpression", LAY_EXPR_CONDITION, &w->cond)) < 0)
		goto out;
	if (op == OP_CHECK && !w->cond) {
		rc = api_invalid(c, "ValidationException",
				 "1 validation error detected: Value null at '%s' failed to "
				 "satisfy constraint: Member must not be null", "conditionExpression");
		goto out;
	}
	if (op == OP_UPDATE) {
		if ((rc = api_expr(c, &w->env, "UpdateExpression", LAY_EXPR_UPDATE, &w->update)) < 0)
			goto out;
		for (int i = 0; w->update && i < (w->schema.sk[0] ? 2 : 1); i++) {
			const char *k = i ? w->schema.sk : w->schema.pk;

			if (lay_expr_touches(w->update, k, strlen(k))) {
				rc = api_invalid(c, "ValidationException",
						 "One or more parameter values were invalid: Cannot "
						 "update attribute %s. This attribute is part of the key",
						 k);
				goto out;
			}
		}
	}
	if ((rc = lay_expr_env_unused(&w->env, c->err)) < 0)
		c->type = "ValidationException";
out:
	c->rq = saved;
	return rc;
}

/* The error of a failed write, in DynamoDB's types. */
static int write_failed(struct call *c, int rc)
{
	if (rc == -ECANCELED)
		c->type = "ConditionalCheckFailedException";
	else if (rc == -EAGAIN && c->req.throttled)
		c->type = "ProvisionedThroughputExceededException";
	else if (rc == -EFBIG) {
		c->type = "ValidationException";
		lay_err_set(c->err, -EINVAL, "Item size has exceeded the maximum allowed size");
	} else if (rc == -EINVAL)
		c->type = "ValidationException";
	return rc;
}

/* Append ,"NAME":{item} when it holds anything. */
static int add_attrs(struct call *c, const char *name, const lay_item *it)
{
	if (!it->n)
		return 0;
	if (lay_buf_addf(c->out, ",\"%s\":", name) < 0)
		return api_nomem(c);
	return api_add_item(c, it);
}

/* The Attributes ReturnValues asks for, after a write w made as ew. */
static int add_returned(struct call *c, const struct wr *w, const eng_write *ew)
{
	lay_item part = LAY_ITEM_INIT;
	int rc;

	if (!w->ret || strcmp(w->ret, "NONE") == 0)
		return 0;
	if (strcmp(w->ret, "ALL_OLD") == 0)
		return add_attrs(c, "Attributes", &ew->old);
	if (strcmp(w->ret, "ALL_NEW") == 0)
		return add_attrs(c, "Attributes", &ew->put);
	if (!w->update)
		return 0; /* UPDATED_*: nothing was updated */
	if ((rc = lay_expr_project(w->update, strcmp(w->ret, "UPDATED_OLD") == 0 ? &ew->old
										: &ew->put,
				   &part, c->err)) == 0)
		rc = add_attrs(c, "Attributes", &part);
	lay_item_free(&part);
	return rc;
}

/* The start of the response: "{" then the write's members. */
static int write_one(struct call *c, enum op op, const char *action)
{
	struct wr w;
	eng_write ew;
	size_t at;
	int rc;

	memset(&w, 0, sizeof(w));
	memset(&ew, 0, sizeof(ew));
	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if ((rc = api_writable(c, action)) < 0)
		return rc;
	if ((rc = wr_parse(c, &w, op, c->rq, action, NULL)) < 0)
		goto out;
	ew.table = w.table;
	ew.key = w.key;
	ew.decide = decide;
	ew.ctx = &w;
	if ((rc = eng_items_write(c->db, &c->req, &ew, 1, op == OP_DELETE ? ENG_WRITE_DELETES : 0,
				  c->err)) < 0) {
		write_failed(c, rc);
		if (rc == -ECANCELED && w.ret_on_fail && ew.old.n &&
		    (lay_buf_adds(&c->err_extra, ",\"Item\":") < 0 ||
		     api_item_json(&c->err_extra, &ew.old) < 0))
			rc = api_nomem(c);
		goto out;
	}
	at = c->out->len;
	if ((rc = lay_buf_addc(c->out, '{')) < 0 || (rc = add_returned(c, &w, &ew)) < 0 ||
	    (rc = api_add_consumed(c, w.table, 0, c->req.wcu)) < 0)
		goto out;
	rc = api_close(c, at);
out:
	lay_item_free(&ew.old);
	lay_item_free(&ew.put);
	wr_free(&w);
	return rc < 0 && !c->err->code ? api_nomem(c) : rc;
}

static int put_item(struct call *c)
{
	return write_one(c, OP_PUT, "PutItem");
}

static int delete_item(struct call *c)
{
	return write_one(c, OP_DELETE, "DeleteItem");
}

static int update_item(struct call *c)
{
	return write_one(c, OP_UPDATE, "UpdateItem");
}

/* ConsistentRead of o: reads are eventually consistent unless it is true. */
static int consistent(struct call *c, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "ConsistentRead");

	if (v && !cJSON_IsBool(v))
		return api_invalid(c, "SerializationException", "%s must be a boolean",
				   "ConsistentRead");
	c->req.eventual = !cJSON_IsTrue(v);
	return 0;
}

static int get_item(struct call *c)
{
	const char *table;
	lay_schema s;
	lay_item keyv = LAY_ITEM_INIT, names = LAY_ITEM_INIT, values = LAY_ITEM_INIT;
	lay_item it = LAY_ITEM_INIT, part = LAY_ITEM_INIT;
	lay_expr_env env;
	lay_expr *proj = NULL;
	lay_key key;
	size_t at;
	int rc;

	memset(&env, 0, sizeof(env));
	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if ((rc = api_need_str(c, c->rq, "TableName", &table)) < 0 ||
	    (rc = legacy(c, c->rq)) < 0 || (rc = consistent(c, c->rq)) < 0 ||
	    (rc = api_schema(c, table, &s)) < 0 ||
	    (rc = api_key(c, c->rq, "Key", &s, &keyv, &key)) < 0 ||
	    (rc = api_env(c, &names, &values, &env)) < 0 ||
	    (rc = api_expr(c, &env, "ProjectionExpression", LAY_EXPR_PROJECTION, &proj)) < 0)
		goto out;
	if ((rc = lay_expr_env_unused(&env, c->err)) < 0) {
		c->type = "ValidationException";
		goto out;
	}
	table = api_table_of(table);
	rc = eng_item_get(c->db, &c->req, table, &key, &it, NULL, c->err);
	if (rc == -ENOENT) {
		/* no such item (the table was found above) */
		lay_err_clear(c->err);
		rc = 0;
	}
	if (rc < 0) {
		write_failed(c, rc);
		goto out;
	}
	if (proj && (rc = lay_expr_project(proj, &it, &part, c->err)) < 0)
		goto out;
	at = c->out->len;
	if ((rc = lay_buf_addc(c->out, '{')) < 0 ||
	    (it.n && (rc = add_attrs(c, "Item", proj ? &part : &it)) < 0) ||
	    (rc = api_add_consumed(c, table, c->req.rcu, 0)) < 0)
		goto out;
	if (it.n && proj && !part.n && (rc = lay_buf_adds(c->out, ",\"Item\":{}")) < 0)
		goto out;
	rc = api_close(c, at);
out:
	lay_expr_free(proj);
	lay_expr_env_free(&env);
	lay_item_free(&names);
	lay_item_free(&values);
	lay_item_free(&keyv);
	lay_item_free(&it);
	lay_item_free(&part);
	return rc < 0 && !c->err->code ? api_nomem(c) : rc;
}

/* ---- transactions ---- */

#define TXN_MAX_ACTIONS 100
#define TXN_MAX_BYTES (4u << 20)

/* The kind of one element of TransactItems, and its object. */
static int txn_kind(struct call *c, const cJSON *el, enum op *op, const cJSON **o)
{
	static const struct {
		const char *name;
		enum op op;
	} kinds[] = { { "Put", OP_PUT }, { "Delete", OP_DELETE }, { "Update", OP_UPDATE },
		      { "ConditionCheck", OP_CHECK } };
	size_t i, found = 0;

	for (i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(el, kinds[i].name);

		if (v) {
			if (!cJSON_IsObject(v))
				return api_invalid(c, "SerializationException",
						   "%s must be an object", kinds[i].name);
			*op = kinds[i].op;
			*o = v;
			found++;
		}
	}
	if (found != 1)
		return api_invalid(c, "ValidationException", "TransactItems can only contain one "
				   "of Check, Put, Update or Delete");
	return 0;
}

/* 1 if two writes are of the same item. */
static int same_target(const struct wr *a, const struct wr *b)
{
	return strcmp(a->table, b->table) == 0 && lay_value_equal(&a->key.pk, &b->key.pk) &&
	       (!a->schema.sk[0] || lay_value_equal(&a->key.sk, &b->key.sk));
}

/* The TransactionCanceledException of writes ew whose decisions failed. */
static int txn_canceled(struct call *c, const struct wr *w, const eng_write *ew, size_t n)
{
	lay_buf *x = &c->err_extra;
	char msg[LAY_ERR_MSG];
	size_t i, m = 0;

	m = (size_t)snprintf(msg, sizeof(msg), "Transaction cancelled, please refer cancellation "
			     "reasons for specific reasons [");
	if (lay_buf_adds(x, ",\"CancellationReasons\":[") < 0)
		return api_nomem(c);
	for (i = 0; i < n; i++) {
		const char *code = ew[i].rc == 0 ? "None"
				   : ew[i].rc == -ECANCELED ? "ConditionalCheckFailed"
							    : "ValidationError";

		if (m < sizeof(msg))
			m += (size_t)snprintf(msg + m, sizeof(msg) - m, "%s%s", i ? ", " : "", code);
		if (lay_buf_addf(x, "%s{\"Code\":\"%s\"", i ? "," : "", code) < 0 ||
		    (ew[i].rc && (lay_buf_adds(x, ",\"Message\":") < 0 ||
				  lay_json_quote(x, ew[i].err.msg, strlen(ew[i].err.msg)) < 0)) ||
		    (ew[i].rc == -ECANCELED && w[i].ret_on_fail && ew[i].old.n &&
		     (lay_buf_adds(x, ",\"Item\":") < 0 || api_item_json(x, &ew[i].old) < 0)) ||
		    lay_buf_addc(x, '}') < 0)
			return api_nomem(c);
	}
	if (lay_buf_addc(x, ']') < 0)
		return api_nomem(c);
	if (m + 2 > sizeof(msg))
		m = sizeof(msg) - 2;
	snprintf(msg + m, sizeof(msg) - m, "]");
	return api_invalid(c, "TransactionCanceledException", "%s", msg);
}

/* The TransactionCanceledException of a transaction of n actions that
 * found no capacity: every reason ThrottlingError, as DynamoDB says. */
static int txn_throttled(struct call *c, size_t n)
{
	lay_buf *x = &c->err_extra;
	char msg[LAY_ERR_MSG];
	size_t i, m;

	m = (size_t)snprintf(msg, sizeof(msg), "Transaction cancelled, please refer cancellation "
			     "reasons for specific reasons [");
	if (lay_buf_adds(x, ",\"CancellationReasons\":[") < 0)
		return api_nomem(c);
	for (i = 0; i < n; i++) {
		if (m < sizeof(msg))
			m += (size_t)snprintf(msg + m, sizeof(msg) - m, "%sThrottlingError",
					      i ? ", " : "");
		if (lay_buf_addf(x, "%s{\"Code\":\"ThrottlingError\",\"Message\":\"Throughput "
				 "exceeds the current capacity for one or more tables\"}",
				 i ? "," : "") < 0)
			return api_nomem(c);
	}
	if (lay_buf_addc(x, ']') < 0)
		return api_nomem(c);
	if (m + 2 > sizeof(msg))
		m = sizeof(msg) - 2;
	snprintf(msg + m, sizeof(msg) - m, "]");
	return api_invalid(c, "TransactionCanceledException", "%s", msg);
}

/* ,"ConsumedCapacity":[...] of n units per table, as ReturnConsumedCapacity asks. */
static int add_capacity_list(struct call *c, const char *const *tables, const double *rcu,
			     const double *wcu, size_t n)
{
	const char *r = api_str(c->rq, "ReturnConsumedCapacity");
	size_t i, j;

	if (!r || strcmp(r, "NONE") == 0)
		return 0;
	if (lay_buf_adds(c->out, ",\"ConsumedCapacity\":[") < 0)
		return api_nomem(c);
	for (i = 0; i < n; i++) {
		double rs = 0, ws = 0;

		for (j = 0; j < i && strcmp(tables[j], tables[i]) != 0; j++)
			;
		if (j < i)
			continue; /* counted with its first */
		for (j = i; j < n; j++)
			if (strcmp(tables[j], tables[i]) == 0) {
				rs += rcu ? rcu[j] : 0;
				ws += wcu ? wcu[j] : 0;
			}
		if ((c->out->p[c->out->len - 1] != '[' && lay_buf_addc(c->out, ',') < 0) ||
		    api_add_capacity(c, tables[i], rs, ws) < 0)
			return api_nomem(c);
	}
	return lay_buf_addc(c->out, ']') < 0 ? api_nomem(c) : 0;
}

/* The TransactItems of the request: 1..100 elements. */
static int txn_items(struct call *c, const char *member, size_t *n)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(c->rq, member);
	int count;

	if (!items)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value null at '%s' failed to "
				   "satisfy constraint: Member must not be null", "transactItems");
	if (!cJSON_IsArray(items))
		return api_invalid(c, "SerializationException", "%s must be a list", member);
	count = cJSON_GetArraySize(items);
	if (count < 1 || count > TXN_MAX_ACTIONS)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value at 'transactItems' failed "
				   "to satisfy constraint: Member must have length %s",
				   count < 1 ? "greater than or equal to 1"
					     : "less than or equal to 100");
	*n = (size_t)count;
	return 0;
}

static int transact_write(struct call *c)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(c->rq, "TransactItems"), *el;
	const char *token = api_str(c->rq, "ClientRequestToken");
	char *params = NULL;
	struct wr *w = NULL;
	eng_write *ew = NULL;
	const char **tables = NULL;
	double *wcu = NULL;
	size_t n = 0, i = 0, j, bytes = 0, at, start = c->out->len;
	int rc, held = 0;

	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if ((rc = api_writable(c, "TransactWriteItems")) < 0 ||
	    (rc = txn_items(c, "TransactItems", &n)) < 0)
		return rc;
	if (token && (strlen(token) < 1 || strlen(token) > 36))
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value '%s' at "
				   "'clientRequestToken' failed to satisfy constraint: Member must "
				   "have length %s", token, token[0] ? "less than or equal to 36"
								     : "greater than or equal to 1");
	if (!(w = calloc(n, sizeof(*w))) || !(ew = calloc(n, sizeof(*ew))) ||
	    !(tables = calloc(n, sizeof(*tables))) || !(wcu = calloc(n, sizeof(*wcu)))) {
		rc = api_nomem(c);
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(el, items) {
		enum op op = OP_CHECK;
		const cJSON *o = NULL;

		if ((rc = txn_kind(c, el, &op, &o)) < 0 ||
		    (rc = wr_parse(c, &w[i], op, o, "TransactWriteItems", NULL)) < 0) {
			i++;
			goto out;
		}
		bytes += lay_item_size(&w[i].item);
		for (j = 0; j < i; j++)
			if (same_target(&w[j], &w[i])) {
				rc = api_invalid(c, "ValidationException", "Transaction request "
						 "cannot include multiple operations on one item%s",
						 "");
				i++;
				goto out;
			}
		ew[i].table = w[i].table;
		ew[i].key = w[i].key;
		ew[i].decide = decide;
		ew[i].ctx = &w[i];
		tables[i] = w[i].table;
		i++;
	}
	if (bytes > TXN_MAX_BYTES) {
		rc = api_invalid(c, "ValidationException", "Transaction request size exceeds the "
				 "maximum of 4 MB");
		goto out;
	}
	if (token) {
		/* the parameters that shape what it does and answers */
		const char *rcc = api_str(c->rq, "ReturnConsumedCapacity");
		char *text = cJSON_PrintUnformatted(items);

		if (text && asprintf(&params, "%s\n%s", rcc ? rcc : "NONE", text) < 0)
			params = NULL;
		free(text);
		if (!params) {
			rc = api_nomem(c);
			goto out;
		}
		rc = store_token_begin(c->db, token, params, strlen(params), c->out, c->err);
		if (rc == 1) {
			rc = 0; /* done before: its answer again */
			goto out;
		}
		if (rc < 0) {
			c->type = rc == -EEXIST ? "IdempotentParameterMismatchException"
				  : rc == -EBUSY ? "TransactionInProgressException"
						 : NULL;
			goto out;
		}
		held = 1;
	}
	for (j = 0; j < n && (w[j].op == OP_DELETE || w[j].op == OP_CHECK); j++)
		;
	if ((rc = eng_items_write(c->db, &c->req, ew, n,
				  ENG_WRITE_TXN | (j == n ? ENG_WRITE_DELETES : 0), c->err)) < 0) {
		for (j = 0; j < n && ew[j].rc != -ECANCELED && ew[j].rc != -EINVAL &&
			    ew[j].rc != -EFBIG; j++)
			;
		if (j < n && (rc == -ECANCELED || rc == -EINVAL || rc == -EFBIG))
			rc = txn_canceled(c, w, ew, n);
		else if (rc == -EAGAIN && c->req.throttled)
			rc = txn_throttled(c, n);
		else
			write_failed(c, rc);
		goto out;
	}
	for (j = 0; j < n; j++)
		wcu[j] = ew[j].wcu;
	at = c->out->len;
	if ((rc = lay_buf_addc(c->out, '{')) < 0 ||
	    (rc = add_capacity_list(c, tables, NULL, wcu, n)) < 0 || (rc = api_close(c, at)) < 0)
		goto out;
out:
	if (held)
		store_token_end(c->db, token, rc == 0, c->out->p ? c->out->p + start : "",
				c->out->len - start);
	for (j = 0; w && j < i; j++)
		wr_free(&w[j]);
	for (j = 0; ew && j < n; j++) {
		lay_item_free(&ew[j].old);
		lay_item_free(&ew[j].put);
	}
	free(params);
	free(w);
	free(ew);
	free(tables);
	free(wcu);
	return rc < 0 && !c->err->code ? api_nomem(c) : rc;
}

/* One Get of TransactGetItems, parsed. */
struct rd {
	lay_schema schema;
	char table[256];
	lay_item keyv, names, values;
	lay_expr_env env;
	lay_expr *proj;
};

static void rd_free(struct rd *r)
{
	lay_expr_free(r->proj);
	lay_expr_env_free(&r->env);
	lay_item_free(&r->keyv);
	lay_item_free(&r->names);
	lay_item_free(&r->values);
}

static int rd_parse(struct call *c, struct rd *r, const cJSON *o, lay_key *key)
{
	const cJSON *saved = c->rq;
	const char *table;
	int rc;

	c->rq = o;
	if ((rc = api_need_str(c, o, "TableName", &table)) < 0 || (rc = legacy(c, o)) < 0 ||
	    (rc = api_schema(c, table, &r->schema)) < 0 ||
	    (rc = api_key(c, o, "Key", &r->schema, &r->keyv, key)) < 0 ||
	    (rc = api_env(c, &r->names, &r->values, &r->env)) < 0 ||
	    (rc = api_expr(c, &r->env, "ProjectionExpression", LAY_EXPR_PROJECTION, &r->proj)) < 0)
		goto out;
	snprintf(r->table, sizeof(r->table), "%s", api_table_of(table));
	if ((rc = lay_expr_env_unused(&r->env, c->err)) < 0)
		c->type = "ValidationException";
out:
	c->rq = saved;
	return rc;
}

static int transact_get(struct call *c)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(c->rq, "TransactItems"), *el;
	struct rd *r = NULL;
	eng_read *er = NULL;
	const char **tables = NULL;
	double *rcu = NULL;
	lay_item part = LAY_ITEM_INIT;
	size_t n = 0, i = 0, j, at;
	int rc;

	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if ((rc = txn_items(c, "TransactItems", &n)) < 0)
		return rc;
	if (!(r = calloc(n, sizeof(*r))) || !(er = calloc(n, sizeof(*er))) ||
	    !(tables = calloc(n, sizeof(*tables))) || !(rcu = calloc(n, sizeof(*rcu)))) {
		rc = api_nomem(c);
		goto out;
	}
	cJSON_ArrayForEach(el, items) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(el, "Get");

		if (!cJSON_IsObject(o) || cJSON_GetArraySize(el) != 1) {
			rc = api_invalid(c, "ValidationException", "TransactItems of "
					 "TransactGetItems can only contain Get");
			goto out;
		}
		if ((rc = rd_parse(c, &r[i], o, &er[i].key)) < 0) {
			i++;
			goto out;
		}
		er[i].table = tables[i] = r[i].table;
		for (j = 0; j < i; j++)
			if (strcmp(r[j].table, r[i].table) == 0 &&
			    lay_value_equal(&er[j].key.pk, &er[i].key.pk) &&
			    (!r[i].schema.sk[0] || lay_value_equal(&er[j].key.sk, &er[i].key.sk))) {
				i++;
				rc = api_invalid(c, "ValidationException", "Transaction request "
						 "cannot include multiple operations on one item");
				goto out;
			}
		i++;
	}
	if ((rc = eng_items_read(c->db, &c->req, er, n, ENG_WRITE_TXN, c->err)) < 0) {
		write_failed(c, rc);
		goto out;
	}
	at = c->out->len;
	if ((rc = lay_buf_adds(c->out, "{,\"Responses\":[")) < 0)
		goto out;
	for (j = 0; j < n; j++) {
		const lay_item *it = &er[j].item;

		rcu[j] = er[j].rcu * 2;
		lay_item_free(&part);
		if (r[j].proj && er[j].found &&
		    (rc = lay_expr_project(r[j].proj, &er[j].item, &part, c->err)) < 0)
			goto out;
		if (r[j].proj)
			it = &part;
		if ((rc = lay_buf_adds(c->out, j ? ",{" : "{")) < 0 ||
		    (er[j].found && ((rc = lay_buf_adds(c->out, "\"Item\":")) < 0 ||
				     (rc = api_add_item(c, it)) < 0)) ||
		    (rc = lay_buf_addc(c->out, '}')) < 0)
			goto out;
	}
	if ((rc = lay_buf_addc(c->out, ']')) < 0 ||
	    (rc = add_capacity_list(c, tables, rcu, NULL, n)) < 0 || (rc = api_close(c, at)) < 0)
		goto out;
out:
	for (j = 0; r && j < i; j++)
		rd_free(&r[j]);
	for (j = 0; er && j < n; j++)
		lay_item_free(&er[j].item);
	lay_item_free(&part);
	free(r);
	free(er);
	free(tables);
	free(rcu);
	return rc < 0 && !c->err->code ? api_nomem(c) : rc;
}

/* ---- BatchWriteItem ---- */

#define BATCH_MAX_WRITES 25

/* One PutRequest or DeleteRequest element el of table into w. */
static int batch_parse(struct call *c, struct wr *w, const cJSON *el, const char *table)
{
	const cJSON *put = cJSON_GetObjectItemCaseSensitive(el, "PutRequest");
	const cJSON *del = cJSON_GetObjectItemCaseSensitive(el, "DeleteRequest");

	if (!!put == !!del || !cJSON_IsObject(put ? put : del))
		return api_invalid(c, "ValidationException", "A WriteRequest of table %s must "
				   "hold exactly one of PutRequest and DeleteRequest", table);
	return wr_parse(c, w, put ? OP_PUT : OP_DELETE, put ? put : del, "BatchWriteItem", table);
}

/* Whether one of the first n writes was done (not left undone). */
static int batch_wrote(const int *undone, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!undone[i])
			return 1;
	return 0;
}

/* A failure of the service, not of the request: the write may succeed
 * when sent again. */
static int internal_failure(int rc)
{
	return rc == -EIO || rc == -ENOSPC || rc == -ENOMEM || rc == -EAGAIN;
}

static int batch_write(struct call *c)
{
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(c->rq, "RequestItems"), *t, *el;
	struct wr w[BATCH_MAX_WRITES];
	const cJSON *src[BATCH_MAX_WRITES];
	eng_write ew;
	const char *tables[BATCH_MAX_WRITES];
	double wcu[BATCH_MAX_WRITES];
	int undone[BATCH_MAX_WRITES];
	size_t n = 0, i, j, at;
	int rc = 0, any;

	memset(w, 0, sizeof(w));
	c->req.source = c->ctx ? c->ctx->source : ENG_SRC_API;
	if ((rc = api_writable(c, "BatchWriteItem")) < 0)
		return rc;
	if (!cJSON_IsObject(ri) || !ri->child)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value null at '%s' failed to "
				   "satisfy constraint: Member must not be null", "requestItems");
	cJSON_ArrayForEach(t, ri) {
		if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) < 1) {
			rc = api_invalid(c, "ValidationException",
					 "1 validation error detected: Value at 'requestItems' failed "
					 "to satisfy constraint: Map value must satisfy constraint: "
					 "[Member must have length less than or equal to 25, Member "
					 "must have length greater than or equal to 1]");
			goto out;
		}
		cJSON_ArrayForEach(el, t) {
			if (n == BATCH_MAX_WRITES) {
				rc = api_invalid(c, "ValidationException", "Too many items requested "
						 "for the BatchWriteItem call");
				goto out;
			}
			if ((rc = batch_parse(c, &w[n], el, t->string)) < 0) {
				n++;
				goto out;
			}
			src[n] = el;
			tables[n] = w[n].table;
			wcu[n] = 0;
			undone[n] = 0;
			for (j = 0; j < n; j++)
				if (same_target(&w[j], &w[n])) {
					n++;
					rc = api_invalid(c, "ValidationException", "Provided list of "
							 "item keys contains duplicates");
					goto out;
				}
			n++;
		}
	}
	for (i = 0; i < n; i++) {
		memset(&ew, 0, sizeof(ew));
		ew.table = w[i].table;
		ew.key = w[i].key;
		ew.decide = decide;
		ew.ctx = &w[i];
		c->req.throttled = 0;
		rc = eng_items_write(c->db, &c->req, &ew, 1,
				     w[i].op == OP_DELETE ? ENG_WRITE_DELETES : 0, c->err);
		wcu[i] = ew.wcu;
		lay_item_free(&ew.old);
		lay_item_free(&ew.put);
		if (rc == -EAGAIN && c->req.throttled) {
			/* left for the client to send again */
			undone[i] = 1;
			lay_err_clear(c->err);
			rc = 0;
		} else if (rc < 0 && batch_wrote(undone, i) && internal_failure(rc)) {
			/* earlier writes committed: an error would say none did, so
			 * this one and the rest are left unprocessed, as DynamoDB
			 * leaves writes an internal failure stopped */
			for (j = i; j < n; j++)
				undone[j] = 1;
			lay_err_clear(c->err);
			rc = 0;
			break;
		} else if (rc < 0) {
			write_failed(c, rc);
			goto out;
		}
	}
	at = c->out->len;
	if ((rc = lay_buf_adds(c->out, "{,\"UnprocessedItems\":{")) < 0)
		goto out;
	any = 0;
	cJSON_ArrayForEach(t, ri) {
		int open = 0;

		for (i = 0; i < n; i++) {
			char *text;

			if (!undone[i] || strcmp(api_table_of(t->string), w[i].table) != 0)
				continue;
			if (!(text = cJSON_PrintUnformatted(src[i]))) {
				rc = api_nomem(c);
				goto out;
			}
			if ((!open && ((any && lay_buf_addc(c->out, ',') < 0) ||
				       lay_json_quote(c->out, t->string, strlen(t->string)) < 0 ||
				       lay_buf_adds(c->out, ":[") < 0)) ||
			    (open && lay_buf_addc(c->out, ',') < 0) || lay_buf_adds(c->out, text) < 0) {
				free(text);
				rc = api_nomem(c);
				goto out;
			}
			free(text);
			open = any = 1;
		}
		if (open && (rc = lay_buf_addc(c->out, ']')) < 0)
			goto out;
	}
	if ((rc = lay_buf_addc(c->out, '}')) < 0 ||
	    (rc = add_capacity_list(c, tables, NULL, wcu, n)) < 0 || (rc = api_close(c, at)) < 0)
		goto out;
out:
	for (j = 0; j < n; j++)
		wr_free(&w[j]);
	return rc < 0 && !c->err->code ? api_nomem(c) : rc;
}

const struct api_action api_item_actions[] = {
	{ "PutItem", put_item },
	{ "GetItem", get_item },
	{ "DeleteItem", delete_item },
	{ "UpdateItem", update_item },
	{ "TransactWriteItems", transact_write },
	{ "TransactGetItems", transact_get },
	{ "BatchWriteItem", batch_write },
	{ NULL, NULL },
};
