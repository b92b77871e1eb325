/* Backups through the files (backup.c): taking, deleting and restoring. */
#ifndef FS_BACKUP_H
#define FS_BACKUP_H

#include "fs.h"

/* 1 if mkdir and rmdir in dir take and delete backups: a table's
 * .snapshots, or .ddbfs/backups/T (rmdir only). */
int fs_backup_dir(const fs_node *dir);

/* mkdir dir/name (fs_backup_dir): take backup name of dir's table. */
void fs_backup_mkdir(fuse_req_t req, fs_node *dir, const char *name);

/* rmdir dir/name (fs_backup_dir): delete backup name. */
void fs_backup_rmdir(fuse_req_t req, fs_node *dir, const char *name);

/* setxattr user.ddb.restore_to of n (a backup or a point) to value (size
 * bytes): restore it as that table. -EINVAL, -EEXIST, -ENOENT, with err. */
int fs_backup_restore(fuse_req_t req, fs_node *n, const char *value, size_t size,
		      lay_err *err);

#endif
