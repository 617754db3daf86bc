#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# -z lzma[,LEVEL] (extreme too) and -z zstd[,LEVEL]: cfgs records after
# the superblock (dictionary size, window log), big pclusters, several
# algorithms declared at once; the kernel reads back every file.
. "$(dirname "$0")/common.sh"
need_kernel_mount
setup

gen_tree "$WORK/src" --small
i=0
for opts in "-zlzma" "-zlzma,0" "-zlzma,9" "-zlzma,level=109" \
	    "-zlzma -C65536" "-zlzma,6,dictsize=1m -C16384" \
	    "-zlzma -Elegacy-compress -b1024" \
	    "-zzstd" "-zzstd,1" "-zzstd,level=12" "-zzstd -C131072" \
	    "-zzstd,dictsize=65536 -C16384" "-zzstd -C1048576" \
	    "-zzstd -b2048 -C8192" \
	    "-zlzma -Eztailpacking" "-zzstd -Eztailpacking -C65536" \
	    "-zzstd -C131072 -Efragments" "-zlzma -C65536 -Eall-fragments" \
	    "-zzstd -C131072 -Efragments,dedupe" \
	    "-zlzma:zstd" "-zlz4hc:lzma:zstd -C16384"; do
	img=$WORK/$i.img
	# shellcheck disable=SC2086
	mkfs $opts "$img" "$WORK/src" || fail "mkfs $opts"
	roundtrip "$img" "$WORK/src"
	# COMPR_CFGS (0x2) whenever an algorithm other than lz4 is declared
	[ $(( $(sb_incompat "$img") & 3 )) = 3 ] ||
		fail "$opts: no 0padding or no compr_cfgs"
	rm -f "$img"
	i=$((i + 1))
done
echo "PASS: $T_NAME"
