/* The daemon's shared state and node model (SPEC §3, §6): every name the
 * kernel holds is a fs_node; engine objects (tables, partitions, items) are
 * re-read from the engine, scratch files from DATA_DIR/scratch (scratch.c),
 * memory objects (partitions made by mkdir, items created but not yet
 * committed) live only here. */
#ifndef FS_FS_H
#define FS_FS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "../engine/engine.h"
#include "../layout/buf.h"
#include "../layout/json.h"
#include "../layout/schema.h"

typedef enum fs_kind {
	FS_ROOT = 1,
	FS_TABLE,      /* a table directory */
	FS_PART,       /* a partition directory */
	FS_ITEM,       /* an item file */
	FS_SCRATCH,    /* a scratch file, directory or symlink (SPEC §6) */
	FS_MAGIC_DIR,  /* .ddbfs */
	FS_MAGIC_FILE, /* .table.json, .ddbfs/errors, ... */
	FS_SNAPS,      /* a table's .snapshots (SPEC §12) */
	FS_POINT,      /* .snapshots/@TIME: the table as of a time; .snapshots/NAME
	                * and .ddbfs/backups/T/NAME: a backup */
	FS_BACKUPS,    /* .ddbfs/backups, and its directory of each table's backups */
} fs_kind;

typedef enum fs_magic {
	FS_M_NONE = 0, FS_M_TABLE_JSON, FS_M_STREAM,
	FS_M_SNAPSHOTS, /* .snapshots is a kind (FS_SNAPS) now; the value stays
			 * so that the generated entries keep their numbers */
	FS_M_ERRORS, FS_M_STATS, FS_M_CLOCK,
	FS_M_BACKUPS_JSON, /* .ddbfs/backups.json */
	FS_M_EVENTS,       /* .ddbfs/events: the engine's journal */
	FS_M_COST,         /* .ddbfs/cost.json */
	FS_M_API,          /* .ddbfs/api: requests in DynamoDB's API (api.c) */
} fs_magic;

/* A generated file read at offsets that never move, as it grows (a stream,
 * the journal), not rendered whole at open. */
#define FS_MAGIC_GROWS(m) ((m) == FS_M_STREAM || (m) == FS_M_EVENTS)

struct fs_fh;

typedef struct fs_node {
	uint64_t parent;        /* parent's nodeid; 0 once unlinked */
	char *name;             /* owned */
	struct fs_node *hnext;  /* chain in the name map */
	struct fs_node *mnext;  /* chain in the parent's memory-children list */
	fs_kind kind;
	fs_magic magic;
	uint64_t nlookup;       /* kernel references */
	unsigned nchild;        /* nodes in the map whose parent this is */
	unsigned open;          /* open handles */
	_Atomic unsigned wopen; /* of which open for writing (atomic: rename reads
	                         * it without fs.lock) */
	_Atomic int mem;        /* a memory object: kept while linked, listed by its
	                         * dir (atomic: read without fs.lock as a snapshot) */
	struct fs_node *mowner; /* the directory whose list holds it, while mem */
	struct fs_node *mchildren; /* memory children (directories) */

	/* Identity of engine objects: the table, and for partitions and items
	 * their key values, copied into keys' arena. */
	char *table;            /* owned; NULL for root and .ddbfs */
	lay_item keys;
	lay_value pk;           /* PART, and ITEM of a table with a sort key */
	lay_value key;          /* ITEM: its value in its directory (sort key, or pk) */
	int has_sk;             /* the table has a sort key */

	/* Memory objects' metadata (pending items and partitions). */
	uint32_t mode, uid, gid;
	int64_t mtime_ns, ctime_ns, atime_ns;
	int owner_known;        /* a partition: mode, uid, gid are the engine's,
	                         * as last read (kept when it is emptied) */
	uint64_t ino;           /* st_ino of memory and generated objects (inode.h) */
	off_t size;             /* items: the size last reported */
	uint32_t keygen;        /* changes with its name or key (atomic) */

	/* Scratch objects: an O_PATH descriptor while the file is open (so
	 * an unlinked open file still answers getattr); -1 when none. */
	int sfd;
	int hides;              /* defers an item's delete (hide.c) */

	/* The past (SPEC §12): a point (FS_POINT) and everything below it
	 * show the table as of this time (ns, the end of the point's second);
	 * 0 for the live tree. Set when the node is made, never changed. */
	int64_t as_of;
	/* A backup (FS_POINT) and everything below it: the backup's number
	 * (eng_req.backup), as_of its time; 0 elsewhere. Set with as_of. */
	uint32_t backup;

	struct fs_fh *dirty;    /* an open handle with uncommitted content */
	int64_t hot_until_ns;   /* written lately: readers bypass the page cache */
	int dropped;            /* created, first commit failed: gone */
} fs_node;

