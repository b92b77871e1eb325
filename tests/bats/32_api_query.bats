#!/usr/bin/env bats
# SPEC §14: Query, Scan and BatchGetItem through `ddbfs api` on items
# written as files — key conditions, descending order, Limit and pages to
# the end, the 1 MB page, filters, projections, Select, parallel scan
# segments, capacity as DynamoDB computes it, throttling, BatchGetItem's
# limits and UnprocessedKeys, and DynamoDB's exact errors, which change
# nothing.

load helpers

# api ACTION JSON: one request; prints the response (or the error).
api() {
	$T "$DDBFS" api "$MNT" "$1" <<<"$2"
}

# api_raw ACTION JSON: the response exactly as .ddbfs/api gives it.
api_raw() {
	$T python3 -c '
import os, sys, json
fd = os.open(sys.argv[1], os.O_RDWR)
req = json.loads(sys.argv[3]); req["Action"] = sys.argv[2]
os.write(fd, json.dumps(req).encode())
out = b""
while True:
    b = os.pread(fd, 1 << 20, len(out))
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
' "$MNT/.ddbfs/api" "$1" "$2"
}

# pages ACTION JSON: every page, following LastEvaluatedKey to the end;
# prints {"items":[...all...],"counts":[per page],"keys":N} where keys
# counts the pages that had a LastEvaluatedKey.
pages() {
	$T python3 -c '
import json, subprocess, sys
ddbfs, mnt, action, body = sys.argv[1:5]
req = json.loads(body)
items, counts, keys = [], [], 0
for _ in range(1000):
    out = subprocess.run([ddbfs, "api", mnt, action], input=json.dumps(req),
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    items += r.get("Items", [])
    counts.append(r["Count"])
    if "LastEvaluatedKey" not in r:
        break
    keys += 1
    req["ExclusiveStartKey"] = r["LastEvaluatedKey"]
print(json.dumps({"items": items, "counts": counts, "keys": keys}, sort_keys=True))
' "$DDBFS" "$MNT" "$1" "$2"
}

# sks JSON: the sort keys (SK) of a response's or pages' items, one line.
sks() {
	jq -r '[(.Items // .items)[] | .SK | (.S // .N)] | join(" ")' <<<"$1"
}

# state: every item file of the mount, for "nothing changed".
state() {
	(cd "$MNT" && find . -path ./.ddbfs -prune -o -type f -name '*.json' -print | sort |
		xargs -r md5sum)
}

# qry_table: table Qry (PK:S, SK:S): partition p holds a01..a05, b01..b03,
# c1; partition q holds a01 and a02; each item has n (its number) and t.
qry_table() {
	new_table Qry "PK:S,SK:S"
	$T mkdir "$MNT/Qry/p" "$MNT/Qry/q"
	local i
	for i in 1 2 3 4 5; do echo "{\"n\":$i,\"t\":\"a\"}" >"$MNT/Qry/p/a0$i.json"; done
	for i in 1 2 3; do echo "{\"n\":$((i + 10)),\"t\":\"b\"}" >"$MNT/Qry/p/b0$i.json"; done
	echo '{"n":20,"t":"c"}' >"$MNT/Qry/p/c1.json"
	echo '{"n":1}' >"$MNT/Qry/q/a01.json"
	echo '{"n":2}' >"$MNT/Qry/q/a02.json"
}

# q EXPR [VALUES] [MORE]: Query Qry's partition p with a key condition.
q() {
	api Query "{\"TableName\":\"Qry\",\"KeyConditionExpression\":\"PK = :p${1:+ AND }$1\",
		\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p\"}${2:+,}$2}${3:+,}$3}"
}

# big_table: table Big (PK:S, SK:S), partition big holding k01..k15, each
# {"d": 102400 x's}: 102411 bytes by DynamoDB's count.
big_table() {
	new_table Big "PK:S,SK:S"
	$T mkdir "$MNT/Big/big"
	local d i
	d=$(head -c 102400 /dev/zero | tr '\0' x)
	for i in $(seq -w 1 15); do
		printf '{"d":"%s"}' "$d" >"$MNT/Big/big/k$i.json"
	done
}

# ---- Query ----

@test "Query: every key operator on the sort key, in key order" {
	qry_table
	run q ""
	assert_success
	[ "$(sks "$output")" = "a01 a02 a03 a04 a05 b01 b02 b03 c1" ]
	[ "$(jq -c '[.Count, .ScannedCount, has("LastEvaluatedKey")]' <<<"$output")" = '[9,9,false]' ]
	run q "SK = :s" '":s":{"S":"a03"}'
	[ "$(sks "$output")" = "a03" ]
	run q "SK < :s" '":s":{"S":"a03"}'
	[ "$(sks "$output")" = "a01 a02" ]
	run q "SK <= :s" '":s":{"S":"a03"}'
	[ "$(sks "$output")" = "a01 a02 a03" ]
	run q "SK > :s" '":s":{"S":"b01"}'
	[ "$(sks "$output")" = "b02 b03 c1" ]
	run q "SK >= :s" '":s":{"S":"b01"}'
	[ "$(sks "$output")" = "b01 b02 b03 c1" ]
	run q "SK BETWEEN :lo AND :hi" '":lo":{"S":"a04"},":hi":{"S":"b02"}'
	[ "$(sks "$output")" = "a04 a05 b01 b02" ]
	run q "begins_with(SK, :s)" '":s":{"S":"b"}'
	[ "$(sks "$output")" = "b01 b02 b03" ]
	run q "#k > :s" '":s":{"S":"b02"}' '"ExpressionAttributeNames":{"#k":"SK"}'
	[ "$(sks "$output")" = "b03 c1" ]
	# a partition that does not exist holds nothing
	run api Query '{"TableName":"Qry","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"nope"}}}'
	assert_success
	assert_output '{"Items":[],"Count":0,"ScannedCount":0}'
}

@test "Query: ScanIndexForward false reads descending, numbers in number order" {
	qry_table
	run q "" "" '"ScanIndexForward":false'
	[ "$(sks "$output")" = "c1 b03 b02 b01 a05 a04 a03 a02 a01" ]
	run q "SK BETWEEN :lo AND :hi" '":lo":{"S":"a04"},":hi":{"S":"b02"}' '"ScanIndexForward":false'
	[ "$(sks "$output")" = "b02 b01 a05 a04" ]
	run q "SK < :s" '":s":{"S":"a03"}' '"ScanIndexForward":false'
	[ "$(sks "$output")" = "a02 a01" ]
	run q "begins_with(SK, :s)" '":s":{"S":"a"}' '"ScanIndexForward":false'
	[ "$(sks "$output")" = "a05 a04 a03 a02 a01" ]
	new_table Num "PK:S,SK:N"
	$T mkdir "$MNT/Num/p"
	local i
	for i in 3 10 -1 2.5 20 1; do echo '{}' >"$MNT/Num/p/$i.json"; done
	run api Query '{"TableName":"Num","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"p"}}}'
	[ "$(sks "$output")" = "-1 1 2.5 3 10 20" ]
	run api Query '{"TableName":"Num","KeyConditionExpression":"PK = :p AND SK > :n",
		"ExpressionAttributeValues":{":p":{"S":"p"},":n":{"N":"2"}},"ScanIndexForward":false}'
	[ "$(sks "$output")" = "20 10 3 2.5" ]
}

