#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Damaged images: dump.erofs prints one line naming the image and exits
# 1, never crashes, loops or leaks (sanitizer reports exit 86/87, a hang
# hits the timeout).  Targeted damage to the superblock, the prefix
# table, inodes, directories and fingerprints, then random byte changes
# in the metadata (DUMP_FUZZ_COUNT images, default 50; the libFuzzer
# targets of tests/fuzz go much further) that must give exit 0, or exit 1
# with one line.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
command -v timeout >/dev/null 2>&1 || skip "needs timeout"
need_dump
make_work
CORRUPT="$PYTHON $top_srcdir/tests/dump/corrupt.py"

mkdir -p "$WORK/src/sub/deep" "$WORK/src/e"
for i in 1 2 3 4 5 6; do
	head -c $((i * 3000)) /dev/urandom >"$WORK/src/sub/f$i"
done
head -c 9000 /dev/urandom >"$WORK/src/sub/deep/f"
cp "$WORK/src/sub/deep/f" "$WORK/src/e/copy"
ln -s sub/f1 "$WORK/src/link"
: >"$WORK/src/empty"
BASE=$WORK/base.img BAD=$WORK/bad.img
mkfs_img "$BASE" "$WORK/src" --ishare_key
dump_ok -s "$BASE" >"$WORK/sb"

sbval() {
	sed -n "s/^Filesystem $1: *\([0-9]*\).*/\1/p" "$WORK/sb"
}
ROOT=$(sbval "root nid") META=$(sbval "inode metadata start block")
nid_of() {
	dump_ok --path "$1" "$BASE" | sed -n 's/^NID: \([0-9]*\).*/\1/p'
}
iloc() {
	echo $((META * 4096 + $1 * 32))
}
# image position of the first extent of PATH's data
data_pos() {
	dump_ok --path "$1" -e "$BASE" |
		sed -n 's/^ *0: .*: *\([0-9]*\)\.\..*/\1/p'
}
SUB=$(nid_of /sub) F1=$(nid_of /sub/f1) F6=$(nid_of /sub/f6)
ROOT_DATA=$(data_pos /) SUB_DATA=$(data_pos /sub)
# mkfs writes metadata (with inline tails) first, then data blocks
META_END=$(stat -c %s "$BASE")
for f in /sub/f2 /sub/f3 /sub/f4 /sub/f5 /sub/f6 /sub/deep/f; do
	p=$(data_pos $f)
	[ "$p" -ge "$META_END" ] || META_END=$p
done
note "root nid $ROOT, /sub nid $SUB, /sub/f1 nid $F1, dirs at $ROOT_DATA $SUB_DATA, metadata ends at $META_END"

fresh() {
	cp "$BASE" "$BAD"
}

# damaged NAME WORDS DUMP-ARGS...: every given mode fails with one line
damaged() {
	local name=$1 words=$2

	shift 2
	note "$name"
	dump_fails "$words" "$@" "$BAD"
}

# --- superblock -----------------------------------------------------
fresh; $CORRUPT put "$BAD" 1024 '<I' 0 --no-resign
damaged "no magic" "bad.img: not an erofs image" -s
damaged "no magic, report" "bad.img: not an erofs image" --ishare-report
fresh; $CORRUPT put "$BAD" $((1024 + 0x40)) B 0x41 --no-resign
damaged "bad checksum" "bad.img: superblock checksum" -s
fresh; $CORRUPT put "$BAD" $((1024 + 0xc)) B 30
damaged "block size 2^30" "bad.img: block size" -s
fresh; $CORRUPT put "$BAD" $((1024 + 0xe)) '<H' 0xffff
damaged "root nid past the end" "bad.img:" -S
fresh; $CORRUPT put "$BAD" $((1024 + 0x50)) '<I' 0x80000040
damaged "unknown incompat feature" "bad.img:" -s
fresh; $CORRUPT put "$BAD" $((1024 + 0x28)) '<I' 0x10000000
damaged "inode area past the end" "bad.img:" -s
fresh; $CORRUPT put "$BAD" $((1024 + 0x5b)) B 200
damaged "prefix table of 200" "bad.img:" --ishare-report
fresh; $CORRUPT put "$BAD" $((1024 + 0x69)) B 7
damaged "fingerprint prefix id 7 of 1" "bad.img:" --ishare-report
fresh; $CORRUPT put "$BAD" $((1024 + 0x5c)) '<I' 0x3fffffff
damaged "prefix table past the end" "bad.img:" -s
fresh; $CORRUPT put "$BAD" $((1024 + 0xd)) B 255
damaged "255 extension slots" "bad.img:" -s

# --- size ----------------------------------------------------------
for n in 0 1 1100 4096; do
	head -c $n "$BASE" >"$BAD"
	damaged "image of $n bytes" "bad.img:" -S
done
head -c $(($(stat -c %s "$BASE") / 2)) "$BASE" >"$BAD"
damaged "half an image" "bad.img:" --ishare-report

