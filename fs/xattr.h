/* Extended attributes (SPEC §7): a table's settings as user.ddb.* names,
 * an item's size and TTL. */
#ifndef FS_XATTR_H
#define FS_XATTR_H

#include "fs.h"

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags);
void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
