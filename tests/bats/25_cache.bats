#!/usr/bin/env bats
# SPEC §11, §16: the daemon's item cache -- its options, its counters in
# .ddbfs/stats.json, its bound and its time, and that no reader ever sees
# an item older than the last write, from any process, of any kind.

load helpers

setup() {
	new_testroot
}

# stat_of FIELD: the cache's counter FIELD in .ddbfs/stats.json.
stat_of() {
	$T jq -r ".Cache.$1" "$MNT/.ddbfs/stats.json"
}

# fresh_cat FILE: read FILE past the kernel's page cache (dropped for the
# file first), so the read reaches the daemon.
fresh_cat() {
	$T python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
with open(sys.argv[1]) as f:
    sys.stdout.write(f.read())
' "$1"
}

@test "stats.json shows the cache, and a second read of an item is a hit" {
	mount_ddbfs
	run $T jq -c '.Cache | keys' "$MNT/.ddbfs/stats.json"
	assert_output '["Bytes","Enabled","Entries","Evictions","Hits","LimitBytes","Misses","TtlSeconds"]'
	run $T jq -c '.Cache | [.Enabled, .LimitBytes, .TtlSeconds, .Hits, .Entries]' \
		"$MNT/.ddbfs/stats.json"
	assert_output '[true,67108864,300,0,0]'
	run $T bash -c "tail -c 1 '$MNT/.ddbfs/stats.json' | od -An -c"
	assert_output --partial '\n'
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	run fresh_cat "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","a":1}'
	[ "$(stat_of Misses)" -ge 1 ]
	[ "$(stat_of Entries)" -eq 1 ]
	[ "$(stat_of Bytes)" -gt 25 ]
	hits=$(stat_of Hits)
	run fresh_cat "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","a":1}'
	[ "$(stat_of Hits)" -gt "$hits" ]
}

@test "a hit consumes no read capacity; a miss consumes as without the cache" {
	mount_ddbfs
	new_table Tab "id:S"
	python3 -c 'import json; print(json.dumps({"d": "x" * 10000}))' >"$TESTROOT/big.json"
	$T cp "$TESTROOT/big.json" "$MNT/Tab/a.json"
	consumed_rcu() {
		$T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Tab" |
			tr ',' '\n' | sed -n 's/^rcu=//p'
	}
	before=$(consumed_rcu)
	misses=$(stat_of Misses)
	fresh_cat "$MNT/Tab/a.json" >/dev/null
	[ "$(stat_of Misses)" -gt "$misses" ]
	# 10 KB: 3 units of 4 KB, once for the open
	[ "$(consumed_rcu)" = "$((before + 3))" ]
	hits=$(stat_of Hits)
	for i in 1 2 3; do
		fresh_cat "$MNT/Tab/a.json" >/dev/null
	done
	[ "$(stat_of Hits)" -gt "$hits" ]
	[ "$(consumed_rcu)" = "$((before + 3))" ]
}

@test "a read after a write by another process always sees the write" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"v":0}' >"$MNT/Orders/p/x.json"
	# a writer process and a reader process take turns, 200 times; the
	# reader reads each version twice (the second from the cache)
	run timeout 120 python3 -c '
import json, os, sys
path = sys.argv[1]
to_reader, from_writer = os.pipe()
to_writer, from_reader = os.pipe()
pid = os.fork()
if pid == 0:
    for i in range(1, 201):
        with open(path, "w") as f:
            f.write("{\"v\":%d}\n" % i)
        os.write(from_writer, b"w")
        os.read(to_writer, 1)
    os._exit(0)
bad = 0
for i in range(1, 201):
    os.read(to_reader, 1)
    for _ in range(2):
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        with os.fdopen(fd) as f:
            v = json.load(f)["v"]
        if v != i:
            bad += 1
            print("wrote %d, read %d" % (i, v))
    os.write(from_reader, b"r")
os.waitpid(pid, 0)
print("stale reads: %d" % bad)
sys.exit(1 if bad else 0)
' "$MNT/Orders/p/x.json"
	assert_success
	assert_output "stale reads: 0"
	[ "$(stat_of Hits)" -gt 0 ]
}

# warm FILE: read FILE until the cache holds it (a hit).
warm() {
	local hits
	fresh_cat "$1" >/dev/null
	hits=$(stat_of Hits)
	fresh_cat "$1" >/dev/null
	[ "$(stat_of Hits)" -gt "$hits" ]
}

