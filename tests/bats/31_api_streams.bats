#!/usr/bin/env bats
# SPEC §8, §14: the DynamoDB Streams API through `ddbfs api` — ListStreams,
# DescribeStream, GetShardIterator and GetRecords on the stream the files
# front turns on, its records the very lines of MNT/T/.stream.

load helpers

setup() {
	mount_ddbfs -o test_clock
	new_table Orders
	$T mkdir "$MNT/Orders/p"
}

# api ACTION JSON: one request; its answer (or ddbfs' error line) on stdout.
api() {
	printf '%s' "$2" | $T "$DDBFS" api "$MNT" "$1" 2>&1
}

stream_arn() {
	$T jq -r .LatestStreamArn "$MNT/$1/.table.json"
}

shard_of() {
	api DescribeStream "{\"StreamArn\":\"$1\"}" | jq -r '.StreamDescription.Shards[0].ShardId'
}

# iterator TABLE TYPE [SEQUENCE_NUMBER]: a shard iterator of TABLE's stream.
iterator() {
	iterator_of "$(stream_arn "$1")" "$2" "${3:-}"
}

# iterator_of STREAM_ARN TYPE [SEQUENCE_NUMBER]
iterator_of() {
	local arn=$1
	api GetShardIterator "$(jq -nc --arg a "$arn" --arg s "$(shard_of "$arn")" --arg t "$2" \
		--arg q "${3:-}" '{StreamArn: $a, ShardId: $s, ShardIteratorType: $t} +
		if $q == "" then {} else {SequenceNumber: $q} end')" | jq -r .ShardIterator
}

# records ITERATOR [LIMIT]: GetRecords' answer.
records() {
	api GetRecords "$(jq -nc --arg i "$1" --argjson l "${2:-1000}" '{ShardIterator: $i, Limit: $l}')"
}

# seq N: the SequenceNumber of Orders' Nth record (from 1) as .stream shows it.
seq_of() {
	$T jq -sr ".[$(($1 - 1))].dynamodb.SequenceNumber" "$MNT/Orders/.stream"
}

