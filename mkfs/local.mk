# SPDX-License-Identifier: GPL-2.0+
bin_PROGRAMS += mkfs/mkfs.erofs
mkfs_mkfs_erofs_SOURCES = mkfs/main.c mkfs/selabel.c mkfs/selabel.h
mkfs_mkfs_erofs_CFLAGS = $(AM_CFLAGS) $(SELINUX_CFLAGS)
mkfs_mkfs_erofs_LDADD = $(EROFS_LIBS) $(SELINUX_LIBS)
