/* Directory listings (SPEC §3): a snapshot taken at offset 0 (so offsets
 * stay valid while entries are deleted during the walk, and rewinddir sees
 * new names), in DynamoDB key order, memory objects after the engine's. */
#include "dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/name.h"
#include "attr.h"
#include "errlog.h"
#include "expire.h"
#include "file.h"
#include "hide.h"
#include "inode.h"
#include "name.h"
#include "node.h"
#include "scratch.h"

typedef struct dent {
	size_t name_off; /* in names */
	struct stat st;
	fs_kind kind;
	fs_magic magic;
	lay_value key;	/* in store */
	fs_node *node;	/* memory children: the node itself */
	int has_sk;	/* tables: the table has a sort key */
	double timeout; /* how long the kernel may keep it */
} dent;

typedef struct dirh {
	pthread_mutex_t lock; /* first in the lock order (fs.h) */
	dent *v;
	size_t n, cap;
	lay_buf names;
	lay_item store;
	int filled;
} dirh;

static void dirh_clear(dirh *d)
{
	d->n = 0;
	lay_buf_reset(&d->names);
	lay_item_free(&d->store);
	d->filled = 0;
}

static dent *add(dirh *d, const char *name, size_t len, fs_kind kind)
{
	dent *e;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		dent *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	e->name_off = d->names.len;
	e->timeout = fs.timeout;
	if (lay_buf_add(&d->names, name, len) < 0 || lay_buf_addc(&d->names, '\0') < 0)
		return NULL;
	e->kind = kind;
	d->n++;
	return e;
}

typedef struct fill_ctx {
	dirh *d;
	fs_node *dir;
	int items; /* entries are items (else partitions) */
	lay_buf name;
} fill_ctx;

static int fill_one(void *arg, const eng_entry *ent)
{
	fill_ctx *c = arg;
	dent *e;
	int rc;

	if (!ent->is_partition && !c->dir->has_sk) {
		lay_key key = { .pk = *ent->key };

		if (fs_is_hidden(c->dir->table, &key))
			return 0;
	} else if (!ent->is_partition) {
		lay_key key = { .pk = c->dir->pk, .sk = *ent->key };

		if (fs_is_hidden(c->dir->table, &key))
			return 0;
	}
	lay_buf_reset(&c->name);
	if ((rc = lay_name_from_key(&c->name, ent->key, !ent->is_partition)) < 0)
		return rc;
	e = add(c->d, c->name.p, c->name.len, ent->is_partition ? FS_PART : FS_ITEM);
	if (!e)
		return -ENOMEM;
	if (lay_value_copy(&c->d->store, &e->key, ent->key) < 0)
		return -ENOMEM;
	if (ent->is_partition) {
		fs_node *n;

		fs_attr_dir(&e->st, ent->dir);
		pthread_mutex_lock(&fs.lock);
		n = fs_node_find(fs_ino_of(c->dir), c->name.p);
		if (n && n->ino)
			e->st.st_ino = n->ino; /* the number it had since mkdir */
		pthread_mutex_unlock(&fs.lock);
	} else {
		fs_attr_item(&e->st, ent->meta);
		e->timeout = fs_expire_timeout(ent->meta);
	}
	return 0;
}

typedef struct real_ctx {
	dirh *d;
	fs_node *dir;
	int parts; /* a table with a sort key: real directories are partitions */
	lay_err *err;
} real_ctx;

