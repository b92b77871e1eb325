/* Private to engine/: exports and imports running in their own threads,
 * as DynamoDB runs them, followed by Describe* and List* (api.c). */
#ifndef ENG_JOB_H
#define ENG_JOB_H

#include "engine.h"

struct store_jobs;

int store_jobs_open(eng_db *db);
/* Stop every running job (it fails with -ECANCELED) and wait for it. */
void store_jobs_close(eng_db *db);

typedef struct store_export_req {
	eng_export_opts o;         /* strings copied */
	const char *client_token;  /* may be NULL */
} store_export_req;

typedef struct store_import_req {
	eng_import_opts o;         /* strings copied; schema copied */
	const char *client_token;
	const char *bucket, *key_prefix; /* as the request named them */
	int into;                  /* into the existing table o.table */
	eng_source source;         /* then: whose puts they are */
} store_import_req;

/* Start an export or import; out gets its ...Description, as the
 * starting request answers. Errors: those of the checks made before it
 * starts (eng_export_check, eng_import_check), -ENOMEM, -EAGAIN. */
int store_job_export(eng_db *db, const store_export_req *r, lay_buf *out, lay_err *err);
int store_job_import(eng_db *db, const store_import_req *r, lay_buf *out, lay_err *err);

/* Describe one by its ARN or id: {"ExportDescription":{...}} or
 * {"ImportTableDescription":{...}}; one still running is first waited
 * for, up to wait_ms. -ENOENT. */
int store_job_describe(eng_db *db, int import, const char *arn, int wait_ms, lay_buf *out,
		       lay_err *err);

/* List them: {"ExportSummaries":[...]} or {"ImportSummaryList":[...]},
 * of table (NULL: all). */
int store_job_list(eng_db *db, int import, const char *table, lay_buf *out, lay_err *err);

#endif
