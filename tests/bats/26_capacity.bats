#!/usr/bin/env bats
# SPEC §10, §16: capacity as DynamoDB counts it — units per read, write and
# delete, PAY_PER_REQUEST and PROVISIONED with its burst, throttling that
# waits or fails, auto-scaling on the test clock, table classes, the cost
# estimate and the journal in .ddbfs/events.

load helpers

setup() {
	:
}

# consumed FIELD: one field (rcu, wcu, throttled_reads, throttled_writes)
# of user.ddb.consumed of table Tab.
consumed() {
	$T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Tab" |
		tr ',' '\n' | sed -n "s/^$1=//p"
}

# put_many FIRST COUNT: a process writes items kFIRST.. one file each, as
# cp would, and prints how many closes succeeded and the errors it met.
put_many() {
	$T python3 -c '
import os, sys
d, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok, errs = 0, {}
for i in range(first, first + n):
    try:
        with open(os.path.join(d, "k%d.json" % i), "w") as f:
            f.write("{\"v\":%d}" % i)
        ok += 1
    except OSError as e:
        errs[os.strerror(e.errno)] = errs.get(os.strerror(e.errno), 0) + 1
print("ok=%d" % ok, " ".join("%s=%d" % (k, v) for k, v in sorted(errs.items())))
' "$MNT/Tab" "$1" "$2"
}

# sized N: an item {"d":"xx…"} whose DynamoDB size in table Tab (key id:S)
# under name "a" is N bytes: "id" + "a" + "d" + the string.
sized() {
	printf '{"d":"%s"}' "$(head -c $(($1 - 4)) /dev/zero | tr '\0' x)"
}

provisioned_table() {
	new_table Tab "id:S"
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Tab"
	$T setfattr -n user.ddb.wcu -v "$1" "$MNT/Tab"
}

@test "units as DynamoDB counts them: 4 KB reads, 1 KB writes of the larger image, deletes, renames; metadata is free" {
	mount_ddbfs
	new_table Tab "id:S"
	sized 2500 >"$TESTROOT/big.json"
	sized 5000 >"$TESTROOT/huge.json"
	$T cp "$TESTROOT/big.json" "$MNT/Tab/a.json"
	run $T getfattr --absolute-names --only-values -n user.ddb.size "$MNT/Tab/a.json"
	assert_output 2500
	[ "$(consumed wcu)" = 3 ]
	# a small item over it costs the larger, old image: 3 more
	echo '{"d":"x"}' >"$MNT/Tab/a.json"
	[ "$(consumed wcu)" = 6 ]
	# a put that changes nothing still costs a write
	echo '{"d":"x"}' >"$MNT/Tab/a.json"
	[ "$(consumed wcu)" = 7 ]
	$T cp "$TESTROOT/huge.json" "$MNT/Tab/h.json"
	[ "$(consumed wcu)" = 12 ]
	[ "$(consumed rcu)" = 0 ]
	# stat, ls, sizes, chmod, touch: metadata, no item read or written
	$T stat "$MNT/Tab/h.json" >/dev/null
	$T ls -l "$MNT/Tab" >/dev/null
	$T getfattr -n user.ddb.size "$MNT/Tab/h.json" >/dev/null
	$T chmod 600 "$MNT/Tab/h.json"
	$T touch "$MNT/Tab/h.json"
	[ "$(consumed rcu)" = 0 ]
	[ "$(consumed wcu)" = 12 ]
	# reading 5000 bytes: two 4 KB units
	run $T jq -r .id "$MNT/Tab/h.json"
	assert_output h
	[ "$(consumed rcu)" = 2 ]
	# a rename is a delete and a put: 5 + 5
	$T mv "$MNT/Tab/h.json" "$MNT/Tab/g.json"
	[ "$(consumed wcu)" = 22 ]
	# a delete costs the old item's size
	$T rm "$MNT/Tab/g.json"
	[ "$(consumed wcu)" = 27 ]
	# .table.json shows the same totals
	run $T jq -c '.ConsumedCapacity | [.ReadCapacityUnits, .WriteCapacityUnits, .CapacityUnits]' \
		"$MNT/Tab/.table.json"
	assert_output '[2,27,29]'
	# and reading it cost nothing
	[ "$(consumed rcu)" = 2 ]
	# user.ddb.consumed is read-only
	run $T setfattr -n user.ddb.consumed -v rcu=0 "$MNT/Tab"
	assert_failure
}

