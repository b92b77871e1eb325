#!/usr/bin/env bats
# SPEC §2, §7, §9, §10, §12, §14: the table actions of DynamoDB's API through
# `ddbfs api` (the request file), with DynamoDB's shapes and errors, on the
# same tables the files show: CreateTable, DeleteTable, DescribeTable,
# ListTables, UpdateTable, TTL, point-in-time recovery, backups, restores
# and DescribeLimits.

load helpers

setup() {
	mount_ddbfs -o test_clock
	echo freeze >"$MNT/.ddbfs/clock" # times are exact: they move by advance only
}

# api ACTION JSON: one request; its answer (or error) in $output.
api() {
	run $T "$DDBFS" api "$MNT" "$1" <<<"$2"
}

# ok ACTION JSON: a request that must succeed; its answer in $output.
ok() {
	api "$@"
	assert_success
}

# refused ACTION JSON TYPE MESSAGE: DynamoDB's error, word for word.
refused() {
	api "$1" "$2"
	assert_failure
	assert_output "ddbfs api: $3: $4"
}

# key schemas and attribute definitions of requests
HASH_ONLY='"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]'
COMPOSITE='"KeySchema":[{"AttributeName":"artist","KeyType":"HASH"},{"AttributeName":"year","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"artist","AttributeType":"S"},{"AttributeName":"year","AttributeType":"N"}]'

# create NAME [MEMBERS]: CreateTable of NAME (hash key id:S, on demand).
create() {
	ok CreateTable "{\"TableName\":\"$1\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\"${2:+,$2}}"
}

xattr() {
	$T getfattr --absolute-names --only-values -n "user.ddb.$2" "$MNT/$1"
}

@test "CreateTable makes a table the files show: its key schema, billing and stream in xattrs" {
	ok CreateTable "{\"TableName\":\"Music\",$COMPOSITE,\"ProvisionedThroughput\":{\"ReadCapacityUnits\":3,\"WriteCapacityUnits\":4},\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}"
	R=$output
	run jq -c '.TableDescription | [.TableName, .TableStatus, .KeySchema, .AttributeDefinitions, .ItemCount, .TableSizeBytes, .BillingModeSummary, .ProvisionedThroughput, .TableClassSummary, .StreamSpecification, .DeletionProtectionEnabled]' <<<"$R"
	assert_output '["Music","ACTIVE",[{"AttributeName":"artist","KeyType":"HASH"},{"AttributeName":"year","KeyType":"RANGE"}],[{"AttributeName":"artist","AttributeType":"S"},{"AttributeName":"year","AttributeType":"N"}],0,0,{"BillingMode":"PROVISIONED"},{"NumberOfDecreasesToday":0,"ReadCapacityUnits":3,"WriteCapacityUnits":4},{"TableClass":"STANDARD"},{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},false]'
	run jq -r '.TableDescription | .TableArn, (.CreationDateTime | floor), (.LatestStreamArn | startswith("arn:aws:dynamodb:local:000000000000:table/Music/stream/")), (.LatestStreamArn == .TableArn + "/stream/" + .LatestStreamLabel)' <<<"$R"
	assert_output "$(printf 'arn:aws:dynamodb:local:000000000000:table/Music\n%s\ntrue\ntrue' "$(now)")"
	# DynamoDB's members only: ddbfs' extras stay in .table.json
	run jq -c '.TableDescription | [has("Ddbfs"), has("ConsumedCapacity"), has("TimeToLiveDescription")]' <<<"$R"
	assert_output '[false,false,false]'
	# the files: a directory with the key schema and settings
	run $T ls "$MNT"
	assert_output "Music"
	run xattr Music key_schema
	assert_output "artist:S,year:N"
	run xattr Music billing_mode
	assert_output "PROVISIONED"
	run xattr Music rcu
	assert_output "3"
	run xattr Music wcu
	assert_output "4"
	run xattr Music stream
	assert_output "NEW_AND_OLD_IMAGES"
	# .table.json says the same
	run $T jq -c '[.TableArn, .LatestStreamArn, .CreationDateTime]' "$MNT/Music/.table.json"
	assert_output "$(jq -c '.TableDescription | [.TableArn, .LatestStreamArn, .CreationDateTime]' <<<"$R")"
	# an item written as a file is a table item
	$T mkdir "$MNT/Music/Queen"
	echo '{"album":"Jazz"}' >"$MNT/Music/Queen/1978.json"
	ok DescribeTable '{"TableName":"Music"}'
	run jq -c '.Table | [.ItemCount, .TableStatus]' <<<"$output"
	assert_output '[1,"ACTIVE"]'
}

