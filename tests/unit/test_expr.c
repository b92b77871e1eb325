/* Unit tests of layout/expr.c and exprparse.c: DynamoDB's expressions —
 * the grammar and its precedence, every operator and function on items,
 * updates on nested maps, lists, sets and exact numbers, projections, key
 * conditions, reserved words, limits, and DynamoDB's messages word for
 * word. */
#include <errno.h>
#include <string.h>

#include "../../layout/expr.h"
#include "../../layout/json.h"
#include "check.h"

/* The substitutions most tests use. */
static const char *const NAMES = "{\"#n\":\"n\",\"#s\":\"status\",\"#d\":\"[3]\",\"#c\":\"c\"}";

struct ctx {
	lay_item names, values, item;
	lay_expr_env env;
	lay_expr *e;
	lay_err err;
};

static int load(lay_item *it, const char *json)
{
	lay_err err = { 0, "" };

	if (!json)
		return 0;
	if (lay_json_parse(it, json, strlen(json), LAY_FMT_PLAIN, &err) < 0) {
		fprintf(stderr, "  bad test JSON %s: %s\n", json, err.msg);
		return -1;
	}
	return 0;
}

/* Parse text of kind with names (NULL: NAMES) and values (plain JSON). */
static int ctx_parse(struct ctx *c, lay_expr_kind kind, const char *text, const char *names,
		     const char *values)
{
	memset(c, 0, sizeof(*c));
	if (load(&c->names, names ? names : NAMES) < 0 || load(&c->values, values) < 0)
		return -1;
	if (lay_expr_env_init(&c->env, &c->names, values ? &c->values : NULL, &c->err) < 0)
		return c->err.code;
	return lay_expr_parse(&c->e, kind, text, strlen(text), &c->env, &c->err);
}

static void ctx_free(struct ctx *c)
{
	lay_expr_free(c->e);
	lay_expr_env_free(&c->env);
	lay_item_free(&c->names);
	lay_item_free(&c->values);
	lay_item_free(&c->item);
}

/* Parsing text fails with -EINVAL and exactly msg. */
static int fails(lay_expr_kind kind, const char *text, const char *values, const char *msg)
{
	struct ctx c;
	int rc = ctx_parse(&c, kind, text, NULL, values);
	int ok = rc == -EINVAL && strcmp(c.err.msg, msg) == 0;

	if (!ok)
		fprintf(stderr, "  \"%s\": rc %d \"%s\"\n  wanted \"%s\"\n", text, rc, c.err.msg,
			msg);
	ctx_free(&c);
	return ok;
}

/* Parsing text succeeds. */
static int parses(lay_expr_kind kind, const char *text, const char *values)
{
	struct ctx c;
	int rc = ctx_parse(&c, kind, text, NULL, values);

	if (rc)
		fprintf(stderr, "  \"%s\": rc %d \"%s\"\n", text, rc, c.err.msg);
	ctx_free(&c);
	return rc == 0;
}

/* Parsing text fails with a syntax error. */
static int syntax_error(lay_expr_kind kind, const char *text)
{
	struct ctx c;
	int rc = ctx_parse(&c, kind, text, NULL, NULL);
	int ok = rc == -EINVAL && strstr(c.err.msg, "Expression: Syntax error; token: ");

	if (!ok)
		fprintf(stderr, "  \"%s\": rc %d \"%s\"\n", text, rc, c.err.msg);
	ctx_free(&c);
	return ok;
}

/* The condition text on item (plain JSON, NULL: no item): 1, 0, or -1 when
 * it does not parse. */
static int cond(const char *text, const char *values, const char *item)
{
	struct ctx c;
	int rc = ctx_parse(&c, LAY_EXPR_CONDITION, text, NULL, values);

	if (rc == 0 && load(&c.item, item) == 0)
		rc = lay_expr_test(c.e, item ? &c.item : NULL, &c.err);
	else
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "  \"%s\": %s\n", text, c.err.msg);
	ctx_free(&c);
	return rc;
}

/* The update text on old (NULL: none) gives want (plain JSON), or fails
 * with exactly msg when want is NULL. */
static int update_gives(const char *text, const char *values, const char *old, const char *want,
			const char *msg)
{
	lay_item out = LAY_ITEM_INIT, w = LAY_ITEM_INIT;
	lay_buf got = LAY_BUF_INIT;
	struct ctx c;
	int rc, ok;

	rc = ctx_parse(&c, LAY_EXPR_UPDATE, text, NULL, values);
	if (rc == 0 && load(&c.item, old) == 0)
		rc = lay_expr_update(c.e, old ? &c.item : NULL, &out, &c.err);
	if (want) {
		ok = rc == 0 && load(&w, want) == 0 && lay_item_equal(&out, &w);
	} else {
		ok = rc == -EINVAL && strcmp(c.err.msg, msg) == 0;
	}
	if (!ok) {
		lay_json_render(&got, &out, LAY_FMT_PLAIN);
		fprintf(stderr, "  \"%s\": rc %d \"%s\" item %s  wanted %s\n", text, rc, c.err.msg,
			got.p ? got.p : "(none)\n", want ? want : msg);
	}
	lay_buf_free(&got);
	lay_item_free(&out);
	lay_item_free(&w);
	ctx_free(&c);
	return ok;
}

#define UPDATES(text, values, old, want) update_gives(text, values, old, want, NULL)
#define UPDATE_FAILS(text, values, old, msg) update_gives(text, values, old, NULL, msg)

/* The projection (or update) text on item gives want. */
static int projects(lay_expr_kind kind, const char *text, const char *values, const char *item,
		    const char *want)
{
	lay_item out = LAY_ITEM_INIT, w = LAY_ITEM_INIT;
	lay_buf got = LAY_BUF_INIT;
	struct ctx c;
	int rc, ok;

	rc = ctx_parse(&c, kind, text, NULL, values);
	if (rc == 0 && load(&c.item, item) == 0)
		rc = lay_expr_project(c.e, &c.item, &out, &c.err);
	ok = rc == 0 && load(&w, want) == 0 && lay_item_equal(&out, &w);
	if (!ok) {
		lay_json_render(&got, &out, LAY_FMT_PLAIN);
		fprintf(stderr, "  \"%s\": rc %d \"%s\" got %s  wanted %s\n", text, rc, c.err.msg,
			got.p ? got.p : "(none)\n", want);
	}
	lay_buf_free(&got);
	lay_item_free(&out);
	lay_item_free(&w);
	ctx_free(&c);
	return ok;
}

static const char *const ITEM =
    "{\"s\":\"hello\",\"n\":10,\"b\":{\"B\":\"AQID\"},\"t\":true,\"z\":null,"
    "\"m\":{\"x\":1,\"y\":{\"z\":\"deep\"}},\"l\":[\"a\",2,{\"k\":\"v\"}],"
    "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[1,2]},\"status\":\"on\"}";

