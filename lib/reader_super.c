// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Superblock and long xattr prefix table, read from a hostile image: the
 * magic, block size and incompat features decide whether we can go on;
 * a bad checksum or prefix entry is reported and the check continues.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs/features.h"
#include "erofs/xattr.h"
#include "liberofs_reader.h"

/* the name of the lowest bit of @bits in the one feature table */
static const char *feature_name(bool compat, u32 bits)
{
	u32 bit = bits & -bits;

	for (const struct erofs_feature *f = erofs_features; f->name; f++)
		if (f->compat == compat && f->bit == bit)
			return f->name;
	return NULL;
}

static int check_features(struct erofs_image *img)
{
	u32 incompat = img->sbi.feature_incompat;
	u32 unsupported = incompat & ~EROFS_SUPPORTED_INCOMPAT;
	const char *name = feature_name(false, unsupported);

	if (unsupported && name)
		return erofs_report(img, EROFS_PB_SB_FEATURE, EROFS_NID_NONE,
				    "incompatible feature %s (0x%x) is not supported",
				    name, unsupported & -unsupported);
	if (unsupported)
		return erofs_report(img, EROFS_PB_SB_FEATURE, EROFS_NID_NONE,
				    "unknown incompatible features 0x%x: image needs a newer reader",
				    unsupported);
	/* 0x8 is also COMPR_HEAD2: only a real device table is refused */
	if ((incompat & EROFS_FEATURE_INCOMPAT_DEVICE_TABLE) &&
	    le16_to_cpu(img->dsb.extra_devices))
		return erofs_report(img, EROFS_PB_SB_FEATURE, EROFS_NID_NONE,
				    "images with %u extra devices are not supported",
				    le16_to_cpu(img->dsb.extra_devices));
	if (img->dsb.dirblkbits)
		return erofs_report(img, EROFS_PB_SB_FEATURE, EROFS_NID_NONE,
				    "directory block bits %u are not supported",
				    img->dsb.dirblkbits);
	return 0;
}

static int check_csum(struct erofs_image *img)
{
	unsigned int len = erofs_sb_csum_len(erofs_blksiz(&img->sbi));
	u32 crc, zero = 0;
	u8 *buf;
	int err;

	if (!(img->sbi.feature_compat & EROFS_FEATURE_COMPAT_SB_CHKSUM) ||
	    img->skip_csum)
		return 0;
	if (!erofs_image_range_ok(img, EROFS_SUPER_OFFSET, len))
		return erofs_report(img, EROFS_PB_SB_CHECKSUM, EROFS_NID_NONE,
				    "image ends inside the checksummed superblock block");
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = erofs_image_pread(img, buf, len, EROFS_SUPER_OFFSET);
	if (!err) {
		memcpy(buf + offsetof(struct erofs_super_block, checksum),
		       &zero, sizeof(zero));
		crc = erofs_crc32c(~0U, buf, len);
		if (crc != img->sbi.checksum)
			err = erofs_report(img, EROFS_PB_SB_CHECKSUM,
					   EROFS_NID_NONE,
					   "superblock checksum 0x%08x, computed 0x%08x",
					   img->sbi.checksum, crc);
		else
			img->sb_csum_ok = true;
	}
	free(buf);
	return err == -EFSCORRUPTED ? 0 : err;
}

static void fill_sbi(struct erofs_image *img)
{
	const struct erofs_super_block *dsb = &img->dsb;
	struct erofs_sb_info *sbi = &img->sbi;

	sbi->blkszbits = dsb->blkszbits;
	sbi->feature_compat = le32_to_cpu(dsb->feature_compat);
	sbi->feature_incompat = le32_to_cpu(dsb->feature_incompat);
	sbi->root_nid = le16_to_cpu(dsb->rootnid_2b);
	sbi->inos = le64_to_cpu(dsb->inos);
	sbi->epoch = (s64)le64_to_cpu(dsb->epoch);
	sbi->fixed_nsec = le32_to_cpu(dsb->fixed_nsec);
	sbi->blocks = le32_to_cpu(dsb->blocks_lo);
	sbi->meta_blkaddr = le32_to_cpu(dsb->meta_blkaddr);
	sbi->xattr_blkaddr = le32_to_cpu(dsb->xattr_blkaddr);
	memcpy(sbi->uuid, dsb->uuid, sizeof(sbi->uuid));
	memcpy(sbi->volume_name, dsb->volume_name, sizeof(dsb->volume_name));
	sbi->volume_name[sizeof(dsb->volume_name)] = '\0';
	sbi->xattr_prefix_start = le32_to_cpu(dsb->xattr_prefix_start);
	sbi->checksum = le32_to_cpu(dsb->checksum);
	sbi->ishare_prefix_id = -1;
}

