// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The fsck walk of a whole image, with one data worker and fingerprints
 * verified: every check fsck.erofs makes.
 */
#include <sys/stat.h>
#include "erofs/fsck.h"
#include "fuzz.h"

static u64 file_bytes;

static void size_fn(struct erofs_image *img, const struct erofs_inode *vi)
{
	(void)img;
	if (S_ISREG(vi->mode))
		file_bytes += vi->size;
}

/*
 * fsck reads, decodes and hashes every byte a file claims: a few KB of
 * image can claim gigabytes of holes or of a sparse packed inode (18 s
 * of SHA-256 under ASan for one input), a cost linear in the claim, as
 * for a real sparse file.  Such inputs say nothing more than small ones:
 * skip trees of more than FUZZ_MAX_INODES inodes or FUZZ_MAX_DATA bytes
 * of files, found by the bounded walk the other targets use.
 */
static bool too_big(struct erofs_image *img)
{
	file_bytes = img->packed ? img->packed->size : 0;
	if (!fuzz_walk(img, size_fn))
		return true;
	return file_bytes > FUZZ_MAX_DATA;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_fsck_stats st;
	struct erofs_fsck_cfg cfg;
	struct erofs_image img;

	if (!fuzz_image_open(&img, data, size) && !too_big(&img)) {
		erofs_fsck_cfg_init(&cfg);
		cfg.workers = 1;
		cfg.report = fuzz_ignore;
		erofs_fsck_run(&img, &cfg, &st);
	}
	erofs_image_close(&img);
	return 0;
}
