/* The request file .ddbfs/api (SPEC §14): a front of the engine's request
 * handler. Each open is a session: write one request, read its answer. */
#ifndef FS_API_H
#define FS_API_H

#include "fs.h"

/* Take the next bytes of a request: after an answer was read, a write
 * begins a new request. -EFBIG past the request limit. */
int fs_api_write(fs_fh *fh, const char *buf, size_t size);

/* Reply to a read: the answer to the request written so far (served at
 * the first read, then read at any offset). */
void fs_api_read(fuse_req_t req, fs_fh *fh, size_t size, off_t off);

#endif
