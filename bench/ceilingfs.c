/* The FUSE ceiling of the benchmark (SPEC §18): a minimal in-memory file
 * system on libfuse's low-level, multi-threaded loop with the kernel-cache
 * settings and open flags of ddbfs, so ddbfs/ceiling ratios isolate what
 * ddbfs itself costs. Enough POSIX for the workload, cp, rsync and grep; no
 * LMDB. Usage: ceilingfs MOUNTPOINT [-f] (environment: CEILINGFS_*, below) */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* What ddbfs tells the kernel (fs/main.c: fs.timeout) */
#define TIMEOUT 60.0

typedef struct node node;

/* A directory slot: its index + 3 is the readdir offset of the entry after
 * it (1 and 2 are "." and ".."); unlinked slots stay as holes so offsets
 * stay valid during a walk that deletes. */
typedef struct slot {
	char *name;
	node *n;
} slot;

struct node {
	fuse_ino_t ino;
	uint64_t nlookup;
	unsigned open;
	int linked;            /* has a name */
	struct stat st;
	char *data;            /* files: st.st_size bytes of cap */
	size_t cap;
	slot *slots;           /* directories */
	size_t nslots, slots_cap, live;
	fuse_ino_t parent;
};

/* (parent, name) -> slot index, chained */
typedef struct hent {
	fuse_ino_t parent;
	const char *name;      /* the slot's */
	size_t slot;
	uint64_t hash;
	struct hent *next;
} hent;

static struct {
	pthread_rwlock_t lock;
	node **inodes;         /* by ino; NULL once freed; never reused */
	size_t ninodes, inodes_cap;
	hent **ht;
	size_t ht_size, ht_count;
	_Atomic uint64_t counts[64];
} fsx = { .lock = PTHREAD_RWLOCK_INITIALIZER };

enum { C_LOOKUP, C_FORGET, C_GETATTR, C_SETATTR, C_MKDIR, C_RMDIR, C_UNLINK, C_RENAME,
       C_OPEN, C_CREATE, C_READ, C_WRITE, C_FLUSH, C_RELEASE, C_FSYNC, C_OPENDIR,
       C_READDIR, C_READDIRPLUS, C_RELEASEDIR, C_STATFS, C_GETXATTR, C_LISTXATTR,
       C_SETXATTR, C_COUNT };
static const char *count_names[C_COUNT] = {
	"lookup", "forget", "getattr", "setattr", "mkdir", "rmdir", "unlink", "rename",
	"open", "create", "read", "write", "flush", "release", "fsync", "opendir",
	"readdir", "readdirplus", "releasedir", "statfs", "getxattr", "listxattr",
	"setxattr"
};

#define COUNT(c) atomic_fetch_add_explicit(&fsx.counts[c], 1, memory_order_relaxed)

static uint64_t hash_of(fuse_ino_t parent, const char *name)
{
	uint64_t h = 1469598103934665603ull ^ parent;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return h;
}

static void now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static int ht_grow(void)
{
	size_t size = fsx.ht_size ? fsx.ht_size * 2 : 1024, i;
	hent **ht = calloc(size, sizeof(*ht));

	if (!ht)
		return -ENOMEM;
	for (i = 0; i < fsx.ht_size; i++) {
		hent *e = fsx.ht[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = ht[e->hash & (size - 1)];
			ht[e->hash & (size - 1)] = e;
		}
	}
	free(fsx.ht);
	fsx.ht = ht;
	fsx.ht_size = size;
	return 0;
}

static hent **ht_find(fuse_ino_t parent, const char *name)
{
	uint64_t h = hash_of(parent, name);
	hent **p;

	if (!fsx.ht_size)
		return NULL;
	for (p = &fsx.ht[h & (fsx.ht_size - 1)]; *p; p = &(*p)->next)
		if ((*p)->hash == h && (*p)->parent == parent && strcmp((*p)->name, name) == 0)
			return p;
	return NULL;
}

