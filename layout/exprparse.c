/* Expressions of DynamoDB's API (expr.h): the lexer and the parser of all
 * five kinds, then the checks DynamoDB makes before it looks at an item,
 * in its order (syntax, function names and places, reserved words, the
 * sections of an update, substitutions, overlapping paths, operands). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "exprtree.h"
#include "num.h"

/* Parentheses and NOTs nest at most this deep: deeper is either redundant
 * parentheses or more than LAY_EXPR_MAX_OPERATORS operators. */
#define MAX_NEST 320

enum tkind { T_EOF = 0, T_IDENT, T_NAME, T_VALUE, T_NUM, T_PUNCT, T_BAD };

struct tok {
	enum tkind t;
	size_t pos, len;
};

struct ps {
	lay_expr *e;
	const char *s;
	size_t len;
	struct tok *t;
	size_t nt, i;
	lay_expr_env *env;
	lay_err *err;
	const char *what; /* "ConditionExpression", ... */
	int depth, ops;
	int redundant;    /* a "((x))" was seen */
	int dup_clause;   /* the first section repeated, or -1 */
};

static const char *const kind_names[] = {
	"", "ConditionExpression", "FilterExpression", "UpdateExpression",
	"ProjectionExpression", "KeyConditionExpression",
};

static const char *const clause_names[] = { "SET", "REMOVE", "ADD", "DELETE" };

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

static size_t func_at(int id)
{
	size_t i;

	for (i = 0; i < NFUNCS; i++)
		if ((int)funcs[i].id == id)
			return i;
	return NFUNCS;
}

/* ---- Messages ---- */

