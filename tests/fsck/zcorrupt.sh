#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# The corruption suite on compressed images (corrupt.py --compressed,
# corrupt_z.py): map headers, lcluster types, deltas, block addresses,
# compact packs, big-pcluster block counts, compressed bytes, pclusters
# past the image end, fragment offsets, ztailpacking inline sizes, and
# random flips over compressed metadata and data.  Each must exit 4 or 8
# when the damage is detectable (most targeted ones with one line), and
# never crash, hang or trip ASan/UBSan.  CORRUPT_SEED varies the random
# part.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

ztree "$tmp/src" --tiny
seed=${CORRUPT_SEED:-6}
n=0
while read -r opts; do
	[ -n "$opts" ] || continue
	img=$tmp/z$n.img
	# shellcheck disable=SC2086
	"$MKFS" --quiet --ishare_key -T100000 \
		-U 01234567-89ab-cdef-0123-456789abcdef $opts "$img" "$tmp/src" \
		>/dev/null || fail "mkfs $opts"
	expect_rc 0 "$img"
	rm -rf "$tmp/work"
	mkdir "$tmp/work"
	python3 "$TESTDIR/corrupt.py" --fsck "$FSCK" --image "$img" \
		--workdir "$tmp/work" --seed $((seed + n)) --compressed \
		--per-kind "$(sample 6)" \
		--detect "$(sample 25)" --anywhere "$(sample 25)" \
		--zdetect "$(sample 120)" --zanywhere "$(sample 120)" \
		>"$tmp/log" || {
		cat "$tmp/log"
		[ -d "$tmp/work/failures" ] && cp -r "$tmp/work/failures" \
			"${TMPDIR:-/tmp}/erofs-zfsck-failures.$$" &&
			echo "failing images kept in ${TMPDIR:-/tmp}/erofs-zfsck-failures.$$"
		fail "corruption suite on $opts"
	}
	echo "ok: $opts: $(tail -1 "$tmp/log")"
	n=$((n + 1))
done <<'LIST'
-zlz4hc -C16384 -Elegacy-compress,ztailpacking
-zlz4 -Eztailpacking
-zzstd -C16384 -Efragments
-zlzma -C65536 -Eall-fragments,dedupe
LIST
