/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * In-memory superblock, shared by the image writer and the image reader.
 */
#ifndef __EROFS_INTERNAL_H
#define __EROFS_INTERNAL_H

#include <sys/stat.h>
#include "erofs/erofs_fs.h"

struct erofs_xattr_prefix {
	u8 base_index;		/* short prefix the infix extends, or 0 */
	u8 infix_len;
	char *infix;		/* NUL-terminated copy for convenience */
};

struct erofs_sb_info {
	unsigned int blkszbits;
	u32 feature_compat;
	u32 feature_incompat;
	u64 root_nid;
	u64 inos;
	s64 epoch;		/* build time, seconds */
	u32 fixed_nsec;		/* build time, nanoseconds */
	u64 blocks;
	u32 meta_blkaddr;
	u32 xattr_blkaddr;
	u8 uuid[16];
	char volume_name[17];
	u32 xattr_prefix_start;
	unsigned int xattr_prefix_count;
	struct erofs_xattr_prefix *xattr_prefixes;
	int ishare_prefix_id;	/* table index of the fingerprint NAME, or -1 */
	u32 checksum;
};

static inline unsigned int erofs_blksiz(const struct erofs_sb_info *sbi)
{
	return 1U << sbi->blkszbits;
}

static inline u64 erofs_pos(const struct erofs_sb_info *sbi, u64 blkaddr)
{
	return blkaddr << sbi->blkszbits;
}

static inline u64 erofs_iloc(const struct erofs_sb_info *sbi, u64 nid)
{
	return erofs_pos(sbi, sbi->meta_blkaddr) + (nid << EROFS_ISLOTBITS);
}

/* crc32c as the kernel computes it: seed passed in, no final inversion */
u32 erofs_crc32c(u32 crc, const void *data, size_t len);

/* bytes of the superblock block that SB_CHKSUM covers, from offset 1024 */
static inline unsigned int erofs_sb_csum_len(unsigned int blksz)
{
	return blksz > EROFS_SUPER_OFFSET ? blksz - EROFS_SUPER_OFFSET : blksz;
}

void erofs_sb_release(struct erofs_sb_info *sbi);

/* EROFS_FT_* for a mode, EROFS_FT_UNKNOWN for a bad type */
static inline unsigned int erofs_mode_to_ftype(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return EROFS_FT_REG_FILE;
	case S_IFDIR: return EROFS_FT_DIR;
	case S_IFCHR: return EROFS_FT_CHRDEV;
	case S_IFBLK: return EROFS_FT_BLKDEV;
	case S_IFIFO: return EROFS_FT_FIFO;
	case S_IFSOCK: return EROFS_FT_SOCK;
	case S_IFLNK: return EROFS_FT_SYMLINK;
	}
	return EROFS_FT_UNKNOWN;
}

#endif
