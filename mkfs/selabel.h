/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * mkfs.erofs --file-contexts: SELinux labels from a file_contexts file.
 */
#ifndef __MKFS_SELABEL_H
#define __MKFS_SELABEL_H

#include "erofs/defs.h"

struct mkfs_selabel;

/*
 * Read @path (and @path.homedirs, .local, .subs, .subs_dist when they
 * exist); @mount_point (or NULL) prefixes every path looked up.  Returns
 * 0 or -errno after one error line naming the file and line.
 */
int mkfs_selabel_open(struct mkfs_selabel **db, const char *path,
		      const char *mount_point);

/* the label of @rel ("" for the root) of type @mode, or NULL for none */
const char *mkfs_selabel_lookup(void *db, const char *rel, u32 mode);

void mkfs_selabel_close(struct mkfs_selabel *db);

#endif
