// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Where each inode goes in the inode area.  Linux reads an inode, its
 * xattrs and its compression indexes piece by piece, so they may cross a
 * block boundary (fs/erofs inode.c copies an extended inode that does;
 * xattr.c and zmap.c read through the metabuf at any position; compact
 * index packs are 32-byte aligned and never cross).  Only inline data, a
 * plain tail (data.c) or a ztailpacking pcluster (zmap.c), must lie
 * inside one block.
 *
 * So the area is one stream of 32-byte slots: the root first, then the
 * inodes with inline data, largest first, then the others, largest first.
 * Each takes the smallest hole that holds it whole, or else goes at the
 * end of the area, moved on (for inline data) just far enough that its
 * inline data fits the block; the slots skipped become holes.  Inodes
 * with no inline data fill the holes and then follow each other across
 * blocks, so only holes too small for any inode are left empty.  Ranks
 * are counted, not compared, so the order is the same on every run.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "liberofs_mkfs.h"

struct meta_alloc {
	const struct mkfs_ctx *ctx;
	unsigned int blksz, slots;	/* 32-byte slots per block */
	u64 base;			/* where nid 0 is */
	u64 end;			/* first free byte at the area's end */
	u64 *order;			/* see meta_order() */
	u64 **hole;			/* [k]: starts of holes of k slots */
	u64 *n, *cap;
};

static int meta_alloc_init(struct meta_alloc *ma, const struct mkfs_ctx *ctx,
			   u64 start)
{
	ma->ctx = ctx;
	ma->blksz = erofs_blksiz(&ctx->sbi);
	ma->slots = ma->blksz >> EROFS_ISLOTBITS;
	ma->base = erofs_pos(&ctx->sbi, ctx->sbi.meta_blkaddr);
	ma->end = start;
	ma->hole = calloc(ma->slots + 1, sizeof(*ma->hole));
	ma->n = calloc(ma->slots + 1, sizeof(*ma->n));
	ma->cap = calloc(ma->slots + 1, sizeof(*ma->cap));
	return ma->hole && ma->n && ma->cap ? 0 : -ENOMEM;
}

static void meta_alloc_release(struct meta_alloc *ma)
{
	for (unsigned int k = 0; ma->hole && k <= ma->slots; k++)
		free(ma->hole[k]);
	free(ma->hole);
	free(ma->n);
	free(ma->cap);
	free(ma->order);
}

