// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Walk the source directory once and build the in-memory tree: attributes,
 * xattrs, symlink targets and sorted directory entries.  File data is not
 * read here; the writer reads each file exactly once.
 *
 * The walk has two parts.  Gatherers (worker threads, and the main thread
 * whenever it would wait) read whole directories: the names, sorted, and
 * each entry's attributes, xattrs and symlink target, all relative to the
 * directory's descriptor, so every lookup walks one component.  The main
 * thread builds the tree from what they read, depth first in name order,
 * so that inodes, hard links and the first error come out the same for
 * any number of threads.  Gatherers stay at most SCAN_AHEAD entries ahead
 * of it, which bounds the memory they hold.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "erofs/progress.h"
#include "erofs/print.h"
#include "liberofs_mkfs.h"

#define SCAN_AHEAD	(1U << 15)
#define SCAN_DENTS_BUF	(1U << 16)	/* getdents64 buffer */
#define SCAN_WHY_MAX	(PATH_MAX + 160)

/* what the build needs of an entry's stat */
struct scan_attr {
	u64 size, ino;
	s64 mtime;
	dev_t dev, rdev;
	u32 mtime_nsec, mode, uid, gid, nlink;
};

struct scan_job;

struct scan_ent {
	char *name;
	struct scan_attr a;
	struct mkfs_xattr_blob xattrs;
	char *target;			/* symlinks */
	struct scan_job *sub;		/* directories */
};

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

/* one directory to read */
struct scan_job {
	char *path;
	bool root;			/* may be a symlink to a directory */
	int state;
	struct scan_ent *ents;
	u32 n;
	/* entries [0, err_at) are good; then err, and why says it */
	u32 err_at;
	int err;
	char *why;
	struct scan_job *next;		/* the stack of queued jobs */
	struct scan_job *all;		/* every job, to free them */
};

struct scan_pool {
	const struct erofs_mkfs_cfg *cfg;
	size_t root_len;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct scan_job *stack, *all;
	u64 ahead;			/* entries gathered, not yet built */
	bool stop;
};

/* the builder's current path, for messages and regular files' paths */
struct scan_path {
	char buf[PATH_MAX];
	size_t len;
	size_t root_len;
};

static u64 link_hash(dev_t dev, ino_t ino)
{
	u64 h = (u64)ino * 0x9E3779B97F4A7C15ULL ^ (u64)dev;

	return h ^ (h >> 29);
}

/* a source inode with more than one name, and what it became */
struct mkfs_link {
	dev_t dev;
	ino_t ino;
	struct mkfs_inode *in;
};

static int links_grow(struct mkfs_ctx *ctx)
{
	u64 cap = ctx->links_cap ? ctx->links_cap * 2 : 1024;
	struct mkfs_link *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (u64 i = 0; i < ctx->links_cap; i++) {
		struct mkfs_link *l = &ctx->links[i];
		u64 j;

		if (!l->in)
			continue;
		j = link_hash(l->dev, l->ino) & (cap - 1);
		while (tab[j].in)
			j = (j + 1) & (cap - 1);
		tab[j] = *l;
	}
	free(ctx->links);
	ctx->links = tab;
	ctx->links_cap = cap;
	return 0;
}

/* the entry of this (dev, ino): its inode, or NULL to record one there */
static struct mkfs_link *links_slot(struct mkfs_ctx *ctx, dev_t dev, ino_t ino)
{
	u64 j;

	if (ctx->nlinks_tab * 2 >= ctx->links_cap && links_grow(ctx))
		return NULL;
	j = link_hash(dev, ino) & (ctx->links_cap - 1);
	while (ctx->links[j].in && (ctx->links[j].dev != dev ||
				    ctx->links[j].ino != ino))
		j = (j + 1) & (ctx->links_cap - 1);
	return &ctx->links[j];
}

/*
 * cfg->selabel (--file-contexts): the label it gives the path relative to
 * the source replaces the source's security.selinux; no label, no xattr.
 */
