/* The past is read-only (SPEC §12): the requests that would change
 * something under .snapshots answer EROFS before they reach their module;
 * ops.c routes them here. */
#ifndef FS_PAST_H
#define FS_PAST_H

#include "fs.h"

void fs_past_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		     struct fuse_file_info *fi);
void fs_past_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void fs_past_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_past_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_past_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		    const char *newname, unsigned flags);
void fs_past_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void fs_past_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void fs_past_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void fs_past_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		    struct fuse_file_info *fi);
void fs_past_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_past_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		      size_t size, int flags);
void fs_past_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
