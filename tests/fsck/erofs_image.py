# SPDX-License-Identifier: GPL-2.0+
"""A small, trusting parser of EROFS images, for tests.

It walks a good image (one our mkfs or Debian's wrote) and records where
every field lives, so that tests can corrupt exactly the byte they mean:
a dirent's nid, an inode's nlink, a fingerprint value, a data block, a
compressed file's map header or lcluster index.  It does not decode
compressed data: a compressed inode has no ranges, only a ZMap.
It is not a checker: it assumes the image is valid.
"""
import struct

SB = 1024
MAGIC = 0xE0F5E1E2
FT_DIR = 2


def crc32c(data, crc=0xFFFFFFFF):
    table = crc32c.table
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


crc32c.table = _table()


def fix_checksum(buf):
    """Recompute the superblock checksum after a deliberate sb change."""
    blkszbits = buf[SB + 0x0C]
    blksz = 1 << blkszbits
    n = blksz - SB if blksz > SB else blksz
    block = bytearray(buf[SB:SB + n])
    block[4:8] = b'\0\0\0\0'
    struct.pack_into('<I', buf, SB + 4, crc32c(bytes(block)))


class Field:
    """Where a field lives: image offset and width in bytes."""
    def __init__(self, off, width):
        self.off, self.width = off, width


class Xattr:
    def __init__(self, off, name_len, index, value_size):
        self.off = off              # entry header
        self.name_len, self.index, self.value_size = name_len, index, value_size
        self.value_off = off + 4 + name_len
        self.size = (4 + name_len + value_size + 3) & ~3


class Dirent:
    def __init__(self, blk_off, idx, raw, name_off, name):
        self.off = blk_off + idx * 12
        self.nid, self.nameoff, self.ftype = struct.unpack_from('<QHB', raw)
        self.idx, self.blk_off = idx, blk_off
        self.name_off, self.name = name_off, name


class Inode:
    pass


# compressed layouts, lcluster types and map header bits (erofs_fs.h)
LAYOUT_Z_FULL, LAYOUT_Z_COMPACT = 1, 3
LC_PLAIN, LC_HEAD1, LC_NONHEAD, LC_HEAD2 = 0, 1, 2, 3
ADV_COMPACT_2B, ADV_BIG1, ADV_BIG2 = 0x1, 0x2, 0x4
ADV_INLINE, ADV_INTERLACED, ADV_FRAGMENT = 0x8, 0x10, 0x20
LI_D0_CBLKCNT = 1 << 11


class Lcluster:
    """One full (8-byte) lcluster index."""
    def __init__(self, d, off):
        self.off = off
        self.advise, self.clusterofs = struct.unpack_from('<HH', d, off)
        self.type = self.advise & 3
        self.blkaddr = struct.unpack_from('<I', d, off + 4)[0]
        self.delta = struct.unpack_from('<HH', d, off + 4)


