#!/usr/bin/env bats
# Copying tables with their xattrs (SPEC §2, §7): rsync -aX and cp -a copy
# every listed xattr back, the key schema included, and get a table with
# the same key schema and items; read-only names are not listed and may be
# set to their own value.

load helpers

# items_of DIR: every item's path and content, in order.
items_of() {
	(cd "$1" && find . -name '*.json' | LC_ALL=C sort | while read -r f; do
		printf '%s ' "$f"
		cat "$f"
	done)
}

@test "listxattr shows only settable names; computed ones read by name" {
	new_table Orders
	$T mkdir "$MNT/Orders/alice"
	echo '{"n":1}' >"$MNT/Orders/alice/o1.json"
	run $T getfattr --absolute-names -d -m - "$MNT/Orders"
	assert_success
	assert_output --partial 'user.ddb.key_schema="PK:S,SK:S"'
	refute_output --partial "item_count"
	refute_output --partial "size_bytes"
	run $T getfattr --absolute-names --only-values -n user.ddb.item_count "$MNT/Orders"
	assert_output "1"
	run $T getfattr --absolute-names -d -m - "$MNT/Orders/alice/o1.json"
	assert_output ""
}

@test "a read-only xattr set to its own value is a no-op; to another, ENOTSUP" {
	new_table Orders
	$T mkdir "$MNT/Orders/alice"
	echo '{"n":1}' >"$MNT/Orders/alice/o1.json"
	$T setfattr -n user.ddb.item_count -v 1 "$MNT/Orders"
	size=$($T getfattr --absolute-names --only-values -n user.ddb.size_bytes "$MNT/Orders")
	$T setfattr -n user.ddb.size_bytes -v "$size" "$MNT/Orders"
	isize=$($T getfattr --absolute-names --only-values -n user.ddb.size "$MNT/Orders/alice/o1.json")
	$T setfattr -n user.ddb.size -v "$isize" "$MNT/Orders/alice/o1.json"
	run $T setfattr -n user.ddb.item_count -v 2 "$MNT/Orders"
	assert_failure
	assert_output --partial "not supported"
	run $T setfattr -n user.ddb.size -v 1 "$MNT/Orders/alice/o1.json"
	assert_failure
	assert_output --partial "not supported"
	run last_error
	assert_output --partial "read-only"
	run $T getfattr --absolute-names --only-values -n user.ddb.item_count "$MNT/Orders"
	assert_output "1"
}

@test "rsync -aX and cp -a of a default table exit 0 with its settings and items" {
	new_table Orders
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Orders"
	$T mkdir "$MNT/Orders/alice" "$MNT/Orders/bob"
	echo '{"n":1}' >"$MNT/Orders/alice/o1.json"
	echo '{"n":2}' >"$MNT/Orders/bob/o2.json"
	run $T rsync -aX "$MNT/Orders/" "$MNT/Orders3/"
	assert_success
	run $T cp -a "$MNT/Orders" "$MNT/Orders2"
	assert_success
	for t in Orders2 Orders3; do
		run $T getfattr --absolute-names --only-values -n user.ddb.billing_mode "$MNT/$t"
		assert_output "PROVISIONED"
		run diff <(items_of "$MNT/Orders") <(items_of "$MNT/$t")
		assert_success
	done
	# a second run has nothing to change and still exits 0
	run $T rsync -aX "$MNT/Orders/" "$MNT/Orders3/"
	assert_success
}

@test "key attribute names may hold spaces, ':' and (quoted) ','" {
	new_table Orders 'customer id:S,order date:N'
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Orders"
	assert_output 'customer id:S,order date:N'
	$T mkdir "$MNT/Orders/alice"
	echo '{"n":1}' >"$MNT/Orders/alice/5.json"
	run $T cat "$MNT/Orders/alice/5.json"
	assert_output '{"customer id":"alice","order date":5,"n":1}'
	run $T jq -c '.KeySchema' "$MNT/Orders/.table.json"
	assert_output '[{"AttributeName":"customer id","KeyType":"HASH"},{"AttributeName":"order date","KeyType":"RANGE"}]'

	new_table Odd '"a,b":S,"x:y":N'
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Odd"
	assert_output '"a,b":S,x:y:N'
	# its own value, as getfattr shows it, sets back (cp -a, rsync -X)
	$T setfattr -n user.ddb.key_schema -v '"a,b":S,x:y:N' "$MNT/Odd"
	$T mkdir "$MNT/Odd/p"
	echo '{}' >"$MNT/Odd/p/7.json"
	run $T cat "$MNT/Odd/p/7.json"
	assert_output '{"a,b":"p","x:y":7}'

	# a bad one is EINVAL with the reason, and changes nothing
	new_table Bad
	run $T setfattr -n user.ddb.key_schema -v 'PK:S, SK:S' "$MNT/Bad"
	assert_failure
	assert_output --partial "Invalid argument"
	run last_error
	assert_output --partial "starts or ends with whitespace"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Bad"
	assert_output 'PK:S,SK:S'
}

