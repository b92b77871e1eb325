/* Helpers shared by the benchmark programs (SPEC §18): see common.h. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t bench_item_json(char *buf, unsigned long i)
{
	char tail[40];
	int tl = snprintf(tail, sizeof(tail), "\",\"n\":%lu}\n", i);
	size_t head = strlen("{\"data\":\""), pad = BENCH_ITEM_LEN - head - (size_t)tl, k;

	memcpy(buf, "{\"data\":\"", head);
	/* varied bytes, so nothing compresses or dedups to nothing */
	for (k = 0; k < pad; k++)
		buf[head + k] = (char)('a' + (i + k * 7) % 26);
	memcpy(buf + head + pad, tail, (size_t)tl + 1);
	return BENCH_ITEM_LEN;
}

void bench_item_key(char part[8], char sk[16], unsigned long i)
{
	snprintf(part, 8, "p%02lu", i % BENCH_PARTS);
	snprintf(sk, 16, "i%07lu", i);
}

size_t bench_raw_key(char *out, unsigned long i)
{
	char part[8], sk[16];

	bench_item_key(part, sk, i);
	return (size_t)sprintf(out, "%s%c%s", part, 0, sk);
}

uint64_t bench_rng(void)
{
	static uint64_t state = 0x9e3779b97f4a7c15ull;

	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int bench_result(const char *path, unsigned long n, const char *target, const char *figure,
		 double value, const char *unit)
{
	FILE *f;

	printf("  %-8s %-22s %14.3f %s\n", target, figure, value, unit);
	fflush(stdout);
	if (!path)
		return 0;
	if (!(f = fopen(path, "a")))
		return -errno;
	fprintf(f, "%lu %s %s %.6g %s\n", n, target, figure, value, unit);
	return fclose(f) == 0 ? 0 : -errno;
}

int bench_drop_caches(int mode)
{
	static int broken;
	char text[4];
	int fd, rc = 0;

	if (broken)
		return -EPERM;
	sync();
	snprintf(text, sizeof(text), "%d\n", mode);
	if ((fd = open("/proc/sys/vm/drop_caches", O_WRONLY)) < 0 || write(fd, text, 2) != 2)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		broken = 1;
		fprintf(stderr, "bench: cannot drop caches (%s); \"cold\" figures are warm\n",
			strerror(-rc));
	}
	return rc;
}

long bench_proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, flen) == 0) {
			kb = strtol(line + flen, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

long bench_proc_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	size_t got;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = '\0';
	/* fields after the command name, which may hold spaces: state is 3rd,
	 * utime and stime are the 14th and 15th */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		   &stime) != 2)
		return -1;
	return (long)(utime + stime);
}

pid_t bench_pid_from(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");
	long pid;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? (pid_t)pid : -1;
}

void bench_path(char *out, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(out, sz, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sz)
		bench_die("path too long: %s...", out);
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
