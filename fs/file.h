/* Files as open handles (SPEC §5, §6): buffered writes committed as one
 * PutItem, reads of rendered items, scratch files read and written through. */
#ifndef FS_FILE_H
#define FS_FILE_H

#include "fs.h"

void fs_op_init(void *userdata, struct fuse_conn_info *conn);
void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		  struct fuse_file_info *fi);
void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi);
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

/* truncate(2)/ftruncate(2) of an item or scratch file. */
int fs_file_truncate(fuse_req_t req, fs_node *n, fs_fh *fh, off_t size, lay_err *err);

/* Someone else looks at n: a created file closed with nothing written
 * (touch, `: > f`) is committed now rather than at its release; an item
 * emptied by a handle that has written nothing yet is waited for (up to
 * SETTLE_WAIT_MS) until it writes or goes, and never committed here. */
void fs_file_settle(fuse_req_t req, fs_node *n);

/* Remember metadata set while fh holds uncommitted content. Needs fs.lock. */
void fs_fh_note_meta(fs_fh *fh, const eng_meta *m, unsigned which);

#endif
