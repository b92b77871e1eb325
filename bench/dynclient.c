/* A minimal client of DynamoDB's HTTP API for the dynalite baseline of
 * the benchmark (SPEC §18): see dynclient.h. */
#include "dynclient.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

void dyn_open(dyn_conn *c, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->port = port;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		bench_die("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		bench_die("connect 127.0.0.1:%d: %s", port, strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void dyn_close(dyn_conn *c)
{
	close(c->fd);
	lay_buf_free(&c->in);
	lay_buf_free(&c->req);
	lay_buf_free(&c->body);
	lay_buf_free(&c->work);
}

/* Receive more bytes into c->in. Returns 0, or -1 when the server closed
 * the connection before anything of a response came (node closes idle
 * keep-alive connections after 5 s); dies on anything else. */
static int recv_more(dyn_conn *c)
{
	ssize_t got;

	if (lay_buf_grow(&c->in, 65536) < 0)
		bench_die("out of memory");
	do
		got = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, 0);
	while (got < 0 && errno == EINTR);
	if ((got == 0 || (got < 0 && errno == ECONNRESET)) && c->in.len == 0)
		return -1;
	if (got <= 0)
		bench_die("dynalite closed the connection (%s)", got < 0 ? strerror(errno) : "EOF");
	c->in.len += (size_t)got;
	c->in.p[c->in.len] = '\0';
	return 0;
}

/* Send c->req whole. Returns 0, or -1 if the connection is gone. */
static int send_req(dyn_conn *c)
{
	size_t off = 0;

	while (off < c->req.len) {
		ssize_t put = send(c->fd, c->req.p + off, c->req.len - off, MSG_NOSIGNAL);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0 && (errno == EPIPE || errno == ECONNRESET) && off == 0)
			return -1;
		if (put < 0)
			bench_die("send: %s", strerror(errno));
		off += (size_t)put;
	}
	return 0;
}

/* Open the connection again, keeping the buffers. */
static void reconnect(dyn_conn *c)
{
	dyn_conn fresh;

	dyn_open(&fresh, c->port);
	close(c->fd);
	c->fd = fresh.fd;
	lay_buf_reset(&c->in);
}

