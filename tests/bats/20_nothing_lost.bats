#!/usr/bin/env bats
# Nothing lost, nothing ignored: failed commits keep their content, inode
# numbers stay, POSIX names and times, the error log names full paths.

load helpers

@test "a failed partial commit keeps the content: the next fsync and close commit it" {
	new_table Part 'id:S'
	run $T python3 - "$MNT/Part/x.json" <<'PY'
import os, sys
p = sys.argv[1]
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b'{"a":')
try:
    os.fsync(fd)
    print("fsync of a fragment succeeded")
    sys.exit(1)
except OSError as e:
    assert e.errno == 22, e
os.write(fd, b'1}')
os.fsync(fd)
os.close(fd)
print(open(p).read(), end="")
PY
	assert_success
	assert_output '{"id":"x","a":1}'
	run $T grep -c '"path":"/Part/x.json"' "$MNT/.ddbfs/errors"
	assert_output 1
}

@test "a document written by several echos on one descriptor commits whole" {
	new_table Part 'id:S'
	run $T bash -c "exec 3> '$MNT/Part/y.json'; echo '{' >&3; echo '\"a\": 1' >&3; echo '}' >&3; exec 3>&-"
	assert_success
	run $T cat "$MNT/Part/y.json"
	assert_output '{"id":"y","a":1}'
	run $T dash -c "exec 3> '$MNT/Part/z.json'; echo '{' >&3; echo '\"b\": [1,' >&3; echo '2]}' >&3; exec 3>&-"
	assert_success
	run $T cat "$MNT/Part/z.json"
	assert_output '{"id":"z","b":[1,2]}'
}

@test "a failed commit of an existing item keeps it and retries at close" {
	new_table Part 'id:S'
	echo '{"v":1}' >"$MNT/Part/k.json"
	run $T python3 - "$MNT/Part/k.json" <<'PY'
import os, sys
p = sys.argv[1]
fd = os.open(p, os.O_WRONLY | os.O_TRUNC)
os.write(fd, b'{"v":')
try:
    os.fsync(fd)
    sys.exit(1)
except OSError:
    pass
assert open(p).read() == '{"id":"k","v":1}\n', "the item changed before a valid commit"
os.write(fd, b'2}')
os.close(fd)
PY
	assert_success
	run $T cat "$MNT/Part/k.json"
	assert_output '{"id":"k","v":2}'
}

@test "content that never becomes valid is not an item, and the failure is logged with its path" {
	new_table Part 'id:S'
	run $T python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b'{oops')
try:
    os.close(fd)
except OSError as e:
    print('close', e.errno)
" "$MNT/Part/bad.json"
	assert_output 'close 22'
	sleep 0.2
	run $T ls "$MNT/Part"
	refute_output --partial bad.json
	run last_error
	assert_output --partial '"path":"/Part/bad.json"'
}
