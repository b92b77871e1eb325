/*
 * The fault loop (SQLite's approach, issue 14 item 2): a workload through
 * the engine's face runs once cleanly, recording the database's state
 * after each step; then, for each class of calls and N = 1, 2, 3, ..., it
 * runs again in a child process, in a fresh DATA_DIR, with the Nth call of
 * that class failing (inject.c). The step that meets the fault must fail
 * with a negative errno and a message, or succeed; the workload stops at
 * the first failing step; the db, reopened without faults, must hold the
 * state from before that step or after it (after, when it succeeded).
 * A class is done when a run completes without meeting its fault.
 *
 * Usage: faultrun [CLASS[:N]]...  (default: every class, every N)
 * Environment: FAULT_STRIDE=S runs N = 1..50 and then every Sth N, or
 * FAULT_RUNS=R chooses S so that a class takes about R runs;
 * DDBFS_FAULT=CLASS:N runs that one case (and says what happened);
 * FAULT_DUMP=PREFIX keeps the states of a failure in PREFIX.expected and
 * PREFIX.found; TMPDIR is where the runs' DATA_DIRs go (/dev/shm).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cJSON.h>

#include "../../layout/buf.h"
#include <sys/stat.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "../../engine/engine.h"
#include "../../fs/http.h"
#include "inject.h"

#define MAX_STEPS 40
/* a child that takes longer is stuck: reported as a hang */
#define CHILD_SECONDS 60
/* failures shown per class: the rest are counted */
#define MAX_SHOWN 12

/* What a workload run needs: its DATA_DIR, the db, the clock, and where
 * the files for imports and exports are. */
struct run {
	char *root;      /* temp dir: data/, src/, out/ */
	char data[600], src[600], out[600];
	eng_db *db;
	eng_clock *clk;
	fs_http *http;   /* the HTTP endpoint on db, on a port of 127.0.0.1 */
	lay_buf text;    /* what a reading step read, compared with the clean run's */
	lay_err err;
	int status;      /* an API step's HTTP status */
	lay_buf resp;    /* an API step's response */
};

typedef int (*step_fn)(struct run *r);

struct step {
	const char *name;
	step_fn fn;
	int api;         /* it is an eng_api_call: status and response say how it went */
};

static eng_api_ctx api_ctx = { .source = ENG_SRC_API };

/* ---- Helpers ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* rm -rf dir, then free the string. */
static void rm_tree(char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static char *temp_dir(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[512];

	/* memory is quicker than a disk, and each run syncs every commit */
	if (!t || !*t)
		t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/ddbfs-fault-XXXXXX", t);
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(2);
	}
	return strdup(tmpl);
}

static lay_value val(lay_type t, const char *p, size_t len)
{
	lay_value v;

	memset(&v, 0, sizeof(v));
	v.type = t;
	v.len = len;
	v.u.p = (char *)p;
	return v;
}

static lay_value str(const char *s)
{
	return val(LAY_S, s, strlen(s));
}

static lay_key key2(lay_value pk, lay_value sk)
{
	lay_key k = { pk, sk };

	return k;
}

/* ---- Steps ---- */

/* The API call, its status in r->status; -EIO for a status but 200. */
static int api(struct run *r, const char *action, const char *body)
{
	lay_buf_reset(&r->resp);
	fault_arm(1);
	r->status = eng_api_call(r->db, &api_ctx, action, body, strlen(body), &r->resp);
	fault_arm(0);
	return r->status == 200 ? 0 : -EIO;
}

#define ARMED(call)                  \
	({                           \
		int rc_;             \
		fault_arm(1);        \
		rc_ = (call);        \
		fault_arm(0);        \
		rc_ < 0 ? rc_ : 0;   \
	})

static int st_create(struct run *r)
{
	return ARMED(eng_table_create(r->db, NULL, "Tab", NULL, NULL, &r->err));
}

static int st_settings(struct run *r)
{
	lay_settings s = { 0 };

	s.pitr = 1;
	s.stream_view = LAY_VIEW_NEW_AND_OLD;
	strcpy(s.ttl_attr, "exp");
	return ARMED(eng_table_set_settings(r->db, NULL, "Tab", &s, &r->err));
}

/* A file's content written under T/pk/sk.json, as the mount puts it. */
static int put_doc(struct run *r, const char *pk, const char *sk, const char *text)
{
	lay_value pkv = str(pk), skv = str(sk);
	char name[64];
	eng_place p = { &pkv, pk, &skv, name };
	lay_item it = LAY_ITEM_INIT;
	lay_key key;
	int rc;

	snprintf(name, sizeof(name), "%s.json", sk);
	fault_arm(1);
	rc = eng_doc_parse(r->db, NULL, "Tab", text, strlen(text), LAY_FMT_PLAIN, &p, &it, &key,
			   &r->err);
	if (rc == 0)
		rc = eng_item_put(r->db, NULL, "Tab", &it, NULL, 0, NULL, NULL, &r->err);
	fault_arm(0);
	lay_item_free(&it);
	return rc < 0 ? rc : 0;
}

static int st_put_a1(struct run *r)
{
	return put_doc(r, "a", "1", "{\"v\":1,\"tags\":[\"x\",\"y\"]}");
}

static int st_put_a2(struct run *r)
{
	return put_doc(r, "a", "2", "{\"v\":2,\"m\":{\"deep\":true}}");
}

