/*
 * A table's .snapshots (SPEC §12): its points in time and its backups.
 * With PITR on, .snapshots/@2026-11-26T10:15:00Z (or @EPOCHSECONDS) is the
 * table as of the end of that second, a read-only tree in the table's own
 * layout, read through the engine's as-of view; .snapshots lists the
 * earliest and the latest point, and any other second of the window opens
 * by name. .snapshots/NAME is backup NAME, read through a backup view;
 * mkdir takes one and rmdir deletes it (past.c). .ddbfs/backups/T/NAME
 * shows the same backups, also of tables deleted since.
 */
#include "kind.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "inode.h"
#include "node.h"

#define NS 1000000000LL

/* The name of the point of second s. */
static void point_name(char *out, size_t size, int64_t s);

/* The UTC second a point's name says ("@2026-11-26T10:15:00Z" or
 * "@1795700000"), or -1 if it says none. Only the canonical spelling of a
 * second is its name (no leading zeros, no second 60), so each second has
 * two names and one answer. */
static int64_t point_second(const char *name)
{
	char canon[40];
	struct tm tm;
	const char *end;
	char *e;
	long long s;

	if (name[0] != '@' || !name[1])
		return -1;
	if (name[1] >= '0' && name[1] <= '9' && !strchr(name, '-')) {
		s = strtoll(name + 1, &e, 10);
		snprintf(canon, sizeof(canon), "@%lld", s);
		return *e || s < 0 || s > (INT64_MAX - NS) / NS || strcmp(canon, name) != 0 ? -1
											   : s;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(name + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	s = (long long)timegm(&tm);
	if (s < 0 || s > (INT64_MAX - NS) / NS)
		return -1;
	point_name(canon, sizeof(canon), s);
	return strcmp(canon, name) == 0 ? s : -1;
}

/* The name of the point of second s. */
static void point_name(char *out, size_t size, int64_t s)
{
	time_t t = (time_t)s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "@%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The time point name of table shows: the end of its second, or now for
 * the current second. -ENOENT outside the window or for a bad name. */
static int point_time(const char *table, const char *name, int64_t *as_of, lay_err *err)
{
	int64_t s = point_second(name), earliest, latest, t;
	int rc;

	if (s < 0)
		return lay_err_set(err, -ENOENT, "\"%s\" is not a point in time: "
				   "@YYYY-MM-DDTHH:MM:SSZ or @EPOCHSECONDS (UTC)", name);
	if ((rc = eng_table_pitr_window(fs.db, table, &earliest, &latest, err)) < 0)
		return rc;
	t = s * NS + (NS - 1);
	if (t > latest)
		t = latest;
	if (s * NS > latest || t < earliest)
		return lay_err_set(err, -ENOENT, "%s is outside table %s's window of points "
				   "in time", name, table);
	*as_of = t;
	return 0;
}

/* A directory of the past, numbered ino: mode, owner and times of the
 * table (t_ns: the times of a point). Its mode keeps the table's write
 * bits: the owner takes backups in .snapshots and restores a point (the
 * kernel asks for write permission first); every other change there is
 * EROFS (past.c). */
static int past_dir_attr(uint64_t ino, const char *table, int64_t t_ns, struct stat *st,
			 lay_err *err)
{
	eng_table_info ti;
	int rc;

	if ((rc = eng_table_get(fs.db, NULL, table, &ti, err)) < 0)
		return rc;
	fs_attr_dir(st, &ti.dir);
	st->st_ino = ino;
	if (t_ns)
		fs_attr_times(st, t_ns);
	return 0;
}

/* A backup's directory, numbered ino: the table directory's owner and
 * mode then (its owner restores and deletes it; all else is EROFS), and
 * the backup's time. */
static void backup_attr(const eng_backup_info *b, uint64_t ino, struct stat *st)
{
	fs_attr_dir(st, &b->dir);
	st->st_ino = ino;
	fs_attr_times(st, b->created_ns);
}

/* Append table's backups to d. */
static int backups_add(fs_node *dir, fs_dirh *d, lay_err *err)
{
	eng_backup_info *all = NULL;
	fs_dent *e;
	int n, i, rc = 0;

	if ((n = eng_backup_list(fs.db, dir->table, &all, err)) < 0)
		return n;
	for (i = 0; i < n && rc == 0; i++) {
		if (!(e = fs_dirh_add(d, all[i].name, strlen(all[i].name), FS_POINT))) {
			rc = -ENOMEM;
			break;
		}
		backup_attr(&all[i], fs_ino_past(dir, all[i].name), &e->st);
		e->timeout = fs.timeout;
	}
	free(all);
	return rc;
}

/* Backup name of dir's table: its node, counted as looked up. */
static int backup_lookup(fs_node *dir, const char *name, fs_node **out, struct stat *st,
			 lay_err *err)
{
	eng_backup_info b;
	fs_node *n;
	int rc;

	if ((rc = eng_backup_get(fs.db, dir->table, name, &b, err)) < 0)
		return rc;
	backup_attr(&b, fs_ino_past(dir, name), st);
	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(fs_ino_of(dir), name);
	if (n && n->kind == FS_POINT && n->backup > b.id) {
		/* another lookup found a newer one: the one read is deleted */
		pthread_mutex_unlock(&fs.lock);
		return lay_err_set(err, -ENOENT, "backup %s was deleted", name);
	}
	if (n && n->kind == FS_POINT && n->backup != b.id) {
		/* deleted and taken again under that name, or a point's */
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	n = fs_node_get(dir, name, FS_POINT, FS_M_NONE, NULL, NULL, b.schema.sk[0] != 0);
	if (n) {
		if (!n->backup) {
			n->backup = b.id;
			n->as_of = b.created_ns;
		}
		n->has_sk = b.schema.sk[0] != 0;
		n->nlookup++;
	}
	pthread_mutex_unlock(&fs.lock);
	return (*out = n) ? 0 : -ENOMEM;
}

/* ---- .snapshots ---- */

static int snaps_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	return past_dir_attr(fs_ino_past_node(n), n->table, 0, st, err);
}

static int snaps_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			struct stat *st, double *timeout, lay_err *err)
{
	int rc;

	(void)timeout;
	if ((rc = past_dir_attr(fs_ino_past(dir, name), dir->table, 0, st, err)) < 0)
		return rc;
	return (*out = fs_node_lookup(dir, name, t)) ? 0 : -ENOMEM;
}

static int snaps_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	int64_t earliest, latest, s[2];
	char name[40];
	fs_dent *e;
	int i, rc;

	rc = eng_table_pitr_window(fs.db, dir->table, &earliest, &latest, err);
	if (rc == -ENOENT) {
		lay_err_clear(err);
		return backups_add(dir, d, err); /* no points */
	}
	if (rc < 0)
		return rc;
	s[0] = earliest / NS;
	s[1] = latest / NS;
	for (i = 0; i < 2 && !(i == 1 && s[1] == s[0]); i++) {
		point_name(name, sizeof(name), s[i]);
		if (!(e = fs_dirh_add(d, name, strlen(name), FS_POINT)))
			return -ENOMEM;
		if ((rc = past_dir_attr(fs_ino_past(dir, name), dir->table, 0, &e->st, err)) < 0)
			return rc;
		e->timeout = fs.timeout;
	}
	return backups_add(dir, d, err);
}

int fs_snaps_entry(fs_dirh *d, fs_node *table, lay_err *err)
{
	fs_dent *e = fs_dirh_add(d, ".snapshots", strlen(".snapshots"), FS_SNAPS);

	if (!e)
		return -ENOMEM;
	e->timeout = fs.timeout;
	return past_dir_attr(fs_ino_past(table, ".snapshots"), table->table, 0, &e->st, err);
}

const fs_kind_ops fs_snaps_ops = {
	.getattr = snaps_getattr,
	.lookup = snaps_lookup,
	.readdir = snaps_readdir,
};

/* ---- a point in time ---- */

static int point_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	int64_t earliest, latest;
	eng_backup_info b;
	int rc;

	if (n->backup) {
		if ((rc = eng_backup_get(fs.db, n->table, n->name, &b, err)) < 0)
			return rc;
		if (b.id != n->backup)
			return lay_err_set(err, -ENOENT, "backup %s was deleted", n->name);
		backup_attr(&b, fs_ino_past_node(n), st);
		return 0;
	}
	if ((rc = eng_table_pitr_window(fs.db, n->table, &earliest, &latest, err)) < 0)
		return rc;
	if (n->as_of < earliest)
		return lay_err_set(err, -ENOENT, "%s has left table %s's window", n->name,
				   n->table);
	return past_dir_attr(fs_ino_past_node(n), n->table, n->as_of, st, err);
}

