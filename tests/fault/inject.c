/* The wrappers of the fault build: linked with -Wl,--wrap=SYMBOL for every
 * call below (tests/fault/wrap.txt lists them), so that our code's calls,
 * and only ours, come here first. Each counts the call in its classes and
 * fails the nth of the armed class, once, as the real call fails; every
 * other call goes through. Production code is not changed for it. */
#include "inject.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <lmdb.h>
#include <microhttpd.h>
#include <sanitizer/common_interface_defs.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

static fault_class cls;
static uint64_t nth;
/* the workload's threads count (an import's writer thread too); the
 * harness runs no other thread of the engine's while armed */
static _Atomic uint64_t calls;
static _Atomic int armed, fired;

static const char *const names[FAULT_NCLASSES] = {
	[FAULT_ALLOC] = "alloc", [FAULT_LMDB] = "lmdb", [FAULT_MAPFULL] = "mapfull",
	[FAULT_CORRUPT] = "corrupt", [FAULT_IO] = "io", [FAULT_EIO] = "eio",
	[FAULT_ZIP] = "zip", [FAULT_HTTP] = "http",
};

const char *fault_class_name(fault_class c)
{
	return c > FAULT_NONE && c < FAULT_NCLASSES ? names[c] : NULL;
}

fault_class fault_class_parse(const char *name)
{
	for (int c = FAULT_NONE + 1; c < FAULT_NCLASSES; c++)
		if (strcmp(names[c], name) == 0)
			return (fault_class)c;
	return FAULT_NONE;
}

void fault_set(fault_class c, uint64_t n)
{
	cls = c;
	nth = n;
	calls = 0;
	fired = 0;
}

void fault_arm(int on)
{
	armed = on;
}

uint64_t fault_calls(void)
{
	return calls;
}

int fault_fired(void)
{
	return fired;
}

/* Count a call of class c (when c is the armed class); 1: fail it. */
static int hit(fault_class c)
{
	if (!armed || c != cls || atomic_fetch_add(&calls, 1) + 1 != nth)
		return 0;
	fired = 1;
	/* FAULT_STACK=1: where the failing call was made (the build is a
	 * sanitizers' one: their runtime prints it) */
	if (getenv("FAULT_STACK"))
		__sanitizer_print_stack_trace();
	return 1;
}

/* ---- Allocation ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

#define ALLOC_FAILS() (hit(FAULT_ALLOC) ? (errno = ENOMEM, 1) : 0)

void *__wrap_malloc(size_t n)
{
	return ALLOC_FAILS() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return ALLOC_FAILS() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return ALLOC_FAILS() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return ALLOC_FAILS() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return ALLOC_FAILS() ? NULL : __real_strndup(s, n);
}

static void *cjson_malloc(size_t n)
{
	return __wrap_malloc(n);
}

void fault_hook_cjson(void)
{
	cJSON_Hooks h = { cjson_malloc, free };

	cJSON_InitHooks(&h);
}

/* ---- LMDB ---- */

/* The code the nth LMDB call of our code fails with, or 0: EIO for any
 * call, MDB_MAP_FULL for writes (write != 0), MDB_CORRUPTED for reads. */
static int lmdb_fails(int write, int read)
{
	if (hit(FAULT_LMDB))
		return EIO;
	if (write && hit(FAULT_MAPFULL))
		return MDB_MAP_FULL;
	if (read && hit(FAULT_CORRUPT))
		return MDB_CORRUPTED;
	return 0;
}

int __real_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn);
int __real_mdb_txn_commit(MDB_txn *txn);
int __real_mdb_txn_renew(MDB_txn *txn);
int __real_mdb_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int __real_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags);
int __real_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int __real_mdb_cursor_open(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor);
int __real_mdb_cursor_get(MDB_cursor *cursor, MDB_val *key, MDB_val *data, MDB_cursor_op op);
int __real_mdb_cursor_put(MDB_cursor *cursor, MDB_val *key, MDB_val *data, unsigned flags);
int __real_mdb_cursor_del(MDB_cursor *cursor, unsigned flags);
int __real_mdb_stat(MDB_txn *txn, MDB_dbi dbi, MDB_stat *stat);
int __real_mdb_env_set_mapsize(MDB_env *env, size_t size);
int __real_mdb_env_sync(MDB_env *env, int force);
int __real_mdb_env_info(MDB_env *env, MDB_envinfo *stat);
int __real_mdb_env_stat(MDB_env *env, MDB_stat *stat);
int __real_mdb_env_get_fd(MDB_env *env, mdb_filehandle_t *fd);
int __real_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi);

