/* Extended attributes (SPEC §7): a table's settings as user.ddb.* names,
 * an item's size and TTL; POSIX ACL names answer so that cp, sed and vim
 * fall back quietly. */
#include "xattr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/name.h"
#include "../engine/engine.h"
#include "../layout/num.h"
#include "errlog.h"
#include "hold.h"
#include "inode.h"
#include "magic.h"
#include "node.h"
#include "notify.h"

static void reply_value(fuse_req_t req, size_t size, const char *v, size_t len)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, v, len);
}

static int fail(fuse_req_t req, fs_node *n, const char *op, int rc, const char *msg)
{
	lay_buf path = LAY_BUF_INIT;

	if (rc != -ENODATA) {
		fs_path_of(&path, n, NULL);
		fs_errlog_add(req, op, path.p, rc, msg);
		lay_buf_free(&path);
	}
	fuse_reply_err(req, -rc);
	return rc;
}

/* A kernel cache entry to drop once fs.lock is released. */
struct stale {
	fuse_ino_t ino, parent;
	char *name; /* NULL: the inode only */
};

/* The key value a name gives (bytes in store): 0, or -1 when it gives
 * none (an invalid name, or a long one that only a lookup resolves). */
static int key_of_name(lay_value *out, lay_item *store, const char *name, lay_type t, int item)
{
	lay_err err = { 0 };
	lay_name_key nk;

	if (lay_name_to_key(&nk, store, name, strlen(name), t, item, &err) < 0 || nk.hashed)
		return -1;
	*out = nk.value;
	return 0;
}

/*
 * The key values n's name gives it below parent in a table of schema ns:
 * 1 with pk and key set (bytes in store) when n keeps its kind there, 0
 * when it does not (another kind, an invalid or a long, hashed name).
 */
static int node_key_under(const fs_node *n, const fs_node *parent, const lay_schema *ns,
			  lay_item *store, lay_value *pk, lay_value *key)
{
	int item = lay_name_is_item(n->name, strlen(n->name));

	memset(pk, 0, sizeof(*pk));
	memset(key, 0, sizeof(*key));
	if (parent->kind == FS_TABLE && ns->sk_type && n->kind == FS_PART && !item)
		return key_of_name(pk, store, n->name, ns->pk_type, 0) == 0;
	if (parent->kind == FS_TABLE && !ns->sk_type && n->kind == FS_ITEM && item)
		return key_of_name(key, store, n->name, ns->pk_type, 1) == 0;
	if (parent->kind == FS_PART && ns->sk_type && n->kind == FS_ITEM && item)
		return key_of_name(pk, store, parent->name, ns->pk_type, 0) == 0 &&
		       key_of_name(key, store, n->name, ns->sk_type, 1) == 0;
	return 0;
}

/*
 * After table t was re-keyed to ns: every node of it takes the key its
 * name now gives, or, when the name means something else now (a partition
 * of a table that became hash-only), leaves the map; the kernel is told to
 * forget what it cached of them.
 */
