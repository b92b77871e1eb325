/* An item file's text as the item it commits as (SPEC §4, §5): the engine
 * settles, parses and checks it (engine.h); this gives the engine what
 * a node's path says of the key, copied under fs.lock (a rename on another
 * thread may change the node meanwhile), and lets the nodes learn the key
 * the content told. Below file.c and early.c, which both commit or check. */
#ifndef FS_DOC_H
#define FS_DOC_H

#include "../engine/engine.h"
#include "fs.h"
#include "name.h"

#define MAX_ITEM_FILE (16u << 20) /* no item renders larger than this */

typedef struct fs_place {
	eng_place p;
	lay_item store;  /* owns the copied key values */
	lay_value pk, key;
	char *name, *pk_name;
	fs_node *dir;    /* the directory n was in */
	uint32_t keygen; /* n's keygen when copied */
} fs_place;

/* The place of item node n, or of a file called name in dir (n NULL).
 * 0, 1 if n was unlinked (its content goes nowhere), -ENOMEM. Free with
 * fs_place_free either way. Takes fs.lock. */
int fs_place_of(fs_place *out, fs_node *n, fs_node *dir, const char *name, const lay_value *pk,
		const lay_value *key);

/* After the engine settled the content at pl to key: n (may be NULL) and
 * a partition made by mkdir under a long name learn what the path could
 * not tell. Takes fs.lock. 0 or -ENOMEM. */
int fs_place_learn(const fs_place *pl, fs_node *n, const lay_key *key);

void fs_place_free(fs_place *pl);

/* rename(scratch, dir/name): put the scratch's content with its metadata as
 * the item t names (t->key is updated to the key committed: a long name's
 * comes from the content). With expect, the commit is journalled first
 * (fs_hide_expect_commit) and *expect is its token, for the caller to end
 * once the scratch file is gone. -EINVAL (content), -EEXIST (noreplace). */
int fs_file_put_scratch(fs_node *scratch, fs_node *dir, const char *name, fs_target *t,
			int noreplace, void **expect, lay_err *err);

#endif
