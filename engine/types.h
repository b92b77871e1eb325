/* Types and flags that several engine modules and their callers share:
 * item and directory metadata, the ENG_META_* bits that choose its fields,
 * and the kinds of change. Types only: no functions. */
#ifndef ENG_TYPES_H
#define ENG_TYPES_H

#include <stdint.h>

/* File metadata of an item: not attributes (SPEC §3, §6). */
typedef struct eng_meta {
	uint64_t id;           /* unique in the db, kept while the item exists and across
	                        * renames and modifications: inode numbers */
	uint32_t mode;         /* permission bits (07777) */
	uint32_t uid, gid;
	int64_t mtime_ns;      /* last write, or what utimens set */
	int64_t ctime_ns;      /* last change of data or metadata */
	uint32_t len_plain;    /* exact length of the rendering in plain format */
	uint32_t len_ddb;      /* ... and in ddb format */
	uint32_t size;         /* DynamoDB size (lay_item_size) */
	int64_t expires;       /* TTL: epoch seconds it expires at; 0 never */
} eng_meta;

/* Ownership and times of a directory (a table or a partition). */
typedef struct eng_dirmeta {
	uint64_t id;        /* unique in the db, stable: for inode numbers */
	uint32_t mode;      /* permission bits (07777) */
	uint32_t uid, gid;
	int64_t mtime_ns, ctime_ns;
} eng_dirmeta;

/* Which metadata fields a call sets. */
#define ENG_META_MODE 0x1u
#define ENG_META_UID 0x2u
#define ENG_META_GID 0x4u
#define ENG_META_MTIME 0x8u
#define ENG_META_CTIME 0x10u
#define ENG_META_ALL \
	(ENG_META_MODE | ENG_META_UID | ENG_META_GID | ENG_META_MTIME | ENG_META_CTIME)

typedef enum eng_event {
	ENG_INSERT = 1, ENG_MODIFY = 2, ENG_REMOVE = 3, ENG_UNCHANGED = 4
} eng_event;

/* Where a change came from: kept in its change record and told to
 * subscribers (events.h). */
typedef enum eng_source {
	ENG_SRC_FILE = 0,     /* the file system */
	ENG_SRC_API,          /* a request in DynamoDB's API */
	ENG_SRC_TTL,          /* the service: TTL expiry */
	ENG_SRC_IMPORT,       /* an import */
	ENG_SRC_REPLICATION,  /* a replica's change */
} eng_source;

/* Which state of the data a request reads. */
typedef enum eng_view {
	ENG_VIEW_LIVE = 0,    /* now */
	ENG_VIEW_AS_OF,       /* as it was at as_of_ns: not available yet (-EOPNOTSUPP) */
} eng_view;

/*
 * A request's context: the parameter after db of every public operation.
 * NULL means the live view, uid/gid 0, source ENG_SRC_FILE, cost not
 * reported. The operation sets rcu and wcu (out) to what it consumed, in
 * DynamoDB's capacity units: a read of an item ceil(size / 4 KB) (a listing
 * of items sums their sizes and rounds once), a write ceil(max(old size,
 * new size) / 1 KB) (a put that changes nothing too), a delete the old
 * item's size in 1 KB units; table and directory operations cost nothing.
 */
typedef struct eng_req {
	uint32_t uid, gid;    /* who asks (access control later) */
	eng_view view;
	int64_t as_of_ns;     /* ENG_VIEW_AS_OF: the time to read as of */
	eng_source source;    /* where the change comes from */
	double rcu, wcu;      /* out: units consumed */
} eng_req;

/* Flags of a change record (log.h, eng_change) */
#define ENG_CHANGE_SERVICE 0x1u  /* made by the service (TTL), not a user */
/* The source (eng_source) of a change is kept in the flags' high bits. */
#define ENG_CHANGE_SOURCE_SHIFT 4
#define ENG_CHANGE_SOURCE(flags) ((eng_source)((flags) >> ENG_CHANGE_SOURCE_SHIFT & 0xfu))

#endif
