#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""An independent EROFS reader for tests, written apart from our C library.

One reader for two jobs:
  checking  it reads strictly: superblock checksum, feature bits, the long
            xattr prefix table, inodes (compact and extended), inline and
            shared xattrs and the name filter, directory blocks (sorted
            names, '.' and '..', file types), link counts, and that every
            byte it reads lies inside the image;
  locating  every inode field, dirent, xattr entry, compressed map header
            and lcluster index records where it lives in the image, so
            that tests can damage exactly the byte they mean
            (tests/fsck/corrupt.py, patch.py).
It decodes no compressed data: a compressed inode has a ZMap (where its
indexes and inline pcluster are) but no content for data().

API (raises Corrupt on anything it refuses):
  Image(buf), Image.open(path)   the superblock and long prefix table
  img.walk()        {path (bytes, b'' for the root): Inode}, the whole tree
                    checked; fills img.inodes ({nid: Inode} in walk order),
                    each Inode's path ('/'-rooted str) and dirents, and
                    img.packed (the packed inode, or None)
  img.inode(nid)    one Inode: fields, Field locations, xattrs, ranges, z
  img.dirents(ino)  a directory's Dirents
  img.data(ino)     the content of a flat (uncompressed) inode
  model(img)        path -> attributes, in the form compare_tree.py uses
  fix_checksum(buf) recompute the superblock checksum after a change

Usage:
  erofs_parse.py sb IMAGE              superblock and prefixes as JSON
  erofs_parse.py tree IMAGE            every path and its attributes as JSON
  erofs_parse.py check-ishare IMAGE SRCDIR [--name NAME]
                                       every fingerprint entry byte for byte
  erofs_parse.py selftest              CRC32C and XXH32 against known vectors

