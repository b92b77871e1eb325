#!/usr/bin/env bats
# The engine as the one home of DynamoDB's rules (issue: one home for
# DynamoDB operations): what moved below fs/ behaves as before on a real
# mount, and file sizes follow the mount's format across remounts.

load helpers

setup() {
	new_testroot
}

# size_matches FILE: its st_size is the length of what cat reads.
size_matches() {
	local st n
	st=$($T stat -c %s "$1")
	n=$($T cat "$1" | wc -c)
	[ "$st" = "$n" ] || { echo "$1: stat says $st, cat reads $n" >&2; return 1; }
}

@test "file sizes are the mount's format's, also for items written under the other one" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"n":1,"b":{"B":"AAEC"},"l":[1,"x",null]}' >"$MNT/Orders/p/x.json"
	size_matches "$MNT/Orders/p/x.json"
	unmount_ddbfs
	mount_ddbfs -o format=ddb
	run $T cat "$MNT/Orders/p/x.json"
	assert_output --partial '"n":{"N":"1"}'
	size_matches "$MNT/Orders/p/x.json"
	$T chmod 600 "$MNT/Orders/p/x.json"
	size_matches "$MNT/Orders/p/x.json"
	echo '{"s":{"S":"v"}}' >"$MNT/Orders/p/y.json"
	size_matches "$MNT/Orders/p/y.json"
	run $T ls -l "$MNT/Orders/p"
	assert_success
	unmount_ddbfs
	mount_ddbfs
	size_matches "$MNT/Orders/p/x.json"
	size_matches "$MNT/Orders/p/y.json"
	run $T cat "$MNT/Orders/p/y.json"
	assert_output '{"PK":"p","SK":"y","s":"v"}'
}

@test "settings through xattrs: the value set reads back, a bad one is EINVAL naming it and changes nothing" {
	mount_ddbfs
	new_table Orders
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Orders"
	run $T getfattr --absolute-names --only-values -n user.ddb.rcu "$MNT/Orders"
	assert_output "5"
	run $T setfattr -n user.ddb.rcu -v 0 "$MNT/Orders"
	assert_failure
	assert_output --partial "Invalid argument"
	run last_error
	assert_output --partial "rcu is an integer from 1 to 40000, not 0"
	run $T getfattr --absolute-names --only-values -n user.ddb.rcu "$MNT/Orders"
	assert_output "5"
	run $T jq -r '.ProvisionedThroughput.ReadCapacityUnits, .BillingModeSummary.BillingMode' \
		"$MNT/Orders/.table.json"
	assert_output "$(printf '5\nPROVISIONED')"
	run $T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	assert_success
	run $T jq -r '.StreamSpecification.StreamViewType' "$MNT/Orders/.table.json"
	assert_output "NEW_IMAGE"
}

@test "an item's ttl xattr is one update of the TTL attribute; without a TTL attribute it is EINVAL" {
	mount_ddbfs -o test_clock
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	run $T setfattr -n user.ddb.ttl -v +60 "$MNT/Orders/p/x.json"
	assert_failure
	run last_error
	assert_output --partial "no TTL attribute"
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Orders"
	$T setfattr -n user.ddb.ttl -v 4102444800 "$MNT/Orders/p/x.json"
	run $T jq -c . "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","a":1,"exp":4102444800}'
	run $T getfattr --absolute-names --only-values -n user.ddb.ttl "$MNT/Orders/p/x.json"
	assert_output "4102444800"
	run $T setfattr -n user.ddb.ttl -v "+x" "$MNT/Orders/p/x.json"
	assert_failure
	run $T jq -c . "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","a":1,"exp":4102444800}'
}

@test "a partition made by mkdir keeps its mode and owner when its first item lands" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/q" "$MNT/Orders/r" "$MNT/Orders/src"
	$T chmod 711 "$MNT/Orders/q"
	$T chown 1000:1000 "$MNT/Orders/q"
	echo '{"a":1}' >"$MNT/Orders/q/x.json"
	run $T stat -c '%a %u %g' "$MNT/Orders/q"
	assert_output "711 1000 1000"
	# by rename of an item, and of a scratch file, into an empty partition
	$T chmod 700 "$MNT/Orders/r"
	echo '{"b":2}' >"$MNT/Orders/src/y.json"
	$T mv "$MNT/Orders/src/y.json" "$MNT/Orders/r/y.json"
	run $T stat -c '%a' "$MNT/Orders/r"
	assert_output "700"
	$T mkdir "$MNT/Orders/s"
	$T chmod 750 "$MNT/Orders/s"
	echo '{"c":3}' >"$MNT/Orders/s/.z.tmp"
	$T mv "$MNT/Orders/s/.z.tmp" "$MNT/Orders/s/z.json"
	run $T stat -c '%a' "$MNT/Orders/s"
	assert_output "750"
	# and across a remount, from the engine
	unmount_ddbfs
	mount_ddbfs
	run $T stat -c '%a %u %g' "$MNT/Orders/q" "$MNT/Orders/r" "$MNT/Orders/s"
	assert_output "$(printf '711 1000 1000\n700 0 0\n750 0 0')"
	run $T cat "$MNT/Orders/s/z.json"
	assert_output '{"PK":"s","SK":"z","c":3}'
}

