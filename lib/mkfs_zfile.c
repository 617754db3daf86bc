// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Compressing files before the layout (see liberofs_zmkfs.h): worker
 * threads read each candidate file once, hash it, cut it into extents
 * that each fill one pcluster, and hand the pclusters to mkfs_zplace.c,
 * which puts them in the image's data area in task order.  What a file
 * becomes depends only on its content, never on which worker took it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include "erofs/progress.h"
#include "erofs/fingerprint.h"
#include "erofs/print.h"
#include "liberofs_zmkfs.h"

/* scratch writes are batched */
#define Z_STAGE		(1U << 20)
/*
 * Big files and the packed inode are compressed in segments this long, on
 * all workers; segments are lcluster-aligned, so an extent that ends at
 * one is still the only head in its lcluster.
 */
#define Z_SEGMENT	(16U << 20)
/*
 * ztailpacking data must not cross a block boundary, and an inode may
 * only move in 32-byte steps: data this much shorter than a block always
 * finds a place.
 */
#define Z_INLINE_SLACK		32
/*
 * -E fragments: a last part of up to this many pclusters is first checked
 * cheaply for whether it fits one, since a real try would be thrown away
 * (the part goes to the packed inode and is compressed there).
 */
#define Z_PROBE_MAX		3
/*
 * -E dedupe: input kept before the current position, where a repeat may
 * start that the last pcluster took in already
 */
#define Z_BACK		(256U << 10)

/* ---- scratch files ---------------------------------------------------- */

static int z_spill_flush(struct z_spill *sp)
{
	int err;

	if (!sp->stage_len)
		return 0;
	err = z_pwrite_all(sp->fd, sp->stage, sp->stage_len, sp->stage_off,
			   "a scratch file");
	sp->stage_off += sp->stage_len;
	sp->stage_len = 0;
	return err;
}

/* append @len bytes, or zeroes when @buf is NULL */
static int z_spill_write(struct z_spill *sp, const void *buf, u32 len)
{
	while (len) {
		u32 n = Z_STAGE - sp->stage_len;
		int err;

		if (!n) {
			err = z_spill_flush(sp);
			if (err)
				return err;
			continue;
		}
		if (n > len)
			n = len;
		if (buf) {
			memcpy(sp->stage + sp->stage_len, buf, n);
			buf = (const u8 *)buf + n;
		} else {
			memset(sp->stage + sp->stage_len, 0, n);
		}
		sp->stage_len += n;
		sp->pos += n;
		len -= n;
	}
	return 0;
}

/* ---- compressing one file --------------------------------------------- */

struct z_worker {
	struct mkfs_ctx *ctx;
	unsigned int id;
	struct z_erofs_compressor comp;
	struct erofs_sha256 sha;
	XXH3_state_t *xxh;		/* -E dedupe */
	u8 *win;		/* Z_WINDOW bytes of input */
	u8 *out;		/* one pcluster */
	u8 *out2;		/* another, for a second try */
	u32 *noise;		/* z_erofs_noise()'s scratch, if it is used */
	struct z_out area;	/* the task's blocks */
	struct z_spill sp;	/* -E fragments: raw fragment bytes */
	struct mkfs_zinode *done;	/* what the task made */
	struct mkfs_inode *done_in;	/* the whole file it was, if so */
	u64 ticket0;		/* ticket of task 0 */
	u64 roll_area0;		/* -E dedupe: area offset the task began at */
	bool rolled;		/* the task used the table of pclusters */
	char path[PATH_MAX];	/* the task's source file, for messages */

	/* shared by all workers */
	pthread_mutex_t *lock;
	int (*task)(struct z_worker *w, u64 i);
	void *arg;
	u64 ntasks, *next;
	int *error;
};

struct z_file {
	struct z_worker *w;
	const struct mkfs_inode *in;
	const char *name;		/* for messages */
	u64 base, size;		/* compress [base, base + size) */
	u64 skew;		/* where byte 0 of the inode is in fd */
	u64 stop;		/* a head: done once this much is in extents */
	struct mkfs_zinode *z;
	int fd;
	u64 done;		/* bytes read so far */
	u32 head, tail;		/* unconsumed input is win[head, tail) */
	u32 hint;		/* input the last extent took */
	u32 hint_out;		/* and its compressed size, 0 if none */
	struct z_roll *roll;	/* -E dedupe: repeats of placed pclusters */
	u64 area0;		/* with it: where the task's blocks go */
	u32 cut;		/* with it: the next extent ends here, if not 0 */
	bool hash;
	bool last;		/* the end is the end of the inode */
	bool frag;		/* its tail may go to the packed inode */
	bool all_frag;		/* all of it does */
};

static int z_add_extent(struct mkfs_zinode *z, u32 length, u16 pblks,
			u8 flags)
{
	if (z->nextents == z->ext_cap) {
		u32 cap = z->ext_cap ? z->ext_cap * 2 : 16;
		void *p = realloc(z->ext, cap * sizeof(*z->ext));

		if (!p)
			return -ENOMEM;
		z->ext = p;
		z->ext_cap = cap;
	}
	z->ext[z->nextents++] = (struct z_extent){ length, 0, pblks, flags };
	z->pblocks += pblks;
	return 0;
}

/* an extent that refers to @h's pcluster, placed before */
static int z_add_ref(struct mkfs_zinode *z, const struct z_roll_hit *h)
{
	u8 flags = Z_EXT_REF | (h->raw ? Z_EXT_RAW : 0) |
		   (h->partial && !h->raw ? Z_EXT_PARTIAL : 0);
	int err = z_add_extent(z, h->len, 0, flags);

	if (err)
		return err;
	z->ext[z->nextents - 1].ref = h->blk;
	z->ext[z->nextents - 1].pblks = h->pblks;
	z->refs = true;
	return 0;
}

