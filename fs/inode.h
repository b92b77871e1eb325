/* The node map (SPEC §3): nodeids are node addresses, a hash map finds a
 * node by (parent, name). All functions except fs_node_of and fs_ino_of
 * need fs.lock held. */
#ifndef FS_INODE_H
#define FS_INODE_H

#include "fs.h"

/*
 * Inode numbers (st_ino; a node's FUSE nodeid is its address instead, see
 * fs_node_of). One 64-bit space, in ranges, so no two objects share one:
 *
 *   FS_INO_ROOT, FS_INO_DDBFS  the root and .ddbfs
 *   FS_INO_ENGINE + id         tables, partitions and items: the engine's
 *                              id of the object, the same across remounts
 *                              and renames (find, tar and rsync see one file)
 *   FS_INO_SCRATCH | ino       scratch files: the real file's number (its
 *                              low 62 bits), kept as the host keeps it
 *   FS_INO_PAST | h            what a point in time shows (SPEC §12): 48
 *                              bits of a hash of the table, the object's
 *                              name and the point's time, so a point's
 *                              files are not the live ones (diff, cp and
 *                              tar compare numbers) and keep their numbers
 *   FS_INO_LOCAL + n           what only this daemon knows: n < FS_INO_MEM
 *                              for generated entries (n is their fs_magic,
 *                              the same at every mount), then memory objects,
 *                              numbered as they are made (they live for one
 *                              mount)
 */
#define FS_INO_ROOT 1u
#define FS_INO_DDBFS 2u
#define FS_INO_ENGINE 16u
#define FS_INO_SCRATCH 0x4000000000000000ull
#define FS_INO_PAST 0x7ffe000000000000ull
#define FS_INO_LOCAL 0x7fff000000000000ull
#define FS_INO_MEM 256u

static inline uint64_t fs_ino_engine(uint64_t id)
{
	return FS_INO_ENGINE + id;
}

static inline uint64_t fs_ino_generated(fs_magic m)
{
	return FS_INO_LOCAL + (uint64_t)m;
}

/* real: the st_ino of the file below DATA_DIR/scratch */
static inline uint64_t fs_ino_scratch(uint64_t real)
{
	return FS_INO_SCRATCH | (real & (FS_INO_SCRATCH - 1));
}

/* The number of the object named name in directory dir of a point, and
 * the same number from its node n (which may have lost its directory). */
uint64_t fs_ino_past(const fs_node *dir, const char *name);
uint64_t fs_ino_past_node(const fs_node *n);
/* The number of .ddbfs/backups (table NULL) or of .ddbfs/backups/table:
 * not the number of any backup or point. */
uint64_t fs_ino_backups(const char *table);

/* A fresh number for a memory object. Needs no lock. */
uint64_t fs_ino_new(void);

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
/* The node map and its two fixed nodes, the root and .ddbfs, for fs.db
 * (set): 0 or -ENOMEM. */
int fs_nodes_init(void);
/* Free every node the map holds, the map and the fixed nodes (a process
 * that ends: nothing may use a node afterwards). */
void fs_nodes_free(void);

#endif
