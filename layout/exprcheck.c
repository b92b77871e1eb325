/* Expressions of DynamoDB's API (expr.h): the checks DynamoDB makes on a
 * parsed expression before it looks at any item, in its order: function
 * names and places, reserved words, an update's sections, substitutions,
 * overlapping paths, operands and their types, key conditions' shape. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "exprtree.h"

enum fwhere { W_COND, W_OPERAND, W_UPDATE };

static const struct {
	const char *name;
	enum xfunc id;
	size_t nargs;
	enum fwhere where;
} funcs[] = {
	{ "attribute_exists", F_EXISTS, 1, W_COND },
	{ "attribute_not_exists", F_NOT_EXISTS, 1, W_COND },
	{ "attribute_type", F_TYPE, 2, W_COND },
	{ "begins_with", F_BEGINS, 2, W_COND },
	{ "contains", F_CONTAINS, 2, W_COND },
	{ "size", F_SIZE, 1, W_OPERAND },
	{ "if_not_exists", F_IF_NOT_EXISTS, 2, W_UPDATE },
	{ "list_append", F_LIST_APPEND, 2, W_UPDATE },
};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

enum xfunc lay_xt_func(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < NFUNCS; k++)
		if (strlen(funcs[k].name) == len && memcmp(funcs[k].name, name, len) == 0)
			return funcs[k].id;
	return F_UNKNOWN;
}

static size_t func_at(int id)
{
	size_t i;

	for (i = 0; i < NFUNCS; i++)
		if ((int)funcs[i].id == id)
			return i;
	return NFUNCS;
}

/* "[a, b, [3]]" of a path, names resolved. */
static const char *path_str(char *buf, size_t sz, const struct xpath *path)
{
	size_t i, n = 0;

	n += (size_t)snprintf(buf + n, sz - n, "[");
	for (i = 0; i < path->n && n < sz; i++) {
		const struct xel *el = &path->el[i];

		if (el->idx >= 0)
			n += (size_t)snprintf(buf + n, sz - n, "%s[%ld]", i ? ", " : "", el->idx);
		else
			n += (size_t)snprintf(buf + n, sz - n, "%s%.*s", i ? ", " : "",
					      (int)el->len, el->name);
	}
	if (n < sz)
		snprintf(buf + n, sz - n, "]");
	return buf;
}

/* ---- Walking ---- */

/* Call fn on every node under n (n first), with in_cond set where a
 * condition stands. Stops at the first error. */
typedef int (*visit_fn)(struct xctx *p, struct xnode *n, int in_cond);

static int walk(struct xctx *p, struct xnode *n, int in_cond, visit_fn fn)
{
	size_t k;
	int rc, sub;

	if (!n)
		return 0;
	if ((rc = fn(p, n, in_cond)) < 0)
		return rc;
	sub = n->kind == X_AND || n->kind == X_OR || n->kind == X_NOT;
	for (k = 0; k < n->narg; k++)
		if ((rc = walk(p, n->arg[k], sub, fn)) < 0)
			return rc;
	return 0;
}

/* Every node of the expression, in the order written; action paths too
 * (as X_PATH-less visits through visit_path). */
static int walk_all(struct xctx *p, visit_fn fn)
{
	lay_expr *e = p->e;
	size_t k;
	int rc;

	if (e->root)
		return walk(p, e->root, 1, fn);
	for (k = 0; k < e->nact; k++)
		if ((rc = walk(p, e->act[k].value, 0, fn)) < 0)
			return rc;
	return 0;
}

/* Every path written: action and projection paths, then those in nodes. */
typedef int (*path_fn)(struct xctx *p, struct xpath *path);

static int paths_in(struct xctx *p, struct xnode *n, path_fn fn)
{
	size_t k;
	int rc;

	if (!n)
		return 0;
	if (n->kind == X_PATH)
		return fn(p, &n->path);
	for (k = 0; k < n->narg; k++)
		if ((rc = paths_in(p, n->arg[k], fn)) < 0)
			return rc;
	return 0;
}

static int walk_paths(struct xctx *p, path_fn fn)
{
	lay_expr *e = p->e;
	size_t k;
	int rc;

	if (e->root)
		return paths_in(p, e->root, fn);
	for (k = 0; k < e->npaths; k++)
		if ((rc = fn(p, &e->paths[k])) < 0)
			return rc;
	for (k = 0; k < e->nact; k++)
		if ((rc = fn(p, &e->act[k].path)) < 0 ||
		    (rc = paths_in(p, e->act[k].value, fn)) < 0)
			return rc;
	return 0;
}

