/* Finding names (SPEC §3): lookup, forget and getattr. */
#ifndef FS_LOOKUP_H
#define FS_LOOKUP_H

#include "fs.h"

void fs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void fs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void fs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

/* Resolve name in dir to an existing object: *out (counted as looked up)
 * and its attributes st; *timeout gets how long the kernel may keep them.
 * -ENOENT and the name's other errors, with err. */
int fs_find_child(fs_node *dir, const char *name, fs_node **out, struct stat *st,
		  double *timeout, lay_err *err);

/* The entry of node n (counted as looked up) with attributes st. */
void fs_entry_of(struct fuse_entry_param *e, fs_node *n, const struct stat *st);
/* st, as the writer asking through its own handle fi (may be NULL) sees
 * it: the size of what it wrote, not of the last commit. */
void fs_writer_view(struct stat *st, fs_node *n, struct fuse_file_info *fi);

#endif