/* An open file. */
typedef struct fs_fh {
	int refs;               /* the open file, and a settling reader (atomic) */
	fs_node *node;
	pthread_mutex_t lock;   /* the lock order is above fs_state */
	lay_buf buf;            /* the file's content as this handle sees it */
	size_t dirty_len;       /* buf.len when last made its node's dirty, set
	                         * under fs.lock: a pending item's size for
	                         * stat, which cannot take this lock */
	int dirty;              /* buf differs from what is committed */
	int written;            /* bytes were written since the last commit */
	int werr;               /* a write failed (EFBIG): the commit fails with it */
	int fail_logged;        /* the content's commit failure is in the log */
	int throttled;          /* its last commit found no capacity (throttle=error):
	                         * the writer was told; release does not try again */
	char *werr_msg;         /* owned, may be NULL: why */
	_Atomic int idle;       /* a flush came with nothing written: the
	                         * commit waits for release (or a reader)
	                         * (atomic: set under fh->lock or fs.lock,
	                         * read under either) */
	int writable;
	int append;
	int fd;                 /* scratch files: the real file, else -1 */
	int snapshot;           /* a reader serving buf, rendered at open */
	pid_t opener;           /* the process whose first flush commits */
	/* metadata set through this handle (fchmod, futimens): applied at commit */
	unsigned meta_set;      /* ENG_META_* */
	eng_meta meta;
	eng_draft early;        /* its content as written in order (early.c) */
	/* .ddbfs/api (api.c): buf holds the request, resp its response */
	lay_buf resp;
	int answered;           /* resp is the answer to buf */
	off_t resp_at;          /* the offset of the first read of it: its byte 0 */
} fs_fh;

/*
 * Lock order in fs/: a thread holding one of these locks takes only locks
 * further down the list, never one above it.
 *
 *   fs_dirh.lock    (dirbuf.h) an open directory's listing; held while it is
 *                   filled, which settles idle files (fs_file_settle) and
 *                   reads the engine
 *   fs_fh.lock      an open file's content and early state; held across its
 *                   commit (engine calls, fs_unhide_key) and its early
 *                   checks. Never two at once: truncate(2) by path copies
 *                   a writer's buffer under its lock, then commits under its
 *                   own private handle's.
 *   journal_lock    (hide.c) the deferred deletes' journal file
 *   fs.lock         the node map, every node's fields, memory objects and
 *                   hide.c's list; held briefly, never across an engine call
 *                   but the clock's (the engine's change hook, expire.c,
 *                   takes it) nor a wait on the kernel
 *   q_lock          (notify.c) the invalidation queue; the kernel is told
 *                   from notify's thread with no lock held, so fs_notify_*
 *                   may be called under any lock above
 *   log_lock        (errlog.c) the error log and ddbfs.log
 *
 * The engine's locks come below all of them: it never calls back into fs/
 * with a lock of its own held (the change hook runs after the commit).
 */

/* The engine's request context of FUSE request r (NULL: the daemon's own):
 * who asks, and that the change comes from the files. */
static inline eng_req *fs_req(fuse_req_t r, eng_req *out)
{
	const struct fuse_ctx *c = r ? fuse_req_ctx(r) : NULL;

	*out = (eng_req){ .view = ENG_VIEW_LIVE, .source = ENG_SRC_FILE };
	if (c) {
		out->uid = c->uid;
		out->gid = c->gid;
	}
	return out;
}
#define FS_REQ(r) fs_req((r), &(eng_req){ 0 })

/* The engine's request context to read what node n shows: NULL for the
 * live tree (the daemon's own read), else a backup view of n's backup or an
 * as-of view of n's time. */
static inline eng_req *fs_view(const fs_node *n, eng_req *out)
{
	if (n->backup)
		*out = (eng_req){ .view = ENG_VIEW_BACKUP, .backup = n->backup,
				  .source = ENG_SRC_FILE };
	else if (n->as_of)
		*out = (eng_req){ .view = ENG_VIEW_AS_OF, .as_of_ns = n->as_of,
				  .source = ENG_SRC_FILE };
	else
		return NULL;
	return out;
}
#define FS_VIEW(n) fs_view((n), &(eng_req){ 0 })

/* The request context of a user's read of what node n shows: n's view, or
 * for the live tree a request of the files, which the engine meters. */
static inline eng_req *fs_read_req(const fs_node *n, eng_req *out)
{
	return fs_view(n, out) ? out : fs_req(NULL, out);
}
#define FS_READ(n) fs_read_req((n), &(eng_req){ 0 })

/* Whether n is in the past: a point or a backup, below one, .snapshots
 * or .ddbfs/backups, where nothing can be changed (EROFS) but backups
 * taken and deleted (past.c). */
static inline int fs_in_past(const fs_node *n)
{
	return n->as_of != 0 || n->kind == FS_SNAPS || n->kind == FS_BACKUPS;
}

/* The whole daemon. */
typedef struct fs_state {
	eng_db *db;
	struct fuse_session *se;
	lay_format format;
	int show_magic;
	int test_clock;
	int ro;
	const char *data_dir;
	pthread_mutex_t lock;   /* the node map and memory objects: see the lock order above */
	fs_node *root;
	fs_node *ddbfs_dir;
	fs_node **map;          /* (parent, name) -> node */
	size_t map_size, map_count;
	uint64_t next_ino;      /* memory objects numbered so far (fs_ino_new) */
	double timeout;         /* entry and attr timeouts */
	uint64_t names_gen;     /* changes of names and items so far (fs_names_changed) */
} fs_state;

extern fs_state fs;

#endif
