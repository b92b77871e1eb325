/* The ddbfs command (SPEC §1, §2): mounts DATA_DIR on MOUNTPOINT, daemonized
 * unless -f, and runs the small commands that files cannot say. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "errlog.h"
#include "expire.h"
#include "hide.h"
#include "inode.h"
#include "mountpoint.h"
#include "notify.h"
#include "ops.h"
#include "rename.h"
#include "scratch.h"

/* how long a mount waits for an exiting daemon to let go of DATA_DIR */
#define EXIT_WAIT_MS 5000
/* the item cache (SPEC §11): its bound in MB and its entries' life in
 * seconds, by default (as DAX's) and at most (a century keeps the
 * nanoseconds far from overflow) */
#define DEFAULT_CACHE_MB 64
#define MAX_CACHE_MB 65536
#define DEFAULT_CACHE_TTL 300
#define MAX_CACHE_TTL (100LL * 366 * 86400)


static const char usage[] =
    "usage: ddbfs DATA_DIR MOUNTPOINT [-f] [-o OPTION[,OPTION...]]\n"
    "       ddbfs COMMAND [ARGS...]      (ddbfs COMMAND --help for each)\n"
    "\n"
    "Mounts the DynamoDB database in DATA_DIR (created if missing) on MOUNTPOINT:\n"
    "tables are directories, partition keys directories, items JSON files.\n"
    "Unmount with: fusermount3 -u MOUNTPOINT\n"
    "\n"
    "  -f                 stay in the foreground (default: daemonize once mounted)\n"
    "  -h, --help         this help\n"
    "\n"
    "options (-o):\n"
    "  format=plain|ddb   item rendering: native JSON (default) or DynamoDB JSON\n"
    "  sync=always|MS     make each commit durable before close() returns, or\n"
    "                     sync committed data every MS milliseconds (default 1000)\n"
    "  throttle=delay|error\n"
    "                     a PROVISIONED table out of capacity makes a request\n"
    "                     wait for it (default) or fail with EAGAIN\n"
    "  cache=on|off       the daemon's cache of rendered items (default on);\n"
    "                     every change invalidates it, so it is never stale\n"
    "  cache_mb=N         the cache's bound in MB, 1 to 65536 (default 64)\n"
    "  cache_ttl=S        seconds an item stays cached, at least 1 (default 300)\n"
    "  test_clock         .ddbfs/clock accepts +SECONDS to move time forward\n"
    "  show_magic         list .ddbfs, .table.json and .stream in directories\n"
    "  ro, allow_other, allow_root, auto_unmount, ...\n"
    "                     FUSE's own mount options\n"
    "\n"
    "commands:\n"
    "  create-table MNT NAME --pk ATTR:TYPE [--sk ATTR:TYPE]\n"
    "                     create a table with a key schema (TYPE is S, N or B)\n"
    "  restore SNAPSHOT_DIR NEW\n"
    "                     restore a backup or a point in time as table NEW\n"
    "  trigger MNT/T -- COMMAND [ARGS...]\n"
    "                     run COMMAND on each batch of new stream records\n"
    "  export MNT/T DIR [--time T] [--format ddb|ion] [--from T1 --to T2]\n"
    "                     write DynamoDB's S3 export layout of T into DIR\n"
    "  import SRC MNT NEW --format csv|ddb|ion --pk ATTR:TYPE [--sk ATTR:TYPE]\n"
    "                     make table NEW from files; --watch DIR MNT/T keeps importing\n"
    "  api MNT ACTION [< REQUEST.json]\n"
    "                     send one request of DynamoDB's API (MNT/.ddbfs/api)\n"
    "\n"
    "Errors of failed operations: MOUNTPOINT/.ddbfs/errors and DATA_DIR/ddbfs.log.\n";

typedef struct mount_opts {
	const char *data_dir;
	const char *mountpoint;
	int foreground;
	int debug;
	lay_format format;
	int sync_always;
	int sync_ms;
	int test_clock;
	int show_magic;
	int ro;
	eng_throttle throttle;
	int cache_off;
	long cache_mb;        /* 0: DEFAULT_CACHE_MB */
	long long cache_ttl;  /* seconds; 0: DEFAULT_CACHE_TTL */
	lay_buf fuse_opts; /* options passed on to libfuse */
} mount_opts;

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

/* One -o option: ours are consumed, the rest go to libfuse, which refuses
 * what it does not know. */
