/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to the fsck engine: the walk's state, the tables that track
 * inodes already reached, the data workers and the extraction helpers.
 */
#ifndef __LIBEROFS_FSCK_H
#define __LIBEROFS_FSCK_H

#include <limits.h>
#include <pthread.h>
#include "erofs/fingerprint.h"
#include "erofs/fsck.h"
#include "liberofs_reader.h"

/* ---- nid tables (reader_fsck_tab.c) ---- */

/* which nids the walk has reached: a sparse bitmap */
struct nid_set {
	struct nid_leaf **slots;
	u64 cap, used;
};

/* true if @nid was already in the set; -ENOMEM as a negative value */
int nid_set_test_and_add(struct nid_set *s, u64 nid);
void nid_set_release(struct nid_set *s);

/* inodes reached by more than one name, or with nlink > 1 */
struct link_ent {
	u64 nid;
	u32 nlink;		/* what the inode says */
	u32 found;		/* dirents that reached it */
	char *path;		/* first path, relative, for messages/links */
	bool extracted;		/* the first path exists under extract_dir */
};

struct link_map {
	struct link_ent *ents;
	u64 cap, used;
};

/* the entry for @nid, created (zeroed but for nid) if missing; NULL: ENOMEM */
struct link_ent *link_map_get(struct link_map *m, u64 nid, bool create);
void link_map_release(struct link_map *m);

/* ---- data jobs ---- */

struct fsck_job {
	struct erofs_inode vi;
	char *path;		/* for messages, malloc'ed */
	int fd;			/* extraction target, or -1 */
	bool has_fp;
	u8 digest[32];		/* the recorded fingerprint */

	u64 seq;		/* submission order */
	int state;

	/* results, filled by a worker */
	enum erofs_problem_id pid;
	bool has_problem;
	char msg[320];
	unsigned int nwarn;	/* extraction warnings beyond the first */
	char warn[320];
	u64 bytes, mapped;
	bool fp_checked;
};

/* what a worker reads, hashes and decodes with: one per thread */
#define FSCK_CHUNK	(256U << 10)	/* the most buf and zero hold */
struct fsck_worker {
	u8 *buf, *zero;
	u32 buf_cap, zero_cap;		/* bytes in each */
	struct erofs_sha256 sha;
	struct erofs_zreader *zr;	/* compressed data: decode buffers */
	struct erofs_progress *progress;	/* stored bytes read go here */
};

struct fsck_ctx;
struct fsck_pool;

/*
 * The pool runs jobs and prints their results through these, so that it
 * needs nothing above it: the data checks (reader_fsck_data.c) sit on top.
 * @run: read, check and extract one file (in a worker, or inline);
 * @print: the problems of a finished job, in submission order.
 */
struct fsck_pool_ops {
	void (*run)(struct fsck_ctx *ctx, struct fsck_worker *w,
		    struct fsck_job *job);
	void (*print)(struct fsck_ctx *ctx, const struct fsck_job *job);
};

/* reader_fsck_pool.c: 1 worker runs each job inline, in the walk */
int fsck_pool_start(struct fsck_ctx *ctx, unsigned int nworkers,
		    const struct fsck_pool_ops *ops);
/* a free job slot (waits, printing finished jobs); then submit it */
struct fsck_job *fsck_pool_slot(struct fsck_pool *p);
void fsck_pool_submit(struct fsck_pool *p, struct fsck_job *job);
/* wait for every submitted job and print its results */
void fsck_pool_flush(struct fsck_pool *p);
void fsck_pool_stop(struct fsck_pool *p);

/* reader_fsck_data.c: the pool's ops for fsck */
extern const struct fsck_pool_ops fsck_data_ops;

/* ---- the walk (reader_fsck.c) ---- */

struct fsck_frame {
	struct erofs_inode vi;
	struct erofs_dir_iter it;
	size_t pathlen;
	u64 subdirs;
	int dirfd;		/* extraction: this directory, or -1 */
};

struct fsck_ctx {
	struct erofs_image *img;
	const struct erofs_fsck_cfg *cfg;
	struct erofs_fsck_stats *st;
	pthread_t main_thread;
	erofs_report_fn saved_report;
	void *saved_arg;

	char path[PATH_MAX];	/* of the inode being checked */
	size_t pathlen;
	size_t rel_off;		/* where paths below the start begin */
	unsigned int mute;	/* > 0: drop problems (re-reads) */
	bool full_walk;		/* from the root: global counts apply */

	struct nid_set seen;
	struct link_map links;
	struct fsck_frame **frames;
	unsigned int depth, frames_cap;
	struct fsck_pool *pool;
	bool in_job;		/* a job runs inline: the reader stays quiet */

	int rootfd;		/* extraction root directory, or -1 */
	bool superuser;
};

/* ---- problems (reader_fsck_report.c) ---- */

/* a job result, already in order: no flush */
void fsck_emit(struct fsck_ctx *ctx, enum erofs_problem_id id, u64 nid,
	       const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* report after earlier jobs, with a path (NULL: the current one) */
void fsck_problem(struct fsck_ctx *ctx, enum erofs_problem_id id, u64 nid,
		  const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- extraction (reader_extract.c) ---- */

int extract_open_root(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		      int *dirfd, int *fd);
/* create the entry @name in @parentfd; *fd: an open dir or file, or -1 */
int extract_create(struct fsck_ctx *ctx, int parentfd, const char *name,
		   const struct erofs_inode *vi, int *fd);
int extract_hardlink(struct fsck_ctx *ctx, int parentfd, const char *name,
		     const char *first);
/* owner, mode, xattrs, times: on @fd when >= 0, else on @name in @parentfd */
void extract_attrs(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		   int parentfd, const char *name, int fd,
		   struct fsck_job *job);

#endif
