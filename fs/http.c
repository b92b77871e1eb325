/* The HTTP endpoint (SPEC §14): DynamoDB's JSON protocol on libmicrohttpd.
 * A request is POST / with X-Amz-Target DynamoDB_20120810.<Action> (or
 * DynamoDBStreams_20120810.<Action>) and a JSON body; eng_api_call answers
 * it. What this file checks before is what DynamoDB checks before its
 * actions, in its order, with its answers: the method and content type, the
 * target, the shape of the SigV4 Authorization header, the body's size. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "../layout/buf.h"
#include "../layout/json.h"

/* DynamoDB's largest request: BatchWriteItem's 16 MB */
#define HTTP_MAX_BODY ((size_t)16 << 20)
/* seconds an idle keep-alive connection stays open (SDKs reconnect) */
#define HTTP_IDLE_S 300
/* connections at once: each has its thread */
#define HTTP_MAX_CONNS 1024
/* room for a request's headers and a piece of its body */
#define HTTP_CONN_MEMORY (64 * 1024)

#define AMZ_JSON "application/x-amz-json-1.0"
/* the namespace of the errors DynamoDB's front door answers, before any
 * action: unknown operations, authentication */
#define CORAL "com.amazon.coral.service#"
#define DDB "com.amazonaws.dynamodb.v20120810#"

struct fs_http {
	int fd; /* the listening socket; MHD's once started */
	struct MHD_Daemon *mhd;
	eng_db *db; /* borrowed */
	int read_only;
	char where[INET6_ADDRSTRLEN + 16];
};

/* One request, from its headers to its answer. */
typedef struct http_req {
	lay_buf body;
	int too_big; /* the body went past HTTP_MAX_BODY: it is dropped */
	int nomem;
} http_req;

/* ---- Listening ---- */

/* spec as host and port (out: hsize and 6 bytes). 0 or -EINVAL. */
static int split_spec(const char *spec, char *host, size_t hsize, char *port, lay_err *err)
{
	const char *colon = strrchr(spec, ':'), *p = NULL;
	size_t hlen;

	if (!*spec)
		return lay_err_set(err, -EINVAL, "http: no address given (ADDR:PORT or PORT)");
	if (strspn(spec, "0123456789") == strlen(spec)) {
		p = spec;
		spec = "127.0.0.1";
		hlen = strlen(spec);
	} else if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || (close[1] && close[1] != ':'))
			return lay_err_set(err, -EINVAL, "http: bad address %s ([IPV6]:PORT)",
					   spec);
		p = close[1] ? close + 2 : NULL;
		spec++;
		hlen = (size_t)(close - spec);
	} else if (colon && strchr(spec, ':') == colon) {
		p = colon + 1;
		hlen = (size_t)(colon - spec);
	} else {
		hlen = strlen(spec); /* a host alone, or an IPv6 address alone */
	}
	if (p) {
		char *end;
		long n;

		errno = 0;
		n = strtol(p, &end, 10);
		if (!*p || *end || errno || n < 0 || n > 65535 || *p < '0' || *p > '9')
			return lay_err_set(err, -EINVAL, "http: bad port in %s (0 to 65535)", spec);
		snprintf(port, 6, "%ld", n);
	} else {
		snprintf(port, 6, "%d", FS_HTTP_PORT);
	}
	if (!hlen || hlen >= hsize)
		return lay_err_set(err, -EINVAL, "http: bad address in %s", spec);
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	return 0;
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* "ADDR:PORT" of a bound socket into h->where. */
static void where_of(fs_http *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(h->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		port = ntohs(s6->sin6_port);
		snprintf(h->where, sizeof(h->where), "[%s]:%u", addr, port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		port = ntohs(s4->sin_port);
		snprintf(h->where, sizeof(h->where), "%s:%u", addr, port);
	}
}

int fs_http_open(fs_http **out, const char *spec, int public, lay_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char host[256], port[6];
	fs_http *h;
	int rc, one = 1;

	*out = NULL;
	if ((rc = split_spec(spec, host, sizeof(host), port, err)) < 0)
		return rc;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return lay_err_set(err, -EINVAL, "http: cannot resolve %s: %s", host,
				   gai_strerror(rc));
	if (!is_loopback(ai->ai_addr) && !public) {
		rc = lay_err_set(err, -EACCES,
				 "http: %s is not a loopback address; the endpoint accepts any "
				 "credentials, so serving it to the network must be asked for "
				 "(-o http_public, or --public for ddbfs serve)",
				 host);
		goto out_ai;
	}
	if (!(h = calloc(1, sizeof(*h)))) {
		rc = lay_err_set(err, -ENOMEM, "out of memory");
		goto out_ai;
	}
	h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		rc = lay_err_set(err, -errno, "http: socket: %s", strerror(errno));
		goto out_free;
	}
	/* a restart binds at once, whatever connections of the last one linger
	 * (a live listener still holds the port: Linux refuses that) */
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		rc = -errno;
		if (rc == -EADDRINUSE)
			lay_err_set(err, rc, "http: %s:%s is in use: another server listens there",
				    host, port);
		else
			lay_err_set(err, rc, "http: cannot listen on %s:%s: %s", host, port,
				    strerror(-rc));
		goto out_close;
	}
	if (listen(h->fd, SOMAXCONN) < 0) {
		rc = lay_err_set(err, -errno, "http: listen on %s:%s: %s", host, port,
				 strerror(errno));
		goto out_close;
	}
	where_of(h);
	freeaddrinfo(ai);
	*out = h;
	return 0;
