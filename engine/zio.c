/* Compressed files for export and import (zio.h): lines out of plain, gzip
 * (zlib) and zstd (libzstd) files through fixed buffers, a deterministic
 * gzip writer that hashes what it writes, and MD5 through OpenSSL's EVP. */
#include "zio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "../layout/b64.h"
#include "../layout/buf.h"

#define ZIO_BUF (128 * 1024)

enum zin_kind { ZIN_PLAIN, ZIN_GZIP, ZIN_ZSTD };

struct eng_zin {
	int fd;
	enum zin_kind kind;
	z_stream zs;
	ZSTD_DStream *zd;
	unsigned char *in;  /* compressed bytes: in[in_pos..in_len) not yet used */
	size_t in_pos, in_len;
	int in_eof;         /* read(2) returned 0 */
	int in_member;      /* a gzip member or zstd frame has begun, not ended */
	char *out;          /* decompressed bytes: out[out_pos..out_len) not yet used;
	                     * one spare byte at the end for a NUL */
	size_t out_pos, out_len;
	char *line;         /* a line that spans refills; grows to max_line + 1 */
	size_t line_len, line_cap, max_line;
	uint64_t line_no, bytes_in, bytes_out;
	int at_eof;         /* every line was returned */
	lay_err fail;       /* code != 0: the reader is finished */
	char *path;
};

static const char *kind_name[] = { "plain", "gzip", "zstd" };

/* read(2) until len bytes or end of file; bytes read or -errno. */
static ssize_t read_full(int fd, void *p, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int eng_zin_open(eng_zin **out, const char *path, size_t max_line, lay_err *err)
{
	eng_zin *r;
	ssize_t n;
	int rc;

	if (max_line == 0 || max_line > SIZE_MAX / 2)
		return lay_err_set(err, -EINVAL, "a line limit of %zu bytes is not usable",
				   max_line);
	r = calloc(1, sizeof(*r));
	if (!r)
		return lay_err_set(err, -ENOMEM, "out of memory opening %s", path);
	r->fd = -1;
	r->max_line = max_line;
	r->in = malloc(ZIO_BUF);
	r->out = malloc(ZIO_BUF + 1);
	r->path = strdup(path);
	if (!r->in || !r->out || !r->path) {
		rc = lay_err_set(err, -ENOMEM, "out of memory opening %s", path);
		goto out_free;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		rc = lay_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
		goto out_free;
	}
	n = read_full(r->fd, r->in, ZIO_BUF);
	if (n < 0) {
		rc = lay_err_set(err, (int)n, "cannot read %s: %s", path, strerror((int)-n));
		goto out_free;
	}
	r->in_len = n;
	r->bytes_in = n;
	r->in_eof = (size_t)n < ZIO_BUF;
	if (n >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
		r->kind = ZIN_GZIP;
		/* 16 + 15: a gzip wrapper, 32 KiB window */
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) {
			rc = lay_err_set(err, -ENOMEM, "out of memory starting gzip for %s",
					 path);
			goto out_free;
		}
	} else if (n >= 4 && r->in[0] == 0x28 && r->in[1] == 0xb5 && r->in[2] == 0x2f &&
		   r->in[3] == 0xfd) {
		r->kind = ZIN_ZSTD;
		r->zd = ZSTD_createDStream();
		if (!r->zd || ZSTD_isError(ZSTD_DCtx_setParameter(r->zd, ZSTD_d_windowLogMax,
								   27))) {
			rc = lay_err_set(err, -ENOMEM, "out of memory starting zstd for %s",
					 path);
			goto out_free;
		}
	} else {
		r->kind = ZIN_PLAIN;
	}
	*out = r;
	return 0;
out_free:
	eng_zin_close(r);
	return rc;
}

