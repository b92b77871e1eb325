/* rename (SPEC §6): a table in one transaction; an item to another key;
 * an item to a scratch name (its delete deferred, hide.c); a scratch file
 * to an item's name (one PutItem); scratch to scratch on the real files.
 * The node map follows each. */
#include "rename.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "errlog.h"
#include "file.h"
#include "hide.h"
#include "hot.h"
#include "inode.h"
#include "name.h"
#include "node.h"
#include "notify.h"
#include "scratch.h"

/* How long a rename waits for a closed file's release (ms). */
#define RELEASE_WAIT_MS 2000

/*
 * Whether n's writers are gone, waiting a little for them: close(2)
 * returns once its FLUSH is answered, but the RELEASE that ends the open
 * comes after it, asynchronously, so `rsync` and editors that close a
 * file and rename it at once find it still open for a moment.
 */
static int released(const fs_node *n)
{
	int i;

	for (i = 0; i < RELEASE_WAIT_MS && n->wopen; i++)
		usleep(1000);
	return !n->wopen;
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
	n->has_sk = t->ti.schema.sk[0] != 0;
	if ((rc = fs_node_set_key(n, n->has_sk ? &t->pk : NULL, &t->key)) < 0)
		return rc;
	/* last, for a getattr that reads the kind without fs.lock: once it
	 * sees an item, the item's table and key are in place */
	__atomic_store_n(&n->kind, FS_ITEM, __ATOMIC_RELEASE);
	return 0;
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
	lay_buf text = LAY_BUF_INIT, ddb = LAY_BUF_INIT, path = LAY_BUF_INIT;
	void *expect = NULL;
	eng_meta meta;
	fs_node *old;
	lay_key from;
	int rc;

	if (strcmp(dir->table, ndir->table) != 0)
		return lay_err_set(err, -EXDEV, "items move between tables by copy");
	fs_target_key(st, &from);
	if (fs_is_hidden(dir->table, &from))
		return -ENOENT;
	/* the daemon's own read (free): the item moves, no user reads it */
	rc = eng_item_get(fs.db, NULL, dir->table, &from, &item, &meta, err);
	if (rc == 0 && (rc = lay_json_render(&text, &item, fs.format)) == 0)
		rc = lay_json_render(&ddb, &item, LAY_FMT_DDB);
	if (rc == 0)
		rc = fs_scratch_path(&path, ndir, newname);
	/* journalled before the file is in place: all or nothing after a crash */
	if (rc == 0 && !(expect = fs_hide_expect(dir->table, &from, &ddb, &path)))
		rc = -ENOMEM;
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
		fs_part_keep(req, dir);
	}
out:
	fs_hide_expect_end(expect);
	lay_item_free(&item);
	lay_buf_free(&text);
	lay_buf_free(&ddb);
	lay_buf_free(&path);
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
	fs_scratch_tidy(dir);
out:
	lay_buf_free(&from);
	lay_buf_free(&to);
	return rc;
}

void fs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		  const char *newname, unsigned int flags)
{
	fs_node *dir = fs_node_of(parent), *ndir = fs_node_of(newparent), *n, *old;
	lay_err err = { 0 };
	fs_target st = { 0 }, dt = { 0 };
	eng_dirmeta table_before;
	struct stat sst;
	lay_key from, to;
	int rc, part_new, noreplace = !!(flags & RENAME_NOREPLACE);

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		fs_fail(req, "rename", dir, name, -EINVAL,
			&(lay_err){ -EINVAL,
				    "only RENAME_NOREPLACE and RENAME_EXCHANGE are supported" });
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
		rc = eng_resolve_hash(fs.db, FS_REQ(req), ndir->table, ndir->kind == FS_PART ? &ndir->pk : NULL,
				      dt.hash, &dt.store, &dt.key, &err);
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
			      (st.kind == FS_SCRATCH && dt.kind == FS_ITEM)) &&
	    !released(n)) {
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
			rc = eng_table_rename(fs.db, FS_REQ(req), name, newname, noreplace, &err);
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
			fs_hot_mark(n);
		pthread_mutex_lock(&fs.lock);
		old = fs_node_find(newparent, newname);
		pthread_mutex_unlock(&fs.lock);
		if (old)
			fs_hot_mark(old);
		part_new = fs_part_table_times(ndir, &table_before);
		if (rc == 0)
			rc = eng_item_rename(fs.db, FS_REQ(req), dir->table, &from, &to,
					     noreplace && !fs_is_hidden(dir->table, &to), &err);
		if (rc < 0)
			goto out;
		fs_unhide_key(dir->table, &to);
		fs_part_exists(req, ndir, part_new ? &table_before : NULL);
		if (dir != ndir)
			fs_part_keep(req, dir);
		pthread_mutex_lock(&fs.lock);
		clear_name(ndir, newname, n);
		if (n && (rc = fs_node_rehash(n, ndir, newname)) == 0)
			rc = fs_node_set_key(n, n->has_sk ? &dt.pk : NULL, &dt.key);
		pthread_mutex_unlock(&fs.lock);
		if (n) {
			fs_hot_mark(n);
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
		void *expect = NULL;

		if (!n || (rc = fs_scratch_path(&path, dir, name)) < 0) {
			rc = n ? rc : -ENOENT;
			lay_buf_free(&path);
			goto out;
		}
		/* journalled first: after a crash, the file and the commit go
		 * together */
		part_new = fs_part_table_times(ndir, &table_before);
		rc = fs_file_put_scratch(n, ndir, newname, &dt, noreplace, &expect, &err);
		if (rc < 0) {
			fs_hide_expect_end(expect);
			lay_buf_free(&path);
			goto out;
		}
		fs_part_exists(req, ndir, part_new ? &table_before : NULL);
		/* the item holds the content now; the file goes */
		if (unlinkat(fs_scratch_root(), path.p, 0) < 0)
			fs_log("rename: cannot remove scratch file %s: %s", path.p,
			       strerror(errno));
		fs_hide_expect_end(expect);
		lay_buf_free(&path);
		fs_hide_drop(n);
		pthread_mutex_lock(&fs.lock);
		clear_name(ndir, newname, n);
		rc = become_item(n, ndir, newname, &dt);
		pthread_mutex_unlock(&fs.lock);
		fs_hot_mark(n);
		fs_notify_inode(fs_ino_of(n));
		fs_dir_changed(dir);
		fs_scratch_tidy(dir);
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
		fs_fail(req, "rename", dir, name, rc, &err);
		return;
	}
	fuse_reply_err(req, 0);
}
