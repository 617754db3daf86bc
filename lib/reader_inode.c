// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * On-disk inodes, compact and extended: decoded into struct erofs_inode
 * only after every field that locates something has been checked against
 * the image.
 */
#include <string.h>
#include <sys/stat.h>
#include "liberofs_reader.h"

#define SYMLINK_MAX	4095	/* PATH_MAX - 1: what readlink can return */

static int locate(struct erofs_image *img, struct erofs_inode *vi)
{
	u64 sb_end = EROFS_SUPER_OFFSET + img->sb_size;

	if (!erofs_nid_pos(img, vi->nid, &vi->iloc) ||
	    !erofs_image_range_ok(img, vi->iloc,
				  sizeof(struct erofs_inode_compact)))
		return erofs_report(img, EROFS_PB_INODE_NID, vi->nid,
				    "inode is past the image end");
	if (vi->iloc + sizeof(struct erofs_inode_compact) > EROFS_SUPER_OFFSET &&
	    vi->iloc < sb_end)
		return erofs_report(img, EROFS_PB_INODE_NID, vi->nid,
				    "inode overlaps the superblock");
	return 0;
}

static int decode_compact(struct erofs_image *img, struct erofs_inode *vi,
			  const struct erofs_inode_compact *dic)
{
	bool nlink1 = !S_ISDIR(le16_to_cpu(dic->i_mode)) &&
		      (vi->i_format & BIT(EROFS_I_NLINK_1_BIT));

	vi->inode_isize = sizeof(*dic);
	vi->xattr_icount = le16_to_cpu(dic->i_xattr_icount);
	vi->mode = le16_to_cpu(dic->i_mode);
	vi->nlink = nlink1 ? 1 : le16_to_cpu(dic->i_nlink);
	/* with NLINK_1 the nlink field holds block address high bits */
	if (nlink1 && dic->i_nlink)
		return erofs_report(img, EROFS_PB_INODE_FORMAT, vi->nid,
				    "block address high bits 0x%x without 48bit",
				    le16_to_cpu(dic->i_nlink));
	vi->size = le32_to_cpu(dic->i_size);
	/* a hostile epoch near the s64 limit: no time is representable */
	if (__builtin_add_overflow(img->sbi.epoch,
				   (s64)le32_to_cpu(dic->i_mtime), &vi->mtime))
		return erofs_report(img, EROFS_PB_INODE_FORMAT, vi->nid,
				    "mtime of %u s after the build time %lld is past the largest time",
				    le32_to_cpu(dic->i_mtime),
				    (long long)img->sbi.epoch);
	vi->mtime_nsec = img->sbi.fixed_nsec;
	vi->ino = le32_to_cpu(dic->i_ino);
	vi->uid = le16_to_cpu(dic->i_uid);
	vi->gid = le16_to_cpu(dic->i_gid);
	vi->rdev = le32_to_cpu(dic->i_u);
	return 0;
}

static int decode_extended(struct erofs_image *img, struct erofs_inode *vi,
			   const struct erofs_inode_extended *die)
{
	vi->inode_isize = sizeof(*die);
	vi->xattr_icount = le16_to_cpu(die->i_xattr_icount);
	vi->mode = le16_to_cpu(die->i_mode);
	if (die->i_nb)
		return erofs_report(img, EROFS_PB_INODE_FORMAT, vi->nid,
				    "block address high bits 0x%x without 48bit",
				    le16_to_cpu(die->i_nb));
	vi->size = le64_to_cpu(die->i_size);
	vi->mtime = (s64)le64_to_cpu(die->i_mtime);
	vi->mtime_nsec = le32_to_cpu(die->i_mtime_nsec);
	if (vi->mtime_nsec >= 1000000000U)
		return erofs_report(img, EROFS_PB_INODE_FORMAT, vi->nid,
				    "mtime nanoseconds %u out of range",
				    vi->mtime_nsec);
	vi->ino = le32_to_cpu(die->i_ino);
	vi->uid = le32_to_cpu(die->i_uid);
	vi->gid = le32_to_cpu(die->i_gid);
	vi->nlink = le32_to_cpu(die->i_nlink);
	vi->rdev = le32_to_cpu(die->i_u);
	return 0;
}

