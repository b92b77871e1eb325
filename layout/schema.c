/* Key schemas, table names and primary keys: parsing "NAME:T[,NAME:T]"
 * (SPEC §2, §7), DynamoDB's table-name rule (SPEC §2) and the key checks
 * of SPEC §4 and §5, including putting the path's key into an item. */
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"

/* Longest piece of user input quoted in a message. */
#define QUOTE_MAX 100

/* The precision that quotes len bytes of input, cut to QUOTE_MAX. */
static int qlen(size_t len)
{
	return (int)(len < QUOTE_MAX ? len : QUOTE_MAX);
}

void lay_schema_default(lay_schema *out)
{
	memset(out, 0, sizeof(*out));
	strcpy(out->pk, "PK");
	out->pk_type = LAY_S;
	strcpy(out->sk, "SK");
	out->sk_type = LAY_S;
}

/* One "NAME:T" part into name/type. The type follows the last ':', so a
 * name may itself hold colons. */
static int parse_key(char *name, lay_type *type, const char *s, size_t len, const char *which,
		     lay_err *err)
{
	const char *colon = NULL;
	size_t i, nlen;

	for (i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (len == 0)
		return lay_err_set(err, -EINVAL, "key schema: the %s key is empty; write NAME:TYPE",
				   which);
	if (!colon)
		return lay_err_set(err, -EINVAL,
				   "key schema: the %s key \"%.*s\" has no type; write NAME:TYPE "
				   "(TYPE is S, N or B)",
				   which, qlen(len), s);
	nlen = (size_t)(colon - s);
	if (nlen == 0)
		return lay_err_set(err, -EINVAL, "key schema: the %s key has an empty name", which);
	if (nlen > LAY_MAX_KEY_NAME)
		return lay_err_set(err, -EINVAL,
				   "key schema: the %s key's name is %zu bytes; the limit is %d",
				   which, nlen, LAY_MAX_KEY_NAME);
	i = len - nlen - 1;
	if (i != 1 || (colon[1] != 'S' && colon[1] != 'N' && colon[1] != 'B'))
		return lay_err_set(err, -EINVAL,
				   "key schema: the %s key's type is \"%.*s\"; key types are S, N "
				   "or B",
				   which, qlen(i), colon + 1);
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	*type = lay_type_parse(colon + 1, 1);
	return 0;
}

int lay_schema_parse(lay_schema *out, const char *s, size_t len, lay_err *err)
{
	lay_schema r;
	const char *comma = NULL;
	size_t i, parts = 1;
	int rc;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f)
			return lay_err_set(err, -EINVAL,
					   "key schema \"%.*s\" contains whitespace or a control "
					   "character (byte 0x%02X at offset %zu); write "
					   "NAME:TYPE[,NAME:TYPE] with nothing else",
					   qlen(len), s, c, i);
		if (c == ',') {
			parts++;
			if (!comma)
				comma = s + i;
		}
	}
	if (parts > 2)
		return lay_err_set(err, -EINVAL,
				   "key schema \"%.*s\" has %zu keys; a table has one or two "
				   "(partition key, then sort key)",
				   qlen(len), s, parts);
	memset(&r, 0, sizeof(r));
	rc = parse_key(r.pk, &r.pk_type, s, comma ? (size_t)(comma - s) : len, "partition", err);
	if (rc < 0)
		return rc;
	if (comma) {
		rc = parse_key(r.sk, &r.sk_type, comma + 1, len - (size_t)(comma - s) - 1, "sort",
			       err);
		if (rc < 0)
			return rc;
		if (strcmp(r.pk, r.sk) == 0)
			return lay_err_set(err, -EINVAL,
					   "key schema: the partition and sort keys are both named "
					   "\"%.*s\"; they must differ",
					   QUOTE_MAX, r.pk);
	}
	*out = r;
	return 0;
}

int lay_schema_format(lay_buf *out, const lay_schema *s)
{
	if (s->sk_type)
		return lay_buf_addf(out, "%s:%s,%s:%s", s->pk, lay_type_name(s->pk_type), s->sk,
				    lay_type_name(s->sk_type));
	return lay_buf_addf(out, "%s:%s", s->pk, lay_type_name(s->pk_type));
}

int lay_table_name_check(const char *name, size_t len, lay_err *err)
{
	size_t i;
	int q = qlen(len);

	if (len < 3 || len > 255)
		return lay_err_set(err, -EINVAL,
				   "table name \"%.*s\" is %zu characters; names are 3 to 255 "
				   "characters of [A-Za-z0-9_.-]",
				   q, name, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-')
			continue;
		return lay_err_set(err, -EINVAL,
				   "table name \"%.*s\" contains byte 0x%02X at offset %zu; names "
				   "use only [A-Za-z0-9_.-]",
				   q, name, c, i);
	}
	if (name[0] == '.')
		return lay_err_set(err, -EINVAL, "table name \"%.*s\" starts with '.'", q, name);
	return 0;
}

int lay_key_value_check(const lay_value *v, lay_type want, int is_sk, const char *attr,
			lay_err *err)
{
	size_t limit = is_sk ? LAY_MAX_SK : LAY_MAX_PK;

	if (!attr)
		attr = "?";
	if (v->type != want)
		return lay_err_set(err, -EINVAL,
				   "One or more parameter values were invalid: Type mismatch for "
				   "key %s expected: %s actual: %s",
				   attr, lay_type_name(want), lay_type_name(v->type));
	if (v->len == 0)
		return lay_err_set(err, -EINVAL,
				   "One or more parameter values are not valid. The AttributeValue "
				   "for a key attribute cannot contain an empty %s value. Key: %s",
				   want == LAY_B   ? "binary"
				   : want == LAY_N ? "number"
						   : "string",
				   attr);
	if (want != LAY_N && v->len > limit)
		return lay_err_set(err, -EINVAL,
				   "One or more parameter values were invalid: %s key %s is %zu "
				   "bytes; the limit is %zu",
				   is_sk ? "sort" : "partition", attr, v->len, limit);
	return 0;
}

