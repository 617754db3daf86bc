#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Kernel round trip at the small block sizes (512, 1024, 2048): directories
# span many blocks, inline tails and xattr bodies cross block boundaries.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd setfacl
make_work
$GEN_TREE "$WORK/src"

roundtrip b512 "-b 512" ""
roundtrip b512-prefix "-b 512 --xattr-prefix=user.long.prefix" ""
roundtrip b1024 "-b 1024 --xattr-prefix=user.long.prefix" ""
roundtrip b2048 "-b 2048" ""
