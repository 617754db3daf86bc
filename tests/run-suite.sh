#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
#
# The whole test suite of one configured build directory:
#
#   tests/run-suite.sh [BUILDDIR]        (default: the current directory)
#
# Runs `make check` there (JOBS=N parallel jobs, default 2), then prints the
# failing and skipped tests and, as the very last line,
# "N passed, M failed[, K skipped]".  Exit status 0 only when nothing
# failed.  Results of an earlier run are removed first, so a test that
# cannot run now counts as failed instead of passing on stale results.

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-.}
start=$(date +%s)

# a changed Makefile.am regenerates the Makefile first, noisily
make -s --no-print-directory -C "$build" Makefile >/dev/null 2>&1
tests=$(make -s --no-print-directory -C "$build" list-tests) || {
	echo "run-suite: cannot list the tests of '$build'"
	echo "0 passed, 1 failed"
	exit 1
}
exts=$(make -s --no-print-directory -C "$build" list-test-extensions)
for t in $tests; do
	base=$t
	for e in $exts; do
		case $t in *"$e") base=${t%"$e"}; break ;; esac
	done
	rm -f "$build/$base.trs" "$build/$base.log"
done

make_failed=
make --no-print-directory -C "$build" -j"${JOBS:-2}" check || make_failed=--make-failed
echo "run-suite: $build: $(($(date +%s) - start)) s"
cd "$build" && exec sh "$srcdir/tests/summary.sh" --ext "$exts" $make_failed $tests
