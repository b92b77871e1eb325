/* ddbfs trigger (SPEC §8): the Lambda-trigger analogue, a client of the
 * mount that runs a command on each batch of stream records. */
#ifndef FS_TRIGGER_H
#define FS_TRIGGER_H

#include <stddef.h>

/*
 * `ddbfs trigger [OPTIONS] MNT/T -- COMMAND [ARGS...]`; argv[0] is "trigger".
 * Runs until a stop signal or until the stream goes away. Returns the
 * process exit status: 0 stopped by SIGTERM/SIGINT (or --help), 1 the stream
 * went away or could not be read, 2 bad arguments or setup (not a table with
 * a stream, COMMAND not found, checkpoint unusable).
 */
int fs_trigger_main(int argc, char **argv);

/*
 * The byte offset a checkpoint file's text (len bytes, as read) holds:
 * decimal digits, then at most a '\n', as the trigger writes it. Into
 * *out; returns 0, or -EINVAL for anything else (a sign, spaces, a NUL,
 * an offset past LLONG_MAX, an empty file).
 */
int fs_trigger_ckpt_parse(long long *out, const char *text, size_t len);

#endif
