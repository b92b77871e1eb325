/* Attributes of nodes (SPEC §3): st from engine metadata or a node's own
 * fields; each kind's getattr (kind.h) uses these. */
#ifndef FS_ATTR_H
#define FS_ATTR_H

#include "fs.h"

void fs_attr_dir(struct stat *st, const eng_dirmeta *m);
void fs_attr_item(struct stat *st, const eng_meta *m);
/* A partition directory of a point of time as_of, numbered ino:
 * read-only, the daemon's, of the point's time (one answer from listings
 * and lookups alike). */
void fs_attr_past_dir(struct stat *st, int64_t as_of, uint64_t ino);
/* The same with the owner and mode (without write bits) of now, the
 * partition's metadata now (as the engine's as-of listing gives it). */
void fs_attr_point_part(struct stat *st, const eng_dirmeta *now, int64_t as_of, uint64_t ino);
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