/* keep at least half a window of input ahead, as long as the file lasts */
static int z_refill(struct z_file *f)
{
	u8 *win = f->w->win;
	u32 n;
	int err;

	u32 back = f->roll ? (f->head < Z_BACK ? f->head : Z_BACK) : 0;

	if (f->tail - f->head >= Z_WINDOW / 2 || f->done == f->size)
		return 0;
	memmove(win, win + f->head - back, f->tail - f->head + back);
	f->tail -= f->head - back;
	f->head = back;
	n = Z_WINDOW - f->tail;
	if (n > f->size - f->done)
		n = f->size - f->done;
	err = z_pread_all(f->fd, win + f->tail, n, f->skew + f->base + f->done,
			  f->name);
	if (err == -EIO)
		err = erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				    f->name);
	if (!err && f->hash)
		err = erofs_sha256_update(&f->w->sha, win + f->tail, n);
	if (!err && f->w->xxh)
		XXH3_128bits_update(f->w->xxh, win + f->tail, n);
	f->tail += n;
	f->done += n;
	return err;
}

/* one block holding @len bytes as they are */
static int z_emit_raw(struct z_file *f, u32 len)
{
	struct z_worker *w = f->w;
	unsigned int blksz = erofs_blksiz(&w->ctx->sbi);
	int err = z_out_write(w->ctx, &w->area, w->win + f->head, len);

	if (!err)
		err = z_out_write(w->ctx, &w->area, NULL, blksz - len);
	if (!err)
		err = z_add_extent(f->z, len, 1, Z_EXT_RAW);
	f->z->cbytes += len;
	f->head += len;
	return err;
}

/*
 * The input a pcluster did not shrink goes out as raw blocks, as many as
 * it took (up to a pcluster), so that the next try starts past it.
 */
static int z_emit_raws(struct z_file *f, u32 avail, u32 took)
{
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	unsigned int pcs = f->w->ctx->z->pclustersize;
	u32 n = (took < pcs ? took : pcs) / blksz;
	int err = 0;

	if (avail < blksz)
		return z_emit_raw(f, avail);
	for (u32 i = 0; i < (n ? n : 1) && !err; i++)
		err = z_emit_raw(f, blksz);
	return err;
}

/*
 * Fill one pcluster from the input.  Compressors may look at all the input
 * they are offered (lz4hc does, on data that does not compress), so offer
 * a few times what the last pcluster took, and more only when all of it
 * fitted.
 */
static int z_fill_pcluster(struct z_file *f, u32 avail, u32 *len)
{
	struct z_worker *w = f->w;
	unsigned int pcs = w->ctx->z->pclustersize;
	unsigned int k = w->comp.ops->offer_factor;
	u32 limit = k * (f->hint > pcs ? f->hint : pcs);
	int n;

	while (1) {
		u32 offer = avail < limit ? avail : limit;

		*len = offer;
		w->comp.hint_in = f->hint;
		w->comp.hint_out = f->hint_out;
		n = w->comp.ops->compress_destsize(&w->comp, w->win + f->head,
						   len, w->out, pcs);
		if (n <= 0 || *len < offer || offer == avail)
			break;
		limit = offer > UINT32_MAX / 4 ? UINT32_MAX : offer * 4;
	}
	if (n < 0)
		return erofs_err_ret(n, "cannot compress '%s': %s", f->name,
				     erofs_strerror(n));
	f->hint = *len;
	f->hint_out = n;
	return n;
}

/*
 * -E fragments: the input goes, as it is, to the worker's scratch file;
 * it moves to the packed inode once every file is done.  With
 * all-fragments a whole file does, window by window.
 */
static int z_emit_fragment(struct z_file *f, u32 len)
{
	int err;

	if (!f->z->frag_size)
		f->z->frag_off = f->w->sp.pos;
	err = z_spill_write(&f->w->sp, f->w->win + f->head, len);

	f->head += len;
	f->z->frag_size += len;
	if (err || f->done != f->size || f->head != f->tail)
		return err;
	return z_add_extent(f->z, f->z->frag_size, 0, Z_EXT_FRAGMENT);
}

/* ztailpacking: @len bytes of input as @size bytes after the indexes */
static int z_emit_inline(struct z_file *f, const u8 *data, u32 len,
			 u32 size, u8 flags)
{
	int err = 0;

	f->z->idata = malloc(size);
	if (!f->z->idata)
		return -ENOMEM;
	memcpy(f->z->idata, data, size);
	err = z_add_extent(f->z, len, 0, flags | Z_EXT_INLINE);
	f->z->idata_size = size;
	f->head += len;
	return err;
}

/*
 * ztailpacking: the rest of the file compressed into @n bytes, more than
 * a block.  Rather than round that up to whole blocks, try to fill
 * round_down(@n) and leave what did not fit for an inline tail, as
 * erofs-utils does; kept when the smaller pcluster plus that input (an
 * upper bound of its inline size) takes less than the rounded-up one,
 * and that input surely fits in @room inline.
 */
static int z_shrink_tail(struct z_file *f, u32 avail, u32 *len, int n,
			 u32 room)
{
	struct z_worker *w = f->w;
	unsigned int blksz = erofs_blksiz(&w->ctx->sbi);
	u32 dst = round_down((u32)n, blksz), len2 = avail;
	int n2;

	if (!(n % blksz) || !dst)
		return n;
	w->comp.hint_in = f->hint;
	w->comp.hint_out = f->hint_out;
	n2 = w->comp.ops->compress_destsize(&w->comp, w->win + f->head, &len2,
					    w->out2, dst);
	if (n2 < 0)
		return erofs_err_ret(n2, "cannot compress '%s': %s", f->name,
				     erofs_strerror(n2));
	if (!n2 || len2 >= avail || avail - len2 > room ||
	    n2 + (avail - len2) >= round_up((u32)n, blksz))
		return n;
	memcpy(w->out, w->out2, n2);
	*len = len2;
	f->hint = len2;
	f->hint_out = n2;
	return n2;
}

/*
 * One extent: as much input as compresses into a pcluster, or one raw
 * block when that gains nothing.  Compressed data ends the pcluster,
 * zeroes before it (LZ4_0PADDING: readers skip leading zeroes).
 */
