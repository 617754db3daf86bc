#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Bad -z and -C values: exit 1, one error line naming the value, then the
# --help hint, and no image.
. "$(dirname "$0")/common.sh"
setup
mkdir "$WORK/src"
echo data >"$WORK/src/f"

bad() {
	local want=$1; shift
	local rc=0

	"$MKFS_EROFS" "$@" "$WORK/out.img" "$WORK/src" >"$WORK/out" \
		2>"$WORK/err" || rc=$?
	[ $rc = 0 ] && fail "$* was accepted"
	[ $rc = 1 ] || fail "$*: exit code is $rc, not 1"
	[ -e "$WORK/out.img" ] && fail "$*: left an image behind"
	grep -qF "$want" "$WORK/err" ||
		{ cat "$WORK/err" >&2; fail "$*: no error naming '$want'"; }
	[ "$(grep -vc '^Try ' "$WORK/err")" = 1 ] ||
		{ cat "$WORK/err" >&2; fail "$*: not one error line"; }
	return 0
}

bad "unknown compressor 'gzip'" -zgzip
bad "unknown compressor 'lz4x'" -zlz4x,3
bad "not supported by lz4" -zlz4,3
bad "invalid lz4hc level 13" -zlz4hc,13
bad "invalid lz4hc level -1" -zlz4hc,level=-1
bad "invalid option 'lvl=3'" -zlz4hc,lvl=3
bad "invalid option 'level=x'" -zlz4hc,level=x
bad "invalid lzma level 10" -zlzma,10
bad "invalid lzma level 110" -zlzma,level=110
bad "invalid zstd level 0" -zzstd,0
bad "invalid zstd level 23" -zzstd,23
bad "lz4hc takes no dictionary size" -zlz4hc,dictsize=65536
bad "zstd dictionary size" -zzstd,dictsize=3000
bad "lzma dictionary size" -zlzma,dictsize=9m
bad "invalid compressor ''" -z:lz4
bad "physical cluster size 5000" -zlz4 -C5000
bad "physical cluster size 2097152" -zlz4 -C2097152
bad "invalid physical cluster size 'abc'" -zlz4 -Cabc
echo "PASS: $T_NAME"
