/*
 * Key values as file names (SPEC §4): text (S as is, N canonical, B base64),
 * escaping, ".json" for items, and long names cut to prefix '~' hash.
 * Each key has exactly one name and each accepted name one key, so the
 * decoder takes only what the encoder makes.
 *
 * The long-name rule. Let E be the escaped text, X = ".json" for an item
 * ("" for a partition) and TAIL = '~' + 16 lowercase hex digits. A name is
 * "long-shaped" if it is at least LONG_MIN (252) bytes and ends in TAIL X.
 * - Encoding: if E X is over 255 bytes, or is itself long-shaped, the name
 *   is P TAIL X with TAIL holding lay_name_hash(key) and P the longest
 *   prefix of E that keeps the name within 255 bytes, moved back to the
 *   start of any %XX escape or UTF-8 sequence it would cut. That moves it
 *   back at most 3 bytes, so the name is 252..255 bytes: long-shaped.
 * - Decoding: a long-shaped name is hashed (the caller finds the key by
 *   hash and must check that the key it found gives back this very name);
 *   any other name is the plain E X of its key.
 * So a key whose plain name merely looks hashed is hashed too, and a short
 * name ending in TAIL ("abc~0123456789abcdef.json") is an ordinary key.
 */
#include "name.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "b64.h"
#include "hash.h"
#include "num.h"
#include "utf8.h"

#define SUFFIX ".json"
#define SUFFIX_LEN 5
#define TAIL_LEN (1 + LAY_NAME_HASH_HEX)
/* A cut backs off at most 3 bytes (a 4-byte UTF-8 sequence), so hashed
 * names are never shorter than this; plain ones of this size that end in
 * a tail are hashed too, which is what makes the rule reversible. */
#define LONG_MIN (LAY_NAME_MAX - 3)

/* How much of a name to show in a message. */
#define SHOW 80

/* The letter hashed for a key type: a stable byte, unlike the enum's value. */
static unsigned char type_letter(lay_type t)
{
	return t == LAY_N ? 'N' : t == LAY_B ? 'B' : 'S';
}

/*
 * FNV-1a 64 over the type letter ('S', 'N' or 'B') then the value bytes (N:
 * its canonical text; B: the raw bytes), followed by splitmix64's finalizer
 * so that every input bit reaches every output bit. Part of the on-disk
 * format: never change it.
 */
uint64_t lay_name_hash(const lay_value *key)
{
	unsigned char letter = (unsigned char)type_letter(key->type);

	return lay_hash_mix(lay_fnv1a(lay_fnv1a(LAY_FNV_INIT, &letter, 1), key->u.p, key->len));
}

/* 1 if byte c at position pos of the text is written as %XX. */
static int must_escape(unsigned char c, size_t pos)
{
	return c == '%' || c == '/' || c < 0x20 || c == 0x7f || (c == '.' && pos == 0);
}