class ZMap:
    """Where a compressed inode's map header and indexes live."""
    def __init__(self, im, ino):
        d = im.data
        self.hdr = (ino.iloc + ino.isize + ino.xattr_isize + 7) & ~7
        (self.fragmentoff, self.advise, self.algs,
         self.clusterbits) = struct.unpack_from('<IHBB', d, self.hdr)
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
            self.lclusters = [Lcluster(d, self.idx + 8 * k)
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
                                   'little') >> (pos & 7)
                lc = Inode()
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
    def __init__(self, data):
        self.data = bytes(data)
        d = self.data
        (magic, self.checksum, self.compat, self.blkszbits, self.extslots,
         root2, self.inos) = struct.unpack_from('<IIIBBHQ', d, SB)
        assert magic == MAGIC, 'not an erofs image'
        self.blksz = 1 << self.blkszbits
        self.blocks, self.meta_blkaddr, self.xattr_blkaddr = \
            struct.unpack_from('<III', d, SB + 0x24)
        self.epoch, self.fixed_nsec = struct.unpack_from('<QI', d, SB + 0x18)
        self.incompat = struct.unpack_from('<I', d, SB + 0x50)[0]
        self.prefix_count = d[SB + 0x5B]
        self.prefix_start = struct.unpack_from('<I', d, SB + 0x5C)[0]
        self.ishare_id = d[SB + 0x69] if self.compat & 0x20 else None
        self.root_nid = root2
        self.inodes = {}
        self.paths = {}
        self._walk()
        self.packed = None
        packed_nid = struct.unpack_from('<Q', d, SB + 0x60)[0]
        if self.incompat & 0x20 and packed_nid:
            self.packed = self._inode(packed_nid)
            self.packed.path = '<packed>'

    def iloc(self, nid):
        return self.meta_blkaddr * self.blksz + nid * 32

    def _inode(self, nid):
        d, ino = self.data, Inode()
        ino.nid, ino.iloc = nid, self.iloc(nid)
        off = ino.iloc
        fmt, icount, mode = struct.unpack_from('<HHH', d, off)
        ino.fmt, ino.icount, ino.mode = fmt, icount, mode
        ino.extended = bool(fmt & 1)
        ino.layout = (fmt >> 1) & 7
        ino.f_format = Field(off, 2)
        ino.f_icount = Field(off + 2, 2)
        ino.f_mode = Field(off + 4, 2)
        if ino.extended:
            ino.isize = 64
            ino.size = struct.unpack_from('<Q', d, off + 8)[0]
            ino.nlink = struct.unpack_from('<I', d, off + 0x2C)[0]
            ino.f_nlink, ino.f_size = Field(off + 0x2C, 4), Field(off + 8, 8)
        else:
            ino.isize = 32
            ino.size = struct.unpack_from('<I', d, off + 8)[0]
            ino.nlink = struct.unpack_from('<H', d, off + 6)[0]
            ino.f_nlink, ino.f_size = Field(off + 6, 2), Field(off + 8, 4)
        ino.f_u = Field(off + 0x10, 4)
        ino.u = struct.unpack_from('<I', d, off + 0x10)[0]
        ino.xattr_isize = 12 + 4 * (icount - 1) if icount else 0
        ino.data_pos = ino.iloc + ino.isize + ino.xattr_isize
        self._xattrs(ino)
        ino.z = None
        if ino.layout in (LAYOUT_Z_FULL, LAYOUT_Z_COMPACT) and ino.size:
            ino.z = ZMap(self, ino)
        self._ranges(ino)
        return ino

    def _xattrs(self, ino):
        d = self.data
        ino.shared_ids, ino.xattrs, ino.fingerprint = [], [], None
        if not ino.xattr_isize:
            return
        h = ino.iloc + ino.isize
        ino.f_filter = Field(h, 4)
        ino.f_shared_count = Field(h + 4, 1)
        n = d[h + 4]
        ino.shared_ids = [Field(h + 12 + 4 * i, 4) for i in range(n)]
        pos, end = h + 12 + 4 * n, h + ino.xattr_isize
        while pos < end:
            name_len, index, vsize = struct.unpack_from('<BBH', d, pos)
            x = Xattr(pos, name_len, index, vsize)
            ino.xattrs.append(x)
            if (self.ishare_id is not None and name_len == 0 and
                    index == 0x80 | self.ishare_id):
                ino.fingerprint = x
            pos += x.size

    def _ranges(self, ino):
        """(image offset, length) pieces of the content, in order."""
        ino.ranges = []
        if (ino.mode & 0o170000) not in (0o100000, 0o040000, 0o120000):
            return
        if ino.layout in (LAYOUT_Z_FULL, LAYOUT_Z_COMPACT):
            return
        bs, size = self.blksz, ino.size
        nblocks = (size + bs - 1) // bs
        head = size
        if ino.layout == 2:
            head = (nblocks - 1) * bs if nblocks else 0
        if head and ino.u != 0xFFFFFFFF:
            ino.ranges.append((ino.u * bs, head))
        if size > head:
            ino.ranges.append((ino.data_pos, size - head))

    def content(self, ino):
        return b''.join(self.data[o:o + n] for o, n in ino.ranges)

    def dirents(self, ino):
        """Every dirent of a directory, with where it and its name live."""
        out, bs = [], self.blksz
        pieces = []
        for o, n in ino.ranges:
            for k in range(0, n, bs):
                pieces.append((o + k, min(bs, n - k)))
        for blk_off, blen in pieces:
            blk = self.data[blk_off:blk_off + blen]
            count = struct.unpack_from('<H', blk, 8)[0] // 12
            for i in range(count):
                raw = blk[i * 12:i * 12 + 12]
                no = struct.unpack_from('<H', raw, 8)[0]
                if i + 1 < count:
                    end = struct.unpack_from('<H', blk, (i + 1) * 12 + 8)[0]
                else:
                    end = blk.find(b'\0', no)
                    end = blen if end < 0 else end
                out.append(Dirent(blk_off, i, raw, blk_off + no, blk[no:end]))
        return out

    def _walk(self):
        stack = [(self.root_nid, '/')]
        while stack:
            nid, path = stack.pop()
            if nid in self.inodes:
                self.paths[path] = self.inodes[nid]     # a hard link
                continue
            ino = self._inode(nid)
            ino.path = path
            self.inodes[nid] = ino
            self.paths[path] = ino
            if (ino.mode & 0o170000) == 0o040000:
                ino.dirents = self.dirents(ino)
                for de in ino.dirents:
                    if de.name in (b'.', b'..'):
                        continue
                    name = de.name.decode('utf-8', 'surrogateescape')
                    stack.append((de.nid, path.rstrip('/') + '/' + name))

    def of_type(self, fmt):
        return [i for i in self.inodes.values()
                if (i.mode & 0o170000) == fmt]

    def meta_end(self):
        """End of the inode area (and shared xattrs) = start of file data."""
        starts = [i.u * self.blksz for i in self.inodes.values()
                  if i.ranges and i.ranges[0][0] == i.u * self.blksz]
        return min(starts) if starts else len(self.data)
