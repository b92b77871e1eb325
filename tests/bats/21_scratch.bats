#!/usr/bin/env bats
# SPEC §6: scratch space is ordinary, persistent POSIX files and directories
# stored in DATA_DIR: it survives unmount and kill -9, is not an item, and
# behaves as tmpfs does (a differential check, tests/tools/posix_diff.py).

load helpers

remount() {
	unmount_ddbfs
	mount_ddbfs "$@"
}

crash_remount() {
	local pid
	pid=$(daemon_pid)
	kill -9 "$pid"
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	mount_ddbfs
}

@test "scratch files and directories survive unmount and kill -9, and are not items" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/a.json"
	echo notes >"$MNT/Orders/p/README.md"
	echo top >"$MNT/Orders/NOTES.txt"
	$T mkdir -p "$MNT/Orders/p/docs/deep/er" "$MNT/Orders/.git/objects"
	echo deep >"$MNT/Orders/p/docs/deep/er/f.json"
	ln -s ../README.md "$MNT/Orders/p/docs/link"
	head -c 5000000 /dev/urandom >"$TESTROOT/big"
	cp "$TESTROOT/big" "$MNT/Orders/.git/objects/pack"
	remount
	run $T cat "$MNT/Orders/p/README.md" "$MNT/Orders/NOTES.txt" "$MNT/Orders/p/docs/deep/er/f.json"
	assert_output "$(printf 'notes\ntop\ndeep')"
	run $T readlink "$MNT/Orders/p/docs/link"
	assert_output ../README.md
	run $T cat "$MNT/Orders/p/docs/link"
	assert_output notes
	$T cmp "$TESTROOT/big" "$MNT/Orders/.git/objects/pack"
	echo more >>"$MNT/Orders/p/README.md"
	crash_remount
	run $T cat "$MNT/Orders/p/README.md"
	assert_output "$(printf 'notes\nmore')"
	run $T getfattr --absolute-names --only-values -n user.ddb.item_count "$MNT/Orders"
	assert_output 1
	run $T ls -a "$MNT/Orders/p"
	assert_output "$(printf '.\n..\nREADME.md\na.json\ndocs')"
}

@test "a partition holding only scratch files is listed after a remount and rmdir needs it empty" {
	new_table Orders
	$T mkdir "$MNT/Orders/drafts"
	echo x >"$MNT/Orders/drafts/todo.txt"
	remount
	run $T ls "$MNT/Orders"
	assert_output drafts
	run $T rmdir "$MNT/Orders/drafts"
	assert_failure
	assert_output --partial "not empty"
	$T rm "$MNT/Orders/drafts/todo.txt"
	$T rmdir "$MNT/Orders/drafts"
	remount
	run $T ls "$MNT/Orders"
	assert_output ""
}

@test "a table with scratch files is deleted by rm -r, not by rmdir, and is renamed with them" {
	new_table Orders
	$T mkdir "$MNT/Orders/p" "$MNT/Orders/.cache"
	echo '{"v":1}' >"$MNT/Orders/p/a.json"
	echo x >"$MNT/Orders/.cache/x"
	$T mv "$MNT/Orders" "$MNT/Orders2"
	run $T cat "$MNT/Orders2/.cache/x"
	assert_output x
	$T rm "$MNT/Orders2/p/a.json"
	run $T rmdir "$MNT/Orders2"
	assert_failure
	$T rm -r "$MNT/Orders2"
	run $T ls "$MNT"
	assert_output ""
	$T mkdir "$MNT/Orders2"
	run $T ls -a "$MNT/Orders2"
	assert_output "$(printf '.\n..')"
}

@test "rename(item, scratch) keeps the content through unmount and crash; the row goes once" {
	new_table Users 'id:S'
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Users"
	echo '{"v":1}' >"$MNT/Users/a.json"
	echo '{"v":2}' >"$MNT/Users/b.json"
	echo '{"v":3}' >"$MNT/Users/c.json"
	$T mv "$MNT/Users/a.json" "$MNT/Users/a.json.bak"
	$T mv "$MNT/Users/b.json" "$MNT/Users/b.json.bak"
	echo '{"v":20}' >"$MNT/Users/b.json"
	$T mv "$MNT/Users/c.json" "$MNT/Users/c.bak"
	remount
	run $T cat "$MNT/Users/a.json.bak" "$MNT/Users/b.json" "$MNT/Users/b.json.bak" "$MNT/Users/c.bak"
	assert_output "$(printf '{"id":"a","v":1}\n{"id":"b","v":20}\n{"id":"b","v":2}\n{"id":"c","v":3}')"
	run $T ls "$MNT/Users"
	assert_output "$(printf 'a.json.bak\nb.json\nb.json.bak\nc.bak')"
	# a and c were deleted at unmount: one REMOVE each; b was modified
	run $T python3 -c "
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(' '.join(sorted(r['eventName'] + ':' + r['dynamodb']['Keys']['id']['S'] for r in recs[3:])))
" "$MNT/Users/.stream"
	assert_output "MODIFY:b REMOVE:a REMOVE:c"
	# the same through a crash
	echo '{"v":4}' >"$MNT/Users/d.json"
	$T mv "$MNT/Users/d.json" "$MNT/Users/d.json~"
	crash_remount
	run $T cat "$MNT/Users/d.json~"
	assert_output '{"id":"d","v":4}'
	run $T ls "$MNT/Users"
	refute_output --partial $'d.json\n'
	run $T getfattr --absolute-names --only-values -n user.ddb.item_count "$MNT/Users"
	assert_output 1
	# and back: the scratch becomes the item again, one INSERT
	$T mv "$MNT/Users/d.json~" "$MNT/Users/d.json"
	run $T cat "$MNT/Users/d.json"
	assert_output '{"id":"d","v":4}'
}

