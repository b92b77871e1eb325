#!/usr/bin/env bats
# SPEC §9, §16: TTL with the test clock — expired items vanish at once and
# the sweeper deletes them with a service REMOVE.

load helpers

setup() {
	mount_ddbfs -o test_clock
	new_table Sess "id:S"
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Sess"
	$T setfattr -n user.ddb.ttl_attribute -v expiresAt "$MNT/Sess"
}

@test "user.ddb.ttl sets the TTL attribute (one MODIFY) and reads it back" {
	echo '{"v":1}' >"$MNT/Sess/a.json"
	now=$(cut -d' ' -f2 <"$MNT/.ddbfs/clock")
	$T setfattr -n user.ddb.ttl -v +60 "$MNT/Sess/a.json"
	run $T getfattr --absolute-names --only-values -n user.ddb.ttl "$MNT/Sess/a.json"
	[ "$output" -ge $((now + 60)) ] && [ "$output" -le $((now + 62)) ]
	run $T jq -r .expiresAt "$MNT/Sess/a.json"
	[ "$output" -ge $((now + 60)) ]
	run $T jq -r .eventName "$MNT/Sess/.stream"
	assert_output "$(printf 'INSERT\nMODIFY')"
	$T setfattr -n user.ddb.ttl -v 4102444800 "$MNT/Sess/a.json"
	run $T jq -r .expiresAt "$MNT/Sess/a.json"
	assert_output 4102444800
	run $T setfattr -n user.ddb.ttl -v soon "$MNT/Sess/a.json"
	assert_failure
	run $T getfattr --absolute-names -n user.ddb.ttl "$MNT/Sess/b.json"
	assert_failure
	echo '{}' >"$MNT/Sess/b.json"
	run $T getfattr --absolute-names -n user.ddb.ttl "$MNT/Sess/b.json"
	assert_failure
	assert_output --partial "No such attribute"
}

@test "past its expiry an item vanishes at once and the sweeper removes it as the service" {
	echo '{"v":1}' >"$MNT/Sess/gone.json"
	echo '{"v":2}' >"$MNT/Sess/stays.json"
	$T setfattr -n user.ddb.ttl -v +60 "$MNT/Sess/gone.json"
	run $T ls "$MNT/Sess"
	assert_output "$(printf 'gone.json\nstays.json')"
	echo +61 >"$MNT/.ddbfs/clock"
	run $T ls "$MNT/Sess"
	assert_output "stays.json"
	run $T cat "$MNT/Sess/gone.json"
	assert_failure
	for i in $(seq 1 50); do
		[ "$(tail -n 1 "$MNT/Sess/.stream" | jq -r .eventName)" = REMOVE ] && break
		sleep 0.1
	done
	run $T bash -c "tail -n 1 '$MNT/Sess/.stream' | jq -c '[.eventName, .dynamodb.Keys.id.S, .userIdentity]'"
	assert_output '["REMOVE","gone",{"Type":"Service","PrincipalId":"dynamodb.amazonaws.com"}]'
	run $T jq .ItemCount "$MNT/Sess/.table.json"
	assert_output 1
}

@test "strings, missing attributes and values over 5 years old never expire" {
	now=$(cut -d' ' -f2 <"$MNT/.ddbfs/clock")
	echo "{\"expiresAt\":\"$((now - 10))\"}" >"$MNT/Sess/str.json"
	echo '{"other":1}' >"$MNT/Sess/none.json"
	echo "{\"expiresAt\":$((now - 6 * 365 * 86400))}" >"$MNT/Sess/ancient.json"
	echo "{\"expiresAt\":$((now + 30))}" >"$MNT/Sess/soon.json"
	echo +3600 >"$MNT/.ddbfs/clock"
	sleep 2
	run $T ls "$MNT/Sess"
	assert_output "$(printf 'ancient.json\nnone.json\nstr.json')"
	run $T bash -c "jq -r 'select(.eventName == \"REMOVE\") | .dynamodb.Keys.id.S' '$MNT/Sess/.stream'"
	assert_output "soon"
}

@test "writing a new item over an expired one is a service REMOVE then an INSERT" {
	now=$(cut -d' ' -f2 <"$MNT/.ddbfs/clock")
	echo "{\"expiresAt\":$((now + 10))}" >"$MNT/Sess/x.json"
	echo +20 >"$MNT/.ddbfs/clock"
	echo '{"fresh":true}' >"$MNT/Sess/x.json"
	run $T cat "$MNT/Sess/x.json"
	assert_output '{"id":"x","fresh":true}'
	run $T bash -c "jq -c '[.eventName, (.userIdentity.Type // \"user\")]' '$MNT/Sess/.stream'"
	assert_output "$(printf '%s\n' '["INSERT","user"]' '["REMOVE","Service"]' '["INSERT","user"]')"
}
