/* `ddbfs check DATA_DIR` (SPEC §17): the verifier, read-only. */
#ifndef FS_CHECK_H
#define FS_CHECK_H

/* Run `ddbfs check` with its arguments (argv[0] is "check"); returns the
 * exit status: 0 healthy, 1 problems found, 2 could not check. */
int fs_check_main(int argc, char **argv);

#endif
