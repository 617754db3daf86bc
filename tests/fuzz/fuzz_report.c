// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs --ishare-report over two images, text and JSON: the walk,
 * fingerprints, grouping and printing.  Input: a 4-byte length of the
 * first image, the first image, the second image.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "erofs/erofs_fs.h"
#include "dump.h"
#include "fuzz.h"
#include "memfd.h"

/*
 * dump opens images by path and verifies the superblock checksum, which a
 * mutated image would never pass: clear the image's SB_CHKSUM flag in
 * what the memfd gets (written around that byte: no copy of the input).
 * The two memfds live as long as the process, refilled for each input
 * (dump opens each by its /proc path): creating, filling and closing two
 * per input was a sixth of the target's time under perf.
 */
static int image_memfd(int *fd, const uint8_t *data, size_t len, char *path,
		       size_t pathlen)
{
	size_t at = EROFS_SUPER_OFFSET +
		    offsetof(struct erofs_super_block, feature_compat);
	u8 flag = len > at ? data[at] & ~EROFS_FEATURE_COMPAT_SB_CHKSUM : 0;
	struct iovec iov[] = {
		{ (void *)data, len > at ? at : len },
		{ &flag, len > at },
		{ (void *)(data + at + 1), len > at + 1 ? len - at - 1 : 0 },
	};

	if (*fd < 0)
		*fd = fuzz_memfd(NULL, 0, path, pathlen);
	if (*fd < 0 || pwritev(*fd, iov, 3, 0) != (ssize_t)len ||
	    ftruncate(*fd, len))
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static int fa = -1, fb = -1;
	static char a[64], b[64];
	struct dump_report_cfg cfg = { .top = 8 };
	char *images[] = { a, b };
	size_t split;

	if (size < 4)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	erofs_log_init("fuzz", EROFS_LOG_SILENT);
	split = (data[0] | data[1] << 8 | (size_t)data[2] << 16) % (size - 3);
	if (!image_memfd(&fa, data + 4, split, a, sizeof(a)) &&
	    !image_memfd(&fb, data + 4 + split, size - 4 - split, b,
			 sizeof(b)) && null) {
		cfg.json = data[3] & 1;
		dump_ishare_report(images, 2, &cfg, null);
	}
	return 0;
}
