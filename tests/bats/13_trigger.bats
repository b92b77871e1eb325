#!/usr/bin/env bats
# SPEC §8: `ddbfs trigger MNT/T -- COMMAND`, the Lambda-trigger analogue.
# Most tests drive it on a fake table, a plain directory whose .stream this
# file appends to (the trigger only reads T/.stream), so the delivery logic
# is tested whatever the state of the daemon; the last test runs it on a
# real mount and is skipped until streams exist there.

load helpers

setup() {
	new_testroot
	FT=$TESTROOT/fake/T
	mkdir -p "$FT"
	: >"$FT/.stream"
	export CK=$TESTROOT/ckpt OUT=$TESTROOT/out TESTROOT
	: >"$TESTROOT/pids"
	# collect: appends its batch to $OUT after a line naming it (offset,
	# records, attempt); sleeps $DELAY first, to be caught mid-run.
	cat >"$TESTROOT/collect" <<-'EOF'
	#!/bin/sh
	sleep "${DELAY:-0}"
	batch=$(cat)
	printf 'batch %s %s %s\n%s\n' "$DDBFS_TRIGGER_OFFSET" "$DDBFS_TRIGGER_RECORDS" \
		"$DDBFS_TRIGGER_ATTEMPT" "$batch" >>"$OUT"
	EOF
	chmod +x "$TESTROOT/collect"
}

teardown() {
	local pid
	while read -r pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done <"$TESTROOT/pids"
	sleep 0.2
	while read -r pid; do
		kill -9 "$pid" 2>/dev/null || true
	done <"$TESTROOT/pids"
	unmount_ddbfs || true
	rm -rf "$TESTROOT"
	TESTROOT=
}

# add_records FROM TO: appends records eFROM..eTO to the fake stream, one
# write per record, as the daemon's stream never shows a partial one.
add_records() {
	local i
	for i in $(seq "$1" "$2"); do
		printf '{"eventID":"e%d","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"local","dynamodb":{"Keys":{"id":{"S":"k%d"}},"NewImage":{"id":{"S":"k%d"}},"SequenceNumber":"%021d","SizeBytes":12,"StreamViewType":"NEW_IMAGE"}}\n' \
			"$i" "$i" "$i" "$i"
	done >>"$FT/.stream"
}

