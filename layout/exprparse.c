/* Expressions of DynamoDB's API (expr.h): the lexer and the parser of all
 * five kinds, with DynamoDB's syntax errors (the token and its neighbours),
 * its limits of length, nesting and operators; exprcheck.c checks the
 * result. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exprtree.h"

/* Parentheses and NOTs nest at most this deep: deeper is either redundant
 * parentheses or more than LAY_EXPR_MAX_OPERATORS operators. */
#define MAX_NEST 320

enum tkind { T_EOF = 0, T_IDENT, T_NAME, T_VALUE, T_NUM, T_PUNCT, T_BAD };

struct tok {
	enum tkind t;
	size_t pos, len;
};

struct ps {
	struct xctx c; /* what the checks read */
	const char *s;
	size_t len;
	struct tok *t;
	size_t nt, i;
	int depth, ops;
};

static const char *const kind_names[] = {
	"",
	"ConditionExpression",
	"FilterExpression",
	"UpdateExpression",
	"ProjectionExpression",
	"KeyConditionExpression",
};



/* Syntax error at token k: DynamoDB quotes the token and the text from
 * the token before it to the end of the token after it. */
static int syntax_at(struct ps *p, size_t k)
{
	const struct tok *t = &p->t[k];
	size_t from = k > 0 ? p->t[k - 1].pos : t->pos;
	size_t to =
	    t->t != T_EOF && k + 1 < p->nt ? p->t[k + 1].pos + p->t[k + 1].len : t->pos + t->len;

	if (t->t == T_EOF)
		return lay_xt_fail(&p->c, "Syntax error; token: \"<EOF>\", near: \"%.*s\"",
				   (int)(to - from), p->s + from);
	return lay_xt_fail(&p->c, "Syntax error; token: \"%.*s\", near: \"%.*s\"", (int)t->len,
			   p->s + t->pos, (int)(to - from), p->s + from);
}

static int syntax(struct ps *p)
{
	return syntax_at(p, p->i);
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
		return lay_xt_nomem(&p->c);
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
		} else if (s[i] && strchr("()[],.=+-", s[i])) {
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
	if (p->c.e->kind == LAY_EXPR_UPDATE)
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
	struct xnode *n = lay_item_alloc(&p->c.e->arena, sizeof(*n));

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
		if (!(grown = lay_item_alloc(&p->c.e->arena, (*n ? *n * 2 : 1) * size)))
			return lay_xt_nomem(&p->c);
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
		return lay_xt_fail(&p->c,
				   "The expression contains too many operators; operator count: %d",
				   p->ops);
	return 0;
}

static int nest(struct ps *p)
{
	if (++p->depth > MAX_NEST)
		return lay_xt_fail(&p->c, "The expression has redundant parentheses;");
	return 0;
}

/* One name of a path, at an identifier or a "#n". */
static int path_name(struct ps *p, struct xpath *out)
{
	const struct tok *t = cur(p);
	struct xel el;

	if ((t->t != T_IDENT && t->t != T_NAME) || is_keyword(p))
		return syntax(p);
	memset(&el, 0, sizeof(el));
	el.tok = p->i;
	el.text = p->s + t->pos;
	el.tlen = t->len;
	el.idx = -1;
	if (t->t == T_IDENT) {
		if (!(el.name = lay_item_strdup(&p->c.e->arena, el.text, el.tlen)))
			return lay_xt_nomem(&p->c);
		el.len = el.tlen;
	}
	p->i++;
	return push(p, &out->el, &out->n, &el, sizeof(el));
}

/* The rest of a path: { '.' name | '[' digits ']' } */
static int path_rest(struct ps *p, struct xpath *out)
{
	const struct tok *t;
	struct xel el;
	size_t k;
	int rc;

	for (;;) {
		if (is_punct(p, ".")) {
			p->i++;
			if ((rc = path_name(p, out)) < 0)
				return rc;
			continue;
		}
		if (!is_punct(p, "["))
			return 0;
		p->i++;
		t = cur(p);
		if (t->t != T_NUM)
			return syntax(p);
		memset(&el, 0, sizeof(el));
		el.tok = p->i;
		el.text = p->s + t->pos;
		el.tlen = t->len;
		for (k = 0; k < t->len; k++)
			el.idx = el.idx > (long)INT_MAX ? el.idx
							: el.idx * 10 + (p->s[t->pos + k] - '0');
		p->i++;
		if ((rc = expect(p, "]")) < 0 ||
		    (rc = push(p, &out->el, &out->n, &el, sizeof(el))) < 0)
			return rc;
	}
}

/* path := name { '.' name | '[' digits ']' } */
static int parse_path(struct ps *p, struct xpath *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = path_name(p, out)) < 0)
		return rc;
	return path_rest(p, out);
}

/* In a condition a path in parentheses may go on: "(a.b).c" */
static int path_goes_on(struct ps *p, struct xnode *n)
{
	if (n->kind != X_PATH || (!is_punct(p, ".") && !is_punct(p, "[")))
		return 0;
	n->paren = 0; /* the parentheses are inside the longer path */
	return path_rest(p, &n->path);
}

static int parse_operand(struct ps *p, struct xnode **out);
static int parse_update_value(struct ps *p, struct xnode **out);

