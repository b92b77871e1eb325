/* Early errors (SPEC §5): each write of an item's handle goes to its
 * draft (engine.h), which scans only the new bytes; the write that
 * completes the document is checked at the node's place as its commit
 * will be, once, and the commit takes the item so checked instead of
 * parsing the text again. */
#include "early.h"

#include <errno.h>

#include "doc.h"

/* Check the complete content of fh at its node's place. */
static int check(fs_fh *fh, lay_err *err)
{
	fs_node *n = fh->node;
	fs_place pl;
	int rc = fs_place_of(&pl, n, NULL, NULL, NULL, NULL);

	if (rc == 0)
		rc = eng_draft_check(fs.db, NULL, &fh->early, n->table, fs.format, &pl.p, pl.keygen,
				     fh->buf.p, fh->buf.len, err);
	else if (rc == 1)
		rc = 0; /* unlinked: its content goes nowhere */
	fs_place_free(&pl);
	return rc;
}

int fs_early_write(fs_fh *fh, size_t old_len, off_t off, size_t len, lay_err *err)
{
	size_t at = fh->append ? old_len : (size_t)off;
	int rc = eng_draft_write(&fh->early, fs.format, fh->buf.p, old_len, at, len, fh->append,
				 err);

	if (rc == 1)
		rc = check(fh, err);
	if (rc >= 0)
		return 0;
	fh->buf.len = old_len;
	if (fh->buf.p)
		fh->buf.p[old_len] = '\0';
	return rc;
}

void fs_early_truncate(fs_fh *fh, size_t old_len, size_t size)
{
	int refused = eng_draft_truncate(&fh->early, old_len, size);

	/* a fresh start: what was refused is gone */
	if (refused < 0 && fh->werr == refused)
		fh->werr = 0;
}

int fs_early_take(fs_fh *fh, uint32_t keygen, lay_item *out)
{
	return eng_draft_take(&fh->early, keygen, fh->buf.len, out);
}

void fs_early_free(fs_fh *fh)
{
	eng_draft_free(&fh->early);
}
