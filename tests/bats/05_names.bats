#!/usr/bin/env bats
# SPEC §4: every key value has exactly one name, and round-trips through
# create, list, read, rename and delete.

load helpers

# roundtrip DIR KEY-JSON: write an item with that sort key, find its name in
# the listing, read it, rename it and back, delete it.
roundtrip() {
	local dir=$1 key=$2 name
	run $T python3 - "$dir" "$key" <<'PY'
import json, os, sys
d, key = sys.argv[1], json.loads(sys.argv[2])
def name_of(k):
    s = k
    out = []
    for i, ch in enumerate(s):
        b = ch.encode()
        if ch == '%': out.append('%25')
        elif ch == '/': out.append('%2F')
        elif len(b) == 1 and (b[0] < 0x20 or b[0] == 0x7f): out.append('%%%02X' % b[0])
        elif i == 0 and ch == '.': out.append('%2E')
        else: out.append(ch)
    return ''.join(out) + '.json'
n = name_of(key)
p = os.path.join(d, n)
with open(p, 'w') as f:
    f.write('{"v":1}')
names = os.listdir(d)
assert n in names, (n, names)
with open(p) as f:
    item = json.loads(f.read())
assert item["SK"] == key, item
q = os.path.join(d, "renamed.json")
os.rename(p, q)
os.rename(q, p)
with open(p) as f:
    assert json.loads(f.read())["SK"] == key
os.unlink(p)
assert n not in os.listdir(d)
PY
	assert_success
}

@test "keys with /, %, a leading dot, spaces, control characters and UTF-8 round-trip" {
	new_table Names
	$T mkdir "$MNT/Names/p"
	for key in '"a/b"' '"100%"' '".hidden"' '"with space"' '"tab\there"' '"nl\nx"' '"del\u007f"' '"日本語"' '"é🙂"' '"~tilde"'; do
		roundtrip "$MNT/Names/p" "$key"
	done
	# the escaped forms are the names
	echo '{}' >"$MNT/Names/p/a%2Fb.json"
	run $T cat "$MNT/Names/p/a%2Fb.json"
	assert_output '{"PK":"p","SK":"a/b"}'
	# non-canonical escapes cannot be created
	run $T bash -c "echo '{}' > '$MNT/Names/p/a%2fb.json'"
	assert_failure
	run $T bash -c "echo '{}' > '$MNT/Names/p/%41.json'"
	assert_failure
}

@test "a 2048-byte partition key and a 1024-byte sort key work through long names" {
	new_table Long
	run $T env PYTHONPATH="$BATS_TEST_DIRNAME" python3 - "$MNT/Long" "$TESTROOT/export" <<'PY'
import json, os, shutil, subprocess, sys
t, export = sys.argv[1:]
from longname import long_name
pk, sk = "p" * 2048, "s" * 1024
pdir = os.path.join(t, long_name(pk, False))
os.mkdir(pdir)
iname = os.path.join(pdir, long_name(sk, True))
# a file under a long name must carry its full key
try:
    with open(iname, "w") as f:
        f.write('{"v":1}')
    raise SystemExit("a long name without its key attributes was accepted")
except OSError:
    pass
with open(iname, "w") as f:
    json.dump({"PK": pk, "SK": sk, "v": 1}, f)
assert os.listdir(t) == [os.path.basename(pdir)], os.listdir(t)
assert os.listdir(pdir) == [os.path.basename(iname)]
with open(iname) as f:
    item = json.loads(f.read())
assert item == {"PK": pk, "SK": sk, "v": 1}, item
# a sibling sharing the first 1000 bytes sorts after it, exactly
sk2 = "s" * 1000 + "t" * 24
with open(os.path.join(pdir, long_name(sk2, True)), "w") as f:
    json.dump({"PK": pk, "SK": sk2}, f)
assert os.listdir(pdir) == [long_name(sk, True), long_name(sk2, True)], os.listdir(pdir)
# an rsync'd export imports back
subprocess.run(["rsync", "-a", t + "/", export + "/"], check=True)
os.mkdir(t + "2")
subprocess.run(["rsync", "-a", export + "/", t + "2/"], check=True)
with open(os.path.join(t + "2", os.path.basename(pdir), os.path.basename(iname))) as f:
    assert json.loads(f.read())["SK"] == sk
# rename to a short name and back, then delete
short = os.path.join(pdir, "short.json")
os.rename(iname, short)
with open(short) as f:
    assert json.loads(f.read())["SK"] == "short"
# the other way cannot be: a long name holds only a hash of the key
try:
    os.rename(short, iname)
    raise SystemExit("a rename to a long name of no item was accepted")
except OSError:
    pass
os.unlink(short)
os.unlink(os.path.join(pdir, long_name(sk2, True)))
assert os.listdir(pdir) == []
os.rmdir(pdir)
assert os.listdir(t) == []
PY
	assert_success
}

@test "numbers and binary keys have canonical names" {
	new_table Nums "k:N"
	echo '{}' >"$MNT/Nums/1.5.json"
	run $T bash -c "echo '{}' > '$MNT/Nums/1.50.json'"
	assert_failure
	run $T bash -c "echo '{}' > '$MNT/Nums/abc.json'"
	assert_failure
	run $T cat "$MNT/Nums/1.5.json"
	assert_output '{"k":1.5}'
	new_table Bins "k:B"
	echo '{}' >"$MNT/Bins/AP8=.json"
	run $T cat "$MNT/Bins/AP8=.json"
	assert_output '{"k":{"B":"AP8="}}'
	# base64 with "/" is escaped
	echo '{}' >"$MNT/Bins/%2F%2F8=.json"
	run $T ls "$MNT/Bins"
	assert_output "$(printf '%%2F%%2F8=.json\nAP8=.json')"
	run $T cat "$MNT/Bins/%2F%2F8=.json"
	assert_output '{"k":{"B":"//8="}}'
	$T mv "$MNT/Bins/AP8=.json" "$MNT/Bins/AQI=.json"
	run $T cat "$MNT/Bins/AQI=.json"
	assert_output '{"k":{"B":"AQI="}}'
	$T rm "$MNT/Bins/AQI=.json" "$MNT/Bins/%2F%2F8=.json"
	run $T ls "$MNT/Bins"
	assert_output ""
}
