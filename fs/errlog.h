/* SPEC §5's error log: MNT/.ddbfs/errors and DATA_DIR/ddbfs.log. */
#ifndef FS_ERRLOG_H
#define FS_ERRLOG_H

#include "fs.h"

int fs_errlog_open(const char *data_dir);
void fs_errlog_close(void);
/* Record a failed operation; returns -code's errno as a negative value. */
int fs_errlog_add(fuse_req_t req, const char *op, const char *path, int code, const char *msg);
int fs_errlog_render(lay_buf *out);
/* A line in the daemon's log only. */
void fs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
