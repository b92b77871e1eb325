/* The node map (SPEC §3): nodeids are node addresses, a hash map finds a
 * node by (parent, name). All functions except fs_node_of and fs_ino_of
 * need fs.lock held. */
#ifndef FS_INODE_H
#define FS_INODE_H

#include "fs.h"

fs_node *fs_node_of(fuse_ino_t ino); /* nodeid -> node */
fuse_ino_t fs_ino_of(const fs_node *n);
fs_node *fs_node_find(uint64_t parent, const char *name);
fs_node *fs_node_new(fs_node *parent, const char *name, fs_kind kind);
void fs_node_unhash(fs_node *n); /* forget its name; parent = 0 */
int fs_node_rehash(fs_node *n, fs_node *parent, const char *name);
void fs_node_mem_link(fs_node *dir, fs_node *n);
void fs_node_mem_unlink(fs_node *n);
void fs_node_maybe_free(fs_node *n);
int fs_node_set_key(fs_node *n, const lay_value *pk, const lay_value *key);
void fs_node_graves_free(void); /* at unmount */
void fs_node_item_key(const fs_node *n, lay_key *out);
/* The names from the root to n, then child (may be NULL), joined by '/'
 * ("Orders/alice/x.json"; "" for the root). -ENOENT if a node on the way is
 * unlinked (out has the names from it on), -ENOMEM. */
int fs_node_path_locked(lay_buf *out, const fs_node *n, const char *child);
int fs_map_init(void);

#endif
