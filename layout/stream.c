/* Stream records in GetRecords' shape (SPEC §8). */
#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

void lay_stream_label(char out[LAY_STREAM_LABEL_MAX], int64_t created_ns)
{
	time_t s = (time_t)(created_ns / 1000000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, LAY_STREAM_LABEL_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), LAY_STREAM_LABEL_MAX - strlen(out), ".%03d",
		 (int)(created_ns / 1000000 % 1000));
}

int lay_stream_arn(lay_buf *out, const char *region, const char *table, int64_t created_ns)
{
	char label[LAY_STREAM_LABEL_MAX];

	lay_stream_label(label, created_ns);
	if (lay_buf_addf(out, "arn:aws:dynamodb:%s:000000000000:table/", region) < 0 ||
	    lay_buf_adds(out, table) < 0 || lay_buf_addf(out, "/stream/%s", label) < 0)
		return -ENOMEM;
	return 0;
}

/* The string value of member name, which the renderer writes after the
 * images: the last "name":" in the text is it, since an attribute's name
 * inside an image is followed by '{', and a quote inside a string value
 * is escaped. */
static const char *member(const char *text, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name), i;
	const char *v, *e;

	for (i = len; i-- > n + 3;) {
		if (text[i] != '"' || text[i - 1] != ':' || text[i - 2] != '"' ||
		    memcmp(text + i - 2 - n, name, n) != 0 || text[i - 3 - n] != '"')
			continue;
		v = text + i + 1;
		if (!(e = memchr(v, '"', len - (size_t)(v - text))))
			return NULL;
		*vlen = (size_t)(e - v);
		return v;
	}
	return NULL;
}

int lay_stream_seq(const char *text, size_t len, uint64_t *out)
{
	char digits[24], *end;
	size_t n;
	const char *v = member(text, len, "SequenceNumber", &n);

	if (!v || !n || n >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (digits[0] < '0' || digits[0] > '9')
		return -EINVAL;
	*out = strtoull(digits, &end, 10);
	return *end ? -EINVAL : 0;
}

lay_view lay_stream_view(const char *text, size_t len)
{
	static const lay_view views[] = { LAY_VIEW_KEYS_ONLY, LAY_VIEW_NEW_IMAGE,
					  LAY_VIEW_OLD_IMAGE, LAY_VIEW_NEW_AND_OLD };
	size_t n, i;
	const char *v = member(text, len, "StreamViewType", &n);

	for (i = 0; v && i < sizeof(views) / sizeof(views[0]); i++)
		if (strlen(lay_view_name(views[i])) == n && memcmp(v, lay_view_name(views[i]), n) == 0)
			return views[i];
	return LAY_VIEW_OFF;
}
