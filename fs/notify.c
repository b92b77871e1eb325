/* Kernel cache invalidation (SPEC §11 and the mount issue): changes the
 * kernel did not make itself are queued here and sent by a dedicated
 * thread, since notifying from inside a related request can deadlock. */
#include "notify.h"

#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "node.h"

typedef struct note {
	struct note *next;
	fuse_ino_t ino; /* inode to invalidate, or parent of name */
	char *name;	/* NULL: an inode */
} note;

/* taken last but for log_lock (the lock order is in fs.h) */
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
/* notes queued and notes sent so far, for fs_notify_wait */
static pthread_cond_t sent_cond = PTHREAD_COND_INITIALIZER;
static uint64_t q_queued, q_sent;
static note *q_head, **q_tail = &q_head;
static int q_stop;
static pthread_t q_thread;
static int q_started;

static void push(fuse_ino_t ino, const char *name)
{
	note *n = calloc(1, sizeof(*n));

	fs_names_changed(); /* what the kernel is told to forget changed */
	if (!n)
		return; /* entries expire by their timeout anyway */
	n->ino = ino;
	if (name && !(n->name = strdup(name))) {
		free(n);
		return;
	}
	pthread_mutex_lock(&q_lock);
	*q_tail = n;
	q_tail = &n->next;
	q_queued++;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

void fs_notify_inode(fuse_ino_t ino)
{
	push(ino, NULL);
}

void fs_notify_entry(fuse_ino_t parent, const char *name)
{
	push(parent, name);
}

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q_lock);
	for (;;) {
		note *n;

		while (!q_head && !q_stop)
			pthread_cond_wait(&q_cond, &q_lock);
		if (!q_head)
			break;
		n = q_head;
		q_head = n->next;
		if (!q_head)
			q_tail = &q_head;
		pthread_mutex_unlock(&q_lock);
		/* ENOENT just means the kernel no longer caches it. */
		if (n->name)
			fuse_lowlevel_notify_inval_entry(fs.se, n->ino, n->name, strlen(n->name));
		else
			fuse_lowlevel_notify_inval_inode(fs.se, n->ino, 0, 0);
		free(n->name);
		free(n);
		pthread_mutex_lock(&q_lock);
		q_sent++;
		pthread_cond_broadcast(&sent_cond);
	}
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

int fs_notify_wait(int timeout_ms)
{
	struct timespec until;
	uint64_t target;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q_lock);
	target = q_queued;
	while (q_started && !q_stop && q_sent < target && rc == 0)
		rc = pthread_cond_timedwait(&sent_cond, &q_lock, &until);
	pthread_mutex_unlock(&q_lock);
	return rc == ETIMEDOUT ? -ETIMEDOUT : 0;
}

int fs_notify_start(void)
{
	if (pthread_create(&q_thread, NULL, run, NULL) != 0)
		return -EAGAIN;
	q_started = 1;
	return 0;
}

void fs_notify_stop(void)
{
	if (!q_started)
		return;
	pthread_mutex_lock(&q_lock);
	q_stop = 1;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
	pthread_join(q_thread, NULL);
	q_started = 0;
}
