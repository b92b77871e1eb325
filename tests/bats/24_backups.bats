#!/usr/bin/env bats
# SPEC §12: on-demand backups (mkdir T/.snapshots/NAME), backups that
# outlive their table (.ddbfs/backups, backups.json), the SYSTEM backup a
# PITR table leaves when deleted, and restores into a new table.

load helpers

setup() {
	mount_ddbfs -o test_clock
	new_table Shop "id:S"
}

# put N: items i1..iN of table Shop.
put() {
	local i
	for i in $(seq 1 "$1"); do echo "{\"v\":$i}" >"$MNT/Shop/i$i.json"; done
}

@test "mkdir takes a backup of that instant; it is the table's tree, read-only; rmdir deletes it" {
	put 3
	run $T mkdir "$MNT/Shop/.snapshots/monday"
	assert_success
	echo '{"v":99}' >"$MNT/Shop/i2.json"
	$T rm "$MNT/Shop/i3.json"
	echo '{"v":4}' >"$MNT/Shop/i4.json"
	B=$MNT/Shop/.snapshots/monday
	run $T ls "$B"
	assert_output "$(printf 'i1.json\ni2.json\ni3.json')"
	run $T cat "$B/i2.json" "$B/i3.json"
	assert_output "$(printf '{"id":"i2","v":2}\n{"id":"i3","v":3}')"
	run $T jq -c '[.ItemCount, .TableName]' "$B/.table.json"
	assert_output '[3,"Shop"]'
	# the table's creation, as DescribeBackup's SourceTableDetails
	run $T jq .CreationDateTime "$B/.table.json"
	assert_output "$(jq .CreationDateTime "$MNT/Shop/.table.json")"
	run $T ls "$MNT/Shop/.snapshots"
	assert_output "monday"
	run $T ls -l "$B"
	assert_output --partial "-r--r--r--"
	# every change is EROFS and changes nothing
	for cmd in "rm $B/i1.json" "touch $B/i1.json" "touch $B/new.json" "mkdir $B/p" \
		"mv $B/i1.json $B/i9.json" "chmod 600 $B/i1.json" "truncate -s 0 $B/i1.json" \
		"setfattr -n user.ddb.x -v 1 $B/i1.json" "ln $B/i1.json $B/i8.json"; do
		run $T $cmd
		assert_failure
		assert_output --partial "Read-only file system"
	done
	run sh -c "echo '{}' >'$B/i1.json'"
	assert_failure
	run $T cat "$B/i1.json"
	assert_output '{"id":"i1","v":1}'
	# deleted by rmdir
	run $T rmdir "$B"
	assert_success
	run $T ls "$MNT/Shop/.snapshots"
	assert_output ""
	run $T cat "$B/i1.json"
	assert_failure
	run $T jq '.BackupSummaries | length' "$MNT/.ddbfs/backups.json"
	assert_output 0
}

@test "a backup is in the mount's format, and composite tables keep their partitions" {
	unmount_ddbfs
	mount_ddbfs -o test_clock,format=ddb
	new_table Orders "PK:S,SK:N"
	$T mkdir "$MNT/Orders/alice"
	echo '{"PK":{"S":"alice"},"SK":{"N":"7"},"n":{"N":"1.5"}}' >"$MNT/Orders/alice/7.json"
	$T mkdir "$MNT/Orders/.snapshots/bk1"
	run $T cat "$MNT/Orders/.snapshots/bk1/alice/7.json"
	assert_output '{"PK":{"S":"alice"},"SK":{"N":"7"},"n":{"N":"1.5"}}'
	run $T ls -ld "$MNT/Orders/.snapshots/bk1/alice"
	assert_output --partial "dr-xr-xr-x"
}

@test "a backup taken while a writer puts 1..N in order holds exactly a prefix" {
	python3 - "$MNT/Shop" "$TESTROOT/acked" <<'PY' &
import os, sys
d, acked = sys.argv[1], open(sys.argv[2], "w", buffering=1)
for i in range(1, 20001):
    with open("%s/w%d.json" % (d, i), "w") as f:
        f.write('{"i":%d}' % i)
    acked.write("%d\n" % i)
PY
	writer=$!
	# once the writer is well under way
	timeout 20 sh -c "until [ \$(wc -l <'$TESTROOT/acked' 2>/dev/null || echo 0) -ge 1000 ]; do sleep 0.05; done"
	run $T mkdir "$MNT/Shop/.snapshots/during"
	assert_success
	wait "$writer"
	# k items: exactly w1..wk
	run $T python3 - "$MNT/Shop/.snapshots/during" <<'PY'
import os, sys
got = sorted(int(n[1:-5]) for n in os.listdir(sys.argv[1]))
k = len(got)
assert k > 0 and got == list(range(1, k + 1)), (k, got[:3], got[-3:])
print("prefix", k < 20000)
PY
	assert_success
	assert_output "prefix True"
}

