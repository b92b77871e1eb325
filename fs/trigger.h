/* ddbfs trigger (SPEC §8): the Lambda-trigger analogue, a client of the
 * mount that runs a command on each batch of stream records. */
#ifndef FS_TRIGGER_H
#define FS_TRIGGER_H

/*
 * `ddbfs trigger [OPTIONS] MNT/T -- COMMAND [ARGS...]`; argv[0] is "trigger".
 * Runs until a stop signal or until the stream goes away. Returns the
 * process exit status: 0 stopped by SIGTERM/SIGINT (or --help), 1 the stream
 * went away or could not be read, 2 bad arguments or setup (not a table with
 * a stream, COMMAND not found, checkpoint unusable).
 */
int fs_trigger_main(int argc, char **argv);

#endif