static int check_layout(struct erofs_image *img)
{
	struct erofs_sb_info *sbi = &img->sbi;
	u64 end;

	if (erofs_pos(sbi, sbi->meta_blkaddr) >= img->size)
		return erofs_report(img, EROFS_PB_SB_META, EROFS_NID_NONE,
				    "inode area at block %u is past the image end",
				    sbi->meta_blkaddr);
	if (!erofs_nid_pos(img, sbi->root_nid, &end) ||
	    !erofs_image_range_ok(img, end, sizeof(struct erofs_inode_compact)))
		return erofs_report(img, EROFS_PB_SB_ROOT, EROFS_NID_NONE,
				    "root nid %llu is past the image end",
				    (unsigned long long)sbi->root_nid);
	if (!erofs_mul_ok(sbi->blocks, erofs_blksiz(sbi), &end) ||
	    end > img->size) {
		erofs_report(img, EROFS_PB_SB_BLOCKS, EROFS_NID_NONE,
			     "superblock says %llu blocks, the image has %llu",
			     (unsigned long long)sbi->blocks,
			     (unsigned long long)(img->size >> sbi->blkszbits));
		end = img->size;
	} else if (!sbi->blocks) {
		erofs_report(img, EROFS_PB_SB_BLOCKS, EROFS_NID_NONE,
			     "superblock says the image has no blocks");
		end = img->size;
	}
	img->data_end = end;
	return 0;
}

/*
 * The table sits in the metadata area, or (erofs-utils with fragments and
 * no plain_xattr_pfx) inside the packed inode's data.
 */
static int prefix_read(struct erofs_image *img, bool packed, void *buf,
		       size_t len, u64 pos)
{
	u64 end;

	if (!packed)
		return erofs_meta_read(img, buf, len, pos);
	if (!erofs_add_ok(pos, len, &end) || end > img->packed->size)
		return -EFSCORRUPTED;
	return erofs_read_data(img, img->packed, buf, len, pos, 0);
}

/* one table entry at *pos: __le16 length, base index, infix; padded to 4 */
static int read_prefix(struct erofs_image *img, bool packed, unsigned int i,
		       u64 *pos)
{
	struct erofs_xattr_prefix *pf = &img->sbi.xattr_prefixes[i];
	u8 rec[2 + 1 + 256];
	u16 len;
	int err;

	err = prefix_read(img, packed, rec, 2, *pos);
	if (err)
		goto fail;
	len = rec[0] | rec[1] << 8;
	if (len < 1 || len > 1 + EROFS_NAME_LEN)
		return erofs_report(img, EROFS_PB_SB_PREFIX, EROFS_NID_NONE,
				    "long xattr prefix %u has length %u", i, len);
	err = prefix_read(img, packed, rec + 2, len, *pos + 2);
	if (err)
		goto fail;
	pf->base_index = rec[2];
	if (pf->base_index && !erofs_xattr_short_prefix(pf->base_index))
		return erofs_report(img, EROFS_PB_SB_PREFIX, EROFS_NID_NONE,
				    "long xattr prefix %u has base index %u",
				    i, pf->base_index);
	if (memchr(rec + 3, '\0', len - 1))
		return erofs_report(img, EROFS_PB_SB_PREFIX, EROFS_NID_NONE,
				    "long xattr prefix %u has a NUL byte", i);
	pf->infix_len = len - 1;
	pf->infix = malloc(pf->infix_len + 1);
	if (!pf->infix)
		return -ENOMEM;
	memcpy(pf->infix, rec + 3, pf->infix_len);
	pf->infix[pf->infix_len] = '\0';
	*pos += round_up(2U + len, 4U);
	return 0;
fail:
	if (err != -EFSCORRUPTED)
		return erofs_report(img, EROFS_PB_IO, EROFS_NID_NONE,
				    "cannot read long xattr prefix %u: %s", i,
				    erofs_strerror(err));
	return erofs_report(img, EROFS_PB_SB_PREFIX, EROFS_NID_NONE,
			    "long xattr prefix %u is past the image end", i);
}

