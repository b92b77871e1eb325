#!/usr/bin/env bats
# SPEC §13: ddbfs import makes a new table from CSV, DynamoDB JSON or Ion
# files (plain, gzip or zstd), at no capacity cost and with no stream
# record; bad records and bad files are skipped and logged with file and
# line; nothing is left half-created; --watch keeps importing the files
# that land in a directory into an existing table.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	mount_ddbfs -o test_clock
	SRC=$TESTROOT/src
	mkdir -p "$SRC"
	WPID=
}

teardown() {
	if [ -n "${WPID:-}" ]; then
		kill "$WPID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$WPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$WPID" 2>/dev/null || true
		WPID=
	fi
	unmount_ddbfs || true
	[ -n "${TESTROOT:-}" ] && rm -rf "$TESTROOT"
	TESTROOT=
}

# imp SRC TABLE ARGS...: ddbfs import into $MNT; the description in
# $output, the messages in $stderr.
imp() {
	local src=$1 table=$2
	shift 2
	run --separate-stderr $T "$DDBFS" import "$src" "$MNT" "$table" "$@"
	D=$output
}

# desc FILTER...: fields of the ImportTableDescription the last imp
# printed, on one line.
desc() {
	local f out=
	for f in "$@"; do
		out="$out$(echo "$D" | jq -r "$f") "
	done
	echo "${out% }"
}

# items TABLE: every item of TABLE as rendered, one per line, in name order.
items() {
	(cd "$MNT/$1" && $T find . -name '*.json' ! -name '.*' -type f | LC_ALL=C sort |
		while read -r f; do $T cat "$f"; done)
}

# count TABLE: how many items TABLE holds.
count() {
	$T find "$MNT/$1" -name '*.json' ! -name '.*' -type f | wc -l
}

# tables: the tables of the mount, one line.
tables() {
	$T ls "$MNT" | tr '\n' ' '
}

# wcu TABLE: the write units TABLE has consumed.
wcu() {
	$T getfattr --absolute-names --only-values -n user.ddb.consumed "$MNT/$1" |
		tr ',' '\n' | sed -n 's/^wcu=//p'
}

# stream_lines TABLE: how many records TABLE's stream holds.
stream_lines() {
	$T cat "$MNT/$1/.stream" | wc -l
}

# ddb_lines FIRST COUNT [PREFIX]: DynamoDB JSON lines of items id PREFIXi.
ddb_lines() {
	python3 -c '
import json, sys
first, n, p = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(first, first + n):
    print(json.dumps({"Item": {"id": {"S": "%s%d" % (p, i)}, "v": {"N": str(i)}}}))' "$1" "$2" "${3:-k}"
}

