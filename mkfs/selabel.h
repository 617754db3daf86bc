/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * mkfs.erofs --file-contexts: SELinux labels from a file_contexts file.
 */
#ifndef __MKFS_SELABEL_H
#define __MKFS_SELABEL_H

#include "erofs/defs.h"

struct mkfs_selabel;

/*
 * Open @path with libselinux's file backend (which also reads
 * @path.homedirs, .local, .subs and .subs_dist); @mount_point (or NULL)
 * prefixes every path looked up.  Returns 0 or -errno after one error
 * line naming the file and, from libselinux, the line at fault.
 */
int mkfs_selabel_open(struct mkfs_selabel **db, const char *path,
		      const char *mount_point);

/*
 * the label of @rel ("" for the root) of type @mode; NULL with errno 0 for
 * none, NULL with errno set (after one error line) when the rules cannot
 * be applied
 */
const char *mkfs_selabel_lookup(void *db, const char *rel, u32 mode);

void mkfs_selabel_close(struct mkfs_selabel *db);

#endif
