# SPDX-License-Identifier: GPL-2.0+
# dump.erofs tests: append `TESTS += tests/dump/NAME.sh` here.  Scripts run
# with the environment set up in tests/local.mk (MKFS_EROFS, DUMP_EROFS, ...).
