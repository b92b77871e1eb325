/* Items written lately: read directly, past the page cache (hot.c). */
#ifndef FS_HOT_H
#define FS_HOT_H

#include "fs.h"

/* The item n, its partition and its table get hot for a few seconds. */
void fs_hot_mark(fs_node *n);
/* The same, with fs.lock held. */
void fs_hot_mark_locked(fs_node *n);
/* Whether n or its directories were written lately. Needs fs.lock. */
int fs_hot_is(fs_node *n);

#endif