/* 1 if the len bytes at s end in '~' and 16 lowercase hex digits. */
static int has_tail(const char *s, size_t len)
{
	size_t i;

	if (len < TAIL_LEN || s[len - TAIL_LEN] != '~')
		return 0;
	for (i = len - LAY_NAME_HASH_HEX; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int add_escaped(lay_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
		int rc;

		if (must_escape(c, i))
			rc = lay_buf_add(out, esc, 3);
		else
			rc = lay_buf_addc(out, (char)c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Where to cut escaped text e so that its first cut bytes fit in max: never
 * inside a %XX escape (a '%' in escaped text always starts one) nor inside
 * a UTF-8 sequence (bytes >= 0x80 are never escaped, so they sit raw in e).
 */
static size_t cut_point(const char *e, size_t max)
{
	size_t c = max, back;

	if (e[c - 1] == '%')
		return c - 1;
	if (e[c - 2] == '%')
		return c - 2;
	/* e[c] continuing a sequence means the sequence began before c; a
	 * sequence is at most 4 bytes, and the bound keeps bad UTF-8 safe */
	for (back = 0; back < 3 && ((unsigned char)e[c] & 0xc0) == 0x80; back++)
		c--;
	return c;
}

/*
 * The escaped text is written straight into out after its old contents;
 * on ENOMEM out->len goes back, so out is unchanged.
 */
int lay_name_from_key(lay_buf *out, const lay_value *v, int item)
{
	size_t start = out->len, elen, sfx = item ? SUFFIX_LEN : 0;
	lay_buf text = LAY_BUF_INIT;
	const char *src = v->u.p;
	size_t srclen = v->len;
	int rc;

	assert(v->type == LAY_S || v->type == LAY_N || v->type == LAY_B);
	if (v->type == LAY_B) {
		if ((rc = lay_b64_encode(&text, v->u.p, v->len)) < 0)
			goto out_restore;
		src = text.p;
		srclen = text.len;
	}
	if ((rc = add_escaped(out, src, srclen)) < 0)
		goto out_restore;
	elen = out->len - start;
	if (elen + sfx > LAY_NAME_MAX ||
	    (elen + sfx >= LONG_MIN && has_tail(out->p + start, elen))) {
		size_t c = cut_point(out->p + start, LAY_NAME_MAX - TAIL_LEN - sfx);

		out->len = start + c;
		if ((rc = lay_buf_addf(out, "~%016llx", (unsigned long long)lay_name_hash(v))) < 0)
			goto out_restore;
		rc = 1;
	} else {
		rc = 0;
	}
	if (item && lay_buf_add(out, SUFFIX, SUFFIX_LEN) < 0) {
		rc = -ENOMEM;
		goto out_restore;
	}
	lay_buf_free(&text);
	return rc;
out_restore:
	out->len = start;
	if (out->p)
		out->p[start] = '\0';
	lay_buf_free(&text);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lowercase is not canonical */
}

/* Decode the escapes of name bytes s[0..len) into out, accepting only what
 * add_escaped writes. The caller has already refused a raw leading '.'. */
static int unescape(lay_buf *out, const char *s, size_t len, lay_err *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%') {
			if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return lay_err_set(err, -EINVAL,
						   "name \"%.*s\": '%%' must start an escape "
						   "of two uppercase hex digits",
						   SHOW, s);
			c = (unsigned char)(hi << 4 | lo);
			if (!must_escape(c, i))
				return lay_err_set(err, -EINVAL,
						   "name \"%.*s\": %%%.2s is not a canonical "
						   "escape; only %%, /, control bytes and a "
						   "leading . are escaped",
						   SHOW, s, s + i + 1);
			i += 2;
		} else if (c == '/' || c < 0x20 || c == 0x7f) {
			return lay_err_set(err, -EINVAL,
					   "name \"%.*s\" holds byte 0x%02X, which must be written "
					   "%%%02X",
					   SHOW, s, c, c);
		}
		if (lay_buf_addc(out, (char)c) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A string key's text (unescaped) s of name: UTF-8 without U+0000, as a
 * string in an item's content must be (SPEC §5). */
static int string_ok(const char *name, const char *s, size_t len, lay_err *err)
{
	if (!lay_utf8_valid(s, len))
		return lay_err_set(err, -EINVAL, "name \"%.*s\" is not valid UTF-8", SHOW, name);
	if (memchr(s, 0, len))
		return lay_err_set(err, -EINVAL, "name \"%.*s\" holds U+0000 (%%00), which a "
				   "string key cannot hold", SHOW, name);
	return 0;
}

/* Check what a value's text (unescaped) says for type t and put the key's
 * bytes into k's buffer. */
static int check_text(lay_buf *k, const char *name, const char *s, size_t len, lay_type t,
		      lay_err *err)
{
	lay_err nerr = { 0, "" };
	int rc;

	switch (t) {
	case LAY_S:
		if ((rc = string_ok(name, s, len, err)) < 0)
			return rc;
		return lay_buf_add(k, s, len);
	case LAY_N:
		rc = lay_num_canon(k, s, len, &nerr);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			return lay_err_set(err, rc, "name \"%.*s\" is not a number: %s", SHOW,
					   name, nerr.msg);
		if (k->len != len || memcmp(k->p, s, len) != 0)
			return lay_err_set(err, -EINVAL,
					   "number name \"%.*s\" is not canonical; it is written "
					   "\"%s\"",
					   SHOW, name, k->p);
		return 0;
	default:
		rc = lay_b64_decode(k, s, len, 1);
		if (rc == -EINVAL)
			return lay_err_set(err, rc,
					   "name \"%.*s\" is not canonical base64 (A-Z a-z 0-9 + "
					   "%%2F, '=' padding, zero unused bits)",
					   SHOW, name);
		return rc;
	}
}

/* A hashed name's prefix: check it is something lay_name_from_key could
 * have cut from a key of type t. */
static int check_prefix(const char *name, const char *s, size_t len, lay_type t, lay_err *err)
{
	size_t i;

	switch (t) {
	case LAY_S:
		return string_ok(name, s, len, err);
	case LAY_N:
		/* a canonical number is at most 170 bytes: never a long name */
		return lay_err_set(err, -EINVAL, "name \"%.*s\" is not a number", SHOW, name);
	default:
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
				return lay_err_set(err, -EINVAL,
						   "name \"%.*s\" is not canonical base64", SHOW,
						   name);
		return 0;
	}
}

static uint64_t parse_hash(const char *s)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < LAY_NAME_HASH_HEX; i++)
		h = h << 4 | (uint64_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	return h;
}

/*
 * Everything is checked in scratch buffers first; only then is the value
 * copied into it's arena and *out written, so a bad name changes nothing.
 * out->value.u.p lives until lay_item_free(it).
 */
int lay_name_to_key(lay_name_key *out, lay_item *it, const char *name, size_t len, lay_type t,
		    int item, lay_err *err)
{
	lay_buf text = LAY_BUF_INIT, key = LAY_BUF_INIT;
	size_t vlen = len;
	lay_name_key k;
	char copy[LAY_NAME_MAX + 1]; /* name NUL-terminated: messages show it */
	int rc;

	memset(&k, 0, sizeof(k));
	k.value.type = t;
	if (t != LAY_S && t != LAY_N && t != LAY_B)
		return lay_err_set(err, -EINVAL, "a key's type is S, N or B, not %d", (int)t);
	if (len > LAY_NAME_MAX)
		return lay_err_set(err, -EINVAL, "name of %zu bytes; the limit is %d", len,
				   LAY_NAME_MAX);
	memcpy(copy, name, len);
	copy[len] = '\0';
	name = copy;
	if (item) {
		if (len < SUFFIX_LEN || memcmp(name + len - SUFFIX_LEN, SUFFIX, SUFFIX_LEN) != 0)
			return lay_err_set(err, -EINVAL, "item name \"%.*s\" does not end in .json",
					   SHOW, name);
		vlen = len - SUFFIX_LEN;
	}
	if (vlen == 0)
		return lay_err_set(err, -EINVAL, "empty name: a key value cannot be empty");
	if (name[0] == '.')
		return lay_err_set(err, -EINVAL,
				   "name \"%.*s\" starts with '.'; a key's leading '.' is "
				   "written %%2E",
				   SHOW, name);

	if (len >= LONG_MIN && has_tail(name, vlen)) {
		if ((rc = unescape(&text, name, vlen - TAIL_LEN, err)) < 0)
			goto out_free;
		if ((rc = check_prefix(name, text.p, text.len, t, err)) < 0)
			goto out_free;
		k.hashed = 1;
		k.hash = parse_hash(name + vlen - LAY_NAME_HASH_HEX);
		*out = k;
		rc = 0;
		goto out_free;
	}

	if ((rc = unescape(&text, name, vlen, err)) < 0)
		goto out_free;
	if ((rc = check_text(&key, name, text.p, text.len, t, err)) < 0)
		goto out_free;
	k.value.len = key.len;
	if (!(k.value.u.p = lay_item_strdup(it, key.p, key.len))) {
		rc = -ENOMEM;
		goto out_free;
	}
	*out = k;
	rc = 0;
out_free:
	if (rc == -ENOMEM)
		lay_err_set(err, rc, "out of memory reading name \"%.*s\"", SHOW, name);
	lay_buf_free(&key);
	lay_buf_free(&text);
	return rc;
}

int lay_name_is_item(const char *name, size_t len)
{
	return len > SUFFIX_LEN && name[0] != '.' &&
	       memcmp(name + len - SUFFIX_LEN, SUFFIX, SUFFIX_LEN) == 0;
}
