#!/usr/bin/env bats
# SPEC §3, §5, §6: items as files — create, read, copy, move, delete.

load helpers

@test "an item written with echo reads back rendered, key attributes first" {
	new_table Orders
	$T mkdir "$MNT/Orders/alice"
	echo '{"total": 12.50, "items": ["a", "b"], "paid": true, "note": null}' >"$MNT/Orders/alice/o1.json"
	run $T cat "$MNT/Orders/alice/o1.json"
	assert_success
	assert_output '{"PK":"alice","SK":"o1","total":12.5,"items":["a","b"],"paid":true,"note":null}'
	# st_size is the exact rendered length
	run $T stat -c %s "$MNT/Orders/alice/o1.json"
	assert_output "$(( $(cat "$MNT/Orders/alice/o1.json" | wc -c) ))"
}

@test "a table without sort key keeps its items directly in the table" {
	new_table Users "id:S"
	echo '{"name":"Ann"}' >"$MNT/Users/u1.json"
	echo '{"name":"Bob"}' >"$MNT/Users/u2.json"
	run $T ls "$MNT/Users"
	assert_output "$(printf 'u1.json\nu2.json')"
	run $T cat "$MNT/Users/u2.json"
	assert_output '{"id":"u2","name":"Bob"}'
	# no partitions here: mkdir makes an ordinary (scratch) directory
	run $T mkdir "$MNT/Users/p"
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.item_count "$MNT/Users"
	assert_output 2
}

@test "partitions and items list in DynamoDB key order (N numerically)" {
	new_table Events "dev:S,ts:N"
	$T mkdir "$MNT/Events/d1"
	for k in 10 -5 1000 2 0 -0.5 2.25; do
		echo '{}' >"$MNT/Events/d1/$k.json"
	done
	run $T ls -f "$MNT/Events/d1"
	assert_output "$(printf '.\n..\n-5.json\n-0.5.json\n0.json\n2.json\n2.25.json\n10.json\n1000.json')"
	for p in b a c A; do $T mkdir "$MNT/Events/$p"; echo '{}' >"$MNT/Events/$p/1.json"; done
	run $T ls -f "$MNT/Events"
	assert_output "$(printf '.\n..\nA\na\nb\nc\nd1')"
	# a number is written canonically: 1e3 is not a name, 1000 is
	run $T bash -c "echo '{}' > '$MNT/Events/d1/1e3.json'"
	assert_failure
	run $T cat "$MNT/Events/d1/1000.json"
	assert_output '{"dev":"d1","ts":1000}'
}

@test "cp copies in and out; cp -a keeps mode and times" {
	new_table Docs "id:S"
	src=$TESTROOT/src.json
	echo '{"v":1}' >"$src"
	chmod 0600 "$src"
	touch -d '2020-01-02 03:04:05' "$src"
	$T cp "$src" "$MNT/Docs/plain.json"
	run $T cat "$MNT/Docs/plain.json"
	assert_output '{"id":"plain","v":1}'
	$T cp -a "$src" "$MNT/Docs/kept.json"
	run $T stat -c '%a %Y' "$MNT/Docs/kept.json"
	assert_output "600 $(stat -c %Y "$src")"
	$T cp "$MNT/Docs/kept.json" "$TESTROOT/out.json"
	run cat "$TESTROOT/out.json"
	assert_output '{"id":"kept","v":1}'
}

@test "mv within a table rewrites the key attributes" {
	new_table Orders
	$T mkdir "$MNT/Orders/alice" "$MNT/Orders/bob"
	echo '{"total":5}' >"$MNT/Orders/alice/o1.json"
	$T mv "$MNT/Orders/alice/o1.json" "$MNT/Orders/bob/o9.json"
	run $T cat "$MNT/Orders/bob/o9.json"
	assert_output '{"PK":"bob","SK":"o9","total":5}'
	run $T ls "$MNT/Orders/alice"
	assert_output ""
	# the destination is replaced
	echo '{"total":1}' >"$MNT/Orders/bob/o1.json"
	$T mv "$MNT/Orders/bob/o1.json" "$MNT/Orders/bob/o9.json"
	run $T cat "$MNT/Orders/bob/o9.json"
	assert_output '{"PK":"bob","SK":"o9","total":1}'
	run $T jq .ItemCount "$MNT/Orders/.table.json"
	assert_output 1
}

@test "mv across tables works through the EXDEV fallback" {
	new_table A1x "id:S"
	new_table B1x "id:S"
	echo '{"x":1}' >"$MNT/A1x/k.json"
	$T mv "$MNT/A1x/k.json" "$MNT/B1x/k.json"
	run $T cat "$MNT/B1x/k.json"
	assert_output '{"id":"k","x":1}'
	run $T ls "$MNT/A1x"
	assert_output ""
	run $T python3 -c "import os,sys; os.rename(sys.argv[1], sys.argv[2])" "$MNT/B1x/k.json" "$MNT/A1x/k.json"
	assert_failure
	assert_output --partial "Invalid cross-device link"
}

@test "rm deletes an item; rm -r deletes a partition" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	for i in 1 2 3; do echo '{}' >"$MNT/Orders/p/$i.json"; done
	$T rm "$MNT/Orders/p/2.json"
	run $T ls "$MNT/Orders/p"
	assert_output "$(printf '1.json\n3.json')"
	run $T rmdir "$MNT/Orders/p"
	assert_failure
	$T rm -r "$MNT/Orders/p"
	run $T ls "$MNT/Orders"
	assert_output ""
	run $T rm "$MNT/Orders/nothere.json"
	assert_failure
}