static int meta_hole_push(struct meta_alloc *ma, u64 pos, unsigned int k)
{
	if (ma->n[k] == ma->cap[k]) {
		u64 cap = ma->cap[k] ? ma->cap[k] * 2 : 64;
		u64 *p = realloc(ma->hole[k], cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ma->hole[k] = p;
		ma->cap[k] = cap;
	}
	ma->hole[k][ma->n[k]++] = pos;
	return 0;
}

/* free slots [@pos, @end), as holes that each stay inside one block */
static int meta_hole_add(struct meta_alloc *ma, u64 pos, u64 end)
{
	int err = 0;

	while (!err && pos < end) {
		u64 stop = round_up(pos + 1, (u64)ma->blksz);

		if (stop > end)
			stop = end;
		err = meta_hole_push(ma, pos,
				     (unsigned int)((stop - pos) >> EROFS_ISLOTBITS));
		pos = stop;
	}
	return err;
}

/* @pos, or the first slot after it where the inline data fits one block */
static u64 meta_fit(const struct meta_alloc *ma, const struct mkfs_inode *in,
		    u32 total, u64 pos)
{
	u32 len = in->inline_size, off = total - len;

	if (!len)
		return mkfs_z_place(ma->ctx, in, pos);
	while ((pos + off) % ma->blksz + len > ma->blksz)
		pos += EROFS_ISLOT_SIZE;
	return pos;
}

static u32 meta_total(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	return in->inode_isize + in->xattr_isize + in->inline_size +
	       mkfs_z_meta_size(ctx, in);
}

/* the order of placing: the root, then ranks from high to low, see above */
static u32 meta_rank(const struct meta_alloc *ma, const struct mkfs_inode *in,
		     u32 total)
{
	u64 need = DIV_ROUND_UP((u64)total, EROFS_ISLOT_SIZE);
	u32 rank = need > ma->slots ? ma->slots + 1 : (u32)need;

	if (in->inline_size || mkfs_z_inline_size(ma->ctx, in))
		rank += ma->slots + 1;
	return rank;
}

/* ma->order: indexes into ctx->inodes in the order of placing */
static int meta_order(struct meta_alloc *ma)
{
	const struct mkfs_ctx *ctx = ma->ctx;
	u32 nranks = 2 * ma->slots + 2, *rank;
	u64 *first = calloc(nranks, sizeof(*first));

	rank = malloc(ctx->ninodes * sizeof(*rank));
	ma->order = malloc(ctx->ninodes * sizeof(*ma->order));
	if (first && rank && ma->order) {
		/* counted: rank 0 goes first, after the root */
		for (u64 i = 1; i < ctx->ninodes; i++) {
			const struct mkfs_inode *in = ctx->inodes[i];

			rank[i] = nranks - meta_rank(ma, in,
						     meta_total(ctx, in));
			first[rank[i]]++;
		}
		for (u64 r = 0, at = 1, c; r < nranks; r++) {
			c = first[r];
			first[r] = at;
			at += c;
		}
		ma->order[0] = 0;
		for (u64 i = 1; i < ctx->ninodes; i++)
			ma->order[first[rank[i]]++] = i;
	}
	free(rank);
	free(first);
	return first && rank && ma->order ? 0 : -ENOMEM;
}

static void meta_put(struct meta_alloc *ma, struct mkfs_inode *in, u64 pos)
{
	in->nid = (pos - ma->base) >> EROFS_ISLOTBITS;
}

/* into the smallest hole that holds it whole */
static bool meta_put_hole(struct meta_alloc *ma, struct mkfs_inode *in,
			  u32 total, int *err)
{
	u64 need = DIV_ROUND_UP((u64)total, EROFS_ISLOT_SIZE), k = need, pos;

	for (; k <= ma->slots && !ma->n[k]; k++)
		;
	if (k > ma->slots)
		return false;
	/* a hole is inside one block: so is all that fills it */
	pos = ma->hole[k][--ma->n[k]];
	meta_put(ma, in, pos);
	*err = meta_hole_add(ma, pos + need * EROFS_ISLOT_SIZE,
			     pos + k * EROFS_ISLOT_SIZE);
	return true;
}

/* at the end of the area, moved on until its inline data fits a block */
static int meta_put_end(struct meta_alloc *ma, struct mkfs_inode *in,
			u32 total)
{
	u64 start = ma->end, pos = meta_fit(ma, in, total, start);

	meta_put(ma, in, pos);
	ma->end = round_up(pos + total, (u64)EROFS_ISLOT_SIZE);
	return meta_hole_add(ma, start, pos);
}

/* every inode's nid; @start: the area's first free byte, *@end: its end */
int mkfs_meta_layout(struct mkfs_ctx *ctx, u64 start, u64 *end)
{
	struct meta_alloc ma = { 0 };
	int err = meta_alloc_init(&ma, ctx, start);

	if (!err)
		err = meta_order(&ma);
	/* the root, whose nid must fit 16 bits, at the start */
	if (!err)
		err = meta_put_end(&ma, ctx->root, meta_total(ctx, ctx->root));
	for (u64 i = 1; !err && i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[ma.order[i]];
		u32 total = meta_total(ctx, in);

		if (!meta_put_hole(&ma, in, total, &err))
			err = meta_put_end(&ma, in, total);
	}
	*end = round_up(ma.end, (u64)ma.blksz);
	meta_alloc_release(&ma);
	return err;
}
