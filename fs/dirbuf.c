/* Directory listings being built (SPEC §3): entries of the engine, of
 * scratch space and of memory, named and numbered, sorted in key order. */
#include "dirbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../layout/name.h"
#include "attr.h"
#include "expire.h"
#include "hide.h"
#include "inode.h"
#include "name.h"
#include "node.h"
#include "scratch.h"

void fs_dirh_clear(fs_dirh *d)
{
	d->n = 0;
	lay_buf_reset(&d->names);
	lay_item_free(&d->store);
	d->filled = 0;
	d->sort_from = 0;
}

fs_dent *fs_dirh_add(fs_dirh *d, const char *name, size_t len, fs_kind kind)
{
	fs_dent *e;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		fs_dent *v = realloc(d->v, cap * sizeof(*v));

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

int fs_dirh_add_generated(fs_dirh *d, const char *name, fs_magic magic)
{
	fs_dent *e = fs_dirh_add(d, name, strlen(name), FS_MAGIC_FILE);

	if (!e)
		return -ENOMEM;
	e->magic = magic;
	e->st.st_mode = S_IFREG | 0444;
	e->st.st_ino = fs_ino_generated(magic);
	return 0;
}

typedef struct fill_ctx {
	fs_dirh *d;
	fs_node *dir;
	int items; /* entries are items (else partitions) */
	lay_buf name;
} fill_ctx;

static int fill_one(void *arg, const eng_entry *ent)
{
	fill_ctx *c = arg;
	fs_dent *e;
	int rc;

	if (c->dir->as_of) {
		/* the past: nothing is hidden, no memory partition */
	} else if (!ent->is_partition && !c->dir->has_sk) {
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
	e = fs_dirh_add(c->d, c->name.p, c->name.len, ent->is_partition ? FS_PART : FS_ITEM);
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
	if (c->dir->as_of) {
		/* the past is read-only; a point's partitions are of its time */
		e->st.st_mode &= ~0222u;
		e->st.st_ino = fs_ino_past(c->dir, c->name.p);
		if (ent->is_partition && !c->dir->backup)
			fs_attr_times(&e->st, c->dir->as_of);
	}
	return 0;
}

int fs_dirh_list(fs_dirh *d, fs_node *dir, const lay_value *pk, lay_err *err)
{
	fill_ctx c = { d, dir, 0, LAY_BUF_INIT };
	int rc = eng_list(fs.db, FS_VIEW(dir), dir->table, pk, NULL, 0, 0, fill_one, &c, err);

	lay_buf_free(&c.name);
	return rc;
}

typedef struct real_ctx {
	fs_dirh *d;
	fs_node *dir;
	int parts; /* a table with a sort key: real directories are partitions */
	lay_err *err;
} real_ctx;

/* One entry of the real directory behind a listed directory. */
static int fill_real(void *arg, const char *name, const struct stat *st)
{
	real_ctx *c = arg;
	fs_target t;
	fs_dent *e;

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
			    !(t.pk.type && eng_part_get(fs.db, NULL, c->dir->table, &t.pk, NULL, NULL) == 0))
				fs_part_from_scratch(c->dir, name, &t, st);
			fs_target_free(&t);
			return 0;
		}
		if (!c->parts && lay_name_is_item(name, strlen(name)))
			return 0; /* an item's name: the item shadows it */
	}
	if (!(e = fs_dirh_add(c->d, name, strlen(name), FS_SCRATCH)))
		return -ENOMEM;
	e->st = *st;
	return 0;
}

int fs_dirh_scratch(fs_dirh *d, fs_node *dir, lay_err *err)
{
	real_ctx rcx = { d, dir, dir->kind == FS_TABLE && dir->has_sk, err };

	return fs_scratch_list(dir, fill_real, &rcx);
}

static int dent_cmp(const void *a, const void *b)
{
	const fs_dent *x = a, *y = b;
	int c;

	if (x->key.type && y->key.type && (c = lay_value_cmp(&x->key, &y->key)) != 0)
		return c;
	if (!x->key.type != !y->key.type)
		return x->key.type ? -1 : 1; /* keyed entries first, then scratch files */
	return x->name_off < y->name_off ? -1 : x->name_off > y->name_off;
}

/* Sort entries from first on: keyed ones in key order, the rest after them
 * in the order they came (name_off grows with it). */
void fs_dirh_sort(fs_dirh *d, size_t first)
{
	if (d->n > first + 1)
		qsort(d->v + first, d->n - first, sizeof(*d->v), dent_cmp);
}
