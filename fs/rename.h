/* rename (SPEC §6): tables, items, scratch files, and between items and
 * scratch files. */
#ifndef FS_RENAME_H
#define FS_RENAME_H

#include "fs.h"

void fs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		  const char *newname, unsigned int flags);

/* At unmount: free the table names renames retired. */
void fs_tables_retired_free(void);

#endif