static const char *const VALS =
    "{\":five\":5,\":ten\":10,\":twenty\":20,\":h\":\"he\",\":hello\":\"hello\","
    "\":a\":\"a\",\":two\":2,\":l\":[\"a\",2,{\"k\":\"v\"}],\":S\":\"S\",\":N\":\"N\","
    "\":M\":\"M\",\":XX\":\"XX\",\":b\":{\"B\":\"AQ==\"},\":ell\":\"ell\",\":ssx\":{\"SS\":[\"b\","
    "\"a\"]}}";

static void test_expr_condition__comparisons_between_same_types(void)
{
	CHECK(cond("n = :ten", VALS, ITEM) == 1);
	CHECK(cond("n <> :ten", VALS, ITEM) == 0);
	CHECK(cond("n < :twenty", VALS, ITEM) == 1);
	CHECK(cond("n <= :ten", VALS, ITEM) == 1);
	CHECK(cond("n > :five", VALS, ITEM) == 1);
	CHECK(cond("n >= :twenty", VALS, ITEM) == 0);
	CHECK(cond("s > :h", VALS, ITEM) == 1);
	/* different types never order, and a string is not a number */
	CHECK(cond("s < :ten", VALS, ITEM) == 0);
	CHECK(cond("s > :ten", VALS, ITEM) == 0);
	CHECK(cond("n = :h", VALS, ITEM) == 0);
	/* binary orders bytewise */
	CHECK(cond("b > :b", VALS, ITEM) == 1);
	/* a missing attribute makes comparisons false, and <> true */
	CHECK(cond("nope = :ten", VALS, ITEM) == 0);
	CHECK(cond("nope < :ten", VALS, ITEM) == 0);
	CHECK(cond("nope <> :ten", VALS, ITEM) == 1);
	/* deep equality, sets unordered */
	CHECK(cond("l = :l", VALS, ITEM) == 1);
	CHECK(cond("ss = :ssx", VALS, ITEM) == 1);
	CHECK(cond("m.y.z = :hello", VALS, ITEM) == 0);
	CHECK(cond("l[2].k <> :a", VALS, ITEM) == 1);
	/* two paths compare too */
	CHECK(cond("n > l[1]", VALS, ITEM) == 1);
	/* no item: every comparison is false */
	CHECK(cond("n = :ten", VALS, NULL) == 0);
}

static void test_expr_condition__numbers_compare_exactly(void)
{
	const char *v = "{\":a\":0.30000000000000000000000000000000000001,\":b\":0.3,"
			"\":c\":-1e-130,\":d\":99999999999999999999999999999999999999}";

	CHECK(cond("x > :b", v, "{\"x\":0.30000000000000000000000000000000000001}") == 1);
	CHECK(cond("x = :a", v, "{\"x\":0.30000000000000000000000000000000000001}") == 1);
	CHECK(cond("x < :b", v, "{\"x\":-1e-130}") == 1);
	CHECK(cond("x = :c", v, "{\"x\":-0.1e-129}") == 1);
	CHECK(cond("x < :d", v, "{\"x\":99999999999999999999999999999999999998}") == 1);
}

static void test_expr_condition__between_and_in(void)
{
	CHECK(cond("n BETWEEN :five AND :twenty", VALS, ITEM) == 1);
	CHECK(cond("n between :ten and :ten", VALS, ITEM) == 1);
	CHECK(cond("n BETWEEN :two AND :five", VALS, ITEM) == 0);
	CHECK(cond("s BETWEEN :two AND :five", VALS, ITEM) == 0);
	CHECK(cond("n IN (:five, :ten)", VALS, ITEM) == 1);
	CHECK(cond("n in (:five,:twenty)", VALS, ITEM) == 0);
	CHECK(cond("l IN (:l)", VALS, ITEM) == 1);
	CHECK(cond("nope IN (:five)", VALS, ITEM) == 0);
}

static void test_expr_condition__functions(void)
{
	CHECK(cond("attribute_exists(m.y.z)", VALS, ITEM) == 1);
	CHECK(cond("attribute_exists(m.q)", VALS, ITEM) == 0);
	CHECK(cond("attribute_not_exists(nope)", VALS, ITEM) == 1);
	CHECK(cond("attribute_not_exists(l[2])", VALS, ITEM) == 0);
	CHECK(cond("attribute_not_exists(l[3])", VALS, ITEM) == 1);
	CHECK(cond("attribute_not_exists(s)", VALS, NULL) == 1);
	CHECK(cond("attribute_type(s, :S)", VALS, ITEM) == 1);
	CHECK(cond("attribute_type(n, :N) AND attribute_type(m, :M)", VALS, ITEM) == 1);
	CHECK(cond("attribute_type(n, :S)", VALS, ITEM) == 0);
	CHECK(cond("begins_with(s, :h)", VALS, ITEM) == 1);
	CHECK(cond("begins_with(s, :a)", VALS, ITEM) == 0);
	CHECK(cond("begins_with(b, :b)", VALS, ITEM) == 1);
	CHECK(cond("begins_with(n, :h)", VALS, ITEM) == 0);
	CHECK(cond("contains(s, :ell)", VALS, ITEM) == 1);
	CHECK(cond("contains(ss, :a)", VALS, ITEM) == 1);
	CHECK(cond("contains(ss, :h)", VALS, ITEM) == 0);
	CHECK(cond("contains(ns, :two)", VALS, ITEM) == 1);
	CHECK(cond("contains(ns, :five)", VALS, ITEM) == 0);
	CHECK(cond("contains(l, :two) and contains(l, :a)", VALS, ITEM) == 1);
	CHECK(cond("contains(n, :two)", VALS, ITEM) == 0);
	CHECK(cond("contains(b, :b2)", "{\":b2\":{\"B\":\"AgM=\"}}", ITEM) == 1);
	CHECK(cond("contains(l, :m)", "{\":m\":{\"k\":\"v\"}}", ITEM) == 1);
	CHECK(cond("contains(s, s2)", NULL, "{\"s\":\"hello\",\"s2\":\"ll\"}") == 1);
	/* size: UTF-8 bytes of S, bytes of B, members of sets, L and M */
	CHECK(cond("size(s) = :five", VALS, ITEM) == 1);
	CHECK(cond("size(x) = :two", VALS, "{\"x\":\"\xc3\xa9\"}") == 1);
	CHECK(cond("size(b) < :five", VALS, ITEM) == 1);
	CHECK(cond("size(ss) = :two AND size(m) = :two", VALS, ITEM) == 1);
	CHECK(cond("size(l) > :two", VALS, ITEM) == 1);
	CHECK(cond("size(n) = :two", VALS, ITEM) == 0);
	CHECK(cond("size(nope) >= :two", VALS, ITEM) == 0);
	CHECK(cond(":two < size(l)", VALS, ITEM) == 1);
}

