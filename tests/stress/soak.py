#!/usr/bin/env python3
"""Soak (issue 14 item 6): one mount, a mixed workload for SOAK_S seconds
-- files (put, overwrite, read, rename, delete, an editor's temp and
rename, listings), HTTP (PutItem, GetItem, UpdateItem, Query, DeleteItem),
TransactWriteItems through `ddbfs api` and the request file, a stream read
as it grows, TTL expiry under a test clock moved forward (which trims the
stream too), backups made and deleted. Every SOAK_TICK seconds a line of
the daemon's RSS (and its anonymous part: the heap), open files,
data.mdb's size, DATA_DIR's size, ops done and latencies per kind.

At the end it judges whether RSS, the heap, open files and the map size
levelled off: the median of the last third of the samples may exceed the
median of the middle third by at most the bound printed beside each (a
leak of a kilobyte per operation passes it within a minute). The data set
is bounded (fixed key slots, deletes, expiry, two backups), so the map
has no reason to grow once warm. Exits 1 if one climbs or an operation
failed. Environment: SOAK_S (600), SOAK_TICK (60), DDBFS."""

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared import api_file, du  # noqa: E402

SOAK_S = int(os.environ.get("SOAK_S", "600"))
TICK = int(os.environ.get("SOAK_TICK", "60"))
DDBFS = os.path.abspath(os.environ.get("DDBFS", os.path.join(os.path.dirname(__file__), "../../build/ddbfs")))
SAMPLE_S = 2
SLOTS = 400
HTTP_PAUSE_S = 0.002  # an HTTP client's pause between requests
CLOCK_STEP_S = 3600   # the clock's move every 2 s: a day in 48 s
SIGV4 = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/dynamodb/"
         "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")
MB = 1024 * 1024
WARM_S = 180  # shorter runs end before the stream's day of records is full
# metric: (what, bound on the last third's median over the middle third's)
BOUNDS = {"rss": ("RSS", lambda m: max(0.10 * m, 8 * MB)),
          "anon": ("heap (RssAnon)", lambda m: max(0.10 * m, 4 * MB)),
          "fds": ("open files", lambda m: 8),
          "map": ("data.mdb", lambda m: max(0.25 * m, 2 * MB))}


class Worker:
    """A forked process that runs fn(mnt, port, rec) until killed; rec(kind,
    seconds, ok) appends to its own file, which the parent reads on."""

    def __init__(self, name, fn, mnt, port, root):
        self.path = os.path.join(root, name + ".lat")
        self.pos = 0
        self.pid = os.fork()
        if self.pid == 0:
            os.setpgrp()  # its commands end with it
            random.seed(os.getpid())
            out = open(self.path, "w", buffering=1 << 16)
            flushed = [time.monotonic()]

            def rec(kind, t0, ok=True, why=""):
                now = time.monotonic()
                out.write("%s %d %d %s\n" % (kind, (now - t0) * 1e6, ok, str(why).replace("\n", " ")))
                if now - flushed[0] > 0.5:
                    out.flush()
                    flushed[0] = now
            signal.signal(signal.SIGTERM, lambda *a: (out.flush(), os._exit(0)))
            try:
                fn(mnt, port, rec)
            except Exception as e:
                out.write("crash 0 0 %s\n" % str(e).replace("\n", " "))
            out.flush()
            os._exit(0)

    def drain(self):
        """Lines written since the last drain."""
        try:
            with open(self.path) as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return []
        cut = data.rfind("\n") + 1
        self.pos += len(data[:cut].encode())
        return data[:cut].splitlines()


def timed(rec, kind, fn):
    """Runs fn, recording its latency; whether it succeeded."""
    t0 = time.monotonic()
    try:
        fn()
    except Exception as e:
        rec(kind, t0, False, e)
        return False
    rec(kind, t0, True)
    return True


