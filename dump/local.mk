# SPDX-License-Identifier: GPL-2.0+
bin_PROGRAMS += dump/dump.erofs
dump_dump_erofs_SOURCES = \
	dump/dump.h \
	dump/main.c \
	dump/image.c \
	dump/walk.c \
	dump/super.c \
	dump/stats.c \
	dump/inode.c \
	dump/report.c
dump_dump_erofs_LDADD = $(EROFS_LIBS)
dist_man_MANS += man/dump.erofs.1