/* name '(' operand {',' operand} ')', at an identifier followed by '(' */
static int parse_call(struct ps *p, struct xnode **out, int update)
{
	const struct tok *t = cur(p);
	struct xnode *n = node_new(p, X_FUNC, p->i), *a;
	int rc;

	if (!n)
		return lay_xt_nomem(&p->c);
	n->text = p->s + t->pos;
	n->tlen = t->len;
	n->op = lay_xt_func(n->text, t->len);
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
			p->c.redundant = 1;
		n->paren++;
		*out = n;
		return path_goes_on(p, n);
	}
	if (t->t == T_VALUE) {
		if (!(n = node_new(p, X_VALUE, p->i)))
			return lay_xt_nomem(&p->c);
		n->text = p->s + t->pos;
		n->tlen = t->len;
		p->i++;
		*out = n;
		return 0;
	}
	if (is_call(p))
		return parse_call(p, out, 0);
	if (!(n = node_new(p, X_PATH, p->i)))
		return lay_xt_nomem(&p->c);
	*out = n;
	return parse_path(p, &n->path);
}

static int is_condition(const struct xnode *n)
{
	return n->kind == X_CMP || n->kind == X_BETWEEN || n->kind == X_IN || n->kind == X_AND ||
	       n->kind == X_OR || n->kind == X_NOT || n->kind == X_FUNC;
}

static int parse_or(struct ps *p, struct xnode **out);


/* After operand left: a comparator, BETWEEN or IN makes a condition of it. */
static int parse_comparison(struct ps *p, struct xnode *left, struct xnode **out)
{
	struct xnode *n = NULL, *a;
	size_t k, tok = p->i;
	int rc;

	for (k = 0; k < LAY_XT_NCMPS; k++)
		if (is_punct(p, lay_xt_cmps[k].s)) {
			if (!(n = node_new(p, X_CMP, tok)))
				return lay_xt_nomem(&p->c);
			n->op = lay_xt_cmps[k].op;
			break;
		}
	if (!n && is_word(p, "BETWEEN") && !(n = node_new(p, X_BETWEEN, tok)))
		return lay_xt_nomem(&p->c);
	if (!n && is_word(p, "IN") && !(n = node_new(p, X_IN, tok)))
		return lay_xt_nomem(&p->c);
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
			p->c.redundant = 1;
		n->paren++;
		if ((rc = path_goes_on(p, n)) < 0)
			return rc;
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
		return lay_xt_nomem(&p->c);
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
			return lay_xt_nomem(&p->c);
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
			p->c.redundant = 1;
		n->paren++;
		*out = n;
		return 0;
	}
	if (t->t == T_VALUE) {
		if (!(n = node_new(p, X_VALUE, p->i)))
			return lay_xt_nomem(&p->c);
		n->text = p->s + t->pos;
		n->tlen = t->len;
		p->i++;
		*out = n;
		return 0;
	}
	if (is_call(p))
		return parse_call(p, out, 1);
	if (!(n = node_new(p, X_PATH, p->i)))
		return lay_xt_nomem(&p->c);
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
		return lay_xt_nomem(&p->c);
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
		if (is_word(p, lay_xt_clause(c)))
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
		if (seen[c]++ && p->c.dup_clause < 0)
			p->c.dup_clause = c;
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
					return lay_xt_nomem(&p->c);
				a.value->text = p->s + cur(p)->pos;
				a.value->tlen = cur(p)->len;
				p->i++;
			}
			if ((rc = push(p, &p->c.e->act, &p->c.e->nact, &a, sizeof(a))) < 0)
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
		    (rc = push(p, &p->c.e->paths, &p->c.e->npaths, &path, sizeof(path))) < 0)
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

	switch (p->c.e->kind) {
	case LAY_EXPR_UPDATE:
		return parse_update(p);
	case LAY_EXPR_PROJECTION:
		return parse_projection(p);
	default:
		if ((rc = parse_or(p, &p->c.e->root)) < 0 ||
		    (rc = need_condition(p, p->c.e->root)) < 0)
			return rc;
		return cur(p)->t == T_EOF ? 0 : syntax(p);
	}
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
	p.c.env = env;
	p.c.err = err;
	p.c.dup_clause = -1;
	p.c.what =
	    kind >= LAY_EXPR_CONDITION && kind <= LAY_EXPR_KEY ? kind_names[kind] : "Expression";
	if (len > LAY_EXPR_MAX_LEN)
		return lay_xt_fail(
		    &p.c,
		    "Expression size has exceeded the maximum allowed size; expression "
		    "size: %zu",
		    len);
	for (i = 0; i < len && is_space(text[i]); i++)
		;
	if (i == len)
		return lay_xt_fail(&p.c, "The expression can not be empty;");
	if (!(p.c.e = calloc(1, sizeof(*p.c.e))))
		return lay_xt_nomem(&p.c);
	p.c.e->kind = kind;
	if ((rc = lex(&p)) == 0 && (rc = parse_all(&p)) == 0)
		rc = lay_xt_check(&p.c);
	free(p.t);
	if (rc < 0) {
		lay_expr_free(p.c.e);
		return rc;
	}
	*out = p.c.e;
	return 0;
}

void lay_expr_free(lay_expr *e)
{
	if (!e)
		return;
	lay_item_free(&e->arena);
	free(e);
}
