# SPDX-License-Identifier: GPL-2.0+
# fsck.erofs tests: append `TESTS += tests/fsck/NAME.sh` here.  Scripts run
# with the environment set up in tests/local.mk (MKFS_EROFS, FSCK_EROFS, ...).
