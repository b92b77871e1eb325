/* Nodes and their names (SPEC §3): nodeids are node addresses (root is
 * FUSE_ROOT_ID), a hash map finds a node by (parent, name) so that a name
 * keeps its inode while the kernel holds it, and memory objects stay
 * linked to their directory for the life of the mount. */
#include "inode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../layout/hash.h"

fs_node *fs_node_of(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return fs.root;
	return (fs_node *)(uintptr_t)ino;
}

fuse_ino_t fs_ino_of(const fs_node *n)
{
	if (n == fs.root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)n;
}

/* The number of name in a directory of time as_of (0: .snapshots' own
 * directory) of table, in partition pk (may be NULL). A point is named by
 * its second, and so is the number: the current second's point, read as
 * of now at each lookup, keeps its numbers while it lasts (cp and tar
 * take a file whose number changed for one replaced). */
static uint64_t past_number(int64_t as_of, uint32_t backup, const char *table,
			    const lay_value *pk, const char *name)
{
	int64_t second = as_of < 0 ? as_of : as_of / 1000000000;
	uint64_t h = lay_fnv1a(LAY_FNV_INIT, &second, sizeof(second));

	if (backup)
		h = lay_fnv1a(h, &backup, sizeof(backup));
	if (table)
		h = lay_fnv1a(h, table, strlen(table) + 1);
	if (pk && pk->type)
		h = lay_fnv1a(h, pk->u.p, pk->len);
	h = lay_hash_mix(lay_fnv1a(h, name, strlen(name)));
	return FS_INO_PAST | (h & 0xffffffffffffull);
}

uint64_t fs_ino_past(const fs_node *dir, const char *name)
{
	return past_number(dir->as_of, dir->backup, dir->table,
			   dir->kind == FS_PART ? &dir->pk : NULL, name);
}

uint64_t fs_ino_backups(const char *table)
{
	/* no point is at time -1 */
	return past_number(-1, 0, NULL, NULL, table ? table : "");
}

uint64_t fs_ino_past_node(const fs_node *n)
{
	/* in a live directory, or in .ddbfs/backups */
	int root = n->kind == FS_POINT || n->kind == FS_SNAPS;

	if (n->kind == FS_BACKUPS)
		return fs_ino_backups(n->table);

	return past_number(root ? 0 : n->as_of, root ? 0 : n->backup, n->table,
			   n->kind == FS_ITEM && n->has_sk ? &n->pk : NULL, n->name);
}

uint64_t fs_ino_new(void)
{
	return FS_INO_LOCAL + FS_INO_MEM + __atomic_add_fetch(&fs.next_ino, 1, __ATOMIC_RELAXED);
}

static size_t hash_of(uint64_t parent, const char *name)
{
	uint64_t h = 1469598103934665603ull ^ parent;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The daemon's state: main.c fills it at mount, unit tests in their set-up. */
fs_state fs;

int fs_nodes_init(void)
{
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));

	if (fs_map_init() < 0)
		return -ENOMEM;
	fs.root = calloc(1, sizeof(*fs.root));
	fs.ddbfs_dir = calloc(1, sizeof(*fs.ddbfs_dir));
	if (!fs.root || !fs.ddbfs_dir)
		return -ENOMEM;
	fs.root->kind = FS_ROOT;
	fs.root->name = strdup("");
	fs.root->mode = 0755;
	fs.root->ino = FS_INO_ROOT;
	fs.root->uid = getuid();
	fs.root->gid = getgid();
	fs.root->mtime_ns = fs.root->ctime_ns = now;
	fs.ddbfs_dir->kind = FS_MAGIC_DIR;
	fs.ddbfs_dir->name = strdup(".ddbfs");
	fs.ddbfs_dir->parent = FUSE_ROOT_ID;
	fs.ddbfs_dir->mode = 0555;
	fs.ddbfs_dir->ino = FS_INO_DDBFS;
	fs.ddbfs_dir->mtime_ns = fs.ddbfs_dir->ctime_ns = now;
	return 0;
}

