// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs --ishare-report over two images, text and JSON: the walk,
 * fingerprints, grouping and printing.  Input: a 4-byte length of the
 * first image, the first image, the second image.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/erofs_fs.h"
#include "dump.h"
#include "fuzz.h"
#include "memfd.h"

/*
 * dump opens images by path and verifies the superblock checksum, which a
 * mutated image would never pass: clear the image's SB_CHKSUM flag in
 * what the memfd gets (written around that byte: no copy of the input)
 */
static int image_memfd(const uint8_t *data, size_t len, char *path,
		       size_t pathlen)
{
	size_t at = EROFS_SUPER_OFFSET +
		    offsetof(struct erofs_super_block, feature_compat);
	int fd = fuzz_memfd(data, len > at ? at : len, path, pathlen);
	u8 flag;

	if (fd < 0 || len <= at)
		return fd;
	flag = data[at] & ~EROFS_FEATURE_COMPAT_SB_CHKSUM;
	if (write(fd, &flag, 1) != 1 ||
	    (len > at + 1 && write(fd, data + at + 1, len - at - 1) !=
			     (ssize_t)(len - at - 1))) {
		close(fd);
		return -1;
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct dump_report_cfg cfg = { .top = 8 };
	char a[64], b[64], *images[] = { a, b };
	size_t split;
	int fa, fb;

	if (size < 4)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	erofs_log_init("fuzz", EROFS_LOG_SILENT);
	split = (data[0] | data[1] << 8 | (size_t)data[2] << 16) % (size - 3);
	fa = image_memfd(data + 4, split, a, sizeof(a));
	fb = image_memfd(data + 4 + split, size - 4 - split, b, sizeof(b));
	if (fa >= 0 && fb >= 0 && null) {
		cfg.json = data[3] & 1;
		dump_ishare_report(images, 2, &cfg, null);
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return 0;
}
