// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Extraction: every entry is created relative to its parent's descriptor
 * (openat and friends, O_NOFOLLOW, O_EXCL), and names come only from
 * dirents the reader has checked (no '/', never "." or ".."), so nothing
 * can be written outside the target directory, even through a symlink
 * the image itself just created.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "erofs/print.h"
#include "liberofs_fsck.h"

static int fail(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		const char *what)
{
	int err = -errno;

	fsck_problem(ctx, EROFS_PB_EXTRACT, vi->nid, NULL, "cannot %s: %s",
		     what, strerror(errno));
	return err;
}

/* make room for @name when --overwrite allows it */
static bool remove_existing(struct fsck_ctx *ctx, int parentfd,
			    const char *name)
{
	if (!ctx->cfg->overwrite)
		return false;
	if (!unlinkat(parentfd, name, 0))
		return true;
	if (errno == EISDIR || errno == EPERM)
		return !unlinkat(parentfd, name, AT_REMOVEDIR);
	return false;
}

static int create_dir(struct fsck_ctx *ctx, int parentfd, const char *name,
		      const struct erofs_inode *vi, int *fd)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	if (mkdirat(parentfd, name, 0700) && errno != EEXIST)
		return fail(ctx, vi, "create directory");
	*fd = openat(parentfd, name, flags);
	if (*fd < 0 && (errno == ENOTDIR || errno == ELOOP) &&
	    remove_existing(ctx, parentfd, name)) {
		if (mkdirat(parentfd, name, 0700))
			return fail(ctx, vi, "create directory");
		*fd = openat(parentfd, name, flags);
	}
	return *fd < 0 ? fail(ctx, vi, "open directory") : 0;
}

static int create_file(struct fsck_ctx *ctx, int parentfd, const char *name,
		       const struct erofs_inode *vi, int *fd)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

	*fd = openat(parentfd, name, flags, 0600);
	if (*fd < 0 && errno == EEXIST && remove_existing(ctx, parentfd, name))
		*fd = openat(parentfd, name, flags, 0600);
	return *fd < 0 ? fail(ctx, vi, "create file") : 0;
}

static int create_symlink(struct fsck_ctx *ctx, int parentfd, const char *name,
			  const struct erofs_inode *vi)
{
	char target[PATH_MAX];
	int err = erofs_read_symlink(ctx->img, vi, target, sizeof(target));

	if (err)
		return err;
	if (!symlinkat(target, parentfd, name))
		return 0;
	if (errno == EEXIST && remove_existing(ctx, parentfd, name) &&
	    !symlinkat(target, parentfd, name))
		return 0;
	return fail(ctx, vi, "create symlink");
}

static int create_special(struct fsck_ctx *ctx, int parentfd, const char *name,
			  const struct erofs_inode *vi)
{
	dev_t dev = makedev(erofs_dev_major(vi->rdev), erofs_dev_minor(vi->rdev));
	mode_t mode = (vi->mode & S_IFMT) | 0600;

	if (!mknodat(parentfd, name, mode, dev))
		return 0;
	if (errno == EEXIST && remove_existing(ctx, parentfd, name) &&
	    !mknodat(parentfd, name, mode, dev))
		return 0;
	if (errno == EPERM && !ctx->superuser) {
		fsck_problem(ctx, EROFS_PB_EXTRACT_SKIP, vi->nid, NULL,
			     "device file not created: not running as root");
		return 1;
	}
	return fail(ctx, vi, "create special file");
}

int extract_create(struct fsck_ctx *ctx, int parentfd, const char *name,
		   const struct erofs_inode *vi, int *fd)
{
	*fd = -1;
	switch (vi->mode & S_IFMT) {
	case S_IFDIR:
		return create_dir(ctx, parentfd, name, vi, fd);
	case S_IFREG:
		return create_file(ctx, parentfd, name, vi, fd);
	case S_IFLNK:
		return create_symlink(ctx, parentfd, name, vi);
	}
	return create_special(ctx, parentfd, name, vi);
}

int extract_open_root(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		      int *dirfd, int *fd)
{
	const char *dir = ctx->cfg->extract_dir;
	int err;

	*dirfd = *fd = -1;
	if (!S_ISDIR(vi->mode))
		return extract_create(ctx, AT_FDCWD, dir, vi, fd);
	/* the target itself may be a symlink the user chose: follow it */
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail(ctx, vi, "create the target directory");
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return fail(ctx, vi, "open the target directory");
	ctx->rootfd = dup(*dirfd);
	err = ctx->rootfd < 0 ? fail(ctx, vi, "duplicate a descriptor") : 0;
	return err;
}

