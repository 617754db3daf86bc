// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * One regular file's data, as fsck checks it: every extent read (stored
 * bytes straight from the image's mapping where it can), compressed ones
 * decoded, the content hashed against its fingerprint, and written out
 * when extracting.  Run by the pool (reader_fsck_pool.c) in a worker
 * thread, or inline in the walk with one worker; a job's problems are
 * kept in it and printed, in walk order, by print_job().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/progress.h"
#include "liberofs_fsck.h"

#define CHUNK		FSCK_CHUNK	/* read and hashed at a time */
#define WINDOW		(4U << 20)	/* hashed from the mapping at a time */

static void job_problem(struct fsck_job *job, enum erofs_problem_id id,
			const char *fmt, const char *detail)
{
	if (job->has_problem)
		return;
	job->has_problem = true;
	job->pid = id;
	snprintf(job->msg, sizeof(job->msg), fmt, detail);
}

/*
 * The worker's buffers, allocated when first needed: most files of a
 * small image need neither (stored bytes are hashed from the mapping).
 * Each holds @need bytes (at most CHUNK), grown by powers of two: a small
 * image's files never cost a whole CHUNK.
 */
static u8 *chunk_buf(struct fsck_worker *w, struct fsck_job *job, bool zeroed,
		     u64 need)
{
	u8 **p = zeroed ? &w->zero : &w->buf;
	u32 *cap = zeroed ? &w->zero_cap : &w->buf_cap;
	u32 want = 4096;

	if (need > CHUNK)
		need = CHUNK;
	if (*p && *cap >= need)
		return *p;
	while (want < need)
		want <<= 1;
	free(*p);	/* scratch: nothing in it is kept */
	*p = zeroed ? calloc(1, want) : malloc(want);
	*cap = *p ? want : 0;
	if (!*p)
		job_problem(job, EROFS_PB_NOMEM, "%s",
			    "no memory for a data buffer");
	return *p;
}

/* @p NULL: @n bytes of a hole, hashed as zeros, never written */
static int hash_and_write(struct fsck_worker *w, struct fsck_job *job,
			  const u8 *p, u64 n, u64 off)
{
	const u8 *h = p ? p : job->has_fp ? chunk_buf(w, job, true, n) : NULL;

	if (job->has_fp && !h)
		return -ENOMEM;
	if (job->has_fp && erofs_sha256_update(&w->sha, h, n))
		return -EIO;
	if (job->fd < 0 || !p)
		return 0;
	while (n) {
		ssize_t k = pwrite(job->fd, p, n, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			job_problem(job, EROFS_PB_EXTRACT, "cannot write: %s",
				    k < 0 ? strerror(errno) : "short write");
			return -EIO;
		}
		p += k;
		off += k;
		n -= k;
	}
	return 0;
}

static int read_failed(struct fsck_job *job, int err)
{
	job_problem(job, err == -EFSCORRUPTED ? EROFS_PB_INODE_DATA :
		    EROFS_PB_IO, "cannot read data: %s", erofs_strerror(err));
	return err;
}

/*
 * Hash a stored extent straight from the image's mapping, saving the copy
 * a read makes; without a fingerprint, touching the pages is the whole
 * read.  *n gets the bytes done, 0 to fall back to pread.
 */
static int mapped_piece(struct erofs_image *img, struct fsck_worker *w,
			struct fsck_job *job, const struct erofs_map *map,
			u64 done, u64 *n)
{
	const u8 *p;

	*n = map->llen - done < WINDOW ? map->llen - done : WINDOW;
	p = erofs_image_map(img, map->pa + done, *n);
	if (!p) {
		*n = 0;
		return 0;
	}
	/* nothing to hash or write: read it all the same, as fsck must */
	if (!job->has_fp && job->fd < 0 && erofs_image_touch(p, *n))
		return read_failed(job, -EIO);
	return hash_and_write(w, job, p, *n, map->la + done);
}

/* one extent, CHUNK bytes at a time; holes are hashed, never written */
static int do_extent(struct erofs_image *img, struct fsck_worker *w,
		     struct fsck_job *job, const struct erofs_map *map)
{
	bool stored = map->flags & EROFS_MAP_MAPPED;

	for (u64 done = 0; done < map->llen; ) {
		const u8 *p = NULL;
		u64 n = 0;
		int err = stored ? mapped_piece(img, w, job, map, done, &n) : 0;

		if (err)
			return err;
		if (!n) {
			n = map->llen - done < CHUNK ? map->llen - done : CHUNK;
			if (stored) {
				p = chunk_buf(w, job, false, n);
				if (!p)
					return -ENOMEM;
				err = erofs_image_pread(img, w->buf, n,
							map->pa + done);
				if (err)
					return read_failed(job, err);
			}
			err = hash_and_write(w, job, p, n, map->la + done);
			if (err)
				return err;
		}
		if (stored) {
			job->mapped += n;
			erofs_progress_add(w->progress, 0, n);
		}
		done += n;
		job->bytes += n;
	}
	return 0;
}