int dyn_call(dyn_conn *c, const char *action, const char *json, size_t len)
{
	size_t hlen, clen = 0;
	char *end = NULL, *p;
	int tries = 0;

	lay_buf_reset(&c->req);
	if (lay_buf_addf(&c->req,
			 "POST / HTTP/1.1\r\n"
			 "Host: 127.0.0.1:%d\r\n"
			 "Content-Type: application/x-amz-json-1.0\r\n"
			 "X-Amz-Target: DynamoDB_20120810.%s\r\n"
			 "X-Amz-Date: 20260101T000000Z\r\n"
			 "Authorization: AWS4-HMAC-SHA256 "
			 "Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, "
			 "SignedHeaders=host;x-amz-date;x-amz-target, Signature=%064d\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 c->port, action, 0, len) < 0 ||
	    lay_buf_add(&c->req, json, len) < 0)
		bench_die("out of memory");
	for (;;) {
		int gone = send_req(c) < 0;

		while (!gone && !(end = c->in.len ? strstr(c->in.p, "\r\n\r\n") : NULL))
			gone = recv_more(c) < 0;
		if (!gone)
			break;
		/* the server closed this keep-alive connection while it was idle
		 * (node does after 5 s) and answered nothing: once more, anew */
		if (++tries > 1)
			bench_die("dynalite keeps closing the connection");
		reconnect(c);
	}
	hlen = (size_t)(end - c->in.p) + 4;
	if (sscanf(c->in.p, "HTTP/1.1 %d", &c->status) != 1)
		bench_die("not an HTTP response: %.60s", c->in.p);
	for (p = c->in.p; p < end; p = strstr(p, "\r\n") + 2)
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			clen = strtoul(p + 15, NULL, 10);
	while (c->in.len < hlen + clen)
		if (recv_more(c) < 0)
			bench_die("dynalite closed the connection mid-response");
	lay_buf_reset(&c->body);
	if (lay_buf_add(&c->body, c->in.p + hlen, clen) < 0 || lay_buf_addc(&c->body, 0) < 0)
		bench_die("out of memory");
	c->body.len--;
	/* one request at a time per connection: nothing should follow, but keep it */
	memmove(c->in.p, c->in.p + hlen + clen, c->in.len - hlen - clen);
	c->in.len -= hlen + clen;
	c->in.p[c->in.len] = '\0';
	return c->status;
}

static void call_ok(dyn_conn *c, const char *action, const char *json, size_t len)
{
	if (dyn_call(c, action, json, len) != 200)
		bench_die("%s: HTTP %d: %.300s", action, c->status, c->body.p);
}

void dyn_create_table(dyn_conn *c)
{
	static const char req[] =
		"{\"TableName\":\"" DYN_TABLE "\",\"BillingMode\":\"PAY_PER_REQUEST\","
		"\"AttributeDefinitions\":[{\"AttributeName\":\"PK\",\"AttributeType\":\"S\"},"
		"{\"AttributeName\":\"SK\",\"AttributeType\":\"S\"}],"
		"\"KeySchema\":[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},"
		"{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}]}";
	static const char desc[] = "{\"TableName\":\"" DYN_TABLE "\"}";
	int tries;

	call_ok(c, "CreateTable", req, sizeof(req) - 1);
	for (tries = 0; tries < 200; tries++) {
		call_ok(c, "DescribeTable", desc, sizeof(desc) - 1);
		if (strstr(c->body.p, "\"TableStatus\":\"ACTIVE\""))
			return;
		usleep(50000);
	}
	bench_die("table %s never became ACTIVE", DYN_TABLE);
}

void dyn_put_item(dyn_conn *c, const char *part, unsigned long i)
{
	char own[8], sk[16], json[BENCH_ITEM_LEN + 1];
	const char *data, *end;

	bench_item_key(own, sk, i);
	/* the same data string as the files' {"data":"...","n":i} */
	bench_item_json(json, i);
	data = json + strlen("{\"data\":\"");
	end = strchr(data, '"');
	lay_buf_reset(&c->work);
	if (lay_buf_addf(&c->work,
			 "{\"TableName\":\"" DYN_TABLE "\",\"Item\":{\"PK\":{\"S\":\"%s\"},"
			 "\"SK\":{\"S\":\"%s\"},\"data\":{\"S\":\"%.*s\"},\"n\":{\"N\":\"%lu\"}}}",
			 part ? part : own, sk, (int)(end - data), data, i) < 0)
		bench_die("out of memory");
	call_ok(c, "PutItem", c->work.p, c->work.len);
}

void dyn_get_item(dyn_conn *c, unsigned long i)
{
	char part[8], sk[16];

	bench_item_key(part, sk, i);
	lay_buf_reset(&c->work);
	if (lay_buf_addf(&c->work,
			 "{\"TableName\":\"" DYN_TABLE "\",\"Key\":{\"PK\":{\"S\":\"%s\"},"
			 "\"SK\":{\"S\":\"%s\"}}}",
			 part, sk) < 0)
		bench_die("out of memory");
	call_ok(c, "GetItem", c->work.p, c->work.len);
	if (!strstr(c->body.p, "\"Item\""))
		bench_die("GetItem %s/%s found nothing", part, sk);
}

void dyn_update_item(dyn_conn *c, unsigned long i)
{
	char part[8], sk[16];

	bench_item_key(part, sk, i);
	lay_buf_reset(&c->work);
	if (lay_buf_addf(&c->work,
			 "{\"TableName\":\"" DYN_TABLE "\",\"Key\":{\"PK\":{\"S\":\"%s\"},"
			 "\"SK\":{\"S\":\"%s\"}},\"UpdateExpression\":\"SET n = n + :one\","
			 "\"ConditionExpression\":\"attribute_exists(PK)\","
			 "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}",
			 part, sk) < 0)
		bench_die("out of memory");
	call_ok(c, "UpdateItem", c->work.p, c->work.len);
}

unsigned long dyn_query_all(dyn_conn *c, const char *part)
{
	unsigned long seen = 0;
	char *start = NULL;

	for (;;) {
		cJSON *resp, *count, *last;

		lay_buf_reset(&c->work);
		if (lay_buf_addf(&c->work,
				 "{\"TableName\":\"" DYN_TABLE "\",\"KeyConditionExpression\":\"PK = :p\","
				 "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"%s\"}}%s%s}",
				 part, start ? ",\"ExclusiveStartKey\":" : "", start ? start : "") < 0)
			bench_die("out of memory");
		free(start);
		start = NULL;
		call_ok(c, "Query", c->work.p, c->work.len);
		if (!(resp = cJSON_ParseWithLength(c->body.p, c->body.len)))
			bench_die("Query: a response that is not JSON");
		count = cJSON_GetObjectItemCaseSensitive(resp, "Count");
		if (!cJSON_IsNumber(count))
			bench_die("Query: no Count in %.200s", c->body.p);
		seen += (unsigned long)count->valuedouble;
		/* dynalite pages at 1 MB, as DynamoDB does */
		last = cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedKey");
		if (last)
			start = cJSON_PrintUnformatted(last);
		cJSON_Delete(resp);
		if (!start)
			return seen;
	}
}
