/* Export (SPEC §13): a table, or its changes over a window, written as
 * DynamoDB writes an export to S3, into a local directory. A client of the
 * engine's face: it reads through eng_list, eng_item_get and eng_log_read
 * in views of the past, so it costs no capacity and sees one point in
 * time however long it runs. */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../layout/describe.h"
#include "../layout/hash.h"
#include "../layout/keyenc.h"
#include "../layout/schema.h"
#include "store.h"
#include "zio.h"

/* A data file per this many bytes of items, as DynamoDB writes one per
 * partition of its keyspace; at most EXPORT_MAX_FILES. */
#define EXPORT_FILE_BYTES ((uint64_t)8 << 20)
#define EXPORT_MAX_FILES 32
/* Listings go by pages of this many entries: short read transactions. */
#define EXPORT_PAGE 1024
/* DynamoDB's bounds of an incremental export's window */
#define INCR_MIN_NS (15 * 60 * (int64_t)1000000000)
#define INCR_MAX_NS (24 * 3600 * (int64_t)1000000000)

/* Lines go to a file's stage; a full stage is compressed by the file's
 * compressor thread (file i's is i % ncomp), so files are compressed on
 * every core while the listing goes on, each file's lines in order. */
#define STAGE_BYTES ((size_t)256 << 10)
#define MAX_COMPRESSORS 4
#define QUEUE_LEN 4 /* stages waiting per compressor */

struct data_file {
	eng_zout *z;
	char name[32];
	uint64_t items;
	unsigned char md5[16];
	lay_buf stage;
};

struct chunk {
	size_t fi;
	lay_buf buf;
};

struct compressor {
	struct export *x;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk q[QUEUE_LEN];
	size_t head, n;
	int stop;
	int rc;              /* its first failure: the export's */
	lay_err err;
};

struct export {
	eng_db *db;
	eng_req rq;                /* the view read: as of a time */
	const eng_export_opts *o;
	eng_table_info info;
	eng_export_result *res;
	eng_progress *prog;
	char data_dir[4120];
	char key_dir[900];         /* [prefix/]AWSDynamoDB/ExportId, as S3 keys start */
	struct data_file f[EXPORT_MAX_FILES];
	size_t nfiles;
	struct compressor comp[MAX_COMPRESSORS];
	size_t ncomp;
	lay_buf line, kbuf;
	lay_err *err;
};

/* A data file's name: 26 letters of base32 made from seed (the table and
 * the time exported) and the file's number, the shape of DynamoDB's: the
 * same table and time give the same names. */
static void file_name(char out[27], const char *seed, size_t i)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint64_t h = lay_fnv1a(LAY_FNV_INIT, seed, strlen(seed)), g;
	int k;

	h = lay_hash_mix(lay_fnv1a(h, &i, sizeof(i)));
	g = lay_hash_mix(h ^ 0x9e3779b97f4a7c15ULL);
	for (k = 0; k < 26; k++) {
		out[k] = b32[(k < 13 ? h : g) & 31];
		if (k < 13)
			h >>= 5;
		else
			g >>= 5;
	}
	out[26] = '\0';
}