out_close:
	close(h->fd);
out_free:
	free(h);
out_ai:
	freeaddrinfo(ai);
	return rc;
}

const char *fs_http_where(const fs_http *h)
{
	return h->where;
}

/* ---- Answers ---- */

/* DynamoDB's request ids: 52 characters of A-Z and 0-9. Random enough to
 * tell requests apart in logs; no secret rests on them. */
static void request_id(char out[53])
{
	static __thread uint64_t s;
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	int i;

	if (!s) {
		struct timespec t;

		if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			s = (uint64_t)t.tv_nsec ^ ((uint64_t)t.tv_sec << 32) ^ (uintptr_t)&t;
		}
		s |= 1;
	}
	for (i = 0; i < 52; i++) {
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		out[i] = digits[((s * 0x2545F4914F6CDD1DULL) >> 32) % 36];
	}
	out[52] = '\0';
}

/* Queue the answer: body (len bytes, malloc'ed, taken; NULL for none) with
 * DynamoDB's headers. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *resp;
	char crc[16], id[53];
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(
	    len, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	snprintf(crc, sizeof(crc), "%lu", crc32(0L, (const Bytef *)(body ? body : ""), (uInt)len));
	request_id(id);
	if (MHD_add_response_header(resp, "x-amzn-RequestId", id) != MHD_YES ||
	    MHD_add_response_header(resp, "x-amz-crc32", crc) != MHD_YES ||
	    (type &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) ||
	    (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin") &&
	     MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*") != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* An error answer {"__type":type[,"message":msg]} with status. 0 or -ENOMEM. */
static int answer_error(fs_http_answer *out, unsigned status, const char *type, const char *msg)
{
	lay_buf b = LAY_BUF_INIT;

	if (lay_buf_addf(&b, "{\"__type\":\"%s\"", type) < 0 ||
	    (msg &&
	     (lay_buf_adds(&b, ",\"message\":") < 0 || lay_json_quote(&b, msg, strlen(msg)) < 0)) ||
	    lay_buf_addc(&b, '}') < 0) {
		lay_buf_free(&b);
		return -ENOMEM;
	}
	out->status = status;
	out->type = AMZ_JSON;
	out->body = lay_buf_detach(&b, &out->len);
	return 0;
}

/* What DynamoDB answers a request that is not POST of JSON. 0 or -ENOMEM. */
static int answer_not_found(fs_http_answer *out)
{
	static const char body[] = "<UnknownOperationException/>\n";

	if (!(out->body = strdup(body)))
		return -ENOMEM;
	out->status = MHD_HTTP_NOT_FOUND;
	out->type = NULL;
	out->len = sizeof(body) - 1;
	return 0;
}

/* Queue an answer; its body is taken. */
static enum MHD_Result reply_answer(struct MHD_Connection *conn, fs_http_answer *a)
{
	return reply(conn, a->status, a->type, a->body, a->len);
}

/* An error answer queued at once. */
static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, const char *type,
				   const char *msg)
{
	fs_http_answer a;

	if (answer_error(&a, status, type, msg) < 0)
		return MHD_NO;
	return reply_answer(conn, &a);
}

static enum MHD_Result reply_not_found(struct MHD_Connection *conn)
{
	fs_http_answer a;

	if (answer_not_found(&a) < 0)
		return MHD_NO;
	return reply_answer(conn, &a);
}

/* A browser's preflight (the JavaScript SDK in a page): allow it all. */
static enum MHD_Result reply_preflight(struct MHD_Connection *conn)
{
	const char *hdrs =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Access-Control-Request-Headers");
	const char *meth =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Access-Control-Request-Method");
	struct MHD_Response *resp;
	char id[53];
	enum MHD_Result r;

