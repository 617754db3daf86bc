#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
#
# SH_LOG_COMPILER of the suite: run one test script with bash and end its
# log with how long it took ("# took: SECONDS s"), so that tests/summary.sh
# can name the slowest tests and the suite's time budget stays visible.
# The test's exit status is passed through unchanged.
start=$(date +%s%N)
bash "$@"
rc=$?
end=$(date +%s%N)
echo "# took: $(( (end - start) / 1000000000 )).$(( (end - start) / 100000000 % 10 )) s"
exit $rc
