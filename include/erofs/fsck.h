/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * The fsck engine: walks an image from its root (or from one inode),
 * checks every inode, directory block, xattr and data extent, verifies
 * fingerprints, and optionally extracts the tree.  Problems go to the
 * caller's report function with the path of the inode concerned, in walk
 * order whatever the number of worker threads.
 */
#ifndef __EROFS_FSCK_H
#define __EROFS_FSCK_H

#include <sys/types.h>
#include "erofs/problem.h"
#include "erofs/reader.h"

struct erofs_fsck_cfg {
	u64 nid;			/* start inode; EROFS_NID_NONE: root */
	const char *path;		/* or start at this path; NULL */
	bool verify_fingerprints;	/* recompute SHA-256 when recorded */
	bool require_fingerprints;	/* error when the image has none */
	unsigned int workers;		/* data threads; 0: one per CPU */
	struct erofs_progress *progress;	/* NULL: no progress line */

	const char *extract_dir;	/* NULL: check only */
	bool overwrite;			/* replace what exists there */
	bool preserve_owner;		/* chown to the image's uid/gid */
	bool preserve_perms;		/* modes as stored, umask ignored */
	bool xattrs;			/* set xattrs on extracted files */
	mode_t umask;			/* applied unless preserve_perms */

	erofs_report_fn report;		/* required: prints one problem */
	void *report_arg;
};

struct erofs_fsck_stats {
	u64 inodes, dirs, files, symlinks, specials;
	u64 data_bytes;		/* file content read (and hashed) */
	u64 mapped_bytes;	/* of it, stored in blocks (not holes) */
	u64 fingerprints;	/* recomputed and compared */
	u64 extracted;		/* inodes written under extract_dir */
};

/* defaults: verify fingerprints, one worker per CPU, root */
void erofs_fsck_cfg_init(struct erofs_fsck_cfg *cfg);

/*
 * Check (and extract) the image whose superblock has been read.  Every
 * problem found goes through cfg->report.  Returns 0 when the walk ran to
 * its end, or a negative errno when it had to stop (out of memory, the
 * start inode unreadable); the problems decide the verdict either way.
 */
int erofs_fsck_run(struct erofs_image *img, const struct erofs_fsck_cfg *cfg,
		   struct erofs_fsck_stats *st);

#endif
