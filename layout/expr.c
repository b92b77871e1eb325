/* Expressions of DynamoDB's API (expr.h, SPEC §14): the substitutions of
 * a request, and parsed expressions at work on items: conditions, updates,
 * projections and key conditions. exprparse.c parses and checks them. */
#include "expr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exprtree.h"
#include "num.h"

int lay_expr_env_init(lay_expr_env *env, const lay_item *names, const lay_item *values,
		      lay_err *err)
{
	size_t i;

	memset(env, 0, sizeof(*env));
	env->names = names;
	env->values = values;
	if ((names && names->n && !(env->names_used = calloc(names->n, 1))) ||
	    (values && values->n && !(env->values_used = calloc(values->n, 1))))
		return lay_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; names && i < names->n; i++) {
		if (names->a[i].name[0] != '#')
			return lay_err_set(err, -EINVAL,
					   "ExpressionAttributeNames contains invalid key: Syntax "
					   "error; key: \"%s\"",
					   names->a[i].name);
		if (names->a[i].v.type != LAY_S || names->a[i].v.len == 0)
			return lay_err_set(err, -EINVAL,
					   "ExpressionAttributeNames contains invalid value: Empty "
					   "attribute name; key: \"%s\"",
					   names->a[i].name);
	}
	for (i = 0; values && i < values->n; i++)
		if (values->a[i].name[0] != ':')
			return lay_err_set(err, -EINVAL,
					   "ExpressionAttributeValues contains invalid key: Syntax "
					   "error; key: \"%s\"",
					   values->a[i].name);
	return 0;
}

void lay_expr_env_free(lay_expr_env *env)
{
	free(env->names_used);
	free(env->values_used);
	memset(env, 0, sizeof(*env));
}

/* "{#a, #b}" of the attributes of it whose flag is 0, into out. */
static int unused_list(lay_buf *out, const lay_item *it, const unsigned char *used)
{
	size_t i;
	int n = 0;

	for (i = 0; it && i < it->n; i++)
		if (!used || !used[i])
			if (lay_buf_adds(out, n++ ? ", " : "{") < 0 ||
			    lay_buf_adds(out, it->a[i].name) < 0)
				return -ENOMEM;
	if (n && lay_buf_addc(out, '}') < 0)
		return -ENOMEM;
	return n;
}

int lay_expr_env_unused(const lay_expr_env *env, lay_err *err)
{
	lay_buf b = LAY_BUF_INIT;
	int n, rc = 0;

	if ((n = unused_list(&b, env->names, env->names_used)) > 0)
		rc =
		    lay_err_set(err, -EINVAL,
				"Value provided in ExpressionAttributeNames unused in expressions: "
				"keys: %s",
				b.p);
	else if (n == 0 && (n = unused_list(&b, env->values, env->values_used)) > 0)
		rc = lay_err_set(err, -EINVAL,
				 "Value provided in ExpressionAttributeValues unused in "
				 "expressions: keys: %s",
				 b.p);
	if (n < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	lay_buf_free(&b);
	return rc;
}

/* ---- Paths on items ---- */

static const lay_value *find_member(const lay_value *m, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < m->len; i++)
		if (m->u.a[i].name_len == len && memcmp(m->u.a[i].name, name, len) == 0)
			return &m->u.a[i].v;
	return NULL;
}

/* The value at path in it, or NULL. */
static const lay_value *get_path(const lay_item *it, const struct xpath *path)
{
	const lay_attr *a;
	const lay_value *v;
	size_t k;

	if (!it || !(a = lay_item_find(it, path->el[0].name, path->el[0].len)))
		return NULL;
	v = &a->v;
	for (k = 1; k < path->n && v; k++) {
		const struct xel *el = &path->el[k];

		if (el->idx >= 0)
			v = v->type == LAY_L && (size_t)el->idx < v->len ? &v->u.v[el->idx] : NULL;
		else
			v = v->type == LAY_M ? find_member(v, el->name, el->len) : NULL;
	}
	return v;
}

/* ---- Conditions ---- */

/* An operand's value: borrowed, or a size held here. */
struct opnd {
	const lay_value *v;
	lay_value tmp;
	char num[24];
};