@test "user.ddb.ttl racing with writes of the item never loses a write" {
	new_table Sess 'id:S'
	$T setfattr -n user.ddb.ttl_attribute -v exp "$MNT/Sess"
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Sess"
	echo '{"v":0}' >"$MNT/Sess/s.json"
	run timeout 120 python3 - "$MNT/Sess/s.json" <<'PY'
import os, sys, threading
p = sys.argv[1]
done = False
def setter():
    t = 4102444800
    while not done:
        t += 1
        os.setxattr(p, "user.ddb.ttl", str(t).encode())
th = threading.Thread(target=setter)
th.start()
for v in range(1, 1500):
    with open(p, "w") as f:
        f.write('{"v":%d}' % v)
done = True
th.join()
PY
	assert_success
	# every write shows in the stream, in order: a TTL update made from a
	# stale read would put an older v back
	run $T python3 -c '
import json, sys
last = -1
for line in open(sys.argv[1]):
    v = int(json.loads(line)["dynamodb"]["NewImage"]["v"]["N"])
    if v < last:
        sys.exit("v went back from %d to %d" % (last, v))
    last = v
print(last)
' "$MNT/Sess/.stream"
	assert_success
	assert_output 1499
	run $T jq -c .v "$MNT/Sess/s.json"
	assert_output 1499
}

# orders_table NAME: a table keyed customer:S,date:N with a few items.
orders_table() {
	run $T "$DDBFS" create-table "$MNT" "$1" --pk customer:S --sk date:N
	assert_success
	$T mkdir "$MNT/$1/alice" "$MNT/$1/bob"
	echo '{"amount":5,"note":"first"}' >"$MNT/$1/alice/20260105.json"
	echo '{"amount":7}' >"$MNT/$1/alice/1.5.json"
	echo '{"tags":{"SS":["x","y"]},"m":{"a":[1,null,true]}}' >"$MNT/$1/bob/-3.json"
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/$1"
}

# same_table A B: the same key schema, settings and items.
same_table() {
	run $T getfattr --absolute-names -d -m - "$MNT/$1"
	local want=${output//$MNT\/$1/}
	run $T getfattr --absolute-names -d -m - "$MNT/$2"
	assert_equal "${output//$MNT\/$2/}" "$want"
	run diff -r "$MNT/$1" "$MNT/$2"
	assert_success
	run diff <(cd "$MNT/$1" && cat $(find . -name '*.json' | LC_ALL=C sort)) \
		<(cd "$MNT/$2" && cat $(find . -name '*.json' | LC_ALL=C sort))
	assert_success
	run diff <(items_of "$MNT/$1") <(items_of "$MNT/$2")
	assert_success
}

@test "cp -a of a table with a customer:S,date:N key copies its schema and items" {
	orders_table Orders
	run $T cp -a "$MNT/Orders" "$MNT/Orders2"
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Orders2"
	assert_output "customer:S,date:N"
	same_table Orders Orders2
	run $T cat "$MNT/Orders2/alice/20260105.json"
	assert_output '{"customer":"alice","date":20260105,"amount":5,"note":"first"}'
	run $T jq .ItemCount "$MNT/Orders2/.table.json"
	assert_output 3
	# the copy is a table of its own kind: new items take its key
	echo '{"amount":1}' >"$MNT/Orders2/bob/8.json"
	run $T cat "$MNT/Orders2/bob/8.json"
	assert_output '{"customer":"bob","date":8,"amount":1}'
}

@test "rsync -aX of a customer:S,date:N table and of a hash-only table copies them" {
	orders_table Orders
	run $T rsync -aX "$MNT/Orders/" "$MNT/Orders3/"
	assert_success
	same_table Orders Orders3
	run $T "$DDBFS" create-table "$MNT" Users --pk id:S
	echo '{"name":"Ann"}' >"$MNT/Users/u1.json"
	echo '{"name":"Bo","n":2}' >"$MNT/Users/u2.json"
	run $T rsync -aX "$MNT/Users/" "$MNT/Users3/"
	assert_success
	same_table Users Users3
	# into an existing, empty table too
	$T mkdir "$MNT/Users4"
	run $T rsync -aX "$MNT/Users/" "$MNT/Users4/"
	assert_success
	same_table Users Users4
	# and a second run has nothing to do
	run $T rsync -aXi "$MNT/Orders/" "$MNT/Orders3/"
	assert_success
	assert_output ""
}

@test "setting a key schema the items cannot take is ENOTEMPTY and changes nothing" {
	new_table Orders
	$T mkdir "$MNT/Orders/alice"
	echo '{"customer":"alice","date":5}' >"$MNT/Orders/alice/5.json"
	echo '{"customer":"alice","date":"x","n":1}' >"$MNT/Orders/alice/o2.json"
	before=$(items_of "$MNT/Orders")
	run $T setfattr -n user.ddb.key_schema -v 'customer:S,date:N' "$MNT/Orders"
	assert_failure
	assert_output --partial "not empty"
	run last_error
	assert_output --partial 'alice/o2.json cannot take the new key'
	assert_output --partial 'Type mismatch'
	run $T setfattr -n user.ddb.key_schema -v 'customer:S' "$MNT/Orders"
	assert_failure
	run last_error
	assert_output --partial 'same key'
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Orders"
	assert_output 'PK:S,SK:S'
	assert_equal "$(items_of "$MNT/Orders")" "$before"
	# the one that works re-keys; what the kernel and the daemon knew of
	# the names follows (5.json's key is now the number 5)
	$T rm "$MNT/Orders/alice/o2.json"
	$T setfattr -n user.ddb.key_schema -v 'customer:S,date:N' "$MNT/Orders"
	run $T cat "$MNT/Orders/alice/5.json"
	assert_output '{"customer":"alice","date":5}'
	run $T stat -c %s "$MNT/Orders/alice/5.json"
	assert_output 30
	run $T ls "$MNT/Orders/alice"
	assert_output "5.json"
	echo '{"customer":"alice","date":5,"v":2}' >"$MNT/Orders/alice/5.json"
	run $T cat "$MNT/Orders/alice/5.json"
	assert_output '{"customer":"alice","date":5,"v":2}'
}
