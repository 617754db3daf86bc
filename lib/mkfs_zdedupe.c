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
 *
 * It also finds data repeated inside and across files (struct z_roll):
 * the first block's worth of input of every pcluster placed is kept in a
 * bounded table under a rolling hash, with the input the pcluster holds
 * in a ring of raw bytes.  While a file is compressed, the input just
 * before each new pcluster is hashed at every position; where it equals
 * the start of a pcluster in the table, and the bytes really match, the
 * file gets an extent that refers to that pcluster (a partial reference
 * when only a prefix of what it holds is used), and the extent before it
 * is cut short there.  Files are compressed one at a time in a fixed
 * order then (mkfs_zfile.c), so the table, and so every decision, is the
 * same whatever --workers says.
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
	return z && in->from_src && !z->plain && z->pblocks && !z->refs &&
	       !z->dup_of &&
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
		    x->ext[i].flags != y->ext[i].flags ||
		    x->ext[i].ref != y->ext[i].ref)
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

/* ---- repeated data inside and across files ---------------------------- */

/* the table: 2^Z_ROLL_BITS buckets of Z_ROLL_WAYS (8 MiB) */
#define Z_ROLL_BITS	16
#define Z_ROLL_WAYS	4
/* raw input of the pclusters in the table, the newest this many bytes */
#define Z_RING_SIZE	(32U << 20)
/* of one pcluster at most this much: longer matches stop there */
#define Z_RING_ENTRY	(1U << 20)
/* a bitmap that most positions fail, before the table is looked at */
#define Z_FILTER_BITS	23
/*
 * candidates whose bytes turn out to differ before a look gives up: in a
 * run of one byte value, every position hashes alike
 */
#define Z_ROLL_TRIES	8
/* an odd multiplier for the rolling hash (mod 2^64) */
#define Z_ROLL_MUL	0x9e3779b97f4a7c15ULL

struct z_rent {
	u64 hash;			/* rolling hash of the first window */
	u64 ring;			/* where its bytes are in the ring + 1 */
	u32 blk;			/* area block of the pcluster */
	u32 len;			/* input it holds */
	u32 slen;			/* bytes of that in the ring */
	u16 pblks;
	bool raw;
};

struct z_roll {
	struct z_rent *tab;
	u64 *filter;
	u8 *ring;
	u64 wpos;			/* bytes ever written to the ring */
	u64 task_wpos;			/* wpos when the current file began */
	u32 *slots;			/* slots the current file filled */
	u32 nslots, slots_cap;
	/* files placed with their blocks, on xxh[0]: to find whole copies */
	struct mkfs_inode **files;
	u64 files_cap, nfiles;
	unsigned int win;		/* window: one block */
	u64 mul_top;			/* Z_ROLL_MUL^(win - 1) */
	u64 mul_inv;			/* 1 / Z_ROLL_MUL */
	unsigned int misses;		/* this look's candidates that differed */
};

static u64 z_roll_hash(const struct z_roll *r, const u8 *p)
{
	u64 h = 0;

	for (unsigned int i = 0; i < r->win; i++)
		h = h * Z_ROLL_MUL + p[i];
	return h;
}

