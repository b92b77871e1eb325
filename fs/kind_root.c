/* The mount's root (SPEC §2, §3): lists the tables, and .ddbfs when shown.
 * Its times live for the mount (setattr.c). */
#include "kind.h"

#include <errno.h>
#include <string.h>

#include "attr.h"

static int root_getattr(fs_node *n, struct stat *st, lay_err *err)
{
	(void)err;
	fs_attr_mem(st, n, S_IFDIR);
	return 0;
}

static int root_readdir(fs_node *dir, fs_dirh *d, lay_err *err)
{
	char **names;
	eng_table_info ti;
	fs_dent *e;
	size_t i;
	int count, rc = 0;

	(void)dir;
	(void)err;
	if (fs.show_magic) {
		if (!(e = fs_dirh_add(d, ".ddbfs", 6, FS_MAGIC_DIR)))
			return -ENOMEM;
		e->st.st_mode = S_IFDIR | 0555;
		e->st.st_ino = fs.ddbfs_dir->ino;
	}
	if ((count = eng_table_list(fs.db, &names)) < 0)
		return count;
	for (i = 0; i < (size_t)count && rc == 0; i++) {
		if (eng_table_get(fs.db, NULL, names[i], &ti, NULL) < 0)
			continue; /* deleted meanwhile */
		if (!(e = fs_dirh_add(d, names[i], strlen(names[i]), FS_TABLE))) {
			rc = -ENOMEM;
		} else {
			fs_attr_dir(&e->st, &ti.dir);
			e->has_sk = ti.schema.sk[0] != 0;
		}
	}
	eng_names_free(names);
	return rc;
}

const fs_kind_ops fs_root_ops = {
	.getattr = root_getattr,
	.readdir = root_readdir,
};