@test "Query: Limit pages to the end, forward and backward, with the full key as LastEvaluatedKey" {
	qry_table
	run q "" "" '"Limit":2'
	[ "$(jq -c .LastEvaluatedKey <<<"$output")" = '{"PK":{"S":"p"},"SK":{"S":"a02"}}' ]
	[ "$(jq -c '[.Count, .ScannedCount]' <<<"$output")" = '[2,2]' ]
	run pages Query '{"TableName":"Qry","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":2}'
	assert_success
	[ "$(sks "$output")" = "a01 a02 a03 a04 a05 b01 b02 b03 c1" ]
	[ "$(jq -c .counts <<<"$output")" = '[2,2,2,2,1]' ]
	run pages Query '{"TableName":"Qry","KeyConditionExpression":"PK = :p AND SK >= :s",
		"ExpressionAttributeValues":{":p":{"S":"p"},":s":{"S":"a03"}},"Limit":3,
		"ScanIndexForward":false}'
	[ "$(sks "$output")" = "c1 b03 b02 b01 a05 a04 a03" ]
	[ "$(jq -c .counts <<<"$output")" = '[3,3,1]' ]
	# a page that ends on the last item still says where it stopped, as DynamoDB does
	run pages Query '{"TableName":"Qry","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":3}'
	[ "$(jq -c .counts <<<"$output")" = '[3,3,3,0]' ]
}