static void eval_operand(const struct xnode *n, const lay_item *item, struct opnd *o)
{
	struct opnd arg;
	size_t size;

	o->v = NULL;
	if (n->kind == X_VALUE) {
		o->v = n->value;
	} else if (n->kind == X_PATH) {
		o->v = get_path(item, &n->path);
	} else if (n->kind == X_FUNC && n->op == F_SIZE) {
		eval_operand(n->arg[0], item, &arg);
		if (!arg.v || arg.v->type == LAY_N || arg.v->type == LAY_BOOL ||
		    arg.v->type == LAY_NULL)
			return;
		size = arg.v->len; /* bytes of S and B, members of the others */
		o->tmp.type = LAY_N;
		o->tmp.len = (size_t)snprintf(o->num, sizeof(o->num), "%zu", size);
		o->tmp.u.p = o->num;
		o->v = &o->tmp;
	}
}

static int orderable(const lay_value *v)
{
	return v->type == LAY_S || v->type == LAY_N || v->type == LAY_B;
}

static int compare(int op, const lay_value *a, const lay_value *b)
{
	int c;

	if (op == C_EQ)
		return a && b && lay_value_equal(a, b);
	if (op == C_NE)
		return !a || !b || !lay_value_equal(a, b);
	if (!a || !b || a->type != b->type || !orderable(a))
		return 0;
	c = lay_value_cmp(a, b);
	switch (op) {
	case C_LT:
		return c < 0;
	case C_LE:
		return c <= 0;
	case C_GT:
		return c > 0;
	default:
		return c >= 0;
	}
}

static int contains(const lay_value *a, const lay_value *b)
{
	size_t i;

	if (!a || !b)
		return 0;
	if ((a->type == LAY_S || a->type == LAY_B) && b->type == a->type)
		return b->len == 0 || memmem(a->u.p, a->len, b->u.p, b->len) != NULL;
	if ((a->type == LAY_SS && b->type == LAY_S) || (a->type == LAY_NS && b->type == LAY_N) ||
	    (a->type == LAY_BS && b->type == LAY_B) || a->type == LAY_L) {
		for (i = 0; i < a->len; i++)
			if (lay_value_equal(&a->u.v[i], b))
				return 1;
	}
	return 0;
}

static int test_node(const struct xnode *n, const lay_item *item)
{
	struct opnd a, b, c;
	size_t k;

	switch (n->kind) {
	case X_AND:
		return test_node(n->arg[0], item) && test_node(n->arg[1], item);
	case X_OR:
		return test_node(n->arg[0], item) || test_node(n->arg[1], item);
	case X_NOT:
		return !test_node(n->arg[0], item);
	case X_CMP:
		eval_operand(n->arg[0], item, &a);
		eval_operand(n->arg[1], item, &b);
		return compare(n->op, a.v, b.v);
	case X_BETWEEN:
		eval_operand(n->arg[0], item, &a);
		eval_operand(n->arg[1], item, &b);
		eval_operand(n->arg[2], item, &c);
		if (!a.v || !b.v || !c.v || a.v->type != b.v->type || a.v->type != c.v->type ||
		    !orderable(a.v))
			return 0;
		return lay_value_cmp(b.v, a.v) <= 0 && lay_value_cmp(a.v, c.v) <= 0;
	case X_IN:
		eval_operand(n->arg[0], item, &a);
		for (k = 1; a.v && k < n->narg; k++) {
			eval_operand(n->arg[k], item, &b);
			if (b.v && lay_value_equal(a.v, b.v))
				return 1;
		}
		return 0;
	case X_FUNC:
		eval_operand(n->arg[0], item, &a);
		switch (n->op) {
		case F_EXISTS:
			return a.v != NULL;
		case F_NOT_EXISTS:
			return a.v == NULL;
		case F_TYPE:
			eval_operand(n->arg[1], item, &b);
			return a.v && b.v && b.v->type == LAY_S &&
			       lay_type_parse(b.v->u.p, b.v->len) == a.v->type;
		case F_BEGINS:
			eval_operand(n->arg[1], item, &b);
			return a.v && b.v && a.v->type == b.v->type &&
			       (a.v->type == LAY_S || a.v->type == LAY_B) && a.v->len >= b.v->len &&
			       memcmp(a.v->u.p, b.v->u.p, b.v->len) == 0;
		case F_CONTAINS:
			eval_operand(n->arg[1], item, &b);
			return contains(a.v, b.v);
		default:
			return 0;
		}
	default:
		return 0;
	}
}

