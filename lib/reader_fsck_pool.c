// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * File data is read, hashed and (when extracting) written by worker
 * threads while the walk goes on.  Jobs sit in a small ring and retire in
 * submission order, so problems print in walk order however the workers
 * finish; memory is the ring plus one buffer per worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/fingerprint.h"
#include "liberofs_fsck.h"

#define CHUNK		(256U << 10)	/* read and hashed at a time */
#define WINDOW		(4U << 20)	/* mapped and hashed at a time */
/*
 * Jobs retire in order: a deep ring keeps the other workers busy with the
 * files behind a big one.  A job is ~1 KiB.
 */
#define RING_PER_WORKER	64
#define RING_MAX	512

enum { JOB_FREE, JOB_QUEUED, JOB_DONE };

struct fsck_pool {
	struct fsck_ctx *ctx;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct fsck_job *ring;
	unsigned int qdepth, nthreads;
	u64 head, next, tail;	/* submitted, taken, retired */
	bool stop;
	pthread_t *threads;
};

struct worker {
	u8 *buf, *zero;
	struct erofs_sha256 sha;
};

static void job_problem(struct fsck_job *job, enum erofs_problem_id id,
			const char *fmt, const char *detail)
{
	if (job->has_problem)
		return;
	job->has_problem = true;
	job->pid = id;
	snprintf(job->msg, sizeof(job->msg), fmt, detail);
}

