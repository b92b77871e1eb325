#!/usr/bin/env bats
# SPEC §14: DynamoDB's own clients, unmodified, on the endpoint — the AWS
# CLI, boto3 and the JavaScript SDK — creating tables, writing with
# conditions, querying in pages, batching, failing a transaction that then
# changed nothing, reading the stream; and what they do seen by the files
# at once.

load helpers
bats_require_minimum_version 1.5.0

TOOLS=$BATS_TEST_DIRNAME/../tools

setup() {
	new_testroot
	PORT=$(free_port)
	SPID=
}

# q JQ: a filter of the last output, compact.
q() {
	jq -c "$1" <<<"$output"
}

@test "the AWS CLI: tables, conditional writes, updates, queries in pages, batches, transactions" {
	start_serve
	run ddb create-table --table-name Cli --attribute-definitions AttributeName=pk,AttributeType=S \
		AttributeName=sk,AttributeType=N --key-schema AttributeName=pk,KeyType=HASH \
		AttributeName=sk,KeyType=RANGE --billing-mode PAY_PER_REQUEST
	assert_success
	assert_equal "$(q '.TableDescription | [.TableName, .TableStatus, .KeySchema[1].AttributeName]')" '["Cli","ACTIVE","sk"]'
	run ddb list-tables
	assert_equal "$(q .TableNames)" '["Cli"]'
	for i in $(seq 1 12); do
		ddb put-item --table-name Cli --item "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"$i\"},\"v\":{\"S\":\"x$i\"}}" \
			--condition-expression 'attribute_not_exists(pk)'
	done
	run ddb put-item --table-name Cli --item '{"pk":{"S":"a"},"sk":{"N":"1"}}' \
		--condition-expression 'attribute_not_exists(pk)'
	assert_failure
	assert_output --partial 'ConditionalCheckFailedException'
	run ddb update-item --table-name Cli --key '{"pk":{"S":"a"},"sk":{"N":"2"}}' \
		--update-expression 'SET #c = if_not_exists(#c, :z) + :one' \
		--expression-attribute-names '{"#c":"count"}' \
		--expression-attribute-values '{":z":{"N":"0"},":one":{"N":"1"}}' --return-values ALL_NEW
	assert_equal "$(q '.Attributes.count.N')" '"1"'
	run ddb get-item --table-name Cli --key '{"pk":{"S":"a"},"sk":{"N":"2"}}' --projection-expression '#c' \
		--expression-attribute-names '{"#c":"count"}'
	assert_equal "$(q .Item)" '{"count":{"N":"1"}}'
	# the CLI follows LastEvaluatedKey itself: pages of 5, all 12 in the end
	run ddb query --table-name Cli --key-condition-expression 'pk = :p AND sk > :two' \
		--expression-attribute-values '{":p":{"S":"a"},":two":{"N":"2"}}' --page-size 5
	assert_equal "$(q '[.Count, .ScannedCount, [.Items[].sk.N]]')" '[10,10,["3","4","5","6","7","8","9","10","11","12"]]'
	run ddb query --table-name Cli --key-condition-expression 'pk = :p' --filter-expression 'v = :x' \
		--expression-attribute-values '{":p":{"S":"a"},":x":{"S":"x7"}}' --select COUNT
	assert_equal "$(q '[.Count, .ScannedCount]')" '[1,12]'
	run ddb batch-write-item --request-items '{"Cli":[{"DeleteRequest":{"Key":{"pk":{"S":"a"},"sk":{"N":"12"}}}},{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"1"}}}}]}'
	assert_equal "$(q .UnprocessedItems)" '{}'
	run ddb scan --table-name Cli --select COUNT
	assert_equal "$(q .Count)" 12
	run ddb transact-write-items --transact-items '[{"Put":{"TableName":"Cli","Item":{"pk":{"S":"c"},"sk":{"N":"1"}}}},{"ConditionCheck":{"TableName":"Cli","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConditionExpression":"v = :no","ExpressionAttributeValues":{":no":{"S":"no"}}}}]'
	assert_failure
	assert_output --partial 'TransactionCanceledException'
	assert_output --partial '[None, ConditionalCheckFailed]'
	run ddb get-item --table-name Cli --key '{"pk":{"S":"c"},"sk":{"N":"1"}}'
	assert_output ''
	run ddb describe-table --table-name Cli
	assert_equal "$(q '.Table.ItemCount')" 12
	run ddb delete-table --table-name Cli
	assert_success
	run ddb describe-table --table-name Cli
	assert_failure
	assert_output --partial 'ResourceNotFoundException'
}