/* Make input available; 0, or -errno. */
static int fill_in(eng_zin *r)
{
	ssize_t n;

	if (r->in_pos < r->in_len || r->in_eof)
		return 0;
	n = read_full(r->fd, r->in, ZIO_BUF);
	if (n < 0)
		return lay_err_set(&r->fail, (int)n, "cannot read %s: %s", r->path,
				   strerror((int)-n));
	r->in_pos = 0;
	r->in_len = n;
	r->bytes_in += n;
	if ((size_t)n < ZIO_BUF)
		r->in_eof = 1;
	return 0;
}

static int truncated(eng_zin *r)
{
	return lay_err_set(&r->fail, -EINVAL, "%s stream ends early (truncated file?) in %s",
			   kind_name[r->kind], r->path);
}

/* Decompress into out: bytes produced (> 0), 0 at the end, or -errno. */
static ssize_t gzip_fill(eng_zin *r)
{
	size_t made;
	int zrc, rc;

	for (;;) {
		if ((rc = fill_in(r)) < 0)
			return rc;
		if (r->in_pos == r->in_len && r->in_eof && !r->in_member)
			return 0;
		r->zs.next_in = r->in + r->in_pos;
		r->zs.avail_in = r->in_len - r->in_pos;
		r->zs.next_out = (unsigned char *)r->out;
		r->zs.avail_out = ZIO_BUF;
		if (r->zs.avail_in)
			r->in_member = 1;
		zrc = inflate(&r->zs, Z_NO_FLUSH);
		r->in_pos = r->in_len - r->zs.avail_in;
		made = ZIO_BUF - r->zs.avail_out;
		if (zrc == Z_STREAM_END) {
			/* the next bytes, if any, are another member */
			r->in_member = 0;
			inflateReset(&r->zs);
		} else if (zrc == Z_MEM_ERROR) {
			return lay_err_set(&r->fail, -ENOMEM, "out of memory in gzip");
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			return lay_err_set(&r->fail, -EINVAL, "gzip: %s in %s",
					   r->zs.msg ? r->zs.msg : "corrupt data", r->path);
		}
		if (made)
			return made;
		if (r->in_pos == r->in_len && r->in_eof && r->in_member)
			return truncated(r);
	}
}

static ssize_t zstd_fill(eng_zin *r)
{
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	size_t zrc;
	int rc;

	for (;;) {
		if ((rc = fill_in(r)) < 0)
			return rc;
		if (r->in_pos == r->in_len && r->in_eof && !r->in_member)
			return 0;
		in.src = r->in;
		in.size = r->in_len;
		in.pos = r->in_pos;
		out.dst = r->out;
		out.size = ZIO_BUF;
		out.pos = 0;
		if (in.pos < in.size)
			r->in_member = 1;
		zrc = ZSTD_decompressStream(r->zd, &out, &in);
		r->in_pos = in.pos;
		if (ZSTD_isError(zrc) && ZSTD_getErrorCode(zrc) == ZSTD_error_memory_allocation)
			return lay_err_set(&r->fail, -ENOMEM, "out of memory in zstd reading %s",
					   r->path); /* not the data's fault */
		if (ZSTD_isError(zrc))
			return lay_err_set(&r->fail, -EINVAL, "zstd: %s in %s",
					   ZSTD_getErrorName(zrc), r->path);
		/* 0: a frame is complete and flushed */
		if (zrc == 0)
			r->in_member = 0;
		if (out.pos)
			return out.pos;
		if (r->in_pos == r->in_len && r->in_eof && r->in_member)
			return truncated(r);
	}
}

/* Refill out with the next bytes of text: > 0, 0 at the end, or -errno
 * (r->fail set). */
