/* Exports and imports as DynamoDB runs them: each in its own thread,
 * started by a request that answers at once (IN_PROGRESS), followed by
 * Describe* until COMPLETED or FAILED. A finished job's description is
 * kept in DATA_DIR/exports/<id>.json or imports/<id>.json, so it is still
 * described after a restart.
 *
 * Lock order: jobs->mu is a leaf; no engine call is made with it held. */
#include "job.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../layout/json.h"
#include "../layout/schema.h"
#include "store.h"

/* At most this many jobs run at once, as DynamoDB limits concurrent exports. */
#define MAX_RUNNING 8

struct job {
	struct job *next;
	eng_db *db;
	int import;
	pthread_t thread;
	_Atomic int done;
	int rc;
	lay_err err;
	eng_progress prog;
	char table_arn[400];
	uint32_t table_id;
	char *token;
	/* export */
	eng_export_opts xo;
	eng_export_result xr;
	/* import */
	eng_import_opts io;
	eng_import_result ir;
	lay_schema schema;
	eng_req req;               /* an import into a table: whose puts */
	int into;
	char *bucket, *key_prefix;
	/* strings the options point into */
	char *s[4];
};

struct store_jobs {
	pthread_mutex_t mu;
	pthread_cond_t done;  /* broadcast when a job is done */
	struct job *list;
};

int store_jobs_open(eng_db *db)
{
	struct store_jobs *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	pthread_condattr_t ca;

	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->done, &ca);
	pthread_condattr_destroy(&ca);
	db->jobs = j;
	return 0;
}

static void job_free(struct job *jb)
{
	int i;

	for (i = 0; i < 4; i++)
		free(jb->s[i]);
	free(jb->token);
	free(jb->bucket);
	free(jb->key_prefix);
	free(jb);
}

void store_jobs_close(eng_db *db)
{
	struct store_jobs *j = db->jobs;
	struct job *jb, *next;

	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	for (jb = j->list; jb; jb = jb->next)
		jb->prog.cancel = 1;
	pthread_mutex_unlock(&j->mu);
	for (jb = j->list; jb; jb = next) {
		next = jb->next;
		pthread_join(jb->thread, NULL);
		job_free(jb);
	}
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->done);
	free(j);
	db->jobs = NULL;
}

/* ---- descriptions ---- */

static int add_time(lay_buf *o, const char *name, int64_t ns)
{
	if (!ns)
		return 0;
	return lay_buf_addf(o, ",\"%s\":%" PRId64 ".%03d", name, ns / 1000000000,
			    (int)(ns / 1000000 % 1000));
}

static int add_str(lay_buf *o, const char *name, const char *s)
{
	if (!s)
		return 0;
	return lay_buf_addf(o, ",\"%s\":", name) || lay_json_quote(o, s, strlen(s));
}

static const char *status(const struct job *jb)
{
	if (!jb->done)
		return "IN_PROGRESS";
	return jb->rc < 0 ? "FAILED" : "COMPLETED";
}

static int add_failure(lay_buf *o, const struct job *jb)
{
	if (!jb->done || jb->rc >= 0)
		return 0;
	return add_str(o, "FailureCode", lay_errno_name(jb->rc)) ||
	       add_str(o, "FailureMessage", jb->err.msg);
}

static int add_progress(lay_buf *o, const struct job *jb)
{
	return lay_buf_addf(o, ",\"Progress\":{\"Items\":%" PRIu64 ",\"Bytes\":%" PRIu64
			       ",\"TotalItems\":%" PRIu64 ",\"TotalBytes\":%" PRIu64 "}",
			    (uint64_t)jb->prog.items, (uint64_t)jb->prog.bytes,
			    (uint64_t)jb->prog.total_items, (uint64_t)jb->prog.total_bytes);
}

