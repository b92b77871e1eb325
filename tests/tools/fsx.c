/* fsx: a file-system exerciser after the classic fsx of xfstests and LTP. It
 * applies seeded random operations to one file (writes past EOF, reads,
 * truncates, appends, reopens, mmap, fsync, stat) and checks every byte read
 * against an in-memory model of what the file must hold. A differential check
 * (STYLE.md, Tests): run on a ddbfs scratch file (SPEC §6) and on tmpfs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LEN 20

enum op_kind {
	OP_READ,
	OP_WRITE,
	OP_MAPREAD,
	OP_MAPWRITE,
	OP_TRUNCATE,
	OP_APPEND,
	OP_REOPEN,
	OP_FSYNC,
	OP_STAT,
	OP_COUNT
};

static const char *const op_name[OP_COUNT] = {
	"read", "write", "mapread", "mapwrite", "truncate", "append", "reopen", "fsync", "stat",
};

/* How often each operation is drawn, out of the sum. */
static const unsigned op_weight[OP_COUNT] = {20, 20, 10, 10, 10, 10, 4, 4, 4};

struct op_rec {
	unsigned long n;
	enum op_kind kind;
	int skipped, trunc;
	uint64_t off, len, before, after;
};

struct fsx {
	const char *path;
	int fd, afd;            /* read-write, and O_APPEND for appends */
	unsigned char *model;   /* what the file must hold; zero past size */
	unsigned long *owner;   /* the op that wrote each byte; 0 for a hole */
	unsigned char *buf;     /* maxlen + maxop bytes of I/O scratch */
	uint64_t size, maxlen, maxop;
	long pagesize;
	int mapread, mapwrite, verbose;
	const char *phase;      /* set outside the random operations */
	uint64_t seed, rng;
	unsigned long opnum, nops;
	struct op_rec log[LOG_LEN];
	unsigned long done[OP_COUNT], skipped[OP_COUNT];
};

/* splitmix64: the same sequence for a seed on every libc and machine */
static uint64_t rnd(struct fsx *f, uint64_t n)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return n ? z % n : 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static struct op_rec *cur(struct fsx *f)
{
	return &f->log[f->opnum % LOG_LEN];
}

static void print_log(struct fsx *f)
{
	unsigned long first = f->opnum >= LOG_LEN ? f->opnum - LOG_LEN + 1 : 1;

	fprintf(stderr, "fsx: the last %lu operations (sizes before -> after):\n",
		f->opnum - first + 1);
	for (unsigned long n = first; n <= f->opnum; n++) {
		struct op_rec *r = &f->log[n % LOG_LEN];

		fprintf(stderr, "  %6lu %-8s", r->n, op_name[r->kind]);
		if (r->kind == OP_READ || r->kind == OP_WRITE || r->kind == OP_MAPREAD ||
		    r->kind == OP_MAPWRITE || r->kind == OP_APPEND)
			fprintf(stderr, " off %7" PRIu64 " len %6" PRIu64, r->off, r->len);
		else if (r->kind == OP_TRUNCATE)
			fprintf(stderr, " to  %7" PRIu64 "           ", r->off);
		else
			fprintf(stderr, "%*s", 27, "");
		fprintf(stderr, "  size %7" PRIu64 " -> %7" PRIu64 "%s%s\n", r->before, r->after,
			r->trunc ? "  O_TRUNC" : "", r->skipped ? "  (skipped)" : "");
	}
	fprintf(stderr, "fsx: reproduce with: fsx -S %" PRIu64 " -N %lu -l %" PRIu64
		" -o %" PRIu64 "%s%s FILE\n", f->seed, f->opnum, f->maxlen, f->maxop,
		f->mapread ? "" : " -R", f->mapwrite ? "" : " -W");
}

