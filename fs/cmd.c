/* The ddbfs subcommands (SPEC §2, §8, §12): create-table, restore and
 * trigger. They act through the mount itself, like any other client; the
 * others are dispatched to their own modules (serve, check, ...). */
#include "cmd.h"

#define FUSE_SUPER_MAGIC 0x65735546

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../layout/schema.h"
#include "check.h"
#include "serve.h"
#include "transfer.h"
#include "trigger.h"

static const char create_table_usage[] =
	"usage: ddbfs create-table MNT NAME --pk ATTR:TYPE [--sk ATTR:TYPE]\n"
	"\n"
	"Creates table NAME in the mounted database MNT with partition key ATTR of\n"
	"TYPE (S, N or B) and an optional sort key. Same as\n"
	"  mkdir MNT/NAME && setfattr -n user.ddb.key_schema -v 'PK:T,SK:T' MNT/NAME\n";

static int create_table(int argc, char **argv)
{
	const char *mnt = NULL, *name = NULL, *pk = NULL, *sk = NULL;
	char path[4096], schema[600];
	struct statfs sfs;
	lay_schema ks;
	lay_err err = { 0 };
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(create_table_usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--pk") == 0 && i + 1 < argc) {
			pk = argv[++i];
		} else if (strcmp(argv[i], "--sk") == 0 && i + 1 < argc) {
			sk = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "ddbfs create-table: unknown or incomplete flag %s\n", argv[i]);
			return 2;
		} else if (!mnt) {
			mnt = argv[i];
		} else if (!name) {
			name = argv[i];
		} else {
			fprintf(stderr, "ddbfs create-table: unexpected argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!mnt || !name || !pk) {
		fputs(create_table_usage, stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/.ddbfs", mnt);
	if (statfs(mnt, &sfs) < 0 || sfs.f_type != FUSE_SUPER_MAGIC || access(path, F_OK) < 0) {
		fprintf(stderr, "ddbfs create-table: %s is not a mounted ddbfs\n", mnt);
		return 1;
	}
	/* say what is wrong before the mount can only say EINVAL */
	if (lay_table_name_check(name, strlen(name), &err) < 0) {
		fprintf(stderr, "ddbfs create-table: %s\n", err.msg);
		return 1;
	}
	if ((size_t)snprintf(schema, sizeof(schema), "%s%s%s", pk, sk ? "," : "", sk ? sk : "") >=
		sizeof(schema) ||
	    lay_schema_parse(&ks, schema, strlen(schema), &err) < 0) {
		if (!err.code)
			lay_err_set(&err, -ENAMETOOLONG, "key schema %s is too long", schema);
		fprintf(stderr, "ddbfs create-table: %s\n", err.msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	if (mkdir(path, 0755) < 0) {
		if (errno == EEXIST)
			fprintf(stderr, "ddbfs create-table: table %s already exists\n", path);
		else
			fprintf(stderr, "ddbfs create-table: %s: %s (see %s/.ddbfs/errors)\n", path,
				strerror(errno), mnt);
		return 1;
	}
	if (setxattr(path, "user.ddb.key_schema", schema, strlen(schema), 0) < 0) {
		int e = errno;

		rmdir(path);
		fprintf(stderr, "ddbfs create-table: key schema %s: %s (see %s/.ddbfs/errors)\n",
			schema, strerror(e), mnt);
		return 1;
	}
	return 0;
}

static const char restore_usage[] =
	"usage: ddbfs restore SNAPSHOT_DIR NEW\n"
	"\n"
	"Restores a backup or a point in time (MNT/T/.snapshots/NAME, or\n"
	"MNT/.ddbfs/backups/T/NAME) as the new table NEW, inside the database: its\n"
	"key schema and items, every type exact; no settings. Same as\n"
	"  setfattr -n user.ddb.restore_to -v NEW SNAPSHOT_DIR\n";

static int restore(int argc, char **argv)
{
	struct statfs sfs;
	lay_err err = { 0 };

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(restore_usage, stdout);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc != 3) {
		fputs(restore_usage, stderr);
		return 2;
	}
	if (statfs(argv[1], &sfs) < 0) {
		fprintf(stderr, "ddbfs restore: %s: %s\n", argv[1],
			errno == ENOENT ? "no such backup or point in time" : strerror(errno));
		return 1;
	}
	if (sfs.f_type != FUSE_SUPER_MAGIC) {
		fprintf(stderr, "ddbfs restore: %s is not in a mounted ddbfs\n", argv[1]);
		return 1;
	}
	if (lay_table_name_check(argv[2], strlen(argv[2]), &err) < 0) {
		fprintf(stderr, "ddbfs restore: %s\n", err.msg);
		return 1;
	}
	if (setxattr(argv[1], "user.ddb.restore_to", argv[2], strlen(argv[2]), 0) < 0) {
		if (errno == EEXIST)
			fprintf(stderr, "ddbfs restore: table %s already exists\n", argv[2]);
		else if (errno == EINVAL)
			fprintf(stderr, "ddbfs restore: %s is not a backup or a point in time "
				"(MNT/T/.snapshots/NAME, MNT/.ddbfs/backups/T/NAME)\n", argv[1]);
		else if (errno == ENOENT)
			fprintf(stderr, "ddbfs restore: %s: no such backup or point in time\n",
				argv[1]);
		else if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "ddbfs restore: %s: permission denied: a restore needs "
				"write permission on the backup and on the mount's root\n", argv[1]);
		else if (errno == EROFS)
			fprintf(stderr, "ddbfs restore: %s: the mount is read-only\n", argv[1]);
		else
			fprintf(stderr, "ddbfs restore: %s: %s (MNT/.ddbfs/errors says why)\n",
				argv[1], strerror(errno));
		return 1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} cmds[] = {
	{ "create-table", create_table },
	{ "restore", restore },
	{ "trigger", fs_trigger_main },
	{ "export", fs_export_main },
	{ "import", fs_import_main },
	{ "api", fs_api_main },
	{ "serve", fs_serve_main },
	{ "check", fs_check_main },
};

int fs_cmd_known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return 1;
	return 0;
}

int fs_cmd_run(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			return cmds[i].run(argc, argv);
	return 2;
}