int __wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_txn_begin(env, parent, flags, txn);
}

int __wrap_mdb_txn_commit(MDB_txn *txn)
{
	int rc = lmdb_fails(1, 0);

	if (!rc)
		return __real_mdb_txn_commit(txn);
	/* a failed commit frees its transaction, as LMDB's does */
	mdb_txn_abort(txn);
	return rc;
}

int __wrap_mdb_txn_renew(MDB_txn *txn)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_txn_renew(txn);
}

int __wrap_mdb_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
	int rc = lmdb_fails(0, 1);

	return rc ? rc : __real_mdb_get(txn, dbi, key, data);
}

int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags)
{
	int rc = lmdb_fails(1, 0);

	return rc ? rc : __real_mdb_put(txn, dbi, key, data, flags);
}

int __wrap_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
	int rc = lmdb_fails(1, 0);

	return rc ? rc : __real_mdb_del(txn, dbi, key, data);
}

int __wrap_mdb_cursor_open(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_cursor_open(txn, dbi, cursor);
}

int __wrap_mdb_cursor_get(MDB_cursor *cursor, MDB_val *key, MDB_val *data, MDB_cursor_op op)
{
	int rc = lmdb_fails(0, 1);

	return rc ? rc : __real_mdb_cursor_get(cursor, key, data, op);
}

int __wrap_mdb_cursor_put(MDB_cursor *cursor, MDB_val *key, MDB_val *data, unsigned flags)
{
	int rc = lmdb_fails(1, 0);

	return rc ? rc : __real_mdb_cursor_put(cursor, key, data, flags);
}

int __wrap_mdb_cursor_del(MDB_cursor *cursor, unsigned flags)
{
	int rc = lmdb_fails(1, 0);

	return rc ? rc : __real_mdb_cursor_del(cursor, flags);
}

int __wrap_mdb_stat(MDB_txn *txn, MDB_dbi dbi, MDB_stat *stat)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_stat(txn, dbi, stat);
}

int __wrap_mdb_env_set_mapsize(MDB_env *env, size_t size)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_env_set_mapsize(env, size);
}

int __wrap_mdb_env_sync(MDB_env *env, int force)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_env_sync(env, force);
}

int __wrap_mdb_env_info(MDB_env *env, MDB_envinfo *stat)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_env_info(env, stat);
}

int __wrap_mdb_env_stat(MDB_env *env, MDB_stat *stat)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_env_stat(env, stat);
}

int __wrap_mdb_env_get_fd(MDB_env *env, mdb_filehandle_t *fd)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_env_get_fd(env, fd);
}

int __wrap_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi)
{
	int rc = lmdb_fails(0, 0);

	return rc ? rc : __real_mdb_dbi_open(txn, name, flags, dbi);
}

/* ---- Files ---- */

/* The errno the nth file call fails with, or 0: ENOSPC or EIO by class;
 * reads (read != 0) fail only with EIO. */
static int io_fails(int read)
{
	if (!read && hit(FAULT_IO))
		return ENOSPC;
	if (hit(FAULT_EIO))
		return EIO;
	return 0;
}

#define IO_FAILS(read, ret)                  \
	do {                                 \
		int e_ = io_fails(read);     \
		if (e_) {                    \
			errno = e_;          \
			return ret;          \
		}                            \
	} while (0)

ssize_t __real_write(int fd, const void *p, size_t n);
ssize_t __real_pwrite(int fd, const void *p, size_t n, off_t off);
ssize_t __real_read(int fd, void *p, size_t n);
ssize_t __real_pread(int fd, void *p, size_t n, off_t off);
int __real_fsync(int fd);
int __real_fdatasync(int fd);
int __real_msync(void *p, size_t n, int flags);
int __real_ftruncate(int fd, off_t len);
int __real_rename(const char *from, const char *to);
int __real_posix_fallocate(int fd, off_t off, off_t len);
int __real_open(const char *path, int flags, ...);
int __real_mkdir(const char *path, mode_t mode);
FILE *__real_fopen(const char *path, const char *mode);
size_t __real_fwrite(const void *p, size_t size, size_t n, FILE *f);
int __real_fputs(const char *s, FILE *f);
int __real_fclose(FILE *f);

