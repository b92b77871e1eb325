/* Documents and drafts (SPEC §4, §5). */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../layout/name.h"

/* 0 if value v's file name is name (item != 0: with ".json"), else -EINVAL. */
static int name_matches(const lay_value *v, const char *name, int item, lay_err *err)
{
	lay_buf want = LAY_BUF_INIT;
	int rc = lay_name_from_key(&want, v, item);

	if (rc >= 0 && strcmp(want.p, name) != 0)
		rc = lay_err_set(err, -EINVAL, "the key attributes in the file name %s, not %s",
				 want.p, name);
	lay_buf_free(&want);
	return rc < 0 ? rc : 0;
}

/* The key of item at p, for a table of schema s; see eng_doc_settle. */
static int settle(lay_item *item, const lay_schema *s, const eng_place *p, lay_key *out,
		  lay_err *err)
{
	int has_sk = s->sk[0] != 0, rc;

	if (p->key && (p->pk || !has_sk)) {
		lay_key k = { 0 };

		if (has_sk) {
			k.pk = *p->pk;
			k.sk = *p->key;
		} else {
			k.pk = *p->key;
		}
		if ((rc = lay_item_set_key(item, s, &k, 0, err)) < 0)
			return rc;
		return lay_item_key(out, item, s, err);
	}
	if (p->key && has_sk) {
		/* a short name in a partition with a long name: the sort key is
		 * the name's, the partition key must come from the content */
		const lay_attr *a = lay_item_find(item, s->pk, strlen(s->pk));
		lay_key k = { 0 };

		if (!a)
			return lay_err_set(err, -EINVAL,
					   "the partition %.80s... has a long name: the file must "
					   "carry its partition key %s",
					   p->pk_name ? p->pk_name : "", s->pk);
		k.pk = a->v;
		k.sk = *p->key;
		if ((rc = lay_item_set_key(item, s, &k, 0, err)) < 0 ||
		    (rc = lay_item_key(out, item, s, err)) < 0)
			return rc;
		return p->pk_name ? name_matches(&out->pk, p->pk_name, 0, err) : 0;
	}
	if ((rc = lay_item_key(out, item, s, err)) < 0) {
		char why[LAY_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return lay_err_set(err, rc,
				   "%.80s... has a long name: the file must carry its key "
				   "attributes (%s)",
				   p->name, why);
	}
	if (p->key && !lay_value_equal(has_sk ? &out->sk : &out->pk, p->key))
		return lay_err_set(err, -EINVAL, "the key attributes disagree with the name %s",
				   p->name);
	if (has_sk && p->pk && !lay_value_equal(&out->pk, p->pk))
		return lay_err_set(err, -EINVAL, "%s disagrees with its partition directory",
				   s->pk);
	if (!p->key && (rc = name_matches(has_sk ? &out->sk : &out->pk, p->name, 1, err)) < 0)
		return rc;
	if (has_sk && !p->pk && p->pk_name)
		return name_matches(&out->pk, p->pk_name, 0, err);
	return 0;
}

int eng_doc_settle(eng_db *db, eng_req *req, const char *table, lay_item *item, const eng_place *p,
		   lay_key *key, lay_err *err)
{
	eng_table_info ti;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0)
		return rc;
	return settle(item, &ti.schema, p, key, err);
}

/* eng_doc_parse, and with validate != 0 the size and key checks of the
 * put too (which a put does itself: only a check ahead of it needs them). */
static int doc_parse(eng_db *db, eng_req *req, const char *table, const char *text, size_t len,
		     lay_format fmt, const eng_place *p, lay_item *out, lay_key *key, int validate,
		     lay_err *err)
{
	eng_table_info ti;
	int rc;

	/* a table that went is said before what is wrong with the text */
	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0 ||
	    (rc = lay_json_parse(out, text ? text : "", len, fmt, err)) < 0 ||
	    (rc = settle(out, &ti.schema, p, key, err)) < 0)
		return rc;
	return validate ? lay_item_validate(out, &ti.schema, err) : 0;
}

int eng_doc_parse(eng_db *db, eng_req *req, const char *table, const char *text, size_t len, lay_format fmt,
		  const eng_place *p, lay_item *out, lay_key *key, lay_err *err)
{
	return doc_parse(db, req, table, text, len, fmt, p, out, key, 0, err);
}