@test "ListStreams and DescribeStream show the streams the files front turned on" {
	run api ListStreams '{}'
	assert_output '{"Streams":[]}'
	new_table Audit "id:S"
	new_table Plain
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Orders"
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Audit"
	orders=$(stream_arn Orders)
	audit=$(stream_arn Audit)
	label=$($T jq -r .LatestStreamLabel "$MNT/Orders/.table.json")
	[ "$orders" = "arn:aws:dynamodb:local:000000000000:table/Orders/stream/$label" ]
	run api ListStreams '{}'
	assert_output "$(jq -nc --arg a "$audit" --arg o "$orders" --arg l "$label" \
		--arg al "$($T jq -r .LatestStreamLabel "$MNT/Audit/.table.json")" \
		'{Streams: [{StreamArn: $a, TableName: "Audit", StreamLabel: $al},
		            {StreamArn: $o, TableName: "Orders", StreamLabel: $l}]}')"
	run api ListStreams '{"TableName":"Orders"}'
	assert_output "$(jq -nc --arg o "$orders" --arg l "$label" \
		'{Streams: [{StreamArn: $o, TableName: "Orders", StreamLabel: $l}]}')"
	run api ListStreams '{"TableName":"Plain"}'
	assert_output '{"Streams":[]}'
	run api ListStreams '{"TableName":"Nowhere"}'
	assert_failure
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Table: Nowhere not found"
	# pages: Limit, LastEvaluatedStreamArn, ExclusiveStartStreamArn
	run api ListStreams '{"Limit":1}'
	assert_output "$(jq -nc --arg a "$audit" --arg al "${audit##*/}" \
		'{Streams: [{StreamArn: $a, TableName: "Audit", StreamLabel: $al}], LastEvaluatedStreamArn: $a}')"
	run api ListStreams "{\"Limit\":1,\"ExclusiveStartStreamArn\":\"$audit\"}"
	assert_output "$(jq -nc --arg o "$orders" --arg l "$label" \
		'{Streams: [{StreamArn: $o, TableName: "Orders", StreamLabel: $l}]}')"
	run api ListStreams '{"Limit":0}'
	assert_failure
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
	run api ListStreams '{"Limit":101}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"

	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	run api DescribeStream "{\"StreamArn\":\"$orders\"}"
	assert_success
	echo "$output" | jq -e --arg o "$orders" --arg l "$label" --arg s "$(seq_of 1)" '
		.StreamDescription as $d
		| ($d | del(.CreationRequestDateTime, .Shards)) == {StreamArn: $o, StreamLabel: $l,
			StreamStatus: "ENABLED", StreamViewType: "NEW_AND_OLD_IMAGES", TableName: "Orders",
			KeySchema: [{AttributeName: "PK", KeyType: "HASH"}, {AttributeName: "SK", KeyType: "RANGE"}]}
		and ($d.CreationRequestDateTime | floor | todate) == ($l[0:19] + "Z")
		and ($d.Shards | length) == 1
		and ($d.Shards[0].ShardId | test("^shardId-[0-9]{20}-[0-9a-f]{8}$"))
		and $d.Shards[0].SequenceNumberRange == {StartingSequenceNumber: $s}'
	run api DescribeStream "{\"StreamArn\":\"$audit\"}"
	echo "$output" | jq -e '.StreamDescription | .StreamViewType == "KEYS_ONLY"
		and .KeySchema == [{AttributeName: "id", KeyType: "HASH"}]'
	# paging past the one shard leaves none
	shard=$(shard_of "$orders")
	run api DescribeStream "{\"StreamArn\":\"$orders\",\"ExclusiveStartShardId\":\"$shard\"}"
	echo "$output" | jq -e '.StreamDescription.Shards == []'
	run api DescribeStream "{\"StreamArn\":\"${orders%/*}/2001-01-01T00:00:00.000\"}"
	assert_failure
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Stream: ${orders%/*}/2001-01-01T00:00:00.000 not found"
	plain=arn:aws:dynamodb:local:000000000000:table/Plain/stream/$label
	run api DescribeStream "{\"StreamArn\":\"$plain\"}"
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Stream: $plain not found"
	run api DescribeStream '{}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value null at 'StreamArn' failed to satisfy constraint: Member must not be null"
}

@test "GetRecords from TRIM_HORIZON gives exactly the lines of .stream, page by page" {
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Orders"
	echo '{"c":"red"}' >"$TESTROOT/a.json"
	$T cp "$TESTROOT/a.json" "$MNT/Orders/p/a.json"     # INSERT
	echo '{"c":"blue","n":[1,2]}' >"$MNT/Orders/p/a.json" # MODIFY
	echo '{"b":true}' >"$MNT/Orders/p/b.json"          # INSERT
	$T mv "$MNT/Orders/p/b.json" "$MNT/Orders/p/c.json" # REMOVE + INSERT
	$T rm "$MNT/Orders/p/a.json"                        # REMOVE
	run $T jq -r .eventName "$MNT/Orders/.stream"
	assert_output "$(printf '%s\n' INSERT MODIFY INSERT REMOVE INSERT REMOVE)"
	it=$(iterator Orders TRIM_HORIZON)
	: >"$TESTROOT/got"
	pages=
	for i in 1 2 3 4 5; do
		page=$(records "$it" 4)
		n=$(echo "$page" | jq '.Records | length')
		pages="$pages$n "
		echo "$page" | jq -c '.Records[]' >>"$TESTROOT/got"
		it=$(echo "$page" | jq -r .NextShardIterator)
		[ "$n" -gt 0 ] || break
	done
	[ "$pages" = "4 2 0 " ]
	run diff <($T jq -c . "$MNT/Orders/.stream") "$TESTROOT/got"
	assert_success
	# all of it in one call, the default Limit
	run bash -c "printf '%s' '{\"ShardIterator\":\"$(iterator Orders TRIM_HORIZON)\"}' | $T '$DDBFS' api '$MNT' GetRecords | jq -c '.Records[]'"
	assert_output "$($T jq -c . "$MNT/Orders/.stream")"
	# an iterator read to the end sees what comes next
	echo '{"late":1}' >"$MNT/Orders/p/d.json"
	run bash -c "printf '%s' '{\"ShardIterator\":\"$it\"}' | $T '$DDBFS' api '$MNT' GetRecords | jq -c '.Records[]'"
	assert_output "$($T tail -n 1 "$MNT/Orders/.stream" | jq -c .)"
}

@test "LATEST sees only later writes; AT_ and AFTER_SEQUENCE_NUMBER start at a record" {
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	for i in 1 2 3; do echo "{\"i\":$i}" >"$MNT/Orders/p/k$i.json"; done
	latest=$(iterator Orders LATEST)
	run records "$latest"
	echo "$output" | jq -e '.Records == [] and (.NextShardIterator | type) == "string"'
	echo '{"i":4}' >"$MNT/Orders/p/k4.json"
	run records "$latest"
	echo "$output" | jq -e --argjson want "$($T tail -n 1 "$MNT/Orders/.stream")" '.Records == [$want]'
	run records "$(iterator Orders AT_SEQUENCE_NUMBER "$(seq_of 2)")"
	echo "$output" | jq -e --slurpfile all "$MNT/Orders/.stream" '.Records == $all[1:]'
	run records "$(iterator Orders AFTER_SEQUENCE_NUMBER "$(seq_of 2)")"
	echo "$output" | jq -e --slurpfile all "$MNT/Orders/.stream" '.Records == $all[2:]'
	run records "$(iterator Orders AFTER_SEQUENCE_NUMBER "$(seq_of 4)")"
	echo "$output" | jq -e '.Records == []'
	run records "$(iterator Orders AT_SEQUENCE_NUMBER "$(seq_of 1)")" 1
	echo "$output" | jq -e --slurpfile all "$MNT/Orders/.stream" '.Records == $all[0:1]'

	arn=$(stream_arn Orders)
	shard=$(shard_of "$arn")
	gsi() {
		api GetShardIterator "{\"StreamArn\":\"$arn\",\"ShardId\":\"$shard\"$1}"
	}
	run gsi ',"ShardIteratorType":"AT_SEQUENCE_NUMBER","SequenceNumber":"000000000000000099999"'
	assert_failure
	assert_output "ddbfs api: ValidationException: Invalid SequenceNumber: 000000000000000099999 is no record of this shard"
	run gsi ',"ShardIteratorType":"AT_SEQUENCE_NUMBER","SequenceNumber":"12"'
	assert_output "ddbfs api: ValidationException: Invalid SequenceNumber: 12"
	run gsi ',"ShardIteratorType":"AFTER_SEQUENCE_NUMBER"'
	assert_output "ddbfs api: ValidationException: A SequenceNumber is required for a AFTER_SEQUENCE_NUMBER shard iterator"
	run gsi ',"ShardIteratorType":"SOMEWHERE"'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value 'SOMEWHERE' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
	run gsi ''
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value null at 'ShardIteratorType' failed to satisfy constraint: Member must not be null"
	run api GetShardIterator "{\"StreamArn\":\"$arn\",\"ShardId\":\"shardId-00000000000000000001-00000001\",\"ShardIteratorType\":\"LATEST\"}"
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Shard: shardId-00000000000000000001-00000001 in Stream: $arn not found"
	run api GetShardIterator "{\"StreamArn\":\"${arn/Orders/Nowhere}\",\"ShardId\":\"$shard\",\"ShardIteratorType\":\"LATEST\"}"
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Stream: ${arn/Orders/Nowhere} not found"
}

@test "bad, forged and expired iterators fail with DynamoDB's errors" {
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Orders"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	echo '{"a":2}' >"$MNT/Orders/p/x.json"
	it=$(iterator Orders TRIM_HORIZON)
	run records "nonsense"
	assert_failure
	assert_output "ddbfs api: ValidationException: Invalid ShardIterator"
	# another offset under the same check is no iterator either
	forged=$(echo "$it" | awk -F'|' 'BEGIN { OFS = "|" } { $(NF - 2) = 5; print }')
	[ "$forged" != "$it" ]
	run records "$forged"
	assert_output "ddbfs api: ValidationException: Invalid ShardIterator"
	run records "$it" 0
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
	run records "$it" 1001
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"
	run api GetRecords '{}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value null at 'ShardIterator' failed to satisfy constraint: Member must not be null"
	# 15 minutes
	echo +840 >"$MNT/.ddbfs/clock"
	run records "$it" 1
	assert_success
	next=$(echo "$output" | jq -r .NextShardIterator)
	echo +120 >"$MNT/.ddbfs/clock"
	run records "$it"
	assert_failure
	assert_output "ddbfs api: ExpiredIteratorException: Shard iterator has expired"
	# the next iterator was handed out later: still good, and goes on from there
	run records "$next"
	echo "$output" | jq -e --slurpfile all "$MNT/Orders/.stream" '.Records == $all[1:]'
}

@test "a disabled stream is DISABLED with a closed shard; re-enabling replaces it" {
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	echo '{"a":2}' >"$MNT/Orders/p/y.json"
	old=$(stream_arn Orders)
	latest=$(iterator Orders LATEST)
	$T setfattr -n user.ddb.stream -v OFF "$MNT/Orders"
	echo '{"a":3}' >"$MNT/Orders/p/z.json"  # no stream: no record
	run api ListStreams '{}'
	assert_output "$(jq -nc --arg o "$old" '{Streams: [{StreamArn: $o, TableName: "Orders", StreamLabel: ($o | sub(".*/"; ""))}]}')"
	run api DescribeStream "{\"StreamArn\":\"$old\"}"
	echo "$output" | jq -e --arg s1 "$(seq_of 1)" --arg s2 "$(seq_of 2)" '.StreamDescription
		| .StreamStatus == "DISABLED" and .StreamViewType == "NEW_IMAGE"
		and .Shards[0].SequenceNumberRange == {StartingSequenceNumber: $s1, EndingSequenceNumber: $s2}'
	# read to its end, a closed shard has no next iterator
	run records "$(iterator_of "$old" TRIM_HORIZON)" 1
	echo "$output" | jq -e --slurpfile all "$MNT/Orders/.stream" '.Records == $all[0:1] and has("NextShardIterator")'
	run records "$(iterator_of "$old" TRIM_HORIZON)"
	echo "$output" | jq -e --slurpfile all "$MNT/Orders/.stream" '.Records == $all and (has("NextShardIterator") | not)'
	run records "$latest"
	assert_output '{"Records":[]}'
	# a new stream: a new ARN, only its own records; the old one is gone
	echo +5 >"$MNT/.ddbfs/clock"
	$T setfattr -n user.ddb.stream -v KEYS_ONLY "$MNT/Orders"
	new=$(stream_arn Orders)
	[ "$new" != "$old" ]
	echo '{"a":4}' >"$MNT/Orders/p/w.json"
	run api ListStreams '{}'
	assert_output "$(jq -nc --arg o "$new" '{Streams: [{StreamArn: $o, TableName: "Orders", StreamLabel: ($o | sub(".*/"; ""))}]}')"
	run api DescribeStream "{\"StreamArn\":\"$old\"}"
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Stream: $old not found"
	run records "$latest"
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found: Stream: $old not found"
	run records "$(iterator Orders TRIM_HORIZON)"
	echo "$output" | jq -e --argjson last "$($T tail -n 1 "$MNT/Orders/.stream")" \
		'.Records == [$last] and $last.dynamodb.StreamViewType == "KEYS_ONLY"'
	# a stream disabled before any record is gone at once
	new_table Quiet
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Quiet"
	$T setfattr -n user.ddb.stream -v OFF "$MNT/Quiet"
	run api ListStreams '{"TableName":"Quiet"}'
	assert_output '{"Streams":[]}'
}

