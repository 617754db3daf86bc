#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Does our reader map every file where the kernel does?

fiemap.py DUMP IMAGE MOUNTPOINT [--perturb KIND] [--thin N]

For every regular file under MOUNTPOINT (IMAGE mounted by the kernel),
compare the extents FS_IOC_FIEMAP returns with the extent map that
`DUMP -e --path` prints for it, extent by extent: logical offset,
physical offset, length and flags.  What the kernel reports follows from
our map:
- a hole is not reported;
- a compressed extent: its logical length, its pcluster's position,
  no flags (ENCODED is tolerated); the same for a ztailpacking tail
  ("ztail"), whose pcluster sits inside the inode;
- a fragment (in the packed inode): physical offset 0, no flags;
- an uncompressed tail inside the inode: DATA_INLINE and NOT_ALIGNED;
- uncompressed blocks: their position, the length rounded up to whole
  blocks (the kernel maps the last block whole);
- the last extent carries LAST.
Prints each file that differs and a summary line; exits 1 on any
difference, or when no extent was compared.

--perturb physical|logical|length|inline first compares a copy of our
map with one extent falsified (the middle one of the whole image): its
file must differ, and no other file beyond those that differ anyway, or
the run fails.

--thin N compares only one file in N of a directory that holds more
than 50 (dump.erofs runs once per file, which costs most under ASan).
"""
import argparse
import copy
import fcntl
import os
import re
import stat
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

FS_IOC_FIEMAP = 0xC020660B
FIEMAP_HEAD = struct.Struct('=QQIIII')
FIEMAP_EXTENT = struct.Struct('=QQQQQI12x')
F_LAST, F_ENCODED = 0x1, 0x8
F_NOT_ALIGNED, F_DATA_INLINE = 0x100, 0x200
BATCH = 256
CROWDED = 50

# "   3:      49382..     65537 |    16155 :     462864..    466830 | ..."
EXTENT_LINE = re.compile(r'^\s*\d+:\s+(\d+)\.\.\s*\d+ \|\s+(\d+) :'
                         r'\s+(\d+)?(.*)$')


def kernel_batch(fd, start):
    buf = bytearray(FIEMAP_HEAD.size + FIEMAP_EXTENT.size * BATCH)
    FIEMAP_HEAD.pack_into(buf, 0, start, (1 << 64) - 1 - start, 0, 0,
                          BATCH, 0)
    fcntl.ioctl(fd, FS_IOC_FIEMAP, buf, True)
    mapped = FIEMAP_HEAD.unpack_from(buf)[3]
    return [FIEMAP_EXTENT.unpack_from(buf, FIEMAP_HEAD.size +
                                      FIEMAP_EXTENT.size * i)
            for i in range(mapped)]


def kernel_extents(path):
    """(logical, physical, length, flags) as the kernel maps @path"""
    out = []
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            start = out[-1][0] + out[-1][2] if out else 0
            batch = [(e[0], e[1], e[2], e[5]) for e in
                     kernel_batch(fd, start)]
            out += batch
            if len(batch) < BATCH or batch[-1][3] & F_LAST:
                return out
    finally:
        os.close(fd)


def our_map(dump, image, path):
    """[la, llen, pa, kind] per extent of `dump -e`; kind from its marks"""
    res = subprocess.run([dump, '-e', '--path', path, image],
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit('%s: dump.erofs -e failed: %s' % (path, res.stderr.strip()))
    out = []
    for line in res.stdout.splitlines():
        m = EXTENT_LINE.match(line)
        if not m:
            continue
        marks = m[4]
        if '# hole' in marks:
            kind = 'hole'
        elif '# fragment' in marks:
            kind = 'fragment'
        elif '# compressed' in marks:
            kind = 'ztail' if '# inline' in marks else 'compressed'
        elif '# inline' in marks:
            kind = 'inline'
        else:
            kind = 'plain'
        out.append([int(m[1]), int(m[2]), int(m[3] or 0), kind])
    if not out and not res.stdout.rstrip().endswith(' 0 extents found'):
        sys.exit('%s: no extent map in the output of dump.erofs -e' % path)
    return out


def expected(ours, blksz):
    """what FIEMAP must say for our map @ours"""
    exp = []
    for la, llen, pa, kind in ours:
        flags = 0
        if kind == 'hole':
            continue
        if kind == 'fragment':
            pa = 0
        elif kind == 'inline':
            flags = F_DATA_INLINE | F_NOT_ALIGNED
        elif kind == 'plain':
            llen = -(-(la + llen) // blksz) * blksz - la
        exp.append([la, pa, llen, flags, kind])
    if exp:
        exp[-1][3] |= F_LAST
    return exp


def same(kern, exp):
    if len(kern) != len(exp):
        return False
    for k, e in zip(kern, exp):
        flags = k[3]
        if e[4] in ('compressed', 'ztail'):
            flags &= ~F_ENCODED
        if (k[0], k[1], k[2], flags) != tuple(e[:4]):
            return False
    return True


def perturb(files, kind, blksz):
    """falsify the middle extent of the image in our map; its file"""
    exts = [(rel, e) for rel, _, ours in files for e in ours
            if e[3] != 'hole']
    if not exts:
        sys.exit('--perturb: no extent to falsify')
    rel, e = exts[len(exts) // 2]
    if kind == 'physical':
        e[2] += blksz
    elif kind == 'logical':
        e[0] += 1
    elif kind == 'length':
        e[1] += blksz
    else:
        e[3] = 'inline' if e[3] != 'inline' else 'plain'
    return rel


def regular_files(mnt, thin):
    """every regular file once; in a directory of more than CROWDED
    files, one in @thin"""
    seen = set()
    for top, dirs, names in os.walk(mnt):
        dirs.sort()
        names.sort()
        if len(names) > CROWDED:
            names = names[::thin]
        for name in names:
            path = os.path.join(top, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and st.st_ino not in seen:
                seen.add(st.st_ino)
                yield path


def show(rel, kern, exp):
    print('%s: kernel and dump.erofs -e differ' % rel)
    for i in range(max(len(kern), len(exp))):
        k = kern[i] if i < len(kern) else '-'
        e = tuple(exp[i][:4]) if i < len(exp) else '-'
        if k != e:
            print('  extent %d: kernel %s, ours %s (%s)' %
                  (i, k, e, exp[i][4] if i < len(exp) else '-'))


def load(args):
    """[rel, kernel extents, our map] of every regular file"""
    paths = list(regular_files(args.mnt, args.thin))
    rels = ['/' + os.path.relpath(p, args.mnt) for p in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        maps = list(pool.map(lambda r: our_map(args.dump, args.image, r),
                             rels))
    return [[r, kernel_extents(p), m] for r, p, m in zip(rels, paths, maps)]


def compare(files, blksz, shown=None):
    """the files that differ (showing those in @shown, or all), and the
    extents of our map by kind"""
    bad = set()
    kinds = {}
    for rel, kern, ours in files:
        exp = expected(ours, blksz)
        for e in exp:
            kinds[e[4]] = kinds.get(e[4], 0) + 1
        if not same(kern, exp):
            bad.add(rel)
            if shown is None or rel in shown:
                show(rel, kern, exp)
    return bad, kinds


def check_perturbed(files, kind, blksz):
    """does a wrong @kind in one extent make its file, and no other, differ
    beyond what the honest map does?"""
    wrong = copy.deepcopy(files)
    rel = perturb(wrong, kind, blksz)
    honest = compare(files, blksz, shown=set())[0]
    bad = compare(wrong, blksz, shown={rel})[0]
    caught = bad - honest == {rel} and honest - bad == set()
    print('a wrong %s in our map of %s: %s' %
          (kind, rel, 'caught' if caught else 'NOT caught'))
    return caught


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dump')
    ap.add_argument('image')
    ap.add_argument('mnt')
    ap.add_argument('--perturb',
                    choices=['physical', 'logical', 'length', 'inline'])
    ap.add_argument('--thin', type=int, default=1)
    args = ap.parse_args()
    blksz = os.statvfs(args.mnt).f_bsize
    files = load(args)
    if args.perturb and not check_perturbed(files, args.perturb, blksz):
        return 1
    bad, kinds = compare(files, blksz)
    nexts = sum(len(kern) for _, kern, _ in files)
    print('%s: %d files, %d extents (%s), %d files differ' %
          (os.path.basename(args.image), len(files), nexts,
           ', '.join('%d %s' % (n, k) for k, n in sorted(kinds.items())),
           len(bad)))
    return 1 if bad or not nexts else 0


if __name__ == '__main__':
    sys.exit(main())
