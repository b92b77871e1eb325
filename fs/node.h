/* Nodes for names (SPEC §3): the node of a name, found or made; what a
 * name's change does to its directory; a node's path, for the error log
 * and the replies that carry one. */
#ifndef FS_NODE_H
#define FS_NODE_H

#include "fs.h"
#include "name.h"

/*
 * The node named name in dir, of kind kind, for the object with key values
 * pk and key (either may be NULL), found or made. Needs fs.lock. NULL on
 * ENOMEM. Does not count a lookup.
 */
fs_node *fs_node_get(fs_node *dir, const char *name, fs_kind kind, fs_magic magic,
		     const lay_value *pk, const lay_value *key, int has_sk);
/* The same for what t (fs_name_resolve) says dir/name is. Needs fs.lock. */
fs_node *fs_node_for(fs_node *dir, const char *name, const fs_target *t);
/* The same, counted as looked up. Takes fs.lock. NULL on ENOMEM. */
fs_node *fs_node_lookup(fs_node *dir, const char *name, const fs_target *t);

/* The partition t of dir that holds only scratch files (its real directory
 * has attributes st) becomes a memory partition, listed and looked up as
 * one made by mkdir. Takes fs.lock. NULL on ENOMEM. */
fs_node *fs_part_from_scratch(fs_node *dir, const char *name, const fs_target *t,
			      const struct stat *st);

/* Before an item is put into dir: when dir is a partition made by mkdir
 * (a memory object), its table's times into *out, and 1; else 0. The put
 * makes the partition in the engine, which counts as a change of the
 * table; the kernel saw that change at mkdir. Takes fs.lock. */
int fs_part_table_times(fs_node *dir, eng_dirmeta *out);
/* A partition made by mkdir (a memory object) was just created in the
 * engine by the first item put into it: it keeps the mode and owner it was
 * given (chmod, chown before the item came), and its table the times it
 * had before (table_before, from fs_part_table_times; may be NULL), then
 * it stops being a memory object. Nothing for any other dir. Takes
 * fs.lock. */
void fs_part_exists(fuse_req_t req, fs_node *dir, const eng_dirmeta *table_before);

/* A partition whose last item went stays a directory: a memory partition,
 * as if made by mkdir. Takes fs.lock. */
void fs_part_keep(fuse_req_t req, fs_node *dir);

/* A name in dir was made, removed or renamed: dir's times are now. Takes
 * fs.lock. */
void fs_dir_changed(fs_node *dir);
/* A name or an item may have changed, by any front: a listing's snapshot
 * taken before now no longer vouches for the names and attributes it
 * holds (dir.c). Called once the change is made, before its answer; no
 * lock needed. */
void fs_names_changed(void);
/* How many such changes so far: equal counts, nothing changed between. */
uint64_t fs_names_gen(void);

/* Append "/" and the path of n, then child (may be NULL), to out. Takes
 * fs.lock. */
void fs_path_of(lay_buf *out, const fs_node *n, const char *child);

/* Reply to req with error rc (negative), logging it with err's message
 * (may be NULL) under n/child, unless it is a lookup's ordinary miss. */
void fs_fail(fuse_req_t req, const char *op, fs_node *n, const char *child, int rc,
	     const lay_err *err);

/* Ask the engine whether dir's table has a sort key, and keep the answer
 * in dir->has_sk (a table or a point of one). -ENOENT. */
int fs_table_learn_sk(fs_node *dir, lay_err *err);

#endif
