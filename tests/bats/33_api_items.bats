#!/usr/bin/env bats
# SPEC §14: the item actions of DynamoDB's API through the request file
# (`ddbfs api MNT ACTION < body`): PutItem, GetItem, DeleteItem, UpdateItem
# with conditions and ReturnValues, BatchWriteItem, TransactWriteItems and
# TransactGetItems, on the same data the files show.

load helpers

# api ACTION: one request, its body on stdin; the response on stdout.
api() {
	$T "$DDBFS" api "$MNT" "$1"
}

# get PK SK: the item as GetItem answers it, compact.
get() {
	echo "{\"TableName\":\"Orders\",\"Key\":{\"PK\":{\"S\":\"$1\"},\"SK\":{\"S\":\"$2\"}},\"ConsistentRead\":true}" |
		api GetItem | jq -cS .Item
}

setup() {
	mount_ddbfs
	new_table Orders
}

@test "PutItem writes an item the files show at once; GetItem reads it back with its exact types" {
	$T cat "$MNT/Orders" >/dev/null 2>&1 || true
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"n":{"N":"12345678901234567890.123"},"b":{"B":"AAEC"},"ss":{"SS":["a","b"]},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}}}}'
	assert_success
	assert_output '{}'
	# (jq's numbers are doubles: the exact text is compared as text)
	run $T cat "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","n":12345678901234567890.123,"b":{"B":"AAEC"},"ss":{"SS":["a","b"]},"m":{"l":[true,null]}}'
	run api GetItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}}}'
	assert_output '{"Item":{"PK":{"S":"p"},"SK":{"S":"x"},"n":{"N":"12345678901234567890.123"},"b":{"B":"AAEC"},"ss":{"SS":["a","b"]},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}}}}'
	# a file read first, then changed through the API: cat sees the change
	run $T cat "$MNT/Orders/p/x.json"
	api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"v":{"N":"2"}}}'
	run $T cat "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","v":2}'
}

@test "ReturnValues ALL_OLD and ConsumedCapacity as DynamoDB counts them" {
	echo '{"a":1}' >"$MNT/Orders/p/x.json" 2>/dev/null || { $T mkdir "$MNT/Orders/p"; echo '{"a":1}' >"$MNT/Orders/p/x.json"; }
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"N":"2"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}'
	assert_success
	assert_output '{"Attributes":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"N":"1"}},"ConsumedCapacity":{"TableName":"Orders","CapacityUnits":1,"WriteCapacityUnits":1,"Table":{"CapacityUnits":1,"WriteCapacityUnits":1}}}'
	# eventually consistent reads cost half
	run bash -c "echo '{\"TableName\":\"Orders\",\"Key\":{\"PK\":{\"S\":\"p\"},\"SK\":{\"S\":\"x\"}},\"ReturnConsumedCapacity\":\"TOTAL\"}' | $T $DDBFS api $MNT GetItem | jq -c .ConsumedCapacity.CapacityUnits"
	assert_output '0.5'
	run bash -c "echo '{\"TableName\":\"Orders\",\"Key\":{\"PK\":{\"S\":\"p\"},\"SK\":{\"S\":\"x\"}},\"ConsistentRead\":true,\"ReturnConsumedCapacity\":\"TOTAL\"}' | $T $DDBFS api $MNT GetItem | jq -c .ConsumedCapacity.CapacityUnits"
	assert_output '1'
	run api DeleteItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"ReturnValues":"ALL_OLD"}'
	assert_output '{"Attributes":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"N":"2"}}}'
	[ ! -e "$MNT/Orders/p/x.json" ]
	# a missing item: GetItem answers {}, DeleteItem deletes nothing
	run api GetItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}}}'
	assert_output '{}'
	run api DeleteItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"ReturnValues":"ALL_OLD"}'
	assert_output '{}'
}

