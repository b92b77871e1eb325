/* The mount point before and after mounting (SPEC §1, §17): a dead ddbfs
 * mount there is cleared, a live one refused, and a daemon that is still
 * exiting after an unmount is waited for. */
#ifndef FS_MOUNTPOINT_H
#define FS_MOUNTPOINT_H

#include <limits.h>
#include <stddef.h>

#include "../layout/err.h"

/* The absolute path of path into out (size bytes), also when path is the
 * root of a dead mount, whose own stat fails with ENOTCONN. Returns 0, or a
 * negative errno with err saying why. */
int fs_mnt_resolve(char *out, size_t size, const char *path, lay_err *err);

/* Make mnt (absolute) ready for a new ddbfs mount: every dead ddbfs mount on
 * it (its daemon killed: the connection answers ENOTCONN) is detached, so
 * mounts never stack. Returns 0; -EBUSY when a ddbfs mount there answers
 * (live), does not answer within a few seconds, or belongs to another user,
 * with err saying which; or the errno of a failed detach. */
int fs_mnt_prepare(const char *mnt, lay_err *err);

/* What a daemon notes in its DATA_DIR once mounted (ddbfs.mountpoint). */
typedef struct fs_mnt_note {
	long pid;           /* the daemon's */
	unsigned long conn; /* its FUSE connection: the mount's device number,
	                     * the name of its directory in fusectl */
	char mnt[PATH_MAX]; /* the mount point */
} fs_mnt_note;

/* Note in data_dir that its daemon (this process) serves the mount on mnt
 * (just mounted, topmost there), for fs_mnt_holder_live and
 * fs_mnt_note_read. Returns 0 or a negative errno. */
int fs_mnt_record(const char *data_dir, const char *mnt);

/* Forget the note of fs_mnt_record (the mount is gone). */
void fs_mnt_unrecord(const char *data_dir);

/* The note of data_dir's last daemon into *out. Returns 0, or -ENOENT
 * when there is none (or it is being written), another negative errno
 * when it cannot be read. */
int fs_mnt_note_read(fs_mnt_note *out, const char *data_dir);

/* 1 if the daemon holding data_dir still serves its mount (a ddbfs mount is
 * on the mount point it noted), 0 if it has none: it is starting or
 * exiting. On 1, *mnt_out (malloc'ed, caller frees) names the mount point. */
int fs_mnt_holder_live(const char *data_dir, char **mnt_out);

#endif
