// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Walk the source directory once and build the in-memory tree: attributes,
 * xattrs, symlink targets and sorted directory entries.  File data is not
 * read here; the writer reads each file exactly once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "erofs/progress.h"
#include "erofs/print.h"
#include "liberofs_mkfs.h"

struct scan_path {
	char buf[PATH_MAX];
	size_t len;		/* of the full path in buf */
	size_t root_len;	/* of the source prefix */
};

static u64 link_hash(dev_t dev, ino_t ino)
{
	u64 h = (u64)ino * 0x9E3779B97F4A7C15ULL ^ (u64)dev;

	return h ^ (h >> 29);
}

static int links_grow(struct mkfs_ctx *ctx)
{
	u64 cap = ctx->links_cap ? ctx->links_cap * 2 : 1024;
	struct mkfs_inode **tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (u64 i = 0; i < ctx->links_cap; i++) {
		struct mkfs_inode *in = ctx->links[i];
		u64 j;

		if (!in)
			continue;
		j = link_hash(in->src_dev, in->src_ino) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = in;
	}
	free(ctx->links);
	ctx->links = tab;
	ctx->links_cap = cap;
	return 0;
}

/* the inode already made for this (dev, ino), or a slot to record it */
static struct mkfs_inode **links_slot(struct mkfs_ctx *ctx, dev_t dev,
				      ino_t ino)
{
	u64 j;

	if (ctx->nlinks_tab * 2 >= ctx->links_cap && links_grow(ctx))
		return NULL;
	j = link_hash(dev, ino) & (ctx->links_cap - 1);
	while (ctx->links[j] && (ctx->links[j]->src_dev != dev ||
				 ctx->links[j]->src_ino != ino))
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

static int fill_attrs(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		      const struct stat *st, const struct scan_path *sp)
{
	const char *path = sp->buf;
	int err;

	inode->mode = st->st_mode;
	inode->src_dev = st->st_dev;
	inode->src_ino = st->st_ino;
	inode->nlink = 1;
	mkfs_set_owner_time(ctx, inode, st->st_uid, st->st_gid,
			    st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode)) {
		inode->size = st->st_size;
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		inode->rdev = erofs_encode_dev(major(st->st_rdev),
					       minor(st->st_rdev));
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t len = readlink(path, target, sizeof(target));

		if (len < 0)
			return erofs_err_ret(-errno, "cannot read symlink '%s': %s",
					     path, strerror(errno));
		if (len >= PATH_MAX)
			return erofs_err_ret(-ENAMETOOLONG,
					     "symlink target too long: '%s'", path);
		inode->data = malloc(len ? len : 1);
		if (!inode->data)
			return -ENOMEM;
		memcpy(inode->data, target, len);
		inode->size = len;
	} else if (!S_ISDIR(st->st_mode) && !S_ISFIFO(st->st_mode) &&
		   !S_ISSOCK(st->st_mode)) {
		return erofs_err_ret(-EINVAL, "unsupported file type: '%s'", path);
	}
	err = mkfs_xattr_read(ctx, inode, path);
	return err ?: set_selabel(ctx, inode, path, path + sp->root_len);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the names in @path, sorted so that the build is independent of readdir */
static int read_names(const char *path, char ***names_out, u32 *count_out)
{
	DIR *d = opendir(path);
	char **names = NULL;
	u32 n = 0, cap = 0;
	struct dirent *de;
	int err = 0;

	if (!d)
		return erofs_err_ret(-errno, "cannot open directory '%s': %s",
				     path, strerror(errno));
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strlen(de->d_name) > EROFS_NAME_LEN) {
			err = erofs_err_ret(-ENAMETOOLONG,
				"name longer than %d bytes in '%s': '%.40s...'",
				EROFS_NAME_LEN, path, de->d_name);
			break;
		}
		if (n == cap) {
			void *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(names, cap * sizeof(*names));
			if (!p) {
				err = -ENOMEM;
				break;
			}
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	if (!err && errno)
		err = erofs_err_ret(-errno, "cannot read directory '%s': %s",
				    path, strerror(errno));
	closedir(d);
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

static int scan_dir(struct mkfs_ctx *ctx, struct mkfs_inode *dir,
		    struct scan_path *sp);

/* one entry of a directory: a new inode, or one more link to an old one */
static int scan_entry(struct mkfs_ctx *ctx, struct mkfs_inode *dir,
		      struct scan_path *sp, struct mkfs_dentry *de, bool *skip)
{
	struct mkfs_inode **slot = NULL, *inode;
	struct stat st;
	int err;

	if (lstat(sp->buf, &st))
		return erofs_err_ret(-errno, "cannot stat '%s': %s", sp->buf,
				     strerror(errno));
	if ((st.st_dev == ctx->out_dev && st.st_ino == ctx->out_ino) ||
	    (ctx->cfg->old_image_ino && st.st_dev == ctx->cfg->old_image_dev &&
	     st.st_ino == ctx->cfg->old_image_ino)) {
		/* the image itself, written inside SOURCE, or the one it
		 * replaces there */
		*skip = true;
		return 0;
	}
	de->file_type = erofs_mode_to_ftype(st.st_mode);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
	    !ctx->cfg->hard_dereference) {
		slot = links_slot(ctx, st.st_dev, st.st_ino);
		if (!slot)
			return -ENOMEM;
		if (*slot) {
			de->inode = *slot;
			(*slot)->nlink++;
			return 0;
		}
	}
	inode = calloc(1, sizeof(*inode));
	if (!inode)
		return -ENOMEM;
	de->inode = inode;
	inode->parent = dir;
	err = mkfs_inode_append(ctx, inode);
	if (err) {
		free(inode);
		de->inode = NULL;
		return err;
	}
	if (slot) {
		*slot = inode;
		ctx->nlinks_tab++;
	}
	err = fill_attrs(ctx, inode, &st, sp);
	if (err)
		return err;
	if (S_ISREG(st.st_mode) && st.st_size) {
		inode->path = strdup(sp->buf);
		if (!inode->path)
			return -ENOMEM;
	}
	if (S_ISDIR(st.st_mode)) {
		dir->nlink++;
		return scan_dir(ctx, inode, sp);
	}
	return 0;
}

static int scan_dir(struct mkfs_ctx *ctx, struct mkfs_inode *dir,
		    struct scan_path *sp)
{
	size_t base = sp->len;
	char **names = NULL;
	u32 n = 0, kept = 0;
	bool skip = false;
	int err;

	err = read_names(sp->buf, &names, &n);
	if (err)
		return err;
	dir->nlink = 2;
	dir->dents = calloc(n + 2, sizeof(*dir->dents));
	if (!dir->dents) {
		err = -ENOMEM;
		goto out;
	}
	for (u32 i = 0; i < n && !err; i++) {
		size_t nlen = strlen(names[i]);
		const char *rel;

		if (base + 1 + nlen >= sizeof(sp->buf)) {
			err = erofs_err_ret(-ENAMETOOLONG,
				"path longer than %d bytes: '%.60s...'",
				PATH_MAX - 1, sp->buf);
			break;
		}
		sp->buf[base] = '/';
		memcpy(sp->buf + base + 1, names[i], nlen + 1);
		sp->len = base + 1 + nlen;
		rel = sp->buf + sp->root_len + 1;
		if (mkfs_is_excluded(ctx->cfg, rel))
			continue;
		dir->dents[kept].name = names[i];
		dir->dents[kept].name_len = nlen;
		err = scan_entry(ctx, dir, sp, &dir->dents[kept], &skip);
		if (skip) {
			skip = false;
			continue;
		}
		names[i] = NULL;
		kept++;
	}
	sp->len = base;
	sp->buf[base] = '\0';
	dir->ndents = kept;
	if (!err)
		err = mkfs_dir_seal(dir, kept);
out:
	for (u32 i = 0; i < n; i++)
		free(names[i]);
	free(names);
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
			free(de->name);
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

int mkfs_scan_tree(struct mkfs_ctx *ctx)
{
	struct scan_path *sp;
	struct mkfs_inode *root;
	struct stat st;
	int err;

	sp = malloc(sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->len = strlen(ctx->cfg->source);
	while (sp->len > 1 && ctx->cfg->source[sp->len - 1] == '/')
		sp->len--;
	if (sp->len >= sizeof(sp->buf)) {
		free(sp);
		return erofs_err_ret(-ENAMETOOLONG, "source path too long");
	}
	memcpy(sp->buf, ctx->cfg->source, sp->len);
	sp->buf[sp->len] = '\0';
	sp->root_len = sp->len;
	if (stat(sp->buf, &st)) {
		err = erofs_err_ret(-errno, "cannot stat source '%s': %s",
				    sp->buf, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		err = erofs_err_ret(-ENOTDIR, "source '%s' is not a directory",
				    sp->buf);
		goto out;
	}
	root = calloc(1, sizeof(*root));
	err = root ? mkfs_inode_append(ctx, root) : -ENOMEM;
	if (err) {
		free(root);
		goto out;
	}
	ctx->root = root;
	err = fill_attrs(ctx, root, &st, sp);
	if (!err)
		err = scan_dir(ctx, root, sp);
out:
	free(sp);
	return err;
}
