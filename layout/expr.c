/* Expressions of DynamoDB's API (expr.h). The substitutions of a request;
 * the expressions themselves come next. */
#include "expr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
					   "error; key: \"%s\"", names->a[i].name);
		if (names->a[i].v.type != LAY_S || names->a[i].v.len == 0)
			return lay_err_set(err, -EINVAL,
					   "ExpressionAttributeNames contains invalid value: Empty "
					   "attribute name; key: \"%s\"", names->a[i].name);
	}
	for (i = 0; values && i < values->n; i++)
		if (values->a[i].name[0] != ':')
			return lay_err_set(err, -EINVAL,
					   "ExpressionAttributeValues contains invalid key: Syntax "
					   "error; key: \"%s\"", values->a[i].name);
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
		rc = lay_err_set(err, -EINVAL,
				 "Value provided in ExpressionAttributeNames unused in expressions: "
				 "keys: %s", b.p);
	else if (n == 0 && (n = unused_list(&b, env->values, env->values_used)) > 0)
		rc = lay_err_set(err, -EINVAL,
				 "Value provided in ExpressionAttributeValues unused in "
				 "expressions: keys: %s", b.p);
	if (n < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	lay_buf_free(&b);
	return rc;
}

int lay_expr_parse(lay_expr **out, lay_expr_kind kind, const char *text, size_t len,
		   lay_expr_env *env, lay_err *err)
{
	(void)kind, (void)text, (void)len, (void)env;
	*out = NULL;
	return lay_err_set(err, -EOPNOTSUPP, "expressions are not served yet");
}

void lay_expr_free(lay_expr *e)
{
	(void)e;
}

int lay_expr_test(const lay_expr *e, const lay_item *item, lay_err *err)
{
	(void)e, (void)item;
	return lay_err_set(err, -EOPNOTSUPP, "expressions are not served yet");
}

int lay_expr_update(const lay_expr *e, const lay_item *old, lay_item *out, lay_err *err)
{
	(void)e, (void)old, (void)out;
	return lay_err_set(err, -EOPNOTSUPP, "expressions are not served yet");
}

int lay_expr_touches(const lay_expr *e, const char *name, size_t len)
{
	(void)e, (void)name, (void)len;
	return 0;
}

int lay_expr_project(const lay_expr *e, const lay_item *it, lay_item *out, lay_err *err)
{
	(void)e, (void)it, (void)out;
	return lay_err_set(err, -EOPNOTSUPP, "expressions are not served yet");
}
