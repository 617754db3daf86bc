// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * File data is read, hashed and (when extracting) written by worker
 * threads while the walk goes on.  Workers take jobs in order but finish
 * them in any order, so that a big file never holds the others up; a job
 * with something to say leaves its result behind, and results print in
 * submission order once every earlier job is done, so problems come out
 * in walk order however the workers finish.  Memory: the job slots, one
 * buffer per worker, and the results waiting for an earlier job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/progress.h"
#include "erofs/fingerprint.h"
#include "liberofs_fsck.h"

#define CHUNK		(256U << 10)	/* read and hashed at a time */
#define WINDOW		(4U << 20)	/* hashed from the mapping at a time */
#define SLOTS_PER_WORKER 64	/* a job is about 1 KiB */
#define SLOTS_MAX	512
#define PUBLISH_BATCH	32	/* jobs handed to the workers at once */
#define RESULTS_MAX	4096	/* waiting to print: then the walk waits */
#define TAKE_MAX	16	/* small jobs a worker takes at once: half a batch */
#define TAKE_SMALL	(64U << 10)

enum { JOB_FREE, JOB_QUEUED, JOB_RUNNING };

struct fsck_pool {
	struct fsck_ctx *ctx;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct fsck_job *slots;
	unsigned int nslots, nthreads;
	unsigned int *free, nfree;	/* free slot indexes (a stack) */
	unsigned int *queue;		/* queued slot indexes (a FIFO) */
	u64 qhead, qtail;
	/* filled by the walk, not yet queued: published a batch at a time */
	unsigned int pending[PUBLISH_BATCH], npending;
	unsigned int busy;		/* slots queued or running */
	u64 seq;			/* of the next job submitted */
	struct fsck_job *results;	/* finished jobs with news, by seq */
	unsigned int nresults, results_cap;
	bool stop, main_waits;
	unsigned int wake_free;		/* free slots that wake the walk */
	pthread_t *threads;
};