static int describe_export(lay_buf *o, const struct job *jb)
{
	const eng_export_opts *x = &jb->xo;
	const eng_export_result *r = &jb->xr;
	char key[1300];
	int rc;

	snprintf(key, sizeof(key), "%s%sAWSDynamoDB/%s/manifest-summary.json",
		 x->prefix ? x->prefix : "", x->prefix ? "/" : "", r->id);
	rc = lay_buf_adds(o, "{\"ExportArn\":") || lay_json_quote(o, r->arn, strlen(r->arn)) ||
	     lay_buf_addf(o, ",\"ExportStatus\":\"%s\"", status(jb)) ||
	     add_time(o, "StartTime", r->start_ns) || add_time(o, "EndTime", jb->done ? r->end_ns : 0) ||
	     add_str(o, "ExportManifest", jb->done && jb->rc == 0 ? key : NULL) ||
	     add_str(o, "TableArn", jb->table_arn) ||
	     lay_buf_addf(o, ",\"TableId\":\"00000000-0000-4000-8000-%012x\"", jb->table_id) ||
	     add_time(o, "ExportTime", r->export_ns) || add_str(o, "ClientToken", jb->token) ||
	     add_str(o, "S3Bucket", x->dir) || add_str(o, "S3Prefix", x->prefix) ||
	     add_failure(o, jb) ||
	     lay_buf_addf(o, ",\"ExportFormat\":\"%s\",\"BilledSizeBytes\":%" PRIu64
			     ",\"ItemCount\":%" PRIu64 ",\"ExportType\":\"%s\"",
			  lay_export_format_name(x->format), r->bytes, r->items,
			  x->incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
	if (!rc && x->incremental)
		rc = lay_buf_adds(o, ",\"IncrementalExportSpecification\":{") ||
		     lay_buf_addf(o, "\"ExportFromTime\":%" PRId64 ".%03d,\"ExportToTime\":%" PRId64
				     ".%03d,\"ExportViewType\":\"%s\"}",
				  x->from_ns / 1000000000, (int)(x->from_ns / 1000000 % 1000),
				  x->to_ns / 1000000000, (int)(x->to_ns / 1000000 % 1000),
				  x->new_image_only ? "NEW_IMAGE" : "NEW_AND_OLD_IMAGES");
	rc = rc || lay_buf_adds(o, ",\"Ddbfs\":{") || lay_buf_adds(o, "\"Path\":") ||
	     lay_json_quote(o, r->path, strlen(r->path)) ||
	     lay_buf_addf(o, ",\"Files\":%" PRIu64, r->files) || add_progress(o, jb) ||
	     lay_buf_adds(o, "}}");
	return rc ? -ENOMEM : 0;
}

static const char *format_name(eng_import_format f)
{
	return f == ENG_IMPORT_CSV ? "CSV" : f == ENG_IMPORT_ION ? "ION" : "DYNAMODB_JSON";
}

static int describe_import(lay_buf *o, const struct job *jb)
{
	const eng_import_opts *x = &jb->io;
	const eng_import_result *r = &jb->ir;
	int rc;

	rc = lay_buf_adds(o, "{\"ImportArn\":") || lay_json_quote(o, r->arn, strlen(r->arn)) ||
	     lay_buf_addf(o, ",\"ImportStatus\":\"%s\"", status(jb)) ||
	     add_str(o, "TableArn", jb->table_arn) ||
	     lay_buf_addf(o, ",\"TableId\":\"00000000-0000-4000-8000-%012x\"", jb->table_id) ||
	     add_str(o, "ClientToken", jb->token) || lay_buf_adds(o, ",\"S3BucketSource\":{") ||
	     lay_buf_adds(o, "\"S3Bucket\":") ||
	     lay_json_quote(o, jb->bucket, strlen(jb->bucket)) ||
	     add_str(o, "S3KeyPrefix", jb->key_prefix) || lay_buf_addc(o, '}') ||
	     lay_buf_addf(o, ",\"ErrorCount\":%" PRIu64 ",\"InputFormat\":\"%s\"", r->errors,
			  format_name(x->format));
	if (!rc && x->format == ENG_IMPORT_CSV) {
		char d[2] = { x->csv_delim ? x->csv_delim : ',', 0 };

		rc = lay_buf_adds(o, ",\"InputFormatOptions\":{\"Csv\":{\"Delimiter\":") ||
		     lay_json_quote(o, d, 1);
		if (!rc && x->csv_header) {
			const char *p = x->csv_header, *c;

			rc = lay_buf_adds(o, ",\"HeaderList\":[");
			for (; !rc; p = c + 1) {
				c = strchr(p, ',');
				rc = (p != x->csv_header && lay_buf_addc(o, ',')) ||
				     lay_json_quote(o, p, c ? (size_t)(c - p) : strlen(p));
				if (!c)
					break;
			}
			rc = rc || lay_buf_addc(o, ']');
		}
		rc = rc || lay_buf_adds(o, "}}");
	}
	if (!rc && x->schema) {
		const lay_schema *ks = x->schema;

		rc = lay_buf_adds(o, ",\"TableCreationParameters\":{\"TableName\":") ||
		     lay_json_quote(o, x->table, strlen(x->table)) ||
		     lay_buf_adds(o, ",\"KeySchema\":[{\"AttributeName\":") ||
		     lay_json_quote(o, ks->pk, strlen(ks->pk)) ||
		     lay_buf_adds(o, ",\"KeyType\":\"HASH\"}");
		if (!rc && ks->sk_type)
			rc = lay_buf_adds(o, ",{\"AttributeName\":") ||
			     lay_json_quote(o, ks->sk, strlen(ks->sk)) ||
			     lay_buf_adds(o, ",\"KeyType\":\"RANGE\"}");
		rc = rc || lay_buf_adds(o, "],\"AttributeDefinitions\":[{\"AttributeName\":") ||
		     lay_json_quote(o, ks->pk, strlen(ks->pk)) ||
		     lay_buf_addf(o, ",\"AttributeType\":\"%s\"}", lay_type_name(ks->pk_type));
		if (!rc && ks->sk_type)
			rc = lay_buf_adds(o, ",{\"AttributeName\":") ||
			     lay_json_quote(o, ks->sk, strlen(ks->sk)) ||
			     lay_buf_addf(o, ",\"AttributeType\":\"%s\"}", lay_type_name(ks->sk_type));
		rc = rc || lay_buf_adds(o, "],\"BillingMode\":\"PAY_PER_REQUEST\"}");
	}
	rc = rc || add_time(o, "StartTime", r->start_ns) ||
	     add_time(o, "EndTime", jb->done ? r->end_ns : 0) ||
	     lay_buf_addf(o, ",\"ProcessedSizeBytes\":%" PRIu64 ",\"ProcessedItemCount\":%" PRIu64
			     ",\"ImportedItemCount\":%" PRIu64,
			  r->processed_bytes, r->processed_items, r->imported_items) ||
	     add_failure(o, jb) || lay_buf_adds(o, ",\"Ddbfs\":{\"Log\":") ||
	     lay_json_quote(o, r->log, strlen(r->log)) ||
	     lay_buf_addf(o, ",\"TableCreated\":%s", r->table_created ? "true" : "false") ||
	     lay_buf_adds(o, ",\"FirstErrors\":") ||
	     lay_json_quote(o, r->first_errors, strlen(r->first_errors)) ||
	     add_progress(o, jb) || lay_buf_adds(o, "}}");
	return rc ? -ENOMEM : 0;
}

static int describe(lay_buf *o, const struct job *jb)
{
	if (jb->import)
		return lay_buf_adds(o, "{\"ImportTableDescription\":") || describe_import(o, jb) ||
		       lay_buf_adds(o, "}") ? -ENOMEM : 0;
	return lay_buf_adds(o, "{\"ExportDescription\":") || describe_export(o, jb) ||
	       lay_buf_adds(o, "}") ? -ENOMEM : 0;
}

/* Keep a finished job's description in DATA_DIR/exports or imports. */
static void persist(const struct job *jb)
{
	const char *kind = jb->import ? "imports" : "exports";
	const char *id = jb->import ? jb->ir.id : jb->xr.id;
	lay_buf d = LAY_BUF_INIT;
	char path[4400], tmp[4500];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", jb->db->dir, kind);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s.json", jb->db->dir, kind, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (describe(&d, jb) == 0 && lay_buf_addc(&d, '\n') == 0 && (f = fopen(tmp, "w"))) {
		if (fwrite(d.p, 1, d.len, f) == d.len && fclose(f) == 0)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	lay_buf_free(&d);
}

/* The thread works on its own result and error, and hands them over
 * under the lock when it is done: a description meanwhile shows the
 * request and the progress counters only. */
static void *job_main(void *arg)
{
	struct job *jb = arg;
	struct store_jobs *j = jb->db->jobs;
	int64_t now;
	lay_err err = { 0 };
	int rc;

	if (jb->import) {
		eng_import_result r = { 0 };
		eng_table_info info;
		uint32_t tid = 0;

		memcpy(r.id, jb->ir.id, sizeof(r.id));
		rc = eng_import(jb->db, jb->into ? &jb->req : NULL, &jb->io, &r, &jb->prog, &err);
		now = eng_clock_now_ns(jb->db->clock);
		if (eng_table_get(jb->db, NULL, jb->io.table, &info, NULL) == 0)
			tid = info.id;
		pthread_mutex_lock(&j->mu);
		jb->table_id = tid;
		jb->ir = r;
		if (!jb->ir.end_ns)
			jb->ir.end_ns = now;
	} else {
		eng_export_result r = { 0 };

		memcpy(r.id, jb->xr.id, sizeof(r.id));
		rc = eng_export(jb->db, NULL, &jb->xo, &r, &jb->prog, &err);
		now = eng_clock_now_ns(jb->db->clock);
		pthread_mutex_lock(&j->mu);
		if (rc < 0) { /* what the request said, kept */
			memcpy(r.arn, jb->xr.arn, sizeof(r.arn));
			r.start_ns = jb->xr.start_ns;
			r.export_ns = jb->xr.export_ns;
		}
		jb->xr = r;
		if (!jb->xr.end_ns)
			jb->xr.end_ns = now;
	}
	jb->rc = rc;
	jb->err = err;
	jb->done = 1;
	pthread_cond_broadcast(&j->done);
	pthread_mutex_unlock(&j->mu);
	persist(jb);
	return NULL;
}

static int running(struct store_jobs *j)
{
	struct job *jb;
	int n = 0;

	for (jb = j->list; jb; jb = jb->next)
		n += !jb->done;
	return n;
}

/* Forget the finished jobs: their descriptions are kept on disk by then
 * (the join waits for that), so a watcher's thousands of imports do not
 * pile up in memory. Needs j->mu. */
static void reap(struct store_jobs *j)
{
	struct job **pp = &j->list, *jb;

	while ((jb = *pp)) {
		if (!jb->done) {
			pp = &jb->next;
			continue;
		}
		*pp = jb->next;
		pthread_join(jb->thread, NULL); /* it only writes its file after done */
		job_free(jb);
	}
}

static int start(eng_db *db, struct job *jb, lay_buf *out, lay_err *err)
{
	struct store_jobs *j = db->jobs;
	int rc;

	snprintf(jb->table_arn, sizeof(jb->table_arn), "arn:aws:dynamodb:local:000000000000:table/%s",
		 jb->import ? jb->io.table : jb->xo.table);
	pthread_mutex_lock(&j->mu);
	reap(j);
	if (running(j) >= MAX_RUNNING) {
		pthread_mutex_unlock(&j->mu);
		return lay_err_set(err, -EAGAIN, "%d exports and imports are running already: "
				   "try again when one is done", MAX_RUNNING);
	}
	if ((rc = pthread_create(&jb->thread, NULL, job_main, jb)) != 0) {
		pthread_mutex_unlock(&j->mu);
		return lay_err_set(err, -rc, "cannot start a thread: %s", strerror(rc));
	}
	jb->next = j->list;
	j->list = jb;
	/* the description of now: the thread may have begun, never finished
	 * before its first read below, since done is set last */
	rc = describe(out, jb);
	pthread_mutex_unlock(&j->mu);
	return rc < 0 ? lay_err_set(err, rc, "out of memory") : 0;
}

static char *dup_or_null(const char *s, int *bad)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*bad = 1;
	return d;
}

int store_job_export(eng_db *db, const store_export_req *r, lay_buf *out, lay_err *err)
{
	struct job *jb = calloc(1, sizeof(*jb));
	eng_table_info info;
	int bad = 0, rc;

	if (!jb)
		return lay_err_set(err, -ENOMEM, "out of memory");
	jb->db = db;
	jb->xo = r->o;
	jb->xo.table = jb->s[0] = dup_or_null(r->o.table, &bad);
	jb->xo.dir = jb->s[1] = dup_or_null(r->o.dir, &bad);
	jb->xo.prefix = jb->s[2] = dup_or_null(r->o.prefix, &bad);
	jb->token = dup_or_null(r->client_token, &bad);
	if (bad) {
		job_free(jb);
		return lay_err_set(err, -ENOMEM, "out of memory");
	}
	if ((rc = eng_export_check(db, &jb->xo, err)) < 0 ||
	    (rc = eng_table_get(db, NULL, jb->xo.table, &info, err)) < 0) {
		job_free(jb);
		return rc;
	}
	jb->table_id = info.id;
	jb->xr.start_ns = eng_clock_now_ns(db->clock);
	jb->xr.export_ns = jb->xo.incremental ? jb->xo.to_ns
				: jb->xo.time_ns ? jb->xo.time_ns : jb->xr.start_ns;
	if (!jb->xo.incremental && !jb->xo.time_ns)
		jb->xo.time_ns = jb->xr.export_ns; /* the time of the request, not of the thread */
	eng_clock_id(jb->xr.id, jb->xr.start_ns);
	snprintf(jb->xr.arn, sizeof(jb->xr.arn),
		 "arn:aws:dynamodb:local:000000000000:table/%s/export/%s", jb->xo.table, jb->xr.id);
	if ((rc = start(db, jb, out, err)) < 0)
		job_free(jb);
	return rc;
}

int store_job_import(eng_db *db, const store_import_req *r, lay_buf *out, lay_err *err)
{
	struct job *jb = calloc(1, sizeof(*jb));
	eng_table_info info;
	int bad = 0, rc;

	if (!jb)
		return lay_err_set(err, -ENOMEM, "out of memory");
	jb->db = db;
	jb->import = 1;
	jb->io = r->o;
	jb->into = r->into;
	jb->req = (eng_req){ .source = r->source };
	if (r->o.schema) {
		jb->schema = *r->o.schema;
		jb->io.schema = &jb->schema;
	}
	jb->io.src = jb->s[0] = dup_or_null(r->o.src, &bad);
	jb->io.table = jb->s[1] = dup_or_null(r->o.table, &bad);
	jb->io.csv_header = jb->s[2] = dup_or_null(r->o.csv_header, &bad);
	jb->io.one_file = jb->s[3] = dup_or_null(r->o.one_file, &bad);
	jb->token = dup_or_null(r->client_token, &bad);
	jb->bucket = dup_or_null(r->bucket ? r->bucket : r->o.src, &bad);
	jb->key_prefix = dup_or_null(r->key_prefix, &bad);
	if (bad) {
		job_free(jb);
		return lay_err_set(err, -ENOMEM, "out of memory");
	}
	if ((rc = eng_import_check(db, &jb->io, err)) < 0) {
		job_free(jb);
		return rc;
	}
	if (!jb->io.schema && eng_table_get(db, NULL, jb->io.table, &info, NULL) == 0)
		jb->table_id = info.id;
	jb->ir.start_ns = eng_clock_now_ns(db->clock);
	eng_clock_id(jb->ir.id, jb->ir.start_ns);
	snprintf(jb->ir.arn, sizeof(jb->ir.arn),
		 "arn:aws:dynamodb:local:000000000000:table/%s/import/%s", jb->io.table, jb->ir.id);
	if ((rc = start(db, jb, out, err)) < 0)
		job_free(jb);
	return rc;
}

/* The id at the end of an ARN (or the id itself). */
static const char *arn_id(const char *arn)
{
	const char *s = strrchr(arn, '/');

	return s ? s + 1 : arn;
}

static int read_kept(eng_db *db, const char *kind, const char *id, lay_buf *out, lay_err *err)
{
	char path[4400], buf[8192];
	size_t n;
	FILE *f;

	if (!id[0] || strchr(id, '/') || strchr(id, '.'))
		return lay_err_set(err, -ENOENT, "no %s %s", kind, id);
	snprintf(path, sizeof(path), "%s/%ss/%s.json", db->dir, kind, id);
	if (!(f = fopen(path, "r")))
		return lay_err_set(err, -ENOENT, "no %s %s", kind, id);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (lay_buf_add(out, buf, n) < 0) {
			fclose(f);
			return lay_err_set(err, -ENOMEM, "out of memory");
		}
	fclose(f);
	while (out->len && out->p[out->len - 1] == '\n')
		out->p[--out->len] = '\0';
	return 0;
}

int store_job_describe(eng_db *db, int import, const char *arn, int wait_ms, lay_buf *out,
		       lay_err *err)
{
	struct store_jobs *j = db->jobs;
	const char *id = arn_id(arn);
	struct timespec until;
	struct job *jb;
	int rc = 1, timed_out = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&j->mu);
	for (;;) {
		/* found anew after each wait: it may be forgotten meanwhile */
		for (jb = j->list; jb; jb = jb->next)
			if (jb->import == import && strcmp(import ? jb->ir.id : jb->xr.id, id) == 0)
				break;
		if (!jb || jb->done || wait_ms <= 0 || timed_out) {
			if (jb)
				rc = describe(out, jb) < 0 ? lay_err_set(err, -ENOMEM, "out of memory")
							   : 0;
			break;
		}
		/* a running one is waited for, up to wait_ms */
		if (pthread_cond_timedwait(&j->done, &j->mu, &until) == ETIMEDOUT)
			timed_out = 1;
	}
	pthread_mutex_unlock(&j->mu);
	if (rc <= 0)
		return rc;
	return read_kept(db, import ? "import" : "export", id, out, err);
}

