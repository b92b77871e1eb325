/* What a name in a directory denotes (SPEC §3, §4, §6): a table, a
 * partition, an item with its key, a scratch file or a magic entry. */
#include "name.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../layout/name.h"
#include "scratch.h"

static fs_magic magic_of(fs_kind dir, const char *name)
{
	if (dir == FS_POINT && strcmp(name, ".table.json") == 0)
		return FS_M_TABLE_JSON; /* the table as it was then */
	if (dir == FS_TABLE) {
		if (strcmp(name, ".table.json") == 0)
			return FS_M_TABLE_JSON;
		if (strcmp(name, ".stream") == 0)
			return FS_M_STREAM;
	} else if (dir == FS_MAGIC_DIR) {
		if (strcmp(name, "errors") == 0)
			return FS_M_ERRORS;
		if (strcmp(name, "stats.json") == 0)
			return FS_M_STATS;
		if (strcmp(name, "clock") == 0)
			return FS_M_CLOCK;
		if (strcmp(name, "backups.json") == 0)
			return FS_M_BACKUPS_JSON;
		if (strcmp(name, "events") == 0)
			return FS_M_EVENTS;
		if (strcmp(name, "cost.json") == 0)
			return FS_M_COST;
		if (strcmp(name, "api") == 0)
			return FS_M_API;
	}
	return FS_M_NONE;
}

/*
 * Resolve name in dir into t (which the caller frees with fs_target_free).
 * Key names are parsed, not looked up: t->hashed says a long name whose key
 * must be found by hash (with resolve != 0 it is looked up here). Errors:
 * -EINVAL (a name that cannot be a key of this table, with a message),
 * -ENOENT (a name that cannot exist here: no such table or magic entry),
 * -EPERM (files at the top level or items in a table with a sort key).
 */