static int z_emit(struct z_file *f)
{
	struct z_worker *w = f->w;
	unsigned int blksz = erofs_blksiz(&w->ctx->sbi);
	u32 avail = (f->cut ? f->cut : f->tail) - f->head, len, plen;
	bool final = f->done == f->size && !f->cut;
	/* -E ztailpacking: a last extent that fits goes after the indexes */
	bool tail = final && f->last && w->ctx->cfg->ztailpacking;
	u32 room = blksz - Z_INLINE_SLACK, meta;
	int n, err;

	/* -E fragments: so does a last part shorter than a pcluster */
	if (f->all_frag || (final && f->frag &&
			    avail <= w->ctx->z->pclustersize))
		return z_emit_fragment(f, avail);
	/* ztailpacking: what fits in one block with the inode (z_meta_min) */
	if (tail) {
		meta = z_meta_min(w->ctx, f->in->size);
		if (meta >= blksz)	/* then from a block's start */
			meta %= blksz;
		room = blksz - meta;
		if (room > blksz - Z_INLINE_SLACK)
			room = blksz - Z_INLINE_SLACK;
	}
	if (final && avail <= blksz && !tail)
		return z_emit_raw(f, avail);
	/* -E fragments: one that surely compresses into a pcluster, untried */
	if (final && f->frag && avail <= Z_PROBE_MAX * w->ctx->z->pclustersize &&
	    z_erofs_surely_fits(w->win + f->head, avail, w->out,
				w->ctx->z->pclustersize))
		return z_emit_fragment(f, avail);
	/*
	 * A block of noise: a try would end in this raw block too (more
	 * than a block of input must fit in a one-block pcluster), and
	 * leave the next offer as small as this hint does.
	 */
	if (w->noise && avail > blksz &&
	    z_erofs_noise(w->comp.ops, w->win + f->head, blksz, w->noise)) {
		f->hint = blksz;
		f->hint_out = 0;
		return z_emit_raw(f, blksz);
	}
	n = z_fill_pcluster(f, avail, &len);
	if (n < 0)
		return n;
	/* -E dedupe: an extent cut short must be one smaller pcluster */
	if (f->cut && (!n || len != avail || round_up((u32)n, blksz) >= len)) {
		f->cut = 0;
		return z_emit(f);
	}
	/* ... or one that compresses into less than a pcluster */
	if (final && f->frag && n > 0 && len == avail)
		return z_emit_fragment(f, avail);
	if (tail && !f->frag && n > 0 && len == avail && (u32)n < avail && (u32)n <= room)
		return z_emit_inline(f, w->out, avail, n, 0);
	if (tail && !f->frag && n > 0 && len == avail)
		n = z_shrink_tail(f, avail, &len, n, room);
	if (n < 0)
		return n;
	plen = round_up((u32)n, blksz);
	if (n && plen < len) {
		err = z_out_write(w->ctx, &w->area, NULL, plen - n);
		if (!err)
			err = z_out_write(w->ctx, &w->area, w->out, n);
		if (!err)
			err = z_add_extent(f->z, len, plen / blksz, 0);
		f->z->cbytes += n;
		f->head += len;
		return err;
	}
	if (tail && !f->frag && avail <= room)
		return z_emit_inline(f, w->win + f->head, avail, avail,
				     Z_EXT_RAW);
	if (final && avail <= blksz)
		return z_emit_raw(f, avail);
	return z_emit_raws(f, avail, len);
}

static bool z_all_raw(const struct mkfs_zinode *z)
{
	for (u32 i = 0; i < z->nextents; i++)
		if ((z->ext[i].flags & (Z_EXT_RAW | Z_EXT_REF)) != Z_EXT_RAW)
			return false;
	return true;
}

/*
 * Keep the file compressed only if that saves space, as erofs-utils
 * decides: blocks + full-index metadata < size.  A file that fitted the
 * window places nothing and is written later as an uncompressed file,
 * which may then get an inline tail; a larger one falls back only if
 * every extent is raw and in the area, since its blocks are then its
 * plain data already.
 */
static void z_decide(struct z_file *f)
{
	struct mkfs_zinode *z = f->z;
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	u64 size = f->size, meta = 16 + 8 * DIV_ROUND_UP(size, blksz);

	/* fragments never fall back, as with erofs-utils */
	if (z->frag_size || z->pblocks * blksz + z->idata_size + meta < size)
		return;
	if (size <= Z_WINDOW) {
		z_out_rewind(&f->w->area, 0);
		z->pblocks = 0;
		z->plain = true;
	} else if (!z_all_raw(z) || z->idata_size) {
		/* an inline tail is not in the area: the blocks are not all */
		return;
	}
	free(z->ext);
	z->ext = NULL;
	z->nextents = z->ext_cap = 0;
	free(z->idata);
	z->idata = NULL;
	z->idata_size = 0;
	z->raw = true;
}

/* the file offset of win[@x] */
static u64 z_file_pos(const struct z_file *f, u32 x)
{
	return f->base + f->done - (f->tail - x);
}

/*
 * -E dedupe: may an extent of a @pblks-block pcluster start at file
 * offset @start and be @len long?  A head's pcluster size is in the next
 * lcluster's index, so a pcluster of more than one block needs an extent
 * that reaches past that lcluster (erofs-utils checks the same).
 */
static bool z_big_ok(const struct z_file *f, u64 start, u32 len, u16 pblks)
{
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);

	return pblks <= 1 || start % blksz + len >= 2 * blksz;
}

/*
 * -E dedupe: how far back from the current position the last extent may
 * be cut: to the start of the lcluster after the one it starts in, so
 * that no lcluster holds two heads; past the next one if its pcluster
 * has more than a block (see z_big_ok())
 */
static u32 z_lcl_gap(const struct z_file *f, const struct z_extent *prev)
{
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	u64 end = z_file_pos(f, f->head), start = end - prev->length;
	u64 next = round_down(start, (u64)blksz) +
		   (prev->pblks > 1 ? 2 : 1) * (u64)blksz;

	return next < end ? end - next : 0;
}

/*
 * -E dedupe: input that starts like a pcluster placed before, at the
 * current position or somewhere in the last extent's last bytes, becomes
 * a reference to it; the last extent then ends where that starts.
 */
