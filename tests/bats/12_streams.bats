#!/usr/bin/env bats
# SPEC §8: MNT/T/.stream — one record per change, in commit order, in
# GetRecords' shape; readable with tail -f, tail -n, cat, while read.

load helpers

setup() {
	mount_ddbfs -o test_clock
	new_table Orders
	$T mkdir "$MNT/Orders/p"
}

# events: eventName of every record, one per line
events() {
	$T jq -r .eventName "$MNT/Orders/.stream"
}

@test "setfattr enables the stream; each view type carries its images" {
	run $T getfattr --absolute-names --only-values -n user.ddb.stream "$MNT/Orders"
	assert_output "OFF"
	echo '{"a":0}' >"$MNT/Orders/p/before.json"
	run $T stat -c %s "$MNT/Orders/.stream"
	assert_output 0
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Orders"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	echo '{"a":2}' >"$MNT/Orders/p/x.json"
	run $T jq -c '[.eventName, .eventVersion, .eventSource, .awsRegion, .dynamodb.Keys.SK.S, .dynamodb.NewImage.a.N, .dynamodb.OldImage.a.N, .dynamodb.StreamViewType]' "$MNT/Orders/.stream"
	assert_output "$(printf '%s\n' '["INSERT","1.1","aws:dynamodb","local","x","1",null,"NEW_AND_OLD_IMAGES"]' '["MODIFY","1.1","aws:dynamodb","local","x","2","1","NEW_AND_OLD_IMAGES"]')"
	for view in KEYS_ONLY NEW_IMAGE OLD_IMAGE; do
		$T setfattr -n user.ddb.stream -v $view "$MNT/Orders"
		echo "{\"v\":\"$view\"}" >"$MNT/Orders/p/x.json"
		run $T bash -c "tail -n 1 '$MNT/Orders/.stream' | jq -c '[.dynamodb.StreamViewType, (.dynamodb | has(\"NewImage\")), (.dynamodb | has(\"OldImage\"))]'"
		case $view in
		KEYS_ONLY) assert_output '["KEYS_ONLY",false,false]' ;;
		NEW_IMAGE) assert_output '["NEW_IMAGE",true,false]' ;;
		OLD_IMAGE) assert_output '["OLD_IMAGE",false,true]' ;;
		esac
	done
	# OFF disables: no record
	$T setfattr -n user.ddb.stream -v OFF "$MNT/Orders"
	size=$(stat -c %s "$MNT/Orders/.stream")
	echo '{"off":1}' >"$MNT/Orders/p/x.json"
	run $T stat -c %s "$MNT/Orders/.stream"
	assert_output "$size"
	run $T setfattr -n user.ddb.stream -v SOMETIMES "$MNT/Orders"
	assert_failure
}