@test "CreateTable: on demand, a table class, and a table made by mkdir are described alike" {
	create Songs '"TableClass":"STANDARD_INFREQUENT_ACCESS"'
	run jq -c '.TableDescription | [.BillingModeSummary.BillingMode, .ProvisionedThroughput.ReadCapacityUnits, .TableClassSummary.TableClass, has("StreamSpecification")]' <<<"$output"
	assert_output '["PAY_PER_REQUEST",0,"STANDARD_INFREQUENT_ACCESS",false]'
	run xattr Songs table_class
	assert_output "STANDARD_INFREQUENT_ACCESS"
	run xattr Songs key_schema
	assert_output "id:S"
	new_table Orders
	ok DescribeTable '{"TableName":"Orders"}'
	run jq -c '.Table | [.TableName, .KeySchema, .AttributeDefinitions, .BillingModeSummary.BillingMode]' <<<"$output"
	assert_output '["Orders",[{"AttributeName":"PK","KeyType":"HASH"},{"AttributeName":"SK","KeyType":"RANGE"}],[{"AttributeName":"PK","AttributeType":"S"},{"AttributeName":"SK","AttributeType":"S"}],"PAY_PER_REQUEST"]'
	# a TableArn names the table too
	ok DescribeTable '{"TableName":"arn:aws:dynamodb:local:000000000000:table/Orders"}'
	run jq -r .Table.TableName <<<"$output"
	assert_output Orders
}

@test "CreateTable refuses bad requests with DynamoDB's errors and makes nothing" {
	create Taken
	refused CreateTable "{\"TableName\":\"Taken\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\"}" \
		ResourceInUseException "Table already exists: Taken"
	refused CreateTable "{$HASH_ONLY}" ValidationException \
		"1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"
	refused CreateTable "{\"TableName\":\"a!\",$HASH_ONLY}" ValidationException \
		"2 validation errors detected: Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
	refused CreateTable '{"TableName":"Tbl","BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"2 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; Value null at 'keySchema' failed to satisfy constraint: Member must not be null"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"X"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"id","KeyType":"PARTITION"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"1 validation error detected: Value 'PARTITION' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"other","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [other]"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"b","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"Invalid KeySchema: Some index key attribute have no definition"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"a","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"Attribute Name is duplicated: a"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"a","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"Both the Hash Key and the Range Key element in the KeySchema have the same name"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"a","KeyType":"RANGE"},{"AttributeName":"b","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"b","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
	refused CreateTable '{"TableName":"Tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY}" ValidationException \
		"One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1}}" ValidationException \
		"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"ProvisionedThroughput\":{\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":1}}" ValidationException \
		"1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"BillingMode\":\"FREE\"}" ValidationException \
		"1 validation error detected: Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\",\"TableClass\":\"COLD\"}" ValidationException \
		"Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\",\"StreamSpecification\":{\"StreamEnabled\":true}}" ValidationException \
		"One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\",\"StreamSpecification\":{\"StreamEnabled\":false,\"StreamViewType\":\"KEYS_ONLY\"}}" ValidationException \
		"One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified"
	refused CreateTable "{\"TableName\":\"Tbl\",$COMPOSITE,\"BillingMode\":\"PAY_PER_REQUEST\",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byYear\",\"KeySchema\":[{\"AttributeName\":\"year\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}]}" ValidationException \
		"One or more parameter values were invalid: ddbfs does not support GlobalSecondaryIndexes: tables have their primary key only, one region and no deletion protection"
	refused CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\",\"DeletionProtectionEnabled\":true}" ValidationException \
		"One or more parameter values were invalid: ddbfs does not support DeletionProtectionEnabled: tables have their primary key only, one region and no deletion protection"
	refused CreateTable "{\"TableName\":\".hidden\",$HASH_ONLY,\"BillingMode\":\"PAY_PER_REQUEST\"}" ValidationException \
		"table name \".hidden\" starts with '.'"
	refused CreateTable '{"TableName":"Tbl","KeySchema":"id"}' SerializationException "KeySchema must be a list"
	# nothing was made
	run $T ls "$MNT"
	assert_output "Taken"
	ok ListTables '{}'
	assert_output '{"TableNames":["Taken"]}'
}

@test "DescribeTable and the other table actions on a missing table: ResourceNotFoundException" {
	refused DescribeTable '{"TableName":"Nope"}' ResourceNotFoundException \
		"Requested resource not found: Table: Nope not found"
	refused DeleteTable '{"TableName":"Nope"}' ResourceNotFoundException \
		"Requested resource not found: Table: Nope not found"
	refused UpdateTable '{"TableName":"Nope","BillingMode":"PAY_PER_REQUEST"}' ResourceNotFoundException \
		"Requested resource not found: Table: Nope not found"
	refused DescribeTimeToLive '{"TableName":"Nope"}' ResourceNotFoundException \
		"Requested resource not found: Table: Nope not found"
	refused DescribeContinuousBackups '{"TableName":"Nope"}' TableNotFoundException \
		"Table not found: Nope"
	refused CreateBackup '{"TableName":"Nope","BackupName":"b01"}' TableNotFoundException \
		"Table not found: Nope"
	refused DescribeTable '{}' ValidationException \
		"1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"
}

