/* Requests in DynamoDB's API (SPEC §13, §14): one JSON request in, one
 * JSON response out, with DynamoDB's error types. The file front
 * (.ddbfs/api) and the HTTP front hand every request here; this turns it
 * into calls of the engine's face. Actions so far: the exports and
 * imports of §13. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/schema.h"
#include "job.h"
#include "store.h"

#define ERR_PREFIX "com.amazonaws.dynamodb.v20120810#"

/* A request being served. */
struct call {
	eng_db *db;
	const eng_api_ctx *ctx;
	const cJSON *rq;
	lay_buf *out;
	lay_err *err;
	const char *type;   /* the error's __type, when not the errno's */
};

static int invalid(struct call *c, const char *type, const char *fmt, const char *arg)
{
	c->type = type;
	return lay_err_set(c->err, -EINVAL, fmt, arg);
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A string member that must be there. */
static int need_str(struct call *c, const cJSON *o, const char *name, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return invalid(c, "ValidationException",
			       "1 validation error detected: Value null at '%s' failed to satisfy "
			       "constraint: Member must not be null", name);
	if (!cJSON_IsString(v))
		return invalid(c, "SerializationException", "%s must be a string", name);
	*out = v->valuestring;
	return 0;
}

/* A time in epoch seconds (a number, fractions allowed) as ns. */
static int get_time(struct call *c, const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble > 1e11)
		return invalid(c, "SerializationException", "%s must be a time in epoch seconds",
			       name);
	*out = (int64_t)llround(v->valuedouble * 1e3) * 1000000;
	return 0;
}

/* The table an ARN (arn:...:table/NAME) or a plain name names. */
static const char *table_of(const char *arn)
{
	const char *t = strstr(arn, ":table/");

	return t ? t + 7 : arn;
}

static int need_abs_dir(struct call *c, const char *name, const char *dir)
{
	if (dir[0] != '/')
		return invalid(c, "ValidationException",
			       "%s names a directory of this machine and must be an absolute path",
			       name);
	return 0;
}

/* A prefix as S3 keys hold it: no leading, trailing or doubled '/'. */
static void clean_prefix(char *out, size_t size, const char *p)
{
	size_t n = 0;

	for (; *p && n + 1 < size; p++)
		if (*p != '/' || (n && out[n - 1] != '/'))
			out[n++] = *p;
	while (n && out[n - 1] == '/')
		n--;
	out[n] = '\0';
}

static int export_table(struct call *c)
{
	const cJSON *rq = c->rq, *inc;
	store_export_req r = { .o = { .format = LAY_EXPORT_DDB } };
	const char *arn, *fmt, *type, *view;
	char prefix[1024];
	int rc;

	if ((rc = need_str(c, rq, "TableArn", &arn)) < 0 ||
	    (rc = need_str(c, rq, "S3Bucket", &r.o.dir)) < 0 ||
	    (rc = need_abs_dir(c, "S3Bucket", r.o.dir)) < 0 ||
	    (rc = get_time(c, rq, "ExportTime", &r.o.time_ns)) < 0)
		return rc;
	r.o.table = table_of(arn);
	if ((r.o.prefix = str(rq, "S3Prefix"))) {
		clean_prefix(prefix, sizeof(prefix), r.o.prefix);
		r.o.prefix = prefix[0] ? prefix : NULL;
	}
	r.client_token = str(rq, "ClientToken");
	if ((fmt = str(rq, "ExportFormat")) && strcmp(fmt, "DYNAMODB_JSON") != 0) {
		if (strcmp(fmt, "ION") != 0)
			return invalid(c, "ValidationException",
				       "ExportFormat %s is not one of DYNAMODB_JSON, ION", fmt);
		r.o.format = LAY_EXPORT_ION;
	}
	if ((type = str(rq, "ExportType")) && strcmp(type, "FULL_EXPORT") != 0) {
		if (strcmp(type, "INCREMENTAL_EXPORT") != 0)
			return invalid(c, "ValidationException",
				       "ExportType %s is not one of FULL_EXPORT, INCREMENTAL_EXPORT",
				       type);
		inc = cJSON_GetObjectItemCaseSensitive(rq, "IncrementalExportSpecification");
		if (!cJSON_IsObject(inc))
			return invalid(c, "ValidationException", "%s needs an "
				       "IncrementalExportSpecification", type);
		r.o.incremental = 1;
		if ((rc = get_time(c, inc, "ExportFromTime", &r.o.from_ns)) < 0 ||
		    (rc = get_time(c, inc, "ExportToTime", &r.o.to_ns)) < 0)
			return rc;
		if (!r.o.from_ns || !r.o.to_ns)
			return invalid(c, "ValidationException", "%s needs ExportFromTime and "
				       "ExportToTime", type);
		if ((view = str(inc, "ExportViewType")) && strcmp(view, "NEW_AND_OLD_IMAGES") != 0) {
			if (strcmp(view, "NEW_IMAGE") != 0)
				return invalid(c, "ValidationException", "ExportViewType %s is not one "
					       "of NEW_AND_OLD_IMAGES, NEW_IMAGE", view);
			r.o.new_image_only = 1;
		}
	}
	if ((rc = store_job_export(c->db, &r, c->out, c->err)) < 0) {
		if (strstr(c->err->msg, "point-in-time recovery off"))
			c->type = "PointInTimeRecoveryUnavailableException";
		else if (strstr(c->err->msg, "export time is outside"))
			c->type = "InvalidExportTimeException";
	}
	return rc;
}