static int z_dedupe_step(struct z_file *f)
{
	struct mkfs_zinode *z = f->z;

	while (f->head < f->tail) {
		struct z_extent *prev = z->nextents ?
					&z->ext[z->nextents - 1] : NULL;
		u32 lo = f->head, delta;
		struct z_roll_hit h;
		int err;

		if (prev)
			lo -= z_lcl_gap(f, prev) < f->head ?
			      z_lcl_gap(f, prev) : f->head;
		if (!z_roll_match(f->roll, f->w->win, lo, f->head, f->tail, &h))
			return 0;
		delta = f->head - h.p;
		if (!z_big_ok(f, z_file_pos(f, h.p), h.len, h.pblks))
			return 0;
		if (delta) {
			if (!z_big_ok(f, z_file_pos(f, f->head) - prev->length,
				      prev->length - delta, prev->pblks))
				return 0;
			prev->length -= delta;
			if (!(prev->flags & Z_EXT_RAW))
				prev->flags |= Z_EXT_PARTIAL;
		}
		err = z_add_ref(z, &h);
		if (err)
			return err;
		erofs_dbg("dedupe: %u bytes of '%s' at %llu refer to block %u (%u blocks), %u back",
			  h.len, f->name, (unsigned long long)z_file_pos(f, h.p),
			  h.blk, h.pblks, delta);
		f->head = h.p + h.len;
	}
	return 0;
}

/*
 * -E dedupe with big pclusters: where the input ahead starts like a
 * pcluster placed before, end the next extent there, so that it becomes
 * a reference then.  The backward look of z_dedupe_step() cannot cut a
 * big pcluster's extent that early (z_big_ok()); this extent gets one
 * block when its input fits, and may, since it then ends after its own
 * lcluster.  Only for a repeat of a pcluster's worth of input or more:
 * shorter ones saved less than the extent cut short cost (python3.11's
 * stdlib, -zlz4 -C65536: 0.6 MB more when every repeat was taken).
 */
static void z_dedupe_ahead(struct z_file *f)
{
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	unsigned int pcs = f->w->ctx->z->pclustersize;
	u64 pos = z_file_pos(f, f->head);
	u32 lo = f->head + (round_down(pos, (u64)blksz) + blksz - pos);
	u32 ahead = f->hint > pcs ? f->hint : pcs;
	struct z_roll_hit h;

	f->cut = 0;
	if (pcs > blksz && f->tail - f->head > ahead &&
	    z_roll_scan(f->roll, f->w->win, lo, f->head + ahead, f->tail, &h) &&
	    h.len >= pcs)
		f->cut = h.p;
}

/* -E dedupe: the pclusters of extents @from on, just placed, to the table */
static int z_dedupe_insert(struct z_file *f, u32 from, u32 head, u64 pos)
{
	const struct mkfs_zinode *z = f->z;
	unsigned int bits = f->w->ctx->sbi.blkszbits;
	int err = 0;

	for (u32 i = from; i < z->nextents && !err; i++) {
		const struct z_extent *e = &z->ext[i];

		if (e->flags & (Z_EXT_INLINE | Z_EXT_FRAGMENT | Z_EXT_REF))
			break;
		err = z_roll_insert(f->roll, f->w->win + head, e->length,
				    (f->area0 + pos) >> bits, e->pblks,
				    e->flags & Z_EXT_RAW);
		head += e->length;
		pos += (u64)e->pblks << bits;
	}
	return err;
}

/* are the sources of @a and @b the same bytes?  (their sizes are) */
static int z_same_source(struct z_worker *w, const struct mkfs_inode *a,
			 const struct mkfs_inode *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	u64 sa, sb;
	int fa = mkfs_src_open(w->ctx, a, &sa, pa), fb, err = 0;
	u8 *x = w->win, *y = w->win + Z_WINDOW / 2;

	if (fa < 0)
		return fa;
	fb = mkfs_src_open(w->ctx, b, &sb, pb);
	if (fb < 0) {
		mkfs_src_close(w->ctx, fa);
		return fb;
	}
	for (u64 off = 0; off < a->size && !err; off += Z_WINDOW / 2) {
		u32 n = a->size - off < Z_WINDOW / 2 ? a->size - off :
			Z_WINDOW / 2;

		err = z_pread_all(fa, x, n, sa + off, pa);
		if (!err)
			err = z_pread_all(fb, y, n, sb + off, pb);
		if (!err && memcmp(x, y, n))
			err = 1;
	}
	mkfs_src_close(w->ctx, fa);
	mkfs_src_close(w->ctx, fb);
	return err < 0 ? err : !err;
}

/*
 * -E dedupe: a whole copy of a file placed before takes that file's
 * extents and blocks (references would cover all but its pieces between
 * pclusters).  Its own output, still staged, goes.
 */
static int z_whole_copy(struct z_file *f)
{
	struct mkfs_zinode *z = f->z, *oz;
	struct mkfs_inode *o = NULL;
	u64 i = UINT64_MAX;
	int same = 0;

	if (f->w->area.streaming)
		return 0;
	while (!same && (o = z_roll_file(f->roll, f->in, &i)))
		same = z_same_source(f->w, o, f->in);
	if (same <= 0)
		return same;
	oz = o->z;
	free(z->ext);
	z->ext = NULL;
	z->nextents = z->ext_cap = 0;
	if (oz->nextents) {
		z->ext = malloc(oz->nextents * sizeof(*oz->ext));
		if (!z->ext)
			return -ENOMEM;
		memcpy(z->ext, oz->ext, oz->nextents * sizeof(*oz->ext));
		z->nextents = z->ext_cap = oz->nextents;
	}
	free(z->idata);
	z->idata = NULL;
	z->idata_size = 0;
	if (oz->idata_size) {
		z->idata = malloc(oz->idata_size);
		if (!z->idata)
			return -ENOMEM;
		memcpy(z->idata, oz->idata, oz->idata_size);
		z->idata_size = oz->idata_size;
	}
	z_out_rewind(&f->w->area, 0);
	z->pblocks = oz->pblocks;
	z->cbytes = oz->cbytes;
	z->refs = oz->refs;
	z->raw = oz->raw;
	z->advise = oz->advise;
	z->alg = oz->alg;
	z->dup_of = o;
	return 0;
}

static int z_compress_body(struct z_file *f)
{
	u8 probe;
	int err = 0;

	while (!err) {
		u32 n0, head0;
		u64 pos0;

		err = z_refill(f);
		if (!err && f->roll)
			err = z_dedupe_step(f);
		if (err)
			break;
		if (f->head == f->tail) {
			if (f->done == f->size)
				break;
			continue;	/* a reference took all there was */
		}
		n0 = f->z->nextents;
		head0 = f->head;
		pos0 = f->w->area.pos;
		if (f->roll)
			z_dedupe_ahead(f);
		err = z_emit(f);
		f->cut = 0;
		if (!err && f->roll)
			err = z_dedupe_insert(f, n0, head0, pos0);
		/* a head ends with the first extent that reaches its end */
		if (f->stop && f->done - (f->tail - f->head) >= f->stop)
			break;
	}
	/* a file that grew while read would leave its image copy short */
	if (!err && f->in->from_src && !f->w->ctx->tar && f->last &&
	    pread(f->fd, &probe, 1, f->base + f->size) != 0)
		err = erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				    f->name);
	return err;
}

