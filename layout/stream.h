/* Stream records (SPEC §8): one DynamoDB Streams record, in GetRecords'
 * shape, rendered as one line of JSON. Pure: the engine renders each record
 * once, in the transaction of its change. */
#ifndef LAY_STREAM_H
#define LAY_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "item.h"

/* A stream's view type; LAY_VIEW_OFF: no stream. */
typedef enum lay_view {
	LAY_VIEW_OFF = 0, LAY_VIEW_KEYS_ONLY = 1, LAY_VIEW_NEW_IMAGE, LAY_VIEW_OLD_IMAGE, LAY_VIEW_NEW_AND_OLD
} lay_view;

typedef struct lay_stream_rec {
	uint64_t seq;              /* SequenceNumber: increasing, never reused */
	int64_t time_ns;           /* ApproximateCreationDateTime */
	int event;                 /* 1 INSERT, 2 MODIFY, 3 REMOVE */
	int service;               /* a deletion by TTL: userIdentity is the service */
	lay_view view;
	const char *region;        /* awsRegion */
	const lay_item *keys;      /* the key attributes */
	const lay_item *old_image; /* NULL for INSERT */
	const lay_item *new_image; /* NULL for REMOVE */
} lay_stream_rec;

/* "OFF", "KEYS_ONLY", ... for a view. */
const char *lay_view_name(lay_view v);

/*
 * Append the record as one line of compact JSON plus "\n": eventID,
 * eventName, eventVersion "1.1", eventSource "aws:dynamodb", awsRegion,
 * dynamodb {ApproximateCreationDateTime (epoch seconds), Keys, NewImage
 * and OldImage as the view says (DynamoDB JSON), SequenceNumber (21
 * digits), SizeBytes, StreamViewType}, and for TTL deletions userIdentity.
 * Deterministic. Returns 0 or -ENOMEM.
 */
int lay_stream_render(lay_buf *out, const lay_stream_rec *r);

/* A stream's label: when it was enabled (ns since the epoch), as DynamoDB
 * writes it, "2026-11-26T10:15:00.123" (UTC, milliseconds, no zone). */
#define LAY_STREAM_LABEL_MAX 32
void lay_stream_label(char out[LAY_STREAM_LABEL_MAX], int64_t created_ns);

/* Append the ARN of table's stream enabled at created_ns:
 * "arn:aws:dynamodb:REGION:000000000000:table/TABLE/stream/LABEL", the
 * LatestStreamArn DescribeTable shows. Returns 0 or -ENOMEM. */
int lay_stream_arn(lay_buf *out, const char *region, const char *table, int64_t created_ns);

/* Read back from a record's text (len bytes, as lay_stream_render wrote
 * it) its SequenceNumber into *out: 0, or -EINVAL if it has none. */
int lay_stream_seq(const char *text, size_t len, uint64_t *out);

/* Read back from a record's text its StreamViewType: the view, or
 * LAY_VIEW_OFF if it names none. */
lay_view lay_stream_view(const char *text, size_t len);

#endif
