/* Backups through the files (SPEC §12): mkdir T/.snapshots/NAME takes one,
 * rmdir T/.snapshots/NAME (or .ddbfs/backups/T/NAME) deletes it, and
 * setfattr -n user.ddb.restore_to -v NEW on a backup or a point in time
 * restores it as table NEW. Everything else there is read-only (past.c). */
#include "backup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "inode.h"
#include "lookup.h"
#include "node.h"
#include "notify.h"

int fs_backup_dir(const fs_node *dir)
{
	return dir->kind == FS_SNAPS || (dir->kind == FS_BACKUPS && dir->table);
}

void fs_backup_mkdir(fuse_req_t req, fs_node *dir, const char *name)
{
	struct fuse_entry_param e;
	lay_err err = { 0 };
	struct stat st;
	double timeout;
	fs_node *n;
	int rc;

	if (dir->kind != FS_SNAPS)
		rc = lay_err_set(&err, -EROFS, "backups are taken in MNT/%s/.snapshots", dir->table);
	else if (name[0] == '@')
		rc = lay_err_set(&err, -EINVAL,
				 "%s: names starting with @ are points in time, not backups", name);
	else
		rc = eng_backup_create(fs.db, FS_REQ(req), dir->table, name, NULL, &err);
	if (rc == 0)
		rc = fs_find_child(dir, name, &n, &st, &timeout, &err);
	if (rc < 0) {
		fs_fail(req, "mkdir", dir, name, rc, &err);
		return;
	}
	fs_entry_of(&e, n, &st);
	fuse_reply_entry(req, &e);
}

void fs_backup_rmdir(fuse_req_t req, fs_node *dir, const char *name)
{
	lay_err err = { 0 };
	fs_node *n;
	int rc;

	if (name[0] == '@')
		rc = lay_err_set(&err, -EROFS, "%s is a point in time: it cannot be deleted", name);
	else
		rc = eng_backup_delete(fs.db, FS_REQ(req), dir->table, name, &err);
	if (rc < 0) {
		fs_fail(req, "rmdir", dir, name, rc, &err);
		return;
	}
	pthread_mutex_lock(&fs.lock);
	if ((n = fs_node_find(fs_ino_of(dir), name))) {
		fs_node_unhash(n);
		fs_node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}

/* A restore makes a table, as mkdir in the mount's root does: the
 * requester needs write and search permission there (the kernel checked
 * only the backup's). */
static int may_make_table(fuse_req_t req, lay_err *err)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	gid_t groups[64];
	struct stat st;
	mode_t need;
	int i, n, member;

	if (c->uid == 0)
		return 0;
	fs_attr_mem(&st, fs.root, S_IFDIR);
	if (c->uid == st.st_uid) {
		need = S_IWUSR | S_IXUSR;
	} else {
		member = c->gid == st.st_gid;
		n = fuse_req_getgroups(req, (int)(sizeof(groups) / sizeof(groups[0])), groups);
		for (i = 0; i < n && i < (int)(sizeof(groups) / sizeof(groups[0])) && !member; i++)
			member = groups[i] == st.st_gid;
		need = member ? S_IWGRP | S_IXGRP : S_IWOTH | S_IXOTH;
	}
	if ((st.st_mode & need) == need)
		return 0;
	return lay_err_set(err, -EACCES, "a restore makes a table in the mount's root, where "
			   "uid %u may not make one", (unsigned)c->uid);
}

int fs_backup_restore(fuse_req_t req, fs_node *n, const char *value, size_t size, lay_err *err)
{
	eng_req rq, *view = FS_VIEW(n);
	char to[256];
	int rc;

	if (n->kind != FS_POINT || !view)
		return lay_err_set(err, -EINVAL,
				   "user.ddb.restore_to is set on a backup or a point in time "
				   "(MNT/T/.snapshots/NAME)");
	if (size == 0 || size >= sizeof(to) || memchr(value, '\0', size))
		return lay_err_set(err, -EINVAL, "user.ddb.restore_to is a table name: 3 to 255 "
				   "characters of [A-Za-z0-9_.-]");
	memcpy(to, value, size);
	to[size] = '\0';
	if (req && (rc = may_make_table(req, err)) < 0)
		return rc;
	rq = *view;
	if (req) {
		rq.uid = fuse_req_ctx(req)->uid;
		rq.gid = fuse_req_ctx(req)->gid;
	}
	if ((rc = eng_table_restore(fs.db, &rq, n->table, to, err)) < 0)
		return rc;
	/* a table the kernel has not seen made */
	fs_notify_inode(fs_ino_of(fs.root));
	fs_notify_entry(fs_ino_of(fs.root), to);
	return 0;
}
