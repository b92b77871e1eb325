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
#include "held.h"
#include "hide.h"
#include "http.h"
#include "inode.h"
#include "mountpoint.h"
#include "notify.h"
#include "ops.h"
#include "rename.h"
#include "scratch.h"
#include "serve.h"


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
    "  http=ADDR:PORT     serve DynamoDB's API over HTTP there too (PORT alone:\n"
    "                     127.0.0.1:PORT); any credentials are accepted\n"
    "  http_public        let http= name an address that is not loopback\n"
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
    "  api [MNT] ACTION [< REQUEST.json]\n"
    "                     send one request of DynamoDB's API (MNT/.ddbfs/api)\n"
    "  serve DATA_DIR --listen ADDR:PORT [--public] [--ro]\n"
    "                     serve DynamoDB's API over HTTP without mounting\n"
    "  check DATA_DIR [--force] [--quiet]\n"
    "                     check the database without writing to it: exit 0\n"
    "                     healthy, 1 problems found, 2 could not check\n"
    "\n"
    "Errors of failed operations: MOUNTPOINT/.ddbfs/errors and DATA_DIR/ddbfs.log.\n";

typedef struct mount_opts {
	const char *data_dir;
	const char *mountpoint;
	int foreground;
	int debug;
	fs_db_conf db;     /* the engine's options; db.ro is -o ro */
	int show_magic;
	char *http;        /* -o http=ADDR:PORT (owned), or NULL */
	int http_public;   /* -o http_public: a non-loopback ADDR is meant */
	lay_buf fuse_opts; /* options passed on to libfuse */
} mount_opts;

/* One -o option: ours are consumed, the rest go to libfuse, which refuses
 * what it does not know. */
static int mount_opt(mount_opts *o, const char *opt)
{
	static const char *later[] = { "policy", "region" };
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *val = eq ? eq + 1 : NULL;
	size_t i;
	int rc;

	if ((rc = fs_db_conf_opt(&o->db, opt)) != 0)
		return rc < 0 ? rc : 0;
	if (klen == 4 && strncmp(opt, "http", 4) == 0) {
		if (!val || !*val)
			goto bad;
		free(o->http);
		if (!(o->http = strdup(val))) /* val is in a list parse_args frees */
			return -ENOMEM;
		return 0;
	}
	if (strcmp(opt, "http_public") == 0) {
		o->http_public = 1;
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
		o->db.ro = 1;
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
		"(commands: create-table, restore, trigger, export, import, api, serve; to mount: "
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
	eng_clock *clock = NULL;
	fs_http *http = NULL;
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
	/* a killed daemon of DATA_DIR's that the kernel holds keeps its mount
	 * from answering (maybe on this mount point) and DATA_DIR locked */
	if (realpath(o->data_dir, data_dir) && fs_held_free("ddbfs", data_dir, &err) < 0) {
		fprintf(stderr, "ddbfs: %s\n", err.msg);
		return 1;
	}
	/* a dead mount there goes, a live one stays and we do not stack */
	if (fs_mnt_prepare(o->mountpoint, &err) < 0) {
		fprintf(stderr, "ddbfs: %s\n", err.msg);
		return 1;
	}

	/* the endpoint's port is taken now, to be served once mounted: a port
	 * in use is said before anything is created */
	if (o->http && fs_http_open(&http, o->http, o->http_public, &err) < 0) {
		fprintf(stderr, "ddbfs: %s\n", err.msg);
		return 1;
	}

	if (mkdir(o->data_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "ddbfs: cannot create %s: %s\n", o->data_dir, strerror(errno));
		goto out_http;
	}
	if (!realpath(o->data_dir, data_dir)) {
		fprintf(stderr, "ddbfs: %s: %s\n", o->data_dir, strerror(errno));
		goto out_http;
	}
	if (!o->foreground) {
		pid_t pid;

		if (pipe(pipefd) < 0 || (pid = fork()) < 0) {
			perror("ddbfs");
			goto out_http;
		}
		if (pid > 0) {
			ssize_t got;

			close(pipefd[1]);
			fs_http_close(http); /* the daemon's now */
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

	fs.format = o->db.format;
	fs.show_magic = o->show_magic;
	fs.test_clock = o->db.test_clock;
	fs.ro = o->db.ro;
	fs.data_dir = data_dir;
	fs.timeout = 60.0;
	pthread_mutex_init(&fs.lock, NULL);
	o->db.mountpoint = o->mountpoint;
	if (fs_db_open(&fs.db, &clock, data_dir, &o->db, session_ending, &err) < 0) {
		report(pipefd[1], err.msg);
		goto out_http;
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
	if (fs_hide_open(data_dir, o->db.ro) < 0) {
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
	if (http && fs_http_start(http, fs.db, o->db.ro, &err) < 0) {
		report(pipefd[1], err.msg);
		goto out_stop;
	}
	fs_log("mounted %s on %s (pid %d)", data_dir, o->mountpoint, (int)getpid());
	if (http)
		fs_log("serving DynamoDB's API on http://%s", fs_http_where(http));
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
	/* no request of the endpoint's outlives the mount */
	fs_http_close(http);
	http = NULL;
	/* a mount that starts now waits for the lock instead of failing */
	fs_mnt_unrecord(data_dir);
	fuse_loop_cfg_destroy(loop);
out_stop:
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
	eng_clock_free(clock);
out_http:
	fs_http_close(http);
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
	free(o.http);
	return rc;
}
