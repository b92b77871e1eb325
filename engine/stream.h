/* A table's stream as a file (SPEC §8): the records of its change log in
 * GetRecords' shape, one JSON line each, at byte offsets that never move. */
#ifndef ENG_STREAM_H
#define ENG_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/buf.h"
#include "../layout/err.h"
#include "db.h"

/* The stream's size in bytes: the end of its last record (0 if none).
 * It never shrinks. -ENOENT if there is no such table. */
int eng_stream_size(eng_db *db, const char *table, uint64_t *out, lay_err *err);

/*
 * Append to out up to len bytes of the stream from offset off (nothing at
 * or past the end). Bytes of records already trimmed read as spaces, the
 * last one before the first kept record a '\n': whitespace a JSON Lines
 * reader skips. -ENOENT if there is no such table.
 */
int eng_stream_read(eng_db *db, const char *table, uint64_t off, size_t len, lay_buf *out,
		    lay_err *err);

/* Delete records older than before_ns; offsets of later ones stay. */
int eng_stream_trim(eng_db *db, const char *table, int64_t before_ns, lay_err *err);

#endif
