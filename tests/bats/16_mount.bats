#!/usr/bin/env bats
# SPEC §1, §2, §5: mount options reach the kernel, mounting again after a
# crash or an unmount, and the small commands' errors.

load helpers

setup() {
	new_testroot
	# a second user must be able to reach the mount point
	chmod 755 "$TESTROOT"
}

# as_nobody CMD...: runs CMD as uid/gid 65534 with no other groups.
as_nobody() {
	$T setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# mounts_at DIR: how many mounts /proc/self/mountinfo has on DIR.
mounts_at() {
	awk -v d="$1" '$5 == d' /proc/self/mountinfo | wc -l
}

# erofs CMD...: CMD fails with "Read-only file system".
erofs() {
	run $T "$@"
	assert_failure
	assert_output --partial "Read-only file system"
}

# dump: every table's key schema and TTL attribute, every path with its
# mode and every file's content, so a comparison sees any change.
dump() {
	local t
	for t in "$MNT"/*/; do
		getfattr --absolute-names -n user.ddb.key_schema "$t"
		getfattr --absolute-names -n user.ddb.ttl_attribute "$t"
	done
	(cd "$MNT" && find . -printf '%p %m %s\n' | sort &&
		find . -type f -name '*.json' | sort | xargs cat)
}

@test "the mount options reach the kernel: /proc/mounts shows them" {
	mount_ddbfs -o allow_other
	run grep " $MNT " /proc/mounts
	assert_success
	assert_output --regexp "^ddbfs $MNT fuse\.ddbfs rw,.*default_permissions,allow_other "
	unmount_ddbfs
	mount_ddbfs
	run grep " $MNT " /proc/mounts
	assert_output --regexp "^ddbfs $MNT fuse\.ddbfs rw,.*default_permissions "
	refute_output --partial "allow_other"
}

@test "-o ro: every mutation is EROFS and changes nothing" {
	mount_ddbfs
	new_table Users "id:S"
	new_table Orders
	$T mkdir "$MNT/Orders/alice" "$MNT/Empty"
	echo '{"v":1}' >"$MNT/Users/u1.json"
	echo '{"v":2}' >"$MNT/Orders/alice/o1.json"
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Users"
	before=$(dump)
	[[ "$before" == *"alice/o1.json 644"* && "$before" == *'ttl_attribute="exp"'* ]]
	unmount_ddbfs
	mount_ddbfs -o ro
	run grep " $MNT " /proc/mounts
	assert_output --regexp "^ddbfs $MNT fuse\.ddbfs ro,"
	erofs touch "$MNT/Users/u2.json"                       # create
	erofs bash -c "echo '{\"v\":9}' > '$MNT/Users/u1.json'" # write
	erofs bash -c "echo '{\"v\":9}' >> '$MNT/Users/u1.json'"
	erofs rm "$MNT/Users/u1.json"
	erofs rm -r "$MNT/Orders/alice"
	erofs mkdir "$MNT/NewTable"
	erofs mkdir "$MNT/Orders/bob"
	erofs rmdir "$MNT/Empty"
	erofs mv "$MNT/Users" "$MNT/People"
	erofs mv "$MNT/Users/u1.json" "$MNT/Users/u9.json"
	erofs setfattr -n user.ddb.ttl_attribute -v other "$MNT/Users"
	erofs setfattr -n user.ddb.ttl -v +60 "$MNT/Users/u1.json"
	erofs setfattr -x user.ddb.ttl_attribute "$MNT/Users"
	erofs chmod 600 "$MNT/Users/u1.json"
	erofs touch "$MNT/Users/u1.json"
	erofs touch -d @1000000000 "$MNT/Orders/alice/o1.json"
	erofs truncate -s 0 "$MNT/Users/u1.json"
	[ "$(dump)" = "$before" ]
	unmount_ddbfs
	mount_ddbfs
	[ "$(dump)" = "$before" ]
}

@test "-o allow_other: another user reads a 0644 item and may not write it" {
	mount_ddbfs -o allow_other
	new_table Users "id:S"
	echo '{"v":1}' >"$MNT/Users/u1.json"
	run as_nobody cat "$MNT/Users/u1.json"
	assert_success
	assert_output '{"id":"u1","v":1}'
	run as_nobody sh -c "echo '{\"v\":2}' > '$MNT/Users/u1.json'"
	assert_failure
	assert_output --partial "Permission denied"
	run as_nobody rm -f "$MNT/Users/u1.json"
	assert_failure
	assert_output --partial "Permission denied"
	run as_nobody touch "$MNT/Users/u2.json"
	assert_failure
	assert_output --partial "Permission denied"
	run $T cat "$MNT/Users/u1.json"
	assert_output '{"id":"u1","v":1}'
	run $T ls "$MNT/Users"
	assert_output "u1.json"
}

@test "without allow_other another user is shut out" {
	mount_ddbfs
	new_table Users "id:S"
	echo '{"v":1}' >"$MNT/Users/u1.json"
	run as_nobody cat "$MNT/Users/u1.json"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "-o auto_unmount: the mount goes away by itself when the daemon is killed" {
	mount_ddbfs -o auto_unmount
	[ "$(mounts_at "$MNT")" -eq 1 ]
	kill -9 "$(daemon_pid)"
	# fusermount3's watcher unmounts once the daemon's fd is closed: 10 s
	# for a loaded machine
	for i in $(seq 1 100); do
		[ "$(mounts_at "$MNT")" -eq 0 ] && break
		sleep 0.1
	done
	[ "$(mounts_at "$MNT")" -eq 0 ]
}

# crash: kill -9 the daemon and wait until it is gone.
crash() {
	local pid
	pid=$(daemon_pid)
	kill -9 "$pid"
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
}

@test "mounting after kill -9 clears the dead mount, never stacks, also after a second crash" {
	mount_ddbfs
	new_table Users "id:S"
	echo '{"v":1}' >"$MNT/Users/u1.json"
	# the kernel keeps the root's attributes: stat of the dead mount succeeds
	stat "$MNT" >/dev/null
	crash
	[ "$(mounts_at "$MNT")" -eq 1 ]
	mount_ddbfs
	[ "$(mounts_at "$MNT")" -eq 1 ]
	run $T cat "$MNT/Users/u1.json"
	assert_output '{"id":"u1","v":1}'
	stat "$MNT" >/dev/null
	crash
	mount_ddbfs
	[ "$(mounts_at "$MNT")" -eq 1 ]
	echo '{"v":2}' >"$MNT/Users/u1.json"
	run $T cat "$MNT/Users/u1.json"
	assert_output '{"id":"u1","v":2}'
}

@test "a process with its cwd in the dead mount does not stop a new mount" {
	mount_ddbfs
	new_table Users "id:S"
	echo '{"v":1}' >"$MNT/Users/u1.json"
	(cd "$MNT/Users" && exec sleep 60) &
	sleeper=$!
	sleep 0.2
	crash
	mount_ddbfs
	[ "$(mounts_at "$MNT")" -eq 1 ]
	run $T cat "$MNT/Users/u1.json"
	assert_output '{"id":"u1","v":1}'
	crash
	mount_ddbfs
	[ "$(mounts_at "$MNT")" -eq 1 ]
	run $T ls "$MNT/Users"
	assert_output "u1.json"
	kill "$sleeper"
}

@test "mounting over a live ddbfs mount is refused, whatever its DATA_DIR" {
	mount_ddbfs
	new_table Users "id:S"
	run timeout 20 "$DDBFS" "$DATA" "$MNT"
	assert_failure
	assert_output --partial "$MNT is already mounted"
	assert_output --partial "fusermount3 -u $MNT"
	run timeout 20 "$DDBFS" "$TESTROOT/data2" "$MNT"
	assert_failure
	assert_output --partial "$MNT is already mounted"
	[ ! -e "$TESTROOT/data2" ]
	[ "$(mounts_at "$MNT")" -eq 1 ]
	run $T ls "$MNT"
	assert_output "Users"
}

@test "a second DATA_DIR user fails at once naming the live holder and its mount" {
	mount_ddbfs
	mkdir "$TESTROOT/mnt2"
	run timeout 20 "$DDBFS" "$DATA" "$TESTROOT/mnt2"
	assert_failure
	assert_output --partial "in use by pid $(daemon_pid), mounted on $MNT"
	[ "$(mounts_at "$TESTROOT/mnt2")" -eq 0 ]
}

@test "fusermount3 -u then mount at once waits for the exiting daemon, 10 times in a row" {
	mount_ddbfs
	new_table Users "id:S"
	echo '{"v":1}' >"$MNT/Users/u1.json"
	run timeout 120 bash -c '
		for i in $(seq 1 10); do
			echo "{\"v\":$i}" >"$2/Users/u1.json" || exit 1
			fusermount3 -u "$2" && "$3" "$1" "$2" || exit 1
		done' - "$DATA" "$MNT" "$DDBFS"
	assert_success
	[ "$(mounts_at "$MNT")" -eq 1 ]
	run $T cat "$MNT/Users/u1.json"
	assert_output '{"id":"u1","v":10}'
}

@test "ddbfs trigger on a table whose stream is OFF exits 2 at once, and exits 1 when it is turned OFF" {
	mount_ddbfs
	new_table Orders "id:S"
	run timeout 10 "$DDBFS" trigger --checkpoint "$TESTROOT/ck" "$MNT/Orders" -- cat
	assert_failure 2
	assert_output --partial "the stream of $MNT/Orders is OFF"
	assert_output --partial "setfattr -n user.ddb.stream"
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Orders"
	echo '{"v":1}' >"$MNT/Orders/a.json"
	timeout 30 "$DDBFS" trigger --checkpoint "$TESTROOT/ck" "$MNT/Orders" -- cat \
		>"$TESTROOT/out" 2>"$TESTROOT/err" &
	trig=$!
	for i in $(seq 1 50); do grep -q eventID "$TESTROOT/out" 2>/dev/null && break; sleep 0.1; done
	$T setfattr -n user.ddb.stream -v OFF "$MNT/Orders"
	st=0
	wait "$trig" || st=$?
	[ "$st" -eq 1 ]
	run grep -c eventID "$TESTROOT/out"
	assert_output 1
	run cat "$TESTROOT/err"
	assert_output --partial "was turned OFF"
}

@test "ddbfs create-table says why it refuses, and creates nothing then" {
	mount_ddbfs
	run timeout 10 "$DDBFS" create-table "$MNT" T2 --pk id:S
	assert_failure
	assert_output --partial 'table name "T2" is 2 characters; names are 3 to 255'
	run timeout 10 "$DDBFS" create-table "$MNT" Users --pk id:X
	assert_failure
	assert_output --partial 'type is "X"; key types are S, N or B'
	run timeout 10 "$DDBFS" create-table "$MNT" Users --pk id
	assert_failure
	assert_output --partial '"id" has no type'
	run timeout 10 "$DDBFS" create-table "$MNT" Users --pk id:S --sk id:N
	assert_failure
	assert_output --partial 'both named "id"'
	run $T ls "$MNT"
	assert_output ""
	run timeout 10 "$DDBFS" create-table "$MNT" Users --pk id:S --sk n:N
	assert_success
	run timeout 10 "$DDBFS" create-table "$MNT" Users --pk id:S
	assert_failure
	assert_output --partial "table $MNT/Users already exists"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Users"
	assert_output "id:S,n:N"
}

@test "ddbfs with an unknown command says so and exits non-zero" {
	run "$DDBFS" bogus
	assert_failure 2
	assert_line --index 0 "ddbfs: unknown command bogus"
	refute_output --partial "usage:"
	run "$DDBFS" creat-table "$MNT" Users --pk id:S
	assert_failure 2
	assert_line --index 0 "ddbfs: unknown command creat-table"
	[ ! -e creat-table ]
	run "$DDBFS"
	assert_failure 2
	assert_output --partial "usage:"
}

# bad_writes N: N writes of malformed JSON to Users/bN.json, each of which
# fails and logs one line.
bad_writes() {
	run $T python3 -c "
import sys
bad = 0
for i in range(int(sys.argv[2])):
    try:
        with open('%s/Users/b%d.json' % (sys.argv[1], i), 'w') as f:
            f.write('{bad')
    except OSError:
        bad += 1
print(bad)
" "$MNT" "$1"
	assert_output "$1"
}

@test "DATA_DIR/ddbfs.log is rotated past 1 MiB, keeping one old file" {
	mkdir -p "$DATA"
	yes 'an old line of the log' | head -c $((1024 * 1024 - 20000)) >"$DATA/ddbfs.log"
	mount_ddbfs
	new_table Users "id:S"
	bad_writes 200
	[ -f "$DATA/ddbfs.log.1" ]
	run head -n 1 "$DATA/ddbfs.log.1"
	assert_output "an old line of the log"
	[ "$(stat -c %s "$DATA/ddbfs.log.1")" -ge $((1024 * 1024)) ]
	[ "$(stat -c %s "$DATA/ddbfs.log.1")" -lt $((1024 * 1024 + 4096)) ]
	[ "$(stat -c %s "$DATA/ddbfs.log")" -lt 65536 ]
	run tail -n 1 "$DATA/ddbfs.log"
	assert_output --partial '"path":"/Users/b199.json","errno":"EINVAL"'
	# grown past the limit again (by anyone): the older file goes
	yes 'a newer line' | head -n 82000 >>"$DATA/ddbfs.log"
	bad_writes 1
	run head -n 1 "$DATA/ddbfs.log.1"
	refute_output "an old line of the log"
	run grep -c "an old line of the log" "$DATA/ddbfs.log.1" "$DATA/ddbfs.log"
	assert_output "$DATA/ddbfs.log.1:0
$DATA/ddbfs.log:0"
	run tail -n 1 "$DATA/ddbfs.log.1"
	assert_output "a newer line"
	run $T tail -n 1 "$DATA/ddbfs.log"
	assert_output --partial '"path":"/Users/b0.json","errno":"EINVAL"'
	run ls "$DATA"
	refute_output --partial "ddbfs.log.2"
}

# readme_block HEADING: the first ```sh block after "## HEADING" in
# README.md, run against this test's mount: mnt is $MNT, ddbfs is $DDBFS,
# and the lines that mount and unmount are left out.
readme_block() {
	awk -v h="## $1" '
		$0 == h { found = 1; next }
		found && /^```sh/ { inblock = 1; next }
		inblock && /^```/ { exit }
		inblock' "$BATS_TEST_DIRNAME/../../README.md" |
		grep -v -e '^ddbfs DATA_DIR' -e '^fusermount3' |
		sed -e "s#^ddbfs #\"\$DDBFS\" #" -e "s#\\bmnt/#\$MNT/#g" -e "s#\\bmnt #\$MNT #g"
}

@test "the README's examples work as written" {
	mount_ddbfs
	cd "$TESTROOT"
	script=$(readme_block "Using it")
	[[ "$script" == *"create-table"* ]]
	run $T env DDBFS="$DDBFS" MNT="$MNT" bash -ec "$script"
	assert_success
	assert_line '{"PK":"alice","SK":"o1","total":12.5}'
	run $T cat "$MNT/Orders/bob/o1.json"
	assert_output '{"PK":"bob","SK":"o1","total":13}'
	# the import the comment names
	run $T rsync -a backup/ "$MNT/Orders2/"
	assert_success
	run $T cat "$MNT/Orders2/bob/o1.json"
	assert_output '{"PK":"bob","SK":"o1","total":13}'
	script=$(readme_block "TTL")
	[[ "$script" == *"user.ddb.ttl_attribute"* ]]
	run $T env DDBFS="$DDBFS" MNT="$MNT" bash -ec "$script"
	assert_success
	assert_output --regexp 'user.ddb.ttl="[0-9]{10}"'
	run $T jq -e '.expiresAt > 0 and .user == "alice"' "$MNT/Sessions/s1.json"
	assert_success
}

@test "mounting over a mount whose daemon does not answer is refused, not stacked" {
	mount_ddbfs
	new_table Users "id:S"
	pid=$(daemon_pid)
	kill -STOP "$pid"
	run timeout 20 "$DDBFS" "$TESTROOT/data2" "$MNT"
	kill -CONT "$pid"
	assert_failure
	assert_output --partial "does not answer"
	assert_output --partial "fusermount3 -uz $MNT"
	[ "$(mounts_at "$MNT")" -eq 1 ]
	run $T ls "$MNT"
	assert_output "Users"
}