/* expires an hour after the clock's start: the TTL sweep takes it */
static int st_put_b1(struct run *r)
{
	char text[128];

	snprintf(text, sizeof(text), "{\"v\":3,\"exp\":%lld}",
		 (long long)(eng_clock_now_ns(r->clk) / 1000000000 + 60));
	return put_doc(r, "b", "1", text);
}

static int st_rename(struct run *r)
{
	lay_key from = key2(str("a"), str("2")), to = key2(str("c"), str("9"));

	return ARMED(eng_item_rename(r->db, NULL, "Tab", &from, &to, 0, &r->err));
}

static int st_delete(struct run *r)
{
	lay_key k = key2(str("a"), str("1"));

	return ARMED(eng_item_delete(r->db, NULL, "Tab", &k, NULL, &r->err));
}

static int st_api_put(struct run *r)
{
	return api(r, "PutItem",
		   "{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"d\"},\"SK\":{\"S\":\"1\"},"
		   "\"v\":{\"N\":\"10\"},\"s\":{\"SS\":[\"p\",\"q\"]}}}");
}

static int st_update(struct run *r)
{
	return api(r, "UpdateItem",
		   "{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"d\"},\"SK\":{\"S\":\"1\"}},"
		   "\"UpdateExpression\":\"SET v = v + :one, w = :w REMOVE s\","
		   "\"ConditionExpression\":\"attribute_exists(PK) AND v = :ten\","
		   "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":ten\":{\"N\":\"10\"},"
		   "\":w\":{\"S\":\"new\"}},\"ReturnValues\":\"ALL_NEW\"}");
}

static int st_transact(struct run *r)
{
	return api(r, "TransactWriteItems",
		   "{\"TransactItems\":["
		   "{\"Put\":{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"e\"},\"SK\":{\"S\":\"1\"},"
		   "\"v\":{\"N\":\"5\"}}}},"
		   "{\"Update\":{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"d\"},\"SK\":{\"S\":\"1\"}},"
		   "\"UpdateExpression\":\"ADD v :two\",\"ExpressionAttributeValues\":"
		   "{\":two\":{\"N\":\"2\"}}}},"
		   "{\"Delete\":{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"c\"},\"SK\":{\"S\":\"9\"}}}},"
		   "{\"ConditionCheck\":{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"b\"},"
		   "\"SK\":{\"S\":\"1\"}},\"ConditionExpression\":\"attribute_exists(v)\"}}]}");
}

/* BatchWriteItem, sending what it leaves unprocessed again, as the SDKs
 * do, until it leaves nothing. */
static int st_batch(struct run *r)
{
	char *body = strdup("{\"RequestItems\":{\"Tab\":["
			    "{\"PutRequest\":{\"Item\":{\"PK\":{\"S\":\"f\"},\"SK\":{\"S\":\"1\"},"
			    "\"b\":{\"B\":\"AAEC\"}}}},"
			    "{\"PutRequest\":{\"Item\":{\"PK\":{\"S\":\"f\"},\"SK\":{\"S\":\"2\"},"
			    "\"n\":{\"NULL\":true}}}},"
			    "{\"DeleteRequest\":{\"Key\":{\"PK\":{\"S\":\"e\"},\"SK\":{\"S\":\"1\"}}}}]}}");
	cJSON *resp, *un;
	int rc, tries;

	for (tries = 0; tries < 5; tries++) {
		if ((rc = api(r, "BatchWriteItem", body)) < 0)
			break;
		free(body);
		body = NULL;
		resp = cJSON_Parse(r->resp.p);
		un = cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedItems");
		if (un && un->child) {
			cJSON_DetachItemViaPointer(resp, un);
			cJSON_Delete(resp);
			resp = cJSON_CreateObject();
			cJSON_AddItemToObject(resp, "RequestItems", un);
			body = cJSON_PrintUnformatted(resp);
		}
		cJSON_Delete(resp);
		if (!body)
			break;
	}
	free(body);
	return rc;
}

