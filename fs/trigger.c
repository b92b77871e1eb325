/* ddbfs trigger (SPEC §8): follows MNT/T/.stream as tail -f does, runs
 * COMMAND once per batch of records with the batch on its stdin, retries a
 * failing batch with backoff, and keeps the offset just past the last
 * accepted batch in a checkpoint file so that a restart resumes there
 * (at-least-once). A plain client of the mount: it needs no daemon state. */
#include "trigger.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../layout/buf.h"
#include "../layout/err.h"

#define BATCH_DEFAULT 100
#define BATCH_MAX 10000 /* Lambda's limit for DynamoDB stream sources */
#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 10000
#define POLL_MS 200 /* how often an idle trigger looks for growth */
#define READ_CHUNK (256 * 1024)

static const char usage[] =
    "usage: ddbfs trigger [--batch N] [--checkpoint FILE] [--from-start|--from-end]\n"
    "                     [--max-backoff S] MNT/TABLE -- COMMAND [ARGS...]\n"
    "\n"
    "The Lambda-trigger analogue: follows MNT/TABLE/.stream (like tail -f) and runs\n"
    "COMMAND, without a shell, once per batch of new stream records, with the batch\n"
    "on its standard input: JSON Lines, one DynamoDB Streams record per line, in\n"
    "stream order. A batch holds up to N records; it holds what is there and does\n"
    "not wait to fill. COMMAND's stdout and stderr pass through.\n"
    "\n"
    "A batch is accepted when COMMAND exits 0. The byte offset just past it is then\n"
    "written to the checkpoint file (temp file, fsync, rename), and a restart resumes\n"
    "from there. A batch that fails (non-zero exit or killed by a signal) is run\n"
    "again, same records, after 0.2 s, then doubling delays up to 10 s; the\n"
    "checkpoint does not move until it succeeds. Delivery is at least once: a batch\n"
    "accepted just before a crash, whose checkpoint was not yet written, is\n"
    "delivered again, so make COMMAND idempotent (eventID and\n"
    "dynamodb.SequenceNumber identify a record).\n"
    "\n"
    "options:\n"
    "  --batch N          at most N records per batch (1-10000, default 100)\n"
    "  --checkpoint FILE  where the checkpoint is kept (default below); it holds the\n"
    "                     offset in decimal; missing directories are created\n"
    "  --from-start       with no checkpoint yet, start at the oldest record (default)\n"
    "  --from-end         with no checkpoint yet, start after the last record now in\n"
    "                     the stream\n"
    "  --max-backoff S    longest delay between retries, in seconds (default 10)\n"
    "  -h, --help         this help\n"
    "\n"
    "An existing checkpoint always wins over --from-start and --from-end (as a\n"
    "Lambda event source mapping's starting position only applies once); delete it\n"
    "to start over. The start position is written as the checkpoint at once, so a\n"
    "restart after --from-end skips nothing that arrived in between.\n"
    "\n"
    "The default checkpoint is $XDG_STATE_HOME/ddbfs/trigger-NAME.offset\n"
    "($HOME/.local/state/ddbfs/... when XDG_STATE_HOME is unset), NAME being the\n"
    "table's absolute path without its leading '/' and with every '/' turned into\n"
    "'_': /mnt/db/Orders uses trigger-mnt_db_Orders.offset. Two triggers on one\n"
    "table (two consumers) need a --checkpoint each; a second trigger on a\n"
    "checkpoint that is in use is refused (FILE.lock holds the lock).\n"
    "\n"
    "COMMAND's environment adds DDBFS_TRIGGER_OFFSET (stream offset of the batch's\n"
    "first record), DDBFS_TRIGGER_RECORDS (records in the batch) and\n"
    "DDBFS_TRIGGER_ATTEMPT (1, then 2, 3, ... on retries of the same batch).\n"
    "\n"
    "SIGTERM or SIGINT stops the trigger: a running COMMAND is waited for (a second\n"
    "signal sends it SIGTERM) and its batch counts only if it succeeded; a retry\n"
    "that is waiting is abandoned.\n"
    "\n"
    "exit status: 0 stopped by a signal; 1 the stream went away (table deleted,\n"
    "mount gone, stream turned OFF) or could not be read; 2 bad arguments, not a\n"
    "table with a .stream, a stream that is OFF, COMMAND not found, or the\n"
    "checkpoint is unusable.\n"
    "\n"
    "example:\n"
    "  setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES mnt/Orders\n"
    "  ddbfs trigger --batch 10 mnt/Orders -- sh -c 'jq -c .dynamodb.Keys >>keys.log'\n";

