#!/usr/bin/env python3
"""A change made while a listing is being read: 300 items in DIR (a listing
of many replies), then, 20 times, a listing is taken (its first entry
read), the change ACTION is made to an item late in it, and the listing is
read on past that item's name; then the name is used. Prints what went
wrong ("bad []" when nothing did).

ACTION: delete  -- rm the item, then open(O_CREAT) without O_TRUNC makes it
                   anew (it failed with ENOENT: the kernel kept the name);
        rename  -- mv it to y<i>.json, then writing the old name makes a new
                   item and the renamed one keeps its content;
        write   -- write it longer, then it reads whole (its size of before
                   would cut the read)."""
import json
import os
import sys

d, action = sys.argv[1:]
for i in range(300):
    with open(d + "/x%d.json" % i, "w") as f:
        f.write('{"n":%d}' % i)
bad = []
for i in range(20):
    path = d + "/x%d.json" % (299 - i)
    new = d + "/y%d.json" % i
    want = {"id": "x%d" % (299 - i), "long": "y" * (100 + i)}
    with os.scandir(d) as it:
        next(it)  # the listing is taken now
        if action == "delete":
            os.unlink(path)
        elif action == "rename":
            os.rename(path, new)
        else:
            with open(path, "w") as f:
                f.write(json.dumps({"long": want["long"]}))
        for e in it:  # and read on past the name
            pass
    try:
        if action == "delete":
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b'{"n":"again"}')
            os.close(fd)
        elif action == "rename":
            with open(path, "w") as f:
                f.write('{"n":"new"}')
            with open(new) as f:
                got = json.load(f)
            if got != {"id": "y%d" % i, "n": 299 - i}:
                bad.append(got)
            if os.stat(path).st_ino == os.stat(new).st_ino:
                bad.append("one node")
        else:
            with open(path) as f:
                text = f.read()
            if json.loads(text) != want or os.stat(path).st_size != len(text):
                bad.append(text)
    except OSError as e:
        bad.append(e.strerror)
print("bad %s" % bad)
