#!/usr/bin/env bats
# SPEC §17, `ddbfs check DATA_DIR`: the verifier. A database a real mount
# wrote through files and .ddbfs/api checks healthy; a DATA_DIR a mount or
# a serve holds is refused naming its pid unless --force; a kill -9'd daemon's
# DATA_DIR checks healthy without being reopened; damage made with
# lmdb-utils is found; a check changes no byte and no time of DATA_DIR;
# bad usage says so and makes nothing.

load helpers

# A bit of everything through the files and the api file: partitions,
# renames, sed -i, deletes, long names, TTL (one item swept), streams,
# PITR, a transaction, a backup and a restore, a table renamed, a table
# deleted.
workload() {
	local L S now
	new_table Orders
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Orders"
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Orders"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Orders"
	$T mkdir "$MNT/Orders/alice" "$MNT/Orders/bob"
	for i in 1 2 3 4 5; do echo "{\"n\":$i}" >"$MNT/Orders/alice/o$i.json"; done
	now=$(date +%s)
	echo "{\"n\":9,\"exp\":$((now + 86400))}" >"$MNT/Orders/bob/b1.json"
	echo "{\"n\":8,\"exp\":$((now - 10))}" >"$MNT/Orders/bob/b2.json"
	$T mv "$MNT/Orders/alice/o1.json" "$MNT/Orders/bob/o1.json"
	$T rm "$MNT/Orders/alice/o2.json"
	$T sed -i 's/"n":3/"n":33/' "$MNT/Orders/alice/o3.json"
	L=$(printf 'L%.0s' $(seq 300))
	S=$(printf 's%.0s' $(seq 300))
	$T "$DDBFS" api "$MNT" PutItem >/dev/null <<<"{\"TableName\":\"Orders\",\"Item\":{\"PK\":{\"S\":\"$L\"},\"SK\":{\"S\":\"$S\"},\"v\":{\"N\":\"1\"}}}"
	$T "$DDBFS" api "$MNT" TransactWriteItems >/dev/null <<<'{"TransactItems":[{"Put":{"TableName":"Orders","Item":{"PK":{"S":"carol"},"SK":{"S":"t1"}}}},{"Delete":{"TableName":"Orders","Key":{"PK":{"S":"alice"},"SK":{"S":"o4"}}}}]}'
	new_table Flat "id:S"
	for i in 1 2 3; do echo "{\"v\":$i}" >"$MNT/Flat/f$i.json"; done
	$T "$DDBFS" api "$MNT" PutItem >/dev/null <<<"{\"TableName\":\"Flat\",\"Item\":{\"id\":{\"S\":\"$L$L\"}}}"
	$T "$DDBFS" api "$MNT" DeleteItem >/dev/null <<<'{"TableName":"Flat","Key":{"id":{"S":"f2"}}}'
	$T mkdir "$MNT/Orders/.snapshots/bk1"
	$T "$DDBFS" restore "$MNT/Orders/.snapshots/bk1" Copy
	$T mv "$MNT/Flat" "$MNT/Flat2"
	new_table Gone
	echo '{"a":1}' >"$MNT/Gone/x.json"
	$T rm "$MNT/Gone/x.json"
	$T rmdir "$MNT/Gone"
	$T "$DDBFS" api "$MNT" CreateBackup >/dev/null <<<'{"TableName":"Flat2","BackupName":"flatbk"}'
}

# http ACTION BODY: one request to ddbfs serve on $PORT, which must answer 200.
http() {
	curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/" \
		-H "X-Amz-Target: DynamoDB_20120810.$1" -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Date: 20261127T000000Z' -H "Authorization: $SIGV4" -d "$2" | grep -qx 200
}