/* One entry of the real directory behind a listed directory. */
static int fill_real(void *arg, const char *name, const struct stat *st)
{
	real_ctx *c = arg;
	fs_target t;
	dent *e;

	if (c->dir->kind != FS_SCRATCH && name[0] != '.') {
		if (c->parts && !S_ISDIR(st->st_mode)) {
			/* a file behind a partition of the same name is not listed */
			int shadowed = fs_name_resolve(&t, c->dir, name, 0, c->err) == 0 &&
				       t.kind == FS_PART;

			fs_target_free(&t);
			if (shadowed)
				return 0;
		}
		if (c->parts && S_ISDIR(st->st_mode)) {
			/* a partition holding only scratch files */
			if (fs_name_resolve(&t, c->dir, name, 0, c->err) == 0 && t.kind == FS_PART &&
			    !(t.pk.type && eng_part_get(fs.db, c->dir->table, &t.pk, NULL, NULL) == 0))
				fs_part_from_scratch(c->dir, name, &t, st);
			fs_target_free(&t);
			return 0;
		}
		if (!c->parts && lay_name_is_item(name, strlen(name)))
			return 0; /* an item's name: the item shadows it */
	}
	if (!(e = add(c->d, name, strlen(name), FS_SCRATCH)))
		return -ENOMEM;
	e->st = *st;
	return 0;
}

static int dent_cmp(const void *a, const void *b)
{
	const dent *x = a, *y = b;
	int c;

	if (x->key.type && y->key.type && (c = lay_value_cmp(&x->key, &y->key)) != 0)
		return c;
	if (!x->key.type != !y->key.type)
		return x->key.type ? -1 : 1; /* keyed entries first, then scratch files */
	return x->name_off < y->name_off ? -1 : x->name_off > y->name_off;
}

/* Sort entries from first on: keyed ones in key order, the rest after them
 * in the order they came (name_off grows with it). */
static void sort_keyed(dirh *d, size_t first)
{
	if (d->n > first + 1)
		qsort(d->v + first, d->n - first, sizeof(*d->v), dent_cmp);
}