# wait_for PATH: waits up to 15 s for PATH to exist.
wait_for() {
	local i
	for i in $(seq 1 150); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# wait_until COMMAND...: waits up to 15 s for COMMAND to succeed.
wait_until() {
	local i
	for i in $(seq 1 150); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# done_file NAME: the watcher of $W has noted NAME as finished.
done_file() {
	grep -q " $1\$" "$W/.ddbfs-import.done" 2>/dev/null
}

# start_watch DIR TABLE: a watcher in the background, its pid in WPID.
start_watch() {
	"$DDBFS" import --watch "$1" "$MNT/$2" --format ddb >>"$TESTROOT/watch.out" 2>>"$TESTROOT/watch.err" 3>&- &
	WPID=$!
}

stop_watch() {
	kill "$WPID"
	for _ in $(seq 1 100); do
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$WPID" 2>/dev/null
	WPID=
}

@test "CSV: typed keys, other columns strings, empty fields left out, quoting, delimiters, headers" {
	printf '%s\n' 'id,name,price,note,empty' \
		'1,apple,12.50,"a, b",' \
		'2,pear,007,"say ""hi""",' \
		'3,fig,,"two' 'lines",x' >"$SRC/fruit.csv"
	imp "$SRC/fruit.csv" Fruit --format csv --pk id:N --sk name:S
	assert_success
	[ "$(desc .ImportStatus .ProcessedItemCount .ImportedItemCount .ErrorCount)" = "COMPLETED 3 3 0" ]
	[ "$(desc '.ProcessedSizeBytes > 0')" = true ]
	[ "$($T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Fruit")" = "id:N,name:S" ]
	run $T cat "$MNT/Fruit/1/apple.json"
	assert_output '{"id":1,"name":"apple","price":"12.50","note":"a, b"}'
	run $T cat "$MNT/Fruit/2/pear.json"
	assert_output '{"id":2,"name":"pear","price":"007","note":"say \"hi\""}'
	run $T cat "$MNT/Fruit/3/fig.json"
	assert_output '{"id":3,"name":"fig","note":"two\nlines","empty":"x"}'
	# the key is a number: 007 as a key is 7
	printf 'id,v\n007,a\n' >"$SRC/num.csv"
	imp "$SRC/num.csv" Num --format csv --pk id:N
	assert_success
	run $T cat "$MNT/Num/7.json"
	assert_output '{"id":7,"v":"a"}'

	# ';' and a tab as delimiters
	printf 'id;v;w\na;1,5;x y\nb;2;\n' >"$SRC/semi.csv"
	imp "$SRC/semi.csv" Semi --format csv --pk id:S --csv-delimiter ';'
	assert_success
	[ "$(desc .ImportedItemCount .ErrorCount)" = "2 0" ]
	run $T cat "$MNT/Semi/a.json" "$MNT/Semi/b.json"
	assert_output "$(printf '%s\n' '{"id":"a","v":"1,5","w":"x y"}' '{"id":"b","v":"2"}')"
	printf 'id\tv\na\t1;2\nb\t"3\t4"\n' >"$SRC/tab.tsv"
	imp "$SRC/tab.tsv" Tab --format csv --pk id:S --csv-delimiter "$(printf '\t')"
	assert_success
	run $T cat "$MNT/Tab/a.json" "$MNT/Tab/b.json"
	assert_output "$(printf '%s\n' '{"id":"a","v":"1;2"}' '{"id":"b","v":"3\t4"}')"

	# --csv-header for files without one: the first line is a record
	printf 'x,1,one\ny,2,two\n' >"$SRC/nohead.csv"
	imp "$SRC/nohead.csv" NoHead --format csv --pk a:S --csv-header a,b,c
	assert_success
	[ "$(desc .ImportedItemCount .ErrorCount)" = "2 0" ]
	run $T cat "$MNT/NoHead/x.json" "$MNT/NoHead/y.json"
	assert_output "$(printf '%s\n' '{"a":"x","b":"1","c":"one"}' '{"a":"y","b":"2","c":"two"}')"

	# a directory of files, each with its own header
	mkdir "$SRC/dir"
	printf 'id,color\nd1,red\nd2,blue\n' >"$SRC/dir/1.csv"
	printf 'size,id\nL,d3\n' >"$SRC/dir/2.csv"
	printf 'id\nd4\n' >"$SRC/dir/3.csv"
	imp "$SRC/dir" Dir --format csv --pk id:S
	assert_success
	[ "$(desc .ImportedItemCount .ErrorCount)" = "4 0" ]
	run items Dir
	assert_output "$(printf '%s\n' '{"id":"d1","color":"red"}' '{"id":"d2","color":"blue"}' \
		'{"id":"d3","size":"L"}' '{"id":"d4"}')"
}

@test "DynamoDB JSON and Ion, from plain, gzip and zstd files, zstd known by its magic bytes" {
	printf '%s\n' \
		'{"Item":{"id":{"S":"a"},"n":{"N":"1.50"},"b":{"B":"AAE="},"ss":{"SS":["x","y"]},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}}}}' \
		'{"Item":{"id":{"S":"b"},"n":{"N":"-12345678901234567890123456789012345678"}}}' \
		>"$SRC/ddb.json"
	want=$(printf '%s\n' '{"id":"a","n":1.5,"b":{"B":"AAE="},"ss":{"SS":["x","y"]},"m":{"l":[true,null]}}' \
		'{"id":"b","n":-12345678901234567890123456789012345678}')
	gzip -c "$SRC/ddb.json" >"$SRC/ddb.json.gz"
	zstd -q -c "$SRC/ddb.json" >"$SRC/blob"
	# the zstd file's name says nothing of its compression
	[ "$(head -c 4 "$SRC/blob" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	for f in ddb.json ddb.json.gz blob; do
		t=D$(echo "$f" | tr -dc a-z)
		imp "$SRC/$f" "$t" --format ddb --pk id:S
		assert_success
		[ "$(desc .ImportStatus .ImportedItemCount .ErrorCount)" = "COMPLETED 2 0" ]
		run items "$t"
		assert_output "$want"
	done

	# Ion: one record per line and one pretty-printed over several lines
	cat >"$SRC/data.ion" <<-'EOF'
		$ion_1_0 {Item:{id:"a",n:1.50,b:{{AAE=}},ss:$dynamodb_SS::["x","y"],m:{l:[true,null]}}}
		$ion_1_0 {
		  Item: {
		    id: "b",
		    n: -12345678901234567890123456789012345678.
		  }
		}
		$ion_1_0 {Item:{id:"c",d:-0.125d2}}
	EOF
	want=$(printf '%s\n%s\n' "$want" '{"id":"c","d":-12.5}')
	gzip -c "$SRC/data.ion" >"$SRC/data.ion.gz"
	zstd -q -c "$SRC/data.ion" >"$SRC/ionblob"
	for f in data.ion data.ion.gz ionblob; do
		t=I$(echo "$f" | tr -dc a-z)
		imp "$SRC/$f" "$t" --format ion --pk id:S
		assert_success
		[ "$(desc .ImportStatus .ImportedItemCount .ErrorCount)" = "COMPLETED 3 0" ]
		run items "$t"
		assert_output "$want"
	done
}

@test "an import consumes no write capacity and writes no stream record" {
	ddb_lines 0 50 >"$SRC/a.json"
	[ -z "$(tables)" ]
	imp "$SRC/a.json" New --format ddb --pk id:S
	assert_success
	[ "$(count New)" = 50 ]
	[ "$(wcu New)" = 0 ]
	# the stream of a new table is off and empty; on, it holds no import
	[ "$($T getfattr --absolute-names --only-values -n user.ddb.stream "$MNT/New")" = OFF ]
	[ "$(stream_lines New)" = 0 ]
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/New"
	[ "$(stream_lines New)" = 0 ]
	# while a write after it is recorded and counted
	echo '{"v":1}' >"$MNT/New/later.json"
	[ "$(stream_lines New)" = 1 ]
	[ "$(wcu New)" = 1 ]
	# the new table is listed as soon as the import is over
	[ "$(tables)" = "New " ]
	ddb_lines 0 5 >"$SRC/b.json"
	imp "$SRC/b.json" Newer --format ddb --pk id:S
	assert_success
	[ "$(tables)" = "New Newer " ]
}

@test "importing into an existing table fails and leaves that table as it was" {
	new_table Tab "id:S"
	echo '{"v":"old"}' >"$MNT/Tab/k0.json"
	before=$(items Tab)
	ddb_lines 0 5 >"$SRC/a.json"
	imp "$SRC/a.json" Tab --format ddb --pk id:S
	assert_failure
	[ "$status" -ne 3 ]
	[[ $stderr == *"exists"* ]]
	[ "$(items Tab)" = "$before" ]
	[ "$($T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Tab")" = "id:S" ]
	[ "$(tables)" = "Tab " ]
}

@test "bad records are skipped, counted and logged as FILE:LINE; the good ones import" {
	printf '%s\n' \
		'{"Item":{"id":{"S":"g1"}}}' \
		'{"Item":{"id":{"S":"x"}' \
		'{"NotItem":{"id":{"S":"x"}}}' \
		'{"Item":{"id":{"S":"g2"}}}' \
		'{"Item":{"id":{"S":"x"},"n":{"N":"123456789012345678901234567890123456789"}}}' \
		'{"Item":{"other":{"S":"x"}}}' \
		'{"Item":{"id":{"N":"7"}}}' \
		'{"Item":{"id":{"S":"g3"}}}' >"$SRC/bad.json"
	imp "$SRC/bad.json" Bad --format ddb --pk id:S
	[ "$status" = 3 ]
	[ "$(desc .ImportStatus .ProcessedItemCount .ImportedItemCount .ErrorCount)" = "COMPLETED 8 3 5" ]
	run items Bad
	assert_output "$(printf '%s\n' '{"id":"g1"}' '{"id":"g2"}' '{"id":"g3"}')"
	log=$(desc .Ddbfs.Log)
	[ -f "$log" ]
	[[ $log == "$DATA/imports/"*.log ]]
	[ "$(wc -l <"$log")" = 5 ]
	for n in 2 3 5 6 7; do
		grep -Eq "bad\.json:$n: .+" "$log"
	done
	! grep -Eq "bad\.json:(1|4|8):" "$log"
	[[ $stderr == *"5 errors"* ]]
	# one line in the events journal, with the same counts
	run grep '"Event":"Import"' "$MNT/.ddbfs/events"
	assert_success
	[ "${#lines[@]}" = 1 ]
	[ "$(echo "$output" | jq -r '[.Table, .ProcessedItemCount, .ImportedItemCount, .ErrorCount] | join(" ")')" = "Bad 8 3 5" ]

	# Ion: a value that is not a struct
	printf '%s\n' '$ion_1_0 {Item:{id:"i1"}}' '$ion_1_0 42' '$ion_1_0 {Item:{id:"i3"}}' >"$SRC/bad.ion"
	imp "$SRC/bad.ion" BadIon --format ion --pk id:S
	[ "$status" = 3 ]
	[ "$(desc .ImportedItemCount .ErrorCount)" = "2 1" ]
	log=$(desc .Ddbfs.Log)
	[ "$(wc -l <"$log")" = 1 ]
	grep -Eq "bad\.ion:2: .+" "$log"

	# CSV: a row without its key value
	printf 'id,v\na,1\n,2\nc,3\n' >"$SRC/bad.csv"
	imp "$SRC/bad.csv" BadCsv --format csv --pk id:S
	[ "$status" = 3 ]
	[ "$(desc .ImportedItemCount .ErrorCount)" = "2 1" ]
	log=$(desc .Ddbfs.Log)
	[ "$(wc -l <"$log")" = 1 ]
	grep -Eq "bad\.csv:3: .+" "$log"
	[ "$(grep -c '"Event":"Import"' "$MNT/.ddbfs/events")" = 3 ]
}

@test "bad files: a truncated gzip, a zstd bomb, a line over 400 KB, a CSV header without the key" {
	# a truncated gzip: the lines before the cut import, one error names it
	ddb_lines 0 3000 >"$SRC/many.json"
	gzip -c "$SRC/many.json" >"$SRC/full.gz"
	head -c $(($(stat -c %s "$SRC/full.gz") - 100)) "$SRC/full.gz" >"$SRC/cut.gz"
	whole=$(zcat "$SRC/cut.gz" 2>/dev/null | wc -l)
	[ "$whole" -gt 2000 ] && [ "$whole" -lt 3000 ]
	imp "$SRC/cut.gz" Cut --format ddb --pk id:S
	[ "$status" = 3 ]
	[ "$(desc .ErrorCount)" = 1 ]
	n=$(desc .ImportedItemCount)
	[ "$n" -gt 2000 ] && [ "$n" -le "$whole" ]
	[ "$(count Cut)" = "$n" ]
	# they are the first lines of the file
	[ "$(cd "$MNT/Cut" && $T ls | sed 's/^k//; s/\.json$//' | sort -n | tail -n 1)" = $((n - 1)) ]
	grep -q 'cut\.gz' "$(desc .Ddbfs.Log)"

	# a zstd bomb: 2 GB of zeros in a small file fails fast, memory bounded
	head -c 2G /dev/zero | zstd -q -1 -c >"$SRC/bomb.zst"
	[ "$(stat -c %s "$SRC/bomb.zst")" -lt 1000000 ]
	pid=$(daemon_pid)
	imp "$SRC/bomb.zst" Bomb --format ddb --pk id:S
	[ "$status" = 1 ]
	[[ $stderr == *"bomb.zst"* ]]
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	[ "$hwm" -lt 512000 ]
	[ ! -e "$MNT/Bomb" ]

	# a line over 400 KB: one error for it, the next lines import
	{
		ddb_lines 0 1
		python3 -c 'import json; print(json.dumps({"Item": {"id": {"S": "big"}, "p": {"S": "x" * 500000}}}))'
		ddb_lines 1 2
	} >"$SRC/long.json"
	imp "$SRC/long.json" Long --format ddb --pk id:S
	[ "$status" = 3 ]
	[ "$(desc .ImportedItemCount .ErrorCount)" = "3 1" ]
	grep -Eq "long\.json:2: .+" "$(desc .Ddbfs.Log)"
	[ "$(count Long)" = 3 ]
	[ ! -e "$MNT/Long/big.json" ]

	# a CSV whose header lacks the key column: every row fails, no table
	printf 'name,v\na,1\nb,2\n' >"$SRC/nokey.csv"
	imp "$SRC/nokey.csv" NoKey --format csv --pk id:S
	[ "$status" = 1 ]
	[ ! -e "$MNT/NoKey" ]
	[ "$(tables)" = "Cut Long " ]
}

@test "nothing half-created: a failed import leaves no table; export manifests are checked" {
	printf '%s\n' '{bad' '{"Item":{"x":{"S":"1"}}}' >"$SRC/allbad.json"
	imp "$SRC/allbad.json" None --format ddb --pk id:S
	[ "$status" = 1 ]
	[ -n "$stderr" ]
	[ -z "$(tables)" ]

	# a real export, with its manifest-files.checksum wrong
	new_table Src "id:S"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Src"
	ddb_lines 0 3000 | python3 -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l); d["Item"]["pad"] = {"S": "x" * 4000}; print(json.dumps(d))' >"$SRC/big.json"
	imp "$SRC/big.json" Big --format ddb --pk id:S
	assert_success
	$T setfattr -n user.ddb.pitr -v on "$MNT/Big"
	run $T "$DDBFS" export "$MNT/Big" "$TESTROOT/out"
	assert_success
	E=$(ls -d "$TESTROOT"/out/AWSDynamoDB/*/)
	cp -a "$E" "$TESTROOT/good"
	echo 0123456789abcdef0123456789abcdef >"$E/manifest-files.checksum"
	imp "$E" FromBad --format ddb --pk id:S
	assert_failure
	[[ $stderr == *"checksum"* ]]
	[ ! -e "$MNT/FromBad" ]
	[ "$(tables)" = "Big Src " ]

	# a data file whose MD5 is not the manifest's: an error for that file
	E=$TESTROOT/good
	[ "$(wc -l <"$E/manifest-files.json")" -ge 2 ]
	key=$(head -n 1 "$E/manifest-files.json" | jq -r .dataFileS3Key)
	f=$E/data/${key##*/}
	skipped=$(head -n 1 "$E/manifest-files.json" | jq -r .itemCount)
	zcat "$f" | head -n -1 | gzip -c >"$f.new"
	mv "$f.new" "$f"
	imp "$E" FromEtag --format ddb --pk id:S
	[ "$status" = 3 ]
	[ "$(desc .ErrorCount)" = 1 ]
	[ "$(desc .ImportedItemCount)" = $((3000 - skipped)) ]
	grep -q "${key##*/}" "$(desc .Ddbfs.Log)"
	[ "$(count FromEtag)" = $((3000 - skipped)) ]
}

@test "--watch imports files copied or moved in, whole, once, into a table with its stream" {
	new_table Wtab "id:S"
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Wtab"
	W=$TESTROOT/watch
	mkdir -p "$W" "$TESTROOT/stage"
	start_watch "$W" Wtab
	sleep 0.5

	# copied in: written, then closed
	ddb_lines 0 3 a >"$SRC/a.json"
	cp "$SRC/a.json" "$W/a.json"
	wait_for "$MNT/Wtab/a2.json"
	# moved in from elsewhere on the same file system
	ddb_lines 0 3 b >"$TESTROOT/stage/b.json"
	mv "$TESTROOT/stage/b.json" "$W/b.json"
	wait_for "$MNT/Wtab/b2.json"
	[ "$(count Wtab)" = 6 ]
	# each put is a stream record
	[ "$(stream_lines Wtab)" = 6 ]
	run sh -c "$T cat '$MNT/Wtab/.stream' | jq -r '.eventName' | sort | uniq -c | tr -s ' '"
	assert_output " 6 INSERT"

	# written slowly: imported whole, never half
	python3 -c '
import sys, time
lines = "".join("{\"Item\":{\"id\":{\"S\":\"c%d\"},\"v\":{\"N\":\"%d\"}}}\n" % (i, i) for i in range(40))
half = len(lines) // 2 + 7
with open(sys.argv[1], "w") as f:
    f.write(lines[:half]); f.flush()
    time.sleep(1)
    f.write(lines[half:])' "$W/c.json"
	wait_for "$MNT/Wtab/c39.json"
	sleep 0.5
	[ "$(count Wtab)" = 46 ]
	[ ! -e "$W/.failed/c.json" ]
	[ "$(stream_lines Wtab)" = 46 ]

	# a bad file goes to .failed with a log naming the problem
	printf '%s\n' '{"Item":{"id":{"S":"z"}' >"$W/bad.json"
	wait_for "$W/.failed/bad.json.log"
	[ -f "$W/.failed/bad.json" ]
	[ ! -e "$W/bad.json" ]
	grep -q 'bad\.json:1: ' "$W/.failed/bad.json.log"
	[ "$(count Wtab)" = 46 ]

	# stopped and started again: finished files are not imported again,
	# a file that landed meanwhile is
	stop_watch
	echo '{"v":"changed"}' >"$MNT/Wtab/a1.json"
	n=$(stream_lines Wtab)
	ddb_lines 0 2 d >"$W/d.json"
	: >"$TESTROOT/watch.out"
	start_watch "$W" Wtab
	wait_until done_file d.json
	sleep 1
	# two new stream records, for d0 and d1 only; a1 keeps its change
	[ "$(stream_lines Wtab)" = $((n + 2)) ]
	run sh -c "$T tail -n 2 '$MNT/Wtab/.stream' | jq -r '.eventName + \" \" + .dynamodb.Keys.id.S'"
	assert_output "$(printf 'INSERT d0\nINSERT d1')"
	run $T cat "$MNT/Wtab/a1.json"
	assert_output '{"id":"a1","v":"changed"}'
	# one import since the restart: d.json's (printed by the time it stops)
	stop_watch
	[ "$(jq -r .ImportedItemCount "$TESTROOT/watch.out")" = 2 ]
	# and the new items are there, listed
	run $T cat "$MNT/Wtab/d1.json"
	assert_output '{"id":"d1","v":1}'
	[ "$(count Wtab)" = 48 ]
}

@test "progress: none when stderr is not a terminal, items and MB on a terminal, none with --quiet" {
	python3 -c '
import json
for i in range(400000):
    print(json.dumps({"Item": {"id": {"S": "k%d" % i}, "pad": {"S": "x" * 50}}}))' >"$SRC/many.json"
	$T "$DDBFS" import "$SRC/many.json" "$MNT" Pone --format ddb --pk id:S >"$TESTROOT/out1" 2>"$TESTROOT/err1"
	[ ! -s "$TESTROOT/err1" ]
	[ "$(jq -r .ImportedItemCount "$TESTROOT/out1")" = 400000 ]
	# on a terminal, an import that takes more than the second before
	# progress shows (400,000 items take less): 2,000,000 items
	for j in 1 2 3 4 5; do sed "s/\"k/\"k$j-/" "$SRC/many.json"; done >"$SRC/more.json"
	run $T script -qec "'$DDBFS' import '$SRC/more.json' '$MNT' Ptwo --format ddb --pk id:S >'$TESTROOT/out2'" /dev/null
	assert_success
	assert_output --regexp '[0-9]+ items, [0-9.]+ MB'
	[ "$(jq -r .ImportedItemCount "$TESTROOT/out2")" = 2000000 ]
	run $T script -qec "'$DDBFS' import '$SRC/many.json' '$MNT' Pthree --format ddb --pk id:S --quiet >'$TESTROOT/out3'" /dev/null
	assert_success
	assert_output ''
	[ "$(jq -r .ImportedItemCount "$TESTROOT/out3")" = 400000 ]
}

@test "bad usage: a clear message, a non-zero exit, nothing created" {
	ddb_lines 0 3 >"$SRC/a.json"
	imp "$SRC/a.json" Use1 --pk id:S
	assert_failure
	[[ $stderr == *"--format"* ]]
	imp "$SRC/a.json" Use2 --format ddb
	assert_failure
	[[ $stderr == *"--pk"* ]]
	imp "$SRC/a.json" Use3 --format ddb --pk id:S --csv-header a,b
	assert_failure
	[[ $stderr == *"--csv-header"* ]]
	imp "$SRC/a.json" Use4 --format ddb --pk id:S --bogus
	assert_failure
	[[ $stderr == *"--bogus"* ]]
	imp "$SRC/nope.json" Use5 --format ddb --pk id:S
	assert_failure
	[[ $stderr == *"nope.json"* ]]
	imp "$SRC/a.json" Use6 --format ddb --pk id:X
	assert_failure
	[[ $stderr == *"TYPE"* ]]
	run --separate-stderr $T "$DDBFS" import "$SRC/a.json" "$SRC" Use7 --format ddb --pk id:S
	assert_failure
	[ -n "$stderr" ]
	[ -z "$(tables)" ]
	[ "$(ls "$SRC")" = a.json ]
}

# api_import_into TABLE FILE: import FILE into TABLE through .ddbfs/api, as
# the watcher does, and wait until it is done.
api_import_into() {
	local arn st i
	arn=$($T bash -c "exec 3<>'$MNT/.ddbfs/api'; printf '%s' '{\"Action\":\"ImportTable\",\"InputFormat\":\"DYNAMODB_JSON\",\"S3BucketSource\":{\"S3Bucket\":\"$(dirname "$2")\"},\"DdbfsTargetTable\":\"$1\",\"DdbfsFile\":\"$2\"}' >&3; cat <&3" |
		jq -r .ImportTableDescription.ImportArn)
	[ -n "$arn" ] && [ "$arn" != null ]
	for i in $(seq 1 100); do
		st=$($T bash -c "exec 3<>'$MNT/.ddbfs/api'; printf '%s' '{\"Action\":\"DescribeImport\",\"ImportArn\":\"$arn\"}' >&3; cat <&3" |
			jq -r .ImportTableDescription.ImportStatus)
		[ "$st" = IN_PROGRESS ] || break
		sleep 0.1
	done
	[ "$st" = COMPLETED ]
}

@test "an item changed by an import into its table is read new at once, whatever was cached" {
	new_table Hot "id:S"
	echo '{"v":"old"}' >"$MNT/Hot/k.json"
	sleep 6 # no longer hot: cat reads through the page cache
	run $T cat "$MNT/Hot/k.json"
	assert_output '{"id":"k","v":"old"}'
	ls "$MNT/Hot" >/dev/null
	for v in new-and-much-longer s x-$(printf 'y%.0s' $(seq 1 300)); do
		echo "{\"Item\":{\"id\":{\"S\":\"k\"},\"v\":{\"S\":\"$v\"}}}" >"$TESTROOT/up.json"
		api_import_into Hot "$TESTROOT/up.json"
		run $T cat "$MNT/Hot/k.json"
		assert_output "{\"id\":\"k\",\"v\":\"$v\"}"
		[ "$(stat -c %s "$MNT/Hot/k.json")" = "$(printf '%s\n' "$output" | wc -c)" ]
	done
	# a new item and a new table are listed at once
	echo '{"Item":{"id":{"S":"n"}}}' >"$TESTROOT/new.json"
	api_import_into Hot "$TESTROOT/new.json"
	run $T ls "$MNT/Hot"
	assert_output "$(printf 'k.json\nn.json')"
	ls "$MNT" >/dev/null
	ls "$MNT/Fresh" 2>/dev/null || true
	run $T "$DDBFS" import "$TESTROOT/new.json" "$MNT" Fresh --format ddb --pk id:S
	assert_success
	run $T ls "$MNT"
	assert_output --partial Fresh
	run $T ls "$MNT/Fresh"
	assert_output n.json
}

@test "a spreadsheet's CSV with a byte order mark imports; a header without the key is one error naming it" {
	printf '\xef\xbb\xbfid,name\r\n1,n1\r\n2,n2\r\n' >"$SRC/bom.csv"
	imp "$SRC/bom.csv" Bom --format csv --pk id:N
	assert_success
	[ "$(desc .ImportedItemCount .ErrorCount)" = "2 0" ]
	run $T cat "$MNT/Bom/1.json"
	assert_output '{"id":1,"name":"n1"}'
	# the key column is missing: one error for the file, the header shown
	printf '%s\n' ' id,name' 1,a 2,b 3,c >"$SRC/nokey.csv"
	imp "$SRC/nokey.csv" NoKey --format csv --pk id:N
	assert_failure 1
	[ "$(desc .ErrorCount)" = 1 ]
	echo "$D" | jq -r .Ddbfs.FirstErrors | grep -q 'nokey.csv:1: .*the header is " id,name"'
	[ ! -e "$MNT/NoKey" ]
}

@test "an export goes outside the mount; a refused one leaves no directory; AWSDynamoDB/ itself imports as its export" {
	$T mkdir "$MNT/Tab"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Tab"
	$T mkdir "$MNT/Tab/p"
	echo '{"v":1}' >"$MNT/Tab/p/s.json"
	run $T "$DDBFS" export "$MNT/Tab" "$MNT"
	assert_failure
	assert_output --partial "export to a directory outside it"
	run $T "$DDBFS" export "$MNT/Tab" "$MNT/Tab"
	assert_failure
	[ "$(ls "$MNT")" = Tab ]
	$T mkdir "$MNT/NoPitr"
	run $T "$DDBFS" export "$MNT/NoPitr" "$TESTROOT/never"
	assert_failure
	[ ! -e "$TESTROOT/never" ]
	run $T "$DDBFS" export "$MNT/Tab" "$TESTROOT/exp" --prefix '/a//b/'
	assert_success
	[ -d "$TESTROOT/exp/a/b/AWSDynamoDB" ]
	jq -r .manifestFilesS3Key "$TESTROOT"/exp/a/b/AWSDynamoDB/*/manifest-summary.json | grep -q '^a/b/AWSDynamoDB/[^/]*/manifest-files.json$'
	imp "$TESTROOT/exp/a/b/AWSDynamoDB" Back --format ddb --pk PK:S --sk SK:S
	assert_success
	[ "$(desc .ImportedItemCount .ErrorCount)" = "1 0" ]
	# two exports there: name one
	run $T "$DDBFS" export "$MNT/Tab" "$TESTROOT/exp" --prefix a/b
	assert_success
	imp "$TESTROOT/exp/a/b/AWSDynamoDB" Back2 --format ddb --pk PK:S --sk SK:S
	assert_failure
	[[ "$stderr" == *"holds 2 exports: name one of them"* ]]
	[ ! -e "$MNT/Back2" ]
}

@test "the watcher: one per directory; a failed file never replaces an earlier one of its name" {
	new_table Wtab "id:S"
	W=$TESTROOT/w
	mkdir -p "$W"
	start_watch "$W" Wtab
	sleep 0.5
	run $T "$DDBFS" import --watch "$W" "$MNT/Wtab" --format ddb
	assert_failure
	assert_output --partial "another ddbfs import --watch watches this directory"
	printf '%s\n' '{"Item":{"id":{"S":"good"}}}' '{bad' >"$W/bad.json"
	wait_for "$W/.failed/bad.json.log"
	printf '%s\n' '{worse' >"$W/bad.json"
	wait_for "$W/.failed/bad.json.1.log"
	[ "$(head -1 "$W/.failed/bad.json")" = '{"Item":{"id":{"S":"good"}}}' ]
	[ "$(cat "$W/.failed/bad.json.1")" = '{worse' ]
	grep -q 'bad.json:2:' "$W/.failed/bad.json.log"
	grep -q 'bad.json:1:' "$W/.failed/bad.json.1.log"
	stop_watch
}

@test "an export under a prefix is named, not read as data; an unreadable CSV header is one error" {
	$T mkdir "$MNT/Tab"
	$T setfattr -n user.ddb.pitr -v on "$MNT/Tab"
	$T mkdir "$MNT/Tab/p"
	echo '{"v":1}' >"$MNT/Tab/p/s.json"
	run $T "$DDBFS" export "$MNT/Tab" "$TESTROOT/deep/er/exp" --prefix a/b
	assert_success
	imp "$TESTROOT/deep" Whole --format ddb --pk PK:S --sk SK:S
	assert_failure
	[[ "$stderr" == *"holds a DynamoDB export at $TESTROOT/deep/er/exp/a/b/AWSDynamoDB/"*": import that directory"* ]]
	[ ! -e "$MNT/Whole" ]
	printf '"id"x;"name"\r\n1;Ann\r\n2;Bob\r\n' >"$SRC/semi.csv"
	imp "$SRC/semi.csv" Semi --format csv --pk id:N --csv-delimiter ';'
	assert_failure 1
	[ "$(desc .ErrorCount)" = 1 ]
	echo "$D" | jq -r .Ddbfs.FirstErrors | grep -q 'semi.csv:1: the CSV header cannot be read'
}