@test "ListTables pages in name order with Limit, ExclusiveStartTableName and LastEvaluatedTableName" {
	for t in delta Alpha charlie bravo echo; do new_table "$t"; done
	ok ListTables '{}'
	assert_output '{"TableNames":["Alpha","bravo","charlie","delta","echo"]}'
	ok ListTables '{"Limit":2}'
	assert_output '{"TableNames":["Alpha","bravo"],"LastEvaluatedTableName":"bravo"}'
	ok ListTables '{"Limit":2,"ExclusiveStartTableName":"bravo"}'
	assert_output '{"TableNames":["charlie","delta"],"LastEvaluatedTableName":"delta"}'
	ok ListTables '{"Limit":2,"ExclusiveStartTableName":"delta"}'
	assert_output '{"TableNames":["echo"]}'
	# a start that is no table: the names after it
	ok ListTables '{"ExclusiveStartTableName":"cat"}'
	assert_output '{"TableNames":["charlie","delta","echo"]}'
	# paging through with Limit 1 visits every table once
	run bash -c "
		start=''
		while :; do
			r=\$(echo \"{\\\"Limit\\\":1\$start}\" | $T '$DDBFS' api '$MNT' ListTables) || exit 1
			echo \"\$r\" | jq -r '.TableNames[]'
			last=\$(echo \"\$r\" | jq -r '.LastEvaluatedTableName // empty')
			[ -n \"\$last\" ] || break
			start=\",\\\"ExclusiveStartTableName\\\":\\\"\$last\\\"\"
		done"
	assert_success
	assert_output "$(printf 'Alpha\nbravo\ncharlie\ndelta\necho')"
	refused ListTables '{"Limit":0}' ValidationException \
		"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
	refused ListTables '{"Limit":101}' ValidationException \
		"1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"
	refused ListTables '{"Limit":"2"}' SerializationException "Limit must be a whole number"
}

@test "DeleteTable deletes a table with its items, answers DELETING, and the files see it gone" {
	new_table Shop "id:S"
	for i in 1 2 3; do echo "{\"v\":$i}" >"$MNT/Shop/i$i.json"; done
	echo hello >"$TESTROOT/probe"
	# rmdir refuses a table with items; DeleteTable does not
	run $T rmdir "$MNT/Shop"
	assert_failure
	ok DeleteTable '{"TableName":"Shop"}'
	run jq -c '.TableDescription | [.TableName, .TableStatus, .ItemCount, .TableSizeBytes > 0]' <<<"$output"
	assert_output '["Shop","DELETING",3,true]'
	run $T ls "$MNT"
	assert_output ""
	run $T cat "$MNT/Shop/i1.json"
	assert_failure
	refused DescribeTable '{"TableName":"Shop"}' ResourceNotFoundException \
		"Requested resource not found: Table: Shop not found"
	# a table made again under the name is new and empty
	new_table Shop "id:S"
	run $T ls "$MNT/Shop"
	assert_output ""
	run $T jq -c '[.ItemCount, .TableSizeBytes]' "$MNT/Shop/.table.json"
	assert_output '[0,0]'
}

@test "DeleteTable with a stream ends it; with PITR on it keeps a SYSTEM backup of its items" {
	new_table Shop "id:S"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Shop"
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Shop"
	advance 10
	for i in 1 2; do echo "{\"v\":$i}" >"$MNT/Shop/i$i.json"; done
	$T rm "$MNT/Shop/i2.json"
	echo '{"v":3}' >"$MNT/Shop/i3.json"
	ok DeleteTable '{"TableName":"Shop"}'
	ok ListBackups '{"BackupType":"SYSTEM"}'
	run jq -c '.BackupSummaries | map([.TableName, .BackupType, .ItemCount, has("BackupExpiryDateTime")])' <<<"$output"
	assert_output '[["Shop","SYSTEM",2,true]]'
	# it holds the table as it was deleted: i1 and i3, not i2
	run $T ls "$MNT/.ddbfs/backups/Shop"
	name=$output
	run $T ls "$MNT/.ddbfs/backups/Shop/$name"
	assert_output "$(printf 'i1.json\ni3.json')"
	# and restores
	ARN=$($T "$DDBFS" api "$MNT" ListBackups <<<'{"BackupType":"ALL"}' | jq -r '.BackupSummaries[0].BackupArn')
	t=$($T "$DDBFS" api "$MNT" ListBackups <<<'{"BackupType":"ALL"}' | jq .BackupSummaries[0].BackupExpiryDateTime)
	expiry=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%S.%3NZ)
	refused DeleteBackup "{\"BackupArn\":\"$ARN\"}" ValidationException \
		"Invalid Request: User is not allowed to delete the system backup with arn $ARN. It will automatically expire on $expiry"
	ok RestoreTableFromBackup "{\"BackupArn\":\"$ARN\",\"TargetTableName\":\"Shop\"}"
	run $T cat "$MNT/Shop/i1.json" "$MNT/Shop/i3.json"
	assert_output "$(printf '{"id":"i1","v":1}\n{"id":"i3","v":3}')"
	# a new table: its stream starts empty
	run xattr Shop stream
	assert_output "OFF"
	run $T stat -c %s "$MNT/Shop/.stream"
	assert_output 0
}

@test "UpdateTable changes billing, throughput, class and stream: the xattrs show them, and back" {
	create Tbl
	ok UpdateTable '{"TableName":"Tbl","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":7,"WriteCapacityUnits":9}}'
	run jq -c '.TableDescription | [.TableStatus, .BillingModeSummary.BillingMode, .ProvisionedThroughput.ReadCapacityUnits, .ProvisionedThroughput.WriteCapacityUnits]' <<<"$output"
	assert_output '["ACTIVE","PROVISIONED",7,9]'
	run xattr Tbl billing_mode
	assert_output PROVISIONED
	run xattr Tbl rcu
	assert_output 7
	run xattr Tbl wcu
	assert_output 9
	ok UpdateTable '{"TableName":"Tbl","ProvisionedThroughput":{"ReadCapacityUnits":8,"WriteCapacityUnits":9}}'
	run xattr Tbl rcu
	assert_output 8
	ok UpdateTable '{"TableName":"Tbl","TableClass":"STANDARD_INFREQUENT_ACCESS"}'
	run xattr Tbl table_class
	assert_output STANDARD_INFREQUENT_ACCESS
	ok UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}'
	run jq -c '.TableDescription.StreamSpecification' <<<"$output"
	assert_output '{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}'
	run xattr Tbl stream
	assert_output KEYS_ONLY
	ok UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":false}}'
	run jq -c '.TableDescription | has("StreamSpecification")' <<<"$output"
	assert_output false
	run xattr Tbl stream
	assert_output OFF
	ok UpdateTable '{"TableName":"Tbl","BillingMode":"PAY_PER_REQUEST"}'
	run xattr Tbl billing_mode
	assert_output PAY_PER_REQUEST
	# and what the files set, DescribeTable shows
	$T setfattr -n user.ddb.billing_mode -v PROVISIONED "$MNT/Tbl"
	$T setfattr -n user.ddb.rcu -v 11 "$MNT/Tbl"
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Tbl"
	ok DescribeTable '{"TableName":"Tbl"}'
	run jq -c '.Table | [.BillingModeSummary.BillingMode, .ProvisionedThroughput.ReadCapacityUnits, .StreamSpecification.StreamViewType]' <<<"$output"
	assert_output '["PROVISIONED",11,"NEW_IMAGE"]'
}

@test "UpdateTable refuses bad requests with DynamoDB's errors and changes nothing" {
	ok CreateTable "{\"TableName\":\"Tbl\",$HASH_ONLY,\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}"
	refused UpdateTable '{"TableName":"Tbl"}' ValidationException \
		"At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
	refused UpdateTable '{"TableName":"Tbl","TableClass":"STANDARD_INFREQUENT_ACCESS","BillingMode":"PAY_PER_REQUEST"}' ValidationException \
		"One or more parameter values were invalid: TableClass modification must be the only operation in the request"
	refused UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":true}}' ValidationException \
		"One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required"
	refused UpdateTable '{"TableName":"Tbl","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}' ValidationException \
		"The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
	refused UpdateTable '{"TableName":"Tbl","ProvisionedThroughput":{"ReadCapacityUnits":50000,"WriteCapacityUnits":5}}' LimitExceededException \
		"Subscriber limit exceeded: Provisioned throughput for a table cannot exceed 40000 read or write capacity units (DescribeLimits)"
	refused UpdateTable '{"TableName":"Tbl","BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}' ValidationException \
		"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
	refused UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":false}}' ValidationException \
		"Table has no stream to disable: TableName: Tbl"
	refused UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"ALL"}}' ValidationException \
		"1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
	refused UpdateTable '{"TableName":"Tbl","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"x"}}]}' ValidationException \
		"One or more parameter values were invalid: ddbfs does not support GlobalSecondaryIndexUpdates: tables have their primary key only, one region and no deletion protection"
	ok UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"}}'
	refused UpdateTable '{"TableName":"Tbl","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"OLD_IMAGE"}}' ValidationException \
		"Table already has an enabled stream: TableName: Tbl"
	# two class changes in 30 days, then no more
	ok UpdateTable '{"TableName":"Tbl","TableClass":"STANDARD_INFREQUENT_ACCESS"}'
	ok UpdateTable '{"TableName":"Tbl","TableClass":"STANDARD"}'
	api UpdateTable '{"TableName":"Tbl","TableClass":"STANDARD_INFREQUENT_ACCESS"}'
	assert_failure
	assert_output --partial "ddbfs api: LimitExceededException: the table class changes at most twice in 30 days"
	# nothing of the refused requests changed
	run $T getfattr --absolute-names -d -m 'user.ddb.(billing_mode|rcu|wcu|stream|table_class)' "$MNT/Tbl"
	assert_output "$(printf '# file: %s/Tbl\nuser.ddb.billing_mode="PROVISIONED"\nuser.ddb.rcu="5"\nuser.ddb.stream="NEW_IMAGE"\nuser.ddb.table_class="STANDARD"\nuser.ddb.wcu="5"\n' "$MNT")"
}