static int read_prefixes(struct erofs_image *img)
{
	struct erofs_sb_info *sbi = &img->sbi;
	unsigned int count = img->dsb.xattr_prefix_count;
	u64 pos = (u64)sbi->xattr_prefix_start * 4;
	bool packed = false;
	int err = 0;

	if (!(sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES))
		return 0;
	if ((sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS) &&
	    img->packed_nid &&
	    !(sbi->feature_compat & EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX)) {
		packed = true;
		if (!img->packed)
			err = erofs_report(img, EROFS_PB_SB_PREFIX,
					   EROFS_NID_NONE,
					   "xattr prefixes are in the packed inode, which cannot be read");
	}
	sbi->xattr_prefixes = calloc(count + 1, sizeof(*sbi->xattr_prefixes));
	img->prefix_bad = calloc(count + 1, sizeof(*img->prefix_bad));
	if (!sbi->xattr_prefixes || !img->prefix_bad)
		return -ENOMEM;
	sbi->xattr_prefix_count = count;
	for (unsigned int i = 0; i < count; i++) {
		if (err) {
			img->prefix_bad[i] = true;
			continue;
		}
		err = read_prefix(img, packed, i, &pos);
		if (err == -ENOMEM || err == -EIO)
			return err;
		img->prefix_bad[i] = err != 0;
	}
	return 0;
}

static void find_ishare(struct erofs_image *img)
{
	struct erofs_sb_info *sbi = &img->sbi;
	unsigned int id = img->dsb.ishare_xattr_prefix_id;

	if (!(sbi->feature_compat & EROFS_FEATURE_COMPAT_ISHARE_XATTRS))
		return;
	if (id >= sbi->xattr_prefix_count || img->prefix_bad[id]) {
		erofs_report(img, EROFS_PB_SB_ISHARE, EROFS_NID_NONE,
			     "fingerprint prefix id %u is not a usable long prefix (%u in the table)",
			     id, sbi->xattr_prefix_count);
		return;
	}
	sbi->ishare_prefix_id = id;
	img->has_fingerprints = true;
}

static int read_base(struct erofs_image *img)
{
	unsigned int ext;
	int err;

	if (!erofs_image_range_ok(img, EROFS_SUPER_OFFSET, EROFS_SB_BASE_SIZE))
		return erofs_report(img, EROFS_PB_SB_MAGIC, EROFS_NID_NONE,
				    "image of %llu bytes is too small for a superblock",
				    (unsigned long long)img->size);
	err = erofs_image_pread(img, &img->dsb, EROFS_SB_BASE_SIZE,
				EROFS_SUPER_OFFSET);
	if (err)
		return erofs_report(img, EROFS_PB_IO, EROFS_NID_NONE,
				    "cannot read the superblock: %s",
				    erofs_strerror(err));
	if (le32_to_cpu(img->dsb.magic) != EROFS_SUPER_MAGIC_V1)
		return erofs_report(img, EROFS_PB_SB_MAGIC, EROFS_NID_NONE,
				    "not an erofs image: magic 0x%08x",
				    le32_to_cpu(img->dsb.magic));
	if (img->dsb.blkszbits < EROFS_MIN_BLOCK_BITS ||
	    img->dsb.blkszbits > EROFS_MAX_BLOCK_BITS)
		return erofs_report(img, EROFS_PB_SB_BLKSZ, EROFS_NID_NONE,
				    "block size 2^%u is not supported",
				    img->dsb.blkszbits);
	ext = img->dsb.sb_extslots;
	img->sb_size = EROFS_SB_BASE_SIZE + ext * EROFS_SB_EXTSLOT_SIZE;
	if (img->sb_size > erofs_sb_csum_len(1U << img->dsb.blkszbits) ||
	    !erofs_image_range_ok(img, EROFS_SUPER_OFFSET, img->sb_size))
		return erofs_report(img, EROFS_PB_SB_SIZE, EROFS_NID_NONE,
				    "superblock of %u bytes (%u extension slots) does not fit",
				    img->sb_size, ext);
	if (ext) {
		unsigned int n = img->sb_size < sizeof(img->dsb) ?
				 img->sb_size : sizeof(img->dsb);

		err = erofs_image_pread(img, &img->dsb, n, EROFS_SUPER_OFFSET);
		if (err)
			return err;
	}
	return 0;
}

int erofs_image_read_super(struct erofs_image *img)
{
	int err = read_base(img);

	if (err)
		return err;
	fill_sbi(img);
	err = check_features(img);
	if (!err)
		err = check_csum(img);
	if (!err)
		err = check_layout(img);
	if (!err)
		err = erofs_mcache_init(img);
	if (!err)
		err = z_erofs_read_super(img);
	if (!err)
		err = read_prefixes(img);
	if (err == -ENOMEM)
		return erofs_report(img, EROFS_PB_NOMEM, EROFS_NID_NONE,
				    "out of memory reading the superblock");
	if (err)
		return err;
	find_ishare(img);
	return 0;
}