static u64 z_mix(u64 h)
{
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static u32 z_filter_bit(u64 h)
{
	return (u32)(z_mix(h) >> (64 - Z_FILTER_BITS));
}

static struct z_rent *z_bucket(const struct z_roll *r, u64 h)
{
	return r->tab + (z_mix(h) & ((1U << Z_ROLL_BITS) - 1)) * Z_ROLL_WAYS;
}

/* are @e's bytes still in the ring? */
static const u8 *z_rent_data(const struct z_roll *r, const struct z_rent *e)
{
	if (!e->ring || r->wpos - (e->ring - 1) > Z_RING_SIZE)
		return NULL;
	return r->ring + (e->ring - 1) % Z_RING_SIZE;
}

/* how many bytes a and b have in common at their start, up to @n */
static u32 z_common(const u8 *a, const u8 *b, u32 n)
{
	u32 i = 0;

	for (; i + 64 <= n && !memcmp(a + i, b + i, 64); i += 64)
		;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/*
 * Does the input at @p start like a pcluster of the table, for at least
 * @need bytes?  Then its match.
 */
static bool z_roll_try(struct z_roll *r, u64 h, const u8 *buf, u32 p,
		       u32 need, u32 end, struct z_roll_hit *hit)
{
	struct z_rent *b = z_bucket(r, h);

	if (need < r->win)
		need = r->win;
	for (unsigned int i = 0; i < Z_ROLL_WAYS; i++) {
		const u8 *d = b[i].hash == h ? z_rent_data(r, &b[i]) : NULL;
		u32 n;

		if (!d)
			continue;
		n = b[i].slen < end - p ? b[i].slen : end - p;
		if (n < need)
			continue;
		if (memcmp(d, buf + p, need)) {
			r->misses++;
			continue;
		}
		n = need + z_common(d + need, buf + p + need, n - need);
		*hit = (struct z_roll_hit){
			.p = p, .len = n, .blk = b[i].blk,
			.pblks = b[i].pblks, .partial = n < b[i].len,
			.raw = b[i].raw,
		};
		return true;
	}
	return false;
}

/*
 * The latest position in buf[@lo, @hi] (@lo <= @hi) where the input
 * starts like a pcluster of the table and matches it past @hi; data is
 * there up to @end.
 */
bool z_roll_match(struct z_roll *r, const u8 *buf, u32 lo, u32 hi, u32 end,
		  struct z_roll_hit *hit)
{
	u64 h;

	if (end - lo < r->win)
		return false;
	if (hi > end - r->win)
		hi = end - r->win;
	r->misses = 0;
	h = z_roll_hash(r, buf + hi);
	for (u32 p = hi; ; p--) {
		u32 bit = z_filter_bit(h);

		if ((r->filter[bit / 64] >> (bit % 64) & 1) &&
		    z_roll_try(r, h, buf, p, hi + 1 - p, end, hit))
			return true;
		if (p == lo || r->misses >= Z_ROLL_TRIES)
			return false;
		/* the window moves one byte back */
		h = (h - buf[p + r->win - 1]) * r->mul_inv +
		    buf[p - 1] * r->mul_top;
	}
}

/*
 * The first position in buf[@lo, @hi] where the input starts like a
 * pcluster of the table; data is there up to @end.
 */
bool z_roll_scan(struct z_roll *r, const u8 *buf, u32 lo, u32 hi, u32 end,
		 struct z_roll_hit *hit)
{
	u64 h;

	if (end < r->win || lo > end - r->win)
		return false;
	if (hi > end - r->win)
		hi = end - r->win;
	if (lo > hi)
		return false;
	r->misses = 0;
	h = z_roll_hash(r, buf + lo);
	for (u32 p = lo; ; p++) {
		u32 bit = z_filter_bit(h);

		if ((r->filter[bit / 64] >> (bit % 64) & 1) &&
		    z_roll_try(r, h, buf, p, r->win, end, hit))
			return true;
		if (p == hi || r->misses >= Z_ROLL_TRIES)
			return false;
		/* the window moves one byte on */
		h = (h - buf[p] * r->mul_top) * Z_ROLL_MUL + buf[p + r->win];
	}
}

/* keep @len bytes of input that a pcluster at area block @blk holds */
int z_roll_insert(struct z_roll *r, const u8 *data, u32 len, u32 blk,
		  u16 pblks, bool raw)
{
	u32 slen = len < Z_RING_ENTRY ? len : Z_RING_ENTRY, bit;
	struct z_rent *b, *e = NULL;
	u64 h;

	/* shorter ones are never looked for, and may end the buffer */
	if (len < r->win)
		return 0;
	h = z_roll_hash(r, data);
	b = z_bucket(r, h);
	for (unsigned int i = 0; i < Z_ROLL_WAYS; i++) {
		const u8 *d = b[i].hash == h ? z_rent_data(r, &b[i]) : NULL;

		/* the older copy stays */
		if (d && !memcmp(d, data, r->win))
			return 0;
		if (!e && !z_rent_data(r, &b[i]))
			e = &b[i];
	}
	if (!e)		/* all taken: which one goes depends on the hash */
		e = &b[h >> 62];
	if (r->nslots == r->slots_cap) {
		u32 cap = r->slots_cap ? r->slots_cap * 2 : 256;
		u32 *s = realloc(r->slots, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		r->slots = s;
		r->slots_cap = cap;
	}
	r->slots[r->nslots++] = e - r->tab;
	/* an entry's bytes never wrap around the ring's end */
	if (r->wpos % Z_RING_SIZE + slen > Z_RING_SIZE)
		r->wpos = round_up(r->wpos, (u64)Z_RING_SIZE);
	memcpy(r->ring + r->wpos % Z_RING_SIZE, data, slen);
	*e = (struct z_rent){
		.hash = h, .ring = r->wpos + 1, .blk = blk, .len = len,
		.slen = slen, .pblks = pblks, .raw = raw,
	};
	r->wpos += slen;
	bit = z_filter_bit(h);
	r->filter[bit / 64] |= 1ULL << (bit % 64);
	return 0;
}

/*
 * A file is done: its pclusters stay in the table, or, when @drop (its
 * blocks were not placed: it is stored uncompressed, or as a copy of
 * another file), they go.  The filter keeps its bits: they only cost a
 * look in the table.
 */
void z_roll_end(struct z_roll *r, bool drop)
{
	for (u32 i = 0; drop && i < r->nslots; i++) {
		struct z_rent *e = &r->tab[r->slots[i]];

		if (e->ring && e->ring - 1 >= r->task_wpos)
			memset(e, 0, sizeof(*e));
	}
	r->nslots = 0;
	r->task_wpos = r->wpos;
}

/* a file placed before with @in's size and content hash, from @*i on */
struct mkfs_inode *z_roll_file(struct z_roll *r, const struct mkfs_inode *in,
			       u64 *i)
{
	if (!r->files_cap)
		return NULL;
	if (*i == UINT64_MAX)
		*i = in->z->xxh[0];
	for (; r->files[*i & (r->files_cap - 1)]; (*i)++) {
		struct mkfs_inode *o = r->files[*i & (r->files_cap - 1)];

		if (o->size == in->size &&
		    !memcmp(o->z->xxh, in->z->xxh, sizeof(o->z->xxh))) {
			(*i)++;
			return o;
		}
	}
	return NULL;
}

int z_roll_add_file(struct z_roll *r, struct mkfs_inode *in)
{
	u64 j;

	if (r->nfiles * 2 >= r->files_cap) {
		u64 cap = r->files_cap ? r->files_cap * 2 : 1024;
		struct mkfs_inode **t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (u64 i = 0; i < r->files_cap; i++) {
			if (!r->files[i])
				continue;
			for (j = r->files[i]->z->xxh[0]; t[j & (cap - 1)]; j++)
				;
			t[j & (cap - 1)] = r->files[i];
		}
		free(r->files);
		r->files = t;
		r->files_cap = cap;
	}
	for (j = in->z->xxh[0]; r->files[j & (r->files_cap - 1)]; j++)
		;
	r->files[j & (r->files_cap - 1)] = in;
	r->nfiles++;
	return 0;
}

static void z_roll_free(struct z_roll *r)
{
	if (!r)
		return;
	free(r->files);
	free(r->tab);
	free(r->filter);
	free(r->ring);
	free(r->slots);
	free(r);
}

static int z_roll_init(struct mkfs_zctx *zc, unsigned int blkszbits)
{
	struct z_roll *r = calloc(1, sizeof(*r));
	u64 inv = Z_ROLL_MUL;

	if (!r)
		return -ENOMEM;
	r->tab = calloc((size_t)Z_ROLL_WAYS << Z_ROLL_BITS, sizeof(*r->tab));
	r->filter = calloc((1U << Z_FILTER_BITS) / 64, sizeof(u64));
	r->ring = malloc(Z_RING_SIZE);
	if (!r->tab || !r->filter || !r->ring) {
		z_roll_free(r);
		return -ENOMEM;
	}
	r->win = 1U << blkszbits;
	r->mul_top = 1;
	for (unsigned int i = 1; i < r->win; i++)
		r->mul_top *= Z_ROLL_MUL;
	/* Newton's iteration: each step doubles the correct low bits */
	for (int i = 0; i < 6; i++)
		inv *= 2 - Z_ROLL_MUL * inv;
	r->mul_inv = inv;
	zc->roll = r;
	return 0;
}

int z_dedupe_init(struct mkfs_zctx *zc, unsigned int blkszbits)
{
	zc->dd = calloc(1, sizeof(*zc->dd));
	if (!zc->dd)
		return -ENOMEM;
	return z_roll_init(zc, blkszbits);
}

void z_dedupe_release(struct mkfs_zctx *zc)
{
	if (!zc->dd)
		return;
	free(zc->dd->tab);
	free(zc->dd->buf);
	free(zc->dd);
	zc->dd = NULL;
	z_roll_free(zc->roll);
	zc->roll = NULL;
}
