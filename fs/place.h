/* What a node's path says of its item's key (engine/doc.h's eng_place),
 * copied under fs.lock: a rename on another thread may change the node
 * while the engine settles its content. */
#ifndef FS_PLACE_H
#define FS_PLACE_H

#include "../engine/doc.h"
#include "fs.h"

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

#endif
