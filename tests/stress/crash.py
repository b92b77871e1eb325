#!/usr/bin/env python3
"""Crash stress (issue 14 item 3, SPEC §17): CYCLES times, a mixed load
through every front of one mount -- file puts, overwrites, renames and
deletes, an editor's temp-and-rename, sed -i, vim's backup rename,
TransactWriteItems through `ddbfs api` and .ddbfs/api, PutItem and
DeleteItem over HTTP with curl, imports, backups, TTL expiry under the test
clock -- then kill -9 of the daemon at a random moment, and after the
restart a check that every acknowledged change is there, intact, and every
change in flight is all or nothing.

How it can be checked: each writer is one process owning its own keys
(its namespace), doing one operation at a time. Before an operation it
logs "B" with the state its namespace will have after it; after the
operation returned success it logs "A". After a crash, a writer's
namespace as read through the restarted mount must be exactly the state
after its last acknowledged operation, or after the one in flight (atomic:
all of its paths before, or all after). Values are unique per operation,
so an overwrite that lands the wrong value, or half of one, shows.

Usage: crash.py CYCLES [--dir DIR] [--ddbfs PATH] [--seed N]
Prints a line per cycle and ends with "N passed, N failed"."""

import argparse
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

TABLES = {"Files": "id:S", "Http": "id:S", "Txn": "id:S", "Ttl": "id:S"}
SLOTS = 24            # keys per file or HTTP writer: bounds the data
TXN_KEEP = 5          # groups a transaction writer keeps
BACKUPS_KEEP = 3
IMPORTS_KEEP = 2
IMPORT_ROWS = 40
WRITER_LIMIT_S = 20   # a writer gives up after this long, daemon or not
LOAD_MIN_S, LOAD_MAX_S = 0.2, 1.5
TTL_ROUNDS, TTL_STEP_S = 40, 60  # a cycle moves the clock at most 2400 s
CHECK_STEP_S = 7200   # the check's move: past every expiry of the last mount
SIGV4 = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/dynamodb/"
         "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")


class Ctx:
    """What every part needs: the binary, the mount, the endpoint."""

    def __init__(self, ddbfs, root):
        self.ddbfs = ddbfs
        self.root = root
        self.data = os.path.join(root, "data")
        self.mnt = os.path.join(root, "mnt")
        self.logs = os.path.join(root, "logs")
        self.port = None
        self.conn = None
        self.cycle = 0

    def p(self, rel):
        return os.path.join(self.mnt, rel)


# ---- mounting ----

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def daemon_pid(ctx):
    try:
        with open(os.path.join(ctx.data, "ddbfs.lock")) as f:
            return int("".join(c for c in f.read() if c.isdigit()))
    except (OSError, ValueError):
        return None


def mount(ctx):
    ctx.port = free_port()
    subprocess.run([ctx.ddbfs, ctx.data, ctx.mnt, "-o",
                    "http=127.0.0.1:%d,test_clock" % ctx.port],
                   check=True, timeout=20)


def kill_daemon(ctx):
    """kill -9, then wait up to a second for it to be gone; its pid. A
    daemon thread blocked in the kernel (a cache invalidation waiting for a
    directory lock that a client holds while it waits for the dead daemon's
    answer) can keep it from going: ddbfs check frees it."""
    pid = daemon_pid(ctx)
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not alive(pid):
            break
        time.sleep(0.01)
    return pid


def lazy_unmount(ctx):
    subprocess.run(["fusermount3", "-uz", ctx.mnt], timeout=10,
                   stderr=subprocess.DEVNULL)


