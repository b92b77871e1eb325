/* Directory and metadata operations of the mount (SPEC §2, §3, §6): lookup,
 * getattr/setattr, mkdir/rmdir, unlink, rename, readdir(plus), statfs. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../layout/name.h"
#include "attr.h"
#include "expire.h"
#include "file.h"
#include "hide.h"
#include "name.h"
#include "scratch.h"

void fs_path_of(lay_buf *out, const fs_node *n, const char *child)
{
	lay_buf rel = LAY_BUF_INIT;

	pthread_mutex_lock(&fs.lock);
	fs_node_path_locked(&rel, n, child);
	pthread_mutex_unlock(&fs.lock);
	lay_buf_addc(out, '/');
	if (rel.len)
		lay_buf_add(out, rel.p, rel.len);
	lay_buf_free(&rel);
}

/* Reply with an error, logging it (SPEC §5) unless it is an ordinary miss. */
static void fail(fuse_req_t req, const char *op, fs_node *n, const char *child, int rc,
		 const lay_err *err)
{
	if (!(rc == -ENOENT && strcmp(op, "lookup") == 0)) {
		lay_buf path = LAY_BUF_INIT;

		fs_path_of(&path, n, child);
		fs_errlog_add(req, op, path.p, rc, err && err->code ? err->msg : NULL);
		lay_buf_free(&path);
	}
	fuse_reply_err(req, -rc);
}

/*
 * Find or make the node named name in dir, of kind kind, for the object with
 * key values pk and key (either may be NULL). Needs fs.lock. NULL on ENOMEM.
 * Does not count a lookup.
 */
fs_node *fs_node_get(fs_node *dir, const char *name, fs_kind kind, fs_magic magic,
		     const lay_value *pk, const lay_value *key, int has_sk)
{
	fs_node *n = fs_node_find(fs_ino_of(dir), name);

	if (n) {
		if (n->kind == kind) {
			if (kind == FS_TABLE)
				n->has_sk = has_sk; /* the schema may have changed */
			return n;
		}
		fs_node_unhash(n); /* a stale name: its object changed kind */
		fs_node_maybe_free(n);
	}
	n = fs_node_new(dir, name, kind);
	if (!n)
		return NULL;
	n->magic = magic;
	if (kind == FS_TABLE) {
		n->table = strdup(name);
		n->has_sk = has_sk;
	} else if (kind == FS_PART || kind == FS_ITEM) {
		n->has_sk = has_sk;
		if (fs_node_set_key(n, (kind == FS_PART || has_sk) && pk && pk->type ? pk : NULL,
				    kind == FS_ITEM && key && key->type ? key : NULL) < 0) {
			fs_node_unhash(n);
			fs_node_maybe_free(n);
			return NULL;
		}
	} else if (kind == FS_MAGIC_FILE || kind == FS_MAGIC_DIR) {
		n->mode = 0444;
		n->ino = FS_MAGIC_INO + (uint64_t)magic;
		n->mtime_ns = n->ctime_ns = fs.root->mtime_ns; /* the mount's time */
	}
	return n;
}

static fs_node *node_for(fs_node *dir, const char *name, const fs_target *t)
{
	return fs_node_get(dir, name, t->kind, t->magic, &t->pk, &t->key, t->ti.schema.sk[0] != 0);
}

fs_node *fs_part_from_scratch(fs_node *dir, const char *name, const fs_target *t,
			      const struct stat *st)
{
	fs_node *n;

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(fs_ino_of(dir), name);
	if (!n || !n->mem) {
		n = node_for(dir, name, t);
		if (n && !n->mem) {
			n->mode = st->st_mode & 07777;
			n->uid = st->st_uid;
			n->gid = st->st_gid;
			n->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
			n->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
			n->atime_ns = n->mtime_ns;
			if (!n->ino)
				n->ino = fs_attr_new_ino();
			fs_node_mem_link(dir, n);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	return n;
}

/* A name in dir was made, removed or renamed: its mtime and ctime are now
 * (a scratch directory's are the real directory's own). */
void fs_dir_changed(fs_node *dir)
{
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));
	eng_dirmeta dm = { .mtime_ns = now, .ctime_ns = now };

	switch (dir->kind) {
	case FS_TABLE:
		eng_table_set_dirmeta(fs.db, NULL, dir->table, &dm, ENG_META_MTIME | ENG_META_CTIME,
				      NULL);
		break;
	case FS_PART:
		pthread_mutex_lock(&fs.lock);
		if (dir->mem)
			dir->mtime_ns = dir->ctime_ns = now;
		pthread_mutex_unlock(&fs.lock);
		if (!dir->mem && dir->pk.type)
			eng_part_set_meta(fs.db, NULL, dir->table, &dir->pk, &dm,
					  ENG_META_MTIME | ENG_META_CTIME, NULL);
		break;
	default:
		break;
	}
}

/* dir's real directory, if dir is a table or partition, goes once empty:
 * a partition holding nothing is not kept past the mount by it. */
static void scratch_tidy(fs_node *dir)
{
	lay_buf path = LAY_BUF_INIT;

	if ((dir->kind == FS_TABLE || dir->kind == FS_PART) &&
	    fs_scratch_path(&path, dir, NULL) == 0)
		unlinkat(fs_scratch_root(), path.p, AT_REMOVEDIR); /* ENOTEMPTY is fine */
	lay_buf_free(&path);
}

/* Resolve name in dir to an existing object and its attributes; *timeout
 * gets how long the kernel may keep them. */