@test "conditions: attribute_not_exists guards a put; a failed one changes nothing and can return the item" {
	body='{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"v":{"N":"1"}},"ConditionExpression":"attribute_not_exists(PK)"}'
	run api PutItem <<<"$body"
	assert_success
	run api PutItem <<<"$body"
	assert_failure
	assert_output --partial 'ConditionalCheckFailedException: The conditional request failed'
	run bash -c "echo '{\"Action\":\"PutItem\",\"TableName\":\"Orders\",\"Item\":{\"PK\":{\"S\":\"p\"},\"SK\":{\"S\":\"x\"},\"v\":{\"N\":\"9\"}},\"ConditionExpression\":\"v > :v\",\"ExpressionAttributeValues\":{\":v\":{\"N\":\"5\"}},\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}' > $TESTROOT/req.json; exec 3<>$MNT/.ddbfs/api; cat $TESTROOT/req.json >&3; $T cat <&3"
	assert_output '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"v":{"N":"1"}}}'
	run get p x
	assert_output '{"PK":{"S":"p"},"SK":{"S":"x"},"v":{"N":"1"}}'
	# a delete guarded by a value
	run api DeleteItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"ConditionExpression":"v = :two","ExpressionAttributeValues":{":two":{"N":"2"}}}'
	assert_failure
	[ -e "$MNT/Orders/p/x.json" ]
	run api DeleteItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"ConditionExpression":"v = :one","ExpressionAttributeValues":{":one":{"N":"1.0"}}}'
	assert_success
	[ ! -e "$MNT/Orders/p/x.json" ]
}

@test "UpdateItem: SET, REMOVE, ADD, DELETE, nested paths and every ReturnValues" {
	api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"n":{"N":"1"},"tags":{"SS":["a","b"]},"m":{"M":{"l":{"L":[{"N":"1"},{"N":"2"}]}}},"gone":{"S":"x"}}}'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET n = n + :one, m.l[1] = :z, #s = if_not_exists(#s, :new) REMOVE gone ADD cnt :one DELETE tags :a","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":one":{"N":"1"},":z":{"S":"z"},":new":{"S":"NEW"},":a":{"SS":["a"]}},"ReturnValues":"UPDATED_NEW"}'
	assert_success
	run jq -cS . <<<"$output"
	assert_output '{"Attributes":{"cnt":{"N":"1"},"m":{"M":{"l":{"L":[{"S":"z"}]}}},"n":{"N":"2"},"status":{"S":"NEW"},"tags":{"SS":["b"]}}}'
	run get p x
	assert_output '{"PK":{"S":"p"},"SK":{"S":"x"},"cnt":{"N":"1"},"m":{"M":{"l":{"L":[{"N":"1"},{"S":"z"}]}}},"n":{"N":"2"},"status":{"S":"NEW"},"tags":{"SS":["b"]}}'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET n = :five","ExpressionAttributeValues":{":five":{"N":"5"}},"ReturnValues":"UPDATED_OLD"}'
	assert_output '{"Attributes":{"n":{"N":"2"}}}'
	run bash -c "echo '{\"TableName\":\"Orders\",\"Key\":{\"PK\":{\"S\":\"p\"},\"SK\":{\"S\":\"x\"}},\"UpdateExpression\":\"REMOVE cnt\",\"ReturnValues\":\"ALL_NEW\"}' | $T $DDBFS api $MNT UpdateItem | jq -cS '.Attributes | keys'"
	assert_output '["PK","SK","m","n","status","tags"]'
	# an update of a missing item makes it, with its key
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"q"},"SK":{"S":"y"}},"UpdateExpression":"SET a = :v","ExpressionAttributeValues":{":v":{"S":"new"}},"ReturnValues":"ALL_NEW"}'
	assert_output '{"Attributes":{"PK":{"S":"q"},"SK":{"S":"y"},"a":{"S":"new"}}}'
	run $T cat "$MNT/Orders/q/y.json"
	assert_output '{"PK":"q","SK":"y","a":"new"}'
}

@test "UpdateItem refuses what DynamoDB refuses, and changes nothing" {
	api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"s":{"S":"text"}}}'
	before=$(get p x)
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET PK = :v","ExpressionAttributeValues":{":v":{"S":"q"}}}'
	assert_failure
	assert_output --partial 'ValidationException: One or more parameter values were invalid: Cannot update attribute PK. This attribute is part of the key'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET s = s + :v","ExpressionAttributeValues":{":v":{"N":"1"}}}'
	assert_failure
	assert_output --partial 'ValidationException: An operand in the update expression has an incorrect data type'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET status = :v","ExpressionAttributeValues":{":v":{"N":"1"}}}'
	assert_failure
	assert_output --partial 'ValidationException: Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET a = :v","ExpressionAttributeValues":{":v":{"N":"1"},":w":{"N":"2"}}}'
	assert_failure
	assert_output --partial 'ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET a = :nope"}'
	assert_failure
	assert_output --partial 'An expression attribute value used in expression is not defined; attribute value: :nope'
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET a = :v","ExpressionAttributeValues":{":v":{"N":"1"}},"ReturnValues":"EVERYTHING"}'
	assert_failure
	assert_output --partial "ValidationException: 1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy constraint"
	# an empty set, said once
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"SS":[]}}}'
	assert_failure
	assert_output --partial 'ValidationException: One or more parameter values were invalid: attribute "a": An string set  may not be empty'
	refute_output --partial 'invalid: One or more'
	run get p x
	assert_output "$before"
}

