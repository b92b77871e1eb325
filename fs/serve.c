/* Opening DATA_DIR for a front, and `ddbfs serve` (SPEC §1, §14): the
 * engine options of -o, the open that waits for an exiting daemon, and the
 * HTTP endpoint served without FUSE, for containers and machines without
 * /dev/fuse. */
#include "serve.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errlog.h"
#include "held.h"
#include "http.h"
#include "mountpoint.h"

/* how long an open waits for an exiting daemon to let go of DATA_DIR */
#define EXIT_WAIT_MS 5000
/* the cache's bounds (a century keeps the nanoseconds far from overflow) */
#define MAX_CACHE_MB 65536
#define MAX_CACHE_TTL (100LL * 366 * 86400)

/* A whole number in [min, max] into *out: 0, or -EINVAL. */
static int parse_num(const char *val, long long min, long long max, long long *out)
{
	char *end;

	if (!val || *val < '0' || *val > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoll(val, &end, 10);
	return *end || errno || *out < min || *out > max ? -EINVAL : 0;
}

int fs_db_conf_opt(fs_db_conf *c, const char *opt)
{
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *val = eq ? eq + 1 : NULL;

	if (klen == 6 && strncmp(opt, "format", 6) == 0) {
		if (val && strcmp(val, "plain") == 0)
			c->format = LAY_FMT_PLAIN;
		else if (val && strcmp(val, "ddb") == 0)
			c->format = LAY_FMT_DDB;
		else
			goto bad;
		return 1;
	}
	if (klen == 4 && strncmp(opt, "sync", 4) == 0) {
		long long ms;

		if (val && strcmp(val, "always") == 0) {
			c->sync_always = 1;
			return 1;
		}
		if (parse_num(val, 1, 3600000, &ms) < 0)
			goto bad;
		c->sync_ms = (int)ms;
		return 1;
	}
	if (klen == 8 && strncmp(opt, "throttle", 8) == 0) {
		if (val && strcmp(val, "delay") == 0)
			c->throttle = ENG_THROTTLE_DELAY;
		else if (val && strcmp(val, "error") == 0)
			c->throttle = ENG_THROTTLE_ERROR;
		else
			goto bad;
		return 1;
	}
	if (klen == 5 && strncmp(opt, "cache", 5) == 0) {
		if (val && strcmp(val, "on") == 0)
			c->cache_off = 0;
		else if (val && strcmp(val, "off") == 0)
			c->cache_off = 1;
		else
			goto bad;
		return 1;
	}
	if (klen == 8 && strncmp(opt, "cache_mb", 8) == 0) {
		long long mb;

		if (parse_num(val, 1, MAX_CACHE_MB, &mb) < 0)
			goto bad;
		c->cache_mb = (long)mb;
		return 1;
	}
	if (klen == 9 && strncmp(opt, "cache_ttl", 9) == 0) {
		if (parse_num(val, 1, MAX_CACHE_TTL, &c->cache_ttl) < 0)
			goto bad;
		return 1;
	}
	if (strcmp(opt, "test_clock") == 0) {
		c->test_clock = 1;
		return 1;
	}
	return 0;
bad:
	fprintf(stderr, "ddbfs: bad value in option %s\n", opt);
	return -EINVAL;
}

int fs_db_open_waiting(eng_db **out, const char *data_dir, const eng_db_opts *o, lay_err *err)
{
	struct timespec t0, now, nap = { 0, 50 * 1000000 };
	char *where = NULL;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = eng_db_open(out, data_dir, o, err);
		if (rc != -EBUSY)
			break;
		if (fs_mnt_holder_live(data_dir, &where)) {
			if (where && strlen(err->msg) + strlen(where) + 16 < sizeof(err->msg))
				snprintf(err->msg + strlen(err->msg),
					 sizeof(err->msg) - strlen(err->msg), ", mounted on %s",
					 where);
			free(where);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >=
		    EXIT_WAIT_MS)
			break;
		nanosleep(&nap, NULL);
	}
	return rc;
}

