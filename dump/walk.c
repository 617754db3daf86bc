// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * A depth-first walk over an image's tree.  One frame per directory level
 * holds the directory's inode and its suspended iterator (no block
 * buffer), so memory grows with depth, not with the number of files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/print.h"
#include "dump.h"

struct frame {
	struct erofs_inode dir;
	struct erofs_dir_iter it;
	size_t pathlen;		/* the directory's path length */
};

struct walk {
	struct dump_image *d;
	dump_walk_fn fn;
	void *arg;
	struct frame **frames;
	unsigned int depth, cap;
	char *path;
	size_t pathcap;
	struct dump_nidset dirs;	/* every directory entered */
};

static int path_set(struct walk *w, size_t at, const char *name, size_t len)
{
	size_t need = at + 1 + len + 1;

	if (need > w->pathcap) {
		size_t cap = need * 2;
		char *p = realloc(w->path, cap);

		if (!p)
			return -ENOMEM;
		w->path = p;
		w->pathcap = cap;
	}
	w->path[at] = '/';
	memcpy(w->path + at + 1, name, len);
	w->path[at + 1 + len] = '\0';
	return 0;
}

/* enter directory @vi, whose path is w->path (length @pathlen) */
static int push(struct walk *w, const struct erofs_inode *vi, u64 pnid,
		size_t pathlen)
{
	struct frame *f;
	char esc[1024];
	int ret = dump_nidset_add(&w->dirs, vi->nid);

	if (ret < 0)
		return ret;
	if (!ret) {
		/* the path holds names from the image: escaped, as in --ls */
		erofs_escape(esc, sizeof(esc), w->path, strlen(w->path));
		return dump_fail(w->d, EFSCORRUPTED,
				 "directory reached twice (a loop?) at '%s' @ nid %llu",
				 esc, (unsigned long long)vi->nid);
	}
	if (w->depth == w->cap) {
		unsigned int cap = w->cap ? w->cap * 2 : 16;
		struct frame **fr = realloc(w->frames, cap * sizeof(*fr));

		if (!fr)
			return -ENOMEM;
		w->frames = fr;
		w->cap = cap;
	}
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->dir = *vi;
	f->pathlen = pathlen;
	erofs_dir_iter_init(&f->it, &w->d->img, &f->dir, pnid);
	w->frames[w->depth++] = f;
	return 0;
}

static void pop(struct walk *w)
{
	struct frame *f = w->frames[--w->depth];

	erofs_dir_iter_release(&f->it);
	free(f);
}

/*
 * Visit the inode @nid at w->path and enter it if it is a directory,
 * suspending @parent's iterator first (it keeps no block buffer while
 * the child is walked).
 */
static int visit(struct walk *w, struct frame *parent, u64 nid, u64 pnid,
		 size_t pathlen)
{
	struct erofs_inode vi;
	struct dump_entry e = { w->path, &vi, pnid };
	int ret = erofs_read_inode(&w->d->img, nid, &vi);

	if (ret || w->d->failed)
		return dump_check(w->d, ret ? ret : -EFSCORRUPTED,
				  "cannot read an inode");
	ret = w->fn(w->d, &e, w->arg);
	if (ret || !S_ISDIR(vi.mode))
		return ret;
	if (erofs_inode_is_compressed(&vi)) {
		char esc[1024];

		erofs_escape(esc, sizeof(esc), w->path, strlen(w->path));
		return dump_fail(w->d, EOPNOTSUPP,
				 "compressed directory '%s' @ nid %llu is not supported yet",
				 esc, (unsigned long long)nid);
	}
	if (parent)
		erofs_dir_iter_suspend(&parent->it);
	return push(w, &vi, pnid, pathlen);
}

/* "." or "..": the iterator has checked where they point */
static bool is_dot(const struct erofs_dirent_info *de)
{
	return de->name[0] == '.' &&
	       (de->namelen == 1 || (de->namelen == 2 && de->name[1] == '.'));
}

/* the next entry of the innermost directory: 0 to go on, else stop */
static int step(struct walk *w)
{
	struct frame *f = w->frames[w->depth - 1];
	size_t at = f->pathlen == 1 ? 0 : f->pathlen;	/* root is "/" */
	int ret = erofs_dir_iter_next(&f->it);

	if (ret < 0 || w->d->failed)
		return dump_check(w->d, ret < 0 ? ret : -EFSCORRUPTED,
				  "cannot read a directory");
	if (!ret) {
		pop(w);
		return 0;
	}
	if (is_dot(&f->it.de))
		return 0;
	ret = path_set(w, at, f->it.de.name, f->it.de.namelen);
	if (ret)
		return dump_check(w->d, ret, "cannot walk the tree");
	return visit(w, f, f->it.de.nid, f->dir.nid, at + 1 + f->it.de.namelen);
}

int dump_walk(struct dump_image *d, u64 root_nid, dump_walk_fn fn, void *arg)
{
	struct walk w = { .d = d, .fn = fn, .arg = arg };
	int ret = path_set(&w, 0, "", 0);

	if (!ret)
		ret = visit(&w, NULL, root_nid, root_nid, 1);
	while (!ret && w.depth)
		ret = step(&w);
	while (w.depth)
		pop(&w);
	free(w.frames);
	free(w.path);
	dump_nidset_release(&w.dirs);
	return ret;
}

struct find_nid {
	u64 nid;
	char *path;
};

static int find_nid_fn(struct dump_image *d, const struct dump_entry *e,
		       void *arg)
{
	struct find_nid *f = arg;

	if (e->vi->nid != f->nid)
		return 0;
	f->path = strdup(e->path);
	return f->path ? 1 : -ENOMEM;
}

int dump_nid_path(struct dump_image *d, u64 nid, char **path)
{
	struct find_nid f = { nid, NULL };
	int ret = dump_walk(d, d->img.sbi.root_nid, find_nid_fn, &f);

	if (ret < 0)
		return ret;
	if (!f.path)
		return -ENOENT;
	*path = f.path;
	return 0;
}