static void die(struct fsx *f, const char *fmt, ...)
{
	va_list ap;

	if (f->phase)
		fprintf(stderr, "fsx: FAILED in the %s: ", f->phase);
	else
		fprintf(stderr, "fsx: FAILED at operation %lu (%s): ", f->opnum,
			op_name[cur(f)->kind]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_log(f);
	exit(1);
}

/* Compare len bytes the file gave at off with the model; report and exit on
 * the first difference. */
static void check(struct fsx *f, uint64_t off, const unsigned char *got, uint64_t len,
		  const char *how)
{
	uint64_t i, first = 0, last = 0, ndiff = 0, shown = 0;

	if (memcmp(f->model + off, got, len) == 0)
		return;
	for (i = 0; i < len; i++) {
		if (f->model[off + i] == got[i])
			continue;
		if (!ndiff++)
			first = i;
		last = i;
	}
	fprintf(stderr, "fsx: MISMATCH: %s of %" PRIu64 " bytes at %" PRIu64 ": %" PRIu64
		" bytes differ in [%" PRIu64 ", %" PRIu64 "] (file size %" PRIu64 ")\n",
		how, len, off, ndiff, off + first, off + last, f->size);
	fprintf(stderr, "  %10s %8s %8s  %s\n", "offset", "expected", "got", "expected from");
	for (i = first; i <= last && shown < 24; i++) {
		unsigned char e = f->model[off + i], g = got[i];

		if (e == g)
			continue;
		shown++;
		fprintf(stderr, "  %10" PRIu64 "     0x%02x     0x%02x  ", off + i, e, g);
		if (f->owner[off + i])
			fprintf(stderr, "op %lu\n", f->owner[off + i]);
		else
			fprintf(stderr, "hole\n");
	}
	die(f, "data mismatch");
}

static void check_size(struct fsx *f, const char *how)
{
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		die(f, "fstat: %s", strerror(errno));
	if ((uint64_t)st.st_size != f->size)
		die(f, "%s: fstat size %jd, expected %" PRIu64, how, (intmax_t)st.st_size,
		    f->size);
}

/* A written byte names its op and place, so a shifted or stale run shows. */
static void fill(struct fsx *f, unsigned char *p, uint64_t off, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		p[i] = 1 + (f->opnum + off + i) % 255;
}

static void model_write(struct fsx *f, uint64_t off, const unsigned char *p, uint64_t len)
{
	memcpy(f->model + off, p, len);
	for (uint64_t i = 0; i < len; i++)
		f->owner[off + i] = f->opnum;
	if (off + len > f->size)
		f->size = off + len;
}

/* Bytes past the size stay zero in the model, so growing needs no work. */
static void model_truncate(struct fsx *f, uint64_t size)
{
	if (size < f->size) {
		memset(f->model + size, 0, f->size - size);
		memset(f->owner + size, 0, (f->size - size) * sizeof(*f->owner));
	}
	f->size = size;
}

static void full_pwrite(struct fsx *f, int fd, const unsigned char *p, uint64_t len,
			uint64_t off, int append)
{
	while (len) {
		ssize_t n = append ? write(fd, p, len) : pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(f, "%s of %" PRIu64 " bytes at %" PRIu64 ": %s",
			    append ? "write" : "pwrite", len, off, n < 0 ? strerror(errno) : "0");
		p += n;
		off += n;
		len -= n;
	}
}

/* Reads until len bytes or EOF; returns the count read. */
static uint64_t full_pread(struct fsx *f, int fd, unsigned char *p, uint64_t len, uint64_t off)
{
	uint64_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(f, "pread of %" PRIu64 " bytes at %" PRIu64 ": %s", len - got,
			    off + got, strerror(errno));
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

/* Reads the whole file through f->fd and checks it and the size. */
static void verify_all(struct fsx *f, const char *how)
{
	uint64_t want = f->size + 1 + rnd(f, f->pagesize);
	uint64_t got = full_pread(f, f->fd, f->buf, want, 0);

	if (got != f->size)
		die(f, "%s: read the whole file and got %" PRIu64 " bytes, expected %" PRIu64,
		    how, got, f->size);
	check(f, 0, f->buf, got, how);
	check_size(f, how);
}

static void open_fds(struct fsx *f, int trunc)
{
	if ((f->fd = open(f->path, O_RDWR | (trunc ? O_TRUNC : 0))) < 0)
		die(f, "open %s: %s", f->path, strerror(errno));
	if ((f->afd = open(f->path, O_WRONLY | O_APPEND)) < 0)
		die(f, "open %s O_APPEND: %s", f->path, strerror(errno));
}

static void close_fds(struct fsx *f)
{
	if (close(f->afd) < 0)
		die(f, "close (O_APPEND fd): %s", strerror(errno));
	if (close(f->fd) < 0)
		die(f, "close: %s", strerror(errno));
}

/* Draws an extent of 1..maxop bytes that ends within maxlen. */
static void pick_extent(struct fsx *f, uint64_t *off, uint64_t *len)
{
	*len = 1 + rnd(f, min_u64(f->maxop, f->maxlen));
	*off = rnd(f, f->maxlen - *len + 1);
}

/* Draws an extent inside the file (size > 0), as fsx does for reads. */
static void pick_inside(struct fsx *f, uint64_t *off, uint64_t *len)
{
	*off = rnd(f, f->size);
	*len = 1 + rnd(f, min_u64(f->maxop, f->size - *off));
}

static void do_read(struct fsx *f, struct op_rec *r)
{
	uint64_t got, want;

	/* one read in eight may start or run past EOF: it must come back short */
	if (f->size == 0 || rnd(f, 8) == 0)
		pick_extent(f, &r->off, &r->len);
	else
		pick_inside(f, &r->off, &r->len);
	want = r->off >= f->size ? 0 : min_u64(r->len, f->size - r->off);
	got = full_pread(f, f->fd, f->buf, r->len, r->off);
	if (got != want)
		die(f, "pread of %" PRIu64 " at %" PRIu64 " returned %" PRIu64
		    " bytes, expected %" PRIu64, r->len, r->off, got, want);
	check(f, r->off, f->buf, got, "read");
}

static void do_write(struct fsx *f, struct op_rec *r)
{
	pick_extent(f, &r->off, &r->len);
	fill(f, f->buf, r->off, r->len);
	full_pwrite(f, f->fd, f->buf, r->len, r->off, 0);
	model_write(f, r->off, f->buf, r->len);
	check_size(f, "after write");
}

static void *map(struct fsx *f, uint64_t off, uint64_t len, int prot, uint64_t *pg)
{
	void *p;

	*pg = off - off % f->pagesize;
	p = mmap(NULL, off - *pg + len, prot, MAP_SHARED, f->fd, (off_t)*pg);
	if (p == MAP_FAILED)
		die(f, "mmap of %" PRIu64 " bytes at %" PRIu64 ": %s", off - *pg + len, *pg,
		    strerror(errno));
	return p;
}

static void do_mapread(struct fsx *f, struct op_rec *r)
{
	unsigned char *p;
	uint64_t pg;

	if (f->size == 0) {
		r->skipped = 1;
		return;
	}
	pick_inside(f, &r->off, &r->len);
	p = map(f, r->off, r->len, PROT_READ, &pg);
	/* copied out first: a report must not fault on a bad map */
	memcpy(f->buf, p + (r->off - pg), r->len);
	if (munmap(p, r->off - pg + r->len) < 0)
		die(f, "munmap: %s", strerror(errno));
	check(f, r->off, f->buf, r->len, "mapped read");
}

/* As fsx: a mapped write past EOF first extends the file with ftruncate. */
static void do_mapwrite(struct fsx *f, struct op_rec *r)
{
	unsigned char *p;
	uint64_t pg, mlen;

	pick_extent(f, &r->off, &r->len);
	if (r->off + r->len > f->size) {
		if (ftruncate(f->fd, (off_t)(r->off + r->len)) < 0)
			die(f, "ftruncate to %" PRIu64 ": %s", r->off + r->len, strerror(errno));
		model_truncate(f, r->off + r->len);
		check_size(f, "after ftruncate for mapwrite");
	}
	p = map(f, r->off, r->len, PROT_READ | PROT_WRITE, &pg);
	mlen = r->off - pg + r->len;
	fill(f, p + (r->off - pg), r->off, r->len);
	model_write(f, r->off, p + (r->off - pg), r->len);
	if (msync(p, mlen, MS_SYNC) < 0)
		die(f, "msync: %s", strerror(errno));
	if (munmap(p, mlen) < 0)
		die(f, "munmap: %s", strerror(errno));
	check_size(f, "after mapwrite");
}

static void do_truncate(struct fsx *f, struct op_rec *r)
{
	/* down or up, evenly; a size at or past EOF makes a hole */
	if (f->size > 0 && rnd(f, 2))
		r->off = rnd(f, f->size);
	else
		r->off = f->size + rnd(f, f->maxlen - f->size + 1);
	if (ftruncate(f->fd, (off_t)r->off) < 0)
		die(f, "ftruncate to %" PRIu64 ": %s", r->off, strerror(errno));
	model_truncate(f, r->off);
	check_size(f, "after ftruncate");
}

static void do_append(struct fsx *f, struct op_rec *r)
{
	uint64_t room = f->maxlen - f->size;

	if (room == 0) {
		r->skipped = 1;
		return;
	}
	r->off = f->size;
	r->len = 1 + rnd(f, min_u64(f->maxop, room));
	fill(f, f->buf, r->off, r->len);
	full_pwrite(f, f->afd, f->buf, r->len, r->off, 1);
	model_write(f, r->off, f->buf, r->len);
	check_size(f, "after append");
}

static void do_reopen(struct fsx *f, struct op_rec *r)
{
	r->trunc = rnd(f, 4) == 0;
	close_fds(f);
	open_fds(f, r->trunc);
	if (r->trunc)
		model_truncate(f, 0);
	verify_all(f, "whole file after reopen");
}

static void do_stat(struct fsx *f)
{
	struct stat st;

	check_size(f, "fstat");
	if (stat(f->path, &st) < 0)
		die(f, "stat %s: %s", f->path, strerror(errno));
	if ((uint64_t)st.st_size != f->size)
		die(f, "stat size %jd, expected %" PRIu64, (intmax_t)st.st_size, f->size);
}

static enum op_kind pick_op(struct fsx *f)
{
	unsigned total = 0, k;
	uint64_t x;

	for (k = 0; k < OP_COUNT; k++)
		total += op_weight[k];
	x = rnd(f, total);
	for (k = 0; x >= op_weight[k]; k++)
		x -= op_weight[k];
	return (enum op_kind)k;
}

static void step(struct fsx *f)
{
	struct op_rec *r = cur(f);
	enum op_kind kind = pick_op(f);

	/* mmap refused or turned off: the op becomes a plain read or write, so
	 * the random sequence stays the same */
	if (kind == OP_MAPREAD && !f->mapread)
		kind = OP_READ;
	if (kind == OP_MAPWRITE && !f->mapwrite)
		kind = OP_WRITE;
	*r = (struct op_rec){.n = f->opnum, .kind = kind, .before = f->size, .after = f->size};
	switch (kind) {
	case OP_READ:
		do_read(f, r);
		break;
	case OP_WRITE:
		do_write(f, r);
		break;
	case OP_MAPREAD:
		do_mapread(f, r);
		break;
	case OP_MAPWRITE:
		do_mapwrite(f, r);
		break;
	case OP_TRUNCATE:
		do_truncate(f, r);
		break;
	case OP_APPEND:
		do_append(f, r);
		break;
	case OP_REOPEN:
		do_reopen(f, r);
		break;
	case OP_FSYNC:
		if (fsync(f->fd) < 0)
			die(f, "fsync: %s", strerror(errno));
		break;
	case OP_STAT:
		do_stat(f);
		break;
	default:
		break;
	}
	r->after = f->size;
	if (r->skipped)
		f->skipped[kind]++;
	else
		f->done[kind]++;
	if (f->verbose)
		fprintf(stderr, "%lu %s %" PRIu64 " %" PRIu64 " %" PRIu64 "%s\n", r->n,
			op_name[kind], r->off, r->len, r->after, r->trunc ? " O_TRUNC" : "");
}

/* Some filesystems refuse shared maps (FUSE with direct_io): then the mapped
 * operations are skipped, with a note, rather than failed. */
static void probe_mmap(struct fsx *f)
{
	void *p;

	if (!f->mapread && !f->mapwrite)
		return;
	p = mmap(NULL, f->pagesize, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (p != MAP_FAILED) {
		munmap(p, f->pagesize);
		return;
	}
	if (f->mapwrite)
		fprintf(stderr, "fsx: writable shared mmap refused (%s): mapped writes skipped\n",
			strerror(errno));
	f->mapwrite = 0;
	p = mmap(NULL, f->pagesize, PROT_READ, MAP_SHARED, f->fd, 0);
	if (p != MAP_FAILED) {
		munmap(p, f->pagesize);
		return;
	}
	if (f->mapread)
		fprintf(stderr, "fsx: shared mmap refused (%s): mapped reads skipped\n",
			strerror(errno));
	f->mapread = 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fsx [-S seed] [-N ops] [-l maxlen] [-o maxop] [-R] [-W] [-v] FILE\n"
		"  -S seed    random seed (default 1)\n"
		"  -N ops     number of operations (default 10000)\n"
		"  -l maxlen  largest file size, K and M suffixes (default 256K)\n"
		"  -o maxop   largest read or write (default 64K)\n"
		"  -R, -W     no mapped reads, no mapped writes\n"
		"  -v         print every operation to stderr\n"
		"FILE is created or truncated. Exits 0 when every read matched, 1 on the\n"
		"first mismatch or failed call (printing the last operations), 2 on usage.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct fsx f = {.maxlen = 256 * 1024, .maxop = 64 * 1024, .seed = 1, .nops = 10000,
			.mapread = 1, .mapwrite = 1, .fd = -1, .afd = -1};
	uint64_t v;
	int c;

	while ((c = getopt(argc, argv, "S:N:l:o:RWv")) != -1) {
		switch (c) {
		case 'S':
		case 'N':
		case 'l':
		case 'o':
			if (parse_size(optarg, &v) < 0) {
				fprintf(stderr, "fsx: -%c %s: not a number\n", c, optarg);
				usage();
			}
			if (c == 'S')
				f.seed = v;
			else if (c == 'N')
				f.nops = v;
			else if (c == 'l')
				f.maxlen = v;
			else
				f.maxop = v;
			break;
		case 'R':
			f.mapread = 0;
			break;
		case 'W':
			f.mapwrite = 0;
			break;
		case 'v':
			f.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (f.maxlen == 0 || f.maxop == 0 || f.maxlen > (1ULL << 30)) {
		fprintf(stderr, "fsx: -l and -o must be at least 1, -l at most 1G\n");
		usage();
	}
	f.path = argv[optind];
	f.rng = f.seed;
	f.pagesize = sysconf(_SC_PAGESIZE);
	f.model = calloc(f.maxlen, 1);
	f.owner = calloc(f.maxlen, sizeof(*f.owner));
	f.buf = malloc(f.maxlen + f.maxop + f.pagesize);
	if (!f.model || !f.owner || !f.buf) {
		fprintf(stderr, "fsx: out of memory\n");
		return 2;
	}

	if ((f.fd = open(f.path, O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0 || close(f.fd) < 0) {
		fprintf(stderr, "fsx: cannot create %s: %s\n", f.path, strerror(errno));
		return 1;
	}
	f.phase = "setup";
	open_fds(&f, 0);
	probe_mmap(&f);
	check_size(&f, "after create");
	f.phase = NULL;
	for (f.opnum = 1; f.opnum <= f.nops; f.opnum++)
		step(&f);
	f.opnum = f.nops;
	f.phase = "final check";

	/* last, through fresh descriptors: what stays after every close */
	close_fds(&f);
	if ((f.fd = open(f.path, O_RDONLY)) < 0)
		die(&f, "final open: %s", strerror(errno));
	verify_all(&f, "whole file at the end");
	do_stat(&f);
	close(f.fd);

	printf("fsx: seed %" PRIu64 ", max size %" PRIu64 ", max op %" PRIu64 "%s%s\n", f.seed,
	       f.maxlen, f.maxop, f.mapread ? "" : ", no mapped reads",
	       f.mapwrite ? "" : ", no mapped writes");
	printf("fsx:");
	for (int k = 0; k < OP_COUNT; k++)
		printf(" %s %lu%s", op_name[k], f.done[k], k + 1 < OP_COUNT ? "," : "\n");
	printf("fsx: %lu operations, 0 mismatches\n", f.nops);
	free(f.model);
	free(f.owner);
	free(f.buf);
	return 0;
}