static int fill(dirh *d, fs_node *dir, lay_err *err)
{
	static const struct {
		const char *name;
		fs_magic magic;
		int dir;
	} table_magic[] = {
		{ ".table.json", FS_M_TABLE_JSON, 0 },
		{ ".stream", FS_M_STREAM, 0 },
	},
	  ddbfs_magic[] = {
		  { "errors", FS_M_ERRORS, 0 },
		  { "stats.json", FS_M_STATS, 0 },
		  { "clock", FS_M_CLOCK, 0 },
	  };
	fill_ctx c = { d, dir, 0, LAY_BUF_INIT };
	dent *e;
	fs_node *m;
	size_t i, first = 0;
	int rc = 0;

	dirh_clear(d);
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
	if (!(e = add(d, ".", 1, 0)))
		return -ENOMEM;
	e->st.st_mode = S_IFDIR;
	e->st.st_ino = 1; /* readdir(3) skips entries whose d_ino is 0 */
	if (!(e = add(d, "..", 2, 0)))
		return -ENOMEM;
	e->st.st_mode = S_IFDIR;
	e->st.st_ino = 1;

	switch (dir->kind) {
	case FS_ROOT: {
		char **names;
		eng_table_info ti;
		int count;

		if (fs.show_magic) {
			if (!(e = add(d, ".ddbfs", 6, FS_MAGIC_DIR)))
				return -ENOMEM;
			e->st.st_mode = S_IFDIR | 0555;
			e->st.st_ino = fs.ddbfs_dir->ino;
		}
		if ((count = eng_table_list(fs.db, &names)) < 0)
			return count;
		for (i = 0; i < (size_t)count && rc == 0; i++) {
			if (eng_table_get(fs.db, names[i], &ti, NULL) < 0)
				continue; /* deleted meanwhile */
			if (!(e = add(d, names[i], strlen(names[i]), FS_TABLE))) {
				rc = -ENOMEM;
			} else {
				fs_attr_dir(&e->st, &ti.dir);
				e->has_sk = ti.schema.sk[0] != 0;
			}
		}
		eng_names_free(names);
		break;
	}
	case FS_MAGIC_DIR:
		for (i = 0; i < sizeof(ddbfs_magic) / sizeof(ddbfs_magic[0]); i++) {
			if (!(e = add(d, ddbfs_magic[i].name, strlen(ddbfs_magic[i].name),
				      FS_MAGIC_FILE)))
				return -ENOMEM;
			e->magic = ddbfs_magic[i].magic;
			e->st.st_mode = S_IFREG | 0444;
			e->st.st_ino = fs_ino_generated(e->magic);
		}
		break;
	case FS_TABLE: {
		eng_table_info ti;

		/* the schema decides what its real directories are: ask it */
		if ((rc = eng_table_get(fs.db, dir->table, &ti, err)) < 0)
			return rc;
		pthread_mutex_lock(&fs.lock);
		dir->has_sk = ti.schema.sk[0] != 0;
		pthread_mutex_unlock(&fs.lock);
		if (fs.show_magic) {
			for (i = 0; i < sizeof(table_magic) / sizeof(table_magic[0]); i++) {
				if (!(e = add(d, table_magic[i].name, strlen(table_magic[i].name),
					      FS_MAGIC_FILE)))
					return -ENOMEM;
				e->magic = table_magic[i].magic;
				e->st.st_mode = S_IFREG | 0444;
				e->st.st_ino = fs_ino_generated(e->magic);
			}
		}
		first = d->n;
		rc = eng_list(fs.db, dir->table, NULL, NULL, 0, 0, fill_one, &c, err);
		break;
	}
	case FS_PART:
		if (!dir->mem)
			rc = eng_list(fs.db, dir->table, &dir->pk, NULL, 0, 0, fill_one, &c, err);
		break;
	case FS_SCRATCH:
		break;
	default:
		return -ENOTDIR;
	}
	lay_buf_free(&c.name);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (dir->kind == FS_TABLE || dir->kind == FS_PART || dir->kind == FS_SCRATCH) {
		real_ctx rcx = { d, dir, dir->kind == FS_TABLE && dir->has_sk, err };

		if ((rc = fs_scratch_list(dir, fill_real, &rcx)) < 0)
			return rc;
	}

	pthread_mutex_lock(&fs.lock);
	for (m = dir->mchildren; m && rc >= 0; m = m->mnext) {
		if (m->kind != FS_PART)
			continue; /* an item is listed once committed */
		if (!(e = add(d, m->name, strlen(m->name), m->kind))) {
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
	if (dir->kind == FS_TABLE && dir->mchildren)
		sort_keyed(d, first);
	d->filled = 1;
	return 0;
}

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fs_node *n = fs_node_of(ino);
	dirh *d;

	if (n->kind == FS_SCRATCH) {
		struct stat st;

		if (fs_attr_node(n, &st, NULL) < 0 || !S_ISDIR(st.st_mode)) {
			fuse_reply_err(req, ENOTDIR);
			return;
		}
	}
	if (n->kind == FS_ITEM || (n->kind == FS_MAGIC_FILE && n->magic != FS_M_SNAPSHOTS)) {
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
	fi->cache_readdir = n->kind != FS_MAGIC_DIR;
	fi->keep_cache = fi->cache_readdir;
	fuse_reply_open(req, fi);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi, int plus)
{
	fs_node *dir = fs_node_of(ino), *n;
	dirh *d = (dirh *)(uintptr_t)fi->fh;
	lay_err err = { 0 };
	char *buf, *p;
	size_t rem = size, i;
	int rc = 0;

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
	p = buf;
	for (i = (size_t)off; i < d->n; i++) {
		dent *e = &d->v[i];
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
			if (e->kind && !(e->kind == FS_MAGIC_FILE && e->magic == FS_M_NONE)) {
				need = fuse_add_direntry_plus(req, NULL, 0, name, &ep, 0);
				if (need > rem)
					break;
				pthread_mutex_lock(&fs.lock);
				if (e->node && e->node->parent == ino)
					n = e->node;
				else if (e->kind == FS_MAGIC_DIR)
					n = fs.ddbfs_dir;
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
					if (n->mem || n->kind == FS_SCRATCH) {
						pthread_mutex_unlock(&fs.lock);
						fs_attr_node(n, &ep.attr, NULL);
						pthread_mutex_lock(&fs.lock);
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
	dirh *d = (dirh *)(uintptr_t)fi->fh;
	fs_node *n = fs_node_of(ino);

	dirh_clear(d);
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