	if (!(resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT)))
		return MHD_NO;
	request_id(id);
	MHD_add_response_header(resp, "x-amzn-RequestId", id);
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "172800");
	if (hdrs)
		MHD_add_response_header(resp, "Access-Control-Allow-Headers", hdrs);
	if (meth)
		MHD_add_response_header(resp, "Access-Control-Allow-Methods", meth);
	r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}

/* ---- The checks before the action ---- */

/* The response's content type for the request's, or NULL for a type
 * DynamoDB does not take: JSON 1.0 and 1.1 of AWS, and plain JSON. */
static const char *json_type(const char *ct)
{
	size_t n;

	if (!ct)
		return NULL;
	n = strcspn(ct, "; \t");
	if (n == 26 && strncasecmp(ct, AMZ_JSON, n) == 0)
		return AMZ_JSON;
	if (n == 26 && strncasecmp(ct, "application/x-amz-json-1.1", n) == 0)
		return AMZ_JSON;
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		return "application/json";
	return NULL;
}

/* The action of X-Amz-Target "DynamoDB_20120810.<Action>" or
 * "DynamoDBStreams_20120810.<Action>" (a pointer into target), or NULL. */
static const char *target_action(const char *target)
{
	static const char *const apis[] = { "DynamoDB_20120810.", "DynamoDBStreams_20120810." };
	size_t i, n;

	if (!target)
		return NULL;
	for (i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
		n = strlen(apis[i]);
		if (strncmp(target, apis[i], n) == 0 && target[n] && !strchr(target + n, '.'))
			return target + n;
	}
	return NULL;
}

/* The value of parameter name in the Authorization header's list
 * "Credential=..., SignedHeaders=..., Signature=..." (spaces ignored, as
 * DynamoDB ignores them), into out; 0 if absent or empty. */
static int auth_param(const char *params, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name), n = 0;
	const char *p = params;

	while (*p) {
		const char *end = p + strcspn(p, ",");
		const char *q = p;

		while (q < end && *q == ' ')
			q++;
		if ((size_t)(end - q) > nlen && strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
			for (q += nlen + 1; q < end && n + 1 < size; q++)
				if (*q != ' ')
					out[n++] = *q;
			out[n] = '\0';
			return n > 0;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * DynamoDB's checks of the Authorization header's shape: "AWS4-HMAC-SHA256
 * Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=...,
 * Signature=..." with an X-Amz-Date or Date header. The signature is not
 * verified: any credentials are accepted, as DynamoDB Local accepts them.
 * 0 with the access key id in key (129 bytes); else -EACCES with the
 * error's __type in *type and its message in msg.
 */
static int auth_check(fs_http_header_fn hdr, void *ctx, char key[129], const char **type,
		      lay_buf *msg)
{
	const char *auth = hdr(ctx, "Authorization");
	char cred[512], val[512], alg[64];
	const char *sp, *s;
	static const char *const params[] = { "Credential", "Signature", "SignedHeaders" };
	size_t n, parts;
	int i, missing = 0;

	if (auth)
		auth += strspn(auth, " ");
	if (!auth || strncmp(auth, "AWS4-", 5) != 0) {
		*type = CORAL "MissingAuthenticationTokenException";
		lay_buf_adds(msg, "Request is missing Authentication Token");
		return -EACCES;
	}
	*type = CORAL "IncompleteSignatureException";
	sp = auth + strcspn(auth, " ");
	for (i = 0; i < 3; i++)
		if (!auth_param(sp, params[i], i ? val : cred, i ? sizeof(val) : sizeof(cred))) {
			lay_buf_addf(msg, "Authorization header requires '%s' parameter. ",
				     params[i]);
			missing = 1;
		}
	if (!hdr(ctx, "X-Amz-Date") && !hdr(ctx, "Date")) {
		lay_buf_adds(msg, "Authorization header requires existence of either a "
				  "'X-Amz-Date' or a 'Date' header. ");
		missing = 1;
	}
	if (missing) {
		lay_buf_addf(msg, "Authorization=%s", auth);
		return -EACCES;
	}
	n = (size_t)(sp - auth);
	snprintf(alg, sizeof(alg), "%.*s", (int)(n < sizeof(alg) ? n : sizeof(alg) - 1), auth);
	if (strcmp(alg, "AWS4-HMAC-SHA256") != 0) {
		lay_buf_addf(msg,
			     "Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for "
			     "now). ",
			     alg);
		return -EACCES;
	}
	/* trailing slashes are ignored */
	for (n = strlen(cred); n && cred[n - 1] == '/'; n--)
		cred[n - 1] = '\0';
	for (parts = 1, s = cred; *s; s++)
		parts += *s == '/';
	if (parts != 5) {
		lay_buf_addf(msg,
			     "Credential must have exactly 5 slash-delimited elements, e.g. "
			     "keyid/date/region/service/term, got '%s'",
			     cred);
		return -EACCES;
	}
	n = strcspn(cred, "/");
	if (n == 0 || n > 128) {
		*type = CORAL "UnrecognizedClientException";
		lay_buf_adds(msg, "The security token included in the request is invalid.");
		return -EACCES;
	}
	memcpy(key, cred, n);
	key[n] = '\0';
	return 0;
}

int fs_http_serve(fs_http_answer *out, eng_db *db, int read_only, fs_http_header_fn hdr,
		  void *ctx, const char *body, size_t len)
{
	const char *type = json_type(hdr(ctx, "Content-Type")), *action, *etype = NULL;
	eng_api_ctx api = { .uid = 0, .gid = 0, .source = ENG_SRC_API, .read_only = read_only };
	lay_buf b = LAY_BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len && !type)
		return answer_not_found(out);
	if (!(action = target_action(hdr(ctx, "X-Amz-Target"))))
		return answer_error(out, MHD_HTTP_BAD_REQUEST, CORAL "UnknownOperationException",
				    NULL);
	if (auth_check(hdr, ctx, api.access_key, &etype, &b) < 0) {
		rc = answer_error(out, MHD_HTTP_BAD_REQUEST, etype, b.p ? b.p : "");
		lay_buf_free(&b);
		return rc;
	}
	out->status = (unsigned)eng_api_call(db, &api, action, body ? body : "", len, &b);
	out->type = type ? type : AMZ_JSON;
	out->body = lay_buf_detach(&b, &out->len);
	if (!out->body)
		out->len = 0;
	return 0;
}

static const char *mhd_header(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* A whole request is in: answer it. */
static enum MHD_Result serve(fs_http *h, struct MHD_Connection *conn, http_req *r)
{
	fs_http_answer a;

	if (r->nomem || fs_http_serve(&a, h->db, h->read_only, mhd_header, conn, r->body.p,
				      r->body.len) < 0)
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, DDB "InternalServerError",
				   "out of memory");
	return reply_answer(conn, &a);
}

static enum MHD_Result too_big(struct MHD_Connection *conn, unsigned long long len)
{
	char msg[128];

	if (len)
		snprintf(msg, sizeof(msg),
			 "The request body of %llu bytes is over DynamoDB's "
			 "limit of %zu bytes",
			 len, HTTP_MAX_BODY);
	else
		snprintf(msg, sizeof(msg),
			 "The request body is over DynamoDB's limit of %zu "
			 "bytes",
			 HTTP_MAX_BODY);
	return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, DDB "ValidationException", msg);
}

