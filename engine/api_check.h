/* Private to engine/: DynamoDB's checks of a request's members
 * (api_check.c), shared by the actions' files. A member of the wrong JSON
 * type is a SerializationException at once; constraint failures (null,
 * length, range, enum, pattern) are gathered in a struct api_checks and
 * told together by api_checks_done, as DynamoDB tells them. */
#ifndef ENG_API_CHECK_H
#define ENG_API_CHECK_H

#include <cJSON.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "apicall.h"

#define API_INVALID "One or more parameter values were invalid: "

/* Fail c with DynamoDB's error type and a printf-style message: -EINVAL. */
int api_fail(struct call *c, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The constraint failures of a request's members, told together as
 * DynamoDB does: "2 validation errors detected: Value ... ; Value ...". */
struct api_checks {
	struct call *c;
	lay_buf msg;
	int n;
};

#define API_CHECKS_INIT(call)                                                                      \
	{                                                                                          \
		(call), LAY_BUF_INIT, 0                                                            \
	}

/* One constraint failure of the member at path (DynamoDB's name for it,
 * "keySchema.1.member.keyType"); value: its text (NULL: null). */
void api_check_fail(struct api_checks *k, const char *value, const char *path,
		    const char *constraint);

/* 0 if no constraint failed, else c's ValidationException telling them
 * all. Frees what k holds either way. */
int api_checks_done(struct api_checks *k);

/* Member name of o as a string into *out (NULL when absent or null; a
 * failure of path when required). Not a string: SerializationException. */
int api_get_str(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		int required, const char **out);

/* A boolean member: *out 0 or 1, or -1 when absent. */
int api_get_bool(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		 int required, int *out);

/* A whole number member within [min, max] (else a failure of path): *out,
 * or -1 when absent. */
int api_get_long(struct api_checks *k, const cJSON *o, const char *name, const char *path,
		 int required, double min, double max, int64_t *out);

/* A list member: *out and its count *n, or NULL and -1 when absent. */
int api_get_list(struct api_checks *k, const cJSON *o, const char *name, const cJSON **out, int *n);

/* s (when set) must be one of the NULL-terminated values. */
void api_check_enum(struct api_checks *k, const char *s, const char *path,
		    const char *const *values);

/* s (when set) must be a table's or a backup's name: 3 to 255 of
 * [a-zA-Z0-9_.-]. */
void api_check_name(struct api_checks *k, const char *s, const char *path);

/* Member name of the request, a table's name or ARN (required): *out, the
 * name, checked with api_check_name. */
int api_get_table(struct api_checks *k, const char *name, const char *path, const char **out);

/* A request whose one member that matters is TableName: the name,
 * checked, into *name. */
int api_table_only(struct call *c, const char **name);

#endif
