#!/usr/bin/env bats
# SPEC §13: ddbfs export writes DynamoDB's S3 export layout (full and
# incremental, DynamoDB JSON and Ion), and ddbfs import reads it back, and
# real DynamoDB exports, exactly.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	mount_ddbfs -o test_clock
	OUT=$TESTROOT/out
	mkdir -p "$OUT"
}

# pitr_table NAME [SCHEMA]: a table with point-in-time recovery on.
pitr_table() {
	new_table "$@"
	$T setfattr -n user.ddb.pitr -v on "$MNT/$1"
}

# the_export [DIR]: the one export's directory under DIR (default $OUT).
the_export() {
	ls -d "${1:-$OUT}"/AWSDynamoDB/*/
}

# items TABLE: every item of TABLE, keys sorted, one per line, in order.
items() {
	(cd "$MNT/$1" && $T find . -name '*.json' ! -name '.*' -type f | LC_ALL=C sort |
		while read -r f; do jq -S -c . "$f"; done)
}

# all_types: an item of every type, in the plain format.
ALL_TYPES='{"s":"x\u00e9\n\"q\"","e":"","n":12345678901234567890123456789012345678,"neg":-1.5E-30,"z":0,"b":{"B":"AAEC/w=="},"eb":{"B":""},"t":true,"f":false,"nul":null,"m":{"deep":{"l":[1,"two",{"B":"AA=="},[]],"em":{}}},"l":[[],{},{"SS":["in","list"]}],"ss":{"SS":["a","b",""]},"ns":{"NS":[1,2.5,-99999999999999999999999999999999999999]},"bs":{"BS":["AA==","AQ=="]}}'

# fill TABLE: three partitions of items of every type.
fill() {
	local p s
	for p in a b c; do
		$T mkdir "$MNT/$1/$p"
		for s in 1 2; do
			echo "$ALL_TYPES" >"$MNT/$1/$p/$s.json"
		done
	done
}

@test "a full export is DynamoDB's layout: manifests, checksums, gzip data of DynamoDB JSON" {
	pitr_table Tab
	fill Tab
	run $T "$DDBFS" export "$MNT/Tab" "$OUT"
	assert_success
	[ "$(echo "$output" | jq -r .ExportStatus)" = COMPLETED ]
	[ "$(echo "$output" | jq -r .ItemCount)" = 6 ]
	E=$(the_export)
	[ -f "$E/_started" ] && [ ! -s "$E/_started" ]
	# manifest-summary.json has DynamoDB's fields
	run jq -r '[.version, .exportArn, .tableArn, .tableId, .s3Bucket, (.s3Prefix|tostring),
		.manifestFilesS3Key, .itemCount, .outputFormat, (.billedSizeBytes > 0),
		(.startTime|test("Z$")), (.endTime|test("Z$")), (.exportTime|test("Z$"))] | join(" ")' \
		"$E/manifest-summary.json"
	assert_output --regexp "^2020-06-30 arn:aws:dynamodb:[a-z0-9-]+:[0-9]{12}:table/Tab/export/[0-9]{14}-[0-9a-f]{8} arn:aws:dynamodb:[a-z0-9-]+:[0-9]{12}:table/Tab [0-9a-f-]{36} $OUT null AWSDynamoDB/[0-9]{14}-[0-9a-f]{8}/manifest-files.json 6 DYNAMODB_JSON true true true true\$"
	# each checksum is the MD5 of its manifest
	for m in summary files; do
		[ "$(cat "$E/manifest-$m.checksum")" = "$(md5sum <"$E/manifest-$m.json" | cut -c1-32)" ]
	done
	# manifest-files.json: one line per data file, with its MD5 and count
	total=0
	while read -r line; do
		key=$(echo "$line" | jq -r .dataFileS3Key)
		f=$OUT/$key
		[ -f "$f" ]
		[[ $f == *.json.gz ]]
		[ "$(echo "$line" | jq -r .etag)" = "$(md5sum <"$f" | cut -c1-32)" ]
		[ "$(echo "$line" | jq -r .md5Checksum)" = "$(openssl md5 -binary <"$f" | base64)" ]
		n=$(zcat "$f" | wc -l)
		[ "$(echo "$line" | jq -r .itemCount)" = "$n" ]
		total=$((total + n))
	done <"$E/manifest-files.json"
	[ "$total" = 6 ]
	# every line is {"Item":{...}} in DynamoDB JSON, every type exact
	run sh -c "zcat '$E'/data/*.json.gz | jq -c 'keys'"
	assert_output "$(printf '["Item"]\n%.0s' 1 2 3 4 5 6)"
	run sh -c "zcat '$E'/data/*.json.gz | jq -c 'select(.Item.PK.S==\"b\" and .Item.SK.S==\"2\") | .Item | {n, neg, ns, bs, eb, nul, l}'"
	assert_output '{"n":{"N":"12345678901234567890123456789012345678"},"neg":{"N":"-0.0000000000000000000000000000015"},"ns":{"NS":["1","2.5","-99999999999999999999999999999999999999"]},"bs":{"BS":["AA==","AQ=="]},"eb":{"B":""},"nul":{"NULL":true},"l":{"L":[{"L":[]},{"M":{}},{"SS":["in","list"]}]}}'
}

@test "an export needs PITR on and a time in its window; a failed one leaves nothing" {
	new_table Tab
	fill Tab
	run $T "$DDBFS" export "$MNT/Tab" "$OUT"
	assert_failure
	assert_output --partial "PointInTimeRecoveryUnavailableException"
	assert_output --partial "point-in-time recovery off"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Tab"
	run $T "$DDBFS" export "$MNT/Tab" "$OUT" --time "$(($(now) - 3600))"
	assert_failure
	assert_output --partial "InvalidExportTimeException"
	run $T "$DDBFS" export "$MNT/Tab" "$OUT" --time "$(($(now) + 3600))"
	assert_failure
	run $T "$DDBFS" export "$MNT/Tab" "$OUT" --format csv
	assert_failure
	assert_output --partial "--format is ddb or ion"
	run $T "$DDBFS" export "$MNT/Nope" "$OUT"
	assert_failure
	[ -z "$(ls -A "$OUT")" ]
	# through the API too: never into the mount itself, where files are items
	run $T "$DDBFS" api "$MNT" ExportTableToPointInTime <<<"{\"TableArn\":\"Tab\",\"S3Bucket\":\"$MNT/Tab\"}"
	assert_failure
	assert_output --partial "ValidationException: $MNT/Tab is in the mount of this database, where files are items"
	[ ! -e "$MNT/Tab/AWSDynamoDB" ]
}

@test "an export at a time holds the items as they were then, and costs no capacity" {
	pitr_table Tab
	fill Tab
	advance 60
	t=$(now)
	advance 60
	rm "$MNT/Tab/a/1.json"
	echo '{"v":2}' >"$MNT/Tab/b/1.json"
	echo '{"v":3}' >"$MNT/Tab/c/9.json"
	before=$($T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Tab")
	run $T "$DDBFS" export "$MNT/Tab" "$OUT" --time "$t"
	assert_success
	[ "$(echo "$output" | jq -r .ItemCount)" = 6 ]
	run sh -c "zcat $(the_export)/data/*.gz | jq -r '.Item | .PK.S + .SK.S + \" \" + (has(\"v\")|tostring)' | sort"
	assert_output "$(printf 'a1 false\na2 false\nb1 false\nb2 false\nc1 false\nc2 false')"
	[ "$($T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/Tab")" = "$before" ]
	# the same time in ISO 8601
	rm -rf "${OUT:?}"/*
	run $T "$DDBFS" export "$MNT/Tab" "$OUT" --time "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)"
	assert_success
	[ "$(echo "$output" | jq -r .ItemCount)" = 6 ]
}

@test "a big table is split over several data files, each gzip, by partition key" {
	pitr_table Big "id:N"
	# 3000 items of 4 KB, imported from DynamoDB JSON
	python3 -c '
import json
for i in range(3000):
    print(json.dumps({"Item": {"id": {"N": str(i)}, "pad": {"S": "x" * 4000}}}))' >"$TESTROOT/big.json"
	run $T "$DDBFS" import "$TESTROOT/big.json" "$MNT" Big2 --format ddb --pk id:N
	assert_success
	$T setfattr -n user.ddb.pitr -v on "$MNT/Big2"
	run $T "$DDBFS" export "$MNT/Big2" "$OUT"
	assert_success
	E=$(the_export)
	n=$(wc -l <"$E/manifest-files.json")
	[ "$n" -ge 2 ]
	[ "$(ls "$E/data" | wc -l)" = "$n" ]
	for f in "$E"/data/*; do gzip -t "$f"; done
	[ "$(zcat "$E"/data/*.gz | wc -l)" = 3000 ]
	# a partition key lives in one file only
	[ "$(zcat "$E"/data/*.gz | jq -r .Item.id.N | sort -n | uniq | wc -l)" = 3000 ]
	[ "$(jq -s 'map(.itemCount) | add' "$E/manifest-files.json")" = 3000 ]
}

@test "an Ion export reads back with ion-js as the same items as the DynamoDB JSON export" {
	pitr_table Tab
	fill Tab
	advance 2
	t=$(now)
	run $T "$DDBFS" export "$MNT/Tab" "$OUT/ddb" --time "$t"
	assert_success
	run $T "$DDBFS" export "$MNT/Tab" "$OUT/ion" --time "$t" --format ion
	assert_success
	[ "$(echo "$output" | jq -r .ExportFormat)" = ION ]
	E=$(the_export "$OUT/ion")
	[ "$(jq -r .outputFormat "$E/manifest-summary.json")" = ION ]
	ls "$E"/data/*.ion.gz
	zcat "$E"/data/*.ion.gz | head -c 9 | grep -q '^\$ion_1_0 '
	zcat "$E"/data/*.ion.gz >"$TESTROOT/all.ion"
	run $T node "$BATS_TEST_DIRNAME/../tools/ion2ddb.js" "$TESTROOT/all.ion"
	assert_success
	echo "$output" | jq -S -c . | sort >"$TESTROOT/ion.txt"
	zcat "$(the_export "$OUT/ddb")"/data/*.gz | jq -S -c . | sort >"$TESTROOT/ddb.txt"
	[ "$(wc -l <"$TESTROOT/ion.txt")" = 6 ]
	diff "$TESTROOT/ddb.txt" "$TESTROOT/ion.txt"
}

@test "every type round-trips: export then import makes an identical table, both formats" {
	pitr_table Tab
	fill Tab
	$T mkdir "$MNT/Tab/bin"
	echo '{"x":{"B":"////"}}' >"$MNT/Tab/bin/k.json"
	for fmt in ddb ion; do
		rm -rf "${OUT:?}"/*
		run $T "$DDBFS" export "$MNT/Tab" "$OUT" --format $fmt
		assert_success
		run $T "$DDBFS" import "$(the_export)" "$MNT" "Back$fmt" --format $fmt --pk PK:S --sk SK:S
		assert_success
		[ "$(echo "$output" | jq -r '.ImportStatus, .ImportedItemCount, .ErrorCount' | tr '\n' ' ')" = "COMPLETED 7 0 " ]
		diff <(items Tab) <(items "Back$fmt")
	done
}

@test "an export is byte-for-byte stable for the same table and time" {
	pitr_table Tab
	fill Tab
	advance 2
	t=$(now)
	advance 5
	for fmt in ddb ion; do
		$T "$DDBFS" export "$MNT/Tab" "$OUT/1$fmt" --time "$t" --format $fmt >/dev/null
		$T "$DDBFS" export "$MNT/Tab" "$OUT/2$fmt" --time "$t" --format $fmt >/dev/null
		a=$(the_export "$OUT/1$fmt")
		b=$(the_export "$OUT/2$fmt")
		[ "$a" != "$b" ]
		diff <(cd "$a/data" && md5sum *) <(cd "$b/data" && md5sum *)
		diff <(jq -c '.dataFileS3Key |= sub("^AWSDynamoDB/[^/]*/"; "")' "$a/manifest-files.json") \
			<(jq -c '.dataFileS3Key |= sub("^AWSDynamoDB/[^/]*/"; "")' "$b/manifest-files.json")
		diff <(jq -c 'del(.exportArn, .startTime, .endTime, .manifestFilesS3Key, .s3Bucket)' "$a/manifest-summary.json") \
			<(jq -c 'del(.exportArn, .startTime, .endTime, .manifestFilesS3Key, .s3Bucket)' "$b/manifest-summary.json")
	done
}