@test "Query: Limit counts items read before the filter; Count after it" {
	qry_table
	run q "" "" '"Limit":4,"FilterExpression":"n > :m"'
	assert_failure
	assert_output "ddbfs api: ValidationException: Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :m"
	run q "" '":m":{"N":"2"}' '"Limit":4,"FilterExpression":"n > :m"'
	assert_success
	[ "$(sks "$output")" = "a03 a04" ]
	[ "$(jq -c '[.Count, .ScannedCount, .LastEvaluatedKey.SK.S]' <<<"$output")" = '[2,4,"a04"]' ]
	run pages Query '{"TableName":"Qry","KeyConditionExpression":"PK = :p",
		"FilterExpression":"t = :t","ExpressionAttributeValues":{":p":{"S":"p"},":t":{"S":"b"}},
		"Limit":4}'
	[ "$(sks "$output")" = "b01 b02 b03" ]
	[ "$(jq -c .counts <<<"$output")" = '[0,3,0]' ]
	run q "" '":t":{"S":"c"}' '"FilterExpression":"t <> :t AND attribute_exists(n)"'
	[ "$(jq -c '[.Count, .ScannedCount]' <<<"$output")" = '[8,9]' ]
}

@test "Query: projections, Select COUNT and SPECIFIC_ATTRIBUTES" {
	qry_table
	run q "SK = :s" '":s":{"S":"b02"}' '"ProjectionExpression":"n"'
	assert_output '{"Items":[{"n":{"N":"12"}}],"Count":1,"ScannedCount":1}'
	run q "SK = :s" '":s":{"S":"b02"}' '"ProjectionExpression":"#s, t","ExpressionAttributeNames":{"#s":"SK"},"Select":"SPECIFIC_ATTRIBUTES"'
	[ "$(jq -c '.Items[0] | to_entries | map(.key) | sort' <<<"$output")" = '["SK","t"]' ]
	run q "begins_with(SK, :s)" '":s":{"S":"a"}' '"Select":"COUNT"'
	assert_output '{"Count":5,"ScannedCount":5}'
	run q "" "" '"Select":"COUNT","Limit":4'
	assert_output '{"Count":4,"ScannedCount":4,"LastEvaluatedKey":{"PK":{"S":"p"},"SK":{"S":"a04"}}}'
	run q "" "" '"Select":"ALL_ATTRIBUTES"'
	[ "$(jq .Count <<<"$output")" = 9 ]
}

@test "Query: 1 MB pages, and the capacity as DynamoDB computes it" {
	big_table
	run api Query '{"TableName":"Big","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"big"}},"ReturnConsumedCapacity":"TOTAL",
		"ConsistentRead":true,"ProjectionExpression":"SK"}'
	assert_success
	# 11 items pass 1 MB (10 do not): 11 x 102411 bytes = 275.03 4 KB units -> 276
	[ "$(jq -c '[.Count, .ScannedCount, .LastEvaluatedKey.SK.S, .ConsumedCapacity.CapacityUnits]' <<<"$output")" = '[11,11,"k11",276]' ]
	run api Query '{"TableName":"Big","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"big"}},"ReturnConsumedCapacity":"TOTAL",
		"ExclusiveStartKey":{"PK":{"S":"big"},"SK":{"S":"k11"}},"ProjectionExpression":"SK"}'
	# 4 x 102411 = 100.01 units -> 101, halved: eventually consistent
	[ "$(jq -c '[.Count, has("LastEvaluatedKey"), .ConsumedCapacity.CapacityUnits]' <<<"$output")" = '[4,false,50.5]' ]
	run pages Query '{"TableName":"Big","KeyConditionExpression":"PK = :p",
		"ExpressionAttributeValues":{":p":{"S":"big"}},"ScanIndexForward":false,"Select":"COUNT"}'
	[ "$(jq -c .counts <<<"$output")" = '[11,4]' ]
	# a filter that keeps nothing still reads (and pays for) the page:
	# 2 x 102411 bytes are 50.005 units -> 51, halved
	run api Query '{"TableName":"Big","KeyConditionExpression":"PK = :p AND SK > :s",
		"FilterExpression":"attribute_not_exists(d)","ReturnConsumedCapacity":"TOTAL",
		"ExpressionAttributeValues":{":p":{"S":"big"},":s":{"S":"k13"}}}'
	assert_output '{"Items":[],"Count":0,"ScannedCount":2,"ConsumedCapacity":{"TableName":"Big","CapacityUnits":25.5,"ReadCapacityUnits":25.5,"Table":{"CapacityUnits":25.5,"ReadCapacityUnits":25.5}}}'
	# nothing read still costs the minimum
	run api Query '{"TableName":"Big","KeyConditionExpression":"PK = :p","ReturnConsumedCapacity":"TOTAL",
		"ExpressionAttributeValues":{":p":{"S":"none"}}}'
	[ "$(jq -c .ConsumedCapacity.CapacityUnits <<<"$output")" = 0.5 ]
}

