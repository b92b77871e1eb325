#!/usr/bin/env bats
# SPEC §1, §5: mount options.

load helpers

setup() {
	new_testroot
}

@test "format=ddb renders DynamoDB JSON and accepts it on write" {
	mount_ddbfs -o format=ddb
	new_table Users "id:S"
	echo '{"n":{"N":"42"},"b":{"BOOL":true},"s":{"SS":["a","b"]}}' >"$MNT/Users/u.json"
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":{"S":"u"},"n":{"N":"42"},"b":{"BOOL":true},"s":{"SS":["a","b"]}}'
	write_fails "$MNT/Users/v.json" '{"n":42}'
	run $T ls "$MNT/Users"
	assert_output "u.json"
	unmount_ddbfs
	mount_ddbfs
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u","n":42,"b":true,"s":{"SS":["a","b"]}}'
}

@test "an unknown option is refused and nothing is mounted" {
	run timeout 10 "$DDBFS" "$DATA" "$MNT" -o no_such_option
	assert_failure
	run mountpoint -q "$MNT"
	assert_failure
	run timeout 10 "$DDBFS" "$DATA" "$MNT" -o format=yaml
	assert_failure
	assert_output --partial "format=yaml"
}

@test "-f stays in the foreground until unmounted" {
	timeout 30 "$DDBFS" "$DATA" "$MNT" -f &
	fg=$!
	for i in $(seq 1 50); do mountpoint -q "$MNT" && break; sleep 0.1; done
	run mountpoint -q "$MNT"
	assert_success
	kill -0 "$fg"
	$T mkdir "$MNT/Fore"
	timeout 10 fusermount3 -u "$MNT"
	wait "$fg"
}

@test "ddbfs --help and create-table --help document the commands" {
	run "$DDBFS" --help
	assert_success
	assert_output --partial "format=plain|ddb"
	assert_output --partial "create-table"
	run "$DDBFS" create-table --help
	assert_success
	assert_output --partial "--pk"
}

@test "the test clock moves forward only with test_clock" {
	mount_ddbfs
	run $T bash -c "echo +3600 > '$MNT/.ddbfs/clock'"
	assert_failure
	unmount_ddbfs
	mount_ddbfs -o test_clock
	before=$(cut -d' ' -f2 <"$MNT/.ddbfs/clock")
	$T bash -c "echo +3600 > '$MNT/.ddbfs/clock'"
	after=$(cut -d' ' -f2 <"$MNT/.ddbfs/clock")
	[ $((after - before)) -ge 3600 ]
	[ $((after - before)) -lt 3700 ]
	run $T bash -c "echo -5 > '$MNT/.ddbfs/clock'"
	assert_failure
}
