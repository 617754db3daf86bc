# SPDX-License-Identifier: GPL-2.0+
# fsck.erofs tests: append `TESTS += tests/fsck/NAME.sh` here.  Scripts run
# with the environment set up in tests/local.mk (MKFS_EROFS, FSCK_EROFS, ...).
FSCK_TESTS = \
	tests/fsck/fixtures.sh \
	tests/fsck/options.sh \
	tests/fsck/roundtrip.sh \
	tests/fsck/debian.sh \
	tests/fsck/corrupt.sh \
	tests/fsck/zroundtrip.sh \
	tests/fsck/zcorrupt.sh \
	tests/fsck/shrink.sh \
	tests/fsck/reads.sh \
	tests/fsck/fiemap.sh \
	tests/fsck/upstream-options.sh \
	tests/fsck/hostile.sh \
	tests/fsck/workers.sh
TESTS += $(FSCK_TESTS)
EXTRA_DIST += $(FSCK_TESTS) \
	tests/fsck/common.sh \
	tests/fsck/shrink.py \
	tests/fsck/treecmp.py \
	tests/fsck/fpsame.py \
	tests/fsck/corrupt.py \
	tests/fsck/corrupt_z.py \
	tests/fsck/fiemap.py \
	tests/fsck/patch.py \
	tests/fsck/make-fixtures.sh \
	tests/fsck/fixtures
