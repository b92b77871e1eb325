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
#include "../layout/num.h"
#include "errlog.h"
#include "hold.h"
#include "inode.h"
#include "magic.h"
#include "node.h"
#include "notify.h"

/* A table's names. listxattr shows only the settable ones (the first
 * TABLE_SETTABLE), so cp -a and rsync -X never try to set a computed one;
 * the computed ones are read by name (SPEC §7). */
static const char *table_names[] = {
	"user.ddb.key_schema",	  "user.ddb.billing_mode", "user.ddb.rcu",
	"user.ddb.wcu",		  "user.ddb.autoscaling",  "user.ddb.table_class",
	"user.ddb.ttl_attribute", "user.ddb.stream",	   "user.ddb.pitr",
	"user.ddb.item_count",	  "user.ddb.size_bytes",
};
#define TABLE_SETTABLE 9

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

static int table_get(const eng_table_info *ti, const char *name, lay_buf *o)
{
	const eng_table_settings *s = &ti->settings;

	if (strcmp(name, "user.ddb.key_schema") == 0)
		return lay_schema_format(o, &ti->schema);
	if (strcmp(name, "user.ddb.billing_mode") == 0)
		return lay_buf_adds(o, s->billing == ENG_PROVISIONED ? "PROVISIONED"
								     : "PAY_PER_REQUEST");
	if (strcmp(name, "user.ddb.rcu") == 0)
		return lay_buf_addf(o, "%u", s->rcu);
	if (strcmp(name, "user.ddb.wcu") == 0)
		return lay_buf_addf(o, "%u", s->wcu);
	if (strcmp(name, "user.ddb.autoscaling") == 0)
		return s->autoscaling ? lay_buf_addf(o, "min=%u,max=%u,target=%u", s->as_min,
						     s->as_max, s->as_target)
				      : lay_buf_adds(o, "off");
	if (strcmp(name, "user.ddb.table_class") == 0)
		return lay_buf_adds(o, s->table_class == ENG_STANDARD_IA
					   ? "STANDARD_INFREQUENT_ACCESS"
					   : "STANDARD");
	if (strcmp(name, "user.ddb.ttl_attribute") == 0)
		return lay_buf_adds(o, s->ttl_attr);
	if (strcmp(name, "user.ddb.stream") == 0)
		return lay_buf_adds(o, fs_stream_view_name(s->stream_view));
	if (strcmp(name, "user.ddb.pitr") == 0)
		return lay_buf_adds(o, s->pitr ? "on" : "off");
	if (strcmp(name, "user.ddb.item_count") == 0)
		return lay_buf_addf(o, "%" PRIu64, ti->item_count);
	if (strcmp(name, "user.ddb.size_bytes") == 0)
		return lay_buf_addf(o, "%" PRIu64, ti->size_bytes);
	return -ENODATA;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long x;

	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return -EINVAL;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (*end || errno || x < min || x > max)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

/* Apply name=v to the settings s. -EINVAL with a message on a bad value. */
static int table_set(eng_table_settings *s, const char *name, const char *v, lay_err *err)
{
	static const char *views[] = { "OFF", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
				       "NEW_AND_OLD_IMAGES" };
	unsigned i;

	if (strcmp(name, "user.ddb.billing_mode") == 0) {
		if (strcmp(v, "PROVISIONED") == 0) {
			s->billing = ENG_PROVISIONED;
			if (!s->rcu)
				s->rcu = 5;
			if (!s->wcu)
				s->wcu = 5;
		} else if (strcmp(v, "PAY_PER_REQUEST") == 0) {
			s->billing = ENG_PAY_PER_REQUEST;
		} else {
			return lay_err_set(err, -EINVAL,
					   "billing_mode is PROVISIONED or PAY_PER_REQUEST, not %s",
					   v);
		}
		return 0;
	}
	if (strcmp(name, "user.ddb.rcu") == 0 || strcmp(name, "user.ddb.wcu") == 0) {
		uint32_t x;

		if (parse_u32(v, 1, 40000, &x) < 0)
			return lay_err_set(err, -EINVAL, "%s is an integer from 1 to 40000, not %s",
					   name + 9, v);
		*(name[9] == 'r' ? &s->rcu : &s->wcu) = x;
		return 0;
	}
	if (strcmp(name, "user.ddb.autoscaling") == 0) {
		uint32_t mn, mx, tg;
		char a[16], b[16], c[16];

		if (strcmp(v, "off") == 0) {
			s->autoscaling = 0;
			return 0;
		}
		if (sscanf(v, "min=%15[0-9],max=%15[0-9],target=%15[0-9]", a, b, c) != 3 ||
		    parse_u32(a, 1, 40000, &mn) < 0 || parse_u32(b, 1, 40000, &mx) < 0 ||
		    parse_u32(c, 20, 90, &tg) < 0 || mn > mx)
			return lay_err_set(err, -EINVAL,
					   "autoscaling is off or min=N,max=N,target=P (P 20-90, "
					   "min <= max), not %s",
					   v);
		s->autoscaling = 1;
		s->as_min = mn;
		s->as_max = mx;
		s->as_target = tg;
		return 0;
	}
	if (strcmp(name, "user.ddb.table_class") == 0) {
		if (strcmp(v, "STANDARD") == 0)
			s->table_class = ENG_STANDARD;
		else if (strcmp(v, "STANDARD_INFREQUENT_ACCESS") == 0)
			s->table_class = ENG_STANDARD_IA;
		else
			return lay_err_set(err, -EINVAL,
					   "table_class is STANDARD or STANDARD_INFREQUENT_ACCESS, "
					   "not %s",
					   v);
		return 0;
	}
	if (strcmp(name, "user.ddb.ttl_attribute") == 0) {
		if (strlen(v) > 255)
			return lay_err_set(err, -EINVAL, "ttl_attribute is 1-255 bytes");
		strcpy(s->ttl_attr, v);
		return 0;
	}
	if (strcmp(name, "user.ddb.stream") == 0) {
		for (i = 0; i < 5; i++) {
			if (strcmp(v, views[i]) == 0) {
				s->stream_view = (eng_stream_view)i;
				return 0;
			}
		}
		return lay_err_set(err, -EINVAL,
				   "stream is OFF, KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or "
				   "NEW_AND_OLD_IMAGES, not %s",
				   v);
	}
	if (strcmp(name, "user.ddb.pitr") == 0) {
		if (strcmp(v, "on") == 0)
			s->pitr = 1;
		else if (strcmp(v, "off") == 0)
			s->pitr = 0;
		else
			return lay_err_set(err, -EINVAL, "pitr is on or off, not %s", v);
		return 0;
	}
	return -ENOTSUP;
}

static int is_table_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(table_names) / sizeof(table_names[0]); i++)
		if (strcmp(name, table_names[i]) == 0)
			return 1;
	return 0;
}

