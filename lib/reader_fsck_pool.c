// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * File data is read, hashed and (when extracting) written by worker
 * threads while the walk goes on.  Workers take jobs in order but finish
 * them in any order, so that a big file never holds the others up; a job
 * with something to say leaves its result behind, and results print in
 * submission order once every earlier job is done, so problems come out
 * in walk order however the workers finish.  Memory: the job slots, one
 * buffer per worker, and the results waiting for an earlier job.  With
 * one worker there is no thread: each job runs inline when submitted.
 * What a job does and how its result prints come from the ops, so the
 * pool calls nothing above it.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs/progress.h"
#include "liberofs_fsck.h"

#define SLOTS_PER_WORKER 64	/* a job is about 1 KiB */
#define SLOTS_MAX	512
#define PUBLISH_BATCH	32	/* jobs handed to the workers at once */
#define RESULTS_MAX	4096	/* waiting to print: then the walk waits */
#define TAKE_MAX	16	/* small jobs a worker takes at once: half a batch */
#define TAKE_SMALL	(64U << 10)

enum { JOB_FREE, JOB_QUEUED, JOB_RUNNING };

struct fsck_pool {
	struct fsck_ctx *ctx;
	const struct fsck_pool_ops *ops;
	struct fsck_worker *inline_w;	/* one worker: no thread, this */
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

static void account(struct fsck_pool *p, const struct fsck_job *job)
{
	struct erofs_fsck_stats *st = p->ctx->st;

	st->data_bytes += job->bytes;
	st->mapped_bytes += job->mapped;
	st->fingerprints += job->fp_checked;
	erofs_progress_add(p->ctx->cfg->progress, 1, 0);
}

/* a finished job: account for it, keep its news, free its slot (locked) */
static void finish_job(struct fsck_pool *p, struct fsck_job *job)
{
	account(p, job);
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

/*
 * The state of one worker; a failed allocation fails its jobs.  Its two
 * data buffers come when a job first needs them (reader_fsck_data.c).
 */
static void worker_init(struct fsck_worker *w, struct erofs_progress *progress)
{
	*w = (struct fsck_worker){ .progress = progress };
	w->zr = erofs_zreader_alloc();
	if (w->zr && erofs_sha256_init(&w->sha))
		w->sha.ctx = NULL;
}

static void worker_release(struct fsck_worker *w)
{
	if (w->sha.ctx)
		erofs_sha256_release(&w->sha);
	free(w->buf);
	free(w->zero);
	erofs_zreader_free(w->zr);
}

static void run_one(struct fsck_pool *p, struct fsck_worker *w,
		    struct fsck_job *job)
{
	if (w->zr && w->sha.ctx) {
		p->ops->run(p->ctx, w, job);
		return;
	}
	job->has_problem = true;
	job->pid = EROFS_PB_NOMEM;
	strcpy(job->msg, "no memory for a data buffer");
}

static void print_result(struct fsck_pool *p, struct fsck_job *job)
{
	p->ops->print(p->ctx, job);
	free(job->path);
	job->path = NULL;
}

/*
 * One worker: the job runs at once in the walk's thread, and its result
 * prints at once, which is the order a pool prints it in.  No thread, no
 * lock, no hand-off: for a small image (and the fuzz target) these cost
 * more than the checks.
 */
static void run_inline(struct fsck_pool *p, struct fsck_job *job)
{
	p->ctx->in_job = true;
	run_one(p, p->inline_w, job);
	p->ctx->in_job = false;
	account(p, job);
	if (job->has_problem || job->warn[0])
		print_result(p, job);
	free(job->path);
	job->path = NULL;
}

static void *worker_fn(void *arg)
{
	struct fsck_pool *p = arg;
	struct fsck_worker w;

	pthread_setname_np(pthread_self(), "fsck-data");	/* for perf, top */
	worker_init(&w, p->ctx->cfg->progress);
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
		for (unsigned int i = 0; i < n; i++)
			run_one(p, &w, jobs[i]);
		pthread_mutex_lock(&p->lock);
		for (unsigned int i = 0; i < n; i++)
			finish_job(p, jobs[i]);
	}
	pthread_mutex_unlock(&p->lock);
	worker_release(&w);
	return NULL;
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
		print_result(p, &job);
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
	struct fsck_job *job = p->slots;

	if (p->inline_w)
		goto out;
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
out:
	memset(job, 0, sizeof(*job));
	job->fd = -1;
	return job;
}

/* the walk's alone until published, so no lock */
void fsck_pool_submit(struct fsck_pool *p, struct fsck_job *job)
{
	if (p->inline_w) {
		run_inline(p, job);
		return;
	}
	p->pending[p->npending++] = job - p->slots;
}

void fsck_pool_flush(struct fsck_pool *p)
{
	if (!p || p->inline_w)	/* inline: printed as they ran */
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
	if (p->inline_w)
		worker_release(p->inline_w);
	free(p->inline_w);
	free(p);
}

/* one worker: a slot and the buffers, used in the walk's thread */
static int start_inline(struct fsck_ctx *ctx, struct fsck_pool *p)
{
	p->slots = calloc(1, sizeof(*p->slots));
	p->inline_w = malloc(sizeof(*p->inline_w));
	if (!p->slots || !p->inline_w) {
		free(p->inline_w);
		p->inline_w = NULL;
		pool_free(p);
		return -ENOMEM;
	}
	worker_init(p->inline_w, ctx->cfg->progress);
	ctx->pool = p;
	return 0;
}

int fsck_pool_start(struct fsck_ctx *ctx, unsigned int nworkers,
		    const struct fsck_pool_ops *ops)
{
	struct fsck_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	p->ops = ops;
	if (nworkers == 1)
		return start_inline(ctx, p);
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
	if (p->inline_w) {
		pool_free(p);
		return;
	}
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
