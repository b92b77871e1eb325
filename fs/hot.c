/* Items written lately (SPEC §5, §6): their readers bypass the page
 * cache for a while, as a writer's O_TRUNC can shrink the size the kernel
 * keeps of an item a reader opened a moment before; the same after a
 * change the engine made for another front. */
#include "hot.h"

#include "inode.h"

static int64_t now_ns(void)
{
	return eng_clock_now_ns(eng_db_clock(fs.db));
}

/* How long after a write readers bypass the page cache: well past the time
 * the kernel takes to act on our invalidation. */
#define HOT_NS (5 * 1000000000ll)

/* The item, its partition and its table get hot: a writer's O_TRUNC can
 * shrink the size the kernel keeps of an item a reader opened a moment
 * before, so while a table is being written its readers read directly. */
void fs_hot_mark(fs_node *n)
{
	pthread_mutex_lock(&fs.lock);
	fs_hot_mark_locked(n);
	pthread_mutex_unlock(&fs.lock);
}

void fs_hot_mark_locked(fs_node *n)
{
	int64_t until = now_ns() + HOT_NS;
	int depth;

	for (depth = 0; n && depth < 3; depth++) {
		if (n->hot_until_ns < until)
			n->hot_until_ns = until;
		n = n->parent && n->parent != FUSE_ROOT_ID ? fs_node_of(n->parent) : NULL;
	}
}

/* Whether n or its directories were written lately. Needs fs.lock. */
int fs_hot_is(fs_node *n)
{
	int64_t now = now_ns();
	int depth;

	for (depth = 0; n && depth < 3; depth++) {
		if (n->hot_until_ns > now)
			return 1;
		n = n->parent && n->parent != FUSE_ROOT_ID ? fs_node_of(n->parent) : NULL;
	}
	return 0;
}