int lay_expr_test(const lay_expr *e, const lay_item *item, lay_err *err)
{
	(void)err;
	if (!e->root)
		return 1;
	return test_node(e->root, item);
}

/* ---- Updates ---- */

static int bad_type(lay_err *err)
{
	return lay_err_set(err, -EINVAL,
			   "An operand in the update expression has an incorrect data type");
}

static int bad_path(lay_err *err)
{
	return lay_err_set(
	    err, -EINVAL,
	    "The document path provided in the update expression is invalid for update");
}

static int no_mem(lay_err *err)
{
	return lay_err_set(err, -ENOMEM, "out of memory applying an update expression");
}

/* A SET's value, computed on the item before the update (old), into *res;
 * what it computes lives in dst's arena, the rest is borrowed. */
static int eval_value(const struct xnode *n, const lay_item *old, lay_item *dst, lay_value *res,
		      lay_err *err)
{
	lay_value a, b;
	const lay_value *v;
	lay_buf sum = LAY_BUF_INIT;
	int rc;

	switch (n->kind) {
	case X_VALUE:
		*res = *n->value;
		return 0;
	case X_PATH:
		if (!(v = get_path(old, &n->path)))
			return lay_err_set(err, -EINVAL,
					   "The provided expression refers to an "
					   "attribute that does not exist in the item");
		*res = *v;
		return 0;
	case X_FUNC:
		if (n->op == F_IF_NOT_EXISTS) {
			if ((v = get_path(old, &n->arg[0]->path)) != NULL) {
				*res = *v;
				return 0;
			}
			return eval_value(n->arg[1], old, dst, res, err);
		}
		/* list_append */
		if ((rc = eval_value(n->arg[0], old, dst, &a, err)) < 0 ||
		    (rc = eval_value(n->arg[1], old, dst, &b, err)) < 0)
			return rc;
		if (a.type != LAY_L || b.type != LAY_L)
			return bad_type(err);
		res->type = LAY_L;
		res->len = a.len + b.len;
		if (!(res->u.v =
			  lay_item_alloc(dst, (res->len ? res->len : 1) * sizeof(lay_value))))
			return no_mem(err);
		if (a.len)
			memcpy(res->u.v, a.u.v, a.len * sizeof(lay_value));
		if (b.len)
			memcpy(res->u.v + a.len, b.u.v, b.len * sizeof(lay_value));
		return 0;
	case X_PLUS:
	case X_MINUS:
		if ((rc = eval_value(n->arg[0], old, dst, &a, err)) < 0 ||
		    (rc = eval_value(n->arg[1], old, dst, &b, err)) < 0)
			return rc;
		if (a.type != LAY_N || b.type != LAY_N)
			return bad_type(err);
		if ((rc = lay_num_add(&sum, a.u.p, a.len, b.u.p, b.len, n->kind == X_MINUS, err)) <
		    0)
			return rc;
		res->type = LAY_N;
		res->len = sum.len;
		res->u.p = lay_item_strdup(dst, sum.p, sum.len);
		lay_buf_free(&sum);
		return res->u.p ? 0 : no_mem(err);
	default:
		return bad_type(err);
	}
}

/* Where path lands in it: the container (NULL: the item itself) and the
 * value there now (NULL: none yet). A missing container, or one of the
 * wrong kind, is DynamoDB's "invalid for update". */