@test "Query: a table without sort key gives its one item" {
	new_table Solo "id:S"
	echo '{"v":1}' >"$MNT/Solo/x.json"
	echo '{"v":2}' >"$MNT/Solo/y.json"
	run api Query '{"TableName":"Solo","KeyConditionExpression":"id = :i",
		"ExpressionAttributeValues":{":i":{"S":"y"}},"ReturnConsumedCapacity":"TOTAL"}'
	assert_output '{"Items":[{"id":{"S":"y"},"v":{"N":"2"}}],"Count":1,"ScannedCount":1,"ConsumedCapacity":{"TableName":"Solo","CapacityUnits":0.5,"ReadCapacityUnits":0.5,"Table":{"CapacityUnits":0.5,"ReadCapacityUnits":0.5}}}'
	run api Query '{"TableName":"Solo","KeyConditionExpression":"id = :i",
		"ExpressionAttributeValues":{":i":{"S":"z"}}}'
	assert_output '{"Items":[],"Count":0,"ScannedCount":0}'
}

@test "Query: DynamoDB's errors, and nothing changes" {
	qry_table
	before=$(state)
	run api Query '{"TableName":"Qry"}'
	assert_failure
	assert_output "ddbfs api: ValidationException: Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
	run api Query '{"KeyConditionExpression":"PK = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value null at 'TableName' failed to satisfy constraint: Member must not be null"
	run api Query '{"TableName":"Nope","KeyConditionExpression":"PK = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found"
	run q "" '":x":{"S":"x"}'
	assert_output "ddbfs api: ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"
	run q "" "" '"ExpressionAttributeNames":{"#u":"u"}'
	assert_output "ddbfs api: ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"
	run api Query '{"TableName":"Qry","KeyConditionExpression":"SK = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ValidationException: Query condition missed key schema element: PK"
	run api Query '{"TableName":"Qry","KeyConditionExpression":"PK < :p","ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ValidationException: Query key condition not supported"
	run api Query '{"TableName":"Qry","KeyConditionExpression":"PK = :p","ExpressionAttributeValues":{":p":{"N":"1"}}}'
	assert_output "ddbfs api: ValidationException: One or more parameter values were invalid: Condition parameter type does not match schema type"
	run q "" '":s":{"S":"a"}' '"FilterExpression":"n > :s OR begins_with(SK, :s)"'
	assert_output "ddbfs api: ValidationException: Filter Expression can only contain non-primary key attributes: Primary key attribute: SK"
	run q "" "" '"Limit":0'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
	run q "" "" '"Select":"COUNT","ProjectionExpression":"n"'
	assert_output "ddbfs api: ValidationException: Cannot specify the ProjectionExpression when choosing to get only the Count"
	run q "" "" '"Select":"ALL_ATTRIBUTES","ProjectionExpression":"n"'
	assert_output "ddbfs api: ValidationException: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"
	run q "" "" '"Select":"SPECIFIC_ATTRIBUTES"'
	assert_output "ddbfs api: ValidationException: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
	run q "" "" '"Select":"count"'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value 'count' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"
	run q "" "" '"ExclusiveStartKey":{"PK":{"S":"p"}}'
	assert_output "ddbfs api: ValidationException: The provided starting key is invalid"
	run q "" "" '"ExclusiveStartKey":{"PK":{"S":"p"},"SK":{"N":"1"}}'
	assert_output "ddbfs api: ValidationException: The provided starting key is invalid: The provided key element does not match the schema"
	run q "" "" '"ExclusiveStartKey":{"PK":{"S":"q"},"SK":{"S":"a01"}}'
	assert_output "ddbfs api: ValidationException: The provided starting key is outside query boundaries based on provided conditions"
	run q "" "" '"IndexName":"byN"'
	assert_output "ddbfs api: ValidationException: The table does not have the specified index: byN"
	run q "" "" '"ReturnConsumedCapacity":"ALL"'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
	run api Query '{"TableName":"Qry","KeyConditions":{"PK":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p"}]}},"KeyConditionExpression":"PK = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}"
	run api Query '{"TableName":"Qry","KeyConditions":{"PK":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p"}]}}}'
	assert_output "ddbfs api: ValidationException: KeyConditions is a legacy parameter this endpoint does not take: use the expression parameters (KeyConditionExpression, FilterExpression, ProjectionExpression)"
	run api Query '{"TableName":"Qry","KeyConditions":{},"ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ValidationException: KeyConditions is a legacy parameter this endpoint does not take: use the expression parameters (KeyConditionExpression, FilterExpression, ProjectionExpression)"
	run api Query '{"TableName":"Qry","ExpressionAttributeValues":{":p":{"S":"p"}}}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeValues can only be specified when using expressions: KeyConditionExpression is null and FilterExpression is null"
	run q "" "" '"ScanIndexForward":"no"'
	assert_output "ddbfs api: SerializationException: ScanIndexForward must be a boolean"
	# the whole __type, as the request file gives it
	run api_raw Query '{"TableName":"Qry"}'
	assert_output '{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."}'
	[ "$(state)" = "$before" ]
}

