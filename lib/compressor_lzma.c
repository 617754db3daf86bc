// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * lzma through liblzma's MicroLZMA encoder, the format the kernel reads:
 * it fills a given output size exactly as far as the input allows.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include "erofs/erofs_fs.h"
#include "compressor.h"

#define LZMA_EXTREME_BASE	100	/* -z lzma,level=10N: preset N extreme */
#define LZMA_MIN_DICT		32768U

struct lzma_priv {
	lzma_options_lzma opt;
	lzma_stream strm;
};

static u32 lzma_default_dict(unsigned int pclustersize)
{
	u64 d = (u64)pclustersize << 2;

	if (d > Z_EROFS_LZMA_MAX_DICT_SIZE)
		d = Z_EROFS_LZMA_MAX_DICT_SIZE;
	return d < LZMA_MIN_DICT ? LZMA_MIN_DICT : (u32)d;
}

static const char *lzma_check_dict(u32 dict_size)
{
	if (dict_size < 4096 || dict_size > Z_EROFS_LZMA_MAX_DICT_SIZE)
		return "lzma dictionary size must be 4096 .. 8388608 bytes";
	return NULL;
}

static int lzma_init(struct z_erofs_compressor *c)
{
	struct lzma_priv *p = calloc(1, sizeof(*p));
	u32 preset;

	if (!p)
		return -ENOMEM;
	if (c->level >= LZMA_EXTREME_BASE)
		preset = (c->level - LZMA_EXTREME_BASE) | LZMA_PRESET_EXTREME;
	else
		preset = c->level;
	if (lzma_lzma_preset(&p->opt, preset)) {
		free(p);
		return -EINVAL;
	}
	p->opt.dict_size = c->dict_size;
	p->strm = (lzma_stream)LZMA_STREAM_INIT;
	c->priv = p;
	return 0;
}

static void lzma_exit(struct z_erofs_compressor *c)
{
	struct lzma_priv *p = c->priv;

	if (!p)
		return;
	lzma_end(&p->strm);
	free(p);
}

static int lzma_destsize(struct z_erofs_compressor *c, const void *src,
			 unsigned int *srclen, void *dst, unsigned int dstlen)
{
	struct lzma_priv *p = c->priv;
	lzma_stream *strm = &p->strm;
	lzma_ret ret;

	/* each pcluster is a stream of its own; the encoder reuses memory */
	ret = lzma_microlzma_encoder(strm, &p->opt);
	if (ret == LZMA_MEM_ERROR)
		return -ENOMEM;
	if (ret != LZMA_OK)
		return -EINVAL;
	strm->next_in = src;
	strm->avail_in = *srclen;
	strm->next_out = dst;
	strm->avail_out = dstlen;
	ret = lzma_code(strm, LZMA_FINISH);
	if (ret == LZMA_MEM_ERROR)
		return -ENOMEM;
	if (ret != LZMA_STREAM_END)
		return 0;
	*srclen = strm->total_in;
	return (int)strm->total_out;
}

const struct z_erofs_compressor_ops z_erofs_lzma_ops = {
	.name = "lzma",
	.alg = Z_EROFS_COMPRESSION_LZMA,
	/*
	 * Each retry when all of the offer fitted is a whole encoder run
	 * (preset, dictionary reset, match finder refill): offering 16x
	 * the last pcluster's input makes such retries rare, so about one
	 * lzma_code() call per pcluster, as erofs-utils makes.  The encoder
	 * stops at the output size; a larger offer costs only its lookahead.
	 */
	.offer_factor = 16,
	/*
	 * A try costs a whole encoder run (0.8 ms on 4 KiB here): on
	 * /usr/share/doc, blocks of .gz files took 45% of lzma's time.
	 */
	.noise = Z_NOISE_BYTES,
	.has_level = true,
	.default_level = LZMA_PRESET_DEFAULT,
	.min_level = 0,
	.max_level = 9,
	.xmin_level = LZMA_EXTREME_BASE,
	.xmax_level = LZMA_EXTREME_BASE + 9,
	.default_dict = lzma_default_dict,
	.check_dict = lzma_check_dict,
	.init = lzma_init,
	.exit = lzma_exit,
	.compress_destsize = lzma_destsize,
};