static int mkdir_p(char *path, lay_err *err)
{
	char *s;

	for (s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			*s = '/';
			return lay_err_set(err, -e, "cannot create %s: %s", path, strerror(e));
		}
		*s = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return lay_err_set(err, -errno, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* Remove what an export wrote under path (its own, fresh directory). */
static void remove_export(const char *path)
{
	char sub[4300], p[4600];
	const char *dirs[2] = { "data", "" };
	struct dirent *d;
	DIR *dh;
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s%s%s", path, dirs[i][0] ? "/" : "", dirs[i]);
		if (!(dh = opendir(sub)))
			continue;
		while ((d = readdir(dh)))
			if (d->d_name[0] != '.' || (d->d_name[1] && strcmp(d->d_name, "..") != 0)) {
				snprintf(p, sizeof(p), "%s/%s", sub, d->d_name);
				unlink(p);
			}
		closedir(dh);
		rmdir(sub);
	}
}

/* Write a small whole file: O_EXCL, fsynced. */
static int write_file(const char *dir, const char *name, const void *p, size_t len,
		      lay_err *err)
{
	char path[4400];
	ssize_t n;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return lay_err_set(err, -errno, "cannot create %s: %s", path, strerror(errno));
	while (len) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			rc = lay_err_set(err, -errno, "cannot write %s: %s", path, strerror(errno));
			break;
		}
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	if (!rc && fsync(fd) < 0)
		rc = lay_err_set(err, -errno, "cannot write %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* The file an item with partition key pk goes to. */
static int pick_file(struct export *x, const lay_value *pk, size_t *out)
{
	x->kbuf.len = 0;
	if (lay_keyenc(&x->kbuf, pk) < 0)
		return lay_err_set(x->err, -ENOMEM, "out of memory");
	*out = lay_hash_mix(lay_fnv1a(LAY_FNV_INIT, x->kbuf.p, x->kbuf.len)) % x->nfiles;
	return 0;
}

static void *compressor_main(void *arg)
{
	struct compressor *c = arg;
	struct chunk ch;
	int rc;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->n && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->n) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		ch = c->q[c->head];
		pthread_mutex_unlock(&c->mu);
		rc = c->rc ? 0 : eng_zout_write(c->x->f[ch.fi].z, ch.buf.p, ch.buf.len, &c->err);
		lay_buf_free(&ch.buf);
		pthread_mutex_lock(&c->mu);
		if (rc < 0 && !c->rc)
			c->rc = rc;
		c->head = (c->head + 1) % QUEUE_LEN;
		c->n--;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
}

/* Hand file fi's stage to its compressor (waiting for room). */
static int submit(struct export *x, size_t fi)
{
	struct compressor *c = &x->comp[fi % x->ncomp];
	int rc;

	if (!x->f[fi].stage.len)
		return 0;
	pthread_mutex_lock(&c->mu);
	while (c->n == QUEUE_LEN && !c->rc)
		pthread_cond_wait(&c->cv, &c->mu);
	if (!(rc = c->rc)) {
		c->q[(c->head + c->n) % QUEUE_LEN] = (struct chunk){ fi, x->f[fi].stage };
		c->n++;
		x->f[fi].stage = (lay_buf)LAY_BUF_INIT;
		pthread_cond_broadcast(&c->cv);
	} else {
		*x->err = c->err;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int start_compressors(struct export *x)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i;
	int rc;

	x->ncomp = cpus < 1 ? 1 : cpus > MAX_COMPRESSORS ? MAX_COMPRESSORS : (size_t)cpus;
	if (x->ncomp > x->nfiles)
		x->ncomp = x->nfiles;
	for (i = 0; i < x->ncomp; i++) {
		struct compressor *c = &x->comp[i];

		c->x = x;
		pthread_mutex_init(&c->mu, NULL);
		pthread_cond_init(&c->cv, NULL);
		if ((rc = pthread_create(&c->thread, NULL, compressor_main, c)) != 0)
			return lay_err_set(x->err, -rc, "cannot start a thread: %s", strerror(rc));
		c->started = 1;
	}
	return 0;
}

/* Stop the compressors once their queues are empty; the first failure. */
static int stop_compressors(struct export *x)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < x->ncomp; i++) {
		struct compressor *c = &x->comp[i];

		if (!c->started)
			continue;
		pthread_mutex_lock(&c->mu);
		c->stop = 1;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
		c->started = 0;
		if (c->rc && !rc) {
			rc = c->rc;
			*x->err = c->err;
		}
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
	}
	return rc;
}

/* Every stage to its compressor, and wait for them all. */
static int finish_compressors(struct export *x)
{
	size_t i;
	int rc = 0;

	int stopped;

	for (i = 0; i < x->nfiles && rc == 0; i++)
		rc = submit(x, i);
	stopped = stop_compressors(x);
	return rc < 0 ? rc : stopped;
}

