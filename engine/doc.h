/* Documents (SPEC §4, §5): an item's file content — JSON text in the
 * mount's format — becomes an item whose key is settled from the path it
 * is written under, checked as its PutItem will check it. Also drafts: the
 * text of a file being written, checked as it is written in order, so that
 * the write that makes it impossible fails at once (the shell ignores
 * close()). Every front that takes documents (files, and later the
 * request API's text forms) goes through here. */
#ifndef ENG_DOC_H
#define ENG_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "../layout/err.h"
#include "../layout/jscan.h"
#include "../layout/json.h"
#include "../layout/schema.h"
#include "db.h"

/* What the path says of a document's key; everything borrowed. */
typedef struct eng_place {
	const lay_value *pk;  /* the partition directory's value (tables with a sort
	                       * key); NULL when that directory has a long, hashed
	                       * name not yet resolved */
	const char *pk_name;  /* the partition directory's name (tables with a sort
	                       * key): a document that gives the partition key
	                       * must give back this name */
	const lay_value *key; /* the value the file's name gives (the sort key; the
	                       * partition key without one); NULL for a long name */
	const char *name;     /* the file's name, "….json" */
} eng_place;

/*
 * Settle the key of item, written at place p of table, and validate it
 * (lay_item_validate). What the path gives is set into the item
 * (lay_item_set_key: missing key attributes are added, present ones must
 * agree); under a long name the item must carry its key attributes, and
 * they must give back the names on the path. *key borrows from item.
 * -ENOENT (no table), -EINVAL with the reason, -EFBIG, -ENOMEM.
 */
int eng_doc_settle(eng_db *db, const char *table, lay_item *item, const eng_place *p,
		   lay_key *key, lay_err *err);

/* Parse text (len bytes, format fmt) into *out (LAY_ITEM_INIT; the caller
 * frees it, on error too) and settle it: eng_doc_settle. */
int eng_doc_parse(eng_db *db, const char *table, const char *text, size_t len, lay_format fmt,
		  const eng_place *p, lay_item *out, lay_key *key, lay_err *err);

/* A key as text: the key attributes of table as one DynamoDB JSON object
 * ({"pk":{"S":"a"}}, no newline), appended to out. -ENOENT (no table),
 * -EINVAL (the key does not fit the schema), -ENOMEM. */
int eng_key_render(eng_db *db, const char *table, const lay_key *key, lay_buf *out, lay_err *err);

/* The key eng_key_render wrote: *out borrows from store (LAY_ITEM_INIT; the
 * caller frees it). -ENOENT, -EINVAL with the reason, -ENOMEM. */
int eng_key_parse(eng_db *db, const char *table, const char *text, size_t len, lay_item *store,
		  lay_key *out, lay_err *err);

/* A draft: the text of a file written in order from offset 0. */
enum {
	ENG_DRAFT_NONE = 0, /* nothing written yet: the first write decides */
	ENG_DRAFT_SCAN,     /* written in order: the scanner has seen all of it */
	ENG_DRAFT_OFF,      /* written elsewhere too: only the commit checks */
};

typedef struct eng_draft {
	int state;          /* ENG_DRAFT_*, or the negative errno of a refused write */
	lay_jscan scan;     /* while ENG_DRAFT_SCAN */
	int checked;        /* item is the text's content, settled and checked */
	lay_item item;
	uint64_t tag;       /* the caller's tag for the place it was checked at */
} eng_draft;

#define ENG_DRAFT_INIT { ENG_DRAFT_NONE, { 0 }, 0, LAY_ITEM_INIT, 0 }

/*
 * len bytes were written at offset at of a draft's text, which held old_len
 * bytes before and now is text[0..old_len + len) (append: the writer
 * appends, so text it did not write is the item as rendered, in order
 * too). Returns 0 (go on), 1 (the text has
 * just become one whole document: check it now with eng_draft_check), or,
 * when the bytes make the text impossible (a JSON syntax error), or an
 * earlier write was refused, -EINVAL with a message: the caller cuts the
 * text back to old_len, as if the write had not happened.
 */
int eng_draft_write(eng_draft *d, lay_format fmt, const char *text, size_t old_len, size_t at,
		    size_t len, int append, lay_err *err);

/* Check the whole document text (tlen bytes) at place p (the caller's tag
 * for it: a later eng_draft_take with another tag does not take it). 0, or
 * -EINVAL / -EFBIG when its commit would fail so: the write is refused as
 * eng_draft_write's is. Other errors are not the text's: 0. */
int eng_draft_check(eng_db *db, eng_draft *d, const char *table, lay_format fmt,
		    const eng_place *p, uint64_t tag, const char *text, size_t tlen, lay_err *err);

/* Refuse the write: the draft's later writes fail with rc too until it is
 * truncated to nothing. */
void eng_draft_refuse(eng_draft *d, int rc);

/* The text went from old_len bytes to size (ftruncate). When a refused
 * draft starts again (size 0), the errno it was refused with (< 0), else 0. */
int eng_draft_truncate(eng_draft *d, size_t old_len, size_t size);

/* If the text (tlen bytes) was checked as written at the place tag names,
 * with only whitespace since, move that item into *out (LAY_ITEM_INIT; the
 * caller frees it) and return 1; else 0. */
int eng_draft_take(eng_draft *d, uint64_t tag, size_t tlen, lay_item *out);

void eng_draft_free(eng_draft *d);

#endif