static void test_expr_condition__precedence_not_and_or(void)
{
	/* NOT binds tighter than AND, AND tighter than OR */
	CHECK(cond("n = :five OR n = :ten AND s = :hello", VALS, ITEM) == 1);
	CHECK(cond("n = :ten OR n = :five AND s = :a", VALS, ITEM) == 1);
	CHECK(cond("(n = :ten OR n = :five) AND s = :a", VALS, ITEM) == 0);
	CHECK(cond("NOT n = :ten AND s = :hello", VALS, ITEM) == 0);
	CHECK(cond("NOT (n = :ten AND s = :a)", VALS, ITEM) == 1);
	CHECK(cond("not not n = :ten", VALS, ITEM) == 1);
	CHECK(cond("NOT attribute_exists(nope) and (s = :hello)", VALS, ITEM) == 1);
	/* keywords in any case; parentheses around an operand */
	CHECK(cond("n Between :five aNd :twenty oR s = :a", VALS, ITEM) == 1);
	CHECK(cond("(n) = :ten", VALS, ITEM) == 1);
	CHECK(cond("n BETWEEN :five AND :twenty AND s = :a", VALS, ITEM) == 0);
	CHECK(cond("(n BETWEEN :five AND :twenty) AND (s = :hello OR s = :a)", VALS, ITEM) == 1);
	CHECK(cond("NOT NOT NOT NOT n = :ten", VALS, ITEM) == 1);
	/* #names stand for any name, reserved ones too */
	CHECK(cond("#s = :a OR #n = :ten", VALS, ITEM) == 1);
}

static void test_expr_parse__syntax_errors_quote_token_and_neighbours(void)
{
	CHECK(fails(LAY_EXPR_CONDITION, "a =", NULL,
		    "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""));
	CHECK(fails(LAY_EXPR_CONDITION, "attribute_not_exists(", NULL,
		    "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"(\""));
	CHECK(fails(LAY_EXPR_CONDITION, "attribute_type()", NULL,
		    "Invalid ConditionExpression: Syntax error; token: \")\", near: \"()\""));
	CHECK(fails(LAY_EXPR_UPDATE, "ADD hits : incr", "{\":incr\":1}",
		    "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\""));
	CHECK(fails(LAY_EXPR_UPDATE, "INVALID SYNTAX HERE", NULL,
		    "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: "
		    "\"INVALID SYNTAX\""));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = :v,", "{\":v\":1}",
		    "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\""));
	CHECK(fails(LAY_EXPR_UPDATE, "SET", NULL,
		    "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\""));
	CHECK(fails(LAY_EXPR_FILTER, "(a)", NULL,
		    "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \")\""));
	CHECK(fails(LAY_EXPR_CONDITION, "a = :v = :v", "{\":v\":1}",
		    "Invalid ConditionExpression: Syntax error; token: \"=\", near: \":v = :v\""));
	CHECK(
	    fails(LAY_EXPR_CONDITION, "a AND b", NULL,
		  "Invalid ConditionExpression: Syntax error; token: \"AND\", near: \"a AND b\""));
	CHECK(fails(LAY_EXPR_PROJECTION, "l[a]", NULL,
		    "Invalid ProjectionExpression: Syntax error; token: \"a\", near: \"[a]\""));
	/* DynamoDB's update grammar: one + or - at most, no literals */
	CHECK(syntax_error(LAY_EXPR_UPDATE, "set a = b + c + d"));
	CHECK(syntax_error(LAY_EXPR_UPDATE, "set a[1] = 1"));
	CHECK(syntax_error(LAY_EXPR_UPDATE, "add a b"));
	CHECK(syntax_error(LAY_EXPR_UPDATE, "set a = (b.c).d + e"));
	CHECK(syntax_error(LAY_EXPR_CONDITION, "a = \"x\""));
	CHECK(fails(LAY_EXPR_UPDATE, "set a=set", NULL,
		    "Invalid UpdateExpression: Syntax error; token: \"set\", near: \"=set\""));
	CHECK(fails(LAY_EXPR_CONDITION, "a[99999999999] = b", NULL,
		    "Invalid ConditionExpression: List index is not within the allowable range; "
		    "index: [99999999999]"));
	CHECK(fails(LAY_EXPR_PROJECTION,
		    "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", NULL,
		    "Invalid ProjectionExpression: The document path has too many nesting levels; "
		    "nesting levels: 33"));
	CHECK(fails(LAY_EXPR_CONDITION, "   ", NULL,
		    "Invalid ConditionExpression: The expression can not be empty;"));
	CHECK(fails(LAY_EXPR_CONDITION, "((a = b))", NULL,
		    "Invalid ConditionExpression: The expression has redundant parentheses;"));
}

static void test_expr_parse__reserved_words_in_any_case(void)
{
	CHECK(lay_expr_reserved("status", 6));
	CHECK(lay_expr_reserved("ABORT", 5));
	CHECK(lay_expr_reserved("zone", 4));
	CHECK(lay_expr_reserved("LocalTimestamp", 14));
	CHECK(!lay_expr_reserved("statuses", 8));
	CHECK(!lay_expr_reserved("pk", 2));
	CHECK(fails(LAY_EXPR_UPDATE, "SET status = :v", "{\":v\":1}",
		    "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved "
		    "keyword: status"));
	CHECK(fails(LAY_EXPR_CONDITION, "a.Name = :v", "{\":v\":1}",
		    "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
		    "keyword: Name"));
	CHECK(fails(LAY_EXPR_PROJECTION, "a, DATA", NULL,
		    "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
		    "keyword: DATA"));
	CHECK(fails(LAY_EXPR_KEY, "pk = :v AND Year > :v", "{\":v\":1}",
		    "Invalid KeyConditionExpression: Attribute name is a reserved keyword; "
		    "reserved keyword: Year"));
	CHECK(fails(LAY_EXPR_FILTER, "attribute_exists(size)", NULL,
		    "Invalid FilterExpression: Attribute name is a reserved keyword; reserved "
		    "keyword: size"));
	/* through a #name it is fine */
	CHECK(parses(LAY_EXPR_UPDATE, "SET #s = :v", "{\":v\":1}"));
}

static void test_expr_parse__substitutions_must_be_defined_and_used(void)
{
	struct ctx c;
	lay_err err = { 0, "" };

	CHECK(fails(LAY_EXPR_UPDATE, "SET a = :x", "{\":v\":1}",
		    "Invalid UpdateExpression: An expression attribute value used in expression is "
		    "not defined; attribute value: :x"));
	CHECK(
	    fails(LAY_EXPR_CONDITION, "#q = :v", "{\":v\":1}",
		  "Invalid ConditionExpression: An expression attribute name used in the document "
		  "path is not defined; attribute name: #q"));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = :v", NULL,
		    "Invalid UpdateExpression: An expression attribute value used in expression is "
		    "not defined; attribute value: :v"));
	/* names first, then values, in each map's order */
	CHECK(ctx_parse(&c, LAY_EXPR_CONDITION, "#n = :a", NULL, "{\":a\":1,\":b\":2,\":c\":3}") ==
	      0);
	CHECK_RC(lay_expr_env_unused(&c.env, &err), -EINVAL);
	CHECK_STR(err.msg, "Value provided in ExpressionAttributeNames unused in expressions: "
			   "keys: {#s, #d, #c}");
	lay_expr_free(c.e);
	CHECK(lay_expr_parse(&c.e, LAY_EXPR_PROJECTION, "#s, #d, #c", 10, &c.env, &err) == 0);
	CHECK_RC(lay_expr_env_unused(&c.env, &err), -EINVAL);
	CHECK_STR(err.msg, "Value provided in ExpressionAttributeValues unused in expressions: "
			   "keys: {:b, :c}");
	ctx_free(&c);
}