static int read_core(struct erofs_image *img, struct erofs_inode *vi)
{
	union {
		struct erofs_inode_compact c;
		struct erofs_inode_extended e;
	} raw;
	int err;

	err = erofs_meta_read(img, &raw.c, sizeof(raw.c), vi->iloc);
	if (err)
		return erofs_report(img, EROFS_PB_IO, vi->nid,
				    "cannot read inode: %s", erofs_strerror(err));
	vi->i_format = le16_to_cpu(raw.c.i_format);
	if (vi->i_format & ~EROFS_I_ALL)
		return erofs_report(img, EROFS_PB_INODE_FORMAT, vi->nid,
				    "unknown i_format bits 0x%x", vi->i_format);
	vi->version = vi->i_format & EROFS_I_VERSION_MASK;
	vi->datalayout = (vi->i_format >> EROFS_I_DATALAYOUT_BIT) &
			 EROFS_I_DATALAYOUT_MASK;
	if (vi->datalayout >= EROFS_INODE_DATALAYOUT_MAX)
		return erofs_report(img, EROFS_PB_INODE_FORMAT, vi->nid,
				    "unknown data layout %u", vi->datalayout);
	if (vi->version == EROFS_INODE_LAYOUT_COMPACT)
		return decode_compact(img, vi, &raw.c);
	if (!erofs_image_range_ok(img, vi->iloc, sizeof(raw.e)))
		return erofs_report(img, EROFS_PB_INODE_NID, vi->nid,
				    "extended inode runs past the image end");
	err = erofs_meta_read(img, &raw.e, sizeof(raw.e), vi->iloc);
	if (err)
		return erofs_report(img, EROFS_PB_IO, vi->nid,
				    "cannot read inode: %s", erofs_strerror(err));
	return decode_extended(img, vi, &raw.e);
}

static int check_xattr_body(struct erofs_image *img, struct erofs_inode *vi)
{
	vi->xattr_isize = erofs_xattr_ibody_size(vi->xattr_icount);
	/* a header alone is refused by the kernel: "not supported yet" */
	if (vi->xattr_icount == 1)
		return erofs_report(img, EROFS_PB_XATTR_SIZE, vi->nid,
				    "xattr body is a bare header (i_xattr_icount 1)");
	if (!erofs_image_range_ok(img, vi->iloc,
				  (u64)vi->inode_isize + vi->xattr_isize))
		return erofs_report(img, EROFS_PB_XATTR_SIZE, vi->nid,
				    "xattr body of %u bytes runs past the image end",
				    vi->xattr_isize);
	return 0;
}

/* blocks of data in the data area: [startblk, startblk + n) */
static int check_blocks(struct erofs_image *img, const struct erofs_inode *vi,
			u64 n)
{
	u64 end;

	if (!n || (vi->startblk == EROFS_NULL_ADDR &&
		   vi->datalayout == EROFS_INODE_FLAT_PLAIN))
		return 0;
	if (!erofs_add_ok(vi->startblk, n, &end) ||
	    end > (img->data_end >> img->sbi.blkszbits))
		return erofs_report(img, EROFS_PB_INODE_DATA, vi->nid,
				    "data blocks %llu..%llu are past the image end (%llu blocks)",
				    (unsigned long long)vi->startblk,
				    (unsigned long long)(vi->startblk + n - 1),
				    (unsigned long long)(img->data_end >>
							 img->sbi.blkszbits));
	return 0;
}

static int check_inline(struct erofs_image *img, const struct erofs_inode *vi)
{
	unsigned int blksz = erofs_blksiz(&img->sbi);
	u64 nblocks = DIV_ROUND_UP(vi->size, blksz);
	u64 tail = nblocks ? vi->size - (nblocks - 1) * blksz : 0;
	u64 pos = erofs_inode_meta_end(vi);

	if ((pos & (blksz - 1)) + tail > blksz)
		return erofs_report(img, EROFS_PB_INODE_INLINE, vi->nid,
				    "inline tail of %llu bytes crosses a block boundary",
				    (unsigned long long)tail);
	if (!erofs_image_range_ok(img, pos, tail))
		return erofs_report(img, EROFS_PB_INODE_INLINE, vi->nid,
				    "inline tail runs past the image end");
	return check_blocks(img, vi, nblocks ? nblocks - 1 : 0);
}

