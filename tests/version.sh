#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --version of each tool: the project version from configure, the
# algorithms built in, the compression libraries and the SHA-256 provider
# with the versions of the libraries this process really loads (compared
# with pkg-config's and openssl's own answers), one line each, on stdout,
# exit 0.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
make_work
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
	"$top_builddir/config.h")
[ -n "$version" ] || fail "no PACKAGE_VERSION in $top_builddir/config.h"
: "${FSCK_EROFS:=$top_builddir/fsck/fsck.erofs}"
: "${DUMP_EROFS:=$top_builddir/dump/dump.erofs}"

libs="compression libraries: liblz4 $(pkg-config --modversion liblz4)"
libs="$libs, liblzma $(pkg-config --modversion liblzma)"
libs="$libs, libzstd $(pkg-config --modversion libzstd)"
ssl=
command -v openssl >/dev/null && ssl=$(openssl version -v |
	sed -n 's/.*(Library: \(.*\))$/\1/p')

for t in "mkfs.erofs:$MKFS_EROFS:compressors: lz4, lz4hc, lzma, zstd" \
	 "fsck.erofs:$FSCK_EROFS:decompressors: lz4, lzma, zstd" \
	 "dump.erofs:$DUMP_EROFS:decompressors: lz4, lzma, zstd"; do
	name=${t%%:*} rest=${t#*:}
	bin=${rest%%:*} algs=${rest#*:}
	"$bin" --version >"$WORK/out" 2>"$WORK/err" ||
		fail "$name --version exits $?"
	[ ! -s "$WORK/err" ] || fail "$name --version writes to stderr"
	[ "$(wc -l <"$WORK/out")" = 4 ] || fail "$name: not 4 lines"
	sed -n 1p "$WORK/out" | grep -qxF "$name (erofs-tools) $version" ||
		fail "$name: first line is '$(sed -n 1p "$WORK/out")'"
	sed -n 2p "$WORK/out" | grep -qxF "available $algs" ||
		fail "$name: second line is '$(sed -n 2p "$WORK/out")'"
	sed -n 3p "$WORK/out" | grep -qxF "$libs" ||
		fail "$name: third line is '$(sed -n 3p "$WORK/out")'"
	sha=$(sed -n 4p "$WORK/out")
	case $sha in
	"sha256: OpenSSL "*" (libcrypto, default provider)") ;;
	*) fail "$name: fourth line is '$sha'" ;;
	esac
	[ -z "$ssl" ] || [ "$sha" = "sha256: $ssl (libcrypto, default provider)" ] ||
		fail "$name: '$sha', openssl says '$ssl'"
	"$bin" -V | cmp -s - "$WORK/out" || fail "$name: -V differs from --version"
	note "$name: $(tr '\n' '|' <"$WORK/out")"
done