/* KeySchema and AttributeDefinitions as "PK:T[,SK:T]". */
static int key_schema(struct call *c, const cJSON *tp, lay_schema *out)
{
	const cJSON *ks = cJSON_GetObjectItemCaseSensitive(tp, "KeySchema");
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(tp, "AttributeDefinitions");
	const cJSON *k, *d;
	char text[600] = "", *hash = NULL, *range = NULL;
	lay_buf b = LAY_BUF_INIT;
	int rc = 0;

	if (!cJSON_IsArray(ks) || !cJSON_IsArray(defs))
		return invalid(c, "ValidationException", "%s needs KeySchema and AttributeDefinitions",
			       "TableCreationParameters");
	cJSON_ArrayForEach(k, ks) {
		const char *name = str(k, "AttributeName"), *type = str(k, "KeyType");

		if (!name || !type)
			return invalid(c, "ValidationException", "a %s element needs AttributeName "
				       "and KeyType", "KeySchema");
		if (strcmp(type, "HASH") == 0 && !hash)
			hash = (char *)name;
		else if (strcmp(type, "RANGE") == 0 && !range)
			range = (char *)name;
		else
			return invalid(c, "ValidationException", "KeySchema has a bad or repeated "
				       "KeyType %s", type);
	}
	if (!hash)
		return invalid(c, "ValidationException", "%s has no HASH key", "KeySchema");
	for (int i = 0; i < 2; i++) {
		const char *name = i ? range : hash, *type = NULL;

		if (!name)
			break;
		cJSON_ArrayForEach(d, defs)
			if (str(d, "AttributeName") && strcmp(str(d, "AttributeName"), name) == 0)
				type = str(d, "AttributeType");
		if (!type)
			return invalid(c, "ValidationException", "key attribute %s has no "
				       "AttributeDefinitions entry", name);
		if (lay_buf_addf(&b, "%s%s:%s", i ? "," : "", name, type) < 0) {
			lay_buf_free(&b);
			return lay_err_set(c->err, -ENOMEM, "out of memory");
		}
	}
	if (b.len < sizeof(text))
		memcpy(text, b.p, b.len + 1);
	lay_buf_free(&b);
	if ((rc = lay_schema_parse(out, text, strlen(text), c->err)) < 0)
		c->type = "ValidationException";
	return rc;
}

