/* ddbfs export and ddbfs import (SPEC §13): DynamoDB's export and import,
 * asked of a mounted ddbfs through .ddbfs/api and followed until done;
 * and a watched directory whose files are imported as they land. */
#include "transfer.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../layout/buf.h"
#include "../layout/json.h"
#include "client.h"

static const char export_usage[] =
	"usage: ddbfs export MNT/TABLE DIR [--time T] [--format ddb|ion] [--prefix P] [--quiet]\n"
	"       ddbfs export MNT/TABLE DIR --from T1 --to T2 [--view NEW_AND_OLD_IMAGES|NEW_IMAGE]\n"
	"                    [--format ddb|ion] [--prefix P] [--quiet]\n"
	"\n"
	"Exports TABLE as DynamoDB exports to S3: DIR/[P/]AWSDynamoDB/ExportId/ with\n"
	"manifest-summary.json, manifest-files.json, their .checksum files, _started\n"
	"and data/*.json.gz (DynamoDB JSON) or data/*.ion.gz (Ion). The table's PITR\n"
	"must be on (setfattr -n user.ddb.pitr -v on MNT/TABLE). A full export holds\n"
	"the items as of T (default: now; any time in the PITR window). --from/--to\n"
	"writes an incremental export: the last change of each item changed in\n"
	"(T1, T2], 15 minutes to 24 hours. Times are epoch seconds or ISO 8601 UTC\n"
	"(2026-11-27T07:00:00Z). Prints the ExportDescription as JSON.\n";

static const char import_usage[] =
	"usage: ddbfs import SRC MNT NEWTABLE --format csv|ddb|ion --pk ATTR:TYPE [--sk ATTR:TYPE]\n"
	"                    [--csv-header a,b,c] [--csv-delimiter C] [--quiet]\n"
	"       ddbfs import --watch DIR MNT/TABLE --format csv|ddb|ion\n"
	"                    [--csv-header a,b,c] [--csv-delimiter C] [--quiet]\n"
	"\n"
	"Creates NEWTABLE from SRC: a file, a directory of files, or a DynamoDB\n"
	"export (its AWSDynamoDB/ExportId directory, checked against its manifests).\n"
	"Files may be plain, gzip or zstd. Records: DynamoDB JSON lines\n"
	"{\"Item\":{...}}, Ion {Item:{...}}, or CSV (non-key columns become strings;\n"
	"the first line of each file is its header unless --csv-header). Bad records\n"
	"are skipped and logged with file and line. Costs no capacity, writes no\n"
	"stream record. Prints the ImportTableDescription as JSON; exits 0 when\n"
	"every record imported, 3 when some failed, 1 when the import failed.\n"
	"--watch imports each file that lands in DIR (closed or moved in) into the\n"
	"existing TABLE as ordinary puts, until interrupted; finished files are\n"
	"noted in DIR/.ddbfs-import.done, failed ones moved to DIR/.failed/ with a\n"
	"NAME.log beside them.\n";

/* Epoch seconds (fractions allowed) or ISO 8601 UTC, as a JSON number. */
static int parse_time(const char *s, char *out, size_t size)
{
	struct tm tm;
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*end && end != s && !errno && v >= 0) {
		snprintf(out, size, "%.3f", v);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	v = (double)timegm(&tm);
	if (*end == '.') {
		double frac = strtod(end, &end);

		v += frac;
	}
	if (*end == 'Z' || *end == 'z')
		end++;
	else if (strcmp(end, "+00:00") == 0 || strcmp(end, "-00:00") == 0)
		end += 6;
	if (*end)
		return -1;
	snprintf(out, size, "%.3f", v);
	return 0;
}

