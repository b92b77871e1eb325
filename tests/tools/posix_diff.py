#!/usr/bin/env python3
"""POSIX behaviours of a directory, as a transcript to compare between two
filesystems (ddbfs scratch space beside tmpfs): each step prints its result
(OK or the errno name) and the attributes that matter (type, mode, nlink,
owner, size, and whether times moved). Run as root: steps that need another
user switch to uid/gid 65534 in a child process.

usage: posix_diff.py DIR
"""
import ctypes
import errno
import os
import stat
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
OTHER = 65534

out = []


def say(*words):
    out.append(" ".join(str(w) for w in words))


def res(fn, *args):
    try:
        r = fn(*args)
        return "OK" if r is None or isinstance(r, int) else "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def renameat2(a, b, flags):
    check(libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), flags))


class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def utimensat(path, atime, mtime):
    """atime/mtime: seconds, 'now' or 'omit'."""
    def ts(v):
        if v == "now":
            return timespec(0, UTIME_NOW)
        if v == "omit":
            return timespec(0, UTIME_OMIT)
        return timespec(v, 0)
    times = (timespec * 2)(ts(atime), ts(mtime))
    check(libc.utimensat(AT_FDCWD, path.encode(), times, 0))


def st(path, follow=False):
    s = os.stat(path) if follow else os.lstat(path)
    kind = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "link"}.get(
        stat.S_IFMT(s.st_mode), "other")
    size = s.st_size if kind != "dir" else "-"
    nlink = s.st_nlink
    return "%s %04o nlink=%s %d:%d size=%s" % (kind, stat.S_IMODE(s.st_mode), nlink,
                                                s.st_uid, s.st_gid, size)


def times(path):
    s = os.lstat(path)
    return (s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns)


def moved(before, after):
    names = ("atime", "mtime", "ctime")
    return ",".join(n for n, b, a in zip(names, before, after) if a != b) or "none"


def tick():
    time.sleep(0.02)


