// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * -E fragments: the tails of files (files shorter than a pcluster whole,
 * and every file with all-fragments) go into one special inode, the
 * packed inode, which is then compressed like a file: small pieces share
 * pclusters instead of rounding each up to a block.  Identical fragments
 * are stored once.  Files are taken in scan order, so the packed inode is
 * the same whatever the workers did.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>
#include "erofs/print.h"
#include "liberofs_zmkfs.h"

#define Z_FRAG_CHUNK	(1U << 20)

struct z_frag {
	u64 hash;
	u64 off;		/* in the packed inode */
	u32 len;		/* 0: free slot */
};

struct z_packer {
	struct mkfs_ctx *ctx;
	int fd;			/* the packed inode's content */
	u64 size;
	u8 *buf;		/* two chunks */
	struct z_frag *tab;
	u64 cap, n;
};

/* where @in's fragment waits in its scratch file */
static int z_frag_src(const struct z_packer *p, const struct mkfs_inode *in,
		      u64 *off)
{
	const struct mkfs_zinode *z = in->z;

	*off = z->frag_off;
	return p->ctx->z->spill_fds[z->frag_id];
}

static int z_frag_hash(struct z_packer *p, int fd, u64 off, u32 len,
		       u64 *hash)
{
	XXH3_state_t *st = XXH3_createState();
	int err = st ? 0 : -ENOMEM;

	if (!err && XXH3_64bits_reset(st) == XXH_ERROR)
		err = -ENOMEM;
	for (u32 done = 0; !err && done < len; ) {
		u32 n = len - done < Z_FRAG_CHUNK ? len - done : Z_FRAG_CHUNK;

		err = z_pread_all(fd, p->buf, n, off + done, "a scratch file");
		if (!err)
			XXH3_64bits_update(st, p->buf, n);
		done += n;
	}
	if (!err)
		*hash = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return err;
}

/* 1 if the packed inode holds the same bytes at @at, 0 if not */
static int z_frag_same(struct z_packer *p, int fd, u64 off, u64 at, u32 len)
{
	u8 *a = p->buf, *b = p->buf + Z_FRAG_CHUNK;

	for (u32 done = 0; done < len; ) {
		u32 n = len - done < Z_FRAG_CHUNK ? len - done : Z_FRAG_CHUNK;
		int err = z_pread_all(fd, a, n, off + done, "a scratch file");

		if (!err)
			err = z_pread_all(p->fd, b, n, at + done,
					  "the packed inode");
		if (err)
			return err;
		if (memcmp(a, b, n))
			return 0;
		done += n;
	}
	return 1;
}

static int z_frag_append(struct z_packer *p, int fd, u64 off, u32 len)
{
	for (u32 done = 0; done < len; ) {
		u32 n = len - done < Z_FRAG_CHUNK ? len - done : Z_FRAG_CHUNK;
		int err = z_pread_all(fd, p->buf, n, off + done, "a scratch file");

		if (!err)
			err = z_pwrite_all(p->fd, p->buf, n, p->size + done,
					   "the packed inode");
		if (err)
			return err;
		done += n;
	}
	p->size += len;
	return 0;
}

static int z_tab_grow(struct z_packer *p)
{
	u64 cap = p->cap ? p->cap * 2 : 1024;
	struct z_frag *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (u64 i = 0; i < p->cap; i++) {
		u64 j = p->tab[i].hash & (cap - 1);

		if (!p->tab[i].len)
			continue;
		while (tab[j].len)
			j = (j + 1) & (cap - 1);
		tab[j] = p->tab[i];
	}
	free(p->tab);
	p->tab = tab;
	p->cap = cap;
	return 0;
}

/* put @in's fragment into the packed inode, or find it there already */
static int z_pack_one(struct z_packer *p, struct mkfs_inode *in)
{
	u32 len = in->z->frag_size;
	u64 off, hash, j;
	int fd = z_frag_src(p, in, &off), err;

	if (p->n * 2 >= p->cap && (err = z_tab_grow(p)))
		return err;
	err = z_frag_hash(p, fd, off, len, &hash);
	for (j = hash & (p->cap - 1); !err && p->tab[j].len;
	     j = (j + 1) & (p->cap - 1)) {
		if (p->tab[j].hash != hash || p->tab[j].len != len)
			continue;
		err = z_frag_same(p, fd, off, p->tab[j].off, len);
		if (err > 0) {
			in->z->fragoff = p->tab[j].off;
			return 0;
		}
	}
	if (err)
		return err;
	in->z->fragoff = p->size;
	p->tab[j] = (struct z_frag){ hash, p->size, len };
	p->n++;
	return z_frag_append(p, fd, off, len);
}

static struct mkfs_inode *z_packed_inode(struct mkfs_ctx *ctx, u64 size)
{
	struct mkfs_inode *pk = calloc(1, sizeof(*pk));

	if (!pk)
		return NULL;
	pk->mode = S_IFREG | 0600;
	pk->nlink = 1;
	pk->size = size;
	pk->mtime = ctx->build_sec;
	pk->mtime_nsec = ctx->build_nsec;
	return pk;
}

/* the file name's suffix from its last dot, "" when it has none */
static const char *z_suffix(const struct mkfs_inode *in)
{
	const char *base = strrchr(in->path, '/'), *dot;

	base = base ? base + 1 : in->path;
	dot = strrchr(base, '.');
	return dot && dot != base ? dot : "";
}

struct z_frag_key {
	struct mkfs_inode *in;
	const char *suffix;
	u64 order;		/* scan order */
};

static int z_cmp_frag(const void *a, const void *b)
{
	const struct z_frag_key *x = a, *y = b;
	int c = strcmp(x->suffix, y->suffix);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * The files whose fragments go to the packed inode, grouped by name
 * suffix (scan order within a group): files of one kind share more, and
 * more of them share a pcluster that way.
 */
static int z_frag_order(struct mkfs_ctx *ctx, struct z_frag_key **out, u64 *n)
{
	struct z_frag_key *k = malloc((ctx->ninodes ? ctx->ninodes : 1) *
				      sizeof(*k));

	*n = 0;
	if (!k)
		return -ENOMEM;
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];

		if (in->z && in->z->frag_size)
			k[(*n)++] = (struct z_frag_key){ in, z_suffix(in), i };
	}
	qsort(k, *n, sizeof(*k), z_cmp_frag);
	*out = k;
	return 0;
}

/*
 * Gather the fragments into a scratch file, *@fd, and make the packed
 * inode for it (ctx->z->packed, none when no file has a fragment); the
 * caller compresses that file into it and closes *@fd.
 */
int z_build_packed(struct mkfs_ctx *ctx, int *fd)
{
	struct z_packer p = { .ctx = ctx, .fd = z_open_spill(ctx->cfg) };
	struct z_frag_key *keys = NULL;
	u64 nkeys = 0;
	int err = p.fd < 0 ? p.fd : 0;

	p.buf = malloc(2 * Z_FRAG_CHUNK);
	if (!err && !p.buf)
		err = -ENOMEM;
	if (!err)
		err = z_frag_order(ctx, &keys, &nkeys);
	for (u64 i = 0; !err && i < nkeys; i++)
		err = z_pack_one(&p, keys[i].in);
	free(keys);
	if (!err && p.size) {
		ctx->z->packed = z_packed_inode(ctx, p.size);
		if (!ctx->z->packed)
			err = -ENOMEM;
	}
	free(p.buf);
	free(p.tab);
	*fd = p.fd;
	return err;
}
