#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""The corruption suite: damage a good image in many ways, run fsck.

corrupt.py --fsck FSCK --mkfs MKFS --workdir DIR [--seed N] [--random N]

Three kinds of cases:
  targeted   one named field per case (sb checksum, a dirent's nid, an
             xattr count, a block address, a fingerprint byte, ...):
             fsck must exit 4 or 8 and name the expected problem first;
  detect     random byte changes in bytes where any change is detectable
             by design (the checksummed superblock block, link counts,
             file types, dirent nids and types, fingerprints and the data
             they cover): fsck must exit 4 or 8;
  anywhere   random byte changes anywhere in the metadata: fsck may find
             nothing (a changed uid or mtime is not an error), but must
             never crash, hang or report a sanitizer error.
Every case must finish within the timeout, exit with 0, 4, 8 or 12 and
print at most MAX_LINES lines.  Failing images are kept in DIR/failures.

With --compressed (an image built with -z), targeted cases also damage
map headers, lcluster indexes (full and compact), big-pcluster block
counts, pcluster addresses and bytes, ztailpacking inline pclusters and
fragment offsets; most of these must give exactly one problem line.
The random kinds then also flip bytes of map headers, indexes, inline
pclusters and compressed data.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys

# the reader lives in tests/, shared with the mkfs tests
sys.path.insert(0, os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(1, os.path.dirname(os.path.abspath(__file__)))
import erofs_parse as E  # noqa: E402

MAX_LINES = 8
TIMEOUT = 60
S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000


def put(buf, off, fmt, val):
    struct.pack_into(fmt, buf, off, val)


def xor(buf, off, val):
    buf[off] ^= val


def setter(off, fmt, val):
    """a mutation that writes @val at @off"""
    return lambda b: put(b, off, fmt, val)


class Cases:
    """The cases to run; corrupt_z.py adds those of compressed files."""

    def __init__(self, im, rng, per_kind):
        self.im, self.rng, self.per = im, rng, per_kind
        self.list = []

    def add(self, name, mutate, expect=None, kind='targeted', one=False):
        self.list.append((kind, name, mutate, expect, one))

    def put(self, name, off, fmt, val, expect=None, kind='targeted',
            one=False):
        """a case that writes @val at @off"""
        self.add(name, setter(off, fmt, val), expect, kind, one)

    def sample(self, items):
        items = list(items)
        return self.rng.sample(items, min(self.per, len(items)))

    def add_detect(self, prefix, offsets, n):
        """@n changes, each of one byte of @offsets (offset, mask) within
        its mask, that fsck must find"""
        for k in range(n if offsets else 0):
            off, mask = self.rng.choice(offsets)
            val = 0
            while not val:
                val = self.rng.randrange(256) & mask
            self.add('%s-%d @%d^%02x' % (prefix, k, off, val),
                     lambda b, o=off, v=val: xor(b, o, v), kind='detect')

    def add_anywhere(self, prefix, offsets, n, counts):
        """@n changes of a few bytes of @offsets each (how many: one of
        @counts), which must only not crash fsck"""
        for k in range(n if offsets else 0):
            flips = [(self.rng.choice(offsets), self.rng.randrange(1, 256))
                     for _ in range(self.rng.choice(counts))]
            self.add('%s-%d %s' % (prefix, k,
                                   ' '.join('@%d^%02x' % f for f in flips)),
                     lambda b, fl=flips: [xor(b, o, v) for o, v in fl],
                     kind='anywhere')


def sb_cases(c):
    im = c.im
    c.add('sb-checksum', lambda b: xor(b, E.SB + 4, 0x55), {'badSbChecksum'})
    c.add('sb-magic', lambda b: xor(b, E.SB, 0x01), {'badSbMagic'})
    c.put('sb-blkszbits', E.SB + 0x0C, '<B', 20, {'badSbBlockSize'})

    def fixed(fn):
        def m(b):
            fn(b)
            E.fix_checksum(b)
        return m
    c.add('sb-incompat-unknown',
          fixed(setter(E.SB + 0x50, '<I', im.incompat | 0x10000)),
          {'unsupportedFeature'})
    c.add('sb-incompat-48bit',
          fixed(setter(E.SB + 0x50, '<I', im.incompat | 0x80)),
          {'unsupportedFeature'})
    c.add('sb-inos', fixed(setter(E.SB + 0x10, '<Q', im.inos + 1)),
          {'badSbInodeCount'})
    c.add('sb-blocks', fixed(setter(E.SB + 0x24, '<I', 1 << 30)),
          {'badSbBlocks'})
    c.add('sb-root-nid-garbage',
          fixed(setter(E.SB + 0x0E, '<H', im.root_nid + 1)))
    c.add('sb-meta-blkaddr',
          fixed(setter(E.SB + 0x28, '<I', 1 << 30)),
          {'badSbMetaAddr', 'badSbRootNid'})
    c.add('sb-extslots', fixed(setter(E.SB + 0x0D, '<B', 250)),
          {'badSbSize'})
    if im.ishare_id is not None:
        c.add('sb-ishare-id', fixed(setter(E.SB + 0x69, '<B', 9)),
              {'badSbIshareId'})
        c.add('sb-prefix-count', fixed(setter(E.SB + 0x5B, '<B', 0)),
              {'badSbIshareId'})
        c.add('sb-prefix-len', fixed(setter(im.prefix_start * 4, '<H',
                                            0x4000)),
              {'badXattrPrefixTable'})
    def truncate(b):
        del b[len(b) - 2 * im.blksz:]
    # compressed data comes first: the cut may reach the inodes
    c.add('truncated', truncate, {'badSbBlocks', 'badSbMetaAddr'})


def dirent_cases(c):
    im = c.im
    dirs = im.of_type(S_IFDIR)
    ents = [(d, de) for d in dirs for de in d.dirents]
    plain = [(d, de) for d, de in ents if de.name not in (b'.', b'..')]
    for d, de in c.sample(plain):
        c.put('dirent-nid-huge %s' % d.path, de.off, '<Q', 1 << 40,
              {'badDirentNid'})
        c.put('dirent-nid-self %s' % d.path, de.off, '<Q', d.nid,
              {'badDirentNid'})
    subdirs = [(d, de) for d, de in plain
               if de.ftype == E.FT_DIR and d.nid != im.root_nid]
    for d, de in c.sample(subdirs):
        c.put('dirent-cycle %s' % d.path, de.off, '<Q', im.root_nid,
              {'dirMultiplyLinked'})
    for d, de in c.sample([(d, de) for d, de in ents if de.idx == 0]):
        c.put('dirent-first-nameoff %s' % d.path, de.off + 8, '<H',
              de.nameoff + 1, {'badDirentNameoff'})
    for d, de in c.sample([(d, de) for d, de in ents if de.idx > 0]):
        c.put('dirent-nameoff-past-block %s' % d.path, de.off + 8, '<H',
              im.blksz + 10, {'badDirentNameoff'})
    for d, de in c.sample(plain):
        c.put('dirent-name-slash %s' % d.path, de.name_off, '<B', ord('/'),
              {'badDirentName', 'badDirentOrder'})
    later = [(d, de) for d, de in plain
             if de is not d.dirents[0] and de.name[:1] > b'\x01']
    for d, de in c.sample(later):
        c.put('dirent-order %s' % d.path, de.name_off, '<B', 1,
              {'badDirentOrder'})
    for d, de in c.sample(plain):
        other = E.FT_DIR if de.ftype != E.FT_DIR else 1
        c.put('dirent-ftype %s' % d.path, de.off + 10, '<B', other,
              {'badDirentFtype'})
        c.put('dirent-ftype-bad %s' % d.path, de.off + 10, '<B', 9,
              {'badDirentFtype'})
    for d in c.sample(dirs):
        dot = [de for de in d.dirents if de.name == b'.']
        dotdot = [de for de in d.dirents if de.name == b'..']
        if dot:
            c.put('dirent-dot %s' % d.path, dot[0].off, '<Q', dot[0].nid + 1,
                  {'badDirDot'})
        if dotdot:
            c.put('dirent-dotdot %s' % d.path, dotdot[0].off, '<Q',
                  dotdot[0].nid + 1, {'badDirDotdot'})
        c.put('dir-size-zero %s' % d.path, d.f_size.off, '<I', 0,
              {'badInodeSize'})


def inode_cases(c):
    im = c.im
    allino = [i for i in im.inodes.values()]
    for i in c.sample(allino):
        fmt = '<H' if i.f_nlink.width == 2 else '<I'
        c.put('nlink %s' % i.path, i.f_nlink.off, fmt, i.nlink + 1,
              {'badInodeNlink'})
        c.put('i_format-bits %s' % i.path, i.iloc, '<H', i.fmt | 0x20,
              {'badInodeFormat'})
        c.put('i_format-layout %s' % i.path, i.iloc, '<H',
              (i.fmt & 1) | 7 << 1, {'badInodeFormat'})
    regs = im.of_type(S_IFREG)
    for i in c.sample([r for r in regs if r.size]):
        c.put('mode-socket %s' % i.path, i.f_mode.off, '<H',
              (i.mode & 0o7777) | 0o140000, {'badInodeSize', 'badDirentFtype'})
        c.put('mode-bad-type %s' % i.path, i.f_mode.off, '<H', i.mode & 0o7777,
              {'badInodeMode'})
    blocks = [r for r in regs if r.ranges and r.ranges[0][0] == r.u * im.blksz
              and r.ranges[0][1] >= im.blksz]
    for i in c.sample(blocks):
        c.put('startblk-past-end %s' % i.path, i.f_u.off, '<I', 0xFFFFFFF0,
              {'badInodeDataAddr'})
        c.put('size-huge %s' % i.path, i.f_size.off, '<I', 0xFFFFFFF0,
              {'badInodeDataAddr', 'badInodeInline'})
    links = im.of_type(S_IFLNK)
    for i in c.sample(links):
        c.put('symlink-nul %s' % i.path, i.ranges[-1][0], '<B', 0,
              {'badSymlink'})
        c.put('symlink-size %s' % i.path, i.f_size.off, '<I', 5000,
              {'badInodeSize'})


def xattr_cases(c):
    im = c.im
    withx = [i for i in im.inodes.values() if i.xattr_isize]
    for i in c.sample(withx):
        c.put('xattr-icount-1 %s' % i.path, i.f_icount.off, '<H', 1,
              {'badXattrSize'})
        c.put('xattr-shared-count %s' % i.path, i.f_shared_count.off, '<B',
              255, {'badXattrSize'})
        c.put('xattr-filter %s' % i.path, i.f_filter.off, '<I', 0xFFFFFFFF,
              {'badXattrFilter'} if im.compat & 4 else None)
    entries = [(i, x) for i in withx for x in i.xattrs
               if not x.shared]
    for i, x in c.sample(entries):
        c.put('xattr-value-size %s' % i.path, x.off + 2, '<H', 0xFFFF,
              {'badXattrEntry'})
        c.put('xattr-index %s' % i.path, x.off + 1, '<B', 9, {'badXattrIndex'})
    shared = [(i, f) for i in withx for f in i.shared_ids]
    for i, f in c.sample(shared):
        c.put('xattr-shared-id %s' % i.path, f.off, '<I', 0xFFFFFFF0,
              {'badXattrShared'})


def fingerprint_cases(c):
    im = c.im
    fps = [i for i in im.inodes.values() if i.fingerprint]
    for i in c.sample(fps):
        v = i.fingerprint.value_off
        c.add('fp-digest %s' % i.path,
              lambda b, v=v: xor(b, v + 7 + c.rng.randrange(32), 0x10),
              {'fingerprintMismatch'})
        c.add('fp-prefix %s' % i.path, lambda b, v=v: xor(b, v, 0x20),
              {'badFingerprint'})
        if not i.ranges:        # compressed: see corrupt_z.py
            continue
        off, n = i.ranges[c.rng.randrange(len(i.ranges))]
        c.add('data-byte %s' % i.path,
              lambda b, o=off + c.rng.randrange(n): xor(b, o, 0x01),
              {'fingerprintMismatch'})
    tails = [i for i in fps
             if len(i.ranges) and i.ranges[-1][0] < im.meta_end()]
    for i in c.sample(tails):
        off, n = i.ranges[-1]
        c.add('inline-byte %s' % i.path,
              lambda b, o=off + n - 1: xor(b, o, 0x80),
              {'fingerprintMismatch'})


def detectable_offsets(im):
    """Bytes where any change must be found, with a way to change each."""
    out = []
    bs = im.blksz
    n = bs - E.SB if bs > E.SB else bs
    out += [(o, 0xFF) for o in range(E.SB, E.SB + n)]
    for i in im.inodes.values():
        out += [(o, 0xFF) for o in range(i.f_nlink.off,
                                         i.f_nlink.off + i.f_nlink.width)]
        out.append((i.f_mode.off + 1, 0xF0))       # the file type bits
        if i.fingerprint:
            v = i.fingerprint.value_off
            out += [(o, 0xFF) for o in range(v, v + 39)]
            for off, ln in i.ranges:
                out += [(off + k, 0xFF) for k in range(0, ln, 97)]
        for de in getattr(i, 'dirents', []):
            out += [(de.off + k, 0xFF) for k in range(4)]   # nid
            out.append((de.off + 10, 0xFF))                   # file type
    return out


def random_cases(c, n_detect, n_any):
    im = c.im
    c.add_detect('detect', detectable_offsets(im), n_detect)
    meta = list(range(E.SB, im.meta_end()))
    for i in im.of_type(S_IFDIR):
        for off, ln in i.ranges:
            if off >= im.meta_end():
                meta += range(off, off + ln)
    c.add_anywhere('anywhere', meta, n_any, (1, 1, 1, 2, 3))


def consequence(line):
    """A line about a file that loses its fragment when the packed inode
    (or the superblock's pointer to it) is damaged: one per such file,
    naming it, after the packed inode's (or superblock's) own line."""
    return 'packed inode' in line and "'<packed inode>'" not in line


def extra_lines(lines):
    """Lines past the first that are not such consequences."""
    return 1 + sum(not consequence(ln) for ln in lines[1:]) if lines else 0


def problems(err):
    return [ln for ln in err.splitlines()
            if ln and not ln.startswith('warning: ')]


def first_id(err):
    for line in err.splitlines():
        if line.startswith('warning: '):
            continue
        return line.split(':', 1)[0]
    return None


def run_case(args, base, case, slot, seq):
    kind, name, mutate, expect, one = case
    buf = bytearray(base)
    mutate(buf)
    path = os.path.join(args.workdir, 'case%d.img' % slot)
    with open(path, 'wb') as f:
        f.write(buf)
    try:
        p = subprocess.run([args.fsck] + args.fsck_args + [path],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=TIMEOUT, text=True, errors='replace')
    except subprocess.TimeoutExpired:
        return case, 'hang', '', None
    err = p.stderr
    lines = [ln for ln in (p.stdout + err).splitlines() if ln]
    why = None
    if p.returncode not in (0, 4, 8, 12):
        why = 'exit %d' % p.returncode
    elif 'Sanitizer' in err or 'runtime error' in err:
        why = 'sanitizer'
    elif extra_lines(lines) > MAX_LINES:
        why = '%d lines' % len(lines)
    elif kind != 'anywhere' and p.returncode == 0:
        why = 'not detected'
    elif kind != 'anywhere' and expect and first_id(err) not in expect:
        why = 'first problem %s, wanted %s' % (first_id(err), sorted(expect))
    elif one and extra_lines(problems(err)) != 1:
        why = '%d problem lines, wanted one' % len(problems(err))
    if why:
        keep = os.path.join(args.workdir, 'failures')
        os.makedirs(keep, exist_ok=True)
        stem = os.path.join(keep, name.split()[0] + '-%d' % seq)
        shutil.copy(path, stem + '.img')
        with open(stem + '.out', 'w') as f:
            f.write('%s\n%s%s' % (name, p.stdout, err))
    return case, why, err, (p.returncode, len(lines))


def build_cases(args, im):
    im.walk()
    c = Cases(im, random.Random(args.seed), args.per_kind)
    for f in (sb_cases, dirent_cases, inode_cases, xattr_cases,
              fingerprint_cases):
        f(c)
    random_cases(c, args.detect, args.anywhere)
    if args.compressed:
        import corrupt_z
        corrupt_z.cases(c)
        corrupt_z.random_cases(c, args.zdetect, args.zanywhere)
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--fsck', required=True)
    ap.add_argument('--image', required=True, help='a good image to damage')
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--seed', type=int, default=4)
    ap.add_argument('--per-kind', type=int, default=12)
    ap.add_argument('--detect', type=int, default=500)
    ap.add_argument('--anywhere', type=int, default=500)
    ap.add_argument('--compressed', action='store_true')
    ap.add_argument('--zdetect', type=int, default=150)
    ap.add_argument('--zanywhere', type=int, default=150)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--fsck-arg', dest='fsck_args', action='append',
                    default=[])
    args = ap.parse_args()
    base = open(args.image, 'rb').read()
    c = build_cases(args, E.Image(base))

    stats = {'targeted': [0, 0], 'detect': [0, 0], 'anywhere': [0, 0]}
    found, maxlines, fails = 0, 0, []
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        cases = list(enumerate(c.list))
        chunks = [cases[j::args.jobs] for j in range(args.jobs)]

        def run_chunk(j):
            return [run_case(args, base, case, j, k) for k, case in chunks[j]]
        for part in ex.map(run_chunk, range(args.jobs)):
            results += part
    for case, why, err, rc in results:
        kind, name = case[0], case[1]
        stats[kind][0] += 1
        if why:
            stats[kind][1] += 1
            fails.append('%s: %s' % (name, why))
        if rc:
            found += rc[0] != 0
            maxlines = max(maxlines, rc[1])
    for f in fails:
        print('FAIL', f)
    total = sum(s[0] for s in stats.values())
    print('%d corruptions: %s; %d found by fsck; at most %d lines each; '
          '%d failures' % (total, ', '.join('%s %d' % (k, v[0])
                                            for k, v in stats.items()),
                           found, maxlines, len(fails)))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
