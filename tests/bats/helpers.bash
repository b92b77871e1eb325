# Shared set-up for the behaviour tests: each test mounts a fresh DATA_DIR
# on its own mount point (under /var/tmp: vim skips its backup dance under
# /tmp), and teardown always unmounts and stops the daemon, even when the
# test failed. Every step that touches a mount runs under `timeout`.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

DDBFS=${DDBFS:-$BATS_TEST_DIRNAME/../../build/ddbfs}
T="timeout 20"

# new_testroot: a fresh TESTROOT with DATA (not made) and MNT (made).
new_testroot() {
	TESTROOT=$(mktemp -d /var/tmp/ddbfs-bats.XXXXXX)
	DATA=$TESTROOT/data
	MNT=$TESTROOT/mnt
	mkdir -p "$MNT"
}

# mount_ddbfs [ddbfs options...]: mounts $DATA on $MNT.
mount_ddbfs() {
	[ -n "${TESTROOT:-}" ] || new_testroot
	$T "$DDBFS" "$DATA" "$MNT" "$@"
}

# mount_with_item: a mount with table Orders holding item p/x.json ($ORIG).
mount_with_item() {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	ORIG='{"PK":"p","SK":"x","a":1}'
}

daemon_pid() {
	[ -f "$DATA/ddbfs.lock" ] && tr -dc 0-9 <"$DATA/ddbfs.lock"
}

# unmount_ddbfs: unmounts and waits for the daemon to exit; a daemon that
# will not go is killed, so no test leaves one behind.
unmount_ddbfs() {
	local pid i
	[ -n "${MNT:-}" ] || return 0
	pid=$(daemon_pid || true)
	timeout 10 fusermount3 -u "$MNT" 2>/dev/null || timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	if [ -n "$pid" ]; then
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null || true
			timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
			return 1
		fi
	fi
	return 0
}

setup() {
	mount_ddbfs
}

teardown() {
	unmount_ddbfs || true
	[ -n "${TESTROOT:-}" ] && rm -rf "$TESTROOT"
	TESTROOT=
}

# new_table NAME [SCHEMA]: mkdir and, if given, set the key schema.
new_table() {
	$T mkdir "$MNT/$1"
	if [ -n "${2:-}" ]; then
		$T setfattr -n user.ddb.key_schema -v "$2" "$MNT/$1"
	fi
}

# last_error: the newest line of .ddbfs/errors.
last_error() {
	$T tail -n 1 "$MNT/.ddbfs/errors"
}

# write_fails FILE CONTENT [append]: writing CONTENT to FILE fails (at close,
# which bash's own redirections do not report, so python writes it).
write_fails() {
	run $T python3 -c "
import sys
with open(sys.argv[1], 'a' if len(sys.argv) > 3 else 'w') as f:
    f.write(sys.argv[2])
" "$@"
	assert_failure
}

# now: the mount's clock (-o test_clock), in UTC seconds.
now() {
	cut -d' ' -f2 <"$MNT/.ddbfs/clock"
}

# iso SECONDS: the name of the point in time of that second.
iso() {
	date -u -d "@$1" +@%Y-%m-%dT%H:%M:%SZ
}

# advance SECONDS: move the test clock forward.
advance() {
	echo "+$1" >"$MNT/.ddbfs/clock"
}
