# SPDX-License-Identifier: GPL-2.0+
"""Corruptions of compressed images, for corrupt.py --compressed.

Targeted cases name one field of a compressed file (its map header, an
lcluster index, a compact pack's base address, a big pcluster's block
count, a pcluster byte, its ztailpacking inline size, its fragment
offset) and say which problems fsck may name first; most must give
exactly one problem line.  Only files with a fingerprint are damaged,
so that a change to their decoded bytes is always detectable.
"""
import struct

import erofs_parse as E
from corrupt import setter, xor

# what damage to the bytes a file decodes to may be reported as
DECODE = {'badZData', 'badZIndex', 'badZExtent', 'fingerprintMismatch'}
ZMETA = {'badZMapHeader', 'badZIndex', 'badZExtent', 'badZAlgorithm'}
# what a wrong block address or count may be reported as
ZADDR = {'badZExtent', 'badZIndex'}


def zfiles(im):
    return [i for i in im.inodes.values() if i.z and i.fingerprint]


def block_heads(ino):
    """Head lclusters whose pcluster is in blocks: all but the tail's head
    when the tail is inline (ztailpacking) or a fragment."""
    heads = [lc for lc in ino.z.lclusters
             if lc.type != E.LC_NONHEAD and not lc.eof]
    if heads and (ino.z.inline or ino.z.advise & E.ADV_FRAGMENT):
        heads.pop()
    return heads


def pclusters(im, ino, filled=False):
    """(offset, length) of each pcluster of a full-index file; with
    @filled, only those whose last byte is read: not a plain pcluster
    whose data is shorter than its block (a shifted one leaves the end
    of the block unused)."""
    out, lcs, z = [], ino.z.lclusters, ino.z
    heads = block_heads(ino)
    for k, lc in enumerate(lcs):
        if lc not in heads:
            continue
        blocks = 1
        if (k + 1 < len(lcs) and lcs[k + 1].type == E.LC_NONHEAD and
                lcs[k + 1].delta[0] & E.LI_D0_CBLKCNT):
            blocks = lcs[k + 1].delta[0] & (E.LI_D0_CBLKCNT - 1)
        if filled and lc.type == E.LC_PLAIN:
            start = (k << z.lcbits) + lc.clusterofs
            end = next(((j << z.lcbits) + n.clusterofs
                        for j, n in enumerate(lcs) if j > k and
                        n.type != E.LC_NONHEAD), ino.size)
            if min(end, ino.size) - start < blocks * im.blksz:
                continue
        out.append((lc.blkaddr * im.blksz, blocks * im.blksz))
    return out


def header_cases(c, files):
    for i in c.sample([i for i in files if i.z.nlc]):
        h = i.z.hdr
        c.put('z-advise-unknown %s' % i.path, h + 4, '<H', i.z.advise | 0x4000,
              {'badZMapHeader'}, one=True)
        # an algorithm the format does not define is damage (exit 4)
        c.put('z-algorithm %s' % i.path, h + 6, '<B', i.z.algs | 0x0E, ZMETA,
              one=True)
        # bigger lclusters may map the same extents (a file of one
        # extent): this one only must not crash
        c.put('z-clusterbits %s' % i.path, h + 7, '<B', i.z.clusterbits + 3,
              kind='anywhere')
        c.put('z-clusterbits-huge %s' % i.path, h + 7, '<B',
              i.z.clusterbits | 15, ZMETA, one=True)