static int emit(struct export *x, size_t fi, uint64_t size)
{
	int rc;

	if (x->prog && x->prog->cancel)
		return lay_err_set(x->err, -ECANCELED, "the export was stopped");
	if (lay_buf_add(&x->f[fi].stage, x->line.p, x->line.len) < 0)
		return lay_err_set(x->err, -ENOMEM, "out of memory");
	if (x->f[fi].stage.len >= STAGE_BYTES && (rc = submit(x, fi)) < 0)
		return rc;
	x->f[fi].items++;
	x->res->items++;
	x->res->bytes += size;
	if (x->prog) {
		x->prog->items++;
		x->prog->bytes += size;
	}
	return 0;
}

/* ---- full export ---- */

struct page {
	struct export *x;
	const lay_value *pk;     /* the partition listed (NULL: the top level) */
	lay_item keep;           /* holds last and the partitions of the page */
	lay_value last;          /* the page's last key: where the next starts */
	lay_value *parts;        /* top level of a table with sort key */
	size_t n;
};

static int page_entry(void *vctx, const eng_entry *e)
{
	struct page *pg = vctx;
	struct export *x = pg->x;
	size_t fi;
	int rc;

	if (lay_value_copy(&pg->keep, &pg->last, e->key) < 0)
		return lay_err_set(x->err, -ENOMEM, "out of memory");
	pg->n++;
	if (e->is_partition) {
		if (lay_value_copy(&pg->keep, &pg->parts[pg->n - 1], e->key) < 0)
			return lay_err_set(x->err, -ENOMEM, "out of memory");
		return 0;
	}
	x->line.len = 0;
	if ((rc = pick_file(x, pg->pk ? pg->pk : e->key, &fi)) < 0)
		return rc;
	if (lay_export_item_line(&x->line, e->item, x->o->format) < 0)
		return lay_err_set(x->err, -ENOMEM, "out of memory");
	return emit(x, fi, e->meta ? e->meta->size : lay_item_size(e->item));
}

/* List one level (pk NULL: the top) page by page; for each page of
 * partitions, export each partition. */
static int export_level(struct export *x, const lay_value *pk)
{
	lay_item prev = LAY_ITEM_INIT;
	lay_value after;
	int have_after = 0, rc = 0;
	size_t i;

	for (;;) {
		struct page pg = { .x = x, .pk = pk, .keep = LAY_ITEM_INIT };

		if (!pk && x->info.schema.sk_type &&
		    !(pg.parts = lay_item_alloc(&pg.keep, EXPORT_PAGE * sizeof(lay_value)))) {
			rc = lay_err_set(x->err, -ENOMEM, "out of memory");
			break;
		}
		rc = eng_list(x->db, &x->rq, x->o->table, pk, have_after ? &after : NULL, EXPORT_PAGE,
			      ENG_LIST_ITEMS, page_entry, &pg, x->err);
		for (i = 0; rc == 0 && pg.parts && i < pg.n; i++)
			rc = export_level(x, &pg.parts[i]);
		lay_item_free(&prev);
		prev = pg.keep;
		after = pg.last;
		have_after = 1;
		if (rc < 0 || pg.n < EXPORT_PAGE)
			break;
	}
	lay_item_free(&prev);
	return rc;
}

/* ---- incremental export ---- */

/* The keys changed in the window, with the time of each one's last change. */
struct changed {
	lay_buf keys;            /* their encodings, one after another */
	struct chg { uint64_t hash; size_t off, len; int64_t time_ns; } *e;
	size_t *slot;            /* open addressing: index + 1, 0 empty */
	size_t n, cap;           /* e's; slots are 2 * cap */
	int64_t from, to;
	lay_err *err;
};

static int changed_grow(struct changed *c)
{
	size_t cap = c->cap ? c->cap * 2 : 1024, i, j;
	struct chg *e = realloc(c->e, cap * sizeof(*e));
	size_t *slot;

	if (!e)
		return -ENOMEM;
	c->e = e;
	if (!(slot = calloc(2 * cap, sizeof(*slot))))
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		for (j = c->e[i].hash % (2 * cap); slot[j]; j = (j + 1) % (2 * cap))
			;
		slot[j] = i + 1;
	}
	free(c->slot);
	c->slot = slot;
	c->cap = cap;
	return 0;
}

