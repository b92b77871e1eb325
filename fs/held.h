/* A killed daemon the kernel holds (SPEC §17): freed by aborting its FUSE
 * connection, so that DATA_DIR mounts again. */
#ifndef FS_HELD_H
#define FS_HELD_H

#include "../layout/err.h"

/*
 * If data_dir's lock is held by a daemon that was killed (SIGKILL pending,
 * or exiting) and does not finish dying -- one of its threads waits in the
 * kernel on a directory that a client holds while it waits for the dead
 * daemon's answer -- abort the FUSE connection the daemon noted in
 * data_dir (through fusectl, mounted if need be), wait for the process to
 * be gone, and say so on stderr after prog ("ddbfs"). A live daemon, one
 * merely stopped, and one that dies by itself within a moment are left
 * alone. Returns 1 when it freed one, 0 when there was nothing to free,
 * or a negative errno with err saying why a held daemon could not be
 * freed (-EPERM: fusectl cannot be mounted or written by this user).
 */
int fs_held_free(const char *prog, const char *data_dir, lay_err *err);

#endif