static int mount_opt(mount_opts *o, const char *opt)
{
	static const char *later[] = { "policy", "region" };
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *val = eq ? eq + 1 : NULL;
	size_t i;

	if (klen == 6 && strncmp(opt, "format", 6) == 0) {
		if (val && strcmp(val, "plain") == 0)
			o->format = LAY_FMT_PLAIN;
		else if (val && strcmp(val, "ddb") == 0)
			o->format = LAY_FMT_DDB;
		else
			goto bad;
		return 0;
	}
	if (klen == 4 && strncmp(opt, "sync", 4) == 0) {
		char *end;
		long ms;

		if (val && strcmp(val, "always") == 0) {
			o->sync_always = 1;
			return 0;
		}
		if (!val || !*val)
			goto bad;
		ms = strtol(val, &end, 10);
		if (*end || ms < 1 || ms > 3600000)
			goto bad;
		o->sync_ms = (int)ms;
		return 0;
	}
	if (klen == 8 && strncmp(opt, "throttle", 8) == 0) {
		if (val && strcmp(val, "delay") == 0)
			o->throttle = ENG_THROTTLE_DELAY;
		else if (val && strcmp(val, "error") == 0)
			o->throttle = ENG_THROTTLE_ERROR;
		else
			goto bad;
		return 0;
	}
	if (klen == 5 && strncmp(opt, "cache", 5) == 0) {
		if (val && strcmp(val, "on") == 0)
			o->cache_off = 0;
		else if (val && strcmp(val, "off") == 0)
			o->cache_off = 1;
		else
			goto bad;
		return 0;
	}
	if (klen == 8 && strncmp(opt, "cache_mb", 8) == 0) {
		long long mb;

		if (parse_num(val, 1, MAX_CACHE_MB, &mb) < 0)
			goto bad;
		o->cache_mb = (long)mb;
		return 0;
	}
	if (klen == 9 && strncmp(opt, "cache_ttl", 9) == 0) {
		if (parse_num(val, 1, MAX_CACHE_TTL, &o->cache_ttl) < 0)
			goto bad;
		return 0;
	}
	if (strcmp(opt, "test_clock") == 0) {
		o->test_clock = 1;
		return 0;
	}
	if (strcmp(opt, "show_magic") == 0) {
		o->show_magic = 1;
		return 0;
	}
	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		if (strlen(later[i]) == klen && strncmp(opt, later[i], klen) == 0) {
			fprintf(stderr, "ddbfs: option %s is not available in this version\n", opt);
			return -EINVAL;
		}
	}
	if (strcmp(opt, "ro") == 0)
		o->ro = 1;
	if (strcmp(opt, "default_permissions") == 0)
		return 0;
	if (o->fuse_opts.len)
		lay_buf_addc(&o->fuse_opts, ',');
	lay_buf_adds(&o->fuse_opts, opt);
	return 0;
bad:
	fprintf(stderr, "ddbfs: bad value in option %s\n", opt);
	return -EINVAL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr,
		"ddbfs: unknown command %s\n"
		"(commands: create-table, restore, trigger, export, import, api; to mount: "
		"ddbfs DATA_DIR MOUNTPOINT; "
		"see ddbfs --help)\n",
		name);
	return -EINVAL;
}

static int parse_args(mount_opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "-f") == 0) {
			o->foreground = 1;
		} else if (strcmp(a, "-d") == 0) {
			o->foreground = o->debug = 1;
		} else if (strncmp(a, "-o", 2) == 0) {
			char *list =
			    a[2] ? strdup(a + 2) : (i + 1 < argc ? strdup(argv[++i]) : NULL);
			char *save = NULL, *tok;

			if (!list) {
				fprintf(stderr, "ddbfs: -o needs options\n");
				return -EINVAL;
			}
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (mount_opt(o, tok) < 0) {
					free(list);
					return -EINVAL;
				}
			}
			free(list);
		} else if (a[0] == '-') {
			fprintf(stderr, "ddbfs: unknown flag %s (see ddbfs --help)\n", a);
			return -EINVAL;
		} else if (!o->data_dir) {
			o->data_dir = a;
		} else if (!o->mountpoint) {
			o->mountpoint = a;
		} else if (o->data_dir == argv[1]) {
			/* a mistyped command: its arguments are one too many for a mount */
			return unknown_command(argv[1]);
		} else {
			fprintf(stderr, "ddbfs: unexpected argument %s\n", a);
			return -EINVAL;
		}
	}
	if (o->data_dir && !o->mountpoint && o->data_dir == argv[1])
		return unknown_command(argv[1]);
	if (!o->data_dir || !o->mountpoint) {
		fputs(usage, stderr);
		return -EINVAL;
	}
	return 0;
}

/* Tell the waiting parent how mounting went: "" for success, else the
 * message. */
