// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Decoding one pcluster into a bounded buffer: lz4, MicroLZMA, zstd, and
 * the two forms of uncompressed pclusters.  The output is exactly the
 * extent's length: a stream that decodes to more (unless the extent only
 * takes a prefix, PARTIAL_REF) or to less is corrupted, as the kernel has
 * it.  Decoders never write past @outlen nor read past @inlen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>
#include <lzma.h>
#include <zstd.h>
#include "liberofs_reader.h"
#include "liberofs_zreader.h"

#define Z_ZSTD_WINDOWLOG_MAX	24	/* beyond any extent: 16 MiB */

/* lzma and zstd (and lz4 with 0padding): the stream ends the pcluster */
static unsigned int z_skip_padding(const u8 *in, unsigned int inlen)
{
	unsigned int i = 0;

	while (i < inlen && !in[i])
		i++;
	return i;
}

static int z_fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int z_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EFSCORRUPTED;
}

static int z_lz4(const struct z_erofs_decode_req *rq, char *why, size_t wl)
{
	unsigned int margin = 0;
	int ret;

	if (rq->zero_padding) {
		margin = z_skip_padding(rq->in, rq->inlen);
		if (margin >= rq->inlen)
			return z_fail(why, wl, "lz4 pcluster is all zeros");
	}
	if (rq->outlen > INT32_MAX || rq->inlen > INT32_MAX)
		return z_fail(why, wl, "pcluster too large");
	/* without 0padding the stream may be followed by anything */
	if (rq->partial || !rq->zero_padding)
		ret = LZ4_decompress_safe_partial((const char *)rq->in + margin,
						  (char *)rq->out,
						  rq->inlen - margin,
						  rq->outlen, rq->outlen);
	else
		ret = LZ4_decompress_safe((const char *)rq->in + margin,
					  (char *)rq->out, rq->inlen - margin,
					  rq->outlen);
	if (ret < 0)
		return z_fail(why, wl, "lz4 stream is corrupted (%d)", ret);
	if ((unsigned int)ret != rq->outlen)
		return z_fail(why, wl, "lz4 stream decodes to %d bytes, %u expected",
			      ret, rq->outlen);
	return 0;
}

static int z_lzma(struct erofs_zreader *zr, const struct z_erofs_decode_req *rq,
		  char *why, size_t wl)
{
	unsigned int margin = z_skip_padding(rq->in, rq->inlen);
	/* the dictionary never needs to be larger than the output */
	u32 dict = round_up(rq->outlen, 4096U);

	lzma_stream *s = &zr->lzma;
	lzma_ret ret;

	if (margin >= rq->inlen)
		return z_fail(why, wl, "lzma pcluster is all zeros");
	/* nor than the encoder's window, which the image announces */
	if (rq->lzma_dict && rq->lzma_dict < dict)
		dict = rq->lzma_dict < 4096 ? 4096 : rq->lzma_dict;
	ret = lzma_microlzma_decoder(s, rq->inlen - margin, rq->outlen,
				     !rq->partial, dict);
	if (ret == LZMA_MEM_ERROR)
		return -ENOMEM;
	if (ret != LZMA_OK)
		return z_fail(why, wl, "lzma decoder refused the pcluster (%d)",
			      (int)ret);
	zr->lzma_used = true;
	s->next_in = rq->in + margin;
	s->avail_in = rq->inlen - margin;
	s->next_out = rq->out;
	s->avail_out = rq->outlen;
	ret = lzma_code(s, LZMA_FINISH);
	if (ret == LZMA_MEM_ERROR)
		return -ENOMEM;
	if (ret != LZMA_STREAM_END)
		return z_fail(why, wl, "lzma stream is corrupted (%d)", (int)ret);
	if (s->avail_out)
		return z_fail(why, wl, "lzma stream decodes to %zu bytes, %u expected",
			      rq->outlen - s->avail_out, rq->outlen);
	return 0;
}

static int z_zstd_stream(ZSTD_DCtx *dctx, const struct z_erofs_decode_req *rq,
			 unsigned int margin, char *why, size_t wl)
{
	ZSTD_inBuffer in = { rq->in + margin, rq->inlen - margin, 0 };
	ZSTD_outBuffer out = { rq->out, rq->outlen, 0 };
	size_t ret;

	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, Z_ZSTD_WINDOWLOG_MAX);
	do {
		ret = ZSTD_decompressStream(dctx, &out, &in);
		if (ZSTD_isError(ret))
			return z_fail(why, wl, "zstd stream is corrupted: %s",
				      ZSTD_getErrorName(ret));
	} while (out.pos < out.size && in.pos < in.size);
	if (out.pos != rq->outlen)
		return z_fail(why, wl, "zstd stream decodes to %zu bytes, %u expected",
			      out.pos, rq->outlen);
	return 0;
}