static int locate(lay_item *it, const struct xpath *path, lay_value **parent, lay_value **slot,
		  lay_err *err)
{
	const struct xel *last = &path->el[path->n - 1];
	lay_value *v = NULL;
	size_t k, i;

	*parent = NULL;
	*slot = NULL;
	if (path->n == 1) {
		*slot = (lay_value *)get_path(it, path);
		return 0;
	}
	for (k = 0; k + 1 < path->n; k++) {
		const struct xel *el = &path->el[k];

		if (k == 0) {
			const lay_attr *a = lay_item_find(it, el->name, el->len);
			v = a ? (lay_value *)&a->v : NULL;
		} else if (el->idx >= 0) {
			v = v->type == LAY_L && (size_t)el->idx < v->len ? &v->u.v[el->idx] : NULL;
		} else {
			v = v->type == LAY_M ? (lay_value *)find_member(v, el->name, el->len)
					     : NULL;
		}
		if (!v || v->type == 0)
			return bad_path(err);
	}
	if ((last->idx >= 0 && v->type != LAY_L) || (last->idx < 0 && v->type != LAY_M))
		return bad_path(err);
	*parent = v;
	if (last->idx >= 0) {
		if ((size_t)last->idx < v->len)
			*slot = &v->u.v[last->idx];
	} else {
		for (i = 0; i < v->len; i++)
			if (v->u.a[i].name_len == last->len &&
			    memcmp(v->u.a[i].name, last->name, last->len) == 0)
				*slot = &v->u.a[i].v;
	}
	return 0;
}

/* Grow an arena array of n elements of size bytes by one (zeroed). */
static void *grow(lay_item *it, void *arr, size_t n, size_t size)
{
	char *p = lay_item_alloc(it, (n + 1) * size);

	if (p && n)
		memcpy(p, arr, n * size);
	return p;
}

/* Put a copy of v at path (its container already located). */
static int put(lay_item *it, const struct xpath *path, lay_value *parent, lay_value *slot,
	       const lay_value *v, lay_err *err)
{
	const struct xel *last = &path->el[path->n - 1];
	lay_value copy;
	lay_attr *a;

	if (lay_value_copy(it, &copy, v) < 0)
		return no_mem(err);
	if (slot) {
		*slot = copy;
		return 0;
	}
	if (parent && parent->type == LAY_L) {
		lay_value *l = grow(it, parent->u.v, parent->len, sizeof(lay_value));

		if (!l)
			return no_mem(err);
		l[parent->len++] = copy;
		parent->u.v = l;
		return 0;
	}
	a = grow(it, parent ? (void *)parent->u.a : (void *)it->a, parent ? parent->len : it->n,
		 sizeof(lay_attr));
	if (!a)
		return no_mem(err);
	if (parent) {
		parent->u.a = a;
		a += parent->len++;
	} else {
		it->a = a;
		a += it->n++;
	}
	if (!(a->name = lay_item_strdup(it, last->name, last->len)))
		return no_mem(err);
	a->name_len = last->len;
	a->v = copy;
	return 0;
}

static int is_set(lay_type t)
{
	return t == LAY_SS || t == LAY_NS || t == LAY_BS;
}

static int set_has(const lay_value *set, const lay_value *m)
{
	size_t i;

	for (i = 0; i < set->len; i++)
		if (lay_value_equal(&set->u.v[i], m))
			return 1;
	return 0;
}

static int do_add(lay_item *it, const struct xaction *a, lay_err *err)
{
	const lay_value *v = a->value->value;
	lay_value *parent, *slot, *m;
	lay_buf sum = LAY_BUF_INIT;
	size_t i, n;
	int rc;

	if ((rc = locate(it, &a->path, &parent, &slot, err)) < 0)
		return rc;
	if (!slot || slot->type == 0)
		return put(it, &a->path, parent, NULL, v, err);
	if (slot->type != v->type)
		return bad_type(err);
	if (v->type == LAY_N) {
		if ((rc = lay_num_add(&sum, slot->u.p, slot->len, v->u.p, v->len, 0, err)) < 0)
			return rc;
		slot->u.p = lay_item_strdup(it, sum.p, sum.len);
		slot->len = sum.len;
		lay_buf_free(&sum);
		return slot->u.p ? 0 : no_mem(err);
	}
	if (!(m = lay_item_alloc(it, (slot->len + v->len) * sizeof(lay_value))))
		return no_mem(err);
	memcpy(m, slot->u.v, slot->len * sizeof(lay_value));
	for (i = 0, n = slot->len; i < v->len; i++)
		if (!set_has(slot, &v->u.v[i]) && lay_value_copy(it, &m[n++], &v->u.v[i]) < 0)
			return no_mem(err);
	slot->u.v = m;
	slot->len = n;
	return 0;
}

