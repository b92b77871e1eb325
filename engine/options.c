/* Options by name, as text (SPEC §7). Parsing and rendering are layout's
 * (settings.c, schema.c, describe.c); what a change means is the engine's
 * (table.c, item.c): this file only joins them. */
#include "engine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/describe.h"
#include "../layout/settings.h"
#include "cost.h"
#include "table.h"

static const char *table_options[] = {
	"key_schema", "billing_mode", "rcu", "wcu", "autoscaling", "table_class",
	"ttl_attribute", "stream", "pitr", NULL,
};

const char *const *eng_table_options(void)
{
	return table_options;
}

int eng_table_describe(eng_db *db, eng_req *req, const char *table, lay_buf *out, lay_err *err)
{
	eng_table_info ti;
	lay_table_desc d;
	eng_capacity cap;
	lay_cost cost;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0)
		return rc;
	memset(&d, 0, sizeof(d));
	/* the live table's; a backup's or a point's describe the data only */
	if (!req || req->view == ENG_VIEW_LIVE) {
		eng_table_capacity(db, table, &cap);
		d.read_units = cap.read_units;
		d.write_units = cap.write_units;
		d.reads_throttled = cap.reads_throttled;
		d.writes_throttled = cap.writes_throttled;
		d.last_increase_ns = cap.last_increase_ns;
		d.last_decrease_ns = cap.last_decrease_ns;
		if ((rc = store_table_cost(db, &ti, &cap, &cost, err)) < 0)
			return rc;
		d.cost = &cost;
	}
	d.name = ti.name;
	d.id = ti.id;
	d.schema = &ti.schema;
	d.created_ns = ti.created_ns;
	d.item_count = ti.item_count;
	d.size_bytes = ti.size_bytes;
	d.settings = &ti.settings;
	if (ti.settings.pitr &&
	    (rc = eng_table_pitr_window(db, table, &d.pitr_from_ns, &d.pitr_to_ns, err)) < 0)
		return rc;
	if (lay_describe_table(out, &d) < 0)
		return lay_err_set(err, -ENOMEM, "out of memory describing table %s", table);
	return 0;
}

static int is_read_only(const char *name)
{
	return strcmp(name, "item_count") == 0 || strcmp(name, "size_bytes") == 0 ||
	       strcmp(name, "consumed") == 0;
}

/* The value of option name of the table described by ti. */
static int table_value(eng_db *db, const eng_table_info *ti, const char *name, lay_buf *out)
{
	eng_capacity cap;
	int rc;

	if (strcmp(name, "consumed") == 0) {
		eng_table_capacity(db, ti->name, &cap);
		return lay_buf_addf(out,
				    "rcu=%.15g,wcu=%.15g,throttled_reads=%" PRIu64
				    ",throttled_writes=%" PRIu64,
				    cap.read_units, cap.write_units, cap.reads_throttled,
				    cap.writes_throttled);
	}
	if (strcmp(name, "key_schema") == 0)
		return lay_schema_format(out, &ti->schema);
	if (strcmp(name, "item_count") == 0)
		return lay_buf_addf(out, "%" PRIu64, ti->item_count);
	if (strcmp(name, "size_bytes") == 0)
		return lay_buf_addf(out, "%" PRIu64, ti->size_bytes);
	rc = lay_settings_get(&ti->settings, name, out);
	return rc == -ENOTSUP ? -ENODATA : rc;
}

int eng_table_option_get(eng_db *db, eng_req *req, const char *table, const char *name, lay_buf *out,
			 lay_err *err)
{
	eng_table_info ti;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0)
		return rc;
	return table_value(db, &ti, name, out);
}

/* 1 if cur holds exactly the len bytes of value. */
static int same_text(const lay_buf *cur, const char *value, size_t len)
{
	return cur->len == len && memcmp(cur->p ? cur->p : "", value, len) == 0;
}

/* The value as a C string: -EINVAL if it holds a NUL byte. */
static int value_text(char **out, const char *value, size_t len, lay_err *err)
{
	if (memchr(value, '\0', len))
		return lay_err_set(err, -EINVAL, "the value holds a NUL byte");
	if (!(*out = strndup(value, len)))
		return -ENOMEM;
	return 0;
}

