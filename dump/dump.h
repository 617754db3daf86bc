/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to dump.erofs: an open image with its error state, a tree walk
 * on top of the image reader, and the things dump.erofs can show.
 *
 * Every image is untrusted.  The first problem the reader reports is
 * printed as one line and marks the image failed; the caller then stops
 * and dump.erofs exits 1.  Later problems are not printed.
 */
#ifndef __EROFS_DUMP_H
#define __EROFS_DUMP_H

#include <stdio.h>
#include "erofs/reader.h"

struct dump_image {
	struct erofs_image img;
	const char *path;	/* as given on the command line */
	bool failed;		/* a problem has been printed */
};

/* open @path read-only at @offset and read its superblock; 0 or -errno */
int dump_image_open(struct dump_image *d, const char *path, u64 offset);
void dump_image_close(struct dump_image *d);

/*
 * Print "error: IMAGE: MSG" unless a problem was printed already, mark
 * the image failed, and return @err (made negative).
 */
int dump_fail(struct dump_image *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* @err as returned by the reader: print a line for it unless reported */
int dump_check(struct dump_image *d, int err, const char *what);

/* ---- a set of nids (directories seen, hard-linked files counted) ---- */

struct dump_nidset {
	u64 *slots;		/* nid + 1; 0 marks an empty slot */
	u64 cap, count;
};

/* 1 if @nid was new, 0 if it was there already, -ENOMEM */
int dump_nidset_add(struct dump_nidset *s, u64 nid);
void dump_nidset_release(struct dump_nidset *s);

/* ---- walking the tree ---- */

struct dump_entry {
	const char *path;		/* "/" for the root, else "/a/b" */
	const struct erofs_inode *vi;	/* read and checked */
	u64 pnid;			/* parent directory */
};

/*
 * Call @fn for the inode at @root_nid ("/") and then for every inode
 * below it, depth first, each directory's entries in on-disk (sorted)
 * order.  "." and ".." are not visited.  A directory reached twice is a
 * problem of the image.  @fn returns 0 to go on, > 0 to stop the walk
 * (dump_walk() then returns that value), or -errno.
 */
typedef int (*dump_walk_fn)(struct dump_image *d, const struct dump_entry *e,
			    void *arg);
int dump_walk(struct dump_image *d, u64 root_nid, dump_walk_fn fn, void *arg);

/* the path of @nid into a malloc()ed string: 0, -ENOENT or -errno */
int dump_nid_path(struct dump_image *d, u64 nid, char **path);

/* ---- what to show ---- */

/* what a file takes on disk: its size, or its compressed blocks */
u64 dump_ondisk_size(const struct dump_image *d, const struct erofs_inode *vi);

void dump_show_super(struct dump_image *d, FILE *out);
/* --blkid-udev: ID_FS_* lines for udev, as erofs-utils prints them */
void dump_show_blkid_udev(struct dump_image *d, FILE *out);
int dump_show_stats(struct dump_image *d, FILE *out);

struct dump_target {
	u64 nid;
	const char *path;	/* --path, or NULL for --nid */
};

int dump_show_inode(struct dump_image *d, const struct dump_target *t,
		    bool extents, bool ls, FILE *out);
int dump_cat(struct dump_image *d, const struct dump_target *t, FILE *out);

struct dump_report_cfg {
	bool json;
	unsigned long top;	/* groups to list, 0 for all */
	u64 offset;
	char **stacks;		/* --stack NAME=LOWER,...,UPPER */
	int nstacks;
};

/*
 * Why erofs_inode_fingerprint()'s -ENOTUNIQ or -EBADMSG makes a file's
 * fingerprint untrustworthy, for a message
 */
const char *dump_fp_untrusted(int err);

/* 0, or 1 after printing what went wrong */
int dump_ishare_report(char **images, int nimages,
		       const struct dump_report_cfg *cfg, FILE *out);

#endif