/*
 * Compress fd[@base, @base + @size) into a new mkfs_zinode: all of @in's
 * source file, or a segment of the packed inode's temporary file (no
 * fingerprint, no fragments, and the caller decides about falling back),
 * or with @stop the head of a file whose end is shared (see
 * z_head_task()).
 */
static int z_compress(struct z_worker *w, struct mkfs_inode *in, int fd,
		      u64 skew, u64 base, u64 size, u64 stop,
		      struct mkfs_zinode **out)
{
	const struct erofs_mkfs_cfg *cfg = w->ctx->cfg;
	bool source = in->from_src;
	struct z_file f = {
		.w = w, .in = in, .fd = fd, .skew = skew,
		.base = base, .size = size, .stop = stop,
		.last = base + size == in->size && !stop,
		.name = source ? w->path : "the packed inode",
		.hash = source && !stop && w->ctx->sbi.ishare_prefix_id >= 0,
		.frag = source && z_fragments(cfg) &&
			base + size == in->size,
		/* an extent's length is 32 bits */
		.all_frag = source && !stop && cfg->all_fragments &&
			    in->size <= UINT32_MAX,
	};
	int err;

	f.z = calloc(1, sizeof(*f.z));
	if (!f.z)
		return -ENOMEM;
	/* -E dedupe: files only, one at a time (see mkfs_zdedupe.c) */
	/* -E all-fragments: the packed inode refers to repeats too */
	if (w->ctx->z->roll && (source ? !stop && !f.all_frag :
				cfg->all_fragments)) {
		pthread_mutex_lock(&w->ctx->z->lock);
		f.area0 = w->ctx->z->area;
		pthread_mutex_unlock(&w->ctx->z->lock);
		f.roll = w->ctx->z->roll;
		w->roll_area0 = f.area0;
		w->rolled = true;
	}
	f.z->frag_id = w->id;
	f.z->alg = w->comp.ops->alg;
	*out = f.z;
	w->done = f.z;
	w->done_in = source && !base && f.last ? in : NULL;
	if (w->xxh)
		XXH3_128bits_reset(w->xxh);
	err = z_compress_body(&f);
	if (!err && f.hash)
		err = erofs_sha256_final(&w->sha, f.z->digest);
	if (!err && w->xxh) {
		XXH128_hash_t h = XXH3_128bits_digest(w->xxh);

		f.z->xxh[0] = h.low64;
		f.z->xxh[1] = h.high64;
	}
	if (!err && source && !base && f.last)
		z_decide(&f);
	if (!err && f.roll && !f.z->plain && !f.z->frag_size)
		err = z_whole_copy(&f);
	return err;
}

static int z_compress_file(struct z_worker *w, struct mkfs_inode *in)
{
	u64 skew;
	int fd = mkfs_src_open(w->ctx, in, &skew, w->path), err;

	if (fd < 0)
		return fd;
	err = z_compress(w, in, fd, skew, 0, in->size, 0, &in->z);
	mkfs_src_close(w->ctx, fd);
	return err;
}

/* one task: a file, or one segment of a big file */
struct z_task {
	struct mkfs_inode *in;
	u32 seg, nseg;
	struct mkfs_zinode *out;	/* a segment's result */
	u64 ino;			/* the source's st_ino; 0 from a tar */
	u64 idx;			/* the inode's place in the scan */
};

static int z_file_task(struct z_worker *w, u64 i)
{
	struct z_task *t = &((struct z_task *)w->arg)[i];
	u64 base = (u64)t->seg * Z_SEGMENT, size = t->in->size - base, skew;
	int fd, err;

	if (t->nseg == 1) {
		err = z_compress_file(w, t->in);
		erofs_progress_add(w->ctx->cfg->progress, 1, size);
		return err;
	}
	fd = mkfs_src_open(w->ctx, t->in, &skew, w->path);
	if (fd < 0)
		return fd;
	err = z_compress(w, t->in, fd, skew, base, size < Z_SEGMENT ? size :
			 Z_SEGMENT, 0, &t->out);
	mkfs_src_close(w->ctx, fd);
	/* a file split in segments counts once its last one is done */
	erofs_progress_add(w->ctx->cfg->progress, t->seg + 1 == t->nseg,
			   size < Z_SEGMENT ? size : Z_SEGMENT);
	return err;
}

/* ---- the worker pool -------------------------------------------------- */

static void z_worker_release(struct z_worker *w)
{
	z_erofs_compressor_exit(&w->comp);
	if (w->sha.ctx)
		erofs_sha256_release(&w->sha);
	XXH3_freeState(w->xxh);
	free(w->win);
	free(w->out);
	free(w->out2);
	free(w->noise);
	free(w->area.buf);
	free(w->sp.stage);
}

static int z_worker_init(struct z_worker *w)
{
	struct mkfs_zctx *zc = w->ctx->z;
	int err;

	w->win = malloc(Z_WINDOW);
	w->out = malloc(zc->pclustersize);
	if (w->ctx->cfg->ztailpacking)
		w->out2 = malloc(zc->pclustersize);
	if (!w->win || !w->out || (w->ctx->cfg->ztailpacking && !w->out2))
		return -ENOMEM;
	/* with bigger pclusters a try takes more blocks than the test sees */
	if (zc->algs[0].ops->noise &&
	    zc->pclustersize == erofs_blksiz(&w->ctx->sbi)) {
		w->noise = malloc(Z_NOISE_SCRATCH * sizeof(*w->noise));
		if (!w->noise)
			return -ENOMEM;
	}
	/* -E fragments: one scratch file per worker, run after run */
	w->sp.fd = -1;
	if (w->id < zc->nspill) {
		w->sp.stage = malloc(Z_STAGE);
		if (!w->sp.stage)
			return -ENOMEM;
		w->sp.fd = zc->spill_fds[w->id];
		w->sp.pos = w->sp.stage_off = zc->spill_end[w->id];
	}
	err = z_erofs_compressor_init(&w->comp, &zc->algs[0]);
	if (err)
		return erofs_err_ret(err, "cannot set up compressor %s: %s",
				     zc->algs[0].ops->name, erofs_strerror(err));
	if (w->ctx->cfg->dedupe) {
		w->xxh = XXH3_createState();
		if (!w->xxh)
			return -ENOMEM;
	}
	if (w->ctx->sbi.ishare_prefix_id >= 0)
		return erofs_sha256_init(&w->sha);
	return 0;
}

