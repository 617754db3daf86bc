#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""An independent EROFS reader for tests, written apart from our C library.

It knows only uncompressed images (flat plain and flat inline layouts) and
checks what it reads strictly: superblock checksum, feature bits, the long
xattr prefix table, inodes (compact and extended), inline and shared
xattrs and the name filter, directory blocks (sorted names, '.' and '..',
file types), and that every byte it reads lies inside the image.

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

SUPER_OFFSET = 1024
MAGIC = 0xE0F5E1E2
COMPAT_SB_CHKSUM = 0x01
COMPAT_XATTR_FILTER = 0x04
COMPAT_PLAIN_XATTR_PFX = 0x10
COMPAT_ISHARE_XATTRS = 0x20
INCOMPAT_XATTR_PREFIXES = 0x40
KNOWN_INCOMPAT = INCOMPAT_XATTR_PREFIXES
FILTER_SEED = 0x25BBE08F
LONG_PREFIX = 0x80

SHORT_PREFIXES = {1: b"user.", 2: b"system.posix_acl_access",
                  3: b"system.posix_acl_default", 4: b"trusted.",
                  6: b"security."}
FT_OF_MODE = {stat.S_IFREG: 1, stat.S_IFDIR: 2, stat.S_IFCHR: 3,
              stat.S_IFBLK: 4, stat.S_IFIFO: 5, stat.S_IFSOCK: 6,
              stat.S_IFLNK: 7}
FLAT_PLAIN, FLAT_INLINE = 0, 2
MAX_DEPTH = 4096


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


class Entry:
    """One inode as the image describes it; paths that share it see one."""

    def __init__(self, nid):
        self.nid = nid
        self.xattrs = []        # (index, suffix, value, where)

    def full_xattrs(self, img):
        return {img.xattr_name(i, s): v for i, s, v, _ in self.xattrs}


