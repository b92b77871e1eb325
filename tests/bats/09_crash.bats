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
