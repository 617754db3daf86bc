#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Generate two trees that look like two minor versions of one program.

genpair.py OUTDIR [--seed N] [--files N] [--text]

OUTDIR/a and OUTDIR/b: B keeps most files of A byte for byte, changes a
few bytes of some, drops some and adds new ones.  Sizes range from a few
bytes (tail-packed inline data) to a couple of MiB, and A holds a few
duplicate files so that sharing within one image happens too.  The same
seed gives the same trees.  Contents are random bytes, which no
compressor shrinks; with --text they are random words, which compress
about as well as source code, for compressed images.
"""
import argparse
import os
import random


def size_for(rng):
    r = rng.random()
    if r < 0.45:
        return rng.randint(1, 4096)
    if r < 0.85:
        return rng.randint(4097, 128 * 1024)
    if r < 0.97:
        return rng.randint(128 * 1024, 1024 * 1024)
    return rng.randint(1024 * 1024, 2 * 1024 * 1024)


def text_maker(rng):
    """n -> n bytes of random words from a vocabulary of 256."""
    letters = "abcdefghijklmnopqrstuvwxyz_"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 12)))
             for _ in range(256)]
    seps = [" ", " ", " ", "\n", "(", ")", ", ", "."]

    def make(n):
        out = []
        have = 0
        while have < n:
            words = rng.choices(vocab, k=512)
            chunk = "".join(w + rng.choice(seps) for w in words).encode()
            out.append(chunk)
            have += len(chunk)
        return b"".join(out)[:n]
    return make


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--text", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    content = text_maker(rng) if args.text else rng.randbytes
    a = os.path.join(args.outdir, "a")
    b = os.path.join(args.outdir, "b")

    files = {}
    for i in range(args.files):
        name = "d%02d/sub%d/f%04d" % (rng.randrange(12), rng.randrange(3), i)
        files[name] = content(size_for(rng))
    names = sorted(files)
    for i, name in enumerate(names[:6]):
        files["dup/copy%d" % i] = files[name]

    for name, data in files.items():
        write(os.path.join(a, name), data)
        r = rng.random()
        if r < 0.62:
            write(os.path.join(b, name), data)
        elif r < 0.87:
            patched = bytearray(data)
            patched[rng.randrange(len(patched))] ^= 0xff
            write(os.path.join(b, name), bytes(patched))
        # else: gone in B
    for i in range(args.files // 10):
        write(os.path.join(b, "new/n%03d" % i), content(size_for(rng)))

    for top in (a, b):
        write(os.path.join(top, "empty"), b"")
        os.symlink("d00", os.path.join(top, "link"))
    # a hard link: one inode, one fingerprint
    os.link(os.path.join(a, names[0]), os.path.join(a, "hardlink"))


if __name__ == "__main__":
    main()