@test "vim and sed -i saves in a partition stay one MODIFY and leave no stray files after remount" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Orders"
	echo '{"v":1}' >"$MNT/Orders/p/x.json"
	$T sed -i 's/1/2/' "$MNT/Orders/p/x.json"
	timeout 20 vim -Es -c '%s/2/3/' -c 'wq' "$MNT/Orders/p/x.json"
	remount
	run $T cat "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","v":3}'
	run $T ls -a "$MNT/Orders/p"
	assert_output "$(printf '.\n..\nx.json')"
	run $T grep -c MODIFY "$MNT/Orders/.stream"
	assert_output 2
}

@test "POSIX behaviours in scratch space match tmpfs, another user included (allow_other)" {
	remount -o allow_other
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	$T mkdir "$MNT/Orders/p/work"
	mkdir "$TESTROOT/tmpfs"
	mount -t tmpfs tmpfs "$TESTROOT/tmpfs"
	mkdir "$TESTROOT/tmpfs/work"
	chmod 755 "$TESTROOT"
	run timeout 120 python3 "$BATS_TEST_DIRNAME/../tools/posix_diff.py" "$TESTROOT/tmpfs/work"
	umount "$TESTROOT/tmpfs"
	assert_success
	want=$output
	run timeout 120 python3 "$BATS_TEST_DIRNAME/../tools/posix_diff.py" "$MNT/Orders/p/work"
	assert_success
	diff <(echo "$want") <(echo "$output")
	# and in a scratch directory of a hash-only table
	new_table Users 'id:S'
	$T mkdir "$MNT/Users/work"
	run timeout 120 python3 "$BATS_TEST_DIRNAME/../tools/posix_diff.py" "$MNT/Users/work"
	diff <(echo "$want") <(echo "$output")
}

@test "git works in scratch space" {
	command -v git >/dev/null || skip "git is not installed"
	new_table Users 'id:S'
	$T mkdir "$MNT/Users/repo"
	cd "$MNT/Users/repo"
	$T git init -q .
	echo hello >f.txt
	ln -s f.txt l
	$T git add f.txt l
	$T git -c user.name=t -c user.email=t@t commit -qm one
	run $T git log --oneline
	assert_output --partial one
	cd /
	remount
	cd "$MNT/Users/repo"
	run $T git status --porcelain
	assert_output ""
	cd /
}

@test "hard links, fifos and device nodes stay EPERM in scratch space" {
	new_table Users 'id:S'
	$T mkdir "$MNT/Users/s"
	echo x >"$MNT/Users/s/f"
	run $T ln "$MNT/Users/s/f" "$MNT/Users/s/g"
	assert_failure
	run $T mkfifo "$MNT/Users/s/fifo"
	assert_failure
	run $T ls "$MNT/Users/s"
	assert_output f
}

@test "after a remount, listing the root first leaves partitions with scratch files whole" {
	new_table Shop
	$T mkdir "$MNT/Shop/alice"
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Shop"
	echo '{"v":1}' >"$MNT/Shop/alice/o1.json"
	echo notes >"$MNT/Shop/alice/notes.txt"
	remount
	run $T ls "$MNT"
	assert_output Shop
	run $T ls -i "$MNT/Shop"
	assert_equal "$(echo "$output" | wc -l)" 1
	run $T ls "$MNT/Shop/alice"
	assert_output "$(printf 'notes.txt\no1.json')"
	echo '{"v":2}' >"$MNT/Shop/alice/o1.json"
	remount
	run $T find "$MNT" -name o1.json
	run $T cat "$MNT/Shop/alice/o1.json"
	assert_output '{"PK":"alice","SK":"o1","v":2}'
	run $T grep -c MODIFY "$MNT/Shop/.stream"
	assert_output 1
	[ ! -e "$DATA/scratch/Shop/alice/o1.json" ]
}

@test "a partition a re-key makes wins over a scratch file of its name; the file comes back after" {
	$T "$DDBFS" create-table "$MNT" Rekey --pk id:S
	echo '{"grp":"README.md","v":1}' >"$MNT/Rekey/a.json"
	echo "my readme" >"$MNT/Rekey/README.md"
	$T setfattr -n user.ddb.key_schema -v grp:S,id:S "$MNT/Rekey"
	run $T ls "$MNT/Rekey"
	assert_output README.md
	run $T cat "$MNT/Rekey/README.md/a.json"
	assert_output '{"grp":"README.md","id":"a","v":1}'
	$T rm "$MNT/Rekey/README.md/a.json"
	$T rmdir "$MNT/Rekey/README.md" 2>/dev/null || true
	remount
	run $T cat "$MNT/Rekey/README.md"
	assert_output "my readme"
}

