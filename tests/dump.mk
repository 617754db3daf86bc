# SPDX-License-Identifier: GPL-2.0+
# dump.erofs tests.  Scripts run with the environment set up in
# tests/local.mk (MKFS_EROFS, DUMP_EROFS, ...) and fall back to the build
# tree when run by hand: `bash tests/dump/show.sh`.
DUMP_TESTS = \
	tests/dump/show.sh \
	tests/dump/ishare-pair.sh \
	tests/dump/ishare-many.sh \
	tests/dump/ishare-json-names.sh \
	tests/dump/ishare-names.sh \
	tests/dump/ishare-metadata.sh \
	tests/dump/ishare-stack.sh \
	tests/dump/stack-build.sh \
	tests/dump/damaged.sh \
	tests/dump/upstream-options.sh \
	tests/dump/hostile.sh
TESTS += $(DUMP_TESTS)
EXTRA_DIST += $(DUMP_TESTS) \
	tests/dump/common.sh \
	tests/dump/ishare_check.py \
	tests/dump/ishare_stack.py \
	tests/dump/corrupt.py \
	tests/dump/fixtures