/* ---- Checks before any item ---- */

static int check_func_name(struct xctx *p, struct xnode *n, int in_cond)
{
	(void)in_cond;
	if (n->kind == X_FUNC && n->op == F_UNKNOWN)
		return lay_xt_fail(p, "Invalid function name; function: %.*s", (int)n->tlen,
				   n->text);
	return 0;
}

static int check_func_place(struct xctx *p, struct xnode *n, int in_cond)
{
	size_t f;

	if (n->kind != X_FUNC)
		return 0;
	f = func_at(n->op);
	if (p->e->kind == LAY_EXPR_UPDATE) {
		if (funcs[f].where != W_UPDATE)
			return lay_xt_fail(p,
					   "The function is not allowed in an update expression; "
					   "function: %s",
					   funcs[f].name);
		return 0;
	}
	if (funcs[f].where == W_UPDATE)
		return lay_xt_fail(
		    p, "The function is not allowed in a condition expression; function: %s",
		    funcs[f].name);
	if ((funcs[f].where == W_COND) != (in_cond != 0))
		return lay_xt_fail(
		    p,
		    "The function is not allowed to be used this way in an expression; "
		    "function: %s",
		    funcs[f].name);
	return 0;
}

/* The condition functions stand where a condition does, size never. */
static int check_places(struct xctx *p)
{
	return walk_all(p, check_func_place);
}

static int check_reserved(struct xctx *p, struct xpath *path)
{
	size_t k;

	for (k = 0; k < path->n; k++) {
		const struct xel *el = &path->el[k];

		if (el->idx < 0 && el->text[0] != '#' && lay_expr_reserved(el->text, el->tlen))
			return lay_xt_fail(
			    p, "Attribute name is a reserved keyword; reserved keyword: %.*s",
			    (int)el->tlen, el->text);
		if (el->idx > INT_MAX)
			return lay_xt_fail(
			    p, "List index is not within the allowable range; index: [%.*s]",
			    (int)el->tlen, el->text);
	}
	if (path->n > LAY_MAX_DEPTH)
		return lay_xt_fail(
		    p, "The document path has too many nesting levels; nesting levels: %zu",
		    path->n);
	return 0;
}

/* Resolve the "#n" of a path against the env's names. */
static int resolve_names(struct xctx *p, struct xpath *path)
{
	const lay_item *names = p->env ? p->env->names : NULL;
	size_t k, i;

	for (k = 0; k < path->n; k++) {
		struct xel *el = &path->el[k];

		if (el->idx >= 0 || el->text[0] != '#')
			continue;
		for (i = 0; names && i < names->n; i++)
			if (names->a[i].name_len == el->tlen &&
			    memcmp(names->a[i].name, el->text, el->tlen) == 0)
				break;
		if (!names || i == names->n)
			return lay_xt_fail(
			    p,
			    "An expression attribute name used in the document path is "
			    "not defined; attribute name: %.*s",
			    (int)el->tlen, el->text);
		p->env->names_used[i] = 1;
		el->name = names->a[i].v.u.p;
		el->len = names->a[i].v.len;
	}
	return 0;
}

static int resolve_value(struct xctx *p, struct xnode *n, int in_cond)
{
	const lay_item *values = p->env ? p->env->values : NULL;
	size_t i;

	(void)in_cond;
	if (n->kind != X_VALUE)
		return 0;
	for (i = 0; values && i < values->n; i++)
		if (values->a[i].name_len == n->tlen &&
		    memcmp(values->a[i].name, n->text, n->tlen) == 0)
			break;
	if (!values || i == values->n)
		return lay_xt_fail(
		    p,
		    "An expression attribute value used in expression is not defined; "
		    "attribute value: %.*s",
		    (int)n->tlen, n->text);
	p->env->values_used[i] = 1;
	n->value = &values->a[i].v;
	return 0;
}

static int el_eq(const struct xel *a, const struct xel *b)
{
	if ((a->idx < 0) != (b->idx < 0))
		return 0;
	if (a->idx >= 0)
		return a->idx == b->idx;
	return a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
}

