/* setattr (SPEC §3, §6): the root's times live for the mount, generated
 * entries are read-only, scratch objects change their real file, engine
 * objects change their metadata (a written item's at its commit). */
#include "setattr.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file.h"
#include "inode.h"
#include "kind.h"
#include "lookup.h"
#include "node.h"
#include "scratch.h"

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct timespec ts_of(int set, int now, const struct timespec *t)
{
	struct timespec ts = { 0, UTIME_OMIT };

	if (now)
		ts.tv_nsec = UTIME_NOW;
	else if (set)
		ts = *t;
	return ts;
}

/* setattr of a scratch object: on the real file, through the open file if
 * there is one (it may be unlinked), else by path. */
static int scratch_setattr(fs_node *n, fs_fh *fh, const struct stat *attr, int to_set)
{
	lay_buf path = LAY_BUF_INIT;
	struct timespec ts[2];
	int dirfd = fs_scratch_root(), flags = AT_SYMLINK_NOFOLLOW, fd = -1, rc = 0, sfd;
	uid_t uid = to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
	gid_t gid = to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

	sfd = fs_scratch_sfd(n);
	if (sfd >= 0 && (!n->parent || (fh && fh->fd >= 0))) {
		/* the open file itself: a path through /proc reaches it even
		 * once unlinked */
		lay_buf_addf(&path, "/proc/self/fd/%d", fh && fh->fd >= 0 ? fh->fd : sfd);
		dirfd = AT_FDCWD;
		flags = 0;
	} else if ((rc = fs_scratch_path(&path, n, NULL)) < 0) {
		goto out;
	}
	if ((to_set & FUSE_SET_ATTR_MODE) && fchmodat(dirfd, path.p, attr->st_mode & 07777, 0) < 0)
		goto out_errno;
	if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchownat(dirfd, path.p, uid, gid, flags) < 0)
		goto out_errno;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
		      FUSE_SET_ATTR_MTIME_NOW)) {
		ts[0] = ts_of(to_set & FUSE_SET_ATTR_ATIME, to_set & FUSE_SET_ATTR_ATIME_NOW,
			      &attr->st_atim);
		ts[1] = ts_of(to_set & FUSE_SET_ATTR_MTIME, to_set & FUSE_SET_ATTR_MTIME_NOW,
			      &attr->st_mtim);
		if (utimensat(dirfd, path.p, ts, flags) < 0)
			goto out_errno;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (fh && fh->fd >= 0 && fh->writable)
			fd = fh->fd;
		else if ((fd = openat(dirfd, path.p,
				      O_WRONLY | O_CLOEXEC | (flags ? O_NOFOLLOW : 0))) < 0)
			goto out_errno;
		rc = ftruncate(fd, attr->st_size) < 0 ? -errno : 0;
		if (fd != (fh ? fh->fd : -1))
			close(fd);
	}
	goto out;
out_errno:
	rc = -errno;
out:
	if (sfd >= 0)
		close(sfd);
	lay_buf_free(&path);
	return rc;
}

