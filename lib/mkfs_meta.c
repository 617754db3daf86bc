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
#include <stdlib.h>
#include <sys/stat.h>
#include "erofs/print.h"
#include "liberofs_mkfs.h"

struct meta_alloc {
	const struct mkfs_ctx *ctx;
	unsigned int blksz, slots;	/* 32-byte slots per block */
	u64 end;			/* first free byte at the area's end */
	u64 **hole;			/* [k]: starts of holes of k slots */
	u64 *n, *cap;
};

static int meta_alloc_init(struct meta_alloc *ma, const struct mkfs_ctx *ctx,
			   u64 start)
{
	ma->ctx = ctx;
	ma->blksz = erofs_blksiz(&ctx->sbi);
	ma->slots = ma->blksz >> EROFS_ISLOTBITS;
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

/* bytes from the inode's start to its inline data, and their number */
static u32 meta_inline(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		       u32 total, u32 *len)
{
	*len = in->inline_size;
	if (!*len)
		*len = mkfs_z_inline_size(ctx, in);
	return total - *len;
}

/* @pos, or the first slot after it where the inline data fits one block */
static u64 meta_fit(struct meta_alloc *ma, const struct mkfs_inode *in,
		    u32 total, u64 pos)
{
	u32 len, off = meta_inline(ma->ctx, in, total, &len);

	if (!in->inline_size)
		return mkfs_z_place(ma->ctx, in, pos);
	while (len && (pos + off) % ma->blksz + len > ma->blksz)
		pos += EROFS_ISLOT_SIZE;
	return pos;
}

static int meta_place(struct meta_alloc *ma, const struct mkfs_inode *in,
		      u32 total, u64 *pos)
{
	u64 need = DIV_ROUND_UP((u64)total, EROFS_ISLOT_SIZE), k = need;

	for (; k <= ma->slots && !ma->n[k]; k++)
		;
	if (k <= ma->slots) {
		/* a hole is inside one block: so is all that fills it */
		*pos = ma->hole[k][--ma->n[k]];
		return meta_hole_add(ma, *pos + need * EROFS_ISLOT_SIZE,
				     *pos + k * EROFS_ISLOT_SIZE);
	}
	k = ma->end;
	*pos = meta_fit(ma, in, total, k);
	ma->end = *pos + need * EROFS_ISLOT_SIZE;
	return meta_hole_add(ma, k, *pos);
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
	u32 len, rank = need > ma->slots ? ma->slots + 1 : (u32)need;

	meta_inline(ma->ctx, in, total, &len);
	return len ? rank + ma->slots + 1 : rank;
}

static u64 *meta_order(const struct meta_alloc *ma, const struct mkfs_ctx *ctx)
{
	u32 nranks = 2 * ma->slots + 2, *rank;
	u64 *first = calloc(nranks, sizeof(*first)), *order = NULL;

	rank = malloc(ctx->ninodes * sizeof(*rank));
	if (first && rank)
		order = malloc(ctx->ninodes * sizeof(*order));
	if (order) {
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
		order[0] = 0;
		for (u64 i = 1; i < ctx->ninodes; i++)
			order[first[rank[i]]++] = i;
	}
	free(rank);
	free(first);
	return order;
}

/* every inode's nid; @start: the area's first free byte, *@end: its end */
int mkfs_meta_layout(struct mkfs_ctx *ctx, u64 start, u64 *end)
{
	u64 base = erofs_pos(&ctx->sbi, ctx->sbi.meta_blkaddr), *order, pos;
	struct meta_alloc ma = { 0 };
	int err = meta_alloc_init(&ma, ctx, start);

	order = err ? NULL : meta_order(&ma, ctx);
	if (!order)
		err = -ENOMEM;
	for (u64 i = 0; !err && i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[order[i]];

		err = meta_place(&ma, in, meta_total(ctx, in), &pos);
		in->nid = (pos - base) >> EROFS_ISLOTBITS;
	}
	*end = round_up(ma.end, (u64)ma.blksz);
	free(order);
	meta_alloc_release(&ma);
	return err;
}
