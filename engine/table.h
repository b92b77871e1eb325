/* Private to engine/: changes of a table's settings made inside their
 * transaction (table.c), so that changes of different settings made at
 * once — a user's and auto-scaling's — never undo each other. */
#ifndef ENG_TABLE_H
#define ENG_TABLE_H

#include <stdint.h>

#include "engine.h"

/* Set one setting by name (lay_settings_set) on the settings the
 * transaction reads. Errors as eng_table_set_settings's. */
int store_table_set_option(eng_db *db, eng_req *req, const char *name, const char *opt,
			   const char *value, lay_err *err);

/* Auto-scaling: set rcu to units[0] and wcu to units[1] (0: kept), if
 * auto-scaling is still on and the table PROVISIONED; else nothing. */
int store_table_scale(eng_db *db, const char *name, const uint32_t units[2], lay_err *err);

#endif
