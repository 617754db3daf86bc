#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
#
# SH_LOG_COMPILER of the suite: run one test script with bash and end its
# log with how long it took and how much CPU it and its children used
# ("# took: SECONDS s, cpu CPU s"), so that tests/summary.sh can name the
# slowest tests.  The CPU time does not stretch with the machine's load,
# so it is the figure to compare between runs.  The test's exit status
# is passed through unchanged.
start=$(date +%s%N)
bash "$@"
rc=$?
end=$(date +%s%N)
# the children's user and system time of this shell: fields 16 and 17
# of /proc/PID/stat (after the command name), in clock ticks
cpu=$(sed 's/^.*) //' "/proc/$$/stat" 2>/dev/null | awk -v hz="$(getconf CLK_TCK)" \
	'{ printf "%.1f", ($14 + $15) / hz }')
echo "# took: $(( (end - start) / 1000000000 )).$(( (end - start) / 100000000 % 10 )) s, cpu $cpu s"
exit $rc
