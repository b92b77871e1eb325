/* Directory listings (SPEC §3): a snapshot taken at offset 0 (so offsets
 * stay valid while entries are deleted during the walk, and rewinddir sees
 * new names), in DynamoDB key order, memory objects after the engine's.
 *
 * A reply with attributes (readdirplus) gives the kernel a name to keep.
 * Once anything changed since the snapshot (fs_names_changed), a name in
 * it may have gone or moved, or its attributes grown old: the kernel would
 * keep a name that is not there (open(O_CREAT) of it then fails with
 * ENOENT) or, for a renamed file, a second name of it. From then on an
 * entry carries attributes only for a node the kernel already holds under
 * that name, freshly read; the others are plain names, looked up when
 * used. Renames and deletes the kernel makes hold the directory's lock,
 * so they fall before a listing's snapshot or after its reply; other
 * fronts' changes count once made, and their notes to the kernel
 * (notify.c) wait for the reply they race. */
#include "dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dirbuf.h"
#include "errlog.h"
#include "file.h"
#include "inode.h"
#include "kind.h"
#include "node.h"

static int fill(fs_dirh *d, fs_node *dir, lay_err *err)
{
	fs_dent *e;
	fs_node *m;
	int rc = 0;

	fs_dirh_clear(d);
	d->gen = fs_names_gen();
	/* files closed with nothing written are committed before a listing */
	for (;;) {
		pthread_mutex_lock(&fs.lock);
		for (m = dir->mchildren; m; m = m->mnext)
			if (m->kind == FS_ITEM && m->dirty && m->dirty->idle)
				break;
		pthread_mutex_unlock(&fs.lock);
		if (!m)
			break;
		fs_file_settle(NULL, m);
		pthread_mutex_lock(&fs.lock);
		if (m->dirty && m->dirty->idle)
			m->dirty->idle = 0; /* its commit failed: do not spin */
		pthread_mutex_unlock(&fs.lock);
	}
	if (!(e = fs_dirh_add(d, ".", 1, 0)))
		return -ENOMEM;
	e->st.st_mode = S_IFDIR;
	e->st.st_ino = 1; /* readdir(3) skips entries whose d_ino is 0 */
	if (!(e = fs_dirh_add(d, "..", 2, 0)))
		return -ENOMEM;
	e->st.st_mode = S_IFDIR;
	e->st.st_ino = 1;
	if ((rc = fs_kind_readdir(dir, d, err)) < 0)
		return rc;

	pthread_mutex_lock(&fs.lock);
	for (m = dir->mchildren; m && rc >= 0; m = m->mnext) {
		if (m->kind != FS_PART)
			continue; /* an item is listed once committed */
		if (!(e = fs_dirh_add(d, m->name, strlen(m->name), m->kind))) {
			rc = -ENOMEM;
			break;
		}
		e->node = m;
		e->st.st_ino = m->ino;
		if (m->kind == FS_PART && m->pk.type &&
		    lay_value_copy(&d->store, &e->key, &m->pk) < 0)
			rc = -ENOMEM;
		e->st.st_mode = S_IFDIR | m->mode;
	}
	pthread_mutex_unlock(&fs.lock);
	if (rc < 0)
		return rc;
	/* partitions made by mkdir take their place in key order */
	if (d->sort_from && dir->mchildren)
		fs_dirh_sort(d, d->sort_from);
	d->filled = 1;
	return 0;
}

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_node *n = fs_node_of(ino);
	fs_dirh *d;

	if (n->kind == FS_SCRATCH) {
		struct stat st;

		if (fs_kind_getattr(n, &st, NULL) < 0 || !S_ISDIR(st.st_mode)) {
			fuse_reply_err(req, ENOTDIR);
			return;
		}
	}
	if (n->kind == FS_ITEM || n->kind == FS_MAGIC_FILE) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (!(d = calloc(1, sizeof(*d)))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_lock(&fs.lock);
	n->open++;
	pthread_mutex_unlock(&fs.lock);
	fi->fh = (uintptr_t)d;
	/* .ddbfs, .snapshots and backups change with time, not with writes */
	fi->cache_readdir = n->kind != FS_MAGIC_DIR && n->kind != FS_SNAPS && n->kind != FS_BACKUPS;
	fi->keep_cache = fi->cache_readdir;
	fuse_reply_open(req, fi);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi, int plus)
{
	fs_node *dir = fs_node_of(ino), *n;
	fs_dirh *d = (fs_dirh *)(uintptr_t)fi->fh;
	lay_err err = { 0 };
	char *buf, *p;
	size_t rem = size, i;
	int rc = 0, changed;

	if (!(buf = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (off == 0 || !d->filled)
		rc = fill(d, dir, &err);
	if (rc < 0) {
		pthread_mutex_unlock(&d->lock);
		free(buf);
		lay_buf path = LAY_BUF_INIT;

		fs_path_of(&path, dir, NULL);
		fs_errlog_add(req, "readdir", path.p, rc, err.msg);
		lay_buf_free(&path);
		{
			fuse_reply_err(req, -rc);
			return;
		}
	}
	changed = plus && fs_names_gen() != d->gen;
	p = buf;
	for (i = (size_t)off; i < d->n; i++) {
		fs_dent *e = &d->v[i];
		const char *name = d->names.p + e->name_off;
		size_t need;

		if (!plus) {
			need = fuse_add_direntry(req, p, rem, name, &e->st, (off_t)i + 1);
			if (need > rem)
				break;
		} else {
			struct fuse_entry_param ep;

			memset(&ep, 0, sizeof(ep));
			ep.attr = e->st;
			n = NULL;
			/* a point is made by its lookup, which gives it its time */
			if (e->kind && e->kind != FS_POINT && e->kind != FS_BACKUPS &&
			    !(e->kind == FS_MAGIC_FILE && e->magic == FS_M_NONE)) {
				need = fuse_add_direntry_plus(req, NULL, 0, name, &ep, 0);
				if (need > rem)
					break;
				pthread_mutex_lock(&fs.lock);
				if (e->node && e->node->parent == ino &&
				    (!changed || strcmp(e->node->name, name) == 0))
					n = e->node;
				else if (e->kind == FS_MAGIC_DIR)
					n = fs.ddbfs_dir;
				else if (!e->node && changed)
					n = fs_node_find(ino, name);
				else if (!e->node)
					n = fs_node_get(dir, name, e->kind, e->magic,
							dir->kind == FS_PART ? &dir->pk : &e->key,
							&e->key,
							e->kind == FS_TABLE
							    ? e->has_sk
							    : dir->kind == FS_PART || dir->has_sk);
				if (n) {
					n->nlookup++;
					ep.ino = fs_ino_of(n);
					ep.attr_timeout = e->kind == FS_MAGIC_FILE ? 0 : e->timeout;
					ep.entry_timeout = e->timeout;
					if (changed || n->mem || n->kind == FS_SCRATCH) {
						pthread_mutex_unlock(&fs.lock);
						rc = fs_kind_getattr(n, &ep.attr, NULL);
						pthread_mutex_lock(&fs.lock);
						if (rc < 0) { /* gone since: a plain name */
							n->nlookup--;
							fs_node_maybe_free(n);
							n = NULL;
							memset(&ep, 0, sizeof(ep));
							ep.attr = e->st;
							rc = 0;
						}
					}
				}
				pthread_mutex_unlock(&fs.lock);
			}
			need = fuse_add_direntry_plus(req, p, rem, name, &ep, (off_t)i + 1);
			if (need > rem) {
				/* cannot happen: sized above; undo the count anyway */
				if (n) {
					pthread_mutex_lock(&fs.lock);
					n->nlookup--;
					pthread_mutex_unlock(&fs.lock);
				}
				break;
			}
		}
		p += need;
		rem -= need;
	}
	pthread_mutex_unlock(&d->lock);
	fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, fi, 0);
}

void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, fi, 1);
}

void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_dirh *d = (fs_dirh *)(uintptr_t)fi->fh;
	fs_node *n = fs_node_of(ino);

	fs_dirh_clear(d);
	lay_buf_free(&d->names);
	free(d->v);
	pthread_mutex_destroy(&d->lock);
	free(d);
	pthread_mutex_lock(&fs.lock);
	n->open--;
	fs_node_maybe_free(n);
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}
