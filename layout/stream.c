/* Stream records in GetRecords' shape (SPEC §8). */
#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

const char *lay_view_name(lay_view v)
{
	switch (v) {
	case LAY_VIEW_OFF:
		return "OFF";
	case LAY_VIEW_KEYS_ONLY:
		return "KEYS_ONLY";
	case LAY_VIEW_NEW_IMAGE:
		return "NEW_IMAGE";
	case LAY_VIEW_OLD_IMAGE:
		return "OLD_IMAGE";
	case LAY_VIEW_NEW_AND_OLD:
		return "NEW_AND_OLD_IMAGES";
	}
	return "KEYS_ONLY";
}

/* An item as a DynamoDB JSON object, without the renderer's newline. */
static int add_image(lay_buf *out, const char *name, const lay_item *it)
{
	int rc;

	if ((rc = lay_buf_addf(out, ",\"%s\":", name)) < 0 ||
	    (rc = lay_json_render(out, it, LAY_FMT_DDB)) < 0)
		return rc;
	out->p[--out->len] = '\0';
	return 0;
}

static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int lay_stream_render(lay_buf *out, const lay_stream_rec *r)
{
	static const char *events[] = { "", "INSERT", "MODIFY", "REMOVE" };
	int want_new = r->view == LAY_VIEW_NEW_IMAGE || r->view == LAY_VIEW_NEW_AND_OLD;
	int want_old = r->view == LAY_VIEW_OLD_IMAGE || r->view == LAY_VIEW_NEW_AND_OLD;
	const lay_item *new_img = want_new ? r->new_image : NULL;
	const lay_item *old_img = want_old ? r->old_image : NULL;
	size_t start = out->len, size = lay_item_size(r->keys);
	int rc;

	if (new_img)
		size += lay_item_size(new_img);
	if (old_img)
		size += lay_item_size(old_img);
	rc = lay_buf_addf(out,
			  "{\"eventID\":\"%016" PRIx64 "%016" PRIx64 "\",\"eventName\":\"%s\","
			  "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\","
			  "\"awsRegion\":",
			  r->seq, mix(r->seq),
			  events[r->event >= 1 && r->event <= 3 ? r->event : 0]);
	if (rc == 0)
		rc = lay_json_quote(out, r->region, strlen(r->region));
	if (rc == 0)
		rc = lay_buf_addf(out, ",\"dynamodb\":{\"ApproximateCreationDateTime\":%" PRId64,
				  r->time_ns / 1000000000);
	if (rc == 0)
		rc = add_image(out, "Keys", r->keys);
	if (rc == 0 && new_img)
		rc = add_image(out, "NewImage", new_img);
	if (rc == 0 && old_img)
		rc = add_image(out, "OldImage", old_img);
	if (rc == 0)
		rc = lay_buf_addf(out,
				  ",\"SequenceNumber\":\"%021" PRIu64 "\",\"SizeBytes\":%zu,"
				  "\"StreamViewType\":\"%s\"}",
				  r->seq, size, lay_view_name(r->view));
	if (rc == 0 && r->service)
		rc = lay_buf_adds(out, ",\"userIdentity\":{\"Type\":\"Service\","
				       "\"PrincipalId\":\"dynamodb.amazonaws.com\"}");
	if (rc == 0)
		rc = lay_buf_adds(out, "}\n");
	if (rc < 0) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
		return -ENOMEM;
	}
	return 0;
}
