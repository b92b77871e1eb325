#!/usr/bin/env bats
# SPEC §12: points in time under T/.snapshots — the table as of the end of
# a second, read-only, in the table's own layout, with the test clock.

load helpers

setup() {
	mount_ddbfs -o test_clock
	new_table Orders
	$T setfattr -n user.ddb.pitr -v on "$MNT/Orders"
}

@test "each point shows the version of its time: v1, v2, then nothing" {
	$T mkdir "$MNT/Orders/alice"
	echo '{"v":1}' >"$MNT/Orders/alice/o1.json"
	t1=$(now)
	advance 60
	echo '{"v":2}' >"$MNT/Orders/alice/o1.json"
	t2=$(now)
	advance 60
	$T rm "$MNT/Orders/alice/o1.json"
	t3=$(now)
	advance 5
	S=$MNT/Orders/.snapshots
	run $T cat "$S/$(iso "$t1")/alice/o1.json"
	assert_output '{"PK":"alice","SK":"o1","v":1}'
	run $T cat "$S/$(iso "$t2")/alice/o1.json"
	assert_output '{"PK":"alice","SK":"o1","v":2}'
	run $T cat "$S/$(iso "$t3")/alice/o1.json"
	assert_failure
	run $T ls "$S/$(iso "$t3")"
	assert_success
	assert_output ""
	# @EPOCHSECONDS names the same second
	run $T cat "$S/@$t2/alice/o1.json"
	assert_output '{"PK":"alice","SK":"o1","v":2}'
	# sizes are the rendered lengths, listings the items of then
	run $T stat -c %s "$S/$(iso "$t1")/alice/o1.json"
	assert_output 31
	run $T ls "$S/$(iso "$t1")" "$S/$(iso "$t1")/alice"
	assert_output --partial "o1.json"
	# .table.json of a point: its ItemCount then
	run $T jq .ItemCount "$S/$(iso "$t1")/.table.json"
	assert_output 1
	run $T jq .ItemCount "$S/$(iso "$t3")/.table.json"
	assert_output 0
	# the live table has moved on
	run $T ls "$MNT/Orders/alice"
	assert_output ""
}

@test ".snapshots lists the earliest and the latest point; outside the window is ENOENT" {
	t0=$(now)
	echo '{"v":1}' >"$MNT/Orders/x.json" 2>/dev/null || true
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/x.json"
	advance 100
	run $T ls "$MNT/Orders/.snapshots"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$(iso "$t0")" ] || [ "${lines[0]}" = "$(iso $((t0 - 1)))" ]
	n=$(now) # the latest point is the second ls ran in
	[ "${lines[1]}" = "$(iso "$n")" ] || [ "${lines[1]}" = "$(iso $((n - 1)))" ]
	# not listed by the table, but opens by name (SPEC §3)
	run $T ls -A "$MNT/Orders"
	refute_output --partial ".snapshots"
	# before PITR was on, in the future, malformed: ENOENT
	run $T ls "$MNT/Orders/.snapshots/$(iso $((t0 - 10)))"
	assert_failure
	assert_output --partial "No such file"
	run $T ls "$MNT/Orders/.snapshots/$(iso $(($(now) + 10)))"
	assert_failure
	for bad in @2026-13-01T00:00:00Z @yesterday @ @12x nothing; do
		run $T ls "$MNT/Orders/.snapshots/$bad"
		assert_failure
	done
	# 36 days on, the first point has left the window
	advance $((36 * 24 * 3600))
	run $T cat "$MNT/Orders/.snapshots/$(iso $((t0 + 50)))/p/x.json"
	assert_failure
	run $T cat "$MNT/Orders/.snapshots/$(iso $(($(now) - 10)))/p/x.json"
	assert_output '{"PK":"p","SK":"x","v":1}'
}

