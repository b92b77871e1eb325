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

struct fs_target;

/* rename(scratch, dir/name): put the scratch's content with its metadata as
 * the item t names (t->key is updated to the key committed: a long name's
 * comes from the content). -EINVAL (content), -EEXIST (noreplace). */
int fs_file_put_scratch(fs_node *scratch, fs_node *dir, const char *name, struct fs_target *t,
			int noreplace, lay_err *err);

/*
 * Whether text would commit as item n: every check of its commit (JSON,
 * DynamoDB's rules, the key against the path, the size) without putting
 * anything and without effects. On success out (LAY_ITEM_INIT, may be NULL)
 * gets the item, for the caller to free. Needs no lock; reads n's key under
 * fs.lock. Returns 0, -EINVAL or -EFBIG with a message, or another errno the
 * commit would meet as well (-ENOENT: no table, -ENOMEM).
 */
int fs_file_check(fs_node *n, const char *text, size_t len, lay_item *out, lay_err *err);

/* Someone else looks at n: a file closed with nothing written (touch,
 * `: > f`) is committed now rather than at its release. */
void fs_file_settle(fuse_req_t req, fs_node *n);

/* Mark n as being written: for a while its readers bypass the page cache. */
void fs_file_heat(fs_node *n);

/* Remember metadata set while fh holds uncommitted content. Needs fs.lock. */
void fs_fh_note_meta(fs_fh *fh, const eng_meta *m, unsigned which);

#endif
