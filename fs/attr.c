/* Attributes of nodes (SPEC §3): engine objects report their stored
 * metadata and exact rendered sizes; memory objects their own fields. */
#include "attr.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inode.h"

static void set_times(struct stat *st, int64_t mtime_ns, int64_t ctime_ns, int64_t atime_ns)
{
	st->st_mtim.tv_sec = mtime_ns / 1000000000;
	st->st_mtim.tv_nsec = mtime_ns % 1000000000;
	st->st_ctim.tv_sec = ctime_ns / 1000000000;
	st->st_ctim.tv_nsec = ctime_ns % 1000000000;
	if (!atime_ns)
		atime_ns = mtime_ns;
	st->st_atim.tv_sec = atime_ns / 1000000000;
	st->st_atim.tv_nsec = atime_ns % 1000000000;
}

void fs_attr_dir(struct stat *st, const eng_dirmeta *m)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = fs_ino_engine(m->id);
	st->st_mode = S_IFDIR | (m->mode & 07777);
	st->st_nlink = 2;
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_size = 4096;
	st->st_blksize = 4096;
	st->st_blocks = 8;
	set_times(st, m->mtime_ns, m->ctime_ns, 0);
}

void fs_attr_past_dir(struct stat *st, int64_t as_of, uint64_t ino)
{
	eng_dirmeta dm;

	memset(&dm, 0, sizeof(dm));
	dm.mode = 0555;
	dm.uid = getuid();
	dm.gid = getgid();
	dm.mtime_ns = dm.ctime_ns = as_of;
	fs_attr_dir(st, &dm);
	st->st_ino = ino;
}

void fs_attr_times(struct stat *st, int64_t t_ns)
{
	set_times(st, t_ns, t_ns, t_ns);
}

void fs_attr_item(struct stat *st, const eng_meta *m)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = fs_ino_engine(m->id);
	st->st_mode = S_IFREG | (m->mode & 07777);
	st->st_nlink = 1;
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_size = m->len;
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	set_times(st, m->mtime_ns, m->ctime_ns, 0);
}

void fs_attr_mem(struct stat *st, const fs_node *n, mode_t type)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = type | (n->mode & 07777);
	st->st_nlink = type == S_IFDIR ? 2 : 1;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_size = type == S_IFDIR ? 4096 : 0;
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	set_times(st, n->mtime_ns, n->ctime_ns, n->atime_ns);
}

int fs_attr_if_mem(struct stat *st, const fs_node *n, mode_t type)
{
	int mem;

	if (!n->mem)
		return 0; /* most are not: no lock for them */
	pthread_mutex_lock(&fs.lock);
	mem = n->mem;
	if (mem)
		fs_attr_mem(st, n, type);
	pthread_mutex_unlock(&fs.lock);
	return mem;
}

void fs_attr_remember(fs_node *n, const struct stat *st)
{
	pthread_mutex_lock(&fs.lock);
	if (!n->mem) {
		n->mode = st->st_mode & 07777;
		n->uid = st->st_uid;
		n->gid = st->st_gid;
		n->size = st->st_size;
		n->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
		n->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
		n->ino = st->st_ino;
	}
	pthread_mutex_unlock(&fs.lock);
}

/* A new memory object's metadata: the caller owns it, times are now. */
void fs_attr_init_mem(fs_node *n, fuse_req_t req, mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));

	n->mode = mode & 07777;
	n->uid = ctx->uid;
	n->gid = ctx->gid;
	n->mtime_ns = n->ctime_ns = n->atime_ns = now;
	if (!n->ino)
		n->ino = fs_ino_new();
}
