/* Making and removing names (SPEC §2, §3, §6): mkdir, rmdir, unlink,
 * symlink, readlink, link, mknod, statfs. */
#ifndef FS_DIROPS_H
#define FS_DIROPS_H

#include "fs.h"

void fs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void fs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void fs_op_readlink(fuse_req_t req, fuse_ino_t ino);
void fs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void fs_op_statfs(fuse_req_t req, fuse_ino_t ino);

#endif
