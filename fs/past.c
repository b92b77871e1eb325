/* The past is read-only (SPEC §12): a change under .snapshots, or of
 * .snapshots itself, is EROFS, logged with the path like any refused
 * request, but for what backup.c does there (mkdir and rmdir of a backup,
 * user.ddb.restore_to); everything else goes on to its module. */
#include "past.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "backup.h"
#include "dirops.h"
#include "file.h"
#include "inode.h"
#include "node.h"
#include "rename.h"
#include "setattr.h"
#include "xattr.h"

/* Whether node ino, or the entry name in it (name may be NULL), is in the
 * past; then the request is answered EROFS, logged as op. */
static int refused(fuse_req_t req, const char *op, fuse_ino_t ino, const char *name)
{
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };

	if (!n || !(fs_in_past(n) || (name && n->kind == FS_TABLE &&
				       strcmp(name, ".snapshots") == 0)))
		return 0;
	lay_err_set(&err, -EROFS, "snapshots and points in time are read-only");
	fs_fail(req, op, n, name, -EROFS, &err);
	return 1;
}

void fs_past_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		     struct fuse_file_info *fi)
{
	if (refused(req, "setattr", ino, NULL))
		return;
	/* a mode, owner or time is not an item's change (no engine event):
	 * listings learn it here, on both sides of the change */
	fs_names_changed();
	fs_op_setattr(req, ino, attr, to_set, fi);
	fs_names_changed();
}

void fs_past_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	fs_node *dir = fs_node_of(parent);

	if (dir && fs_backup_dir(dir))
		fs_backup_mkdir(req, dir, name);
	else if (!refused(req, "mkdir", parent, name))
		fs_op_mkdir(req, parent, name, mode);
}

void fs_past_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent);

	if (dir && fs_backup_dir(dir))
		fs_backup_rmdir(req, dir, name);
	else if (!refused(req, "rmdir", parent, name)) {
		fs_names_changed(); /* also done once the name went (dir.c says why) */
		fs_op_rmdir(req, parent, name);
	}
}

void fs_past_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (refused(req, "unlink", parent, name))
		return;
	fs_names_changed(); /* also done once the name went (dir.c says why) */
	fs_op_unlink(req, parent, name);
}

void fs_past_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		    const char *newname, unsigned flags)
{
	if (refused(req, "rename", parent, name) || refused(req, "rename", newparent, newname))
		return;
	fs_names_changed(); /* also done once the name moved (dir.c says why) */
	fs_op_rename(req, parent, name, newparent, newname, flags);
}

void fs_past_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	if (!refused(req, "link", ino, NULL) && !refused(req, "link", newparent, newname))
		fs_op_link(req, ino, newparent, newname);
}

void fs_past_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	if (!refused(req, "symlink", parent, name))
		fs_op_symlink(req, link, parent, name);
}

void fs_past_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	if (!refused(req, "mknod", parent, name))
		fs_op_mknod(req, parent, name, mode, rdev);
}

void fs_past_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		    struct fuse_file_info *fi)
{
	if (!refused(req, "create", parent, name))
		fs_op_create(req, parent, name, mode, fi);
}

void fs_past_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (((fi->flags & O_ACCMODE) == O_RDONLY && !(fi->flags & O_TRUNC)) ||
	    !refused(req, "open", ino, NULL))
		fs_op_open(req, ino, fi);
}

void fs_past_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		      size_t size, int flags)
{
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };
	int rc;

	/* a restore is asked of a backup or a point; of anything else it is
	 * EINVAL, whatever the node */
	if (n && strcmp(name, "user.ddb.restore_to") == 0) {
		if ((rc = fs_backup_restore(req, n, value, size, &err)) < 0)
			fs_fail(req, "setxattr", n, NULL, rc, &err);
		else
			fuse_reply_err(req, 0);
	} else if (!refused(req, "setxattr", ino, NULL))
		fs_op_setxattr(req, ino, name, value, size, flags);
}

void fs_past_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	if (!refused(req, "removexattr", ino, NULL))
		fs_op_removexattr(req, ino, name);
}