static node *node_get(fuse_ino_t ino)
{
	return ino < fsx.ninodes ? fsx.inodes[ino] : NULL;
}

static node *child_of(node *dir, const char *name)
{
	hent **p = ht_find(dir->ino, name);

	return p ? dir->slots[(*p)->slot].n : NULL;
}

/* A new node with mode (type bits included), owned by the caller's ids.
 * Caller holds the write lock. */
static node *node_new(mode_t mode, const struct fuse_ctx *ctx)
{
	node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	if (fsx.ninodes == fsx.inodes_cap) {
		size_t cap = fsx.inodes_cap ? fsx.inodes_cap * 2 : 4096;
		node **v = realloc(fsx.inodes, cap * sizeof(*v));

		if (!v) {
			free(n);
			return NULL;
		}
		fsx.inodes = v;
		fsx.inodes_cap = cap;
	}
	if (fsx.ninodes == 0)
		fsx.inodes[fsx.ninodes++] = NULL; /* ino 0 is not an inode */
	n->ino = fsx.ninodes;
	fsx.inodes[fsx.ninodes++] = n;
	n->st.st_ino = n->ino;
	n->st.st_mode = mode;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	n->st.st_uid = ctx ? ctx->uid : getuid();
	n->st.st_gid = ctx ? ctx->gid : getgid();
	n->st.st_blksize = 4096;
	now_ts(&n->st.st_mtim);
	n->st.st_atim = n->st.st_ctim = n->st.st_mtim;
	return n;
}

static void node_maybe_free(node *n)
{
	if (n->linked || n->nlookup || n->open || n->ino == FUSE_ROOT_ID)
		return;
	fsx.inodes[n->ino] = NULL;
	free(n->data);
	free(n->slots);
	free(n);
}

/* Give child the name in dir. Caller holds the write lock. */
static int dir_add(node *dir, const char *name, node *child)
{
	hent *e;
	char *copy;

	if (fsx.ht_count >= fsx.ht_size && ht_grow() < 0)
		return -ENOMEM;
	if (dir->nslots == dir->slots_cap) {
		size_t cap = dir->slots_cap ? dir->slots_cap * 2 : 16;
		slot *v = realloc(dir->slots, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		dir->slots = v;
		dir->slots_cap = cap;
	}
	if (!(e = malloc(sizeof(*e))) || !(copy = strdup(name))) {
		free(e);
		return -ENOMEM;
	}
	dir->slots[dir->nslots].name = copy;
	dir->slots[dir->nslots].n = child;
	e->parent = dir->ino;
	e->name = copy;
	e->slot = dir->nslots++;
	e->hash = hash_of(dir->ino, name);
	e->next = fsx.ht[e->hash & (fsx.ht_size - 1)];
	fsx.ht[e->hash & (fsx.ht_size - 1)] = e;
	fsx.ht_count++;
	dir->live++;
	child->linked = 1;
	child->parent = dir->ino;
	if (S_ISDIR(child->st.st_mode))
		dir->st.st_nlink++;
	now_ts(&dir->st.st_mtim);
	dir->st.st_ctim = dir->st.st_mtim;
	return 0;
}

/* Take name away from dir; returns the node that had it (its memory is
 * the caller's to release with node_maybe_free). */
static node *dir_remove(node *dir, const char *name)
{
	hent **p = ht_find(dir->ino, name), *e;
	slot *s;
	node *n;

	if (!p)
		return NULL;
	e = *p;
	*p = e->next;
	fsx.ht_count--;
	s = &dir->slots[e->slot];
	n = s->n;
	free(s->name);
	s->name = NULL;
	s->n = NULL;
	free(e);
	dir->live--;
	n->linked = 0;
	if (S_ISDIR(n->st.st_mode))
		dir->st.st_nlink--;
	now_ts(&dir->st.st_mtim);
	dir->st.st_ctim = dir->st.st_mtim;
	return n;
}

static void entry_of(struct fuse_entry_param *e, node *n)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->attr = n->st;
	e->attr.st_blocks = (n->st.st_size + 511) / 512;
	e->attr_timeout = TIMEOUT;
	e->entry_timeout = TIMEOUT;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* as fs/file.c's fs_op_init */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	conn->want &= ~FUSE_CAP_POSIX_ACL;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	node *dir, *n;

	COUNT(C_LOOKUP);
	pthread_rwlock_wrlock(&fsx.lock);
	dir = node_get(parent);
	n = dir ? child_of(dir, name) : NULL;
	if (!n) {
		pthread_rwlock_unlock(&fsx.lock);
		/* a negative entry, cached like a positive one (as ddbfs) */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = TIMEOUT;
		fuse_reply_entry(req, &e);
		return;
	}
	n->nlookup++;
	entry_of(&e, n);
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_entry(req, &e);
}

