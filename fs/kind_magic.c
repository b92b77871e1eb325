/* Generated entries (SPEC §2, §3, §5, §16): the .ddbfs directory and the
 * generated files (.table.json, .stream, .ddbfs/errors, stats.json,
 * clock), read-only but for the test clock, rendered by magic.c. */
#include "kind.h"

#include <errno.h>
#include <string.h>

#include "attr.h"
#include "inode.h"
#include "magic.h"
#include "node.h"

/* The files of .ddbfs. */
static const struct {
	const char *name;
	fs_magic magic;
} ddbfs_files[] = {
	{ "errors", FS_M_ERRORS },
	{ "stats.json", FS_M_STATS },
	{ "clock", FS_M_CLOCK },
	{ "backups.json", FS_M_BACKUPS_JSON },
	{ "events", FS_M_EVENTS },
	{ "cost.json", FS_M_COST },
	{ "api", FS_M_API },
};

static int magic_dir_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	(void)err;
	fs_attr_mem(st, n, S_IFDIR);
	return 0;
}

static int magic_dir_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			    struct stat *st, double *timeout, lay_err *err)
{
	(void)dir;
	(void)name;
	(void)t;
	(void)timeout;
	pthread_mutex_lock(&fs.lock);
	fs.ddbfs_dir->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	*out = fs.ddbfs_dir;
	return magic_dir_getattr(fs.ddbfs_dir, st, err);
}

static int magic_dir_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	fs_dent *e;
	size_t i;
	int rc;

	(void)dir;
	(void)err;
	for (i = 0; i < sizeof(ddbfs_files) / sizeof(ddbfs_files[0]); i++)
		if ((rc = fs_dirh_add_generated(d, ddbfs_files[i].name, ddbfs_files[i].magic)) < 0)
			return rc;
	/* backups, also of tables deleted since */
	if (!(e = fs_dirh_add(d, "backups", strlen("backups"), FS_BACKUPS)))
		return -ENOMEM;
	fs_attr_past_dir(&e->st, fs.root->mtime_ns, fs_ino_backups(NULL));
	return 0;
}

const fs_kind_ops fs_magic_dir_ops = {
	.getattr = magic_dir_getattr,
	.lookup = magic_dir_lookup,
	.readdir = magic_dir_readdir,
};

static int magic_file_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	lay_buf out = LAY_BUF_INIT;
	int rc;

	fs_attr_mem(st, n, S_IFREG);
	st->st_mode = S_IFREG | (n->magic == FS_M_CLOCK && fs.test_clock ? 0644
				 : n->magic == FS_M_API			   ? 0666
									   : 0444);
	if (n->as_of)
		st->st_ino = fs_ino_past_node(n); /* a point's .table.json is not the live one */
	if (n->magic == FS_M_API)
		return 0; /* each open has its own answer */
	if (FS_MAGIC_GROWS(n->magic)) {
		uint64_t size = 0;

		if (n->magic == FS_M_EVENTS)
			size = eng_events_size(fs.db);
		else if ((rc = eng_stream_size(fs.db, n->table, &size, err)) < 0)
			return rc;
		st->st_size = (off_t)size;
		st->st_blocks = (st->st_size + 511) / 512;
		return 0;
	}
	if ((rc = fs_magic_render(n, &out)) < 0) {
		lay_buf_free(&out);
		return lay_err_set(err, rc, "cannot render %s", n->name);
	}
	st->st_size = out.len;
	lay_buf_free(&out);
	return 0;
}

static int magic_file_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			     struct stat *st, double *timeout, lay_err *err)
{
	fs_node *n;
	int rc;

	(void)timeout;
	if (!(n = fs_node_lookup(dir, name, t)))
		return -ENOMEM;
	if ((rc = magic_file_getattr(n, st, err)) < 0) {
		pthread_mutex_lock(&fs.lock);
		n->nlookup--;
		pthread_mutex_unlock(&fs.lock);
		return rc;
	}
	*out = n;
	return 0;
}

const fs_kind_ops fs_magic_file_ops = {
	.getattr = magic_file_getattr,
	.lookup = magic_file_lookup,
};
