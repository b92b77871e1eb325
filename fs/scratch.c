/* Scratch space (SPEC §6): ordinary POSIX files, directories and symlinks,
 * stored under DATA_DIR/scratch in a tree that mirrors the mount's (a
 * scratch file in partition alice of table Orders is
 * DATA_DIR/scratch/Orders/alice/notes.txt), so they survive unmount and
 * crashes and behave as the host filesystem's files do. Files written whole
 * (rename(item, scratch)) are staged in DATA_DIR/scratch.stage first. */
#include "errlog.h"
#include "inode.h"
#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int root_fd = -1, stage_fd = -1;
static uint64_t stage_seq;

/* Files staged by a daemon that died before renaming them into place: the
 * content they held is still where it came from (the row is deleted only
 * after the rename). */
static void stage_clear(void)
{
	struct dirent *de;
	DIR *d;
	int fd = fcntl(stage_fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(stage_fd, de->d_name, 0);
	closedir(d);
}

int fs_scratch_open(const char *data_dir, lay_err *err)
{
	lay_buf path = LAY_BUF_INIT;
	int rc = 0;

	lay_buf_adds(&path, data_dir);
	lay_buf_adds(&path, "/scratch");
	if ((mkdir(path.p, 0755) < 0 && errno != EEXIST) ||
	    (root_fd = open(path.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = lay_err_set(err, -errno, "scratch space %s: %s", path.p, strerror(errno));
		goto out;
	}
	lay_buf_adds(&path, ".stage");
	if ((mkdir(path.p, 0700) < 0 && errno != EEXIST) ||
	    (stage_fd = open(path.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = lay_err_set(err, -errno, "scratch space %s: %s", path.p, strerror(errno));
		goto out;
	}
	stage_clear();
out:
	lay_buf_free(&path);
	return rc;
}

void fs_scratch_close(void)
{
	if (root_fd >= 0)
		close(root_fd);
	if (stage_fd >= 0)
		close(stage_fd);
	root_fd = stage_fd = -1;
}

int fs_scratch_path_locked(lay_buf *out, const fs_node *dir, const char *child)
{
	int rc = fs_node_path_locked(out, dir, child);

	if (rc == 0 && !out->len)
		rc = lay_buf_addc(out, '.');
	return rc;
}

int fs_scratch_path(lay_buf *out, const fs_node *dir, const char *child)
{
	int rc;

	pthread_mutex_lock(&fs.lock);
	rc = fs_scratch_path_locked(out, dir, child);
	pthread_mutex_unlock(&fs.lock);
	return rc;
}

int fs_scratch_mkparents(const fs_node *dir)
{
	lay_buf path = LAY_BUF_INIT;
	char *slash;
	int rc;

	if ((rc = fs_scratch_path(&path, dir, NULL)) < 0)
		goto out;
	if (mkdirat(root_fd, path.p, 0755) == 0 || errno == EEXIST)
		goto out;
	/* make each level: a table, then a partition, then what is below */
	for (slash = strchr(path.p, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdirat(root_fd, path.p, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		if (!slash)
			break;
		*slash = '/';
	}
out:
	lay_buf_free(&path);
	return rc;
}

int fs_scratch_lstat(const fs_node *dir, const char *child, struct stat *st)
{
	lay_buf path = LAY_BUF_INIT;
	int rc;

	if ((rc = fs_scratch_path(&path, dir, child)) == 0 &&
	    fstatat(root_fd, path.p, st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = -errno;
	lay_buf_free(&path);
	if (rc == 0)
		st->st_ino = fs_ino_scratch(st->st_ino);
	return rc;
}

int fs_scratch_sfd(fs_node *n)
{
	int fd;

	/* a copy: the last release closes n->sfd, maybe on another thread */
	pthread_mutex_lock(&fs.lock);
	fd = n->sfd >= 0 ? fcntl(n->sfd, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&fs.lock);
	return fd;
}

int fs_scratch_attr(fs_node *n, struct stat *st)
{
	int fd, rc;

	if ((fd = fs_scratch_sfd(n)) >= 0) {
		/* an open file, maybe unlinked: the file itself answers */
		rc = fstat(fd, st) < 0 ? -errno : 0;
		close(fd);
		if (rc == 0)
			st->st_ino = fs_ino_scratch(st->st_ino);
		return rc;
	}
	pthread_mutex_lock(&fs.lock); /* a rename may move it meanwhile */
	rc = n->parent ? 0 : -ENOENT;
	pthread_mutex_unlock(&fs.lock);
	return rc < 0 ? rc : fs_scratch_lstat(n, NULL, st);
}

int fs_scratch_list(const fs_node *dir, fs_scratch_entry_fn fn, void *arg)
{
	lay_buf path = LAY_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int fd, rc;

	if ((rc = fs_scratch_path(&path, dir, NULL)) < 0)
		goto out;
	if ((fd = openat(root_fd, path.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
		goto out;
	}
	if (!(d = fdopendir(fd))) {
		rc = -errno;
		close(fd);
		goto out;
	}
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		st.st_ino = fs_ino_scratch(st.st_ino);
		rc = fn(arg, de->d_name, &st);
	}
	closedir(d);
out:
	lay_buf_free(&path);
	return rc;
}

static int count_one(void *arg, const char *name, const struct stat *st)
{
	(void)name;
	(void)st;
	*(int *)arg = 1;
	return 1; /* one is enough */
}

int fs_scratch_nonempty(const fs_node *dir)
{
	int any = 0;

	fs_scratch_list(dir, count_one, &any);
	return any;
}

int fs_scratch_put(const fs_node *dir, const char *name, const char *p, size_t len,
		   const eng_meta *meta, int noreplace)
{
	struct timespec ts[2];
	lay_buf path = LAY_BUF_INIT;
	char stage[64];
	size_t done = 0;
	ssize_t got;
	int fd, rc;

	if ((rc = fs_scratch_mkparents(dir)) < 0 || (rc = fs_scratch_path(&path, dir, name)) < 0)
		goto out;
	snprintf(stage, sizeof(stage), "%d.%llu", (int)getpid(),
		 (unsigned long long)__atomic_add_fetch(&stage_seq, 1, __ATOMIC_RELAXED));
	fd = openat(stage_fd, stage, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (rc == 0 && done < len) {
		if ((got = write(fd, p + done, len - done)) < 0)
			rc = -errno;
		else
			done += (size_t)got;
	}
	ts[0].tv_sec = ts[1].tv_sec = meta->mtime_ns / 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = meta->mtime_ns % 1000000000;
	/* on disk before it replaces anything: the row it copies may be
	 * deleted once it is in place */
	if (rc == 0 && (fchown(fd, meta->uid, meta->gid) < 0 ||
			fchmod(fd, meta->mode & 07777) < 0 || futimens(fd, ts) < 0 || fsync(fd) < 0))
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 &&
	    renameat2(stage_fd, stage, root_fd, path.p, noreplace ? RENAME_NOREPLACE : 0) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(stage_fd, stage, 0);
out:
	lay_buf_free(&path);
	return rc;
}

int fs_scratch_read(const fs_node *dir, const char *name, size_t max, lay_buf *out,
		    struct stat *st)
{
	lay_buf path = LAY_BUF_INIT;
	ssize_t got;
	int fd, rc;

	if ((rc = fs_scratch_path(&path, dir, name)) < 0)
		goto out;
	if ((fd = openat(root_fd, path.p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		rc = errno == ELOOP ? -EINVAL : -errno;
		goto out;
	}
	if (fstat(fd, st) < 0)
		rc = -errno;
	else if (S_ISDIR(st->st_mode))
		rc = -EISDIR;
	else if (!S_ISREG(st->st_mode))
		rc = -EINVAL;
	else if ((size_t)st->st_size > max)
		rc = -EFBIG;
	while (rc == 0) {
		if (lay_buf_grow(out, 65536) < 0) {
			rc = -ENOMEM;
			break;
		}
		got = read(fd, out->p + out->len, 65536);
		if (got < 0)
			rc = -errno;
		else if (got == 0)
			break;
		else
			out->len += (size_t)got;
		if (out->len > max)
			rc = -EFBIG;
	}
	if (out->p)
		out->p[out->len] = '\0';
	close(fd);
	st->st_ino = fs_ino_scratch(st->st_ino);
out:
	lay_buf_free(&path);
	return rc;
}

int fs_scratch_table_replaceable(const char *name)
{
	/* an empty directory goes; a missing one is fine */
	if (unlinkat(root_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	return errno == EEXIST ? -ENOTEMPTY : -errno;
}

void fs_scratch_rename_table(const char *from, const char *to)
{
	if (renameat(root_fd, from, root_fd, to) < 0 && errno != ENOENT)
		fs_log("moving the scratch files of table %s to %s: %s", from, to,
		       strerror(errno));
}

/* The real file descriptor of the scratch root, for the operations in
 * file.c and ops.c that work on paths below it. */
int fs_scratch_root(void)
{
	return root_fd;
}

/* dir's real directory, if dir is a table or partition, goes once empty:
 * a partition holding nothing is not kept past the mount by it. */
void fs_scratch_tidy(fs_node *dir)
{
	lay_buf path = LAY_BUF_INIT;

	if ((dir->kind == FS_TABLE || dir->kind == FS_PART) &&
	    fs_scratch_path(&path, dir, NULL) == 0)
		unlinkat(fs_scratch_root(), path.p, AT_REMOVEDIR); /* ENOTEMPTY is fine */
	lay_buf_free(&path);
}
