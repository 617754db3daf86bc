// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * zstd through libzstd.  zstd has no fixed-output mode, so search for a
 * long input prefix whose frame still fits, guessing from the sizes the
 * tries show.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "erofs/erofs_fs.h"
#include "compressor.h"

#define ZSTD_MIN_WINDOWLOG	10	/* the cfgs record stores log - 10 */
#define ZSTD_MAX_TRIES		8
/*
 * Full enough: within 1/128.  The padding up to the next block grows
 * with the room a frame may leave: within 1/16 saved a fifth of the
 * tries but made images 0.7% larger than 1/64, and 1/128 makes them 0.4%
 * smaller than 1/64 for a quarter more tries (/usr/share, 128 KiB
 * pclusters).
 */
#define ZSTD_SLACK_SHIFT	7

struct zstd_priv {
	ZSTD_CCtx *cctx;
	u8 *buf[2];		/* last good frame, and the one being tried */
	unsigned int bufsize;
};

static unsigned int ilog2_u32(u32 v)
{
	return 31 - __builtin_clz(v);
}

static u32 zstd_default_dict(unsigned int pclustersize)
{
	u64 d = (u64)pclustersize << 3;

	if (d > Z_EROFS_ZSTD_MAX_DICT_SIZE)
		d = Z_EROFS_ZSTD_MAX_DICT_SIZE;
	return 1U << ilog2_u32((u32)d);
}

static const char *zstd_check_dict(u32 dict_size)
{
	if (dict_size & (dict_size - 1) || dict_size < 1U << ZSTD_MIN_WINDOWLOG ||
	    dict_size > Z_EROFS_ZSTD_MAX_DICT_SIZE)
		return "zstd dictionary size must be a power of 2, 1024 .. 1048576";
	return NULL;
}

