// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * lz4 and lz4hc through liblz4's fixed-output entry points.  Both write
 * the same lz4 block format, so both are algorithm 0 on disk.
 */
#include <errno.h>
#include <lz4.h>
#include <lz4hc.h>
#include "erofs/erofs_fs.h"
#include "compressor.h"

static int lz4_destsize(struct z_erofs_compressor *c, const void *src,
			unsigned int *srclen, void *dst, unsigned int dstlen)
{
	int in = (int)*srclen;
	int out = LZ4_compress_destSize(src, dst, &in, (int)dstlen);

	if (out <= 0)
		return 0;
	*srclen = in;
	return out;
}

const struct z_erofs_compressor_ops z_erofs_lz4_ops = {
	.name = "lz4",
	.alg = Z_EROFS_COMPRESSION_LZ4,
	.offer_factor = 16,	/* cheap, and short inputs lose ratio */
	/* no .noise: a try on noise costs less than the test */
	.compress_destsize = lz4_destsize,
};

/* the HC state is large: make it once per thread, not per pcluster */
static int lz4hc_init(struct z_erofs_compressor *c)
{
	c->priv = LZ4_createStreamHC();
	return c->priv ? 0 : -ENOMEM;
}

static void lz4hc_exit(struct z_erofs_compressor *c)
{
	LZ4_freeStreamHC(c->priv);
}

/*
 * LZ4_compress_HC_destSize() clears the whole 256 KiB state on every call,
 * which costs more than compressing a 4 KiB pcluster.  A fast reset only
 * moves the window past the last input, so the old entries fall out of
 * reach: the output is the same, byte for byte, as from a cleared state.
 */
static int lz4hc_destsize(struct z_erofs_compressor *c, const void *src,
			  unsigned int *srclen, void *dst, unsigned int dstlen)
{
	int in = (int)*srclen;
	int out;

	LZ4_resetStreamHC_fast(c->priv, c->level);
	out = LZ4_compress_HC_continue_destSize(c->priv, src, dst, &in,
						(int)dstlen);

	if (out <= 0)
		return 0;
	*srclen = in;
	return out;
}

const struct z_erofs_compressor_ops z_erofs_lz4hc_ops = {
	.name = "lz4hc",
	.alg = Z_EROFS_COMPRESSION_LZ4,
	.offer_factor = 2,	/* searches all it is offered */
	.noise = Z_NOISE_MATCHES,	/* the test costs a fifth of a try */
	.has_level = true,
	.default_level = LZ4HC_CLEVEL_DEFAULT,
	.min_level = 0,
	.max_level = LZ4HC_CLEVEL_MAX,
	.init = lz4hc_init,
	.exit = lz4hc_exit,
	.compress_destsize = lz4hc_destsize,
};

/*
 * Whether @len bytes surely compress into @cap bytes: lz4 at its fastest
 * says so, and the other compressors do at least as well.  It costs a
 * fraction of a real try, and gives up as soon as @cap is full.
 */
bool z_erofs_surely_fits(const void *src, unsigned int len, void *scratch,
			 unsigned int cap)
{
	return LZ4_compress_default(src, scratch, (int)len, (int)cap) > 0;
}
