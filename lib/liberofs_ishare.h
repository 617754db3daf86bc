/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to lib: the state of a page-cache sharing report, shared by
 * ishare_report.c (files, groups, totals, output) and ishare_stack.c (the
 * overlayfs merge of layer stacks).
 */
#ifndef __LIBEROFS_ISHARE_H
#define __LIBEROFS_ISHARE_H

#include "erofs/ishare_report.h"
#include <string.h>
#include "liberofs_hashtab.h"

#define ISHARE_NO_FILE	UINT64_MAX

struct rfile {
	char *path;		/* a layer's: the first visible path, or NULL */
	u64 size;
	u32 image;
	int name_id;		/* fingerprint NAME of its image, -1: none */
	bool has_fp;
	bool read;		/* some view shows it: it costs page cache */
	u32 stack_mark;		/* merge: 1 + the last stack that counted it */
	u8 digest[32];
};

/* one entry of a layer, for the merge: key is the path without its '/' */
struct rentry {
	struct erofs_hnode node;
	char *path;
	u32 keylen;
	enum erofs_ishare_kind kind;
	u64 file;		/* index into files[], or ISHARE_NO_FILE */
};

struct rimage {
	char *path;
	int name_id;
	bool layer;		/* a layer of stacks, not an image alone */
	u64 dev, ino;		/* a layer's file, to mount it once */
	u32 nstacks;		/* stacks that use the layer */
	u64 files, fp_files, bytes, shared_files, shared_bytes;
	u64 hidden_files, hidden_bytes;	/* a layer's: shown by no stack */
	struct rentry *entries;
	u64 nentries, entries_cap;
	struct erofs_hashtab tab;	/* entries by key, built to merge */
};

struct rstack {
	char *name;
	int *layers;		/* image indexes, lowest first */
	unsigned int nlayers;
	u64 files, bytes, hidden_files, hidden_bytes, without, with;
};

struct rgroup {
	u64 first, count;	/* a run of files[] with one fingerprint */
	u64 saved;		/* page cache bytes the sharing saves */
};

struct erofs_ishare_report {
	struct rimage *images;
	u32 nimages;
	struct rfile *files;
	u64 nfiles, files_cap;
	char **names;		/* distinct fingerprint NAMEs */
	int nnames;
	struct rstack *stacks;
	unsigned int nstacks;
	struct rgroup *groups;
	u64 ngroups;
	u64 without, with, bytes;
	u64 *seen;		/* inode keys of the current image, + 1 */
	u64 *seen_file;		/* and the index of each in files[] */
	u64 seen_cap, nseen;
};

static inline u64 ishare_pages(u64 size)
{
	return round_up(size, (u64)EROFS_ISHARE_PAGE_SIZE);
}

/* fingerprinted files first, by (NAME, digest) */
static inline int ishare_cmp_fp(const struct rfile *x, const struct rfile *y)
{
	if (x->has_fp != y->has_fp)
		return x->has_fp ? -1 : 1;
	if (x->name_id != y->name_id)
		return x->name_id < y->name_id ? -1 : 1;
	return memcmp(x->digest, y->digest, 32);
}

static inline bool ishare_same_fp(const struct rfile *x, const struct rfile *y)
{
	return x->has_fp && y->has_fp && x->name_id == y->name_id &&
	       !memcmp(x->digest, y->digest, 32);
}

/* ishare_stack.c, under ishare_report.c */
int ishare_entry_add(struct rimage *img, const char *path,
		     enum erofs_ishare_kind kind, u64 file);
/* mark what each stack shows as read and count each stack's figures */
int ishare_merge_stacks(struct erofs_ishare_report *r);
void ishare_image_release(struct rimage *img);
void ishare_stacks_free(struct erofs_ishare_report *r);

#endif
