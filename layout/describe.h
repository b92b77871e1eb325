/* DescribeTable's Table object (SPEC §2): a table's description rendered
 * as DynamoDB does, plus ddbfs' extras under "Ddbfs". Pure. */
#ifndef LAY_DESCRIBE_H
#define LAY_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "schema.h"
#include "price.h"
#include "settings.h"

/* What a description says; everything borrowed. */
typedef struct lay_table_desc {
	const char *name;
	uint32_t id;                 /* TableId's last digits */
	const lay_schema *schema;
	int64_t created_ns;
	uint64_t item_count, size_bytes;
	const lay_settings *settings;
	const char *region;          /* in ARNs; NULL: "local" */
	int64_t pitr_from_ns, pitr_to_ns; /* PITR's window (settings->pitr) */
	/* capacity (SPEC §10): consumed units, throttled requests, auto-scaling's
	 * last changes (0: none) */
	double read_units, write_units;
	uint64_t reads_throttled, writes_throttled;
	int64_t last_increase_ns, last_decrease_ns;
	const lay_cost *cost;        /* the monthly estimate; NULL: neither it nor the
	                              * capacity fields are shown (a backup, a point) */
} lay_table_desc;

/* Append the Table object as one line of JSON plus "\n". 0 or -ENOMEM. */
int lay_describe_table(lay_buf *out, const lay_table_desc *d);

/* A backup, as ListBackups' BackupSummaries show it. */
typedef struct lay_backup_desc {
	const char *table, *name;
	uint32_t id;                 /* the BackupArn's last digits */
	int system;                  /* BackupType SYSTEM, else USER */
	int64_t created_ns, expires_ns; /* expires 0: never */
	uint64_t item_count, size_bytes;
	const char *region;          /* in ARNs; NULL: "local" */
} lay_backup_desc;

/* Append {"BackupSummaries":[...]} for the n backups b as one line of JSON
 * plus "\n". 0 or -ENOMEM. */
int lay_describe_backups(lay_buf *out, const lay_backup_desc *b, size_t n);

/* ns since the epoch as "2026-11-26T10:15:00.123Z" (out: >= 32 bytes). */
void lay_time_iso(char *out, size_t size, int64_t ns);

#endif
