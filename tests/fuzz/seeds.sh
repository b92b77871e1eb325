#!/bin/bash
# (Re)builds the seed corpora tests/fuzz/corpus/<target>/ from the tests'
# own inputs: item JSON, request bodies, expressions, settings and import
# files found in tests/bats/*.bats and tests/unit/*.c, the export fixtures
# in tests/fixtures, and what tests/fuzz/seedgen.c makes of the items
# (stored encodings, key encodings, names, stream records). Deterministic;
# each target keeps at most 300 seeds of at most 4 KB. Run from anywhere;
# needs python3, gzip, zstd and the build's liblayout.a (made if missing).
set -eu
cd "$(dirname "$0")/../.."

corpus=tests/fuzz/corpus
rm -rf "$corpus"
mkdir -p "$corpus"
# the actions in fuzz_api's order: its first byte picks one by number
actions=$(for f in item query table stream backup job; do
	sed -n "/api_${f}_actions\[\] = {/,/NULL, NULL/p" "engine/api_$f.c" |
		grep -o '{ "[A-Za-z]*"' | tr -d '{" '
done)
python3 - "$corpus" $actions <<'EOF'
import glob, gzip, hashlib, json, os, re, sys

out = sys.argv[1]
ACTIONS = sys.argv[2:]
seeds = {}

def add(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > 4096:
        return
    seeds.setdefault(target, {})[hashlib.sha1(data).hexdigest()[:16]] = data

# ---- the tests' texts: C string literals and shell quoted strings
def c_literals(text):
    lits = []
    for m in re.finditer(r'((?:"(?:[^"\\\n]|\\.)*"\s*)+)', text):
        parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(1))
        raw = "".join(parts)
        try:
            b = raw.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
        except Exception:
            continue
        lits.append(b)
    return lits

def shell_quoted(text):
    return [m.group(1) for m in re.finditer(r"'([^']*)'", text)]

units = {f: open(f, encoding="latin-1").read() for f in sorted(glob.glob("tests/unit/*.c"))}
bats = {f: open(f, encoding="utf-8", errors="surrogateescape").read()
        for f in sorted(glob.glob("tests/bats/*.bats"))}

def as_json(b):
    try:
        return json.loads(b)
    except Exception:
        return None

objects = []  # JSON objects the tests write, as bytes
for f, t in units.items():
    for b in c_literals(t):
        if b.lstrip().startswith(b"{"):
            objects.append(b)
for f, t in bats.items():
    for s in shell_quoted(t):
        if s.lstrip().startswith("{"):
            objects.append(s.encode("utf-8", "surrogateescape"))

def is_ddb_value(v):
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in (
        "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")

items = []  # (bytes, is_ddb)
for b in objects:
    j = as_json(b)
    add("fuzz_json_plain", b)
    add("fuzz_json_ddb", b)
    add("fuzz_jscan", b"\x03" + b)
    if isinstance(j, dict):
        ddb = bool(j) and all(is_ddb_value(v) for v in j.values())
        items.append((b, ddb))
        # items inside request bodies
        for k in ("Item", "Key", "ExpressionAttributeValues"):
            if isinstance(j.get(k), dict):
                s = json.dumps(j[k], separators=(",", ":")).encode()
                add("fuzz_json_ddb", s)
                items.append((s, True))

# ---- request bodies: ACTION followed by a quoted JSON body
bodies = []
act_re = "|".join(ACTIONS)
for f, t in bats.items():
    for m in re.finditer(r"\b(%s)\b[^'\n]{0,80}?'(\{[^']*\})'" % act_re, t):
        bodies.append((m.group(1), m.group(2).encode("utf-8", "surrogateescape")))
for f, t in units.items():
    for m in re.finditer(r'"(%s)"\s*,\s*((?:"(?:[^"\\\n]|\\.)*"\s*)+)' % act_re, t):
        for b in c_literals(m.group(2)):
            bodies.append((m.group(1), b))
