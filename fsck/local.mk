# SPDX-License-Identifier: GPL-2.0+
bin_PROGRAMS += fsck/fsck.erofs
fsck_fsck_erofs_SOURCES = fsck/main.c
fsck_fsck_erofs_LDADD = $(EROFS_LIBS)
dist_man_MANS += man/fsck.erofs.8
