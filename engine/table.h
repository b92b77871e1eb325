/* Tables (SPEC §2, §7): create, list, describe, delete; a key schema
 * change re-keys the items, all or nothing; settings are stored for the
 * features that read them. */
#ifndef ENG_TABLE_H
#define ENG_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/schema.h"
#include "../layout/settings.h"
#include "db.h"


/* Ownership and times of a directory (a table or a partition). */
typedef struct eng_dirmeta {
	uint64_t id;        /* unique in the db, stable: for inode numbers */
	uint32_t mode;      /* permission bits (07777) */
	uint32_t uid, gid;
	int64_t mtime_ns, ctime_ns;
} eng_dirmeta;

typedef struct eng_table_info {
	char name[256];
	uint32_t id;
	lay_schema schema;
	int64_t created_ns;
	uint64_t item_count;
	uint64_t size_bytes;   /* sum of lay_item_size over the items */
	eng_dirmeta dir;
	lay_settings settings;
} eng_table_info;

/*
 * Create table name with schema (NULL: PK:S,SK:S) and directory metadata
 * dir (NULL: 0755, uid/gid 0; id is assigned; times 0 mean now).
 * Errors: -EINVAL (bad name or schema), -EEXIST.
 */
int eng_table_create(eng_db *db, const char *name, const lay_schema *schema,
		     const eng_dirmeta *dir, lay_err *err);

/* Delete an empty table. -ENOENT, -ENOTEMPTY (it holds items). */
int eng_table_delete(eng_db *db, const char *name, lay_err *err);

/*
 * Rename a table (a filesystem nicety DynamoDB lacks): its items, settings,
 * stream and change log go with it. An empty table at to is replaced, as
 * rename(2) replaces an empty directory, unless noreplace. -ENOENT, -EINVAL
 * (bad name), -EEXIST, -ENOTEMPTY (to holds items).
 */
int eng_table_rename(eng_db *db, const char *from, const char *to, int noreplace, lay_err *err);

/* Describe a table into *out. -ENOENT. */
int eng_table_get(eng_db *db, const char *name, eng_table_info *out, lay_err *err);

/*
 * All table names in byte order, as a NULL-terminated array that the
 * caller frees with eng_names_free. Returns the count (>= 0) or -ENOMEM.
 */
int eng_table_list(eng_db *db, char ***out);
void eng_names_free(char **names);

/*
 * Change the key schema. A table with items is re-keyed in the same
 * transaction (store_rekey in store.h: each item moves to the key its
 * attributes give; old key attributes that only repeat the path go; a
 * REMOVE then an INSERT record per item). The same schema is a no-op.
 * -ENOENT, -EINVAL, -ENOTEMPTY (an item lacks a new key attribute, has one
 * of the wrong type, or two items would share a key: nothing changed).
 */
int eng_table_set_schema(eng_db *db, const char *name, const lay_schema *schema, lay_err *err);

/* Replace the settings. -ENOENT, -EINVAL (e.g. PROVISIONED with rcu 0). */
int eng_table_set_settings(eng_db *db, const char *name, const lay_settings *s,
			   lay_err *err);

/* Set the table directory's mode, uid, gid and times (fields chosen by the
 * ENG_META_* bits of item.h in which). -ENOENT. */
int eng_table_set_dirmeta(eng_db *db, const char *name, const eng_dirmeta *m, unsigned which,
			  lay_err *err);

#endif
