/* Making and removing names (SPEC §2, §3, §6): mkdir makes a table, a
 * memory partition or a scratch directory; rmdir and unlink remove them
 * and items; symbolic links live in scratch space; no hard links or device
 * nodes. */
#include "dirops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../layout/name.h"
#include "attr.h"
#include "hide.h"
#include "inode.h"
#include "kind.h"
#include "lookup.h"
#include "name.h"
#include "node.h"
#include "scratch.h"

/* The new scratch object dir/name (made by root) belongs to the caller;
 * its group is the directory's where the directory is set-group-ID. */
static int scratch_own(fuse_req_t req, fs_node *dir, const char *name, mode_t mode,
		       struct stat *st)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	lay_buf path = LAY_BUF_INIT;
	struct stat dst;
	gid_t gid = ctx->gid;
	int rc;

	if (dir->kind == FS_SCRATCH && fs_scratch_lstat(dir, NULL, &dst) == 0 &&
	    (dst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if ((rc = fs_scratch_path(&path, dir, name)) == 0 &&
	    fchownat(fs_scratch_root(), path.p, ctx->uid, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    geteuid() == 0)
		rc = -errno;
	/* the mode asked for, not the daemon's umask of it; a directory keeps
	 * the set-group-ID bit it inherited */
	if (rc == 0 && mode != (mode_t)-1 &&
	    fstatat(fs_scratch_root(), path.p, &dst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fchmodat(fs_scratch_root(), path.p, (mode & 07777) | (dst.st_mode & S_ISGID), 0) < 0)
		rc = -errno;
	lay_buf_free(&path);
	if (rc == 0)
		rc = fs_scratch_lstat(dir, name, st);
	return rc;
}

void fs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	fs_node *dir = fs_node_of(parent), *n = NULL;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fuse_entry_param e;
	lay_err err = { 0 };
	fs_target t;
	struct stat st;
	int rc;

	if (dir->kind == FS_MAGIC_DIR || dir->kind == FS_MAGIC_FILE) {
		fs_fail(req, "mkdir", dir, name, -EROFS, NULL);
		return;
	}
	rc = fs_name_resolve(&t, dir, name, 0, &err);
	if (rc == 0 && t.kind == FS_PART && t.hashed) {
		/* a long name: the key is known once an item in it is committed */
		rc = eng_resolve_hash(fs.db, FS_REQ(req), dir->table, NULL, t.hash, &t.store, &t.key, &err);
		if (rc == 0)
			t.pk = t.key;
		else if (rc == -ENOENT)
			memset(&t.pk, 0, sizeof(t.pk));
		if (rc == 0 || rc == -ENOENT)
			rc = 0;
	}
	if (rc == 0 && t.kind == FS_TABLE) {
		eng_dirmeta dm = { 0 };

		dm.mode = mode & 07777;
		dm.uid = ctx->uid;
		dm.gid = ctx->gid;
		rc = eng_table_create(fs.db, FS_REQ(req), name, NULL, &dm, &err);
		if (rc == 0)
			rc = eng_table_get(fs.db, FS_REQ(req), name, &t.ti, &err);
		if (rc == 0) {
			fs_attr_dir(&st, &t.ti.dir);
			n = fs_node_lookup(dir, name, &t);
			rc = n ? 0 : -ENOMEM;
		}
	} else if (rc == 0 && t.kind == FS_PART) {
		eng_dirmeta dm;

		rc = t.pk.type ? eng_part_get(fs.db, FS_REQ(req), dir->table, &t.pk, &dm, &err) : -ENOENT;
		if (rc == 0)
			rc = lay_err_set(&err, -EEXIST, "partition exists");
		else if (rc == -ENOENT) {
			pthread_mutex_lock(&fs.lock);
			n = fs_node_find(parent, name);
			if (n && n->mem) {
				rc = -EEXIST;
			} else {
				n = fs_node_for(dir, name, &t);
				rc = n ? 0 : -ENOMEM;
			}
			if (rc == 0) {
				/* lives until it holds an item or the mount ends */
				fs_attr_init_mem(n, req, mode);
				fs_node_mem_link(dir, n);
				n->nlookup++;
				st.st_mode = 0;
			}
			pthread_mutex_unlock(&fs.lock);
			if (rc == 0)
				rc = fs_kind_getattr(n, &st, &err);
			if (rc == 0)
				fs_dir_changed(dir); /* a new name in the table */
		}
	} else if (rc == 0 && t.kind == FS_SCRATCH) {
		/* where no partition can be: an ordinary directory */
		lay_buf path = LAY_BUF_INIT;

		if ((rc = fs_scratch_mkparents(dir)) == 0 &&
		    (rc = fs_scratch_path(&path, dir, name)) == 0 &&
		    mkdirat(fs_scratch_root(), path.p, mode & 07777) < 0)
			rc = -errno;
		lay_buf_free(&path);
		if (rc == 0)
			rc = scratch_own(req, dir, name, mode, &st);
		if (rc == 0 && !(n = fs_node_lookup(dir, name, &t)))
			rc = -ENOMEM;
		if (rc == 0)
			fs_dir_changed(dir);
	} else if (rc == 0) {
		if (t.kind == FS_MAGIC_FILE)
			rc = lay_err_set(&err, -EEXIST, "%s is a reserved name", name);
		else
			rc = lay_err_set(&err, -EPERM,
					 "%s is the name of an item: a directory cannot have it",
					 name);
	}
	fs_target_free(&t);
	if (rc < 0) {
		fs_fail(req, "mkdir", dir, name, rc, &err);
		return;
	}
	fs_entry_of(&e, n, &st);
	fuse_reply_entry(req, &e);
}

void fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n;
	lay_err err = { 0 };
	fs_target t;
	int rc;

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(parent, name);
	pthread_mutex_unlock(&fs.lock);
	/* a memory partition needs no key: it may have a long name */
	rc = fs_name_resolve(&t, dir, name, !(n && n->mem && n->kind == FS_PART), &err);
	if (rc == 0 && t.kind == FS_TABLE) {
		if (n && n->mchildren)
			rc = lay_err_set(&err, -ENOTEMPTY, "table %s holds files being written", name);
		else if (unlinkat(fs_scratch_root(), name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			rc = lay_err_set(&err, -errno, "table %s holds scratch files", name);
		if (rc == 0)
			rc = eng_table_delete(fs.db, FS_REQ(req), name, &err);
	} else if (rc == 0 && t.kind == FS_SCRATCH) {
		lay_buf path = LAY_BUF_INIT;

		if ((rc = fs_scratch_path(&path, dir, name)) == 0 &&
		    unlinkat(fs_scratch_root(), path.p, AT_REMOVEDIR) < 0)
			rc = -errno;
		lay_buf_free(&path);
		if (rc == 0) {
			fs_dir_changed(dir);
			fs_scratch_tidy(dir);
		}
	} else if (rc == 0 && t.kind == FS_PART) {
		if (n && n->mem) {
			rc = n->mchildren ? lay_err_set(&err, -ENOTEMPTY, "partition holds files")
					  : 0;
			if (rc == 0 && fs_scratch_nonempty(n))
				rc = lay_err_set(&err, -ENOTEMPTY, "partition %s holds files", name);
			if (rc == 0)
				fs_scratch_tidy(n);
			if (rc == 0 && n->pk.type &&
			    eng_part_get(fs.db, FS_REQ(req), dir->table, &n->pk, NULL, NULL) == 0)
				rc =
				    lay_err_set(&err, -ENOTEMPTY, "partition %s holds items", name);
			if (rc == 0) {
				pthread_mutex_lock(&fs.lock);
				fs_node_mem_unlink(n);
				pthread_mutex_unlock(&fs.lock);
			}
		} else {
			eng_dirmeta dm;

			rc = eng_part_get(fs.db, FS_REQ(req), dir->table, &t.pk, &dm, &err);
			if (rc == 0)
				rc =
				    lay_err_set(&err, -ENOTEMPTY, "partition %s holds items", name);
		}
	} else if (rc == 0 && t.kind == FS_MAGIC_FILE) {
		rc = -EROFS;
	} else if (rc == 0 || rc == -EINVAL) {
		rc = n && n->mem ? -ENOTDIR : -ENOENT;
	}
	fs_target_free(&t);
	if (rc < 0) {
		fs_fail(req, "rmdir", dir, name, rc, &err);
		return;
	}
	pthread_mutex_lock(&fs.lock);
	if (n) {
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}

void fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n;
	lay_err err = { 0 };
	fs_target t;
	lay_key key;
	int rc;

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(parent, name);
	if (n && n->mem && n->kind == FS_ITEM) {
		/* created, not yet committed: nothing in the engine */
		fs_node_mem_unlink(n);
		fs_node_unhash(n);
		fs_node_maybe_free(n);
		pthread_mutex_unlock(&fs.lock);
		fuse_reply_err(req, 0);
		return;
	}
	pthread_mutex_unlock(&fs.lock);

	rc = fs_name_resolve(&t, dir, name, 1, &err);
	if (rc == 0 && t.kind == FS_ITEM) {
		fs_target_key(&t, &key);
		rc = fs_is_hidden(dir->table, &key) ? -ENOENT : 0;
		if (rc == 0)
			rc = eng_item_delete(fs.db, FS_REQ(req), dir->table, &key, NULL, &err);
	} else if (rc == 0 && t.kind == FS_SCRATCH) {
		lay_buf path = LAY_BUF_INIT;

		if ((rc = fs_scratch_path(&path, dir, name)) == 0 &&
		    unlinkat(fs_scratch_root(), path.p, 0) < 0)
			rc = -errno;
		lay_buf_free(&path);
		if (rc == 0) {
			/* the file went: a deferred delete it held happens now */
			if (n)
				fs_hide_drop(n);
			fs_dir_changed(dir);
			fs_scratch_tidy(dir);
		}
	} else if (rc == 0 && (t.kind == FS_MAGIC_FILE || t.kind == FS_MAGIC_DIR)) {
		rc = -EROFS;
	} else if (rc == 0 && (t.kind == FS_PART || t.kind == FS_TABLE)) {
		rc = -EISDIR;
	} else if (rc == 0 || rc == -EINVAL) {
		rc = -ENOENT;
	}
	fs_target_free(&t);
	if (rc < 0) {
		fs_fail(req, "unlink", dir, name, rc, &err);
		return;
	}
	fs_part_keep(req, dir);
	pthread_mutex_lock(&fs.lock);
	if (n) {
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}

void fs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	fs_fail(req, "link", fs_node_of(newparent), newname, -EPERM,
		&(lay_err){ -EPERM, "hard links are not supported" });
}

/* Symbolic links live in scratch space only (git needs them). */
void fs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n = NULL;
	lay_buf path = LAY_BUF_INIT;
	struct fuse_entry_param e;
	lay_err err = { 0 };
	struct stat st;
	fs_target t;
	int rc;

	rc = fs.ro ? -EROFS : fs_name_resolve(&t, dir, name, 0, &err);
	if (rc == 0 && t.kind != FS_SCRATCH)
		rc = lay_err_set(&err, -EPERM,
				 "symbolic links live only in scratch space (names starting "
				 "with '.' or not ending in .json)");
	if (rc == 0 && (rc = fs_scratch_mkparents(dir)) == 0 &&
	    (rc = fs_scratch_path(&path, dir, name)) == 0 &&
	    symlinkat(link, fs_scratch_root(), path.p) < 0)
		rc = -errno;
	if (rc == 0)
		rc = scratch_own(req, dir, name, (mode_t)-1, &st);
	if (rc == 0 && !(n = fs_node_lookup(dir, name, &t)))
		rc = -ENOMEM;
	if (!fs.ro)
		fs_target_free(&t);
	lay_buf_free(&path);
	if (rc < 0) {
		fs_fail(req, "symlink", dir, name, rc, &err);
		return;
	}
	fs_dir_changed(dir);
	fs_entry_of(&e, n, &st);
	fuse_reply_entry(req, &e);
}

void fs_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	fs_node *n = fs_node_of(ino);
	lay_buf path = LAY_BUF_INIT;
	char target[PATH_MAX + 1];
	ssize_t len = -1;
	int rc;

	if (n->kind != FS_SCRATCH)
		rc = -EINVAL;
	else if ((rc = fs_scratch_path(&path, n, NULL)) == 0 &&
		 (len = readlinkat(fs_scratch_root(), path.p, target, PATH_MAX)) < 0)
		rc = -errno;
	lay_buf_free(&path);
	if (rc < 0) {
		fs_fail(req, "readlink", n, NULL, rc, NULL);
		return;
	}
	target[len] = '\0';
	fuse_reply_readlink(req, target);
}

void fs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)mode;
	(void)rdev;
	fs_fail(req, "mknod", fs_node_of(parent), name, -EPERM,
		&(lay_err){ -EPERM, "device nodes and fifos are not supported" });
}

void fs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	if (statvfs(fs.data_dir, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	sv.f_namemax = LAY_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}
