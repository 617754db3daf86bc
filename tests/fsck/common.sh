# SPDX-License-Identifier: GPL-2.0+
# Sourced by the fsck tests: where things are, a scratch directory, helpers.
# make check exports top_srcdir, MKFS_EROFS and FSCK_EROFS (tests/local.mk);
# by hand, run from the top build directory with srcdir set.
set -u
srcdir=${top_srcdir:-${srcdir:-.}}
TESTDIR=$srcdir/tests/fsck
MKFS=${MKFS_EROFS:-./mkfs/mkfs.erofs}
FSCK=${FSCK_EROFS:-./fsck/fsck.erofs}
DUMP=${DUMP_EROFS:-./dump/dump.erofs}
DEB_MKFS=${DEB_MKFS:-/usr/bin/mkfs.erofs}
# generous: the suite also runs under ASan and UBSan
TIMEOUT=${TIMEOUT:-300}
. "$srcdir/tests/build-kind.sh"

command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -x "$MKFS" ] && [ -x "$FSCK" ] || { echo "FAIL: build first"; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/erofs-fsck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run fsck with a timeout, stdout+stderr to $tmp/out; sets $rc
run_fsck() {
	rc=0
	timeout "$TIMEOUT" "$FSCK" "$@" >"$tmp/out" 2>&1 || rc=$?
}

expect_rc() {
	want=$1
	shift
	run_fsck "$@"
	[ "$rc" = "$want" ] || { cat "$tmp/out" >&2; fail "fsck $* exited $rc, wanted $want"; }
}

# sha256 and mtime: the image must come out of fsck untouched
image_stamp() {
	echo "$(sha256sum <"$1") $(stat -c '%y %s' "$1")"
}

# gentree DIR [--small] [--seed N] [--longname N]: the fsck shape
gentree() {
	python3 "$srcdir/tests/gen_tree.py" --shape=fsck "$@"
}

# ztree DIR [--small|--tiny] [--xattrs]: the compress shape
ztree() {
	python3 "$srcdir/tests/gen_tree.py" --shape=compress "$@"
}

treecmp() {
	python3 "$TESTDIR/treecmp.py" "$@" >"$tmp/cmp" ||
		{ head -40 "$tmp/cmp" | cut -c1-300 >&2; fail "extracted tree differs ($*)"; }
}
