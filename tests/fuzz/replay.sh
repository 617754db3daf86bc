#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Replay every fuzz target's committed corpus (tests/fuzz/corpus/TARGET)
# and its findings (tests/fuzz/findings/TARGET: inputs that once crashed
# it), one run each: a crash, a hang or a sanitizer report fails.  The
# targets are libFuzzer binaries with --enable-fuzzing and plain replay
# drivers otherwise; both take a list of files.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
FUZZ_DIR=$TESTS_DIR/fuzz
TARGETS="super inode dir zmap lz4 lzma zstd plain fsck report tar"
total=0
for t in $TARGETS; do
	bin=$top_builddir/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || fail "no $bin: make check builds it"
	files=()
	for d in "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/findings/$t"; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -f "$f" ] && files+=("$f")
		done
	done
	[ "${#files[@]}" -gt 0 ] || fail "no corpus for fuzz_$t"
	rc=0
	timeout 600 "$bin" "${files[@]}" >"${TMPDIR:-/tmp}/fuzz-replay.$$" 2>&1 ||
		rc=$?
	if [ "$rc" != 0 ]; then
		tail -40 "${TMPDIR:-/tmp}/fuzz-replay.$$" >&2
		rm -f "${TMPDIR:-/tmp}/fuzz-replay.$$"
		fail "fuzz_$t: exit $rc replaying ${#files[@]} inputs"
	fi
	rm -f "${TMPDIR:-/tmp}/fuzz-replay.$$"
	note "fuzz_$t: ${#files[@]} inputs"
	total=$((total + ${#files[@]}))
done
echo "PASS: $T_NAME: $total inputs replayed"
