/* Fuzz target: stream records (layout/stream.c, SPEC §8). The input read
 * as a stored record's text: its SequenceNumber and StreamViewType read
 * back, never past it. Then the input as a record to write: 8 bytes of
 * sequence number, 8 of time, a byte of event and view, and the keys, old
 * and new images in DynamoDB JSON (NUL-separated): the record renders as
 * JSON, from which its sequence number and view read back. */
#include <cJSON.h>

#include "../../layout/stream.h"
#include "items.h"

static void read_back(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size, 0);
	uint64_t seq;

	(void)lay_stream_seq(text, size, &seq);
	(void)lay_stream_view(text, size);
	free(text);
}

/* An item from a field, or NULL. */
static lay_item *image(lay_item *it, const uint8_t *p, size_t len)
{
	char *text = fuzz_dup(p, len, 0);
	lay_err err = { 0, "" };
	int rc = lay_json_parse(it, text, len, LAY_FMT_DDB, &err);

	free(text);
	return rc == 0 ? it : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lay_item keys = LAY_ITEM_INIT, old_img = LAY_ITEM_INIT, new_img = LAY_ITEM_INIT;
	lay_stream_rec r = { .region = "us-east-1" };
	lay_buf out = LAY_BUF_INIT;
	const uint8_t *p = data + 17, *f;
	size_t left, len;
	uint64_t seq;
	cJSON *json;

	read_back(data, size);
	if (size < 17)
		return 0;
	left = size - 17;
	memcpy(&r.seq, data, 8);
	memcpy(&r.time_ns, data + 8, 8);
	r.event = 1 + data[16] % 3;
	r.service = (data[16] >> 2) & 1;
	r.view = (lay_view)(1 + (data[16] >> 3) % 4);
	f = fuzz_field(&p, &left, &len);
	if (!image(&keys, f, len))
		goto out;
	r.keys = &keys;
	f = fuzz_field(&p, &left, &len);
	r.old_image = r.event == 1 ? NULL : image(&old_img, f, len);
	f = fuzz_field(&p, &left, &len);
	r.new_image = r.event == 3 ? NULL : image(&new_img, f, len);
	FUZZ_CHECK(lay_stream_render(&out, &r) == 0);
	FUZZ_CHECK(out.len > 0 && out.p[out.len - 1] == '\n');
	json = cJSON_ParseWithLength(out.p, out.len);
	FUZZ_CHECK(json != NULL);
	cJSON_Delete(json);
	FUZZ_CHECK(lay_stream_seq(out.p, out.len, &seq) == 0 && seq == r.seq);
	FUZZ_CHECK(lay_stream_view(out.p, out.len) == r.view);
out:
	lay_buf_free(&out);
	lay_item_free(&keys);
	lay_item_free(&old_img);
	lay_item_free(&new_img);
	return 0;
}
