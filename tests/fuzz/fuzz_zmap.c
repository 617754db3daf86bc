// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Data maps (plain, inline, chunked, compressed full and compact indexes,
 * fragments) and the data they lead to, decoded: every extent of every
 * regular file, then the first FUZZ_MAX_DATA bytes read.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include "fuzz.h"

static void file_fn(struct erofs_image *img, const struct erofs_inode *vi)
{
	struct erofs_map m = { 0 };
	unsigned int extents = 0;
	u64 mapped;
	size_t len;
	void *buf;

	if (!S_ISREG(vi->mode))
		return;
	erofs_check_data_map(img, vi, &mapped);
	while (m.la < vi->size && extents++ < 4096) {
		if (erofs_map_blocks(img, vi, &m, EROFS_RD_VERIFY) || !m.llen)
			break;
		m.la += m.llen;
	}
	len = vi->size < FUZZ_MAX_DATA ? vi->size : FUZZ_MAX_DATA;
	buf = malloc(len ? len : 1);
	if (buf)
		erofs_read_data(img, vi, buf, len, 0, 0);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_image img;

	if (!fuzz_image_open(&img, data, size))
		fuzz_walk(&img, file_fn);
	erofs_image_close(&img);
	return 0;
}
