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
try:
    os.write(fd, b'{\"a\": [1, 2')
    os.fsync(fd)
except OSError as e:
    print('fsync', e.errno)
try:
    os.close(fd)
except OSError as e:
    print('close', e.errno)
" "$MNT/Part/bad.json"
	assert_output "$(printf 'fsync 22\nclose 22')"
	sleep 0.2
	run $T ls "$MNT/Part"
	refute_output --partial bad.json
	run last_error
	assert_output --partial '"path":"/Part/bad.json"'
}

@test "a partition made by mkdir keeps its inode number when its first item lands (tar x)" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	before=$(stat -c %i "$MNT/Orders/p")
	echo '{"v":1}' >"$MNT/Orders/p/a.json"
	run $T stat -c %i "$MNT/Orders/p"
	assert_output "$before"
	run $T ls -i -d "$MNT/Orders/p"
	assert_output --partial "$before"
	# tar checks that a directory it made is still the one it made
	src=$TESTROOT/src
	mkdir -p "$src/q"
	for i in 1 2 3; do echo "{\"n\":$i}" >"$src/q/i$i.json"; done
	tar -C "$src" -cf "$TESTROOT/t.tar" q
	$T mkdir "$MNT/Orders/q"
	run $T tar xf "$TESTROOT/t.tar" -C "$MNT/Orders"
	assert_success
	run $T ls "$MNT/Orders/q"
	assert_output "$(printf 'i1.json\ni2.json\ni3.json')"
}

@test "names over 255 bytes are ENAMETOOLONG everywhere" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	long=$(printf 'n%.0s' $(seq 1 256))
	for where in "$MNT/Orders" "$MNT/Orders/p"; do
		run $T python3 -c "
import errno, os, sys
try:
    os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY)
except OSError as e:
    print(errno.errorcode[e.errno])
" "$where/$long"
		assert_output ENAMETOOLONG
		run $T python3 -c "
import errno, os, sys
try:
    os.mkdir(sys.argv[1])
except OSError as e:
    print(errno.errorcode[e.errno])
" "$where/$long"
		assert_output ENAMETOOLONG
	done
}

@test "an open item that was unlinked reports nlink 0; atime set alone is kept" {
	new_table Users 'id:S'
	echo '{"a":1}' >"$MNT/Users/k.json"
	run $T python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.unlink(sys.argv[1])
s = os.fstat(fd)
print(s.st_nlink, s.st_size, os.read(fd, 100).decode().strip())
" "$MNT/Users/k.json"
	assert_output '0 17 {"id":"k","a":1}'
	touch "$MNT/Users/t.json"
	$T touch -a -d @1980000000 "$MNT/Users/t.json"
	run $T stat -c %X "$MNT/Users/t.json"
	assert_output 1980000000
}

@test "scratch files made and removed in a partition move its mtime and ctime" {
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"v":1}' >"$MNT/Orders/p/a.json"
	before=$(stat -c '%Y.%y %Z.%z' "$MNT/Orders/p")
	sleep 0.05
	echo hi >"$MNT/Orders/p/notes.txt"
	after=$(stat -c '%Y.%y %Z.%z' "$MNT/Orders/p")
	[ "$before" != "$after" ]
	sleep 0.05
	rm "$MNT/Orders/p/notes.txt"
	run $T stat -c '%Y.%y %Z.%z' "$MNT/Orders/p"
	refute_output "$after"
}

@test "touch of a generated file is EROFS" {
	new_table Orders
	run $T touch "$MNT/Orders/.table.json"
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "more than 1024 items renamed to scratch names at once all come back" {
	new_table Users 'id:S'
	run $T python3 - "$MNT/Users" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(1100):
    with open(os.path.join(d, "k%d.json" % i), "w") as f:
        f.write('{"v":%d}' % i)
for i in range(1100):
    os.rename(os.path.join(d, "k%d.json" % i), os.path.join(d, "k%d.json~" % i))
for i in range(1100):
    os.rename(os.path.join(d, "k%d.json~" % i), os.path.join(d, "k%d.json" % i))
bad = [i for i in range(1100)
       if open(os.path.join(d, "k%d.json" % i)).read() != '{"id":"k%d","v":%d}\n' % (i, i)]
print("bad", len(bad))
PY
	assert_success
	assert_output "bad 0"
}
