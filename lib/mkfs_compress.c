// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Compressed files for the image writer: the -z/-C options, the state of
 * one build, the superblock's cfgs records, and after the layout, each
 * file's indexes.
 *
 * Before the layout, worker threads read each file that may shrink once,
 * hash it for its fingerprint, cut it into extents with a fixed-output
 * compressor (each extent fills one pcluster), and place the pclusters in
 * the data area after the superblock's block (mkfs_zfile.c,
 * mkfs_zplace.c).  A file that does not shrink is left to the writer as
 * plain data.  The layout then puts the metadata after the area.
 *
 * Nothing here depends on which worker compressed a file or when, so the
 * image is the same whatever --workers says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/fingerprint.h"
#include "erofs/print.h"
#include "liberofs_zmkfs.h"

/* the lz4 window the superblock announces when there are no cfgs */
#define Z_LZ4_MAX_DISTANCE	65535

/* ---- -z parsing ----------------------------------------------------- */

static bool z_parse_size(const char *s, const char *end, u32 *out)
{
	unsigned long long v;
	char *p;

	errno = 0;
	v = strtoull(s, &p, 0);
	if (errno || p == s)
		return false;
	if (p < end && (*p == 'k' || *p == 'K'))
		v <<= 10, p++;
	else if (p < end && (*p == 'm' || *p == 'M'))
		v <<= 20, p++;
	if (p != end || v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

static bool z_parse_level(const char *s, const char *end, int *out)
{
	long v;
	char *p;

	errno = 0;
	v = strtol(s, &p, 10);
	if (errno || p == s || p != end || v < -1000 || v > 1000)
		return false;
	*out = (int)v;
	return true;
}

static int z_check_level(const struct z_erofs_compressor_ops *ops, int level,
			 bool given)
{
	if (!given)
		return 0;
	if (!ops->has_level)
		return erofs_err_ret(-EINVAL,
			"compression level %d is not supported by %s", level,
			ops->name);
	if ((level >= ops->min_level && level <= ops->max_level) ||
	    (ops->xmax_level && level >= ops->xmin_level &&
	     level <= ops->xmax_level))
		return 0;
	if (ops->xmax_level)
		return erofs_err_ret(-EINVAL,
			"invalid %s level %d (%d-%d, or %d-%d for extreme)",
			ops->name, level, ops->min_level, ops->max_level,
			ops->xmin_level, ops->xmax_level);
	return erofs_err_ret(-EINVAL, "invalid %s level %d (%d-%d)", ops->name,
			     level, ops->min_level, ops->max_level);
}

/* one "NAME[,LEVEL|,level=N][,dictsize=N]" of -z */
static int z_parse_one(const char *s, const char *end, unsigned int pcs,
		       struct z_erofs_alg_cfg *cfg)
{
	const char *comma = memchr(s, ',', end - s), *opt;
	char name[16];
	bool level_given = false, dict_given = false;
	const char *why;

	if (!comma)
		comma = end;
	if (comma - s <= 0 || comma - s >= (long)sizeof(name))
		return erofs_err_ret(-EINVAL, "invalid compressor '%.*s'",
				     (int)(end - s), s);
	memcpy(name, s, comma - s);
	name[comma - s] = '\0';
	cfg->ops = z_erofs_compressor_find(name);
	if (!cfg->ops)
		return erofs_err_ret(-EINVAL,
			"unknown compressor '%s' (lz4, lz4hc, lzma, zstd)", name);
	cfg->level = cfg->ops->default_level;
	cfg->dict_size = 0;
	for (opt = comma; opt < end; ) {
		const char *o = opt + 1, *oend = memchr(o, ',', end - o);
		bool ok;

		if (!oend)
			oend = end;
		if (!strncmp(o, "level=", 6)) {
			ok = z_parse_level(o + 6, oend, &cfg->level);
			level_given = true;
		} else if (!strncmp(o, "dictsize=", 9)) {
			ok = z_parse_size(o + 9, oend, &cfg->dict_size);
			dict_given = true;
		} else if (o == comma + 1 && *o >= '0' && *o <= '9') {
			ok = z_parse_level(o, oend, &cfg->level);
			level_given = true;	/* the old -zlz4hc,9 form */
		} else {
			ok = false;
		}
		if (!ok)
			return erofs_err_ret(-EINVAL,
				"invalid option '%.*s' for compressor %s",
				(int)(oend - o), o, name);
		opt = oend;
	}
	if (z_check_level(cfg->ops, cfg->level, level_given))
		return -EINVAL;
	if (dict_given && !cfg->ops->check_dict)
		return erofs_err_ret(-EINVAL, "%s takes no dictionary size", name);
	if (!dict_given)
		cfg->dict_size = cfg->ops->default_dict ?
				 cfg->ops->default_dict(pcs) : 0;
	why = cfg->ops->check_dict ? cfg->ops->check_dict(cfg->dict_size) : NULL;
	if (why)
		return erofs_err_ret(-EINVAL, "%s: %u", why, cfg->dict_size);
	return 0;
}

int z_parse_algs(const char *spec, unsigned int pclustersize,
		 struct z_erofs_alg_cfg *algs, unsigned int *nalgs)
{
	const char *s = spec;

	*nalgs = 0;
	while (1) {
		const char *end = strchr(s, ':');
		int err;

		if (!end)
			end = s + strlen(s);
		if (*nalgs >= Z_MAX_ALGS)
			return erofs_err_ret(-EINVAL, "too many compressors in '%s'",
					     spec);
		err = z_parse_one(s, end, pclustersize, &algs[*nalgs]);
		if (err)
			return err;
		++*nalgs;
		if (!*end)
			return 0;
		s = end + 1;
	}
}

static int z_check_pclustersize(const struct erofs_mkfs_cfg *cfg,
				unsigned int *pcs)
{
	unsigned int blksz = 1U << cfg->blkszbits;

	*pcs = cfg->pclustersize ? cfg->pclustersize : blksz;
	if (*pcs % blksz || *pcs > Z_EROFS_PCLUSTER_MAX_SIZE)
		return erofs_err_ret(-EINVAL,
			"invalid physical cluster size %u: a multiple of the "
			"block size (%u), at most %u", *pcs, blksz,
			Z_EROFS_PCLUSTER_MAX_SIZE);
	return 0;
}

int mkfs_z_validate(const struct erofs_mkfs_cfg *cfg)
{
	struct z_erofs_alg_cfg algs[Z_MAX_ALGS];
	unsigned int pcs, n;

	if (!cfg->compress)
		return 0;
	if (z_check_pclustersize(cfg, &pcs))
		return -EINVAL;
	return z_parse_algs(cfg->compress, pcs, algs, &n);
}

/* ---- build state ----------------------------------------------------- */

static u32 z_cfgs_record_size(u8 alg)
{
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZ4:
		return 2 + sizeof(struct z_erofs_lz4_cfgs);
	case Z_EROFS_COMPRESSION_LZMA:
		return 2 + sizeof(struct z_erofs_lzma_cfgs);
	case Z_EROFS_COMPRESSION_DEFLATE:
		return 2 + sizeof(struct z_erofs_deflate_cfgs);
	default:
		return 2 + sizeof(struct z_erofs_zstd_cfgs);
	}
}

int mkfs_z_init(struct mkfs_ctx *ctx)
{
	const struct erofs_mkfs_cfg *cfg = ctx->cfg;
	struct mkfs_zctx *zc;
	int err;

	if (!cfg->compress)
		return 0;
	zc = calloc(1, sizeof(*zc));
	if (!zc)
		return -ENOMEM;
	ctx->z = zc;
	pthread_mutex_init(&zc->lock, NULL);
	pthread_cond_init(&zc->turn, NULL);
	err = z_check_pclustersize(cfg, &zc->pclustersize);
	if (!err)
		err = z_parse_algs(cfg->compress, zc->pclustersize, zc->algs,
				   &zc->nalgs);
	if (err)
		return err;
	for (unsigned int i = 0; i < zc->nalgs; i++)
		zc->available_algs |= 1U << zc->algs[i].ops->alg;
	zc->big_pcluster = zc->pclustersize > erofs_blksiz(&ctx->sbi);
	/* the same bit means both; the kernel then reads every record */
	zc->compr_cfgs = zc->big_pcluster ||
			 (zc->available_algs & ~(1U << Z_EROFS_COMPRESSION_LZ4));
	zc->compact = !cfg->full_indexes;
	if (zc->compr_cfgs)
		for (unsigned int a = 0; a < Z_EROFS_COMPRESSION_MAX; a++)
			if (zc->available_algs & (1U << a))
				zc->cfgs_size += z_cfgs_record_size(a);
	return 0;
}

void mkfs_z_set_features(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;

	if (!zc)
		return;
	ctx->sbi.feature_incompat |= EROFS_FEATURE_INCOMPAT_LZ4_0PADDING;
	if (zc->compr_cfgs)
		ctx->sbi.feature_incompat |= EROFS_FEATURE_INCOMPAT_COMPR_CFGS;
	for (u64 i = 0; i < ctx->ninodes; i++) {
		const struct mkfs_zinode *z = ctx->inodes[i]->z;

		if (z && !z->raw && z->idata_size)
			ctx->sbi.feature_incompat |=
				EROFS_FEATURE_INCOMPAT_ZTAILPACKING;
		/* partial references need a reader that knows them */
		if (z && !z->raw && z->refs)
			ctx->sbi.feature_incompat |=
				EROFS_FEATURE_INCOMPAT_DEDUPE;
	}
	if (zc->packed)
		ctx->sbi.feature_incompat |= EROFS_FEATURE_INCOMPAT_FRAGMENTS;
}

u32 mkfs_z_head_size(const struct mkfs_ctx *ctx)
{
	return ctx->z ? round_up(ctx->z->cfgs_size, 4U) : 0;
}

/* the largest dictionary the files of one on-disk algorithm use */
static u32 z_max_dict(const struct mkfs_zctx *zc, u8 alg)
{
	u32 d = 0;

	for (unsigned int i = 0; i < zc->nalgs; i++)
		if (zc->algs[i].ops->alg == alg && zc->algs[i].dict_size > d)
			d = zc->algs[i].dict_size;
	return d;
}

static u32 z_fill_record(const struct mkfs_zctx *zc, u8 alg, u8 *out,
			 unsigned int blkszbits)
{
	u32 len = z_cfgs_record_size(alg) - 2;
	__le16 hdr = cpu_to_le16(len);
	u8 rec[16] = { 0 };

	if (alg == Z_EROFS_COMPRESSION_LZ4) {
		struct z_erofs_lz4_cfgs c = {
			.max_distance = cpu_to_le16(Z_LZ4_MAX_DISTANCE),
			.max_pclusterblks =
				cpu_to_le16(zc->pclustersize >> blkszbits),
		};
		memcpy(rec, &c, sizeof(c));
	} else if (alg == Z_EROFS_COMPRESSION_LZMA) {
		struct z_erofs_lzma_cfgs c = {
			.dict_size = cpu_to_le32(z_max_dict(zc, alg)),
		};
		memcpy(rec, &c, sizeof(c));
	} else if (alg == Z_EROFS_COMPRESSION_ZSTD) {
		struct z_erofs_zstd_cfgs c = {
			.windowlog = 31 - __builtin_clz(z_max_dict(zc, alg)) - 10,
		};
		memcpy(rec, &c, sizeof(c));
	}
	memcpy(out, &hdr, 2);
	memcpy(out + 2, rec, len);
	return 2 + len;
}

void mkfs_z_fill_head(const struct mkfs_ctx *ctx, struct erofs_super_block *sb,
		      u8 *records)
{
	const struct mkfs_zctx *zc = ctx->z;

	if (!zc)
		return;
	if (zc->packed)
		sb->packed_nid = cpu_to_le64(zc->packed->nid);
	if (!zc->compr_cfgs) {
		sb->available_compr_algs = cpu_to_le16(Z_LZ4_MAX_DISTANCE);
		return;
	}
	sb->available_compr_algs = cpu_to_le16(zc->available_algs);
	for (unsigned int a = 0; a < Z_EROFS_COMPRESSION_MAX; a++)
		if (zc->available_algs & (1U << a))
			records += z_fill_record(zc, a, records,
						 ctx->sbi.blkszbits);
}

static void z_inode_free(struct mkfs_zinode *z)
{
	if (!z)
		return;
	free(z->ext);
	free(z->idata);
	free(z);
}

void mkfs_z_release(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;

	for (u64 i = 0; i < ctx->ninodes; i++) {
		z_inode_free(ctx->inodes[i]->z);
		ctx->inodes[i]->z = NULL;
	}
	if (!zc)
		return;
	if (zc->packed && !zc->packed_linked) {
		z_inode_free(zc->packed->z);
		free(zc->packed);
	}
	for (unsigned int i = 0; i < zc->nspill; i++)
		if (zc->spill_fds[i] >= 0)
			close(zc->spill_fds[i]);
	z_place_release(zc);
	free(zc->spill_fds);
	free(zc->spill_end);
	free(zc);
	ctx->z = NULL;
}

/* ---- layout and writing ----------------------------------------------- */

/* the packed inode is in no directory: give it a nid after the others */
int mkfs_z_link_packed(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;
	struct mkfs_inode **p;

	if (!zc || !zc->packed)
		return 0;
	p = realloc(ctx->inodes, (ctx->ninodes + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	ctx->inodes = p;
	ctx->inodes[ctx->ninodes++] = zc->packed;
	zc->packed_linked = true;
	return 0;
}

bool mkfs_z_is_packed(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	return ctx->z && ctx->z->packed == in;
}

/* a big file that did not shrink keeps its blocks in the area as they are */
bool mkfs_z_choose_layout(struct mkfs_ctx *ctx, struct mkfs_inode *in)
{
	if (!in->z)
		return false;
	in->datalayout = in->z->raw ? EROFS_INODE_FLAT_PLAIN :
				      z_datalayout(ctx->z, in);
	in->inline_size = 0;
	return true;
}

/* the first byte after the compressed data area */
u64 mkfs_z_area_end(const struct mkfs_ctx *ctx)
{
	return ctx->head_end + (ctx->z ? ctx->z->area : 0);
}

/* blocks @in has in the area: none for a copy of another file */
u64 mkfs_z_data_blocks(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	(void)ctx;
	return in->z->dup_of ? 0 : in->z->pblocks;
}

/* where each file's blocks are; -E dedupe: copies use those they copy */
void mkfs_z_share_blocks(struct mkfs_ctx *ctx)
{
	for (u64 i = 0; ctx->z && i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];
		const struct mkfs_zinode *z = in->z;

		if (!z)
			continue;
		if (z->dup_of)
			z = z->dup_of->z;
		in->startblk = z->pblocks ? (ctx->z->area_start + z->area_off) >>
					    ctx->sbi.blkszbits : 0;
	}
}

static int z_write_index(struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	u64 pos = erofs_iloc(&ctx->sbi, in->nid) + in->inode_isize +
		  in->xattr_isize;
	u8 *buf;
	u32 len;
	int err = z_build_meta(ctx, in, &buf, &len);

	if (err)
		return err;
	if (in->z->idata_size)
		memcpy(buf + len - in->z->idata_size, in->z->idata,
		       in->z->idata_size);
	err = mkfs_pwrite(ctx, buf, len, pos);
	free(buf);
	return err;
}

/* the blocks are in place already: the indexes, and the fingerprint */
int mkfs_z_write_file(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		      u8 *fp)
{
	const struct mkfs_zinode *z = in->z;
	int err = 0;

	if (!z->raw)
		err = z_write_index(ctx, in);
	if (!err && in->fingerprint)
		erofs_fingerprint_value(z->digest, fp);
	return err;
}
