#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Make the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET)
# from small images our mkfs makes (512-byte blocks keep them small: the
# whole corpus stays a few hundred KB), the fsck fixtures, the
# erofs-utils 1.9.3 fixture of tests/dump, pclusters cut out of
# compressed images, and tar archives of every format.  Run from a build
# directory after make; commit what changes.
#   tests/fuzz/make-corpus.sh [OUTDIR]   (default: the source tree's)
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
MKFS=$top_builddir/mkfs/mkfs.erofs
DUMP=$top_builddir/dump/dump.erofs
OUT=${1:-$top_srcdir/tests/fuzz/corpus}
[ -x "$MKFS" ] && [ -x "$DUMP" ] || { echo "build first" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-corpus.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mk() {
	"$MKFS" --quiet -T 1700000000 -U 6b1d6e0a-5c1e-4d5e-9f00-0123456789ab \
		"$@"
}

# a tree with every inode type, xattrs, hard links, a long name, files
# of every size class, and content that compresses
S=$WORK/src
mkdir -p "$S/d/e" "$S/empty"
python3 - "$S" <<'PY'
import os, sys
s = sys.argv[1]
open(f"{s}/d/text", "w").write("hello erofs " * 100)
open(f"{s}/d/e/small", "w").write("x")
open(f"{s}/same1", "w").write("shared content\n" * 10)
open(f"{s}/same2", "w").write("shared content\n" * 10)
open(f"{s}/bin", "wb").write(bytes(range(256)) * 3 + os.urandom(100))
open(f"{s}/" + "n" * 200, "w").write("long name")
open(f"{s}/zero", "w").close()
os.symlink("d/text", f"{s}/lnk")
os.link(f"{s}/d/e/small", f"{s}/hard")
os.mkfifo(f"{s}/fifo")
PY
setfattr -n user.a -v 1 "$S/d/text" 2>/dev/null || true
setfattr -n user.shared -v same "$S/same1" 2>/dev/null || true
setfattr -n user.shared -v same "$S/same2" 2>/dev/null || true
setfattr -n trusted.overlay.opaque -v y "$S/d" 2>/dev/null || true

I=$WORK/img
mkdir -p "$I"
mk -b 512 "$I/plain" "$S"
mk -b 512 --ishare_key "$I/fp" "$S"
mk -b 512 --xattr-inode-digest -x 1 "$I/fp-shared" "$S"
mk -b 512 -E noinline_data,force-inode-extended "$I/extended" "$S"
mk -b 512 -zlz4 "$I/lz4" "$S"
mk -b 512 -zlz4hc -C 2048 -E ztailpacking,legacy-compress "$I/lz4-full" "$S"
mk -b 512 -zlzma "$I/lzma" "$S"
mk -b 512 -zzstd -C 1024 -E fragments,dedupe "$I/zstd-frag" "$S"
mk -b 512 -zlz4 -E all-fragments --ishare_key "$I/lz4-allfrag" "$S"
mk "$I/plain-4k" "$S"
for f in "$top_srcdir"/tests/fsck/fixtures/f_debian_*/image.gz \
	 "$top_srcdir"/tests/fsck/fixtures/f_dir_cycle/image.gz \
	 "$top_srcdir"/tests/dump/fixtures/forged-fp.img.gz; do
	n=$(basename "$(dirname "$f")")
	[ "$n" = fixtures ] && n=forged-fp
	gzip -dc "$f" >"$I/$n"
done

for t in super inode dir zmap fsck; do
	rm -rf "${OUT:?}/$t"
	mkdir -p "$OUT/$t"
	cp "$I"/* "$OUT/$t/"
done
# fewer seeds where they would only repeat each other
rm -f "$OUT"/{fsck,inode,dir}/plain-4k "$OUT"/{fsck,dir}/extended \
	"$OUT"/{super,dir}/{lz4-full,zstd-frag,lz4-allfrag,lzma} \
	"$OUT"/super/{fp-shared,f_dir_cycle}

# the sharing report: pairs of images, a 4-byte length of the first
rm -rf "$OUT/report"
mkdir -p "$OUT/report"
pair() {
	python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
head = len(a).to_bytes(3, "little") + bytes([int(sys.argv[4])])
open(sys.argv[3], "wb").write(head + a + b)
PY
}
pair "$I/fp" "$I/fp-shared" "$OUT/report/fp-fp-shared" 0
pair "$I/fp" "$I/lz4-allfrag" "$OUT/report/fp-lz4-json" 1
pair "$I/forged-fp" "$I/fp" "$OUT/report/forged-fp" 0
pair "$I/plain" "$I/fp" "$OUT/report/none-fp" 1

# pclusters of each algorithm, cut out of the images with dump -e
for t in lz4 lzma zstd plain; do
	rm -rf "${OUT:?}/$t"
	mkdir -p "$OUT/$t"
done
cut_pclusters() {
	local img=$1 target=$2 path

	for path in /d/text /bin /same1; do
		"$DUMP" --path="$path" -e "$img" 2>/dev/null |
			sed -n 's/^ *\([0-9]*\): *\([0-9]*\)\.\. *[0-9]* | *\([0-9]*\) : *\([0-9]*\)\.\. *[0-9]* | *\([0-9]*\)  # compressed.*/\1 \3 \4 \5/p' |
		while read -r i llen pa plen; do
			python3 - "$img" "$pa" "$plen" "$llen" \
				"$OUT/$target/$(basename "$img")${path//\//-}-$i" <<'PY'
import sys
img, pa, plen, llen, out = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
data = open(img, "rb").read()[pa:pa + plen]
n = min(llen, 65536) - 1
# outlen - 1, flags: 512-byte blocks, zero padding; a 64 KiB lzma window
open(out, "wb").write(bytes([n & 255, n >> 8, 4 | 8, 4]) + data)
PY
		done
	done
}
cut_pclusters "$I/lz4" lz4
cut_pclusters "$I/lz4-full" lz4
cut_pclusters "$I/lzma" lzma
mk -b 512 -zzstd "$WORK/zstd" "$S"
cut_pclusters "$WORK/zstd" zstd
# uncompressed pclusters: the bytes as they are, shifted or interlaced
head -c 512 "$S/d/text" >"$WORK/raw"
printf '\377\001\000\000' | cat - "$WORK/raw" >"$OUT/plain/shifted"
printf '\377\001\020\002' | cat - "$WORK/raw" >"$OUT/plain/interlaced"