static int st_api_create(struct run *r)
{
	return api(r, "CreateTable",
		   "{\"TableName\":\"Utab\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
		   "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\","
		   "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
}

static int st_backup(struct run *r)
{
	return ARMED(eng_backup_create(r->db, NULL, "Tab", "bk1", NULL, &r->err));
}

static int st_restore(struct run *r)
{
	eng_backup_info b;
	eng_req rq = { .view = ENG_VIEW_BACKUP };

	if (eng_backup_get(r->db, "Tab", "bk1", &b, &r->err) < 0)
		return -ENOENT;
	rq.backup = b.id;
	return ARMED(eng_table_restore(r->db, &rq, "Tab", "Rest", &r->err));
}

static int st_restore_pitr(struct run *r)
{
	eng_req rq = { .view = ENG_VIEW_AS_OF, .as_of_ns = eng_clock_now_ns(r->clk) };

	return ARMED(eng_table_restore(r->db, &rq, "Tab", "Pitr", &r->err));
}

static int st_table_rename(struct run *r)
{
	return ARMED(eng_table_rename(r->db, NULL, "Utab", "Utab2", 1, &r->err));
}

static int st_table_drop(struct run *r)
{
	return ARMED(eng_table_drop(r->db, NULL, "Utab2", &r->err));
}

static int import(struct run *r, const char *file, const char *table, eng_import_format fmt)
{
	lay_schema sch = { .pk = "id", .pk_type = LAY_S };
	char src[700];
	eng_import_opts o = { .src = src, .table = table, .schema = &sch, .format = fmt };
	eng_import_result res;

	snprintf(src, sizeof(src), "%s/%s", r->src, file);
	memset(&res, 0, sizeof(res));
	snprintf(res.id, sizeof(res.id), "01700000000000-%s", table);
	return ARMED(eng_import(r->db, NULL, &o, &res, NULL, &r->err));
}

static int st_import_csv(struct run *r)
{
	return import(r, "items.csv", "Icsv", ENG_IMPORT_CSV);
}

static int st_import_gz(struct run *r)
{
	return import(r, "items.json.gz", "Igzip", ENG_IMPORT_DDB);
}

static int st_import_zst(struct run *r)
{
	return import(r, "items.json.zst", "Izstd", ENG_IMPORT_DDB);
}

static int st_export(struct run *r)
{
	eng_export_opts o = { .table = "Tab", .dir = r->out, .format = LAY_EXPORT_DDB };
	eng_export_result res;

	o.time_ns = eng_clock_now_ns(r->clk);
	memset(&res, 0, sizeof(res));
	strcpy(res.id, "01700000000000-0000beef");
	return ARMED(eng_export(r->db, NULL, &o, &res, NULL, &r->err));
}

/* An hour on: b/1 has expired (reads no longer see it), not yet swept. */
static int st_hour(struct run *r)
{
	return eng_clock_advance(r->clk, 3600, &r->err);
}

static int st_ttl(struct run *r)
{
	size_t swept = 0;
	int rc;

	rc = ARMED(eng_db_maintain(r->db, 0, &swept, &r->err));
	if (rc == 0)
		lay_buf_addf(&r->text, "swept %zu\n", swept);
	return rc;
}

static int stream_rec(void *ctx, const eng_stream_rec *rec)
{
	struct run *r = ctx;

	if (lay_buf_addf(&r->text, "%llu %lld ", (unsigned long long)rec->off,
			 (long long)rec->time_ns) < 0 ||
	    lay_buf_add(&r->text, rec->text, rec->len) < 0)
		return lay_err_set(&r->err, -ENOMEM, "out of memory keeping a stream record");
	return 0;
}

static int st_stream_scan(struct run *r)
{
	uint64_t end = 0, first = 0;
	int rc = ARMED(eng_stream_scan(r->db, "Tab", 0, stream_rec, r, &end, &first, &r->err));

	if (rc == 0)
		lay_buf_addf(&r->text, "end %llu first %llu\n", (unsigned long long)end,
			     (unsigned long long)first);
	return rc;
}

static int st_stream_read(struct run *r)
{
	return ARMED(eng_stream_read(r->db, "Tab", 0, 1 << 20, &r->text, &r->err));
}

/* Member name's string value in r's response into out (reset first). */
static int resp_str(struct run *r, const char *name, lay_buf *out)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	if (!(p = strstr(r->resp.p, pat)))
		return lay_err_set(&r->err, -EIO, "the response has no %s: %s", name, r->resp.p);
	p += strlen(pat);
	lay_buf_reset(out);
	return lay_buf_add(out, p, strcspn(p, "\""));
}

/* DescribeTable, DescribeStream, GetShardIterator and GetRecords: the
 * stream through DynamoDB Streams' API. */
static int st_get_records(struct run *r)
{
	lay_buf v = LAY_BUF_INIT, body = LAY_BUF_INIT;
	int rc;

	if ((rc = api(r, "DescribeTable", "{\"TableName\":\"Tab\"}")) < 0 ||
	    (rc = resp_str(r, "LatestStreamArn", &v)) < 0)
		goto out;
	lay_buf_addf(&body, "{\"StreamArn\":\"%s\"}", v.p);
	if ((rc = api(r, "DescribeStream", body.p)) < 0)
		goto out;
	lay_buf_reset(&body);
	lay_buf_addf(&body, "{\"StreamArn\":\"%s\",", v.p);
	if ((rc = resp_str(r, "ShardId", &v)) < 0)
		goto out;
	lay_buf_addf(&body, "\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}", v.p);
	if ((rc = api(r, "GetShardIterator", body.p)) < 0 ||
	    (rc = resp_str(r, "ShardIterator", &v)) < 0)
		goto out;
	lay_buf_reset(&body);
	lay_buf_addf(&body, "{\"ShardIterator\":\"%s\"}", v.p);
	if ((rc = api(r, "GetRecords", body.p)) == 0) {
		/* the next iterator holds the time it was made: not compared */
		const char *next = strstr(r->resp.p, "\"NextShardIterator\"");

		lay_buf_add(&r->text, r->resp.p, next ? (size_t)(next - r->resp.p) : r->resp.len);
	}
out:
	lay_buf_free(&v);
	lay_buf_free(&body);
	return rc;
}

/* POST body as action to the endpoint and read its answer to the end
 * (send and recv: the file calls are the io class's). 0 for a 200; a
 * DynamoDB error's body as the message; -ECONNRESET when the endpoint
 * closed the connection without an answer (what an HTTP client sees). */
