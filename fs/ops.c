/* The mount's operations (SPEC §2-§7): which module answers each FUSE
 * request. */
#include "ops.h"

#include "dir.h"
#include "dirops.h"
#include "file.h"
#include "lookup.h"
#include "rename.h"
#include "setattr.h"
#include "xattr.h"

const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_op_init,
	.lookup = fs_op_lookup,
	.forget = fs_op_forget,
	.forget_multi = fs_op_forget_multi,
	.getattr = fs_op_getattr,
	.setattr = fs_op_setattr,
	.mkdir = fs_op_mkdir,
	.rmdir = fs_op_rmdir,
	.unlink = fs_op_unlink,
	.rename = fs_op_rename,
	.link = fs_op_link,
	.symlink = fs_op_symlink,
	.readlink = fs_op_readlink,
	.mknod = fs_op_mknod,
	.statfs = fs_op_statfs,
	.opendir = fs_op_opendir,
	.readdir = fs_op_readdir,
	.readdirplus = fs_op_readdirplus,
	.releasedir = fs_op_releasedir,
	.open = fs_op_open,
	.create = fs_op_create,
	.read = fs_op_read,
	.write = fs_op_write,
	.flush = fs_op_flush,
	.fsync = fs_op_fsync,
	.release = fs_op_release,
	.setxattr = fs_op_setxattr,
	.getxattr = fs_op_getxattr,
	.listxattr = fs_op_listxattr,
	.removexattr = fs_op_removexattr,
};