typedef struct trigger {
	/* the command line */
	const char *table_arg;
	const char *ckpt_arg;
	char **cmd; /* COMMAND and its arguments, NULL-terminated */
	long batch_max;
	int from_end;
	int max_backoff_ms;

	/* resolved at start; owned */
	char *table;  /* absolute path of the table directory */
	char *stream; /* table + "/.stream" */
	char *ckpt;   /* the checkpoint file */
	int fd;	      /* the open stream */
	int lock_fd;  /* flock on ckpt + ".lock" */
	dev_t dev;    /* identity of the open stream, to notice a new one */
	ino_t ino;

	/* reading: buf holds stream bytes from buf_off on that are not accepted yet */
	lay_buf buf;
	off_t buf_off;
	size_t scan;	  /* bytes of buf taken into the batch or skipped */
	size_t batch_end; /* bytes of buf up to just past the batch's last record */
	lay_buf batch;	  /* the batch's records, as COMMAND reads them */
	long nrec;
	off_t batch_off; /* stream offset of the batch's first record */
} trigger;

/* The only globals: what a signal handler must reach. */
static volatile sig_atomic_t stop_signals;  /* SIGTERM/SIGINT received */
static volatile sig_atomic_t running_child; /* COMMAND's pid while it runs, else 0 */
static int wake_fd[2] = { -1, -1 };	    /* self-pipe: a signal ends a nap */

