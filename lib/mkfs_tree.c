// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The in-memory tree both sources build (a directory, mkfs_scan.c, or a
 * tar archive, mkfs_tar.c) and the writers read: appending inodes, owners
 * and times as the options map them, exclusions, sealed directories, and
 * where a file's data is read from.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/progress.h"
#include "erofs/print.h"
#include "liberofs_mkfs.h"

int mkfs_inode_append(struct mkfs_ctx *ctx, struct mkfs_inode *inode)
{
	if (ctx->ninodes == ctx->inodes_cap) {
		u64 cap = ctx->inodes_cap ? ctx->inodes_cap * 2 : 1024;
		void *p = realloc(ctx->inodes, cap * sizeof(*ctx->inodes));

		if (!p)
			return -ENOMEM;
		ctx->inodes = p;
		ctx->inodes_cap = cap;
	}
	ctx->inodes[ctx->ninodes++] = inode;
	erofs_progress_add(ctx->cfg->progress, 1, 0);
	return 0;
}

static u32 map_id(s64 force, s64 offset, u64 id)
{
	if (force >= 0)
		return (u32)force;
	return (u32)(id + offset);
}

/*
 * Owners and mtime of a source entry, as the options map them.  With
 * SOURCE_DATE_EPOCH an mtime at or past the build time is clamped to it
 * and older ones are kept, as erofs-utils does; -T alone sets them all.
 */
void mkfs_set_owner_time(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
			 u64 uid, u64 gid, s64 sec, u32 nsec)
{
	const struct erofs_mkfs_cfg *cfg = ctx->cfg;
	bool fixed = cfg->timestamp >= 0 && cfg->timestamp_all;

	if (cfg->clamp_mtime)
		fixed = sec >= ctx->build_sec;
	inode->uid = map_id(cfg->force_uid, cfg->uid_offset, uid);
	inode->gid = map_id(cfg->force_gid, cfg->gid_offset, gid);
	if (fixed || cfg->ignore_mtime) {
		inode->mtime = ctx->build_sec;
		inode->mtime_nsec = ctx->build_nsec;
	} else {
		inode->mtime = sec;
		inode->mtime_nsec = nsec;
	}
}

bool mkfs_is_excluded(const struct erofs_mkfs_cfg *cfg, const char *rel)
{
	for (unsigned int i = 0; i < cfg->n_exclude_paths; i++) {
		const char *p = cfg->exclude_paths[i];

		while (p[0] == '/' || (p[0] == '.' && p[1] == '/'))
			p += p[0] == '/' ? 1 : 2;
		if (!strcmp(p, rel))
			return true;
	}
	for (unsigned int i = 0; i < cfg->n_exclude_regexes; i++)
		if (!regexec(&cfg->exclude_regexes[i], rel, 0, NULL, 0))
			return true;
	return false;
}

static int cmp_dentries(const void *a, const void *b)
{
	return strcmp(((const struct mkfs_dentry *)a)->name,
		      ((const struct mkfs_dentry *)b)->name);
}

/* names are packed in chunks this big, one malloc() for hundreds */
#define NAME_CHUNK	(64U << 10)

struct mkfs_name_chunk {
	struct mkfs_name_chunk *next;
	char buf[NAME_CHUNK];
};

const char *mkfs_name_dup(struct mkfs_ctx *ctx, const char *name, size_t len)
{
	char *p;

	if (!ctx->names || ctx->names_used + len + 1 > NAME_CHUNK) {
		struct mkfs_name_chunk *c = malloc(sizeof(*c));

		if (!c)
			return NULL;
		c->next = ctx->names;
		ctx->names = c;
		ctx->names_used = 0;
	}
	p = ctx->names->buf + ctx->names_used;
	memcpy(p, name, len);
	p[len] = '\0';
	ctx->names_used += len + 1;
	return p;
}

/*
 * dents[0, n) hold a directory's entries, with room for two more: add
 * "." and "..", and sort them all by name as the format wants.
 */
void mkfs_dir_seal(struct mkfs_inode *dir, u32 n)
{
	struct mkfs_dentry *d = dir->dents;

	d[n] = (struct mkfs_dentry){ ".", 1, EROFS_FT_DIR, dir };
	d[n + 1] = (struct mkfs_dentry){ "..", 2, EROFS_FT_DIR,
					 dir->parent ? dir->parent : dir };
	dir->ndents = n + 2;
	qsort(d, dir->ndents, sizeof(*d), cmp_dentries);
}

/*
 * The path of a source file: the source directory, then the names from
 * the root down to the file's first one.  A tar member's is its own.
 */
int mkfs_src_path(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		  char *path)
{
	const struct mkfs_inode *p;
	size_t len = ctx->src_len, n;

	if (in->own_name) {
		n = strnlen(in->name, PATH_MAX - 1);
		memcpy(path, in->name, n);
		path[n] = '\0';
		return 0;
	}
	for (p = in; p->parent; p = p->parent)
		len += 1 + strlen(p->name);
	if (len >= PATH_MAX)
		return erofs_err_ret(-ENAMETOOLONG,
				     "path of '%s' longer than %d bytes",
				     in->name, PATH_MAX - 1);
	path[len] = '\0';
	for (p = in; p->parent; p = p->parent) {
		n = strlen(p->name);
		len -= n;
		memcpy(path + len, p->name, n);
		path[--len] = '/';
	}
	memcpy(path, ctx->cfg->source, len);
	return 0;
}

/*
 * Where a regular file's data is: the source file, opened and checked
 * against the scan, or the tar archive, which stays open throughout.
 */
int mkfs_src_open(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		  u64 *base, char *path)
{
	struct stat st;
	int fd, err = mkfs_src_path(ctx, in, path);

	*base = ctx->tar ? in->src_off : 0;
	if (err)
		return err;
	if (ctx->tar)
		return ctx->tar_fd;
	/* O_NONBLOCK: a file swapped for a fifo since the scan must not hang */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return erofs_err_ret(-errno, "cannot open '%s': %s", path,
				     strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return erofs_err_ret(-EAGAIN, "'%s' changed type while being read",
				     path);
	}
	if ((u64)st.st_size != in->size) {
		close(fd);
		return erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				     path);
	}
	return fd;
}

void mkfs_src_close(const struct mkfs_ctx *ctx, int fd)
{
	if (!ctx->tar)
		close(fd);
}

void mkfs_tree_release(struct mkfs_ctx *ctx)
{
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];

		free(in->dents);
		if (in->own_name)
			free((char *)in->name);
		free(in->data);
		free(in->xattrs);
		free(in);
	}
	while (ctx->names) {
		struct mkfs_name_chunk *c = ctx->names;

		ctx->names = c->next;
		free(c);
	}
	free(ctx->inodes);
	free(ctx->links);
	ctx->inodes = NULL;
	ctx->links = NULL;
	ctx->ninodes = 0;
}