static int find_child(fs_node *dir, const char *name, fs_node **out, struct stat *st,
		      double *timeout, lay_err *err)
{
	fs_target t;
	fs_node *n;
	lay_key key;
	eng_meta meta;
	eng_dirmeta dm;
	int rc;

	*timeout = fs.timeout;
	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(fs_ino_of(dir), name);
	if (n && (n->mem || n->kind == FS_MAGIC_DIR || n->kind == FS_MAGIC_FILE)) {
		n->nlookup++;
		pthread_mutex_unlock(&fs.lock);
		if (n->kind == FS_ITEM && n->mem) {
			fs_file_settle(NULL, n);
			if (!n->mem) {
				/* committed just now: look it up as an item */
				pthread_mutex_lock(&fs.lock);
				n->nlookup--;
				pthread_mutex_unlock(&fs.lock);
				goto engine;
			}
		}
		if ((rc = fs_attr_node(n, st, err)) < 0) {
			pthread_mutex_lock(&fs.lock);
			n->nlookup--;
			pthread_mutex_unlock(&fs.lock);
			return rc;
		}
		*out = n;
		return 0;
	}
	pthread_mutex_unlock(&fs.lock);
engine:
	if ((rc = fs_name_resolve(&t, dir, name, 1, err)) < 0)
		goto out;
	switch (t.kind) {
	case FS_TABLE:
		rc = eng_table_get(fs.db, NULL, name, &t.ti, err);
		if (rc == 0)
			fs_attr_dir(st, &t.ti.dir);
		break;
	case FS_MAGIC_DIR:
		pthread_mutex_lock(&fs.lock);
		fs.ddbfs_dir->nlookup++;
		pthread_mutex_unlock(&fs.lock);
		*out = fs.ddbfs_dir;
		rc = fs_attr_node(fs.ddbfs_dir, st, err);
		goto out;
	case FS_PART:
		rc = t.pk.type ? eng_part_get(fs.db, NULL, dir->table, &t.pk, &dm, err) : -ENOENT;
		if (rc == 0) {
			fs_attr_dir(st, &dm);
		} else if (rc == -ENOENT && fs_scratch_lstat(dir, name, st) == 0 &&
			   S_ISDIR(st->st_mode)) {
			/* it holds only scratch files */
			if (!(n = fs_part_from_scratch(dir, name, &t, st))) {
				rc = -ENOMEM;
				goto out;
			}
			pthread_mutex_lock(&fs.lock);
			n->nlookup++;
			pthread_mutex_unlock(&fs.lock);
			*out = n;
			rc = fs_attr_node(n, st, err);
			goto out;
		}
		break;
	case FS_SCRATCH:
		rc = fs_scratch_lstat(dir, name, st);
		break;
	case FS_ITEM:
		fs_target_key(&t, &key);
		rc = fs_is_hidden(dir->table, &key) ? -ENOENT : 0;
		if (rc == 0)
			rc = eng_item_get(fs.db, NULL, dir->table, &key, NULL, &meta, err);
		if (rc == 0) {
			fs_attr_item(st, &meta);
			*timeout = fs_expire_timeout(&meta);
		}
		break;
	case FS_MAGIC_FILE:
		if (!fs.show_magic && t.magic == FS_M_SNAPSHOTS) {
			rc = -ENOENT; /* backups arrive with their own issue */
			break;
		}
		rc = 0;
		break;
	default:
		rc = -ENOENT;
		break;
	}
	if (rc < 0)
		goto out;
	pthread_mutex_lock(&fs.lock);
	n = node_for(dir, name, &t);
	if (n)
		n->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	if (!n) {
		rc = -ENOMEM;
		goto out;
	}
	if (t.kind == FS_ITEM)
		fs_attr_remember(n, st);
	if (t.kind == FS_MAGIC_FILE && (rc = fs_attr_node(n, st, err)) < 0) {
		pthread_mutex_lock(&fs.lock);
		n->nlookup--;
		pthread_mutex_unlock(&fs.lock);
		goto out;
	}
	*out = n;
out:
	fs_target_free(&t);
	return rc;
}

static void entry_of(struct fuse_entry_param *e, fs_node *n, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = fs_ino_of(n);
	e->attr = *st;
	e->attr_timeout = n->kind == FS_MAGIC_FILE ? 0 : fs.timeout;
	e->entry_timeout = fs.timeout;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n = NULL;
	struct fuse_entry_param e;
	struct stat st;
	lay_err err = { 0 };
	double timeout;
	int rc;

	rc = find_child(dir, name, &n, &st, &timeout, &err);
	if (rc == -ENOENT || rc == -EINVAL || rc == -ENOTDIR) {
		/* a negative entry, cached like a positive one */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fs.timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc < 0) {
		fail(req, "lookup", dir, name, rc, &err);
		return;
	}
	entry_of(&e, n, &st);
	if (e.attr_timeout > timeout)
		e.attr_timeout = timeout;
	e.entry_timeout = timeout;
	fuse_reply_entry(req, &e);
}