static int fail(struct ps *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct ps *p, const char *fmt, ...)
{
	char msg[LAY_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lay_err_set(p->err, -EINVAL, "Invalid %s: %s", p->what, msg);
}

static int nomem(struct ps *p)
{
	return lay_err_set(p->err, -ENOMEM, "out of memory parsing an expression");
}

/* Syntax error at token k: DynamoDB quotes the token and the text from
 * the token before it to the end of the token after it. */
static int syntax_at(struct ps *p, size_t k)
{
	const struct tok *t = &p->t[k];
	size_t from = k > 0 ? p->t[k - 1].pos : t->pos;
	size_t to = t->t != T_EOF && k + 1 < p->nt ? p->t[k + 1].pos + p->t[k + 1].len
						  : t->pos + t->len;

	if (t->t == T_EOF)
		return fail(p, "Syntax error; token: \"<EOF>\", near: \"%.*s\"", (int)(to - from),
			    p->s + from);
	return fail(p, "Syntax error; token: \"%.*s\", near: \"%.*s\"", (int)t->len, p->s + t->pos,
		    (int)(to - from), p->s + from);
}

static int syntax(struct ps *p)
{
	return syntax_at(p, p->i);
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

/* ---- Lexer ---- */

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int lex(struct ps *p)
{
	const char *s = p->s;
	size_t i = 0, len = p->len;

	if (!(p->t = calloc(len + 1, sizeof(*p->t))))
		return nomem(p);
	while (1) {
		struct tok *t = &p->t[p->nt];

		while (i < len && is_space(s[i]))
			i++;
		t->pos = i;
		if (i == len) {
			t->t = T_EOF;
			p->nt++;
			return 0;
		}
		if (is_alpha(s[i])) {
			t->t = T_IDENT;
			while (i < len && (is_alpha(s[i]) || is_digit(s[i])))
				i++;
		} else if (is_digit(s[i])) {
			t->t = T_NUM;
			while (i < len && is_digit(s[i]))
				i++;
		} else if ((s[i] == '#' || s[i] == ':') && i + 1 < len &&
			   (is_alpha(s[i + 1]) || is_digit(s[i + 1]))) {
			t->t = s[i] == '#' ? T_NAME : T_VALUE;
			for (i++; i < len && (is_alpha(s[i]) || is_digit(s[i])); i++)
				;
		} else if (strchr("()[],.=+-", s[i])) {
			t->t = T_PUNCT;
			i++;
		} else if (s[i] == '<' || s[i] == '>') {
			t->t = T_PUNCT;
			i++;
			if (i < len && (s[i] == '=' || (s[i - 1] == '<' && s[i] == '>')))
				i++;
		} else {
			/* one character, all of its UTF-8 bytes */
			t->t = T_BAD;
			for (i++; i < len && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
				;
		}
		t->len = i - t->pos;
		p->nt++;
	}
}

static const struct tok *cur(struct ps *p)
{
	return &p->t[p->i];
}

static int is_punct(struct ps *p, const char *s)
{
	const struct tok *t = cur(p);

	return t->t == T_PUNCT && t->len == strlen(s) && memcmp(p->s + t->pos, s, t->len) == 0;
}

static int word_eq(const char *a, size_t alen, const char *w)
{
	size_t i;

	if (alen != strlen(w))
		return 0;
	for (i = 0; i < alen; i++) {
		char c = a[i] >= 'a' && a[i] <= 'z' ? (char)(a[i] - 'a' + 'A') : a[i];
		if (c != w[i])
			return 0;
	}
	return 1;
}

static int is_word(struct ps *p, const char *w)
{
	const struct tok *t = cur(p);

	return t->t == T_IDENT && word_eq(p->s + t->pos, t->len, w);
}

static int clause_at(struct ps *p);

/* The words of the grammar itself: never a name. */
static int is_keyword(struct ps *p)
{
	if (p->e->kind == LAY_EXPR_UPDATE)
		return clause_at(p) >= 0;
	return is_word(p, "AND") || is_word(p, "OR") || is_word(p, "NOT") ||
	       is_word(p, "BETWEEN") || is_word(p, "IN");
}

static int expect(struct ps *p, const char *s)
{
	if (!is_punct(p, s))
		return syntax(p);
	p->i++;
	return 0;
}

/* ---- Building ---- */

static struct xnode *node_new(struct ps *p, enum xkind kind, size_t tok)
{
	struct xnode *n = lay_item_alloc(&p->e->arena, sizeof(*n));

	if (n) {
		n->kind = kind;
		n->tok = tok;
	}
	return n;
}

/* Append x (size bytes) to the arena array *arr of *n elements. */
static int push(struct ps *p, void *arr, size_t *n, const void *x, size_t size)
{
	void **a = arr;
	char *grown;

	/* capacities are powers of two: grow when n is one */
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		if (!(grown = lay_item_alloc(&p->e->arena, (*n ? *n * 2 : 1) * size)))
			return nomem(p);
		if (*n)
			memcpy(grown, *a, *n * size);
		*a = grown;
	}
	memcpy((char *)*a + *n * size, x, size);
	(*n)++;
	return 0;
}

static int count_op(struct ps *p)
{
	if (++p->ops > LAY_EXPR_MAX_OPERATORS)
		return fail(p, "The expression contains too many operators; operator count: %d",
			    p->ops);
	return 0;
}

static int nest(struct ps *p)
{
	if (++p->depth > MAX_NEST)
		return fail(p, "The expression has redundant parentheses;");
	return 0;
}

/* path := element { '.' element | '[' digits ']' } */
static int parse_path(struct ps *p, struct xpath *out)
{
	const struct tok *t = cur(p);
	struct xel el;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((t->t != T_IDENT && t->t != T_NAME) || is_keyword(p))
		return syntax(p);
	for (;;) {
		memset(&el, 0, sizeof(el));
		el.tok = p->i;
		el.text = p->s + t->pos;
		el.tlen = t->len;
		el.idx = -1;
		if (t->t == T_IDENT) {
			if (!(el.name = lay_item_strdup(&p->e->arena, el.text, el.tlen)))
				return nomem(p);
			el.len = el.tlen;
		}
		if ((rc = push(p, &out->el, &out->n, &el, sizeof(el))) < 0)
			return rc;
		p->i++;
		while (is_punct(p, "[")) {
			size_t k;
			long v = 0;

			p->i++;
			t = cur(p);
			if (t->t != T_NUM)
				return syntax(p);
			memset(&el, 0, sizeof(el));
			el.tok = p->i;
			el.text = p->s + t->pos;
			el.tlen = t->len;
			for (k = 0; k < t->len; k++)
				v = v > (long)INT_MAX ? v : v * 10 + (p->s[t->pos + k] - '0');
			el.idx = v;
			p->i++;
			if ((rc = expect(p, "]")) < 0 ||
			    (rc = push(p, &out->el, &out->n, &el, sizeof(el))) < 0)
				return rc;
		}
		if (!is_punct(p, "."))
			return 0;
		p->i++;
		t = cur(p);
		if ((t->t != T_IDENT && t->t != T_NAME) || is_keyword(p))
			return syntax(p);
	}
}

static int parse_operand(struct ps *p, struct xnode **out);
static int parse_update_value(struct ps *p, struct xnode **out);

/* name '(' operand {',' operand} ')', at an identifier followed by '(' */
static int parse_call(struct ps *p, struct xnode **out, int update)
{
	const struct tok *t = cur(p);
	struct xnode *n = node_new(p, X_FUNC, p->i), *a;
	size_t k;
	int rc;

	if (!n)
		return nomem(p);
	n->text = p->s + t->pos;
	n->tlen = t->len;
	for (k = 0; k < NFUNCS; k++)
		if (strlen(funcs[k].name) == t->len && memcmp(funcs[k].name, n->text, t->len) == 0)
			n->op = funcs[k].id;
	if ((rc = count_op(p)) < 0 || (rc = nest(p)) < 0)
		return rc;
	p->i += 2;
	for (;;) {
		if ((rc = update ? parse_update_value(p, &a) : parse_operand(p, &a)) < 0)
			return rc;
		if ((rc = push(p, &n->arg, &n->narg, &a, sizeof(a))) < 0)
			return rc;
		if (!is_punct(p, ","))
			break;
		p->i++;
	}
	if ((rc = expect(p, ")")) < 0)
		return rc;
	p->depth--;
	*out = n;
	return 0;
}

static int is_call(struct ps *p)
{
	return cur(p)->t == T_IDENT && !is_keyword(p) && p->t[p->i + 1].t == T_PUNCT &&
	       p->s[p->t[p->i + 1].pos] == '(';
}

/* operand := path | :value | call | '(' operand ')' */
static int parse_operand(struct ps *p, struct xnode **out)
{
	const struct tok *t = cur(p);
	struct xnode *n;
	int rc;

	if (is_punct(p, "(")) {
		if ((rc = nest(p)) < 0)
			return rc;
		p->i++;
		if ((rc = parse_operand(p, &n)) < 0 || (rc = expect(p, ")")) < 0)
			return rc;
		p->depth--;
		if (n->paren)
			p->redundant = 1;
		n->paren++;
		*out = n;
		return 0;
	}
	if (t->t == T_VALUE) {
		if (!(n = node_new(p, X_VALUE, p->i)))
			return nomem(p);
		n->text = p->s + t->pos;
		n->tlen = t->len;
		p->i++;
		*out = n;
		return 0;
	}
	if (is_call(p))
		return parse_call(p, out, 0);
	if (!(n = node_new(p, X_PATH, p->i)))
		return nomem(p);
	*out = n;
	return parse_path(p, &n->path);
}

static int is_condition(const struct xnode *n)
{
	return n->kind == X_CMP || n->kind == X_BETWEEN || n->kind == X_IN || n->kind == X_AND ||
	       n->kind == X_OR || n->kind == X_NOT || n->kind == X_FUNC;
}

static int parse_or(struct ps *p, struct xnode **out);

static const struct {
	const char *s;
	enum xcmp op;
} comparators[] = { { "=", C_EQ }, { "<>", C_NE }, { "<", C_LT },
		    { "<=", C_LE }, { ">", C_GT }, { ">=", C_GE } };

/* After operand left: a comparator, BETWEEN or IN makes a condition of it. */
static int parse_comparison(struct ps *p, struct xnode *left, struct xnode **out)
{
	struct xnode *n = NULL, *a;
	size_t k, tok = p->i;
	int rc;

	for (k = 0; k < sizeof(comparators) / sizeof(comparators[0]); k++)
		if (is_punct(p, comparators[k].s)) {
			if (!(n = node_new(p, X_CMP, tok)))
				return nomem(p);
			n->op = comparators[k].op;
			break;
		}
	if (!n && is_word(p, "BETWEEN") && !(n = node_new(p, X_BETWEEN, tok)))
		return nomem(p);
	if (!n && is_word(p, "IN") && !(n = node_new(p, X_IN, tok)))
		return nomem(p);
	if (!n) {
		*out = left;
		return 0;
	}
	if ((rc = count_op(p)) < 0 || (rc = push(p, &n->arg, &n->narg, &left, sizeof(left))) < 0)
		return rc;
	p->i++;
	if (n->kind == X_IN && (rc = expect(p, "(")) < 0)
		return rc;
	for (;;) {
		if ((rc = parse_operand(p, &a)) < 0 ||
		    (rc = push(p, &n->arg, &n->narg, &a, sizeof(a))) < 0)
			return rc;
		if (n->kind == X_CMP || (n->kind == X_BETWEEN && n->narg == 3))
			break;
		if (n->kind == X_BETWEEN) {
			if (!is_word(p, "AND"))
				return syntax(p);
			p->i++;
			continue;
		}
		if (!is_punct(p, ","))
			break;
		p->i++;
	}
	if (n->kind == X_IN && (rc = expect(p, ")")) < 0)
		return rc;
	*out = n;
	return 0;
}

/* primary := '(' or ')' [comparison] | operand [comparison]. An operand
 * alone is returned as it is; the caller refuses it where a condition is
 * needed, unless parentheses around it lead to a comparison. */
static int parse_primary(struct ps *p, struct xnode **out)
{
	struct xnode *n;
	int rc;

	if (is_punct(p, "(")) {
		if ((rc = nest(p)) < 0)
			return rc;
		p->i++;
		if ((rc = parse_or(p, &n)) < 0 || (rc = expect(p, ")")) < 0)
			return rc;
		p->depth--;
		if (n->paren)
			p->redundant = 1;
		n->paren++;
	} else if ((rc = parse_operand(p, &n)) < 0) {
		return rc;
	}
	/* an operand or a function may be compared; a function alone is a
	 * condition, an operand alone is refused by the caller */
	if (n->kind == X_FUNC || !is_condition(n))
		return parse_comparison(p, n, out);
	*out = n;
	return 0;
}

static int need_condition(struct ps *p, const struct xnode *n)
{
	return is_condition(n) ? 0 : syntax(p);
}

static int parse_not(struct ps *p, struct xnode **out)
{
	struct xnode *n, *a;
	size_t tok = p->i;
	int rc;

	if (!is_word(p, "NOT"))
		return parse_primary(p, out);
	if ((rc = count_op(p)) < 0 || (rc = nest(p)) < 0)
		return rc;
	p->i++;
	if ((rc = parse_not(p, &a)) < 0 || (rc = need_condition(p, a)) < 0)
		return rc;
	p->depth--;
	if (!(n = node_new(p, X_NOT, tok)))
		return nomem(p);
	if ((rc = push(p, &n->arg, &n->narg, &a, sizeof(a))) < 0)
		return rc;
	*out = n;
	return 0;
}

static int parse_binary(struct ps *p, struct xnode **out, const char *word, enum xkind kind,
			int (*sub)(struct ps *, struct xnode **))
{
	struct xnode *l, *r, *n;
	int rc;

	if ((rc = sub(p, &l)) < 0)
		return rc;
	while (is_word(p, word)) {
		size_t tok = p->i;

		if ((rc = need_condition(p, l)) < 0 || (rc = count_op(p)) < 0)
			return rc;
		p->i++;
		if ((rc = sub(p, &r)) < 0 || (rc = need_condition(p, r)) < 0)
			return rc;
		if (!(n = node_new(p, kind, tok)))
			return nomem(p);
		if ((rc = push(p, &n->arg, &n->narg, &l, sizeof(l))) < 0 ||
		    (rc = push(p, &n->arg, &n->narg, &r, sizeof(r))) < 0)
			return rc;
		l = n;
	}
	*out = l;
	return 0;
}

static int parse_and(struct ps *p, struct xnode **out)
{
	return parse_binary(p, out, "AND", X_AND, parse_not);
}

static int parse_or(struct ps *p, struct xnode **out)
{
	return parse_binary(p, out, "OR", X_OR, parse_and);
}

/* An update's value: term [('+' | '-') term]; term := path | :value | call
 * | '(' value ')'. */
static int parse_term(struct ps *p, struct xnode **out)
{
	const struct tok *t = cur(p);
	struct xnode *n;
	int rc;

	if (is_punct(p, "(")) {
		if ((rc = nest(p)) < 0)
			return rc;
		p->i++;
		if ((rc = parse_update_value(p, &n)) < 0 || (rc = expect(p, ")")) < 0)
			return rc;
		p->depth--;
		if (n->paren)
			p->redundant = 1;
		n->paren++;
		*out = n;
		return 0;
	}
	if (t->t == T_VALUE) {
		if (!(n = node_new(p, X_VALUE, p->i)))
			return nomem(p);
		n->text = p->s + t->pos;
		n->tlen = t->len;
		p->i++;
		*out = n;
		return 0;
	}
	if (is_call(p))
		return parse_call(p, out, 1);
	if (!(n = node_new(p, X_PATH, p->i)))
		return nomem(p);
	*out = n;
	return parse_path(p, &n->path);
}

static int parse_update_value(struct ps *p, struct xnode **out)
{
	struct xnode *l, *r, *n;
	size_t tok;
	int rc;

	if ((rc = parse_term(p, &l)) < 0)
		return rc;
	if (!is_punct(p, "+") && !is_punct(p, "-")) {
		*out = l;
		return 0;
	}
	tok = p->i;
	if (!(n = node_new(p, is_punct(p, "+") ? X_PLUS : X_MINUS, tok)))
		return nomem(p);
	if ((rc = count_op(p)) < 0)
		return rc;
	p->i++;
	if ((rc = parse_term(p, &r)) < 0)
		return rc;
	if ((rc = push(p, &n->arg, &n->narg, &l, sizeof(l))) < 0 ||
	    (rc = push(p, &n->arg, &n->narg, &r, sizeof(r))) < 0)
		return rc;
	*out = n;
	return 0;
}

static int clause_at(struct ps *p)
{
	int c;

	for (c = A_SET; c <= A_DELETE; c++)
		if (is_word(p, clause_names[c]))
			return c;
	return -1;
}

/* update := clause+; clause := SET path '=' value {, ...} | REMOVE path {, path}
 * | ADD path :value {, ...} | DELETE path :value {, ...} */
static int parse_update(struct ps *p)
{
	int seen[4] = { 0 }, c, rc;

	if (clause_at(p) < 0)
		return syntax(p);
	while (cur(p)->t != T_EOF) {
		if ((c = clause_at(p)) < 0)
			return syntax(p);
		if (seen[c]++ && p->dup_clause < 0)
			p->dup_clause = c;
		p->i++;
		for (;;) {
			struct xaction a;

			memset(&a, 0, sizeof(a));
			a.clause = (enum xclause)c;
			if ((rc = parse_path(p, &a.path)) < 0)
				return rc;
			if (c == A_SET) {
				if ((rc = expect(p, "=")) < 0 ||
				    (rc = parse_update_value(p, &a.value)) < 0)
					return rc;
			} else if (c == A_ADD || c == A_DELETE) {
				if (cur(p)->t != T_VALUE)
					return syntax(p);
				if (!(a.value = node_new(p, X_VALUE, p->i)))
					return nomem(p);
				a.value->text = p->s + cur(p)->pos;
				a.value->tlen = cur(p)->len;
				p->i++;
			}
			if ((rc = push(p, &p->e->act, &p->e->nact, &a, sizeof(a))) < 0)
				return rc;
			if (!is_punct(p, ","))
				break;
			p->i++;
		}
	}
	return 0;
}

static int parse_projection(struct ps *p)
{
	struct xpath path;
	int rc;

	for (;;) {
		if ((rc = parse_path(p, &path)) < 0 ||
		    (rc = push(p, &p->e->paths, &p->e->npaths, &path, sizeof(path))) < 0)
			return rc;
		if (cur(p)->t == T_EOF)
			return 0;
		if ((rc = expect(p, ",")) < 0)
			return rc;
	}
}

static int parse_all(struct ps *p)
{
	int rc;

	switch (p->e->kind) {
	case LAY_EXPR_UPDATE:
		return parse_update(p);
	case LAY_EXPR_PROJECTION:
		return parse_projection(p);
	default:
		if ((rc = parse_or(p, &p->e->root)) < 0 || (rc = need_condition(p, p->e->root)) < 0)
			return rc;
		return cur(p)->t == T_EOF ? 0 : syntax(p);
	}
}

/* ---- Walking ---- */

/* Call fn on every node under n (n first), with in_cond set where a
 * condition stands. Stops at the first error. */
typedef int (*visit_fn)(struct ps *p, struct xnode *n, int in_cond);

static int walk(struct ps *p, struct xnode *n, int in_cond, visit_fn fn)
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
static int walk_all(struct ps *p, visit_fn fn)
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
typedef int (*path_fn)(struct ps *p, struct xpath *path);

static int paths_in(struct ps *p, struct xnode *n, path_fn fn)
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

static int walk_paths(struct ps *p, path_fn fn)
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

static int check_func_name(struct ps *p, struct xnode *n, int in_cond)
{
	(void)in_cond;
	if (n->kind == X_FUNC && n->op == F_UNKNOWN)
		return fail(p, "Invalid function name; function: %.*s", (int)n->tlen, n->text);
	return 0;
}

static int check_func_place(struct ps *p, struct xnode *n, int in_cond)
{
	size_t f;

	if (n->kind != X_FUNC)
		return 0;
	f = func_at(n->op);
	if (p->e->kind == LAY_EXPR_UPDATE) {
		if (funcs[f].where != W_UPDATE)
			return fail(p, "The function is not allowed in an update expression; "
				    "function: %s", funcs[f].name);
		return 0;
	}
	if (funcs[f].where == W_UPDATE)
		return fail(p, "The function is not allowed in a condition expression; function: %s",
			    funcs[f].name);
	if ((funcs[f].where == W_COND) != (in_cond != 0))
		return fail(p, "The function is not allowed to be used this way in an expression; "
			    "function: %s", funcs[f].name);
	return 0;
}

/* The condition functions stand where a condition does, size never. */
static int check_places(struct ps *p)
{
	return walk_all(p, check_func_place);
}

static int check_reserved(struct ps *p, struct xpath *path)
{
	size_t k;

	for (k = 0; k < path->n; k++) {
		const struct xel *el = &path->el[k];

		if (el->idx < 0 && el->text[0] != '#' && lay_expr_reserved(el->text, el->tlen))
			return fail(p, "Attribute name is a reserved keyword; reserved keyword: %.*s",
				    (int)el->tlen, el->text);
		if (el->idx > INT_MAX)
			return fail(p, "List index is not within the allowable range; index: [%.*s]",
				    (int)el->tlen, el->text);
	}
	if (path->n > LAY_MAX_DEPTH)
		return fail(p, "The document path has too many nesting levels; nesting levels: %zu",
			    path->n);
	return 0;
}

/* Resolve the "#n" of a path against the env's names. */
static int resolve_names(struct ps *p, struct xpath *path)
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
			return fail(p, "An expression attribute name used in the document path is "
				    "not defined; attribute name: %.*s", (int)el->tlen, el->text);
		p->env->names_used[i] = 1;
		el->name = names->a[i].v.u.p;
		el->len = names->a[i].v.len;
	}
	return 0;
}

