// SPDX-License-Identifier: GPL-2.0+ OR MIT
/* A bounded walk of an image's tree, for the fuzz targets. */
#include <sys/stat.h>
#include "fuzz.h"

struct queue {
	u64 nid[FUZZ_MAX_INODES];
	unsigned int n;
};

static int add_fn(const struct erofs_dirent_info *de, void *arg)
{
	struct queue *q = arg;

	if (de->namelen == 1 && de->name[0] == '.')
		return 0;
	if (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.')
		return 0;
	if (q->n == FUZZ_MAX_INODES)
		return 1;
	/* a directory named twice (a loop) would be walked again and again */
	for (unsigned int i = 0; i < q->n; i++)
		if (q->nid[i] == de->nid)
			return 0;
	q->nid[q->n++] = de->nid;
	return 0;
}

void fuzz_walk(struct erofs_image *img,
	       void (*fn)(struct erofs_image *img,
			  const struct erofs_inode *vi))
{
	struct queue q = { .n = 1 };

	q.nid[0] = img->sbi.root_nid;
	for (unsigned int i = 0; i < q.n; i++) {
		struct erofs_inode vi;

		if (erofs_read_inode(img, q.nid[i], &vi))
			continue;
		fn(img, &vi);
		if (S_ISDIR(vi.mode))
			erofs_dir_iterate(img, &vi, add_fn, &q);
	}
}