static int zstd_init(struct z_erofs_compressor *c)
{
	struct zstd_priv *p = calloc(1, sizeof(*p));
	size_t rc;

	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->cctx = ZSTD_createCCtx();
	if (!p->cctx)
		return -ENOMEM;
	rc = ZSTD_CCtx_setParameter(p->cctx, ZSTD_c_compressionLevel, c->level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(p->cctx, ZSTD_c_windowLog,
					    ilog2_u32(c->dict_size));
	return ZSTD_isError(rc) ? -EINVAL : 0;
}

static void zstd_exit(struct z_erofs_compressor *c)
{
	struct zstd_priv *p = c->priv;

	if (!p)
		return;
	ZSTD_freeCCtx(p->cctx);
	free(p->buf[0]);
	free(p->buf[1]);
	free(p);
}

static int zstd_bufs(struct zstd_priv *p, unsigned int size)
{
	if (size <= p->bufsize)
		return 0;
	for (int i = 0; i < 2; i++) {
		u8 *b = realloc(p->buf[i], size);

		if (!b)
			return -ENOMEM;
		p->buf[i] = b;
	}
	p->bufsize = size;
	return 0;
}

/* the frame size of @len input bytes, 0 if it exceeds @cap, or -errno */
static long zstd_try(struct zstd_priv *p, const void *src, size_t len,
		     u8 *out, unsigned int cap)
{
	size_t rc = ZSTD_compress2(p->cctx, out, cap, src, len);

	if (!ZSTD_isError(rc))
		return (long)rc;
	if (ZSTD_getErrorCode(rc) == ZSTD_error_dstSize_tooSmall)
		return 0;
	return ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation ?
		-ENOMEM : -EIO;
}

/*
 * The input length at which the line through two tries reaches @target,
 * within 0 .. UINT_MAX (the caller keeps it between the fit and the rest)
 */
static size_t zstd_line(size_t target, size_t l1, long n1, size_t l2, long n2)
{
	double x = (double)l1 + ((double)l2 - (double)l1) *
		   ((double)target - n1) / (n2 - n1);

	return x <= 0 ? 0 : x >= UINT_MAX ? UINT_MAX : (size_t)x;
}

/*
 * The next input length to try, aimed a little below full: between the
 * longest fit and the shortest overflow when both sizes are known, else
 * along the line through the last two tries (a frame's size is close to
 * linear in its input, but not through the origin: headers and entropy
 * tables are a fixed part), else from the ratio of the one try measured
 * (@len in, @n out), else halfway.
 */
static size_t zstd_aim(unsigned int dstlen, size_t len, long n, size_t plen,
		       long pn, size_t fit, long fit_n, size_t nofit,
		       long nofit_n)
{
	size_t target = dstlen - (dstlen >> (ZSTD_SLACK_SHIFT + 1));

	if (fit_n > 0 && nofit_n > fit_n)
		return zstd_line(target, fit, fit_n, nofit, nofit_n);
	if (n > 0 && pn > 0 && (n - pn) * ((long)len - (long)plen) > 0)
		return zstd_line(target, plen, pn, len, n);
	if (n > 0)
		return (size_t)((double)len * target / n);
	return fit + (nofit - fit) / 2;	/* beyond the scratch: halve */
}

/*
 * Each try measures the frame even when it overflows (up to a scratch of
 * twice the pcluster), so that the next guess comes from the sizes seen;
 * the first comes from the ratio of the stream's previous pcluster.  Once
 * one try fits and one overflows, the next is interpolated between them,
 * before that extrapolated from the last two: from the ratio alone (which
 * ignores the fixed part of a frame) 3.7 tries per pcluster fed zstd 3.8
 * times the input (/usr/lib/python3.11), now 3.2 and 3.3 times.
 */
static int zstd_destsize(struct z_erofs_compressor *c, const void *src,
			 unsigned int *srclen, void *dst, unsigned int dstlen)
{
	struct zstd_priv *p = c->priv;
	size_t fit = 0, nofit = (size_t)*srclen + 1, guess;
	unsigned int cap = 2 * dstlen + 64;
	size_t last = 0;
	long best = 0, nofit_n = 0, last_n = 0;
	int cur = 0, err = zstd_bufs(p, cap);

	if (err)
		return err;
	/*
	 * From the ratio of the stream's last pcluster; at the start, all
	 * of a short input (most do fit), else 3:2, which leaves a frame of
	 * data that does not compress short enough to be measured.
	 */
	if (c->hint_out)
		guess = zstd_aim(dstlen, c->hint_in, c->hint_out, 0, 0, 0, 0,
				 0, 0);
	else if (*srclen <= (size_t)dstlen * 5 / 2)
		guess = *srclen;
	else
		guess = (size_t)dstlen * 3 / 2;
	for (int tries = 0; tries < ZSTD_MAX_TRIES; tries++) {
		size_t next;
		long n;

		if (guess >= nofit)
			guess = nofit - 1;
		if (guess <= fit)
			guess = fit + 1;
		n = zstd_try(p, src, guess, p->buf[cur], cap);
		if (n < 0)
			return (int)n;
		if (n > 0 && n <= (long)dstlen) {
			fit = guess;
			best = n;
			cur ^= 1;
			if (fit + 1 >= nofit ||
			    n >= (long)(dstlen - (dstlen >> ZSTD_SLACK_SHIFT)))
				break;
		} else {
			nofit = guess;
			nofit_n = n;
		}
		if (nofit - fit <= fit / 256 + 16)
			break;
		next = zstd_aim(dstlen, guess, n, last, last_n, fit, best,
				nofit, nofit_n);
		last = guess;
		last_n = n;
		guess = next;
	}
	if (!best)
		return 0;
	memcpy(dst, p->buf[cur ^ 1], best);
	*srclen = fit;
	return (int)best;
}

const struct z_erofs_compressor_ops z_erofs_zstd_ops = {
	.name = "zstd",
	.alg = Z_EROFS_COMPRESSION_ZSTD,
	.offer_factor = 4,
	.has_level = true,
	.default_level = ZSTD_CLEVEL_DEFAULT,
	.min_level = 1,
	.max_level = 22,
	.default_dict = zstd_default_dict,
	.check_dict = zstd_check_dict,
	.init = zstd_init,
	.exit = zstd_exit,
	.compress_destsize = zstd_destsize,
};
