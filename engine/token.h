/* Private to engine/: the ClientRequestTokens of transactions (token.c):
 * a request retried with its token within 10 minutes is answered as the
 * first was, without being done again (DynamoDB's idempotency). */
#ifndef ENG_TOKEN_H
#define ENG_TOKEN_H

#include <stddef.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "engine.h"

#define STORE_TOKEN_NS (600LL * 1000000000LL)
/* tokens kept at most (past it the oldest answered ones go first) */
#define STORE_TOKENS_MAX 200000

/*
 * Begin a request holding token, whose parameters are the len bytes of
 * params (only their SHA-256 is kept): 0 when it is new (the token is held until store_token_end);
 * 1 when it was done before with the same parameters (its response is
 * appended to resp); -EEXIST when the token was used with other
 * parameters; -EBUSY when the first is still running; -ENOMEM.
 */
int store_token_begin(eng_db *db, const char *token, const char *params, size_t len,
		      lay_buf *resp, lay_err *err);

/* End the request store_token_begin let through: its response (len
 * bytes) is kept when ok; else the token is forgotten (a retry of a
 * request that failed is done anew). */
void store_token_end(eng_db *db, const char *token, int ok, const char *resp, size_t len);

/* Forget every token (close). */
void store_tokens_free(eng_db *db);

#endif
