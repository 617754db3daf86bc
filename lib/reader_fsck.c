// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The fsck walk.  Depth-first from the start inode with an explicit stack
 * of directory frames (no recursion); only the top frame holds a block
 * buffer.  Every nid reached goes into a set, so a directory reached twice
 * (a cycle or a directory hard link) is reported and never re-entered;
 * link counts are compared at the end.  Regular files go to the data
 * checks (reader_fsck_data.c) through the pool (reader_fsck_pool.c);
 * problems print in walk order (reader_fsck_report.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/progress.h"
#include "erofs/xattr.h"
#include "liberofs_fsck.h"

void erofs_fsck_cfg_init(struct erofs_fsck_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nid = EROFS_NID_NONE;
	cfg->verify_fingerprints = true;
	cfg->xattrs = true;
}

/* img->report during the walk: add the current path; workers stay quiet */
static void reader_hook(void *arg, const struct erofs_problem *p)
{
	struct fsck_ctx *ctx = arg;

	if (ctx->in_job || !pthread_equal(pthread_self(), ctx->main_thread))
		return;
	fsck_problem(ctx, p->id, p->nid, p->path, "%s", p->msg);
}

static const char *ftype_name(unsigned int ftype)
{
	static const char *const names[] = {
		"unknown", "file", "directory", "char device", "block device",
		"fifo", "socket", "symlink",
	};

	return ftype < ARRAY_SIZE(names) ? names[ftype] : "bad type";
}

struct xattr_scan {
	struct fsck_ctx *ctx;
	const struct erofs_inode *vi;
	unsigned int nfp;
	bool fp_ok;
	u8 digest[32];
};

static int scan_xattr(const struct erofs_xattr_info *x, void *arg)
{
	struct xattr_scan *s = arg;

	if (!x->fingerprint)
		return 0;
	if (++s->nfp > 1) {
		fsck_problem(s->ctx, EROFS_PB_FP_DUP, s->vi->nid, NULL,
			     "more than one fingerprint xattr");
		s->fp_ok = false;
		return 0;
	}
	if (x->value_len != EROFS_ISHARE_VALUE_SIZE ||
	    memcmp(x->value, EROFS_ISHARE_VALUE_PREFIX,
		   EROFS_ISHARE_PREFIX_LEN)) {
		fsck_problem(s->ctx, EROFS_PB_FP_VALUE, s->vi->nid, NULL,
			     "fingerprint of %u bytes is not \"sha256:\" and 32 bytes",
			     x->value_len);
		return 0;
	}
	memcpy(s->digest, x->value + EROFS_ISHARE_PREFIX_LEN, 32);
	s->fp_ok = true;
	return 0;
}

/* xattrs, then the fingerprint rules; *has_fp when one is to be checked */
static void check_xattrs(struct fsck_ctx *ctx, const struct erofs_inode *vi,
			 struct xattr_scan *s)
{
	bool reg = S_ISREG(vi->mode);

	*s = (struct xattr_scan){ .ctx = ctx, .vi = vi };
	if (erofs_xattr_iterate(ctx->img, vi, scan_xattr, s) < 0) {
		s->fp_ok = false;
		return;
	}
	if (s->nfp && !reg)
		fsck_problem(ctx, EROFS_PB_FP_UNEXPECTED, vi->nid, NULL,
			     "fingerprint on a %s",
			     ftype_name(erofs_mode_to_ftype(vi->mode)));
	else if (!s->nfp && reg && vi->size && ctx->img->has_fingerprints)
		fsck_problem(ctx, EROFS_PB_FP_MISSING, vi->nid, NULL,
			     "file of %llu bytes has no fingerprint",
			     (unsigned long long)vi->size);
	if (!reg)
		s->fp_ok = false;
}

/*
 * 0: data may be read; otherwise reported.  A compressed file's map is
 * walked by the data worker as it decodes it: mapping it here too would
 * read every index twice.
 */
static int check_data(struct fsck_ctx *ctx, const struct erofs_inode *vi)
{
	if (erofs_inode_is_compressed(vi) && S_ISREG(vi->mode))
		return 0;
	return erofs_check_data_map(ctx->img, vi, NULL);
}

static struct fsck_frame *top(struct fsck_ctx *ctx)
{
	return ctx->depth ? ctx->frames[ctx->depth - 1] : NULL;
}

static int push_dir(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		    u64 pnid, int dirfd)
{
	struct fsck_frame *f;

	if (ctx->depth == ctx->frames_cap) {
		unsigned int cap = ctx->frames_cap ? ctx->frames_cap * 2 : 64;
		void *p = realloc(ctx->frames, cap * sizeof(*ctx->frames));

		if (!p)
			return -ENOMEM;
		ctx->frames = p;
		memset(ctx->frames + ctx->frames_cap, 0,
		       (cap - ctx->frames_cap) * sizeof(*ctx->frames));
		ctx->frames_cap = cap;
	}
	f = ctx->frames[ctx->depth];
	if (!f) {
		f = malloc(sizeof(*f));
		if (!f)
			return -ENOMEM;
		ctx->frames[ctx->depth] = f;
	}
	if (top(ctx))
		erofs_dir_iter_suspend(&top(ctx)->it);
	f->vi = *vi;
	f->pathlen = ctx->pathlen;
	f->subdirs = 0;
	f->dirfd = dirfd;
	erofs_dir_iter_init(&f->it, ctx->img, &f->vi, pnid);
	ctx->depth++;
	return 0;
}

static void finish_dir(struct fsck_ctx *ctx, struct fsck_frame *f)
{
	u64 want = 2 + f->subdirs;

	erofs_dir_iter_release(&f->it);
	/* after a bad block the subdirectories cannot all be counted */
	if (f->vi.nlink != want && !f->it.nbad)
		fsck_problem(ctx, EROFS_PB_INODE_NLINK, f->vi.nid, NULL,
			     "directory nlink %u, expected %llu (2 + subdirectories)",
			     f->vi.nlink, (unsigned long long)want);
	if (f->dirfd >= 0) {
		extract_attrs(ctx, &f->vi, -1, NULL, f->dirfd, NULL);
		close(f->dirfd);
		ctx->st->extracted++;
	}
	ctx->depth--;
}

static int submit_file(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		       const struct xattr_scan *xs, int fd)
{
	bool fp = xs->fp_ok && ctx->cfg->verify_fingerprints;
	struct fsck_job *job;

	if (!vi->size && !fp && fd < 0)
		return 0;
	job = fsck_pool_slot(ctx->pool);
	job->vi = *vi;
	job->path = strdup(ctx->path);
	job->fd = fd;
	job->has_fp = fp;
	memcpy(job->digest, xs->digest, 32);
	fsck_pool_submit(ctx->pool, job);	/* a NULL path prints none */
	return 0;
}

/* non-directories: remember every inode that claims or gets >1 link */
static int track_links(struct fsck_ctx *ctx, const struct erofs_inode *vi)
{
	struct link_ent *e;

	if (vi->nlink == 1 || S_ISDIR(vi->mode))
		return 0;
	e = link_map_get(&ctx->links, vi->nid, true);
	if (!e)
		return -ENOMEM;
	e->nlink = vi->nlink;
	e->path = strdup(ctx->path);
	return e->path ? 0 : -ENOMEM;
}

static void count(struct fsck_ctx *ctx, const struct erofs_inode *vi)
{
	struct erofs_fsck_stats *st = ctx->st;

	st->inodes++;
	if (S_ISDIR(vi->mode))
		st->dirs++;
	else if (S_ISREG(vi->mode))
		st->files++;
	else if (S_ISLNK(vi->mode))
		st->symlinks++;
	else
		st->specials++;
}

/* everything about one inode reached for the first time */
static int visit(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		 int parentfd, const char *name, u64 pnid)
{
	bool extract = parentfd != -1 && ctx->cfg->extract_dir;
	int fd = -1, dirfd = -1, err;
	struct xattr_scan xs;
	bool data_ok;

	count(ctx, vi);
	check_xattrs(ctx, vi, &xs);
	data_ok = !check_data(ctx, vi);
	if (S_ISLNK(vi->mode) && data_ok && !extract) {
		char target[PATH_MAX];

		erofs_read_symlink(ctx->img, vi, target, sizeof(target));
	}
	err = track_links(ctx, vi);
	if (err)
		return err;
	if (extract && data_ok) {
		if (!name) {
			err = extract_open_root(ctx, vi, &dirfd, &fd);
		} else {
			err = extract_create(ctx, parentfd, name, vi, &fd);
			if (S_ISDIR(vi->mode))
				dirfd = fd, fd = -1;
		}
		if (!err && !S_ISDIR(vi->mode) && !S_ISREG(vi->mode)) {
			extract_attrs(ctx, vi, name ? parentfd : AT_FDCWD,
				      name ? name : ctx->cfg->extract_dir, -1,
				      NULL);
			ctx->st->extracted++;
		}
		if (!err && S_ISREG(vi->mode))
			ctx->st->extracted++;
		if (!err && vi->nlink > 1 && !S_ISDIR(vi->mode))
			link_map_get(&ctx->links, vi->nid, false)->extracted = true;
	}
	if (S_ISDIR(vi->mode) && data_ok)
		return push_dir(ctx, vi, pnid, dirfd);
	if (S_ISREG(vi->mode) && data_ok)
		return submit_file(ctx, vi, &xs, fd);
	return 0;
}

/* a nid reached again: a hard link, or something worse */
static void revisit(struct fsck_ctx *ctx, struct fsck_frame *f,
		    const struct erofs_dirent_info *de, const char *name)
{
	struct erofs_inode vi;
	struct link_ent *e;
	int err;

	ctx->mute++;	/* its own problems were reported the first time */
	err = erofs_read_inode(ctx->img, de->nid, &vi);
	ctx->mute--;
	if (err)
		return;
	if (erofs_mode_to_ftype(vi.mode) != de->ftype)
		fsck_problem(ctx, EROFS_PB_DIRENT_FTYPE, de->nid, NULL,
			     "dirent says %s, inode is a %s",
			     ftype_name(de->ftype),
			     ftype_name(erofs_mode_to_ftype(vi.mode)));
	if (S_ISDIR(vi.mode)) {
		f->subdirs++;
		fsck_problem(ctx, EROFS_PB_DIR_LINKED, de->nid, NULL,
			     "directory already reached by another path");
		return;
	}
	e = link_map_get(&ctx->links, de->nid, false);
	if (!e) {
		e = link_map_get(&ctx->links, de->nid, true);
		if (!e)
			return;
		e->nlink = vi.nlink;
	}
	e->found++;
	if (f->dirfd >= 0 && e->extracted && e->path &&
	    !extract_hardlink(ctx, f->dirfd, name, e->path + ctx->rel_off))
		ctx->st->extracted++;
}

static int child_path(struct fsck_ctx *ctx, const struct erofs_dirent_info *de)
{
	size_t sep = ctx->pathlen && ctx->path[ctx->pathlen - 1] != '/';

	if (ctx->pathlen + sep + de->namelen >= sizeof(ctx->path)) {
		fsck_problem(ctx, EROFS_PB_PATH_TOO_LONG, de->nid, NULL,
			     "entry of %u bytes makes the path longer than %zu bytes: not checked",
			     de->namelen, sizeof(ctx->path) - 1);
		return -ENAMETOOLONG;
	}
	if (sep)
		ctx->path[ctx->pathlen++] = '/';
	memcpy(ctx->path + ctx->pathlen, de->name, de->namelen);
	ctx->pathlen += de->namelen;
	ctx->path[ctx->pathlen] = '\0';
	return 0;
}

static int check_nid(struct fsck_ctx *ctx, const struct fsck_frame *f,
		     const struct erofs_dirent_info *de)
{
	u64 pos;

	if (de->nid == f->vi.nid)
		fsck_problem(ctx, EROFS_PB_DIRENT_NID, de->nid, NULL,
			     "entry points at its own directory");
	else if (!erofs_nid_pos(ctx->img, de->nid, &pos) ||
		 !erofs_image_range_ok(ctx->img, pos,
				       sizeof(struct erofs_inode_compact)))
		fsck_problem(ctx, EROFS_PB_DIRENT_NID, de->nid, NULL,
			     "nid is past the image end");
	else
		return 0;
	return -EFSCORRUPTED;
}

static int visit_entry(struct fsck_ctx *ctx, struct fsck_frame *f,
		       const struct erofs_dirent_info *de)
{
	const char *name;
	struct erofs_inode vi;
	int was, err;

	if (de->name[0] == '.' && (de->namelen == 1 ||
				   (de->namelen == 2 && de->name[1] == '.')))
		return 0;	/* checked by the iterator */
	if (child_path(ctx, de))
		return 0;
	if (check_nid(ctx, f, de)) {
		f->subdirs += de->ftype == EROFS_FT_DIR;	/* counted in nlink */
		return 0;
	}
	name = ctx->path + ctx->pathlen - de->namelen;
	was = nid_set_test_and_add(&ctx->seen, de->nid);
	if (was < 0)
		return was;
	if (was) {
		revisit(ctx, f, de, name);
		return 0;
	}
	if (erofs_read_inode(ctx->img, de->nid, &vi)) {
		ctx->st->inodes++;
		f->subdirs += de->ftype == EROFS_FT_DIR;
		return 0;
	}
	if (erofs_mode_to_ftype(vi.mode) != de->ftype)
		fsck_problem(ctx, EROFS_PB_DIRENT_FTYPE, vi.nid, NULL,
			     "dirent says %s, inode is a %s",
			     ftype_name(de->ftype),
			     ftype_name(erofs_mode_to_ftype(vi.mode)));
	f->subdirs += S_ISDIR(vi.mode);
	err = visit(ctx, &vi, f->dirfd, name, f->vi.nid);
	return err == -ENOMEM ? err : 0;
}

/* the depth-first loop over the directory stack */
static int walk(struct fsck_ctx *ctx)
{
	struct fsck_frame *f;
	int ret;

	while ((f = top(ctx))) {
		ctx->pathlen = f->pathlen;
		ctx->path[ctx->pathlen] = '\0';
		ret = erofs_dir_iter_next(&f->it);
		if (ret > 0)
			ret = visit_entry(ctx, f, &f->it.de);
		else
			finish_dir(ctx, f);
		if (ret == -ENOMEM)
			return ret;
	}
	return 0;
}

static void check_links(struct fsck_ctx *ctx)
{
	struct link_map *m = &ctx->links;

	for (u64 i = 0; i < m->cap; i++) {
		const struct link_ent *e = &m->ents[i];

		if (e->found && e->found != e->nlink)
			fsck_problem(ctx, EROFS_PB_INODE_NLINK, e->nid, e->path,
				     "nlink %u, but %u dirents point at it",
				     e->nlink, e->found);
	}
}

static void check_counts(struct fsck_ctx *ctx)
{
	u64 inos = ctx->img->sbi.inos;

	if (ctx->img->shared_faults > EROFS_SHARED_SHOWN)
		fsck_problem(ctx, EROFS_PB_XATTR_SHARED, EROFS_NID_NONE, "",
			     "%llu more problems in shared xattrs not shown",
			     (unsigned long long)ctx->img->shared_faults -
			     EROFS_SHARED_SHOWN);
	if (!ctx->full_walk)
		return;
	check_links(ctx);
	if (inos != ctx->st->inodes)
		fsck_problem(ctx, EROFS_PB_SB_INODES, EROFS_NID_NONE, "",
			     "superblock counts %llu inodes, %llu are reachable from the root",
			     (unsigned long long)inos,
			     (unsigned long long)ctx->st->inodes);
}

/* where the walk starts: --path, --nid or the root; sets the path shown */
static int find_start(struct fsck_ctx *ctx, u64 *nid, u64 *pnid)
{
	const struct erofs_fsck_cfg *cfg = ctx->cfg;
	u64 root = ctx->img->sbi.root_nid;
	int err;

	*nid = root;
	*pnid = root;
	if (cfg->path) {
		err = erofs_lookup_path(ctx->img, cfg->path, nid, pnid);
		if (err) {
			fsck_problem(ctx, EROFS_PB_LOOKUP, EROFS_NID_NONE,
				     cfg->path, "cannot look up: %s",
				     erofs_strerror(err));
			return err;
		}
		snprintf(ctx->path, sizeof(ctx->path), "%s%s",
			 cfg->path[0] == '/' ? "" : "/", cfg->path);
	} else if (cfg->nid != EROFS_NID_NONE) {
		*nid = cfg->nid;
		*pnid = cfg->nid == root ? root : EROFS_NID_NONE;
		if (*nid != root)
			snprintf(ctx->path, sizeof(ctx->path), "<nid %llu>",
				 (unsigned long long)*nid);
	}
	if (!ctx->path[0])
		strcpy(ctx->path, "/");
	ctx->pathlen = strlen(ctx->path);
	/* extraction paths are relative to the start: skip it and a '/' */
	ctx->rel_off = ctx->pathlen + (ctx->path[ctx->pathlen - 1] != '/');
	ctx->full_walk = *nid == root;
	return 0;
}

/*
 * The packed inode (fragments) is reached from the superblock, not from
 * a directory: count it, and decode all of it, so that bytes no file
 * uses are checked too.
 */
static int check_packed(struct fsck_ctx *ctx)
{
	struct erofs_image *img = ctx->img;
	struct fsck_job *job;
	int err;

	if (!ctx->full_walk || !img->packed_nid ||
	    !(img->sbi.feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS))
		return 0;
	err = nid_set_test_and_add(&ctx->seen, img->packed_nid);
	if (err)
		return err < 0 ? err : 0;
	ctx->st->inodes++;
	if (!img->packed || !img->packed->size)
		return 0;
	job = fsck_pool_slot(ctx->pool);
	job->vi = *img->packed;
	job->path = strdup("<packed inode>");
	fsck_pool_submit(ctx->pool, job);
	return 0;
}

static int start(struct fsck_ctx *ctx)
{
	struct erofs_inode vi;
	u64 nid, pnid;
	int err;

	if (ctx->cfg->require_fingerprints && !ctx->img->has_fingerprints) {
		fsck_problem(ctx, EROFS_PB_FP_NONE, EROFS_NID_NONE, "",
			     "image has no fingerprints (build it with --ishare_key or --xattr-inode-digest)");
		return 0;
	}
	err = find_start(ctx, &nid, &pnid);
	if (!err)
		err = check_packed(ctx);
	if (err)
		return err;
	err = nid_set_test_and_add(&ctx->seen, nid);
	if (err < 0)
		return err;
	err = erofs_read_inode(ctx->img, nid, &vi);
	if (err) {
		ctx->st->inodes++;
		return err;
	}
	err = visit(ctx, &vi, ctx->cfg->extract_dir ? AT_FDCWD : -1, NULL,
		    pnid);
	if (!err)
		err = walk(ctx);
	return err;
}

static unsigned int nworkers(const struct erofs_fsck_cfg *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (cfg->workers)
		return cfg->workers;
	return n > 0 ? (n > 64 ? 64 : n) : 1;
}

static void ctx_release(struct fsck_ctx *ctx)
{
	while (top(ctx)) {
		struct fsck_frame *f = top(ctx);

		erofs_dir_iter_release(&f->it);
		if (f->dirfd >= 0)
			close(f->dirfd);
		ctx->depth--;
	}
	for (unsigned int i = 0; i < ctx->frames_cap; i++)
		free(ctx->frames[i]);
	free(ctx->frames);
	nid_set_release(&ctx->seen);
	link_map_release(&ctx->links);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
}

int erofs_fsck_run(struct erofs_image *img, const struct erofs_fsck_cfg *cfg,
		   struct erofs_fsck_stats *st)
{
	struct fsck_ctx *ctx = calloc(1, sizeof(*ctx));
	int err;

	if (!ctx)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	ctx->img = img;
	ctx->cfg = cfg;
	ctx->st = st;
	ctx->rootfd = -1;
	ctx->superuser = !geteuid();
	ctx->main_thread = pthread_self();
	ctx->saved_report = img->report;
	ctx->saved_arg = img->report_arg;
	img->report = reader_hook;
	img->report_arg = ctx;

	/* bytes checked: the stored data read, of all the image holds */
	erofs_progress_phase(cfg->progress, "checking", 0, img->data_end);
	err = fsck_pool_start(ctx, nworkers(cfg), &fsck_data_ops);
	if (!err)
		err = start(ctx);
	fsck_pool_flush(ctx->pool);
	if (!err)
		check_counts(ctx);
	if (err == -ENOMEM)
		fsck_problem(ctx, EROFS_PB_NOMEM, EROFS_NID_NONE, "",
			     "out of memory: walk stopped");
	fsck_pool_stop(ctx->pool);
	ctx->pool = NULL;
	ctx_release(ctx);
	img->report = ctx->saved_report;
	img->report_arg = ctx->saved_arg;
	free(ctx);
	return err;
}
