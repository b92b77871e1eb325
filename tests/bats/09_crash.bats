#!/usr/bin/env bats
# SPEC §1, §17: kill -9 loses nothing acknowledged; one daemon per DATA_DIR.

load helpers

teardown() {
	abort_held
	stop_serve
	unmount_ddbfs || true
	[ -n "${TESTROOT:-}" ] && rm -rf "$TESTROOT"
	TESTROOT=
}

# abort_held: a test that failed while a killed daemon was held (HELD)
# must not leave it so, its mount hanging whatever enters it: its
# connection is aborted by hand, as README says.
abort_held() {
	local fd conn
	running "${HELD:-0}" || return 0
	[ -n "$(ls /sys/fs/fuse/connections)" ] || mount -t fusectl fusectl /sys/fs/fuse/connections
	for fd in /proc/"$HELD"/task/*/fdinfo/*; do
		conn=$(awk '$1 == "fuse_connection:" { print $2 }' "$fd" 2>/dev/null) || continue
		[ -n "$conn" ] && echo 1 >"/sys/fs/fuse/connections/$conn/abort"
	done
	HELD=
}

@test "kill -9 during a write loop loses no acknowledged item" {
	new_table Crash "id:S"
	# acknowledged means close() returned 0 (the shell ignores close errors
	# of redirections, so the writer checks them itself)
	python3 -c '
import os, sys
d, acked = sys.argv[1], open(sys.argv[2], "w", buffering=1)
for i in range(100000):
    try:
        fd = os.open("%s/k%d.json" % (d, i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, b"{\"i\":%d,\"pad\":\"%s\"}" % (i, b"0" * 200))
        finally:
            os.close(fd)
        acked.write("%d\n" % i)
    except OSError:
        pass
' "$MNT/Crash" "$TESTROOT/acked" &
	writer=$!
	sleep 2
	kill -9 "$(daemon_pid)"
	wait "$writer" 2>/dev/null || true
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	acked=$(wc -l <"$TESTROOT/acked")
	[ "$acked" -gt 10 ]
	mount_ddbfs
	run timeout 60 bash -c "
		while read -r i; do
			got=\$(cat '$MNT/Crash/k'\$i.json) || { echo missing \$i; exit 1; }
			want=\$(printf '{\"id\":\"k%d\",\"i\":%d,\"pad\":\"%0200d\"}' \$i \$i 0)
			[ \"\$got\" = \"\$want\" ] || { echo torn \$i; exit 1; }
		done <'$TESTROOT/acked'; echo all"
	assert_success
	assert_output "all"
}

@test "a second mount of the same DATA_DIR fails at once naming the holder's pid" {
	pid=$(daemon_pid)
	mkdir "$TESTROOT/mnt2"
	run timeout 10 "$DDBFS" "$DATA" "$TESTROOT/mnt2"
	assert_failure
	assert_output --partial "in use by pid $pid"
	run mountpoint -q "$TESTROOT/mnt2"
	assert_failure
}

@test "SIGTERM unmounts cleanly and the data survives" {
	new_table Keep "id:S"
	echo '{"v":1}' >"$MNT/Keep/a.json"
	pid=$(daemon_pid)
	kill -TERM "$pid"
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	run kill -0 "$pid"
	assert_failure
	run mountpoint -q "$MNT"
	assert_failure
	mount_ddbfs
	run $T cat "$MNT/Keep/a.json"
	assert_output '{"id":"a","v":1}'
}

# crash_daemon: kill -9 of the daemon and a lazy unmount. A killed daemon
# that the kernel holds (see hold_killed_daemon) is freed by ddbfs check,
# which also checks what the crash left.
crash_daemon() {
	local pid i
	pid=$(daemon_pid)
	kill -9 "$pid"
	for i in $(seq 1 100); do
		running "$pid" || break
		sleep 0.01
	done
	$T "$DDBFS" check --quiet "$DATA"
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
}

# running PID: some thread of PID is not a zombie.
running() {
	[ -d "/proc/$1/task" ] && grep -qv '^[0-9]* ([^)]*) [ZX]' /proc/"$1"/task/*/stat 2>/dev/null
}

# wait_for CONDITION...: up to 10 s for CONDITION (a command) to hold.
wait_for() {
	local i
	for i in $(seq 1 1000); do
		"$@" && return 0
		sleep 0.01
	done
	echo "never: $*" >&2
	return 1
}

