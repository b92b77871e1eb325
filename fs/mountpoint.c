/* The mount point before and after mounting (SPEC §1, §17). A FUSE mount
 * whose daemon died stays in the mount table; a stat of it may even succeed
 * from the kernel's cache. So a mount point is judged by what
 * /proc/self/mountinfo says is mounted there and by asking that mount for
 * statfs, which always reaches the daemon: a dead connection answers
 * ENOTCONN at once, a live daemon answers with its figures. */
#include "mountpoint.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* how long a mount may take to answer statfs before it counts as hung */
#define PROBE_MS 3000
/* mounts stacked on one path that one mount will clear */
#define MAX_STACK 16

typedef struct mnt_entry {
	int id, parent;
	unsigned major, minor; /* the device of the mount's superblock */
	char fstype[64];
} mnt_entry;

/* mountinfo writes space, tab, newline and backslash as \ooo; undo it in
 * place. */
static void unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/* The mounts on path, in mount table order, into out (at most max). Returns
 * how many there are, or a negative errno. */
static int scan(const char *path, mnt_entry *out, int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *field[6], *tok, *fstype = NULL;
		int i = 0;

		while (i < 6 && (tok = strtok_r(i ? NULL : line, " \n", &save)))
			field[i++] = tok;
		if (i < 6)
			continue;
		/* optional fields end with "-"; the file system type follows */
		while ((tok = strtok_r(NULL, " \n", &save)) && strcmp(tok, "-") != 0)
			;
		if (tok)
			fstype = strtok_r(NULL, " \n", &save);
		unescape(field[4]);
		if (!fstype || strcmp(field[4], path) != 0 || n >= max)
			continue;
		out[n].id = atoi(field[0]);
		out[n].parent = atoi(field[1]);
		if (sscanf(field[2], "%u:%u", &out[n].major, &out[n].minor) != 2)
			out[n].major = out[n].minor = 0;
		snprintf(out[n].fstype, sizeof(out[n].fstype), "%s", fstype);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* The topmost of the mounts on path (the one no other there is mounted on)
 * into *top. Returns 1, 0 when nothing is mounted there, or a negative
 * errno. */
static int top_mount(const char *path, mnt_entry *top)
{
	mnt_entry e[MAX_STACK * 2];
	int n = scan(path, e, MAX_STACK * 2), i, j;

	if (n <= 0)
		return n;
	for (i = n - 1; i >= 0; i--) {
		for (j = 0; j < n && e[j].parent != e[i].id; j++)
			;
		if (j == n) {
			*top = e[i];
			return 1;
		}
	}
	*top = e[n - 1];
	return 1;
}

static int is_fuse(const char *fstype)
{
	return strncmp(fstype, "fuse", 4) == 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Ask the mount on mnt for statfs from a child: a connection nobody serves
 * (its device still held open somewhere) may never answer, and a child can
 * be killed. Returns 0 (it answered), -ETIMEDOUT, or the errno statfs
 * failed with (-ENOTCONN: the daemon is gone). */
static int probe(const char *mnt)
{
	struct timespec t0;
	struct statfs sfs;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(statfs(mnt, &sfs) < 0 ? (errno > 0 && errno < 256 ? errno : EIO) : 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (ms_since(&t0) >= PROBE_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

/* Detach the mount on mnt even while busy (a process may have its working
 * directory in it): umount2 for root, fusermount3 -uz for the user who
 * mounted it. Returns 0 or the negative errno of umount2. */
static int detach(const char *mnt)
{
	int e, status;
	pid_t pid;

	if (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	e = errno;
	pid = fork();
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-uz", "--", mnt, (char *)NULL);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		return 0;
	return -e;
}

int fs_mnt_resolve(char *out, size_t size, const char *path, lay_err *err)
{
	char buf[PATH_MAX], dir[PATH_MAX], *slash, *name;
	size_t len;
	int e;

	if (size < PATH_MAX)
		return lay_err_set(err, -EINVAL, "mount point buffer too small");
	if (realpath(path, out))
		return 0;
	e = errno;
	len = strlen(path);
	if ((e != ENOTCONN && e != ECONNABORTED) || len >= sizeof(buf))
		return lay_err_set(err, -e, "mount point %s: %s", path, strerror(e));
	/* the root of a dead mount: its directory resolves, its name stays */
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	} else {
		name = buf;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    !realpath(slash ? (*buf ? buf : "/") : ".", dir))
		return lay_err_set(err, -e, "mount point %s: %s", path, strerror(e));
	if ((size_t)snprintf(out, size, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name) >= size)
		return lay_err_set(err, -ENAMETOOLONG, "mount point %s: %s", path,
				   strerror(ENAMETOOLONG));
	return 0;
}

int fs_mnt_prepare(const char *mnt, lay_err *err)
{
	mnt_entry top;
	int tries, rc, last = -1;

	for (tries = 0; tries < MAX_STACK; tries++) {
		rc = top_mount(mnt, &top);
		if (rc < 0)
			return lay_err_set(err, rc, "cannot read /proc/self/mountinfo: %s",
					   strerror(-rc));
		/* nothing there, or not FUSE: mounting on it is the kernel's affair */
		if (rc == 0 || !is_fuse(top.fstype))
			return 0;
		if (top.id == last)
			return lay_err_set(err, -EBUSY,
					   "cannot clear the dead mount on %s (its owner can: "
					   "fusermount3 -uz %s)",
					   mnt, mnt);
		rc = probe(mnt);
		if (rc == 0)
			return lay_err_set(err, -EBUSY,
					   "%s is already mounted (%s, its daemon is running); "
					   "unmount it first: fusermount3 -u %s",
					   mnt, top.fstype, mnt);
		if (rc == -ETIMEDOUT)
			return lay_err_set(err, -EBUSY,
					   "the %s mount on %s does not answer; if its daemon is "
					   "gone, clear it with: fusermount3 -uz %s",
					   top.fstype, mnt, mnt);
		if (rc != -ENOTCONN && rc != -ECONNABORTED)
			return lay_err_set(err, -EBUSY, "the %s mount on %s cannot be checked: %s",
					   top.fstype, mnt, strerror(-rc));
		/* its daemon is gone: nothing can use it any more */
		if ((rc = detach(mnt)) < 0)
			return lay_err_set(err, rc, "cannot clear the dead mount on %s: %s", mnt,
					   strerror(-rc));
		last = top.id;
	}
	return lay_err_set(err, -EBUSY, "%s has more than %d dead mounts stacked", mnt, MAX_STACK);
}

static int note_path(char *out, size_t size, const char *data_dir, const char *suffix)
{
	if ((size_t)snprintf(out, size, "%s/ddbfs.mountpoint%s", data_dir, suffix) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int fs_mnt_record(const char *data_dir, const char *mnt)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	mnt_entry top = { 0 };
	FILE *f;
	int rc;

	if ((rc = note_path(path, sizeof(path), data_dir, "")) < 0 ||
	    (rc = note_path(tmp, sizeof(tmp), data_dir, ".tmp")) < 0)
		return rc;
	/* our mount is the top one there: mounts never stack (fs_mnt_prepare) */
	if ((rc = top_mount(mnt, &top)) <= 0 || !is_fuse(top.fstype))
		return rc < 0 ? rc : -ENOENT;
	/* a reader sees the old note or the new one, never half of it */
	if (!(f = fopen(tmp, "we")))
		return -errno;
	fprintf(f, "%ld %u:%u %s\n", (long)getpid(), top.major, top.minor, mnt);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

void fs_mnt_unrecord(const char *data_dir)
{
	char path[PATH_MAX + 32];

	if (note_path(path, sizeof(path), data_dir, "") == 0)
		unlink(path);
}

int fs_mnt_note_read(fs_mnt_note *out, const char *data_dir)
{
	char path[PATH_MAX + 32], text[PATH_MAX + 64];
	unsigned major, minor;
	FILE *f;
	size_t len;
	int at = -1;

	memset(out, 0, sizeof(*out));
	if (note_path(path, sizeof(path), data_dir, "") < 0)
		return -ENAMETOOLONG;
	if (!(f = fopen(path, "re")))
		return -errno;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	if (len == 0 || text[len - 1] != '\n')
		return -ENOENT; /* being replaced, or never finished */
	text[len - 1] = '\0';
	if (sscanf(text, "%ld %u:%u %n", &out->pid, &major, &minor, &at) != 3 || at < 0 ||
	    text[at] != '/' || strlen(text + at) >= sizeof(out->mnt))
		return -ENOENT;
	/* the name fusectl gives the connection: the kernel's dev_t */
	out->conn = (unsigned long)major << 20 | minor;
	strcpy(out->mnt, text + at);
	return 0;
}

int fs_mnt_holder_live(const char *data_dir, char **mnt_out)
{
	mnt_entry e[MAX_STACK * 2];
	fs_mnt_note note;
	int i, n;

	if (fs_mnt_note_read(&note, data_dir) < 0)
		return 0;
	n = scan(note.mnt, e, MAX_STACK * 2);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].fstype, "fuse.ddbfs") == 0) {
			*mnt_out = strdup(note.mnt);
			return 1;
		}
	}
	return 0;
}
