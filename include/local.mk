# SPDX-License-Identifier: GPL-2.0+
# The library's public headers: built against, so also in the tarball.
noinst_HEADERS += \
	include/erofs/defs.h \
	include/erofs/erofs_fs.h \
	include/erofs/features.h \
	include/erofs/fingerprint.h \
	include/erofs/fsck.h \
	include/erofs/internal.h \
	include/erofs/ishare_report.h \
	include/erofs/mkfs.h \
	include/erofs/print.h \
	include/erofs/problem.h \
	include/erofs/progress.h \
	include/erofs/reader.h \
	include/erofs/version.h \
	include/erofs/xattr.h
