/* An item file's text as the item it commits as (SPEC §4, §5): the key
 * settled from the file's path and content, and every check of a commit.
 * Below file.c and early.c, which both check. */
#ifndef FS_DOC_H
#define FS_DOC_H

#include "fs.h"
#include "name.h"

#define MAX_ITEM_FILE (16u << 20) /* no item renders larger than this */

/*
 * The key node n commits item under, set into item: what n's path gives,
 * and under a long name what the content carries, which must give back the
 * names (SPEC §4). learn: n and a partition made by mkdir under a long name
 * learn the key the content tells; else a check only. Reads n's key under
 * fs.lock. Returns 0, 1 if n was unlinked (like an unlinked file's, its
 * content goes nowhere), -EINVAL with a message, -ENOMEM.
 */
int fs_doc_commit_key(fs_node *n, lay_item *item, const lay_schema *s, int learn, lay_err *err);

/* rename(scratch, dir/name): put the scratch's content with its metadata as
 * the item t names (t->key is updated to the key committed: a long name's
 * comes from the content). -EINVAL (content), -EEXIST (noreplace). */
int fs_file_put_scratch(fs_node *scratch, fs_node *dir, const char *name, fs_target *t,
			int noreplace, lay_err *err);

/*
 * Whether text would commit as item n: every check of its commit (JSON,
 * DynamoDB's rules, the key against the path, the size) without putting
 * anything and without effects. On success out (LAY_ITEM_INIT, may be NULL)
 * gets the item, for the caller to free. Needs no lock; reads n's key under
 * fs.lock. Returns 0, -EINVAL or -EFBIG with a message, or another errno the
 * commit would meet as well (-ENOENT: no table, -ENOMEM).
 */
int fs_file_check(fs_node *n, const char *text, size_t len, lay_item *out, lay_err *err);

#endif
