// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The metadata of a compressed inode: the map header and the lcluster
 * indexes, full (8 bytes per lcluster) or compact (2 or 4), built from the
 * extents the compressor produced and the blocks the layout gave them.
 *
 * Rules the readers rely on (kernel fs/erofs/zmap.c):
 *  - an lcluster holds at most one extent start (a HEAD); every extent
 *    but the last is at least one lcluster long, so that holds;
 *  - a file whose size is not lcluster-aligned ends with a PLAIN head at
 *    offset size % lclustersize of its last lcluster, which only marks
 *    where the last extent ends, unless the last extent starts there;
 *  - with big pclusters, the first NONHEAD after a head holds the
 *    pcluster's block count (D0_CBLKCNT) instead of delta[0];
 *  - compact indexes derive block addresses by counting: a file's
 *    pclusters lie back to back in extent order; a file with -E dedupe
 *    references to pclusters placed before has full indexes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "liberofs_zmkfs.h"

/* one lcluster as the indexes describe it */
struct z_lcl {
	u32 pblk;		/* HEAD: first block of its pcluster */
	u16 lo;			/* HEAD: clusterofs; NONHEAD: delta[0] */
	u16 d1;			/* NONHEAD: lclusters on to the next head */
	u8 type;		/* Z_EROFS_LCLUSTER_TYPE_* */
	bool partial;		/* HEAD: Z_EROFS_LI_PARTIAL_REF */
};

#define Z_LOBITS_MIN	12	/* room for D0_CBLKCNT's bit 11 */

static u64 z_nlclusters(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	return DIV_ROUND_UP(in->size, (u64)erofs_blksiz(&ctx->sbi));
}

/* the map header starts at the first 8-byte boundary after the xattrs */
static u32 z_header_pad(const struct mkfs_inode *in)
{
	u32 end = in->inode_isize + in->xattr_isize;

	return round_up(end, 8U) - end;
}

/* (position of the first index - inode position) mod 32 */
static u32 z_ebase_mod32(const struct mkfs_inode *in)
{
	return (in->inode_isize + in->xattr_isize + z_header_pad(in) +
		sizeof(struct z_erofs_map_header)) % 32;
}

/* how many lclusters go to each compact region: 4B, 2B, then 4B again */
static void z_compact_split(const struct mkfs_inode *in, u64 n, bool twob,
			    u64 *initial, u64 *c2b, u64 *end)
{
	u64 init = ((32 - z_ebase_mod32(in)) / 4) & 7;

	if (!twob || init >= n) {
		*initial = 0;
		*c2b = 0;
		*end = n;
		return;
	}
	*initial = init;
	*c2b = round_down(n - init, 16ULL);
	*end = n - init - *c2b;
}

static bool z_twob(const struct mkfs_ctx *ctx)
{
	return ctx->sbi.blkszbits <= 12;
}

static u64 z_compact_bytes(const struct mkfs_ctx *ctx,
			   const struct mkfs_inode *in, u64 n)
{
	u64 initial, c2b, end;

	z_compact_split(in, n, z_twob(ctx), &initial, &c2b, &end);
	return 4 * initial + 2 * c2b + 8 * DIV_ROUND_UP(end, 2);
}

/*
 * The fewest bytes a compressed inode of @size takes up to its inline
 * data: a compact inode, no xattrs, its map header and its indexes.
 * -E ztailpacking inlines a tail only when it fits in one block with
 * that: a larger one would make the inode move to where the tail does
 * not cross a block, and the bytes it skips cost more than a block of
 * its own for the tail (erofs-utils gives up such a tail too).
 */
u32 z_meta_min(const struct mkfs_ctx *ctx, u64 size)
{
	u64 n = DIV_ROUND_UP(size, (u64)erofs_blksiz(&ctx->sbi));
	u32 head = sizeof(struct erofs_inode_compact) +
		   sizeof(struct z_erofs_map_header);
	u64 initial, c2b, end, idx;
	struct mkfs_inode in = {
		.inode_isize = sizeof(struct erofs_inode_compact),
	};

	if (ctx->z->compact) {
		z_compact_split(&in, n, z_twob(ctx), &initial, &c2b, &end);
		idx = 4 * initial + 2 * c2b + 8 * DIV_ROUND_UP(end, 2);
	} else {
		idx = 8 + n * sizeof(struct z_erofs_lcluster_index);
	}
	return head + idx > UINT32_MAX ? UINT32_MAX : head + idx;
}