static void on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	stop_signals = stop_signals + 1;
	if (stop_signals > 1 && running_child > 0)
		kill(running_child, SIGTERM);
	if (write(wake_fd[1], "", 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

/* Sleep ms milliseconds, or less if a stop signal comes. Returns 1 if the
 * trigger is stopping. The self-pipe makes the check-then-sleep race free. */
static int nap(int ms)
{
	struct pollfd p = { .fd = wake_fd[0], .events = POLLIN };
	char drain[64];

	if (stop_signals)
		return 1;
	if (poll(&p, 1, ms) > 0)
		while (read(wake_fd[0], drain, sizeof(drain)) > 0)
			;
	return stop_signals != 0;
}

static int signals_install(lay_err *err)
{
	struct sigaction sa;

	if (pipe2(wake_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return lay_err_set(err, -errno, "pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: waits must see the signal */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* COMMAND may stop reading its stdin; its exit status decides, not EPIPE */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int parse_batch(long *out, const char *s, lay_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > BATCH_MAX)
		return lay_err_set(err, -EINVAL, "--batch %s: give a whole number from 1 to %d", s,
				   BATCH_MAX);
	*out = v;
	return 0;
}

static int parse_backoff(int *out_ms, const char *s, lay_err *err)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(s, &end);
	if (end == s || *end || errno || !(secs >= 0.001 && secs <= 86400))
		return lay_err_set(err, -EINVAL,
				   "--max-backoff %s: give seconds, from 0.001 to 86400", s);
	*out_ms = (int)(secs * 1000 + 0.5);
	return 0;
}

/* Fills t's command-line fields. Returns 0, 1 if --help was printed, or
 * -EINVAL with err naming the bad argument. */
static int parse_args(trigger *t, int argc, char **argv, lay_err *err)
{
	int i, rc = 0;

	t->batch_max = BATCH_DEFAULT;
	t->max_backoff_ms = BACKOFF_MAX_MS;
	for (i = 1; i < argc && !t->cmd && rc == 0; i++) {
		const char *a = argv[i];
		int has_value = i + 1 < argc;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		}
		if (strcmp(a, "--") == 0)
			t->cmd = argv + i + 1;
		else if (strcmp(a, "--from-start") == 0)
			t->from_end = 0;
		else if (strcmp(a, "--from-end") == 0)
			t->from_end = 1;
		else if (strcmp(a, "--batch") == 0 && has_value)
			rc = parse_batch(&t->batch_max, argv[++i], err);
		else if (strcmp(a, "--max-backoff") == 0 && has_value)
			rc = parse_backoff(&t->max_backoff_ms, argv[++i], err);
		else if (strcmp(a, "--checkpoint") == 0 && has_value && argv[i + 1][0])
			t->ckpt_arg = argv[++i];
		else if (a[0] == '-' && a[1])
			rc = lay_err_set(err, -EINVAL, "unknown option or missing value: %s", a);
		else if (!t->table_arg)
			t->table_arg = a;
		else
			rc = lay_err_set(err, -EINVAL,
					 "unexpected argument %s: put '--' before COMMAND", a);
	}
	if (rc < 0)
		return rc;
	if (!t->table_arg)
		return lay_err_set(err, -EINVAL, "missing MNT/TABLE");
	if (!t->cmd)
		return lay_err_set(err, -EINVAL, "missing '--' and COMMAND after MNT/TABLE");
	if (!t->cmd[0] || !t->cmd[0][0])
		return lay_err_set(err, -EINVAL, "missing COMMAND after '--'");
	return 0;
}

/* 1 if execvp would find name (same search: a name with a '/' as is, else
 * each PATH entry, an empty one meaning the working directory), so that a
 * typo fails at start and not when the first record arrives. */
static int command_findable(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[PATH_MAX];
	struct stat st;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 && stat(name, &st) == 0 && !S_ISDIR(st.st_mode);
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		snprintf(full, sizeof(full), "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "",
			 name);
		if (access(full, X_OK) == 0 && stat(full, &st) == 0 && !S_ISDIR(st.st_mode))
			return 1;
		if (!*end)
			return 0;
	}
}

/* The default checkpoint of table (an absolute path), in *out (caller frees):
 * STATE/ddbfs/trigger-NAME.offset, NAME the path with '/' turned into '_'.
 * A NAME too long for a file name keeps its tail plus a hash of the whole. */
static int ckpt_default(char **out, const char *table, lay_err *err)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	lay_buf name = LAY_BUF_INIT, path = LAY_BUF_INIT;
	unsigned long long h = 1469598103934665603ull;
	const char *p;
	int rc = -ENOMEM;

	for (p = table; *p == '/'; p++)
		;
	for (; *p; p++) {
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
		if (lay_buf_addc(&name, *p == '/' ? '_' : *p) < 0)
			goto out_free;
	}
	if (name.len > 200) {
		size_t cut = name.len - 180;

		memmove(name.p, name.p + cut, name.len - cut + 1);
		name.len -= cut;
		if (lay_buf_addf(&name, "~%016llx", h) < 0)
			goto out_free;
	}
	/* XDG wants an absolute XDG_STATE_HOME; a relative one is ignored */
	if (state && state[0] == '/')
		rc = lay_buf_addf(&path, "%s/ddbfs/trigger-%s.offset", state, name.p ? name.p : "");
	else if (home && home[0])
		rc = lay_buf_addf(&path, "%s/.local/state/ddbfs/trigger-%s.offset", home,
				  name.p ? name.p : "");
	else
		rc = lay_err_set(err, -EINVAL,
				 "neither XDG_STATE_HOME nor HOME is set: pass --checkpoint FILE");
	if (rc == 0)
		*out = lay_buf_detach(&path, NULL);
out_free:
	if (rc == -ENOMEM)
		lay_err_set(err, rc, "out of memory");
	lay_buf_free(&name);
	lay_buf_free(&path);
	return rc;
}

/* mkdir -p of the directories above path. */
static int make_parents(const char *path, lay_err *err)
{
	char *copy = strdup(path), *s;
	int rc = 0;

	if (!copy)
		return lay_err_set(err, -ENOMEM, "out of memory");
	for (s = strchr(copy + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			rc =
			    lay_err_set(err, -errno, "cannot create %s: %s", copy, strerror(errno));
			break;
		}
		*s = '/';
	}
	free(copy);
	return rc;
}

/* One trigger per checkpoint: flock on FILE.lock, which names the holder. */
static int ckpt_lock(trigger *t, lay_err *err)
{
	char path[PATH_MAX], holder[32] = "";
	ssize_t n;
	int len;

	if (snprintf(path, sizeof(path), "%s.lock", t->ckpt) >= (int)sizeof(path))
		return lay_err_set(err, -ENAMETOOLONG, "checkpoint path too long: %s", t->ckpt);
	t->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (t->lock_fd < 0)
		return lay_err_set(err, -errno, "checkpoint lock %s: %s", path, strerror(errno));
	if (flock(t->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		n = pread(t->lock_fd, holder, sizeof(holder) - 1, 0);
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			return lay_err_set(err, -EBUSY,
					   "checkpoint %s is in use by another trigger (pid %s): "
					   "give each trigger its own --checkpoint",
					   t->ckpt, holder[0] ? holder : "?");
		return lay_err_set(err, -e, "checkpoint lock %s: %s", path, strerror(e));
	}
	len = snprintf(holder, sizeof(holder), "%ld\n", (long)getpid());
	if (ftruncate(t->lock_fd, 0) < 0 || pwrite(t->lock_fd, holder, len, 0) != len) {
		/* the pid is only for the message above; the lock is what counts */
	}
	return 0;
}

int fs_trigger_ckpt_parse(long long *out, const char *text, size_t len)
{
	long long v = 0;
	size_t i;

	if (len && text[len - 1] == '\n')
		len--;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9' || v > (LLONG_MAX - (text[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (text[i] - '0');
	}
	*out = v;
	return 0;
}

/* Reads the checkpoint into *out; -1 when there is none yet. */
static int ckpt_load(off_t *out, const char *path, lay_err *err)
{
	char text[64];
	long long v;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*out = -1;
			return 0;
		}
		return lay_err_set(err, -errno, "checkpoint %s: %s", path, strerror(errno));
	}
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return lay_err_set(err, -e, "checkpoint %s: %s", path, strerror(e));
	}
	close(fd);
	text[n] = '\0';
	if (fs_trigger_ckpt_parse(&v, text, (size_t)n) < 0) {
		text[strcspn(text, "\n")] = '\0';
		return lay_err_set(err, -EINVAL,
				   "checkpoint %s holds \"%.40s\", not a byte offset: "
				   "delete it to start over",
				   path, text);
	}
	*out = (off_t)v;
	return 0;
}

