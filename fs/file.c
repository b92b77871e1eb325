/* Open files (SPEC §5, §6): an item's content is rendered at open; writes
 * are buffered per handle and become one PutItem at the first flush from
 * the opening process, at fsync, or at release if still dirty. Scratch
 * files are real files below DATA_DIR/scratch, read and written through;
 * generated files are rendered at open. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "doc.h"
#include "early.h"
#include "errlog.h"
#include "hide.h"
#include "inode.h"
#include "kind.h"
#include "hot.h"
#include "magic.h"
#include "api.h"
#include "name.h"
#include "node.h"
#include "notify.h"
#include "scratch.h"

void fs_op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	/* the kernel would own size and mtime: never */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	conn->want &= ~FUSE_CAP_POSIX_ACL;
}

static fs_fh *fh_new(fs_node *n, fuse_req_t req, int flags)
{
	fs_fh *fh = calloc(1, sizeof(*fh));

	if (!fh)
		return NULL;
	pthread_mutex_init(&fh->lock, NULL);
	fh->refs = 1;
	fh->fd = -1;
	fh->node = n;
	fh->writable = (flags & O_ACCMODE) != O_RDONLY;
	fh->append = !!(flags & O_APPEND);
	fh->opener = fuse_req_ctx(req)->pid;
	return fh;
}

