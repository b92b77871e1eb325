/* A scratch file, directory or symlink (SPEC §6): the real one below
 * DATA_DIR/scratch answers (scratch.c). */
#include "kind.h"

#include <errno.h>

#include "node.h"
#include "scratch.h"

static int scratch_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	(void)err;
	return fs_scratch_attr(n, st);
}

static int scratch_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			  struct stat *st, double *timeout, lay_err *err)
{
	int rc;

	(void)timeout;
	(void)err;
	if ((rc = fs_scratch_lstat(dir, name, st)) < 0)
		return rc;
	return (*out = fs_node_lookup(dir, name, t)) ? 0 : -ENOMEM;
}

static int scratch_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	return fs_dirh_scratch(d, dir, err);
}

const fs_kind_ops fs_scratch_ops = {
	.getattr = scratch_getattr,
	.lookup = scratch_lookup,
	.readdir = scratch_readdir,
};
