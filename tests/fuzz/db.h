/* The database the request targets (api, http) serve: opened once per
 * process in a temporary directory, closed and removed at exit. Small and
 * quick: a small map that cannot grow past 256 MB, no background
 * maintenance, throttling that fails at once rather than waits. Two tables
 * exist from the start, "tbl" (PK, SK: S) and "num" (id: N), so that inputs
 * reach the item actions. Exports and imports name directories of this
 * machine: every S3Bucket of a request is made the temporary directory's
 * "bucket", and no prefix may climb out of it. */
#ifndef FUZZ_DB_H
#define FUZZ_DB_H

#include <cJSON.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "fuzz.h"

static eng_db *fuzz_the_db;
static char fuzz_dir[256], fuzz_bucket[300];

static int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? 0 : 0;
}

static void fuzz_db_close(void)
{
	eng_db_close(fuzz_the_db);
	fuzz_the_db = NULL;
	nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_db_call(const char *action, const char *body)
{
	eng_api_ctx ctx = { .source = ENG_SRC_API };
	lay_buf out = LAY_BUF_INIT;

	if (eng_api_call(fuzz_the_db, &ctx, action, body, strlen(body), &out) != 200) {
		fprintf(stderr, "fuzz db: %s: %s\n", action, out.p);
		abort();
	}
	lay_buf_free(&out);
}

static eng_db *fuzz_db(void)
{
	eng_db_opts o = { .map_size = 8 << 20, .map_max = 256 << 20, .maint_ms = -1,
			  .sync_ms = 60000, .throttle = ENG_THROTTLE_ERROR };
	lay_err err = { 0, "" };
	const char *tmp = getenv("TMPDIR");

	if (fuzz_the_db)
		return fuzz_the_db;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/ddbfs-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(fuzz_bucket, sizeof(fuzz_bucket), "%s/bucket", fuzz_dir);
	if (mkdir(fuzz_bucket, 0755) < 0)
		abort();
	strcat(fuzz_dir, "/db");
	if (eng_db_open(&fuzz_the_db, fuzz_dir, &o, &err) < 0) {
		fprintf(stderr, "fuzz db: %s\n", err.msg);
		abort();
	}
	fuzz_dir[strlen(fuzz_dir) - 3] = '\0';
	atexit(fuzz_db_close);
	fuzz_db_call("CreateTable",
		     "{\"TableName\":\"tbl\",\"AttributeDefinitions\":[{\"AttributeName\":\"PK\","
		     "\"AttributeType\":\"S\"},{\"AttributeName\":\"SK\",\"AttributeType\":\"S\"}],"
		     "\"KeySchema\":[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},"
		     "{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}],"
		     "\"BillingMode\":\"PAY_PER_REQUEST\"}");
	fuzz_db_call("CreateTable",
		     "{\"TableName\":\"num\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
		     "\"AttributeType\":\"N\"}],\"KeySchema\":[{\"AttributeName\":\"id\","
		     "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
	return fuzz_the_db;
}

/* Members of j, at any depth, that name a place of this machine: made
 * harmless. 1 when one was changed. */
static int fuzz_confine(cJSON *j)
{
	cJSON *m;
	int changed = 0;

	cJSON_ArrayForEach(m, j) {
		if (m->string && cJSON_IsString(m) &&
		    (strcmp(m->string, "S3Bucket") == 0 ? strcmp(m->valuestring, fuzz_bucket) != 0
		     : (strcmp(m->string, "S3Prefix") == 0 ||
			strcmp(m->string, "S3KeyPrefix") == 0) && strstr(m->valuestring, ".."))) {
			cJSON_SetValuestring(m, strcmp(m->string, "S3Bucket") == 0 ? fuzz_bucket
										: "p");
			changed = 1;
		}
		changed |= fuzz_confine(m);
	}
	return changed;
}

/* The body to send for the input body (len bytes): itself, or when it names
 * places, a copy confined to the bucket (*owned, the caller frees). */
static const char *fuzz_confined_body(const char *body, size_t *len, char **owned)
{
	cJSON *j;

	*owned = NULL;
	if (!(j = cJSON_ParseWithLength(body, *len)))
		return body;
	if (fuzz_confine(j)) {
		*owned = cJSON_PrintUnformatted(j);
		*len = strlen(*owned);
	}
	cJSON_Delete(j);
	return *owned ? *owned : body;
}

#endif