def write_file(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def files_load(me):
    def run(mnt, port, rec):
        d = os.path.join(mnt, "Files")
        have = set()
        while True:
            slot = random.randrange(SLOTS)
            name = "%s-%d.json" % (me, slot)
            path = os.path.join(d, name)
            r = random.random()
            body = json.dumps({"v": random.getrandbits(64), "pad": "p" * random.randrange(100, 4000)}).encode()
            if r < 0.35 or not have:
                if timed(rec, "file_put", lambda: write_file(path, body)):
                    have.add(name)
            elif r < 0.7:
                timed(rec, "file_read", lambda: read_file(os.path.join(d, random.choice(sorted(have)))))
            elif r < 0.78:
                src = random.choice(sorted(have))
                if src != name and timed(rec, "file_rename",
                                         lambda: os.rename(os.path.join(d, src), path)):
                    have.discard(src)
                    have.add(name)
            elif r < 0.86:
                victim = random.choice(sorted(have))
                if timed(rec, "file_delete", lambda: os.unlink(os.path.join(d, victim))):
                    have.discard(victim)
            elif r < 0.96:
                tmp = os.path.join(d, ".%s.tmp" % me)

                def editor():
                    write_file(tmp, body)
                    os.rename(tmp, path)
                if timed(rec, "file_editor", editor):
                    have.add(name)
            else:
                timed(rec, "file_ls", lambda: os.listdir(d))
    return run


class Api:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, target, body, prefix="DynamoDB_20120810."):
        self.c.request("POST", "/", json.dumps(body), {
            "X-Amz-Target": prefix + target, "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Date": "20261127T000000Z", "Authorization": SIGV4})
        r = self.c.getresponse()
        text = r.read()
        if r.status != 200:
            raise RuntimeError("%s: %d %s" % (target, r.status, text[:200]))
        return json.loads(text)


def http_load(me):
    def run(mnt, port, rec):
        api = Api(port)
        while True:
            time.sleep(HTTP_PAUSE_S)
            pk, sk = "%s-p%d" % (me, random.randrange(20)), "s%d" % random.randrange(20)
            key = {"PK": {"S": pk}, "SK": {"S": sk}}
            r = random.random()
            if r < 0.3:
                item = dict(key, n={"N": "0"}, pad={"S": "w" * random.randrange(10, 1000)})
                timed(rec, "http_put", lambda: api.call("PutItem", {"TableName": "Web", "Item": item}))
            elif r < 0.6:
                timed(rec, "http_get", lambda: api.call("GetItem", {"TableName": "Web", "Key": key}))
            elif r < 0.8:
                # UpdateItem on an item that may be absent: ADD makes it
                timed(rec, "http_update", lambda: api.call("UpdateItem", {
                    "TableName": "Web", "Key": key, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}))
            elif r < 0.9:
                timed(rec, "http_query", lambda: api.call("Query", {
                    "TableName": "Web", "KeyConditionExpression": "PK = :p",
                    "ExpressionAttributeValues": {":p": {"S": pk}}}))
            else:
                timed(rec, "http_delete", lambda: api.call("DeleteItem", {"TableName": "Web", "Key": key}))
    return run


def api_load(mnt, port, rec):
    """TransactWriteItems through `ddbfs api` and the request file, and a
    GetItem through the request file."""
    n = 0
    while True:
        n += 1
        g = n % 50
        acts = [{"Put": {"TableName": "Txn", "Item": {"id": {"S": "g%d-%d" % (g, j)}, "n": {"N": str(n)}}}}
                for j in range(3)]
        body = json.dumps({"TransactItems": acts})
        if n % 2:
            timed(rec, "api_cli_txn", lambda: subprocess.run(
                [DDBFS, "api", mnt, "TransactWriteItems"], input=body.encode(), check=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60))
        else:
            timed(rec, "api_file_txn", lambda: api_file(mnt, dict(json.loads(body), Action="TransactWriteItems")))
        timed(rec, "api_file_get", lambda: api_file(mnt, {"Action": "GetItem", "TableName": "Txn",
                                                          "Key": {"id": {"S": "g%d-0" % g}}}))


def stream_load(mnt, port, rec):
    """Reads Web's stream as it grows, as tail -f does, and checks each
    record is whole."""
    path = os.path.join(mnt, "Web/.stream")
    off = 0
    while True:
        def read_new():
            nonlocal off
            with open(path, "rb") as f:
                f.seek(off)
                data = f.read()
            cut = data.rfind(b"\n") + 1
            for line in data[:cut].splitlines():
                if line.strip():
                    json.loads(line)["dynamodb"]["SequenceNumber"]
            off += cut
        timed(rec, "stream_read", read_new)
        time.sleep(0.2)


