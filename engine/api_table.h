/* Private to engine/: what the actions on tables (api_table.c) share with
 * those on backups and restores (api_backup.c): a request's context,
 * tables described in DynamoDB's shape, and the billing members of
 * requests with DynamoDB's rules. */
#ifndef ENG_API_TABLE_H
#define ENG_API_TABLE_H

#include <cJSON.h>
#include <stdint.h>

#include "../layout/settings.h"
#include "api_check.h"
#include "apicall.h"

/* Set c's request context (uid, gid, source) from the front's; writes:
 * fail on a read-only front (api_writable). */
int api_start(struct call *c, const char *action, int writes);

/* An engine failure rc of an action on table: -ENOENT as the action's
 * not-found error (type NULL: ResourceNotFoundException "Requested
 * resource not found: Table: T not found"; "TableNotFoundException":
 * "Table not found: T"), other errors as they are. */
int api_table_fail(struct call *c, int rc, const char *type, const char *table);

/* The engine's description of table as req sees it (NULL: the live view),
 * parsed into *out (the caller frees it with cJSON_Delete). */
int api_describe(struct call *c, eng_req *req, const char *table, cJSON **out);

/* Append "member":JSON of o (borrowed). */
int api_add_json(struct call *c, const char *member, const cJSON *o);

/* Append "member":TableDescription of the description d (freed): without
 * ddbfs' members and other actions' (TimeToLiveDescription,
 * ContinuousBackupsDescription), with status as its TableStatus. */
int api_add_table(struct call *c, const char *member, cJSON *d, const char *status);

/* The requested capacity: ProvisionedThroughput's units, -1 when absent. */
struct api_throughput {
	int given;
	int64_t rcu, wcu;
};

/* Member name of o, a ProvisionedThroughput (path: DynamoDB's name). */
int api_get_throughput(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		       struct api_throughput *out);

/* BillingMode's values, NULL-terminated. */
extern const char *const api_billing_modes[];

/* BillingMode mode (NULL: absent) and throughput pt together onto s, by
 * DynamoDB's rules for a table with settings s, or one being created
 * (creating: PROVISIONED unless said). A ValidationException, or
 * LimitExceededException past a table's quota, on a bad combination. */
int api_billing(struct call *c, const char *mode, const struct api_throughput *pt, int creating,
		lay_settings *s);

/* A ValidationException for the first of members (NULL-terminated) the
 * request holds that ddbfs has not (indexes, replicas, deletion
 * protection); empty lists and false are none. */
int api_unsupported(struct call *c, const char *const *members);

#endif
