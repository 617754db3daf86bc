/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * What mounting several images in one sharing domain saves: files with
 * equal fingerprints (under the same prefix NAME) share one page cache.
 * Fed with every regular file of every image, it groups them and counts
 * the page cache that reading everything once takes without and with
 * sharing.
 */
#ifndef __EROFS_ISHARE_REPORT_H
#define __EROFS_ISHARE_REPORT_H

#include <stdio.h>
#include "erofs/defs.h"

#define EROFS_ISHARE_PAGE_SIZE	4096

struct erofs_ishare_report;

struct erofs_ishare_report *erofs_ishare_report_new(void);
void erofs_ishare_report_free(struct erofs_ishare_report *r);

/*
 * Start the next image; @fp_name is its fingerprint prefix NAME or NULL
 * when it has none.  Returns the image index or -ENOMEM.
 */
int erofs_ishare_report_add_image(struct erofs_ishare_report *r,
				  const char *path, const char *fp_name);

/*
 * One regular file (inode) of the current image: @key identifies the
 * inode within the image (its nid) so hard links count once; @digest is
 * NULL when the file has no fingerprint.
 */
int erofs_ishare_report_add_file(struct erofs_ishare_report *r, u64 key,
				 const char *path, u64 size,
				 const u8 *digest);

/* group and total everything added; call once, before printing */
int erofs_ishare_report_finish(struct erofs_ishare_report *r);

/* @top: groups to list, 0 for all */
void erofs_ishare_report_print_text(const struct erofs_ishare_report *r,
				    FILE *out, unsigned long top);
void erofs_ishare_report_print_json(const struct erofs_ishare_report *r,
				    FILE *out, unsigned long top);

#endif