def ttl_load(mnt, port, rec):
    """Items that expire a minute ahead, the clock moved an hour every two
    seconds: expiry, sweeps, and (past 24 h) stream trims go on."""
    d = os.path.join(mnt, "Ttl")
    n = 0
    while True:
        now = int(read_file(os.path.join(mnt, ".ddbfs/clock")).split()[1])
        for _ in range(20):
            n += 1
            timed(rec, "ttl_put", lambda: write_file(os.path.join(d, "e%d.json" % (n % 2000)),
                                                     json.dumps({"exp": now + 60}).encode()))
        timed(rec, "clock_advance", lambda: write_file(os.path.join(mnt, ".ddbfs/clock"), b"+%d\n" % CLOCK_STEP_S))
        time.sleep(2)


def backup_load(mnt, port, rec):
    """A backup of Files every 5 s; the older than the last two deleted."""
    snaps = os.path.join(mnt, "Files/.snapshots")
    n, kept = 0, []
    while True:
        n += 1
        name = "soak%d" % n
        if timed(rec, "backup_make", lambda: os.mkdir(os.path.join(snaps, name))):
            kept.append(name)
        while len(kept) > 2:
            old = kept.pop(0)
            timed(rec, "backup_delete", lambda: os.rmdir(os.path.join(snaps, old)))
        time.sleep(5)


# ---- measuring ----

def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                out[k] = int(v.split()[0]) * 1024
    return out


def sample(pid, data):
    st = proc_status(pid)
    return {"rss": st.get("VmRSS", 0), "anon": st.get("RssAnon", 0),
            "fds": len(os.listdir("/proc/%d/fd" % pid)),
            "map": os.path.getsize(os.path.join(data, "data.mdb")), "dir": du(data)}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else 0


def median(xs):
    return pct(xs, 50)


def judge(samples):
    """Lines saying, for each metric, whether it levelled off; and whether
    all did."""
    third = len(samples) // 3
    mid, last = samples[third:2 * third], samples[2 * third:]
    lines, ok = [], True
    for key, (what, bound) in BOUNDS.items():
        m, l = median([s[key] for s in mid]), median([s[key] for s in last])
        b = bound(m)
        fine = l - m <= b
        ok &= fine
        unit = (lambda v: "%.1f MB" % (v / MB)) if key != "fds" else (lambda v: "%d" % v)
        lines.append("  %-15s middle third %s, last third %s, growth %s (bound %s): %s" % (
            what, unit(m), unit(l), unit(l - m), unit(b), "levelled off" if fine else "CLIMBS"))
    return lines, ok


def main():
    root = tempfile.mkdtemp(prefix="ddbfs-soak.", dir="/var/tmp")
    data, mnt = os.path.join(root, "data"), os.path.join(root, "mnt")
    os.makedirs(mnt)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    subprocess.run([DDBFS, data, mnt, "-o", "http=127.0.0.1:%d,test_clock" % port], check=True, timeout=20)
    with open(os.path.join(data, "ddbfs.lock")) as f:
        pid = int("".join(c for c in f.read() if c.isdigit()))
    workers, ok = [], False
    try:
        for t, pk in (("Files", "id:S"), ("Txn", "id:S"), ("Ttl", "id:S")):
            subprocess.run([DDBFS, "create-table", mnt, t, "--pk", pk], check=True, timeout=20)
        subprocess.run([DDBFS, "create-table", mnt, "Web", "--pk", "PK:S", "--sk", "SK:S"], check=True, timeout=20)
        subprocess.run(["setfattr", "-n", "user.ddb.ttl_attribute", "-v", "exp", os.path.join(mnt, "Ttl")], check=True)
        subprocess.run(["setfattr", "-n", "user.ddb.stream", "-v", "NEW_AND_OLD_IMAGES", os.path.join(mnt, "Web")],
                       check=True)
        loads = {"files1": files_load("a"), "files2": files_load("b"), "http1": http_load("a"),
                 "http2": http_load("b"), "api": api_load, "stream": stream_load, "ttl": ttl_load,
                 "backup": backup_load}
        workers = [Worker(n, fn, mnt, port, root) for n, fn in loads.items()]
        ok = soak(pid, data, workers)
    finally:
        for w in workers:
            try:
                os.killpg(w.pid, signal.SIGKILL)
                os.waitpid(w.pid, 0)
            except OSError:
                pass
        unmount(mnt, pid)
        if not ok:
            # what failed is in the daemon's log: keep it and the data
            print("soak: kept %s (the daemon's log: data/ddbfs.log)" % root, flush=True)
        elif not os.path.ismount(mnt):
            shutil.rmtree(root, ignore_errors=True)
    sys.exit(0 if ok else 1)