int fs_map_init(void)
{
	fs.map_size = 4096;
	fs.map = calloc(fs.map_size, sizeof(*fs.map));
	return fs.map ? 0 : -ENOMEM;
}

static void map_grow(void)
{
	size_t size = fs.map_size * 2, i;
	fs_node **map = calloc(size, sizeof(*map)), *n, *next;

	if (!map)
		return; /* chains just get longer */
	for (i = 0; i < fs.map_size; i++) {
		for (n = fs.map[i]; n; n = next) {
			size_t h = hash_of(n->parent, n->name) & (size - 1);

			next = n->hnext;
			n->hnext = map[h];
			map[h] = n;
		}
	}
	free(fs.map);
	fs.map = map;
	fs.map_size = size;
}

fs_node *fs_node_find(uint64_t parent, const char *name)
{
	fs_node *n = fs.map[hash_of(parent, name) & (fs.map_size - 1)];

	for (; n; n = n->hnext)
		if (n->parent == parent && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

static void map_insert(fs_node *n)
{
	size_t h;

	if (fs.map_count + 1 > fs.map_size)
		map_grow();
	h = hash_of(n->parent, n->name) & (fs.map_size - 1);
	n->hnext = fs.map[h];
	fs.map[h] = n;
	fs.map_count++;
	fs_node_of(n->parent)->nchild++;
}

void fs_node_unhash(fs_node *n)
{
	fs_node **pp;

	if (!n->parent)
		return;
	pp = &fs.map[hash_of(n->parent, n->name) & (fs.map_size - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			fs.map_count--;
			fs_node_of(n->parent)->nchild--;
			break;
		}
	}
	n->hnext = NULL;
	n->parent = 0;
}

/*
 * A new node named name in parent, in the map. Identity fields (table,
 * keys) are the caller's to fill. Returns NULL on ENOMEM.
 */
fs_node *fs_node_new(fs_node *parent, const char *name, fs_kind kind)
{
	fs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->kind = kind;
	n->sfd = -1;
	if (parent) {
		n->parent = fs_ino_of(parent);
		map_insert(n);
		if (parent->table && kind != FS_MAGIC_DIR) {
			n->table = strdup(parent->table);
			n->has_sk = parent->has_sk;
		}
		n->as_of = parent->as_of; /* below a point: the same past */
		n->backup = parent->backup;
	}
	return n;
}

int fs_node_rehash(fs_node *n, fs_node *parent, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	fs_node_unhash(n);
	free(n->name);
	n->name = copy;
	n->parent = fs_ino_of(parent);
	__atomic_add_fetch(&n->keygen, 1, __ATOMIC_ACQ_REL);
	map_insert(n);
	return 0;
}

void fs_node_mem_link(fs_node *dir, fs_node *n)
{
	if (n->mem)
		return;
	n->mem = 1;
	n->mowner = dir;
	n->mnext = dir->mchildren;
	dir->mchildren = n;
}

/* Its list is its owner's, not its parent's: a name may move first. The
 * owner lives at least as long (fs_node_maybe_free keeps directories with
 * memory children). */
void fs_node_mem_unlink(fs_node *n)
{
	fs_node **pp;

	if (!n->mem)
		return;
	n->mem = 0;
	for (pp = &n->mowner->mchildren; *pp; pp = &(*pp)->mnext) {
		if (*pp == n) {
			*pp = n->mnext;
			break;
		}
	}
	n->mowner = NULL;
	n->mnext = NULL;
}

static void node_free(fs_node *n)
{
	if (n->sfd >= 0)
		close(n->sfd);
	free(n->name);
	free(n->table);
	lay_item_free(&n->keys);
	free(n);
}

/* Free n once nothing refers to it: no kernel reference, no open handle,
 * not a linked memory object, no child in the map (which points at it). */
void fs_node_maybe_free(fs_node *n)
{
	fs_node *parent;

	if (n == fs.root || n == fs.ddbfs_dir || n->nlookup || n->open || n->mem || n->mchildren ||
	    n->nchild || n->hides)
		return;
	parent = n->parent ? fs_node_of(n->parent) : NULL;
	fs_node_unhash(n);
	node_free(n);
	/* a directory the kernel forgot while this child lived can go now */
	if (parent && !parent->nchild && parent != fs.root)
		fs_node_maybe_free(parent);
}

/*
 * Key values replaced by a rename may still be read by requests that took
 * them a moment before (a getattr of the same node on another thread), so
 * their arena is freed only after a grace period far longer than any
 * request's use of them.
 */
#define GRACE_NS (10 * 1000000000ll)

typedef struct grave {
	struct grave *next;
	lay_item keys;
	int64_t when;
} grave;

static grave *graves, **graves_tail = &graves;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Bury keys (needs fs.lock); free those buried long enough ago. */
static void bury(lay_item *keys)
{
	int64_t now = mono_ns();
	grave *g;

	while (graves && now - graves->when > GRACE_NS) {
		g = graves;
		graves = g->next;
		if (!graves)
			graves_tail = &graves;
		lay_item_free(&g->keys);
		free(g);
	}
	if (!keys->arena)
		return;
	if (!(g = calloc(1, sizeof(*g)))) {
		/* keep them forever rather than risk a reader's use */
		*keys = (lay_item)LAY_ITEM_INIT;
		return;
	}
	g->keys = *keys;
	g->when = now;
	*graves_tail = g;
	graves_tail = &g->next;
	*keys = (lay_item)LAY_ITEM_INIT;
}

void fs_node_graves_free(void)
{
	grave *g;

	while ((g = graves)) {
		graves = g->next;
		lay_item_free(&g->keys);
		free(g);
	}
	graves_tail = &graves;
}

void fs_nodes_free(void)
{
	size_t i;
	fs_node *n, *next;

	for (i = 0; i < fs.map_size; i++)
		for (n = fs.map[i]; n; n = next) {
			next = n->hnext;
			node_free(n);
		}
	free(fs.map);
	fs.map = NULL;
	fs.map_size = fs.map_count = 0;
	if (fs.root)
		node_free(fs.root);
	if (fs.ddbfs_dir)
		node_free(fs.ddbfs_dir);
	fs.root = fs.ddbfs_dir = NULL;
	fs_node_graves_free();
}

int fs_node_set_key(fs_node *n, const lay_value *pk, const lay_value *key)
{
	lay_item keys = LAY_ITEM_INIT;
	lay_value npk = { 0 }, nkey = { 0 };

	if ((pk && lay_value_copy(&keys, &npk, pk) < 0) ||
	    (key && lay_value_copy(&keys, &nkey, key) < 0)) {
		lay_item_free(&keys);
		return -ENOMEM;
	}
	bury(&n->keys);
	__atomic_add_fetch(&n->keygen, 1, __ATOMIC_ACQ_REL);
	n->keys = keys;
	n->pk = npk;
	n->key = nkey;
	return 0;
}

/* The primary key of an item node; values borrowed from n, valid for at
 * least the grace period of bury() even if a rename replaces them. Takes
 * fs.lock. */
void fs_node_item_key(const fs_node *n, lay_key *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&fs.lock);
	if (n->has_sk) {
		out->pk = n->pk;
		out->sk = n->key;
	} else {
		out->pk = n->key;
	}
	pthread_mutex_unlock(&fs.lock);
}

int fs_node_path_locked(lay_buf *out, const fs_node *n, const char *child)
{
	const fs_node **parts = NULL, **grown;
	size_t count = 0, cap = 0;
	int rc = 0;

	lay_buf_reset(out);
	while (n && n != fs.root) {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(parts, cap * sizeof(*parts)))) {
				free(parts);
				return -ENOMEM;
			}
			parts = grown;
		}
		parts[count++] = n;
		if (!n->parent) {
			rc = -ENOENT; /* unlinked on the way: the names from there */
			break;
		}
		n = fs_node_of(n->parent);
	}
	while (count--) {
		if (out->len)
			lay_buf_addc(out, '/');
		lay_buf_adds(out, parts[count]->name);
	}
	free(parts);
	if (child) {
		if (out->len)
			lay_buf_addc(out, '/');
		lay_buf_adds(out, child);
	}
	return rc;
}