int fs_db_open(eng_db **out, eng_clock **clock_out, const char *data_dir, const fs_db_conf *c,
	       int (*stop_waiting)(void *ctx), lay_err *err)
{
	eng_db_opts dbo = { 0 };
	int rc;

	*out = NULL;
	if (eng_clock_new(clock_out, c->test_clock) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory");
	dbo.sync_always = c->sync_always;
	dbo.sync_ms = c->sync_ms;
	if (c->ro)
		dbo.maint_ms = -1; /* read-only: no sweeping or trimming either */
	dbo.clock = *clock_out;
	dbo.guard_dir = c->mountpoint;
	dbo.format = c->format; /* file sizes are of this format's text */
	dbo.throttle = c->throttle;
	dbo.stop_waiting = stop_waiting;
	if (!c->cache_off)
		dbo.cache_bytes = (size_t)(c->cache_mb ? c->cache_mb : FS_CACHE_MB) << 20;
	dbo.cache_ttl_ns = (c->cache_ttl ? c->cache_ttl : FS_CACHE_TTL) * 1000000000LL;
	rc = fs_db_open_waiting(out, data_dir, &dbo, err);
	if (rc < 0) {
		eng_clock_free(*clock_out);
		*clock_out = NULL;
	}
	return rc;
}

/* ---- ddbfs serve ---- */

static const char serve_usage[] =
    "usage: ddbfs serve DATA_DIR --listen ADDR:PORT [--public] [--ro] [-o OPTION,...]\n"
    "\n"
    "Serves the database in DATA_DIR (created if missing) over HTTP in DynamoDB's\n"
    "JSON protocol, without mounting it: the AWS CLI and the SDKs talk to it with\n"
    "--endpoint-url http://ADDR:PORT. Stays in the foreground; SIGINT or SIGTERM\n"
    "stops it, every acknowledged write synced. One process owns DATA_DIR: a mount\n"
    "of it, or another serve, holds it.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen: ADDR:PORT, [IPV6]:PORT, or PORT alone\n"
    "                      on 127.0.0.1 (port 0: any free port, printed)\n"
    "  --public            allow an address that is not loopback: requests are\n"
    "                      accepted with any credentials\n"
    "  --ro                read-only: requests that write fail\n"
    "  -o OPTION,...       the mount's engine options: format, sync, throttle,\n"
    "                      cache, cache_mb, cache_ttl, test_clock (ddbfs --help)\n";

/* a stopping serve lets requests that wait for capacity through */
static int serve_stopping;

static int serve_stop_waiting(void *ctx)
{
	(void)ctx;
	return __atomic_load_n(&serve_stopping, __ATOMIC_RELAXED);
}

/* The flags and options into *listen, *public and c; 0, or the exit
 * status for bad arguments (2) or --help (-1). */
static int serve_args(int argc, char **argv, const char **data_dir, const char **listen,
		      int *public, fs_db_conf *c)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(serve_usage, stdout);
			return -1;
		} else if (strcmp(a, "--listen") == 0 && i + 1 < argc) {
			*listen = argv[++i];
		} else if (strncmp(a, "--listen=", 9) == 0) {
			*listen = a + 9;
		} else if (strcmp(a, "--public") == 0) {
			*public = 1;
		} else if (strcmp(a, "--ro") == 0) {
			c->ro = 1;
		} else if (strncmp(a, "-o", 2) == 0) {
			char *list =
			    a[2] ? strdup(a + 2) : (i + 1 < argc ? strdup(argv[++i]) : NULL);
			char *save = NULL, *tok;
			int rc = 0;

			if (!list) {
				fprintf(stderr, "ddbfs serve: -o needs options\n");
				return 2;
			}
			for (tok = strtok_r(list, ",", &save); tok && rc >= 0;
			     tok = strtok_r(NULL, ",", &save)) {
				if (strcmp(tok, "ro") == 0)
					c->ro = 1;
				else if ((rc = fs_db_conf_opt(c, tok)) == 0) {
					fprintf(stderr, "ddbfs serve: unknown option %s\n", tok);
					rc = -EINVAL;
				}
			}
			free(list);
			if (rc < 0)
				return 2;
		} else if (a[0] == '-') {
			fprintf(stderr, "ddbfs serve: unknown or incomplete flag %s\n", a);
			return 2;
		} else if (!*data_dir) {
			*data_dir = a;
		} else {
			fprintf(stderr, "ddbfs serve: unexpected argument %s\n", a);
			return 2;
		}
	}
	if (!*data_dir || !*listen) {
		fputs(serve_usage, stderr);
		return 2;
	}
	return 0;
}

int fs_serve_main(int argc, char **argv)
{
	const char *dir = NULL, *listen = NULL;
	char data_dir[PATH_MAX];
	fs_db_conf conf = { 0 };
	fs_http *http = NULL;
	eng_clock *clock = NULL;
	eng_db *db = NULL;
	lay_err err = { 0 };
	sigset_t stop;
	int public = 0, rc, sig;

	if ((rc = serve_args(argc, argv, &dir, &listen, &public, &conf)) != 0)
		return rc < 0 ? 0 : rc;
	rc = 1;
	/* the port first: a port in use is said before anything is created */
	if (fs_http_open(&http, listen, public, &err) < 0) {
		fprintf(stderr, "ddbfs serve: %s\n", err.msg);
		return 1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "ddbfs serve: cannot create %s: %s\n", dir, strerror(errno));
		goto out_http;
	}
	if (!realpath(dir, data_dir)) {
		fprintf(stderr, "ddbfs serve: %s: %s\n", dir, strerror(errno));
		goto out_http;
	}
	/* SIGINT and SIGTERM are waited for, by this thread alone */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* also when started in the background of a shell, which ignores SIGINT */
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (fs_held_free("ddbfs serve", data_dir, &err) < 0 ||
	    fs_db_open(&db, &clock, data_dir, &conf, serve_stop_waiting, &err) < 0) {
		fprintf(stderr, "ddbfs serve: %s\n", err.msg);
		goto out_http;
	}
	fs_errlog_open(data_dir);
	if (fs_http_start(http, db, conf.ro, &err) < 0) {
		fprintf(stderr, "ddbfs serve: %s\n", err.msg);
		goto out_db;
	}
	fs_log("serving %s on http://%s (pid %d)", data_dir, fs_http_where(http), (int)getpid());
	fprintf(stderr, "ddbfs: serving %s on http://%s\n", data_dir, fs_http_where(http));
	while (sigwait(&stop, &sig) != 0)
		;
	__atomic_store_n(&serve_stopping, 1, __ATOMIC_RELAXED);
	fs_log("stopping the endpoint on http://%s (signal %d)", fs_http_where(http), sig);
	fs_http_close(http);
	http = NULL;
	rc = 0;
out_db:
	eng_db_close(db);
	eng_clock_free(clock);
	fs_errlog_close();
out_http:
	fs_http_close(http);
	return rc;
}
