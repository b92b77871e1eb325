/* The HTTP endpoint (SPEC §14): DynamoDB's JSON protocol on ADDR:PORT, a
 * front of the engine's request handler for the AWS CLI and the SDKs
 * (--endpoint-url). Served by libmicrohttpd; the mount's daemon (-o http=)
 * and `ddbfs serve` run it. */
#ifndef FS_HTTP_H
#define FS_HTTP_H

#include "../engine/engine.h"
#include "../layout/err.h"

/* the port when the address gives none: DynamoDB Local's */
#define FS_HTTP_PORT 8000

typedef struct fs_http fs_http;

/*
 * Bind and listen on spec: "ADDR:PORT", "[IPV6]:PORT", "ADDR" (port 8000)
 * or "PORT" (on 127.0.0.1); ADDR may be a host name. A non-loopback
 * address is refused unless public is nonzero: the endpoint accepts any
 * credentials. Nothing is served until fs_http_start, but the port is
 * taken: the caller learns of a port in use before it goes on. Free with
 * fs_http_close. Errors, with err saying which: -EINVAL (a bad spec),
 * -EACCES (a non-loopback address without public), -EADDRINUSE, other
 * errnos of socket, bind and listen.
 */
int fs_http_open(fs_http **out, const char *spec, int public, lay_err *err);

/* "ADDR:PORT" the endpoint listens on (the port the kernel picked for port
 * 0), for messages; "[ADDR]:PORT" for IPv6. Borrowed from h. */
const char *fs_http_where(const fs_http *h);

/*
 * Serve requests of DynamoDB's API on db (borrowed: it must outlive
 * fs_http_close) from now on: each request is one eng_api_call with the
 * source ENG_SRC_API, uid and gid 0, and read_only (-o ro: writes fail).
 * Returns 0, or -ENOMEM / -EIO with err saying why.
 */
int fs_http_start(fs_http *h, eng_db *db, int read_only, lay_err *err);

/* A request's header by name (case-insensitive), NULL when absent; ctx
 * is the caller's. */
typedef const char *(*fs_http_header_fn)(void *ctx, const char *name);

/* An answer to a request. */
typedef struct fs_http_answer {
	unsigned status;
	const char *type; /* its Content-Type (static), NULL for none */
	char *body;       /* malloc'ed, the caller's to free; NULL when empty */
	size_t len;
} fs_http_answer;

/*
 * Answer a whole POST request, as the endpoint does once its body (len
 * bytes) is in: DynamoDB's checks of the content type, the X-Amz-Target
 * and the shape of the SigV4 Authorization header (headers read through
 * hdr), each failing with DynamoDB's answer; then eng_api_call on db with
 * read_only. Sockets play no part: this is what the fuzz target drives.
 * Returns 0 with *out filled, or -ENOMEM.
 */
int fs_http_serve(fs_http_answer *out, eng_db *db, int read_only, fs_http_header_fn hdr,
		  void *ctx, const char *body, size_t len);

/* Stop serving: requests being answered finish first; the listening
 * socket is closed. Accepts NULL. */
void fs_http_close(fs_http *h);

#endif
