/* Kernel cache invalidation from a dedicated thread (SPEC §11): callers
 * queue, the thread tells the kernel, so no request waits on the kernel. */
#ifndef FS_NOTIFY_H
#define FS_NOTIFY_H

#include "fs.h"

int fs_notify_start(void);
void fs_notify_stop(void);
/* Queue an invalidation of inode ino's attributes and pages. */
void fs_notify_inode(fuse_ino_t ino);
/* Queue an invalidation of the entry name in directory parent. */
void fs_notify_entry(fuse_ino_t parent, const char *name);
/* Wait until every note queued before the call has reached the kernel,
 * at most timeout_ms (a note can wait on a directory lock that a client
 * holds): 0, or -ETIMEDOUT. Never from the notifying thread. */
int fs_notify_wait(int timeout_ms);

#endif
