/* The kill -9 loop of SPEC §17: a child process writes items as fast as it
 * can and reports each acknowledged put on a pipe; the parent kills it at
 * random moments, reopens the db and checks that every acknowledged put
 * is there, intact, with its change record, round after round. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "dbtest.h"

#define TBL "Crash"
#define ROUNDS 60
#define ROUND_SPAN 1000000u    /* item numbers of round r start at r * ROUND_SPAN */
#define MAX_PER_ROUND 20000u   /* the child stops writing after this many */

enum { MSG_READY = 1, MSG_PUT = 2, MSG_MOD = 3 };

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The content of item num at version (0: put, 1: modified). */
static void item_json(char *buf, size_t n, uint32_t num, int version)
{
	static const char pad[] = "the quick brown fox jumps over the lazy dog, "
				  "the quick brown fox jumps over the lazy dog, "
				  "the quick brown fox jumps over the lazy dog, "
				  "the quick brown fox jumps over the lazy dog.";

	snprintf(buf, n, "{\"PK\":\"p%u\",\"SK\":\"%010u\",\"v\":%d,\"pad\":\"%.*s\"}",
		 num % 13, num, version, (int)(num % (sizeof(pad) - 1)), pad);
}

static lay_key item_key(uint32_t num, char *pk, char *sk)
{
	sprintf(pk, "p%u", num % 13);
	sprintf(sk, "%010u", num);
	return dbt_key(dbt_s(pk), dbt_s(sk));
}

static void send_msg(int fd, uint32_t kind, uint32_t num)
{
	unsigned char m[8];

	memcpy(m, &kind, 4);
	memcpy(m + 4, &num, 4);
	/* 8 bytes to a pipe are written whole or not at all */
	if (write(fd, m, 8) != 8)
		_exit(5);
}

static int child_put(eng_db *db, uint32_t num, int version, unsigned flags)
{
	char json[512];
	lay_item it;
	lay_err err = { 0, "" };
	int rc;

	item_json(json, sizeof(json), num, version);
	it = dbt_item(json);
	rc = eng_item_put(db, NULL, TBL, &it, NULL, flags, NULL, NULL, &err);
	lay_item_free(&it);
	return rc;
}

/* Write items start, start+1, ... and every fourth time modify the item
 * two back, reporting each after eng_item_put returned 0. */
static void child_main(const char *dir, int fd, uint32_t start)
{
	lay_err err = { 0, "" };
	eng_db_opts o = { 0 };
	eng_db *db = NULL;
	uint32_t i;

	/* the smallest map: it starts full and grows while the kills land */
	o.map_size = 1;
	if (eng_db_open(&db, dir, &o, &err) < 0) {
		fprintf(stderr, "child: %s\n", err.msg);
		_exit(3);
	}
	send_msg(fd, MSG_READY, 0);
	for (i = start; i < start + MAX_PER_ROUND; i++) {
		if (child_put(db, i, 0, ENG_PUT_EXCL) < 0)
			_exit(4);
		send_msg(fd, MSG_PUT, i);
		if (i % 4 == 3) {
			if (child_put(db, i - 2, 1, ENG_PUT_MUST_EXIST) < 0)
				_exit(4);
			send_msg(fd, MSG_MOD, i - 2);
		}
	}
	for (;;)
		pause();
}

/* What the parent learnt: per item of the round, the highest version
 * acknowledged (-1: none). */
struct round {
	signed char acked[MAX_PER_ROUND];
	int ready;
	unsigned char part[8];
	size_t part_len;
	size_t puts, mods;
};

static void take(struct round *r, const unsigned char *p, size_t n, uint32_t start)
{
	uint32_t kind, num;

	while (n) {
		size_t k = 8 - r->part_len < n ? 8 - r->part_len : n;

		memcpy(r->part + r->part_len, p, k);
		r->part_len += k;
		p += k;
		n -= k;
		if (r->part_len < 8)
			continue;
		r->part_len = 0;
		memcpy(&kind, r->part, 4);
		memcpy(&num, r->part + 4, 4);
		if (kind == MSG_READY) {
			r->ready = 1;
		} else if (num >= start && num - start < MAX_PER_ROUND) {
			signed char v = kind == MSG_MOD ? 1 : 0;

			if (r->acked[num - start] < v)
				r->acked[num - start] = v;
			r->puts += kind == MSG_PUT;
			r->mods += kind == MSG_MOD;
		}
	}
}