static int http_call(struct run *r, const char *action, const char *body)
{
	const char *where = fs_http_where(r->http), *colon = strrchr(where, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char head[512], buf[4096];
	lay_buf ans = LAY_BUF_INIT;
	ssize_t n;
	int fd, rc;

	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(head, sizeof(head),
		 "POST / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
		 "Content-Type: application/x-amz-json-1.0\r\n"
		 "X-Amz-Target: DynamoDB_20120810.%s\r\nX-Amz-Date: 20270115T000000Z\r\n"
		 "Authorization: AWS4-HMAC-SHA256 Credential=k/20270115/local/dynamodb/aws4_request, "
		 "SignedHeaders=host, Signature=00\r\nContent-Length: %zu\r\n\r\n",
		 where, action, strlen(body));
	/* armed from before the endpoint can see the request to its answer's end */
	fault_arm(1);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, head, strlen(head), MSG_NOSIGNAL) < 0 ||
	    send(fd, body, strlen(body), MSG_NOSIGNAL) < 0) {
		rc = lay_err_set(&r->err, -errno, "cannot send to %s: %s", where, strerror(errno));
		fault_arm(0);
		goto out;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		lay_buf_add(&ans, buf, (size_t)n);
	fault_arm(0);
	if (!ans.len)
		rc = lay_err_set(&r->err, -ECONNRESET, "%s closed the connection without an answer",
				 where);
	else if (strncmp(ans.p, "HTTP/1.1 200", 12) != 0)
		rc = lay_err_set(&r->err, -EIO, "%s answered %.300s", where, ans.p);
	else
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	lay_buf_free(&ans);
	return rc;
}

static int st_http_put(struct run *r)
{
	return http_call(r, "PutItem",
			 "{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"h\"},"
			 "\"SK\":{\"S\":\"1\"},\"via\":{\"S\":\"http\"}}}");
}

static const struct step steps[] = {
	{ "create table", st_create, 0 },
	{ "table settings", st_settings, 0 },
	{ "put a/1 (file)", st_put_a1, 0 },
	{ "put a/2 (file)", st_put_a2, 0 },
	{ "put b/1 (file, TTL)", st_put_b1, 0 },
	{ "rename item", st_rename, 0 },
	{ "delete item", st_delete, 0 },
	{ "PutItem", st_api_put, 1 },
	{ "UpdateItem with a condition", st_update, 1 },
	{ "TransactWriteItems", st_transact, 1 },
	{ "BatchWriteItem", st_batch, 1 },
	{ "PutItem over HTTP", st_http_put, 0 },
	{ "CreateTable", st_api_create, 1 },
	{ "backup", st_backup, 0 },
	{ "restore from backup", st_restore, 0 },
	{ "restore to a point in time", st_restore_pitr, 0 },
	{ "table rename", st_table_rename, 0 },
	{ "table delete", st_table_drop, 0 },
	{ "import CSV", st_import_csv, 0 },
	{ "import DynamoDB JSON gzip", st_import_gz, 0 },
	{ "import DynamoDB JSON zstd", st_import_zst, 0 },
	{ "export", st_export, 0 },
	{ "an hour later", st_hour, 0 },
	{ "TTL sweep", st_ttl, 0 },
	{ "stream scan", st_stream_scan, 0 },
	{ "stream read", st_stream_read, 0 },
	{ "GetRecords", st_get_records, 1 },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* ---- The database's state ---- */

struct pkval {
	lay_type type;
	char *p;
	size_t len;
};

struct pks {
	struct pkval v[64];
	size_t n;
};

static void dump_meta(lay_buf *b, const eng_meta *m)
{
	lay_buf_addf(b, " mode=%o uid=%u mtime=%lld len=%u size=%u exp=%lld\n", m->mode, m->uid, (long long)m->mtime_ns, m->len,
		     m->size, (long long)m->expires);
}

static int dump_entry(void *ctx, const eng_entry *e)
{
	lay_buf *b = ctx;

	lay_buf_adds(b, "  item ");
	lay_json_render(b, e->item, LAY_FMT_DDB);
	dump_meta(b, e->meta);
	return 0;
}

static int collect_pk(void *ctx, const eng_entry *e)
{
	struct pks *pk = ctx;
	struct pkval *v;

	if (!e->is_partition || pk->n == 64)
		return -EOVERFLOW;
	v = &pk->v[pk->n++];
	v->type = e->key->type;
	v->len = e->key->len;
	v->p = malloc(v->len + 1);
	memcpy(v->p, e->key->u.p, v->len + 1);
	return 0;
}

/* Every item of table in the view req, in key order, into b. */
static int dump_items(eng_db *db, eng_req *req, const char *table, const lay_schema *sch,
		      lay_buf *b, lay_err *err)
{
	struct pks pk = { .n = 0 };
	lay_value v;
	int rc = 0;

	if (!sch->sk[0])
		return eng_list(db, req, table, NULL, NULL, 0, ENG_LIST_ITEMS, dump_entry, b, err);
	if ((rc = eng_list(db, req, table, NULL, NULL, 0, 0, collect_pk, &pk, err)) < 0)
		goto out;
	for (size_t i = 0; i < pk.n && rc == 0; i++) {
		v = val(pk.v[i].type, pk.v[i].p, pk.v[i].len);
		lay_buf_adds(b, " partition ");
		lay_json_render_ddb_value(b, &v);
		lay_buf_adds(b, "\n");
		rc = eng_list(db, req, table, &v, NULL, 0, ENG_LIST_ITEMS, dump_entry, b, err);
	}
out:
	for (size_t i = 0; i < pk.n; i++)
		free(pk.v[i].p);
	return rc;
}

static int dump_change(void *ctx, const eng_change *c)
{
	lay_buf *b = ctx;

	lay_buf_addf(b, "  change %llu %lld %d %x\n", (unsigned long long)c->seq,
		     (long long)c->time_ns, (int)c->event, c->flags);
	return 0;
}

static int dump_table(eng_db *db, const char *name, lay_buf *b, lay_err *err)
{
	eng_table_info ti;
	uint64_t size = 0;
	int rc;

	if ((rc = eng_table_get(db, NULL, name, &ti, err)) < 0)
		return rc;
	lay_buf_addf(b, "table %s pk=%s/%d sk=%s/%d items=%llu bytes=%llu created=%lld\n",
		     ti.name, ti.schema.pk, ti.schema.pk_type, ti.schema.sk,
		     ti.schema.sk_type, (unsigned long long)ti.item_count,
		     (unsigned long long)ti.size_bytes, (long long)ti.created_ns);
	for (const char *const *s = lay_settings_names; *s; s++) {
		lay_buf_addf(b, " %s=", *s);
		lay_settings_get(&ti.settings, *s, b);
	}
	lay_buf_addf(b, "\n dir mode=%o mtime=%lld\n", ti.dir.mode, (long long)ti.dir.mtime_ns);
	if ((rc = dump_items(db, NULL, name, &ti.schema, b, err)) < 0)
		return rc;
	if ((rc = eng_log_read(db, name, 0, 0, dump_change, b, err)) < 0)
		return rc;
	if ((rc = eng_stream_size(db, name, &size, err)) < 0)
		return rc;
	lay_buf_addf(b, " stream %llu bytes\n", (unsigned long long)size);
	return eng_stream_read(db, name, 0, (size_t)size, b, err);
}

static int dump_backups(eng_db *db, lay_buf *b, lay_err *err)
{
	eng_backup_info *bk = NULL;
	int n = eng_backup_list(db, NULL, &bk, err), rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		eng_req rq = { .view = ENG_VIEW_BACKUP, .backup = bk[i].id };

		lay_buf_addf(b, "backup %s of %s type=%d created=%lld items=%llu bytes=%llu\n",
			     bk[i].name, bk[i].table, bk[i].type,
			     (long long)bk[i].created_ns, (unsigned long long)bk[i].item_count,
			     (unsigned long long)bk[i].size_bytes);
		rc = dump_items(db, &rq, bk[i].table, &bk[i].schema, b, err);
	}
	free(bk);
	return n < 0 ? n : rc;
}