static ssize_t fill_out(eng_zin *r)
{
	ssize_t n;

	r->out_pos = r->out_len = 0;
	switch (r->kind) {
	case ZIN_PLAIN:
		if (r->in_pos < r->in_len) {
			/* what the magic-byte sniffing read */
			n = r->in_len - r->in_pos;
			memcpy(r->out, r->in + r->in_pos, n);
			r->in_pos = r->in_len;
		} else {
			n = read_full(r->fd, r->out, ZIO_BUF);
			if (n < 0)
				return lay_err_set(&r->fail, (int)n, "cannot read %s: %s",
						   r->path, strerror((int)-n));
			r->bytes_in += n;
		}
		break;
	case ZIN_GZIP:
		n = gzip_fill(r);
		break;
	default:
		n = zstd_fill(r);
		break;
	}
	if (n <= 0)
		return n;
	r->out_len = n;
	r->bytes_out += n;
	if (r->kind != ZIN_PLAIN && r->bytes_out > ENG_ZIN_BOMB_FLOOR &&
	    r->bytes_out / ENG_ZIN_BOMB_RATIO > r->bytes_in)
		return lay_err_set(&r->fail, -EFBIG,
				   "decompressed size %" PRIu64 " bytes is over %d times the "
				   "file's size read so far (%" PRIu64 " bytes) in %s: a "
				   "decompression bomb?",
				   r->bytes_out, ENG_ZIN_BOMB_RATIO, r->bytes_in, r->path);
	return n;
}

/* Append n bytes to the line being assembled (n fits under max_line). */
static int line_add(eng_zin *r, const char *p, size_t n)
{
	size_t cap;
	char *q;

	if (r->line_len + n + 1 > r->line_cap) {
		cap = r->line_cap ? r->line_cap : 256;
		while (cap < r->line_len + n + 1)
			cap *= 2;
		if (cap > r->max_line + 1)
			cap = r->max_line + 1;
		q = realloc(r->line, cap);
		if (!q)
			return lay_err_set(&r->fail, -ENOMEM, "out of memory reading a line");
		r->line = q;
		r->line_cap = cap;
	}
	memcpy(r->line + r->line_len, p, n);
	r->line_len += n;
	return 0;
}

/* Hand out p[0..n) as the line: strip a '\r', NUL-terminate. */
static int give(char *p, size_t n, const char **line, size_t *len)
{
	if (n && p[n - 1] == '\r')
		n--;
	p[n] = '\0';
	*line = p;
	*len = n;
	return 1;
}

static int too_long(eng_zin *r, uint64_t n, lay_err *err)
{
	return lay_err_set(err, -EFBIG, "line %" PRIu64 " of %s is %" PRIu64 " bytes long; "
			   "the limit is %zu", r->line_no, r->path, n, r->max_line);
}

int eng_zin_line(eng_zin *r, const char **line, size_t *len, lay_err *err)
{
	uint64_t skipped = 0; /* > 0: the line is too long and being skipped */
	char *p, *nl;
	size_t n;
	ssize_t got;

	if (r->fail.code) {
		if (err)
			*err = r->fail;
		return r->fail.code;
	}
	if (r->at_eof)
		return 0;
	r->line_len = 0;
	for (;;) {
		if (r->out_pos == r->out_len) {
			got = fill_out(r);
			if (got < 0) {
				if (err)
					*err = r->fail;
				return (int)got;
			}
			if (got == 0) {
				r->at_eof = 1;
				if (skipped) {
					r->line_no++;
					return too_long(r, skipped, err);
				}
				if (!r->line_len)
					return 0;
				r->line_no++;
				if (line_add(r, "", 0) < 0)
					goto out_fail;
				return give(r->line, r->line_len, line, len);
			}
		}
		p = r->out + r->out_pos;
		n = r->out_len - r->out_pos;
		nl = memchr(p, '\n', n);
		if (nl)
			n = nl - p;
		r->out_pos += n + (nl != NULL);
		if (skipped) {
			skipped += n;
		} else if (r->line_len + n > r->max_line) {
			skipped = r->line_len + n;
			r->line_len = 0;
		} else if (nl && !r->line_len) {
			/* the common case: the whole line is in out; the '\n'
			 * becomes its NUL */
			r->line_no++;
			return give(p, n, line, len);
		} else if (line_add(r, p, n) < 0) {
			goto out_fail;
		}
		if (!nl)
			continue;
		r->line_no++;
		if (skipped)
			return too_long(r, skipped, err);
		if (line_add(r, "", 0) < 0)
			goto out_fail;
		return give(r->line, r->line_len, line, len);
	}
out_fail:
	if (err)
		*err = r->fail;
	return r->fail.code;
}