@test "UpdateTimeToLive and DescribeTimeToLive agree with user.ddb.ttl_attribute both ways" {
	create Tbl
	ok DescribeTimeToLive '{"TableName":"Tbl"}'
	assert_output '{"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}}'
	ok UpdateTimeToLive '{"TableName":"Tbl","TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":true}}'
	assert_output '{"TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":true}}'
	run xattr Tbl ttl_attribute
	assert_output expiresAt
	ok DescribeTimeToLive '{"TableName":"Tbl"}'
	assert_output '{"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"expiresAt"}}'
	# it works: an item past its time is gone
	echo "{\"expiresAt\":$(($(now) - 10))}" >"$MNT/Tbl/old.json"
	run $T ls "$MNT/Tbl"
	assert_output ""
	refused UpdateTimeToLive '{"TableName":"Tbl","TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":true}}' \
		ValidationException "TimeToLive is already enabled"
	refused UpdateTimeToLive '{"TableName":"Tbl","TimeToLiveSpecification":{"AttributeName":"other","Enabled":false}}' \
		ValidationException "TimeToLive is active on a different AttributeName: current AttributeName is expiresAt"
	ok UpdateTimeToLive '{"TableName":"Tbl","TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":false}}'
	assert_output '{"TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":false}}'
	run xattr Tbl ttl_attribute
	assert_output ""
	refused UpdateTimeToLive '{"TableName":"Tbl","TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":false}}' \
		ValidationException "TimeToLive is already disabled"
	# set by the files, seen by the API
	$T setfattr -n user.ddb.ttl_attribute -v gone "$MNT/Tbl"
	ok DescribeTimeToLive '{"TableName":"Tbl"}'
	assert_output '{"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"gone"}}'
	refused UpdateTimeToLive '{"TableName":"Tbl"}' ValidationException \
		"1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null"
	refused UpdateTimeToLive '{"TableName":"Tbl","TimeToLiveSpecification":{"AttributeName":""}}' ValidationException \
		"2 validation errors detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null; Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"
	run xattr Tbl ttl_attribute
	assert_output gone
}

