/* Requests in DynamoDB's API (SPEC §13, §14): one JSON request in, one
 * JSON response out, with DynamoDB's error types. Every front (.ddbfs/api,
 * `ddbfs api`, the HTTP endpoint) hands its requests here; this finds the
 * action and turns DynamoDB's errors into their shape. The actions live
 * in api_*.c by kind. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/json.h"
#include "apicall.h"

/* DynamoDB's opening of a ValidationException about a value */
#define INVALID "One or more parameter values were invalid: "

int api_invalid(struct call *c, const char *type, const char *fmt, ...)
{
	va_list ap;

	c->type = type;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	c->err->code = -EINVAL;
	return -EINVAL;
}

const char *api_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int api_need_str(struct call *c, const cJSON *o, const char *name, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value null at '%s' failed to "
				   "satisfy constraint: Member must not be null", name);
	if (!cJSON_IsString(v))
		return api_invalid(c, "SerializationException", "%s must be a string", name);
	*out = v->valuestring;
	return 0;
}

int api_get_time(struct call *c, const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return 0;
	/* the clock counts nanoseconds in an int64_t: up to the year 2262 */
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble > 9e9)
		return api_invalid(c, "SerializationException",
				   "%s must be a time in epoch seconds", name);
	*out = (int64_t)llround(v->valuedouble * 1e3) * 1000000;
	return 0;
}

const char *api_table_of(const char *arn)
{
	static const char tag[] = ":table/";
	const char *t = strstr(arn, tag);

	return t ? t + sizeof(tag) - 1 : arn;
}

int api_writable(struct call *c, const char *action)
{
	if (c->ctx && c->ctx->read_only)
		return api_invalid(c, "ValidationException", "%s: the mount is read-only (-o ro)",
				   action);
	return 0;
}

int api_nomem(struct call *c)
{
	return lay_err_set(c->err, -ENOMEM, "out of memory");
}

int api_item(struct call *c, const cJSON *o, const char *name, lay_item *out, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char *text;
	int rc;

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return api_invalid(c, "SerializationException", "%s must be a map of attributes",
				   name);
	if (!(text = cJSON_PrintUnformatted(v)))
		return api_nomem(c);
	rc = lay_json_parse(out, text, strlen(text), LAY_FMT_DDB, c->err);
	free(text);
	if (rc == -EINVAL) {
		char msg[LAY_ERR_MSG];

		const char *said;

		snprintf(msg, sizeof(msg), "%s", c->err->msg);
		c->type = "ValidationException";
		/* DynamoDB's opening first, once: the parser may have said it
		 * after the attribute's name (an empty set, duplicates) */
		if ((said = strstr(msg, INVALID)))
			lay_err_set(c->err, -EINVAL, INVALID "%.*s%s", (int)(said - msg), msg,
				    said + strlen(INVALID));
		else
			lay_err_set(c->err, -EINVAL, INVALID "%s", msg);
	}
	return rc;
}

int api_key(struct call *c, const cJSON *o, const char *name, const lay_schema *s,
	    lay_item *store, lay_key *out)
{
	int rc, present;
	lay_err e = { 0 };

	if ((rc = api_item(c, o, name, store, &present)) < 0)
		return rc;
	if (!present)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value null at '%s' failed to "
				   "satisfy constraint: Member must not be null", name);
	for (int i = 0; i < (s->sk[0] ? 2 : 1); i++) {
		const char *name = i ? s->sk : s->pk;
		const lay_attr *a = lay_item_find(store, name, strlen(name));

		if (a && a->v.len == 0 && (a->v.type == LAY_S || a->v.type == LAY_B))
			return api_invalid(c, "ValidationException",
					   "One or more parameter values are not valid. The "
					   "AttributeValue for a key attribute cannot contain an empty %s "
					   "value. Key: %s",
					   a->v.type == LAY_S ? "string" : "binary", name);
	}
	if (store->n != (s->sk[0] ? 2u : 1u) || lay_item_key(out, store, s, &e) < 0)
		return api_invalid(c, "ValidationException",
				   "The provided key element does not match the schema");
	return 0;
}

int api_item_json(lay_buf *b, const lay_item *it)
{
	if (lay_json_render(b, it, LAY_FMT_DDB) < 0)
		return -ENOMEM;
	b->p[--b->len] = '\0'; /* its newline */
	return 0;
}

