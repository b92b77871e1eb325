/* Requests in DynamoDB's API (SPEC §13, §14): one JSON request in, one
 * JSON response out, with DynamoDB's error types. Every front (.ddbfs/api,
 * `ddbfs api`, the HTTP endpoint) hands its requests here; this finds the
 * action and turns DynamoDB's errors into their shape. The actions live
 * in api_*.c by kind. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apicall.h"

int api_invalid(struct call *c, const char *type, const char *fmt, const char *arg)
{
	c->type = type;
	return lay_err_set(c->err, -EINVAL, fmt, arg);
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
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble > 1e11)
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

/* Every action, by file. */
static const struct api_action *const lists[] = {
	api_job_actions,
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
		lay_err_set(&err, -EINVAL, "the request is not a JSON object");
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
	if ((rc = a->fn(&c)) == 0)
		goto out;
fail:
	out->len = at;
	{
		const char *type = c.type ? c.type : error_type(rc, &status);

		if (c.type)
			status = 400;
		if (lay_buf_addf(out, "{\"__type\":\"" API_ERR_PREFIX "%s\",\"message\":", type) < 0 ||
		    lay_json_quote(out, err.msg, strlen(err.msg)) < 0 || lay_buf_addc(out, '}') < 0)
			status = 500;
	}
out:
	cJSON_Delete(rq);
	return status;
}