static int import_table(struct call *c)
{
	const cJSON *rq = c->rq, *src, *tp, *opts, *csv, *hl, *h;
	store_import_req r = { .o = { 0 } };
	const char *fmt, *bucket, *delim;
	lay_buf path = LAY_BUF_INIT, header = LAY_BUF_INIT, one = LAY_BUF_INIT;
	lay_schema ks;
	int rc;

	if (c->ctx && c->ctx->read_only)
		return invalid(c, "ValidationException", "%s: the mount is read-only (-o ro)",
			       "ImportTable");
	src = cJSON_GetObjectItemCaseSensitive(rq, "S3BucketSource");
	if (!cJSON_IsObject(src))
		return invalid(c, "ValidationException",
			       "1 validation error detected: Value null at '%s' failed to satisfy "
			       "constraint: Member must not be null", "S3BucketSource");
	if ((rc = need_str(c, src, "S3Bucket", &bucket)) < 0 ||
	    (rc = need_abs_dir(c, "S3Bucket", bucket)) < 0 ||
	    (rc = need_str(c, rq, "InputFormat", &fmt)) < 0)
		return rc;
	if (strcmp(fmt, "DYNAMODB_JSON") == 0)
		r.o.format = ENG_IMPORT_DDB;
	else if (strcmp(fmt, "ION") == 0)
		r.o.format = ENG_IMPORT_ION;
	else if (strcmp(fmt, "CSV") == 0)
		r.o.format = ENG_IMPORT_CSV;
	else
		return invalid(c, "ValidationException",
			       "InputFormat %s is not one of CSV, DYNAMODB_JSON, ION", fmt);
	r.bucket = bucket;
	r.key_prefix = str(src, "S3KeyPrefix");
	r.client_token = str(rq, "ClientToken");
	if (lay_buf_adds(&path, bucket) < 0 ||
	    (r.key_prefix && r.key_prefix[0] &&
	     (lay_buf_addc(&path, '/') < 0 || lay_buf_adds(&path, r.key_prefix) < 0))) {
		rc = lay_err_set(c->err, -ENOMEM, "out of memory");
		goto out;
	}
	if (r.key_prefix && strstr(r.key_prefix, "..")) {
		rc = invalid(c, "ValidationException", "S3KeyPrefix %s must not hold \"..\"",
			     r.key_prefix);
		goto out;
	}
	r.o.src = path.p;
	opts = cJSON_GetObjectItemCaseSensitive(rq, "InputFormatOptions");
	csv = opts ? cJSON_GetObjectItemCaseSensitive(opts, "Csv") : NULL;
	if (csv) {
		if ((delim = str(csv, "Delimiter"))) {
			if (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n' ||
			    delim[0] == '\r') {
				rc = invalid(c, "ValidationException",
					     "Delimiter %s must be one character, not a quote or "
					     "newline", delim);
				goto out;
			}
			r.o.csv_delim = delim[0];
		}
		hl = cJSON_GetObjectItemCaseSensitive(csv, "HeaderList");
		cJSON_ArrayForEach(h, hl) {
			if (!cJSON_IsString(h) || strchr(h->valuestring, ',') ||
			    (header.len && lay_buf_addc(&header, ',') < 0) ||
			    lay_buf_adds(&header, h->valuestring) < 0) {
				rc = invalid(c, "ValidationException",
					     "%s must hold names without commas", "HeaderList");
				goto out;
			}
		}
		if (header.len)
			r.o.csv_header = header.p;
	}
	tp = cJSON_GetObjectItemCaseSensitive(rq, "TableCreationParameters");
	if ((r.o.table = str(rq, "DdbfsTargetTable"))) {
		if (tp) {
			rc = invalid(c, "ValidationException", "%s and TableCreationParameters "
				     "exclude each other", "DdbfsTargetTable");
			goto out;
		}
		r.source = c->ctx ? c->ctx->source : ENG_SRC_API;
		r.into = 1;
	} else {
		if (!cJSON_IsObject(tp)) {
			rc = invalid(c, "ValidationException",
				     "1 validation error detected: Value null at '%s' failed to "
				     "satisfy constraint: Member must not be null",
				     "TableCreationParameters");
			goto out;
		}
		if ((rc = need_str(c, tp, "TableName", &r.o.table)) < 0 ||
		    (rc = key_schema(c, tp, &ks)) < 0)
			goto out;
		r.o.schema = &ks;
	}
	if ((r.o.one_file = str(rq, "DdbfsFile")) && r.o.one_file[0] != '/') {
		/* a file of the bucket */
		if (lay_buf_adds(&one, bucket) < 0 || lay_buf_addc(&one, '/') < 0 ||
		    lay_buf_adds(&one, r.o.one_file) < 0) {
			rc = lay_err_set(c->err, -ENOMEM, "out of memory");
			goto out;
		}
		r.o.one_file = one.p;
	}
	if ((rc = store_job_import(c->db, &r, c->out, c->err)) == -EEXIST)
		c->type = "ResourceInUseException";
out:
	lay_buf_free(&path);
	lay_buf_free(&header);
	lay_buf_free(&one);
	return rc;
}

