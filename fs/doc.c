/* An item file's text as an item (SPEC §4, §5). */
#include "doc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hide.h"
#include "inode.h"
#include "scratch.h"

int fs_place_of(fs_place *out, fs_node *n, fs_node *dir, const char *name, const lay_value *pk,
		const lay_value *key)
{
	int rc = 0, has_sk;

	memset(out, 0, sizeof(*out));
	out->store = (lay_item)LAY_ITEM_INIT;
	pthread_mutex_lock(&fs.lock);
	if (n) {
		dir = n->parent ? fs_node_of(n->parent) : NULL;
		name = n->name;
		pk = n->pk.type ? &n->pk : NULL;
		key = n->key.type ? &n->key : NULL;
		out->keygen = __atomic_load_n(&n->keygen, __ATOMIC_ACQUIRE);
	}
	if (!dir) {
		rc = 1;
		goto out;
	}
	has_sk = dir->kind == FS_PART || (n && n->has_sk);
	out->dir = dir;
	if (!(out->name = strdup(name)) || (has_sk && !(out->pk_name = strdup(dir->name))) ||
	    (has_sk && pk && lay_value_copy(&out->store, &out->pk, pk) < 0) ||
	    (key && lay_value_copy(&out->store, &out->key, key) < 0)) {
		rc = -ENOMEM;
		goto out;
	}
	out->p.name = out->name;
	out->p.pk_name = out->pk_name;
	out->p.pk = out->pk.type ? &out->pk : NULL;
	out->p.key = out->key.type ? &out->key : NULL;
out:
	pthread_mutex_unlock(&fs.lock);
	return rc;
}

int fs_place_learn(const fs_place *pl, fs_node *n, const lay_key *key)
{
	int rc = 0, has_sk = pl->pk_name != NULL;

	pthread_mutex_lock(&fs.lock);
	if (has_sk && !pl->p.pk && pl->dir->kind == FS_PART && !pl->dir->pk.type)
		rc = fs_node_set_key(pl->dir, &key->pk, NULL);
	if (rc == 0 && n && (!pl->p.key || (has_sk && !pl->p.pk)))
		rc = fs_node_set_key(n, has_sk ? &key->pk : NULL, has_sk ? &key->sk : &key->pk);
	pthread_mutex_unlock(&fs.lock);
	return rc;
}

void fs_place_free(fs_place *pl)
{
	lay_item_free(&pl->store);
	free(pl->name);
	free(pl->pk_name);
}

/* Journal the commit of s's content as item (key) before it happens. */
static int expect_commit(fs_node *s, const char *table, const lay_item *item, const lay_key *key,
			 void **expect)
{
	lay_buf ddb = LAY_BUF_INIT, path = LAY_BUF_INIT;
	int rc = fs_scratch_path(&path, s, NULL);

	if (rc == 0)
		rc = lay_json_render(&ddb, item, LAY_FMT_DDB);
	if (rc == 0 && !(*expect = fs_hide_expect_commit(table, key, &ddb, &path)))
		rc = -ENOMEM;
	lay_buf_free(&ddb);
	lay_buf_free(&path);
	return rc;
}

int fs_file_put_scratch(fs_node *s, fs_node *dir, const char *name, fs_target *t, int noreplace,
			void **expect, lay_err *err)
{
	lay_item item = LAY_ITEM_INIT;
	fs_place pl = { .store = LAY_ITEM_INIT };
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
	if ((rc = fs_place_of(&pl, NULL, dir, name, has_sk && t->pk.type ? &t->pk : NULL,
			      t->hashed ? NULL : &t->key)) != 0 ||
	    (rc = eng_doc_parse(fs.db, NULL, dir->table, text.p, text.len, fs.format, &pl.p, &item, &key,
				err)) < 0 ||
	    (rc = fs_place_learn(&pl, NULL, &key)) < 0)
		goto out;
	if (expect && (rc = expect_commit(s, dir->table, &item, &key, expect)) < 0)
		goto out;
	/* a name renamed away is free, though its row waits (SPEC §6) */
	hidden = fs_is_hidden(dir->table, &key);
	rc = eng_item_put(fs.db, FS_REQ(NULL), dir->table, &item, &meta,
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
	fs_place_free(&pl);
	lay_buf_free(&text);
	return rc;
}