static int do_delete(lay_item *it, const struct xaction *a, lay_err *err)
{
	const lay_value *v = a->value->value;
	lay_value *parent, *slot;
	size_t i, n;
	int rc;

	if ((rc = locate(it, &a->path, &parent, &slot, err)) < 0)
		return rc;
	if (!slot || slot->type == 0)
		return 0;
	if (slot->type != v->type || !is_set(slot->type))
		return bad_type(err);
	for (i = 0, n = 0; i < slot->len; i++)
		if (!set_has(v, &slot->u.v[i]))
			slot->u.v[n++] = slot->u.v[i];
	slot->len = n;
	if (n == 0)
		slot->type = 0; /* an emptied set goes: dropped with the removals */
	return 0;
}

/* Drop the values marked removed (type 0) from v and what it holds. */
static void compact(lay_value *v)
{
	size_t i, n = 0;

	if (v->type == LAY_M) {
		for (i = 0; i < v->len; i++)
			if (v->u.a[i].v.type != 0) {
				compact(&v->u.a[i].v);
				v->u.a[n++] = v->u.a[i];
			}
		v->len = n;
	} else if (v->type == LAY_L) {
		for (i = 0; i < v->len; i++)
			if (v->u.v[i].type != 0) {
				compact(&v->u.v[i]);
				v->u.v[n++] = v->u.v[i];
			}
		v->len = n;
	}
}

static void compact_item(lay_item *it)
{
	size_t i, n = 0;

	for (i = 0; i < it->n; i++)
		if (it->a[i].v.type != 0) {
			compact(&it->a[i].v);
			it->a[n++] = it->a[i];
		}
	it->n = n;
}

static int apply(const lay_expr *e, const lay_item *old, lay_item *out, lay_err *err)
{
	lay_value *vals, *parent, *slot;
	size_t k;
	int rc;

	if (old && old->n) {
		if (!(out->a = lay_item_alloc(out, old->n * sizeof(lay_attr))))
			return no_mem(err);
		for (k = 0; k < old->n; k++) {
			out->a[k].name = lay_item_strdup(out, old->a[k].name, old->a[k].name_len);
			out->a[k].name_len = old->a[k].name_len;
			if (!out->a[k].name || lay_value_copy(out, &out->a[k].v, &old->a[k].v) < 0)
				return no_mem(err);
		}
		out->n = old->n;
	}
	/* every SET's value comes from the item as it was */
	if (!(vals = lay_item_alloc(out, (e->nact ? e->nact : 1) * sizeof(lay_value))))
		return no_mem(err);
	for (k = 0; k < e->nact; k++)
		if (e->act[k].clause == A_SET &&
		    (rc = eval_value(e->act[k].value, old, out, &vals[k], err)) < 0)
			return rc;
	for (k = 0; k < e->nact; k++) {
		const struct xaction *a = &e->act[k];

		switch (a->clause) {
		case A_SET:
			if ((rc = locate(out, &a->path, &parent, &slot, err)) < 0 ||
			    (rc = put(out, &a->path, parent, slot, &vals[k], err)) < 0)
				return rc;
			break;
		case A_ADD:
			if ((rc = do_add(out, a, err)) < 0)
				return rc;
			break;
		case A_DELETE:
			if ((rc = do_delete(out, a, err)) < 0)
				return rc;
			break;
		default:
			break;
		}
	}
	/* removals last, all found before any goes, so list indexes hold */
	for (k = 0; k < e->nact; k++) {
		if (e->act[k].clause != A_REMOVE)
			continue;
		if ((rc = locate(out, &e->act[k].path, &parent, &slot, err)) < 0)
			return rc;
		if (slot)
			slot->type = 0;
	}
	compact_item(out);
	return 0;
}

int lay_expr_update(const lay_expr *e, const lay_item *old, lay_item *out, lay_err *err)
{
	int rc = apply(e, old, out, err);

	if (rc < 0)
		lay_item_free(out);
	return rc;
}

/* ---- Paths an expression names ---- */

static int path_head_is(const struct xpath *p, const char *name, size_t len)
{
	return p->n && p->el[0].len == len && memcmp(p->el[0].name, name, len) == 0;
}

