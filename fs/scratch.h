/* Scratch space (SPEC §6): every name that is not a table, a partition or
 * an item is an ordinary POSIX file, directory or symlink, stored under
 * DATA_DIR/scratch in a tree that mirrors the mount's own. */
#ifndef FS_SCRATCH_H
#define FS_SCRATCH_H

#include "fs.h"

/* Open (creating) DATA_DIR/scratch and its staging directory. -errno. */
int fs_scratch_open(const char *data_dir, lay_err *err);
void fs_scratch_close(void);

/* The path of dir/child (child may be NULL) below the scratch root, as
 * the mount names it: "Orders/alice/notes.txt". Takes fs.lock. -ENOMEM,
 * -ENOENT (dir is no longer linked). */
int fs_scratch_path(lay_buf *out, const fs_node *dir, const char *child);
/* The same with fs.lock held. */
int fs_scratch_path_locked(lay_buf *out, const fs_node *dir, const char *child);

/* The directory descriptor of the scratch root, for *at() calls with the
 * paths above. */
int fs_scratch_root(void);

/* The real directory behind dir, made if missing (tables and partitions
 * have one only while they hold scratch files). -errno. */
int fs_scratch_mkparents(const fs_node *dir);

/* lstat(2) of dir/child in scratch space, st_ino in the scratch range.
 * -errno (-ENOENT: no such file). */
int fs_scratch_lstat(const fs_node *dir, const char *child, struct stat *st);

/* Attributes of scratch node n: through its open file if it has one (an
 * unlinked file reports nlink 0), else by path. -errno. */
int fs_scratch_attr(fs_node *n, struct stat *st);

/* A duplicate of n's O_PATH descriptor (the caller closes it), or -1. */
int fs_scratch_sfd(fs_node *n);

/* Call fn for each entry of the real directory behind dir (not "." and
 * ".."), with its lstat. A missing directory lists nothing. */
typedef int (*fs_scratch_entry_fn)(void *arg, const char *name, const struct stat *st);
int fs_scratch_list(const fs_node *dir, fs_scratch_entry_fn fn, void *arg);

/* Whether the real directory behind dir holds anything. */
int fs_scratch_nonempty(const fs_node *dir);

/* Write len bytes as a new file at dir/name, atomically (staged, then
 * renamed into place; noreplace: -EEXIST if it exists), with st_mode's
 * permission bits, owner and times from meta. -errno. */
int fs_scratch_put(const fs_node *dir, const char *name, const char *p, size_t len,
		   const eng_meta *meta, int noreplace);

/* Read the whole regular file at dir/name into out (with its metadata).
 * -EISDIR for a directory, -EINVAL for other non-regular files, -EFBIG past
 * max bytes. */
int fs_scratch_read(const fs_node *dir, const char *name, size_t max, lay_buf *out,
		    struct stat *st);

/* 0 if table name holds no scratch file (its empty directory is removed),
 * so a table may replace it; -ENOTEMPTY otherwise. */
int fs_scratch_table_replaceable(const char *name);

/* Table from is now table to: its scratch directory moves with it. */
void fs_scratch_rename_table(const char *from, const char *to);

/* dir's real directory, if dir is a table or partition, goes once empty:
 * a partition holding nothing is not kept past the mount by it. */
void fs_scratch_tidy(fs_node *dir);

#endif
