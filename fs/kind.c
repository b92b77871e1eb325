/* Which table of operations each node kind has (kind.h). */
#include "kind.h"

#include <errno.h>

static const fs_kind_ops *const kinds[] = {
	[FS_ROOT] = &fs_root_ops,
	[FS_TABLE] = &fs_table_ops,
	[FS_PART] = &fs_part_ops,
	[FS_ITEM] = &fs_item_ops,
	[FS_SCRATCH] = &fs_scratch_ops,
	[FS_MAGIC_DIR] = &fs_magic_dir_ops,
	[FS_MAGIC_FILE] = &fs_magic_file_ops,
	[FS_SNAPS] = &fs_snaps_ops,
	[FS_POINT] = &fs_point_ops,
	[FS_BACKUPS] = &fs_backups_ops,
};

const fs_kind_ops *fs_kind_ops_of(fs_kind kind)
{
	if ((unsigned)kind >= sizeof(kinds) / sizeof(kinds[0]))
		return NULL;
	return kinds[kind];
}

int fs_kind_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	/* a rename may turn a scratch node into an item meanwhile (become_item) */
	const fs_kind_ops *ops = fs_kind_ops_of(__atomic_load_n(&n->kind, __ATOMIC_ACQUIRE));

	if (!ops || !ops->getattr)
		return lay_err_set(err, -EIO, "unknown node kind");
	return ops->getattr(n, st, err);
}

int fs_kind_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out, struct stat *st,
		   double *timeout, lay_err *err)
{
	const fs_kind_ops *ops = fs_kind_ops_of(t->kind);

	if (!ops || !ops->lookup)
		return -ENOENT;
	return ops->lookup(dir, name, t, out, st, timeout, err);
}

int fs_kind_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	const fs_kind_ops *ops = fs_kind_ops_of(dir->kind);

	if (!ops || !ops->readdir)
		return -ENOTDIR;
	return ops->readdir(dir, d, err);
}
