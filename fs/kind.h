/* Node kinds as tables of operations (SPEC §3), as the kernel's VFS has
 * inode_operations: each kind of node answers getattr, the lookup of a
 * name of its kind, and readdir in its own file (kind_*.c); kind.c maps
 * fs_kind to them. A new kind is a new file and one line in kind.c. */
#ifndef FS_KIND_H
#define FS_KIND_H

#include "dirbuf.h"
#include "fs.h"
#include "name.h"

typedef struct fs_kind_ops {
	/* n's attributes, re-read from where n lives. -ENOENT when gone. */
	int (*getattr)(fs_node *n, struct stat *st, lay_err *err);
	/* dir/name, which t (fs_name_resolve) says is of this kind: if it
	 * exists, *out gets its node, counted as looked up, st its attributes
	 * and *timeout (fs.timeout on entry) how long the kernel may keep
	 * them. -ENOENT, -ENOMEM. NULL: no name is of this kind. */
	int (*lookup)(fs_node *dir, const char *name, fs_target *t, fs_node **out, struct stat *st,
		      double *timeout, lay_err *err);
	/* Append directory dir's own entries to d (after "." and ".."; the
	 * caller adds memory partitions and sorts from d->sort_from, if set).
	 * NULL: not a directory. */
	int (*readdir)(fs_node *dir, fs_dirh *d, lay_err *err);
} fs_kind_ops;

/* kind_*.c */
extern const fs_kind_ops fs_root_ops;	    /* the mount's root: the tables */
extern const fs_kind_ops fs_table_ops;	    /* a table directory */
extern const fs_kind_ops fs_part_ops;	    /* a partition directory */
extern const fs_kind_ops fs_item_ops;	    /* an item file */
extern const fs_kind_ops fs_scratch_ops;    /* a scratch file, directory or symlink */
extern const fs_kind_ops fs_magic_dir_ops;  /* .ddbfs */
extern const fs_kind_ops fs_magic_file_ops; /* .table.json, .ddbfs/errors, ... */
extern const fs_kind_ops fs_snaps_ops;      /* a table's .snapshots */
extern const fs_kind_ops fs_point_ops;      /* .snapshots/@TIME, a backup */
extern const fs_kind_ops fs_backups_ops;    /* .ddbfs/backups and .ddbfs/backups/T */

/* kind_snap.c: append table's .snapshots entry to d (-o show_magic). */
int fs_snaps_entry(fs_dirh *d, fs_node *table, lay_err *err);

/* kind.c: the operations of kind, NULL for none. */
const fs_kind_ops *fs_kind_ops_of(fs_kind kind);
/* n's attributes, by its kind. -ENOENT when gone, -EIO (no such kind). */
int fs_kind_getattr(fs_node *n, struct stat *st, lay_err *err);
/* dir/name, by the kind t says it is; see fs_kind_ops.lookup. -ENOENT. */
int fs_kind_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out, struct stat *st,
		   double *timeout, lay_err *err);
/* dir's own entries into d, by dir's kind. -ENOTDIR. */
int fs_kind_readdir(fs_node *dir, fs_dirh *d, lay_err *err);

#endif