static int check_chunks(struct erofs_image *img, struct erofs_inode *vi)
{
	unsigned int unit;
	u64 nchunks, pos, len;

	vi->chunkformat = vi->rdev & 0xffff;
	if (vi->chunkformat & ~EROFS_CHUNK_FORMAT_ALL ||
	    vi->chunkformat & EROFS_CHUNK_FORMAT_48BIT)
		return erofs_report(img, EROFS_PB_INODE_CHUNK, vi->nid,
				    "unsupported chunk format 0x%x",
				    vi->chunkformat);
	vi->chunkbits = img->sbi.blkszbits +
		(vi->chunkformat & EROFS_CHUNK_FORMAT_BLKBITS_MASK);
	if (vi->chunkbits > 47)
		return erofs_report(img, EROFS_PB_INODE_CHUNK, vi->nid,
				    "chunk size 2^%u too large", vi->chunkbits);
	unit = vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES ?
		sizeof(struct erofs_inode_chunk_index) : 4;
	nchunks = DIV_ROUND_UP(vi->size, 1ULL << vi->chunkbits);
	pos = round_up(erofs_inode_meta_end(vi), (u64)unit);
	if (!erofs_mul_ok(nchunks, unit, &len) ||
	    !erofs_image_range_ok(img, pos, len))
		return erofs_report(img, EROFS_PB_INODE_CHUNK, vi->nid,
				    "chunk table of %llu entries runs past the image end",
				    (unsigned long long)nchunks);
	return 0;
}

static int check_size(struct erofs_image *img, const struct erofs_inode *vi)
{
	if (S_ISDIR(vi->mode) && !vi->size)
		return erofs_report(img, EROFS_PB_INODE_SIZE, vi->nid,
				    "directory of size 0");
	if (S_ISLNK(vi->mode) && (!vi->size || vi->size > SYMLINK_MAX))
		return erofs_report(img, EROFS_PB_INODE_SIZE, vi->nid,
				    "symlink of size %llu",
				    (unsigned long long)vi->size);
	if (!S_ISDIR(vi->mode) && !S_ISLNK(vi->mode) && !S_ISREG(vi->mode) &&
	    vi->size)
		return erofs_report(img, EROFS_PB_INODE_SIZE, vi->nid,
				    "special file of size %llu",
				    (unsigned long long)vi->size);
	return 0;
}

/* where the data lives, per layout */
static int check_data(struct erofs_image *img, struct erofs_inode *vi)
{
	unsigned int blksz = erofs_blksiz(&img->sbi);

	vi->startblk = vi->rdev;
	switch (vi->datalayout) {
	case EROFS_INODE_FLAT_PLAIN:
		return check_blocks(img, vi, DIV_ROUND_UP(vi->size, blksz));
	case EROFS_INODE_FLAT_INLINE:
		return check_inline(img, vi);
	case EROFS_INODE_CHUNK_BASED:
		return check_chunks(img, vi);
	}
	return z_erofs_read_header(img, vi);
}

int erofs_read_inode(struct erofs_image *img, u64 nid, struct erofs_inode *vi)
{
	unsigned int ftype;
	int err;

	memset(vi, 0, sizeof(*vi));
	vi->nid = nid;
	err = locate(img, vi);
	if (!err)
		err = read_core(img, vi);
	if (err)
		return err;
	ftype = erofs_mode_to_ftype(vi->mode);
	if (ftype == EROFS_FT_UNKNOWN)
		return erofs_report(img, EROFS_PB_INODE_MODE, nid,
				    "bad file type in mode 0%o", vi->mode);
	if (S_ISDIR(vi->mode))
		vi->dot_omitted = vi->i_format & BIT(EROFS_I_DOT_OMITTED_BIT);
	err = check_xattr_body(img, vi);
	if (!err)
		err = check_size(img, vi);
	if (err)
		return err;
	if (ftype == EROFS_FT_REG_FILE || ftype == EROFS_FT_DIR ||
	    ftype == EROFS_FT_SYMLINK)
		return check_data(img, vi);
	if (ftype == EROFS_FT_FIFO || ftype == EROFS_FT_SOCK)
		vi->rdev = 0;
	return 0;
}