static int changed_note(void *vctx, const eng_change *ch)
{
	struct changed *c = vctx;
	size_t at = c->keys.len, len, j;
	uint64_t h;

	if (ch->time_ns <= c->from || ch->time_ns > c->to)
		return 0;
	if (lay_keyenc(&c->keys, &ch->key->pk) < 0 ||
	    (ch->key->sk.type && lay_keyenc(&c->keys, &ch->key->sk) < 0))
		return lay_err_set(c->err, -ENOMEM, "out of memory");
	len = c->keys.len - at;
	h = lay_hash_mix(lay_fnv1a(LAY_FNV_INIT, c->keys.p + at, len));
	if (c->n == c->cap && changed_grow(c) < 0)
		return lay_err_set(c->err, -ENOMEM, "out of memory");
	for (j = h % (2 * c->cap); c->slot[j]; j = (j + 1) % (2 * c->cap)) {
		struct chg *e = &c->e[c->slot[j] - 1];

		if (e->hash == h && e->len == len && memcmp(c->keys.p + e->off, c->keys.p + at, len) == 0) {
			e->time_ns = ch->time_ns; /* records come in commit order */
			c->keys.len = at;
			return 0;
		}
	}
	c->e[c->n] = (struct chg){ h, at, len, ch->time_ns };
	c->slot[j] = ++c->n;
	return 0;
}

static int chg_cmp(const void *a, const void *b, void *keys)
{
	const char *sort_base = keys;
	const struct chg *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(sort_base + x->off, sort_base + y->off, n);

	return d ? d : (x->len > y->len) - (x->len < y->len);
}

/* The item with key key as of t into *out; 1 if there was none. */
static int image_at(struct export *x, const lay_key *key, int64_t t, lay_item *out)
{
	eng_req rq = { .view = ENG_VIEW_AS_OF, .as_of_ns = t };
	int rc = eng_item_get(x->db, &rq, x->o->table, key, out, NULL, x->err);

	if (rc == -ENOENT) {
		lay_err_clear(x->err);
		return 1;
	}
	return rc;
}

static int export_changes(struct export *x)
{
	const lay_schema *ks = &x->info.schema;
	struct changed c = { .keys = LAY_BUF_INIT, .from = x->o->from_ns, .to = x->o->to_ns,
			     .err = x->err };
	size_t i, used, fi;
	int rc;

	if ((rc = eng_log_read(x->db, x->o->table, 0, 0, changed_note, &c, x->err)) < 0)
		goto out;
	if (c.n)
		qsort_r(c.e, c.n, sizeof(*c.e), chg_cmp, c.keys.p);
	if (x->prog)
		x->prog->total_items = c.n;
	for (i = 0; i < c.n && rc == 0; i++) {
		lay_item keys = LAY_ITEM_INIT, old = LAY_ITEM_INIT, now = LAY_ITEM_INIT;
		const char *p = c.keys.p + c.e[i].off;
		int no_old, no_new;
		lay_key key;

		memset(&key, 0, sizeof(key));
		rc = lay_keydec(&keys, &key.pk, &used, ks->pk_type, p, c.e[i].len);
		if (rc == 0 && ks->sk_type)
			rc = lay_keydec(&keys, &key.sk, &used, ks->sk_type, p + used, c.e[i].len - used);
		if (rc < 0) {
			rc = lay_err_set(x->err, rc, "a changed key does not decode");
			goto next;
		}
		if ((no_old = image_at(x, &key, x->o->from_ns, &old)) < 0 ||
		    (no_new = image_at(x, &key, x->o->to_ns, &now)) < 0) {
			rc = no_old < 0 ? no_old : no_new;
			goto next;
		}
		if (no_old && no_new)
			goto next; /* made and deleted inside the window */
		if ((rc = lay_item_set_key(&keys, ks, &key, 1, x->err)) < 0 ||
		    (rc = pick_file(x, &key.pk, &fi)) < 0)
			goto next;
		x->line.len = 0;
		if (lay_export_change_line(&x->line, c.e[i].time_ns / 1000, &keys,
					   no_old || x->o->new_image_only ? NULL : &old,
					   no_new ? NULL : &now, x->o->format) < 0) {
			rc = lay_err_set(x->err, -ENOMEM, "out of memory");
			goto next;
		}
		rc = emit(x, fi, no_new ? 0 : lay_item_size(&now));
next:
		lay_item_free(&keys);
		lay_item_free(&old);
		lay_item_free(&now);
	}
out:
	lay_buf_free(&c.keys);
	free(c.e);
	free(c.slot);
	return rc;
}

