/* Key schemas, table names and primary keys: parsing "NAME:T[,NAME:T]"
 * (SPEC §2, §7), DynamoDB's table-name rule (SPEC §2) and the key checks
 * of SPEC §4 and §5, including putting the path's key into an item. */
#include "schema.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "json.h"
#include "utf8.h"

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

/*
 * The value of user.ddb.key_schema (SPEC §2, §7): one or two parts
 * "NAME:T" joined by ','. DynamoDB allows any name of 1 to 255 bytes, so:
 *  - a bare NAME is taken as written, spaces and ':' included (the type
 *    follows the part's last ':'); ',' always ends a part;
 *  - a NAME that holds ',' or a control character, starts with '"' or
 *    starts or ends with a space is written as a JSON string:
 *    "a,b":S. lay_schema_format writes names that way, so every schema
 *    reads back as itself.
 * Names are UTF-8 without U+0000 (they are C strings, like attribute
 * names in items).
 */

/* 1 if name must be written as a JSON string to read back as itself. */
static int needs_quotes(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || name[0] == '"' || name[0] == ' ' || name[len - 1] == ' ')
		return 1;
	for (i = 0; i < len; i++)
		if (name[i] == ',' || (unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 1;
	return 0;
}

static int hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * The JSON string at s[0] == '"' (at most len bytes) into name (NUL-
 * terminated, at most LAY_MAX_KEY_NAME bytes); *used gets its length with
 * both quotes. -EINVAL with a message for bad JSON, U+0000, a name too
 * long or empty.
 */
static int parse_quoted(char *name, size_t *used, const char *s, size_t len, const char *which,
			lay_err *err)
{
	char out[LAY_MAX_KEY_NAME + 4];
	size_t i = 1, n = 0, step;
	uint32_t cp, lo;

	while (i < len && s[i] != '"') {
		unsigned char c = (unsigned char)s[i];
		char enc[4];
		size_t elen;

		if (c < 0x20)
			goto out_bad;
		if (c != '\\') {
			if ((step = lay_utf8_seq((const unsigned char *)s + i, len - i)) == 0)
				goto out_bad;
			memcpy(enc, s + i, step);
			elen = step;
			i += step;
		} else {
			if (i + 1 >= len)
				goto out_bad;
			c = (unsigned char)s[i + 1];
			i += 2;
			elen = 1;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				enc[0] = (char)c;
				break;
			case 'b':
				enc[0] = '\b';
				break;
			case 'f':
				enc[0] = '\f';
				break;
			case 'n':
				enc[0] = '\n';
				break;
			case 'r':
				enc[0] = '\r';
				break;
			case 't':
				enc[0] = '\t';
				break;
			case 'u':
				if (i + 4 > len || hex4(s + i, &cp) < 0)
					goto out_bad;
				i += 4;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u' ||
					    hex4(s + i + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
						goto out_bad;
					i += 6;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
					goto out_bad;
				}
				if (cp == 0)
					return lay_err_set(err, -EINVAL,
							   "key schema: the %s key's name holds "
							   "U+0000, which a name cannot hold",
							   which);
				if (cp < 0x80) {
					enc[0] = (char)cp;
				} else if (cp < 0x800) {
					enc[0] = (char)(0xC0 | cp >> 6);
					enc[1] = (char)(0x80 | (cp & 0x3F));
					elen = 2;
				} else if (cp < 0x10000) {
					enc[0] = (char)(0xE0 | cp >> 12);
					enc[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
					enc[2] = (char)(0x80 | (cp & 0x3F));
					elen = 3;
				} else {
					enc[0] = (char)(0xF0 | cp >> 18);
					enc[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
					enc[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
					enc[3] = (char)(0x80 | (cp & 0x3F));
					elen = 4;
				}
				break;
			default:
				goto out_bad;
			}
		}
		if (n + elen > LAY_MAX_KEY_NAME)
			return lay_err_set(err, -EINVAL,
					   "key schema: the %s key's name is over %d bytes; the "
					   "limit is %d",
					   which, LAY_MAX_KEY_NAME, LAY_MAX_KEY_NAME);
		memcpy(out + n, enc, elen);
		n += elen;
	}
	if (i >= len)
		goto out_bad;
	if (n == 0)
		return lay_err_set(err, -EINVAL, "key schema: the %s key has an empty name", which);
	memcpy(name, out, n);
	name[n] = '\0';
	*used = i + 1;
	return 0;
out_bad:
	return lay_err_set(err, -EINVAL,
			   "key schema: the %s key's quoted name %.*s is not a valid JSON string",
			   which, qlen(len), s);
}

/* The type letter of a part: S, N or B alone. */
static int parse_type(lay_type *type, const char *t, size_t len, const char *which, lay_err *err)
{
	if (len != 1 || (t[0] != 'S' && t[0] != 'N' && t[0] != 'B'))
		return lay_err_set(err, -EINVAL,
				   "key schema: the %s key's type is \"%.*s\"; key types are S, N "
				   "or B",
				   which, qlen(len), t);
	*type = lay_type_parse(t, 1);
	return 0;
}

/* One part "NAME:T" (len bytes, up to its ',' or the end) into name/type. */
static int parse_key(char *name, lay_type *type, const char *s, size_t len, const char *which,
		     lay_err *err)
{
	const char *colon = NULL;
	size_t i, nlen, used;
	int rc;

	if (len == 0)
		return lay_err_set(err, -EINVAL, "key schema: the %s key is empty; write NAME:TYPE",
				   which);
	if (s[0] == '"') {
		if ((rc = parse_quoted(name, &used, s, len, which, err)) < 0)
			return rc;
		if (used == len || s[used] != ':')
			return lay_err_set(err, -EINVAL,
					   "key schema: the %s key \"%.*s\" has no type; write "
					   "NAME:TYPE (TYPE is S, N or B)",
					   which, qlen(len), s);
		return parse_type(type, s + used + 1, len - used - 1, which, err);
	}
	for (i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
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
	if (s[0] == ' ' || s[nlen - 1] == ' ')
		return lay_err_set(err, -EINVAL,
				   "key schema: the %s key's name \"%.*s\" starts or ends with "
				   "whitespace; if that is meant, write the name as a JSON string "
				   "(\" id\":S)",
				   which, qlen(nlen), s);
	if (!lay_utf8_valid(s, nlen))
		return lay_err_set(err, -EINVAL, "key schema: the %s key's name is not UTF-8",
				   which);
	if ((rc = parse_type(type, colon + 1, len - nlen - 1, which, err)) < 0)
		return rc;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	return 0;
}

/* The end of the part starting at s[i]: its ',' or len. A quoted name is
 * skipped whole, so its ',' do not count. */
static size_t part_end(const char *s, size_t len, size_t i)
{
	if (i < len && s[i] == '"') {
		for (i++; i < len && s[i] != '"'; i++)
			if (s[i] == '\\')
				i++;
	}
	while (i < len && s[i] != ',')
		i++;
	return i < len ? i : len;
}

int lay_schema_parse(lay_schema *out, const char *s, size_t len, lay_err *err)
{
	lay_schema r;
	size_t i, end1, parts = 1;
	int rc;

	/* control bytes are never written raw: a quoted name says them with
	 * JSON escapes */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return lay_err_set(
			    err, -EINVAL,
			    "key schema \"%.*s\" contains a control character (byte "
			    "0x%02X at offset %zu); write NAME:TYPE[,NAME:TYPE], and a "
			    "name holding control characters as a JSON string",
			    qlen(len), s, c, i);
	}
	for (i = part_end(s, len, 0); i < len; i = part_end(s, len, i + 1))
		parts++;
	if (parts > 2)
		return lay_err_set(err, -EINVAL,
				   "key schema \"%.*s\" has %zu keys; a table has one or two "
				   "(partition key, then sort key); a name holding ',' is written "
				   "as a JSON string (\"a,b\":S)",
				   qlen(len), s, parts);
	memset(&r, 0, sizeof(r));
	end1 = part_end(s, len, 0);
	if ((rc = parse_key(r.pk, &r.pk_type, s, end1, "partition", err)) < 0)
		return rc;
	if (end1 < len) {
		rc = parse_key(r.sk, &r.sk_type, s + end1 + 1, len - end1 - 1, "sort", err);
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

static int format_key(lay_buf *out, const char *name, lay_type t)
{
	int rc =
	    needs_quotes(name) ? lay_json_quote(out, name, strlen(name)) : lay_buf_adds(out, name);

	return rc < 0 ? rc : lay_buf_addf(out, ":%s", lay_type_name(t));
}

int lay_schema_format(lay_buf *out, const lay_schema *s)
{
	int rc = format_key(out, s->pk, s->pk_type);

	if (rc == 0 && s->sk_type && (rc = lay_buf_addc(out, ',')) == 0)
		rc = format_key(out, s->sk, s->sk_type);
	return rc;
}

/* DynamoDB's rule for the names of tables and backups (what names): 3 to
 * 255 of [A-Za-z0-9_.-]. */
static int name_check(const char *what, const char *name, size_t len, lay_err *err)
{
	size_t i;
	int q = qlen(len);

	if (len < 3 || len > 255)
		return lay_err_set(err, -EINVAL,
				   "%s name \"%.*s\" is %zu character%s; names are 3 to 255 "
				   "characters of [A-Za-z0-9_.-]",
				   what, q, name, len, len == 1 ? "" : "s");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-')
			continue;
		return lay_err_set(err, -EINVAL,
				   "%s name \"%.*s\" contains byte 0x%02X at offset %zu; names "
				   "use only [A-Za-z0-9_.-]",
				   what, q, name, c, i);
	}
	if (name[0] == '.')
		return lay_err_set(err, -EINVAL, "%s name \"%.*s\" starts with '.'", what, q, name);
	return 0;
}

int lay_table_name_check(const char *name, size_t len, lay_err *err)
{
	return name_check("table", name, len, err);
}

int lay_backup_name_check(const char *name, size_t len, lay_err *err)
{
	return name_check("backup", name, len, err);
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