/*
 * -E dedupe: a file's pclusters stay in the table if it was placed where
 * its extents said (one worker makes sure of that), and not dropped as
 * a copy or for its plain form.
 */
static int z_roll_done(struct z_worker *w)
{
	const struct mkfs_zinode *z = w->done;
	bool drop = z->plain || z->dup_of || !z->pblocks;

	z_roll_end(w->ctx->z->roll, drop);
	if (!drop && z->area_off != w->roll_area0)
		return erofs_err_ret(-EIO, "dedupe: blocks placed out of order");
	if (!drop && w->done_in && !z->frag_size)
		return z_roll_add_file(w->ctx->z->roll, w->done_in);
	return 0;
}

static void z_set_error(struct z_worker *w, int err)
{
	pthread_mutex_lock(w->lock);
	if (!*w->error)
		*w->error = err;
	pthread_mutex_unlock(w->lock);
}

static void *z_worker_fn(void *arg)
{
	struct z_worker *w = arg;
	int err = z_worker_init(w);

	while (!err) {
		u64 i;

		pthread_mutex_lock(w->lock);
		err = *w->error;
		i = (*w->next)++;
		pthread_mutex_unlock(w->lock);
		if (err || i >= w->ntasks)
			break;
		w->area.ticket = w->ticket0 + i;
		w->done = NULL;
		w->done_in = NULL;
		/* z_decide() rewinds only files that fit the window */
		w->area.early = true;
		w->rolled = false;
		err = w->task(w, i);
		/* its place comes in task order, whoever finishes first */
		if (!err)
			err = z_out_finish(w->ctx, &w->area, w->done, w->done_in);
		if (!err && w->rolled)
			err = z_roll_done(w);
	}
	if (!err && w->sp.fd >= 0)
		err = z_spill_flush(&w->sp);
	if (w->sp.fd >= 0)
		w->ctx->z->spill_end[w->id] = w->sp.pos;
	if (err) {
		z_set_error(w, err);
		z_out_abort(w->ctx, err);
	}
	z_worker_release(w);
	return NULL;
}

/*
 * Files worth trying: those a compressed form can make smaller.  Without
 * ztailpacking that takes at least one block less.
 */
static bool z_candidate(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	if (!in->from_src)
		return false;
	return ctx->cfg->ztailpacking || z_fragments(ctx->cfg) ||
	       in->size > erofs_blksiz(&ctx->sbi);
}

/*
 * A big file is cut into segments, unless its fingerprint must hash it
 * in order, all of it goes into the packed inode, or -E dedupe must find
 * its copies (whole files are looked up when placed).
 */
static u32 z_nsegments(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	if (ctx->sbi.ishare_prefix_id >= 0 || ctx->cfg->dedupe ||
	    (ctx->cfg->all_fragments && in->size <= UINT32_MAX))
		return 1;
	return DIV_ROUND_UP(in->size, (u64)Z_SEGMENT);
}

/*
 * The big files first, so that no worker is left with one at the end;
 * files of one size in source inode order, then in scan order (every
 * tar member has st_ino 0), so that the order is total: tasks are
 * placed in this order, and qsort() leaves the order of ties to the C
 * library.
 */
static int z_cmp_task(const void *a, const void *b)
{
	const struct z_task *x = a, *y = b;

	if (x->in->size != y->in->size)
		return x->in->size < y->in->size ? 1 : -1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->seg < y->seg ? -1 : x->seg > y->seg;
}

static int z_collect(struct mkfs_ctx *ctx, struct z_task **tasks, u64 *n)
{
	u64 cap = 0;

	*n = 0;
	*tasks = NULL;
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];
		u32 nseg;

		if (!z_candidate(ctx, in))
			continue;
		nseg = z_nsegments(ctx, in);
		if (*n + nseg > cap) {
			void *p;

			cap = (*n + nseg) * 2;
			p = realloc(*tasks, cap * sizeof(**tasks));
			if (!p)
				return -ENOMEM;
			*tasks = p;
		}
		for (u32 s = 0; s < nseg; s++)
			(*tasks)[(*n)++] = (struct z_task){
				in, s, nseg, NULL, ctx->tar ? 0 : in->src_ino, i
			};
	}
	if (*n > 1)
		qsort(*tasks, *n, sizeof(**tasks), z_cmp_task);
	return 0;
}

static unsigned int z_nworkers(const struct mkfs_ctx *ctx, u64 ntodo)
{
	unsigned int nw = ctx->cfg->workers;

	if (!nw) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nw = n > 0 ? n : 1;
	}
	if (nw > ntodo)
		nw = ntodo ? ntodo : 1;
	return nw;
}

/* one more scratch file; returns its id */
static int z_add_spill(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;
	int *fds = realloc(zc->spill_fds, (zc->nspill + 1) * sizeof(*fds));
	u64 *ends;
	int fd;

	if (!fds)
		return -ENOMEM;
	zc->spill_fds = fds;
	ends = realloc(zc->spill_end, (zc->nspill + 1) * sizeof(*ends));
	if (!ends)
		return -ENOMEM;
	zc->spill_end = ends;
	ends[zc->nspill] = 0;
	fd = z_open_spill(ctx->cfg);
	if (fd < 0)
		return fd;
	fds[zc->nspill] = fd;
	return zc->nspill++;
}

