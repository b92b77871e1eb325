#!/usr/bin/env bats
# SPEC §1, §17: kill -9 loses nothing acknowledged; one daemon per DATA_DIR.

load helpers

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
# whose notifying thread the kernel holds (waiting for a directory lock
# that a client holds while it waits for the dead daemon) never closes
# /dev/fuse: its connection is aborted as the kernel would at that close.
crash_daemon() {
	local pid conn i
	pid=$(daemon_pid)
	conn=$(($(stat -c '%d' "$MNT") & 0xff))
	kill -9 "$pid"
	for i in $(seq 1 100); do
		[ -d "/proc/$pid/task" ] && grep -qv '^[0-9]* ([^)]*) [ZX]' /proc/"$pid"/task/*/stat 2>/dev/null || break
		sleep 0.01
	done
	if [ "$i" = 100 ]; then
		[ -n "$(ls /sys/fs/fuse/connections)" ] || mount -t fusectl fusectl /sys/fs/fuse/connections
		echo 1 >"/sys/fs/fuse/connections/$conn/abort" || true
	fi
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
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
