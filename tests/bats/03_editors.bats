#!/usr/bin/env bats
# SPEC §6: editors and rewriters leave exactly the intended item, with its
# mode and owner, and no stray item.

load helpers

setup() {
	mount_ddbfs
	new_table Cfg "id:S"
	echo '{"color":"red","size":1}' >"$MNT/Cfg/a.json"
	chmod 0640 "$MNT/Cfg/a.json"
	chown 12:34 "$MNT/Cfg/a.json"
	VIMRC=$TESTROOT/vimrc
	printf 'source $VIMRUNTIME/defaults.vim\nset nobackup writebackup backupcopy=auto\n' >"$VIMRC"
}

# only_item: the table holds exactly a.json with this content, mode, owner.
only_item() {
	run $T ls -A "$MNT/Cfg"
	assert_output "a.json"
	run $T cat "$MNT/Cfg/a.json"
	assert_output "$1"
	run $T stat -c '%a %u:%g' "$MNT/Cfg/a.json"
	assert_output "640 12:34"
	run $T jq .ItemCount "$MNT/Cfg/.table.json"
	assert_output 1
}

@test "vim saves in place of the item" {
	run timeout 30 vim -u "$VIMRC" -i NONE -N -es -c '%s/red/blue/' -c 'wq' "$MNT/Cfg/a.json"
	assert_success
	only_item '{"id":"a","color":"blue","size":1}'
}

@test "sed -i edits the item" {
	$T sed -i 's/red/green/' "$MNT/Cfg/a.json"
	only_item '{"id":"a","color":"green","size":1}'
}

@test "sed -i.bak edits the item and keeps the backup as a scratch file" {
	$T sed -i.bak 's/red/green/' "$MNT/Cfg/a.json"
	run $T cat "$MNT/Cfg/a.json"
	assert_output '{"id":"a","color":"green","size":1}'
	run $T cat "$MNT/Cfg/a.json.bak"
	assert_output '{"id":"a","color":"red","size":1}'
	$T rm "$MNT/Cfg/a.json.bak"
	only_item '{"id":"a","color":"green","size":1}'
}

@test "perl -pi -e edits the item" {
	$T perl -pi -e 's/"size":1/"size":2/' "$MNT/Cfg/a.json"
	only_item '{"id":"a","color":"red","size":2}'
}

@test "jq > tmp && mv tmp replaces the item" {
	$T bash -c "jq -c '.size += 10' '$MNT/Cfg/a.json' > '$MNT/Cfg/a.json.tmp' && mv '$MNT/Cfg/a.json.tmp' '$MNT/Cfg/a.json'"
	run $T cat "$MNT/Cfg/a.json"
	assert_output '{"id":"a","color":"red","size":11}'
	run $T ls -A "$MNT/Cfg"
	assert_output "a.json"
}

@test "python write-temp-then-os.replace replaces the item" {
	run $T python3 - "$MNT/Cfg" <<'PY'
import json, os, sys, tempfile
d = sys.argv[1]
with open(os.path.join(d, "a.json")) as f:
    item = json.load(f)
item["color"] = "black"
fd, tmp = tempfile.mkstemp(dir=d, prefix=".a.json.")
with os.fdopen(fd, "w") as f:
    json.dump(item, f)
os.chmod(tmp, 0o640)
os.chown(tmp, 12, 34)
os.replace(tmp, os.path.join(d, "a.json"))
PY
	assert_success
	only_item '{"id":"a","color":"black","size":1}'
}

@test "an editor saving invalid JSON fails and keeps the item" {
	run $T sed -i 's/"red"/red/' "$MNT/Cfg/a.json"
	assert_failure
	run $T cat "$MNT/Cfg/a.json"
	assert_output '{"id":"a","color":"red","size":1}'
	run last_error
	assert_output --partial '"errno":"EINVAL"'
}