# ---- Scan ----

@test "Scan: partitions in key order, then their items; tables without sort key" {
	qry_table
	run api Scan '{"TableName":"Qry"}'
	assert_success
	[ "$(jq -r '[.Items[] | .PK.S + "/" + .SK.S] | join(" ")' <<<"$output")" = "p/a01 p/a02 p/a03 p/a04 p/a05 p/b01 p/b02 p/b03 p/c1 q/a01 q/a02" ]
	[ "$(jq -c '[.Count, .ScannedCount, has("LastEvaluatedKey")]' <<<"$output")" = '[11,11,false]' ]
	new_table Solo "id:N"
	local i
	for i in 5 1 30 2; do echo "{\"v\":$i}" >"$MNT/Solo/$i.json"; done
	run api Scan '{"TableName":"Solo","Limit":3}'
	[ "$(jq -c '[[.Items[].id.N], .LastEvaluatedKey]' <<<"$output")" = '[["1","2","5"],{"id":{"N":"5"}}]' ]
	run api Scan '{"TableName":"Solo","ExclusiveStartKey":{"id":{"N":"5"}}}'
	assert_output '{"Items":[{"id":{"N":"30"},"v":{"N":"30"}}],"Count":1,"ScannedCount":1}'
	run api Scan '{"TableName":"Solo","Select":"COUNT"}'
	assert_output '{"Count":4,"ScannedCount":4}'
}

@test "Scan: Limit pages to the end across partitions give the whole table once" {
	qry_table
	full=$(api Scan '{"TableName":"Qry"}' | jq -c .Items)
	for limit in 1 2 3 4 9 11 12; do
		run pages Scan "{\"TableName\":\"Qry\",\"Limit\":$limit}"
		assert_success
		[ "$(jq -c .items <<<"$output")" = "$full" ]
	done
	run pages Scan '{"TableName":"Qry","Limit":4}'
	[ "$(jq -c .counts <<<"$output")" = '[4,4,3]' ]
}

@test "Scan: segments are disjoint, their union is the table, each pages on its own" {
	qry_table
	local p i
	for p in r s t u v w; do
		$T mkdir "$MNT/Qry/$p"
		for i in 1 2 3; do echo '{}' >"$MNT/Qry/$p/x$i.json"; done
	done
	all=$(api Scan '{"TableName":"Qry"}' | jq -c '[.Items[] | [.PK.S, .SK.S]] | sort')
	[ "$(jq length <<<"$all")" = 29 ]
	for total in 1 3 4; do
		for seg in $(seq 0 $((total - 1))); do
			pages Scan "{\"TableName\":\"Qry\",\"Segment\":$seg,\"TotalSegments\":$total,\"Limit\":2}" \
				>"$TESTROOT/seg$seg"
		done
		# disjoint: nothing twice, and a partition in one segment only;
		# the union: everything
		run python3 -c '
import json, sys
segs = [json.load(open(f))["items"] for f in sys.argv[1:]]
keys = sorted([i["PK"]["S"], i["SK"]["S"]] for s in segs for i in s)
parts = [set(i["PK"]["S"] for i in s) for s in segs]
print(json.dumps(keys, separators=(",", ":")), sum(map(len, parts)) == len(set().union(*parts)))
' $(for seg in $(seq 0 $((total - 1))); do echo "$TESTROOT/seg$seg"; done)
		assert_output "$all True"
	done
	# the same segment twice is the same items
	a=$(api Scan '{"TableName":"Qry","Segment":2,"TotalSegments":4}')
	b=$(api Scan '{"TableName":"Qry","Segment":2,"TotalSegments":4}')
	[ "$a" = "$b" ]
}

@test "Scan: 1 MB pages, COUNT, and the capacity consumed, also metered for the table" {
	big_table
	run api Scan '{"TableName":"Big","Select":"COUNT","ReturnConsumedCapacity":"TOTAL","ConsistentRead":true}'
	assert_output '{"Count":11,"ScannedCount":11,"LastEvaluatedKey":{"PK":{"S":"big"},"SK":{"S":"k11"}},"ConsumedCapacity":{"TableName":"Big","CapacityUnits":276,"ReadCapacityUnits":276,"Table":{"CapacityUnits":276,"ReadCapacityUnits":276}}}'
	run api Scan '{"TableName":"Big","Select":"COUNT","ReturnConsumedCapacity":"TOTAL","ExclusiveStartKey":{"PK":{"S":"big"},"SK":{"S":"k11"}}}'
	assert_output '{"Count":4,"ScannedCount":4,"ConsumedCapacity":{"TableName":"Big","CapacityUnits":50.5,"ReadCapacityUnits":50.5,"Table":{"CapacityUnits":50.5,"ReadCapacityUnits":50.5}}}'
	# what the table was charged: what the responses told
	run $T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Big"
	assert_output --partial "rcu=326.5,"
	run pages Scan '{"TableName":"Big","Limit":6}'
	[ "$(jq -c .counts <<<"$output")" = '[6,6,3]' ]
	[ "$(jq -r '[.items[].SK.S] | join(" ")' <<<"$output")" = "$(seq -f 'k%02g' 1 15 | tr '\n' ' ' | sed 's/ $//')" ]
	# what the table was charged: the units the responses told, and the pages read
}