@test "the AWS CLI reads a stream with dynamodbstreams; a PutItem over HTTP is in the files at once" {
	mount_ddbfs -o "http=127.0.0.1:$PORT"
	new_table Orders
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Orders"
	$T mkdir "$MNT/Orders/p"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	run $T cat "$MNT/Orders/p/x.json"
	ddb put-item --table-name Orders --item '{"PK":{"S":"p"},"SK":{"S":"x"},"a":{"N":"2"}}'
	run $T cat "$MNT/Orders/p/x.json"
	assert_output '{"PK":"p","SK":"x","a":2}'
	ddb delete-item --table-name Orders --key '{"PK":{"S":"p"},"SK":{"S":"x"}}'
	[ ! -e "$MNT/Orders/p/x.json" ]
	streams() {
		AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y AWS_PAGER="" AWS_CONFIG_FILE=/dev/null \
			$T $AWS dynamodbstreams "$@" --endpoint-url "http://127.0.0.1:$PORT" --region us-east-1 --output json
	}
	run streams list-streams --table-name Orders
	arn=$(jq -r '.Streams[0].StreamArn' <<<"$output")
	run streams describe-stream --stream-arn "$arn"
	shard=$(jq -r '.StreamDescription.Shards[0].ShardId' <<<"$output")
	run streams get-shard-iterator --stream-arn "$arn" --shard-id "$shard" --shard-iterator-type TRIM_HORIZON
	it=$(jq -r .ShardIterator <<<"$output")
	run streams get-records --shard-iterator "$it"
	assert_success
	assert_equal "$(q '[.Records[].eventName]')" '["INSERT","MODIFY","REMOVE"]'
	assert_equal "$(q '[.Records[].dynamodb.NewImage.a.N]')" '["1","2",null]'
	# the records are the lines of .stream
	assert_equal "$(q '[.Records[].dynamodb.SequenceNumber]')" "$($T jq -cs '[.[].dynamodb.SequenceNumber]' "$MNT/Orders/.stream")"
}