static int resolve_value(struct ps *p, struct xnode *n, int in_cond)
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
		return fail(p, "An expression attribute value used in expression is not defined; "
			    "attribute value: %.*s", (int)n->tlen, n->text);
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
static int check_overlaps(struct ps *p, struct xpath *const *paths, size_t n)
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
					return fail(p, "Two document paths overlap with each other; "
						    "must remove or rewrite one of these paths; "
						    "path one: %s, path two: %s",
						    path_str(one, sizeof(one), a),
						    path_str(two, sizeof(two), b));
				if (pass == 1 && conflict)
					return fail(p, "Two document paths conflict with each other; "
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

static int type_fail(struct ps *p, const char *op, lay_type t)
{
	return fail(p, "Incorrect operand type for operator or function; operator or function: "
		    "%s, operand type: %s", op, lay_type_name(t));
}

static const char *cmp_name(int op)
{
	size_t k;

	for (k = 0; k < sizeof(comparators) / sizeof(comparators[0]); k++)
		if ((int)comparators[k].op == op)
			return comparators[k].s;
	return "?";
}

/* The first operand, a path, may not be repeated among the others. */
static int check_distinct(struct ps *p, const char *op, struct xnode *n)
{
	char buf[LAY_ERR_MSG / 2];
	size_t k;

	if (n->narg < 2 || n->arg[0]->kind != X_PATH)
		return 0;
	for (k = 1; k < n->narg; k++)
		if (n->arg[k]->kind == X_PATH && path_eq(&n->arg[0]->path, &n->arg[k]->path))
			return fail(p, "The first operand must be distinct from the remaining operands "
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
		snprintf(buf, sz, "AttributeValue: {%s:%.*s}", lay_type_name(v->type),
			 (int)v->len, v->u.p);
	lay_buf_free(&b64);
	return buf;
}

static int check_between(struct ps *p, struct xnode *n)
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
		return fail(p, "The BETWEEN operator requires same data type for lower and upper "
			    "bounds; lower bound operand: %s, upper bound operand: %s",
			    bound_str(lo, sizeof(lo), a), bound_str(hi, sizeof(hi), b));
	if (lay_value_cmp(a, b) > 0)
		return fail(p, "The BETWEEN operator requires upper bound to be greater than or "
			    "equal to lower bound; lower bound operand: %s, upper bound operand: %s",
			    bound_str(lo, sizeof(lo), a), bound_str(hi, sizeof(hi), b));
	return 0;
}

static const char *const type_names_valid = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}";