uint64_t eng_zin_line_no(const eng_zin *r)
{
	return r->line_no;
}

uint64_t eng_zin_bytes_in(const eng_zin *r)
{
	return r->bytes_in;
}

uint64_t eng_zin_bytes_out(const eng_zin *r)
{
	return r->bytes_out;
}

int eng_zin_failed(const eng_zin *r)
{
	return r->fail.code != 0;
}

const char *eng_zin_kind(const eng_zin *r)
{
	return kind_name[r->kind];
}

void eng_zin_close(eng_zin *r)
{
	if (!r)
		return;
	if (r->kind == ZIN_GZIP)
		inflateEnd(&r->zs);
	ZSTD_freeDStream(r->zd);
	if (r->fd >= 0)
		close(r->fd);
	free(r->in);
	free(r->out);
	free(r->line);
	free(r->path);
	free(r);
}

struct eng_zout {
	int fd;
	z_stream zs;
	gz_header hdr; /* must outlive the header's writing */
	EVP_MD_CTX *md;
	unsigned char *out;
	uint64_t size;
	int failed;
	char *path;
};

/* write(2) all of p; 0 or -errno. */
static int write_full(int fd, const void *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

int eng_zout_open(eng_zout **out, const char *path, int level, lay_err *err)
{
	eng_zout *w;
	int rc;

	if (level < 1 || level > 9)
		return lay_err_set(err, -EINVAL, "gzip level %d is not in 1..9", level);
	w = calloc(1, sizeof(*w));
	if (!w)
		return lay_err_set(err, -ENOMEM, "out of memory creating %s", path);
	w->fd = -1;
	w->out = malloc(ZIO_BUF);
	w->path = strdup(path);
	w->md = EVP_MD_CTX_new();
	if (!w->out || !w->path || !w->md || !EVP_DigestInit_ex(w->md, EVP_md5(), NULL)) {
		rc = lay_err_set(err, -ENOMEM, "out of memory creating %s", path);
		goto out_free;
	}
	/* 16 + 15: a gzip wrapper; memLevel 8 is zlib's default */
	if (deflateInit2(&w->zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		rc = lay_err_set(err, -ENOMEM, "out of memory starting gzip for %s", path);
		goto out_free;
	}
	w->hdr.os = 255; /* unknown: the same bytes on every system */
	if (deflateSetHeader(&w->zs, &w->hdr) != Z_OK) {
		deflateEnd(&w->zs);
		rc = lay_err_set(err, -EINVAL, "cannot set the gzip header of %s", path);
		goto out_free;
	}
	w->zs.next_out = w->out;
	w->zs.avail_out = ZIO_BUF;
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = lay_err_set(err, -errno, "cannot create %s: %s", path, strerror(errno));
		deflateEnd(&w->zs);
		goto out_free;
	}
	*out = w;
	return 0;
out_free:
	EVP_MD_CTX_free(w->md);
	free(w->out);
	free(w->path);
	free(w);
	return rc;
}

/* Write out's full part to the file and the hash. */
static int zout_flush(eng_zout *w, lay_err *err)
{
	size_t n = ZIO_BUF - w->zs.avail_out;
	int rc;

	if (!n)
		return 0;
	if ((rc = write_full(w->fd, w->out, n)) < 0) {
		w->failed = 1;
		return lay_err_set(err, rc, "cannot write %s: %s", w->path, strerror(-rc));
	}
	EVP_DigestUpdate(w->md, w->out, n);
	w->size += n;
	w->zs.next_out = w->out;
	w->zs.avail_out = ZIO_BUF;
	return 0;
}

/* Run deflate with flush over the pending input until it is all taken
 * (or, for Z_FINISH, the stream ends). */
static int zout_deflate(eng_zout *w, int flush, lay_err *err)
{
	int zrc, rc;

	for (;;) {
		zrc = deflate(&w->zs, flush);
		if (zrc == Z_STREAM_ERROR) {
			w->failed = 1;
			return lay_err_set(err, -EINVAL, "gzip: stream error writing %s", w->path);
		}
		if (w->zs.avail_out == 0 && (rc = zout_flush(w, err)) < 0)
			return rc;
		/* without a flush, deflate keeps what it has not written yet */
		if (flush == Z_FINISH ? zrc == Z_STREAM_END : w->zs.avail_in == 0)
			return 0;
	}
}

int eng_zout_write(eng_zout *w, const void *p, size_t len, lay_err *err)
{
	size_t n;
	int rc;

	if (w->failed)
		return lay_err_set(err, -EIO, "%s failed earlier", w->path);
	while (len) {
		/* avail_in is a uInt */
		n = len > (1u << 30) ? (1u << 30) : len;
		w->zs.next_in = (unsigned char *)p;
		w->zs.avail_in = n;
		if ((rc = zout_deflate(w, Z_NO_FLUSH, err)) < 0)
			return rc;
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

int eng_zout_close(eng_zout *w, unsigned char md5[16], uint64_t *size, lay_err *err)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	int rc;

	if (w->failed) {
		rc = lay_err_set(err, -EIO, "%s failed earlier", w->path);
		goto out_abort;
	}
	w->zs.next_in = NULL;
	w->zs.avail_in = 0;
	if ((rc = zout_deflate(w, Z_FINISH, err)) < 0 || (rc = zout_flush(w, err)) < 0)
		goto out_abort;
	if (fsync(w->fd) < 0) {
		rc = lay_err_set(err, -errno, "cannot fsync %s: %s", w->path, strerror(errno));
		goto out_abort;
	}
	rc = close(w->fd);
	w->fd = -1;
	if (rc < 0) {
		rc = lay_err_set(err, -errno, "cannot close %s: %s", w->path, strerror(errno));
		goto out_abort;
	}
	EVP_DigestFinal_ex(w->md, dig, &dlen);
	if (md5)
		memcpy(md5, dig, 16);
	if (size)
		*size = w->size;
	deflateEnd(&w->zs);
	EVP_MD_CTX_free(w->md);
	free(w->out);
	free(w->path);
	free(w);
	return 0;
out_abort:
	eng_zout_abort(w);
	return rc;
}

void eng_zout_abort(eng_zout *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	unlink(w->path);
	deflateEnd(&w->zs);
	EVP_MD_CTX_free(w->md);
	free(w->out);
	free(w->path);
	free(w);
}

int eng_md5_file(const char *path, unsigned char md5[16], lay_err *err)
{
	unsigned char dig[EVP_MAX_MD_SIZE], *buf;
	unsigned int dlen;
	EVP_MD_CTX *md;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lay_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	buf = malloc(ZIO_BUF);
	md = EVP_MD_CTX_new();
	if (!buf || !md || !EVP_DigestInit_ex(md, EVP_md5(), NULL)) {
		rc = lay_err_set(err, -ENOMEM, "out of memory hashing %s", path);
		goto out_close;
	}
	while ((n = read_full(fd, buf, ZIO_BUF)) > 0)
		EVP_DigestUpdate(md, buf, n);
	if (n < 0) {
		rc = lay_err_set(err, (int)n, "cannot read %s: %s", path, strerror((int)-n));
		goto out_close;
	}
	EVP_DigestFinal_ex(md, dig, &dlen);
	memcpy(md5, dig, 16);
out_close:
	EVP_MD_CTX_free(md);
	free(buf);
	close(fd);
	return rc;
}

void eng_md5_buf(const void *p, size_t len, unsigned char md5[16])
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen;

	EVP_Digest(p, len, dig, &dlen, EVP_md5(), NULL);
	memcpy(md5, dig, 16);
}
