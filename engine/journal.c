/* The journal (SPEC §10): one JSON line per thing the service did, kept in
 * memory at byte offsets that never move, like a stream, so that
 * `tail -f MNT/.ddbfs/events` follows it. Past JOURNAL_KEEP bytes the
 * oldest lines go; their bytes read as spaces. */
#include "journal.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/describe.h"
#include "../layout/json.h"
#include "store.h"

#define JOURNAL_KEEP ((size_t)1 << 20)

struct store_journal {
	pthread_mutex_t mu;
	lay_buf text;        /* the kept lines */
	uint64_t base;       /* the offset of text's first byte */
};

int store_journal_open(eng_db *db)
{
	struct store_journal *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	pthread_mutex_init(&j->mu, NULL);
	db->journal = j;
	return 0;
}

void store_journal_close(eng_db *db)
{
	struct store_journal *j = db->journal;

	if (!j)
		return;
	lay_buf_free(&j->text);
	pthread_mutex_destroy(&j->mu);
	free(j);
	db->journal = NULL;
}

/* Let the oldest half go, a whole line at a time. */
static void forget_old(struct store_journal *j)
{
	char *cut = memchr(j->text.p + j->text.len / 2, '\n', j->text.len - j->text.len / 2);
	size_t n;

	if (!cut)
		return;
	n = (size_t)(cut + 1 - j->text.p);
	memmove(j->text.p, j->text.p + n, j->text.len - n);
	j->text.len -= n;
	j->base += n;
}

void store_journal_add(eng_db *db, int64_t now_ns, const char *event, const char *table,
		       const char *fields, ...)
{
	struct store_journal *j = db->journal;
	lay_buf line = LAY_BUF_INIT;
	char when[40];
	va_list ap;
	int bad;

	if (!j)
		return;
	lay_time_iso(when, sizeof(when), now_ns);
	bad = lay_buf_addf(&line, "{\"Time\":\"%s\",\"Event\":\"%s\",\"Table\":", when, event) ||
	      lay_json_quote(&line, table, strlen(table));
	if (!bad) {
		va_start(ap, fields);
		bad = lay_buf_vaddf(&line, fields, ap);
		va_end(ap);
	}
	bad = bad || lay_buf_adds(&line, "}\n");
	if (!bad) {
		pthread_mutex_lock(&j->mu);
		if (j->text.len + line.len > JOURNAL_KEEP)
			forget_old(j);
		lay_buf_add(&j->text, line.p, line.len);
		pthread_mutex_unlock(&j->mu);
	}
	lay_buf_free(&line);
}

const char *store_journal_quote(lay_buf *b, const char *s)
{
	lay_buf_reset(b);
	if (lay_json_quote(b, s, strlen(s)) < 0 || !b->p)
		return "\"\"";
	return b->p;
}

uint64_t eng_events_size(eng_db *db)
{
	struct store_journal *j = db->journal;
	uint64_t n;

	pthread_mutex_lock(&j->mu);
	n = j->base + j->text.len;
	pthread_mutex_unlock(&j->mu);
	return n;
}

int eng_events_read(eng_db *db, uint64_t off, size_t len, lay_buf *out)
{
	struct store_journal *j = db->journal;
	uint64_t end;
	int bad = 0;

	pthread_mutex_lock(&j->mu);
	end = j->base + j->text.len;
	if (off + len > end)
		len = off < end ? (size_t)(end - off) : 0;
	/* lines gone read as whitespace, the last byte before the kept ones a
	 * newline, as a trimmed stream reads */
	while (len && off < j->base && !bad) {
		bad = lay_buf_addc(out, off + 1 == j->base ? '\n' : ' ');
		off++;
		len--;
	}
	if (len && !bad)
		bad = lay_buf_add(out, j->text.p + (off - j->base), len);
	pthread_mutex_unlock(&j->mu);
	return bad ? -ENOMEM : 0;
}