@test "PAY_PER_REQUEST never throttles and counts request units" {
	mount_ddbfs -o test_clock,throttle=error
	echo freeze >"$MNT/.ddbfs/clock"
	new_table Tab "id:S"
	run put_many 0 2500
	assert_output "ok=2500 "
	[ "$(consumed wcu)" = 2500 ]
	[ "$(consumed throttled_writes)" = 0 ]
	run $T jq -r .BillingModeSummary.BillingMode "$MNT/Tab/.table.json"
	assert_output PAY_PER_REQUEST
}

@test "PROVISIONED: wcu=5 holds exactly 300 s of burst; +1 second frees 5; throttle=error fails with EAGAIN" {
	mount_ddbfs -o test_clock,throttle=error
	echo freeze >"$MNT/.ddbfs/clock"
	provisioned_table 5
	run put_many 0 1500
	assert_output "ok=1500 "
	run put_many 1500 1
	assert_output "ok=0 Resource temporarily unavailable=1"
	run $T bash -c "echo '{\"v\":1}' > '$TESTROOT/one.json' && cp '$TESTROOT/one.json' '$MNT/Tab/c.json'"
	assert_failure
	assert_output --partial "Resource temporarily unavailable"
	run last_error
	assert_output --partial ProvisionedThroughputExceededException
	[ ! -e "$MNT/Tab/k1500.json" ]
	advance 1
	run put_many 2000 6
	assert_output "ok=5 Resource temporarily unavailable=1"
	[ "$(consumed wcu)" = 1505 ]
	[ "$(consumed throttled_writes)" = 3 ]
	run $T jq -c '.ConsumedCapacity | [.WriteCapacityUnits, .ThrottledWriteRequests]' \
		"$MNT/Tab/.table.json"
	assert_output '[1505,3]'
	# one burst of throttling is one line in the journal
	run $T jq -c 'select(.Event == "Throttling") | [.Table, .Kind, .Provisioned]' \
		"$MNT/.ddbfs/events"
	assert_output '["Tab","write",5]'
}

@test "throttle=delay (the default) makes a write wait for the clock, then it lands" {
	mount_ddbfs -o test_clock
	echo freeze >"$MNT/.ddbfs/clock"
	provisioned_table 1
	run put_many 0 300
	assert_output "ok=300 "
	echo '{"v":"late"}' >"$TESTROOT/late.json"
	timeout 30 cp "$TESTROOT/late.json" "$MNT/Tab/late.json" &
	writer=$!
	sleep 1
	# still waiting: a frozen clock refills nothing
	kill -0 $writer
	[ "$(consumed throttled_writes)" = 1 ]
	advance 1
	wait $writer
	run $T jq -r .v "$MNT/Tab/late.json"
	assert_output late
	[ "$(consumed throttled_writes)" = 1 ]
	[ "$(consumed wcu)" = 301 ]
}

@test "bad capacity values are refused and change nothing" {
	mount_ddbfs
	provisioned_table 5
	run $T setfattr -n user.ddb.wcu -v 0 "$MNT/Tab"
	assert_failure
	run $T setfattr -n user.ddb.rcu -v many "$MNT/Tab"
	assert_failure
	run $T setfattr -n user.ddb.billing_mode -v FREE "$MNT/Tab"
	assert_failure
	run $T getfattr --absolute-names --only-values -n user.ddb.wcu "$MNT/Tab"
	assert_output 5
	run $T setfattr -n user.ddb.autoscaling -v min=10,max=5,target=70 "$MNT/Tab"
	assert_failure
	run $T setfattr -n user.ddb.autoscaling -v min=5,max=10,target=95 "$MNT/Tab"
	assert_failure
	run $T getfattr --absolute-names --only-values -n user.ddb.autoscaling "$MNT/Tab"
	assert_output off
	unmount_ddbfs
	run $T "$DDBFS" "$DATA" "$MNT" -o throttle=sometimes
	assert_failure
	assert_output --partial "bad value in option throttle=sometimes"
}