/*
 * A compressed extent or a fragment: decoded (whole, once, into the
 * worker's zreader) and handed on CHUNK bytes at a time.
 */
static int do_zextent(struct erofs_image *img, struct fsck_worker *w,
		      struct fsck_job *job, const struct erofs_map *map)
{
	struct erofs_problem_note note = { 0 };

	if (!chunk_buf(w, job, false, map->llen))
		return -ENOMEM;
	for (u64 done = 0; done < map->llen; ) {
		u64 n = map->llen - done < CHUNK ? map->llen - done : CHUNK;
		int err = erofs_read_mapped(img, &job->vi, map, w->buf, n,
					    map->la + done, w->zr, &note);

		if (err) {
			job_problem(job, note.set ? note.id : EROFS_PB_Z_DATA,
				    "%s", note.set ? note.msg :
				    erofs_strerror(err));
			return err;
		}
		err = hash_and_write(w, job, w->buf, n, map->la + done);
		if (err)
			return err;
		done += n;
		job->bytes += n;
	}
	job->mapped += map->plen;
	erofs_progress_add(w->progress, 0, map->plen);
	return 0;
}

/* the extents of a compressed file */
static int run_zjob(struct fsck_ctx *ctx, struct fsck_worker *w,
		    struct fsck_job *job)
{
	struct erofs_map map = { 0 };
	int err = 0;

	while (!err && map.la < job->vi.size) {
		struct erofs_problem_note note = { 0 };

		err = erofs_map_blocks_noted(ctx->img, &job->vi, &map,
					     EROFS_RD_VERIFY, &note);
		if (err)
			job_problem(job, note.set ? note.id : EROFS_PB_Z_INDEX,
				    "%s", note.set ? note.msg :
				    erofs_strerror(err));
		else if (map.flags & (EROFS_MAP_ENCODED | EROFS_MAP_FRAGMENT))
			err = do_zextent(ctx->img, w, job, &map);
		else
			err = do_extent(ctx->img, w, job, &map);
		map.la += map.llen;
	}
	erofs_zreader_trim(w->zr);
	return err;
}

static void check_digest(struct fsck_worker *w, struct fsck_job *job)
{
	u8 digest[32];

	if (erofs_sha256_final(&w->sha, digest)) {
		job_problem(job, EROFS_PB_NOMEM, "%s", "sha256 failed");
		return;
	}
	job->fp_checked = true;
	if (memcmp(digest, job->digest, 32))
		job_problem(job, EROFS_PB_FP_MISMATCH, "%s",
			    "content does not match its fingerprint");
}

static void run_job(struct fsck_ctx *ctx, struct fsck_worker *w,
		    struct fsck_job *job)
{
	u8 scratch[32];
	struct erofs_map map = { 0 };
	int err = 0;

	if (erofs_inode_is_compressed(&job->vi))
		err = run_zjob(ctx, w, job);
	while (!err && map.la < job->vi.size &&
	       !erofs_inode_is_compressed(&job->vi)) {
		err = erofs_map_blocks(ctx->img, &job->vi, &map, EROFS_RD_QUIET);
		if (err)
			job_problem(job, EROFS_PB_INODE_DATA, "cannot map data: %s",
				    erofs_strerror(err));
		else
			err = do_extent(ctx->img, w, job, &map);
		map.la += map.llen;
	}
	if (!err && job->has_fp)
		check_digest(w, job);
	else if (job->has_fp)
		erofs_sha256_final(&w->sha, scratch);	/* reset for the next */
	if (job->fd >= 0) {
		if (!err && ftruncate(job->fd, job->vi.size))
			job_problem(job, EROFS_PB_EXTRACT, "cannot size: %s",
				    strerror(errno));
		extract_attrs(ctx, &job->vi, -1, NULL, job->fd, job);
		close(job->fd);
		job->fd = -1;
	}
}

static void print_job(struct fsck_ctx *ctx, const struct fsck_job *job)
{
	if (job->has_problem)
		fsck_emit(ctx, job->pid, job->vi.nid, job->path, "%s",
			  job->msg);
	if (job->warn[0])
		fsck_emit(ctx, EROFS_PB_EXTRACT_SKIP, job->vi.nid, job->path,
			  "%s%s", job->warn, job->nwarn ?
			  " (and more like it)" : "");
}

const struct fsck_pool_ops fsck_data_ops = {
	.run = run_job,
	.print = print_job,
};
