#!/usr/bin/env bats
# SPEC §6: inotify watchers see changes made through the mount.

load helpers

@test "inotifywait sees create, modify, move and delete in a partition" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{}' >"$MNT/Orders/p/a.json"
	timeout 30 stdbuf -oL inotifywait -m -e create,modify,close_write,moved_from,moved_to,delete \
		--format '%e %f' "$MNT/Orders/p" >"$TESTROOT/events" 2>"$TESTROOT/watch" &
	watcher=$!
	for i in $(seq 1 100); do
		grep -q "Watches established" "$TESTROOT/watch" && break
		sleep 0.1
	done
	run cat "$TESTROOT/watch"
	assert_output --partial "Watches established"
	echo '{"v":1}' >"$MNT/Orders/p/b.json"
	echo '{"v":2}' >"$MNT/Orders/p/a.json"
	$T mv "$MNT/Orders/p/b.json" "$MNT/Orders/p/c.json"
	$T rm "$MNT/Orders/p/a.json"
	sleep 1
	kill "$watcher" 2>/dev/null || true
	wait "$watcher" 2>/dev/null || true
	run cat "$TESTROOT/events"
	assert_line "CREATE b.json"
	assert_line "MODIFY a.json"
	assert_line "MOVED_FROM b.json"
	assert_line "MOVED_TO c.json"
	assert_line "DELETE a.json"
}
