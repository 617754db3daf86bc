#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Compare two trees the way an image round trip must preserve them.

treecmp.py SRC DST [--no-xattrs] [--no-owner] [--mtime=SEC] [--skip-xattr=NAME]

Checks every entry's type, content, mode bits, uid, gid, mtime to the
nanosecond, xattrs, symlink target, device number, and that hard links
group the same paths.  Prints each difference and exits 1 if any.
"""
import argparse
import hashlib
import os
import stat
import sys


def digest(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def xattrs(path, skip):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in names:
        if n in skip or n.startswith('security.selinux'):
            continue
        out[n] = os.getxattr(path, n, follow_symlinks=False)
    return out


def describe(root, rel, a):
    p = os.path.join(root, rel) if rel else root
    st = os.lstat(p)
    d = {'type': stat.S_IFMT(st.st_mode), 'mode': stat.S_IMODE(st.st_mode)}
    if a.owner:
        d['uid'], d['gid'] = st.st_uid, st.st_gid
    if a.mtime is not None:
        d['mtime'] = a.mtime * 10**9
    else:
        d['mtime'] = st.st_mtime_ns
    if stat.S_ISREG(st.st_mode):
        d['size'] = st.st_size
        d['sha256'] = digest(p)
    elif stat.S_ISLNK(st.st_mode):
        d['target'] = os.readlink(p)
        d.pop('mode')
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        d['rdev'] = (os.major(st.st_rdev), os.minor(st.st_rdev))
    if a.xattrs:
        d['xattrs'] = xattrs(p, a.skip_xattr)
    return d, st


def walk(root, a):
    entries, links = {}, {}
    for dirpath, dirs, files in os.walk(root):
        for n in sorted(dirs + files):
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            entries[rel], st = describe(root, rel, a)
            if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
                links.setdefault((st.st_dev, st.st_ino), set()).add(rel)
    entries[''] = describe(root, '', a)[0]
    groups = sorted(sorted(g) for g in links.values())
    return entries, groups


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('src')
    ap.add_argument('dst')
    ap.add_argument('--no-xattrs', dest='xattrs', action='store_false')
    ap.add_argument('--no-owner', dest='owner', action='store_false')
    ap.add_argument('--mtime', type=int)
    ap.add_argument('--skip-xattr', action='append', default=[])
    a = ap.parse_args()
    se, sg = walk(a.src, a)
    de, dg = walk(a.dst, a)
    bad = 0
    for rel in sorted(set(se) | set(de)):
        if rel not in de:
            print('missing in %s: %r' % (a.dst, rel))
        elif rel not in se:
            print('extra in %s: %r' % (a.dst, rel))
        elif se[rel] != de[rel]:
            diff = {k: (se[rel].get(k), de[rel].get(k))
                    for k in set(se[rel]) | set(de[rel])
                    if se[rel].get(k) != de[rel].get(k)}
            print('differs: %r %r' % (rel, diff))
        else:
            continue
        bad += 1
    if sg != dg:
        print('hard links differ: %r vs %r' % (sg, dg))
        bad += 1
    print('%d entries compared, %d differences' % (len(se), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
