/* Re-keying a table (SPEC §2): a key schema change moves every item to the
 * key its attributes give, all or nothing, in the caller's transaction. */
#include "rekey.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/name.h"
#include "change.h"
#include "expiry.h"
#include "req.h"
#include "row.h"

/* One item of a table being re-keyed. */
struct rk_item {
	lay_item old; /* as stored */
	lay_item it;  /* under the new schema: attributes borrowed from old */
	lay_key okey, nkey;
	eng_meta meta;
	int expired; /* gone for readers: the service removes it */
	encoded e;
};

/* A partition of the old layout: its name and metadata, kept by the new
 * partition of the same name. */
struct rk_part {
	lay_buf name;
	eng_dirmeta dm;
};

struct rekey {
	struct rk_item *items;
	size_t n, cap;
	struct rk_part *parts;
	size_t nparts, pcap;
};

static void rekey_free(struct rekey *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		lay_item_free(&r->items[i].old);
		lay_item_free(&r->items[i].it);
		lay_buf_free(&r->items[i].e.enc);
	}
	for (i = 0; i < r->nparts; i++)
		lay_buf_free(&r->parts[i].name);
	free(r->items);
	free(r->parts);
	memset(r, 0, sizeof(*r));
}

/* The file name of v (item != 0: with ".json") into out. */
static int name_of(lay_buf *out, const lay_value *v, int item)
{
	lay_buf_reset(out);
	return lay_name_from_key(out, v, item) < 0 ? -ENOMEM : 0;
}

static int buf_eq(const lay_buf *a, const lay_buf *b)
{
	return store_bytes_cmp(a->p, a->len, b->p, b->len) == 0;
}

/*
 * The item x as it is under schema ns: its new key taken from its
 * attributes, and the old key attributes dropped where they hold exactly
 * what its path gave them, that is where the old key value's name is the
 * name the new key gives the same place (the directory, or the file).
 * That is what cp -a leaves in a table made with the default schema before
 * it copies the key schema: T/alice/x.json as {"PK":"alice","SK":"x",...}.
 * -ENOTEMPTY with the reason when the item cannot take the new key.
 */
static int rekey_one(struct rk_item *x, const store_table *t, const lay_schema *ns, lay_format fmt,
		     lay_err *err)
{
	const lay_schema *os = &t->schema;
	lay_buf odir = LAY_BUF_INIT, ofile = LAY_BUF_INIT, ndir = LAY_BUF_INIT,
		nfile = LAY_BUF_INIT;
	int drop_pk = 0, drop_sk = 0, rc;
	size_t i, n = 0;
	lay_err why = { 0, "" };

	if ((rc = lay_item_key(&x->okey, &x->old, os, err)) < 0)
		return rc;
	rc = -ENOMEM;
	if (os->sk_type ? name_of(&odir, &x->okey.pk, 0) < 0 || name_of(&ofile, &x->okey.sk, 1) < 0
			: name_of(&ofile, &x->okey.pk, 1) < 0)
		goto out_nomem;
	if ((rc = lay_item_key(&x->nkey, &x->old, ns, &why)) < 0)
		goto out_refuse;
	if (ns->sk_type ? name_of(&ndir, &x->nkey.pk, 0) < 0 || name_of(&nfile, &x->nkey.sk, 1) < 0
			: name_of(&nfile, &x->nkey.pk, 1) < 0)
		goto out_nomem;
	if (strcmp(os->pk, ns->pk) != 0 && strcmp(os->pk, ns->sk) != 0)
		drop_pk =
		    os->sk_type ? ns->sk_type && buf_eq(&odir, &ndir) : buf_eq(&ofile, &nfile);
	if (os->sk_type && strcmp(os->sk, ns->pk) != 0 && strcmp(os->sk, ns->sk) != 0)
		drop_sk = buf_eq(&ofile, &nfile);
	if (!(x->it.a = lay_item_alloc(&x->it, (x->old.n ? x->old.n : 1) * sizeof(lay_attr))))
		goto out_nomem;
	for (i = 0; i < x->old.n; i++) {
		const char *name = x->old.a[i].name;

		if ((drop_pk && strcmp(name, os->pk) == 0) ||
		    (drop_sk && strcmp(name, os->sk) == 0))
			continue;
		x->it.a[n++] = x->old.a[i];
	}
	x->it.n = n;
	/* key attributes first, as every item is stored */
	if ((rc = lay_item_set_key(&x->it, ns, &x->nkey, 0, &why)) < 0 ||
	    (rc = lay_item_validate(&x->it, ns, &why)) < 0)
		goto out_refuse;
	/* the new key borrows from the new item from here on */
	if ((rc = lay_item_key(&x->nkey, &x->it, ns, err)) < 0)
		goto out_free;
	rc = encode_item(&x->e, &x->it, fmt, err);
	goto out_free;
out_refuse:
	if (rc == -ENOMEM)
		goto out_nomem;
	rc = lay_err_set(err, -ENOTEMPTY,
			 "table %s holds items, and the item %.100s%s%.100s cannot take the new "
			 "key: %s",
			 t->name, odir.p ? odir.p : "", odir.p ? "/" : "", ofile.p ? ofile.p : "",
			 why.msg);
	goto out_free;
out_nomem:
	rc = lay_err_set(err, -ENOMEM, "out of memory re-keying table %s", t->name);
out_free:
	lay_buf_free(&odir);
	lay_buf_free(&ofile);
	lay_buf_free(&ndir);
	lay_buf_free(&nfile);
	return rc;
}