static void op_forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	fs_node *n = fs_node_of(ino);

	pthread_mutex_lock(&fs.lock);
	n->nlookup = n->nlookup > nlookup ? n->nlookup - nlookup : 0;
	fs_node_maybe_free(n);
	pthread_mutex_unlock(&fs.lock);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	op_forget_one(ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		op_forget_one(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/*
 * Everyone sees an item's last commit, except its writer, asking about its
 * own handle (fstat, and the reply to its ftruncate or fchmod): it sees the
 * size of what it wrote, so lseek(SEEK_END) and appends land where it
 * expects.
 */
static void writer_view(struct stat *st, fs_node *n, struct fuse_file_info *fi)
{
	fs_fh *fh = fi ? (fs_fh *)(uintptr_t)fi->fh : NULL;

	if (!fh || n->kind != FS_ITEM || !fh->writable)
		return;
	pthread_mutex_lock(&fh->lock);
	st->st_size = fh->buf.len;
	st->st_blocks = (st->st_size + 511) / 512;
	pthread_mutex_unlock(&fh->lock);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };
	struct stat st;
	int rc;

	if ((rc = fs_attr_node(n, &st, &err)) < 0) {
		fail(req, "getattr", n, NULL, rc, &err);
		return;
	}
	writer_view(&st, n, fi);
	fuse_reply_attr(req, &st, n->kind == FS_MAGIC_FILE ? 0 : fs.timeout);
}

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

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
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
			fail(req, "setattr", n, NULL, -EROFS,
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
			fail(req, "setattr", n, NULL, rc, NULL);
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
			fail(req, "truncate", n, NULL, -EISDIR, NULL);
			return;
		}
		rc = fs_file_truncate(req, n, fh, attr->st_size, &err);
		if (rc < 0) {
			fail(req, "truncate", n, NULL, rc, &err);
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
		rc = eng_item_set_meta(fs.db, NULL, n->table, &key, &m, which, NULL, &err);
	} else {
		dm.mode = m.mode;
		dm.uid = m.uid;
		dm.gid = m.gid;
		dm.mtime_ns = m.mtime_ns;
		dm.ctime_ns = m.ctime_ns;
		if (n->kind == FS_TABLE)
			rc = eng_table_set_dirmeta(fs.db, NULL, n->table, &dm, which, &err);
		else
			rc = eng_part_set_meta(fs.db, NULL, n->table, &n->pk, &dm, which, &err);
	}
	if (rc < 0) {
		fail(req, "setattr", n, NULL, rc, &err);
		return;
	}
reply:
	if ((rc = fs_attr_node(n, &st, &err)) < 0) {
		fail(req, "setattr", n, NULL, rc, &err);
		return;
	}
	writer_view(&st, n, fi);
	fuse_reply_attr(req, &st, n->kind == FS_MAGIC_FILE ? 0 : fs.timeout);
}

/* The new scratch object dir/name (made by root) belongs to the caller;
 * its group is the directory's where the directory is set-group-ID. */