@test "every kind of change is seen by the next read" {
	mount_ddbfs
	new_table Users "id:S"
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Users"
	echo '{"v":1}' >"$MNT/Users/a.json"
	warm "$MNT/Users/a.json"
	# chmod: no change of the item, its mode at once
	$T chmod 600 "$MNT/Users/a.json"
	run $T stat -c %a "$MNT/Users/a.json"
	assert_output 600
	run fresh_cat "$MNT/Users/a.json"
	assert_output '{"id":"a","v":1}'
	warm "$MNT/Users/a.json"
	$T chmod 640 "$MNT/Users/a.json"
	run $T stat -c %a "$MNT/Users/a.json"
	assert_output 640
	# one attribute, set by an attribute's option
	warm "$MNT/Users/a.json"
	$T setfattr -n user.ddb.ttl -v 4102444800 "$MNT/Users/a.json"
	run fresh_cat "$MNT/Users/a.json"
	assert_output '{"id":"a","v":1,"exp":4102444800}'
	# a write by another process
	warm "$MNT/Users/a.json"
	$T bash -c "echo '{\"v\":3,\"exp\":4102444800}' > '$MNT/Users/a.json'"
	run fresh_cat "$MNT/Users/a.json"
	assert_output '{"id":"a","v":3,"exp":4102444800}'
	# rename: gone from its old name
	warm "$MNT/Users/a.json"
	$T mv "$MNT/Users/a.json" "$MNT/Users/b.json"
	run fresh_cat "$MNT/Users/a.json"
	assert_failure
	run fresh_cat "$MNT/Users/b.json"
	assert_output '{"id":"b","v":3,"exp":4102444800}'
	# the table renamed, then one made anew under the old name
	warm "$MNT/Users/b.json"
	$T mv "$MNT/Users" "$MNT/People"
	run fresh_cat "$MNT/People/b.json"
	assert_output '{"id":"b","v":3,"exp":4102444800}'
	new_table Users "id:S"
	run fresh_cat "$MNT/Users/b.json"
	assert_failure
	echo '{"v":2}' >"$MNT/Users/b.json"
	run fresh_cat "$MNT/Users/b.json"
	assert_output '{"id":"b","v":2}'
	# delete
	warm "$MNT/People/b.json"
	$T rm "$MNT/People/b.json"
	run fresh_cat "$MNT/People/b.json"
	assert_failure
}

@test "an item past its TTL is gone from the cache as from the table" {
	mount_ddbfs -o test_clock
	new_table Sess "id:S"
	$T setfattr -n user.ddb.ttl_attribute -v expiresAt "$MNT/Sess"
	now=$(now)
	echo "{\"expiresAt\":$((now + 60))}" >"$MNT/Sess/s.json"
	fresh_cat "$MNT/Sess/s.json" >/dev/null
	hits=$(stat_of Hits)
	run fresh_cat "$MNT/Sess/s.json"
	assert_output "{\"id\":\"s\",\"expiresAt\":$((now + 60))}"
	[ "$(stat_of Hits)" -gt "$hits" ]
	advance 61
	run fresh_cat "$MNT/Sess/s.json"
	assert_failure
	run $T ls "$MNT/Sess"
	assert_output ""
}

@test "cache_ttl: an entry lives that long on the mount's clock" {
	mount_ddbfs -o test_clock,cache_ttl=30
	[ "$(stat_of TtlSeconds)" -eq 30 ]
	new_table Orders "id:S"
	echo '{"a":1}' >"$MNT/Orders/x.json"
	fresh_cat "$MNT/Orders/x.json" >/dev/null
	hits=$(stat_of Hits)
	fresh_cat "$MNT/Orders/x.json" >/dev/null
	[ "$(stat_of Hits)" -gt "$hits" ]
	advance 31
	misses=$(stat_of Misses)
	run fresh_cat "$MNT/Orders/x.json"
	assert_output '{"id":"x","a":1}'
	[ "$(stat_of Misses)" -eq $((misses + 1)) ]
	# kept again from then on
	hits=$(stat_of Hits)
	fresh_cat "$MNT/Orders/x.json" >/dev/null
	[ "$(stat_of Hits)" -gt "$hits" ]
	[ "$(stat_of Misses)" -eq $((misses + 1)) ]
}

@test "cache=off: not enabled, and no hits" {
	mount_ddbfs -o cache=off
	new_table Orders "id:S"
	echo '{"a":1}' >"$MNT/Orders/x.json"
	for i in 1 2 3; do
		run fresh_cat "$MNT/Orders/x.json"
		assert_output '{"id":"x","a":1}'
	done
	run $T jq -c '.Cache | [.Enabled, .Hits, .Misses, .Entries, .Bytes, .LimitBytes]' \
		"$MNT/.ddbfs/stats.json"
	assert_output '[false,0,0,0,0,0]'
}

@test "bad values of the cache options fail the mount and say which" {
	for opt in cache cache=maybe cache_mb=0 cache_mb=65537 cache_mb=x cache_mb=-1 \
		cache_mb= cache_ttl=0 cache_ttl=-5 cache_ttl=1s cache_ttl=; do
		run timeout 10 "$DDBFS" "$DATA" "$MNT" -o "$opt"
		assert_failure
		assert_output "ddbfs: bad value in option $opt"
		run mountpoint -q "$MNT"
		assert_failure
	done
	mount_ddbfs -o cache=on,cache_mb=65536,cache_ttl=1
	[ "$(stat_of LimitBytes)" -eq $((65536 << 20)) ]
	[ "$(stat_of TtlSeconds)" -eq 1 ]
}

