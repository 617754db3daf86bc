#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Damage one named thing in an image, for tests and fixtures.

patch.py IMAGE rename PATH NEWNAME    dirent name (same length)
patch.py IMAGE data PATH              flip a bit of a file's first byte
patch.py IMAGE fpvalue PATH           flip a bit of its fingerprint digest
patch.py IMAGE fpprefix PATH          flip a bit of its "sha256:" prefix
patch.py IMAGE fpshort PATH           cut its value to 12 bytes (alone)
patch.py IMAGE nid PATH NID           point PATH's dirent at NID
patch.py IMAGE ftype PATH N           set PATH's dirent file type
patch.py IMAGE nlink PATH N           set PATH's link count
patch.py IMAGE inode PATH FIELD VALUE set an inode field: format, mode, u
                                      (block address), size, mtime
patch.py IMAGE byte OFFSET XOR        xor one byte
patch.py IMAGE sb OFFSET FMT VALUE    set a superblock field, fix checksum

Several: OP ARGS -- OP ARGS ..., each located in the image as it was.
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


def inode_field(ino, name):
    """(offset, struct format) of an inode field, compact or extended."""
    ext = {'format': (0, '<H'), 'mode': (4, '<H'), 'u': (0x10, '<I'),
           'size': (8, '<Q'), 'mtime': (0x20, '<q')}
    compact = {'format': (0, '<H'), 'mode': (4, '<H'), 'u': (0x10, '<I'),
               'size': (8, '<I'), 'mtime': (0x0C, '<I')}
    off, fmt = (ext if ino.extended else compact)[name]
    return ino.iloc + off, fmt


def main():
    img, ops = sys.argv[1], [[]]
    for a in sys.argv[2:]:
        if a == '--':
            ops.append([])
        else:
            ops[-1].append(a)
    buf = bytearray(open(img, 'rb').read())
    tree = E.Image(bytes(buf)).walk()
    for op in ops:
        if not op:
            raise SystemExit(__doc__)
        apply(buf, tree, op[0], op[1:])
    with open(img, 'r+b') as f:
        f.write(buf)


def apply(buf, tree, op, args):
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
    elif op == 'fpshort':
        # the entry shrinks from 44 bytes to 16; the 28 it frees become a
        # user.pad0 xattr of 20 bytes, and the name filter is cleared so
        # that it hides neither: a well-formed body, one bad value
        ino = inode_of(tree, args[0])
        fp = ino.fingerprint
        assert fp.size == 44 and not fp.shared, 'needs an inline 39-byte one'
        struct.pack_into('<H', buf, fp.off + 2, 12)
        buf[fp.off + 16:fp.off + 44] = (bytes([4, 1]) + struct.pack('<H', 20)
                                        + b'pad0' + bytes(20))
        buf[ino.f_filter.off:ino.f_filter.off + 4] = bytes(4)
    elif op == 'nid':
        struct.pack_into('<Q', buf, dirent_of(tree, args[0]).off, int(args[1]))
    elif op == 'ftype':
        buf[dirent_of(tree, args[0]).off + 10] = int(args[1], 0)
    elif op == 'nlink':
        f = inode_of(tree, args[0]).f_nlink
        struct.pack_into('<H' if f.width == 2 else '<I', buf, f.off,
                         int(args[1]))
    elif op == 'inode':
        off, fmt = inode_field(inode_of(tree, args[0]), args[1])
        struct.pack_into(fmt, buf, off, int(args[2], 0))
    elif op == 'byte':
        buf[int(args[0], 0)] ^= int(args[1], 0)
    elif op == 'sb':
        struct.pack_into(args[1], buf, E.SB + int(args[0], 0),
                         int(args[2], 0))
        E.fix_checksum(buf)
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