/* mkdir -p of path's parents (not path itself). 0 or -1 with errno. */
static int mkdir_parents(const char *path)
{
	char p[PATH_MAX], *s;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

static int add_str(lay_buf *b, const char *name, const char *v)
{
	return lay_buf_addf(b, ",\"%s\":", name) || lay_json_quote(b, v, strlen(v));
}

static void print_json(const cJSON *d)
{
	char *text = cJSON_PrintUnformatted(d);

	if (text)
		puts(text);
	free(text);
}

int fs_export_main(int argc, char **argv)
{
	const char *src = NULL, *dir = NULL, *time = NULL, *from = NULL, *to = NULL, *view = NULL,
		   *prefix = NULL, *format = "ddb";
	char root[PATH_MAX], table[PATH_MAX], real[PATH_MAX], t1[64], t2[64], t0[64];
	lay_buf rq = LAY_BUF_INIT;
	cJSON *a = NULL, *d = NULL;
	const cJSON *arn, *st;
	int quiet = 0, made = 0, i, rc = 1;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(export_usage, stdout);
			return 0;
		} else if (strcmp(o, "--quiet") == 0 || strcmp(o, "-q") == 0) {
			quiet = 1;
		} else if (i + 1 < argc && strcmp(o, "--time") == 0) {
			time = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--from") == 0) {
			from = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--to") == 0) {
			to = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--view") == 0) {
			view = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--format") == 0) {
			format = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--prefix") == 0) {
			prefix = argv[++i];
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "ddbfs export: unknown or incomplete option %s\n", o);
			return 2;
		} else if (!src) {
			src = o;
		} else if (!dir) {
			dir = o;
		} else {
			fprintf(stderr, "ddbfs export: unexpected argument %s\n", o);
			return 2;
		}
	}
	if (!src || !dir) {
		fputs(export_usage, stderr);
		return 2;
	}
	if (strcmp(format, "ddb") != 0 && strcmp(format, "ion") != 0) {
		fprintf(stderr, "ddbfs export: --format is ddb or ion, not %s\n", format);
		return 2;
	}
	if ((from || to) && (!from || !to || time)) {
		fprintf(stderr, "ddbfs export: an incremental export takes --from and --to, "
			"without --time\n");
		return 2;
	}
	if (view && !from) {
		fprintf(stderr, "ddbfs export: --view is for an incremental export (--from, --to)\n");
		return 2;
	}
	if ((time && parse_time(time, t0, sizeof(t0)) < 0) ||
	    (from && parse_time(from, t1, sizeof(t1)) < 0) ||
	    (to && parse_time(to, t2, sizeof(t2)) < 0)) {
		fprintf(stderr, "ddbfs export: a time is epoch seconds or ISO 8601 UTC "
			"(2026-11-27T07:00:00Z)\n");
		return 2;
	}
	if (fs_client_locate("export", src, root, table, sizeof(root)) < 0)
		return 1;
	if (!table[0]) {
		fprintf(stderr, "ddbfs export: %s is the mount, not a table (MNT/TABLE)\n", src);
		return 1;
	}
	{
		/* DIR and its missing parents, unless the nearest existing one
		 * is in a mount */
		char up[PATH_MAX], *slash;

		snprintf(up, sizeof(up), "%s", dir);
		while (access(up, F_OK) < 0 && (slash = strrchr(up, '/')) && slash != up)
			*slash = '\0';
		if (access(up, F_OK) == 0 && fs_client_in_mount(up)) {
			fprintf(stderr, "ddbfs export: %s is in a mounted ddbfs, where files are "
				"items: export to a directory outside it\n", dir);
			return 1;
		}
	}
	if (mkdir_parents(dir) < 0) {
		fprintf(stderr, "ddbfs export: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (mkdir(dir, 0755) == 0) {
		made = 1;
	} else if (errno != EEXIST) {
		fprintf(stderr, "ddbfs export: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (!realpath(dir, real)) {
		fprintf(stderr, "ddbfs export: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	if (fs_client_in_mount(real)) {
		fprintf(stderr, "ddbfs export: %s is in a mounted ddbfs, where files are items: "
			"export to a directory outside it\n", dir);
		goto out;
	}
	if (lay_buf_adds(&rq, "{\"Action\":\"ExportTableToPointInTime\"") ||
	    add_str(&rq, "TableArn", table) || add_str(&rq, "S3Bucket", real) ||
	    add_str(&rq, "ExportFormat", strcmp(format, "ion") == 0 ? "ION" : "DYNAMODB_JSON") ||
	    (prefix && add_str(&rq, "S3Prefix", prefix)) ||
	    (time && lay_buf_addf(&rq, ",\"ExportTime\":%s", t0)) ||
	    (from && (lay_buf_addf(&rq, ",\"ExportType\":\"INCREMENTAL_EXPORT\","
				   "\"IncrementalExportSpecification\":{\"ExportFromTime\":%s,"
				   "\"ExportToTime\":%s",
				   t1, t2) ||
		      (view && add_str(&rq, "ExportViewType", view)) || lay_buf_addc(&rq, '}'))) ||
	    lay_buf_addc(&rq, '}')) {
		fprintf(stderr, "ddbfs export: out of memory\n");
		goto out;
	}
	if (fs_client_call("export", root, rq.p, &a) != 0)
		goto out;
	arn = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(a, "ExportDescription"), "ExportArn");
	if (!cJSON_IsString(arn)) {
		fprintf(stderr, "ddbfs export: the mount's answer names no export\n");
		goto out;
	}
	rq.len = 0;
	if (lay_buf_adds(&rq, "{\"Action\":\"DescribeExport\",\"DdbfsWaitMs\":250") ||
	    add_str(&rq, "ExportArn", arn->valuestring) || lay_buf_addc(&rq, '}'))
		goto out;
	if (!(d = fs_client_follow("export", root, rq.p, "ExportDescription", quiet)))
		goto out;
	print_json(d);
	st = cJSON_GetObjectItemCaseSensitive(d, "ExportStatus");
	if (cJSON_IsString(st) && strcmp(st->valuestring, "COMPLETED") == 0) {
		rc = 0;
	} else {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "FailureMessage");

		fprintf(stderr, "ddbfs export: the export failed: %s\n",
			cJSON_IsString(m) ? m->valuestring : "(no reason given)");
	}
out:
	if (rc != 0 && made)
		rmdir(dir); /* made for this export, and empty: a failed one leaves nothing */
	cJSON_Delete(a);
	cJSON_Delete(d);
	lay_buf_free(&rq);
	return rc;
}

