"""Long names (SPEC §4, README "Names"): a key whose name would pass 255
bytes is named by a prefix, "~" and 16 hex digits of a hash of the key
(FNV-1a 64 over the type letter and the value's bytes, then splitmix64's
finalizer). For the suites that make such names (PYTHONPATH=tests/bats)."""

M = (1 << 64) - 1


def name_hash(kind, data):
    x = 0xcbf29ce484222325
    for b in kind.encode() + data:
        x = ((x ^ b) * 0x100000001b3) & M
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M
    return x ^ (x >> 31)


def long_name(text, item):
    """The name of string key text: an item's (with .json) or a partition's."""
    x = ".json" if item else ""
    return text[:255 - 17 - len(x)] + "~%016x" % name_hash("S", text.encode()) + x
