/*
 * The fault loop (SQLite's approach, issue 14 item 2): a workload through
 * the engine's face (workload.c) runs once cleanly, recording the database's state
 * after each step; then, for each class of calls and N = 1, 2, 3, ..., it
 * runs again in a child process, in a fresh DATA_DIR, with the Nth call of
 * that class failing (inject.c). The step that meets the fault must fail
 * with a negative errno and a message, or succeed; the workload stops at
 * the first failing step; the db, reopened without faults, must hold the
 * state from before that step or after it (after, when it succeeded), and
 * the verifier (eng_db_check) must find no problem in it. A class is done when a run completes without meeting its fault.
 *
 * Usage: faultrun [CLASS[:N]]...  (default: every class, every N)
 * Environment: FAULT_STRIDE=S runs N = 1..50 and then every Sth N, or
 * FAULT_RUNS=R chooses S so that a class takes about R runs;
 * DDBFS_FAULT=CLASS:N runs that one case (and says what happened);
 * FAULT_DUMP=PREFIX keeps the states of a failure in PREFIX.expected and
 * PREFIX.found; TMPDIR is where the runs' DATA_DIRs go (/dev/shm).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../layout/buf.h"
#include "inject.h"
#include "workload.h"

#define MAX_STEPS 40
/* a child that takes longer is stuck: reported as a hang */
#define CHILD_SECONDS 60
/* failures shown per class: the rest are counted */
#define MAX_SHOWN 12

/* The states the clean run recorded: states[0] before the first step,
 * states[i] after step i; texts[i] what step i read. */
static char *states[MAX_STEPS + 1];
static char *texts[MAX_STEPS + 1];

/* What a child found, in memory it shares with the loop. */
struct outcome {
	int fired;        /* the fault was met */
	int step;         /* the step that failed (wl_nsteps: none) */
	int rc;           /* its errno (< 0), or 0 */
	int failed;       /* the run broke a rule: why says which */
	uint64_t calls;   /* calls of the class counted */
	char msg[600];    /* the failing step's message */
	char why[1024];
};

/* The first line where a and b differ, into o->why after what. */
static void say_diff(struct outcome *o, const char *what, const char *a, const char *b)
{
	const char *keep = getenv("FAULT_DUMP");
	size_t line = 1, i = 0;
	const char *ea, *eb;
	char path[600];

	/* FAULT_DUMP=PREFIX keeps both in PREFIX.expected and PREFIX.found */
	if (keep && *keep) {
		snprintf(path, sizeof(path), "%s.expected", keep);
		wl_write_file(path, a, strlen(a));
		snprintf(path, sizeof(path), "%s.found", keep);
		wl_write_file(path, b, strlen(b));
	}

	while (a[i] && a[i] == b[i]) {
		if (a[i] == '\n')
			line++;
		i++;
	}
	while (i > 0 && a[i - 1] != '\n')
		i--;
	ea = strchr(a + i, '\n');
	eb = strchr(b + i, '\n');
	snprintf(o->why, sizeof(o->why), "%s, line %zu: expected \"%.*s\", found \"%.*s\"", what,
		 line, ea ? (int)(ea - a - i) : (int)strlen(a + i), a + i,
		 eb ? (int)(eb - b - i) : (int)strlen(b + i), b + i);
}

/* The failing step's error: a negative errno with a message, or an API
 * error with DynamoDB's type and a message. */
static int clear_error(struct wl_run *r, const struct wl_step *s, int rc, struct outcome *o)
{
	if (s->api) {
		snprintf(o->msg, sizeof(o->msg), "%d %s", r->status, r->resp.p ? r->resp.p : "");
		return (r->status == 400 || r->status == 500) && r->resp.p &&
		       strstr(r->resp.p, "\"__type\":") &&
		       !strstr(r->resp.p, "\"message\":\"\"") && strstr(r->resp.p, "\"message\":\"");
	}
	snprintf(o->msg, sizeof(o->msg), "%s", r->err.msg);
	return rc < 0 && rc > -4096 && r->err.msg[0] && r->err.code == rc;
}

/* Compare the state now (dump) with what the run may leave: the state
 * after the last step when every step succeeded (k == (int)wl_nsteps), else the
 * one before failing step k or after it. 0, or 1 with o->why set. */