struct import_args {
	const char *format, *header, *delim;
	int quiet;
};

/* "ATTR:TYPE" into KeySchema and AttributeDefinitions members. */
static int key_parts(lay_buf *ks, lay_buf *defs, const char *spec, const char *kind)
{
	const char *colon = strrchr(spec, ':');

	if (!colon || colon == spec || strlen(colon + 1) != 1 || !strchr("SNB", colon[1]))
		return -1;
	return (ks->len > 1 && lay_buf_addc(ks, ',')) || lay_buf_adds(ks, "{\"AttributeName\":") ||
			       lay_json_quote(ks, spec, (size_t)(colon - spec)) ||
			       lay_buf_addf(ks, ",\"KeyType\":\"%s\"}", kind) ||
			       (defs->len > 1 && lay_buf_addc(defs, ',')) ||
			       lay_buf_adds(defs, "{\"AttributeName\":") ||
			       lay_json_quote(defs, spec, (size_t)(colon - spec)) ||
			       lay_buf_addf(defs, ",\"AttributeType\":\"%c\"}", colon[1])
		       ? -1
		       : 0;
}

/* The format and CSV members of an ImportTable request. */
static int format_members(lay_buf *rq, const struct import_args *ia)
{
	const char *f = strcmp(ia->format, "csv") == 0   ? "CSV"
			: strcmp(ia->format, "ion") == 0 ? "ION"
							 : "DYNAMODB_JSON";
	int rc = add_str(rq, "InputFormat", f);

	if (!rc && (ia->header || ia->delim)) {
		rc = lay_buf_adds(rq, ",\"InputFormatOptions\":{\"Csv\":{\"Delimiter\":") ||
		     lay_json_quote(rq, ia->delim ? ia->delim : ",", ia->delim ? strlen(ia->delim) : 1);
		if (!rc && ia->header) {
			const char *p = ia->header, *c;

			rc = lay_buf_adds(rq, ",\"HeaderList\":[");
			for (; !rc; p = c + 1) {
				c = strchr(p, ',');
				rc = (p != ia->header && lay_buf_addc(rq, ',')) ||
				     lay_json_quote(rq, p, c ? (size_t)(c - p) : strlen(p));
				if (!c)
					break;
			}
			rc = rc || lay_buf_addc(rq, ']');
		}
		rc = rc || lay_buf_adds(rq, "}}");
	}
	return rc ? -1 : 0;
}

/* Run one import request to its end; *desc gets its description. 0
 * COMPLETED, 3 COMPLETED with errors, 1 FAILED or not started. */