# --- inodes ----------------------------------------------------------
fresh; $CORRUPT put "$BAD" $(($(iloc "$ROOT") + 4)) '<H' 0
damaged "root without a mode" "bad.img:" -S
fresh; $CORRUPT put "$BAD" $(($(iloc "$F1") + 0)) '<H' 0xe0
damaged "unknown i_format bits" "nid $F1" --ishare-report
fresh; $CORRUPT put "$BAD" $(($(iloc "$F1") + 2)) '<H' 0xffff
damaged "xattr body past the end" "nid $F1" --ishare-report
# a layer's directories are read for their xattrs (opaque) as well
fresh; $CORRUPT put "$BAD" $(($(iloc "$SUB") + 2)) '<H' 0xffff
note "directory xattr body past the end, layer"
dump_fails "nid $SUB" --ishare-report --stack "s=$BASE,$BAD"
fresh; $CORRUPT put "$BAD" $(($(iloc "$F6") + 0x10)) '<I' 0x7fffffff
damaged "data blocks past the end" "nid $F6" --path /sub/f6 --cat
damaged "data blocks past the end, -S" "nid $F6" -S
fresh; $CORRUPT put "$BAD" $(($(iloc "$SUB") + 8)) '<I' 0xfffffff0
damaged "huge directory" "bad.img:" -S
damaged "nid past the end" "nid 99999999" --nid 99999999

# --- directories -----------------------------------------------------
fresh; $CORRUPT swap64 "$BAD" "$ROOT_DATA" 4096 "$SUB" "$ROOT"
damaged "directory loop" "reached twice" -S
damaged "directory loop, report" "reached twice" --ishare-report
fresh; $CORRUPT put "$BAD" $((ROOT_DATA + 8)) '<H' 0xfff0
damaged "bad first nameoff" "bad.img:" --ls
fresh; $CORRUPT swap64 "$BAD" "$SUB_DATA" 4096 "$F1" 0x7fffffffff
damaged "dirent nid past the end" "bad.img:" --ishare-report
fresh; $CORRUPT bytes "$BAD" $((SUB_DATA + 12 * 3 + 8)) ffff
damaged "nameoff out of the block" "bad.img:" --path /sub/deep/f

# --- fingerprints ----------------------------------------------------
fresh; $CORRUPT bytes "$BAD" "$($CORRUPT find "$BAD" sha256: 4096)" 78
# --ishare-report names the file and goes on: tests/dump/hostile.sh
damaged "malformed fingerprint, -S" "bad.img:" -S

# --- random damage -----------------------------------------------------
# A tree that is mostly metadata (directories, empty and tiny files, hard
# links, symlinks, fingerprints), all of it deterministic: the same seed
# damages the same bytes on every run.
F=$WORK/fsrc
for d in a a/b a/b/c x y/z; do
	mkdir -p "$F/$d"
	for i in 1 2 3; do
		printf 'file %s %s\n' "$d" "$i" >"$F/$d/t$i"
		: >"$F/$d/e$i"
	done
	ln -s ../t1 "$F/$d/s"
done
ln "$F/a/t1" "$F/x/hard"
printf 'file a 1\n' >"$F/y/same-as-a-t1"
mkfs_img "$WORK/fbase.img" "$F" --ishare_key
count=${DUMP_FUZZ_COUNT:-50}
mkdir "$WORK/fuzz"
$CORRUPT fuzz "$WORK/fbase.img" "$WORK/fuzz" "$count" 1024 \
	"$(stat -c %s "$WORK/fbase.img")"
note "$count randomly damaged images"
fails=0
# fuzz_run SEED ARGS...: exit 0, or exit 1 with one line
fuzz_run() {
	local seed=$1 rc=0 lines

	shift
	timeout 20 "$DUMP_EROFS" "$@" >/dev/null 2>"$WORK/fuzz.err" || rc=$?
	# --ishare-report names each file with an untrustworthy fingerprint,
	# goes on and exits 1 at the end: those lines count as one
	untrusted=$(grep -c 'untrustworthy' "$WORK/fuzz.err" || true)
	lines=$(grep -v '^dump.erofs: warning: ' "$WORK/fuzz.err" |
		grep -cv 'untrustworthy' || true)
	[ "$untrusted" = 0 ] || [ "$rc:$lines" != 1:0 ] || lines=1
	case $rc:$lines in
	0:0 | 1:1) ;;
	*) fail "fuzz seed $seed, dump.erofs $*: exit $rc, stderr: $(head -c 2000 "$WORK/fuzz.err")" ;;
	esac
	[ "$rc" = 0 ] || fails=$((fails + 1))
}
for seed in $(seq 1 "$count"); do
	img=$WORK/fuzz/fuzz-$seed.img
	for args in "-s -S" "--ishare-report --json" "--path /a/b/c/t2 -e" \
		"--ls --path /a/b" "--cat --path /y/same-as-a-t1"; do
		# shellcheck disable=SC2086
		fuzz_run "$seed" $args "$img"
	done
	fuzz_run "$seed" --ishare-report --stack "s=$WORK/fbase.img,$img"
done
note "$fails of $((count * 6)) runs found the damage"
