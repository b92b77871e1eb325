/* DynamoDB's export format (SPEC §13): data lines and manifests. */
#include "export.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "b64.h"
#include "describe.h"
#include "ion.h"
#include "json.h"

const char *lay_export_format_name(lay_export_format f)
{
	return f == LAY_EXPORT_ION ? "ION" : "DYNAMODB_JSON";
}

const char *lay_export_ext(lay_export_format f)
{
	return f == LAY_EXPORT_ION ? "ion.gz" : "json.gz";
}

/* The item as one DynamoDB JSON object, no newline. */
static int ddb_object(lay_buf *out, const lay_item *it)
{
	size_t at = out->len;
	int rc;

	if ((rc = lay_json_render(out, it, LAY_FMT_DDB)) < 0)
		return rc;
	if (out->len > at && out->p[out->len - 1] == '\n')
		out->p[--out->len] = '\0';
	return 0;
}

int lay_export_item_line(lay_buf *out, const lay_item *it, lay_export_format f)
{
	if (f == LAY_EXPORT_ION)
		return lay_buf_adds(out, "$ion_1_0 {Item:") || lay_ion_render_item(out, it) ||
		       lay_buf_adds(out, "}\n") ? -ENOMEM : 0;
	return lay_buf_adds(out, "{\"Item\":") || ddb_object(out, it) || lay_buf_adds(out, "}\n")
		       ? -ENOMEM : 0;
}

int lay_export_change_line(lay_buf *out, int64_t write_us, const lay_item *keys,
			   const lay_item *old_img, const lay_item *new_img, lay_export_format f)
{
	int rc;

	if (f == LAY_EXPORT_ION) {
		rc = lay_buf_addf(out, "$ion_1_0 {Metadata:{WriteTimestampMicros:%" PRId64 "},Keys:",
				  write_us) ||
		     lay_ion_render_item(out, keys);
		if (!rc && old_img)
			rc = lay_buf_adds(out, ",OldImage:") || lay_ion_render_item(out, old_img);
		if (!rc && new_img)
			rc = lay_buf_adds(out, ",NewImage:") || lay_ion_render_item(out, new_img);
	} else {
		rc = lay_buf_addf(out,
				  "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"%" PRId64
				  "\"}},\"Keys\":",
				  write_us) ||
		     ddb_object(out, keys);
		if (!rc && old_img)
			rc = lay_buf_adds(out, ",\"OldImage\":") || ddb_object(out, old_img);
		if (!rc && new_img)
			rc = lay_buf_adds(out, ",\"NewImage\":") || ddb_object(out, new_img);
	}
	return rc || lay_buf_adds(out, "}\n") ? -ENOMEM : 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int lay_export_parse_ddb(lay_item *out, const char *text, size_t len, lay_err *err)
{
	static const char head[] = "\"Item\"";
	size_t i = 0, end = len;
	int rc;

	while (i < len && is_space(text[i]))
		i++;
	while (end > i && is_space(text[end - 1]))
		end--;
	if (i == end)
		return 1;
	if (text[i] != '{')
		return lay_err_set(err, -EINVAL, "a record is one JSON object {\"Item\":{...}} per "
				   "line; this line does not start with '{'");
	if (text[end - 1] != '}')
		return lay_err_set(err, -EINVAL, "the line ends before its JSON object does: a "
				   "record is one JSON object {\"Item\":{...}} per line");
	for (i++; i < end && is_space(text[i]); i++)
		;
	if (end - i >= 7 && memcmp(text + i, "\"Items\"", 7) == 0)
		return lay_err_set(err, -EINVAL, "a record is {\"Item\":{...}}, one per line; "
				   "{\"Items\":[...]} (a Scan's answer) is not one");
	if (end - i < sizeof(head) - 1 || memcmp(text + i, head, sizeof(head) - 1) != 0)
		return lay_err_set(err, -EINVAL, "a record is {\"Item\":{...}}: this object does "
				   "not start with \"Item\"");
	for (i += sizeof(head) - 1; i < end && is_space(text[i]); i++)
		;
	if (i == end || text[i] != ':')
		return lay_err_set(err, -EINVAL, "a record must be {\"Item\":{...}}: no ':' after \"Item\"");
	i++;
	end--; /* the record's closing brace */
	if ((rc = lay_json_parse(out, text + i, end - i, LAY_FMT_DDB, err)) < 0)
		return rc;
	if (out->n == 0) {
		lay_item_free(out);
		return lay_err_set(err, -EINVAL, "the record's Item has no attributes");
	}
	return 0;
}

static int add_str_or_null(lay_buf *o, const char *name, const char *s)
{
	if (lay_buf_addf(o, ",\"%s\":", name))
		return -ENOMEM;
	return s ? lay_json_quote(o, s, strlen(s)) : lay_buf_adds(o, "null");
}

static int add_time(lay_buf *o, const char *name, int64_t ns)
{
	char t[64];

	lay_time_iso(t, sizeof(t), ns);
	return lay_buf_addf(o, ",\"%s\":\"%s\"", name, t);
}

int lay_export_summary_render(lay_buf *o, const lay_export_summary *s)
{
	int rc;

	rc = lay_buf_adds(o, "{\"version\":\"2020-06-30\"") ||
	     add_str_or_null(o, "exportArn", s->export_arn) || add_time(o, "startTime", s->start_ns) ||
	     add_time(o, "endTime", s->end_ns) || add_str_or_null(o, "tableArn", s->table_arn) ||
	     add_str_or_null(o, "tableId", s->table_id) || add_time(o, "exportTime", s->export_ns) ||
	     add_str_or_null(o, "s3Bucket", s->bucket) || add_str_or_null(o, "s3Prefix", s->prefix) ||
	     lay_buf_adds(o, ",\"s3SseAlgorithm\":null,\"s3SseKmsKeyId\":null") ||
	     add_str_or_null(o, "manifestFilesS3Key", s->files_key) ||
	     lay_buf_addf(o, ",\"billedSizeBytes\":%" PRIu64 ",\"itemCount\":%" PRIu64
			     ",\"outputFormat\":\"%s\"",
			  s->billed_bytes, s->item_count, lay_export_format_name(s->format));
	if (!rc && s->incremental)
		rc = lay_buf_adds(o, ",\"exportType\":\"INCREMENTAL_EXPORT\"") ||
		     add_time(o, "exportFromTime", s->from_ns) || add_time(o, "exportToTime", s->to_ns) ||
		     add_str_or_null(o, "outputView", s->view_name);
	return rc || lay_buf_adds(o, "}\n") ? -ENOMEM : 0;
}

void lay_md5_hex(char out[33], const unsigned char md5[16])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md5[i] >> 4];
		out[2 * i + 1] = hex[md5[i] & 15];
	}
	out[32] = '\0';
}

