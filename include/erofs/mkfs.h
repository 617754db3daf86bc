/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * The image writer: a source directory in, an EROFS image out.
 */
#ifndef __EROFS_MKFS_H
#define __EROFS_MKFS_H

#include <regex.h>
#include <sys/types.h>
#include "erofs/defs.h"

struct erofs_progress;

struct erofs_mkfs_cfg {
	const char *source;		/* source directory, or tar archive */
	bool tar;			/* --tar: source is a tar (NULL: stdin) */
	bool aufs;			/* --aufs: .wh. files to overlayfs */
	bool ovlfs_strip;		/* --ovlfs-strip: drop whiteouts */
	bool hard_dereference;		/* hard links become separate inodes */
	const char *tar_filter;		/* "gzip", "xz" or NULL: plain tar */
	const char *image_name;		/* for messages only */
	/* an old image at the destination, replaced by this build: when it
	 * lies inside the source it is left out (st_ino 0: none) */
	dev_t old_image_dev;
	ino_t old_image_ino;
	unsigned int blkszbits;
	const char *label;		/* NULL: none */
	bool uuid_set;
	u8 uuid[16];
	s64 timestamp;			/* -T / SOURCE_DATE_EPOCH; -1: now */
	bool timestamp_all;		/* -T also sets every file's mtime */
	bool clamp_mtime;		/* SOURCE_DATE_EPOCH: an mtime at or
					 * past the build time becomes it,
					 * older ones stay */
	bool ignore_mtime;		/* every mtime = build time */
	s64 force_uid, force_gid;	/* -1: keep */
	s64 uid_offset, gid_offset;
	long xattr_tolerance;		/* < 0: no xattrs; shared if count > */
	bool noinline_data;
	bool force_compact;		/* -E force-inode-compact */
	bool force_extended;		/* -E force-inode-extended */
	bool no_sbcrc;			/* -E nosbcrc: no superblock checksum */
	bool no_xattr_filter;		/* -E ^xattr-name-filter */
	u64 offset;			/* --offset: the image starts this many
					 * bytes into the output */
	unsigned int fsalignblks;	/* image size a multiple of this many
					 * blocks (a power of 2); 0: any */
	const char *const *exclude_paths;
	unsigned int n_exclude_paths;
	const regex_t *exclude_regexes;
	unsigned int n_exclude_regexes;
	const char *const *xattr_prefixes;	/* --xattr-prefix */
	unsigned int n_xattr_prefixes;
	const char *ishare_name;	/* fingerprint NAME, NULL: none */
	/*
	 * --file-contexts, directory sources: the SELinux label of @rel (the
	 * path below the source, "" for its root) of file type @mode, or
	 * NULL for none.  It replaces the source's security.selinux.
	 */
	const char *(*selabel)(void *arg, const char *rel, u32 mode);
	void *selabel_arg;
	unsigned int workers;		/* 0: one per CPU */
	struct erofs_progress *progress;	/* NULL: no progress line */

	/* compression: -z ALG[,LEVEL|,level=N][,dictsize=N][:ALG...] */
	const char *compress;		/* NULL: store files uncompressed */
	unsigned int pclustersize;	/* -C, bytes; 0: one block */
	bool ztailpacking;		/* -E ztailpacking */
	bool fragments;			/* -E fragments: tails in one inode */
	bool all_fragments;		/* -E all-fragments: whole files */
	bool dedupe;			/* -E dedupe: identical files once */
	bool full_indexes;		/* -E legacy-compress: no compact ones */
	const char *tmpdir;		/* -E fragments scratch; NULL: beside the image */
};

/* defaults that match erofs-utils */
void erofs_mkfs_cfg_init(struct erofs_mkfs_cfg *cfg);

/*
 * Check what can be checked before touching the disk (prefix names, ...).
 * Returns 0 or -EINVAL after one error line.
 */
int erofs_mkfs_cfg_validate(const struct erofs_mkfs_cfg *cfg);

/*
 * Build the image into @fd, which must be empty and seekable.  Returns 0
 * or a negative errno after one error line naming the path and cause.
 */
int erofs_mkfs_build(const struct erofs_mkfs_cfg *cfg, int fd);

#endif
