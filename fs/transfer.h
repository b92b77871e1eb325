/* ddbfs export and ddbfs import (SPEC §13). */
#ifndef FS_TRANSFER_H
#define FS_TRANSFER_H

/* The commands; argv[0] is the command's name. Return the exit status. */
int fs_export_main(int argc, char **argv);
int fs_import_main(int argc, char **argv);
/* ddbfs api MNT ACTION: one request through MNT/.ddbfs/api (SPEC §14). */
int fs_api_main(int argc, char **argv);

#endif