static int point_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			struct stat *st, double *timeout, lay_err *err)
{
	int64_t as_of = 0;
	fs_node *n;
	int rc;

	if (name[0] != '@')
		return backup_lookup(dir, name, out, st, err);
	if (dir->kind == FS_BACKUPS)
		return lay_err_set(err, -ENOENT, "points in time are in MNT/%s/.snapshots",
				   dir->table);
	if ((rc = point_time(dir->table, name, &as_of, err)) < 0 ||
	    (rc = past_dir_attr(fs_ino_past(dir, name), dir->table, as_of, st, err)) < 0)
		return rc;
	/* made, timed and counted at once: no thread sees it without its
	 * time. The current second is not over: its point is now, a new
	 * node at each lookup, and the kernel keeps none of it */
	pthread_mutex_lock(&fs.lock);
	n = fs_node_find(fs_ino_of(dir), name);
	if (n && n->kind == FS_POINT && n->as_of != as_of) {
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	if (as_of % NS != NS - 1)
		*timeout = 0;
	n = fs_node_get(dir, name, FS_POINT, FS_M_NONE, NULL, NULL, t->ti.schema.sk[0] != 0);
	if (n) {
		if (!n->as_of)
			n->as_of = as_of;
		n->has_sk = t->ti.schema.sk[0] != 0;
		n->nlookup++;
	}
	pthread_mutex_unlock(&fs.lock);
	return (*out = n) ? 0 : -ENOMEM;
}

static int point_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	int rc;

	if ((rc = fs_table_learn_sk(dir, err)) < 0)
		return rc;
	return fs_dirh_list(d, dir, NULL, err);
}

