#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Damage one named thing in an image, for tests and fixtures.

patch.py IMAGE rename PATH NEWNAME    dirent name (same length)
patch.py IMAGE data PATH              flip a bit of a file's first byte
patch.py IMAGE fpvalue PATH           flip a bit of its fingerprint digest
patch.py IMAGE fpprefix PATH          flip a bit of its "sha256:" prefix
patch.py IMAGE nid PATH NID           point PATH's dirent at NID
patch.py IMAGE nlink PATH N           set PATH's link count
patch.py IMAGE byte OFFSET XOR        xor one byte
patch.py IMAGE sb OFFSET FMT VALUE    set a superblock field, fix checksum
"""
import os
import struct
import sys

# the reader lives in tests/, shared with the mkfs tests
sys.path.insert(0, os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
import erofs_parse as E  # noqa: E402


def inode_of(tree, path):
    """The inode at PATH ('/d/b'), from Image.walk()."""
    return tree[os.fsencode(path.strip('/'))]


def dirent_of(tree, path):
    parent, name = os.path.split(path.rstrip('/'))
    d = inode_of(tree, parent)
    for de in d.dirents:
        if de.name == os.fsencode(name):
            return de
    raise SystemExit('no dirent for %s' % path)


def main():
    img, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    buf = bytearray(open(img, 'rb').read())
    im = E.Image(buf)
    tree = im.walk()
    if op == 'rename':
        de, new = dirent_of(tree, args[0]), os.fsencode(args[1])
        assert len(new) == len(de.name), 'names must have the same length'
        buf[de.name_off:de.name_off + len(new)] = new
    elif op == 'data':
        buf[inode_of(tree, args[0]).ranges[0][0]] ^= 1
    elif op == 'fpvalue':
        buf[inode_of(tree, args[0]).fingerprint.value_off + 20] ^= 1
    elif op == 'fpprefix':
        buf[inode_of(tree, args[0]).fingerprint.value_off] ^= 1
    elif op == 'nid':
        struct.pack_into('<Q', buf, dirent_of(tree, args[0]).off, int(args[1]))
    elif op == 'nlink':
        f = inode_of(tree, args[0]).f_nlink
        struct.pack_into('<H' if f.width == 2 else '<I', buf, f.off,
                         int(args[1]))
    elif op == 'byte':
        buf[int(args[0], 0)] ^= int(args[1], 0)
    elif op == 'sb':
        struct.pack_into(args[1], buf, E.SB + int(args[0], 0),
                         int(args[2], 0))
        E.fix_checksum(buf)
    else:
        raise SystemExit(__doc__)
    with open(img, 'r+b') as f:
        f.write(buf)


if __name__ == '__main__':
    main()
