/* The fault loop's workload (workload.h): the steps, each through the
 * engine's face, the import sources they read, and the dump of the
 * database's state the loop compares. */
#include "workload.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cJSON.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../layout/buf.h"
#include "inject.h"

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

char *wl_temp_dir(void)
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
static int api(struct wl_run *r, const char *action, const char *body)
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

static int st_create(struct wl_run *r)
{
	return ARMED(eng_table_create(r->db, NULL, "Tab", NULL, NULL, &r->err));
}

static int st_settings(struct wl_run *r)
{
	lay_settings s = { 0 };

	s.pitr = 1;
	s.stream_view = LAY_VIEW_NEW_AND_OLD;
	strcpy(s.ttl_attr, "exp");
	return ARMED(eng_table_set_settings(r->db, NULL, "Tab", &s, &r->err));
}

/* A file's content written under T/pk/sk.json, as the mount puts it. */
static int put_doc(struct wl_run *r, const char *pk, const char *sk, const char *text)
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

static int st_put_a1(struct wl_run *r)
{
	return put_doc(r, "a", "1", "{\"v\":1,\"tags\":[\"x\",\"y\"]}");
}

static int st_put_a2(struct wl_run *r)
{
	return put_doc(r, "a", "2", "{\"v\":2,\"m\":{\"deep\":true}}");
}

/* expires an hour after the clock's start: the TTL sweep takes it */
static int st_put_b1(struct wl_run *r)
{
	char text[128];

	snprintf(text, sizeof(text), "{\"v\":3,\"exp\":%lld}",
		 (long long)(eng_clock_now_ns(r->clk) / 1000000000 + 60));
	return put_doc(r, "b", "1", text);
}

static int st_rename(struct wl_run *r)
{
	lay_key from = key2(str("a"), str("2")), to = key2(str("c"), str("9"));

	return ARMED(eng_item_rename(r->db, NULL, "Tab", &from, &to, 0, &r->err));
}

static int st_delete(struct wl_run *r)
{
	lay_key k = key2(str("a"), str("1"));

	return ARMED(eng_item_delete(r->db, NULL, "Tab", &k, NULL, &r->err));
}

static int st_api_put(struct wl_run *r)
{
	return api(r, "PutItem",
		   "{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"d\"},\"SK\":{\"S\":\"1\"},"
		   "\"v\":{\"N\":\"10\"},\"s\":{\"SS\":[\"p\",\"q\"]}}}");
}

static int st_update(struct wl_run *r)
{
	return api(r, "UpdateItem",
		   "{\"TableName\":\"Tab\",\"Key\":{\"PK\":{\"S\":\"d\"},\"SK\":{\"S\":\"1\"}},"
		   "\"UpdateExpression\":\"SET v = v + :one, w = :w REMOVE s\","
		   "\"ConditionExpression\":\"attribute_exists(PK) AND v = :ten\","
		   "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":ten\":{\"N\":\"10\"},"
		   "\":w\":{\"S\":\"new\"}},\"ReturnValues\":\"ALL_NEW\"}");
}

static int st_transact(struct wl_run *r)
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
static int st_batch(struct wl_run *r)
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

