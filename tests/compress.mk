# SPDX-License-Identifier: GPL-2.0+
# Compressed images (issue 6): kernel round trips for every algorithm and
# option, Debian's fsck.erofs 1.5 on lz4/lz4hc images, --workers
# byte-identity, fingerprints of compressed files.  tests/local.mk
# includes this; scripts that need root or loop devices exit 77.
COMPRESS_TESTS = \
	tests/compress/bad-args.sh \
	tests/compress/workers.sh \
	tests/compress/lz4.sh \
	tests/compress/lzma-zstd.sh \
	tests/compress/ishare.sh \
	tests/compress/oracle.sh \
	tests/compress/dedupe-big.sh \
	tests/compress/dedupe-repeat.sh \
	tests/compress/shared-ends.sh \
	tests/compress/in-place.sh
TESTS += $(COMPRESS_TESTS)
EXTRA_DIST += $(COMPRESS_TESTS) \
	tests/compress/common.sh \
	tests/compress/fixtures