static void test_expr_parse__functions_in_their_places(void)
{
	CHECK(fails(LAY_EXPR_CONDITION, "foo(a)", NULL,
		    "Invalid ConditionExpression: Invalid function name; function: foo"));
	CHECK(fails(LAY_EXPR_CONDITION, "ATTRIBUTE_EXISTS(a)", NULL,
		    "Invalid ConditionExpression: Invalid function name; function: "
		    "ATTRIBUTE_EXISTS"));
	CHECK(fails(LAY_EXPR_CONDITION, "size(a)", NULL,
		    "Invalid ConditionExpression: The function is not allowed to be used this way "
		    "in an expression; function: size"));
	CHECK(fails(LAY_EXPR_CONDITION, "begins_with(a, :v) = :w", "{\":v\":\"x\",\":w\":1}",
		    "Invalid ConditionExpression: The function is not allowed to be used this way "
		    "in an expression; function: begins_with"));
	CHECK(
	    fails(LAY_EXPR_UPDATE, "SET a = begins_with(a, :v)", "{\":v\":\"x\"}",
		  "Invalid UpdateExpression: The function is not allowed in an update expression; "
		  "function: begins_with"));
	CHECK(fails(LAY_EXPR_CONDITION, "if_not_exists(a, :v) = :v", "{\":v\":1}",
		    "Invalid ConditionExpression: The function is not allowed in a condition "
		    "expression; function: if_not_exists"));
	CHECK(fails(LAY_EXPR_CONDITION, "attribute_exists(a, b)", NULL,
		    "Invalid ConditionExpression: Incorrect number of operands for operator or "
		    "function; operator or function: attribute_exists, number of operands: 2"));
	CHECK(fails(LAY_EXPR_CONDITION, "attribute_exists(:v)", "{\":v\":1}",
		    "Invalid ConditionExpression: Operator or function requires a document path; "
		    "operator or function: attribute_exists"));
	CHECK(fails(LAY_EXPR_CONDITION, "attribute_type(a, :v)", "{\":v\":\"XX\"}",
		    "Invalid ConditionExpression: Invalid attribute type name found; type: XX, "
		    "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"));
	CHECK(fails(LAY_EXPR_CONDITION, "begins_with(a, :v)", "{\":v\":1}",
		    "Invalid ConditionExpression: Incorrect operand type for operator or function; "
		    "operator or function: begins_with, operand type: N"));
	CHECK(fails(LAY_EXPR_CONDITION, "size(:v) > :v", "{\":v\":1}",
		    "Invalid ConditionExpression: Incorrect operand type for operator or function; "
		    "operator or function: size, operand type: N"));
	CHECK(fails(LAY_EXPR_CONDITION, "a = a", NULL,
		    "Invalid ConditionExpression: The first operand must be distinct from the "
		    "remaining operands for this operator or function; operator: =, first operand: "
		    "[a]"));
	CHECK(fails(LAY_EXPR_CONDITION, "a BETWEEN :b AND :a", "{\":a\":\"a\",\":b\":\"b\"}",
		    "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
		    "greater than or equal to lower bound; lower bound operand: AttributeValue: "
		    "{S:b}, upper bound operand: AttributeValue: {S:a}"));
	CHECK(fails(LAY_EXPR_CONDITION, "a BETWEEN :b AND :a", "{\":a\":\"a\",\":b\":1}",
		    "Invalid ConditionExpression: The BETWEEN operator requires same data type for "
		    "lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper "
		    "bound operand: AttributeValue: {S:a}"));
	CHECK(fails(LAY_EXPR_CONDITION, "a < :v", "{\":v\":[1]}",
		    "Invalid ConditionExpression: Incorrect operand type for operator or function; "
		    "operator or function: <, operand type: L"));
}

/* Cases DynamoDB answers so, as dynalite's tests of it record. */
static void test_expr_parse__dynamodb_order_of_errors(void)
{
	CHECK(syntax_error(LAY_EXPR_FILTER, "attribute_exists(Pi#ctures.RearView)"));
	CHECK(syntax_error(LAY_EXPR_FILTER, "(a)between(b.(c.d))and(c)"));
	CHECK(syntax_error(LAY_EXPR_FILTER, "a > :things.stuff"));
	CHECK(syntax_error(LAY_EXPR_FILTER, "(size(a))[0] > a"));
	CHECK(syntax_error(LAY_EXPR_FILTER, "a in (b,c,)"));
	CHECK(fails(LAY_EXPR_FILTER, "(a)between(((b.c)).d)and(c)", NULL,
		    "Invalid FilterExpression: The expression has redundant parentheses;"));
	CHECK(fails(LAY_EXPR_FILTER, "a > whatever((:things), ((a)))", NULL,
		    "Invalid FilterExpression: The expression has redundant parentheses;"));
	CHECK(fails(LAY_EXPR_FILTER, "a=a AND ((a=a AND a=a)) AND a=a", NULL,
		    "Invalid FilterExpression: The expression has redundant parentheses;"));
	CHECK(fails(LAY_EXPR_FILTER, "a=a and attribute_exists((views), (#a)) > b", NULL,
		    "Invalid FilterExpression: The function is not allowed to be used this way in "
		    "an expression; function: attribute_exists"));
	CHECK(fails(LAY_EXPR_FILTER, "attribute_exists(views, #zz)", NULL,
		    "Invalid FilterExpression: Attribute name is a reserved keyword; reserved "
		    "keyword: views"));
	CHECK(fails(LAY_EXPR_FILTER, "begins_with(:hello, #zz, #yy)", NULL,
		    "Invalid FilterExpression: An expression attribute value used in expression is "
		    "not defined; attribute value: :hello"));
	CHECK(fails(LAY_EXPR_FILTER, "(a)between(b.c[45].#zz)and(:a)", NULL,
		    "Invalid FilterExpression: An expression attribute name used in the document "
		    "path is not defined; attribute name: #zz"));
	CHECK(fails(LAY_EXPR_FILTER, "attribute_not_exists(size(:a))", "{\":a\":1}",
		    "Invalid FilterExpression: Incorrect operand type for operator or function; "
		    "operator or function: size, operand type: N"));
	CHECK(fails(LAY_EXPR_FILTER, "attribute_not_exists(size(:a))", "{\":a\":\"x\"}",
		    "Invalid FilterExpression: Operator or function requires a document path; "
		    "operator or function: attribute_not_exists"));
	CHECK(parses(LAY_EXPR_FILTER, "contains(ab.bc[1].a, ab.bc[1].#c)", NULL));
	CHECK(fails(LAY_EXPR_FILTER, "begins_with(ab.bc[1].c, ab.bc[1].#c)", NULL,
		    "Invalid FilterExpression: The first operand must be distinct from the "
		    "remaining operands for this operator or function; operator: begins_with, "
		    "first operand: [ab, bc, [1], c]"));
	CHECK(cond("(m.y).z = :hello OR (m).x = :two", VALS, ITEM) == 0);
	CHECK(cond("(m).x < :two", VALS, ITEM) == 1);
	CHECK(cond("((m).x) < :two", VALS, ITEM) == 1);
}

