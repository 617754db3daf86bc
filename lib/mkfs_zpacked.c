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
	/* the name, or the last component of a tar member's path */
	const char *base = strrchr(in->name, '/'), *dot;

	base = base ? base + 1 : in->name;
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
/* ---- shared ends ------------------------------------------------------ */

/*
 * Many files end alike (licence texts, closing boilerplate).  A whole-file
 * fragment whose end equals the end of one packed before it, in full,
 * need not be packed again: its fragment becomes the end of that one's,
 * and the rest of the file (its head) is compressed into blocks of its
 * own (mkfs_zfile.c).  Ends are found by a hash of their last Z_END_HASH
 * bytes, then compared backwards; only fragments kept whole are matched
 * against, so every shared end is in the packed inode as it is.
 */
#define Z_END_HASH	64
#define Z_END_TRIES	8	/* candidates compared per fragment */
/* heads are staged whole (mkfs_zplace.c), so that they can be dropped */
#define Z_END_MAX	(16U << 20)

struct z_end {
	u64 hash;
	struct mkfs_inode *in;	/* NULL: free slot */
};

struct z_ends {
	struct z_end *tab;
	u64 cap, n;
	u8 *a, *b;		/* Z_FRAG_CHUNK each */
};

static int z_ends_grow(struct z_ends *e)
{
	u64 cap = e->cap ? e->cap * 2 : 1024;
	struct z_end *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (u64 i = 0; i < e->cap; i++) {
		u64 j = e->tab[i].hash & (cap - 1);

		if (!e->tab[i].in)
			continue;
		while (tab[j].in)
			j = (j + 1) & (cap - 1);
		tab[j] = e->tab[i];
	}
	free(e->tab);
	e->tab = tab;
	e->cap = cap;
	return 0;
}

/* bytes at the end of @x's fragment equal to those at the end of @y's */
static int z_common_end(struct mkfs_ctx *ctx, struct z_ends *e,
			const struct mkfs_zinode *x,
			const struct mkfs_zinode *y, u64 *same)
{
	u64 max = x->frag_size < y->frag_size ? x->frag_size : y->frag_size;
	int xfd = ctx->z->spill_fds[x->frag_id];
	int yfd = ctx->z->spill_fds[y->frag_id];

	*same = 0;
	while (*same < max) {
		u32 n = max - *same < Z_FRAG_CHUNK ? max - *same : Z_FRAG_CHUNK;
		u64 xo = x->frag_off + x->frag_size - *same - n;
		u64 yo = y->frag_off + y->frag_size - *same - n;
		int err = z_pread_all(xfd, e->a, n, xo, "a scratch file");

		if (!err)
			err = z_pread_all(yfd, e->b, n, yo, "a scratch file");
		if (err)
			return err;
		for (u32 i = n; i; i--) {
			if (e->a[i - 1] != e->b[i - 1])
				return 0;
			++*same;
		}
	}
	return 0;
}

/* the longest end @in shares with a fragment kept whole: *@of, *@len */
static int z_find_end(struct mkfs_ctx *ctx, struct z_ends *e,
		      struct mkfs_inode *in, u64 hash,
		      struct mkfs_inode **of, u64 *len)
{
	unsigned int tries = 0;

	*of = NULL;
	*len = 0;
	for (u64 j = hash & (e->cap - 1); e->tab[j].in && tries < Z_END_TRIES;
	     j = (j + 1) & (e->cap - 1)) {
		u64 same;
		int err;

		if (e->tab[j].hash != hash)
			continue;
		tries++;
		err = z_common_end(ctx, e, in->z, e->tab[j].in->z, &same);
		if (err)
			return err;
		if (same > *len) {
			*len = same;
			*of = e->tab[j].in;
		}
	}
	return 0;
}

static int z_end_hash(struct mkfs_ctx *ctx, struct z_ends *e,
		      const struct mkfs_zinode *z, u64 *hash)
{
	int err = z_pread_all(ctx->z->spill_fds[z->frag_id], e->a, Z_END_HASH,
			      z->frag_off + z->frag_size - Z_END_HASH,
			      "a scratch file");

	if (!err)
		*hash = XXH3_64bits(e->a, Z_END_HASH);
	return err;
}

static int z_match_one(struct mkfs_ctx *ctx, struct z_ends *e,
		       struct mkfs_inode *in, struct mkfs_inode ***cut,
		       u64 *ncut, u64 *cap)
{
	struct mkfs_inode *of;
	u64 hash, len, j;
	int err;

	if (!z_whole_fragment(in) || in->size < Z_END_HASH ||
	    in->size > Z_END_MAX)
		return 0;
	if (e->n * 2 >= e->cap && (err = z_ends_grow(e)))
		return err;
	err = z_end_hash(ctx, e, in->z, &hash);
	if (!err)
		err = z_find_end(ctx, e, in, hash, &of, &len);
	if (err)
		return err;
	if (of && len == in->size) {		/* all of it: nothing to cut */
		in->z->tail_of = of;
		return 0;
	}
	if (of) {
		if (*ncut == *cap) {
			void *p;

			*cap = *cap ? *cap * 2 : 64;
			p = realloc(*cut, *cap * sizeof(**cut));
			if (!p)
				return -ENOMEM;
			*cut = p;
		}
		(*cut)[(*ncut)++] = in;
		in->z->tail_of = of;
		in->z->frag_size = len;	/* until the head says where it ends */
		return 0;
	}
	for (j = hash & (e->cap - 1); e->tab[j].in; j = (j + 1) & (e->cap - 1))
		;
	e->tab[j] = (struct z_end){ hash, in };
	e->n++;
	return 0;
}

/*
 * In packing order: the files whose fragment ends like one before it;
 * *@cut gets those that keep a head (their z->frag_size: the shared end),
 * the caller compresses the heads and sets each fragment's final size
 * (or clears tail_of to pack it whole after all).
 */
int z_match_tails(struct mkfs_ctx *ctx, struct mkfs_inode ***cut, u64 *ncut)
{
	struct z_ends e = { 0 };
	struct z_frag_key *keys = NULL;
	u64 nkeys = 0, cap = 0;
	int err;

	*cut = NULL;
	*ncut = 0;
	e.a = malloc(Z_FRAG_CHUNK);
	e.b = malloc(Z_FRAG_CHUNK);
	err = e.a && e.b ? z_frag_order(ctx, &keys, &nkeys) : -ENOMEM;
	for (u64 i = 0; !err && i < nkeys; i++)
		err = z_match_one(ctx, &e, keys[i].in, cut, ncut, &cap);
	free(keys);
	free(e.tab);
	free(e.a);
	free(e.b);
	return err;
}

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
		if (!keys[i].in->z->tail_of)
			err = z_pack_one(&p, keys[i].in);
	/* a shared end is the end of a fragment packed whole */
	for (u64 i = 0; !err && i < nkeys; i++) {
		struct mkfs_zinode *z = keys[i].in->z;
		const struct mkfs_zinode *of = z->tail_of ? z->tail_of->z : NULL;

		if (of)
			z->fragoff = of->fragoff + of->frag_size - z->frag_size;
	}
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