def full_cases(c, files):
    im = c.im
    full = [i for i in files if i.z.full and block_heads(i)]
    for i in c.sample(full):
        lcs = i.z.lclusters
        heads = block_heads(i)
        nons = [lc for lc in lcs if lc.type == E.LC_NONHEAD]
        first = lcs[0]
        if first.type in (E.LC_HEAD1, E.LC_HEAD2):
            c.put('z-lc-head-to-nonhead %s' % i.path, first.off, '<H',
                  (first.advise & ~3) | E.LC_NONHEAD, {'badZIndex'}, one=True)
        first = heads[0]
        c.put('z-blkaddr-past-end %s' % i.path, first.off + 4, '<I', im.blocks,
              ZADDR, one=True)
        c.put('z-blkaddr-huge %s' % i.path, first.off + 4, '<I', 0xFFFFFFF0,
              ZADDR, one=True)
        if first is lcs[0]:
            c.put('z-clusterofs-first %s' % i.path, first.off + 2, '<H', 100,
                  ZADDR, one=True)
        later = [lc for lc in lcs[1:]
                 if lc.type != E.LC_NONHEAD and not lc.eof]
        if later:
            lc = c.rng.choice(later)
            c.put('z-clusterofs %s' % i.path, lc.off + 2, '<H',
                  lc.clusterofs ^ 1, DECODE, one=True)
        if nons:
            lc = c.rng.choice(nons)
            c.put('z-lc-nonhead-to-plain %s' % i.path, lc.off, '<H',
                  (lc.advise & ~3) | E.LC_PLAIN, ZMETA | DECODE, one=True)
            plain = [n for n in nons if not n.delta[0] & E.LI_D0_CBLKCNT]
            if plain:
                lc = c.rng.choice(plain)
                c.put('z-delta0-huge %s' % i.path, lc.off + 4, '<H', 0x7FF,
                      {'badZIndex'}, one=True)
                c.put('z-delta0-zero %s' % i.path, lc.off + 4, '<H', 0,
                      {'badZIndex'}, one=True)
            c.put('z-delta1-huge %s' % i.path, lc.off + 6, '<H', 0xFFFF,
                  {'badZIndex'}, one=True)
            gap_cases(c, i, nons, lambda lc: (lc.off + 6, None))
        big = [n for n in nons if n.delta[0] & E.LI_D0_CBLKCNT]
        if big:
            lc = big[0]
            c.put('z-cblkcnt-zero %s' % i.path, lc.off + 4, '<H',
                  E.LI_D0_CBLKCNT, ZADDR, one=True)
            c.put('z-cblkcnt-huge %s' % i.path, lc.off + 4, '<H', 0xFFF, ZADDR,
                  one=True)
        pcs = [p for p in pclusters(im, i) if p[0] + p[1] <= len(im.buf)]
        if pcs:
            off, n = c.rng.choice(pcs)
            # the last byte: compressed data ends the pcluster (0padding)
            c.add('z-data-byte %s' % i.path,
                  lambda b, o=off + n - 1: xor(b, o, 0x5A), DECODE, one=True)
            c.put('z-pcluster-past-end %s' % i.path, heads[-1].off + 4, '<I',
                  im.blocks - 1, DECODE | ZMETA)


def gap_cases(c, ino, nonheads, where):
    """A nonhead's delta[1] set to 0.  Linux 6.18 reads such a file (and
    FIEMAP maps it) exactly as before, and fsck accepts it too (see
    /work/ztests-bugs.txt): these only must not crash; the summary
    counts how many were found."""
    if not nonheads:
        return
    lc = c.rng.choice(nonheads)
    off, bit = where(lc)
    if bit is None:
        m = setter(off, '<H', 0)
    else:
        lobits = c.im.blkszbits + (ino.z.clusterbits & 15)

        def m(b, o=off, bit=bit, mask=(1 << lobits) - 1):
            v = int.from_bytes(b[o:o + 4], 'little')
            v &= ~(mask << bit)
            b[o:o + 4] = v.to_bytes(4, 'little')
    c.add('gap-delta1-zero %s lcn %d' % (ino.path, lc.lcn), m,
          kind='anywhere')


def compact_block_heads(im, ino):
    """Compact heads whose pcluster is in blocks (see block_heads)."""
    heads = [lc for lc in ino.z.compact_lclusters(im.buf, ino.size)
             if lc.type != E.LC_NONHEAD and not lc.eof]
    if heads and (ino.z.inline or ino.z.advise & E.ADV_FRAGMENT):
        heads.pop()
    return heads


def first_pcluster(im, ino):
    """The first pcluster of a compact file, when lcluster 0 heads a
    compressed one in blocks: at its pack's base address, one block or
    the count its first nonhead holds.  Its data ends the pcluster
    (0padding), so its last bytes always matter."""
    heads = compact_block_heads(im, ino)
    if not heads or heads[0].lcn or heads[0].type == E.LC_PLAIN:
        return []
    lcs = ino.z.compact_lclusters(im.buf, ino.size)
    blocks = 1
    if (len(lcs) > 1 and lcs[1].type == E.LC_NONHEAD and
            lcs[1].clusterofs & E.LI_D0_CBLKCNT):
        blocks = lcs[1].clusterofs & (E.LI_D0_CBLKCNT - 1)
    off, size = ino.z.packs()[0]
    # a pack's base is one block before its first head's pcluster, unless
    # pclusters are big (then block counts follow, and it is the block)
    base = struct.unpack_from('<I', im.buf, off + size - 4)[0]
    if not ino.z.advise & (E.ADV_BIG1 | E.ADV_BIG2):
        base += 1
    if (base + blocks) * im.blksz > len(im.buf):
        return []
    return [(base * im.blksz, blocks * im.blksz)]


