/* DynamoDB's list prices (us-east-1, SPEC §10) and the estimate made of them. */
#include "price.h"

#include <errno.h>

/* US dollars. Infrequent access: storage cheaper, throughput 25% dearer. */
static const struct {
	double storage_gb_month;   /* per GB-month */
	double write_request;      /* per write request unit */
	double read_request;       /* per read request unit */
	double wcu_hour, rcu_hour; /* per provisioned unit-hour */
} prices[] = {
	[LAY_STANDARD] = { 0.25, 0.625e-6, 0.125e-6, 0.00065, 0.00013 },
	[LAY_STANDARD_IA] = { 0.10, 0.625e-6 * 1.25, 0.125e-6 * 1.25, 0.00065 * 1.25,
			      0.00013 * 1.25 },
};
#define PITR_GB_MONTH 0.20
#define BACKUP_GB_MONTH 0.10
#define GB (1024.0 * 1024.0 * 1024.0)

void lay_cost_estimate(const lay_usage *u, lay_cost *c)
{
	unsigned k = u->table_class == LAY_STANDARD_IA ? LAY_STANDARD_IA : LAY_STANDARD;

	c->storage_gb = (double)(u->size_bytes + (uint64_t)LAY_ITEM_OVERHEAD * u->item_count) / GB;
	c->storage = c->storage_gb * prices[k].storage_gb_month;
	if (u->billing == LAY_PROVISIONED)
		c->throughput = (u->wcu * prices[k].wcu_hour + u->rcu * prices[k].rcu_hour) *
				LAY_HOURS_PER_MONTH;
	else
		c->throughput = u->write_units * prices[k].write_request +
				u->read_units * prices[k].read_request;
	c->pitr = u->pitr ? c->storage_gb * PITR_GB_MONTH : 0;
	c->backups = (double)u->backup_bytes / GB * BACKUP_GB_MONTH;
	c->total = c->storage + c->throughput + c->pitr + c->backups;
}

int lay_cost_render(lay_buf *o, const lay_cost *c)
{
	return lay_buf_addf(o,
			    "{\"StorageGB\":%.9f,\"StorageUSD\":%.6f,\"ThroughputUSD\":%.6f,"
			    "\"PitrUSD\":%.6f,\"BackupUSD\":%.6f,\"TotalUSD\":%.6f}",
			    c->storage_gb, c->storage, c->throughput, c->pitr, c->backups,
			    c->total)
		       ? -ENOMEM
		       : 0;
}
