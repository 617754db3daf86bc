#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# The corruption suite (see corrupt.py): over 1,300 damaged copies of an
# image with fingerprints, shared xattrs, hard links and a multi-block
# directory.  Each must exit 4 or 8 when the damage is detectable, never
# crash, hang or trip ASan/UBSan (configure --enable-sanitizers), and
# print at most a few lines.  Set CORRUPT_SEED to vary the random part.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

gentree "$tmp/src" --small
rm -f "$tmp/src/sparse" "$tmp/src/f18_300000"
"$MKFS" --quiet --ishare_key -x1 -T100000 \
	-U 01234567-89ab-cdef-0123-456789abcdef "$tmp/good.img" "$tmp/src" \
	>/dev/null || fail "mkfs"
expect_rc 0 "$tmp/good.img"
mkdir "$tmp/work"
python3 "$TESTDIR/corrupt.py" --fsck "$FSCK" --image "$tmp/good.img" \
	--workdir "$tmp/work" --seed "${CORRUPT_SEED:-4}" \
	--per-kind "$(sample 12)" --detect "$(sample 500)" \
	--anywhere "$(sample 500)" || {
	[ -d "$tmp/work/failures" ] && cp -r "$tmp/work/failures" \
		"${TMPDIR:-/tmp}/erofs-fsck-failures.$$" &&
		echo "failing images kept in ${TMPDIR:-/tmp}/erofs-fsck-failures.$$"
	fail "corruption suite"
}