/* Drop a reference; the last one frees. */
static void fh_free(fs_fh *fh)
{
	if (!fh || __atomic_sub_fetch(&fh->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	/* a reply to a read may still be leaving (the kernel can deliver the
	 * release first): wait for it to let go of the buffer */
	pthread_mutex_lock(&fh->lock);
	pthread_mutex_unlock(&fh->lock);
	lay_buf_free(&fh->buf);
	lay_buf_free(&fh->resp);
	if (fh->fd >= 0)
		close(fh->fd);
	free(fh->werr_msg);
	fs_early_free(fh);
	pthread_mutex_destroy(&fh->lock);
	free(fh);
}

void fs_fh_note_meta(fs_fh *fh, const eng_meta *m, unsigned which)
{
	if (which & ENG_META_MODE)
		fh->meta.mode = m->mode;
	if (which & ENG_META_UID)
		fh->meta.uid = m->uid;
	if (which & ENG_META_GID)
		fh->meta.gid = m->gid;
	if (which & ENG_META_MTIME)
		fh->meta.mtime_ns = m->mtime_ns;
	fh->meta_set |= which & ~ENG_META_CTIME;
}

/* Render the committed item of n into out: a user's read when read is set
 * (metered, SPEC §10), else the daemon's own (a writer's starting text:
 * the put it commits is what costs). */
static int load_item(fs_node *n, lay_buf *out, int read, lay_err *err)
{
	lay_key key;

	fs_node_item_key(n, &key);
	return eng_item_text(fs.db, read ? FS_READ(n) : FS_VIEW(n), n->table, &key, fs.format,
			     out, NULL, err);
}

/* Forget a created item whose first commit failed: it never existed. */
static void drop_pending(fs_node *n)
{
	fuse_ino_t parent;

	pthread_mutex_lock(&fs.lock);
	parent = n->parent;
	if (n->mem && parent) {
		fs_notify_entry(parent, n->name);
		fs_node_mem_unlink(n);
		fs_node_unhash(n);
		n->dropped = 1;
	}
	pthread_mutex_unlock(&fs.lock);
}

/* Signalled under fs.lock when an idle handle (a flush with nothing
 * written) writes, commits or goes: a reader of its item waits for that
 * (fs_file_settle). */
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
/* how long a reader waits for it: a release comes within a millisecond */
#define SETTLE_WAIT_MS 100

static void idle_ended(void)
{
	pthread_mutex_lock(&fs.lock);
	pthread_cond_broadcast(&idle_cv);
	pthread_mutex_unlock(&fs.lock);
}

/* The file's content becomes one PutItem (SPEC §5). Needs fh->lock. */
static int commit(fs_fh *fh, lay_err *err)
{
	fs_node *n = fh->node, *dir;
	fs_place pl = { .store = LAY_ITEM_INIT };
	lay_item item = LAY_ITEM_INIT;
	eng_meta meta = fh->meta, stored;
	eng_dirmeta table_before;
	struct stat st;
	unsigned which = fh->meta_set;
	lay_key key;
	eng_event ev;
	eng_req rq;
	int rc, pending, taken, part_new;

	fh->dirty = 0;
	fh->written = 0;
	fh->idle = 0;
	pthread_mutex_lock(&fs.lock);
	if (n->dirty == fh)
		n->dirty = NULL;
	pthread_cond_broadcast(&idle_cv);
	pending = n->mem;
	if (pending) {
		/* a created file carries its creator and mode */
		if (!(which & ENG_META_MODE))
			meta.mode = n->mode;
		if (!(which & ENG_META_UID))
			meta.uid = n->uid;
		if (!(which & ENG_META_GID))
			meta.gid = n->gid;
		which |= ENG_META_MODE | ENG_META_UID | ENG_META_GID;
	}
	pthread_mutex_unlock(&fs.lock);

	if (fh->werr) {
		rc = lay_err_set(err, fh->werr, "a write to this file failed (%s): nothing committed",
				 fh->werr_msg ? fh->werr_msg : lay_errno_name(fh->werr));
		goto out; /* and so every later commit, until truncated to nothing */
	}
	if ((rc = fs_place_of(&pl, n, NULL, NULL, NULL, NULL)) != 0) {
		if (rc == 1)
			rc = 0; /* unlinked: like an unlinked file's, its content goes nowhere */
		goto out;
	}
	/* checked as it was written, or parsed now */
	taken = fs_early_take(fh, pl.keygen, &item);
	if (taken)
		rc = eng_doc_settle(fs.db, NULL, n->table, &item, &pl.p, &key, err);
	if (!taken || rc == -EINVAL) {
		/* renamed between the check and now: the keys it was checked
		 * with are stale, the text is not */
		lay_item_free(&item);
		item = (lay_item)LAY_ITEM_INIT;
		rc = eng_doc_parse(fs.db, NULL, n->table, fh->buf.p, fh->buf.len, fs.format, &pl.p, &item,
				   &key, err);
	}
	if (rc < 0 || (rc = fs_place_learn(&pl, n, &key)) < 0)
		goto out;
	part_new = 0;
	if (pending) {
		/* created here: its put may make a partition made by mkdir */
		pthread_mutex_lock(&fs.lock);
		dir = n->parent ? fs_node_of(n->parent) : NULL;
		pthread_mutex_unlock(&fs.lock);
		part_new = fs_part_table_times(dir, &table_before);
	}
	/* a user's write: metered (SPEC §10); throttled, the writer is told
	 * (and may try again: fsync, close), release does not try behind it */
	rc = eng_item_put(fs.db, fs_req(NULL, &rq), n->table, &item, &meta, which, &ev, &stored,
			  err);
	fh->throttled = rc == -EAGAIN && rq.throttled;
	if (rc < 0)
		goto out;
	fs_unhide_key(n->table, &key);
	if (n->mem) {
		/* created here: it exists now, and so does a partition made by mkdir */
		pthread_mutex_lock(&fs.lock);
		dir = n->parent ? fs_node_of(n->parent) : NULL;
		pthread_mutex_unlock(&fs.lock);
		fs_part_exists(NULL, dir, part_new ? &table_before : NULL);
		pthread_mutex_lock(&fs.lock);
		fs_node_mem_unlink(n);
		pthread_mutex_unlock(&fs.lock);
	}
	fs_attr_item(&st, &stored);
	fs_attr_remember(n, &st);
	/* what the kernel cached is the tool's text; ours is re-rendered */
	fs_hot_mark(n);
	fs_notify_inode(fs_ino_of(n));
out:
	lay_item_free(&item);
	fs_place_free(&pl);
	if (rc < 0) {
		/* nothing is dropped: the handle keeps its content and the file
		 * its name, so the next flush, fsync or release commits again */
		fh->dirty = 1;
		fh->written = 1;
		pthread_mutex_lock(&fs.lock);
		fh->dirty_len = fh->buf.len;
		if (!n->dirty && n->parent)
			n->dirty = fh;
		pthread_mutex_unlock(&fs.lock);
		if (!pending)
			fs_notify_inode(fs_ino_of(n)); /* the kernel saw the failed edit */
	}
	return rc;
}

static int commit_logged(fuse_req_t req, fs_fh *fh, const char *op)
{
	lay_buf path = LAY_BUF_INIT;
	lay_err err = { 0 };
	int rc = 0, log;

	/* the path first: a failed first commit unlinks the file */
	fs_path_of(&path, fh->node, NULL);
	pthread_mutex_lock(&fh->lock);
	if (fh->dirty)
		rc = commit(fh, &err);
	/* one line per failure: the same content failing again (at close,
	 * then at release) is not logged again */
	log = rc < 0 && !fh->fail_logged;
	if (log)
		fh->fail_logged = 1;
	pthread_mutex_unlock(&fh->lock);
	if (log)
		fs_errlog_add(req, op, path.p, rc, err.msg);
	lay_buf_free(&path);
	return rc;
}

static void mark_dirty(fs_fh *fh)
{
	fh->dirty = 1;
	pthread_mutex_lock(&fs.lock);
	fh->dirty_len = fh->buf.len; /* for stat, which may not take fh->lock */
	fh->node->dirty = fh;
	pthread_mutex_unlock(&fs.lock);
}

/* Open scratch node n's real file into fh (flags: access mode, O_TRUNC),
 * keeping an O_PATH descriptor on the node while it is open. */
static int scratch_open(fs_node *n, fs_fh *fh, int flags)
{
	lay_buf path = LAY_BUF_INIT;
	int rc, fd, pfd;

	pfd = fs_scratch_sfd(n);
	if (pfd >= 0 && !n->parent) {
		/* unlinked, open elsewhere: reopen the file itself */
		lay_buf_addf(&path, "/proc/self/fd/%d", pfd);
		fd = open(path.p, flags | O_CLOEXEC);
	} else if ((rc = fs_scratch_path(&path, n, NULL)) < 0) {
		goto out;
	} else {
		fd = openat(fs_scratch_root(), path.p, flags | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	fh->fd = fd;
	rc = 0;
	lay_buf_reset(&path);
	lay_buf_addf(&path, "/proc/self/fd/%d", fd);
	pthread_mutex_lock(&fs.lock);
	if (n->sfd < 0)
		n->sfd = open(path.p, O_PATH | O_CLOEXEC);
	pthread_mutex_unlock(&fs.lock);
out:
	if (pfd >= 0)
		close(pfd);
	lay_buf_free(&path);
	return rc;
}

static void open_node(fuse_req_t req, fs_node *n, struct fuse_file_info *fi, int created)
{
	lay_err err = { 0 };
	fs_fh *fh;
	int rc = 0, trunc = (fi->flags & O_TRUNC) != 0;

	if (!created)
		fs_file_settle(req, n);
	if (!created && n->kind == FS_ITEM && n->dropped) {
		/* a name the kernel still caches for a file that is gone (a
		 * first commit failed): ESTALE makes it look the name up again */
		fuse_reply_err(req, ESTALE);
		return;
	}

	if (n->kind == FS_TABLE || n->kind == FS_PART || n->kind == FS_ROOT ||
	    n->kind == FS_MAGIC_DIR || n->kind == FS_SNAPS || n->kind == FS_POINT ||
	    n->kind == FS_BACKUPS) {
		fs_fail(req, "open", n, NULL, -EISDIR, NULL);
		return;
	}
	if (!(fh = fh_new(n, req, fi->flags))) {
		fs_fail(req, "open", n, NULL, -ENOMEM, NULL);
		return;
	}

	switch (n->kind) {
	case FS_ITEM:
		if (fs.ro && fh->writable) {
			rc = -EROFS;
			break;
		}
		if (!fh->writable) {
			/* A reader never sees a writer's bytes. A quiet item is read
			 * through the page cache, rendered afresh at each read so it
			 * agrees with the size the kernel was told; while the item is
			 * being written, the kernel's size may lag a commit, so the
			 * reader bypasses the cache and reads the commit it opened. */
			fi->noflush = 1;
			pthread_mutex_lock(&fs.lock);
			fh->snapshot = n->dirty || fs_hot_is(n);
			pthread_mutex_unlock(&fs.lock);
			if (fh->snapshot) {
				fi->direct_io = 1;
				if (!n->mem)
					rc = load_item(n, &fh->buf, 1, &err);
			} else if (!n->mem) {
				/* one open for reading is one read (SPEC §10), however
				 * the kernel splits it and whatever its page cache
				 * holds; the daemon's cache answers it for free */
				lay_buf once = LAY_BUF_INIT;

				fi->keep_cache = 1;
				rc = load_item(n, &once, 1, &err);
				lay_buf_free(&once);
			} else {
				fi->keep_cache = 1;
			}
			break;
		}
		/* uncommitted bytes must not reach the page cache readers share */
		fi->direct_io = 1;
		fs_hot_mark(n);
		if (created || trunc) {
			mark_dirty(fh);
		} else if (!n->mem) {
			rc = load_item(n, &fh->buf, 0, &err);
		}
		break;
	case FS_SCRATCH:
		if (fs.ro && fh->writable)
			rc = -EROFS;
		else if (fh->fd < 0)
			rc = scratch_open(n, fh, fi->flags & (O_ACCMODE | O_TRUNC));
		break;
	case FS_MAGIC_FILE:
		if (n->magic == FS_M_API) {
			/* also on a read-only mount: requests that write say so */
			fi->direct_io = 1;
			break;
		}
		if (fh->writable && !(n->magic == FS_M_CLOCK && fs.test_clock)) {
			rc = lay_err_set(&err, -EROFS, "%s is read-only", n->name);
			break;
		}
		if (!fh->writable && !FS_MAGIC_GROWS(n->magic))
			rc = fs_magic_render(n, &fh->buf);
		fi->direct_io = 1;
		break;
	default:
		rc = -EISDIR;
	}
	if (rc == -ENOENT && n->kind == FS_SCRATCH && !created) {
		/* a name the kernel caches for a scratch file gone since: a
		 * listing read it just before it was renamed or removed. The
		 * open may be an open(O_CREAT), which must not fail with
		 * ENOENT: ESTALE makes the kernel look the name up again */
		fh_free(fh);
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (rc < 0) {
		fh_free(fh);
		{
			fs_fail(req, "open", n, NULL, rc, &err);
			return;
		}
	}
	pthread_mutex_lock(&fs.lock);
	n->open++;
	if (fh->writable)
		n->wopen++;
	pthread_mutex_unlock(&fs.lock);
	fi->fh = (uintptr_t)fh;
	if (created) {
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.ino = fs_ino_of(n);
		fs_kind_getattr(n, &e.attr, &err);
		e.attr_timeout = fs.timeout;
		e.entry_timeout = fs.timeout;
		fuse_reply_create(req, &e, fi);
	} else {
		fuse_reply_open(req, fi);
	}
}

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	open_node(req, fs_node_of(ino), fi, 0);
}

/* create(2) in scratch space: a real file, owned by the caller. */
static void create_scratch(fuse_req_t req, fs_node *dir, const char *name, mode_t mode,
			   struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	lay_buf path = LAY_BUF_INIT;
	struct fuse_entry_param e;
	struct stat st;
	gid_t gid = ctx->gid;
	fs_node *n = NULL;
	fs_fh *fh = NULL;
	int rc, fd = -1, flags, created = 0;

	if ((rc = fs_scratch_mkparents(dir)) < 0 || (rc = fs_scratch_path(&path, dir, name)) < 0)
		goto fail;
	flags = O_NOFOLLOW | O_CLOEXEC | (fi->flags & (O_ACCMODE | O_TRUNC));
	fd = openat(fs_scratch_root(), path.p, flags | O_CREAT | O_EXCL, mode & 07777);
	created = fd >= 0;
	if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL))
		fd = openat(fs_scratch_root(), path.p, flags); /* it was there: an open */
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (created) {
		/* a new file is the caller's, with the mode asked for (the
		 * kernel applied the caller's umask); a set-group-ID directory
		 * gives its group */
		struct stat dst;

		if (dir->kind == FS_SCRATCH && fs_scratch_lstat(dir, NULL, &dst) == 0 &&
		    (dst.st_mode & S_ISGID))
			gid = (gid_t)-1;
		if ((fchown(fd, ctx->uid, gid) < 0 && geteuid() == 0) ||
		    fchmod(fd, mode & 07777) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	st.st_ino = fs_ino_scratch(st.st_ino);
	if (!(fh = fh_new(NULL, req, fi->flags))) {
		rc = -ENOMEM;
		goto fail;
	}
	fh->fd = fd; /* the handle owns it from here */
	pthread_mutex_lock(&fs.lock);
	n = fs_node_get(dir, name, FS_SCRATCH, FS_M_NONE, NULL, NULL, 0);
	if (n) {
		n->nlookup++;
		n->open++;
		if (fh->writable)
			n->wopen++;
		if (n->sfd < 0) {
			char proc[64];

			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			n->sfd = open(proc, O_PATH | O_CLOEXEC);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	if (!n) {
		rc = -ENOMEM;
		goto fail;
	}
	fh->node = n;
	fs_dir_changed(dir);
	fi->fh = (uintptr_t)fh;
	memset(&e, 0, sizeof(e));
	e.ino = fs_ino_of(n);
	e.attr = st;
	e.attr_timeout = fs.timeout;
	e.entry_timeout = fs.timeout;
	lay_buf_free(&path);
	fuse_reply_create(req, &e, fi);
	return;
fail:
	if (fh)
		fh_free(fh); /* closes fd */
	else if (fd >= 0)
		close(fd);
	if (created && path.p)
		unlinkat(fs_scratch_root(), path.p, 0); /* made for nothing */
	lay_buf_free(&path);
	fs_fail(req, "create", dir, name, rc, NULL);
}

void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		  struct fuse_file_info *fi)
{
	fs_node *dir = fs_node_of(parent), *n;
	lay_err err = { 0 };
	fs_target t;
	lay_key key;
	eng_meta meta;
	int rc;

	if (dir->kind == FS_ROOT) {
		fs_fail(req, "create", dir, name, -EPERM,
			&(lay_err){ -EPERM, "only tables (directories) live at the top" });
		return;
	}
	if (dir->kind == FS_MAGIC_DIR || (dir->kind == FS_MAGIC_FILE)) {
		fs_fail(req, "create", dir, name, -EROFS, NULL);
		return;
	}
	if (fs.ro) {
		fs_fail(req, "create", dir, name, -EROFS, NULL);
		return;
	}

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(parent, name);
	if (n && n->mem) {
		n->nlookup++;
		pthread_mutex_unlock(&fs.lock);
		if (fi->flags & O_EXCL) {
			pthread_mutex_lock(&fs.lock);
			n->nlookup--;
			pthread_mutex_unlock(&fs.lock);
			{
				fs_fail(req, "create", dir, name, -EEXIST, NULL);
				return;
			}
		}
		{
			open_node(req, n, fi, 0);
			return;
		}
	}
	pthread_mutex_unlock(&fs.lock);

	rc = fs_name_resolve(&t, dir, name, 0, &err);
	if (rc == 0 && t.kind == FS_MAGIC_FILE)
		rc = lay_err_set(&err, -EROFS, "%s is generated", name);
	if (rc < 0) {
		fs_target_free(&t);
		{
			fs_fail(req, "create", dir, name, rc, &err);
			return;
		}
	}
	if (t.kind == FS_ITEM && t.hashed && !(dir->kind == FS_PART && !dir->pk.type)) {
		rc = eng_resolve_hash(fs.db, FS_REQ(req), dir->table, dir->kind == FS_PART ? &dir->pk : NULL,
				      t.hash, &t.store, &t.key, &err);
		if (rc == 0)
			t.hashed = 0;
		else if (rc != -ENOENT)
			goto fail_target;
		rc = 0;
	}
	if (t.kind == FS_ITEM && !t.hashed && !(dir->kind == FS_PART && !dir->pk.type)) {
		fs_target_key(&t, &key);
		rc = fs_is_hidden(dir->table, &key)
			 ? -ENOENT
			 : eng_item_get(fs.db, FS_REQ(req), dir->table, &key, NULL, &meta, &err);
		if (rc == 0) {
			/* it exists: create(2) is an open of it */
			if (fi->flags & O_EXCL) {
				rc = lay_err_set(&err, -EEXIST, "item exists");
				goto fail_target;
			}
			pthread_mutex_lock(&fs.lock);
			n = fs_node_get(dir, name, FS_ITEM, FS_M_NONE, &t.pk, &t.key, dir->has_sk);
			if (n)
				n->nlookup++;
			pthread_mutex_unlock(&fs.lock);
			fs_target_free(&t);
			if (!n) {
				fs_fail(req, "create", dir, name, -ENOMEM, NULL);
				return;
			}
			open_node(req, n, fi, 1);
			return;
		}
		if (rc != -ENOENT)
			goto fail_target;
	}
	if (t.kind == FS_SCRATCH || t.kind == FS_PART) {
		/* a file named like a partition is a scratch file (README.md) */
		fs_target_free(&t);
		create_scratch(req, dir, name, mode, fi);
		return;
	}
	/* a new memory object: an item until its commit */
	pthread_mutex_lock(&fs.lock);
	n = fs_node_get(dir, name, FS_ITEM, FS_M_NONE, &t.pk, t.hashed ? NULL : &t.key,
			dir->has_sk);
	if (n) {
		if (dir->kind == FS_PART)
			n->has_sk = 1;
		fs_attr_init_mem(n, req, mode);
		fs_node_mem_link(dir, n);
		n->nlookup++;
	}
	pthread_mutex_unlock(&fs.lock);
	fs_target_free(&t);
	if (!n) {
		fs_fail(req, "create", dir, name, -ENOMEM, NULL);
		return;
	}
	open_node(req, n, fi, 1);
	return;
fail_target:
	fs_target_free(&t);
	fs_fail(req, "create", dir, name, rc, &err);
}

void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	fs_fh *fh = (fs_fh *)(uintptr_t)fi->fh;
	fs_node *n = fs_node_of(ino);
	const lay_buf *b;
	pthread_mutex_t *lock;

	if (n->kind == FS_MAGIC_FILE && n->magic == FS_M_API) {
		fs_api_read(req, fh, size, off);
		return;
	}
	if (n->kind == FS_MAGIC_FILE && FS_MAGIC_GROWS(n->magic)) {
		/* read at the offset, live: records never move (SPEC §8) */
		lay_buf text = LAY_BUF_INIT;
		lay_err err = { 0 };
		int rc = n->magic == FS_M_EVENTS
				 ? eng_events_read(fs.db, (uint64_t)off, size, &text)
				 : eng_stream_read(fs.db, n->table, (uint64_t)off, size, &text, &err);

		if (rc < 0) {
			lay_buf_free(&text);
			{
				fs_fail(req, "read", n, NULL, rc, &err);
				return;
			}
		}
		fuse_reply_buf(req, text.p, text.len);
		lay_buf_free(&text);
		return;
	}
	if (n->kind == FS_ITEM && !fh->writable && !fh->snapshot) {
		lay_buf text = LAY_BUF_INIT;
		lay_err err = { 0 };
		/* each read request renders the item: the open was the read */
		int rc = n->mem ? 0 : load_item(n, &text, 0, &err);

		if (rc < 0) {
			lay_buf_free(&text);
			{
				fs_fail(req, "read", n, NULL, rc, &err);
				return;
			}
		}
		if ((size_t)off >= text.len)
			size = 0;
		else if (size > text.len - (size_t)off)
			size = text.len - (size_t)off;
		fuse_reply_buf(req, size ? text.p + off : NULL, size);
		lay_buf_free(&text);
		return;
	}
	if (n->kind == FS_SCRATCH && fh->fd < 0) {
		/* opened as an item, renamed to a scratch name since: read
		 * the scratch file it became */
		int rc;

		pthread_mutex_lock(&fh->lock);
		rc = fh->fd < 0 ? scratch_open(n, fh, O_RDONLY) : 0;
		pthread_mutex_unlock(&fh->lock);
		if (rc < 0) {
			fs_fail(req, "read", n, NULL, rc, NULL);
			return;
		}
	}
	if (n->kind == FS_SCRATCH) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = fh->fd;
		bv.buf[0].pos = off;
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		return;
	}
	b = &fh->buf;
	lock = &fh->lock;
	pthread_mutex_lock(lock);
	if ((size_t)off >= b->len)
		size = 0;
	else if (size > b->len - (size_t)off)
		size = b->len - (size_t)off;
	/* fuse_reply_buf copies before we unlock */
	fuse_reply_buf(req, size ? b->p + off : NULL, size);
	pthread_mutex_unlock(lock);
}

/* Write len bytes at off (or at the end) into b, zero-filling a gap. */
static int buf_write(lay_buf *b, const char *p, size_t len, off_t off, int append, size_t max)
{
	size_t at = append ? b->len : (size_t)off;

	if (at + len > max)
		return -EFBIG;
	if (at + len > b->len) {
		size_t old = b->len;

		if (lay_buf_grow(b, at + len - b->len) < 0)
			return -ENOMEM;
		if (at > old)
			memset(b->p + old, 0, at - old);
		b->len = at + len;
		b->p[b->len] = '\0';
	}
	memcpy(b->p + at, p, len);
	return 0;
}

void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	fs_fh *fh = (fs_fh *)(uintptr_t)fi->fh;
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };
	size_t old_len;
	int rc, again = 0, was_idle = 0;

	if (n->kind == FS_MAGIC_FILE && n->magic == FS_M_API) {
		if ((rc = fs_api_write(fh, buf, size)) < 0)
			fs_fail(req, "write", n, NULL, rc, NULL);
		else
			fuse_reply_write(req, size);
		return;
	}
	if (n->kind == FS_MAGIC_FILE) {
		rc = fs_magic_write(req, n, buf, size);
		if (rc < 0) {
			fuse_reply_err(req, -rc);
			return;
		} /* logged by fs_magic_write */
		fuse_reply_write(req, size);
		return;
	}
	if (n->kind == FS_SCRATCH) {
		ssize_t done = pwrite(fh->fd, buf, size, off);

		if (done >= 0) {
			fuse_reply_write(req, (size_t)done);
			return;
		}
		rc = -errno;
	} else {
		pthread_mutex_lock(&fh->lock);
		again = fh->werr && fh->fail_logged;
		was_idle = fh->idle;
		old_len = fh->buf.len;
		rc = buf_write(&fh->buf, buf, size, off, fh->append, MAX_ITEM_FILE);
		if (rc == 0)
			rc = fs_early_write(fh, old_len, off, size, &err);
		if (rc < 0) {
			fh->werr = rc;
			free(fh->werr_msg);
			fh->werr_msg = err.code ? strdup(err.msg) : NULL;
			fh->written = 1; /* so close reports it too */
			fh->idle = 0;
			fh->fail_logged = 1; /* here, below; not again at close */
		}
		if (rc == 0) {
			mark_dirty(fh);
			fh->written = 1;
			fh->idle = 0;
			fh->fail_logged = 0; /* new content: its failure is news */
		}
		pthread_mutex_unlock(&fh->lock);
		if (was_idle)
			idle_ended();
	}
	if (rc < 0 && again) {
		fuse_reply_err(req, -rc); /* the refusal is in the log already */
		return;
	}
	if (rc < 0) {
		if (!err.code && rc == -EFBIG)
			lay_err_set(&err, rc, "file too large");
		fs_fail(req, "write", n, NULL, rc, &err);
		return;
	}
	fuse_reply_write(req, size);
}

/*
 * The first close from the opening process commits (SPEC §5) what it wrote.
 * A close with nothing written yet (the shell's `>` opens, dups and closes
 * before echo writes; touch never writes) leaves the commit to the next
 * close after a write, or to release, so `echo x > f` is one change.
 */
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_fh *fh = (fs_fh *)(uintptr_t)fi->fh;
	int rc = 0;

	(void)ino;
	if (fh->node->kind == FS_ITEM && fh->dirty && fuse_req_ctx(req)->pid == fh->opener) {
		pthread_mutex_lock(&fh->lock);
		if (!fh->written)
			fh->idle = 1;
		pthread_mutex_unlock(&fh->lock);
		if (!fh->idle)
			rc = commit_logged(req, fh, "close");
	}
	fuse_reply_err(req, -rc);
}

