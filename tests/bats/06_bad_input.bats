#!/usr/bin/env bats
# SPEC §5, §17: bad input gets a clear errno and message and changes nothing.

load helpers

setup() {
	mount_with_item
}

# rejected CONTENT ERRNO-NAME WORDS: writing CONTENT over x.json fails at
# close with ERRNO-NAME, x.json is unchanged, the error log names it.
rejected() {
	printf '%s' "$1" >"$TESTROOT/in.json"
	run $T cp "$TESTROOT/in.json" "$MNT/Orders/p/x.json"
	assert_failure
	run $T cat "$MNT/Orders/p/x.json"
	assert_output "$ORIG"
	run last_error
	assert_output --partial "\"errno\":\"$2\""
	assert_output --partial "$3"
	assert_output --partial '"path":"/Orders/p/x.json"'
}

@test "invalid JSON is EINVAL" {
	rejected '{"a":' EINVAL "JSON"
	rejected '[1,2]' EINVAL "object"
	rejected '{"a":1} trailing' EINVAL ""
}

@test "a key attribute that disagrees with the path is EINVAL" {
	rejected '{"PK":"q","a":2}' EINVAL "PK"
	rejected '{"SK":7,"a":2}' EINVAL "SK"
}

@test "a wrong-type name in an N table is EINVAL" {
	new_table Nums "k:N"
	run $T bash -c "echo '{}' > '$MNT/Nums/abc.json'"
	assert_failure
	assert_output --partial "Invalid argument"
	run $T ls "$MNT/Nums"
	assert_output ""
}

@test "a name spelling U+0000 (%00) in a string key is EINVAL, as in content" {
	run $T bash -c "echo '{\"a\":1}' > '$MNT/Orders/p/a%00b.json'"
	assert_failure
	assert_output --partial "Invalid argument"
	run $T mkdir "$MNT/Orders/%00"
	assert_failure
	run $T mv "$MNT/Orders/p/x.json" "$MNT/Orders/p/x%00.json"
	assert_failure
	run $T ls -A "$MNT/Orders" "$MNT/Orders/p"
	assert_success
	refute_output --partial "%00"
	run $T cat "$MNT/Orders/p/x.json"
	assert_output "$ORIG"
}

@test "an item over 400 KB is EFBIG; exactly at the limit is fine" {
	# PK "p" (2+1) + SK "big" (2+3) + "b" (1) + value = 409600
	python3 -c 'import json; print(json.dumps({"b": "x" * (409600 - 9)}))' >"$TESTROOT/ok.json"
	run $T cp "$TESTROOT/ok.json" "$MNT/Orders/p/big.json"
	assert_success
	run $T getfattr --absolute-names --only-values -n user.ddb.size "$MNT/Orders/p/big.json"
	assert_output 409600
	# PK "p" (3) + SK "x" (3) + "b" (1) + value = 409601
	python3 -c 'import json; print(json.dumps({"b": "x" * (409601 - 7)}))' >"$TESTROOT/big.json"
	rejected "$(cat "$TESTROOT/big.json")" EFBIG "size"
}

@test "33 levels of nesting are EINVAL, 32 are fine" {
	deep() { python3 -c "import json,sys; v=1
for _ in range(int(sys.argv[1])-1): v=[v]
print(json.dumps({'d': v}))" "$1"; }
	deep 32 >"$TESTROOT/d32.json"
	run $T cp "$TESTROOT/d32.json" "$MNT/Orders/p/deep.json"
	assert_success
	rejected "$(deep 33)" EINVAL "Nesting"
}

@test "an empty set, a duplicate set member, an out-of-range number are EINVAL" {
	rejected '{"s":{"SS":[]}}' EINVAL "empty"
	rejected '{"s":{"SS":["a","a"]}}' EINVAL "duplicate"
	rejected '{"n":1e126}' EINVAL "overflow"
	rejected '{"n":123456789012345678901234567890123456789}' EINVAL "38"
	rejected '{"":1}' EINVAL ""
}

@test "mv onto an item from invalid scratch content fails and keeps both" {
	printf '{"a":' >"$MNT/Orders/p/.scratch"
	run $T mv "$MNT/Orders/p/.scratch" "$MNT/Orders/p/x.json"
	assert_failure
	run $T cat "$MNT/Orders/p/x.json"
	assert_output "$ORIG"
	run $T cat "$MNT/Orders/p/.scratch"
	assert_output '{"a":'
}

@test "link, symlink and mknod are EPERM" {
	run $T ln "$MNT/Orders/p/x.json" "$MNT/Orders/p/y.json"
	assert_failure
	assert_output --partial "not permitted"
	run $T ln -s x.json "$MNT/Orders/p/y.json"
	assert_failure
	assert_output --partial "not permitted"
	run $T mkfifo "$MNT/Orders/p/fifo"
	assert_failure
	assert_output --partial "not permitted"
	run $T ls "$MNT/Orders/p"
	assert_output "x.json"
}

@test "a failed create of a new item leaves no file behind" {
	echo 'not json' >"$TESTROOT/bad.json"
	# (bash ignores close() errors of redirections; cp reports them)
	run $T cp "$TESTROOT/bad.json" "$MNT/Orders/p/new.json"
	assert_failure
	run $T ls "$MNT/Orders/p"
	assert_output "x.json"
	run $T cat "$MNT/Orders/p/new.json"
	assert_failure
}