int fs_name_resolve(fs_target *t, const fs_node *dir, const char *name, int resolve, lay_err *err)
{
	size_t len = strlen(name);
	lay_name_key nk;
	int rc, is_item;

	memset(t, 0, sizeof(*t));
	if (len > LAY_NAME_MAX)
		return lay_err_set(err, -ENAMETOOLONG, "a name is at most %d bytes",
				   LAY_NAME_MAX);
	if (dir->kind == FS_SCRATCH) {
		/* everything below a scratch directory is scratch */
		t->kind = FS_SCRATCH;
		return 0;
	}
	t->magic = magic_of(dir->kind, name);
	if (t->magic != FS_M_NONE) {
		t->kind = FS_MAGIC_FILE;
		return 0;
	}
	if (dir->kind == FS_MAGIC_DIR) {
		if (strcmp(name, "backups") == 0) {
			t->kind = FS_BACKUPS;
			return 0;
		}
		return lay_err_set(err, -ENOENT, "no such entry in .ddbfs");
	}
	if (dir->kind == FS_BACKUPS) {
		/* .ddbfs/backups/T, then T's backups by name */
		t->kind = dir->table ? FS_POINT : FS_BACKUPS;
		return dir->table ? 0 : lay_table_name_check(name, len, err);
	}
	if (dir->kind == FS_ROOT) {
		if (strcmp(name, ".ddbfs") == 0) {
			t->kind = FS_MAGIC_DIR;
			return 0;
		}
		t->kind = FS_TABLE;
		return lay_table_name_check(name, len, err);
	}
	if (dir->kind != FS_TABLE && dir->kind != FS_PART && dir->kind != FS_SNAPS &&
	    dir->kind != FS_POINT)
		return lay_err_set(err, -ENOTDIR, "not a directory");
	/* a backup has the table's schema of then; the table may be gone */
	if ((rc = eng_table_get(fs.db, dir->backup ? FS_VIEW(dir) : NULL, dir->table, &t->ti,
				err)) < 0)
		return rc;
	if (dir->kind == FS_TABLE && strcmp(name, ".snapshots") == 0) {
		t->kind = FS_SNAPS;
		return 0;
	}
	if (dir->kind == FS_SNAPS) {
		/* points in time (@...) and backups */
		t->kind = FS_POINT;
		return 0;
	}

	is_item = lay_name_is_item(name, len);
	if (dir->as_of && (name[0] == '.' ||
			   (!is_item && !(dir->kind == FS_POINT && t->ti.schema.sk[0]))))
		return lay_err_set(err, -ENOENT, "points in time and backups hold only items");
	if (!dir->as_of &&
	    (name[0] == '.' || (!is_item && !(dir->kind == FS_TABLE && t->ti.schema.sk[0])))) {
		t->kind = FS_SCRATCH;
		return 0;
	}
	if (dir->kind == FS_POINT && t->ti.schema.sk[0]) {
		if (is_item)
			return lay_err_set(err, -ENOENT, "table %s has a sort key: its items "
					   "live in partition directories", dir->table);
		t->kind = FS_PART;
		rc = lay_name_to_key(&nk, &t->store, name, len, t->ti.schema.pk_type, 0, err);
	} else if (dir->kind == FS_TABLE && t->ti.schema.sk[0]) {
		/* a table with a sort key holds partitions (and scratch files) */
		struct stat st;

		if (is_item &&
		    (t->ti.item_count == 0 ||
		     (fs_scratch_lstat(dir, name, &st) == 0 && S_ISREG(st.st_mode)))) {
			/* held while the table is empty: `cp -a` of a table
			 * without sort key writes its items before the key
			 * schema; setting it makes them items (fs_hold_release) */
			t->kind = FS_SCRATCH;
			return 0;
		}
		if (is_item)
			return lay_err_set(err, -EINVAL,
					   "table %s has a sort key: its items live in partition "
					   "directories (%s/<%s>/<%s>.json)",
					   dir->table, dir->table, t->ti.schema.pk,
					   t->ti.schema.sk);
		t->kind = FS_PART;
		rc = lay_name_to_key(&nk, &t->store, name, len, t->ti.schema.pk_type, 0, err);
	} else {
		t->kind = FS_ITEM;
		if (dir->kind == FS_PART) {
			/* a re-key may replace it: fs.lock's, kept for bury()'s grace */
			pthread_mutex_lock(&fs.lock);
			t->pk = dir->pk;
			pthread_mutex_unlock(&fs.lock);
		}
		rc = lay_name_to_key(
		    &nk, &t->store, name, len,
		    dir->kind == FS_PART ? t->ti.schema.sk_type : t->ti.schema.pk_type, 1, err);
	}
	if (rc < 0)
		return rc;
	t->hashed = nk.hashed;
	t->hash = nk.hash;
	t->key = nk.value;
	if (t->hashed && resolve) {
		rc = eng_resolve_hash(fs.db, FS_VIEW(dir), dir->table,
				      t->kind == FS_ITEM && dir->kind == FS_PART ? &t->pk : NULL,
				      t->hash, &t->store, &t->key, err);
		if (rc < 0)
			return rc;
		t->hashed = 0;
	}
	if (t->kind == FS_PART) {
		struct stat st;

		t->pk = t->key;
		/* a file of that name is a scratch file (README.md), unless a
		 * partition of that name holds items (after a re-key): the
		 * partition wins, the file waits behind it */
		if (!dir->as_of && fs_scratch_lstat(dir, name, &st) == 0 && !S_ISDIR(st.st_mode) &&
		    !(t->pk.type && eng_part_get(fs.db, NULL, dir->table, &t->pk, NULL, NULL) == 0))
			t->kind = FS_SCRATCH;
	}
	return 0;
}

void fs_target_free(fs_target *t)
{
	lay_item_free(&t->store);
}

void fs_target_key(const fs_target *t, lay_key *out)
{
	memset(out, 0, sizeof(*out));
	if (t->ti.schema.sk[0]) {
		out->pk = t->pk;
		out->sk = t->key;
	} else {
		out->pk = t->key;
	}
}