/* run @task for 0 .. @ntasks - 1 on @nw workers, with scratch files 0 .. */
static int z_run_workers(struct mkfs_ctx *ctx, u64 ntasks, unsigned int nw,
			 int (*task)(struct z_worker *w, u64 i), void *arg)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct z_worker *w = calloc(nw, sizeof(*w));
	pthread_t *tids = calloc(nw, sizeof(*tids));
	bool *started = calloc(nw, sizeof(*started));
	u64 next = 0, ticket0 = ctx->z->placed;
	int error = 0;

	if (!w || !tids || !started) {
		error = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < nw; i++)
		w[i] = (struct z_worker){
			.ctx = ctx, .id = i, .lock = &lock, .task = task,
			.arg = arg, .ntasks = ntasks, .next = &next,
			.error = &error, .ticket0 = ticket0,
		};
	for (unsigned int i = 1; i < nw; i++)
		started[i] = !pthread_create(&tids[i], NULL, z_worker_fn, &w[i]);
	z_worker_fn(&w[0]);
	for (unsigned int i = 1; i < nw; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	/* a worker that never started leaves its files to the others */
	if (!error && ctx->z->placed != ticket0 + ntasks)
		error = -EIO;	/* cannot be: every task was placed */
out:
	free(w);
	free(tids);
	free(started);
	return error;
}

static int z_join_segments(struct mkfs_ctx *ctx, struct mkfs_inode *in,
			   struct mkfs_zinode **seg, u64 nseg);

/* the segments of each big file, in order, into one inode */
static int z_join_tasks(struct mkfs_ctx *ctx, struct z_task *t, u64 n)
{
	struct mkfs_zinode **seg = NULL;
	int err = 0;

	for (u64 i = 0; !err && i < n; i++) {
		struct mkfs_inode *in = t[i].in;
		u32 nseg = t[i].nseg;

		if (nseg == 1 || t[i].seg)
			continue;
		/* sorted: a file's segments follow each other */
		seg = realloc(seg, nseg * sizeof(*seg));
		if (!seg)
			return -ENOMEM;
		for (u32 s = 0; s < nseg; s++)
			seg[s] = t[i + s].out;
		err = z_join_segments(ctx, in, seg, nseg);
	}
	free(seg);
	return err;
}

static void z_free_zinode(struct mkfs_zinode *z)
{
	if (!z)
		return;
	free(z->ext);
	free(z->idata);
	free(z);
}

static void z_free_tasks(struct z_task *t, u64 n)
{
	for (u64 i = 0; i < n; i++)
		z_free_zinode(t[i].out);
	free(t);
}

/* files that did not shrink are left to the writer, uncompressed */
static void z_drop_plain(struct mkfs_ctx *ctx)
{
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];

		if (in->z && in->z->plain) {
			z_free_zinode(in->z);
			in->z = NULL;
		}
	}
}

static void z_progress_phase(struct mkfs_ctx *ctx, const struct z_task *tasks,
			     u64 ntasks)
{
	u64 files = 0, bytes = 0;

	for (u64 i = 0; i < ntasks; i++) {
		if (tasks[i].seg)
			continue;
		files++;
		bytes += tasks[i].in->size;
	}
	erofs_progress_phase(ctx->cfg->progress, "compressing", files, bytes);
}

static int z_compress_packed(struct mkfs_ctx *ctx);

int mkfs_z_compress_files(struct mkfs_ctx *ctx)
{
	struct z_task *tasks;
	unsigned int nw;
	u64 ntasks;
	int err;

	if (!ctx->z)
		return 0;
	ctx->z->area_start = ctx->head_end;
	err = z_collect(ctx, &tasks, &ntasks);
	z_progress_phase(ctx, tasks, ntasks);
	nw = z_nworkers(ctx, ntasks);
	for (unsigned int i = 0; i < nw && !err && z_fragments(ctx->cfg); i++) {
		int id = z_add_spill(ctx);

		err = id < 0 ? id : 0;
	}
	/* -E dedupe finds repeats of what is placed: one file at a time */
	if (ctx->cfg->dedupe)
		nw = 1;
	if (!err && ctx->cfg->dedupe)
		err = z_dedupe_init(ctx->z, ctx->sbi.blkszbits);
	if (!err && ntasks)
		err = z_run_workers(ctx, ntasks, nw, z_file_task, tasks);
	if (!err)
		err = z_join_tasks(ctx, tasks, ntasks);
	z_free_tasks(tasks, ntasks);
	if (!err)
		z_drop_plain(ctx);
	if (!err && z_fragments(ctx->cfg))
		err = z_compress_packed(ctx);
	return err;
}

/* ---- the packed inode, in segments ------------------------------------ */

struct z_segments {
	struct mkfs_inode *in;
	int fd;
	struct mkfs_zinode **seg;
};

static int z_segment_task(struct z_worker *w, u64 i)
{
	struct z_segments *s = w->arg;
	u64 base = i * Z_SEGMENT, size = s->in->size - base;

	return z_compress(w, s->in, s->fd, 0, base, size < Z_SEGMENT ?
			  size : Z_SEGMENT, 0, &s->seg[i]);
}

/* one segment's extents after the others'; its blocks follow theirs */
static int z_append_segment(struct mkfs_ctx *ctx, struct mkfs_zinode *z,
			    struct mkfs_zinode *s)
{
	int err = 0;

	if (z->nextents && s->area_off != z->area_off +
	    erofs_pos(&ctx->sbi, z->pblocks))
		return -EIO;	/* cannot be: segments are placed in order */
	if (!z->nextents)
		z->area_off = s->area_off;
	for (u32 i = 0; !err && i < s->nextents; i++) {
		const struct z_extent *e = &s->ext[i];

		if (e->flags & Z_EXT_REF) {
			err = z_add_extent(z, e->length, 0, e->flags);
			if (!err)
				z->ext[z->nextents - 1] = *e;
		} else {
			err = z_add_extent(z, e->length, e->pblks, e->flags);
		}
	}
	z->refs |= s->refs;
	/* inline data or a fragment: the last segment's, after all blocks */
	free(z->idata);
	z->idata = s->idata;
	s->idata = NULL;
	z->idata_size = s->idata_size;
	z->frag_size = s->frag_size;
	z->frag_id = s->frag_id;
	z->frag_off = s->frag_off;
	return err;
}

/* dedupe needs a content hash: one over the segments' */
static void z_join_hash(struct mkfs_zinode *z, struct mkfs_zinode **seg,
			u64 nseg)
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_hash_t h;

	if (!st)
		return;		/* then no copy will match it: not deduped */
	XXH3_128bits_reset(st);
	for (u64 i = 0; i < nseg; i++)
		XXH3_128bits_update(st, seg[i]->xxh, sizeof(seg[i]->xxh));
	h = XXH3_128bits_digest(st);
	z->xxh[0] = h.low64;
	z->xxh[1] = h.high64;
	XXH3_freeState(st);
}

