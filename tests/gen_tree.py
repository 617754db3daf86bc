#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Generate an awkward source tree for mkfs tests.

Every file type, sizes around block boundaries, long and odd names, a big
directory, a deep path, hard links within and across directories, sparse
files, many xattrs (shared ones, long values, every namespace, long-prefix
names, POSIX ACLs), odd owners, modes and nanosecond mtimes.

The tree depends only on its spec, never on creation order: --order=reverse
creates everything in the opposite order (so readdir and listxattr return
different orders) and must give the same tree.  Without root, the parts
that need it (devices, chown, trusted.* and security.* xattrs) are left out;
--unprivileged leaves them out for root too.

Usage: gen_tree.py [--order=forward|reverse] [--unprivileged] [--no-big]
                   [--forged-fingerprint=NAME] DIR
"""

import argparse
import errno
import hashlib
import os
import random
import shutil
import socket
import stat
import subprocess
import sys

BIG_DIR_ENTRIES = 3000
DEEP_LEVELS = 30
MIB = 1 << 20


def content(path, size):
    """Deterministic bytes for a file, from its path."""
    seed = int.from_bytes(hashlib.sha256(path).digest()[:8], "little")
    return random.Random(seed).randbytes(size)


def mtime_ns(path):
    """A deterministic mtime with nanoseconds, a few odd ones on purpose."""
    h = int.from_bytes(hashlib.sha256(b"mtime:" + path).digest()[:8], "little")
    return 1_600_000_000 * 10**9 + h % (10**17)


class Spec:
    """The tree as a list of entries, created in a chosen order."""

    def __init__(self, privileged, big, roomy=True):
        self.privileged = privileged
        self.big = big
        self.roomy = roomy      # room for 60 xattrs and 6000-byte values
        self.dirs = []          # relative paths (bytes)
        self.files = {}         # path -> ("data", bytes) | ("sparse", runs, size)
        self.symlinks = {}      # path -> target
        self.fifos = []
        self.sockets = []
        self.devices = {}       # path -> (kind, major, minor)
        self.links = []         # (existing, new)
        self.modes = {}         # path -> mode
        self.owners = {}        # path -> (uid, gid)
        self.xattrs = {}        # path -> {name: value}
        self.acls = {}          # path -> (access spec, default spec)
        self.mtimes = {}        # path -> ns (override)

    def d(self, path):
        self.dirs.append(path)

    def f(self, path, size=None, data=None):
        if data is None:
            data = content(path, size)
        self.files[path] = ("data", data)

    def x(self, path, name, value):
        self.xattrs.setdefault(path, {})[name] = value

    def build(self):
        self.sizes()
        self.names()
        self.big_and_deep()
        self.specials()
        self.hardlinks()
        self.xattr_entries()
        self.owners_modes_times()

    def sizes(self):
        self.d(b"sizes")
        for n in (0, 1, 2, 511, 512, 513, 1023, 1024, 1025, 2047, 2048,
                  2049, 4095, 4096, 4097, 8191, 8192, 8193, 12288, 16384,
                  65536, 65537):
            self.f(b"sizes/s%06d" % n, n)
        self.f(b"sizes/zeros8192", data=bytes(8192))
        self.f(b"sizes/big3m", 3 * MIB + 123)
        self.f(b"sizes/block-multiple-1m", MIB)
        # sparse: data, a hole, data, then a hole up to EOF
        self.files[b"sizes/sparse"] = (
            "sparse", [(0, content(b"sp0", 10)),
                       (3 * MIB // 2, content(b"sp1", 5000))], 2 * MIB + 5)
        self.files[b"sizes/allhole"] = ("sparse", [], MIB + 1)

    def names(self):
        self.d(b"names")
        self.f(b"names/" + b"n" * 255, 17)
        self.f(b"names/" + "é".encode() * 127 + b"x", 3)    # 255 bytes
        for name in ("héllo wörld", "日本語のファイル", "emoji-🙂",
                     "Ünïcödé-Ωμέγα", " leading space", "trailing space ",
                     "-dash", ".hidden", "..dots", "a\nnewline",
                     "back\\slash", "quote'\"", "tab\there", "*?[glob]"):
            self.f(b"names/" + name.encode(), len(name))
        self.f(b"names/latin1-\xe9\xff\xfe", 5)     # not UTF-8
        self.f(b"names/A", 1)
        self.f(b"names/a", 1)
        self.f(b"names/a.", 1)
        self.f(b"names/a0", 1)

    def big_and_deep(self):
        self.d(b"bigdir")
        for i in range(BIG_DIR_ENTRIES if self.big else 300):
            self.f(b"bigdir/entry-%05d-%s" % (i, b"x" * (i % 40)), i % 97)
        path = b"deep"
        self.d(path)
        for i in range(DEEP_LEVELS):
            path += b"/level%02d" % i
            self.d(path)
        self.f(path + b"/bottom", 4097)
        self.d(b"emptydir")
        self.d(b"dirs")
        for i in range(5):
            self.d(b"dirs/sub%d" % i)
        self.d(b"dirs/sub0/inner")

    def specials(self):
        self.d(b"special")
        self.fifos.append(b"special/fifo")
        self.sockets.append(b"special/socket")
        if self.privileged:
            self.devices[b"special/null"] = ("c", 1, 3)
            self.devices[b"special/sda1"] = ("b", 8, 1)
            self.devices[b"special/bigdev"] = ("c", 300, 70000)
            self.devices[b"special/blk-big"] = ("b", 4095, 0xfffff)
        self.symlinks[b"special/link"] = b"../sizes/s000001"
        self.symlinks[b"special/dangling"] = b"does/not/exist"
        self.symlinks[b"special/absolute"] = b"/etc/hostname"
        self.symlinks[b"special/to-dir"] = b"../dirs"
        self.symlinks[b"special/long"] = b"/".join(
            [b"component%04d" % i for i in range(372)])[:4000]
        self.symlinks[b"special/longest"] = b"t" * 4095
        self.symlinks[b"special/utf8-\xc3\xa9"] = "cible-é".encode()
        self.symlinks[b"special/l"] = b"x"

    def hardlinks(self):
        self.d(b"links")
        self.d(b"links/a")
        self.d(b"links/b")
        self.f(b"links/orig", 5000)
        self.links += [(b"links/orig", b"links/same-dir"),
                       (b"links/orig", b"links/a/other-dir"),
                       (b"links/orig", b"links/b/third"),
                       (b"links/orig", b"hardlink-at-top")]
        self.f(b"links/empty", 0)
        self.links.append((b"links/empty", b"links/a/empty2"))
        self.f(b"links/inline", 100)
        self.links.append((b"links/inline", b"links/b/inline2"))
        self.symlinks[b"links/sym"] = b"orig"
        self.links.append((b"links/sym", b"links/a/sym-hardlink"))
        self.fifos.append(b"links/fifo")
        self.links.append((b"links/fifo", b"links/b/fifo2"))

    def xattr_entries(self):
        self.d(b"xattrs")
        many = b"xattrs/many"
        self.f(many, 3000)
        # ext4 keeps an inode's xattrs in one block: fewer, shorter there
        big = 6000 if self.roomy else 1000
        for i in range(60 if self.roomy else 10):
            self.x(many, "user.attr%02d" % i, content(b"v%d" % i, i * 7))
        self.f(b"xattrs/long-value", 10)
        self.x(b"xattrs/long-value", "user.long", content(b"lv", big))
        self.x(b"xattrs/long-value", "user.empty", b"")
        self.x(b"xattrs/long-value", "user.binary", b"\0\1\2\0\xff")
        self.x(b"xattrs/long-value", "user." + "n" * 250, b"long name")
        # carried by many inodes: mkfs keeps it once in the shared area
        for i in range(6):
            p = b"xattrs/shared%d" % i
            self.f(p, 100 * i)
            self.x(p, "user.shared", b"the same value everywhere")
            self.x(p, "user.shared-big", content(b"sb", big // 2))
            self.x(p, "user.own", b"mine %d" % i)
        self.x(b"dirs", "user.shared", b"the same value everywhere")
        self.x(b"xattrs", "user.on-a-dir", b"dir value")
        # names for --xattr-prefix=user.long.prefix
        p = b"xattrs/long-prefix"
        self.f(p, 50)
        self.x(p, "user.long.prefix.one", b"1")
        self.x(p, "user.long.prefix.two", content(b"lp", 300))
        self.x(p, "user.long.prefix", b"exactly the prefix")
        self.x(p, "user.long.prefixX", b"prefix without the dot")
        self.x(p, "user.long.prefi", b"one short")
        self.x(b"names/A", "user.long.prefix.one", b"1")
        self.f(b"xattrs/acl", 10)
        self.acls[b"xattrs/acl"] = ("u:1234:rwx,g:5678:r-x,m::rwx", None)
        self.d(b"xattrs/acl-dir")
        self.acls[b"xattrs/acl-dir"] = ("u:42:r-x", "u:1234:rwx,g::r-x")
        if self.privileged:
            self.x(many, "trusted.overlay.opaque", b"y")
            self.x(many, "security.test", b"sec")
            self.x(b"xattrs/long-value", "trusted.big",
                   content(b"tb", big - 1000))
            self.x(b"special/link", "trusted.on-symlink", b"sym")
            self.x(b"special/fifo", "trusted.on-fifo", b"fifo")
            self.x(b"special/null", "security.on-device", b"dev")
            self.x(b"emptydir", "trusted.on-empty-dir", b"e")
            self.x(b"links/orig", "trusted.on-hardlink", b"h")
            self.x(p, "trusted.long.prefix.t", b"other namespace, same infix")

    def owners_modes_times(self):
        self.modes.update({
            b"sizes/s000001": 0o4755, b"sizes/s000002": 0o2711,
            b"sizes/s004095": 0o000, b"sizes/s004096": 0o777,
            b"dirs/sub1": 0o1777, b"dirs/sub2": 0o700,
            b"sizes/s004097": 0o6644, b"special/fifo": 0o600,
        })
        if not self.privileged:
            # a non-root mkfs must still be able to read everything
            self.modes = {p: m | 0o400 for p, m in self.modes.items()}
        # nanosecond, negative and beyond-2038 mtimes
        self.mtimes.update({
            b"sizes/s000000": 0, b"sizes/s000001": 1,
            b"sizes/s000002": -123_456_789_987_654_321,
            b"sizes/s000511": 7_258_118_400 * 10**9 + 999_999_999,
            b"sizes/s000512": 1_700_000_000 * 10**9 + 1,
        })
        if not self.privileged:
            return
        self.owners.update({
            b"sizes/s004095": (70000, 70001), b"sizes/s004096": (65535, 65535),
            b"sizes/s004097": (65536, 0), b"dirs/sub3": (1000, 1000),
            b"special/link": (12345, 54321), b"special/null": (0, 6),
            b"links/orig": (4_000_000_000, 4_000_000_001), b"emptydir": (7, 8),
        })


def all_paths(spec):
    paths = [b""] + spec.dirs + list(spec.files) + list(spec.symlinks)
    paths += spec.fifos + spec.sockets + list(spec.devices)
    return paths


def ordered(items, order):
    items = sorted(items)
    return items[::-1] if order == "reverse" else items


def write_file(full, desc):
    if desc[0] == "data":
        with open(full, "wb") as f:
            f.write(desc[1])
        return
    _, runs, size = desc
    with open(full, "wb") as f:
        for off, data in runs:
            f.seek(off)
            f.write(data)
        f.truncate(size)


def make_socket(full):
    # AF_UNIX paths are short: bind a name relative to its directory
    cwd = os.getcwd()
    os.chdir(os.path.dirname(full))
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(os.path.basename(full))
        s.close()
    finally:
        os.chdir(cwd)


def create(spec, root, order):
    j = lambda p: os.path.join(root, p) if p else root
    os.makedirs(root, exist_ok=True)
    for d in sorted(spec.dirs, reverse=False):
        os.mkdir(j(d))
    for p in ordered(spec.files, order):
        write_file(j(p), spec.files[p])
    for p in ordered(spec.symlinks, order):
        os.symlink(spec.symlinks[p], j(p))
    for p in ordered(spec.fifos, order):
        os.mkfifo(j(p))
    for p in ordered(spec.sockets, order):
        make_socket(j(p))
    for p in ordered(spec.devices, order):
        kind, major, minor = spec.devices[p]
        mode = (stat.S_IFCHR if kind == "c" else stat.S_IFBLK) | 0o640
        os.mknod(j(p), mode, os.makedev(major, minor))
    for src, dst in ordered(spec.links, order):
        os.link(j(src), j(dst), follow_symlinks=False)


def set_acl(path, access, default):
    if not shutil.which("setfacl"):
        sys.exit("gen_tree: setfacl not found (install the acl package)")
    subprocess.run(["setfacl", "-m", access, path], check=True)
    if default:
        subprocess.run(["setfacl", "-d", "-m", default, path], check=True)


def finish(spec, root, order):
    j = lambda p: os.path.join(root, p) if p else root
    for p in ordered(spec.modes, order):
        os.chmod(j(p), spec.modes[p])
    for p in ordered(spec.owners, order):
        uid, gid = spec.owners[p]
        os.chown(j(p), uid, gid, follow_symlinks=False)
    for p in ordered(spec.acls, order):
        set_acl(j(p), *spec.acls[p])
    left_out = 0
    for p in ordered(spec.xattrs, order):
        for name in ordered(spec.xattrs[p], order):
            try:
                os.setxattr(j(p), name, spec.xattrs[p][name],
                            follow_symlinks=False)
            except OSError as e:
                # ext4 keeps all xattrs of an inode in one block
                if e.errno not in (errno.ENOSPC, errno.E2BIG, errno.ERANGE):
                    raise
                left_out += 1
    if left_out:
        print("gen_tree: %d xattrs left out: no room for them on this "
              "filesystem (tmpfs has room)" % left_out, file=sys.stderr)
    # times last, children before parents, so that nothing touches them
    for p in sorted(all_paths(spec), key=lambda p: (-p.count(b"/"), p)):
        if p == b"" or p in spec.dirs:
            continue
        ns = spec.mtimes.get(p, mtime_ns(p))
        os.utime(j(p), ns=(ns, ns), follow_symlinks=False)
    for p in sorted(spec.dirs + [b""], key=lambda p: (-p.count(b"/"), p)):
        ns = spec.mtimes.get(p, mtime_ns(p))
        os.utime(j(p), ns=(ns, ns), follow_symlinks=False)


def roomy_xattrs(root):
    """Whether the filesystem holds many and long xattrs on one inode."""
    probe = os.path.join(root, b".xattr-probe")
    open(probe, "wb").close()
    try:
        for i in range(4):
            os.setxattr(probe, "user.probe%d" % i, bytes(6000))
        return True
    except OSError:
        return False
    finally:
        os.unlink(probe)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--order", choices=("forward", "reverse"),
                    default="forward")
    ap.add_argument("--unprivileged", action="store_true")
    ap.add_argument("--no-big", action="store_true",
                    help="300 entries instead of 3000 in bigdir")
    ap.add_argument("--forged-fingerprint", metavar="NAME", action="append",
                    default=[], help="give some files a wrong xattr NAME")
    ap.add_argument("dir")
    args = ap.parse_args()
    privileged = os.geteuid() == 0 and not args.unprivileged
    root = os.fsencode(args.dir)
    if os.path.exists(root) and os.listdir(root):
        sys.exit("gen_tree: %s exists and is not empty" % args.dir)
    os.makedirs(root, exist_ok=True)
    spec = Spec(privileged, not args.no_big, roomy_xattrs(root))
    spec.build()
    for name in args.forged_fingerprint:
        forged = b"sha256:" + bytes(32)
        for p in (b"sizes/s004096", b"sizes/s000000", b"dirs",
                  b"links/orig", b"names/A"):
            spec.x(p, name, forged)
        spec.x(b"sizes/s000001", name, b"garbage")
    create(spec, root, args.order)
    finish(spec, root, args.order)


if __name__ == "__main__":
    main()
