/* The error log of SPEC §5: every failed operation appends one JSON line
 * (time, uid, operation, path, errno name, message) to MNT/.ddbfs/errors,
 * which keeps the latest 1000, and to the daemon's log DATA_DIR/ddbfs.log,
 * which is rotated to ddbfs.log.1 past LOG_MAX bytes. */
#include "errlog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define ERRLOG_KEEP 1000
/* ddbfs.log is renamed to ddbfs.log.1 (one old file kept) past this size */
#define LOG_MAX (1024 * 1024)

/* taken last: nothing is locked under it (the lock order is in fs.h) */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *ring[ERRLOG_KEEP];
static size_t ring_next, ring_count;
static FILE *logf;
static char *log_path, *old_path; /* DATA_DIR/ddbfs.log and ddbfs.log.1 */

static FILE *log_open(void)
{
	FILE *f = fopen(log_path, "ae");

	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int fs_errlog_open(const char *data_dir)
{
	lay_buf path = LAY_BUF_INIT, old = LAY_BUF_INIT;

	if (lay_buf_addf(&path, "%s/ddbfs.log", data_dir) < 0 ||
	    lay_buf_addf(&old, "%s/ddbfs.log.1", data_dir) < 0) {
		lay_buf_free(&path);
		lay_buf_free(&old);
		return -ENOMEM;
	}
	log_path = lay_buf_detach(&path, NULL);
	old_path = lay_buf_detach(&old, NULL);
	if (!(logf = log_open()))
		return -errno;
	return 0;
}

/* Start a new ddbfs.log once it has grown past LOG_MAX, whoever appended to
 * it. Called with log_lock held. A failed rename keeps the log as it is. */
static void log_rotate(void)
{
	struct stat st;
	FILE *f;

	if (!logf || fstat(fileno(logf), &st) < 0 || st.st_size < LOG_MAX)
		return;
	if (rename(log_path, old_path) < 0)
		return;
	if (!(f = log_open()))
		return; /* keep writing to the renamed file rather than lose lines */
	fclose(logf);
	logf = f;
}

void fs_errlog_close(void)
{
	size_t i;

	if (logf)
		fclose(logf);
	logf = NULL;
	free(log_path);
	free(old_path);
	log_path = old_path = NULL;
	for (i = 0; i < ERRLOG_KEEP; i++) {
		free(ring[i]);
		ring[i] = NULL;
	}
	ring_count = ring_next = 0;
}

static void stamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void fs_log(const char *fmt, ...)
{
	char when[64];
	va_list ap;

	stamp(when, sizeof(when));
	pthread_mutex_lock(&log_lock);
	log_rotate();
	if (logf) {
		fprintf(logf, "%s ", when);
		va_start(ap, fmt);
		vfprintf(logf, fmt, ap);
		va_end(ap);
		fputc('\n', logf);
	}
	pthread_mutex_unlock(&log_lock);
}

/* s as valid UTF-8: an invalid byte (a name may hold any) becomes U+FFFD,
 * so every line of the log stays JSON. */
static char *utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	lay_buf b = LAY_BUF_INIT;
	size_t i = 0, n, k;

	while (p[i]) {
		unsigned c = p[i];

		n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		for (k = 1; n && k < n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				n = 0;
		if (n == 2 && c < 0xC2)
			n = 0; /* overlong */
		if (n) {
			lay_buf_add(&b, p + i, n);
			i += n;
		} else {
			lay_buf_adds(&b, "\xEF\xBF\xBD");
			i++;
		}
	}
	lay_buf_add(&b, "", 0);
	return lay_buf_detach(&b, NULL);
}

int fs_errlog_add(fuse_req_t req, const char *op, const char *path, int code, const char *msg)
{
	const struct fuse_ctx *ctx = req ? fuse_req_ctx(req) : NULL;
	lay_buf line = LAY_BUF_INIT;
	char when[64], *cpath, *cmsg;

	if (code > 0)
		code = -code;
	stamp(when, sizeof(when));
	if (!msg || !*msg)
		msg = strerror(-code);
	cpath = utf8_clean(path ? path : "");
	cmsg = utf8_clean(msg);
	if (!cpath || !cmsg ||
	    lay_buf_addf(&line, "{\"time\":\"%s\",\"uid\":%u,\"op\":", when,
			 ctx ? (unsigned)ctx->uid : 0u) < 0 ||
	    lay_json_quote(&line, op, strlen(op)) < 0 || lay_buf_adds(&line, ",\"path\":") < 0 ||
	    lay_json_quote(&line, cpath, strlen(cpath)) < 0 ||
	    lay_buf_addf(&line, ",\"errno\":\"%s\",\"message\":", lay_errno_name(code)) < 0 ||
	    lay_json_quote(&line, cmsg, strlen(cmsg)) < 0 || lay_buf_adds(&line, "}\n") < 0) {
		free(cpath);
		free(cmsg);
		lay_buf_free(&line);
		return code;
	}
	free(cpath);
	free(cmsg);
	pthread_mutex_lock(&log_lock);
	log_rotate();
	if (logf)
		fwrite(line.p, 1, line.len, logf);
	free(ring[ring_next]);
	ring[ring_next] = lay_buf_detach(&line, NULL);
	ring_next = (ring_next + 1) % ERRLOG_KEEP;
	if (ring_count < ERRLOG_KEEP)
		ring_count++;
	pthread_mutex_unlock(&log_lock);
	return code;
}

int fs_errlog_render(lay_buf *out)
{
	size_t i, start;
	int rc = 0;

	pthread_mutex_lock(&log_lock);
	start = (ring_next + ERRLOG_KEEP - ring_count) % ERRLOG_KEEP;
	for (i = 0; i < ring_count && rc == 0; i++)
		rc = lay_buf_adds(out, ring[(start + i) % ERRLOG_KEEP]);
	pthread_mutex_unlock(&log_lock);
	return rc;
}
