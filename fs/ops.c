/* The mount's operations (SPEC §2-§7): which module answers each FUSE
 * request. Those that change something pass past.c first: under
 * .snapshots they are EROFS. */
#include "ops.h"

#include "dir.h"
#include "dirops.h"
#include "file.h"
#include "lookup.h"
#include "past.h"
#include "rename.h"
#include "setattr.h"
#include "xattr.h"

const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_op_init,
	.lookup = fs_op_lookup,
	.forget = fs_op_forget,
	.forget_multi = fs_op_forget_multi,
	.getattr = fs_op_getattr,
	.setattr = fs_past_setattr,
	.mkdir = fs_past_mkdir,
	.rmdir = fs_past_rmdir,
	.unlink = fs_past_unlink,
	.rename = fs_past_rename,
	.link = fs_past_link,
	.symlink = fs_past_symlink,
	.readlink = fs_op_readlink,
	.mknod = fs_past_mknod,
	.statfs = fs_op_statfs,
	.opendir = fs_op_opendir,
	.readdir = fs_op_readdir,
	.readdirplus = fs_op_readdirplus,
	.releasedir = fs_op_releasedir,
	.open = fs_past_open,
	.create = fs_past_create,
	.read = fs_op_read,
	.write = fs_op_write,
	.flush = fs_op_flush,
	.fsync = fs_op_fsync,
	.release = fs_op_release,
	.setxattr = fs_past_setxattr,
	.getxattr = fs_op_getxattr,
	.listxattr = fs_op_listxattr,
	.removexattr = fs_past_removexattr,
};