# The names, sizes, times and contents of DATA_DIR's files.
dir_state() {
	(cd "$DATA" && find . -type f -printf '%p %s %T@ %C@\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

@test "a database a mount wrote through files and .ddbfs/api checks healthy" {
	workload
	# the sweep of the expired item (the maintenance thread, every second):
	# Orders holds o3 o5 b1 o1 t1 and the long one then
	timeout 10 sh -c "until [ \"\$(getfattr --absolute-names --only-values -n user.ddb.item_count '$MNT/Orders')\" = 6 ]; do sleep 0.1; done"
	unmount_ddbfs
	run $T "$DDBFS" check "$DATA"
	assert_success
	assert_output --regexp ": 3 tables, 2 backups, [0-9]+ items, [0-9]+ partitions, [1-9][0-9]* long names, 1 expiry index rows, [1-9][0-9]* change records, [1-9][0-9]* stream records: healthy$"
	run $T "$DDBFS" check --quiet "$DATA"
	assert_success
	assert_output ""
}

@test "a mounted DATA_DIR is refused naming the daemon's pid; --force checks it" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	pid=$(daemon_pid)
	run $T "$DDBFS" check "$DATA"
	assert_equal "$status" 2
	assert_output --partial "is in use by pid $pid, mounted on $MNT"
	assert_output --partial "unmount it first"
	assert_output --partial "--force"
	run $T "$DDBFS" check --force "$DATA"
	assert_success
	assert_output --partial "checking it in use (--force)"
	assert_output --partial ": 1 tables, 0 backups, 1 items, 1 partitions"
	assert_output --partial "healthy"
	# --quiet says nothing of a healthy database, in use or not
	run $T "$DDBFS" check --force --quiet "$DATA"
	assert_success
	assert_output ""
	# the mount carries on
	echo '{"a":2}' >"$MNT/Orders/p/y.json"
	run $T cat "$MNT/Orders/p/y.json"
	assert_output '{"PK":"p","SK":"y","a":2}'
}

@test "a check right after fusermount3 -u waits for the daemon to let go" {
	# fusermount3 returns before the daemon has closed the database: the
	# check README shows after an unmount was refused as in use
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	for i in 1 2 3 4 5; do
		echo "{\"a\":$i}" >"$MNT/Orders/p/x$i.json"
		$T fusermount3 -u "$MNT"
		run $T "$DDBFS" check "$DATA"
		assert_success
		assert_output --partial ": 1 tables, 0 backups, $i items, 1 partitions"
		mount_ddbfs
	done
}

@test "a DATA_DIR ddbfs serve holds is refused naming its pid; --force checks it" {
	unmount_ddbfs
	PORT=$(free_port)
	start_serve
	http CreateTable '{"TableName":"Users","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}'
	http PutItem '{"TableName":"Users","Item":{"id":{"S":"u1"}}}'
	run $T "$DDBFS" check "$DATA"
	assert_equal "$status" 2
	assert_output --partial "is in use by pid $SPID: unmount it first"
	run $T "$DDBFS" check --force "$DATA"
	assert_success
	assert_output --partial ": 1 tables, 0 backups, 1 items"
}

@test "the DATA_DIR of a daemon killed with kill -9 checks healthy before any reopen" {
	workload &
	wl=$!
	sleep 0.5
	kill -9 "$(daemon_pid)"
	wait "$wl" || true
	timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	run $T "$DDBFS" check "$DATA"
	assert_success
	assert_output --partial "healthy"
	run $T "$DDBFS" check "$DATA"
	assert_success
}

@test "damage made with lmdb-utils is found" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	for i in 1 2 3; do echo "{\"a\":$i}" >"$MNT/Orders/p/x$i.json"; done
	unmount_ddbfs
	# the table's item count, one more than it holds (catalog.c: count u64 first)
	mdb_dump -s tstats "$DATA" >"$TESTROOT/tstats"
	python3 - "$TESTROOT/tstats" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
i = lines.index("HEADER=END") + 2  # a key line, then its value line
v = bytes.fromhex(lines[i].strip())
n = int.from_bytes(v[:8], "big") + 1
lines[i] = " " + (n.to_bytes(8, "big") + v[8:]).hex()
open(sys.argv[1], "w").write("\n".join(lines))
PY
	mdb_load -s tstats -f "$TESTROOT/tstats" "$DATA"
	# and an item row cut short
	mdb_dump -s items "$DATA" >"$TESTROOT/items"
	python3 - "$TESTROOT/items" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
i = lines.index("HEADER=END") + 2
lines[i] = lines[i][:41]
open(sys.argv[1], "w").write("\n".join(lines))
PY
	mdb_load -s items -f "$TESTROOT/items" "$DATA"
	run $T "$DDBFS" check "$DATA"
	assert_equal "$status" 1
	assert_output --partial "table Orders: item row"
	assert_output --partial "is corrupt"
	assert_output --partial "table Orders: its statistics say 4 items"
	assert_output --regexp ": [0-9]+ problems$"
	run $T "$DDBFS" check --quiet "$DATA"
	assert_equal "$status" 1
	assert_output --partial "is corrupt"
}

@test "a check changes no byte and no time of DATA_DIR's files" {
	workload
	unmount_ddbfs
	before=$(dir_state)
	sleep 0.05
	run $T "$DDBFS" check "$DATA"
	assert_success
	assert_equal "$(dir_state)" "$before"
}

@test "bad usage and a missing or foreign DATA_DIR: exit 2, a clear message, nothing made" {
	run $T "$DDBFS" check
	assert_equal "$status" 2
	assert_output --partial "usage: ddbfs check DATA_DIR"
	run $T "$DDBFS" check --frobnicate "$DATA"
	assert_equal "$status" 2
	assert_output --partial "unknown flag --frobnicate"
	run $T "$DDBFS" check "$DATA" "$MNT"
	assert_equal "$status" 2
	assert_output --partial "unexpected argument"
	run $T "$DDBFS" check "$TESTROOT/nothing"
	assert_equal "$status" 2
	assert_output --partial "$TESTROOT/nothing: No such file or directory"
	[ ! -e "$TESTROOT/nothing" ]
	mkdir "$TESTROOT/empty"
	run $T "$DDBFS" check "$TESTROOT/empty"
	assert_equal "$status" 2
	assert_output --partial "is not a ddbfs DATA_DIR"
	[ -z "$(ls -A "$TESTROOT/empty")" ]
	# a data.mdb of no bytes is no database: check and mount both say so,
	# and the mount starts no empty database over it
	mkdir "$TESTROOT/zero" "$TESTROOT/zmnt"
	: >"$TESTROOT/zero/data.mdb"
	run $T "$DDBFS" check "$TESTROOT/zero"
	assert_equal "$status" 2
	assert_output --partial "data.mdb is empty (0 bytes): not a database"
	run $T "$DDBFS" "$TESTROOT/zero" "$TESTROOT/zmnt"
	assert_failure
	assert_output --partial "data.mdb is empty (0 bytes): not a database"
	[ ! -s "$TESTROOT/zero/data.mdb" ]
	! mountpoint -q "$TESTROOT/zmnt"
	run $T "$DDBFS" check --help
	assert_success
	assert_output --partial "0 healthy, 1 problems found, 2 could not check"
}