static int run_import(const char *root, const char *body, int quiet, cJSON **desc)
{
	cJSON *a = NULL, *d;
	const cJSON *arn, *st, *errs;
	lay_buf rq = LAY_BUF_INIT;
	int rc = 1;

	*desc = NULL;
	if (fs_client_call("import", root, body, &a) != 0)
		goto out;
	arn = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(a, "ImportTableDescription"), "ImportArn");
	if (!cJSON_IsString(arn)) {
		fprintf(stderr, "ddbfs import: the mount's answer names no import\n");
		goto out;
	}
	if (lay_buf_adds(&rq, "{\"Action\":\"DescribeImport\",\"DdbfsWaitMs\":250") ||
	    add_str(&rq, "ImportArn", arn->valuestring) || lay_buf_addc(&rq, '}'))
		goto out;
	if (!(d = fs_client_follow("import", root, rq.p, "ImportTableDescription", quiet)))
		goto out;
	*desc = d;
	st = cJSON_GetObjectItemCaseSensitive(d, "ImportStatus");
	errs = cJSON_GetObjectItemCaseSensitive(d, "ErrorCount");
	if (cJSON_IsString(st) && strcmp(st->valuestring, "COMPLETED") == 0)
		rc = cJSON_IsNumber(errs) && errs->valuedouble > 0 ? 3 : 0;
out:
	cJSON_Delete(a);
	lay_buf_free(&rq);
	return rc;
}

/* Say on stderr what failed: the reason and the log's first lines. */
static void tell_errors(const cJSON *d, int rc)
{
	const cJSON *dd = cJSON_GetObjectItemCaseSensitive(d, "Ddbfs");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "FailureMessage");
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(dd, "FirstErrors");
	const cJSON *log = cJSON_GetObjectItemCaseSensitive(dd, "Log");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "ErrorCount");

	if (rc == 1 && cJSON_IsString(m))
		fprintf(stderr, "ddbfs import: the import failed: %s\n", m->valuestring);
	if (cJSON_IsNumber(n) && n->valuedouble > 0) {
		fprintf(stderr, "ddbfs import: %.0f error%s (bad records, or files)%s%s:\n",
			n->valuedouble, n->valuedouble == 1 ? "" : "s",
			cJSON_IsString(log) ? "; all in " : "",
			cJSON_IsString(log) ? log->valuestring : "");
		if (cJSON_IsString(first))
			fputs(first->valuestring, stderr);
	}
}

static int import_once(const char *src, const char *mnt, const char *table, const char *pk,
		       const char *sk, const struct import_args *ia)
{
	char root[PATH_MAX], tbl[PATH_MAX], real[PATH_MAX], *slash;
	lay_buf rq = LAY_BUF_INIT, ks = LAY_BUF_INIT, defs = LAY_BUF_INIT;
	cJSON *d = NULL;
	struct stat st;
	int rc = 1;

	if (fs_client_locate("import", mnt, root, tbl, sizeof(root)) < 0)
		return 1;
	if (tbl[0]) {
		fprintf(stderr, "ddbfs import: %s is a table; give the mount (ddbfs import SRC MNT "
			"NEWTABLE)\n", mnt);
		return 1;
	}
	if (!realpath(src, real)) {
		fprintf(stderr, "ddbfs import: %s: %s\n", src, strerror(errno));
		return 1;
	}
	if (lay_buf_addc(&ks, '[') || lay_buf_addc(&defs, '[') ||
	    key_parts(&ks, &defs, pk, "HASH") < 0 || (sk && key_parts(&ks, &defs, sk, "RANGE") < 0)) {
		fprintf(stderr, "ddbfs import: a key is ATTR:TYPE with TYPE S, N or B\n");
		goto out;
	}
	/* the bucket is the file's directory, or the directory itself */
	stat(real, &st);
	slash = strrchr(real, '/');
	if (lay_buf_adds(&rq, "{\"Action\":\"ImportTable\",\"S3BucketSource\":{\"S3Bucket\":"))
		goto out;
	if (S_ISDIR(st.st_mode) || !slash || slash == real) {
		if (lay_json_quote(&rq, real, strlen(real)))
			goto out;
	} else if (lay_json_quote(&rq, real, (size_t)(slash - real)) ||
		   add_str(&rq, "S3KeyPrefix", slash + 1)) {
		goto out;
	}
	if (lay_buf_addc(&rq, '}') || format_members(&rq, ia) < 0 ||
	    lay_buf_adds(&rq, ",\"InputCompressionType\":\"NONE\",\"TableCreationParameters\":"
			      "{\"TableName\":") ||
	    lay_json_quote(&rq, table, strlen(table)) || lay_buf_adds(&rq, ",\"KeySchema\":") ||
	    lay_buf_add(&rq, ks.p, ks.len) || lay_buf_adds(&rq, "],\"AttributeDefinitions\":") ||
	    lay_buf_add(&rq, defs.p, defs.len) ||
	    lay_buf_adds(&rq, "],\"BillingMode\":\"PAY_PER_REQUEST\"}}"))
		goto out;
	rc = run_import(root, rq.p, ia->quiet, &d);
	if (d) {
		print_json(d);
		tell_errors(d, rc);
	}
out:
	cJSON_Delete(d);
	lay_buf_free(&rq);
	lay_buf_free(&ks);
	lay_buf_free(&defs);
	return rc;
}