/*
 * Compact indexes keep a fragment's offset in 32 bits; a whole-file
 * fragment has no indexes at all and uses the full layout, as
 * erofs-utils does.
 */
u8 z_datalayout(const struct mkfs_zctx *zc, const struct mkfs_inode *in)
{
	if (z_whole_fragment(in) || in->z->fragoff >> 32 || in->z->refs)
		return EROFS_INODE_COMPRESSED_FULL;
	return zc->compact ? EROFS_INODE_COMPRESSED_COMPACT :
			     EROFS_INODE_COMPRESSED_FULL;
}

static bool z_is_compact(const struct mkfs_inode *in)
{
	return in->datalayout == EROFS_INODE_COMPRESSED_COMPACT;
}

/* bytes after the inode and its xattrs; needs in->datalayout set */
static u64 z_meta_bytes(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	u64 n = z_nlclusters(ctx, in), idx;

	/* the map header says it all, in an 8-byte gap's company */
	if (z_whole_fragment(in))
		return z_header_pad(in) + sizeof(struct z_erofs_map_header) + 8;
	if (z_is_compact(in))
		idx = z_compact_bytes(ctx, in, n);
	else
		idx = 8 + n * sizeof(struct z_erofs_lcluster_index);
	return z_header_pad(in) + sizeof(struct z_erofs_map_header) + idx +
	       in->z->idata_size;
}

/*
 * Where Linux cannot read inline data: with blocks smaller than a page,
 * its LZ4_0PADDING scan looks at min(size, blksz - offset in the page)
 * bytes (fs/erofs/decompressor.c), which is none when the data starts
 * exactly one block into a page.  Pages of 4, 16 and 64 KiB are checked.
 */
static bool z_unreadable_tail(u64 pos, unsigned int blksz)
{
	for (u64 page = 4096; page <= 65536; page <<= 2)
		if (blksz < page && pos % page == blksz)
			return true;
	return false;
}

/*
 * ztailpacking data must not cross a block boundary: move the inode on
 * until its inline data fits, and starts where the kernel can read it.
 */
u64 mkfs_z_place(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		 u64 pos)
{
	unsigned int blksz = erofs_blksiz(&ctx->sbi);
	u64 total, off;

	if (!in->z || !in->z->idata_size ||
	    !erofs_layout_compressed(in->datalayout))
		return pos;
	total = in->inode_isize + in->xattr_isize + z_meta_bytes(ctx, in);
	off = total - in->z->idata_size;
	while ((pos + off) % blksz + in->z->idata_size > blksz ||
	       z_unreadable_tail(pos + off, blksz))
		pos += EROFS_ISLOT_SIZE;
	return pos;
}

u32 mkfs_z_inline_size(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	(void)ctx;
	if (!in->z || !erofs_layout_compressed(in->datalayout))
		return 0;
	return in->z->idata_size;
}

u32 mkfs_z_meta_size(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	u64 n;

	if (!in->z || !erofs_layout_compressed(in->datalayout))
		return 0;
	n = z_meta_bytes(ctx, in);
	return n > UINT32_MAX ? UINT32_MAX : (u32)n;
}

static u16 z_advise(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	u16 advise = in->z->advise;

	if (ctx->z->big_pcluster) {
		advise |= Z_EROFS_ADVISE_BIG_PCLUSTER_1;
		if (z_is_compact(in))
			advise |= Z_EROFS_ADVISE_BIG_PCLUSTER_2;
	}
	if (z_is_compact(in) && z_twob(ctx))
		advise |= Z_EROFS_ADVISE_COMPACTED_2B;
	if (in->z->idata_size)
		advise |= Z_EROFS_ADVISE_INLINE_PCLUSTER;
	if (in->z->frag_size)
		advise |= Z_EROFS_ADVISE_FRAGMENT_PCLUSTER;
	return advise;
}

/* the lclusters one extent covers: its head, then NONHEADs */
/*
 * A fragment's head is a HEAD1 whose block address (full indexes) holds
 * the upper 32 bits of its offset in the packed inode.
 */