static void rekey_nodes(const fs_node *t, const lay_schema *ns)
{
	struct stale *st = NULL, *grown;
	size_t nst = 0, cap = 0, i;
	fs_node *n, *next;

	pthread_mutex_lock(&fs.lock);
	for (i = 0; i < fs.map_size; i++) {
		for (n = fs.map[i]; n; n = next) {
			lay_item store = LAY_ITEM_INIT;
			lay_value pk, key;
			fs_node *parent;
			int ok;

			next = n->hnext;
			if ((n->kind != FS_PART && n->kind != FS_ITEM) || !n->table ||
			    strcmp(n->table, t->table) != 0 || !n->parent)
				continue;
			parent = fs_node_of(n->parent);
			ok = node_key_under(n, parent, ns, &store, &pk, &key);
			if (nst == cap) {
				cap = cap ? cap * 2 : 32;
				if (!(grown = realloc(st, cap * sizeof(*st)))) {
					lay_item_free(&store);
					continue;
				}
				st = grown;
			}
			st[nst].ino = fs_ino_of(n);
			st[nst].parent = n->parent;
			st[nst].name = NULL;
			n->has_sk = ns->sk_type != 0;
			if (ok)
				ok = fs_node_set_key(n, pk.type ? &pk : NULL,
						     key.type ? &key : NULL) == 0;
			if (!ok && !n->mem) {
				st[nst].name = strdup(n->name);
				fs_node_unhash(n);
				fs_node_maybe_free(n);
			}
			nst++;
			lay_item_free(&store);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	for (i = 0; i < nst; i++) {
		if (st[i].name)
			fs_notify_entry(st[i].parent, st[i].name);
		else
			fs_notify_inode(st[i].ino);
		free(st[i].name);
	}
	free(st);
	fs_notify_inode(fs_ino_of(t));
}

/* The item's or table's option of a user.ddb.* name (engine/engine.h). */
static int set_option(fuse_req_t req, fs_node *n, const char *opt, const char *value, size_t size,
		      lay_err *err)
{
	eng_table_info ti;
	lay_key key;
	int rc;

	if (n->kind == FS_ITEM && !n->mem) {
		fs_node_item_key(n, &key);
		rc = eng_item_option_set(fs.db, FS_REQ(req), n->table, &key, opt, value, size, err);
		if (rc == 0)
			fs_notify_inode(fs_ino_of(n));
		return rc;
	}
	if (n->kind != FS_TABLE)
		return lay_err_set(err, -ENOTSUP, "this user.ddb.* name cannot be set here");
	rc = eng_table_option_set(fs.db, FS_REQ(req), n->table, opt, value, size, err);
	if (rc == 1 && (rc = eng_table_get(fs.db, FS_REQ(req), n->table, &ti, err)) == 0) {
		/* the key schema changed: the nodes follow their items */
		pthread_mutex_lock(&fs.lock);
		n->has_sk = ti.schema.sk[0] != 0;
		pthread_mutex_unlock(&fs.lock);
		rekey_nodes(n, &ti.schema);
		if (!ti.schema.sk[0])
			fs_hold_release(req, n);
	}
	return rc;
}

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags)
{
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };
	int rc;

	(void)flags;
	if (strncmp(name, "system.posix_acl_", 17) == 0) {
		fuse_reply_err(req, ENOTSUP);
		return;
	}
	if (strncmp(name, "user.ddb.", 9) != 0) {
		fail(req, n, "setxattr", -ENOTSUP, "only user.ddb.* attributes are supported");
		return;
	}
	if ((rc = set_option(req, n, name + 9, value, size, &err)) < 0)
		fail(req, n, "setxattr", rc, err.msg);
	else
		fuse_reply_err(req, 0);
}

void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	fs_node *n = fs_node_of(ino);
	lay_buf v = LAY_BUF_INIT;
	lay_err err = { 0 };
	lay_key key;
	int rc = -ENODATA;

	if (strncmp(name, "user.ddb.", 9) == 0 && n->kind == FS_TABLE) {
		rc = eng_table_option_get(fs.db, FS_REQ(req), n->table, name + 9, &v, &err);
	} else if (strncmp(name, "user.ddb.", 9) == 0 && n->kind == FS_POINT) {
		/* the table as the backup or the point shows it, so that cp -a
		 * of one makes a table of its key schema */
		rc = eng_table_option_get(fs.db, FS_VIEW(n), n->table, name + 9, &v, &err);
	} else if (strncmp(name, "user.ddb.", 9) == 0 && n->kind == FS_ITEM && !n->mem) {
		fs_node_item_key(n, &key);
		rc = eng_item_option_get(fs.db, n->as_of ? FS_VIEW(n) : FS_REQ(req), n->table, &key,
					 name + 9, &v, &err);
	}
	if (rc == 0 && !v.p)
		rc = lay_buf_add(&v, "", 0);
	if (rc < 0) {
		lay_buf_free(&v);
		fail(req, n, "getxattr", rc, err.msg);
		return;
	}
	reply_value(req, size, v.p, v.len);
	lay_buf_free(&v);
}

void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	fs_node *n = fs_node_of(ino);
	const char *const *opt;
	lay_buf v = LAY_BUF_INIT;

	/* only the settable names, so cp -a and rsync -X never try to set a
	 * computed one; those are read by name (SPEC §7) */
	if (n->kind == FS_TABLE || n->kind == FS_POINT)
		for (opt = eng_table_options(); *opt; opt++)
			if (lay_buf_adds(&v, "user.ddb.") || lay_buf_add(&v, *opt, strlen(*opt) + 1))
				break;
	reply_value(req, size, v.p ? v.p : "", v.len);
	lay_buf_free(&v);
}
void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fs_node *n = fs_node_of(ino);

	if (strncmp(name, "user.ddb.", 9) == 0)
		fail(req, n, "removexattr", -ENOTSUP, "user.ddb.* attributes are set, not removed");
	else
		fuse_reply_err(req, ENODATA);
}
