/* The FUSE low-level operations of the mount, each from its module. */
#ifndef FS_OPS_H
#define FS_OPS_H

#include "fs.h"

extern const struct fuse_lowlevel_ops fs_ops;

#endif
