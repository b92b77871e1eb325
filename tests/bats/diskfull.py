#!/usr/bin/env python3
"""Writers through files and HTTP fill the disk holding DATA_DIR while a
reader reads (17_disk.bats). Usage: diskfull.py MNT PORT WORKDIR STEP

  fill     two file writers (table Tab, partitions f1, f2) and two HTTP
           writers (table Web) put 30 KB items until each has seen 5
           refusals; a reader reads Tab/r/* and GetItems Web/r* meanwhile.
           Prints one line per problem, then "fill: N acknowledged, N
           refused, N reads".
  verify   every acknowledged item (WORKDIR/acked) reads back exactly.
  delete   deletes every other acknowledged item, half through rm, half
           through DeleteItem; each must succeed.
  write N  N more items through each front; each must succeed.

Acknowledged: close() returned 0, or the endpoint answered 200."""

import errno
import http.client
import json
import multiprocessing
import os
import sys
import time

SIGV4 = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/dynamodb/"
         "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")
REFUSALS = 5
LIMIT_S = 25


def pad(key):
    return (key * (30000 // len(key) + 1))[:30000]


class Api:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)

    def call(self, target, body):
        self.c.request("POST", "/", json.dumps(body), {
            "X-Amz-Target": "DynamoDB_20120810." + target,
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Date": "20261127T000000Z", "Authorization": SIGV4})
        r = self.c.getresponse()
        return r.status, r.read().decode()


def put_file(mnt, rel, key):
    """1 if acknowledged, 0 if refused with ENOSPC, raises otherwise."""
    fd = os.open(os.path.join(mnt, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            os.write(fd, json.dumps({"k": key, "pad": pad(key)}).encode())
        finally:
            os.close(fd)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            return 0
        raise
    return 1


def put_http(api, key):
    """1 if acknowledged, 0 if refused with DynamoDB's error for a full
    disk; raises with what it got otherwise."""
    status, text = api.call("PutItem", {"TableName": "Web", "Item": {
        "id": {"S": key}, "k": {"S": key}, "pad": {"S": pad(key)}}})
    if status == 200:
        return 1
    try:
        err = json.loads(text)
    except ValueError:
        err = {}
    if status == 500 and err.get("__type") == "com.amazonaws.dynamodb.v20120810#InternalServerError" \
            and "no space left on the disk holding DATA_DIR" in err.get("message", ""):
        return 0
    raise RuntimeError("PutItem %s: HTTP %d %r" % (key, status, text[:300]))


def writer(kind, name, mnt, port, out):
    acked, refused, problems = [], 0, []
    api = Api(port) if kind == "http" else None
    i, end = 0, time.time() + LIMIT_S
    while refused < REFUSALS and time.time() < end:
        i += 1
        key = "%s-%d" % (name, i)
        try:
            if kind == "file":
                rel = "Tab/%s/%s.json" % (name, key)
                ok = put_file(mnt, rel, key)
            else:
                rel = "Web/%s.json" % key
                ok = put_http(api, key)
        except Exception as e:  # anything but the clear refusal is a problem
            problems.append("%s: %s" % (key, e))
            break
        if ok:
            acked.append(rel)
        else:
            refused += 1
    if refused < REFUSALS:
        problems.append("%s: the disk never filled (%d acknowledged)" % (name, len(acked)))
    out.put((acked, refused, problems))


def reader(mnt, port, out, stop):
    api, reads, problems = Api(port), 0, []
    while not stop.is_set():
        for i in range(10):
            try:
                with open("%s/Tab/r/x%d.json" % (mnt, i)) as f:
                    if json.load(f)["n"] != i:
                        problems.append("Tab/r/x%d.json reads wrong" % i)
                status, text = api.call("GetItem", {"TableName": "Web", "Key": {"id": {"S": "r%d" % i}}})
                if status != 200 or json.loads(text)["Item"]["n"]["N"] != str(i):
                    problems.append("GetItem r%d: %d %s" % (i, status, text[:200]))
                reads += 2
            except Exception as e:
                problems.append("read %d: %s" % (i, e))
        if len(problems) > 5:
            break
    out.put(([], reads, problems))


def fill(mnt, port, work):
    out, stop = multiprocessing.Queue(), multiprocessing.Event()
    api = Api(port)
    os.makedirs(os.path.join(mnt, "Tab/r"), exist_ok=True)
    for i in range(10):
        with open("%s/Tab/r/x%d.json" % (mnt, i), "w") as f:
            f.write(json.dumps({"n": i}))
        api.call("PutItem", {"TableName": "Web", "Item": {"id": {"S": "r%d" % i}, "n": {"N": str(i)}}})
    procs = [multiprocessing.Process(target=writer, args=(k, n, mnt, port, out))
             for k, n in (("file", "f1"), ("file", "f2"), ("http", "h1"), ("http", "h2"))]
    rd = multiprocessing.Process(target=reader, args=(mnt, port, out, stop))
    for p in procs + [rd]:
        p.start()
    results = [out.get(timeout=LIMIT_S + 20) for _ in procs]
    stop.set()
    results.append(out.get(timeout=20))
    for p in procs + [rd]:
        p.join(timeout=10)
    acked = [rel for a, _, _ in results[:-1] for rel in a]
    for _, _, problems in results:
        for p in problems:
            print(p)
    with open(os.path.join(work, "acked"), "w") as f:
        f.write("\n".join(acked) + "\n")
    print("fill: %d acknowledged, %d refused, %d reads" % (
        len(acked), sum(r for _, r, _ in results[:-1]), results[-1][1]))


def acked_list(work):
    with open(os.path.join(work, "acked")) as f:
        return [line for line in f.read().split("\n") if line]


def verify(mnt, work):
    bad = 0
    for rel in acked_list(work):
        key = os.path.basename(rel)[:-5]
        try:
            with open(os.path.join(mnt, rel)) as f:
                doc = json.load(f)
            if doc.get("k") != key or doc.get("pad") != pad(key):
                print("%s: torn or wrong" % rel)
                bad += 1
        except OSError as e:
            print("%s: %s" % (rel, e))
            bad += 1
    print("verify: %d acknowledged, %d bad" % (len(acked_list(work)), bad))


def delete(mnt, port, work):
    api, kept, gone = Api(port), [], 0
    for n, rel in enumerate(acked_list(work)):
        if n % 2:
            kept.append(rel)
            continue
        if rel.startswith("Web/"):
            status, text = api.call("DeleteItem", {"TableName": "Web",
                                                   "Key": {"id": {"S": os.path.basename(rel)[:-5]}}})
            if status != 200:
                print("DeleteItem %s: %d %s" % (rel, status, text[:200]))
                continue
        else:
            try:
                os.unlink(os.path.join(mnt, rel))
            except OSError as e:
                print("rm %s: %s" % (rel, e))
                continue
        gone += 1
    with open(os.path.join(work, "acked"), "w") as f:
        f.write("\n".join(kept) + "\n")
    print("delete: %d deleted" % gone)


def write(mnt, port, work, n, tag):
    api, acked, bad = Api(port), acked_list(work), 0
    for i in range(n):
        key = "%s-%d" % (tag, i)
        try:
            if put_file(mnt, "Tab/f1/%s.json" % key, key):
                acked.append("Tab/f1/%s.json" % key)
            else:
                print("file %s: ENOSPC" % key)
                bad += 1
            if put_http(api, key):
                acked.append("Web/%s.json" % key)
            else:
                print("PutItem %s: disk full" % key)
                bad += 1
        except Exception as e:
            print("%s: %s" % (key, e))
            bad += 1
    with open(os.path.join(work, "acked"), "w") as f:
        f.write("\n".join(acked) + "\n")
    print("write: %d refused" % bad)


def main():
    mnt, port, work, step = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if step == "fill":
        fill(mnt, port, work)
    elif step == "verify":
        verify(mnt, work)
    elif step == "delete":
        delete(mnt, port, work)
    elif step == "write":
        write(mnt, port, work, int(sys.argv[5]), sys.argv[6])


if __name__ == "__main__":
    main()
