// SPDX-License-Identifier: GPL-2.0+ OR MIT
/* A bounded walk of an image's tree, for the fuzz targets. */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

/* nids queued, and a hash of them: a directory may hold thousands */
#define SEEN_SLOTS	(4 * FUZZ_MAX_INODES)	/* a power of 2 */

struct queue {
	u64 nid[FUZZ_MAX_INODES];
	unsigned int n;
	u64 seen[SEEN_SLOTS];	/* nid + 1; 0: empty */
};

/* true if @nid was queued already; else remember it */
static bool seen_add(struct queue *q, u64 nid)
{
	unsigned int i = (nid * 0x9E3779B97F4A7C15ULL) >> 54;

	for (;; i = (i + 1) % SEEN_SLOTS) {
		if (q->seen[i] == nid + 1)
			return true;
		if (!q->seen[i]) {
			q->seen[i] = nid + 1;
			return false;
		}
	}
}

static int add_fn(const struct erofs_dirent_info *de, void *arg)
{
	struct queue *q = arg;

	if (de->namelen == 1 && de->name[0] == '.')
		return 0;
	if (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.')
		return 0;
	if (q->n == FUZZ_MAX_INODES)
		return 1;
	/*
	 * a directory named twice (a loop) would be walked again and again;
	 * a scan of the queue per dirent cost more than the parsing
	 */
	if (!seen_add(q, de->nid))
		q->nid[q->n++] = de->nid;
	return 0;
}

bool fuzz_walk(struct erofs_image *img,
	       void (*fn)(struct erofs_image *img,
			  const struct erofs_inode *vi))
{
	static struct queue q;
	bool whole = true;

	memset(q.seen, 0, sizeof(q.seen));
	q.n = 1;
	q.nid[0] = img->sbi.root_nid;
	seen_add(&q, q.nid[0]);
	for (unsigned int i = 0; i < q.n; i++) {
		struct erofs_inode vi;

		if (erofs_read_inode(img, q.nid[i], &vi))
			continue;
		fn(img, &vi);
		if (S_ISDIR(vi.mode) &&
		    erofs_dir_iterate(img, &vi, add_fn, &q) == 1)
			whole = false;
	}
	return whole;
}