/* Read what is there until deadline_ms (monotonic), or until EOF if
 * deadline_ms < 0. Returns 0 at EOF, 1 otherwise. */
static int drain(int fd, struct round *r, uint32_t start, int64_t deadline_ms, int until_ready)
{
	unsigned char buf[4096];
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;
	int wait;

	for (;;) {
		if (until_ready && r->ready)
			return 1;
		wait = -1;
		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - mono_ms();

			if (left <= 0)
				return 1;
			wait = (int)left;
		}
		if (poll(&pfd, 1, wait) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0;
		if (n > 0)
			take(r, buf, (size_t)n, start);
	}
}

struct logscan {
	uint32_t start;
	unsigned char *inserted, *modified; /* per item of the round */
	int bad;
};

static int log_cb(void *ctx, const eng_change *c)
{
	struct logscan *s = ctx;
	const lay_attr *v;
	char sk[16];
	uint32_t num;

	snprintf(sk, sizeof(sk), "%.*s", (int)c->key->sk.len, c->key->sk.u.p);
	num = (uint32_t)strtoul(sk, NULL, 10);
	if (num < s->start || num - s->start >= MAX_PER_ROUND)
		return 0;
	if (c->event == ENG_INSERT && c->new_image && !c->old_image)
		s->inserted[num - s->start] = 1;
	else if (c->event == ENG_MODIFY && c->new_image && c->old_image &&
		 (v = lay_item_find(c->new_image, "v", 1)) && v->v.len == 1 && v->v.u.p[0] == '1')
		s->modified[num - s->start] = 1;
	else
		s->bad++;
	return 0;
}

/* 1 if the item num is stored exactly as version v0 or v1 (v1 < 0: only v0). */
static int intact(eng_db *db, uint32_t num, int v0, int v1)
{
	char pk[16], sk[16], json[512];
	lay_item got = LAY_ITEM_INIT, want;
	lay_err err = { 0, "" };
	lay_key k = item_key(num, pk, sk);
	int ok = 0;

	if (eng_item_get(db, NULL, TBL, &k, &got, NULL, &err) < 0)
		return 0;
	item_json(json, sizeof(json), num, v0);
	want = dbt_item(json);
	ok = lay_item_equal(&got, &want);
	lay_item_free(&want);
	if (!ok && v1 >= 0) {
		item_json(json, sizeof(json), num, v1);
		want = dbt_item(json);
		ok = lay_item_equal(&got, &want);
		lay_item_free(&want);
	}
	lay_item_free(&got);
	return ok;
}

/* Everything acknowledged in round r is stored intact with its records. */
static int verify_round(eng_db *db, struct round *r, uint32_t start, uint64_t seq_before)
{
	struct logscan s = { start, calloc(MAX_PER_ROUND, 1), calloc(MAX_PER_ROUND, 1), 0 };
	lay_err err = { 0, "" };
	uint32_t i;
	int bad = 0;

	if (eng_log_read(db, TBL, seq_before, 0, log_cb, &s, &err) < 0)
		bad++;
	bad += s.bad;
	for (i = 0; i < MAX_PER_ROUND; i++) {
		if (r->acked[i] < 0)
			continue;
		/* acknowledged v1 must be v1; acknowledged v0 may have become v1 */
		if (!intact(db, start + i, 1, r->acked[i] == 0 ? 0 : -1))
			bad++;
		if (!s.inserted[i] || (r->acked[i] == 1 && !s.modified[i]))
			bad++;
	}
	free(s.inserted);
	free(s.modified);
	return bad;
}

static int count_cb(void *ctx, const eng_entry *e)
{
	(void)e;
	++*(uint64_t *)ctx;
	return 0;
}

struct parts {
	eng_db *db;
	uint64_t items;
	int bad;
};

static int part_cb(void *ctx, const eng_entry *e)
{
	struct parts *p = ctx;
	lay_err err = { 0, "" };

	if (eng_list(p->db, NULL, TBL, e->key, NULL, 0, 0, count_cb, &p->items, &err) < 0)
		p->bad++;
	return 0;
}