/* Writes off as the checkpoint: temp file, fsync, rename, fsync of the
 * directory, so a crash leaves the old offset or the new one. */
static int ckpt_save(const trigger *t, off_t off, lay_err *err)
{
	char tmp[PATH_MAX], text[32], *slash;
	int fd, len, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", t->ckpt) >= (int)sizeof(tmp))
		return lay_err_set(err, -ENAMETOOLONG, "checkpoint path too long: %s", t->ckpt);
	len = snprintf(text, sizeof(text), "%lld\n", (long long)off);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lay_err_set(err, -errno, "checkpoint %s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != len || fsync(fd) < 0) {
		rc = errno ? -errno : -EIO;
		goto out_close;
	}
	if (close(fd) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	if (rename(tmp, t->ckpt) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	slash = strrchr(tmp, '/');
	if (slash) {
		*slash = '\0';
		fd = open(slash == tmp ? "/" : tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd); /* best effort: the rename is done either way */
			close(fd);
		}
	}
	return 0;
out_close:
	close(fd);
out_unlink:
	unlink(tmp);
	return lay_err_set(err, rc, "cannot write checkpoint %s: %s", t->ckpt, strerror(-rc));
}

/* The stream is gone or replaced when its path no longer names the file we
 * have open: table deleted (ENOENT), mount gone (ENOTCONN, or the lazily
 * unmounted path falls through to the directory below), table recreated
 * (another inode). */
static int stream_check(const trigger *t, lay_err *err)
{
	struct stat st;

	if (stat(t->stream, &st) < 0)
		return lay_err_set(err, -errno,
				   "%s is gone (%s): the table was deleted or the mount went away",
				   t->stream, strerror(errno));
	if (st.st_dev != t->dev || st.st_ino != t->ino)
		return lay_err_set(err, -ESTALE,
				   "%s is a new stream (the table was recreated): the checkpoint "
				   "%s belongs to the old one",
				   t->stream, t->ckpt);
	return 0;
}

/* Appends to buf what the stream holds past it, at most READ_CHUNK bytes.
 * Returns the number of bytes read (0: nothing new) or a negative errno. */
static ssize_t stream_read(trigger *t, lay_err *err)
{
	off_t end = t->buf_off + (off_t)t->buf.len;
	struct stat st;
	size_t want;
	ssize_t n;
	int rc;

	if (fstat(t->fd, &st) < 0)
		return lay_err_set(err, -errno, "%s: %s", t->stream, strerror(errno));
	if (st.st_size < end)
		return lay_err_set(err, -ESTALE,
				   "%s shrank from %lld to %lld bytes: it is not the stream the "
				   "checkpoint %s was taken from",
				   t->stream, (long long)end, (long long)st.st_size, t->ckpt);
	if (st.st_size == end)
		return 0;
	want = (size_t)(st.st_size - end) < READ_CHUNK ? (size_t)(st.st_size - end) : READ_CHUNK;
	if ((rc = lay_buf_grow(&t->buf, want)) < 0)
		return lay_err_set(err, rc, "out of memory reading %s", t->stream);
	n = pread(t->fd, t->buf.p + t->buf.len, want, end);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0)
		return lay_err_set(err, -errno, "%s: %s", t->stream, strerror(errno));
	t->buf.len += (size_t)n;
	t->buf.p[t->buf.len] = '\0';
	return n;
}