static int check_func(struct ps *p, struct xnode *n)
{
	size_t f = func_at(n->op), k;
	lay_type t;
	int rc;

	if (n->narg != funcs[f].nargs)
		return fail(p, "Incorrect number of operands for operator or function; operator or "
			    "function: %s, number of operands: %zu", funcs[f].name, n->narg);
	if ((n->op == F_EXISTS || n->op == F_NOT_EXISTS || n->op == F_TYPE ||
	     n->op == F_IF_NOT_EXISTS) && n->arg[0]->kind != X_PATH)
		return fail(p, "Operator or function requires a document path; operator or "
			    "function: %s", funcs[f].name);
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
			return fail(p, "Incorrect operand type for operator or function; operator or "
				    "function: attribute_type, operand type: %s",
				    static_type(n->arg[1]) ? lay_type_name(static_type(n->arg[1]))
							   : "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
		t = n->arg[1]->value->type;
		if (t != LAY_S)
			return type_fail(p, "attribute_type", t);
		if (!lay_type_parse(n->arg[1]->value->u.p, n->arg[1]->value->len))
			return fail(p, "Invalid attribute type name found; type: %.*s, valid types: %s",
				    (int)n->arg[1]->value->len, n->arg[1]->value->u.p,
				    type_names_valid);
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

static int check_operands(struct ps *p, struct xnode *n, int in_cond)
{
	size_t k;
	lay_type t;
	int rc;

	(void)in_cond;
	switch (n->kind) {
	case X_CMP:
		if ((rc = check_distinct(p, cmp_name(n->op), n)) < 0)
			return rc;
		if (n->op != C_EQ && n->op != C_NE)
			for (k = 0; k < 2; k++)
				if ((t = static_type(n->arg[k])) && !orderable(t))
					return type_fail(p, cmp_name(n->op), t);
		return 0;
	case X_BETWEEN:
		if ((rc = check_distinct(p, "BETWEEN", n)) < 0)
			return rc;
		return check_between(p, n);
	case X_IN:
		if (n->narg - 1 > LAY_EXPR_MAX_IN)
			return fail(p, "The IN operator is provided with too many operands; number of "
				    "operands: %zu", n->narg - 1);
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

static const char *long_type(lay_type t)
{
	switch (t) {
	case LAY_S: return "STRING";
	case LAY_N: return "NUMBER";
	case LAY_B: return "BINARY";
	case LAY_BOOL: return "BOOLEAN";
	case LAY_NULL: return "NULL";
	case LAY_M: return "MAP";
	case LAY_L: return "LIST";
	case LAY_SS: return "STRING_SET";
	case LAY_NS: return "NUMBER_SET";
	case LAY_BS: return "BINARY_SET";
	}
	return "?";
}

static int check_actions(struct ps *p)
{
	lay_expr *e = p->e;
	size_t k;
	int rc;

	for (k = 0; k < e->nact; k++) {
		struct xaction *a = &e->act[k];
		lay_type t;

		if ((rc = walk(p, a->value, 0, check_operands)) < 0)
			return rc;
		if (a->clause != A_ADD && a->clause != A_DELETE)
			continue;
		t = a->value->value->type;
		if (t == LAY_SS || t == LAY_NS || t == LAY_BS || (a->clause == A_ADD && t == LAY_N))
			continue;
		return fail(p, "Incorrect operand type for operator or function; operator: %s, "
			    "operand type: %s, typeSet: ALLOWED_FOR_%s_OPERAND",
			    clause_names[a->clause], long_type(t), clause_names[a->clause]);
	}
	return 0;
}

/* ---- Key conditions ---- */

static int key_fail(struct ps *p, const char *msg, const char *arg)
{
	return lay_err_set(p->err, -EINVAL, "%s%s", msg, arg ? arg : "");
}

static const char *node_op_name(const struct xnode *n)
{
	switch (n->kind) {
	case X_OR: return "OR";
	case X_NOT: return "NOT";
	case X_IN: return "IN";
	case X_CMP: return cmp_name(n->op);
	case X_FUNC: return funcs[func_at(n->op)].name;
	default: return "?";
	}
}

static int key_leaf(struct ps *p, struct xnode *n, size_t *count)
{
	static const lay_key_op ops[] = { 0, LAY_KEY_EQ, 0, LAY_KEY_LT, LAY_KEY_LE, LAY_KEY_GT,
					  LAY_KEY_GE };
	static const lay_key_op flipped[] = { 0, LAY_KEY_EQ, 0, LAY_KEY_GT, LAY_KEY_GE,
					      LAY_KEY_LT, LAY_KEY_LE };
	struct xkey k;
	struct xnode *path = NULL;
	size_t i;

	if (n->kind == X_OR || n->kind == X_NOT || n->kind == X_IN ||
	    (n->kind == X_CMP && n->op == C_NE) || (n->kind == X_FUNC && n->op != F_BEGINS))
		return key_fail(p, "Invalid operator used in KeyConditionExpression: ",
				node_op_name(n));
	if ((n->kind == X_BETWEEN || n->kind == X_FUNC) && n->arg[0]->kind != X_PATH)
		return key_fail(p, n->kind == X_BETWEEN
				? "Invalid condition in KeyConditionExpression: BETWEEN operator "
				  "must have the key attribute as its first operand"
				: "Invalid condition in KeyConditionExpression: begins_with operator "
				  "must have the key attribute as its first operand", NULL);
	for (i = 0; i < n->narg; i++) {
		if (n->arg[i]->kind == X_FUNC)
			return key_fail(p, "KeyConditionExpressions cannot contain nested operations",
					NULL);
		if (n->arg[i]->kind != X_PATH)
			continue;
		if (n->arg[i]->path.n > 1)
			return key_fail(p, "KeyConditionExpressions cannot have conditions on nested "
					"attributes", NULL);
		if (path)
			return key_fail(p, "Invalid condition in KeyConditionExpression: Multiple "
					"attribute names used in one condition", NULL);
		path = n->arg[i];
	}
	if (!path)
		return key_fail(p, "Invalid condition in KeyConditionExpression: No key attribute "
				"specified", NULL);
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
			return key_fail(p, "KeyConditionExpressions must only contain one condition "
					"per key", NULL);
	if (++*count > 2)
		return key_fail(p, "Conditions can be of length 1 or 2 only", NULL);
	p->e->key[p->e->nkey++] = k;
	return 0;
}

/* The leaves of the ANDs, each one attribute's condition, in order. */
static int key_collect(struct ps *p, struct xnode *n, size_t *count)
{
	int rc;

	if (n->kind == X_AND) {
		if ((rc = key_collect(p, n->arg[0], count)) < 0)
			return rc;
		return key_collect(p, n->arg[1], count);
	}
	return key_leaf(p, n, count);
}

static int check_key(struct ps *p)
{
	size_t count = 0;

	return key_collect(p, p->e->root, &count);
}

/* ---- Entry ---- */

static int check_all(struct ps *p)
{
	struct xpath **paths = NULL;
	size_t n = 0, k;
	int rc;

	if (p->redundant)
		return fail(p, "The expression has redundant parentheses;");
	if ((rc = walk_all(p, check_func_name)) < 0 || (rc = check_places(p)) < 0 ||
	    (rc = walk_paths(p, check_reserved)) < 0)
		return rc;
	if (p->dup_clause >= 0)
		return fail(p, "The \"%s\" section can only be used once in an update expression;",
			    clause_names[p->dup_clause]);
	if ((rc = walk_paths(p, resolve_names)) < 0)
		return rc;
	if (p->e->nact || p->e->npaths) {
		n = p->e->nact ? p->e->nact : p->e->npaths;
		if (!(paths = calloc(n, sizeof(*paths))))
			return nomem(p);
		for (k = 0; k < n; k++)
			paths[k] = p->e->nact ? &p->e->act[k].path : &p->e->paths[k];
		rc = check_overlaps(p, paths, n);
		free(paths);
		if (rc < 0)
			return rc;
	}
	if ((rc = walk_all(p, resolve_value)) < 0)
		return rc;
	if (p->e->root && (rc = walk(p, p->e->root, 1, check_operands)) < 0)
		return rc;
	if ((rc = check_actions(p)) < 0)
		return rc;
	if (p->e->kind == LAY_EXPR_KEY)
		return check_key(p);
	return 0;
}

int lay_expr_parse(lay_expr **out, lay_expr_kind kind, const char *text, size_t len,
		   lay_expr_env *env, lay_err *err)
{
	struct ps p;
	size_t i;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.s = text;
	p.len = len;
	p.env = env;
	p.err = err;
	p.dup_clause = -1;
	p.what = kind >= LAY_EXPR_CONDITION && kind <= LAY_EXPR_KEY ? kind_names[kind] : "Expression";
	if (len > LAY_EXPR_MAX_LEN)
		return fail(&p, "Expression size has exceeded the maximum allowed size; expression "
			    "size: %zu", len);
	for (i = 0; i < len && is_space(text[i]); i++)
		;
	if (i == len)
		return fail(&p, "The expression can not be empty;");
	if (!(p.e = calloc(1, sizeof(*p.e))))
		return nomem(&p);
	p.e->kind = kind;
	if ((rc = lex(&p)) == 0 && (rc = parse_all(&p)) == 0)
		rc = check_all(&p);
	free(p.t);
	if (rc < 0) {
		lay_expr_free(p.e);
		return rc;
	}
	*out = p.e;
	return 0;
}

void lay_expr_free(lay_expr *e)
{
	if (!e)
		return;
	lay_item_free(&e->arena);
	free(e);
}