static void z_extent_lcls(struct z_lcl *l, u64 n, u64 start,
			  const struct z_extent *e, u32 pblk, bool big,
			  unsigned int lbits)
{
	u64 head = start >> lbits, next = (start + e->length) >> lbits;

	l[head].type = e->flags & Z_EXT_RAW ? Z_EROFS_LCLUSTER_TYPE_PLAIN :
					      Z_EROFS_LCLUSTER_TYPE_HEAD1;
	l[head].lo = start & ((1U << lbits) - 1);
	l[head].pblk = pblk;
	l[head].partial = e->flags & Z_EXT_PARTIAL;
	for (u64 j = head + 1; j < next && j < n; j++) {
		u64 d0 = j - head;

		l[j].type = Z_EROFS_LCLUSTER_TYPE_NONHEAD;
		/* an inline pcluster counts as one block, as erofs-utils has it */
		if (d0 == 1 && big)
			l[j].lo = (e->pblks ? e->pblks : 1) | Z_EROFS_LI_D0_CBLKCNT;
		else
			l[j].lo = d0 < Z_EROFS_LI_D0_CBLKCNT ? d0 :
				  Z_EROFS_LI_D0_CBLKCNT - 1;
		l[j].d1 = next - j;
	}
}

static struct z_lcl *z_lclusters(const struct mkfs_ctx *ctx,
				 const struct mkfs_inode *in, u64 n)
{
	const struct mkfs_zinode *z = in->z;
	unsigned int lbits = ctx->sbi.blkszbits;
	struct z_lcl *l = calloc(n ? n : 1, sizeof(*l));
	u64 start = 0;
	u32 pblk = (u32)in->startblk;
	u32 area = (u32)(ctx->z->area_start >> lbits);

	if (!l)
		return NULL;
	for (u32 i = 0; i < z->nextents; i++) {
		u32 addr = z->ext[i].flags & Z_EXT_FRAGMENT ?
			   (u32)(z->fragoff >> 32) : pblk;

		if (z->ext[i].flags & Z_EXT_REF)
			addr = area + z->ext[i].ref;
		z_extent_lcls(l, n, start, &z->ext[i], addr,
			      ctx->z->big_pcluster, lbits);
		start += z->ext[i].length;
		if (!(z->ext[i].flags & Z_EXT_REF))
			pblk += z->ext[i].pblks;
	}
	/* the last extent ends inside the last lcluster it did not start in */
	if ((in->size & ((1U << lbits) - 1)) &&
	    (in->size - z->ext[z->nextents - 1].length) >> lbits != n - 1) {
		l[n - 1].type = Z_EROFS_LCLUSTER_TYPE_PLAIN;
		l[n - 1].lo = in->size & ((1U << lbits) - 1);
		l[n - 1].pblk = 0;
	}
	return l;
}

static void z_fill_full(const struct z_lcl *l, u64 n, u8 *out)
{
	for (u64 i = 0; i < n; i++) {
		struct z_erofs_lcluster_index di = {
			.di_advise = cpu_to_le16(l[i].type |
				(l[i].partial ? Z_EROFS_LI_PARTIAL_REF : 0)),
		};

		if (l[i].type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
			di.di_u.delta[0] = cpu_to_le16(l[i].lo);
			di.di_u.delta[1] = cpu_to_le16(l[i].d1);
		} else {
			di.di_clusterofs = cpu_to_le16(l[i].lo);
			di.di_u.blkaddr = cpu_to_le32(l[i].pblk);
		}
		memcpy(out + i * sizeof(di), &di, sizeof(di));
	}
}

/*
 * The base block address a compact pack stores: readers add to it the
 * blocks of the pclusters that come before a head within the pack (all
 * 1-block without big pclusters, counting the head itself; else counted
 * from CBLKCNT entries and 1-block heads).  Derive it from the pack's
 * first head.
 */
static u32 z_pack_base(const struct z_lcl *l, unsigned int cnt, bool big,
		       u32 next_blk)
{
	unsigned int i0 = 0;

	while (i0 < cnt && l[i0].type == Z_EROFS_LCLUSTER_TYPE_NONHEAD)
		i0++;
	if (i0 == cnt || (l[i0].type == Z_EROFS_LCLUSTER_TYPE_PLAIN &&
			  !l[i0].pblk))
		return big || !next_blk ? next_blk : next_blk - 1; /* unused */
	if (!big)
		return l[i0].pblk ? l[i0].pblk - 1 : 0;
	if (i0 > 0 && (l[0].lo & Z_EROFS_LI_D0_CBLKCNT))
		return l[i0].pblk - (l[0].lo & ~Z_EROFS_LI_D0_CBLKCNT);
	return l[i0].pblk;
}