/* The db's whole state as text into b (reset first): tables with their
 * settings, items, change logs and streams, then the backups. Not the
 * ids of items, tables and backups, nor the last sequence number: work
 * undone after it committed in parts (a failed import, a backup copied
 * again) leaves them further on, and they need only be unique. */
static int dump_db(eng_db *db, lay_buf *b, lay_err *err)
{
	char **names = NULL;
	int n, rc = 0;

	lay_buf_reset(b);
	if ((n = eng_table_list(db, &names)) < 0)
		return lay_err_set(err, n, "listing the tables");
	lay_buf_addf(b, "%d tables\n", n);
	for (int i = 0; i < n && rc == 0; i++)
		rc = dump_table(db, names[i], b, err);
	eng_names_free(names);
	if (rc == 0)
		rc = dump_backups(db, b, err);
	return rc;
}

/* ---- One run of the workload ---- */

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static const char csv[] = "id,name,count\nx1,alpha,1\nx2,\"be,ta\",2\nx3,gamma,3\n";
static const char ddb_lines[] = "{\"Item\":{\"id\":{\"S\":\"g1\"},\"n\":{\"N\":\"1\"}}}\n"
				"{\"Item\":{\"id\":{\"S\":\"g2\"},\"l\":{\"L\":[{\"S\":\"z\"}]}}}\n"
				"{\"Item\":{\"id\":{\"S\":\"g3\"},\"ns\":{\"NS\":[\"1\",\"2\"]}}}\n";

/* The import sources: a CSV file, DynamoDB JSON gzip- and zstd-compressed. */
static void make_sources(struct run *r)
{
	char path[700], zbuf[1024];
	gzFile gz;
	size_t n;

	snprintf(path, sizeof(path), "%s/items.csv", r->src);
	write_file(path, csv, strlen(csv));
	snprintf(path, sizeof(path), "%s/items.json.gz", r->src);
	if (!(gz = gzopen(path, "wb")) || gzwrite(gz, ddb_lines, sizeof(ddb_lines) - 1) <= 0 ||
	    gzclose(gz) != Z_OK) {
		fprintf(stderr, "writing %s failed\n", path);
		exit(2);
	}
	n = ZSTD_compress(zbuf, sizeof(zbuf), ddb_lines, sizeof(ddb_lines) - 1, 3);
	if (ZSTD_isError(n)) {
		fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/items.json.zst", r->src);
	write_file(path, zbuf, n);
}

static eng_db *open_db(struct run *r)
{
	eng_db_opts o = { 0 };
	eng_db *db;
	lay_err err = { 0, "" };

	/* no thread of the engine's runs on its own: every counted call is
	 * the workload's, in the same order each run */
	o.clock = r->clk;
	o.maint_ms = -1;
	o.sync_always = 1;

	if (eng_db_open(&db, r->data, &o, &err) < 0) {
		fprintf(stderr, "opening %s: %s\n", r->data, err.msg);
		exit(2);
	}
	return db;
}

/* The endpoint on r->db, on a port the kernel picks. */
static void http_start(struct run *r)
{
	lay_err err = { 0, "" };

	if (fs_http_open(&r->http, "127.0.0.1:0", 0, &err) < 0 ||
	    fs_http_start(r->http, r->db, 0, &err) < 0) {
		fprintf(stderr, "the HTTP endpoint: %s\n", err.msg);
		exit(2);
	}
}

static void run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->root = temp_dir();
	snprintf(r->data, sizeof(r->data), "%s/data", r->root);
	snprintf(r->src, sizeof(r->src), "%s/src", r->root);
	snprintf(r->out, sizeof(r->out), "%s/out", r->root);
	if (mkdir(r->src, 0755) < 0 || mkdir(r->out, 0755) < 0) {
		perror("mkdir");
		exit(2);
	}
	make_sources(r);
	/* a frozen test clock: every run writes the same times */
	if (eng_clock_new(&r->clk, 1) < 0 || eng_clock_freeze(r->clk, 1, NULL) < 0) {
		fprintf(stderr, "no test clock\n");
		exit(2);
	}
	r->db = open_db(r);
	http_start(r);
}

