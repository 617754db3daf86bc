/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * What mounting several images in one sharing domain saves: files with
 * equal fingerprints (under the same prefix NAME) share one page cache.
 * Fed with every regular file of every image, it groups them and counts
 * the page cache that reading everything once takes without and with
 * sharing.
 *
 * Images come alone (every regular file is read) or as layers of
 * overlayfs stacks, as container runtimes mount them: then a file is read
 * only where some stack's merged view shows it.  The overlayfs rules live
 * here, in one place: an upper entry hides the lower one of the same
 * path, a whiteout (char 0:0) deletes it, an upper non-directory hides
 * everything below its path, and so does an opaque directory
 * (trusted.overlay.opaque "y").  A layer is one mount, however many
 * stacks use it; an image given alone is always a mount of its own.
 */
#ifndef __EROFS_ISHARE_REPORT_H
#define __EROFS_ISHARE_REPORT_H

#include <stdio.h>
#include "erofs/defs.h"

#define EROFS_ISHARE_PAGE_SIZE	4096

struct erofs_ishare_report;
struct erofs_image;
struct erofs_inode;

/* what an entry of a layer is to overlayfs */
enum erofs_ishare_kind {
	EROFS_ISHARE_REG,	/* regular file: read when visible */
	EROFS_ISHARE_DIR,	/* merges with lower directories */
	EROFS_ISHARE_OPAQUE,	/* directory that hides everything below */
	EROFS_ISHARE_WHITEOUT,	/* char 0:0: deletes the lower path */
	EROFS_ISHARE_OTHER,	/* symlink, device, fifo, socket */
};

struct erofs_ishare_report *erofs_ishare_report_new(void);
void erofs_ishare_report_free(struct erofs_ishare_report *r);

/*
 * Start the next image; @fp_name is its fingerprint prefix NAME or NULL
 * when it has none.  Returns the image index or -ENOMEM.
 */
int erofs_ishare_report_add_image(struct erofs_ishare_report *r,
				  const char *path, const char *fp_name);

/*
 * Start the next layer image: as add_image(), and @dev, @ino identify
 * the image file (fstat), so that a layer named twice is mounted once.
 */
int erofs_ishare_report_add_layer(struct erofs_ishare_report *r,
				  const char *path, const char *fp_name,
				  u64 dev, u64 ino);

/* the index of the layer added with file @dev, @ino, or -ENOENT */
int erofs_ishare_report_find_layer(const struct erofs_ishare_report *r,
				   u64 dev, u64 ino);

/* the kind of @vi (its mode, rdev and opaque xattr), or -errno */
int erofs_ishare_kind(struct erofs_image *img, const struct erofs_inode *vi);

/*
 * One regular file (inode) of the current image: @key identifies the
 * inode within the image (its nid) so hard links count once; @digest is
 * NULL when the file has no fingerprint.
 */
int erofs_ishare_report_add_file(struct erofs_ishare_report *r, u64 key,
				 const char *path, u64 size,
				 const u8 *digest);

/*
 * Any entry of the current image, the root ("/") included: a layer needs
 * them all for the merge; an image alone keeps only regular files.
 */
int erofs_ishare_report_add_entry(struct erofs_ishare_report *r, u64 key,
				  const char *path, enum erofs_ishare_kind kind,
				  u64 size, const u8 *digest);

/*
 * A stack named @name of @n layers (indexes from add_layer), lowest
 * first.  -EEXIST: the name is taken; -ELOOP: a layer appears twice.
 */
int erofs_ishare_report_add_stack(struct erofs_ishare_report *r,
				  const char *name, const int *layers,
				  unsigned int n);

/* merge the stacks, group and total everything; call once, before printing */
int erofs_ishare_report_finish(struct erofs_ishare_report *r);

/* @top: groups to list, 0 for all */
void erofs_ishare_report_print_text(const struct erofs_ishare_report *r,
				    FILE *out, unsigned long top);
void erofs_ishare_report_print_json(const struct erofs_ishare_report *r,
				    FILE *out, unsigned long top);

#endif
