/* A directory listing being built (SPEC §3): the entries of one open
 * directory, filled by its kind (kind.h) and served by dir.c. */
#ifndef FS_DIRBUF_H
#define FS_DIRBUF_H

#include "fs.h"

typedef struct fs_dent {
	size_t name_off; /* in names */
	struct stat st;
	fs_kind kind;
	fs_magic magic;
	lay_value key;	/* in store */
	fs_node *node;	/* memory children: the node itself */
	int has_sk;	/* tables: the table has a sort key */
	double timeout; /* how long the kernel may keep it */
} fs_dent;

typedef struct fs_dirh {
	pthread_mutex_t lock; /* first in the lock order (fs.h) */
	fs_dent *v;
	size_t n, cap;
	lay_buf names;
	lay_item store;
	int filled;
	size_t sort_from; /* where the keyed entries start, if sorted */
	uint64_t gen;     /* fs_names_gen() before the entries were taken */
} fs_dirh;

/* Forget every entry (at offset 0, and before the handle goes). */
void fs_dirh_clear(fs_dirh *d);
/* Append an entry named <name, len> of kind kind (0 for "." and ".."),
 * zeroed but for its name, kind and timeout. NULL on ENOMEM. The pointer
 * lives until the next add. */
fs_dent *fs_dirh_add(fs_dirh *d, const char *name, size_t len, fs_kind kind);
/* Append generated file name of kind magic. -ENOMEM. */
int fs_dirh_add_generated(fs_dirh *d, const char *name, fs_magic magic);
/* Append the engine's partitions (pk NULL) or items (of partition pk) of
 * table dir or partition dir, in key order, but items whose delete is
 * deferred (hide.c). Returns eng_list's result. */
int fs_dirh_list(fs_dirh *d, fs_node *dir, const lay_value *pk, lay_err *err);
/* Append the scratch objects of dir's real directory, but names a
 * partition or item shadows; partitions holding only scratch files become
 * memory partitions (fs_part_from_scratch). -errno. */
int fs_dirh_scratch(fs_dirh *d, fs_node *dir, lay_err *err);
/* Sort entries from first on: keyed ones in key order, the rest after them
 * in the order they came. */
void fs_dirh_sort(fs_dirh *d, size_t first);

#endif