def as_other(fn):
    """Run fn as uid/gid 65534; returns OK or the errno name."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setresgid(OTHER, OTHER, OTHER)
            os.setresuid(OTHER, OTHER, OTHER)
            result = res(fn)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            result = "EXC " + str(e)
        os.write(w, result.encode())
        os._exit(0)
    os.close(w)
    got = os.read(r, 200).decode()
    os.close(r)
    os.waitpid(pid, 0)
    return got


def main(root):
    os.chdir(root)
    os.chmod(".", 0o777)

    # open: O_CREAT, O_EXCL, O_TRUNC
    say("create", res(lambda: os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o640))))
    say("  ", st("f"))
    say("excl on existing", res(lambda: os.open("f", os.O_CREAT | os.O_EXCL | os.O_WRONLY)))
    with open("f", "w") as fh:
        fh.write("hello world")
    say("  ", st("f"))
    tick()
    b = times("f")
    say("trunc", res(lambda: os.close(os.open("f", os.O_WRONLY | os.O_TRUNC))))
    say("  ", st("f"), "moved", moved(b, times("f")))
    say("open missing", res(lambda: os.open("nope", os.O_RDONLY)))
    say("open dir for writing", res(lambda: os.open(".", os.O_WRONLY)))

    # truncate and ftruncate
    say("truncate up", res(os.truncate, "f", 100), st("f"))
    fd = os.open("f", os.O_RDWR)
    say("ftruncate down", res(os.ftruncate, fd, 3), st("f"))
    os.close(fd)
    with open("f", "rb") as fh:
        say("content", fh.read())

    # parent times on create, unlink, rename
    tick()
    b = times(".")
    os.close(os.open("g", os.O_CREAT | os.O_WRONLY, 0o644))
    say("create moves parent", moved(b, times(".")))
    tick()
    b = times(".")
    os.unlink("g")
    say("unlink moves parent", moved(b, times(".")))
    os.close(os.open("g", os.O_CREAT | os.O_WRONLY, 0o644))
    tick()
    b, bf = times("."), times("g")
    os.rename("g", "h")
    say("rename moves parent", moved(b, times(".")), "file", moved(bf, times("h")))
    os.close(os.open("c", os.O_CREAT | os.O_WRONLY, 0o644))
    tick()
    b = times("h")
    os.rename("c", "h")
    say("rename over replaces", st("h"))

    # rename: files, directories, errors, flags
    os.mkdir("d1")
    os.mkdir("d2")
    os.mkdir("full")
    os.close(os.open("full/x", os.O_CREAT | os.O_WRONLY, 0o644))
    say("rename dir over empty dir", res(os.rename, "d1", "d2"), res(os.lstat, "d1"))
    say("rename dir over non-empty", res(os.rename, "d2", "full"))
    say("rename file over dir", res(os.rename, "h", "d2"))
    say("rename dir over file", res(os.rename, "d2", "h"))
    say("rename dir into itself", res(os.rename, "d2", "d2/sub"))
    say("noreplace onto existing", res(renameat2, "f", "h", RENAME_NOREPLACE))
    say("noreplace onto new", res(renameat2, "f", "f2", RENAME_NOREPLACE), res(os.lstat, "f"))
    with open("h", "w") as fh:
        fh.write("HH")
    say("exchange", res(renameat2, "f2", "h", RENAME_EXCHANGE), st("f2"), st("h"))
    say("rename missing", res(os.rename, "nope", "x"))

    # mkdir and rmdir
    say("mkdir", res(os.mkdir, "m", 0o750), st("m"))
    say("mkdir existing", res(os.mkdir, "m"))
    say("parent nlink", st("."))
    say("mkdir nested", res(os.makedirs, "m/a/b/c"), st("m/a/b"))
    say("rmdir non-empty", res(os.rmdir, "m"))
    say("rmdir file", res(os.rmdir, "h"))
    say("unlink dir", res(os.unlink, "m"))
    say("rmdir", res(os.rmdir, "m/a/b/c"), res(os.lstat, "m/a/b/c"))

    # chmod, chown, times
    tick()
    b = times("h")
    say("chmod", res(os.chmod, "h", 0o4755), st("h"), "moved", moved(b, times("h")))
    say("chown", res(os.chown, "h", 1234, 5678), st("h"))
    os.chmod("h", 0o6755)
    os.chown("h", 0, 0)
    os.chown("h", 1234, 5678)
    say("chown clears set-id", st("h"))
    say("utime both", res(utimensat, "h", 1000000000, 1100000000), times("h")[:2])
    say("utime atime only", res(utimensat, "h", 1980000000, "omit"), times("h")[:2])
    say("utime mtime only", res(utimensat, "h", "omit", 1200000000), times("h")[:2])
    tick()
    b = times("h")
    say("utime now", res(utimensat, "h", "now", "now"), "moved", moved(b, times("h")))

    # permissions as another user
    with open("mine", "w") as fh:
        fh.write("secret")
    os.chmod("mine", 0o600)
    say("other reads 0600", as_other(lambda: open("mine").read()))
    os.chmod("mine", 0o644)
    say("other reads 0644", as_other(lambda: open("mine").read()))
    say("other writes 0644", as_other(lambda: open("mine", "a").write("x")))
    say("other chmods", as_other(lambda: os.chmod("mine", 0o777)))
    say("other chowns", as_other(lambda: os.chown("mine", OTHER, OTHER)))
    say("other utime now", as_other(lambda: os.utime("mine")))
    say("other utime set", as_other(lambda: os.utime("mine", (1, 1))))
    os.mkdir("locked", 0o755)
    say("other creates in 0755", as_other(lambda: open("locked/x", "w").close()))
    os.chmod("locked", 0o777)
    say("other creates in 0777", as_other(lambda: open("locked/x", "w").close()),
        st("locked/x"))
    os.chmod("locked", 0o1777)
    os.close(os.open("locked/root", os.O_CREAT | os.O_WRONLY, 0o666))
    say("sticky: other unlinks root's", as_other(lambda: os.unlink("locked/root")))
    say("sticky: other unlinks own", as_other(lambda: os.unlink("locked/x")))
    os.mkdir("sgid", 0o2777)
    os.chown("sgid", 0, 4321)
    os.close(os.open("sgid/f", os.O_CREAT | os.O_WRONLY, 0o644))
    os.mkdir("sgid/d")
    say("set-group-ID dir gives group", st("sgid/f"), st("sgid/d"))

    # nlink of an open file after unlink
    fd = os.open("gone", os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b"still here")
    os.unlink("gone")
    s = os.fstat(fd)
    os.lseek(fd, 0, 0)
    say("unlinked open file", "nlink=%d size=%d" % (s.st_nlink, s.st_size), os.read(fd, 100))
    os.close(fd)

    # names and paths
    say("255-byte name", res(lambda: os.close(os.open("n" * 255, os.O_CREAT | os.O_WRONLY))))
    say("256-byte name", res(lambda: os.open("n" * 256, os.O_CREAT | os.O_WRONLY)))
    say("256-byte mkdir", res(os.mkdir, "n" * 256))
    say("256-byte lookup", res(os.lstat, "n" * 256))
    deep = "/".join(["d" * 100] * 39)  # 3939 bytes
    say("deep path", res(os.makedirs, deep))
    say("over PATH_MAX", res(os.lstat, deep + "/" + "e" * 200))

    # symlinks
    say("symlink", res(os.symlink, "h", "ln"), st("ln"), os.readlink("ln"))
    say("follow", st("ln", follow=True))
    say("dangling", res(os.symlink, "nowhere", "dl"), res(os.stat, "dl"))
    say("symlink over existing", res(os.symlink, "h", "ln"))
    say("lchown", res(os.lchown, "ln", 1, 2), st("ln"))
    say("rename symlink", res(os.rename, "ln", "ln2"), os.readlink("ln2"))
    say("unlink symlink", res(os.unlink, "ln2"), st("h"))

    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