# wait_for_wcu N: the maintenance round (every second) set wcu to N.
wait_for_wcu() {
	local i
	for i in $(seq 1 50); do
		[ "$($T jq .ProvisionedThroughput.WriteCapacityUnits "$MNT/Tab/.table.json")" = "$1" ] &&
			return 0
		sleep 0.1
	done
	$T jq -c .ProvisionedThroughput "$MNT/Tab/.table.json"
	return 1
}

@test "auto-scaling follows a load ramp: out after 2 minutes above the target, in after 15 below, within min and max" {
	mount_ddbfs -o test_clock,throttle=error
	echo freeze >"$MNT/.ddbfs/clock"
	provisioned_table 5
	$T setfattr -n user.ddb.autoscaling -v min=5,max=100,target=70 "$MNT/Tab"
	# 600 writes a minute: 10 a second, 200% of 5
	run put_many 0 600
	assert_output "ok=600 "
	advance 60
	run put_many 1000 600
	assert_output "ok=600 "
	advance 60
	# two minutes above: 10 / 0.7 rounds up to 15
	wait_for_wcu 15
	run $T jq -c '[.ProvisionedThroughput.ReadCapacityUnits, (.ProvisionedThroughput.LastIncreaseDateTime != null)]' \
		"$MNT/Tab/.table.json"
	assert_output '[5,true]'
	run $T jq -c 'select(.Event == "Scaling") | [.Dimension, .From, .To, .Target]' \
		"$MNT/.ddbfs/events"
	assert_output '["WriteCapacityUnits",5,15,70]'
	# 14 quiet minutes keep it, the 15th scales in, to min
	advance 840
	sleep 1.5
	[ "$($T jq .ProvisionedThroughput.WriteCapacityUnits "$MNT/Tab/.table.json")" = 15 ]
	advance 60
	wait_for_wcu 5
	run $T jq -c 'select(.Event == "Scaling") | [.From, .To]' "$MNT/.ddbfs/events"
	assert_output "$(printf '[5,15]\n[15,5]')"
	# a load far above max stops at max: the burst, then all the bucket
	# gives (what is consumed counts, not what was throttled): 100% of 5
	# would ask for 10 at a target of 50
	$T setfattr -n user.ddb.autoscaling -v min=5,max=8,target=50 "$MNT/Tab"
	advance 3600
	for m in 1 2; do
		run put_many $((m * 10000)) 2000
		advance 60
	done
	wait_for_wcu 8
	run $T getfattr --absolute-names --only-values -n user.ddb.wcu "$MNT/Tab"
	assert_output 8
}

@test "table class: prices change, at most two changes in 30 days (EINVAL with the reason)" {
	mount_ddbfs -o test_clock
	new_table Tab "id:S"
	std=$($T jq .Ddbfs.EstimatedMonthlyCost.TotalUSD "$MNT/Tab/.table.json")
	$T setfattr -n user.ddb.table_class -v STANDARD_INFREQUENT_ACCESS "$MNT/Tab"
	run $T jq -r .TableClassSummary.TableClass "$MNT/Tab/.table.json"
	assert_output STANDARD_INFREQUENT_ACCESS
	$T setfattr -n user.ddb.table_class -v STANDARD "$MNT/Tab"
	run $T setfattr -n user.ddb.table_class -v STANDARD_INFREQUENT_ACCESS "$MNT/Tab"
	assert_failure
	assert_output --partial "Invalid argument"
	run last_error
	assert_output --partial "at most twice in 30 days"
	run $T getfattr --absolute-names --only-values -n user.ddb.table_class "$MNT/Tab"
	assert_output STANDARD
	# setting the value it has is no change
	$T setfattr -n user.ddb.table_class -v STANDARD "$MNT/Tab"
	advance $((30 * 86400))
	$T setfattr -n user.ddb.table_class -v STANDARD_INFREQUENT_ACCESS "$MNT/Tab"
}

