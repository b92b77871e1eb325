/* ClientRequestTokens (token.h): a list per database, pruned of tokens
 * older than 10 minutes (the db's clock) whenever one begins. Only
 * transactions carry them, so the list stays short. */
#include "token.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct store_token {
	struct store_token *next;
	char *token;
	char *params;
	size_t params_len;
	char *resp;          /* NULL while the request runs */
	size_t resp_len;
	int64_t at_ns;
};

static void token_free(struct store_token *t)
{
	free(t->token);
	free(t->params);
	free(t->resp);
	free(t);
}

static char *dup_bytes(const char *p, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, p, len);
		d[len] = '\0';
	}
	return d;
}

int store_token_begin(eng_db *db, const char *token, const char *params, size_t len,
		      lay_buf *resp, lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	struct store_token **pp, *t;
	int rc = 0;

	pthread_mutex_lock(&db->tokens_mu);
	for (pp = &db->tokens; (t = *pp);) {
		if (t->resp && now - t->at_ns > STORE_TOKEN_NS) {
			*pp = t->next;
			token_free(t);
			continue;
		}
		if (strcmp(t->token, token) == 0)
			break;
		pp = &t->next;
	}
	if (t) {
		if (t->params_len != len || memcmp(t->params, params, len) != 0)
			rc = lay_err_set(err, -EEXIST, "The request uses the same client token as a "
					 "previous, but non-identical request.");
		else if (!t->resp)
			rc = lay_err_set(err, -EBUSY, "The transaction with the given request token "
					 "is already in progress.");
		else if (lay_buf_add(resp, t->resp, t->resp_len) < 0)
			rc = lay_err_set(err, -ENOMEM, "out of memory");
		else
			rc = 1;
	} else if (!(t = calloc(1, sizeof(*t))) || !(t->token = strdup(token)) ||
		   !(t->params = dup_bytes(params, len))) {
		if (t)
			token_free(t);
		rc = lay_err_set(err, -ENOMEM, "out of memory");
	} else {
		t->params_len = len;
		t->at_ns = now;
		t->next = db->tokens;
		db->tokens = t;
	}
	pthread_mutex_unlock(&db->tokens_mu);
	return rc;
}

void store_token_end(eng_db *db, const char *token, int ok, const char *resp, size_t len)
{
	struct store_token **pp, *t;

	pthread_mutex_lock(&db->tokens_mu);
	for (pp = &db->tokens; (t = *pp); pp = &t->next)
		if (strcmp(t->token, token) == 0 && !t->resp)
			break;
	if (t) {
		if (ok && (t->resp = dup_bytes(resp, len))) {
			t->resp_len = len;
			t->at_ns = eng_clock_now_ns(db->clock);
		} else {
			*pp = t->next;
			token_free(t);
		}
	}
	pthread_mutex_unlock(&db->tokens_mu);
}

void store_tokens_free(eng_db *db)
{
	struct store_token *t, *next;

	for (t = db->tokens; t; t = next) {
		next = t->next;
		token_free(t);
	}
	db->tokens = NULL;
}
