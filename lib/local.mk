# SPDX-License-Identifier: GPL-2.0+
noinst_LIBRARIES += lib/liberofs.a
lib_liberofs_a_SOURCES = \
	lib/print.c \
	lib/version.c \
	lib/progress.c \
	lib/crc32c.c \
	lib/features.c \
	lib/xattr_prefix.c \
	lib/fingerprint.c \
	lib/liberofs_hashtab.h \
	lib/hashtab.c \
	lib/liberofs_ishare.h \
	lib/ishare_report.c \
	lib/ishare_stack.c \
	lib/liberofs_mkfs.h \
	lib/mkfs_batch.c \
	lib/mkfs_tree.c \
	lib/mkfs_scan.c \
	lib/mkfs_tar.c \
	lib/mkfs_xattr.c \
	lib/mkfs_meta.c \
	lib/mkfs_write.c \
	lib/compressor.h \
	lib/compressor.c \
	lib/compressor_lz4.c \
	lib/compressor_lzma.c \
	lib/compressor_zstd.c \
	lib/liberofs_zmkfs.h \
	lib/mkfs_compress.c \
	lib/mkfs_zio.c \
	lib/mkfs_zfile.c \
	lib/mkfs_zpacked.c \
	lib/mkfs_zdedupe.c \
	lib/mkfs_zindex.c \
	lib/mkfs_zplace.c
lib_liberofs_a_CFLAGS = $(AM_CFLAGS) $(XXHASH_CFLAGS) $(CRYPTO_CFLAGS) \
	$(UUID_CFLAGS) $(LZ4_CFLAGS) $(LZMA_CFLAGS) $(ZSTD_CFLAGS) $(ZLIB_CFLAGS)
include lib/reader.mk

# what every program linked with lib/liberofs.a needs
EROFS_LIBS = lib/liberofs.a $(XXHASH_LIBS) $(CRYPTO_LIBS) $(UUID_LIBS) \
	$(LZ4_LIBS) $(LZMA_LIBS) $(ZSTD_LIBS) $(ZLIB_LIBS)