/* Read every item of t (rows copied: the writes below move them). */
static int rekey_collect(MDB_txn *txn, eng_db *db, const store_table *t, struct rekey *r,
			 int64_t now, lay_err *err)
{
	unsigned char pre[4];
	MDB_cursor *cur;
	MDB_val k = { sizeof(pre), pre }, v;
	struct rk_item *grown;
	int rc = 0, mrc;
	item_row rw;

	store_be32(pre, t->tid);
	if ((mrc = mdb_cursor_open(txn, db->items, &cur)) != 0)
		return store_mdb(mrc, "re-keying", err);
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct rk_item *x;

		if (k.mv_size < 4 || memcmp(k.mv_data, pre, 4) != 0)
			break;
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			if (!(grown = realloc(r->items, r->cap * sizeof(*grown)))) {
				rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
				break;
			}
			r->items = grown;
		}
		x = &r->items[r->n];
		memset(x, 0, sizeof(*x));
		r->n++;
		if ((rc = row_item_parse(&rw, v.mv_data, v.mv_size, db->format, err)) < 0 ||
		    (rc = lay_codec_decode(&x->old, rw.data, rw.data_len, err)) < 0)
			break;
		x->meta = rw.meta;
		x->expired = lay_ttl_expired(rw.meta.expires, now);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_mdb(mrc, "re-keying", err);
	return rc;
}

/* Remember the partition tg found, once per partition. */
static int rekey_note_part(struct rekey *r, const target *tg)
{
	struct rk_part *grown, *p;

	if (!tg->has_part || (r->nparts && r->parts[r->nparts - 1].dm.id == tg->prow.dm.id))
		return 0;
	if (r->nparts == r->pcap) {
		r->pcap = r->pcap ? r->pcap * 2 : 16;
		if (!(grown = realloc(r->parts, r->pcap * sizeof(*grown))))
			return -ENOMEM;
		r->parts = grown;
	}
	p = &r->parts[r->nparts];
	memset(p, 0, sizeof(*p));
	p->dm = tg->prow.dm;
	r->nparts++;
	return name_of(&p->name, &tg->key.pk, 0);
}

static const eng_dirmeta *rekey_find_part(const struct rekey *r, const lay_buf *name)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (buf_eq(&r->parts[i].name, name))
			return &r->parts[i].dm;
	return NULL;
}

/* Remove x under its old key (table t), with its REMOVE record. */
static int rekey_remove(MDB_txn *txn, eng_db *db, const store_table *t, struct rekey *r,
			struct rk_item *x, int64_t now, eng_source src, store_evq *q,
			lay_err *err)
{
	store_stats st;
	target tg;
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = target_init(&tg, t, &x->okey, err)) < 0)
		return rc;
	if ((rc = target_find(txn, db, &tg, err)) < 0)
		goto out_free;
	if (!tg.exists) {
		rc = lay_err_set(err, -EIO, "table %s: a stored item is not where its key says",
				 t->name);
		goto out_free;
	}
	if (rekey_note_part(r, &tg) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
		goto out_free;
	}
	if ((rc = store_log_change(txn, db, t, now, ENG_REMOVE,
				   store_change_flags(x->expired ? ENG_SRC_TTL : src), &tg.key,
				   tg.r.data, tg.r.data_len, &tg.r.meta, NULL, 0, err)) < 0 ||
	    (rc = target_remove(txn, db, &tg, now, &st, err)) < 0)
		goto out_free;
	if (store_evq_add(q, &x->okey, ENG_REMOVE, x->expired ? ENG_SRC_TTL : src) < 0)
		rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
