/* Expressions of DynamoDB's API (SPEC §14): conditions and filters,
 * updates, projections and key conditions, parsed against a request's
 * ExpressionAttributeNames and ExpressionAttributeValues and evaluated on
 * items. Pure: no I/O, no globals; the messages are DynamoDB's. */
#ifndef LAY_EXPR_H
#define LAY_EXPR_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "item.h"
#include "schema.h"

/* DynamoDB's limits */
#define LAY_EXPR_MAX_LEN 4096      /* bytes of one expression */
#define LAY_EXPR_MAX_IN 100        /* operands of IN */
#define LAY_EXPR_MAX_OPERATORS 300 /* operators or functions in one expression */

/*
 * The substitutions of one request: names holds ExpressionAttributeNames
 * ("#n" -> an S value, the real name), values ExpressionAttributeValues
 * (":v" -> any value); either may be NULL (none given). Both are borrowed
 * and must outlive the env and every expression parsed with it. Parsing
 * marks what each expression used, for lay_expr_env_unused.
 */
typedef struct lay_expr_env {
	const lay_item *names;
	const lay_item *values;
	unsigned char *names_used;  /* one flag per attribute of names */
	unsigned char *values_used; /* one flag per attribute of values */
} lay_expr_env;

/* 0, or -EINVAL with DynamoDB's message (a name not "#...", a value not
 * ":...", an empty value or set), or -ENOMEM. Free with lay_expr_env_free
 * (also after a failure). */
int lay_expr_env_init(lay_expr_env *env, const lay_item *names, const lay_item *values,
		      lay_err *err);
void lay_expr_env_free(lay_expr_env *env);

/* After every expression of a request was parsed: -EINVAL with DynamoDB's
 * "Value provided in ExpressionAttributeNames unused in expressions: keys:
 * {#a, #b}" (names first, then values) when one was not used; else 0. */
int lay_expr_env_unused(const lay_expr_env *env, lay_err *err);

typedef enum lay_expr_kind {
	LAY_EXPR_CONDITION = 1, /* ConditionExpression */
	LAY_EXPR_FILTER,        /* FilterExpression: a condition on no key attribute */
	LAY_EXPR_UPDATE,        /* UpdateExpression */
	LAY_EXPR_PROJECTION,    /* ProjectionExpression */
	LAY_EXPR_KEY,           /* KeyConditionExpression */
} lay_expr_kind;

typedef struct lay_expr lay_expr;

/*
 * Parse the len bytes of text as an expression of kind kind, resolving
 * "#n" and ":v" in env. Errors are -EINVAL with DynamoDB's message, which
 * names the expression ("Invalid ConditionExpression: ..."): syntax
 * ("Syntax error; token: \"x\", near: \"a x\""), a reserved word used as a
 * name ("Attribute name is a reserved keyword; reserved keyword: status"),
 * an undefined "#n" or ":v", a function or operator not allowed in kind,
 * wrong operand counts or types known before evaluation, overlapping or
 * conflicting update paths, limits; or -ENOMEM. *out is freed with
 * lay_expr_free.
 */
int lay_expr_parse(lay_expr **out, lay_expr_kind kind, const char *text, size_t len,
		   lay_expr_env *env, lay_err *err);
void lay_expr_free(lay_expr *e);

/* 1 if the word is one of DynamoDB's reserved words (any case), else 0. */
int lay_expr_reserved(const char *word, size_t len);

/*
 * Evaluate a condition or filter on item (NULL: no item, where
 * attribute_not_exists holds and every comparison is false). 1 true,
 * 0 false, or < 0 with DynamoDB's message for what only evaluation finds.
 */
int lay_expr_test(const lay_expr *e, const lay_item *item, lay_err *err);

/*
 * Apply an update expression to old (NULL: no item yet; key attributes
 * are the caller's to add) into out (LAY_ITEM_INIT; freed on failure):
 * SET (with + and -, if_not_exists, list_append, nested paths), REMOVE,
 * ADD (numbers and sets), DELETE (from sets), as DynamoDB does them; an
 * emptied set is removed. -EINVAL with DynamoDB's message ("An operand in
 * the update expression has an incorrect data type", "The document path
 * provided in the update expression is invalid for update"), -ENOMEM.
 */
int lay_expr_update(const lay_expr *e, const lay_item *old, lay_item *out, lay_err *err);

/* 1 if an update expression's paths include top-level attribute name. */
int lay_expr_touches(const lay_expr *e, const char *name, size_t len);

/*
 * The parts of it that a projection names, or that an update expression
 * changes (ReturnValues UPDATED_OLD / UPDATED_NEW), into out (LAY_ITEM_INIT):
 * nested paths keep their maps and lists around the parts named, list
 * elements in their order. 0 or -ENOMEM.
 */
int lay_expr_project(const lay_expr *e, const lay_item *it, lay_item *out, lay_err *err);

/*
 * For a Query's FilterExpression: -EINVAL with DynamoDB's "Filter
 * Expression can only contain non-primary key attributes: Primary key
 * attribute: PK" when a path of e starts at a key attribute of s; else 0.
 */
int lay_expr_filter_check(const lay_expr *e, const lay_schema *s, lay_err *err);

/* A key condition's operator on the sort key. */
typedef enum lay_key_op {
	LAY_KEY_ALL = 0, /* the whole partition */
	LAY_KEY_EQ,
	LAY_KEY_LT,
	LAY_KEY_LE,
	LAY_KEY_GT,
	LAY_KEY_GE,
	LAY_KEY_BETWEEN,
	LAY_KEY_BEGINS,
} lay_key_op;

/* A key condition checked against a table's key schema. Values are
 * borrowed from the env's values. */
typedef struct lay_key_cond {
	const lay_value *pk;
	lay_key_op op;
	const lay_value *lo, *hi; /* op's operands: lo, or lo AND hi (BETWEEN) */
} lay_key_cond;

/*
 * Check a KeyConditionExpression against schema s: the partition key with
 * "=", optionally AND one sort key condition; operand types as the schema
 * says. -EINVAL with DynamoDB's message ("Query condition missed key
 * schema element: PK", "Query key condition not supported", "One or more
 * parameter values were invalid: Condition parameter type does not match
 * schema type", ...).
 */
int lay_expr_key(const lay_expr *e, const lay_schema *s, lay_key_cond *out, lay_err *err);

/* Whether sort key value sk meets c: <0 sk is before the range (in key
 * order), 0 in it, >0 after it (a listing in key order may stop). */
int lay_key_cond_where(const lay_key_cond *c, const lay_value *sk);

#endif
