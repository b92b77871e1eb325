/* The commands' side of .ddbfs/api (SPEC §13, §14). */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546

static int is_root(const char *dir)
{
	char p[PATH_MAX + 16];
	struct statfs sfs;
	struct stat st;

	snprintf(p, sizeof(p), "%s/.ddbfs", dir);
	return statfs(dir, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC && stat(p, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

int fs_client_locate(const char *cmd, const char *path, char *root, char *table, size_t size)
{
	char real[PATH_MAX], *slash;

	if (!realpath(path, real)) {
		fprintf(stderr, "ddbfs %s: %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	table[0] = '\0';
	if (is_root(real)) {
		snprintf(root, size, "%s", real);
		return 0;
	}
	slash = strrchr(real, '/');
	if (slash && slash != real) {
		*slash = '\0';
		if (is_root(real)) {
			snprintf(root, size, "%s", real);
			snprintf(table, size, "%s", slash + 1);
			return 0;
		}
	}
	if (strcmp(cmd, "import") == 0)
		fprintf(stderr, "ddbfs %s: %s is not a mounted ddbfs (MNT) or a table of one "
			"(MNT/TABLE)\n", cmd, path);
	else
		fprintf(stderr, "ddbfs %s: %s is not a table of a mounted ddbfs (MNT/TABLE)\n", cmd,
			path);
	return -1;
}

int fs_client_root(const char *cmd, const char *path, char *root, size_t size)
{
	char real[PATH_MAX], *slash;

	if (!realpath(path, real)) {
		fprintf(stderr, "ddbfs %s: %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (is_root(real)) {
			snprintf(root, size, "%s", real);
			return 0;
		}
		if (!(slash = strrchr(real, '/')) || slash == real)
			break;
		*slash = '\0';
	}
	fprintf(stderr, "ddbfs %s: %s is not in a mounted ddbfs\n", cmd, path);
	return -1;
}

int fs_client_in_mount(const char *path)
{
	char real[PATH_MAX], *slash;
	struct statfs sfs;

	if (!realpath(path, real) || statfs(real, &sfs) < 0 || sfs.f_type != FUSE_SUPER_MAGIC)
		return 0;
	for (;;) {
		if (is_root(real))
			return 1;
		if (!(slash = strrchr(real, '/')) || slash == real)
			return is_root("/");
		*slash = '\0';
	}
}

int fs_client_call(const char *cmd, const char *root, const char *body, cJSON **out)
{
	char path[PATH_MAX + 16], buf[65536];
	lay_buf resp = LAY_BUF_INIT;
	size_t len = strlen(body), done = 0;
	const cJSON *type, *msg;
	ssize_t n;
	int fd, rc = -1;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/.ddbfs/api", root);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		if (errno == EROFS)
			fprintf(stderr, "ddbfs %s: %s is mounted read-only: requests go through "
				"its request file .ddbfs/api, which needs a writable mount\n", cmd,
				root);
		else if (errno == ENOENT || errno == ENOTCONN)
			fprintf(stderr, "ddbfs %s: %s is no longer mounted\n", cmd, root);
		else
			fprintf(stderr, "ddbfs %s: %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	while (done < len) {
		if ((n = write(fd, body + done, len - done)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ddbfs %s: cannot send the request: %s\n", cmd, strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	for (;;) {
		if ((n = pread(fd, buf, sizeof(buf), (off_t)resp.len)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ddbfs %s: cannot read the answer: %s\n", cmd, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (lay_buf_add(&resp, buf, (size_t)n) < 0) {
			fprintf(stderr, "ddbfs %s: out of memory\n", cmd);
			goto out;
		}
	}
	if (!(*out = cJSON_ParseWithLength(resp.p ? resp.p : "", resp.len))) {
		fprintf(stderr, "ddbfs %s: the mount's answer is not JSON\n", cmd);
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(*out, "__type");
	msg = cJSON_GetObjectItemCaseSensitive(*out, "message");
	if (cJSON_IsString(type)) {
		const char *t = strchr(type->valuestring, '#');

		fprintf(stderr, "ddbfs %s: %s: %s\n", cmd, t ? t + 1 : type->valuestring,
			cJSON_IsString(msg) ? msg->valuestring : "");
		rc = 1;
	} else {
		rc = 0;
	}
out:
	close(fd);
	lay_buf_free(&resp);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* One line of progress: items, MB, rate and time left. */
static void show(const cJSON *d, double t0)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(d, "Ddbfs"), "Progress");
	double items = num(p, "Items"), bytes = num(p, "Bytes"), ti = num(p, "TotalItems"),
	       tb = num(p, "TotalBytes"), el = now_s() - t0, rate = el > 0 ? items / el : 0,
	       frac = tb > 0 ? bytes / tb : ti > 0 ? items / ti : 0;
	char eta[32] = "";

	if (frac > 0.01 && frac < 1)
		snprintf(eta, sizeof(eta), ", %.0f s left", el / frac - el);
	fprintf(stderr, "\r%.0f items, %.1f MB, %.0f items/s%s   ", items, bytes / 1048576.0, rate,
		eta);
}

cJSON *fs_client_follow(const char *cmd, const char *root, const char *describe,
			const char *key, int quiet)
{
	int tty = !quiet && isatty(2), shown = 0;
	double t0 = now_s();

	for (;;) {
		cJSON *a = NULL, *d;
		const cJSON *st;

		if (fs_client_call(cmd, root, describe, &a) != 0) {
			cJSON_Delete(a);
			return NULL;
		}
		d = cJSON_DetachItemFromObjectCaseSensitive(a, key);
		cJSON_Delete(a);
		st = cJSON_GetObjectItemCaseSensitive(d, strcmp(key, "ExportDescription") == 0
								 ? "ExportStatus"
								 : "ImportStatus");
		if (!cJSON_IsString(st)) {
			fprintf(stderr, "ddbfs %s: the mount's answer has no status\n", cmd);
			cJSON_Delete(d);
			return NULL;
		}
		if (strcmp(st->valuestring, "IN_PROGRESS") != 0) {
			/* a job that ended during a slow poll still shows its last line */
			if (shown || (tty && now_s() - t0 > 1.0)) {
				show(d, t0);
				fputc('\n', stderr);
			}
			return d;
		}
		if (tty && now_s() - t0 > 1.0) {
			show(d, t0);
			shown = 1;
		}
		cJSON_Delete(d);
	}
}