void fs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		   struct fuse_file_info *fi)
{
	fs_node *n = fs_node_of(ino);
	fs_fh *fh = fi ? (fs_fh *)(uintptr_t)fi->fh : NULL;
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));
	eng_meta m = { 0 };
	eng_dirmeta dm = { 0 };
	unsigned which = 0;
	lay_err err = { 0 };
	struct stat st;
	int rc = 0;

	if (n->kind == FS_MAGIC_FILE || n->kind == FS_MAGIC_DIR || n->kind == FS_ROOT) {
		if (n->magic == FS_M_CLOCK && to_set == FUSE_SET_ATTR_SIZE)
			goto reply; /* `echo +60 > clock` truncates first */
		/* generated entries are read-only, their times too (touch) */
		if (n->kind != FS_ROOT ||
		    (to_set & ~(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
				FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME))) {
			fs_fail(req, "setattr", n, NULL, -EROFS,
				&(lay_err){ -EROFS, "generated entries are read-only" });
			return;
		}
		/* the root's times, for the life of the mount (rsync sets them) */
		pthread_mutex_lock(&fs.lock);
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			n->mtime_ns = now;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			n->mtime_ns = ts_ns(&attr->st_mtim);
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			n->atime_ns = now;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			n->atime_ns = ts_ns(&attr->st_atim);
		n->ctime_ns = now;
		pthread_mutex_unlock(&fs.lock);
		goto reply;
	}
	if (n->kind == FS_SCRATCH) {
		if ((rc = scratch_setattr(n, fh, attr, to_set)) < 0) {
			fs_fail(req, "setattr", n, NULL, rc, NULL);
			return;
		}
		goto reply;
	}
	if (to_set & FUSE_SET_ATTR_MODE) {
		m.mode = attr->st_mode & 07777;
		which |= ENG_META_MODE;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		m.uid = attr->st_uid;
		which |= ENG_META_UID;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		m.gid = attr->st_gid;
		which |= ENG_META_GID;
	}
	if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
		m.mtime_ns = now;
		which |= ENG_META_MTIME;
	} else if (to_set & FUSE_SET_ATTR_MTIME) {
		m.mtime_ns = ts_ns(&attr->st_mtim);
		which |= ENG_META_MTIME;
	}
	if (which) {
		m.ctime_ns = now;
		which |= ENG_META_CTIME;
	}

	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (n->kind != FS_ITEM) {
			fs_fail(req, "truncate", n, NULL, -EISDIR, NULL);
			return;
		}
		rc = fs_file_truncate(req, n, fh, attr->st_size, &err);
		if (rc < 0) {
			fs_fail(req, "truncate", n, NULL, rc, &err);
			return;
		}
	}
	if (n->kind == FS_ITEM && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))) {
		pthread_mutex_lock(&fs.lock);
		n->atime_ns = to_set & FUSE_SET_ATTR_ATIME_NOW ? now : ts_ns(&attr->st_atim);
		pthread_mutex_unlock(&fs.lock);
	}
	if (!which)
		goto reply;

	pthread_mutex_lock(&fs.lock);
	if (n->mem) {
		if (which & ENG_META_MODE)
			n->mode = m.mode;
		if (which & ENG_META_UID)
			n->uid = m.uid;
		if (which & ENG_META_GID)
			n->gid = m.gid;
		if (which & ENG_META_MTIME)
			n->mtime_ns = m.mtime_ns;
		n->ctime_ns = now;
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			n->atime_ns = now;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			n->atime_ns = ts_ns(&attr->st_atim);
		if (n->dirty)
			fs_fh_note_meta(n->dirty, &m, which);
		pthread_mutex_unlock(&fs.lock);
		goto reply;
	}
	if (n->kind == FS_ITEM && n->dirty) {
		/* applied with the content at commit, so the commit keeps them */
		fs_fh_note_meta(n->dirty, &m, which);
		pthread_mutex_unlock(&fs.lock);
		goto reply;
	}
	pthread_mutex_unlock(&fs.lock);

	if (n->kind == FS_ITEM) {
		lay_key key;

		fs_node_item_key(n, &key);
		rc = eng_item_set_meta(fs.db, FS_REQ(req), n->table, &key, &m, which, NULL, &err);
	} else {
		dm.mode = m.mode;
		dm.uid = m.uid;
		dm.gid = m.gid;
		dm.mtime_ns = m.mtime_ns;
		dm.ctime_ns = m.ctime_ns;
		if (n->kind == FS_TABLE)
			rc = eng_table_set_dirmeta(fs.db, FS_REQ(req), n->table, &dm, which, &err);
		else
			rc = eng_part_set_meta(fs.db, FS_REQ(req), n->table, &n->pk, &dm, which, &err);
	}
	if (rc < 0) {
		fs_fail(req, "setattr", n, NULL, rc, &err);
		return;
	}
reply:
	if ((rc = fs_kind_getattr(n, &st, &err)) < 0) {
		fs_fail(req, "setattr", n, NULL, rc, &err);
		return;
	}
	fs_writer_view(&st, n, fi);
	fuse_reply_attr(req, &st, n->kind == FS_MAGIC_FILE ? 0 : fs.timeout);
}