/* Paths of an update or a projection: none inside another (overlap), none
 * using one attribute both as a map and as a list (conflict). */
static int check_overlaps(struct xctx *p, struct xpath *const *paths, size_t n)
{
	char one[LAY_ERR_MSG / 2], two[LAY_ERR_MSG / 2];
	size_t i, j, k;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (j = 1; j < n; j++)
			for (i = 0; i < j; i++) {
				const struct xpath *a = paths[i], *b = paths[j];
				int conflict = 0;

				for (k = 0; k < a->n && k < b->n; k++) {
					if ((a->el[k].idx < 0) != (b->el[k].idx < 0)) {
						conflict = 1;
						break;
					}
					if (!el_eq(&a->el[k], &b->el[k]))
						break;
				}
				if (pass == 0 && !conflict && (k == a->n || k == b->n))
					return lay_xt_fail(
					    p,
					    "Two document paths overlap with each other; "
					    "must remove or rewrite one of these paths; "
					    "path one: %s, path two: %s",
					    path_str(one, sizeof(one), a),
					    path_str(two, sizeof(two), b));
				if (pass == 1 && conflict)
					return lay_xt_fail(
					    p,
					    "Two document paths conflict with each other; "
					    "must remove or rewrite one of these paths; "
					    "path one: %s, path two: %s",
					    path_str(one, sizeof(one), a),
					    path_str(two, sizeof(two), b));
			}
	return 0;
}

static int path_eq(const struct xpath *a, const struct xpath *b)
{
	size_t k;

	if (a->n != b->n)
		return 0;
	for (k = 0; k < a->n; k++)
		if (!el_eq(&a->el[k], &b->el[k]))
			return 0;
	return 1;
}

/* The type an operand has whatever the item: a value's, a size's. */
static lay_type static_type(const struct xnode *n)
{
	if (n->kind == X_VALUE)
		return n->value->type;
	if (n->kind == X_PLUS || n->kind == X_MINUS || (n->kind == X_FUNC && n->op == F_SIZE))
		return LAY_N;
	if (n->kind == X_FUNC && n->op == F_LIST_APPEND)
		return LAY_L;
	return 0;
}

static int type_fail(struct xctx *p, const char *op, lay_type t)
{
	return lay_xt_fail(p,
			   "Incorrect operand type for operator or function; operator or function: "
			   "%s, operand type: %s",
			   op, lay_type_name(t));
}

/* The first operand, a path, may not be repeated among the others. */
static int check_distinct(struct xctx *p, const char *op, struct xnode *n)
{
	char buf[LAY_ERR_MSG / 2];
	size_t k;

	if (n->narg < 2 || n->arg[0]->kind != X_PATH)
		return 0;
	for (k = 1; k < n->narg; k++)
		if (n->arg[k]->kind == X_PATH && path_eq(&n->arg[0]->path, &n->arg[k]->path))
			return lay_xt_fail(
			    p,
			    "The first operand must be distinct from the remaining operands "
			    "for this operator or function; operator: %s, first operand: %s",
			    op, path_str(buf, sizeof(buf), &n->arg[0]->path));
	return 0;
}

static int orderable(lay_type t)
{
	return t == LAY_S || t == LAY_N || t == LAY_B;
}

/* "AttributeValue: {S:a}" of a BETWEEN bound. */
static const char *bound_str(char *buf, size_t sz, const lay_value *v)
{
	lay_buf b64 = LAY_BUF_INIT;

	if (v->type == LAY_B && lay_b64_encode(&b64, v->u.p, v->len) == 0)
		snprintf(buf, sz, "AttributeValue: {B:%s}", b64.p ? b64.p : "");
	else
		snprintf(buf, sz, "AttributeValue: {%s:%.*s}", lay_type_name(v->type), (int)v->len,
			 v->u.p);
	lay_buf_free(&b64);
	return buf;
}