static const struct xpath *node_touches(const struct xnode *n, const char *name, size_t len)
{
	const struct xpath *hit;
	size_t k;

	if (!n)
		return NULL;
	if (n->kind == X_PATH)
		return path_head_is(&n->path, name, len) ? &n->path : NULL;
	for (k = 0; k < n->narg; k++)
		if ((hit = node_touches(n->arg[k], name, len)) != NULL)
			return hit;
	return NULL;
}

int lay_expr_touches(const lay_expr *e, const char *name, size_t len)
{
	size_t k;

	if (!e)
		return 0;
	if (e->root)
		return node_touches(e->root, name, len) != NULL;
	for (k = 0; k < e->nact; k++)
		if (path_head_is(&e->act[k].path, name, len))
			return 1;
	for (k = 0; k < e->npaths; k++)
		if (path_head_is(&e->paths[k], name, len))
			return 1;
	return 0;
}

/* The first path of n (in the order written) whose head is a key. */
static const struct xpath *first_key_path(const struct xnode *n, const lay_schema *s)
{
	const struct xpath *hit;
	size_t k;

	if (n->kind == X_PATH)
		return path_head_is(&n->path, s->pk, strlen(s->pk)) ||
			       (s->sk[0] && path_head_is(&n->path, s->sk, strlen(s->sk)))
			   ? &n->path
			   : NULL;
	for (k = 0; k < n->narg; k++)
		if ((hit = first_key_path(n->arg[k], s)) != NULL)
			return hit;
	return NULL;
}

int lay_expr_filter_check(const lay_expr *e, const lay_schema *s, lay_err *err)
{
	const struct xpath *p;

	if (!e || !e->root || !(p = first_key_path(e->root, s)))
		return 0;
	return lay_err_set(err, -EINVAL,
			   "Filter Expression can only contain non-primary key "
			   "attributes: Primary key attribute: %.*s",
			   (int)p->el[0].len, p->el[0].name);
}

/* ---- Projections ---- */

struct proj {
	const struct xpath *path;
};

/* The parts of src that paths[0..n) name from element depth on, into *out
 * (in dst's arena); 0 with out->type 0 when none. */
static int project_value(lay_item *dst, lay_value *out, const lay_value *src,
			 const struct xpath *const *paths, size_t n, size_t depth)
{
	const struct xpath **sub;
	size_t i, k, m;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < n; k++)
		if (paths[k]->n == depth)
			return lay_value_copy(dst, out, src);
	if ((src->type != LAY_M && src->type != LAY_L) || src->len == 0)
		return 0;
	if (!(sub = malloc(n * sizeof(*sub))))
		return -ENOMEM;
	out->type = src->type;
	if (src->type == LAY_M)
		out->u.a = lay_item_alloc(dst, src->len * sizeof(lay_attr));
	else
		out->u.v = lay_item_alloc(dst, src->len * sizeof(lay_value));
	if (!out->u.p) {
		free(sub);
		return -ENOMEM;
	}
	for (i = 0; i < src->len && rc == 0; i++) {
		lay_value part;

		for (k = 0, m = 0; k < n; k++) {
			const struct xel *el = &paths[k]->el[depth];

			if (src->type == LAY_M
				? el->idx < 0 && el->len == src->u.a[i].name_len &&
				      memcmp(el->name, src->u.a[i].name, el->len) == 0
				: el->idx >= 0 && (size_t)el->idx == i)
				sub[m++] = paths[k];
		}
		if (m == 0)
			continue;
		rc = project_value(dst, &part, src->type == LAY_M ? &src->u.a[i].v : &src->u.v[i],
				   sub, m, depth + 1);
		if (rc < 0 || part.type == 0)
			continue;
		if (src->type == LAY_L) {
			out->u.v[out->len++] = part;
			continue;
		}
		out->u.a[out->len].name_len = src->u.a[i].name_len;
		if (!(out->u.a[out->len].name =
			  lay_item_strdup(dst, src->u.a[i].name, src->u.a[i].name_len)))
			rc = -ENOMEM;
		out->u.a[out->len++].v = part;
	}
	free(sub);
	if (rc == 0 && out->len == 0)
		out->type = 0;
	return rc;
}