/* The fields of a description a List* shows. */
static const char *const export_summary[] = { "ExportArn", "ExportStatus", "ExportType", NULL };
static const char *const import_summary[] = { "ImportArn", "ImportStatus", "TableArn",
					      "S3BucketSource", "InputFormat", "StartTime",
					      "EndTime", NULL };

/* Append the summary of description d (a ...Description JSON) if it is
 * of table (NULL: any). */
static int add_summary(lay_buf *out, int import, const char *d, size_t len, const char *table,
		       int *first)
{
	const char *const *f = import ? import_summary : export_summary;
	cJSON *j = cJSON_ParseWithLength(d, len), *in, *o, *v, *t;
	char *text = NULL;
	int rc = 0;

	in = j && j->child ? j->child : NULL;
	if (!in || !(o = cJSON_CreateObject()))
		goto out;
	t = cJSON_GetObjectItemCaseSensitive(in, "TableArn");
	if (table && (!cJSON_IsString(t) || !strrchr(t->valuestring, '/') ||
		      strcmp(strrchr(t->valuestring, '/') + 1, table) != 0)) {
		cJSON_Delete(o);
		goto out;
	}
	for (; *f; f++)
		if ((v = cJSON_GetObjectItemCaseSensitive(in, *f)))
			cJSON_AddItemToObject(o, *f, cJSON_Duplicate(v, 1));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text || (!*first && lay_buf_addc(out, ',')) || lay_buf_adds(out, text))
		rc = -ENOMEM;
	*first = 0;