@test ".table.json tells PITR's window truthfully; pitr=off ends it" {
	t0=$(now)
	advance 30
	run $T jq -r '.ContinuousBackupsDescription.PointInTimeRecoveryDescription | "\(.PointInTimeRecoveryStatus) \(.RecoveryPeriodInDays) \(.EarliestRestorableDateTime | floor) \(.LatestRestorableDateTime | floor)"' "$MNT/Orders/.table.json"
	read -r status days from to <<<"$output"
	[ "$status $days" = "ENABLED 35" ]
	# PITR went on in setup, just before t0; the latest point is now
	[ "$from" -le "$t0" ] && [ "$from" -ge $((t0 - 2)) ]
	[ "$to" -ge $(($(now) - 1)) ] && [ "$to" -le "$(now)" ]
	$T setfattr -n user.ddb.pitr -v off "$MNT/Orders"
	run $T jq -c .ContinuousBackupsDescription.PointInTimeRecoveryDescription "$MNT/Orders/.table.json"
	assert_output '{"PointInTimeRecoveryStatus":"DISABLED"}'
	run $T ls "$MNT/Orders/.snapshots/$(iso "$t0")"
	assert_failure
}

@test "the current second's point is now; when the second is over it is its end" {
	echo '{"v":"before"}' >"$MNT/Orders/x.json" 2>/dev/null || true
	$T mkdir "$MNT/Orders/p"
	echo '{"v":"before"}' >"$MNT/Orders/p/x.json"
	advance 1
	c=$(now)
	run $T cat "$MNT/Orders/.snapshots/@$c/p/x.json"
	assert_output '{"PK":"p","SK":"x","v":"before"}'
	echo '{"v":"after"}' >"$MNT/Orders/p/x.json"
	echo '{"v":"new"}' >"$MNT/Orders/p/y.json"
	if [ "$(now)" = "$c" ]; then
		advance 2
		# both names of second c: its end, with what was written in it
		run $T cat "$MNT/Orders/.snapshots/@$c/p/x.json" "$MNT/Orders/.snapshots/$(iso "$c")/p/x.json"
		assert_output "$(printf '%s\n%s' '{"PK":"p","SK":"x","v":"after"}' '{"PK":"p","SK":"x","v":"after"}')"
		run $T ls "$MNT/Orders/.snapshots/@$c/p"
		assert_output "$(printf 'x.json\ny.json')"
	fi
	# a second in the future is ENOENT until it comes
	f=$(($(now) + 3))
	run $T ls "$MNT/Orders/.snapshots/@$f"
	assert_failure
	advance 5
	run $T ls "$MNT/Orders/.snapshots/@$f/p"
	assert_success
	# the listing follows the clock
	run $T ls "$MNT/Orders/.snapshots"
	n=$(now)
	[ "${lines[1]}" = "$(iso "$n")" ] || [ "${lines[1]}" = "$(iso $((n - 1)))" ]
}

@test "a point's directories keep their times while read; tar and rsync see a still tree" {
	for p in a b c; do
		$T mkdir "$MNT/Orders/$p"
		for i in 1 2 3; do echo "{\"v\":$i}" >"$MNT/Orders/$p/i$i.json"; done
	done
	t1=$(now)
	advance 10
	echo '{"v":9}' >"$MNT/Orders/b/i2.json"
	P=$MNT/Orders/.snapshots/$(iso "$t1")
	before=$(stat -c '%Y %a %i' "$P/a" "$P/b")
	cat "$P"/*/*.json >/dev/null
	run $T stat -c '%Y %a %i' "$P/a" "$P/b"
	assert_output "$before"
	run $T ls -l "$P"
	assert_output --partial "dr-xr-xr-x"
	run $T tar c -C "$P" -f "$TESTROOT/p.tar" .
	assert_success
	run $T rsync -a "$P/" "$TESTROOT/o/"
	run $T rsync -ai "$P/" "$TESTROOT/o/"
	assert_output ""
	# one spelling per second: leading zeros and second 60 are not names
	run $T ls "$MNT/Orders/.snapshots/@0$t1"
	assert_failure
	run $T ls "$MNT/Orders/.snapshots/$(date -u -d "@$t1" +@%Y-%m-%dT%H:%M:60Z)"
	assert_failure
}

@test "long (hashed) names open in a point, also when the key is gone now" {
	run $T env PYTHONPATH="$BATS_TEST_DIRNAME" python3 - "$MNT/Orders" <<'PY'
import json, os, sys
t = sys.argv[1]
from longname import long_name
pk, sk = "p" * 600, "s" * 400
os.mkdir(os.path.join(t, long_name(pk, False)))
for k in (sk, sk + "2"):
    with open(os.path.join(t, long_name(pk, False), long_name(k, True)), "w") as f:
        json.dump({"PK": pk, "SK": k, "v": 1}, f)
print(long_name(pk, False) + "/" + long_name(sk, True))
print(long_name(pk, False) + "/" + long_name(sk + "2", True))
PY
	assert_success
	one=${lines[0]}
	two=${lines[1]}
	t1=$(now)
	advance 10
	$T rm "$MNT/Orders/$two"
	P=$MNT/Orders/.snapshots/$(iso "$t1")
	run $T jq -c .v "$P/$one" "$P/$two"
	assert_output "$(printf '1\n1')"
	run $T ls "$P/${one%%/*}"
	assert_output "$(printf '%s\n%s' "${one#*/}" "${two#*/}")"
}

