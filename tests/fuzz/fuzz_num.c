/* Fuzz target: numbers (layout/num.c, SPEC §5): the input split at its
 * first NUL into two texts. A number accepted is canonical once: its
 * canonical text is a fixed point, compares equal to itself, and its key
 * encoding decodes back and sorts as the numbers compare; the sum and the
 * difference of two numbers are numbers, or refused with a message. */
#include "../../layout/num.h"
#include "fuzz.h"

/* The canonical text of p, or NULL with the refusal checked. */
static char *canon(const char *p, size_t len, size_t *out_len)
{
	lay_buf b = LAY_BUF_INIT, again = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc = lay_num_canon(&b, p, len, &err);

	if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
		lay_buf_free(&b);
		return NULL;
	}
	FUZZ_CHECK(lay_num_canon(&again, b.p, b.len, &err) == 0);
	FUZZ_CHECK(again.len == b.len && memcmp(again.p, b.p, b.len) == 0);
	FUZZ_CHECK(lay_num_cmp(b.p, b.len, b.p, b.len) == 0);
	FUZZ_CHECK(lay_num_digits(b.p, b.len) <= LAY_NUM_MAX_DIGITS);
	lay_buf_free(&again);
	return lay_buf_detach(&b, out_len);
}

/* The key encoding of canonical c: decodes to c, consuming all of it. */
static void check_keyenc(const char *c, size_t len, lay_buf *enc)
{
	lay_buf dec = LAY_BUF_INIT;
	size_t used = 0;
	char *exact;

	FUZZ_CHECK(lay_num_keyenc(enc, c, len) == 0);
	exact = fuzz_dup((const uint8_t *)enc->p, enc->len, 0);
	FUZZ_CHECK(lay_num_keydec(&dec, &used, exact, enc->len) == 0);
	FUZZ_CHECK(used == enc->len);
	FUZZ_CHECK(dec.len == len && memcmp(dec.p, c, len) == 0);
	free(exact);
	lay_buf_free(&dec);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void check_sum(const char *a, size_t alen, const char *b, size_t blen, int sub)
{
	lay_buf sum = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	size_t slen;
	int rc = lay_num_add(&sum, a, alen, b, blen, sub, &err);
	char *c;

	if (rc < 0) {
		FUZZ_CHECK_ERR(rc, &err);
	} else {
		c = canon(sum.p, sum.len, &slen);
		FUZZ_CHECK(c && slen == sum.len && memcmp(c, sum.p, slen) == 0);
		free(c);
	}
	lay_buf_free(&sum);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size, alen, blen, ca_len = 0, cb_len = 0;
	const uint8_t *a = fuzz_field(&p, &left, &alen), *b = fuzz_field(&p, &left, &blen);
	char *ta = fuzz_dup(a, alen, 0), *tb = fuzz_dup(b, blen, 0);
	char *ca = canon(ta, alen, &ca_len), *cb = canon(tb, blen, &cb_len);
	lay_buf ea = LAY_BUF_INIT, eb = LAY_BUF_INIT;

	if (ca)
		check_keyenc(ca, ca_len, &ea);
	if (cb)
		check_keyenc(cb, cb_len, &eb);
	if (ca && cb) {
		size_t n = ea.len < eb.len ? ea.len : eb.len;
		int byenc = memcmp(ea.p, eb.p, n);

		if (byenc == 0)
			byenc = (ea.len > eb.len) - (ea.len < eb.len);
		FUZZ_CHECK(sign(byenc) == sign(lay_num_cmp(ca, ca_len, cb, cb_len)));
		check_sum(ca, ca_len, cb, cb_len, 0);
		check_sum(ca, ca_len, cb, cb_len, 1);
	}
	lay_buf_free(&ea);
	lay_buf_free(&eb);
	free(ca);
	free(cb);
	free(ta);
	free(tb);
	return 0;
}