@test "UpdateContinuousBackups and DescribeContinuousBackups agree with user.ddb.pitr both ways" {
	create Tbl
	ok DescribeContinuousBackups '{"TableName":"Tbl"}'
	assert_output '{"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED","PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"DISABLED"}}}'
	t0=$(now)
	ok UpdateContinuousBackups '{"TableName":"Tbl","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}'
	run jq -c '.ContinuousBackupsDescription.PointInTimeRecoveryDescription | [.PointInTimeRecoveryStatus, .RecoveryPeriodInDays, (.EarliestRestorableDateTime | floor)]' <<<"$output"
	assert_output "[\"ENABLED\",35,$t0]"
	run xattr Tbl pitr
	assert_output on
	advance 100
	ok DescribeContinuousBackups '{"TableName":"Tbl"}'
	run jq -c '.ContinuousBackupsDescription.PointInTimeRecoveryDescription | [(.EarliestRestorableDateTime | floor), (.LatestRestorableDateTime | floor)]' <<<"$output"
	assert_output "[$t0,$((t0 + 100))]"
	refused UpdateContinuousBackups '{"TableName":"Tbl","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":7}}' \
		ValidationException "One or more parameter values were invalid: ddbfs keeps 35 days of point-in-time recovery: RecoveryPeriodInDays 7 is not supported"
	refused UpdateContinuousBackups '{"TableName":"Tbl","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false,"RecoveryPeriodInDays":35}}' \
		ValidationException "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery."
	refused UpdateContinuousBackups '{"TableName":"Tbl","PointInTimeRecoverySpecification":{}}' ValidationException \
		"1 validation error detected: Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null"
	refused UpdateContinuousBackups '{"TableName":"Nope","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}' \
		TableNotFoundException "Table not found: Nope"
	run xattr Tbl pitr
	assert_output on
	# off by the files, seen by the API
	$T setfattr -n user.ddb.pitr -v off "$MNT/Tbl"
	ok DescribeContinuousBackups '{"TableName":"Tbl"}'
	run jq -r .ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus <<<"$output"
	assert_output DISABLED
	ok UpdateContinuousBackups '{"TableName":"Tbl","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false}}'
	run xattr Tbl pitr
	assert_output off
}

