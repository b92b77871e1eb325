/* The request file .ddbfs/api (SPEC §14): open it read-write, write one
 * request {"Action":"...", ...}, read the response from the same open
 * file. Answers belong to their open file: two processes never see each
 * other's. The request is served at the first read after it was written,
 * as the reader who asks is the uid and gid of the request; the answer
 * is read from that first read's offset on. */
#include "api.h"

#include <errno.h>
#include <string.h>

/* DynamoDB's largest request is a 16 MB BatchWriteItem body; leave room. */
#define API_MAX_REQUEST ((size_t)20 << 20)

int fs_api_write(fs_fh *fh, const char *buf, size_t size)
{
	int rc = 0;

	pthread_mutex_lock(&fh->lock);
	if (fh->answered) {
		fh->buf.len = 0;
		fh->resp.len = 0;
		fh->answered = 0;
	}
	if (fh->buf.len + size > API_MAX_REQUEST)
		rc = -EFBIG;
	else if (lay_buf_add(&fh->buf, buf, size) < 0)
		rc = -ENOMEM;
	pthread_mutex_unlock(&fh->lock);
	return rc;
}

void fs_api_read(fuse_req_t req, fs_fh *fh, size_t size, off_t off)
{
	const struct fuse_ctx *fc = fuse_req_ctx(req);
	eng_api_ctx ctx = { .uid = fc->uid, .gid = fc->gid, .source = ENG_SRC_API,
			    .read_only = fs.ro };
	const lay_buf *b = &fh->resp;

	pthread_mutex_lock(&fh->lock);
	if (!fh->answered) {
		fh->resp.len = 0;
		if (fh->buf.len)
			eng_api_call(fs.db, &ctx, NULL, fh->buf.p, fh->buf.len, &fh->resp);
		if (fh->resp.len && lay_buf_addc(&fh->resp, '\n') < 0)
			fh->resp.len = 0;
		fh->answered = 1;
		fh->resp_at = off;
	}
	/* the answer starts where its first read did: a shell's `cat <&3`
	 * reads on from the end of the request it wrote */
	off = off >= fh->resp_at ? off - fh->resp_at : 0;
	if ((size_t)off >= b->len)
		size = 0;
	else if (size > b->len - (size_t)off)
		size = b->len - (size_t)off;
	fuse_reply_buf(req, size ? b->p + off : NULL, size);
	pthread_mutex_unlock(&fh->lock);
}