static void test_expr_parse__limits(void)
{
	char text[8192], vals[8192];
	size_t n = 0, m = 0;
	int i;

	/* IN takes 100 operands, not 101 */
	n = (size_t)snprintf(text, sizeof(text), "a IN (");
	m = (size_t)snprintf(vals, sizeof(vals), "{");
	for (i = 0; i < 101; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s:v%d", i ? "," : "", i);
		m += (size_t)snprintf(vals + m, sizeof(vals) - m, "%s\":v%d\":%d", i ? "," : "", i,
				      i);
	}
	snprintf(text + n, sizeof(text) - n, ")");
	snprintf(vals + m, sizeof(vals) - m, "}");
	CHECK(fails(LAY_EXPR_CONDITION, text, vals,
		    "Invalid ConditionExpression: The IN operator is provided with too many "
		    "operands; number of operands: 101"));
	memcpy(strrchr(text, ','), ")", 2);
	CHECK(parses(LAY_EXPR_CONDITION, text, vals)); /* :v100 is unused, which is the env's */
	/* 4096 bytes, not 4097 */
	memset(text, ' ', sizeof(text));
	memcpy(text, "a", 1);
	memcpy(text + 4096 - 5, "= :v1", 6);
	CHECK(parses(LAY_EXPR_CONDITION, text, "{\":v1\":1}"));
	memmove(text + 1, text, 4097);
	CHECK(fails(LAY_EXPR_CONDITION, text, "{\":v1\":1}",
		    "Invalid ConditionExpression: Expression size has exceeded the maximum allowed "
		    "size; expression size: 4097"));
	/* 300 operators: 150 comparisons and 149 ORs pass, one more does not */
	for (n = 0, i = 0; i < 150; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%sa<b", i ? " or " : "");
	CHECK(parses(LAY_EXPR_CONDITION, text, NULL));
	snprintf(text + n, sizeof(text) - n, " or a<b");
	CHECK(fails(LAY_EXPR_CONDITION, text, NULL,
		    "Invalid ConditionExpression: The expression contains too many operators; "
		    "operator count: 301"));
	/* deep parentheses are refused, not a crash */
	memset(text, '(', 2000);
	snprintf(text + 2000, sizeof(text) - 2000, "a<b");
	CHECK(fails(LAY_EXPR_CONDITION, text, NULL,
		    "Invalid ConditionExpression: The expression has redundant parentheses;"));
}

static void test_expr_update__set_on_nested_maps_and_lists(void)
{
	const char *old = "{\"m\":{\"x\":1,\"y\":{\"z\":\"deep\"}},\"l\":[\"a\",\"b\",\"c\"]}";
	const char *v = "{\":v\":\"new\",\":n\":7}";

	CHECK(UPDATES("SET m.y.z = :v, m.w = :n", v, old,
		      "{\"m\":{\"x\":1,\"y\":{\"z\":\"new\"},\"w\":7},\"l\":[\"a\",\"b\",\"c\"]}"));
	CHECK(UPDATES("SET l[1] = :v", v, old,
		      "{\"m\":{\"x\":1,\"y\":{\"z\":\"deep\"}},\"l\":[\"a\",\"new\",\"c\"]}"));
	/* an index past the end appends */
	CHECK(UPDATES("SET l[10] = :n", v, old,
		      "{\"m\":{\"x\":1,\"y\":{\"z\":\"deep\"}},\"l\":[\"a\",\"b\",\"c\",7]}"));
	/* values come from the item as it was */
	CHECK(UPDATES("SET a = :n, b = a", "{\":n\":7}", "{\"a\":1}", "{\"a\":7,\"b\":1}"));
	CHECK(
	    UPDATES("SET #c = m.x", NULL, old,
		    "{\"m\":{\"x\":1,\"y\":{\"z\":\"deep\"}},\"l\":[\"a\",\"b\",\"c\"],\"c\":1}"));
	/* a new item */
	CHECK(UPDATES("set a = :n", v, NULL, "{\"a\":7}"));
	CHECK(UPDATE_FAILS("SET m.q.r = :n", v, old,
			   "The document path provided in the update expression is invalid for "
			   "update"));
	CHECK(UPDATE_FAILS("SET l.x = :n", v, old,
			   "The document path provided in the update expression is invalid for "
			   "update"));
	CHECK(UPDATE_FAILS("SET m[0] = :n", v, old,
			   "The document path provided in the update expression is invalid for "
			   "update"));
	CHECK(UPDATE_FAILS("SET a.b = :n", v, NULL,
			   "The document path provided in the update expression is invalid for "
			   "update"));
}

static void test_expr_update__a_failure_leaves_nothing(void)
{
	lay_item out = LAY_ITEM_INIT;
	struct ctx c;

	CHECK(ctx_parse(&c, LAY_EXPR_UPDATE, "SET a = :v, b.c = :v", NULL, "{\":v\":1}") == 0);
	CHECK(load(&c.item, "{\"x\":1}") == 0);
	CHECK_RC(lay_expr_update(c.e, &c.item, &out, &c.err), -EINVAL);
	CHECK(out.n == 0 && out.a == NULL && out.arena == NULL);
	/* and the item it read is as it was */
	CHECK(c.item.n == 1 && strcmp(c.item.a[0].name, "x") == 0);
	ctx_free(&c);
}

static void test_expr_update__remove_shifts_list_elements(void)
{
	const char *old = "{\"a\":1,\"l\":[0,1,2,3,4],\"m\":{\"x\":1,\"y\":2}}";

	CHECK(UPDATES("REMOVE a, m.x", NULL, old, "{\"l\":[0,1,2,3,4],\"m\":{\"y\":2}}"));
	CHECK(UPDATES("REMOVE l[1], l[3]", NULL, old,
		      "{\"a\":1,\"l\":[0,2,4],\"m\":{\"x\":1,\"y\":2}}"));
	/* what is not there stays not there */
	CHECK(UPDATES("remove nope, l[9], m.q", NULL, old, old));
	CHECK(UPDATE_FAILS("REMOVE q.x", NULL, old,
			   "The document path provided in the update expression is invalid for "
			   "update"));
}

static void test_expr_update__numbers_are_exact(void)
{
	CHECK(UPDATES("SET x = x + :v", "{\":v\":0.2}", "{\"x\":0.1}", "{\"x\":0.3}"));
	CHECK(UPDATES("SET x = :a - :b", "{\":a\":0.3,\":b\":0.1}", NULL, "{\"x\":0.2}"));
	CHECK(UPDATES("SET x = x + :v", "{\":v\":1}",
		      "{\"x\":9999999999999999999999999999999999999}",
		      "{\"x\":10000000000000000000000000000000000000}"));
	CHECK(UPDATES("SET x = x - :v", "{\":v\":12345678901234567890123456789012345678}",
		      "{\"x\":12345678901234567890123456789012345678}", "{\"x\":0}"));
	CHECK(UPDATES("SET x = :v - x", "{\":v\":-5}", "{\"x\":2.5}", "{\"x\":-7.5}"));
	CHECK(UPDATES("ADD x :v", "{\":v\":-1.5}", "{\"x\":1}", "{\"x\":-0.5}"));
	CHECK(UPDATES("ADD x :v", "{\":v\":3}", NULL, "{\"x\":3}"));
	CHECK(UPDATE_FAILS("SET x = x + :v", "{\":v\":9e125}", "{\"x\":9e125}",
			   "Number overflow. Attempting to store a number with magnitude larger "
			   "than supported range"));
	CHECK(UPDATE_FAILS("SET x = x + :v", "{\":v\":1e-10}",
			   "{\"x\":10000000000000000000000000000000000000}",
			   "Number overflow. Attempting to store a number with magnitude larger "
			   "than supported range"));
	CHECK(UPDATES("SET b = :a + :b", "{\":a\":9e125,\":b\":9e124}", NULL, "{\"b\":9.9e125}"));
	CHECK(UPDATES("SET b = :a - :b", "{\":a\":10000000000000000000000,\":b\":1}", NULL,
		      "{\"b\":9999999999999999999999}"));
	CHECK(UPDATE_FAILS("SET x = x + :v", "{\":v\":1}", "{\"x\":\"1\"}",
			   "An operand in the update expression has an incorrect data type"));
	CHECK(UPDATE_FAILS("SET x = y + :v", "{\":v\":1}", "{\"x\":1}",
			   "The provided expression refers to an attribute that does not exist in "
			   "the item"));
}

static void test_expr_update__if_not_exists_and_list_append(void)
{
	CHECK(UPDATES("SET a = if_not_exists(a, :v), b = if_not_exists(b, :v)", "{\":v\":0}",
		      "{\"a\":5}", "{\"a\":5,\"b\":0}"));
	CHECK(UPDATES("SET l = list_append(l, :v)", "{\":v\":[3,4]}", "{\"l\":[1,2]}",
		      "{\"l\":[1,2,3,4]}"));
	CHECK(
	    UPDATES("SET l = list_append(:v, l)", "{\":v\":[0]}", "{\"l\":[1]}", "{\"l\":[0,1]}"));
	CHECK(UPDATES("SET l = list_append(if_not_exists(l, :e), :v)", "{\":v\":[1],\":e\":[]}",
		      NULL, "{\"l\":[1]}"));
	CHECK(UPDATES("SET c = if_not_exists(c, :z) + :one", "{\":z\":0,\":one\":1}", NULL,
		      "{\"c\":1}"));
	CHECK(UPDATE_FAILS("SET l = list_append(l, :v)", "{\":v\":[1]}", "{\"l\":\"x\"}",
			   "An operand in the update expression has an incorrect data type"));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = list_append(a, :v)", "{\":v\":\"s\"}",
		    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
		    "operator or function: list_append, operand type: S"));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = a + :v", "{\":v\":\"s\"}",
		    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
		    "operator or function: +, operand type: S"));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = if_not_exists(:v, a)", "{\":v\":1}",
		    "Invalid UpdateExpression: Operator or function requires a document path; "
		    "operator or function: if_not_exists"));
}