def clean_unmount(ctx):
    pid = daemon_pid(ctx)
    r = subprocess.run(["fusermount3", "-u", ctx.mnt], timeout=20,
                       stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        lazy_unmount(ctx)
    for _ in range(200):
        if pid is None or not alive(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return False


def alive(pid):
    """Some thread of PID still runs: a zombie whose threads all exited
    (waiting for init to reap it) is not alive."""
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return False
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                if f.read().rpartition(")")[2].split()[0] not in "ZX":
                    return True
        except OSError:
            pass
    return False


def clock(ctx):
    with open(ctx.p(".ddbfs/clock")) as f:
        return int(f.read().split()[1])


def advance(ctx, seconds):
    with open(ctx.p(".ddbfs/clock"), "w") as f:
        f.write("+%d\n" % seconds)


# ---- reading a namespace's state through the mount ----

def strip_key(doc, key="id"):
    doc = dict(doc)
    doc.pop(key, None)
    return doc


def read_path(ctx, path):
    """An item (its JSON without the key), a scratch file (its text, or,
    when it holds an item's text, that JSON), None when absent."""
    try:
        with open(ctx.p(path), "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None
    text = raw.decode("utf-8", "replace")
    if is_item(path) or text.startswith("{"):
        try:
            return strip_key(json.loads(text))
        except ValueError:
            return text
    return text


def is_item(path):
    name = os.path.basename(path)
    return name.endswith(".json") and not name.startswith(".")


def list_dir(ctx, rel):
    try:
        return sorted(os.listdir(ctx.p(rel)))
    except FileNotFoundError:
        return None


def read_table(ctx, table):
    names = list_dir(ctx, table)
    if names is None:
        return None
    return {n: read_path(ctx, table + "/" + n) for n in names}


# ---- operations, logged around their run ----

class Log:
    def __init__(self, path):
        self.f = open(path, "w", buffering=1)
        self.seq = 0

    def begin(self, post, alts=None, loose=None, kind="op"):
        self.seq += 1
        self.f.write("B %s\n" % json.dumps({"seq": self.seq, "kind": kind, "post": post,
                                            "alts": alts or {}, "loose": loose or []}))

    def ack(self):
        self.f.write("A %d\n" % self.seq)

    def note(self, text):
        self.f.write("N %s\n" % json.dumps(text))


def write_file(path, data, chunks=1):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        step = max(1, len(data) // chunks)
        for i in range(0, len(data), step):
            os.write(fd, data[i:i + step])
    finally:
        os.close(fd)


def unique(ctx, w, seq):
    return "c%d-%s-%d-%06x" % (ctx.cycle, w, seq, random.getrandbits(24))


def item_doc(ctx, w, seq):
    return {"v": unique(ctx, w, seq), "pad": "x" * random.choice((0, 10, 300, 2000, 9000))}


# Each writer: run(ctx, log, state, name) loops until an operation fails
# (the daemon is gone) or the time limit; `state` is its namespace as the
# last check found it, path -> value.

def files_writer(ctx, log, state, name):
    """Puts, overwrites, renames, deletes, an editor's temp + rename, sed -i
    and vim's backup rename, all in table Files under keys NAMEsN."""
    tmp = "Files/.%s.tmp" % name
    items = lambda: sorted(p for p, v in state.items() if is_item(p) and v is not None)
    key = lambda: "Files/%ss%d.json" % (name, random.randrange(SLOTS))
    while True:
        r = random.random()
        have = items()
        if r < 0.35 or not have:
            path, doc = key(), item_doc(ctx, name, log.seq + 1)
            step(log, state, {path: doc},
                 lambda: write_file(ctx.p(path), json.dumps(doc).encode(), random.choice((1, 1, 3))))
        elif r < 0.5:
            src, dst = random.choice(have), key()
            if src == dst:
                continue
            step(log, state, {src: None, dst: state[src]}, lambda: os.rename(ctx.p(src), ctx.p(dst)))
        elif r < 0.6:
            path = random.choice(have)
            step(log, state, {path: None}, lambda: os.unlink(ctx.p(path)))
        elif r < 0.75:
            # the editor's way: the whole new text in a temp file, renamed over
            path, doc = key(), item_doc(ctx, name, log.seq + 1)
            text = json.dumps(doc)
            step(log, state, {tmp: doc}, lambda: write_file(ctx.p(tmp), text.encode()),
                 loose=[tmp])
            step(log, state, {tmp: None, path: doc}, lambda: os.rename(ctx.p(tmp), ctx.p(path)))
        elif r < 0.85:
            path = random.choice(have)
            old, new = state[path]["v"], unique(ctx, name, log.seq + 1)
            doc = dict(state[path], v=new)
            step(log, state, {path: doc}, lambda: run_ok(
                ["sed", "-i", 's/"v":"%s"/"v":"%s"/' % (old, new), ctx.p(path)]))
        else:
            # vim: the old file renamed to a backup, the new one written,
            # the backup removed
            path = random.choice(have)
            bak = path[:-5] + ".json~"
            doc = item_doc(ctx, name, log.seq + 1)
            step(log, state, {path: None, bak: state[path]}, lambda: os.rename(ctx.p(path), ctx.p(bak)))
            step(log, state, {path: doc},
                 lambda: write_file(ctx.p(path), json.dumps(doc).encode()))
            step(log, state, {bak: None}, lambda: os.unlink(ctx.p(bak)))


def run_ok(argv, stdin=None):
    r = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=WRITER_LIMIT_S)
    if r.returncode != 0:
        raise OSError("%s: exit %d: %s" % (argv[0], r.returncode, r.stderr.decode()[-300:]))
    return r.stdout


def step(log, state, post, fn, alts=None, loose=None):
    log.begin(post, alts, loose)
    fn()
    log.ack()
    state.update(post)


def http_call(ctx, target, body):
    """curl to the endpoint; the status and body. A status other than 200
    must carry DynamoDB's error shape."""
    r = subprocess.run(
        ["curl", "-s", "-m", "10", "-w", "\n%{http_code}", "-X", "POST",
         "http://127.0.0.1:%d/" % ctx.port,
         "-H", "X-Amz-Target: DynamoDB_20120810." + target,
         "-H", "Content-Type: application/x-amz-json-1.0",
         "-H", "X-Amz-Date: 20261127T000000Z", "-H", "Authorization: " + SIGV4,
         "--data-binary", "@-"], input=json.dumps(body).encode(), stdout=subprocess.PIPE,
        timeout=WRITER_LIMIT_S)
    out = r.stdout.decode()
    text, _, code = out.rpartition("\n")
    return code, text


def http_writer(ctx, log, state, name):
    """PutItem and DeleteItem with curl, keys NAMEsN in table Http."""
    while True:
        path = "Http/%ss%d.json" % (name, random.randrange(SLOTS))
        key = {"id": {"S": os.path.basename(path)[:-5]}}
        if random.random() < 0.8 or state.get(path) is None:
            v, n = unique(ctx, name, log.seq + 1), random.randrange(10 ** 9)
            doc = {"v": v, "n": n, "pad": "y" * random.choice((0, 100, 3000))}
            body = {"TableName": "Http", "Item": dict(key, v={"S": v}, n={"N": str(n)},
                                                       pad={"S": doc["pad"]})}
            step(log, state, {path: doc}, lambda: http_ok(ctx, log, "PutItem", body))
        else:
            step(log, state, {path: None},
                 lambda: http_ok(ctx, log, "DeleteItem", {"TableName": "Http", "Key": key}))


def http_ok(ctx, log, target, body):
    code, text = http_call(ctx, target, body)
    if code == "200":
        return
    if code != "000":
        # the daemon answered with a failure: it must be DynamoDB's error
        try:
            ok_shape = "__type" in json.loads(text)
        except ValueError:
            ok_shape = False
        if not ok_shape:
            log.note("BAD-HTTP-ERROR %s %r" % (code, text[:200]))
    raise OSError("HTTP %s %s: %s" % (target, code, text[:200]))


def txn_state(name, n):
    """The items of transaction writer NAME after its n-th transaction: a
    counter and the last TXN_KEEP groups of three."""
    s = {"Txn/c%s.json" % name: {"n": n}} if n else {}
    for g in range(max(1, n - TXN_KEEP + 1), n + 1):
        for j in range(3):
            s["Txn/g%s-%d-%d.json" % (name, g, j)] = {"g": g, "j": j}
    return s


def txn_writer(ctx, log, state, name):
    """TransactWriteItems: three new items, the counter, three old items
    deleted -- all or nothing. Half through `ddbfs api`, half through the
    request file itself."""
    cpath = "Txn/c%s.json" % name
    while True:
        n = state[cpath]["n"] if state.get(cpath) else 0
        acts = [{"Put": {"TableName": "Txn", "Item": {
            "id": {"S": "g%s-%d-%d" % (name, n + 1, j)}, "g": {"N": str(n + 1)},
            "j": {"N": str(j)}}}} for j in range(3)]
        cond = {"ConditionExpression": "n = :old",
                "ExpressionAttributeValues": {":old": {"N": str(n)}, ":n": {"N": str(n + 1)}}} \
            if n else {"ConditionExpression": "attribute_not_exists(id)",
                       "ExpressionAttributeValues": {":n": {"N": "1"}}}
        acts.append({"Update": dict(cond, TableName="Txn", Key={"id": {"S": "c" + name}},
                                    UpdateExpression="SET n = :n")})
        old = n + 1 - TXN_KEEP
        if old >= 1:
            acts += [{"Delete": {"TableName": "Txn", "Key": {
                "id": {"S": "g%s-%d-%d" % (name, old, j)}}}} for j in range(3)]
        body = json.dumps({"TransactItems": acts})
        post = {p: None for p, v in state.items() if v is not None}
        post.update(txn_state(name, n + 1))
        if random.random() < 0.5:
            fn = lambda: run_ok([ctx.ddbfs, "api", ctx.mnt, "TransactWriteItems"], body.encode())
        else:
            fn = lambda: api_file(ctx.mnt, dict(json.loads(body), Action="TransactWriteItems"))
        step(log, state, post, fn)


def ttl_writer(ctx, log, state, name):
    """Table Ttl (TTL attribute exp): items that expire (eNAME-...) beside
    ones that do not (kNAMEsN); the clock moved past the former, which
    must vanish while the latter stay."""
    for _ in range(TTL_ROUNDS):
        expiring = []
        for i in range(3):
            rel = "Ttl/e%s-%d-%d.json" % (name, ctx.cycle, log.seq + 1)
            doc = {"exp": clock(ctx) + 20, "v": unique(ctx, name, log.seq + 1)}
            # an expiring item is not part of the state to find after a
            # restart: the check moves the clock past it first
            step(log, {}, {}, lambda: write_file(ctx.p(rel), json.dumps(doc).encode()))
            expiring.append(rel)
        path = "Ttl/k%ss%d.json" % (name, random.randrange(SLOTS))
        doc = {"v": unique(ctx, name, log.seq + 1)}
        step(log, state, {path: doc}, lambda: write_file(ctx.p(path), json.dumps(doc).encode()))
        step(log, {}, {}, lambda: advance(ctx, TTL_STEP_S))
        for rel in expiring:
            if os.path.exists(ctx.p(rel)):
                log.note("BAD-TTL %s still readable after the clock passed its expiry" % rel)
        time.sleep(0.05)


def import_writer(ctx, log, state, name):
    """`ddbfs import` of a small CSV into a new table ImpCYCLE_N; the
    oldest import tables deleted with DeleteTable through `ddbfs api`."""
    i = 0
    while True:
        tables = sorted((p for p, v in state.items() if v is not None),
                        key=lambda p: [int(x) for x in p[3:].split("_")])
        for old in tables[:max(0, len(tables) - IMPORTS_KEEP + 1)]:
            step(log, state, {old: None}, lambda: run_ok(
                [ctx.ddbfs, "api", ctx.mnt, "DeleteTable"], json.dumps({"TableName": old}).encode()))
        i += 1
        table = "Imp%d_%d" % (ctx.cycle, i)
        rows = {"r%d.json" % k: {"a": unique(ctx, name, k), "b": str(k)} for k in range(IMPORT_ROWS)}
        src = os.path.join(ctx.logs, "%s-%d.csv" % (name, i))
        with open(src, "w") as f:
            f.write("id,a,b\n")
            for k, v in rows.items():
                f.write("%s,%s,%s\n" % (k[:-5], v["a"], v["b"]))
        # in flight, the table may be there empty: it is made before its items
        step(log, state, {table: rows}, lambda: run_ok(
            [ctx.ddbfs, "import", src, ctx.mnt, table, "--format", "csv", "--pk", "id:S", "--quiet"]),
            alts={table: [None, {}]})
        time.sleep(random.random() * 0.2)


def backup_writer(ctx, log, state, name):
    """mkdir Txn/.snapshots/bCYCLE-N (a backup), rmdir of the oldest."""
    i = 0
    while True:
        backups = sorted((p for p, v in state.items() if v is not None),
                         key=lambda p: [int(x) for x in p[1:].split("-")])
        for old in backups[:max(0, len(backups) - BACKUPS_KEEP + 1)]:
            step(log, state, {old: None}, lambda: os.rmdir(ctx.p("Txn/.snapshots/" + old)))
        i += 1
        b = "b%d-%d" % (ctx.cycle, i)
        step(log, state, {b: "backup"}, lambda: os.mkdir(ctx.p("Txn/.snapshots/" + b)))
        time.sleep(random.random() * 0.2)


WRITERS = {  # name -> (function, how its namespace is read)
    "w1": files_writer, "w2": files_writer, "w3": files_writer,
    "h1": http_writer, "h2": http_writer,
    "t1": txn_writer, "t2": txn_writer,
    "x1": ttl_writer,
    "imp": import_writer,
    "bak": backup_writer,
}


def actual_state(ctx, name):
    """A writer's namespace as the mount shows it now."""
    fn = WRITERS[name]
    if fn is import_writer:
        root = list_dir(ctx, "") or []
        return {t: read_table(ctx, t) for t in root if t.startswith("Imp")}
    if fn is backup_writer:
        return {b: "backup" for b in list_dir(ctx, "Txn/.snapshots") or [] if b.startswith("b")}
    table, prefixes = {
        files_writer: ("Files", (name + "s", ".%s." % name)),
        http_writer: ("Http", (name + "s",)),
        txn_writer: ("Txn", ("c%s." % name, "g%s-" % name)),
        ttl_writer: ("Ttl", ("k%ss" % name,)),
    }[fn]
    return {table + "/" + n: read_path(ctx, table + "/" + n)
            for n in list_dir(ctx, table) or [] if n.startswith(prefixes)}


def run_writer(ctx, name, state):
    log = Log(os.path.join(ctx.logs, name + ".log"))
    random.seed(os.getpid() ^ int(time.time() * 1e6))
    signal.alarm(WRITER_LIMIT_S)
    try:
        WRITERS[name](ctx, log, state, name)
    except Exception as e:  # the daemon's death ends every writer
        log.note("stopped: %s" % e)
    os._exit(0)


# ---- checking ----

def replay(path, state):
    """The state after the acknowledged operations of a writer's log, the
    operation in flight if any, and the notes that are failures."""
    begun, bad, inflight = {}, [], None
    with open(path) as f:
        for line in f:
            tag, _, rest = line.rstrip("\n").partition(" ")
            if tag == "B":
                op = json.loads(rest)
                begun[op["seq"]] = op
                inflight = op
            elif tag == "A":
                op = begun[int(rest)]
                state.update(op["post"])
                inflight = None
            elif tag == "N" and json.loads(rest).startswith("BAD"):
                bad.append(json.loads(rest))
    return state, inflight, bad


def norm(state):
    return {p: v for p, v in state.items() if v is not None}


def matches(actual, want, alts=None, loose=()):
    keys = set(actual) | set(want)
    for p in keys:
        if p in loose:
            continue
        a, w = actual.get(p), want.get(p)
        if a == w or (alts and p in alts and a in alts[p]):
            continue
        return False
    return True


def check_writer(ctx, name, before):
    """Problems of writer NAME's namespace after the crash; its new state."""
    acked, inflight, bad = replay(os.path.join(ctx.logs, name + ".log"), dict(before))
    actual = actual_state(ctx, name)
    want = norm(acked)
    problems = list(bad)
    if inflight is None or not inflight["post"]:
        ok = matches(actual, want, loose=inflight["loose"] if inflight else ())
    else:
        after = norm(dict(acked, **inflight["post"]))
        loose = inflight["loose"]
        ok = matches(actual, want, loose=loose) or \
            matches(actual, after, inflight["alts"], loose)
    if not ok:
        problems.append(describe(name, actual, want, inflight))
    return problems, actual


def describe(name, actual, want, inflight):
    diffs = []
    for p in sorted(set(actual) | set(want)):
        if actual.get(p) != want.get(p):
            diffs.append("%s: found %s, acknowledged %s" % (p, short(actual.get(p)), short(want.get(p))))
    return "%s: %s; in flight: %s" % (name, "; ".join(diffs[:4]),
                                      short(inflight["post"]) if inflight else "nothing")


def short(v):
    s = json.dumps(v)
    return s if len(s) < 160 else s[:150] + "..."


def check_backups(ctx, state):
    """Each backup of Txn holds a moment: every transaction writer's groups
    agree with its counter, and backups.json counts what it lists."""
    problems = []
    try:
        with open(ctx.p(".ddbfs/backups.json")) as f:
            summaries = {b["BackupName"]: b for b in json.load(f)["BackupSummaries"]
                         if b["TableName"] == "Txn"}
    except (OSError, ValueError, KeyError) as e:
        return ["backups.json unreadable: %s" % e]
    for b in state:
        items = read_table(ctx, "Txn/.snapshots/" + b) or {}
        if b not in summaries:
            problems.append("backup %s listed in .snapshots but not in backups.json" % b)
        elif summaries[b].get("ItemCount") != len(items):
            problems.append("backup %s: ItemCount %s, %d items listed" %
                            (b, summaries[b].get("ItemCount"), len(items)))
        for w in (n for n, fn in WRITERS.items() if fn is txn_writer):
            mine = {"Txn/" + k: v for k, v in items.items()
                    if k.startswith(("c%s." % w, "g%s-" % w))}
            n = (mine.get("Txn/c%s.json" % w) or {}).get("n", 0)
            if mine != txn_state(w, n):
                problems.append("backup %s: writer %s's groups disagree with its counter %d: %s"
                                % (b, w, n, short(sorted(mine))))
    return problems


def check_counts(ctx):
    """ItemCount of each table agrees with its listing."""
    problems = []
    for t in ("Files", "Http", "Txn"):
        with open(ctx.p(t + "/.table.json")) as f:
            count = json.load(f)["ItemCount"]
        listed = sum(1 for n in list_dir(ctx, t) or [] if is_item(n))
        if count != listed:
            problems.append("%s: ItemCount %d but %d items listed" % (t, count, listed))
    return problems


def check_ttl(ctx):
    """Past the clock, no expiring item is readable."""
    advance(ctx, CHECK_STEP_S)
    left = [n for n in list_dir(ctx, "Ttl") or [] if n.startswith("e")]
    return ["Ttl: %d expired items still listed (%s)" % (len(left), left[0])] if left else []


def tidy(ctx):
    """Scratch left behind by writers cut short (sed's temp files): not
    part of any namespace, removed so that DATA_DIR stays bounded."""
    for n in list_dir(ctx, "Files") or []:
        if not is_item(n) and not n.startswith(".w") and not n.endswith(".json~"):
            path = ctx.p("Files/" + n)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass


def run_ddbfs_check(ctx, pid):
    """`ddbfs check DATA_DIR` right after the kill, as a user would run it:
    it frees a killed daemon that the kernel holds (which lets its waiting
    writers go). Problems, and whether it said it freed the daemon."""
    r = subprocess.run([ctx.ddbfs, "check", ctx.data], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    out = r.stdout.decode()
    freed = "freed a killed ddbfs (pid %d) the kernel held" % pid in out
    problems = []
    if r.returncode != 0:
        problems.append("ddbfs check: exit %d: %s" % (r.returncode, out[-600:]))
    if alive(pid):
        problems.append("the killed daemon (pid %d) is still there after ddbfs check" % pid)
    return problems, freed


# ---- the cycles ----

def setup(ctx):
    os.makedirs(ctx.mnt, exist_ok=True)
    mount(ctx)
    for t, schema in TABLES.items():
        run_ok([ctx.ddbfs, "create-table", ctx.mnt, t, "--pk", schema])
    subprocess.run(["setfattr", "-n", "user.ddb.ttl_attribute", "-v", "exp", ctx.p("Ttl")], check=True)
    clean_unmount(ctx)


def one_cycle(ctx, states):
    """Load, kill, restart, check. Problems found, and a summary."""
    shutil.rmtree(ctx.logs, ignore_errors=True)
    os.makedirs(ctx.logs)
    mount(ctx)
    pids = {}
    for name in WRITERS:
        pid = os.fork()
        if pid == 0:
            run_writer(ctx, name, dict(states[name]))
        pids[pid] = name
    at = random.uniform(LOAD_MIN_S, LOAD_MAX_S)
    time.sleep(at)
    pid = kill_daemon(ctx)
    lazy_unmount(ctx)
    problems, freed = run_ddbfs_check(ctx, pid)
    problems += wait_writers(pids)
    mount(ctx)  # a mount of its own: the check moves its clock
    acked = sum(count_acks(ctx, n) for n in WRITERS)
    for name in WRITERS:
        found, states[name] = check_writer(ctx, name, states[name])
        problems += found
    problems += check_backups(ctx, states["bak"]) + check_counts(ctx) + check_ttl(ctx)
    tidy(ctx)
    if not clean_unmount(ctx):
        problems.append("the daemon did not exit at unmount")
    return problems, at, acked, freed


def wait_writers(pids):
    problems, deadline = [], time.time() + 15
    while pids and time.time() < deadline:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            pids.pop(pid, None)
        else:
            time.sleep(0.01)
    for pid, name in pids.items():
        problems.append("writer %s hung after the daemon died" % name)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return problems


def count_acks(ctx, name):
    with open(os.path.join(ctx.logs, name + ".log")) as f:
        return sum(1 for line in f if line.startswith("A "))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cycles", type=int)
    ap.add_argument("--dir", help="where DATA_DIR and the mount live (default: a temp dir, removed)")
    ap.add_argument("--ddbfs", default=os.path.join(os.path.dirname(__file__), "../../build/ddbfs"))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    random.seed(args.seed)
    root = args.dir or tempfile.mkdtemp(prefix="ddbfs-stress.", dir="/var/tmp")
    os.makedirs(root, exist_ok=True)
    ctx = Ctx(os.path.abspath(args.ddbfs), root)
    print("crash stress: %d cycles in %s (seed %d)" % (args.cycles, root, args.seed), flush=True)
    passed = failed = 0
    started = time.time()
    try:
        setup(ctx)
        states = {n: {} for n in WRITERS}
        freed = 0
        for c in range(1, args.cycles + 1):
            ctx.cycle = c
            t0 = time.time()
            problems, at, acked, was_freed = one_cycle(ctx, states)
            freed += was_freed
            size = os.path.getsize(os.path.join(ctx.data, "data.mdb"))
            print("cycle %d: killed at %.2fs, %d acknowledged, data.mdb %.1f MB, %s%s (%.1fs)" % (
                c, at, acked, size / 1e6, "ok" if not problems else "FAILED",
                ", held by the kernel: ddbfs check freed it" if was_freed else "",
                time.time() - t0), flush=True)
            for p in problems:
                print("  " + p, flush=True)
            if problems:
                failed += 1
                keep = os.path.join(root, "failed-logs-%d" % c)
                shutil.copytree(ctx.logs, keep, dirs_exist_ok=True)
            else:
                passed += 1
        print("%d of %d killed daemons were held by the kernel and freed by ddbfs check"
              % (freed, args.cycles), flush=True)
        print("DATA_DIR %.1f MB after %d cycles, %.0f s" % (du(ctx.data) / 1e6, args.cycles,
                                                             time.time() - started), flush=True)
    finally:
        if os.path.ismount(ctx.mnt) or daemon_pid(ctx):
            clean_unmount(ctx)
        if not args.dir and failed == 0:
            shutil.rmtree(root, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
