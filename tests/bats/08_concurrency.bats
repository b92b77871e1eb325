#!/usr/bin/env bats
# Concurrency: writers and readers on the same partitions see no error and
# no torn read; the final state is the last acknowledged writes.

load helpers

@test "4 writers and 4 readers for 20 seconds: no error, no torn read" {
	new_table Load
	for p in p0 p1; do $T mkdir "$MNT/Load/$p"; done
	run timeout 60 python3 - "$MNT/Load" <<'PY'
import json, os, sys, threading, time
t = sys.argv[1]
stop = time.time() + 20
errors = []
last = {}
acked = {}
lock = threading.Lock()
def writer(w):
    # own keys (exact last write is checkable) and shared keys (contention)
    n = 0
    while time.time() < stop:
        for k in range(8):
            p = "p%d" % (k % 2)
            name = ("w%dk%d.json" % (w, k)) if k < 4 else ("k%d.json" % k)
            path = os.path.join(t, p, name)
            body = {"w": w, "n": n, "pad": "x" * (100 + (n * 37 + w) % 900)}
            try:
                with open(path, "w") as f:
                    json.dump(body, f)
                with lock:
                    if k < 4:
                        last[path] = body
                    acked.setdefault(path, []).append(body)
            except OSError as e:
                errors.append("write %s: %s" % (path, e))
            n += 1
def reader(r):
    while time.time() < stop:
        for name in os.listdir(os.path.join(t, "p%d" % (r % 2))):
            path = os.path.join(t, "p%d" % (r % 2), name)
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                continue
            except OSError as e:
                errors.append("read %s: %s" % (path, e)); continue
            if text == "":
                with lock:
                    never = path not in acked
                if never:
                    continue  # created and not yet written: nothing to tear
            try:
                item = json.loads(text)
                assert item["SK"] == name[:-5] and len(item["pad"]) >= 100
            except Exception as e:
                errors.append("torn read of %s: %r" % (path, text[:80]))
threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
threads += [threading.Thread(target=reader, args=(i,)) for i in range(4)]
for th in threads: th.start()
for th in threads: th.join()
if errors:
    print("\n".join(errors[:20])); sys.exit(1)
# own keys hold their last acknowledged write; shared keys one of theirs
for path, bodies in acked.items():
    with open(path) as f:
        item = json.load(f)
    got = {k: item[k] for k in ("w", "n", "pad")}
    if path in last and got != last[path]:
        print("final state of %s is not its last acknowledged write" % path); sys.exit(1)
    if got not in bodies:
        print("final state of %s was never acknowledged" % path); sys.exit(1)
if len(acked) != 4 * 4 + 4:
    print("expected 20 keys, got %d" % len(acked)); sys.exit(1)
print("ok")
PY
	assert_success
	assert_output "ok"
}