Errors go to stderr as one line "erofs_parse: ..." and exit 1.
"""

import hashlib
import json
import os
import stat
import struct
import sys

SB = 1024                   # superblock offset
MAGIC = 0xE0F5E1E2
COMPAT_SB_CHKSUM = 0x01
COMPAT_XATTR_FILTER = 0x04
COMPAT_PLAIN_XATTR_PFX = 0x10
COMPAT_ISHARE_XATTRS = 0x20
INCOMPAT_ZERO_PADDING = 0x01
INCOMPAT_COMPR_CFGS = 0x02          # also BIG_PCLUSTER
INCOMPAT_COMPR_HEAD2 = 0x08         # also DEVICE_TABLE (no extra devices)
INCOMPAT_ZTAILPACKING = 0x10
INCOMPAT_FRAGMENTS = 0x20           # also DEDUPE
INCOMPAT_XATTR_PREFIXES = 0x40
KNOWN_INCOMPAT = (INCOMPAT_ZERO_PADDING | INCOMPAT_COMPR_CFGS |
                  INCOMPAT_COMPR_HEAD2 | INCOMPAT_ZTAILPACKING |
                  INCOMPAT_FRAGMENTS | INCOMPAT_XATTR_PREFIXES)
FILTER_SEED = 0x25BBE08F
LONG_PREFIX = 0x80
NULL_ADDR = 0xFFFFFFFF

SHORT_PREFIXES = {1: b"user.", 2: b"system.posix_acl_access",
                  3: b"system.posix_acl_default", 4: b"trusted.",
                  6: b"security."}
FT_DIR = 2
FT_OF_MODE = {stat.S_IFREG: 1, stat.S_IFDIR: FT_DIR, stat.S_IFCHR: 3,
              stat.S_IFBLK: 4, stat.S_IFIFO: 5, stat.S_IFSOCK: 6,
              stat.S_IFLNK: 7}
FLAT_PLAIN, FLAT_INLINE = 0, 2
MAX_DEPTH = 4096

# compressed layouts, lcluster types and map header bits (erofs_fs.h)
LAYOUT_Z_FULL, LAYOUT_Z_COMPACT = 1, 3
LC_PLAIN, LC_HEAD1, LC_NONHEAD, LC_HEAD2 = 0, 1, 2, 3
ADV_COMPACT_2B, ADV_BIG1, ADV_BIG2 = 0x1, 0x2, 0x4
ADV_INLINE, ADV_INTERLACED, ADV_FRAGMENT = 0x8, 0x10, 0x20
LI_D0_CBLKCNT = 1 << 11


class Corrupt(Exception):
    pass


def crc32c(data, crc=0xFFFFFFFF):
    """Bitwise CRC32C, seed passed in, no final inversion (as the kernel)."""
    table = crc32c.table
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


crc32c.table = _crc_table()


def checksummed_len(blkbits):
    """How many bytes from the superblock on its checksum covers."""
    return (1 << blkbits) - SB if blkbits > 10 else 1 << blkbits


def sb_checksum(buf):
    """The checksum of the superblock's block, or None when the image
    does not ask for one (or is too short or odd to have one)."""
    if len(buf) < SB + 128:
        return None
    compat, blkbits = struct.unpack_from("<IB", buf, SB + 8)
    if not compat & COMPAT_SB_CHKSUM or not 9 <= blkbits <= 16:
        return None
    n = checksummed_len(blkbits)
    if len(buf) < SB + n:
        return None
    blk = bytearray(buf[SB:SB + n])
    blk[4:8] = bytes(4)
    return crc32c(bytes(blk))


def fix_checksum(buf):
    """Re-sign the superblock (a bytearray) after a deliberate change."""
    csum = sb_checksum(buf)
    if csum is not None:
        struct.pack_into("<I", buf, SB + 4, csum)


_P1, _P2, _P3, _P4, _P5 = 2654435761, 2246822519, 3266489917, 668265263, \
    374761393
_M = 0xFFFFFFFF


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & _M


def xxh32(data, seed=0):
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed & _M,
             (seed - _P1) & _M]
        while i + 16 <= n:
            for k in range(4):
                lane = int.from_bytes(data[i:i + 4], "little")
                i += 4
                v[k] = (_rotl((v[k] + lane * _P2) & _M, 13) * _P1) & _M
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) +
             _rotl(v[3], 18)) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 4 <= n:
        lane = int.from_bytes(data[i:i + 4], "little")
        h = (_rotl((h + lane * _P3) & _M, 17) * _P4) & _M
        i += 4
    while i < n:
        h = (_rotl((h + data[i] * _P5) & _M, 11) * _P1) & _M
        i += 1
    h ^= h >> 15
    h = (h * _P2) & _M
    h ^= h >> 13
    h = (h * _P3) & _M
    h ^= h >> 16
    return h


class Field:
    """Where a field lives: image offset and width in bytes."""

    def __init__(self, off, width):
        self.off, self.width = off, width


class Xattr:
    """One xattr entry: name index and suffix, value, where it lives."""

    def __init__(self, off, index, name, value, shared):
        self.off = off              # entry header
        self.index, self.name, self.value = index, name, value
        self.name_len, self.value_size = len(name), len(value)
        self.value_off = off + 4 + len(name)
        self.size = (4 + len(name) + len(value) + 3) // 4 * 4
        self.shared = shared        # in the shared area, not inline


class Dirent:
    """One directory entry; off is its 12-byte record, name_off its name."""

    def __init__(self, blk_off, idx, nid, nameoff, ftype, name):
        self.off = blk_off + idx * 12
        self.nid, self.nameoff, self.ftype = nid, nameoff, ftype
        self.idx, self.blk_off = idx, blk_off
        self.name_off, self.name = blk_off + nameoff, name


class Inode:
    """One inode as the image describes it; paths that share it see one.

    Image.inode() sets the fields (mode, size, u, ...), their Fields
    (f_mode, f_size, ...), xattrs, ranges ((offset, length) pieces of a
    flat content) and z (a ZMap, for a compressed inode); Image.walk()
    sets path and, for a directory, dirents."""

    path = None

    def full_xattrs(self, img):
        return {img.xattr_name(x.index, x.name): x.value for x in self.xattrs}


class Lcluster:
    """One full (8-byte) lcluster index."""

    def __init__(self, d, off):
        self.off = off
        self.advise, self.clusterofs = struct.unpack_from("<HH", d, off)
        self.type = self.advise & 3
        self.blkaddr = struct.unpack_from("<I", d, off + 4)[0]
        self.delta = struct.unpack_from("<HH", d, off + 4)


class Compact:
    """One lcluster of a compact pack: its pack, bits, type, low bits."""
    pass


class ZMap:
    """Where a compressed inode's map header and indexes live."""

    def __init__(self, im, ino):
        self.hdr = (ino.iloc + ino.isize + ino.xattr_isize + 7) & ~7
        (self.fragmentoff, self.advise, self.algs,
         self.clusterbits) = struct.unpack(
            "<IHBB", im.get(self.hdr, 8, "map header of nid %d" % ino.nid))
        self.idata_size = self.fragmentoff >> 16
        self.whole_fragment = bool(self.clusterbits & 0x80)
        self.lcbits = im.blkszbits + (self.clusterbits & 15)
        self.nlc = 0 if self.whole_fragment else \
            (ino.size + (1 << self.lcbits) - 1) >> self.lcbits
        self.full = ino.layout == LAYOUT_Z_FULL
        self.lclusters = []
        if self.full:
            self.idx = self.hdr + 16
            self.end = self.idx + 8 * self.nlc
            im.get(self.idx, 8 * self.nlc, "indexes of nid %d" % ino.nid)
            self.lclusters = [Lcluster(im.buf, self.idx + 8 * k)
                              for k in range(self.nlc)]
            for k, lc in enumerate(self.lclusters):
                # a head that starts at or past the end only marks it
                lc.lcn = k
                lc.eof = ((k << self.lcbits) + lc.clusterofs >= ino.size and
                          lc.type != LC_NONHEAD)
        else:
            self.idx = self.hdr + 8
            self.end = self._compact_end()
        # a ztailpacking pcluster follows the indexes
        self.inline = None
        if self.advise & ADV_INLINE and self.idata_size:
            self.inline = (self.end, self.idata_size)

    def _compact_end(self):
        """End of the pack that holds the last lcluster."""
        if not self.nlc:
            return self.idx
        init4, c2b = self._regions()
        lcn, pos, shift = self.nlc - 1, self.idx, 2
        if lcn >= init4:
            pos += init4 * 4
            lcn -= init4
            if lcn < c2b:
                shift = 1
            else:
                pos += c2b * 2
                lcn -= c2b
        pos += lcn << shift
        packsize = 8 if shift == 2 else 32
        return pos - pos % packsize + packsize

    def _regions(self):
        """Lclusters with 4-byte entries first (up to the next 32-byte
        boundary), then 2-byte ones in 16s when allowed, then 4-byte."""
        init4 = ((32 - self.idx % 32) // 4) & 7
        c2b = 0
        if self.advise & ADV_COMPACT_2B and init4 < self.nlc:
            c2b = (self.nlc - init4) // 16 * 16
        return init4, c2b

    def compact_lclusters(self, data, size):
        """Decode compact packs: per lcluster its pack offset, type and
        low bits (clusterofs of a head, delta of a nonhead)."""
        out = []
        for off, psize in self.packs():
            vcnt = 2 if psize == 8 else 16
            bits = (psize - 4) * 8 // vcnt
            for k in range(vcnt):
                if len(out) == self.nlc:
                    break
                pos = k * bits
                v = int.from_bytes(data[off + pos // 8:off + pos // 8 + 4],
                                   "little") >> (pos & 7)
                lc = Compact()
                lc.lcn, lc.pack = len(out), off
                lc.byte, lc.bit = off + pos // 8, pos & 7
                # a nonhead last in its pack keeps delta[1] there
                lc.last_in_pack = k == vcnt - 1
                lc.type = (v >> self.lcbits) & 3
                lc.clusterofs = v & ((1 << self.lcbits) - 1)
                lc.eof = (lc.type != LC_NONHEAD and
                          (lc.lcn << self.lcbits) + lc.clusterofs >= size)
                out.append(lc)
        return out

    def packs(self):
        """(offset, size) of every compact pack; its last 4 bytes are the
        pack's base block address."""
        init4, c2b = self._regions()
        out, pos = [], self.idx
        two = (self.idx + init4 * 4, self.idx + init4 * 4 + c2b * 2)
        while pos < self.end:
            size = 32 if two[0] <= pos < two[1] else 8
            out.append((pos, size))
            pos += size
        return out


class Image:
    def __init__(self, buf):
        self.buf = bytes(buf)
        self._cache = {}            # nid -> Inode, every inode read
        self.inodes = {}            # nid -> Inode, in walk() order
        self.packed = None
        self._tree = None
        self.parse_sb()

    @classmethod
    def open(cls, path):
        with open(path, "rb") as f:
            return cls(f.read())

    def get(self, pos, n, what):
        if pos < 0 or n < 0 or pos + n > len(self.buf):
            raise Corrupt("%s at %d+%d is outside the image (%d bytes)" %
                          (what, pos, n, len(self.buf)))
        return self.buf[pos:pos + n]

    def parse_sb(self):
        raw = self.get(SB, 128, "superblock")
        (magic, csum, compat, blkbits, extslots, rootnid, inos, epoch,
         fixed_nsec, blocks, meta_blk, xattr_blk) = struct.unpack_from(
            "<IIIBBHQQIIII", raw, 0)
        if magic != MAGIC:
            raise Corrupt("bad magic 0x%08x" % magic)
        if not 9 <= blkbits <= 16:
            raise Corrupt("bad blkszbits %d" % blkbits)
        self.blksz = 1 << blkbits
        self.blkszbits = blkbits
        self.sb = dict(
            magic=magic, checksum=csum, feature_compat=compat,
            blkszbits=blkbits, sb_extslots=extslots, root_nid=rootnid,
            inos=inos, epoch=epoch, fixed_nsec=fixed_nsec, blocks=blocks,
            meta_blkaddr=meta_blk, xattr_blkaddr=xattr_blk,
            uuid=raw[0x30:0x40].hex(),
            volume_name=raw[0x40:0x50].rstrip(b"\0").decode("latin-1"))
        (incompat, compr, extra_dev, devt, dirblkbits, pfx_count, pfx_start,
         packed_nid, filter_res, ishare_id) = struct.unpack_from(
            "<IHHHBBIQBB", raw, 0x50)
        self.sb.update(
            feature_incompat=incompat, available_compr_algs=compr,
            extra_devices=extra_dev, devt_slotoff=devt, dirblkbits=dirblkbits,
            xattr_prefix_count=pfx_count, xattr_prefix_start=pfx_start,
            packed_nid=packed_nid, xattr_filter_reserved=filter_res,
            ishare_xattr_prefix_id=ishare_id,
            build_time=struct.unpack_from("<I", raw, 0x6c)[0])
        # the fields tests use most, by name
        self.compat, self.incompat = compat, incompat
        self.root_nid, self.inos, self.blocks = rootnid, inos, blocks
        self.prefix_start = pfx_start
        self.ishare_id = ishare_id if compat & COMPAT_ISHARE_XATTRS else None
        if compat & COMPAT_SB_CHKSUM:
            self.get(SB, checksummed_len(blkbits), "checksummed block")
            if sb_checksum(self.buf) != csum:
                raise Corrupt("superblock checksum 0x%08x, computed 0x%08x" %
                              (csum, sb_checksum(self.buf)))
        if incompat & ~KNOWN_INCOMPAT:
            raise Corrupt("unsupported incompat features 0x%x" %
                          (incompat & ~KNOWN_INCOMPAT))
        if extra_dev or dirblkbits or extslots:
            raise Corrupt("devices, dirblkbits or sb ext slots not handled")
        if blocks * self.blksz != len(self.buf):
            raise Corrupt("%d blocks but the image has %d bytes" %
                          (blocks, len(self.buf)))
        self.parse_prefixes()

    def parse_prefixes(self):
        self.prefixes = []
        sb = self.sb
        has = bool(sb["feature_incompat"] & INCOMPAT_XATTR_PREFIXES)
        if sb["xattr_prefix_count"] and not has:
            raise Corrupt("prefix count without XATTR_PREFIXES")
        if not has:
            return
        if sb["packed_nid"] and not sb["feature_compat"] & \
                COMPAT_PLAIN_XATTR_PFX:
            raise Corrupt("prefixes in a packed inode are not handled")
        pos = sb["xattr_prefix_start"] * 4
        for i in range(sb["xattr_prefix_count"]):
            (size,) = struct.unpack("<H", self.get(pos, 2, "prefix length"))
            if size < 1:
                raise Corrupt("prefix %d has length 0" % i)
            body = self.get(pos + 2, size, "prefix %d" % i)
            base, infix = body[0], body[1:]
            if base and base not in SHORT_PREFIXES:
                raise Corrupt("prefix %d has base index %d" % (i, base))
            pad = self.get(pos + 2 + size, -(2 + size) % 4, "prefix padding")
            if pad.strip(b"\0"):
                raise Corrupt("prefix %d padding is not zero" % i)
            self.prefixes.append((base, infix))
            pos += (2 + size + 3) // 4 * 4

    def prefix_string(self, i):
        base, infix = self.prefixes[i]
        return SHORT_PREFIXES.get(base, b"") + infix

    def xattr_name(self, index, suffix):
        if index & LONG_PREFIX:
            return self.prefix_string(index & 0x7F) + suffix
        return SHORT_PREFIXES[index] + suffix

    def filter_bit(self, index, suffix):
        if index & LONG_PREFIX:
            base, infix = self.prefixes[index & 0x7F]
            return xxh32(infix + suffix, FILTER_SEED + base) & 31
        return xxh32(suffix, FILTER_SEED + index) & 31

    def iloc(self, nid):
        return self.sb["meta_blkaddr"] * self.blksz + nid * 32

    def read_entry(self, pos, where, shared):
        e_len, index, vsize = struct.unpack("<BBH",
                                            self.get(pos, 4, where + " entry"))
        if index & LONG_PREFIX:
            if (index & 0x7F) >= len(self.prefixes):
                raise Corrupt("%s entry uses missing prefix %d" %
                              (where, index & 0x7F))
        elif index not in SHORT_PREFIXES:
            raise Corrupt("%s entry has name index %d" % (where, index))
        name = self.get(pos + 4, e_len, where + " name")
        value = self.get(pos + 4 + e_len, vsize, where + " value")
        x = Xattr(pos, index, name, value, shared)
        pad = self.get(pos + 4 + e_len + vsize, x.size - 4 - e_len - vsize,
                       where + " padding")
        if pad.strip(b"\0"):
            raise Corrupt("%s entry padding is not zero" % where)
        return x

    def read_xattrs(self, ino):
        ino.xattrs, ino.shared_ids, ino.fingerprint = [], [], None
        ino.name_filter = 0
        if not ino.xattr_isize:
            return
        where = "xattrs of nid %d" % ino.nid
        pos = ino.iloc + ino.isize
        hdr = self.get(pos, 12, where)
        name_filter, shared_count = struct.unpack_from("<IB", hdr)
        if hdr[5:12].strip(b"\0"):
            raise Corrupt("%s: reserved header bytes set" % where)
        ino.f_filter, ino.f_shared_count = Field(pos, 4), Field(pos + 4, 1)
        end = pos + ino.xattr_isize
        p = pos + 12
        for k in range(shared_count):
            (sid,) = struct.unpack("<I", self.get(p, 4, where + " ids"))
            ino.shared_ids.append(Field(p, 4))
            p += 4
            if p > end:
                raise Corrupt("%s: shared ids past the body" % where)
            spos = self.sb["xattr_blkaddr"] * self.blksz + sid * 4
            ino.xattrs.append(self.read_entry(spos, "shared xattr %d" % sid,
                                              True))
        while p < end:
            x = self.read_entry(p, where, False)
            ino.xattrs.append(x)
            if self.ishare_id is not None and not x.name and \
                    x.index == LONG_PREFIX | self.ishare_id:
                ino.fingerprint = x
            p += x.size
        if p != end:
            raise Corrupt("%s: entries overrun the body by %d" %
                          (where, p - end))
        names = [self.xattr_name(x.index, x.name) for x in ino.xattrs]
        if len(set(names)) != len(names):
            raise Corrupt("%s: a name appears twice" % where)
        if self.sb["feature_compat"] & COMPAT_XATTR_FILTER:
            for x in ino.xattrs:
                if name_filter >> self.filter_bit(x.index, x.name) & 1:
                    raise Corrupt("%s: name filter hides %r" %
                                  (where, self.xattr_name(x.index, x.name)))
        ino.name_filter = name_filter

    def inode(self, nid):
        if nid in self._cache:
            return self._cache[nid]
        pos = self.iloc(nid)
        (fmt,) = struct.unpack("<H", self.get(pos, 2, "nid %d" % nid))
        ino = Inode()
        ino.nid, ino.iloc, ino.fmt = nid, pos, fmt
        ino.extended = bool(fmt & 1)
        ino.layout = (fmt >> 1) & 7
        if fmt & ~0x1F:
            raise Corrupt("nid %d: unknown i_format bits 0x%x" % (nid, fmt))
        if not ino.extended:
            raw = self.get(pos, 32, "nid %d" % nid)
            (_, icount, mode, nb, size, mtime, i_u, i_ino, uid, gid,
             _res) = struct.unpack("<HHHHIIIIHHI", raw)
            ino.isize = 32
            ino.mtime = self.sb["epoch"] + mtime
            ino.mtime_nsec = self.sb["fixed_nsec"]
            nlink_1 = fmt & 0x10 and not stat.S_ISDIR(mode)
            ino.nlink = 1 if nlink_1 else nb
            ino.f_nlink, ino.f_size = Field(pos + 6, 2), Field(pos + 8, 4)
        else:
            raw = self.get(pos, 64, "nid %d" % nid)
            (_, icount, mode, nb, size, i_u, i_ino, uid, gid, mtime, nsec,
             nlink) = struct.unpack_from("<HHHHQIIIIqII", raw)
            if nb:
                raise Corrupt("nid %d: i_nb set without 48BIT" % nid)
            ino.isize = 64
            ino.mtime, ino.mtime_nsec, ino.nlink = mtime, nsec, nlink
            if nsec >= 10**9:
                raise Corrupt("nid %d: mtime nsec %d" % (nid, nsec))
            ino.f_nlink, ino.f_size = Field(pos + 0x2C, 4), Field(pos + 8, 8)
        ino.f_format, ino.f_icount = Field(pos, 2), Field(pos + 2, 2)
        ino.f_mode, ino.f_u = Field(pos + 4, 2), Field(pos + 0x10, 4)
        ino.icount, ino.mode, ino.size, ino.u = icount, mode, size, i_u
        ino.ino, ino.uid, ino.gid = i_ino, uid, gid
        ino.xattr_isize = 12 + 4 * (icount - 1) if icount else 0
        ino.data_pos = pos + ino.isize + ino.xattr_isize
        if stat.S_IFMT(mode) not in FT_OF_MODE:
            raise Corrupt("nid %d: bad mode 0%o" % (nid, mode))
        self._cache[nid] = ino
        self.read_xattrs(ino)
        ino.z = None
        if ino.layout in (LAYOUT_Z_FULL, LAYOUT_Z_COMPACT) and ino.size:
            ino.z = ZMap(self, ino)
        ino.ranges = self.ranges(ino)
        return ino

    def ranges(self, ino):
        """(image offset, length) pieces of a flat inode's content."""
        out = []
        if stat.S_IFMT(ino.mode) not in (stat.S_IFREG, stat.S_IFDIR,
                                         stat.S_IFLNK):
            return out
        if ino.layout in (LAYOUT_Z_FULL, LAYOUT_Z_COMPACT):
            return out
        bs, size = self.blksz, ino.size
        nblocks = (size + bs - 1) // bs
        head = size
        if ino.layout == FLAT_INLINE:
            head = (nblocks - 1) * bs if nblocks else 0
        if head and ino.u != NULL_ADDR:
            out.append((ino.u * bs, head))
        if size > head:
            out.append((ino.data_pos, size - head))
        return out

    def data(self, ino):
        """The whole content of a flat inode."""
        if ino.layout not in (FLAT_PLAIN, FLAT_INLINE):
            raise Corrupt("nid %d: data layout %d not handled" %
                          (ino.nid, ino.layout))
        if stat.S_ISCHR(ino.mode) or stat.S_ISBLK(ino.mode) or \
                stat.S_ISFIFO(ino.mode) or stat.S_ISSOCK(ino.mode):
            if ino.size:
                raise Corrupt("nid %d: special file with size" % ino.nid)
            return b""
        if ino.layout == FLAT_PLAIN:
            full, tail = ino.size, 0
        else:
            tail = ino.size % self.blksz
            full = ino.size - tail
            if not tail:
                raise Corrupt("nid %d: inline layout without a tail" %
                              ino.nid)
        out = b""
        if full:
            out = self.get(ino.u * self.blksz, full,
                           "data of nid %d" % ino.nid)
        if tail:
            tpos = ino.data_pos
            if tpos // self.blksz != (tpos + tail - 1) // self.blksz:
                raise Corrupt("nid %d: inline tail crosses a block" %
                              ino.nid)
            out += self.get(tpos, tail, "tail of nid %d" % ino.nid)
        return out

    def offset(self, ino, pos):
        """Where byte pos of a flat inode's content lies in the image."""
        for off, n in ino.ranges:
            if pos < n:
                return off + pos
            pos -= n
        raise Corrupt("nid %d: no byte %d" % (ino.nid, pos))

    def dirents(self, ino):
        """Every entry of a directory, with where it and its name live."""
        data = self.data(ino)
        out = []
        for bpos in range(0, len(data), self.blksz):
            blk = data[bpos:bpos + self.blksz]
            out += self.dirent_block(ino, blk, self.offset(ino, bpos),
                                     bpos // self.blksz)
        names = [de.name for de in out]
        if names != sorted(names) or len(set(names)) != len(names):
            raise Corrupt("dir nid %d: names are not strictly sorted" %
                          ino.nid)
        return out

    def dirent_block(self, ino, blk, blk_off, k):
        where = "dir nid %d block %d" % (ino.nid, k)
        if len(blk) < 12:
            raise Corrupt("%s: too short" % where)
        nameoff0 = struct.unpack_from("<H", blk, 8)[0]
        if nameoff0 % 12 or not 12 <= nameoff0 < len(blk):
            raise Corrupt("%s: first nameoff %d" % (where, nameoff0))
        n = nameoff0 // 12
        out = []
        for i in range(n):
            nid, nameoff, ftype = struct.unpack_from("<QHB", blk, i * 12)
            end = struct.unpack_from("<H", blk, (i + 1) * 12 + 8)[0] \
                if i + 1 < n else len(blk)
            if not nameoff <= end <= len(blk) or nameoff < nameoff0:
                raise Corrupt("%s: name %d at %d..%d" %
                              (where, i, nameoff, end))
            name = blk[nameoff:end]
            if i + 1 == n:
                name = name.split(b"\0", 1)[0]
            if not name or len(name) > 255 or b"/" in name or \
                    b"\0" in name:
                raise Corrupt("%s: bad name %r" % (where, name))
            out.append(Dirent(blk_off, i, nid, nameoff, ftype, name))
        return out

    def walk(self):
        """{relative path (bytes): Inode}, b'' for the root.  Depth first,
        the last entry of a directory first; img.inodes keeps that order."""
        if self._tree is not None:
            return self._tree
        root = self.root_nid
        tree = {}
        seen_dirs = {root}
        stack = [(b"", root, root, 0)]
        while stack:
            path, nid, parent, depth = stack.pop()
            ino = self.inode(nid)
            tree[path] = ino
            if nid in self.inodes:
                continue                # a hard link
            self.inodes[nid] = ino
            ino.path = "/" + path.decode("utf-8", "surrogateescape")
            if not stat.S_ISDIR(ino.mode):
                if not path:
                    raise Corrupt("nid %d: not a directory" % nid)
                continue
            if depth > MAX_DEPTH:
                raise Corrupt("directories nest deeper than %d" % MAX_DEPTH)
            stack += self.walk_dir(path, ino, parent, depth, seen_dirs)
        found = list(self.inodes.values())
        packed_nid = self.sb["packed_nid"]
        if self.incompat & INCOMPAT_FRAGMENTS and packed_nid:
            # counted in the superblock, reached from no directory
            self.packed = self.inode(packed_nid)
            self.packed.path = "<packed>"
            found.append(self.packed)
        if len(found) != self.sb["inos"]:
            raise Corrupt("superblock says %d inodes, found %d" %
                          (self.sb["inos"], len(found)))
        inos = [e.ino for e in found]
        if len(set(inos)) != len(inos):
            raise Corrupt("two inodes share an i_ino")
        self.check_nlinks(tree)
        self._tree = tree
        return tree

    def walk_dir(self, path, ino, parent, depth, seen_dirs):
        """Check one directory's entries; the children to visit."""
        ino.dirents = self.dirents(ino)
        dots, children = {}, []
        for de in ino.dirents:
            child = self.inode(de.nid)
            if FT_OF_MODE[stat.S_IFMT(child.mode)] != de.ftype:
                raise Corrupt("%r: file type %d, inode mode 0%o" %
                              (path + b"/" + de.name, de.ftype, child.mode))
            if de.name in (b".", b".."):
                dots[de.name] = de.nid
                continue
            cpath = path + b"/" + de.name if path else de.name
            if stat.S_ISDIR(child.mode):
                if de.nid in seen_dirs:
                    raise Corrupt("directory nid %d reached twice" % de.nid)
                seen_dirs.add(de.nid)
            children.append((cpath, de.nid, ino.nid, depth + 1))
        if dots != {b".": ino.nid, b"..": parent}:
            raise Corrupt("dir %r: '.' and '..' are %r" % (path, dots))
        return children

    def check_nlinks(self, tree):
        count, subdirs = {}, {}
        for path, ent in tree.items():
            if stat.S_ISDIR(ent.mode):
                if path:
                    parent = os.path.dirname(path)
                    subdirs[parent] = subdirs.get(parent, 0) + 1
            else:
                count[ent.nid] = count.get(ent.nid, 0) + 1
        for path, ent in tree.items():
            if stat.S_ISDIR(ent.mode) and \
                    ent.nlink != 2 + subdirs.get(path, 0):
                raise Corrupt("dir %r: nlink %d, has %d subdirs" %
                              (path, ent.nlink, subdirs.get(path, 0)))
        for nid, n in count.items():
            if self.inodes[nid].nlink != n:
                raise Corrupt("nid %d: nlink %d, linked %d times" %
                              (nid, self.inodes[nid].nlink, n))

    def rdev(self, ino):
        if not (stat.S_ISCHR(ino.mode) or stat.S_ISBLK(ino.mode)):
            return 0
        d = ino.u
        return os.makedev((d & 0xFFF00) >> 8, (d & 0xFF) | ((d >> 12) &
                                                            0xFFF00))

    def of_type(self, fmt):
        """The walked inodes of one file type (stat.S_IF*)."""
        return [i for i in self.inodes.values() if stat.S_IFMT(i.mode) == fmt]

    def meta_end(self):
        """End of the inode area (and shared xattrs) = start of file data."""
        starts = [i.u * self.blksz for i in self.inodes.values()
                  if i.ranges and i.ranges[0][0] == i.u * self.blksz]
        return min(starts) if starts else len(self.buf)


def model(img):
    """Path -> attributes, in the form compare_tree.py uses."""
    out, digests = {}, {}
    for path, ent in img.walk().items():
        m = dict(mode=ent.mode, uid=ent.uid, gid=ent.gid,
                 mtime_ns=ent.mtime * 10**9 + ent.mtime_nsec,
                 nlink=ent.nlink, ino=ent.nid, rdev=img.rdev(ent),
                 xattrs=ent.full_xattrs(img))
        if stat.S_ISREG(ent.mode):
            m["size"] = ent.size
            if ent.nid not in digests:      # once per hard-linked inode
                digests[ent.nid] = hashlib.sha256(img.data(ent)).hexdigest()
            m["sha256"] = digests[ent.nid]
        elif stat.S_ISLNK(ent.mode):
            m["target"] = img.data(ent)
        elif stat.S_ISDIR(ent.mode):
            img.data(ent)
        out[path] = m
    return out


def print_json(obj):
    """In one write: a reader like `grep -q` that stops at its match must
    not leave the final newline to a closed pipe."""
    sys.stdout.write(json.dumps(obj, indent=1, sort_keys=True) + "\n")


def cmd_sb(img):
    sb = dict(img.sb)
    sb["prefixes"] = [img.prefix_string(i).decode("latin-1")
                      for i in range(len(img.prefixes))]
    sb["prefix_bases"] = [b for b, _ in img.prefixes]
    print_json(sb)


def cmd_tree(img):
    out = {}
    for path, m in model(img).items():
        m = dict(m)
        m["xattrs"] = {k.decode("latin-1"): v.hex()
                       for k, v in m["xattrs"].items()}
        if "target" in m:
            m["target"] = m["target"].decode("latin-1")
        out[path.decode("latin-1")] = m
    print_json(out)


def check_ishare(img, src, name):
    """Every fingerprint entry of the image, byte for byte."""
    sb = img.sb
    want = os.fsencode(name)
    ids = [i for i in range(len(img.prefixes)) if img.prefix_string(i) == want]
    if len(ids) != 1:
        raise Corrupt("%d prefix table entries are %r" % (len(ids), name))
    pid = ids[0]
    for bit in (COMPAT_ISHARE_XATTRS, COMPAT_PLAIN_XATTR_PFX):
        if not sb["feature_compat"] & bit:
            raise Corrupt("compat bit 0x%x is not set" % bit)
    if sb["ishare_xattr_prefix_id"] != pid:
        raise Corrupt("ishare_xattr_prefix_id %d, NAME is prefix %d" %
                      (sb["ishare_xattr_prefix_id"], pid))
    checked = 0
    for path, ent in img.walk().items():
        fps = [x for x in ent.xattrs if x.index == LONG_PREFIX | pid]
        same = [x for x in ent.xattrs
                if img.xattr_name(x.index, x.name) == want and x not in fps]
        if same:
            raise Corrupt("%r: another entry is also named %s" % (path, name))
        if not (stat.S_ISREG(ent.mode) and ent.size):
            if fps:
                raise Corrupt("%r: fingerprint on a %s" %
                              (path, "empty file" if stat.S_ISREG(ent.mode)
                               else "non-regular inode"))
            continue
        if len(fps) != 1:
            raise Corrupt("%r: %d fingerprint entries" % (path, len(fps)))
        fp = fps[0]
        if fp.name or fp.shared:
            raise Corrupt("%r: fingerprint has suffix %r, is %s" %
                          (path, fp.name,
                           "shared" if fp.shared else "inline"))
        with open(os.path.join(os.fsencode(src), path), "rb") as f:
            digest = hashlib.sha256(f.read()).digest()
        if fp.value != b"sha256:" + digest:
            raise Corrupt("%r: fingerprint %s, want sha256:%s" %
                          (path, fp.value.hex(), digest.hex()))
        if hashlib.sha256(img.data(ent)).digest() != digest:
            raise Corrupt("%r: image content differs from the source" % path)
        checked += 1
    return checked


def selftest():
    checks = [
        (crc32c(b"123456789") ^ _M, 0xE3069283),
        (crc32c(bytes(32)) ^ _M, 0x8A9136AA),
        (crc32c(b"\xff" * 32) ^ _M, 0x62A8AB43),
        (crc32c(bytes(range(32))) ^ _M, 0x46DD794E),
        (xxh32(b""), 0x02CC5D05),
        (xxh32(b"abc"), 0x32D153FF),
        (xxh32(b"Nobody inspects the spammish repetition"), 0xE2293B2F),
    ]
    bad = [(i, hex(g), hex(w)) for i, (g, w) in enumerate(checks) if g != w]
    for b in bad:
        print("erofs_parse: selftest vector %d: got %s want %s" % b,
              file=sys.stderr)
    print("erofs_parse: %d vectors, %d failed" % (len(checks), len(bad)))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        img = Image.open(argv[2])
        if argv[1] == "sb":
            cmd_sb(img)
        elif argv[1] == "tree":
            cmd_tree(img)
        elif argv[1] == "check-ishare" and len(argv) in (4, 6):
            name = argv[5] if len(argv) == 6 and argv[4] == "--name" \
                else "trusted.erofs.fingerprint"
            n = check_ishare(img, argv[3], name)
            print("erofs_parse: %d fingerprints match" % n)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Corrupt as e:
        print("erofs_parse: %s: %s" % (argv[2], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