static void forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	node *n = node_get(ino);

	if (!n)
		return;
	n->nlookup = n->nlookup > nlookup ? n->nlookup - nlookup : 0;
	node_maybe_free(n);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	COUNT(C_FORGET);
	pthread_rwlock_wrlock(&fsx.lock);
	forget_one(ino, nlookup);
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	size_t i;

	COUNT(C_FORGET);
	pthread_rwlock_wrlock(&fsx.lock);
	for (i = 0; i < count; i++)
		forget_one(forgets[i].ino, forgets[i].nlookup);
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	node *n;

	(void)fi;
	COUNT(C_GETATTR);
	pthread_rwlock_rdlock(&fsx.lock);
	if (!(n = node_get(ino))) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, ENOENT);
		return;
	}
	st = n->st;
	pthread_rwlock_unlock(&fsx.lock);
	st.st_blocks = (st.st_size + 511) / 512;
	fuse_reply_attr(req, &st, TIMEOUT);
}

static int set_size(node *n, size_t size)
{
	if (size > n->cap) {
		size_t cap = size < 4096 ? 4096 : size + size / 2;
		char *p = realloc(n->data, cap);

		if (!p)
			return -ENOMEM;
		n->data = p;
		n->cap = cap;
	}
	if (size > (size_t)n->st.st_size)
		memset(n->data + n->st.st_size, 0, size - n->st.st_size);
	n->st.st_size = (off_t)size;
	return 0;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct timespec now;
	struct stat st;
	node *n;

	(void)fi;
	COUNT(C_SETATTR);
	now_ts(&now);
	pthread_rwlock_wrlock(&fsx.lock);
	if (!(n = node_get(ino))) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		int rc = S_ISDIR(n->st.st_mode) ? EISDIR
			 : set_size(n, (size_t)attr->st_size) < 0 ? ENOMEM : 0;

		if (rc) {
			pthread_rwlock_unlock(&fsx.lock);
			fuse_reply_err(req, rc);
			return;
		}
		n->st.st_mtim = now;
	}
	if (to_set & FUSE_SET_ATTR_MODE)
		n->st.st_mode = (n->st.st_mode & S_IFMT) | (attr->st_mode & 07777);
	if (to_set & FUSE_SET_ATTR_UID)
		n->st.st_uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		n->st.st_gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_ATIME)
		n->st.st_atim = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		n->st.st_atim = now;
	if (to_set & FUSE_SET_ATTR_MTIME)
		n->st.st_mtim = attr->st_mtim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		n->st.st_mtim = now;
	n->st.st_ctim = (to_set & FUSE_SET_ATTR_CTIME) ? attr->st_ctim : now;
	st = n->st;
	pthread_rwlock_unlock(&fsx.lock);
	st.st_blocks = (st.st_size + 511) / 512;
	fuse_reply_attr(req, &st, TIMEOUT);
}

/* Make a node named name in parent and reply with its entry (or, with fi,
 * as create). */
