#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Generate the source trees of the tests, one shape at a time.

Every shape is a Spec (directories, files, links, devices, modes, owners,
xattrs, times) that one creator writes out.  --shape picks it:

awkward (the default; the mkfs tests)
  Every file type, sizes around block boundaries, long and odd names, a
  big directory, a deep path, hard links within and across directories,
  sparse files, many xattrs (shared ones, long values, every namespace,
  long-prefix names, POSIX ACLs), odd owners, modes and nanosecond mtimes.
  The tree depends only on its spec, never on creation order:
  --order=reverse creates everything in the opposite order (so readdir and
  listxattr return different orders) and must give the same tree.  Without
  root, the parts that need it (devices, chown, trusted.* and security.*
  xattrs) are left out; --unprivileged leaves them out for root too.
  --no-big: 300 entries instead of 3000 in bigdir; --forged-fingerprint=NAME
  gives some files a wrong xattr NAME.

compress (the compression tests)
  Sizes around the block and pcluster edges, random (incompressible), text
  (compressible), mixed runs of both, zeros, a sparse file, hard links,
  symlinks and an empty directory.  --small leaves out the files over
  1 MiB; --tiny writes only a few files of each kind (about 700 KB), for
  tests that damage an image many times over; --xattrs gives the larger
  files user xattrs of varying sizes, which moves where their indexes
  start.

