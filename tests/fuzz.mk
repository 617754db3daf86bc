# SPDX-License-Identifier: GPL-2.0+
# Fuzz targets, one per parser (tests/fuzz/README.md).  With
# --enable-fuzzing (clang) they are libFuzzer binaries that bench/fuzz
# runs; otherwise each is linked with replay.c.  Either way make check
# replays every target's committed corpus and its findings
# (tests/fuzz/replay.sh).
FUZZ_TARGETS = \
	tests/fuzz/fuzz_super \
	tests/fuzz/fuzz_inode \
	tests/fuzz/fuzz_dir \
	tests/fuzz/fuzz_zmap \
	tests/fuzz/fuzz_lz4 \
	tests/fuzz/fuzz_lzma \
	tests/fuzz/fuzz_zstd \
	tests/fuzz/fuzz_plain \
	tests/fuzz/fuzz_fsck \
	tests/fuzz/fuzz_report \
	tests/fuzz/fuzz_tar
check_PROGRAMS += $(FUZZ_TARGETS)
if FUZZING
FUZZ_DRIVER =
else
FUZZ_DRIVER = tests/fuzz/replay.c
endif
FUZZ_COMMON = tests/fuzz/fuzz.h $(FUZZ_DRIVER)
FUZZ_WALK = tests/fuzz/fuzz_walk.c $(FUZZ_COMMON)
FUZZ_LIBS = $(EROFS_LIBS)
FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

tests_fuzz_fuzz_super_SOURCES = tests/fuzz/fuzz_super.c $(FUZZ_COMMON)
tests_fuzz_fuzz_inode_SOURCES = tests/fuzz/fuzz_inode.c $(FUZZ_WALK)
tests_fuzz_fuzz_dir_SOURCES = tests/fuzz/fuzz_dir.c $(FUZZ_WALK)
tests_fuzz_fuzz_zmap_SOURCES = tests/fuzz/fuzz_zmap.c $(FUZZ_WALK)
tests_fuzz_fuzz_fsck_SOURCES = tests/fuzz/fuzz_fsck.c $(FUZZ_WALK)
tests_fuzz_fuzz_report_SOURCES = tests/fuzz/fuzz_report.c \
	tests/fuzz/memfd.h dump/image.c dump/walk.c dump/report.c \
	$(FUZZ_COMMON)
tests_fuzz_fuzz_report_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dump
tests_fuzz_fuzz_tar_SOURCES = tests/fuzz/fuzz_tar.c tests/fuzz/memfd.h \
	$(FUZZ_COMMON)
# one decoder each: the same source, another algorithm
FUZZ_DECODE = tests/fuzz/fuzz_decode.c $(FUZZ_COMMON)
FUZZ_DECODE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
tests_fuzz_fuzz_lz4_SOURCES = $(FUZZ_DECODE)
tests_fuzz_fuzz_lz4_CPPFLAGS = $(FUZZ_DECODE_CPPFLAGS) \
	-DFUZZ_ALG=Z_EROFS_COMPRESSION_LZ4
tests_fuzz_fuzz_lzma_SOURCES = $(FUZZ_DECODE)
tests_fuzz_fuzz_lzma_CPPFLAGS = $(FUZZ_DECODE_CPPFLAGS) \
	-DFUZZ_ALG=Z_EROFS_COMPRESSION_LZMA
tests_fuzz_fuzz_zstd_SOURCES = $(FUZZ_DECODE)
tests_fuzz_fuzz_zstd_CPPFLAGS = $(FUZZ_DECODE_CPPFLAGS) \
	-DFUZZ_ALG=Z_EROFS_COMPRESSION_ZSTD
tests_fuzz_fuzz_plain_SOURCES = $(FUZZ_DECODE)
tests_fuzz_fuzz_plain_CPPFLAGS = $(FUZZ_DECODE_CPPFLAGS) \
	-DFUZZ_ALG=EROFS_ZALG_SHIFTED
tests_fuzz_fuzz_super_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_super_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_inode_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_inode_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_dir_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_dir_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_zmap_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_zmap_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_lz4_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_lz4_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_lzma_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_lzma_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_zstd_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_zstd_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_plain_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_plain_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_fsck_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_fsck_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_report_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_report_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_tar_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_tar_LDFLAGS = $(FUZZ_LINK)

TESTS += tests/fuzz/replay.sh tests/fuzz/configure.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/configure.sh tests/fuzz/corpus tests/fuzz/findings \
	tests/fuzz/dict tests/fuzz/make-corpus.sh tests/fuzz/README.md
