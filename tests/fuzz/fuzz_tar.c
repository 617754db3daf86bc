// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The tar member parser (ustar, GNU, pax) and the image mkfs writes from
 * it; then our own fsck on that image, which must find nothing: mkfs
 * must never write an image its own fsck rejects.  The first input byte
 * picks options (1: --aufs, 2: fingerprints, 4: lz4), the rest is the
 * archive.
 */
#include <stdlib.h>
#include "erofs/fsck.h"
#include "erofs/mkfs.h"
#include "fuzz.h"
#include "memfd.h"

static unsigned int errors;

static void count_errors(void *arg, const struct erofs_problem *p)
{
	(void)arg;
	if (erofs_problem_severity(p->id) != EROFS_SEV_WARN)
		errors++;
}

/* fsck the image in @fd, of @len bytes: abort() on any error */
static void check_image(int fd, off_t len)
{
	struct erofs_fsck_stats st;
	struct erofs_fsck_cfg cfg;
	struct erofs_image img;
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return;
	errors = 0;
	erofs_image_open_mem(&img, p, len, "fuzz");
	img.report = count_errors;
	if (!erofs_image_read_super(&img)) {
		erofs_fsck_cfg_init(&cfg);
		cfg.workers = 1;
		cfg.report = count_errors;
		erofs_fsck_run(&img, &cfg, &st);
	}
	erofs_image_close(&img);
	munmap(p, len);
	if (errors)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_mkfs_cfg cfg;
	char src[64], dst[64];
	int in, out;

	if (!size)
		return 0;
	erofs_log_init("fuzz", EROFS_LOG_SILENT);
	in = fuzz_memfd(data + 1, size - 1, src, sizeof(src));
	out = fuzz_memfd(NULL, 0, dst, sizeof(dst));
	if (in >= 0 && out >= 0) {
		erofs_mkfs_cfg_init(&cfg);
		cfg.source = src;
		cfg.tar = true;
		cfg.image_name = "fuzz";
		cfg.timestamp = 0;
		cfg.workers = 1;
		cfg.aufs = data[0] & 1;
		cfg.ishare_name = data[0] & 2 ? "trusted.erofs.fingerprint" :
						NULL;
		cfg.compress = data[0] & 4 ? "lz4" : NULL;
		if (!erofs_mkfs_build(&cfg, out))
			check_image(out, lseek(out, 0, SEEK_END));
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return 0;
}