int extract_hardlink(struct fsck_ctx *ctx, int parentfd, const char *name,
		     const char *first)
{
	char esc[1024];		/* a path from the image, escaped */
	int err;

	if (!linkat(ctx->rootfd, first, parentfd, name, 0))
		return 0;
	if (errno == EEXIST && remove_existing(ctx, parentfd, name) &&
	    !linkat(ctx->rootfd, first, parentfd, name, 0))
		return 0;
	err = errno;
	erofs_escape(esc, sizeof(esc), first, strlen(first));
	fsck_problem(ctx, EROFS_PB_EXTRACT, EROFS_NID_NONE, NULL,
		     "cannot create hard link to '%s': %s", esc, strerror(err));
	return -err;
}

struct attr_ctx {
	struct fsck_ctx *ctx;
	const struct erofs_inode *vi;
	struct fsck_job *job;
	int fd;
	char proc[64 + PATH_MAX];	/* /proc/self/fd/N/name */
};

static void warn(struct attr_ctx *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct attr_ctx *a, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!a->job) {
		fsck_problem(a->ctx, EROFS_PB_EXTRACT_SKIP, a->vi->nid, NULL,
			     "%s", msg);
	} else if (a->job->warn[0]) {
		a->job->nwarn++;
	} else {
		memcpy(a->job->warn, msg, sizeof(a->job->warn));
	}
}

static int set_xattr(const struct erofs_xattr_info *x, void *arg)
{
	struct attr_ctx *a = arg;
	int ret;

	if (x->fingerprint)	/* derived from the content: never copied */
		return 0;
	if (a->fd >= 0)
		ret = fsetxattr(a->fd, x->name, x->value, x->value_len, 0);
	else
		ret = lsetxattr(a->proc, x->name, x->value, x->value_len, 0);
	if (ret) {
		char esc[256];	/* a name from the image, escaped */

		erofs_escape(esc, sizeof(esc), x->name, strlen(x->name));
		warn(a, "xattr '%s' not set: %s", esc, strerror(errno));
	}
	return 0;
}

static void set_owner_mode(struct attr_ctx *a, int parentfd, const char *name)
{
	const struct erofs_fsck_cfg *cfg = a->ctx->cfg;
	const struct erofs_inode *vi = a->vi;
	mode_t perms = vi->mode & 07777;
	int ret;

	if (cfg->preserve_owner) {
		ret = a->fd >= 0 ? fchown(a->fd, vi->uid, vi->gid) :
			fchownat(parentfd, name, vi->uid, vi->gid,
				 AT_SYMLINK_NOFOLLOW);
		if (ret)
			warn(a, "owner not set: %s", strerror(errno));
	}
	if (S_ISLNK(vi->mode))
		return;
	if (!cfg->preserve_perms)
		perms &= ~cfg->umask;
	ret = a->fd >= 0 ? fchmod(a->fd, perms) : fchmodat(parentfd, name,
							   perms, 0);
	if (ret)
		warn(a, "mode not set: %s", strerror(errno));
}

void extract_attrs(struct fsck_ctx *ctx, const struct erofs_inode *vi,
		   int parentfd, const char *name, int fd, struct fsck_job *job)
{
	struct attr_ctx a = { .ctx = ctx, .vi = vi, .job = job, .fd = fd };
	struct timespec ts[2] = {
		{ .tv_sec = vi->mtime, .tv_nsec = vi->mtime_nsec },
		{ .tv_sec = vi->mtime, .tv_nsec = vi->mtime_nsec },
	};
	int ret;

	set_owner_mode(&a, parentfd, name);
	if (ctx->cfg->xattrs && vi->xattr_isize) {
		if (fd < 0 && parentfd == AT_FDCWD)
			snprintf(a.proc, sizeof(a.proc), "%s", name);
		else if (fd < 0)
			snprintf(a.proc, sizeof(a.proc), "/proc/self/fd/%d/%s",
				 parentfd, name);
		erofs_xattr_iterate(ctx->img, vi, set_xattr, &a);
	}
	ret = fd >= 0 ? futimens(fd, ts) :
		utimensat(parentfd, name, ts, AT_SYMLINK_NOFOLLOW);
	if (ret)
		warn(&a, "times not set: %s", strerror(errno));
}