static void report(int fd, const char *msg)
{
	if (fd < 0) {
		if (*msg)
			fprintf(stderr, "ddbfs: %s\n", msg);
		return;
	}
	if (write(fd, msg, strlen(msg) + 1) < 0)
		return; /* the parent is gone; nothing to tell */
	close(fd);
}

/* The arguments libfuse gets: ours first, then the user's -o options.
 * The caller frees them with fuse_opt_free_args. */
static int fuse_args_build(struct fuse_args *out, const mount_opts *o)
{
	lay_buf opts = LAY_BUF_INIT;
	int rc = -ENOMEM;

	*out = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	if (lay_buf_adds(&opts, "default_permissions,fsname=ddbfs,subtype=ddbfs") < 0 ||
	    (o->fuse_opts.len && lay_buf_addf(&opts, ",%s", o->fuse_opts.p) < 0))
		goto out;
	if (fuse_opt_add_arg(out, "ddbfs") < 0 || (o->debug && fuse_opt_add_arg(out, "-d") < 0) ||
	    fuse_opt_add_arg(out, "-o") < 0 || fuse_opt_add_arg(out, opts.p) < 0) {
		fuse_opt_free_args(out);
		goto out;
	}
	rc = 0;
out:
	lay_buf_free(&opts);
	return rc;
}

/* Open DATA_DIR as fs.db. A daemon that was just unmounted may still be
 * closing it, holding its lock: wait for it, up to EXIT_WAIT_MS. A holder
 * that serves a mount is live, and the answer is EBUSY at once. */
static int open_db(const char *data_dir, const eng_db_opts *dbo, lay_err *err)
{
	struct timespec t0, now, nap = { 0, 50 * 1000000 };
	char *where = NULL;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = eng_db_open(&fs.db, data_dir, dbo, err);
		if (rc != -EBUSY)
			return rc;
		if (fs_mnt_holder_live(data_dir, &where)) {
			if (where && strlen(err->msg) + strlen(where) + 16 < sizeof(err->msg))
				snprintf(err->msg + strlen(err->msg),
					 sizeof(err->msg) - strlen(err->msg), ", mounted on %s",
					 where);
			free(where);
			return rc;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >=
		    EXIT_WAIT_MS)
			return rc;
		nanosleep(&nap, NULL);
	}
}

/* Requests waiting for capacity go on when the daemon is told to stop:
 * the loop joins every worker before it ends. */
static int session_ending(void *ctx)
{
	(void)ctx;
	return fs.se && fuse_session_exited(fs.se);
}

