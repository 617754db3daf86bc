#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# A source that is wrong or changes during the build: missing, not a
# directory, a file that vanishes, grows or shrinks while mkfs reads it (an
# LD_PRELOAD shim makes the change happen at the worst moment: just before
# open, or between fstat and read), a read error, a path too long.  Each:
# exit 1, one line naming the path and the cause, destination untouched.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
[ -f "$FAULT_SHIM" ] || fail "no fault shim at $FAULT_SHIM"
make_work
dest=$(existing_dest "$WORK/out")
new=$WORK/out/new.img

both() {
	local words=$1

	shift
	expect_fail "$dest" "$words" "$@" "$dest" "$WORK/src"
	expect_fail "$new" "$words" "$@" "$new" "$WORK/src"
}

note "missing source, source not a directory"
expect_fail "$dest" "$WORK/nonexistent|No such file" \
	"$MKFS_EROFS" "$dest" "$WORK/nonexistent"
: >"$WORK/plainfile"
expect_fail "$dest" "$WORK/plainfile|not a directory" \
	"$MKFS_EROFS" "$dest" "$WORK/plainfile"
expect_fail "$new" "$WORK/plainfile|not a directory" \
	"$MKFS_EROFS" "$new" "$WORK/plainfile"

# a tree where each file is the victim once
make_src() {
	rm -rf "$WORK/src"
	mkdir -p "$WORK/src/d"
	head -c 5000 /dev/urandom >"$WORK/src/small"      # inline tail
	head -c 2097152 /dev/urandom >"$WORK/src/aligned" # whole blocks, big
	head -c 3000000 /dev/urandom >"$WORK/src/d/big"   # blocks and tail
	echo ok >"$WORK/src/d/other"
}

shim() {
	local mode=$1 victim=$2 words=$3

	note "$mode $victim"
	for d in "$dest" "$new"; do
		make_src
		expect_fail "$d" "$WORK/src/$victim|$words" \
			env LD_PRELOAD="$FAULT_SHIM" \
			ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
			FAULT_MODE="$mode" FAULT_PATH="/src/$victim" \
			"$MKFS_EROFS" --quiet "$d" "$WORK/src"
	done
}

# the shim itself works: without a fault the build succeeds
make_src
LD_PRELOAD="$FAULT_SHIM" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	FAULT_MODE=none FAULT_PATH=/src/small \
	"$MKFS_EROFS" --quiet "$WORK/ok.img" "$WORK/src" ||
	fail "build under the shim without a fault failed"
rm -f "$WORK/ok.img"

for victim in small aligned d/big; do
	shim vanish "$victim" "No such file"
	shim grow "$victim" "changed size"
	shim shrink "$victim" "changed size"
	shim grow-late "$victim" "changed size"
	shim shrink-late "$victim" "changed size"
	shim eio "$victim" "Input/output error"
done

note "a path longer than PATH_MAX"
make_src
name=$(printf 'n%.0s' $(seq 250))
(cd "$WORK/src" && for i in $(seq 17); do mkdir "$name" && cd "$name"; done &&
	echo deep >leaf) || fail "cannot make a deep tree"
both "$WORK/src|longer than" "$MKFS_EROFS" --quiet

make_src
note "destination in a missing directory"
expect_fail "$WORK/missing/x.img" "$WORK/missing/|No such file" \
	"$MKFS_EROFS" --quiet "$WORK/missing/x.img" "$WORK/src"

note "destination is a directory"
mkdir -p "$WORK/isdir/x.img"
expect_fail "$WORK/isdir/x.img" "$WORK/isdir/x.img|directory" \
	"$MKFS_EROFS" --quiet "$WORK/isdir/x.img" "$WORK/src"
