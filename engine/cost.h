/* Private to engine/: a table's monthly estimate (cost.c). */
#ifndef ENG_COST_H
#define ENG_COST_H

#include "../layout/price.h"
#include "engine.h"

/* The estimate for the table ti describes, whose capacity counters are
 * cap: its storage, throughput, PITR and its backups' storage. -ENOMEM. */
int store_table_cost(eng_db *db, const eng_table_info *ti, const eng_capacity *cap,
		     lay_cost *out, lay_err *err);

#endif