@test "boto3: the client and the resource API, paginators, batch_writer, conditions from boto3.dynamodb.conditions" {
	start_serve
	run $T $PY - "http://127.0.0.1:$PORT" <<'EOF'
import sys, decimal
import boto3
from boto3.dynamodb.conditions import Key, Attr
from botocore.exceptions import ClientError

url = sys.argv[1]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
c = boto3.client("dynamodb", **kw)
r = boto3.resource("dynamodb", **kw)
t = r.create_table(TableName="PyTab", KeySchema=[{"AttributeName": "user", "KeyType": "HASH"},
                                               {"AttributeName": "ts", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"},
                                         {"AttributeName": "ts", "AttributeType": "N"}],
                   BillingMode="PAY_PER_REQUEST")
t.wait_until_exists()
with t.batch_writer() as b:
    for i in range(120):
        b.put_item(Item={"user": "u%d" % (i % 3), "ts": i, "body": "x" * 100, "n": decimal.Decimal("0.1")})
print("count", c.describe_table(TableName="PyTab")["Table"]["ItemCount"])
pages = c.get_paginator("query").paginate(TableName="PyTab", KeyConditionExpression="#u = :u",
    ExpressionAttributeNames={"#u": "user"}, ExpressionAttributeValues={":u": {"S": "u1"}},
    PaginationConfig={"PageSize": 7})
got = [int(i["ts"]["N"]) for p in pages for i in p["Items"]]
print("query", len(got), got == sorted(got))
items = t.query(KeyConditionExpression=Key("user").eq("u2") & Key("ts").between(10, 20))["Items"]
print("between", [int(i["ts"]) for i in items])
seg = [c.scan(TableName="PyTab", Segment=s, TotalSegments=4, Select="COUNT")["Count"] for s in range(4)]
print("segments", sum(seg))
t.update_item(Key={"user": "u0", "ts": 0}, UpdateExpression="SET n = n + :d",
              ExpressionAttributeValues={":d": decimal.Decimal("0.2")})
print("exact", t.get_item(Key={"user": "u0", "ts": 0}, ConsistentRead=True)["Item"]["n"])
try:
    t.put_item(Item={"user": "u0", "ts": 0}, ConditionExpression=Attr("n").lt(0))
except ClientError as e:
    print("refused", e.response["Error"]["Code"])
filtered = t.scan(FilterExpression=Attr("ts").gte(115) & Attr("body").begins_with("x"))["Items"]
print("filtered", sorted(int(i["ts"]) for i in filtered))
try:
    c.transact_write_items(TransactItems=[
        {"Delete": {"TableName": "PyTab", "Key": {"user": {"S": "u0"}, "ts": {"N": "3"}}}},
        {"Update": {"TableName": "PyTab", "Key": {"user": {"S": "u0"}, "ts": {"N": "6"}},
                    "UpdateExpression": "SET n = :v", "ConditionExpression": "attribute_not_exists(ts)",
                    "ExpressionAttributeValues": {":v": {"N": "1"}}}}])
except ClientError as e:
    print("canceled", [x["Code"] for x in e.response["CancellationReasons"]])
print("kept", "Item" in c.get_item(TableName="PyTab", Key={"user": {"S": "u0"}, "ts": {"N": "3"}}))
r2 = c.transact_get_items(TransactItems=[{"Get": {"TableName": "PyTab", "Key": {"user": {"S": "u0"}, "ts": {"N": "3"}}}}])
print("tget", r2["Responses"][0]["Item"]["ts"]["N"])
EOF
	assert_success
	assert_output - <<'EOF'
count 120
query 40 True
between [11, 14, 17, 20]
segments 120
exact 0.3
refused ConditionalCheckFailedException
filtered [115, 116, 117, 118, 119]
canceled ['None', 'ConditionalCheckFailed']
kept True
tget 3
EOF
}

@test "the JavaScript SDK v3: the same flow, and the stream through its streams client" {
	start_serve
	run $T node "$TOOLS/sdk_flow.js" "http://127.0.0.1:$PORT"
	assert_success
	refute_output --partial FAIL
	assert_output --partial 'ok GetRecords: 31 inserts, a modify, a remove'
}

@test "the AWS CLI: TTL, point-in-time recovery, backups and restores, UpdateTable" {
	start_serve
	ddb create-table --table-name Keep --attribute-definitions AttributeName=id,AttributeType=S \
		--key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
	ddb put-item --table-name Keep --item '{"id":{"S":"a"},"v":{"N":"1"}}'
	run ddb update-time-to-live --table-name Keep --time-to-live-specification Enabled=true,AttributeName=exp
	assert_equal "$(q .TimeToLiveSpecification)" '{"Enabled":true,"AttributeName":"exp"}'
	run ddb describe-time-to-live --table-name Keep
	assert_equal "$(q .TimeToLiveDescription)" '{"TimeToLiveStatus":"ENABLED","AttributeName":"exp"}'
	run ddb update-continuous-backups --table-name Keep \
		--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true
	assert_equal "$(q .ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus)" '"ENABLED"'
	run ddb create-backup --table-name Keep --backup-name before
	assert_success
	arn=$(jq -r .BackupDetails.BackupArn <<<"$output")
	ddb put-item --table-name Keep --item '{"id":{"S":"b"}}'
	run ddb list-backups --table-name Keep
	assert_equal "$(q '[.BackupSummaries[].BackupName]')" '["before"]'
	run ddb restore-table-from-backup --target-table-name KeepOld --backup-arn "$arn"
	assert_success
	run ddb scan --table-name KeepOld
	assert_equal "$(q '[.Items[].id.S]')" '["a"]'
	run ddb update-table --table-name Keep --billing-mode PROVISIONED \
		--provisioned-throughput ReadCapacityUnits=7,WriteCapacityUnits=3
	assert_equal "$(q '.TableDescription.ProvisionedThroughput | [.ReadCapacityUnits, .WriteCapacityUnits]')" '[7,3]'
	run ddb delete-backup --backup-arn "$arn"
	assert_success
	run ddb list-backups --table-name Keep
	assert_equal "$(q '.BackupSummaries | length')" 0
}
