/* Attributes of nodes (SPEC §3): st from engine metadata or a node's own
 * fields; each kind's getattr (kind.h) uses these. */
#ifndef FS_ATTR_H
#define FS_ATTR_H

#include "fs.h"

void fs_attr_dir(struct stat *st, const eng_dirmeta *m);
void fs_attr_item(struct stat *st, const eng_meta *m);
/* A read-only directory of the daemon's of time t (.ddbfs/backups),
 * numbered ino. */
void fs_attr_past_dir(struct stat *st, int64_t as_of, uint64_t ino);
/* Set st's access, change and modification times to t_ns: a point's, or
 * a backup's, own time. */
void fs_attr_times(struct stat *st, int64_t t_ns);
/* st of memory object n (or the root, .ddbfs, a generated file), of file
 * type type (S_IFDIR, S_IFREG), from the node's own fields. */
void fs_attr_mem(struct stat *st, const fs_node *n, mode_t type);
/* fs_attr_mem of n if it is a memory object; whether it was. Takes
 * fs.lock only for memory objects: a commit or rename may change them. */
int fs_attr_if_mem(struct stat *st, const fs_node *n, mode_t type);
void fs_attr_init_mem(fs_node *n, fuse_req_t req, mode_t mode);
/* Keep st on item node n: what it reports once unlinked while open. */
void fs_attr_remember(fs_node *n, const struct stat *st);

#endif
