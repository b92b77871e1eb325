/* rename(item, scratch) defers the item's delete (SPEC §6): the name goes
 * at once, the row when the scratch file goes or the mount ends, unless the
 * item is committed again first. A journal in DATA_DIR keeps the deferred
 * deletes across crashes. */
#ifndef FS_HIDE_H
#define FS_HIDE_H

#include "fs.h"

/* Open the journal and finish the deferred deletes a crash left: a row is
 * deleted only if its scratch copy exists and the row is unchanged since.
 * A read-only mount leaves them to the next read-write one. */
int fs_hide_open(const char *data_dir, int ro);
/* At unmount: scratch space is synced, then every deferred delete happens. */
void fs_hide_close(void);

/* Scratch node s (linked, holding the item's text) now hides key of table;
 * ddb is the item's DynamoDB JSON at that moment. -ENOMEM. */
int fs_hide(fs_node *s, const char *table, const lay_key *key, const lay_buf *ddb);
/* Before rename(item, scratch) puts the scratch file in place at path
 * (under the scratch root): journal the deferred delete, so that a crash
 * once the file is there still deletes the row, while one before leaves
 * the item (recovery keeps a row whose file is not there). A token for
 * fs_hide_expect_end, or NULL when it could not be journalled (-ENOMEM):
 * then the rename must not go on. */
void *fs_hide_expect(const char *table, const lay_key *key, const lay_buf *ddb,
		     const lay_buf *path);
/* Before rename(scratch, item) commits the scratch file at path as key's
 * row, ddb in DynamoDB JSON: journal it, so that a crash after the commit
 * removes the scratch file (the row is ddb), and one before keeps it. A
 * token for fs_hide_expect_end, or NULL (-ENOMEM). */
void *fs_hide_expect_commit(const char *table, const lay_key *key, const lay_buf *ddb,
			    const lay_buf *path);
/* The rename went through (fs_hide took over) or failed: the line goes. */
void fs_hide_expect_end(void *token);
int fs_is_hidden(const char *table, const lay_key *key);
/* A commit of key ends its hiding: the put is then one MODIFY. */
void fs_unhide_key(const char *table, const lay_key *key);
/* Carry out s's deferred delete, if it has one (s is unlinked or replaced). */
void fs_hide_drop(fs_node *s);
/* Table from is now to: its deferred deletes follow it. -ENOMEM. */
int fs_hide_table_renamed(const char *from, const char *to);
/* Scratch files moved: the journal's paths follow. */
void fs_hide_moved(void);

#endif
