/* setattr (SPEC §3): chmod, chown, utimens and truncate of every kind. */
#ifndef FS_SETATTR_H
#define FS_SETATTR_H

#include "fs.h"

void fs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		   struct fuse_file_info *fi);

#endif
