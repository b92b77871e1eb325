/* Unit tests of engine/zio.c: lines out of plain, gzip and zstd files
 * (members and frames, CRLF, long lines, truncation, corruption, bombs),
 * the deterministic gzip writer and its MD5, and the MD5 helpers. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "../../engine/zio.h"
#include "../../layout/b64.h"
#include "../../layout/export.h"
#include "../../layout/b64.h"
#include "../../layout/export.h"
#include "../../layout/buf.h"
#include "check.h"

enum { PLAIN, GZIP, ZSTD };

static char dir[] = "/tmp/ddbfs-zio-XXXXXX";
static char path_buf[4][512];

/* A file name in the test directory (4 rotating buffers). */
static const char *tpath(const char *name)
{
	static int i;
	char *p = path_buf[i++ % 4];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static void put_bytes(const char *path, const void *p, size_t len, const char *mode)
{
	FILE *f = fopen(path, mode);

	if (!f || fwrite(p, 1, len, f) != len) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

/* Append one gzip member holding p[0..len). */
static void gzip_member(const char *path, const void *p, size_t len)
{
	z_stream zs;
	size_t cap;
	unsigned char *out;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		exit(2);
	cap = deflateBound(&zs, len) + 64;
	out = malloc(cap);
	zs.next_in = (unsigned char *)p;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		exit(2);
	put_bytes(path, out, cap - zs.avail_out, "ab");
	deflateEnd(&zs);
	free(out);
}

/* Append one zstd frame holding p[0..len), with a content checksum. */
static void zstd_frame(const char *path, const void *p, size_t len)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(len), n;
	void *out = malloc(cap);

	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(cc, out, cap, p, len);
	if (ZSTD_isError(n))
		exit(2);
	put_bytes(path, out, n, "ab");
	ZSTD_freeCCtx(cc);
	free(out);
}

/* Write text to path as kind, split into parts members or frames. */
static const char *write_as(const char *name, int kind, const char *text, size_t len, int parts)
{
	const char *path = tpath(name);
	size_t i, from = 0, to;

	unlink(path);
	if (kind == PLAIN) {
		put_bytes(path, text, len, "wb");
		return path;
	}
	for (i = 0; i < (size_t)parts; i++) {
		to = i + 1 == (size_t)parts ? len : len / parts * (i + 1);
		if (kind == GZIP)
			gzip_member(path, text + from, to - from);
		else
			zstd_frame(path, text + from, to - from);
		from = to;
	}
	return path;
}

/* Read every line of path; each must equal the next of want[], then end. */
static int reads_lines(const char *path, size_t max_line, const char *const *want, size_t n)
{
	eng_zin *r = NULL;
	lay_err err = { 0, "" };
	const char *line;
	size_t len, i;
	int rc;

	if ((rc = eng_zin_open(&r, path, max_line, &err)) < 0) {
		fprintf(stderr, "  open: %s\n", err.msg);
		return 0;
	}
	for (i = 0; i < n; i++) {
		rc = eng_zin_line(r, &line, &len, &err);
		if (rc != 1 || len != strlen(want[i]) || memcmp(line, want[i], len) != 0 ||
		    line[len] != '\0' || eng_zin_line_no(r) != i + 1) {
			fprintf(stderr, "  line %zu: rc %d (%s) \"%.40s\" wanted \"%.40s\"\n", i + 1,
				rc, err.msg, rc == 1 ? line : "", want[i]);
			eng_zin_close(r);
			return 0;
		}
	}
	rc = eng_zin_line(r, &line, &len, &err);
	if (rc == 0)
		rc = eng_zin_line(r, &line, &len, &err) == 0 ? 0 : -1;
	eng_zin_close(r);
	if (rc != 0)
		fprintf(stderr, "  no end after %zu lines: rc %d %s\n", n, rc, err.msg);
	return rc == 0;
}

static void test_zin__plain_gzip_and_zstd_give_the_same_lines(void)
{
	static const char text[] = "one\ntwo\n\nfour\n";
	static const char *const want[] = { "one", "two", "", "four" };
	static const char *const kinds[] = { "plain", "gzip", "zstd" };
	eng_zin *r;
	const char *path;
	int k;

	for (k = PLAIN; k <= ZSTD; k++) {
		path = write_as("same", k, text, strlen(text), 1);
		CHECK(reads_lines(path, 100, want, 4));
		CHECK_RC(eng_zin_open(&r, path, 100, NULL), 0);
		CHECK_STR(eng_zin_kind(r), kinds[k]);
		eng_zin_close(r);
	}
}

static void test_zin__concatenated_members_and_frames_are_read_through(void)
{
	static const char text[] = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\n";
	static const char *const want[] = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta" };
	const char *path;
	struct stat st;
	eng_zin *r;
	const char *line;
	size_t len;

	/* the cuts fall inside lines, so lines span members */
	CHECK(reads_lines(write_as("gz3", GZIP, text, strlen(text), 3), 100, want, 6));
	CHECK(reads_lines(write_as("zst4", ZSTD, text, strlen(text), 4), 100, want, 6));
	/* an empty member between two others */
	path = write_as("gzempty", GZIP, "a\n", 2, 1);
	gzip_member(path, "", 0);
	gzip_member(path, "b\n", 2);
	CHECK(reads_lines(path, 100, (const char *const[]){ "a", "b" }, 2));
	CHECK_RC(eng_zin_open(&r, path, 100, NULL), 0);
	while (eng_zin_line(r, &line, &len, NULL) == 1)
		;
	CHECK(eng_zin_bytes_out(r) == 4);
	CHECK(stat(path, &st) == 0 && eng_zin_bytes_in(r) == (uint64_t)st.st_size);
	eng_zin_close(r);
}

static void test_zin__crlf_and_a_last_line_without_newline(void)
{
	static const char text[] = "a\r\nb\r\n\r\nlast";
	static const char *const want[] = { "a", "b", "", "last" };
	int k;

	for (k = PLAIN; k <= ZSTD; k++)
		CHECK(reads_lines(write_as("crlf", k, text, strlen(text), 1), 100, want, 4));
	/* a lone '\r' inside a line stays */
	CHECK(reads_lines(write_as("cr", PLAIN, "a\rb\n", 4, 1), 100,
			  (const char *const[]){ "a\rb" }, 1));
}

static void test_zin__empty_files_have_no_lines(void)
{
	int k;

	for (k = PLAIN; k <= ZSTD; k++)
		CHECK(reads_lines(write_as("empty", k, "", 0, 1), 100, NULL, 0));
	/* one byte: too short to be sniffed as anything but plain */
	CHECK(reads_lines(write_as("one", PLAIN, "\x1f", 1, 1), 100,
			  (const char *const[]){ "\x1f" }, 1));
}

/* Lines of many lengths, crossing every buffer boundary, in each kind. */
static void test_zin__lines_across_buffer_boundaries_come_back_whole(void)
{
	enum { N = 400 };
	lay_buf text = LAY_BUF_INIT;
	char **want = calloc(N, sizeof(*want));
	uint32_t x = 12345;
	size_t i, len, j;
	int k;

	for (i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		len = i % 50 == 7 ? 100000 + x % 200000 : x % 3000;
		want[i] = malloc(len + 1);
		for (j = 0; j < len; j++)
			want[i][j] = 'a' + (i + j) % 26;
		want[i][len] = '\0';
		lay_buf_add(&text, want[i], len);
		lay_buf_addc(&text, '\n');
	}
	for (k = PLAIN; k <= ZSTD; k++)
		CHECK(reads_lines(write_as("many", k, text.p, text.len, 3), 300000,
				  (const char *const *)want, N));
	for (i = 0; i < N; i++)
		free(want[i]);
	free(want);
	lay_buf_free(&text);
}

static void test_zin__line_over_max_line_is_skipped_and_the_next_is_read(void)
{
	size_t big = 1000000, max = 400 * 1024, len;
	char *text = malloc(big + 16);
	eng_zin *r;
	lay_err err = { 0, "" };
	const char *line;
	int k;

	memcpy(text, "a\n", 2);
	memset(text + 2, 'x', big);
	memcpy(text + 2 + big, "\nb\n", 3);
	for (k = PLAIN; k <= ZSTD; k++) {
		CHECK_RC(eng_zin_open(&r, write_as("long", k, text, big + 5, 2), max, &err), 0);
		CHECK(eng_zin_line(r, &line, &len, &err) == 1 && len == 1 && line[0] == 'a');
		CHECK_RC(eng_zin_line(r, &line, &len, &err), -EFBIG);
		CHECK(strstr(err.msg, "line 2 ") && strstr(err.msg, "1000000 bytes") &&
		      strstr(err.msg, "409600"));
		CHECK(eng_zin_line_no(r) == 2);
		CHECK(eng_zin_line(r, &line, &len, &err) == 1 && len == 1 && line[0] == 'b');
		CHECK(eng_zin_line_no(r) == 3);
		CHECK_RC(eng_zin_line(r, &line, &len, &err), 0);
		eng_zin_close(r);
	}
	free(text);
}

static void test_zin__max_line_is_inclusive_and_a_long_last_line_is_reported(void)
{
	eng_zin *r;
	lay_err err = { 0, "" };
	const char *line;
	size_t len;

	CHECK(reads_lines(write_as("exact", PLAIN, "12345\n", 6, 1), 5,
			  (const char *const[]){ "12345" }, 1));
	CHECK_RC(eng_zin_open(&r, write_as("over", GZIP, "123456\nok\n1234567", 17, 1), 5,
			      &err), 0);
	CHECK_RC(eng_zin_line(r, &line, &len, &err), -EFBIG);
	CHECK(strstr(err.msg, "line 1 ") && strstr(err.msg, "6 bytes"));
	CHECK(eng_zin_line(r, &line, &len, &err) == 1 && len == 2);
	CHECK_RC(eng_zin_line(r, &line, &len, &err), -EFBIG);
	CHECK(strstr(err.msg, "line 3 ") && strstr(err.msg, "7 bytes"));
	CHECK_RC(eng_zin_line(r, &line, &len, &err), 0);
	eng_zin_close(r);
}

/* Read until an error; it must be want with a message containing msg, and
 * repeat on the next call. */
static int fails_with(const char *path, int want, const char *msg)
{
	eng_zin *r;
	lay_err err = { 0, "" }, again = { 0, "" };
	const char *line;
	size_t len;
	int rc;

	if (eng_zin_open(&r, path, 1 << 20, &err) < 0)
		return 0;
	while ((rc = eng_zin_line(r, &line, &len, &err)) == 1)
		;
	if (rc != want || !strstr(err.msg, msg)) {
		fprintf(stderr, "  %s: rc %d \"%s\", wanted %d \"%s\"\n", path, rc, err.msg, want,
			msg);
		eng_zin_close(r);
		return 0;
	}
	rc = eng_zin_line(r, &line, &len, &again);
	eng_zin_close(r);
	return rc == want && strcmp(again.msg, err.msg) == 0;
}

static void test_zin__truncated_gzip_is_an_error_not_an_end(void)
{
	lay_buf text = LAY_BUF_INIT;
	const char *path;
	struct stat st;
	int i;

	for (i = 0; i < 20000; i++)
		lay_buf_addf(&text, "line %d of a file about to lose its end\n", i);
	path = write_as("trunc", GZIP, text.p, text.len, 1);
	CHECK(stat(path, &st) == 0);
	/* in the middle of the deflate data, and just the trailer missing */
	CHECK(truncate(path, st.st_size / 2) == 0);
	CHECK(fails_with(path, -EINVAL, "gzip stream ends early (truncated file?)"));
	path = write_as("trunc", GZIP, text.p, text.len, 1);
	CHECK(truncate(path, st.st_size - 4) == 0);
	CHECK(fails_with(path, -EINVAL, "gzip stream ends early (truncated file?)"));
	path = write_as("trunc", ZSTD, text.p, text.len, 1);
	CHECK(stat(path, &st) == 0 && truncate(path, st.st_size - 3) == 0);
	CHECK(fails_with(path, -EINVAL, "zstd stream ends early (truncated file?)"));
	lay_buf_free(&text);
}

static void test_zin__corrupt_streams_are_errors_with_the_library_reason(void)
{
	lay_buf text = LAY_BUF_INIT;
	const char *path;
	struct stat st;
	FILE *f;
	int i;

	for (i = 0; i < 20000; i++)
		lay_buf_addf(&text, "%d,some text to compress\n", i);
	path = write_as("badzst", ZSTD, text.p, text.len, 1);
	CHECK(stat(path, &st) == 0);
	f = fopen(path, "r+b");
	fseek(f, st.st_size / 2, SEEK_SET);
	fwrite("\xff\x00\xff\x00\xff\x00\xff\x00", 1, 8, f);
	fclose(f);
	CHECK(fails_with(path, -EINVAL, "zstd: "));
	/* a gzip member followed by garbage */
	path = write_as("badgz", GZIP, "a\n", 2, 1);
	put_bytes(path, "\x1f\x8bgarbage", 9, "ab");
	CHECK(fails_with(path, -EINVAL, "gzip: "));
	/* a wrong CRC in the trailer */
	path = write_as("crc", GZIP, text.p, text.len, 1);
	CHECK(stat(path, &st) == 0);
	f = fopen(path, "r+b");
	fseek(f, st.st_size - 8, SEEK_SET);
	fputc(fgetc(f) ^ 1, f);
	fseek(f, st.st_size - 8, SEEK_SET);
	fputc(0x5a, f);
	fclose(f);
	CHECK(fails_with(path, -EINVAL, "gzip: incorrect data check"));
	lay_buf_free(&text);
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 2 GiB of zeros as one zstd frame, compressed as a stream. */
static void test_zin__a_zstd_bomb_is_refused_early_in_flat_memory(void)
{
	const char *path = tpath("bomb.zst");
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t chunk = 1 << 20, left;
	char *zeros = calloc(1, chunk), *out = malloc(ZSTD_CStreamOutSize());
	ZSTD_inBuffer in;
	ZSTD_outBuffer ob;
	FILE *f = fopen(path, "wb");
	uint64_t total = 2ull << 30, done = 0;
	long rss;

	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setPledgedSrcSize(cc, total);
	while (done < total) {
		in = (ZSTD_inBuffer){ zeros, chunk, 0 };
		done += chunk;
		do {
			ob = (ZSTD_outBuffer){ out, ZSTD_CStreamOutSize(), 0 };
			left = ZSTD_compressStream2(cc, &ob, &in,
						    done == total ? ZSTD_e_end : ZSTD_e_continue);
			fwrite(out, 1, ob.pos, f);
		} while (done == total ? left != 0 : in.pos < in.size);
	}
	fclose(f);
	ZSTD_freeCCtx(cc);
	free(zeros);
	free(out);
	rss = max_rss_kb();
	CHECK(fails_with(path, -EFBIG, "is over 1000 times the file's size"));
	/* the reader held a few buffers, never the text */
	CHECK(max_rss_kb() - rss < 32 * 1024);
	unlink(path);
}

static void test_zin__missing_file_and_bad_limit_are_refused(void)
{
	eng_zin *r = NULL;
	lay_err err = { 0, "" };

	CHECK_RC(eng_zin_open(&r, tpath("nothing"), 10, &err), -ENOENT);
	CHECK(strstr(err.msg, "nothing") != NULL);
	CHECK_RC(eng_zin_open(&r, tpath("nothing"), 0, &err), -EINVAL);
	eng_zin_close(NULL);
}

/* Write text through eng_zout in pieces of step bytes; md5 and size out. */
static int zout_write_file(const char *path, int level, const char *text, size_t len,
			   size_t step, unsigned char md5[16], uint64_t *size)
{
	eng_zout *w;
	lay_err err = { 0, "" };
	size_t i, n;
	int rc;

	unlink(path);
	if ((rc = eng_zout_open(&w, path, level, &err)) < 0)
		return rc;
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		if ((rc = eng_zout_write(w, text + i, n, &err)) < 0) {
			eng_zout_abort(w);
			return rc;
		}
	}
	return eng_zout_close(w, md5, size, &err);
}

static void test_zout__round_trips_through_zin_with_the_file_md5(void)
{
	lay_buf text = LAY_BUF_INIT;
	unsigned char md5[16], again[16];
	const char *path = tpath("out.gz");
	char hex[33], hex2[33];
	unsigned char head[10];
	uint64_t size;
	struct stat st;
	eng_zin *r;
	const char *line;
	size_t len;
	FILE *f;
	int i, n = 0;

	for (i = 0; i < 50000; i++)
		lay_buf_addf(&text, "{\"PK\":{\"S\":\"item %d\"},\"n\":{\"N\":\"%d\"}}\n", i, i * 7);
	CHECK_RC(zout_write_file(path, 6, text.p, text.len, 1000, md5, &size), 0);
	CHECK(stat(path, &st) == 0 && (uint64_t)st.st_size == size && (st.st_mode & 0777) == 0644);
	CHECK_RC(eng_md5_file(path, again, NULL), 0);
	lay_md5_hex(hex, md5);
	lay_md5_hex(hex2, again);
	CHECK_STR(hex, hex2);
	f = fopen(path, "rb");
	CHECK(f && fread(head, 1, 10, f) == 10);
	fclose(f);
	/* magic, deflate, no flags, mtime 0, OS unknown */
	CHECK(memcmp(head, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8) == 0 && head[9] == 255);
	CHECK_RC(eng_zin_open(&r, path, 1000, NULL), 0);
	CHECK_STR(eng_zin_kind(r), "gzip");
	while (eng_zin_line(r, &line, &len, NULL) == 1) {
		char want[100];

		snprintf(want, sizeof(want), "{\"PK\":{\"S\":\"item %d\"},\"n\":{\"N\":\"%d\"}}", n,
			 n * 7);
		if (strcmp(line, want) != 0)
			break;
		n++;
	}
	CHECK(n == 50000);
	CHECK(eng_zin_bytes_out(r) == text.len);
	eng_zin_close(r);
	/* the file exists: O_EXCL */
	{
		eng_zout *w;
		lay_err err = { 0, "" };

		CHECK_RC(eng_zout_open(&w, path, 6, &err), -EEXIST);
		CHECK(strstr(err.msg, "out.gz") != NULL);
		CHECK_RC(eng_zout_open(&w, tpath("x.gz"), 0, &err), -EINVAL);
	}
	lay_buf_free(&text);
}

static void test_zout__the_same_input_gives_the_same_bytes(void)
{
	lay_buf text = LAY_BUF_INIT;
	unsigned char a[16], b[16], c[16];
	uint64_t sa, sb, sc;
	int i;

	for (i = 0; i < 30000; i++)
		lay_buf_addf(&text, "%d\t%x\n", i, i * 2654435761u);
	CHECK_RC(zout_write_file(tpath("d1.gz"), 6, text.p, text.len, 4096, a, &sa), 0);
	/* other write sizes: the stream is the same */
	CHECK_RC(zout_write_file(tpath("d2.gz"), 6, text.p, text.len, 77, b, &sb), 0);
	CHECK(sa == sb && memcmp(a, b, 16) == 0);
	CHECK_RC(zout_write_file(tpath("d3.gz"), 1, text.p, text.len, 4096, c, &sc), 0);
	CHECK(memcmp(a, c, 16) != 0);
	lay_buf_free(&text);
}

static void test_zout__abort_and_empty_files(void)
{
	eng_zout *w;
	unsigned char md5[16];
	uint64_t size = 0;
	struct stat st;
	const char *path = tpath("aborted.gz");

	CHECK_RC(eng_zout_open(&w, path, 9, NULL), 0);
	CHECK_RC(eng_zout_write(w, "abc\n", 4, NULL), 0);
	eng_zout_abort(w);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	eng_zout_abort(NULL);
	/* nothing written: a valid empty gzip stream */
	path = tpath("empty.gz");
	CHECK_RC(eng_zout_open(&w, path, 9, NULL), 0);
	CHECK_RC(eng_zout_close(w, md5, &size, NULL), 0);
	CHECK(size == 20);
	CHECK(reads_lines(path, 10, NULL, 0));
}

static void test_md5__known_digests_in_hex_and_base64(void)
{
	static const struct {
		const char *in, *hex, *b64;
	} t[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e", "1B2M2Y8AsgTpgAmY7PhCfg==" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72", "kAFQmDzST7DWlj99KOF/cg==" },
		{ "The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6",
		  "nhB9nTcrtoJr2B01QqQZ1g==" },
	};
	unsigned char md5[16];
	char hex[33];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		eng_md5_buf(t[i].in, strlen(t[i].in), md5);
		lay_md5_hex(hex, md5);
		{
			lay_buf b64 = LAY_BUF_INIT;

			CHECK_RC(lay_b64_encode(&b64, md5, 16), 0);
			CHECK_STR(b64.p, t[i].b64);
			lay_buf_free(&b64);
		}
		CHECK_STR(hex, t[i].hex);
		put_bytes(tpath("md5"), t[i].in, strlen(t[i].in), "wb");
		CHECK_RC(eng_md5_file(tpath("md5"), md5, NULL), 0);
		lay_md5_hex(hex, md5);
		CHECK_STR(hex, t[i].hex);
	}
	CHECK_RC(eng_md5_file(tpath("no-such"), md5, NULL), -ENOENT);
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(tpath(e->d_name));
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_zin__plain_gzip_and_zstd_give_the_same_lines);
	RUN(test_zin__concatenated_members_and_frames_are_read_through);
	RUN(test_zin__crlf_and_a_last_line_without_newline);
	RUN(test_zin__empty_files_have_no_lines);
	RUN(test_zin__lines_across_buffer_boundaries_come_back_whole);
	RUN(test_zin__line_over_max_line_is_skipped_and_the_next_is_read);
	RUN(test_zin__max_line_is_inclusive_and_a_long_last_line_is_reported);
	RUN(test_zin__truncated_gzip_is_an_error_not_an_end);
	RUN(test_zin__corrupt_streams_are_errors_with_the_library_reason);
	RUN(test_zin__a_zstd_bomb_is_refused_early_in_flat_memory);
	RUN(test_zin__missing_file_and_bad_limit_are_refused);
	RUN(test_zout__round_trips_through_zin_with_the_file_md5);
	RUN(test_zout__the_same_input_gives_the_same_bytes);
	RUN(test_zout__abort_and_empty_files);
	RUN(test_md5__known_digests_in_hex_and_base64);
	remove_dir();
	return check_done();
}
