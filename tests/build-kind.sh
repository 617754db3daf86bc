# SPDX-License-Identifier: GPL-2.0+
# Sourced (POSIX sh) by tests/lib.sh and tests/fsck/common.sh: what kind of
# build the suite is testing, and how much random sampling it affords.

# in_sanitizer_build: true when the build under test was configured with
# --enable-sanitizers (ASan and UBSan)
in_sanitizer_build() {
	grep -q -e '-fsanitize=' "${top_builddir:-.}/Makefile" 2>/dev/null
}

# sample N: how many random cases a test draws where it would draw N.  In
# the sanitizer build every run of a tool costs several times more (ASan
# maps its shadow memory at each start: ~60 ms against ~5 ms), so random
# samples shrink to a third there (at least 1); the build without
# sanitizers draws all N, so what a sample must detect is checked in full.
# A test samples within each kind of case, never which kinds it covers.
sample() {
	if in_sanitizer_build; then
		echo $((($1 + 2) / 3))
	else
		echo "$1"
	fi
}