/* DdbfsWaitMs: a Describe* of a running job waits up to this long (at
 * most 2 s) for it to finish, so a follower learns of the end at once. */
static int wait_ms(struct call *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->rq, "DdbfsWaitMs");

	if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
		return 0;
	return v->valuedouble > 2000 ? 2000 : (int)v->valuedouble;
}

static int describe_export(struct call *c)
{
	const char *arn;
	int rc;

	if ((rc = need_str(c, c->rq, "ExportArn", &arn)) < 0)
		return rc;
	if ((rc = store_job_describe(c->db, 0, arn, wait_ms(c), c->out, c->err)) == -ENOENT)
		c->type = "ExportNotFoundException";
	return rc;
}

static int describe_import(struct call *c)
{
	const char *arn;
	int rc;

	if ((rc = need_str(c, c->rq, "ImportArn", &arn)) < 0)
		return rc;
	if ((rc = store_job_describe(c->db, 1, arn, wait_ms(c), c->out, c->err)) == -ENOENT)
		c->type = "ImportNotFoundException";
	return rc;
}

static int list_exports(struct call *c)
{
	const char *t = str(c->rq, "TableArn");

	return store_job_list(c->db, 0, t ? table_of(t) : NULL, c->out, c->err);
}

static int list_imports(struct call *c)
{
	const char *t = str(c->rq, "TableArn");

	return store_job_list(c->db, 1, t ? table_of(t) : NULL, c->out, c->err);
}

static const struct {
	const char *name;
	int (*fn)(struct call *c);
} actions[] = {
	{ "ExportTableToPointInTime", export_table },
	{ "DescribeExport", describe_export },
	{ "ListExports", list_exports },
	{ "ImportTable", import_table },
	{ "DescribeImport", describe_import },
	{ "ListImports", list_imports },
};

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
	struct call c = { .db = db, .ctx = ctx, .out = out, .err = &err };
	cJSON *rq = cJSON_ParseWithLength(body, len);
	int status = 200, rc = -EINVAL;
	size_t i, at = out->len;

	if (!rq || !cJSON_IsObject(rq)) {
		c.type = "SerializationException";
		lay_err_set(&err, -EINVAL, "the request is not a JSON object");
		goto fail;
	}
	c.rq = rq;
	if (!action && !(action = str(rq, "Action"))) {
		c.type = "UnknownOperationException";
		lay_err_set(&err, -EINVAL, "the request names no Action");
		goto fail;
	}
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, action) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0])) {
		c.type = "UnknownOperationException";
		lay_err_set(&err, -EINVAL, "unknown operation %s", action);
		goto fail;
	}
	if ((rc = actions[i].fn(&c)) == 0)
		goto out;
fail:
	out->len = at;
	{
		const char *type = c.type ? c.type : error_type(rc, &status);

		if (c.type)
			status = 400;
		if (lay_buf_addf(out, "{\"__type\":\"" ERR_PREFIX "%s\",\"message\":", type) < 0 ||
		    lay_json_quote(out, err.msg, strlen(err.msg)) < 0 || lay_buf_addc(out, '}') < 0)
			status = 500;
	}
out:
	cJSON_Delete(rq);
	return status;
}