/* one pack of @vcnt entries (@cnt real ones), @bytes long */
static void z_fill_pack(const struct z_lcl *l, unsigned int cnt,
			unsigned int vcnt, unsigned int bytes,
			unsigned int lobits, bool big, u32 next_blk, u8 *out)
{
	unsigned int bits = (bytes - 4) * 8 / vcnt;
	__le32 base = cpu_to_le32(z_pack_base(l, cnt, big, next_blk));

	memset(out, 0, bytes);
	for (unsigned int i = 0; i < cnt; i++) {
		unsigned int lo = l[i].lo, pos = i * bits;
		u32 v;

		if (l[i].type == Z_EROFS_LCLUSTER_TYPE_NONHEAD &&
		    i == vcnt - 1 && !(lo & Z_EROFS_LI_D0_CBLKCNT))
			lo = l[i].d1 < Z_EROFS_LI_D0_CBLKCNT ? l[i].d1 :
			     Z_EROFS_LI_D0_CBLKCNT - 1;
		v = (u32)l[i].type << lobits | lo;
		v <<= pos & 7;
		for (unsigned int b = pos / 8; v; b++, v >>= 8)
			out[b] |= v & 0xff;
	}
	memcpy(out + bytes - 4, &base, 4);
}

static void z_fill_compact(const struct mkfs_ctx *ctx,
			   const struct mkfs_inode *in, const struct z_lcl *l,
			   u64 n, u8 *out)
{
	unsigned int lobits = ctx->sbi.blkszbits > Z_LOBITS_MIN ?
			      ctx->sbi.blkszbits : Z_LOBITS_MIN;
	u32 next_blk = (u32)(in->startblk + in->z->pblocks);
	bool big = ctx->z->big_pcluster;
	u64 initial, c2b, end, i = 0;

	z_compact_split(in, n, z_twob(ctx), &initial, &c2b, &end);
	for (; i < initial; i += 2, out += 8)
		z_fill_pack(l + i, 2, 2, 8, lobits, big, next_blk, out);
	for (; i < initial + c2b; i += 16, out += 32)
		z_fill_pack(l + i, 16, 16, 32, lobits, big, next_blk, out);
	for (; i < n; i += 2, out += 8)
		z_fill_pack(l + i, n - i < 2 ? 1 : 2, 2, 8, lobits, big,
			    next_blk, out);
}

/*
 * Everything after the inode's xattrs: padding, map header, indexes, and
 * room for @in's inline data (the caller reads it in).  *@len covers all.
 */
int z_build_meta(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		 u8 **out, u32 *len)
{
	u64 n = z_nlclusters(ctx, in), total = z_meta_bytes(ctx, in);
	u32 pad = z_header_pad(in);
	struct z_erofs_map_header h = {
		.h_advise = cpu_to_le16(z_advise(ctx, in)),
		.h_algorithmtype = in->z->alg,
		.h_clusterbits = 0,	/* lclusters are one block */
	};
	struct z_lcl *l;
	u8 *buf, *idx;

	if (in->z->idata_size)
		h.h_fragmentoff = cpu_to_le32((u32)in->z->idata_size << 16);
	else if (in->z->frag_size)
		h.h_fragmentoff = cpu_to_le32((u32)in->z->fragoff);
	buf = calloc(1, total);
	if (buf && z_whole_fragment(in)) {
		__le64 v = cpu_to_le64(in->z->fragoff |
				       1ULL << (56 + Z_EROFS_FRAGMENT_INODE_BIT));

		memcpy(buf + pad, &v, sizeof(v));
		*out = buf;
		*len = total;
		return 0;
	}
	l = z_lclusters(ctx, in, n);
	if (!buf || !l) {
		free(buf);
		free(l);
		return -ENOMEM;
	}
	memcpy(buf + pad, &h, sizeof(h));
	idx = buf + pad + sizeof(h);
	if (z_is_compact(in))
		z_fill_compact(ctx, in, l, n, idx);
	else
		z_fill_full(l, n, idx + 8);
	free(l);
	*out = buf;
	*len = total;
	return 0;
}
