/* Files held at a table's top (SPEC §7): the scratch .json files a table
 * without sort key held become its items, one PutItem each. */
#include "hold.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../layout/name.h"
#include "doc.h"
#include "errlog.h"
#include "inode.h"
#include "name.h"
#include "node.h"
#include "notify.h"
#include "scratch.h"

typedef struct held {
	char **names;
	size_t n, cap;
} held;

static int held_one(void *arg, const char *name, const struct stat *st)
{
	held *h = arg;
	char **grown;

	if (!S_ISREG(st->st_mode) || name[0] == '.' || !lay_name_is_item(name, strlen(name)))
		return 0;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		if (!(grown = realloc(h->names, h->cap * sizeof(*grown))))
			return -ENOMEM;
		h->names = grown;
	}
	return (h->names[h->n++] = strdup(name)) ? 0 : -ENOMEM;
}

void fs_hold_release(fuse_req_t req, fs_node *table)
{
	held h = { 0 };
	size_t i;

	fs_scratch_list(table, held_one, &h);
	for (i = 0; i < h.n; i++) {
		const char *name = h.names[i];
		lay_buf path = LAY_BUF_INIT;
		lay_err err = { 0 };
		fs_target t;
		fs_node *s;
		int rc;

		if (!name)
			continue;
		rc = fs_name_resolve(&t, table, name, 0, &err);
		if (rc == 0 && t.kind != FS_ITEM)
			rc = lay_err_set(&err, -EINVAL, "%s is not an item's name here", name);
		pthread_mutex_lock(&fs.lock);
		s = rc == 0 ? fs_node_get(table, name, FS_SCRATCH, FS_M_NONE, NULL, NULL, 0) : NULL;
		if (s)
			s->nlookup++; /* ours while we work */
		pthread_mutex_unlock(&fs.lock);
		if (rc == 0 && !s)
			rc = -ENOMEM;
		if (rc == 0)
			rc = fs_file_put_scratch(s, table, name, &t, 0, NULL, &err);
		if (rc == 0 && fs_scratch_path(&path, table, name) == 0)
			unlinkat(fs_scratch_root(), path.p, 0);
		if (s) {
			pthread_mutex_lock(&fs.lock);
			s->nlookup--;
			if (rc == 0)
				fs_node_unhash(s); /* the name is the item's now */
			fs_node_maybe_free(s);
			pthread_mutex_unlock(&fs.lock);
		}
		if (rc == 0) {
			fs_notify_entry(fs_ino_of(table), name);
		} else {
			fs_path_of(&path, table, name);
			fs_errlog_add(req, "setxattr", path.p, rc,
				      err.code ? err.msg : "the held file did not become an item");
		}
		fs_target_free(&t);
		lay_buf_free(&path);
	}
	for (i = 0; i < h.n; i++)
		free(h.names[i]);
	free(h.names);
}
