/* Expiry as the kernel sees it (SPEC §9, §16): an expired item vanishes
 * from lookups and listings at once. Entries of expiring items live no
 * longer than the item; the engine's TTL deletions and jumps of the test
 * clock invalidate what the kernel cached. */
#include "expire.h"

#include <stdlib.h>
#include <string.h>

#include "../layout/name.h"
#include "hot.h"
#include "inode.h"
#include "node.h"
#include "notify.h"

double fs_expire_timeout(const eng_meta *m)
{
	double left;

	if (!m || !m->expires)
		return fs.timeout;
	left = (double)m->expires - (double)eng_clock_now_ns(eng_db_clock(fs.db)) / 1e9;
	if (left < 0.001)
		left = 0.001; /* expired but not swept: ask again soon */
	return left < fs.timeout ? left : fs.timeout;
}

/* The engine changed an item by itself (TTL) or for another front (an
 * import, a request): forget its name and its directory's listing; a
 * partition it emptied goes too. A table made or deleted so: the root's. */
static void hook(void *ctx, const eng_item_event *ev)
{
	const char *table = ev->table;
	const lay_key *key = ev->key;
	lay_buf pname = LAY_BUF_INIT, iname = LAY_BUF_INIT;
	fs_node *t, *p = NULL, *it = NULL;
	fuse_ino_t tino = 0, pino = 0, iino = 0;

	(void)ctx;
	fs_names_changed(); /* whoever made it: before its answer */
	if (ev->source == ENG_SRC_FILE)
		return; /* what fs did itself, it knows */
	if (!key) { /* a table made or deleted by an import or a request */
		fs_notify_entry(FUSE_ROOT_ID, table);
		fs_notify_inode(FUSE_ROOT_ID);
		return;
	}
	pthread_mutex_lock(&fs.lock);
	t = fs_node_find(FUSE_ROOT_ID, table);
	pthread_mutex_unlock(&fs.lock);
	if (!t)
		return; /* the kernel knows nothing of the table (an import's) */
	if ((key->sk.type && lay_name_from_key(&pname, &key->pk, 0) < 0) ||
	    lay_name_from_key(&iname, key->sk.type ? &key->sk : &key->pk, 1) < 0)
		goto out;
	pthread_mutex_lock(&fs.lock);
	t = fs_node_find(FUSE_ROOT_ID, table);
	if (t) {
		tino = fs_ino_of(t);
		if (key->sk.type && (p = fs_node_find(tino, pname.p)))
			pino = fs_ino_of(p);
		/* an item the kernel may hold: its pages and size go, and its
		 * readers read directly for a while, as after a write here */
		if ((it = fs_node_find(key->sk.type ? pino : tino, iname.p)))
			iino = fs_ino_of(it);
		if (key->sk.type ? pino != 0 : 1)
			fs_hot_mark_locked(it ? it : p ? p : t);
	}
	pthread_mutex_unlock(&fs.lock);
	if (!tino)
		goto out;
	if (iino)
		fs_notify_inode(iino);
	if (key->sk.type) {
		if (pino) {
			fs_notify_entry(pino, iname.p);
			fs_notify_inode(pino);
		}
		fs_notify_entry(tino, pname.p);
	} else {
		fs_notify_entry(tino, iname.p);
	}
	fs_notify_inode(tino);
out:
	lay_buf_free(&pname);
	lay_buf_free(&iname);
}

void fs_expire_start(void)
{
	eng_subscribe(fs.db, hook, NULL);
}

void fs_expire_stop(void)
{
	eng_unsubscribe(fs.db, hook, NULL);
}

/* The test clock jumped: whatever the kernel caches of items and their
 * directories may have expired. Returns once the kernel was told (or a
 * second passed), so that a listing right after `echo +N > .ddbfs/clock`
 * cannot come from the kernel's cache of before the jump. */
void fs_expire_clock_jumped(void)
{
	size_t i;
	fs_node *n;

	fs_names_changed();
	pthread_mutex_lock(&fs.lock);
	for (i = 0; i < fs.map_size; i++) {
		for (n = fs.map[i]; n; n = n->hnext) {
			if ((n->kind == FS_ITEM || n->kind == FS_POINT) && !n->mem && n->parent)
				fs_notify_entry(n->parent, n->name); /* a point may leave the window */
			else if (n->kind == FS_TABLE || n->kind == FS_PART || n->kind == FS_SNAPS ||
				 n->kind == FS_BACKUPS)
				fs_notify_inode(fs_ino_of(n));
		}
	}
	pthread_mutex_unlock(&fs.lock);
	fs_notify_wait(1000);
}