/*
 * Join the segments of one inode, whose blocks were placed one after the
 * other.  It stays compressed unless that saves nothing and every extent
 * is raw, in which case the blocks are its plain data already.
 */
static int z_join_segments(struct mkfs_ctx *ctx, struct mkfs_inode *in,
			   struct mkfs_zinode **seg, u64 nseg)
{
	unsigned int blksz = erofs_blksiz(&ctx->sbi);
	struct mkfs_zinode *z = calloc(1, sizeof(*z));
	int err = 0;

	if (!z)
		return -ENOMEM;
	z->alg = seg[0]->alg;
	in->z = z;
	for (u64 i = 0; !err && i < nseg; i++)
		err = z_append_segment(ctx, z, seg[i]);
	z_join_hash(z, seg, nseg);
	if (!err && !z->frag_size && !z->idata_size && z_all_raw(z) &&
	    z->pblocks * blksz + 16 + 8 * DIV_ROUND_UP(in->size, blksz) >=
	    in->size) {
		free(z->ext);
		z->ext = NULL;
		z->nextents = 0;
		z->raw = true;
	}
	return err;
}

/*
 * The packed inode, from its temporary file: segments of Z_SEGMENT bytes
 * compressed on all workers, which gives the same extents whatever their
 * number.
 */
static int z_compress_fd(struct mkfs_ctx *ctx, struct mkfs_inode *in, int fd)
{
	u64 nseg = DIV_ROUND_UP(in->size, (u64)Z_SEGMENT);
	struct z_segments s = { .in = in, .fd = fd };
	int err;

	s.seg = calloc(nseg, sizeof(*s.seg));
	if (!s.seg)
		return -ENOMEM;
	/*
	 * -E all-fragments: nearly all data is here, and repeats inside it
	 * (libpython3.11.a and -pic.a) become references, as with -E dedupe;
	 * the table is filled in order, so one worker
	 */
	err = ctx->cfg->all_fragments && !ctx->z->roll ?
	      z_dedupe_init(ctx->z, ctx->sbi.blkszbits) : 0;
	if (!err)
		err = z_run_workers(ctx, nseg, ctx->cfg->all_fragments ? 1 :
				    z_nworkers(ctx, nseg), z_segment_task, &s);
	if (!err)
		err = z_join_segments(ctx, in, s.seg, nseg);
	for (u64 i = 0; i < nseg; i++)
		z_free_zinode(s.seg[i]);
	free(s.seg);
	return err;
}

/* ---- heads of files whose end is shared ------------------------------- */

struct z_heads {
	struct mkfs_inode **in;
	struct mkfs_zinode **out;
};

/*
 * Compress the head of a file whose fragment ends like one packed before
 * it (mkfs_zpacked.c): as a whole file is, full pclusters, but stopped at
 * the first extent that reaches the shared end.  That one fills its
 * pcluster with bytes of the shared end too, and the fragment is what is
 * left, still an end of the one packed before; it starts in an lcluster
 * of its own, since every extent but a file's last covers one.  When
 * no head is left, nothing is placed and the file is packed whole.
 */
static int z_head_task(struct z_worker *w, u64 i)
{
	struct z_heads *h = w->arg;
	struct mkfs_inode *in = h->in[i];
	struct mkfs_zinode *z = in->z, *o;
	u64 stop = in->size - z->frag_size, skew, used = 0;
	int fd = mkfs_src_open(w->ctx, in, &skew, w->path), err;

	w->area.early = false;	/* it may take back all it made */
	if (fd < 0)
		return fd;
	err = z_compress(w, in, fd, skew, 0, in->size, stop, &h->out[i]);
	mkfs_src_close(w->ctx, fd);
	o = h->out[i];
	if (err)
		return err;
	for (u32 k = 0; k < o->nextents; k++)
		used += o->ext[k].length;
	if (o->frag_size && o->nextents > 1) {
		/* the rest fitted under a pcluster: a fragment of its own */
		z->frag_id = o->frag_id;
		z->frag_off = o->frag_off;
		z->frag_size = o->frag_size;
		z->tail_of = NULL;
		return 0;
	}
	if (!o->frag_size && used && used < in->size) {
		z->frag_size = in->size - used;
		return 0;
	}
	/* one fragment only, or no head at all: packed whole */
	z_out_rewind(&w->area, 0);
	o->pblocks = 0;
	o->nextents = 0;
	z->tail_of = NULL;
	z->frag_size = in->size;
	return 0;
}

/* a kept head's extents, then the fragment */
static int z_join_head(struct mkfs_inode *in, struct mkfs_zinode *o)
{
	struct mkfs_zinode *z = in->z;

	if (!o->nextents)
		return 0;
	free(z->ext);
	z->ext = o->ext;
	z->nextents = o->nextents;
	z->ext_cap = o->ext_cap;
	o->ext = NULL;
	z->area_off = o->area_off;
	z->pblocks = o->pblocks;
	if (o->frag_size)
		return 0;
	return z_add_extent(z, z->frag_size, 0, Z_EXT_FRAGMENT);
}

static int z_compress_heads(struct mkfs_ctx *ctx)
{
	struct z_heads h = { 0 };
	u64 n;
	int err = z_match_tails(ctx, &h.in, &n);

	if (!err && n) {
		h.out = calloc(n, sizeof(*h.out));
		err = h.out ? z_run_workers(ctx, n, z_nworkers(ctx, n),
					    z_head_task, &h) : -ENOMEM;
	}
	for (u64 i = 0; !err && i < n; i++)
		err = z_join_head(h.in[i], h.out[i]);
	for (u64 i = 0; h.out && i < n; i++)
		z_free_zinode(h.out[i]);
	free(h.out);
	free(h.in);
	return err;
}

/* -E fragments: the packed inode, once every file is done */
static int z_compress_packed(struct mkfs_ctx *ctx)
{
	int fd, err = z_compress_heads(ctx);

	if (err)
		return err;
	err = z_build_packed(ctx, &fd);

	if (!err && ctx->z->packed)
		err = z_compress_fd(ctx, ctx->z->packed, fd);
	if (fd >= 0)
		close(fd);
	return err;
}
