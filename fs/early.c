/* Early errors (SPEC §5): each write of an item's handle written in order
 * from offset 0 is pushed through an incremental JSON scanner
 * (layout/jscan.c), which costs a pass over the new bytes only; the write
 * that completes the document is checked as its commit will be
 * (fs_file_check), once, and the commit takes the item so checked instead
 * of parsing the text again. */
#include "early.h"

#include <errno.h>

#include "doc.h"

static void forget_item(fs_early *e)
{
	if (e->checked)
		lay_item_free(&e->item);
	e->checked = 0;
}

/* Leave e->state for state; a checked item no longer stands for buf. */
static void set_state(fs_early *e, int state)
{
	forget_item(e);
	e->state = state;
}

int fs_early_write(fs_fh *fh, size_t old_len, off_t off, size_t len, lay_err *err)
{
	fs_early *e = &fh->early;
	size_t at = fh->append ? old_len : (size_t)off;
	int rc, was_complete;

	if (e->state < 0) {
		rc = lay_err_set(err, e->state,
				 "an earlier write to this file was refused (%s): its content "
				 "cannot become the item; truncate it to start again",
				 lay_errno_name(e->state));
		goto refuse;
	}
	if (e->state == FS_EARLY_NONE) {
		/* in order from 0: a new or truncated file, or an append (>>),
		 * whose text so far is the item as rendered */
		if (at != old_len || (old_len > 0 && !fh->append)) {
			set_state(e, FS_EARLY_OFF);
			return 0;
		}
		lay_jscan_init(&e->scan, lay_json_max_brackets(fs.format), LAY_JSCAN_OBJECT);
		e->state = FS_EARLY_SCAN;
		if (old_len > 0 && lay_jscan_push(&e->scan, fh->buf.p, old_len, NULL) < 0)
			e->state = FS_EARLY_OFF;
	}
	if (e->state != FS_EARLY_SCAN)
		return 0;
	if (at != old_len || lay_jscan_offset(&e->scan) != old_len) {
		set_state(e, FS_EARLY_OFF); /* a writer that seeks */
		return 0;
	}
	was_complete = lay_jscan_end(&e->scan) != 0;
	rc = lay_jscan_push(&e->scan, fh->buf.p + old_len, len, err);
	if (rc == 1 && !was_complete) {
		forget_item(e);
		e->keygen = __atomic_load_n(&fh->node->keygen, __ATOMIC_ACQUIRE);
		rc = fs_file_check(fh->node, fh->buf.p, fh->buf.len, &e->item, err);
		e->checked = rc == 0;
		if (rc != -EINVAL && rc != -EFBIG)
			rc = 0; /* not the content's fault: the commit will tell */
	}
	if (rc >= 0)
		return 0;
	set_state(e, rc);
refuse:
	fh->buf.len = old_len;
	if (fh->buf.p)
		fh->buf.p[old_len] = '\0';
	return rc;
}

void fs_early_truncate(fs_fh *fh, size_t old_len, size_t size)
{
	fs_early *e = &fh->early;

	if (size == 0) {
		/* a fresh start: what was refused is gone */
		if (e->state < 0 && fh->werr == e->state)
			fh->werr = 0;
		set_state(e, FS_EARLY_NONE);
	} else if (size != old_len && e->state >= 0) {
		set_state(e, FS_EARLY_OFF);
	}
}

int fs_early_take(fs_fh *fh, lay_item *out)
{
	fs_early *e = &fh->early;

	/* the scanner has seen all of buf, and found one document in it */
	if (!e->checked || e->state != FS_EARLY_SCAN || lay_jscan_offset(&e->scan) != fh->buf.len ||
	    !lay_jscan_end(&e->scan))
		return 0;
	if (e->keygen != __atomic_load_n(&fh->node->keygen, __ATOMIC_ACQUIRE)) {
		/* renamed since: the key it was checked with is not its own */
		forget_item(e);
		return 0;
	}
	*out = e->item;
	e->item = (lay_item)LAY_ITEM_INIT;
	e->checked = 0;
	return 1;
}

void fs_early_free(fs_fh *fh)
{
	forget_item(&fh->early);
}