/*
 * user.ddb.ttl on an item (SPEC §7, §9): "+SECONDS" from now or absolute
 * epoch seconds, written into the table's TTL attribute as an ordinary
 * update (one MODIFY), read and written in one engine transaction so a
 * write in between is never lost.
 */
static int item_set_ttl(fs_node *n, const char *v, lay_err *err)
{
	eng_table_info ti;
	lay_value num;
	lay_key key;
	char text[32], *end;
	long long secs;
	int rc;

	errno = 0;
	secs = strtoll(v[0] == '+' ? v + 1 : v, &end, 10);
	if (!*v || *end || errno || secs < 0 || (v[0] == '+' && !v[1]) || v[0] == '-' ||
	    v[0] == ' ')
		return lay_err_set(err, -EINVAL,
				   "user.ddb.ttl is +SECONDS from now or epoch seconds, not %s", v);
	if (v[0] == '+')
		secs += eng_clock_now_ns(eng_db_clock(fs.db)) / 1000000000;
	snprintf(text, sizeof(text), "%lld", secs);
	if ((rc = eng_table_get(fs.db, n->table, &ti, err)) < 0)
		return rc;
	if (!ti.settings.ttl_attr[0])
		return lay_err_set(
		    err, -EINVAL, "table %s has no TTL attribute: set user.ddb.ttl_attribute first",
		    n->table);
	memset(&num, 0, sizeof(num));
	num.type = LAY_N;
	num.u.p = text;
	num.len = strlen(text);
	fs_node_item_key(n, &key);
	return eng_item_set_attr(fs.db, n->table, &key, ti.settings.ttl_attr, &num, NULL, NULL,
				 err);
}