static int check_state(struct outcome *o, const char *when, const char *dump, int k)
{
	const char *after = states[k == (int)wl_nsteps ? k : k + 1];
	const char *keep = getenv("FAULT_DUMP");
	char what[200], path[600];

	if (strcmp(dump, after) == 0 || (k < (int)wl_nsteps && strcmp(dump, states[k]) == 0))
		return 0;
	if (keep && *keep && k < (int)wl_nsteps) {
		snprintf(path, sizeof(path), "%s.before", keep);
		wl_write_file(path, states[k], strlen(states[k]));
	}
	if (k == (int)wl_nsteps)
		snprintf(what, sizeof(what), "%s: every step succeeded, but the state is not "
			 "the one after the last", when);
	else
		snprintf(what, sizeof(what), "%s: the state is neither the one before %s nor "
			 "the one after it (compared with after)", when, wl_steps[k].name);
	say_diff(o, what, after, dump);
	return 1;
}

/* The verifier's first problem into o->why. */
static void first_problem(void *ctx, const char *problem)
{
	struct outcome *o = ctx;

	if (!o->why[0])
		snprintf(o->why, sizeof(o->why), "the verifier: %s", problem);
}

/* The verifier (eng_db_check) on the reopened db: 0 when it finds nothing,
 * else 1 with o->why naming the first problem. */
static int verify(struct wl_run *r, struct outcome *o)
{
	eng_check_stats st;
	lay_err err = { 0, "" };

	o->why[0] = '\0';
	if (eng_db_check(r->db, first_problem, o, &st, &err) < 0) {
		snprintf(o->why, sizeof(o->why), "the verifier cannot read the db: %s", err.msg);
		return 1;
	}
	return st.problems != 0;
}

/* Run the workload, with the armed fault when o is not NULL (states
 * recorded when it is). */
static void workload(struct outcome *o)
{
	struct wl_run r;
	lay_buf dump = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int k, rc = 0, met = 0;

	wl_start(&r);
	if (!o) {
		if (wl_dump(r.db, &dump, &err) < 0)
			goto out_dump_failed;
		states[0] = strdup(dump.p);
	}
	for (k = 0; k < (int)wl_nsteps; k++) {
		lay_buf_reset(&r.text);
		lay_err_clear(&r.err);
		rc = wl_steps[k].fn(&r);
		if (!o) {
			if (rc < 0) {
				fprintf(stderr, "the clean run failed at %s: %s%s\n", wl_steps[k].name,
					r.err.msg, r.resp.p ? r.resp.p : "");
				exit(2);
			}
			if (wl_dump(r.db, &dump, &err) < 0)
				goto out_dump_failed;
			states[k + 1] = strdup(dump.p);
			texts[k] = strdup(r.text.p ? r.text.p : "");
			continue;
		}
		if (rc < 0)
			break;
		/* the step that met the fault and succeeded did all it does */
		if (fault_fired() && !met) {
			met = 1;
			fault_arm(0);
			if (wl_dump(r.db, &dump, &err) < 0 ||
			    check_state(o, "it met the fault and succeeded", dump.p, k) != 0 ||
			    strcmp(dump.p, states[k + 1]) != 0) {
				o->failed = 1;
				o->step = k;
				o->fired = 1;
				if (!o->why[0])
					snprintf(o->why, sizeof(o->why), "%s met the fault and "
						 "succeeded, but the state is the one before it",
						 wl_steps[k].name);
				goto out;
			}
		}
		if (strcmp(r.text.p ? r.text.p : "", texts[k]) != 0) {
			o->failed = 1;
			o->step = k;
			o->fired = fault_fired();
			say_diff(o, "a step that succeeded read other data", texts[k],
				 r.text.p ? r.text.p : "");
			goto out;
		}
	}
	if (!o)
		goto out;
	o->fired = fault_fired();
	o->calls = fault_calls();
	fault_set(FAULT_NONE, 0);
	o->step = k;
	o->rc = rc;
	if (k < (int)wl_nsteps && !clear_error(&r, &wl_steps[k], rc, o)) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "%s failed (%d %s) without a clear error: \"%s\"",
			 wl_steps[k].name, rc, lay_errno_name(rc), o->msg);
		goto out;
	}
	if (wl_dump(r.db, &dump, &err) < 0) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "the state cannot be read: %s", err.msg);
		goto out;
	}
	if ((o->failed = check_state(o, "it failed", dump.p, k)))
		goto out;
	fs_http_close(r.http);
	r.http = NULL;
	eng_db_close(r.db);
	r.db = wl_open_db(&r);
	if (wl_dump(r.db, &dump, &err) < 0) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "reopened, the state cannot be read: %s", err.msg);
		goto out;
	}
	if ((o->failed = check_state(o, "reopened", dump.p, k)))
		goto out;
	o->failed = verify(&r, o);
