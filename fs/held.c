/* A killed daemon the kernel holds (SPEC §17). After kill -9, one of the
 * daemon's threads can wait forever in the kernel: a cache invalidation
 * (fuse_reverse_inval_entry) waits for a directory's lock that a client
 * holds while it waits for the dead daemon's answer. The process never
 * finishes dying, so /dev/fuse stays open, the connection is never aborted
 * and DATA_DIR's lock stays held. Aborting the connection through fusectl,
 * as the kernel would at /dev/fuse's last close, ends both waits. */
#include "held.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "mountpoint.h"

#define FUSECTL "/sys/fs/fuse/connections"
#define FUSECTL_MAGIC 0x65735543
/* a killed daemon that is not held is gone within this */
#define GRACE_MS 500
/* and one whose connection was aborted within this */
#define ABORT_WAIT_MS 5000
#define SIGKILL_BIT (1ull << (9 - 1))

/* What /proc says of a process: whether a thread of it still runs, and
 * whether SIGKILL is pending for it (kill -9), or for one of its threads
 * (the process exits). */
typedef struct proc_state {
	int running, killed;
} proc_state;

/* One thread's status file into *st. */
static void task_state(proc_state *st, const char *path)
{
	char line[256], state = 'X';
	unsigned long long mask;
	FILE *f = fopen(path, "re");

	if (!f)
		return; /* the thread is gone */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "State: %c", &state) == 1)
			continue;
		if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
		     sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
		    (mask & SIGKILL_BIT))
			st->killed = 1;
	}
	fclose(f);
	if (state != 'Z' && state != 'X')
		st->running = 1;
}

static proc_state state_of(long pid)
{
	proc_state st = { 0, 0 };
	char path[64 + NAME_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if (!(dir = opendir(path)))
		return st;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/status", pid, d->d_name);
		task_state(&st, path);
	}
	closedir(dir);
	return st;
}

/* 1 if pid is gone within ms (no thread of it runs: it let go of its
 * files, and so of its locks), else 0. */
static int gone_within(long pid, int ms)
{
	struct timespec nap = { 0, 20 * 1000000 };
	int waited;

	for (waited = 0; state_of(pid).running; waited += 20) {
		if (waited >= ms)
			return 0;
		nanosleep(&nap, NULL);
	}
	return 1;
}

/* The connection of a /dev/fuse descriptor, as its fdinfo names it
 * (recent kernels say "fuse_connection"), into *out: 1, or 0. */
static int fdinfo_conn(const char *fdinfo, unsigned long *out)
{
	char line[128];
	FILE *f = fopen(fdinfo, "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "fuse_connection: %lu", out) == 1;
	fclose(f);
	return found;
}

/* Whether some thread of pid still has /dev/fuse open -- only then can
 * aborting a connection free it (a thread that exited has no files, and
 * the leader may be one) -- and which connection that is, when the kernel
 * says: 2 with *out set, 1 (open, the kernel does not say which), or 0. */
static int fuse_conn_of(long pid, unsigned long *out)
{
	char path[96 + 2 * NAME_MAX], target[32];
	struct dirent *t, *fd;
	DIR *tasks, *fds;
	ssize_t n;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if (!(tasks = opendir(path)))
		return 0;
	while (found < 2 && (t = readdir(tasks))) {
		if (t->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/fd", pid, t->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (found < 2 && (fd = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%ld/task/%s/fd/%s", pid, t->d_name,
				 fd->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n != 9 || memcmp(target, "/dev/fuse", 9) != 0)
				continue;
			found = 1;
			snprintf(path, sizeof(path), "/proc/%ld/task/%s/fdinfo/%s", pid, t->d_name,
				 fd->d_name);
			if (fdinfo_conn(path, out))
				found = 2;
		}
		closedir(fds);
	}
	closedir(tasks);
	return found;
}

/* fusectl on its usual directory, mounted if it is not. */
static int fusectl_ready(lay_err *err)
{
	struct statfs sfs;

	if (statfs(FUSECTL, &sfs) == 0 && (unsigned long)sfs.f_type == FUSECTL_MAGIC)
		return 0;
	if (mount("fusectl", FUSECTL, "fusectl", 0, NULL) < 0)
		return lay_err_set(err, -errno, "cannot mount fusectl on %s: %s", FUSECTL,
				   strerror(errno));
	return 0;
}

static int abort_conn(unsigned long conn, lay_err *err)
{
	char path[96];
	FILE *f;
	int rc;

	if ((rc = fusectl_ready(err)) < 0)
		return rc;
	snprintf(path, sizeof(path), FUSECTL "/%lu/abort", conn);
	if (!(f = fopen(path, "we")))
		return lay_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	fputs("1\n", f);
	if (fclose(f) != 0)
		return lay_err_set(err, -errno, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

int fs_held_free(const char *prog, const char *data_dir, lay_err *err)
{
	lay_err why = { 0, "" };
	unsigned long conn = 0;
	fs_mnt_note note;
	proc_state st;
	long pid;
	int rc;

	if (eng_db_lock_holder(&pid, data_dir) < 0 || pid <= 0 || pid == (long)getpid())
		return 0;
	st = state_of(pid);
	if (!st.running || !st.killed)
		return 0; /* alive, stopped, or gone: not ours to touch */
	if (gone_within(pid, GRACE_MS))
		return 0;
	/* its connection: the one its /dev/fuse is, if the kernel says, else
	 * the one it noted in data_dir once mounted (a note of another pid
	 * is a daemon's before it) */
	switch (fuse_conn_of(pid, &conn)) {
	case 2:
		break;
	case 1:
		if (fs_mnt_note_read(&note, data_dir) == 0 && note.pid == pid) {
			conn = note.conn;
			break;
		}
		/* fall through */
	default:
		return lay_err_set(err, -EBUSY,
				   "DATA_DIR %s is held by pid %ld, which was killed but does "
				   "not finish dying, and no FUSE connection of its is known",
				   data_dir, pid);
	}
	if ((rc = abort_conn(conn, &why)) < 0)
		return lay_err_set(err, rc,
				   "DATA_DIR %s is held by pid %ld, which was killed but the "
				   "kernel holds: %s; as root: echo 1 > %s/%lu/abort",
				   data_dir, pid, why.msg, FUSECTL, conn);
	if (!gone_within(pid, ABORT_WAIT_MS))
		return lay_err_set(err, -EBUSY,
				   "DATA_DIR %s is held by pid %ld, which was killed and is still "
				   "there after its FUSE connection (%lu) was aborted",
				   data_dir, pid, conn);
	fprintf(stderr,
		"%s: freed a killed ddbfs (pid %ld) the kernel held: aborted its FUSE "
		"connection (%s/%lu)\n",
		prog, pid, FUSECTL, conn);
	return 1;
}