/* ---- a watched directory ---- */

#define CHECKPOINT ".ddbfs-import.done"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* 1 if the checkpoint names the file with this size and mtime. */
static int done_before(const char *dir, const char *name, const struct stat *st)
{
	char path[PATH_MAX + 64], line[PATH_MAX + 64], want[PATH_MAX + 64];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/" CHECKPOINT, dir);
	snprintf(want, sizeof(want), "%jd %jd %s\n", (intmax_t)st->st_size,
		 (intmax_t)st->st_mtim.tv_sec, name);
	if (!(f = fopen(path, "r")))
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strcmp(line, want) == 0;
	fclose(f);
	return found;
}

static void note_done(const char *dir, const char *name, const struct stat *st)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" CHECKPOINT, dir);
	if ((f = fopen(path, "a"))) {
		fprintf(f, "%jd %jd %s\n", (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec, name);
		fflush(f);
		fsync(fileno(f));
		fclose(f);
	}
}

/* Move a bad file to DIR/.failed/ with NAME.log beside it. */
static void move_failed(const char *dir, const char *name, const cJSON *d, const char *why)
{
	char from[PATH_MAX + 64], to[PATH_MAX + 64], log[PATH_MAX + 80];
	const cJSON *dd = cJSON_GetObjectItemCaseSensitive(d, "Ddbfs");
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(dd, "FirstErrors");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "FailureMessage");
	FILE *f;

	struct stat st;
	int k;

	snprintf(to, sizeof(to), "%s/.failed", dir);
	mkdir(to, 0755);
	snprintf(from, sizeof(from), "%s/%s", dir, name);
	/* never over an earlier failed file of that name: NAME, NAME.1, ... */
	for (k = 0;; k++) {
		if (k)
			snprintf(to, sizeof(to), "%s/.failed/%s.%d", dir, name, k);
		else
			snprintf(to, sizeof(to), "%s/.failed/%s", dir, name);
		if (lstat(to, &st) < 0 || k == 10000)
			break;
	}
	snprintf(log, sizeof(log), "%s.log", to);
	if (rename(from, to) < 0)
		return;
	if ((f = fopen(log, "w"))) {
		if (why)
			fprintf(f, "%s\n", why);
		if (cJSON_IsString(m))
			fprintf(f, "%s\n", m->valuestring);
		if (cJSON_IsString(first))
			fputs(first->valuestring, f);
		fclose(f);
	}
}

static void watch_one(const char *root, const char *dir, const char *table, const char *name,
		      const struct import_args *ia)
{
	char path[PATH_MAX + 64];
	lay_buf rq = LAY_BUF_INIT;
	cJSON *d = NULL;
	struct stat st;
	int rc;

	if (name[0] == '.')
		return; /* ours, or a file still being written under a temporary name */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || done_before(dir, name, &st))
		return;
	if (lay_buf_adds(&rq, "{\"Action\":\"ImportTable\",\"S3BucketSource\":{\"S3Bucket\":") ||
	    lay_json_quote(&rq, dir, strlen(dir)) || lay_buf_addc(&rq, '}') ||
	    format_members(&rq, ia) < 0 || add_str(&rq, "DdbfsTargetTable", table) ||
	    add_str(&rq, "DdbfsFile", path) || lay_buf_addc(&rq, '}')) {
		lay_buf_free(&rq);
		return;
	}
	rc = run_import(root, rq.p, 1, &d);
	if (d && !ia->quiet) {
		print_json(d);
		fflush(stdout); /* one line per file, as it is done */
	}
	if (rc == 0) {
		note_done(dir, name, &st);
	} else {
		fprintf(stderr, "ddbfs import: %s: %s; moved to %s/.failed/\n", name,
			rc == 3 ? "some records failed" : "the import failed", dir);
		move_failed(dir, name, d, d ? NULL : "the import could not start");
	}
	cJSON_Delete(d);
	lay_buf_free(&rq);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files already there, in name order. */