int eng_table_option_set(eng_db *db, eng_req *req, const char *table, const char *name, const char *value,
			 size_t len, lay_err *err)
{
	lay_buf cur = LAY_BUF_INIT;
	eng_table_info ti;
	lay_schema ks;
	char *v = NULL;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0)
		return rc;
	rc = table_value(db, &ti, name, &cur);
	if (rc == -ENODATA)
		rc = lay_err_set(err, -ENOTSUP, "%s is no table option", name);
	if (rc < 0 || same_text(&cur, value, len))
		goto out; /* its own value: nothing to change */
	if (is_read_only(name)) {
		rc = lay_err_set(err, -ENOTSUP,
				 "%s is read-only (it is %.*s); only its own value may be set",
				 name, (int)cur.len, cur.p ? cur.p : "");
		goto out;
	}
	if ((rc = value_text(&v, value, len, err)) < 0)
		goto out;
	if (strcmp(name, "key_schema") == 0) {
		if ((rc = lay_schema_parse(&ks, v, len, err)) == 0 &&
		    (rc = eng_table_set_schema(db, req, table, &ks, err)) == 0)
			rc = 1;
	} else {
		rc = store_table_set_option(db, req, table, name, v, err);
	}
out:
	free(v);
	lay_buf_free(&cur);
	return rc;
}

/* The item's expiry: its TTL attribute, a number; -ENODATA if none. */
static int item_ttl(eng_db *db, eng_req *req, const char *table, const lay_key *key, lay_buf *out,
		    lay_err *err)
{
	lay_item item = LAY_ITEM_INIT;
	eng_table_info ti;
	const lay_attr *a;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0)
		return rc;
	if (!ti.settings.ttl_attr[0])
		return -ENODATA;
	if ((rc = eng_item_get(db, req, table, key, &item, NULL, err)) < 0)
		return rc;
	a = lay_item_find(&item, ti.settings.ttl_attr, strlen(ti.settings.ttl_attr));
	if (a && a->v.type == LAY_N)
		rc = lay_buf_add(out, a->v.u.p, a->v.len);
	else
		rc = -ENODATA;
	lay_item_free(&item);
	return rc;
}

int eng_item_option_get(eng_db *db, eng_req *req, const char *table, const lay_key *key, const char *name,
			lay_buf *out, lay_err *err)
{
	eng_meta meta;
	int rc;

	if (strcmp(name, "ttl") == 0)
		return item_ttl(db, req, table, key, out, err);
	if (strcmp(name, "size") != 0)
		return -ENODATA;
	if ((rc = eng_item_get(db, req, table, key, NULL, &meta, err)) < 0)
		return rc;
	return lay_buf_addf(out, "%u", meta.size);
}

/*
 * ttl (SPEC §7, §9): "+SECONDS" from now or absolute epoch seconds,
 * written into the table's TTL attribute as an ordinary update (one
 * MODIFY), read and written in one transaction so a write in between is
 * never lost.
 */
static int item_set_ttl(eng_db *db, eng_req *req, const char *table, const lay_key *key, const char *v,
			lay_err *err)
{
	eng_table_info ti;
	lay_value num;
	char text[32], *end;
	long long secs;
	int rc;

	errno = 0;
	secs = strtoll(v[0] == '+' ? v + 1 : v, &end, 10);
	if (!*v || *end || errno || secs < 0 || (v[0] == '+' && !v[1]) || v[0] == '-' ||
	    v[0] == ' ' || (v[0] == '+' && (v[1] < '0' || v[1] > '9')))
		return lay_err_set(err, -EINVAL,
				   "ttl is +SECONDS from now or epoch seconds, not %s", v);
	if (v[0] == '+')
		secs += eng_clock_now_ns(eng_db_clock(db)) / 1000000000;
	snprintf(text, sizeof(text), "%lld", secs);
	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0)
		return rc;
	if (!ti.settings.ttl_attr[0])
		return lay_err_set(err, -EINVAL,
				   "table %s has no TTL attribute: set user.ddb.ttl_attribute first",
				   table);
	memset(&num, 0, sizeof(num));
	num.type = LAY_N;
	num.u.p = text;
	num.len = strlen(text);
	return eng_item_set_attr(db, req, table, key, ti.settings.ttl_attr, &num, NULL, NULL, err);
}

int eng_item_option_set(eng_db *db, eng_req *req, const char *table, const lay_key *key, const char *name,
			const char *value, size_t len, lay_err *err)
{
	lay_buf cur = LAY_BUF_INIT;
	char *v = NULL;
	int rc;

	if (strcmp(name, "ttl") == 0) {
		if ((rc = value_text(&v, value, len, err)) == 0)
			rc = item_set_ttl(db, req, table, key, v, err);
		free(v);
		return rc;
	}
	if (strcmp(name, "size") != 0)
		return lay_err_set(err, -ENOTSUP, "%s is no item option", name);
	if ((rc = eng_item_option_get(db, req, table, key, name, &cur, err)) == 0 &&
	    !same_text(&cur, value, len))
		rc = lay_err_set(err, -ENOTSUP,
				 "size is read-only (it is %.*s); only its own value may be set",
				 (int)cur.len, cur.p ? cur.p : "");
	lay_buf_free(&cur);
	return rc;
}