static void run_end(struct run *r)
{
	fs_http_close(r->http);
	eng_db_close(r->db);
	eng_clock_free(r->clk);
	lay_buf_free(&r->text);
	lay_buf_free(&r->resp);
	rm_tree(r->root);
}

/* The states the clean run recorded: states[0] before the first step,
 * states[i] after step i; texts[i] what step i read. */
static char *states[MAX_STEPS + 1];
static char *texts[MAX_STEPS + 1];

/* What a child found, in memory it shares with the loop. */
struct outcome {
	int fired;        /* the fault was met */
	int step;         /* the step that failed (NSTEPS: none) */
	int rc;           /* its errno (< 0), or 0 */
	int failed;       /* the run broke a rule: why says which */
	uint64_t calls;   /* calls of the class counted */
	char msg[600];    /* the failing step's message */
	char why[1024];
};

/* The first line where a and b differ, into o->why after what. */
static void say_diff(struct outcome *o, const char *what, const char *a, const char *b)
{
	const char *keep = getenv("FAULT_DUMP");
	size_t line = 1, i = 0;
	const char *ea, *eb;
	char path[600];

	/* FAULT_DUMP=PREFIX keeps both in PREFIX.expected and PREFIX.found */
	if (keep && *keep) {
		snprintf(path, sizeof(path), "%s.expected", keep);
		write_file(path, a, strlen(a));
		snprintf(path, sizeof(path), "%s.found", keep);
		write_file(path, b, strlen(b));
	}

	while (a[i] && a[i] == b[i]) {
		if (a[i] == '\n')
			line++;
		i++;
	}
	while (i > 0 && a[i - 1] != '\n')
		i--;
	ea = strchr(a + i, '\n');
	eb = strchr(b + i, '\n');
	snprintf(o->why, sizeof(o->why), "%s, line %zu: expected \"%.*s\", found \"%.*s\"", what,
		 line, ea ? (int)(ea - a - i) : (int)strlen(a + i), a + i,
		 eb ? (int)(eb - b - i) : (int)strlen(b + i), b + i);
}

/* The failing step's error: a negative errno with a message, or an API
 * error with DynamoDB's type and a message. */
static int clear_error(struct run *r, const struct step *s, int rc, struct outcome *o)
{
	if (s->api) {
		snprintf(o->msg, sizeof(o->msg), "%d %s", r->status, r->resp.p ? r->resp.p : "");
		return (r->status == 400 || r->status == 500) && r->resp.p &&
		       strstr(r->resp.p, "\"__type\":") &&
		       !strstr(r->resp.p, "\"message\":\"\"") && strstr(r->resp.p, "\"message\":\"");
	}
	snprintf(o->msg, sizeof(o->msg), "%s", r->err.msg);
	return rc < 0 && rc > -4096 && r->err.msg[0] && r->err.code == rc;
}

/* Compare the state now (dump) with what the run may leave: the state
 * after the last step when every step succeeded (k == NSTEPS), else the
 * one before failing step k or after it. 0, or 1 with o->why set. */
static int check_state(struct outcome *o, const char *when, const char *dump, int k)
{
	const char *after = states[k == (int)NSTEPS ? k : k + 1];
	const char *keep = getenv("FAULT_DUMP");
	char what[200], path[600];

	if (strcmp(dump, after) == 0 || (k < (int)NSTEPS && strcmp(dump, states[k]) == 0))
		return 0;
	if (keep && *keep && k < (int)NSTEPS) {
		snprintf(path, sizeof(path), "%s.before", keep);
		write_file(path, states[k], strlen(states[k]));
	}
	if (k == (int)NSTEPS)
		snprintf(what, sizeof(what), "%s: every step succeeded, but the state is not "
			 "the one after the last", when);
	else
		snprintf(what, sizeof(what), "%s: the state is neither the one before %s nor "
			 "the one after it (compared with after)", when, steps[k].name);
	say_diff(o, what, after, dump);
	return 1;
}

/* The verifier's first problem into o->why. */
static void first_problem(void *ctx, const char *problem)
{
	struct outcome *o = ctx;

	if (!o->why[0])
		snprintf(o->why, sizeof(o->why), "the verifier: %s", problem);
}

/* The verifier (eng_db_check) on the reopened db: 0 when it finds nothing,
 * else 1 with o->why naming the first problem. */
