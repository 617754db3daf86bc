# SPDX-License-Identifier: GPL-2.0+
# The image reader (fsck, dump): superblock, inodes, data maps,
# directories, xattrs; then the fsck engine and extraction on top.
lib_liberofs_a_SOURCES += \
	lib/liberofs_reader.h \
	lib/reader_io.c \
	lib/reader_super.c \
	lib/reader_inode.c \
	lib/reader_data.c \
	lib/reader_map.c \
	lib/reader_dir.c \
	lib/reader_xattr.c \
	lib/liberofs_zreader.h \
	lib/reader_zmap.c \
	lib/reader_zdecode.c \
	lib/reader_zdata.c
lib_liberofs_a_SOURCES += \
	lib/liberofs_fsck.h \
	lib/reader_fsck.c \
	lib/reader_fsck_tab.c \
	lib/reader_fsck_report.c \
	lib/reader_fsck_pool.c \
	lib/reader_fsck_data.c \
	lib/reader_extract.c