out:
	lay_buf_free(&dump);
	wl_end(&r);
	return;
out_dump_failed:
	fprintf(stderr, "the clean run cannot read its state: %s\n", err.msg);
	exit(2);
}

/* ---- The loop ---- */

struct tally {
	uint64_t points;         /* the largest N that met its fault */
	uint64_t runs, passed, failed;
	uint64_t by_errno[160];  /* failing steps by errno */
	uint64_t succeeded;      /* runs where the step met the fault and succeeded */
};

/* The file a child's stderr goes to, emptied before each child; single:
 * the case of one class and N, whose child keeps its stderr. */
static int report_fd = -1;
static int single;

static void report_open(void)
{
	char *dir = wl_temp_dir(), path[600];

	snprintf(path, sizeof(path), "%s/report", dir);
	if ((report_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0) {
		perror(path);
		exit(2);
	}
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* A failed child's report, condensed: its summary and the first frames in
 * our code, each on a line of its own. */
static void show_report(void)
{
	char line[1024];
	FILE *f;
	int frames = 0;

	lseek(report_fd, 0, SEEK_SET);
	if (!(f = fdopen(dup(report_fd), "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "SUMMARY:") || strstr(line, "runtime error") ||
		    ((strstr(line, " engine/") || strstr(line, " layout/")) && frames++ < 6))
			printf("    %s", line + strspn(line, " "));
	}
	fclose(f);
}

/* Run class c with its nth call failing in a child; 1 when the fault was
 * met (the loop goes on), 0 when the workload never met it. */
static int one_case(fault_class c, uint64_t n, struct outcome *o, struct tally *t)
{
	const char *cname = fault_class_name(c);
	pid_t pid;
	int status;

	memset(o, 0, sizeof(*o));
	fflush(NULL);
	if (ftruncate(report_fd, 0) < 0)
		exit(2);
	lseek(report_fd, 0, SEEK_SET);
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		/* the sanitizers' reports go to a file the loop condenses (a
		 * single case shows them whole) */
		if (!single && dup2(report_fd, 2) < 0)
			exit(2);
		alarm(CHILD_SECONDS);
		fault_set(c, n);
		workload(o);
		/* LeakSanitizer runs at exit and fails it with its own status */
		exit(0);
	}
	waitpid(pid, &status, 0);
	t->runs++;
	if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
		if (++t->failed > MAX_SHOWN)
			return 1;
		if (WIFSIGNALED(status))
			printf("FAIL %s:%llu: %s (signal %d)%s%s\n", cname, (unsigned long long)n,
			       WTERMSIG(status) == SIGALRM ? "hung" : "crashed", WTERMSIG(status),
			       o->step < (int)wl_nsteps && o->fired ? " in " : "",
			       o->step < (int)wl_nsteps && o->fired ? wl_steps[o->step].name : "");
		else
			printf("FAIL %s:%llu: exit status %d (a leak or a sanitizer's report)\n",
			       cname, (unsigned long long)n, WEXITSTATUS(status));
		show_report();
		return 1;
	}
	if (!o->fired && !o->failed)
		return 0;
	t->points = n;
	if (o->step < (int)wl_nsteps && o->rc < 0 && -o->rc < 160)
		t->by_errno[-o->rc]++;
	else if (o->step == (int)wl_nsteps)
		t->succeeded++;
	if (o->failed) {
		t->failed++;
		if (t->failed > MAX_SHOWN)
			return 1;
		printf("FAIL %s:%llu at %s: %.400s\n", cname, (unsigned long long)n,
		       o->step < (int)wl_nsteps ? wl_steps[o->step].name : "the end", o->why);
	} else {
		t->passed++;
	}
	return 1;
}

static uint64_t stride_of(uint64_t calls)
{
	const char *s = getenv("FAULT_STRIDE"), *runs = getenv("FAULT_RUNS");
	uint64_t r;

	if (s && atoi(s) > 0)
		return (uint64_t)atoi(s);
	if (runs && (r = (uint64_t)atoll(runs)) > 50 && calls > r)
		return (calls - 50) / (r - 50) + 1;
	return 1;
}

/* Calls of class c the clean workload makes: a run whose fault never
 * comes counts them. */
static uint64_t clean_calls(fault_class c, struct outcome *o)
{
	struct tally t = { 0 };

	one_case(c, UINT64_MAX, o, &t);
	return o->calls;
}

static void run_class(fault_class c, uint64_t only, struct tally *t)
{
	struct outcome *o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t calls = only ? 0 : clean_calls(c, o), stride = stride_of(calls), n;
	time_t t0 = time(NULL);

	if (only) {
		single = 1;
		one_case(c, only, o, t);
		single = 0;
		printf("%s:%llu: %s at %s: %s %s\n", fault_class_name(c),
		       (unsigned long long)only, o->fired ? "met" : "not met",
		       o->step < (int)wl_nsteps ? wl_steps[o->step].name : "no step (all succeeded)",
		       o->rc ? lay_errno_name(o->rc) : "", o->msg);
		goto out;
	}
	for (n = 1;; n = n < 50 || stride == 1 ? n + 1 : n + stride) {
		if (!one_case(c, n, o, t))
			break;
		/* runs that end before telling whether they met the fault (a
		 * crash) go on no further than the clean run's calls */
		if (n > calls + 1) {
			printf("FAIL %s: the workload never completed past N = %llu\n",
			       fault_class_name(c), (unsigned long long)n);
			t->failed++;
			break;
		}
	}
	printf("%-8s %6llu calls, %5llu runs (stride %llu), %llu passed, %llu failed, %llds;",
	       fault_class_name(c), (unsigned long long)calls, (unsigned long long)t->runs,
	       (unsigned long long)stride, (unsigned long long)t->passed,
	       (unsigned long long)t->failed, (long long)(time(NULL) - t0));
	for (int e = 1; e < 160; e++)
		if (t->by_errno[e])
			printf(" %s %llu", e == ECONNRESET ? "ECONNRESET" : lay_errno_name(e),
			       (unsigned long long)t->by_errno[e]);
	printf(" ok %llu\n", (unsigned long long)t->succeeded);
out:
	munmap(o, sizeof(*o));
}

int main(int argc, char **argv)
{
	struct tally all = { 0 };
	const char *env = getenv("DDBFS_FAULT");
	char *one[] = { argv[0], (char *)env, NULL };
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fault_hook_cjson();
	report_open();
	/* 2027-01-15: every run writes the same times */
	fault_fix_time(1800000000LL * 1000000000);
	workload(NULL);
	if (env && *env) {
		argv = one;
		argc = 2;
	}
	for (i = 1; i < argc || (argc == 1 && i < FAULT_NCLASSES); i++) {
		struct tally t = { 0 };
		const char *arg = argc > 1 ? argv[i] : fault_class_name((fault_class)i);
		char name[32];
		const char *colon = strchr(arg, ':');
		unsigned long long n = 0;
		fault_class c;

		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg),
			 arg);
		if ((c = fault_class_parse(name)) == FAULT_NONE) {
			fprintf(stderr, "no fault class %s\n", name);
			return 2;
		}
		if (colon) {
			char *end;

			errno = 0;
			n = strtoull(colon + 1, &end, 10);
			if (!colon[1] || *end || errno || n == 0 || colon[1] == '-') {
				fprintf(stderr, "%s: N must be a number from 1 (CLASS:N)\n", arg);
				return 2;
			}
		}
		run_class(c, colon ? n : 0, &t);
		all.passed += t.passed;
		all.failed += t.failed;
	}
	for (i = 0; i <= (int)wl_nsteps; i++) {
		free(states[i]);
		free(texts[i]);
	}
	printf("%llu passed, %llu failed\n", (unsigned long long)all.passed,
	       (unsigned long long)all.failed);
	return all.failed ? 1 : 0;
}
