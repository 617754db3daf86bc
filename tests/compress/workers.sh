#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Compression runs on --workers threads, yet the image is byte-identical
# whatever their number.
. "$(dirname "$0")/common.sh"
setup

gen_tree "$WORK/src" --small
for opts in "-zlz4hc" "-zlz4 -C16384" "-zlzma -C65536" "-zzstd,5" \
	    "-zlz4hc -Eztailpacking" "-zlz4hc -Efragments" \
	    "-zzstd -Eall-fragments -C16384" \
	    "-zzstd -C131072 -Efragments,dedupe"; do
	for n in 1 2 3; do
		# shellcheck disable=SC2086
		mkfs $opts --workers=$n "$WORK/w$n.img" "$WORK/src" ||
			fail "mkfs $opts --workers=$n"
	done
	cmp "$WORK/w1.img" "$WORK/w2.img" ||
		fail "$opts: --workers=1 and --workers=2 differ"
	cmp "$WORK/w1.img" "$WORK/w3.img" ||
		fail "$opts: --workers=1 and --workers=3 differ"
done
# files over 16 MiB are compressed in segments, on all workers
gen_tree "$WORK/big"
for opts in "-zlz4 -Efragments,dedupe" "-zzstd -C65536"; do
	for n in 1 2; do
		# shellcheck disable=SC2086
		mkfs $opts --workers=$n "$WORK/b$n.img" "$WORK/big" ||
			fail "mkfs $opts --workers=$n (big files)"
	done
	cmp "$WORK/b1.img" "$WORK/b2.img" ||
		fail "$opts: --workers=1 and --workers=2 differ on big files"
done
echo "PASS: $T_NAME"