static void make_node(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	node *dir, *n;
	int rc;

	pthread_rwlock_wrlock(&fsx.lock);
	if (!(dir = node_get(parent)) || !S_ISDIR(dir->st.st_mode)) {
		rc = dir ? ENOTDIR : ENOENT;
		goto out_err;
	}
	if (strlen(name) > 255) {
		rc = ENAMETOOLONG;
		goto out_err;
	}
	if (child_of(dir, name)) {
		rc = EEXIST;
		goto out_err;
	}
	if (!(n = node_new(mode, fuse_req_ctx(req)))) {
		rc = ENOMEM;
		goto out_err;
	}
	if (dir_add(dir, name, n) < 0) {
		n->linked = 0;
		node_maybe_free(n);
		rc = ENOMEM;
		goto out_err;
	}
	n->nlookup++;
	if (fi) {
		n->open++;
		fi->fh = 0;
		/* as ddbfs: uncommitted bytes bypass the page cache */
		if ((fi->flags & O_ACCMODE) != O_RDONLY)
			fi->direct_io = 1;
	}
	entry_of(&e, n);
	pthread_rwlock_unlock(&fsx.lock);
	if (fi)
		fuse_reply_create(req, &e, fi);
	else
		fuse_reply_entry(req, &e);
	return;
out_err:
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_err(req, rc);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	COUNT(C_MKDIR);
	make_node(req, parent, name, S_IFDIR | (mode & 07777), NULL);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	COUNT(C_CREATE);
	make_node(req, parent, name, S_IFREG | (mode & 07777), fi);
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, int want_dir)
{
	node *dir, *n;
	int rc = 0;

	pthread_rwlock_wrlock(&fsx.lock);
	if (!(dir = node_get(parent)) || !(n = child_of(dir, name))) {
		rc = ENOENT;
	} else if (want_dir && !S_ISDIR(n->st.st_mode)) {
		rc = ENOTDIR;
	} else if (!want_dir && S_ISDIR(n->st.st_mode)) {
		rc = EISDIR;
	} else if (want_dir && n->live) {
		rc = ENOTEMPTY;
	} else {
		dir_remove(dir, name);
		n->st.st_nlink = 0;
		node_maybe_free(n);
	}
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_err(req, rc);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	COUNT(C_UNLINK);
	remove_name(req, parent, name, 0);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	COUNT(C_RMDIR);
	remove_name(req, parent, name, 1);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	node *from, *to, *n, *old;
	int rc = 0;

	COUNT(C_RENAME);
	if (flags & ~RENAME_NOREPLACE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_rwlock_wrlock(&fsx.lock);
	from = node_get(parent);
	to = node_get(newparent);
	if (!from || !to || !(n = child_of(from, name))) {
		rc = ENOENT;
		goto out;
	}
	if ((old = child_of(to, newname))) {
		if (old == n)
			goto out;
		if (flags & RENAME_NOREPLACE) {
			rc = EEXIST;
			goto out;
		}
		if (S_ISDIR(old->st.st_mode) && (!S_ISDIR(n->st.st_mode) || old->live)) {
			rc = S_ISDIR(n->st.st_mode) ? ENOTEMPTY : EISDIR;
			goto out;
		}
		if (!S_ISDIR(old->st.st_mode) && S_ISDIR(n->st.st_mode)) {
			rc = ENOTDIR;
			goto out;
		}
		dir_remove(to, newname);
		old->st.st_nlink = 0;
		node_maybe_free(old);
	}
	dir_remove(from, name);
	if (dir_add(to, newname, n) < 0)
		rc = ENOMEM; /* n is lost; only under memory exhaustion */
	now_ts(&n->st.st_ctim);
out:
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_err(req, rc);
}

/* CEILINGFS_NOOPEN=1: open and flush answer ENOSYS, after which the kernel
 * sends no OPEN, RELEASE or FLUSH for files at all: the open-less read
 * that the hot-read lever of the benchmark measures. */
static int no_open;

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	node *n;

	COUNT(C_OPEN);
	if (no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	pthread_rwlock_wrlock(&fsx.lock);
	if (!(n = node_get(ino))) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (S_ISDIR(n->st.st_mode)) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY) {
		n->st.st_size = 0;
		now_ts(&n->st.st_mtim);
		n->st.st_ctim = n->st.st_mtim;
	}
	n->open++;
	pthread_rwlock_unlock(&fsx.lock);
	/* the open flags of fs/file.c's open_node for a quiet item */
	if ((fi->flags & O_ACCMODE) == O_RDONLY) {
		fi->noflush = 1;
		fi->keep_cache = 1;
	} else {
		fi->direct_io = 1;
	}
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	node *n;

	(void)fi;
	COUNT(C_READ);
	pthread_rwlock_rdlock(&fsx.lock);
	if (!(n = node_get(ino))) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (off >= n->st.st_size)
		size = 0;
	else if ((off_t)size > n->st.st_size - off)
		size = (size_t)(n->st.st_size - off);
	/* the reply copies the bytes into the kernel before the lock drops */
	fuse_reply_buf(req, size ? n->data + off : NULL, size);
	pthread_rwlock_unlock(&fsx.lock);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	node *n;
	size_t end = (size_t)off + size;

	COUNT(C_WRITE);
	pthread_rwlock_wrlock(&fsx.lock);
	if (!(n = node_get(ino))) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fi->flags & O_APPEND)
		off = n->st.st_size, end = (size_t)off + size;
	if (end > (size_t)n->st.st_size && set_size(n, end) < 0) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(n->data + off, buf, size);
	now_ts(&n->st.st_mtim);
	n->st.st_ctim = n->st.st_mtim;
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_write(req, size);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	COUNT(C_FLUSH);
	fuse_reply_err(req, no_open ? ENOSYS : 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	(void)fi;
	COUNT(C_FSYNC);
	fuse_reply_err(req, 0);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	node *n;

	(void)fi;
	COUNT(C_RELEASE);
	pthread_rwlock_wrlock(&fsx.lock);
	if ((n = node_get(ino))) {
		n->open--;
		node_maybe_free(n);
	}
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_err(req, 0);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	node *n;

	COUNT(C_OPENDIR);
	pthread_rwlock_wrlock(&fsx.lock);
	if (!(n = node_get(ino)) || !S_ISDIR(n->st.st_mode)) {
		pthread_rwlock_unlock(&fsx.lock);
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	n->open++;
	pthread_rwlock_unlock(&fsx.lock);
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	char *buf = malloc(size), *p = buf;
	size_t rem = size, need, i;
	node *dir;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_rwlock_wrlock(&fsx.lock);
	if (!(dir = node_get(ino))) {
		pthread_rwlock_unlock(&fsx.lock);
		free(buf);
		fuse_reply_err(req, ENOENT);
		return;
	}
	for (i = (size_t)off; i < dir->nslots + 2; i++) {
		struct fuse_entry_param e;
		const char *name;
		node *n;

		if (i < 2) {
			name = i == 0 ? "." : "..";
			n = i == 0 ? dir : node_get(dir->parent ? dir->parent : dir->ino);
			memset(&e, 0, sizeof(e));
			e.attr.st_ino = n ? n->ino : dir->ino;
			e.attr.st_mode = S_IFDIR;
		} else {
			slot *s = &dir->slots[i - 2];

			if (!s->n)
				continue;
			name = s->name;
			n = s->n;
			entry_of(&e, n);
		}
		if (!plus) {
			need = fuse_add_direntry(req, p, rem, name, &e.attr, (off_t)i + 1);
		} else {
			/* "." and ".." carry no entry: the kernel must not count a lookup */
			if (i < 2)
				e.ino = 0;
			need = fuse_add_direntry_plus(req, p, rem, name, &e, (off_t)i + 1);
			if (need <= rem && i >= 2)
				n->nlookup++;
		}
		if (need > rem)
			break;
		p += need;
		rem -= need;
	}
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	COUNT(C_READDIR);
	readdir_common(req, ino, size, off, 0);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	(void)fi;
	COUNT(C_READDIRPLUS);
	readdir_common(req, ino, size, off, 1);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	node *n;

	(void)fi;
	COUNT(C_RELEASEDIR);
	pthread_rwlock_wrlock(&fsx.lock);
	if ((n = node_get(ino))) {
		n->open--;
		node_maybe_free(n);
	}
	pthread_rwlock_unlock(&fsx.lock);
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	COUNT(C_STATFS);
	/* ddbfs reports DATA_DIR's file system; ours is memory: report /tmp's */
	if (statvfs("/tmp", &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_statfs(req, &sv);
}

/* xattrs: ddbfs has them (SPEC §7), so the kernel asks for each write's
 * security.capability there; answering the same questions here keeps that
 * round trip in both. None are stored. */
static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	COUNT(C_GETXATTR);
	fuse_reply_err(req, ENODATA);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	COUNT(C_LISTXATTR);
	if (size == 0)
		fuse_reply_xattr(req, 0);
	else
		fuse_reply_buf(req, NULL, 0);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	COUNT(C_SETXATTR);
	fuse_reply_err(req, ENOTSUP);
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.statfs = op_statfs,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.fsync = op_fsync,
	.release = op_release,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.setxattr = op_setxattr,
};

/* With CEILINGFS_COUNTS=FILE, the number of requests of each kind goes to
 * FILE at unmount: what the kernel asked for, to compare workloads. */
static void write_counts(void)
{
	const char *path = getenv("CEILINGFS_COUNTS");
	FILE *f;
	int i;

	if (!path || !(f = fopen(path, "w")))
		return;
	for (i = 0; i < C_COUNT; i++)
		fprintf(f, "%s %llu\n", count_names[i], (unsigned long long)fsx.counts[i]);
	fclose(f);
}

/* With CEILINGFS_PIDFILE=FILE, our pid goes there once mounted: for the
 * run script's clean-up and for our memory. */
static void write_pid(void)
{
	const char *path = getenv("CEILINGFS_PIDFILE");
	FILE *f;

	if (!path || !(f = fopen(path, "w")))
		return;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config *loop;
	struct fuse_session *se;
	const char *mnt = NULL;
	int foreground = 0, i, rc = 1;
	node *root;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0)
			foreground = 1;
		else if (!mnt && argv[i][0] != '-')
			mnt = argv[i];
		else
			mnt = NULL, i = argc;
	}
	if (!mnt) {
		fprintf(stderr, "usage: ceilingfs MOUNTPOINT [-f]\n");
		return 2;
	}
	no_open = getenv("CEILINGFS_NOOPEN") && strcmp(getenv("CEILINGFS_NOOPEN"), "1") == 0;
	if (ht_grow() < 0 || !(root = node_new(S_IFDIR | 0755, NULL)) ||
	    root->ino != FUSE_ROOT_ID) {
		fprintf(stderr, "ceilingfs: out of memory\n");
		return 1;
	}
	root->linked = 1;
	fuse_opt_add_arg(&args, "ceilingfs");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, "default_permissions,fsname=ceilingfs,subtype=ceilingfs");
	if (!(se = fuse_session_new(&args, &ops, sizeof(ops), NULL)))
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, mnt) != 0)
		goto out_signals;
	/* returns in the child once mounted; the parent exits 0 then */
	if (fuse_daemonize(foreground) != 0)
		goto out_unmount;
	write_pid();
	loop = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(loop, 16);
	fuse_loop_cfg_set_idle_threads(loop, 8);
	rc = fuse_session_loop_mt(se, loop) == 0 ? 0 : 1;
	fuse_loop_cfg_destroy(loop);
	write_counts();
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
	return rc;
}
