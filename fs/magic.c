/* Generated files (SPEC §2, §3, §5, §16): .table.json (DescribeTable's
 * Table), .ddbfs/errors, .ddbfs/stats.json and .ddbfs/clock. Rendered at
 * open and served with direct I/O, so every read is current. */
#include "magic.h"

#include "errlog.h"
#include "expire.h"
#include "../engine/engine.h"
#include "../layout/describe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int render_clock(lay_buf *o)
{
	int64_t now = eng_clock_now_ns(eng_db_clock(fs.db));
	char when[40];

	lay_time_iso(when, sizeof(when), now);
	return lay_buf_addf(o, "%s %" PRId64 "\n", when, now / 1000000000);
}

/* The item cache's counters (SPEC §11), then the daemon's own. */
static int render_stats(lay_buf *o)
{
	eng_cache_stats_t c;
	size_t nodes;

	eng_cache_stats(fs.db, &c);
	pthread_mutex_lock(&fs.lock);
	nodes = fs.map_count;
	pthread_mutex_unlock(&fs.lock);
	return lay_buf_addf(o,
			    "{\"Cache\":{\"Enabled\":%s,\"Hits\":%" PRIu64 ",\"Misses\":%" PRIu64
			    ",\"Evictions\":%" PRIu64 ",\"Entries\":%" PRIu64 ",\"Bytes\":%zu,"
			    "\"LimitBytes\":%zu,\"TtlSeconds\":%" PRId64 "},"
			    "\"nodes\":%zu,\"format\":\"%s\",\"test_clock\":%s}\n",
			    c.limit ? "true" : "false", c.hits, c.misses, c.evictions, c.entries,
			    c.bytes, c.limit, c.ttl_ns / 1000000000, nodes,
			    fs.format == LAY_FMT_DDB ? "ddb" : "plain",
			    fs.test_clock ? "true" : "false");
}

int fs_magic_render(fs_node *n, lay_buf *out)
{
	switch (n->magic) {
	case FS_M_TABLE_JSON:
		return eng_table_describe(fs.db, FS_VIEW(n), n->table, out, NULL);
	case FS_M_ERRORS:
		return fs_errlog_render(out);
	case FS_M_STATS:
		return render_stats(out);
	case FS_M_CLOCK:
		return render_clock(out);
	case FS_M_BACKUPS_JSON:
		return eng_backups_describe(fs.db, NULL, out, NULL);
	case FS_M_COST:
		return eng_cost_describe(fs.db, out, NULL);
	case FS_M_STREAM:
		return 0; /* streams arrive with their own issue */
	default:
		return 0;
	}
}

/* `echo +SECONDS > MNT/.ddbfs/clock` moves a test clock forward. */
int fs_magic_write(fuse_req_t req, fs_node *n, const char *buf, size_t len)
{
	lay_err err = { 0 };
	char text[64], *end;
	long long secs;
	int rc;

	if (n->magic != FS_M_CLOCK || !fs.test_clock)
		return fs_errlog_add(req, "write", n->name, -EROFS, "read-only");
	if (len == 0 || len >= sizeof(text))
		return fs_errlog_add(req, "write", "/.ddbfs/clock", -EINVAL,
				     "write +SECONDS to move the test clock forward, freeze to "
				     "stop it or run to let it go on");
	memcpy(text, buf, len);
	text[len] = '\0';
	if (text[len - 1] == '\n')
		text[len - 1] = '\0';
	if (strcmp(text, "freeze") == 0 || strcmp(text, "run") == 0) {
		if ((rc = eng_clock_freeze(eng_db_clock(fs.db), text[0] == 'f', &err)) < 0)
			return fs_errlog_add(req, "write", "/.ddbfs/clock", rc, err.msg);
		return 0;
	}
	errno = 0;
	secs = strtoll(text + 1, &end, 10);
	if (text[0] != '+' || *end || end == text + 1 || errno)
		return fs_errlog_add(req, "write", "/.ddbfs/clock", -EINVAL,
				     "write +SECONDS to move the test clock forward, freeze to "
				     "stop it or run to let it go on");
	if ((rc = eng_clock_advance(eng_db_clock(fs.db), secs, &err)) < 0)
		return fs_errlog_add(req, "write", "/.ddbfs/clock", rc, err.msg);
	fs_expire_clock_jumped();
	return 0;
}