int api_add_item(struct call *c, const lay_item *it)
{
	return api_item_json(c->out, it) < 0 ? api_nomem(c) : 0;
}

int api_close(struct call *c, size_t at)
{
	lay_buf *b = c->out;

	if (b->len > at + 1 && b->p[at + 1] == ',') {
		memmove(b->p + at + 1, b->p + at + 2, b->len - at - 2);
		b->len--;
	}
	return lay_buf_addc(b, '}') < 0 ? api_nomem(c) : 0;
}

int api_env(struct call *c, lay_item *names, lay_item *values, lay_expr_env *env)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(c->rq, "ExpressionAttributeNames");
	const cJSON *m;
	int rc;

	memset(env, 0, sizeof(*env));
	if (n) {
		if (!cJSON_IsObject(n))
			return api_invalid(c, "SerializationException", "%s must be a map of strings",
					   "ExpressionAttributeNames");
		cJSON_ArrayForEach(m, n)
			if (!cJSON_IsString(m))
				return api_invalid(c, "SerializationException",
						   "%s must be a map of strings",
						   "ExpressionAttributeNames");
		{
			char *text = cJSON_PrintUnformatted(n);

			if (!text)
				return api_nomem(c);
			rc = lay_json_parse(names, text, strlen(text), LAY_FMT_PLAIN, c->err);
			free(text);
			if (rc < 0) {
				c->type = "ValidationException";
				return rc;
			}
		}
	}
	if ((rc = api_item(c, c->rq, "ExpressionAttributeValues", values, NULL)) < 0)
		return rc;
	if ((rc = lay_expr_env_init(env, n ? names : NULL,
				    cJSON_GetObjectItemCaseSensitive(c->rq, "ExpressionAttributeValues")
					    ? values
					    : NULL,
				    c->err)) < 0)
		c->type = "ValidationException";
	return rc;
}

int api_expr(struct call *c, lay_expr_env *env, const char *name, lay_expr_kind kind,
	     lay_expr **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, name);
	int rc;

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return api_invalid(c, "SerializationException", "%s must be a string", name);
	if ((rc = lay_expr_parse(out, kind, v->valuestring, strlen(v->valuestring), env,
				 c->err)) < 0)
		c->type = "ValidationException";
	return rc;
}

int api_add_capacity(struct call *c, const char *table, double rcu, double wcu)
{
	if (lay_buf_adds(c->out, "{\"TableName\":") < 0 ||
	    lay_json_quote(c->out, table, strlen(table)) < 0 ||
	    lay_buf_addf(c->out, ",\"CapacityUnits\":%g", rcu + wcu) < 0 ||
	    (rcu > 0 && lay_buf_addf(c->out, ",\"ReadCapacityUnits\":%g", rcu) < 0) ||
	    (wcu > 0 && lay_buf_addf(c->out, ",\"WriteCapacityUnits\":%g", wcu) < 0) ||
	    lay_buf_adds(c->out, ",\"Table\":{") < 0 ||
	    lay_buf_addf(c->out, "\"CapacityUnits\":%g", rcu + wcu) < 0 ||
	    (rcu > 0 && lay_buf_addf(c->out, ",\"ReadCapacityUnits\":%g", rcu) < 0) ||
	    (wcu > 0 && lay_buf_addf(c->out, ",\"WriteCapacityUnits\":%g", wcu) < 0) ||
	    lay_buf_adds(c->out, "}}") < 0)
		return api_nomem(c);
	return 0;
}

/* ReturnConsumedCapacity, checked before any action reads or writes. */
static int consumed_check(struct call *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, "ReturnConsumedCapacity");

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return api_invalid(c, "SerializationException", "%s must be a string",
				   "ReturnConsumedCapacity");
	if (strcmp(v->valuestring, "TOTAL") != 0 && strcmp(v->valuestring, "INDEXES") != 0 &&
	    strcmp(v->valuestring, "NONE") != 0)
		return api_invalid(c, "ValidationException",
				   "1 validation error detected: Value '%s' at "
				   "'returnConsumedCapacity' failed to satisfy constraint: Member "
				   "must satisfy enum value set: [INDEXES, TOTAL, NONE]",
				   v->valuestring);
	return 0;
}

