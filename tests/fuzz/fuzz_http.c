/* Fuzz target: HTTP requests as the endpoint receives them (fs/http.c,
 * SPEC §14): the input is a POST's header lines ("Name: value", CRLF or
 * LF) up to an empty line, then its body; fs_http_serve makes DynamoDB's
 * checks of the content type, the target and the SigV4 Authorization
 * header, then serves the action on one database per process (db.h).
 * Every answer has a status DynamoDB gives and a body; a JSON answer is a
 * JSON object, and an error one names its __type. */
#include <strings.h>

#include "../../fs/http.h"
#include "db.h"

#define MAX_HEADERS 32

struct headers {
	char *name[MAX_HEADERS], *value[MAX_HEADERS];
	size_t n;
};

static const char *lookup(void *ctx, const char *name)
{
	const struct headers *h = ctx;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

/* Split text's header lines in place (as a server would: names end at
 * ':', values lose their leading spaces); returns where the body starts. */
static char *split(struct headers *h, char *text, char *end)
{
	char *p = text;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *colon;
		char *eol = nl ? nl : end;

		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		*eol = '\0';
		if (!*p)
			return nl ? nl + 1 : end;
		if ((colon = strchr(p, ':')) && h->n < MAX_HEADERS) {
			*colon = '\0';
			h->name[h->n] = p;
			h->value[h->n++] = colon + 1 + strspn(colon + 1, " \t");
		}
		p = nl ? nl + 1 : end;
	}
	return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct headers h = { .n = 0 };
	char *text = fuzz_dup(data, size, 1), *body, *owned;
	const char *send;
	fs_http_answer a;
	size_t len;

	body = split(&h, text, text + size);
	len = (size_t)(text + size - body);
	send = fuzz_confined_body(body, &len, &owned);
	FUZZ_CHECK(fs_http_serve(&a, fuzz_db(), 0, lookup, &h, send, len) == 0);
	FUZZ_CHECK(a.status == 200 || a.status == 400 || a.status == 404 || a.status == 500);
	if (a.type) {
		cJSON *j = cJSON_ParseWithLength(a.body, a.len);

		FUZZ_CHECK(cJSON_IsObject(j));
		if (a.status != 200)
			FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "__type")));
		cJSON_Delete(j);
	} else {
		FUZZ_CHECK(a.status == 404 && a.len > 0);
	}
	free(a.body);
	cJSON_free(owned);
	free(text);
	return 0;
}