static int run_mount(mount_opts *o)
{
	char data_dir[PATH_MAX], mnt[PATH_MAX], msg[LAY_ERR_MSG + 64];
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config *loop = NULL;
	eng_db_opts dbo = { 0 };
	eng_clock *clock = NULL;
	lay_err err = { 0 };
	int pipefd[2] = { -1, -1 }, rc = 1, e;

	/* the daemon works from "/": it needs the mount point's full path */
	if (fs_mnt_resolve(mnt, sizeof(mnt), o->mountpoint, &err) < 0) {
		fprintf(stderr, "ddbfs: %s\n", err.msg);
		return 1;
	}
	o->mountpoint = mnt;
	/* refuse bad options before anything is created */
	if (fuse_args_build(&args, o) < 0) {
		fprintf(stderr, "ddbfs: out of memory\n");
		return 1;
	}
	fs.se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	fuse_opt_free_args(&args);
	if (!fs.se) {
		fprintf(stderr, "ddbfs: bad mount options (see above)\n");
		return 1;
	}
	fuse_session_destroy(fs.se);
	fs.se = NULL;
	/* a dead mount there goes, a live one stays and we do not stack */
	if (fs_mnt_prepare(o->mountpoint, &err) < 0) {
		fprintf(stderr, "ddbfs: %s\n", err.msg);
		return 1;
	}

	if (mkdir(o->data_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "ddbfs: cannot create %s: %s\n", o->data_dir, strerror(errno));
		return 1;
	}
	if (!realpath(o->data_dir, data_dir)) {
		fprintf(stderr, "ddbfs: %s: %s\n", o->data_dir, strerror(errno));
		return 1;
	}
	if (!o->foreground) {
		pid_t pid;

		if (pipe(pipefd) < 0 || (pid = fork()) < 0) {
			perror("ddbfs");
			return 1;
		}
		if (pid > 0) {
			ssize_t got;

			close(pipefd[1]);
			got = read(pipefd[0], msg, sizeof(msg) - 1);
			if (got <= 0) {
				fprintf(stderr, "ddbfs: the daemon died while mounting\n");
				return 1;
			}
			msg[got] = '\0';
			if (msg[0]) {
				fprintf(stderr, "ddbfs: %s\n", msg);
				return 1;
			}
			return 0;
		}
		close(pipefd[0]);
		setsid();
	}

	if (eng_clock_new(&clock, o->test_clock) < 0) {
		report(pipefd[1], "out of memory");
		return 1;
	}
	dbo.sync_always = o->sync_always;
	dbo.sync_ms = o->sync_ms;
	if (o->ro)
		dbo.maint_ms = -1; /* read-only: no sweeping or trimming either */
	dbo.clock = clock;
	dbo.format = o->format; /* file sizes are of this format's text */
	dbo.throttle = o->throttle;
	dbo.stop_waiting = session_ending;
	if (!o->cache_off)
		dbo.cache_bytes = (size_t)(o->cache_mb ? o->cache_mb : DEFAULT_CACHE_MB) << 20;
	dbo.cache_ttl_ns = (o->cache_ttl ? o->cache_ttl : DEFAULT_CACHE_TTL) * 1000000000LL;
	fs.format = o->format;
	fs.show_magic = o->show_magic;
	fs.test_clock = o->test_clock;
	fs.ro = o->ro;
	fs.data_dir = data_dir;
	fs.timeout = 60.0;
	pthread_mutex_init(&fs.lock, NULL);
	if (open_db(data_dir, &dbo, &err) < 0) {
		report(pipefd[1], err.msg);
		goto out_clock;
	}
	fs_errlog_open(data_dir);
	if (fs_nodes_init() < 0) {
		report(pipefd[1], "out of memory");
		goto out_db;
	}
	{
		/* two descriptors per open scratch file: allow all we may */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (fs_scratch_open(data_dir, &err) < 0) {
		report(pipefd[1], err.msg);
		goto out_db;
	}
	if (fs_hide_open(data_dir, o->ro) < 0) {
		report(pipefd[1], "out of memory");
		goto out_db;
	}

	/* fuse_session_new takes the mount options out of the args it is
	 * given, so the session that mounts needs a fresh set */
	if (fuse_args_build(&args, o) < 0) {
		report(pipefd[1], "out of memory");
		goto out_db;
	}
	fs.se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	if (!fs.se) {
		report(pipefd[1], "bad mount options (libfuse printed which)");
		goto out_db;
	}
	if (fuse_set_signal_handlers(fs.se) != 0) {
		report(pipefd[1], "cannot set signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(fs.se, o->mountpoint) != 0) {
		snprintf(msg, sizeof(msg), "cannot mount on %s", o->mountpoint);
		report(pipefd[1], msg);
		goto out_signals;
	}
	if (fs_notify_start() < 0) {
		report(pipefd[1], "cannot start the notify thread");
		goto out_unmount;
	}
	fs_expire_start();
	fs_log("mounted %s on %s (pid %d)", data_dir, o->mountpoint, (int)getpid());
	if ((e = fs_mnt_record(data_dir, o->mountpoint)) < 0)
		fs_log("cannot note the mount point in %s: %s", data_dir, strerror(-e));
	report(pipefd[1], "");
	if (!o->foreground) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		if (chdir("/") < 0)
			fs_log("chdir /: %s", strerror(errno));
	}

	loop = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(loop, 16);
	fuse_loop_cfg_set_idle_threads(loop, 8);
	rc = fuse_session_loop_mt(fs.se, loop);
	/* an unmount ends the loop with 0, SIGTERM/SIGINT/SIGHUP with the signal */
	rc = rc == 0 || rc == SIGTERM || rc == SIGINT || rc == SIGHUP ? 0 : 1;
	/* a mount that starts now waits for the lock instead of failing */
	fs_mnt_unrecord(data_dir);
	fuse_loop_cfg_destroy(loop);
	fs_expire_stop();
	fs_notify_stop();
	fs_node_graves_free();
	fs_tables_retired_free();
	fs_hide_close();
	fs_log("unmounting %s", o->mountpoint);
out_unmount:
	fuse_session_unmount(fs.se);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
	fs.se = NULL;
out_db:
	fs_scratch_close();
	eng_db_close(fs.db);
	fs_errlog_close();
out_clock:
	eng_clock_free(clock);
	fuse_opt_free_args(&args);
	return rc;
}

int main(int argc, char **argv)
{
	mount_opts o = { 0 };
	int rc;

	if (argc > 1 && argv[1][0] != '-' && fs_cmd_known(argv[1]))
		return fs_cmd_run(argc - 1, argv + 1);
	if (parse_args(&o, argc, argv) < 0)
		return 2;
	rc = run_mount(&o);
	lay_buf_free(&o.fuse_opts);
	return rc;
}