@test "bad requests: wrong keys, missing tables, legacy parameters, read-only mounts" {
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"}}}'
	assert_failure
	assert_output --partial 'ValidationException: One or more parameter values were invalid: Missing the key SK in the item'
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"N":"1"},"SK":{"S":"x"}}}'
	assert_output --partial 'ValidationException: One or more parameter values were invalid: Type mismatch for key PK expected: S actual: N'
	run api GetItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"}}}'
	assert_output --partial 'ValidationException: The provided key element does not match the schema'
	run api GetItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"},"extra":{"S":"y"}}}'
	assert_output --partial 'ValidationException: The provided key element does not match the schema'
	run api GetItem <<<'{"TableName":"Nope","Key":{"PK":{"S":"p"},"SK":{"S":"x"}}}'
	assert_output --partial 'ResourceNotFoundException: Requested resource not found'
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"}},"Expected":{"PK":{"Exists":false}}}'
	assert_output --partial 'ValidationException: Expected is a legacy parameter'
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"s":{"SS":["a","a"]}}}'
	assert_failure
	assert_output --partial 'ValidationException: One or more parameter values were invalid'
	big=$(head -c 300000 /dev/zero | tr '\0' a)
	printf '{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"S":"%s"},"b":{"S":"%s"}}}' "$big" "$big" >"$TESTROOT/big.json"
	run api PutItem <"$TESTROOT/big.json"
	assert_failure
	assert_output --partial 'ValidationException: Item size has exceeded the maximum allowed size'
	[ ! -e "$MNT/Orders/p" ]
	unmount_ddbfs
	mount_ddbfs -o ro
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"}}}'
	assert_failure
	assert_output --partial 'read-only'
}

@test "API writes carry stream records and are metered like file writes" {
	$T setfattr -n user.ddb.stream -v NEW_AND_OLD_IMAGES "$MNT/Orders"
	api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"N":"1"}}}'
	api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"UpdateExpression":"SET a = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}'
	api DeleteItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}}}'
	run $T jq -c '[.eventName, .dynamodb.OldImage.a.N, .dynamodb.NewImage.a.N]' "$MNT/Orders/.stream"
	assert_output $'["INSERT",null,"1"]\n["MODIFY","1","2"]\n["REMOVE","2",null]'
}

@test "BatchWriteItem: puts and deletes; 25 at most; duplicates refused before anything is written" {
	items=$(for i in $(seq 1 25); do printf '%s{"PutRequest":{"Item":{"PK":{"S":"b"},"SK":{"S":"%02d"}}}}' "$([ $i = 1 ] || echo ,)" $i; done)
	run api BatchWriteItem <<<"{\"RequestItems\":{\"Orders\":[$items]}}"
	assert_success
	assert_output '{"UnprocessedItems":{}}'
	run bash -c "ls $MNT/Orders/b | wc -l"
	assert_output 25
	run api BatchWriteItem <<<"{\"RequestItems\":{\"Orders\":[$items,{\"DeleteRequest\":{\"Key\":{\"PK\":{\"S\":\"b\"},\"SK\":{\"S\":\"99\"}}}}]}}"
	assert_failure
	assert_output --partial 'ValidationException: Too many items requested for the BatchWriteItem call'
	run api BatchWriteItem <<<'{"RequestItems":{"Orders":[{"PutRequest":{"Item":{"PK":{"S":"c"},"SK":{"S":"1"}}}},{"DeleteRequest":{"Key":{"PK":{"S":"c"},"SK":{"S":"1"}}}}]}}'
	assert_failure
	assert_output --partial 'ValidationException: Provided list of item keys contains duplicates'
	[ ! -e "$MNT/Orders/c" ]
	run api BatchWriteItem <<<'{"RequestItems":{"Orders":[{"DeleteRequest":{"Key":{"PK":{"S":"b"},"SK":{"S":"01"}}}},{"PutRequest":{"Item":{"PK":{"S":"c"},"SK":{"S":"1"}}}}]},"ReturnConsumedCapacity":"TOTAL"}'
	assert_output '{"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"Orders","CapacityUnits":2,"WriteCapacityUnits":2,"Table":{"CapacityUnits":2,"WriteCapacityUnits":2}}]}'
	[ ! -e "$MNT/Orders/b/01.json" ]
	[ -e "$MNT/Orders/c/1.json" ]
}