static int verify(struct run *r, struct outcome *o)
{
	eng_check_stats st;
	lay_err err = { 0, "" };

	o->why[0] = '\0';
	if (eng_db_check(r->db, first_problem, o, &st, &err) < 0) {
		snprintf(o->why, sizeof(o->why), "the verifier cannot read the db: %s", err.msg);
		return 1;
	}
	return st.problems != 0;
}

/* Run the workload, with the armed fault when o is not NULL (states
 * recorded when it is). */
static void workload(struct outcome *o)
{
	struct run r;
	lay_buf dump = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int k, rc = 0, met = 0;

	run_start(&r);
	if (!o) {
		if (dump_db(r.db, &dump, &err) < 0)
			goto out_dump_failed;
		states[0] = strdup(dump.p);
	}
	for (k = 0; k < (int)NSTEPS; k++) {
		lay_buf_reset(&r.text);
		lay_err_clear(&r.err);
		rc = steps[k].fn(&r);
		if (!o) {
			if (rc < 0) {
				fprintf(stderr, "the clean run failed at %s: %s%s\n", steps[k].name,
					r.err.msg, r.resp.p ? r.resp.p : "");
				exit(2);
			}
			if (dump_db(r.db, &dump, &err) < 0)
				goto out_dump_failed;
			states[k + 1] = strdup(dump.p);
			texts[k] = strdup(r.text.p ? r.text.p : "");
			continue;
		}
		if (rc < 0)
			break;
		/* the step that met the fault and succeeded did all it does */
		if (fault_fired() && !met) {
			met = 1;
			fault_arm(0);
			if (dump_db(r.db, &dump, &err) < 0 ||
			    check_state(o, "it met the fault and succeeded", dump.p, k) != 0 ||
			    strcmp(dump.p, states[k + 1]) != 0) {
				o->failed = 1;
				o->step = k;
				o->fired = 1;
				if (!o->why[0])
					snprintf(o->why, sizeof(o->why), "%s met the fault and "
						 "succeeded, but the state is the one before it",
						 steps[k].name);
				goto out;
			}
		}
		if (strcmp(r.text.p ? r.text.p : "", texts[k]) != 0) {
			o->failed = 1;
			o->step = k;
			o->fired = fault_fired();
			say_diff(o, "a step that succeeded read other data", texts[k],
				 r.text.p ? r.text.p : "");
			goto out;
		}
	}
	if (!o)
		goto out;
	o->fired = fault_fired();
	o->calls = fault_calls();
	fault_set(FAULT_NONE, 0);
	o->step = k;
	o->rc = rc;
	if (k < (int)NSTEPS && !clear_error(&r, &steps[k], rc, o)) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "%s failed (%d %s) without a clear error: \"%s\"",
			 steps[k].name, rc, lay_errno_name(rc), o->msg);
		goto out;
	}
	if (dump_db(r.db, &dump, &err) < 0) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "the state cannot be read: %s", err.msg);
		goto out;
	}
	if ((o->failed = check_state(o, "it failed", dump.p, k)))
		goto out;
	fs_http_close(r.http);
	r.http = NULL;
	eng_db_close(r.db);
	r.db = open_db(&r);
	if (dump_db(r.db, &dump, &err) < 0) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "reopened, the state cannot be read: %s", err.msg);
		goto out;
	}
	if ((o->failed = check_state(o, "reopened", dump.p, k)))
		goto out;
	o->failed = verify(&r, o);
out:
	lay_buf_free(&dump);
	run_end(&r);
	return;
out_dump_failed:
	fprintf(stderr, "the clean run cannot read its state: %s\n", err.msg);
	exit(2);
}

/* ---- The loop ---- */

struct tally {
	uint64_t points;         /* the largest N that met its fault */
	uint64_t runs, passed, failed;
	uint64_t by_errno[160];  /* failing steps by errno */
	uint64_t succeeded;      /* runs where the step met the fault and succeeded */
};

/* The file a child's stderr goes to, emptied before each child; single:
 * the case of one class and N, whose child keeps its stderr. */
static int report_fd = -1;
static int single;

