// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Layer stacks in the page-cache sharing report: which regular files of
 * each layer a stack's overlayfs view shows.  Every entry of every layer
 * is kept with its path; a file of layer i is shown unless some higher
 * layer of the stack has an entry at its path (an upper file, directory
 * or whiteout replaces it), or has something other than a plain
 * directory at one of its ancestors below the root (a whiteout, a
 * non-directory or an opaque directory hides everything below it).  That is how overlayfs
 * looks a path up, component by component, from the top: a lower layer
 * is consulted below a name only while each upper layer has nothing
 * there or a directory that is not opaque.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/reader.h"
#include "liberofs_ishare.h"

#define OVL_OPAQUE_XATTR	"trusted.overlay.opaque"

int erofs_ishare_kind(struct erofs_image *img, const struct erofs_inode *vi)
{
	char v[2];
	int len;

	if (S_ISREG(vi->mode))
		return EROFS_ISHARE_REG;
	/* 0:0 encodes as 0 in both the old and the new device encoding */
	if (S_ISCHR(vi->mode) && !vi->rdev)
		return EROFS_ISHARE_WHITEOUT;
	if (!S_ISDIR(vi->mode))
		return EROFS_ISHARE_OTHER;
	/* overlayfs takes exactly "y"; anything else is not opaque */
	len = erofs_getxattr(img, vi, OVL_OPAQUE_XATTR, v, sizeof(v));
	if (len == -ENODATA || len == -ERANGE)
		return EROFS_ISHARE_DIR;
	if (len < 0)
		return len;
	return len == 1 && v[0] == 'y' ? EROFS_ISHARE_OPAQUE : EROFS_ISHARE_DIR;
}

int ishare_entry_add(struct rimage *img, const char *path,
		     enum erofs_ishare_kind kind, u64 file)
{
	struct rentry *e;