static void test_crash__kill_9_loses_no_acknowledged_put(void)
{
	char *dir = dbt_tmpdir();
	lay_err err = { 0, "" };
	struct round *r = malloc(sizeof(*r));
	signed char **acked_all = calloc(ROUNDS, sizeof(*acked_all));
	eng_table_info ti;
	struct parts parts;
	uint64_t seq_before, total_puts = 0, total_mods = 0;
	int64_t t0 = mono_ms();
	int round, bad = 0, killed = 0, status, p[2], early = 0;
	uint32_t i;
	eng_db *db;
	pid_t pid;

	rng_state = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL | 1;
	db = dbt_open(dir, NULL);
	CHECK_RC(eng_table_create(db, NULL, TBL, NULL, NULL, &err), 0);
	dbt_pitr_on(db, TBL); /* the change log shows what was acknowledged */
	eng_db_close(db);

	for (round = 0; round < ROUNDS; round++) {
		uint32_t start = (uint32_t)round * ROUND_SPAN;
		int64_t delay;

		db = dbt_open(dir, NULL);
		seq_before = eng_log_last_seq(db);
		eng_db_close(db);

		memset(r, 0, sizeof(*r));
		memset(r->acked, -1, sizeof(r->acked));
		if (pipe(p) < 0)
			break;
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			child_main(dir, p[1], start);
		}
		close(p[1]);
		/* most kills land while it writes; some while it opens the db */
		if (round % 10 == 9) {
			delay = (int64_t)(rng() % 3);
			early++;
		} else {
			drain(p[0], r, start, mono_ms() + 5000, 1);
			delay = 2 + (int64_t)(rng() % 38);
		}
		drain(p[0], r, start, mono_ms() + delay, 0);
		kill(pid, SIGKILL);
		drain(p[0], r, start, -1, 0);
		close(p[0]);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else
			fprintf(stderr, "round %d: the child ended by itself (status 0x%x)\n",
				round, status);
		total_puts += r->puts;
		total_mods += r->mods;

		db = dbt_open(dir, NULL); /* must open cleanly after the crash */
		if (verify_round(db, r, start, seq_before)) {
			fprintf(stderr, "round %d: acknowledged puts lost or torn\n", round);
			bad++;
		}
		eng_db_close(db);
		acked_all[round] = malloc(MAX_PER_ROUND);
		memcpy(acked_all[round], r->acked, MAX_PER_ROUND);
	}
	CHECK(killed == ROUNDS);
	CHECK(bad == 0);
	CHECK(total_puts > (uint64_t)ROUNDS * 10);
	CHECK(total_mods > 0);
	CHECK(early > 0);

	/* at the end, everything acknowledged in any round is still there and
	 * the statistics agree with the items actually stored */
	db = dbt_open(dir, NULL);
	for (round = 0; round < ROUNDS && acked_all[round]; round++)
		for (i = 0; i < MAX_PER_ROUND; i++)
			if (acked_all[round][i] >= 0 &&
			    !intact(db, (uint32_t)round * ROUND_SPAN + i, 1,
				    acked_all[round][i] == 0 ? 0 : -1))
				bad++;
	CHECK(bad == 0);
	memset(&parts, 0, sizeof(parts));
	parts.db = db;
	CHECK_RC(eng_list(db, NULL, TBL, NULL, NULL, 0, 0, part_cb, &parts, &err), 0);
	CHECK(parts.bad == 0);
	CHECK_RC(eng_table_get(db, NULL, TBL, &ti, &err), 0);
	CHECK(ti.item_count == parts.items);
	CHECK(parts.items >= total_puts);
	eng_db_close(db);

	if (getenv("CHECK_VERBOSE"))
		fprintf(stderr, "crash: %d kills, %llu puts and %llu modifications acknowledged, "
			"%lld ms\n", killed, (unsigned long long)total_puts,
			(unsigned long long)total_mods, (long long)(mono_ms() - t0));
	for (round = 0; round < ROUNDS; round++)
		free(acked_all[round]);
	free(acked_all);
	free(r);
	dbt_rmdir(dir);
}

int main(void)
{
	RUN(test_crash__kill_9_loses_no_acknowledged_put);
	return check_done();
}