/* Find and check one key attribute of it. */
static int key_attr(lay_value *out, const lay_item *it, const char *name, lay_type t, int is_sk,
		    lay_err *err)
{
	const lay_attr *a = lay_item_find(it, name, strlen(name));
	int rc;

	if (!a)
		return lay_err_set(err, -EINVAL,
				   "One or more parameter values were invalid: Missing the key %s "
				   "in the item",
				   name);
	if ((rc = lay_key_value_check(&a->v, t, is_sk, name, err)) < 0)
		return rc;
	*out = a->v;
	return 0;
}

int lay_item_key(lay_key *out, const lay_item *it, const lay_schema *s, lay_err *err)
{
	lay_key k;
	int rc;

	memset(&k, 0, sizeof(k));
	if ((rc = key_attr(&k.pk, it, s->pk, s->pk_type, 0, err)) < 0)
		return rc;
	if (s->sk_type && (rc = key_attr(&k.sk, it, s->sk, s->sk_type, 1, err)) < 0)
		return rc;
	*out = k;
	return 0;
}

/* Append a short, readable form of a key value for a message: S and N
 * quoted, B as base64; cut to QUOTE_MAX bytes with "...". */
static void describe(char *dst, size_t dsz, const lay_value *v)
{
	lay_buf b = LAY_BUF_INIT;
	const char *p = v->u.p;
	size_t len = v->len;

	if (v->type == LAY_B) {
		if (lay_b64_encode(&b, v->u.p, v->len) < 0 || !b.p) {
			snprintf(dst, dsz, "(%zu bytes)", v->len);
			lay_buf_free(&b);
			return;
		}
		p = b.p;
		len = b.len;
	}
	snprintf(dst, dsz, "%s\"%.*s%s\"", v->type == LAY_B ? "base64 " : "", qlen(len), p,
		 len > QUOTE_MAX ? "..." : "");
	lay_buf_free(&b);
}

/* A key attribute present in the item that differs from the path's key. */
static int key_mismatch(const char *name, const lay_value *have, const lay_value *want,
			lay_err *err)
{
	char h[QUOTE_MAX + 16], w[QUOTE_MAX + 16];

	if (have->type != want->type)
		return lay_err_set(err, -EINVAL,
				   "key attribute \"%s\" has type %s but the path's key has "
				   "type %s",
				   name, lay_type_name(have->type), lay_type_name(want->type));
	describe(h, sizeof(h), have);
	describe(w, sizeof(w), want);
	return lay_err_set(err, -EINVAL, "key attribute \"%s\" is %s but the path says %s", name, h,
			   w);
}

/*
 * Validate everything first, then build the new attribute array in the
 * arena and swap it in, so on any error the item is as it was (only its
 * arena may have grown). Values of key are copied: it may borrow from a
 * buffer that dies before the item.
 */
int lay_item_set_key(lay_item *it, const lay_schema *s, const lay_key *key, int overwrite,
		     lay_err *err)
{
	const char *names[2] = {s->pk, s->sk};
	const lay_value *vals[2] = {&key->pk, &key->sk};
	const lay_attr *have[2] = {NULL, NULL};
	int same[2] = {0, 0};
	size_t nkeys = s->sk_type ? 2 : 1, i, j, n;
	lay_attr *a;
	int rc, in_place = 1;

	if ((rc = lay_key_value_check(&key->pk, s->pk_type, 0, s->pk, err)) < 0)
		return rc;
	if (nkeys == 2 && (rc = lay_key_value_check(&key->sk, s->sk_type, 1, s->sk, err)) < 0)
		return rc;
	for (i = 0; i < nkeys; i++) {
		have[i] = lay_item_find(it, names[i], strlen(names[i]));
		same[i] = have[i] && lay_value_equal(&have[i]->v, vals[i]);
		if (have[i] && !same[i] && !overwrite)
			return key_mismatch(names[i], &have[i]->v, vals[i], err);
		if (!same[i] || have[i] != &it->a[i])
			in_place = 0;
	}
	/* the common write: the file already carried its key, first */
	if (in_place)
		return 0;

	n = it->n + nkeys - (have[0] != NULL) - (have[1] != NULL);
	a = lay_item_alloc(it, n * sizeof(*a));
	if (!a)
		return lay_err_set(err, -ENOMEM, "out of memory setting an item's key");
	for (i = 0; i < nkeys; i++) {
		if (same[i]) {
			a[i] = *have[i];
			continue;
		}
		a[i].name_len = strlen(names[i]);
		a[i].name = lay_item_strdup(it, names[i], a[i].name_len);
		if (!a[i].name || lay_value_copy(it, &a[i].v, vals[i]) < 0)
			return lay_err_set(err, -ENOMEM, "out of memory setting an item's key");
	}
	for (j = 0; j < it->n; j++)
		if (&it->a[j] != have[0] && &it->a[j] != have[1])
			a[i++] = it->a[j];
	it->a = a;
	it->n = n;
	return 0;
}

int lay_item_validate(const lay_item *it, const lay_schema *s, lay_err *err)
{
	lay_key k;
	size_t size;
	int rc;

	if ((rc = lay_item_key(&k, it, s, err)) < 0)
		return rc;
	size = lay_item_size(it);
	if (size > LAY_MAX_ITEM_SIZE)
		return lay_err_set(err, -EFBIG,
				   "Item size has exceeded the maximum allowed size (%zu bytes; "
				   "the limit is %d)",
				   size, LAY_MAX_ITEM_SIZE);
	return 0;
}
