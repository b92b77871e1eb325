/* A node's place for the engine (SPEC §4, §5). */
#include "place.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