@test "Scan: a PROVISIONED table's reads come out of its bucket; an empty one throttles" {
	unmount_ddbfs
	mount_ddbfs -o test_clock,throttle=error
	echo freeze >"$MNT/.ddbfs/clock"
	big_table
	new_table Other "PK:S,SK:S"
	$T mkdir "$MNT/Other/o"
	echo '{}' >"$MNT/Other/o/x.json"
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Big"
	$T setfattr -n user.ddb.rcu -v 1 "$MNT/Big"
	$T setfattr -n user.ddb.wcu -v 1 "$MNT/Big"
	# a bucket of 300 units: 276 + 101 take it below zero
	run api Scan '{"TableName":"Big","Select":"COUNT","ConsistentRead":true}'
	assert_success
	run api Scan '{"TableName":"Big","Select":"COUNT","ConsistentRead":true,"ExclusiveStartKey":{"PK":{"S":"big"},"SK":{"S":"k11"}}}'
	assert_success
	run api Scan '{"TableName":"Big","Select":"COUNT"}'
	assert_failure
	assert_output "ddbfs api: ProvisionedThroughputExceededException: The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
	# BatchGetItem: the throttled table's keys wait in UnprocessedKeys
	run api BatchGetItem '{"RequestItems":{"Big":{"Keys":[{"PK":{"S":"big"},"SK":{"S":"k01"}}],"ConsistentRead":true},
		"Other":{"Keys":[{"PK":{"S":"o"},"SK":{"S":"x"}}]}}}'
	assert_success
	assert_output '{"Responses":{"Big":[],"Other":[{"PK":{"S":"o"},"SK":{"S":"x"}}]},"UnprocessedKeys":{"Big":{"Keys":[{"PK":{"S":"big"},"SK":{"S":"k01"}}],"ConsistentRead":true}}}'
	# every key throttled: the whole request is
	run api BatchGetItem '{"RequestItems":{"Big":{"Keys":[{"PK":{"S":"big"},"SK":{"S":"k01"}}]}}}'
	assert_failure
	assert_output --partial "ddbfs api: ProvisionedThroughputExceededException:"
	run $T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Big"
	assert_output --partial "rcu=377"
	assert_output --partial "throttled_reads=3"
}