@test "files written as real DynamoDB exports write them import correctly, DynamoDB JSON and Ion" {
	F=$BATS_TEST_DIRNAME/../fixtures/dynamodb-export
	run $T "$DDBFS" import "$F/ddb" "$MNT" FromDdb --format ddb --pk Id:N
	assert_success
	[ "$(echo "$output" | jq -r '.ImportedItemCount, .ErrorCount' | tr '\n' ' ')" = "3 0 " ]
	run $T "$DDBFS" import "$F/ion" "$MNT" FromIon --format ion --pk Id:N
	assert_success
	[ "$(echo "$output" | jq -r '.ImportedItemCount, .ErrorCount' | tr '\n' ' ')" = "3 0 " ]
	diff <(items FromDdb) <(items FromIon)
	run $T jq -S -c . "$MNT/FromDdb/101.json"
	assert_output "$(jq -S -c . "$F/expected-101.json")"
}

@test "an incremental export holds the last change of each item changed in the window" {
	pitr_table Inc
	$T mkdir "$MNT/Inc/a" "$MNT/Inc/b"
	echo '{"v":1}' >"$MNT/Inc/a/1.json"
	echo '{"v":1}' >"$MNT/Inc/a/2.json"
	echo '{"v":1}' >"$MNT/Inc/b/1.json"
	echo '{"v":1}' >"$MNT/Inc/b/9.json"
	advance 60
	t1=$(now)
	advance 60
	echo '{"v":2}' >"$MNT/Inc/a/1.json"
	rm "$MNT/Inc/a/2.json"
	echo '{"v":3}' >"$MNT/Inc/b/1.json"
	echo '{"v":4}' >"$MNT/Inc/b/1.json"
	$T mkdir "$MNT/Inc/c"
	echo '{"v":1}' >"$MNT/Inc/c/1.json"
	echo '{"v":1}' >"$MNT/Inc/c/tmp.json"
	rm "$MNT/Inc/c/tmp.json"
	advance 1000
	t2=$(now)
	advance 10
	echo '{"v":5}' >"$MNT/Inc/a/1.json"
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --from "$t1" --to "$t2"
	assert_success
	[ "$(echo "$output" | jq -r '.ExportType, .ItemCount' | tr '\n' ' ')" = "INCREMENTAL_EXPORT 4 " ]
	E=$(the_export)
	[ "$(jq -r '.exportType, .outputView' "$E/manifest-summary.json" | tr '\n' ' ')" = "INCREMENTAL_EXPORT NEW_AND_OLD_IMAGES " ]
	run sh -c "zcat '$E'/data/*.gz | jq -c '[.Keys.PK.S + .Keys.SK.S, .OldImage.v.N, .NewImage.v.N]' | sort"
	assert_output "$(printf '%s\n' '["a1","1","2"]' '["a2","1",null]' '["b1","1","4"]' '["c1",null,"1"]')"
	# each line: Metadata.WriteTimestampMicros in the window, Keys in DynamoDB JSON
	zcat "$E"/data/*.gz | jq -e --argjson a "$t1" --argjson b "$t2" \
		'(.Metadata.WriteTimestampMicros.N | tonumber) as $us |
		 $us > $a * 1000000 and $us <= $b * 1000000 and (.Keys | keys) == ["PK","SK"]' >/dev/null
	# NEW_IMAGE leaves the old images out
	rm -rf "${OUT:?}"/*
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --from "$t1" --to "$t2" --view NEW_IMAGE --format ion
	assert_success
	E=$(the_export)
	[ "$(zcat "$E"/data/*.gz | wc -l)" = 4 ]
	! zcat "$E"/data/*.gz | grep -q OldImage
	zcat "$E"/data/*.gz | grep -q '^\$ion_1_0 {Metadata:{WriteTimestampMicros:'
	# an incremental export does not make a table
	run $T "$DDBFS" import "$E" "$MNT" NewInc --format ion --pk PK:S --sk SK:S
	assert_failure
	assert_output --partial "incremental export"
	[ ! -e "$MNT/NewInc" ]
}

@test "an incremental export's window: 15 minutes to 24 hours, inside the PITR window" {
	pitr_table Inc
	echo '{"v":1}' >"$MNT/Inc/x.json" || true
	advance 100000
	t=$(now)
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --from "$((t - 600))" --to "$t"
	assert_failure
	assert_output --partial "at least 15 minutes"
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --from "$((t - 90000))" --to "$t"
	assert_failure
	assert_output --partial "at most 24 hours"
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --from "$((t - 3600))" --to "$((t + 3600))"
	assert_failure
	assert_output --partial "point-in-time recovery window"
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --from "$t" --to "$((t - 3600))"
	assert_failure
	run $T "$DDBFS" export "$MNT/Inc" "$OUT" --view NEW_IMAGE
	assert_failure
	assert_output --partial "--view is for an incremental export"
	[ -z "$(ls -A "$OUT")" ]
}

@test ".ddbfs/api: one request per open file, its answer read back, DynamoDB's errors" {
	pitr_table Tab
	fill Tab
	run $T "$DDBFS" export "$MNT/Tab" "$OUT"
	assert_success
	arn=$(echo "$output" | jq -r .ExportArn)
	# a shell session: the answer is read from where the request ended
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":\"ListExports\"}' >&3; cat <&3"
	assert_success
	[ "$(echo "$output" | jq -r '.ExportSummaries[0].ExportArn, .ExportSummaries[0].ExportStatus' | tr '\n' ' ')" = "$arn COMPLETED " ]
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":\"DescribeExport\",\"ExportArn\":\"$arn\"}' >&3; cat <&3"
	[ "$(echo "$output" | jq -r .ExportDescription.ItemCount)" = 6 ]
	# DynamoDB's error shapes
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":\"NoSuchThing\"}' >&3; cat <&3"
	[ "$(echo "$output" | jq -r .__type)" = "com.amazon.coral.service#UnknownOperationException" ]
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":' >&3; cat <&3"
	[ "$(echo "$output" | jq -r .__type)" = "com.amazon.coral.service#SerializationException" ]
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":\"DescribeExport\",\"ExportArn\":\"x/01234567890123-00000000\"}' >&3; cat <&3"
	[ "$(echo "$output" | jq -r .__type)" = "com.amazonaws.dynamodb.v20120810#ExportNotFoundException" ]
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":\"ExportTableToPointInTime\",\"TableArn\":\"Tab\",\"S3Bucket\":\"relative/dir\"}' >&3; cat <&3"
	[ "$(echo "$output" | jq -r .__type)" = "com.amazonaws.dynamodb.v20120810#ValidationException" ]
	# two sessions at once each read their own answer
	exec 4<>"$MNT/.ddbfs/api" 5<>"$MNT/.ddbfs/api"
	echo '{"Action":"ListImports"}' >&4
	echo '{"Action":"ListExports"}' >&5
	a=$($T cat <&5)
	b=$($T cat <&4)
	exec 4>&- 5>&-
	[ "$(echo "$a" | jq -r 'keys[0]')" = ExportSummaries ]
	[ "$(echo "$b" | jq -r 'keys[0]')" = ImportSummaryList ]
	# the file is empty to stat, and the exports' descriptions outlive a remount
	[ "$(stat -c %s "$MNT/.ddbfs/api")" = 0 ]
	unmount_ddbfs
	mount_ddbfs -o test_clock
	run $T bash -c "exec 3<>'$MNT/.ddbfs/api'; echo '{\"Action\":\"DescribeExport\",\"ExportArn\":\"$arn\"}' >&3; cat <&3"
	[ "$(echo "$output" | jq -r .ExportDescription.ExportStatus)" = COMPLETED ]
}

@test "ddbfs api sends one request from stdin and exits non-zero on DynamoDB's error" {
	pitr_table Tab
	fill Tab
	run $T "$DDBFS" export "$MNT/Tab" "$OUT"
	arn=$(echo "$output" | jq -r .ExportArn)
	run $T "$DDBFS" api "$MNT" ListExports </dev/null
	assert_success
	[ "$(echo "$output" | jq -r '.ExportSummaries | length')" = 1 ]
	run $T sh -c "echo '{\"ExportArn\":\"$arn\",\"Action\":\"Ignored\"}' | '$DDBFS' api '$MNT/Tab' DescribeExport"
	assert_success
	[ "$(echo "$output" | jq -r .ExportDescription.ExportStatus)" = COMPLETED ]
	run --separate-stderr $T sh -c "echo '{\"ExportArn\":\"nope\"}' | '$DDBFS' api '$MNT' DescribeExport"
	assert_failure 1
	[ -z "$output" ]
	[[ "$stderr" == *"ExportNotFoundException"* ]]
	run $T sh -c "echo '[1]' | '$DDBFS' api '$MNT' ListExports"
	assert_failure
	assert_output --partial "not a JSON object"
	run $T "$DDBFS" api "$MNT"
	assert_failure 2
	run $T "$DDBFS" api /tmp ListExports
	assert_failure 1
}
