/* Request contexts (types.h eng_req): views, sources and capacity units.
 * Reads of items all go through store_view_read, so that an as-of view
 * (snapshots) is added in one place. */
#include "req.h"

#include <errno.h>

void store_req_start(eng_req *req)
{
	if (req) {
		req->rcu = req->wcu = 0;
		req->throttled = 0;
	}
}

int store_view_read(eng_db *db, eng_req *req, store_fn fn, void *ctx, lay_err *err)
{
	store_req_start(req);
	if (req && req->view == ENG_VIEW_AS_OF)
		return lay_err_set(err, -EOPNOTSUPP, "this is not kept of the past");
	return store_read(db, fn, ctx, err);
}

int store_view_read_items(eng_db *db, eng_req *req, store_fn fn, void *ctx, lay_err *err)
{
	store_req_start(req);
	return store_read(db, fn, ctx, err);
}

int64_t store_view_as_of(const eng_req *req)
{
	return req && req->view == ENG_VIEW_AS_OF ? req->as_of_ns : -1;
}

uint32_t store_view_backup(const eng_req *req)
{
	return req && req->view == ENG_VIEW_BACKUP ? req->backup : 0;
}

int store_req_writable(eng_req *req, lay_err *err)
{
	store_req_start(req);
	if (req && req->view != ENG_VIEW_LIVE)
		return lay_err_set(err, -EROFS, "the past and backups cannot be changed");
	return 0;
}

eng_source store_req_source(const eng_req *req)
{
	return req ? req->source : ENG_SRC_FILE;
}

unsigned store_change_flags(eng_source source)
{
	return (source == ENG_SRC_TTL ? ENG_CHANGE_SERVICE : 0) |
	       (unsigned)source << ENG_CHANGE_SOURCE_SHIFT;
}

double store_units_read(uint64_t size)
{
	return size <= 4096 ? 1 : (double)((size + 4095) / 4096);
}

double store_units_write(uint64_t size)
{
	return size <= 1024 ? 1 : (double)((size + 1023) / 1024);
}

void store_req_charge(eng_req *req, double rcu, double wcu)
{
	if (!req)
		return;
	req->rcu += rcu;
	req->wcu += wcu;
}
