// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The fsck walk of a whole image, with one data worker and fingerprints
 * verified: every check fsck.erofs makes.
 */
#include "erofs/fsck.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_fsck_stats st;
	struct erofs_fsck_cfg cfg;
	struct erofs_image img;

	if (!fuzz_image_open(&img, data, size)) {
		erofs_fsck_cfg_init(&cfg);
		cfg.workers = 1;
		cfg.report = fuzz_ignore;
		erofs_fsck_run(&img, &cfg, &st);
	}
	erofs_image_close(&img);
	return 0;
}
