// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * One decoder on one pcluster, as the reader calls it.  Built once per
 * algorithm (FUZZ_ALG): lz4, lzma, zstd, and the uncompressed (shifted
 * and interlaced) copies.  Input: 4 bytes of parameters, then the
 * stored pcluster.  One zreader serves every input, as one serves every
 * extent of a reader thread: allocating it (and the lzma and zstd
 * states) per input cost more than most decodes.
 */
#include <stdlib.h>
#include "erofs/erofs_fs.h"
#include "liberofs_zreader.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct erofs_zreader *zr;
	struct z_erofs_decode_req rq = { 0 };
	char why[256];

	if (size < 4)
		return 0;
	/* an output of up to 64 KiB, a 512 B or 4 KiB block */
	rq.outlen = (data[0] | data[1] << 8) + 1;
	rq.blksz = data[2] & 1 ? 4096 : 512;
	rq.partial = data[2] & 2;
	rq.zero_padding = data[2] & 4;
	rq.lzma_dict = data[2] & 8 ? 1U << (12 + data[3] % 12) : 0;
	rq.alg = FUZZ_ALG;
	if (rq.alg == EROFS_ZALG_SHIFTED && (data[2] & 16))
		rq.alg = EROFS_ZALG_INTERLACED;
	rq.interlace_off = data[3] * 64;
	rq.in = data + 4;
	rq.inlen = size - 4;
	rq.out = malloc(rq.outlen);	/* exact: ASan sees any overrun */
	if (!zr)
		zr = erofs_zreader_alloc();	/* kept: not a leak */
	if (rq.out && zr)
		z_erofs_decode(zr, &rq, why, sizeof(why));
	free(rq.out);
	return 0;
}
