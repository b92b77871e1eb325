/* Directory and metadata operations of the mount (SPEC §2, §3, §6): lookup,
 * getattr/setattr, mkdir/rmdir, unlink, rename, readdir(plus), statfs. */
#include "fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "../layout/name.h"
#include "attr.h"
#include "expire.h"
#include "file.h"
#include "name.h"

void fs_path_of(lay_buf *out, const fs_node *n, const char *child)
{
	const char *parts[64];
	size_t count = 0;

	pthread_mutex_lock(&fs.lock);
	while (n && n != fs.root && count < 64) {
		parts[count++] = n->name;
		n = n->parent ? fs_node_of(n->parent) : NULL;
	}
	while (count--) {
		lay_buf_addc(out, '/');
		lay_buf_adds(out, parts[count]);
	}
	pthread_mutex_unlock(&fs.lock);
	if (child) {
		lay_buf_addc(out, '/');
		lay_buf_adds(out, child);
	}
	if (!out->len)
		lay_buf_addc(out, '/');
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

/* The scratch node hiding key (rename(item, scratch)), or NULL. */
static fs_node *hider_of(const char *table, const lay_key *key);

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
		if (n->kind == kind)
			return n;
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
		rc = eng_table_get(fs.db, name, &t.ti, err);
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
		rc = eng_part_get(fs.db, dir->table, &t.pk, &dm, err);
		if (rc == 0)
			fs_attr_dir(st, &dm);
		break;
	case FS_ITEM:
		fs_target_key(&t, &key);
		pthread_mutex_lock(&fs.lock);
		rc = hider_of(dir->table, &key) ? -ENOENT : 0;
		pthread_mutex_unlock(&fs.lock);
		if (rc == 0)
			rc = eng_item_get(fs.db, dir->table, &key, NULL, &meta, err);
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
		if (to_set & ~(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			       FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) {
			fail(req, "setattr", n, NULL, -EROFS,
			     &(lay_err){ -EROFS, "generated entries are read-only" });
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
		if (n->kind != FS_ITEM && n->kind != FS_SCRATCH) {
			fail(req, "truncate", n, NULL, -EISDIR, NULL);
			return;
		}
		rc = fs_file_truncate(req, n, fh, attr->st_size, &err);
		if (rc < 0) {
			fail(req, "truncate", n, NULL, rc, &err);
			return;
		}
	}
	if (!which)
		goto reply;

	pthread_mutex_lock(&fs.lock);
	if (n->mem || n->kind == FS_SCRATCH) {
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
		rc = eng_item_set_meta(fs.db, n->table, &key, &m, which, NULL, &err);
	} else {
		dm.mode = m.mode;
		dm.uid = m.uid;
		dm.gid = m.gid;
		dm.mtime_ns = m.mtime_ns;
		dm.ctime_ns = m.ctime_ns;
		if (n->kind == FS_TABLE)
			rc = eng_table_set_dirmeta(fs.db, n->table, &dm, which, &err);
		else
			rc = eng_part_set_meta(fs.db, n->table, &n->pk, &dm, which, &err);
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
		rc = eng_resolve_hash(fs.db, dir->table, NULL, t.hash, &t.store, &t.key, &err);
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
		rc = eng_table_create(fs.db, name, NULL, &dm, &err);
		if (rc == 0)
			rc = eng_table_get(fs.db, name, &t.ti, &err);
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

		rc = t.pk.type ? eng_part_get(fs.db, dir->table, &t.pk, &dm, &err) : -ENOENT;
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
	} else if (rc == 0) {
		if (t.kind == FS_MAGIC_FILE)
			rc = lay_err_set(&err, -EEXIST, "%s is a reserved name", name);
		else if (dir->kind == FS_PART)
			rc = lay_err_set(&err, -EPERM, "a partition directory holds only items");
		else
			rc = lay_err_set(&err, -EPERM,
					 "table %s has no sort key: its items are files directly "
					 "in it, it has no partition directories",
					 dir->table);
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
			rc = lay_err_set(&err, -ENOTEMPTY, "table %s holds scratch files", name);
		else
			rc = eng_table_delete(fs.db, name, &err);
	} else if (rc == 0 && t.kind == FS_PART) {
		if (n && n->mem) {
			rc = n->mchildren ? lay_err_set(&err, -ENOTEMPTY, "partition holds files")
					  : 0;
			if (rc == 0 && n->pk.type &&
			    eng_part_get(fs.db, dir->table, &n->pk, NULL, NULL) == 0)
				rc =
				    lay_err_set(&err, -ENOTEMPTY, "partition %s holds items", name);
			if (rc == 0) {
				pthread_mutex_lock(&fs.lock);
				fs_node_mem_unlink(n);
				pthread_mutex_unlock(&fs.lock);
			}
		} else {
			eng_dirmeta dm;

			rc = eng_part_get(fs.db, dir->table, &t.pk, &dm, &err);
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

/* ---- hidden items: rename(item, scratch) defers the delete (SPEC §6) ---- */

static fs_node *hiders[1024];
static size_t nhiders;

static int key_equal(const lay_key *a, const lay_key *b)
{
	if (!lay_value_equal(&a->pk, &b->pk))
		return 0;
	if (!a->sk.type && !b->sk.type)
		return 1;
	return a->sk.type == b->sk.type && lay_value_equal(&a->sk, &b->sk);
}

static fs_node *hider_of(const char *table, const lay_key *key)
{
	size_t i;

	for (i = 0; i < nhiders; i++)
		if (strcmp(hiders[i]->table, table) == 0 && key_equal(&hiders[i]->hidden, key))
			return hiders[i];
	return NULL;
}

int fs_is_hidden(const char *table, const lay_key *key)
{
	int hidden;

	pthread_mutex_lock(&fs.lock);
	hidden = hider_of(table, key) != NULL;
	pthread_mutex_unlock(&fs.lock);
	return hidden;
}

/* Make scratch s hide key of its table. Needs fs.lock. */
static int hide(fs_node *s, const lay_key *key)
{
	lay_item keys = LAY_ITEM_INIT;
	lay_key copy = { 0 };

	if (nhiders == sizeof(hiders) / sizeof(hiders[0]))
		return -ENOSPC;
	if (lay_value_copy(&keys, &copy.pk, &key->pk) < 0 ||
	    (key->sk.type && lay_value_copy(&keys, &copy.sk, &key->sk) < 0)) {
		lay_item_free(&keys);
		return -ENOMEM;
	}
	lay_item_free(&s->hidden_keys);
	s->hidden_keys = keys;
	s->hidden = copy;
	s->hides = 1;
	hiders[nhiders++] = s;
	return 0;
}

/* Forget s's deferred delete (the item was committed again, or deleted). */
void fs_unhide(fs_node *s)
{
	size_t i;

	if (!s->hides)
		return;
	for (i = 0; i < nhiders; i++) {
		if (hiders[i] == s) {
			hiders[i] = hiders[--nhiders];
			break;
		}
	}
	s->hides = 0;
	lay_item_free(&s->hidden_keys);
	memset(&s->hidden, 0, sizeof(s->hidden));
}

/* A commit of key in table ends its hiding: the put is then one MODIFY. */
void fs_unhide_key(const char *table, const lay_key *key)
{
	fs_node *s;

	pthread_mutex_lock(&fs.lock);
	if ((s = hider_of(table, key)))
		fs_unhide(s);
	pthread_mutex_unlock(&fs.lock);
}

/* Carry out scratch s's deferred delete, if it still has one. */
static void drop_hidden(fs_node *s)
{
	lay_item keys = LAY_ITEM_INIT;
	lay_key key;
	char *table = NULL;
	lay_err err = { 0 };

	pthread_mutex_lock(&fs.lock);
	if (s->hides) {
		keys = s->hidden_keys;
		key = s->hidden;
		s->hidden_keys = (lay_item)LAY_ITEM_INIT;
		table = strdup(s->table);
		fs_unhide(s);
	}
	pthread_mutex_unlock(&fs.lock);
	if (table) {
		int rc = eng_item_delete(fs.db, table, &key, NULL, &err);

		if (rc < 0 && rc != -ENOENT)
			fs_log("deferred delete in %s failed: %s", table, err.msg);
	}
	free(table);
	lay_item_free(&keys);
}

/* The file a rename replaced: its name goes, and a deferred delete it held
 * happens now (rename(2) unlinks what it replaces). */
static void drop_replaced(fs_node *old)
{
	pthread_mutex_lock(&fs.lock);
	fs_node_mem_unlink(old);
	fs_node_unhash(old);
	pthread_mutex_unlock(&fs.lock);
	drop_hidden(old);
	pthread_mutex_lock(&fs.lock);
	fs_node_maybe_free(old);
	pthread_mutex_unlock(&fs.lock);
}

/* At unmount: every deferred delete happens now. */
void fs_hidden_release_all(void)
{
	while (nhiders)
		drop_hidden(hiders[nhiders - 1]);
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
	if (eng_part_get(fs.db, dir->table, &dir->pk, &dm, NULL) != -ENOENT)
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
	if (n && n->mem && n->kind == FS_SCRATCH) {
		fs_node_mem_unlink(n);
		fs_node_unhash(n);
		pthread_mutex_unlock(&fs.lock);
		drop_hidden(n);
		pthread_mutex_lock(&fs.lock);
		fs_node_maybe_free(n);
		pthread_mutex_unlock(&fs.lock);
		fuse_reply_err(req, 0);
		return;
	}
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
		pthread_mutex_lock(&fs.lock);
		rc = hider_of(dir->table, &key) ? -ENOENT : 0;
		pthread_mutex_unlock(&fs.lock);
		if (rc == 0)
			rc = eng_item_delete(fs.db, dir->table, &key, NULL, &err);
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
	lay_buf_free(&n->data);
	return fs_node_set_key(n, n->has_sk ? &t->pk : NULL, &t->key);
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

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	fs_node *dir = fs_node_of(parent), *ndir = fs_node_of(newparent), *n, *old;
	lay_err err = { 0 };
	fs_target st = { 0 }, dt = { 0 };
	lay_key from, to;
	int rc, noreplace = !!(flags & RENAME_NOREPLACE);

	if (flags & ~RENAME_NOREPLACE) {
		fail(req, "rename", dir, name, -EINVAL,
		     &(lay_err){ -EINVAL, "only RENAME_NOREPLACE is supported" });
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
		rc = eng_resolve_hash(fs.db, ndir->table, ndir->kind == FS_PART ? &ndir->pk : NULL,
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
	if (st.kind == FS_TABLE && dt.kind == FS_TABLE) {
		/* one transaction: the table keeps its schema, items and stream */
		rc = eng_table_rename(fs.db, name, newname, noreplace, &err);
		if (rc == 0)
			rename_table_nodes(n, ndir, name, newname);
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
		pthread_mutex_lock(&fs.lock);
		rc = hider_of(dir->table, &from) ? -ENOENT : 0;
		pthread_mutex_unlock(&fs.lock);
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
			rc = eng_item_rename(fs.db, dir->table, &from, &to,
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
		lay_item item = LAY_ITEM_INIT;
		lay_buf text = LAY_BUF_INIT;
		eng_meta meta;

		if (strcmp(dir->table, ndir->table) != 0) {
			rc = lay_err_set(&err, -EXDEV, "items move between tables by copy");
			goto out;
		}
		fs_target_key(&st, &from);
		rc = eng_item_get(fs.db, dir->table, &from, &item, &meta, &err);
		if (rc == 0)
			rc = lay_json_render(&text, &item, fs.format);
		lay_item_free(&item);
		pthread_mutex_lock(&fs.lock);
		if (rc == 0 && hider_of(dir->table, &from))
			rc = -ENOENT;
		old = fs_node_find(newparent, newname);
		if (rc == 0 && old && noreplace)
			rc = -EEXIST;
		if (rc == 0 && !n)
			n = fs_node_new(dir, name, FS_ITEM);
		if (rc == 0 && !n)
			rc = -ENOMEM;
		pthread_mutex_unlock(&fs.lock);
		if (rc == 0 && old && old != n)
			drop_replaced(old);
		if (rc == 0) {
			/* the item's name goes now, its row when the scratch does */
			pthread_mutex_lock(&fs.lock);
			rc = fs_node_rehash(n, ndir, newname);
			if (rc == 0) {
				n->kind = FS_SCRATCH;
				lay_buf_free(&n->data);
				n->data = text;
				text = (lay_buf)LAY_BUF_INIT;
				n->mode = meta.mode;
				n->uid = meta.uid;
				n->gid = meta.gid;
				n->mtime_ns = meta.mtime_ns;
				n->ctime_ns = eng_clock_now_ns(eng_db_clock(fs.db));
				n->atime_ns = meta.mtime_ns;
				/* a new name's file (`x.json~`); x.json keeps the number */
				n->ino = fs_attr_new_ino();
				fs_node_mem_link(ndir, n);
				rc = hide(n, &from);
			}
			pthread_mutex_unlock(&fs.lock);
			if (rc == 0)
				fs_notify_inode(fs_ino_of(n)); /* a new file: its number */
		}
		lay_buf_free(&text);
		goto out;
	}

	if (st.kind == FS_SCRATCH && dt.kind == FS_ITEM) {
		if (!n) {
			rc = -ENOENT;
			goto out;
		}
		rc = fs_file_put_scratch(n, ndir, newname, &dt, noreplace, &err);
		if (rc < 0)
			goto out;
		drop_hidden(n);
		pthread_mutex_lock(&fs.lock);
		clear_name(ndir, newname, n);
		rc = become_item(n, ndir, newname, &dt);
		pthread_mutex_unlock(&fs.lock);
		fs_file_heat(n);
		fs_notify_inode(fs_ino_of(n));
		goto out;
	}

	if (st.kind == FS_SCRATCH && dt.kind == FS_SCRATCH) {
		if (!n) {
			rc = -ENOENT;
			goto out;
		}
		pthread_mutex_lock(&fs.lock);
		old = fs_node_find(newparent, newname);
		rc = old && noreplace ? -EEXIST : 0;
		pthread_mutex_unlock(&fs.lock);
		if (rc == 0 && old && old != n)
			drop_replaced(old);
		if (rc == 0) {
			pthread_mutex_lock(&fs.lock);
			fs_node_mem_unlink(n);
			rc = fs_node_rehash(n, ndir, newname);
			if (rc == 0) {
				free(n->table);
				n->table = ndir->table ? strdup(ndir->table) : NULL;
				fs_node_mem_link(ndir, n);
			}
			pthread_mutex_unlock(&fs.lock);
		}
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

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	fail(req, "symlink", fs_node_of(parent), name, -EPERM,
	     &(lay_err){ -EPERM, "symbolic links are not supported" });
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