/* ---- the export ---- */

/* Check o against the table's PITR window at now; *when gets the time
 * the export reads as of. */
static int check_times(eng_db *db, const eng_export_opts *o, const eng_table_info *info,
		       int64_t now, int64_t *when, lay_err *err)
{
	int64_t earliest, latest;
	char a[64], b[64];
	int rc;

	if (!info->settings.pitr)
		return lay_err_set(err, -EINVAL,
				   "table %s has point-in-time recovery off: an export needs it on "
				   "(setfattr -n user.ddb.pitr -v on)", o->table);
	if ((rc = eng_table_pitr_window(db, o->table, &earliest, &latest, err)) < 0)
		return rc;
	if (!o->incremental) {
		int64_t t = o->time_ns ? o->time_ns : now;

		if (t < earliest || t > latest) {
			lay_time_iso(a, sizeof(a), earliest);
			lay_time_iso(b, sizeof(b), latest);
			return lay_err_set(err, -EINVAL,
					   "export time is outside the point-in-time recovery window "
					   "%s to %s", a, b);
		}
		*when = t;
		return 0;
	}
	if (o->to_ns <= o->from_ns)
		return lay_err_set(err, -EINVAL, "the export's end time must be after its start time");
	if (o->to_ns - o->from_ns < INCR_MIN_NS)
		return lay_err_set(err, -EINVAL,
				   "an incremental export's window must be at least 15 minutes");
	if (o->to_ns - o->from_ns > INCR_MAX_NS)
		return lay_err_set(err, -EINVAL,
				   "an incremental export's window must be at most 24 hours");
	if (o->from_ns < earliest || o->to_ns > latest) {
		lay_time_iso(a, sizeof(a), earliest);
		lay_time_iso(b, sizeof(b), latest);
		return lay_err_set(err, -EINVAL,
				   "the export's window must lie in the point-in-time recovery "
				   "window %s to %s", a, b);
	}
	*when = o->to_ns;
	return 0;
}

