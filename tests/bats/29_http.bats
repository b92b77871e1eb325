#!/usr/bin/env bats
# SPEC §14: the HTTP endpoint in DynamoDB's JSON protocol, from the mount's
# daemon (-o http=ADDR:PORT) and from `ddbfs serve DATA_DIR --listen`,
# driven by the real AWS CLI, boto3 and curl: the actions of today
# (exports and imports), DynamoDB's front-door errors, the limits, and the
# rules of listening (loopback unless asked, a port in use, one owner per
# DATA_DIR).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	new_testroot
	OUT=$TESTROOT/out
	SRC=$TESTROOT/src
	mkdir -p "$OUT" "$SRC"
	PORT=$(free_port)
	SPID=
	HPID=
}

teardown() {
	stop_serve
	if [ -n "${HPID:-}" ]; then
		kill "$HPID" 2>/dev/null || true
		wait "$HPID" 2>/dev/null || true
	fi
	unmount_ddbfs || true
	[ -n "${TESTROOT:-}" ] && rm -rf "$TESTROOT"
	TESTROOT=
}

# mount_http [OPTIONS]: mounts $DATA on $MNT serving the endpoint on $PORT.
mount_http() {
	mount_ddbfs -o "http=127.0.0.1:$PORT${1:+,$1}"
}

# raw ARGS...: curl POST / on the endpoint with ARGS; the status in
# $output, the body in $BODY, the headers in $TESTROOT/hdr.
raw() {
	run $T curl -s -o "$TESTROOT/body" -D "$TESTROOT/hdr" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$PORT/"
	BODY=$(cat "$TESTROOT/body")
}

