// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * -E dedupe: files with identical content store their blocks once.  Each
 * file was compressed on its own and compression depends only on the
 * content, so identical files came out as identical extents and spill
 * bytes; a later one (in scan order) then points at the first one's
 * blocks.  Blocks shared between inodes need no feature bit, and each
 * file's own pclusters stay back to back, so compact indexes still work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "liberofs_zmkfs.h"

#define Z_CMP_CHUNK	(256U << 10)

struct z_dedupe {
	struct mkfs_ctx *ctx;
	struct mkfs_inode **tab;	/* open addressing on xxh[0] */
	u64 cap, n;
	u8 *buf;			/* two chunks */
};

static bool z_dedupable(const struct mkfs_inode *in)
{
	const struct mkfs_zinode *z = in->z;

	/*
	 * Plain files are left alone: whether their tail is inline depends
	 * on their xattrs, so two copies may need different blocks.
	 */
	return z && in->path && !z->raw && z->pblocks &&
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

/* do @a and @b give byte-identical data blocks? */
static int z_same_blocks(struct z_dedupe *d, const struct mkfs_inode *a,
			 const struct mkfs_inode *b)
{
	const struct mkfs_zinode *x = a->z, *y = b->z;
	const struct mkfs_zctx *zc = d->ctx->z;
	u64 len = erofs_pos(&d->ctx->sbi, x->pblocks);

	if (a->size != b->size || memcmp(x->xxh, y->xxh, sizeof(x->xxh)) ||
	    x->pblocks != y->pblocks || !z_same_extents(x, y))
		return 0;
	for (u64 done = 0; done < len; ) {
		u32 n = len - done < Z_CMP_CHUNK ? len - done : Z_CMP_CHUNK;
		int err = z_pread_all(zc->spill_fds[x->spill_id], d->buf, n,
				      x->spill_off + done, "a spill file");

		if (!err)
			err = z_pread_all(zc->spill_fds[y->spill_id],
					  d->buf + Z_CMP_CHUNK, n,
					  y->spill_off + done, "a spill file");
		if (err)
			return err;
		if (memcmp(d->buf, d->buf + Z_CMP_CHUNK, n))
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

static int z_dedupe_one(struct z_dedupe *d, struct mkfs_inode *in)
{
	u64 j;
	int err = 0;

	if (d->n * 2 >= d->cap && (err = z_grow(d)))
		return err;
	for (j = in->z->xxh[0] & (d->cap - 1); d->tab[j];
	     j = (j + 1) & (d->cap - 1)) {
		err = z_same_blocks(d, d->tab[j], in);
		if (err < 0)
			return err;
		if (err) {
			in->z->dup_of = d->tab[j];
			return 0;
		}
	}
	d->tab[j] = in;
	d->n++;
	return 0;
}

int z_dedupe_files(struct mkfs_ctx *ctx)
{
	struct z_dedupe d = { .ctx = ctx, .buf = malloc(2 * Z_CMP_CHUNK) };
	int err = d.buf ? 0 : -ENOMEM;

	for (u64 i = 0; !err && i < ctx->ninodes; i++)
		if (z_dedupable(ctx->inodes[i]))
			err = z_dedupe_one(&d, ctx->inodes[i]);
	free(d.tab);
	free(d.buf);
	return err;
}