void fs_file_settle(fuse_req_t req, fs_node *n)
{
	struct timespec until;
	fs_fh *fh;

	pthread_mutex_lock(&fs.lock);
	if (n->kind == FS_ITEM && !n->mem && n->dirty && n->dirty->idle) {
		/* An item emptied by `>` whose writer has not written yet (the
		 * shell closed a duplicate) or has closed (its release is on
		 * its way): wait for either, never commit the empty file for
		 * the writer. Readers read the last commit meanwhile. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SETTLE_WAIT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (n->dirty && n->dirty->idle &&
		       pthread_cond_timedwait(&idle_cv, &fs.lock, &until) == 0)
			;
		pthread_mutex_unlock(&fs.lock);
		return;
	}
	fh = n->kind == FS_ITEM ? n->dirty : NULL;
	if (fh && !fh->idle)
		fh = NULL;
	if (fh)
		__atomic_add_fetch(&fh->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&fs.lock);
	if (fh) {
		commit_logged(req, fh, "close");
		fh_free(fh);
	}
}

void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	fs_fh *fh = (fs_fh *)(uintptr_t)fi->fh;
	int rc = 0;

	(void)ino;
	if (fh->node->kind == FS_SCRATCH) {
		if (fh->fd >= 0 && (datasync ? fdatasync(fh->fd) : fsync(fh->fd)) < 0)
			rc = -errno;
		fuse_reply_err(req, -rc);
		return;
	}
	if (fh->node->kind == FS_ITEM)
		rc = commit_logged(req, fh, "fsync");
	if (rc == 0)
		rc = eng_db_sync(fs.db);
	fuse_reply_err(req, -rc);
}

void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_fh *fh = (fs_fh *)(uintptr_t)fi->fh;
	fs_node *n = fs_node_of(ino);

	if (n->kind == FS_ITEM && fh->dirty &&
	    (fh->throttled || commit_logged(req, fh, "release") < 0)) {
		/* the last chance failed (logged): a created file never existed */
		pthread_mutex_lock(&fs.lock);
		if (n->dirty == fh)
			n->dirty = NULL;
		pthread_mutex_unlock(&fs.lock);
		if (n->mem)
			drop_pending(n);
	}
	pthread_mutex_lock(&fs.lock);
	if (n->dirty == fh)
		n->dirty = NULL;
	pthread_cond_broadcast(&idle_cv);
	n->open--;
	if (fh->writable)
		n->wopen--;
	if (!n->open && n->sfd >= 0) {
		close(n->sfd);
		n->sfd = -1;
	}
	fs_node_maybe_free(n);
	pthread_mutex_unlock(&fs.lock);
	fh_free(fh);
	fuse_reply_err(req, 0);
}