for action, body in bodies:
    # the table names the target's database has
    j = as_json(body)
    add("fuzz_api", bytes([ACTIONS.index(action)]) + body)
    add("fuzz_api", bytes([len(ACTIONS)]) + body[:1] +
        ('"Action":"%s",' % action).encode() + body[1:] if body.strip() != b"{}" else body)
    for name in ("tbl", "num"):
        if j is not None and isinstance(j, dict) and "TableName" in j:
            j2 = dict(j, TableName=name)
            add("fuzz_api", bytes([ACTIONS.index(action)]) + json.dumps(j2).encode())
    head = ("Content-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: DynamoDB_20120810.%s\r\nX-Amz-Date: 20260101T000000Z\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host;x-amz-date, Signature=00\r\n\r\n" % action)
    if len(seeds.get("fuzz_http", {})) < 150:
        add("fuzz_http", head.encode() + body)
    # expressions of the bodies, with their names, values and item
    if isinstance(j, dict):
        for kind, k in enumerate(("ConditionExpression", "FilterExpression", "UpdateExpression",
                                  "ProjectionExpression", "KeyConditionExpression")):
            if isinstance(j.get(k), str):
                add("fuzz_expr", bytes([kind | 8]) + b"\0".join(
                    x.encode() if isinstance(x, str) else json.dumps(x).encode() for x in (
                        j[k], j.get("ExpressionAttributeNames", {}),
                        j.get("ExpressionAttributeValues", {}), j.get("Item", j.get("Key", {})))))
# the endpoint's own checks
for h in (b"X-Amz-Target: DynamoDB_20120810.ListTables\r\n\r\n{}",
          b"Content-Type: text/plain\r\n\r\nx",
          b"Content-Type: application/json\r\nX-Amz-Target: DynamoDBStreams_20120810.ListStreams\r\n"
          b"Date: x\r\nAuthorization: AWS4-HMAC-SHA1 Credential=a/b/c/d/e, Signature=x, "
          b"SignedHeaders=y\r\n\r\n{}",
          b"Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: DynamoDB_20120810.Nope\r\n"
          b"Authorization: AWS4-HMAC-SHA256 Credential=a/b/c, Signature=x\r\n\r\n{}"):
    add("fuzz_http", h)

# ---- expressions of the unit tests (plain values; the tests' names)
NAMES = b'{"#n":"n","#s":"status","#d":"[3]","#c":"c"}'
ITEM = b'{"PK":"a","SK":"b","n":1,"c":[1,{"d":"x"}],"m":{"a":{"b":2}},"s":"str","status":"ok"}'
KINDS = {"CONDITION": 0, "FILTER": 1, "UPDATE": 2, "PROJECTION": 3, "KEY": 4}
lit = r'"(?:[^"\\\n]|\\.)*"'
for m in re.finditer(r'LAY_EXPR_(%s),\s*((?:%s\s*)+)(?:,\s*(NULL|(?:%s\s*)+))?' % (
        "|".join(KINDS), lit, lit), units.get("tests/unit/test_expr.c", "")):
    text = c_literals(m.group(2))[0]
    values = b"{}" if not m.group(3) or m.group(3) == "NULL" else c_literals(m.group(3))[0]
    add("fuzz_expr", bytes([KINDS[m.group(1)]]) + b"\0".join((text, NAMES, values, ITEM)))

# ---- numbers, base64, schemas, settings, TTL, names, checkpoints
nums = [b for b in c_literals(units.get("tests/unit/test_num.c", "")) if len(b) < 80]
for i, b in enumerate(nums):
    add("fuzz_num", b + b"\0" + nums[(i + 1) % len(nums)])
for b in c_literals(units.get("tests/unit/test_b64.c", "")):
    add("fuzz_b64", b"\1" + b)
    add("fuzz_b64", b"\0" + b)
for f in ("tests/unit/test_schema.c", "tests/unit/test_settings.c"):
    for b in c_literals(units.get(f, "")):
        if b":" in b and len(b) < 600:
            add("fuzz_schema", b)
for f, t in bats.items():
    for m in re.finditer(r"user\.ddb\.key_schema -v ('[^'\n]*'|\"[^\"\n$]*\"|\S+)", t):
        add("fuzz_schema", m.group(1).strip("'\""))
SETTINGS = ["billing_mode", "rcu", "wcu", "autoscaling", "table_class", "ttl_attribute",
            "stream", "pitr"]
pairs = []
for f, t in bats.items():
    for m in re.finditer(r"user\.ddb\.(%s) -v ('[^'\n]*'|\"[^\"\n$]*\"|[^\s$]+)" % "|".join(SETTINGS), t):
        pairs.append((m.group(1), m.group(2).strip("'\"")))
for m in re.finditer(r'lay_settings_set\(&?\w+,\s*"(\w+)",\s*(%s)' % lit,
                     units.get("tests/unit/test_settings.c", "")):
    if m.group(1) in SETTINGS:
        pairs.append((m.group(1), c_literals(m.group(2))[0].decode("latin-1")))
for i, (n, v) in enumerate(pairs):
    one = bytes([SETTINGS.index(n)]) + v.encode("latin-1", "replace")
    add("fuzz_settings", one)
    n2, v2 = pairs[(i * 7 + 3) % len(pairs)]
    add("fuzz_settings", one + b"\0" + bytes([SETTINGS.index(n2)]) + v2.encode("latin-1", "replace"))