@test "kill -9 during a backup of 100k items: after a remount it is whole or absent" {
	run timeout 300 python3 - "$MNT/Shop" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(100000):
    fd = os.open("%s/k%06d.json" % (d, i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b'{"v":%d}' % i)
    os.close(fd)
PY
	assert_success
	# a backup of 100k items takes tens of milliseconds: kills at moments
	# across it, then one after it
	whole=0 absent=0
	for delay in 0.01 0.02 0.03 0.04 0.05 0.06 0.08 3; do
		timeout 60 mkdir "$MNT/Shop/.snapshots/big" 2>/dev/null &
		mk=$!
		sleep "$delay"
		kill -9 "$(daemon_pid)"
		wait "$mk" || true
		timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
		mount_ddbfs -o test_clock
		n=$($T jq '[.BackupSummaries[] | select(.BackupName == "big")] | length' "$MNT/.ddbfs/backups.json")
		if [ "$n" = 1 ]; then
			run $T jq '.BackupSummaries[] | select(.BackupName == "big") | .ItemCount' "$MNT/.ddbfs/backups.json"
			assert_output 100000
			run $T sh -c "ls '$MNT/Shop/.snapshots/big' | wc -l"
			assert_output 100000
			whole=$((whole + 1))
			$T rmdir "$MNT/Shop/.snapshots/big"
		else
			run $T ls "$MNT/Shop/.snapshots/big"
			assert_failure
			absent=$((absent + 1))
		fi
	done
	echo "whole $whole absent $absent" >&3
	# the last one had all the time it needed
	[ "$whole" -ge 1 ]
	run $T mkdir "$MNT/Shop/.snapshots/big"
	assert_success
	run $T cat "$MNT/Shop/.snapshots/big/k099999.json"
	assert_output '{"id":"k099999","v":99999}'
}

@test "backups outlive their table under .ddbfs/backups; backups.json has ListBackups' shape" {
	put 2
	$T mkdir "$MNT/Shop/.snapshots/keep1"
	advance 10
	$T mkdir "$MNT/Shop/.snapshots/keep2"
	run $T rm -rf "$MNT/Shop"
	assert_success
	run $T ls "$MNT"
	refute_output --partial Shop
	run $T ls "$MNT/.ddbfs/backups" "$MNT/.ddbfs/backups/Shop"
	assert_output --partial "keep1"
	assert_output --partial "keep2"
	run $T cat "$MNT/.ddbfs/backups/Shop/keep1/i2.json"
	assert_output '{"id":"i2","v":2}'
	run $T jq -c '.BackupSummaries | map([.TableName, .BackupName, .BackupStatus, .BackupType, .ItemCount, (.BackupSizeBytes > 0), (.BackupArn | test("^arn:aws:dynamodb:[^:]+:[0-9]+:table/Shop/backup/[0-9]{14}-[0-9a-f]{8}$")), (.BackupCreationDateTime | type)])' "$MNT/.ddbfs/backups.json"
	assert_output '[["Shop","keep1","AVAILABLE","USER",2,true,true,"number"],["Shop","keep2","AVAILABLE","USER",2,true,true,"number"]]'
	# restorable after the table is gone
	run $T setfattr -n user.ddb.restore_to -v Shop "$MNT/.ddbfs/backups/Shop/keep1"
	assert_success
	run $T cat "$MNT/Shop/i1.json"
	assert_output '{"id":"i1","v":1}'
	# and deleted there too
	run $T rmdir "$MNT/.ddbfs/backups/Shop/keep2"
	assert_success
	run $T ls "$MNT/Shop/.snapshots"
	assert_output "keep1"
}

@test "deleting a PITR table keeps a SYSTEM backup of it before the deletes, for 35 days" {
	$T setfattr -n user.ddb.pitr -v on "$MNT/Shop"
	put 5
	advance 60
	run $T rm -rf "$MNT/Shop"
	assert_success
	run $T ls "$MNT/.ddbfs/backups/Shop"
	assert_output --regexp '^deleted-[0-9]{8}T[0-9]{6}Z$'
	name=$output
	run $T ls "$MNT/.ddbfs/backups/Shop/$name"
	assert_output "$(printf 'i1.json\ni2.json\ni3.json\ni4.json\ni5.json')"
	run $T jq -c '.BackupSummaries[0] | [.BackupType, .ItemCount, (.BackupExpiryDateTime - .BackupCreationDateTime > 34 * 86400)]' "$MNT/.ddbfs/backups.json"
	assert_output '["SYSTEM",5,true]'
	run $T "$DDBFS" restore "$MNT/.ddbfs/backups/Shop/$name" Shop
	assert_success
	run $T cat "$MNT/Shop/i5.json"
	assert_output '{"id":"i5","v":5}'
	# without PITR no SYSTEM backup is kept
	$T rm -rf "$MNT/Shop"
	run $T jq '.BackupSummaries | length' "$MNT/.ddbfs/backups.json"
	assert_output 1
	# gone after 35 days
	advance $((36 * 86400))
	sleep 2.5
	run $T jq '.BackupSummaries | length' "$MNT/.ddbfs/backups.json"
	assert_output 0
	run $T ls "$MNT/.ddbfs/backups"
	assert_output ""
}

@test "restore from a backup or a point: same key schema and items, every type exact, no settings, no stream records" {
	$T setfattr -n user.ddb.pitr -v on "$MNT/Shop"
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Shop"
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Shop"
	item='{"id":"all","n":-1.25e3,"b":{"B":"AAEC/w=="},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ=="]},"m":{"x":[1,"y",null,true]},"f":false,"z":null}'
	echo "$item" >"$MNT/Shop/all.json"
	want=$(cat "$MNT/Shop/all.json")
	$T mkdir "$MNT/Shop/.snapshots/full"
	t1=$(now)
	advance 10
	$T rm "$MNT/Shop/all.json"
	run $T setfattr -n user.ddb.restore_to -v FromBackup "$MNT/Shop/.snapshots/full"
	assert_success
	run $T "$DDBFS" restore "$MNT/Shop/.snapshots/$(iso "$t1")" FromPoint
	assert_success
	for t in FromBackup FromPoint; do
		run $T cat "$MNT/$t/all.json"
		assert_output "$want"
		run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/$t"
		assert_output "id:S"
		run $T jq -c '[.ItemCount, .ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus, .TimeToLiveDescription.TimeToLiveStatus, (.StreamSpecification // "none")]' "$MNT/$t/.table.json"
		assert_output '[1,"DISABLED","DISABLED","none"]'
		# writable, as any table
		echo '{"v":1}' >"$MNT/$t/new.json"
		run $T ls -l "$MNT/$t/all.json"
		assert_output --partial "-rw-"
	done
	# the source's stream saw the put and the delete only
	run $T sh -c "grep -c . '$MNT/Shop/.stream'"
	assert_output 2
	# NEW exists: EEXIST, nothing changed
	run $T "$DDBFS" restore "$MNT/Shop/.snapshots/full" FromBackup
	assert_failure
	assert_output --partial "already exists"
	run $T setfattr -n user.ddb.restore_to -v FromPoint "$MNT/Shop/.snapshots/full"
	assert_failure
	assert_output --partial "File exists"
	run $T ls "$MNT/FromPoint"
	assert_output "$(printf 'all.json\nnew.json')"
}

@test "rsync and tar of a backup give exactly its items; a second rsync sends nothing" {
	put 20
	$T mkdir "$MNT/Shop/.snapshots/tarme"
	put 25
	run $T rsync -a "$MNT/Shop/.snapshots/tarme/" "$TESTROOT/r/"
	assert_success
	run $T rsync -ai "$MNT/Shop/.snapshots/tarme/" "$TESTROOT/r/"
	assert_output ""
	[ "$(ls "$TESTROOT/r" | wc -l)" -eq 20 ]
	run $T tar c -C "$MNT/Shop/.snapshots/tarme" -f "$TESTROOT/b.tar" .
	assert_success
	run tar tf "$TESTROOT/b.tar"
	[ "$(grep -c '\.json$' <<<"$output")" -eq 20 ]
	run $T diff -r "$TESTROOT/r" "$MNT/Shop/.snapshots/tarme"
	assert_success
}

@test "bad names, reserved names, duplicates and malformed times are refused, logged, and change nothing" {
	put 1
	$T mkdir "$MNT/Shop/.snapshots/good"
	before=$(cat "$MNT/.ddbfs/backups.json")
	for name in ab @2026-01-01T00:00:00Z @x 'bad name' 'a*b' '.hid'; do
		run $T mkdir "$MNT/Shop/.snapshots/$name"
		assert_failure
		assert_output --partial "Invalid argument"
	done
	run last_error
	assert_output --partial '"op":"mkdir"'
	run $T mkdir "$MNT/Shop/.snapshots/good"
	assert_failure
	assert_output --partial "File exists"
	# malformed times are no points: ENOENT
	for name in @2026-13-01T00:00:00Z @yesterday @-5 @2026-01-01; do
		run $T ls "$MNT/Shop/.snapshots/$name"
		assert_failure
		assert_output --partial "No such file"
	done
	# restore_to a name that cannot be a table
	run $T setfattr -n user.ddb.restore_to -v 'no way' "$MNT/Shop/.snapshots/good"
	assert_failure
	assert_output --partial "Invalid argument"
	run last_error
	assert_output --partial "table name"
	run $T "$DDBFS" restore "$MNT/Shop/.snapshots/good" x
	assert_failure
	# restore_to is for backups and points only: one clear error
	for dir in "$MNT/Shop" "$MNT/Shop/.snapshots" "$MNT/.ddbfs/backups/Shop"; do
		run $T setfattr -n user.ddb.restore_to -v Copy "$dir"
		assert_failure
		assert_output --partial "Invalid argument"
		run last_error
		assert_output --partial "set on a backup or a point in time"
		run $T "$DDBFS" restore "$dir" Copy
		assert_failure
		assert_output --partial "is not a backup or a point in time"
	done
	run $T "$DDBFS" restore "$MNT/Shop/.snapshots/nosuch" Copy
	assert_failure
	assert_output --partial "no such backup or point in time"
	run $T rmdir "$MNT/Shop/.snapshots/nosuch"
	assert_failure
	# mkdir in .ddbfs/backups is not a backup
	run $T mkdir "$MNT/.ddbfs/backups/Shop/other"
	assert_failure
	run $T cat "$MNT/.ddbfs/backups.json"
	assert_output "$before"
	run $T ls "$MNT"
	assert_output "Shop"
}

@test "the table's owner, not root, takes, restores and deletes its backups; others may not" {
	put 2
	unmount_ddbfs
	# a second user must be able to reach the mount point
	chmod 755 "$TESTROOT"
	mount_ddbfs -o test_clock,allow_other
	$T chown 65534:65534 "$MNT/Shop"
	owner="$T setpriv --reuid=65534 --regid=65534 --clear-groups"
	other="$T setpriv --reuid=65533 --regid=65533 --clear-groups"
	run $owner mkdir "$MNT/Shop/.snapshots/mine"
	assert_success
	run $other mkdir "$MNT/Shop/.snapshots/theirs"
	assert_failure
	assert_output --partial "Permission denied"
	# a backup is read-only for its owner too
	run $owner touch "$MNT/Shop/.snapshots/mine/new.json"
	assert_failure
	assert_output --partial "Read-only file system"
	# a restore makes a table in the mount's root, as mkdir there: only
	# who may write the root (its mounter) restores
	run $owner "$DDBFS" restore "$MNT/Shop/.snapshots/mine" Mine
	assert_failure
	assert_output --partial "permission denied"
	run last_error
	assert_output --partial "in the mount's root"
	run $other "$DDBFS" restore "$MNT/Shop/.snapshots/mine" Theirs
	assert_failure
	# the restored table is the restorer's, not the backed-up table's owner's
	run $T "$DDBFS" restore "$MNT/Shop/.snapshots/mine" Mine
	assert_success
	run $T stat -c %u:%g "$MNT/Mine"
	assert_output "0:0"
	run $T ls "$MNT/Mine"
	assert_output "$(printf 'i1.json\ni2.json')"
	run $other rmdir "$MNT/Shop/.snapshots/mine"
	assert_failure
	assert_output --partial "Permission denied"
	run $owner rmdir "$MNT/Shop/.snapshots/mine"
	assert_success
	# and in .ddbfs/backups/T, which is its table's owner's
	run $owner mkdir "$MNT/Shop/.snapshots/again"
	assert_success
	run $T stat -c %u:%g "$MNT/.ddbfs/backups/Shop"
	assert_output "65534:65534"
	run $owner rmdir "$MNT/.ddbfs/backups/Shop/again"
	assert_success
	run $T jq '.BackupSummaries | length' "$MNT/.ddbfs/backups.json"
	assert_output 0
	run $T ls "$MNT"
	assert_output "$(printf 'Mine\nShop')"
}

@test "a backup root shows its table's attributes, so cp -a of it makes a table of that key schema" {
	new_table Deep "cust:S,order:N"
	$T mkdir "$MNT/Deep/alice"
	echo '{"v":1}' >"$MNT/Deep/alice/7.json"
	$T mkdir "$MNT/Deep/.snapshots/keep"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Deep/.snapshots/keep"
	assert_output "cust:S,order:N"
	run $T getfattr --absolute-names -d "$MNT/Deep/.snapshots/keep"
	assert_output --partial 'user.ddb.key_schema="cust:S,order:N"'
	# partitions keep their owner and mode (without write bits) in a
	# backup, and show them in a point, in listings and lookups alike
	$T chown 65534:65534 "$MNT/Deep/alice"
	$T mkdir "$MNT/Deep/.snapshots/owned"
	run $T stat -c '%u %a' "$MNT/Deep/.snapshots/owned/alice"
	assert_output "65534 555"
	run $T sh -c "ls -ln '$MNT/Deep/.snapshots/owned' | awk '/alice/ {print \$3, \$1}'"
	assert_output "65534 dr-xr-xr-x"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Deep"
	P=$MNT/Deep/.snapshots/$(iso "$(now)")
	run $T stat -c '%u %a' "$P/alice"
	assert_output "65534 555"
	run $T sh -c "ls -ln '$P' | awk '/alice/ {print \$3}'"
	assert_output "65534"
	run $T cp -a "$MNT/Deep/.snapshots/keep" "$MNT/Copy"
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Copy"
	assert_output "cust:S,order:N"
	run $T cat "$MNT/Copy/alice/7.json"
	assert_output '{"cust":"alice","order":7,"v":1}'
}

@test "a backup named as its table, .ddbfs/backups/T and the backup have numbers of their own" {
	put 1
	$T mkdir "$MNT/Shop/.snapshots/Shop"
	a=$(stat -c %i "$MNT/.ddbfs/backups/Shop")
	b=$(stat -c %i "$MNT/Shop/.snapshots/Shop")
	[ "$a" != "$b" ]
	# the listing and stat agree
	run $T ls -i "$MNT/.ddbfs/backups"
	assert_output "$a Shop"
	run $T ls -i "$MNT/Shop/.snapshots"
	assert_output "$b Shop"
	run $T find "$MNT/.ddbfs/backups" -name '*.json'
	assert_success
	assert_output "$MNT/.ddbfs/backups/Shop/Shop/i1.json"
}

@test "a PITR table idle for more than 35 days is deleted, and so is one replaced by a rename; each leaves its SYSTEM backup" {
	$T setfattr -n user.ddb.pitr -v on "$MNT/Shop"
	put 2
	advance 30
	$T rm "$MNT/Shop/i1.json" "$MNT/Shop/i2.json"
	advance $((37 * 86400))
	run $T rmdir "$MNT/Shop"
	assert_success
	run $T jq -c '[.BackupSummaries[] | [.TableName, .BackupType, .ItemCount]]' "$MNT/.ddbfs/backups.json"
	assert_output '[["Shop","SYSTEM",0]]'
	# rename onto an empty PITR table deletes it too
	new_table Live "id:S"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Live"
	echo '{"v":1}' >"$MNT/Live/old.json"
	advance 30
	$T rm "$MNT/Live/old.json"
	new_table Next "id:S"
	echo '{"v":2}' >"$MNT/Next/new.json"
	run $T mv -T "$MNT/Next" "$MNT/Live"
	assert_success
	run $T ls "$MNT/Live"
	assert_output "new.json"
	run $T cat "$MNT/.ddbfs/backups/Live"/deleted-*/old.json
	assert_output '{"id":"old","v":1}'
}
