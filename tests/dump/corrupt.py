#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Damage an EROFS image on purpose, keeping its superblock checksum
valid unless asked not to, so that the damage itself is what a reader
meets.

  put IMG OFFSET FORMAT VALUE [--no-resign]
        struct.pack FORMAT ('<I', '<H', 'B', '<Q') VALUE at OFFSET
  bytes IMG OFFSET HEX [--no-resign]
        write the bytes HEX at OFFSET
  swap64 IMG START LEN OLD NEW
        replace the first little-endian u64 OLD in [START, START + LEN),
        at an 4-byte aligned offset, with NEW
  find IMG TEXT [START]
        print the offset of the first TEXT at or after START
  fuzz IMG OUTDIR COUNT START END
        write OUTDIR/fuzz-SEED.img for SEED 1..COUNT: IMG with 1 to 8
        random bytes in [START, END) changed, checksum recomputed
  resign IMG
        recompute the superblock checksum (when SB_CHKSUM is set)
"""

import os
import random
import struct
import sys

# the reader in tests/ keeps the one CRC32C of the test suite
sys.path.insert(0, os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
from erofs_parse import fix_checksum  # noqa: E402


def resign(path):
    with open(path, "r+b") as f:
        buf = bytearray(f.read())
        fix_checksum(buf)
        f.seek(0)
        f.write(buf)


def write_at(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def fuzz(img, outdir, count, start, end):
    with open(img, "rb") as f:
        orig = f.read()
    end = min(end, len(orig))
    for seed in range(1, count + 1):
        rnd = random.Random(seed)
        data = bytearray(orig)
        for _ in range(1 + seed % 8):
            pos = rnd.randrange(start, end)
            data[pos] = rnd.choice([0, 0xff, rnd.randrange(256),
                                    data[pos] ^ (1 << rnd.randrange(8))])
        out = f"{outdir}/fuzz-{seed}.img"
        with open(out, "wb") as f:
            f.write(data)
        resign(out)


def main(argv):
    resign_after = "--no-resign" not in argv
    argv = [a for a in argv if a != "--no-resign"]
    if len(argv) == 5 and argv[0] == "put":
        data = struct.pack(argv[3], int(argv[4], 0))
        write_at(argv[1], int(argv[2], 0), data)
    elif len(argv) == 4 and argv[0] == "bytes":
        write_at(argv[1], int(argv[2], 0), bytes.fromhex(argv[3]))
    elif len(argv) == 6 and argv[0] == "swap64":
        start, length = int(argv[2], 0), int(argv[3], 0)
        old, new = (struct.pack("<Q", int(v, 0)) for v in argv[4:6])
        with open(argv[1], "rb") as f:
            f.seek(start)
            data = f.read(length)
        pos = next((p for p in range(0, len(data) - 7, 4)
                    if data[p:p + 8] == old), -1)
        if pos < 0:
            print(f"{argv[4]} not found", file=sys.stderr)
            return 1
        write_at(argv[1], start + pos, new)
    elif len(argv) in (3, 4) and argv[0] == "find":
        with open(argv[1], "rb") as f:
            data = f.read()
        pos = data.find(argv[2].encode(), int(argv[3], 0) if len(argv) > 3
                        else 0)
        if pos < 0:
            print(f"{argv[2]!r} not found", file=sys.stderr)
            return 1
        print(pos)
        return 0
    elif len(argv) == 6 and argv[0] == "fuzz":
        fuzz(argv[1], argv[2], int(argv[3]), int(argv[4], 0),
             int(argv[5], 0))
        return 0
    elif len(argv) == 2 and argv[0] == "resign":
        pass
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if resign_after:
        resign(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
