/* Early errors (SPEC §5): each write of an item's handle written in order
 * from offset 0 is pushed through an incremental JSON scanner
 * (layout/jscan.c), which costs a pass over the new bytes only; the write
 * that completes the document is checked as its commit will be
 * (fs_file_check), once. */
#include "early.h"

#include <errno.h>

#include "file.h"

int fs_early_write(fs_fh *fh, size_t old_len, off_t off, size_t len, lay_err *err)
{
	size_t at = fh->append ? old_len : (size_t)off;
	int rc, was_complete;

	if (fh->early < 0) {
		rc = lay_err_set(err, fh->early,
				 "an earlier write to this file was refused (%s): its content "
				 "cannot become the item; truncate it to start again",
				 lay_errno_name(fh->early));
		goto refuse;
	}
	if (fh->early == FS_EARLY_NONE) {
		/* in order from 0: a new or truncated file, or an append (>>),
		 * whose text so far is the item as rendered */
		if (at != old_len || (old_len > 0 && !fh->append)) {
			fh->early = FS_EARLY_OFF;
			return 0;
		}
		lay_jscan_init(&fh->scan, lay_json_max_brackets(fs.format), LAY_JSCAN_OBJECT);
		fh->early = FS_EARLY_SCAN;
		if (old_len > 0 && lay_jscan_push(&fh->scan, fh->buf.p, old_len, NULL) < 0)
			fh->early = FS_EARLY_OFF;
	}
	if (fh->early != FS_EARLY_SCAN)
		return 0;
	if (at != old_len || lay_jscan_offset(&fh->scan) != old_len) {
		fh->early = FS_EARLY_OFF; /* a writer that seeks */
		return 0;
	}
	was_complete = lay_jscan_end(&fh->scan) != 0;
	rc = lay_jscan_push(&fh->scan, fh->buf.p + old_len, len, err);
	if (rc == 1 && !was_complete) {
		rc = fs_file_check(fh->node, fh->buf.p, fh->buf.len, err);
		if (rc != -EINVAL && rc != -EFBIG)
			rc = 0; /* not the content's fault: the commit will tell */
	}
	if (rc >= 0)
		return 0;
	fh->early = rc;
refuse:
	fh->buf.len = old_len;
	if (fh->buf.p)
		fh->buf.p[old_len] = '\0';
	return rc;
}

void fs_early_truncate(fs_fh *fh, size_t old_len, size_t size)
{
	if (size == 0) {
		/* a fresh start: what was refused is gone */
		if (fh->early < 0 && fh->werr == fh->early)
			fh->werr = 0;
		fh->early = FS_EARLY_NONE;
	} else if (size != old_len && fh->early >= 0) {
		fh->early = FS_EARLY_OFF;
	}
}