def compact_cases(c, files):
    im = c.im
    comp = [i for i in files if not i.z.full and compact_block_heads(im, i)]
    for i in c.sample(comp):
        packs = i.z.packs()
        off = compact_block_heads(im, i)[0].pack
        size = dict(packs)[off]
        c.put('z-pack-base-huge %s' % i.path, off + size - 4, '<I', 0xFFFFFFF0,
              ZADDR, one=True)
        c.put('z-pack-base-past-end %s' % i.path, off + size - 4, '<I',
              im.blocks, ZADDR, one=True)
        # the lowest bit of a head's clusterofs, of a big pcluster's block
        # count, or of a delta[0] that then points before its head (a
        # shorter one may still reach it through other nonheads: valid)
        lcs = [lc for lc in i.z.compact_lclusters(im.buf, i.size)
               if not lc.eof]
        # not the inline or fragment tail's extent: no blocks to count
        if i.z.inline or i.z.advise & E.ADV_FRAGMENT:
            tail = [lc for lc in lcs if lc.type != E.LC_NONHEAD][-1].lcn
            lcs = [lc for lc in lcs if lc.lcn < tail]
        flip = [lc for lc in lcs if lc.type != E.LC_NONHEAD or
                lc.clusterofs & E.LI_D0_CBLKCNT or
                (not lc.last_in_pack and not lc.clusterofs & 1)]
        lc = c.rng.choice(flip)
        c.add('z-pack-entry %s lcn %d' % (i.path, lc.lcn),
              lambda b, o=lc.byte, v=1 << lc.bit: xor(b, o, v),
              ZMETA | DECODE)
        gap_cases(c, i, [lc for lc in lcs if lc.type == E.LC_NONHEAD and
                         lc.last_in_pack and lc.clusterofs],
                  lambda lc: (lc.byte, lc.bit))


def tail_cases(c, files):
    inl = [i for i in files if i.z.inline]
    for i in c.sample(inl):
        h = i.z.hdr
        n = i.z.idata_size
        c.put('z-idata-size-zero %s' % i.path, h + 2, '<H', 0,
              {'badZMapHeader'}, one=True)
        c.put('z-idata-size-huge %s' % i.path, h + 2, '<H', 0xFFFF,
              {'badZMapHeader'}, one=True)
        c.put('z-idata-size-less %s' % i.path, h + 2, '<H', n - 1,
              ZMETA | DECODE | {'badInodeInline'}, one=True)
        off, n = i.z.inline
        c.add('z-inline-byte %s' % i.path,
              lambda b, o=off + n - 1: xor(b, o, 0x81), DECODE, one=True)


def fragment_cases(c, files):
    im = c.im
    if not im.packed:
        return
    frag = [i for i in files if i.z.advise & E.ADV_FRAGMENT]
    for i in c.sample(frag):
        h = i.z.hdr
        c.put('z-fragoff-past-packed %s' % i.path, h, '<I', im.packed.size + 1,
              {'badFragment'}, one=True)
        c.put('z-fragoff-huge %s' % i.path, h, '<I', 0xFFFFFF00,
              {'badFragment'}, one=True)
        if i.z.whole_fragment or i.z.fragmentoff:
            c.put('z-fragoff-shift %s' % i.path, h, '<I', i.z.fragmentoff ^ 1,
                  {'badFragment', 'fingerprintMismatch'}, one=True)
    p = im.packed
    if p.z:
        h = p.z.hdr
        # damage to the packed inode is damage to every file in it
        c.put('z-packed-advise', h + 4, '<H', p.z.advise | 0x4000,
              {'badZMapHeader', 'badFragment'})
        c.put('z-packed-algorithm', h + 6, '<B', p.z.algs | 0x0E,
              ZMETA | {'badFragment', 'unsupportedCompressed'})


def cases(c):
    files = zfiles(c.im)
    for f in (header_cases, full_cases, compact_cases, tail_cases,
              fragment_cases):
        f(c, files)


def detectable(im, files):
    """Bytes of compressed files where any change must be found."""
    out = []
    for i in files:
        z = i.z
        for lc in z.lclusters:
            # HEAD1 and HEAD2 differ only when their algorithms or
            # big-pcluster bits do: flip the low type bit
            if not lc.eof:
                out.append((lc.off, 0x01))              # lcluster type
        for lc in block_heads(i):
            out += [(lc.off + k, 0xFF) for k in range(4, 8)]  # blkaddr
        pcs = pclusters(im, i, True) if z.full else first_pcluster(im, i)
        # the last 5 bytes: lz4 ends in at least 5 literals, while the
        # last token's match nibble before them is never read
        for off, n in pcs + ([z.inline] if z.inline else []):
            out += [(off + n - 1 - k, 0xFF) for k in range(min(n, 5))]
    return out


def anywhere(im, files):
    """Compressed metadata and data: map headers, indexes, inline
    pclusters, pclusters of full-index files."""
    out = []
    allz = [i for i in im.inodes.values() if i.z]
    if im.packed and im.packed.z:
        allz.append(im.packed)
    for i in allz:
        z = i.z
        end = z.end + (z.inline[1] if z.inline else 0)
        out += range(z.hdr, end)
        if z.full:
            for off, n in pclusters(im, i):
                out += range(off, min(off + n, len(im.buf)), 61)
    return out


def random_cases(c, n_detect, n_any):
    files = zfiles(c.im)
    c.add_detect('zdetect', detectable(c.im, files), n_detect)
    c.add_anywhere('zanywhere', anywhere(c.im, files), n_any, (1, 1, 2, 3))
