/* The storage half of make bench-scale (SPEC §18, issue 8): loads N items
 * of a given size into a fresh DATA_DIR, with or without a stream, closes
 * it, and reports the bytes DATA_DIR takes on disk (allocated blocks) per
 * byte of item JSON written.
 * Usage: space DATA --n N --size BYTES [--stream VIEW] --figure NAME --out FILE */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../engine/engine.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "common.h"

#define TABLE "Space"

static void eng_check(int rc, const lay_err *err, const char *what)
{
	if (rc < 0)
		bench_die("%s: %s (%s)", what, err->msg, lay_errno_name(rc));
}

/* Item i as plain JSON of exactly size bytes: {"data":"...","n":i}\n */
static size_t item_json(char *buf, size_t size, unsigned long i)
{
	char tail[40];
	int tl = snprintf(tail, sizeof(tail), "\",\"n\":%lu}\n", i);
	size_t head = strlen("{\"data\":\""), pad, k;

	if (size < head + (size_t)tl + 1)
		bench_die("--size %zu is too small for an item", size);
	pad = size - head - (size_t)tl;
	memcpy(buf, "{\"data\":\"", head);
	/* varied bytes, so nothing compresses or dedups to nothing */
	for (k = 0; k < pad; k++)
		buf[head + k] = (char)('a' + (i * 13 + k * 7 + k / 26) % 26);
	memcpy(buf + head + pad, tail, (size_t)tl + 1);
	return size;
}

/* Bytes allocated on disk by the files directly in dir. */
static unsigned long long dir_bytes(const char *dir)
{
	unsigned long long sum = 0;
	struct dirent *e;
	struct stat st;
	char path[4096];
	DIR *d = opendir(dir);

	if (!d)
		bench_die("cannot open %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		bench_path(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			sum += (unsigned long long)st.st_blocks * 512;
	}
	closedir(d);
	return sum;
}

static int view_of(const char *s)
{
	static const char *names[] = { "OFF", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
				       "NEW_AND_OLD_IMAGES" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	bench_die("unknown stream view %s", s);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "n", 1, NULL, 'n' },	{ "size", 1, NULL, 's' },
					    { "stream", 1, NULL, 'v' }, { "figure", 1, NULL, 'f' },
					    { "out", 1, NULL, 'o' },	{ NULL, 0, NULL, 0 } };
	const char *out = NULL, *dir, *figure = NULL;
	unsigned long n = 0, i;
	size_t size = 0;
	int c, view = 0;
	unsigned long long disk, items;
	eng_table_info info;
	lay_schema schema;
	lay_err err = { 0 };
	char *json;
	eng_db *db;

	if (argc < 2 || argv[1][0] == '-')
		bench_die("usage: space DATA --n N --size BYTES [--stream VIEW] --figure NAME "
			  "--out FILE");
	dir = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (c == 's')
			size = strtoul(optarg, NULL, 10);
		else if (c == 'v')
			view = view_of(optarg);
		else if (c == 'f')
			figure = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return 2;
	}
	if (!n || !size || !figure)
		bench_die("--n, --size and --figure are needed");
	if (mkdir(dir, 0755) < 0)
		bench_die("%s must not exist yet: %s", dir, strerror(errno));
	if (!(json = malloc(size + 1)))
		bench_die("out of memory");

	eng_check(eng_db_open(&db, dir, NULL, &err), &err, "eng_db_open");
	eng_check(eng_table_create(db, NULL, TABLE, NULL, NULL, &err), &err, "eng_table_create");
	eng_check(eng_table_get(db, NULL, TABLE, &info, &err), &err, "eng_table_get");
	info.settings.stream_view = (lay_view)view;
	eng_check(eng_table_set_settings(db, NULL, TABLE, &info.settings, &err), &err,
		  "eng_table_set_settings");
	lay_schema_default(&schema);
	for (i = 0; i < n; i++) {
		size_t len = item_json(json, size, i);
		char part[8], sk[16];
		lay_item it = LAY_ITEM_INIT;
		lay_key key;
		eng_event ev;

		bench_item_key(part, sk, i);
		memset(&key, 0, sizeof(key));
		key.pk.type = key.sk.type = LAY_S;
		key.pk.len = strlen(part);
		key.pk.u.p = part;
		key.sk.len = strlen(sk);
		key.sk.u.p = sk;
		eng_check(lay_json_parse(&it, json, len, LAY_FMT_PLAIN, &err), &err,
			  "lay_json_parse");
		eng_check(lay_item_set_key(&it, &schema, &key, 0, &err), &err, "lay_item_set_key");
		eng_check(eng_item_put(db, NULL, TABLE, &it, NULL, 0, &ev, NULL, &err), &err,
			  "eng_item_put");
		lay_item_free(&it);
	}
	eng_db_close(db);
	free(json);

	disk = dir_bytes(dir);
	items = (unsigned long long)n * size;
	bench_result(out, n, "space", figure, (double)disk / (double)items, "x");
	printf("  %s: %lu items of %zu bytes (%llu bytes), DATA_DIR %llu bytes on disk\n", figure,
	       n, size, items, disk);
	return 0;
}