def unmount(mnt, pid):
    """fusermount3 -u, again while a killed worker's last request ends;
    then waits for the daemon to exit."""
    for _ in range(50):
        if subprocess.run(["fusermount3", "-u", mnt], timeout=30,
                          stderr=subprocess.DEVNULL).returncode == 0:
            break
        time.sleep(0.2)
    else:
        subprocess.run(["fusermount3", "-uz", mnt], timeout=30)
    for _ in range(200):
        if not os.path.exists("/proc/%d" % pid):
            break
        time.sleep(0.05)


def soak(pid, data, workers):
    print("soak: %d s, a line every %d s (daemon pid %d)" % (SOAK_S, TICK, pid), flush=True)
    print("%6s %8s %8s %5s %9s %9s %8s" % ("t(s)", "RSS MB", "heap MB", "fds", "map MB", "dir MB", "ops"), flush=True)
    start = time.monotonic()
    samples, lat, total_ops, errors, next_tick = [], {}, 0, {}, TICK
    all_lat, first_error = {}, {}
    while True:
        time.sleep(SAMPLE_S)
        t = time.monotonic() - start
        samples.append(sample(pid, data))
        for w in workers:
            for line in w.drain():
                kind, us, good, why = (line.split(" ", 3) + [""])[:4]
                if kind == "crash":
                    errors["crash: " + why] = 1
                    continue
                if good == "0":
                    errors[kind] = errors.get(kind, 0) + 1
                    first_error.setdefault(kind, why)
                lat.setdefault(kind, []).append(int(us))
        if t >= next_tick or t >= SOAK_S:
            s = samples[-1]
            ops = sum(len(v) for v in lat.values())
            total_ops += ops
            print("%6d %8.1f %8.1f %5d %9.1f %9.1f %8d" % (t, s["rss"] / MB, s["anon"] / MB, s["fds"],
                                                          s["map"] / MB, s["dir"] / MB, ops), flush=True)
            print("       p50/p99 ms: " + ", ".join(
                "%s %.2f/%.2f" % (k, pct(v, 50) / 1000, pct(v, 99) / 1000) for k, v in sorted(lat.items())),
                flush=True)
            for k, v in lat.items():
                all_lat.setdefault(k, []).extend(v)
            lat = {}
            next_tick += TICK
        if t >= SOAK_S:
            break
    lines, ok = judge(samples)
    print("soak: %d ops in %d s; over the whole run p50/p99 ms: %s" % (
        total_ops, SOAK_S, ", ".join("%s %.2f/%.2f" % (k, pct(v, 50) / 1000, pct(v, 99) / 1000)
                                     for k, v in sorted(all_lat.items()))))
    print("\n".join(lines))
    if errors:
        print("soak: operations failed: %s" % ", ".join("%s %d" % kv for kv in sorted(errors.items())))
        for kind, why in sorted(first_error.items()):
            print("  first %s failure: %s" % (kind, why))
        ok = False
    if not ok and not errors and SOAK_S < WARM_S:
        print("soak: (a run of %d s is too short to judge: the stream and the map settle "
              "in about %d s; use SOAK_S=%d or more)" % (SOAK_S, WARM_S, WARM_S))
    print("soak: %s" % ("levelled off" if ok else "FAILED"))
    return ok


if __name__ == "__main__":
    main()