int api_add_consumed(struct call *c, const char *table, double rcu, double wcu)
{
	const char *r = api_str(c->rq, "ReturnConsumedCapacity");

	if (!r || strcmp(r, "NONE") == 0)
		return 0;
	if (lay_buf_adds(c->out, ",\"ConsumedCapacity\":") < 0)
		return api_nomem(c);
	return api_add_capacity(c, table, rcu, wcu);
}

/* 1 if a JSON string of the len bytes at p escapes U+0000 (\u0000). */
static int has_nul(const char *p, size_t len)
{
	const char *end = p + len;
	int in = 0;

	for (; p < end; p++) {
		if (*p == '"')
			in = !in;
		else if (in && *p == '\\' && p + 1 < end) {
			if (p[1] == 'u' && end - p >= 6 && memcmp(p + 2, "0000", 4) == 0)
				return 1;
			p++; /* the escaped character: \\ or \" is not an end */
		}
	}
	return 0;
}

/* Every action, by file. */
static const struct api_action *const lists[] = {
	api_job_actions,
	api_item_actions,
	api_stream_actions,
	api_table_actions,
	api_backup_actions,
	api_query_actions,
};

static const struct api_action *find_action(const char *name)
{
	const struct api_action *a;
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (a = lists[i]; a->name; a++)
			if (strcmp(a->name, name) == 0)
				return a;
	return NULL;
}

/* DynamoDB's error type for an errno, when the action named none. */
static const char *error_type(int rc, int *status)
{
	*status = 400;
	switch (rc) {
	case -ENOENT:
		return "ResourceNotFoundException";
	case -EEXIST:
		return "ResourceInUseException";
	case -EAGAIN:
		return "LimitExceededException";
	case -EINVAL:
	case -EFBIG:
	case -ENAMETOOLONG:
		return "ValidationException";
	case -EACCES:
	case -EPERM:
		return "AccessDeniedException";
	}
	*status = 500;
	return "InternalServerError";
}

int eng_api_call(eng_db *db, const eng_api_ctx *ctx, const char *action, const char *body,
		 size_t len, lay_buf *out)
{
	lay_err err = { 0 };
	struct call c = { .db = db, .ctx = ctx, .body = body, .len = len, .out = out, .err = &err };
	const struct api_action *a;
	cJSON *rq = cJSON_ParseWithLength(body, len);
	int status = 200, rc = -EINVAL;
	size_t at = out->len;

	if (!rq || !cJSON_IsObject(rq)) {
		c.type = "SerializationException";
		lay_err_set(&err, -EINVAL, rq ? "the request is not a JSON object"
					      : "the request is not valid JSON (UTF-8 text, escapes "
						"of whole characters)");
		goto fail;
	}
	if (has_nul(body, len)) {
		/* cJSON's strings end at one: refused, never cut short */
		c.type = "ValidationException";
		lay_err_set(&err, -EINVAL, "One or more parameter values were invalid: a string "
			    "holds U+0000 (\\u0000), which no string in ddbfs may hold");
		goto fail;
	}
	c.rq = rq;
	if (!action && !(action = api_str(rq, "Action"))) {
		c.type = "UnknownOperationException";
		lay_err_set(&err, -EINVAL, "the request names no Action");
		goto fail;
	}
	if (!(a = find_action(action))) {
		c.type = "UnknownOperationException";
		lay_err_set(&err, -EINVAL, "unknown operation %s", action);
		goto fail;
	}
	if ((rc = consumed_check(&c)) == 0 && (rc = a->fn(&c)) == 0)
		goto out;
fail:
	out->len = at;
	if (out->p)
		out->p[at] = '\0';
	{
		const char *type = c.type ? c.type : error_type(rc, &status);

		if (c.type)
			status = 400;
		/* the protocol's own errors are the service framework's, as DynamoDB
		 * names them; the rest are DynamoDB's */
		const char *ns = strcmp(type, "UnknownOperationException") == 0 ||
						 strcmp(type, "SerializationException") == 0
					 ? API_CORAL_PREFIX
					 : API_ERR_PREFIX;

		if (lay_buf_addf(out, "{\"__type\":\"%s%s\",\"message\":", ns, type) < 0 ||
		    lay_json_quote(out, err.msg, strlen(err.msg)) < 0 ||
		    (c.err_extra.len && lay_buf_add(out, c.err_extra.p, c.err_extra.len) < 0) ||
		    lay_buf_addc(out, '}') < 0)
			status = 500;
	}
out:
	lay_buf_free(&c.err_extra);
	cJSON_Delete(rq);
	return status;
}
