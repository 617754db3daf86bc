#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# -z lz4 and -z lz4hc[,LEVEL]: the kernel reads back every file of a tree
# with sizes around block edges, and Debian's fsck.erofs 1.5 accepts and
# extracts the 4 KiB-block images.
. "$(dirname "$0")/common.sh"
need_kernel_mount
setup

gen_tree "$WORK/src"
i=0
for opts in "-zlz4" "-zlz4hc" "-zlz4hc,0" "-zlz4hc,12" "-zlz4hc,level=3" \
	    "-zlz4 -Elegacy-compress" "-zlz4hc -Enoinline_data" \
	    "-zlz4hc -Elegacy-compress -C16384" \
	    "-zlz4hc -Eztailpacking" "-zlz4 -Eztailpacking,legacy-compress" \
	    "-zlz4hc -Eztailpacking -C16384" "-zlz4 -Eztailpacking -b1024" \
	    "-zlz4hc,12 -Eztailpacking -C65536" \
	    "-zlz4hc -Efragments" "-zlz4 -Eall-fragments" \
	    "-zlz4hc -Ededupe" "-zlz4 -Ededupe,ztailpacking,legacy-compress" \
	    "-zlz4hc -Efragments,ztailpacking,legacy-compress -C16384" \
	    "-zlz4hc -C16384" "-zlz4 -C65536" "-zlz4hc -C1048576" \
	    "-zlz4hc -b1024" "-zlz4 -b512" "-zlz4hc -b2048 -C8192"; do
	img=$WORK/$i.img
	# shellcheck disable=SC2086
	mkfs $opts "$img" "$WORK/src" || fail "mkfs $opts"
	roundtrip "$img" "$WORK/src"
	# fsck.erofs 1.5 reads 4 KiB blocks only, and knows no fragments
	# and no partial references (dedupe)
	case "$opts" in
	*-b*|*fragments*|*dedupe*) ;;
	*) debian_fsck "$img" "$WORK/src" ;;
	esac
	# LZ4_0PADDING is always set: kernels since 5.4 expect it
	[ $(( $(sb_incompat "$img") & 1 )) = 1 ] || fail "$opts: no 0padding"
	case "$opts" in
	*fragments*)
		[ $(( $(sb_incompat "$img") & 0x20 )) != 0 ] ||
			fail "$opts: no fragments feature" ;;
	*ztailpacking*)
		[ $(( $(sb_incompat "$img") & 0x10 )) != 0 ] ||
			fail "$opts: no ztailpacking feature" ;;
	esac
	rm -f "$img"
	i=$((i + 1))
done

# dedupe stores dup/c and dup/sub/c once: at least 40 KiB less
mkfs -zlz4hc "$WORK/a.img" "$WORK/src" || fail "mkfs -zlz4hc"
mkfs -zlz4hc -Ededupe "$WORK/b.img" "$WORK/src" || fail "mkfs -Ededupe"
[ $(( $(stat -c %s "$WORK/a.img") - $(stat -c %s "$WORK/b.img") )) -ge 40960 ] ||
	fail "-Ededupe saves less than 40 KiB"
rm -f "$WORK/a.img" "$WORK/b.img"

# xattrs of many sizes move the map header and the first compact pack
# to every 8-byte offset modulo 32
gen_tree "$WORK/xsrc" --small --xattrs
for opts in "-zlz4hc" "-zlz4 -C16384" "-zlz4hc -Elegacy-compress" \
	    "-zlz4hc -Eztailpacking" "-zlz4 -Eztailpacking,legacy-compress" \
	    "-zlz4hc -Efragments"; do
	# shellcheck disable=SC2086
	mkfs $opts "$WORK/x.img" "$WORK/xsrc" || fail "mkfs $opts (xattrs)"
	roundtrip "$WORK/x.img" "$WORK/xsrc"
	case "$opts" in
	*fragments*) ;;
	*) debian_fsck "$WORK/x.img" "$WORK/xsrc" ;;
	esac
done
echo "PASS: $T_NAME"