static int unhex1(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lay_md5_unhex(unsigned char out[16], const char *hex, size_t len)
{
	int i, hi, lo;

	if (len != 32)
		return -EINVAL;
	for (i = 0; i < 16; i++) {
		if ((hi = unhex1(hex[2 * i])) < 0 || (lo = unhex1(hex[2 * i + 1])) < 0)
			return -EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int lay_export_file_render(lay_buf *o, const lay_export_file *f)
{
	lay_buf b64 = LAY_BUF_INIT;
	char hex[33];
	int rc;

	lay_md5_hex(hex, f->md5);
	rc = lay_b64_encode(&b64, f->md5, 16) ||
	     lay_buf_addf(o, "{\"itemCount\":%" PRIu64 ",\"md5Checksum\":\"%s\",\"etag\":\"%s\","
			     "\"dataFileS3Key\":",
			  f->item_count, b64.p, hex) ||
	     lay_json_quote(o, f->key, strlen(f->key)) || lay_buf_adds(o, "}\n");
	lay_buf_free(&b64);
	return rc ? -ENOMEM : 0;
}

int lay_export_file_parse(lay_export_file *out, const char *text, size_t len, lay_err *err)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	const cJSON *n, *md5, *etag, *key;
	lay_buf raw = LAY_BUF_INIT;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!j || !cJSON_IsObject(j)) {
		rc = lay_err_set(err, -EINVAL, "a line of manifest-files.json is not a JSON object");
		goto out;
	}
	n = cJSON_GetObjectItemCaseSensitive(j, "itemCount");
	md5 = cJSON_GetObjectItemCaseSensitive(j, "md5Checksum");
	etag = cJSON_GetObjectItemCaseSensitive(j, "etag");
	key = cJSON_GetObjectItemCaseSensitive(j, "dataFileS3Key");
	if (!cJSON_IsString(key) || !key->valuestring[0] ||
	    strlen(key->valuestring) >= sizeof(out->key)) {
		rc = lay_err_set(err, -EINVAL, "a line of manifest-files.json has no dataFileS3Key");
		goto out;
	}
	strcpy(out->key, key->valuestring);
	if (cJSON_IsNumber(n) && n->valuedouble >= 18446744073709551616.0) {
		rc = lay_err_set(err, -EINVAL, "%s: manifest-files.json gives an itemCount "
				 "past 2^64", out->key);
		goto out;
	}
	if (cJSON_IsNumber(n) && n->valuedouble >= 0)
		out->item_count = (uint64_t)n->valuedouble;
	if (cJSON_IsString(md5) &&
	    lay_b64_decode(&raw, md5->valuestring, strlen(md5->valuestring), 1) == 0 &&
	    raw.len == 16) {
		memcpy(out->md5, raw.p, 16);
	} else if (!cJSON_IsString(etag) ||
		   lay_md5_unhex(out->md5, etag->valuestring,
				 strcspn(etag->valuestring, "-")) < 0) {
		rc = lay_err_set(err, -EINVAL, "%s: manifest-files.json gives no md5Checksum",
				 out->key);
	}
out:
	lay_buf_free(&raw);
	cJSON_Delete(j);
	return rc;
}