@test "TransactWriteItems: all or nothing, every reason told, double units, one answer per token" {
	new_table Stock
	api PutItem <<<'{"TableName":"Stock","Item":{"PK":{"S":"widget"},"SK":{"S":"-"},"qty":{"N":"1"}}}'
	order='{"Put":{"TableName":"Orders","Item":{"PK":{"S":"o1"},"SK":{"S":"-"},"what":{"S":"widget"}},"ConditionExpression":"attribute_not_exists(PK)"}}'
	take='{"Update":{"TableName":"Stock","Key":{"PK":{"S":"widget"},"SK":{"S":"-"}},"UpdateExpression":"SET qty = qty - :one","ConditionExpression":"qty >= :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}'
	run api TransactWriteItems <<<"{\"TransactItems\":[$order,$take],\"ReturnConsumedCapacity\":\"TOTAL\",\"ClientRequestToken\":\"t-1\"}"
	assert_success
	assert_output '{"ConsumedCapacity":[{"TableName":"Orders","CapacityUnits":2,"WriteCapacityUnits":2,"Table":{"CapacityUnits":2,"WriteCapacityUnits":2}},{"TableName":"Stock","CapacityUnits":2,"WriteCapacityUnits":2,"Table":{"CapacityUnits":2,"WriteCapacityUnits":2}}]}'
	run $T cat "$MNT/Stock/widget/-.json"
	assert_output '{"PK":"widget","SK":"-","qty":0}'
	# the same token and request: the same answer, nothing done twice
	run api TransactWriteItems <<<"{\"TransactItems\":[$order,$take],\"ReturnConsumedCapacity\":\"TOTAL\",\"ClientRequestToken\":\"t-1\"}"
	assert_success
	run $T cat "$MNT/Stock/widget/-.json"
	assert_output '{"PK":"widget","SK":"-","qty":0}'
	# the same token, another request
	run api TransactWriteItems <<<"{\"TransactItems\":[$take],\"ClientRequestToken\":\"t-1\"}"
	assert_failure
	assert_output --partial 'IdempotentParameterMismatchException'
	# out of stock: the order is not written either
	order2=${order//o1/o2}
	run bash -c "echo '{\"Action\":\"TransactWriteItems\",\"TransactItems\":[$order2,$take]}' >$TESTROOT/t.json; exec 3<>$MNT/.ddbfs/api; cat $TESTROOT/t.json >&3; $T cat <&3"
	assert_output '{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}'
	[ ! -e "$MNT/Orders/o2" ]
	# one item twice, more than 100 actions: refused
	run api TransactWriteItems <<<"{\"TransactItems\":[$take,$take]}"
	assert_output --partial 'ValidationException: Transaction request cannot include multiple operations on one item'
	many=$(for i in $(seq 1 101); do printf '%s{"ConditionCheck":{"TableName":"Orders","Key":{"PK":{"S":"k%d"},"SK":{"S":"-"}},"ConditionExpression":"attribute_not_exists(PK)"}}' "$([ $i = 1 ] || echo ,)" $i; done)
	run api TransactWriteItems <<<"{\"TransactItems\":[$many]}"
	assert_output --partial 'Member must have length less than or equal to 100'
	# TransactGetItems reads both in one state
	run api TransactGetItems <<<'{"TransactItems":[{"Get":{"TableName":"Orders","Key":{"PK":{"S":"o1"},"SK":{"S":"-"}},"ProjectionExpression":"what"}},{"Get":{"TableName":"Stock","Key":{"PK":{"S":"nothing"},"SK":{"S":"-"}}}}]}'
	assert_output '{"Responses":[{"Item":{"what":{"S":"widget"}}},{}]}'
}

@test "ddbfs api without MNT finds the mount the current directory is in" {
	$T mkdir -p "$MNT/Orders/deep"
	run bash -c "cd '$MNT/Orders/deep' && echo '{\"TableName\":\"Orders\",\"Item\":{\"PK\":{\"S\":\"here\"},\"SK\":{\"S\":\"1\"}}}' | $T '$DDBFS' api PutItem"
	assert_success
	assert_output '{}'
	[ -e "$MNT/Orders/here/1.json" ]
	run bash -c "cd /tmp && $T '$DDBFS' api GetItem </dev/null"
	assert_failure
	assert_output 'ddbfs api: . is not in a mounted ddbfs'
	run $T "$DDBFS" api "$MNT" --nope
	assert_failure
	assert_output --partial 'usage: ddbfs api [MNT] ACTION'
}

@test "what review found: refusals before anything is written" {
	api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"N":"1"}}}'
	# UPDATED_* without an UpdateExpression: nothing updated, nothing returned
	run api UpdateItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}},"ReturnValues":"UPDATED_NEW"}'
	assert_success
	assert_output '{}'
	# a bad ReturnConsumedCapacity writes nothing
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"q"},"SK":{"S":"x"}},"ReturnConsumedCapacity":"BOGUS"}'
	assert_failure
	assert_output --partial "Value 'BOGUS' at 'returnConsumedCapacity'"
	[ ! -e "$MNT/Orders/q" ]
	# a batch with a malformed request, a too-large item or a condition: nothing written
	run api BatchWriteItem <<<'{"RequestItems":{"Orders":[{"PutRequest":{"Item":{"PK":{"S":"b"},"SK":{"S":"1"}}}},{}]}}'
	assert_failure
	assert_output --partial 'ValidationException: A WriteRequest of table Orders must hold exactly one of PutRequest and DeleteRequest'
	big=$(head -c 410000 /dev/zero | tr '\0' a)
	printf '{"RequestItems":{"Orders":[{"PutRequest":{"Item":{"PK":{"S":"b"},"SK":{"S":"1"}}}},{"PutRequest":{"Item":{"PK":{"S":"b"},"SK":{"S":"2"},"a":{"S":"%s"}}}}]}}' "$big" >"$TESTROOT/big.json"
	run api BatchWriteItem <"$TESTROOT/big.json"
	assert_failure
	assert_output --partial 'ValidationException: Item size has exceeded the maximum allowed size'
	run api BatchWriteItem <<<'{"RequestItems":{"Orders":[{"PutRequest":{"Item":{"PK":{"S":"b"},"SK":{"S":"1"}},"ConditionExpression":"attribute_not_exists(PK)"}}]}}'
	assert_failure
	assert_output --partial 'ValidationException: BatchWriteItem takes no ConditionExpression'
	[ ! -e "$MNT/Orders/b" ]
	# one item twice in TransactGetItems; an empty key value
	run api TransactGetItems <<<'{"TransactItems":[{"Get":{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}}}},{"Get":{"TableName":"Orders","Key":{"PK":{"S":"p"},"SK":{"S":"x"}}}}]}'
	assert_failure
	assert_output --partial 'Transaction request cannot include multiple operations on one item'
	run api GetItem <<<'{"TableName":"Orders","Key":{"PK":{"S":""},"SK":{"S":"x"}}}'
	assert_failure
	assert_output --partial 'The AttributeValue for a key attribute cannot contain an empty string value. Key: PK'
	# a token's parameters include ReturnConsumedCapacity
	t='{"TransactItems":[{"Put":{"TableName":"Orders","Item":{"PK":{"S":"t"},"SK":{"S":"1"}}}}],"ClientRequestToken":"same"'
	run api TransactWriteItems <<<"$t,\"ReturnConsumedCapacity\":\"TOTAL\"}"
	assert_success
	run api TransactWriteItems <<<"$t}"
	assert_failure
	assert_output --partial 'IdempotentParameterMismatchException'
}

