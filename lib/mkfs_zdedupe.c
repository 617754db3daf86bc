// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * -E dedupe: files with identical content store their blocks once.  Each
 * file is compressed on its own and compression depends only on the
 * content, so identical files come out as identical extents and bytes;
 * when a file's turn to be placed comes (mkfs_zplace.c), one placed
 * before it with the same blocks already in the image is looked for, and
 * the file then points at those.  Blocks shared between inodes need no
 * feature bit, and each file's own pclusters stay back to back, so
 * compact indexes still work.  With -E dedupe no file is cut into
 * segments (mkfs_zfile.c), so every file, however large, is looked up;
 * one whose blocks went straight to the image (more than a task may
 * stage) is compared there, and taken back when it is a copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "liberofs_zmkfs.h"

#define Z_CMP_CHUNK	(256U << 10)

struct z_dedupe {
	struct mkfs_inode **tab;	/* open addressing on xxh[0] */
	u64 cap, n;
	u8 *buf;			/* one chunk */
};

static bool z_dedupable(const struct mkfs_inode *in)
{
	const struct mkfs_zinode *z = in->z;

	/*
	 * Files left to the writer are: whether their tail is inline
	 * depends on their xattrs, so two copies may need different blocks.
	 * Big ones kept raw in the area have no inline tail: they may share.
	 */
	return z && in->path && !z->plain && z->pblocks &&
	       !z_whole_fragment(in);
}

static bool z_same_extents(const struct mkfs_zinode *x,
			   const struct mkfs_zinode *y)
{
	if (x->nextents != y->nextents)
		return false;
	for (u32 i = 0; i < x->nextents; i++)
		if (x->ext[i].length != y->ext[i].length ||
		    x->ext[i].pblks != y->ext[i].pblks ||
		    x->ext[i].flags != y->ext[i].flags)
			return false;
	return true;
}

/*
 * Are @b's blocks, still in @buf (or, when NULL, in the image at area
 * offset @b_off), those @a has in the image?
 */
static int z_same_blocks(struct mkfs_ctx *ctx, struct z_dedupe *d,
			 const struct mkfs_inode *a,
			 const struct mkfs_inode *b, const u8 *buf, u64 b_off)
{
	const struct mkfs_zinode *x = a->z, *y = b->z;
	u64 len = erofs_pos(&ctx->sbi, x->pblocks);
	u64 at = ctx->cfg->offset + ctx->z->area_start + x->area_off;
	u64 bat = ctx->cfg->offset + ctx->z->area_start + b_off;

	if (a->size != b->size || memcmp(x->xxh, y->xxh, sizeof(x->xxh)) ||
	    x->pblocks != y->pblocks || x->alg != y->alg ||
	    x->raw != y->raw || !z_same_extents(x, y))
		return 0;
	for (u64 done = 0; done < len; ) {
		u32 n = len - done < Z_CMP_CHUNK ? len - done : Z_CMP_CHUNK;
		u8 *theirs = d->buf + Z_CMP_CHUNK;
		int err = z_pread_all(ctx->fd, d->buf, n, at + done,
				      "the image");

		if (!err && !buf)
			err = z_pread_all(ctx->fd, theirs, n, bat + done,
					  "the image");
		if (err)
			return err;
		if (memcmp(d->buf, buf ? buf + done : theirs, n))
			return 0;
		done += n;
	}
	return 1;
}

static int z_grow(struct z_dedupe *d)
{
	u64 cap = d->cap ? d->cap * 2 : 1024;
	struct mkfs_inode **tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (u64 i = 0; i < d->cap; i++) {
		u64 j;

		if (!d->tab[i])
			continue;
		j = d->tab[i]->z->xxh[0] & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = d->tab[i];
	}
	free(d->tab);
	d->tab = tab;
	d->cap = cap;
	return 0;
}

/*
 * @in's blocks are @buf, or when NULL already in the image at area offset
 * @off: point it at a copy placed before (*@dup), or remember it as
 * placed (once the caller has written them).
 */
int z_dedupe_find(struct mkfs_ctx *ctx, struct mkfs_inode *in, const u8 *buf,
		  u64 off, bool *dup)
{
	struct z_dedupe *d = ctx->z->dd;
	u64 j;
	int err = 0;

	*dup = false;
	if (!z_dedupable(in))
		return 0;
	if (!d->buf && !(d->buf = malloc(2 * Z_CMP_CHUNK)))
		return -ENOMEM;
	if (d->n * 2 >= d->cap && (err = z_grow(d)))
		return err;
	for (j = in->z->xxh[0] & (d->cap - 1); d->tab[j];
	     j = (j + 1) & (d->cap - 1)) {
		err = z_same_blocks(ctx, d, d->tab[j], in, buf, off);
		if (err < 0)
			return err;
		if (err) {
			in->z->dup_of = d->tab[j];
			*dup = true;
			return 0;
		}
	}
	d->tab[j] = in;
	d->n++;
	return 0;
}

int z_dedupe_init(struct mkfs_zctx *zc)
{
	zc->dd = calloc(1, sizeof(*zc->dd));
	return zc->dd ? 0 : -ENOMEM;
}

void z_dedupe_release(struct mkfs_zctx *zc)
{
	if (!zc->dd)
		return;
	free(zc->dd->tab);
	free(zc->dd->buf);
	free(zc->dd);
	zc->dd = NULL;
}