@test "rename of an item to a scratch name hides it until the scratch goes" {
	$T mv "$MNT/Cfg/a.json" "$MNT/Cfg/a.json~"
	run $T ls -A "$MNT/Cfg"
	assert_output "a.json~"
	run $T cat "$MNT/Cfg/a.json~"
	assert_output '{"id":"a","color":"red","size":1}'
	$T rm "$MNT/Cfg/a.json~"
	run $T ls -A "$MNT/Cfg"
	assert_output ""
	run $T jq .ItemCount "$MNT/Cfg/.table.json"
	assert_output 0
}

@test "an editor's temp file is created again at once while another process lists the directory" {
	# A listing with attributes (readdirplus) that read the temp file's
	# name just before it was renamed over the item gave the kernel an
	# entry for it, and the next open(O_CREAT) of that name failed with
	# ENOENT. Two processes: one saves as editors do, one runs `ls -l`.
	run timeout 60 python3 - "$MNT/Cfg" <<'PY'
import os, sys, time
d = sys.argv[1]
for i in range(300):  # a listing long enough to meet a save
    with open(d + "/x%d.json" % i, "w") as f:
        f.write('{"pad":"%s"}' % ("p" * 2000))
pid = os.fork()
if pid == 0:
    end = time.time() + 6
    while time.time() < end:
        for n in os.listdir(d):
            try:
                os.lstat(os.path.join(d, n))
            except FileNotFoundError:
                pass
    os._exit(0)
fails, saves, end = {}, 0, time.time() + 6
while time.time() < end:
    tmp, path = d + "/.e.tmp", d + "/e%d.json" % (saves % 10)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b'{"n":%d}' % saves)
        os.close(fd)
        os.rename(tmp, path)
        saves += 1
    except OSError as e:
        fails[e.strerror] = fails.get(e.strerror, 0) + 1
os.waitpid(pid, 0)
print("saves %s, failures %s" % ("many" if saves > 100 else saves, fails))
PY
	assert_success
	assert_output "saves many, failures {}"
}

@test "an editor's temp file is created again at once while the kernel drops other files" {
	# A listing handed the kernel the temp file's name after the save had
	# renamed it. The kernel drops the items of another table it holds
	# when the clock jumps; a drop while a listing's reply is on its way
	# leaves the attributes in that reply unsure, so the kernel asked for
	# them at the next open(O_CREAT) of the name, and the daemon's ENOENT
	# failed it for as long as the kernel kept the name (a minute).
	unmount_ddbfs
	mount_ddbfs -o test_clock
	new_table Other "id:S"
	run timeout 60 python3 - "$MNT/Cfg" "$MNT/Other" "$MNT/.ddbfs/clock" <<'PY'
import os, sys, time
d, other, clock = sys.argv[1:]
for t in (d, other):
    for i in range(300):  # a listing of many replies
        with open(t + "/x%d.json" % i, "w") as f:
            f.write('{"n":%d}' % i)
pid = os.fork()
if pid == 0:
    end = time.time() + 3
    while time.time() < end:
        os.listdir(other)  # the kernel holds Other's items
        with open(clock, "w") as f:  # and drops them
            f.write("+60\n")
    os._exit(0)
tmp, fails, saves, end = d + "/.e.tmp", {}, 0, time.time() + 3
while time.time() < end:
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b'{"n":%d}' % saves)
        os.close(fd)
        with os.scandir(d) as it:
            next(it)  # the listing is taken now
            os.rename(tmp, d + "/e.json")
            for e in it:  # and read on past the temp file's name
                pass
        if saves % 2:  # stat of that name says it is not there
            try:
                os.lstat(tmp)
            except FileNotFoundError:
                pass
        saves += 1
    except OSError as e:
        fails[e.strerror] = fails.get(e.strerror, 0) + 1
os.waitpid(pid, 0)
print("saves %s, failures %s" % ("many" if saves > 100 else saves, fails))
PY
	assert_success
	assert_output "saves many, failures {}"
}
