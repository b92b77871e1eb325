/* What a table costs (SPEC §10): DynamoDB's us-east-1 list prices, in this
 * one place, and the monthly estimate made from them. Pure. */
#ifndef LAY_PRICE_H
#define LAY_PRICE_H

#include <stdint.h>

#include "buf.h"
#include "settings.h"

/* Hours in a billing month, as AWS prices capacity-hours. */
#define LAY_HOURS_PER_MONTH 730
/* Bytes DynamoDB bills each item for beyond its size (its index entry). */
#define LAY_ITEM_OVERHEAD 100

/* What the estimate is made from. */
typedef struct lay_usage {
	lay_class table_class;
	lay_billing billing;
	uint32_t rcu, wcu;         /* provisioned capacity (PROVISIONED) */
	uint64_t size_bytes;       /* sum of the items' sizes */
	uint64_t item_count;
	int pitr;                  /* PITR on */
	uint64_t backup_bytes;     /* the table's backups' sizes, summed */
	double read_units, write_units; /* request units consumed (PAY_PER_REQUEST) */
} lay_usage;

/* The estimate, in US dollars. */
typedef struct lay_cost {
	double storage_gb;         /* billed size: items + 100 bytes each, in GiB */
	double storage;            /* a month of it, at the class's price */
	double throughput;         /* PROVISIONED: a month of the capacity;
	                            * PAY_PER_REQUEST: the units consumed */
	double pitr;               /* a month of PITR on storage_gb */
	double backups;            /* a month of the backups' storage */
	double total;
} lay_cost;

/* The estimate for u. */
void lay_cost_estimate(const lay_usage *u, lay_cost *out);

/* c as a JSON object (no newline): {"StorageGB":…,"StorageUSD":…,
 * "ThroughputUSD":…,"PitrUSD":…,"BackupUSD":…,"TotalUSD":…}, dollars to
 * six decimals. -ENOMEM. */
int lay_cost_render(lay_buf *out, const lay_cost *c);

#endif
