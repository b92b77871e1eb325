"""What the crash stress and the soak share: one request through a
mount's request file, MNT/.ddbfs/api (README: DynamoDB's API), and a
directory's size on disk."""
import json
import os


def api_file(mnt, req):
    """The answer to req (a dict with its Action) as a dict; OSError when
    the request file answers an error or nothing that is an answer."""
    fd = os.open(os.path.join(mnt, ".ddbfs/api"), os.O_RDWR)
    try:
        os.write(fd, json.dumps(req).encode())
        out = b""
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
    finally:
        os.close(fd)
    ans = json.loads(out or b"null")
    if not isinstance(ans, dict) or "__type" in ans:
        raise OSError("request file: %r" % out[:300])
    return ans


def du(path):
    """The bytes path's files take on disk."""
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_blocks * 512
            except OSError:
                pass
    return total
