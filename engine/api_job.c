/* The actions of exports and imports (SPEC §13): they start jobs (job.c)
 * and describe and list them. */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/schema.h"
#include "apicall.h"
#include "job.h"
#include "store.h"

static int need_abs_dir(struct call *c, const char *name, const char *dir)
{
	if (dir[0] != '/')
		return api_invalid(c, "ValidationException",
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

	if ((rc = api_need_str(c, rq, "TableArn", &arn)) < 0 ||
	    (rc = api_need_str(c, rq, "S3Bucket", &r.o.dir)) < 0 ||
	    (rc = need_abs_dir(c, "S3Bucket", r.o.dir)) < 0 ||
	    (rc = api_get_time(c, rq, "ExportTime", &r.o.time_ns)) < 0)
		return rc;
	r.o.table = api_table_of(arn);
	if ((r.o.prefix = api_str(rq, "S3Prefix"))) {
		clean_prefix(prefix, sizeof(prefix), r.o.prefix);
		r.o.prefix = prefix[0] ? prefix : NULL;
	}
	r.client_token = api_str(rq, "ClientToken");
	if ((fmt = api_str(rq, "ExportFormat")) && strcmp(fmt, "DYNAMODB_JSON") != 0) {
		if (strcmp(fmt, "ION") != 0)
			return api_invalid(c, "ValidationException",
				       "ExportFormat %s is not one of DYNAMODB_JSON, ION", fmt);
		r.o.format = LAY_EXPORT_ION;
	}
	if ((type = api_str(rq, "ExportType")) && strcmp(type, "FULL_EXPORT") != 0) {
		if (strcmp(type, "INCREMENTAL_EXPORT") != 0)
			return api_invalid(c, "ValidationException",
				       "ExportType %s is not one of FULL_EXPORT, INCREMENTAL_EXPORT",
				       type);
		inc = cJSON_GetObjectItemCaseSensitive(rq, "IncrementalExportSpecification");
		if (!cJSON_IsObject(inc))
			return api_invalid(c, "ValidationException", "%s needs an "
				       "IncrementalExportSpecification", type);
		r.o.incremental = 1;
		if ((rc = api_get_time(c, inc, "ExportFromTime", &r.o.from_ns)) < 0 ||
		    (rc = api_get_time(c, inc, "ExportToTime", &r.o.to_ns)) < 0)
			return rc;
		if (!r.o.from_ns || !r.o.to_ns)
			return api_invalid(c, "ValidationException", "%s needs ExportFromTime and "
				       "ExportToTime", type);
		if ((view = api_str(inc, "ExportViewType")) && strcmp(view, "NEW_AND_OLD_IMAGES") != 0) {
			if (strcmp(view, "NEW_IMAGE") != 0)
				return api_invalid(c, "ValidationException", "ExportViewType %s is not one "
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
		return api_invalid(c, "ValidationException", "%s needs KeySchema and AttributeDefinitions",
			       "TableCreationParameters");
	cJSON_ArrayForEach(k, ks) {
		const char *name = api_str(k, "AttributeName"), *type = api_str(k, "KeyType");

		if (!name || !type)
			return api_invalid(c, "ValidationException", "a %s element needs AttributeName "
				       "and KeyType", "KeySchema");
		if (strcmp(type, "HASH") == 0 && !hash)
			hash = (char *)name;
		else if (strcmp(type, "RANGE") == 0 && !range)
			range = (char *)name;
		else
			return api_invalid(c, "ValidationException", "KeySchema has a bad or repeated "
				       "KeyType %s", type);
	}
	if (!hash)
		return api_invalid(c, "ValidationException", "%s has no HASH key", "KeySchema");
	for (int i = 0; i < 2; i++) {
		const char *name = i ? range : hash, *type = NULL;

		if (!name)
			break;
		cJSON_ArrayForEach(d, defs)
			if (api_str(d, "AttributeName") && strcmp(api_str(d, "AttributeName"), name) == 0)
				type = api_str(d, "AttributeType");
		if (!type)
			return api_invalid(c, "ValidationException", "key attribute %s has no "
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

	if ((rc = api_writable(c, "ImportTable")) < 0)
		return rc;
	src = cJSON_GetObjectItemCaseSensitive(rq, "S3BucketSource");
	if (!cJSON_IsObject(src))
		return api_invalid(c, "ValidationException",
			       "1 validation error detected: Value null at '%s' failed to satisfy "
			       "constraint: Member must not be null", "S3BucketSource");
	if ((rc = api_need_str(c, src, "S3Bucket", &bucket)) < 0 ||
	    (rc = need_abs_dir(c, "S3Bucket", bucket)) < 0 ||
	    (rc = api_need_str(c, rq, "InputFormat", &fmt)) < 0)
		return rc;
	if (strcmp(fmt, "DYNAMODB_JSON") == 0)
		r.o.format = ENG_IMPORT_DDB;
	else if (strcmp(fmt, "ION") == 0)
		r.o.format = ENG_IMPORT_ION;
	else if (strcmp(fmt, "CSV") == 0)
		r.o.format = ENG_IMPORT_CSV;
	else
		return api_invalid(c, "ValidationException",
			       "InputFormat %s is not one of CSV, DYNAMODB_JSON, ION", fmt);
	r.bucket = bucket;
	r.key_prefix = api_str(src, "S3KeyPrefix");
	r.client_token = api_str(rq, "ClientToken");
	if (lay_buf_adds(&path, bucket) < 0 ||
	    (r.key_prefix && r.key_prefix[0] &&
	     (lay_buf_addc(&path, '/') < 0 || lay_buf_adds(&path, r.key_prefix) < 0))) {
		rc = lay_err_set(c->err, -ENOMEM, "out of memory");
		goto out;
	}
	if (r.key_prefix && strstr(r.key_prefix, "..")) {
		rc = api_invalid(c, "ValidationException", "S3KeyPrefix %s must not hold \"..\"",
			     r.key_prefix);
		goto out;
	}
	r.o.src = path.p;
	opts = cJSON_GetObjectItemCaseSensitive(rq, "InputFormatOptions");
	csv = opts ? cJSON_GetObjectItemCaseSensitive(opts, "Csv") : NULL;
	if (csv) {
		if ((delim = api_str(csv, "Delimiter"))) {
			if (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n' ||
			    delim[0] == '\r') {
				rc = api_invalid(c, "ValidationException",
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
				rc = api_invalid(c, "ValidationException",
					     "%s must hold names without commas", "HeaderList");
				goto out;
			}
		}
		if (header.len)
			r.o.csv_header = header.p;
	}
	tp = cJSON_GetObjectItemCaseSensitive(rq, "TableCreationParameters");
	if ((r.o.table = api_str(rq, "DdbfsTargetTable"))) {
		if (tp) {
			rc = api_invalid(c, "ValidationException", "%s and TableCreationParameters "
				     "exclude each other", "DdbfsTargetTable");
			goto out;
		}
		r.source = c->ctx ? c->ctx->source : ENG_SRC_API;
		r.into = 1;
	} else {
		if (!cJSON_IsObject(tp)) {
			rc = api_invalid(c, "ValidationException",
				     "1 validation error detected: Value null at '%s' failed to "
				     "satisfy constraint: Member must not be null",
				     "TableCreationParameters");
			goto out;
		}
		if ((rc = api_need_str(c, tp, "TableName", &r.o.table)) < 0 ||
		    (rc = key_schema(c, tp, &ks)) < 0)
			goto out;
		r.o.schema = &ks;
	}
	if ((r.o.one_file = api_str(rq, "DdbfsFile")) && r.o.one_file[0] != '/') {
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

	if ((rc = api_need_str(c, c->rq, "ExportArn", &arn)) < 0)
		return rc;
	if ((rc = store_job_describe(c->db, 0, arn, wait_ms(c), c->out, c->err)) == -ENOENT)
		c->type = "ExportNotFoundException";
	return rc;
}

static int describe_import(struct call *c)
{
	const char *arn;
	int rc;

	if ((rc = api_need_str(c, c->rq, "ImportArn", &arn)) < 0)
		return rc;
	if ((rc = store_job_describe(c->db, 1, arn, wait_ms(c), c->out, c->err)) == -ENOENT)
		c->type = "ImportNotFoundException";
	return rc;
}

static int list_exports(struct call *c)
{
	const char *t = api_str(c->rq, "TableArn");

	return store_job_list(c->db, 0, t ? api_table_of(t) : NULL, c->out, c->err);
}

static int list_imports(struct call *c)
{
	const char *t = api_str(c->rq, "TableArn");

	return store_job_list(c->db, 1, t ? api_table_of(t) : NULL, c->out, c->err);
}

const struct api_action api_job_actions[] = {
	{ "ExportTableToPointInTime", export_table },
	{ "DescribeExport", describe_export },
	{ "ListExports", list_exports },
	{ "ImportTable", import_table },
	{ "DescribeImport", describe_import },
	{ "ListImports", list_imports },
	{ NULL, NULL },
};
