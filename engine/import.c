/* Import (SPEC §13): files of DynamoDB JSON, Ion or CSV records, plain,
 * gzip or zstd, put into a new table (ImportTable) or an existing one (a
 * watched directory). Bad records are skipped and logged with file and
 * line; nothing is left of an import that imported nothing. */
#include "engine.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../layout/csv.h"
#include "../layout/export.h"
#include "../layout/ion.h"
#include "../layout/schema.h"
#include "journal.h"
#include "store.h"
#include "zio.h"

/* The longest line read; a longer one is a bad record. Twice an item's
 * limit, for JSON's quotes and braces around 400 KB of attributes. */
#define IMPORT_MAX_LINE ((size_t)2 * LAY_MAX_ITEM_SIZE)

/* Unmetered puts go in transactions of at most this many items or bytes. */
#define IMPORT_BATCH 512
#define IMPORT_BATCH_BYTES ((size_t)4 << 20)

/* A batch of items and where each came from. */
struct batch {
	lay_item *items;
	uint64_t *lines;
	const char **files;
	int *rcs;
	lay_err *errs;
	size_t n, bytes;
};

/* One file to import, with the MD5 an export's manifest gives it. */
struct src_file {
	char *path;
	int has_md5;
	unsigned char md5[16];
};

struct import {
	eng_db *db;
	eng_req rq;
	const eng_import_opts *o;
	eng_import_result *res;
	eng_progress *prog;
	lay_err *err;
	lay_schema ks;
	struct src_file *files;
	size_t nfiles, cap;
	FILE *log;
	/* unmetered imports: items parsed go in batches, each written in one
	 * transaction by the writer thread while the next one is parsed */
	int batched;
	struct batch b[2];
	struct batch *cur;       /* being filled */
	pthread_t writer;
	int writer_started;
	pthread_mutex_t mu;      /* the log and the counters; the hand-over */
	pthread_cond_t cv;
	struct batch *full;      /* handed to the writer, until it is written */
	int stop;                /* no more batches */
	int wrc;                 /* the writer's failure: the import ends */
	lay_err werr;
	lay_buf acc;             /* a record that spans lines */
	uint64_t acc_line;       /* its first line */
	lay_csv_row header, row;
	int have_header;
	uint64_t bytes_done;     /* of the files done */
};

static int add_file(struct import *im, const char *path)
{
	if (im->nfiles == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 16;
		struct src_file *f = realloc(im->files, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		im->files = f;
		im->cap = cap;
	}
	memset(&im->files[im->nfiles], 0, sizeof(im->files[0]));
	if (!(im->files[im->nfiles].path = strdup(path)))
		return -ENOMEM;
	im->nfiles++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under dir whose name does not start with '.', in name
 * order, depth first. */
static int walk(struct import *im, const char *dir, int depth)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	struct stat st;
	DIR *dh;
	int rc = 0;

	if (depth > 16)
		return 0;
	if (!(dh = opendir(dir)))
		return lay_err_set(im->err, -errno, "cannot read %s: %s", dir, strerror(errno));
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));

			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(d->d_name))) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(im, path, depth + 1);
		else if (S_ISREG(st.st_mode))
			rc = add_file(im, path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == -ENOMEM)
		lay_err_set(im->err, rc, "out of memory");
	return rc;
}

/* Read a small whole file (at most max bytes). */
static int slurp(const char *path, size_t max, lay_buf *out, lay_err *err)
{
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return lay_err_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (out->len + n > max || lay_buf_add(out, buf, n) < 0) {
			fclose(f);
			return lay_err_set(err, -EFBIG, "%s is too large for a manifest", path);
		}
	}
	fclose(f);
	return 0;
}