@test "CreateBackup, DescribeBackup, ListBackups, DeleteBackup: the backups .snapshots shows" {
	new_table Shop "id:S"
	for i in 1 2; do echo "{\"v\":$i}" >"$MNT/Shop/i$i.json"; done
	t0=$(now)
	ok CreateBackup '{"TableName":"Shop","BackupName":"monday"}'
	R=$output
	run jq -c '.BackupDetails | [.BackupName, .BackupStatus, .BackupType, .BackupSizeBytes, (.BackupCreationDateTime | floor)]' <<<"$R"
	assert_output "[\"monday\",\"AVAILABLE\",\"USER\",$(jq .TableSizeBytes "$MNT/Shop/.table.json"),$t0]"
	ARN=$(jq -r .BackupDetails.BackupArn <<<"$R")
	[[ $ARN == arn:aws:dynamodb:local:000000000000:table/Shop/backup/* ]]
	run $T ls "$MNT/Shop/.snapshots"
	assert_output monday
	run $T cat "$MNT/Shop/.snapshots/monday/i2.json"
	assert_output '{"id":"i2","v":2}'
	# a backup taken by mkdir is listed too
	advance 5
	$T mkdir "$MNT/Shop/.snapshots/tuesday"
	ok ListBackups '{"TableName":"Shop"}'
	run jq -c '.BackupSummaries | map([.TableName, .BackupName, .ItemCount, .BackupType])' <<<"$output"
	assert_output '[["Shop","monday",2,"USER"],["Shop","tuesday",2,"USER"]]'
	ok ListBackups '{"Limit":1}'
	run jq -c '[(.BackupSummaries | map(.BackupName)), .LastEvaluatedBackupArn]' <<<"$output"
	assert_output "[[\"monday\"],\"$ARN\"]"
	ok ListBackups "{\"Limit\":1,\"ExclusiveStartBackupArn\":\"$ARN\"}"
	run jq -c '[(.BackupSummaries | map(.BackupName)), has("LastEvaluatedBackupArn")]' <<<"$output"
	assert_output '[["tuesday"],false]'
	ok ListBackups "{\"TimeRangeLowerBound\":$((t0 + 1))}"
	run jq -c '.BackupSummaries | map(.BackupName)' <<<"$output"
	assert_output '["tuesday"]'
	ok ListBackups "{\"TimeRangeUpperBound\":$((t0 + 1))}"
	run jq -c '.BackupSummaries | map(.BackupName)' <<<"$output"
	assert_output '["monday"]'
	ok ListBackups '{"BackupType":"SYSTEM"}'
	assert_output '{"BackupSummaries":[]}'
	ok DescribeBackup "{\"BackupArn\":\"$ARN\"}"
	R=$output
	run jq -c '.BackupDescription | [.BackupDetails.BackupName, .SourceTableDetails.TableName, .SourceTableDetails.ItemCount, .SourceTableDetails.KeySchema, .SourceTableDetails.BillingMode, .SourceTableDetails.TableArn]' <<<"$output"
	assert_output '["monday","Shop",2,[{"AttributeName":"id","KeyType":"HASH"}],"PAY_PER_REQUEST","arn:aws:dynamodb:local:000000000000:table/Shop"]'
	run jq .BackupDescription.SourceTableDetails.TableCreationDateTime <<<"$R"
	assert_output "$(jq .CreationDateTime "$MNT/Shop/.table.json")"
	# errors
	refused CreateBackup '{"TableName":"Shop","BackupName":"monday"}' ValidationException \
		"table Shop has a backup named monday"
	refused CreateBackup '{"TableName":"Shop","BackupName":"x"}' ValidationException \
		"1 validation error detected: Value 'x' at 'backupName' failed to satisfy constraint: Member must have length greater than or equal to 3"
	refused DescribeBackup '{"BackupArn":"arn:aws:dynamodb:local:000000000000:table/Shop/backup/00000000000000-0000ffff"}' \
		BackupNotFoundException "Backup not found: arn:aws:dynamodb:local:000000000000:table/Shop/backup/00000000000000-0000ffff"
	refused ListBackups '{"TimeRangeLowerBound":20,"TimeRangeUpperBound":10}' ValidationException \
		"One or more parameter values were invalid: Time range lower bound must be less than or equal to upper bound"
	refused DescribeBackup '{"BackupArn":"arn:aws:dynamodb:local:000000000000:table/Shop"}' ValidationException \
		"Invalid Backup ARN"
	refused ListBackups '{"BackupType":"MINE"}' ValidationException \
		"1 validation error detected: Value 'MINE' at 'backupType' failed to satisfy constraint: Member must satisfy enum value set: [USER, SYSTEM, AWS_BACKUP, ALL]"
	# DeleteBackup answers DELETED, and .snapshots no longer has it
	ok DeleteBackup "{\"BackupArn\":\"$ARN\"}"
	run jq -c '.BackupDescription.BackupDetails | [.BackupName, .BackupStatus]' <<<"$output"
	assert_output '["monday","DELETED"]'
	run $T ls "$MNT/Shop/.snapshots"
	assert_output tuesday
	refused DeleteBackup "{\"BackupArn\":\"$ARN\"}" BackupNotFoundException "Backup not found: $ARN"
	# rmdir deletes what the API lists
	$T rmdir "$MNT/Shop/.snapshots/tuesday"
	ok ListBackups '{}'
	assert_output '{"BackupSummaries":[]}'
}

@test "RestoreTableFromBackup makes a new table of the backup's items; settings are new" {
	new_table Shop "id:S"
	$T setfattr -n user.ddb.table_class -v STANDARD_INFREQUENT_ACCESS "$MNT/Shop"
	for i in 1 2; do echo "{\"v\":$i}" >"$MNT/Shop/i$i.json"; done
	ARN=$($T "$DDBFS" api "$MNT" CreateBackup <<<'{"TableName":"Shop","BackupName":"snap"}' | jq -r .BackupDetails.BackupArn)
	echo '{"v":99}' >"$MNT/Shop/i1.json"
	ok RestoreTableFromBackup "{\"BackupArn\":\"$ARN\",\"TargetTableName\":\"Shop2\",\"BillingModeOverride\":\"PROVISIONED\",\"ProvisionedThroughputOverride\":{\"ReadCapacityUnits\":2,\"WriteCapacityUnits\":3}}"
	run jq -c '.TableDescription | [.TableName, .TableStatus, .ItemCount, .KeySchema, .BillingModeSummary.BillingMode, .ProvisionedThroughput.ReadCapacityUnits, .TableClassSummary.TableClass, .RestoreSummary.SourceBackupArn == "'"$ARN"'", .RestoreSummary.SourceTableArn, .RestoreSummary.RestoreInProgress]' <<<"$output"
	assert_output '["Shop2","ACTIVE",2,[{"AttributeName":"id","KeyType":"HASH"}],"PROVISIONED",2,"STANDARD",true,"arn:aws:dynamodb:local:000000000000:table/Shop",false]'
	run $T cat "$MNT/Shop2/i1.json" "$MNT/Shop2/i2.json"
	assert_output "$(printf '{"id":"i1","v":1}\n{"id":"i2","v":2}')"
	run xattr Shop2 wcu
	assert_output 3
	refused RestoreTableFromBackup "{\"BackupArn\":\"$ARN\",\"TargetTableName\":\"Shop2\"}" \
		TableAlreadyExistsException "Table already exists: Shop2"
	refused RestoreTableFromBackup '{"BackupArn":"arn:aws:dynamodb:local:000000000000:table/Shop/backup/nothing","TargetTableName":"Shop3"}' \
		BackupNotFoundException "Backup not found: arn:aws:dynamodb:local:000000000000:table/Shop/backup/nothing"
	refused RestoreTableFromBackup "{\"BackupArn\":\"$ARN\",\"TargetTableName\":\"Shop3\",\"BillingModeOverride\":\"PAY_PER_REQUEST\",\"ProvisionedThroughputOverride\":{\"ReadCapacityUnits\":2,\"WriteCapacityUnits\":3}}" \
		ValidationException "Invalid Request: Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST"
	refused RestoreTableFromBackup "{\"BackupArn\":\"$ARN\",\"TargetTableName\":\"Shop3\",\"BillingModeOverride\":\"PROVISIONED\"}" \
		ValidationException "Invalid Request: Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED"
	refused RestoreTableFromBackup "{\"BackupArn\":\"$ARN\",\"TargetTableName\":\"Shop3\",\"ProvisionedThroughputOverride\":{\"ReadCapacityUnits\":2,\"WriteCapacityUnits\":3}}" \
		ValidationException "Invalid Request: Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED"
	run $T ls "$MNT"
	assert_output "$(printf 'Shop\nShop2')"
}

@test "RestoreTableToPointInTime restores the table as of a second, or the latest" {
	new_table Shop "id:S"
	ok UpdateContinuousBackups '{"TableName":"Shop","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}'
	advance 10
	echo '{"v":1}' >"$MNT/Shop/a.json"
	advance 10
	t1=$(now)
	advance 10
	echo '{"v":2}' >"$MNT/Shop/a.json"
	echo '{"v":3}' >"$MNT/Shop/b.json"
	ok RestoreTableToPointInTime "{\"SourceTableName\":\"Shop\",\"TargetTableName\":\"Then\",\"RestoreDateTime\":$t1}"
	run jq -c '.TableDescription | [.TableName, .ItemCount, .RestoreSummary.SourceTableArn, has("RestoreSummary")]' <<<"$output"
	assert_output '["Then",1,"arn:aws:dynamodb:local:000000000000:table/Shop",true]'
	run $T ls "$MNT/Then"
	assert_output a.json
	run $T cat "$MNT/Then/a.json"
	assert_output '{"id":"a","v":1}'
	ok RestoreTableToPointInTime '{"SourceTableArn":"arn:aws:dynamodb:local:000000000000:table/Shop","TargetTableName":"Now","UseLatestRestorableTime":true}'
	run $T cat "$MNT/Now/a.json" "$MNT/Now/b.json"
	assert_output "$(printf '{"id":"a","v":2}\n{"id":"b","v":3}')"
	refused RestoreTableToPointInTime '{"SourceTableName":"Shop","TargetTableName":"Now","UseLatestRestorableTime":true}' \
		TableAlreadyExistsException "Table already exists: Now"
	refused RestoreTableToPointInTime '{"SourceTableName":"Nope","TargetTableName":"Other","UseLatestRestorableTime":true}' \
		SourceTableNotFoundException "Source table not found: Nope"
	refused RestoreTableToPointInTime '{"SourceTableName":"Then","TargetTableName":"Other","UseLatestRestorableTime":true}' \
		PointInTimeRecoveryUnavailableException "Point in time recovery is not enabled for table 'Then'"
	refused RestoreTableToPointInTime '{"TargetTableName":"Other","UseLatestRestorableTime":true}' ValidationException \
		"Must provide exactly one of: sourceTableArn, sourceTableName"
	refused RestoreTableToPointInTime '{"SourceTableName":"Shop","TargetTableName":"Other"}' ValidationException \
		"Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both"
	refused RestoreTableToPointInTime "{\"SourceTableName\":\"Shop\",\"TargetTableName\":\"Other\",\"UseLatestRestorableTime\":true,\"RestoreDateTime\":$t1}" ValidationException \
		"Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both"
	api RestoreTableToPointInTime "{\"SourceTableName\":\"Shop\",\"TargetTableName\":\"Other\",\"RestoreDateTime\":$((t1 - 1000))}"
	assert_failure
	assert_output --partial "ddbfs api: InvalidRestoreTimeException: Invalid RestoreDateTime: "
	run $T ls "$MNT"
	assert_output "$(printf 'Now\nShop\nThen')"
}

@test "DescribeLimits answers DynamoDB's default quotas" {
	ok DescribeLimits '{}'
	assert_output '{"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,"TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000}'
}

@test "table actions through the request file itself, one request per open" {
	run $T python3 - "$MNT/.ddbfs/api" <<'PY'
import json, os, sys
def call(rq):
    fd = os.open(sys.argv[1], os.O_RDWR)
    os.write(fd, json.dumps(rq).encode())
    out = b""
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        out += b
    os.close(fd)
    return json.loads(out)
r = call({"Action": "CreateTable", "TableName": "Files", "BillingMode": "PAY_PER_REQUEST",
          "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
          "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "N"}]})
print(r["TableDescription"]["TableName"])
print(call({"Action": "ListTables"}))
print(call({"Action": "DescribeTable", "TableName": "Nope"})["__type"])
PY
	assert_success
	assert_output "$(printf "Files\n{'TableNames': ['Files']}\ncom.amazonaws.dynamodb.v20120810#ResourceNotFoundException")"
	run xattr Files key_schema
	assert_output "k:N"
}
