/* Private to engine/: a request of DynamoDB's API being served (api.c),
 * what every action's file (api_*.c) shares: the request, its response,
 * its error, and the helpers that read DynamoDB's request shapes. */
#ifndef ENG_APICALL_H
#define ENG_APICALL_H

#include <cJSON.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "../layout/expr.h"
#include "../layout/item.h"
#include "../layout/schema.h"
#include "engine.h"

#define API_ERR_PREFIX "com.amazonaws.dynamodb.v20120810#"
#define API_CORAL_PREFIX "com.amazon.coral.service#"

/* A request being served. */
struct call {
	eng_db *db;
	const eng_api_ctx *ctx;
	const cJSON *rq;     /* the request's JSON object */
	const char *body;    /* its text (len bytes), for readers that keep
	                      * numbers exact (items) */
	size_t len;
	lay_buf *out;        /* the response: an action appends its JSON */
	lay_err *err;        /* an action's failure: its message */
	const char *type;    /* the error's __type, when not the errno's */
	lay_buf err_extra;   /* more members of the error (",\"Item\":{...}") */
	eng_req req;         /* the engine's context of the request */
};

/* One action: its name in DynamoDB's API and what serves it (0 or a
 * failure with c->err set). */
struct api_action {
	const char *name;
	int (*fn)(struct call *c);
};

/* The actions of each file, each list ended by { NULL, NULL }. */
extern const struct api_action api_job_actions[];
extern const struct api_action api_item_actions[];
extern const struct api_action api_stream_actions[];
extern const struct api_action api_table_actions[];
extern const struct api_action api_backup_actions[];
extern const struct api_action api_query_actions[];

/* Fail c with DynamoDB's error type and a message (-EINVAL). */
int api_invalid(struct call *c, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The string member name of o, or NULL. */
const char *api_str(const cJSON *o, const char *name);

/* A string member that must be there: *out, or a ValidationException
 * ("Value null at 'name'...") or SerializationException (not a string). */
int api_need_str(struct call *c, const cJSON *o, const char *name, const char **out);

/* A time in epoch seconds (a number, fractions allowed) as ns; *out is
 * left alone when the member is absent. */
int api_get_time(struct call *c, const cJSON *o, const char *name, int64_t *out);

/* The table an ARN (arn:...:table/NAME[/...]) or a plain name names. */
const char *api_table_of(const char *arn);

/* Fail writes on a read-only front: 0, or a failure naming the action. */
int api_writable(struct call *c, const char *action);

/* The key schema of table (an ARN or a name): 0, or DynamoDB's
 * ResourceNotFoundException "Requested resource not found". */
int api_schema(struct call *c, const char *table, lay_schema *out);

/* The item in DynamoDB JSON at member name of o into out (LAY_ITEM_INIT):
 * 0 (an absent member is an empty item: *present says which), or a
 * ValidationException with lay_json_parse's message. */
int api_item(struct call *c, const cJSON *o, const char *name, lay_item *out, int *present);

/* The primary key at member name of o (a Key: exactly the key attributes
 * of schema s, of their types) into *out, its values in store (LAY_ITEM_INIT).
 * ValidationException "The provided key element does not match the
 * schema" otherwise. */
int api_key(struct call *c, const cJSON *o, const char *name, const lay_schema *s,
	    lay_item *store, lay_key *out);

/* Append it as DynamoDB JSON's attribute map {"a":{"S":"x"},...}, to
 * the response or to b. 0 or -ENOMEM. */
int api_add_item(struct call *c, const lay_item *it);
int api_item_json(lay_buf *b, const lay_item *it);

/* Close the object the response opened at offset at ('{'), whose members
 * were each appended with a leading comma. 0 or -ENOMEM. */
int api_close(struct call *c, size_t at);

/* The request's ExpressionAttributeNames and ExpressionAttributeValues
 * into names and values (LAY_ITEM_INIT) and env. Free env, names and
 * values after every expression made with them. */
int api_env(struct call *c, lay_item *names, lay_item *values, lay_expr_env *env);

/* The expression at member name of the request, of kind kind, into *out
 * (NULL when absent). A ValidationException on any error. */
int api_expr(struct call *c, lay_expr_env *env, const char *name, lay_expr_kind kind,
	     lay_expr **out);

/* ReturnConsumedCapacity TOTAL or INDEXES: append
 * ,"ConsumedCapacity":{"TableName":..,"CapacityUnits":..,...} (rcu and
 * wcu as consumed); NONE or absent: nothing. */
int api_add_consumed(struct call *c, const char *table, double rcu, double wcu);

/* Append DynamoDB's ConsumedCapacity object of table (no member name). */
int api_add_capacity(struct call *c, const char *table, double rcu, double wcu);

/* Fail with -ENOMEM. */
int api_nomem(struct call *c);

#endif