static int check_between(struct xctx *p, struct xnode *n)
{
	char lo[LAY_ERR_MSG / 3], hi[LAY_ERR_MSG / 3];
	const lay_value *a, *b;
	size_t k;

	for (k = 0; k < 3; k++)
		if (static_type(n->arg[k]) && !orderable(static_type(n->arg[k])))
			return type_fail(p, "BETWEEN", static_type(n->arg[k]));
	if (n->arg[1]->kind != X_VALUE || n->arg[2]->kind != X_VALUE)
		return 0;
	a = n->arg[1]->value;
	b = n->arg[2]->value;
	if (a->type != b->type)
		return lay_xt_fail(
		    p,
		    "The BETWEEN operator requires same data type for lower and upper "
		    "bounds; lower bound operand: %s, upper bound operand: %s",
		    bound_str(lo, sizeof(lo), a), bound_str(hi, sizeof(hi), b));
	if (lay_value_cmp(a, b) > 0)
		return lay_xt_fail(
		    p,
		    "The BETWEEN operator requires upper bound to be greater than or "
		    "equal to lower bound; lower bound operand: %s, upper bound operand: %s",
		    bound_str(lo, sizeof(lo), a), bound_str(hi, sizeof(hi), b));
	return 0;
}

static const char *const type_names_valid = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}";