/* The item's expiry (its TTL attribute, a number), or -ENODATA. */
static int item_get_ttl(fs_node *n, lay_buf *out, lay_err *err)
{
	lay_item item = LAY_ITEM_INIT;
	eng_table_info ti;
	const lay_attr *a;
	lay_key key;
	int rc;

	if ((rc = eng_table_get(fs.db, n->table, &ti, err)) < 0)
		return rc;
	if (!ti.settings.ttl_attr[0])
		return -ENODATA;
	fs_node_item_key(n, &key);
	if ((rc = eng_item_get(fs.db, n->table, &key, &item, NULL, err)) < 0)
		return rc;
	a = lay_item_find(&item, ti.settings.ttl_attr, strlen(ti.settings.ttl_attr));
	if (a && a->v.type == LAY_N)
		rc = lay_buf_add(out, a->v.u.p, a->v.len);
	else
		rc = -ENODATA;
	lay_item_free(&item);
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

/* user.ddb.size of an item: its DynamoDB size. */
static int item_get_size(fs_node *n, lay_buf *out, lay_err *err)
{
	eng_meta meta;
	lay_key key;
	int rc;

	fs_node_item_key(n, &key);
	if ((rc = eng_item_get(fs.db, n->table, &key, NULL, &meta, err)) < 0)
		return rc;
	return lay_buf_addf(out, "%u", meta.size);
}

/* 1 if value (size bytes) is the current value cur. */
static int same_value(const lay_buf *cur, const char *value, size_t size)
{
	return cur->len == size && memcmp(cur->p ? cur->p : "", value, size) == 0;
}

/* Set a read-only name: to its own value it is a no-op (cp -a, rsync -X);
 * to any other, ENOTSUP. 0 or a negative errno with a message. */
static int set_read_only(fs_node *n, const char *name, const char *value, size_t size, lay_err *err)
{
	lay_buf cur = LAY_BUF_INIT;
	eng_table_info ti;
	int rc;

	if (n->kind == FS_TABLE) {
		rc = eng_table_get(fs.db, n->table, &ti, err);
		if (rc == 0)
			rc = table_get(&ti, name, &cur);
	} else {
		rc = item_get_size(n, &cur, err);
	}
	if (rc == 0 && !same_value(&cur, value, size))
		rc = lay_err_set(err, -ENOTSUP,
				 "%s is read-only (it is %.*s); only its own value may be set",
				 name, (int)cur.len, cur.p ? cur.p : "");
	lay_buf_free(&cur);
	return rc;
}

static int is_read_only(const fs_node *n, const char *name)
{
	if (n->kind == FS_ITEM)
		return strcmp(name, "user.ddb.size") == 0;
	return n->kind == FS_TABLE && (strcmp(name, "user.ddb.item_count") == 0 ||
				       strcmp(name, "user.ddb.size_bytes") == 0);
}

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags)
{
	fs_node *n = fs_node_of(ino);
	lay_err err = { 0 };
	eng_table_info ti;
	char *v;
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
	if (n->kind == FS_ITEM && !n->mem && strcmp(name, "user.ddb.ttl") == 0) {
		char *v = strndup(value, size);
		int rc = v ? item_set_ttl(n, v, &err) : -ENOMEM;

		free(v);
		if (rc < 0) {
			fail(req, n, "setxattr", rc, err.msg);
			return;
		}
		fs_notify_inode(ino);
		fuse_reply_err(req, 0);
		return;
	}
	if (is_read_only(n, name) && !n->mem) {
		if ((rc = set_read_only(n, name, value, size, &err)) < 0)
			fail(req, n, "setxattr", rc, err.msg);
		else
			fuse_reply_err(req, 0);
		return;
	}
	if (n->kind != FS_TABLE) {
		fail(req, n, "setxattr", -ENOTSUP, "this user.ddb.* name cannot be set here");
		return;
	}
	if (!is_table_name(name)) {
		fail(req, n, "setxattr", -ENOTSUP, "unknown user.ddb.* name");
		return;
	}
	if (!(v = strndup(value, size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (strlen(v) != size) {
		free(v);
		fail(req, n, "setxattr", -EINVAL, "value holds a NUL byte");
		return;
	}
	/* the value it has already (cp -a and rsync -X copy every one back,
	 * after the table's items): nothing to change */
	if (eng_table_get(fs.db, n->table, &ti, &err) == 0) {
		lay_buf cur = LAY_BUF_INIT;
		int same = table_get(&ti, name, &cur) == 0 && same_value(&cur, v, size);

		lay_buf_free(&cur);
		if (same) {
			free(v);
			fuse_reply_err(req, 0);
			return;
		}
	}
	if (strcmp(name, "user.ddb.key_schema") == 0) {
		lay_schema s;

		rc = lay_schema_parse(&s, v, size, &err);
		if (rc == 0)
			rc = eng_table_set_schema(fs.db, n->table, &s, &err);
		if (rc == 0) {
			pthread_mutex_lock(&fs.lock);
			n->has_sk = s.sk[0] != 0;
			pthread_mutex_unlock(&fs.lock);
			rekey_nodes(n, &s);
			if (!s.sk[0])
				fs_hold_release(req, n);
		}
	} else {
		rc = eng_table_get(fs.db, n->table, &ti, &err);
		if (rc == 0)
			rc = table_set(&ti.settings, name, v, &err);
		if (rc == 0)
			rc = eng_table_set_settings(fs.db, n->table, &ti.settings, &err);
	}
	free(v);
	if (rc < 0) {
		fail(req, n, "setxattr", rc, err.msg);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	fs_node *n = fs_node_of(ino);
	lay_buf v = LAY_BUF_INIT;
	eng_table_info ti;
	lay_err err = { 0 };
	int rc = -ENODATA;

	if (n->kind == FS_TABLE && strncmp(name, "user.ddb.", 9) == 0) {
		rc = eng_table_get(fs.db, n->table, &ti, &err);
		if (rc == 0)
			rc = table_get(&ti, name, &v);
	} else if (n->kind == FS_ITEM && !n->mem && strcmp(name, "user.ddb.size") == 0) {
		rc = item_get_size(n, &v, &err);
	} else if (n->kind == FS_ITEM && !n->mem && strcmp(name, "user.ddb.ttl") == 0) {
		rc = item_get_ttl(n, &v, &err);
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
	lay_buf v = LAY_BUF_INIT;
	size_t i;

	if (n->kind == FS_TABLE)
		for (i = 0; i < TABLE_SETTABLE; i++)
			lay_buf_add(&v, table_names[i], strlen(table_names[i]) + 1);
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
