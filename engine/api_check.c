/* DynamoDB's checks of a request's members (SPEC §14): each member read
 * with its type, and its constraint failures told together in DynamoDB's
 * words ("2 validation errors detected: Value 'a!' at 'tableName' failed
 * to satisfy constraint: ..."), for every action's file. */
#include "api_check.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

/* Fail c with error type and a formatted message. */
int api_fail(struct call *c, const char *type, const char *fmt, ...)
{
	char msg[LAY_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->type = type;
	return lay_err_set(c->err, -EINVAL, "%s", msg);
}

/* value: the member's text as DynamoDB quotes it (NULL: null). */
void api_check_fail(struct api_checks *k, const char *value, const char *path,
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

int api_checks_done(struct api_checks *k)
{
	int rc = 0;

	if (k->n)
		rc = api_fail(k->c, "ValidationException", "%d validation error%s detected: %s",
			      k->n, k->n > 1 ? "s" : "", k->msg.p ? k->msg.p : "");
	lay_buf_free(&k->msg);
	return rc;
}

/* Member name of o as a string: *out (NULL when absent; a null when
 * required). A member of another type is a SerializationException. */
int api_get_str(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		int required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			api_check_fail(k, NULL, path, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsString(v))
		return api_fail(k->c, "SerializationException", "%s must be a string", name);
	*out = v->valuestring;
	return 0;
}

/* A boolean member: *out 0 or 1, or -1 when absent. */
int api_get_bool(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		 int required, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = -1;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			api_check_fail(k, NULL, path, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsBool(v))
		return api_fail(k->c, "SerializationException", "%s must be a boolean", name);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A whole number member within [min, max]: *out, or -1 when absent. */
int api_get_long(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		 int required, double min, double max, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char text[64], rule[96];

	*out = -1;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			api_check_fail(k, NULL, path, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 9e18)
		return api_fail(k->c, "SerializationException", "%s must be a whole number", name);
	snprintf(text, sizeof(text), "%.0f", v->valuedouble);
	if (v->valuedouble < min) {
		snprintf(rule, sizeof(rule), "Member must have value greater than or equal to %.0f",
			 min);
		api_check_fail(k, text, path, rule);
	} else if (v->valuedouble > max) {
		snprintf(rule, sizeof(rule), "Member must have value less than or equal to %.0f",
			 max);
		api_check_fail(k, text, path, rule);
	}
	*out = (int64_t)v->valuedouble;
	return 0;
}

/* s, when set, is one of the NULL-terminated values (their list in the
 * message as "[A, B]"). */
void api_check_enum(struct api_checks *k, const char *s, const char *path,
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
	api_check_fail(k, s, path, rule);
}

/* A table's or a backup's name: 3 to 255 of [a-zA-Z0-9_.-]. */
void api_check_name(struct api_checks *k, const char *s, const char *path)
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
		api_check_fail(k, s, path,
			       "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
	if (n < 3)
		api_check_fail(k, s, path, "Member must have length greater than or equal to 3");
	else if (n > 255)
		api_check_fail(k, s, path, "Member must have length less than or equal to 255");
}

/* Member name of the request, a table's name or ARN (required): the name,
 * checked. path is the member as DynamoDB's messages name it. */
int api_get_table(struct api_checks *k, const char *name, const char *path, const char **out)
{
	int rc;

	if ((rc = api_get_str(k, k->c->rq, name, path, 1, out)) < 0)
		return rc;
	if (*out) {
		*out = api_table_of(*out);
		api_check_name(k, *out, path);
	}
	return 0;
}

/* A list member: *n its elements' count, or -1 when absent. */
int api_get_list(struct api_checks *k, const cJSON *o, const char *name, const cJSON **out, int *n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	*n = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return api_fail(k->c, "SerializationException", "%s must be a list", name);
	*out = v;
	*n = cJSON_GetArraySize(v);
	return 0;
}

int api_schema(struct call *c, const char *table, lay_schema *out)
{
	struct api_checks k = API_CHECKS_INIT(c);
	store_table t;
	lay_err e = { 0 };
	int rc;

	api_check_name(&k, api_table_of(table), "tableName");
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	if ((rc = store_table_peek(c->db, api_table_of(table), 0, &t, NULL, &e)) < 0) {
		if (rc != -ENOENT) {
			*c->err = e;
			return rc;
		}
		c->type = "ResourceNotFoundException";
		return lay_err_set(c->err, -ENOENT, "Requested resource not found");
	}
	*out = t.schema;
	return 0;
}

int api_table_only(struct call *c, const char **name)
{
	struct api_checks k = API_CHECKS_INIT(c);
	int rc;

	if ((rc = api_get_table(&k, "TableName", "tableName", name)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	return api_checks_done(&k);
}
