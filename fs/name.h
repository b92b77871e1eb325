/* What a name in a directory denotes (SPEC §3, §4, §6). */
#ifndef FS_NAME_H
#define FS_NAME_H

#include "fs.h"

typedef struct fs_target {
	fs_kind kind;          /* FS_TABLE, FS_PART, FS_ITEM, FS_SCRATCH, FS_MAGIC_* */
	fs_magic magic;
	eng_table_info ti;     /* for names inside a table */
	lay_item store;        /* arena of the values below */
	lay_value pk;          /* FS_PART; FS_ITEM in a table with a sort key */
	lay_value key;         /* FS_ITEM: its value in the directory; FS_PART: = pk */
	int hashed;            /* a long name not resolved: only hash is known */
	uint64_t hash;
} fs_target;

int fs_name_resolve(fs_target *t, const fs_node *dir, const char *name, int resolve, lay_err *err);
void fs_target_free(fs_target *t);
void fs_target_key(const fs_target *t, lay_key *out);

#endif