static void watch_existing(const char *root, const char *dir, const char *table,
			   const struct import_args *ia)
{
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	DIR *dh = opendir(dir);

	if (!dh)
		return;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*nn));

			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (!stopping)
			watch_one(root, dir, table, names[i], ia);
		free(names[i]);
	}
	free(names);
}

static int watch(const char *dir_arg, const char *target, const struct import_args *ia)
{
	char root[PATH_MAX], table[PATH_MAX], dir[PATH_MAX];
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct sigaction sa;
	int fd, wd;

	if (fs_client_locate("import", target, root, table, sizeof(root)) < 0)
		return 1;
	if (!table[0]) {
		fprintf(stderr, "ddbfs import: --watch imports into a table: MNT/TABLE\n");
		return 1;
	}
	if (!realpath(dir_arg, dir)) {
		fprintf(stderr, "ddbfs import: %s: %s\n", dir_arg, strerror(errno));
		return 1;
	}
	{
		char lock[PATH_MAX + 64];
		int lfd;

		snprintf(lock, sizeof(lock), "%s/.ddbfs-import.lock", dir);
		if ((lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
		    flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			fprintf(stderr, "ddbfs import: %s\n",
				lfd < 0 ? strerror(errno) : "another ddbfs import --watch watches "
							    "this directory");
			return 1;
		}
		/* held until the process ends */
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((fd = inotify_init1(IN_CLOEXEC)) < 0 ||
	    (wd = inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO)) < 0) {
		fprintf(stderr, "ddbfs import: cannot watch %s: %s\n", dir, strerror(errno));
		return 1;
	}
	(void)wd;
	if (!ia->quiet)
		fprintf(stderr, "ddbfs import: watching %s for %s\n", dir, target);
	/* what landed while no one watched; the watch is already set, so a
	 * file arriving meanwhile is seen by one or the other (or both: the
	 * checkpoint makes the second a no-op) */
	watch_existing(root, dir, table, ia);
	while (!stopping) {
		ssize_t len = read(fd, buf, sizeof(buf));
		char *p;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ddbfs import: watching %s: %s\n", dir, strerror(errno));
			close(fd);
			return 1;
		}
		for (p = buf; p < buf + len && !stopping;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->len && !(ev->mask & IN_ISDIR))
				watch_one(root, dir, table, ev->name, ia);
			p += sizeof(*ev) + ev->len;
		}
	}
	close(fd);
	return 0;
}

