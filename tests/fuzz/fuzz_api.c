/* Fuzz target: request bodies of every action of DynamoDB's API as the
 * engine serves them (engine/api*.c through eng_api_call, SPEC §14), on one
 * database per process (db.h). The first byte picks the action among the
 * handler's own lists (one more: none, so the body's "Action" names it);
 * the rest is the body. Every answer is a status of 200, 400 or 500 and
 * a JSON object; an error names its __type and says why. */
#include "../../engine/apicall.h"
#include "db.h"

static const struct api_action *const *lists(void)
{
	static const struct api_action *const all[] = {
		api_item_actions, api_query_actions, api_table_actions, api_stream_actions,
		api_backup_actions, api_job_actions, NULL
	};
	return all;
}

/* The name of action number i of the lists, or NULL past their end. */
static const char *action_name(unsigned i)
{
	const struct api_action *const *l;
	const struct api_action *a;

	for (l = lists(); *l; l++)
		for (a = *l; a->name; a++)
			if (i-- == 0)
				return a->name;
	return NULL;
}

static unsigned count_actions(void)
{
	unsigned n = 0;

	while (action_name(n))
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned n;
	eng_api_ctx ctx = { .source = ENG_SRC_API };
	lay_buf out = LAY_BUF_INIT;
	char *body, *owned;
	const char *send;
	size_t len;
	cJSON *answer;
	int status;

	if (size < 1)
		return 0;
	if (!n)
		n = count_actions();
	body = fuzz_dup(data + 1, size - 1, 0);
	len = size - 1;
	send = fuzz_confined_body(body, &len, &owned);
	status = eng_api_call(fuzz_db(), &ctx, action_name(data[0] % (n + 1)), send, len, &out);
	FUZZ_CHECK(status == 200 || status == 400 || status == 500);
	answer = cJSON_ParseWithLength(out.p, out.len);
	if (!answer)
		fprintf(stderr, "answer is not JSON: %.*s\n", (int)out.len, out.p);
	FUZZ_CHECK(cJSON_IsObject(answer));
	if (status != 200) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(answer, "__type");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(answer, "message");

		FUZZ_CHECK(cJSON_IsString(type) && strchr(type->valuestring, '#'));
		FUZZ_CHECK(cJSON_IsString(msg) && msg->valuestring[0]);
	}
	cJSON_Delete(answer);
	cJSON_free(owned);
	lay_buf_free(&out);
	free(body);
	return 0;
}
