// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Placing compressed data in the image as it is made (see
 * liberofs_zmkfs.h).  Every compression task has a ticket, its index in
 * a fixed order; a task's blocks go into the data area right after those
 * of the ticket before it, so the image is the same whatever the number
 * of workers and whichever finishes first.
 *
 * A worker stages a task's output in memory.  When the task is done and
 * its turn has come, the blocks are written at once; if not, they are
 * parked (up to Z_PARK_MAX bytes in all) and the worker goes on with the
 * next task, or waits for its turn when the parking is full.  A task
 * whose output outgrows Z_OUT_MAX waits for its turn and then writes
 * straight to its place as it goes; so does one past Z_WINDOW whose turn
 * has come by then, since keeping it gains nothing.  Whoever places a
 * task also places the parked ones that follow it.  Writes to the area happen under one
 * lock: they are page-cache copies, cheap next to compressing, and the
 * kernel would serialise them on the image's inode lock anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/print.h"
#include "liberofs_zmkfs.h"

/*
 * Staged output of one task before it is written straight out, and output
 * of finished tasks that may wait for their turn: what the worker ahead
 * may hold while another compresses the task before (at 16 and 32 MiB,
 * lz4hc on the real tree peaked at 104 MB RSS, at 8 and 8 at 77 MB, in
 * about the same time).
 */
#define Z_OUT_MAX	(8U << 20)
#define Z_PARK_MAX	(8U << 20)

struct z_parked {
	struct z_parked *next;
	u64 ticket;
	u8 *buf;
	u32 len;
	struct mkfs_zinode *z;
	struct mkfs_inode *in;
};

static int z_area_write(struct mkfs_ctx *ctx, const u8 *buf, u32 len,
			u64 off)
{
	return len ? mkfs_pwrite(ctx, buf, len, ctx->z->area_start + off) : 0;
}

/* with the lock held: until @ticket is next, or a task failed */
static int z_wait_turn(struct mkfs_zctx *zc, u64 ticket)
{
	while (zc->placed != ticket && !zc->error)
		pthread_cond_wait(&zc->turn, &zc->lock);
	return zc->error;
}

/* with the lock held, on its turn: put one finished task's blocks */
static int z_place(struct mkfs_ctx *ctx, const u8 *buf, u32 len,
		   struct mkfs_zinode *z, struct mkfs_inode *in)
{
	struct mkfs_zctx *zc = ctx->z;
	bool dup = false;
	int err = 0;

	if (in && zc->dd)
		err = z_dedupe_find(ctx, in, buf, 0, &dup);
	if (err || dup)
		return err;
	z->area_off = zc->area;
	err = z_area_write(ctx, buf, len, zc->area);
	zc->area += len;
	return err;
}

/* with the lock held: the parked tasks whose turn it now is */
static int z_place_parked(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;
	int err = 0;

	while (!err && zc->parked && zc->parked->ticket == zc->placed) {
		struct z_parked *p = zc->parked;

		err = z_place(ctx, p->buf, p->len, p->z, p->in);
		zc->parked = p->next;
		zc->parked_bytes -= p->len;
		zc->placed++;
		free(p->buf);
		free(p);
	}
	return err;
}

/*
 * With the lock held: keep a copy of @o's output until its turn.  The
 * worker keeps its staging buffer for the next task: handing it over
 * made each next task grow a new one from 64 KiB and left freed buffers
 * of every size in malloc's arenas (lzma on doc+perl: 32 MB peak RSS,
 * 24 MB with the copy, in about the same time).
 */
static int z_park(struct mkfs_zctx *zc, struct z_out *o, struct mkfs_zinode *z,
		  struct mkfs_inode *in)
{
	struct z_parked *p = malloc(sizeof(*p)), **at = &zc->parked;
	u8 *buf = o->len ? malloc(o->len) : NULL;

	if (!p || (o->len && !buf)) {
		free(p);
		free(buf);
		return -ENOMEM;
	}
	if (buf)
		memcpy(buf, o->buf, o->len);
	*p = (struct z_parked){ NULL, o->ticket, buf, o->len, z, in };
	while (*at && (*at)->ticket < o->ticket)
		at = &(*at)->next;
	p->next = *at;
	*at = p;
	zc->parked_bytes += o->len;
	o->len = 0;
	return 0;
}

/* the output is too large to stage: take its place and write it there */
static int z_out_stream(struct mkfs_ctx *ctx, struct z_out *o)
{
	struct mkfs_zctx *zc = ctx->z;
	int err;

	if (!o->streaming) {
		pthread_mutex_lock(&zc->lock);
		err = z_wait_turn(zc, o->ticket);
		o->base = zc->area;
		pthread_mutex_unlock(&zc->lock);
		if (err)
			return err;
		o->streaming = true;
	}
	err = z_area_write(ctx, o->buf, o->len, o->base + o->off);
	o->off += o->len;
	o->len = 0;
	return err;
}

