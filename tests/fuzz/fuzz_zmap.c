// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Data maps (plain, inline, chunked, compressed full and compact indexes,
 * fragments) and the data they lead to, decoded: every extent of every
 * regular file, then the first FUZZ_MAX_DATA bytes read.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include "fuzz.h"

/*
 * One buffer for every read: a 1 MiB allocation per file (256 per input)
 * cost more under ASan than the reads.  A read of len bytes goes to its
 * end, so that an overrun still runs into ASan's redzone.
 */
static u8 *data_buf(void)
{
	static u8 *buf;

	if (!buf)
		buf = malloc(FUZZ_MAX_DATA);	/* kept: not a leak */
	return buf;
}

static void file_fn(struct erofs_image *img, const struct erofs_inode *vi)
{
	struct erofs_map m = { 0 };
	unsigned int extents = 0;
	u8 *buf = data_buf();
	u64 mapped;
	size_t len;

	if (!S_ISREG(vi->mode))
		return;
	erofs_check_data_map(img, vi, &mapped);
	while (m.la < vi->size && extents++ < 4096) {
		if (erofs_map_blocks(img, vi, &m, EROFS_RD_VERIFY) || !m.llen)
			break;
		m.la += m.llen;
	}
	len = vi->size < FUZZ_MAX_DATA ? vi->size : FUZZ_MAX_DATA;
	if (buf)
		erofs_read_data(img, vi, buf + FUZZ_MAX_DATA - len, len, 0, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_image img;

	if (!fuzz_image_open(&img, data, size))
		fuzz_walk(&img, file_fn);
	erofs_image_close(&img);
	return 0;
}