@test "cost: one hand-computed case, in .table.json and .ddbfs/cost.json" {
	mount_ddbfs
	new_table Tab "id:S"
	new_table Ond "id:S"
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Tab"
	$T setfattr -n user.ddb.rcu -v 10 "$MNT/Tab"
	$T setfattr -n user.ddb.wcu -v 5 "$MNT/Tab"
	# (5 WCU x $0.00065 + 10 RCU x $0.00013) x 730 hours = $3.3215
	run $T jq -r .Ddbfs.EstimatedMonthlyCost.ThroughputUSD "$MNT/Tab/.table.json"
	assert_output 3.3215
	# infrequent access: throughput 25% dearer, $4.151875
	$T setfattr -n user.ddb.table_class -v STANDARD_INFREQUENT_ACCESS "$MNT/Tab"
	run $T jq -r .Tables.Tab.Cost.ThroughputUSD "$MNT/.ddbfs/cost.json"
	assert_output 4.151875
	# on demand: 8 writes and 16 reads = 8 x 0.625 + 16 x 0.125 millionths
	for i in 1 2 3 4 5 6 7 8; do echo "{\"v\":$i}" >"$MNT/Ond/k$i.json"; done
	for i in 1 2 3 4 5 6 7 8; do cat "$MNT/Ond/k$i.json" "$MNT/Ond/k$i.json" >/dev/null; done
	echo 3 >/proc/sys/vm/drop_caches
	for i in 1 2 3 4 5 6 7 8; do cat "$MNT/Ond/k$i.json" >/dev/null; done
	rcu=$(getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Ond" | tr ',' '\n' | sed -n 's/^rcu=//p')
	[ "$rcu" -ge 8 ]
	want=$(awk -v r="$rcu" 'BEGIN { printf "%.6f", (8 * 0.625 + r * 0.125) / 1e6 }')
	run $T jq --argjson want "$want" '.Tables.Ond.Cost.ThroughputUSD == $want' "$MNT/.ddbfs/cost.json"
	assert_output true
	run $T jq -r '.Tables | keys | join(",")' "$MNT/.ddbfs/cost.json"
	assert_output Ond,Tab
	# the total is the sum, to the micro-dollar it is shown in
	run $T jq -r '(.TotalUSD - ([.Tables[].Cost.TotalUSD] | add)) | (. < 0.000001 and . > -0.000001)' \
		"$MNT/.ddbfs/cost.json"
	assert_output true
}

@test "the journal: backups and TTL sweeps are lines in .ddbfs/events, which tail -f follows" {
	mount_ddbfs -o test_clock
	new_table Tab "id:S"
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Tab"
	timeout 20 tail -n +1 -f "$MNT/.ddbfs/events" >"$TESTROOT/followed" &
	follower=$!
	echo "{\"exp\":$(($(now) + 10))}" >"$MNT/Tab/a.json"
	echo "{\"exp\":$(($(now) + 10))}" >"$MNT/Tab/b.json"
	$T mkdir "$MNT/Tab/.snapshots/nightly"
	advance 20
	for i in $(seq 1 50); do
		grep -q TtlSweep "$TESTROOT/followed" && break
		sleep 0.2
	done
	kill $follower
	run $T jq -c 'select(.Event == "TtlSweep") | [.Table, .ItemsDeleted]' "$TESTROOT/followed"
	assert_output '["Tab",2]'
	run $T jq -c 'select(.Event == "Backup") | [.Table, .BackupName, .BackupType]' "$MNT/.ddbfs/events"
	assert_output '["Tab","nightly","USER"]'
	run $T jq -r .Time "$MNT/.ddbfs/events"
	[ "${#lines[@]}" -eq 2 ]
	run $T bash -c "echo x > '$MNT/.ddbfs/events'"
	assert_failure
}

@test "one open is one read: a large quiet item costs its 4 KB units once, however the kernel splits the reads" {
	# without the daemon's cache, whose hits cost nothing (25_cache.bats)
	mount_ddbfs -o cache=off
	new_table Tab "id:S"
	python3 -c 'import json; print(json.dumps({"d": "x" * 350000}))' >"$TESTROOT/big.json"
	$T cp "$TESTROOT/big.json" "$MNT/Tab/a.json"
	size=$($T getfattr --absolute-names --only-values -n user.ddb.size "$MNT/Tab/a.json")
	units=$(((size + 4095) / 4096))
	# a written item is read at open for 5 s; after that through the page
	# cache, one FUSE read request per 128 KB or less
	sleep 6
	echo 3 >/proc/sys/vm/drop_caches
	$T cat "$MNT/Tab/a.json" >/dev/null
	[ "$(consumed rcu)" = "$units" ]
	echo 3 >/proc/sys/vm/drop_caches
	$T dd if="$MNT/Tab/a.json" of=/dev/null bs=4k iflag=direct status=none
	[ "$(consumed rcu)" = "$((units * 2))" ]
	# the kernel's page cache holds it now: each open is still a read
	$T cat "$MNT/Tab/a.json" >/dev/null
	$T cat "$MNT/Tab/a.json" >/dev/null
	[ "$(consumed rcu)" = "$((units * 4))" ]
}

@test "throttle=error: a writer told EAGAIN may try again (fsync), and release never commits behind its back" {
	mount_ddbfs -o test_clock,throttle=error
	echo freeze >"$MNT/.ddbfs/clock"
	provisioned_table 1
	run put_many 0 300
	assert_output "ok=300 "
	# a close that failed: the file never was, also once capacity returns
	run $T python3 -c '
import sys
f = open(sys.argv[1], "w"); f.write("{\"v\":1}")
try:
    f.close()
except OSError as e:
    print(e.strerror)' "$MNT/Tab/gone.json"
	assert_output "Resource temporarily unavailable"
	advance 10
	sleep 0.5
	[ ! -e "$MNT/Tab/gone.json" ]
	# used up again; fsync fails, the clock moves, fsync succeeds
	run put_many 1000 10
	assert_output "ok=10 "
	run $T python3 -c '
import os, sys, subprocess
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.write(fd, b"{\"v\":2}")
try:
    os.fsync(fd)
    print("fsync ok")
except OSError as e:
    print("fsync", e.strerror)
with open(sys.argv[2], "w") as c:
    c.write("+1\n")
os.fsync(fd)
os.close(fd)
print("then ok")' "$MNT/Tab/kept.json" "$MNT/.ddbfs/clock"
	assert_output "$(printf 'fsync Resource temporarily unavailable\nthen ok')"
	run $T jq -r .v "$MNT/Tab/kept.json"
	assert_output 2
}

@test "throttle=delay: at most 8 requests wait; the rest fail with EAGAIN and the mount keeps answering" {
	mount_ddbfs -o test_clock
	echo freeze >"$MNT/.ddbfs/clock"
	provisioned_table 1
	new_table Other "id:S"
	echo '{"v":1}' >"$MNT/Other/x.json"
	run put_many 0 300
	assert_output "ok=300 "
	for i in $(seq 1 12); do
		timeout 60 python3 -c '
import sys
try:
    with open(sys.argv[1], "w") as f:
        f.write("{}")
    print("ok")
except OSError as e:
    print(e.strerror)' "$MNT/Tab/w$i.json" >"$TESTROOT/w$i.out" &
	done
	sleep 2
	# the other table, the clock and listings still answer
	run $T jq -r .v "$MNT/Other/x.json"
	assert_output 1
	$T ls "$MNT/Tab" >/dev/null
	run cat "$TESTROOT"/w*.out
	[ "$(grep -c 'Resource temporarily unavailable' <<<"$output")" = 4 ]
	advance 60
	wait
	run cat "$TESTROOT"/w*.out
	[ "$(grep -c '^ok$' <<<"$output")" = 8 ]
	[ "$(consumed throttled_writes)" = 12 ]
}