@test "a point's xattrs are of then; a re-key starts the window again" {
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/x.json"
	t1=$(now)
	advance 10
	echo '{"v":1,"longer":"and longer"}' >"$MNT/Orders/p/x.json"
	P=$MNT/Orders/.snapshots/$(iso "$t1")
	run $T getfattr --absolute-names --only-values -n user.ddb.size "$P/p/x.json"
	then=$output
	run $T getfattr --absolute-names --only-values -n user.ddb.size "$MNT/Orders/p/x.json"
	[ "$then" -lt "$output" ]
	# a table re-keyed has no past in its new key schema: the window
	# starts again at the re-key
	run $T setfattr -n user.ddb.key_schema -v "v:N" "$MNT/Orders"
	assert_success
	run $T cat "$MNT/Orders/1.json"
	assert_output '{"v":1,"PK":"p","SK":"x","longer":"and longer"}'
	run $T ls "$P"
	assert_failure
	run $T cat "$MNT/Orders/.snapshots/@$(now)/1.json"
	assert_output '{"v":1,"PK":"p","SK":"x","longer":"and longer"}'
}

@test "without PITR .snapshots is empty and holds no point" {
	new_table Plain
	run $T ls "$MNT/Plain/.snapshots"
	assert_success
	assert_output ""
	run $T ls "$MNT/Plain/.snapshots/$(iso "$(now)")"
	assert_failure
}

@test "the past is read-only: every change is EROFS and changes nothing" {
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/x.json"
	t1=$(now)
	advance 10
	P=$MNT/Orders/.snapshots/$(iso "$t1")
	run $T bash -c "echo '{\"v\":9}' > '$P/p/x.json'"
	assert_failure
	assert_output --partial "Read-only file system"
	run $T bash -c "echo '{}' > '$P/p/new.json'"
	assert_output --partial "Read-only file system"
	run $T rm -f "$P/p/x.json"
	assert_output --partial "Read-only file system"
	run $T mv "$P/p/x.json" "$P/p/y.json"
	assert_output --partial "Read-only file system"
	run $T mv "$P/p/x.json" "$MNT/Orders/p/z.json"
	assert_output --partial "Read-only file system"
	run $T mkdir "$P/q"
	assert_output --partial "Read-only file system"
	run $T rmdir "$P/p"
	assert_output --partial "Read-only file system"
	run $T chmod 600 "$P/p/x.json"
	assert_output --partial "Read-only file system"
	run $T truncate -s 0 "$P/p/x.json"
	assert_output --partial "Read-only file system"
	run $T setfattr -n user.ddb.ttl -v +60 "$P/p/x.json"
	assert_failure
	run $T mkdir "$MNT/Orders/.snapshots/@x"
	assert_failure
	run $T rmdir "$MNT/Orders/.snapshots"
	assert_output --partial "Read-only file system"
	run $T mv "$MNT/Orders/.snapshots" "$MNT/Orders/snaps"
	assert_output --partial "Read-only file system"
	run last_error
	assert_output --partial "read-only"
	run $T cat "$P/p/x.json" "$MNT/Orders/p/x.json"
	assert_output "$(printf '%s\n%s' '{"PK":"p","SK":"x","v":1}' '{"PK":"p","SK":"x","v":1}')"
	run $T ls "$MNT/Orders/p"
	assert_output "x.json"
}

