/* An item file's text as the item it commits as (SPEC §4, §5): the key
 * settled from its path and its content, every check of a commit, and a
 * scratch file put as an item. */
#include "doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/name.h"
#include "hide.h"
#include "inode.h"
#include "scratch.h"

/* 0 if value v's file name is name (item != 0: with ".json"), else -EINVAL. */
static int name_matches(const lay_value *v, const char *name, int item, lay_err *err)
{
	lay_buf want = LAY_BUF_INIT;
	int rc = lay_name_from_key(&want, v, item);

	if (rc >= 0 && strcmp(want.p, name) != 0)
		rc = lay_err_set(err, -EINVAL, "the key attributes in the file name %s, not %s",
				 want.p, name);
	lay_buf_free(&want);
	return rc < 0 ? rc : 0;
}

/*
 * Settle the key of an item committed as dir/name. The path gives what it
 * can: pk (the partition's value; NULL in a table without sort key, or if
 * the partition has a long name) and key (the name's value; NULL for a long
 * name). Known parts are set into item (lay_item_set_key); under a long name
 * the content must carry the key attributes, which must give back the names
 * (SPEC §4), and a partition made by mkdir under a long name learns its key
 * (unless !learn: a check only). *out borrows from item.
 */
static int settle_key(lay_item *item, const lay_schema *s, fs_node *dir, const char *name,
		      const lay_value *pk, const lay_value *key, int learn, lay_key *out,
		      lay_err *err)
{
	int has_sk = s->sk[0] != 0, rc;
	char *dir_name = NULL;

	if (key && (pk || !has_sk)) {
		lay_key k = { 0 };

		if (has_sk) {
			k.pk = *pk;
			k.sk = *key;
		} else {
			k.pk = *key;
		}
		if ((rc = lay_item_set_key(item, s, &k, 0, err)) < 0)
			return rc;
		return lay_item_key(out, item, s, err);
	}
	if ((rc = lay_item_key(out, item, s, err)) < 0) {
		char why[LAY_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err->msg);
		return lay_err_set(err, rc,
				   "%.80s... has a long name: the file must carry its key "
				   "attributes (%s)",
				   name, why);
	}
	if (key && !lay_value_equal(has_sk ? &out->sk : &out->pk, key))
		return lay_err_set(err, -EINVAL, "the key attributes disagree with the name %s",
				   name);
	if (has_sk && pk && !lay_value_equal(&out->pk, pk))
		return lay_err_set(err, -EINVAL, "%s disagrees with its partition directory",
				   s->pk);
	if (!key && (rc = name_matches(has_sk ? &out->sk : &out->pk, name, 1, err)) < 0)
		return rc;
	if (has_sk && !pk) {
		pthread_mutex_lock(&fs.lock);
		dir_name = strdup(dir->name);
		pthread_mutex_unlock(&fs.lock);
		if (!dir_name)
			return -ENOMEM;
		rc = name_matches(&out->pk, dir_name, 0, err);
		free(dir_name);
		if (rc < 0)
			return rc;
		pthread_mutex_lock(&fs.lock);
		if (learn && dir->kind == FS_PART && !dir->pk.type)
			rc = fs_node_set_key(dir, &out->pk, NULL);
		pthread_mutex_unlock(&fs.lock);
	}
	return rc;
}

/*
 * The key node n commits under; see settle_key (learn: n and its partition
 * learn what the content tells). 1 if n was unlinked: like an unlinked
 * file's, its content goes nowhere.
 */
