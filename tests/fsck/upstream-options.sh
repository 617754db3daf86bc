#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# The fsck(8) flags that fsck and systemd-fsck pass (-a, -A, -y, and -n
# with fsck.repair=no) change nothing: a clean image exits 0 and a
# damaged one exits 4 with the same report as without them, and the
# image is never written.  -V names the decompressors as erofs-utils does.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

src=$tmp/src
mkdir -p "$src/d"
head -c 20000 /dev/urandom >"$src/d/f"
printf hello >"$src/a"
img=$tmp/img
"$MKFS" --quiet --ishare_key "$img" "$src" >/dev/null || fail mkfs
# a damaged copy: one byte of d/f's data flipped, so its fingerprint fails
cp "$img" "$tmp/bad.img"
off=$(python3 - "$tmp/bad.img" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
ref = open(sys.argv[1].replace("bad.img", "src/d/f"), "rb").read()[:64]
print(data.index(ref))
PY
) || fail "no data of d/f in the image"
printf '\377' | dd of="$tmp/bad.img" bs=1 seek="$off" conv=notrunc \
	status=none
for f in "$img" "$tmp/bad.img"; do
	stamp=$(image_stamp "$f")
	[ "$f" = "$img" ] && want=0 || want=4
	expect_rc $want "$f"
	cp "$tmp/out" "$tmp/plain.out"
	for flags in -a -A -y -n "-a -n" "-p -n"; do
		# shellcheck disable=SC2086
		expect_rc $want $flags "$f"
		[ "$flags" = "-p -n" ] && continue
		cmp -s "$tmp/out" "$tmp/plain.out" ||
			fail "fsck $flags $f reports differently: $(cat "$tmp/out")"
	done
	[ "$(image_stamp "$f")" = "$stamp" ] || fail "$f changed"
done
grep -q "fingerprint" "$tmp/plain.out" ||
	fail "the damaged image was not reported: $(cat "$tmp/plain.out")"
expect_rc 16 -x "$img"

run_fsck -V
[ "$rc" = 0 ] && grep -qx 'available decompressors: lz4, lzma, zstd' \
	"$tmp/out" || fail "-V: $(cat "$tmp/out")"
echo "PASS: -a -A -y -n are no-ops; -V lists the decompressors"