@test "a TTL deletion's record names the service; records past 24 hours are trimmed" {
	new_table Sess "id:S"
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Sess"
	$T setfattr -n user.ddb.ttl_attribute -v expiresAt "$MNT/Sess"
	echo '{"v":1}' >"$MNT/Sess/gone.json"
	$T setfattr -n user.ddb.ttl -v +60 "$MNT/Sess/gone.json"
	first=$($T jq -sr '.[0].dynamodb.SequenceNumber' "$MNT/Sess/.stream")
	echo +61 >"$MNT/.ddbfs/clock"
	for i in $(seq 1 50); do
		[ "$(tail -n 1 "$MNT/Sess/.stream" | jq -r .eventName)" = REMOVE ] && break
		sleep 0.1
	done
	run records "$(iterator Sess TRIM_HORIZON)"
	echo "$output" | jq -e --slurpfile all "$MNT/Sess/.stream" '.Records == $all
		and (.Records | map(.eventName)) == ["INSERT", "MODIFY", "REMOVE"]
		and .Records[2].userIdentity == {Type: "Service", PrincipalId: "dynamodb.amazonaws.com"}
		and (.Records[0:2] | map(has("userIdentity"))) == [false, false]'
	# a day later the three are trimmed
	echo +86401 >"$MNT/.ddbfs/clock"
	echo '{"v":2}' >"$MNT/Sess/new.json"
	for i in $(seq 1 50); do
		[ "$($T jq -s length "$MNT/Sess/.stream")" = 1 ] && break
		sleep 0.1
	done
	run $T jq -s length "$MNT/Sess/.stream"
	assert_output 1
	arn=$(stream_arn Sess)
	run api GetShardIterator "{\"StreamArn\":\"$arn\",\"ShardId\":\"$(shard_of "$arn")\",\"ShardIteratorType\":\"AT_SEQUENCE_NUMBER\",\"SequenceNumber\":\"$first\"}"
	assert_failure
	assert_output "ddbfs api: TrimmedDataAccessException: The data you are trying to access has been trimmed: SequenceNumber $first is older than the oldest record kept"
	run records "$(iterator Sess TRIM_HORIZON)"
	echo "$output" | jq -e --slurpfile all "$MNT/Sess/.stream" '.Records == $all and .Records[0].dynamodb.NewImage.v.N == "2"'
	run api DescribeStream "{\"StreamArn\":\"$arn\"}"
	echo "$output" | jq -e --argjson all "$($T jq -s . "$MNT/Sess/.stream")" \
		'.StreamDescription.Shards[0].SequenceNumberRange.StartingSequenceNumber == $all[0].dynamodb.SequenceNumber'
}
