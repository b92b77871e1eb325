/* Files held at a table's top (SPEC §7): while a table has no sort key
 * yet, cp -a writes its items as scratch files; they become items when
 * the key schema arrives. */
#ifndef FS_HOLD_H
#define FS_HOLD_H

#include "fs.h"

/* Table lost its sort key: the .json files held at its top while it was
 * empty (cp -a writes a table's items before its key schema) become its
 * items, keeping their mode, owner and mtime. Failures are logged. */
void fs_hold_release(fuse_req_t req, fs_node *table);

#endif