@test "rsync and tar of a point give exactly its items; a second rsync sends nothing" {
	new_table Flat "id:S"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Flat"
	for i in 1 2 3 4 5; do echo "{\"v\":$i}" >"$MNT/Flat/k$i.json"; done
	t1=$(now)
	advance 10
	echo '{"v":99}' >"$MNT/Flat/k2.json"
	$T rm "$MNT/Flat/k4.json"
	echo '{"v":6}' >"$MNT/Flat/k6.json"
	P=$MNT/Flat/.snapshots/$(iso "$t1")
	run $T rsync -a "$P/" "$TESTROOT/out/"
	assert_success
	run ls "$TESTROOT/out"
	assert_output "$(printf 'k1.json\nk2.json\nk3.json\nk4.json\nk5.json')"
	run cat "$TESTROOT/out/k2.json" "$TESTROOT/out/k4.json"
	assert_output "$(printf '%s\n%s' '{"id":"k2","v":2}' '{"id":"k4","v":4}')"
	run $T rsync -ai "$P/" "$TESTROOT/out/"
	assert_success
	assert_output ""
	run $T tar c -C "$P" -f "$TESTROOT/p.tar" .
	assert_success
	run tar tf "$TESTROOT/p.tar"
	assert_output --partial "./k4.json"
	refute_output --partial "k6.json"
	# a point's files are not the live ones: diff sees what changed
	run $T diff -r "$P" "$MNT/Flat"
	assert_failure
	assert_output --partial "k2.json"
	assert_output --partial "k4.json"
	assert_output --partial "k6.json"
}

@test "the current second's point keeps its inode numbers, so cp -a copies it whole" {
	$T mkdir "$MNT/Orders/p"
	for i in $(seq 1 300); do echo "{\"v\":$i}" >"$MNT/Orders/p/$i.json"; done
	P=$MNT/Orders/.snapshots/$(iso "$(now)")
	a=$(stat -c %i "$P/p/1.json")
	b=$(stat -c %i "$P/p/1.json")
	[ "$a" = "$b" ]
	run $T cp -a "$P" "$TESTROOT/copy"
	assert_success
	[ "$(ls "$TESTROOT/copy/p" | wc -l)" -eq 300 ]
	run $T cat "$TESTROOT/copy/p/300.json"
	assert_output '{"PK":"p","SK":"300","v":300}'
}

@test "a version from the change log keeps its owner, mode (without write bits) and times" {
	$T mkdir "$MNT/Orders/p"
	echo '{"secret":1}' >"$MNT/Orders/p/s.json"
	$T chown 65534:65534 "$MNT/Orders/p/s.json"
	$T chmod 600 "$MNT/Orders/p/s.json"
	t1=$(now)
	advance 5
	# unchanged since: the item's own owner and mode, without write bits
	run $T stat -c '%a %u' "$MNT/Orders/.snapshots/$(iso "$t1")/p/s.json"
	assert_output "400 65534"
	$T touch -d 2020-01-02T03:04:05Z "$MNT/Orders/p/s.json"
	t2=$(now)
	advance 5
	echo '{"secret":2}' >"$MNT/Orders/p/s.json"
	$T rm "$MNT/Orders/p/s.json"
	advance 5
	# from the log, which keeps each old image's metadata
	run $T stat -c '%a %u %Y' "$MNT/Orders/.snapshots/@$t2/p/s.json"
	assert_output "400 65534 1577934245"
	run $T cat "$MNT/Orders/.snapshots/@$t2/p/s.json"
	assert_output '{"PK":"p","SK":"s","secret":1}'
	# and so does a restore, with the owner's write bit back
	run $T "$DDBFS" restore "$MNT/Orders/.snapshots/@$t2" Again
	assert_success
	run $T stat -c '%a %u' "$MNT/Again/p/s.json"
	assert_output "600 65534"
}
