/* Stream records (SPEC §8): one DynamoDB Streams record, in GetRecords'
 * shape, rendered as one line of JSON. Pure: the engine renders each record
 * once, in the transaction of its change. */
#ifndef LAY_STREAM_H
#define LAY_STREAM_H

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

#endif