	if (img->nentries == img->entries_cap) {
		u64 cap = img->entries_cap ? img->entries_cap * 2 : 1024;

		e = realloc(img->entries, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		img->entries = e;
		img->entries_cap = cap;
	}
	e = &img->entries[img->nentries];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	/* "/" is the root, key ""; "/a/b" has key "a/b" */
	e->keylen = strlen(path) - (*path == '/');
	e->kind = kind;
	e->file = file;
	img->nentries++;
	return 0;
}

static const char *key_of(const struct rentry *e)
{
	return e->path + (*e->path == '/');
}

/* FNV-1a, one byte at a time, so that each prefix's hash comes on the way */
#define FNV_INIT	0xcbf29ce484222325ULL

static u64 fnv(u64 h, u8 c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

static int build_table(struct rimage *img)
{
	for (u64 i = 0; i < img->nentries; i++) {
		struct rentry *e = &img->entries[i];
		const char *k = key_of(e);
		u64 h = FNV_INIT;
		int err;

		for (u32 j = 0; j < e->keylen; j++)
			h = fnv(h, k[j]);
		err = erofs_hashtab_insert(&img->tab, &e->node, h);
		if (err)
			return err;
	}
	return 0;
}

static const struct rentry *lookup(const struct rimage *img, const char *key,
				   u32 len, u64 hash)
{
	for (struct erofs_hnode *n = erofs_hashtab_chain(&img->tab, hash); n;
	     n = n->next) {
		const struct rentry *e = erofs_hnode_entry(n, struct rentry,
							    node);

		if (n->hash == hash && e->keylen == len &&
		    !memcmp(key_of(e), key, len))
			return e;
	}
	return NULL;
}

/*
 * Whether the upper layer @up hides the path @key (@len bytes) below it.
 * The root never does: overlayfs always merges the roots of its layers
 * and never reads their opaque xattr (ovl_get_root() in
 * fs/overlayfs/super.c), so a layer tar's top-level .wh..wh..opq hides
 * nothing.
 */
static bool hides(const struct rimage *up, const char *key, u32 len)
{
	u64 h = FNV_INIT;
	u32 p = 0;

	for (;;) {
		const struct rentry *x;

		if (p)
			h = fnv(h, key[p++]);	/* the '/' */
		while (p < len && key[p] != '/')
			h = fnv(h, key[p++]);
		/* key[0, p) is an ancestor, or at p == len the path itself */
		x = lookup(up, key, p, h);
		if (x && (p == len || x->kind != EROFS_ISHARE_DIR))
			return true;
		if (p == len)
			return false;
	}
}

static bool shown(const struct erofs_ishare_report *r,
		  const struct rstack *s, unsigned int level,
		  const struct rentry *e)
{
	for (unsigned int up = level + 1; up < s->nlayers; up++)
		if (hides(&r->images[s->layers[up]], key_of(e), e->keylen))
			return false;
	return true;
}

/* count file @e->file into stack @s (number @si) unless counted already */
static int take(struct erofs_ishare_report *r, struct rstack *s, u32 si,
		const struct rentry *e, const struct rfile **vis, u64 *n)
{
	struct rfile *f = &r->files[e->file];

	if (f->stack_mark == si + 1)
		return 0;		/* a hard link shown twice */
	f->stack_mark = si + 1;
	vis[(*n)++] = f;
	s->files++;
	s->bytes += f->size;
	s->without += ishare_pages(f->size);
	if (f->read)
		return 0;
	/* the first path that shows it names it in the groups */
	f->read = true;
	f->path = strdup(e->path);
	return f->path ? 0 : -ENOMEM;
}

static int cmp_fp_ptrs(const void *a, const void *b)
{
	return ishare_cmp_fp(*(const struct rfile *const *)a,
			     *(const struct rfile *const *)b);
}

/* the page cache of @n files read once, with sharing: one per fingerprint */
static u64 with_sharing(const struct rfile **f, u64 n)
{
	u64 with = 0;

	if (n)
		qsort(f, n, sizeof(*f), cmp_fp_ptrs);
	for (u64 i = 0; i < n; i++)
		if (!i || !ishare_same_fp(f[i - 1], f[i]))
			with += ishare_pages(f[i]->size);
	return with;
}

static int merge_stack(struct erofs_ishare_report *r, u32 si,
		       const struct rfile **vis)
{
	struct rstack *s = &r->stacks[si];
	u64 n = 0;

	/* top first, so that the order of paths is the same in every stack */
	for (unsigned int l = s->nlayers; l--; ) {
		const struct rimage *img = &r->images[s->layers[l]];

		for (u64 i = 0; i < img->nentries; i++) {
			const struct rentry *e = &img->entries[i];
			int err;

			if (e->kind != EROFS_ISHARE_REG || !shown(r, s, l, e))
				continue;
			err = take(r, s, si, e, vis, &n);
			if (err)
				return err;
		}
		s->hidden_files += img->files;
		s->hidden_bytes += img->bytes;
	}
	s->hidden_files -= s->files;
	s->hidden_bytes -= s->bytes;
	s->with = with_sharing(vis, n);
	return 0;
}

int ishare_merge_stacks(struct erofs_ishare_report *r)
{
	const struct rfile **vis;
	int err = 0;

	if (!r->nstacks)
		return 0;
	for (u32 i = 0; i < r->nimages && !err; i++)
		if (r->images[i].layer)
			err = build_table(&r->images[i]);
	vis = malloc((r->nfiles + 1) * sizeof(*vis));
	if (!vis)
		return -ENOMEM;
	for (u32 si = 0; si < r->nstacks && !err; si++)
		err = merge_stack(r, si, vis);
	free(vis);
	return err;
}

int erofs_ishare_report_add_stack(struct erofs_ishare_report *r,
				  const char *name, const int *layers,
				  unsigned int n)
{
	struct rstack *p, *s;

	for (u32 i = 0; i < r->nstacks; i++)
		if (!strcmp(r->stacks[i].name, name))
			return -EEXIST;
	for (unsigned int i = 0; i < n; i++) {
		if (layers[i] < 0 || (u32)layers[i] >= r->nimages ||
		    !r->images[layers[i]].layer)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (layers[j] == layers[i])
				return -ELOOP;	/* overlayfs refuses it too */
	}
	p = realloc(r->stacks, (r->nstacks + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->stacks = p;
	s = &p[r->nstacks];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->layers = malloc((n + 1) * sizeof(*layers));
	if (!s->name || !s->layers) {
		free(s->name);
		free(s->layers);
		return -ENOMEM;
	}
	memcpy(s->layers, layers, n * sizeof(*layers));
	s->nlayers = n;
	for (unsigned int i = 0; i < n; i++)
		r->images[layers[i]].nstacks++;
	r->nstacks++;
	return 0;
}

void ishare_image_release(struct rimage *img)
{
	for (u64 i = 0; i < img->nentries; i++)
		free(img->entries[i].path);
	free(img->entries);
	erofs_hashtab_release(&img->tab);
	free(img->path);
}

void ishare_stacks_free(struct erofs_ishare_report *r)
{
	for (u32 i = 0; i < r->nstacks; i++) {
		free(r->stacks[i].name);
		free(r->stacks[i].layers);
	}
	free(r->stacks);
}