tails (the reader oracle's fixtures, tests/compress/fixtures)
  Small (about 500 KB): compressible files whose last bytes do not
  compress, and small random files that follow compressible ones in the
  packed inode, with sizes around 512..4096-byte block edges; text repeated
  inside and across files at odd offsets (dedupe of partial extents); one
  file of 19,141 text bytes followed by four random files of 731..1,978
  bytes (issue 12's smallest case).  The same tree for every run.
  --tail-seed N writes only that last pattern, its sizes drawn from N.

fsck (the reader tests)
  Seeded (--seed N) file contents that start with their own path, sizes
  around block boundaries, hard links, symlinks of all lengths, fifos,
  sockets, devices and odd owners (as root), xattrs private and shared,
  long and odd names (--longname N: Debian's mkfs.erofs 1.5 fails on 255
  bytes), a multi-block directory, deep nesting (--small: shallower and
  fewer entries), nanosecond mtimes and special mode bits.

share-pair, share-many (the sharing reports of dump.erofs)
  share-pair writes DIR/a and DIR/b: the same files, renamed, changed,
  hard links, empty files, duplicates within one tree; share-many writes
  DIR/t0 .. DIR/t(N-1) (--trees N, default 10) with files shared by all,
  by half of them and by neighbours under other names.

Usage: gen_tree.py [--shape=SHAPE] [options] DIR
DIR must be missing or empty.
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

MIB = 1 << 20


class Spec:
    """A tree as lists of entries, created in a chosen order."""

    def __init__(self, privileged):
        self.privileged = privileged
        self.dirs = []          # relative paths (bytes), parents first
        # path -> ("data", bytes) | ("sparse", [(offset, bytes)], size)
        self.files = {}
        self.symlinks = {}      # path -> target
        self.fifos = []
        self.sockets = []
        self.devices = {}       # path -> (kind, major, minor, permissions)
        self.links = []         # (existing, new)
        self.modes = {}         # path -> mode
        self.owners = {}        # path -> (uid, gid)
        self.xattrs = {}        # path -> {name: value}
        self.acls = {}          # path -> (access spec, default spec)
        self.mtimes = {}        # path -> ns
        # the mtime of a path without one in mtimes; None leaves it alone
        self.default_mtime = None
        self.after = []         # callables(root) run last

    def d(self, path):
        if path not in self.dirs:
            self.dirs.append(path)

    def parents(self, path):
        """Declare the directories above path."""
        parts = path.split(b"/")[:-1]
        for k in range(1, len(parts) + 1):
            self.d(b"/".join(parts[:k]))

    def f(self, path, size=None, data=None):
        if data is None:
            data = content(path, size)
        self.files[path] = ("data", data)

    def x(self, path, name, value):
        self.xattrs.setdefault(path, {})[name] = value


def content(path, size):
    """Deterministic bytes for a file, from its path."""
    seed = int.from_bytes(hashlib.sha256(path).digest()[:8], "little")
    return random.Random(seed).randbytes(size)


def mtime_ns(path):
    """A deterministic mtime with nanoseconds, a few odd ones on purpose."""
    h = int.from_bytes(hashlib.sha256(b"mtime:" + path).digest()[:8], "little")
    return 1_600_000_000 * 10**9 + h % (10**17)


# --- awkward: the mkfs tests ------------------------------------------------
BIG_DIR_ENTRIES = 3000
DEEP_LEVELS = 30


class Awkward(Spec):
    def __init__(self, privileged, big, roomy=True):
        super().__init__(privileged)
        self.big = big
        self.roomy = roomy      # room for 60 xattrs and 6000-byte values
        self.default_mtime = mtime_ns

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
            self.devices[b"special/null"] = ("c", 1, 3, 0o640)
            self.devices[b"special/sda1"] = ("b", 8, 1, 0o640)
            self.devices[b"special/bigdev"] = ("c", 300, 70000, 0o640)
            self.devices[b"special/blk-big"] = ("b", 4095, 0xfffff, 0o640)
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


# --- compress: the compression tests ------------------------------------
BLOCK_EDGES = [0, 1, 100, 511, 512, 513, 1023, 1024, 1025, 2047, 2048,
               2049, 4095, 4096, 4097, 8191, 8192, 8193, 12287, 12288,
               65535, 65536, 65537, 100000]
COMPRESS_TIME = 1_700_000_000 * 10**9


def text_bytes(rng, n):
    words = [b"erofs", b"compressed", b"lcluster", b"pcluster", b"the",
             b"kernel", b"page", b"cache", b"block", b"image", b"of", b"a",
             b"\n", b"tail", b"index", b"0123456789", b"extent", b"data"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])


def mixed_bytes(rng, n):
    out = bytearray()
    while len(out) < n:
        run = rng.randint(1, 300000)
        if rng.random() < 0.5:
            out += rng.randbytes(run)
        else:
            out += text_bytes(rng, run)
    return bytes(out[:n])


class Compress(Spec):
    def __init__(self, privileged, small, tiny, xattrs):
        super().__init__(privileged)
        self.small, self.tiny, self.with_xattrs = small, tiny, xattrs
        self.rng = random.Random(20240601)

    def w(self, path, data):
        """A file of the given bytes, with a fixed mtime."""
        self.parents(path)
        self.f(path, data=data)
        self.mtimes[path] = COMPRESS_TIME

    def build(self):
        if self.tiny:
            self.build_tiny()
            return
        rng, w = self.rng, self.w
        for n in BLOCK_EDGES:
            w(b"text/t%06d" % n, text_bytes(rng, n))
            w(b"rand/r%06d" % n, rng.randbytes(n))
            w(b"zero/z%06d" % n, bytes(n))
        w(b"big/text1m", text_bytes(rng, 1 << 20))
        w(b"big/rand1m", rng.randbytes(1 << 20))
        # a compressible head, an incompressible tail, and the reverse
        w(b"big/half1", text_bytes(rng, 300000) + rng.randbytes(5000))
        w(b"big/half2", rng.randbytes(300000) + text_bytes(rng, 5000))
        if not self.small:
            self.build_big()
        head = text_bytes(rng, 10000)
        self.files[b"big/sparse"] = (
            "sparse", [(0, head), (3 * MIB, text_bytes(rng, 7777))],
            3 * MIB + 7777)
        self.d(b"empty")
        self.small_and_links(200, 20000, 50000)
        data = text_bytes(rng, 200000) + rng.randbytes(20000)
        w(b"dup/c", data)
        w(b"dup/sub/c", data)
        self.x(b"dup/sub/c", "user.moves", b"x" * 30)
        if self.with_xattrs:
            self.add_xattrs()

    def build_big(self):
        rng, w = self.rng, self.w
        w(b"big/mixed10m", mixed_bytes(rng, 10 << 20))
        w(b"big/zero6m", bytes(6 << 20))
        # larger than one input window, and incompressible throughout
        w(b"big/rand5m", rng.randbytes(5 << 20))
        # more than two 16 MiB segments, ending in a partial block
        seg = bytearray()
        for _ in range(34):
            seg += bytes(900 << 10) + rng.randbytes(124 << 10)
        w(b"big/seg34m", bytes(seg) + b"tail")

    def build_tiny(self):
        rng, w = self.rng, self.w
        for n in (100, 4095, 4097, 12288, 65537, 100000):
            w(b"text/t%06d" % n, text_bytes(rng, n))
        for n in (513, 8193):
            w(b"rand/r%06d" % n, rng.randbytes(n))
        w(b"big/half1", text_bytes(rng, 150000) + rng.randbytes(5000))
        w(b"big/half2", rng.randbytes(20000) + text_bytes(rng, 90000))
        w(b"zero/z070000", bytes(70000))
        self.small_and_links(12, 9000, 30000)

    def small_and_links(self, count, most, dup):
        """Small files (inline tails, where inodes land in blocks), the
        same content twice (dedupe material), a hard link, a symlink."""
        rng, w = self.rng, self.w
        for i in range(count):
            n = rng.randint(1, most)
            data = rng.randbytes(n) if i % 3 == 0 else text_bytes(rng, n)
            w(b"small/s%03d" % i, data)
        data = text_bytes(rng, dup)
        w(b"dup/a", data)
        w(b"dup/b", data)
        self.links.append((b"text/t065537", b"text/hardlink"))
        self.symlinks[b"symlink"] = b"text/t004097"

    def add_xattrs(self):
        """0 to 4 xattrs on every file over a block, by its sorted place
        among all non-directories (symlinks and hard links count)."""
        size = {p: len(d[1]) if d[0] == "data" else d[2]
                for p, d in self.files.items()}
        size.update({new: size[old] for old, new in self.links})
        paths = sorted(list(size) + list(self.symlinks))
        for i, path in enumerate(paths):
            if path in self.symlinks or size[path] <= 4096:
                continue
            for k in range(i % 5):
                self.x(path, "user.k%d" % k, b"v" * ((i * 7 + k) % 45 + 1))


# --- tails: fixtures of the reader oracle ----------------------------------
class Tails(Spec):
    """Where uncompressed pclusters end up short and at odd offsets: the
    incompressible end of a file, or of the packed inode."""

    def __init__(self, privileged):
        super().__init__(privileged)
        self.rng = random.Random(20261204)

    def w(self, path, data):
        self.parents(path)
        self.f(path, data=data)
        self.mtimes[path] = COMPRESS_TIME

    def lines(self, n):
        """Text that compresses well even after lz4 (so that the fixture
        images stay small): lines drawn from a few."""
        out = bytearray()
        while len(out) < n:
            out += self.rng.choice(TAIL_LINES)
        return bytes(out[:n])

    def build_tail(self, seed):
        """Only issue 12's pattern, its sizes drawn from @seed: a text
        file then random ones, the end of the packed inode with fragments."""
        rng = random.Random(seed)
        self.w(b"a", text_bytes(rng, rng.randint(3000, 30000)))
        for i in range(rng.randint(1, 4)):
            self.w(b"r%d" % i, rng.randbytes(rng.randint(200, 2500)))

    def build(self):
        rng, w = self.rng, self.w
        # issue 12: a text file, then random ones that do not compress
        w(b"issue12/a", text_bytes(rng, 19141))
        for i, n in enumerate((731, 1203, 1650, 1978)):
            w(b"issue12/r%d" % i, rng.randbytes(n))
        for bs in (512, 1024, 4096):
            for k, tail in enumerate((3, bs // 4 + 1, bs - 1)):
                n = (k + 2) * bs + bs // 3 + k
                w(b"b%04d/m%d" % (bs, k), self.lines(n) + rng.randbytes(tail))
            w(b"b%04d/n" % bs, rng.randbytes(bs // 3 + 2))
        for n in (1, 100, 511, 513, 4095, 4097, 9000, 70000):
            w(b"text/t%06d" % n, self.lines(n))
        w(b"text/big", self.lines(150000) + rng.randbytes(99))
        # the same text inside and across files, never block aligned
        chunk = self.lines(40000)
        w(b"dup/x", chunk + rng.randbytes(33) + chunk + self.lines(77))
        w(b"dup/y", self.lines(1234) + chunk + rng.randbytes(45))
        w(b"dup/z", chunk[5000:30001])
        w(b"dup/same", chunk)
        w(b"zero/z", bytes(20000) + rng.randbytes(60))
        self.symlinks[b"link"] = b"text/t000100"


TAIL_LINES = [b"erofs lcluster %d maps a pcluster of the packed inode\n" % i
              for i in range(8)]


# --- fsck: the reader tests ---------------------------------------------
FSCK_SIZES = [0, 1, 7, 100, 511, 512, 513, 1023, 1024, 2047, 4095, 4096,
              4097, 8191, 8192, 12289, 65536, 70001, 300000]


class Fsck(Spec):
    """Contents start with their path as given on the command line, and
    mtimes are drawn from the seed in os.walk() order, as they always
    were for these tests."""

    def __init__(self, privileged, root, seed, small, longname):
        super().__init__(privileged)
        self.root, self.small, self.longname = root, small, longname
        self.rng = random.Random(seed)
        self.names = []         # files that get xattrs, in order
        self.after.append(self.set_times)

    def data(self, n, tag):
        """n bytes: a header naming the file, then seeded noise/text."""
        rng = self.rng
        head = ("<%s>" % tag).encode()
        if rng.random() < 0.5:
            body = rng.randbytes(max(n, 0))
        else:
            words = [b"erofs", b"block", b"inode", b"xattr", b"\n", b" "]
            body = b"".join(rng.choice(words) for _ in range(n // 3 + 1))
        return (head + body)[:n]

    def file(self, path, n, tag=None):
        tag = tag or os.path.join(self.root, os.fsdecode(path))
        self.f(path, data=self.data(n, tag))

    def build(self):
        self.make_files()
        self.make_links()
        self.make_specials()
        self.make_dirs()
        self.make_xattrs()

    def make_files(self):
        for i, size in enumerate(FSCK_SIZES):
            self.file(b"f%02d_%d" % (i, size), size)
            self.names.append(b"f%02d_%d" % (i, size))
        # a sparse file: holes before and after some data
        data = self.data(5000, os.path.join(self.root, "sparse"))
        self.files[b"sparse"] = ("sparse", [(MIB + 100, data)], 3 * MIB)
        self.names.append(b"sparse")
        for mode in (0o4755, 0o2750, 0o1777, 0o000, 0o444):
            p = b"mode%o" % mode
            self.file(p, 50)
            self.modes[p] = mode
            self.names.append(p)
        if self.privileged:
            for uid, gid in ((1000, 1000), (70000, 80000), (65535, 0)):
                p = b"own%d" % uid
                self.file(p, 30)
                self.owners[p] = (uid, gid)
                self.names.append(p)

    def make_links(self):
        self.symlinks[b"sym_short"] = b"f00_0"
        self.symlinks[b"sym_long"] = b"x" * 200 + b"/" + b"y" * 800
        self.symlinks[b"sym_dangling"] = b"/nonexistent/target"
        self.symlinks[b"sym_up"] = b"../" * 3 + b"etc/passwd"
        self.file(b"hard_a", 6000)
        self.d(b"hl")
        self.links += [(b"hard_a", b"hard_b"), (b"hard_a", b"hl/hard_c")]
        self.names.append(b"hard_a")

    def make_specials(self):
        self.fifos.append(b"fifo")
        self.sockets.append(b"sock")
        if self.privileged:
            self.devices[b"null"] = ("c", 1, 3, 0o666)
            self.devices[b"blk"] = ("b", 259, 70000, 0o660)

    def make_dirs(self):
        self.d(b"bigdir")
        for i in range(60 if self.small else 400):
            p = b"bigdir/entry-%04d-%s" % (i, b"n" * (i % 40))
            self.file(p, self.rng.choice((0, 10, 300)))
        self.d(b"odd")
        for name in ("with space", "new\nline", "tab\there", "ünïcødé",
                     "-dash", ".hidden", "..dots", "a" * self.longname,
                     "back\\slash", "quote'd"):
            self.file(b"odd/" + name.encode(), 20)
        deep = b""
        for i in range(40 if not self.small else 12):
            deep = deep + b"/d%d" % i if deep else b"d%d" % i
            self.d(deep)
        self.file(deep + b"/bottom", 1234,
                  tag=os.path.join(self.root, os.fsdecode(deep)))
        self.d(b"empty")
        self.modes[b"empty"] = 0o700

    def make_xattrs(self):
        for i, p in enumerate(self.names):
            if i % 3 == 0:
                self.x(p, "user.private%d" % i, b"value-%d" % i)
            if i % 4 == 0:
                self.x(p, "user.shared", b"the same value everywhere")
            if i % 5 == 0:
                self.x(p, "user.big", bytes(range(256)) * 8)
            if self.privileged and i % 6 == 0:
                self.x(p, "trusted.t%d" % i, b"trusted")
        self.x(b"", "user.rootdir", b"on the root")

    def set_times(self, root):
        for dirpath, dirs, files in os.walk(root, topdown=False):
            for n in files + dirs:
                self.set_time(os.path.join(dirpath, n))
            self.set_time(dirpath)

    def set_time(self, path):
        rng = self.rng
        ns = rng.randrange(10**9, 2 * 10**9) * 10**9 + rng.randrange(10**9)
        os.utime(path, ns=(ns, ns), follow_symlinks=False)


# --- share-pair, share-many: the sharing reports of dump.erofs -----------
class Share(Spec):
    """Files whose sharing is known: the same bytes at the same or other
    paths, changed bytes, hard links, empty files (modes 0644, times
    left to the clock)."""

    def put(self, path, data):
        self.parents(path)
        self.f(path, data=data)
        self.modes[path] = 0o644

    def pair(self):
        rnd, put = random.Random(5), self.put
        # the same files at the same paths, sizes around page boundaries
        for i, size in enumerate([1, 100, 4095, 4096, 4097, 8192, 20000,
                                  65537, 300000]):
            data = rnd.randbytes(size)
            put(b"a/common/c%d" % i, data)
            put(b"b/common/c%d" % i, data)
        # renamed and moved
        data = rnd.randbytes(12345)
        put(b"a/old/name1", data)
        put(b"b/new/dir/renamed", data)
        # changed: same path and size, other content
        put(b"a/chg/x", rnd.randbytes(5000))
        put(b"b/chg/x", rnd.randbytes(5000))
        # hard links in a, one file in b with the same content
        data = rnd.randbytes(7000)
        put(b"a/hl/a", data)
        self.links += [(b"a/hl/a", b"a/hl/b"), (b"a/hl/a", b"a/zz-link")]
        put(b"b/other/h", data)
        # hard links in b only, unique content: no group
        put(b"b/hl2/p", rnd.randbytes(3000))
        self.links.append((b"b/hl2/p", b"b/hl2/q"))
        # equal content twice in one tree: a group within one image
        data = rnd.randbytes(9000)
        put(b"a/dup1", data)
        put(b"a/sub/dup2", data)
        # empty files: no fingerprint, no page cache
        put(b"a/empty1", b"")
        put(b"a/e/empty2", b"")
        put(b"b/empty1", b"")
        # only in one tree
        put(b"a/only/a", rnd.randbytes(1111))
        put(b"b/only/b", rnd.randbytes(2222))
        # not regular files: never in the report
        self.symlinks[b"a/sym"] = b"common/c0"
        self.symlinks[b"b/sym"] = b"common/c0"
        self.fifos.append(b"a/fifo")

    def many(self, n):
        """t0 .. t(n-1): files in all, in half, in neighbours."""
        rnd, put = random.Random(10), self.put
        base = [rnd.randbytes(s) for s in (10, 5000, 40000, 4096, 123456)]
        half = rnd.randbytes(17000)
        chain = [rnd.randbytes(3000 + 7 * i) for i in range(n + 1)]
        for i in range(n):
            t = b"t%d" % i
            for k, data in enumerate(base):
                put(t + b"/base/b%d" % k, data)
            if i % 2 == 0:
                put(t + b"/half/f", half)
            put(t + b"/uniq/u", rnd.randbytes(1000 + i))
            # shared with the neighbour, under another name
            put(t + b"/chain/mine%d" % i, chain[i])
            put(t + b"/chain/next%d" % i, chain[i + 1])
            put(t + b"/empty", b"")


# --- writing a Spec out --------------------------------------------------
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
        kind, major, minor, perm = spec.devices[p]
        mode = (stat.S_IFCHR if kind == "c" else stat.S_IFBLK) | perm
        os.mknod(j(p), mode, os.makedev(major, minor))
    for src, dst in ordered(spec.links, order):
        os.link(j(src), j(dst), follow_symlinks=False)


def set_acl(path, access, default):
    if not shutil.which("setfacl"):
        sys.exit("gen_tree: setfacl not found (install the acl package)")
    subprocess.run(["setfacl", "-m", access, path], check=True)
    if default:
        subprocess.run(["setfacl", "-d", "-m", default, path], check=True)


def set_xattrs(spec, root, order):
    j = lambda p: os.path.join(root, p) if p else root
    left_out = 0
    for p in ordered(spec.xattrs, order):
        for name in ordered(spec.xattrs[p], order):
            try:
                os.setxattr(j(p), name, spec.xattrs[p][name],
                            follow_symlinks=False)
            except OSError as e:
                # ext4 keeps all xattrs of an inode in one block; without
                # root, a read-only mode forbids them
                if e.errno not in (errno.ENOSPC, errno.E2BIG, errno.ERANGE,
                                   errno.EACCES, errno.EPERM):
                    raise
                left_out += 1
    if left_out:
        print("gen_tree: %d xattrs left out: no room for them on this "
              "filesystem (tmpfs has room) or no permission" % left_out,
              file=sys.stderr)


def mtime_of(spec, path):
    if path in spec.mtimes:
        return spec.mtimes[path]
    return spec.default_mtime(path) if spec.default_mtime else None


def set_times(spec, root):
    """Files, then directories, children before parents, so that nothing
    touches them later."""
    j = lambda p: os.path.join(root, p) if p else root
    deepest = lambda p: (-p.count(b"/"), p)
    dirs = set(spec.dirs)
    files = [p for p in all_paths(spec) if p and p not in dirs]
    for p in sorted(files, key=deepest) + sorted(dirs | {b""}, key=deepest):
        ns = mtime_of(spec, p)
        if ns is not None:
            os.utime(j(p), ns=(ns, ns), follow_symlinks=False)


def finish(spec, root, order):
    j = lambda p: os.path.join(root, p) if p else root
    for p in ordered(spec.modes, order):
        os.chmod(j(p), spec.modes[p])
    for p in ordered(spec.owners, order):
        uid, gid = spec.owners[p]
        os.chown(j(p), uid, gid, follow_symlinks=False)
    for p in ordered(spec.acls, order):
        set_acl(j(p), *spec.acls[p])
    set_xattrs(spec, root, order)
    set_times(spec, root)
    for fn in spec.after:
        fn(root)


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


def awkward(args, root, privileged):
    spec = Awkward(privileged, not args.no_big, roomy_xattrs(root))
    spec.build()
    for name in args.forged_fingerprint:
        forged = b"sha256:" + bytes(32)
        for p in (b"sizes/s004096", b"sizes/s000000", b"dirs",
                  b"links/orig", b"names/A"):
            spec.x(p, name, forged)
        spec.x(b"sizes/s000001", name, b"garbage")
    return spec


def parse_args():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--shape", choices=("awkward", "compress", "tails",
                                        "fsck", "share-pair", "share-many"),
                    default="awkward")
    g = ap.add_argument_group("awkward")
    g.add_argument("--order", choices=("forward", "reverse"),
                   default="forward")
    g.add_argument("--unprivileged", action="store_true")
    g.add_argument("--no-big", action="store_true",
                   help="300 entries instead of 3000 in bigdir")
    g.add_argument("--forged-fingerprint", metavar="NAME", action="append",
                   default=[], help="give some files a wrong xattr NAME")
    g = ap.add_argument_group("compress and fsck")
    g.add_argument("--small", action="store_true")
    g = ap.add_argument_group("compress")
    g.add_argument("--tiny", action="store_true")
    g.add_argument("--xattrs", action="store_true")
    g = ap.add_argument_group("tails")
    g.add_argument("--tail-seed", type=int, metavar="N",
                   help="only issue 12's pattern, sizes drawn from N")
    g = ap.add_argument_group("fsck")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--longname", type=int, default=255)
    g = ap.add_argument_group("share-many")
    g.add_argument("--trees", type=int, default=10)
    ap.add_argument("dir")
    return ap.parse_args()


def main():
    args = parse_args()
    privileged = os.geteuid() == 0 and not args.unprivileged
    root = os.fsencode(args.dir)
    if os.path.exists(root) and os.listdir(root):
        sys.exit("gen_tree: %s exists and is not empty" % args.dir)
    os.makedirs(root, exist_ok=True)
    if args.shape == "awkward":
        spec = awkward(args, root, privileged)
    elif args.shape == "compress":
        spec = Compress(privileged, args.small, args.tiny, args.xattrs)
        spec.build()
    elif args.shape == "tails":
        spec = Tails(privileged)
        if args.tail_seed is None:
            spec.build()
        else:
            spec.build_tail(args.tail_seed)
    elif args.shape == "fsck":
        spec = Fsck(privileged, args.dir, args.seed, args.small,
                    args.longname)
        spec.build()
    else:
        spec = Share(privileged)
        if args.shape == "share-pair":
            spec.pair()
        else:
            spec.many(args.trees)
    create(spec, root, args.order)
    finish(spec, root, args.order)


if __name__ == "__main__":
    main()
