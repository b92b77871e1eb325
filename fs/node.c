/* Nodes for names (SPEC §3): the node a name has, found or made as its
 * object says; memory partitions made from scratch directories and kept
 * when emptied; directory times; paths for the error log. */
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "errlog.h"
#include "inode.h"

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
void fs_fail(fuse_req_t req, const char *op, fs_node *n, const char *child, int rc,
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
	} else if (kind == FS_BACKUPS && dir->kind == FS_BACKUPS && !dir->table) {
		/* .ddbfs/backups/T: the backups of table T */
		if (!(n->table = strdup(name))) {
			fs_node_unhash(n);
			fs_node_maybe_free(n);
			return NULL;
		}
	} else if (kind == FS_MAGIC_FILE || kind == FS_MAGIC_DIR) {
		n->mode = 0444;
		n->ino = fs_ino_generated(magic);
		n->mtime_ns = n->ctime_ns = fs.root->mtime_ns; /* the mount's time */
	}
	return n;
}

fs_node *fs_node_for(fs_node *dir, const char *name, const fs_target *t)
{
	return fs_node_get(dir, name, t->kind, t->magic, &t->pk, &t->key, t->ti.schema.sk[0] != 0);
}

fs_node *fs_node_lookup(fs_node *dir, const char *name, const fs_target *t)
{
	fs_node *n;

	pthread_mutex_lock(&fs.lock);
	if ((n = fs_node_for(dir, name, t)))
		n->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	return n;
}

fs_node *fs_part_from_scratch(fs_node *dir, const char *name, const fs_target *t,
			      const struct stat *st)
{
	fs_node *n;

	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(fs_ino_of(dir), name);
	if (!n || !n->mem) {
		n = fs_node_for(dir, name, t);
		if (n && !n->mem) {
			n->mode = st->st_mode & 07777;
			n->uid = st->st_uid;
			n->gid = st->st_gid;
			n->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
			n->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
			n->atime_ns = n->mtime_ns;
			if (!n->ino)
				n->ino = fs_ino_new();
			fs_node_mem_link(dir, n);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	return n;
}

int fs_table_learn_sk(fs_node *dir, lay_err *err)
{
	eng_table_info ti;
	int rc;

	/* a backup's schema is its own; a point's, the live table's */
	if ((rc = eng_table_get(fs.db, dir->backup ? FS_VIEW(dir) : NULL, dir->table, &ti, err)) < 0)
		return rc;
	pthread_mutex_lock(&fs.lock);
	dir->has_sk = ti.schema.sk[0] != 0;
	pthread_mutex_unlock(&fs.lock);
	return 0;
}

void fs_names_changed(void)
{
	__atomic_add_fetch(&fs.names_gen, 1, __ATOMIC_ACQ_REL);
}

uint64_t fs_names_gen(void)
{
	return __atomic_load_n(&fs.names_gen, __ATOMIC_ACQUIRE);
}

/* A name in dir was made, removed or renamed: its mtime and ctime are now
 * (a scratch directory's are the real directory's own). */
void fs_dir_changed(fs_node *dir)
{
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));
	eng_dirmeta dm = { .mtime_ns = now, .ctime_ns = now };

	fs_names_changed();

	switch (dir->kind) {
	case FS_TABLE:
		eng_table_set_dirmeta(fs.db, NULL, dir->table, &dm, ENG_META_MTIME | ENG_META_CTIME, NULL);
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

int fs_part_table_times(fs_node *dir, eng_dirmeta *out)
{
	eng_table_info ti;
	char *table = NULL;

	if (!dir || !dir->mem)
		return 0; /* the common case: no lock for it */
	pthread_mutex_lock(&fs.lock);
	if (dir->kind == FS_PART && dir->mem && dir->table)
		table = strdup(dir->table);
	pthread_mutex_unlock(&fs.lock);
	if (!table || eng_table_get(fs.db, NULL, table, &ti, NULL) < 0) {
		free(table);
		return 0;
	}
	free(table);
	*out = ti.dir;
	return 1;
}

/*
 * A partition whose last item went stays a directory, as a Unix directory
 * outlives its files (rm -r, find -delete and mv rmdir it afterwards): it
 * becomes a memory partition, like one made by mkdir.
 */
void fs_part_exists(fuse_req_t req, fs_node *dir, const eng_dirmeta *table_before)
{
	eng_dirmeta dm = { 0 };
	lay_value pk = { 0 };
	lay_item store = LAY_ITEM_INIT;
	int copied;

	if (!dir || !dir->mem)
		return; /* the common case: no lock for it */
	pthread_mutex_lock(&fs.lock);
	copied = dir && dir->kind == FS_PART && dir->mem && dir->pk.type &&
		 lay_value_copy(&store, &pk, &dir->pk) == 0;
	if (copied) {
		dm.mode = dir->mode;
		dm.uid = dir->uid;
		dm.gid = dir->gid;
	}
	pthread_mutex_unlock(&fs.lock);
	if (!copied)
		goto out;
	/* the engine made it 0755 and the writer's: what mkdir, chmod and
	 * chown said of it stays */
	eng_part_set_meta(fs.db, FS_REQ(req), dir->table, &pk, &dm,
			  ENG_META_MODE | ENG_META_UID | ENG_META_GID, NULL);
	/* and the table's times stay what the kernel was told (rsync -a set
	 * them, and would find them changed on its next run) */
	if (table_before)
		eng_table_set_dirmeta(fs.db, NULL, dir->table, table_before,
				      ENG_META_MTIME | ENG_META_CTIME, NULL);
	pthread_mutex_lock(&fs.lock);
	if (dir->mem)
		fs_node_mem_unlink(dir);
	pthread_mutex_unlock(&fs.lock);
out:
	lay_item_free(&store);
}

void fs_part_keep(fuse_req_t req, fs_node *dir)
{
	eng_dirmeta dm;

	if (dir->kind != FS_PART || dir->mem || !dir->pk.type)
		return;
	if (eng_part_get(fs.db, FS_REQ(req), dir->table, &dir->pk, &dm, NULL) != -ENOENT)
		return;
	pthread_mutex_lock(&fs.lock);
	if (!dir->mem && dir->parent) {
		uint32_t mode = dir->mode, uid = dir->uid, gid = dir->gid;
		int known = dir->owner_known;

		fs_attr_init_mem(dir, req, 0755);
		if (known) {
			/* emptied, it stays what it was (chmod, chown) */
			dir->mode = mode;
			dir->uid = uid;
			dir->gid = gid;
		}
		fs_node_mem_link(fs_node_of(dir->parent), dir);
	}
	pthread_mutex_unlock(&fs.lock);
}