/* Forget the first n bytes of buf. */
static void buf_drop(trigger *t, size_t n)
{
	memmove(t->buf.p, t->buf.p + n, t->buf.len - n + 1);
	t->buf.len -= n;
	t->buf_off += (off_t)n;
	t->scan -= n;
	t->batch_end = t->batch_end > n ? t->batch_end - n : 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Takes complete records from buf into the batch, up to batch_max. Blank
 * lines (the trimmed region reads as spaces) are skipped; while the batch
 * is empty they are dropped at once, so a long trimmed region costs no
 * memory. */
static int batch_scan(trigger *t, lay_err *err)
{
	int rc;

	while (t->nrec < t->batch_max && t->scan < t->buf.len) {
		char *p = t->buf.p + t->scan, *nl;

		if (is_space(*p)) {
			t->scan++;
			continue;
		}
		nl = memchr(p, '\n', t->buf.len - t->scan);
		if (!nl)
			break; /* the rest of the record is still to be read */
		if (t->nrec == 0)
			t->batch_off = t->buf_off + (off_t)t->scan;
		if ((rc = lay_buf_add(&t->batch, p, (size_t)(nl + 1 - p))) < 0)
			return lay_err_set(err, rc, "out of memory for a batch");
		t->nrec++;
		t->scan += (size_t)(nl + 1 - p);
		t->batch_end = t->scan;
	}
	if (t->nrec == 0 && t->scan > 0)
		buf_drop(t, t->scan);
	return 0;
}

/* 1 when the table says its stream is OFF: no record will come. A
 * directory without user.ddb.stream (not a ddbfs table) counts as on. */
static int stream_off(const char *table)
{
	char v[32];
	ssize_t n = getxattr(table, "user.ddb.stream", v, sizeof(v) - 1);

	if (n < 0)
		return 0;
	v[n] = '\0';
	return strcmp(v, "OFF") == 0;
}

/* Gathers the next batch: up to batch_max records, or fewer when the stream
 * holds no more yet; with none, polls st_size every POLL_MS. Returns 0 with
 * a batch, -EINTR when a stop signal came first, or another negative errno
 * when the stream went away. */
static int batch_next(trigger *t, lay_err *err)
{
	ssize_t n;
	int rc;

	for (;;) {
		if ((rc = batch_scan(t, err)) < 0)
			return rc;
		if (t->nrec == t->batch_max)
			return 0;
		if ((n = stream_read(t, err)) < 0)
			return (int)n;
		if (n > 0)
			continue;
		if (t->nrec > 0)
			return 0;
		if (nap(POLL_MS))
			return -EINTR;
		if ((rc = stream_check(t, err)) < 0)
			return rc;
		/* every record is delivered; an OFF stream will bring no more */
		if (stream_off(t->table))
			return lay_err_set(err, -ENODATA,
					   "the stream of %s was turned OFF: no more records will "
					   "come",
					   t->table_arg);
	}
}

/* The forked child: stdin is the batch pipe; never returns. */
static void child_exec(const trigger *t, int in, unsigned attempt)
{
	sigset_t none;
	char v[32];

	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (in == STDIN_FILENO)
		fcntl(in, F_SETFD, 0); /* dup2 onto itself would keep O_CLOEXEC */
	else if (dup2(in, STDIN_FILENO) < 0)
		_exit(127);
	snprintf(v, sizeof(v), "%lld", (long long)t->batch_off);
	setenv("DDBFS_TRIGGER_OFFSET", v, 1);
	snprintf(v, sizeof(v), "%ld", t->nrec);
	setenv("DDBFS_TRIGGER_RECORDS", v, 1);
	snprintf(v, sizeof(v), "%u", attempt);
	setenv("DDBFS_TRIGGER_ATTEMPT", v, 1);
	execvp(t->cmd[0], t->cmd);
	fprintf(stderr, "ddbfs trigger: %s: %s\n", t->cmd[0], strerror(errno));
	_exit(127);
}

/* Runs COMMAND once with the batch on its stdin and waits for it, even
 * through stop signals. Fills *status (waitpid's). Returns 0, or a negative
 * errno when COMMAND could not be started. */
static int batch_run(trigger *t, unsigned attempt, int *status, lay_err *err)
{
	const char *p = t->batch.p;
	size_t left = t->batch.len;
	siginfo_t info;
	int in[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return lay_err_set(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(in[0]);
		close(in[1]);
		return lay_err_set(err, -e, "fork: %s", strerror(e));
	}
	if (pid == 0)
		child_exec(t, in[0], attempt);
	running_child = pid;
	close(in[0]);
	while (left > 0) {
		ssize_t n = write(in[1], p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* EPIPE: COMMAND stopped reading; its exit status decides */
		p += n;
		left -= (size_t)n;
	}
	close(in[1]);
	/* wait without reaping first, so a second signal can never hit a
	 * recycled pid */
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	running_child = 0;
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return lay_err_set(err, -errno, "waitpid: %s", strerror(errno));
	}
	return 0;
}

static void describe_status(char *out, size_t size, int status)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(out, size, "wait status %#x", status);
}

/* Delivers the batch until COMMAND accepts it, with exponential backoff
 * between attempts. Returns 0 when accepted, -EINTR when a stop signal
 * came before it was, or a negative errno when the stream went away. */
static int batch_deliver(trigger *t, lay_err *err)
{
	int delay = BACKOFF_FIRST_MS < t->max_backoff_ms ? BACKOFF_FIRST_MS : t->max_backoff_ms;
	char why[LAY_ERR_MSG];
	unsigned attempt;
	int status, rc;

	for (attempt = 1;; attempt++) {
		if (stop_signals)
			return -EINTR;
		rc = batch_run(t, attempt, &status, err);
		if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 0;
		if (rc < 0)
			snprintf(why, sizeof(why), "%s", err->msg);
		else
			describe_status(why, sizeof(why), status);
		fprintf(stderr,
			"ddbfs trigger: batch of %ld record%s at offset %lld failed (%s); "
			"retry in %.1f s\n",
			t->nrec, t->nrec == 1 ? "" : "s", (long long)t->batch_off, why,
			delay / 1000.0);
		if (nap(delay))
			return -EINTR;
		if ((rc = stream_check(t, err)) < 0)
			return rc;
		delay = delay * 2 < t->max_backoff_ms ? delay * 2 : t->max_backoff_ms;
	}
}

/* Drops the accepted batch from buf; the next scan starts after it. */
static void batch_accept(trigger *t)
{
	buf_drop(t, t->batch_end);
	lay_buf_reset(&t->batch);
	t->nrec = 0;
}

/* Resolves the table, the stream, the checkpoint and the start offset.
 * Returns 0 or a negative errno with err filled (exit status 2). */
static int trigger_open(trigger *t, lay_err *err)
{
	struct stat st;
	off_t start = -1;
	char c;
	int rc;

	if (!command_findable(t->cmd[0]))
		return lay_err_set(err, -ENOENT, "COMMAND %s: not found or not executable",
				   t->cmd[0]);
	t->table = realpath(t->table_arg, NULL);
	if (!t->table)
		return lay_err_set(err, -errno, "%s: %s", t->table_arg, strerror(errno));
	if (stat(t->table, &st) < 0 || !S_ISDIR(st.st_mode))
		return lay_err_set(err, -ENOTDIR, "%s is not a table directory", t->table_arg);
	if (asprintf(&t->stream, "%s/.stream", t->table) < 0) {
		t->stream = NULL;
		return lay_err_set(err, -ENOMEM, "out of memory");
	}
	t->fd = open(t->stream, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0 && errno == ENOENT)
		return lay_err_set(err, -ENOENT,
				   "%s has no .stream: is it a table of a ddbfs mount? (enable "
				   "the stream with setfattr -n user.ddb.stream -v "
				   "NEW_AND_OLD_IMAGES %s)",
				   t->table_arg, t->table_arg);
	if (t->fd < 0)
		return lay_err_set(err, -errno, "%s: %s", t->stream, strerror(errno));
	if (fstat(t->fd, &st) < 0)
		return lay_err_set(err, -errno, "%s: %s", t->stream, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return lay_err_set(err, -EINVAL, "%s is not a regular file", t->stream);
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	if (stream_off(t->table))
		return lay_err_set(err, -ENODATA,
				   "the stream of %s is OFF: no records will come (turn it on with "
				   "setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES %s)",
				   t->table_arg, t->table_arg);

	if (t->ckpt_arg)
		t->ckpt = strdup(t->ckpt_arg);
	else if ((rc = ckpt_default(&t->ckpt, t->table, err)) < 0)
		return rc;
	if (!t->ckpt)
		return lay_err_set(err, -ENOMEM, "out of memory");
	if ((rc = make_parents(t->ckpt, err)) < 0 || (rc = ckpt_lock(t, err)) < 0 ||
	    (rc = ckpt_load(&start, t->ckpt, err)) < 0)
		return rc;
	if (start > st.st_size)
		return lay_err_set(err, -ESTALE,
				   "checkpoint %s is at byte %lld but %s holds %lld bytes: it "
				   "belongs to another stream (table recreated?); delete it to "
				   "start over",
				   t->ckpt, (long long)start, t->stream, (long long)st.st_size);
	/* a record boundary follows '\n', or lies in the trimmed region's spaces */
	if (start > 0 && (pread(t->fd, &c, 1, start - 1) != 1 || (c != '\n' && c != ' ')))
		return lay_err_set(err, -EINVAL,
				   "checkpoint %s (byte %lld) is not at a record boundary of %s: "
				   "it belongs to another stream; delete it to start over",
				   t->ckpt, (long long)start, t->stream);
	if (start < 0) {
		start = t->from_end ? st.st_size : 0;
		if ((rc = ckpt_save(t, start, err)) < 0)
			return rc;
	}
	t->buf_off = start;
	return 0;
}

static void trigger_close(trigger *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	free(t->table);
	free(t->stream);
	free(t->ckpt);
	lay_buf_free(&t->buf);
	lay_buf_free(&t->batch);
}

int fs_trigger_main(int argc, char **argv)
{
	trigger t = { .fd = -1, .lock_fd = -1 };
	lay_err err = { 0 };
	int rc, status = 2;

	rc = parse_args(&t, argc, argv, &err);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "ddbfs trigger: %s\n(ddbfs trigger --help for usage)\n", err.msg);
		return 2;
	}
	if ((rc = trigger_open(&t, &err)) < 0 || (rc = signals_install(&err)) < 0) {
		fprintf(stderr, "ddbfs trigger: %s\n", err.msg);
		goto out_close;
	}
	fprintf(stderr, "ddbfs trigger: following %s from byte %lld (checkpoint %s)\n", t.stream,
		(long long)t.buf_off, t.ckpt);
	for (;;) {
		rc = batch_next(&t, &err);
		if (rc == 0)
			rc = batch_deliver(&t, &err);
		if (rc == -EINTR)
			break;
		if (rc < 0) {
			fprintf(stderr, "ddbfs trigger: %s\n", err.msg);
			status = 1;
			goto out_close;
		}
		if (ckpt_save(&t, t.buf_off + (off_t)t.batch_end, &err) < 0)
			fprintf(stderr, "ddbfs trigger: %s (will try again after the next batch)\n",
				err.msg);
		batch_accept(&t);
	}
	status = 0;
out_close:
	trigger_close(&t);
	return status;
}