static void test_expr_update__add_and_delete_on_sets(void)
{
	const char *old = "{\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[1]}}";

	CHECK(UPDATES("ADD ss :v", "{\":v\":{\"SS\":[\"b\",\"c\"]}}", old,
		      "{\"ss\":{\"SS\":[\"a\",\"b\",\"c\"]},\"ns\":{\"NS\":[1]}}"));
	CHECK(UPDATES("ADD n2 :v", "{\":v\":{\"NS\":[5]}}", old,
		      "{\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[1]},\"n2\":{\"NS\":[5]}}"));
	CHECK(UPDATES("DELETE ss :v", "{\":v\":{\"SS\":[\"a\",\"z\"]}}", old,
		      "{\"ss\":{\"SS\":[\"b\"]},\"ns\":{\"NS\":[1]}}"));
	/* removing every member removes the attribute */
	CHECK(UPDATES("DELETE ns :v", "{\":v\":{\"NS\":[1.0]}}", old,
		      "{\"ss\":{\"SS\":[\"a\",\"b\"]}}"));
	CHECK(UPDATES("DELETE nope :v", "{\":v\":{\"NS\":[1]}}", old, old));
	CHECK(UPDATE_FAILS("ADD ss :v", "{\":v\":{\"NS\":[1]}}", old,
			   "An operand in the update expression has an incorrect data type"));
	CHECK(UPDATE_FAILS("DELETE ss :v", "{\":v\":{\"NS\":[1]}}", old,
			   "An operand in the update expression has an incorrect data type"));
	CHECK(fails(LAY_EXPR_UPDATE, "ADD a :v", "{\":v\":{\"m\":1}}",
		    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
		    "operator: ADD, operand type: MAP, typeSet: ALLOWED_FOR_ADD_OPERAND"));
	/* the last action is checked first */
	CHECK(fails(LAY_EXPR_UPDATE, "set b = list_append(:a, a), c = if_not_exists(a) add a.b :a",
		    "{\":a\":\"a\"}",
		    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
		    "operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"));
	CHECK(fails(LAY_EXPR_UPDATE, "DELETE a :v", "{\":v\":1}",
		    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
		    "operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"));
}