out:
	free(text);
	cJSON_Delete(j);
	return rc;
}

int store_job_list(eng_db *db, int import, const char *table, lay_buf *out, lay_err *err)
{
	struct store_jobs *j = db->jobs;
	const char *kind = import ? "imports" : "exports";
	char path[4400];
	struct dirent *d;
	struct job *jb;
	int first = 1, rc;
	DIR *dh;

	rc = lay_buf_addf(out, "{\"%s\":[", import ? "ImportSummaryList" : "ExportSummaries");
	/* the ones in memory (running, or done a moment ago), then the ones
	 * kept on disk that are not among them */
	pthread_mutex_lock(&j->mu);
	for (jb = j->list; jb && rc == 0; jb = jb->next)
		if (jb->import == import) {
			lay_buf one = LAY_BUF_INIT;

			rc = describe(&one, jb) || add_summary(out, import, one.p, one.len, table, &first);
			lay_buf_free(&one);
		}
	pthread_mutex_unlock(&j->mu);
	snprintf(path, sizeof(path), "%s/%s", db->dir, kind);
	if (rc == 0 && (dh = opendir(path))) {
		while (rc == 0 && (d = readdir(dh))) {
			size_t n = strlen(d->d_name);
			lay_buf one = LAY_BUF_INIT;
			char id[64];

			if (n < 6 || n - 5 >= sizeof(id) || strcmp(d->d_name + n - 5, ".json") != 0)
				continue;
			memcpy(id, d->d_name, n - 5);
			id[n - 5] = '\0';
			pthread_mutex_lock(&j->mu);
			for (jb = j->list; jb; jb = jb->next)
				if (jb->import == import &&
				    strcmp(import ? jb->ir.id : jb->xr.id, id) == 0)
					break;
			pthread_mutex_unlock(&j->mu);
			if (jb)
				continue; /* listed above */
			if (read_kept(db, import ? "import" : "export", id, &one, NULL) == 0)
				rc = add_summary(out, import, one.p, one.len, table, &first);
			lay_buf_free(&one);
		}
		closedir(dh);
	}
	rc = rc || lay_buf_adds(out, "]}");
	return rc ? lay_err_set(err, -ENOMEM, "out of memory") : 0;
}