static void report_open(void)
{
	char *dir = temp_dir(), path[600];

	snprintf(path, sizeof(path), "%s/report", dir);
	if ((report_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0) {
		perror(path);
		exit(2);
	}
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* A failed child's report, condensed: its summary and the first frames in
 * our code, each on a line of its own. */
static void show_report(void)
{
	char line[1024];
	FILE *f;
	int frames = 0;

	lseek(report_fd, 0, SEEK_SET);
	if (!(f = fdopen(dup(report_fd), "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "SUMMARY:") || strstr(line, "runtime error") ||
		    ((strstr(line, " engine/") || strstr(line, " layout/")) && frames++ < 6))
			printf("    %s", line + strspn(line, " "));
	}
	fclose(f);
}

/* Run class c with its nth call failing in a child; 1 when the fault was
 * met (the loop goes on), 0 when the workload never met it. */
static int one_case(fault_class c, uint64_t n, struct outcome *o, struct tally *t)
{
	const char *cname = fault_class_name(c);
	pid_t pid;
	int status;

	memset(o, 0, sizeof(*o));
	fflush(NULL);
	if (ftruncate(report_fd, 0) < 0)
		exit(2);
	lseek(report_fd, 0, SEEK_SET);
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		/* the sanitizers' reports go to a file the loop condenses (a
		 * single case shows them whole) */
		if (!single && dup2(report_fd, 2) < 0)
			exit(2);
		alarm(CHILD_SECONDS);
		fault_set(c, n);
		workload(o);
		/* LeakSanitizer runs at exit and fails it with its own status */
		exit(0);
	}
	waitpid(pid, &status, 0);
	t->runs++;
	if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
		if (++t->failed > MAX_SHOWN)
			return 1;
		if (WIFSIGNALED(status))
			printf("FAIL %s:%llu: %s (signal %d)%s%s\n", cname, (unsigned long long)n,
			       WTERMSIG(status) == SIGALRM ? "hung" : "crashed", WTERMSIG(status),
			       o->step < (int)NSTEPS && o->fired ? " in " : "",
			       o->step < (int)NSTEPS && o->fired ? steps[o->step].name : "");
		else
			printf("FAIL %s:%llu: exit status %d (a leak or a sanitizer's report)\n",
			       cname, (unsigned long long)n, WEXITSTATUS(status));
		show_report();
		return 1;
	}
	if (!o->fired && !o->failed)
		return 0;
	t->points = n;
	if (o->step < (int)NSTEPS && o->rc < 0 && -o->rc < 160)
		t->by_errno[-o->rc]++;
	else if (o->step == (int)NSTEPS)
		t->succeeded++;
	if (o->failed) {
		t->failed++;
		if (t->failed > MAX_SHOWN)
			return 1;
		printf("FAIL %s:%llu at %s: %.400s\n", cname, (unsigned long long)n,
		       o->step < (int)NSTEPS ? steps[o->step].name : "the end", o->why);
	} else {
		t->passed++;
	}
	return 1;
}

static uint64_t stride_of(uint64_t calls)
{
	const char *s = getenv("FAULT_STRIDE"), *runs = getenv("FAULT_RUNS");
	uint64_t r;

	if (s && atoi(s) > 0)
		return (uint64_t)atoi(s);
	if (runs && (r = (uint64_t)atoll(runs)) > 50 && calls > r)
		return (calls - 50) / (r - 50) + 1;
	return 1;
}

/* Calls of class c the clean workload makes: a run whose fault never
 * comes counts them. */
static uint64_t clean_calls(fault_class c, struct outcome *o)
{
	struct tally t = { 0 };

	one_case(c, UINT64_MAX, o, &t);
	return o->calls;
}

static void run_class(fault_class c, uint64_t only, struct tally *t)
{
	struct outcome *o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t calls = only ? 0 : clean_calls(c, o), stride = stride_of(calls), n;
	time_t t0 = time(NULL);

	if (only) {
		single = 1;
		one_case(c, only, o, t);
		single = 0;
		printf("%s:%llu: %s at %s: %s %s\n", fault_class_name(c),
		       (unsigned long long)only, o->fired ? "met" : "not met",
		       o->step < (int)NSTEPS ? steps[o->step].name : "no step (all succeeded)",
		       o->rc ? lay_errno_name(o->rc) : "", o->msg);
		goto out;
	}
	for (n = 1;; n = n < 50 || stride == 1 ? n + 1 : n + stride) {
		if (!one_case(c, n, o, t))
			break;
		/* runs that end before telling whether they met the fault (a
		 * crash) go on no further than the clean run's calls */
		if (n > calls + 1) {
			printf("FAIL %s: the workload never completed past N = %llu\n",
			       fault_class_name(c), (unsigned long long)n);
			t->failed++;
			break;
		}
	}
	printf("%-8s %6llu calls, %5llu runs (stride %llu), %llu passed, %llu failed, %llds;",
	       fault_class_name(c), (unsigned long long)calls, (unsigned long long)t->runs,
	       (unsigned long long)stride, (unsigned long long)t->passed,
	       (unsigned long long)t->failed, (long long)(time(NULL) - t0));
	for (int e = 1; e < 160; e++)
		if (t->by_errno[e])
			printf(" %s %llu", e == ECONNRESET ? "ECONNRESET" : lay_errno_name(e),
			       (unsigned long long)t->by_errno[e]);
	printf(" ok %llu\n", (unsigned long long)t->succeeded);
out:
	munmap(o, sizeof(*o));
}

int main(int argc, char **argv)
{
	struct tally all = { 0 };
	const char *env = getenv("DDBFS_FAULT");
	char *one[] = { argv[0], (char *)env, NULL };
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fault_hook_cjson();
	report_open();
	/* 2027-01-15: every run writes the same times */
	fault_fix_time(1800000000LL * 1000000000);
	workload(NULL);
	if (env && *env) {
		argv = one;
		argc = 2;
	}
	for (i = 1; i < argc || (argc == 1 && i < FAULT_NCLASSES); i++) {
		struct tally t = { 0 };
		const char *arg = argc > 1 ? argv[i] : fault_class_name((fault_class)i);
		char name[32];
		const char *colon = strchr(arg, ':');
		fault_class c;

		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg),
			 arg);
		if ((c = fault_class_parse(name)) == FAULT_NONE) {
			fprintf(stderr, "no fault class %s\n", name);
			return 2;
		}
		run_class(c, colon ? strtoull(colon + 1, NULL, 10) : 0, &t);
		all.passed += t.passed;
		all.failed += t.failed;
	}
	for (i = 0; i <= (int)NSTEPS; i++) {
		free(states[i]);
		free(texts[i]);
	}
	printf("%llu passed, %llu failed\n", (unsigned long long)all.passed,
	       (unsigned long long)all.failed);
	return all.failed ? 1 : 0;
}
