/* The parsed form of an expression (expr.h): exprparse.c builds and checks
 * it, expr.c evaluates it. Internal to layout/; everything lives in the
 * expression's arena, names and values borrowed from its env. */
#ifndef LAY_EXPRTREE_H
#define LAY_EXPRTREE_H

#include <stddef.h>

#include "expr.h"
#include "item.h"

enum xkind {
	X_PATH = 1,
	X_VALUE,
	X_CMP,
	X_BETWEEN,
	X_IN,
	X_AND,
	X_OR,
	X_NOT,
	X_FUNC,
	X_PLUS,
	X_MINUS
};

enum xcmp { C_EQ = 1, C_NE, C_LT, C_LE, C_GT, C_GE };

enum xfunc {
	F_UNKNOWN = 0,
	F_EXISTS,
	F_NOT_EXISTS,
	F_TYPE,
	F_BEGINS,
	F_CONTAINS,
	F_SIZE,
	F_IF_NOT_EXISTS,
	F_LIST_APPEND
};

enum xclause { A_SET = 0, A_REMOVE, A_ADD, A_DELETE };

/* One element of a document path: a map key (idx < 0) or a list index. */
struct xel {
	const char *name; /* the real name (a "#n" resolved), NUL-terminated */
	size_t len;
	long idx;
	const char *text; /* as written ("#n" or the bare name), for messages */
	size_t tlen;
	size_t tok; /* its token, for messages */
};

struct xpath {
	struct xel *el;
	size_t n;
};

struct xnode {
	enum xkind kind;
	int op;		    /* enum xcmp for X_CMP, enum xfunc for X_FUNC */
	struct xnode **arg; /* operands, in the order written */
	size_t narg;
	struct xpath path;	/* X_PATH */
	const lay_value *value; /* X_VALUE, once resolved */
	const char *text;	/* X_VALUE ":v", X_FUNC its name, as written */
	size_t tlen;
	int paren;  /* parentheses directly around it */
	size_t tok; /* its first token */
};

struct xaction {
	enum xclause clause;
	struct xpath path;
	struct xnode *value; /* SET's value, ADD's and DELETE's operand; NULL for REMOVE */
};

/* One condition of a key condition: attribute name op lo [AND hi]. */
struct xkey {
	const char *name;
	size_t len;
	lay_key_op op;
	const lay_value *lo, *hi;
};

struct lay_expr {
	lay_expr_kind kind;
	lay_item arena;	     /* every allocation of the expression */
	struct xnode *root;  /* conditions, filters and key conditions */
	struct xaction *act; /* updates */
	size_t nact;
	struct xpath *paths; /* projections */
	size_t npaths;
	struct xkey key[2]; /* key conditions, in the order written */
	size_t nkey;
};

/* A parse, as the checks see it (exprparse.c fills it, exprcheck.c reads
 * it). */
struct xctx {
	lay_expr *e;
	lay_expr_env *env;
	lay_err *err;
	const char *what; /* "ConditionExpression", ... */
	int redundant;	  /* a "((x))" was seen */
	int dup_clause;	  /* the first section repeated, or -1 */
};

/* -EINVAL with "Invalid <what>: " and the formatted message. */
int lay_xt_fail(const struct xctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lay_xt_nomem(const struct xctx *c);

/* Every check of exprcheck.c on a parsed expression, in DynamoDB's order:
 * 0 or the first error. Resolves names and values, marks them used, and
 * fills a key condition's e->key. */
int lay_xt_check(struct xctx *c);

/* A function by its name (case matters), F_UNKNOWN if none. */
enum xfunc lay_xt_func(const char *name, size_t len);

const char *lay_xt_clause(int clause); /* "SET", ... */
const char *lay_xt_cmp(int op);	       /* "=", "<>", ... */

#endif