# start_trigger ARGS...: `ddbfs trigger ARGS` in the background, pid in TRIG.
start_trigger() {
	"$DDBFS" trigger "$@" >>"$TESTROOT/trigger.out" 2>>"$TESTROOT/trigger.err" &
	TRIG=$!
	echo "$TRIG" >>"$TESTROOT/pids"
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# wait_exit PID SECONDS: waits for PID to exit, its status in EXIT; fails
# (and kills it) if it is still running after SECONDS.
wait_exit() {
	if ! wait_until "$2" eval "! kill -0 $1 2>/dev/null"; then
		kill -9 "$1" 2>/dev/null || true
		return 1
	fi
	EXIT=0
	wait "$1" || EXIT=$?
}

# ids: the record numbers delivered to $OUT, in delivery order.
ids() {
	grep -o '"eventID":"e[0-9]*"' "$OUT" | tr -dc '0-9\n'
}

records_at_least() {
	[ -f "$OUT" ] && [ "$(ids | wc -l)" -ge "$1" ]
}

checkpoint_is() {
	[ "$(cat "$CK" 2>/dev/null)" = "$1" ]
}

stream_size() {
	stat -c %s "$FT/.stream"
}

@test "trigger --help documents options, checkpoint and exit status" {
	run "$DDBFS" trigger --help
	assert_success
	assert_output --partial "usage: ddbfs trigger"
	assert_output --partial "--batch N"
	assert_output --partial "--checkpoint FILE"
	assert_output --partial "--from-end"
	assert_output --partial "--max-backoff S"
	assert_output --partial "trigger-NAME.offset"
	assert_output --partial "at least once"
	assert_output --partial "exit status"
}

@test "trigger: bad arguments exit 2 with a message" {
	run "$DDBFS" trigger
	assert_failure 2
	assert_output --partial "missing MNT/TABLE"
	run "$DDBFS" trigger "$FT" cat
	assert_failure 2
	assert_output --partial "put '--' before COMMAND"
	run "$DDBFS" trigger "$FT"
	assert_failure 2
	assert_output --partial "missing '--' and COMMAND"
	run "$DDBFS" trigger "$FT" --
	assert_failure 2
	assert_output --partial "missing COMMAND"
	for bad in 0 -1 abc 10001 5x; do
		run "$DDBFS" trigger --batch "$bad" "$FT" -- cat
		assert_failure 2
		assert_output --partial "--batch $bad: give a whole number from 1 to 10000"
	done
	run "$DDBFS" trigger --max-backoff soon "$FT" -- cat
	assert_failure 2
	assert_output --partial "--max-backoff soon"
	run "$DDBFS" trigger --batch
	assert_failure 2
	assert_output --partial "missing value: --batch"
	run "$DDBFS" trigger --frobnicate "$FT" -- cat
	assert_failure 2
	assert_output --partial "unknown option or missing value: --frobnicate"
	[ ! -e "$CK" ]
}

@test "trigger: not a table with a .stream, COMMAND not found, or a bad checkpoint exits 2" {
	run "$DDBFS" trigger --checkpoint "$CK" "$TESTROOT/nope" -- cat
	assert_failure 2
	assert_output --partial "nope: No such file or directory"
	run "$DDBFS" trigger --checkpoint "$CK" "$FT/.stream" -- cat
	assert_failure 2
	assert_output --partial "is not a table directory"
	mkdir "$TESTROOT/plain"
	run "$DDBFS" trigger --checkpoint "$CK" "$TESTROOT/plain" -- cat
	assert_failure 2
	assert_output --partial "has no .stream"
	run "$DDBFS" trigger --checkpoint "$CK" "$FT" -- no-such-command-xyz
	assert_failure 2
	assert_output --partial "COMMAND no-such-command-xyz: not found"
	[ ! -e "$CK" ]

	echo garbage >"$CK"
	run timeout 10 "$DDBFS" trigger --checkpoint "$CK" "$FT" -- cat
	assert_failure 2
	assert_output --partial "not a byte offset"
	add_records 1 2
	echo 99999 >"$CK"
	run timeout 10 "$DDBFS" trigger --checkpoint "$CK" "$FT" -- cat
	assert_failure 2
	assert_output --partial "belongs to another stream"
	echo 7 >"$CK"
	run timeout 10 "$DDBFS" trigger --checkpoint "$CK" "$FT" -- cat
	assert_failure 2
	assert_output --partial "not at a record boundary"
	run cat "$CK"
	assert_output 7
}

@test "trigger: a second trigger on a checkpoint in use is refused" {
	start_trigger --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 5 test -s "$CK"
	run timeout 10 "$DDBFS" trigger --checkpoint "$CK" "$FT" -- cat
	assert_failure 2
	assert_output --partial "is in use by another trigger (pid $TRIG)"
}

@test "trigger: batches arrive on stdin in stream order, new records as they are appended" {
	add_records 1 7
	start_trigger --batch 3 --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 10 records_at_least 7
	add_records 8 9
	wait_until 10 records_at_least 9
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	run ids
	assert_output "$(seq 1 9)"
	# records 1-7 were there at start: 3, 3, 1; then the two appended
	run grep -o '^batch [0-9]* [0-9]*' "$OUT"
	assert_line --index 0 "batch 0 3"
	assert_line --index 1 --regexp '^batch [0-9]+ 3$'
	assert_line --index 2 --regexp '^batch [0-9]+ 1$'
	assert_line --index 3 --regexp '^batch [0-9]+ 2$'
	# stdin holds exactly the records, each a complete JSON line
	run sh -c "grep -v '^batch ' '$OUT' | jq -c .dynamodb.Keys.id.S | tr -d '\"' | tr '\n' ' '"
	assert_output "k1 k2 k3 k4 k5 k6 k7 k8 k9 "
	checkpoint_is "$(stream_size)"
}

@test "trigger: --batch limits the batch size; the default is 100" {
	add_records 1 250
	start_trigger --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 10 records_at_least 250
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	run awk '/^batch/ {print $3}' "$OUT"
	assert_output "$(printf '100\n100\n50')"

	rm "$OUT"
	start_trigger --batch 40 --checkpoint "$TESTROOT/ck40" "$FT" -- "$TESTROOT/collect"
	wait_until 10 records_at_least 250
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	run awk '/^batch/ {print $3}' "$OUT"
	assert_output "$(printf '40\n40\n40\n40\n40\n40\n10')"
	run ids
	assert_output "$(seq 1 250)"
}

@test "trigger: blank lines and a trimmed region of spaces are skipped" {
	# what retention leaves where old records were: spaces ending in '\n'
	printf '%300s\n%50s\n' "" "" >>"$FT/.stream"
	add_records 1 2
	printf '\n   \n' >>"$FT/.stream"
	add_records 3 3
	start_trigger --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 10 records_at_least 3
	wait_until 5 checkpoint_is "$(stream_size)"
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	# one batch, starting at the first record, holding the three records only
	run cat "$OUT"
	assert_line --index 0 "batch 352 3 1"
	run sh -c "grep -v '^batch ' '$OUT'"
	assert_output "$(grep eventID "$FT/.stream")"
}

@test "trigger: the default checkpoint is XDG_STATE_HOME/ddbfs/trigger-NAME.offset" {
	add_records 1 3
	name=$(realpath "$FT" | sed 's|^/||; s|/|_|g')
	XDG_STATE_HOME=$TESTROOT/state start_trigger "$FT" -- "$TESTROOT/collect"
	CK=$TESTROOT/state/ddbfs/trigger-$name.offset
	wait_until 10 checkpoint_is "$(stream_size)"
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	# without XDG_STATE_HOME: ~/.local/state
	rm "$OUT"
	env -u XDG_STATE_HOME HOME="$TESTROOT/home" \
		"$DDBFS" trigger "$FT" -- "$TESTROOT/collect" 2>"$TESTROOT/home.err" &
	TRIG=$!
	echo "$TRIG" >>"$TESTROOT/pids"
	CK=$TESTROOT/home/.local/state/ddbfs/trigger-$name.offset
	wait_until 10 checkpoint_is "$(stream_size)"
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	run ids
	assert_output "$(seq 1 3)"
}

@test "trigger: kill -9 mid-run, restart: every record at least once, none skipped" {
	add_records 1 200
	export DELAY=0.03
	start_trigger --batch 5 --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 10 eval '[ "$(cat "$CK" 2>/dev/null || echo 0)" -gt 0 ]'
	sleep 0.3
	kill -9 "$TRIG"
	wait "$TRIG" || true
	ck=$(cat "$CK")
	[ "$ck" -gt 0 ]
	[ "$ck" -lt "$(stream_size)" ] # it really was mid-run
	sleep 0.3                      # the orphaned COMMAND finishes its batch
	echo restart >>"$OUT"
	add_records 201 230            # and the stream grows while it is down
	start_trigger --batch 5 --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 20 checkpoint_is "$(stream_size)"
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	# none skipped
	run sh -c "grep -o '\"eventID\":\"e[0-9]*\"' '$OUT' | tr -dc '0-9\n' | sort -nu"
	assert_output "$(seq 1 230)"
	# the restart resumed right after the last accepted batch
	first=$(sed -n '/^restart$/,$p' "$OUT" | grep -o '"eventID":"e[0-9]*"' | head -n 1 |
		tr -dc 0-9)
	[ "$first" -eq $(($(head -c "$ck" "$FT/.stream" | wc -l) + 1)) ]
	# so at most the batch in flight came twice
	[ "$(ids | wc -l)" -le 235 ]
}

@test "trigger: a failing COMMAND is retried with backoff, same batch, checkpoint waits" {
	# fails with exit 1, then is killed by a signal, then succeeds
	cat >"$TESTROOT/flaky" <<-'EOF'
	#!/bin/sh
	n=$(($(cat "$TESTROOT/count" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$TESTROOT/count"
	echo "$n $(cat "$CK") $DDBFS_TRIGGER_ATTEMPT $(date +%s.%N)" >>"$TESTROOT/attempts"
	cat >"$TESTROOT/stdin.$n"
	[ "$n" -eq 1 ] && exit 1
	[ "$n" -eq 2 ] && kill -9 $$
	cat "$TESTROOT/stdin.$n" >>"$OUT"
	EOF
	chmod +x "$TESTROOT/flaky"
	add_records 1 3
	start_trigger --max-backoff 0.4 --checkpoint "$CK" "$FT" -- "$TESTROOT/flaky"
	wait_until 10 checkpoint_is "$(stream_size)"
	# the checkpoint stayed at 0 through the failures; attempts counted 1, 2, 3
	run awk '{print $1, $2, $3}' "$TESTROOT/attempts"
	assert_output "$(printf '1 0 1\n2 0 2\n3 0 3')"
	# the same records each time
	cmp "$TESTROOT/stdin.1" "$TESTROOT/stdin.2"
	cmp "$TESTROOT/stdin.1" "$TESTROOT/stdin.3"
	run ids
	assert_output "$(seq 1 3)"
	# backoff: 0.2 s, then 0.4 s
	run awk 'NR > 1 {printf "%.1f\n", $4 - prev} {prev = $4}' "$TESTROOT/attempts"
	assert_line --index 0 --regexp '^0\.[23]$'
	assert_line --index 1 --regexp '^0\.[45]$'
	run cat "$TESTROOT/trigger.err"
	assert_output --partial "batch of 3 records at offset 0 failed (exit status 1); retry in 0.2 s"
	assert_output --partial "failed (killed by signal 9 (Killed)); retry in 0.4 s"
	# a later batch starts over at attempt 1
	add_records 4 4
	wait_until 10 checkpoint_is "$(stream_size)"
	run tail -n 1 "$TESTROOT/attempts"
	assert_output --regexp '^4 [0-9]+ 1 '
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
}

@test "trigger: --from-end starts after the records already there; a checkpoint wins" {
	add_records 1 5
	start_trigger --from-end --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 5 checkpoint_is "$(stream_size)"
	add_records 6 7
	wait_until 10 records_at_least 2
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	# records that come while it is stopped are not skipped by --from-end
	add_records 8 8
	start_trigger --from-end --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 10 records_at_least 3
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	# nor re-read by --from-start
	start_trigger --from-start --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	sleep 0.5
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	run ids
	assert_output "$(seq 6 8)"
}

@test "trigger: SIGTERM waits for a running COMMAND, abandons a backoff, exits 0" {
	cat >"$TESTROOT/slow" <<-'EOF'
	#!/bin/sh
	touch "$TESTROOT/started"
	sleep 1
	cat >>"$OUT"
	EOF
	chmod +x "$TESTROOT/slow"
	add_records 1 2
	start_trigger --checkpoint "$CK" "$FT" -- "$TESTROOT/slow"
	wait_until 5 test -e "$TESTROOT/started"
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	# it waited: the batch is in and counted
	run ids
	assert_output "$(seq 1 2)"
	checkpoint_is "$(stream_size)"

	# a batch that keeps failing: stopped during its backoff, no advance
	add_records 3 3
	size=$(stream_size)
	start_trigger --max-backoff 5 --checkpoint "$CK" "$FT" -- sh -c 'cat >/dev/null; exit 3'
	wait_until 10 eval "[ \$(grep -c 'retry in' '$TESTROOT/trigger.err') -ge 3 ]"
	start=$SECONDS
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	[ $((SECONDS - start)) -le 1 ] # the 1.6 s backoff was not waited out
	[ "$(cat "$CK")" -lt "$size" ]

	# a second signal passes SIGTERM to a COMMAND that will not finish
	: >"$TESTROOT/trigger.err"
	start_trigger --checkpoint "$CK" "$FT" -- sleep 30
	sleep 0.5
	kill -TERM "$TRIG"
	sleep 0.3
	kill -0 "$TRIG" # still waiting for COMMAND
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	[ "$(cat "$CK")" -lt "$size" ]
}

@test "trigger: the stream going away ends it with status 1 and a message" {
	start_trigger --checkpoint "$CK" "$FT" -- "$TESTROOT/collect"
	wait_until 5 test -s "$CK"
	rm -r "$FT"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 1 ]
	run cat "$TESTROOT/trigger.err"
	assert_output --partial ".stream is gone (No such file or directory)"
}

@test "trigger on a real mount: 5 writes reach COMMAND as 5 INSERT records" {
	mount_ddbfs
	new_table Sto "id:S"
	if ! $T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Sto" 2>/dev/null; then
		skip "user.ddb.stream cannot be set yet"
	fi
	$T sh -c 'for i in 1 2 3 4 5; do echo "{\"v\":$i}" >"$1/Sto/k$i.json"; done' sh "$MNT"
	if ! wait_until 3 $T test -s "$MNT/Sto/.stream"; then
		skip ".stream stays empty after writes"
	fi
	timeout 30 "$DDBFS" trigger --checkpoint "$CK" "$MNT/Sto" -- "$TESTROOT/collect" \
		>>"$TESTROOT/trigger.out" 2>>"$TESTROOT/trigger.err" &
	TRIG=$!
	echo "$TRIG" >>"$TESTROOT/pids"
	wait_until 10 eval 'grep -q "\"eventName\":\"INSERT\"" "$OUT" 2>/dev/null &&
		[ $(grep -c "\"eventName\":\"INSERT\"" "$OUT") -ge 5 ]'
	run grep -c '"eventName":"INSERT"' "$OUT"
	assert_output 5
	run sh -c "grep -v '^batch ' '$OUT' | jq -r .dynamodb.Keys.id.S | sort | tr '\n' ' '"
	assert_output "k1 k2 k3 k4 k5 "
	kill -TERM "$TRIG"
	wait_exit "$TRIG" 5
	[ "$EXIT" -eq 0 ]
	checkpoint_is "$($T stat -c %s "$MNT/Sto/.stream")"
}