int fs_doc_commit_key(fs_node *n, lay_item *item, const lay_schema *s, int learn, lay_err *err)
{
	lay_item known = LAY_ITEM_INIT;
	lay_value pk = { 0 }, kv = { 0 };
	fs_node *dir;
	lay_key key;
	int rc = 0;

	/* a copy: a rename on another thread may change them */
	pthread_mutex_lock(&fs.lock);
	dir = n->parent ? fs_node_of(n->parent) : NULL;
	if ((s->sk[0] && n->pk.type && lay_value_copy(&known, &pk, &n->pk) < 0) ||
	    (n->key.type && lay_value_copy(&known, &kv, &n->key) < 0))
		rc = -ENOMEM;
	pthread_mutex_unlock(&fs.lock);
	if (rc == 0 && !dir)
		rc = 1;
	if (rc == 0)
		rc = settle_key(item, s, dir, n->name, pk.type ? &pk : NULL, kv.type ? &kv : NULL,
				learn, &key, err);
	if (rc == 0 && learn && (!kv.type || (s->sk[0] && !pk.type))) {
		/* the content told what the path could not */
		pthread_mutex_lock(&fs.lock);
		rc = fs_node_set_key(n, s->sk[0] ? &key.pk : NULL, s->sk[0] ? &key.sk : &key.pk);
		pthread_mutex_unlock(&fs.lock);
	}
	lay_item_free(&known);
	return rc;
}

int fs_file_check(fs_node *n, const char *text, size_t len, lay_item *out, lay_err *err)
{
	lay_item item = LAY_ITEM_INIT;
	eng_table_info ti;
	int rc;

	if ((rc = eng_table_get(fs.db, n->table, &ti, err)) < 0)
		return rc;
	if ((rc = lay_json_parse(&item, text, len, fs.format, err)) < 0)
		return rc;
	rc = fs_doc_commit_key(n, &item, &ti.schema, 0, err);
	if (rc == 0)
		rc = lay_item_validate(&item, &ti.schema, err);
	if (rc >= 0 && out) {
		*out = item;
		return 0;
	}
	lay_item_free(&item);
	return rc < 0 ? rc : 0;
}

int fs_file_put_scratch(fs_node *s, fs_node *dir, const char *name, fs_target *t, int noreplace,
			lay_err *err)
{
	lay_item item = LAY_ITEM_INIT;
	eng_meta meta = { 0 };
	lay_buf text = LAY_BUF_INIT;
	lay_key key;
	eng_event ev;
	int rc, hidden, has_sk = t->ti.schema.sk[0] != 0;

	struct stat st;

	if ((rc = fs_scratch_read(s, NULL, MAX_ITEM_FILE, &text, &st)) < 0) {
		lay_err_set(err, rc, "cannot read the file to commit: %s", lay_errno_name(rc));
		goto out;
	}
	meta.mode = st.st_mode & 07777;
	meta.uid = st.st_uid;
	meta.gid = st.st_gid;
	meta.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if ((rc = lay_json_parse(&item, text.p ? text.p : "", text.len, fs.format, err)) < 0)
		goto out;
	rc = settle_key(&item, &t->ti.schema, dir, name, has_sk && t->pk.type ? &t->pk : NULL,
			t->hashed ? NULL : &t->key, 1, &key, err);
	if (rc < 0)
		goto out;
	/* a name renamed away is free, though its row waits (SPEC §6) */
	hidden = fs_is_hidden(dir->table, &key);
	rc = eng_item_put(fs.db, dir->table, &item, &meta,
			  ENG_META_MODE | ENG_META_UID | ENG_META_GID | ENG_META_MTIME |
			      (noreplace && !hidden ? ENG_PUT_EXCL : 0),
			  &ev, NULL, err);
	if (rc == 0 && hidden)
		fs_unhide_key(dir->table, &key); /* `sed -i.bak`: one MODIFY */
	if (rc == 0 && (t->hashed || !t->pk.type)) {
		/* tell the caller the key the content gave */
		if (lay_value_copy(&t->store, &t->key, has_sk ? &key.sk : &key.pk) < 0 ||
		    (has_sk && lay_value_copy(&t->store, &t->pk, &key.pk) < 0))
			rc = -ENOMEM;
		t->hashed = 0;
	}
out:
	lay_item_free(&item);
	lay_buf_free(&text);
	return rc;
}
