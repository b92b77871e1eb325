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

/* Stop serving: requests being answered finish first; the listening
 * socket is closed. Accepts NULL. */
void fs_http_close(fs_http *h);

#endif