class Image:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        self.path = path
        self.inodes = {}
        self.parse_sb()

    def get(self, pos, n, what):
        if pos < 0 or n < 0 or pos + n > len(self.buf):
            raise Corrupt("%s at %d+%d is outside the image (%d bytes)" %
                          (what, pos, n, len(self.buf)))
        return self.buf[pos:pos + n]

    def parse_sb(self):
        raw = self.get(SUPER_OFFSET, 128, "superblock")
        (magic, csum, compat, blkbits, extslots, rootnid, inos, epoch,
         fixed_nsec, blocks, meta_blk, xattr_blk) = struct.unpack_from(
            "<IIIBBHQQIIII", raw, 0)
        if magic != MAGIC:
            raise Corrupt("bad magic 0x%08x" % magic)
        if not 9 <= blkbits <= 16:
            raise Corrupt("bad blkszbits %d" % blkbits)
        self.blksz = 1 << blkbits
        self.blkbits = blkbits
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
        if compat & COMPAT_SB_CHKSUM:
            n = self.blksz - SUPER_OFFSET if self.blksz > SUPER_OFFSET \
                else self.blksz
            blk = bytearray(self.get(SUPER_OFFSET, n, "checksummed block"))
            blk[4:8] = bytes(4)
            if crc32c(bytes(blk)) != csum:
                raise Corrupt("superblock checksum 0x%08x, computed 0x%08x" %
                              (csum, crc32c(bytes(blk))))
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

    def read_entry(self, pos, where):
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
        size = (4 + e_len + vsize + 3) // 4 * 4
        pad = self.get(pos + 4 + e_len + vsize, size - 4 - e_len - vsize,
                       where + " padding")
        if pad.strip(b"\0"):
            raise Corrupt("%s entry padding is not zero" % where)
        return index, name, value, size

    def read_xattrs(self, ent, pos, isize):
        if not isize:
            return
        where = "xattrs of nid %d" % ent.nid
        hdr = self.get(pos, 12, where)
        name_filter, shared_count = struct.unpack_from("<IB", hdr)
        if hdr[5:12].strip(b"\0"):
            raise Corrupt("%s: reserved header bytes set" % where)
        end = pos + isize
        p = pos + 12
        for k in range(shared_count):
            (sid,) = struct.unpack("<I", self.get(p, 4, where + " ids"))
            p += 4
            if p > end:
                raise Corrupt("%s: shared ids past the body" % where)
            spos = self.sb["xattr_blkaddr"] * self.blksz + sid * 4
            index, name, value, _ = self.read_entry(
                spos, "shared xattr %d" % sid)
            ent.xattrs.append((index, name, value, "shared"))
        while p < end:
            index, name, value, size = self.read_entry(p, where)
            ent.xattrs.append((index, name, value, "inline"))
            p += size
        if p != end:
            raise Corrupt("%s: entries overrun the body by %d" %
                          (where, p - end))
        names = [self.xattr_name(i, s) for i, s, _, _ in ent.xattrs]
        if len(set(names)) != len(names):
            raise Corrupt("%s: a name appears twice" % where)
        if self.sb["feature_compat"] & COMPAT_XATTR_FILTER:
            for index, suffix, _, _ in ent.xattrs:
                if name_filter >> self.filter_bit(index, suffix) & 1:
                    raise Corrupt("%s: name filter hides %r" %
                                  (where, self.xattr_name(index, suffix)))
        ent.name_filter = name_filter

    def read_inode(self, nid):
        if nid in self.inodes:
            return self.inodes[nid]
        pos = self.iloc(nid)
        (fmt,) = struct.unpack("<H", self.get(pos, 2, "nid %d" % nid))
        ent = Entry(nid)
        ent.version = fmt & 1
        ent.layout = (fmt >> 1) & 7
        if fmt & ~0x1F:
            raise Corrupt("nid %d: unknown i_format bits 0x%x" % (nid, fmt))
        if ent.version == 0:
            raw = self.get(pos, 32, "nid %d" % nid)
            (_, icount, mode, nb, size, mtime, i_u, ino, uid, gid,
             _res) = struct.unpack("<HHHHIIIIHHI", raw)
            ent.isize = 32
            ent.mtime = self.sb["epoch"] + mtime
            ent.mtime_nsec = self.sb["fixed_nsec"]
            nlink_1 = fmt & 0x10 and not stat.S_ISDIR(mode)
            ent.nlink = 1 if nlink_1 else nb
        else:
            raw = self.get(pos, 64, "nid %d" % nid)
            (_, icount, mode, nb, size, i_u, ino, uid, gid, mtime, nsec,
             nlink) = struct.unpack_from("<HHHHQIIIIqII", raw)
            if nb:
                raise Corrupt("nid %d: i_nb set without 48BIT" % nid)
            ent.isize = 64
            ent.mtime, ent.mtime_nsec, ent.nlink = mtime, nsec, nlink
            if nsec >= 10**9:
                raise Corrupt("nid %d: mtime nsec %d" % (nid, nsec))
        ent.mode, ent.size, ent.i_u, ent.ino = mode, size, i_u, ino
        ent.uid, ent.gid = uid, gid
        ent.xattr_isize = 12 + 4 * (icount - 1) if icount else 0
        if stat.S_IFMT(mode) not in FT_OF_MODE:
            raise Corrupt("nid %d: bad mode 0%o" % (nid, mode))
        self.inodes[nid] = ent
        self.read_xattrs(ent, pos + ent.isize, ent.xattr_isize)
        return ent

    def data(self, ent):
        """The whole content of a flat inode."""
        if ent.layout not in (FLAT_PLAIN, FLAT_INLINE):
            raise Corrupt("nid %d: data layout %d not handled" %
                          (ent.nid, ent.layout))
        if stat.S_ISCHR(ent.mode) or stat.S_ISBLK(ent.mode) or \
                stat.S_ISFIFO(ent.mode) or stat.S_ISSOCK(ent.mode):
            if ent.size:
                raise Corrupt("nid %d: special file with size" % ent.nid)
            return b""
        if ent.layout == FLAT_PLAIN:
            full, tail = ent.size, 0
        else:
            tail = ent.size % self.blksz
            full = ent.size - tail
            if not tail:
                raise Corrupt("nid %d: inline layout without a tail" %
                              ent.nid)
        out = b""
        if full:
            out = self.get(ent.i_u * self.blksz, full,
                           "data of nid %d" % ent.nid)
        if tail:
            tpos = self.iloc(ent.nid) + ent.isize + ent.xattr_isize
            if tpos // self.blksz != (tpos + tail - 1) // self.blksz:
                raise Corrupt("nid %d: inline tail crosses a block" %
                              ent.nid)
            out += self.get(tpos, tail, "tail of nid %d" % ent.nid)
        return out

    def dirents(self, ent):
        data = self.data(ent)
        out = []
        for bpos in range(0, len(data), self.blksz):
            blk = data[bpos:bpos + self.blksz]
            where = "dir nid %d block %d" % (ent.nid, bpos // self.blksz)
            if len(blk) < 12:
                raise Corrupt("%s: too short" % where)
            nameoff0 = struct.unpack_from("<H", blk, 8)[0]
            if nameoff0 % 12 or not 12 <= nameoff0 < len(blk):
                raise Corrupt("%s: first nameoff %d" % (where, nameoff0))
            n = nameoff0 // 12
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
                out.append((name, nid, ftype))
        names = [n for n, _, _ in out]
        if names != sorted(names) or len(set(names)) != len(names):
            raise Corrupt("dir nid %d: names are not strictly sorted" %
                          ent.nid)
        return out

    def walk(self):
        """{relative path (bytes): Entry}, '' for the root."""
        root = self.sb["root_nid"]
        tree = {b"": self.read_inode(root)}
        seen_dirs = {root}
        stack = [(b"", root, root, 0)]
        while stack:
            path, nid, parent, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise Corrupt("directories nest deeper than %d" % MAX_DEPTH)
            ent = self.read_inode(nid)
            if not stat.S_ISDIR(ent.mode):
                raise Corrupt("nid %d: not a directory" % nid)
            dots = {}
            for name, cnid, ftype in self.dirents(ent):
                child = self.read_inode(cnid)
                if FT_OF_MODE[stat.S_IFMT(child.mode)] != ftype:
                    raise Corrupt("%r: file type %d, inode mode 0%o" %
                                  (path + b"/" + name, ftype, child.mode))
                if name in (b".", b".."):
                    dots[name] = cnid
                    continue
                cpath = path + b"/" + name if path else name
                tree[cpath] = child
                if stat.S_ISDIR(child.mode):
                    if cnid in seen_dirs:
                        raise Corrupt("directory nid %d reached twice" % cnid)
                    seen_dirs.add(cnid)
                    stack.append((cpath, cnid, nid, depth + 1))
            if dots != {b".": nid, b"..": parent}:
                raise Corrupt("dir %r: '.' and '..' are %r" % (path, dots))
        if len(self.inodes) != self.sb["inos"]:
            raise Corrupt("superblock says %d inodes, found %d" %
                          (self.sb["inos"], len(self.inodes)))
        inos = [e.ino for e in self.inodes.values()]
        if len(set(inos)) != len(inos):
            raise Corrupt("two inodes share an i_ino")
        self.check_nlinks(tree)
        return tree

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

    def rdev(self, ent):
        if not (stat.S_ISCHR(ent.mode) or stat.S_ISBLK(ent.mode)):
            return 0
        d = ent.i_u
        return os.makedev((d & 0xFFF00) >> 8, (d & 0xFF) | ((d >> 12) &
                                                            0xFFF00))


def model(img, tree=None):
    """Path -> attributes, in the form compare_tree.py uses."""
    tree = tree if tree is not None else img.walk()
    out, digests = {}, {}
    for path, ent in tree.items():
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


def cmd_sb(img):
    sb = dict(img.sb)
    sb["prefixes"] = [img.prefix_string(i).decode("latin-1")
                      for i in range(len(img.prefixes))]
    sb["prefix_bases"] = [b for b, _ in img.prefixes]
    print(json.dumps(sb, indent=1, sort_keys=True))


def cmd_tree(img):
    out = {}
    for path, m in model(img).items():
        m = dict(m)
        m["xattrs"] = {k.decode("latin-1"): v.hex()
                       for k, v in m["xattrs"].items()}
        if "target" in m:
            m["target"] = m["target"].decode("latin-1")
        out[path.decode("latin-1")] = m
    print(json.dumps(out, indent=1, sort_keys=True))


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
    tree = img.walk()
    checked = 0
    for path, ent in tree.items():
        fps = [x for x in ent.xattrs if x[0] == LONG_PREFIX | pid]
        same = [x for x in ent.xattrs
                if img.xattr_name(x[0], x[1]) == want and x not in fps]
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
        index, suffix, value, where = fps[0]
        if suffix or where != "inline":
            raise Corrupt("%r: fingerprint has suffix %r, is %s" %
                          (path, suffix, where))
        with open(os.path.join(os.fsencode(src), path), "rb") as f:
            digest = hashlib.sha256(f.read()).digest()
        if value != b"sha256:" + digest:
            raise Corrupt("%r: fingerprint %s, want sha256:%s" %
                          (path, value.hex(), digest.hex()))
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
        img = Image(argv[2])
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