out_free:
	target_free(&tg);
	return rc;
}

/* Put x under its new key (table nt), with its INSERT record. */
static int rekey_insert(MDB_txn *txn, eng_db *db, const store_table *nt, struct rekey *r,
			struct rk_item *x, int64_t now, eng_source src, store_evq *q,
			lay_err *err)
{
	lay_buf pname = LAY_BUF_INIT;
	const eng_dirmeta *reuse = NULL;
	store_stats st;
	eng_meta m;
	target tg;
	char desc[128];
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = target_init(&tg, nt, &x->nkey, err)) < 0)
		return rc;
	if ((rc = target_find(txn, db, &tg, err)) < 0)
		goto out_free;
	if (tg.collides) {
		rc = store_collision(nt, err);
		goto out_free;
	}
	if (tg.exists) {
		store_value_desc(desc, sizeof(desc), tg.ival);
		rc =
		    lay_err_set(err, -ENOTEMPTY,
				"table %s holds items, and two of them would have the same key "
				"(%s %s) under the new key schema",
				nt->name, nt->schema.sk_type ? nt->schema.sk : nt->schema.pk, desc);
		goto out_free;
	}
	if (tg.composite) {
		if (name_of(&pname, &x->nkey.pk, 0) < 0) {
			rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
			goto out_free;
		}
		reuse = rekey_find_part(r, &pname);
		if (!tg.has_part)
			tg.reuse_dm = reuse;
	}
	m = x->meta;
	m.ctime_ns = now;
	m.len = x->e.len;
	m.size = x->e.size;
	m.expires = lay_ttl_expiry(&x->it, nt->settings.ttl_attr, now);
	if ((rc = store_log_change(txn, db, nt, now, ENG_INSERT, store_change_flags(src), &tg.key,
				   NULL, 0, NULL,
				   x->e.enc.p, x->e.enc.len, err)) < 0)
		goto out_free;
	if (store_evq_add(q, &x->nkey, ENG_INSERT, src) < 0) {
		rc = lay_err_set(err, -ENOMEM, "out of memory re-keying");
		goto out_free;
	}
	if ((rc = target_write(txn, db, &tg, &m, x->e.enc.p, x->e.enc.len, now, &st, err)) < 0)
		goto out_free;
	/* a kept partition keeps its times too (an item landing moved them) */
	if (reuse &&
	    (tg.prow.dm.mtime_ns != reuse->mtime_ns || tg.prow.dm.ctime_ns != reuse->ctime_ns)) {
		tg.prow.dm.mtime_ns = reuse->mtime_ns;
		tg.prow.dm.ctime_ns = reuse->ctime_ns;
		rc = target_part_write(txn, db, &tg, err);
	}
out_free:
	lay_buf_free(&pname);
	target_free(&tg);
	return rc;
}

int store_rekey(MDB_txn *txn, eng_db *db, const store_table *t, const lay_schema *ns,
		eng_source src, store_evq *q, lay_err *err)
{
	int64_t now = eng_clock_now_ns(db->clock);
	struct rekey r;
	store_table nt = *t;
	store_stats st;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	nt.schema = *ns;
	if ((rc = store_stats_get(txn, db, t->tid, &st, err)) < 0 ||
	    (rc = rekey_collect(txn, db, t, &r, now, err)) < 0)
		goto out_free;
	/* everything is checked before anything is written */
	for (i = 0; i < r.n; i++) {
		struct rk_item *x = &r.items[i];

		rc = x->expired ? lay_item_key(&x->okey, &x->old, &t->schema, err)
				: rekey_one(x, t, ns, db->format, err);
		if (rc < 0)
			goto out_free;
	}
	/* every item leaves its old place before any takes its new one: two
	 * items may swap keys, and a partition keeps its id and metadata */
	for (i = 0; i < r.n; i++)
		if ((rc = rekey_remove(txn, db, t, &r, &r.items[i], now, src, q, err)) < 0)
			goto out_free;
	st.count = 0;
	st.size = 0;
	for (i = 0; i < r.n; i++) {
		if (r.items[i].expired)
			continue;
		if ((rc = rekey_insert(txn, db, &nt, &r, &r.items[i], now, src, q, err)) < 0)
			goto out_free;
		st.count++;
		st.size += r.items[i].e.size;
	}
	/* the table directory changed (its entries may have), mtime aside:
	 * cp -a sets it before it copies the key schema */
	st.ctime_ns = now;
	rc = store_stats_put(txn, db, t->tid, &st, err);
out_free:
	rekey_free(&r);
	return rc;
}

