/* A table directory (SPEC §3, §4): its partitions (or its items, in a table
 * without sort key), its generated files, and its scratch files. */
#include "kind.h"

#include <errno.h>

#include "attr.h"
#include "node.h"

/* A table's generated files, listed when generated entries are shown. */
static const struct {
	const char *name;
	fs_magic magic;
} generated[] = {
	{ ".table.json", FS_M_TABLE_JSON },
	{ ".stream", FS_M_STREAM },
};

static int table_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	eng_table_info ti;
	int rc;

	if ((rc = eng_table_get(fs.db, NULL, n->table, &ti, err)) < 0)
		return rc;
	fs_attr_dir(st, &ti.dir);
	return 0;
}

static int table_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			struct stat *st, double *timeout, lay_err *err)
{
	int rc;

	(void)timeout;
	if ((rc = eng_table_get(fs.db, NULL, name, &t->ti, err)) < 0)
		return rc;
	fs_attr_dir(st, &t->ti.dir);
	return (*out = fs_node_lookup(dir, name, t)) ? 0 : -ENOMEM;
}

static int table_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	size_t i;
	int rc;

	/* the schema decides what its real directories are: ask it */
	if ((rc = fs_table_learn_sk(dir, err)) < 0)
		return rc;
	for (i = 0; fs.show_magic && i < sizeof(generated) / sizeof(generated[0]); i++)
		if ((rc = fs_dirh_add_generated(d, generated[i].name, generated[i].magic)) < 0)
			return rc;
	if (fs.show_magic && (rc = fs_snaps_entry(d, dir, err)) < 0)
		return rc;
	/* partitions made by mkdir take their place in key order */
	d->sort_from = d->n;
	rc = fs_dirh_list(d, dir, NULL, err);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	return fs_dirh_scratch(d, dir, err);
}

const fs_kind_ops fs_table_ops = {
	.getattr = table_getattr,
	.lookup = table_lookup,
	.readdir = table_readdir,
};