for b, ddb in items[:200]:
    if not ddb:
        add("fuzz_ttl", b"ttl\0" + b)
        add("fuzz_ttl", b"expires\0" + b)
for b in c_literals(units.get("tests/unit/test_name.c", "")):
    if 0 < len(b) <= 255:
        for t in range(3):
            add("fuzz_name", bytes([t | (4 if b.endswith(b".json") else 0)]) + b)
for b in (b"0\n", b"123\n", b"9223372036854775807\n", b"9223372036854775808\n", b"", b"\n",
          b"-1\n", b"12 \n", b"0012\n", b"5\0junk"):
    add("fuzz_trigger_ckpt", b)

# ---- import files: the bats suite's, and the export fixtures
def printf_text(s):
    return s.encode("utf-8", "surrogateescape").decode("unicode_escape").encode("latin-1", "replace")
files = []
for f, t in bats.items():
    for m in re.finditer(r"printf '([^']*)'((?: '[^']*')*) >\"?\$\w+/([\w./]+)\"?", t):
        text = printf_text(m.group(1))
        files.append((m.group(3), text))
    for m in re.finditer(r"cat >\"?\$\w+/([\w./]+)\"? <<-?'?EOF'?\n(.*?)\n\s*EOF", t, re.S):
        files.append((m.group(1), "\n".join(l.lstrip("\t") for l in m.group(2).split("\n")).encode() + b"\n"))
CSV_DELIMS = {",": 0, "\t": 1, ";": 2, "|": 3}
for name, text in files:
    if name.endswith((".csv", ".tsv")):
        first = text.split(b"\n", 1)[0]
        d = 1 if b"\t" in first else 2 if b";" in first else 0
        for schema in range(8):
            add("fuzz_import_csv", bytes([schema | d << 3]) + text)
    elif name.endswith(".ion"):
        add("fuzz_import_ion", text)
    elif name.endswith(".json"):
        add("fuzz_import_ddb", text)
    add("fuzz_zio", text)
for b in c_literals(units.get("tests/unit/test_csv.c", "")):
    if b"," in b:
        add("fuzz_import_csv", b"\0" + b"PK,SK,a\n" + b)
for b in c_literals(units.get("tests/unit/test_ion.c", "")):
    if b.startswith((b"{", b"$ion")):
        add("fuzz_import_ion", b)
for f in sorted(glob.glob("tests/fixtures/dynamodb-export/**/*", recursive=True)):
    if f.endswith(".gz"):
        data = gzip.open(f).read()
        add("fuzz_zio", open(f, "rb").read())
        add("fuzz_import_ion" if "/ion/" in f else "fuzz_import_ddb", data[:4096])
    elif f.endswith("manifest-files.json"):
        add("fuzz_import_ddb", open(f, "rb").read())

for target, d in seeds.items():
    os.makedirs(os.path.join(out, target), exist_ok=True)
    for h in sorted(d)[:300]:
        open(os.path.join(out, target, h), "wb").write(d[h])
# the item files seedgen reads
os.makedirs(os.path.join(out, ".items"), exist_ok=True)
for b, ddb in items[:400]:
    open(os.path.join(out, ".items", hashlib.sha1(b).hexdigest()[:16]), "wb").write(b)
EOF

# zstd and gzip streams of some import files
for f in $(ls "$corpus/fuzz_import_csv" | head -n 20); do
	zstd -q -c "$corpus/fuzz_import_csv/$f" >"$corpus/fuzz_zio/zst-$f"
	gzip -n -c "$corpus/fuzz_import_csv/$f" >"$corpus/fuzz_zio/gz-$f"
done

# what only the code can make
make -s build/liblayout.a
mkdir -p build/fuzz "$corpus/fuzz_codec" "$corpus/fuzz_keyenc" "$corpus/fuzz_name" \
	"$corpus/fuzz_stream" "$corpus/fuzz_import_ddb" "$corpus/fuzz_import_ion"
cc -std=c11 -D_GNU_SOURCE -O1 $(pkg-config --cflags libcjson) -o build/fuzz/seedgen \
	tests/fuzz/seedgen.c build/liblayout.a $(pkg-config --libs libcjson) -lm
build/fuzz/seedgen "$corpus" "$corpus"/.items/*
rm -rf "$corpus/.items"
for d in "$corpus"/*/; do
	ls "$d" | sort | tail -n +301 | sed "s|^|$d|" | xargs -r rm -f
done
du -sh "$corpus"
for d in "$corpus"/*/; do printf '%s %s\n' "$(ls "$d" | wc -l)" "$(basename "$d")"; done
