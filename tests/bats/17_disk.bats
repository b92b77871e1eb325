#!/usr/bin/env bats
# Small and full disks (SPEC §1, issue 8 point 6, issue 14 point 5): DATA_DIR lives on a 20 MB
# tmpfs made for each test. It mounts there; puts fill it to ENOSPC with a
# message naming DATA_DIR; nothing acknowledged is lost; deletes always
# work, after which puts work again; a full DATA_DIR mounts again.

load helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
	new_testroot
	DISK=$TESTROOT/disk
	DATA=$DISK/data
	mkdir -p "$DISK"
	timeout 20 mount -t tmpfs -o size=20m tmpfs "$DISK"
}

teardown() {
	unmount_ddbfs || true
	if [ -n "${DISK:-}" ] && awk -v m="$DISK" '$2 == m { f = 1 } END { exit !f }' /proc/mounts; then
		timeout 20 umount "$DISK" || timeout 10 umount -l "$DISK" || true
	fi
	[ -n "${TESTROOT:-}" ] && rm -rf "$TESTROOT"
	TESTROOT=
}

remount() {
	unmount_ddbfs
	mount_ddbfs
}

# items: 100 KB item bodies, each its own, $TESTROOT/src/iI.json for I in
# 0..299 (more than the disk holds).
items() {
	mkdir -p "$TESTROOT/src"
	python3 -c '
import sys
for i in range(300):
    pad = "".join(chr(97 + (i * 7 + k) % 26) for k in range(26))
    pad = (pad * (100 * 1024 // 26 + 1))[:100 * 1024]
    open("%s/i%d.json" % (sys.argv[1], i), "w").write("{\"n\":%d,\"data\":\"%s\"}" % (i, pad))
' "$TESTROOT/src"
}

# fill: cp 100 KB items into Tab/p until one fails; N is the number that
# made it, CP_ERR what cp said of the one that did not.
fill() {
	local i
	items
	N=0
	for i in $(seq 0 299); do
		if ! CP_ERR=$($T cp "$TESTROOT/src/i$i.json" "$MNT/Tab/p/i$i.json" 2>&1); then
			return 0
		fi
		N=$((i + 1))
	done
	return 1 # never full: the test's disk is too large
}

# all_back FROM TO: items FROM..TO-1 read back exactly as written.
all_back() {
	local i
	for i in $(seq "$1" $(($2 - 1))); do
		[ "$($T jq -c '{n,data}' "$MNT/Tab/p/i$i.json")" = \
			"$(jq -c '{n,data}' "$TESTROOT/src/i$i.json")" ] || {
			echo "item $i differs or is missing"
			return 1
		}
	done
}

@test "a fresh DATA_DIR mounts on a 20 MB disk and takes a few MB" {
	run mount_ddbfs
	assert_success
	new_table Tab
	$T mkdir "$MNT/Tab/p"
	echo '{"a":1}' >"$MNT/Tab/p/x.json"
	run $T cat "$MNT/Tab/p/x.json"
	assert_output '{"PK":"p","SK":"x","a":1}'
	used=$(du -sk "$DATA" | cut -f1)
	[ "$used" -lt 8192 ]
}

@test "a full disk: ENOSPC names DATA_DIR, nothing acknowledged is lost, deletes free space" {
	mount_ddbfs
	new_table Tab
	$T mkdir "$MNT/Tab/p"
	fill
	[ "$N" -gt 100 ] # most of the 20 MB holds items
	# the shell sees the error, and the log and .ddbfs/errors say why
	[[ "$CP_ERR" == *"No space left on device"* ]]
	run last_error
	assert_output --partial '"errno":"ENOSPC"'
	assert_output --partial "$DATA"
	grep -q "no space left on the disk holding DATA_DIR $DATA" "$DATA/ddbfs.log"
	# the item that failed is not there; every earlier one is, exactly
	[ ! -e "$MNT/Tab/p/i$N.json" ]
	all_back 0 "$N"
	# a put of a new item still fails, and changes nothing
	run $T cp "$TESTROOT/src/i$N.json" "$MNT/Tab/p/again.json"
	assert_failure
	[ ! -e "$MNT/Tab/p/again.json" ]

	# a full DATA_DIR mounts again, with everything
	remount
	[ ! -e "$MNT/Tab/p/i$N.json" ]
	all_back 0 "$N"

	# deletes work on the full disk: some items, then the whole table
	for i in 0 1 2 3 4; do
		run $T rm "$MNT/Tab/p/i$i.json"
		assert_success
	done
	[ ! -e "$MNT/Tab/p/i0.json" ]
	all_back 5 "$N"
	run $T rm -rf "$MNT/Tab"
	assert_success
	[ ! -e "$MNT/Tab" ]

	# and the space is there again
	new_table Tab
	$T mkdir "$MNT/Tab/p"
	for i in $(seq 0 49); do
		$T cp "$TESTROOT/src/i$i.json" "$MNT/Tab/p/i$i.json"
	done
	remount
	all_back 0 50
}

@test "a full disk: rm of every item one by one works, then puts work again" {
	mount_ddbfs
	new_table Tab
	$T mkdir "$MNT/Tab/p"
	fill
	for i in $(seq 0 $((N - 1))); do
		$T rm "$MNT/Tab/p/i$i.json" || {
			echo "rm of item $i of $N failed"
			return 1
		}
	done
	run $T ls -A "$MNT/Tab/p"
	assert_output ''
	for i in $(seq 0 $((N / 2))); do
		$T cp "$TESTROOT/src/i$i.json" "$MNT/Tab/p/i$i.json"
	done
	all_back 0 $((N / 2 + 1))
}

# disk: python3 tests/bats/diskfull.py STEP ... on this mount; its output in
# $output, asserted by the caller.
disk() {
	run timeout 60 python3 "$BATS_TEST_DIRNAME/diskfull.py" "$MNT" "$PORT" "$TESTROOT" "$@"
	echo "$output"
}

@test "a disk filled under load through files and HTTP: clear refusals, reads go on, nothing acknowledged lost, space returns without a remount" {
	PORT=$(free_port)
	mount_ddbfs -o "http=127.0.0.1:$PORT"
	new_table Tab
	$T mkdir "$MNT/Tab/f1" "$MNT/Tab/f2"
	$T "$DDBFS" create-table "$MNT" Web --pk id:S
	# two file writers and two HTTP writers until each was refused 5
	# times: ENOSPC for files, DynamoDB's InternalServerError naming the
	# full disk over HTTP; a reader of files and GetItem meanwhile
	disk fill
	assert_success
	assert_output --regexp '^fill: [0-9]+ acknowledged, 20 refused, [0-9]+ reads$'
	acked=$(echo "$output" | sed -n 's/^fill: \([0-9]*\) acknowledged.*/\1/p')
	reads=$(echo "$output" | sed -n 's/.*refused, \([0-9]*\) reads$/\1/p')
	[ "$acked" -gt 300 ] # most of the 20 MB holds items
	[ "$reads" -gt 0 ]
	disk verify
	assert_output "verify: $acked acknowledged, 0 bad"
	# deletes work on the full disk, through both fronts, and make room
	disk delete
	assert_output "delete: $(((acked + 1) / 2)) deleted"
	disk write 20 again
	assert_output "write: 0 refused"
	disk verify
	assert_output --regexp '^verify: [0-9]+ acknowledged, 0 bad$'
	# a larger disk: the map grows again, still without a remount
	timeout 20 mount -o remount,size=60m "$DISK"
	disk write 300 grown
	assert_output "write: 0 refused"
	# and all of it survives a remount
	remount
	disk verify
	assert_output --regexp '^verify: [0-9]+ acknowledged, 0 bad$'
}