# header NAME: a header of the last raw answer.
header() {
	grep -i "^$1:" "$TESTROOT/hdr" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

# call TARGET BODY [curl args...]: a signed-looking request of the JSON protocol.
call() {
	local target=$1 body=$2
	shift 2
	raw -X POST -H "X-Amz-Target: $target" -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Date: 20261127T000000Z' -H "Authorization: $SIGV4" --data-binary "$body" "$@"
}

# pitr_table NAME: a table with point-in-time recovery on, holding 3 items.
pitr_table() {
	new_table "$1" id:S
	$T setfattr -n user.ddb.pitr -v on "$MNT/$1"
	for k in a b c; do
		echo "{\"v\":\"$k\"}" >"$MNT/$1/$k.json"
	done
}

# wait_export ARN: DescribeExport through the CLI until the export is done;
# its description in $output.
wait_export() {
	local st
	for _ in $(seq 1 100); do
		run ddb describe-export --export-arn "$1"
		assert_success
		st=$(echo "$output" | jq -r .ExportDescription.ExportStatus)
		[ "$st" = IN_PROGRESS ] || break
		sleep 0.1
	done
	[ "$st" = COMPLETED ]
}

# wait_import ARN: DescribeImport through the CLI until the import is done.
wait_import() {
	local st
	for _ in $(seq 1 100); do
		run ddb describe-import --import-arn "$1"
		assert_success
		st=$(echo "$output" | jq -r .ImportTableDescription.ImportStatus)
		[ "$st" = IN_PROGRESS ] || break
		sleep 0.1
	done
	[ "$st" = COMPLETED ]
}

@test "-o http: the AWS CLI exports a table, describes and lists the export" {
	mount_http
	pitr_table Tab
	run ddb list-exports
	assert_success
	[ "$(echo "$output" | jq -c .ExportSummaries)" = "[]" ]
	run ddb export-table-to-point-in-time --table-arn Tab --s3-bucket "$OUT"
	assert_success
	arn=$(echo "$output" | jq -r .ExportDescription.ExportArn)
	[[ $arn == arn:aws:dynamodb:*:table/Tab/export/* ]]
	wait_export "$arn"
	[ "$(echo "$output" | jq -r .ExportDescription.ItemCount)" = 3 ]
	[ "$(echo "$output" | jq -r .ExportDescription.S3Bucket)" = "$OUT" ]
	# the files are DynamoDB's layout, the items all there
	[ "$(zcat "$OUT"/AWSDynamoDB/*/data/*.json.gz | jq -r .Item.id.S | sort | tr '\n' ' ')" = "a b c " ]
	run ddb list-exports
	assert_success
	[ "$(echo "$output" | jq -r '.ExportSummaries | length')" = 1 ]
	[ "$(echo "$output" | jq -r '.ExportSummaries[0].ExportArn')" = "$arn" ]
	[ "$(echo "$output" | jq -r '.ExportSummaries[0].ExportStatus')" = COMPLETED ]
	# the request file sees the same export
	run $T "$DDBFS" api "$MNT" ListExports </dev/null
	[ "$(echo "$output" | jq -r '.ExportSummaries[0].ExportArn')" = "$arn" ]
	# DynamoDB's errors reach the CLI by name, and change nothing
	run ddb describe-export --export-arn "arn:aws:dynamodb:us-east-1:000000000000:table/Tab/export/01234567890123-00000000"
	assert_failure
	assert_output --partial "ExportNotFoundException"
	run ddb export-table-to-point-in-time --table-arn Tab --s3-bucket relative/dir
	assert_failure
	assert_output --partial "ValidationException"
	new_table NoPitr id:S
	run ddb export-table-to-point-in-time --table-arn NoPitr --s3-bucket "$OUT"
	assert_failure
	assert_output --partial "PointInTimeRecoveryUnavailableException"
	run ddb list-exports
	[ "$(echo "$output" | jq -r '.ExportSummaries | length')" = 1 ]
}

@test "-o http: ImportTable from a CSV file makes a table the mount shows at once" {
	mount_http
	printf 'id,color,size\nk1,red,L\nk2,blue,\n' >"$SRC/fruit.csv"
	run ddb import-table --s3-bucket-source "S3Bucket=$SRC" --input-format CSV \
		--table-creation-parameters '{"TableName":"Fruit","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}'
	assert_success
	arn=$(echo "$output" | jq -r .ImportTableDescription.ImportArn)
	[[ $arn == arn:aws:dynamodb:*:table/Fruit/import/* ]]
	wait_import "$arn"
	[ "$(echo "$output" | jq -r .ImportTableDescription.ImportedItemCount)" = 2 ]
	run $T cat "$MNT/Fruit/k1.json"
	assert_output '{"id":"k1","color":"red","size":"L"}'
	run $T cat "$MNT/Fruit/k2.json"
	assert_output '{"id":"k2","color":"blue"}'
	run ddb list-imports
	assert_success
	[ "$(echo "$output" | jq -r '.ImportSummaryList[0].ImportArn')" = "$arn" ]
	# a table that exists is not imported over: nothing changes
	run ddb import-table --s3-bucket-source "S3Bucket=$SRC" --input-format CSV \
		--table-creation-parameters '{"TableName":"Fruit","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}'
	assert_failure
	assert_output --partial "ResourceInUseException"
	[ "$(ls "$MNT/Fruit" | tr '\n' ' ')" = "k1.json k2.json " ]
}

@test "boto3 talks to the endpoint unmodified: exports, imports, errors by code" {
	mount_http
	pitr_table Tab
	printf 'id,n\nx,1\n' >"$SRC/one.csv"
	run $T env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null $PY - "$PORT" "$OUT" "$SRC" <<'EOF'
import sys, time, boto3, botocore
port, out, src = sys.argv[1:4]
c = boto3.client("dynamodb", endpoint_url="http://127.0.0.1:%s" % port, region_name="us-east-1")
r = c.export_table_to_point_in_time(TableArn="Tab", S3Bucket=out)
arn = r["ExportDescription"]["ExportArn"]
while True:
    d = c.describe_export(ExportArn=arn)["ExportDescription"]
    if d["ExportStatus"] != "IN_PROGRESS":
        break
    time.sleep(0.1)
print(d["ExportStatus"], d["ItemCount"], type(d["ExportTime"]).__name__)
print(len(c.list_exports()["ExportSummaries"]))
r = c.import_table(S3BucketSource={"S3Bucket": src}, InputFormat="CSV",
                   TableCreationParameters={"TableName": "One",
                       "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                       "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                       "BillingMode": "PAY_PER_REQUEST"})
iarn = r["ImportTableDescription"]["ImportArn"]
while True:
    d = c.describe_import(ImportArn=iarn)["ImportTableDescription"]
    if d["ImportStatus"] != "IN_PROGRESS":
        break
    time.sleep(0.1)
print(d["ImportStatus"], d["ImportedItemCount"])
try:
    c.describe_export(ExportArn="arn:aws:dynamodb:us-east-1:000000000000:table/Tab/export/01234567890123-00000000")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
          len(e.response["ResponseMetadata"]["RequestId"]))
EOF
	assert_success
	assert_output "COMPLETED 3 datetime
1
COMPLETED 1
ExportNotFoundException 400 52"
	run $T cat "$MNT/One/x.json"
	assert_output '{"id":"x","n":"1"}'
}

@test "responses carry x-amz-crc32 (the body's CRC32), a request id and DynamoDB's content type" {
	mount_http
	call DynamoDB_20120810.ListExports '{}'
	assert_output 200
	[ "$BODY" = '{"ExportSummaries":[]}' ]
	[ "$(header x-amz-crc32)" = "$($PY -c 'import sys, zlib; print(zlib.crc32(open(sys.argv[1], "rb").read()))' "$TESTROOT/body")" ]
	[ "$(header x-amz-crc32)" = 3102986012 ]
	[[ $(header x-amzn-RequestId) =~ ^[A-Z0-9]{52}$ ]]
	[ "$(header Content-Type)" = application/x-amz-json-1.0 ]
	[ "$(header Content-Length)" = 22 ]
	# errors too, and each answer its own id
	id=$(header x-amzn-RequestId)
	call DynamoDB_20120810.DescribeExport '{"ExportArn":"nope"}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazonaws.dynamodb.v20120810#ExportNotFoundException" ]
	[ "$(header x-amz-crc32)" = "$($PY -c 'import sys, zlib; print(zlib.crc32(open(sys.argv[1], "rb").read()))' "$TESTROOT/body")" ]
	[ "$(header x-amzn-RequestId)" != "$id" ]
	# JSON 1.1 and plain JSON are taken too; plain JSON is answered in kind
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.1' \
		-H 'X-Amz-Date: 20261127T000000Z' -H "Authorization: $SIGV4" -d '{}'
	assert_output 200
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/json' \
		-H 'X-Amz-Date: 20261127T000000Z' -H "Authorization: $SIGV4" -d '{}'
	assert_output 200
	[ "$(header Content-Type)" = application/json ]
	# one keep-alive connection serves request after request
	run $T curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' -X POST \
		-H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Date: 20261127T000000Z' -H "Authorization: $SIGV4" -d '{}' \
		"http://127.0.0.1:$PORT/" "http://127.0.0.1:$PORT/"
	assert_output "1 0 "
}

@test "DynamoDB's front door: authentication, targets, methods and bodies, in DynamoDB's shapes" {
	mount_http
	# no Authorization header, or one that is not SigV4
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' -d '{}'
	assert_output 400
	[ "$BODY" = '{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}' ]
	[ "$(header x-amz-crc32)" = "$($PY -c 'import sys, zlib; print(zlib.crc32(open(sys.argv[1], "rb").read()))' "$TESTROOT/body")" ]
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'Authorization: Bearer abc' -d '{}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#MissingAuthenticationTokenException" ]
	# SigV4 without its parts: what is missing is said
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=k/20261127/us-east-1/dynamodb/aws4_request' -d '{}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#IncompleteSignatureException" ]
	[ "$(echo "$BODY" | jq -r .message)" = "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=k/20261127/us-east-1/dynamodb/aws4_request" ]
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Date: 20261127T000000Z' -H 'Authorization: AWS4-HMAC-SHA256 Credential=k/20261127/us-east-1, SignedHeaders=host, Signature=ab' -d '{}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .message)" = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'k/20261127/us-east-1'" ]
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Date: 20261127T000000Z' -H 'Authorization: AWS4-HMAC-SHA1 Credential=k/a/b/c/d, SignedHeaders=host, Signature=ab' -d '{}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .message)" = "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). " ]
	# any key and secret pass
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'Date: Fri, 27 Nov 2026 00:00:00 GMT' -H 'Authorization: AWS4-HMAC-SHA256 Credential=anyone/x/y/z/w, SignedHeaders=host, Signature=00' -d '{}'
	assert_output 200
	# a missing, foreign or malformed target; an unknown action
	for t in "" "DynamoDB_20111205.ListExports" "DynamoDB_20120810" "DynamoDB_20120810." "Foo.ListExports"; do
		call "$t" '{}'
		assert_output 400
		[ "$BODY" = '{"__type":"com.amazon.coral.service#UnknownOperationException"}' ]
	done
	raw -X POST -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Date: 20261127T000000Z' \
		-H "Authorization: $SIGV4" -d '{}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#UnknownOperationException" ]
	call DynamoDB_20120810.NoSuchAction '{}'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#UnknownOperationException" ]
	# the target is checked before the credentials, as DynamoDB does
	raw -X POST -H 'X-Amz-Target: Nope' -H 'Content-Type: application/x-amz-json-1.0' -d '{}'
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#UnknownOperationException" ]
	# a body that is not JSON, or none
	call DynamoDB_20120810.ListExports '{"Action":'
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#SerializationException" ]
	call DynamoDB_20120810.ListExports ''
	assert_output 400
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazon.coral.service#SerializationException" ]
	# not a POST, or not JSON: DynamoDB's 404
	raw -X GET
	assert_output 404
	[ "$BODY" = "<UnknownOperationException/>" ]
	[ "$(header x-amz-crc32)" = 3552371480 ]
	raw -X PUT -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -d '{}'
	assert_output 404
	raw -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' -H 'Content-Type: text/plain' \
		-H 'X-Amz-Date: 20261127T000000Z' -H "Authorization: $SIGV4" -d '{}'
	assert_output 404
	# any path is the root
	run $T curl -s -X POST -H 'X-Amz-Target: DynamoDB_20120810.ListExports' \
		-H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Date: 20261127T000000Z' \
		-H "Authorization: $SIGV4" -d '{}' "http://127.0.0.1:$PORT/some/path"
	assert_output '{"ExportSummaries":[]}'
	# a browser's preflight is allowed
	run $T curl -s -o /dev/null -D - -X OPTIONS -H 'Origin: http://example.com' \
		-H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: x-amz-target' \
		"http://127.0.0.1:$PORT/"
	assert_output --partial "Access-Control-Allow-Origin: *"
	assert_output --partial "Access-Control-Allow-Headers: x-amz-target"
	# no error changed anything
	[ -z "$(ls "$MNT")" ]
	[ -z "$(ls -A "$OUT")" ]
}

@test "a body up to 16 MB is served; a larger one is refused with 413, sent or streamed" {
	mount_http
	# {} and spaces: exactly 16 MiB, then one byte more
	$PY -c 'import sys; sys.stdout.write("{}" + " " * (16 * 1024 * 1024 - 2))' >"$TESTROOT/max.json"
	$PY -c 'import sys; sys.stdout.write("{}" + " " * (16 * 1024 * 1024 - 1))' >"$TESTROOT/over.json"
	call DynamoDB_20120810.ListExports "@$TESTROOT/max.json"
	assert_output 200
	[ "$BODY" = '{"ExportSummaries":[]}' ]
	call DynamoDB_20120810.ListExports "@$TESTROOT/over.json"
	assert_output 413
	[ "$(echo "$BODY" | jq -r .__type)" = "com.amazonaws.dynamodb.v20120810#ValidationException" ]
	[ "$(echo "$BODY" | jq -r .message)" = "The request body of 16777217 bytes is over DynamoDB's limit of 16777216 bytes" ]
	# streamed, its length unknown until it ends
	call DynamoDB_20120810.ListExports "@$TESTROOT/over.json" -H 'Transfer-Encoding: chunked'
	assert_output 413
	[ "$(echo "$BODY" | jq -r .message)" = "The request body is over DynamoDB's limit of 16777216 bytes" ]
	call DynamoDB_20120810.ListExports "@$TESTROOT/max.json" -H 'Transfer-Encoding: chunked'
	assert_output 200
	# the endpoint goes on
	answers
}

@test "-o ro: the endpoint reads, and ImportTable is refused with nothing made" {
	mount_http ro
	printf 'id\nk\n' >"$SRC/a.csv"
	run ddb list-exports
	assert_success
	run ddb import-table --s3-bucket-source "S3Bucket=$SRC" --input-format CSV \
		--table-creation-parameters '{"TableName":"ReadOnly","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}'
	assert_failure
	assert_output --partial "ValidationException"
	assert_output --partial "read-only"
	run ddb list-imports
	[ "$(echo "$output" | jq -r '.ImportSummaryList | length')" = 0 ]
	[ -z "$(ls "$MNT")" ]
}

@test "a non-loopback address must be asked for: -o http_public, --public" {
	run $T "$DDBFS" "$DATA" "$MNT" -o "http=0.0.0.0:$PORT"
	assert_failure 1
	assert_output --partial "0.0.0.0 is not a loopback address"
	assert_output --partial "http_public"
	[ ! -e "$DATA" ]
	run ! grep -q " $MNT " /proc/mounts
	run $T "$DDBFS" serve "$DATA" --listen "0.0.0.0:$PORT"
	assert_failure 1
	assert_output --partial "--public"
	[ ! -e "$DATA" ]
	# asked for, it serves (here on the loopback interface too)
	mount_ddbfs -o "http=0.0.0.0:$PORT,http_public"
	answers
	unmount_ddbfs
	LISTEN=0.0.0.0:$PORT start_serve --public
	stop_serve
	[ "$(cat "$TESTROOT/serve.err")" = "ddbfs: serving $(realpath "$DATA") on http://0.0.0.0:$PORT" ]
	# PORT alone is 127.0.0.1:PORT; a bad spec is refused
	mount_ddbfs -o "http=$PORT"
	answers
	unmount_ddbfs
	for bad in "http=" "http=127.0.0.1:70000" "http=127.0.0.1:x" "http=[::1"; do
		run $T "$DDBFS" "$DATA" "$MNT" -o "$bad"
		assert_failure
		run ! grep -q " $MNT " /proc/mounts
	done
}

@test "a port in use: the mount fails before mounting, ddbfs serve before opening" {
	# another endpoint holds the port
	"$DDBFS" serve "$TESTROOT/other" --listen "127.0.0.1:$PORT" 2>/dev/null 3>&- &
	HPID=$!
	for _ in $(seq 1 200); do answers && break; sleep 0.01; done
	answers
	run $T "$DDBFS" "$DATA" "$MNT" -o "http=127.0.0.1:$PORT"
	assert_failure 1
	assert_output "ddbfs: http: 127.0.0.1:$PORT is in use: another server listens there"
	run ! grep -q " $MNT " /proc/mounts
	[ ! -e "$DATA" ]
	run $T "$DDBFS" serve "$DATA" --listen "127.0.0.1:$PORT"
	assert_failure 1
	assert_output "ddbfs serve: http: 127.0.0.1:$PORT is in use: another server listens there"
	[ ! -e "$DATA" ]
	# the holder is untouched
	answers
}

@test "ddbfs serve: ready at once, the mount's data, a clean stop on SIGTERM" {
	# a table with point-in-time recovery, made on a mount
	mount_ddbfs
	pitr_table Tab
	unmount_ddbfs
	start=$(date +%s%N)
	start_serve
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "first answer after $ms ms"
	[ "$ms" -lt 1000 ]
	[ "$(cat "$TESTROOT/serve.err")" = "ddbfs: serving $(realpath "$DATA") on http://127.0.0.1:$PORT" ]
	run ddb export-table-to-point-in-time --table-arn Tab --s3-bucket "$OUT"
	assert_success
	arn=$(echo "$output" | jq -r .ExportDescription.ExportArn)
	wait_export "$arn"
	[ "$(echo "$output" | jq -r .ExportDescription.ItemCount)" = 3 ]
	# SIGTERM: exit 0, the port and DATA_DIR free again
	stop_serve
	[ "$SERVE_RC" = 0 ]
	run ! answers
	mount_ddbfs
	[ "$(ls "$MNT/Tab" | tr '\n' ' ')" = "a.json b.json c.json " ]
	run $T "$DDBFS" api "$MNT" ListExports </dev/null
	[ "$(echo "$output" | jq -r '.ExportSummaries[0].ExportArn')" = "$arn" ]
	unmount_ddbfs
	# SIGINT stops it as well; --ro refuses writes
	start_serve --ro
	printf 'id\nk\n' >"$SRC/a.csv"
	run ddb import-table --s3-bucket-source "S3Bucket=$SRC" --input-format CSV \
		--table-creation-parameters '{"TableName":"ReadOnly","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}'
	assert_failure
	assert_output --partial "read-only"
	kill -INT "$SPID"
	rc=0
	$T tail --pid="$SPID" -f /dev/null
	wait "$SPID" || rc=$?
	SPID=
	[ "$rc" = 0 ]
}

@test "ddbfs serve on a DATA_DIR that is mounted: EBUSY naming the mount" {
	mount_ddbfs
	run --separate-stderr $T "$DDBFS" serve "$DATA" --listen "127.0.0.1:$PORT"
	assert_failure 1
	[[ $stderr == "ddbfs serve: DATA_DIR $(realpath "$DATA") is in use by pid $(daemon_pid), mounted on $MNT" ]]
	run ! answers
	# and a mount of a DATA_DIR that ddbfs serve holds is refused
	unmount_ddbfs
	start_serve
	mkdir "$TESTROOT/mnt2"
	run $T "$DDBFS" "$DATA" "$TESTROOT/mnt2"
	assert_failure
	assert_output --partial "in use by pid $SPID"
	answers
}

@test "ddbfs serve: usage, --help, bad arguments" {
	run $T "$DDBFS" --help
	assert_success
	assert_output --partial "serve DATA_DIR --listen ADDR:PORT"
	assert_output --partial "http=ADDR:PORT"
	run $T "$DDBFS" serve --help
	assert_success
	assert_output --partial "usage: ddbfs serve DATA_DIR --listen ADDR:PORT"
	run $T "$DDBFS" serve "$DATA"
	assert_failure 2
	run $T "$DDBFS" serve --listen "127.0.0.1:$PORT"
	assert_failure 2
	run $T "$DDBFS" serve "$DATA" --listen "127.0.0.1:$PORT" --bogus
	assert_failure 2
	run $T "$DDBFS" serve "$DATA" --listen "127.0.0.1:$PORT" -o nosuch
	assert_failure 2
	assert_output --partial "unknown option nosuch"
	run $T "$DDBFS" serve "$DATA" --listen "127.0.0.1:$PORT" -o cache_mb=0
	assert_failure 2
	[ ! -e "$DATA" ]
}
