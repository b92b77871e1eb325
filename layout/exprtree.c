/* Expressions of DynamoDB's API (expr.h): the words the parser and the
 * checks share — sections, comparators — and their messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "exprtree.h"

static const char *const clause_names[] = { "SET", "REMOVE", "ADD", "DELETE" };

const char *lay_xt_clause(int c)
{
	return clause_names[c];
}

const struct lay_xt_cmp_name lay_xt_cmps[LAY_XT_NCMPS] = {
	{ "=", C_EQ }, { "<>", C_NE }, { "<", C_LT }, { "<=", C_LE }, { ">", C_GT }, { ">=", C_GE },
};

const char *lay_xt_cmp(int op)
{
	size_t k;

	for (k = 0; k < LAY_XT_NCMPS; k++)
		if ((int)lay_xt_cmps[k].op == op)
			return lay_xt_cmps[k].s;
	return "?";
}

int lay_xt_fail(const struct xctx *c, const char *fmt, ...)
{
	char msg[LAY_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lay_err_set(c->err, -EINVAL, "Invalid %s: %s", c->what, msg);
}

int lay_xt_nomem(const struct xctx *c)
{
	return lay_err_set(c->err, -ENOMEM, "out of memory parsing an expression");
}