static void test_expr_update__sections_and_paths_checked_first(void)
{
	CHECK(UPDATES("set a = :v remove b ADD c :n delete d :s",
		      "{\":v\":1,\":n\":2,\":s\":{\"SS\":[\"x\"]}}",
		      "{\"b\":1,\"c\":1,\"d\":{\"SS\":[\"x\",\"y\"]}}",
		      "{\"a\":1,\"c\":3,\"d\":{\"SS\":[\"y\"]}}"));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = :v SET b = :v", "{\":v\":1}",
		    "Invalid UpdateExpression: The \"SET\" section can only be used once in an "
		    "update expression;"));
	CHECK(fails(LAY_EXPR_UPDATE, "remove a set b = :v REMOVE c", "{\":v\":1}",
		    "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an "
		    "update expression;"));
	CHECK(fails(LAY_EXPR_UPDATE, "SET a = :v REMOVE a.b", "{\":v\":1}",
		    "Invalid UpdateExpression: Two document paths overlap with each other; must "
		    "remove or rewrite one of these paths; path one: [a], path two: [a, b]"));
	CHECK(fails(LAY_EXPR_UPDATE, "set #c[3].#d = a, #c[3] = a", NULL,
		    "Invalid UpdateExpression: Two document paths overlap with each other; must "
		    "remove or rewrite one of these paths; path one: [c, [3], [3]], path two: "
		    "[c, [3]]"));
	CHECK(fails(LAY_EXPR_UPDATE, "remove a.#c set a[1] = :v", "{\":v\":1}",
		    "Invalid UpdateExpression: Two document paths conflict with each other; must "
		    "remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]"));
	CHECK(fails(LAY_EXPR_PROJECTION, "a.b, a[1]", NULL,
		    "Invalid ProjectionExpression: Two document paths conflict with each other; "
		    "must remove or rewrite one of these paths; path one: [a, b], path two: "
		    "[a, [1]]"));
	CHECK(fails(LAY_EXPR_PROJECTION, "a, b, a", NULL,
		    "Invalid ProjectionExpression: Two document paths overlap with each other; "
		    "must remove or rewrite one of these paths; path one: [a], path two: [a]"));
}

static void test_expr_touches__names_the_top_level_attributes(void)
{
	struct ctx c;

	CHECK(ctx_parse(&c, LAY_EXPR_UPDATE, "SET m.x = :v REMOVE #n", NULL, "{\":v\":1}") == 0);
	CHECK(lay_expr_touches(c.e, "m", 1));
	CHECK(lay_expr_touches(c.e, "n", 1));
	CHECK(!lay_expr_touches(c.e, "x", 1));
	ctx_free(&c);
}

static void test_expr_project__keeps_structure_around_parts(void)
{
	CHECK(projects(LAY_EXPR_PROJECTION, "s, m.y.z, l[2].k, l[0], nope", NULL, ITEM,
		       "{\"s\":\"hello\",\"m\":{\"y\":{\"z\":\"deep\"}},"
		       "\"l\":[\"a\",{\"k\":\"v\"}]}"));
	CHECK(projects(LAY_EXPR_PROJECTION, "#s, m.q, l[7]", NULL, ITEM, "{\"status\":\"on\"}"));
	/* an update names what it changed */
	CHECK(projects(LAY_EXPR_UPDATE, "SET m.x = :v REMOVE n", "{\":v\":1}", ITEM,
		       "{\"m\":{\"x\":1},\"n\":10}"));
}

/* The key condition text checked against schema s. */
static int key_of(const char *schema, const char *text, const char *values, lay_key_cond *kc,
		  const char *msg)
{
	lay_schema s;
	struct ctx c;
	int rc, ok;

	if (lay_schema_parse(&s, schema, strlen(schema), NULL) < 0)
		return 0;
	rc = ctx_parse(&c, LAY_EXPR_KEY, text, NULL, values);
	if (rc == 0)
		rc = lay_expr_key(c.e, &s, kc, &c.err);
	ok = msg ? rc == -EINVAL && strcmp(c.err.msg, msg) == 0 : rc == 0;
	if (!ok)
		fprintf(stderr, "  \"%s\": rc %d \"%s\"%s%s\n", text, rc, c.err.msg,
			msg ? " wanted " : "", msg ? msg : "");
	ctx_free(&c);
	return ok;
}

static const char *const KV = "{\":p\":\"p1\",\":a\":\"b\",\":z\":\"d\",\":n\":1}";

static void test_expr_key__each_operator(void)
{
	lay_key_cond kc;

	CHECK(key_of("PK:S,SK:S", "PK = :p", KV, &kc, NULL) && kc.op == LAY_KEY_ALL);
	CHECK(key_of("PK:S,SK:S", "PK = :p AND SK = :a", KV, &kc, NULL) && kc.op == LAY_KEY_EQ);
	CHECK(key_of("PK:S,SK:S", "SK < :a and PK = :p", KV, &kc, NULL) && kc.op == LAY_KEY_LT);
	CHECK(key_of("PK:S,SK:S", "PK = :p AND SK <= :a", KV, &kc, NULL) && kc.op == LAY_KEY_LE);
	CHECK(key_of("PK:S,SK:S", "PK = :p AND SK > :a", KV, &kc, NULL) && kc.op == LAY_KEY_GT);
	CHECK(key_of("PK:S,SK:S", ":p = PK AND :a >= SK", KV, &kc, NULL) && kc.op == LAY_KEY_LE);
	CHECK(key_of("PK:S,SK:S", "PK = :p AND SK BETWEEN :a AND :z", KV, &kc, NULL) &&
	      kc.op == LAY_KEY_BETWEEN);
	CHECK(key_of("PK:S,SK:S", "(PK = :p) AND begins_with(SK, :a)", KV, &kc, NULL) &&
	      kc.op == LAY_KEY_BEGINS && kc.pk != NULL && kc.hi == NULL);
}

