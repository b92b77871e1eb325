/* DynamoDB's export format (SPEC §13): the lines of an export's data
 * files, full and incremental, in DynamoDB JSON or Ion text, and its two
 * manifests; and the export record read back on import. */
#ifndef LAY_EXPORT_H
#define LAY_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "item.h"

typedef enum lay_export_format {
	LAY_EXPORT_DDB = 0, /* DYNAMODB_JSON */
	LAY_EXPORT_ION,     /* ION */
} lay_export_format;

/* "DYNAMODB_JSON" or "ION". */
const char *lay_export_format_name(lay_export_format f);

/* A data file's extension: "json.gz" or "ion.gz". */
const char *lay_export_ext(lay_export_format f);

/* One line of a full export's data file, with its "\n":
 * {"Item":{...}} in DynamoDB JSON, or $ion_1_0 {Item:{...}} in Ion.
 * 0 or -ENOMEM. */
int lay_export_item_line(lay_buf *out, const lay_item *it, lay_export_format f);

/* One line of an incremental export: Metadata.WriteTimestampMicros, Keys,
 * OldImage (old may be NULL: none) and NewImage (new_img NULL: the item
 * was deleted). 0 or -ENOMEM. */
int lay_export_change_line(lay_buf *out, int64_t write_us, const lay_item *keys,
			   const lay_item *old_img, const lay_item *new_img, lay_export_format f);

/* Parse one line of a DynamoDB JSON export, {"Item":{...}} (whitespace
 * around allowed), into out (LAY_ITEM_INIT). 0, 1 for a blank line,
 * -EINVAL (not such a record, with lay_json_parse's message), -ENOMEM. */
int lay_export_parse_ddb(lay_item *out, const char *text, size_t len, lay_err *err);

/* What manifest-summary.json says. Strings NULL render as null. */
typedef struct lay_export_summary {
	const char *export_arn, *table_arn, *table_id;
	const char *bucket, *prefix;
	const char *files_key;      /* manifestFilesS3Key */
	int64_t start_ns, end_ns, export_ns;
	uint64_t billed_bytes, item_count;
	lay_export_format format;
	int incremental;            /* then from_ns, to_ns and view_name */
	int64_t from_ns, to_ns;
	const char *view_name;      /* NEW_AND_OLD_IMAGES or NEW_IMAGE */
} lay_export_summary;

/* manifest-summary.json, one line of JSON with its "\n". 0 or -ENOMEM. */
int lay_export_summary_render(lay_buf *out, const lay_export_summary *s);

/* One data file as manifest-files.json lists it. */
typedef struct lay_export_file {
	uint64_t item_count;
	unsigned char md5[16];
	char key[1024];             /* dataFileS3Key */
} lay_export_file;

/* One line of manifest-files.json with its "\n": itemCount, md5Checksum
 * (base64 of the MD5), etag (its hex) and dataFileS3Key. */
int lay_export_file_render(lay_buf *out, const lay_export_file *f);

/* Parse such a line. -EINVAL with the reason. */
int lay_export_file_parse(lay_export_file *out, const char *text, size_t len, lay_err *err);

/* The MD5 digest in hex (out: 33 bytes) and parsed back from 32 hex
 * digits (-EINVAL otherwise). */
void lay_md5_hex(char out[33], const unsigned char md5[16]);
int lay_md5_unhex(unsigned char out[16], const char *hex, size_t len);

#endif