static int z_out_grow(struct z_out *o)
{
	u32 cap = o->cap ? o->cap * 2 : 64U << 10;
	u8 *p;

	if (cap > Z_OUT_MAX)
		cap = Z_OUT_MAX;
	p = realloc(o->buf, cap);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->cap = cap;
	return 0;
}

static bool z_has_turn(struct mkfs_zctx *zc, u64 ticket)
{
	bool yes;

	pthread_mutex_lock(&zc->lock);
	yes = zc->placed == ticket;
	pthread_mutex_unlock(&zc->lock);
	return yes;
}

/* the staging buffer is full: write it out or make it larger */
static int z_out_full(struct mkfs_ctx *ctx, struct z_out *o)
{
	if (o->streaming || o->cap >= Z_OUT_MAX ||
	    (o->early && o->cap >= Z_WINDOW && z_has_turn(ctx->z, o->ticket)))
		return z_out_stream(ctx, o);
	return z_out_grow(o);
}

/* append @len bytes of output, or zeroes when @buf is NULL */
int z_out_write(struct mkfs_ctx *ctx, struct z_out *o, const void *buf,
		u32 len)
{
	while (len) {
		u32 n = o->cap - o->len;
		int err = 0;

		if (!n)
			err = z_out_full(ctx, o);
		if (err)
			return err;
		n = o->cap - o->len;
		if (n > len)
			n = len;
		if (buf) {
			memcpy(o->buf + o->len, buf, n);
			buf = (const u8 *)buf + n;
		} else {
			memset(o->buf + o->len, 0, n);
		}
		o->len += n;
		o->pos += n;
		len -= n;
	}
	return 0;
}

/* forget the output from @pos on; only what is still staged can go */
void z_out_rewind(struct z_out *o, u64 pos)
{
	if (pos < o->off)
		pos = o->off;
	o->len = pos - o->off;
	o->pos = pos;
}

/*
 * -E dedupe, with the lock held: @in's blocks went straight to the end of
 * the area; if they copy a file placed before, take them back.  Nothing
 * follows them yet: a regular image file is cut there, so that no stale
 * bytes stay where padding must read as zeroes (the writer zeroes a
 * block device's rest itself).
 */
static int z_streamed_dup(struct mkfs_ctx *ctx, struct z_out *o,
			  struct mkfs_inode *in)
{
	struct mkfs_zctx *zc = ctx->z;
	struct stat st;
	bool dup = false;
	int err = z_dedupe_find(ctx, in, NULL, o->base, &dup);

	if (err || !dup)
		return err;
	zc->area = o->base;
	if (fstat(ctx->fd, &st))
		return erofs_err_ret(-errno, "cannot stat the image: %s",
				     strerror(errno));
	if (S_ISREG(st.st_mode) &&
	    ftruncate(ctx->fd, ctx->cfg->offset + zc->area_start + zc->area))
		return erofs_err_ret(-errno, "cannot cut the image: %s",
				     strerror(errno));
	return 0;
}

/*
 * The task is done: place its output (@in: a whole file that -E dedupe
 * may find a copy of), or park it until its turn.
 */
int z_out_finish(struct mkfs_ctx *ctx, struct z_out *o, struct mkfs_zinode *z,
		 struct mkfs_inode *in)
{
	struct mkfs_zctx *zc = ctx->z;
	int err = 0;

	pthread_mutex_lock(&zc->lock);
	if (!o->streaming && zc->placed != o->ticket && !zc->error &&
	    zc->parked_bytes + o->len <= Z_PARK_MAX) {
		err = z_park(zc, o, z, in);
		goto out;
	}
	err = z_wait_turn(zc, o->ticket);
	if (err)
		goto out;
	if (o->streaming) {
		err = z_area_write(ctx, o->buf, o->len, o->base + o->off);
		z->area_off = o->base;
		zc->area = o->base + o->pos;
		if (!err && in && zc->dd)
			err = z_streamed_dup(ctx, o, in);
	} else {
		err = z_place(ctx, o->buf, o->len, z, in);
	}
	zc->placed++;
	if (!err)
		err = z_place_parked(ctx);
	pthread_cond_broadcast(&zc->turn);
out:
	if (err && !zc->error)
		zc->error = err;
	pthread_mutex_unlock(&zc->lock);
	o->len = 0;
	o->off = o->pos = 0;
	o->streaming = false;
	return err;
}

/* a task failed: nobody may wait for its turn */
void z_out_abort(struct mkfs_ctx *ctx, int err)
{
	struct mkfs_zctx *zc = ctx->z;

	pthread_mutex_lock(&zc->lock);
	if (!zc->error)
		zc->error = err;
	pthread_cond_broadcast(&zc->turn);
	pthread_mutex_unlock(&zc->lock);
}

void z_place_release(struct mkfs_zctx *zc)
{
	while (zc->parked) {
		struct z_parked *p = zc->parked;

		zc->parked = p->next;
		free(p->buf);
		free(p);
	}
	z_dedupe_release(zc);
	pthread_cond_destroy(&zc->turn);
	pthread_mutex_destroy(&zc->lock);
}
