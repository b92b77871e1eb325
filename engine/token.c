/* ClientRequestTokens (token.h): a hash table of tokens, each with the
 * SHA-256 of its request's parameters and its answer, and a queue in the
 * order they came, from which tokens older than 10 minutes (the db's
 * clock) go whenever one begins. SDKs send a fresh token with every
 * transaction, so the table is bounded: past STORE_TOKENS_MAX the oldest
 * go first. */
#include "token.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/hash.h"
#include "store.h"

#define BUCKETS 65536u

struct store_token {
	struct store_token *next;  /* in its bucket */
	struct store_token *later; /* in the queue */
	char *token;
	unsigned char digest[32];
	char *resp;                /* NULL while the request runs */
	size_t resp_len;
	int64_t at_ns;
};

struct store_tokens {
	struct store_token *bucket[BUCKETS];
	struct store_token *oldest, *newest;
	size_t n;
};

static unsigned bucket_of(const char *token)
{
	return (unsigned)(lay_hash64(token, strlen(token)) % BUCKETS);
}

static void token_free(struct store_token *t)
{
	free(t->token);
	free(t->resp);
	free(t);
}

/* Unlink the oldest token (done) from the table and free it. */
static void drop_oldest(struct store_tokens *ts)
{
	struct store_token *t = ts->oldest, **pp;

	for (pp = &ts->bucket[bucket_of(t->token)]; *pp != t; pp = &(*pp)->next)
		;
	*pp = t->next;
	ts->oldest = t->later;
	if (!ts->oldest)
		ts->newest = NULL;
	ts->n--;
	token_free(t);
}

static int sha256(unsigned char out[32], const char *p, size_t len)
{
	unsigned int n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) && n == 32 ? 0 : -ENOMEM;
}

int store_token_begin(eng_db *db, const char *token, const char *params, size_t len,
		      lay_buf *resp, lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	unsigned char digest[32];
	struct store_tokens *ts;
	struct store_token *t;
	int rc = 0;

	if (sha256(digest, params, len) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory");
	pthread_mutex_lock(&db->tokens_mu);
	if (!(ts = db->tokens) && !(ts = db->tokens = calloc(1, sizeof(*ts)))) {
		rc = lay_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* the queue is in order of beginning: the old ones are at its head */
	while (ts->oldest && ts->oldest->resp &&
	       (now - ts->oldest->at_ns > STORE_TOKEN_NS || ts->n >= STORE_TOKENS_MAX))
		drop_oldest(ts);
	for (t = ts->bucket[bucket_of(token)]; t && strcmp(t->token, token) != 0; t = t->next)
		;
	if (t && t->resp && now - t->at_ns > STORE_TOKEN_NS)
		t = NULL; /* expired, behind a running one in the queue: a new request */
	if (t) {
		if (memcmp(t->digest, digest, sizeof(digest)) != 0)
			rc = lay_err_set(err, -EEXIST, "The request uses the same client token as a "
					 "previous, but non-identical request.");
		else if (!t->resp)
			rc = lay_err_set(err, -EBUSY, "The transaction with the given request token "
					 "is already in progress.");
		else if (lay_buf_add(resp, t->resp, t->resp_len) < 0)
			rc = lay_err_set(err, -ENOMEM, "out of memory");
		else
			rc = 1;
		goto out;
	}
	if (!(t = calloc(1, sizeof(*t))) || !(t->token = strdup(token))) {
		free(t);
		rc = lay_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	memcpy(t->digest, digest, sizeof(digest));
	t->at_ns = now;
	t->next = ts->bucket[bucket_of(token)];
	ts->bucket[bucket_of(token)] = t;
	if (ts->newest)
		ts->newest->later = t;
	else
		ts->oldest = t;
	ts->newest = t;
	ts->n++;
out:
	pthread_mutex_unlock(&db->tokens_mu);
	return rc;
}

void store_token_end(eng_db *db, const char *token, int ok, const char *resp, size_t len)
{
	struct store_tokens *ts;
	struct store_token *t;

	pthread_mutex_lock(&db->tokens_mu);
	ts = db->tokens;
	for (t = ts ? ts->bucket[bucket_of(token)] : NULL; t; t = t->next)
		if (strcmp(t->token, token) == 0 && !t->resp)
			break;
	if (t) {
		/* a failed request is not remembered: it may be sent again */
		if (ok && (t->resp = malloc(len + 1))) {
			memcpy(t->resp, resp, len);
			t->resp[len] = '\0';
			t->resp_len = len;
			t->at_ns = eng_clock_now_ns(db->clock);
		} else {
			t->resp = strdup("");
			t->at_ns = INT64_MIN / 2; /* dropped when it reaches the head */
			memset(t->digest, 0, sizeof(t->digest));
		}
	}
	pthread_mutex_unlock(&db->tokens_mu);
}

void store_tokens_free(eng_db *db)
{
	struct store_tokens *ts = db->tokens;

	while (ts && ts->oldest)
		drop_oldest(ts);
	free(ts);
	db->tokens = NULL;
}