static int set_selabel(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		       const char *path, const char *rel)
{
	const struct erofs_mkfs_cfg *cfg = ctx->cfg;
	const char *label;
	int err = 0;

	if (!cfg->selabel || cfg->xattr_tolerance < 0)
		return 0;
	while (*rel == '/')
		rel++;
	errno = 0;
	label = cfg->selabel(cfg->selabel_arg, rel, inode->mode);
	if (!label && errno)
		return -errno;	/* reported */
	mkfs_xattr_remove(ctx, inode, "security.selinux");
	if (label)
		err = mkfs_xattr_add(ctx, inode, "security.selinux", label,
				     strlen(label), path);
	mkfs_xattr_sort(inode);
	return err;
}

static void attr_of(struct scan_attr *a, const struct stat *st)
{
	a->size = st->st_size;
	a->ino = st->st_ino;
	a->dev = st->st_dev;
	a->rdev = st->st_rdev;
	a->mtime = st->st_mtim.tv_sec;
	a->mtime_nsec = st->st_mtim.tv_nsec;
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->nlink = st->st_nlink;
}

/* an entry's attributes; a symlink's target moves to the inode */
static int fill_attrs(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		      const struct scan_attr *a, char **target,
		      const char *path)
{
	inode->mode = a->mode;
	inode->src_ino = a->ino;
	inode->nlink = 1;
	mkfs_set_owner_time(ctx, inode, a->uid, a->gid, a->mtime,
			    a->mtime_nsec);
	if (S_ISREG(a->mode)) {
		inode->size = a->size;
	} else if (S_ISCHR(a->mode) || S_ISBLK(a->mode)) {
		inode->rdev = erofs_encode_dev(major(a->rdev), minor(a->rdev));
	} else if (S_ISLNK(a->mode)) {
		inode->data = (u8 *)*target;
		inode->size = strlen(*target);
		*target = NULL;
	} else if (!S_ISDIR(a->mode) && !S_ISFIFO(a->mode) &&
		   !S_ISSOCK(a->mode)) {
		return erofs_err_ret(-EINVAL, "unsupported file type: '%s'", path);
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_name(char ***names, u32 *n, u32 *cap, const char *name,
		    const char *path, char *why)
{
	size_t len = strlen(name);

	if (len > EROFS_NAME_LEN) {
		snprintf(why, SCAN_WHY_MAX,
			 "name longer than %d bytes in '%s': '%.40s...'",
			 EROFS_NAME_LEN, path, name);
		return -ENAMETOOLONG;
	}
	if (*n == *cap) {
		u32 c = *cap ? *cap * 2 : 16;
		void *p = realloc(*names, c * sizeof(**names));

		if (!p)
			return -ENOMEM;
		*names = p;
		*cap = c;
	}
	(*names)[*n] = malloc(len + 1);
	if (!(*names)[*n])
		return -ENOMEM;
	memcpy((*names)[(*n)++], name, len + 1);
	return 0;
}

/*
 * The names in directory @fd (@path), sorted so that the build is
 * independent of readdir; read with a 64 KiB getdents64 buffer, a few
 * calls for most directories.
 */
static int read_names(int fd, const char *path, char *buf, size_t bufsize,
		      char ***names_out, u32 *count_out, char *why)
{
	char **names = NULL;
	u32 n = 0, cap = 0;
	int err = 0;

	while (!err) {
		ssize_t got = getdents64(fd, buf, bufsize);

		if (got <= 0) {
			if (got < 0) {
				err = -errno;
				snprintf(why, SCAN_WHY_MAX,
					 "cannot read directory '%s': %s",
					 path, strerror(errno));
			}
			break;
		}
		for (ssize_t off = 0; off < got && !err; ) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			const char *nm = de->d_name;

			off += de->d_reclen;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			err = add_name(&names, &n, &cap, nm, path, why);
		}
	}
	if (err) {
		while (n)
			free(names[--n]);
		free(names);
		return err;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*count_out = n;
	return 0;
}

/* ---- gathering: any thread ------------------------------------------ */

static void job_fail(struct scan_job *job, u32 at, int err, char *why)
{
	job->err_at = at;
	job->err = err;
	if (err != -ENOMEM)
		job->why = strdup(why);
}

static struct scan_job *job_new(struct scan_pool *pool, char *path)
{
	struct scan_job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->path = path;
	pthread_mutex_lock(&pool->lock);
	job->all = pool->all;
	pool->all = job;
	pthread_mutex_unlock(&pool->lock);
	return job;
}

/* one entry @e of directory @fd (@path), whose full path is @full */
static int gather_entry(struct scan_pool *pool, int fd, struct scan_ent *e,
			char *full, char *why)
{
	struct stat st;
	int err;

	if (fstatat(fd, e->name, &st, AT_SYMLINK_NOFOLLOW)) {
		snprintf(why, SCAN_WHY_MAX, "cannot stat '%s': %s", full,
			 strerror(errno));
		return -errno;
	}
	attr_of(&e->a, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t len = readlinkat(fd, e->name, target, sizeof(target));

		if (len < 0) {
			snprintf(why, SCAN_WHY_MAX,
				 "cannot read symlink '%s': %s", full,
				 strerror(errno));
			return -errno;
		}
		if (len >= PATH_MAX) {
			snprintf(why, SCAN_WHY_MAX,
				 "symlink target too long: '%s'", full);
			return -ENAMETOOLONG;
		}
		e->target = strndup(target, len);
		if (!e->target)
			return -ENOMEM;
	}
	err = mkfs_xattr_gather(pool->cfg, fd, e->name, full, &e->xattrs,
				why, SCAN_WHY_MAX);
	if (err || !S_ISDIR(st.st_mode))
		return err;
	e->sub = job_new(pool, strdup(full));
	return e->sub && e->sub->path ? 0 : -ENOMEM;
}

/* read directory @job: its sorted names, then each entry */
static void gather(struct scan_pool *pool, struct scan_job *job, char *buf,
		   char *full, char *why)
{
	size_t base = strlen(job->path);
	char **names = NULL;
	u32 n = 0, kept = 0, bad = 0, i;
	int fd, err = 0;

	/* the source itself may be a symlink to a directory */
	fd = open(job->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		  (job->root ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		err = -errno;
		snprintf(why, SCAN_WHY_MAX, "cannot open directory '%s': %s",
			 job->path, strerror(errno));
	}
	if (!err)
		err = read_names(fd, job->path, buf, SCAN_DENTS_BUF, &names,
				 &n, why);
	if (!err && n) {
		job->ents = calloc(n, sizeof(*job->ents));
		if (!job->ents)
			err = -ENOMEM;
	}
	memcpy(full, job->path, base);
	for (i = 0; i < n && !err; i++) {
		struct scan_ent *e = &job->ents[kept];
		size_t nlen = strlen(names[i]);

		if (base + 1 + nlen >= PATH_MAX) {
			full[base] = '\0';
			snprintf(why, SCAN_WHY_MAX,
				 "path longer than %d bytes: '%.60s...'",
				 PATH_MAX - 1, full);
			err = -ENAMETOOLONG;
			bad = kept;
			break;
		}
		full[base] = '/';
		memcpy(full + base + 1, names[i], nlen + 1);
		if (mkfs_is_excluded(pool->cfg, full + pool->root_len + 1))
			continue;
		e->name = names[i];
		names[i] = NULL;
		bad = kept++;
		err = gather_entry(pool, fd, e, full, why);
	}
	if (err)
		job_fail(job, bad, err, why);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (fd >= 0)
		close(fd);
	job->n = kept;

	pthread_mutex_lock(&pool->lock);
	/* the first subdirectory on top: the builder wants it first */
	for (i = job->err ? job->err_at : kept; i-- > 0; ) {
		struct scan_job *sub = job->ents[i].sub;

		if (sub) {
			sub->next = pool->stack;
			pool->stack = sub;
		}
	}
	job->state = JOB_DONE;
	pool->ahead += kept;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
}

/* a queued job to gather, under the lock; NULL: none */
static struct scan_job *pop_queued(struct scan_pool *pool)
{
	while (pool->stack) {
		struct scan_job *job = pool->stack;

		pool->stack = job->next;
		if (job->state == JOB_QUEUED)
			return job;
	}
	return NULL;
}

/* per-thread gathering buffers */
struct scan_bufs {
	char dents[SCAN_DENTS_BUF];
	char full[PATH_MAX];
	char why[SCAN_WHY_MAX];
};

/* run @job now, under the lock, which is dropped meanwhile */
static void run_job(struct scan_pool *pool, struct scan_job *job,
		    struct scan_bufs *b)
{
	job->state = JOB_RUNNING;
	pthread_mutex_unlock(&pool->lock);
	gather(pool, job, b->dents, b->full, b->why);
	pthread_mutex_lock(&pool->lock);
}

static void *gatherer_fn(void *arg)
{
	struct scan_pool *pool = arg;
	struct scan_bufs *b = malloc(sizeof(*b));

	pthread_mutex_lock(&pool->lock);
	while (b && !pool->stop) {
		struct scan_job *job = NULL;

		if (pool->ahead < SCAN_AHEAD)
			job = pop_queued(pool);
		if (job)
			run_job(pool, job, b);
		else
			pthread_cond_wait(&pool->cond, &pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	free(b);
	return NULL;
}

/* the builder needs @job: gather it, or others while it is gathered */
static void wait_job(struct scan_pool *pool, struct scan_job *job,
		     struct scan_bufs *b)
{
	pthread_mutex_lock(&pool->lock);
	while (job->state != JOB_DONE) {
		struct scan_job *j = job->state == JOB_QUEUED ? job : NULL;

		if (!j && pool->ahead < SCAN_AHEAD)
			j = pop_queued(pool);
		if (j)
			run_job(pool, j, b);
		else
			pthread_cond_wait(&pool->cond, &pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
}

static void ent_release(struct scan_ent *e)
{
	free(e->name);
	free(e->xattrs.buf);
	free(e->target);
	e->name = e->target = NULL;
	e->xattrs.buf = NULL;
}

/* the builder is done with @job's entries */
static void job_release(struct scan_pool *pool, struct scan_job *job)
{
	for (u32 i = 0; i < job->n; i++)
		ent_release(&job->ents[i]);
	free(job->ents);
	job->ents = NULL;
	/* the struct stays until the end: the stack may still point to it */
	free(job->path);
	job->path = NULL;
	pthread_mutex_lock(&pool->lock);
	pool->ahead -= job->n;
	job->n = 0;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
}

/* ---- building: the main thread ------------------------------------- */

struct scan_builder {
	struct mkfs_ctx *ctx;
	struct scan_pool *pool;
	struct scan_path *sp;
	struct scan_bufs *bufs;
};

static int build_dir(struct scan_builder *sb, struct mkfs_inode *dir,
		     struct scan_job *job);

/* one entry of a directory: a new inode, or one more link to an old one */
static int build_entry(struct scan_builder *sb, struct mkfs_inode *dir,
		       struct scan_ent *e, struct mkfs_dentry *de, bool *skip)
{
	struct mkfs_ctx *ctx = sb->ctx;
	const struct scan_attr *a = &e->a;
	struct mkfs_link *slot = NULL;
	struct mkfs_inode *inode;
	const char *path = sb->sp->buf;
	int err;

	if ((a->dev == ctx->out_dev && a->ino == ctx->out_ino) ||
	    (ctx->cfg->old_image_ino && a->dev == ctx->cfg->old_image_dev &&
	     a->ino == ctx->cfg->old_image_ino)) {
		/* the image itself, written inside SOURCE, or the one it
		 * replaces there */
		*skip = true;
		return 0;
	}
	de->file_type = erofs_mode_to_ftype(a->mode);
	if (!S_ISDIR(a->mode) && a->nlink > 1 && !ctx->cfg->hard_dereference) {
		slot = links_slot(ctx, a->dev, a->ino);
		if (!slot)
			return -ENOMEM;
		if (slot->in) {
			de->inode = slot->in;
			slot->in->nlink++;
			return 0;
		}
	}
	inode = calloc(1, sizeof(*inode));
	if (!inode)
		return -ENOMEM;
	de->inode = inode;
	inode->parent = dir;
	inode->name = de->name;
	err = mkfs_inode_append(ctx, inode);
	if (err) {
		free(inode);
		de->inode = NULL;
		return err;
	}
	if (slot) {
		*slot = (struct mkfs_link){ a->dev, a->ino, inode };
		ctx->nlinks_tab++;
	}
	err = fill_attrs(ctx, inode, a, &e->target, path) ?:
	      mkfs_xattr_add_blob(ctx, inode, &e->xattrs, path) ?:
	      set_selabel(ctx, inode, path, path + sb->sp->root_len);
	if (err)
		return err;
	inode->from_src = S_ISREG(a->mode) && a->size;
	if (S_ISDIR(a->mode)) {
		dir->nlink++;
		return build_dir(sb, inode, e->sub);
	}
	return 0;
}

static int build_dir(struct scan_builder *sb, struct mkfs_inode *dir,
		     struct scan_job *job)
{
	struct scan_path *sp = sb->sp;
	size_t base = sp->len;
	u32 n, kept = 0;
	bool skip = false;
	int err = 0;

	wait_job(sb->pool, job, sb->bufs);
	n = job->err ? job->err_at : job->n;
	dir->nlink = 2;
	dir->dents = calloc(job->n + 2, sizeof(*dir->dents));
	if (!dir->dents)
		err = -ENOMEM;
	for (u32 i = 0; i < n && !err; i++) {
		struct scan_ent *e = &job->ents[i];
		size_t nlen = strlen(e->name);

		sp->buf[base] = '/';
		memcpy(sp->buf + base + 1, e->name, nlen + 1);
		sp->len = base + 1 + nlen;
		dir->dents[kept].name = mkfs_name_dup(sb->ctx, e->name, nlen);
		dir->dents[kept].name_len = nlen;
		if (!dir->dents[kept].name) {
			err = -ENOMEM;
			break;
		}
		err = build_entry(sb, dir, e, &dir->dents[kept], &skip);
		if (skip) {
			skip = false;
			continue;
		}
		kept++;
	}
	sp->len = base;
	sp->buf[base] = '\0';
	if (!err && job->err)
		err = job->why ? erofs_err_ret(job->err, "%s", job->why) :
				 job->err;
	dir->ndents = kept;
	if (!err)
		mkfs_dir_seal(dir, kept);
	job_release(sb->pool, job);
	return err;
}

#define OVL_OPAQUE	"trusted.overlay.opaque"
#define OVL_ORIGIN	"trusted.overlay.origin"

static bool is_whiteout(const struct mkfs_inode *in)
{
	return S_ISCHR(in->mode) && !in->rdev;	/* a 0:0 character device */
}

/*
 * Overlayfs whiteouts (0:0 character devices), from either source.  By
 * default a directory holding one gets an empty trusted.overlay.origin,
 * without which overlayfs shows the whiteouts of a directory that is not
 * merged with a lower one; --ovlfs-strip drops the whiteouts and every
 * trusted.overlay.opaque instead, for an image used on its own.
 */
int mkfs_overlay_whiteouts(struct mkfs_ctx *ctx)
{
	bool strip = ctx->cfg->ovlfs_strip, removed = false;
	u64 kept = 0;
	int err = 0;

	for (u64 i = 0; i < ctx->ninodes && !err; i++) {
		struct mkfs_inode *dir = ctx->inodes[i];
		bool found = false;
		u32 j = 0;

		if (strip)
			mkfs_xattr_remove(ctx, dir, OVL_OPAQUE);
		if (!S_ISDIR(dir->mode))
			continue;
		for (u32 k = 0; k < dir->ndents; k++) {
			struct mkfs_dentry *de = &dir->dents[k];

			if (de->inode == dir || !is_whiteout(de->inode)) {
				dir->dents[j++] = *de;
				continue;
			}
			found = true;
			if (!strip) {
				dir->dents[j++] = *de;
				continue;
			}
			de->inode->nlink--;
			removed = true;
		}
		dir->ndents = j;
		if (found && !strip) {
			mkfs_xattr_remove(ctx, dir, OVL_ORIGIN);
			err = mkfs_xattr_add(ctx, dir, OVL_ORIGIN, "", 0,
					     "a directory with whiteouts");
			mkfs_xattr_sort(dir);
		}
	}
	if (!removed)
		return err;
	/* whiteouts no entry names any more leave the inode list */
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];

		if (is_whiteout(in) && !in->nlink) {
			free(in->xattrs);
			free(in);
		} else {
			ctx->inodes[kept++] = in;
		}
	}
	ctx->ninodes = kept;
	return err;
}

static int start_gatherers(struct scan_pool *pool, pthread_t *tids,
			   unsigned int n)
{
	unsigned int started = 0;

	for (unsigned int i = 0; i < n; i++)
		if (!pthread_create(&tids[i], NULL, gatherer_fn, pool))
			started++;
		else
			tids[i] = 0;
	return started;
}

static void stop_gatherers(struct scan_pool *pool, pthread_t *tids,
			   unsigned int n)
{
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned int i = 0; i < n; i++)
		if (tids[i])
			pthread_join(tids[i], NULL);
	while (pool->all) {
		struct scan_job *job = pool->all;

		pool->all = job->all;
		for (u32 i = 0; i < job->n; i++)
			ent_release(&job->ents[i]);
		free(job->ents);
		free(job->path);
		free(job->why);
		free(job);
	}
}

/* the root, from its path: it has no directory to be relative to */
static int scan_root(struct mkfs_ctx *ctx, struct scan_path *sp,
		     struct mkfs_inode **out)
{
	struct mkfs_inode *root;
	struct scan_attr a;
	struct stat st;
	int err;

	if (stat(sp->buf, &st))
		return erofs_err_ret(-errno, "cannot stat source '%s': %s",
				     sp->buf, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return erofs_err_ret(-ENOTDIR, "source '%s' is not a directory",
				     sp->buf);
	root = calloc(1, sizeof(*root));
	err = root ? mkfs_inode_append(ctx, root) : -ENOMEM;
	if (err) {
		free(root);
		return err;
	}
	ctx->root = root;
	*out = root;
	attr_of(&a, &st);
	return fill_attrs(ctx, root, &a, NULL, sp->buf) ?:
	       mkfs_xattr_read(ctx, root, AT_FDCWD, sp->buf, sp->buf) ?:
	       set_selabel(ctx, root, sp->buf, sp->buf + sp->root_len);
}

int mkfs_scan_tree(struct mkfs_ctx *ctx)
{
	struct scan_pool pool = {
		.cfg = ctx->cfg,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	struct scan_builder sb = { .ctx = ctx, .pool = &pool };
	unsigned int nw = ctx->cfg->workers;
	struct mkfs_inode *root = NULL;
	struct scan_job *job = NULL;
	pthread_t *tids = NULL;
	int err;

	if (!nw) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nw = n > 0 ? n : 1;
	}
	sb.sp = malloc(sizeof(*sb.sp));
	sb.bufs = malloc(sizeof(*sb.bufs));
	tids = calloc(nw, sizeof(*tids));
	if (!sb.sp || !sb.bufs || !tids) {
		err = -ENOMEM;
		goto out;
	}
	sb.sp->len = strlen(ctx->cfg->source);
	while (sb.sp->len > 1 && ctx->cfg->source[sb.sp->len - 1] == '/')
		sb.sp->len--;
	if (sb.sp->len >= sizeof(sb.sp->buf)) {
		err = erofs_err_ret(-ENAMETOOLONG, "source path too long");
		goto out;
	}
	memcpy(sb.sp->buf, ctx->cfg->source, sb.sp->len);
	sb.sp->buf[sb.sp->len] = '\0';
	sb.sp->root_len = sb.sp->len;
	ctx->src_len = sb.sp->len;
	pool.root_len = sb.sp->len;
	err = scan_root(ctx, sb.sp, &root);
	if (!err) {
		job = job_new(&pool, strdup(sb.sp->buf));
		err = job && job->path ? 0 : -ENOMEM;
	}
	if (err)
		goto out;
	job->root = true;
	/* the main thread gathers too, while it would wait */
	start_gatherers(&pool, tids, nw - 1);
	err = build_dir(&sb, root, job);
out:
	if (tids)
		stop_gatherers(&pool, tids, nw - 1);
	free(tids);
	free(sb.bufs);
	free(sb.sp);
	return err;
}