@test "scratch files take the caller's umask, and the daemon's own files are not world-writable" {
	new_table Users 'id:S'
	(umask 027 && echo x >"$MNT/Users/f.txt" && mkdir "$MNT/Users/d")
	run stat -c %a "$MNT/Users/f.txt" "$MNT/Users/d"
	assert_output "$(printf '640\n750')"
	run stat -c %a "$DATA/ddbfs.mountpoint"
	refute_output --regexp '[2367]$'
}

@test "cp -a of a table without sort key copies its schema, items, modes and times" {
	$T "$DDBFS" create-table "$MNT" Users --pk id:S
	for i in 1 2 3; do echo "{\"n\":$i}" >"$MNT/Users/u$i.json"; done
	chmod 600 "$MNT/Users/u2.json"
	touch -d @1700000000 "$MNT/Users/u3.json"
	run $T cp -a "$MNT/Users" "$MNT/Users2"
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Users2"
	assert_output "id:S"
	run $T getfattr --absolute-names --only-values -n user.ddb.item_count "$MNT/Users2"
	assert_output 3
	$T diff -r "$MNT/Users" "$MNT/Users2"
	run $T stat -c '%n %a %Y' "$MNT/Users2/u2.json" "$MNT/Users2/u3.json"
	assert_output "$(printf '%s 600 %s\n%s 644 1700000000' "$MNT/Users2/u2.json" \
		"$(stat -c %Y "$MNT/Users/u2.json")" "$MNT/Users2/u3.json")"
	run ls -A "$DATA/scratch/Users2"
	assert_output ""
	# a table with a sort key and items still refuses x.json at its top
	$T mkdir "$MNT/Orders" "$MNT/Orders/p"
	echo '{}' >"$MNT/Orders/p/a.json"
	run $T sh -c "echo '{}' > '$MNT/Orders/x.json'"
	assert_failure
}

@test "a renamed table takes its deferred deletes along: the new table of the old name loses nothing" {
	$T mkdir "$MNT/AA1" "$MNT/AA1/p" "$MNT/CC1" "$MNT/CC1/p"
	echo '{"mine":"aa1"}' >"$MNT/AA1/p/x.json"
	echo '{"other":"precious"}' >"$MNT/CC1/p/x.json"
	$T mv "$MNT/AA1/p/x.json" "$MNT/AA1/p/x.json.bak"
	$T mv "$MNT/AA1" "$MNT/BB1"
	run $T ls "$MNT/BB1/p"
	assert_output x.json.bak
	$T mv "$MNT/CC1" "$MNT/AA1"
	run $T ls "$MNT/AA1/p"
	assert_output x.json
	remount
	run $T cat "$MNT/AA1/p/x.json"
	assert_output '{"PK":"p","SK":"x","other":"precious"}'
	run $T ls "$MNT/BB1/p"
	assert_output x.json.bak
	# a table with scratch files is not replaced by a rename
	$T mkdir "$MNT/Dst1"
	echo r >"$MNT/Dst1/.readme"
	run $T mv -T "$MNT/BB1" "$MNT/Dst1"
	assert_failure
	run $T cat "$MNT/Dst1/.readme" "$MNT/BB1/p/x.json.bak"
	assert_output "$(printf 'r\n{"PK":"p","SK":"x","mine":"aa1"}')"
}

@test "an item renamed to a scratch name while open: readers read on, writers make the rename wait" {
	new_table Users 'id:S'
	echo '{"v":1}' >"$MNT/Users/o.json"
	run $T python3 -c "
import errno, os, sys
d = sys.argv[1]
r = os.open(d + '/o.json', os.O_RDONLY)
os.rename(d + '/o.json', d + '/o.json~')
print(os.pread(r, 100, 0).decode().strip())
os.close(r)
os.rename(d + '/o.json~', d + '/o.json')
w = open(d + '/o.json', 'w')
w.write('{\"v\":2}')
try:
    os.rename(d + '/o.json', d + '/o.json.bak')
except OSError as e:
    print(errno.errorcode[e.errno])
w.close()
print(open(d + '/o.json').read().strip())
" "$MNT/Users"
	assert_success
	assert_output "$(printf '{"id":"o","v":1}\nEBUSY\n{"id":"o","v":2}')"
}

@test "a scratch file may take a partition-like name by rename; the root's times can be set" {
	new_table Orders
	echo x >"$MNT/Orders/.t2"
	$T mv "$MNT/Orders/.t2" "$MNT/Orders/NOTES"
	$T mv "$MNT/Orders/NOTES" "$MNT/Orders/NOTES2"
	run $T cat "$MNT/Orders/NOTES2"
	assert_output x
	$T touch -d @1600000000 "$MNT"
	run $T stat -c %Y "$MNT"
	assert_output 1600000000
}
