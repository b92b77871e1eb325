/* Compressed files for export and import: a line reader of plain, gzip and
 * zstd files (told apart by their magic bytes), a gzip writer that computes
 * the file's MD5 as it goes, and MD5 helpers. Memory stays flat whatever
 * the file's size: fixed buffers, and lines longer than a limit are skipped
 * without being held. */
#ifndef ENG_ZIO_H
#define ENG_ZIO_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"

/* A reader of a plain, gzip or zstd file. */
typedef struct eng_zin eng_zin;

/* Past this many bytes of output, a reader refuses output more than
 * ENG_ZIN_BOMB_RATIO times the compressed bytes read so far. */
#define ENG_ZIN_BOMB_FLOOR (64ull << 20)
#define ENG_ZIN_BOMB_RATIO 1000

/*
 * Open path for reading lines of at most max_line bytes (max_line >= 1).
 * gzip (1f 8b) and zstd (28 b5 2f fd) are recognised by their first bytes,
 * anything else is read as plain text; concatenated gzip members and zstd
 * frames are read through. *out is the caller's, freed with eng_zin_close.
 * Returns 0, -errno of open/read with a message naming path, -EINVAL
 * (max_line 0) or -ENOMEM.
 */
int eng_zin_open(eng_zin **out, const char *path, size_t max_line, lay_err *err);

/*
 * The next line, without its '\n' and without a '\r' before it. *line is
 * NUL-terminated and borrowed from r until the next call or close.
 * Returns 1 (a line), 0 (end of file; a last line without '\n' is returned
 * first), or:
 *  -EFBIG  the line is longer than max_line bytes: it was skipped to its
 *          end (never held), the message names its number and length; the
 *          next call goes on with the following line;
 *  -EINVAL the stream is corrupt or truncated ("gzip stream ends early
 *          (truncated file?)", "zstd: <reason>", "gzip: <reason>");
 *  -EFBIG  a decompression bomb: past ENG_ZIN_BOMB_FLOOR bytes, the output
 *          is over ENG_ZIN_BOMB_RATIO times the compressed bytes read;
 *  -errno  read(2) failed; -ENOMEM.
 * After an error other than a long line the reader is finished: every
 * later call returns the same error and message.
 */
int eng_zin_line(eng_zin *r, const char **line, size_t *len, lay_err *err);

/* The 1-based number of the line last returned (or skipped). */
uint64_t eng_zin_line_no(const eng_zin *r);
/* Bytes read from the file so far (compressed bytes for gzip and zstd). */
uint64_t eng_zin_bytes_in(const eng_zin *r);
/* Decompressed bytes produced so far. */
uint64_t eng_zin_bytes_out(const eng_zin *r);
/* 1 once the reader is finished by an error (every later call returns
 * it), else 0: tells a bomb's -EFBIG from a long line's. */
int eng_zin_failed(const eng_zin *r);
/* "plain", "gzip" or "zstd". Static storage. */
const char *eng_zin_kind(const eng_zin *r);
/* Close the file and free r. Accepts NULL. */
void eng_zin_close(eng_zin *r);

/* A gzip writer that also computes the MD5 of the bytes it writes. */
typedef struct eng_zout eng_zout;

/*
 * Create path (O_CREAT|O_EXCL, mode 0644) as a gzip stream at level 1..9.
 * The header has mtime 0, no name and OS byte 255, so the same input gives
 * the same bytes. *out is the caller's, ended by eng_zout_close or
 * eng_zout_abort. Returns 0, -EINVAL (level), -errno of open (-EEXIST...)
 * with a message naming path, or -ENOMEM.
 */
int eng_zout_open(eng_zout **out, const char *path, int level, lay_err *err);

/* Compress and write len bytes of p. Returns 0 or -errno of write(2) /
 * -ENOMEM; after a failure only eng_zout_abort (or close, which fails and
 * removes the file) remains. */
int eng_zout_write(eng_zout *w, const void *p, size_t len, lay_err *err);

/*
 * Finish the stream, fsync and close the file, free w. md5 gets the MD5 of
 * the file's bytes as written, *size its size (either may be NULL). On
 * failure the file is removed. Returns 0 or -errno with a message.
 */
int eng_zout_close(eng_zout *w, unsigned char md5[16], uint64_t *size, lay_err *err);

/* Give up: close and remove the file, free w. Accepts NULL. */
void eng_zout_abort(eng_zout *w);

/* MD5 of a whole file. Returns 0 or -errno with a message naming path. */
int eng_md5_file(const char *path, unsigned char md5[16], lay_err *err);
/* MD5 of len bytes at p. */
void eng_md5_buf(const void *p, size_t len, unsigned char md5[16]);
/* (Its hex and base64 texts: lay_md5_hex, lay_b64_encode.) */

#endif