@test "mkdir of a partition changes its table's times; its first item, by any path, does not" {
	# rsync -a set the table's times, then put the first items into the
	# partitions it had made: their rows changed the table's times behind
	# the kernel's back, and rsync's next run found the table changed
	mount_ddbfs
	new_table Orders
	for p in q r s; do
		$T touch -d '2021-05-06 07:08:09' "$MNT/Orders"
		$T mkdir "$MNT/Orders/$p"
		run $T stat -c %Y "$MNT/Orders"
		[ "$output" -gt 1700000000 ]
	done
	$T touch -d '2021-05-06 07:08:09' "$MNT/Orders"
	echo '{"a":1}' >"$MNT/Orders/q/x.json"
	echo '{"b":2}' >"$MNT/Orders/q/.y.tmp"
	$T mv "$MNT/Orders/q/.y.tmp" "$MNT/Orders/r/y.json"
	echo '{"c":3}' >"$MNT/Orders/s/.z.tmp"
	$T mv "$MNT/Orders/s/.z.tmp" "$MNT/Orders/s/z.json"
	# from the engine, not the kernel's cache: after a remount
	unmount_ddbfs
	mount_ddbfs
	run $T stat -c %Y "$MNT/Orders"
	assert_output "$(date -d '2021-05-06 07:08:09' +%s)"
	run $T cat "$MNT/Orders/r/y.json"
	assert_output '{"PK":"r","SK":"y","b":2}'
}

@test "in a partition with a long name, an item's short name gives its sort key; the content gives the partition key" {
	mount_ddbfs
	new_table Orders
	long=$(printf 'p%.0s' $(seq 1 300))
	# the partition's long name: the key cut, "~", a hash of the key (README, Names)
	dir=$(python3 - "$long" <<'PY'
import sys
M = (1 << 64) - 1
x = 0xcbf29ce484222325
for b in b"S" + sys.argv[1].encode():
    x = ((x ^ b) * 0x100000001b3) & M
x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M
x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M
print(sys.argv[1][:238] + "~%016x" % (x ^ (x >> 31)))
PY
)
	$T mkdir "$MNT/Orders/$dir"
	# the partition's value is known only from content until an item lands
	run $T bash -c "echo '{\"v\":2}' > '$MNT/Orders/$dir/b.json'"
	assert_failure
	run last_error
	assert_output --partial "must carry its partition key PK"
	echo "{\"PK\":\"$long\",\"v\":1}" >"$MNT/Orders/$dir/a.json"
	run $T jq -c '[.SK, .v, (.PK | length)]' "$MNT/Orders/$dir/a.json"
	assert_output '["a",1,300]'
	echo '{"v":3}' >"$MNT/Orders/$dir/c.json"
	run $T jq -c '[.SK, .v, (.PK | length)]' "$MNT/Orders/$dir/c.json"
	assert_output '["c",3,300]'
	run $T ls "$MNT/Orders/$dir"
	assert_output "$(printf 'a.json\nc.json')"
}

@test "a scratch file renamed to an item right as its writer closes it is put, not EBUSY" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	# the writer closes 0.3 s after the rename starts: rename(2) waits for
	# the release that follows close(2) instead of failing at once
	run $T python3 -c "
import os, sys, threading, time
d = sys.argv[1]
fd = os.open(d + '/.x.tmp', os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, b'{\"v\":1}')
threading.Timer(0.3, os.close, [fd]).start()
os.rename(d + '/.x.tmp', d + '/x.json')
print(open(d + '/x.json').read().strip())
" "$MNT/Orders/p"
	assert_success
	assert_output '{"PK":"p","SK":"x","v":1}'
	run $T ls -a "$MNT/Orders/p"
	assert_output "$(printf '.\n..\nx.json')"
}

@test "a partition emptied by rm keeps its mode and owner, and so does its next first item" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/q"
	echo '{"a":1}' >"$MNT/Orders/q/x.json"
	$T chmod 750 "$MNT/Orders/q"
	$T chown 1000:1000 "$MNT/Orders/q"
	$T rm "$MNT/Orders/q/x.json"
	run $T stat -c '%a %u %g' "$MNT/Orders/q"
	assert_output "750 1000 1000"
	echo '{"a":2}' >"$MNT/Orders/q/y.json"
	run $T stat -c '%a %u %g' "$MNT/Orders/q"
	assert_output "750 1000 1000"
	$T mv "$MNT/Orders/q/y.json" "$MNT/Orders/q/y.json.bak" # renamed away: a scratch file
	run $T stat -c '%a %u %g' "$MNT/Orders/q"
	assert_output "750 1000 1000"
}