# tar archives: a flag byte (1 --aufs, 2 fingerprints, 4 lz4), the archive
rm -rf "$OUT/tar"
mkdir -p "$OUT/tar"
python3 - "$OUT/tar" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
R, D, S, L, C = (tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE,
                 tarfile.LNKTYPE, tarfile.CHRTYPE)

def m(name, type=R, data=b"", link="", pax=None):
    t = tarfile.TarInfo(name)
    t.type, t.linkname, t.mtime, t.mode = type, link, 1700000000, 0o644
    t.size = len(data) if type == R else 0
    t.pax_headers = pax or {}
    return t, data

tree = [m("d/", D), m("d/f", data=b"hello " * 40), m("d/g", data=b"x"),
        m("l", S, link="d/f"), m("h", L, link="d/f"), m("c", C),
        m("d/e/", D), m("d/e/" + "n" * 90, data=b"long")]
aufs = [m("d/", D), m("d/.wh.gone"), m("d/.wh..wh..opq"), m("d/x", data=b"1"),
        m("d/.wh..wh.aufs")]
pax = [m("p", data=b"pax", pax={"path": "pax/" + "q" * 150,
                                "SCHILY.xattr.user.a": "1",
                                "mtime": "1700000000.5",
                                "LIBARCHIVE.xattr.user.b": "Mg=="}),
       m("acl", data=b"a", pax={"SCHILY.acl.access":
                                "user::rw-,group::r--,other::r--"})]
sets = [("ustar", tarfile.USTAR_FORMAT, tree, 0),
        ("gnu", tarfile.GNU_FORMAT, tree + [m("g/" + "L" * 120, data=b"1")], 2),
        ("pax", tarfile.PAX_FORMAT, tree + pax, 4),
        ("aufs", tarfile.PAX_FORMAT, aufs, 1),
        ("all", tarfile.GNU_FORMAT, tree + aufs[1:], 7)]
for name, fmt, members, flags in sets:
    f = io.BytesIO()
    with tarfile.open(fileobj=f, mode="w", format=fmt) as tf:
        for t, data in members:
            tf.addfile(t, io.BytesIO(data) if data else None)
    b = f.getvalue().rstrip(b"\0")
    b += b"\0" * (-len(b) % 512) + b"\0" * 1024
    open(f"{out}/{name}", "wb").write(bytes([flags]) + b)
PY
du -sk "$OUT"