/* Read file name of the export at dir and check it against its .checksum. */
static int manifest(const char *dir, const char *name, lay_buf *out, lay_err *err)
{
	lay_buf sum = LAY_BUF_INIT;
	char path[4200];
	unsigned char md5[16], want[16];
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if ((rc = slurp(path, (size_t)64 << 20, out, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s.checksum", dir, name);
	if ((rc = slurp(path, 4096, &sum, err)) < 0)
		return rc;
	for (len = sum.len; len && (sum.p[len - 1] == '\n' || sum.p[len - 1] == ' '); len--)
		;
	eng_md5_buf(out->p, out->len, md5);
	if (lay_md5_unhex(want, sum.p, len) < 0)
		rc = lay_err_set(err, -EINVAL, "%s holds no MD5 checksum", path);
	else if (memcmp(md5, want, 16) != 0)
		rc = lay_err_set(err, -EINVAL, "%s/%s.json does not match its checksum %s: "
				 "the export is damaged", dir, name, path);
	lay_buf_free(&sum);
	return rc;
}

/* The files of a whole export at dir (its manifests checked). */
static int export_files(struct import *im, const char *dir)
{
	lay_buf sum = LAY_BUF_INIT, files = LAY_BUF_INIT;
	const cJSON *fmt, *type;
	char path[4400];
	cJSON *j = NULL;
	size_t at, end;
	int rc;

	if ((rc = manifest(dir, "manifest-summary", &sum, im->err)) < 0 ||
	    (rc = manifest(dir, "manifest-files", &files, im->err)) < 0)
		goto out;
	if (!(j = cJSON_ParseWithLength(sum.p, sum.len))) {
		rc = lay_err_set(im->err, -EINVAL, "%s/manifest-summary.json is not JSON", dir);
		goto out;
	}
	fmt = cJSON_GetObjectItemCaseSensitive(j, "outputFormat");
	type = cJSON_GetObjectItemCaseSensitive(j, "exportType");
	if (cJSON_IsString(type) && strcmp(type->valuestring, "INCREMENTAL_EXPORT") == 0) {
		rc = lay_err_set(im->err, -EINVAL, "%s is an incremental export: only a full export "
				 "makes a table", dir);
		goto out;
	}
	if (cJSON_IsString(fmt) &&
	    strcmp(fmt->valuestring, im->o->format == ENG_IMPORT_ION ? "ION" : "DYNAMODB_JSON") != 0) {
		rc = lay_err_set(im->err, -EINVAL, "the export at %s is in %s, not the format asked for",
				 dir, fmt->valuestring);
		goto out;
	}
	for (at = 0; at < files.len; at = end + 1) {
		lay_export_file f;
		const char *base;

		for (end = at; end < files.len && files.p[end] != '\n'; end++)
			;
		if (end == at)
			continue;
		if ((rc = lay_export_file_parse(&f, files.p + at, end - at, im->err)) < 0)
			goto out;
		base = strrchr(f.key, '/');
		snprintf(path, sizeof(path), "%s/data/%s", dir, base ? base + 1 : f.key);
		if ((rc = add_file(im, path)) < 0) {
			lay_err_set(im->err, rc, "out of memory");
			goto out;
		}
		im->files[im->nfiles - 1].has_md5 = 1;
		memcpy(im->files[im->nfiles - 1].md5, f.md5, 16);
	}
out:
	cJSON_Delete(j);
	lay_buf_free(&sum);
	lay_buf_free(&files);
	return rc;
}

static int is_export(const char *dir)
{
	char path[4600];

	snprintf(path, sizeof(path), "%s/manifest-summary.json", dir);
	return access(path, F_OK) == 0;
}

/* How many exports dir holds as subdirectories; one's path in one. */
static int exports_in(const char *dir, char *one, size_t size)
{
	char path[4500];
	struct dirent *d;
	DIR *dh;
	int found = 0;

	if (!(dh = opendir(dir)))
		return 0;
	while ((d = readdir(dh)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			if (is_export(path)) {
				found++;
				snprintf(one, size, "%s", path);
			}
		}
	closedir(dh);
	return found;
}

/* The files to import, all found (and an export's manifests checked)
 * before anything is created. */
static int find_files(struct import *im)
{
	const char *src = im->o->src;
	char sub[4200], one[4500];
	struct stat st;
	int found, i, rc;

	if (stat(src, &st) < 0)
		return lay_err_set(im->err, -ENOENT, "%s: %s", src, strerror(errno));
	if (im->o->one_file)
		return add_file(im, im->o->one_file) < 0 ? lay_err_set(im->err, -ENOMEM, "out of memory")
							 : 0;
	if (!S_ISDIR(st.st_mode))
		return add_file(im, src) < 0 ? lay_err_set(im->err, -ENOMEM, "out of memory") : 0;
	if (is_export(src))
		return export_files(im, src);
	/* DIR/AWSDynamoDB/<id>/, or AWSDynamoDB/<id>/ itself, holding one export */
	for (i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), i ? "%s" : "%s/AWSDynamoDB", src);
		if ((found = exports_in(sub, one, sizeof(one))) == 1)
			return export_files(im, one);
		if (found > 1)
			return lay_err_set(im->err, -EINVAL, "%s holds %d exports: name one of them "
					   "(%s/ExportId)", sub, found, sub);
	}
	if ((rc = walk(im, src, 0)) < 0)
		return rc;
	if (!im->nfiles)
		return lay_err_set(im->err, -ENOENT, "%s holds no file to import", src);
	/* an export deeper down (under a prefix) is not data: name it */
	for (i = 0; i < (int)im->nfiles; i++) {
		const char *base = strrchr(im->files[i].path, '/');

		if (base && strcmp(base + 1, "manifest-summary.json") == 0)
			return lay_err_set(im->err, -EINVAL, "%s holds a DynamoDB export at %.*s: "
					   "import that directory", src,
					   (int)(base - im->files[i].path), im->files[i].path);
	}
	return 0;
}

/* Log a bad record or file: FILE:LINE: message. */
static void bad_locked(struct import *im, const char *file, uint64_t line, const char *msg)
{
	char dir[4300], text[1024];
	size_t used;

	im->res->errors++;
	if (!im->log) {
		snprintf(dir, sizeof(dir), "%s/imports", im->db->dir);
		mkdir(dir, 0755);
		snprintf(im->res->log, sizeof(im->res->log), "%s/%s.log", dir, im->res->id);
		if (!(im->log = fopen(im->res->log, "a")))
			im->res->log[0] = '\0';
	}
	if (line)
		snprintf(text, sizeof(text), "%s:%" PRIu64 ": %s\n", file, line, msg);
	else
		snprintf(text, sizeof(text), "%s: %s\n", file, msg);
	used = strlen(im->res->first_errors);
	if (used + strlen(text) < sizeof(im->res->first_errors))
		memcpy(im->res->first_errors + used, text, strlen(text) + 1);
	if (im->log)
		fputs(text, im->log);
}

static void bad(struct import *im, const char *file, uint64_t line, const char *msg)
{
	pthread_mutex_lock(&im->mu);
	bad_locked(im, file, line, msg);
	pthread_mutex_unlock(&im->mu);
}

static int csv_header_opt(struct import *im)
{
	const char *h = im->o->csv_header;
	lay_err e = { 0 };

	if (!h)
		return 0;
	if (lay_csv_split(&im->header, h, strlen(h), ',', &e) < 0)
		return lay_err_set(im->err, -EINVAL, "--csv-header: %s", e.msg);
	im->have_header = 1;
	return 0;
}

/* A CSV header that cannot make items is the file's fault: -EBADMSG, with
 * the header as found (a stray byte order mark or space shows there). */
static int check_header(struct import *im, lay_err *e)
{
	lay_buf names = LAY_BUF_INIT;
	lay_err why = { 0 };
	size_t i;

	if (lay_csv_header_check(&im->header, &im->ks, &why) == 0)
		return 0;
	for (i = 0; i < im->header.n && names.len < 200; i++)
		if ((i && lay_buf_addc(&names, ',') < 0) ||
		    lay_buf_adds(&names, lay_csv_field(&im->header, i)) < 0)
			break;
	lay_err_set(e, -EBADMSG, "%s; the header is \"%.200s\": no row of the file can be imported",
		    why.msg, names.p ? names.p : "");
	lay_buf_free(&names);
	return -EBADMSG;
}

/* Turn one record's text into an item: 0, 1 (nothing: a blank line or a
 * CSV header), -EAGAIN (it goes on on the next line), -EBADMSG (the file
 * cannot be imported: a bad CSV header), < 0 (bad, in e). */
static int record(struct import *im, const char *text, size_t len, lay_item *out, lay_err *e)
{
	char delim = im->o->csv_delim ? im->o->csv_delim : ',';
	int rc;

	switch (im->o->format) {
	case ENG_IMPORT_DDB:
		return lay_export_parse_ddb(out, text, len, e);
	case ENG_IMPORT_ION:
		if (len >= 4 && memcmp(text, "\xe0\x01\x00\xea", 4) == 0)
			return lay_err_set(e, -EBADMSG, "the file is binary Ion: ddbfs reads Ion "
					   "text, as DynamoDB's exports write it");
		return lay_ion_parse_record(out, text, len, e);
	case ENG_IMPORT_CSV:
		if (len == 0)
			return 1;
		if ((rc = lay_csv_split(&im->row, text, len, delim, e)) < 0) {
			if (rc == -EINVAL && !im->have_header) {
				lay_err why = *e;

				lay_err_set(e, -EBADMSG, "the CSV header cannot be read (%s): no row "
					    "of the file can be imported", why.msg);
				return -EBADMSG;
			}
			return rc;
		}
		if (!im->have_header) {
			lay_csv_row t = im->header;

			im->header = im->row;
			im->row = t;
			im->have_header = 1;
			return check_header(im, e) < 0 ? -EBADMSG : 1;
		}
		return lay_csv_item(out, &im->header, &im->row, &im->ks, e);
	}
	return lay_err_set(e, -EINVAL, "unknown format");
}

static void progress(struct import *im, eng_zin *z)
{
	if (!im->prog)
		return;
	im->prog->items = im->res->processed_items;
	im->prog->bytes = im->bytes_done + eng_zin_bytes_in(z);
}

/* The database's own failures (or the table's going) end an import; an
 * item's do not. */
static int fatal(int rc)
{
	return rc == -ENOSPC || rc == -EIO || rc == -ENOMEM || rc == -ENOENT || rc == -EAGAIN ||
	       rc == -ECANCELED;
}

/* Free a batch's items: one written, or given up. */
static void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		lay_item_free(&b->items[i]);
	b->n = 0;
	b->bytes = 0;
}

/* Write batch b: each item imported or logged as bad. The writer's. */
static int write_batch(struct import *im, struct batch *b, lay_err *err)
{
	eng_req rq = im->rq;
	size_t i;
	int rc;

	rc = eng_item_put_many(im->db, &rq, im->o->table, b->items, b->n, b->rcs, b->errs, err);
	pthread_mutex_lock(&im->mu);
	for (i = 0; i < b->n; i++) {
		if (rc == 0 && b->rcs[i] == 0)
			im->res->imported_items++;
		else if (rc == 0)
			bad_locked(im, b->files[i], b->lines[i], b->errs[i].msg);
	}
	pthread_mutex_unlock(&im->mu);
	/* the items are freed by the parser, which waits less */
	return rc;
}

static void *writer_main(void *arg)
{
	struct import *im = arg;
	struct batch *b;
	lay_err err = { 0 };
	int rc;

	for (;;) {
		pthread_mutex_lock(&im->mu);
		while (!im->full && !im->stop)
			pthread_cond_wait(&im->cv, &im->mu);
		b = im->full;
		pthread_mutex_unlock(&im->mu);
		if (!b)
			return NULL;
		rc = im->wrc ? 0 : write_batch(im, b, &err);
		pthread_mutex_lock(&im->mu);
		if (rc < 0 && !im->wrc) {
			im->wrc = rc;
			im->werr = err;
		}
		im->full = NULL;
		pthread_cond_broadcast(&im->cv);
		pthread_mutex_unlock(&im->mu);
	}
}

/* Hand the batch being filled to the writer (once it is done with the one
 * before) and go on with the other. The writer's failure, if any. */
static int hand_over(struct import *im)
{
	int rc;

	pthread_mutex_lock(&im->mu);
	while (im->full)
		pthread_cond_wait(&im->cv, &im->mu);
	if (im->cur->n && !im->wrc) {
		im->full = im->cur;
		im->cur = im->cur == &im->b[0] ? &im->b[1] : &im->b[0];
		pthread_cond_broadcast(&im->cv);
	}
	rc = im->wrc;
	if (rc)
		*im->err = im->werr;
	pthread_mutex_unlock(&im->mu);
	batch_clear(im->cur); /* written before, or never handed over */
	return rc;
}

/* Wait until every batch handed over is written. */
static int drain(struct import *im)
{
	int rc;

	if ((rc = hand_over(im)) < 0)
		return rc;
	pthread_mutex_lock(&im->mu);
	while (im->full)
		pthread_cond_wait(&im->cv, &im->mu);
	rc = im->wrc;
	if (rc)
		*im->err = im->werr;
	pthread_mutex_unlock(&im->mu);
	return rc;
}

/* Put one item (taken: freed here): into the batch, or at once when the
 * puts are metered. < 0 only for a failure that ends the import. */
static int put(struct import *im, lay_item *it, const char *file, uint64_t line)
{
	eng_req rq = im->rq;
	struct batch *b = im->cur;
	lay_err e = { 0 };
	int rc;

	if (im->batched) {
		b->bytes += lay_item_size(it);
		b->lines[b->n] = line;
		b->files[b->n] = file;
		b->items[b->n++] = *it;
		*it = (lay_item)LAY_ITEM_INIT;
		if (b->n == IMPORT_BATCH || b->bytes >= IMPORT_BATCH_BYTES)
			return hand_over(im);
		return 0;
	}
	rc = eng_item_put(im->db, &rq, im->o->table, it, NULL, 0, NULL, NULL, &e);
	lay_item_free(it);
	if (rc == 0) {
		pthread_mutex_lock(&im->mu);
		im->res->imported_items++;
		pthread_mutex_unlock(&im->mu);
		return 0;
	}
	bad(im, file, line, e.msg);
	if (fatal(rc)) {
		*im->err = e;
		return rc;
	}
	return 0;
}

static int batch_new(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	return (b->items = calloc(IMPORT_BATCH, sizeof(*b->items))) &&
		       (b->lines = calloc(IMPORT_BATCH, sizeof(*b->lines))) &&
		       (b->files = calloc(IMPORT_BATCH, sizeof(*b->files))) &&
		       (b->rcs = calloc(IMPORT_BATCH, sizeof(*b->rcs))) &&
		       (b->errs = calloc(IMPORT_BATCH, sizeof(*b->errs)))
		       ? 0
		       : -ENOMEM;
}

static void batch_free(struct batch *b)
{
	batch_clear(b);
	free(b->items);
	free(b->lines);
	free(b->files);
	free(b->rcs);
	free(b->errs);
}

/* A failure of the machine (a read error, no memory), not of the file's
 * data: it ends the import, which may succeed whole when run again, where
 * a fault of the data would only be logged and counted. */
static int not_the_data(struct import *im, int rc, const lay_err *e)
{
	if (rc != -EIO && rc != -ENOMEM)
		return 0;
	*im->err = *e;
	return 1;
}

/* Import one file. Only a failure of the database or of the machine ends
 * the import: the file's own faults are logged and counted. */
static int import_file(struct import *im, const struct src_file *f)
{
	eng_zin *z = NULL;
	const char *line, *text;
	size_t len, tlen;
	lay_err e = { 0 };
	uint64_t lno;
	int rc;

	if (f->has_md5) {
		unsigned char md5[16];

		if ((rc = eng_md5_file(f->path, md5, &e)) < 0 ||
		    (memcmp(md5, f->md5, 16) != 0 &&
		     lay_err_set(&e, -EINVAL, "the file does not match the MD5 checksum "
				 "manifest-files.json gives it") < 0)) {
			if (not_the_data(im, rc, &e))
				return rc;
			bad(im, f->path, 0, e.msg);
			return 0;
		}
	}
	if ((rc = eng_zin_open(&z, f->path, IMPORT_MAX_LINE, &e)) < 0) {
		if (not_the_data(im, rc, &e))
			return rc;
		bad(im, f->path, 0, e.msg);
		return 0;
	}
	if (!im->o->csv_header)
		im->have_header = 0; /* each CSV file opens with its header */
	else if (im->o->format == ENG_IMPORT_CSV && (rc = check_header(im, &e)) < 0) {
		bad(im, f->path, 0, e.msg);
		eng_zin_close(z);
		return 0;
	}
	im->acc.len = 0;
	for (;;) {
		lay_item it = LAY_ITEM_INIT;

		if (im->prog && im->prog->cancel) {
			rc = lay_err_set(im->err, -ECANCELED, "the import was stopped");
			goto out;
		}
		if ((rc = eng_zin_line(z, &line, &len, &e)) == 0) {
			if (im->acc.len) {
				im->res->processed_items++;
				bad(im, f->path, im->acc_line, "the file ends inside a record");
			}
			break;
		}
		lno = eng_zin_line_no(z);
		if (rc == -EFBIG && !eng_zin_failed(z)) {
			/* a line over the limit: one bad record */
			if (im->acc.len) {
				im->res->processed_items++;
				bad(im, f->path, im->acc_line, "the record goes on into a line over "
				    "the limit");
				im->acc.len = 0;
			}
			im->res->processed_items++;
			bad(im, f->path, lno, e.msg);
			continue;
		}
		if (rc < 0) {
			if (not_the_data(im, rc, &e))
				goto out;
			if (im->acc.len)
				im->res->processed_items++;
			bad(im, f->path, im->acc.len ? im->acc_line : lno, e.msg);
			break;
		}
		if (lno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3; /* a UTF-8 byte order mark, as spreadsheets write */
			len -= 3;
		}
		text = line;
		tlen = len;
		if (im->acc.len) {
			if (im->acc.len + 1 + len > IMPORT_MAX_LINE ||
			    lay_buf_addc(&im->acc, '\n') < 0 || lay_buf_add(&im->acc, line, len) < 0) {
				im->res->processed_items++;
				bad(im, f->path, im->acc_line, "a record is longer than the limit");
				im->acc.len = 0;
				continue;
			}
			text = im->acc.p;
			tlen = im->acc.len;
		}
		rc = record(im, text, tlen, &it, &e);
		if (rc == -EAGAIN) {
			if (!im->acc.len) {
				im->acc_line = lno;
				if (lay_buf_add(&im->acc, line, len) < 0) {
					lay_item_free(&it);
					rc = lay_err_set(im->err, -ENOMEM, "out of memory");
					goto out;
				}
			}
			lay_item_free(&it);
			continue;
		}
		lno = im->acc.len ? im->acc_line : lno;
		im->acc.len = 0;
		if (rc == -EBADMSG) {
			lay_item_free(&it);
			bad(im, f->path, lno, e.msg);
			break;
		}
		if (rc == 1) {
			lay_item_free(&it);
			continue;
		}
		im->res->processed_items++;
		if (rc == 0) {
			if ((rc = put(im, &it, f->path, lno)) < 0)
				goto out;
		} else if (not_the_data(im, rc, &e)) {
			lay_item_free(&it);
			goto out;
		} else {
			lay_item_free(&it);
			bad(im, f->path, lno, e.msg);
		}
		if ((im->res->processed_items & 1023) == 0)
			progress(im, z);
	}
	rc = 0;
out:
	im->res->processed_bytes += eng_zin_bytes_out(z);
	progress(im, z);
	im->bytes_done += eng_zin_bytes_in(z);
	eng_zin_close(z);
	return rc;
}

/* The table must not exist when it is to be made, and must exist else. */
static int check_table(eng_db *db, const eng_import_opts *o, lay_err *err)
{
	eng_table_info info;
	int rc = eng_table_get(db, NULL, o->table, &info, err);

	if (o->schema && rc == 0)
		return lay_err_set(err, -EEXIST, "table %s already exists", o->table);
	if (o->schema && rc == -ENOENT) {
		lay_err_clear(err);
		return lay_table_name_check(o->table, strlen(o->table), err);
	}
	return rc;
}

int eng_import_check(eng_db *db, const eng_import_opts *o, lay_err *err)
{
	struct import im = { .db = db, .o = o, .err = err };
	size_t i;
	int rc;

	if ((rc = check_table(db, o, err)) == 0)
		rc = find_files(&im);
	for (i = 0; i < im.nfiles; i++)
		free(im.files[i].path);
	free(im.files);
	return rc;
}

int eng_import(eng_db *db, eng_req *req, const eng_import_opts *o, eng_import_result *out,
	       eng_progress *prog, lay_err *err)
{
	struct import im = { .db = db, .o = o, .res = out, .prog = prog, .err = err,
			     .acc = LAY_BUF_INIT, .header = LAY_CSV_ROW_INIT,
			     .row = LAY_CSV_ROW_INIT };
	eng_table_info info;
	lay_buf q1 = LAY_BUF_INIT, q2 = LAY_BUF_INIT;
	uint64_t total = 0;
	struct stat st;
	size_t i;
	int rc;

	char id[sizeof(out->id)];

	pthread_mutex_init(&im.mu, NULL);
	pthread_cond_init(&im.cv, NULL);
	memcpy(id, out->id, sizeof(id));
	memset(out, 0, sizeof(*out));
	out->start_ns = eng_clock_now_ns(db->clock);
	if (id[0])
		memcpy(out->id, id, sizeof(id));
	else
		eng_clock_id(out->id, out->start_ns);
	snprintf(out->arn, sizeof(out->arn), "arn:aws:dynamodb:local:000000000000:table/%s/import/%s",
		 o->table, out->id);
	im.rq = req ? *req : (eng_req){ .source = ENG_SRC_IMPORT };
	im.rq.view = ENG_VIEW_LIVE;
	im.batched = im.rq.source != ENG_SRC_FILE && im.rq.source != ENG_SRC_API;
	if (im.batched) {
		if (batch_new(&im.b[0]) < 0 || batch_new(&im.b[1]) < 0) {
			rc = lay_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		im.cur = &im.b[0];
		if ((rc = pthread_create(&im.writer, NULL, writer_main, &im)) != 0) {
			rc = lay_err_set(err, -rc, "cannot start a thread: %s", strerror(rc));
			goto out;
		}
		im.writer_started = 1;
	}
	if ((rc = check_table(db, o, err)) < 0 || (rc = csv_header_opt(&im)) < 0 ||
	    (rc = find_files(&im)) < 0)
		goto out;
	if (o->schema) {
		if ((rc = eng_table_create(db, &im.rq, o->table, o->schema, NULL, err)) < 0)
			goto out;
		out->table_created = 1;
	}
	if ((rc = eng_table_get(db, NULL, o->table, &info, err)) < 0)
		goto out_drop;
	im.ks = info.schema;
	for (i = 0; i < im.nfiles; i++)
		if (stat(im.files[i].path, &st) == 0)
			total += (uint64_t)st.st_size;
	if (prog)
		prog->total_bytes = total;
	/* the map grown once for about what comes, not step by step under the
	 * writer (a guess: the files' size, at most 1 GiB; if the disk cannot
	 * hold it, the writes grow the map as they go) */
	{
		lay_err e = { 0 };

		store_make_room(db, total < ((uint64_t)1 << 30) ? (size_t)total : (size_t)1 << 30, &e);
	}
	for (i = 0; i < im.nfiles && rc == 0; i++)
		rc = import_file(&im, &im.files[i]);
	if (im.batched) {
		int wrc = drain(&im);

		rc = rc < 0 ? rc : wrc;
	}
	if (rc == 0 && out->imported_items == 0 && out->errors)
		rc = lay_err_set(err, -EINVAL, "no item imported: %" PRIu64 " error%s (see %s)",
				 out->errors, out->errors == 1 ? "" : "s", out->log);
	else if (rc == 0 && out->imported_items == 0 && out->table_created)
		rc = lay_err_set(err, -EINVAL, "%s holds no item to import", o->src);
out_drop:
	/* all or nothing: a failed import leaves no table it made; one stopped
	 * on purpose keeps what it imported, and says how much */
	if (rc < 0 && out->table_created && (rc != -ECANCELED || out->imported_items == 0)) {
		lay_err e = { 0 };

		if (eng_table_drop(db, &im.rq, o->table, &e) == 0)
			out->table_created = 0;
	}
	out->end_ns = eng_clock_now_ns(db->clock);
	store_journal_add(db, out->end_ns, "Import", o->table,
			  ",\"ImportId\":\"%s\",\"Source\":%s,\"Status\":\"%s\","
			  "\"ProcessedItemCount\":%" PRIu64 ",\"ImportedItemCount\":%" PRIu64
			  ",\"ErrorCount\":%" PRIu64 ",\"Log\":%s",
			  out->id, store_journal_quote(&q1, o->src), rc < 0 ? "FAILED" : "COMPLETED",
			  out->processed_items, out->imported_items, out->errors,
			  store_journal_quote(&q2, out->log));
out:
	if (im.log)
		fclose(im.log);
	for (i = 0; i < im.nfiles; i++)
		free(im.files[i].path);
	free(im.files);
	if (im.writer_started) {
		pthread_mutex_lock(&im.mu);
		im.stop = 1;
		pthread_cond_broadcast(&im.cv);
		pthread_mutex_unlock(&im.mu);
		pthread_join(im.writer, NULL);
	}
	batch_free(&im.b[0]);
	batch_free(&im.b[1]);
	pthread_mutex_destroy(&im.mu);
	pthread_cond_destroy(&im.cv);
	lay_buf_free(&im.acc);
	lay_buf_free(&q1);
	lay_buf_free(&q2);
	lay_csv_row_free(&im.header);
	lay_csv_row_free(&im.row);
	return rc;
}