int lay_expr_project(const lay_expr *e, const lay_item *it, lay_item *out, lay_err *err)
{
	const struct xpath **paths;
	size_t n = e->nact ? e->nact : e->npaths, i, k, m;
	lay_value whole, part;
	int rc = 0;

	if (!it || it->n == 0 || n == 0)
		return 0;
	if (!(paths = malloc(2 * n * sizeof(*paths))))
		return no_mem(err);
	if (!(out->a = lay_item_alloc(out, it->n * sizeof(lay_attr))))
		rc = -ENOMEM;
	for (i = 0; i < it->n && rc == 0; i++) {
		for (k = 0, m = 0; k < n; k++) {
			const struct xpath *p = e->nact ? &e->act[k].path : &e->paths[k];

			if (path_head_is(p, it->a[i].name, it->a[i].name_len))
				paths[n + m++] = p;
		}
		if (m == 0)
			continue;
		whole = it->a[i].v;
		if ((rc = project_value(out, &part, &whole, paths + n, m, 1)) < 0 || part.type == 0)
			continue;
		if (!(out->a[out->n].name = lay_item_strdup(out, it->a[i].name, it->a[i].name_len)))
			rc = -ENOMEM;
		out->a[out->n].name_len = it->a[i].name_len;
		out->a[out->n++].v = part;
	}
	free(paths);
	if (rc < 0) {
		lay_item_free(out);
		return no_mem(err);
	}
	return 0;
}

/* ---- Key conditions ---- */

int lay_expr_key(const lay_expr *e, const lay_schema *s, lay_key_cond *out, lay_err *err)
{
	const struct xkey *pk = NULL, *sk = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (e->kind != LAY_EXPR_KEY || e->nkey == 0)
		return lay_err_set(err, -EINVAL, "Query key condition not supported");
	if (!s->sk[0] && e->nkey > 1)
		return lay_err_set(err, -EINVAL, "Query key condition not supported");
	for (i = 0; i < e->nkey; i++)
		if (e->key[i].len == strlen(s->pk) &&
		    memcmp(e->key[i].name, s->pk, e->key[i].len) == 0)
			pk = &e->key[i];
		else
			sk = &e->key[i];
	if (!pk)
		return lay_err_set(err, -EINVAL, "Query condition missed key schema element: %s",
				   s->pk);
	if (sk && (sk->len != strlen(s->sk) || memcmp(sk->name, s->sk, sk->len) != 0))
		return lay_err_set(err, -EINVAL, "Query condition missed key schema element: %s",
				   s->sk);
	if (pk->lo->type != s->pk_type || (sk && sk->lo->type != s->sk_type) ||
	    (sk && sk->hi && sk->hi->type != s->sk_type))
		return lay_err_set(err, -EINVAL,
				   "One or more parameter values were invalid: "
				   "Condition parameter type does not match schema type");
	if (pk->op != LAY_KEY_EQ)
		return lay_err_set(err, -EINVAL, "Query key condition not supported");
	out->pk = pk->lo;
	if (sk) {
		out->op = sk->op;
		out->lo = sk->lo;
		out->hi = sk->hi;
	}
	return 0;
}

int lay_key_cond_where(const lay_key_cond *c, const lay_value *sk)
{
	int lo = c->lo ? lay_value_cmp(sk, c->lo) : 0;

	switch (c->op) {
	case LAY_KEY_ALL:
		return 0;
	case LAY_KEY_EQ:
		return lo;
	case LAY_KEY_LT:
		return lo < 0 ? 0 : 1;
	case LAY_KEY_LE:
		return lo <= 0 ? 0 : 1;
	case LAY_KEY_GT:
		return lo > 0 ? 0 : -1;
	case LAY_KEY_GE:
		return lo >= 0 ? 0 : -1;
	case LAY_KEY_BETWEEN:
		if (lo < 0)
			return -1;
		return lay_value_cmp(sk, c->hi) > 0 ? 1 : 0;
	case LAY_KEY_BEGINS:
		if (sk->len >= c->lo->len && memcmp(sk->u.p, c->lo->u.p, c->lo->len) == 0)
			return 0;
		return lo < 0 ? -1 : 1;
	}
	return 0;
}
