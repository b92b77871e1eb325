/* Fuzz target: DynamoDB's expressions (layout/expr*.c): condition, filter,
 * update, projection and key condition, the first byte picking the kind
 * (byte % 5) and the format of the values and the item (bit 3: DynamoDB
 * JSON, as the API sends them, else plain JSON, as files hold them). Then
 * NUL-separated: the expression, ExpressionAttributeNames (plain JSON),
 * ExpressionAttributeValues and an item. A parsed
 * expression is evaluated on the item (and on no item): a verdict or a
 * message; what an update or a projection makes is an item that survives
 * every round trip. */
#include "../../layout/expr.h"
#include "items.h"

static const lay_expr_kind kinds[] = { LAY_EXPR_CONDITION, LAY_EXPR_FILTER, LAY_EXPR_UPDATE,
				       LAY_EXPR_PROJECTION, LAY_EXPR_KEY };

/* An item made of a field, or an empty one when it does not parse. */
static int load(lay_item *out, const uint8_t *p, size_t len, lay_format fmt)
{
	char *text = fuzz_dup(p, len, 0);
	lay_err err = { 0, "" };
	int rc = lay_json_parse(out, text, len, fmt, &err);

	free(text);
	return rc;
}

static void check_made(int rc, lay_item *made, const lay_err *err)
{
	if (rc < 0)
		FUZZ_CHECK_ERR(rc, err);
	else
		fuzz_item_round_trips(made);
	lay_item_free(made);
}

static void run(const lay_expr *e, lay_expr_kind kind, const lay_item *item)
{
	lay_item made = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	lay_schema s;
	lay_key_cond kc;
	int rc;

	lay_schema_default(&s);
	switch (kind) {
	case LAY_EXPR_CONDITION:
	case LAY_EXPR_FILTER:
		rc = lay_expr_test(e, item, &err);
		FUZZ_CHECK(rc == 0 || rc == 1 || (rc < 0 && err.msg[0]));
		rc = lay_expr_test(e, NULL, &err);
		FUZZ_CHECK(rc == 0 || rc == 1 || (rc < 0 && err.msg[0]));
		if (kind == LAY_EXPR_FILTER && (rc = lay_expr_filter_check(e, &s, &err)) < 0)
			FUZZ_CHECK_ERR(rc, &err);
		break;
	case LAY_EXPR_UPDATE:
		rc = lay_expr_update(e, item, &made, &err);
		if (rc == 0) {
			lay_item part = LAY_ITEM_INIT;

			check_made(lay_expr_project(e, &made, &part, &err), &part, &err);
			(void)lay_expr_touches(e, "PK", 2);
		}
		check_made(rc, &made, &err);
		rc = lay_expr_update(e, NULL, &made, &err);
		check_made(rc, &made, &err);
		break;
	case LAY_EXPR_PROJECTION:
		check_made(lay_expr_project(e, item, &made, &err), &made, &err);
		break;
	case LAY_EXPR_KEY:
		if ((rc = lay_expr_key(e, &s, &kc, &err)) == 0) {
			const lay_attr *sk = lay_item_find(item, "SK", 2);

			FUZZ_CHECK(kc.pk != NULL);
			if (sk && sk->v.type == LAY_S)
				(void)lay_key_cond_where(&kc, &sk->v);
		} else {
			FUZZ_CHECK_ERR(rc, &err);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + (size > 0), *text, *n, *v, *i;
	size_t left = size - (size > 0), tlen, nlen, vlen, ilen;
	lay_item names = LAY_ITEM_INIT, values = LAY_ITEM_INIT, item = LAY_ITEM_INIT;
	lay_expr_env env;
	lay_expr *e = NULL;
	lay_err err = { 0, "" };
	lay_expr_kind kind;
	lay_format fmt;
	char *expr;
	int rc, has_names, has_values;

	if (size < 1)
		return 0;
	kind = kinds[data[0] % 5];
	text = fuzz_field(&p, &left, &tlen);
	n = fuzz_field(&p, &left, &nlen);
	v = fuzz_field(&p, &left, &vlen);
	i = fuzz_field(&p, &left, &ilen);
	has_names = nlen && load(&names, n, nlen, LAY_FMT_PLAIN) == 0;
	fmt = (data[0] >> 3) & 1 ? LAY_FMT_DDB : LAY_FMT_PLAIN;
	has_values = vlen && load(&values, v, vlen, fmt) == 0;
	load(&item, i, ilen, fmt);
	memset(&env, 0, sizeof(env));
	rc = lay_expr_env_init(&env, has_names ? &names : NULL, has_values ? &values : NULL, &err);
	if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
		goto out;
	}
	expr = fuzz_dup(text, tlen, 0);
	rc = lay_expr_parse(&e, kind, expr, tlen, &env, &err);
	if (rc == 0) {
		run(e, kind, &item);
		if ((rc = lay_expr_env_unused(&env, &err)) < 0)
			FUZZ_CHECK_ERR(rc, &err);
	} else {
		FUZZ_CHECK_ERR(rc, &err);
	}
	lay_expr_free(e);
	free(expr);
out:
	lay_expr_env_free(&env);
	lay_item_free(&names);
	lay_item_free(&values);
	lay_item_free(&item);
	return 0;
}