@test "a string holding U+0000 is refused whole, never cut short; table names are checked first" {
	api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"alice"},"SK":{"S":"1"},"balance":{"N":"100"}}}'
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"alice\u0000evil"},"SK":{"S":"1"},"note":{"S":"x"}}}'
	assert_failure
	assert_output 'ddbfs api: ValidationException: One or more parameter values were invalid: a string holds U+0000 (\u0000), which no string in ddbfs may hold'
	run api DeleteItem <<<'{"TableName":"Orders","Key":{"PK":{"S":"alice\u0000x"},"SK":{"S":"1"}}}'
	assert_failure
	run $T cat "$MNT/Orders/alice/1.json"
	assert_output '{"PK":"alice","SK":"1","balance":100}'
	# an escaped backslash before u0000 is text, not U+0000
	run api PutItem <<<'{"TableName":"Orders","Item":{"PK":{"S":"bob"},"SK":{"S":"1"},"t":{"S":"\\u0000"}}}'
	assert_success
	run $T cat "$MNT/Orders/bob/1.json"
	assert_output '{"PK":"bob","SK":"1","t":"\\u0000"}'
	run api GetItem <<<'{"TableName":"x","Key":{"PK":{"S":"a"},"SK":{"S":"1"}}}'
	assert_failure
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value 'x' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
}
