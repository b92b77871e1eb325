/* An item file (SPEC §3, §5): its committed item's metadata and rendered
 * size; a created file not yet committed is a memory object. */
#include "kind.h"

#include <errno.h>

#include "attr.h"
#include "expire.h"
#include "hide.h"
#include "inode.h"
#include "node.h"

static int item_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	eng_meta meta;
	lay_key key;
	int rc;

	if (!fs_attr_if_mem(st, n, S_IFREG)) {
		fs_node_item_key(n, &key);
		rc = eng_item_get(fs.db, FS_VIEW(n), n->table, &key, NULL, &meta, err);
		if (rc == 0 && n->as_of) {
			fs_attr_item(st, &meta);
			st->st_mode &= ~0222u; /* a backup's items are read-only */
			st->st_ino = fs_ino_past_node(n);
			return 0;
		}
		if (rc == -ENOENT) {
			pthread_mutex_lock(&fs.lock); /* parent and open are its */
			if (!n->parent && n->open) {
				/* unlinked while open: what it was, with no link */
				fs_attr_mem(st, n, S_IFREG);
				st->st_size = n->size;
				st->st_blocks = (st->st_size + 511) / 512;
				st->st_nlink = 0;
				pthread_mutex_unlock(&fs.lock);
				return 0;
			}
			pthread_mutex_unlock(&fs.lock);
		}
		if (rc < 0)
			return rc;
		fs_attr_item(st, &meta);
		fs_attr_remember(n, st);
	}
	/* an item shows its last commit; a created file not yet
	 * committed has only its writer's bytes */
	pthread_mutex_lock(&fs.lock);
	if (n->mem && n->dirty) {
		st->st_size = n->dirty->dirty_len; /* its buf is fh->lock's */
		st->st_blocks = (st->st_size + 511) / 512;
	}
	if (n->atime_ns) {
		/* atime is not stored with the item: the node keeps what
		 * utimens set while the kernel holds it */
		st->st_atim.tv_sec = n->atime_ns / 1000000000;
		st->st_atim.tv_nsec = n->atime_ns % 1000000000;
	}
	pthread_mutex_unlock(&fs.lock);
	return 0;
}

static int item_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out, struct stat *st,
		       double *timeout, lay_err *err)
{
	eng_meta meta;
	lay_key key;
	fs_node *n;
	int rc;

	fs_target_key(t, &key);
	rc = !dir->as_of && fs_is_hidden(dir->table, &key) ? -ENOENT : 0;
	if (rc == 0)
		rc = eng_item_get(fs.db, FS_VIEW(dir), dir->table, &key, NULL, &meta, err);
	if (rc < 0)
		return rc;
	fs_attr_item(st, &meta);
	if (dir->as_of) {
		st->st_mode &= ~0222u;
		st->st_ino = fs_ino_past(dir, name);
	}
	*timeout = fs_expire_timeout(&meta);
	if (!(n = fs_node_lookup(dir, name, t)))
		return -ENOMEM;
	fs_attr_remember(n, st);
	*out = n;
	return 0;
}

const fs_kind_ops fs_item_ops = {
	.getattr = item_getattr,
	.lookup = item_lookup,
};