/* libmicrohttpd's handler: called at the headers (*state NULL), for each
 * piece of the body, then once more with none. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	http_req *r = *state;

	(void)url; /* DynamoDB answers on any path */
	(void)version;
	if (!r) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;

		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
			if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0 &&
			    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin"))
				return reply_preflight(conn);
			return reply_not_found(conn);
		}
		/* answered before the body is sent (curl's Expect: 100-continue) */
		if (len > HTTP_MAX_BODY)
			return too_big(conn, len);
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		if (len && lay_buf_grow(&r->body, (size_t)len) < 0)
			r->nomem = 1;
		*state = r;
		return MHD_YES;
	}
	if (*size) {
		if (r->too_big || r->nomem)
			; /* dropped */
		else if (r->body.len + *size > HTTP_MAX_BODY) {
			r->too_big = 1;
			lay_buf_free(&r->body);
		} else if (lay_buf_add(&r->body, data, *size) < 0) {
			r->nomem = 1;
		}
		*size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		return too_big(conn, 0);
	return serve(cls, conn, r);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode why)
{
	http_req *r = *state;

	(void)cls;
	(void)conn;
	(void)why;
	if (r) {
		lay_buf_free(&r->body);
		free(r);
		*state = NULL;
	}
}

int fs_http_start(fs_http *h, eng_db *db, int read_only, lay_err *err)
{
	sigset_t all, old;

	h->db = db;
	h->read_only = read_only;
	/* signals are for the thread that waits for them, not for the
	 * endpoint's: its threads start with every signal blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* a thread per connection: a keep-alive client's request is read and
	 * answered by the thread that waits on its socket, with no hand-over
	 * (the lowest latency measured), and a request waiting for capacity
	 * holds up no one else */
	h->mhd = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL,
	    NULL, answer, h, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->fd,
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)HTTP_IDLE_S, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->mhd)
		return lay_err_set(err, -EIO, "http: cannot start serving on %s", h->where);
	h->fd = -1; /* MHD closes it when it stops */
	return 0;
}

void fs_http_close(fs_http *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}