static int check_func(struct xctx *p, struct xnode *n)
{
	size_t f = func_at(n->op), k;
	lay_type t;
	int rc;

	if (n->narg != funcs[f].nargs)
		return lay_xt_fail(
		    p,
		    "Incorrect number of operands for operator or function; operator or "
		    "function: %s, number of operands: %zu",
		    funcs[f].name, n->narg);
	if ((n->op == F_EXISTS || n->op == F_NOT_EXISTS || n->op == F_TYPE ||
	     n->op == F_IF_NOT_EXISTS) &&
	    n->arg[0]->kind != X_PATH)
		return lay_xt_fail(p,
				   "Operator or function requires a document path; operator or "
				   "function: %s",
				   funcs[f].name);
	if (n->op != F_SIZE && n->op != F_LIST_APPEND &&
	    (rc = check_distinct(p, funcs[f].name, n)) < 0)
		return rc;
	switch (n->op) {
	case F_SIZE:
		t = static_type(n->arg[0]);
		if (t == LAY_N || t == LAY_BOOL || t == LAY_NULL)
			return type_fail(p, "size", t);
		break;
	case F_BEGINS:
		for (k = 0; k < 2; k++)
			if ((t = static_type(n->arg[k])) && t != LAY_S && t != LAY_B)
				return type_fail(p, "begins_with", t);
		break;
	case F_TYPE:
		if (n->arg[1]->kind != X_VALUE)
			return lay_xt_fail(
			    p,
			    "Incorrect operand type for operator or function; operator or "
			    "function: attribute_type, operand type: %s",
			    static_type(n->arg[1]) ? lay_type_name(static_type(n->arg[1]))
						   : "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
		t = n->arg[1]->value->type;
		if (t != LAY_S)
			return type_fail(p, "attribute_type", t);
		if (!lay_type_parse(n->arg[1]->value->u.p, n->arg[1]->value->len))
			return lay_xt_fail(
			    p, "Invalid attribute type name found; type: %.*s, valid types: %s",
			    (int)n->arg[1]->value->len, n->arg[1]->value->u.p, type_names_valid);
		break;
	case F_LIST_APPEND:
		for (k = 0; k < 2; k++)
			if ((t = static_type(n->arg[k])) && t != LAY_L)
				return type_fail(p, "list_append", t);
		break;
	default:
		break;
	}
	return 0;
}

static int check_operands(struct xctx *p, struct xnode *n, int in_cond)
{
	size_t k;
	lay_type t;
	int rc;

	(void)in_cond;
	switch (n->kind) {
	case X_CMP:
		if ((rc = check_distinct(p, lay_xt_cmp(n->op), n)) < 0)
			return rc;
		if (n->op != C_EQ && n->op != C_NE)
			for (k = 0; k < 2; k++)
				if ((t = static_type(n->arg[k])) && !orderable(t))
					return type_fail(p, lay_xt_cmp(n->op), t);
		return 0;
	case X_BETWEEN:
		if ((rc = check_distinct(p, "BETWEEN", n)) < 0)
			return rc;
		return check_between(p, n);
	case X_IN:
		if (n->narg - 1 > LAY_EXPR_MAX_IN)
			return lay_xt_fail(
			    p,
			    "The IN operator is provided with too many operands; number of "
			    "operands: %zu",
			    n->narg - 1);
		return check_distinct(p, "IN", n);
	case X_FUNC:
		return check_func(p, n);
	case X_PLUS:
	case X_MINUS:
		for (k = 0; k < 2; k++)
			if ((t = static_type(n->arg[k])) && t != LAY_N)
				return type_fail(p, n->kind == X_PLUS ? "+" : "-", t);
		return 0;
	default:
		return 0;
	}
}

/* DynamoDB's walk of an expression: the operands of each operator first,
 * in the order written, each name and value resolved as it comes, then the
 * operator's own checks. */
static int check_tree(struct xctx *p, struct xnode *n)
{
	size_t k;
	int rc;

	for (k = 0; k < n->narg; k++)
		if ((rc = check_tree(p, n->arg[k])) < 0)
			return rc;
	if (n->kind == X_PATH)
		return resolve_names(p, &n->path);
	if (n->kind == X_VALUE)
		return resolve_value(p, n, 0);
	return check_operands(p, n, 0);
}

static const char *long_type(lay_type t)
{
	switch (t) {
	case LAY_S:
		return "STRING";
	case LAY_N:
		return "NUMBER";
	case LAY_B:
		return "BINARY";
	case LAY_BOOL:
		return "BOOLEAN";
	case LAY_NULL:
		return "NULL";
	case LAY_M:
		return "MAP";
	case LAY_L:
		return "LIST";
	case LAY_SS:
		return "STRING_SET";
	case LAY_NS:
		return "NUMBER_SET";
	case LAY_BS:
		return "BINARY_SET";
	}
	return "?";
}

static int check_actions(struct xctx *p)
{
	lay_expr *e = p->e;
	size_t k;
	int rc;

	/* DynamoDB reads the actions from the last back to the first: all the
	 * names of their values, then each one's values and operands */
	for (k = e->nact; k-- > 0;)
		if ((rc = paths_in(p, e->act[k].value, resolve_names)) < 0)
			return rc;
	for (k = e->nact; k-- > 0;) {
		struct xaction *a = &e->act[k];
		lay_type t;

		if (a->value && (rc = check_tree(p, a->value)) < 0)
			return rc;
		if (a->clause != A_ADD && a->clause != A_DELETE)
			continue;
		t = a->value->value->type;
		if (t == LAY_SS || t == LAY_NS || t == LAY_BS || (a->clause == A_ADD && t == LAY_N))
			continue;
		return lay_xt_fail(p,
				   "Incorrect operand type for operator or function; operator: %s, "
				   "operand type: %s, typeSet: ALLOWED_FOR_%s_OPERAND",
				   lay_xt_clause(a->clause), long_type(t),
				   lay_xt_clause(a->clause));
	}
	return 0;
}

/* ---- Key conditions ---- */

static int key_fail(struct xctx *p, const char *msg, const char *arg)
{
	return lay_err_set(p->err, -EINVAL, "%s%s", msg, arg ? arg : "");
}

static const char *node_op_name(const struct xnode *n)
{
	switch (n->kind) {
	case X_OR:
		return "OR";
	case X_NOT:
		return "NOT";
	case X_IN:
		return "IN";
	case X_CMP:
		return lay_xt_cmp(n->op);
	case X_FUNC:
		return funcs[func_at(n->op)].name;
	default:
		return "?";
	}
}

static int key_leaf(struct xctx *p, struct xnode *n, size_t *count)
{
	static const lay_key_op ops[] = { 0,	      LAY_KEY_EQ, 0,	     LAY_KEY_LT,
					  LAY_KEY_LE, LAY_KEY_GT, LAY_KEY_GE };
	static const lay_key_op flipped[] = { 0,	  LAY_KEY_EQ, 0,	 LAY_KEY_GT,
					      LAY_KEY_GE, LAY_KEY_LT, LAY_KEY_LE };
	struct xkey k;
	struct xnode *path = NULL;
	size_t i;

	if (n->kind == X_OR || n->kind == X_NOT || n->kind == X_IN ||
	    (n->kind == X_CMP && n->op == C_NE) || (n->kind == X_FUNC && n->op != F_BEGINS))
		return key_fail(
		    p, "Invalid operator used in KeyConditionExpression: ", node_op_name(n));
	if ((n->kind == X_BETWEEN || n->kind == X_FUNC) && n->arg[0]->kind != X_PATH)
		return key_fail(
		    p,
		    n->kind == X_BETWEEN
			? "Invalid condition in KeyConditionExpression: BETWEEN operator "
			  "must have the key attribute as its first operand"
			: "Invalid condition in KeyConditionExpression: begins_with operator "
			  "must have the key attribute as its first operand",
		    NULL);
	for (i = 0; i < n->narg; i++) {
		if (n->arg[i]->kind == X_FUNC)
			return key_fail(
			    p, "KeyConditionExpressions cannot contain nested operations", NULL);
		if (n->arg[i]->kind != X_PATH)
			continue;
		if (n->arg[i]->path.n > 1)
			return key_fail(p,
					"KeyConditionExpressions cannot have conditions on nested "
					"attributes",
					NULL);
		if (path)
			return key_fail(p,
					"Invalid condition in KeyConditionExpression: Multiple "
					"attribute names used in one condition",
					NULL);
		path = n->arg[i];
	}
	if (!path)
		return key_fail(p,
				"Invalid condition in KeyConditionExpression: No key attribute "
				"specified",
				NULL);
	memset(&k, 0, sizeof(k));
	k.name = path->path.el[0].name;
	k.len = path->path.el[0].len;
	if (n->kind == X_CMP) {
		k.op = n->arg[0] == path ? ops[n->op] : flipped[n->op];
		k.lo = n->arg[n->arg[0] == path]->value;
	} else if (n->kind == X_BETWEEN) {
		k.op = LAY_KEY_BETWEEN;
		k.lo = n->arg[1]->value;
		k.hi = n->arg[2]->value;
	} else {
		k.op = LAY_KEY_BEGINS;
		k.lo = n->arg[1]->value;
	}
	for (i = 0; i < p->e->nkey; i++)
		if (p->e->key[i].len == k.len && memcmp(p->e->key[i].name, k.name, k.len) == 0)
			return key_fail(p,
					"KeyConditionExpressions must only contain one condition "
					"per key",
					NULL);
	if (++*count > 2)
		return key_fail(p, "Conditions can be of length 1 or 2 only", NULL);
	p->e->key[p->e->nkey++] = k;
	return 0;
}

/* The leaves of the ANDs, each one attribute's condition, in order. */
static int key_collect(struct xctx *p, struct xnode *n, size_t *count)
{
	int rc;

	if (n->kind == X_AND) {
		if ((rc = key_collect(p, n->arg[0], count)) < 0)
			return rc;
		return key_collect(p, n->arg[1], count);
	}
	return key_leaf(p, n, count);
}

static int check_key(struct xctx *p)
{
	size_t count = 0;

	return key_collect(p, p->e->root, &count);
}

/* ---- All of them ---- */

int lay_xt_check(struct xctx *p)
{
	struct xpath **paths = NULL;
	size_t n = 0, k;
	int rc;

	if (p->redundant)
		return lay_xt_fail(p, "The expression has redundant parentheses;");
	if ((rc = walk_all(p, check_func_name)) < 0 || (rc = check_places(p)) < 0 ||
	    (rc = walk_paths(p, check_reserved)) < 0)
		return rc;
	if (p->dup_clause >= 0)
		return lay_xt_fail(
		    p, "The \"%s\" section can only be used once in an update expression;",
		    lay_xt_clause(p->dup_clause));
	/* an update's own paths first: their overlaps come before its values */
	for (k = 0; k < p->e->nact; k++)
		if ((rc = resolve_names(p, &p->e->act[k].path)) < 0)
			return rc;
	if (p->e->npaths && (rc = walk_paths(p, resolve_names)) < 0)
		return rc;
	if (p->e->nact || p->e->npaths) {
		n = p->e->nact ? p->e->nact : p->e->npaths;
		if (!(paths = calloc(n, sizeof(*paths))))
			return lay_xt_nomem(p);
		for (k = 0; k < n; k++)
			paths[k] = p->e->nact ? &p->e->act[k].path : &p->e->paths[k];
		rc = check_overlaps(p, paths, n);
		free(paths);
		if (rc < 0)
			return rc;
	}
	if (p->e->root && (rc = check_tree(p, p->e->root)) < 0)
		return rc;
	if ((rc = check_actions(p)) < 0)
		return rc;
	if (p->e->kind == LAY_EXPR_KEY)
		return check_key(p);
	return 0;
}