struct worker {
	u8 *buf, *zero;
	struct erofs_sha256 sha;
	struct erofs_zreader *zr;	/* compressed data: decode buffers */
	struct erofs_progress *progress;	/* stored bytes read go here */
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
 * Hash a stored extent straight from the image's mapping, saving the copy
 * a read makes; without a fingerprint, touching the pages is the whole
 * read.  *n gets the bytes done, 0 to fall back to pread.
 */
static int mapped_piece(struct erofs_image *img, struct worker *w,
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
static int do_zextent(struct erofs_image *img, struct worker *w,
		      struct fsck_job *job, const struct erofs_map *map)
{
	struct erofs_problem_note note = { 0 };

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
static int run_zjob(struct fsck_ctx *ctx, struct worker *w,
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

/* a finished job: account for it, keep its news, free its slot (locked) */
static void finish_job(struct fsck_pool *p, struct fsck_job *job)
{
	struct erofs_fsck_stats *st = p->ctx->st;

	st->data_bytes += job->bytes;
	st->mapped_bytes += job->mapped;
	st->fingerprints += job->fp_checked;
	erofs_progress_add(p->ctx->cfg->progress, 1, 0);
	if (!job->has_problem && !job->warn[0]) {
		free(job->path);
	} else {
		unsigned int i = p->nresults++;	/* room kept by the walk */

		/* seqs finish nearly in order: insert from the end */
		while (i && p->results[i - 1].seq > job->seq) {
			p->results[i] = p->results[i - 1];
			i--;
		}
		p->results[i] = *job;
	}
	job->path = NULL;
	job->state = JOB_FREE;
	p->free[p->nfree++] = job - p->slots;
	p->busy--;
	/* wake the walk in batches: a wakeup per file costs more than it */
	if (p->main_waits && (p->nfree >= p->wake_free || !p->busy))
		pthread_cond_broadcast(&p->done);
}

/*
 * The next job and the small ones queued after it (locked): one lock
 * round trip for a run of small files, not one each.  A large job goes
 * alone, so that the other workers get the jobs behind it.
 */
static unsigned int take_jobs(struct fsck_pool *p, struct fsck_job **jobs)
{
	unsigned int n = 0;

	do {
		struct fsck_job *job = &p->slots[p->queue[p->qtail % p->nslots]];

		if (n && job->vi.size > TAKE_SMALL)
			break;
		p->qtail++;
		job->state = JOB_RUNNING;
		jobs[n++] = job;
	} while (n < TAKE_MAX && p->qtail != p->qhead &&
		 jobs[0]->vi.size <= TAKE_SMALL);
	/* in data order: the reads go forward through the image */
	for (unsigned int i = 1; i < n; i++) {
		struct fsck_job *job = jobs[i];
		unsigned int k = i;

		for (; k && jobs[k - 1]->vi.startblk > job->vi.startblk; k--)
			jobs[k] = jobs[k - 1];
		jobs[k] = job;
	}
	return n;
}

static void *worker_fn(void *arg)
{
	struct fsck_pool *p = arg;
	struct worker w = { .progress = p->ctx->cfg->progress };

	pthread_setname_np(pthread_self(), "fsck-data");	/* for perf, top */
	w.buf = malloc(CHUNK);
	w.zero = calloc(1, CHUNK);
	w.zr = erofs_zreader_alloc();
	if (!w.zr)
		w.buf = (free(w.buf), NULL);
	if (w.buf && w.zero && erofs_sha256_init(&w.sha))
		w.sha.ctx = NULL;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct fsck_job *jobs[TAKE_MAX];
		unsigned int n;

		while (!p->stop && p->qtail == p->qhead)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->qtail == p->qhead)
			break;
		n = take_jobs(p, jobs);
		pthread_mutex_unlock(&p->lock);
		for (unsigned int i = 0; i < n; i++) {
			if (!w.buf || !w.zero || !w.sha.ctx)
				job_problem(jobs[i], EROFS_PB_NOMEM, "%s",
					    "no memory for a data buffer");
			else
				run_job(p->ctx, &w, jobs[i]);
		}
		pthread_mutex_lock(&p->lock);
		for (unsigned int i = 0; i < n; i++)
			finish_job(p, jobs[i]);
	}
	pthread_mutex_unlock(&p->lock);
	if (w.sha.ctx)
		erofs_sha256_release(&w.sha);
	free(w.buf);
	free(w.zero);
	erofs_zreader_free(w.zr);
	return NULL;
}

static void print_result(struct fsck_ctx *ctx, struct fsck_job *job)
{
	if (job->has_problem)
		fsck_emit(ctx, job->pid, job->vi.nid, job->path, "%s",
			  job->msg);
	if (job->warn[0])
		fsck_emit(ctx, EROFS_PB_EXTRACT_SKIP, job->vi.nid, job->path,
			  "%s%s", job->warn, job->nwarn ?
			  " (and more like it)" : "");
	free(job->path);
}

/* the oldest job still queued or running, or the next seq if none */
static u64 oldest_busy(const struct fsck_pool *p)
{
	u64 low = p->seq;

	for (unsigned int i = 0; p->busy && i < p->nslots; i++)
		if (p->slots[i].state != JOB_FREE && p->slots[i].seq < low)
			low = p->slots[i].seq;
	return low;
}

/* print the results no busy job precedes; called and returns locked */
static void print_ready(struct fsck_pool *p)
{
	u64 low;

	if (!p->nresults)
		return;
	low = oldest_busy(p);
	while (p->nresults && p->results[0].seq < low) {
		struct fsck_job job = p->results[0];

		p->nresults--;
		memmove(p->results, p->results + 1,
			p->nresults * sizeof(*p->results));
		pthread_mutex_unlock(&p->lock);
		print_result(p->ctx, &job);
		pthread_mutex_lock(&p->lock);
	}
}

/* until @nfree slots are free, or none is busy */
static void wait_done(struct fsck_pool *p, unsigned int nfree)
{
	p->wake_free = nfree;
	p->main_waits = true;
	pthread_cond_wait(&p->done, &p->lock);
	p->main_waits = false;
}

/*
 * Queue the jobs the walk filled since the last time (locked): a batch at
 * a time, so that a worker is woken, and the lock taken, once per batch
 * rather than once per file.
 */
static void publish(struct fsck_pool *p)
{
	for (unsigned int i = 0; i < p->npending; i++) {
		struct fsck_job *job = &p->slots[p->pending[i]];

		job->seq = p->seq++;
		job->state = JOB_QUEUED;
		p->queue[p->qhead++ % p->nslots] = p->pending[i];
		p->busy++;
	}
	if (p->npending > 1)
		pthread_cond_broadcast(&p->work);
	else if (p->npending)
		pthread_cond_signal(&p->work);
	p->npending = 0;
}

struct fsck_job *fsck_pool_slot(struct fsck_pool *p)
{
	struct fsck_job *job;

	pthread_mutex_lock(&p->lock);
	if (p->npending == PUBLISH_BATCH || !p->nfree)
		publish(p);
	print_ready(p);
	/* room for a result from every busy job, so none is ever dropped */
	while (!p->nfree || p->nresults + p->busy + p->npending >=
			    p->results_cap) {
		publish(p);
		wait_done(p, p->nslots / 2);
		print_ready(p);
	}
	job = &p->slots[p->free[--p->nfree]];	/* ours until submitted */
	pthread_mutex_unlock(&p->lock);
	memset(job, 0, sizeof(*job));
	job->fd = -1;
	return job;
}

/* the walk's alone until published, so no lock */
void fsck_pool_submit(struct fsck_pool *p, struct fsck_job *job)
{
	p->pending[p->npending++] = job - p->slots;
}

void fsck_pool_flush(struct fsck_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	publish(p);
	while (p->busy)
		wait_done(p, p->nslots);
	print_ready(p);
	pthread_mutex_unlock(&p->lock);
}

static void pool_free(struct fsck_pool *p)
{
	free(p->slots);
	free(p->free);
	free(p->queue);
	free(p->results);
	free(p->threads);
	free(p);
}

int fsck_pool_start(struct fsck_ctx *ctx, unsigned int nworkers)
{
	struct fsck_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	p->nslots = nworkers * SLOTS_PER_WORKER;
	if (p->nslots > SLOTS_MAX)
		p->nslots = SLOTS_MAX;
	p->results_cap = RESULTS_MAX;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->free = calloc(p->nslots, sizeof(*p->free));
	p->queue = calloc(p->nslots, sizeof(*p->queue));
	p->results = calloc(p->results_cap, sizeof(*p->results));
	p->threads = calloc(nworkers, sizeof(*p->threads));
	if (!p->slots || !p->free || !p->queue || !p->results ||
	    !p->threads) {
		pool_free(p);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < p->nslots; i++)
		p->free[p->nfree++] = p->nslots - 1 - i;
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
	pool_free(p);
}