static int st_api_create(struct wl_run *r)
{
	return api(r, "CreateTable",
		   "{\"TableName\":\"Utab\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
		   "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\","
		   "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
}

static int st_backup(struct wl_run *r)
{
	return ARMED(eng_backup_create(r->db, NULL, "Tab", "bk1", NULL, &r->err));
}

static int st_restore(struct wl_run *r)
{
	eng_backup_info b;
	eng_req rq = { .view = ENG_VIEW_BACKUP };

	if (eng_backup_get(r->db, "Tab", "bk1", &b, &r->err) < 0)
		return -ENOENT;
	rq.backup = b.id;
	return ARMED(eng_table_restore(r->db, &rq, "Tab", "Rest", &r->err));
}

static int st_restore_pitr(struct wl_run *r)
{
	eng_req rq = { .view = ENG_VIEW_AS_OF, .as_of_ns = eng_clock_now_ns(r->clk) };

	return ARMED(eng_table_restore(r->db, &rq, "Tab", "Pitr", &r->err));
}

static int st_table_rename(struct wl_run *r)
{
	return ARMED(eng_table_rename(r->db, NULL, "Utab", "Utab2", 1, &r->err));
}

static int st_table_drop(struct wl_run *r)
{
	return ARMED(eng_table_drop(r->db, NULL, "Utab2", &r->err));
}

static int import(struct wl_run *r, const char *file, const char *table, eng_import_format fmt)
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

static int st_import_csv(struct wl_run *r)
{
	return import(r, "items.csv", "Icsv", ENG_IMPORT_CSV);
}

static int st_import_gz(struct wl_run *r)
{
	return import(r, "items.json.gz", "Igzip", ENG_IMPORT_DDB);
}

static int st_import_zst(struct wl_run *r)
{
	return import(r, "items.json.zst", "Izstd", ENG_IMPORT_DDB);
}

static int st_export(struct wl_run *r)
{
	eng_export_opts o = { .table = "Tab", .dir = r->out, .format = LAY_EXPORT_DDB };
	eng_export_result res;

	o.time_ns = eng_clock_now_ns(r->clk);
	memset(&res, 0, sizeof(res));
	strcpy(res.id, "01700000000000-0000beef");
	return ARMED(eng_export(r->db, NULL, &o, &res, NULL, &r->err));
}

/* An hour on: b/1 has expired (reads no longer see it), not yet swept. */
static int st_hour(struct wl_run *r)
{
	return eng_clock_advance(r->clk, 3600, &r->err);
}

static int st_ttl(struct wl_run *r)
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
	struct wl_run *r = ctx;

	if (lay_buf_addf(&r->text, "%llu %lld ", (unsigned long long)rec->off,
			 (long long)rec->time_ns) < 0 ||
	    lay_buf_add(&r->text, rec->text, rec->len) < 0)
		return lay_err_set(&r->err, -ENOMEM, "out of memory keeping a stream record");
	return 0;
}

static int st_stream_scan(struct wl_run *r)
{
	uint64_t end = 0, first = 0;
	int rc = ARMED(eng_stream_scan(r->db, "Tab", 0, stream_rec, r, &end, &first, &r->err));

	if (rc == 0)
		lay_buf_addf(&r->text, "end %llu first %llu\n", (unsigned long long)end,
			     (unsigned long long)first);
	return rc;
}

static int st_stream_read(struct wl_run *r)
{
	return ARMED(eng_stream_read(r->db, "Tab", 0, 1 << 20, &r->text, &r->err));
}

/* Member name's string value in r's response into out (reset first). */
static int resp_str(struct wl_run *r, const char *name, lay_buf *out)
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
static int st_get_records(struct wl_run *r)
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
static int http_call(struct wl_run *r, const char *action, const char *body)
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

static int st_http_put(struct wl_run *r)
{
	return http_call(r, "PutItem",
			 "{\"TableName\":\"Tab\",\"Item\":{\"PK\":{\"S\":\"h\"},"
			 "\"SK\":{\"S\":\"1\"},\"via\":{\"S\":\"http\"}}}");
}

const struct wl_step wl_steps[] = {
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
const size_t wl_nsteps = sizeof(wl_steps) / sizeof(wl_steps[0]);

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
int wl_dump(eng_db *db, lay_buf *b, lay_err *err)
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

void wl_write_file(const char *path, const void *p, size_t len)
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
static void make_sources(struct wl_run *r)
{
	char path[700], zbuf[1024];
	gzFile gz;
	size_t n;

	snprintf(path, sizeof(path), "%s/items.csv", r->src);
	wl_write_file(path, csv, strlen(csv));
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
	wl_write_file(path, zbuf, n);
}

eng_db *wl_open_db(struct wl_run *r)
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
void wl_http_start(struct wl_run *r)
{
	lay_err err = { 0, "" };

	if (fs_http_open(&r->http, "127.0.0.1:0", 0, &err) < 0 ||
	    fs_http_start(r->http, r->db, 0, &err) < 0) {
		fprintf(stderr, "the HTTP endpoint: %s\n", err.msg);
		exit(2);
	}
}

void wl_start(struct wl_run *r)
{
	memset(r, 0, sizeof(*r));
	r->root = wl_temp_dir();
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
	r->db = wl_open_db(r);
	wl_http_start(r);
}

void wl_end(struct wl_run *r)
{
	fs_http_close(r->http);
	eng_db_close(r->db);
	eng_clock_free(r->clk);
	lay_buf_free(&r->text);
	lay_buf_free(&r->resp);
	rm_tree(r->root);
}
