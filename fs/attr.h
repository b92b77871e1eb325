/* Attributes of nodes (SPEC §3). */
#ifndef FS_ATTR_H
#define FS_ATTR_H

#include "fs.h"

/* Fill st for node n (re-reading the engine for engine objects).
 * -ENOENT when the object is gone. */
int fs_attr_node(fs_node *n, struct stat *st, lay_err *err);
void fs_attr_dir(struct stat *st, const eng_dirmeta *m);
void fs_attr_item(struct stat *st, const eng_meta *m);
void fs_attr_init_mem(fs_node *n, fuse_req_t req, mode_t mode);
/* Keep st on item node n: what it reports once unlinked while open. */
void fs_attr_remember(fs_node *n, const struct stat *st);

#endif