ssize_t __wrap_write(int fd, const void *p, size_t n)
{
	IO_FAILS(0, -1);
	return __real_write(fd, p, n);
}

ssize_t __wrap_pwrite(int fd, const void *p, size_t n, off_t off)
{
	IO_FAILS(0, -1);
	return __real_pwrite(fd, p, n, off);
}

ssize_t __wrap_read(int fd, void *p, size_t n)
{
	IO_FAILS(1, -1);
	return __real_read(fd, p, n);
}

ssize_t __wrap_pread(int fd, void *p, size_t n, off_t off)
{
	IO_FAILS(1, -1);
	return __real_pread(fd, p, n, off);
}

int __wrap_fsync(int fd)
{
	IO_FAILS(0, -1);
	return __real_fsync(fd);
}

int __wrap_fdatasync(int fd)
{
	IO_FAILS(0, -1);
	return __real_fdatasync(fd);
}

int __wrap_msync(void *p, size_t n, int flags)
{
	IO_FAILS(0, -1);
	return __real_msync(p, n, flags);
}

int __wrap_ftruncate(int fd, off_t len)
{
	IO_FAILS(0, -1);
	return __real_ftruncate(fd, len);
}

int __wrap_rename(const char *from, const char *to)
{
	IO_FAILS(0, -1);
	return __real_rename(from, to);
}

int __wrap_posix_fallocate(int fd, off_t off, off_t len)
{
	int e = io_fails(0);

	/* it returns the error instead of setting errno */
	return e ? e : __real_posix_fallocate(fd, off, len);
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	IO_FAILS(!(flags & (O_WRONLY | O_RDWR)), -1);
	return __real_open(path, flags, mode);
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	IO_FAILS(0, -1);
	return __real_mkdir(path, mode);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	IO_FAILS(mode[0] == 'r' && !strchr(mode, '+'), NULL);
	return __real_fopen(path, mode);
}

size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	IO_FAILS(0, 0);
	return __real_fwrite(p, size, n, f);
}

int __wrap_fputs(const char *s, FILE *f)
{
	IO_FAILS(0, EOF);
	return __real_fputs(s, f);
}

int __wrap_fclose(FILE *f)
{
	int e = io_fails(0);

	/* the stream is gone whatever fclose returns; its last flush failed */
	if (__real_fclose(f) == EOF || !e)
		return e ? EOF : 0;
	errno = e;
	return EOF;
}

/* ---- Compression and digests ---- */

int __real_deflateInit2_(z_streamp s, int level, int method, int bits, int mem, int strategy,
			 const char *version, int size);
int __real_deflate(z_streamp s, int flush);
int __real_deflateSetHeader(z_streamp s, gz_headerp head);
int __real_inflateInit2_(z_streamp s, int bits, const char *version, int size);
int __real_inflate(z_streamp s, int flush);
int __real_inflateReset(z_streamp s);
ZSTD_DStream *__real_ZSTD_createDStream(void);
size_t __real_ZSTD_DCtx_setParameter(ZSTD_DCtx *d, ZSTD_dParameter p, int v);
size_t __real_ZSTD_decompressStream(ZSTD_DStream *d, ZSTD_outBuffer *out, ZSTD_inBuffer *in);
EVP_MD_CTX *__real_EVP_MD_CTX_new(void);
int __real_EVP_DigestInit_ex(EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e);
int __real_EVP_DigestUpdate(EVP_MD_CTX *c, const void *p, size_t n);
int __real_EVP_DigestFinal_ex(EVP_MD_CTX *c, unsigned char *md, unsigned *n);
int __real_EVP_Digest(const void *p, size_t n, unsigned char *md, unsigned *size,
		      const EVP_MD *t, ENGINE *e);

/* zstd's error for memory it could not get */
#define ZSTD_NOMEM ((size_t)-ZSTD_error_memory_allocation)

int __wrap_deflateInit2_(z_streamp s, int level, int method, int bits, int mem, int strategy,
			 const char *version, int size)
{
	if (hit(FAULT_ZIP))
		return Z_MEM_ERROR;
	return __real_deflateInit2_(s, level, method, bits, mem, strategy, version, size);
}

