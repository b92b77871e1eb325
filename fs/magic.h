/* Generated files (SPEC §2, §3, §5, §16): .table.json, .ddbfs/errors,
 * .ddbfs/stats.json, .ddbfs/clock. */
#ifndef FS_MAGIC_H
#define FS_MAGIC_H

#include "fs.h"

/* Render generated file n into out. -errno. */
int fs_magic_render(fs_node *n, lay_buf *out);
/* A write to generated file n (only .ddbfs/clock takes one); logged. */
int fs_magic_write(fuse_req_t req, fs_node *n, const char *buf, size_t len);

#endif