@test "Scan: DynamoDB's errors, and nothing changes" {
	qry_table
	before=$(state)
	run api Scan '{"TableName":"Qry","Segment":1}'
	assert_failure
	assert_output "ddbfs api: ValidationException: The TotalSegments parameter is required but was not present in the request when Segment parameter is present"
	run api Scan '{"TableName":"Qry","TotalSegments":2}'
	assert_output "ddbfs api: ValidationException: The Segment parameter is required but was not present in the request when parameter TotalSegments is present"
	run api Scan '{"TableName":"Qry","Segment":2,"TotalSegments":2}'
	assert_output "ddbfs api: ValidationException: The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2"
	run api Scan '{"TableName":"Qry","Segment":-1,"TotalSegments":2}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0"
	run api Scan '{"TableName":"Qry","Segment":0,"TotalSegments":0}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1"
	run api Scan '{"TableName":"Qry","Segment":0,"TotalSegments":1000001}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"
	run api Scan '{"TableName":"Qry","Segment":999999,"TotalSegments":1000000,"Select":"COUNT"}'
	assert_success
	run api Scan '{"TableName":"Qry","Limit":-3}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '-3' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
	run api Scan '{"TableName":"Qry","Limit":"2"}'
	assert_output "ddbfs api: SerializationException: Limit must be an integer"
	run api Scan '{"TableName":"Qry","Select":"ALL_PROJECTED_ATTRIBUTES"}'
	assert_output "ddbfs api: ValidationException: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
	run api Scan '{"TableName":"Qry","Select":"SPECIFIC_ATTRIBUTES"}'
	assert_output "ddbfs api: ValidationException: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
	run api Scan '{"TableName":"Nope"}'
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found"
	run api Scan '{"TableName":"Qry","ExclusiveStartKey":{"PK":{"S":"p"},"SK":{"S":"a01"},"x":{"S":"y"}}}'
	assert_output "ddbfs api: ValidationException: The provided starting key is invalid"
	run api Scan '{"TableName":"Qry","ExclusiveStartKey":{"PK":{"S":"p"},"SK":{"BOOL":true}}}'
	assert_output "ddbfs api: ValidationException: The provided starting key is invalid: The provided key element does not match the schema"
	run api Scan '{"TableName":"Qry","ScanFilter":{"n":{"ComparisonOperator":"NOT_NULL"}}}'
	assert_output "ddbfs api: ValidationException: ScanFilter is a legacy parameter this endpoint does not take: use the expression parameters (KeyConditionExpression, FilterExpression, ProjectionExpression)"
	run api Scan '{"TableName":"Qry","AttributesToGet":["n"],"ProjectionExpression":"n"}'
	assert_output "ddbfs api: ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"
	run api Scan '{"TableName":"Qry","ConsistentRead":"yes"}'
	assert_output "ddbfs api: SerializationException: ConsistentRead must be a boolean"
	run api Scan '{"TableName":"Qry","ExpressionAttributeValues":{":v":{"S":"x"}}}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null"
	run api Scan '{"TableName":"Qry","ExpressionAttributeValues":{":v":{"S":"x"}},"ProjectionExpression":"n"}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null"
	run api Scan '{"TableName":"Qry","ExpressionAttributeNames":{"#n":"n"}}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeNames can only be specified when using expressions"
	run api Scan '{"TableName":"Qry","ExpressionAttributeNames":{},"FilterExpression":"n > :v","ExpressionAttributeValues":{":v":{"N":"1"}}}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeNames must not be empty"
	run api Scan '{"TableName":"Qry","ExpressionAttributeValues":{},"FilterExpression":"n > n"}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeValues must not be empty"
	run api_raw Scan '{"TableName":"Qry","Segment":1}'
	assert_output '{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"The TotalSegments parameter is required but was not present in the request when Segment parameter is present"}'
	[ "$(state)" = "$before" ]
}

@test "Scan: filters and projections" {
	qry_table
	run api Scan '{"TableName":"Qry","FilterExpression":"n < :m","ExpressionAttributeValues":{":m":{"N":"3"}},
		"ProjectionExpression":"PK, SK"}'
	assert_output '{"Items":[{"PK":{"S":"p"},"SK":{"S":"a01"}},{"PK":{"S":"p"},"SK":{"S":"a02"}},{"PK":{"S":"q"},"SK":{"S":"a01"}},{"PK":{"S":"q"},"SK":{"S":"a02"}}],"Count":4,"ScannedCount":11}'
	run api Scan '{"TableName":"Qry","FilterExpression":"attribute_not_exists(t)","Select":"COUNT"}'
	assert_output '{"Count":2,"ScannedCount":11}'
}

# ---- BatchGetItem ----

@test "BatchGetItem: found and missing keys, several tables, projections, capacity" {
	qry_table
	new_table Solo "id:S"
	echo '{"v":1}' >"$MNT/Solo/x.json"
	run api BatchGetItem '{"RequestItems":{
		"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}},{"PK":{"S":"p"},"SK":{"S":"zz"}},{"PK":{"S":"q"},"SK":{"S":"a02"}}]},
		"Solo":{"Keys":[{"id":{"S":"x"}},{"id":{"S":"y"}}],"ConsistentRead":true}},
		"ReturnConsumedCapacity":"TOTAL"}'
	assert_success
	assert_output '{"Responses":{"Qry":[{"PK":{"S":"p"},"SK":{"S":"a01"},"n":{"N":"1"},"t":{"S":"a"}},{"PK":{"S":"q"},"SK":{"S":"a02"},"n":{"N":"2"}}],"Solo":[{"id":{"S":"x"},"v":{"N":"1"}}]},"UnprocessedKeys":{},"ConsumedCapacity":[{"TableName":"Qry","CapacityUnits":1.5,"ReadCapacityUnits":1.5,"Table":{"CapacityUnits":1.5,"ReadCapacityUnits":1.5}},{"TableName":"Solo","CapacityUnits":2,"ReadCapacityUnits":2,"Table":{"CapacityUnits":2,"ReadCapacityUnits":2}}]}'
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"b01"}}],
		"ProjectionExpression":"#n, t","ExpressionAttributeNames":{"#n":"n"}}}}'
	assert_output '{"Responses":{"Qry":[{"n":{"N":"11"},"t":{"S":"b"}}]},"UnprocessedKeys":{}}'
}

