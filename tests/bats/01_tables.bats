#!/usr/bin/env bats
# SPEC §2, §7: tables as directories, key schemas, .table.json.

load helpers

@test "mkdir creates a table with the default PK:S,SK:S schema" {
	$T mkdir "$MNT/Orders"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Orders"
	assert_success
	assert_output "PK:S,SK:S"
	run $T ls "$MNT"
	assert_output "Orders"
}

@test "key schema can change while the table is empty, ENOTEMPTY after" {
	new_table Music "artist:S,year:N"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Music"
	assert_output "artist:S,year:N"
	$T mkdir "$MNT/Music/Queen"
	echo '{"title":"Innuendo"}' | $T tee "$MNT/Music/Queen/1991.json" >/dev/null
	run $T setfattr -n user.ddb.key_schema -v "id:S" "$MNT/Music"
	assert_failure
	assert_output --partial "Directory not empty"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Music"
	assert_output "artist:S,year:N"
}

@test "a bad key schema is EINVAL and changes nothing" {
	new_table Things
	for bad in "a:X" "a:S,b:S,c:S" "" ":S" "a:S,a:N" "a:BOOL"; do
		run $T setfattr -n user.ddb.key_schema -v "$bad" "$MNT/Things"
		assert_failure
		assert_output --partial "Invalid argument"
	done
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Things"
	assert_output "PK:S,SK:S"
	run last_error
	assert_output --partial '"errno":"EINVAL"'
}

@test "ddbfs create-table sets the key schema" {
	run $T "$DDBFS" create-table "$MNT" Users --pk id:S
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Users"
	assert_output "id:S"
	run $T "$DDBFS" create-table "$MNT" Events --pk device:S --sk ts:N
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Events"
	assert_output "device:S,ts:N"
	run $T "$DDBFS" create-table "$MNT" Bad1 --pk id:Q
	assert_failure
	run $T ls "$MNT"
	refute_output --partial "Bad1"
}

@test "invalid table names are EINVAL" {
	for bad in ab "with space" "x/y" "semi;colon" "$(printf 'a%.0s' $(seq 1 256))" "ünï"; do
		run $T mkdir "$MNT/$bad"
		assert_failure
	done
	run $T mkdir "$MNT/ab"
	assert_output --partial "Invalid argument"
	run $T ls -A "$MNT"
	assert_output ""
	# names are case-sensitive
	$T mkdir "$MNT/abc" "$MNT/ABC"
	run $T ls "$MNT"
	assert_output "$(printf 'ABC\nabc')"
}

@test "rmdir deletes an empty table; rm -r deletes its items, then it" {
	new_table Tmp1
	$T rmdir "$MNT/Tmp1"
	run $T ls "$MNT"
	assert_output ""
	new_table Tmp2
	$T mkdir "$MNT/Tmp2/p"
	echo '{}' | $T tee "$MNT/Tmp2/p/a.json" "$MNT/Tmp2/p/b.json" >/dev/null
	run $T rmdir "$MNT/Tmp2"
	assert_failure
	assert_output --partial "not empty"
	$T rm -r "$MNT/Tmp2"
	run $T ls "$MNT"
	assert_output ""
}

@test ".table.json is DescribeTable's Table with the item count" {
	new_table Orders
	$T mkdir "$MNT/Orders/alice"
	echo '{"total":5}' >"$MNT/Orders/alice/o1.json"
	echo '{"total":7}' >"$MNT/Orders/alice/o2.json"
	run $T jq -r '.TableName, .ItemCount, .TableStatus, .KeySchema[0].KeyType, .KeySchema[1].AttributeName, .BillingModeSummary.BillingMode, .TableClassSummary.TableClass' "$MNT/Orders/.table.json"
	assert_success
	assert_output "$(printf 'Orders\n2\nACTIVE\nHASH\nSK\nPAY_PER_REQUEST\nSTANDARD')"
	run $T bash -c "echo x > '$MNT/Orders/.table.json'"
	assert_failure
}

@test "table settings are xattrs; bad values EINVAL, read-only ENOTSUP, unknown ENODATA/ENOTSUP" {
	new_table Cap
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Cap"
	$T setfattr -n user.ddb.rcu -v 10 "$MNT/Cap"
	$T setfattr -n user.ddb.table_class -v STANDARD_INFREQUENT_ACCESS "$MNT/Cap"
	run $T jq -r '.ProvisionedThroughput.ReadCapacityUnits, .BillingModeSummary.BillingMode, .TableClassSummary.TableClass' "$MNT/Cap/.table.json"
	assert_output "$(printf '10\nPROVISIONED\nSTANDARD_INFREQUENT_ACCESS')"
	run $T setfattr -n user.ddb.rcu -v 0 "$MNT/Cap"
	assert_failure
	assert_output --partial "Invalid argument"
	run $T getfattr --absolute-names --only-values -n user.ddb.rcu "$MNT/Cap"
	assert_output "10"
	run $T setfattr -n user.ddb.item_count -v 5 "$MNT/Cap"
	assert_failure
	assert_output --partial "not supported"
	run $T getfattr --absolute-names -n user.ddb.nonsense "$MNT/Cap"
	assert_failure
	assert_output --partial "No such attribute"
	run $T setfattr -n user.ddb.nonsense -v 1 "$MNT/Cap"
	assert_failure
	assert_output --partial "not supported"
	run $T getfattr --absolute-names -d -m user.ddb "$MNT/Cap"
	assert_output --partial "user.ddb.key_schema"
	refute_output --partial "user.ddb.item_count"
}