# in_wchan PID FUNCTION: a thread of PID sleeps in the kernel in FUNCTION.
in_wchan() {
	grep -qx "$2" /proc/"$1"/task/*/wchan 2>/dev/null
}

# hold_killed_daemon: kill -9 of the daemon while the kernel holds it, as
# `make stress` meets it now and then. A client's unlink holds the table's
# directory lock while the daemon makes it wait for write capacity (a
# PROVISIONED table in debt, on a test clock that does not refill it); a
# jump of the clock makes the daemon tell the kernel to forget the
# table's entries, and the kernel's invalidation waits for that lock. So
# after kill -9 that thread never ends, nor does the client's unlink.
# Sets HELD (the daemon's pid) and CLIENT (the unlink's).
hold_killed_daemon() {
	unmount_ddbfs
	mount_ddbfs -o test_clock
	[ -d "$MNT/Held" ] || new_table Held "id:S"
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Held"
	$T setfattr -n user.ddb.wcu -v 1 "$MNT/Held"
	echo '{"a":1}' >"$MNT/Held/a.json"
	# 390 write units: the bucket's 300 seconds of burst and more
	$T python3 -c 'import sys; open(sys.argv[1], "w").write("{\"pad\":\"%s\"}" % ("x" * 390000))' \
		"$MNT/Held/big.json"
	rm -f "$MNT/Held/a.json" 2>/dev/null 3>&- &
	CLIENT=$!
	HELD=$(daemon_pid)
	wait_for in_wchan "$CLIENT" request_wait_answer
	(echo +1 >"$MNT/.ddbfs/clock") 2>/dev/null 3>&- &
	wait_for in_wchan "$HELD" fuse_reverse_inval_entry
	kill -9 "$HELD"
	sleep 0.3
	running "$HELD" || { echo "the killed daemon was not held" >&2; return 1; }
}

@test "mounting frees a killed daemon the kernel holds, and the client waiting on it" {
	hold_killed_daemon
	# the client waits in the kernel still: its unlink never committed
	run running "$CLIENT"
	assert_success
	run $T "$DDBFS" "$DATA" "$MNT" -o test_clock
	assert_success
	assert_output --partial "freed a killed ddbfs (pid $HELD) the kernel held: aborted its FUSE connection"
	run running "$HELD"
	assert_failure
	wait_for bash -c "! kill -0 $CLIENT 2>/dev/null"
	run $T cat "$MNT/Held/a.json"
	assert_output '{"id":"a","a":1}'
	[ "$(daemon_pid)" != "$HELD" ]
}

@test "ddbfs check and ddbfs serve free a killed daemon the kernel holds, and leave a stopped one alone" {
	hold_killed_daemon
	run $T "$DDBFS" check "$DATA"
	assert_success
	assert_output --partial "freed a killed ddbfs (pid $HELD) the kernel held"
	assert_output --partial "healthy"
	run running "$HELD"
	assert_failure
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	hold_killed_daemon
	PORT=$(free_port)
	start_serve
	grep -q "freed a killed ddbfs (pid $HELD) the kernel held" "$TESTROOT/serve.err"
	stop_serve
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	# a daemon that is stopped, not killed, is nobody's to free
	mount_ddbfs
	pid=$(daemon_pid)
	kill -STOP "$pid"
	run timeout 20 "$DDBFS" check "$DATA"
	kill -CONT "$pid"
	assert_failure 2
	assert_output --partial "in use by pid $pid"
	refute_output --partial "freed"
}

@test "kill -9 during editors' renames (vim's backup, a temp file renamed over) leaves each content under one name" {
	new_table Edit "id:S"
	echo '{"v":0}' >"$MNT/Edit/x.json"
	for round in $(seq 1 12); do
		# vim's save: x.json -> x.json~ (the scratch copy), a new x.json,
		# x.json~ removed; then a save through .x.tmp renamed over x.json;
		# each one version newer
		timeout 20 python3 -c '
import json, os, sys
d = sys.argv[1]
x, bak, tmp = d + "/x.json", d + "/x.json~", d + "/.x.tmp"
try:
    v = json.load(open(x))["v"]
    open(sys.argv[2], "w").close()
    while True:
        os.rename(x, bak)
        v += 1
        with open(x, "w") as f:
            f.write(json.dumps({"v": v}))
        os.unlink(bak)
        v += 1
        with open(tmp, "w") as f:
            f.write(json.dumps({"v": v}))
        os.rename(tmp, x)
except OSError as e:
    print(e, file=sys.stderr)
' "$MNT/Edit" "$TESTROOT/started" 2>"$TESTROOT/writer.err" &
		for _ in $(seq 1 500); do [ -e "$TESTROOT/started" ] && break; sleep 0.01; done
		rm -f "$TESTROOT/started"
		sleep "0.$((RANDOM % 4 + 1))"
		crash_daemon
		wait
		mount_ddbfs
		# x.json and x.json~ both there only between the new x.json and
		# the unlink: then x.json is the newer; x.json and .x.tmp only
		# before the rename: then .x.tmp is. The same version under two
		# names is a rename half done.
		x=$($T cat "$MNT/Edit/x.json" 2>/dev/null | jq .v) || x=
		b=$($T cat "$MNT/Edit/x.json~" 2>/dev/null | jq .v) || b=
		t=$($T cat "$MNT/Edit/.x.tmp" 2>/dev/null | jq .v) || t=
		echo "round $round: x.json $x, x.json~ $b, .x.tmp $t; the writer: $(cat "$TESTROOT/writer.err")"
		[ -n "$x" ] || [ -n "$b" ]
		[ -z "$x" ] || [ -z "$b" ] || [ "$x" -gt "$b" ]
		[ -z "$x" ] || [ -z "$t" ] || [ "$t" -gt "$x" ]
		# the next round starts from the item alone
		if [ -z "$x" ]; then $T mv "$MNT/Edit/x.json~" "$MNT/Edit/x.json"; else $T rm -f "$MNT/Edit/x.json~"; fi
		$T rm -f "$MNT/Edit/.x.tmp"
	done
}
