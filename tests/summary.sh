#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
#
# Count the results of a `make check` run from its .trs files and print
# "N passed, M failed" (", K skipped" when some were skipped) as the last
# line.  Run it in the build directory with every test of TESTS:
#
#   summary.sh [--ext '.sh'] [--make-failed] TEST...
#
# A test without a .trs file did not run and counts as failed, so a build
# that breaks before the tests cannot look clean.  A run in which nothing
# passed and nothing failed counts one failure: the line can never read
# "0 passed, 0 failed".  --make-failed says `make check` itself failed; if
# no test failure explains it, that counts as one failure too.  Exit: 0
# when nothing failed, else 1.  Before the summary line it names the
# slowest tests (SLOWEST=N of them, default 8) from the "# took:" line
# tests/timed.sh ends each log with.

exts=.sh
make_failed=false
while :; do
	case ${1-} in
	--ext) exts=$2; shift 2 ;;
	--make-failed) make_failed=true; shift ;;
	*) break ;;
	esac
done

pass=0 fail=0 skip=0
for t in "$@"; do
	base=$t
	for e in $exts; do
		case $t in *"$e") base=${t%"$e"}; break ;; esac
	done
	if [ ! -f "$base.trs" ]; then
		echo "NORESULT: $t (it did not run)"
		fail=$((fail + 1))
		continue
	fi
	results=$(sed -n 's/^:test-result: *//p' "$base.trs")
	case " $(echo $results) " in
	"  ")
		echo "NORESULT: $t (empty result file)"
		fail=$((fail + 1)) ;;
	*" FAIL "*|*" XPASS "*|*" ERROR "*)
		echo "FAIL: $t"
		fail=$((fail + 1)) ;;
	*" PASS "*|*" XFAIL "*)
		pass=$((pass + 1)) ;;
	*)
		echo "SKIP: $t"
		skip=$((skip + 1)) ;;
	esac
done

if [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ]; then
	echo "summary: no test passed ($# listed): counted as a failure"
	fail=$((fail + 1))
elif $make_failed && [ "$fail" -eq 0 ]; then
	echo "summary: make check failed with every test passing: counted as a failure"
	fail=$((fail + 1))
fi
# the slowest tests, from the "# took:" line tests/timed.sh ends each log with
for t in "$@"; do
	base=$t
	for e in $exts; do
		case $t in *"$e") base=${t%"$e"}; break ;; esac
	done
	[ -f "$base.log" ] || continue
	sed -n "s|^# took: \([0-9.]*\) s, cpu \([0-9.]*\) s$|\1 \2 $t|p" \
		"$base.log" | tail -n 1
done | sort -rn | head -n "${SLOWEST:-8}" | while read -r secs cpu t; do
	echo "slow: $secs s (cpu $cpu s) $t"
done

line="$pass passed, $fail failed"
[ "$skip" -eq 0 ] || line="$line, $skip skipped"
echo "$line"
[ "$fail" -eq 0 ]
