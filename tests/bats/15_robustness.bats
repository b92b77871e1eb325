#!/usr/bin/env bats
# What a first-time user ran into: concurrency under renames, shell
# redirections, inode numbers, table renames, mv -n, signals, dead mounts.

load helpers

@test "concurrent writers, renamers and readers never bring the daemon down" {
	new_table Stress
	$T mkdir "$MNT/Stress/a" "$MNT/Stress/b"
	run timeout 60 python3 - "$MNT/Stress" <<'PY'
import json, os, random, sys, threading, time
root = sys.argv[1]
stop = time.time() + 6
bad = []
def worker(seed):
    rnd = random.Random(seed)
    while time.time() < stop:
        p = os.path.join(root, rnd.choice("ab"), "k%d.json" % rnd.randrange(5))
        op = rnd.choice(["w", "mv", "r", "rm"])
        try:
            if op == "w":
                with open(p, "w") as f:
                    f.write('{"v":%d}' % rnd.randrange(100))
            elif op == "mv":
                os.rename(p, os.path.join(root, rnd.choice("ab"), "k%d.json" % rnd.randrange(5)))
            elif op == "r":
                with open(p) as f:
                    text = f.read()
                if text:
                    json.loads(text)
            else:
                os.unlink(p)
        except (FileNotFoundError, FileExistsError):
            pass
        except OSError as e:
            bad.append("%s %s: %s" % (op, p, e))
        except ValueError:
            bad.append("torn read of %s" % p)
threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(bad[:10]) or "ok")
PY
	assert_success
	assert_output "ok"
	kill -0 "$(daemon_pid)"
	run $T find "$MNT/Stress" -type f
	assert_success
}

@test "echo of invalid JSON over an item leaves it as it was; one change per echo" {
	new_table Keep "id:S"
	$T setfattr -n user.ddb.stream -v NEW_IMAGE "$MNT/Keep"
	echo '{"important":"data"}' >"$MNT/Keep/k.json"
	echo '{bad json' >"$MNT/Keep/k.json" || true
	run $T cat "$MNT/Keep/k.json"
	assert_output '{"id":"k","important":"data"}'
	echo '{"important":"more"}' >"$MNT/Keep/k.json"
	run $T jq -r .eventName "$MNT/Keep/.stream"
	assert_output "$(printf 'INSERT\nMODIFY')"
	run last_error
	assert_output --partial '"errno":"EINVAL"'
}

@test "inode numbers are distinct: find and grep -r see the first table" {
	new_table First
	$T mkdir "$MNT/First/p"
	echo '{"needle":1}' >"$MNT/First/p/x.json"
	run $T stat -c %i "$MNT" "$MNT/First" "$MNT/First/p" "$MNT/First/p/x.json"
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" = 4 ]
	run $T find "$MNT" -name x.json
	assert_output "$MNT/First/p/x.json"
	run $T grep -rl needle "$MNT"
	assert_output "$MNT/First/p/x.json"
	# an item and the backup sed -i.bak leaves are two files
	$T sed -i.bak 's/1/2/' "$MNT/First/p/x.json"
	[ "$(stat -c %i "$MNT/First/p/x.json")" != "$(stat -c %i "$MNT/First/p/x.json.bak")" ]
}

@test "mv of a table renames it with its schema, items and stream" {
	run $T "$DDBFS" create-table "$MNT" Nums --pk n:N --sk s:N
	$T mkdir "$MNT/Nums/10"
	echo '{"v":1}' >"$MNT/Nums/10/3.json"
	$T mv "$MNT/Nums" "$MNT/Nums2"
	run $T getfattr --absolute-names --only-values -n user.ddb.key_schema "$MNT/Nums2"
	assert_output "n:N,s:N"
	run $T cat "$MNT/Nums2/10/3.json"
	assert_output '{"n":10,"s":3,"v":1}'
	run $T ls "$MNT"
	assert_output "Nums2"
	# cp -a of a table copies every xattr back: the ones it already has are fine
	$T mkdir "$MNT/Copy1" "$MNT/Copy1/p"
	echo '{}' >"$MNT/Copy1/p/a.json"
	run $T cp -a "$MNT/Copy1" "$MNT/Copy2"
	assert_success
	run $T cat "$MNT/Copy2/p/a.json"
	assert_output '{"PK":"p","SK":"a"}'
}

@test "mv -n onto a name that was renamed away takes the free name" {
	new_table Names "id:S"
	echo '{"v":1}' >"$MNT/Names/r.json"
	$T mv "$MNT/Names/r.json" "$MNT/Names/r.json~"
	echo '{"v":2}' >"$MNT/Names/r.tmp"
	run $T mv -n "$MNT/Names/r.tmp" "$MNT/Names/r.json"
	assert_success
	run $T ls "$MNT/Names"
	assert_output "$(printf 'r.json\nr.json~')"
	run $T cat "$MNT/Names/r.json"
	assert_output '{"id":"r","v":2}'
	$T rm "$MNT/Names/r.json~"
	run $T cat "$MNT/Names/r.json"
	assert_output '{"id":"r","v":2}'
}

@test "partitions made by mkdir are listed in key order with the others" {
	new_table Parts "n:N,s:N"
	for p in 10 2; do $T mkdir "$MNT/Parts/$p"; echo '{}' >"$MNT/Parts/$p/1.json"; done
	$T mkdir "$MNT/Parts/7" "$MNT/Parts/-20" "$MNT/Parts/3"
	run $T ls -f "$MNT/Parts"
	assert_output "$(printf '.\n..\n-20\n2\n3\n7\n10')"
}

@test "create-table refuses a directory that is not a ddbfs mount" {
	run timeout 10 "$DDBFS" create-table "$TESTROOT" Abc --pk a:S
	assert_failure
	assert_output --partial "not a mounted ddbfs"
	[ ! -e "$TESTROOT/Abc" ]
}

@test "a refused option creates nothing; SIGTERM in the foreground exits 0" {
	run timeout 10 "$DDBFS" "$TESTROOT/newdata" "$TESTROOT/mnt2" -o bogus
	assert_failure
	[ ! -e "$TESTROOT/newdata" ]
	unmount_ddbfs
	timeout 30 "$DDBFS" "$DATA" "$MNT" -f &
	fg=$!
	for i in $(seq 1 50); do mountpoint -q "$MNT" && break; sleep 0.1; done
	kill -TERM "$fg"
	wait "$fg"
	run mountpoint -q "$MNT"
	assert_failure
}

@test "a relative mount point unmounts on SIGTERM; a dead mount is cleared by mounting again" {
	unmount_ddbfs
	(cd "$TESTROOT" && timeout 20 "$DDBFS" data mnt)
	pid=$(daemon_pid)
	kill -TERM "$pid"
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	run mountpoint -q "$MNT"
	assert_failure
	mount_ddbfs
	new_table Survive "id:S"
	echo '{"v":1}' >"$MNT/Survive/a.json"
	kill -9 "$(daemon_pid)"
	sleep 0.5
	run ls "$MNT"
	assert_failure
	# no fusermount needed: mounting again clears the dead mount
	mount_ddbfs
	run $T cat "$MNT/Survive/a.json"
	assert_output '{"id":"a","v":1}'
}

@test "the error log stays JSON for names that are not UTF-8" {
	new_table Bytes "id:S"
	run $T bash -c "echo '{}' > \$'$MNT/Bytes/\\xff.json'"
	run $T bash -c "tail -n 1 '$MNT/.ddbfs/errors' | jq -r .errno"
	assert_output "EINVAL"
}
