/* The ddbfs subcommands (SPEC §1, §2): what files cannot say. */
#ifndef FS_CMD_H
#define FS_CMD_H

/* 1 if name is a subcommand. */
int fs_cmd_known(const char *name);

/* Run subcommand argv[0]; returns the process exit status. */
int fs_cmd_run(int argc, char **argv);

#endif
