#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Write a deterministic tree that exercises compressed files.

Sizes around the block and pcluster edges, random (incompressible), text
(compressible), mixed runs of both, zeros, a sparse file, hard links,
symlinks and an empty directory.  --xattrs gives the larger files user
xattrs of varying sizes, which moves where their indexes start.
--tiny writes only a few files of each kind (about 700 KB), for tests
that damage an image many times over.
Usage: gen_tree.py DIR [--small|--tiny] [--xattrs]
"""

import os
import random
import sys

BLOCK_EDGES = [0, 1, 100, 511, 512, 513, 1023, 1024, 1025, 2047, 2048,
               2049, 4095, 4096, 4097, 8191, 8192, 8193, 12287, 12288,
               65535, 65536, 65537, 100000]


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


def write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (1700000000, 1700000000))


def main():
    root = sys.argv[1]
    small = "--small" in sys.argv
    rng = random.Random(20240601)
    if "--tiny" in sys.argv:
        tiny(root, rng)
        return
    for n in BLOCK_EDGES:
        write(root, "text/t%06d" % n, text_bytes(rng, n))
        write(root, "rand/r%06d" % n, rng.randbytes(n))
        write(root, "zero/z%06d" % n, bytes(n))
    write(root, "big/text1m", text_bytes(rng, 1 << 20))
    write(root, "big/rand1m", rng.randbytes(1 << 20))
    # a compressible head, an incompressible tail, and the reverse
    write(root, "big/half1", text_bytes(rng, 300000) + rng.randbytes(5000))
    write(root, "big/half2", rng.randbytes(300000) + text_bytes(rng, 5000))
    if not small:
        write(root, "big/mixed10m", mixed_bytes(rng, 10 << 20))
        write(root, "big/zero6m", bytes(6 << 20))
        # larger than one input window, and incompressible throughout
        write(root, "big/rand5m", rng.randbytes(5 << 20))
        # more than two 16 MiB segments, ending in a partial block
        seg = bytearray()
        for _ in range(34):
            seg += bytes(900 << 10) + rng.randbytes(124 << 10)
        write(root, "big/seg34m", bytes(seg) + b"tail")
    sparse = os.path.join(root, "big/sparse")
    with open(sparse, "wb") as f:
        f.write(text_bytes(rng, 10000))
        f.seek(3 << 20)
        f.write(text_bytes(rng, 7777))
    os.link(os.path.join(root, "text/t065537"),
            os.path.join(root, "text/hardlink"))
    os.symlink("text/t004097", os.path.join(root, "symlink"))
    os.makedirs(os.path.join(root, "empty"))
    # many small files: inline tails and where inodes land in blocks
    for i in range(200):
        n = rng.randint(1, 20000)
        data = rng.randbytes(n) if i % 3 == 0 else text_bytes(rng, n)
        write(root, "small/s%03d" % i, data)
    # the same content twice: dedupe material
    data = text_bytes(rng, 50000)
    write(root, "dup/a", data)
    write(root, "dup/b", data)
    data = text_bytes(rng, 200000) + rng.randbytes(20000)
    write(root, "dup/c", data)
    write(root, "dup/sub/c", data)
    os.setxattr(os.path.join(root, "dup/sub/c"), "user.moves", b"x" * 30)
    if "--xattrs" in sys.argv:
        add_xattrs(root)


def tiny(root, rng):
    for n in (100, 4095, 4097, 12288, 65537, 100000):
        write(root, "text/t%06d" % n, text_bytes(rng, n))
    for n in (513, 8193):
        write(root, "rand/r%06d" % n, rng.randbytes(n))
    write(root, "big/half1", text_bytes(rng, 150000) + rng.randbytes(5000))
    write(root, "big/half2", rng.randbytes(20000) + text_bytes(rng, 90000))
    write(root, "zero/z070000", bytes(70000))
    for i in range(12):
        n = rng.randint(1, 9000)
        data = rng.randbytes(n) if i % 3 == 0 else text_bytes(rng, n)
        write(root, "small/s%03d" % i, data)
    data = text_bytes(rng, 30000)
    write(root, "dup/a", data)
    write(root, "dup/b", data)
    os.link(os.path.join(root, "text/t065537"),
            os.path.join(root, "text/hardlink"))
    os.symlink("text/t004097", os.path.join(root, "symlink"))


def add_xattrs(root):
    files = []
    for d, _, names in os.walk(root):
        files += [os.path.join(d, n) for n in names]
    for i, path in enumerate(sorted(files)):
        if os.path.islink(path) or os.path.getsize(path) <= 4096:
            continue
        for k in range(i % 5):
            os.setxattr(path, "user.k%d" % k, b"v" * ((i * 7 + k) % 45 + 1))


if __name__ == "__main__":
    main()