/* 1 if dir is db's guarded directory or inside it. */
static int in_guard(eng_db *db, const char *dir)
{
	char real[PATH_MAX];
	size_t n;

	if (!db->guard_dir || !realpath(dir, real))
		return 0;
	n = strlen(db->guard_dir);
	return strncmp(real, db->guard_dir, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

static int check(eng_db *db, const eng_export_opts *o, eng_table_info *info, int64_t now,
		 int64_t *when, lay_err *err)
{
	struct stat st;
	int rc;

	if ((rc = eng_table_get(db, NULL, o->table, info, err)) < 0 ||
	    (rc = check_times(db, o, info, now, when, err)) < 0)
		return rc;
	if (strlen(o->dir) > 2900 || (o->prefix && strlen(o->prefix) > 800))
		return lay_err_set(err, -ENAMETOOLONG, "the export directory's name is too long");
	if (o->prefix && (o->prefix[0] == '/' || strstr(o->prefix, "..")))
		return lay_err_set(err, -EINVAL, "the prefix %s must be relative, without \"..\"",
				   o->prefix);
	if (stat(o->dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return lay_err_set(err, -ENOENT, "%s is not a directory", o->dir);
	if (in_guard(db, o->dir))
		return lay_err_set(err, -EINVAL, "%s is in the mount of this database, where files "
				   "are items: export to a directory outside it", o->dir);
	if (access(o->dir, W_OK) < 0)
		return lay_err_set(err, -EACCES, "cannot write in %s", o->dir);
	return 0;
}

int eng_export_check(eng_db *db, const eng_export_opts *o, lay_err *err)
{
	eng_table_info info;
	int64_t when;

	return check(db, o, &info, eng_clock_now_ns(db->clock), &when, err);
}

/* Write the manifests and their checksums, the files last. */
static int write_manifests(struct export *x)
{
	const eng_export_opts *o = x->o;
	eng_export_result *r = x->res;
	lay_buf files = LAY_BUF_INIT, sum = LAY_BUF_INIT;
	char files_key[1300], arn[400], tid[64], hex[33];
	unsigned char md5[16];
	lay_export_summary s;
	size_t i;
	int rc = 0;

	for (i = 0; i < x->nfiles && rc == 0; i++) {
		lay_export_file f = { .item_count = x->f[i].items };

		memcpy(f.md5, x->f[i].md5, 16);
		snprintf(f.key, sizeof(f.key), "%s/data/%s.%s", x->key_dir, x->f[i].name,
			 lay_export_ext(o->format));
		rc = lay_export_file_render(&files, &f);
	}
	snprintf(files_key, sizeof(files_key), "%s/manifest-files.json", x->key_dir);
	snprintf(arn, sizeof(arn), "arn:aws:dynamodb:local:000000000000:table/%s", o->table);
	snprintf(tid, sizeof(tid), "00000000-0000-4000-8000-%012x", x->info.id);
	r->end_ns = eng_clock_now_ns(x->db->clock);
	s = (lay_export_summary){ .export_arn = r->arn, .table_arn = arn, .table_id = tid,
				  .bucket = o->dir, .prefix = o->prefix, .files_key = files_key,
				  .start_ns = r->start_ns, .end_ns = r->end_ns,
				  .export_ns = r->export_ns, .billed_bytes = r->bytes,
				  .item_count = r->items, .format = o->format,
				  .incremental = o->incremental, .from_ns = o->from_ns,
				  .to_ns = o->to_ns,
				  .view_name = o->new_image_only ? "NEW_IMAGE" : "NEW_AND_OLD_IMAGES" };
	if (rc == 0)
		rc = lay_export_summary_render(&sum, &s);
	if (rc < 0) {
		rc = lay_err_set(x->err, -ENOMEM, "out of memory");
		goto out;
	}
	eng_md5_buf(files.p, files.len, md5);
	lay_md5_hex(hex, md5);
	if ((rc = write_file(r->path, "manifest-files.json", files.p, files.len, x->err)) < 0 ||
	    (rc = write_file(r->path, "manifest-files.checksum", hex, 32, x->err)) < 0)
		goto out;
	eng_md5_buf(sum.p, sum.len, md5);
	lay_md5_hex(hex, md5);
	if ((rc = write_file(r->path, "manifest-summary.json", sum.p, sum.len, x->err)) < 0)
		goto out;
	rc = write_file(r->path, "manifest-summary.checksum", hex, 32, x->err);
out:
	lay_buf_free(&files);
	lay_buf_free(&sum);
	return rc;
}

static int open_files(struct export *x)
{
	uint64_t size = x->info.size_bytes;
	char path[4400];
	char seed[400];
	size_t i;
	int rc;

	snprintf(seed, sizeof(seed), "%s/%" PRId64 "/%" PRId64 "/%d", x->o->table,
		 x->res->export_ns, x->o->incremental ? x->o->from_ns : 0, (int)x->o->format);
	x->nfiles = (size_t)((size + EXPORT_FILE_BYTES - 1) / EXPORT_FILE_BYTES);
	if (x->nfiles < 1)
		x->nfiles = 1;
	if (x->nfiles > EXPORT_MAX_FILES)
		x->nfiles = EXPORT_MAX_FILES;
	for (i = 0; i < x->nfiles; i++) {
		file_name(x->f[i].name, seed, i);
		snprintf(path, sizeof(path), "%s/%s.%s", x->data_dir, x->f[i].name,
			 lay_export_ext(x->o->format));
		if ((rc = eng_zout_open(&x->f[i].z, path, x->o->level ? x->o->level : 1, x->err)) < 0)
			return rc;
	}
	return 0;
}

static int close_files(struct export *x)
{
	uint64_t size;
	size_t i;
	int rc = 0;

	for (i = 0; i < x->nfiles; i++) {
		if (rc == 0)
			rc = eng_zout_close(x->f[i].z, x->f[i].md5, &size, x->err);
		else
			eng_zout_abort(x->f[i].z);
		x->f[i].z = NULL;
	}
	return rc;
}

int eng_export(eng_db *db, eng_req *req, const eng_export_opts *o, eng_export_result *out,
	       eng_progress *prog, lay_err *err)
{
	struct export *x;
	int64_t now = eng_clock_now_ns(db->clock);
	char top[3900];
	size_t i;
	int rc;

	char id[sizeof(out->id)];

	(void)req;
	memcpy(id, out->id, sizeof(id));
	memset(out, 0, sizeof(*out));
	if (!(x = calloc(1, sizeof(*x))))
		return lay_err_set(err, -ENOMEM, "out of memory");
	*x = (struct export){ .db = db, .o = o, .res = out, .prog = prog, .line = LAY_BUF_INIT,
			      .kbuf = LAY_BUF_INIT, .err = err };
	out->start_ns = now;
	if ((rc = check(db, o, &x->info, now, &out->export_ns, err)) < 0)
		goto out;
	x->rq = (eng_req){ .view = ENG_VIEW_AS_OF, .as_of_ns = out->export_ns };
	if (prog && !o->incremental) {
		prog->total_items = x->info.item_count;
		prog->total_bytes = x->info.size_bytes;
	}
	if (id[0])
		memcpy(out->id, id, sizeof(id));
	else
		eng_clock_id(out->id, now);
	snprintf(out->arn, sizeof(out->arn), "arn:aws:dynamodb:local:000000000000:table/%s/export/%s",
		 o->table, out->id);
	snprintf(x->key_dir, sizeof(x->key_dir), "%s%sAWSDynamoDB/%s", o->prefix ? o->prefix : "",
		 o->prefix ? "/" : "", out->id);
	snprintf(top, sizeof(top), "%s/%s%sAWSDynamoDB", o->dir, o->prefix ? o->prefix : "",
		 o->prefix ? "/" : "");
	if ((rc = mkdir_p(top, err)) < 0)
		goto out;
	snprintf(out->path, sizeof(out->path), "%s/%s", top, out->id);
	if (mkdir(out->path, 0755) < 0) {
		rc = lay_err_set(err, -errno, "cannot create %s: %s", out->path, strerror(errno));
		out->path[0] = '\0';
		goto out;
	}
	snprintf(x->data_dir, sizeof(x->data_dir), "%s/data", out->path);
	if (mkdir(x->data_dir, 0755) < 0) {
		rc = lay_err_set(err, -errno, "cannot create %s: %s", x->data_dir, strerror(errno));
		goto fail;
	}
	if ((rc = write_file(out->path, "_started", "", 0, err)) < 0 || (rc = open_files(x)) < 0 ||
	    (rc = start_compressors(x)) < 0)
		goto fail;
	rc = o->incremental ? export_changes(x) : export_level(x, NULL);
	if (rc == 1)
		rc = 0;
	{
		int finished = finish_compressors(x);

		rc = rc < 0 ? rc : finished;
	}
	if ((rc = rc < 0 ? rc : close_files(x)) < 0)
		goto fail;
	out->files = x->nfiles;
	if ((rc = write_manifests(x)) < 0)
		goto fail;
	goto out;
fail:
	stop_compressors(x);
	for (i = 0; i < x->nfiles; i++)
		eng_zout_abort(x->f[i].z);
	remove_export(out->path);
out:
	for (i = 0; i < x->nfiles; i++)
		lay_buf_free(&x->f[i].stage);
	lay_buf_free(&x->line);
	lay_buf_free(&x->kbuf);
	free(x);
	return rc;
}
