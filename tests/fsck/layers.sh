#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Arrows run one way between the reader's library files (the walk, the
# data checks, extraction, problem reporting, the pool): no two of them
# call each other, directly or in a circle (nm of lib/*.o).
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
python3 "$TESTDIR/layers.py" . reader_ || fail "call circles in lib/reader_*"
echo "ok: no call circles among lib/reader_*.c"