@test "re-enabling starts a new stream with a new LatestStreamArn" {
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	first=$($T jq -r .LatestStreamArn "$MNT/Orders/.table.json")
	[[ "$first" == arn:aws:dynamodb:local:*:table/Orders/stream/* ]]
	$T setfattr -n user.ddb.stream -v OFF "$MNT/Orders"
	run $T jq -r '.StreamSpecification // "none"' "$MNT/Orders/.table.json"
	assert_output "none"
	echo +5 >"$MNT/.ddbfs/clock"
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	second=$($T jq -r .LatestStreamArn "$MNT/Orders/.table.json")
	[ "$first" != "$second" ]
}

@test "exactly one record per change from writes, rm, mv, rsync and editors; none for a no-op put" {
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Orders"
	echo '{"c":"red"}' >"$MNT/Orders/p/a.json"          # INSERT
	echo '{"c":"red"}' >"$MNT/Orders/p/a.json"          # no change: nothing
	$T sed -i 's/red/blue/' "$MNT/Orders/p/a.json"      # MODIFY
	$T sed -i.bak 's/blue/green/' "$MNT/Orders/p/a.json" # MODIFY
	$T rm "$MNT/Orders/p/a.json.bak"
	$T bash -c "jq -c '.c = \"black\"' '$MNT/Orders/p/a.json' > '$MNT/Orders/p/a.tmp' && mv '$MNT/Orders/p/a.tmp' '$MNT/Orders/p/a.json'" # MODIFY
	printf 'source $VIMRUNTIME/defaults.vim\n' >"$TESTROOT/vimrc"
	timeout 30 vim -u "$TESTROOT/vimrc" -i NONE -N -es -c '%s/black/white/' -c wq "$MNT/Orders/p/a.json" # MODIFY
	$T mv "$MNT/Orders/p/a.json" "$MNT/Orders/p/b.json" # REMOVE + INSERT
	mkdir -p "$TESTROOT/src/q"
	echo '{"PK":"q","SK":"r"}' >"$TESTROOT/src/q/r.json"
	$T rsync -a "$TESTROOT/src/" "$MNT/Orders/"          # INSERT
	$T rm "$MNT/Orders/p/b.json"                         # REMOVE
	run events
	assert_output "$(printf '%s\n' INSERT MODIFY MODIFY MODIFY MODIFY REMOVE INSERT INSERT REMOVE)"
	# in commit order: sequence numbers increase
	run $T bash -c "jq -r .dynamodb.SequenceNumber '$MNT/Orders/.stream' | sort -c && jq -r .dynamodb.SequenceNumber '$MNT/Orders/.stream' | awk '{ if (length(\$0) < 21) exit 1 }'"
	assert_success
	run $T jq -r 'select(.eventName == "MODIFY") | .dynamodb.NewImage.c.S' "$MNT/Orders/.stream"
	assert_output "$(printf '%s\n' blue green black white)"
}

@test "tail -f shows a new record within 2 seconds; tail -n 3; cat and while read parse" {
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	for i in 1 2 3 4 5; do echo "{\"i\":$i}" >"$MNT/Orders/p/k$i.json"; done
	run $T bash -c "tail -n 3 '$MNT/Orders/.stream' | jq -r .dynamodb.NewImage.i.N"
	assert_output "$(printf '3\n4\n5')"
	run $T bash -c "cat '$MNT/Orders/.stream' | while read -r line; do echo \"\$line\" | jq -e .eventID >/dev/null || exit 1; done; echo parsed"
	assert_output "parsed"
	timeout 20 tail -n 0 -f "$MNT/Orders/.stream" >"$TESTROOT/tail" 2>/dev/null &
	tailpid=$!
	sleep 1
	echo '{"i":6}' >"$MNT/Orders/p/k6.json"
	got=
	for i in $(seq 1 20); do
		if grep -q '"k6"' "$TESTROOT/tail"; then got=yes; break; fi
		sleep 0.1
	done
	kill "$tailpid" 2>/dev/null || true
	[ "$got" = yes ]
}

@test "a reader started before 10,000 writes reads all 10,000 records, none torn, none twice" {
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Orders"
	timeout 120 python3 - "$MNT/Orders/.stream" 10000 >"$TESTROOT/reader" 2>&1 <<'PY' &
import json, os, sys, time
path, want = sys.argv[1], int(sys.argv[2])
f = open(path, "rb")
buf, seen, deadline = b"", set(), time.time() + 110
while len(seen) < want and time.time() < deadline:
    chunk = f.read(65536)
    if not chunk:
        time.sleep(0.05)
        continue
    buf += chunk
    *lines, buf = buf.split(b"\n")
    for line in lines:
        rec = json.loads(line)
        seq = rec["dynamodb"]["SequenceNumber"]
        if seq in seen:
            print("twice", seq); sys.exit(1)
        seen.add(seq)
print(len(seen), "records", "partial" if buf else "whole")
PY
	reader=$!
	sleep 0.5
	run timeout 120 python3 -c "
import sys
d = sys.argv[1]
for i in range(10000):
    with open('%s/k%05d.json' % (d, i), 'w') as f:
        f.write('{}')
" "$MNT/Orders/p"
	assert_success
	wait "$reader"
	run cat "$TESTROOT/reader"
	assert_output "10000 records whole"
}

@test "records older than 24 hours are trimmed; size never shrinks; readers keep their offsets" {
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	for i in 1 2 3; do echo "{\"old\":$i}" >"$MNT/Orders/p/o$i.json"; done
	size1=$(stat -c %s "$MNT/Orders/.stream")
	exec 7<"$MNT/Orders/.stream"
	read -r first <&7
	echo "$first" | jq -e '.dynamodb.NewImage.old.N == "1"'
	echo +90000 >"$MNT/.ddbfs/clock"
	echo '{"new":1}' >"$MNT/Orders/p/n1.json"
	# the trim runs within a couple of seconds
	for i in $(seq 1 50); do
		[ "$($T bash -c "grep -c old '$MNT/Orders/.stream'")" = 0 ] && break
		sleep 0.1
	done
	run $T grep -c old "$MNT/Orders/.stream"
	assert_output 0
	size2=$(stat -c %s "$MNT/Orders/.stream")
	[ "$size2" -gt "$size1" ]
	# the open reader goes on from its offset: the rest of the trimmed
	# stretch is blank, then the new record
	run bash -c "cat <&7 | grep -v '^ *\$' | jq -r .dynamodb.NewImage.new.N"
	assert_output 1
	exec 7<&-
	# jq reads the whole stream: blank lines are skipped
	run $T jq -r .eventName "$MNT/Orders/.stream"
	assert_output "INSERT"
	# a new tail -f still works
	timeout 20 tail -n 1 -f "$MNT/Orders/.stream" >"$TESTROOT/tail" 2>/dev/null &
	tailpid=$!
	sleep 1
	echo '{"new":2}' >"$MNT/Orders/p/n2.json"
	sleep 1.5
	kill "$tailpid" 2>/dev/null || true
	run jq -r .dynamodb.NewImage.new.N "$TESTROOT/tail"
	assert_output "$(printf '1\n2')"
}