static int z_zstd(struct erofs_zreader *zr, const struct z_erofs_decode_req *rq,
		  char *why, size_t wl)
{
	unsigned int margin = z_skip_padding(rq->in, rq->inlen);
	size_t ret;

	if (margin >= rq->inlen)
		return z_fail(why, wl, "zstd pcluster is all zeros");
	if (!zr->zstd) {
		zr->zstd = ZSTD_createDCtx();
		if (!zr->zstd)
			return -ENOMEM;
	}
	if (rq->partial)
		return z_zstd_stream(zr->zstd, rq, margin, why, wl);
	/* one shot: decodes straight into @out, no window to allocate */
	ret = ZSTD_decompressDCtx(zr->zstd, rq->out, rq->outlen,
				  rq->in + margin, rq->inlen - margin);
	if (ZSTD_isError(ret))
		return z_fail(why, wl, "zstd stream is corrupted: %s",
			      ZSTD_getErrorName(ret));
	if (ret != rq->outlen)
		return z_fail(why, wl, "zstd stream decodes to %zu bytes, %u expected",
			      ret, rq->outlen);
	return 0;
}

/*
 * Uncompressed pclusters, placed as the kernel's z_erofs_transform_plain()
 * places them.  SHIFTED: the extent's bytes from the pcluster's start.
 * INTERLACED: the extent starts @interlace_off into a block, so its first
 * blksz - @interlace_off bytes (the head) are stored in the last block of
 * the pcluster at that same offset, which ends the pcluster; the rest runs
 * from the pcluster's start.  The head's place does not depend on how much
 * of it the extent uses: an extent shorter than the head (the short last
 * pcluster of a file or of the packed inode) still starts @interlace_off
 * into the last block, not @outlen bytes before its end.
 */
static int z_plain(const struct z_erofs_decode_req *rq, char *why, size_t wl)
{
	unsigned int head, take;

	if (rq->outlen > rq->inlen)
		return z_fail(why, wl, "%u bytes in an uncompressed pcluster of %u",
			      rq->outlen, rq->inlen);
	if (rq->alg == EROFS_ZALG_SHIFTED) {
		memcpy(rq->out, rq->in, rq->outlen);
		return 0;
	}
	head = rq->blksz - rq->interlace_off % rq->blksz;
	if (head > rq->inlen)
		return z_fail(why, wl, "interlaced pcluster of %u bytes, %u-byte head",
			      rq->inlen, head);
	take = head < rq->outlen ? head : rq->outlen;
	memcpy(rq->out, rq->in + rq->inlen - head, take);
	memcpy(rq->out + take, rq->in, rq->outlen - take);
	return 0;
}

int z_erofs_decode(struct erofs_zreader *zr,
		   const struct z_erofs_decode_req *rq, char *why,
		   size_t whylen)
{
	if (!rq->outlen)
		return 0;
	if (!rq->inlen)
		return z_fail(why, whylen, "empty pcluster");
	switch (rq->alg) {
	case EROFS_ZALG_SHIFTED:
	case EROFS_ZALG_INTERLACED:
		return z_plain(rq, why, whylen);
	case Z_EROFS_COMPRESSION_LZ4:
		return z_lz4(rq, why, whylen);
	case Z_EROFS_COMPRESSION_LZMA:
		return z_lzma(zr, rq, why, whylen);
	case Z_EROFS_COMPRESSION_ZSTD:
		return z_zstd(zr, rq, why, whylen);
	}
	snprintf(why, whylen, "algorithm %u cannot be decoded", rq->alg);
	return -EOPNOTSUPP;
}

/* ---- per-thread state ---- */

struct erofs_zreader *erofs_zreader_alloc(void)
{
	struct erofs_zreader *zr = calloc(1, sizeof(*zr));

	if (zr)
		zr->lzma = (lzma_stream)LZMA_STREAM_INIT;
	return zr;
}

static void z_slot_free(struct z_slot *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

void erofs_zreader_trim(struct erofs_zreader *zr)
{
	if (!zr)
		return;
	if (zr->file.cap > Z_TRIM_ABOVE)
		z_slot_free(&zr->file);
	if (zr->packed.cap > Z_TRIM_ABOVE)
		z_slot_free(&zr->packed);
	if (zr->lzma_used) {
		lzma_end(&zr->lzma);	/* its dictionary goes with it */
		zr->lzma = (lzma_stream)LZMA_STREAM_INIT;
		zr->lzma_used = false;
	}
}

void erofs_zreader_free(struct erofs_zreader *zr)
{
	if (!zr)
		return;
	z_slot_free(&zr->file);
	z_slot_free(&zr->packed);
	free(zr->in);
	if (zr->lzma_used)
		lzma_end(&zr->lzma);
	ZSTD_freeDCtx(zr->zstd);
	free(zr);
}

/* @buf of at least @len bytes; *cap grows, never past what one asks */
int z_grow(u8 **buf, size_t *cap, size_t len)
{
	u8 *p;

	if (*cap >= len)
		return 0;
	p = realloc(*buf, len);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = len;
	return 0;
}