static int hash_and_write(struct worker *w, struct fsck_job *job,
			  const u8 *p, u64 n, u64 off)
{
	if (job->has_fp && erofs_sha256_update(&w->sha, p, n))
		return -EIO;
	if (job->fd < 0 || p == w->zero)
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
 * Hash a stored extent straight from the page cache through a window
 * mapping, saving the copy pread makes (a third of the time otherwise);
 * without a fingerprint, populating the window is the whole read.
 * *n gets the bytes done, 0 to fall back to pread.
 */
static int mapped_piece(struct erofs_image *img, struct worker *w,
			struct fsck_job *job, const struct erofs_map *map,
			u64 done, u64 *n)
{
	size_t maplen;
	void *base;
	const u8 *p;
	int err;

	*n = map->llen - done < WINDOW ? map->llen - done : WINDOW;
	if (!img->map_data || *n < CHUNK ||
	    !(p = erofs_image_map(img, map->pa + done, *n, &base, &maplen))) {
		*n = 0;
		return 0;
	}
	err = hash_and_write(w, job, p, *n, map->la + done);
	erofs_image_unmap(base, maplen);
	return err;
}

/* one extent, CHUNK bytes at a time; holes are hashed, never written */
static int do_extent(struct erofs_image *img, struct worker *w,
		     struct fsck_job *job, const struct erofs_map *map)
{
	bool stored = map->flags & EROFS_MAP_MAPPED;

	for (u64 done = 0; done < map->llen; ) {
		const u8 *p = w->zero;
		u64 n = 0;
		int err = stored ? mapped_piece(img, w, job, map, done, &n) : 0;

		if (err)
			return err;
		if (!n) {
			n = map->llen - done < CHUNK ? map->llen - done : CHUNK;
			if (stored) {
				err = erofs_image_pread(img, w->buf, n,
							map->pa + done);
				if (err)
					return read_failed(job, err);
				p = w->buf;
			}
			err = hash_and_write(w, job, p, n, map->la + done);
			if (err)
				return err;
		}
		if (stored)
			job->mapped += n;
		done += n;
		job->bytes += n;
	}
	return 0;
}

static void check_digest(struct worker *w, struct fsck_job *job)
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

static void run_job(struct fsck_ctx *ctx, struct worker *w, struct fsck_job *job)
{
	struct erofs_map map = { 0 };
	int err = 0;

	while (!err && map.la < job->vi.size) {
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
		erofs_sha256_final(&w->sha, w->buf);	/* reset for the next */
	if (job->fd >= 0) {
		if (!err && ftruncate(job->fd, job->vi.size))
			job_problem(job, EROFS_PB_EXTRACT, "cannot size: %s",
				    strerror(errno));
		extract_attrs(ctx, &job->vi, -1, NULL, job->fd, job);
		close(job->fd);
		job->fd = -1;
	}
}

static void *worker_fn(void *arg)
{
	struct fsck_pool *p = arg;
	struct worker w = { 0 };

	w.buf = malloc(CHUNK);
	w.zero = calloc(1, CHUNK);
	if (w.buf && w.zero && erofs_sha256_init(&w.sha))
		w.sha.ctx = NULL;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct fsck_job *job;

		while (!p->stop && p->next == p->head)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->next == p->head)
			break;
		job = &p->ring[p->next++ % p->qdepth];
		pthread_mutex_unlock(&p->lock);
		if (!w.buf || !w.zero || !w.sha.ctx)
			job_problem(job, EROFS_PB_NOMEM, "%s",
				    "no memory for a data buffer");
		else
			run_job(p->ctx, &w, job);
		pthread_mutex_lock(&p->lock);
		job->state = JOB_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	if (w.sha.ctx)
		erofs_sha256_release(&w.sha);
	free(w.buf);
	free(w.zero);
	return NULL;
}

/* print a finished job's results and account for it (lock dropped) */
static void retire(struct fsck_pool *p, struct fsck_job *job)
{
	struct fsck_ctx *ctx = p->ctx;

	ctx->st->data_bytes += job->bytes;
	ctx->st->mapped_bytes += job->mapped;
	ctx->st->fingerprints += job->fp_checked;
	if (job->has_problem)
		fsck_emit(ctx, job->pid, job->vi.nid, job->path, "%s",
			     job->msg);
	if (job->warn[0])
		fsck_emit(ctx, EROFS_PB_EXTRACT_SKIP, job->vi.nid, job->path,
			     "%s%s", job->warn, job->nwarn ?
			     " (and more like it)" : "");
	free(job->path);
	job->path = NULL;
}

/* retire every finished job at the tail; called and returns locked */
static void retire_ready(struct fsck_pool *p)
{
	while (p->tail < p->head) {
		struct fsck_job *job = &p->ring[p->tail % p->qdepth];

		if (job->state != JOB_DONE)
			break;
		pthread_mutex_unlock(&p->lock);
		retire(p, job);
		pthread_mutex_lock(&p->lock);
		job->state = JOB_FREE;
		p->tail++;
	}
}

struct fsck_job *fsck_pool_slot(struct fsck_pool *p)
{
	struct fsck_job *job;

	pthread_mutex_lock(&p->lock);
	retire_ready(p);
	while (p->head - p->tail >= p->qdepth) {
		pthread_cond_wait(&p->done, &p->lock);
		retire_ready(p);
	}
	job = &p->ring[p->head % p->qdepth];
	pthread_mutex_unlock(&p->lock);
	memset(job, 0, sizeof(*job));
	job->fd = -1;
	return job;
}

void fsck_pool_submit(struct fsck_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->ring[p->head % p->qdepth].state = JOB_QUEUED;
	p->head++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void fsck_pool_flush(struct fsck_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		retire_ready(p);
		if (p->tail == p->head)
			break;
		pthread_cond_wait(&p->done, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
}

int fsck_pool_start(struct fsck_ctx *ctx, unsigned int nworkers)
{
	struct fsck_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	p->qdepth = nworkers * RING_PER_WORKER;
	if (p->qdepth > RING_MAX)
		p->qdepth = RING_MAX;
	p->ring = calloc(p->qdepth, sizeof(*p->ring));
	p->threads = calloc(nworkers, sizeof(*p->threads));
	if (!p->ring || !p->threads) {
		free(p->ring);
		free(p->threads);
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (unsigned int i = 0; i < nworkers; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_fn, p))
			break;
		p->nthreads++;
	}
	ctx->pool = p;
	if (!p->nthreads) {
		fsck_pool_stop(p);
		ctx->pool = NULL;
		return -EAGAIN;
	}
	return 0;
}

void fsck_pool_stop(struct fsck_pool *p)
{
	if (!p)
		return;
	fsck_pool_flush(p);
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->ring);
	free(p->threads);
	free(p);
}