@test "BatchGetItem: 16 MB of response at most; the rest in UnprocessedKeys, which a retry reads" {
	new_table Huge "id:S"
	local d i keys
	d=$(head -c 400000 /dev/zero | tr '\0' y)
	keys=""
	for i in $(seq -w 1 45); do
		printf '{"d":"%s"}' "$d" >"$MNT/Huge/h$i.json"
		keys="$keys${keys:+,}{\"id\":{\"S\":\"h$i\"}}"
	done
	run api BatchGetItem "{\"RequestItems\":{\"Huge\":{\"Keys\":[$keys]}}}"
	assert_success
	echo "$output" >"$TESTROOT/r"
	# 41 x 400006 bytes fit in 16 MB; the 42nd does not
	[ "$(jq '.Responses.Huge | length' "$TESTROOT/r")" = 41 ]
	[ "$(jq -r '[.UnprocessedKeys.Huge.Keys[].id.S] | join(" ")' "$TESTROOT/r")" = "h42 h43 h44 h45" ]
	run api BatchGetItem "$(jq -c '{RequestItems: .UnprocessedKeys}' "$TESTROOT/r")"
	[ "$(jq -c '[.Responses.Huge[].id.S, .UnprocessedKeys]' <<<"$output")" = '["h42","h43","h44","h45",{}]' ]
}

@test "BatchGetItem: DynamoDB's errors, and nothing changes" {
	qry_table
	before=$(state)
	keys=$(for i in $(seq 1 60); do printf '{"PK":{"S":"p"},"SK":{"S":"k%d"}},' "$i"; done | sed 's/,$//')
	keys2=$(for i in $(seq 1 41); do printf '{"PK":{"S":"q"},"SK":{"S":"k%d"}},' "$i"; done | sed 's/,$//')
	run api BatchGetItem "{\"RequestItems\":{\"Qry\":{\"Keys\":[$keys]},\"Nope\":{\"Keys\":[{\"PK\":{\"S\":\"q\"},\"SK\":{\"S\":\"x\"}}]},\"Nah\":{\"Keys\":[$keys2]}}}"
	assert_failure
	assert_output "ddbfs api: ValidationException: Too many items requested for the BatchGetItem call"
	run api BatchGetItem "{\"RequestItems\":{\"Qry\":{\"Keys\":[$keys,$keys2]}}}"
	assert_output "ddbfs api: ValidationException: Too many items requested for the BatchGetItem call"
	run api BatchGetItem "{\"RequestItems\":{\"Qry\":{\"Keys\":[$keys2]}}}"
	assert_success
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}},{"SK":{"S":"a01"},"PK":{"S":"p"}}]}}}'
	assert_output "ddbfs api: ValidationException: Provided list of item keys contains duplicates"
	run api BatchGetItem '{"RequestItems":{"Nope":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}}]}}}'
	assert_output "ddbfs api: ResourceNotFoundException: Requested resource not found"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"}}]}}}'
	assert_output "ddbfs api: ValidationException: The provided key element does not match the schema"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"N":"1"}}]}}}'
	assert_output "ddbfs api: ValidationException: The provided key element does not match the schema"
	run api BatchGetItem '{}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null"
	run api BatchGetItem '{"RequestItems":{}}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[]}}}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value '[]' at 'requestItems.Qry.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"
	run api BatchGetItem '{"RequestItems":{"Qry":{}}}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value null at 'requestItems.Qry.member.keys' failed to satisfy constraint: Member must not be null"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}}],"ExpressionAttributeNames":{"#n":"n"}}}}'
	assert_output "ddbfs api: ValidationException: ExpressionAttributeNames can only be specified when using expressions"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}}],"ExpressionAttributeNames":{"#n":"n","#t":"t"},"ProjectionExpression":"#n"}}}'
	assert_output "ddbfs api: ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#t}"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}}],"AttributesToGet":["n"]}}}'
	assert_output "ddbfs api: ValidationException: AttributesToGet is a legacy parameter this endpoint does not take: use the expression parameters (KeyConditionExpression, FilterExpression, ProjectionExpression)"
	run api BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}}]}},"ReturnConsumedCapacity":"SOME"}'
	assert_output "ddbfs api: ValidationException: 1 validation error detected: Value 'SOME' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
	run api_raw BatchGetItem '{"RequestItems":{"Qry":{"Keys":[{"PK":{"S":"p"},"SK":{"S":"a01"}},{"PK":{"S":"p"},"SK":{"S":"a01"}}]}}}'
	assert_output '{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"Provided list of item keys contains duplicates"}'
	[ "$(state)" = "$before" ]
}