@test "touch makes a key-only item; on an existing item it only sets times" {
	new_table Users "id:S"
	$T touch "$MNT/Users/new.json"
	run $T cat "$MNT/Users/new.json"
	assert_output '{"id":"new"}'
	echo '{"a":1}' >"$MNT/Users/old.json"
	$T touch -d '2001-02-03 04:05:06' "$MNT/Users/old.json"
	run $T cat "$MNT/Users/old.json"
	assert_output '{"id":"old","a":1}'
	run $T stat -c %Y "$MNT/Users/old.json"
	assert_output "$(date -d '2001-02-03 04:05:06' +%s)"
}

@test "set -C makes > a conditional put: EEXIST on an existing item" {
	new_table Users "id:S"
	echo '{"a":1}' >"$MNT/Users/u.json"
	run $T bash -c "set -C; echo '{\"a\":2}' > '$MNT/Users/u.json'"
	assert_failure
	assert_output --partial "cannot overwrite existing file"
	# the filesystem itself refuses O_EXCL on an existing item
	run $T python3 -c "import os,sys; os.open(sys.argv[1], os.O_CREAT|os.O_EXCL|os.O_WRONLY)" "$MNT/Users/u.json"
	assert_failure
	assert_output --partial "File exists"
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u","a":1}'
	run $T bash -c "set -C; echo '{\"a\":3}' > '$MNT/Users/v.json'"
	assert_success
}

@test ">> and truncate edit the rendered text; an invalid result changes nothing" {
	new_table Users "id:S"
	echo '{"a":1}' >"$MNT/Users/u.json"
	# drop the closing "}\n", then append more members
	run $T truncate -s -2 "$MNT/Users/u.json"
	assert_failure
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u","a":1}'
	write_fails "$MNT/Users/u.json" '{"id":"u","a":1'
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u","a":1}'
	# the valid way: truncate to the text without its end, append the rest, in one open
	run $T python3 - "$MNT/Users/u.json" <<'PY'
import os, sys
p = sys.argv[1]
fd = os.open(p, os.O_RDWR)
text = os.read(fd, 4096)
os.ftruncate(fd, len(text) - 2)
os.lseek(fd, 0, os.SEEK_END)
os.write(fd, b',"b":2}\n')
os.close(fd)
PY
	assert_success
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u","a":1,"b":2}'
	run $T bash -c "echo ' ' >> '$MNT/Users/u.json'"
	assert_success
	write_fails "$MNT/Users/u.json" '{"c":3}' append
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u","a":1,"b":2}'
	$T truncate -s 0 "$MNT/Users/u.json"
	run $T cat "$MNT/Users/u.json"
	assert_output '{"id":"u"}'
}

@test "open(O_CREAT) makes an item whose name a listing handed over just after its delete" {
	# The listing was taken before the rm: reading on gave the kernel
	# the deleted item's name, and an open(O_CREAT) without O_TRUNC of
	# it failed with ENOENT instead of making the item.
	new_table Users "id:S"
	run timeout 60 python3 "$BATS_TEST_DIRNAME/listrace.py" "$MNT/Users" delete
	assert_success
	assert_output "bad []"
	run $T cat "$MNT/Users/x299.json"
	assert_output '{"id":"x299","n":"again"}'
}

@test "an item renamed during a listing keeps one name: writing its old name makes a new item" {
	# Reading on past the old name must not give the kernel that name for
	# the renamed item (a second name of it, a write there going to it).
	new_table Users "id:S"
	run timeout 60 python3 "$BATS_TEST_DIRNAME/listrace.py" "$MNT/Users" rename
	assert_success
	assert_output "bad []"
	run $T cat "$MNT/Users/x299.json"
	assert_output '{"id":"x299","n":"new"}'
}

@test "an item written during a listing reads whole afterwards" {
	# Reading on past its name must not give the kernel the item's size
	# of before the write, which would cut its reads.
	new_table Users "id:S"
	run timeout 60 python3 "$BATS_TEST_DIRNAME/listrace.py" "$MNT/Users" write
	assert_success
	assert_output "bad []"
}

@test "a reader beside echo > x.json never makes the emptied item a change; each overwrite is one stream record" {
	# The shell's > opens, duplicates and closes the file before echo
	# writes: a reader opening the item in between committed the empty
	# file as a change of its own (the key alone), read by others and
	# recorded in the stream. A reader may see the file empty meanwhile,
	# as on any filesystem, but never the key alone.
	new_table Eds "id:S"
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Eds"
	echo '{"v":"e0","keep":1}' >"$MNT/Eds/x.json"
	touch "$TESTROOT/go"
	timeout 120 bash -c 'while [ -e "$2" ]; do read -r line <"$1"; echo "r$line"; done' _ \
		"$MNT/Eds/x.json" "$TESTROOT/go" >"$TESTROOT/reads" &
	reader=$!
	run timeout 120 bash -c 'for n in $(seq 1 500); do
		echo "{\"v\":\"e$n\",\"keep\":1}" >"$1" || exit 1; done' _ "$MNT/Eds/x.json"
	rm "$TESTROOT/go"
	wait $reader
	assert_success
	run grep -c '"keep":1' "$TESTROOT/reads"
	[ "$output" -gt 50 ] # the reader read all along
	run grep -v -e '"keep":1' -e '^r$' "$TESTROOT/reads"
	assert_output ""
	run $T jq -c '[.v, .keep]' "$MNT/Eds/x.json"
	assert_output '["e500",1]'
	# one record for the first put and one per overwrite, each whole
	run $T jq -c 'select(.dynamodb.NewImage.keep == null)' "$MNT/Eds/.stream"
	assert_output ""
	run $T jq -s length "$MNT/Eds/.stream"
	assert_output 501
}