int __wrap_deflate(z_streamp s, int flush)
{
	return hit(FAULT_ZIP) ? Z_STREAM_ERROR : __real_deflate(s, flush);
}

int __wrap_deflateSetHeader(z_streamp s, gz_headerp head)
{
	return hit(FAULT_ZIP) ? Z_STREAM_ERROR : __real_deflateSetHeader(s, head);
}

int __wrap_inflateInit2_(z_streamp s, int bits, const char *version, int size)
{
	return hit(FAULT_ZIP) ? Z_MEM_ERROR : __real_inflateInit2_(s, bits, version, size);
}

int __wrap_inflate(z_streamp s, int flush)
{
	return hit(FAULT_ZIP) ? Z_MEM_ERROR : __real_inflate(s, flush);
}

int __wrap_inflateReset(z_streamp s)
{
	return hit(FAULT_ZIP) ? Z_STREAM_ERROR : __real_inflateReset(s);
}

ZSTD_DStream *__wrap_ZSTD_createDStream(void)
{
	return hit(FAULT_ZIP) ? NULL : __real_ZSTD_createDStream();
}

size_t __wrap_ZSTD_DCtx_setParameter(ZSTD_DCtx *d, ZSTD_dParameter p, int v)
{
	return hit(FAULT_ZIP) ? ZSTD_NOMEM : __real_ZSTD_DCtx_setParameter(d, p, v);
}

size_t __wrap_ZSTD_decompressStream(ZSTD_DStream *d, ZSTD_outBuffer *out, ZSTD_inBuffer *in)
{
	return hit(FAULT_ZIP) ? ZSTD_NOMEM : __real_ZSTD_decompressStream(d, out, in);
}

EVP_MD_CTX *__wrap_EVP_MD_CTX_new(void)
{
	return hit(FAULT_ZIP) ? NULL : __real_EVP_MD_CTX_new();
}

int __wrap_EVP_DigestInit_ex(EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e)
{
	return hit(FAULT_ZIP) ? 0 : __real_EVP_DigestInit_ex(c, t, e);
}

int __wrap_EVP_DigestUpdate(EVP_MD_CTX *c, const void *p, size_t n)
{
	return hit(FAULT_ZIP) ? 0 : __real_EVP_DigestUpdate(c, p, n);
}

int __wrap_EVP_DigestFinal_ex(EVP_MD_CTX *c, unsigned char *md, unsigned *n)
{
	return hit(FAULT_ZIP) ? 0 : __real_EVP_DigestFinal_ex(c, md, n);
}

int __wrap_EVP_Digest(const void *p, size_t n, unsigned char *md, unsigned *size,
		      const EVP_MD *t, ENGINE *e)
{
	return hit(FAULT_ZIP) ? 0 : __real_EVP_Digest(p, n, md, size, t, e);
}

/* ---- The HTTP endpoint's answers ---- */

struct MHD_Response *__real_MHD_create_response_from_buffer(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
enum MHD_Result __real_MHD_add_response_header(struct MHD_Response *r, const char *header,
					       const char *content);
enum MHD_Result __real_MHD_queue_response(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r);

struct MHD_Response *__wrap_MHD_create_response_from_buffer(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode)
{
	return hit(FAULT_HTTP) ? NULL : __real_MHD_create_response_from_buffer(size, buffer, mode);
}

enum MHD_Result __wrap_MHD_add_response_header(struct MHD_Response *r, const char *header,
					       const char *content)
{
	return hit(FAULT_HTTP) ? MHD_NO : __real_MHD_add_response_header(r, header, content);
}

enum MHD_Result __wrap_MHD_queue_response(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r)
{
	return hit(FAULT_HTTP) ? MHD_NO : __real_MHD_queue_response(c, status, r);
}

/* ---- The time ---- */

static int64_t fixed_ns;

void fault_fix_time(int64_t ns)
{
	fixed_ns = ns;
}

int __real_clock_gettime(clockid_t id, struct timespec *ts);

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id != CLOCK_REALTIME || !fixed_ns)
		return __real_clock_gettime(id, ts);
	ts->tv_sec = fixed_ns / 1000000000;
	ts->tv_nsec = fixed_ns % 1000000000;
	return 0;
}