static int scratch_own(fuse_req_t req, fs_node *dir, const char *name, mode_t mode,
		       struct stat *st)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	lay_buf path = LAY_BUF_INIT;
	struct stat dst;
	gid_t gid = ctx->gid;
	int rc;

	if (dir->kind == FS_SCRATCH && fs_scratch_lstat(dir, NULL, &dst) == 0 &&
	    (dst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if ((rc = fs_scratch_path(&path, dir, name)) == 0 &&
	    fchownat(fs_scratch_root(), path.p, ctx->uid, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    geteuid() == 0)
		rc = -errno;
	/* the mode asked for, not the daemon's umask of it; a directory keeps
	 * the set-group-ID bit it inherited */
	if (rc == 0 && mode != (mode_t)-1 &&
	    fstatat(fs_scratch_root(), path.p, &dst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fchmodat(fs_scratch_root(), path.p, (mode & 07777) | (dst.st_mode & S_ISGID), 0) < 0)
		rc = -errno;
	lay_buf_free(&path);
	if (rc == 0)
		rc = fs_scratch_lstat(dir, name, st);
	return rc;
}

/* A scratch node for dir/name, counted as looked up. */
static fs_node *scratch_node(fs_node *dir, const char *name, const fs_target *t)
{
	fs_node *n;

	pthread_mutex_lock(&fs.lock);
	if ((n = node_for(dir, name, t)))
		n->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	return n;
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	fs_node *dir = fs_node_of(parent), *n = NULL;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fuse_entry_param e;
	lay_err err = { 0 };
	fs_target t;
	struct stat st;
	int rc;

	if (dir->kind == FS_MAGIC_DIR || dir->kind == FS_MAGIC_FILE) {
		fail(req, "mkdir", dir, name, -EROFS, NULL);
		return;
	}
	rc = fs_name_resolve(&t, dir, name, 0, &err);
	if (rc == 0 && t.kind == FS_PART && t.hashed) {
		/* a long name: the key is known once an item in it is committed */
		rc =
		    eng_resolve_hash(fs.db, NULL, dir->table, NULL, t.hash, &t.store, &t.key, &err);
		if (rc == 0)
			t.pk = t.key;
		else if (rc == -ENOENT)
			memset(&t.pk, 0, sizeof(t.pk));
		if (rc == 0 || rc == -ENOENT)
			rc = 0;
	}
	if (rc == 0 && t.kind == FS_TABLE) {
		eng_dirmeta dm = { 0 };

		dm.mode = mode & 07777;
		dm.uid = ctx->uid;
		dm.gid = ctx->gid;
		rc = eng_table_create(fs.db, NULL, name, NULL, &dm, &err);
		if (rc == 0)
			rc = eng_table_get(fs.db, NULL, name, &t.ti, &err);
		if (rc == 0) {
			fs_attr_dir(&st, &t.ti.dir);
			pthread_mutex_lock(&fs.lock);
			n = node_for(dir, name, &t);
			if (n)
				n->nlookup++;
			pthread_mutex_unlock(&fs.lock);
			rc = n ? 0 : -ENOMEM;
		}
	} else if (rc == 0 && t.kind == FS_PART) {
		eng_dirmeta dm;

		rc = t.pk.type ? eng_part_get(fs.db, NULL, dir->table, &t.pk, &dm, &err) : -ENOENT;
		if (rc == 0)
			rc = lay_err_set(&err, -EEXIST, "partition exists");
		else if (rc == -ENOENT) {
			pthread_mutex_lock(&fs.lock);
			n = fs_node_find(parent, name);
			if (n && n->mem) {
				rc = -EEXIST;
			} else {
				n = node_for(dir, name, &t);
				rc = n ? 0 : -ENOMEM;
			}
			if (rc == 0) {
				/* lives until it holds an item or the mount ends */
				fs_attr_init_mem(n, req, mode);
				fs_node_mem_link(dir, n);
				n->nlookup++;
				st.st_mode = 0;
			}
			pthread_mutex_unlock(&fs.lock);
			if (rc == 0)
				rc = fs_attr_node(n, &st, &err);
		}
	} else if (rc == 0 && t.kind == FS_SCRATCH) {
		/* where no partition can be: an ordinary directory */
		lay_buf path = LAY_BUF_INIT;

		if ((rc = fs_scratch_mkparents(dir)) == 0 &&
		    (rc = fs_scratch_path(&path, dir, name)) == 0 &&
		    mkdirat(fs_scratch_root(), path.p, mode & 07777) < 0)
			rc = -errno;
		lay_buf_free(&path);
		if (rc == 0)
			rc = scratch_own(req, dir, name, mode, &st);
		if (rc == 0 && !(n = scratch_node(dir, name, &t)))
			rc = -ENOMEM;
		if (rc == 0)
			fs_dir_changed(dir);
	} else if (rc == 0) {
		if (t.kind == FS_MAGIC_FILE)
			rc = lay_err_set(&err, -EEXIST, "%s is a reserved name", name);
		else
			rc = lay_err_set(&err, -EPERM,
					 "%s is the name of an item: a directory cannot have it",
					 name);
	}
	fs_target_free(&t);
	if (rc < 0) {
		fail(req, "mkdir", dir, name, rc, &err);
		return;
	}
	entry_of(&e, n, &st);
	fuse_reply_entry(req, &e);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n;
	lay_err err = { 0 };
	fs_target t;
	int rc;

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(parent, name);
	pthread_mutex_unlock(&fs.lock);
	/* a memory partition needs no key: it may have a long name */
	rc = fs_name_resolve(&t, dir, name, !(n && n->mem && n->kind == FS_PART), &err);
	if (rc == 0 && t.kind == FS_TABLE) {
		if (n && n->mchildren)
			rc = lay_err_set(&err, -ENOTEMPTY, "table %s holds files being written", name);
		else if (unlinkat(fs_scratch_root(), name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			rc = lay_err_set(&err, -errno, "table %s holds scratch files", name);
		if (rc == 0)
			rc = eng_table_delete(fs.db, NULL, name, &err);
	} else if (rc == 0 && t.kind == FS_SCRATCH) {
		lay_buf path = LAY_BUF_INIT;

		if ((rc = fs_scratch_path(&path, dir, name)) == 0 &&
		    unlinkat(fs_scratch_root(), path.p, AT_REMOVEDIR) < 0)
			rc = -errno;
		lay_buf_free(&path);
		if (rc == 0) {
			fs_dir_changed(dir);
			scratch_tidy(dir);
		}
	} else if (rc == 0 && t.kind == FS_PART) {
		if (n && n->mem) {
			rc = n->mchildren ? lay_err_set(&err, -ENOTEMPTY, "partition holds files")
					  : 0;
			if (rc == 0 && fs_scratch_nonempty(n))
				rc = lay_err_set(&err, -ENOTEMPTY, "partition %s holds files", name);
			if (rc == 0)
				scratch_tidy(n);
			if (rc == 0 && n->pk.type &&
			    eng_part_get(fs.db, NULL, dir->table, &n->pk, NULL, NULL) == 0)
				rc =
				    lay_err_set(&err, -ENOTEMPTY, "partition %s holds items", name);
			if (rc == 0) {
				pthread_mutex_lock(&fs.lock);
				fs_node_mem_unlink(n);
				pthread_mutex_unlock(&fs.lock);
			}
		} else {
			eng_dirmeta dm;

			rc = eng_part_get(fs.db, NULL, dir->table, &t.pk, &dm, &err);
			if (rc == 0)
				rc =
				    lay_err_set(&err, -ENOTEMPTY, "partition %s holds items", name);
		}
	} else if (rc == 0 && t.kind == FS_MAGIC_FILE) {
		rc = -EROFS;
	} else if (rc == 0 || rc == -EINVAL) {
		rc = n && n->mem ? -ENOTDIR : -ENOENT;
	}
	fs_target_free(&t);
	if (rc < 0) {
		fail(req, "rmdir", dir, name, rc, &err);
		return;
	}
	pthread_mutex_lock(&fs.lock);
	if (n) {
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}

/* The file a rename replaced: its name goes, and a deferred delete it held
 * happens now (rename(2) unlinks what it replaces). */
static void drop_replaced(fs_node *old)
{
	pthread_mutex_lock(&fs.lock);
	fs_node_mem_unlink(old);
	fs_node_unhash(old);
	pthread_mutex_unlock(&fs.lock);
	fs_hide_drop(old);
	pthread_mutex_lock(&fs.lock);
	fs_node_maybe_free(old);
	pthread_mutex_unlock(&fs.lock);
}

/*
 * A partition whose last item went stays a directory, as a Unix directory
 * outlives its files (rm -r, find -delete and mv rmdir it afterwards): it
 * becomes a memory partition, like one made by mkdir.
 */
static void keep_partition(fuse_req_t req, fs_node *dir)
{
	eng_dirmeta dm;

	if (dir->kind != FS_PART || dir->mem || !dir->pk.type)
		return;
	if (eng_part_get(fs.db, NULL, dir->table, &dir->pk, &dm, NULL) != -ENOENT)
		return;
	pthread_mutex_lock(&fs.lock);
	if (!dir->mem && dir->parent) {
		fs_attr_init_mem(dir, req, 0755);
		fs_node_mem_link(fs_node_of(dir->parent), dir);
	}
	pthread_mutex_unlock(&fs.lock);
}

/* ---- unlink and rename ---- */

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n;
	lay_err err = { 0 };
	fs_target t;
	lay_key key;
	int rc;

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(parent, name);
	if (n && n->mem && n->kind == FS_ITEM) {
		/* created, not yet committed: nothing in the engine */
		fs_node_mem_unlink(n);
		fs_node_unhash(n);
		fs_node_maybe_free(n);
		pthread_mutex_unlock(&fs.lock);
		fuse_reply_err(req, 0);
		return;
	}
	pthread_mutex_unlock(&fs.lock);

	rc = fs_name_resolve(&t, dir, name, 1, &err);
	if (rc == 0 && t.kind == FS_ITEM) {
		fs_target_key(&t, &key);
		rc = fs_is_hidden(dir->table, &key) ? -ENOENT : 0;
		if (rc == 0)
			rc = eng_item_delete(fs.db, NULL, dir->table, &key, NULL, &err);
	} else if (rc == 0 && t.kind == FS_SCRATCH) {
		lay_buf path = LAY_BUF_INIT;

		if ((rc = fs_scratch_path(&path, dir, name)) == 0 &&
		    unlinkat(fs_scratch_root(), path.p, 0) < 0)
			rc = -errno;
		lay_buf_free(&path);
		if (rc == 0) {
			/* the file went: a deferred delete it held happens now */
			if (n)
				fs_hide_drop(n);
			fs_dir_changed(dir);
			scratch_tidy(dir);
		}
	} else if (rc == 0 && (t.kind == FS_MAGIC_FILE || t.kind == FS_MAGIC_DIR)) {
		rc = -EROFS;
	} else if (rc == 0 && (t.kind == FS_PART || t.kind == FS_TABLE)) {
		rc = -EISDIR;
	} else if (rc == 0 || rc == -EINVAL) {
		rc = -ENOENT;
	}
	fs_target_free(&t);
	if (rc < 0) {
		fail(req, "unlink", dir, name, rc, &err);
		return;
	}
	keep_partition(req, dir);
	pthread_mutex_lock(&fs.lock);
	if (n) {
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}

/*
 * An item is about to take the name dir/name (needs fs.lock): a partition
 * made by mkdir now exists in the engine, and the node the name had, if
 * not n, loses it (an item name: it hides nothing).
 */
static void clear_name(fs_node *dir, const char *name, fs_node *n)
{
	fs_node *old;

	if (dir->mem && dir->kind == FS_PART)
		fs_node_mem_unlink(dir);
	old = fs_node_find(fs_ino_of(dir), name);
	if (old && old != n) {
		fs_node_mem_unlink(old);
		fs_node_unhash(old);
		fs_node_maybe_free(old);
	}
}

/* Turn node n (moved by the kernel to dir/name) into an item node for t. */
static int become_item(fs_node *n, fs_node *dir, const char *name, const fs_target *t)
{
	int rc;

	fs_node_mem_unlink(n);
	if ((rc = fs_node_rehash(n, dir, name)) < 0)
		return rc;
	free(n->table);
	n->table = strdup(dir->table);
	n->kind = FS_ITEM;
	n->has_sk = t->ti.schema.sk[0] != 0;
	return fs_node_set_key(n, n->has_sk ? &t->pk : NULL, &t->key);
}

typedef struct held {
	char **names;
	size_t n, cap;
} held;

static int held_one(void *arg, const char *name, const struct stat *st)
{
	held *h = arg;
	char **grown;

	if (!S_ISREG(st->st_mode) || name[0] == '.' || !lay_name_is_item(name, strlen(name)))
		return 0;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		if (!(grown = realloc(h->names, h->cap * sizeof(*grown))))
			return -ENOMEM;
		h->names = grown;
	}
	return (h->names[h->n++] = strdup(name)) ? 0 : -ENOMEM;
}

void fs_hold_release(fuse_req_t req, fs_node *table)
{
	held h = { 0 };
	size_t i;

	fs_scratch_list(table, held_one, &h);
	for (i = 0; i < h.n; i++) {
		const char *name = h.names[i];
		lay_buf path = LAY_BUF_INIT;
		lay_err err = { 0 };
		fs_target t;
		fs_node *s;
		int rc;

		if (!name)
			continue;
		rc = fs_name_resolve(&t, table, name, 0, &err);
		if (rc == 0 && t.kind != FS_ITEM)
			rc = lay_err_set(&err, -EINVAL, "%s is not an item's name here", name);
		pthread_mutex_lock(&fs.lock);
		s = rc == 0 ? fs_node_get(table, name, FS_SCRATCH, FS_M_NONE, NULL, NULL, 0) : NULL;
		if (s)
			s->nlookup++; /* ours while we work */
		pthread_mutex_unlock(&fs.lock);
		if (rc == 0 && !s)
			rc = -ENOMEM;
		if (rc == 0)
			rc = fs_file_put_scratch(s, table, name, &t, 0, &err);
		if (rc == 0 && fs_scratch_path(&path, table, name) == 0)
			unlinkat(fs_scratch_root(), path.p, 0);
		if (s) {
			pthread_mutex_lock(&fs.lock);
			s->nlookup--;
			if (rc == 0)
				fs_node_unhash(s); /* the name is the item's now */
			fs_node_maybe_free(s);
			pthread_mutex_unlock(&fs.lock);
		}
		if (rc == 0) {
			fs_notify_entry(fs_ino_of(table), name);
		} else {
			fs_path_of(&path, table, name);
			fs_errlog_add(req, "setxattr", path.p, rc,
				      err.code ? err.msg : "the held file did not become an item");
		}
		fs_target_free(&t);
		lay_buf_free(&path);
	}
	for (i = 0; i < h.n; i++)
		free(h.names[i]);
	free(h.names);
}

/* Table names retired by renames: requests may still hold them. Freed at
 * unmount (renaming tables is rare). */
static char **retired;
static size_t nretired;

/* After table from became to: every node of it names the new table. */
static void rename_table_nodes(fs_node *t, fs_node *root, const char *from, const char *to)
{
	fs_node *n, *old;
	char **grown;
	size_t i;

	pthread_mutex_lock(&fs.lock);
	old = fs_node_find(fs_ino_of(root), to);
	if (old && old != t) {
		fs_node_unhash(old);
		fs_node_maybe_free(old);
	}
	if (t)
		fs_node_rehash(t, root, to);
	for (i = 0; i < fs.map_size; i++) {
		for (n = fs.map[i]; n; n = n->hnext) {
			char *copy;

			if (!n->table || strcmp(n->table, from) != 0 || !(copy = strdup(to)))
				continue;
			grown = realloc(retired, (nretired + 1) * sizeof(*retired));
			if (!grown) {
				free(copy);
				continue;
			}
			retired = grown;
			retired[nretired++] = n->table;
			n->table = copy;
		}
	}
	pthread_mutex_unlock(&fs.lock);
}

void fs_tables_retired_free(void)
{
	while (nretired)
		free(retired[--nretired]);
	free(retired);
	retired = NULL;
}

/*
 * rename(item, scratch) (SPEC §6): the scratch file gets the item's text
 * and metadata now, the item's name goes at once, its row when the scratch
 * file goes or the mount ends (hide.c). n is the item's node, if any.
 */
static int item_to_scratch(fuse_req_t req, fs_node *dir, const char *name, fs_node *ndir,
			   const char *newname, fs_node *n, const fs_target *st, int noreplace,
			   lay_err *err)
{
	lay_item item = LAY_ITEM_INIT;
	lay_buf text = LAY_BUF_INIT, ddb = LAY_BUF_INIT;
	eng_meta meta;
	fs_node *old;
	lay_key from;
	int rc;

	if (strcmp(dir->table, ndir->table) != 0)
		return lay_err_set(err, -EXDEV, "items move between tables by copy");
	fs_target_key(st, &from);
	if (fs_is_hidden(dir->table, &from))
		return -ENOENT;
	rc = eng_item_get(fs.db, NULL, dir->table, &from, &item, &meta, err);
	if (rc == 0 && (rc = lay_json_render(&text, &item, fs.format)) == 0)
		rc = lay_json_render(&ddb, &item, LAY_FMT_DDB);
	if (rc == 0)
		rc = fs_scratch_put(ndir, newname, text.p, text.len, &meta, noreplace);
	if (rc < 0)
		goto out;
	pthread_mutex_lock(&fs.lock);
	old = fs_node_find(fs_ino_of(ndir), newname);
	if (!n)
		n = fs_node_new(dir, name, FS_ITEM);
	pthread_mutex_unlock(&fs.lock);
	if (old && old != n)
		drop_replaced(old); /* rename(2) unlinked it */
	if (!n) {
		rc = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&fs.lock);
	rc = fs_node_rehash(n, ndir, newname);
	if (rc == 0) {
		fs_node_mem_unlink(n);
		n->kind = FS_SCRATCH;
		n->ino = 0;
	}
	pthread_mutex_unlock(&fs.lock);
	if (rc == 0)
		rc = fs_hide(n, dir->table, &from, &ddb);
	if (rc == 0) {
		fs_notify_inode(fs_ino_of(n)); /* a new file: its number */
		fs_dir_changed(dir);
		if (ndir != dir)
			fs_dir_changed(ndir);
		keep_partition(req, dir);
	}
out:
	lay_item_free(&item);
	lay_buf_free(&text);
	lay_buf_free(&ddb);
	return rc;
}

/* rename(scratch, scratch): the real rename, then the names in the map. */
static int scratch_rename(fs_node *dir, const char *name, fs_node *ndir, const char *newname,
			  fs_node *n, unsigned flags)
{
	lay_buf from = LAY_BUF_INIT, to = LAY_BUF_INIT;
	fs_node *old;
	int rc;

	if ((rc = fs_scratch_mkparents(ndir)) < 0 || (rc = fs_scratch_path(&from, dir, name)) < 0 ||
	    (rc = fs_scratch_path(&to, ndir, newname)) < 0)
		goto out;
	if (renameat2(fs_scratch_root(), from.p, fs_scratch_root(), to.p, flags) < 0) {
		rc = -errno;
		goto out;
	}
	pthread_mutex_lock(&fs.lock);
	old = fs_node_find(fs_ino_of(ndir), newname);
	if (old == n)
		old = NULL;
	if (old && (flags & RENAME_EXCHANGE))
		fs_node_rehash(old, dir, name);
	pthread_mutex_unlock(&fs.lock);
	if (old && !(flags & RENAME_EXCHANGE))
		drop_replaced(old);
	pthread_mutex_lock(&fs.lock);
	if (n && (rc = fs_node_rehash(n, ndir, newname)) == 0) {
		free(n->table);
		n->table = ndir->table ? strdup(ndir->table) : NULL;
	}
	pthread_mutex_unlock(&fs.lock);
	fs_hide_moved();
	fs_dir_changed(dir);
	if (ndir != dir)
		fs_dir_changed(ndir);
	scratch_tidy(dir);
out:
	lay_buf_free(&from);
	lay_buf_free(&to);
	return rc;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	fs_node *dir = fs_node_of(parent), *ndir = fs_node_of(newparent), *n, *old;
	lay_err err = { 0 };
	fs_target st = { 0 }, dt = { 0 };
	struct stat sst;
	lay_key from, to;
	int rc, noreplace = !!(flags & RENAME_NOREPLACE);

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		fail(req, "rename", dir, name, -EINVAL,
		     &(lay_err){ -EINVAL, "only RENAME_NOREPLACE and RENAME_EXCHANGE are supported" });
		return;
	}
	if ((rc = fs_name_resolve(&st, dir, name, 1, &err)) < 0 && rc != -EINVAL)
		goto out;
	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(parent, name);
	if (n && n->mem)
		st.kind = n->kind;
	pthread_mutex_unlock(&fs.lock);
	if (rc < 0 && !(n && n->mem))
		goto out;
	if ((rc = fs_name_resolve(&dt, ndir, newname, 0, &err)) < 0) {
		if (rc == -ENOENT)
			rc = lay_err_set(&err, -EXDEV, "cannot rename into %s", newname);
		goto out;
	}
	if (dt.kind == FS_ITEM && dt.hashed && !(ndir->kind == FS_PART && !ndir->pk.type)) {
		/* a long name: an existing item's, or one the content will give */
		rc = eng_resolve_hash(fs.db, NULL, ndir->table,
				      ndir->kind == FS_PART ? &ndir->pk : NULL, dt.hash, &dt.store,
				      &dt.key, &err);
		if (rc == 0)
			dt.hashed = 0;
		else if (rc != -ENOENT)
			goto out;
		rc = 0;
	}
	if (st.kind == FS_MAGIC_FILE || st.kind == FS_MAGIC_DIR || dt.kind == FS_MAGIC_FILE ||
	    dt.kind == FS_MAGIC_DIR) {
		rc = lay_err_set(&err, -EROFS, "generated entries cannot be renamed");
		goto out;
	}
	if (st.kind == FS_SCRATCH && dt.kind == FS_PART && fs_scratch_lstat(dir, name, &sst) == 0 &&
	    !S_ISDIR(sst.st_mode)) {
		/* a file may take a partition's name: it is a scratch file */
		dt.kind = FS_SCRATCH;
	}
	if (n && n->wopen && ((st.kind == FS_ITEM && dt.kind == FS_SCRATCH) ||
			      (st.kind == FS_SCRATCH && dt.kind == FS_ITEM))) {
		/* its writer's handle cannot follow it to the other kind */
		rc = lay_err_set(&err, -EBUSY, "%s is open for writing: close it first", name);
		goto out;
	}
	if ((flags & RENAME_EXCHANGE) && !(st.kind == FS_SCRATCH && dt.kind == FS_SCRATCH)) {
		rc = lay_err_set(&err, -EINVAL, "only scratch files can be exchanged");
		goto out;
	}
	if (st.kind == FS_TABLE && dt.kind == FS_TABLE) {
		/* one transaction: the table keeps its schema, items and stream;
		 * its scratch files and deferred deletes go with it. A table it
		 * replaces holds no item, and must hold no scratch file either. */
		rc = fs_scratch_table_replaceable(newname);
		if (rc < 0)
			rc = lay_err_set(&err, rc, "table %s holds scratch files", newname);
		if (rc == 0)
			rc = eng_table_rename(fs.db, NULL, name, newname, noreplace, &err);
		if (rc == 0) {
			fs_scratch_rename_table(name, newname);
			rename_table_nodes(n, ndir, name, newname);
			fs_hide_table_renamed(name, newname);
		}
		goto out;
	}
	if (st.kind == FS_TABLE || st.kind == FS_PART) {
		rc = lay_err_set(&err, -EXDEV, "directories move by copy (mv does it)");
		goto out;
	}

	if (st.kind == FS_ITEM && dt.kind == FS_ITEM) {
		if (strcmp(dir->table, ndir->table) != 0) {
			rc = lay_err_set(&err, -EXDEV, "items move between tables by copy");
			goto out;
		}
		if (dt.hashed) {
			rc = lay_err_set(&err, -EINVAL, "%s is a long name of no existing item",
					 newname);
			goto out;
		}
		fs_target_key(&st, &from);
		fs_target_key(&dt, &to);
		rc = fs_is_hidden(dir->table, &from) ? -ENOENT : 0;
		if (rc == 0 && ndir->mem && ndir->kind == FS_PART)
			rc = 0; /* the item makes the partition real */
		/* readers opening either name from now on bypass cached pages */
		if (n)
			fs_file_heat(n);
		pthread_mutex_lock(&fs.lock);
		old = fs_node_find(newparent, newname);
		pthread_mutex_unlock(&fs.lock);
		if (old)
			fs_file_heat(old);
		if (rc == 0)
			rc = eng_item_rename(fs.db, NULL, dir->table, &from, &to,
					     noreplace && !fs_is_hidden(dir->table, &to), &err);
		if (rc < 0)
			goto out;
		fs_unhide_key(dir->table, &to);
		if (dir != ndir)
			keep_partition(req, dir);
		pthread_mutex_lock(&fs.lock);
		clear_name(ndir, newname, n);
		if (n && (rc = fs_node_rehash(n, ndir, newname)) == 0)
			rc = fs_node_set_key(n, n->has_sk ? &dt.pk : NULL, &dt.key);
		pthread_mutex_unlock(&fs.lock);
		if (n) {
			fs_file_heat(n);
			fs_notify_inode(fs_ino_of(n)); /* its key attributes were rewritten */
		}
		goto out;
	}

	if (st.kind == FS_ITEM && dt.kind == FS_SCRATCH) {
		rc = item_to_scratch(req, dir, name, ndir, newname, n, &st, noreplace, &err);
		goto out;
	}

	if (st.kind == FS_SCRATCH && dt.kind == FS_ITEM) {
		lay_buf path = LAY_BUF_INIT;

		if (!n) {
			rc = -ENOENT;
			goto out;
		}
		rc = fs_file_put_scratch(n, ndir, newname, &dt, noreplace, &err);
		if (rc < 0)
			goto out;
		/* the item holds the content now; the file goes */
		if (fs_scratch_path(&path, dir, name) == 0 &&
		    unlinkat(fs_scratch_root(), path.p, 0) < 0)
			fs_log("rename: cannot remove scratch file %s: %s", path.p,
			       strerror(errno));
		lay_buf_free(&path);
		fs_hide_drop(n);
		pthread_mutex_lock(&fs.lock);
		clear_name(ndir, newname, n);
		rc = become_item(n, ndir, newname, &dt);
		pthread_mutex_unlock(&fs.lock);
		fs_file_heat(n);
		fs_notify_inode(fs_ino_of(n));
		fs_dir_changed(dir);
		scratch_tidy(dir);
		goto out;
	}

	if (st.kind == FS_SCRATCH && dt.kind == FS_SCRATCH) {
		rc = scratch_rename(dir, name, ndir, newname, n, flags);
		goto out;
	}
	if (st.kind == FS_ITEM && n && n->mem)
		rc = lay_err_set(&err, -EBUSY, "%s is being written: close it first", name);
	else
		rc = lay_err_set(&err, -EXDEV, "cannot rename %s to %s", name, newname);
out:
	fs_target_free(&st);
	fs_target_free(&dt);
	if (rc == -EEXIST && noreplace) {
		/* mv asks first with RENAME_NOREPLACE: an answer, not a failure */
		fuse_reply_err(req, EEXIST);
		return;
	}
	if (rc < 0) {
		fail(req, "rename", dir, name, rc, &err);
		return;
	}
	fuse_reply_err(req, 0);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	fail(req, "link", fs_node_of(newparent), newname, -EPERM,
	     &(lay_err){ -EPERM, "hard links are not supported" });
}

/* Symbolic links live in scratch space only (git needs them). */
static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	fs_node *dir = fs_node_of(parent), *n = NULL;
	lay_buf path = LAY_BUF_INIT;
	struct fuse_entry_param e;
	lay_err err = { 0 };
	struct stat st;
	fs_target t;
	int rc;

	rc = fs.ro ? -EROFS : fs_name_resolve(&t, dir, name, 0, &err);
	if (rc == 0 && t.kind != FS_SCRATCH)
		rc = lay_err_set(&err, -EPERM,
				 "symbolic links live only in scratch space (names starting "
				 "with '.' or not ending in .json)");
	if (rc == 0 && (rc = fs_scratch_mkparents(dir)) == 0 &&
	    (rc = fs_scratch_path(&path, dir, name)) == 0 &&
	    symlinkat(link, fs_scratch_root(), path.p) < 0)
		rc = -errno;
	if (rc == 0)
		rc = scratch_own(req, dir, name, (mode_t)-1, &st);
	if (rc == 0 && !(n = scratch_node(dir, name, &t)))
		rc = -ENOMEM;
	if (!fs.ro)
		fs_target_free(&t);
	lay_buf_free(&path);
	if (rc < 0) {
		fail(req, "symlink", dir, name, rc, &err);
		return;
	}
	fs_dir_changed(dir);
	entry_of(&e, n, &st);
	fuse_reply_entry(req, &e);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	fs_node *n = fs_node_of(ino);
	lay_buf path = LAY_BUF_INIT;
	char target[PATH_MAX + 1];
	ssize_t len = -1;
	int rc;

	if (n->kind != FS_SCRATCH)
		rc = -EINVAL;
	else if ((rc = fs_scratch_path(&path, n, NULL)) == 0 &&
		 (len = readlinkat(fs_scratch_root(), path.p, target, PATH_MAX)) < 0)
		rc = -errno;
	lay_buf_free(&path);
	if (rc < 0) {
		fail(req, "readlink", n, NULL, rc, NULL);
		return;
	}
	target[len] = '\0';
	fuse_reply_readlink(req, target);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)mode;
	(void)rdev;
	fail(req, "mknod", fs_node_of(parent), name, -EPERM,
	     &(lay_err){ -EPERM, "device nodes and fifos are not supported" });
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	if (statvfs(fs.data_dir, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	sv.f_namemax = LAY_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.link = op_link,
	.symlink = op_symlink,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.statfs = op_statfs,
	.opendir = fs_op_opendir,
	.readdir = fs_op_readdir,
	.readdirplus = fs_op_readdirplus,
	.releasedir = fs_op_releasedir,
	.open = fs_op_open,
	.create = fs_op_create,
	.read = fs_op_read,
	.write = fs_op_write,
	.flush = fs_op_flush,
	.fsync = fs_op_fsync,
	.release = fs_op_release,
	.setxattr = fs_op_setxattr,
	.getxattr = fs_op_getxattr,
	.listxattr = fs_op_listxattr,
	.removexattr = fs_op_removexattr,
};
