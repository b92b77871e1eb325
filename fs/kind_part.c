/* A partition directory (SPEC §3, §6): one in the engine, or a memory
 * partition (made by mkdir, emptied, or holding only scratch files) that
 * the mount keeps; its items, and its scratch files. */
#include "kind.h"

#include <errno.h>

#include "attr.h"
#include "dirbuf.h"
#include "inode.h"
#include "node.h"
#include "scratch.h"

/* Keep what the engine says of partition n's mode and owner, for when its
 * last item goes and it lives on in memory (fs_part_keep). Needs fs.lock. */
static void remember_owner(fs_node *n, const eng_dirmeta *dm)
{
	if (n->mem)
		return;
	n->mode = dm->mode & 07777;
	n->uid = dm->uid;
	n->gid = dm->gid;
	n->owner_known = 1;
}

/* A partition of a point in time or a backup, pk, as seen from node at
 * (its directory or itself), numbered ino: read-only; a point's is of its
 * time (the engine gives the rest, as its listing does). */
static int past_part(const fs_node *at, const lay_value *pk, uint64_t ino, struct stat *st,
		     lay_err *err)
{
	eng_dirmeta dm;
	int rc;

	if ((rc = eng_part_get(fs.db, FS_VIEW(at), at->table, pk, &dm, err)) < 0)
		return rc;
	fs_attr_dir(st, &dm);
	st->st_mode &= ~0222u;
	st->st_ino = ino;
	if (!at->backup)
		fs_attr_times(st, at->as_of);
	return 0;
}

static int part_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	eng_dirmeta dm;
	int rc;

	if (n->as_of)
		return past_part(n, &n->pk, fs_ino_past_node(n), st, err);
	if (fs_attr_if_mem(st, n, S_IFDIR))
		return 0;
	if ((rc = eng_part_get(fs.db, NULL, n->table, &n->pk, &dm, err)) < 0)
		return rc;
	fs_attr_dir(st, &dm);
	/* one number for the directory's whole life: made by mkdir,
	 * filled, emptied (SPEC §6) */
	pthread_mutex_lock(&fs.lock);
	if (n->ino)
		st->st_ino = n->ino;
	else
		n->ino = st->st_ino;
	remember_owner(n, &dm);
	pthread_mutex_unlock(&fs.lock);
	return 0;
}

static int part_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out, struct stat *st,
		       double *timeout, lay_err *err)
{
	eng_dirmeta dm;
	fs_node *n;
	int rc;

	(void)timeout;
	if (dir->as_of) {
		if (!t->pk.type)
			return -ENOENT;
		if ((rc = past_part(dir, &t->pk, fs_ino_past(dir, name), st, err)) < 0)
			return rc;
		return (*out = fs_node_lookup(dir, name, t)) ? 0 : -ENOMEM;
	}
	rc = t->pk.type ? eng_part_get(fs.db, NULL, dir->table, &t->pk, &dm, err) : -ENOENT;
	if (rc == 0) {
		fs_attr_dir(st, &dm);
		if (!(*out = fs_node_lookup(dir, name, t)))
			return -ENOMEM;
		pthread_mutex_lock(&fs.lock);
		remember_owner(*out, &dm);
		pthread_mutex_unlock(&fs.lock);
		return 0;
	}
	if (rc != -ENOENT || fs_scratch_lstat(dir, name, st) != 0 || !S_ISDIR(st->st_mode))
		return rc;
	/* it holds only scratch files */
	if (!(n = fs_part_from_scratch(dir, name, t, st)))
		return -ENOMEM;
	pthread_mutex_lock(&fs.lock);
	n->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	*out = n;
	return part_getattr(n, st, err);
}

static int part_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	int rc = 0;

	if (!dir->mem)
		rc = fs_dirh_list(d, dir, &dir->pk, err);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (dir->as_of)
		return rc; /* the past has no scratch files */
	return fs_dirh_scratch(d, dir, err);
}

const fs_kind_ops fs_part_ops = {
	.getattr = part_getattr,
	.lookup = part_lookup,
	.readdir = part_readdir,
};