int eng_key_render(eng_db *db, eng_req *req, const char *table, const lay_key *key, lay_buf *out, lay_err *err)
{
	lay_item kitem = LAY_ITEM_INIT;
	eng_table_info ti;
	size_t at = out->len;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) == 0 &&
	    (rc = lay_item_set_key(&kitem, &ti.schema, key, 0, err)) == 0 &&
	    (rc = lay_json_render(out, &kitem, LAY_FMT_DDB)) == 0)
		while (out->len > at && out->p[out->len - 1] == '\n')
			out->p[--out->len] = '\0';
	lay_item_free(&kitem);
	return rc;
}

int eng_key_parse(eng_db *db, eng_req *req, const char *table, const char *text, size_t len, lay_item *store,
		  lay_key *out, lay_err *err)
{
	eng_table_info ti;
	int rc;

	if ((rc = eng_table_get(db, req, table, &ti, err)) < 0 ||
	    (rc = lay_json_parse(store, text, len, LAY_FMT_DDB, err)) < 0)
		return rc;
	return lay_item_key(out, store, &ti.schema, err);
}

static void forget_item(eng_draft *d)
{
	if (d->checked)
		lay_item_free(&d->item);
	d->checked = 0;
}

/* Leave d->state for state; a checked item no longer stands for the text. */
static void set_state(eng_draft *d, int state)
{
	forget_item(d);
	d->state = state;
}

void eng_draft_refuse(eng_draft *d, int rc)
{
	set_state(d, rc);
}

int eng_draft_write(eng_draft *d, lay_format fmt, const char *text, size_t old_len, size_t at,
		    size_t len, int append, lay_err *err)
{
	int rc, was_complete;

	if (d->state < 0)
		return lay_err_set(err, d->state,
				   "an earlier write to this file was refused (%s): its content "
				   "cannot become the item; truncate it to start again",
				   lay_errno_name(d->state));
	if (d->state == ENG_DRAFT_NONE) {
		/* in order from 0: a new or truncated file, or an append (>>),
		 * whose text so far is the item as rendered */
		if (at != old_len || (old_len > 0 && !append)) {
			set_state(d, ENG_DRAFT_OFF);
			return 0;
		}
		lay_jscan_init(&d->scan, lay_json_max_brackets(fmt), LAY_JSCAN_OBJECT);
		d->state = ENG_DRAFT_SCAN;
		if (old_len > 0 && lay_jscan_push(&d->scan, text, old_len, NULL) < 0)
			d->state = ENG_DRAFT_OFF;
	}
	if (d->state != ENG_DRAFT_SCAN)
		return 0;
	if (at != old_len || lay_jscan_offset(&d->scan) != old_len) {
		set_state(d, ENG_DRAFT_OFF); /* a writer that seeks */
		return 0;
	}
	was_complete = lay_jscan_end(&d->scan) != 0;
	rc = lay_jscan_push(&d->scan, text + old_len, len, err);
	if (rc < 0)
		set_state(d, rc);
	else if (rc == 1 && !was_complete)
		return 1;
	return rc < 0 ? rc : 0;
}

int eng_draft_check(eng_db *db, eng_req *req, eng_draft *d, const char *table, lay_format fmt,
		    const eng_place *p, uint64_t tag, const char *text, size_t tlen, lay_err *err)
{
	lay_key key;
	int rc;

	forget_item(d);
	d->tag = tag;
	d->item = (lay_item)LAY_ITEM_INIT;
	rc = doc_parse(db, req, table, text, tlen, fmt, p, &d->item, &key, 1, err);
	d->checked = rc == 0;
	if (rc < 0)
		lay_item_free(&d->item);
	if (rc != -EINVAL && rc != -EFBIG)
		return 0; /* not the content's fault: the commit will tell */
	set_state(d, rc);
	return rc;
}

int eng_draft_truncate(eng_draft *d, size_t old_len, size_t size)
{
	int refused = d->state < 0 ? d->state : 0;

	if (size == 0) {
		set_state(d, ENG_DRAFT_NONE); /* a fresh start */
		return refused;
	}
	if (size != old_len && d->state >= 0)
		set_state(d, ENG_DRAFT_OFF);
	return 0;
}

int eng_draft_take(eng_draft *d, uint64_t tag, size_t tlen, lay_item *out)
{
	/* the scanner has seen all of the text, and found one document in it */
	if (!d->checked || d->state != ENG_DRAFT_SCAN || lay_jscan_offset(&d->scan) != tlen ||
	    !lay_jscan_end(&d->scan))
		return 0;
	if (d->tag != tag) {
		/* another place since: the key it was checked with is not its own */
		forget_item(d);
		return 0;
	}
	*out = d->item;
	d->item = (lay_item)LAY_ITEM_INIT;
	d->checked = 0;
	return 1;
}

void eng_draft_free(eng_draft *d)
{
	forget_item(d);
}