const fs_kind_ops fs_point_ops = {
	.getattr = point_getattr,
	.lookup = point_lookup,
	.readdir = point_readdir,
};

/* ---- .ddbfs/backups ---- */

/* .ddbfs/backups lists the tables with backups (also deleted ones), and
 * .ddbfs/backups/T the backups of T. */

/* .ddbfs/backups/T as its table's latest backup b shows it: its owner,
 * who deletes backups there, and mode; the mount's time. */
static void table_backups_attr(const eng_backup_info *b, struct stat *st)
{
	eng_dirmeta dm = b->dir;

	dm.mtime_ns = dm.ctime_ns = fs.root->mtime_ns;
	fs_attr_dir(st, &dm);
	st->st_ino = fs_ino_backups(b->table);
}

/* .ddbfs/backups, or (table not NULL) .ddbfs/backups/table: ENOENT unless
 * table has a backup. */
static int backups_attr(const char *table, struct stat *st, lay_err *err)
{
	eng_backup_info *all = NULL;
	int count;

	if (!table) {
		fs_attr_past_dir(st, fs.root->mtime_ns, fs_ino_backups(NULL));
		return 0;
	}
	if ((count = eng_backup_list(fs.db, table, &all, err)) > 0)
		table_backups_attr(&all[count - 1], st);
	free(all);
	if (count == 0)
		return lay_err_set(err, -ENOENT, "table %s has no backups", table);
	return count < 0 ? count : 0;
}

static int backups_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	return backups_attr(n->table, st, err);
}

static int backups_lookup(fs_node *dir, const char *name, fs_target *t, fs_node **out,
			  struct stat *st, double *timeout, lay_err *err)
{
	fs_node *n;
	int rc;

	*timeout = 0; /* backups come and go without the kernel knowing */
	if ((rc = backups_attr(dir->kind == FS_BACKUPS ? name : NULL, st, err)) < 0)
		return rc;
	pthread_mutex_lock(&fs.lock);
	n = fs_node_for(dir, name, t);
	if (n)
		n->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	return (*out = n) ? 0 : -ENOMEM;
}

static int backups_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	eng_backup_info *all = NULL;
	fs_dent *e;
	int n, i, rc = 0;

	if (dir->table)
		return backups_add(dir, d, err);
	if ((n = eng_backup_list(fs.db, NULL, &all, err)) < 0)
		return n;
	for (i = 0; i < n && rc == 0; i++) {
		if (i + 1 < n && strcmp(all[i].table, all[i + 1].table) == 0)
			continue; /* sorted by table, then time: its latest */
		if (!(e = fs_dirh_add(d, all[i].table, strlen(all[i].table), FS_BACKUPS))) {
			rc = -ENOMEM;
			break;
		}
		table_backups_attr(&all[i], &e->st);
	}
	free(all);
	return rc;
}

const fs_kind_ops fs_backups_ops = {
	.getattr = backups_getattr,
	.lookup = backups_lookup,
	.readdir = backups_readdir,
};