int fs_file_truncate(fuse_req_t req, fs_node *n, fs_fh *fh, off_t size, lay_err *err)
{
	fs_fh tmp, *dirty;
	size_t old_len;
	int rc = 0, was_idle;

	if (size < 0)
		return -EINVAL;
	if (fh) {
		pthread_mutex_lock(&fh->lock);
		old_len = fh->buf.len;
		if ((size_t)size > fh->buf.len)
			rc = buf_write(&fh->buf, "", 0, size, 0, MAX_ITEM_FILE);
		else if (fh->buf.p)
			fh->buf.p[fh->buf.len = (size_t)size] = '\0';
		if (rc == 0 && size == 0 && fh->werr) {
			/* a fresh start after a failed write */
			fh->werr = 0;
			free(fh->werr_msg);
			fh->werr_msg = NULL;
		}
		was_idle = fh->idle;
		if (rc == 0) {
			fh->fail_logged = 0;
			fs_early_truncate(fh, old_len, (size_t)size);
			mark_dirty(fh);
			fh->written = 1;
			fh->idle = 0;
		}
		pthread_mutex_unlock(&fh->lock);
		if (was_idle && rc == 0)
			idle_ended();
		return rc;
	}
	/* truncate(2) by path: an edit of the committed text, committed now */
	memset(&tmp, 0, sizeof(tmp));
	pthread_mutex_init(&tmp.lock, NULL);
	tmp.node = n;
	tmp.opener = fuse_req_ctx(req)->pid;
	/* a writer's uncommitted bytes: its buffer is guarded by its own lock
	 * (a write may grow it), so hold a reference, then take that lock */
	pthread_mutex_lock(&fs.lock);
	dirty = n->dirty;
	if (dirty)
		__atomic_add_fetch(&dirty->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&fs.lock);
	if (dirty) {
		pthread_mutex_lock(&dirty->lock);
		rc = lay_buf_add(&tmp.buf, dirty->buf.p, dirty->buf.len);
		pthread_mutex_unlock(&dirty->lock);
		fh_free(dirty);
	}
	if (rc == 0 && !n->mem && !tmp.buf.len)
		rc = load_item(n, &tmp.buf, 0, err);
	if (rc == 0 && (size_t)size > tmp.buf.len)
		rc = buf_write(&tmp.buf, "", 0, size, 0, MAX_ITEM_FILE);
	else if (rc == 0 && tmp.buf.p)
		tmp.buf.p[tmp.buf.len = (size_t)size] = '\0';
	if (rc == 0) {
		pthread_mutex_lock(&tmp.lock);
		rc = commit(&tmp, err);
		pthread_mutex_unlock(&tmp.lock);
		pthread_mutex_lock(&fs.lock);
		if (n->dirty == &tmp)
			n->dirty = NULL; /* a failed commit: the caller gets the error */
		pthread_mutex_unlock(&fs.lock);
	}
	lay_buf_free(&tmp.buf);
	pthread_mutex_destroy(&tmp.lock);
	return rc;
}