@test "cache_mb bounds it: the least recently read go" {
	mount_ddbfs -o cache_mb=1
	new_table Blobs "id:S"
	# 300 items of 10 KB: 3 MB
	$T python3 -c '
import sys
pad = "x" * 10000
for i in range(300):
    with open("%s/i%03d.json" % (sys.argv[1], i), "w") as f:
        f.write("{\"pad\":\"%s\"}" % pad)
' "$MNT/Blobs"
	$T python3 -c '
import os, sys
for i in range(300):
    fd = os.open("%s/i%03d.json" % (sys.argv[1], i), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    with os.fdopen(fd) as f:
        assert len(f.read()) > 10000
' "$MNT/Blobs"
	bytes=$(stat_of Bytes)
	[ "$bytes" -le 1048576 ]
	[ "$bytes" -gt 524288 ]
	[ "$(stat_of Evictions)" -gt 0 ]
	[ "$(stat_of Entries)" -lt 105 ]
	# the newest read is there, the first is not
	misses=$(stat_of Misses)
	fresh_cat "$MNT/Blobs/i299.json" >/dev/null
	[ "$(stat_of Misses)" -eq "$misses" ]
	fresh_cat "$MNT/Blobs/i000.json" >/dev/null
	[ "$(stat_of Misses)" -eq $((misses + 1)) ]
}

@test "listings are cached: ls after a write from another process shows it" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/x.json"
	entries=$(stat_of Entries)
	run $T ls "$MNT/Orders/p"
	assert_output "x.json"
	run $T ls "$MNT/Orders"
	assert_output "p"
	[ "$(stat_of Entries)" -ge $((entries + 2)) ]
	$T bash -c "echo '{\"v\":2}' > '$MNT/Orders/p/y.json'"
	run $T ls "$MNT/Orders/p"
	assert_output "$(printf 'x.json\ny.json')"
	$T bash -c "mkdir '$MNT/Orders/q' && echo '{}' > '$MNT/Orders/q/z.json'"
	run $T ls "$MNT/Orders"
	assert_output "$(printf 'p\nq')"
	$T bash -c "mv '$MNT/Orders/p/x.json' '$MNT/Orders/q/w.json'"
	run $T ls "$MNT/Orders/p"
	assert_output "y.json"
	run $T ls "$MNT/Orders/q"
	assert_output "$(printf 'w.json\nz.json')"
}

@test "listings are cached: ls -l after chmod shows the new mode" {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/x.json"
	run $T bash -c "ls -l '$MNT/Orders/p' | awk '/x.json/ { print \$1 }'"
	assert_output "-rw-r--r--"
	$T chmod 600 "$MNT/Orders/p/x.json"
	run $T bash -c "ls -l '$MNT/Orders/p' | awk '/x.json/ { print \$1 }'"
	assert_output "-rw-------"
	run $T bash -c "ls -l '$MNT/Orders' | awk '\$NF == \"p\" { print \$1 }'"
	assert_output "drwxr-xr-x"
	$T chmod 700 "$MNT/Orders/p"
	run $T bash -c "ls -l '$MNT/Orders' | awk '\$NF == \"p\" { print \$1 }'"
	assert_output "drwx------"
}

@test "listings are cached: ls after rm no longer shows it" {
	mount_ddbfs
	new_table Users "id:S"
	echo '{"v":1}' >"$MNT/Users/a.json"
	echo '{"v":2}' >"$MNT/Users/b.json"
	run $T ls "$MNT/Users"
	assert_output "$(printf 'a.json\nb.json')"
	$T rm "$MNT/Users/a.json"
	run $T ls "$MNT/Users"
	assert_output "b.json"
	$T bash -c "rm '$MNT/Users/b.json'"
	run $T ls "$MNT/Users"
	assert_output ""
}

@test "listings are cached: an expired item vanishes from ls on the clock" {
	mount_ddbfs -o test_clock
	new_table Sess "id:S"
	$T setfattr -n user.ddb.ttl_attribute -v expiresAt "$MNT/Sess"
	now=$(now)
	echo "{\"expiresAt\":$((now + 60))}" >"$MNT/Sess/gone.json"
	echo '{"v":1}' >"$MNT/Sess/stays.json"
	run $T ls "$MNT/Sess"
	assert_output "$(printf 'gone.json\nstays.json')"
	run $T ls "$MNT/Sess"
	assert_output "$(printf 'gone.json\nstays.json')"
	advance 61
	run $T ls "$MNT/Sess"
	assert_output "stays.json"
}
