/* Files and directories as open handles (SPEC §5, §6): buffered writes
 * committed as one PutItem, reads of rendered items, directory listings. */
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
void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi);
void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

/* truncate(2)/ftruncate(2) of an item or scratch file. */
int fs_file_truncate(fuse_req_t req, fs_node *n, fs_fh *fh, off_t size, lay_err *err);

struct fs_target;

/* rename(scratch, dir/name): put the scratch's content with its metadata as
 * the item t names (t->key is updated to the key committed: a long name's
 * comes from the content). -EINVAL (content), -EEXIST (noreplace). */
int fs_file_put_scratch(fs_node *scratch, fs_node *dir, const char *name, struct fs_target *t,
			int noreplace, lay_err *err);


/* Someone else looks at n: a file closed with nothing written (touch,
 * `: > f`) is committed now rather than at its release. */
void fs_file_settle(fuse_req_t req, fs_node *n);

/* Mark n as being written: for a while its readers bypass the page cache. */
void fs_file_heat(fs_node *n);

/* Remember metadata set while fh holds uncommitted content. Needs fs.lock. */
void fs_fh_note_meta(fs_fh *fh, const eng_meta *m, unsigned which);

/* ops.c */
fs_node *fs_node_get(fs_node *dir, const char *name, fs_kind kind, fs_magic magic,
		     const lay_value *pk, const lay_value *key, int has_sk);
/* ops.c: the partition t of dir that holds only scratch files (its real
 * directory has attributes st) becomes a memory partition, listed and
 * looked up as one made by mkdir. Takes fs.lock. NULL on ENOMEM. */
/* ops.c: table lost its sort key: the .json files held at its top while it
 * was empty (cp -a writes a table's items before its key schema) become its
 * items, keeping their mode, owner and mtime. Failures are logged. */
void fs_hold_release(fuse_req_t req, fs_node *table);
/* ops.c: a name in dir was made or removed: dir's times are now. */
void fs_dir_changed(fs_node *dir);
fs_node *fs_part_from_scratch(fs_node *dir, const char *name, const struct fs_target *t,
			      const struct stat *st);

#endif
