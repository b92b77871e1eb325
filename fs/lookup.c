/* Finding names (SPEC §3, §6): lookup resolves a name to its node and
 * attributes (memory objects first, then the engine, then scratch space);
 * forget drops the kernel's references; getattr re-reads. */
#include "lookup.h"

#include <errno.h>
#include <string.h>

#include "file.h"
#include "inode.h"
#include "kind.h"
#include "name.h"
#include "node.h"

/* Resolve name in dir to an existing object and its attributes; *timeout
 * gets how long the kernel may keep them. Memory objects and generated
 * entries the map holds answer first; else the kind the name has. */
int fs_find_child(fs_node *dir, const char *name, fs_node **out, struct stat *st,
		      double *timeout, lay_err *err)
{
	fs_target t;
	fs_node *n;
	int rc;

	*timeout = fs.timeout;
	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(fs_ino_of(dir), name);
	if (n && (n->mem || n->kind == FS_MAGIC_DIR || n->kind == FS_MAGIC_FILE)) {
		n->nlookup++;
		pthread_mutex_unlock(&fs.lock);
		if (n->kind == FS_ITEM && n->mem) {
			fs_file_settle(NULL, n);
			if (!n->mem) {
				/* committed just now: look it up as an item */
				pthread_mutex_lock(&fs.lock);
				n->nlookup--;
				pthread_mutex_unlock(&fs.lock);
				goto engine;
			}
		}
		if ((rc = fs_kind_getattr(n, st, err)) < 0) {
			pthread_mutex_lock(&fs.lock);
			n->nlookup--;
			pthread_mutex_unlock(&fs.lock);
			return rc;
		}
		*out = n;
		return 0;
	}
	pthread_mutex_unlock(&fs.lock);
engine:
	if ((rc = fs_name_resolve(&t, dir, name, 1, err)) == 0)
		rc = fs_kind_lookup(dir, name, &t, out, st, timeout, err);
	fs_target_free(&t);
	return rc;
}

void fs_entry_of(struct fuse_entry_param *e, fs_node *n, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = fs_ino_of(n);
	e->attr = *st;
	e->attr_timeout = n->kind == FS_MAGIC_FILE ? 0 : fs.timeout;
	e->entry_timeout = fs.timeout;
}

void fs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n = NULL;
	struct fuse_entry_param e;
	struct stat st;
	lay_err err = { 0 };
	double timeout;
	int rc;

	rc = fs_find_child(dir, name, &n, &st, &timeout, &err);
	if (rc == -ENOENT || rc == -EINVAL || rc == -ENOTDIR) {
		/* a negative entry, cached like a positive one; but a point
		 * in the future comes to be */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = dir->kind == FS_SNAPS || dir->kind == FS_BACKUPS ? 0 : fs.timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc < 0) {
		fs_fail(req, "lookup", dir, name, rc, &err);
		return;
	}
	fs_entry_of(&e, n, &st);
	if (e.attr_timeout > timeout)
		e.attr_timeout = timeout;
	e.entry_timeout = timeout;
	fuse_reply_entry(req, &e);
}

static void op_forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	fs_node *n = fs_node_of(ino);

	pthread_mutex_lock(&fs.lock);
	n->nlookup = n->nlookup > nlookup ? n->nlookup - nlookup : 0;
	fs_node_maybe_free(n);
	pthread_mutex_unlock(&fs.lock);
}

void fs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	op_forget_one(ino, nlookup);
	fuse_reply_none(req);
}

void fs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		op_forget_one(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/*
 * Everyone sees an item's last commit, except its writer, asking about its
 * own handle (fstat, and the reply to its ftruncate or fchmod): it sees the
 * size of what it wrote, so lseek(SEEK_END) and appends land where it
 * expects.
 */
void fs_writer_view(struct stat *st, fs_node *n, struct fuse_file_info *fi)
{
	fs_fh *fh = fi ? (fs_fh *)(uintptr_t)fi->fh : NULL;

	if (!fh || __atomic_load_n(&n->kind, __ATOMIC_ACQUIRE) != FS_ITEM || !fh->writable)
		return;
	pthread_mutex_lock(&fh->lock);
	st->st_size = fh->buf.len;
	st->st_blocks = (st->st_size + 511) / 512;
	pthread_mutex_unlock(&fh->lock);
}

void fs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };
	struct stat st;
	int rc;

	if ((rc = fs_kind_getattr(n, &st, &err)) < 0) {
		fs_fail(req, "getattr", n, NULL, rc, &err);
		return;
	}
	fs_writer_view(&st, n, fi);
	fuse_reply_attr(req, &st,
			__atomic_load_n(&n->kind, __ATOMIC_ACQUIRE) == FS_MAGIC_FILE ? 0 : fs.timeout);
}
