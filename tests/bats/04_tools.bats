#!/usr/bin/env bats
# SPEC §6, §13: rsync, tar, find, grep, du and df on a mounted table.

load helpers

# make_tree DIR: a composite-table export: partitions of items.
make_tree() {
	local d=$1 p i
	for p in alice bob carol; do
		mkdir -p "$d/$p"
		for i in 1 2 3 10; do
			printf '{"PK":"%s","SK":"%s","n":%d,"tags":{"SS":["x","y"]}}\n' "$p" "$i" "$i" >"$d/$p/$i.json"
		done
	done
	chmod 0600 "$d/bob/2.json"
	touch -d '2021-05-06 07:08:09' "$d/alice/1.json"
}

@test "rsync -a in and out gives identical trees; second runs transfer nothing" {
	make_tree "$TESTROOT/src"
	new_table Orders
	run $T rsync -a "$TESTROOT/src/" "$MNT/Orders/"
	assert_success
	run $T rsync -a --itemize-changes "$TESTROOT/src/" "$MNT/Orders/"
	assert_success
	assert_output ""
	run $T rsync -a "$MNT/Orders/" "$TESTROOT/out/"
	assert_success
	run diff -r "$TESTROOT/src" "$TESTROOT/out"
	assert_success
	run $T rsync -a --itemize-changes "$MNT/Orders/" "$TESTROOT/out/"
	assert_success
	assert_output ""
	run stat -c '%a %Y' "$TESTROOT/out/bob/2.json" "$TESTROOT/out/alice/1.json"
	assert_output "$(stat -c '%a %Y' "$TESTROOT/src/bob/2.json" "$TESTROOT/src/alice/1.json")"
	run $T jq .ItemCount "$MNT/Orders/.table.json"
	assert_output 12
}

@test "rsync --inplace and rsync -a --delete" {
	make_tree "$TESTROOT/src"
	new_table Orders
	$T rsync -a "$TESTROOT/src/" "$MNT/Orders/"
	printf '{"PK":"alice","SK":"1","n":100}\n' >"$TESTROOT/src/alice/1.json"
	run $T rsync -a --inplace "$TESTROOT/src/" "$MNT/Orders/"
	assert_success
	run $T cat "$MNT/Orders/alice/1.json"
	assert_output '{"PK":"alice","SK":"1","n":100}'
	rm -r "$TESTROOT/src/carol" "$TESTROOT/src/bob/3.json"
	run $T rsync -a --delete "$TESTROOT/src/" "$MNT/Orders/"
	assert_success
	run $T ls "$MNT/Orders"
	assert_output "$(printf 'alice\nbob')"
	# string sort keys: "10" sorts before "2"
	run $T ls "$MNT/Orders/bob"
	assert_output "$(printf '1.json\n10.json\n2.json')"
}

@test "tar x into a table, find -delete, grep -r, du, df" {
	make_tree "$TESTROOT/src"
	tar -C "$TESTROOT/src" -cf "$TESTROOT/t.tar" .
	new_table Orders
	run $T tar -C "$MNT/Orders" -xf "$TESTROOT/t.tar"
	assert_success
	run $T cat "$MNT/Orders/carol/10.json"
	assert_output '{"PK":"carol","SK":"10","n":10,"tags":{"SS":["x","y"]}}'
	run $T grep -rl '"n":3' "$MNT/Orders"
	assert_output "$(printf '%s\n' "$MNT/Orders/alice/3.json" "$MNT/Orders/bob/3.json" "$MNT/Orders/carol/3.json")"
	run $T du -s "$MNT/Orders"
	assert_success
	run $T df "$MNT"
	assert_success
	assert_output --partial "ddbfs"
	run $T find "$MNT/Orders" -name '1*.json' -delete
	assert_success
	run $T find "$MNT/Orders" -type f
	assert_output "$(printf '%s\n' "$MNT/Orders/alice/2.json" "$MNT/Orders/alice/3.json" "$MNT/Orders/bob/2.json" "$MNT/Orders/bob/3.json" "$MNT/Orders/carol/2.json" "$MNT/Orders/carol/3.json")"
	run $T find "$MNT/Orders" -mindepth 1 -delete
	assert_success
	run $T ls -A "$MNT/Orders"
	assert_output ""
}

@test "the magic entries are not listed but open by name; show_magic lists them" {
	new_table Orders
	run $T ls -A "$MNT" "$MNT/Orders"
	refute_output --partial ".ddbfs"
	refute_output --partial ".table.json"
	run $T cat "$MNT/.ddbfs/clock"
	assert_success
	unmount_ddbfs
	mount_ddbfs -o show_magic
	run $T ls -A "$MNT"
	assert_output --partial ".ddbfs"
	run $T ls -A "$MNT/Orders"
	assert_output --partial ".table.json"
}