int fs_import_main(int argc, char **argv)
{
	const char *pos[3] = { NULL, NULL, NULL }, *pk = NULL, *sk = NULL, *watch_dir = NULL;
	struct import_args ia = { .format = NULL };
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(import_usage, stdout);
			return 0;
		} else if (strcmp(o, "--quiet") == 0 || strcmp(o, "-q") == 0) {
			ia.quiet = 1;
		} else if (i + 1 < argc && strcmp(o, "--format") == 0) {
			ia.format = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--pk") == 0) {
			pk = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--sk") == 0) {
			sk = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--csv-header") == 0) {
			ia.header = argv[++i];
		} else if (i + 1 < argc && strcmp(o, "--csv-delimiter") == 0) {
			ia.delim = argv[++i];
			if (strcmp(ia.delim, "\\t") == 0 || strcmp(ia.delim, "tab") == 0)
				ia.delim = "\t";
		} else if (i + 1 < argc && strcmp(o, "--watch") == 0) {
			watch_dir = argv[++i];
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "ddbfs import: unknown or incomplete option %s\n", o);
			return 2;
		} else if (n < 3) {
			pos[n++] = o;
		} else {
			fprintf(stderr, "ddbfs import: unexpected argument %s\n", o);
			return 2;
		}
	}
	if (!ia.format || (strcmp(ia.format, "csv") != 0 && strcmp(ia.format, "ddb") != 0 &&
			   strcmp(ia.format, "ion") != 0)) {
		fprintf(stderr, "ddbfs import: --format csv, ddb or ion is needed\n%s", import_usage);
		return 2;
	}
	if ((ia.header || ia.delim) && strcmp(ia.format, "csv") != 0) {
		fprintf(stderr, "ddbfs import: --csv-header and --csv-delimiter are for --format csv\n");
		return 2;
	}
	if (ia.delim && strlen(ia.delim) != 1) {
		fprintf(stderr, "ddbfs import: --csv-delimiter is one character (or \\t, or tab)\n");
		return 2;
	}
	if (watch_dir) {
		if (n != 1 || pk || sk) {
			fprintf(stderr, "ddbfs import: --watch DIR takes one more argument, MNT/TABLE "
				"(an existing table: no --pk or --sk)\n");
			return 2;
		}
		return watch(watch_dir, pos[0], &ia);
	}
	if (n != 3) {
		fprintf(stderr, "ddbfs import: SRC, MNT and NEWTABLE are needed\n%s", import_usage);
		return 2;
	}
	if (!pk) {
		fprintf(stderr, "ddbfs import: --pk ATTR:TYPE (the new table's partition key) is "
			"needed\n");
		return 2;
	}
	return import_once(pos[0], pos[1], pos[2], pk, sk, &ia);
}

static const char api_usage[] =
	"usage: ddbfs api [MNT] ACTION [< REQUEST.json]\n"
	"\n"
	"Sends one request of DynamoDB's API (PutItem, Query, TransactWriteItems,\n"
	"CreateTable, GetRecords, ...) to the mounted ddbfs MNT (default: the mount\n"
	"the current directory is in) through its request file MNT/.ddbfs/api, with\n"
	"the request's JSON body read from stdin ({} when stdin is a terminal).\n"
	"Prints the answer as JSON; exits 1 on DynamoDB's error (its type and\n"
	"message on stderr).\n";

int fs_api_main(int argc, char **argv)
{
	char root[PATH_MAX], buf[65536];
	lay_buf body = LAY_BUF_INIT, rq = LAY_BUF_INIT;
	cJSON *a = NULL, *in = NULL;
	size_t n;
	int rc = 1;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(api_usage, stdout);
		return 0;
	}
	/* an ACTION is a word (PutItem): a path alone is a missing action */
	if (argc < 2 || argc > 3 || argv[argc - 1][0] == '-' || strchr(argv[argc - 1], '/')) {
		fputs(api_usage, stderr);
		return 2;
	}
	if (fs_client_root("api", argc == 3 ? argv[1] : ".", root, sizeof(root)) < 0)
		return 1;
	if (!isatty(0))
		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
			if (lay_buf_add(&body, buf, n) < 0)
				goto out;
	if (!(in = cJSON_ParseWithLength(body.len ? body.p : "{}", body.len ? body.len : 2)) ||
	    !cJSON_IsObject(in)) {
		fprintf(stderr, "ddbfs api: the request on stdin is not a JSON object\n");
		goto out;
	}
	/* the body goes as it came (cJSON's strings would end at a U+0000),
	 * after the action named on the command line, which wins over one in
	 * the body: a member read is the first of its name */
	{
		const char *open = body.len ? memchr(body.p, '{', body.len) : NULL;
		size_t rest = open ? body.len - (size_t)(open - body.p) - 1 : 0;
		const char *p = open ? open + 1 : NULL;

		while (rest && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++, rest--;
		if (lay_buf_adds(&rq, "{\"Action\":") ||
		    lay_json_quote(&rq, argv[argc - 1], strlen(argv[argc - 1])) ||
		    (rest && *p != '}' && lay_buf_addc(&rq, ',')) ||
		    (rest ? lay_buf_add(&rq, p, rest) : lay_buf_addc(&rq, '}'))) {
			fprintf(stderr, "ddbfs api: out of memory\n");
			goto out;
		}
	}
	rc = fs_client_call("api", root, rq.p, &a);
	if (rc == 0)
		print_json(a);
	rc = rc == 0 ? 0 : 1;
out:
	cJSON_Delete(a);
	cJSON_Delete(in);
	lay_buf_free(&body);
	lay_buf_free(&rq);
	return rc;
}
