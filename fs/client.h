/* The commands' side of .ddbfs/api: send one request to a mounted ddbfs
 * and read its answer, as any process may. */
#ifndef FS_CLIENT_H
#define FS_CLIENT_H

#include <cJSON.h>

#include "../layout/buf.h"

/* The root of the mounted ddbfs holding path (a table directory, or the
 * mount itself) into root, and the table path names (if any) into table
 * (both size bytes). 0, or -1 with a message on stderr prefixed by cmd. */
int fs_client_locate(const char *cmd, const char *path, char *root, char *table, size_t size);

/* The root of the mounted ddbfs path is in (path itself or a directory
 * above it) into root: 0, or -1 with a message naming cmd on stderr. */
int fs_client_root(const char *cmd, const char *path, char *root, size_t size);

/* 1 if path (which exists) is in a mounted ddbfs, else 0. */
int fs_client_in_mount(const char *path);

/*
 * Send request body to the mount at root; *out gets the parsed answer
 * (cJSON_Delete). Returns 0 (an answer that is not an error), 1 (DynamoDB's
 * error: its message is printed on stderr prefixed by cmd) or -1 (the
 * mount could not be asked; said on stderr).
 */
int fs_client_call(const char *cmd, const char *root, const char *body, cJSON **out);

/* Follow an export or import until it is done, showing its progress on
 * stderr when that is a terminal and quiet is 0. describe is the
 * Describe* request; key the answer's member. Returns the final
 * description (cJSON_Delete) or NULL (said on stderr). */
cJSON *fs_client_follow(const char *cmd, const char *root, const char *describe,
			const char *key, int quiet);

#endif