static void test_expr_key__errors(void)
{
	lay_key_cond kc;

	CHECK(key_of("PK:S,SK:S", "SK = :a", KV, &kc,
		     "Query condition missed key schema element: PK"));
	CHECK(key_of("PK:S,SK:S", "PK = :p AND x = :a", KV, &kc,
		     "Query condition missed key schema element: SK"));
	CHECK(key_of("PK:S", "PK = :p AND x = :a", KV, &kc, "Query key condition not supported"));
	CHECK(key_of("PK:S", "PK > :p", KV, &kc, "Query key condition not supported"));
	CHECK(key_of("PK:S", "PK = :n", KV, &kc,
		     "One or more parameter values were invalid: Condition parameter type does not "
		     "match schema type"));
	CHECK(key_of("PK:S,SK:N", "PK = :p AND SK > :a", KV, &kc,
		     "One or more parameter values were invalid: Condition parameter type does not "
		     "match schema type"));
	CHECK(key_of("PK:S", "PK = :p OR PK = :a", KV, &kc,
		     "Invalid operator used in KeyConditionExpression: OR"));
	CHECK(key_of("PK:S", "PK IN (:p)", KV, &kc,
		     "Invalid operator used in KeyConditionExpression: IN"));
	CHECK(key_of("PK:S", "NOT PK = :p", KV, &kc,
		     "Invalid operator used in KeyConditionExpression: NOT"));
	CHECK(key_of("PK:S", "PK <> :p", KV, &kc,
		     "Invalid operator used in KeyConditionExpression: <>"));
	CHECK(key_of("PK:S", "attribute_exists(PK)", KV, &kc,
		     "Invalid operator used in KeyConditionExpression: attribute_exists"));
	CHECK(key_of("PK:S", "PK = :p AND SK = :a AND x = :z", KV, &kc,
		     "Conditions can be of length 1 or 2 only"));
	CHECK(key_of("PK:S", "PK = :p AND PK = :a", KV, &kc,
		     "KeyConditionExpressions must only contain one condition per key"));
	CHECK(key_of("PK:S", "PK.x = :p", KV, &kc,
		     "KeyConditionExpressions cannot have conditions on nested attributes"));
	CHECK(key_of("PK:S", "PK = SK", KV, &kc,
		     "Invalid condition in KeyConditionExpression: Multiple attribute names used "
		     "in one condition"));
	CHECK(key_of("PK:S", ":p = :a", KV, &kc,
		     "Invalid condition in KeyConditionExpression: No key attribute specified"));
	CHECK(key_of("PK:S", "PK = size(x)", KV, &kc,
		     "KeyConditionExpressions cannot contain nested operations"));
	CHECK(key_of("PK:S", "begins_with(:a, PK)", KV, &kc,
		     "Invalid condition in KeyConditionExpression: begins_with operator must have "
		     "the key attribute as its first operand"));
	CHECK(
	    key_of("PK:S,SK:S", "PK = :p AND SK BETWEEN :z AND :a", KV, &kc,
		   "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to "
		   "be greater than or equal to lower bound; lower bound operand: AttributeValue: "
		   "{S:d}, upper bound operand: AttributeValue: {S:b}"));
}

static void test_expr_key__where_a_sort_key_falls(void)
{
	lay_value lo = { LAY_S, 1, { .p = "b" } }, hi = { LAY_S, 1, { .p = "d" } };
	lay_value a = { LAY_S, 1, { .p = "a" } }, b = { LAY_S, 1, { .p = "b" } };
	lay_value bx = { LAY_S, 2, { .p = "bx" } }, c = { LAY_S, 1, { .p = "c" } };
	lay_value e = { LAY_S, 1, { .p = "e" } };
	lay_key_cond kc = { NULL, LAY_KEY_BETWEEN, &lo, &hi };

	CHECK(lay_key_cond_where(&kc, &a) < 0);
	CHECK(lay_key_cond_where(&kc, &c) == 0);
	CHECK(lay_key_cond_where(&kc, &e) > 0);
	kc.op = LAY_KEY_BEGINS;
	CHECK(lay_key_cond_where(&kc, &a) < 0);
	CHECK(lay_key_cond_where(&kc, &b) == 0);
	CHECK(lay_key_cond_where(&kc, &bx) == 0);
	CHECK(lay_key_cond_where(&kc, &c) > 0);
	kc.op = LAY_KEY_LT;
	CHECK(lay_key_cond_where(&kc, &a) == 0 && lay_key_cond_where(&kc, &b) > 0);
	kc.op = LAY_KEY_GE;
	CHECK(lay_key_cond_where(&kc, &a) < 0 && lay_key_cond_where(&kc, &b) == 0);
	kc.op = LAY_KEY_EQ;
	CHECK(lay_key_cond_where(&kc, &a) < 0 && lay_key_cond_where(&kc, &b) == 0 &&
	      lay_key_cond_where(&kc, &c) > 0);
}

static void test_expr_filter__refuses_key_attributes(void)
{
	lay_schema s;
	struct ctx c;
	lay_err err = { 0, "" };

	lay_schema_default(&s);
	CHECK(ctx_parse(&c, LAY_EXPR_FILTER, "x = :v AND attribute_exists(SK.y)", NULL,
			"{\":v\":1}") == 0);
	CHECK_RC(lay_expr_filter_check(c.e, &s, &err), -EINVAL);
	CHECK_STR(err.msg, "Filter Expression can only contain non-primary key attributes: "
			   "Primary key attribute: SK");
	ctx_free(&c);
	CHECK(ctx_parse(&c, LAY_EXPR_FILTER, "x = :v", NULL, "{\":v\":1}") == 0);
	CHECK_RC(lay_expr_filter_check(c.e, &s, &err), 0);
	ctx_free(&c);
}

int main(void)
{
	RUN(test_expr_condition__comparisons_between_same_types);
	RUN(test_expr_condition__numbers_compare_exactly);
	RUN(test_expr_condition__between_and_in);
	RUN(test_expr_condition__functions);
	RUN(test_expr_condition__precedence_not_and_or);
	RUN(test_expr_parse__syntax_errors_quote_token_and_neighbours);
	RUN(test_expr_parse__reserved_words_in_any_case);
	RUN(test_expr_parse__substitutions_must_be_defined_and_used);
	RUN(test_expr_parse__functions_in_their_places);
	RUN(test_expr_parse__dynamodb_order_of_errors);
	RUN(test_expr_parse__limits);
	RUN(test_expr_update__set_on_nested_maps_and_lists);
	RUN(test_expr_update__a_failure_leaves_nothing);
	RUN(test_expr_update__remove_shifts_list_elements);
	RUN(test_expr_update__numbers_are_exact);
	RUN(test_expr_update__if_not_exists_and_list_append);
	RUN(test_expr_update__add_and_delete_on_sets);
	RUN(test_expr_update__sections_and_paths_checked_first);
	RUN(test_expr_touches__names_the_top_level_attributes);
	RUN(test_expr_project__keeps_structure_around_parts);
	RUN(test_expr_key__each_operator);
	RUN(test_expr_key__errors);
	RUN(test_expr_key__where_a_sort_key_falls);
	RUN(test_expr_filter__refuses_key_attributes);
	return check_done();
}
