/* A minimal client of DynamoDB's HTTP API for the dynalite baseline of
 * the benchmark (SPEC §18): one keep-alive connection per dyn_conn, one
 * request in flight on it, and a fake SigV4 Authorization of the shape
 * dynalite checks (it does not verify signatures). Failures are fatal. */
#ifndef BENCH_DYNCLIENT_H
#define BENCH_DYNCLIENT_H

#include <stddef.h>

#include "../layout/buf.h"

#define DYN_TABLE "Bench"

typedef struct dyn_conn {
	int fd;
	int port;
	lay_buf in;      /* bytes received and not yet consumed */
	lay_buf req;     /* the request being sent */
	lay_buf body;    /* the last response's body, NUL-terminated */
	lay_buf work;    /* request bodies */
	int status;      /* the last response's HTTP status */
} dyn_conn;

/* Connect to 127.0.0.1:port. Free with dyn_close. */
void dyn_open(dyn_conn *c, int port);
void dyn_close(dyn_conn *c);

/* POST one action (X-Amz-Target DynamoDB_20120810.<action>); the response
 * body lands in c->body. Returns the HTTP status. */
int dyn_call(dyn_conn *c, const char *action, const char *json, size_t len);

/* CreateTable DYN_TABLE (PK S hash, SK S range, on demand); waits for ACTIVE. */
void dyn_create_table(dyn_conn *c);

/* PutItem of item i of the workload (bench_item_key's key, a 1 KB item)
 * into partition part (NULL: the item's own partition). */
void dyn_put_item(dyn_conn *c, const char *part, unsigned long i);

/* GetItem of item i; dies if it is not there. */
void dyn_get_item(dyn_conn *c, unsigned long i);

/* UpdateItem of item i: n = n + 1 on the condition that it exists. */
void dyn_update_item(dyn_conn *c, unsigned long i);

/* Query partition part to the end, page after page: the items seen. */
unsigned long dyn_query_all(dyn_conn *c, const char *part);

#endif
