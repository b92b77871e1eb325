/* Early errors (SPEC §5): while an item's handle is written in order from
 * offset 0, the write that makes its content impossible to commit fails
 * with the errno the commit would meet, because the shell ignores what
 * close() returns. A writer that seeks is checked at commit only. The
 * checking is the engine's (eng_draft in engine/engine.h); this is its glue
 * to a handle. */
#ifndef FS_EARLY_H
#define FS_EARLY_H

#include "fs.h"

/*
 * A write of len bytes at off (at the end for an O_APPEND handle) has just
 * landed in fh->buf, which held old_len bytes before. Returns 0; or, when
 * the content can no longer become a valid item (a JSON syntax error in
 * these bytes, or a complete document the commit would refuse), -EINVAL or
 * -EFBIG with a message: then buf is cut back to old_len, as if the write
 * had not happened, and every later write through fh fails the same way
 * until its content is truncated to nothing. Needs fh->lock.
 */
int fs_early_write(fs_fh *fh, size_t old_len, off_t off, size_t len, lay_err *err);

/* fh's content went from old_len bytes to size (ftruncate). Needs fh->lock. */
void fs_early_truncate(fs_fh *fh, size_t old_len, size_t size);

/*
 * If fh's content was parsed and checked as it was written, at the place
 * keygen names (and only whitespace came since), move that item into out
 * (LAY_ITEM_INIT), for the caller to free, and return 1; else 0, out
 * untouched. Needs fh->lock.
 */
int fs_early_take(fs_fh *fh, uint32_t keygen, lay_item *out);

/* Free what fh's early state holds. */
void fs_early_free(fs_fh *fh);

#endif
